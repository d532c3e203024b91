//! `Secret`: a string that cannot be printed by accident.
//!
//! It owns no policy about masking; `github::Runner::mask` tells the runner
//! to hide a secret's value, and callers reach the value only through
//! `Secret::expose`, which makes every use easy to find.

use std::fmt;

/// A credential (bearer token, client secret). `Debug` prints a placeholder
/// and there is no `Display`, so `{}` on it does not compile.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Secret {
        Secret(value)
    }

    /// The value itself, for an `Authorization` header or a form body.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn debug_hides_the_value() {
        let secret = Secret::new("hunter2".to_owned());
        assert_eq!(format!("{secret:?}"), "Secret(***)");
        assert_eq!(format!("{:?}", Some(&secret)), "Some(Secret(***))");
    }
}

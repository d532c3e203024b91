//! Lenient pieces of wire types that both APIs need: text that may come as
//! a string or an object, numbers that may come as strings, a value or a
//! list of them, list items that may be of the wrong shape, and the
//! `{"error": {...}}` body. They know no API.

use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::text::untrusted;

/// Text the service may send as a string, as an object with a `message`,
/// or as any other JSON value.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Text {
    String(String),
    Message { message: String },
    Other(serde_json::Value),
}

impl Text {
    /// The text made safe to show and cut to `limit` characters; `None`
    /// when there is nothing to show.
    pub fn shown(&self, limit: usize) -> Option<String> {
        let raw = match self {
            Text::String(text) | Text::Message { message: text } => text.clone(),
            Text::Other(serde_json::Value::Null) => return None,
            Text::Other(other) => other.to_string(),
        };
        let cleaned = untrusted(&raw, limit);
        (!cleaned.trim().is_empty()).then_some(cleaned)
    }
}

/// Shows an optional text field.
pub fn shown(text: &Option<Text>, limit: usize) -> Option<String> {
    text.as_ref().and_then(|text| text.shown(limit))
}

/// A number the service may send as a JSON number or a string.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Number {
    Number(f64),
    Text(String),
}

impl Number {
    pub fn value(&self) -> Option<f64> {
        match self {
            Number::Number(number) => Some(*number),
            Number::Text(text) => text.trim().parse().ok(),
        }
    }

    /// A percentage from 0 to 100.
    pub fn percent(&self) -> Option<u8> {
        self.value()
            .filter(|value| value.is_finite())
            .map(|value| value.clamp(0.0, 100.0) as u8)
    }
}

/// A list, or a single value where a list was documented (or the other way
/// round).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    Many(Vec<T>),
    One(T),
}

impl<T> OneOrMany<T> {
    pub fn into_vec(self) -> Vec<T> {
        match self {
            OneOrMany::Many(items) => items,
            OneOrMany::One(item) => vec![item],
        }
    }
}

impl<T> Default for OneOrMany<T> {
    fn default() -> Self {
        OneOrMany::Many(Vec::new())
    }
}

/// For `#[serde(deserialize_with = "or_none")]`: a field without the
/// documented shape reads as absent, rather than failing the whole answer.
pub fn or_none<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    let value = serde_json::Value::deserialize(deserializer)?;
    Ok(serde_json::from_value(value).ok())
}

/// A list item that may not have the documented shape; such items are
/// skipped rather than failing the whole list.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Item<T> {
    Valid(T),
    Invalid(IgnoredAny),
}

/// The valid items of a list.
pub fn valid<T>(items: Vec<Item<T>>) -> impl Iterator<Item = T> {
    items.into_iter().filter_map(|item| match item {
        Item::Valid(item) => Some(item),
        Item::Invalid(_) => None,
    })
}

/// `{"error": {"code": ..., "message": ..., "details": [...]}}`, or
/// `{"error": "text"}`.
#[derive(Debug, Deserialize)]
pub struct ErrorBody {
    pub error: Option<ErrorField>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum ErrorField {
    Object(ServiceError),
    Text(String),
}

/// One error as the services describe it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ServiceError {
    pub code: Option<Text>,
    pub message: Option<Text>,
}

/// ` (Code: message)` from an error body, or the start of a body that is not
/// the documented JSON; empty when there is no body.
pub fn error_detail(body: &str) -> String {
    let parsed = serde_json::from_str::<ErrorBody>(body)
        .ok()
        .and_then(|body| body.error);
    let text = match parsed {
        Some(ErrorField::Object(error)) => {
            match (shown(&error.code, 200), shown(&error.message, 1000)) {
                (Some(code), Some(message)) => format!("{code}: {message}"),
                (Some(only), None) | (None, Some(only)) => only,
                (None, None) => String::new(),
            }
        }
        Some(ErrorField::Text(message)) => untrusted(&message, 1000),
        None if body.trim().is_empty() => String::new(),
        None => return format!(" (body: {})", untrusted(body.trim(), 1000)),
    };
    if text.is_empty() {
        String::new()
    } else {
        format!(" ({text})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_detail(body: &str, expected: &str) {
        assert_eq!(error_detail(body), expected);
    }

    #[test]
    fn error_bodies() {
        check_detail("", "");
        check_detail(
            r#"{"error":{"code":"InvalidAPIVersion","message":"bad version"}}"#,
            " (InvalidAPIVersion: bad version)",
        );
        check_detail(r#"{"error":"plain"}"#, " (plain)");
        check_detail(r#"{"error":{"code":"conflict"}}"#, " (conflict)");
        check_detail(
            "<html>oops\u{1b}[31m</html>",
            " (body: <html>oops[31m</html>)",
        );
        check_detail(
            &"x".repeat(2000),
            &format!(" (body: {}…)", "x".repeat(1000)),
        );
    }

    #[test]
    fn lenient_pieces() {
        let text: Text = serde_json::from_str(r#"{"message":"m","x":1}"#).unwrap();
        assert_eq!(text.shown(10).as_deref(), Some("m"));
        let text: Text = serde_json::from_str(r#"{"other":1}"#).unwrap();
        assert_eq!(text.shown(100).as_deref(), Some(r#"{"other":1}"#));
        let number: Number = serde_json::from_str(r#"" 40 ""#).unwrap();
        assert_eq!(number.percent(), Some(40));
        let number: Number = serde_json::from_str("250").unwrap();
        assert_eq!(number.percent(), Some(100));
        let items: Vec<Item<ServiceError>> =
            serde_json::from_str(r#"[{"code":"a"}, 42, "x"]"#).unwrap();
        assert_eq!(valid(items).count(), 1);
        let many: OneOrMany<u8> = serde_json::from_str("3").unwrap();
        assert_eq!(many.into_vec(), vec![3]);
    }
}

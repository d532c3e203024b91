//! The inputs as they come (`RawInputs`: the runner's `INPUT_*` variables,
//! or what a command line gives) and the single values they hold, each
//! read and checked on its own: durations, booleans, IDs and service URLs,
//! and the error that names a bad one. Knows nothing of the program's
//! configuration; `config` builds a `Config` from these.

use std::net::IpAddr;
use std::time::Duration;

use reqwest::Url;

use crate::secret::Secret;

/// The longest duration an input may give: GitHub's own ceiling for a
/// workflow run, 35 days.
pub const LONGEST_DURATION: Duration = Duration::from_secs(35 * 24 * 3600);

/// A bad input: the run stops before any request, with this message.
#[derive(Debug)]
pub struct InputError(pub String);

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InputError {}

pub(crate) fn invalid(message: String) -> InputError {
    InputError(message)
}

/// The inputs exactly as the runner passes them: `INPUT_<NAME>` variables,
/// where an empty string means "not given".
#[derive(Debug, Default)]
pub struct RawInputs {
    /// By name, one of `INPUT_NAMES`.
    values: std::collections::BTreeMap<&'static str, String>,
    /// `GITHUB_WORKSPACE`: where the paths of file inputs start.
    workspace: Option<String>,
}

/// The inputs this action reads, by the name `action.yml` gives them.
pub const INPUT_NAMES: [&str; 27] = [
    "api",
    "mode",
    "publisher_id",
    "offer_id",
    "offers",
    "token",
    "tenant_id",
    "client_id",
    "client_secret",
    "oidc_audience",
    "authority_url",
    "wait",
    "wait_timeout",
    "poll_interval",
    "fail_on_timeout",
    "request_timeout",
    "operation_location",
    "api_url",
    "api_version",
    "notification_emails",
    "vm_image_versions",
    "cnab_bundles",
    "keep_versions",
    "plan",
    "configure",
    "configure_timeout",
    "detailed_exitcode",
];

/// The variable the runner passes an input in: `INPUT_` and the upper-case
/// name.
fn input_variable(name: &str) -> String {
    format!("INPUT_{}", name.to_ascii_uppercase())
}

/// Refuses an input whose value is not valid UTF-8 (`not_utf8` names such
/// variables) instead of taking it as not given: a stray byte must not
/// turn "follow this operation" into "start a new go-live".
pub fn check_utf8(not_utf8: &[String]) -> Result<(), InputError> {
    match INPUT_NAMES
        .into_iter()
        .find(|name| not_utf8.contains(&input_variable(name)))
    {
        Some(name) => Err(invalid(format!(
            "{name} is not valid UTF-8 text: pass it as UTF-8 (the variable {} holds other bytes)",
            input_variable(name)
        ))),
        None => Ok(()),
    }
}

impl RawInputs {
    /// Reads the `INPUT_*` variables out of the given environment, in the
    /// runner's exact form: `INPUT_` and the upper-case name. A variable in
    /// another case is not an input.
    pub fn from_env(env: &[(String, String)]) -> RawInputs {
        let input = |name: &str| {
            let key = input_variable(name);
            env.iter()
                .find(|(candidate, _)| *candidate == key)
                .map(|(_, value)| value.clone())
        };
        RawInputs {
            values: INPUT_NAMES
                .into_iter()
                .filter_map(|name| Some((name, input(name)?)))
                .collect(),
            workspace: env
                .iter()
                .find(|(key, value)| key == "GITHUB_WORKSPACE" && !value.is_empty())
                .map(|(_, value)| value.clone()),
        }
    }

    /// The inputs a command line gives, by input name; relative paths
    /// start in the current directory.
    pub fn from_values(values: std::collections::BTreeMap<&'static str, String>) -> RawInputs {
        RawInputs {
            values,
            workspace: None,
        }
    }

    /// Values that must be masked before anything else is printed, whether or
    /// not the rest of the inputs are valid.
    pub fn secrets(&self) -> Vec<Secret> {
        ["token", "client_secret"]
            .into_iter()
            .filter_map(|name| self.given(name))
            .map(|value| Secret::new(value.to_owned()))
            .collect()
    }
}

impl RawInputs {
    /// `GITHUB_WORKSPACE`, where the paths of file inputs start.
    pub(crate) fn workspace(&self) -> Option<&String> {
        self.workspace.as_ref()
    }

    /// The value of the input `name`, trimmed. The runner trims nothing
    /// itself; the toolkit does, and so do we. An empty value means the
    /// input was not given.
    pub(crate) fn given(&self, name: &str) -> Option<&str> {
        debug_assert!(INPUT_NAMES.contains(&name), "{name} is not an input");
        self.values
            .get(name)
            .map(|value| value.trim())
            .filter(|value| !value.is_empty())
    }
}

/// A publisher ID goes into the URL path, so it is held to the characters
/// the service uses for it; none of these can change the path or the query.
pub(crate) fn parse_id(name: &str, value: &str) -> Result<String, InputError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if value.is_empty() || value == "." || value == ".." || !value.chars().all(allowed) {
        return Err(invalid(format!(
            "{name} '{}' is not valid: expected letters, digits, '.', '_' or '-'",
            value.escape_default()
        )));
    }
    Ok(value.to_owned())
}

/// The runner's boolean spellings, exactly as `@actions/core` accepts them.
pub(crate) fn parse_bool(
    name: &str,
    value: Option<&str>,
    default: bool,
) -> Result<bool, InputError> {
    match value {
        None => Ok(default),
        Some("true" | "True" | "TRUE") => Ok(true),
        Some("false" | "False" | "FALSE") => Ok(false),
        Some(other) => Err(invalid(format!(
            "{name} '{}' is not a boolean: expected true or false",
            other.escape_default()
        ))),
    }
}

/// Positive whole numbers each followed by a unit, `ms`, `s`, `m`, `h` or
/// `d`: one (`45m`, `2d`) or several (`1h30m`), at most
/// `LONGEST_DURATION`.
pub(crate) fn parse_duration(
    name: &str,
    value: Option<&str>,
    default: &str,
) -> Result<Duration, InputError> {
    let text = value.unwrap_or(default);
    let bad = |why: &str| {
        invalid(format!(
            "{name} '{}' is not a duration: expected a whole number with a unit, such as 500ms, 30s, 45m or 5h; days (2d) and several units (1h30m) work too{why}",
            text.escape_default()
        ))
    };
    if text.contains(['.', ',']) {
        return Err(bad(" (whole numbers only: 90m rather than 1.5h)"));
    }
    let too_long = || {
        invalid(format!(
            "{name} '{}' is longer than 35 days, the longest a workflow run may last",
            text.escape_default()
        ))
    };
    let mut rest = text;
    let mut millis: u128 = 0;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(bad(""));
        }
        let number: u128 = rest[..digits].parse::<u64>().map_err(|_| bad(""))?.into();
        rest = &rest[digits..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit: u128 = match &rest[..unit_end] {
            "ms" => 1,
            "s" => 1000,
            "m" => 60 * 1000,
            "h" => 3600 * 1000,
            "d" => 24 * 3600 * 1000,
            "" => return Err(bad(" (each number needs its unit)")),
            _ => return Err(bad("")),
        };
        rest = &rest[unit_end..];
        millis = millis.saturating_add(number.saturating_mul(unit));
    }
    if millis == 0 {
        return Err(bad(" (it must be more than zero)"));
    }
    if millis > LONGEST_DURATION.as_millis() {
        return Err(too_long());
    }
    // Within 35 days, so it fits.
    Ok(Duration::from_millis(millis as u64))
}

/// An https URL, or http on a loopback host (tests and the local emulator).
pub(crate) fn parse_service_url(name: &str, value: &str, example: &str) -> Result<Url, InputError> {
    let mut url = Url::parse(value).map_err(|error| {
        invalid(format!(
            "{name} '{}' is not a URL ({error}): expected something like {example}",
            without_userinfo(value).escape_default()
        ))
    })?;
    check_userinfo(name, &url)?;
    check_unbroken(name, value)?;
    check_scheme(name, &url)?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(format!(
            "{name} '{url}' must not carry a query or a fragment"
        )));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// Refuses a URL (trimmed already, and parsed) with white space or a
/// control character inside it: the URL parser drops a tab or a line break
/// without a word, and so would follow another URL than the one written.
pub(crate) fn check_unbroken(name: &str, value: &str) -> Result<(), InputError> {
    let Some((at, found)) = value
        .chars()
        .enumerate()
        .find(|(_, c)| c.is_whitespace() || c.is_control())
    else {
        return Ok(());
    };
    Err(invalid(format!(
        "{name} '{}' holds {} at character {}: a URL has no white space or control character inside it; pass it exactly as it was written, on one line",
        without_userinfo(value).escape_default(),
        match found {
            ' ' => "a space".to_owned(),
            '\t' => "a tab".to_owned(),
            '\n' | '\r' => "a line break".to_owned(),
            other => format!("the character {}", other.escape_unicode()),
        },
        at + 1
    )))
}

/// Refuses a URL carrying a user name or a password, naming it without
/// them: credentials in a URL would be printed, written to the outputs and
/// sent beside the token.
pub(crate) fn check_userinfo(name: &str, url: &Url) -> Result<(), InputError> {
    if url.username().is_empty() && url.password().is_none() {
        return Ok(());
    }
    let mut shown = url.clone();
    // Setting them empty cannot fail on a URL that had them.
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    Err(invalid(format!(
        "{name} '{shown}' must not carry credentials (user name or password before '@'): remove them; the action signs in with its own inputs"
    )))
}

/// `text` with anything between `://` and an `@` in its authority removed,
/// for echoing a value that could not be parsed as a URL.
pub(crate) fn without_userinfo(text: &str) -> String {
    let Some(start) = text.find("://").map(|i| i + 3) else {
        return text.to_owned();
    };
    let rest = &text[start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}{}", &text[..start], &rest[at + 1..]),
        None => text.to_owned(),
    }
}

pub(crate) fn check_scheme(name: &str, url: &Url) -> Result<(), InputError> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        "http" => Err(invalid(format!(
            "{name} '{url}' uses http: only https is allowed, except on a loopback host (localhost, 127.0.0.1, ::1)"
        ))),
        other => Err(invalid(format!(
            "{name} '{url}' has the scheme '{other}': expected an https URL"
        ))),
    }
}

pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arbitrary;
    use proptest::prelude::*;

    /// The words of the answers this module reads.
    const WORDS: &[&str] = &[
        "5s", "0ms", "840h", "841h", "1d", "36d", "1h30m", "-5s", "h", "ms", "",
    ];

    #[track_caller]
    fn check_duration(text: &str, expected: Option<Duration>) {
        let parsed = parse_duration("wait_timeout", Some(text), "60m").ok();
        assert_eq!(parsed, expected);
    }

    #[test]
    fn durations() {
        check_duration("500ms", Some(Duration::from_millis(500)));
        check_duration("30s", Some(Duration::from_secs(30)));
        check_duration("45m", Some(Duration::from_secs(45 * 60)));
        check_duration("5h", Some(Duration::from_secs(5 * 3600)));
        check_duration("840h", Some(LONGEST_DURATION));
        check_duration("2d", Some(Duration::from_secs(2 * 24 * 3600)));
        check_duration("1h30m", Some(Duration::from_secs(90 * 60)));
        check_duration("1d2h3m4s5ms", Some(Duration::from_millis(93_784_005)));
        check_duration("35d", Some(LONGEST_DURATION));
        for bad in [
            "",
            "5",
            "0s",
            "-5s",
            "5 s",
            "1.5h",
            "36d",
            "1h30",
            "h30m",
            "1x",
            "s",
            "99999999999999999999h",
            "9999999999999999999s",
            "841h",
        ] {
            check_duration(bad, None);
        }
    }

    proptest! {
        #![proptest_config(arbitrary::config())]

        /// Any text is a duration within the limit, or refused.
        #[test]
        fn any_duration_is_bounded_or_refused(
            digits in any::<u128>(),
            unit in proptest::sample::select(vec!["ms", "s", "m", "h", "d", "", " s", "S"]),
            text in arbitrary::text(WORDS),
        ) {
            for value in [format!("{digits}{unit}"), format!("{}{unit}", digits % 100_000), text] {
                if let Ok(duration) = parse_duration("wait_timeout", Some(&value), "60m") {
                    prop_assert!(!duration.is_zero() && duration <= LONGEST_DURATION);
                }
            }
        }
    }
}

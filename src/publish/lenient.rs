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
/// `{"error": "text"}`; and where a validation failure lists its reasons
/// beside it, `errors` (a list, or per-field lists of messages) and
/// `details`.
#[derive(Debug, Deserialize)]
pub struct ErrorBody {
    pub error: Option<ErrorField>,
    #[serde(default, deserialize_with = "or_none")]
    pub errors: Option<Reasons>,
    #[serde(default, deserialize_with = "or_none")]
    pub details: Option<OneOrMany<Item<ServiceError>>>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum ErrorField {
    Object(ServiceError),
    Text(String),
}

/// Reasons as a list of errors, or as per-field lists of messages
/// (`{"plans[0].title": ["is required"]}`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Reasons {
    List(Vec<Item<ServiceError>>),
    Fields(std::collections::BTreeMap<String, OneOrMany<Text>>),
}

/// One error as the services describe it, with the errors beneath it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ServiceError {
    pub code: Option<Text>,
    pub message: Option<Text>,
    #[serde(deserialize_with = "or_none")]
    pub target: Option<Text>,
    #[serde(deserialize_with = "or_none")]
    pub details: Option<OneOrMany<Box<Item<ServiceError>>>>,
    #[serde(alias = "innerError", deserialize_with = "or_none")]
    pub innererror: Option<Box<ServiceError>>,
}

/// The most reasons one refusal shows, and how deep its errors are read.
const MOST_REASONS: usize = 20;
const DEEPEST_REASON: usize = 4;

impl ServiceError {
    /// `Code: target: message`, then every error beneath it, each once.
    fn reasons(&self, depth: usize, found: &mut Vec<String>) {
        if depth >= DEEPEST_REASON || found.len() >= MOST_REASONS {
            return;
        }
        let parts: Vec<String> = [
            shown(&self.code, 200),
            shown(&self.target, 200),
            shown(&self.message, 1000),
        ]
        .into_iter()
        .flatten()
        .collect();
        let line = parts.join(": ");
        if !line.is_empty() && !found.contains(&line) {
            found.push(line);
        }
        if let Some(details) = &self.details {
            let details = details.clone().into_vec().into_iter().map(|detail| *detail);
            for detail in valid(details.collect()) {
                detail.reasons(depth + 1, found);
            }
        }
        if let Some(inner) = &self.innererror {
            inner.reasons(depth + 1, found);
        }
    }
}

/// ` (Code: message; every reason beneath it)` from an error body, or the
/// start of a body that is not the documented JSON; empty when there is
/// no body.
pub fn error_detail(body: &str) -> String {
    let Ok(parsed) = serde_json::from_str::<ErrorBody>(body) else {
        if body.trim().is_empty() {
            return String::new();
        }
        return format!(" (body: {})", untrusted(body.trim(), 1000));
    };
    let mut found: Vec<String> = Vec::new();
    let had_error = parsed.error.is_some();
    match parsed.error {
        Some(ErrorField::Object(error)) => error.reasons(0, &mut found),
        Some(ErrorField::Text(message)) => found.push(untrusted(&message, 1000)),
        None => {}
    }
    if let Some(details) = parsed.details {
        for detail in valid(details.into_vec()) {
            detail.reasons(1, &mut found);
        }
    }
    match parsed.errors {
        Some(Reasons::List(errors)) => {
            for error in valid(errors) {
                error.reasons(1, &mut found);
            }
        }
        Some(Reasons::Fields(fields)) => {
            for (field, messages) in fields {
                for message in messages.into_vec() {
                    if let Some(message) = message.shown(500)
                        && found.len() < MOST_REASONS
                    {
                        found.push(format!("{}: {message}", untrusted(&field, 200)));
                    }
                }
            }
        }
        None => {}
    }
    found.retain(|reason| !reason.is_empty());
    if found.is_empty() {
        if !had_error && !body.trim().is_empty() {
            return format!(" (body: {})", untrusted(body.trim(), 1000));
        }
        return String::new();
    }
    format!(" ({})", found.join("; "))
}

/// A moment as the services stamp it, comparable: seconds since 1970 (UTC)
/// and nanoseconds.
pub type Stamp = (i64, u32);

/// Reads `YYYY-MM-DDTHH:MM:SS[.fraction][Z|±HH:MM]` (a space for the `T`
/// too; no zone is UTC), the RFC 3339 form both APIs document. Anything
/// else, or a date that does not exist, is `None`: a stamp that cannot be
/// read orders nothing.
pub fn stamp(text: &str) -> Option<Stamp> {
    let text = text.trim();
    let bytes = text.as_bytes();
    let digits = |from: usize, len: usize| -> Option<i64> {
        let part = bytes.get(from..from + len)?;
        part.iter()
            .all(u8::is_ascii_digit)
            .then(|| part.iter().fold(0, |n, d| n * 10 + i64::from(d - b'0')))
    };
    let at = |i: usize, expected: &[u8]| bytes.get(i).is_some_and(|b| expected.contains(b));
    if !(at(4, b"-") && at(7, b"-") && at(10, b"Tt ") && at(13, b":") && at(16, b":")) {
        return None;
    }
    let (year, month, day) = (digits(0, 4)?, digits(5, 2)?, digits(8, 2)?);
    let (hour, minute, second) = (digits(11, 2)?, digits(14, 2)?, digits(17, 2)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let valid_day =
        (1..=12).contains(&month) && (1..=month_days[month as usize - 1]).contains(&day);
    if !valid_day || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = &text[19..];
    let mut nanos = 0u32;
    if let Some(fraction) = rest.strip_prefix('.') {
        let len = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if len == 0 {
            return None;
        }
        // Digits past the ninth are below a nanosecond.
        for (i, digit) in fraction.bytes().take(len.min(9)).enumerate() {
            nanos += u32::from(digit - b'0') * 10u32.pow(8 - i as u32);
        }
        rest = &fraction[len..];
    }
    let offset = match rest {
        "" | "Z" | "z" => 0,
        zone => {
            let zone = zone.as_bytes();
            let sign = match zone.first() {
                Some(b'+') => 1,
                Some(b'-') => -1,
                _ => return None,
            };
            let hours = std::str::from_utf8(zone.get(1..3)?)
                .ok()?
                .parse::<i64>()
                .ok()?;
            let minutes = match zone.get(3..) {
                Some([b':', m @ ..]) | Some(m)
                    if m.len() == 2 && m.iter().all(u8::is_ascii_digit) =>
                {
                    i64::from(m[0] - b'0') * 10 + i64::from(m[1] - b'0')
                }
                _ => return None,
            };
            if hours > 23 || minutes > 59 {
                return None;
            }
            sign * (hours * 3600 + minutes * 60)
        }
    };
    // Days from the civil date (H. Hinnant's algorithm); every value is
    // bounded by the four-digit year.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset;
    Some((seconds, nanos))
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
        // Every reason a validation failure gives: nested details (one or
        // many), an inner error, and per-field lists, each once.
        check_detail(
            r#"{"error":{"code":"ValidationFailed","message":"failed validation",
                "details":[{"code":"A","target":"plans[0]","message":"no image","details":{"message":"deeper"}},
                           {"code":"A","target":"plans[0]","message":"no image"}, 7],
                "innerError":{"code":"Inner","message":"why"}},
              "errors":{"title":["is required","is too long"]}}"#,
            " (ValidationFailed: failed validation; A: plans[0]: no image; deeper; Inner: why; title: is required; title: is too long)",
        );
        check_detail(r#"{"errors":[{"code":"a","message":"b"}]}"#, " (a: b)");
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

    #[test]
    fn stamps_as_the_services_write_them() {
        assert_eq!(stamp("1970-01-01T00:00:00Z"), Some((0, 0)));
        assert_eq!(
            stamp("2018-03-26T21:46:01.179948Z"),
            Some((1_522_100_761, 179_948_000))
        );
        assert_eq!(stamp("2018-03-26 21:46:01"), Some((1_522_100_761, 0)));
        assert_eq!(stamp("2018-03-26T23:46:01+02:00"), Some((1_522_100_761, 0)));
        assert_eq!(stamp("2018-03-26T20:46:01-0100"), Some((1_522_100_761, 0)));
        assert_eq!(
            stamp("2024-02-29T00:00:00.1234567891234Z"),
            Some((1_709_164_800, 123_456_789))
        );
        assert!(stamp("2018-03-26T21:46:01.179948Z") > stamp("2018-03-26T21:46:01Z"));
        assert_eq!(stamp("0001-01-01T00:00:00"), Some((-62_135_596_800, 0)));
        for bad in [
            "",
            "2023-02-29T00:00:00Z",
            "2021-04-01-T13:00:00Z",
            "2018-13-01T00:00:00Z",
            "2018-03-26T24:00:00Z",
            "2018-03-26T21:46:01.Z",
            "2018-03-26T21:46:01+2:00",
            "2018-03-26T21:46:01 UTC",
            "２018-03-26T21:46:01Z",
            "2018-03-26T21:46",
        ] {
            assert_eq!(stamp(bad), None, "{bad}");
        }
    }

    proptest::proptest! {
        #![proptest_config(crate::arbitrary::config())]

        /// Any text is a stamp or nothing; a later moment written in any
        /// zone reads as later.
        #[test]
        fn any_text_is_a_stamp_or_nothing(text in ".{0,40}", seconds in 0i64..253_402_300_799, zone in -1439i64..1440) {
            let _ = stamp(&text);
            let shift = seconds + zone * 60;
            let written = |at: i64| {
                let (days, rest) = (at.div_euclid(86_400), at.rem_euclid(86_400));
                let (y, m, d) = civil(days);
                let sign = if zone < 0 { '-' } else { '+' };
                format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}", rest / 3600, rest / 60 % 60, rest % 60, zone.abs() / 60, zone.abs() % 60)
            };
            if (0..=253_402_300_799).contains(&shift) {
                proptest::prop_assert_eq!(stamp(&written(shift)), Some((seconds, 0)));
            }
        }
    }

    /// The civil date of a day count since 1970 (the inverse of `stamp`'s).
    fn civil(days: i64) -> (i64, i64, i64) {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        (yoe + era * 400 + i64::from(m <= 2), m, d)
    }
}

//! Text helpers that know nothing of the program: server text made safe to
//! show, HTML stripped from service messages, error chains, HTTP status
//! words and durations as a person reads them. Imports nothing from the
//! crate.

use std::time::Duration;

/// Server text as it may be shown: the value of every `sig=` (a shared
/// access signature a service quotes back) redacted, control characters
/// other than line breaks removed, and cut to `limit` characters.
pub fn untrusted(text: &str, limit: usize) -> String {
    let text = without_signatures(text);
    let mut shown: String = text
        .chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .take(limit)
        .collect();
    if text.chars().count() > limit {
        shown.push('…');
    }
    shown
}

/// What stands for a redacted value.
pub const REDACTED: &str = "***";

/// `text` with the value of every `sig=` parameter (any case, `sig%3D`
/// too) replaced by `***`: a shared access signature is never shown,
/// wherever a service or a file puts one.
pub fn without_signatures(text: &str) -> std::borrow::Cow<'_, str> {
    let lower = text.to_ascii_lowercase();
    if !lower.contains("sig=") && !lower.contains("sig%3d") {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len());
    let mut rest = 0;
    let mut at = 0;
    while at < text.len() {
        let tail = &lower[at..];
        let key = ["sig=", "sig%3d"]
            .into_iter()
            .find(|key| tail.starts_with(key));
        let before = &lower[..at];
        let starts_word = !before.ends_with(|c: char| c.is_ascii_alphanumeric())
            || before.ends_with("%26")
            || before.ends_with("%3f");
        match key {
            Some(key) if starts_word => {
                let value_at = at + key.len();
                let end = text[value_at..]
                    .find(|c: char| {
                        c.is_whitespace()
                            || matches!(
                                c,
                                '&' | '"' | '\'' | '<' | '>' | ')' | ']' | '}' | ',' | ';' | '`'
                            )
                    })
                    .map_or(text.len(), |n| value_at + n);
                shown.push_str(&text[rest..value_at]);
                if end > value_at {
                    shown.push_str(REDACTED);
                }
                rest = end;
                at = end.max(at + 1);
            }
            _ => at += tail.chars().next().map_or(1, char::len_utf8),
        }
    }
    shown.push_str(&text[rest..]);
    std::borrow::Cow::Owned(shown)
}

/// Service messages may be HTML (`messageHtml`); the log wants their text.
pub fn strip_html(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    let mut chars = html.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '<' if !in_tag
                && chars
                    .peek()
                    .is_some_and(|n| n.is_ascii_alphabetic() || *n == '/' || *n == '!') =>
            {
                in_tag = true
            }
            '>' if in_tag => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

/// An HTTP status as `404 Not Found`.
pub fn status_text(status: reqwest::StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

/// reqwest's top-level error says little ("error sending request for
/// url ..."); the causes underneath say what happened.
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = error.source().or(Some(error));
    while let Some(cause) = next {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = cause.source();
    }
    parts.join(": ")
}

/// A duration the way a person reads it: `250ms`, `42s`, `3m 05s`, `2h 10m`.
pub fn format_duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    match seconds {
        0 => format!("{}ms", duration.as_millis()),
        1..60 => format!("{seconds}s"),
        60..3600 => format!("{}m {:02}s", seconds / 60, seconds % 60),
        _ => format!("{}h {:02}m", seconds / 3600, seconds % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatted_durations() {
        assert_eq!(format_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(format_duration(Duration::from_secs(42)), "42s");
        assert_eq!(format_duration(Duration::from_secs(185)), "3m 05s");
        assert_eq!(format_duration(Duration::from_secs(7800)), "2h 10m");
    }

    #[test]
    fn html_becomes_text() {
        assert_eq!(
            strip_html("<b>No image</b> &amp; a &lt;plan&gt; 1 < 2"),
            "No image & a <plan> 1 < 2"
        );
    }

    #[test]
    fn signatures_are_redacted_wherever_they_stand() {
        for (text, shown) in [
            ("no signature here", "no signature here"),
            (
                "Cannot copy https://a.blob.core.windows.net/v/c.vhd?sv=1&sig=S3CR3T%3D&sp=r: denied",
                "Cannot copy https://a.blob.core.windows.net/v/c.vhd?sv=1&sig=***&sp=r: denied",
            ),
            ("SIG=abc", "SIG=***"),
            ("'?sig=abc'", "'?sig=***'"),
            ("uri%3Fsv%3D1%26sig%3DS3CR3T", "uri%3Fsv%3D1%26sig%3D***"),
            ("sig=", "sig="),
            ("config=1&signal=x", "config=1&signal=x"),
            ("é sig=ü x", "é sig=*** x"),
        ] {
            assert_eq!(without_signatures(text), shown, "{text}");
        }
    }

    #[test]
    fn untrusted_text_loses_control_characters_and_is_cut() {
        assert_eq!(untrusted("a\u{1b}[31mb\r\nc", 100), "a[31mb\nc");
        assert_eq!(untrusted("abcdef", 3), "abc…");
    }
}

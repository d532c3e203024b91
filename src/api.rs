//! The Cloud Partner Portal publishing API: its URLs, its headers and its
//! JSON. No other module builds an API URL or reads a response body.
//!
//! Each call sends one request and sorts the answer into what the caller
//! must decide on (accepted, worth another try, or final); the loops that
//! retry and poll live with their bounds in `golive` and `poll`, and nothing
//! here sleeps or logs.

use std::time::{Duration, SystemTime};

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, LOCATION};
use reqwest::{StatusCode, Url};
use serde::Deserialize;

use crate::config::ApiEndpoint;
use crate::secret::Secret;

pub const USER_AGENT: &str = concat!("go-live/", env!("CARGO_PKG_VERSION"));

pub struct Client {
    http: reqwest::Client,
    endpoint: ApiEndpoint,
    token: Secret,
}

/// The service took the request and named an operation to follow.
#[derive(Debug, Clone)]
pub struct Accepted {
    /// The absolute URL of the operation's status monitor.
    pub operation_location: Url,
    /// Its last path segment: a GUID, or `publisher$offer$2$preview`.
    pub operation_id: String,
}

/// How one go-live request ended.
#[derive(Debug)]
pub enum GoLiveAnswer {
    Accepted(Accepted),
    /// The service cannot have started the operation (no connection was
    /// made, or it answered 429 or 503), so the request may be sent again.
    NotStarted {
        reason: String,
        retry_after: Option<Duration>,
    },
    /// Final: report it. The message names the status and what to do.
    Failed(String),
}

impl Client {
    pub fn new(
        endpoint: ApiEndpoint,
        token: Secret,
        request_timeout: Duration,
    ) -> anyhow::Result<Client> {
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .timeout(request_timeout)
            .connect_timeout(request_timeout.min(Duration::from_secs(30)))
            // The API does not redirect; following one could carry the token
            // somewhere it was not meant to go.
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Client {
            http,
            endpoint,
            token,
        })
    }

    fn go_live_url(&self, publisher_id: &str, offer_id: &str) -> Url {
        // The IDs were checked in `config` to hold only characters that are
        // safe in a path segment.
        let mut url = self
            .endpoint
            .base
            .join(&format!(
                "api/publishers/{publisher_id}/offers/{offer_id}/golive"
            ))
            .expect("validated IDs always form a URL");
        url.query_pairs_mut()
            .append_pair("api-version", &self.endpoint.version);
        url
    }

    /// `POST .../offers/{offer_id}/golive`, once.
    pub async fn go_live(&self, publisher_id: &str, offer_id: &str) -> GoLiveAnswer {
        let url = self.go_live_url(publisher_id, offer_id);
        let sent = self
            .http
            .post(url)
            .header(AUTHORIZATION, format!("Bearer {}", self.token.expose()))
            .header(CONTENT_TYPE, "application/json")
            .body("")
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(error) if error.is_connect() => {
                return GoLiveAnswer::NotStarted {
                    reason: format!(
                        "cannot connect to {}: {}",
                        self.endpoint.base,
                        error_chain(&error)
                    ),
                    retry_after: None,
                };
            }
            Err(error) if error.is_timeout() => {
                return GoLiveAnswer::Failed(format!(
                    "the go-live request got no answer within request_timeout ({}); go-live may have started all the same: check the offer's status in Partner Center before running this again",
                    error_chain(&error)
                ));
            }
            Err(error) => {
                return GoLiveAnswer::Failed(format!(
                    "the go-live request failed ({}); go-live may have started all the same: check the offer's status in Partner Center before running this again",
                    error_chain(&error)
                ));
            }
        };

        let status = response.status();
        let headers = response.headers().clone();
        if status.is_success() {
            return match operation_header(&headers) {
                Some(value) => match self.resolve_operation(&value) {
                    Ok(accepted) => GoLiveAnswer::Accepted(accepted),
                    Err(message) => GoLiveAnswer::Failed(message),
                },
                None => GoLiveAnswer::Failed(format!(
                    "the service answered HTTP {} but named no operation (neither an Operation-Location nor a Location header): go-live may have started; check the offer's status in Partner Center",
                    status_text(status)
                )),
            };
        }

        let body = response.text().await.unwrap_or_default();
        let detail = error_detail(&body);
        if status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE {
            return GoLiveAnswer::NotStarted {
                reason: format!("HTTP {}{detail}", status_text(status)),
                retry_after: retry_after(&headers),
            };
        }
        let offer = format!("offer '{offer_id}' of publisher '{publisher_id}'");
        let hint = match status.as_u16() {
            400 => format!(
                "the service refused the request for {offer}; most often its preview has not been approved (publisher signoff) yet or another operation is still running on it: check the offer in Partner Center, and do not retry before fixing the cause"
            ),
            401 => "the token is missing, malformed or expired: pass a fresh access token for https://cloudpartner.azure.com in token".to_owned(),
            403 => format!(
                "the service principal is not a user of publisher '{publisher_id}', or the publisher ID is wrong: add the application as a user of the Partner Center account, or check publisher_id"
            ),
            404 => format!(
                "publisher '{publisher_id}' or offer '{offer_id}' does not exist: check publisher_id and offer_id"
            ),
            500..=599 => format!(
                "the service failed; go-live of {offer} may have started all the same: check the offer's status in Partner Center before running this again"
            ),
            _ => format!("unexpected answer to the go-live request for {offer}"),
        };
        GoLiveAnswer::Failed(format!(
            "go-live was refused with HTTP {}{detail}: {hint}",
            status_text(status)
        ))
    }

    /// Turns an `Operation-Location` or `Location` value into an absolute
    /// URL. Relative values are resolved against `api_url`; `$` and the
    /// query string are kept as they are.
    fn resolve_operation(&self, value: &str) -> Result<Accepted, String> {
        let shown = untrusted(value, 300);
        // `join` keeps an absolute URL as it is and resolves a path against
        // the base; neither re-encodes `$`.
        let url = self.endpoint.base.join(value).map_err(|error| {
            format!("the service accepted go-live but named an operation URL that cannot be read ('{shown}': {error}); the operation has started: check it in Partner Center")
        })?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(format!(
                "the service accepted go-live but named an operation URL that is not http(s) ('{shown}'); the operation has started: check it in Partner Center"
            ));
        }
        let operation_id = url
            .path_segments()
            .and_then(|mut segments| segments.next_back())
            .filter(|segment| !segment.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| {
                format!("the service accepted go-live but its operation URL '{shown}' names no operation; the operation has started: check it in Partner Center")
            })?;
        Ok(Accepted {
            operation_location: url,
            operation_id,
        })
    }
}

/// The 2018 documentation names the operation in `Operation-Location`, the
/// later one in `Location`; accept either, preferring the former.
fn operation_header(headers: &HeaderMap) -> Option<String> {
    ["operation-location", LOCATION.as_str()]
        .into_iter()
        .filter_map(|name| headers.get(name))
        .filter_map(|value| value.to_str().ok())
        .map(str::trim)
        .find(|value| !value.is_empty())
        .map(str::to_owned)
}

/// How long the service asked to wait: `retry-after-ms` and
/// `x-ms-retry-after-ms` in milliseconds, or `Retry-After` in seconds or as
/// an HTTP date.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    for name in ["retry-after-ms", "x-ms-retry-after-ms"] {
        if let Some(millis) = header(name).and_then(|v| v.parse::<u64>().ok()) {
            return Some(Duration::from_millis(millis));
        }
    }
    let value = header("retry-after")?;
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(
        date.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[derive(Deserialize)]
struct ErrorBody {
    error: Option<ErrorField>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ErrorField {
    Object {
        code: Option<String>,
        message: Option<String>,
    },
    Text(String),
}

/// ` (Code: message)` from an error body, or the start of a body that is not
/// the documented JSON; empty when there is no body.
fn error_detail(body: &str) -> String {
    let parsed = serde_json::from_str::<ErrorBody>(body)
        .ok()
        .and_then(|b| b.error);
    let text = match parsed {
        Some(ErrorField::Object { code, message }) => match (code, message) {
            (Some(code), Some(message)) => format!("{code}: {message}"),
            (Some(only), None) | (None, Some(only)) => only,
            (None, None) => String::new(),
        },
        Some(ErrorField::Text(message)) => message,
        None if body.trim().is_empty() => String::new(),
        None => return format!(" (body: {})", untrusted(body.trim(), 1000)),
    };
    if text.is_empty() {
        String::new()
    } else {
        format!(" ({})", untrusted(&text, 1000))
    }
}

/// Server text as it may be shown: control characters other than line
/// breaks removed, and cut to `limit` characters.
pub fn untrusted(text: &str, limit: usize) -> String {
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

fn status_text(status: StatusCode) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[track_caller]
    fn check_retry_after(headers: &[(&'static str, &str)], expected: Option<Duration>) {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        assert_eq!(retry_after(&map), expected);
    }

    #[test]
    fn retry_after_forms() {
        check_retry_after(&[], None);
        check_retry_after(&[("retry-after", "7")], Some(Duration::from_secs(7)));
        check_retry_after(
            &[("retry-after-ms", "250")],
            Some(Duration::from_millis(250)),
        );
        check_retry_after(
            &[("x-ms-retry-after-ms", "40")],
            Some(Duration::from_millis(40)),
        );
        check_retry_after(
            &[("retry-after", "9"), ("retry-after-ms", "1500")],
            Some(Duration::from_millis(1500)),
        );
        check_retry_after(
            &[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")],
            Some(Duration::ZERO),
        );
        check_retry_after(&[("retry-after", "soon")], None);
        let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(120));
        let mut map = HeaderMap::new();
        map.insert("retry-after", HeaderValue::from_str(&later).unwrap());
        let delay = retry_after(&map).unwrap();
        assert!(
            delay > Duration::from_secs(100) && delay <= Duration::from_secs(120),
            "{delay:?}"
        );
    }

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
        check_detail(
            "<html>oops\u{1b}[31m</html>",
            " (body: <html>oops[31m</html>)",
        );
        check_detail(
            &"x".repeat(2000),
            &format!(" (body: {}…)", "x".repeat(1000)),
        );
    }
}

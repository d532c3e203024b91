//! The Cloud Partner Portal publishing API: its URLs, its headers and its
//! JSON. No other module builds an API URL or reads a response body.
//!
//! Each call sends one request and sorts the answer into what the caller
//! must decide on (accepted, worth another try, or final); the loops that
//! retry and poll live with their bounds in `golive` and `poll`, and nothing
//! here sleeps or logs.

use std::time::{Duration, SystemTime};

use reqwest::header::{CONTENT_TYPE, HeaderMap, LOCATION};
use reqwest::{RequestBuilder, Response, StatusCode, Url};
use serde::Deserialize;

use crate::auth::{Auth, Credentials};
use crate::config::ApiEndpoint;
use crate::github::Runner;

pub const USER_AGENT: &str = concat!("go-live/", env!("CARGO_PKG_VERSION"));

pub struct Client {
    http: reqwest::Client,
    endpoint: ApiEndpoint,
    auth: Auth,
}

/// Why no response came back.
enum SendError {
    /// No access token could be had.
    SignIn(anyhow::Error),
    Http(reqwest::Error),
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
        credentials: Credentials,
        request_timeout: Duration,
        extra_roots: Vec<reqwest::Certificate>,
        runner: Runner,
    ) -> anyhow::Result<Client> {
        let mut builder = reqwest::Client::builder();
        for root in extra_roots {
            builder = builder.add_root_certificate(root);
        }
        let http = builder
            .user_agent(USER_AGENT)
            .timeout(request_timeout)
            .connect_timeout(request_timeout.min(Duration::from_secs(30)))
            // The API does not redirect; following one could carry the token
            // somewhere it was not meant to go.
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Client {
            auth: Auth::new(credentials, http.clone(), runner),
            http,
            endpoint,
        })
    }

    /// Sends a request with a bearer token. After a 401, when the token can
    /// be renewed, it is sent once more with a fresh token; a second 401 in
    /// a row is returned as it is.
    async fn send_authorized(
        &self,
        request: impl Fn() -> RequestBuilder,
    ) -> Result<Response, SendError> {
        const ATTEMPTS: u32 = 2;
        let mut attempt = 1;
        loop {
            let token = self.auth.bearer().await.map_err(SendError::SignIn)?;
            let response = request()
                .bearer_auth(token.expose())
                .send()
                .await
                .map_err(SendError::Http)?;
            if response.status() == StatusCode::UNAUTHORIZED
                && self.auth.can_renew()
                && attempt < ATTEMPTS
            {
                self.auth.forget();
                attempt += 1;
                continue;
            }
            return Ok(response);
        }
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
            .send_authorized(|| {
                self.http
                    .post(url.clone())
                    .header(CONTENT_TYPE, "application/json")
                    .body("")
            })
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(SendError::SignIn(error)) => {
                return GoLiveAnswer::Failed(format!("{error:#}; no go-live request was sent"));
            }
            Err(SendError::Http(error))
                if error.is_connect() && error_chain(&error).contains("certificate") =>
            {
                return GoLiveAnswer::Failed(format!(
                    "cannot connect to {} securely: {}; nothing was sent. If a proxy or a private CA signs this server's certificate, point SSL_CERT_FILE at that CA's PEM bundle",
                    self.endpoint.base,
                    error_chain(&error)
                ));
            }
            Err(SendError::Http(error)) if error.is_connect() => {
                return GoLiveAnswer::NotStarted {
                    reason: format!(
                        "cannot connect to {}: {}",
                        self.endpoint.base,
                        error_chain(&error)
                    ),
                    retry_after: None,
                };
            }
            Err(SendError::Http(error)) if error.is_timeout() => {
                return GoLiveAnswer::Failed(format!(
                    "the go-live request got no answer within request_timeout ({}); go-live may have started all the same: check the offer's status in Partner Center before running this again",
                    error_chain(&error)
                ));
            }
            Err(SendError::Http(error)) => {
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
            401 => self.unauthorized_hint().to_owned(),
            403 => format!(
                "the service principal is not a user of publisher '{publisher_id}', or the publisher ID is wrong: add the application as a user of the Partner Center account, or check publisher_id"
            ),
            404 => format!(
                "publisher '{publisher_id}' or offer '{offer_id}' does not exist: check publisher_id and offer_id"
            ),
            409 => format!(
                "another operation is running on {offer}; only one can run at a time: wait for it to end (or follow it), then run this again"
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
        let operation_id = operation_id(&url).ok_or_else(|| {
                format!("the service accepted go-live but its operation URL '{shown}' names no operation; the operation has started: check it in Partner Center")
            })?;
        Ok(Accepted {
            operation_location: url,
            operation_id,
        })
    }
}

impl Client {
    fn unauthorized_hint(&self) -> &'static str {
        if self.auth.can_renew() {
            "the API refused a freshly issued access token: check that the application is a user of the publisher account in Partner Center"
        } else {
            "the token was refused; it is missing, malformed or has expired: pass a fresh access token for https://cloudpartner.azure.com in token (or let the action sign in with tenant_id and client_id), and follow the operation again with operation_location"
        }
    }

    /// The token goes only to the origin (scheme, host, port) of `api_url`.
    pub fn may_send_token_to(&self, url: &Url) -> bool {
        url.origin() == self.endpoint.base.origin()
    }

    /// The URL to poll for an operation's status monitor. The 2018
    /// documentation's Operation-Location has no api-version, which every
    /// request to the API needs; a URL that has one is kept as it is.
    pub fn status_request_url(&self, operation_location: &Url) -> Url {
        let mut url = operation_location.clone();
        if !url.query_pairs().any(|(name, _)| name == "api-version") {
            url.query_pairs_mut()
                .append_pair("api-version", &self.endpoint.version);
        }
        url
    }

    /// `GET` the operation's status monitor, once. `url` comes from
    /// `status_request_url`.
    pub async fn operation_status(&self, url: &Url) -> PollAnswer {
        let sent = self.send_authorized(|| self.http.get(url.clone())).await;
        let response = match sent {
            Ok(response) => response,
            // Nothing is changed by a status request, so every failure to get
            // an answer is worth another try, sign-in included.
            Err(SendError::SignIn(error)) => {
                return PollAnswer::Transient {
                    reason: format!("{error:#}"),
                    retry_after: None,
                };
            }
            Err(SendError::Http(error)) => {
                return PollAnswer::Transient {
                    reason: format!("status request failed: {}", error_chain(&error)),
                    retry_after: None,
                };
            }
        };
        let status = response.status();
        let retry_after = retry_after(response.headers());
        let body = match response.text().await {
            Ok(body) => body,
            Err(error) => {
                return PollAnswer::Transient {
                    reason: format!("status response cut short: {}", error_chain(&error)),
                    retry_after,
                };
            }
        };
        if status.is_success() {
            return match Operation::from_json(&body) {
                Some(operation) => PollAnswer::Status {
                    operation,
                    retry_after,
                },
                None => PollAnswer::Transient {
                    reason: format!(
                        "the status monitor answered HTTP {} with a body that is not an operation ({})",
                        status_text(status),
                        untrusted(body.trim(), 200)
                    ),
                    retry_after,
                },
            };
        }
        let detail = error_detail(&body);
        let code = status.as_u16();
        if matches!(code, 408 | 429 | 500 | 502 | 503 | 504) {
            return PollAnswer::Transient {
                reason: format!(
                    "the status monitor answered HTTP {}{detail}",
                    status_text(status)
                ),
                retry_after,
            };
        }
        let hint = match code {
            401 => self.unauthorized_hint(),
            403 => {
                "the token's application may not read this operation: check that it is a user of the publisher account"
            }
            404 => "no such operation: check operation_location",
            300..=399 => {
                "the status monitor redirected, and redirects are not followed with the token"
            }
            _ => "unexpected answer from the status monitor",
        };
        PollAnswer::Failed(format!(
            "the status monitor {url} answered HTTP {}{detail}: {hint}",
            status_text(status)
        ))
    }
}

/// How one status request ended.
#[derive(Debug)]
pub enum PollAnswer {
    Status {
        operation: Operation,
        retry_after: Option<Duration>,
    },
    /// No usable answer this time (connection, timeout, 408, 429, 5xx, a body
    /// that is not an operation); asking again may work.
    Transient {
        reason: String,
        retry_after: Option<Duration>,
    },
    /// Final: report it.
    Failed(String),
}

/// Where an operation stands, from its `status` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Running,
    Succeeded,
    Failed,
    Canceled,
}

impl State {
    /// The documentation uses several vocabularies (`completed`,
    /// `succeeded`, `not started`, `inProgress`, ...). Compare without case
    /// and spaces; anything not known to be final is still running.
    pub fn from_status(status: &str) -> State {
        let folded: String = status
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-')
            .flat_map(char::to_lowercase)
            .collect();
        match folded.as_str() {
            "completed" | "complete" | "succeeded" => State::Succeeded,
            "failed" | "rejected" => State::Failed,
            "canceled" | "cancelled" => State::Canceled,
            _ => State::Running,
        }
    }

    /// The `status` output's word for it.
    pub fn as_output(self) -> &'static str {
        match self {
            State::Running => "running",
            State::Succeeded => "succeeded",
            State::Failed => "failed",
            State::Canceled => "canceled",
        }
    }
}

/// An operation as the status monitor describes it. Every text field is the
/// server's, already cleaned by `untrusted`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Operation {
    pub status: String,
    pub error: Option<String>,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Step {
    pub name: String,
    pub status: String,
    pub progress: Option<u8>,
    pub estimated_time_frame: Option<String>,
    pub messages: Vec<StepMessage>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StepMessage {
    pub level: Option<String>,
    pub text: String,
}

impl Operation {
    /// Reads the documented shapes leniently: an object or a one-element
    /// array; messages as objects or plain strings; numbers as numbers or
    /// strings. `None` when the body is not JSON or not an operation.
    fn from_json(body: &str) -> Option<Operation> {
        let value: serde_json::Value = serde_json::from_str(body).ok()?;
        let object = match &value {
            serde_json::Value::Array(items) => items.first()?.as_object()?,
            other => other.as_object()?,
        };
        let text = |value: Option<&serde_json::Value>, limit: usize| -> Option<String> {
            let raw = match value? {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => return None,
                serde_json::Value::Object(o) => match o.get("message") {
                    Some(serde_json::Value::String(m)) => m.clone(),
                    _ => serde_json::Value::Object(o.clone()).to_string(),
                },
                other => other.to_string(),
            };
            let cleaned = untrusted(&raw, limit);
            (!cleaned.trim().is_empty()).then_some(cleaned)
        };
        let steps = object
            .get("steps")
            .and_then(|s| s.as_array())
            .map(|steps| {
                steps
                    .iter()
                    .take(50)
                    .filter_map(|step| step.as_object())
                    .map(|step| Step {
                        name: text(step.get("stepName").or(step.get("id")), 100)
                            .unwrap_or_else(|| "(unnamed step)".to_owned()),
                        status: text(step.get("status"), 50).unwrap_or_default(),
                        progress: step
                            .get("progressPercentage")
                            .and_then(|p| match p {
                                serde_json::Value::Number(n) => n.as_f64(),
                                serde_json::Value::String(s) => s.trim().parse().ok(),
                                _ => None,
                            })
                            .map(|p| p.clamp(0.0, 100.0) as u8),
                        estimated_time_frame: text(step.get("estimatedTimeFrame"), 50),
                        messages: step
                            .get("messages")
                            .and_then(|m| m.as_array())
                            .map(|messages| {
                                messages
                                    .iter()
                                    .take(20)
                                    .filter_map(|message| match message {
                                        serde_json::Value::Object(m) => Some(StepMessage {
                                            level: text(m.get("level"), 30),
                                            text: strip_html(&text(
                                                m.get("messageHtml").or(m.get("message")),
                                                1000,
                                            )?),
                                        }),
                                        other => Some(StepMessage {
                                            level: None,
                                            text: text(Some(other), 1000)?,
                                        }),
                                    })
                                    .collect()
                            })
                            .unwrap_or_default(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Some(Operation {
            status: text(object.get("status"), 50).unwrap_or_default(),
            error: text(object.get("error"), 1000),
            steps,
        })
    }
}

/// Step messages are HTML (`messageHtml`); the log wants their text.
fn strip_html(html: &str) -> String {
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

/// The operation's ID: the last segment of its status monitor's path, as it
/// stands in the URL (`$` included).
pub fn operation_id(url: &Url) -> Option<String> {
    url.path_segments()
        .and_then(|mut segments| segments.next_back())
        .filter(|segment| !segment.is_empty())
        .map(str::to_owned)
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
    fn check_state(status: &str, expected: State) {
        assert_eq!(State::from_status(status), expected, "{status:?}");
    }

    #[test]
    fn status_vocabularies() {
        for status in ["completed", "Complete", "SUCCEEDED", "Succeeded "] {
            check_state(status, State::Succeeded);
        }
        for status in ["failed", "Failed", "rejected"] {
            check_state(status, State::Failed);
        }
        for status in ["canceled", "Cancelled", "CANCELED"] {
            check_state(status, State::Canceled);
        }
        for status in [
            "",
            "not started",
            "notStarted",
            "running",
            "inProgress",
            "waitingForPublisherReview",
            "blocked",
            "brandNewState",
        ] {
            check_state(status, State::Running);
        }
    }

    #[test]
    fn operation_bodies() {
        let object = r#"{"id":"1","status":"running","steps":[{"stepName":"Live","status":"inProgress","progressPercentage":40,"estimatedTimeFrame":"~2-5 days","messages":[{"messageHtml":"<b>No virtual machine image</b> &amp; more","level":"error","timestamp":"x"},"plain"]}]}"#;
        let parsed = Operation::from_json(object).unwrap();
        assert_eq!(
            Operation::from_json(&format!("[{object}]")),
            Some(parsed.clone())
        );
        assert_eq!(parsed.status, "running");
        let step = &parsed.steps[0];
        assert_eq!(
            (step.name.as_str(), step.status.as_str(), step.progress),
            ("Live", "inProgress", Some(40))
        );
        assert_eq!(step.estimated_time_frame.as_deref(), Some("~2-5 days"));
        assert_eq!(step.messages[0].text, "No virtual machine image & more");
        assert_eq!(step.messages[0].level.as_deref(), Some("error"));
        assert_eq!(step.messages[1].text, "plain");
        assert_eq!(Operation::from_json("not json"), None);
        assert_eq!(Operation::from_json("[]"), None);
        assert_eq!(Operation::from_json("42"), None);
        assert_eq!(
            Operation::from_json(r#"{"status":"failed","error":{"message":"boom"}}"#)
                .unwrap()
                .error
                .as_deref(),
            Some("boom")
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

//! The transport every publishing API shares: one HTTP client, the bearer
//! token from `auth` (renewed once after a 401), the token sent only to the
//! origin of `api_url`, and bodies read with a size cap.
//!
//! It sorts what went wrong by what it means for a request that changes
//! something (was anything sent?), and knows no API's URLs or JSON.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap};
use reqwest::{Method, StatusCode, Url};

use crate::auth::Auth;
use crate::body::{BODY_CAP, BodyError, read_capped};
use crate::clock;
use crate::host::Runner;
use crate::retry::{backoff, jitter, retry_after};
use crate::sign_in::Credentials;
use crate::surface::Surface;
use crate::text::error_chain;
use tokio::sync::Semaphore;

pub const USER_AGENT: &str = concat!("go-live/", env!("CARGO_PKG_VERSION"));

/// The most requests a run has in flight at once, sign-in included, however
/// many offers it takes live: the service is not flooded, and one run's
/// memory stays small.
pub const MOST_IN_FLIGHT: usize = 8;

pub struct Transport {
    client: reqwest::Client,
    auth: Auth,
    /// `api_url`: only its origin ever gets the token.
    base: Url,
    /// One place per request in flight, `MOST_IN_FLIGHT` in all.
    in_flight: Arc<Semaphore>,
    /// The first pause before a read is sent again (then doubled).
    first_retry: Duration,
    /// How the run's messages name its inputs.
    surface: Surface,
}

/// How many times a read of the offer's state is sent when its answers
/// say to try again (408, 429, 5xx, no answer, an answer cut short).
pub const READ_ATTEMPTS: u32 = 4;

/// The longest pause before a read is sent again: a `Retry-After` that asks
/// for more is not waited out, and its answer is the read's.
pub const LONGEST_READ_PAUSE: Duration = Duration::from_secs(60);

/// An answer, its body read.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

/// Why no usable answer came back, sorted by whether the request may have
/// reached the service.
#[derive(Debug)]
pub enum SendError {
    /// No access token could be had: nothing was sent.
    SignIn(String),
    /// The URL is not on the origin of `api_url`: nothing was sent. The
    /// sentence that says so.
    ForeignOrigin(String),
    /// The server's certificate is not trusted: nothing was sent.
    Certificate(String),
    /// No connection could be made: nothing was sent.
    Connect(String),
    /// The request could not be formed (a token that is not a header
    /// value): nothing was sent.
    Unsendable(String),
    /// The request may have reached the server, but no answer came within
    /// `request_timeout`.
    Timeout(String),
    /// The request may have reached the server; the exchange failed.
    Broken(String),
    /// An answer came, with this status and these headers, but its body
    /// could not be read.
    Body(StatusCode, Box<HeaderMap>, BodyError),
}

impl SendError {
    /// Whether the request cannot have reached the service.
    pub fn nothing_sent(&self) -> bool {
        matches!(
            self,
            SendError::SignIn(_)
                | SendError::ForeignOrigin(_)
                | SendError::Certificate(_)
                | SendError::Connect(_)
                | SendError::Unsendable(_)
        )
    }
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::SignIn(message) => f.write_str(message),
            SendError::ForeignOrigin(message) => f.write_str(message),
            SendError::Certificate(message) => write!(
                f,
                "{message}. If a proxy or a private CA signs this server's certificate, point SSL_CERT_FILE at that CA's PEM bundle"
            ),
            SendError::Connect(message)
            | SendError::Unsendable(message)
            | SendError::Timeout(message)
            | SendError::Broken(message) => f.write_str(message),
            SendError::Body(status, _, error) => write!(
                f,
                "the service answered HTTP {} but {error}",
                crate::text::status_text(*status)
            ),
        }
    }
}

impl Transport {
    pub fn new(
        base: Url,
        credentials: Credentials,
        scope: &'static str,
        request_timeout: Duration,
        extra_roots: Vec<reqwest::Certificate>,
        runner: Runner,
        first_retry: Duration,
    ) -> anyhow::Result<Transport> {
        let mut builder = reqwest::Client::builder();
        for root in extra_roots {
            builder = builder.add_root_certificate(root);
        }
        let client = builder
            .user_agent(USER_AGENT)
            .timeout(request_timeout)
            // Connecting (the host name lookup included) gives up before the
            // whole request does, so that a lookup or a connection that
            // never completes is told apart from a request that was sent
            // and got no answer.
            .connect_timeout(connect_timeout(request_timeout))
            // The APIs do not redirect; following one could carry the token
            // somewhere it was not meant to go.
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let in_flight = Arc::new(Semaphore::new(MOST_IN_FLIGHT));
        Ok(Transport {
            surface: runner.surface(),
            auth: Auth::new(
                credentials,
                scope,
                client.clone(),
                runner,
                first_retry,
                in_flight.clone(),
            ),
            client,
            base,
            in_flight,
            first_retry,
        })
    }

    /// A GET of the offer's state, sent again (at most `READ_ATTEMPTS`
    /// times) while the answer says to try again: after the `Retry-After`
    /// the service asked for (at most `LONGEST_READ_PAUSE`), else after a
    /// backoff from `first_retry`. A read changes nothing, so sending it
    /// again is always safe. The last answer is returned as it came.
    pub async fn read(&self, url: &Url, cap: usize) -> Result<Reply, SendError> {
        let mut attempt = 1;
        loop {
            let answer = self.send_capped(Method::GET, url, None, cap).await;
            let asked = match &answer {
                Ok(reply) if matches!(reply.status.as_u16(), 408 | 429 | 500 | 502 | 503 | 504) => {
                    retry_after(&reply.headers, clock::wall())
                }
                // No connection at all is more often a wrong address than
                // a passing fault: said at once.
                Err(SendError::Timeout(_) | SendError::Broken(_) | SendError::Body(..)) => None,
                _ => return answer,
            };
            let pause = asked.unwrap_or_else(|| {
                backoff(self.first_retry, attempt, LONGEST_READ_PAUSE, jitter())
            });
            if attempt >= READ_ATTEMPTS || pause > LONGEST_READ_PAUSE {
                return answer;
            }
            attempt += 1;
            tokio::time::sleep(pause).await;
        }
    }

    /// The token goes only to the origin (scheme, host, port) of `api_url`.
    fn may_send_token_to(&self, url: &Url) -> bool {
        url.origin() == self.base.origin()
    }

    /// The surface the run's inputs came from, for the words of a hint.
    pub fn surface(&self) -> Surface {
        self.surface
    }

    /// Whether a refused token can be replaced by a fresh one.
    pub fn can_renew(&self) -> bool {
        self.auth.can_renew()
    }

    /// Signs in now, unless a token is at hand: a request that follows
    /// then goes out without a sign-in in front of it.
    pub async fn sign_in(&self) -> Result<(), SendError> {
        self.auth
            .bearer()
            .await
            .map(drop)
            .map_err(|error| SendError::SignIn(format!("{error:#}")))
    }

    /// Sends one request with a bearer token and `Accept: application/json`;
    /// a `json` body is sent with its content type. After a 401, when the
    /// token can be renewed, it is sent once more with a fresh token; a
    /// second 401 in a row is returned as it is. It waits for a place among
    /// the `MOST_IN_FLIGHT` requests, and keeps it until the body is read.
    pub async fn send(
        &self,
        method: Method,
        url: &Url,
        json: Option<&str>,
    ) -> Result<Reply, SendError> {
        self.send_capped(method, url, json, BODY_CAP).await
    }

    /// `send`, its answer's body read up to `cap`.
    async fn send_capped(
        &self,
        method: Method,
        url: &Url,
        json: Option<&str>,
        cap: usize,
    ) -> Result<Reply, SendError> {
        if !self.may_send_token_to(url) {
            let api_url = self.surface().input("api_url");
            return Err(SendError::ForeignOrigin(format!(
                "{url} is not on the origin of {api_url}, and the token is sent only to {api_url}"
            )));
        }
        const ATTEMPTS: u32 = 2;
        let mut attempt = 1;
        loop {
            let token = self
                .auth
                .bearer()
                .await
                .map_err(|error| SendError::SignIn(format!("{error:#}")))?;
            let mut request = self
                .client
                .request(method.clone(), url.clone())
                .header(ACCEPT, "application/json")
                .bearer_auth(token.expose());
            if let Some(json) = json {
                request = request
                    .header(CONTENT_TYPE, "application/json")
                    .body(json.to_owned());
            }
            // Taken after the token: a request holding a place never waits
            // for a sign-in, which needs a place of its own.
            let _place =
                self.in_flight.acquire().await.map_err(|_| {
                    SendError::Unsendable("the request limit was closed".to_owned())
                })?;
            let response = request
                .send()
                .await
                .map_err(|error| sorted(error, self.surface()))?;
            let status = response.status();
            if status == StatusCode::UNAUTHORIZED && self.auth.can_renew() && attempt < ATTEMPTS {
                self.auth.forget(&token);
                attempt += 1;
                continue;
            }
            let headers = response.headers().clone();
            let body = match read_capped(response, cap).await {
                Ok(body) => body,
                Err(error) => return Err(SendError::Body(status, Box::new(headers), error)),
            };
            return Ok(Reply {
                status,
                headers,
                body,
            });
        }
    }
}

/// Three quarters of `request_timeout`, at most 30 seconds.
fn connect_timeout(request_timeout: Duration) -> Duration {
    request_timeout
        .saturating_sub(request_timeout / 4)
        .min(Duration::from_secs(30))
}

fn sorted(error: reqwest::Error, surface: Surface) -> SendError {
    let chain = error_chain(&error);
    let url = error
        .url()
        .map(|url| url.origin().ascii_serialization())
        .unwrap_or_default();
    if error.is_builder() {
        SendError::Unsendable(format!(
            "the request to {url}/ could not be formed: {chain}"
        ))
    } else if error.is_connect() && chain.contains("certificate") {
        SendError::Certificate(format!("cannot connect to {url}/ securely: {chain}"))
    } else if error.is_connect() {
        SendError::Connect(format!("cannot connect to {url}/: {chain}"))
    } else if error.is_timeout() {
        SendError::Timeout(format!(
            "no answer within {} ({chain})",
            surface.input("request_timeout")
        ))
    } else {
        SendError::Broken(format!("the request failed ({chain})"))
    }
}

//! Getting the bearer token for the API: the `token` input as it is, or a
//! token from Microsoft Entra ID, signed in with a client secret or with a
//! federated token (no secret at all): GitHub's or Azure Pipelines' OIDC
//! token, asked for afresh before each sign-in, or a token file such as
//! GitLab's, read again before each.
//!
//! Owns the Entra token endpoint, the two OIDC endpoints, token renewal
//! before expiry, and the wording of sign-in failures. Every token and JWT is
//! masked the moment it is received. It does not know the publishing API:
//! the scope to ask for is given to it.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use base64::Engine;
use reqwest::Url;
use serde::Deserialize;
use tokio::sync::Semaphore;

use crate::body::{BODY_CAP, read_capped};
use crate::clock;
use crate::credentials::{Credentials, Entra, Proof};
use crate::host::Runner;
use crate::retry::{backoff, jitter};
use crate::secret::Secret;
use crate::text::{error_chain, untrusted};

/// Hands out a valid access token, renewing it before it expires.
pub struct Auth {
    credentials: Credentials,
    /// The API's scope, such as `https://example.com/.default`.
    scope: &'static str,
    http: reqwest::Client,
    runner: Runner,
    cached: Mutex<Option<Cached>>,
    /// Held while signing in, so that requests needing a token at the same
    /// time (several offers) wait for one sign-in instead of each making
    /// their own.
    signing_in: tokio::sync::Mutex<()>,
    /// The run's limit on requests in flight; a sign-in takes a place too.
    in_flight: Arc<Semaphore>,
    first_retry: Duration,
}

struct Cached {
    token: Secret,
    renew_at: Instant,
}

impl Auth {
    /// `first_retry` is the first delay before asking GitHub for its OIDC
    /// token again; `in_flight` limits the requests in flight, sign-in
    /// included.
    pub fn new(
        credentials: Credentials,
        scope: &'static str,
        http: reqwest::Client,
        runner: Runner,
        first_retry: Duration,
        in_flight: Arc<Semaphore>,
    ) -> Auth {
        Auth {
            credentials,
            scope,
            http,
            runner,
            first_retry,
            cached: Mutex::new(None),
            signing_in: tokio::sync::Mutex::new(()),
            in_flight,
        }
    }

    /// Whether a refused token can be replaced by a fresh one.
    pub fn can_renew(&self) -> bool {
        matches!(self.credentials, Credentials::Entra(_))
    }

    /// Drops the cached token if it is `refused`, so that the next `bearer`
    /// signs in again. A token renewed since (by another request refused at
    /// the same time) is kept.
    pub fn forget(&self, refused: &Secret) {
        let mut cached = self.cached.lock().unwrap();
        if cached
            .as_ref()
            .is_some_and(|cached| cached.token == *refused)
        {
            *cached = None;
        }
    }

    /// The cached token while it has time left.
    fn cached(&self) -> Option<Secret> {
        self.cached
            .lock()
            .unwrap()
            .as_ref()
            .filter(|cached| clock::now() < cached.renew_at)
            .map(|cached| cached.token.clone())
    }

    /// A token to send now: the cached one while it has time left, else a
    /// new one. Requests that ask at the same time share one sign-in.
    pub async fn bearer(&self) -> anyhow::Result<Secret> {
        let entra = match &self.credentials {
            Credentials::Token(token) => return Ok(token.clone()),
            Credentials::Entra(entra) => entra,
        };
        if let Some(token) = self.cached() {
            return Ok(token);
        }
        let _signing_in = self.signing_in.lock().await;
        // Another request may have signed in while this one waited.
        if let Some(token) = self.cached() {
            return Ok(token);
        }
        let (token, lifetime) = {
            let _place = self
                .in_flight
                .acquire()
                .await
                .context("the request limit was closed")?;
            self.sign_in(entra).await?
        };
        *self.cached.lock().unwrap() = Some(Cached {
            token: token.clone(),
            // A lifetime too large for the clock is renewed at the next
            // request rather than overflow.
            renew_at: clock::now()
                .checked_add(lifetime - renewal_margin(lifetime))
                .unwrap_or_else(clock::now),
        });
        Ok(token)
    }

    async fn sign_in(&self, entra: &Entra) -> anyhow::Result<(Secret, Duration)> {
        let Entra {
            authority,
            tenant_id,
            client_id,
            proof,
        } = entra;
        let started = clock::now();
        let mut form = vec![
            ("grant_type", "client_credentials".to_owned()),
            ("client_id", client_id.clone()),
            ("scope", self.scope.to_owned()),
        ];
        // A federated token lives minutes: a fresh one for every exchange.
        let assertion = match proof {
            Proof::ClientSecret(secret) => {
                form.push(("client_secret", secret.expose().to_owned()));
                None
            }
            Proof::GitHubOidc {
                request_url,
                request_token,
                audience,
            } => Some(
                self.github_token(request_url, request_token, audience)
                    .await?,
            ),
            Proof::TokenFile(path) => Some(self.token_file(path)?),
            Proof::Assertion { token, .. } => Some(token.clone()),
            Proof::AzurePipelines {
                request_url,
                access_token,
                service_connection_id,
            } => Some(
                self.pipelines_token(request_url, access_token, service_connection_id)
                    .await?,
            ),
        };
        if let Some(jwt) = &assertion {
            form.push((
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_owned(),
            ));
            form.push(("client_assertion", jwt.expose().to_owned()));
        }
        let endpoint = authority
            .join(&format!("{tenant_id}/oauth2/v2.0/token"))
            .expect("a validated tenant ID always forms a URL");
        let response = self
            .http
            .post(endpoint.clone())
            .form(&form)
            .send()
            .await
            .map_err(|error| {
                anyhow::anyhow!(
                    "cannot reach Microsoft Entra at {endpoint}: {}",
                    error_chain(&error)
                )
            })?;
        let status = response.status();
        let body = read_capped(response, BODY_CAP)
            .await
            .map_err(|error| anyhow::anyhow!("Microsoft Entra's answer was unreadable: {error}"))?;
        if !status.is_success() {
            bail!(entra_failure(
                status.as_u16(),
                &body,
                assertion.as_ref(),
                proof
            ));
        }
        let (token, lifetime) = token_answer(status, &body)?;
        self.runner.mask(&token);
        // Count the lifetime from when the request was sent, not received.
        let lifetime = lifetime.saturating_sub(started.elapsed());
        Ok((token, lifetime))
    }

    async fn github_token(
        &self,
        request_url: &Url,
        request_token: &Secret,
        audience: &str,
    ) -> anyhow::Result<Secret> {
        let mut url = request_url.clone();
        url.query_pairs_mut().append_pair("audience", audience);
        let (status, body) = self
            .ask("GitHub", || {
                self.http
                    .get(url.clone())
                    .header(reqwest::header::ACCEPT, "application/json")
                    .bearer_auth(request_token.expose())
            })
            .await?;
        if !status.is_success() {
            bail!(
                "GitHub refused the OIDC token request with HTTP {status} ({}): check that the job has permissions: id-token: write",
                untrusted(body.trim(), 300)
            );
        }
        let reply: OidcReply = serde_json::from_str(&body).with_context(|| {
            format!("GitHub answered the OIDC token request with HTTP {status} but no token")
        })?;
        let jwt = Secret::new(reply.value);
        self.runner.mask(&jwt);
        Ok(jwt)
    }

    /// A fresh OIDC token of Azure Pipelines for the service connection:
    /// its tokens live about ten minutes, and a wait lasts hours.
    async fn pipelines_token(
        &self,
        request_url: &Url,
        access_token: &Secret,
        service_connection_id: &str,
    ) -> anyhow::Result<Secret> {
        let mut url = request_url.clone();
        url.query_pairs_mut()
            .append_pair("api-version", "7.1")
            .append_pair("serviceConnectionId", service_connection_id);
        let (status, body) = self
            .ask("Azure Pipelines", || {
                self.http
                    .post(url.clone())
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .header("X-TFS-FedAuthRedirect", "Suppress")
                    .bearer_auth(access_token.expose())
            })
            .await?;
        let shown = untrusted(body.trim(), 300);
        if body.contains("No service connection found") {
            bail!(
                "Azure Pipelines refused the OIDC token request with HTTP {status} ({shown}): check that AZURESUBSCRIPTION_SERVICE_CONNECTION_ID names a service connection the step may use (run go-live in an AzureCLI@2 step whose azureSubscription is that connection)"
            );
        }
        if status.as_u16() == 401 || status.as_u16() == 403 {
            bail!(
                "Azure Pipelines refused the OIDC token request with HTTP {status} ({shown}): SYSTEM_ACCESSTOKEN was not accepted; map the job's token in the step (env: SYSTEM_ACCESSTOKEN: $(System.AccessToken))"
            );
        }
        if !status.is_success() {
            bail!("Azure Pipelines refused the OIDC token request with HTTP {status} ({shown})");
        }
        let reply: PipelinesReply = serde_json::from_str(&body).with_context(|| {
            format!("Azure Pipelines answered the OIDC token request with HTTP {status} but no oidcToken")
        })?;
        let jwt = Secret::new(reply.oidc_token);
        self.runner.mask(&jwt);
        Ok(jwt)
    }

    /// The federated token in the file, read now: whoever renews the file
    /// (a job, a sidecar) is followed.
    fn token_file(&self, path: &std::path::Path) -> anyhow::Result<Secret> {
        const CAP: u64 = 64 * 1024;
        let shown = path.display();
        let text = crate::body::read_file(path, CAP)
            .map_err(|why| anyhow::anyhow!("AZURE_FEDERATED_TOKEN_FILE '{shown}' {why}"))?;
        let token = Secret::new(text.trim().to_owned());
        self.runner.mask(&token);
        if token.expose().is_empty() || token.expose().contains(char::is_whitespace) {
            bail!(
                "AZURE_FEDERATED_TOKEN_FILE '{shown}' holds no token (it is empty, or holds more than one line): write the ID token alone into it, as printf '%s' \"$TOKEN\" > \"$AZURE_FEDERATED_TOKEN_FILE\" does"
            );
        }
        Ok(token)
    }

    /// Sends the request built by `request`, again after a failed
    /// connection or a 5xx, at most `OIDC_ATTEMPTS` times: it asks for a
    /// token and changes nothing. `who` runs the endpoint.
    async fn ask(
        &self,
        who: &str,
        request: impl Fn() -> reqwest::RequestBuilder,
    ) -> anyhow::Result<(reqwest::StatusCode, String)> {
        let mut attempt = 1;
        loop {
            let failure = match request().send().await {
                Ok(response) if !response.status().is_server_error() => {
                    let status = response.status();
                    let body = read_capped(response, BODY_CAP).await.map_err(|error| {
                        anyhow::anyhow!(
                            "{who}'s answer to the OIDC token request was unreadable: {error}"
                        )
                    })?;
                    return Ok((status, body));
                }
                Ok(response) => format!("HTTP {}", response.status()),
                Err(error) => error_chain(&error),
            };
            if attempt >= OIDC_ATTEMPTS {
                let article = if who.starts_with('A') { "an" } else { "a" };
                bail!(
                    "cannot get {article} {who} OIDC token after {OIDC_ATTEMPTS} tries, the last one: {failure}"
                );
            }
            let delay = backoff(self.first_retry, attempt, self.first_retry * 4, jitter());
            self.runner.debug(&format!(
                "the {who} OIDC token request failed ({failure}); trying again in {delay:?}"
            ));
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }
}

/// An OIDC token request is sent at most this many times.
const OIDC_ATTEMPTS: u32 = 3;

/// The longest token lifetime believed, in seconds (a day); a larger
/// `expires_in` is cut to it.
const LONGEST_TOKEN_LIFETIME: u64 = 24 * 3600;

/// Renew a token when a quarter of its life is left, at most five minutes
/// ahead: an hour-long token at 55 minutes, a two-second token at 1.5 s.
fn renewal_margin(lifetime: Duration) -> Duration {
    (lifetime / 4).min(Duration::from_secs(300))
}

/// The lifetime assumed when Entra gives none that can be read.
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

#[derive(Deserialize)]
struct TokenReply {
    access_token: String,
    #[serde(default)]
    expires_in: serde_json::Value,
}

/// The access token and its lifetime out of Entra's successful answer. The
/// token must be sendable as a header value; `expires_in` (a number in v2
/// answers, a string in some v1 answers) is clamped to
/// `LONGEST_TOKEN_LIFETIME`, and read as an hour when it cannot be read.
fn token_answer(status: reqwest::StatusCode, body: &str) -> anyhow::Result<(Secret, Duration)> {
    let reply: TokenReply = serde_json::from_str(body).with_context(|| {
        format!("Microsoft Entra answered HTTP {status} without an access token in its body")
    })?;
    let token = reply.access_token;
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
        bail!(
            "Microsoft Entra answered HTTP {status} with an access token that cannot be sent in a header (empty, or holding spaces, control or non-ASCII characters)"
        );
    }
    let seconds = match &reply.expires_in {
        serde_json::Value::Number(number) => number.as_f64(),
        serde_json::Value::String(text) => text.trim().parse::<f64>().ok(),
        _ => None,
    };
    let lifetime = seconds
        .filter(|seconds| seconds.is_finite() && *seconds >= 0.0)
        .map(|seconds| Duration::from_secs(seconds.min(LONGEST_TOKEN_LIFETIME as f64) as u64))
        .unwrap_or(DEFAULT_TOKEN_LIFETIME);
    Ok((Secret::new(token), lifetime))
}

#[derive(Deserialize)]
struct OidcReply {
    value: String,
}

#[derive(Deserialize)]
struct PipelinesReply {
    #[serde(rename = "oidcToken")]
    oidc_token: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct EntraError {
    error: Option<String>,
    error_description: Option<String>,
}

/// Entra's `error` and `error_description` (which starts with the AADSTS
/// code), a hint for the common codes, and, when a federated token was
/// refused, the claims of the token offered that Entra compares.
fn entra_failure(status: u16, body: &str, assertion: Option<&Secret>, proof: &Proof) -> String {
    let parsed: EntraError = serde_json::from_str(body).unwrap_or_default();
    let error = parsed.error.unwrap_or_else(|| "no error code".to_owned());
    let description = match parsed.error_description {
        // The description's later lines are trace and correlation IDs.
        Some(text) => untrusted(text.lines().next().unwrap_or(""), 600),
        None => format!("body: {}", untrusted(body.trim(), 300)),
    };
    let mut message =
        format!("Microsoft Entra refused the sign-in with HTTP {status} ({error}): {description}");
    let code = |c: &str| description.contains(&format!("AADSTS{c}:"));
    let hint = if code("7000215") {
        Some("the client secret is wrong: pass the secret's value, not its ID".to_owned())
    } else if code("7000222") {
        Some("the client secret has expired: create a new one for the application, or switch to GitHub OIDC federation and drop the secret".to_owned())
    } else if code("700016") {
        Some("no application with this client_id exists in the tenant: check client_id and tenant_id".to_owned())
    } else if code("90002") {
        Some("the tenant was not found: check tenant_id".to_owned())
    } else if (code("70021") || code("700213")) && matches!(proof, Proof::GitHubOidc { .. }) {
        let mut hint = "no federated credential of the application matches this workflow's GitHub token: add one whose subject matches the token's sub claim (for a job with an environment: repo:OWNER/REPO:environment:NAME), issuer https://token.actions.githubusercontent.com and audience api://AzureADTokenExchange".to_owned();
        if let Some(claims) = assertion.and_then(identifying_claims) {
            hint.push_str(&format!("; the GitHub token offered has {claims}"));
        }
        Some(hint)
    } else if code("70021") || code("700213") {
        let example = match proof {
            Proof::AzurePipelines { .. } => {
                "for a service connection, issuer https://vstoken.dev.azure.com/<organization ID> and subject sc://ORGANIZATION/PROJECT/CONNECTION"
            }
            _ => {
                "for GitLab, issuer https://gitlab.com and subject project_path:GROUP/PROJECT:ref_type:branch:ref:main"
            }
        };
        Some(with_claims(
            format!(
                "no federated credential of the application matches the token offered: Entra compares the token's issuer (iss), subject (sub) and audience (aud) with each federated credential's ({example})"
            ),
            assertion,
        ))
    } else if code("700212") {
        Some(with_claims(
            "the token's audience (aud) is not the federated credential's: make them equal (api://AzureADTokenExchange is the usual one; on GitLab, id_tokens: aud)".to_owned(),
            assertion,
        ))
    } else if code("700024") {
        Some(match proof {
            Proof::Assertion { once: true, .. } => "the idToken of AzureCLI@2 has expired (it lives about ten minutes and is never renewed): map SYSTEM_ACCESSTOKEN in the step (env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)) so that a fresh token is requested before each sign-in".to_owned(),
            Proof::TokenFile(_) => "the token in AZURE_FEDERATED_TOKEN_FILE has expired: write a fresh one into the file before it does (a GitLab ID token lives as long as the job's timeout)".to_owned(),
            _ => "the federated token offered has expired: sign in again with a fresh one".to_owned(),
        })
    } else {
        None
    };
    if let Some(hint) = hint {
        message.push_str("; ");
        message.push_str(&hint);
    }
    message
}

/// The hint, and the claims of the token offered.
fn with_claims(mut hint: String, assertion: Option<&Secret>) -> String {
    if let Some(claims) = assertion.and_then(identifying_claims) {
        hint.push_str(&format!("; the token offered has {claims}"));
    }
    hint
}

/// The claims that identify the workflow, read from the JWT's payload
/// without verifying it (this is for the user's eyes only). Never the
/// token itself.
fn identifying_claims(jwt: &Secret) -> Option<String> {
    let payload = jwt.expose().split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&bytes).ok()?;
    let shown: Vec<String> = ["sub", "aud", "iss", "repository", "environment", "ref"]
        .into_iter()
        .filter_map(|name| {
            let value = match claims.get(name)? {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            Some(format!("{name}: {}", untrusted(&value, 200)))
        })
        .collect();
    (!shown.is_empty()).then(|| shown.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arbitrary;
    use base64::Engine;
    use proptest::prelude::*;

    /// The words of the answers this module reads.
    const WORDS: &[&str] = &[
        "access_token",
        "expires_in",
        "token_type",
        "Bearer",
        "error",
        "error_description",
        "AADSTS70021: x",
        "sub",
        "aud",
        "iss",
        "repository",
        "environment",
        "ref",
        "3600",
        "-1",
        "",
    ];

    #[test]
    fn margins() {
        assert_eq!(
            renewal_margin(Duration::from_secs(3600)),
            Duration::from_secs(300)
        );
        assert_eq!(
            renewal_margin(Duration::from_secs(2)),
            Duration::from_millis(500)
        );
    }

    proptest! {
        #![proptest_config(arbitrary::config())]

        /// Any answer of Entra gives a token fit for a header with a
        /// lifetime of at most a day, or an error.
        #[test]
        fn any_entra_answer_is_a_usable_token_or_an_error(
            body in arbitrary::body(WORDS),
            token in arbitrary::text(WORDS),
            expires_in in arbitrary::json(WORDS),
            status in 100u16..600,
        ) {
            let shaped = serde_json::json!({"access_token": token, "expires_in": expires_in}).to_string();
            for body in [body, shaped] {
                if let Ok((token, lifetime)) = token_answer(reqwest::StatusCode::OK, &body) {
                    prop_assert!(lifetime <= Duration::from_secs(LONGEST_TOKEN_LIFETIME));
                    prop_assert!(!token.expose().is_empty());
                    let header = format!("Bearer {}", token.expose());
                    prop_assert!(reqwest::header::HeaderValue::from_str(&header).is_ok());
                }
                let _ = entra_failure(status, &body, None, &Proof::ClientSecret(Secret::new(String::new())));
            }
        }

        /// Any JWT-like text gives the claims to show, or nothing.
        #[test]
        fn any_jwt_payload_is_read_or_skipped(text in arbitrary::text(WORDS), claims in arbitrary::json(WORDS)) {
            let encoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims.to_string());
            for jwt in [text.clone(), format!("h.{encoded}.s"), format!("h.{encoded}=="), format!("{text}.{text}")] {
                let secret = Secret::new(jwt);
                let _ = identifying_claims(&secret);
                for proof in [Proof::TokenFile("f".into()), Proof::ClientSecret(Secret::new(String::new()))] {
                    let _ = entra_failure(400, r#"{"error":"invalid_client","error_description":"AADSTS70021: x"}"#, Some(&secret), &proof);
                }
            }
        }
    }
}

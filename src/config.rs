//! Turns the action's raw inputs into a validated `Config`.
//!
//! Everything the rest of the program sees has been checked here, before any
//! request is sent: IDs that cannot alter a URL, durations, booleans in the
//! runner's spelling, URLs with an allowed scheme. This module does not read
//! the process environment (`main` hands it the variables) and sends nothing.

use std::net::IpAddr;
use std::time::Duration;

use reqwest::Url;
use serde::Deserialize;

use crate::auth::{Credentials, Entra, Proof};
use crate::secret::Secret;

/// The inputs exactly as the runner passes them: `INPUT_<NAME>` variables,
/// where an empty string means "not given".
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawInputs {
    publisher_id: Option<String>,
    offer_id: Option<String>,
    token: Option<String>,
    tenant_id: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    oidc_audience: Option<String>,
    authority_url: Option<String>,
    wait: Option<String>,
    wait_timeout: Option<String>,
    poll_interval: Option<String>,
    fail_on_timeout: Option<String>,
    request_timeout: Option<String>,
    operation_location: Option<String>,
    api_url: Option<String>,
    api_version: Option<String>,
}

impl RawInputs {
    /// Reads the `INPUT_*` variables out of the given environment.
    pub fn from_env(env: &[(String, String)]) -> RawInputs {
        // Every field is an optional string, so deserialization cannot fail on
        // values; a failure here would be a bug in this struct.
        envy::prefixed("INPUT_")
            .from_iter(env.iter().cloned())
            .expect("string inputs always deserialize")
    }

    /// Values that must be masked before anything else is printed, whether or
    /// not the rest of the inputs are valid.
    pub fn secrets(&self) -> Vec<Secret> {
        [&self.token, &self.client_secret]
            .into_iter()
            .filter_map(|value| given(value))
            .map(|value| Secret::new(value.to_owned()))
            .collect()
    }
}

/// The run, validated.
#[derive(Debug)]
pub struct Config {
    /// What to do: start go-live, or follow an operation started earlier.
    pub target: Target,
    /// How to get the bearer token sent to the API.
    pub credentials: Credentials,
    /// Follow the operation until it ends (always true for `Target::Follow`).
    pub wait: bool,
    /// How long the whole wait may last.
    pub wait_timeout: Duration,
    /// The delay between two status requests, unless the service asks for more.
    pub poll_interval: Duration,
    /// Whether running out of `wait_timeout` fails the step.
    pub fail_on_timeout: bool,
    /// How long one HTTP request may take, from connect to the end of the body.
    pub request_timeout: Duration,
    /// Where the API lives and which version to ask for.
    pub api: ApiEndpoint,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    GoLive {
        publisher_id: String,
        offer_id: String,
    },
    Follow {
        operation_location: Url,
    },
}

#[derive(Debug, Clone)]
pub struct ApiEndpoint {
    /// `api_url`, always with a trailing slash so that joining keeps its path.
    pub base: Url,
    pub version: String,
}

/// A bad input: the run stops before any request, with this message.
#[derive(Debug)]
pub struct InputError(pub String);

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InputError {}

fn invalid(message: String) -> InputError {
    InputError(message)
}

/// The runner trims nothing itself; the toolkit does, and so do we. An empty
/// value means the input was not given.
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// What the runner gives a job with `permissions: id-token: write`:
/// `ACTIONS_ID_TOKEN_REQUEST_URL` and `ACTIONS_ID_TOKEN_REQUEST_TOKEN`.
#[derive(Debug, Default)]
pub struct OidcRequest {
    pub url: Option<String>,
    pub token: Option<Secret>,
}

impl Config {
    pub fn from_inputs(raw: &RawInputs, oidc: OidcRequest) -> Result<Config, InputError> {
        let api_url = given(&raw.api_url).unwrap_or("https://cloudpartner.azure.com");
        let base = parse_service_url("api_url", api_url)?;
        let version = given(&raw.api_version).unwrap_or("2017-10-31");
        if !version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            return Err(invalid(format!(
                "api_version '{version}' is not valid: expected a version such as 2017-10-31"
            )));
        }

        let target = match given(&raw.operation_location) {
            Some(location) => {
                let operation_location = parse_operation_location(location, &base)?;
                Target::Follow { operation_location }
            }
            None => Target::GoLive {
                publisher_id: parse_id("publisher_id", given(&raw.publisher_id))?,
                offer_id: parse_id("offer_id", given(&raw.offer_id))?,
            },
        };

        let credentials = parse_credentials(raw, oidc)?;

        let wait = parse_bool("wait", given(&raw.wait), false)?;
        let wait_timeout = parse_duration("wait_timeout", given(&raw.wait_timeout), "60m")?;
        let poll_interval = parse_duration("poll_interval", given(&raw.poll_interval), "60s")?;
        let request_timeout =
            parse_duration("request_timeout", given(&raw.request_timeout), "60s")?;
        let fail_on_timeout = parse_bool("fail_on_timeout", given(&raw.fail_on_timeout), true)?;

        Ok(Config {
            wait: wait || matches!(target, Target::Follow { .. }),
            target,
            credentials,
            wait_timeout,
            poll_interval,
            fail_on_timeout,
            request_timeout,
            api: ApiEndpoint {
                base,
                version: version.to_owned(),
            },
        })
    }
}

/// The three ways to sign in, told apart by which inputs are given.
fn parse_credentials(raw: &RawInputs, oidc: OidcRequest) -> Result<Credentials, InputError> {
    let token = given(&raw.token);
    let tenant_id = given(&raw.tenant_id);
    let client_id = given(&raw.client_id);
    let client_secret = given(&raw.client_secret);
    let authority = parse_service_url(
        "authority_url",
        given(&raw.authority_url).unwrap_or("https://login.microsoftonline.com"),
    )?;
    if token.is_some() && client_secret.is_some() {
        return Err(invalid(
            "token and client_secret are both given, and it is not clear which to use: pass token alone, or tenant_id, client_id and client_secret without token".to_owned(),
        ));
    }
    if let Some(token) = token {
        if token.chars().any(|c| c.is_control() || c == ' ') {
            return Err(invalid(
                "token contains spaces or control characters: pass the bare access token, without 'Bearer '".to_owned(),
            ));
        }
        return Ok(Credentials::Token(Secret::new(token.to_owned())));
    }
    let (Some(tenant_id), Some(client_id)) = (tenant_id, client_id) else {
        let missing: Vec<&str> = [("tenant_id", tenant_id), ("client_id", client_id)]
            .into_iter()
            .filter(|(_, value)| value.is_none())
            .map(|(name, _)| name)
            .collect();
        return Err(invalid(format!(
            "no way to sign in ({} not given): pass token (an access token for https://cloudpartner.azure.com); or tenant_id, client_id and client_secret; or tenant_id and client_id alone to sign in with GitHub OIDC (the job needs permissions: id-token: write)",
            missing.join(" and ")
        )));
    };
    let domain_like = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '.';
    if !tenant_id.chars().all(domain_like) || tenant_id.starts_with('.') {
        return Err(invalid(format!(
            "tenant_id '{}' is not valid: expected the directory (tenant) ID, a GUID, or a domain such as contoso.onmicrosoft.com",
            tenant_id.escape_default()
        )));
    }
    if client_id.chars().any(|c| c.is_control() || c == ' ') {
        return Err(invalid(format!(
            "client_id '{}' is not valid: expected the application (client) ID, a GUID",
            client_id.escape_default()
        )));
    }
    let proof = match client_secret {
        Some(secret) => Proof::ClientSecret(Secret::new(secret.to_owned())),
        None => {
            let (Some(url), Some(request_token)) = (oidc.url, oidc.token) else {
                return Err(invalid(
                    "tenant_id and client_id are given without client_secret, so GitHub OIDC is used, but ACTIONS_ID_TOKEN_REQUEST_URL is not set: the workflow lacks permissions: id-token: write (add it to the job), or pass client_secret".to_owned(),
                ));
            };
            let request_url = Url::parse(&url).map_err(|error| {
                invalid(format!(
                    "ACTIONS_ID_TOKEN_REQUEST_URL is not a URL ({error})"
                ))
            })?;
            Proof::GitHubOidc {
                request_url,
                request_token,
                audience: given(&raw.oidc_audience)
                    .unwrap_or("api://AzureADTokenExchange")
                    .to_owned(),
            }
        }
    };
    Ok(Credentials::Entra(Box::new(Entra {
        authority,
        tenant_id: tenant_id.to_owned(),
        client_id: client_id.to_owned(),
        proof,
    })))
}

/// Publisher and offer IDs go into the URL path, so they are held to the
/// characters the service uses for them; none of these can change the path
/// or the query.
fn parse_id(name: &str, value: Option<&str>) -> Result<String, InputError> {
    let Some(value) = value else {
        return Err(invalid(format!(
            "{name} is required (unless operation_location is given): pass the ID shown in Partner Center"
        )));
    };
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if value == "." || value == ".." || !value.chars().all(allowed) {
        return Err(invalid(format!(
            "{name} '{}' is not valid: expected letters, digits, '.', '_' or '-'",
            value.escape_default()
        )));
    }
    Ok(value.to_owned())
}

/// The runner's boolean spellings, exactly as `@actions/core` accepts them.
fn parse_bool(name: &str, value: Option<&str>, default: bool) -> Result<bool, InputError> {
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

/// A positive whole number followed by `ms`, `s`, `m` or `h`.
fn parse_duration(name: &str, value: Option<&str>, default: &str) -> Result<Duration, InputError> {
    let text = value.unwrap_or(default);
    let bad = || {
        invalid(format!(
            "{name} '{}' is not a duration: expected a positive number with a unit, such as 500ms, 30s, 45m or 5h",
            text.escape_default()
        ))
    };
    let split = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (digits, unit) = text.split_at(split);
    let number: u64 = digits.parse().map_err(|_| bad())?;
    let duration = match unit {
        "ms" => Duration::from_millis(number),
        "s" => Duration::from_secs(number),
        "m" => Duration::from_secs(number.checked_mul(60).ok_or_else(bad)?),
        "h" => Duration::from_secs(number.checked_mul(3600).ok_or_else(bad)?),
        _ => return Err(bad()),
    };
    if duration.is_zero() {
        return Err(bad());
    }
    Ok(duration)
}

/// An https URL, or http on a loopback host (tests and the local emulator).
fn parse_service_url(name: &str, value: &str) -> Result<Url, InputError> {
    let mut url = Url::parse(value).map_err(|error| {
        invalid(format!(
            "{name} '{}' is not a URL ({error}): expected something like https://cloudpartner.azure.com",
            value.escape_default()
        ))
    })?;
    check_scheme(name, &url)?;
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(invalid(format!(
            "{name} '{value}' must not carry a query, a fragment or credentials"
        )));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

fn check_scheme(name: &str, url: &Url) -> Result<(), InputError> {
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

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// The `operation_location` output of an earlier run: an absolute URL, or a
/// path such as `/api/operations/...` that is resolved against `api_url`.
fn parse_operation_location(value: &str, base: &Url) -> Result<Url, InputError> {
    let url = if value.starts_with('/') {
        base.join(value)
    } else {
        Url::parse(value)
    }
    .map_err(|error| {
        invalid(format!(
            "operation_location '{}' is not a URL ({error}): pass the operation_location output of the run that started the operation",
            value.escape_default()
        ))
    })?;
    check_scheme("operation_location", &url)?;
    if crate::api::operation_id(&url).is_none() {
        return Err(invalid(format!(
            "operation_location '{url}' names no operation: pass the operation_location output of the run that started the operation"
        )));
    }
    Ok(url)
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
        for bad in [
            "",
            "5",
            "0s",
            "-5s",
            "5 s",
            "1.5h",
            "5d",
            "s",
            "99999999999999999999h",
        ] {
            check_duration(bad, None);
        }
    }

    #[test]
    fn formatted_durations() {
        assert_eq!(format_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(format_duration(Duration::from_secs(42)), "42s");
        assert_eq!(format_duration(Duration::from_secs(185)), "3m 05s");
        assert_eq!(format_duration(Duration::from_secs(7800)), "2h 10m");
    }
}

//! Microsoft Entra ID: the client-credentials exchange every way ends in
//! (with a client secret, or a federated token as the client assertion),
//! the client secret of the environment (`AZURE_CLIENT_SECRET`), and the
//! wording of Entra's refusals (AADSTS hints, and the claims Entra compares
//! of a federated token it refused). Every access token is masked the
//! moment it arrives.

use std::time::Duration;

use anyhow::{Context, bail};
use base64::Engine;
use reqwest::Url;
use serde::Deserialize;

use super::{Chosen, Entra, Fetch, Found, Proof, Way};
use crate::body::{BODY_CAP, read_capped};
use crate::clock;
use crate::inputs::{InputError, RawInputs, invalid, parse_service_url};
use crate::secret::Secret;
use crate::surface::Surface;
use crate::text::{error_chain, untrusted};

/// Microsoft Entra's sign-in service, unless another authority is named.
pub(super) const ENTRA: &str = "https://login.microsoftonline.com";

/// `AZURE_TENANT_ID`, `AZURE_CLIENT_ID` and `AZURE_CLIENT_SECRET`.
pub(super) const CLIENT_SECRET: Way = Way {
    named_by: "AZURE_CLIENT_SECRET",
    secrets: &["AZURE_CLIENT_SECRET"],
    find: client_secret,
};

fn client_secret(found: &Found<'_>) -> Option<Result<Chosen, InputError>> {
    let (tenant, client) = found.azure_application()?;
    let secret = found.var("AZURE_CLIENT_SECRET")?;
    let proof = Proof::ClientSecret(Secret::new(secret));
    Some(found.entra(tenant, client, proof, "AZURE_CLIENT_SECRET"))
}

/// Microsoft Entra, unless `authority_url` names another.
pub(super) fn authority(raw: &RawInputs, surface: Surface) -> Result<Url, InputError> {
    parse_service_url(
        &surface.input("authority_url"),
        raw.given("authority_url").unwrap_or(ENTRA),
        ENTRA,
    )
}

/// Refuses a tenant that cannot be a tenant (it goes into Entra's URL)
/// or a client ID with spaces or control characters, naming the input or
/// the variable each came from.
pub(super) fn check_application(
    tenant_name: &str,
    tenant_id: &str,
    client_name: &str,
    client_id: &str,
) -> Result<(), InputError> {
    let domain_like = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '.';
    if !tenant_id.chars().all(domain_like) || tenant_id.starts_with('.') || tenant_id.is_empty() {
        return Err(invalid(format!(
            "{tenant_name} '{}' is not valid: expected the directory (tenant) ID, a GUID, or a domain such as contoso.onmicrosoft.com",
            tenant_id.escape_default()
        )));
    }
    if client_id.chars().any(|c| c.is_control() || c == ' ') {
        return Err(invalid(format!(
            "{client_name} '{}' is not valid: expected the application (client) ID, a GUID",
            client_id.escape_default()
        )));
    }
    Ok(())
}

/// Signs in to Entra for `scope`: the proof's federated token fetched or
/// read afresh, then the client-credentials exchange. The access token and
/// how long it lives, counted from when the request was sent.
pub async fn exchange(
    fetch: &Fetch<'_>,
    entra: &Entra,
    scope: &str,
) -> anyhow::Result<(Secret, Duration)> {
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
        ("scope", scope.to_owned()),
    ];
    let assertion = proof.assertion(fetch).await?;
    if let Proof::ClientSecret(secret) = proof {
        form.push(("client_secret", secret.expose().to_owned()));
    }
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
    let response = fetch
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
        bail!(failure(status.as_u16(), &body, assertion.as_ref(), proof));
    }
    let (token, lifetime) = token_answer(status, &body)?;
    fetch.runner.mask(&token);
    Ok((token, lifetime.saturating_sub(clock::since(started))))
}

/// The longest token lifetime believed, in seconds (a day); a larger
/// `expires_in` is cut to it.
pub(super) const LONGEST_TOKEN_LIFETIME: u64 = 24 * 3600;

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

#[derive(Deserialize, Default)]
#[serde(default)]
struct EntraError {
    error: Option<String>,
    error_description: Option<String>,
}

/// Entra's `error` and `error_description` (which starts with the AADSTS
/// code), a hint for the common codes, and, when a federated token was
/// refused, the claims of the token offered that Entra compares.
fn failure(status: u16, body: &str, assertion: Option<&Secret>, proof: &Proof) -> String {
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
            Proof::Assertion { source, .. } => format!("the federated token in {source} has expired (it is read once and never renewed): give a fresh one, or use AZURE_FEDERATED_TOKEN_FILE, read again before each sign-in"),
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
                let _ = failure(status, &body, None, &Proof::ClientSecret(Secret::new(String::new())));
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
                    let _ = failure(400, r#"{"error":"invalid_client","error_description":"AADSTS70021: x"}"#, Some(&secret), &proof);
                }
            }
        }
    }
}

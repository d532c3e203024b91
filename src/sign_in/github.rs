//! GitHub OIDC: the runner's `ACTIONS_ID_TOKEN_REQUEST_URL` and
//! `ACTIONS_ID_TOKEN_REQUEST_TOKEN` (a job with `permissions: id-token:
//! write`), and a fresh GitHub token asked for before each sign-in.

use anyhow::{Context, bail};
use reqwest::Url;
use serde::Deserialize;

use super::{Chosen, Fetch, Found, Proof, Way};
use crate::inputs::{InputError, RawInputs, invalid};
use crate::secret::Secret;
use crate::text::untrusted;

/// The audience asked for unless `oidc_audience` names another.
const AUDIENCE: &str = "api://AzureADTokenExchange";

/// GitHub OIDC, with the tenant and client of `AZURE_TENANT_ID` and
/// `AZURE_CLIENT_ID`.
pub(super) const WAY: Way = Way {
    named_by: "ACTIONS_ID_TOKEN_REQUEST_URL",
    secrets: &["ACTIONS_ID_TOKEN_REQUEST_TOKEN"],
    find,
};

fn find(found: &Found<'_>) -> Option<Result<Chosen, InputError>> {
    let (tenant, client) = found.azure_application()?;
    let url = found.var("ACTIONS_ID_TOKEN_REQUEST_URL")?;
    let token = found.var("ACTIONS_ID_TOKEN_REQUEST_TOKEN")?;
    Some(
        proof(&url, Secret::new(token), found.raw)
            .and_then(|proof| found.entra(tenant, client, proof, "GitHub OIDC")),
    )
}

/// The proof of the runner's OIDC request, for the audience `oidc_audience`
/// names.
pub(super) fn proof(
    url: &str,
    request_token: Secret,
    raw: &RawInputs,
) -> Result<Proof, InputError> {
    let request_url = Url::parse(url).map_err(|error| {
        invalid(format!(
            "ACTIONS_ID_TOKEN_REQUEST_URL is not a URL ({error})"
        ))
    })?;
    Ok(Proof::GitHubOidc {
        request_url,
        request_token,
        audience: raw.given("oidc_audience").unwrap_or(AUDIENCE).to_owned(),
    })
}

#[derive(Deserialize)]
struct OidcReply {
    value: String,
}

/// A fresh GitHub OIDC token for `audience`, masked as it arrives.
pub(super) async fn token(
    fetch: &Fetch<'_>,
    request_url: &Url,
    request_token: &Secret,
    audience: &str,
) -> anyhow::Result<Secret> {
    let mut url = request_url.clone();
    url.query_pairs_mut().append_pair("audience", audience);
    let (status, body) = fetch
        .ask("GitHub", || {
            fetch
                .http
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
    fetch.runner.mask(&jwt);
    Ok(jwt)
}

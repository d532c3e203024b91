//! Azure Pipelines: workload identity federation through a service
//! connection (`SYSTEM_OIDCREQUESTURI`, `SYSTEM_ACCESSTOKEN` and the
//! connection `AzureCLI@2` names), a fresh OIDC token before each sign-in;
//! or what `AzureCLI@2` exports with `addSpnToEnvironment`.

use anyhow::{Context, bail};
use reqwest::Url;
use serde::Deserialize;

use super::{Chosen, Fetch, Found, Proof, Way};
use crate::inputs::{InputError, check_scheme, invalid};
use crate::secret::Secret;
use crate::text::untrusted;

/// Workload identity federation through the step's service connection.
pub(super) const FEDERATION: Way = Way {
    named_by: "SYSTEM_OIDCREQUESTURI",
    secrets: &["SYSTEM_ACCESSTOKEN"],
    find: federation,
};

/// What `AzureCLI@2` exports with `addSpnToEnvironment`: `idToken` (it
/// lives about ten minutes and cannot be renewed) or
/// `servicePrincipalKey`.
pub(super) const EXPORTED: Way = Way {
    named_by: "addSpnToEnvironment",
    secrets: &["idToken", "servicePrincipalKey"],
    find: exported,
};

const MAP_IT: &str = "SYSTEM_OIDCREQUESTURI is set but SYSTEM_ACCESSTOKEN is not, so Azure Pipelines federation cannot be used: map it in the step (env: SYSTEM_ACCESSTOKEN: $(System.AccessToken))";

/// The note for a step that has the OIDC endpoint but not the job's token
/// to ask it with.
pub(super) fn unmapped(found: &Found<'_>) -> Option<&'static str> {
    (found.var("SYSTEM_OIDCREQUESTURI").is_some() && found.var("SYSTEM_ACCESSTOKEN").is_none())
        .then_some(MAP_IT)
}

fn federation(found: &Found<'_>) -> Option<Result<Chosen, InputError>> {
    let url = found.var("SYSTEM_OIDCREQUESTURI")?;
    let access_token = found.var("SYSTEM_ACCESSTOKEN")?;
    let connection = found.var("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID")?;
    let tenant = found.pick("tenant_id", "AZURESUBSCRIPTION_TENANT_ID")?;
    let client = found.pick("client_id", "AZURESUBSCRIPTION_CLIENT_ID")?;
    let proof = || {
        let request_url = Url::parse(&url)
            .map_err(|error| invalid(format!("SYSTEM_OIDCREQUESTURI is not a URL ({error})")))?;
        check_scheme("SYSTEM_OIDCREQUESTURI", &request_url)?;
        if connection
            .chars()
            .any(|c| !(c.is_ascii_alphanumeric() || c == '-'))
        {
            return Err(invalid(format!(
                "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID '{}' is not valid: expected the service connection's ID, a GUID",
                connection.escape_default()
            )));
        }
        Ok(Proof::AzurePipelines {
            request_url,
            access_token: Secret::new(access_token),
            service_connection_id: connection.clone(),
        })
    };
    let how = format!(
        "Azure Pipelines workload identity federation (service connection {connection}), a fresh OIDC token before each sign-in"
    );
    Some(proof().and_then(|proof| found.entra(tenant, client, proof, &how)))
}

fn exported(found: &Found<'_>) -> Option<Result<Chosen, InputError>> {
    let client = (
        "servicePrincipalId".to_owned(),
        found.var("servicePrincipalId")?,
    );
    let tenant = ("tenantId".to_owned(), found.var("tenantId")?);
    if let Some(token) = found.var("idToken") {
        let proof = Proof::Assertion {
            token: Secret::new(token),
            source: "idToken",
            once: true,
        };
        let how = "the idToken AzureCLI@2 exported (addSpnToEnvironment)";
        return Some(found.entra(tenant, client, proof, how));
    }
    let secret = found.var("servicePrincipalKey")?;
    let proof = Proof::ClientSecret(Secret::new(secret));
    let how = "the servicePrincipalKey AzureCLI@2 exported (addSpnToEnvironment)";
    Some(found.entra(tenant, client, proof, how))
}

#[derive(Deserialize)]
struct PipelinesReply {
    #[serde(rename = "oidcToken")]
    oidc_token: String,
}

/// A fresh OIDC token of Azure Pipelines for the service connection,
/// masked as it arrives: its tokens live about ten minutes, and a wait
/// lasts hours.
pub(super) async fn token(
    fetch: &Fetch<'_>,
    request_url: &Url,
    access_token: &Secret,
    service_connection_id: &str,
) -> anyhow::Result<Secret> {
    let mut url = request_url.clone();
    url.query_pairs_mut()
        .append_pair("api-version", "7.1")
        .append_pair("serviceConnectionId", service_connection_id);
    let (status, body) = fetch
        .ask("Azure Pipelines", || {
            fetch
                .http
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
        format!(
            "Azure Pipelines answered the OIDC token request with HTTP {status} but no oidcToken"
        )
    })?;
    let jwt = Secret::new(reply.oidc_token);
    fetch.runner.mask(&jwt);
    Ok(jwt)
}

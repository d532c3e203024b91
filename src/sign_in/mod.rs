//! Where the sign-in comes from, and which way is used: the action's
//! inputs (a token, a client secret, GitHub OIDC), or for a command line
//! the environment, tried in the order README gives, with the sentence
//! that names the way chosen. Sends nothing and reads no variable itself:
//! the inputs and the environment are given.

use reqwest::Url;

use crate::credentials::{Credentials, Entra, OidcRequest, Proof};
use crate::inputs::{InputError, RawInputs, check_scheme, invalid, parse_service_url};
use crate::publish::Api;
use crate::secret::Secret;

/// The variables of the environment a command line may sign in with that
/// hold secrets: masked before anything else is printed.
pub const SECRET_VARIABLES: [&str; 7] = [
    "GO_LIVE_TOKEN",
    "AZURE_CLIENT_SECRET",
    "AZURE_FEDERATED_TOKEN",
    "SYSTEM_ACCESSTOKEN",
    "idToken",
    "servicePrincipalKey",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
];

/// Where the sign-in comes from.
pub enum SignIn {
    /// The action's inputs (`token`, `client_secret`, ...) and the GitHub
    /// OIDC request the runner gives.
    Inputs(OidcRequest),
    /// The environment, as the Azure SDKs read it (a command line).
    Environment(Vec<(String, String)>),
}

impl Default for SignIn {
    /// The action's inputs, without a GitHub OIDC request.
    fn default() -> SignIn {
        SignIn::Inputs(OidcRequest::default())
    }
}

/// The three ways to sign in, told apart by which inputs are given.
pub(crate) fn parse_credentials(
    raw: &RawInputs,
    oidc: OidcRequest,
    api: &dyn Api,
) -> Result<Credentials, InputError> {
    let token = raw.given("token");
    let tenant_id = raw.given("tenant_id");
    let client_id = raw.given("client_id");
    let client_secret = raw.given("client_secret");
    let authority = parse_authority(raw)?;
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
        let audience = api.scope().trim_end_matches("/.default");
        return Err(invalid(format!(
            "no way to sign in ({} not given): pass token (an access token for {audience}); or tenant_id, client_id and client_secret; or tenant_id and client_id alone to sign in with GitHub OIDC (the job needs permissions: id-token: write)",
            missing.join(" and ")
        )));
    };
    check_application("tenant_id", tenant_id, "client_id", client_id)?;
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
                audience: raw
                    .given("oidc_audience")
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

/// Refuses a tenant that cannot be a tenant (it goes into Entra's URL)
/// or a client ID with spaces or control characters, naming the input or
/// the variable each came from.
fn check_application(
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

/// Microsoft Entra, unless `authority_url` names another.
fn parse_authority(raw: &RawInputs) -> Result<Url, InputError> {
    const ENTRA: &str = "https://login.microsoftonline.com";
    parse_service_url(
        "authority_url",
        raw.given("authority_url").unwrap_or(ENTRA),
        ENTRA,
    )
}

/// The way a command line signs in, from the environment: the first of
/// these that applies, in this order (empty variables count as unset).
/// 1. `GO_LIVE_TOKEN`, used as it is.
/// 2. `AZURE_TENANT_ID`, `AZURE_CLIENT_ID` and `AZURE_CLIENT_SECRET`.
/// 3. The same two with `AZURE_FEDERATED_TOKEN_FILE` (read again before
///    each sign-in) or `AZURE_FEDERATED_TOKEN`.
/// 4. GitHub OIDC (`ACTIONS_ID_TOKEN_REQUEST_URL` and `_TOKEN`).
/// 5. Azure Pipelines federation: `SYSTEM_OIDCREQUESTURI`,
///    `SYSTEM_ACCESSTOKEN` and the service connection `AzureCLI@2` names
///    (`AZURESUBSCRIPTION_*`), a fresh OIDC token before each sign-in.
/// 6. What `AzureCLI@2` exports with `addSpnToEnvironment`
///    (`servicePrincipalId`, `tenantId`, and `idToken` or
///    `servicePrincipalKey`).
///
/// `--tenant-id` and `--client-id` come before the variables. Returns the
/// credentials, the sentence naming the way chosen, and notes.
pub(crate) fn environment_credentials(
    raw: &RawInputs,
    env: &[(String, String)],
    api: &dyn Api,
) -> Result<(Credentials, String, Vec<String>), InputError> {
    let var = |name: &str| {
        env.iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    };
    let mut notes = Vec::new();
    const MAP_IT: &str = "SYSTEM_OIDCREQUESTURI is set but SYSTEM_ACCESSTOKEN is not, so Azure Pipelines federation cannot be used: map it in the step (env: SYSTEM_ACCESSTOKEN: $(System.AccessToken))";
    let unmapped = var("SYSTEM_OIDCREQUESTURI").is_some() && var("SYSTEM_ACCESSTOKEN").is_none();
    if unmapped {
        notes.push(MAP_IT.to_owned());
    }
    if let Some(token) = var("GO_LIVE_TOKEN") {
        if token.chars().any(|c| c.is_control() || c == ' ') {
            return Err(invalid(
                "GO_LIVE_TOKEN contains spaces or control characters: pass the bare access token, without 'Bearer '".to_owned(),
            ));
        }
        return Ok((
            Credentials::Token(Secret::new(token)),
            "Signing in with GO_LIVE_TOKEN, used as it is".to_owned(),
            notes,
        ));
    }
    let authority = match var("AZURE_AUTHORITY_HOST") {
        Some(host) if raw.given("authority_url").is_none() => parse_service_url(
            "AZURE_AUTHORITY_HOST",
            &host,
            "https://login.microsoftonline.com",
        )?,
        _ => parse_authority(raw)?,
    };
    let entra = |tenant: (&str, String), client: (&str, String), proof: Proof| {
        let (tenant_name, tenant_id) = tenant;
        let (client_name, client_id) = client;
        check_application(tenant_name, &tenant_id, client_name, &client_id)?;
        Ok::<_, InputError>(Credentials::Entra(Box::new(Entra {
            authority: authority.clone(),
            tenant_id,
            client_id,
            proof,
        })))
    };
    // The flags first, then the variables of the flow.
    let pick = |flag: &'static str, variable: &'static str| -> Option<(&'static str, String)> {
        match raw.given(flag) {
            Some(value) => Some((flag, value.to_owned())),
            None => var(variable).map(|value| (variable, value)),
        }
    };
    let tenant = pick("tenant_id", "AZURE_TENANT_ID");
    let client = pick("client_id", "AZURE_CLIENT_ID");
    let named = |how: &str, client: &(&str, String)| {
        format!(
            "Signing in to Microsoft Entra as the application {} with {how}",
            client.1
        )
    };
    if let (Some(tenant), Some(client)) = (&tenant, &client) {
        if let Some(secret) = var("AZURE_CLIENT_SECRET") {
            let chosen = named("AZURE_CLIENT_SECRET", client);
            let proof = Proof::ClientSecret(Secret::new(secret));
            return Ok((entra(tenant.clone(), client.clone(), proof)?, chosen, notes));
        }
        if let Some(path) = var("AZURE_FEDERATED_TOKEN_FILE") {
            let chosen = named(
                "the federated token in AZURE_FEDERATED_TOKEN_FILE, read again before each sign-in",
                client,
            );
            let proof = Proof::TokenFile(std::path::PathBuf::from(path));
            return Ok((entra(tenant.clone(), client.clone(), proof)?, chosen, notes));
        }
        if let Some(token) = var("AZURE_FEDERATED_TOKEN") {
            let chosen = named("the federated token in AZURE_FEDERATED_TOKEN", client);
            let proof = Proof::Assertion {
                token: Secret::new(token),
                source: "AZURE_FEDERATED_TOKEN",
                once: false,
            };
            return Ok((entra(tenant.clone(), client.clone(), proof)?, chosen, notes));
        }
        if let (Some(url), Some(request_token)) = (
            var("ACTIONS_ID_TOKEN_REQUEST_URL"),
            var("ACTIONS_ID_TOKEN_REQUEST_TOKEN"),
        ) {
            let request_url = Url::parse(&url).map_err(|error| {
                invalid(format!(
                    "ACTIONS_ID_TOKEN_REQUEST_URL is not a URL ({error})"
                ))
            })?;
            let chosen = named("GitHub OIDC", client);
            let proof = Proof::GitHubOidc {
                request_url,
                request_token: Secret::new(request_token),
                audience: raw
                    .given("oidc_audience")
                    .unwrap_or("api://AzureADTokenExchange")
                    .to_owned(),
            };
            return Ok((entra(tenant.clone(), client.clone(), proof)?, chosen, notes));
        }
    }
    if let (Some(url), Some(access_token), Some(connection)) = (
        var("SYSTEM_OIDCREQUESTURI"),
        var("SYSTEM_ACCESSTOKEN"),
        var("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID"),
    ) {
        let tenant = pick("tenant_id", "AZURESUBSCRIPTION_TENANT_ID");
        let client = pick("client_id", "AZURESUBSCRIPTION_CLIENT_ID");
        if let (Some(tenant), Some(client)) = (tenant, client) {
            let request_url = Url::parse(&url).map_err(|error| {
                invalid(format!("SYSTEM_OIDCREQUESTURI is not a URL ({error})"))
            })?;
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
            let chosen = named(
                &format!(
                    "Azure Pipelines workload identity federation (service connection {connection}), a fresh OIDC token before each sign-in"
                ),
                &client,
            );
            let proof = Proof::AzurePipelines {
                request_url,
                access_token: Secret::new(access_token),
                service_connection_id: connection,
            };
            return Ok((entra(tenant, client, proof)?, chosen, notes));
        }
    }
    if let (Some(client), Some(tenant)) = (var("servicePrincipalId"), var("tenantId")) {
        let client = ("servicePrincipalId", client);
        let tenant = ("tenantId", tenant);
        if let Some(token) = var("idToken") {
            let chosen = named(
                "the idToken AzureCLI@2 exported (addSpnToEnvironment)",
                &client,
            );
            let proof = Proof::Assertion {
                token: Secret::new(token),
                source: "idToken",
                once: true,
            };
            return Ok((entra(tenant, client, proof)?, chosen, notes));
        }
        if let Some(secret) = var("servicePrincipalKey") {
            let chosen = named(
                "the servicePrincipalKey AzureCLI@2 exported (addSpnToEnvironment)",
                &client,
            );
            let proof = Proof::ClientSecret(Secret::new(secret));
            return Ok((entra(tenant, client, proof)?, chosen, notes));
        }
    }
    let audience = api.scope().trim_end_matches("/.default");
    let mut message = format!(
        "no way to sign in was found in the environment: set GO_LIVE_TOKEN (an access token for {audience}); or AZURE_TENANT_ID and AZURE_CLIENT_ID with AZURE_CLIENT_SECRET or AZURE_FEDERATED_TOKEN_FILE; or run where GitHub OIDC (permissions: id-token: write) or an AzureCLI@2 step with a workload identity service connection gives one"
    );
    if tenant.is_some() != client.is_some() {
        message.push_str(&format!(
            " ({} is not set)",
            if tenant.is_none() {
                "AZURE_TENANT_ID"
            } else {
                "AZURE_CLIENT_ID"
            }
        ));
    }
    if unmapped {
        message.push_str("; ");
        message.push_str(MAP_IT);
    }
    Err(invalid(message))
}

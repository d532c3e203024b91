//! The action's inputs: `token`, or `tenant_id` and `client_id` with
//! `client_secret`, or the two alone for GitHub OIDC through the request
//! the runner gives.

use super::{Credentials, Entra, OidcRequest, Proof, bare_token, entra, github};
use crate::inputs::{InputError, RawInputs, invalid};
use crate::secret::Secret;
use crate::surface::Surface;

/// The three ways to sign in, told apart by which inputs are given.
/// `scope` is the API's, named when no way is given.
pub(crate) fn parse_credentials(
    raw: &RawInputs,
    oidc: OidcRequest,
    scope: &str,
) -> Result<Credentials, InputError> {
    let token = raw.given("token");
    let tenant_id = raw.given("tenant_id");
    let client_id = raw.given("client_id");
    let client_secret = raw.given("client_secret");
    let authority = entra::authority(raw, Surface::Action)?;
    if token.is_some() && client_secret.is_some() {
        return Err(invalid(
            "token and client_secret are both given, and it is not clear which to use: pass token alone, or tenant_id, client_id and client_secret without token".to_owned(),
        ));
    }
    if let Some(token) = token {
        return bare_token("token", token.to_owned());
    }
    let (Some(tenant_id), Some(client_id)) = (tenant_id, client_id) else {
        let missing: Vec<&str> = [("tenant_id", tenant_id), ("client_id", client_id)]
            .into_iter()
            .filter(|(_, value)| value.is_none())
            .map(|(name, _)| name)
            .collect();
        let audience = scope.trim_end_matches("/.default");
        return Err(invalid(format!(
            "no way to sign in ({} not given): pass token (an access token for {audience}); or tenant_id, client_id and client_secret; or tenant_id and client_id alone to sign in with GitHub OIDC (the job needs permissions: id-token: write)",
            missing.join(" and ")
        )));
    };
    entra::check_application("tenant_id", tenant_id, "client_id", client_id)?;
    let proof = match client_secret {
        Some(secret) => Proof::ClientSecret(Secret::new(secret.to_owned())),
        None => {
            let (Some(url), Some(request_token)) = (oidc.url, oidc.token) else {
                return Err(invalid(
                    "tenant_id and client_id are given without client_secret, so GitHub OIDC is used, but ACTIONS_ID_TOKEN_REQUEST_URL is not set: the workflow lacks permissions: id-token: write (add it to the job), or pass client_secret".to_owned(),
                ));
            };
            github::proof(&url, request_token, raw)?
        }
    };
    Ok(Credentials::Entra(Box::new(Entra {
        authority,
        tenant_id: tenant_id.to_owned(),
        client_id: client_id.to_owned(),
        proof,
    })))
}

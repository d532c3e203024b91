//! Microsoft Entra's v2 token endpoint (client secret or client assertion,
//! one token per scope), and the OIDC providers whose tokens its
//! application trusts through federated credentials: GitHub's OIDC token
//! endpoint, Azure Pipelines' (for one service connection, with the job's
//! access token) and GitLab's ID tokens. The tokens are unsigned JWTs,
//! accepted for `assertion_lifetime`.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Form, Path, Query, State as Shared};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use base64::Engine;
use serde_json::{Value, json};

use crate::{Scope, SharedWorld, World, json_answer};

pub(crate) fn routes() -> Router<SharedWorld> {
    Router::new()
        .route("/{tenant}/oauth2/v2.0/token", post(token))
        .route("/oidc/token", get(oidc_token))
        .route("/azp/oidctoken", post(pipelines_token))
}

pub(crate) const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";
pub(crate) const PIPELINES_ISSUER: &str =
    "https://vstoken.dev.azure.com/6f1a3b5c-7d9e-4f21-8a3b-5c7d9e1f2a4b";
pub(crate) const GITLAB_ISSUER: &str = "https://gitlab.com";
/// The audience every federated credential of the application has.
const EXCHANGE_AUDIENCE: &str = "api://AzureADTokenExchange";

/// An unsigned JWT from `issuer`, accepted for `assertion_lifetime`.
pub(crate) fn mint(world: &mut World, issuer: &str, subject: &str, audience: &str) -> String {
    mint_with(world, issuer, subject, audience, json!({}))
}

fn mint_with(
    world: &mut World,
    issuer: &str,
    subject: &str,
    audience: &str,
    extra: Value,
) -> String {
    let n = world.next_id();
    let jti = format!("emulator-{n}");
    let lifetime = world.knobs.assertion_lifetime;
    world
        .assertions
        .insert(jti.clone(), std::time::Instant::now() + lifetime);
    let encode =
        |value: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string());
    let mut claims = json!({"jti": jti, "sub": subject, "aud": audience, "iss": issuer});
    if let (Some(claims), Value::Object(extra)) = (claims.as_object_mut(), extra) {
        claims.extend(extra);
    }
    format!(
        "{}.{}.",
        encode(json!({"alg": "none", "typ": "JWT"})),
        encode(claims)
    )
}

/// Writes a fresh GitLab ID token to `federated_token_file`, the one there
/// before refused from now on.
pub(crate) fn renew_token_file(world: &mut World) {
    let Some(path) = world.knobs.federated_token_file.clone() else {
        return;
    };
    if let Some(old) = world.token_file_jti.take() {
        world.assertions.remove(&old);
    }
    let subject = world.knobs.gitlab_subject.clone();
    let token = mint(world, GITLAB_ISSUER, &subject, EXCHANGE_AUDIENCE);
    world.token_file_jti = jwt_claim(&token, "jti");
    std::fs::write(&path, token).expect("the emulator writes the token file");
}

fn refuse(status: u16, error: &str, code: &str, text: &str) -> Response {
    json_answer(
        status,
        json!({
            "error": error,
            "error_description": format!("{code}: {text}\r\nTrace ID: 00000000-0000-0000-0000-000000000000\r\nCorrelation ID: 00000000-0000-0000-0000-000000000000\r\nTimestamp: 2026-01-01 00:00:00Z"),
            "error_codes": [code.trim_start_matches("AADSTS").parse::<u64>().unwrap_or(0)],
        }),
    )
}

async fn token(
    Shared(world): Shared<SharedWorld>,
    Path(tenant): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let mut world = world.lock().unwrap();
    let form = |name: &str| form.get(name).cloned();
    if tenant != world.knobs.tenant_id {
        return refuse(
            400,
            "invalid_request",
            "AADSTS90002",
            &format!("Tenant '{tenant}' not found."),
        );
    }
    let scope = form("scope").as_deref().and_then(Scope::from_form);
    let (Some(scope), Some("client_credentials")) = (scope, form("grant_type").as_deref()) else {
        return refuse(
            400,
            "invalid_request",
            "AADSTS900144",
            "The request body must contain grant_type client_credentials and a known scope.",
        );
    };
    if form("client_id").as_deref() != Some(world.knobs.client_id.as_str()) {
        return refuse(
            400,
            "unauthorized_client",
            "AADSTS700016",
            "Application was not found in the directory.",
        );
    }
    match (form("client_secret"), form("client_assertion")) {
        (Some(secret), None) if secret == world.knobs.client_secret => {}
        (Some(_), None) => {
            return refuse(
                401,
                "invalid_client",
                "AADSTS7000215",
                "Invalid client secret provided.",
            );
        }
        (None, Some(assertion)) => {
            if let Some(refusal) = check_assertion(&mut world, &assertion) {
                return refusal;
            }
        }
        _ => {
            return refuse(
                400,
                "invalid_request",
                "AADSTS900144",
                "The request body must contain client_secret or client_assertion.",
            );
        }
    }
    let token = world.issue_token(scope);
    let lifetime = world.knobs.token_lifetime.as_secs();
    json_answer(
        200,
        json!({"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime, "access_token": token}),
    )
}

/// Entra's federated credentials: one per issuer (GitHub, Azure
/// Pipelines, GitLab), each with its subject and the exchange audience,
/// and the token within its lifetime. A sign-in with the token of the
/// token file renews the file.
fn check_assertion(world: &mut World, assertion: &str) -> Option<Response> {
    let claim = |name: &str| jwt_claim(assertion, name).unwrap_or_default();
    let (issuer, subject, audience, jti) = (claim("iss"), claim("sub"), claim("aud"), claim("jti"));
    let credentials = [
        (GITHUB_ISSUER, world.knobs.federated_subject.as_str()),
        (PIPELINES_ISSUER, world.knobs.pipelines_subject.as_str()),
        (GITLAB_ISSUER, world.knobs.gitlab_subject.as_str()),
    ];
    if !credentials.contains(&(issuer.as_str(), subject.as_str())) {
        return Some(refuse(
            400,
            "invalid_request",
            "AADSTS70021",
            &format!(
                "No matching federated identity record found for presented assertion subject '{subject}'."
            ),
        ));
    }
    if audience != EXCHANGE_AUDIENCE && issuer != GITHUB_ISSUER {
        return Some(refuse(
            400,
            "invalid_request",
            "AADSTS700212",
            &format!(
                "No matching federated identity record found for presented assertion audience '{audience}'."
            ),
        ));
    }
    let live = world
        .assertions
        .get(&jti)
        .is_some_and(|until| std::time::Instant::now() < *until);
    if !live {
        return Some(refuse(
            400,
            "invalid_client",
            "AADSTS700024",
            "Client assertion is not within its valid time range.",
        ));
    }
    if world.knobs.single_use_assertions {
        world.assertions.remove(&jti);
    }
    if world.token_file_jti.as_deref() == Some(jti.as_str()) {
        renew_token_file(world);
    }
    None
}

/// Azure Pipelines' OIDC token request: the job's access token, the
/// redirect suppressed, and a service connection it knows.
async fn pipelines_token(
    Shared(world): Shared<SharedWorld>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let mut world = world.lock().unwrap();
    let expected = format!("Bearer {}", world.knobs.pipelines_access_token);
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
        return json_answer(
            401,
            json!({"message": "TF400813: The user is not authorized to access this resource."}),
        );
    }
    if headers
        .get("x-tfs-fedauthredirect")
        .and_then(|v| v.to_str().ok())
        != Some("Suppress")
    {
        return json_answer(302, json!({"message": "redirected to sign in"}));
    }
    let connection = query
        .get("serviceConnectionId")
        .cloned()
        .unwrap_or_default();
    if !query.contains_key("api-version") || connection != world.knobs.service_connection_id {
        return json_answer(
            400,
            json!({"message": format!("No service connection found with identifier {connection}.")}),
        );
    }
    let subject = world.knobs.pipelines_subject.clone();
    let jwt = mint(&mut world, PIPELINES_ISSUER, &subject, EXCHANGE_AUDIENCE);
    json_answer(200, json!({"oidcToken": jwt}))
}

async fn oidc_token(
    Shared(world): Shared<SharedWorld>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let mut world = world.lock().unwrap();
    let expected = format!("Bearer {}", world.knobs.oidc_request_token);
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
        return json_answer(401, json!({"message": "Bad credentials"}));
    }
    let audience = query
        .get("audience")
        .cloned()
        .unwrap_or_else(|| "https://github.com/contoso".into());
    let subject = world.knobs.oidc_subject.clone();
    let parts: Vec<&str> = subject.split(':').collect();
    let (repository, environment) = (
        parts.get(1).copied().unwrap_or(""),
        parts.get(3).copied().unwrap_or(""),
    );
    let extra = json!({
        "repository": repository,
        "environment": environment,
        "ref": "refs/heads/main",
    });
    let jwt = mint_with(&mut world, GITHUB_ISSUER, &subject, &audience, extra);
    json_answer(200, json!({"count": 1, "value": jwt}))
}

/// A claim of an unsigned JWT.
fn jwt_claim(jwt: &str, name: &str) -> Option<String> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let claims: Value = serde_json::from_slice(&bytes).ok()?;
    claims.get(name)?.as_str().map(str::to_owned)
}

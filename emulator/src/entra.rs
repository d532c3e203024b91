//! Microsoft Entra's v2 token endpoint (client secret or client assertion,
//! one token per scope) and GitHub's OIDC token endpoint (unsigned JWTs
//! with a configurable subject).

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Form, Path, Query, State as Shared};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use base64::Engine;
use serde_json::{Value, json};

use crate::{Scope, SharedWorld, json_answer};

pub(crate) fn routes() -> Router<SharedWorld> {
    Router::new()
        .route("/{tenant}/oauth2/v2.0/token", post(token))
        .route("/oidc/token", get(oidc_token))
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
            let subject = jwt_claim(&assertion, "sub");
            if subject.as_deref() != Some(world.knobs.federated_subject.as_str()) {
                return refuse(
                    400,
                    "invalid_request",
                    "AADSTS70021",
                    &format!(
                        "No matching federated identity record found for presented assertion subject '{}'.",
                        subject.unwrap_or_default()
                    ),
                );
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
    let n = world.next_id();
    let subject = world.knobs.oidc_subject.clone();
    let parts: Vec<&str> = subject.split(':').collect();
    let (repository, environment) = (
        parts.get(1).copied().unwrap_or(""),
        parts.get(3).copied().unwrap_or(""),
    );
    let encode =
        |value: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string());
    let jwt = format!(
        "{}.{}.",
        encode(json!({"alg": "none", "typ": "JWT"})),
        encode(json!({
            "jti": format!("emulator-{n}"),
            "sub": subject,
            "aud": audience,
            "iss": "https://token.actions.githubusercontent.com",
            "repository": repository,
            "environment": environment,
            "ref": "refs/heads/main",
        }))
    );
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

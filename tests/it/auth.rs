//! Signing in, through the real binary against mock Entra and GitHub OIDC
//! endpoints: the three modes, the inputs that cannot be used, Entra's
//! errors with their hints, renewal during a long wait, and a 401 mid-wait.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::{Action, Run};
use base64::Engine;
use mockito::{Matcher, Mock, Server, ServerGuard};
use serde_json::json;

const TENANT: &str = "11111111-2222-3333-4444-555555555555";
const CLIENT: &str = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
const CLIENT_SECRET: &str = "client-secret-value-9d8c7b";
const REQUEST_TOKEN: &str = "oidc-request-token-5e4d3c";
const ACCESS_TOKEN: &str = "entra-access-token-1a2b3c";
const TOKEN_PATH: &str = "/11111111-2222-3333-4444-555555555555/oauth2/v2.0/token";
const GO_LIVE_PATH: &str = "/api/publishers/contoso/offers/contoso-vm/golive";

fn github_jwt() -> String {
    let encode = |value: serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
    };
    format!(
        "{}.{}.signature-part",
        encode(json!({"alg": "RS256", "typ": "JWT"})),
        encode(json!({
            "sub": "repo:contoso/app:environment:production",
            "aud": "api://AzureADTokenExchange",
            "iss": "https://token.actions.githubusercontent.com",
            "repository": "contoso/app",
            "environment": "production",
            "ref": "refs/heads/main",
            "actor": "someone"
        }))
    )
}

/// Entra's answer to a successful sign-in.
fn token_reply(access_token: &str, expires_in: impl Into<serde_json::Value>) -> String {
    let expires_in = expires_in.into();
    json!({"token_type": "Bearer", "expires_in": expires_in, "access_token": access_token})
        .to_string()
}

/// The mock services of one run: the API, Entra, and GitHub's OIDC endpoint.
struct Services {
    api: ServerGuard,
    entra: ServerGuard,
    github: ServerGuard,
}

impl Services {
    fn new() -> Services {
        Services {
            api: Server::new(),
            entra: Server::new(),
            github: Server::new(),
        }
    }

    fn go_live(&mut self, token: &str, hits: usize) -> Mock {
        self.api
            .mock("POST", GO_LIVE_PATH)
            .match_query(Matcher::Any)
            .match_header("authorization", format!("Bearer {token}").as_str())
            .with_status(202)
            .with_header("location", "/api/operations/op-1")
            .expect(hits)
            .create()
    }

    fn github_token(&mut self, hits: usize) -> Mock {
        self.github
            .mock("GET", "/token")
            .match_query(Matcher::AllOf(vec![
                Matcher::UrlEncoded("api-version".into(), "2.0".into()),
                Matcher::UrlEncoded("audience".into(), "api://AzureADTokenExchange".into()),
            ]))
            .match_header("authorization", format!("Bearer {REQUEST_TOKEN}").as_str())
            .with_body(json!({"count": 1, "value": github_jwt()}).to_string())
            .expect(hits)
            .create()
    }

    /// Signs in with a client secret.
    fn with_secret(&self) -> Action {
        Action::new(&self.api.url())
            .with("token", "")
            .with("tenant_id", TENANT)
            .with("client_id", CLIENT)
            .with("client_secret", CLIENT_SECRET)
            .with("authority_url", &self.entra.url())
            .secret(CLIENT_SECRET)
            .secret(ACCESS_TOKEN)
            .secret("entra-access-token-")
    }

    /// Signs in with GitHub OIDC.
    fn with_oidc(&self) -> Action {
        Action::new(&self.api.url())
            .with("token", "")
            .with("tenant_id", TENANT)
            .with("client_id", CLIENT)
            .with("authority_url", &self.entra.url())
            .env(
                "ACTIONS_ID_TOKEN_REQUEST_URL",
                &format!("{}/token?api-version=2.0", self.github.url()),
            )
            .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", REQUEST_TOKEN)
            .secret(REQUEST_TOKEN)
            .secret(&github_jwt())
            .secret(ACCESS_TOKEN)
    }
}

fn form(pairs: &[(&str, &str)]) -> Matcher {
    Matcher::AllOf(
        pairs
            .iter()
            .map(|(k, v)| Matcher::UrlEncoded((*k).into(), (*v).into()))
            .collect(),
    )
}

#[test]
fn a_token_is_used_as_it_is() {
    let mut services = Services::new();
    let entra = services.entra.mock("POST", Matcher::Any).expect(0).create();
    let go_live = services.go_live(crate::support::TOKEN, 1);
    let run = Action::new(&services.api.url()).run();
    entra.assert();
    go_live.assert();
    assert_eq!(run.code, Some(0), "{}", run.stdout);
}

#[test]
fn client_secret_sign_in() {
    let mut services = Services::new();
    let token = services
        .entra
        .mock("POST", TOKEN_PATH)
        .match_header("content-type", "application/x-www-form-urlencoded")
        .match_body(form(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT),
            ("client_secret", CLIENT_SECRET),
            ("scope", "https://cloudpartner.azure.com/.default"),
        ]))
        .with_body(token_reply(ACCESS_TOKEN, 3599))
        .expect(1)
        .create();
    let go_live = services.go_live(ACCESS_TOKEN, 1);
    let run = services.with_secret().run();
    token.assert();
    go_live.assert();
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(
        run.stdout
            .starts_with(&format!("::add-mask::{CLIENT_SECRET}\n")),
        "{}",
        run.stdout
    );
    assert!(
        run.masked_before(ACCESS_TOKEN, "go-live accepted"),
        "{}",
        run.stdout
    );
}

#[test]
fn github_oidc_sign_in_without_any_secret() {
    let mut services = Services::new();
    let oidc = services.github_token(1);
    let token = services
        .entra
        .mock("POST", TOKEN_PATH)
        .match_body(form(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT),
            ("scope", "https://cloudpartner.azure.com/.default"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", &github_jwt()),
        ]))
        .match_request(|request| {
            !String::from_utf8_lossy(request.body().unwrap()).contains("client_secret")
        })
        .with_body(token_reply(ACCESS_TOKEN, 3599))
        .expect(1)
        .create();
    let go_live = services.go_live(ACCESS_TOKEN, 1);
    let run = services.with_oidc().run();
    oidc.assert();
    token.assert();
    go_live.assert();
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(
        run.masked_before(&github_jwt(), "go-live accepted"),
        "{}",
        run.stdout
    );
    assert!(
        run.masked_before(ACCESS_TOKEN, "go-live accepted"),
        "{}",
        run.stdout
    );
}

/// Inputs that cannot be used: exit 2, the message names them, nothing is
/// sent anywhere.
#[track_caller]
fn check_unusable(action: Action, services: &mut Services, expected: &[&str]) {
    let mocks = [
        services.entra.mock("POST", Matcher::Any).expect(0).create(),
        services.github.mock("GET", Matcher::Any).expect(0).create(),
        services.api.mock("POST", Matcher::Any).expect(0).create(),
    ];
    let run = action.run();
    for mock in mocks {
        mock.assert();
    }
    assert_eq!(run.code, Some(2), "{}", run.stdout);
    let error = run.error();
    for fragment in expected {
        assert!(error.contains(fragment), "{fragment:?} not in {error:?}");
    }
}

#[test]
fn ambiguous_and_missing_credentials_are_refused() {
    let mut services = Services::new();
    let both = services.with_secret().with("token", crate::support::TOKEN);
    check_unusable(
        both,
        &mut services,
        &["token and client_secret are both given"],
    );

    let none = services
        .with_secret()
        .with("client_secret", "")
        .with("tenant_id", "")
        .with("client_id", "");
    check_unusable(
        none,
        &mut services,
        &[
            "no way to sign in (tenant_id and client_id not given)",
            "pass token",
            "client_secret",
            "id-token: write",
        ],
    );

    let no_client = services.with_secret().with("client_id", "");
    check_unusable(
        no_client,
        &mut services,
        &["no way to sign in (client_id not given)"],
    );

    let no_permission = services.with_secret().with("client_secret", "");
    check_unusable(
        no_permission,
        &mut services,
        &[
            "ACTIONS_ID_TOKEN_REQUEST_URL is not set",
            "permissions: id-token: write",
        ],
    );

    let bad_tenant = services.with_secret().with("tenant_id", "../common");
    check_unusable(
        bad_tenant,
        &mut services,
        &["tenant_id '../common' is not valid"],
    );
}

/// Entra refuses the sign-in with `code`: the error shows Entra's words and
/// the hint, and no request reaches the API.
#[track_caller]
fn check_entra_error(oidc: bool, error: &str, code: &str, expected: &[&str]) -> Run {
    let mut services = Services::new();
    let _oidc = services.github_token(usize::from(oidc));
    let description = format!(
        "{code}: The request was refused.\r\nTrace ID: 0000\r\nCorrelation ID: 1111\r\nTimestamp: 2026-11-21 05:00:00Z"
    );
    let token = services
        .entra
        .mock("POST", TOKEN_PATH)
        .with_status(401)
        .with_body(json!({"error": error, "error_description": description, "error_codes": [code.trim_start_matches("AADSTS")]}).to_string())
        .expect(1)
        .create();
    let api = services.api.mock("POST", Matcher::Any).expect(0).create();
    let run = if oidc {
        services.with_oidc()
    } else {
        services.with_secret()
    }
    .run();
    token.assert();
    api.assert();
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    let message = run.error();
    assert!(
        message.contains(&format!(
            "HTTP 401 ({error}): {code}: The request was refused."
        )),
        "{message}"
    );
    assert!(!message.contains("Trace ID"), "{message}");
    assert!(message.contains("no go-live request was sent"), "{message}");
    for fragment in expected {
        assert!(
            message.contains(fragment),
            "{fragment:?} not in {message:?}"
        );
    }
    run
}

#[test]
fn entra_errors_come_with_a_hint() {
    check_entra_error(
        false,
        "invalid_client",
        "AADSTS7000215",
        &["pass the secret's value, not its ID"],
    );
    check_entra_error(
        false,
        "invalid_client",
        "AADSTS7000222",
        &["the client secret has expired"],
    );
    check_entra_error(
        false,
        "unauthorized_client",
        "AADSTS700016",
        &["check client_id and tenant_id"],
    );
    check_entra_error(
        false,
        "invalid_request",
        "AADSTS90002",
        &["the tenant was not found: check tenant_id"],
    );
}

#[test]
fn a_federated_credential_mismatch_shows_the_subject() {
    for code in ["AADSTS70021", "AADSTS700213"] {
        let run = check_entra_error(
            true,
            "invalid_client",
            code,
            &[
                "no federated credential",
                "repo:OWNER/REPO:environment:NAME",
                "sub: repo:contoso/app:environment:production",
                "aud: api://AzureADTokenExchange",
                "iss: https://token.actions.githubusercontent.com",
                "repository: contoso/app",
                "environment: production",
                "ref: refs/heads/main",
            ],
        );
        assert!(
            !run.error().contains("someone"),
            "only identifying claims are shown"
        );
    }
}

/// Tokens that live two seconds, during a wait of several seconds: every
/// API request carries a token that has not expired.
#[test]
fn tokens_are_renewed_before_they_expire() {
    const LIFETIME: Duration = Duration::from_secs(2);
    let mut services = Services::new();
    let issued: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let issued_by_entra = issued.clone();
    let token = services
        .entra
        .mock("POST", TOKEN_PATH)
        .with_body_from_request(move |_| {
            let mut issued = issued_by_entra.lock().unwrap();
            issued.push(Instant::now());
            token_reply(
                &format!("entra-access-token-{}", issued.len()),
                LIFETIME.as_secs(),
            )
            .into_bytes()
        })
        .expect_at_least(3)
        .create();
    let started = Instant::now();
    let used_expired: Arc<Mutex<Vec<String>>> = Arc::default();
    let checked = (issued.clone(), used_expired.clone());
    let status = services
        .api
        .mock("GET", "/api/operations/op-1")
        .match_query(Matcher::Any)
        .with_body_from_request(move |request| {
            let auth = request.header("authorization")[0]
                .to_str()
                .unwrap()
                .to_owned();
            let number: usize = auth
                .trim_start_matches("Bearer entra-access-token-")
                .parse()
                .unwrap();
            let issued_at = checked.0.lock().unwrap()[number - 1];
            if issued_at.elapsed() >= LIFETIME {
                checked.1.lock().unwrap().push(format!(
                    "token {number} used {:?} after issue",
                    issued_at.elapsed()
                ));
            }
            let status = if started.elapsed() > Duration::from_millis(4500) {
                "completed"
            } else {
                "running"
            };
            json!({"status": status}).to_string().into_bytes()
        })
        .expect_at_least(10)
        .create();
    let go_live = services
        .api
        .mock("POST", GO_LIVE_PATH)
        .match_query(Matcher::Any)
        .with_status(202)
        .with_header("location", "/api/operations/op-1")
        .create();
    let run = services
        .with_secret()
        .with("wait", "true")
        .with("poll_interval", "100ms")
        .with("wait_timeout", "30s")
        .run();
    token.assert();
    status.assert();
    go_live.assert();
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(used_expired.lock().unwrap().as_slice(), &[] as &[String]);
}

/// The service refuses a token mid-wait (`refusals` times in a row): one new
/// token is fetched and the request repeated.
#[track_caller]
fn check_refused_mid_wait(refusals: usize) -> Run {
    let mut services = Services::new();
    let issued = Arc::new(Mutex::new(0usize));
    let counter = issued.clone();
    let token = services
        .entra
        .mock("POST", TOKEN_PATH)
        .with_body_from_request(move |_| {
            let mut issued = counter.lock().unwrap();
            *issued += 1;
            token_reply(&format!("entra-access-token-{issued}"), 3600).into_bytes()
        })
        .expect(2)
        .create();
    let go_live = services.go_live("entra-access-token-1", 1);
    let api = &mut services.api;
    let running = api
        .mock("GET", "/api/operations/op-1")
        .match_query(Matcher::Any)
        .match_header("authorization", "Bearer entra-access-token-1")
        .with_body(r#"{"status":"running"}"#)
        .expect(2)
        .create();
    let refused = api
        .mock("GET", "/api/operations/op-1")
        .match_query(Matcher::Any)
        .with_status(401)
        .expect(refusals)
        .create();
    let done = api
        .mock("GET", "/api/operations/op-1")
        .match_query(Matcher::Any)
        .match_header("authorization", "Bearer entra-access-token-2")
        .with_body(r#"{"status":"succeeded"}"#)
        .expect(usize::from(refusals == 1))
        .create();
    let run = services.with_secret().with("wait", "true").run();
    token.assert();
    go_live.assert();
    running.assert();
    refused.assert();
    done.assert();
    run
}

#[test]
fn a_401_mid_wait_is_recovered_with_one_new_token() {
    let run = check_refused_mid_wait(1);
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(run.outputs["status"], "succeeded");

    let run = check_refused_mid_wait(2);
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(
        run.error()
            .contains("HTTP 401 Unauthorized: the API refused a freshly issued access token"),
        "{}",
        run.stdout
    );
}

#[test]
fn any_lifetime_entra_gives_is_survived() {
    for expires_in in [
        json!(10000000000000000000u64),
        json!(1e300),
        json!(-5),
        json!("99999999999999999999999"),
        json!(3599.5),
        json!(null),
    ] {
        let mut services = Services::new();
        let token = services
            .entra
            .mock("POST", TOKEN_PATH)
            .with_body(token_reply(ACCESS_TOKEN, expires_in.clone()))
            .expect(1)
            .create();
        let go_live = services.go_live(ACCESS_TOKEN, 1);
        let run = services.with_secret().run();
        token.assert();
        go_live.assert();
        assert_eq!(
            run.code,
            Some(0),
            "{expires_in}: {}{}",
            run.stdout,
            run.stderr
        );
    }
}

#[test]
fn an_access_token_that_cannot_be_a_header_is_never_sent() {
    let mut services = Services::new();
    services
        .entra
        .mock("POST", TOKEN_PATH)
        .with_body(token_reply("entra-access-token-with\nnewline", 3600))
        .expect(1)
        .create();
    let go_live = services.api.mock("POST", Matcher::Any).expect(0).create();
    let run = services.with_secret().run();
    go_live.assert();
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert_eq!(run.outputs["status"], "failed");
    let error = run.error();
    assert!(
        error.contains("an access token that cannot be sent in a header"),
        "{error}"
    );
    assert!(error.contains("no go-live request was sent"), "{error}");
}

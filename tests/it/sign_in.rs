//! Signing in from the command line, each way of the chain through the
//! built binary against the emulator's Entra and OIDC providers: the first
//! way that applies is used and named; a federated token is asked for (or
//! read) again before each sign-in, so that a wait longer than its
//! lifetime goes on; every token and assertion is masked where the host
//! masks and printed nowhere; refusals say what to fix.

use std::time::Duration;

use crate::support::cli::{Line, Ran};
use crate::support::emulated::{OFFER, STEP};
use marketplace_emulator::agents::azure_pipelines;
use marketplace_emulator::{Emulator, Knobs};

/// Entra's access tokens live less than a second (so each request signs in
/// again) and every OIDC token is good for one sign-in, while the go-live
/// waits about a second: every sign-in needs a fresh assertion, however
/// busy the machine.
fn short_lived(token_file: Option<std::path::PathBuf>) -> Knobs {
    Knobs {
        token_lifetime: Duration::from_millis(200),
        single_use_assertions: true,
        live_duration: Duration::from_millis(900),
        federated_token_file: token_file,
        ..Knobs::new(STEP)
    }
}

fn published(knobs: Knobs) -> (Emulator, Knobs) {
    let emulator = Emulator::start(knobs.clone());
    emulator.publish("contoso", OFFER).unwrap();
    assert!(emulator.wait_for_signoff("contoso", OFFER, Duration::from_secs(20)));
    (emulator, knobs)
}

/// A waiting go-live of contoso/contoso-vm, signing in at the emulator.
fn go_live(emulator: &Emulator) -> Line {
    Line::new(&["live", "--offer", &format!("contoso/{OFFER}"), "--wait"])
        .args(&[
            "--api-url",
            emulator.url(),
            "--authority-url",
            emulator.url(),
        ])
        .args(&["--poll-interval", "10ms", "--wait-timeout", "1m"])
}

/// The client assertions Entra received, in order.
fn assertions(emulator: &Emulator) -> Vec<String> {
    emulator
        .requests()
        .into_iter()
        .filter(|r| r.target.ends_with("/oauth2/v2.0/token"))
        .filter_map(|r| {
            url::form_urlencoded::parse(r.body.as_bytes())
                .find(|(key, _)| key == "client_assertion")
                .map(|(_, value)| value.into_owned())
        })
        .collect()
}

#[track_caller]
fn check_renewed(ran: &Ran, emulator: &Emulator) -> Vec<String> {
    assert_eq!(ran.code, Some(0), "{}", ran.both());
    let assertions = assertions(emulator);
    assert!(assertions.len() >= 3, "{} sign-ins", assertions.len());
    let mut distinct = assertions.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        assertions.len(),
        "an assertion was used twice"
    );
    for assertion in &assertions {
        for line in ran.both().lines() {
            assert!(
                line.starts_with("##vso[task.setsecret]") || !line.contains(assertion.as_str()),
                "{line}"
            );
        }
    }
    assertions
}

#[test]
fn gitlab_s_token_file_is_read_again_before_each_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("id-token");
    let (emulator, knobs) = published(short_lived(Some(file.clone())));
    let ran = go_live(&emulator)
        .env("GITLAB_CI", "true")
        .env("AZURE_TENANT_ID", &knobs.tenant_id)
        .env("AZURE_CLIENT_ID", &knobs.client_id)
        .env("AZURE_FEDERATED_TOKEN_FILE", file.to_str().unwrap())
        .run();
    check_renewed(&ran, &emulator);
    assert!(
        ran.stderr.contains(&format!(
            "Signing in to Microsoft Entra as the application {} with the federated token in AZURE_FEDERATED_TOKEN_FILE",
            knobs.client_id
        )),
        "{}",
        ran.stderr
    );
}

fn pipelines(mut line: Line, emulator: &Emulator) -> Line {
    for (name, value) in emulator.pipelines_env() {
        line = line.env(name, &value);
    }
    line
}

#[test]
fn azure_pipelines_federation_asks_for_a_fresh_token_before_each_sign_in() {
    let (emulator, knobs) = published(short_lived(None));
    let ran = pipelines(go_live(&emulator), &emulator).run();
    let assertions = check_renewed(&ran, &emulator);
    let asked = emulator
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.target.starts_with("/azp/oidctoken?"))
        .collect::<Vec<_>>();
    assert_eq!(asked.len(), assertions.len());
    assert!(
        asked[0].target.contains("api-version=7.1"),
        "{}",
        asked[0].target
    );
    assert!(asked[0].target.contains(&knobs.service_connection_id));
    let view = azure_pipelines(&ran.both());
    assert!(view.failures.is_empty(), "{:?}", view.failures);
    // The job's access token is a secret before anything else is said, and
    // each OIDC token becomes one as it arrives.
    assert_eq!(view.commands[0].name, "task.setsecret");
    assert_eq!(view.commands[0].data, knobs.pipelines_access_token);
    for assertion in &assertions {
        assert!(
            view.commands
                .iter()
                .any(|c| c.name == "task.setsecret" && c.data == *assertion)
        );
    }
    assert_eq!(view.outputs["status"], "succeeded");
    assert!(
        ran.stdout
            .contains("with Azure Pipelines workload identity federation"),
        "{}",
        ran.stdout
    );
}

#[test]
fn azure_cli_s_id_token_cannot_be_renewed_and_a_long_wait_is_warned_of() {
    let (emulator, knobs) = published(short_lived(None));
    let id_token = emulator.pipelines_id_token();
    let ran = go_live(&emulator)
        .env("TF_BUILD", "True")
        // Not mapped: the federation that renews cannot be used.
        .env("SYSTEM_OIDCREQUESTURI", &emulator.pipelines_oidc_url())
        .env("servicePrincipalId", &knobs.client_id)
        .env("tenantId", &knobs.tenant_id)
        .env("idToken", &id_token)
        .run();
    assert_eq!(ran.code, Some(1), "{}", ran.both());
    let view = azure_pipelines(&ran.both());
    let warnings: Vec<&String> = view
        .issues
        .iter()
        .filter(|(kind, _)| kind == "warning")
        .map(|(_, text)| text)
        .collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)")),
        "{warnings:?}"
    );
    let errors: Vec<&String> = view
        .issues
        .iter()
        .filter(|(kind, _)| kind == "error")
        .map(|(_, text)| text)
        .collect();
    assert!(
        errors
            .iter()
            .any(|e| e.contains("AADSTS700024")
                && e.contains("the idToken of AzureCLI@2 has expired")),
        "{errors:?}"
    );
    assert!(view.printed.iter().all(|line| !line.contains(&id_token)));

    // A wait longer than ten minutes is warned of before it starts.
    let ran = Line::new(&["live", "--offer", &format!("contoso/{OFFER}"), "--wait"])
        .args(&[
            "--api-url",
            emulator.url(),
            "--authority-url",
            emulator.url(),
        ])
        .args(&["--poll-interval", "10ms", "--wait-timeout", "2h"])
        .env("servicePrincipalId", &knobs.client_id)
        .env("tenantId", &knobs.tenant_id)
        .env("idToken", &id_token)
        .args(&["--host", "terminal", "--no-color"])
        .run();
    assert!(
        ran.stderr
            .contains("warning: the idToken of AzureCLI@2 lives about ten minutes"),
        "{}",
        ran.stderr
    );
}

#[test]
fn without_system_accesstoken_the_error_says_to_map_it() {
    let emulator = Emulator::start(Knobs::new(STEP));
    let ran = go_live(&emulator)
        .env("TF_BUILD", "True")
        .env("SYSTEM_OIDCREQUESTURI", &emulator.pipelines_oidc_url())
        .env("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID", "x")
        .run();
    assert_eq!(ran.code, Some(2), "{}", ran.both());
    let view = azure_pipelines(&ran.both());
    let (kind, error) = &view.issues[0];
    assert_eq!(kind, "error");
    assert!(error.contains("no way to sign in"), "{error}");
    assert!(
        error.contains("env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)"),
        "{error}"
    );
    assert!(emulator.requests().is_empty());
}

#[test]
fn a_refused_access_token_or_service_connection_is_named() {
    let (emulator, _) = published(Knobs::new(STEP));
    let wrong_token = pipelines(go_live(&emulator), &emulator)
        .env("SYSTEM_ACCESSTOKEN", "not-the-job-token")
        .run();
    assert_eq!(wrong_token.code, Some(1), "{}", wrong_token.both());
    assert!(
        wrong_token
            .stdout
            .contains("SYSTEM_ACCESSTOKEN was not accepted"),
        "{}",
        wrong_token.stdout
    );
    let wrong_connection = pipelines(go_live(&emulator), &emulator)
        .env("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID", "0000-1111")
        .run();
    assert_eq!(wrong_connection.code, Some(1));
    assert!(
        wrong_connection.stdout.contains(
            "check that AZURESUBSCRIPTION_SERVICE_CONNECTION_ID names a service connection"
        ),
        "{}",
        wrong_connection.stdout
    );
}

#[test]
fn a_federated_token_entra_does_not_trust_names_the_claims_it_compares() {
    let (emulator, knobs) = published(Knobs {
        gitlab_subject: "project_path:contoso/app:ref_type:tag:ref:v1".into(),
        ..Knobs::new(STEP)
    });
    // A token for another subject: the branch, not the tag.
    let token = Emulator::start(Knobs::new(STEP)).gitlab_id_token("api://AzureADTokenExchange");
    let ran = go_live(&emulator)
        .env("GITLAB_CI", "true")
        .env("AZURE_TENANT_ID", &knobs.tenant_id)
        .env("AZURE_CLIENT_ID", &knobs.client_id)
        .env("AZURE_FEDERATED_TOKEN", &token)
        .run();
    assert_eq!(ran.code, Some(1), "{}", ran.both());
    assert!(ran.stderr.contains("AADSTS70021"), "{}", ran.stderr);
    assert!(
        ran.stderr
            .contains("Entra compares the token's issuer (iss), subject (sub) and audience (aud)"),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr
            .contains("sub: project_path:contoso/app:ref_type:branch:ref:main")
            && ran.stderr.contains("iss: https://gitlab.com"),
        "{}",
        ran.stderr
    );
    ran.assert_not_shown(&token);
}

#[test]
fn the_first_way_that_applies_is_used_and_named() {
    let (emulator, knobs) = published(Knobs::new(STEP));
    let secret = "emulator-client-secret";
    // A client secret comes before a token file, as in the Azure SDKs.
    let ran = go_live(&emulator)
        .env("AZURE_TENANT_ID", &knobs.tenant_id)
        .env("AZURE_CLIENT_ID", &knobs.client_id)
        .env("AZURE_CLIENT_SECRET", secret)
        .env("AZURE_FEDERATED_TOKEN_FILE", "/nonexistent")
        .run();
    assert_eq!(ran.code, Some(0), "{}", ran.both());
    assert!(
        ran.stderr.contains("with AZURE_CLIENT_SECRET"),
        "{}",
        ran.stderr
    );
    ran.assert_not_shown(secret);
    // GitHub OIDC, as a command line in a workflow.
    let ran = go_live(&emulator)
        .arg("--tenant-id")
        .arg(&knobs.tenant_id)
        .env("AZURE_CLIENT_ID", &knobs.client_id)
        .env("GITHUB_ACTIONS", "true")
        .env("ACTIONS_ID_TOKEN_REQUEST_URL", &emulator.oidc_request_url())
        .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", &knobs.oidc_request_token)
        .run();
    assert_eq!(ran.code, Some(0), "{}", ran.both());
    assert!(ran.stdout.contains("with GitHub OIDC"), "{}", ran.stdout);
    assert!(
        ran.stdout
            .contains(&format!("::add-mask::{}", knobs.oidc_request_token))
    );
    // AzureCLI@2 on a connection with a secret exports servicePrincipalKey.
    let ran = go_live(&emulator)
        .env("TF_BUILD", "True")
        .env("servicePrincipalId", &knobs.client_id)
        .env("tenantId", &knobs.tenant_id)
        .env("servicePrincipalKey", secret)
        .run();
    assert_eq!(ran.code, Some(0), "{}", ran.both());
    assert!(
        ran.stdout
            .contains("with the servicePrincipalKey AzureCLI@2 exported")
    );
    assert!(
        ran.stdout
            .starts_with(&format!("##vso[task.setsecret]{secret}\n"))
    );
    // A wrong secret gets the action's hint.
    let ran = go_live(&emulator)
        .env("AZURE_TENANT_ID", &knobs.tenant_id)
        .env("AZURE_CLIENT_ID", &knobs.client_id)
        .env("AZURE_CLIENT_SECRET", "wrong-secret-value")
        .run();
    assert_eq!(ran.code, Some(1));
    assert!(
        ran.stderr.contains("the client secret is wrong"),
        "{}",
        ran.stderr
    );
    ran.assert_not_shown("wrong-secret-value");
}

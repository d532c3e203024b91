//! End to end: the built binary against the local emulator, for whole
//! scenarios with the service's own behaviour (steps that take time, state
//! that changes, faults, tokens that expire). A scenario both APIs share
//! is one body run for each (`BOTH`); what only the Cloud Partner Portal
//! does follows, and `ingestion.rs` holds what only Product Ingestion does.

use std::time::Duration;

use crate::support::emulated::{Api, BOTH, OFFER, cpp_go_live, go_live_requests, knobs, published};
use crate::support::{Action, Run, TOKEN};
use marketplace_emulator::{BodyShape, Emulator, Fault, Knobs, LocationStyle, Vocabulary};

fn go_live(emulator: &Emulator) -> Action {
    cpp_go_live(emulator.url())
}

#[track_caller]
fn check_succeeded(run: &Run, emulator: &Emulator) {
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(run.outputs["status"], "succeeded");
    assert_eq!(go_live_requests(emulator), 1);
    assert!(run.summary.contains("| Live | "), "{}", run.summary);
}

#[test]
fn a_ready_offer_goes_live_through_github_oidc_and_a_re_run_sends_nothing() {
    for api in BOTH {
        let knobs = knobs();
        let emulator = api.ready(knobs.clone());
        let run = api
            .single(&emulator, OFFER)
            .github_oidc(&emulator, &knobs)
            .run();
        assert_eq!(run.code, Some(0), "{api:?}: {}", run.stdout);
        assert_eq!(run.outputs["status"], "succeeded");
        assert_eq!(run.outputs["outcome"], "started");
        assert_eq!(run.outputs["target"], "live");
        assert_eq!(go_live_requests(&emulator), 1, "{api:?}");
        // Every request of the action to the API carried a token that
        // Entra issued (the test's own publish used the test token).
        let issued = emulator.issued_tokens();
        for request in emulator.requests() {
            let Some(token) = request
                .authorization
                .as_deref()
                .and_then(|a| a.strip_prefix("Bearer "))
            else {
                continue;
            };
            if api.is_api_request(&request.target) && token != TOKEN {
                assert!(issued.contains_key(token), "{api:?}: {}", request.target);
            }
        }
        // A re-run finds the offer live: nothing sent, success, a notice.
        let again = api.single(&emulator, OFFER).run();
        assert_eq!(again.code, Some(0), "{api:?}: {}", again.stdout);
        assert_eq!(again.outputs["status"], "succeeded");
        assert_eq!(again.outputs["outcome"], "already-live");
        let notices = again.annotations("notice");
        assert!(
            notices.iter().any(|n| n.contains("nothing was sent")),
            "{api:?}: {notices:?}"
        );
        assert_eq!(go_live_requests(&emulator), 1, "{api:?}");
    }
}

#[test]
fn throttling_and_faults_during_the_wait_are_ridden_out() {
    for api in BOTH {
        let (not_read, refused) = match api {
            Api::CloudPartnerPortal => ("not an operation", Fault::Status(500, None)),
            Api::ProductIngestion => ("not a job", Fault::Status(404, None)),
        };
        let emulator = api.ready(Knobs {
            faults: vec![
                Fault::Status(429, Some(0)),
                Fault::Status(503, None),
                Fault::Cut,
                Fault::MalformedJson,
                refused,
                Fault::Slow(Duration::from_millis(50)),
            ],
            ..knobs()
        });
        let run = api.single(&emulator, OFFER).run();
        assert_eq!(run.code, Some(0), "{api:?}: {}", run.stdout);
        assert_eq!(run.outputs["status"], "succeeded");
        assert_eq!(go_live_requests(&emulator), 1);
        let log = run.log();
        let answered = match api {
            Api::CloudPartnerPortal => "HTTP 500 Internal Server Error",
            Api::ProductIngestion => "HTTP 404 Not Found",
        };
        for expected in [
            "HTTP 429 Too Many Requests",
            "HTTP 503 Service Unavailable",
            "status request failed",
            not_read,
            answered,
        ] {
            assert!(log.contains(expected), "{api:?}: {expected}: {log}");
        }
    }
}

#[test]
fn a_wait_cut_short_by_sigterm_is_resumed_from_operation_location() {
    for api in BOTH {
        let emulator = api.ready(Knobs {
            live_duration: Duration::from_secs(600),
            ..knobs()
        });
        let action = api.single(&emulator, OFFER);
        let run = action.interrupt_while_waiting(action.command(), "TERM", Some);
        assert_eq!(run.code, Some(143), "{api:?}: {}", run.stdout);
        assert_eq!(run.outputs["status"], "running");
        // A later job resumes from the output: no second go-live.
        let resumed = api
            .single(&emulator, "")
            .with("publisher_id", "")
            .with("operation_location", &run.outputs["operation_location"])
            .with("wait_timeout", "100ms")
            .with("fail_on_timeout", "false")
            .run();
        assert_eq!(resumed.code, Some(0), "{api:?}: {}", resumed.stdout);
        assert_eq!(resumed.outputs["status"], "running");
        assert_eq!(resumed.outputs["operation_id"], run.outputs["operation_id"]);
        assert_eq!(go_live_requests(&emulator), 1, "{api:?}");
    }
}

#[test]
fn go_live_before_signoff_is_refused() {
    // Never published: the list is empty, which proves nothing (history may
    // be pruned), so go-live is sent and the service refuses it.
    let emulator = Emulator::start(knobs());
    let run = go_live(&emulator).run();
    assert_eq!(run.code, Some(1));
    let error = run.error();
    assert!(
        error.contains("HTTP 400 Bad Request (InvalidState: The offer cannot go live"),
        "{error}"
    );
    assert!(error.contains("publisher signoff"), "{error}");
    assert!(
        run.annotations("notice")
            .iter()
            .any(|n| n.contains("the offer lists no operations")),
        "{}",
        run.stdout
    );
    assert!(!run.outputs.contains_key("operation_location"));
    assert_eq!(go_live_requests(&emulator), 1);

    // While a publish to preview runs, nothing is sent; the step at fault
    // is named.
    let emulator = Emulator::start(knobs());
    emulator.publish("contoso", "contoso-vm").unwrap();
    let run = go_live(&emulator).run();
    assert_eq!(run.code, Some(1));
    let error = run.error();
    assert!(
        error.contains("go-live was not sent: the publish to preview of offer 'contoso-vm' of publisher 'contoso' is still running: step 'Validate pre-requisites' is inProgress"),
        "{error}"
    );
    assert!(error.ends_with("no go-live request was sent"), "{error}");
    assert_eq!(run.outputs["status"], "failed");
    assert!(!run.outputs.contains_key("outcome"));
    assert_eq!(go_live_requests(&emulator), 0);
}

#[test]
fn tokens_that_expire_during_the_wait_are_renewed_in_time() {
    let lifetime = Duration::from_secs(2);
    // The Live step outlasts two token lifetimes.
    let knobs = Knobs {
        token_lifetime: lifetime,
        live_duration: Duration::from_millis(4500),
        ..knobs()
    };
    let emulator = published(knobs.clone());
    let run = Action::new(emulator.url())
        .with("token", "")
        .with("tenant_id", &knobs.tenant_id)
        .with("client_id", &knobs.client_id)
        .with("client_secret", &knobs.client_secret)
        .with("authority_url", emulator.url())
        .with("wait", "true")
        .with("poll_interval", "100ms")
        .secret(&knobs.client_secret)
        .secret("emu-access-token-")
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let issued = emulator.issued_tokens();
    for request in emulator.requests() {
        let Some(token) = request
            .authorization
            .as_deref()
            .and_then(|a| a.strip_prefix("Bearer "))
        else {
            continue;
        };
        if let Some(at) = issued.get(token) {
            assert!(
                request.at.duration_since(*at) < lifetime,
                "{} used a token {:?} old",
                request.target,
                request.at.duration_since(*at)
            );
        }
    }
}

#[test]
fn every_location_style_and_status_shape_is_followed() {
    for (style, body_shape, vocabulary) in [
        (
            LocationStyle::MigratedRelative,
            BodyShape::Object,
            Vocabulary::Documented,
        ),
        (
            LocationStyle::NonMigrated,
            BodyShape::Array,
            Vocabulary::Alternate,
        ),
        (
            LocationStyle::AbsoluteOperationLocation,
            BodyShape::Array,
            Vocabulary::Documented,
        ),
        (
            LocationStyle::TrailingSlash,
            BodyShape::WithHistory,
            Vocabulary::Documented,
        ),
    ] {
        let emulator = published(Knobs {
            location_style: style,
            body_shape,
            vocabulary,
            ..knobs()
        });
        let run = go_live(&emulator).run();
        check_succeeded(&run, &emulator);
        let location = &run.outputs["operation_location"];
        assert!(location.starts_with(emulator.url()), "{location}");
        match style {
            LocationStyle::NonMigrated => {
                assert_eq!(
                    run.outputs["operation_id"],
                    "contoso$contoso-vm$2$production"
                );
                assert!(
                    location.ends_with(
                        "/api/operations/contoso$contoso-vm$2$production?api-version=2017-10-31"
                    ),
                    "{location}"
                );
            }
            LocationStyle::MigratedRelative => {
                assert!(location.ends_with("?api-version=2017-10-31"), "{location}")
            }
            LocationStyle::AbsoluteOperationLocation => {
                assert!(!location.contains('?'), "{location}")
            }
            LocationStyle::TrailingSlash => {
                let id = &run.outputs["operation_id"];
                assert!(
                    location.ends_with(&format!("/operations/{id}/?api-version=2017-10-31")),
                    "{location}"
                );
                assert_eq!(id.len(), 36, "{id}");
            }
        }
    }
}

#[test]
fn a_wait_on_a_github_hosted_runner_ends_before_the_job_is_cut() {
    for (environment, notice, longest) in [
        ("github-hosted", true, "for at most 5h 45m"),
        ("self-hosted", false, "for at most 6h 00m"),
    ] {
        let emulator = published(knobs());
        let run = go_live(&emulator)
            .with("wait_timeout", "6h")
            .env("RUNNER_ENVIRONMENT", environment)
            .run();
        check_succeeded(&run, &emulator);
        assert!(run.log().contains(longest), "{environment}: {}", run.stdout);
        let notices: Vec<String> = run
            .annotations("notice")
            .into_iter()
            .filter(|n| !n.starts_with("what goes live"))
            .collect();
        assert_eq!(notices.len(), usize::from(notice), "{notices:?}");
        if notice {
            assert!(
                notices[0].contains("wait_timeout (6h 00m) would outlast the 6-hour limit"),
                "{notices:?}"
            );
            assert!(run.summary.contains("would outlast the 6-hour limit"));
        }
    }
}

#[test]
fn the_github_oidc_token_request_is_tried_three_times() {
    let oidc_requests = |emulator: &Emulator| {
        emulator
            .requests()
            .iter()
            .filter(|r| r.target.starts_with("/oidc/token"))
            .count()
    };
    // A failed connection and a 5xx are tried again.
    let flaky = Knobs {
        static_token: None,
        oidc_faults: vec![Fault::Status(503, None), Fault::Cut],
        ..knobs()
    };
    let emulator = published(flaky.clone());
    let run = go_live(&emulator).github_oidc(&emulator, &flaky).run();
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(oidc_requests(&emulator), 3);

    // Three in a row end the run before anything is sent.
    let down = Knobs {
        static_token: None,
        oidc_faults: vec![Fault::Status(502, None); 3],
        ..knobs()
    };
    let emulator = published(down.clone());
    let run = go_live(&emulator).github_oidc(&emulator, &down).run();
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert_eq!(oidc_requests(&emulator), 3);
    assert_eq!(go_live_requests(&emulator), 0);
    let error = run.error();
    assert!(
        error.contains("cannot get a GitHub OIDC token after 3 tries, the last one: HTTP 502"),
        "{error}"
    );
    assert!(error.contains("no go-live request was sent"), "{error}");
    assert_eq!(run.outputs["status"], "failed");
}

/// The pieces of CI's job that runs the action from the checkout: the
/// script's CA and certificate, the emulator on HTTPS, the action trusting
/// the CA through `SSL_CERT_FILE`.
#[test]
fn the_emulator_on_https_with_the_ci_scripts_ca() {
    let dir = tempfile::tempdir().unwrap();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/.github/scripts/emulator-tls.sh"
    );
    let made = std::process::Command::new("bash")
        .args([script, "127.0.0.1"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    let emulator = Emulator::serve(
        knobs(),
        "127.0.0.1:0",
        Some((
            &dir.path().join("server.pem"),
            &dir.path().join("server.key"),
        )),
    )
    .unwrap();
    assert!(emulator.url().starts_with("https://127.0.0.1:"));
    emulator.publish("contoso", "contoso-vm").unwrap();
    assert!(emulator.wait_for_signoff("contoso", "contoso-vm", Duration::from_secs(20)));

    let ca = dir.path().join("ca.pem");
    let run = go_live(&emulator)
        .env("SSL_CERT_FILE", ca.to_str().unwrap())
        .run();
    check_succeeded(&run, &emulator);
    assert_eq!(run.outputs["outcome"], "started");
    let again = go_live(&emulator)
        .env("SSL_CERT_FILE", ca.to_str().unwrap())
        .run();
    assert_eq!(again.code, Some(0), "{}", again.stdout);
    assert_eq!(again.outputs["outcome"], "already-live");

    // Without the CA, nothing is sent.
    let untrusted = go_live(&emulator).run();
    assert_eq!(untrusted.code, Some(1));
    assert!(
        untrusted.error().contains("certificate"),
        "{}",
        untrusted.stdout
    );
    assert_eq!(go_live_requests(&emulator), 1);
}

/// The demo a newcomer runs first (`cargo run --example demo`, built by
/// `cargo test` too): every go-live succeeds, and its log reads as GitHub's
/// log view shows it: no mask commands, no token, no escaped `%`, each
/// group one title line; the command line's check on Azure Pipelines as
/// the agent shows it; and a last line saying what to do next.
#[test]
fn the_demo_shows_the_log_as_the_log_view_does() {
    let deps = std::env::current_exe().unwrap();
    let demo = deps
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples")
        .join("demo");
    assert!(
        demo.exists(),
        "cargo test builds the demo example: {}",
        demo.display()
    );
    let run = std::process::Command::new(&demo).output().unwrap();
    let log = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "{log}");
    for hidden in ["::add-mask::", "::group::", "::error::", "eyJ", "%25"] {
        assert!(!log.contains(hidden), "{hidden} in the demo's log:\n{log}");
    }
    assert!(log.contains("\n> ["), "a group title: {log}");
    assert!(log.contains("Live: inProgress"), "{log}");
    // The command line, on Azure Pipelines, signed in with its federation.
    assert!(
        log.contains("with Azure Pipelines workload identity federation")
            && log.contains("   status = live\n"),
        "{log}"
    );
    assert!(!log.contains("##vso["), "{log}");
    assert!(
        log.trim_end()
            .lines()
            .last()
            .unwrap()
            .starts_with("Next: take your own offer live."),
        "{log}"
    );

    let raw = std::process::Command::new(&demo)
        .arg("--raw")
        .output()
        .unwrap();
    let raw = String::from_utf8_lossy(&raw.stdout);
    assert!(
        raw.contains("::add-mask::") && raw.contains("::group::"),
        "{raw}"
    );
}

#[test]
fn the_log_view_masks_folds_groups_and_decodes() {
    let raw = "::add-mask::s3cr3t\n::add-mask::eyJhbGciOi.eyJzdWIiOi.sig\nSigned in with eyJhbGciOi.eyJzdWIiOi.sig and s3cr3t\n::group::[1.2s] Live: inProgress 100%25\nLive: inProgress, 100%\n::endgroup::\n::debug::next request in 1s\n::notice::already live; nothing was sent\n::stop-commands::stop-1\n::error::from the server\n::stop-1::\n::error::the operation failed: a%0Ab";
    assert_eq!(
        marketplace_emulator::runner::log_view(raw),
        "Signed in with *** and ***\n> [1.2s] Live: inProgress 100%\nNotice: already live; nothing was sent\n::error::from the server\nError: the operation failed: a\nb"
    );
}

//! A broken or hostile server, absurd inputs, outputs that cannot be
//! written, signals at awkward moments: never a false success, never a
//! crash, never a lost operation, and honest words about what was sent.

use std::net::TcpListener;

use crate::support::emulated::{
    OFFER, cpp_go_live, go_live_requests, ingestion_go_live, knobs, previewed, published,
};
use crate::support::{Action, Run};
use marketplace_emulator::{BodyShape, Fault, Knobs};

#[track_caller]
fn check_outcome_unknown(run: &Run, expected: &str) {
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert_eq!(run.outputs["status"], "unknown", "{:?}", run.outputs);
    let error = run.error();
    assert!(error.contains(expected), "{expected:?} not in {error}");
    assert!(
        error.contains("10 status requests in a row got no usable answer"),
        "{error}"
    );
}

#[test]
fn a_status_body_listing_other_operations_is_read_for_ours_only() {
    // An older operation that succeeded comes first; ours fails.
    let emulator = published(Knobs {
        body_shape: BodyShape::WithHistory,
        failing_step: Some(("Live".into(), "The offer could not be made live".into())),
        ..knobs()
    });
    let run = cpp_go_live(emulator.url()).run();
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert_eq!(run.outputs["status"], "failed");
    assert!(
        run.error().contains("The offer could not be made live"),
        "{}",
        run.error()
    );

    // Only the older operation: not an answer about ours.
    let emulator = published(Knobs {
        body_shape: BodyShape::OthersOnly,
        ..knobs()
    });
    let run = cpp_go_live(emulator.url()).run();
    check_outcome_unknown(&run, "none with the ID");
    assert_eq!(go_live_requests(&emulator), 1);
}

#[test]
fn a_job_status_about_another_job_is_not_taken_for_ours() {
    let emulator = previewed(Knobs {
        body_shape: BodyShape::OthersOnly,
        ..knobs()
    });
    let run = ingestion_go_live(&emulator.ingestion_url()).run();
    check_outcome_unknown(&run, "about another job");
    assert_eq!(go_live_requests(&emulator), 1);
}

#[test]
fn accepted_but_outputs_that_cannot_be_written_still_name_the_operation() {
    let dir = tempfile::tempdir().unwrap();
    for output_file in [
        dir.path().to_owned(),
        dir.path().join("missing").join("output"),
    ] {
        let emulator = published(knobs());
        let run = cpp_go_live(emulator.url())
            .with("wait", "false")
            .env("GITHUB_OUTPUT", output_file.to_str().unwrap())
            .run();
        assert_eq!(run.code, Some(1), "{}", run.stdout);
        assert_eq!(go_live_requests(&emulator), 1);
        let accepted = run
            .stdout
            .find("go-live accepted: operation ")
            .expect("the accepted line");
        let error_at = run.stdout.find("::error::").expect("an error");
        assert!(accepted < error_at, "{}", run.stdout);
        let error = run.error();
        let location = format!(
            "operation_location: {}/api/publishers/contoso/offers/{OFFER}/operations/",
            emulator.url()
        );
        for expected in [
            "go-live WAS accepted",
            "do not run go-live again",
            &location,
        ] {
            assert!(error.contains(expected), "{expected:?} not in {error}");
        }
        assert!(
            run.summary
                .contains(&format!("| operation | {}", emulator.url()))
        );
    }
}

#[test]
fn paths_the_api_names_stay_under_the_path_of_api_url() {
    let behind_proxy = || Knobs {
        path_prefix: Some("/proxy".into()),
        ..knobs()
    };
    // The service's relative Location, /api/..., is a path of the API.
    let emulator = published(behind_proxy());
    let api_url = format!("{}/proxy/", emulator.url());
    let run = cpp_go_live(&api_url).run();
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(run.outputs["status"], "succeeded");
    let location = &run.outputs["operation_location"];
    assert!(
        location.starts_with(&format!("{api_url}api/")),
        "{location}"
    );

    // So is an operation_location given as a path.
    let path = &location[emulator.url().len() + "/proxy".len()..];
    assert!(path.starts_with("/api/"), "{path}");
    let run = Action::new(&api_url).with("operation_location", path).run();
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(run.outputs["operation_location"], *location);

    // Product Ingestion keeps both the proxy's prefix and its own.
    let emulator = previewed(behind_proxy());
    let api_url = format!("{}/proxy/rp/product-ingestion", emulator.url());
    let run = ingestion_go_live(&api_url).with("wait", "false").run();
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let job = &run.outputs["operation_id"];
    let run = ingestion_go_live(&api_url)
        .with("operation_location", &format!("/configure/{job}/status"))
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(run.outputs["status"], "succeeded");
    assert!(
        run.outputs["operation_location"].starts_with(&format!("{api_url}/configure/{job}/status")),
        "{:?}",
        run.outputs
    );
}

#[test]
fn an_input_given_twice_in_different_case_is_read_in_the_runners_form() {
    let emulator = published(knobs());
    let run = cpp_go_live(emulator.url())
        .env("INPUT_Wait", "false")
        .env("INPUT_wait_timeout", "9999999999999999999s")
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(run.outputs["status"], "succeeded");
}

#[test]
fn inputs_that_are_not_utf8_are_refused_not_dropped() {
    let emulator = published(knobs());
    let location = format!(
        "{}/api/operations/contoso$contoso-vm$2$preview",
        emulator.url()
    );
    for (variable, name, value) in [
        (
            "INPUT_OPERATION_LOCATION",
            "operation_location",
            [location.as_bytes(), b"\xff"].concat(),
        ),
        ("INPUT_WAIT", "wait", b"true\xff".to_vec()),
        (
            "INPUT_API_URL",
            "api_url",
            b"http://127.0.0.1:1/\xfe".to_vec(),
        ),
    ] {
        let run = cpp_go_live(emulator.url())
            .env_bytes(variable, &value)
            .run();
        assert_eq!(run.code, Some(2), "{name}: {}", run.stdout);
        let error = run.error();
        assert!(
            error.starts_with(&format!("{name} is not valid UTF-8")),
            "{error}"
        );
        assert!(!run.outputs.contains_key("status"));
    }
    assert_eq!(emulator.requests().len(), 0);
}

#[test]
fn credentials_in_a_url_are_refused_and_never_shown() {
    let emulator = published(knobs());
    let host = emulator.url().trim_start_matches("http://").to_owned();
    let carries = "must not carry credentials";
    for (name, value, expected) in [
        ("api_url", format!("http://:hunter2@{host}/"), carries),
        ("api_url", format!("http://admin:hunter2@{host}/"), carries),
        (
            "api_url",
            format!("http://admin:hunter2@{host}/x y"),
            carries,
        ),
        (
            "api_url",
            "http://admin:hunter2@[::1/".to_owned(),
            "'http://[::1/' is not a URL",
        ),
        (
            "authority_url",
            format!("https://admin:hunter2@{host}/"),
            carries,
        ),
        (
            "operation_location",
            format!("http://u:hunter2@{host}/api/operations/1"),
            carries,
        ),
    ] {
        let run = cpp_go_live(emulator.url())
            .with(name, &value)
            .secret("hunter2")
            .run();
        assert_eq!(run.code, Some(2), "{value}: {}", run.stdout);
        let error = run.error();
        assert!(error.starts_with(name), "{error}");
        assert!(error.contains(expected), "{error}");
    }
    assert_eq!(emulator.requests().len(), 0);
}

#[test]
fn a_signal_during_sign_in_says_go_live_did_not_start() {
    // An Entra that takes connections and never answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let authority = format!("http://{}", silent.local_addr().unwrap());
    let emulator = published(knobs());
    let action = cpp_go_live(emulator.url())
        .with("token", "")
        .with("tenant_id", "contoso.onmicrosoft.com")
        .with("client_id", "0b2c1f57")
        .with("client_secret", "the-client-secret")
        .with("authority_url", &authority)
        .with("request_timeout", "30s")
        .secret("the-client-secret");
    let run = action.interrupt_after(action.command(), "TERM", Some, |line| {
        line.starts_with("Reading the state of")
    });
    assert_eq!(run.code, Some(143), "{}", run.stdout);
    assert_eq!(run.outputs["status"], "failed");
    let error = run.error();
    assert!(
        error.contains(
            "stopped by SIGTERM before the go-live request was sent; go-live did not start"
        ),
        "{error}"
    );
    assert_eq!(go_live_requests(&emulator), 0);
}

#[test]
fn a_signal_while_waiting_to_send_again_says_go_live_did_not_start() {
    let emulator = published(Knobs {
        go_live_faults: vec![Fault::Status(503, Some(60))],
        ..knobs()
    });
    let action = cpp_go_live(emulator.url());
    let run = action.interrupt_after(action.command(), "INT", Some, |line| {
        line.contains("trying again in 1m")
    });
    assert_eq!(run.code, Some(130), "{}", run.stdout);
    assert_eq!(run.outputs["status"], "failed");
    let error = run.error();
    assert!(
        error.contains("stopped by SIGINT while waiting to send go-live again"),
        "{error}"
    );
    assert!(error.contains("go-live did not start"), "{error}");
    assert_eq!(go_live_requests(&emulator), 1);
}

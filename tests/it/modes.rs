//! `mode`: a go-live that is safe to re-run (it reads the offer's state
//! first), `follow` and `check`, which never send go-live; against the
//! emulator of each API, through the built binary.

use std::time::Duration;

use crate::support::emulated::{
    OFFER, STEP, cpp_go_live, go_live_requests, ingestion_go_live, knobs, previewed, published,
};
use crate::support::{Action, Run};
use marketplace_emulator::{Emulator, JobEnd, Knobs, OperationsList};
use mockito::{Matcher, Server};

/// The notice that says something, and the summary that keeps it.
#[track_caller]
fn check_told(run: &Run, expected: &str) {
    assert!(
        run.annotations("notice")
            .iter()
            .any(|n| n.contains(expected)),
        "no notice with {expected:?}:\n{}",
        run.stdout
    );
    assert!(
        run.summary.contains(expected),
        "{expected:?} not in the summary:\n{}",
        run.summary
    );
}

#[track_caller]
fn check_ended(run: &Run, code: i32, status: &str, outcome: Option<&str>) {
    run.check_ended(code, status, outcome);
    assert!(
        run.summary.contains(&format!("| status | **{status}** |")),
        "{}",
        run.summary
    );
}

/// A Cloud Partner Portal offer whose preview is approved and whose Live
/// step lasts `live`.
fn cpp_offer(live: Duration) -> Emulator {
    published(Knobs {
        live_duration: live,
        ..knobs()
    })
}

#[test]
fn a_cloud_partner_portal_re_run_follows_the_running_go_live_then_reports_it_live() {
    let emulator = cpp_offer(Duration::from_millis(300));
    let earlier = emulator.go_live("contoso", OFFER).unwrap();

    // "Re-run failed jobs" after the first job was cut: nothing is sent,
    // the running go-live is followed to its end.
    let run = cpp_go_live(emulator.url()).run();
    check_ended(&run, 0, "succeeded", Some("followed"));
    assert_eq!(go_live_requests(&emulator), 0);
    assert_eq!(run.outputs["operation_location"], earlier);
    check_told(
        &run,
        "a go-live is already running on offer 'contoso-vm' of publisher 'contoso'",
    );

    // Once it is live, a re-run reports it and sends nothing.
    let run = cpp_go_live(emulator.url()).run();
    check_ended(&run, 0, "succeeded", Some("already-live"));
    check_told(
        &run,
        "is already live: its last go-live completed and nothing was published since; nothing was sent",
    );
    assert_eq!(go_live_requests(&emulator), 0);
    assert!(!run.outputs.contains_key("operation_location"));
}

#[test]
fn a_cloud_partner_portal_re_run_without_waiting_names_the_running_go_live() {
    let emulator = cpp_offer(Duration::from_secs(600));
    let earlier = emulator.go_live("contoso", OFFER).unwrap();
    let run = Action::new(emulator.url()).run();
    check_ended(&run, 0, "running", Some("followed"));
    assert_eq!(run.outputs["operation_location"], earlier);
    assert_eq!(go_live_requests(&emulator), 0);
}

#[test]
fn a_cloud_partner_portal_go_live_is_started_once_and_a_re_run_sends_nothing() {
    let emulator = cpp_offer(Duration::from_millis(60));
    let run = cpp_go_live(emulator.url()).run();
    check_ended(&run, 0, "succeeded", Some("started"));
    // Before it is sent, the approver's page: what goes live, from the
    // offer's documents.
    assert_eq!(
        run.annotations("notice"),
        [
            "what goes live (the preview against live):\nthe whole offer: nothing is live yet (its first go-live)"
        ],
        "{}",
        run.stdout
    );
    let run = cpp_go_live(emulator.url()).run();
    check_ended(&run, 0, "succeeded", Some("already-live"));
    assert_eq!(go_live_requests(&emulator), 1);
}

#[test]
fn a_failed_preview_is_named_and_nothing_is_sent() {
    let emulator = Emulator::start(Knobs {
        failing_step: Some((
            "Certification".into(),
            "The OS disk is not generalized".into(),
        )),
        ..knobs()
    });
    emulator.publish("contoso", OFFER).unwrap();
    assert!(emulator.wait_for_end("contoso", OFFER, Duration::from_secs(20)));
    let run = cpp_go_live(emulator.url()).run();
    check_ended(&run, 1, "failed", None);
    let error = run.error();
    assert!(
        error.contains(
            "the last publish to preview of offer 'contoso-vm' of publisher 'contoso' is 'failed' ("
        ),
        "{error}"
    );
    assert!(
        error.contains("step 'Certification': The OS disk is not generalized"),
        "{error}"
    );
    assert!(error.ends_with("no go-live request was sent"), "{error}");
    assert_eq!(go_live_requests(&emulator), 0);
}

#[test]
fn the_older_list_url_is_read_and_an_unreadable_state_does_not_block_go_live() {
    // Only the `submissions/` form answers: a running go-live is found
    // there.
    let emulator = published(Knobs {
        operations_list: OperationsList::SubmissionsOnly,
        live_duration: Duration::from_secs(600),
        ..knobs()
    });
    emulator.go_live("contoso", OFFER).unwrap();
    let run = Action::new(emulator.url()).run();
    check_ended(&run, 0, "running", Some("followed"));
    assert_eq!(go_live_requests(&emulator), 0);

    // Neither answers: go-live is sent as before, with a notice.
    let emulator = published(Knobs {
        operations_list: OperationsList::Neither,
        ..knobs()
    });
    let run = cpp_go_live(emulator.url()).run();
    check_ended(&run, 0, "succeeded", Some("started"));
    check_told(
        &run,
        "could not be read or was not recognised (its list of operations could not be read (/api/publishers/contoso/offers/contoso-vm/operations answered HTTP 404 Not Found",
    );
    check_told(
        &run,
        "go-live is sent all the same, and the service decides",
    );
    assert_eq!(go_live_requests(&emulator), 1);
}

#[test]
fn follow_mode_follows_the_running_go_live_and_never_sends_one() {
    let emulator = cpp_offer(Duration::from_millis(300));
    let follow = || cpp_go_live(emulator.url()).with("mode", "follow");

    // Nothing went live yet: nothing to follow, and nothing is sent.
    let run = follow().run();
    check_ended(&run, 1, "unknown", None);
    let error = run.error();
    assert!(
        error.contains("no go-live of offer 'contoso-vm' of publisher 'contoso' is running, and none of its newest version can be reported: its preview is ready"),
        "{error}"
    );
    assert!(error.ends_with("no go-live request was sent"), "{error}");

    let started = emulator.go_live("contoso", OFFER).unwrap();
    let run = follow().run();
    check_ended(&run, 0, "succeeded", Some("followed"));
    assert_eq!(run.outputs["operation_location"], started);

    // Ended: its end is reported again.
    let run = follow().run();
    check_ended(&run, 0, "succeeded", Some("followed"));
    assert_eq!(run.outputs["operation_location"], started);
    assert_eq!(go_live_requests(&emulator), 0);
}

#[test]
fn follow_mode_reports_a_go_live_that_failed_with_its_reason() {
    let emulator = published(Knobs {
        failing_step: Some(("Live".into(), "Live deployment failed".into())),
        ..knobs()
    });
    emulator.go_live("contoso", OFFER).unwrap();
    let run = cpp_go_live(emulator.url()).with("mode", "follow").run();
    check_ended(&run, 1, "failed", Some("followed"));
    assert!(
        run.error().contains("step 'Live': Live deployment failed"),
        "{}",
        run.stdout
    );
    assert_eq!(go_live_requests(&emulator), 0);
}

#[test]
fn check_mode_reports_each_state_and_exits_zero() {
    // Each state holds while it is checked: the steps last an hour, and
    // the test shortens them when it moves on.
    let hour = Duration::from_secs(3600);
    let emulator = Emulator::start(Knobs {
        step_duration: hour,
        live_duration: hour,
        ..knobs()
    });
    let check = || Action::new(emulator.url()).with("mode", "check").run();

    emulator.publish("contoso", OFFER).unwrap();
    let run = check();
    check_ended(&run, 0, "not-ready", Some("checked"));
    check_told(
        &run,
        "the publish to preview of offer 'contoso-vm' of publisher 'contoso' is still running: step 'Validate pre-requisites' is inProgress",
    );

    emulator.change_knobs(|knobs| knobs.step_duration = STEP);
    assert!(emulator.wait_for_signoff("contoso", OFFER, Duration::from_secs(20)));
    let run = check();
    check_ended(&run, 0, "ready", Some("checked"));
    check_told(&run, "is ready: go-live would be sent now");

    let started = emulator.go_live("contoso", OFFER).unwrap();
    let run = check();
    check_ended(&run, 0, "running", Some("checked"));
    assert_eq!(run.outputs["operation_location"], started);

    // Waits until the go-live ended, through the action itself.
    emulator.change_knobs(|knobs| knobs.live_duration = STEP);
    let run = cpp_go_live(emulator.url()).with("mode", "follow").run();
    check_ended(&run, 0, "succeeded", Some("followed"));
    let run = check();
    check_ended(&run, 0, "live", Some("checked"));
    check_told(&run, "is already live");
    assert_eq!(go_live_requests(&emulator), 0);
}

#[test]
fn check_mode_fails_only_when_the_state_cannot_be_read_and_names_why() {
    let mut server = Server::new();
    let refused = server
        .mock("GET", Matcher::Any)
        .with_status(403)
        .with_body(r#"{"error":{"code":"Forbidden","message":"not a user"}}"#)
        .expect(3)
        .create();
    let run = Action::new(&server.url()).with("mode", "check").run();
    refused.assert();
    check_ended(&run, 1, "unknown", None);
    let error = run.error();
    assert!(
        error.contains("the state of offer 'contoso-vm' of publisher 'contoso' could not be read"),
        "{error}"
    );
    assert!(
        error.contains("answered HTTP 403 Forbidden (Forbidden: not a user): the service principal is not a user of publisher 'contoso'"),
        "{error}"
    );

    let run = Action::new(&server.url())
        .with("mode", "check")
        .with(
            "operation_location",
            &format!("{}/api/operations/op-1", server.url()),
        )
        .run();
    assert_eq!(run.code, Some(2), "{}", run.stdout);
    assert!(
        run.error()
            .contains("operation_location cannot be given with mode: check"),
        "{}",
        run.stdout
    );

    let run = Action::new(&server.url()).with("mode", "watch").run();
    assert_eq!(run.code, Some(2), "{}", run.stdout);
    assert!(run.error().contains("mode 'watch' is not known"));
}

/// A Product Ingestion product with a preview that succeeded, whose
/// go-live job lasts `live` and ends as `end` says.
fn ingestion_offer(live: Duration, end: JobEnd) -> Emulator {
    previewed(Knobs {
        live_duration: live,
        job_end: end,
        ..knobs()
    })
}

#[test]
fn a_product_ingestion_re_run_follows_the_running_go_live_then_reports_it_live() {
    let emulator = ingestion_offer(Duration::from_millis(400), JobEnd::Succeeds);
    let first = ingestion_go_live(&emulator.ingestion_url())
        .with("wait", "false")
        .run();
    check_ended(&first, 0, "accepted", Some("started"));

    let run = ingestion_go_live(&emulator.ingestion_url()).run();
    check_ended(&run, 0, "succeeded", Some("followed"));
    assert_eq!(go_live_requests(&emulator), 1);
    let submission = &first.outputs["submission_id"];
    assert_eq!(&run.outputs["submission_id"], submission);
    let guid = run.outputs["product_id"]
        .trim_start_matches("product/")
        .to_owned();
    assert_eq!(
        run.outputs["operation_location"],
        format!(
            "{}/submission/{guid}?$version=2022-03-01-preview2",
            emulator.ingestion_url()
        )
    );
    check_told(&run, "a go-live is already running on offer 'contoso-vm'");
    assert!(
        run.log()
            .contains(&format!("live submission: {submission}")),
        "{}",
        run.stdout
    );

    let run = ingestion_go_live(&emulator.ingestion_url()).run();
    check_ended(&run, 0, "succeeded", Some("already-live"));
    check_told(
        &run,
        &format!(
            "offer 'contoso-vm' is already live with its preview submission {submission}; nothing was sent"
        ),
    );
    assert_eq!(go_live_requests(&emulator), 1);

    // The location written for the followed go-live can be followed again.
    let run = ingestion_go_live(&emulator.ingestion_url())
        .with("operation_location", &first.outputs["operation_location"])
        .run();
    check_ended(&run, 0, "succeeded", Some("followed"));
}

#[test]
fn product_ingestion_follow_mode_never_sends_and_reports_what_it_found() {
    let emulator = ingestion_offer(Duration::from_millis(300), JobEnd::FailsCertification);
    let follow = || {
        ingestion_go_live(&emulator.ingestion_url())
            .with("mode", "follow")
            .run()
    };
    let run = follow();
    check_ended(&run, 1, "unknown", None);
    assert!(
        run.error().contains("its preview is ready and not live"),
        "{}",
        run.stdout
    );

    ingestion_go_live(&emulator.ingestion_url())
        .with("wait", "false")
        .run();
    // The go-live fails; the service then lists no live entry for it.
    let run = follow();
    check_ended(&run, 1, "failed", Some("followed"));
    assert!(
        run.error()
            .contains("is not listed as live: its go-live failed or was canceled"),
        "{}",
        run.stdout
    );
    assert_eq!(go_live_requests(&emulator), 1);

    // A product never published: nothing to follow.
    let emulator = Emulator::start(knobs());
    emulator.create_product(OFFER);
    let run = ingestion_go_live(&emulator.ingestion_url())
        .with("mode", "follow")
        .run();
    check_ended(&run, 1, "unknown", None);
    assert!(
        run.error().contains("was never published to preview"),
        "{}",
        run.stdout
    );
    assert_eq!(go_live_requests(&emulator), 0);
}

#[test]
fn product_ingestion_check_mode_reports_each_state() {
    // Each state holds while it is checked: the preview and the go-live
    // last an hour, and the test shortens them when it moves on.
    let hour = Duration::from_secs(3600);
    let emulator = Emulator::start(Knobs {
        step_duration: hour,
        live_duration: hour,
        ..knobs()
    });
    let check = || {
        ingestion_go_live(&emulator.ingestion_url())
            .with("mode", "check")
            .run()
    };
    emulator.publish_preview(OFFER);
    let run = check();
    check_ended(&run, 0, "not-ready", Some("checked"));
    check_told(&run, "a publish is in progress on offer 'contoso-vm'");

    emulator.end_running_now();
    assert!(emulator.wait_for_preview(OFFER, Duration::from_secs(20)));
    let run = check();
    check_ended(&run, 0, "ready", Some("checked"));

    ingestion_go_live(&emulator.ingestion_url())
        .with("wait", "false")
        .run();
    let run = check();
    check_ended(&run, 0, "running", Some("checked"));

    emulator.end_running_now();
    let run = ingestion_go_live(&emulator.ingestion_url())
        .with("mode", "follow")
        .run();
    check_ended(&run, 0, "succeeded", Some("followed"));
    let run = check();
    check_ended(&run, 0, "live", Some("checked"));
    assert_eq!(go_live_requests(&emulator), 1);
}

#[test]
fn product_ingestion_check_mode_names_a_missing_role() {
    let mut server = Server::new();
    let refused = server
        .mock("GET", Matcher::Regex("^/product".into()))
        .with_status(403)
        .with_body(r#"{"error":{"code":"forbidden","message":"Access denied"}}"#)
        .expect(1)
        .create();
    let run = ingestion_go_live(&server.url()).with("mode", "check").run();
    refused.assert();
    check_ended(&run, 1, "unknown", None);
    assert!(
        run.error()
            .contains("it needs the Manager role in Partner Center"),
        "{}",
        run.stdout
    );
}

#[test]
fn product_ingestion_needs_its_submissions_to_go_live() {
    // Without the submissions there is no preview ID to promote: nothing
    // can be sent, as before.
    let mut server = Server::new();
    server
        .mock("GET", Matcher::Regex("^/product".into()))
        .with_body(r#"{"value":[{"id":"product/0b5e-11","identity":{"externalId":"contoso-vm"}}]}"#)
        .create();
    // Read again after each 503, at most `READ_ATTEMPTS` (4) times.
    let failing = server
        .mock("GET", Matcher::Regex("^/submission/0b5e-11".into()))
        .with_status(503)
        .expect(4)
        .create();
    let configure = server.mock("POST", Matcher::Any).expect(0).create();
    let run = ingestion_go_live(&server.url()).run();
    failing.assert();
    configure.assert();
    check_ended(&run, 1, "failed", None);
    let error = run.error();
    assert!(
        error.contains(
            "reading the product's submissions was refused with HTTP 503 Service Unavailable"
        ),
        "{error}"
    );
    assert!(error.ends_with("no go-live request was sent"), "{error}");
}

#[test]
fn a_signal_while_checking_says_nothing_was_sent() {
    // An API that takes connections and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let action = Action::new(&format!("http://{}", silent.local_addr().unwrap()))
        .with("mode", "check")
        .with("request_timeout", "30s");
    let run = action.interrupt_after(action.command(), "TERM", Some, |line| {
        line.starts_with("Reading the state of")
    });
    assert_eq!(run.code, Some(143), "{}", run.stdout);
    assert_eq!(run.outputs["status"], "unknown");
    assert!(
        run.error().contains(
            "stopped by SIGTERM while reading the offer's state; this mode sends no go-live, and nothing was sent"
        ),
        "{}",
        run.stdout
    );
}

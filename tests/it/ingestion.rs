//! What only the Product Ingestion API does, end to end: the built binary
//! against the local emulator, for the job, product and submission a
//! go-live names, every row of the decision table, each way a go-live job
//! ends, sign-in scopes and every contradiction of the reference. The
//! scenarios both APIs share are in `e2e.rs`.

use std::time::Duration;

use crate::support::emulated::{LIMIT, OFFER, ingestion_go_live, knobs, previewed};
use crate::support::{Action, Run};
use marketplace_emulator::{Emulator, Fault, JobEnd, Knobs, Scope, Vocabulary};

fn go_live(emulator: &Emulator) -> Action {
    ingestion_go_live(&emulator.ingestion_url())
}

fn configure_requests(emulator: &Emulator) -> Vec<String> {
    emulator
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.target.contains("/configure?"))
        .map(|r| r.body)
        .collect()
}

#[track_caller]
fn check_failed_before_sending(run: &Run, emulator: &Emulator, expected: &[&str]) {
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    let error = run.error();
    for fragment in expected {
        assert!(error.contains(fragment), "{fragment:?} not in {error:?}");
    }
    assert!(error.contains("no go-live request was sent"), "{error}");
    assert!(configure_requests(emulator).is_empty());
    assert!(!run.outputs.contains_key("operation_location"));
    assert_eq!(run.outputs["status"], "failed");
}

#[test]
fn a_go_live_names_its_job_product_and_submission_and_sends_the_pinned_schemas() {
    let emulator = previewed(knobs());
    let run = go_live(&emulator).run();
    assert_eq!(run.code, Some(0), "{}", run.stdout);

    // The outputs name the job, its product and the promoted submission.
    let job = &run.outputs["operation_id"];
    let product = &run.outputs["product_id"];
    let submission = &run.outputs["submission_id"];
    assert!(product.starts_with("product/"), "{product}");
    assert!(submission.starts_with(&format!("submission/{}/", &product[8..])));
    assert_eq!(
        run.outputs["operation_location"],
        format!(
            "{}/configure/{job}/status?$version=2022-03-01-preview2",
            emulator.ingestion_url()
        )
    );

    // One configure request, built with the pinned schemas.
    let bodies = configure_requests(&emulator);
    assert_eq!(bodies.len(), 1);
    let body: serde_json::Value = serde_json::from_str(&bodies[0]).unwrap();
    assert_eq!(
        body,
        serde_json::json!({
            "$schema": "https://schema.mp.microsoft.com/schema/configure/2022-03-01-preview2",
            "resources": [{
                "$schema": "https://schema.mp.microsoft.com/schema/submission/2022-03-01-preview2",
                "id": submission,
                "product": product,
                "target": {"targetType": "live"},
            }],
        })
    );
    // After success, the live submission is reported.
    assert!(
        run.log().contains(&format!(
            "live submission: {submission} (status completed, result succeeded)"
        )),
        "{}",
        run.stdout
    );
    assert!(
        run.summary.contains("| API | Product Ingestion |"),
        "{}",
        run.summary
    );
    assert!(
        run.summary
            .contains(&format!("| submission | `{submission}` |")),
        "{}",
        run.summary
    );

    // A re-run finds the offer live and names the preview that is.
    let again = go_live(&emulator).run();
    let notices = again.annotations("notice");
    assert!(
        notices[0].contains(&format!("offer 'contoso-vm' is already live with its preview submission {submission}; nothing was sent")),
        "{notices:?}"
    );
    assert_eq!(configure_requests(&emulator).len(), 1);
}

#[test]
fn every_row_of_the_decision_table_that_sends_nothing() {
    // No such product.
    let emulator = Emulator::start(knobs());
    let run = go_live(&emulator).run();
    check_failed_before_sending(
        &run,
        &emulator,
        &[
            "no product with external ID 'contoso-vm' in the account this application belongs to: check offer_id",
        ],
    );

    // A product never published to preview.
    emulator.create_product(OFFER);
    let run = go_live(&emulator).run();
    check_failed_before_sending(
        &run,
        &emulator,
        &[
            "offer 'contoso-vm' was never published to preview",
            "publish it to preview first",
        ],
    );

    // A preview still running: another publish is in progress.
    let emulator = Emulator::start(Knobs {
        step_duration: Duration::from_secs(600),
        ..knobs()
    });
    let preview = emulator.publish_preview(OFFER);
    let run = go_live(&emulator).run();
    check_failed_before_sending(
        &run,
        &emulator,
        &[
            &format!(
                "a publish is in progress on offer 'contoso-vm': submission {preview} to preview has status running, result pending"
            ),
            "wait for it to end",
        ],
    );

    // A preview that failed.
    let emulator = previewed(Knobs {
        failing_preview: true,
        ..knobs()
    });
    let run = go_live(&emulator).run();
    check_failed_before_sending(
        &run,
        &emulator,
        &[
            "the preview of offer 'contoso-vm'",
            "failed: fix the offer and publish it to preview again",
        ],
    );
}

/// A go-live whose job ends as `end`: exit 1, `status`, and the error
/// annotation holding every fragment.
#[track_caller]
fn check_job_end(vocabulary: Vocabulary, end: JobEnd, status: &str, expected: &[&str]) {
    let emulator = previewed(Knobs {
        job_end: end,
        vocabulary,
        ..knobs()
    });
    let run = go_live(&emulator).run();
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert_eq!(run.outputs["status"], status);
    assert!(run.outputs.contains_key("operation_location"));
    let error = run.error();
    for fragment in expected {
        assert!(error.contains(fragment), "{fragment:?} not in {error:?}");
    }
    assert!(
        run.summary.contains(&format!("**{status}**")),
        "{}",
        run.summary
    );
}

#[test]
fn a_job_that_fails_or_is_canceled_says_why() {
    for vocabulary in [Vocabulary::Documented, Vocabulary::Alternate] {
        check_job_end(
            vocabulary,
            JobEnd::FailsCertification,
            "failed",
            &[
                "the operation failed: certification failed: fix the image or offer; retrying will not help",
                "[internalServerError] submission/",
                ": Operation failed",
                "[invalidState] contoso-vm: Issues found during Certification.",
                "[invalidState] plan-gen2: Image validation:",
            ],
        );
        check_job_end(
            vocabulary,
            JobEnd::FailsInProgress,
            "failed",
            &["another publish is running on the offer", "already exists."],
        );
        check_job_end(
            vocabulary,
            JobEnd::FailsStalePreview,
            "failed",
            &["the preview is stale", "not the latest submission."],
        );
        check_job_end(
            vocabulary,
            JobEnd::Canceled,
            "canceled",
            &["the operation was canceled: the job was canceled"],
        );
    }
}

#[test]
fn every_contradiction_of_the_reference_is_tolerated() {
    // Alternate: a bare product object, externalID, jobID, Pascal case.
    let emulator = previewed(Knobs {
        vocabulary: Vocabulary::Alternate,
        retry_after: Some(0),
        ..knobs()
    });
    let run = go_live(&emulator).run();
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(run.outputs["status"], "succeeded");
    assert!(
        run.stdout.contains("operation Completed (Succeeded)"),
        "{}",
        run.stdout
    );
}

#[test]
fn an_operation_of_the_other_api_is_refused_before_any_request() {
    let emulator = previewed(knobs());
    let before = emulator.requests().len();
    let wrong = Action::new(&emulator.ingestion_url())
        .with("api", "product-ingestion")
        .with(
            "operation_location",
            &format!("{}/api/operations/x", emulator.url()),
        )
        .run();
    assert_eq!(wrong.code, Some(2), "{}", wrong.stdout);
    assert!(
        wrong
            .error()
            .contains("names no operation of the Product Ingestion API")
    );
    assert_eq!(emulator.requests().len(), before);
}

#[test]
fn a_token_for_the_other_api_is_refused_with_the_audience_it_needs() {
    let emulator = previewed(Knobs {
        static_token: None,
        ..knobs()
    });
    let wrong = emulator.token_for(Scope::CloudPartnerPortal);
    let run = go_live(&emulator)
        .with("token", &wrong)
        .secret(&wrong)
        .run();
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    let error = run.error();
    assert!(error.contains("HTTP 401 Unauthorized"), "{error}");
    assert!(
        error.contains("needs a token for https://graph.microsoft.com"),
        "{error}"
    );
    assert!(configure_requests(&emulator).is_empty());

    // The right audience works.
    let right = emulator.token_for(Scope::Graph);
    let run = go_live(&emulator)
        .with("token", &right)
        .secret(&right)
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stdout);
}

#[test]
fn an_ambiguous_answer_to_configure_is_settled_by_reading_the_submissions() {
    // The job was created, but the answer was a 500: go-live WAS accepted.
    let emulator = previewed(Knobs {
        go_live_faults: vec![Fault::AcceptThenFail(500)],
        ..knobs()
    });
    let run = go_live(&emulator).run();
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    let error = run.error();
    assert!(error.contains("HTTP 500 Internal Server Error"), "{error}");
    assert!(
        error.contains("is now going live: go-live WAS accepted"),
        "{error}"
    );
    assert!(error.contains("do not run go-live again"), "{error}");
    assert_eq!(configure_requests(&emulator).len(), 1);

    // A 500 that started nothing: the submissions show no go-live.
    let emulator = previewed(Knobs {
        go_live_faults: vec![Fault::Status(500, None)],
        ..knobs()
    });
    let run = go_live(&emulator).run();
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    let error = run.error();
    assert!(
        error.contains("the submissions show no go-live of submission"),
        "{error}"
    );
    assert!(
        error.contains("go-live may have started all the same"),
        "{error}"
    );
    assert_eq!(configure_requests(&emulator).len(), 1);

    // 429 is retried after Retry-After; then it goes live.
    let emulator = previewed(Knobs {
        go_live_faults: vec![Fault::Status(429, Some(0))],
        ..knobs()
    });
    let run = go_live(&emulator).run();
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(configure_requests(&emulator).len(), 2);
}

#[test]
fn inputs_particular_to_product_ingestion_are_checked_before_any_request() {
    let emulator = Emulator::start(knobs());
    for (inputs, expected) in [
        (
            vec![("api", "graph")],
            "api 'graph' is not known: expected cloud-partner-portal or product-ingestion",
        ),
        (
            vec![("offer_id", "Contoso VM")],
            "offer_id 'Contoso VM' is not valid: expected the offer ID as typed in Partner Center",
        ),
        (
            vec![("token", ""), ("tenant_id", ""), ("client_id", "")],
            "pass token (an access token for https://graph.microsoft.com)",
        ),
    ] {
        let mut action = go_live(&emulator);
        for (name, value) in inputs {
            action = action.with(name, value);
        }
        let run = action.run();
        assert_eq!(run.code, Some(2), "{}", run.stdout);
        assert!(run.error().contains(expected), "{}", run.error());
    }
    assert!(emulator.requests().is_empty());
}

#[test]
fn a_job_that_has_ended_is_not_asked_again_while_its_live_submission_is_published() {
    // The live submission is published until the test has seen enough.
    let emulator = previewed(Knobs {
        live_submission_lag: Duration::from_secs(3600),
        ..knobs()
    });
    // The submissions reads that came after the last read of a job's status.
    let after_the_job = |requests: &[marketplace_emulator::Recorded]| {
        let last_job = requests
            .iter()
            .rposition(|r| r.method == "GET" && r.target.contains("/configure/"));
        last_job.map_or(0, |at| {
            requests[at..]
                .iter()
                .filter(|r| r.method == "GET" && r.target.contains("/submission/"))
                .count()
        })
    };
    let action = go_live(&emulator);
    let run = std::thread::scope(|scope| {
        let running = scope.spawn(|| action.run());
        assert!(emulator.wait_for_requests(LIMIT, |requests| after_the_job(requests) >= 3));
        emulator.end_running_now();
        running.join().unwrap()
    });
    run.check_ended(0, "succeeded", Some("started"));
    assert!(
        run.stdout.contains("is still being published"),
        "{}",
        run.stdout
    );
    assert!(after_the_job(&emulator.requests()) >= 3);
}

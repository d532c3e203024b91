//! `mode: publish`: the draft published to preview and followed until a
//! person can check it (publisher signoff, or a new preview submission),
//! for both APIs from one table; a re-run follows the publish already
//! running, a running go-live refuses it, and the release goes on to
//! go-live with the submission the publish made.

use std::time::Duration;

use crate::support::Action;
use crate::support::emulated::{Api, BOTH, knobs};
use marketplace_emulator::{Emulator, Fault, Knobs};

const OFFER: &str = "contoso-vm";

/// An emulator whose offer has a draft and was never published.
fn drafted(api: Api, knobs: Knobs) -> Emulator {
    let emulator = Emulator::start(knobs);
    if let Api::ProductIngestion = api {
        emulator.create_product(OFFER);
    }
    emulator
}

fn publish(api: Api, emulator: &Emulator) -> Action {
    api.single(emulator, OFFER).with("mode", "publish")
}

/// The publish requests the emulator received: a Cloud Partner Portal
/// `publish` POST, or a Product Ingestion `configure` to preview.
fn publish_requests(emulator: &Emulator) -> Vec<String> {
    emulator
        .requests()
        .into_iter()
        .filter(|r| {
            r.method == "POST"
                && (r.target.contains("/publish?")
                    || (r.target.contains("/configure?") && r.body.contains("\"preview\"")))
        })
        .map(|r| r.body)
        .collect()
}

#[test]
fn a_draft_is_published_to_preview_then_taken_live() {
    for api in BOTH {
        let emulator = drafted(api, knobs());
        let run = publish(api, &emulator).run();
        run.check_ended(0, "succeeded", Some("started"));
        assert_eq!(run.outputs["target"], "preview", "{api:?}");
        assert!(
            run.log()
                .contains("publish to preview accepted: operation "),
            "{}",
            run.stdout
        );
        assert!(
            run.summary.contains("| target | preview |"),
            "{}",
            run.summary
        );
        assert_eq!(publish_requests(&emulator).len(), 1, "{api:?}");
        // The page the approver of the go-live reads, on both APIs: the new
        // preview against live, which holds nothing yet.
        let approver_page = run
            .summary
            .split("what goes live (the preview against live):<br>")
            .nth(1)
            .unwrap_or_else(|| panic!("{api:?}: {}", run.summary));
        assert!(
            approver_page.starts_with("the whole offer: "),
            "{api:?}: {}",
            run.summary
        );
        let preview = run.outputs.get("submission_id").cloned();
        if let Api::ProductIngestion = api {
            // The new preview: listed by the service, and never the draft.
            let preview = preview.as_deref().expect("the new preview's submission_id");
            assert!(!preview.ends_with("/0"), "{preview}");
            assert!(
                run.log()
                    .contains(&format!("preview submission: {preview}"))
            );
            // Its body names no submission: it publishes the draft.
            let body: serde_json::Value =
                serde_json::from_str(&publish_requests(&emulator)[0]).unwrap();
            assert!(body["resources"][0].get("id").is_none(), "{body}");
        }

        // The gated job goes live with what the publish made.
        let run = api.single(&emulator, OFFER).run();
        run.check_ended(0, "succeeded", Some("started"));
        assert_eq!(run.outputs["target"], "live");
        if let Api::ProductIngestion = api {
            assert_eq!(run.outputs.get("submission_id"), preview.as_ref());
        }
        assert_eq!(publish_requests(&emulator).len(), 1);
    }
}

#[test]
fn a_re_run_follows_the_running_publish_and_sends_nothing() {
    for api in BOTH {
        let slow = Knobs {
            step_duration: Duration::from_secs(600),
            ..knobs()
        };
        let emulator = drafted(api, slow);
        let first = publish(api, &emulator).with("wait", "false").run();
        first.check_ended(0, "accepted", Some("started"));
        assert_eq!(first.outputs["target"], "preview");

        let again = publish(api, &emulator).with("wait", "false").run();
        again.check_ended(0, "running", Some("followed"));
        assert_eq!(again.outputs["target"], "preview");
        assert!(
            again
                .annotations("notice")
                .iter()
                .any(|n| n.contains("a publish to preview is already running on")),
            "{}",
            again.stdout
        );
        assert_eq!(publish_requests(&emulator).len(), 1, "{api:?}");

        // A watcher follows the same publish, and says which it is.
        let watch = api
            .single(&emulator, OFFER)
            .with("mode", "follow")
            .with("wait_timeout", "200ms")
            .with("fail_on_timeout", "false")
            .run();
        watch.check_ended(0, "running", Some("followed"));
        assert_eq!(watch.outputs["target"], "preview", "{}", watch.stdout);
        assert_eq!(publish_requests(&emulator).len(), 1);
    }
}

#[test]
fn a_publish_is_refused_while_a_go_live_runs() {
    for api in BOTH {
        let slow = Knobs {
            live_duration: Duration::from_secs(600),
            ..knobs()
        };
        let emulator = drafted(api, slow);
        let published = publish(api, &emulator).run();
        published.check_ended(0, "succeeded", Some("started"));
        let going_live = api.single(&emulator, OFFER).with("wait", "false").run();
        going_live.check_ended(0, "accepted", Some("started"));

        let run = publish(api, &emulator).run();
        run.check_ended(1, "failed", None);
        let error = run.error();
        assert!(
            error.contains("the draft was not published: a go-live is running on"),
            "{error}"
        );
        assert!(
            error.contains("publish to preview after it ends"),
            "{error}"
        );
        assert!(
            error.ends_with("; no publish to preview request was sent"),
            "{error}"
        );
        assert_eq!(publish_requests(&emulator).len(), 1, "{api:?}");
    }
}

#[test]
fn notification_emails_go_with_a_cloud_partner_portal_publish_only() {
    let emulator = drafted(Api::CloudPartnerPortal, knobs());
    let run = publish(Api::CloudPartnerPortal, &emulator)
        .with(
            "notification_emails",
            "release@contoso.com, ops@contoso.com",
        )
        .run();
    run.check_ended(0, "succeeded", Some("started"));
    let body: serde_json::Value = serde_json::from_str(&publish_requests(&emulator)[0]).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"metadata": {"notification-emails": "release@contoso.com,ops@contoso.com"}})
    );

    for (api, mode, emails, expected) in [
        (
            Api::ProductIngestion,
            "publish",
            "release@contoso.com",
            "is not taken by the Product Ingestion API",
        ),
        (
            Api::CloudPartnerPortal,
            "go-live",
            "release@contoso.com",
            "applies only to mode: publish",
        ),
        (
            Api::CloudPartnerPortal,
            "publish",
            "release at contoso",
            "is not an e-mail address",
        ),
    ] {
        let emulator = drafted(api, knobs());
        let run = api
            .single(&emulator, OFFER)
            .with("mode", mode)
            .with("notification_emails", emails)
            .run();
        assert_eq!(run.code, Some(2), "{}", run.stdout);
        assert!(run.error().contains(expected), "{}", run.error());
        assert!(
            run.error().starts_with("notification_emails"),
            "{}",
            run.error()
        );
        assert!(emulator.requests().is_empty(), "{:?}", emulator.requests());
    }
}

#[test]
fn an_answer_that_may_hide_an_accepted_publish_is_settled_by_reading_the_state() {
    for api in BOTH {
        // The service took the publish, then failed to say so.
        let emulator = drafted(
            api,
            Knobs {
                go_live_faults: vec![Fault::AcceptThenFail(500)],
                ..knobs()
            },
        );
        let run = publish(api, &emulator).run();
        run.check_ended(0, "succeeded", Some("started"));
        assert_eq!(run.outputs["target"], "preview");
        assert_eq!(
            publish_requests(&emulator).len(),
            1,
            "{api:?}: never sent again"
        );

        // Throttled: nothing can have started, so it is sent again.
        let emulator = drafted(
            api,
            Knobs {
                go_live_faults: vec![Fault::Status(429, Some(0))],
                ..knobs()
            },
        );
        let run = publish(api, &emulator).run();
        run.check_ended(0, "succeeded", Some("started"));
        assert!(
            run.log()
                .contains("publish to preview was not accepted (HTTP 429 Too Many Requests"),
            "{}",
            run.stdout
        );
        assert_eq!(publish_requests(&emulator).len(), 2, "{api:?}");
    }
}

#[test]
fn refusals_of_a_cloud_partner_portal_publish_name_what_to_do() {
    for (status, body, expected) in [
        (
            422,
            r#"{"error":{"code":"ValidationFailed","message":"The plan contoso has no VM image."}}"#,
            "ValidationFailed: The plan contoso has no VM image.): offer 'contoso-vm' of publisher 'contoso' failed validation: fix what the service names, then publish again",
        ),
        (
            409,
            r#"{"error":{"code":"Conflict","message":"An operation is in progress."}}"#,
            "another operation is running on offer 'contoso-vm' of publisher 'contoso'",
        ),
    ] {
        let mut server = mockito::Server::new();
        server
            .mock("GET", mockito::Matcher::Any)
            .with_body("[]")
            .create();
        let post = server
            .mock(
                "POST",
                "/api/publishers/contoso/offers/contoso-vm/publish?api-version=2017-10-31",
            )
            .with_status(status)
            .with_body(body)
            .expect(1)
            .create();
        let run = Action::new(&server.url()).with("mode", "publish").run();
        post.assert();
        run.check_ended(1, "failed", None);
        let error = run.error();
        assert!(
            error.starts_with(&format!(
                "the publish to preview was refused with HTTP {status}"
            )),
            "{error}"
        );
        assert!(error.contains(expected), "{error}");
    }
}

#[test]
fn offers_are_each_published_as_their_drafts_stand() {
    for api in BOTH {
        let emulator = Emulator::start(knobs());
        let offers = ["alpha-vm", "beta-vm"];
        if let Api::ProductIngestion = api {
            for offer in offers {
                emulator.create_product(offer);
            }
        }
        let lines = offers.map(|offer| api.line("contoso", offer));
        let run = api
            .action(&emulator, &lines.join("\n"))
            .with("mode", "publish")
            .run();
        assert_eq!(run.code, Some(0), "{}", run.stdout);
        assert_eq!(run.outputs["status"], "succeeded");
        let results: serde_json::Value = serde_json::from_str(&run.outputs["results"]).unwrap();
        for line in &lines {
            let entry = &results[line];
            assert_eq!(entry["target"], "preview", "{api:?}: {results}");
            assert_eq!(entry["status"], "succeeded", "{api:?}: {results}");
            assert_eq!(entry["outcome"], "started", "{api:?}: {results}");
        }
        assert_eq!(publish_requests(&emulator).len(), 2, "{api:?}");
    }
}

#[test]
fn a_publish_that_fails_certification_is_named_and_final() {
    for api in BOTH {
        let emulator = drafted(api, knobs());
        emulator.fail_offer(OFFER);
        let run = publish(api, &emulator).run();
        run.check_ended(1, "failed", Some("started"));
        assert_eq!(run.outputs["target"], "preview");
        let error = run.error();
        let named = match api {
            Api::ProductIngestion => {
                "certification failed: fix the image or offer; retrying will not help"
            }
            Api::CloudPartnerPortal => "step 'Certification'",
        };
        assert!(error.contains(named), "{api:?}: {error}");
        assert_eq!(
            publish_requests(&emulator).len(),
            1,
            "{api:?}: never sent again"
        );
    }

    // `details` an object where the documentation has an array, with
    // nothing in it: still named, and no empty line.
    let emulator = drafted(
        Api::ProductIngestion,
        Knobs {
            preview_job_end: marketplace_emulator::JobEnd::FailsCertificationFlat,
            ..knobs()
        },
    );
    let run = publish(Api::ProductIngestion, &emulator).run();
    run.check_ended(1, "failed", Some("started"));
    let error = run.error();
    assert!(
        error.contains("certification failed: fix the image or offer; retrying will not help"),
        "{error}"
    );
    assert!(
        error.contains("[internalServerError] submission/"),
        "{error}"
    );
    assert!(!error.contains("(no message)"), "{error}");
}

#[test]
fn a_preview_that_already_holds_the_draft_is_not_published_again() {
    let emulator = drafted(Api::ProductIngestion, knobs());
    let first = publish(Api::ProductIngestion, &emulator).run();
    first.check_ended(0, "succeeded", Some("started"));
    let again = publish(Api::ProductIngestion, &emulator).run();
    again.check_ended(0, "succeeded", Some("unchanged"));
    assert_eq!(again.outputs["target"], "preview");
    assert_eq!(
        again.outputs["submission_id"],
        first.outputs["submission_id"]
    );
    assert!(
        again
            .annotations("notice")
            .iter()
            .any(|n| n.contains("already holds its draft as it stands: nothing to publish")),
        "{}",
        again.stdout
    );
    assert_eq!(publish_requests(&emulator).len(), 1);

    // The Cloud Partner Portal shows no draft to compare: it publishes.
    let emulator = drafted(Api::CloudPartnerPortal, knobs());
    publish(Api::CloudPartnerPortal, &emulator)
        .run()
        .check_ended(0, "succeeded", Some("started"));
    publish(Api::CloudPartnerPortal, &emulator)
        .run()
        .check_ended(0, "succeeded", Some("started"));
    assert_eq!(publish_requests(&emulator).len(), 2);
}

#[test]
fn the_services_refusals_of_a_publish_are_shown_with_what_to_do() {
    // Product Ingestion: a publish job that meets another in progress.
    let emulator = drafted(
        Api::ProductIngestion,
        Knobs {
            preview_job_end: marketplace_emulator::JobEnd::FailsInProgress,
            ..knobs()
        },
    );
    let run = publish(Api::ProductIngestion, &emulator).run();
    run.check_ended(1, "failed", Some("started"));
    let error = run.error();
    assert!(error.contains("An In Progress submission"), "{error}");
    assert!(
        error.contains(
            "another publish is running on the offer: wait for it to end, then run this again"
        ),
        "{error}"
    );

    // Cloud Partner Portal: the offer failed validation.
    let emulator = drafted(
        Api::CloudPartnerPortal,
        Knobs {
            publish_invalid: Some("The plan contoso has no VM image.".into()),
            ..knobs()
        },
    );
    let run = publish(Api::CloudPartnerPortal, &emulator).run();
    run.check_ended(1, "failed", None);
    let error = run.error();
    // Every reason the body gives, beneath the summary.
    assert!(
        error.contains(
            "HTTP 422 Unprocessable Entity (ValidationFailed: The entity to be published failed validation; InvalidPlan: definition.plans[0]: The plan contoso has no VM image.; MissingField: The plan has no operating system family.; definition.plans[0].microsoft-azure-virtualmachines.vmImages: At least one image version is required.)"
        ),
        "{error}"
    );
    assert!(
        error.contains("failed validation: fix what the service names"),
        "{error}"
    );
    assert_eq!(publish_requests(&emulator).len(), 1);
}

/// An offer previewed twice (the first preview superseded, never live)
/// whose draft has changed since: what a publish must tell apart.
/// Returns it with the earlier previews' IDs.
fn previewed_twice(knobs: Knobs) -> (Emulator, Vec<String>) {
    let emulator = drafted(Api::ProductIngestion, knobs);
    let mut earlier = Vec::new();
    for _ in 0..2 {
        earlier.push(emulator.publish_preview(OFFER));
        assert!(emulator.wait_for_preview(OFFER, Duration::from_secs(20)));
    }
    let product = emulator.product_id(OFFER).unwrap();
    let guid = product.trim_start_matches("product/");
    emulator.set_draft_resource(
        OFFER,
        serde_json::json!({
            "$schema": "https://schema.mp.microsoft.com/schema/listing/2022-03-01-preview2",
            "id": format!("listing/{guid}/public/main/default/en-us"),
            "product": product,
            "title": "Contoso VM, now with more",
        }),
    );
    (emulator, earlier)
}

#[test]
fn a_superseded_preview_is_never_taken_for_the_new_one() {
    // The publish answered 500 having started nothing: the submissions
    // list the two earlier previews and no new one.
    let (emulator, _) = previewed_twice(Knobs {
        go_live_faults: vec![Fault::Status(500, None)],
        ..knobs()
    });
    let run = publish(Api::ProductIngestion, &emulator).run();
    run.check_ended(1, "unknown", None);
    assert_eq!(run.outputs.get("submission_id"), None, "{}", run.stdout);
    let error = run.error();
    assert!(
        error.contains("the submissions show no new preview yet"),
        "{error}"
    );

    // The publish job succeeded, but its preview is never listed: the
    // publish is not done, whatever earlier preview is listed.
    let (emulator, earlier) = previewed_twice(knobs());
    emulator.change_knobs(|knobs| knobs.unlisted_preview = true);
    let run = publish(Api::ProductIngestion, &emulator)
        .with("wait_timeout", "1s")
        .run();
    run.check_ended(3, "running", Some("started"));
    let taken = run.outputs.get("submission_id");
    assert!(
        taken.is_none_or(|id| !earlier.contains(id)),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("the new preview submission is not listed yet"),
        "{}",
        run.stdout
    );
    // Once its job had succeeded, only the submissions were read again.
    let job = &run.outputs["operation_id"];
    let requests = emulator.requests();
    let job_reads = |r: &&marketplace_emulator::Recorded| {
        r.method == "GET" && r.target.contains(&format!("/configure/{job}/status"))
    };
    let last_job_read = requests.iter().rposition(|r| job_reads(&r)).unwrap();
    let submission_reads_after = requests[last_job_read..]
        .iter()
        .filter(|r| r.method == "GET" && r.target.contains("/submission/"))
        .count();
    assert!(submission_reads_after >= 3, "{submission_reads_after}");
}

#[test]
fn a_publish_followed_by_its_url_alone_ends_when_its_operation_does() {
    for api in BOTH {
        let emulator = drafted(api, knobs());
        let started = publish(api, &emulator).with("wait", "false").run();
        started.check_ended(0, "accepted", Some("started"));
        let followed = publish(api, &emulator)
            .with("offer_id", "")
            .with("publisher_id", "")
            .with("operation_location", &started.outputs["operation_location"])
            .run();
        followed.check_ended(0, "succeeded", Some("followed"));
        if let Api::ProductIngestion = api {
            // Its URL names no product: the new preview cannot be looked
            // for, and the run says so rather than wait for it.
            assert!(
                followed.stdout.contains(
                    "the new preview submission is not named: the operation was followed by its URL alone"
                ),
                "{}",
                followed.stdout
            );
            assert!(!followed.outputs.contains_key("submission_id"));
        }
    }
}

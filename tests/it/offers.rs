//! Several offers in one step (`offers`): each offer's flow runs
//! concurrently over one sign-in, and the `results` output, the aggregate
//! `status`, the exit code, the log and the summary tell what became of
//! each. Against the emulator of each API, through the built binary.

use std::cell::RefCell;
use std::time::Duration;

use crate::support::Run;
use crate::support::emulated::{Api, BOTH, emulator_with, go_live_requests, knobs};
use marketplace_emulator::{Emulator, Knobs};
use serde_json::Value;

/// The `results` output, parsed as `fromJSON` would.
#[track_caller]
fn results(run: &Run) -> serde_json::Map<String, Value> {
    let text = run
        .outputs
        .get("results")
        .unwrap_or_else(|| panic!("no results output:\n{}", run.stdout));
    match serde_json::from_str(text) {
        Ok(Value::Object(map)) => map,
        other => panic!("results is not a JSON object: {other:?}\n{text}"),
    }
}

/// The entry of `line` in `results`, as text fields.
#[track_caller]
fn entry(results: &serde_json::Map<String, Value>, line: &str) -> (String, String, String) {
    let entry = &results
        .get(line)
        .unwrap_or_else(|| panic!("no entry {line} in {results:?}"));
    let field = |name: &str| {
        entry[name]
            .as_str()
            .unwrap_or_else(|| panic!("{line}.{name} is not a string: {entry}"))
            .to_owned()
    };
    (
        field("status"),
        field("outcome"),
        field("operation_location"),
    )
}

#[track_caller]
fn check_ended(run: &Run, code: i32, status: &str) {
    assert_eq!(run.code, Some(code), "{}", run.stdout);
    assert_eq!(run.outputs["status"], status, "{}", run.stdout);
    for single in [
        "operation_location",
        "operation_id",
        "product_id",
        "submission_id",
        "outcome",
    ] {
        assert!(
            !run.outputs.contains_key(single),
            "{single} was written: {:?}",
            run.outputs
        );
    }
    // Titled by the step: go-live, publish to preview, check.
    let title = run.summary.lines().next().unwrap_or_default();
    assert!(
        title.starts_with("### Azure Marketplace ") && title.contains(&format!(": {status} (")),
        "{}",
        run.summary
    );
}

/// The row of `line` in the summary's table.
#[track_caller]
fn summary_row<'a>(run: &'a Run, line: &str) -> &'a str {
    let start = format!("| `{line}` |");
    run.summary
        .lines()
        .find(|row| row.starts_with(&start))
        .unwrap_or_else(|| panic!("no row for {line}:\n{}", run.summary))
}

/// The error annotation that contains `text`.
#[track_caller]
fn error_containing(run: &Run, text: &str) -> String {
    run.annotations("error")
        .into_iter()
        .find(|error| error.contains(text))
        .unwrap_or_else(|| panic!("no error with {text:?}:\n{}", run.stdout))
}

#[test]
fn every_offer_goes_live_with_one_sign_in_and_one_table() {
    for api in BOTH {
        let knobs = knobs();
        let emulator = Emulator::start(knobs.clone());
        let offers = [
            ("contoso", "alpha-vm"),
            ("fabrikam", "beta-vm"),
            ("contoso", "gamma-vm"),
        ];
        for (publisher, offer) in offers {
            api.publish(&emulator, publisher, offer);
        }
        // A mix of publishers (for the Cloud Partner Portal), the third
        // line taking publisher_id; spaces, blank lines and comments.
        let lines = [
            api.line("contoso", "alpha-vm"),
            api.line("fabrikam", "beta-vm"),
            "gamma-vm".to_owned(),
        ];
        let text = format!(
            "  {}  \n\n# the spring release\n{}\n\t{}\n",
            lines[0], lines[1], lines[2]
        );
        let run = api
            .action(&emulator, &text)
            .github_oidc(&emulator, &knobs)
            .run();
        check_ended(&run, 0, "succeeded");
        assert_eq!(go_live_requests(&emulator), 3, "{api:?}");

        // One sign-in for all: one GitHub token, one Entra token.
        let requests = emulator.requests();
        let count = |part: &str| requests.iter().filter(|r| r.target.contains(part)).count();
        assert_eq!(count("/oauth2/v2.0/token"), 1, "{api:?}");
        assert_eq!(count("/oidc/token"), 1, "{api:?}");

        let results = results(&run);
        assert_eq!(results.len(), 3, "{results:?}");
        for line in &lines {
            let (status, outcome, location) = entry(&results, line);
            assert_eq!(
                (status.as_str(), outcome.as_str()),
                ("succeeded", "started")
            );
            assert!(location.starts_with(emulator.url()), "{location}");
            assert!(!results[line]["operation_id"].as_str().unwrap().is_empty());
            if let Api::ProductIngestion = api {
                for field in ["product_id", "submission_id"] {
                    assert!(results[line][field].is_string(), "{field}: {results:?}");
                }
            }
            // Every line about an offer starts with its name; its
            // progress comes in groups of its own.
            assert!(
                run.stdout
                    .lines()
                    .any(|l| l.starts_with(&format!("{line}: go-live accepted: operation "))),
                "{}",
                run.stdout
            );
            assert!(
                run.stdout
                    .lines()
                    .any(|l| l.starts_with(&format!("::group::{line}: ["))),
                "{}",
                run.stdout
            );
            assert!(
                !run.stdout
                    .lines()
                    .any(|l| l.trim_end() == format!("{line}:")),
                "an empty line with the offer's name:\n{}",
                run.stdout
            );
            let row = summary_row(&run, line);
            assert!(row.contains("| started | **succeeded** |"), "{row}");
        }
        assert!(
            run.log()
                .contains("3 offers at the end: 0 running, 3 succeeded, 0 failed"),
            "{}",
            run.stdout
        );
    }
}

#[test]
fn one_offer_failing_fails_the_run_and_the_others_still_go_live() {
    for api in BOTH {
        let emulator = emulator_with(api, knobs(), &["alpha-vm", "beta-vm", "gamma-vm"]);
        emulator.fail_offer("beta-vm");
        let lines = ["alpha-vm", "beta-vm", "gamma-vm"].map(|o| api.line("contoso", o));
        let run = api.action(&emulator, &lines.join("\n")).run();
        check_ended(&run, 1, "failed");
        assert_eq!(go_live_requests(&emulator), 3);
        let results = results(&run);
        for line in &lines {
            let (status, outcome, location) = entry(&results, line);
            let expected = if line.ends_with("beta-vm") {
                "failed"
            } else {
                "succeeded"
            };
            assert_eq!(status, expected, "{api:?} {line}: {results:?}");
            assert_eq!(outcome, "started");
            assert!(!location.is_empty());
        }
        let failed = &lines[1];
        let errors = run.annotations("error");
        assert_eq!(errors.len(), 1, "{}", run.stdout);
        assert!(
            errors[0].starts_with(&format!("{failed}: the operation failed: ")),
            "{}",
            errors[0]
        );
        assert!(
            run.summary
                .contains(&format!("> `{failed}`: the operation failed: ")),
            "{}",
            run.summary
        );
        assert!(
            run.log()
                .contains("3 offers at the end: 0 running, 2 succeeded, 1 failed")
        );
    }
}

/// alpha-vm ready, beta-vm taken live by an earlier run, gamma-vm whose
/// preview failed: the emulator, the three lines, and the go-live requests
/// sent so far.
fn three_states(api: Api) -> (Emulator, [String; 3], usize) {
    let emulator = emulator_with(api, knobs(), &["alpha-vm", "beta-vm"]);
    let earlier = api.single(&emulator, "beta-vm").run();
    assert_eq!(earlier.code, Some(0), "{}", earlier.stdout);
    emulator.fail_offer("gamma-vm");
    api.publish(&emulator, "contoso", "gamma-vm");
    let sent = go_live_requests(&emulator);
    let lines = ["alpha-vm", "beta-vm", "gamma-vm"].map(|o| api.line("contoso", o));
    (emulator, lines, sent)
}

#[test]
fn an_offer_already_live_is_reported_and_an_offer_not_ready_is_not_sent() {
    for api in BOTH {
        let (emulator, lines, sent_before) = three_states(api);
        let run = api.action(&emulator, &lines.join("\n")).run();
        check_ended(&run, 1, "failed");
        // Only alpha-vm was sent.
        assert_eq!(go_live_requests(&emulator), sent_before + 1, "{api:?}");
        let results = results(&run);
        assert_eq!(
            entry(&results, &lines[0]).0,
            "succeeded",
            "{api:?} {results:?}"
        );
        let (status, outcome, location) = entry(&results, &lines[1]);
        assert_eq!(
            (status.as_str(), outcome.as_str()),
            ("succeeded", "already-live")
        );
        assert_eq!(location, "");
        let (status, outcome, location) = entry(&results, &lines[2]);
        assert_eq!(
            (status.as_str(), outcome.as_str(), location.as_str()),
            ("failed", "", "")
        );
        let error = run.error();
        assert!(
            error.starts_with(&format!("{}: go-live was not sent: ", lines[2])),
            "{error}"
        );
        assert!(error.contains("no go-live request was sent"), "{error}");
    }
}

#[test]
fn without_waiting_each_go_live_is_accepted_and_a_follow_run_follows_them_all() {
    for api in BOTH {
        let knobs = Knobs {
            live_duration: Duration::from_millis(400),
            ..knobs()
        };
        let emulator = emulator_with(api, knobs, &["alpha-vm", "beta-vm"]);
        let lines = ["alpha-vm", "beta-vm"].map(|o| api.line("contoso", o));
        let text = lines.join("\n");
        let run = api.action(&emulator, &text).with("wait", "false").run();
        check_ended(&run, 0, "accepted");
        let accepted = results(&run);
        for line in &lines {
            assert_eq!(entry(&accepted, line).0, "accepted");
        }

        // A later workflow, with the same list and nothing carried over.
        let run = api.action(&emulator, &text).with("mode", "follow").run();
        check_ended(&run, 0, "succeeded");
        assert_eq!(go_live_requests(&emulator), 2, "{api:?}");
        let followed = results(&run);
        for line in &lines {
            let (status, outcome, location) = entry(&followed, line);
            assert_eq!(
                (status.as_str(), outcome.as_str()),
                ("succeeded", "followed")
            );
            // The same go-live: the Cloud Partner Portal lists its
            // operation; Product Ingestion lists the submission going live
            // (not its job), followed through the product's submissions.
            let same = match api {
                Api::CloudPartnerPortal => "operation_location",
                Api::ProductIngestion => "submission_id",
            };
            assert!(!location.is_empty());
            assert_eq!(followed[line][same], accepted[line][same], "{api:?} {line}");
        }
    }
}

#[test]
fn check_with_offers_reports_each_state_and_sends_nothing() {
    for api in BOTH {
        let (emulator, lines, sent_before) = three_states(api);
        let run = api
            .action(&emulator, &lines.join("\n"))
            .with("mode", "check")
            .run();
        check_ended(&run, 0, "not-ready");
        assert_eq!(go_live_requests(&emulator), sent_before);
        let results = results(&run);
        for (line, expected) in lines.iter().zip(["ready", "live", "not-ready"]) {
            let (status, outcome, _) = entry(&results, line);
            assert_eq!(
                (status.as_str(), outcome.as_str()),
                (expected, "checked"),
                "{api:?} {line}"
            );
        }
    }
}

#[test]
fn a_timeout_keeps_every_operation_and_exits_3() {
    for api in BOTH {
        let knobs = Knobs {
            live_duration: Duration::from_secs(600),
            ..knobs()
        };
        let emulator = emulator_with(api, knobs, &["alpha-vm", "beta-vm"]);
        let lines = ["alpha-vm", "beta-vm"].map(|o| api.line("contoso", o));
        let run = api
            .action(&emulator, &lines.join("\n"))
            .with("wait_timeout", "300ms")
            .run();
        check_ended(&run, 3, "running");
        // Written as each operation became known, and at the end.
        assert_eq!(
            run.outputs_raw.matches("results<<").count(),
            lines.len() + 1,
            "{}",
            run.outputs_raw
        );
        let results = results(&run);
        for line in &lines {
            let (status, outcome, location) = entry(&results, line);
            assert_eq!((status.as_str(), outcome.as_str()), ("running", "started"));
            assert!(!location.is_empty());
        }
        assert_eq!(run.annotations("error").len(), 2, "{}", run.stdout);
        assert!(
            error_containing(&run, "still running after wait_timeout")
                .contains("mode: follow and the same offers")
        );

        // Not failing on a timeout: the same, with exit 0.
        let run = api
            .action(&emulator, &lines.join("\n"))
            .with("wait_timeout", "300ms")
            .with("fail_on_timeout", "false")
            .run();
        check_ended(&run, 0, "running");
    }
}

#[test]
fn a_signal_mid_wait_keeps_every_operation_in_results() {
    for api in BOTH {
        let knobs = Knobs {
            live_duration: Duration::from_secs(600),
            ..knobs()
        };
        let emulator = emulator_with(api, knobs, &["alpha-vm", "beta-vm", "gamma-vm"]);
        let lines = ["alpha-vm", "beta-vm", "gamma-vm"].map(|o| api.line("contoso", o));
        let action = api.action(&emulator, &lines.join("\n"));
        // Signaled once every offer shows its first progress group.
        let waiting = RefCell::new(Vec::new());
        let run = action.interrupt_after(action.command(), "TERM", Some, |line| {
            let mut waiting = waiting.borrow_mut();
            if let Some(offer) = lines
                .iter()
                .find(|l| line.starts_with(&format!("::group::{l}: ")))
                && !waiting.contains(offer)
            {
                waiting.push(offer.clone());
            }
            waiting.len() == lines.len()
        });
        assert_eq!(run.code, Some(143), "{}", run.stdout);
        assert_eq!(run.outputs["status"], "running");
        let results = results(&run);
        for line in &lines {
            let (status, outcome, location) = entry(&results, line);
            assert_eq!((status.as_str(), outcome.as_str()), ("running", "started"));
            assert!(location.starts_with(emulator.url()), "{location}");
            assert!(summary_row(&run, line).contains("**running**"));
        }
        assert!(
            error_containing(&run, "the go-lives already started go on in the service")
                .contains("mode: follow and the same offers")
        );
    }
}

#[test]
fn offers_are_checked_line_by_line_before_any_request() {
    let emulator = Emulator::start(knobs());
    let cpp = |offers: &str| Api::CloudPartnerPortal.action(&emulator, offers);
    let too_many: String = (0..257).map(|n| format!("contoso/offer-{n}\n")).collect();
    let cases = [
        (
            cpp("contoso/alpha-vm").with("offer_id", "beta-vm"),
            "offers and offer_id cannot be given together",
        ),
        (
            cpp("contoso/alpha-vm").with("operation_location", "https://example.com/op"),
            "offers and operation_location cannot be given together",
        ),
        (
            cpp("alpha-vm\n# a comment\ncontoso/alpha-vm"),
            "offers line 3: 'contoso/alpha-vm' names the same offer as line 1",
        ),
        (
            cpp(&too_many),
            "offers lists 257 offers, more than the 256 one run takes",
        ),
        (
            cpp("contoso/alpha-vm\n\ncontoso/beta vm\nfabrikam/gamma?"),
            "offers line 3: 'contoso/beta vm' is not a valid offer ID",
        ),
        (
            cpp("contoso/alpha-vm\n\ncontoso/beta vm\nfabrikam/gamma?"),
            "offers line 4: 'fabrikam/gamma?' is not a valid offer ID",
        ),
        (
            cpp("contoso/\n/alpha-vm"),
            "offers line 1: 'contoso/' is not a valid offer ID",
        ),
        (
            cpp("contoso/\n/alpha-vm"),
            "offers line 2: '/alpha-vm' has a publisher ID that is not valid",
        ),
        (
            cpp("contoso/alpha-vm\nbeta-vm").with("publisher_id", ""),
            "offers line 2: 'beta-vm' has no publisher",
        ),
        (
            Api::ProductIngestion.action(&emulator, "alpha-vm\ncontoso/beta-vm"),
            "offers line 2: 'contoso/beta-vm' names a publisher, which the Product Ingestion API does not use",
        ),
        (cpp("# nothing yet\n\n"), "offers lists no offer"),
    ];
    for (action, expected) in cases {
        let run = action.run();
        assert_eq!(run.code, Some(2), "{expected}: {}", run.stdout);
        assert!(
            run.error().contains(expected),
            "{expected:?} not in {}",
            run.error()
        );
        assert!(!run.outputs.contains_key("results"));
    }
    assert!(emulator.requests().is_empty(), "{:?}", emulator.requests());
}

#[test]
fn at_most_8_requests_are_in_flight_however_many_offers() {
    // A far service: every answer takes 200 ms, so that all 20 offers
    // asking at once would be seen at once.
    let knobs = Knobs {
        latency: Duration::from_millis(200),
        ..knobs()
    };
    let offers: Vec<String> = (0..20).map(|n| format!("offer-{n:02}")).collect();
    let names: Vec<&str> = offers.iter().map(String::as_str).collect();
    let emulator = emulator_with(Api::CloudPartnerPortal, knobs, &names);
    let lines: Vec<String> = offers
        .iter()
        .map(|o| Api::CloudPartnerPortal.line("contoso", o))
        .collect();
    let run = Api::CloudPartnerPortal
        .action(&emulator, &lines.join("\n"))
        .with("wait", "false")
        .run();
    check_ended(&run, 0, "accepted");
    assert_eq!(go_live_requests(&emulator), 20);
    assert_eq!(emulator.most_in_flight(), 8);
}

#[test]
fn a_wait_that_gives_up_points_at_the_operation_in_results() {
    for api in BOTH {
        let knobs = Knobs {
            faults: vec![marketplace_emulator::Fault::Status(503, None); 10],
            ..knobs()
        };
        let emulator = emulator_with(api, knobs, &["alpha-vm"]);
        let line = api.line("contoso", "alpha-vm");
        let run = api.action(&emulator, &line).run();
        check_ended(&run, 1, "unknown");
        let (status, outcome, location) = entry(&results(&run), &line);
        assert_eq!((status.as_str(), outcome.as_str()), ("unknown", "started"));
        let error = error_containing(&run, "10 status requests in a row got no usable answer");
        // The advice names what a later run can be given: the same offers,
        // or the operation_location this offer's entry of results holds.
        assert!(
            error.contains(&format!(
                "it goes on in the service: to follow it again, run this action with mode: follow and the same offers (or, for this offer alone, with operation_location: {location})"
            )),
            "{api:?}: {error}"
        );
    }
}

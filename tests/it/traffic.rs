//! What real traffic showed, each case through the built binary against
//! the emulator: a product lookup that lists other products, pages whose
//! links carry no `$version`, a publish stopped at a blocked step, the
//! offer's list of operations in its `{"value": [...]}` envelope, URLs
//! followed exactly as written (and refused when white space would change
//! them), and an outputs file that nobody reads.

use std::time::Duration;

use crate::support::emulated::{
    OFFER, STEP, cpp_go_live, go_live_requests, ingestion_go_live, knobs, previewed, published,
};
use crate::support::{Action, Run};
use marketplace_emulator::{Emulator, Knobs, ListShape, LocationStyle, ProductLookup};

/// An operation that lasts until the test shortens it.
const HOUR: Duration = Duration::from_secs(3600);

/// How long a test waits for the emulator to reach a state.
const LIMIT: Duration = Duration::from_secs(20);

/// Product Ingestion requests other than the product lookup.
fn past_the_lookup(emulator: &Emulator) -> Vec<String> {
    emulator
        .requests()
        .into_iter()
        .filter(|r| {
            r.target.starts_with("/rp/") && !r.target.starts_with("/rp/product-ingestion/product?")
        })
        .map(|r| format!("{} {}", r.method, r.target))
        .collect()
}

/// An emulator whose lookup lists every product, two a page, with these
/// products previewed, oldest first.
fn unfiltered(products: &[&str]) -> Emulator {
    let emulator = Emulator::start(Knobs {
        product_lookup: ProductLookup::Unfiltered,
        page_size: Some(2),
        ..knobs()
    });
    for product in products {
        emulator.publish_preview(product);
        assert!(emulator.wait_for_preview(product, LIMIT));
    }
    emulator
}

#[test]
fn the_product_is_the_one_whose_external_id_was_asked_for_on_any_page() {
    let emulator = unfiltered(&["other-a", "other-b", OFFER, "other-d", "other-e"]);
    let ours = emulator.product_id(OFFER).unwrap();
    let run = ingestion_go_live(&emulator.ingestion_url()).run();
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(run.outputs["status"], "succeeded");
    assert_eq!(run.outputs["product_id"], ours);
    // The configure request promoted our product, and only ours.
    let configured: Vec<String> = emulator
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.target.contains("/configure?"))
        .map(|r| r.body)
        .collect();
    assert_eq!(configured.len(), 1);
    assert!(
        configured[0].contains(&format!("\"product\":\"{ours}\"")),
        "{}",
        configured[0]
    );
    // Ours was on the second page of three: every page was asked for with
    // `$version`, though the links carry only their continuation token.
    let lookups: Vec<String> = emulator
        .requests()
        .into_iter()
        .map(|r| r.target)
        .filter(|t| t.starts_with("/rp/product-ingestion/product?"))
        .collect();
    assert_eq!(lookups.len(), 3, "{lookups:?}");
    for page in &lookups[1..] {
        assert!(page.contains("continuationToken="), "{page}");
        assert!(page.contains("$version=2022-03-01-preview2"), "{page}");
    }
}

#[test]
fn no_other_listed_product_is_taken_in_any_mode() {
    let emulator = unfiltered(&["other-a", "other-b", "other-c", "other-d", "other-e"]);
    for mode in ["go-live", "follow", "check"] {
        let run = ingestion_go_live(&emulator.ingestion_url())
            .with("mode", mode)
            .run();
        assert_eq!(run.code, Some(1), "{mode}: {}", run.stdout);
        let error = run.error();
        assert!(
            error.contains("no product with external ID 'contoso-vm' in the account this application belongs to"),
            "{mode}: {error}"
        );
        assert!(
            error.contains("the service listed 5 other product(s) ('other-a', 'other-b', 'other-c', 'other-d', 'other-e'), and none is taken in its place"),
            "{mode}: {error}"
        );
        assert!(!run.outputs.contains_key("product_id"), "{mode}");
        let expected = if mode == "go-live" {
            "failed"
        } else {
            "unknown"
        };
        assert_eq!(run.outputs["status"], expected, "{mode}");
    }
    assert_eq!(past_the_lookup(&emulator), Vec::<String>::new());

    // With several offers, the one listed goes live; the one not listed is
    // refused.
    let run = ingestion_go_live(&emulator.ingestion_url())
        .with("offer_id", "")
        .with("offers", &format!("{OFFER}\nother-c"))
        .run();
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    let results: serde_json::Value = serde_json::from_str(&run.outputs["results"]).unwrap();
    assert_eq!(results[OFFER]["status"], "failed", "{results}");
    assert_eq!(results["other-c"]["status"], "succeeded", "{results}");
    assert_eq!(
        results["other-c"]["product_id"],
        emulator.product_id("other-c").unwrap().as_str()
    );
    assert_eq!(go_live_requests(&emulator), 1);
}

#[test]
fn a_lone_product_that_says_nothing_of_its_identity_is_taken_with_a_notice() {
    let emulator = previewed(Knobs {
        product_lookup: ProductLookup::WithoutIdentity,
        ..knobs()
    });
    let run = ingestion_go_live(&emulator.ingestion_url()).run();
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(
        run.outputs["product_id"],
        emulator.product_id(OFFER).unwrap()
    );
    let expected = format!(
        "the service answered one product, {}, for external ID 'contoso-vm' without saying which external ID it has: it is taken as the offer's",
        emulator.product_id(OFFER).unwrap()
    );
    assert_eq!(run.annotations("notice")[0], expected, "{}", run.stdout);
    assert!(run.summary.contains(&expected), "{}", run.summary);
}

#[test]
fn every_page_of_submissions_is_read_with_its_version() {
    // One submission a page: draft, preview, and later the live entry.
    let emulator = previewed(Knobs {
        page_size: Some(1),
        ..knobs()
    });
    let run = ingestion_go_live(&emulator.ingestion_url()).run();
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(run.outputs["status"], "succeeded");
    let pages: Vec<String> = emulator
        .requests()
        .into_iter()
        .map(|r| r.target)
        .filter(|t| t.contains("/submission/") && t.contains("continuationToken="))
        .collect();
    assert!(!pages.is_empty());
    for page in &pages {
        assert!(page.contains("$version=2022-03-01-preview2"), "{page}");
    }
    // A re-run reads all the pages again and finds the offer live.
    let again = ingestion_go_live(&emulator.ingestion_url()).run();
    assert_eq!(again.code, Some(0), "{}", again.stdout);
    assert_eq!(again.outputs["outcome"], "already-live");
    assert_eq!(go_live_requests(&emulator), 1);
}

/// A Cloud Partner Portal offer whose publish stopped at Certification,
/// blocked with an error message.
fn blocked() -> Emulator {
    let emulator = Emulator::start(Knobs {
        blocked_step: Some((
            "Certification".into(),
            "No virtual machine image was found for the plan <b>contoso</b>.".into(),
        )),
        ..knobs()
    });
    emulator.publish("contoso", OFFER).unwrap();
    assert!(emulator.wait_for_end("contoso", OFFER, LIMIT));
    emulator
}

#[test]
fn a_publish_blocked_with_a_reason_is_named_and_not_waited_for() {
    let emulator = blocked();
    let run = cpp_go_live(emulator.url()).run();
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert_eq!(run.outputs["status"], "failed");
    assert_eq!(
        run.error(),
        "go-live was not sent: the publish to preview of offer 'contoso-vm' of publisher 'contoso' has stopped short of publisher signoff: step 'Certification': No virtual machine image was found for the plan contoso.; waiting will not help: fix the offer and publish it to preview again; no go-live request was sent"
    );

    // `mode: check` says the same, and sends nothing either.
    let run = cpp_go_live(emulator.url()).with("mode", "check").run();
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(run.outputs["status"], "not-ready");
    let notices = run.annotations("notice");
    assert!(
        notices.iter().any(|n| n.contains(
            "step 'Certification': No virtual machine image was found for the plan contoso."
        ) && n.contains("publish it to preview again")),
        "{}",
        run.stdout
    );
    assert_eq!(go_live_requests(&emulator), 0);
}

#[test]
fn a_list_of_operations_in_its_envelope_shows_the_running_go_live() {
    // The go-lives run until the test lets them end.
    let emulator = published(Knobs {
        list_shape: ListShape::Envelope,
        live_duration: HOUR,
        ..knobs()
    });
    emulator.publish("contoso", "contoso-app").unwrap();
    assert!(emulator.wait_for_signoff("contoso", "contoso-app", LIMIT));
    let earlier = emulator.go_live("contoso", OFFER).unwrap();
    emulator.go_live("contoso", "contoso-app").unwrap();

    let check = cpp_go_live(emulator.url()).with("mode", "check").run();
    assert_eq!(check.code, Some(0), "{}", check.stdout);
    assert_eq!(check.outputs["status"], "running");
    assert_eq!(check.outputs["operation_location"], earlier);
    emulator.change_knobs(|knobs| knobs.live_duration = STEP);

    let offers = cpp_go_live(emulator.url())
        .with("offer_id", "")
        .with("offers", "contoso-vm\ncontoso-app")
        .with("mode", "follow")
        .run();
    assert_eq!(offers.code, Some(0), "{}", offers.stdout);
    let results: serde_json::Value = serde_json::from_str(&offers.outputs["results"]).unwrap();
    for offer in ["contoso-vm", "contoso-app"] {
        assert_eq!(results[offer]["outcome"], "followed", "{results}");
        assert_eq!(results[offer]["status"], "succeeded", "{results}");
    }

    // A re-run of go-live finds it live, and sends nothing.
    let run = cpp_go_live(emulator.url()).run();
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(run.outputs["outcome"], "already-live");
    assert_eq!(go_live_requests(&emulator), 0);
}

#[test]
fn a_re_run_while_going_live_follows_the_go_live_its_envelope_lists() {
    // The go-live runs until the test lets it end.
    let emulator = published(Knobs {
        list_shape: ListShape::Envelope,
        live_duration: HOUR,
        ..knobs()
    });
    let earlier = emulator.go_live("contoso", OFFER).unwrap();
    let run = cpp_go_live(emulator.url()).with("wait", "false").run();
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(run.outputs["outcome"], "followed");
    assert_eq!(run.outputs["status"], "running");
    assert_eq!(run.outputs["operation_location"], earlier);
    emulator.change_knobs(|knobs| knobs.live_duration = STEP);
    let run = cpp_go_live(emulator.url()).run();
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(run.outputs["status"], "succeeded");
    assert_eq!(go_live_requests(&emulator), 0);
}

/// The paths of the status requests the emulator received.
fn status_paths(emulator: &Emulator) -> Vec<String> {
    emulator
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET" && r.target.starts_with("/api/operations/"))
        .map(|r| r.target.split('?').next().unwrap().to_owned())
        .collect()
}

/// The URL that follows `operation_location: ` in `text`.
fn advised_location(text: &str) -> String {
    let (_, rest) = text
        .rsplit_once("operation_location: ")
        .unwrap_or_else(|| panic!("no advice in {text}"));
    rest.split_whitespace().next().unwrap().to_owned()
}

#[test]
fn the_resume_advice_pasted_back_follows_the_same_operation() {
    let emulator = published(Knobs {
        location_style: LocationStyle::NonMigrated,
        live_duration: Duration::from_secs(600),
        ..knobs()
    });
    let location = emulator.go_live("contoso", OFFER).unwrap();
    // The same operation with its `$` escaped, as a copy from a browser
    // gives it.
    let escaped = location.replace('$', "%24");
    let follow = |location: &str| {
        Action::new(emulator.url())
            .with("operation_location", location)
            .with("wait", "true")
            .with("poll_interval", "20ms")
            .with("wait_timeout", "100ms")
            .run()
    };
    let first = follow(&escaped);
    assert_eq!(first.code, Some(3), "{}", first.stdout);
    let followed = status_paths(&emulator);
    assert!(followed[0].contains("%24"), "{followed:?}");

    // The advice, as the runner shows it and as the summary keeps it.
    let advice = advised_location(&first.error());
    assert_eq!(advice, advised_location(&first.summary.replace("\\_", "_")));
    assert_eq!(advice, escaped);
    assert_eq!(first.outputs["operation_location"], escaped);

    let before = followed.len();
    let second = follow(&advice);
    assert_eq!(second.code, Some(3), "{}", second.stdout);
    let again = status_paths(&emulator);
    assert!(again.len() > before);
    assert!(
        again[before..].iter().all(|path| *path == followed[0]),
        "{again:?}"
    );
}

#[track_caller]
fn check_refused_location(location: &str, expected: &str) {
    let emulator = Emulator::start(knobs());
    let run = Action::new(emulator.url())
        .with("operation_location", location)
        .run();
    assert_eq!(run.code, Some(2), "{}", run.stdout);
    let error = run.error();
    assert!(error.starts_with("operation_location '"), "{error}");
    assert!(error.contains(expected), "{expected:?} not in {error:?}");
    assert!(emulator.requests().is_empty(), "{:?}", emulator.requests());
}

#[test]
fn an_operation_location_with_white_space_inside_is_refused_before_any_request() {
    let base = "http://127.0.0.1:9/api/operations/";
    check_refused_location(
        &format!("{base}GU\nID"),
        "holds a line break at character 37",
    );
    check_refused_location(
        &format!("{base}GU\r\nID"),
        "holds a line break at character 37",
    );
    check_refused_location(&format!("{base}GU\tID"), "holds a tab at character 37");
    check_refused_location(&format!("{base}GU ID"), "holds a space at character 37");
    check_refused_location(
        &format!("{base}GU\u{7}ID"),
        "holds the character \\u{7} at character 37",
    );
}

#[test]
fn white_space_around_an_operation_location_is_trimmed() {
    let emulator = published(Knobs {
        live_duration: Duration::from_millis(100),
        ..knobs()
    });
    let location = emulator.go_live("contoso", OFFER).unwrap();
    let run = Action::new(emulator.url())
        .with("operation_location", &format!(" \t{location}\n"))
        .with("wait", "true")
        .with("poll_interval", "20ms")
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(run.outputs["operation_location"], location);
    assert_eq!(run.outputs["status"], "succeeded");
}

/// Runs `action` with `GITHUB_OUTPUT` or `GITHUB_STEP_SUMMARY` (`variable`)
/// naming a FIFO that no process reads; fails rather than hangs when the
/// binary does not end within `LIMIT`.
fn run_with_unread_fifo(action: Action, variable: &str) -> Run {
    let fifo = action.dir().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let action = action.env(variable, fifo.to_str().unwrap());
    let child = action
        .command()
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (done, ended) = std::sync::mpsc::channel();
    std::thread::spawn(move || done.send(child.wait_with_output().unwrap()));
    let Ok(output) = ended.recv_timeout(LIMIT) else {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
        panic!("the binary blocked on a FIFO that no process reads ({variable})");
    };
    action.finish(
        output.status,
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn an_outputs_file_that_nobody_reads_fails_at_once_and_says_go_live_started() {
    let emulator = published(knobs());
    let run = run_with_unread_fifo(Action::new(emulator.url()), "GITHUB_OUTPUT");
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert_eq!(go_live_requests(&emulator), 1);
    let error = run
        .annotations("error")
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no error:\n{}", run.stdout));
    assert!(error.contains("go-live WAS accepted"), "{error}");
    assert!(
        error.contains("it is a FIFO that no process reads"),
        "{error}"
    );
    assert!(error.contains("do not run go-live again"), "{error}");
    assert!(
        run.log().contains("go-live accepted: operation"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_summary_file_that_nobody_reads_is_a_warning_not_a_hang() {
    let emulator = published(knobs());
    let run = run_with_unread_fifo(cpp_go_live(emulator.url()), "GITHUB_STEP_SUMMARY");
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(run.outputs["status"], "succeeded");
    let warnings = run.annotations("warning");
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("cannot write the step summary")
                && w.contains("it is a FIFO that no process reads")),
        "{}",
        run.stdout
    );
}

#[test]
fn transient_answers_to_the_first_reads_are_ridden_out_in_every_mode() {
    use crate::support::emulated::{BOTH, emulator_with};
    use marketplace_emulator::Fault;
    for api in BOTH {
        for mode in ["check", "go-live", "publish"] {
            let emulator = emulator_with(
                api,
                Knobs {
                    read_faults: vec![
                        Fault::Status(503, Some(0)),
                        Fault::Status(429, None),
                        Fault::Cut,
                    ],
                    ..knobs()
                },
                &[OFFER],
            );
            let run = api
                .single(&emulator, OFFER)
                .with("mode", mode)
                .with("poll_interval", "10ms")
                .run();
            assert!(
                matches!(run.code, Some(0)),
                "{api:?} {mode}: {}",
                run.stdout
            );
            let reads = emulator
                .requests()
                .iter()
                .filter(|r| r.method == "GET")
                .count();
            assert!(reads >= 4, "{api:?} {mode}: {reads} reads");
        }
    }
}

#[test]
fn a_retry_after_on_the_submissions_list_paces_its_polls() {
    // The go-live runs until the test has seen the polls it needs.
    let emulator = Emulator::start(Knobs {
        live_duration: HOUR,
        retry_after: Some(1),
        ..knobs()
    });
    emulator.publish_preview(OFFER);
    assert!(emulator.wait_for_preview(OFFER, LIMIT));
    let started = ingestion_go_live(&emulator.ingestion_url())
        .with("wait", "false")
        .run();
    started.check_ended(0, "accepted", Some("started"));
    // A later run follows the go-live through the submissions list.
    let before = emulator.requests().len();
    let submission_reads =
        |requests: &[marketplace_emulator::Recorded]| -> Vec<std::time::Instant> {
            requests[before.min(requests.len())..]
                .iter()
                .filter(|r| r.method == "GET" && r.target.contains("/submission/"))
                .map(|r| r.at)
                .collect()
        };
    let follow = ingestion_go_live(&emulator.ingestion_url())
        .with("mode", "follow")
        .with("poll_interval", "10ms");
    let run = std::thread::scope(|scope| {
        let running = scope.spawn(|| follow.run());
        // The state's read, then three polls.
        assert!(
            emulator.wait_for_requests(LIMIT, |requests| submission_reads(requests).len() >= 4)
        );
        emulator.end_running_now();
        running.join().unwrap()
    });
    run.check_ended(0, "succeeded", Some("followed"));
    let polls = submission_reads(&emulator.requests());
    for pair in polls[1..].windows(2) {
        assert!(
            pair[1] - pair[0] >= Duration::from_millis(900),
            "{:?}",
            pair[1] - pair[0]
        );
    }
}

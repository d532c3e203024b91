//! Mistakes a person makes, at a terminal or in a workflow, and the
//! message that says what to do: durations in days or in several units,
//! offers separated by commas, `publisher/offer` in `offer_id`, an
//! `api_url` without the API's path (or with it twice).

use crate::support::cli::Line;
use crate::support::emulated::{OFFER, cpp_go_live, knobs, published};
use crate::support::{Action, TOKEN};
use marketplace_emulator::Emulator;

#[test]
fn days_and_several_units_are_durations_in_the_action_too() {
    let emulator = published(knobs());
    let run = cpp_go_live(emulator.url())
        .with("wait_timeout", "2d")
        .with("poll_interval", "0h0m0s20ms")
        .run();
    run.check_ended(0, "succeeded", Some("started"));
    assert!(run.log().contains("for at most 48h 00m"), "{}", run.stdout);
    for (value, why) in [
        ("1.5h", "whole numbers only: 90m rather than 1.5h"),
        ("90", "each number needs its unit"),
        (
            "1w",
            "such as 500ms, 30s, 45m or 5h; days (2d) and several units (1h30m) work too",
        ),
    ] {
        let run = Action::new("https://h.invalid")
            .with("wait_timeout", value)
            .run();
        assert_eq!(run.code, Some(2));
        let error = run.error();
        assert!(error.contains(why), "{value}: {error}");
        assert!(error.contains("a whole number with a unit"), "{error}");
    }
}

#[test]
fn offers_separated_by_commas_are_told_to_go_one_a_line() {
    let run = Action::new("https://h.invalid")
        .with("offer_id", "")
        .with("offers", "contoso/a, contoso/b")
        .run();
    assert_eq!(run.code, Some(2));
    assert!(
        run.error()
            .contains("'contoso/a, contoso/b' holds commas: list one offer a line"),
        "{}",
        run.error()
    );
    let ran = Line::new(&["check", "--offer", "contoso/a,contoso/b"])
        .env("GO_LIVE_TOKEN", TOKEN)
        .run();
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("one offer a line"), "{}", ran.stderr);
    let ran = Line::new(&[
        "check",
        "--offer",
        "contoso/a",
        "--offer",
        "contoso/b,contoso/c",
    ])
    .env("GO_LIVE_TOKEN", TOKEN)
    .run();
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("(one --offer each)"), "{}", ran.stderr);
}

#[test]
fn publisher_slash_offer_in_offer_id_is_told_how_to_split() {
    let run = Action::new("https://h.invalid")
        .with("publisher_id", "")
        .with("offer_id", "contoso/contoso-vm")
        .run();
    assert_eq!(run.code, Some(2));
    assert!(
        run.error().contains(
            "offer_id 'contoso/contoso-vm' holds a publisher: split it, publisher_id: contoso and offer_id: contoso-vm"
        ),
        "{}",
        run.error()
    );
    // At the command line it is the way to name one.
    let emulator = published(knobs());
    let ran = Line::new(&["check", "--offer", &format!("contoso/{OFFER}"), "--json"])
        .args(&["--api-url", emulator.url()])
        .env("GO_LIVE_TOKEN", TOKEN)
        .run();
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(
        ran.stdout.contains("\"contoso/contoso-vm\""),
        "{}",
        ran.stdout
    );
    // Not for the API that has no publishers.
    let ran = Line::new(&[
        "check",
        "--api",
        "product-ingestion",
        "--offer",
        "contoso/vm",
    ])
    .env("GO_LIVE_TOKEN", TOKEN)
    .run();
    assert_eq!(ran.code, Some(2));
    assert!(
        ran.stderr
            .contains("names a publisher, which the Product Ingestion API does not use"),
        "{}",
        ran.stderr
    );
}

#[test]
fn an_api_url_without_its_path_or_with_it_twice_gets_a_hint() {
    let emulator = Emulator::start(knobs());
    emulator.publish("contoso", OFFER).unwrap();
    // Product Ingestion at the host alone.
    let run = Action::new(emulator.url())
        .with("api", "product-ingestion")
        .with("publisher_id", "")
        .with("mode", "check")
        .run();
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(
        run.error().contains("lacks the API's path /rp/product-ingestion: give it whole, such as https://graph.microsoft.com/rp/product-ingestion"),
        "{}",
        run.error()
    );
    // The Cloud Partner Portal with /api at its end.
    let ran = Line::new(&["check", "--offer", &format!("contoso/{OFFER}")])
        .args(&["--api-url", &format!("{}/api", emulator.url())])
        .env("GO_LIVE_TOKEN", TOKEN)
        .run();
    assert_eq!(ran.code, Some(1), "{}", ran.stderr);
    assert!(
        ran.stderr
            .contains("ends in /api, and every path of the API starts with /api/ already"),
        "{}",
        ran.stderr
    );
}

/// `check` of the published offer, at a terminal.
fn check(emulator: &Emulator) -> Line {
    Line::new(&["check", "--publisher", "contoso", "--offer", OFFER])
        .args(&["--api-url", emulator.url()])
        .env("GO_LIVE_TOKEN", TOKEN)
}

#[test]
fn a_file_the_run_writes_is_checked_before_anything_is_sent() {
    let emulator = published(knobs());
    let before = emulator.requests().len();
    for flag in ["--results-file", "--dotenv"] {
        let ran = check(&emulator).args(&[flag, "missing/results.json"]).run();
        assert_eq!(ran.code, Some(2), "{}", ran.both());
        assert!(
            ran.stderr.contains(&format!(
                "{flag} 'missing/results.json' is in a directory that does not exist (missing)"
            )),
            "{}",
            ran.stderr
        );
    }
    assert_eq!(emulator.requests().len(), before, "nothing was sent");

    // A link is written through, never replaced.
    let line = check(&emulator).args(&["--results-file", "results.json"]);
    let target = line.path("kept.json");
    let link_path = line.path("results.json");
    std::os::unix::fs::symlink(&target, &link_path).unwrap();
    let ran = line.run();
    assert_eq!(ran.code, Some(0), "{}", ran.both());
    let link = std::fs::symlink_metadata(&link_path).unwrap();
    assert!(link.file_type().is_symlink());
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&target).unwrap()).unwrap();
    assert_eq!(results[OFFER]["status"], "ready", "{results}");
}

#[test]
fn variables_are_trimmed_and_read_as_the_action_reads_its_inputs() {
    let emulator = published(knobs());
    // A YAML block scalar keeps the line break: still one offer.
    let ran = Line::new(&["check", "--api-url", emulator.url(), "--json"])
        .env("GO_LIVE_TOKEN", TOKEN)
        .env("GO_LIVE_OFFER", &format!("contoso/{OFFER}\n"))
        .run();
    assert_eq!(ran.code, Some(0), "{}", ran.both());
    let results: serde_json::Value = serde_json::from_str(ran.stdout.trim()).unwrap();
    let keys: Vec<&String> = results.as_object().unwrap().keys().collect();
    assert_eq!(keys, [&format!("contoso/{OFFER}")], "{results}");
    assert!(
        results[format!("contoso/{OFFER}")]
            .get("operation_location")
            .is_some()
    );

    // An empty switch is not given; `True` is true, as Azure Pipelines
    // renders a template boolean.
    let go_live = |wait: &str| {
        let emulator = published(knobs());
        Line::new(&["live", "--publisher", "contoso", "--offer", OFFER])
            .args(&["--api-url", emulator.url(), "--poll-interval", "20ms"])
            .env("GO_LIVE_TOKEN", TOKEN)
            .env("GO_LIVE_WAIT", wait)
            .run()
    };
    let ran = go_live("");
    assert_eq!(ran.code, Some(0), "{}", ran.both());
    assert!(ran.stdout.contains("status=accepted"), "{}", ran.stdout);
    let ran = go_live("True");
    assert_eq!(ran.code, Some(0), "{}", ran.both());
    assert!(ran.stdout.contains("status=succeeded"), "{}", ran.stdout);
    let ran = go_live("yes");
    assert_eq!(ran.code, Some(2), "{}", ran.both());
    assert!(
        ran.stderr
            .contains("GO_LIVE_WAIT 'yes' is not a boolean: expected true or false"),
        "{}",
        ran.stderr
    );
}

#[test]
fn a_file_that_would_block_is_refused_and_a_byte_order_mark_is_read() {
    let fifo = |line: &Line, name: &str| {
        let path = line.path(name);
        let made = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .unwrap();
        assert!(made.success());
        path
    };
    let emulator = Emulator::start(knobs());
    emulator.create_vm_product("contoso-vm", &["standard"]);
    let draft = |file: &str| {
        Line::new(&[
            "draft",
            "--api",
            "product-ingestion",
            "--offer",
            "contoso-vm",
        ])
        .args(&["--api-url", &emulator.ingestion_url(), "--plan", "standard"])
        .args(&[
            "--vm-image-versions",
            file,
            "--configure-timeout",
            "1m",
            "--poll-interval",
            "10ms",
        ])
        .env("GO_LIVE_TOKEN", TOKEN)
    };
    let line = draft("versions.json");
    fifo(&line, "versions.json");
    let ran = line.run();
    assert_eq!(ran.code, Some(2), "{}", ran.both());
    assert!(
        ran.stderr.contains(
            "'versions.json' is not a regular file (a pipe or a device, which could block the run)"
        ),
        "{}",
        ran.stderr
    );
    assert!(emulator.requests().is_empty(), "nothing was sent");

    // A file written by PowerShell 5 starts with a byte order mark.
    let line = draft("versions.json");
    let versions = serde_json::json!([{"versionNumber": "1.0.0", "vmImages": [{"imageType": "x64Gen2",
        "source": {"sourceType": "sasUri", "dataDisks": [],
            "osDisk": {"uri": "https://contoso.blob.core.windows.net/vhds/a.vhd?sv=2023-11-03&se=2099-01-01T00:00:00Z&sr=b&sp=r&sig=c2ln"}}}]}]);
    std::fs::write(line.path("versions.json"), format!("\u{feff}{versions}")).unwrap();
    let ran = line.run();
    assert_eq!(ran.code, Some(0), "{}", ran.both());
    assert!(ran.stdout.contains("status=succeeded"), "{}", ran.stdout);

    // A federated token file that is a pipe: refused at once, not waited on.
    let line = Line::new(&["check", "--publisher", "contoso", "--offer", OFFER])
        .args(&[
            "--api-url",
            emulator.url(),
            "--authority-url",
            emulator.url(),
        ])
        .env("AZURE_TENANT_ID", "72f988bf-86f1-41af-91ab-2d7cd011db47")
        .env("AZURE_CLIENT_ID", "0b2c1f57-9a3e-4d2b-8a51-3c0f6e8d9b10");
    let token_file = fifo(&line, "token");
    let ran = line.env("AZURE_FEDERATED_TOKEN_FILE", &token_file).run();
    assert_eq!(ran.code, Some(1), "{}", ran.both());
    assert!(
        ran.stderr.contains("is not a regular file"),
        "{}",
        ran.stderr
    );
}

#[test]
fn each_surface_is_told_in_its_own_words() {
    // A command line: flags and commands, never an input's name.
    let line = Line::new(&[
        "draft",
        "--api",
        "product-ingestion",
        "--offer",
        "contoso-vm",
    ])
    .args(&["--configure", "draft.json", "--plan", "gen2"])
    .env("GO_LIVE_TOKEN", TOKEN);
    std::fs::write(line.path("draft.json"), "[]").unwrap();
    let ran = line.run();
    assert_eq!(ran.code, Some(2), "{}", ran.both());
    assert!(
        ran.stderr.contains(
            "--plan goes with --vm-image-versions or --cnab-bundles; --configure sends its resources as they are: leave --plan out"
        ),
        "{}",
        ran.stderr
    );
    let line = Line::new(&[
        "publish",
        "--offer",
        "contoso/vm",
        "--configure",
        "draft.json",
    ])
    .env("GO_LIVE_TOKEN", TOKEN);
    std::fs::write(line.path("draft.json"), "[]").unwrap();
    let ran = line.run();
    assert_eq!(ran.code, Some(2), "{}", ran.both());
    assert!(
        ran.stderr.contains("or use --api product-ingestion"),
        "{}",
        ran.stderr
    );
    assert!(!ran.stderr.contains("api: "), "{}", ran.stderr);

    // The action: its inputs, never a flag.
    let run = Action::new("https://h.invalid")
        .with("api", "product-ingestion")
        .with("offer_id", "contoso-vm")
        .with("mode", "draft")
        .with("configure", "draft.json")
        .with("plan", "gen2")
        .run();
    assert_eq!(run.code, Some(2), "{}", run.stdout);
    assert!(
        run.error().contains(
            "plan goes with vm_image_versions or cnab_bundles; configure sends its resources as they are: leave plan out"
        ),
        "{}",
        run.error()
    );
    assert!(!run.error().contains("--"), "{}", run.error());
}

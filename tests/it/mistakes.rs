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

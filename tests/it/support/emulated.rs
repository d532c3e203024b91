//! Runs against the local emulator: its knobs with the test token, an
//! offer made ready to go live in each API, and the action pointed at it.

use std::time::Duration;

use marketplace_emulator::{Emulator, Knobs};

use super::{Action, TOKEN};

/// How long each emulated step takes.
pub const STEP: Duration = Duration::from_millis(60);

/// The offer (and Product Ingestion product) every emulated run uses.
pub const OFFER: &str = "contoso-vm";

/// The documented services, with steps of `STEP`, accepting the test token.
pub fn knobs() -> Knobs {
    Knobs {
        static_token: Some(TOKEN.into()),
        ..Knobs::new(STEP)
    }
}

/// An emulator whose Cloud Partner Portal offer contoso/contoso-vm was
/// published and reached publisher signoff.
pub fn published(knobs: Knobs) -> Emulator {
    let emulator = Emulator::start(knobs);
    emulator.publish("contoso", OFFER).unwrap();
    assert!(emulator.wait_for_signoff("contoso", OFFER, Duration::from_secs(20)));
    emulator
}

/// An emulator whose Product Ingestion product contoso-vm has a preview
/// that succeeded.
pub fn previewed(knobs: Knobs) -> Emulator {
    let emulator = Emulator::start(knobs);
    emulator.publish_preview(OFFER);
    assert!(emulator.wait_for_preview(OFFER, Duration::from_secs(20)));
    emulator
}

/// Go-live through the Cloud Partner Portal API at `api_url`, waiting.
pub fn cpp_go_live(api_url: &str) -> Action {
    Action::new(api_url)
        .with("wait", "true")
        .with("poll_interval", "20ms")
        .with("wait_timeout", "1m")
}

/// Go-live through the Product Ingestion API at `api_url`, waiting.
pub fn ingestion_go_live(api_url: &str) -> Action {
    cpp_go_live(api_url)
        .with("api", "product-ingestion")
        .with("publisher_id", "")
}

/// How many go-live requests (either API's) the emulator received.
pub fn go_live_requests(emulator: &Emulator) -> usize {
    emulator
        .requests()
        .iter()
        .filter(|r| {
            r.method == "POST"
                && (r.target.contains("/golive?") || r.target.contains("/configure?"))
        })
        .count()
}

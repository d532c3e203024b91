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

/// The two APIs, and how each names, readies and lists an offer.
#[derive(Clone, Copy, Debug)]
pub enum Api {
    CloudPartnerPortal,
    ProductIngestion,
}

pub const BOTH: [Api; 2] = [Api::CloudPartnerPortal, Api::ProductIngestion];

/// How long a test waits for the emulator to reach a state.
pub const LIMIT: Duration = Duration::from_secs(20);

impl Api {
    /// A waiting run of this API with these `offers` and no `offer_id`.
    pub fn action(self, emulator: &Emulator, offers: &str) -> Action {
        let action = match self {
            Api::CloudPartnerPortal => cpp_go_live(emulator.url()),
            Api::ProductIngestion => ingestion_go_live(&emulator.ingestion_url()),
        };
        action.with("offer_id", "").with("offers", offers)
    }

    /// A single-offer run of this API on `offer` (of contoso).
    pub fn single(self, emulator: &Emulator, offer: &str) -> Action {
        match self {
            Api::CloudPartnerPortal => cpp_go_live(emulator.url()),
            Api::ProductIngestion => ingestion_go_live(&emulator.ingestion_url()),
        }
        .with("offer_id", offer)
    }

    /// Publishes the offer to preview, as a release workflow would, and
    /// waits for the preview to end (ready, or failed for a failing offer).
    pub fn publish(self, emulator: &Emulator, publisher: &str, offer: &str) {
        match self {
            Api::CloudPartnerPortal => {
                emulator.publish(publisher, offer).unwrap();
                assert!(emulator.wait_for_end(publisher, offer, LIMIT));
            }
            Api::ProductIngestion => {
                emulator.publish_preview(offer);
                assert!(emulator.wait_for_preview(offer, LIMIT));
            }
        }
    }

    /// An emulator whose offer contoso-vm is ready to go live: published
    /// to publisher signoff, or with a preview that succeeded.
    pub fn ready(self, knobs: Knobs) -> Emulator {
        match self {
            Api::CloudPartnerPortal => published(knobs),
            Api::ProductIngestion => previewed(knobs),
        }
    }

    /// Whether a request (its target) went to this API, not to sign-in.
    pub fn is_api_request(self, target: &str) -> bool {
        match self {
            Api::CloudPartnerPortal => target.starts_with("/api/"),
            Api::ProductIngestion => target.starts_with("/rp/"),
        }
    }

    /// The line that names `offer` of `publisher` in `offers`.
    pub fn line(self, publisher: &str, offer: &str) -> String {
        match self {
            Api::CloudPartnerPortal => format!("{publisher}/{offer}"),
            Api::ProductIngestion => offer.to_owned(),
        }
    }
}

/// An emulator with these offers of contoso published to preview.
pub fn emulator_with(api: Api, knobs: Knobs, offers: &[&str]) -> Emulator {
    let emulator = Emulator::start(knobs);
    for offer in offers {
        api.publish(&emulator, "contoso", offer);
    }
    emulator
}

/// The bodies of the `configure` requests the emulator received whose
/// first resource's `id` starts with `kind` (a technical configuration's
/// kind, or its last words): the draft changes sent.
pub fn configured(emulator: &Emulator, kind: &str) -> Vec<serde_json::Value> {
    emulator
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.target.contains("/configure?"))
        .map(|r| serde_json::from_str::<serde_json::Value>(&r.body).unwrap())
        .filter(|body| {
            body["resources"][0]["id"]
                .as_str()
                .is_some_and(|id| id.contains(kind))
        })
        .collect()
}

//! The publishing APIs, and the one place that matches on which is in use
//! (`Kind::api`). Each API is a folder: `cpp` (the legacy Cloud Partner
//! Portal API) and `ingestion` (the Product Ingestion API of Microsoft
//! Graph). Each knows its own URLs, JSON, scope, hints and status words, and
//! turns them into the neutral types of `model`; nothing outside its folder
//! names them.
//!
//! Adding an API is a new folder implementing `Api` and `Publisher`, one
//! variant of `Kind` (in `api.rs`, with the traits every API implements),
//! an emulator module and tests.

pub mod api;
pub mod cpp;
pub mod ingestion;
pub mod lenient;
pub mod values;

pub use api::{
    Api, DraftAgainstPreview, Endpoint, Kind, PlanReads, PollAnswer, Publisher, StartAnswer,
    resolve,
};

impl Kind {
    /// What an API knows before any request. The only match on the API.
    pub fn api(self) -> &'static dyn Api {
        match self {
            Kind::CloudPartnerPortal => &cpp::CloudPartnerPortal,
            Kind::ProductIngestion => &ingestion::ProductIngestion,
        }
    }

    /// The kind whose `api` input value this is.
    pub fn from_input(value: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|kind| kind.api().input_value() == value)
    }
}

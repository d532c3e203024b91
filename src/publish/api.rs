//! What every publishing API implements, and what they share: the traits
//! `Api` and `Publisher`, `Kind` (the `api` input) and `Endpoint`, the
//! sorted answers `StartAnswer` and `PollAnswer`, and `resolve`. It names
//! no API; `publish/mod.rs` picks one.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::Url;

use crate::failure::Failure;
use crate::http::{SendError, Transport};
use crate::model::{
    DraftAnswer, DraftChange, DraftFile, Offer, OfferState, OperationHandle, PlannedResource,
    Snapshot, StartRequest,
};

/// Which API a run speaks: the `api` input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    CloudPartnerPortal,
    ProductIngestion,
}

impl Kind {
    pub const ALL: [Kind; 2] = [Kind::CloudPartnerPortal, Kind::ProductIngestion];
}

/// Where the chosen API lives, validated by `config`.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub kind: Kind,
    /// `api_url` (or the API's own), always with a trailing slash so that
    /// joining keeps its path.
    pub base: Url,
    /// `api_version` (or the API's own).
    pub version: String,
}

/// An API's constants and input rules: what `config` checks before any
/// request, and how to connect.
pub trait Api: Sync {
    /// The `api` input's value for it.
    fn input_value(&self) -> &'static str;
    /// Its name in messages and the summary.
    fn name(&self) -> &'static str;
    fn default_url(&self) -> &'static str;
    fn default_version(&self) -> &'static str;
    /// The Entra scope of its access tokens.
    fn scope(&self) -> &'static str;
    /// Whether offers are addressed under a publisher ID.
    fn publisher_required(&self) -> bool;
    /// Whether a publish to preview takes `notification_emails`.
    fn takes_notification_emails(&self) -> bool;
    /// Whether the API changes drafts (`vm_image_versions`, `configure`).
    fn changes_drafts(&self) -> bool;
    /// Reads and checks a draft change's file before any request, with the
    /// clock as an argument.
    fn check_draft_file(&self, what: &DraftFile, text: &str, now: SystemTime) -> FileCheck;
    /// Checks an offer ID; the error says what is expected.
    fn check_offer_id(&self, offer_id: &str) -> Result<(), String>;
    /// The operation ID an `operation_location` URL names, if it names one.
    fn operation_id(&self, location: &Url) -> Option<String>;
    /// A client of the API at `endpoint`.
    fn connect(&self, endpoint: Endpoint, transport: Arc<Transport>) -> Box<dyn Publisher>;
}

/// What checking a draft change's file before any request found.
#[derive(Debug, Default)]
pub struct FileCheck {
    /// The secrets it holds, to mask before anything is printed (SAS
    /// queries), whatever its problems.
    pub masks: Vec<String>,
    /// Every problem, naming the version or resource and the field, with
    /// no secret in it.
    pub problems: Vec<String>,
    /// Whether the problems are listed once the offer's state is read,
    /// with the state's own (reads are safe): the run then goes on to read
    /// it, and ends with every problem at once.
    pub with_state: bool,
}

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// The draft against the newest preview, before a publish.
#[derive(Debug)]
pub enum DraftAgainstPreview {
    /// The newest preview already holds the draft as it stands: a publish
    /// would change nothing. That preview, and what was seen.
    Held(Box<OperationHandle>, String),
    /// What the publish would send for certification, a line each.
    Changes(Vec<String>),
    /// It cannot be told.
    Unknown,
}

/// The reads a plan is made of, each taken once and shared: the offer's
/// state, the draft change a real run would make, and the two
/// comparisons a person approves.
#[derive(Debug)]
pub struct PlanReads {
    pub state: OfferState,
    /// The draft change, when one is asked: the resources it would send
    /// or leave, or why a real run would refuse it (in its words).
    pub draft: Option<Result<Vec<PlannedResource>, String>>,
    /// What reading noticed besides, and the draft change's notes.
    pub notes: Vec<String>,
    /// The draft, after the change, against the newest preview.
    pub for_certification: DraftAgainstPreview,
    /// The newest preview against live, where the API can tell.
    pub goes_live: Option<Vec<String>>,
}

/// One API's requests, each sent once, each answer sorted into what the
/// flow must decide on. Nothing here sleeps, loops or logs.
pub trait Publisher {
    /// Signs in and reads the offer's state: whether go-live would be sent,
    /// and its last go-live. An error says why the offer itself could not
    /// be read (sign-in, role, not found); nothing was sent.
    fn read_state<'a>(&'a self, offer: &'a Offer) -> BoxFuture<'a, Result<OfferState, Failure>>;
    /// Sends go-live, once.
    fn go_live<'a>(&'a self, request: &'a StartRequest) -> BoxFuture<'a, StartAnswer>;
    /// Publishes the draft to preview, once (`notification_emails` where
    /// the API takes them). An accepted publish is an operation of stage
    /// `Preview`.
    fn publish<'a>(
        &'a self,
        request: &'a StartRequest,
        notification_emails: &'a [String],
    ) -> BoxFuture<'a, StartAnswer>;
    /// The draft against the newest preview: whether a publish would
    /// change nothing, or what it sends for certification.
    fn already_published<'a>(
        &'a self,
        request: &'a StartRequest,
    ) -> BoxFuture<'a, DraftAgainstPreview>;
    /// What going live would change for customers: the newest preview
    /// against live, a line each, or `None` where the API cannot tell.
    /// Sends nothing but reads.
    fn what_goes_live<'a>(
        &'a self,
        request: &'a StartRequest,
    ) -> BoxFuture<'a, Option<Vec<String>>>;
    /// Everything a plan of the release needs, read once: sends nothing
    /// but reads. An error says why the offer could not be read, or names
    /// a file at fault (`Failure::Invalid`).
    fn plan<'a>(
        &'a self,
        offer: &'a Offer,
        change: Option<&'a DraftChange>,
    ) -> BoxFuture<'a, Result<PlanReads, Failure>>;
    /// Reads the draft, merges the change into it and, unless it already
    /// holds it, sends it, once (never under a running publish). An
    /// accepted change is an operation of stage `Draft`.
    fn change_draft<'a>(
        &'a self,
        offer: &'a Offer,
        change: &'a DraftChange,
    ) -> BoxFuture<'a, Result<DraftAnswer, Failure>>;
    /// After a draft change's job succeeded: reads the draft again and
    /// says what of the change it does not hold as sent (another writer
    /// changed it after ours). `Ok` when it holds all of it, and for an
    /// operation this run did not send.
    fn verify_draft<'a>(
        &'a self,
        operation: &'a OperationHandle,
    ) -> BoxFuture<'a, Result<(), String>>;
    /// The URL to ask for the operation's status: its location with the
    /// API's version added when it has none. Built once per wait.
    fn status_url(&self, operation: &OperationHandle) -> Url;
    /// Asks the operation's status monitor at `url` (from `status_url`),
    /// once.
    fn status<'a>(
        &'a self,
        operation: &'a OperationHandle,
        url: &'a Url,
    ) -> BoxFuture<'a, PollAnswer>;
    /// A warning when `poll_interval` is shorter than the API allows.
    fn poll_interval_warning(&self, poll_interval: Duration) -> Option<String>;
}

/// How one request that starts an operation (a go-live or a publish to
/// preview) ended.
#[derive(Debug)]
pub enum StartAnswer {
    Accepted(OperationHandle),
    /// The service cannot have started the operation (no connection was
    /// made, or it answered 429 or 503), so the request may be sent again.
    NotStarted {
        reason: String,
        retry_after: Option<Duration>,
    },
    /// Final: report it.
    Failed(Failure),
}

impl StartAnswer {
    /// A go-live request that got no answer: sent again when nothing can
    /// have reached the service, reported otherwise.
    pub fn unanswered(error: SendError) -> StartAnswer {
        match error {
            SendError::Connect(reason) => StartAnswer::NotStarted {
                reason,
                retry_after: None,
            },
            error if error.nothing_sent() => {
                StartAnswer::Failed(Failure::NotSent(error.to_string()))
            }
            SendError::Timeout(reason) => StartAnswer::Failed(Failure::MayHaveStarted(format!(
                "the go-live request got {reason}"
            ))),
            error => StartAnswer::Failed(Failure::MayHaveStarted(format!(
                "the go-live request got no usable answer: {error}"
            ))),
        }
    }
}

/// How one status request ended.
#[derive(Debug)]
pub enum PollAnswer {
    Status {
        snapshot: Snapshot,
        retry_after: Option<Duration>,
    },
    /// No usable answer this time (connection, timeout, 408, 429, 5xx, a body
    /// that is not an operation); asking again may work.
    Transient {
        reason: String,
        retry_after: Option<Duration>,
    },
    /// Final: report it.
    Failed(String),
}

impl PollAnswer {
    /// A status request that got no answer: worth another try, unless the
    /// URL may not get the token.
    pub fn unanswered(error: SendError) -> PollAnswer {
        match error {
            SendError::ForeignOrigin(_) => PollAnswer::Failed(error.to_string()),
            SendError::Body(status, _, body) => PollAnswer::Transient {
                reason: format!(
                    "the status monitor answered HTTP {} but {body}",
                    crate::text::status_text(status)
                ),
                retry_after: None,
            },
            error => PollAnswer::Transient {
                reason: format!("status request failed: {error}"),
                retry_after: None,
            },
        }
    }
}

/// Resolves a URL, or a path, that an API named against `base`
/// (`api_url`). A path is a path of the API: it goes under `base`'s path,
/// so that a proxy's prefix (and an API's own, such as Product Ingestion's)
/// is kept, unless it starts with that path already.
pub fn resolve(base: &Url, value: &str) -> Result<Url, url::ParseError> {
    match value.strip_prefix('/') {
        Some(path) if !path.starts_with('/') && !value.starts_with(base.path()) => {
            // `./` keeps a first segment such as `a:b` from reading as a
            // scheme.
            base.join(&format!("./{path}"))
        }
        _ => base.join(value),
    }
}

/// Adds `name=value` to `url`'s query unless it already has `name`.
pub fn with_query_default(url: &Url, name: &str, value: &str) -> Url {
    let mut url = url.clone();
    if !url.query_pairs().any(|(key, _)| key == name) {
        url.query_pairs_mut().append_pair(name, value);
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_under_the_base_path() {
        let check = |base: &str, value: &str, expected: &str| {
            let base = Url::parse(base).unwrap();
            assert_eq!(resolve(&base, value).unwrap().as_str(), expected, "{value}");
        };
        check("http://h/", "/api/x?v=1", "http://h/api/x?v=1");
        check(
            "http://h/prefix/",
            "/api/x$y?v=1",
            "http://h/prefix/api/x$y?v=1",
        );
        check("http://h/prefix/", "/prefix/api/x", "http://h/prefix/api/x");
        check("http://h/prefix/", "/a:b/c", "http://h/prefix/a:b/c");
        check("http://h/prefix/", "https://o/api/x", "https://o/api/x");
        check("http://h/prefix/", "//o/api/x", "http://o/api/x");
        check("http://h/prefix/", "api/x", "http://h/prefix/api/x");
    }
}

//! The Cloud Partner Portal publishing API (api-version 2017-10-31):
//! publish, go live, cancel, operation status (both URL forms) and offer
//! status.
//!
//! It models an offer's life: publish runs the steps up to publisher
//! signoff; go-live is accepted only after that, and runs the Live step to
//! completion; one operation at a time per offer.
//!
//! Choices where the documentation is silent, listed so that nobody takes
//! them for facts about the service:
//! - a publish, go-live or cancel that finds another operation running on
//!   the offer is refused with 409 Conflict and code `OperationInProgress`;
//! - cancel answers 200 and cancels at once;
//! - a publish's operation stops at the `Publisher signoff` step with status
//!   `waitingForPublisherReview`, which go-live then completes;
//! - the offer's list of operations (served at both documented URLs, or at
//!   one or none, as `Knobs::operations_list` says) holds every operation
//!   of the offer, oldest first, with a go-live typed `goLive`; a publish
//!   waiting at publisher signoff is listed as `running`, as an offer's
//!   status is; `changedTime` is when the operation last changed; a
//!   publish stopped at a blocked step is listed and reported `running`,
//!   as the step's own status (`blocked`) is the only sign of it.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use axum::extract::{Path, Query, State as Shared};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::{
    BodyShape, Emulator, Knobs, Scope, SharedWorld, Vocabulary, World, error, json_answer,
};

pub const API_VERSION: &str = "2017-10-31";

/// The steps of a publish, in order; go-live adds `Live`.
pub const PUBLISH_STEPS: [&str; 5] = [
    "Validate pre-requisites",
    "Certification",
    "Provisioning",
    "Packaging and lead generation",
    "Publisher signoff",
];
pub const LIVE_STEP: &str = "Live";

/// Where the offer's list of operations is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationsList {
    /// `GET .../offers/{o}/operations` and `GET .../offers/{o}/submissions/`.
    Both,
    /// Only `GET .../offers/{o}/submissions/`, the form the 2018 and 2020
    /// pages print; the other answers 404.
    SubmissionsOnly,
    /// Neither: both answer 404.
    Neither,
}

/// How the offer's list of operations is shaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListShape {
    /// A bare JSON array, as documented.
    Bare,
    /// `{"value": [...]}`, the collection envelope of Microsoft's other
    /// APIs.
    Envelope,
}

/// How the accepted answer names the operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocationStyle {
    /// `Location: /api/publishers/{p}/offers/{o}/operations/{guid}?api-version=...`
    MigratedRelative,
    /// `Location: /api/operations/{p}${o}${n}$preview?api-version=...`
    NonMigrated,
    /// `Operation-Location: http://host/api/publishers/.../operations/{guid}`
    AbsoluteOperationLocation,
    /// `Location: /api/publishers/{p}/offers/{o}/operations/{guid}/?api-version=...`,
    /// with a trailing slash.
    TrailingSlash,
}

/// The offers and their operations.
#[derive(Default)]
pub(crate) struct Offers {
    offers: HashMap<(String, String), Offer>,
    operations: HashMap<String, Operation>,
    /// The alias of each operation started on an offer not migrated
    /// (`p$o$n$preview`), by which its status monitor is named, and the
    /// operation's GUID, which its body gives as `id`.
    aliases: HashMap<String, String>,
    /// Offer IDs whose operations fail from now on (`Emulator::fail_offer`).
    pub(crate) failing: std::collections::HashSet<String>,
    /// Each offer's draft document, once set (`cpp_documents`).
    drafts: HashMap<(String, String), Value>,
}

#[derive(Default)]
struct Offer {
    /// The operation running or last run on the offer.
    current: Option<String>,
    /// Every operation of the offer, oldest first.
    all: Vec<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Publish,
    GoLive,
}

struct Operation {
    id: String,
    kind: Kind,
    offer: (String, String),
    started: Instant,
    /// `started` on the wall clock, for `changedTime`.
    started_at: SystemTime,
    steps: Vec<&'static str>,
    /// Steps of this operation that were already complete when it started.
    done_before: usize,
    canceled_at: Option<Instant>,
    /// Started on a failing offer: a publish fails at Certification, a
    /// go-live at Live.
    fails: bool,
    /// The offer document it takes to preview (a publish: the draft as it
    /// started) or to production (a go-live: the preview as it started).
    document: Value,
}

/// Where an operation stands at a given moment.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Phase {
    Running,
    /// A publish waiting at publisher signoff.
    Signoff,
    /// A publish stopped at a blocked step (`Knobs::blocked_step`): still
    /// running to the service, and never reaching signoff.
    Blocked,
    Succeeded,
    Failed,
    Canceled,
}

impl Emulator {
    /// Starts a publish, as a workflow's publish step would, and returns
    /// the status monitor's URL.
    pub fn publish(&self, publisher: &str, offer: &str) -> Result<String, String> {
        self.start_operation(publisher, offer, Kind::Publish)
    }

    /// Starts a go-live, as an earlier run would have, and returns the
    /// status monitor's URL.
    pub fn go_live(&self, publisher: &str, offer: &str) -> Result<String, String> {
        self.start_operation(publisher, offer, Kind::GoLive)
    }

    fn start_operation(&self, publisher: &str, offer: &str, kind: Kind) -> Result<String, String> {
        let mut world = self.world().lock().unwrap();
        let n = world.next_id();
        let World { knobs, cpp, .. } = &mut *world;
        let answer = cpp.start(knobs, n, publisher, offer, kind, self.url());
        if answer.status() != axum::http::StatusCode::ACCEPTED {
            return Err(format!("the request answered {}", answer.status()));
        }
        let location = answer
            .headers()
            .get("location")
            .or(answer.headers().get("operation-location"))
            .and_then(|value| value.to_str().ok())
            .ok_or("the answer named no operation")?;
        Ok(if location.starts_with('/') {
            format!("{}{location}", self.url())
        } else {
            location.to_owned()
        })
    }

    /// Waits until the offer's publish reached publisher signoff; at most
    /// `limit`.
    pub fn wait_for_signoff(&self, publisher: &str, offer: &str, limit: Duration) -> bool {
        self.wait_for_phase(publisher, offer, limit, |phase| phase == Phase::Signoff)
    }

    /// Waits until the offer's newest operation stopped running (a publish:
    /// reached publisher signoff or failed); at most `limit`.
    pub fn wait_for_end(&self, publisher: &str, offer: &str, limit: Duration) -> bool {
        self.wait_for_phase(publisher, offer, limit, |phase| phase != Phase::Running)
    }

    fn wait_for_phase(
        &self,
        publisher: &str,
        offer: &str,
        limit: Duration,
        done: impl Fn(Phase) -> bool,
    ) -> bool {
        let key = (publisher.to_owned(), offer.to_owned());
        self.wait_until(limit, |world| {
            let current = world.cpp.offers.get(&key).and_then(|o| o.current.clone());
            current
                .and_then(|id| world.cpp.operations.get(&id))
                .is_some_and(|operation| done(phase(&world.knobs, operation, Instant::now())))
        })
    }
}

pub(crate) fn routes(world: SharedWorld) -> Router<SharedWorld> {
    Router::new()
        .route(
            "/api/publishers/{publisher}/offers/{offer}/{action}",
            post(offer_action).get(offer_read),
        )
        .route(
            "/api/publishers/{publisher}/offers/{offer}/operations/{id}",
            get(operation_by_offer),
        )
        .route(
            "/api/publishers/{publisher}/offers/{offer}/operations/{id}/",
            get(operation_by_offer),
        )
        .route(
            "/api/publishers/{publisher}/offers/{offer}/{action}/",
            get(offer_read),
        )
        .route("/api/operations/{id}", get(operation))
        .route(
            "/api/publishers/{publisher}/offers/{offer}",
            get(draft_read),
        )
        .route(
            "/api/publishers/{publisher}/offers/{offer}/slot/{slot}",
            get(slot_read),
        )
        .route_layer(axum::middleware::from_fn_with_state(world, admit))
}

/// Every request of the API, before its handler: its `api-version`, then
/// its token.
async fn admit(
    Shared(world): Shared<SharedWorld>,
    Query(query): Query<HashMap<String, String>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let refused = refusal(&world.lock().unwrap(), &query, request.headers());
    match refused {
        Some(refused) => refused,
        None => next.run(request).await,
    }
}

/// Checks `api-version` and the token; `None` when both are good.
fn refusal(
    world: &World,
    query: &HashMap<String, String>,
    headers: &HeaderMap,
) -> Option<Response> {
    if query.get("api-version").map(String::as_str) != Some(API_VERSION) {
        return Some(error(
            400,
            "InvalidAPIVersion",
            "Invalid API version. Allowed values: [2017-10-31]",
        ));
    }
    world.check_token(headers, Scope::CloudPartnerPortal)
}

async fn offer_action(
    Shared(world): Shared<SharedWorld>,
    Path((publisher, offer, action)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let mut world = world.lock().unwrap();
    let base = format!(
        "http://{}",
        headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1")
    );
    let n = world.next_id();
    let World { knobs, cpp, .. } = &mut *world;
    match action.as_str() {
        "publish" => cpp.start(knobs, n, &publisher, &offer, Kind::Publish, &base),
        "golive" => cpp.start(knobs, n, &publisher, &offer, Kind::GoLive, &base),
        "cancel" => cpp.cancel(knobs, &publisher, &offer),
        _ => error(404, "NotFound", "No such resource"),
    }
}

async fn offer_read(
    Shared(world): Shared<SharedWorld>,
    Path((publisher, offer, action)): Path<(String, String, String)>,
) -> Response {
    let world = world.lock().unwrap();
    let list = world.knobs.operations_list;
    match action.as_str() {
        "status" => world.cpp.offer_status(&world.knobs, &publisher, &offer),
        "operations" if list == OperationsList::Both => {
            world.cpp.operations_list(&world.knobs, &publisher, &offer)
        }
        "submissions" if list != OperationsList::Neither => {
            world.cpp.operations_list(&world.knobs, &publisher, &offer)
        }
        _ => error(404, "NotFound", "No such resource"),
    }
}

async fn draft_read(
    Shared(world): Shared<SharedWorld>,
    Path((publisher, offer)): Path<(String, String)>,
) -> Response {
    let world = world.lock().unwrap();
    let draft = world.cpp.draft(&publisher, &offer);
    json_answer(200, crate::cpp_documents::as_read(&draft))
}

async fn slot_read(
    Shared(world): Shared<SharedWorld>,
    Path((publisher, offer, slot)): Path<(String, String, String)>,
) -> Response {
    let world = world.lock().unwrap();
    let found = match slot.to_ascii_lowercase().as_str() {
        "draft" => Some(world.cpp.draft(&publisher, &offer)),
        "preview" | "production" => world.cpp.slot(&world.knobs, &publisher, &offer, &slot),
        _ => {
            return error(
                400,
                "InvalidSlot",
                "The slot must be Draft, Preview or Production",
            );
        }
    };
    match found {
        Some(document) => json_answer(200, crate::cpp_documents::as_read(&document)),
        None => error(
            404,
            "NotFound",
            "The offer has not been previewed or published in this slot",
        ),
    }
}

async fn operation_by_offer(
    world: Shared<SharedWorld>,
    Path((_, _, id)): Path<(String, String, String)>,
) -> Response {
    operation(world, Path(id)).await
}

async fn operation(Shared(world): Shared<SharedWorld>, Path(id): Path<String>) -> Response {
    let world = world.lock().unwrap();
    world.cpp.operation_status(&world.knobs, &id)
}

impl Offers {
    /// The offer's draft document.
    pub(crate) fn draft(&self, publisher: &str, offer: &str) -> Value {
        self.drafts
            .get(&(publisher.to_owned(), offer.to_owned()))
            .cloned()
            .unwrap_or_else(|| crate::cpp_documents::initial(publisher, offer))
    }

    pub(crate) fn set_draft(&mut self, publisher: &str, offer: &str, document: Value) {
        self.drafts
            .insert((publisher.to_owned(), offer.to_owned()), document);
    }

    /// The document in `slot` (`Preview` or `Production`, any case): that
    /// of the newest publish at signoff or beyond, or of the newest go-live
    /// that succeeded; `None` when there is none.
    fn slot(&self, knobs: &Knobs, publisher: &str, offer: &str, slot: &str) -> Option<Value> {
        let key = (publisher.to_owned(), offer.to_owned());
        let now = Instant::now();
        let (kind, phases): (Kind, &[Phase]) = if slot.eq_ignore_ascii_case("preview") {
            (Kind::Publish, &[Phase::Signoff, Phase::Succeeded])
        } else {
            (Kind::GoLive, &[Phase::Succeeded])
        };
        self.offers
            .get(&key)?
            .all
            .iter()
            .rev()
            .map(|id| &self.operations[id])
            .find(|operation| {
                operation.kind == kind && phases.contains(&phase(knobs, operation, now))
            })
            .map(|operation| operation.document.clone())
    }

    fn start(
        &mut self,
        knobs: &Knobs,
        n: u64,
        publisher: &str,
        offer: &str,
        kind: Kind,
        base: &str,
    ) -> Response {
        let key = (publisher.to_owned(), offer.to_owned());
        let now = Instant::now();
        let current = self.offers.get(&key).and_then(|o| o.current.clone());
        let phase = current
            .as_ref()
            .and_then(|id| self.operations.get(id))
            .map(|op| phase(knobs, op, now));
        let phase = if kind == Kind::GoLive && knobs.stateless_go_live {
            Some(Phase::Signoff)
        } else {
            phase
        };
        if kind == Kind::Publish
            && let Some(message) = &knobs.publish_invalid
        {
            // The service's summary, and the reasons beneath it: nested
            // details and per-field lists.
            return json_answer(
                422,
                json!({
                    "error": {
                        "code": "ValidationFailed",
                        "message": "The entity to be published failed validation",
                        "details": [{
                            "code": "InvalidPlan",
                            "target": "definition.plans[0]",
                            "message": message,
                            "details": [{"code": "MissingField", "message": "The plan has no operating system family."}],
                        }],
                    },
                    "errors": {"definition.plans[0].microsoft-azure-virtualmachines.vmImages": ["At least one image version is required."]},
                }),
            );
        }
        if matches!(phase, Some(Phase::Running | Phase::Blocked)) {
            return error(
                409,
                "OperationInProgress",
                "Another operation is running on this offer; wait for it to end or cancel it",
            );
        }
        if kind == Kind::GoLive && phase != Some(Phase::Signoff) {
            return error(
                400,
                "InvalidState",
                "The offer cannot go live: its last publish has not reached publisher signoff. Publish it and approve the preview first",
            );
        }
        let id = format!("{n:08x}-5e1f-4c2a-9b7d-{:012x}", n * 7919);
        let alias = match knobs.location_style {
            LocationStyle::NonMigrated => {
                let suffix = if kind == Kind::GoLive {
                    "production"
                } else {
                    "preview"
                };
                let alias = format!("{publisher}${offer}${n}${suffix}");
                self.aliases.insert(alias.clone(), id.clone());
                Some(alias)
            }
            _ => None,
        };
        let (steps, done_before) = match kind {
            Kind::Publish => (PUBLISH_STEPS.to_vec(), 0),
            Kind::GoLive => {
                let mut steps = PUBLISH_STEPS.to_vec();
                steps.push(LIVE_STEP);
                (steps, PUBLISH_STEPS.len())
            }
        };
        let document = match kind {
            Kind::Publish => crate::cpp_documents::into_preview(&self.draft(publisher, offer)),
            Kind::GoLive => self
                .slot(knobs, publisher, offer, "Preview")
                .unwrap_or_else(|| self.draft(publisher, offer)),
        };
        self.operations.insert(
            id.clone(),
            Operation {
                document,
                id: id.clone(),
                kind,
                offer: key.clone(),
                started: now,
                started_at: SystemTime::now(),
                steps,
                done_before,
                canceled_at: None,
                fails: self.failing.contains(offer),
            },
        );
        let listed = self.offers.entry(key).or_default();
        listed.current = Some(id.clone());
        listed.all.push(id.clone());
        let path = match alias {
            None => format!(
                "/api/publishers/{publisher}/offers/{offer}/operations/{id}?api-version={API_VERSION}"
            ),
            Some(alias) => format!("/api/operations/{alias}?api-version={API_VERSION}"),
        };
        match knobs.location_style {
            LocationStyle::TrailingSlash => {
                let path = path.replacen('?', "/?", 1);
                (axum::http::StatusCode::ACCEPTED, [("location", path)]).into_response()
            }
            LocationStyle::AbsoluteOperationLocation => {
                let absolute = format!("{base}{}", path.split('?').next().unwrap());
                (
                    axum::http::StatusCode::ACCEPTED,
                    [("operation-location", absolute)],
                )
                    .into_response()
            }
            _ => (axum::http::StatusCode::ACCEPTED, [("location", path)]).into_response(),
        }
    }

    fn cancel(&mut self, knobs: &Knobs, publisher: &str, offer: &str) -> Response {
        let key = (publisher.to_owned(), offer.to_owned());
        let now = Instant::now();
        let Some(id) = self.offers.get(&key).and_then(|o| o.current.clone()) else {
            return error(404, "NotFound", "The offer has no operation to cancel");
        };
        let phase = phase(knobs, &self.operations[&id], now);
        if !matches!(phase, Phase::Running | Phase::Signoff | Phase::Blocked) {
            return error(
                400,
                "InvalidState",
                "The offer has no running operation to cancel",
            );
        }
        self.operations.get_mut(&id).unwrap().canceled_at = Some(now);
        axum::http::StatusCode::OK.into_response()
    }

    /// The step index reached at `now`, and where the operation stands.
    fn operation_status(&self, knobs: &Knobs, id: &str) -> Response {
        let id = self.aliases.get(id).map_or(id, String::as_str);
        let Some(operation) = self.operations.get(id) else {
            return error(404, "NotFound", "No such operation");
        };
        let now = Instant::now();
        let body = describe(knobs, operation, now);
        let older = || {
            let mut older = describe(knobs, operation, now);
            older["id"] = json!("0a1b2c3d-0000-4000-8000-000000000001");
            older["status"] = json!(words(knobs).succeeded);
            older["error"] = Value::Null;
            older
        };
        let body = match knobs.body_shape {
            BodyShape::Object => body,
            BodyShape::Array => json!([body]),
            BodyShape::WithHistory => json!([older(), body]),
            BodyShape::OthersOnly => json!([older()]),
        };
        let mut response = json_answer(200, body);
        if let Some(seconds) = knobs.retry_after
            && phase(knobs, operation, now) == Phase::Running
        {
            response
                .headers_mut()
                .insert("retry-after", seconds.to_string().parse().unwrap());
        }
        response
    }

    /// Whether `path` is the status monitor of a go-live (or of an
    /// operation it does not know), rather than of a publish.
    pub(crate) fn is_go_live_monitor(&self, path: &str) -> bool {
        let id = path.rsplit('/').find(|segment| !segment.is_empty());
        id.map(|id| self.aliases.get(id).map_or(id, String::as_str))
            .and_then(|id| self.operations.get(id))
            .is_none_or(|operation| operation.kind == Kind::GoLive)
    }

    /// The offer's operations, oldest first, as the list's sample shows
    /// them.
    fn operations_list(&self, knobs: &Knobs, publisher: &str, offer: &str) -> Response {
        let key = (publisher.to_owned(), offer.to_owned());
        let now = Instant::now();
        let alternate = knobs.vocabulary == Vocabulary::Alternate;
        let items: Vec<Value> = self
            .offers
            .get(&key)
            .map(|offer| offer.all.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|id| {
                let operation = &self.operations[id];
                let phase = phase(knobs, operation, now);
                let words = words(knobs);
                let state = match phase {
                    Phase::Running | Phase::Signoff | Phase::Blocked => words.running,
                    Phase::Succeeded => words.succeeded,
                    Phase::Failed => words.failed,
                    Phase::Canceled => words.canceled,
                };
                let kind = match (operation.kind, alternate) {
                    (Kind::GoLive, false) => "goLive",
                    (Kind::GoLive, true) => "GoLive",
                    (Kind::Publish, false) => "publish",
                    (Kind::Publish, true) => "Publish",
                };
                let changed = operation.started_at + changed_after(knobs, operation, now);
                json!({
                    "id": operation.id,
                    "offerId": "56615b67-2185-49fe-80d2-c4ddf77bb2e8",
                    "publisherId": publisher,
                    "submissionType": kind,
                    "submissionState": state,
                    "slot": if operation.kind == Kind::GoLive { "production" } else { "staging" },
                    "changedTime": humantime::format_rfc3339_micros(changed).to_string(),
                    "publishingVersion": 2,
                    "offerVersion": 1,
                    "offerTypeId": "microsoft-azure-virtualmachines",
                    "version": 636_576_975_611_768_314u64,
                    "definition": {"metadata": {"emails": "release@contoso.com"}},
                })
            })
            .collect();
        match knobs.list_shape {
            ListShape::Bare => json_answer(200, json!(items)),
            ListShape::Envelope => json_answer(200, json!({"value": items})),
        }
    }

    fn offer_status(&self, knobs: &Knobs, publisher: &str, offer: &str) -> Response {
        let key = (publisher.to_owned(), offer.to_owned());
        let Some(offer_state) = self.offers.get(&key) else {
            return json_answer(200, json!({"status": "notStarted", "steps": []}));
        };
        let operation = &self.operations[offer_state.current.as_ref().unwrap()];
        let mut body = describe(knobs, operation, Instant::now());
        let status = match phase(knobs, operation, Instant::now()) {
            Phase::Running | Phase::Blocked => "running",
            Phase::Signoff => "waitingForPublisherReview",
            Phase::Succeeded => "succeeded",
            Phase::Failed => "failed",
            Phase::Canceled => "canceled",
        };
        body["status"] = json!(status);
        json_answer(200, body)
    }
}

/// How long after its start the operation last changed, as seen at `now`:
/// when it reached signoff or ended, or now while it runs.
fn changed_after(knobs: &Knobs, operation: &Operation, now: Instant) -> Duration {
    let elapsed = now.duration_since(operation.started);
    if let Some(canceled) = operation.canceled_at {
        return canceled.duration_since(operation.started).min(elapsed);
    }
    let step = match operation.kind {
        Kind::Publish => knobs.step_duration,
        Kind::GoLive => knobs.live_duration,
    }
    .max(Duration::from_millis(1));
    let steps = match (progress(knobs, operation, now).1, operation.kind) {
        (Phase::Running, _) => return elapsed,
        (Phase::Failed | Phase::Blocked, _) => {
            progress(knobs, operation, now).0 + 1 - operation.done_before
        }
        (_, Kind::Publish) => operation.steps.len() - 1,
        (_, Kind::GoLive) => operation.steps.len() - operation.done_before,
    };
    (step * steps as u32).min(elapsed)
}

fn phase(knobs: &Knobs, operation: &Operation, now: Instant) -> Phase {
    progress(knobs, operation, now).1
}

/// (index of the current step, phase, progress of the current step).
fn progress(knobs: &Knobs, operation: &Operation, now: Instant) -> (usize, Phase, u8) {
    let until = operation.canceled_at.unwrap_or(now).min(now);
    let elapsed = until.duration_since(operation.started);
    let step = match operation.kind {
        Kind::Publish => knobs.step_duration,
        Kind::GoLive => knobs.live_duration,
    }
    .max(Duration::from_millis(1));
    let steps_run = (elapsed.as_nanos() / step.as_nanos()) as usize;
    let fraction = ((elapsed.as_nanos() % step.as_nanos()) * 100 / step.as_nanos()) as u8;
    let index = operation.done_before + steps_run;
    let failing = failure(knobs, operation).and_then(|(name, _)| {
        operation
            .steps
            .iter()
            .position(|s| *s == name)
            .filter(|&at| at >= operation.done_before)
    });
    if let Some(at) = failing
        && index > at
    {
        return (at, Phase::Failed, fraction.max(30));
    }
    let blocking = knobs.blocked_step.as_ref().and_then(|(name, _)| {
        operation
            .steps
            .iter()
            .position(|s| s == name)
            .filter(|&at| at >= operation.done_before)
    });
    if let Some(at) = blocking
        && index > at
        && operation.canceled_at.is_none()
    {
        return (at, Phase::Blocked, fraction.max(30));
    }
    if operation.canceled_at.is_some() {
        return (
            index.min(operation.steps.len() - 1),
            Phase::Canceled,
            fraction,
        );
    }
    match operation.kind {
        Kind::Publish if index >= operation.steps.len() - 1 => {
            (operation.steps.len() - 1, Phase::Signoff, 0)
        }
        Kind::GoLive if index >= operation.steps.len() => {
            (operation.steps.len() - 1, Phase::Succeeded, 100)
        }
        _ => (index, Phase::Running, fraction),
    }
}

/// The step at which the operation fails, and its message: the failing
/// step of the knobs, else, on a failing offer, Certification (a publish)
/// or Live (a go-live).
fn failure<'a>(knobs: &'a Knobs, operation: &Operation) -> Option<(&'a str, String)> {
    if let Some((name, message)) = &knobs.failing_step {
        return Some((name, message.clone()));
    }
    let step = match operation.kind {
        _ if !operation.fails => return None,
        Kind::Publish => "Certification",
        Kind::GoLive => LIVE_STEP,
    };
    Some((
        step,
        format!("The {step} step failed for offer {}", operation.offer.1),
    ))
}

fn words(knobs: &Knobs) -> Words {
    match knobs.vocabulary {
        Vocabulary::Documented => Words {
            running: "running",
            succeeded: "completed",
            failed: "failed",
            canceled: "canceled",
            not_started: "notStarted",
            in_progress: "inProgress",
            complete: "complete",
        },
        Vocabulary::Alternate => Words {
            running: "Running",
            succeeded: "Succeeded",
            failed: "Failed",
            canceled: "Cancelled",
            not_started: "not started",
            in_progress: "running",
            complete: "completed",
        },
    }
}

fn describe(knobs: &Knobs, operation: &Operation, now: Instant) -> Value {
    let (current, phase, fraction) = progress(knobs, operation, now);
    let words = words(knobs);
    let steps: Vec<Value> = operation
        .steps
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let (status, progress, messages) = if i < current || (i == current && phase == Phase::Succeeded) {
                (words.complete, 100, vec![])
            } else if i > current {
                (words.not_started, 0, vec![])
            } else {
                match phase {
                    Phase::Running => (words.in_progress, fraction, vec![]),
                    Phase::Signoff => ("waitingForPublisherReview", 0, vec![]),
                    Phase::Blocked => {
                        let message = knobs.blocked_step.as_ref().map(|(_, m)| m.clone()).unwrap_or_default();
                        ("blocked", fraction, vec![json!({"messageHtml": message, "level": "error", "timestamp": "2026-01-01T00:00:00Z"})])
                    }
                    Phase::Canceled => (words.canceled, fraction, vec![]),
                    Phase::Failed => {
                        let message = failure(knobs, operation).map(|(_, m)| m).unwrap_or_default();
                        (words.failed, fraction, vec![json!({"messageHtml": message, "level": "error", "timestamp": "2026-01-01T00:00:00Z"})])
                    }
                    Phase::Succeeded => (words.complete, 100, vec![]),
                }
            };
            json!({
                "id": format!("step-{i}"),
                "stepName": name,
                "description": format!("{name} for {}", operation.offer.1),
                "estimatedTimeFrame": if *name == LIVE_STEP { "~2-5 days" } else { "< 1 day" },
                "status": status,
                "progressPercentage": progress,
                "messages": messages,
            })
        })
        .collect();
    let status = match phase {
        Phase::Running | Phase::Blocked => words.running,
        Phase::Signoff => "waitingForPublisherReview",
        Phase::Succeeded => words.succeeded,
        Phase::Failed => words.failed,
        Phase::Canceled => words.canceled,
    };
    let error = match phase {
        Phase::Failed => json!("The operation failed: see the messages of its failed step"),
        _ => Value::Null,
    };
    json!({
        "id": operation.id,
        "submissionType": if operation.kind == Kind::GoLive { "goLive" } else { "publish" },
        "createdDateTime": "2026-01-01T00:00:00Z",
        "lastActionDateTime": "2026-01-01T00:00:00Z",
        "status": status,
        "error": error,
        "cancellationRequestState": if matches!(phase, Phase::Running | Phase::Blocked) { "canCancel" } else { "cannotCancel" },
        "steps": steps,
        "previewLinks": [],
        "liveLinks": [],
        "notificationEmails": "release@contoso.com",
    })
}

struct Words {
    running: &'static str,
    succeeded: &'static str,
    failed: &'static str,
    canceled: &'static str,
    not_started: &'static str,
    in_progress: &'static str,
    complete: &'static str,
}

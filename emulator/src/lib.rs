//! A local emulator of the Cloud Partner Portal publishing API (api-version
//! 2017-10-31), with Microsoft Entra's v2 token endpoint and a GitHub OIDC
//! token endpoint beside it, all on one loopback port.
//!
//! It models an offer's life: publish runs the steps up to publisher
//! signoff; go-live is accepted only after that, and runs the Live step to
//! completion; one operation at a time per offer. Every behaviour that the
//! real service documents in more than one way is a knob (`Knobs`), and
//! every request is recorded for tests. It is a development tool: it is not
//! part of the shipped `go-live` binary.
//!
//! Choices where the documentation is silent, listed so that nobody takes
//! them for facts about the service:
//! - a publish, go-live or cancel that finds another operation running on
//!   the offer is refused with 409 Conflict and code `OperationInProgress`;
//! - cancel answers 200 and cancels at once;
//! - a publish's operation stops at the `Publisher signoff` step with status
//!   `waitingForPublisherReview`, which go-live then completes.

pub mod http;

use std::collections::{HashMap, VecDeque};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use http::{Request, Response, form_value};
use serde_json::{Value, json};

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

/// How the accepted answer names the operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocationStyle {
    /// `Location: /api/publishers/{p}/offers/{o}/operations/{guid}?api-version=...`
    MigratedRelative,
    /// `Location: /api/operations/{p}${o}${n}$preview?api-version=...`
    NonMigrated,
    /// `Operation-Location: http://host/api/publishers/.../operations/{guid}`
    AbsoluteOperationLocation,
}

/// Which of the documented status vocabularies the status monitor speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vocabulary {
    /// `running`, `completed`, `failed`, `canceled`; steps `notStarted`,
    /// `inProgress`, `complete`.
    Documented,
    /// `Running`, `Succeeded`, `Failed`, `Cancelled`; steps `not started`,
    /// `running`, `completed`.
    Alternate,
}

/// A fault served instead of the next status response, in order.
#[derive(Debug, Clone)]
pub enum Fault {
    /// This status, with `Retry-After` in seconds when given.
    Status(u16, Option<u64>),
    /// Close the connection without an answer.
    Reset,
    /// 200 with a body that is not JSON.
    MalformedJson,
    /// Wait this long, then answer normally.
    Slow(Duration),
}

/// The realism knobs of one emulator run.
#[derive(Debug, Clone)]
pub struct Knobs {
    /// How long each publish step takes.
    pub step_duration: Duration,
    /// How long the Live step of a go-live takes.
    pub live_duration: Duration,
    pub location_style: LocationStyle,
    /// Wrap status bodies in a one-element array, as the documentation's
    /// sample does.
    pub array_body: bool,
    pub vocabulary: Vocabulary,
    /// `Retry-After` (seconds) on every status response of a running operation.
    pub retry_after: Option<u64>,
    /// Served, one each, instead of the next status responses.
    pub faults: Vec<Fault>,
    /// `expires_in` of the access tokens Entra issues.
    pub token_lifetime: Duration,
    /// A step that fails, with its error message.
    pub failing_step: Option<(String, String)>,
    /// A bearer token the API accepts besides those Entra issued.
    pub static_token: Option<String>,
    /// Accept every go-live at once, whatever the offer's state, with a
    /// Live step of `live_duration`: the same answer to the same request,
    /// for benchmarks.
    pub stateless_go_live: bool,
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: String,
    /// `ACTIONS_ID_TOKEN_REQUEST_TOKEN` the OIDC endpoint expects.
    pub oidc_request_token: String,
    /// The `sub` claim of the GitHub tokens it issues.
    pub oidc_subject: String,
    /// The subject of the application's federated credential.
    pub federated_subject: String,
}

impl Knobs {
    /// Steps (Live included) of `step_duration`, everything else as the 2020+ documentation
    /// describes the service, and an application whose federated credential
    /// matches the GitHub subject.
    pub fn new(step_duration: Duration) -> Knobs {
        Knobs {
            step_duration,
            live_duration: step_duration,
            location_style: LocationStyle::MigratedRelative,
            array_body: false,
            vocabulary: Vocabulary::Documented,
            retry_after: None,
            faults: Vec::new(),
            token_lifetime: Duration::from_secs(3600),
            failing_step: None,
            static_token: None,
            stateless_go_live: false,
            tenant_id: "72f988bf-86f1-41af-91ab-2d7cd011db47".into(),
            client_id: "0b2c1f57-9a3e-4d2b-8a51-3c0f6e8d9b10".into(),
            client_secret: "emulator-client-secret".into(),
            oidc_request_token: "emulator-oidc-request-token".into(),
            oidc_subject: "repo:contoso/app:environment:production".into(),
            federated_subject: "repo:contoso/app:environment:production".into(),
        }
    }
}

/// A request as the emulator received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    pub authorization: Option<String>,
    pub at: Instant,
}

pub struct Emulator {
    url: String,
    state: Arc<Mutex<State>>,
}

struct State {
    knobs: Knobs,
    faults: VecDeque<Fault>,
    offers: HashMap<(String, String), Offer>,
    operations: HashMap<String, Operation>,
    issued_tokens: HashMap<String, Instant>,
    requests: Vec<Recorded>,
    counter: u64,
}

#[derive(Default)]
struct Offer {
    /// The operation running or last run on the offer.
    current: Option<String>,
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
    steps: Vec<&'static str>,
    /// Steps of this operation that were already complete when it started.
    done_before: usize,
    canceled_at: Option<Instant>,
}

/// Where an operation stands at a given moment.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Phase {
    Running,
    /// A publish waiting at publisher signoff.
    Signoff,
    Succeeded,
    Failed,
    Canceled,
}

impl Emulator {
    /// Starts the emulator on a free loopback port. It serves until the
    /// process ends.
    pub fn start(knobs: Knobs) -> Emulator {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State {
            faults: knobs.faults.iter().cloned().collect(),
            knobs,
            offers: HashMap::new(),
            operations: HashMap::new(),
            issued_tokens: HashMap::new(),
            requests: Vec::new(),
            counter: 0,
        }));
        let served = state.clone();
        let base = url.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let state = served.clone();
                let base = base.clone();
                std::thread::spawn(move || serve(&stream, &state, &base));
            }
        });
        Emulator { url, state }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// `ACTIONS_ID_TOKEN_REQUEST_URL` for a job whose OIDC provider is this
    /// emulator (it already has a query, as GitHub's does).
    pub fn oidc_request_url(&self) -> String {
        format!("{}/oidc/token?api-version=2.0", self.url)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().unwrap().requests.clone()
    }

    /// When each access token it issued was issued.
    pub fn issued_tokens(&self) -> HashMap<String, Instant> {
        self.state.lock().unwrap().issued_tokens.clone()
    }

    /// Starts a publish through the API, as a workflow's publish step would,
    /// and returns the status monitor's URL.
    pub fn publish(&self, publisher: &str, offer: &str, token: &str) -> Result<String, String> {
        let url = format!(
            "{}/api/publishers/{publisher}/offers/{offer}/publish?api-version={API_VERSION}",
            self.url
        );
        let auth = format!("Bearer {token}");
        let body = r#"{"metadata":{"notification-emails":"release@contoso.com"}}"#;
        let answer = http::call(
            "POST",
            &url,
            &[
                ("authorization", &auth),
                ("content-type", "application/json"),
            ],
            body,
        )
        .map_err(|e| e.to_string())?;
        if answer.status != 202 {
            return Err(format!(
                "publish answered {}: {}",
                answer.status, answer.body
            ));
        }
        let location = answer
            .headers
            .iter()
            .find(|(name, _)| name == "location" || name == "operation-location")
            .map(|(_, value)| value.clone())
            .ok_or("publish named no operation")?;
        Ok(if location.starts_with('/') {
            format!("{}{location}", self.url)
        } else {
            location
        })
    }

    /// Waits, in steps of a tenth of `step_duration`, until the offer's
    /// publish reached publisher signoff; at most `limit`.
    pub fn wait_for_signoff(&self, publisher: &str, offer: &str, limit: Duration) -> bool {
        let started = Instant::now();
        while started.elapsed() < limit {
            {
                let state = self.state.lock().unwrap();
                let key = (publisher.to_owned(), offer.to_owned());
                let current = state.offers.get(&key).and_then(|o| o.current.clone());
                if let Some(operation) = current.and_then(|id| state.operations.get(&id))
                    && state.phase(operation, Instant::now()) == Phase::Signoff
                {
                    return true;
                }
            }
            let step = self.state.lock().unwrap().knobs.step_duration / 10;
            std::thread::sleep(step.max(Duration::from_millis(1)));
        }
        false
    }
}

fn serve(stream: &TcpStream, state: &Mutex<State>, base: &str) {
    let Some(request) = http::read_request(stream) else {
        return;
    };
    let is_status = request.method == "GET" && request.path().contains("/operations/");
    let fault = {
        let mut state = state.lock().unwrap();
        state.requests.push(Recorded {
            method: request.method.clone(),
            target: request.target.clone(),
            authorization: request.header("authorization").map(str::to_owned),
            at: Instant::now(),
        });
        if is_status {
            state.faults.pop_front()
        } else {
            None
        }
    };
    let response = match fault {
        Some(Fault::Reset) => return,
        Some(Fault::Status(status, retry_after)) => {
            let response = Response::error(status, "Injected", "a fault injected by the emulator");
            match retry_after {
                Some(seconds) => response.with_header("retry-after", &seconds.to_string()),
                None => response,
            }
        }
        Some(Fault::MalformedJson) => Response {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: "{\"status\": \"running\", \"steps\": [".into(),
        },
        Some(Fault::Slow(delay)) => {
            std::thread::sleep(delay);
            route(&request, &mut state.lock().unwrap(), base)
        }
        None => route(&request, &mut state.lock().unwrap(), base),
    };
    response.write_to(stream);
}

fn route(request: &Request, state: &mut State, base: &str) -> Response {
    let path = request.path().to_owned();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let method = request.method.as_str();
    match (method, segments.as_slice()) {
        ("GET", ["oidc", "token"]) => state.oidc_token(request),
        ("GET", ["emulator", "requests"]) => {
            let requests: Vec<Value> = state
                .requests
                .iter()
                .map(|r| json!({"method": r.method, "target": r.target}))
                .collect();
            Response::json(200, json!(requests))
        }
        ("POST", [tenant, "oauth2", "v2.0", "token"]) => state.entra_token(tenant, request),
        (_, ["api", ..]) => {
            if request.query("api-version").as_deref() != Some(API_VERSION) {
                return Response::error(
                    400,
                    "InvalidAPIVersion",
                    "Invalid API version. Allowed values: [2017-10-31]",
                );
            }
            if let Some(refusal) = state.check_token(request) {
                return refusal;
            }
            match (method, &segments[1..]) {
                ("POST", ["publishers", p, "offers", o, "publish"]) => {
                    state.start(p, o, Kind::Publish, base)
                }
                ("POST", ["publishers", p, "offers", o, "golive"]) => {
                    state.start(p, o, Kind::GoLive, base)
                }
                ("POST", ["publishers", p, "offers", o, "cancel"]) => state.cancel(p, o),
                ("GET", ["publishers", p, "offers", o, "status"]) => state.offer_status(p, o),
                ("GET", ["publishers", _, "offers", _, "operations", id])
                | ("GET", ["operations", id]) => state.operation_status(id),
                _ => Response::error(404, "NotFound", "No such resource"),
            }
        }
        _ => Response::error(404, "NotFound", "No such resource"),
    }
}

impl State {
    fn check_token(&self, request: &Request) -> Option<Response> {
        let token = request
            .header("authorization")
            .and_then(|v| v.strip_prefix("Bearer "));
        let valid = match token {
            None => false,
            Some(token) if Some(token) == self.knobs.static_token.as_deref() => true,
            Some(token) => self
                .issued_tokens
                .get(token)
                .is_some_and(|issued| issued.elapsed() < self.knobs.token_lifetime),
        };
        (!valid).then(|| {
            Response::error(
                401,
                "Unauthorized",
                "The access token is missing, invalid or expired",
            )
        })
    }

    fn next_id(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }

    fn start(&mut self, publisher: &str, offer: &str, kind: Kind, base: &str) -> Response {
        let key = (publisher.to_owned(), offer.to_owned());
        let now = Instant::now();
        let current = self.offers.get(&key).and_then(|o| o.current.clone());
        let phase = current
            .as_ref()
            .and_then(|id| self.operations.get(id))
            .map(|op| self.phase(op, now));
        let phase = if kind == Kind::GoLive && self.knobs.stateless_go_live {
            Some(Phase::Signoff)
        } else {
            phase
        };
        if phase == Some(Phase::Running) {
            return Response::error(
                409,
                "OperationInProgress",
                "Another operation is running on this offer; wait for it to end or cancel it",
            );
        }
        if kind == Kind::GoLive && phase != Some(Phase::Signoff) {
            return Response::error(
                400,
                "InvalidState",
                "The offer cannot go live: its last publish has not reached publisher signoff. Publish it and approve the preview first",
            );
        }
        let n = self.next_id();
        let (guid, id) = match self.knobs.location_style {
            LocationStyle::NonMigrated => {
                let suffix = if kind == Kind::GoLive {
                    "production"
                } else {
                    "preview"
                };
                (None, format!("{publisher}${offer}${n}${suffix}"))
            }
            _ => {
                let guid = format!("{n:08x}-5e1f-4c2a-9b7d-{:012x}", n * 7919);
                (Some(guid.clone()), guid)
            }
        };
        let (steps, done_before) = match kind {
            Kind::Publish => (PUBLISH_STEPS.to_vec(), 0),
            Kind::GoLive => {
                let mut steps = PUBLISH_STEPS.to_vec();
                steps.push(LIVE_STEP);
                (steps, PUBLISH_STEPS.len())
            }
        };
        self.operations.insert(
            id.clone(),
            Operation {
                id: id.clone(),
                kind,
                offer: key.clone(),
                started: now,
                steps,
                done_before,
                canceled_at: None,
            },
        );
        self.offers.entry(key).or_default().current = Some(id.clone());
        let path = match guid {
            Some(guid) => format!(
                "/api/publishers/{publisher}/offers/{offer}/operations/{guid}?api-version={API_VERSION}"
            ),
            None => format!("/api/operations/{id}?api-version={API_VERSION}"),
        };
        let response = Response {
            status: 202,
            headers: Vec::new(),
            body: String::new(),
        };
        match self.knobs.location_style {
            LocationStyle::AbsoluteOperationLocation => {
                let absolute = format!("{base}{}", path.split('?').next().unwrap());
                response.with_header("operation-location", &absolute)
            }
            _ => response.with_header("location", &path),
        }
    }

    fn cancel(&mut self, publisher: &str, offer: &str) -> Response {
        let key = (publisher.to_owned(), offer.to_owned());
        let now = Instant::now();
        let Some(id) = self.offers.get(&key).and_then(|o| o.current.clone()) else {
            return Response::error(404, "NotFound", "The offer has no operation to cancel");
        };
        let phase = self.phase(&self.operations[&id], now);
        if phase != Phase::Running && phase != Phase::Signoff {
            return Response::error(
                400,
                "InvalidState",
                "The offer has no running operation to cancel",
            );
        }
        self.operations.get_mut(&id).unwrap().canceled_at = Some(now);
        Response {
            status: 200,
            headers: Vec::new(),
            body: String::new(),
        }
    }

    /// The step index reached at `now`, and where the operation stands.
    fn phase(&self, operation: &Operation, now: Instant) -> Phase {
        self.progress(operation, now).1
    }

    /// (index of the current step, phase, progress of the current step).
    fn progress(&self, operation: &Operation, now: Instant) -> (usize, Phase, u8) {
        let until = operation.canceled_at.unwrap_or(now).min(now);
        let elapsed = until.duration_since(operation.started);
        let step = match operation.kind {
            Kind::Publish => self.knobs.step_duration,
            Kind::GoLive => self.knobs.live_duration,
        }
        .max(Duration::from_millis(1));
        let steps_run = (elapsed.as_nanos() / step.as_nanos()) as usize;
        let fraction = ((elapsed.as_nanos() % step.as_nanos()) * 100 / step.as_nanos()) as u8;
        let index = operation.done_before + steps_run;
        let failing = self.knobs.failing_step.as_ref().and_then(|(name, _)| {
            operation
                .steps
                .iter()
                .position(|s| s == name)
                .filter(|&at| at >= operation.done_before)
        });
        if let Some(at) = failing
            && index > at
        {
            return (at, Phase::Failed, fraction.max(30));
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

    fn words(&self) -> Words {
        match self.knobs.vocabulary {
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

    fn describe(&self, operation: &Operation, now: Instant) -> Value {
        let (current, phase, fraction) = self.progress(operation, now);
        let words = self.words();
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
                        Phase::Canceled => (words.canceled, fraction, vec![]),
                        Phase::Failed => {
                            let message = self.knobs.failing_step.as_ref().map(|(_, m)| m.clone()).unwrap_or_default();
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
            Phase::Running => words.running,
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
            "cancellationRequestState": if phase == Phase::Running { "canCancel" } else { "cannotCancel" },
            "steps": steps,
            "previewLinks": [],
            "liveLinks": [],
            "notificationEmails": "release@contoso.com",
        })
    }

    fn operation_status(&self, id: &str) -> Response {
        let Some(operation) = self.operations.get(id) else {
            return Response::error(404, "NotFound", "No such operation");
        };
        let now = Instant::now();
        let body = self.describe(operation, now);
        let body = if self.knobs.array_body {
            json!([body])
        } else {
            body
        };
        let response = Response::json(200, body);
        match self.knobs.retry_after {
            Some(seconds) if self.phase(operation, now) == Phase::Running => {
                response.with_header("retry-after", &seconds.to_string())
            }
            _ => response,
        }
    }

    fn offer_status(&self, publisher: &str, offer: &str) -> Response {
        let key = (publisher.to_owned(), offer.to_owned());
        let Some(offer_state) = self.offers.get(&key) else {
            return Response::json(200, json!({"status": "notStarted", "steps": []}));
        };
        let operation = &self.operations[offer_state.current.as_ref().unwrap()];
        let mut body = self.describe(operation, Instant::now());
        let status = match self.phase(operation, Instant::now()) {
            Phase::Running => "running",
            Phase::Signoff => "waitingForPublisherReview",
            Phase::Succeeded => "succeeded",
            Phase::Failed => "failed",
            Phase::Canceled => "canceled",
        };
        body["status"] = json!(status);
        Response::json(200, body)
    }

    fn entra_token(&mut self, tenant: &str, request: &Request) -> Response {
        let refuse = |status: u16, error: &str, code: &str, text: &str| {
            Response::json(
                status,
                json!({
                    "error": error,
                    "error_description": format!("{code}: {text}\r\nTrace ID: 00000000-0000-0000-0000-000000000000\r\nCorrelation ID: 00000000-0000-0000-0000-000000000000\r\nTimestamp: 2026-01-01 00:00:00Z"),
                    "error_codes": [code.trim_start_matches("AADSTS").parse::<u64>().unwrap_or(0)],
                }),
            )
        };
        let form = |name: &str| form_value(&request.body, name);
        if tenant != self.knobs.tenant_id {
            return refuse(
                400,
                "invalid_request",
                "AADSTS90002",
                &format!("Tenant '{tenant}' not found."),
            );
        }
        if form("grant_type").as_deref() != Some("client_credentials")
            || form("scope").as_deref() != Some("https://cloudpartner.azure.com/.default")
        {
            return refuse(
                400,
                "invalid_request",
                "AADSTS900144",
                "The request body must contain grant_type client_credentials and the scope.",
            );
        }
        if form("client_id").as_deref() != Some(self.knobs.client_id.as_str()) {
            return refuse(
                400,
                "unauthorized_client",
                "AADSTS700016",
                "Application was not found in the directory.",
            );
        }
        match (form("client_secret"), form("client_assertion")) {
            (Some(secret), None) if secret == self.knobs.client_secret => {}
            (Some(_), None) => {
                return refuse(
                    401,
                    "invalid_client",
                    "AADSTS7000215",
                    "Invalid client secret provided.",
                );
            }
            (None, Some(assertion)) => {
                let subject = jwt_claim(&assertion, "sub");
                if subject.as_deref() != Some(self.knobs.federated_subject.as_str()) {
                    return refuse(
                        400,
                        "invalid_request",
                        "AADSTS70021",
                        &format!(
                            "No matching federated identity record found for presented assertion subject '{}'.",
                            subject.unwrap_or_default()
                        ),
                    );
                }
            }
            _ => {
                return refuse(
                    400,
                    "invalid_request",
                    "AADSTS900144",
                    "The request body must contain client_secret or client_assertion.",
                );
            }
        }
        let n = self.next_id();
        let token = format!("emu-access-token-{n:04}");
        self.issued_tokens.insert(token.clone(), Instant::now());
        Response::json(
            200,
            json!({"token_type": "Bearer", "expires_in": self.knobs.token_lifetime.as_secs(), "ext_expires_in": self.knobs.token_lifetime.as_secs(), "access_token": token}),
        )
    }

    fn oidc_token(&mut self, request: &Request) -> Response {
        let expected = format!("Bearer {}", self.knobs.oidc_request_token);
        if request.header("authorization") != Some(expected.as_str()) {
            return Response::json(401, json!({"message": "Bad credentials"}));
        }
        let audience = request
            .query("audience")
            .unwrap_or_else(|| "https://github.com/contoso".into());
        let n = self.next_id();
        let subject = self.knobs.oidc_subject.clone();
        let parts: Vec<&str> = subject.split(':').collect();
        let (repository, environment) = (
            parts.get(1).copied().unwrap_or(""),
            parts.get(3).copied().unwrap_or(""),
        );
        let encode = |value: Value| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
        };
        let jwt = format!(
            "{}.{}.",
            encode(json!({"alg": "none", "typ": "JWT"})),
            encode(json!({
                "jti": format!("emulator-{n}"),
                "sub": subject,
                "aud": audience,
                "iss": "https://token.actions.githubusercontent.com",
                "repository": repository,
                "environment": environment,
                "ref": "refs/heads/main",
            }))
        );
        Response::json(200, json!({"count": 1, "value": jwt}))
    }
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

/// A claim of an unsigned JWT.
fn jwt_claim(jwt: &str, name: &str) -> Option<String> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let claims: Value = serde_json::from_slice(&bytes).ok()?;
    claims.get(name)?.as_str().map(str::to_owned)
}

/// What the GitHub runner does around a container action, for the demo and
/// the tests: the inputs it sets and the files it reads back.
pub mod runner {
    use std::collections::BTreeMap;

    /// The inputs an `action.yml` declares, with their defaults (empty when
    /// it has none). The runner sets every one of them.
    pub fn declared_inputs(action_yml: &str) -> BTreeMap<String, String> {
        let mut inputs = BTreeMap::new();
        let mut in_inputs = false;
        let mut current: Option<String> = None;
        for line in action_yml.lines() {
            if !line.starts_with(' ') {
                in_inputs = line == "inputs:";
                continue;
            }
            if !in_inputs {
                continue;
            }
            if let Some(name) = line.strip_prefix("  ").and_then(|l| l.strip_suffix(':'))
                && !name.starts_with(' ')
            {
                current = Some(name.to_owned());
                inputs.insert(name.to_owned(), String::new());
            } else if let (Some(default), Some(name)) =
                (line.trim().strip_prefix("default:"), &current)
            {
                inputs.insert(name.clone(), default.trim().trim_matches('\'').to_owned());
            }
        }
        inputs
    }

    /// Parses an outputs file as the runner does: `name=value` lines and
    /// `name<<DELIMITER` heredocs; a heredoc without its closing line is an
    /// error that fails the step.
    pub fn parse_outputs(text: &str) -> Result<BTreeMap<String, String>, String> {
        let mut outputs = BTreeMap::new();
        let mut lines = text.split('\n');
        while let Some(line) = lines.next() {
            if line.is_empty() {
                continue;
            }
            let equals = line.find('=');
            let heredoc = line.find("<<");
            match (equals, heredoc) {
                (Some(e), h) if h.is_none_or(|h| e < h) => {
                    outputs.insert(line[..e].to_owned(), line[e + 1..].to_owned());
                }
                (_, Some(h)) => {
                    let name = &line[..h];
                    let delimiter = &line[h + 2..];
                    let mut value = Vec::new();
                    loop {
                        match lines.next() {
                            Some(l) if l == delimiter => break,
                            Some(l) => value.push(l),
                            None => return Err(format!("output {name}: no closing delimiter")),
                        }
                    }
                    outputs.insert(name.to_owned(), value.join("\n"));
                }
                _ => return Err(format!("unreadable outputs line: {line}")),
            }
        }
        Ok(outputs)
    }
}

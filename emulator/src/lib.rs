//! A local emulator of the two Azure Marketplace publishing APIs, the
//! Cloud Partner Portal API (`cpp`) and the Product Ingestion API
//! (`ingestion`), with Microsoft Entra's v2 token endpoint and a GitHub OIDC
//! token endpoint beside them (`entra`), all on one loopback port, served
//! by axum on its own tokio runtime.
//!
//! It models an offer's life in each API, turns every behaviour that the
//! real services document in more than one way into a knob (`Knobs`), and
//! records every request for tests. It is a development tool: it is not
//! part of the shipped `go-live` binary. Choices it makes where the
//! documentation is silent are listed in each API's module, so that nobody
//! takes them for facts about the service.

pub mod agents;
pub mod cpp;
pub mod cpp_documents;
pub mod entra;
pub mod ingestion;
pub mod runner;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State as Shared};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub use cpp::{ListShape, LocationStyle, OperationsList, PUBLISH_STEPS};
pub use ingestion::{JobEnd, ProductLookup};

/// Which of the documented vocabularies and shapes the APIs speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vocabulary {
    /// Cloud Partner Portal: `running`, `completed`, `failed`, `canceled`;
    /// steps `notStarted`, `inProgress`, `complete`. Product Ingestion: the
    /// JSON samples' camel case, `jobId`, `externalId`, `cancelled`, lists
    /// where lists are documented.
    Documented,
    /// Cloud Partner Portal: `Running`, `Succeeded`, `Failed`, `Cancelled`;
    /// steps `not started`, `running`, `completed`. Product Ingestion: every
    /// contradiction of its reference at once: the tables' Pascal case,
    /// `jobID`, `externalID`, `Canceled`, a bare product object, error
    /// `details` as an object and `resourceId` as an object.
    Alternate,
}

/// How a status body holds the operation it describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyShape {
    /// The operation alone.
    Object,
    /// Cloud Partner Portal: a one-element array, as its documentation's
    /// sample is.
    Array,
    /// Cloud Partner Portal: an array with an older, succeeded operation
    /// of the offer first, then ours.
    WithHistory,
    /// Only another operation: Cloud Partner Portal the older, succeeded
    /// one; Product Ingestion a job status naming another, succeeded job.
    OthersOnly,
}

/// A fault served instead of the next answer of its kind, in order.
#[derive(Debug, Clone)]
pub enum Fault {
    /// This status, with `Retry-After` in seconds when given.
    Status(u16, Option<u64>),
    /// Cut the connection before the answer is complete (a body stream
    /// that fails at once, so hyper closes the connection).
    Cut,
    /// 200 with a body that is not JSON.
    MalformedJson,
    /// Wait this long, then answer normally.
    Slow(Duration),
    /// Do what the request asks, then answer this status instead, as a
    /// service that failed after starting the work would.
    AcceptThenFail(u16),
    /// This status with a body of this many bytes, sent as a stream.
    Huge(u16, usize),
}

impl std::str::FromStr for Fault {
    type Err = String;

    /// `status:CODE[:RETRY_AFTER]`, `cut`, `malformed`, `slow:MS`,
    /// `accept-then-fail:CODE` or `huge:CODE:BYTES`.
    fn from_str(text: &str) -> Result<Fault, String> {
        let parts: Vec<&str> = text.split(':').collect();
        let number = |i: usize| -> Result<u64, String> {
            parts
                .get(i)
                .and_then(|p| p.parse().ok())
                .ok_or_else(|| format!("fault '{text}': expected a number in place {i}"))
        };
        let code = |i: usize| number(i).and_then(|n| u16::try_from(n).map_err(|e| e.to_string()));
        Ok(match parts[0] {
            "status" => Fault::Status(code(1)?, number(2).ok()),
            "cut" => Fault::Cut,
            "malformed" => Fault::MalformedJson,
            "slow" => Fault::Slow(Duration::from_millis(number(1)?)),
            "accept-then-fail" => Fault::AcceptThenFail(code(1)?),
            "huge" => Fault::Huge(code(1)?, number(2)? as usize),
            _ => return Err(format!("fault '{text}' is not known")),
        })
    }
}

/// The realism knobs of one emulator run.
#[derive(Debug, Clone)]
pub struct Knobs {
    /// How long each publish step (or a preview submission) takes.
    pub step_duration: Duration,
    /// How long the Live step of a go-live (or a go-live job) takes.
    pub live_duration: Duration,
    pub location_style: LocationStyle,
    /// Where the Cloud Partner Portal serves an offer's list of operations.
    pub operations_list: OperationsList,
    /// How the Cloud Partner Portal shapes that list.
    pub list_shape: ListShape,
    /// How a status body lists the operation.
    pub body_shape: BodyShape,
    /// Serve both APIs under this path (such as `/proxy`), as behind a
    /// proxy that adds a prefix; the APIs still name their own paths
    /// without it. Entra and OIDC stay at the root.
    pub path_prefix: Option<String>,
    pub vocabulary: Vocabulary,
    /// `Retry-After` (seconds) on every status answer of a running operation.
    pub retry_after: Option<u64>,
    /// Served, one each, instead of the next status answers of a go-live
    /// (operation status or job status).
    pub faults: Vec<Fault>,
    /// Served, one each, instead of the next answers to a POST that starts
    /// an operation (`golive`, `publish` or `configure`).
    pub go_live_faults: Vec<Fault>,
    /// Faults served, in order, to the reads of an offer's state (the
    /// product lookup, submissions, resource trees, a Cloud Partner Portal
    /// offer's operations): every GET but a status monitor's.
    pub read_faults: Vec<Fault>,
    /// Faults served, in order, instead of Entra's token answers.
    pub token_faults: Vec<Fault>,
    /// Faults served, in order, instead of GitHub's OIDC token answers.
    pub oidc_faults: Vec<Fault>,
    /// `expires_in` of the access tokens Entra issues.
    pub token_lifetime: Duration,
    /// A Cloud Partner Portal step that fails, with its error message.
    pub failing_step: Option<(String, String)>,
    /// A Cloud Partner Portal publish step at which a publish stops,
    /// `blocked`, with this error-level message, and never reaches
    /// publisher signoff.
    pub blocked_step: Option<(String, String)>,
    /// What the Product Ingestion product lookup lists.
    pub product_lookup: ProductLookup,
    /// Product Ingestion collections (products, submissions) in pages of
    /// this many, each `@nextLink` carrying only its continuation token.
    pub page_size: Option<usize>,
    /// How a Product Ingestion go-live job ends.
    pub job_end: JobEnd,
    /// How a Product Ingestion publish-to-preview job ends (a failing
    /// offer's fails certification whatever this says).
    pub preview_job_end: JobEnd,
    /// A Cloud Partner Portal publish answers 422 with this validation
    /// message.
    pub publish_invalid: Option<String>,
    /// Product Ingestion previews fail instead of succeeding.
    pub failing_preview: bool,
    /// A Product Ingestion publish to preview runs its job, but the
    /// preview it makes is never listed among the submissions (a service
    /// that lags, or lost it).
    pub unlisted_preview: bool,
    /// Another writer (Partner Center, a colleague's run) puts a plan's
    /// draft technical configuration back as it was while a Product
    /// Ingestion draft change runs: the change's job succeeds, and the
    /// draft does not hold it.
    pub draft_overwritten: bool,
    /// A Product Ingestion draft change's job fails as if the SAS URIs of
    /// its image versions could not be read, quoting each whole.
    pub unreadable_sas: bool,
    /// How long a Product Ingestion live submission stays in progress
    /// after its go-live job has succeeded (the service publishing it).
    pub live_submission_lag: Duration,
    /// Text the Product Ingestion submissions list appends to every
    /// submission's ID (a hostile or broken service).
    pub submission_id_suffix: Option<String>,
    /// A bearer token both APIs accept besides those Entra issued.
    pub static_token: Option<String>,
    /// Accept every Cloud Partner Portal go-live at once, whatever the
    /// offer's state, with a Live step of `live_duration`: the same answer
    /// to the same request, for benchmarks.
    pub stateless_go_live: bool,
    /// How long every answer of either API takes, as a far service's
    /// would (`Emulator::most_in_flight` then shows how many requests a
    /// client had in flight at once).
    pub latency: Duration,
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: String,
    /// `ACTIONS_ID_TOKEN_REQUEST_TOKEN` the OIDC endpoint expects.
    pub oidc_request_token: String,
    /// The `sub` claim of the GitHub tokens it issues.
    pub oidc_subject: String,
    /// The subject of the application's federated credential for GitHub.
    pub federated_subject: String,
    /// `SYSTEM_ACCESSTOKEN` the Azure Pipelines OIDC endpoint expects.
    pub pipelines_access_token: String,
    /// The service connection the Azure Pipelines OIDC endpoint knows.
    pub service_connection_id: String,
    /// The subject of its tokens, and of the application's federated
    /// credential for Azure Pipelines.
    pub pipelines_subject: String,
    /// The subject of the application's federated credential for GitLab
    /// (the `sub` of the ID tokens `Emulator::gitlab_id_token` issues).
    pub gitlab_subject: String,
    /// How long every OIDC token it issues is accepted by its Entra.
    /// Each federated assertion (an OIDC token, a token file's) is
    /// accepted for one sign-in, and refused as expired (AADSTS700024)
    /// after: a test that needs assertions to expire has them expire on
    /// use, not when a busy machine lets time pass.
    pub single_use_assertions: bool,
    pub assertion_lifetime: Duration,
    /// A file the emulator keeps one GitLab ID token in, as a platform
    /// that renews the token file would: a fresh token is written when the
    /// emulator starts and after each sign-in with the one there, which is
    /// refused from then on.
    pub federated_token_file: Option<std::path::PathBuf>,
}

impl Knobs {
    /// Steps (Live included) of `step_duration`, everything else as the
    /// documentation describes the services, and an application whose
    /// federated credential matches the GitHub subject.
    pub fn new(step_duration: Duration) -> Knobs {
        Knobs {
            step_duration,
            live_duration: step_duration,
            location_style: LocationStyle::MigratedRelative,
            operations_list: OperationsList::Both,
            list_shape: ListShape::Bare,
            body_shape: BodyShape::Object,
            path_prefix: None,
            vocabulary: Vocabulary::Documented,
            retry_after: None,
            faults: Vec::new(),
            go_live_faults: Vec::new(),
            read_faults: Vec::new(),
            token_faults: Vec::new(),
            oidc_faults: Vec::new(),
            token_lifetime: Duration::from_secs(3600),
            failing_step: None,
            blocked_step: None,
            product_lookup: ProductLookup::Filtered,
            page_size: None,
            job_end: JobEnd::Succeeds,
            preview_job_end: JobEnd::Succeeds,
            publish_invalid: None,
            failing_preview: false,
            unlisted_preview: false,
            draft_overwritten: false,
            unreadable_sas: false,
            live_submission_lag: Duration::ZERO,
            submission_id_suffix: None,
            static_token: None,
            stateless_go_live: false,
            latency: Duration::ZERO,
            tenant_id: "72f988bf-86f1-41af-91ab-2d7cd011db47".into(),
            client_id: "0b2c1f57-9a3e-4d2b-8a51-3c0f6e8d9b10".into(),
            client_secret: "emulator-client-secret".into(),
            oidc_request_token: "emulator-oidc-request-token".into(),
            oidc_subject: "repo:contoso/app:environment:production".into(),
            federated_subject: "repo:contoso/app:environment:production".into(),
            pipelines_access_token: "emulator-system-access-token".into(),
            service_connection_id: "5b1e7f3a-2c4d-4e6f-8a9b-0c1d2e3f4a5b".into(),
            pipelines_subject: "sc://contoso/marketplace/partner-center-wif".into(),
            gitlab_subject: "project_path:contoso/app:ref_type:branch:ref:main".into(),
            single_use_assertions: false,
            assertion_lifetime: Duration::from_secs(600),
            federated_token_file: None,
        }
    }
}

/// A request as the emulator received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Path and query, as sent (the whole URL when it came to the emulator
    /// as a proxy).
    pub target: String,
    pub authorization: Option<String>,
    pub body: String,
    pub at: Instant,
}

/// The audience an access token was issued for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    CloudPartnerPortal,
    Graph,
}

impl Scope {
    pub fn from_form(scope: &str) -> Option<Scope> {
        match scope {
            "https://cloudpartner.azure.com/.default" => Some(Scope::CloudPartnerPortal),
            "https://graph.microsoft.com/.default" => Some(Scope::Graph),
            _ => None,
        }
    }
}

/// Everything the emulator knows, behind one lock. No lock is held across
/// an await.
pub(crate) struct World {
    pub(crate) knobs: Knobs,
    status_faults: VecDeque<Fault>,
    read_faults: VecDeque<Fault>,
    go_live_faults: VecDeque<Fault>,
    token_faults: VecDeque<Fault>,
    oidc_faults: VecDeque<Fault>,
    pub(crate) tokens: HashMap<String, (Instant, Scope)>,
    /// Every OIDC token issued, by its `jti`: when it stops being accepted.
    pub(crate) assertions: HashMap<String, Instant>,
    /// The `jti` of the token in `federated_token_file`.
    pub(crate) token_file_jti: Option<String>,
    requests: Vec<Recorded>,
    /// Requests being answered now, and the most there ever were.
    in_flight: usize,
    most_in_flight: usize,
    counter: u64,
    pub(crate) cpp: cpp::Offers,
    pub(crate) ingestion: ingestion::Products,
}

impl World {
    pub(crate) fn next_id(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }

    /// A refusal unless the request carries a live token for `scope`.
    pub(crate) fn check_token(&self, headers: &HeaderMap, scope: Scope) -> Option<Response> {
        let token = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let valid = match token {
            None => false,
            Some(token) if Some(token) == self.knobs.static_token.as_deref() => true,
            Some(token) => self.tokens.get(token).is_some_and(|(issued, issued_for)| {
                *issued_for == scope && issued.elapsed() < self.knobs.token_lifetime
            }),
        };
        (!valid).then(|| {
            error(
                401,
                "Unauthorized",
                "The access token is missing, invalid, expired or for another audience",
            )
        })
    }

    pub(crate) fn issue_token(&mut self, scope: Scope) -> String {
        let n = self.next_id();
        let token = format!("emu-access-token-{n:04}");
        self.tokens.insert(token.clone(), (Instant::now(), scope));
        token
    }
}

pub(crate) type SharedWorld = Arc<Mutex<World>>;

/// A JSON answer.
pub(crate) fn json_answer(status: u16, body: Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(body)).into_response()
}

/// `{"error": {"code", "message"}}` with this status.
pub(crate) fn error(status: u16, code: &str, message: &str) -> Response {
    json_answer(status, json!({"error": {"code": code, "message": message}}))
}

pub struct Emulator {
    url: String,
    world: SharedWorld,
}

impl Emulator {
    /// Starts the emulator on a free loopback port, on a runtime of its
    /// own. It serves until the process ends.
    pub fn start(knobs: Knobs) -> Emulator {
        Emulator::serve(knobs, "127.0.0.1:0", None).expect("a loopback port")
    }

    /// Starts the emulator on `address` (such as `0.0.0.0:8443`), over
    /// HTTPS when `tls` gives a certificate chain and its key (PEM files).
    pub fn serve(
        knobs: Knobs,
        address: &str,
        tls: Option<(&std::path::Path, &std::path::Path)>,
    ) -> Result<Emulator, String> {
        let tls = tls.map(|(cert, key)| tls_config(cert, key)).transpose()?;
        let listener = std::net::TcpListener::bind(address)
            .map_err(|error| format!("cannot listen on {address}: {error}"))?;
        listener
            .set_nonblocking(true)
            .expect("a non-blocking socket");
        let scheme = if tls.is_some() { "https" } else { "http" };
        let url = format!("{scheme}://{}", listener.local_addr().expect("an address"));
        let path_prefix = knobs.path_prefix.clone();
        let world = Arc::new(Mutex::new(World {
            status_faults: knobs.faults.iter().cloned().collect(),
            read_faults: knobs.read_faults.iter().cloned().collect(),
            go_live_faults: knobs.go_live_faults.iter().cloned().collect(),
            token_faults: knobs.token_faults.iter().cloned().collect(),
            oidc_faults: knobs.oidc_faults.iter().cloned().collect(),
            knobs,
            tokens: HashMap::new(),
            assertions: HashMap::new(),
            token_file_jti: None,
            requests: Vec::new(),
            in_flight: 0,
            most_in_flight: 0,
            counter: 0,
            cpp: cpp::Offers::default(),
            ingestion: ingestion::Products::default(),
        }));
        let apis = Router::new()
            .merge(cpp::routes(world.clone()))
            .merge(ingestion::routes(world.clone()));
        let apis = match &path_prefix {
            Some(prefix) => Router::new().nest(prefix, apis),
            None => apis,
        };
        let app = Router::new()
            .merge(apis)
            .merge(entra::routes())
            .route("/emulator/requests", axum::routing::get(list_requests))
            .layer(middleware::from_fn_with_state(
                world.clone(),
                record_and_fault,
            ))
            .with_state(world.clone());
        entra::renew_token_file(&mut world.lock().unwrap());
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("a tokio runtime");
            runtime.block_on(async move {
                let listener =
                    tokio::net::TcpListener::from_std(listener).expect("a tokio listener");
                let served = match tls {
                    Some(config) => {
                        let acceptor = tokio_rustls::TlsAcceptor::from(config);
                        axum::serve(TlsListener { listener, acceptor }, app).await
                    }
                    None => axum::serve(listener, app).await,
                };
                served.expect("the emulator serves");
            });
        });
        Ok(Emulator { url, world })
    }

    /// The Cloud Partner Portal API's base URL (and Entra's authority).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The Product Ingestion API's base URL.
    pub fn ingestion_url(&self) -> String {
        format!("{}{}", self.url, ingestion::PREFIX)
    }

    /// `ACTIONS_ID_TOKEN_REQUEST_URL` for a job whose OIDC provider is this
    /// emulator (it already has a query, as GitHub's does).
    pub fn oidc_request_url(&self) -> String {
        format!("{}/oidc/token?api-version=2.0", self.url)
    }

    /// `SYSTEM_OIDCREQUESTURI` for a job whose Azure Pipelines is this
    /// emulator.
    pub fn pipelines_oidc_url(&self) -> String {
        format!("{}/azp/oidctoken", self.url)
    }

    /// The variables an `AzureCLI@2` step on a workload identity service
    /// connection of this emulator gives its script, `SYSTEM_ACCESSTOKEN`
    /// mapped (and `TF_BUILD`, as the agent sets it).
    pub fn pipelines_env(&self) -> Vec<(&'static str, String)> {
        let knobs = &self.world.lock().unwrap().knobs;
        vec![
            ("TF_BUILD", "True".to_owned()),
            (
                "SYSTEM_OIDCREQUESTURI",
                format!("{}/azp/oidctoken", self.url),
            ),
            ("SYSTEM_ACCESSTOKEN", knobs.pipelines_access_token.clone()),
            (
                "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID",
                knobs.service_connection_id.clone(),
            ),
            ("AZURESUBSCRIPTION_CLIENT_ID", knobs.client_id.clone()),
            ("AZURESUBSCRIPTION_TENANT_ID", knobs.tenant_id.clone()),
        ]
    }

    /// A GitLab ID token for the audience, as `id_tokens` gives a job.
    pub fn gitlab_id_token(&self, audience: &str) -> String {
        let mut world = self.world.lock().unwrap();
        let subject = world.knobs.gitlab_subject.clone();
        entra::mint(&mut world, entra::GITLAB_ISSUER, &subject, audience)
    }

    /// A token of Azure Pipelines for the service connection, as
    /// `AzureCLI@2` exports it in `idToken`.
    pub fn pipelines_id_token(&self) -> String {
        let mut world = self.world.lock().unwrap();
        let subject = world.knobs.pipelines_subject.clone();
        entra::mint(
            &mut world,
            entra::PIPELINES_ISSUER,
            &subject,
            "api://AzureADTokenExchange",
        )
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.world.lock().unwrap().requests.clone()
    }

    /// Waits until the requests received so far satisfy `done`; at most
    /// `limit`, false if they never do.
    pub fn wait_for_requests(&self, limit: Duration, done: impl Fn(&[Recorded]) -> bool) -> bool {
        self.wait_until(limit, |world| done(&world.requests))
    }

    /// The most requests it was answering at once.
    pub fn most_in_flight(&self) -> usize {
        self.world.lock().unwrap().most_in_flight
    }

    /// When each access token it issued was issued.
    pub fn issued_tokens(&self) -> HashMap<String, Instant> {
        let world = self.world.lock().unwrap();
        world
            .tokens
            .iter()
            .map(|(token, (at, _))| (token.clone(), *at))
            .collect()
    }

    /// An access token for `scope`, as Entra would issue it.
    pub fn token_for(&self, scope: Scope) -> String {
        self.world.lock().unwrap().issue_token(scope)
    }

    /// Makes every operation started on this offer from now on fail: a
    /// Cloud Partner Portal publish at Certification and a go-live at its
    /// Live step; a Product Ingestion preview, and a go-live job as
    /// certification failing. The offer is a Cloud Partner Portal offer ID
    /// or a Product Ingestion external ID.
    pub fn fail_offer(&self, offer: &str) {
        let mut world = self.world.lock().unwrap();
        world.cpp.failing.insert(offer.to_owned());
        world.ingestion.failing.insert(offer.to_owned());
    }

    /// Changes the knobs from now on: what was set up before (an offer
    /// previewed, say) stays as it was.
    pub fn change_knobs(&self, change: impl FnOnce(&mut Knobs)) {
        change(&mut self.world.lock().unwrap().knobs);
    }

    pub(crate) fn world(&self) -> &SharedWorld {
        &self.world
    }

    /// Polls `done` every millisecond or tenth of a step, at most `limit`.
    pub(crate) fn wait_until(&self, limit: Duration, done: impl Fn(&World) -> bool) -> bool {
        let started = Instant::now();
        while started.elapsed() < limit {
            let step = {
                let world = self.world.lock().unwrap();
                if done(&world) {
                    return true;
                }
                world.knobs.step_duration / 10
            };
            std::thread::sleep(step.max(Duration::from_millis(1)));
        }
        false
    }
}

/// A server configuration from a PEM certificate chain and its key.
fn tls_config(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> Result<Arc<tokio_rustls::rustls::ServerConfig>, String> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|error| {
            format!(
                "cannot read the certificates in {}: {error}",
                cert.display()
            )
        })?;
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|error| format!("cannot read the private key in {}: {error}", key.display()))?;
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|builder| builder.with_no_client_auth().with_single_cert(chain, key))
        .map(Arc::new)
        .map_err(|error| format!("cannot use that certificate and key: {error}"))
}

/// A TCP listener whose connections are TLS, for `axum::serve`. A client
/// whose handshake fails or stalls for 10 s is dropped.
struct TlsListener {
    listener: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((stream, address)) = self.listener.accept().await else {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            };
            let handshake = self.acceptor.accept(stream);
            if let Ok(Ok(stream)) = tokio::time::timeout(Duration::from_secs(10), handshake).await {
                return (stream, address);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.listener.local_addr()
    }
}

async fn list_requests(Shared(world): Shared<SharedWorld>) -> Response {
    let world = world.lock().unwrap();
    let requests: Vec<Value> = world
        .requests
        .iter()
        .map(|r| json!({"method": r.method, "target": r.target}))
        .collect();
    json_answer(200, json!(requests))
}

/// Records every request, then serves the next fault of its kind, if any.
async fn record_and_fault(
    Shared(world): Shared<SharedWorld>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let path = parts.uri.path().to_owned();
    let method = parts.method.as_str().to_owned();
    let is_status = method == "GET"
        && (path.contains("/configure/") && path.ends_with("/status")
            || path.contains("/operations/")
                && world.lock().unwrap().cpp.is_go_live_monitor(&path));
    // Every POST that starts an operation: a go-live, or a publish.
    let is_go_live = method == "POST"
        && (path.ends_with("/golive")
            || path.ends_with("/configure")
            || path.ends_with("/publish"));
    let is_read = method == "GET" && !path.starts_with("/emulator/");
    let is_token = method == "POST" && path.ends_with("/oauth2/v2.0/token");
    let is_oidc =
        method == "GET" && path == "/oidc/token" || method == "POST" && path == "/azp/oidctoken";
    let (fault, latency) = {
        let mut world = world.lock().unwrap();
        world.in_flight += 1;
        world.most_in_flight = world.most_in_flight.max(world.in_flight);
        world.requests.push(Recorded {
            method,
            // A proxy gets the absolute form, which is kept.
            target: parts.uri.to_string(),
            authorization: parts
                .headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            body: String::from_utf8_lossy(&body).into_owned(),
            at: Instant::now(),
        });
        let fault = if is_status {
            world.status_faults.pop_front()
        } else if is_go_live {
            world.go_live_faults.pop_front()
        } else if is_token {
            world.token_faults.pop_front()
        } else if is_oidc {
            world.oidc_faults.pop_front()
        } else if is_read {
            world.read_faults.pop_front()
        } else {
            None
        };
        let api = !is_token && !is_oidc && !path.starts_with("/emulator/");
        (
            fault,
            if api {
                world.knobs.latency
            } else {
                Duration::ZERO
            },
        )
    };
    // Counted out when the answer is done, or the client gone.
    let _counted = InFlight(world);
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let request = Request::from_parts(parts, Body::from(body));
    answer(fault, request, next).await
}

/// One request being answered.
struct InFlight(SharedWorld);

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut world = self.0.lock().unwrap_or_else(|e| e.into_inner());
        world.in_flight -= 1;
    }
}

/// The answer to a request: the fault, or the API's own.
async fn answer(fault: Option<Fault>, request: Request, next: Next) -> Response {
    match fault {
        None => next.run(request).await,
        Some(Fault::Status(status, retry_after)) => {
            let mut response = error(status, "Injected", "a fault injected by the emulator");
            if let Some(seconds) = retry_after {
                response
                    .headers_mut()
                    .insert("retry-after", seconds.to_string().parse().unwrap());
            }
            response
        }
        Some(Fault::Cut) => {
            let broken = futures_util::stream::once(async {
                Err::<Bytes, std::io::Error>(std::io::Error::other("cut by the emulator"))
            });
            (
                [("content-type", "application/json")],
                Body::from_stream(broken),
            )
                .into_response()
        }
        Some(Fault::MalformedJson) => (
            [("content-type", "application/json")],
            "{\"status\": \"running\", \"steps\": [",
        )
            .into_response(),
        Some(Fault::Slow(delay)) => {
            tokio::time::sleep(delay).await;
            next.run(request).await
        }
        Some(Fault::Huge(status, size)) => {
            const CHUNK: usize = 64 * 1024;
            let chunks = futures_util::stream::iter((0..size.div_ceil(CHUNK)).map(move |i| {
                Ok::<Bytes, std::io::Error>(Bytes::from(vec![b'x'; CHUNK.min(size - i * CHUNK)]))
            }));
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (
                status,
                [("content-type", "application/json")],
                Body::from_stream(chunks),
            )
                .into_response()
        }
        Some(Fault::AcceptThenFail(status)) => {
            let _ = next.run(request).await;
            error(
                status,
                "InternalServerError",
                "a fault injected by the emulator after the work started",
            )
        }
    }
}

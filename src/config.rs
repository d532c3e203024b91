//! Turns the action's raw inputs into a validated `Config`.
//!
//! Everything the rest of the program sees has been checked here, before any
//! request is sent: the API, IDs that cannot alter a URL, durations, booleans
//! in the runner's spelling, URLs with an allowed scheme. This module does
//! not read the process environment (`main` hands it the variables) and
//! sends nothing. What is particular to an API comes from its `publish::Api`.

use std::time::Duration;

use reqwest::Url;

use crate::credentials::{ASSERTION_LIFETIME, Credentials, Entra, OidcRequest, Proof};
use crate::model::{DraftChange, DraftFile, Earlier, Offer, OperationHandle, Stage};
use crate::publish::{Api, Endpoint, Kind, resolve};
use crate::secret::Secret;
use crate::surface::Surface;
use crate::text::format_duration;

pub use crate::inputs::{InputError, LONGEST_DURATION};
use crate::inputs::{
    check_scheme, check_unbroken, check_userinfo, invalid, parse_bool, parse_duration, parse_id,
    parse_service_url, without_userinfo,
};

/// A job on a GitHub-hosted runner is cancelled at 6 hours; counted from
/// the step's own start (the best clock there is), a wait this long ends
/// in time to write its outputs and summary.
pub const GITHUB_HOSTED_LONGEST_WAIT: Duration = Duration::from_secs(5 * 3600 + 45 * 60);

/// The inputs exactly as the runner passes them: `INPUT_<NAME>` variables,
/// where an empty string means "not given".
#[derive(Debug, Default)]
pub struct RawInputs {
    /// By name, one of `INPUT_NAMES`.
    values: std::collections::BTreeMap<&'static str, String>,
    /// `GITHUB_WORKSPACE`: where the paths of file inputs start.
    workspace: Option<String>,
}

/// The inputs this action reads, by the name `action.yml` gives them.
pub const INPUT_NAMES: [&str; 24] = [
    "api",
    "mode",
    "publisher_id",
    "offer_id",
    "offers",
    "token",
    "tenant_id",
    "client_id",
    "client_secret",
    "oidc_audience",
    "authority_url",
    "wait",
    "wait_timeout",
    "poll_interval",
    "fail_on_timeout",
    "request_timeout",
    "operation_location",
    "api_url",
    "api_version",
    "notification_emails",
    "vm_image_versions",
    "plan",
    "configure",
    "configure_timeout",
];

/// The variable the runner passes an input in: `INPUT_` and the upper-case
/// name.
fn input_variable(name: &str) -> String {
    format!("INPUT_{}", name.to_ascii_uppercase())
}

/// Refuses an input whose value is not valid UTF-8 (`not_utf8` names such
/// variables) instead of taking it as not given: a stray byte must not
/// turn "follow this operation" into "start a new go-live".
pub fn check_utf8(not_utf8: &[String]) -> Result<(), InputError> {
    match INPUT_NAMES
        .into_iter()
        .find(|name| not_utf8.contains(&input_variable(name)))
    {
        Some(name) => Err(invalid(format!(
            "{name} is not valid UTF-8 text: pass it as UTF-8 (the variable {} holds other bytes)",
            input_variable(name)
        ))),
        None => Ok(()),
    }
}

impl RawInputs {
    /// Reads the `INPUT_*` variables out of the given environment, in the
    /// runner's exact form: `INPUT_` and the upper-case name. A variable in
    /// another case is not an input.
    pub fn from_env(env: &[(String, String)]) -> RawInputs {
        let input = |name: &str| {
            let key = input_variable(name);
            env.iter()
                .find(|(candidate, _)| *candidate == key)
                .map(|(_, value)| value.clone())
        };
        RawInputs {
            values: INPUT_NAMES
                .into_iter()
                .filter_map(|name| Some((name, input(name)?)))
                .collect(),
            workspace: env
                .iter()
                .find(|(key, value)| key == "GITHUB_WORKSPACE" && !value.is_empty())
                .map(|(_, value)| value.clone()),
        }
    }

    /// The inputs a command line gives, by input name; relative paths
    /// start in the current directory.
    pub fn from_values(values: std::collections::BTreeMap<&'static str, String>) -> RawInputs {
        RawInputs {
            values,
            workspace: None,
        }
    }

    /// Values that must be masked before anything else is printed, whether or
    /// not the rest of the inputs are valid.
    pub fn secrets(&self) -> Vec<Secret> {
        ["token", "client_secret"]
            .into_iter()
            .filter_map(|name| self.given(name))
            .map(|value| Secret::new(value.to_owned()))
            .collect()
    }
}

/// The variables of the environment a command line may sign in with that
/// hold secrets: masked before anything else is printed.
pub const SECRET_VARIABLES: [&str; 7] = [
    "GO_LIVE_TOKEN",
    "AZURE_CLIENT_SECRET",
    "AZURE_FEDERATED_TOKEN",
    "SYSTEM_ACCESSTOKEN",
    "idToken",
    "servicePrincipalKey",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
];

/// The run, validated.
#[derive(Debug)]
pub struct Config {
    /// What to do: go live, follow, or check.
    pub target: Target,
    /// The `mode` input.
    pub mode: Mode,
    /// How to get the bearer token sent to the API.
    pub credentials: Credentials,
    /// Which API, where it lives and which version to ask for.
    pub endpoint: Endpoint,
    /// Follow the operation until it ends (always true when following).
    pub wait: bool,
    /// How long the whole wait may last.
    pub wait_timeout: Duration,
    /// The delay between two status requests, unless the service asks for more.
    pub poll_interval: Duration,
    /// Whether running out of `wait_timeout` fails the step.
    pub fail_on_timeout: bool,
    /// How long one HTTP request may take, from connect to the end of the body.
    pub request_timeout: Duration,
    /// Where the service mails about a publish to preview
    /// (`notification_emails`), for the APIs that take them.
    pub notification_emails: Vec<String>,
    /// The change of the draft the file inputs ask for, checked.
    pub draft: Option<DraftChange>,
    /// How long a draft change may take (`configure_timeout`).
    pub configure_timeout: Duration,
    /// What the file inputs hold that must be masked before anything else
    /// is printed (SAS queries).
    pub masks: Vec<Secret>,
    /// The way of signing in chosen from the environment, in a sentence,
    /// and what a person should know about it (a command line only).
    pub sign_in: Option<String>,
    pub sign_in_notes: Vec<String>,
    /// The action or the command line (its sign-in comes from the
    /// environment): how messages name inputs, modes and follow-ups.
    pub surface: Surface,
}

/// Where the sign-in comes from.
pub enum SignIn {
    /// The action's inputs (`token`, `client_secret`, ...) and the GitHub
    /// OIDC request the runner gives.
    Inputs(OidcRequest),
    /// The environment, as the Azure SDKs read it (a command line).
    Environment(Vec<(String, String)>),
}

impl Default for SignIn {
    /// The action's inputs, without a GitHub OIDC request.
    fn default() -> SignIn {
        SignIn::Inputs(OidcRequest::default())
    }
}

/// The `mode` input: what a run may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Go live, unless the offer's state says not to; safe to re-run.
    GoLive,
    /// Follow a go-live; never send one.
    Follow,
    /// Read the offer's state and report it; never send go-live.
    Check,
    /// Publish the draft to preview, unless a publish runs already (then
    /// follow it) or a go-live runs (then refuse); never sends go-live.
    Publish,
    /// Change the draft as the file inputs ask, follow the change to its
    /// end, and submit nothing.
    Draft,
}

impl Mode {
    const ALL: [Mode; 5] = [
        Mode::GoLive,
        Mode::Follow,
        Mode::Check,
        Mode::Publish,
        Mode::Draft,
    ];

    /// The `mode` input's value for it.
    pub fn as_input(self) -> &'static str {
        match self {
            Mode::GoLive => "go-live",
            Mode::Follow => "follow",
            Mode::Check => "check",
            Mode::Publish => "publish",
            Mode::Draft => "draft",
        }
    }

    /// Whether this mode may send a request that starts an operation
    /// (go-live, or a publish to preview).
    pub fn sends(self) -> bool {
        matches!(self, Mode::GoLive | Mode::Publish | Mode::Draft)
    }

    /// The operations this mode starts or follows.
    pub fn stage(self) -> Stage {
        match self {
            Mode::Publish => Stage::Preview,
            Mode::Draft => Stage::Draft,
            Mode::GoLive | Mode::Follow | Mode::Check => Stage::Live,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Read the offer's state, then go live, follow the running go-live,
    /// or report it live.
    GoLive(Offer),
    /// Follow the operation at `operation_location`.
    Follow(OperationHandle),
    /// Follow the offer's running go-live, or report its last one.
    FollowOffer(Offer),
    /// Read the offer's state and report it.
    Check(Offer),
    /// Read the offer's state, then publish its draft to preview, or follow
    /// the publish already running.
    Publish(Offer),
    /// Change the offer's draft, and submit nothing.
    Draft(Offer),
    /// Each offer of the `offers` input, concurrently, in the mode given.
    Offers(Vec<Listed>),
}

/// One offer of the `offers` input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// The line as written (trimmed): the offer's key in the `results`
    /// output and its name in the log.
    pub key: String,
    pub offer: Offer,
}

/// The most offers one run takes.
pub const MOST_OFFERS: usize = 256;

impl Mode {
    /// What this mode does with one offer.
    pub fn target(self, offer: Offer) -> Target {
        match self {
            Mode::GoLive => Target::GoLive(offer),
            Mode::Follow => Target::FollowOffer(offer),
            Mode::Check => Target::Check(offer),
            Mode::Publish => Target::Publish(offer),
            Mode::Draft => Target::Draft(offer),
        }
    }
}

impl RawInputs {
    /// The value of the input `name`, trimmed. The runner trims nothing
    /// itself; the toolkit does, and so do we. An empty value means the
    /// input was not given.
    fn given(&self, name: &str) -> Option<&str> {
        debug_assert!(INPUT_NAMES.contains(&name), "{name} is not an input");
        self.values
            .get(name)
            .map(|value| value.trim())
            .filter(|value| !value.is_empty())
    }
}

impl Config {
    pub fn from_inputs(raw: &RawInputs, sign_in: SignIn) -> Result<Config, InputError> {
        let kind = parse_api(raw.given("api"))?;
        let api = kind.api();
        let api_url = raw.given("api_url").unwrap_or(api.default_url());
        let base = parse_service_url("api_url", api_url, api.default_url())?;
        let version = raw.given("api_version").unwrap_or(api.default_version());
        if !version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            return Err(invalid(format!(
                "api_version '{}' is not valid: expected a version such as {}",
                version.escape_default(),
                api.default_version()
            )));
        }

        let mode = parse_mode(raw.given("mode"))?;
        let target = match (raw.given("operation_location"), mode) {
            _ if raw.given("offers").is_some() => Target::Offers(parse_offers(raw, api)?),
            (Some(_), Mode::Check) => {
                return Err(invalid(
                    "operation_location cannot be given with mode: check, which reads the offer's state: leave operation_location empty, or use mode: follow to follow that operation".to_owned(),
                ));
            }
            (Some(location), mode) => {
                let mut operation = parse_operation_location(location, &base, api)?;
                operation.stage = mode.stage();
                Target::Follow(operation)
            }
            (None, mode) => mode.target(parse_offer(raw, api)?),
        };

        let surface = match sign_in {
            SignIn::Inputs(_) => Surface::Action,
            SignIn::Environment(_) => Surface::CommandLine,
        };
        let (credentials, sign_in, mut sign_in_notes) = match sign_in {
            SignIn::Inputs(oidc) => (parse_credentials(raw, oidc, api)?, None, Vec::new()),
            SignIn::Environment(env) => {
                let (credentials, chosen, notes) = environment_credentials(raw, &env, api)?;
                (credentials, Some(chosen), notes)
            }
        };

        let wait = parse_bool("wait", raw.given("wait"), false)?;
        let wait_timeout = parse_duration("wait_timeout", raw.given("wait_timeout"), "60m")?;
        let poll_interval = parse_duration("poll_interval", raw.given("poll_interval"), "60s")?;
        let request_timeout =
            parse_duration("request_timeout", raw.given("request_timeout"), "60s")?;
        let fail_on_timeout = parse_bool("fail_on_timeout", raw.given("fail_on_timeout"), true)?;
        let notification_emails = parse_emails(raw.given("notification_emails"), mode, api)?;
        let configure_timeout =
            parse_duration("configure_timeout", raw.given("configure_timeout"), "30m")?;
        let (draft, masks) = parse_draft(raw, mode, api, &target, surface)?;
        let waits = wait || mode == Mode::Follow || matches!(target, Target::Follow(_));
        let once = matches!(&credentials, Credentials::Entra(entra) if matches!(entra.proof, Proof::Assertion { once: true, .. }));
        if once && waits && wait_timeout > ASSERTION_LIFETIME {
            sign_in_notes.push(format!(
                "the idToken of AzureCLI@2 lives about ten minutes and is never renewed, and this run may wait {}: map SYSTEM_ACCESSTOKEN in the step (env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)) so that a fresh token is requested before each sign-in",
                format_duration(wait_timeout)
            ));
        }

        Ok(Config {
            wait: waits,
            target,
            mode,
            credentials,
            endpoint: Endpoint {
                kind,
                base,
                version: version.to_owned(),
            },
            wait_timeout,
            poll_interval,
            fail_on_timeout,
            request_timeout,
            notification_emails,
            draft,
            configure_timeout,
            masks,
            sign_in,
            sign_in_notes,
            surface,
        })
    }
}

/// The most a file input may hold.
pub const FILE_CAP: u64 = 1024 * 1024;

/// The draft change the file inputs ask for: `vm_image_versions` with
/// `plan`, or `configure`, read (with `FILE_CAP`) and checked by the API
/// before any request, with every problem listed. The secrets the file
/// holds come back to be masked.
fn parse_draft(
    raw: &RawInputs,
    mode: Mode,
    api: &dyn Api,
    target: &Target,
    surface: Surface,
) -> Result<(Option<DraftChange>, Vec<Secret>), InputError> {
    let (versions_input, plan_input) = (surface.input("vm_image_versions"), surface.input("plan"));
    let versions = raw.given("vm_image_versions");
    let resources = raw.given("configure");
    let plan = raw.given("plan");
    let (input, file, what) = match (versions, resources) {
        (Some(_), Some(_)) => {
            return Err(invalid(
                "vm_image_versions and configure cannot be given together: change the draft with one of them per run".to_owned(),
            ));
        }
        (None, None) => {
            if mode == Mode::Draft {
                return Err(invalid(
                    "mode: draft changes the draft as vm_image_versions or configure asks: give one of them, or use mode: publish to publish the draft as it stands".to_owned(),
                ));
            }
            if plan.is_some() {
                return Err(invalid(format!(
                    "{plan_input} names the plan whose image versions {versions_input} changes: give {versions_input} too, or leave {plan_input} out"
                )));
            }
            return Ok((None, Vec::new()));
        }
        (Some(file), None) => {
            let Some(plan) = plan else {
                return Err(invalid(
                    "vm_image_versions needs plan: the plan's ID as typed in Partner Center"
                        .to_owned(),
                ));
            };
            (
                "vm_image_versions",
                file,
                DraftFile::Versions {
                    plan: plan.to_owned(),
                },
            )
        }
        (None, Some(file)) => {
            if plan.is_some() {
                return Err(invalid(format!(
                    "{plan_input} goes with {versions_input}; {} sends its resources as they are: leave {plan_input} out",
                    surface.input("configure")
                )));
            }
            ("configure", file, DraftFile::Resources)
        }
    };
    // The file input as this surface names it: `configure`, `--configure`.
    let input = surface.input(input);
    if !api.changes_drafts() {
        return Err(invalid(format!(
            "{input} is not taken by the {} API: change the draft in Partner Center, or use {}",
            api.name(),
            surface.setting("api", "product-ingestion")
        )));
    }
    if !matches!(mode, Mode::Draft | Mode::Publish) {
        return Err(invalid(format!(
            "{input} changes the draft, which only {} and {} do; {} never changes it",
            surface.mode(Mode::Draft.as_input()),
            surface.mode(Mode::Publish.as_input()),
            surface.mode(mode.as_input())
        )));
    }
    if matches!(target, Target::Offers(_)) {
        return Err(invalid(format!(
            "{input} cannot be given with offers: it changes one offer's draft; with offers, mode: publish publishes each draft as it stands"
        )));
    }
    let path = match &raw.workspace {
        Some(workspace) => std::path::Path::new(workspace).join(file),
        None => std::path::PathBuf::from(file),
    };
    let text = read_capped_file(&path)
        .map_err(|why| invalid(format!("{input} '{}' {why}", file.escape_default())))?;
    let check = api.check_draft_file(&what, &text, crate::clock::wall());
    // Problems the API lists with the offer's state's are its to report,
    // once it has read the state; the others end the run here.
    if !check.problems.is_empty() && !check.with_state {
        return Err(invalid(format!(
            "{input} '{}' cannot be used: {}",
            file.escape_default(),
            check.problems.join("; ")
        )));
    }
    Ok((
        Some(DraftChange {
            what,
            file: file.to_owned(),
            text,
        }),
        check.masks.into_iter().map(Secret::new).collect(),
    ))
}

/// A file's text, at most `FILE_CAP` bytes of UTF-8, from a regular file
/// only (`body::read_file`).
pub(crate) fn read_capped_file(path: &std::path::Path) -> Result<String, String> {
    crate::body::read_file(path, FILE_CAP).map_err(|why| {
        if why.starts_with("cannot be read") {
            format!("{why}; a relative path starts in the workspace")
        } else {
            why
        }
    })
}

/// `notification_emails`: addresses separated by commas or line breaks,
/// for a publish to preview through an API that takes them.
fn parse_emails(value: Option<&str>, mode: Mode, api: &dyn Api) -> Result<Vec<String>, InputError> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    if mode != Mode::Publish {
        return Err(invalid(format!(
            "notification_emails applies only to mode: {}: leave it empty for mode: {}",
            Mode::Publish.as_input(),
            mode.as_input()
        )));
    }
    if !api.takes_notification_emails() {
        return Err(invalid(format!(
            "notification_emails is not taken by the {} API, which mails the offer's contacts: leave it empty",
            api.name()
        )));
    }
    let addresses: Vec<String> = value
        .split([',', '\n'])
        .map(str::trim)
        .filter(|address| !address.is_empty())
        .map(str::to_owned)
        .collect();
    for address in &addresses {
        let valid = address.split_once('@').is_some_and(|(user, host)| {
            !user.is_empty() && host.contains('.') && !host.contains('@')
        }) && !address
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '"');
        if !valid {
            return Err(invalid(format!(
                "notification_emails holds '{}', which is not an e-mail address: separate addresses with commas",
                address.escape_default()
            )));
        }
    }
    Ok(addresses)
}

fn parse_api(value: Option<&str>) -> Result<Kind, InputError> {
    let Some(value) = value else {
        return Ok(Kind::CloudPartnerPortal);
    };
    Kind::from_input(value).ok_or_else(|| {
        let known: Vec<&str> = Kind::ALL
            .into_iter()
            .map(|kind| kind.api().input_value())
            .collect();
        invalid(format!(
            "api '{}' is not known: expected {}",
            value.escape_default(),
            known.join(" or ")
        ))
    })
}

fn parse_mode(value: Option<&str>) -> Result<Mode, InputError> {
    let Some(value) = value else {
        return Ok(Mode::GoLive);
    };
    Mode::ALL
        .into_iter()
        .find(|mode| mode.as_input() == value)
        .ok_or_else(|| {
            invalid(format!(
                "mode '{}' is not known: expected go-live (the default), publish, draft, follow or check",
                value.escape_default()
            ))
        })
}

/// The offer, with a publisher where the API needs one.
fn parse_offer(raw: &RawInputs, api: &dyn Api) -> Result<Offer, InputError> {
    if let Some(offer_id) = raw.given("offer_id") {
        if offer_id.contains(',') {
            return Err(invalid(format!(
                "offer_id '{}' holds commas: it names one offer; list several in offers, one offer a line",
                offer_id.escape_default()
            )));
        }
        if let Some((publisher, offer)) = offer_id.split_once('/')
            && api.publisher_required()
        {
            return Err(invalid(format!(
                "offer_id '{}' holds a publisher: split it, publisher_id: {} and offer_id: {} (or list it in offers, where a line may be publisher_id/offer_id)",
                offer_id.escape_default(),
                publisher.escape_default(),
                offer.escape_default()
            )));
        }
    }
    let publisher_id = match raw.given("publisher_id") {
        Some(publisher_id) => Some(parse_id("publisher_id", publisher_id)?),
        None if api.publisher_required() => {
            return Err(invalid(format!(
                "publisher_id is required for the {} API (unless operation_location is given): pass the ID shown in Partner Center",
                api.name()
            )));
        }
        None => None,
    };
    let Some(offer_id) = raw.given("offer_id") else {
        return Err(invalid(
            "offer_id is required (unless operation_location is given): pass the offer ID shown in Partner Center".to_owned(),
        ));
    };
    api.check_offer_id(offer_id).map_err(|expected| {
        invalid(format!(
            "offer_id '{}' is not valid: {expected}",
            offer_id.escape_default()
        ))
    })?;
    Ok(Offer {
        publisher_id,
        offer_id: offer_id.to_owned(),
    })
}

/// The `offers` input: one offer a line, `offer_id` or (for APIs that
/// address offers under a publisher) `publisher_id/offer_id`; blank lines
/// and `#` comments skipped. Every line is checked, and every bad one
/// named by its number, before anything is sent.
fn parse_offers(raw: &RawInputs, api: &dyn Api) -> Result<Vec<Listed>, InputError> {
    for (other, why) in [
        ("offer_id", "name each offer in offers, one a line"),
        (
            "operation_location",
            "offers follows each offer's running go-live by itself with mode: follow",
        ),
    ] {
        if raw.given(other).is_some() {
            return Err(invalid(format!(
                "offers and {other} cannot be given together: {why}, and leave {other} empty"
            )));
        }
    }
    let default_publisher = raw
        .given("publisher_id")
        .map(|publisher| parse_id("publisher_id", publisher))
        .transpose()?;
    let text = raw.given("offers").unwrap_or_default();
    let mut listed: Vec<(usize, Listed)> = Vec::new();
    let mut problems = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match parse_offer_line(line, default_publisher.as_deref(), api) {
            Ok(offer) => match listed.iter().find(|(_, seen)| seen.offer == offer) {
                Some((first, _)) => problems.push(format!(
                    "offers line {number}: '{}' names the same offer as line {first}: list each offer once",
                    line.escape_default()
                )),
                None => listed.push((
                    number,
                    Listed {
                        key: line.to_owned(),
                        offer,
                    },
                )),
            },
            Err(problem) => problems.push(format!(
                "offers line {number}: '{}' {problem}",
                line.escape_default()
            )),
        }
    }
    if !problems.is_empty() {
        const SHOWN: usize = 10;
        let more = problems.len().saturating_sub(SHOWN);
        problems.truncate(SHOWN);
        if more > 0 {
            problems.push(format!("and {more} more"));
        }
        return Err(invalid(problems.join("\n")));
    }
    if listed.is_empty() {
        return Err(invalid(
            "offers lists no offer (only blank lines and # comments): give one offer ID a line"
                .to_owned(),
        ));
    }
    if listed.len() > MOST_OFFERS {
        return Err(invalid(format!(
            "offers lists {} offers, more than the {MOST_OFFERS} one run takes: split them over several steps or jobs",
            listed.len()
        )));
    }
    Ok(listed.into_iter().map(|(_, listed)| listed).collect())
}

/// One line of `offers`, already trimmed; the error completes
/// "line N: 'text' ...".
fn parse_offer_line(
    line: &str,
    default_publisher: Option<&str>,
    api: &dyn Api,
) -> Result<Offer, String> {
    if line.contains(',') {
        return Err("holds commas: list one offer a line (one --offer each)".to_owned());
    }
    let (publisher_id, offer_id) = match line.split_once('/') {
        Some(_) if !api.publisher_required() => {
            return Err(format!(
                "names a publisher, which the {} API does not use: give the offer ID alone",
                api.name()
            ));
        }
        Some((publisher, offer)) => {
            parse_id("publisher_id", publisher).map_err(|_| {
                "has a publisher ID that is not valid: expected letters, digits, '.', '_' or '-' before the '/'".to_owned()
            })?;
            (Some(publisher.to_owned()), offer)
        }
        None => (default_publisher.map(str::to_owned), line),
    };
    if publisher_id.is_none() && api.publisher_required() {
        return Err(format!(
            "has no publisher: write it as publisher_id/offer_id, or give publisher_id for every line (the {} API needs one)",
            api.name()
        ));
    }
    api.check_offer_id(offer_id)
        .map_err(|expected| format!("is not a valid offer ID: {expected}"))?;
    Ok(Offer {
        publisher_id,
        offer_id: offer_id.to_owned(),
    })
}

impl Config {
    /// Cuts a wait that would outlast the job on a GitHub-hosted runner
    /// (`RUNNER_ENVIRONMENT` is `github-hosted`) to
    /// `GITHUB_HOSTED_LONGEST_WAIT`, and returns the notice that says so.
    /// Self-hosted runners are left as configured.
    pub fn fit_to_runner(&mut self, runner_environment: Option<&str>) -> Option<String> {
        if runner_environment != Some("github-hosted")
            || !self.wait
            || self.wait_timeout <= GITHUB_HOSTED_LONGEST_WAIT
        {
            return None;
        }
        let asked = self.wait_timeout;
        self.wait_timeout = GITHUB_HOSTED_LONGEST_WAIT;
        Some(format!(
            "wait_timeout ({}) would outlast the 6-hour limit of a job on a GitHub-hosted runner: the wait ends after {}, and the step then ends with status=running and says how to follow the operation",
            format_duration(asked),
            format_duration(GITHUB_HOSTED_LONGEST_WAIT)
        ))
    }
}

/// The three ways to sign in, told apart by which inputs are given.
fn parse_credentials(
    raw: &RawInputs,
    oidc: OidcRequest,
    api: &dyn Api,
) -> Result<Credentials, InputError> {
    let token = raw.given("token");
    let tenant_id = raw.given("tenant_id");
    let client_id = raw.given("client_id");
    let client_secret = raw.given("client_secret");
    let authority = parse_authority(raw)?;
    if token.is_some() && client_secret.is_some() {
        return Err(invalid(
            "token and client_secret are both given, and it is not clear which to use: pass token alone, or tenant_id, client_id and client_secret without token".to_owned(),
        ));
    }
    if let Some(token) = token {
        if token.chars().any(|c| c.is_control() || c == ' ') {
            return Err(invalid(
                "token contains spaces or control characters: pass the bare access token, without 'Bearer '".to_owned(),
            ));
        }
        return Ok(Credentials::Token(Secret::new(token.to_owned())));
    }
    let (Some(tenant_id), Some(client_id)) = (tenant_id, client_id) else {
        let missing: Vec<&str> = [("tenant_id", tenant_id), ("client_id", client_id)]
            .into_iter()
            .filter(|(_, value)| value.is_none())
            .map(|(name, _)| name)
            .collect();
        let audience = api.scope().trim_end_matches("/.default");
        return Err(invalid(format!(
            "no way to sign in ({} not given): pass token (an access token for {audience}); or tenant_id, client_id and client_secret; or tenant_id and client_id alone to sign in with GitHub OIDC (the job needs permissions: id-token: write)",
            missing.join(" and ")
        )));
    };
    check_application("tenant_id", tenant_id, "client_id", client_id)?;
    let proof = match client_secret {
        Some(secret) => Proof::ClientSecret(Secret::new(secret.to_owned())),
        None => {
            let (Some(url), Some(request_token)) = (oidc.url, oidc.token) else {
                return Err(invalid(
                    "tenant_id and client_id are given without client_secret, so GitHub OIDC is used, but ACTIONS_ID_TOKEN_REQUEST_URL is not set: the workflow lacks permissions: id-token: write (add it to the job), or pass client_secret".to_owned(),
                ));
            };
            let request_url = Url::parse(&url).map_err(|error| {
                invalid(format!(
                    "ACTIONS_ID_TOKEN_REQUEST_URL is not a URL ({error})"
                ))
            })?;
            Proof::GitHubOidc {
                request_url,
                request_token,
                audience: raw
                    .given("oidc_audience")
                    .unwrap_or("api://AzureADTokenExchange")
                    .to_owned(),
            }
        }
    };
    Ok(Credentials::Entra(Box::new(Entra {
        authority,
        tenant_id: tenant_id.to_owned(),
        client_id: client_id.to_owned(),
        proof,
    })))
}

/// Refuses a tenant that cannot be a tenant (it goes into Entra's URL)
/// or a client ID with spaces or control characters, naming the input or
/// the variable each came from.
fn check_application(
    tenant_name: &str,
    tenant_id: &str,
    client_name: &str,
    client_id: &str,
) -> Result<(), InputError> {
    let domain_like = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '.';
    if !tenant_id.chars().all(domain_like) || tenant_id.starts_with('.') || tenant_id.is_empty() {
        return Err(invalid(format!(
            "{tenant_name} '{}' is not valid: expected the directory (tenant) ID, a GUID, or a domain such as contoso.onmicrosoft.com",
            tenant_id.escape_default()
        )));
    }
    if client_id.chars().any(|c| c.is_control() || c == ' ') {
        return Err(invalid(format!(
            "{client_name} '{}' is not valid: expected the application (client) ID, a GUID",
            client_id.escape_default()
        )));
    }
    Ok(())
}

/// Microsoft Entra, unless `authority_url` names another.
fn parse_authority(raw: &RawInputs) -> Result<Url, InputError> {
    const ENTRA: &str = "https://login.microsoftonline.com";
    parse_service_url(
        "authority_url",
        raw.given("authority_url").unwrap_or(ENTRA),
        ENTRA,
    )
}

/// The way a command line signs in, from the environment: the first of
/// these that applies, in this order (empty variables count as unset).
/// 1. `GO_LIVE_TOKEN`, used as it is.
/// 2. `AZURE_TENANT_ID`, `AZURE_CLIENT_ID` and `AZURE_CLIENT_SECRET`.
/// 3. The same two with `AZURE_FEDERATED_TOKEN_FILE` (read again before
///    each sign-in) or `AZURE_FEDERATED_TOKEN`.
/// 4. GitHub OIDC (`ACTIONS_ID_TOKEN_REQUEST_URL` and `_TOKEN`).
/// 5. Azure Pipelines federation: `SYSTEM_OIDCREQUESTURI`,
///    `SYSTEM_ACCESSTOKEN` and the service connection `AzureCLI@2` names
///    (`AZURESUBSCRIPTION_*`), a fresh OIDC token before each sign-in.
/// 6. What `AzureCLI@2` exports with `addSpnToEnvironment`
///    (`servicePrincipalId`, `tenantId`, and `idToken` or
///    `servicePrincipalKey`).
///
/// `--tenant-id` and `--client-id` come before the variables. Returns the
/// credentials, the sentence naming the way chosen, and notes.
fn environment_credentials(
    raw: &RawInputs,
    env: &[(String, String)],
    api: &dyn Api,
) -> Result<(Credentials, String, Vec<String>), InputError> {
    let var = |name: &str| {
        env.iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    };
    let mut notes = Vec::new();
    const MAP_IT: &str = "SYSTEM_OIDCREQUESTURI is set but SYSTEM_ACCESSTOKEN is not, so Azure Pipelines federation cannot be used: map it in the step (env: SYSTEM_ACCESSTOKEN: $(System.AccessToken))";
    let unmapped = var("SYSTEM_OIDCREQUESTURI").is_some() && var("SYSTEM_ACCESSTOKEN").is_none();
    if unmapped {
        notes.push(MAP_IT.to_owned());
    }
    if let Some(token) = var("GO_LIVE_TOKEN") {
        if token.chars().any(|c| c.is_control() || c == ' ') {
            return Err(invalid(
                "GO_LIVE_TOKEN contains spaces or control characters: pass the bare access token, without 'Bearer '".to_owned(),
            ));
        }
        return Ok((
            Credentials::Token(Secret::new(token)),
            "Signing in with GO_LIVE_TOKEN, used as it is".to_owned(),
            notes,
        ));
    }
    let authority = match var("AZURE_AUTHORITY_HOST") {
        Some(host) if raw.given("authority_url").is_none() => parse_service_url(
            "AZURE_AUTHORITY_HOST",
            &host,
            "https://login.microsoftonline.com",
        )?,
        _ => parse_authority(raw)?,
    };
    let entra = |tenant: (&str, String), client: (&str, String), proof: Proof| {
        let (tenant_name, tenant_id) = tenant;
        let (client_name, client_id) = client;
        check_application(tenant_name, &tenant_id, client_name, &client_id)?;
        Ok::<_, InputError>(Credentials::Entra(Box::new(Entra {
            authority: authority.clone(),
            tenant_id,
            client_id,
            proof,
        })))
    };
    // The flags first, then the variables of the flow.
    let pick = |flag: &'static str, variable: &'static str| -> Option<(&'static str, String)> {
        match raw.given(flag) {
            Some(value) => Some((flag, value.to_owned())),
            None => var(variable).map(|value| (variable, value)),
        }
    };
    let tenant = pick("tenant_id", "AZURE_TENANT_ID");
    let client = pick("client_id", "AZURE_CLIENT_ID");
    let named = |how: &str, client: &(&str, String)| {
        format!(
            "Signing in to Microsoft Entra as the application {} with {how}",
            client.1
        )
    };
    if let (Some(tenant), Some(client)) = (&tenant, &client) {
        if let Some(secret) = var("AZURE_CLIENT_SECRET") {
            let chosen = named("AZURE_CLIENT_SECRET", client);
            let proof = Proof::ClientSecret(Secret::new(secret));
            return Ok((entra(tenant.clone(), client.clone(), proof)?, chosen, notes));
        }
        if let Some(path) = var("AZURE_FEDERATED_TOKEN_FILE") {
            let chosen = named(
                "the federated token in AZURE_FEDERATED_TOKEN_FILE, read again before each sign-in",
                client,
            );
            let proof = Proof::TokenFile(std::path::PathBuf::from(path));
            return Ok((entra(tenant.clone(), client.clone(), proof)?, chosen, notes));
        }
        if let Some(token) = var("AZURE_FEDERATED_TOKEN") {
            let chosen = named("the federated token in AZURE_FEDERATED_TOKEN", client);
            let proof = Proof::Assertion {
                token: Secret::new(token),
                source: "AZURE_FEDERATED_TOKEN",
                once: false,
            };
            return Ok((entra(tenant.clone(), client.clone(), proof)?, chosen, notes));
        }
        if let (Some(url), Some(request_token)) = (
            var("ACTIONS_ID_TOKEN_REQUEST_URL"),
            var("ACTIONS_ID_TOKEN_REQUEST_TOKEN"),
        ) {
            let request_url = Url::parse(&url).map_err(|error| {
                invalid(format!(
                    "ACTIONS_ID_TOKEN_REQUEST_URL is not a URL ({error})"
                ))
            })?;
            let chosen = named("GitHub OIDC", client);
            let proof = Proof::GitHubOidc {
                request_url,
                request_token: Secret::new(request_token),
                audience: raw
                    .given("oidc_audience")
                    .unwrap_or("api://AzureADTokenExchange")
                    .to_owned(),
            };
            return Ok((entra(tenant.clone(), client.clone(), proof)?, chosen, notes));
        }
    }
    if let (Some(url), Some(access_token), Some(connection)) = (
        var("SYSTEM_OIDCREQUESTURI"),
        var("SYSTEM_ACCESSTOKEN"),
        var("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID"),
    ) {
        let tenant = pick("tenant_id", "AZURESUBSCRIPTION_TENANT_ID");
        let client = pick("client_id", "AZURESUBSCRIPTION_CLIENT_ID");
        if let (Some(tenant), Some(client)) = (tenant, client) {
            let request_url = Url::parse(&url).map_err(|error| {
                invalid(format!("SYSTEM_OIDCREQUESTURI is not a URL ({error})"))
            })?;
            check_scheme("SYSTEM_OIDCREQUESTURI", &request_url)?;
            if connection
                .chars()
                .any(|c| !(c.is_ascii_alphanumeric() || c == '-'))
            {
                return Err(invalid(format!(
                    "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID '{}' is not valid: expected the service connection's ID, a GUID",
                    connection.escape_default()
                )));
            }
            let chosen = named(
                &format!(
                    "Azure Pipelines workload identity federation (service connection {connection}), a fresh OIDC token before each sign-in"
                ),
                &client,
            );
            let proof = Proof::AzurePipelines {
                request_url,
                access_token: Secret::new(access_token),
                service_connection_id: connection,
            };
            return Ok((entra(tenant, client, proof)?, chosen, notes));
        }
    }
    if let (Some(client), Some(tenant)) = (var("servicePrincipalId"), var("tenantId")) {
        let client = ("servicePrincipalId", client);
        let tenant = ("tenantId", tenant);
        if let Some(token) = var("idToken") {
            let chosen = named(
                "the idToken AzureCLI@2 exported (addSpnToEnvironment)",
                &client,
            );
            let proof = Proof::Assertion {
                token: Secret::new(token),
                source: "idToken",
                once: true,
            };
            return Ok((entra(tenant, client, proof)?, chosen, notes));
        }
        if let Some(secret) = var("servicePrincipalKey") {
            let chosen = named(
                "the servicePrincipalKey AzureCLI@2 exported (addSpnToEnvironment)",
                &client,
            );
            let proof = Proof::ClientSecret(Secret::new(secret));
            return Ok((entra(tenant, client, proof)?, chosen, notes));
        }
    }
    let audience = api.scope().trim_end_matches("/.default");
    let mut message = format!(
        "no way to sign in was found in the environment: set GO_LIVE_TOKEN (an access token for {audience}); or AZURE_TENANT_ID and AZURE_CLIENT_ID with AZURE_CLIENT_SECRET or AZURE_FEDERATED_TOKEN_FILE; or run where GitHub OIDC (permissions: id-token: write) or an AzureCLI@2 step with a workload identity service connection gives one"
    );
    if tenant.is_some() != client.is_some() {
        message.push_str(&format!(
            " ({} is not set)",
            if tenant.is_none() {
                "AZURE_TENANT_ID"
            } else {
                "AZURE_CLIENT_ID"
            }
        ));
    }
    if unmapped {
        message.push_str("; ");
        message.push_str(MAP_IT);
    }
    Err(invalid(message))
}

/// The `operation_location` output of an earlier run: an absolute URL, or a
/// path such as `/api/operations/...` that is resolved against `api_url`.
fn parse_operation_location(
    value: &str,
    base: &Url,
    api: &dyn Api,
) -> Result<OperationHandle, InputError> {
    let url = if value.starts_with('/') {
        resolve(base, value)
    } else {
        Url::parse(value)
    }
    .map_err(|error| {
        invalid(format!(
            "operation_location '{}' is not a URL ({error}): pass the operation_location output of the run that started the operation",
            without_userinfo(value).escape_default()
        ))
    })?;
    check_userinfo("operation_location", &url)?;
    check_unbroken("operation_location", value)?;
    check_scheme("operation_location", &url)?;
    let Some(id) = api.operation_id(&url) else {
        return Err(invalid(format!(
            "operation_location '{url}' names no operation of the {} API: pass the operation_location output of the run that started the operation, with the same api",
            api.name()
        )));
    };
    Ok(OperationHandle {
        location: url,
        id,
        product_id: None,
        submission_id: None,
        stage: Stage::Live,
        earlier: Earlier::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arbitrary;
    use proptest::prelude::*;

    /// Every refused input, as each surface words it: the action with its
    /// inputs, the command line with its flags (and the token from
    /// `GO_LIVE_TOKEN`), as `Runner` shows a command line's message.
    #[test]
    fn every_refused_input_in_each_surfaces_words() {
        let cases: &[&[(&str, &str)]] = &[
            &[("publisher_id", "")],
            &[("offer_id", "  ")],
            &[("publisher_id", "contoso/../x")],
            &[("offer_id", "vm?api-version=1")],
            &[("offer_id", "..")],
            &[("offer_id", "vm%2F")],
            &[("token", "Bearer abc")],
            &[("wait", "yes")],
            &[("fail_on_timeout", "1")],
            &[("wait_timeout", "10")],
            &[("wait_timeout", "9999999999999999999s")],
            &[("wait_timeout", "99999999999999999999h")],
            &[("poll_interval", "841h")],
            &[("poll_interval", "0s")],
            &[("request_timeout", "1w")],
            &[("api_url", "http://cloudpartner.example.com")],
            &[("api_url", "ftp://127.0.0.1")],
            &[("api_url", "not a url")],
            &[("api_url", "https://h.example/?x=1")],
            &[("api_version", "2017-10-31&x=y")],
            &[("authority_url", "http://login.example.com")],
            &[("operation_location", "http://example.com/api/operations/1")],
            &[("mode", "draft"), ("configure", "f.json"), ("plan", "gen2")],
            &[("mode", "publish"), ("configure", "f.json")],
        ];
        let mut shown = String::new();
        for case in cases {
            let mut values: std::collections::BTreeMap<&'static str, String> = [
                ("publisher_id", "contoso"),
                ("offer_id", "contoso-vm"),
                ("api_url", "https://h.example/"),
            ]
            .into_iter()
            .map(|(name, value)| (name, value.to_owned()))
            .collect();
            let mut token = "t0ken".to_owned();
            for (name, value) in *case {
                let name = INPUT_NAMES.iter().find(|known| *known == name).unwrap();
                match *name {
                    "token" => token = (*value).to_owned(),
                    _ => {
                        values.insert(name, (*value).to_owned());
                    }
                }
            }
            let error = |result: Result<Config, InputError>| match result {
                Ok(_) => "accepted".to_owned(),
                Err(error) => error.0,
            };
            let mut action = values.clone();
            action.insert("token", token.clone());
            let action = error(Config::from_inputs(
                &RawInputs::from_values(action),
                SignIn::default(),
            ));
            let command_line = error(Config::from_inputs(
                &RawInputs::from_values(values),
                SignIn::Environment(vec![("GO_LIVE_TOKEN".to_owned(), token)]),
            ));
            let command_line = Surface::CommandLine.words(&command_line);
            shown.push_str(&format!(
                "{case:?}\n  action: {action}\n  command line: {command_line}\n"
            ));
        }
        expect_test::expect![[r#"
            [("publisher_id", "")]
              action: publisher_id is required for the Cloud Partner Portal API (unless operation_location is given): pass the ID shown in Partner Center
              command line: --publisher is required for the Cloud Partner Portal API (unless --operation-location is given): pass the ID shown in Partner Center
            [("offer_id", "  ")]
              action: offer_id is required (unless operation_location is given): pass the offer ID shown in Partner Center
              command line: --offer is required (unless --operation-location is given): pass the offer ID shown in Partner Center
            [("publisher_id", "contoso/../x")]
              action: publisher_id 'contoso/../x' is not valid: expected letters, digits, '.', '_' or '-'
              command line: --publisher 'contoso/../x' is not valid: expected letters, digits, '.', '_' or '-'
            [("offer_id", "vm?api-version=1")]
              action: offer_id 'vm?api-version=1' is not valid: expected letters, digits, '.', '_' or '-'
              command line: --offer 'vm?api-version=1' is not valid: expected letters, digits, '.', '_' or '-'
            [("offer_id", "..")]
              action: offer_id '..' is not valid: expected letters, digits, '.', '_' or '-'
              command line: --offer '..' is not valid: expected letters, digits, '.', '_' or '-'
            [("offer_id", "vm%2F")]
              action: offer_id 'vm%2F' is not valid: expected letters, digits, '.', '_' or '-'
              command line: --offer 'vm%2F' is not valid: expected letters, digits, '.', '_' or '-'
            [("token", "Bearer abc")]
              action: token contains spaces or control characters: pass the bare access token, without 'Bearer '
              command line: GO_LIVE_TOKEN contains spaces or control characters: pass the bare access token, without 'Bearer '
            [("wait", "yes")]
              action: wait 'yes' is not a boolean: expected true or false
              command line: wait 'yes' is not a boolean: expected true or false
            [("fail_on_timeout", "1")]
              action: fail_on_timeout '1' is not a boolean: expected true or false
              command line: --no-fail-on-timeout '1' is not a boolean: expected true or false
            [("wait_timeout", "10")]
              action: wait_timeout '10' is not a duration: expected a whole number with a unit, such as 500ms, 30s, 45m or 5h; days (2d) and several units (1h30m) work too (each number needs its unit)
              command line: --wait-timeout '10' is not a duration: expected a whole number with a unit, such as 500ms, 30s, 45m or 5h; days (2d) and several units (1h30m) work too (each number needs its unit)
            [("wait_timeout", "9999999999999999999s")]
              action: wait_timeout '9999999999999999999s' is longer than 35 days, the longest a workflow run may last
              command line: --wait-timeout '9999999999999999999s' is longer than 35 days, the longest a workflow run may last
            [("wait_timeout", "99999999999999999999h")]
              action: wait_timeout '99999999999999999999h' is not a duration: expected a whole number with a unit, such as 500ms, 30s, 45m or 5h; days (2d) and several units (1h30m) work too
              command line: --wait-timeout '99999999999999999999h' is not a duration: expected a whole number with a unit, such as 500ms, 30s, 45m or 5h; days (2d) and several units (1h30m) work too
            [("poll_interval", "841h")]
              action: poll_interval '841h' is longer than 35 days, the longest a workflow run may last
              command line: --poll-interval '841h' is longer than 35 days, the longest a workflow run may last
            [("poll_interval", "0s")]
              action: poll_interval '0s' is not a duration: expected a whole number with a unit, such as 500ms, 30s, 45m or 5h; days (2d) and several units (1h30m) work too (it must be more than zero)
              command line: --poll-interval '0s' is not a duration: expected a whole number with a unit, such as 500ms, 30s, 45m or 5h; days (2d) and several units (1h30m) work too (it must be more than zero)
            [("request_timeout", "1w")]
              action: request_timeout '1w' is not a duration: expected a whole number with a unit, such as 500ms, 30s, 45m or 5h; days (2d) and several units (1h30m) work too
              command line: --request-timeout '1w' is not a duration: expected a whole number with a unit, such as 500ms, 30s, 45m or 5h; days (2d) and several units (1h30m) work too
            [("api_url", "http://cloudpartner.example.com")]
              action: api_url 'http://cloudpartner.example.com/' uses http: only https is allowed, except on a loopback host (localhost, 127.0.0.1, ::1)
              command line: --api-url 'http://cloudpartner.example.com/' uses http: only https is allowed, except on a loopback host (localhost, 127.0.0.1, ::1)
            [("api_url", "ftp://127.0.0.1")]
              action: api_url 'ftp://127.0.0.1/' has the scheme 'ftp': expected an https URL
              command line: --api-url 'ftp://127.0.0.1/' has the scheme 'ftp': expected an https URL
            [("api_url", "not a url")]
              action: api_url 'not a url' is not a URL (relative URL without a base): expected something like https://cloudpartner.azure.com
              command line: --api-url 'not a url' is not a URL (relative URL without a base): expected something like https://cloudpartner.azure.com
            [("api_url", "https://h.example/?x=1")]
              action: api_url 'https://h.example/?x=1' must not carry a query or a fragment
              command line: --api-url 'https://h.example/?x=1' must not carry a query or a fragment
            [("api_version", "2017-10-31&x=y")]
              action: api_version '2017-10-31&x=y' is not valid: expected a version such as 2017-10-31
              command line: --api-version '2017-10-31&x=y' is not valid: expected a version such as 2017-10-31
            [("authority_url", "http://login.example.com")]
              action: authority_url 'http://login.example.com/' uses http: only https is allowed, except on a loopback host (localhost, 127.0.0.1, ::1)
              command line: accepted
            [("operation_location", "http://example.com/api/operations/1")]
              action: operation_location 'http://example.com/api/operations/1' uses http: only https is allowed, except on a loopback host (localhost, 127.0.0.1, ::1)
              command line: --operation-location 'http://example.com/api/operations/1' uses http: only https is allowed, except on a loopback host (localhost, 127.0.0.1, ::1)
            [("mode", "draft"), ("configure", "f.json"), ("plan", "gen2")]
              action: plan goes with vm_image_versions; configure sends its resources as they are: leave plan out
              command line: --plan goes with --vm-image-versions; --configure sends its resources as they are: leave --plan out
            [("mode", "publish"), ("configure", "f.json")]
              action: configure is not taken by the Cloud Partner Portal API: change the draft in Partner Center, or use api: product-ingestion
              command line: --configure is not taken by the Cloud Partner Portal API: change the draft in Partner Center, or use --api product-ingestion
        "#]].assert_eq(&shown);
    }

    /// The words of the answers this module reads.
    const WORDS: &[&str] = &[
        "5s", "0ms", "840h", "841h", "1d", "36d", "1h30m", "-5s", "h", "ms", "",
    ];

    proptest! {
        #![proptest_config(arbitrary::config())]

        /// A URL with credentials is refused, and the password is never
        /// shown, whatever follows it.
        #[test]
        fn credentials_in_a_url_are_never_echoed(
            scheme in proptest::sample::select(vec!["https", "http", "ftp"]),
            user in proptest::sample::select(vec!["", "admin", "a b"]),
            password in proptest::collection::vec(proptest::char::range('a', 'z'), 10..16),
            rest in arbitrary::text(WORDS),
        ) {
            let password: String = password.into_iter().collect();
            let value = format!("{scheme}://{user}:{password}@{rest}");
            let base = Url::parse("https://h/").unwrap();
            for (name, result) in [
                ("api_url", parse_service_url("api_url", &value, "https://h").map(|url| url.to_string())),
                ("operation_location", parse_operation_location(&value, &base, Kind::CloudPartnerPortal.api()).map(|op| op.location.to_string())),
            ] {
                let shown = match result {
                    Ok(url) => url,
                    Err(error) => error.0,
                };
                prop_assert!(!shown.contains(&password), "{name}: {shown}");
            }
        }
    }
}

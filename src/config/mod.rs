//! Turns the action's raw inputs into a validated `Config`.
//!
//! Everything the rest of the program sees has been checked here, before any
//! request is sent: the API, IDs that cannot alter a URL, durations, booleans
//! in the runner's spelling, URLs with an allowed scheme. This module does
//! not read the process environment (`main` hands it the variables) and
//! sends nothing. What is particular to an API comes from its `publish::Api`.

use std::time::Duration;

use reqwest::Url;

use crate::model::{DraftChange, Earlier, Offer, OperationHandle, Stage};
use crate::publish::{Api, Endpoint, Kind, resolve};
use crate::secret::Secret;
use crate::surface::Surface;
use crate::text::format_duration;

pub use crate::inputs::{InputError, LONGEST_DURATION, RawInputs, check_utf8};
use crate::inputs::{
    check_scheme, check_unbroken, check_userinfo, invalid, parse_bool, parse_duration,
    parse_service_url, without_userinfo,
};
mod files;
mod offers;

pub use crate::sign_in::SignIn;
use crate::sign_in::{
    ASSERTION_LIFETIME, Credentials, Proof, environment_credentials, parse_credentials,
};
pub(crate) use files::read_capped_file;
use files::{parse_draft, parse_emails};
use offers::{parse_offer, parse_offers};

/// A job on a GitHub-hosted runner is cancelled at 6 hours; counted from
/// the step's own start (the best clock there is), a wait this long ends
/// in time to write its outputs and summary.
pub const GITHUB_HOSTED_LONGEST_WAIT: Duration = Duration::from_secs(5 * 3600 + 45 * 60);

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
    /// `mode: plan`: exit 4 when the plan has changes pending
    /// (`detailed_exitcode`).
    pub detailed_exitcode: bool,
    /// `GITHUB_WORKSPACE`, where the plan file is written (a command line:
    /// the current directory).
    pub workspace: Option<String>,
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
    /// Read what a release needs and tell what each step would do; send
    /// nothing.
    Plan,
}

impl Mode {
    const ALL: [Mode; 6] = [
        Mode::GoLive,
        Mode::Follow,
        Mode::Check,
        Mode::Publish,
        Mode::Draft,
        Mode::Plan,
    ];

    /// The `mode` input's value for it.
    pub fn as_input(self) -> &'static str {
        match self {
            Mode::GoLive => "go-live",
            Mode::Follow => "follow",
            Mode::Check => "check",
            Mode::Publish => "publish",
            Mode::Draft => "draft",
            Mode::Plan => "plan",
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
            Mode::GoLive | Mode::Follow | Mode::Check | Mode::Plan => Stage::Live,
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
    /// Tell what a release would do to the offer; send nothing.
    Plan(Offer),
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

impl Mode {
    /// What this mode does with one offer.
    pub fn target(self, offer: Offer) -> Target {
        match self {
            Mode::GoLive => Target::GoLive(offer),
            Mode::Follow => Target::FollowOffer(offer),
            Mode::Check => Target::Check(offer),
            Mode::Publish => Target::Publish(offer),
            Mode::Draft => Target::Draft(offer),
            Mode::Plan => Target::Plan(offer),
        }
    }
}

impl Config {
    pub fn from_inputs(raw: &RawInputs, sign_in: SignIn) -> Result<Config, InputError> {
        let surface = match sign_in {
            SignIn::Inputs(_) => Surface::Action,
            SignIn::Environment(_) => Surface::CommandLine,
        };
        let name = |input: &str| surface.input(input);
        let kind = parse_api(raw.given("api"), surface)?;
        let api = kind.api();
        let api_url = raw.given("api_url").unwrap_or(api.default_url());
        let base = parse_service_url(&name("api_url"), api_url, api.default_url())?;
        let version = raw.given("api_version").unwrap_or(api.default_version());
        if !version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            return Err(invalid(format!(
                "{} '{}' is not valid: expected a version such as {}",
                name("api_version"),
                version.escape_default(),
                api.default_version()
            )));
        }

        let mode = parse_mode(raw.given("mode"))?;
        let target = match (raw.given("operation_location"), mode) {
            _ if raw.given("offers").is_some() => Target::Offers(parse_offers(raw, api, surface)?),
            (Some(_), Mode::Check | Mode::Plan) => {
                let location = name("operation_location");
                return Err(invalid(format!(
                    "{location} cannot be given with {}, which reads the offer's state: leave {location} empty, or use {} to follow that operation",
                    surface.mode(mode.as_input()),
                    surface.mode("follow")
                )));
            }
            (Some(location), mode) => {
                let mut operation = parse_operation_location(location, &base, api, surface)?;
                operation.stage = mode.stage();
                Target::Follow(operation)
            }
            (None, mode) => mode.target(parse_offer(raw, api, surface)?),
        };

        let (credentials, sign_in, mut sign_in_notes) = match sign_in {
            SignIn::Inputs(oidc) => (parse_credentials(raw, oidc, api.scope())?, None, Vec::new()),
            SignIn::Environment(env) => {
                let (credentials, chosen, notes) = environment_credentials(raw, &env, api.scope())?;
                (credentials, Some(chosen), notes)
            }
        };

        let duration =
            |input: &str, default: &str| parse_duration(&name(input), raw.given(input), default);
        let boolean =
            |input: &str, default: bool| parse_bool(&name(input), raw.given(input), default);
        let wait = boolean("wait", false)?;
        let wait_timeout = duration("wait_timeout", "60m")?;
        let poll_interval = duration("poll_interval", "60s")?;
        let request_timeout = duration("request_timeout", "60s")?;
        let fail_on_timeout = boolean("fail_on_timeout", true)?;
        let notification_emails =
            parse_emails(raw.given("notification_emails"), mode, api, surface)?;
        let configure_timeout = duration("configure_timeout", "30m")?;
        let detailed_exitcode = boolean("detailed_exitcode", false)?;
        if detailed_exitcode && mode != Mode::Plan {
            return Err(invalid(format!(
                "{} applies only to {}: leave it out for {}",
                name("detailed_exitcode"),
                surface.mode("plan"),
                surface.mode(mode.as_input())
            )));
        }
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
            detailed_exitcode,
            workspace: raw.workspace().cloned(),
        })
    }
}

fn parse_api(value: Option<&str>, surface: Surface) -> Result<Kind, InputError> {
    let Some(value) = value else {
        return Ok(Kind::CloudPartnerPortal);
    };
    Kind::from_input(value).ok_or_else(|| {
        let known: Vec<&str> = Kind::ALL
            .into_iter()
            .map(|kind| kind.api().input_value())
            .collect();
        invalid(format!(
            "{} '{}' is not known: expected {}",
            surface.input("api"),
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
                "mode '{}' is not known: expected go-live (the default), publish, draft, follow, check or plan",
                value.escape_default()
            ))
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
            "{} ({}) would outlast the 6-hour limit of a job on a GitHub-hosted runner: the wait ends after {}, and the step then ends with status=running and says how to follow the operation",
            self.surface.input("wait_timeout"),
            format_duration(asked),
            format_duration(GITHUB_HOSTED_LONGEST_WAIT)
        ))
    }
}

/// The `operation_location` output of an earlier run: an absolute URL, or a
/// path such as `/api/operations/...` that is resolved against `api_url`.
fn parse_operation_location(
    value: &str,
    base: &Url,
    api: &dyn Api,
    surface: Surface,
) -> Result<OperationHandle, InputError> {
    let name = surface.input("operation_location");
    let url = if value.starts_with('/') {
        resolve(base, value)
    } else {
        Url::parse(value)
    }
    .map_err(|error| {
        invalid(format!(
            "{name} '{}' is not a URL ({error}): pass the operation_location output of the run that started the operation",
            without_userinfo(value).escape_default()
        ))
    })?;
    check_userinfo(&name, &url)?;
    check_unbroken(&name, value)?;
    check_scheme(&name, &url)?;
    let Some(id) = api.operation_id(&url) else {
        return Err(invalid(format!(
            "{name} '{url}' names no operation of the {} API: pass the operation_location output of the run that started the operation, with the same {}",
            api.name(),
            surface.input("api")
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

    use crate::inputs::INPUT_NAMES;

    /// The action's metadata, whose inputs and defaults `Config` follows.
    const ACTION_YML: &str = include_str!("../../action.yml");

    #[test]
    fn every_input_of_action_yml_is_read() {
        let declared: Vec<&str> = marketplace_emulator::runner::declared_inputs(ACTION_YML)
            .into_keys()
            .map(|name| {
                INPUT_NAMES
                    .into_iter()
                    .find(|read| *read == name)
                    .unwrap_or("?")
            })
            .collect();
        let mut read = INPUT_NAMES.to_vec();
        read.sort();
        assert_eq!(declared, read);
    }

    #[test]
    fn the_defaults_in_config_are_action_ymls() {
        let declared = marketplace_emulator::runner::declared_inputs(ACTION_YML);
        let with_defaults = |given: &[(&str, &str)]| {
            let mut env: Vec<(String, String)> = given
                .iter()
                .map(|(name, value)| (format!("INPUT_{}", name.to_uppercase()), value.to_string()))
                .collect();
            let config =
                Config::from_inputs(&RawInputs::from_env(&env), Default::default()).unwrap();
            for (name, default) in &declared {
                if !given.iter().any(|(given, _)| given == name) {
                    env.push((format!("INPUT_{}", name.to_uppercase()), default.clone()));
                }
            }
            let spelt_out =
                Config::from_inputs(&RawInputs::from_env(&env), Default::default()).unwrap();
            (format!("{config:?}"), format!("{spelt_out:?}"))
        };
        for given in [
            &[
                ("publisher_id", "contoso"),
                ("offer_id", "contoso-vm"),
                ("token", "t"),
            ][..],
            &[
                ("api", "product-ingestion"),
                ("offer_id", "contoso-vm"),
                ("tenant_id", "00000000-0000-0000-0000-000000000001"),
                ("client_id", "00000000-0000-0000-0000-000000000002"),
                ("client_secret", "s"),
            ][..],
        ] {
            let (unset, defaults) = with_defaults(given);
            assert_eq!(
                unset, defaults,
                "an input left unset must mean what action.yml's default says"
            );
        }
    }
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
              command line: --wait 'yes' is not a boolean: expected true or false
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
              command line: --authority-url 'http://login.example.com/' uses http: only https is allowed, except on a loopback host (localhost, 127.0.0.1, ::1)
            [("operation_location", "http://example.com/api/operations/1")]
              action: operation_location 'http://example.com/api/operations/1' uses http: only https is allowed, except on a loopback host (localhost, 127.0.0.1, ::1)
              command line: --operation-location 'http://example.com/api/operations/1' uses http: only https is allowed, except on a loopback host (localhost, 127.0.0.1, ::1)
            [("mode", "draft"), ("configure", "f.json"), ("plan", "gen2")]
              action: plan goes with vm_image_versions or cnab_bundles; configure sends its resources as they are: leave plan out
              command line: --plan goes with --vm-image-versions or --cnab-bundles; --configure sends its resources as they are: leave --plan out
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
                ("operation_location", parse_operation_location(&value, &base, Kind::CloudPartnerPortal.api(), Surface::Action).map(|op| op.location.to_string())),
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

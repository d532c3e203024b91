//! go-live: takes Azure Marketplace offers through a release (a change of
//! the draft, a publish to preview, going live) through the Cloud Partner
//! Portal publishing API or the Product Ingestion API, as a GitHub
//! container action or as a command line on any CI host or a terminal.
//!
//! `run` is the action given its environment and `run_command_line` the
//! command line; `main` only gathers the arguments and the environment and
//! turns the result into the process's exit code.

#[cfg(test)]
mod arbitrary;
mod auth;
mod body;
mod cli;
mod clock;
mod config;
mod failure;
mod flow;
mod host;
mod http;
mod inputs;
mod model;
mod offers;
mod poll;
mod publish;
mod report;
mod retry;
mod secret;
mod sign_in;
mod signals;
mod surface;
mod text;
mod tls;

use std::ffi::OsString;
use std::path::PathBuf;

use config::{Config, RawInputs, SignIn, Target};
use host::{HostKind, Runner, Settings, Stream};
use report::{Ended, Ending, Summary, exit_code};
use secret::Secret;
use sign_in::OidcRequest;
use signals::Signals;

/// Says why the run could not start, before any host is known: as the
/// container action's error line, which other hosts show as it is.
pub fn cannot_start(why: &str) {
    Runner::github(None, None, false).error(why);
}

/// Why a file the run writes as it goes cannot be written there, known
/// before any request: its directory does not exist, or the path is one.
fn not_writable(flag: &str, path: &std::path::Path) -> Option<String> {
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => std::path::Path::new("."),
    };
    if !directory.is_dir() {
        return Some(format!(
            "{flag} '{}' is in a directory that does not exist ({}): create it first, or give another path; nothing was sent",
            path.display(),
            directory.display()
        ));
    }
    path.is_dir().then(|| {
        format!(
            "{flag} '{}' is a directory: give the path of a file in it; nothing was sent",
            path.display()
        )
    })
}

/// A variable's value, when set and not empty.
fn lookup(env: &[(String, String)], name: &str) -> Option<String> {
    env.iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.clone())
        .filter(|value| !value.is_empty())
}

/// Runs the action with the given environment variables and returns the
/// exit code. `not_utf8` names the variables whose values are not UTF-8
/// (and so are not in `env`). Without any `INPUT_*` variable it is not run
/// by the action: the usage is printed.
pub async fn run(env: &[(String, String)], not_utf8: &[String]) -> u8 {
    let var = |name: &str| lookup(env, name);
    let is_input = |name: &String| name.starts_with("INPUT_");
    if !env.iter().any(|(key, _)| is_input(key)) && !not_utf8.iter().any(is_input) {
        let runner = Runner::new(
            HostKind::Terminal.host(&settings(env, false, None, false, false)),
            None,
            false,
        );
        runner.info(&format!(
            "go-live needs a command (or, as the GitHub action, INPUT_* variables).\n\n{}",
            cli::usage()
        ));
        return exit_code(true, &INVALID);
    }
    let runner = Runner::new(
        HostKind::GitHub.host(&settings(env, false, None, false, false)),
        None,
        false,
    );

    // Masks come first: a token handed over from an earlier step's output
    // was never masked by anyone else.
    let raw = RawInputs::from_env(env);
    let oidc = OidcRequest {
        url: var("ACTIONS_ID_TOKEN_REQUEST_URL"),
        token: var("ACTIONS_ID_TOKEN_REQUEST_TOKEN").map(Secret::new),
    };
    for secret in raw.secrets().iter().chain(&oidc.token) {
        runner.mask(secret);
    }
    let config = match config::check_utf8(not_utf8)
        .and_then(|()| Config::from_inputs(&raw, SignIn::Inputs(oidc)))
    {
        Ok(config) => config,
        Err(error) => {
            runner.error(&error.to_string());
            return exit_code(true, &INVALID);
        }
    };
    go(config, &runner, env, None).await
}

/// Runs a command line (`args` starts with the program's name) and returns
/// the exit code: the same run as the action's, with its inputs from flags
/// and `GO_LIVE_*` variables, its sign-in from the environment, and its log
/// in the syntax of the host it runs on.
pub async fn run_command_line(
    args: Vec<OsString>,
    env: &[(String, String)],
    not_utf8: &[String],
) -> u8 {
    let parsed = match cli::parse(args) {
        Ok(parsed) => parsed,
        Err(cli::Stop::Shown(shown)) => {
            let _ = shown.print();
            return exit_code(true, &DONE);
        }
        Err(cli::Stop::Usage(error)) => {
            // Through the host, as every other message: the arguments it
            // quotes are text a host must not take for a command.
            let kind = HostKind::detect(|name| lookup(env, name));
            let runner = Runner::new(
                kind.host(&settings(env, false, None, false, true)),
                None,
                false,
            );
            let text = error.render().to_string();
            let text = text.trim_end();
            runner.error(text.strip_prefix("error: ").unwrap_or(text));
            return exit_code(true, &INVALID);
        }
    };
    let invocation = parsed.invocation(&|name| lookup(env, name));
    // A refused invocation is reported on the detected host, plainly.
    let given = invocation.as_ref().ok();
    let json = given.is_some_and(|given| given.json);
    let kind = given
        .and_then(|given| given.host)
        .unwrap_or_else(|| HostKind::detect(|name| lookup(env, name)));
    let runner = Runner::new(
        kind.host(&settings(
            env,
            json,
            given.and_then(|given| given.dotenv.clone()),
            given.is_some_and(|given| given.debug),
            given.is_some_and(|given| given.no_colour),
        )),
        given.and_then(|given| given.results_file.clone()),
        json,
    )
    .speaking(surface::Surface::CommandLine);
    // Masked before anything else is printed, on the hosts that mask.
    for name in sign_in::secret_variables() {
        if let Some(value) = lookup(env, name) {
            runner.mask(&Secret::new(value));
        }
    }
    if let Some(name) = not_utf8.iter().find(|name| name.starts_with("GO_LIVE_")) {
        runner.error(&format!("{name} is not valid UTF-8 text: pass it as UTF-8"));
        return exit_code(true, &INVALID);
    }
    if let Some(given) = given {
        for (flag, path) in [
            ("--results-file", &given.results_file),
            ("--dotenv", &given.dotenv),
        ] {
            if let Some(why) = path.as_deref().and_then(|path| not_writable(flag, path)) {
                runner.error(&why);
                return exit_code(true, &INVALID);
            }
        }
    }
    let config = invocation.and_then(|invocation| {
        let config = Config::from_inputs(&invocation.inputs, SignIn::Environment(env.to_vec()))?;
        Ok((config, invocation.key))
    });
    let (config, key) = match config {
        Ok(config) => config,
        Err(error) => {
            runner.error(&error.to_string());
            return exit_code(true, &INVALID);
        }
    };
    if let Some(sign_in) = &config.sign_in {
        runner.info(sign_in);
    }
    for note in &config.sign_in_notes {
        runner.warning(note);
    }
    go(config, &runner, env, key).await
}

/// How the hosts are set up.
fn settings(
    env: &[(String, String)],
    json: bool,
    dotenv: Option<PathBuf>,
    debug: bool,
    no_colour: bool,
) -> Settings {
    Settings {
        env: env.to_vec(),
        messages: if json { Stream::Err } else { Stream::Out },
        dotenv,
        debug,
        no_colour,
    }
}

/// The run, its inputs checked: masks, the runner's limits, then every
/// offer or the one target, and the outputs' last word.
async fn go(
    mut config: Config,
    runner: &Runner,
    env: &[(String, String)],
    key: Option<String>,
) -> u8 {
    let var = |name: &str| lookup(env, name);
    // What the file inputs hold (SAS queries) is masked before anything
    // else is printed.
    for secret in &config.masks {
        runner.mask(secret);
    }
    let fitted = config.fit_to_runner(var("RUNNER_ENVIRONMENT").as_deref());
    let extra_roots = match tls::extra_roots(
        var("SSL_CERT_FILE").as_deref(),
        var("SSL_CERT_DIR").as_deref(),
    ) {
        Ok(roots) => roots,
        Err(message) => {
            runner.error(&message);
            return exit_code(config.fail_on_timeout, &INVALID);
        }
    };

    let key = key.or_else(|| match &config.target {
        Target::GoLive(offer)
        | Target::FollowOffer(offer)
        | Target::Check(offer)
        | Target::Publish(offer)
        | Target::Draft(offer)
        | Target::Plan(offer) => Some(offer.key()),
        Target::Follow(_) | Target::Offers(_) => None,
    });
    runner.name_results(key);
    // Installed before any request: the runner cancels a job with SIGINT,
    // then SIGTERM, and PID 1 ignores both unless it handles them.
    let mut signals = Signals::install(runner);
    let ended = match &config.target {
        Target::Offers(listed) => {
            offers::run(&config, listed, extra_roots, runner, &mut signals, fitted).await
        }
        target => single(&config, target, extra_roots, runner, &mut signals, fitted).await,
    };
    runner.finish();
    exit_code(config.fail_on_timeout, &ended)
}

/// A run refused for its inputs, before any request.
const INVALID: Ended = Ended {
    status: None,
    ending: Ending::Invalid,
};

/// A run with nothing to do: `--help` and `--version`.
const DONE: Ended = Ended {
    status: None,
    ending: Ending::Done,
};

/// A run of one offer, or of one operation: the skeleton of every run
/// (`offers::run_each`) with one flow, writing the step's own outputs.
async fn single(
    config: &Config,
    target: &Target,
    extra_roots: Vec<reqwest::Certificate>,
    runner: &Runner,
    signals: &mut Signals,
    fitted: Option<String>,
) -> Ended {
    let mut summary = Summary {
        api: config.endpoint.kind.api().name(),
        ..Summary::default()
    };
    if let Some(notice) = fitted {
        runner.notice(&notice);
        summary.notes.push(notice);
    }
    let outputs = Box::new(flow::StepOutputs(runner));
    let mut runs = [offers::FlowRun::new(
        target.clone(),
        runner.clone(),
        outputs,
        summary,
    )];
    let never = std::future::pending::<std::convert::Infallible>();
    offers::run_each(config, &mut runs, extra_roots, runner, signals, never).await;
    let [run] = runs;
    let mut ended = run.ended.expect("run_each ends every flow");
    if config.mode == config::Mode::Plan {
        let key = run
            .summary
            .offer
            .as_ref()
            .map(|offer| offer.key())
            .unwrap_or_default();
        ended = flow::write_plan(config, runner, &[(key.as_str(), &run.summary)], ended);
    }
    if let Err(error) = runner.add_summary(&run.summary.to_markdown(), &run.summary.to_text()) {
        runner.warning(&format!("{error:#}"));
    }
    ended
}

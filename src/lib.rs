//! go-live: takes an Azure Marketplace offer live through the Cloud Partner
//! Portal publishing API or the Product Ingestion API, as a GitHub container
//! action.
//!
//! `run` is the whole program given its environment; `main` only gathers the
//! environment and turns the result into the process's exit code.

#[cfg(test)]
mod arbitrary;
pub mod auth;
pub mod body;
pub mod clock;
pub mod config;
pub mod credentials;
pub mod failure;
pub mod flow;
pub mod github;
pub mod http;
pub mod model;
pub mod offers;
pub mod poll;
pub mod publish;
pub mod report;
pub mod retry;
pub mod secret;
pub mod signals;
pub mod text;
pub mod tls;

use std::path::PathBuf;

use config::{Config, RawInputs, Target};
use credentials::OidcRequest;
use flow::Flow;
use github::Runner;
use report::{Ended, Ending, Summary, exit_code};
use secret::Secret;
use signals::Signals;

/// Runs the action with the given environment variables and returns the
/// exit code. `not_utf8` names the variables whose values are not UTF-8
/// (and so are not in `env`).
pub async fn run(env: &[(String, String)], not_utf8: &[String]) -> u8 {
    let var = |name: &str| {
        env.iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .filter(|value| !value.is_empty())
    };
    let runner = Runner::new(
        var("GITHUB_OUTPUT").map(PathBuf::from),
        var("GITHUB_STEP_SUMMARY").map(PathBuf::from),
        var("RUNNER_DEBUG").as_deref() == Some("1"),
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
    let mut config =
        match config::check_utf8(not_utf8).and_then(|()| Config::from_inputs(&raw, oidc)) {
            Ok(config) => config,
            Err(error) => {
                runner.error(&error.to_string());
                return exit_code(true, &INVALID);
            }
        };
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

    // Installed before any request: the runner cancels a job with SIGINT,
    // then SIGTERM, and PID 1 ignores both unless it handles them.
    let mut signals = Signals::install(&runner);
    let ended = match &config.target {
        Target::Offers(listed) => {
            offers::run(&config, listed, extra_roots, &runner, &mut signals, fitted).await
        }
        target => single(&config, target, extra_roots, &runner, &mut signals, fitted).await,
    };
    runner.print_local_outputs();
    exit_code(config.fail_on_timeout, &ended)
}

/// A run refused for its inputs, before any request.
const INVALID: Ended = Ended {
    status: None,
    ending: Ending::Invalid,
};

/// A run of one offer, or of one operation.
async fn single(
    config: &Config,
    target: &Target,
    extra_roots: Vec<reqwest::Certificate>,
    runner: &Runner,
    signals: &mut Signals,
    fitted: Option<String>,
) -> Ended {
    let started = clock::now();
    let outputs = flow::StepOutputs(runner);
    let mut summary = Summary {
        api: config.endpoint.kind.api().name(),
        ..Summary::default()
    };
    if let Some(notice) = fitted {
        runner.notice(&notice);
        summary.notes.push(notice);
    }
    let execute = async {
        let publisher = flow::connect(config, extra_roots, runner)?;
        let flow = Flow {
            publisher: publisher.as_ref(),
            config,
            runner,
            outputs: &outputs,
        };
        flow.run(target, &mut summary).await
    };
    let ended = tokio::select! {
        result = execute => Ok(result),
        name = signals.received() => Err(name),
    };
    let ending = match ended {
        Ok(Ok(ending)) => ending,
        Ok(Err(failure)) => {
            flow::report_failure(runner, &outputs, &mut summary, &failure, config.mode)
        }
        Err(signal) => flow::report_stop(signal, runner, &outputs, &mut summary, config),
    };
    summary.elapsed = Some(started.elapsed());
    if let Err(error) = runner.add_summary(&summary.to_markdown()) {
        runner.warning(&format!("{error:#}"));
    }
    summary.ended(ending)
}

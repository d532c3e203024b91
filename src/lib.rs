//! go-live: takes an Azure Marketplace offer live through the Cloud Partner
//! Portal publishing API, as a GitHub container action.
//!
//! `run` is the whole program given its environment; `main` only gathers the
//! environment and turns the result into the process's exit code.

pub mod api;
pub mod auth;
pub mod config;
pub mod github;
pub mod golive;
pub mod poll;
pub mod report;
pub mod retry;
pub mod secret;
pub mod tls;

use std::path::PathBuf;
use std::time::Instant;

use api::State;
use config::{Config, OidcRequest, RawInputs, Target, format_duration};
use github::Runner;
use poll::End;
use report::{Summary, exit};
use reqwest::Url;
use secret::Secret;
use tokio::signal::unix::{Signal, SignalKind, signal};

/// Runs the action with the given environment variables and returns the
/// exit code.
pub async fn run(env: &[(String, String)]) -> u8 {
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
    let config = match Config::from_inputs(&raw, oidc) {
        Ok(config) => config,
        Err(error) => {
            runner.error(&error.to_string());
            return exit::INVALID_INPUT;
        }
    };
    let extra_roots = match tls::extra_roots(
        var("SSL_CERT_FILE").as_deref(),
        var("SSL_CERT_DIR").as_deref(),
    ) {
        Ok(roots) => roots,
        Err(message) => {
            runner.error(&message);
            return exit::INVALID_INPUT;
        }
    };

    let started = Instant::now();
    let mut summary = Summary::default();
    // Installed before any request: the runner cancels a job with SIGINT,
    // then SIGTERM, and PID 1 ignores both unless it handles them.
    let mut signals = Signals::install(&runner);
    let ended = tokio::select! {
        result = execute(&config, extra_roots, &runner, &mut summary) => Ok(result),
        name = signals.received() => Err(name),
    };
    let code = match ended {
        Ok(Ok(code)) => code,
        Ok(Err(error)) => {
            let message = format!("{error:#}");
            runner.error(&message);
            summary.errors.push(message);
            if summary.status.is_empty() {
                summary.status = "error".to_owned();
            }
            exit::FAILURE
        }
        Err(signal) => interrupted(signal, &runner, &mut summary),
    };
    summary.elapsed = Some(started.elapsed());
    if let Err(error) = runner.add_summary(&summary.to_markdown()) {
        runner.warning(&format!("{error:#}"));
    }
    code
}

async fn execute(
    config: &Config,
    extra_roots: Vec<reqwest::Certificate>,
    runner: &Runner,
    summary: &mut Summary,
) -> anyhow::Result<u8> {
    let client = api::Client::new(
        config.api.clone(),
        config.credentials.clone(),
        config.request_timeout,
        extra_roots,
        runner.clone(),
    )?;
    let operation_location = match &config.target {
        Target::GoLive {
            publisher_id,
            offer_id,
        } => {
            summary.publisher_id = Some(publisher_id.clone());
            summary.offer_id = Some(offer_id.clone());
            runner.info(&format!(
                "Requesting go-live of offer '{offer_id}' of publisher '{publisher_id}' at {}",
                config.api.base
            ));
            let accepted = golive::start(&client, config, runner, publisher_id, offer_id).await?;
            record_operation(
                runner,
                summary,
                &accepted.operation_location,
                &accepted.operation_id,
            )?;
            runner.info(&format!(
                "go-live accepted: operation {}\n  {}",
                accepted.operation_id, accepted.operation_location
            ));
            if !config.wait {
                summary.status = "accepted".to_owned();
                runner.set_output("status", "accepted")?;
                return Ok(exit::SUCCESS);
            }
            accepted.operation_location
        }
        Target::Follow { operation_location } => {
            let operation_id = api::operation_id(operation_location).unwrap_or_default();
            record_operation(runner, summary, operation_location, &operation_id)?;
            operation_location.clone()
        }
    };

    runner.info(&format!(
        "Following the operation every {} for at most {}",
        format_duration(config.poll_interval),
        format_duration(config.wait_timeout)
    ));
    let end = poll::follow(
        &client,
        &operation_location,
        config,
        runner,
        &mut summary.operation,
    )
    .await?;
    let resume = format!(
        "it goes on in the service: to follow it again, run this action with operation_location: {operation_location}"
    );
    let (state, code) = match end {
        End::TimedOut if config.fail_on_timeout => {
            let message = format!(
                "the operation is still running after wait_timeout ({}); {resume}",
                format_duration(config.wait_timeout)
            );
            runner.error(&message);
            summary.errors.push(message);
            (State::Running, exit::TIMED_OUT)
        }
        End::TimedOut => {
            runner.warning(&format!(
                "the operation is still running after wait_timeout ({}); {resume}",
                format_duration(config.wait_timeout)
            ));
            (State::Running, exit::SUCCESS)
        }
        End::Finished(State::Succeeded) => {
            runner.info("The operation succeeded");
            (State::Succeeded, exit::SUCCESS)
        }
        End::Finished(state) => {
            let mut reasons = summary
                .operation
                .as_ref()
                .map(report::failure_reasons)
                .unwrap_or_default();
            if reasons.is_empty() {
                reasons.push(
                    "the service gave no reason: check the offer in Partner Center".to_owned(),
                );
            }
            let message = format!(
                "the operation {}: {}",
                state.as_output(),
                reasons.join("; ")
            );
            runner.error(&message);
            summary.errors.push(message);
            (state, exit::FAILURE)
        }
    };
    summary.status = state.as_output().to_owned();
    runner.set_output("status", state.as_output())?;
    Ok(code)
}

/// Writes the operation's outputs the moment it is known, so that a later
/// job can follow it whatever happens to this one.
fn record_operation(
    runner: &Runner,
    summary: &mut Summary,
    location: &Url,
    id: &str,
) -> anyhow::Result<()> {
    summary.operation_location = Some(location.to_string());
    runner.set_output("operation_location", location.as_str())?;
    runner.set_output("operation_id", id)
}

/// A run stopped by a signal: the operation (if any) goes on in the service.
fn interrupted(signal: &str, runner: &Runner, summary: &mut Summary) -> u8 {
    let message = match &summary.operation_location {
        Some(location) => {
            summary.status = "running".to_owned();
            if let Err(error) = runner.set_output("status", "running") {
                runner.warning(&format!("{error:#}"));
            }
            format!(
                "stopped by {signal} while following the operation; it goes on in the service: to follow it again, run this action with operation_location: {location}"
            )
        }
        None => {
            summary.status = "interrupted".to_owned();
            format!(
                "stopped by {signal} before go-live was accepted; go-live may have started all the same: check the offer's status in Partner Center before running this again"
            )
        }
    };
    runner.error(&message);
    summary.errors.push(message);
    if signal == "SIGINT" {
        exit::SIGINT
    } else {
        exit::SIGTERM
    }
}

/// SIGINT and SIGTERM, as one stream.
struct Signals {
    interrupt: Option<Signal>,
    terminate: Option<Signal>,
}

impl Signals {
    fn install(runner: &Runner) -> Signals {
        let install = |kind: SignalKind, name: &str| match signal(kind) {
            Ok(stream) => Some(stream),
            Err(error) => {
                runner.warning(&format!("cannot handle {name} ({error}); a canceled run may be killed without a last word"));
                None
            }
        };
        Signals {
            interrupt: install(SignalKind::interrupt(), "SIGINT"),
            terminate: install(SignalKind::terminate(), "SIGTERM"),
        }
    }

    async fn received(&mut self) -> &'static str {
        async fn next(stream: &mut Option<Signal>) {
            match stream {
                Some(stream) => {
                    stream.recv().await;
                }
                None => std::future::pending().await,
            }
        }
        tokio::select! {
            _ = next(&mut self.interrupt) => "SIGINT",
            _ = next(&mut self.terminate) => "SIGTERM",
        }
    }
}

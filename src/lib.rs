//! go-live: takes an Azure Marketplace offer live through the Cloud Partner
//! Portal publishing API, as a GitHub container action.
//!
//! `run` is the whole program given its environment; `main` only gathers the
//! environment and turns the result into the process's exit code.

pub mod api;
pub mod config;
pub mod github;
pub mod golive;
pub mod report;
pub mod secret;

use std::path::PathBuf;

use config::{Config, RawInputs, Target};
use github::Runner;
use report::{Summary, exit};

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
    for secret in raw.secrets() {
        runner.mask(&secret);
    }
    let config = match Config::from_inputs(&raw) {
        Ok(config) => config,
        Err(error) => {
            runner.error(&error.to_string());
            return exit::INVALID_INPUT;
        }
    };

    let mut summary = Summary::default();
    let code = match execute(&config, &runner, &mut summary).await {
        Ok(code) => code,
        Err(error) => {
            let message = format!("{error:#}");
            runner.error(&message);
            summary.errors.push(message);
            if summary.status.is_empty() {
                summary.status = "error".to_owned();
            }
            exit::FAILURE
        }
    };
    if let Err(error) = runner.add_summary(&summary.to_markdown()) {
        runner.warning(&format!("{error:#}"));
    }
    code
}

async fn execute(config: &Config, runner: &Runner, summary: &mut Summary) -> anyhow::Result<u8> {
    let client = api::Client::new(
        config.api.clone(),
        config.token.clone(),
        config.request_timeout,
    )?;
    let (publisher_id, offer_id) = match &config.target {
        Target::GoLive {
            publisher_id,
            offer_id,
        } => (publisher_id, offer_id),
        Target::Follow { .. } => {
            anyhow::bail!(
                "operation_location is given, but following an existing operation is not supported by this version"
            )
        }
    };
    summary.publisher_id = Some(publisher_id.clone());
    summary.offer_id = Some(offer_id.clone());
    runner.info(&format!(
        "Requesting go-live of offer '{offer_id}' of publisher '{publisher_id}' at {}",
        config.api.base
    ));
    let accepted = golive::start(&client, config, runner, publisher_id, offer_id).await?;

    // Written before anything else can go wrong, so that a later job can
    // follow the operation whatever happens to this one.
    let location = accepted.operation_location.as_str();
    summary.operation_location = Some(location.to_owned());
    runner.set_output("operation_location", location)?;
    runner.set_output("operation_id", &accepted.operation_id)?;
    runner.info(&format!(
        "go-live accepted: operation {}\n  {location}",
        accepted.operation_id
    ));

    if config.wait {
        anyhow::bail!("wait is not supported by this version");
    }
    summary.status = "accepted".to_owned();
    runner.set_output("status", "accepted")?;
    Ok(exit::SUCCESS)
}

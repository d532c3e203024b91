//! One offer's go-live, whichever the API: read its state, send go-live
//! (again only where the service cannot have started it), write the
//! outputs the moment the operation is known, and follow it to its end.
//!
//! It knows no API: every request goes through `publish::Publisher`. It
//! fills the run's `Summary` as it goes, so that whatever stops it (an
//! error, a signal), what was learnt is kept.

use std::time::Duration;

use crate::config::{Config, Target};
use crate::failure::Failure;
use crate::github::Runner;
use crate::model::{Decision, GoLiveRequest, OperationHandle, State};
use crate::poll::{self, End};
use crate::publish::{GoLiveAnswer, Publisher};
use crate::report::{Sending, Summary, exit};
use crate::retry::backoff;
use crate::text::format_duration;

/// The go-live request is not idempotent: it is sent at most this many
/// times, and sent again only when the service cannot have started it.
const GO_LIVE_ATTEMPTS: u32 = 3;

/// A `Retry-After` longer than this on the go-live request is not waited
/// out: the run fails and says to try again later.
const LONGEST_RETRY_AFTER: Duration = Duration::from_secs(300);

/// Runs the configured target to its end and returns the exit code.
pub async fn run(
    publisher: &dyn Publisher,
    config: &Config,
    runner: &Runner,
    summary: &mut Summary,
) -> Result<u8, Failure> {
    let operation = match &config.target {
        Target::GoLive(offer) => {
            summary.offer = Some(offer.clone());
            runner.info(&format!(
                "Requesting go-live of {} through the {} API at {}",
                offer.describe(),
                summary.api,
                config.endpoint.base
            ));
            let request = match publisher.prepare(offer).await? {
                Decision::Send(request) => request,
                Decision::AlreadyLive(seen) => {
                    let message = format!("{seen}; nothing was sent");
                    runner.notice(&message);
                    summary.notes.push(message);
                    set_status(runner, summary, State::Succeeded.as_output())?;
                    return Ok(exit::SUCCESS);
                }
            };
            let operation = start(publisher, &request, config, runner, summary).await?;
            runner.info(&format!(
                "go-live accepted: operation {}\n  {}",
                operation.id, operation.location
            ));
            record_operation(runner, summary, &operation)?;
            if !config.wait {
                set_status(runner, summary, "accepted")?;
                return Ok(exit::SUCCESS);
            }
            operation
        }
        Target::Follow(operation) => {
            record_operation(runner, summary, operation)?;
            operation.clone()
        }
    };

    let resume = format!(
        "it goes on in the service: to follow it again, run this action with operation_location: {}",
        operation.location
    );
    if operation.location.origin() != config.endpoint.base.origin() {
        return Err(Failure::AfterStart(format!(
            "the operation's status monitor {} is not on the origin of api_url ({}); the token is sent only to api_url, so the operation was not followed and its outcome is unknown: check it in Partner Center",
            operation.location,
            config.endpoint.base.origin().ascii_serialization()
        )));
    }
    if let Some(warning) = publisher.poll_interval_warning(config.poll_interval) {
        runner.warning(&warning);
    }
    runner.info(&format!(
        "Following the operation every {} for at most {}",
        format_duration(config.poll_interval),
        format_duration(config.wait_timeout)
    ));
    let end = poll::follow(publisher, &operation, config, runner, &mut summary.snapshot)
        .await
        .map_err(Failure::AfterStart)?;
    let (state, code) = match end {
        End::TimedOut => {
            let message = format!(
                "the operation is still running after wait_timeout ({}); {resume}",
                format_duration(config.wait_timeout)
            );
            if config.fail_on_timeout {
                runner.error(&message);
                summary.errors.push(message);
                (State::Running, exit::TIMED_OUT)
            } else {
                runner.warning(&message);
                (State::Running, exit::SUCCESS)
            }
        }
        End::Finished(State::Succeeded) => {
            runner.info("The operation succeeded");
            (State::Succeeded, exit::SUCCESS)
        }
        End::Finished(state) => {
            let mut reasons = summary
                .snapshot
                .as_ref()
                .map(|snapshot| snapshot.reasons.clone())
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
    set_status(runner, summary, state.as_output())?;
    Ok(code)
}

/// Sends go-live and returns the operation it started. The loop's bound is
/// `GO_LIVE_ATTEMPTS`.
async fn start(
    publisher: &dyn Publisher,
    request: &GoLiveRequest,
    config: &Config,
    runner: &Runner,
    summary: &mut Summary,
) -> Result<OperationHandle, Failure> {
    let mut attempt = 1;
    loop {
        summary.sending = Sending::InFlight;
        let (reason, retry_after) = match publisher.go_live(request).await {
            GoLiveAnswer::Accepted(operation) => return Ok(operation),
            GoLiveAnswer::Failed(failure) => return Err(failure),
            GoLiveAnswer::NotStarted {
                reason,
                retry_after,
            } => {
                summary.sending = Sending::NotStarted;
                (reason, retry_after)
            }
        };
        if attempt >= GO_LIVE_ATTEMPTS {
            return Err(Failure::Refused(format!(
                "go-live was not accepted after {GO_LIVE_ATTEMPTS} attempts, the last one: {reason}; nothing was started: run this again later"
            )));
        }
        let first = config.poll_interval.min(Duration::from_secs(1));
        let delay = retry_after.unwrap_or_else(|| backoff(first, attempt, first * 4));
        if delay > LONGEST_RETRY_AFTER {
            return Err(Failure::Refused(format!(
                "go-live was not accepted ({reason}) and the service asked to wait {} before trying again; nothing was started: run this again later",
                format_duration(delay)
            )));
        }
        runner.info(&format!(
            "go-live was not accepted ({reason}); trying again in {} (attempt {} of {GO_LIVE_ATTEMPTS})",
            format_duration(delay),
            attempt + 1
        ));
        tokio::time::sleep(delay).await;
        attempt += 1;
    }
}

/// Writes the operation's outputs the moment it is known, so that a later
/// job can follow it whatever happens to this one.
fn record_operation(
    runner: &Runner,
    summary: &mut Summary,
    operation: &OperationHandle,
) -> Result<(), Failure> {
    summary.operation = Some(operation.clone());
    let outputs = [
        ("operation_location", Some(operation.location.as_str())),
        ("operation_id", Some(operation.id.as_str())),
        ("product_id", operation.product_id.as_deref()),
        ("submission_id", operation.submission_id.as_deref()),
    ];
    for (name, value) in outputs {
        if let Some(value) = value {
            runner.set_output(name, value).map_err(|error| {
                Failure::AfterStart(format!(
                    "go-live WAS accepted, but its outputs could not be written ({error:#}): the operation {} runs in the service; do not run go-live again: follow it by running this action with operation_location: {}",
                    operation.id, operation.location
                ))
            })?;
        }
    }
    Ok(())
}

fn set_status(runner: &Runner, summary: &mut Summary, status: &str) -> Result<(), Failure> {
    summary.status = status.to_owned();
    runner
        .set_output("status", status)
        .map_err(|error| Failure::AfterStart(format!("{error:#}")))
}

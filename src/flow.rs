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
use crate::model::{GoLiveRequest, Offer, OfferState, OperationHandle, Outcome, State, Verdict};
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
    if !config.mode.sends() {
        summary.sending = Sending::Never;
    }
    let operation = match &config.target {
        Target::GoLive(offer) => match go_live(publisher, offer, config, runner, summary).await? {
            Some(operation) => operation,
            None => return Ok(exit::SUCCESS),
        },
        Target::Follow(operation) => {
            record_operation(runner, summary, operation)?;
            set_outcome(runner, summary, Outcome::Followed)?;
            operation.clone()
        }
        Target::FollowOffer(offer) => {
            follow_offer(publisher, offer, config, runner, summary).await?
        }
        Target::Check(offer) => return check(publisher, offer, config, runner, summary).await,
    };
    follow(publisher, &operation, config, runner, summary).await
}

/// Reads the offer's state, then sends go-live, or picks up the go-live
/// already running, or reports the offer live. The operation to follow,
/// if the run goes on to wait.
async fn go_live(
    publisher: &dyn Publisher,
    offer: &Offer,
    config: &Config,
    runner: &Runner,
    summary: &mut Summary,
) -> Result<Option<OperationHandle>, Failure> {
    let state = read_state(publisher, offer, config, runner, summary).await?;
    let request = match state.verdict {
        Verdict::Ready(request) => request,
        Verdict::Unrecognised(request, seen) | Verdict::Unreadable(request, seen) => {
            tell(
                runner,
                summary,
                &format!(
                    "the state of {} could not be read or was not recognised ({seen}); go-live is sent all the same, and the service decides",
                    offer.describe()
                ),
            );
            request
        }
        Verdict::Running(operation) => {
            tell(
                runner,
                summary,
                &format!(
                    "a go-live is already running on {}: operation {}; nothing was sent, {}",
                    offer.describe(),
                    operation.id,
                    if config.wait {
                        "following it"
                    } else {
                        "and wait is false: follow it with mode: follow"
                    }
                ),
            );
            record_operation(runner, summary, &operation)?;
            set_outcome(runner, summary, Outcome::Followed)?;
            if !config.wait {
                set_status(runner, summary, State::Running.as_output())?;
                return Ok(None);
            }
            return Ok(Some(operation));
        }
        Verdict::Live(seen) => {
            tell(runner, summary, &format!("{seen}; nothing was sent"));
            set_outcome(runner, summary, Outcome::AlreadyLive)?;
            set_status(runner, summary, State::Succeeded.as_output())?;
            return Ok(None);
        }
        Verdict::NotReady(reason) => {
            return Err(Failure::NotSent(format!("go-live was not sent: {reason}")));
        }
    };
    runner.info(&format!("Requesting go-live of {}", offer.describe()));
    let operation = start(publisher, &request, config, runner, summary).await?;
    runner.info(&format!(
        "go-live accepted: operation {}\n  {}",
        operation.id, operation.location
    ));
    record_operation(runner, summary, &operation)?;
    set_outcome(runner, summary, Outcome::Started)?;
    if !config.wait {
        set_status(runner, summary, "accepted")?;
        return Ok(None);
    }
    Ok(Some(operation))
}

/// `mode: follow` without `operation_location`: the offer's running
/// go-live, or its last one, to follow to its end.
async fn follow_offer(
    publisher: &dyn Publisher,
    offer: &Offer,
    config: &Config,
    runner: &Runner,
    summary: &mut Summary,
) -> Result<OperationHandle, Failure> {
    let state = read_state(publisher, offer, config, runner, summary).await?;
    let described = offer.describe();
    let operation = match (state.verdict, state.last_go_live) {
        (Verdict::Running(operation), _) => {
            runner.info(&format!(
                "a go-live is running on {described}: following operation {}",
                operation.id
            ));
            operation
        }
        (_, Some(last)) => {
            runner.info(&format!(
                "no go-live is running on {described}: reporting its last one, operation {}",
                last.id
            ));
            last
        }
        (verdict, None) => {
            let why = match verdict {
                Verdict::Ready(_) => "its preview is ready and not live; a go-live of it, if one was started, failed or was canceled (the service may list no such go-live: see Partner Center); a run with mode: go-live starts one".to_owned(),
                Verdict::Live(seen) | Verdict::NotReady(seen) => seen,
                Verdict::Unrecognised(_, seen) | Verdict::Unreadable(_, seen) => {
                    format!("its state could not be read or was not recognised ({seen})")
                }
                Verdict::Running(_) => unreachable!("matched above"),
            };
            return Err(Failure::NotSent(format!(
                "no go-live of {described} is running, and none of its newest version can be reported: {why}"
            )));
        }
    };
    record_operation(runner, summary, &operation)?;
    set_outcome(runner, summary, Outcome::Followed)?;
    Ok(operation)
}

/// `mode: check`: what go-live would do now, as the `status` output; exit
/// 0 whenever the state could be read.
async fn check(
    publisher: &dyn Publisher,
    offer: &Offer,
    config: &Config,
    runner: &Runner,
    summary: &mut Summary,
) -> Result<u8, Failure> {
    let state = read_state(publisher, offer, config, runner, summary).await?;
    let described = offer.describe();
    let (status, seen) = match state.verdict {
        Verdict::Ready(_) => (
            "ready",
            format!("{described} is ready: go-live would be sent now"),
        ),
        Verdict::Unrecognised(_, seen) => (
            "ready",
            format!(
                "go-live would be sent now for {described}, and the service would decide: its state was not recognised ({seen})"
            ),
        ),
        Verdict::Unreadable(_, seen) => {
            return Err(Failure::NotSent(format!(
                "the state of {described} could not be read: {seen}"
            )));
        }
        Verdict::Running(operation) => {
            record_operation(runner, summary, &operation)?;
            (
                "running",
                format!(
                    "a go-live is running on {described}: operation {}",
                    operation.id
                ),
            )
        }
        Verdict::Live(seen) => ("live", seen),
        Verdict::NotReady(reason) => ("not-ready", reason),
    };
    tell(runner, summary, &seen);
    set_outcome(runner, summary, Outcome::Checked)?;
    set_status(runner, summary, status)?;
    Ok(exit::SUCCESS)
}

/// Reads the offer's state, saying so in the log with the mode.
async fn read_state(
    publisher: &dyn Publisher,
    offer: &Offer,
    config: &Config,
    runner: &Runner,
    summary: &mut Summary,
) -> Result<OfferState, Failure> {
    summary.offer = Some(offer.clone());
    let mode = config.mode.as_input();
    let never = if config.mode.sends() {
        ""
    } else {
        " (this mode never sends go-live)"
    };
    runner.info(&format!(
        "Reading the state of {} through the {} API at {} for mode {mode}{never}",
        offer.describe(),
        summary.api,
        config.endpoint.base
    ));
    publisher.read_state(offer).await
}

/// Follows the operation to its end and reports it.
async fn follow(
    publisher: &dyn Publisher,
    operation: &OperationHandle,
    config: &Config,
    runner: &Runner,
    summary: &mut Summary,
) -> Result<u8, Failure> {
    let resume = format!(
        "it goes on in the service: {}",
        resume_advice(summary.offer.is_some(), &operation.location)
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
    let end = poll::follow(publisher, operation, config, runner, &mut summary.snapshot)
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

/// How to follow an operation again: by the offer, when the run was given
/// one, or by its URL.
pub fn resume_advice(by_offer: bool, location: &reqwest::Url) -> String {
    if by_offer {
        format!(
            "to follow it again, run this action with mode: follow and the same offer (or with operation_location: {location})"
        )
    } else {
        format!("to follow it again, run this action with operation_location: {location}")
    }
}

/// A notice, kept in the summary.
fn tell(runner: &Runner, summary: &mut Summary, message: &str) {
    runner.notice(message);
    summary.notes.push(message.to_owned());
}

fn set_outcome(runner: &Runner, summary: &mut Summary, outcome: Outcome) -> Result<(), Failure> {
    summary.outcome = Some(outcome);
    runner
        .set_output("outcome", outcome.as_output())
        .map_err(|error| Failure::AfterStart(format!("{error:#}")))
}

fn set_status(runner: &Runner, summary: &mut Summary, status: &str) -> Result<(), Failure> {
    summary.status = status.to_owned();
    runner
        .set_output("status", status)
        .map_err(|error| Failure::AfterStart(format!("{error:#}")))
}

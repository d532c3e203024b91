//! Following an operation until the service says it succeeded, failed or
//! was canceled, or until `wait_timeout` runs out.
//!
//! The loop is bounded twice over: by the deadline, and by
//! `MAX_CONSECUTIVE_FAILURES` status requests in a row that got no usable
//! answer. It logs a line only when something changes. Signals are handled
//! by the caller, which drops this future.

use std::time::{Duration, Instant};

use anyhow::bail;
use reqwest::Url;

use crate::api::{Client, Operation, PollAnswer, State};
use crate::config::{Config, format_duration};
use crate::github::Runner;
use crate::retry::backoff;

/// Status requests in a row that may fail for a passing reason (connection,
/// 408, 429, 5xx, a body that is not an operation) before the wait gives up
/// and reports the last of them.
pub const MAX_CONSECUTIVE_FAILURES: u32 = 10;

/// How a wait ended, when the service did not end it with an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The operation reached a final state: succeeded, failed or canceled.
    Finished(State),
    /// `wait_timeout` ran out while the operation was still running.
    TimedOut,
}

/// Polls `url` until the operation ends. `latest` holds the last operation
/// the service described, for the summary, however the wait ends.
pub async fn follow(
    client: &Client,
    url: &Url,
    config: &Config,
    runner: &Runner,
    latest: &mut Option<Operation>,
) -> anyhow::Result<End> {
    if !client.may_send_token_to(url) {
        bail!(
            "the operation's status monitor {url} is not on the origin of api_url ({}); the token is sent only to api_url, so the operation was not followed and its outcome is unknown: check it in Partner Center",
            config.api.base.origin().ascii_serialization()
        );
    }
    let url = &client.status_request_url(url);
    let started = Instant::now();
    let deadline = started + config.wait_timeout;
    let mut progress = Progress::default();
    let mut failures = 0;
    let mut requests = 0u64;
    loop {
        requests += 1;
        // A request still in flight at the deadline is abandoned with it.
        let answer = tokio::time::timeout_at(deadline.into(), client.operation_status(url)).await;
        let Ok(answer) = answer else {
            return Ok(End::TimedOut);
        };
        let (delay, reason) = match answer {
            PollAnswer::Status {
                operation,
                retry_after,
            } => {
                failures = 0;
                progress.report(&operation, started.elapsed(), requests, runner);
                let state = State::from_status(&operation.status);
                *latest = Some(operation);
                if state != State::Running {
                    return Ok(End::Finished(state));
                }
                // Never sooner than the service asked, never more often
                // than poll_interval.
                let delay = config.poll_interval.max(retry_after.unwrap_or_default());
                let reason = match retry_after {
                    Some(asked) => format!("the service asked for {}", format_duration(asked)),
                    None => "poll_interval".to_owned(),
                };
                (delay, reason)
            }
            PollAnswer::Transient {
                reason,
                retry_after,
            } => {
                failures += 1;
                if failures >= MAX_CONSECUTIVE_FAILURES {
                    bail!(
                        "{failures} status requests in a row got no usable answer, the last one: {reason}; the operation goes on in the service: follow it again later with operation_location {url}"
                    );
                }
                let first = config.poll_interval.min(Duration::from_secs(1));
                let delay = backoff(first, failures, config.poll_interval)
                    .max(retry_after.unwrap_or_default());
                runner.info(&format!(
                    "{reason}; trying again in {} ({failures} of at most {MAX_CONSECUTIVE_FAILURES} failures in a row)",
                    format_duration(delay)
                ));
                (delay, "a failed request".to_owned())
            }
            PollAnswer::Failed(message) => bail!(message),
        };
        let remaining = deadline.saturating_duration_since(Instant::now());
        runner.debug(&format!(
            "next status request in {} ({reason}); {} left of wait_timeout",
            format_duration(delay),
            format_duration(remaining)
        ));
        if delay >= remaining {
            // The last sleep ends at the deadline, not a poll interval later.
            tokio::time::sleep(remaining).await;
            return Ok(End::TimedOut);
        }
        tokio::time::sleep(delay).await;
    }
}

/// What the log last showed, so that a line is printed only on a change.
#[derive(Default)]
struct Progress {
    shown: Option<Snapshot>,
}

#[derive(PartialEq, Eq)]
struct Snapshot {
    status: String,
    steps: Vec<(String, String, Option<u8>)>,
}

impl Progress {
    fn report(&mut self, operation: &Operation, elapsed: Duration, requests: u64, runner: &Runner) {
        let snapshot = Snapshot {
            status: operation.status.clone(),
            steps: operation
                .steps
                .iter()
                .map(|s| (s.name.clone(), s.status.clone(), s.progress))
                .collect(),
        };
        if self.shown.as_ref() == Some(&snapshot) {
            runner.debug(&format!("status request {requests}: no change"));
            return;
        }
        let mut title = format!(
            "[{}] operation {}",
            format_duration(elapsed),
            display_status(&operation.status)
        );
        let before = self
            .shown
            .as_ref()
            .map(|s| s.steps.as_slice())
            .unwrap_or(&[]);
        for step in snapshot.steps.iter().filter(|step| !before.contains(step)) {
            title.push_str(&format!("; {}: {}", step.0, display_status(&step.1)));
            if let Some(progress) = step.2 {
                title.push_str(&format!(" {progress}%"));
            }
        }
        runner.group(&title);
        for step in &operation.steps {
            runner.info(&step_line(step));
        }
        runner.end_group();
        self.shown = Some(snapshot);
    }
}

fn step_line(step: &crate::api::Step) -> String {
    let mut line = format!("{}: {}", step.name, display_status(&step.status));
    if let Some(progress) = step.progress {
        line.push_str(&format!(", {progress}%"));
    }
    if let Some(estimate) = &step.estimated_time_frame {
        line.push_str(&format!(" (estimated {estimate})"));
    }
    line
}

fn display_status(status: &str) -> &str {
    if status.is_empty() {
        "(no status)"
    } else {
        status
    }
}

//! Following an operation until the service says it succeeded, failed or
//! was canceled, or until `wait_timeout` runs out. It knows no API: each
//! status request goes through `publish::Publisher::status`.
//!
//! The loop is bounded twice over: by the deadline, and by
//! `MAX_CONSECUTIVE_FAILURES` status requests in a row that got no usable
//! answer. It logs a line only when something changes. Signals are handled
//! by the caller, which drops this future.

use std::time::{Duration, Instant};

use crate::config::Config;
use crate::github::Runner;
use crate::model::{OperationHandle, Snapshot, State};
use crate::publish::{PollAnswer, Publisher};
use crate::retry::backoff;
use crate::text::format_duration;

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

/// Polls the operation until it ends. `latest` holds the last description
/// the service gave, for the summary, however the wait ends. An error is
/// the reason the wait gave up, worded for the user.
pub async fn follow(
    publisher: &dyn Publisher,
    operation: &OperationHandle,
    config: &Config,
    runner: &Runner,
    latest: &mut Option<Snapshot>,
) -> Result<End, String> {
    let url = &publisher.status_url(operation);
    let started = Instant::now();
    // `wait_timeout` is at most 35 days (`config`), far from overflowing.
    let deadline = started + config.wait_timeout;
    let mut progress = Progress::default();
    let mut failures = 0;
    let mut requests = 0u64;
    loop {
        requests += 1;
        // A request still in flight at the deadline is abandoned with it.
        let answer =
            tokio::time::timeout_at(deadline.into(), publisher.status(operation, url)).await;
        let Ok(answer) = answer else {
            return Ok(End::TimedOut);
        };
        let (delay, reason) = match answer {
            PollAnswer::Status {
                snapshot,
                retry_after,
            } => {
                failures = 0;
                progress.report(&snapshot, started.elapsed(), requests, runner);
                let state = snapshot.state;
                *latest = Some(snapshot);
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
                    return Err(format!(
                        "{failures} status requests in a row got no usable answer, the last one: {reason}; the operation goes on in the service: follow it again later with operation_location {url}"
                    ));
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
            PollAnswer::Failed(message) => return Err(message),
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
    shown: Option<Shown>,
}

#[derive(PartialEq, Eq)]
struct Shown {
    status: String,
    steps: Vec<(String, String, Option<u8>)>,
}

impl Progress {
    fn report(&mut self, operation: &Snapshot, elapsed: Duration, requests: u64, runner: &Runner) {
        let snapshot = Shown {
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
        let body: Vec<String> = operation
            .steps
            .iter()
            .map(step_line)
            .chain(operation.notes.iter().cloned())
            .collect();
        runner.group(&title, &body.join("\n"));
        self.shown = Some(snapshot);
    }
}

fn step_line(step: &crate::model::Step) -> String {
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

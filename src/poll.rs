//! Following an operation until the service says it succeeded, failed or
//! was canceled, or until `wait_timeout` runs out. It knows no API: each
//! status request is the closure it is given (`publish::Publisher::status`
//! in a run), which is how its tests drive it with paused time.
//!
//! The loop is bounded twice over: by the deadline, and by
//! `MAX_CONSECUTIVE_FAILURES` status requests in a row that got no usable
//! answer; when either ends it, it says which (`GaveUp`). The delay before
//! each request is a pure decision (`next_poll`). It logs a line only when
//! something changes. Signals are handled by the caller, which drops this
//! future.

use std::time::Duration;

use crate::clock;
use crate::host::Runner;
use crate::model::{Snapshot, State};
use crate::publish::PollAnswer;
use crate::retry::{backoff, jitter};
use crate::text::format_duration;

/// Status requests in a row that may fail for a passing reason (connection,
/// 408, 429, 5xx, a body that is not an operation) before the wait gives up
/// and reports the last of them.
pub const MAX_CONSECUTIVE_FAILURES: u32 = 10;

/// Which bound ended a wait before the operation reached a final state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// `wait_timeout` ran out while the operation was still running.
    Deadline,
    /// `MAX_CONSECUTIVE_FAILURES` status requests in a row got no usable
    /// answer.
    FailuresInARow,
    /// The service gave an answer that ends the wait (a refusal, a status
    /// monitor the token may not be sent to).
    FinalAnswer,
}

/// A wait that ended without a final state, and what it had seen. The
/// caller words the closing sentence and the resume advice from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GaveUp {
    pub bound: Bound,
    pub elapsed: Duration,
    /// Status requests sent, the last one included.
    pub attempts: u64,
    /// The last answer that was not usable, worded for the user; `None`
    /// when the last answer was a status.
    pub last_error: Option<String>,
}

/// What the last status request got, as far as the next delay depends on
/// it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answered {
    /// A status that is not final.
    Status { retry_after: Option<Duration> },
    /// No usable answer, the `failures`-th in a row.
    Transient {
        failures: u32,
        retry_after: Option<Duration>,
    },
}

/// When the next status request goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextPoll {
    /// The delay the answer calls for.
    pub delay: Duration,
    /// How long to sleep: `delay`, or what is left of the wait when that
    /// is shorter.
    pub sleep: Duration,
    /// The deadline comes first: the wait ends after this sleep.
    pub last: bool,
}

/// The next delay, from `poll_interval`, the answer (its `Retry-After`,
/// the failures in a row) and the time `remaining` before the deadline.
/// Never sooner than the service asked; after a status, never more often
/// than `poll_interval`; after a failure, backoff from at most a second up
/// to `poll_interval`, scaled by `jitter` (in [0, 1)). The last sleep ends
/// at the deadline, not a poll interval later.
pub fn next_poll(
    poll_interval: Duration,
    answered: Answered,
    remaining: Duration,
    jitter: f64,
) -> NextPoll {
    let delay = match answered {
        Answered::Status { retry_after } => poll_interval.max(retry_after.unwrap_or_default()),
        Answered::Transient {
            failures,
            retry_after,
        } => {
            let first = poll_interval.min(Duration::from_secs(1));
            backoff(first, failures, poll_interval, jitter).max(retry_after.unwrap_or_default())
        }
    };
    let last = delay >= remaining;
    NextPoll {
        delay,
        sleep: if last { remaining } else { delay },
        last,
    }
}

/// What bounds a wait: its length, and the input that gave it
/// (`wait_timeout`, or `configure_timeout` for a draft change).
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub input: &'static str,
    pub length: Duration,
}

/// Polls the operation until it reaches a final state, and returns it;
/// `limit` bounds the wait. `latest` holds the last description the service gave,
/// for the summary, however the wait ends. Only this loop reads the clock
/// and sleeps.
/// `status` asks for the status once; `poll_interval` is the delay
/// between two answers that are statuses; `first` the delay before the
/// first request (an operation this run just started has answered its
/// first status already).
pub async fn follow(
    mut status: impl AsyncFnMut() -> PollAnswer,
    poll_interval: Duration,
    first: Duration,
    limit: Limit,
    runner: &Runner,
    latest: &mut Option<Snapshot>,
) -> Result<State, GaveUp> {
    let started = clock::now();
    // Durations are at most 35 days (`config`), far from overflowing.
    let deadline = started + limit.length.min(crate::config::LONGEST_DURATION);
    let surface = runner.surface();
    let mut progress = Progress::default();
    let mut failures = 0;
    let mut attempts = 0u64;
    let mut last_error = None;
    let gave_up = |bound, attempts, last_error| GaveUp {
        bound,
        elapsed: clock::since(started),
        attempts,
        last_error,
    };
    if !first.is_zero() {
        let remaining = deadline.saturating_duration_since(clock::now());
        tokio::time::sleep(first.min(remaining)).await;
        if first >= remaining {
            return Err(gave_up(Bound::Deadline, attempts, None));
        }
    }
    loop {
        attempts += 1;
        // A request still in flight at the deadline is abandoned with it.
        let answer = tokio::time::timeout_at(deadline.into(), status()).await;
        let Ok(answer) = answer else {
            return Err(gave_up(Bound::Deadline, attempts, last_error));
        };
        let (answered, reason) = match answer {
            PollAnswer::Status {
                snapshot,
                retry_after,
            } => {
                failures = 0;
                last_error = None;
                progress.report(&snapshot, clock::since(started), attempts, runner);
                let state = snapshot.state;
                *latest = Some(snapshot);
                if state != State::Running {
                    return Ok(state);
                }
                let reason = match retry_after {
                    Some(asked) => format!("the service asked for {}", format_duration(asked)),
                    None => surface.input("poll_interval"),
                };
                (Answered::Status { retry_after }, reason)
            }
            PollAnswer::Transient {
                reason,
                retry_after,
            } => {
                failures += 1;
                if failures >= MAX_CONSECUTIVE_FAILURES {
                    return Err(gave_up(Bound::FailuresInARow, attempts, Some(reason)));
                }
                last_error = Some(reason);
                (
                    Answered::Transient {
                        failures,
                        retry_after,
                    },
                    "a failed request".to_owned(),
                )
            }
            PollAnswer::Failed(message) => {
                return Err(gave_up(Bound::FinalAnswer, attempts, Some(message)));
            }
        };
        let remaining = deadline.saturating_duration_since(clock::now());
        let next = next_poll(poll_interval, answered, remaining, jitter());
        if let (Answered::Transient { .. }, Some(error)) = (answered, &last_error) {
            runner.info(&format!(
                "{error}; trying again in {} ({failures} of at most {MAX_CONSECUTIVE_FAILURES} failures in a row)",
                format_duration(next.delay)
            ));
        }
        runner.debug(&format!(
            "next status request in {} ({reason}); {} left of {}",
            format_duration(next.delay),
            format_duration(remaining),
            surface.input(limit.input)
        ));
        tokio::time::sleep(next.sleep).await;
        if next.last {
            return Err(gave_up(Bound::Deadline, attempts, last_error));
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::Recorder;
    use std::collections::VecDeque;
    use std::sync::Arc;

    /// One answer of the status closure.
    fn status(state: State, retry_after: Option<u64>) -> PollAnswer {
        PollAnswer::Status {
            snapshot: Snapshot {
                state,
                status: format!("{state:?}"),
                ..Snapshot::default()
            },
            retry_after: retry_after.map(MS),
        }
    }

    fn transient(reason: &str) -> PollAnswer {
        PollAnswer::Transient {
            reason: reason.to_owned(),
            retry_after: None,
        }
    }

    /// Runs the loop over `answers` (then `Running` for ever) with a 1 s
    /// interval and a `limit_s` limit on tokio's paused clock: how it
    /// ended, the requests made, the time they took on that clock, and
    /// what it logged.
    async fn run(
        answers: Vec<PollAnswer>,
        limit_s: u64,
    ) -> (Result<State, GaveUp>, usize, Duration, Vec<String>) {
        let recorder = Arc::new(Recorder::default());
        let runner = Runner::new(recorder.clone(), None, false);
        let mut answers = VecDeque::from(answers);
        let mut asked = 0;
        let started = clock::now();
        let mut latest = None;
        let ended = follow(
            async || {
                asked += 1;
                answers
                    .pop_front()
                    .unwrap_or_else(|| status(State::Running, None))
            },
            Duration::from_secs(1),
            Duration::ZERO,
            Limit {
                input: "wait_timeout",
                length: Duration::from_secs(limit_s),
            },
            &runner,
            &mut latest,
        )
        .await;
        let lines = recorder.lines.lock().unwrap().clone();
        (ended, asked, clock::since(started), lines)
    }

    #[tokio::test(start_paused = true)]
    async fn the_loop_ends_at_the_first_final_status_one_interval_apart() {
        let (ended, asked, took, lines) = run(
            vec![
                status(State::Running, None),
                status(State::Running, None),
                status(State::Succeeded, None),
            ],
            60,
        )
        .await;
        assert_eq!(ended.unwrap(), State::Succeeded);
        assert_eq!((asked, took), (3, Duration::from_secs(2)));
        // A line when the status changes, none when it does not.
        let groups: Vec<&String> = lines.iter().filter(|l| l.starts_with("group:")).collect();
        assert_eq!(groups.len(), 2, "{lines:#?}");
        assert!(
            lines
                .iter()
                .any(|l| l == "debug: status request 2: no change")
        );
        assert!(lines.iter().any(|l| l.ends_with("left of wait_timeout")));
        for end in [State::Failed, State::Canceled] {
            let (ended, asked, _, _) = run(vec![status(end, None)], 60).await;
            assert_eq!((ended.unwrap(), asked), (end, 1));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_just_started_operation_is_first_asked_an_interval_later() {
        let recorder = Arc::new(Recorder::default());
        let runner = Runner::new(recorder, None, false);
        let started = clock::now();
        let mut asked_at = Vec::new();
        let ended = follow(
            async || {
                asked_at.push(clock::since(started));
                status(State::Succeeded, None)
            },
            Duration::from_secs(1),
            Duration::from_secs(1),
            Limit {
                input: "wait_timeout",
                length: Duration::from_secs(60),
            },
            &runner,
            &mut None,
        )
        .await;
        assert_eq!(ended.unwrap(), State::Succeeded);
        assert_eq!(asked_at, [Duration::from_secs(1)]);
        // A first delay past the deadline ends the wait there, unasked.
        let ended = follow(
            async || status(State::Succeeded, None),
            Duration::from_secs(1),
            Duration::from_secs(90),
            Limit {
                input: "wait_timeout",
                length: Duration::from_secs(60),
            },
            &runner,
            &mut None,
        )
        .await;
        let gave_up = ended.unwrap_err();
        assert_eq!((gave_up.bound, gave_up.attempts), (Bound::Deadline, 0));
    }

    #[tokio::test(start_paused = true)]
    async fn the_service_s_retry_after_is_waited_out() {
        let (ended, _, took, _) = run(
            vec![
                status(State::Running, Some(30_000)),
                status(State::Succeeded, None),
            ],
            60,
        )
        .await;
        assert_eq!(ended.unwrap(), State::Succeeded);
        assert_eq!(took, Duration::from_secs(30));
    }

    #[tokio::test(start_paused = true)]
    async fn the_deadline_ends_the_wait_at_the_limit() {
        let (ended, asked, took, _) = run(Vec::new(), 10).await;
        let gave_up = ended.unwrap_err();
        assert_eq!(gave_up.bound, Bound::Deadline);
        assert_eq!(took, Duration::from_secs(10));
        // One a second from the start; none at the deadline itself.
        assert_eq!((asked, gave_up.attempts), (10, 10));
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_that_never_answers_is_abandoned_at_the_deadline() {
        let recorder = Arc::new(Recorder::default());
        let runner = Runner::new(recorder, None, false);
        let started = clock::now();
        let ended = follow(
            async || std::future::pending::<PollAnswer>().await,
            Duration::from_secs(1),
            Duration::ZERO,
            Limit {
                input: "wait_timeout",
                length: Duration::from_secs(5),
            },
            &runner,
            &mut None,
        )
        .await;
        assert_eq!(ended.unwrap_err().bound, Bound::Deadline);
        assert_eq!(clock::since(started), Duration::from_secs(5));
    }

    #[tokio::test(start_paused = true)]
    async fn failures_in_a_row_end_the_wait_and_a_status_resets_them() {
        let failures = |n: u32| (0..n).map(|i| transient(&format!("HTTP 503 #{i}")));
        let (ended, asked, _, _) = run(failures(MAX_CONSECUTIVE_FAILURES).collect(), 3600).await;
        let gave_up = ended.unwrap_err();
        assert_eq!(gave_up.bound, Bound::FailuresInARow);
        assert_eq!(gave_up.last_error.as_deref(), Some("HTTP 503 #9"));
        assert_eq!(asked, MAX_CONSECUTIVE_FAILURES as usize);

        let mut answers: Vec<PollAnswer> = failures(MAX_CONSECUTIVE_FAILURES - 1).collect();
        answers.push(status(State::Running, None));
        answers.extend(failures(MAX_CONSECUTIVE_FAILURES - 1));
        answers.push(status(State::Succeeded, None));
        let (ended, _, _, lines) = run(answers, 3600).await;
        assert_eq!(ended.unwrap(), State::Succeeded);
        assert!(
            lines
                .iter()
                .any(|l| l.contains("(9 of at most 10 failures in a row)")),
            "{lines:#?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_final_answer_ends_the_wait_with_its_words() {
        let (ended, asked, _, _) =
            run(vec![PollAnswer::Failed("HTTP 403 Forbidden".into())], 60).await;
        let gave_up = ended.unwrap_err();
        assert_eq!(gave_up.bound, Bound::FinalAnswer);
        assert_eq!(gave_up.last_error.as_deref(), Some("HTTP 403 Forbidden"));
        assert_eq!(asked, 1);
    }

    const MS: fn(u64) -> Duration = Duration::from_millis;

    #[test]
    fn the_next_poll_follows_interval_retry_after_backoff_and_deadline() {
        let status = |retry_after: Option<u64>| Answered::Status {
            retry_after: retry_after.map(MS),
        };
        let failed = |failures, retry_after: Option<u64>| Answered::Transient {
            failures,
            retry_after: retry_after.map(MS),
        };
        // (interval, answer, remaining, jitter) -> (delay, sleep, last)
        let cases = [
            // A status: poll_interval, or longer when the service asks.
            (
                60_000,
                status(None),
                600_000,
                0.0,
                (60_000u128, 60_000u128, false),
            ),
            (
                60_000,
                status(Some(5_000)),
                600_000,
                0.0,
                (60_000, 60_000, false),
            ),
            (
                60_000,
                status(Some(90_000)),
                600_000,
                0.0,
                (90_000, 90_000, false),
            ),
            // The deadline comes first: sleep to it, then stop.
            (60_000, status(None), 20_000, 0.0, (60_000, 20_000, true)),
            (60_000, status(None), 60_000, 0.0, (60_000, 60_000, true)),
            (60_000, status(None), 0, 0.0, (60_000, 0, true)),
            // A failure: backoff from a second, doubling, halved at most
            // by the jitter, capped at poll_interval.
            (60_000, failed(1, None), 600_000, 0.0, (500, 500, false)),
            (
                60_000,
                failed(1, None),
                600_000,
                0.999_999,
                (999, 999, false),
            ),
            (60_000, failed(3, None), 600_000, 0.0, (2_000, 2_000, false)),
            (
                60_000,
                failed(9, None),
                600_000,
                0.0,
                (30_000, 30_000, false),
            ),
            (10_000, failed(9, None), 600_000, 0.5, (7_500, 7_500, false)),
            // ...never sooner than the service asked.
            (
                60_000,
                failed(1, Some(45_000)),
                600_000,
                0.0,
                (45_000, 45_000, false),
            ),
            (
                60_000,
                failed(2, Some(45_000)),
                10_000,
                0.0,
                (45_000, 10_000, true),
            ),
            // A sub-second interval backs off from the interval itself.
            (10, failed(1, None), 1_000, 0.0, (5, 5, false)),
        ];
        for (interval, answered, remaining, jitter, (delay, sleep, last)) in cases {
            let next = next_poll(MS(interval), answered, MS(remaining), jitter);
            let got = (next.delay.as_millis(), next.sleep.as_millis(), next.last);
            assert_eq!(
                got,
                (delay, sleep, last),
                "{interval} ms, {answered:?}, {remaining} ms left, jitter {jitter}"
            );
        }
    }

    #[test]
    fn the_next_poll_never_overflows() {
        let answered = Answered::Transient {
            failures: u32::MAX,
            retry_after: Some(Duration::MAX),
        };
        let next = next_poll(Duration::MAX, answered, Duration::MAX, 1.0);
        assert_eq!(next.delay, Duration::MAX);
        assert!(next.last);
    }
}

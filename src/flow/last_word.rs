//! The last word of a flow: the closing sentence of a wait that did not
//! end in success (one pure table over every stage and bound), the report
//! of a flow ended by a failure or a signal, and how to follow an
//! operation again.

use std::time::Duration;

use super::Outputs;
use crate::config::{Config, Mode, Target};
use crate::failure::Failure;
use crate::host::Runner;
use crate::model::{OperationHandle, Stage, State, Status};
use crate::poll::{Bound, GaveUp, MAX_CONSECUTIVE_FAILURES};
use crate::report::{Ending, Sending, Summary};
use crate::surface::Surface;
use crate::text::format_duration;

/// How a wait ended without success.
pub(crate) enum WaitEnd<'a> {
    /// The operation reached this final state other than success, for
    /// these reasons (none when the service gave none).
    Final(State, &'a [String]),
    /// The wait gave up before the operation ended.
    GaveUp(&'a GaveUp),
}

/// What bounded the wait, and how to follow the operation again, in the
/// user's words.
pub(crate) struct Bounded {
    /// The input that bounds the wait: `wait_timeout`, `--configure-timeout`.
    pub(crate) input: String,
    pub(crate) length: Duration,
    /// `resume_advice` for the operation.
    pub(crate) resume: String,
}

/// What a run says and does after a wait that did not end in success.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Closing {
    /// The operation ended so: its status, and the error line.
    Ended(Status, String),
    /// The wait ran out while the operation runs on: the line, an error or
    /// (when the run does not fail on a timeout) a warning.
    RanOut(String),
    /// The run fails so.
    Fails(Failure),
}

/// The closing sentence of a wait of `stage` that ended so. A draft
/// change that did not succeed ends the run (what came next must come
/// after it): nothing was published.
pub(crate) fn closing(stage: Stage, end: WaitEnd<'_>, bounded: &Bounded) -> Closing {
    let Bounded {
        input,
        length,
        resume,
    } = bounded;
    let limit = format!("{input} ({})", format_duration(*length));
    let reasons = |reasons: &[String], none: &str| match reasons {
        [] => none.to_owned(),
        _ => reasons.join("; "),
    };
    // `failed`, `was canceled`.
    let ended = |state: State| match state {
        State::Canceled => "was canceled",
        other => other.as_output(),
    };
    match (stage, end) {
        (Stage::Draft, WaitEnd::Final(state, given)) => Closing::Fails(Failure::Refused(format!(
            "the draft change {}: {}; the draft was not changed, and nothing was published",
            ended(state),
            reasons(given, "the service gave no reason")
        ))),
        (Stage::Draft, WaitEnd::GaveUp(gave_up)) => {
            let why = match gave_up.bound {
                Bound::Deadline => format!("the draft change is still running after {limit}"),
                Bound::FailuresInARow | Bound::FinalAnswer => format!(
                    "the draft change was not followed to its end: {}",
                    gave_up.last_error.as_deref().unwrap_or("no answer")
                ),
            };
            Closing::Fails(Failure::AfterStart(format!(
                "{why}; it goes on in the service and nothing was published: run this again later: a re-run that finds the draft changed goes straight on"
            )))
        }
        (_, WaitEnd::Final(state, given)) => Closing::Ended(
            state.into(),
            format!(
                "the operation {}: {}",
                ended(state),
                reasons(
                    given,
                    "the service gave no reason: check the offer in Partner Center"
                )
            ),
        ),
        (_, WaitEnd::GaveUp(gave_up)) => {
            let last = gave_up.last_error.as_deref().unwrap_or("no answer");
            match gave_up.bound {
                Bound::Deadline => Closing::RanOut(format!(
                    "the operation is still running after {limit}; it goes on in the service: {resume}"
                )),
                Bound::FailuresInARow => Closing::Fails(Failure::AfterStart(format!(
                    "{MAX_CONSECUTIVE_FAILURES} status requests in a row got no usable answer, the last one: {last}; it goes on in the service: {resume}"
                ))),
                Bound::FinalAnswer => Closing::Fails(Failure::AfterStart(format!(
                    "{last}; the operation was not followed to its end: {resume}"
                ))),
            }
        }
    }
}

/// Reports the failure that ended a flow: an error in the log, kept in the
/// summary, and the `status` output where the flow had not written one.
pub fn report_failure(
    runner: &Runner,
    outputs: &dyn Outputs,
    summary: &mut Summary,
    failure: &Failure,
    mode: Mode,
) -> Ending {
    let message = failure.sentence(summary.stage);
    runner.error(&message);
    summary.errors.push(message);
    if summary.status.is_none() {
        // `unknown` where go-live may be under way, or where a run that
        // sends none could not tell: never a word that could be read as an
        // outcome.
        let status = if failure.may_have_started() || !mode.sends() {
            Status::Unknown
        } else {
            Status::Failed
        };
        write_status(runner, outputs, summary, status);
    }
    match failure {
        Failure::Invalid(_) => Ending::Invalid,
        _ => Ending::Failed,
    }
}

/// Reports a flow stopped by `signal` before its end (the summary has no
/// status yet): says what became of go-live, which goes on in the service
/// if it was started.
pub fn report_stop(
    signal: &'static str,
    runner: &Runner,
    outputs: &dyn Outputs,
    summary: &mut Summary,
    config: &Config,
) -> Ending {
    let what = summary.stage.request();
    let (status, message) = match (&summary.operation, summary.sending) {
        (Some(operation), _) => (
            Status::Running,
            format!(
                "stopped by {signal} while following the operation; it goes on in the service: {}",
                resume_advice(config, operation)
            ),
        ),
        (None, Sending::Never) => (
            Status::Unknown,
            format!(
                "stopped by {signal} while reading the offer's state; this mode sends no go-live, and nothing was sent"
            ),
        ),
        (None, Sending::InFlight) => (
            Status::Unknown,
            format!(
                "stopped by {signal} before the service answered the {what} request; {what} may have started all the same: check the offer's status in Partner Center before running this again"
            ),
        ),
        (None, Sending::NotStarted) => (
            Status::Failed,
            format!(
                "stopped by {signal} while waiting to send {what} again; the service had said it did not start it: {what} did not start"
            ),
        ),
        (None, Sending::NotYet) => (
            Status::Failed,
            format!("stopped by {signal} before the {what} request was sent; {what} did not start"),
        ),
    };
    write_status(runner, outputs, summary, status);
    runner.error(&message);
    summary.errors.push(message);
    Ending::Signal(signal)
}

/// The final `status`, when the flow could not write it.
fn write_status(runner: &Runner, outputs: &dyn Outputs, summary: &mut Summary, status: Status) {
    summary.status = Some(status);
    if let Err(error) = outputs.status(status) {
        runner.warning(&format!("{error:#}"));
    }
}

/// How to follow an operation again: by the offer (or offers) the run was
/// given, or by its URL. A draft change only by its URL: the offer's state
/// does not show a draft change running.
pub fn resume_advice(config: &Config, operation: &OperationHandle) -> String {
    let location = &operation.location;
    let surface = config.surface;
    let (follow, at) = (surface.follow_again(), surface.operation_location_words());
    match config.target {
        Target::Follow(_) if surface == Surface::CommandLine => {
            format!("to follow it again, run go-live follow with --operation-location {location}")
        }
        Target::Follow(_) => {
            format!("to follow it again, run this action with operation_location: {location}")
        }
        _ if operation.stage == Stage::Draft => format!(
            "to follow it again, {follow} {at}{location} (a run with the same file also finds the draft changed and goes straight on)"
        ),
        Target::Offers(_) => format!(
            "to follow it again, {follow} the same offers (or, for this offer alone, with {at}{location})"
        ),
        // A publish of an API that names products is checked for its new
        // preview through the offer's product, which its URL does not name.
        _ if operation.stage == Stage::Preview && operation.product_id.is_some() => {
            format!("to follow it again, {follow} the same offer")
        }
        _ => format!("to follow it again, {follow} the same offer (or with {at}{location})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every stage, every final state other than success and every bound,
    /// with reasons and without, as the user reads them.
    #[test]
    fn every_wait_that_did_not_succeed_has_its_closing_sentence() {
        let bounded = Bounded {
            input: "wait_timeout".to_owned(),
            length: Duration::from_secs(90 * 60),
            resume: "to follow it again, run this action with mode: follow and the same offer"
                .to_owned(),
        };
        let reasons = ["step 'Certification': the image failed".to_owned()];
        let gave_up = |bound, last_error: Option<&str>| GaveUp {
            bound,
            elapsed: Duration::ZERO,
            attempts: 3,
            last_error: last_error.map(str::to_owned),
        };
        let mut shown = String::new();
        let deadline = gave_up(Bound::Deadline, None);
        let failures = gave_up(Bound::FailuresInARow, Some("HTTP 503"));
        let refused = gave_up(Bound::FinalAnswer, Some("HTTP 403 Forbidden"));
        let unanswered = gave_up(Bound::FinalAnswer, None);
        for stage in [Stage::Draft, Stage::Preview, Stage::Live] {
            let ends = [
                ("failed", WaitEnd::Final(State::Failed, &reasons)),
                ("canceled, no reason", WaitEnd::Final(State::Canceled, &[])),
                ("deadline", WaitEnd::GaveUp(&deadline)),
                ("failures in a row", WaitEnd::GaveUp(&failures)),
                ("final answer", WaitEnd::GaveUp(&refused)),
                ("final answer, no text", WaitEnd::GaveUp(&unanswered)),
            ];
            for (name, end) in ends {
                let said = match closing(stage, end, &bounded) {
                    Closing::Ended(status, line) => {
                        format!("status {}: {line}", status.as_output())
                    }
                    Closing::RanOut(line) => format!("ran out: {line}"),
                    Closing::Fails(failure) => format!("fails: {failure:?}"),
                };
                shown.push_str(&format!("{} / {name}\n  {said}\n", stage.as_output()));
            }
        }
        expect_test::expect![[r#"
            draft / failed
              fails: Refused("the draft change failed: step 'Certification': the image failed; the draft was not changed, and nothing was published")
            draft / canceled, no reason
              fails: Refused("the draft change was canceled: the service gave no reason; the draft was not changed, and nothing was published")
            draft / deadline
              fails: AfterStart("the draft change is still running after wait_timeout (1h 30m); it goes on in the service and nothing was published: run this again later: a re-run that finds the draft changed goes straight on")
            draft / failures in a row
              fails: AfterStart("the draft change was not followed to its end: HTTP 503; it goes on in the service and nothing was published: run this again later: a re-run that finds the draft changed goes straight on")
            draft / final answer
              fails: AfterStart("the draft change was not followed to its end: HTTP 403 Forbidden; it goes on in the service and nothing was published: run this again later: a re-run that finds the draft changed goes straight on")
            draft / final answer, no text
              fails: AfterStart("the draft change was not followed to its end: no answer; it goes on in the service and nothing was published: run this again later: a re-run that finds the draft changed goes straight on")
            preview / failed
              status failed: the operation failed: step 'Certification': the image failed
            preview / canceled, no reason
              status canceled: the operation was canceled: the service gave no reason: check the offer in Partner Center
            preview / deadline
              ran out: the operation is still running after wait_timeout (1h 30m); it goes on in the service: to follow it again, run this action with mode: follow and the same offer
            preview / failures in a row
              fails: AfterStart("10 status requests in a row got no usable answer, the last one: HTTP 503; it goes on in the service: to follow it again, run this action with mode: follow and the same offer")
            preview / final answer
              fails: AfterStart("HTTP 403 Forbidden; the operation was not followed to its end: to follow it again, run this action with mode: follow and the same offer")
            preview / final answer, no text
              fails: AfterStart("no answer; the operation was not followed to its end: to follow it again, run this action with mode: follow and the same offer")
            live / failed
              status failed: the operation failed: step 'Certification': the image failed
            live / canceled, no reason
              status canceled: the operation was canceled: the service gave no reason: check the offer in Partner Center
            live / deadline
              ran out: the operation is still running after wait_timeout (1h 30m); it goes on in the service: to follow it again, run this action with mode: follow and the same offer
            live / failures in a row
              fails: AfterStart("10 status requests in a row got no usable answer, the last one: HTTP 503; it goes on in the service: to follow it again, run this action with mode: follow and the same offer")
            live / final answer
              fails: AfterStart("HTTP 403 Forbidden; the operation was not followed to its end: to follow it again, run this action with mode: follow and the same offer")
            live / final answer, no text
              fails: AfterStart("no answer; the operation was not followed to its end: to follow it again, run this action with mode: follow and the same offer")
        "#]].assert_eq(&shown);
    }
}

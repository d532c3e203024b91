//! Why a run could not end well, as values. Each kind owns its closing
//! sentence once: whether go-live was sent, may have started, or runs on.
//! An API adds only its own hint to the message.

use std::fmt;

use crate::model::Stage;

/// A failure of one offer's go-live, worded for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Nothing that could start go-live was sent (sign-in failed, the
    /// offer's state forbids it, the connection could not be secured).
    NotSent(String),
    /// Nothing was sent, and a file the inputs name is at fault (with
    /// whatever else the offer's state forbids, listed at once): the run
    /// ends as a refused input does.
    Invalid(String),
    /// The service answered and refused: go-live did not start. The
    /// message carries the service's words and a hint.
    Refused(String),
    /// The go-live request may have reached the service, and no answer
    /// says what became of it.
    MayHaveStarted(String),
    /// Go-live was accepted; what came after it failed. The message says
    /// how to follow the operation.
    AfterStart(String),
    /// Go-live was accepted (or is seen running), but the answer named no
    /// operation this run can follow: only Partner Center shows it. The
    /// message says what the answer lacked; `submission` is what to follow
    /// there, where the API names one.
    Unfollowable {
        message: String,
        submission: Option<String>,
    },
}

impl Failure {
    /// Whether go-live may be under way, so that the outcome is not known.
    pub fn may_have_started(&self) -> bool {
        matches!(
            self,
            Failure::MayHaveStarted(_) | Failure::AfterStart(_) | Failure::Unfollowable { .. }
        )
    }
}

impl Failure {
    /// The message with its closing sentence, for the request that may or
    /// may not have been sent: go-live, or a publish to preview.
    pub fn sentence(&self, stage: Stage) -> String {
        let request = stage.request();
        match self {
            Failure::NotSent(message) | Failure::Invalid(message) => {
                format!("{message}; no {request} request was sent")
            }
            // A draft change is sent whole: sending it again is safe.
            Failure::MayHaveStarted(message) if stage == Stage::Draft => {
                format!("{message}; nothing was published")
            }
            Failure::MayHaveStarted(message) => format!(
                "{message}; {request} may have started all the same: check the offer's status in Partner Center before running this again"
            ),
            Failure::Unfollowable {
                message,
                submission,
            } => {
                let what = match submission {
                    Some(submission) => format!("submission {submission}"),
                    None => "the offer's status".to_owned(),
                };
                let again = match stage {
                    Stage::Live => "do not run go-live again",
                    Stage::Preview => "do not publish it again",
                    Stage::Draft => "do not send it again",
                };
                format!(
                    "{message}; {request} has started, and cannot be followed from here: follow {what} in Partner Center, and {again}"
                )
            }
            Failure::Refused(message) | Failure::AfterStart(message) => message.clone(),
        }
    }
}

/// The sentence of a go-live.
impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sentence(Stage::Live))
    }
}

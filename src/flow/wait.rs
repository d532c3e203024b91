//! The wait: one operation followed to its end within its stage's bound
//! (`configure_timeout` for a draft change, `wait_timeout` otherwise), its
//! success checked (a draft change's draft read again; a publish's new
//! preview recorded), and any other end worded by `last_word::closing`.

use std::time::Duration;

use super::Flow;
use super::last_word::{Bounded, Closing, WaitEnd, closing, resume_advice};
use crate::failure::Failure;
use crate::model::{OperationHandle, Outcome, Stage, StartRequest, State};
use crate::poll::{self, Limit};
use crate::report::{Ending, Summary};
use crate::text::format_duration;

impl Flow<'_> {
    /// Follows the operation of `summary.stage` to its end and reports it.
    /// A draft change's success leaves the status to what comes after it;
    /// any other end of a draft change is a failure. An operation's end is
    /// the run's status.
    pub(super) async fn wait(
        &self,
        operation: &OperationHandle,
        summary: &mut Summary,
    ) -> Result<Ending, Failure> {
        let stage = summary.stage;
        let config = self.config;
        let limit = match stage {
            Stage::Draft => Limit {
                input: "configure_timeout",
                length: config.configure_timeout,
            },
            Stage::Preview | Stage::Live => Limit {
                input: "wait_timeout",
                length: config.wait_timeout,
            },
        };
        let input = config.surface.input(limit.input);
        if operation.location.origin() != config.endpoint.base.origin() {
            return Err(Failure::AfterStart(format!(
                "the operation's status monitor {} is not on the origin of {api_url} ({}); the token is sent only to {api_url}, so the operation was not followed and its outcome is unknown: check it in Partner Center",
                operation.location,
                config.endpoint.base.origin().ascii_serialization(),
                api_url = config.surface.input("api_url")
            )));
        }
        if let Some(warning) = self.publisher.poll_interval_warning(config.poll_interval) {
            self.runner.warning(&warning);
        }
        let every = format_duration(config.poll_interval);
        let most = format_duration(limit.length);
        self.runner.info(&match stage {
            Stage::Draft => {
                format!("Following the draft change every {every} for at most {most} ({input})")
            }
            Stage::Preview | Stage::Live => {
                format!("Following the operation every {every} for at most {most}")
            }
        });
        // Built once per wait.
        let url = self.publisher.status_url(operation);
        // An operation this run just started has answered its first status
        // with the start; one found running is asked at once.
        let first = match summary.outcome {
            Some(Outcome::Followed) => Duration::ZERO,
            _ => config.poll_interval,
        };
        let ended = poll::follow(
            async || self.publisher.status(operation, &url).await,
            config.poll_interval,
            first,
            limit,
            self.runner,
            &mut summary.snapshot,
        )
        .await;
        let reasons = summary
            .snapshot
            .as_ref()
            .map(|snapshot| snapshot.reasons.clone())
            .unwrap_or_default();
        let end = match &ended {
            Ok(State::Succeeded) => return self.succeeded(operation, summary).await,
            Ok(state) => WaitEnd::Final(*state, &reasons),
            Err(gave_up) => WaitEnd::GaveUp(gave_up),
        };
        let bounded = Bounded {
            input,
            length: limit.length,
            resume: resume_advice(config, operation),
        };
        match closing(stage, end, &bounded) {
            Closing::Fails(failure) => Err(failure),
            Closing::Ended(status, message) => {
                self.runner.error(&message);
                summary.errors.push(message);
                self.set_status(summary, status)?;
                Ok(Ending::Done)
            }
            Closing::RanOut(message) => {
                if config.fail_on_timeout {
                    self.runner.error(&message);
                    summary.errors.push(message);
                } else {
                    self.runner.timed_out(&message);
                }
                self.set_status(summary, State::Running.into())?;
                Ok(Ending::TimedOut)
            }
        }
    }

    /// The operation succeeded: a draft change is checked in the draft
    /// read again; a publish's new preview is recorded, what a later
    /// go-live promotes.
    async fn succeeded(
        &self,
        operation: &OperationHandle,
        summary: &mut Summary,
    ) -> Result<Ending, Failure> {
        if summary.stage == Stage::Draft {
            return match self.publisher.verify_draft(operation).await {
                Ok(()) => {
                    self.runner
                        .info("The draft was read again: it holds the change as sent");
                    Ok(Ending::Done)
                }
                Err(missing) => Err(Failure::Refused(format!(
                    "the draft was changed after ours: its job succeeded, but the draft read again does not hold it ({missing}); another writer (Partner Center, another run) changed it meanwhile, so nothing was published: see who, then run this again"
                ))),
            };
        }
        self.runner.info("The operation succeeded");
        let made = summary
            .snapshot
            .as_ref()
            .and_then(|snapshot| snapshot.submission.clone());
        if let Some(submission) = made {
            let mut operation = operation.clone();
            operation.submission_id = Some(submission);
            self.record_operation(summary, &operation)?;
        }
        // The page a reviewer reads before approving the go-live.
        // A publish followed by its URL alone names neither the offer nor
        // its product: nothing to compare then.
        if summary.stage == Stage::Preview
            && let Some(offer) = summary.offer.clone()
        {
            let request = StartRequest {
                offer,
                product_id: operation.product_id.clone(),
                submission_id: operation.submission_id.clone(),
                earlier: Default::default(),
            };
            self.tell_what_goes_live(&request, summary).await;
        }
        self.set_status(summary, State::Succeeded.into())?;
        Ok(Ending::Done)
    }
}

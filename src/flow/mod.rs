//! One offer's go-live, whichever the API: read its state, send go-live
//! (again only where the service cannot have started it), write the
//! outputs the moment the operation is known, and follow it to its end.
//! Its phases have a file each: `state.rs` (read the offer's state; the
//! modes that only read), `plan.rs` (`mode: plan`), `start.rs` (the draft change, go-live and the
//! publish, sent where the state allows), `wait.rs` (one wait for every
//! stage) and `last_word.rs` (the closing sentences, the report of a flow
//! ended early, how to follow again). This file runs a target through
//! them and writes what is learnt.
//!
//! It knows no API: every request goes through `publish::Publisher`. It
//! fills the offer's `Summary` as it goes, so that whatever stops it (an
//! error, a signal), what was learnt is kept, and writes the outputs
//! through `Outputs`: the step's own for a single offer, the `results`
//! entry of the offer for several (`offers`).

mod last_word;
mod plan;
mod start;
mod state;
mod wait;

use std::sync::Arc;
use std::time::Duration;

use crate::config::{Config, Target};
use crate::failure::Failure;
use crate::host::Runner;
use crate::model::{OperationHandle, Outcome, Stage, Status};
use crate::publish::Publisher;
use crate::report::{Ending, Sending, Summary};

pub use last_word::{report_failure, report_stop, resume_advice};
pub use plan::write_plan;

/// Where a flow writes what it learns, the moment it learns it.
pub trait Outputs {
    /// The operation is known: a later job can follow it from here.
    fn operation(&self, operation: &OperationHandle) -> anyhow::Result<()>;
    fn outcome(&self, outcome: Outcome) -> anyhow::Result<()>;
    fn status(&self, status: Status) -> anyhow::Result<()>;
}

/// The step's own outputs: a run of a single offer.
pub struct StepOutputs<'a>(pub &'a Runner);

impl Outputs for StepOutputs<'_> {
    fn operation(&self, operation: &OperationHandle) -> anyhow::Result<()> {
        let outputs = [
            ("operation_location", Some(operation.location.as_str())),
            ("operation_id", Some(operation.id.as_str())),
            ("product_id", operation.product_id.as_deref()),
            ("submission_id", operation.submission_id.as_deref()),
            ("target", Some(operation.stage.as_output())),
        ];
        for (name, value) in outputs {
            if let Some(value) = value {
                self.0.set_output(name, value)?;
            }
        }
        Ok(())
    }

    fn outcome(&self, outcome: Outcome) -> anyhow::Result<()> {
        self.0.set_output("outcome", outcome.as_output())
    }

    fn status(&self, status: Status) -> anyhow::Result<()> {
        self.0.set_output("status", status.as_output())
    }
}

/// The client of the configured API, over one transport (one sign-in, one
/// limit on requests in flight) however many offers share it.
pub fn connect(
    config: &Config,
    extra_roots: Vec<reqwest::Certificate>,
    runner: &Runner,
) -> Result<Box<dyn Publisher>, Failure> {
    let api = config.endpoint.kind.api();
    let transport = crate::http::Transport::new(
        config.endpoint.base.clone(),
        config.credentials.clone(),
        api.scope(),
        config.request_timeout,
        extra_roots,
        runner.clone(),
        config.poll_interval.min(Duration::from_secs(1)),
    )
    .map_err(|error| Failure::NotSent(format!("cannot set up the HTTP client: {error:#}")))?;
    Ok(api.connect(config.endpoint.clone(), Arc::new(transport)))
}

/// One offer's run (or one operation's): the API, the inputs, where to log
/// and where to write.
pub struct Flow<'a> {
    pub publisher: &'a dyn Publisher,
    pub config: &'a Config,
    /// Prefixed with the offer when the run takes several.
    pub runner: &'a Runner,
    pub outputs: &'a dyn Outputs,
}

impl Flow<'_> {
    /// Runs `target` (never `Target::Offers`: each of those is run on its
    /// own) to its end and says how it ended; the summary holds the
    /// status and the outcome.
    pub async fn run(&self, target: &Target, summary: &mut Summary) -> Result<Ending, Failure> {
        if !self.config.mode.sends() {
            summary.sending = Sending::Never;
        }
        summary.stage = match target {
            Target::Follow(operation) => operation.stage,
            _ => self.config.mode.stage(),
        };
        let operation = match target {
            Target::Draft(offer) => {
                let change = self
                    .config
                    .draft
                    .as_ref()
                    .expect("config gives mode: draft a draft change");
                let changed = self.change_draft(offer, change, summary).await?;
                let outcome = if changed {
                    Outcome::Started
                } else {
                    Outcome::Unchanged
                };
                self.set_outcome(summary, outcome)?;
                self.set_status(summary, Status::Succeeded)?;
                return Ok(Ending::Done);
            }
            Target::Publish(offer) => {
                if let Some(change) = &self.config.draft {
                    self.change_draft(offer, change, summary).await?;
                    // The draft change has ended: nothing of it is left to
                    // follow. Its outputs stay until the publish's replace
                    // them.
                    summary.operation = None;
                    summary.stage = Stage::Preview;
                }
                match self.publish(offer, summary).await? {
                    Some(operation) => operation,
                    None => return Ok(Ending::Done),
                }
            }
            Target::GoLive(offer) => match self.go_live(offer, summary).await? {
                Some(operation) => operation,
                None => return Ok(Ending::Done),
            },
            Target::Follow(operation) => {
                self.record_operation(summary, operation)?;
                self.set_outcome(summary, Outcome::Followed)?;
                operation.clone()
            }
            Target::FollowOffer(offer) => self.follow_offer(offer, summary).await?,
            Target::Check(offer) => return self.check(offer, summary).await,
            Target::Plan(offer) => return self.plan(offer, summary).await,
            Target::Offers(_) => unreachable!("each offer of a list runs on its own"),
        };
        let ending = self.wait(&operation, summary).await?;
        if summary.status.is_none() {
            // A draft change followed by its URL: its end is the run's.
            self.set_status(summary, Status::Succeeded)?;
        }
        Ok(ending)
    }

    /// Writes the operation's outputs the moment it is known, so that a later
    /// job can follow it whatever happens to this one.
    fn record_operation(
        &self,
        summary: &mut Summary,
        operation: &OperationHandle,
    ) -> Result<(), Failure> {
        let what = match (summary.sending, summary.stage) {
            (Sending::InFlight, Stage::Live) => "go-live WAS accepted: its operation",
            (Sending::InFlight, Stage::Preview) => {
                "the publish to preview WAS accepted: its operation"
            }
            (Sending::InFlight, Stage::Draft) => "the draft change WAS accepted: its operation",
            (_, Stage::Live) => "the go-live operation",
            (_, Stage::Preview) => "the publish operation",
            (_, Stage::Draft) => "the draft change",
        };
        let again = match summary.stage {
            Stage::Live => "do not run go-live again",
            Stage::Preview => "do not publish again",
            Stage::Draft => "a re-run finds the draft changed",
        };
        if let Some(odd) = operation.odd_output() {
            return Err(Failure::AfterStart(format!(
                "{what} runs in the service, but the service named it with {odd}, which is not understood: it is not written as an output nor followed; {again}: check the offer in Partner Center"
            )));
        }
        summary.operation = Some(operation.clone());
        self.outputs.operation(operation).map_err(|error| {
            Failure::AfterStart(format!(
                "{what} {} runs in the service, but its outputs could not be written ({error:#}); {again}: {}",
                operation.id,
                resume_advice(self.config, operation)
            ))
        })
    }

    /// A notice, kept in the summary.
    fn tell(&self, summary: &mut Summary, message: &str) {
        self.runner.notice(message);
        summary.notes.push(message.to_owned());
    }

    fn set_outcome(&self, summary: &mut Summary, outcome: Outcome) -> Result<(), Failure> {
        summary.outcome = Some(outcome);
        self.outputs
            .outcome(outcome)
            .map_err(|error| Failure::AfterStart(format!("{error:#}")))
    }

    fn set_status(&self, summary: &mut Summary, status: Status) -> Result<(), Failure> {
        summary.status = Some(status);
        self.outputs
            .status(status)
            .map_err(|error| Failure::AfterStart(format!("{error:#}")))
    }
}

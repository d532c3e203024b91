//! Starting: the draft change, go-live and the publish to preview, each
//! sent only where the offer's state allows, an operation already running
//! picked up instead, and the request sent again only where the service
//! cannot have started it (`GO_LIVE_ATTEMPTS`).

use std::time::Duration;

use super::Flow;
use crate::failure::Failure;
use crate::model::{
    DraftAnswer, DraftChange, Offer, OperationHandle, Outcome, PublishVerdict, Stage, StartRequest,
    Status, Verdict,
};
use crate::publish::{DraftAgainstPreview, StartAnswer};
use crate::report::{Sending, Summary};
use crate::retry::{backoff, jitter};
use crate::surface::Surface;
use crate::text::format_duration;

/// The go-live request is not idempotent: it is sent at most this many
/// times, and sent again only when the service cannot have started it.
const GO_LIVE_ATTEMPTS: u32 = 3;

/// A `Retry-After` longer than this on the go-live request is not waited
/// out: the run fails and says to try again later.
const LONGEST_RETRY_AFTER: Duration = Duration::from_secs(300);

impl Flow<'_> {
    /// Reads the offer's state, then sends go-live, or picks up the go-live
    /// already running, or reports the offer live. The operation to follow,
    /// if the run goes on to wait.
    pub(super) async fn go_live(
        &self,
        offer: &Offer,
        summary: &mut Summary,
    ) -> Result<Option<OperationHandle>, Failure> {
        let state = self.read_state(offer, summary).await?;
        let request = match state.verdict {
            Verdict::Ready(request) => request,
            Verdict::Unrecognised(request, seen) | Verdict::Unreadable(request, seen) => {
                self.tell(summary,
                    &format!(
                        "the state of {} could not be read or was not recognised ({seen}); go-live is sent all the same, and the service decides",
                        offer.describe()
                    ),
                );
                request
            }
            Verdict::Running(operation) => {
                return self.pick_up(offer, operation, "a go-live", summary);
            }
            Verdict::Live(seen) => {
                self.tell(summary, &format!("{seen}; nothing was sent"));
                self.set_outcome(summary, Outcome::AlreadyLive)?;
                self.set_status(summary, Status::Succeeded)?;
                return Ok(None);
            }
            Verdict::NotReady(reason) => {
                return Err(Failure::NotSent(format!("go-live was not sent: {reason}")));
            }
        };
        self.tell_what_goes_live(&request, summary).await;
        self.runner
            .info(&format!("Requesting go-live of {}", offer.describe()));
        self.started(&request, summary, Stage::Live).await
    }

    /// An operation (`what`: a go-live, a publish to preview) found running
    /// on the offer: nothing is sent, its outputs are written, and it is
    /// followed when waiting. The operation to follow, if the run waits.
    fn pick_up(
        &self,
        offer: &Offer,
        operation: OperationHandle,
        what: &str,
        summary: &mut Summary,
    ) -> Result<Option<OperationHandle>, Failure> {
        self.tell(
            summary,
            &format!(
                "{what} is already running on {}: operation {}; nothing was sent, {}",
                offer.describe(),
                operation.id,
                match (self.config.wait, self.config.surface) {
                    (true, _) => "following it",
                    (false, Surface::CommandLine) => {
                        "and --wait is not given: follow it with go-live follow"
                    }
                    (false, Surface::Action) => "and wait is false: follow it with mode: follow",
                }
            ),
        );
        self.record_operation(summary, &operation)?;
        self.set_outcome(summary, Outcome::Followed)?;
        if !self.config.wait {
            self.set_status(summary, Status::Running)?;
            return Ok(None);
        }
        Ok(Some(operation))
    }

    /// Sends the request that starts an operation of `stage`, reports it
    /// accepted and writes its outputs. The operation to follow, if the run
    /// goes on to wait.
    async fn started(
        &self,
        request: &StartRequest,
        summary: &mut Summary,
        stage: Stage,
    ) -> Result<Option<OperationHandle>, Failure> {
        let operation = self.start(request, summary, stage).await?;
        self.runner.info(&format!(
            "{} accepted: operation {}\n  {}",
            stage.request(),
            operation.id,
            operation.location
        ));
        self.record_operation(summary, &operation)?;
        self.set_outcome(summary, Outcome::Started)?;
        if !self.config.wait {
            self.set_status(summary, Status::Accepted)?;
            return Ok(None);
        }
        Ok(Some(operation))
    }

    /// `mode: publish`: reads the offer's state, then publishes the draft
    /// to preview, or picks up the publish already running; refuses under a
    /// running go-live. The operation to follow, if the run goes on to wait.
    pub(super) async fn publish(
        &self,
        offer: &Offer,
        summary: &mut Summary,
    ) -> Result<Option<OperationHandle>, Failure> {
        let state = self.read_state(offer, summary).await?;
        let request = match state.publish {
            PublishVerdict::Ready(request) => request,
            PublishVerdict::Blocked(reason) => {
                return Err(Failure::NotSent(format!(
                    "the draft was not published: {reason}"
                )));
            }
            PublishVerdict::Running(operation) => {
                return self.pick_up(offer, operation, "a publish to preview", summary);
            }
        };
        match self.publisher.already_published(&request).await {
            DraftAgainstPreview::Held(preview, seen) => {
                self.tell(summary, &format!("{seen}; nothing was sent"));
                self.record_operation(summary, &preview)?;
                self.set_outcome(summary, Outcome::Unchanged)?;
                self.set_status(summary, Status::Succeeded)?;
                return Ok(None);
            }
            DraftAgainstPreview::Changes(lines) if !lines.is_empty() => self.tell(
                summary,
                &format!(
                    "what the publish sends for certification (the draft against the newest preview):\n{}",
                    lines.join("\n")
                ),
            ),
            DraftAgainstPreview::Changes(_) | DraftAgainstPreview::Unknown => {}
        }
        self.runner.info(&format!(
            "Publishing the draft of {} to preview",
            offer.describe()
        ));
        self.started(&request, summary, Stage::Preview).await
    }

    /// Changes the offer's draft as the file inputs ask, and follows the
    /// change to its end, bounded by `configure_timeout` (whatever `wait`
    /// says: what comes next must come after it). `false` when the draft
    /// already held it and nothing was sent.
    pub(super) async fn change_draft(
        &self,
        offer: &Offer,
        change: &DraftChange,
        summary: &mut Summary,
    ) -> Result<bool, Failure> {
        summary.offer = Some(offer.clone());
        summary.stage = Stage::Draft;
        self.runner.info(&format!(
            "Reading the draft of {} through the {} API at {}, to put {} into it",
            offer.describe(),
            summary.api,
            self.config.endpoint.base,
            change.describe()
        ));
        summary.sending = Sending::InFlight;
        let answer = self.publisher.change_draft(offer, change).await;
        summary.sending = Sending::NotYet;
        let job = match answer? {
            DraftAnswer::Unchanged { seen, notes } => {
                for note in notes {
                    self.tell(summary, &note);
                }
                self.tell(summary, &format!("{seen}; nothing was sent"));
                return Ok(false);
            }
            DraftAnswer::Started { operation, notes } => {
                for note in notes {
                    self.tell(summary, &note);
                }
                operation
            }
            DraftAnswer::Landed { seen, notes } => {
                for note in notes {
                    self.tell(summary, &note);
                }
                self.tell(summary, &seen);
                return Ok(true);
            }
        };
        self.runner.info(&format!(
            "draft change accepted: operation {}\n  {}",
            job.id, job.location
        ));
        // Its outputs now, in every mode: a run stopped while it runs says
        // that it started, and how to follow it.
        self.record_operation(summary, &job)?;
        self.wait(&job, summary).await?;
        Ok(true)
    }

    /// Sends go-live and returns the operation it started. The loop's bound is
    /// `GO_LIVE_ATTEMPTS`.
    async fn start(
        &self,
        request: &StartRequest,
        summary: &mut Summary,
        stage: Stage,
    ) -> Result<OperationHandle, Failure> {
        let what = stage.request();
        let mut attempt = 1;
        loop {
            summary.sending = Sending::InFlight;
            let answer = match stage {
                Stage::Live => self.publisher.go_live(request).await,
                Stage::Preview => {
                    self.publisher
                        .publish(request, &self.config.notification_emails)
                        .await
                }
                Stage::Draft => unreachable!("a draft change is sent by change_draft"),
            };
            let (reason, retry_after) = match answer {
                StartAnswer::Accepted(operation) => return Ok(operation),
                StartAnswer::Failed(failure) => return Err(failure),
                StartAnswer::NotStarted {
                    reason,
                    retry_after,
                } => {
                    summary.sending = Sending::NotStarted;
                    (reason, retry_after)
                }
            };
            if attempt >= GO_LIVE_ATTEMPTS {
                return Err(Failure::Refused(format!(
                    "{what} was not accepted after {GO_LIVE_ATTEMPTS} attempts, the last one: {reason}; nothing was started: run this again later"
                )));
            }
            let first = self.config.poll_interval.min(Duration::from_secs(1));
            let delay = retry_after.unwrap_or_else(|| backoff(first, attempt, first * 4, jitter()));
            if delay > LONGEST_RETRY_AFTER {
                return Err(Failure::Refused(format!(
                    "{what} was not accepted ({reason}) and the service asked to wait {} before trying again; nothing was started: run this again later",
                    format_duration(delay)
                )));
            }
            self.runner.info(&format!(
                "{what} was not accepted ({reason}); trying again in {} (attempt {} of {GO_LIVE_ATTEMPTS})",
                format_duration(delay),
                attempt + 1
            ));
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    /// What going live would change for customers, before it is sent: a
    /// notice the approver reads, where the API can tell.
    pub(super) async fn tell_what_goes_live(&self, request: &StartRequest, summary: &mut Summary) {
        let Some(lines) = self.publisher.what_goes_live(request).await else {
            return;
        };
        let told = if lines.is_empty() {
            "what goes live: the preview holds what live holds (its submission is promoted as it is)".to_owned()
        } else {
            format!(
                "what goes live (the preview against live):\n{}",
                lines.join("\n")
            )
        };
        self.tell(summary, &told);
    }
}

//! One offer's go-live, whichever the API: read its state, send go-live
//! (again only where the service cannot have started it), write the
//! outputs the moment the operation is known, and follow it to its end.
//!
//! It knows no API: every request goes through `publish::Publisher`. It
//! fills the offer's `Summary` as it goes, so that whatever stops it (an
//! error, a signal), what was learnt is kept, and writes the outputs
//! through `Outputs`: the step's own for a single offer, the `results`
//! entry of the offer for several (`offers`).

use std::sync::Arc;
use std::time::Duration;

use crate::config::{Config, Mode, Target};
use crate::failure::Failure;
use crate::host::Runner;
use crate::model::{
    DraftAnswer, DraftChange, Offer, OfferState, OperationHandle, Outcome, PublishVerdict, Stage,
    StartRequest, State, Status, Verdict,
};
use crate::poll::{self, Bound, GaveUp};
use crate::publish::{Publisher, StartAnswer};
use crate::report::{Ending, Sending, Summary};
use crate::retry::{backoff, jitter};
use crate::surface::Surface;
use crate::text::format_duration;

/// The go-live request is not idempotent: it is sent at most this many
/// times, and sent again only when the service cannot have started it.
const GO_LIVE_ATTEMPTS: u32 = 3;

/// A `Retry-After` longer than this on the go-live request is not waited
/// out: the run fails and says to try again later.
const LONGEST_RETRY_AFTER: Duration = Duration::from_secs(300);

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
            Target::Offers(_) => unreachable!("each offer of a list runs on its own"),
        };
        self.follow(&operation, summary).await
    }

    /// Reads the offer's state, then sends go-live, or picks up the go-live
    /// already running, or reports the offer live. The operation to follow,
    /// if the run goes on to wait.
    async fn go_live(
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
    async fn publish(
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
        if let Some((preview, seen)) = self.publisher.already_published(&request).await {
            self.tell(summary, &format!("{seen}; nothing was sent"));
            self.record_operation(summary, &preview)?;
            self.set_outcome(summary, Outcome::Unchanged)?;
            self.set_status(summary, Status::Succeeded)?;
            return Ok(None);
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
    async fn change_draft(
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
        self.runner.info(&format!(
            "Following the draft change every {} for at most {} ({})",
            format_duration(self.config.poll_interval),
            format_duration(self.config.configure_timeout),
            self.config.surface.input("configure_timeout")
        ));
        let ended = poll::follow(
            self.publisher,
            &job,
            self.config,
            poll::Limit {
                input: "configure_timeout",
                length: self.config.configure_timeout,
            },
            self.runner,
            &mut summary.snapshot,
        )
        .await;
        let again = "run this again later: a re-run that finds the draft changed goes straight on";
        match ended {
            Ok(State::Succeeded) => match self.publisher.verify_draft(&job).await {
                Ok(()) => {
                    self.runner.info("The draft was changed");
                    Ok(true)
                }
                Err(missing) => Err(Failure::Refused(format!(
                    "the draft was changed after ours: its job succeeded, but the draft read again does not hold it ({missing}); another writer (Partner Center, another run) changed it meanwhile, so nothing was published: see who, then run this again"
                ))),
            },
            Ok(state) => {
                let reasons = summary
                    .snapshot
                    .as_ref()
                    .map(|snapshot| snapshot.reasons.join("; "))
                    .filter(|reasons| !reasons.is_empty())
                    .unwrap_or_else(|| "the service gave no reason".to_owned());
                Err(Failure::Refused(format!(
                    "the draft change {}: {reasons}; the draft was not changed, and nothing was published",
                    state.as_output()
                )))
            }
            Err(gave_up) => {
                let why = match gave_up.bound {
                    Bound::Deadline => format!(
                        "the draft change is still running after {} ({})",
                        self.config.surface.input("configure_timeout"),
                        format_duration(self.config.configure_timeout)
                    ),
                    Bound::FailuresInARow | Bound::FinalAnswer => format!(
                        "the draft change was not followed to its end: {}",
                        gave_up.last_error.as_deref().unwrap_or("no answer")
                    ),
                };
                Err(Failure::AfterStart(format!(
                    "{why}; it goes on in the service and nothing was published: {again}"
                )))
            }
        }
    }

    /// `mode: follow` without `operation_location`: the offer's running
    /// go-live, or its last one, to follow to its end.
    async fn follow_offer(
        &self,
        offer: &Offer,
        summary: &mut Summary,
    ) -> Result<OperationHandle, Failure> {
        let state = self.read_state(offer, summary).await?;
        let described = offer.describe();
        let publishing = match state.publish {
            PublishVerdict::Running(operation) => Some(operation),
            _ => None,
        };
        let operation = match (state.verdict, state.last_go_live) {
            (Verdict::Running(operation), _) => {
                self.runner.info(&format!(
                    "a go-live is running on {described}: following operation {}",
                    operation.id
                ));
                operation
            }
            (_, _) if publishing.is_some() => {
                let operation = publishing.expect("matched");
                self.runner.info(&format!(
                    "a publish to preview is running on {described}: following operation {}",
                    operation.id
                ));
                summary.stage = Stage::Preview;
                operation
            }
            (_, Some(last)) => {
                self.runner.info(&format!(
                    "no go-live is running on {described}: reporting its last one, operation {}",
                    last.id
                ));
                last
            }
            (verdict, None) => {
                let why = match verdict {
                    Verdict::Ready(_) => format!(
                        "its preview is ready and not live; a go-live of it, if one was started, failed or was canceled (the service may list no such go-live: see Partner Center); a run with {} starts one",
                        self.config.surface.mode("go-live")
                    ),
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
        self.record_operation(summary, &operation)?;
        self.set_outcome(summary, Outcome::Followed)?;
        Ok(operation)
    }

    /// `mode: check`: what go-live would do now, as the `status` output; exit
    /// 0 whenever the state could be read.
    async fn check(&self, offer: &Offer, summary: &mut Summary) -> Result<Ending, Failure> {
        let state = self.read_state(offer, summary).await?;
        let described = offer.describe();
        let (status, seen) = match state.verdict {
            Verdict::Ready(_) => (
                Status::Ready,
                format!("{described} is ready: go-live would be sent now"),
            ),
            Verdict::Unrecognised(_, seen) => (
                Status::Ready,
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
                self.record_operation(summary, &operation)?;
                (
                    Status::Running,
                    format!(
                        "a go-live is running on {described}: operation {}",
                        operation.id
                    ),
                )
            }
            Verdict::Live(seen) => (Status::Live, seen),
            Verdict::NotReady(reason) => (Status::NotReady, reason),
        };
        self.tell(summary, &seen);
        self.set_outcome(summary, Outcome::Checked)?;
        self.set_status(summary, status)?;
        Ok(Ending::Done)
    }

    /// Reads the offer's state, saying so in the log with the mode.
    async fn read_state(
        &self,
        offer: &Offer,
        summary: &mut Summary,
    ) -> Result<OfferState, Failure> {
        summary.offer = Some(offer.clone());
        let mode = self.config.mode.as_input();
        let never = if self.config.mode.sends() {
            ""
        } else {
            " (this mode never sends go-live)"
        };
        self.runner.info(&format!(
            "Reading the state of {} through the {} API at {} for mode {mode}{never}",
            offer.describe(),
            summary.api,
            self.config.endpoint.base
        ));
        let state = self.publisher.read_state(offer).await?;
        for note in &state.notes {
            self.tell(summary, note);
        }
        Ok(state)
    }

    /// Follows the operation to its end and reports it.
    async fn follow(
        &self,
        operation: &OperationHandle,
        summary: &mut Summary,
    ) -> Result<Ending, Failure> {
        if operation.location.origin() != self.config.endpoint.base.origin() {
            return Err(Failure::AfterStart(format!(
                "the operation's status monitor {} is not on the origin of {api_url} ({}); the token is sent only to {api_url}, so the operation was not followed and its outcome is unknown: check it in Partner Center",
                operation.location,
                self.config.endpoint.base.origin().ascii_serialization(),
                api_url = self.config.surface.input("api_url")
            )));
        }
        if let Some(warning) = self
            .publisher
            .poll_interval_warning(self.config.poll_interval)
        {
            self.runner.warning(&warning);
        }
        self.runner.info(&format!(
            "Following the operation every {} for at most {}",
            format_duration(self.config.poll_interval),
            format_duration(self.config.wait_timeout)
        ));
        let ended = poll::follow(
            self.publisher,
            operation,
            self.config,
            poll::Limit {
                input: "wait_timeout",
                length: self.config.wait_timeout,
            },
            self.runner,
            &mut summary.snapshot,
        )
        .await;
        let (state, ending) = match ended {
            Ok(State::Succeeded) => {
                self.runner.info("The operation succeeded");
                let made = summary
                    .snapshot
                    .as_ref()
                    .and_then(|snapshot| snapshot.submission.clone());
                if let Some(submission) = made {
                    // The new preview: what a later go-live promotes.
                    let mut operation = operation.clone();
                    operation.submission_id = Some(submission);
                    self.record_operation(summary, &operation)?;
                }
                (State::Succeeded, Ending::Done)
            }
            Ok(state) => {
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
                self.runner.error(&message);
                summary.errors.push(message);
                (state, Ending::Done)
            }
            Err(gave_up) => {
                let message = self.gave_up(&gave_up, operation)?;
                if self.config.fail_on_timeout {
                    self.runner.error(&message);
                    summary.errors.push(message);
                } else {
                    self.runner.timed_out(&message);
                }
                (State::Running, Ending::TimedOut)
            }
        };
        self.set_status(summary, state.into())?;
        Ok(ending)
    }

    /// The closing sentence of a wait that ended before the operation did:
    /// the bound that ended it, and how to follow the operation again from
    /// the outputs written. A deadline is the message returned; any other
    /// bound is a failure.
    fn gave_up(&self, gave_up: &GaveUp, operation: &OperationHandle) -> Result<String, Failure> {
        let resume = format!(
            "it goes on in the service: {}",
            resume_advice(self.config, operation)
        );
        let last = gave_up.last_error.as_deref().unwrap_or("no answer");
        match gave_up.bound {
            Bound::Deadline => Ok(format!(
                "the operation is still running after {} ({}); {resume}",
                self.config.surface.input("wait_timeout"),
                format_duration(self.config.wait_timeout)
            )),
            Bound::FailuresInARow => Err(Failure::AfterStart(format!(
                "{} status requests in a row got no usable answer, the last one: {last}; {resume}",
                poll::MAX_CONSECUTIVE_FAILURES
            ))),
            Bound::FinalAnswer => Err(Failure::AfterStart(format!(
                "{last}; the operation was not followed to its end: {}",
                resume_advice(self.config, operation)
            ))),
        }
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
        _ => format!("to follow it again, {follow} the same offer (or with {at}{location})"),
    }
}

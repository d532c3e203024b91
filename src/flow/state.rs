//! Reading the offer's state, and the modes that only read it: `check`
//! (the state as `status`) and `follow` by the offer (its running go-live
//! or publish, or its last go-live).

use super::Flow;
use crate::failure::Failure;
use crate::model::{
    Offer, OfferState, OperationHandle, Outcome, PublishVerdict, Stage, Status, Verdict,
};
use crate::report::{Ending, Summary};

impl Flow<'_> {
    /// Reads the offer's state, saying so in the log with the mode.
    pub(super) async fn read_state(
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

    /// `mode: follow` without `operation_location`: the offer's running
    /// go-live, or its last one, to follow to its end.
    pub(super) async fn follow_offer(
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
    pub(super) async fn check(
        &self,
        offer: &Offer,
        summary: &mut Summary,
    ) -> Result<Ending, Failure> {
        let state = self.read_state(offer, summary).await?;
        let described = offer.describe();
        let (status, seen) = match state.verdict {
            Verdict::Ready(request) => {
                self.tell_what_goes_live(&request, summary).await;
                (
                    Status::Ready,
                    format!("{described} is ready: go-live would be sent now"),
                )
            }
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
}

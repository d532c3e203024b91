//! Product Ingestion's status requests: a job's status once, or the
//! submissions list for an operation followed through it, and what a job
//! that succeeded means (a new preview listed, the live submission done).

use super::*;

impl Client {
    /// `GET configure/{jobId}/status`, once; after the job succeeded, one
    /// read of the submissions to report the live one.
    pub(super) async fn status(&self, operation: &OperationHandle, url: &Url) -> PollAnswer {
        if watched_product(&operation.location).is_some() {
            return self.submission_status(operation, url).await;
        }
        let ended = self
            .ended
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&operation.id)
            .cloned();
        if let Some(mut snapshot) = ended {
            self.confirm(operation, &mut snapshot).await;
            return PollAnswer::Status {
                snapshot,
                retry_after: None,
            };
        }
        let reply = match self.transport.send(Method::GET, url, None).await {
            Ok(reply) => reply,
            Err(error) => return PollAnswer::unanswered(error),
        };
        let status = reply.status;
        let retry_after = retry_after(&reply.headers, clock::wall());
        let code = status.as_u16();
        if !status.is_success() {
            let detail = error_detail(&reply.body);
            let answered = format!(
                "the job status {url} answered HTTP {}{detail}",
                status_text(status)
            );
            // A 404 is not documented: the job may not be readable yet.
            if matches!(code, 404 | 408 | 429) || status.is_server_error() {
                return PollAnswer::Transient {
                    reason: answered,
                    retry_after,
                };
            }
            return PollAnswer::Failed(format!("{answered}: {}", self.hint(status, None)));
        }
        let mut snapshot = match job_snapshot(&reply.body, &operation.id) {
            Ok(snapshot) => snapshot,
            Err(what) => {
                return PollAnswer::Transient {
                    reason: format!(
                        "the job status answered HTTP {} with {what}",
                        status_text(status)
                    ),
                    retry_after,
                };
            }
        };
        if snapshot.state == State::Succeeded {
            self.ended
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .insert(operation.id.clone(), snapshot.clone());
            self.confirm(operation, &mut snapshot).await;
        }
        PollAnswer::Status {
            snapshot,
            retry_after,
        }
    }

    /// The submissions at `url`, once: how the live entry of the
    /// operation's submission (or the newest live entry) stands.
    pub(super) async fn submission_status(
        &self,
        operation: &OperationHandle,
        url: &Url,
    ) -> PollAnswer {
        match self.read_submissions_paced(url.clone()).await {
            Ok((submissions, retry_after)) => PollAnswer::Status {
                snapshot: match operation.stage {
                    Stage::Live | Stage::Draft => {
                        submission_snapshot(&submissions, operation.submission_id.as_deref())
                    }
                    Stage::Preview => {
                        preview_snapshot(&submissions, operation.submission_id.as_deref())
                    }
                },
                retry_after,
            },
            Err(ReadError(reason, status))
                if status.is_none_or(|status| {
                    matches!(status.as_u16(), 408 | 429) || status.is_server_error()
                }) =>
            {
                PollAnswer::Transient {
                    reason,
                    retry_after: None,
                }
            }
            Err(ReadError(reason, _)) => PollAnswer::Failed(reason),
        }
    }

    /// After a publish job succeeded: done once a new preview submission is
    /// listed (the reference's success), which becomes `submission_id`;
    /// until then the publish counts as running.
    pub(super) async fn confirm_preview(
        &self,
        operation: &OperationHandle,
        snapshot: &mut Snapshot,
    ) {
        let Some(product) = operation.product_id.as_deref() else {
            // Followed by its URL alone: no product names the submissions
            // to read. The job's own result is what the service says.
            snapshot.notes.push(format!(
                "the new preview submission is not named: the operation was followed by its URL alone, which names no product whose submissions could be read; {} with the offer names it",
                self.transport.surface().mode("follow")
            ));
            return;
        };
        match self.submissions(product).await {
            Ok(submissions) => match new_preview(&submissions, &operation.earlier) {
                Some(preview) => {
                    snapshot
                        .notes
                        .push(format!("preview submission: {}", untrusted(&preview, 100)));
                    snapshot.submission = Some(preview);
                }
                None => {
                    snapshot.state = State::Running;
                    snapshot.status = format!(
                        "{}; the new preview submission is not listed yet",
                        snapshot.status
                    );
                }
            },
            Err(ReadError(message, _)) => {
                snapshot.state = State::Running;
                snapshot.status = format!(
                    "{}; the submissions could not be read to find the new preview ({message})",
                    snapshot.status
                );
            }
        }
    }

    /// After the job succeeded: what its submission shows.
    async fn confirm(&self, operation: &OperationHandle, snapshot: &mut Snapshot) {
        match operation.stage {
            Stage::Live => self.confirm_live(operation, snapshot).await,
            Stage::Preview => self.confirm_preview(operation, snapshot).await,
            Stage::Draft => {}
        }
    }

    /// After the job succeeded: reports the live submission, and counts the
    /// go-live as running while that submission is still being published.
    pub(super) async fn confirm_live(&self, operation: &OperationHandle, snapshot: &mut Snapshot) {
        let (Some(product), Some(submission)) = (&operation.product_id, &operation.submission_id)
        else {
            return;
        };
        let live = match self.submissions(product).await {
            Ok(submissions) => submissions
                .into_iter()
                .find(|s| s.target() == SubmissionTarget::Live && &s.id == submission),
            Err(ReadError(message, _)) => {
                snapshot
                    .notes
                    .push(format!("the live submission could not be read: {message}"));
                return;
            }
        };
        match live {
            Some(live) if live.state() == SubmissionState::InProgress => {
                snapshot.state = State::Running;
                snapshot.status = format!(
                    "{}; live submission {} is still being published ({})",
                    snapshot.status,
                    live.id,
                    live.describe_state()
                );
            }
            Some(live) => snapshot.notes.push(format!(
                "live submission: {} ({})",
                untrusted(&live.id, 100),
                live.describe_state()
            )),
            None => snapshot
                .notes
                .push(format!("submission {submission} is not listed as live yet")),
        }
    }
}

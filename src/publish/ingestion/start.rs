//! Product Ingestion's requests that start an operation: the publish of
//! the draft to preview and the go-live, each `POST configure` once, and
//! how an answer that is not a success sorts (not started, may have
//! started, refused); an ambiguous answer is settled by reading the
//! submissions again.

use super::*;

impl Client {
    /// The submission resource that publishes the draft to preview: no
    /// `id` key at all, as the reference says.
    pub(super) fn publish_body(request: &StartRequest) -> String {
        serde_json::json!({
            "$schema": CONFIGURE_SCHEMA,
            "resources": [{
                "$schema": SUBMISSION_SCHEMA,
                "product": request.product_id,
                "target": {"targetType": "preview"},
            }],
        })
        .to_string()
    }

    /// `POST configure` with the preview target, once. An answer that may
    /// hide an accepted publish is settled by reading the submissions.
    pub(super) async fn publish(&self, request: &StartRequest) -> StartAnswer {
        let url = self.url("configure", &[]);
        let body = Self::publish_body(request);
        if let Some(product) = &request.product_id {
            self.forget(product, Write::Preview);
        }
        let reply = match self.transport.send(Method::POST, &url, Some(&body)).await {
            Ok(reply) => reply,
            Err(error) if error.nothing_sent() => return StartAnswer::unanswered(error),
            Err(error) => return self.ambiguous_publish(request, &error.to_string()).await,
        };
        let status = reply.status;
        if status.is_success() {
            return match serde_json::from_str::<JobStatus>(&reply.body) {
                Ok(job) => match job.job_id.filter(|id| is_job_id(id)) {
                    Some(job_id) => {
                        let mut handle = self.handle(&job_id, request, Stage::Preview);
                        handle.submission_id = None;
                        handle.earlier = request.earlier.clone();
                        StartAnswer::Accepted(handle)
                    }
                    None => {
                        self.ambiguous_publish(
                            request,
                            &format!("HTTP {} without a job ID", status_text(status)),
                        )
                        .await
                    }
                },
                Err(_) => {
                    self.ambiguous_publish(
                        request,
                        &format!(
                            "HTTP {} with an answer that is not a job",
                            status_text(status)
                        ),
                    )
                    .await
                }
            };
        }
        match self.sort_refusal(&reply, "the publish to preview") {
            Refusal::NotStarted(reason, retry_after) => StartAnswer::NotStarted {
                reason,
                retry_after,
            },
            Refusal::Ambiguous(what) => self.ambiguous_publish(request, &what).await,
            Refusal::Refused(message) => StartAnswer::Failed(Failure::Refused(message)),
        }
    }

    /// How an answer that is not a success sorts, for a POST that starts an
    /// operation: not started (408, 429: send again), maybe started (5xx:
    /// read the state before anything else), or refused, with its words.
    pub(super) fn sort_refusal(&self, reply: &Reply, request: &str) -> Refusal {
        let status = reply.status;
        let detail = error_detail(&reply.body);
        let answered = format!("HTTP {}{detail}", status_text(status));
        if matches!(status.as_u16(), 408 | 429) {
            Refusal::NotStarted(answered, retry_after(&reply.headers, clock::wall()))
        } else if status.is_server_error() {
            Refusal::Ambiguous(answered)
        } else {
            Refusal::Refused(format!(
                "{request} was refused with {answered}: {}",
                self.hint(status, Some(&reply.body))
            ))
        }
    }

    /// The publish may have reached the service: a preview in progress, or
    /// one newer than before, means it did, and it is followed through the
    /// submissions.
    pub(super) async fn ambiguous_publish(
        &self,
        request: &StartRequest,
        what: &str,
    ) -> StartAnswer {
        let product = request.product_id.as_deref().unwrap_or_default();
        match self.submissions(product).await {
            Ok(submissions) => {
                let running = submissions
                    .iter()
                    .filter(|s| s.is(SubmissionTarget::Preview, SubmissionState::InProgress))
                    .max_by_key(|s| s.number())
                    .map(|s| s.id.clone());
                let new = new_preview(&submissions, &request.earlier);
                match running.or(new) {
                    Some(preview) => StartAnswer::Accepted(self.submission_handle(
                        product,
                        &preview,
                        Stage::Preview,
                    )),
                    None => StartAnswer::Failed(Failure::MayHaveStarted(format!(
                        "the publish to preview got {what}; the submissions show no new preview yet"
                    ))),
                }
            }
            Err(ReadError(message, _)) => StartAnswer::Failed(Failure::MayHaveStarted(format!(
                "the publish to preview got {what}, and reading the submissions again failed too ({message})"
            ))),
        }
    }

    pub(super) fn configure_body(request: &StartRequest) -> String {
        serde_json::json!({
            "$schema": CONFIGURE_SCHEMA,
            "resources": [{
                "$schema": SUBMISSION_SCHEMA,
                "id": request.submission_id,
                "product": request.product_id,
                "target": {"targetType": "live"},
            }],
        })
        .to_string()
    }

    /// `POST configure`, once.
    pub(super) async fn go_live(&self, request: &StartRequest) -> StartAnswer {
        let url = self.url("configure", &[]);
        let body = Self::configure_body(request);
        if let Some(product) = &request.product_id {
            self.forget(product, Write::Live);
        }
        let reply = match self.transport.send(Method::POST, &url, Some(&body)).await {
            Ok(reply) => reply,
            Err(error) if error.nothing_sent() => return StartAnswer::unanswered(error),
            Err(error) => return self.ambiguous(request, &error.to_string()).await,
        };
        let status = reply.status;
        if status.is_success() {
            return match serde_json::from_str::<JobStatus>(&reply.body) {
                Ok(job) => match job.job_id.filter(|id| is_job_id(id)) {
                    Some(job_id) => {
                        StartAnswer::Accepted(self.handle(&job_id, request, Stage::Live))
                    }
                    None => StartAnswer::Failed(Failure::Unfollowable {
                        message: format!(
                            "the service accepted go-live (HTTP {}) but named no usable job ID",
                            status_text(status)
                        ),
                        submission: request.submission_id.clone(),
                    }),
                },
                Err(_) => StartAnswer::Failed(Failure::Unfollowable {
                    message: format!(
                        "the service accepted go-live (HTTP {}) with an answer that is not a job ({})",
                        status_text(status),
                        untrusted(reply.body.trim(), 200)
                    ),
                    submission: request.submission_id.clone(),
                }),
            };
        }
        match self.sort_refusal(&reply, "go-live") {
            Refusal::NotStarted(reason, retry_after) => StartAnswer::NotStarted {
                reason,
                retry_after,
            },
            Refusal::Ambiguous(what) => self.ambiguous(request, &what).await,
            Refusal::Refused(message) => StartAnswer::Failed(Failure::Refused(message)),
        }
    }

    /// The configure request may have reached the service: read the
    /// submissions again to learn whether the go-live job exists.
    pub(super) async fn ambiguous(&self, request: &StartRequest, what: &str) -> StartAnswer {
        let submission = request.submission_id.as_deref().unwrap_or_default();
        let product = request.product_id.as_deref().unwrap_or_default();
        let going_live = match self.submissions(product).await {
            Ok(submissions) => submissions
                .iter()
                .any(|s| s.target() == SubmissionTarget::Live && s.id == submission),
            Err(ReadError(message, _)) => {
                return StartAnswer::Failed(Failure::MayHaveStarted(format!(
                    "the go-live request got {what}, and reading the submissions again failed too ({message})"
                )));
            }
        };
        if going_live {
            StartAnswer::Failed(Failure::Unfollowable {
                message: format!(
                    "the go-live request got {what}, but submission {submission} is now going live: go-live WAS accepted; its job ID was lost with the answer"
                ),
                submission: request.submission_id.clone(),
            })
        } else {
            StartAnswer::Failed(Failure::MayHaveStarted(format!(
                "the go-live request got {what}; the submissions show no go-live of submission {submission} yet"
            )))
        }
    }

    pub(super) fn handle(
        &self,
        job_id: &str,
        request: &StartRequest,
        stage: Stage,
    ) -> OperationHandle {
        OperationHandle {
            location: self.url(&format!("configure/{job_id}/status"), &[]),
            id: job_id.to_owned(),
            product_id: request.product_id.clone(),
            submission_id: request.submission_id.clone(),
            stage,
            earlier: Earlier::default(),
        }
    }
}

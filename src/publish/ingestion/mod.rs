//! The Product Ingestion API of Microsoft Graph
//! (`https://graph.microsoft.com/rp/product-ingestion`, `$version`
//! 2022-03-01-preview2): its URLs, scope, JSON (`wire`), status words and
//! hints.
//!
//! Go-live looks the product up by its external ID, reads its submissions
//! and decides before sending anything, then `POST configure` promotes the
//! preview submission to live and names a job to follow. A 5xx or a
//! timeout on that POST is never sent again blindly: the submissions are
//! read again to learn whether the job exists.

mod wire;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::{Method, StatusCode, Url};

use super::{Api, BoxFuture, Endpoint, GoLiveAnswer, PollAnswer, Publisher, with_query_default};
use crate::failure::Failure;
use crate::http::{Reply, Transport};
use crate::model::{GoLiveRequest, Offer, OfferState, OperationHandle, Snapshot, State, Verdict};
use crate::retry::retry_after;
use crate::text::{status_text, untrusted};
use wire::{Collection, ErrorBody, Identity, JobStatus, Product, Submission, error_lines, folded};

/// The schemas of the configure request, pinned: an answer's `$schema` is
/// never echoed back.
const CONFIGURE_SCHEMA: &str =
    "https://schema.mp.microsoft.com/schema/configure/2022-03-01-preview2";
const SUBMISSION_SCHEMA: &str =
    "https://schema.mp.microsoft.com/schema/submission/2022-03-01-preview2";

/// The API asks for at most one status request a minute.
const SLOWEST_POLL_ALLOWED: Duration = Duration::from_secs(60);

/// Pages of a collection read at most, following `@nextLink`.
const MOST_PAGES: usize = 20;

const GRAPH_HOST: &str = "graph.microsoft.com";

pub struct ProductIngestion;

impl Api for ProductIngestion {
    fn input_value(&self) -> &'static str {
        "product-ingestion"
    }

    fn name(&self) -> &'static str {
        "Product Ingestion"
    }

    fn default_url(&self) -> &'static str {
        "https://graph.microsoft.com/rp/product-ingestion"
    }

    fn default_version(&self) -> &'static str {
        "2022-03-01-preview2"
    }

    fn scope(&self) -> &'static str {
        "https://graph.microsoft.com/.default"
    }

    fn publisher_required(&self) -> bool {
        false
    }

    fn check_offer_id(&self, offer_id: &str) -> Result<(), String> {
        // Partner Center's rule for offer IDs: ^[a-z0-9][a-z0-9-_]{2,49}$
        let mut chars = offer_id.chars();
        let first_ok = chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        let rest_ok =
            chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !first_ok || !rest_ok || !(3..=50).contains(&offer_id.len()) {
            return Err("expected the offer ID as typed in Partner Center: 3 to 50 lower-case letters, digits, '-' or '_', starting with a letter or digit".to_owned());
        }
        Ok(())
    }

    fn operation_id(&self, location: &Url) -> Option<String> {
        // .../configure/{jobId}/status, a trailing slash allowed; or the
        // submissions of a product whose go-live was found running on it.
        let segments: Vec<&str> = location.path_segments()?.collect();
        let segments = match segments.as_slice() {
            [rest @ .., ""] => rest,
            all => all,
        };
        match segments {
            [.., "configure", job_id, "status"] if is_job_id(job_id) => Some((*job_id).to_owned()),
            _ => watched_product(location),
        }
    }

    fn connect(&self, endpoint: Endpoint, transport: Arc<Transport>) -> Box<dyn Publisher> {
        Box::new(Client {
            endpoint,
            transport,
        })
    }
}

/// The product GUID of a `.../submission/{guid}` URL: the status monitor of
/// a go-live found on the offer, whose job ID the service does not list.
fn watched_product(location: &Url) -> Option<String> {
    let segments: Vec<&str> = location.path_segments()?.collect();
    match segments.as_slice() {
        [.., "submission", guid] | [.., "submission", guid, ""] if is_job_id(guid) => {
            Some((*guid).to_owned())
        }
        _ => None,
    }
}

/// A job ID goes into a URL path: letters, digits and `-` only.
fn is_job_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 100 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

struct Client {
    endpoint: Endpoint,
    transport: Arc<Transport>,
}

impl Publisher for Client {
    fn read_state<'a>(&'a self, offer: &'a Offer) -> BoxFuture<'a, Result<OfferState, Failure>> {
        Box::pin(self.read_state(offer))
    }

    fn go_live<'a>(&'a self, request: &'a GoLiveRequest) -> BoxFuture<'a, GoLiveAnswer> {
        Box::pin(self.go_live(request))
    }

    fn status_url(&self, operation: &OperationHandle) -> Url {
        with_query_default(&operation.location, "$version", &self.endpoint.version)
    }

    fn status<'a>(
        &'a self,
        operation: &'a OperationHandle,
        url: &'a Url,
    ) -> BoxFuture<'a, PollAnswer> {
        Box::pin(self.status(operation, url))
    }

    fn poll_interval_warning(&self, poll_interval: Duration) -> Option<String> {
        let production = self.endpoint.base.host_str() == Some(GRAPH_HOST);
        (production && poll_interval < SLOWEST_POLL_ALLOWED).then(|| {
            format!(
                "poll_interval ({}) is shorter than the Product Ingestion API allows (one status request a minute): requests may be throttled; use 60s or more",
                crate::text::format_duration(poll_interval)
            )
        })
    }
}

/// Why reading the offer's state failed, worded for the user, with the
/// status the service answered, if it answered.
struct ReadError(String, Option<StatusCode>);

impl Client {
    /// `{base}{path}?$version=...`; the path holds only validated IDs.
    fn url(&self, path: &str, query: &[(&str, &str)]) -> Url {
        let mut url = self
            .endpoint
            .base
            .join(path)
            .expect("validated IDs always form a URL");
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in query {
                pairs.append_pair(name, value);
            }
        }
        versioned(url, &self.endpoint.version)
    }

    /// A GET that must answer 200: the reply, or a message naming the
    /// status and the hint.
    async fn read(&self, url: &Url, what: &str) -> Result<Reply, ReadError> {
        let reply = self
            .transport
            .send(Method::GET, url, None)
            .await
            .map_err(|error| ReadError(format!("cannot read {what}: {error}"), None))?;
        if reply.status.is_success() {
            return Ok(reply);
        }
        Err(ReadError(
            format!(
                "reading {what} was refused with HTTP {}{}: {}",
                status_text(reply.status),
                error_detail(&reply.body),
                self.hint(reply.status, None)
            ),
            Some(reply.status),
        ))
    }

    /// Every item of a collection, following `@nextLink` for at most
    /// `MOST_PAGES` pages.
    async fn read_all<T: serde::de::DeserializeOwned>(
        &self,
        first: Url,
        what: &str,
    ) -> Result<Vec<T>, ReadError> {
        let mut items = Vec::new();
        let mut next = Some(first);
        let mut pages = 0;
        while let Some(url) = next.take() {
            pages += 1;
            if pages > MOST_PAGES {
                return Err(ReadError(
                    format!("{what} run over more than {MOST_PAGES} pages; stopped reading"),
                    None,
                ));
            }
            let reply = self.read(&url, what).await?;
            let page: Collection<T> = serde_json::from_str(&reply.body).map_err(|_| {
                ReadError(
                    format!(
                        "{what} could not be read: the answer is not the documented collection ({})",
                        untrusted(reply.body.trim(), 200)
                    ),
                    None,
                )
            })?;
            let (page_items, next_link) = page.into_parts();
            items.extend(page_items);
            if let Some(link) = next_link {
                next = Some(next_page(&self.endpoint, &url, &link).map_err(|why| {
                    ReadError(
                        format!(
                            "{what}: the next page's link ('{}') {why}; stopped reading",
                            untrusted(&link, 200)
                        ),
                        None,
                    )
                })?);
            }
        }
        Ok(items)
    }

    /// The offer's product, by its external ID, and a note when the
    /// service did not say which product it answered.
    async fn product(&self, offer: &Offer) -> Result<(Product, Option<String>), Failure> {
        let url = self.url("product", &[("externalId", &offer.offer_id)]);
        // Not found is documented as an empty collection, and may be a 404.
        let products: Vec<Product> = match self.read_all(url, "the product").await {
            Ok(products) => products,
            Err(ReadError(_, Some(StatusCode::NOT_FOUND))) => Vec::new(),
            Err(ReadError(message, _)) => return Err(Failure::NotSent(message)),
        };
        let (product, note) =
            choose_product(products, &offer.offer_id).map_err(Failure::NotSent)?;
        if product_guid(&product.id).is_none() {
            return Err(Failure::NotSent(format!(
                "the product of offer '{}' has an ID that cannot be used ('{}')",
                offer.offer_id,
                untrusted(&product.id, 100)
            )));
        }
        Ok((product, note))
    }

    async fn submissions(&self, product_id: &str) -> Result<Vec<Submission>, ReadError> {
        let guid = product_guid(product_id).unwrap_or_default();
        let url = self.url(&format!("submission/{guid}"), &[]);
        self.read_all(url, "the product's submissions").await
    }

    /// Looks the product up, reads its submissions, and judges them.
    async fn read_state(&self, offer: &Offer) -> Result<OfferState, Failure> {
        let (product, note) = self.product(offer).await?;
        let submissions = self
            .submissions(&product.id)
            .await
            .map_err(|ReadError(message, _)| Failure::NotSent(message))?;
        let mut state = decide(offer, &product.id, &submissions, |submission| {
            self.submission_handle(&product.id, submission)
        });
        state.notes.extend(note);
        Ok(state)
    }

    /// The status monitor of a go-live found on the offer: the product's
    /// submissions, where the live entry of `submission` tells how it goes.
    fn submission_handle(&self, product_id: &str, submission: &str) -> OperationHandle {
        let guid = product_guid(product_id).unwrap_or_default();
        OperationHandle {
            location: self.url(&format!("submission/{guid}"), &[]),
            id: submission.to_owned(),
            product_id: Some(product_id.to_owned()),
            submission_id: Some(submission.to_owned()),
        }
    }

    fn configure_body(request: &GoLiveRequest) -> String {
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
    async fn go_live(&self, request: &GoLiveRequest) -> GoLiveAnswer {
        let url = self.url("configure", &[]);
        let body = Self::configure_body(request);
        let reply = match self.transport.send(Method::POST, &url, Some(&body)).await {
            Ok(reply) => reply,
            Err(error) if error.nothing_sent() => return GoLiveAnswer::unanswered(error),
            Err(error) => return self.ambiguous(request, &error.to_string()).await,
        };
        let status = reply.status;
        if status.is_success() {
            return match serde_json::from_str::<JobStatus>(&reply.body) {
                Ok(job) => match job.job_id.filter(|id| is_job_id(id)) {
                    Some(job_id) => GoLiveAnswer::Accepted(self.handle(&job_id, request)),
                    None => GoLiveAnswer::Failed(Failure::AfterStart(format!(
                        "the service accepted go-live (HTTP {}) but named no usable job ID; go-live has started: follow submission {} in Partner Center",
                        status_text(status),
                        request.submission_id.as_deref().unwrap_or_default()
                    ))),
                },
                Err(_) => GoLiveAnswer::Failed(Failure::AfterStart(format!(
                    "the service accepted go-live (HTTP {}) with an answer that is not a job ({}); go-live has started: follow submission {} in Partner Center",
                    status_text(status),
                    untrusted(reply.body.trim(), 200),
                    request.submission_id.as_deref().unwrap_or_default()
                ))),
            };
        }
        let detail = error_detail(&reply.body);
        if matches!(status.as_u16(), 408 | 429) {
            return GoLiveAnswer::NotStarted {
                reason: format!("HTTP {}{detail}", status_text(status)),
                retry_after: retry_after(&reply.headers, SystemTime::now()),
            };
        }
        if status.is_server_error() {
            return self
                .ambiguous(request, &format!("HTTP {}{detail}", status_text(status)))
                .await;
        }
        GoLiveAnswer::Failed(Failure::Refused(format!(
            "go-live was refused with HTTP {}{detail}: {}",
            status_text(status),
            self.hint(status, Some(&reply.body))
        )))
    }

    /// The configure request may have reached the service: read the
    /// submissions again to learn whether the go-live job exists.
    async fn ambiguous(&self, request: &GoLiveRequest, what: &str) -> GoLiveAnswer {
        let submission = request.submission_id.as_deref().unwrap_or_default();
        let product = request.product_id.as_deref().unwrap_or_default();
        let going_live = match self.submissions(product).await {
            Ok(submissions) => submissions
                .iter()
                .any(|s| s.target() == "live" && s.id == submission),
            Err(ReadError(message, _)) => {
                return GoLiveAnswer::Failed(Failure::MayHaveStarted(format!(
                    "the go-live request got {what}, and reading the submissions again failed too ({message})"
                )));
            }
        };
        if going_live {
            GoLiveAnswer::Failed(Failure::AfterStart(format!(
                "the go-live request got {what}, but submission {submission} is now going live: go-live WAS accepted; its job ID was lost with the answer, so it cannot be followed from here: follow it in Partner Center, and do not run go-live again"
            )))
        } else {
            GoLiveAnswer::Failed(Failure::MayHaveStarted(format!(
                "the go-live request got {what}; the submissions show no go-live of submission {submission} yet"
            )))
        }
    }

    fn handle(&self, job_id: &str, request: &GoLiveRequest) -> OperationHandle {
        OperationHandle {
            location: self.url(&format!("configure/{job_id}/status"), &[]),
            id: job_id.to_owned(),
            product_id: request.product_id.clone(),
            submission_id: request.submission_id.clone(),
        }
    }

    /// What to do about a refusal, from its status and the known messages
    /// of the service.
    fn hint(&self, status: StatusCode, body: Option<&str>) -> String {
        let body = body.unwrap_or_default().to_ascii_lowercase();
        if let Some(hint) = known_message_hint(&body) {
            return hint.to_owned();
        }
        match status.as_u16() {
            400 => "the service found the request invalid: check offer_id and api_version".to_owned(),
            401 if self.transport.can_renew() => "the API refused a freshly issued access token: check that the application was added to the Partner Center account".to_owned(),
            401 => "the token was refused: the Product Ingestion API needs a token for https://graph.microsoft.com (not for https://cloudpartner.azure.com); pass a fresh one in token, or let the action sign in with tenant_id and client_id".to_owned(),
            403 => "the application is not allowed to do this: it needs the Manager role in Partner Center (Account settings, User management, Microsoft Entra applications)".to_owned(),
            404 => "not found: check offer_id, and that the application was added to the Partner Center account that owns the offer".to_owned(),
            409 | 423 => "another publish is running on the offer: wait for it to end, then run this again".to_owned(),
            _ => "unexpected answer from the Product Ingestion API".to_owned(),
        }
    }

    /// `GET configure/{jobId}/status`, once; after the job succeeded, one
    /// read of the submissions to report the live one.
    async fn status(&self, operation: &OperationHandle, url: &Url) -> PollAnswer {
        if watched_product(&operation.location).is_some() {
            return self.submission_status(operation, url).await;
        }
        let reply = match self.transport.send(Method::GET, url, None).await {
            Ok(reply) => reply,
            Err(error) => return PollAnswer::unanswered(error),
        };
        let status = reply.status;
        let retry_after = retry_after(&reply.headers, SystemTime::now());
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
            self.confirm_live(operation, &mut snapshot).await;
        }
        PollAnswer::Status {
            snapshot,
            retry_after,
        }
    }

    /// The submissions at `url`, once: how the live entry of the
    /// operation's submission (or the newest live entry) stands.
    async fn submission_status(&self, operation: &OperationHandle, url: &Url) -> PollAnswer {
        match self
            .read_all::<Submission>(url.clone(), "the product's submissions")
            .await
        {
            Ok(submissions) => PollAnswer::Status {
                snapshot: submission_snapshot(&submissions, operation.submission_id.as_deref()),
                retry_after: None,
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

    /// After the job succeeded: reports the live submission, and counts the
    /// go-live as running while that submission is still being published.
    async fn confirm_live(&self, operation: &OperationHandle, snapshot: &mut Snapshot) {
        let (Some(product), Some(submission)) = (&operation.product_id, &operation.submission_id)
        else {
            return;
        };
        let live = match self.submissions(product).await {
            Ok(submissions) => submissions
                .into_iter()
                .find(|s| s.target() == "live" && &s.id == submission),
            Err(ReadError(message, _)) => {
                snapshot
                    .notes
                    .push(format!("the live submission could not be read: {message}"));
                return;
            }
        };
        match live {
            Some(live) if live.in_progress() => {
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

/// The decision table of the reference, in order.
/// The neutral view of a job status body about the job `job_id`: its
/// state, its words, and for a failed or canceled job the reasons. `Err`
/// says why the body is not an answer about that job.
fn job_snapshot(body: &str, job_id: &str) -> Result<Snapshot, String> {
    let Ok(mut job) = serde_json::from_str::<JobStatus>(body) else {
        return Err(format!(
            "a body that is not a job ({})",
            untrusted(body.trim(), 200)
        ));
    };
    if let Some(other) = job
        .job_id
        .as_deref()
        .filter(|id| !id.trim().eq_ignore_ascii_case(job_id))
    {
        return Err(format!(
            "a body about another job ({}), not {job_id}",
            untrusted(other, 100)
        ));
    }
    let state = job.state();
    let errors = error_lines(job.take_errors());
    let reasons = match state {
        State::Failed | State::Canceled => failure_reasons(&errors, state),
        State::Succeeded | State::Running => Vec::new(),
    };
    Ok(Snapshot {
        state,
        status: job.describe(),
        steps: Vec::new(),
        reasons,
        notes: Vec::new(),
    })
}

/// How a go-live stands by the product's submissions: the live entry of
/// `submission`, or without one the newest live entry. The service lists
/// no live entry for a go-live that failed or was canceled.
fn submission_snapshot(submissions: &[Submission], submission: Option<&str>) -> Snapshot {
    let live = submissions
        .iter()
        .filter(|s| s.target() == "live" && submission.is_none_or(|id| s.id == id))
        .max_by_key(|s| s.number());
    let Some(live) = live else {
        let what = submission.map_or_else(
            || "the product".to_owned(),
            |id| format!("submission {}", untrusted(id, 100)),
        );
        return Snapshot {
            state: State::Failed,
            status: format!("{what} is not listed as live"),
            reasons: vec![format!(
                "{what} is not listed as live: its go-live failed or was canceled (the service lists only live submissions that run or succeeded); see why in Partner Center"
            )],
            ..Snapshot::default()
        };
    };
    let id = untrusted(&live.id, 100);
    let status = format!("live submission {id}: {}", live.describe_state());
    let state = if live.in_progress() {
        State::Running
    } else if live.succeeded() {
        State::Succeeded
    } else if live.failed() {
        State::Failed
    } else if matches!(
        folded(live.result.as_deref()).as_str(),
        "canceled" | "cancelled"
    ) {
        State::Canceled
    } else {
        // Completed with no result yet: not known to have ended.
        State::Running
    };
    let reasons = match state {
        State::Failed | State::Canceled => vec![format!(
            "live submission {id} {}; the submissions list gives no reason: see Partner Center",
            state.as_output()
        )],
        _ => Vec::new(),
    };
    let notes = match state {
        State::Succeeded => vec![format!("live submission: {id} ({})", live.describe_state())],
        _ => Vec::new(),
    };
    Snapshot {
        state,
        status,
        steps: Vec::new(),
        reasons,
        notes,
    }
}

/// The decision table of the reference, in order, with a go-live running
/// on the offer followed rather than refused. `watch` gives the status
/// monitor of a submission going live.
fn decide(
    offer: &Offer,
    product_id: &str,
    submissions: &[Submission],
    watch: impl Fn(&str) -> OperationHandle,
) -> OfferState {
    let name = &offer.offer_id;
    let newest = |target: &str| {
        submissions
            .iter()
            .filter(|s| s.target() == target)
            .max_by_key(|s| s.number())
    };
    let preview = newest("preview");
    // The go-live of the newest version: the live entry of the newest
    // preview, or without a preview the newest live entry. A go-live that
    // failed may not be listed at all.
    let last_go_live = match preview {
        Some(preview) => submissions
            .iter()
            .find(|s| s.target() == "live" && s.id == preview.id),
        None => newest("live"),
    }
    .map(|live| watch(&live.id));
    let state = |verdict| OfferState {
        verdict,
        last_go_live: last_go_live.clone(),
        notes: Vec::new(),
    };
    if let Some(going_live) = submissions
        .iter()
        .filter(|s| s.target() == "live" && s.in_progress())
        .max_by_key(|s| s.number())
    {
        let operation = watch(&going_live.id);
        return OfferState {
            last_go_live: Some(operation.clone()),
            verdict: Verdict::Running(operation),
            notes: Vec::new(),
        };
    }
    if let Some(busy) = submissions.iter().find(|s| s.in_progress()) {
        return state(Verdict::NotReady(format!(
            "a publish is in progress on offer '{name}': submission {} to {} has {}; wait for it to end, then run this again",
            untrusted(&busy.id, 100),
            untrusted(
                busy.target
                    .target_type
                    .as_deref()
                    .unwrap_or("an unknown target"),
                40
            ),
            busy.describe_state()
        )));
    }
    let live = newest("live");
    let Some(preview) = preview else {
        return state(match live {
            Some(live) => Verdict::Live(format!(
                "offer '{name}' has nothing in preview to promote; submission {} is live",
                untrusted(&live.id, 100)
            )),
            None => Verdict::NotReady(format!(
                "offer '{name}' was never published to preview, so there is nothing to take live: publish it to preview first"
            )),
        });
    };
    let preview_id = untrusted(&preview.id, 100);
    if submissions
        .iter()
        .any(|s| s.target() == "live" && s.id == preview.id)
    {
        return state(Verdict::Live(format!(
            "offer '{name}' is already live with its preview submission {preview_id}"
        )));
    }
    if preview.failed() {
        return state(Verdict::NotReady(format!(
            "the preview of offer '{name}' (submission {preview_id}) failed: fix the offer and publish it to preview again"
        )));
    }
    if !preview.succeeded() {
        return state(Verdict::NotReady(format!(
            "the preview of offer '{name}' (submission {preview_id}) is not ready ({}): wait for it, or publish to preview again",
            preview.describe_state()
        )));
    }
    state(Verdict::Ready(GoLiveRequest {
        offer: offer.clone(),
        product_id: Some(product_id.to_owned()),
        submission_id: Some(preview.id.clone()),
    }))
}

/// The URL of the page an `@nextLink` names, read against the page that
/// named it: on api_url's origin and under its path, with `$version` added
/// when the link carries only its continuation token.
fn next_page(endpoint: &Endpoint, page: &Url, link: &str) -> Result<Url, &'static str> {
    let url = page.join(link).map_err(|_| "cannot be read")?;
    let base = &endpoint.base;
    if url.origin() != base.origin() || !url.path().starts_with(base.path()) {
        return Err("is not under api_url");
    }
    Ok(versioned(url, &endpoint.version))
}

/// `url` with `$version` (written with its `$`, as the documentation
/// writes it) unless its query names a version already.
fn versioned(mut url: Url, version: &str) -> Url {
    if url.query_pairs().any(|(name, _)| name == "$version") {
        return url;
    }
    let query = match url.query() {
        Some(query) if !query.is_empty() => format!("{query}&$version={version}"),
        _ => format!("$version={version}"),
    };
    url.set_query(Some(&query));
    url
}

/// The product of `offer_id` out of what the lookup listed: only one whose
/// external ID is `offer_id`. A lone product that says nothing of its
/// identity is taken, with a note saying so. `Err` says why none is
/// taken, and what was listed instead.
fn choose_product(
    products: Vec<Product>,
    offer_id: &str,
) -> Result<(Product, Option<String>), String> {
    let is_ours = |product: &Product| product.identity == Identity::ExternalId(offer_id.to_owned());
    let mut ours: Vec<Product> = Vec::new();
    for product in products.iter().filter(|product| is_ours(product)) {
        if !ours.iter().any(|known| known.id == product.id) {
            ours.push(product.clone());
        }
    }
    let shown = |product: &Product| untrusted(&product.id, 100);
    let not_found = format!(
        "no product with external ID '{offer_id}' in the account this application belongs to: check offer_id, and that the application was added to that Partner Center account"
    );
    match (ours.as_slice(), products.as_slice()) {
        ([one], _) => Ok((one.clone(), None)),
        ([], [lone]) if lone.identity == Identity::Absent => Ok((
            lone.clone(),
            Some(format!(
                "the service answered one product, {}, for external ID '{offer_id}' without saying which external ID it has: it is taken as the offer's",
                shown(lone)
            )),
        )),
        ([], []) => Err(not_found),
        ([], listed) => {
            let names: Vec<String> = listed
                .iter()
                .take(5)
                .map(|product| match &product.identity {
                    Identity::ExternalId(id) => format!("'{}'", untrusted(id, 60)),
                    Identity::Absent | Identity::Unclear => {
                        format!("{} (no readable external ID)", shown(product))
                    }
                })
                .collect();
            Err(format!(
                "{not_found}; the service listed {} other product(s) ({}{}), and none is taken in its place",
                listed.len(),
                names.join(", "),
                if listed.len() > names.len() {
                    ", ..."
                } else {
                    ""
                }
            ))
        }
        (several, _) => Err(format!(
            "the service listed {} products with external ID '{offer_id}' ({}): which one is the offer cannot be told, so none is taken",
            several.len(),
            several
                .iter()
                .take(5)
                .map(shown)
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// `product/<guid>` less `product/`, when it is safe in a path segment.
fn product_guid(product_id: &str) -> Option<&str> {
    let guid = product_id.strip_prefix("product/").unwrap_or(product_id);
    is_job_id(guid).then_some(guid)
}

/// Hints for the service messages the reference lists.
fn known_message_hint(lowercase: &str) -> Option<&'static str> {
    if lowercase.contains("in progress submission") && lowercase.contains("already exists") {
        Some("another publish is running on the offer: wait for it to end, then run this again")
    } else if lowercase.contains("not the latest submission") {
        Some(
            "the preview is stale, a newer submission exists: publish to preview again, then go live",
        )
    } else if lowercase.contains("issues found during certification")
        || (lowercase.contains("invalidstate") && lowercase.contains("certification"))
    {
        Some("certification failed: fix the image or offer; retrying will not help")
    } else if lowercase.contains("schema")
        && (lowercase.contains("could not be accessed") || lowercase.contains("validation failed"))
    {
        Some(
            "the service refused the request's schema: this version of go-live sends the 2022-03-01-preview2 schemas; report this",
        )
    } else {
        None
    }
}

/// The reasons of a failed or canceled job: a hint for a known message
/// first, then every error line.
fn failure_reasons(errors: &[String], state: State) -> Vec<String> {
    let all = errors.join("\n").to_ascii_lowercase();
    let mut reasons: Vec<String> = known_message_hint(&all)
        .map(str::to_owned)
        .into_iter()
        .collect();
    reasons.extend(errors.iter().cloned());
    if reasons.is_empty() && state == State::Canceled {
        reasons.push("the job was canceled".to_owned());
    }
    reasons
}

/// ` (code: message)` of a refusal, with its details.
fn error_detail(body: &str) -> String {
    match serde_json::from_str::<ErrorBody>(body) {
        Ok(ErrorBody { error: Some(error) }) => {
            let lines = error_lines(vec![error]);
            format!(
                " ({})",
                lines
                    .iter()
                    .map(|l| l.trim())
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        }
        _ => super::lenient::error_detail(body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arbitrary;
    use proptest::prelude::*;

    /// The words of the answers this module reads.
    const WORDS: &[&str] = &[
        "jobId",
        "jobID",
        "jobStatus",
        "jobResult",
        "errors",
        "code",
        "details",
        "resourceId",
        "message",
        "value",
        "@nextLink",
        "id",
        "externalId",
        "externalID",
        "target",
        "targetType",
        "status",
        "result",
        "lifecycleState",
        "preview",
        "live",
        "draft",
        "running",
        "completed",
        "succeeded",
        "failed",
        "cancelled",
        "notStarted",
        "pending",
        "inProgress",
        "submission/1/2",
        "product/1",
        "configure",
        "status",
        "",
    ];

    fn submission(id: &str, target: &str, status: &str, result: &str) -> Submission {
        serde_json::from_value(serde_json::json!({
            "id": id, "target": {"targetType": target}, "status": status, "result": result,
        }))
        .unwrap()
    }

    #[track_caller]
    fn check_decision(submissions: &[Submission], expected: &str) {
        let offer = Offer {
            publisher_id: None,
            offer_id: "contoso-vm".into(),
        };
        let watch = |id: &str| OperationHandle {
            location: "https://h/submission/g".parse().unwrap(),
            id: id.to_owned(),
            product_id: None,
            submission_id: Some(id.to_owned()),
        };
        let state = decide(&offer, "product/g", submissions, watch);
        let last = state
            .last_go_live
            .map(|handle| handle.id)
            .unwrap_or_default();
        let shown = match state.verdict {
            Verdict::Ready(request) => format!("send {}", request.submission_id.unwrap()),
            Verdict::Live(text) => format!("live: {text}"),
            Verdict::NotReady(text) => format!("fail: {text}"),
            Verdict::Running(handle) => format!("follow {}", handle.id),
            other => format!("{other:?}"),
        };
        let shown = format!("{shown} (last go-live: {last})");
        assert!(shown.contains(expected), "{shown:?} lacks {expected:?}");
    }

    #[test]
    fn the_decision_table() {
        let draft = submission("submission/g/0", "draft", "completed", "succeeded");
        let preview = submission("submission/g/2", "preview", "completed", "succeeded");
        let old_live = submission("submission/g/1", "live", "completed", "succeeded");
        check_decision(
            &[draft.clone(), old_live.clone(), preview.clone()],
            "send submission/g/2",
        );
        check_decision(
            &[
                preview.clone(),
                submission("submission/g/3", "preview", "running", "pending"),
            ],
            "fail: a publish is in progress on offer 'contoso-vm': submission submission/g/3 to preview has status running, result pending",
        );
        check_decision(
            &[
                old_live.clone(),
                preview.clone(),
                submission("submission/g/2", "live", "notStarted", "pending"),
            ],
            "follow submission/g/2 (last go-live: submission/g/2)",
        );
        check_decision(&[old_live.clone(), preview.clone()], "(last go-live: )");
        check_decision(
            &[draft.clone(), old_live.clone()],
            "(last go-live: submission/g/1)",
        );
        check_decision(
            std::slice::from_ref(&draft),
            "fail: offer 'contoso-vm' was never published to preview",
        );
        check_decision(
            &[draft.clone(), old_live.clone()],
            "live: offer 'contoso-vm' has nothing in preview to promote; submission submission/g/1 is live",
        );
        check_decision(
            &[
                preview.clone(),
                submission("submission/g/2", "live", "completed", "succeeded"),
            ],
            "live: offer 'contoso-vm' is already live with its preview submission submission/g/2",
        );
        check_decision(
            &[submission(
                "submission/g/2",
                "Preview",
                "Completed",
                "Failed",
            )],
            "fail: the preview of offer 'contoso-vm' (submission submission/g/2) failed",
        );
        check_decision(
            &[submission(
                "submission/g/2",
                "preview",
                "completed",
                "pending",
            )],
            "is not ready (status completed, result pending)",
        );
        check_decision(
            &[
                submission("submission/g/2", "preview", "completed", "failed"),
                submission("submission/g/4", "preview", "completed", "succeeded"),
            ],
            "send submission/g/4",
        );
    }

    #[track_caller]
    fn check_choice(listed: &[(&str, &str)], expected: &str) {
        let products: Vec<Product> = listed
            .iter()
            .map(|(id, identity)| {
                serde_json::from_str(&format!(r#"{{"id":"{id}"{identity}}}"#)).unwrap()
            })
            .collect();
        let shown = match choose_product(products, "contoso-vm") {
            Ok((product, None)) => format!("take {}", product.id),
            Ok((product, Some(note))) => format!("take {} ({note})", product.id),
            Err(why) => format!("refuse: {why}"),
        };
        assert!(
            shown.starts_with(expected),
            "{shown:?} does not start with {expected:?}"
        );
    }

    #[test]
    fn a_product_is_taken_only_by_its_external_id() {
        let ours = r#","identity":{"externalId":"contoso-vm"}"#;
        let other = |n: usize| format!(r#","identity":{{"externalId":"other-{n}"}}"#);
        let (o1, o2, o3, o4) = (other(1), other(2), other(3), other(4));
        check_choice(
            &[
                ("product/1", &o1),
                ("product/2", &o2),
                ("product/3", ours),
                ("product/4", &o3),
                ("product/5", &o4),
            ],
            "take product/3",
        );
        check_choice(
            &[("product/1", &o1), ("product/2", &o2), ("product/4", &o3)],
            "refuse: no product with external ID 'contoso-vm' in the account this application belongs to: check offer_id, and that the application was added to that Partner Center account; the service listed 3 other product(s) ('other-1', 'other-2', 'other-3'), and none is taken in its place",
        );
        check_choice(
            &[],
            "refuse: no product with external ID 'contoso-vm' in the account",
        );
        check_choice(
            &[("product/1", r#","identity":{"ExternalID":"contoso-vm"}"#)],
            "take product/1",
        );
        check_choice(&[("product/1", ""), ("product/1", ours)], "take product/1");
        // A lone product without identity is taken, and said to be.
        check_choice(
            &[("product/9", "")],
            "take product/9 (the service answered one product, product/9, for external ID 'contoso-vm' without saying which external ID it has",
        );
        check_choice(&[("product/9", r#","identity":null"#)], "take product/9 (");
        // Never when it says another ID, or says it unclearly, or has
        // company.
        check_choice(&[("product/9", &o1)], "refuse: no product");
        check_choice(
            &[("product/9", r#","identity":{"externalId":5}"#)],
            "refuse: no product",
        );
        check_choice(
            &[("product/8", ""), ("product/9", "")],
            "refuse: no product",
        );
        check_choice(
            &[("product/1", ours), ("product/2", ours)],
            "refuse: the service listed 2 products with external ID 'contoso-vm' (product/1, product/2)",
        );
    }

    #[test]
    fn next_links_stay_under_api_url_and_keep_the_version() {
        let endpoint = Endpoint {
            kind: crate::publish::Kind::ProductIngestion,
            base: "https://h/rp/product-ingestion/".parse().unwrap(),
            version: "2022-03-01-preview2".into(),
        };
        let page: Url = "https://h/rp/product-ingestion/submission/g?$version=2022-03-01-preview2"
            .parse()
            .unwrap();
        let check = |link: &str, expected: Result<&str, &str>| {
            let next = next_page(&endpoint, &page, link);
            assert_eq!(
                next.as_ref().map(Url::as_str).map_err(|e| *e),
                expected,
                "{link}"
            );
        };
        check(
            "https://h/rp/product-ingestion/submission/g?continuationToken=a%2Bb",
            Ok(
                "https://h/rp/product-ingestion/submission/g?continuationToken=a%2Bb&$version=2022-03-01-preview2",
            ),
        );
        check(
            "/rp/product-ingestion/submission/g?continuationToken=2",
            Ok(
                "https://h/rp/product-ingestion/submission/g?continuationToken=2&$version=2022-03-01-preview2",
            ),
        );
        check(
            "/rp/product-ingestion/submission/g",
            Ok("https://h/rp/product-ingestion/submission/g?$version=2022-03-01-preview2"),
        );
        for kept in [
            "https://h/rp/product-ingestion/submission/g?continuationToken=2&$version=2022-03-01-preview2",
            "https://h/rp/product-ingestion/submission/g?%24version=2022-03-01-preview2&continuationToken=2",
        ] {
            check(kept, Ok(kept));
        }
        check(
            "https://other/rp/product-ingestion/submission/g",
            Err("is not under api_url"),
        );
        check(
            "/elsewhere/submission/g?continuationToken=2",
            Err("is not under api_url"),
        );
        check(
            "http://h/rp/product-ingestion/submission/g",
            Err("is not under api_url"),
        );
    }

    #[test]
    fn offer_ids_and_job_urls() {
        for good in ["abc", "contoso-vm", "a_b-c", "0ffer"] {
            assert!(ProductIngestion.check_offer_id(good).is_ok(), "{good}");
        }
        for bad in ["ab", "Contoso", "-abc", "a/b", "a.b", &"a".repeat(51)] {
            assert!(ProductIngestion.check_offer_id(bad).is_err(), "{bad}");
        }
        let id = |url: &str| ProductIngestion.operation_id(&url.parse().unwrap());
        assert_eq!(
            id("https://graph.microsoft.com/rp/product-ingestion/configure/0b5e-11/status?$version=x").as_deref(),
            Some("0b5e-11")
        );
        assert_eq!(id("https://h/configure/a%2Fb/status"), None);
        assert_eq!(id("https://h/configure/abc"), None);
    }

    #[test]
    fn known_messages_get_hints() {
        for (errors, expected) in [
            (
                vec![
                    "[internalServerError] An In Progress submission 1152921504606871000 already exists.",
                ],
                "another publish is running",
            ),
            (
                vec![
                    "[conflict] The submission cannot be pushed to live as its not the latest submission.",
                ],
                "the preview is stale",
            ),
            (
                vec![
                    "[internalServerError] Operation failed",
                    "  [invalidState] Issues found during Certification.",
                ],
                "certification failed: fix the image or offer; retrying will not help",
            ),
        ] {
            let errors: Vec<String> = errors.into_iter().map(str::to_owned).collect();
            let reasons = failure_reasons(&errors, State::Failed);
            assert!(reasons[0].contains(expected), "{reasons:?}");
            assert_eq!(reasons.len(), errors.len() + 1);
        }
        assert_eq!(
            failure_reasons(&[], State::Canceled),
            vec!["the job was canceled"]
        );
        assert_eq!(
            error_detail(
                r#"{"error":{"code":"badRequest","message":"Cannot cancel","details":[{"code":"x","message":"y"}]}}"#
            ),
            " ([badRequest] Cannot cancel; [x] y)"
        );
    }

    proptest! {
        #![proptest_config(arbitrary::config())]

        /// Any job status body gives a status of our job or no answer.
        #[test]
        fn any_job_status_body_is_ours_or_no_answer(body in arbitrary::body(WORDS), ours in arbitrary::text(WORDS)) {
            if let Ok(snapshot) = job_snapshot(&body, &ours) {
                let failed = matches!(snapshot.state, State::Failed | State::Canceled);
                prop_assert_eq!(failed, !snapshot.reasons.is_empty());
            }
        }

        /// Any page of products or submissions is read or refused.
        #[test]
        fn any_collection_body_is_read_or_refused(body in arbitrary::body(WORDS)) {
            if let Ok(page) = serde_json::from_str::<wire::Collection<Submission>>(&body) {
                let (submissions, _) = page.into_parts();
                for submission in &submissions {
                    let _ = (submission.target(), submission.number(), submission.describe_state());
                }
                let offer = Offer { publisher_id: None, offer_id: "contoso-vm".into() };
                let watch = |id: &str| OperationHandle { location: "https://h/".parse().unwrap(), id: id.to_owned(), product_id: None, submission_id: None };
                let state = decide(&offer, "product/1", &submissions, watch);
                if let Verdict::Running(handle) = &state.verdict {
                    prop_assert_eq!(Some(handle), state.last_go_live.as_ref());
                }
            }
            if let Ok(page) = serde_json::from_str::<wire::Collection<wire::Product>>(&body) {
                let _ = page.into_parts();
            }
            let _ = error_detail(&body);
        }

        /// Any URL names a job or does not; the job ID is always one.
        #[test]
        fn any_location_names_a_job_or_not(path in arbitrary::text(WORDS), id in arbitrary::text(WORDS)) {
            for text in [format!("https://h/{path}"), format!("https://h/rp/configure/{id}/status/{path}"), format!("https://h/configure/{id}/status")] {
                if let Ok(url) = Url::parse(&text)
                    && let Some(job) = ProductIngestion.operation_id(&url)
                {
                    prop_assert!(is_job_id(&job));
                }
            }
        }
    }
}

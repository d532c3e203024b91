//! The legacy Cloud Partner Portal publishing API (api-version 2017-10-31):
//! its URLs, its scope, its JSON (`wire`), its status words and its hints.
//!
//! Go-live is `POST .../offers/{offer}/golive`; the answer names the
//! operation in `Operation-Location` or `Location`, absolute or relative.
//! Before go-live it reads the offer's list of operations (two URL forms
//! are documented) as a hint: only a go-live running, a go-live completed
//! with nothing newer, or a publish to preview not done, stops the POST.
//! Anything else, the service decides.

mod documents;
mod wire;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, LOCATION};
use reqwest::{Method, StatusCode, Url};

use super::api::{
    Api, BoxFuture, DraftAgainstPreview, Endpoint, FileCheck, PlanReads, PollAnswer, Publisher,
    StartAnswer, resolve, with_query_default,
};
use super::lenient::error_detail;
use crate::clock;
use crate::failure::Failure;
use crate::http::{Reply, SendError, Transport};
use crate::model::{
    DraftAnswer, DraftChange, DraftFile, Earlier, Offer, OfferState, OperationHandle,
    PublishVerdict, Snapshot, Stage, StartRequest, State, Verdict,
};
use crate::retry::retry_after;
use crate::text::{status_text, untrusted};
use wire::{Listing, Unread};

pub struct CloudPartnerPortal;

impl Api for CloudPartnerPortal {
    fn input_value(&self) -> &'static str {
        "cloud-partner-portal"
    }

    fn name(&self) -> &'static str {
        "Cloud Partner Portal"
    }

    fn default_url(&self) -> &'static str {
        "https://cloudpartner.azure.com"
    }

    fn default_version(&self) -> &'static str {
        "2017-10-31"
    }

    fn scope(&self) -> &'static str {
        "https://cloudpartner.azure.com/.default"
    }

    fn publisher_required(&self) -> bool {
        true
    }

    fn takes_notification_emails(&self) -> bool {
        true
    }

    fn changes_drafts(&self) -> bool {
        false
    }

    fn check_draft_file(&self, _: &DraftFile, _: &str, _: SystemTime) -> FileCheck {
        FileCheck {
            problems: vec!["the Cloud Partner Portal API changes no draft".to_owned()],
            ..FileCheck::default()
        }
    }

    fn check_offer_id(&self, offer_id: &str) -> Result<(), String> {
        // The ID goes into the URL path, so it is held to characters that
        // cannot change the path or the query.
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
        if offer_id.is_empty()
            || offer_id == "."
            || offer_id == ".."
            || !offer_id.chars().all(allowed)
        {
            return Err("expected letters, digits, '.', '_' or '-'".to_owned());
        }
        Ok(())
    }

    fn operation_id(&self, location: &Url) -> Option<String> {
        // The last non-empty segment of the status monitor's path (a
        // trailing slash is allowed), as it stands in the URL (`$`
        // included).
        location
            .path_segments()?
            .rfind(|segment| !segment.is_empty())
            .map(str::to_owned)
    }

    fn connect(&self, endpoint: Endpoint, transport: Arc<Transport>) -> Box<dyn Publisher> {
        Box::new(Client {
            endpoint,
            transport,
        })
    }
}

struct Client {
    endpoint: Endpoint,
    transport: Arc<Transport>,
}

impl Publisher for Client {
    fn what_goes_live<'a>(
        &'a self,
        request: &'a StartRequest,
    ) -> BoxFuture<'a, Option<Vec<String>>> {
        Box::pin(self.what_goes_live(&request.offer))
    }

    fn plan<'a>(
        &'a self,
        offer: &'a Offer,
        _: Option<&'a DraftChange>,
    ) -> BoxFuture<'a, Result<PlanReads, Failure>> {
        // `config` refuses a draft change for this API before any request.
        Box::pin(self.plan(offer))
    }

    fn verify_draft<'a>(
        &'a self,
        _operation: &'a OperationHandle,
    ) -> BoxFuture<'a, Result<(), String>> {
        // No draft change is sent through this API.
        Box::pin(async { Ok(()) })
    }

    fn read_state<'a>(&'a self, offer: &'a Offer) -> BoxFuture<'a, Result<OfferState, Failure>> {
        Box::pin(self.read_state(offer))
    }

    fn go_live<'a>(&'a self, request: &'a StartRequest) -> BoxFuture<'a, StartAnswer> {
        Box::pin(self.go_live(&request.offer))
    }

    fn publish<'a>(
        &'a self,
        request: &'a StartRequest,
        notification_emails: &'a [String],
    ) -> BoxFuture<'a, StartAnswer> {
        Box::pin(self.publish(&request.offer, notification_emails))
    }

    fn already_published<'a>(&'a self, _: &'a StartRequest) -> BoxFuture<'a, DraftAgainstPreview> {
        // The API shows no draft to compare with the preview.
        Box::pin(async { DraftAgainstPreview::Unknown })
    }

    fn change_draft<'a>(
        &'a self,
        _: &'a Offer,
        _: &'a DraftChange,
    ) -> BoxFuture<'a, Result<DraftAnswer, Failure>> {
        // `config` refuses a draft change for this API before any request.
        Box::pin(async {
            Err(Failure::NotSent(
                "the Cloud Partner Portal API changes no draft".to_owned(),
            ))
        })
    }

    fn status_url(&self, operation: &OperationHandle) -> Url {
        // The 2018 documentation's Operation-Location has no api-version,
        // which every request to the API needs; a URL that has one is kept
        // as it is.
        with_query_default(&operation.location, "api-version", &self.endpoint.version)
    }

    fn status<'a>(
        &'a self,
        operation: &'a OperationHandle,
        url: &'a Url,
    ) -> BoxFuture<'a, PollAnswer> {
        Box::pin(self.status(&operation.id, operation.stage, url))
    }

    fn poll_interval_warning(&self, _: Duration) -> Option<String> {
        None
    }
}

impl Client {
    fn go_live_url(&self, publisher_id: &str, offer_id: &str) -> Url {
        // The IDs were checked in `config` to hold only characters that are
        // safe in a path segment.
        let mut url = self
            .endpoint
            .base
            .join(&format!(
                "api/publishers/{publisher_id}/offers/{offer_id}/golive"
            ))
            .expect("validated IDs always form a URL");
        url.query_pairs_mut()
            .append_pair("api-version", &self.endpoint.version);
        url
    }

    /// `{base}api/publishers/{publisher}/offers/{offer}/{rest}` with the
    /// API version; the IDs were checked in `config`.
    fn offer_url(&self, offer: &Offer, rest: &str) -> Url {
        let publisher_id = offer.publisher_id.as_deref().unwrap_or_default();
        let mut url = self
            .endpoint
            .base
            .join(&format!(
                "api/publishers/{publisher_id}/offers/{}/{rest}",
                offer.offer_id
            ))
            .expect("validated IDs always form a URL");
        url.query_pairs_mut()
            .append_pair("api-version", &self.endpoint.version);
        url
    }

    /// The status monitor of a listed operation (its ID is made of
    /// letters, digits, `-`, `_`, `.` and `$`): a non-migrated offer's IDs
    /// hold `$` and live under `/api/operations/`.
    fn listed_operation(&self, offer: &Offer, id: &str) -> OperationHandle {
        self.listed_at(offer, id, Stage::Live)
    }

    /// `listed_operation`, of a publish to preview or of a go-live.
    fn listed_at(&self, offer: &Offer, id: &str, stage: Stage) -> OperationHandle {
        let location = if id.contains('$') {
            let mut url = self
                .endpoint
                .base
                .join(&format!("api/operations/{id}"))
                .expect("a checked ID always forms a URL");
            url.query_pairs_mut()
                .append_pair("api-version", &self.endpoint.version);
            url
        } else {
            self.offer_url(offer, &format!("operations/{id}"))
        };
        OperationHandle {
            location,
            id: id.to_owned(),
            product_id: None,
            submission_id: None,
            stage,
            earlier: Earlier::default(),
        }
    }

    /// Signs in, then reads the offer's list of operations, in either of
    /// its documented forms. When neither answers, the offer's status
    /// tells whether the offer can be read at all.
    async fn read_state(&self, offer: &Offer) -> Result<OfferState, Failure> {
        // Signing in first also keeps a sign-in from standing between the
        // go-live request and its being sent.
        self.transport
            .sign_in()
            .await
            .map_err(|error| Failure::NotSent(error.to_string()))?;
        let request = StartRequest {
            offer: offer.clone(),
            product_id: None,
            submission_id: None,
            earlier: Earlier::default(),
        };
        let mut answers = Vec::new();
        for rest in ["operations", "submissions/"] {
            let url = self.offer_url(offer, rest);
            match self.read(&url, offer).await {
                Ok(body) => match wire::listing(&body) {
                    Ok((listing, last)) => {
                        let last_go_live = last.map(|id| self.listed_operation(offer, &id));
                        let verdict = self.judge(offer, listing.clone(), request.clone()).await;
                        let publish = self.publish_verdict(offer, &listing, &verdict, request);
                        return Ok(OfferState {
                            verdict,
                            publish,
                            last_go_live,
                            notes: Vec::new(),
                        });
                    }
                    Err(what) => answers.push(format!(
                        "{} answered {what} ({})",
                        url.path(),
                        untrusted(body.trim(), 100)
                    )),
                },
                Err(answer) => answers.push(answer),
            }
        }
        let lists = answers.join("; ");
        let publish = PublishVerdict::Ready(request.clone());
        let verdict = match self.read(&self.offer_url(offer, "status"), offer).await {
            Ok(body) => {
                let status = serde_json::from_str::<wire::Operation>(&body)
                    .ok()
                    .and_then(|status| super::lenient::shown(&status.status, 50))
                    .unwrap_or_else(|| "unreadable".to_owned());
                Verdict::Unrecognised(
                    request,
                    format!(
                        "its list of operations could not be read ({lists}); the offer's status is '{status}'"
                    ),
                )
            }
            Err(answer) => Verdict::Unreadable(
                request,
                format!(
                    "neither its list of operations nor its status could be read: {lists}; {answer}"
                ),
            ),
        };
        Ok(OfferState {
            publish,
            verdict,
            last_go_live: None,
            notes: Vec::new(),
        })
    }

    /// What a listing means for a publish to preview: a publish running
    /// short of publisher signoff is followed, a go-live running refused;
    /// anything else, read or not, sends it. A publish that waits at
    /// signoff is done: the draft cannot be compared with its preview, so
    /// a new publish is sent rather than an old preview reported ready.
    fn publish_verdict(
        &self,
        offer: &Offer,
        listing: &Listing,
        verdict: &Verdict,
        request: StartRequest,
    ) -> PublishVerdict {
        match (listing, verdict) {
            (Listing::GoLiveRunning(id), _) => PublishVerdict::Blocked(format!(
                "a go-live is running on {}: operation {id}; publish to preview after it ends",
                offer.describe()
            )),
            (Listing::Publish(Some(_), State::Running, _), Verdict::Ready(_)) => {
                PublishVerdict::Ready(request)
            }
            (Listing::Publish(Some(id), State::Running, _), _) => {
                PublishVerdict::Running(self.listed_at(offer, id, Stage::Preview))
            }
            _ => PublishVerdict::Ready(request),
        }
    }

    /// What a listing means for go-live. A publish listed as running may
    /// be waiting at publisher signoff, which its own status tells.
    async fn judge(&self, offer: &Offer, listing: Listing, request: StartRequest) -> Verdict {
        let described = offer.describe();
        let (id, state, status) = match listing {
            Listing::GoLiveRunning(id) => {
                return Verdict::Running(self.listed_operation(offer, &id));
            }
            Listing::Live => {
                return Verdict::Live(format!(
                    "{described} is already live: its last go-live completed and nothing was published since"
                ));
            }
            Listing::Ready => return Verdict::Ready(request),
            Listing::Unrecognised(seen) => return Verdict::Unrecognised(request, seen),
            Listing::Publish(id, state, status) => (id, state, status),
        };
        let publish = match id {
            None => None,
            Some(id) => {
                let location = self.listed_operation(offer, &id).location;
                let body = self.read(&location, offer).await.ok();
                body.and_then(|body| {
                    wire::our_operation(&body, wire::named_id(&id).as_deref()).ok()
                })
                .map(|operation| (operation.waits_for_signoff(), operation.snapshot()))
            }
        };
        match (state, publish) {
            (State::Running, Some((true, _))) => Verdict::Ready(request),
            // A step blocked, rejected or failed, or an error message: the
            // publish will not reach publisher signoff by waiting.
            (State::Running, Some((false, snapshot))) if !snapshot.reasons.is_empty() => {
                Verdict::NotReady(format!(
                    "the publish to preview of {described} has stopped short of publisher signoff: {}; waiting will not help: fix the offer and publish it to preview again",
                    snapshot.reasons.join("; ")
                ))
            }
            (State::Running, Some((false, snapshot))) => {
                let step = snapshot
                    .steps
                    .iter()
                    .find(|step| wire::state(&step.status) != State::Succeeded)
                    .map(|step| format!(": step '{}' is {}", step.name, step.status))
                    .unwrap_or_default();
                Verdict::NotReady(format!(
                    "the publish to preview of {described} is still running{step}; wait for it to reach publisher signoff, approve the preview, then run this again"
                ))
            }
            (State::Running, None) => Verdict::Unrecognised(
                request,
                "the newest publish is listed as running, and its status could not be read to tell whether it waits for publisher signoff".to_owned(),
            ),
            (_, publish) => {
                let reasons = publish
                    .map(|(_, snapshot)| snapshot.reasons.join("; "))
                    .filter(|reasons| !reasons.is_empty())
                    .map(|reasons| format!(" ({reasons})"))
                    .unwrap_or_default();
                Verdict::NotReady(format!(
                    "the last publish to preview of {described} is '{status}'{reasons}: fix the offer and publish it to preview again"
                ))
            }
        }
    }

    /// A GET that must answer 200: the body, or what was answered with a
    /// hint.
    async fn read(&self, url: &Url, offer: &Offer) -> Result<String, String> {
        let path = url.path();
        let reply = self
            .transport
            .read(url, crate::body::BODY_CAP)
            .await
            .map_err(|error| format!("{path}: {error}"))?;
        if reply.status.is_success() {
            return Ok(reply.body);
        }
        let hint = self
            .offer_hint(reply.status, offer)
            .unwrap_or_else(|| "unexpected answer".to_owned());
        Err(format!(
            "{path} answered HTTP {}{}: {hint}",
            status_text(reply.status),
            error_detail(&reply.body)
        ))
    }

    /// `POST .../offers/{offer_id}/publish`, once, with the notification
    /// addresses when given. An answer that may hide an accepted publish is
    /// settled by reading the offer's list of operations again.
    async fn publish(&self, offer: &Offer, notification_emails: &[String]) -> StartAnswer {
        let url = self.offer_url(offer, "publish");
        let body = if notification_emails.is_empty() {
            serde_json::json!({})
        } else {
            serde_json::json!({"metadata": {"notification-emails": notification_emails.join(",")}})
        }
        .to_string();
        let reply = match self.transport.send(Method::POST, &url, Some(&body)).await {
            Ok(reply) => reply,
            Err(SendError::Body(status, headers, _)) if status.is_success() => Reply {
                status,
                headers: *headers,
                body: String::new(),
            },
            Err(error) if error.nothing_sent() => return StartAnswer::unanswered(error),
            Err(error) => return self.ambiguous_publish(offer, &error.to_string()).await,
        };
        let status = reply.status;
        if status.is_success() {
            return match operation_header(&reply.headers) {
                Some(value) => match operation_at(&self.endpoint.base, &value) {
                    Ok(mut accepted) => {
                        accepted.stage = Stage::Preview;
                        StartAnswer::Accepted(accepted)
                    }
                    Err(_) => {
                        self.ambiguous_publish(offer, "an acceptance naming no readable operation")
                            .await
                    }
                },
                None => {
                    self.ambiguous_publish(offer, "an acceptance naming no operation")
                        .await
                }
            };
        }
        let detail = error_detail(&reply.body);
        if status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE {
            return StartAnswer::NotStarted {
                reason: format!("HTTP {}{detail}", status_text(status)),
                retry_after: retry_after(&reply.headers, clock::wall()),
            };
        }
        if status.is_server_error() {
            return self
                .ambiguous_publish(offer, &format!("HTTP {}{detail}", status_text(status)))
                .await;
        }
        let described = offer.describe();
        let hint = match status.as_u16() {
            422 => format!(
                "{described} failed validation: fix what the service names, then publish again; retrying as it is will not help"
            ),
            409 => format!(
                "another operation is running on {described}; only one can run at a time: wait for it to end (or follow it), then run this again"
            ),
            400 if detail.to_ascii_lowercase().contains("operation") => format!(
                "another operation is probably running on {described}: wait for it to end, then run this again"
            ),
            401 | 403 | 404 => self.offer_hint(status, offer).unwrap_or_default(),
            _ => format!("unexpected answer to the publish request for {described}"),
        };
        StartAnswer::Failed(Failure::Refused(format!(
            "the publish to preview was refused with HTTP {}{detail}: {hint}",
            status_text(status)
        )))
    }

    /// The publish request may have reached the service: a publish now
    /// listed running is taken as the one it started, and followed.
    async fn ambiguous_publish(&self, offer: &Offer, what: &str) -> StartAnswer {
        for rest in ["operations", "submissions/"] {
            let url = self.offer_url(offer, rest);
            if let Ok(body) = self.read(&url, offer).await
                && let Ok((Listing::Publish(Some(id), State::Running, _), _)) = wire::listing(&body)
            {
                return StartAnswer::Accepted(self.listed_at(offer, &id, Stage::Preview));
            }
        }
        StartAnswer::Failed(Failure::MayHaveStarted(format!(
            "the publish to preview got {what}, and the offer's list of operations shows no publish running"
        )))
    }

    /// `POST .../offers/{offer_id}/golive`, once.
    async fn go_live(&self, offer: &Offer) -> StartAnswer {
        let publisher_id = offer.publisher_id.as_deref().unwrap_or_default();
        let offer_id = offer.offer_id.as_str();
        let url = self.go_live_url(publisher_id, offer_id);
        let reply = match self.transport.send(Method::POST, &url, Some("")).await {
            Ok(reply) => reply,
            // An acceptance names its operation in a header: a body that
            // could not be read does not hide it.
            Err(SendError::Body(status, headers, _)) if status.is_success() => Reply {
                status,
                headers: *headers,
                body: String::new(),
            },
            Err(error) => return StartAnswer::unanswered(error),
        };
        let status = reply.status;
        if status.is_success() {
            return match operation_header(&reply.headers) {
                Some(value) => match operation_at(&self.endpoint.base, &value) {
                    Ok(accepted) => StartAnswer::Accepted(accepted),
                    Err(message) => StartAnswer::Failed(Failure::Unfollowable {
                        message,
                        submission: None,
                    }),
                },
                None => StartAnswer::Failed(Failure::Unfollowable {
                    message: format!(
                        "the service answered HTTP {} but named no operation (neither an Operation-Location nor a Location header)",
                        status_text(status)
                    ),
                    submission: None,
                }),
            };
        }

        let detail = error_detail(&reply.body);
        if status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE {
            return StartAnswer::NotStarted {
                reason: format!("HTTP {}{detail}", status_text(status)),
                retry_after: retry_after(&reply.headers, clock::wall()),
            };
        }
        let described = offer.describe();
        let hint = match status.as_u16() {
            400 => format!(
                "the service refused the request for {described}; most often its preview has not been approved (publisher signoff) yet or another operation is still running on it: check the offer in Partner Center, and do not retry before fixing the cause"
            ),
            401 | 403 | 404 => self.offer_hint(status, offer).unwrap_or_default(),
            409 => format!(
                "another operation is running on {described}; only one can run at a time: wait for it to end (or follow it), then run this again"
            ),
            500..=599 => {
                return StartAnswer::Failed(Failure::MayHaveStarted(format!(
                    "go-live was refused with HTTP {}{detail}: the service failed",
                    status_text(status)
                )));
            }
            _ => format!("unexpected answer to the go-live request for {described}"),
        };
        StartAnswer::Failed(Failure::Refused(format!(
            "go-live was refused with HTTP {}{detail}: {hint}",
            status_text(status)
        )))
    }

    /// What a 401, 403 or 404 about the offer means, for any request.
    fn offer_hint(&self, status: StatusCode, offer: &Offer) -> Option<String> {
        let publisher_id = offer.publisher_id.as_deref().unwrap_or_default();
        let name = |input| self.transport.surface().input(input);
        Some(match status.as_u16() {
            401 => self.unauthorized_hint(),
            403 => format!(
                "the service principal is not a user of publisher '{publisher_id}', or the publisher ID is wrong: add the application as a user of the Partner Center account, or check {}",
                name("publisher_id")
            ),
            404 if self.endpoint.base.path().ends_with("/api/") => format!(
                "{api_url} '{}' ends in /api, and every path of the API starts with /api/ already (the request went to .../api/api/...): give {api_url} without it, such as {}",
                self.endpoint.base,
                self.endpoint.kind.api().default_url(),
                api_url = name("api_url")
            ),
            404 => format!(
                "publisher '{publisher_id}' or offer '{}' does not exist: check {} and {}",
                offer.offer_id,
                name("publisher_id"),
                name("offer_id")
            ),
            _ => return None,
        })
    }

    fn unauthorized_hint(&self) -> String {
        if self.transport.can_renew() {
            "the API refused a freshly issued access token: check that the application is a user of the publisher account in Partner Center".to_owned()
        } else {
            format!(
                "the token was refused; it is missing, malformed or has expired: {}",
                self.transport
                    .surface()
                    .fresh_token("https://cloudpartner.azure.com")
            )
        }
    }

    /// `GET` the operation's status monitor, once; only the operation
    /// whose ID is `id` counts.
    async fn status(&self, id: &str, stage: Stage, url: &Url) -> PollAnswer {
        let reply = match self.transport.send(Method::GET, url, None).await {
            Ok(reply) => reply,
            Err(error) => return PollAnswer::unanswered(error),
        };
        let status = reply.status;
        let retry_after = retry_after(&reply.headers, clock::wall());
        if status.is_success() {
            let reason = match wire::our_operation(&reply.body, wire::named_id(id).as_deref()) {
                Ok(operation) => {
                    return PollAnswer::Status {
                        snapshot: match stage {
                            Stage::Live | Stage::Draft => operation.snapshot(),
                            Stage::Preview => preview_snapshot(operation),
                        },
                        retry_after,
                    };
                }
                Err(Unread::NotAnOperation) => format!(
                    "a body that is not an operation ({})",
                    untrusted(reply.body.trim(), 200)
                ),
                Err(Unread::NotOurs(what)) => {
                    format!("a body that is not about this operation: {what}")
                }
            };
            return PollAnswer::Transient {
                reason: format!(
                    "the status monitor answered HTTP {} with {reason}",
                    status_text(status)
                ),
                retry_after,
            };
        }
        let detail = error_detail(&reply.body);
        let code = status.as_u16();
        if matches!(code, 408 | 429 | 500 | 502 | 503 | 504) {
            return PollAnswer::Transient {
                reason: format!(
                    "the status monitor answered HTTP {}{detail}",
                    status_text(status)
                ),
                retry_after,
            };
        }
        let hint = match code {
            401 => self.unauthorized_hint(),
            403 => "the token's application may not read this operation: check that it is a user of the publisher account".to_owned(),
            404 => format!(
                "no such operation: check {}",
                self.transport.surface().input("operation_location")
            ),
            300..=399 => {
                "the status monitor redirected, and redirects are not followed with the token".to_owned()
            }
            _ => "unexpected answer from the status monitor".to_owned(),
        };
        PollAnswer::Failed(format!(
            "the status monitor {url} answered HTTP {}{detail}: {hint}",
            status_text(status)
        ))
    }
}

/// How a publish to preview stands: done once it waits at publisher
/// signoff (the preview is ready to be checked) or completed; failed when
/// a step is blocked, rejected or failed, or carries an error, as waiting
/// will not bring it to signoff.
fn preview_snapshot(operation: wire::Operation) -> Snapshot {
    let at_signoff = operation.waits_for_signoff();
    let mut snapshot = operation.snapshot();
    if snapshot.state == State::Running {
        if at_signoff {
            snapshot.state = State::Succeeded;
            snapshot
                .notes
                .push("the preview waits at publisher signoff: check it, then go live".to_owned());
        } else if !snapshot.reasons.is_empty() {
            snapshot.state = State::Failed;
            snapshot.reasons.push(
                "the publish has stopped short of publisher signoff; waiting will not help: fix the offer and publish it to preview again".to_owned(),
            );
        }
    }
    snapshot
}

/// Turns an `Operation-Location` or `Location` value into an absolute
/// URL. Relative values are resolved against `base` (`api_url`); `$` and the
/// query string are kept as they are.
fn operation_at(base: &Url, value: &str) -> Result<OperationHandle, String> {
    let shown = untrusted(value, 300);
    // An absolute URL is kept as it is and a path goes under api_url's
    // path; neither re-encodes `$`.
    let url = resolve(base, value).map_err(|error| {
        format!("the service accepted go-live but named an operation URL that cannot be read ('{shown}': {error})")
    })?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(format!(
            "the service accepted go-live but named an operation URL that is not http(s) ('{shown}')"
        ));
    }
    let id = CloudPartnerPortal.operation_id(&url).ok_or_else(|| {
        format!("the service accepted go-live but its operation URL '{shown}' names no operation")
    })?;
    Ok(OperationHandle {
        location: url,
        id,
        product_id: None,
        submission_id: None,
        stage: Stage::Live,
        earlier: Earlier::default(),
    })
}

/// The 2018 documentation names the operation in `Operation-Location`, the
/// later one in `Location`; accept either, preferring the former.
fn operation_header(headers: &HeaderMap) -> Option<String> {
    ["operation-location", LOCATION.as_str()]
        .into_iter()
        .filter_map(|name| headers.get(name))
        .filter_map(|value| value.to_str().ok())
        .map(str::trim)
        .find(|value| !value.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arbitrary;
    use proptest::prelude::*;

    /// The words of the answers this module reads.
    const WORDS: &[&str] = &[
        "api",
        "operations",
        "publishers",
        "offers",
        "$",
        "ours",
        "%24",
        "..",
        "",
    ];

    fn base() -> impl Strategy<Value = Url> {
        proptest::sample::select(vec![
            "https://cloudpartner.azure.com/",
            "http://127.0.0.1:8080/proxy/",
            "https://h/a/b/",
        ])
        .prop_map(|base| Url::parse(base).unwrap())
    }

    proptest! {
        #![proptest_config(arbitrary::config())]

        /// Any Location value names an http(s) operation or is refused.
        #[test]
        fn any_location_gives_an_operation_or_an_error(
            base in base(),
            lead in proptest::sample::select(vec!["", "/", "/api/operations/", "https://h/", "//", "./", "?"]),
            value in arbitrary::text(WORDS),
            trail in proptest::sample::select(vec!["", "/", "?api-version=2017-10-31", "/?x=1", "#f"]),
        ) {
            let value = format!("{lead}{value}{trail}");
            if let Ok(operation) = operation_at(&base, &value) {
                prop_assert!(matches!(operation.location.scheme(), "http" | "https"));
                prop_assert!(!operation.id.is_empty());
                prop_assert!(!operation.id.contains('/'));
                // Dot segments resolve as RFC 3986 says, on the same origin.
                let plain = !value.contains(['.', '\\', '%']);
                if plain && value.starts_with('/') && !value.starts_with("//") {
                    prop_assert!(operation.location.path().starts_with(base.path()));
                }
            }
        }

        /// Any header bytes are read or skipped.
        #[test]
        fn any_operation_header_is_read_or_skipped(
            first in proptest::collection::vec(any::<u8>(), 0..80),
            second in proptest::collection::vec(any::<u8>(), 0..80),
        ) {
            let mut headers = HeaderMap::new();
            for (name, bytes) in [("operation-location", first), ("location", second)] {
                if let Ok(value) = reqwest::header::HeaderValue::from_bytes(&bytes) {
                    headers.insert(name, value);
                }
            }
            if let Some(value) = operation_header(&headers) {
                prop_assert!(!value.is_empty());
            }
        }
    }
}

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

mod bundles;
mod change;
mod compare;
mod decide;
pub mod draft;
mod lists;
mod merge;
mod plan;
mod start;
mod status;
mod versions;
mod wire;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::{Method, StatusCode, Url};
use serde_json::Value;

use super::api::{
    Api, BoxFuture, DraftAgainstPreview, Endpoint, FileCheck, PollAnswer, Publisher, StartAnswer,
    with_query_default,
};
use crate::clock;
use crate::failure::Failure;
use crate::http::{Reply, Transport};
use crate::model::{
    DraftAnswer, DraftChange, DraftFile, Earlier, Offer, OfferState, OperationHandle, Snapshot,
    Stage, StartRequest, State,
};
use crate::retry::retry_after;
use crate::text::{status_text, untrusted};
use decide::{
    choose_product, decide, error_detail, is_job_id, is_submission_id, job_snapshot,
    known_message_hint, new_preview, preview_snapshot, product_guid, submission_snapshot,
};
use wire::{
    Collection, JobStatus, Product, Submission, SubmissionState, SubmissionTarget, next_page,
    versioned,
};

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

/// The `$version` resource trees are read at: the newest resource version
/// the reference names, so that no field is hidden from the read and then
/// lost in the write-back.
const READ_VERSION: &str = "2022-07-01";

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

    fn takes_notification_emails(&self) -> bool {
        false
    }

    fn changes_drafts(&self) -> bool {
        true
    }

    fn check_draft_file(&self, what: &DraftFile, text: &str, now: SystemTime) -> FileCheck {
        // Whatever its problems, every SAS query it holds is masked.
        let masks = serde_json::from_str::<Value>(text)
            .map(|parsed| draft::sas_queries(&[parsed]))
            .unwrap_or_default();
        match what {
            DraftFile::Versions { .. } => {
                // A file that holds versions is checked against the state
                // too; one that holds none (not JSON, another shape) is
                // refused at once.
                let (versions, problems) = draft::read_versions_all(text, now);
                FileCheck {
                    masks,
                    problems,
                    with_state: !versions.is_empty(),
                }
            }
            DraftFile::Bundles { .. } => {
                // Checked against the state too, when it holds bundles.
                let (bundles, problems, _) = bundles::read_bundles(text);
                FileCheck {
                    masks,
                    problems,
                    with_state: !bundles.is_empty(),
                }
            }
            DraftFile::Resources => FileCheck {
                masks,
                problems: draft::read_resources(text).err().unwrap_or_default(),
                with_state: false,
            },
        }
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
            sent: std::sync::Mutex::default(),
            products: std::sync::Mutex::default(),
            ended: std::sync::Mutex::default(),
            known: std::sync::Mutex::default(),
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

/// What became of a draft change that was sent.
enum Sent {
    /// Accepted as this job.
    Job(OperationHandle),
    /// Its answer was lost, but the draft holds it: the text says so.
    Landed(String),
}

/// A POST's answer that is not a success, sorted (`Client::sort_refusal`).
enum Refusal {
    /// The service cannot have started it: the reason, and the delay asked.
    NotStarted(String, Option<Duration>),
    /// It may have started: what the answer was.
    Ambiguous(String),
    /// Refused: the message, with its hint.
    Refused(String),
}

/// The path under which the API lives on its host.
const API_PATH: &str = "/rp/product-ingestion";

/// What preview and live hold, read before a draft change.
#[derive(Default)]
struct Published {
    preview: Vec<Value>,
    live: Vec<Value>,
}

struct Client {
    endpoint: Endpoint,
    transport: Arc<Transport>,
    /// The resources each draft change of this run sent, by its job ID:
    /// what the draft must hold once the job succeeded.
    sent: std::sync::Mutex<HashMap<String, (String, Vec<Value>)>>,
    /// Each offer's product, once looked up: its durable ID does not
    /// change during a run, so a draft change and the publish after it
    /// share one lookup.
    products: std::sync::Mutex<HashMap<String, (Product, Option<String>)>>,
    /// The last status of each job that succeeded, by its ID: a job that
    /// has ended is not asked again while its submission is still being
    /// published; only the submissions are read.
    ended: std::sync::Mutex<HashMap<String, Snapshot>>,
    /// What this run has read of each product, by its ID: one read of
    /// each thing, shared by every decision of the run, and forgotten
    /// when a write of this run changes it (`forget`).
    known: std::sync::Mutex<HashMap<String, Known>>,
}

/// What a run has read of one product and not changed since.
#[derive(Default)]
struct Known {
    /// The newest list of its submissions.
    submissions: Option<Vec<Submission>>,
    /// Its resource trees by target (`draft`, `preview`, `live`), as the
    /// service sent them; a target never published holds none.
    trees: HashMap<&'static str, Arc<str>>,
}

/// The tree of a target never published.
const NO_TREE: &str = r#"{"resources": []}"#;

/// A resource tree's resources, from its text.
fn parse_tree(text: &str, target: &str) -> Result<Vec<Value>, ReadError> {
    let tree: wire::ResourceTree = serde_json::from_str(text).map_err(|error| {
        ReadError(
            format!("the {target} resource tree is not one ({error})"),
            None,
        )
    })?;
    Ok(tree.resources)
}

/// What a write changes of what a run knows of a product.
#[derive(Clone, Copy)]
enum Write {
    /// A draft change: the draft tree.
    Draft,
    /// A publish to preview: the submissions and the preview tree.
    Preview,
    /// A go-live: the submissions and the live tree.
    Live,
}

impl Publisher for Client {
    fn verify_draft<'a>(
        &'a self,
        operation: &'a OperationHandle,
    ) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(self.verify_draft(operation))
    }

    fn read_state<'a>(&'a self, offer: &'a Offer) -> BoxFuture<'a, Result<OfferState, Failure>> {
        Box::pin(self.read_state(offer))
    }

    fn go_live<'a>(&'a self, request: &'a StartRequest) -> BoxFuture<'a, StartAnswer> {
        Box::pin(self.go_live(request))
    }

    fn publish<'a>(
        &'a self,
        request: &'a StartRequest,
        _notification_emails: &'a [String],
    ) -> BoxFuture<'a, StartAnswer> {
        Box::pin(self.publish(request))
    }

    fn change_draft<'a>(
        &'a self,
        offer: &'a Offer,
        change: &'a DraftChange,
    ) -> BoxFuture<'a, Result<DraftAnswer, Failure>> {
        Box::pin(self.change_draft(offer, change))
    }

    fn already_published<'a>(
        &'a self,
        request: &'a StartRequest,
    ) -> BoxFuture<'a, DraftAgainstPreview> {
        Box::pin(self.already_published(request))
    }

    fn what_goes_live<'a>(
        &'a self,
        request: &'a StartRequest,
    ) -> BoxFuture<'a, Option<Vec<String>>> {
        Box::pin(async move { self.what_goes_live(request.product_id.as_deref()?).await })
    }

    fn plan<'a>(
        &'a self,
        offer: &'a Offer,
        change: Option<&'a DraftChange>,
    ) -> BoxFuture<'a, Result<super::api::PlanReads, Failure>> {
        Box::pin(self.plan(offer, change))
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
                "{} ({}) is shorter than the Product Ingestion API allows (one status request a minute): requests may be throttled; use 60s or more",
                self.transport.surface().input("poll_interval"),
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
        self.read_sized(url, what, crate::body::BODY_CAP).await
    }

    /// `read`, its answer's body read up to `cap`.
    async fn read_sized(&self, url: &Url, what: &str, cap: usize) -> Result<Reply, ReadError> {
        let reply = self
            .transport
            .read(url, cap)
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
        Ok(self.read_all_paced(first, what).await?.0)
    }

    /// `read_all`, with the `Retry-After` the last page asked for: how
    /// soon a poll may read it again.
    async fn read_all_paced<T: serde::de::DeserializeOwned>(
        &self,
        first: Url,
        what: &str,
    ) -> Result<(Vec<T>, Option<Duration>), ReadError> {
        let mut pace = None;
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
            pace = retry_after(&reply.headers, clock::wall());
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
                let api_url = self.transport.surface().input("api_url");
                next = Some(
                    next_page(&self.endpoint, &url, &link, &api_url).map_err(|why| {
                        ReadError(
                            format!(
                                "{what}: the next page's link ('{}') {why}; stopped reading",
                                untrusted(&link, 200)
                            ),
                            None,
                        )
                    })?,
                );
            }
        }
        Ok((items, pace))
    }

    /// The offer's product, by its external ID, and a note when the
    /// service did not say which product it answered.
    async fn product(&self, offer: &Offer) -> Result<(Product, Option<String>), Failure> {
        let known = self
            .products
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&offer.offer_id)
            .cloned();
        if let Some(known) = known {
            // With its note: whoever reads it first may not tell it.
            return Ok(known);
        }
        let url = self.url("product", &[("externalId", &offer.offer_id)]);
        // Not found is documented as an empty collection, and may be a 404.
        let products: Vec<Product> = match self.read_all(url, "the product").await {
            Ok(products) => products,
            Err(ReadError(_, Some(StatusCode::NOT_FOUND))) => {
                if let Some(hint) = self.api_url_hint() {
                    return Err(Failure::NotSent(format!(
                        "the product lookup was not found (HTTP 404): {hint}"
                    )));
                }
                Vec::new()
            }
            Err(ReadError(message, _)) => return Err(Failure::NotSent(message)),
        };
        let (product, note) = choose_product(
            products,
            &offer.offer_id,
            &self.transport.surface().input("offer_id"),
        )
        .map_err(Failure::NotSent)?;
        if product_guid(&product.id).is_none() {
            return Err(Failure::NotSent(format!(
                "the product of offer '{}' has an ID that cannot be used ('{}')",
                offer.offer_id,
                untrusted(&product.id, 100)
            )));
        }
        self.products
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(offer.offer_id.clone(), (product.clone(), note.clone()));
        Ok((product, note))
    }

    /// The product's submissions, read now (and kept as the newest known).
    async fn submissions(&self, product_id: &str) -> Result<Vec<Submission>, ReadError> {
        let guid = product_guid(product_id).unwrap_or_default();
        let url = self.url(&format!("submission/{guid}"), &[]);
        let submissions = self.read_submissions(url).await?;
        self.knowing(product_id, |known| {
            known.submissions = Some(submissions.clone());
        });
        Ok(submissions)
    }

    /// The product's submissions as this run last read them, or read now.
    async fn known_submissions(&self, product_id: &str) -> Result<Vec<Submission>, ReadError> {
        let known = self.knowing(product_id, |known| known.submissions.clone());
        match known {
            Some(submissions) => Ok(submissions),
            None => self.submissions(product_id).await,
        }
    }

    /// The product's tree for `target` as this run last read it, or read
    /// now.
    async fn known_tree(
        &self,
        product_id: &str,
        target: &'static str,
    ) -> Result<Vec<Value>, ReadError> {
        match self.knowing(product_id, |known| known.trees.get(target).cloned()) {
            Some(text) => parse_tree(&text, target),
            None => self.tree(product_id, target).await,
        }
    }

    /// The tree of a published target (`preview`, `live`): none when the
    /// submissions, which the service lists whole (every active one), show
    /// it never was, or when it answers a refusal (the reference does not
    /// say which: any 4xx but 408 and 429 is read so). An empty list of
    /// submissions proves nothing: then the tree is read.
    async fn published_tree(
        &self,
        product_id: &str,
        target: &'static str,
    ) -> Result<Vec<Value>, ReadError> {
        let wanted = match target {
            "live" => SubmissionTarget::Live,
            _ => SubmissionTarget::Preview,
        };
        let submissions = self.known_submissions(product_id).await?;
        let never = !submissions.is_empty() && !submissions.iter().any(|s| s.target() == wanted);
        if never {
            return Ok(Vec::new());
        }
        match self.known_tree(product_id, target).await {
            Err(ReadError(_, Some(status)))
                if status.is_client_error() && !matches!(status.as_u16(), 408 | 429) =>
            {
                self.knowing(product_id, |known| {
                    known.trees.insert(target, NO_TREE.into());
                });
                Ok(Vec::new())
            }
            read => read,
        }
    }

    /// What this run knows of the product, to read or change.
    fn knowing<T>(&self, product_id: &str, with: impl FnOnce(&mut Known) -> T) -> T {
        let mut known = self
            .known
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        with(known.entry(product_id.to_owned()).or_default())
    }

    /// Before a write: what it changes is read again when next needed.
    fn forget(&self, product_id: &str, write: Write) {
        self.knowing(product_id, |known| match write {
            Write::Draft => {
                known.trees.remove("draft");
            }
            Write::Preview => {
                known.submissions = None;
                known.trees.remove("preview");
            }
            Write::Live => {
                known.submissions = None;
                known.trees.remove("live");
            }
        });
    }

    /// The submissions at `url`, every one named as the service names a
    /// submission: one that is not makes the whole answer not understood,
    /// so that no such ID becomes an output or a request.
    async fn read_submissions(&self, url: Url) -> Result<Vec<Submission>, ReadError> {
        Ok(self.read_submissions_paced(url).await?.0)
    }

    /// `read_submissions`, with the `Retry-After` the answer asked for.
    async fn read_submissions_paced(
        &self,
        url: Url,
    ) -> Result<(Vec<Submission>, Option<Duration>), ReadError> {
        let (submissions, pace): (Vec<Submission>, _) = self
            .read_all_paced(url, "the product's submissions")
            .await?;
        match submissions.iter().find(|s| !is_submission_id(&s.id)) {
            Some(odd) => Err(ReadError(
                format!(
                    "the product's submissions were not understood: one has the ID '{}', which is not submission/<product>/<number>; nothing is taken from them",
                    untrusted(&odd.id, 100).escape_default()
                ),
                None,
            )),
            None => Ok((submissions, pace)),
        }
    }

    /// Looks the product up, reads its submissions, and judges them.
    async fn read_state(&self, offer: &Offer) -> Result<OfferState, Failure> {
        Ok(self.state_and_submissions(offer).await?.0)
    }

    /// `read_state`, with the product and the submissions it was judged
    /// from.
    async fn state_and_submissions(
        &self,
        offer: &Offer,
    ) -> Result<(OfferState, Product, Vec<Submission>), Failure> {
        let (product, note) = self.product(offer).await?;
        let submissions = self
            .known_submissions(&product.id)
            .await
            .map_err(|ReadError(message, _)| Failure::NotSent(message))?;
        let mut state = decide(offer, &product.id, &submissions, |submission, stage| {
            self.submission_handle(&product.id, submission, stage)
        });
        state.notes.extend(note);
        Ok((state, product, submissions))
    }

    /// The status monitor of a go-live or a preview found on the offer:
    /// the product's submissions, where the entry of `submission` for that
    /// stage tells how it goes.
    fn submission_handle(
        &self,
        product_id: &str,
        submission: &str,
        stage: Stage,
    ) -> OperationHandle {
        let guid = product_guid(product_id).unwrap_or_default();
        OperationHandle {
            location: self.url(&format!("submission/{guid}"), &[]),
            id: submission.to_owned(),
            product_id: Some(product_id.to_owned()),
            submission_id: Some(submission.to_owned()),
            stage,
            earlier: Earlier::default(),
        }
    }

    /// The resources of the product's tree for `target` (`draft`,
    /// `preview` or `live`), read now at `READ_VERSION` so that no newer
    /// field is hidden from the read and lost in the write-back (and kept
    /// as the newest known). A target never published (an error answer)
    /// has none.
    async fn tree(&self, product_id: &str, target: &'static str) -> Result<Vec<Value>, ReadError> {
        let guid = product_guid(product_id).unwrap_or_default();
        let mut url = self.url(&format!("resource-tree/product/{guid}"), &[]);
        url.set_query(Some(&format!(
            "targetType={target}&$version={READ_VERSION}"
        )));
        let reply = self
            .read_sized(
                &url,
                &format!("the {target} resource tree"),
                crate::body::TREE_CAP,
            )
            .await?;
        let tree = parse_tree(&reply.body, target)?;
        // Kept as text: a tree of many plans and versions takes several
        // times its size once parsed, and is parsed again where used.
        let text: Arc<str> = reply.body.into();
        self.knowing(product_id, |known| {
            known.trees.insert(target, text);
        });
        Ok(tree)
    }

    /// When `api_url` lacks the API's own path, what to give instead: the
    /// service answers not found to every request then.
    fn api_url_hint(&self) -> Option<String> {
        let base = &self.endpoint.base;
        (!base.path().ends_with(&format!("{API_PATH}/"))).then(|| {
            format!(
                "{} '{base}' lacks the API's path {API_PATH}: give it whole, such as {}",
                self.transport.surface().input("api_url"),
                self.endpoint.kind.api().default_url()
            )
        })
    }

    /// What to do about a refusal, from its status and the known messages
    /// of the service.
    fn hint(&self, status: StatusCode, body: Option<&str>) -> String {
        let body = body.unwrap_or_default().to_ascii_lowercase();
        if let Some(hint) = known_message_hint(&body) {
            return hint.to_owned();
        }
        let surface = self.transport.surface();
        match status.as_u16() {
            400 => format!(
                "the service found the request invalid: check {} and {}",
                surface.input("offer_id"),
                surface.input("api_version")
            ),
            401 if self.transport.can_renew() => "the API refused a freshly issued access token: check that the application was added to the Partner Center account".to_owned(),
            401 => format!(
                "the token was refused: the Product Ingestion API needs a token for https://graph.microsoft.com (not for https://cloudpartner.azure.com); {}",
                surface.fresh_token("https://graph.microsoft.com")
            ),
            403 => "the application is not allowed to do this: it needs the Manager role in Partner Center (Account settings, User management, Microsoft Entra applications)".to_owned(),
            404 => self.api_url_hint().unwrap_or_else(|| format!(
                "not found: check {}, and that the application was added to the Partner Center account that owns the offer",
                surface.input("offer_id")
            )),
            409 | 423 => "another publish is running on the offer: wait for it to end, then run this again".to_owned(),
            _ => "unexpected answer from the Product Ingestion API".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arbitrary;
    use proptest::prelude::*;

    /// The words of the answers this module reads.
    const WORDS: &[&str] = &["configure", "status", "rp", "jobs", "%2F", ""];

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

    proptest! {
        #![proptest_config(arbitrary::config())]

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

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

mod decide;
pub mod draft;
mod wire;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::{Method, StatusCode, Url};
use serde_json::Value;

use super::api::{
    Api, BoxFuture, Endpoint, FileCheck, GoLiveAnswer, PollAnswer, Publisher, with_query_default,
};
use crate::clock;
use crate::failure::Failure;
use crate::http::{Reply, Transport};
use crate::model::{
    DraftAnswer, DraftChange, DraftFile, Earlier, GoLiveRequest, Offer, OfferState,
    OperationHandle, Snapshot, Stage, State,
};
use crate::retry::retry_after;
use crate::text::{status_text, untrusted};
use decide::{
    choose_product, decide, error_detail, is_job_id, is_submission_id, job_snapshot,
    known_message_hint, new_preview, next_page, preview_snapshot, product_guid,
    submission_snapshot, versioned,
};
use wire::{Collection, JobStatus, Product, Submission};

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

    fn go_live<'a>(&'a self, request: &'a GoLiveRequest) -> BoxFuture<'a, GoLiveAnswer> {
        Box::pin(self.go_live(request))
    }

    fn publish<'a>(
        &'a self,
        request: &'a GoLiveRequest,
        _notification_emails: &'a [String],
    ) -> BoxFuture<'a, GoLiveAnswer> {
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
        request: &'a GoLiveRequest,
    ) -> BoxFuture<'a, Option<(OperationHandle, String)>> {
        Box::pin(self.already_published(request))
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
        Ok((items, pace))
    }

    /// The offer's product, by its external ID, and a note when the
    /// service did not say which product it answered.
    async fn product(&self, offer: &Offer) -> Result<(Product, Option<String>), Failure> {
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
        self.read_submissions(url).await
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
        let (product, note) = self.product(offer).await?;
        let submissions = self
            .submissions(&product.id)
            .await
            .map_err(|ReadError(message, _)| Failure::NotSent(message))?;
        let mut state = decide(offer, &product.id, &submissions, |submission, stage| {
            self.submission_handle(&product.id, submission, stage)
        });
        state.notes.extend(note);
        Ok(state)
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
    /// `preview` or `live`), read at `READ_VERSION` so that no newer field
    /// is hidden from the read and lost in the write-back. A target never
    /// published (an error answer) has none.
    async fn tree(&self, product_id: &str, target: &str) -> Result<Vec<Value>, ReadError> {
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
        let tree: wire::ResourceTree = serde_json::from_str(&reply.body).map_err(|error| {
            ReadError(
                format!("the {target} resource tree is not one ({error})"),
                None,
            )
        })?;
        Ok(tree.resources)
    }

    /// Reads the draft (and what is published), merges the image versions
    /// into the plan's technical configuration, and sends the whole
    /// resource unless the draft already holds it. Nothing is sent under a
    /// running publish.
    async fn change_draft(
        &self,
        offer: &Offer,
        change: &DraftChange,
    ) -> Result<DraftAnswer, Failure> {
        let (product, _) = self.product(offer).await?;
        let not_read = |ReadError(message, _)| Failure::NotSent(message);
        let draft = self.tree(&product.id, "draft").await.map_err(not_read)?;
        let file = match &change.what {
            DraftFile::Versions { .. } => None,
            DraftFile::Resources => {
                Some(draft::read_resources(&change.text).map_err(|problems| {
                    Failure::NotSent(format!("{}: {}", change.file, problems.join("; ")))
                })?)
            }
        };
        // What preview and live hold, which a whole list must keep: read
        // whenever a list is sent.
        let lists = file
            .as_ref()
            .is_none_or(|(resources, _)| resources.iter().any(draft::lists_whole));
        let published = if lists {
            self.published(&product.id).await?
        } else {
            Published::default()
        };
        let (resources, unchanged, notes) = match (&change.what, file) {
            (DraftFile::Versions { plan }, _) => {
                let (merged, notes) = self.merged(offer, &draft, &published, plan, change)?;
                (vec![merged.resource], merged.unchanged, notes)
            }
            (DraftFile::Resources, Some((resources, notes))) => {
                let unchanged = draft::already_holds(&draft, &resources);
                (resources, unchanged, notes)
            }
            (DraftFile::Resources, None) => unreachable!("a configure file is read above"),
        };
        let partial = draft::left_out(&resources, &[&published.preview, &published.live]);
        if !partial.is_empty() {
            return Err(Failure::NotSent(format!(
                "the draft of offer '{}' was not changed and nothing was published: {}; put them back in {} and run this again",
                offer.offer_id,
                partial.join("; "),
                match change.what {
                    DraftFile::Versions { .. } =>
                        "the draft (Partner Center, or a configure file that restores them)"
                            .to_owned(),
                    DraftFile::Resources => change.file.clone(),
                }
            )));
        }
        if unchanged {
            return Ok(DraftAnswer::Unchanged {
                seen: format!(
                    "the draft of offer '{}' already holds {}: nothing to change",
                    offer.offer_id,
                    change.describe()
                ),
                notes,
            });
        }
        Ok(match self.send_draft(offer, &product, resources).await? {
            Sent::Job(operation) => DraftAnswer::Started { operation, notes },
            Sent::Landed(seen) => DraftAnswer::Landed { seen, notes },
        })
    }

    /// The draft read again after a change of this run succeeded: what of
    /// it is not there as sent.
    async fn verify_draft(&self, operation: &OperationHandle) -> Result<(), String> {
        let sent = self
            .sent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&operation.id)
            .cloned();
        let Some((product, resources)) = sent else {
            return Ok(());
        };
        let draft = self.tree(&product, "draft").await.map_err(|ReadError(message, _)| {
            format!("the draft could not be read again to check that it holds the change ({message})")
        })?;
        let missing = draft::not_held(&draft, &resources);
        if missing.is_empty() {
            Ok(())
        } else {
            Err(missing.join("; "))
        }
    }

    /// The preview and live resource trees. A target never published
    /// answers a refusal (the reference does not say which: any 4xx but
    /// 408 and 429 is read so) and holds nothing. Any other failure ends
    /// the change before anything is sent: without the tree, a whole list
    /// cannot be checked to keep what is published.
    async fn published(&self, product_id: &str) -> Result<Published, Failure> {
        let mut published = Published::default();
        for target in ["preview", "live"] {
            let tree = match self.tree(product_id, target).await {
                Ok(tree) => tree,
                Err(ReadError(_, Some(status)))
                    if status.is_client_error() && !matches!(status.as_u16(), 408 | 429) =>
                {
                    Vec::new()
                }
                Err(ReadError(message, _)) => {
                    return Err(Failure::NotSent(format!(
                        "{message}; without it, the list sent cannot be checked to keep every published version, so the draft was not changed: run this again"
                    )));
                }
            };
            // Only the technical configurations count: the rest is let go
            // at once, as a tree of many plans and versions is large.
            let configs: Vec<Value> = tree.into_iter().filter(draft::lists_whole).collect();
            match target {
                "preview" => published.preview = configs,
                _ => published.live = configs,
            }
        }
        Ok(published)
    }

    /// The newest preview, when it succeeded and its tree equals the
    /// draft's (`draft::same_tree`): a publish would change nothing.
    async fn already_published(
        &self,
        request: &GoLiveRequest,
    ) -> Option<(OperationHandle, String)> {
        let product = request.product_id.as_deref()?;
        let preview = request.submission_id.as_deref()?;
        let submissions = self.submissions(product).await.ok()?;
        let newest = submissions
            .iter()
            .filter(|s| s.target() == "preview")
            .max_by_key(|s| s.number())?;
        if newest.id != preview || !newest.succeeded() {
            return None;
        }
        let draft = self.tree(product, "draft").await.ok()?;
        let published = self.tree(product, "preview").await.ok()?;
        draft::same_tree(&draft, &published).then(|| {
            (
                self.submission_handle(product, preview, Stage::Preview),
                format!(
                    "the preview of offer '{}' (submission {}) already holds its draft as it stands: nothing to publish",
                    request.offer.offer_id,
                    untrusted(preview, 100)
                ),
            )
        })
    }

    /// The plan's technical configuration with the file's image versions
    /// merged in, from the draft and what is published. Every problem is
    /// listed at once: the file's (then the run ends as a refused input
    /// does) with the offer's state's.
    fn merged(
        &self,
        offer: &Offer,
        draft: &[Value],
        published: &Published,
        plan: &str,
        change: &DraftChange,
    ) -> Result<(draft::Merged, Vec<String>), Failure> {
        let (asked, in_file) = draft::read_versions_all(&change.text, clock::wall());
        let merged = self.merge_into(offer, draft, published, plan, &asked);
        let shown_plan = untrusted(plan, 50);
        match (in_file.is_empty(), merged) {
            (true, Ok(merged)) => Ok(merged),
            (true, Err(in_state)) => Err(Failure::NotSent(format!(
                "the draft of plan '{shown_plan}' was not changed: {}",
                in_state.join("; ")
            ))),
            (false, merged) => {
                let mut problems = in_file;
                if let Err(in_state) = merged {
                    problems.extend(in_state);
                }
                problems.truncate(draft::MOST_PROBLEMS);
                Err(Failure::Invalid(format!(
                    "vm_image_versions '{}' cannot be used: {}; the draft of plan '{shown_plan}' was not changed",
                    change.file.escape_default(),
                    problems.join("; ")
                )))
            }
        }
    }

    /// The merge of `asked` into the plan's draft technical configuration,
    /// or every problem the offer's state finds with it.
    fn merge_into(
        &self,
        offer: &Offer,
        draft: &[Value],
        published: &Published,
        plan: &str,
        asked: &[Value],
    ) -> Result<(draft::Merged, Vec<String>), Vec<String>> {
        let plan_id = draft::plan_id(draft, plan).ok_or_else(|| {
            vec![format!(
                "offer '{}' has no plan '{}' in its draft (its plans: {}): check plan",
                offer.offer_id,
                untrusted(plan, 50),
                draft::plan_names(draft).join(", ")
            )]
        })?;
        let read = draft::tech_config(draft, &plan_id).ok_or_else(|| {
            vec![format!(
                "plan '{}' of offer '{}' has no virtual machine technical configuration in its draft",
                untrusted(plan, 50),
                offer.offer_id
            )]
        })?;
        // A plan that reuses another's technical configuration: that plan
        // is named as the user knows it, by its external ID.
        if let Some(base) = read.get("basePlan").and_then(Value::as_str) {
            let named = draft::plan_external_id(draft, base)
                .map(|name| format!("plan '{}'", untrusted(&name, 50)))
                .unwrap_or_else(|| format!("plan {}", untrusted(base, 200)));
            return Err(vec![format!(
                "plan '{}' reuses the technical configuration of {named}: change that plan's image versions instead",
                untrusted(plan, 50)
            )]);
        }
        let mut versions = Vec::new();
        let mut notes = Vec::new();
        if let Some(config) = draft::tech_config(&published.preview, &plan_id) {
            versions.extend(draft::versions(&config));
        }
        if let Some(config) = draft::tech_config(&published.live, &plan_id) {
            versions.extend(draft::versions(&config));
            notes.extend(draft::sticky_properties(&read, &config).into_iter().map(|name| {
                format!(
                    "plan '{}': vmProperties.{name} is on in the live offer and off in the draft; go-live never changes vmProperties, and the service may keep it on (it cannot be turned off once on)",
                    untrusted(plan, 50)
                )
            }));
        }
        let merged = draft::merge(plan, &read, &versions, asked)?;
        Ok((merged, notes))
    }

    /// Sends the resources to `configure` as one draft change, unless a
    /// publish is in progress.
    async fn send_draft(
        &self,
        offer: &Offer,
        product: &Product,
        resources: Vec<Value>,
    ) -> Result<Sent, Failure> {
        let not_read = |ReadError(message, _)| Failure::NotSent(message);
        let submissions = self.submissions(&product.id).await.map_err(not_read)?;
        if let Some(busy) = submissions.iter().find(|s| s.in_progress()) {
            return Err(Failure::NotSent(format!(
                "a publish is in progress on offer '{}': submission {} to {} has {}; the draft is not changed under it: wait for it to end, then run this again",
                offer.offer_id,
                untrusted(&busy.id, 100),
                untrusted(&busy.target(), 40),
                busy.describe_state()
            )));
        }
        let body = serde_json::json!({
            "$schema": CONFIGURE_SCHEMA,
            "resources": resources,
        })
        .to_string();
        let url = self.url("configure", &[]);
        let reply = match self.transport.send(Method::POST, &url, Some(&body)).await {
            Ok(reply) => reply,
            Err(error) if error.nothing_sent() => {
                return Err(Failure::NotSent(format!("the draft change: {error}")));
            }
            Err(error) => {
                return self
                    .settle_draft(product, &resources, &error.to_string())
                    .await;
            }
        };
        let status = reply.status;
        let detail = error_detail(&reply.body);
        if status.is_success() {
            let job = serde_json::from_str::<JobStatus>(&reply.body)
                .ok()
                .and_then(|job| job.job_id)
                .filter(|id| is_job_id(id));
            return match job {
                Some(job_id) => {
                    self.sent
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .insert(job_id.clone(), (product.id.clone(), resources));
                    let request = GoLiveRequest {
                        offer: offer.clone(),
                        product_id: Some(product.id.clone()),
                        submission_id: None,
                        earlier: Earlier::default(),
                    };
                    Ok(Sent::Job(self.handle(&job_id, &request, Stage::Draft)))
                }
                None => {
                    let what = format!("HTTP {} without a job to follow", status_text(status));
                    self.settle_draft(product, &resources, &what).await
                }
            };
        }
        if status.is_server_error() {
            let what = format!("HTTP {}{detail}", status_text(status));
            return self.settle_draft(product, &resources, &what).await;
        }
        Err(Failure::NotSent(format!(
            "the draft change was refused with HTTP {}{detail}: {}; the draft was not changed",
            status_text(status),
            self.hint(status, Some(&reply.body))
        )))
    }

    /// An answer to the draft change that may hide its landing: the draft
    /// is read again, and holds the change (it landed, nothing more is
    /// sent) or does not (it may still land: a re-run is safe, as the
    /// change is sent whole).
    async fn settle_draft(
        &self,
        product: &Product,
        resources: &[Value],
        what: &str,
    ) -> Result<Sent, Failure> {
        match self.tree(&product.id, "draft").await {
            Ok(draft) if draft::already_holds(&draft, resources) => Ok(Sent::Landed(format!(
                "the draft change got {what}, and the draft now holds it: it landed"
            ))),
            Ok(_) => Err(Failure::MayHaveStarted(format!(
                "the draft change got {what}, and the draft does not hold it yet; a re-run sends it again whole, which is safe"
            ))),
            Err(ReadError(message, _)) => Err(Failure::MayHaveStarted(format!(
                "the draft change got {what}, and reading the draft again failed too ({message}); a re-run sends it again whole, which is safe"
            ))),
        }
    }

    /// The submission resource that publishes the draft to preview: no
    /// `id` key at all, as the reference says.
    fn publish_body(request: &GoLiveRequest) -> String {
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
    async fn publish(&self, request: &GoLiveRequest) -> GoLiveAnswer {
        let url = self.url("configure", &[]);
        let body = Self::publish_body(request);
        let reply = match self.transport.send(Method::POST, &url, Some(&body)).await {
            Ok(reply) => reply,
            Err(error) if error.nothing_sent() => return GoLiveAnswer::unanswered(error),
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
                        GoLiveAnswer::Accepted(handle)
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
            Refusal::NotStarted(reason, retry_after) => GoLiveAnswer::NotStarted {
                reason,
                retry_after,
            },
            Refusal::Ambiguous(what) => self.ambiguous_publish(request, &what).await,
            Refusal::Refused(message) => GoLiveAnswer::Failed(Failure::Refused(message)),
        }
    }

    /// How an answer that is not a success sorts, for a POST that starts an
    /// operation: not started (408, 429: send again), maybe started (5xx:
    /// read the state before anything else), or refused, with its words.
    fn sort_refusal(&self, reply: &Reply, request: &str) -> Refusal {
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
    async fn ambiguous_publish(&self, request: &GoLiveRequest, what: &str) -> GoLiveAnswer {
        let product = request.product_id.as_deref().unwrap_or_default();
        match self.submissions(product).await {
            Ok(submissions) => {
                let running = submissions
                    .iter()
                    .filter(|s| s.target() == "preview" && s.in_progress())
                    .max_by_key(|s| s.number())
                    .map(|s| s.id.clone());
                let new = new_preview(&submissions, &request.earlier);
                match running.or(new) {
                    Some(preview) => GoLiveAnswer::Accepted(self.submission_handle(
                        product,
                        &preview,
                        Stage::Preview,
                    )),
                    None => GoLiveAnswer::Failed(Failure::MayHaveStarted(format!(
                        "the publish to preview got {what}; the submissions show no new preview yet"
                    ))),
                }
            }
            Err(ReadError(message, _)) => GoLiveAnswer::Failed(Failure::MayHaveStarted(format!(
                "the publish to preview got {what}, and reading the submissions again failed too ({message})"
            ))),
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
                    Some(job_id) => {
                        GoLiveAnswer::Accepted(self.handle(&job_id, request, Stage::Live))
                    }
                    None => GoLiveAnswer::Failed(Failure::Unfollowable {
                        message: format!(
                            "the service accepted go-live (HTTP {}) but named no usable job ID",
                            status_text(status)
                        ),
                        submission: request.submission_id.clone(),
                    }),
                },
                Err(_) => GoLiveAnswer::Failed(Failure::Unfollowable {
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
            Refusal::NotStarted(reason, retry_after) => GoLiveAnswer::NotStarted {
                reason,
                retry_after,
            },
            Refusal::Ambiguous(what) => self.ambiguous(request, &what).await,
            Refusal::Refused(message) => GoLiveAnswer::Failed(Failure::Refused(message)),
        }
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
            GoLiveAnswer::Failed(Failure::Unfollowable {
                message: format!(
                    "the go-live request got {what}, but submission {submission} is now going live: go-live WAS accepted; its job ID was lost with the answer"
                ),
                submission: request.submission_id.clone(),
            })
        } else {
            GoLiveAnswer::Failed(Failure::MayHaveStarted(format!(
                "the go-live request got {what}; the submissions show no go-live of submission {submission} yet"
            )))
        }
    }

    fn handle(&self, job_id: &str, request: &GoLiveRequest, stage: Stage) -> OperationHandle {
        OperationHandle {
            location: self.url(&format!("configure/{job_id}/status"), &[]),
            id: job_id.to_owned(),
            product_id: request.product_id.clone(),
            submission_id: request.submission_id.clone(),
            stage,
            earlier: Earlier::default(),
        }
    }

    /// When `api_url` lacks the API's own path, what to give instead: the
    /// service answers not found to every request then.
    fn api_url_hint(&self) -> Option<String> {
        let base = &self.endpoint.base;
        (!base.path().ends_with(&format!("{API_PATH}/"))).then(|| {
            format!(
                "api_url '{base}' lacks the API's path {API_PATH}: give it whole, such as {}",
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
        match status.as_u16() {
            400 => "the service found the request invalid: check offer_id and api_version".to_owned(),
            401 if self.transport.can_renew() => "the API refused a freshly issued access token: check that the application was added to the Partner Center account".to_owned(),
            401 => "the token was refused: the Product Ingestion API needs a token for https://graph.microsoft.com (not for https://cloudpartner.azure.com); pass a fresh one in token, or let the action sign in with tenant_id and client_id".to_owned(),
            403 => "the application is not allowed to do this: it needs the Manager role in Partner Center (Account settings, User management, Microsoft Entra applications)".to_owned(),
            404 => self.api_url_hint().unwrap_or_else(|| "not found: check offer_id, and that the application was added to the Partner Center account that owns the offer".to_owned()),
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
            match operation.stage {
                Stage::Live => self.confirm_live(operation, &mut snapshot).await,
                Stage::Preview => self.confirm_preview(operation, &mut snapshot).await,
                Stage::Draft => {}
            }
        }
        PollAnswer::Status {
            snapshot,
            retry_after,
        }
    }

    /// The submissions at `url`, once: how the live entry of the
    /// operation's submission (or the newest live entry) stands.
    async fn submission_status(&self, operation: &OperationHandle, url: &Url) -> PollAnswer {
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
    async fn confirm_preview(&self, operation: &OperationHandle, snapshot: &mut Snapshot) {
        let product = operation.product_id.as_deref().unwrap_or_default();
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

//! The Product Ingestion API of Microsoft Graph (`$version`
//! 2022-03-01-preview2), under `/rp/product-ingestion` as in production:
//! product lookup by external ID, a product's submissions, `configure`
//! (promote a draft to preview, or a preview to live, as a job), job status
//! and job cancel.
//!
//! Products have a draft, preview and live submissions. A preview runs for
//! `step_duration`; a go-live job runs for `live_duration`, during which
//! the submission is listed as a running `live` entry with the preview's
//! ID, then ends as `Knobs::job_end` says.
//!
//! Choices where the documentation is silent, listed so that nobody takes
//! them for facts about the service:
//! - a product that is not found is an empty collection, never a 404;
//! - a go-live job that fails or is canceled leaves no `live` entry behind;
//! - `$version` may be left out; any other version is refused with 400;
//! - a configure request whose `$schema` is not the pinned one is refused
//!   with 400 `badRequest`, as the old schema host was;
//! - with `Knobs::page_size`, an `@nextLink` is a path that carries only
//!   `continuationToken`, and a page asked for by its token without
//!   `$version` is refused with 400 (the reference calls `$version`
//!   required);
//! - `Knobs::product_lookup` makes the lookup list products other than
//!   the one asked for, or leave out `identity`: an unfiltered page, a
//!   filter the service ignores, a proxy.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, Query, State as Shared};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::{
    BodyShape, Emulator, Knobs, Scope, SharedWorld, Vocabulary, World, error, json_answer,
};

/// Where the API lives under the emulator's URL, as under Graph's.
pub const PREFIX: &str = "/rp/product-ingestion";
pub const VERSION: &str = "2022-03-01-preview2";
pub const CONFIGURE_SCHEMA: &str =
    "https://schema.mp.microsoft.com/schema/configure/2022-03-01-preview2";
pub const SUBMISSION_SCHEMA: &str =
    "https://schema.mp.microsoft.com/schema/submission/2022-03-01-preview2";
/// The `$version` resource trees are read at.
pub const READ_VERSION: &str = "2022-07-01";
/// The schema host that no longer answers; the emulator's technical
/// configurations still name it, as the service's did in 2026.
const DEAD_PREFIX: &str = "https://product-ingestion.azureedge.net/schema/";
const TECH_KIND: &str = "virtual-machine-plan-technical-configuration";
const CONTAINER_KIND: &str = "container-plan-technical-configuration";

/// What the product lookup lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductLookup {
    /// Only the product whose external ID was asked for, as documented.
    Filtered,
    /// Every product of the account, oldest first, whatever was asked.
    Unfiltered,
    /// Only the product asked for, without its `identity`.
    WithoutIdentity,
}

/// How a go-live job ends once `live_duration` has passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobEnd {
    Succeeds,
    /// `internalServerError` "Operation failed", with nested details
    /// `invalidState` "Issues found during Certification.".
    FailsCertification,
    /// `internalServerError` "Certification failed." with `details: {}`,
    /// an object where the documentation has an array.
    FailsCertificationFlat,
    /// `internalServerError` "An In Progress submission <n> already exists."
    FailsInProgress,
    /// `conflict` "...its not the latest submission."
    FailsStalePreview,
    /// Canceled in Partner Center.
    Canceled,
}

#[derive(Default)]
pub(crate) struct Products {
    by_external_id: HashMap<String, Product>,
    jobs: HashMap<String, Job>,
    /// External IDs whose previews and go-live jobs fail from now on
    /// (`Emulator::fail_offer`).
    pub(crate) failing: std::collections::HashSet<String>,
}

struct Product {
    guid: String,
    external_id: String,
    submissions: Vec<Submission>,
    /// Its plans, each with its draft technical configuration.
    plans: Vec<Plan>,
    /// Other draft resources `configure` set (listings, properties, ...),
    /// by `id`, shown in the draft tree.
    others: Vec<Value>,
}

/// A plan of a virtual machine product.
#[derive(Clone)]
struct Plan {
    guid: String,
    external_id: String,
    /// The draft technical configuration, as `configure` last set it.
    tech: Value,
}

#[derive(Clone)]
struct Submission {
    number: u64,
    target: &'static str,
    started: Instant,
    duration: Duration,
    fails: bool,
    /// The go-live job a `live` entry belongs to.
    job: Option<String>,
    /// Never listed (`Knobs::unlisted_preview`).
    unlisted: bool,
    /// The technical configurations and other resources this submission
    /// holds (a preview's, copied from the draft; a live one's, from its
    /// preview).
    techs: Vec<Value>,
}

struct Job {
    id: String,
    product: String,
    number: u64,
    started: Instant,
    duration: Duration,
    end: JobEnd,
    canceled_at: Option<Instant>,
    /// The errors of a draft change that fails (`configure` of a
    /// technical configuration); its draft is left as it was.
    refused: Option<Value>,
}

/// Where a job or submission stands.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Phase {
    Running,
    Succeeded,
    Failed,
    Canceled,
}

impl Job {
    fn phase(&self, now: Instant) -> Phase {
        if self.canceled_at.is_some() {
            return Phase::Canceled;
        }
        if now.duration_since(self.started) < self.duration {
            return Phase::Running;
        }
        if self.refused.is_some() {
            return Phase::Failed;
        }
        match self.end {
            JobEnd::Succeeds => Phase::Succeeded,
            JobEnd::Canceled => Phase::Canceled,
            _ => Phase::Failed,
        }
    }
}

/// `submission/<guid>/<n>`; numbers are 19 digits, as the service's are.
fn submission_id(guid: &str, number: u64) -> String {
    format!("submission/{guid}/{number}")
}

const FIRST_NUMBER: u64 = 1_152_921_504_606_846_976;

/// When a submission was made: a second apart for each number, so that
/// later submissions are newer, as the service's are.
fn created(number: u64) -> String {
    let s = number.saturating_sub(FIRST_NUMBER);
    format!(
        "2026-01-{:02}T{:02}:{:02}:{:02}.0000000Z",
        1 + s / 86_400 % 28,
        s / 3600 % 24,
        s / 60 % 60,
        s % 60
    )
}

impl Products {
    fn product_mut(&mut self, n: u64, external_id: &str) -> &mut Product {
        self.by_external_id
            .entry(external_id.to_owned())
            .or_insert_with(|| Product {
                guid: format!("{n:08x}-7a1c-4e55-9d3f-{:012x}", n * 104_729),
                external_id: external_id.to_owned(),
                submissions: vec![Submission {
                    number: 0,
                    target: "draft",
                    started: Instant::now(),
                    duration: Duration::ZERO,
                    fails: false,
                    job: None,
                    unlisted: false,
                    techs: Vec::new(),
                }],
                plans: Vec::new(),
                others: Vec::new(),
            })
    }

    fn by_guid(&self, guid: &str) -> Option<&Product> {
        self.by_external_id.values().find(|p| p.guid == guid)
    }

    /// A preview submission, started now; returns its ID.
    fn publish_preview(&mut self, knobs: &Knobs, n: u64, external_id: &str) -> String {
        let fails = knobs.failing_preview
            || knobs.preview_job_end != JobEnd::Succeeds
            || self.failing.contains(external_id);
        let product = self.product_mut(n, external_id);
        let number = FIRST_NUMBER + n;
        let techs = product
            .plans
            .iter()
            .map(|plan| plan.tech.clone())
            .chain(product.others.iter().cloned())
            .collect();
        product.submissions.push(Submission {
            number,
            target: "preview",
            started: Instant::now(),
            duration: knobs.step_duration,
            fails,
            job: None,
            unlisted: knobs.unlisted_preview,
            techs,
        });
        submission_id(&product.guid, number)
    }

    fn submission_phase(&self, submission: &Submission, now: Instant) -> Phase {
        if let Some(job) = submission.job.as_ref().and_then(|id| self.jobs.get(id)) {
            // A live submission is published for its `duration` after its
            // job has succeeded.
            let phase = job.phase(now);
            let published_by = job.duration.saturating_add(submission.duration);
            if phase == Phase::Succeeded && now.duration_since(job.started) < published_by {
                return Phase::Running;
            }
            return phase;
        }
        if now.duration_since(submission.started) < submission.duration {
            Phase::Running
        } else if submission.fails {
            Phase::Failed
        } else {
            Phase::Succeeded
        }
    }

    fn describe_submission(&self, knobs: &Knobs, guid: &str, submission: &Submission) -> Value {
        let words = words(knobs);
        let (status, result) = match self.submission_phase(submission, Instant::now()) {
            Phase::Running => (words.running, words.pending),
            Phase::Succeeded => (words.completed, words.succeeded),
            Phase::Failed => (words.completed, words.failed),
            Phase::Canceled => (words.completed, words.canceled),
        };
        json!({
            "$schema": SUBMISSION_SCHEMA,
            "id": format!("{}{}", submission_id(guid, submission.number), knobs.submission_id_suffix.as_deref().unwrap_or_default()),
            "product": format!("product/{guid}"),
            "target": {"targetType": submission.target},
            "lifecycleState": "generallyAvailable",
            "status": status,
            "result": result,
            "created": created(submission.number),
        })
    }

    /// The submissions a product lists: a go-live that failed or was
    /// canceled leaves no `live` entry.
    fn listed<'a>(&'a self, product: &'a Product) -> impl Iterator<Item = &'a Submission> {
        let now = Instant::now();
        product.submissions.iter().filter(move |s| {
            !s.unlisted
                && (s.job.is_none()
                    || matches!(
                        self.submission_phase(s, now),
                        Phase::Running | Phase::Succeeded
                    ))
        })
    }

    fn job_body(&self, knobs: &Knobs, job: &Job) -> Value {
        let words = words(knobs);
        let now = Instant::now();
        let phase = job.phase(now);
        let (status, result) = match phase {
            Phase::Running if now.duration_since(job.started) < job.duration / 10 => {
                (words.not_started, words.pending)
            }
            Phase::Running => (words.running, words.pending),
            Phase::Succeeded => (words.completed, words.succeeded),
            Phase::Failed => (words.completed, words.failed),
            Phase::Canceled => (words.completed, words.canceled),
        };
        let product = self.by_guid(&job.product);
        let resource = submission_id(&job.product, job.number);
        let external_id = product.map(|p| p.external_id.clone()).unwrap_or_default();
        let alternate = knobs.vocabulary == Vocabulary::Alternate;
        let errors = match (phase, job.end) {
            (Phase::Failed, _) if job.refused.is_some() => job.refused.clone().unwrap(),
            (Phase::Failed, JobEnd::FailsCertification) => {
                let deepest = json!({"code": "invalidState", "message": "Image validation: <b>the OS disk is not generalized</b>", "resourceId": {"resourceName": "plan-gen2"}});
                let certification = json!({
                    "code": "invalidState",
                    "message": "Issues found during Certification.",
                    "resourceId": if alternate { json!({"externalId": external_id}) } else { json!(external_id) },
                    "details": if alternate { deepest } else { json!([deepest]) },
                });
                json!([{
                    "code": "internalServerError",
                    "message": "Operation failed",
                    "resourceId": resource,
                    "details": if alternate { certification } else { json!([certification]) },
                }])
            }
            (Phase::Failed, JobEnd::FailsCertificationFlat) => json!([{
                "code": "internalServerError",
                "message": "Certification failed.",
                "resourceId": resource,
                "details": {},
            }]),
            (Phase::Failed, JobEnd::FailsInProgress) => json!([{
                "code": "internalServerError",
                "message": format!("An In Progress submission {} already exists.", job.number + 1),
                "resourceId": resource,
                "details": Value::Null,
            }]),
            (Phase::Failed, _) => json!([{
                "code": if alternate { "Conflict" } else { "conflict" },
                "message": "The submission cannot be pushed to live as its not the latest submission.",
                "resourceId": resource,
            }]),
            _ => json!([]),
        };
        let mut body = json!({
            "$schema": " https://product-ingestion.azureedge.net/schema/configure-status/2022-03-01-preview2",
            "jobStatus": status,
            "jobResult": result,
            "jobStart": "2026-01-01T00:00:00.0000000Z",
            "jobEnd": if phase == Phase::Running { "0001-01-01T00:00:00" } else { "2026-01-02T00:00:00.0000000Z" },
            "resourceUri": format!("https://product-ingestion.mp.microsoft.com/configure/{}", job.id),
            "errors": errors,
        });
        body[if alternate { "jobID" } else { "jobId" }] = json!(job.id);
        body
    }
}

struct Words {
    not_started: &'static str,
    running: &'static str,
    completed: &'static str,
    pending: &'static str,
    succeeded: &'static str,
    failed: &'static str,
    canceled: &'static str,
}

fn words(knobs: &Knobs) -> Words {
    match knobs.vocabulary {
        Vocabulary::Documented => Words {
            not_started: "notStarted",
            running: "running",
            completed: "completed",
            pending: "pending",
            succeeded: "succeeded",
            failed: "failed",
            canceled: "cancelled",
        },
        Vocabulary::Alternate => Words {
            not_started: "NotStarted",
            running: "Running",
            completed: "Completed",
            pending: "Pending",
            succeeded: "Succeeded",
            failed: "Failed",
            canceled: "Canceled",
        },
    }
}

impl Emulator {
    /// Creates a product with this external ID and a draft only, never
    /// published.
    pub fn create_product(&self, external_id: &str) {
        let mut world = self.world().lock().unwrap();
        let n = world.next_id();
        world.ingestion.product_mut(n, external_id);
    }

    /// Creates a virtual machine product with a draft only and these plans
    /// (external IDs). Each plan has a technical configuration with one
    /// sku, `x64Gen2` (or one of each type given as `name[x64Gen1,arm64Gen2]`),
    /// and no image version; a plan given as `byol=standard` reuses the
    /// technical configuration of `standard`.
    pub fn create_vm_product(&self, external_id: &str, plans: &[&str]) {
        let mut world = self.world().lock().unwrap();
        let n = world.next_id();
        let product = world.ingestion.product_mut(n, external_id);
        let guid = product.guid.clone();
        for (i, plan) in plans.iter().enumerate() {
            // `name[x64Gen1,arm64Gen2]`: a sku of each image type.
            let (plan, image_types) = match plan.split_once('[') {
                Some((plan, types)) => (plan, types.trim_end_matches(']').split(',').collect()),
                None => (*plan, vec!["x64Gen2"]),
            };
            let (name, base) = match plan.split_once('=') {
                Some((name, base)) => (name, Some(base)),
                None => (plan, None),
            };
            let plan_guid = format!("{:08x}-6a1c-4e7b-8d3f-{:012x}", n, i + 1);
            let base_guid = base.and_then(|base| {
                product
                    .plans
                    .iter()
                    .find(|p| p.external_id == base)
                    .map(|p| p.guid.clone())
            });
            let mut tech = json!({
                "$schema": format!("{DEAD_PREFIX}{TECH_KIND}/2022-03-01-preview5"),
                "id": format!("{TECH_KIND}/{guid}/{plan_guid}"),
                "product": format!("product/{guid}"),
                "plan": format!("plan/{guid}/{plan_guid}"),
            });
            match base_guid {
                Some(base) => tech["basePlan"] = json!(format!("plan/{guid}/{base}")),
                None => {
                    let object = tech.as_object_mut().unwrap();
                    object.insert("operatingSystem".into(), json!({"family": "linux", "type": "other", "friendlyName": "Contoso Linux"}));
                    object.insert("recommendedVmSizes".into(), json!(["d2s-standard-v5"]));
                    object.insert(
                        "vmProperties".into(),
                        json!({"supportsExtensions": true, "supportsNVMe": false}),
                    );
                    let skus: Vec<Value> = image_types
                        .iter()
                        .map(|image_type| {
                            let suffix = image_type.to_lowercase().replace("x64", "");
                            json!({"imageType": image_type, "skuId": format!("{name}-{suffix}")})
                        })
                        .collect();
                    object.insert("skus".into(), Value::Array(skus));
                    object.insert("vmImageVersions".into(), json!([]));
                }
            }
            product.plans.push(Plan {
                guid: plan_guid,
                external_id: name.to_owned(),
                tech,
            });
        }
    }

    /// Creates a Kubernetes application product (a container product
    /// whose plans take CNAB bundles) with these plans, each with a draft
    /// `container-plan-technical-configuration` of payload type `cnab`,
    /// the cluster extension type `contoso.PLAN` and no reference yet.
    pub fn create_container_product(&self, external_id: &str, plans: &[&str]) {
        let mut world = self.world().lock().unwrap();
        let n = world.next_id();
        let product = world.ingestion.product_mut(n, external_id);
        let guid = product.guid.clone();
        for (i, plan) in plans.iter().enumerate() {
            let plan_guid = format!("{:08x}-7b2d-4f8c-9e40-{:012x}", n, i + 1);
            let tech = json!({
                "$schema": format!("https://schema.mp.microsoft.com/schema/{CONTAINER_KIND}/2022-03-01-preview3"),
                "id": format!("{CONTAINER_KIND}/{guid}/{plan_guid}"),
                "product": format!("product/{guid}"),
                "plan": format!("plan/{guid}/{plan_guid}"),
                "payloadType": "cnab",
                "clusterExtensionType": format!("contoso.{plan}"),
                "cnabReferences": [],
            });
            product.plans.push(Plan {
                guid: plan_guid,
                external_id: (*plan).to_owned(),
                tech,
            });
        }
    }

    /// Sets a resource of the product's draft (by its `id`), as another
    /// writer would (Partner Center, a colleague's run): a technical
    /// configuration replaces its plan's, anything else is kept beside.
    pub fn set_draft_resource(&self, external_id: &str, resource: Value) {
        self.change_product(external_id, |product| {
            match product
                .plans
                .iter_mut()
                .find(|plan| plan.tech["id"] == resource["id"])
            {
                Some(plan) => plan.tech = resource,
                None => {
                    product.others.retain(|held| held["id"] != resource["id"]);
                    product.others.push(resource);
                }
            }
        });
    }

    /// Changes the product with this external ID.
    fn change_product(&self, external_id: &str, change: impl FnOnce(&mut Product)) {
        let mut world = self.world().lock().unwrap();
        let product = world
            .ingestion
            .by_external_id
            .get_mut(external_id)
            .expect("a product with this external ID");
        change(product);
    }

    /// Gives each plan of the product (but those reusing another's
    /// configuration) `count` image versions in its draft, `1.0.0` up,
    /// each a SAS URI of the length real ones have.
    pub fn fill_versions(&self, external_id: &str, count: usize) {
        self.change_product(external_id, |product| fill_plans(product, count));
    }
}

/// `count` image versions in the draft of each plan that does not reuse
/// another's configuration.
fn fill_plans(product: &mut Product, count: usize) {
    for plan in &mut product.plans {
        if plan.tech.get("basePlan").is_some() {
            continue;
        }
        let versions: Vec<Value> = (0..count)
                .map(|n| {
                    let uri = format!(
                        "https://contosoimages.blob.core.windows.net/vhds/{}-1.0.{n}.vhd?sv=2023-11-03&st=2026-01-01T00%3A00%3A00Z&se=2099-01-01T00%3A00%3A00Z&sr=b&sp=r&sig=c2lnbmF0dXJlLW9mLWEtcmVhbC1zYXMtdXJpLWZvci10aGlzLXZoZA%3D%3D",
                        plan.external_id
                    );
                    json!({"versionNumber": format!("1.0.{n}"), "lifecycleState": "generallyAvailable",
                        "vmImages": [{"imageType": "x64Gen2", "source": {"sourceType": "sasUri",
                            "osDisk": {"uri": uri}, "dataDisks": [{"lunNumber": 0, "uri": uri.replace(".vhd?", "-data.vhd?")}]}}]})
                })
                .collect();
        plan.tech["vmImageVersions"] = Value::Array(versions);
    }
}

impl Emulator {
    /// The other draft resources `configure` set on the product.
    pub fn draft_resources(&self, external_id: &str) -> Vec<Value> {
        let world = self.world().lock().unwrap();
        world
            .ingestion
            .by_external_id
            .get(external_id)
            .map(|product| product.others.clone())
            .unwrap_or_default()
    }

    /// The draft technical configuration of a plan, as the emulator holds
    /// it.
    pub fn draft_tech(&self, external_id: &str, plan: &str) -> Option<Value> {
        let world = self.world().lock().unwrap();
        let product = world.ingestion.by_external_id.get(external_id)?;
        product
            .plans
            .iter()
            .find(|p| p.external_id == plan)
            .map(|p| p.tech.clone())
    }

    /// Publishes the product with this external ID to preview (creating
    /// the product with a draft first, when it is new), as a workflow's
    /// publish step would; returns the preview submission's ID.
    pub fn publish_preview(&self, external_id: &str) -> String {
        let mut world = self.world().lock().unwrap();
        let n = world.next_id();
        let World {
            knobs, ingestion, ..
        } = &mut *world;
        ingestion.publish_preview(knobs, n, external_id)
    }

    /// The `product/<guid>` ID of the product with this external ID.
    pub fn product_id(&self, external_id: &str) -> Option<String> {
        let world = self.world().lock().unwrap();
        world
            .ingestion
            .by_external_id
            .get(external_id)
            .map(|product| format!("product/{}", product.guid))
    }

    /// Ends every Product Ingestion submission and job still running, now,
    /// as it would end when its time is up: a test moves the service on
    /// when it chooses, never by waiting for the clock.
    pub fn end_running_now(&self) {
        let mut world = self.world().lock().unwrap();
        let products = &mut world.ingestion;
        for product in products.by_external_id.values_mut() {
            for submission in &mut product.submissions {
                submission.duration = Duration::ZERO;
            }
        }
        for job in products.jobs.values_mut() {
            job.duration = Duration::ZERO;
        }
    }

    /// Waits until the product's newest preview has ended; at most `limit`.
    pub fn wait_for_preview(&self, external_id: &str, limit: Duration) -> bool {
        self.wait_until(limit, |world| {
            let products = &world.ingestion;
            products
                .by_external_id
                .get(external_id)
                .and_then(|p| p.submissions.iter().rfind(|s| s.target == "preview"))
                .is_some_and(|s| products.submission_phase(s, Instant::now()) != Phase::Running)
        })
    }
}

pub(crate) fn routes(world: SharedWorld) -> Router<SharedWorld> {
    Router::new()
        .route(&format!("{PREFIX}/product"), get(product))
        .route(&format!("{PREFIX}/submission/{{guid}}"), get(submissions))
        .route(&format!("{PREFIX}/configure"), post(configure))
        .route(
            &format!("{PREFIX}/configure/{{job}}/status"),
            get(job_status),
        )
        .route(&format!("{PREFIX}/configure/{{job}}/cancel"), post(cancel))
        .route(
            &format!("{PREFIX}/resource-tree/product/{{guid}}"),
            get(resource_tree),
        )
        .route_layer(axum::middleware::from_fn_with_state(world, admit))
}

/// Every request of the API, before its handler: its token (the
/// `$version` each handler checks, as the routes take different ones).
async fn admit(
    Shared(world): Shared<SharedWorld>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let refused = world
        .lock()
        .unwrap()
        .check_token(request.headers(), Scope::Graph);
    match refused {
        Some(refused) => refused,
        None => next.run(request).await,
    }
}

/// Checks `$version` and the token; `None` when both are good.
fn refusal(query: &HashMap<String, String>) -> Option<Response> {
    let version = query.get("$version")?;
    (version != VERSION).then(|| {
        error(
            400,
            "badRequest",
            &format!("The version '{version}' is not supported."),
        )
    })
}

async fn product(
    Shared(world): Shared<SharedWorld>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let world = world.lock().unwrap();
    if let Some(refused) = refusal(&query) {
        return refused;
    }
    let wanted = query
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("externalId"))
        .map(|(_, value)| value.clone())
        .unwrap_or_default();
    let alternate = world.knobs.vocabulary == Vocabulary::Alternate;
    let lookup = world.knobs.product_lookup;
    let mut listed: Vec<&Product> = match lookup {
        ProductLookup::Unfiltered => world.ingestion.by_external_id.values().collect(),
        _ => world
            .ingestion
            .by_external_id
            .get(&wanted)
            .into_iter()
            .collect(),
    };
    // Oldest first: a product's GUID starts with its creation number.
    listed.sort_by(|a, b| a.guid.cmp(&b.guid));
    let found: Vec<Value> = listed
        .into_iter()
        .map(|product| {
            let mut described = json!({
                "$schema": "https://schema.mp.microsoft.com/schema/product/2022-03-01-preview2",
                "id": format!("product/{}", product.guid),
                "identity": {(if alternate { "externalID" } else { "externalId" }): product.external_id},
                "type": "azureVirtualMachine",
                "alias": product.external_id,
            });
            if lookup == ProductLookup::WithoutIdentity {
                described.as_object_mut().unwrap().remove("identity");
            }
            described
        })
        .collect();
    match (alternate, found.as_slice()) {
        (true, [one]) => json_answer(200, one.clone()),
        _ => page(
            &world.knobs,
            &query,
            &format!("product?externalId={wanted}&"),
            found,
        ),
    }
}

/// `{"value": [...]}`: everything, or with `Knobs::page_size` the page
/// that `continuationToken` names, with an `@nextLink` to the next one
/// that carries only its token. `link` is the collection's path under
/// the API and the start of its query.
fn page(
    knobs: &Knobs,
    query: &HashMap<String, String>,
    link: &str,
    mut items: Vec<Value>,
) -> Response {
    let Some(size) = knobs.page_size.filter(|size| *size > 0) else {
        return json_answer(200, json!({"value": items}));
    };
    let from = match query.get("continuationToken") {
        None => 0,
        Some(_) if !query.contains_key("$version") => {
            return error(
                400,
                "badRequest",
                "The query parameter $version is required.",
            );
        }
        Some(token) => match token.parse::<usize>() {
            Ok(from) => from.min(items.len()),
            Err(_) => return error(400, "badRequest", "The continuation token is not valid."),
        },
    };
    let rest = items.split_off(from);
    let more = rest.len() > size;
    let value: Vec<Value> = rest.into_iter().take(size).collect();
    let mut body = json!({"value": value});
    if more {
        let prefix = knobs.path_prefix.as_deref().unwrap_or_default();
        body["@nextLink"] = json!(format!(
            "{prefix}{PREFIX}/{link}continuationToken={}",
            from + size
        ));
    }
    json_answer(200, body)
}

async fn submissions(
    Shared(world): Shared<SharedWorld>,
    Path(guid): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let world = world.lock().unwrap();
    if let Some(refused) = refusal(&query) {
        return refused;
    }
    let products = &world.ingestion;
    let Some(product) = products.by_guid(&guid) else {
        return error(404, "notFound", "The product was not found.");
    };
    let value: Vec<Value> = products
        .listed(product)
        .map(|s| products.describe_submission(&world.knobs, &guid, s))
        .collect();
    let running = products
        .listed(product)
        .any(|s| products.submission_phase(s, Instant::now()) == Phase::Running);
    let mut response = page(&world.knobs, &query, &format!("submission/{guid}?"), value);
    // While a submission is being published, the list asks to be read
    // no sooner than `retry_after`, as a status monitor does.
    if let Some(seconds) = world.knobs.retry_after
        && running
    {
        response
            .headers_mut()
            .insert("retry-after", seconds.to_string().parse().unwrap());
    }
    response
}

async fn configure(
    Shared(world): Shared<SharedWorld>,
    Query(query): Query<HashMap<String, String>>,
    body: String,
) -> Response {
    let mut world = world.lock().unwrap();
    if let Some(refused) = refusal(&query) {
        return refused;
    }
    let Ok(request) = serde_json::from_str::<Value>(&body) else {
        return error(400, "badRequest", "The request body is not JSON.");
    };
    let schema = request["$schema"].as_str().unwrap_or_default();
    if schema != CONFIGURE_SCHEMA {
        return error(
            400,
            "badRequest",
            &format!("Schema {schema} could not be accessed."),
        );
    }
    let resource = &request["resources"][0];
    let is_tech = resource["id"].as_str().is_some_and(|id| {
        id.starts_with(TECH_KIND)
            || id.starts_with(&format!("core-{TECH_KIND}"))
            || id.starts_with(CONTAINER_KIND)
    });
    if is_tech {
        return configure_tech(&mut world, resource);
    }
    let resources = request["resources"].as_array().cloned().unwrap_or_default();
    let submits = resources.iter().any(|r| {
        r["$schema"]
            .as_str()
            .is_some_and(|s| s.contains("/submission/"))
    });
    if !submits {
        return configure_others(&mut world, resources);
    }
    if resource["$schema"].as_str() != Some(SUBMISSION_SCHEMA) {
        return error(
            400,
            "schemaValidationError",
            &format!(
                "Schema validation failed for schema {}: Required properties [\"sources\"] were not present",
                resource["$schema"].as_str().unwrap_or_default()
            ),
        );
    }
    let id = resource["id"].as_str().unwrap_or_default().to_owned();
    let target = resource["target"]["targetType"]
        .as_str()
        .unwrap_or_default();
    let guid = resource["product"]
        .as_str()
        .unwrap_or_default()
        .trim_start_matches("product/")
        .to_owned();
    let n = world.next_id();
    let World {
        knobs, ingestion, ..
    } = &mut *world;
    let Some(product) = ingestion.by_guid(&guid) else {
        return error(404, "notFound", "The product was not found.");
    };
    // A publish to preview names no submission (no `id` key at all, as
    // the reference says): it publishes the draft.
    let Some(submission) = product
        .submissions
        .iter()
        .find(|s| {
            submission_id(&guid, s.number) == id
                || (resource.get("id").is_none() && target == "preview" && s.target == "draft")
        })
        .cloned()
    else {
        return error(
            400,
            "badRequest",
            &format!("The resource {id} was not found."),
        );
    };
    let external_id = product.external_id.clone();
    let (number, duration, end) = match (target, submission.target) {
        ("preview", "draft") => {
            let preview = ingestion.publish_preview(knobs, n, &external_id);
            let number = preview.rsplit('/').next().unwrap().parse().unwrap();
            let end = if knobs.failing_preview || ingestion.failing.contains(&external_id) {
                JobEnd::FailsCertification
            } else {
                knobs.preview_job_end
            };
            (number, knobs.step_duration, end)
        }
        ("live", "preview") if ingestion.failing.contains(&external_id) => (
            submission.number,
            knobs.live_duration,
            JobEnd::FailsCertification,
        ),
        ("live", "preview") => (submission.number, knobs.live_duration, knobs.job_end),
        _ => {
            return error(
                400,
                "badRequest",
                &format!("Submission {id} cannot be pushed to {target}."),
            );
        }
    };
    let job_id = format!("{n:08x}-3c4d-4b1a-8e2f-{:012x}", n * 7919);
    if target == "live" {
        let product = ingestion.by_external_id.get_mut(&external_id).unwrap();
        product.submissions.push(Submission {
            job: Some(job_id.clone()),
            target: "live",
            duration: knobs.live_submission_lag,
            ..submission
        });
    }
    ingestion.jobs.insert(
        job_id.clone(),
        Job {
            id: job_id.clone(),
            product: guid,
            number,
            started: Instant::now(),
            duration,
            end,
            canceled_at: None,
            refused: None,
        },
    );
    let body = ingestion.job_body(knobs, &ingestion.jobs[&job_id]);
    json_answer(202, body)
}

/// The versions of a technical configuration, by number.
fn versions_of(tech: &Value) -> Vec<(String, Value)> {
    tech["vmImageVersions"]
        .as_array()
        .map(|versions| {
            versions
                .iter()
                .map(|v| {
                    (
                        v["versionNumber"].as_str().unwrap_or_default().to_owned(),
                        v.clone(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A version's images with the SAS fields that change with each token left
/// out, to tell a resent version from a changed one.
fn images_of(version: &Value) -> String {
    let text = version["vmImages"].to_string();
    text.split(['?', '"'])
        .filter(|part| !part.contains("sig=") && !part.contains("se="))
        .collect::<Vec<_>>()
        .join("")
}

/// The refusals of a container plan's configuration: a published CNAB
/// reference left out, or sent with another digest (the service's own
/// words for the second; the first is not documented).
fn container_errors(published: &[Value], resource: &Value) -> Vec<Value> {
    let key = |r: &Value| (r["repositoryName"].clone(), r["tag"].clone());
    let sent = resource["cnabReferences"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut errors = Vec::new();
    for before in published {
        let tag = before["tag"].as_str().unwrap_or_default();
        match sent.iter().find(|r| key(r) == key(before)) {
            None => errors.push(json!({"code": "badRequest",
                "message": format!("Cannot delete CNAB reference '{}:{tag}' as it is already published.", before["repositoryName"].as_str().unwrap_or_default())})),
            Some(after) if after["digest"] != before["digest"] => {
                let parts: Vec<u64> = tag.split('.').filter_map(|p| p.parse().ok()).collect();
                let next = match parts.as_slice() {
                    [major, minor, build] => format!("{major}.{minor}.{}", build + 1),
                    _ => format!("{tag}.1"),
                };
                errors.push(json!({"code": "badRequest",
                    "message": format!("The CNAB has been updated without updating the version. Please publish again and increment your version from {tag} to {next}.")}));
            }
            Some(_) => {}
        }
    }
    errors
}

/// `configure` of a technical configuration: the whole list of versions
/// replaces the draft's, as a short job. A published version (in the
/// newest preview or live) left out or changed, other than deprecated,
/// fails the job with the service's words, and the draft stays as it was.
fn configure_tech(world: &mut World, resource: &Value) -> Response {
    let schema = resource["$schema"].as_str().unwrap_or_default();
    if schema.starts_with(DEAD_PREFIX) {
        return error(
            400,
            "badRequest",
            &format!("Schema {schema} could not be accessed."),
        );
    }
    let n = world.next_id();
    let World {
        knobs, ingestion, ..
    } = world;
    let guid = resource["product"]
        .as_str()
        .unwrap_or_default()
        .trim_start_matches("product/")
        .to_owned();
    let plan_id = resource["plan"].as_str().unwrap_or_default().to_owned();
    let now = Instant::now();
    let Some(product) = ingestion.by_guid(&guid) else {
        return error(404, "notFound", "The product was not found.");
    };
    let Some(plan) = product
        .plans
        .iter()
        .find(|plan| format!("plan/{guid}/{}", plan.guid) == plan_id)
    else {
        return error(
            400,
            "badRequest",
            &format!("The resource {plan_id} was not found."),
        );
    };
    let newest = |target: &str| {
        product
            .submissions
            .iter()
            .filter(|s| {
                s.target == target && ingestion.submission_phase(s, now) == Phase::Succeeded
            })
            .max_by_key(|s| s.number)
    };
    let mut published: Vec<(String, Value)> = Vec::new();
    let mut published_references: Vec<Value> = Vec::new();
    for submission in [newest("preview"), newest("live")].into_iter().flatten() {
        for tech in submission
            .techs
            .iter()
            .filter(|t| t["plan"] == json!(plan_id))
        {
            published.extend(versions_of(tech));
            published_references.extend(
                tech["cnabReferences"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default(),
            );
        }
    }
    let sent = versions_of(resource);
    let mut errors = container_errors(&published_references, resource);
    if plan.tech.get("basePlan").is_some() {
        errors.push(json!({"code": "badRequest", "message": format!("Plan {plan_id} reuses the technical configuration of another plan and cannot be changed.")}));
    }
    for (number, before) in &published {
        let kept = sent.iter().find(|(sent_number, _)| sent_number == number);
        let ok = kept.is_some_and(|(_, after)| {
            images_of(after) == images_of(before) || after["lifecycleState"] == json!("deprecated")
        });
        if !ok
            && !errors.iter().any(|e| {
                e["message"]
                    .as_str()
                    .is_some_and(|m| m.contains(&format!("'{number}'")))
            })
        {
            let image_type = before["vmImages"][0]["imageType"]
                .as_str()
                .unwrap_or("x64Gen2");
            let shown_type = format!("{}{}", image_type[..1].to_uppercase(), &image_type[1..]);
            errors.push(json!({
                "code": "badRequest",
                "message": format!("Cannot delete image '{number}' of type '{shown_type}' as it is already published."),
                "details": [{"code": "invalidResource", "message": "Failure for resource: virtual-machine-plan-technical-configuration-0, schema: virtual-machine-plan-technical-configuration"}],
            }));
        }
    }
    if knobs.unreadable_sas {
        // The service quotes the SAS URI it could not read, query and all,
        // as it was sent and percent-decoded.
        for (number, version) in &sent {
            let uri = version["vmImages"][0]["source"]["osDisk"]["uri"]
                .as_str()
                .unwrap_or_default();
            let decoded = percent_encoding::percent_decode_str(uri).decode_utf8_lossy();
            errors.push(json!({
                "code": "badRequest",
                "message": format!("Failure: Copying Images. Not able to download blob {uri} due to authorization error."),
                "details": [{"code": "invalidResource", "message": format!("Version {number}: the source {decoded} cannot be read.")}],
            }));
        }
    }
    let refused = (!errors.is_empty()).then_some(Value::Array(errors));
    // Another writer puts the draft back while the job runs: the job
    // succeeds, and the draft does not hold the change.
    if refused.is_none() && !knobs.draft_overwritten {
        let external_id = product.external_id.clone();
        let plan_guid = plan.guid.clone();
        let product = ingestion.by_external_id.get_mut(&external_id).unwrap();
        let plan = product
            .plans
            .iter_mut()
            .find(|p| p.guid == plan_guid)
            .unwrap();
        plan.tech = resource.clone();
    }
    draft_job(knobs, ingestion, n, guid, refused)
}

/// A draft change's job, which ends after `step_duration`: failed with
/// `refused` when given, else succeeded. Answers 202 with its status.
fn draft_job(
    knobs: &Knobs,
    ingestion: &mut Products,
    n: u64,
    product: String,
    refused: Option<Value>,
) -> Response {
    let job_id = format!("{n:08x}-3c4d-4b1a-8e2f-{:012x}", n * 7919);
    ingestion.jobs.insert(
        job_id.clone(),
        Job {
            id: job_id.clone(),
            product,
            number: 0,
            started: Instant::now(),
            duration: knobs.step_duration,
            end: JobEnd::Succeeds,
            canceled_at: None,
            refused,
        },
    );
    let body = ingestion.job_body(knobs, &ingestion.jobs[&job_id]);
    json_answer(202, body)
}

/// `configure` of other draft resources: each replaces the draft's of the
/// same `id` (or is added), as a short job. The emulator takes either one
/// technical configuration or other resources in one request.
fn configure_others(world: &mut World, resources: Vec<Value>) -> Response {
    let n = world.next_id();
    let World {
        knobs, ingestion, ..
    } = world;
    let Some(guid) = resources
        .first()
        .and_then(|r| r["product"].as_str())
        .map(|p| p.trim_start_matches("product/").to_owned())
    else {
        return error(400, "badRequest", "The resource names no product.");
    };
    let Some(external_id) = ingestion.by_guid(&guid).map(|p| p.external_id.clone()) else {
        return error(404, "notFound", "The product was not found.");
    };
    if let Some(resource) = resources.iter().find(|r| {
        r["$schema"]
            .as_str()
            .is_some_and(|s| s.starts_with(DEAD_PREFIX))
    }) {
        return error(
            400,
            "badRequest",
            &format!(
                "Schema {} could not be accessed.",
                resource["$schema"].as_str().unwrap_or_default()
            ),
        );
    }
    let product = ingestion.by_external_id.get_mut(&external_id).unwrap();
    for resource in resources {
        product
            .others
            .retain(|held| held["id"] != resource["id"] || resource["id"].is_null());
        product.others.push(resource);
    }
    draft_job(knobs, ingestion, n, guid, None)
}

/// `GET resource-tree/product/{guid}?targetType=...`: the product, its
/// plans and their technical configurations as the target holds them (the
/// draft as `configure` last set it; a preview or live tree as its newest
/// submission that succeeded holds it, its resources in another order),
/// and in a draft tree the draft submission. A target never published is
/// a 404.
async fn resource_tree(
    Shared(world): Shared<SharedWorld>,
    Path(guid): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let world = world.lock().unwrap();
    if let Some(version) = query.get("$version")
        && version != READ_VERSION
        && version != VERSION
    {
        return error(
            400,
            "badRequest",
            &format!("The version '{version}' is not supported."),
        );
    }
    let products = &world.ingestion;
    let Some(product) = products.by_guid(&guid) else {
        return error(404, "notFound", "The product was not found.");
    };
    let target = query
        .get("targetType")
        .map(|t| t.trim_matches('"').to_owned())
        .unwrap_or_else(|| "draft".to_owned());
    let now = Instant::now();
    let techs: Vec<Value> = match target.as_str() {
        "draft" => product.plans.iter().map(|plan| plan.tech.clone()).collect(),
        "preview" | "live" => {
            let Some(submission) = product
                .submissions
                .iter()
                .filter(|s| {
                    s.target == target && products.submission_phase(s, now) == Phase::Succeeded
                })
                .max_by_key(|s| s.number)
            else {
                return error(
                    404,
                    "notFound",
                    &format!("The product has no {target} submission."),
                );
            };
            submission.techs.clone()
        }
        _ => {
            return error(
                400,
                "badRequest",
                &format!("Unknown target type '{target}'."),
            );
        }
    };
    let mut resources = vec![json!({
        "$schema": "https://schema.mp.microsoft.com/schema/product/2022-03-01-preview3",
        "id": format!("product/{guid}"),
        "identity": {"externalId": product.external_id},
        "type": "azureVirtualMachine",
        "alias": product.external_id,
    })];
    for plan in &product.plans {
        resources.push(json!({
            "$schema": format!("{DEAD_PREFIX}plan/2022-03-01-preview2"),
            "id": format!("plan/{guid}/{}", plan.guid),
            "product": format!("product/{guid}"),
            "identity": {"externalId": plan.external_id},
            "alias": plan.external_id,
            "azureRegions": ["azureGlobal"],
        }));
    }
    resources.extend(techs);
    if target == "draft" {
        resources.extend(product.others.iter().cloned());
        resources.push(json!({
            "$schema": SUBMISSION_SCHEMA,
            "id": submission_id(&guid, 0),
            "product": format!("product/{guid}"),
            "target": {"targetType": "draft"},
        }));
    }
    // The service keeps no order: a published tree lists its resources in
    // another order than the draft.
    if target != "draft" {
        resources[1..].reverse();
    }
    // A listing asset's URL carries a SAS that the service signs anew at
    // every read.
    static READS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let read = READS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    for resource in &mut resources {
        let asset = resource["$schema"]
            .as_str()
            .is_some_and(|schema| schema.contains("/listing-asset/"));
        if let (true, Some(url)) = (asset, resource["url"].as_str())
            && let Some((bare, _)) = url.split_once('?')
        {
            resource["url"] = json!(format!(
                "{bare}?sv=2023-11-03&se=2026-12-31T00%3A00%3A00Z&sr=b&sp=r&sig=read{read}"
            ));
        }
    }
    json_answer(
        200,
        json!({
            "$schema": "https://schema.mp.microsoft.com/schema/resource-tree/2022-03-01-preview2",
            "root": format!("product/{guid}"),
            "target": {"targetType": target},
            "resources": resources,
        }),
    )
}

async fn job_status(
    Shared(world): Shared<SharedWorld>,
    Path(job): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let world = world.lock().unwrap();
    if let Some(refused) = refusal(&query) {
        return refused;
    }
    let Some(job) = world.ingestion.jobs.get(&job) else {
        return error(404, "notFound", "The job was not found.");
    };
    let mut body = world.ingestion.job_body(&world.knobs, job);
    if world.knobs.body_shape == BodyShape::OthersOnly {
        let words = words(&world.knobs);
        let id = if body.get("jobID").is_some() {
            "jobID"
        } else {
            "jobId"
        };
        body[id] = json!("0a1b2c3d-0000-4000-8000-000000000001");
        body["jobStatus"] = json!(words.completed);
        body["jobResult"] = json!(words.succeeded);
        body["errors"] = json!([]);
    }
    let mut response = json_answer(200, body);
    if let Some(seconds) = world.knobs.retry_after
        && job.phase(Instant::now()) == Phase::Running
    {
        response
            .headers_mut()
            .insert("retry-after", seconds.to_string().parse().unwrap());
    }
    response
}

async fn cancel(
    Shared(world): Shared<SharedWorld>,
    Path(job): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let mut world = world.lock().unwrap();
    if let Some(refused) = refusal(&query) {
        return refused;
    }
    let World {
        knobs, ingestion, ..
    } = &mut *world;
    let now = Instant::now();
    let Some(found) = ingestion.jobs.get_mut(&job) else {
        return error(404, "notFound", "The job was not found.");
    };
    if found.phase(now) != Phase::Running {
        return json_answer(
            400,
            json!({"error": {"code": "badRequest", "message": "Cannot cancel job, job has already completed.", "details": []}}),
        );
    }
    found.canceled_at = Some(now);
    let body = ingestion.job_body(knobs, &ingestion.jobs[&job]);
    json_answer(200, body)
}

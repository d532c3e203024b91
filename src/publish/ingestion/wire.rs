//! The Product Ingestion API's JSON, read leniently, with every
//! contradiction of its documentation tolerated: `jobId` or `jobID`,
//! `externalId` or `externalID`, any case in status words, `cancelled` or
//! `canceled`, `details` as a list, an object, null or absent, `resourceId`
//! as a string or an object, a collection or a bare object. The `$schema`
//! of an answer is never read.

use reqwest::Url;
use serde::Deserialize;

use crate::model::State;
use crate::publish::api::Endpoint;
use crate::publish::lenient::{Item, OneOrMany, Text, or_none, shown, valid};

/// `{"value": [...], "@nextLink": "..."}`, or a bare object where a
/// collection was documented.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Collection<T> {
    Page {
        value: Vec<Item<T>>,
        #[serde(rename = "@nextLink")]
        next_link: Option<String>,
    },
    Bare(T),
}

impl<T> Collection<T> {
    pub fn into_parts(self) -> (Vec<T>, Option<String>) {
        match self {
            Collection::Page { value, next_link } => (
                valid(value).collect(),
                next_link.filter(|link| !link.trim().is_empty()),
            ),
            Collection::Bare(item) => (vec![item], None),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Product {
    /// `product/<guid>`.
    pub id: String,
    #[serde(default, alias = "Identity")]
    pub identity: Identity,
}

/// What a product says of its external ID: its `identity.externalId`, the
/// key in any casing (`externalId`, `externalID`, `ExternalId`, ...).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Identity {
    /// No identity at all: none, null, not an object, or an object with no
    /// external ID in it.
    #[default]
    Absent,
    ExternalId(String),
    /// An external ID that is not text, or several that disagree: it
    /// names no product that can be trusted to be the one asked for.
    Unclear,
}

impl<'de> Deserialize<'de> for Identity {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Identity, D::Error> {
        let serde_json::Value::Object(identity) = serde_json::Value::deserialize(deserializer)?
        else {
            return Ok(Identity::Absent);
        };
        let mut said: Vec<serde_json::Value> = Vec::new();
        for (key, value) in identity {
            if key.eq_ignore_ascii_case("externalId") && !said.contains(&value) {
                said.push(value);
            }
        }
        Ok(match said.as_slice() {
            [] => Identity::Absent,
            [serde_json::Value::String(id)] => Identity::ExternalId(id.clone()),
            _ => Identity::Unclear,
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Submission {
    /// `submission/<guid>/<n>`; `<n>` is `0` for the draft.
    pub id: String,
    #[serde(default)]
    pub target: Target,
    pub status: Option<String>,
    pub result: Option<String>,
    /// When the service made it (RFC 3339), to tell a new preview from
    /// every earlier one; a value of another shape is absent.
    #[serde(default, deserialize_with = "crate::publish::lenient::or_none")]
    pub created: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Target {
    #[serde(rename = "targetType")]
    pub target_type: Option<String>,
}

/// Status words compared without case, spaces, `_` or `-`.
pub fn folded(word: Option<&str>) -> String {
    word.unwrap_or_default()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Where a submission goes, as its `target.targetType` says (any case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmissionTarget {
    Draft,
    Preview,
    Live,
    /// Another word, or none (empty), folded.
    Other(String),
}

/// How a submission stands, from its `status` and `result` (any case).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmissionState {
    /// `notStarted`, `running` or `inProgress`: a publish is under way.
    InProgress,
    /// `completed` and `succeeded`.
    Succeeded,
    /// The result `failed`.
    Failed,
    /// The result `canceled` (or `cancelled`).
    Canceled,
    /// Completed with no result yet, or words not known: not known to
    /// have ended well.
    Unknown,
}

impl Submission {
    pub fn target(&self) -> SubmissionTarget {
        match folded(self.target.target_type.as_deref()).as_str() {
            "draft" => SubmissionTarget::Draft,
            "preview" => SubmissionTarget::Preview,
            "live" => SubmissionTarget::Live,
            other => SubmissionTarget::Other(other.to_owned()),
        }
    }

    pub fn state(&self) -> SubmissionState {
        let result = folded(self.result.as_deref());
        match folded(self.status.as_deref()).as_str() {
            "notstarted" | "running" | "inprogress" => SubmissionState::InProgress,
            "completed" if result == "succeeded" => SubmissionState::Succeeded,
            _ if result == "failed" => SubmissionState::Failed,
            _ if matches!(result.as_str(), "canceled" | "cancelled") => SubmissionState::Canceled,
            _ => SubmissionState::Unknown,
        }
    }

    /// Whether it goes to `target` and stands so.
    pub fn is(&self, target: SubmissionTarget, state: SubmissionState) -> bool {
        self.target() == target && self.state() == state
    }

    /// The `<n>` of its ID, to tell the newest of several.
    pub fn number(&self) -> u64 {
        self.id
            .rsplit('/')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }

    /// `submission <id> to <target> has status ..., result ...`, for
    /// messages.
    pub fn describe(&self) -> String {
        format!(
            "submission {} to {} has {}",
            crate::text::untrusted(&self.id, 100),
            crate::text::untrusted(
                self.target
                    .target_type
                    .as_deref()
                    .unwrap_or("an unknown target"),
                40
            ),
            self.describe_state()
        )
    }

    /// `status/result` as the service words them, for messages.
    pub fn describe_state(&self) -> String {
        let word = |w: &Option<String>| crate::text::untrusted(w.as_deref().unwrap_or("none"), 40);
        format!(
            "status {}, result {}",
            word(&self.status),
            word(&self.result)
        )
    }
}

/// The answer of `configure` and of `configure/{jobId}/status`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct JobStatus {
    #[serde(rename = "jobId", alias = "jobID", alias = "jobid")]
    pub job_id: Option<String>,
    #[serde(rename = "jobStatus")]
    pub job_status: Option<String>,
    #[serde(rename = "jobResult")]
    pub job_result: Option<String>,
    #[serde(deserialize_with = "or_none")]
    pub errors: Option<OneOrMany<Item<JobError>>>,
}

/// An error of a job, or the `error` of a refused request; `details` nest.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct JobError {
    pub code: Option<Text>,
    pub message: Option<Text>,
    #[serde(rename = "resourceId", alias = "resourceID")]
    pub resource_id: Option<ResourceId>,
    pub details: Option<Box<OneOrMany<Item<JobError>>>>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum ResourceId {
    Text(String),
    External {
        #[serde(rename = "externalId", alias = "externalID")]
        external_id: String,
    },
    Named {
        #[serde(rename = "resourceName")]
        resource_name: String,
    },
    Other(serde_json::Value),
}

impl ResourceId {
    fn shown(&self) -> Option<String> {
        let raw = match self {
            ResourceId::Text(text)
            | ResourceId::External { external_id: text }
            | ResourceId::Named {
                resource_name: text,
            } => text.clone(),
            ResourceId::Other(serde_json::Value::Null) => return None,
            ResourceId::Other(other) => other.to_string(),
        };
        let shown = crate::text::untrusted(&raw, 200);
        (!shown.trim().is_empty()).then_some(shown)
    }
}

/// `{"error": {...}}` of a refused request.
#[derive(Debug, Deserialize)]
pub struct ErrorBody {
    pub error: Option<JobError>,
}

/// Most error lines kept from one answer, and how deep details are read.
const MOST_ERROR_LINES: usize = 30;
const DEEPEST_DETAIL: usize = 4;

/// Errors as lines: `[code] resourceId: message`, details indented below
/// their error, at most `MOST_ERROR_LINES`.
pub fn error_lines(errors: Vec<JobError>) -> Vec<String> {
    fn walk(error: JobError, depth: usize, lines: &mut Vec<String>) {
        if lines.len() >= MOST_ERROR_LINES || depth >= DEEPEST_DETAIL {
            return;
        }
        // An error that says nothing (`details: {}`) is no line; one
        // without a message is its code and resource alone.
        let parts: Vec<String> = [
            shown(&error.code, 100).map(|code| format!("[{code}]")),
            error
                .resource_id
                .as_ref()
                .and_then(ResourceId::shown)
                .map(|resource| format!("{resource}:")),
            shown(&error.message, 1000),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !parts.is_empty() {
            let text = parts.join(" ");
            lines.push(format!(
                "{}{}",
                "  ".repeat(depth),
                text.strip_suffix(':').unwrap_or(&text)
            ));
        }
        let details = error.details.map(|details| details.into_vec());
        for detail in valid(details.unwrap_or_default()) {
            walk(detail, depth + 1, lines);
        }
    }
    let mut lines = Vec::new();
    for error in errors {
        walk(error, 0, &mut lines);
    }
    lines
}

impl JobStatus {
    /// The job's state from `jobStatus` and `jobResult`, in any case. A
    /// completed job whose result is unknown is counted as running: the
    /// wait then ends at its deadline rather than on a guess.
    pub fn state(&self) -> State {
        match folded(self.job_status.as_deref()).as_str() {
            "completed" => match folded(self.job_result.as_deref()).as_str() {
                "succeeded" => State::Succeeded,
                "failed" => State::Failed,
                "cancelled" | "canceled" => State::Canceled,
                _ => State::Running,
            },
            _ => State::Running,
        }
    }

    /// `running`, or `completed (failed)`, as the service words them.
    pub fn describe(&self) -> String {
        let status = shown_word(&self.job_status);
        match (
            &self.job_result,
            folded(self.job_status.as_deref()).as_str(),
        ) {
            (Some(result), "completed") => {
                format!("{status} ({})", crate::text::untrusted(result, 40))
            }
            _ => status,
        }
    }

    pub fn take_errors(&mut self) -> Vec<JobError> {
        valid(
            self.errors
                .take()
                .map(OneOrMany::into_vec)
                .unwrap_or_default(),
        )
        .collect()
    }
}

fn shown_word(word: &Option<String>) -> String {
    crate::text::untrusted(word.as_deref().unwrap_or("(no status)"), 40)
}

/// A resource tree: its resources, each kept as read (unknown kinds and
/// fields included), so that what is written back loses nothing.
#[derive(Debug, Deserialize)]
pub struct ResourceTree {
    #[serde(default)]
    pub resources: Vec<serde_json::Value>,
}

/// The URL of the page an `@nextLink` names, read against the page that
/// named it: on api_url's origin and under its path, with `$version` added
/// when the link carries only its continuation token. `api_url` is how the
/// run names that input.
pub(super) fn next_page(
    endpoint: &Endpoint,
    page: &Url,
    link: &str,
    api_url: &str,
) -> Result<Url, String> {
    let url = page.join(link).map_err(|_| "cannot be read".to_owned())?;
    let base = &endpoint.base;
    if url.origin() != base.origin() || !url.path().starts_with(base.path()) {
        return Err(format!("is not under {api_url}"));
    }
    Ok(versioned(url, &endpoint.version))
}

/// `url` with `$version` (written with its `$`, as the documentation
/// writes it) unless its query names a version already.
pub(super) fn versioned(mut url: Url, version: &str) -> Url {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn job(json: &str) -> JobStatus {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn job_ids_in_either_case() {
        for body in [
            r#"{"jobId":"a1","jobStatus":"running"}"#,
            r#"{"jobID":"a1","jobStatus":"running"}"#,
        ] {
            assert_eq!(job(body).job_id.as_deref(), Some("a1"), "{body}");
        }
    }

    #[test]
    fn job_states_in_every_spelling() {
        for (status, result, expected) in [
            ("notStarted", "pending", State::Running),
            ("NotStarted", "Pending", State::Running),
            ("running", "pending", State::Running),
            ("somethingNew", "succeeded", State::Running),
            ("completed", "succeeded", State::Succeeded),
            ("Completed", "Succeeded", State::Succeeded),
            ("completed", "failed", State::Failed),
            ("completed", "cancelled", State::Canceled),
            ("completed", "canceled", State::Canceled),
            ("completed", "pending", State::Running),
            ("completed", "whatever", State::Running),
        ] {
            let body = format!(
                r#"{{"jobId":"a","jobStatus":"{status}","jobResult":"{result}","jobEnd":"0001-01-01"}}"#
            );
            assert_eq!(job(&body).state(), expected, "{status} {result}");
        }
        assert_eq!(job("{}").state(), State::Running);
        assert_eq!(
            job(r#"{"jobStatus":"completed","jobResult":"failed"}"#).describe(),
            "completed (failed)"
        );
    }

    #[test]
    fn errors_nest_and_resource_ids_take_every_shape() {
        let mut status = job(r#"{"jobStatus":"completed","jobResult":"failed","errors":[
                {"code":"internalServerError","message":"Operation failed","resourceId":"submission/1/2",
                 "details":[{"code":"invalidState","message":"Issues found during Certification.","resourceId":{"externalId":"contoso-vm"},
                             "details":{"code":"deep","message":"<b>x</b>","resourceId":{"resourceName":"plan-a"}}}]},
                {"code":"conflict","message":"m","details":null,"resourceId":{"other":1}},
                {"code":"c","details":[]},
                17
            ]}"#);
        assert_eq!(
            error_lines(status.take_errors()),
            vec![
                "[internalServerError] submission/1/2: Operation failed",
                "  [invalidState] contoso-vm: Issues found during Certification.",
                "    [deep] plan-a: <b>x</b>",
                r#"[conflict] {"other":1}: m"#,
                "[c]",
            ]
        );
        let mut lone = job(r#"{"errors":{"code":"only","message":"one"}}"#);
        assert_eq!(error_lines(lone.take_errors()), vec!["[only] one"]);
    }

    #[test]
    fn error_lines_are_bounded() {
        let mut nested = String::from(r#"{"code":"c","message":"m"}"#);
        for _ in 0..10 {
            nested = format!(r#"{{"code":"c","message":"m","details":[{nested}]}}"#);
        }
        let many = vec![nested.as_str(); 40].join(",");
        let mut status = job(&format!(r#"{{"errors":[{many}]}}"#));
        let lines = error_lines(status.take_errors());
        assert_eq!(lines.len(), MOST_ERROR_LINES);
        assert!(lines.iter().all(|line| line.len() < 20), "{lines:?}");
    }

    #[test]
    fn collections_and_bare_objects() {
        let page: Collection<Product> = serde_json::from_str(
            r#"{"value":[{"id":"product/1","identity":{"externalID":"a"},"$schema":" https://old"},{"bad":true}],"@nextLink":"x"}"#,
        )
        .unwrap();
        let (products, next) = page.into_parts();
        assert_eq!(products.len(), 1);
        assert_eq!(products[0].identity, Identity::ExternalId("a".into()));
        assert_eq!(next.as_deref(), Some("x"));
        let bare: Collection<Product> =
            serde_json::from_str(r#"{"id":"product/2","identity":{"externalId":"b"}}"#).unwrap();
        assert_eq!(bare.into_parts().0[0].id, "product/2");
    }

    #[test]
    fn external_ids_in_any_casing() {
        let identity = |json: &str| {
            serde_json::from_str::<Product>(&format!(r#"{{"id":"product/1"{json}}}"#))
                .unwrap()
                .identity
        };
        for key in [
            "externalId",
            "externalID",
            "ExternalId",
            "EXTERNALID",
            "externalid",
        ] {
            assert_eq!(
                identity(&format!(r#","identity":{{"{key}":"a"}}"#)),
                Identity::ExternalId("a".into()),
                "{key}"
            );
        }
        assert_eq!(
            identity(r#","Identity":{"externalId":"a","externalID":"a"}"#),
            Identity::ExternalId("a".into())
        );
        for absent in [
            "",
            r#","identity":null"#,
            r#","identity":{}"#,
            r#","identity":"a""#,
        ] {
            assert_eq!(identity(absent), Identity::Absent, "{absent}");
        }
        for unclear in [
            r#","identity":{"externalId":"a","externalID":"b"}"#,
            r#","identity":{"externalId":7}"#,
        ] {
            assert_eq!(identity(unclear), Identity::Unclear, "{unclear}");
        }
    }

    #[test]
    fn submissions() {
        let page: Collection<Submission> = serde_json::from_str(
            r#"{"value":[
                {"id":"submission/g/0","product":"product/g","target":{"targetType":"draft"}},
                {"id":"submission/g/1152921504606846977","target":{"targetType":"Preview"},"status":"Completed","result":"Succeeded","created":"2022-03-01-T13:00"},
                {"id":"submission/g/5","target":{"targetType":"live"},"status":"running","result":"pending"},
                {"id":"submission/g/6","target":{"targetType":"flight"},"status":"notStarted"}
            ]}"#,
        )
        .unwrap();
        let (submissions, _) = page.into_parts();
        assert_eq!(submissions[1].target(), SubmissionTarget::Preview);
        assert_eq!(submissions[1].state(), SubmissionState::Succeeded);
        assert_eq!(submissions[1].number(), 1152921504606846977);
        assert_ne!(submissions[0].state(), SubmissionState::InProgress);
        assert_eq!(submissions[2].state(), SubmissionState::InProgress);
        assert_eq!(submissions[3].state(), SubmissionState::InProgress);
        assert_eq!(
            submissions[3].target(),
            SubmissionTarget::Other("flight".into())
        );
        assert_eq!(submissions[0].target(), SubmissionTarget::Draft);
        assert_eq!(
            submissions[3].describe_state(),
            "status notStarted, result none"
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
            let next = next_page(&endpoint, &page, link, "api_url");
            assert_eq!(
                next.as_ref().map(Url::as_str).map_err(String::as_str),
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
}

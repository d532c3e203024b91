//! The change of a plan's draft that a file asks for, as pure decisions
//! (a file of image versions is read and checked in `versions.rs`): the
//! read-modify-write of the plan's technical configuration (the versions
//! upserted by `versionNumber`, every other version and field kept as
//! read, the dead schema host replaced), refused whole with every problem
//! named. No request is sent from here.
//!
//! The technical configuration's list of versions is replaced whole by the
//! service: a version left out is a request to delete it. Nothing here ever
//! gives back a list that lacks a version it was given.

use serde_json::{Map, Value};

use crate::text::untrusted;

pub use super::merge::{Merged, comparable, lifecycle, merge, version_line};
pub use super::versions::{MOST_PROBLEMS, read_versions_all, sas_queries};

/// The schema host that no longer answers, and the one to send instead.
const DEAD_PREFIX: &str = "https://product-ingestion.azureedge.net/schema/";
const LIVE_PREFIX: &str = "https://schema.mp.microsoft.com/schema/";

/// The resources of a `configure` file, to send as they are: a configure
/// envelope, an array of resources, one resource, or a resource-tree
/// export. The draft's own submission entry is left out (a note says so),
/// and the dead schema host replaced; a submission that targets preview or
/// live is refused, as the mode decides what is submitted, and so are
/// kinds that are no resource to configure. `Err` lists every problem.
pub fn read_resources(text: &str) -> Result<(Vec<Value>, Vec<String>), Vec<String>> {
    let items = match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) => items,
        Ok(Value::Object(object)) => match object.get("resources") {
            Some(Value::Array(items)) => items.clone(),
            Some(_) => return Err(vec!["its resources are not an array".to_owned()]),
            None => vec![Value::Object(object)],
        },
        Ok(_) => {
            return Err(vec![
                "expected resources: an array, one object, or a configure envelope".to_owned(),
            ]);
        }
        Err(error) => return Err(vec![format!("is not JSON: {error}")]),
    };
    let mut resources = Vec::new();
    let mut notes = Vec::new();
    let mut problems = Vec::new();
    for (n, item) in items.into_iter().enumerate() {
        let name = match item.get("id").and_then(Value::as_str) {
            Some(id) => format!("resource {}", untrusted(id, 120)),
            None => format!("resource #{}", n + 1),
        };
        if !item.is_object() {
            problems.push(format!("{name}: is not an object"));
            continue;
        }
        if let (Some(by_schema), Some(by_id)) = (schema_kind(&item), id_kind(&item))
            && by_schema != by_id
        {
            problems.push(format!(
                "{name}: its $schema names a {} and its id a {}: the service goes by the $schema, so the file is refused; make the two agree",
                untrusted(&by_schema, 80),
                untrusted(&by_id, 80)
            ));
            continue;
        }
        match kind(&item).as_str() {
            "" => problems.push(format!(
                "{name}: has neither an id nor a $schema that names its kind"
            )),
            "resource-tree" | "configure" | "configure-status" => {
                problems.push(format!(
                    "{name}: a {} is not a resource to configure",
                    kind(&item)
                ));
            }
            "submission" => {
                let target = item
                    .pointer("/target/targetType")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let draft_entry = target.eq_ignore_ascii_case("draft")
                    || item
                        .get("id")
                        .and_then(Value::as_str)
                        .is_some_and(|id| id.ends_with("/0"));
                if draft_entry {
                    notes.push(format!(
                        "{name} is the draft's own submission entry: it is left out"
                    ));
                } else {
                    problems.push(format!(
                        "{name}: a submission to {} is refused: the mode decides what is submitted (the publish mode publishes to preview)",
                        untrusted(if target.is_empty() { "an unknown target" } else { target }, 40)
                    ));
                }
            }
            _ => resources.push(with_live_schema(item)),
        }
    }
    if resources.is_empty() && problems.is_empty() {
        problems.push("holds no resource to configure".to_owned());
    }
    if problems.is_empty() {
        Ok((resources, notes))
    } else {
        problems.truncate(MOST_PROBLEMS);
        Err(problems)
    }
}

/// Whether the draft already holds every resource exactly (the schema
/// host aside): then nothing is sent. A resource without an `id` is new.
pub fn already_holds(draft: &[Value], resources: &[Value]) -> bool {
    resources.iter().all(|resource| {
        let Some(id) = resource.get("id").and_then(Value::as_str) else {
            return false;
        };
        draft
            .iter()
            .find(|held| held.get("id").and_then(Value::as_str) == Some(id))
            .is_some_and(|held| {
                asset_url_without_query(with_live_schema(held.clone()))
                    == asset_url_without_query(resource.clone())
            })
    })
}

/// A listing asset's (or trailer's) `url` without its query, whose SAS
/// changes at every read: the same asset is the same resource.
fn asset_url_without_query(mut resource: Value) -> Value {
    if kind(&resource).starts_with("listing-")
        && let Some(Value::String(url)) = resource.get_mut("url")
        && let Some((bare, _)) = url.split_once('?')
    {
        *url = bare.to_owned();
    }
    resource
}

/// Whether two trees hold the same resources, as the reference compares a
/// draft with its preview: submissions, the schema host and listing-asset
/// URLs (which expire) aside, in any order.
pub fn same_tree(draft: &[Value], preview: &[Value]) -> bool {
    let comparable = |resources: &[Value]| {
        let mut kept: Vec<String> = resources
            .iter()
            .filter(|r| kind(r) != "submission")
            .map(|r| {
                let mut r = with_live_schema(r.clone());
                if kind(&r).starts_with("listing-asset")
                    && let Some(object) = r.as_object_mut()
                {
                    object.remove("url");
                }
                r.to_string()
            })
            .collect();
        kept.sort();
        kept
    };
    comparable(draft) == comparable(preview)
}

/// The `vmProperties` on in the live configuration and off in the draft:
/// some cannot be turned off once on, and the draft may show a stale
/// `false`. They are sent as read, never changed; a note names them.
pub fn sticky_properties(draft: &TechConfig, live: &TechConfig) -> Vec<String> {
    live.properties_on()
        .into_iter()
        .filter(|name| draft.property_off(name))
        .map(|name| untrusted(name, 60))
        .collect()
}

/// A resource with the dead schema host replaced in its `$schema`.
fn with_live_schema(mut resource: Value) -> Value {
    if let Some(Value::String(schema)) = resource.get_mut("$schema")
        && let Some(rest) = schema.strip_prefix(DEAD_PREFIX)
    {
        *schema = format!("{LIVE_PREFIX}{rest}");
    }
    resource
}

/// The durable ID of the plan whose external ID is `plan`, among a tree's
/// resources.
pub fn plan_id(resources: &[Value], plan: &str) -> Option<String> {
    resources
        .iter()
        .filter(|r| kind(r) == "plan")
        .find(|r| external_id(r).as_deref() == Some(plan))
        .and_then(|r| r.get("id").and_then(Value::as_str))
        .map(str::to_owned)
}

/// The external ID of the plan whose durable ID is `plan_id`, to name it
/// as the user knows it.
pub fn plan_external_id(resources: &[Value], plan_id: &str) -> Option<String> {
    resources
        .iter()
        .filter(|r| kind(r) == "plan")
        .find(|r| r.get("id").and_then(Value::as_str) == Some(plan_id))
        .and_then(external_id)
}

/// The external IDs of a tree's plans, to name them.
pub fn plan_names(resources: &[Value]) -> Vec<String> {
    resources
        .iter()
        .filter(|r| kind(r) == "plan")
        .filter_map(external_id)
        .map(|name| untrusted(&name, 50))
        .collect()
}

/// A plan's technical configuration as read: the object itself, so that
/// every field goes back as it came (nulls included), with the fields a
/// release reads and changes reached by name. A view over the JSON rather
/// than a serde struct with `#[serde(flatten)]`: serde reads a `null` into
/// `None` and writes it back absent, which is a change the service may
/// refuse; and flattening costs the static binary more than this does.
#[derive(Debug, Clone, PartialEq)]
pub struct TechConfig(Map<String, Value>);

impl TechConfig {
    /// The configuration of plan `plan_id` among a tree's resources, when
    /// it is an object of one of `kinds`.
    pub fn of_plan(resources: &[Value], plan_id: &str, kinds: &[&str]) -> Option<TechConfig> {
        resources
            .iter()
            .filter(|r| kinds.contains(&kind(r).as_str()))
            .find(|r| r.get("plan").and_then(Value::as_str) == Some(plan_id))
            .and_then(|r| r.as_object().cloned())
            .map(TechConfig)
    }

    /// The plan whose configuration this one reuses (`basePlan`).
    pub fn base_plan(&self) -> Option<&str> {
        self.0.get("basePlan").and_then(Value::as_str)
    }

    /// The image type of each sku (`skus[].imageType`).
    pub fn image_types(&self) -> Vec<&str> {
        self.list("skus")
            .iter()
            .filter_map(|sku| sku.get("imageType").and_then(Value::as_str))
            .collect()
    }

    /// A text field.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(Value::as_str)
    }

    /// The CNAB references it holds (`cnabReferences`).
    pub fn references(&self) -> &[Value] {
        self.list("cnabReferences")
    }

    /// The image versions it holds (`vmImageVersions`).
    pub fn versions(&self) -> &[Value] {
        self.list("vmImageVersions")
    }

    /// The `vmProperties` switched on.
    pub fn properties_on(&self) -> Vec<&str> {
        self.0
            .get("vmProperties")
            .and_then(Value::as_object)
            .map(|properties| {
                properties
                    .iter()
                    .filter(|(_, on)| **on == Value::Bool(true))
                    .map(|(name, _)| name.as_str())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether the `vmProperties` named is there and off.
    pub fn property_off(&self, name: &str) -> bool {
        self.0
            .get("vmProperties")
            .and_then(|properties| properties.get(name))
            == Some(&Value::Bool(false))
    }

    /// The same configuration holding `list` as its field `name`, every
    /// other field as read, the dead schema host replaced.
    pub fn with_list(mut self, name: &str, list: Vec<Value>) -> Value {
        self.0.insert(name.to_owned(), Value::Array(list));
        with_live_schema(Value::Object(self.0))
    }

    /// The array field `name`, or none.
    fn list(&self, name: &str) -> &[Value] {
        self.0
            .get(name)
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }
}

/// The kinds of a virtual machine plan's technical configuration.
pub const VM_CONFIGURATION: [&str; 2] = [
    "virtual-machine-plan-technical-configuration",
    "core-virtual-machine-plan-technical-configuration",
];

/// A resource's kind as the service reads it: the segment after
/// `/schema/` in its `$schema` (compared without case), or, without a
/// `$schema`, the first segment of its `id`.
pub(super) fn kind(resource: &Value) -> String {
    schema_kind(resource)
        .or_else(|| id_kind(resource))
        .unwrap_or_default()
}

/// The kind a resource's `$schema` names, in lower case.
fn schema_kind(resource: &Value) -> Option<String> {
    let schema = resource.get("$schema")?.as_str()?.to_ascii_lowercase();
    let rest = &schema[schema.find("/schema/")? + "/schema/".len()..];
    rest.split('/')
        .next()
        .filter(|kind| !kind.is_empty())
        .map(str::to_owned)
}

/// The kind a resource's `id` names (its first segment), in lower case.
fn id_kind(resource: &Value) -> Option<String> {
    resource
        .get("id")?
        .as_str()?
        .split('/')
        .next()
        .filter(|kind| !kind.is_empty())
        .map(str::to_ascii_lowercase)
}

/// `identity.externalId`, in any casing of the key.
fn external_id(resource: &Value) -> Option<String> {
    resource
        .get("identity")
        .and_then(Value::as_object)?
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case("externalId"))
        .and_then(|(_, value)| value.as_str())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;
    use std::time::{Duration, SystemTime};

    /// 2026-04-01T00:00:00Z.
    fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_775_001_600)
    }

    fn sas(expiry: &str, permissions: &str) -> String {
        format!(
            "https://contoso.blob.core.windows.net/vhds/c.vhd?sv=2023-11-03&st=2026-03-31T00:00:00Z&se={expiry}&sr=b&sp={permissions}&sig=S3CR3T"
        )
    }

    fn version(number: &str, uri: &str) -> Value {
        json!({"versionNumber": number, "vmImages": [{"imageType": "x64Gen2",
            "source": {"sourceType": "sasUri", "osDisk": {"uri": uri}, "dataDisks": []}}]})
    }

    /// A configuration read as the view the merge takes.
    fn view(config: &Value) -> TechConfig {
        TechConfig(config.as_object().unwrap().clone())
    }

    fn config(versions: Vec<Value>) -> Value {
        json!({"$schema": "https://product-ingestion.azureedge.net/schema/virtual-machine-plan-technical-configuration/2022-03-01-preview5",
            "id": "virtual-machine-plan-technical-configuration/p/q", "plan": "plan/p/q",
            "operatingSystem": {"family": "linux", "type": "other", "friendlyName": "Contoso"},
            "skus": [{"imageType": "x64Gen2", "skuId": "standard-gen2"}],
            "vmImageVersions": versions})
    }

    #[test]
    fn every_problem_of_a_file_is_listed_at_once_without_a_signature() {
        let good = sas("2026-05-01T00:00:00Z", "r");
        let text = json!([
            version("9.5", &good),
            version("9.6.1", &sas("2026-04-10T00:00:00Z", "r")),
            version("9.7.1", &sas("2026-05-01T00:00:00Z", "w")),
            version("9.8.1", &good.replace("https", "http")),
            {"versionNumber": "9.9.1", "vmImages": [{"imageType": "x64Gen2", "source": {
                "sourceType": "sharedImageGallery", "sharedImage": {"tenantId": "t", "resourceId": "/subscriptions/x"}}}]},
            version("9.6.1", &good),
            version("9.7.2", &sas("2026-05-01T00:00:00Z", "rw")),
            version("9.7.3", &good.replace("st=2026-03-31T00:00:00Z", "st=2026-03-31")),
        ])
        .to_string();
        let (_, problems) = read_versions_all(&text, now());
        assert_eq!(
            problems,
            [
                "version 9.5: versionNumber must be three numbers joined by dots, such as 1.2.3",
                "version 9.6.1: vmImages[0].source.osDisk.uri ('https://contoso.blob.core.windows.net/vhds/c.vhd') expires in less than 3 weeks: the service copies the disks during certification, which takes days; make a SAS that lasts longer",
                "version 9.7.1: vmImages[0].source.osDisk.uri ('https://contoso.blob.core.windows.net/vhds/c.vhd') must grant read permission (sp with r)",
                "version 9.8.1: vmImages[0].source.osDisk.uri ('http://contoso.blob.core.windows.net/vhds/c.vhd') must be https",
                "version 9.9.1: vmImages[0].source.sharedImage.tenantId must be the gallery's tenant ID (a GUID)",
                "version 9.9.1: vmImages[0].source.sharedImage.resourceId must be a full image version ID: /subscriptions/…/resourceGroups/…/providers/Microsoft.Compute/galleries/…/images/…/versions/…",
                "version 9.6.1: versionNumber is given twice",
                "version 9.7.2: vmImages[0].source.osDisk.uri ('https://contoso.blob.core.windows.net/vhds/c.vhd') grants more than reading (sp has 'w'): anyone who reads it could change the image; make a read-only SAS (sp=r)",
                "version 9.7.3: vmImages[0].source.osDisk.uri ('https://contoso.blob.core.windows.net/vhds/c.vhd') has a start time (st) that is not a full YYYY-MM-DDTHH:MM:SSZ: certification fails days later \"due to incorrect SAS Uri\"; give st in that form, or leave it out",
            ]
        );
        assert!(!problems.join("\n").contains("S3CR3T"));

        let one = version("9.5.1", &good).to_string();
        let (read, problems) = read_versions_all(&one, now());
        assert_eq!((read.len(), problems.len()), (1, 0), "{problems:?}");
        let gallery = json!({"versionNumber": "9.5.2", "vmImages": [{"imageType": "x64Gen2", "source": {
            "sourceType": "sharedImageGallery", "sharedImage": {"tenantId": "5d8a1e3c-2b7f-4c9a-8e6d-1f0b3a5c7e9d",
            "resourceId": "/subscriptions/2f6b8d0a-4c1e-4a3b-9d7f-6e8a0c2b4d61/resourceGroups/images/providers/Microsoft.Compute/galleries/contoso/images/contoso-9/versions/9.5.2"}}}]});
        let (_, problems) = read_versions_all(&gallery.to_string(), now());
        assert!(problems.is_empty(), "{problems:?}");
        let query = good.split_once('?').unwrap().1;
        assert_eq!(sas_queries(&[version("9.5.1", &good)]), [query, "S3CR3T"]);
        // What the checks parse is masked, however it is spelt; a signature
        // on its own too, as written and decoded.
        let shouting = format!(
            " {}",
            good.replace("https://", "HTTPS://")
                .replace("S3CR3T", "S3%2BCR3T")
        );
        assert_eq!(
            sas_queries(&[version("9.5.1", &shouting)]),
            [
                query.replace("S3CR3T", "S3%2BCR3T").as_str(),
                "S3%2BCR3T",
                "S3+CR3T"
            ]
        );
    }

    #[test]
    fn versions_are_upserted_and_every_other_one_is_kept() {
        let uri = sas("2026-05-01T00:00:00Z", "r");
        let old = version("9.4.1", &uri);
        let draft_only = version("9.5.1", &uri);
        let read = config(vec![old.clone(), draft_only.clone()]);
        let published = [old.clone()];

        // A new version is appended; the schema host is replaced.
        let new = version("9.6.1", &uri);
        let merged = merge(
            "standard",
            &view(&read),
            &published,
            std::slice::from_ref(&new),
            None,
        )
        .unwrap();
        assert!(!merged.unchanged);
        assert_eq!(
            merged.resource["vmImageVersions"],
            json!([old, draft_only, new])
        );
        assert!(
            merged.resource["$schema"]
                .as_str()
                .unwrap()
                .starts_with("https://schema.mp.microsoft.com/schema/")
        );
        assert_eq!(merged.resource["operatingSystem"], read["operatingSystem"]);
        assert_eq!(
            merged.lines,
            [
                "plan 'standard':",
                "+ 9.6.1 x64Gen2 …/c.vhd",
                "= kept 2 versions (1 published)"
            ]
        );

        // The same again, with a fresh SAS: nothing to change.
        let renewed = version("9.4.1", &sas("2026-06-01T00:00:00Z", "r"));
        let merged = merge(
            "standard",
            &view(&read),
            &published,
            &[renewed, draft_only.clone()],
            None,
        )
        .unwrap();
        assert!(merged.unchanged);

        // A published version may be deprecated, not changed.
        let mut deprecated = old.clone();
        deprecated["lifecycleState"] = json!("deprecated");
        let merged = merge(
            "standard",
            &view(&read),
            &published,
            &[deprecated.clone()],
            None,
        )
        .unwrap();
        assert_eq!(merged.resource["vmImageVersions"][0], deprecated);
        assert_eq!(
            merged.lines[1],
            "~ 9.4.1 x64Gen2 …/c.vhd lifecycleState generallyAvailable → deprecated"
        );
        let changed = version("9.4.1", &uri.replace("c.vhd", "d.vhd"));
        let wrong_type = json!({"versionNumber": "9.7.1", "vmImages": [{"imageType": "arm64Gen2", "source": {}}]});
        assert_eq!(
            merge(
                "standard",
                &view(&read),
                &published,
                &[changed, wrong_type],
                None
            )
            .unwrap_err(),
            [
                "version 9.4.1 is already published (in preview or live): it cannot be changed, only deprecated (lifecycleState: deprecated)",
                "version 9.7.1: imageType 'arm64Gen2' is not one of plan 'standard''s skus (x64Gen2)",
            ]
        );

        // A plan that reuses another's configuration is never written.
        let reusing = json!({"id": "virtual-machine-plan-technical-configuration/p/r", "basePlan": "plan/p/q"});
        assert_eq!(
            merge(
                "byol",
                &view(&reusing),
                &[],
                &[version("9.6.1", &uri)],
                None
            )
            .unwrap_err(),
            [
                "plan 'byol' reuses the technical configuration of plan plan/p/q: change that plan's image versions instead"
            ]
        );

        // At most 100 versions that are not deprecated.
        let many: Vec<Value> = (0..101)
            .map(|n| version(&format!("1.0.{n}"), &uri))
            .collect();
        let problems = merge("standard", &view(&config(Vec::new())), &[], &many, None).unwrap_err();
        assert!(
            problems[0].contains("101 versions that are not deprecated"),
            "{problems:?}"
        );
    }

    #[test]
    fn keep_versions_deprecates_the_oldest_published_and_deletes_none() {
        let uri = sas("2026-05-01T00:00:00Z", "r");
        let held: Vec<Value> = ["1.10.0", "1.2.0", "1.9.0"]
            .iter()
            .map(|n| version(n, &uri))
            .collect();
        let read = view(&config(held.clone()));
        // 1.2.0 is the oldest by number (not by text, nor by position).
        let merged = merge("standard", &read, &held, &[version("2.0.0", &uri)], Some(3)).unwrap();
        let states: Vec<String> = merged.resource["vmImageVersions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| format!("{} {}", v["versionNumber"].as_str().unwrap(), lifecycle(v)))
            .collect();
        assert_eq!(
            states,
            [
                "1.10.0 generallyAvailable",
                "1.2.0 deprecated",
                "1.9.0 generallyAvailable",
                "2.0.0 generallyAvailable"
            ]
        );
        assert!(merged.lines.contains(
            &"~ 1.2.0 x64Gen2 …/c.vhd lifecycleState generallyAvailable → deprecated (keep_versions 3)"
                .to_owned()
        ));
        // A draft-only version beyond them is named, never deleted.
        let problems = merge(
            "standard",
            &read,
            &held[..1],
            &[version("2.0.0", &uri)],
            Some(2),
        )
        .unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems[0]
                .starts_with("version 1.9.0 is only in the draft and older than the 2 newest")
        );
    }

    #[test]
    fn a_deprecation_schedule_is_what_the_service_takes() {
        use super::super::versions::schedule_problems;
        assert!(
            schedule_problems(&json!({"dateOffset": "P90D", "reason": "endOfSupport",
            "alternative": {"plan": "plan/p/q"}}))
            .is_empty()
        );
        for offset in ["P1Y2M", "PT12H", "P3W"] {
            assert!(
                schedule_problems(&json!({"dateOffset": offset})).is_empty(),
                "{offset}"
            );
        }
        assert_eq!(
            schedule_problems(&json!({"dateOffset": "90 days", "reason": null, "alternative": {}})),
            [
                "dateOffset must be an ISO 8601 duration, such as P90D or P3M",
                "reason must be criticalSecurityIssue, endOfSupport or other (the service refuses a null reason when the list is sent back)",
                "alternative must name a plan or a product",
            ]
        );
        for offset in ["P", "PT", "P1.5D", "D90", "P90"] {
            assert!(
                !schedule_problems(&json!({"dateOffset": offset})).is_empty(),
                "{offset}"
            );
        }
        // A schedule the draft stored with a null reason is named before
        // the write, with its fix; a file's versions are checked as read.
        let uri = sas("2026-05-01T00:00:00Z", "r");
        let mut stored = version("1.0.0", &uri);
        stored["deprecationSchedule"] = json!({"dateOffset": "P90D", "reason": null});
        let problems = merge(
            "standard",
            &view(&config(vec![stored])),
            &[],
            &[version("2.0.0", &uri)],
            None,
        )
        .unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].starts_with(
            "version 1.0.0 as the draft holds it: deprecationSchedule reason must be"
        ));
        assert!(problems[0].contains("fix the schedule in Partner Center"));
    }

    #[test]
    fn a_configure_file_is_read_in_each_shape() {
        let listing = json!({"$schema": "https://product-ingestion.azureedge.net/schema/listing/2022-03-01-preview2",
            "id": "listing/p/q/r", "title": "Contoso"});
        let draft_entry = json!({"id": "submission/p/0", "target": {"targetType": "draft"}});
        let envelope = json!({"$schema": "https://schema.mp.microsoft.com/schema/configure/2022-03-01-preview2", "resources": [listing]});
        let tree = json!({"root": "product/p", "target": {"targetType": "draft"}, "resources": [listing, draft_entry]});
        for text in [envelope, tree, json!([listing]), listing.clone()] {
            let (resources, _) = read_resources(&text.to_string()).unwrap();
            assert_eq!(resources.len(), 1, "{text}");
            assert_eq!(
                resources[0]["$schema"],
                "https://schema.mp.microsoft.com/schema/listing/2022-03-01-preview2"
            );
        }
        let (_, notes) = read_resources(&json!([listing, draft_entry]).to_string()).unwrap();
        assert_eq!(
            notes,
            ["resource submission/p/0 is the draft's own submission entry: it is left out"]
        );
        let preview = json!({"$schema": "https://schema.mp.microsoft.com/schema/submission/2022-03-01-preview2",
            "product": "product/p", "target": {"targetType": "preview"}});
        assert_eq!(
            read_resources(&json!([listing, preview, {"title": "x"}]).to_string()).unwrap_err(),
            [
                "resource #2: a submission to preview is refused: the mode decides what is submitted (the publish mode publishes to preview)",
                "resource #3: has neither an id nor a $schema that names its kind",
            ]
        );
        assert!(already_holds(
            std::slice::from_ref(&listing),
            &[with_live_schema(listing.clone())]
        ));
        assert!(!already_holds(
            std::slice::from_ref(&listing),
            &[json!({"id": "listing/p/q/r", "title": "Contoso 2"})]
        ));
        assert!(!already_holds(
            &[],
            &[json!({"$schema": "https://schema.mp.microsoft.com/schema/property/x"})]
        ));
    }

    #[test]
    fn properties_on_in_live_and_off_in_the_draft_are_named() {
        let draft = json!({"vmProperties": {"supportsNVMe": false, "supportsCloudInit": true, "supportsBackup": false}});
        let live = json!({"vmProperties": {"supportsNVMe": true, "supportsCloudInit": true, "supportsBackup": false}});
        let (draft, live) = (view(&draft), view(&live));
        assert_eq!(sticky_properties(&draft, &live), ["supportsNVMe"]);
        assert!(sticky_properties(&draft, &view(&json!({}))).is_empty());
    }

    fn numbers() -> impl Strategy<Value = Vec<String>> {
        proptest::collection::vec(
            (0u8..4, 0u8..4, 0u8..4).prop_map(|(a, b, c)| format!("{a}.{b}.{c}")),
            0..12,
        )
    }

    proptest! {
        #![proptest_config(crate::arbitrary::config())]

        /// Whatever the plan holds and the file asks, the resource sent keeps
        /// every version it held, in order, or the change is refused with
        /// its problems: never a partial list.
        #[test]
        fn a_merge_never_drops_a_version(held in numbers(), asked in numbers(), published in 0usize..12, deprecate in any::<bool>()) {
            let uri = sas("2026-05-01T00:00:00Z", "r");
            let mut held_versions: Vec<Value> = Vec::new();
            for number in &held {
                if !held_versions.iter().any(|v| v["versionNumber"] == json!(number)) {
                    held_versions.push(version(number, &uri));
                }
            }
            let published: Vec<Value> = held_versions.iter().take(published).cloned().collect();
            let asked: Vec<Value> = asked.iter().map(|number| {
                let mut v = version(number, &uri.replace("c.vhd", &format!("{number}.vhd")));
                if deprecate { v["lifecycleState"] = json!("deprecated"); }
                v
            }).collect();
            match merge("standard", &view(&config(held_versions.clone())), &published, &asked, None) {
                Ok(merged) => {
                    let sent: Vec<&Value> = merged.resource["vmImageVersions"].as_array().unwrap().iter().map(|v| &v["versionNumber"]).collect();
                    let kept: Vec<&Value> = held_versions.iter().map(|v| &v["versionNumber"]).collect();
                    prop_assert_eq!(&sent[..kept.len()], &kept[..]);
                    for version in &asked {
                        prop_assert!(sent.contains(&&version["versionNumber"]));
                    }
                }
                Err(problems) => {
                    prop_assert!(!problems.is_empty() && problems.len() <= MOST_PROBLEMS);
                }
            }
        }
    }
}

//! A Kubernetes application plan's CNAB bundles, as pure decisions: a file
//! of bundles (`cnab_bundles`) read and checked, every problem at once, and
//! its merge into the plan's `cnabReferences`, keyed by repository and tag:
//! a new tag added, a draft-only tag replaced, a published tag with the
//! same digest left as read, a published tag with another digest refused
//! (a published bundle version never changes). Every other reference and
//! field stays as read, in order; `payloadType` and `clusterExtensionType`
//! are never changed. No request is sent from here.

use serde_json::{Map, Value};

use super::draft::{MOST_PROBLEMS, TechConfig};
use super::versions::is_guid;
use crate::text::untrusted;

/// The kind of a container plan's technical configuration.
pub const CONTAINER_CONFIGURATION: [&str; 1] = ["container-plan-technical-configuration"];

/// The fields of a CNAB reference, in the order the service shows them.
const FIELDS: [&str; 7] = [
    "tenantId",
    "subscriptionId",
    "resourceGroupName",
    "registryName",
    "repositoryName",
    "tag",
    "digest",
];

/// What the plan's newest reference gives a bundle that leaves it out.
const INHERITED: [&str; 4] = [
    "tenantId",
    "subscriptionId",
    "resourceGroupName",
    "registryName",
];

/// A bundle of the file: the reference's fields it gives.
pub type Bundle = Map<String, Value>;

/// A field of a bundle, when it is text.
fn text<'a>(bundle: &'a Map<String, Value>, field: &str) -> Option<&'a str> {
    bundle.get(field).and_then(Value::as_str)
}

/// How a bundle is named in a message: its repository and tag.
fn named(bundle: &Map<String, Value>, n: usize) -> String {
    match (text(bundle, "repositoryName"), text(bundle, "tag")) {
        (Some(repository), Some(tag)) => {
            format!(
                "bundle {}:{}",
                untrusted(repository, 100),
                untrusted(tag, 100)
            )
        }
        _ => format!("bundle #{n}"),
    }
}

/// The bundles of a file (one object, or an array of them), every problem
/// at once (at most `MOST_PROBLEMS`), each naming the bundle and the
/// field, and notices about what may be a mistake.
pub fn read_bundles(text_of_file: &str) -> (Vec<Bundle>, Vec<String>, Vec<String>) {
    let items = match serde_json::from_str::<Value>(text_of_file) {
        Ok(Value::Array(items)) => items,
        Ok(object @ Value::Object(_)) => vec![object],
        Ok(_) => {
            return (
                Vec::new(),
                vec!["expected a CNAB bundle (an object with repositoryName, tag and digest) or an array of them".to_owned()],
                Vec::new(),
            );
        }
        Err(error) => {
            return (
                Vec::new(),
                vec![format!("is not JSON: {error}")],
                Vec::new(),
            );
        }
    };
    let (mut bundles, mut problems, mut notices) = (Vec::new(), Vec::new(), Vec::new());
    for (index, item) in items.into_iter().enumerate() {
        let Value::Object(bundle) = item else {
            problems.push(format!("bundle #{} is not an object", index + 1));
            continue;
        };
        let name = named(&bundle, index + 1);
        let before = problems.len();
        for field in bundle
            .keys()
            .filter(|field| !FIELDS.contains(&field.as_str()))
        {
            problems.push(format!(
                "{name}: '{}' is not a field of a CNAB reference ({})",
                untrusted(field, 60),
                FIELDS.join(", ")
            ));
        }
        for field in FIELDS {
            let required = matches!(field, "repositoryName" | "tag" | "digest");
            let Some(value) = bundle.get(field) else {
                if required {
                    problems.push(format!("{name}: {field} is required"));
                }
                continue;
            };
            let Some(value) = value.as_str() else {
                problems.push(format!("{name}: {field} must be text"));
                continue;
            };
            if let Some(problem) = field_problem(field, value) {
                problems.push(format!("{name}: {problem}"));
            }
        }
        if problems.len() > before {
            continue;
        }
        let tag = text(&bundle, "tag").unwrap_or_default();
        if !is_version(tag) {
            notices.push(format!(
                "{name}: the tag '{}' is not a version such as 1.2.3, which is what cpa buildbundle pushes (the version in manifest.yaml): check that it names the bundle you built",
                untrusted(tag, 100)
            ));
        }
        let key = |b: &Bundle| {
            (
                text(b, "repositoryName").map(str::to_owned),
                text(b, "tag").map(str::to_owned),
            )
        };
        if bundles
            .iter()
            .any(|seen: &Bundle| key(seen) == key(&bundle))
        {
            problems.push(format!("{name} is given twice"));
            continue;
        }
        bundles.push(bundle);
    }
    problems.truncate(MOST_PROBLEMS);
    (bundles, problems, notices)
}

/// What is wrong with a field's value, if anything.
fn field_problem(field: &str, value: &str) -> Option<String> {
    let shown = untrusted(value, 120);
    match field {
        "tenantId" | "subscriptionId" if !is_guid(value) => {
            Some(format!("{field} '{shown}' must be a GUID"))
        }
        "digest" => {
            let hex = value.strip_prefix("sha256:").unwrap_or_default();
            (hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit())).then(|| {
                format!("digest '{shown}' must be sha256: and 64 hexadecimal digits, as az acr repository show --query digest prints it")
            })
        }
        "registryName" if value.to_ascii_lowercase().ends_with(".azurecr.io") => Some(format!(
            "registryName '{shown}' is the registry's login server: give its name alone, '{}'",
            untrusted(&value[..value.len() - ".azurecr.io".len()], 100)
        )),
        "resourceGroupName" | "registryName" | "repositoryName" | "tag"
            if value.is_empty() || value.chars().count() > 100 =>
        {
            Some(format!("{field} must be 1 to 100 characters"))
        }
        _ => None,
    }
}

/// `#.#.#`: whole numbers joined by dots, three of them.
fn is_version(tag: &str) -> bool {
    let parts: Vec<&str> = tag.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
}

/// A reference's key: its repository and its tag.
fn key(reference: &Value) -> (Option<&str>, Option<&str>) {
    (
        reference.get("repositoryName").and_then(Value::as_str),
        reference.get("tag").and_then(Value::as_str),
    )
}

/// The technical configuration to send, what it changes, and notes.
#[derive(Debug, Clone, PartialEq)]
pub struct MergedBundles {
    pub resource: Value,
    pub unchanged: bool,
    /// What the merge decided, a line each, for the log: `+` added, `~`
    /// replaced, `=` kept.
    pub lines: Vec<String>,
    /// Fields a bundle took from the plan's newest reference.
    pub notes: Vec<String>,
}

/// A digest as a line shows it: its first twelve characters.
fn short(digest: &str) -> String {
    let shown: String = digest.chars().take(15).collect();
    if shown.len() < digest.len() {
        format!("{shown}…")
    } else {
        shown
    }
}

/// The plan's container configuration as read, with the `asked` bundles
/// upserted by repository and tag. `published` are the references of the
/// preview and live configurations. `Err` lists every problem with the
/// plan's state (at most `MOST_PROBLEMS`).
pub fn merge_bundles(
    plan: &str,
    read: &TechConfig,
    published: &[Value],
    asked: &[Bundle],
) -> Result<MergedBundles, Vec<String>> {
    let payload = read.text("payloadType").unwrap_or_default();
    if payload.eq_ignore_ascii_case("image") {
        return Err(vec![format!(
            "plan '{plan}' is a container image plan (payloadType image), not a Kubernetes application: go-live changes plans whose payloadType is cnab only"
        )]);
    }
    if !payload.eq_ignore_ascii_case("cnab") {
        return Err(vec![format!(
            "plan '{plan}' has payloadType '{}', not cnab: go-live changes Kubernetes application plans only",
            untrusted(payload, 40)
        )]);
    }
    let Some(extension) = read.text("clusterExtensionType").filter(|t| !t.is_empty()) else {
        return Err(vec![format!(
            "plan '{plan}' has no clusterExtensionType: set it in Partner Center first (it cannot change once the plan is in preview), then run this again"
        )]);
    };
    let mut references: Vec<Value> = read.references().to_vec();
    let newest = references.last().or(published.last()).cloned();
    let (mut problems, mut lines, mut notes) = (Vec::new(), Vec::new(), Vec::new());
    for (index, bundle) in asked.iter().enumerate() {
        let name = named(bundle, index + 1);
        let mut reference = bundle.clone();
        let mut taken = Vec::new();
        for field in INHERITED {
            if reference.contains_key(field) {
                continue;
            }
            match newest.as_ref().and_then(|n| n.get(field)) {
                Some(value) => {
                    reference.insert(field.to_owned(), value.clone());
                    taken.push(field);
                }
                None => problems.push(format!(
                    "{name}: {field} is not given, and the plan has no reference to take it from: the plan's first bundle must give tenantId, subscriptionId, resourceGroupName and registryName"
                )),
            }
        }
        if !taken.is_empty() {
            let from = newest
                .as_ref()
                .and_then(|n| n.get("tag"))
                .and_then(Value::as_str)
                .unwrap_or("?");
            notes.push(format!(
                "{name}: {} taken from the plan's newest reference ({})",
                taken.join(", "),
                untrusted(from, 100)
            ));
        }
        // In the service's order of fields.
        let reference: Map<String, Value> = FIELDS
            .iter()
            .filter_map(|field| Some(((*field).to_owned(), reference.get(*field)?.clone())))
            .collect();
        let reference = Value::Object(reference);
        let wanted = key(&reference);
        let digest = reference
            .get("digest")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let shown = format!(
            "{} {}/{}@{}",
            untrusted(wanted.1.unwrap_or_default(), 100),
            untrusted(
                reference
                    .get("registryName")
                    .and_then(Value::as_str)
                    .unwrap_or("?"),
                100
            ),
            untrusted(wanted.0.unwrap_or_default(), 100),
            short(digest)
        );
        if let Some(before) = published.iter().find(|p| key(p) == wanted) {
            let digest_before = before
                .get("digest")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if !digest_before.eq_ignore_ascii_case(digest) {
                problems.push(format!(
                    "{name} is already published with digest {}: a published bundle version never changes; increment the version in manifest.yaml, rebuild the bundle and give the new tag",
                    short(digest_before)
                ));
            } else if !references.iter().any(|r| key(r) == wanted) {
                references.push(before.clone());
                lines.push(format!("+ {shown} (published, back in the draft)"));
            }
            continue;
        }
        match references.iter_mut().find(|r| key(r) == wanted) {
            Some(held) if *held == reference => {}
            Some(held) => {
                *held = reference;
                lines.push(format!("~ {shown}"));
            }
            None => {
                references.push(reference);
                lines.push(format!("+ {shown}"));
            }
        }
    }
    if !problems.is_empty() {
        problems.truncate(MOST_PROBLEMS);
        return Err(problems);
    }
    let published_tags: Vec<String> = references
        .iter()
        .filter(|r| published.iter().any(|p| key(p) == key(r)))
        .filter_map(|r| r.get("tag").and_then(Value::as_str))
        .map(|tag| untrusted(tag, 100))
        .collect();
    let kept = references.len() - lines.iter().filter(|l| l.starts_with('+')).count();
    let mut summary = format!("= kept {kept} references");
    if !published_tags.is_empty() {
        summary.push_str(&format!(
            " ({} published: {})",
            published_tags.len(),
            published_tags.join(", ")
        ));
    }
    lines.insert(
        0,
        format!(
            "plan '{plan}', cluster extension type {}:",
            untrusted(extension, 60)
        ),
    );
    lines.push(summary);
    let unchanged = references.as_slice() == read.references();
    Ok(MergedBundles {
        resource: read.clone().with_list("cnabReferences", references),
        unchanged,
        lines,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    const TENANT: &str = "c977ffe0-e8f3-4d6f-ab49-e03bbc3287b1";
    const SUBSCRIPTION: &str = "b297ab83-361f-424f-804c-0c44fa26e903";

    fn digest(n: u8) -> String {
        format!("sha256:{}", format!("{n:02x}").repeat(32))
    }

    fn reference(tag: &str, n: u8) -> Value {
        json!({"tenantId": TENANT, "subscriptionId": SUBSCRIPTION, "resourceGroupName": "rg",
            "registryName": "contosoacr", "repositoryName": "contoso.app", "tag": tag, "digest": digest(n)})
    }

    fn bundle(tag: &str, n: u8) -> Bundle {
        json!({"repositoryName": "contoso.app", "tag": tag, "digest": digest(n)})
            .as_object()
            .unwrap()
            .clone()
    }

    fn config(references: Vec<Value>) -> TechConfig {
        let value = json!({"$schema": "https://schema.mp.microsoft.com/schema/container-plan-technical-configuration/2022-03-01-preview3",
            "id": "container-plan-technical-configuration/p/q", "plan": "plan/p/q",
            "payloadType": "cnab", "clusterExtensionType": "contoso.app", "cnabReferences": references});
        TechConfig::of_plan(&[value], "plan/p/q", &CONTAINER_CONFIGURATION).unwrap()
    }

    #[test]
    fn every_problem_of_a_file_of_bundles_is_listed_at_once() {
        let text = json!([
            {"repositoryName": "contoso.app", "tag": "1.0.0", "digest": "sha256:abc"},
            {"repositoryName": "contoso.app", "tag": "1.0.1", "digest": digest(1), "tenantId": "t",
                "registryName": "contosoacr.azurecr.io", "tags": "x"},
            {"tag": "1.0.2", "digest": digest(2)},
            {"repositoryName": "contoso.app", "tag": "v2", "digest": digest(3)},
            {"repositoryName": "contoso.app", "tag": "v2", "digest": digest(3)},
            7,
        ])
        .to_string();
        let (bundles, problems, notices) = read_bundles(&text);
        assert_eq!(
            problems,
            [
                "bundle contoso.app:1.0.0: digest 'sha256:abc' must be sha256: and 64 hexadecimal digits, as az acr repository show --query digest prints it",
                "bundle contoso.app:1.0.1: 'tags' is not a field of a CNAB reference (tenantId, subscriptionId, resourceGroupName, registryName, repositoryName, tag, digest)",
                "bundle contoso.app:1.0.1: tenantId 't' must be a GUID",
                "bundle contoso.app:1.0.1: registryName 'contosoacr.azurecr.io' is the registry's login server: give its name alone, 'contosoacr'",
                "bundle #3: repositoryName is required",
                "bundle contoso.app:v2 is given twice",
                "bundle #6 is not an object",
            ]
        );
        assert_eq!(bundles.len(), 1);
        assert_eq!(notices.len(), 2, "{notices:?}");
        assert!(notices[0].contains("the tag 'v2' is not a version such as 1.2.3"));
        let (one, problems, _) = read_bundles(&json!(bundle("1.0.0", 1)).to_string());
        assert_eq!((one.len(), problems.len()), (1, 0));
    }

    #[test]
    fn bundles_are_upserted_by_tag_and_every_other_reference_is_kept() {
        let published = reference("1.0.0", 1);
        let draft_only = reference("1.1.0", 2);
        let read = config(vec![published.clone(), draft_only.clone()]);
        let published = [published];

        // A new tag: added, its registry fields taken from the newest.
        let merged = merge_bundles("standard", &read, &published, &[bundle("2.0.0", 3)]).unwrap();
        assert!(!merged.unchanged);
        assert_eq!(
            merged.resource["cnabReferences"],
            json!([published[0], draft_only, reference("2.0.0", 3)])
        );
        assert_eq!(merged.resource["clusterExtensionType"], "contoso.app");
        assert_eq!(
            merged.notes,
            [
                "bundle contoso.app:2.0.0: tenantId, subscriptionId, resourceGroupName, registryName taken from the plan's newest reference (1.1.0)"
            ]
        );
        assert_eq!(
            merged.lines,
            [
                "plan 'standard', cluster extension type contoso.app:",
                "+ 2.0.0 contosoacr/contoso.app@sha256:03030303…",
                "= kept 2 references (1 published: 1.0.0)",
            ]
        );
        // The same again: nothing to change; a draft-only tag is replaced.
        let merged = merge_bundles("standard", &read, &published, &[bundle("1.1.0", 2)]).unwrap();
        assert!(merged.unchanged);
        let merged = merge_bundles("standard", &read, &published, &[bundle("1.1.0", 4)]).unwrap();
        assert_eq!(merged.resource["cnabReferences"][1]["digest"], digest(4));
        assert_eq!(
            merged.lines[1],
            "~ 1.1.0 contosoacr/contoso.app@sha256:04040404…"
        );
        // A published tag is never changed.
        assert_eq!(
            merge_bundles("standard", &read, &published, &[bundle("1.0.0", 9)]).unwrap_err(),
            [
                "bundle contoso.app:1.0.0 is already published with digest sha256:01010101…: a published bundle version never changes; increment the version in manifest.yaml, rebuild the bundle and give the new tag"
            ]
        );
        // The first bundle of a plan gives every field.
        let problems =
            merge_bundles("standard", &config(Vec::new()), &[], &[bundle("1.0.0", 1)]).unwrap_err();
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems[0].contains("the plan's first bundle must give tenantId"));
    }

    #[test]
    fn only_a_kubernetes_application_plan_with_an_extension_type_is_changed() {
        let with = |field: &str, value: Value| {
            let mut object = json!({"id": "container-plan-technical-configuration/p/q", "plan": "plan/p/q",
                "payloadType": "cnab", "clusterExtensionType": "contoso.app"});
            object[field] = value;
            TechConfig::of_plan(&[object], "plan/p/q", &CONTAINER_CONFIGURATION).unwrap()
        };
        let refused = |config: &TechConfig| {
            merge_bundles("s", config, &[], &[bundle("1.0.0", 1)]).unwrap_err()[0].clone()
        };
        assert!(
            refused(&with("payloadType", json!("image")))
                .contains("is a container image plan (payloadType image)")
        );
        assert!(
            refused(&with("clusterExtensionType", Value::Null))
                .contains("has no clusterExtensionType: set it in Partner Center first")
        );
    }

    proptest! {
        #![proptest_config(crate::arbitrary::config())]

        /// Whatever the draft holds and the file asks, every reference the
        /// draft held is in what is sent, in order, and each new tag is
        /// added once; or the change is refused.
        #[test]
        fn a_merge_never_drops_a_reference(held in proptest::collection::vec(0u8..6, 0..8), asked in proptest::collection::vec((0u8..8, 0u8..3), 0..6), published in 0usize..8) {
            let mut references: Vec<Value> = Vec::new();
            for n in held {
                let tag = format!("1.0.{n}");
                if !references.iter().any(|r| r["tag"] == json!(tag)) {
                    references.push(reference(&tag, n));
                }
            }
            let published: Vec<Value> = references.iter().take(published).cloned().collect();
            let asked: Vec<Bundle> = asked.iter().map(|(n, d)| bundle(&format!("1.0.{n}"), n + d)).collect();
            if let Ok(merged) = merge_bundles("s", &config(references.clone()), &published, &asked) {
                let sent = merged.resource["cnabReferences"].as_array().unwrap().clone();
                let tags = |list: &[Value]| list.iter().map(|r| r["tag"].clone()).collect::<Vec<_>>();
                prop_assert_eq!(&tags(&sent)[..references.len()], &tags(&references)[..]);
                for bundle in &asked {
                    let tag = json!(bundle["tag"]);
                    prop_assert_eq!(sent.iter().filter(|r| r["tag"] == tag).count(), 1);
                }
                for held in &published {
                    prop_assert!(sent.contains(held));
                }
            }
        }
    }
}

//! The merge of image versions into a virtual machine plan's technical
//! configuration, as a pure decision: the versions upserted by
//! `versionNumber`, every other version and field kept as read, a
//! published version never changed but to be deprecated, the oldest
//! retired by `keep_versions`, and the lines a reviewer reads. The list is
//! replaced whole by the service: nothing here gives back a list that
//! lacks a version it was given. No request is sent from here.

use reqwest::Url;
use serde_json::Value;

use super::draft::TechConfig;
use super::versions::{MOST_PROBLEMS, schedule_problems};
use crate::text::untrusted;

/// The most versions a plan may hold that are not deprecated.
pub const MOST_AVAILABLE: usize = 100;

/// The technical configuration to send, and whether it is what was read.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    pub resource: Value,
    pub unchanged: bool,
    /// What the merge decided, a line each, for the log: `+` added, `~`
    /// replaced, `=` kept.
    pub lines: Vec<String>,
}

/// The plan's technical configuration as read from the draft, with the
/// `asked` versions upserted by `versionNumber`. `published` are the
/// versions of the preview and live configurations, which may not change
/// but to be deprecated. Every other version and field stays as read, in
/// order. `Err` lists every problem with the offer's state (at most
/// `MOST_PROBLEMS`).
pub fn merge(
    plan: &str,
    read: &TechConfig,
    published: &[Value],
    asked: &[Value],
    keep: Option<usize>,
) -> Result<Merged, Vec<String>> {
    if let Some(base) = read.base_plan() {
        return Err(vec![format!(
            "plan '{plan}' reuses the technical configuration of plan {}: change that plan's image versions instead",
            untrusted(base, 200)
        )]);
    }
    let skus = read.image_types();
    let mut versions: Vec<Value> = read.versions().to_vec();
    let mut problems = Vec::new();
    let mut lines = Vec::new();
    for version in asked {
        let Some(asked_number) = number(version) else {
            continue;
        };
        let name = format!("version {}", untrusted(asked_number, 40));
        for image in images(version) {
            let image_type = image_type(image).unwrap_or_default();
            if !skus.contains(&image_type) {
                problems.push(format!(
                    "{name}: imageType '{}' is not one of plan '{plan}''s skus ({})",
                    untrusted(image_type, 40),
                    skus.join(", ")
                ));
            }
        }
        let was_published = published.iter().find(|p| number(p) == Some(asked_number));
        if let Some(before) = was_published
            && !same_or_deprecated(before, version)
        {
            problems.push(format!(
                "{name} is already published (in preview or live): it cannot be changed, only deprecated (lifecycleState: deprecated)"
            ));
            continue;
        }
        match versions
            .iter_mut()
            .find(|v| number(v) == Some(asked_number))
        {
            Some(existing) => {
                if let Some(before) = was_published
                    && same_images(before, version)
                    && lifecycle(version) == lifecycle(before)
                {
                    // Published and the same: kept exactly as read.
                    continue;
                }
                if existing != version {
                    let (was, now) = (lifecycle(existing), lifecycle(version));
                    let change = match was == now {
                        true => String::new(),
                        false => format!(" lifecycleState {was} → {now}"),
                    };
                    lines.push(format!("~ {}{change}", version_line(version)));
                }
                *existing = version.clone();
            }
            None => {
                lines.push(format!("+ {}", version_line(version)));
                versions.push(version.clone());
            }
        }
    }
    if let Some(keep) = keep {
        retire(&mut versions, published, keep, &mut lines, &mut problems);
    }
    // A stored value the service refuses when the list is sent back is
    // named before the write, with its fix.
    let held = versions
        .iter()
        .filter(|v| !asked.iter().any(|a| number(a) == number(v)));
    for version in held {
        if let Some(schedule) = version.get("deprecationSchedule") {
            for problem in schedule_problems(schedule) {
                problems.push(format!(
                    "version {} as the draft holds it: deprecationSchedule {problem}; the service refuses the whole list sent back with it, so fix the schedule in Partner Center (or give the version with its schedule in the file)",
                    untrusted(number(version).unwrap_or("?"), 40)
                ));
            }
        }
    }
    let available = versions
        .iter()
        .filter(|v| !matches!(lifecycle(v).as_str(), "deprecated" | "deleted"))
        .count();
    if available > MOST_AVAILABLE {
        problems.push(format!(
            "plan '{plan}' would hold {available} versions that are not deprecated, more than {MOST_AVAILABLE}: deprecate older ones in the same file"
        ));
    }
    if !problems.is_empty() {
        problems.truncate(MOST_PROBLEMS);
        return Err(problems);
    }
    let unchanged = versions.as_slice() == read.versions();
    let added = lines.iter().filter(|line| line.starts_with('+')).count();
    let kept_published = versions
        .iter()
        .filter(|v| published.iter().any(|p| number(p) == number(v)))
        .count();
    lines.insert(0, format!("plan '{plan}':"));
    lines.push(format!(
        "= kept {} versions ({kept_published} published)",
        versions.len() - added
    ));
    Ok(Merged {
        resource: read.clone().with_list("vmImageVersions", versions),
        unchanged,
        lines,
    })
}

/// A version as a line shows it: its number, and each image's type and
/// source (a disk's blob without its query, a gallery image's version).
pub fn version_line(version: &Value) -> String {
    let mut line = untrusted(number(version).unwrap_or("?"), 40);
    for image in images(version) {
        let image_type = image_type(image).unwrap_or("?");
        let source = image
            .pointer("/source/osDisk/uri")
            .or_else(|| image.pointer("/source/sharedImage/resourceId"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        let tail = source
            .split('?')
            .next()
            .unwrap_or_default()
            .rsplit('/')
            .next()
            .unwrap_or_default();
        line.push_str(&format!(
            " {} …/{}",
            untrusted(image_type, 20),
            untrusted(tail, 80)
        ));
    }
    line
}

/// `keep_versions`: the active versions beyond the `keep` newest (by
/// version number, compared numerically) deprecated when published; a
/// draft-only one among them is a problem, as deleting is never done
/// unasked. A version whose number cannot be read is never retired.
fn retire(
    versions: &mut [Value],
    published: &[Value],
    keep: usize,
    lines: &mut Vec<String>,
    problems: &mut Vec<String>,
) {
    let numeric = |v: &Value| -> Option<Vec<u64>> {
        number(v)?
            .split('.')
            .map(|part| part.parse().ok())
            .collect()
    };
    let mut active: Vec<(Vec<u64>, usize)> = versions
        .iter()
        .enumerate()
        .filter(|(_, v)| !matches!(lifecycle(v).as_str(), "deprecated" | "deleted"))
        .filter_map(|(at, v)| Some((numeric(v)?, at)))
        .collect();
    active.sort_by(|a, b| b.0.cmp(&a.0));
    for (_, at) in active.into_iter().skip(keep) {
        let version = &mut versions[at];
        let shown = untrusted(number(version).unwrap_or("?"), 40);
        if !published.iter().any(|p| number(p) == number(version)) {
            problems.push(format!(
                "version {shown} is only in the draft and older than the {keep} newest that keep_versions keeps: deprecating it means nothing and deleting it is never done unasked; remove it from the draft, or keep more versions"
            ));
            continue;
        }
        let was = lifecycle(version);
        version["lifecycleState"] = Value::String("deprecated".to_owned());
        lines.push(format!(
            "~ {} lifecycleState {was} → deprecated (keep_versions {keep})",
            version_line(version)
        ));
    }
}

/// An image version's images (`vmImages`).
fn images(version: &Value) -> &[Value] {
    version
        .get("vmImages")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// An image's `imageType`.
fn image_type(image: &Value) -> Option<&str> {
    image.get("imageType").and_then(Value::as_str)
}

/// An image version's `versionNumber`.
fn number(version: &Value) -> Option<&str> {
    version.get("versionNumber").and_then(Value::as_str)
}

pub fn lifecycle(version: &Value) -> String {
    version
        .get("lifecycleState")
        .and_then(Value::as_str)
        .unwrap_or("generallyAvailable")
        .to_owned()
}

/// A published version asked for again: the same images (SAS validity
/// and signature aside), and either the same state or deprecated now.
fn same_or_deprecated(before: &Value, asked: &Value) -> bool {
    same_images(before, asked)
        && (lifecycle(asked) == lifecycle(before) || lifecycle(asked) == "deprecated")
}

fn same_images(before: &Value, asked: &Value) -> bool {
    comparable(before.get("vmImages")) == comparable(asked.get("vmImages"))
}

/// Images with the SAS fields that change with every new token (`st`,
/// `se`, `sv`, `sig`) left out of their URIs.
pub fn comparable(images: Option<&Value>) -> Value {
    fn strip(value: &Value) -> Value {
        match value {
            Value::String(text) => match Url::parse(text) {
                Ok(mut url) if url.query().is_some() => {
                    let kept: Vec<(String, String)> = url
                        .query_pairs()
                        .filter(|(key, _)| !matches!(key.as_ref(), "st" | "se" | "sv" | "sig"))
                        .map(|(k, v)| (k.into_owned(), v.into_owned()))
                        .collect();
                    url.query_pairs_mut().clear().extend_pairs(kept);
                    Value::String(url.to_string())
                }
                _ => value.clone(),
            },
            Value::Array(items) => Value::Array(items.iter().map(strip).collect()),
            Value::Object(map) => {
                Value::Object(map.iter().map(|(k, v)| (k.clone(), strip(v))).collect())
            }
            other => other.clone(),
        }
    }
    images.map(strip).unwrap_or(Value::Null)
}

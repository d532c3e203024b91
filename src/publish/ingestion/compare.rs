//! The difference between two resource trees as the service means them,
//! as lines a person reads: what going live (or a publish) would change.
//! Resources are matched by their durable ID, never by position (the
//! service does not keep the order); submissions and the tree's own fields
//! are left out; the dead schema host is the live one, and a `$schema`
//! that differs only in version is one line; a URL's query (a listing
//! asset's, a SAS URI's: `st`, `se`, `sv` and `sig` change at every read)
//! is compared and shown without it. Image versions and CNAB references
//! are compared item by item. No request is sent from here.

use serde_json::{Map, Value};

use super::draft::{kind, version_line};
use crate::publish::values::{field_names, normal, shown};
use crate::text::untrusted;

/// The most lines a difference shows; a count says how many more.
const MOST_LINES: usize = 40;

/// What changes from `from` to `to`: a line per resource added (`+`) or
/// removed (`-`), and per field, version or reference changed (`~`, with
/// `+` and `-` for items), empty when the two mean the same.
pub fn difference<'a>(from: &'a [Value], to: &'a [Value]) -> Vec<String> {
    let keyed = |tree: &'a [Value]| -> Vec<(String, &'a Map<String, Value>)> {
        let mut resources: Vec<(String, &Map<String, Value>)> = tree
            .iter()
            .filter(|r| kind(r) != "submission")
            .filter_map(|r| Some((durable_id(r)?, r.as_object()?)))
            .collect();
        resources.sort_by(|a, b| a.0.cmp(&b.0));
        resources
    };
    let label = |id: &str| label(id, &[from, to]);
    let (from, to) = (keyed(from), keyed(to));
    let mut lines = Vec::new();
    for (id, _) in &from {
        if !to.iter().any(|(other, _)| other == id) {
            lines.push(format!("- {}", label(id)));
        }
    }
    for (id, after) in &to {
        match from.iter().find(|(other, _)| other == id) {
            None => lines.push(format!("+ {}", label(id))),
            Some((_, before)) => changed_fields(&label(id), before, after, &mut lines),
        }
    }
    if lines.len() > MOST_LINES {
        let more = lines.len() - MOST_LINES;
        lines.truncate(MOST_LINES);
        lines.push(format!("and {more} more"));
    }
    lines
}

/// A resource's durable ID: its `id`, else its kind and what it belongs to.
fn durable_id(resource: &Value) -> Option<String> {
    if let Some(id) = resource.get("id").and_then(Value::as_str) {
        return Some(id.to_owned());
    }
    let owner = ["plan", "product", "listing"]
        .iter()
        .find_map(|field| resource.get(*field).and_then(Value::as_str))?;
    Some(format!("{} of {owner}", kind(resource)))
}

/// How a line names the resource of this durable ID, as a person knows
/// it: its kind and external ID (`plan 'gen2'`), or its kind and its
/// plan's external ID (`virtual-machine-plan-technical-configuration of
/// plan 'gen2'`), else its ID.
fn label(id: &str, trees: &[&[Value]]) -> String {
    let all = || trees.iter().flat_map(|tree| tree.iter());
    let external = |resource: &Value| {
        resource
            .pointer("/identity/externalId")
            .and_then(Value::as_str)
            .map(|name| untrusted(name, 60))
    };
    let Some(resource) = all().find(|r| durable_id(r).as_deref() == Some(id)) else {
        return untrusted(id, 160);
    };
    let kind = untrusted(&kind(resource), 60);
    if let Some(name) = external(resource) {
        return format!("{kind} '{name}'");
    }
    let plan = resource.get("plan").and_then(Value::as_str);
    let plan_name = plan.and_then(|plan| {
        all()
            .find(|r| r.get("id").and_then(Value::as_str) == Some(plan))
            .and_then(external)
    });
    match plan_name {
        Some(name) => format!("{kind} of plan '{name}'"),
        None => untrusted(id, 160),
    }
}

/// The lines of the fields that differ between two versions of a resource
/// (`id`: as lines name it).
fn changed_fields(
    id: &str,
    before: &Map<String, Value>,
    after: &Map<String, Value>,
    lines: &mut Vec<String>,
) {
    for name in field_names(before, after) {
        let (old, new) = (before.get(name), after.get(name));
        match name.as_str() {
            "$schema" => {
                let version = |v: Option<&Value>| {
                    v.and_then(Value::as_str)
                        .and_then(|s| s.rsplit('/').next())
                        .map(str::to_owned)
                };
                if version(old) != version(new) {
                    let shown =
                        |v: Option<String>| v.map_or("(none)".to_owned(), |v| untrusted(&v, 40));
                    lines.push(format!(
                        "~ {id} $schema version {} → {}",
                        shown(version(old)),
                        shown(version(new))
                    ));
                }
            }
            "vmImageVersions" => items(id, "versionNumber", old, new, lines),
            "cnabReferences" => items(id, "tag", old, new, lines),
            _ if normal(old) != normal(new) => {
                lines.push(format!("~ {id} {name}: {} → {}", shown(old), shown(new)));
            }
            _ => {}
        }
    }
}

/// The lines of a list whose items are named by `key`.
fn items(id: &str, key: &str, old: Option<&Value>, new: Option<&Value>, lines: &mut Vec<String>) {
    let list = |v: Option<&Value>| -> Vec<Value> {
        v.and_then(Value::as_array).cloned().unwrap_or_default()
    };
    let (old, new) = (list(old), list(new));
    let name = |item: &Value| {
        let text = |field: &str| item.get(field).and_then(Value::as_str).unwrap_or("?");
        match key {
            "tag" => format!("{}:{}", text("repositoryName"), text("tag")),
            _ => text(key).to_owned(),
        }
    };
    for item in &old {
        if !new.iter().any(|n| name(n) == name(item)) {
            lines.push(format!("- {id} {}", untrusted(&name(item), 120)));
        }
    }
    for item in &new {
        match old.iter().find(|o| name(o) == name(item)) {
            None if key == "versionNumber" => {
                lines.push(format!("+ {id} {}", version_line(item)));
            }
            None => lines.push(format!("+ {id} {}", untrusted(&name(item), 120))),
            Some(before) if normal(Some(before)) != normal(Some(item)) => {
                let (before, after) = (before.as_object(), item.as_object());
                let fields: Vec<String> = before
                    .into_iter()
                    .chain(after)
                    .flat_map(|map| map.keys().cloned())
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .filter(|field| {
                        normal(before.and_then(|m| m.get(field)))
                            != normal(after.and_then(|m| m.get(field)))
                    })
                    .map(|field| {
                        format!(
                            "{field} {} → {}",
                            shown(before.and_then(|m| m.get(&field))),
                            shown(after.and_then(|m| m.get(&field)))
                        )
                    })
                    .collect();
                lines.push(format!(
                    "~ {id} {} {}",
                    untrusted(&name(item), 120),
                    fields.join(", ")
                ));
            }
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn listing(title: &str) -> Value {
        json!({"$schema": "https://schema.mp.microsoft.com/schema/listing/2022-03-01-preview2",
            "id": "listing/p/q/r", "product": "product/p", "title": title})
    }

    fn asset(sig: &str) -> Value {
        json!({"$schema": "https://schema.mp.microsoft.com/schema/listing-asset/2022-03-01-preview2",
            "id": "listing-asset/p/q/r/1", "kind": "azureLogoLarge",
            "url": format!("https://assets.example/logo.png?st=2026-01-01&se=2026-01-02&sv=1&sig={sig}")})
    }

    fn tech(versions: Value, schema: &str) -> Value {
        json!({"$schema": format!("https://product-ingestion.azureedge.net/schema/virtual-machine-plan-technical-configuration/{schema}"),
            "id": "virtual-machine-plan-technical-configuration/p/q", "plan": "plan/p/q",
            "vmImageVersions": versions})
    }

    fn version(number: &str, state: &str, blob: &str) -> Value {
        json!({"versionNumber": number, "lifecycleState": state, "vmImages": [{"imageType": "x64Gen2",
            "source": {"sourceType": "sasUri", "osDisk": {"uri": format!("https://c.blob.core.windows.net/vhds/{blob}.vhd?sv=1&se=2&sig=S3CR3T")}}}]})
    }

    #[test]
    fn what_does_not_change_what_the_service_means_is_no_difference() {
        let submission = json!({"id": "submission/p/0", "target": {"targetType": "draft"}});
        let v1 = version("1.0.0", "generallyAvailable", "a");
        let before = [
            listing("Contoso"),
            asset("A"),
            tech(json!([v1]), "2022-03-01-preview5"),
            submission,
        ];
        // Another order, a fresh signature on the asset, another
        // submission, and the live schema host.
        let mut live_host = tech(
            json!([version("1.0.0", "generallyAvailable", "a")]),
            "2022-03-01-preview5",
        );
        live_host["$schema"] = json!(
            "https://schema.mp.microsoft.com/schema/virtual-machine-plan-technical-configuration/2022-03-01-preview5"
        );
        let after = [
            live_host,
            asset("B"),
            listing("Contoso"),
            json!({"id": "submission/p/7", "target": {"targetType": "preview"}}),
        ];
        assert_eq!(difference(&before, &after), Vec::<String>::new());
    }

    #[test]
    fn what_changes_is_a_line_each_without_a_signature() {
        let before = [
            listing("Contoso"),
            tech(
                json!([
                    version("1.0.0", "generallyAvailable", "a"),
                    version("1.1.0", "generallyAvailable", "b")
                ]),
                "2022-03-01-preview3",
            ),
            json!({"id": "property/p/q", "product": "product/p"}),
            json!({"id": "plan/p/q", "identity": {"externalId": "gen2"}, "product": "product/p"}),
        ];
        let after = [
            json!({"id": "plan/p/q", "identity": {"externalId": "gen2"}, "product": "product/p"}),
            listing("Contoso Linux"),
            tech(
                json!([
                    version("1.0.0", "deprecated", "a"),
                    version("1.1.0", "generallyAvailable", "b"),
                    version("2.0.0", "generallyAvailable", "c")
                ]),
                "2022-03-01-preview5",
            ),
            json!({"id": "plan-listing/p/q", "product": "product/p"}),
        ];
        let lines = difference(&before, &after);
        expect_test::expect![[r#"
            [
                "- property/p/q",
                "~ listing/p/q/r title: Contoso → Contoso Linux",
                "+ plan-listing/p/q",
                "~ virtual-machine-plan-technical-configuration of plan 'gen2' $schema version 2022-03-01-preview3 → 2022-03-01-preview5",
                "~ virtual-machine-plan-technical-configuration of plan 'gen2' 1.0.0 lifecycleState generallyAvailable → deprecated",
                "+ virtual-machine-plan-technical-configuration of plan 'gen2' 2.0.0 x64Gen2 …/c.vhd",
            ]
        "#]].assert_debug_eq(&lines);
        assert!(!lines.join("\n").contains("S3CR3T"));
    }
}

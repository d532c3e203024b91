//! What a whole list must keep and what a draft must hold, as pure
//! decisions: `left_out`, the one guard that a plan's list of image
//! versions or CNAB references keeps every item preview or live holds
//! before any write, and `not_held`, what a draft read again after a
//! change lacks of what was sent. No request is sent from here.

use serde_json::Value;

use super::draft::{MOST_PROBLEMS, comparable, kind, lifecycle};
use crate::text::untrusted;

/// The list a plan's technical configuration is sent with, whole: a
/// virtual machine plan's image versions, or a container plan's CNAB
/// references.
#[derive(Clone, Copy)]
enum List {
    Versions,
    Cnab,
}

impl List {
    /// The list of this resource, if it is a technical configuration.
    fn of(resource: &Value) -> Option<List> {
        match kind(resource).as_str() {
            "virtual-machine-plan-technical-configuration"
            | "core-virtual-machine-plan-technical-configuration" => Some(List::Versions),
            "container-plan-technical-configuration" => Some(List::Cnab),
            _ => None,
        }
    }

    /// Its items in `config`.
    fn items(self, config: &Value) -> &[Value] {
        let key = match self {
            List::Versions => "vmImageVersions",
            List::Cnab => "cnabReferences",
        };
        config
            .get(key)
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// What an item is called, and what names it: a version's number, a
    /// reference's `repository:tag`.
    fn item(self) -> &'static str {
        match self {
            List::Versions => "image version",
            List::Cnab => "CNAB reference",
        }
    }

    fn name(self, item: &Value) -> Option<String> {
        let text = |key: &str| item.get(key).and_then(Value::as_str);
        match self {
            List::Versions => text("versionNumber").map(str::to_owned),
            List::Cnab => Some(format!("{}:{}", text("repositoryName")?, text("tag")?)),
        }
    }

    /// Whether `there` holds `item` as it was sent: a version's images
    /// (SAS validity aside) and state, a reference's digest.
    fn holds(self, there: &Value, item: &Value) -> bool {
        match self {
            List::Versions => {
                there.get("versionNumber") == item.get("versionNumber")
                    && holds_as_sent(
                        &comparable(there.get("vmImages")),
                        &comparable(item.get("vmImages")),
                    )
                    && lifecycle(there) == lifecycle(item)
            }
            List::Cnab => ["repositoryName", "tag", "digest"]
                .iter()
                .all(|field| there.get(field) == item.get(field)),
        }
    }
}

/// Whether a resource is a plan's technical configuration whose list is
/// sent whole.
pub fn lists_whole(resource: &Value) -> bool {
    List::of(resource).is_some()
}

/// Every technical configuration among `resources` that lacks an image
/// version or CNAB reference that the `published` resources (preview and
/// live trees) hold for its plan: the list is replaced whole, so sending
/// it would ask the service to delete them. One sentence each, naming
/// the plan and what is missing.
pub fn left_out(resources: &[Value], published: &[&[Value]]) -> Vec<String> {
    let mut found = Vec::new();
    for resource in resources {
        let (Some(list), Some(plan)) = (
            List::of(resource),
            resource.get("plan").and_then(Value::as_str),
        ) else {
            continue;
        };
        let names = |config: &Value| -> Vec<String> {
            list.items(config)
                .iter()
                .filter_map(|item| list.name(item))
                .collect()
        };
        let sent = names(resource);
        let mut missing: Vec<String> = Vec::new();
        for config in published
            .iter()
            .flat_map(|tree| tree.iter())
            .filter(|r| lists_whole(r) && r.get("plan").and_then(Value::as_str) == Some(plan))
        {
            for name in names(config) {
                if !sent.contains(&name) && !missing.contains(&name) {
                    missing.push(name);
                }
            }
        }
        if missing.is_empty() {
            continue;
        }
        found.push(format!(
            "the technical configuration of {} lacks published {}(s) {} (held in preview or live); its list is sent whole, so sending it would ask the service to delete them",
            untrusted(plan, 120),
            list.item(),
            missing
                .iter()
                .map(|name| untrusted(name, 140))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    found
}

/// What of the resources sent the draft no longer holds as sent, read
/// again after the change's job succeeded: each image version (by its
/// images and state, SAS validity aside) and CNAB reference (by its
/// digest) of a whole list, and each other field sent (the `$schema`,
/// whose version a read may raise, and listing-asset URLs, which expire,
/// aside). One line each, for the log; empty when all of it is there.
pub fn not_held(draft: &[Value], sent: &[Value]) -> Vec<String> {
    let mut found = Vec::new();
    for resource in sent {
        let id = resource.get("id").and_then(Value::as_str);
        let name = untrusted(id.unwrap_or("without an id"), 120);
        let Some(held) = id.and_then(|id| {
            draft
                .iter()
                .find(|held| held.get("id").and_then(Value::as_str) == Some(id))
        }) else {
            if id.is_some() {
                found.push(format!("resource {name} is gone from the draft"));
            }
            continue;
        };
        if let Some(list) = List::of(resource) {
            let held_items = list.items(held);
            for item in list.items(resource) {
                if !held_items.iter().any(|there| list.holds(there, item)) {
                    let named = list.name(item).unwrap_or_else(|| "?".to_owned());
                    found.push(format!(
                        "{} {} of {name} is not there as sent",
                        list.item(),
                        untrusted(&named, 140)
                    ));
                }
            }
            continue;
        }
        let asset = kind(resource).starts_with("listing-asset");
        for (field, value) in resource.as_object().into_iter().flatten() {
            if field == "$schema" || (asset && field == "url") {
                continue;
            }
            if !held
                .get(field)
                .is_some_and(|there| holds_as_sent(there, value))
            {
                found.push(format!("{} of {name} is not as sent", untrusted(field, 60)));
            }
        }
    }
    found.truncate(MOST_PROBLEMS);
    found
}

/// Whether what the service holds is what was sent, as the service reads
/// it back: every field sent is there with the value sent (a field the
/// service adds, or fills with its default, is no change), lists item by
/// item.
fn holds_as_sent(there: &Value, sent: &Value) -> bool {
    match (there, sent) {
        (Value::Object(there), Value::Object(sent)) => sent.iter().all(|(key, value)| {
            there
                .get(key)
                .is_some_and(|held| holds_as_sent(held, value))
        }),
        (Value::Array(there), Value::Array(sent)) => {
            there.len() == sent.len()
                && there
                    .iter()
                    .zip(sent)
                    .all(|(held, value)| holds_as_sent(held, value))
        }
        _ => there == sent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A SAS URI for the blob, with this expiry and these permissions.
    fn sas(expiry: &str, permissions: &str) -> String {
        format!(
            "https://contoso.blob.core.windows.net/vhds/c.vhd?sv=2023-11-03&se={expiry}&sr=b&sp={permissions}&sig=S3CR3T"
        )
    }

    /// A version of one x64Gen2 image at `uri`.
    fn version(number: &str, uri: &str) -> Value {
        json!({"versionNumber": number, "vmImages": [{"imageType": "x64Gen2",
            "source": {"sourceType": "sasUri", "osDisk": {"uri": uri}, "dataDisks": []}}]})
    }

    #[test]
    fn what_the_draft_does_not_hold_as_sent_is_named() {
        let tech = |versions: Vec<Value>| {
            json!({"$schema": "https://schema.mp.microsoft.com/schema/virtual-machine-plan-technical-configuration/2022-03-01-preview5",
                "id": "virtual-machine-plan-technical-configuration/p/q", "plan": "plan/p/q",
                "vmImageVersions": versions})
        };
        let cnab = |digest: &str| {
            json!({"$schema": "https://schema.mp.microsoft.com/schema/container-plan-technical-configuration/2022-03-01-preview3",
                "id": "container-plan-technical-configuration/p/r", "plan": "plan/p/r",
                "cnabReferences": [{"repositoryName": "contoso.app", "tag": "1.0.0", "digest": digest}]})
        };
        let asset = |url: &str, kind: &str| {
            json!({"$schema": "https://schema.mp.microsoft.com/schema/listing-asset/2022-03-01-preview2",
                "id": "listing-asset/p/1", "url": url, "type": kind})
        };
        let sent = [
            tech(vec![version("1.0.0", &sas("2026-12-01", "r"))]),
            cnab("sha256:aa"),
            asset("https://x/a?sig=1", "azureLogoSmall"),
        ];
        // Held as sent: a new SAS and another asset URL query are no change.
        let held = [
            tech(vec![
                version("0.9.0", &sas("2026-12-01", "r")),
                version("1.0.0", &sas("2026-12-09", "r")),
            ]),
            cnab("sha256:aa"),
            asset("https://x/a?sig=2", "azureLogoSmall"),
        ];
        assert_eq!(not_held(&held, &sent), Vec::<String>::new());
        // A field the service adds or fills with its default is no change.
        let mut filled = held.clone();
        filled[0]["vmImageVersions"][1]["vmImages"][0]["source"]["osDisk"]["osDiskState"] =
            json!("generalized");
        filled[2]["state"] = json!("processed");
        assert_eq!(not_held(&filled, &sent), Vec::<String>::new());
        let put_back = [
            tech(vec![version("0.9.0", &sas("2026-12-01", "r"))]),
            cnab("sha256:bb"),
            asset("https://x/a", "azureLogoLarge"),
        ];
        assert_eq!(
            not_held(&put_back, &sent),
            [
                "image version 1.0.0 of virtual-machine-plan-technical-configuration/p/q is not there as sent",
                "CNAB reference contoso.app:1.0.0 of container-plan-technical-configuration/p/r is not there as sent",
                "type of listing-asset/p/1 is not as sent",
            ]
        );
        assert_eq!(
            not_held(&[], &sent[1..2]),
            ["resource container-plan-technical-configuration/p/r is gone from the draft"]
        );
    }
}

//! The Cloud Partner Portal's offer documents, read for a person to see
//! what a step changes: the draft (`GET .../offers/{offer}`), and the
//! `Preview` and `Production` slots (`.../offers/{offer}/slot/{slot}`),
//! as "Retrieve a specific offer" documents them; a slot never published
//! answers 404. Two documents are compared as the service means them
//! (`difference`): plans matched by `planId`, never by position; image
//! versions by their number; every URL without its query (a SAS's `st`,
//! `se`, `sv` and `sig`, an asset's signature, change at every read); the
//! document's own bookkeeping (`version`, `status`, `changedTime`, its
//! IDs) left out. What is read here only informs: no decision is taken
//! on it.

use serde_json::{Map, Value};

use super::*;
use crate::publish::values::{field_names, normal, shown};

/// The most lines a difference shows; a count says how many more.
const MOST_LINES: usize = 40;

/// What a first publish sends for certification.
const FIRST_PUBLISH: &str = "the whole offer: nothing is in preview yet (its first publish)";

/// The field of a plan that holds its image versions, by version number.
const VM_IMAGES: &str = "microsoft-azure-virtualmachines.vmImages";

impl Client {
    /// The offer's document in the draft (`None`) or in `slot`
    /// (`Preview`, `Production`): `Ok(None)` when the slot was never
    /// published (404), `Err` saying why it could not be read.
    pub(super) async fn document(
        &self,
        offer: &Offer,
        slot: Option<&str>,
    ) -> Result<Option<Value>, String> {
        let publisher_id = offer.publisher_id.as_deref().unwrap_or_default();
        let path = match slot {
            None => format!("api/publishers/{publisher_id}/offers/{}", offer.offer_id),
            Some(slot) => format!(
                "api/publishers/{publisher_id}/offers/{}/slot/{slot}",
                offer.offer_id
            ),
        };
        let mut url = self
            .endpoint
            .base
            .join(&path)
            .expect("validated IDs always form a URL");
        url.query_pairs_mut()
            .append_pair("api-version", &self.endpoint.version);
        let what = match slot {
            None => "the offer's draft",
            Some("Preview") => "the offer's preview",
            Some(_) => "the offer as it is live",
        };
        let reply = self
            .transport
            .read(&url, crate::body::TREE_CAP)
            .await
            .map_err(|error| format!("{what} could not be read: {error}"))?;
        if reply.status == StatusCode::NOT_FOUND && slot.is_some() {
            return Ok(None);
        }
        if !reply.status.is_success() {
            return Err(format!(
                "{what} could not be read: HTTP {}{}",
                status_text(reply.status),
                error_detail(&reply.body)
            ));
        }
        let document: Value = serde_json::from_str(&reply.body)
            .map_err(|_| format!("{what} is not an offer document"))?;
        Ok(Some(document))
    }

    /// The preview against production: what going live changes, `None`
    /// when either cannot be read or nothing is in preview.
    pub(super) async fn what_goes_live(&self, offer: &Offer) -> Option<Vec<String>> {
        let preview = self.document(offer, Some("Preview")).await.ok()??;
        let live = self.document(offer, Some("Production")).await.ok()?;
        Some(match live {
            None => vec!["the whole offer: nothing is live yet (its first go-live)".to_owned()],
            Some(live) => difference(&live, &preview),
        })
    }

    /// The reads of a plan: the state, the draft, preview and production
    /// documents once each.
    pub(super) async fn plan(&self, offer: &Offer) -> Result<PlanReads, Failure> {
        let state = self.read_state(offer).await?;
        let mut notes = Vec::new();
        let mut read = async |slot| match self.document(offer, slot).await {
            Ok(document) => Some(document),
            Err(why) => {
                notes.push(format!("{why}: what it would change is not shown"));
                None
            }
        };
        let draft = read(None).await.flatten();
        let preview = read(Some("Preview")).await;
        let live = read(Some("Production")).await;
        let for_certification = match (&draft, &preview) {
            (Some(_), Some(None)) => DraftAgainstPreview::Changes(vec![FIRST_PUBLISH.to_owned()]),
            (Some(draft), Some(Some(preview))) => {
                DraftAgainstPreview::Changes(difference(preview, draft))
            }
            _ => DraftAgainstPreview::Unknown,
        };
        let goes_live = match (preview.flatten(), live) {
            (Some(_), Some(None)) => Some(vec![
                "the whole offer: nothing is live yet (its first go-live)".to_owned(),
            ]),
            (Some(preview), Some(Some(live))) => Some(difference(&live, &preview)),
            _ => None,
        };
        Ok(PlanReads {
            state,
            draft: None,
            notes,
            for_certification,
            goes_live,
        })
    }
}

/// What changes from the document `from` to `to`, a line each: offer
/// fields (`~ offer <field>`), plans added or removed (`+`/`-`), a plan's
/// fields and image versions; empty when the two mean the same.
pub(super) fn difference(from: &Value, to: &Value) -> Vec<String> {
    let definition = |document: &Value| -> Map<String, Value> {
        document
            .get("definition")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    let (from, to) = (definition(from), definition(to));
    let mut lines = Vec::new();
    let object = |map: &Map<String, Value>, name: &str| -> Map<String, Value> {
        map.get(name)
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    fields(
        "offer",
        &object(&from, "offer"),
        &object(&to, "offer"),
        &mut lines,
    );
    let rest = |map: &Map<String, Value>| -> Map<String, Value> {
        map.iter()
            .filter(|(name, _)| !matches!(name.as_str(), "offer" | "plans"))
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect()
    };
    fields("offer", &rest(&from), &rest(&to), &mut lines);
    let plans = |map: &Map<String, Value>| -> Vec<(String, Map<String, Value>)> {
        let mut plans: Vec<(String, Map<String, Value>)> = map
            .get("plans")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|plan| {
                let id = plan.get("planId")?.as_str()?.to_owned();
                Some((id, plan.as_object()?.clone()))
            })
            .collect();
        plans.sort_by(|a, b| a.0.cmp(&b.0));
        plans
    };
    let (old, new) = (plans(&from), plans(&to));
    for (id, _) in &old {
        if !new.iter().any(|(other, _)| other == id) {
            lines.push(format!("- plan '{}'", untrusted(id, 60)));
        }
    }
    for (id, plan) in &new {
        let name = format!("plan '{}'", untrusted(id, 60));
        match old.iter().find(|(other, _)| other == id) {
            None => lines.push(format!("+ {name}")),
            Some((_, before)) => {
                let images = |map: &Map<String, Value>| object(map, VM_IMAGES);
                images_lines(&name, &images(before), &images(plan), &mut lines);
                let without = |map: &Map<String, Value>| -> Map<String, Value> {
                    let mut map = map.clone();
                    map.remove(VM_IMAGES);
                    map
                };
                fields(&name, &without(before), &without(plan), &mut lines);
            }
        }
    }
    if lines.len() > MOST_LINES {
        let more = lines.len() - MOST_LINES;
        lines.truncate(MOST_LINES);
        lines.push(format!("and {more} more"));
    }
    lines
}

/// `~ <whose> <field>: old → new` for each field that differs.
fn fields(
    whose: &str,
    before: &Map<String, Value>,
    after: &Map<String, Value>,
    lines: &mut Vec<String>,
) {
    for name in field_names(before, after) {
        let (old, new) = (before.get(name), after.get(name));
        if normal(old) != normal(new) {
            lines.push(format!(
                "~ {whose} {}: {} → {}",
                untrusted(name, 80),
                shown(old),
                shown(new)
            ));
        }
    }
}

/// The lines of a plan's image versions: `+ <plan> <version> <disk>`,
/// `- <plan> <version>`, `~ <plan> <version> ...`.
fn images_lines(
    plan: &str,
    before: &Map<String, Value>,
    after: &Map<String, Value>,
    lines: &mut Vec<String>,
) {
    let mut versions: Vec<&String> = before.keys().chain(after.keys()).collect();
    versions.sort();
    versions.dedup();
    for version in versions {
        let shown_version = untrusted(version, 40);
        match (before.get(version), after.get(version)) {
            (Some(_), None) => lines.push(format!("- {plan} {shown_version}")),
            (None, Some(image)) => lines.push(format!(
                "+ {plan} {shown_version} osVhdUrl {}",
                shown(image.get("osVhdUrl"))
            )),
            (Some(old), Some(new)) if normal(Some(old)) != normal(Some(new)) => {
                let empty = Map::new();
                let (old, new) = (
                    old.as_object().unwrap_or(&empty),
                    new.as_object().unwrap_or(&empty),
                );
                fields(&format!("{plan} {shown_version}"), old, new, lines);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn document(title: &str, plans: Value) -> Value {
        json!({
            "offerTypeId": "microsoft-azure-virtualmachines",
            "publisherId": "contoso",
            "status": "succeeded",
            "id": "059afc24-07de-4126-b004-4e42a51816fe",
            "version": 5,
            "changedTime": "2017-06-07T06:15:39.7349221Z",
            "definition": {
                "displayText": "Contoso",
                "offer": {
                    "microsoft-azure-marketplace.title": title,
                    "microsoft-azure-marketplace.smallLogo": "https://store.blob.core.windows.net/c/logo.png?sv=2014-02-14&sr=b&sig=AAA%3D&se=2019-03-28T19%3A46%3A50Z&sp=r"
                },
                "plans": plans
            }
        })
    }

    fn plan(id: &str, images: Value) -> Value {
        json!({"planId": id, "microsoft-azure-virtualmachines.skuTitle": "Contoso", VM_IMAGES: images})
    }

    fn image(name: &str, sig: &str) -> Value {
        json!({"osVhdUrl": format!("https://s.blob.core.windows.net/vhds/{name}.vhd?sv=2014-02-14&sig={sig}&st=2016-06-25T18%3A30%3A00Z&se=2017-06-25T18%3A30%3A00Z&sp=rl"), "lunVhdDetails": []})
    }

    #[test]
    fn documents_differ_only_where_the_service_means_them_to() {
        let base = document(
            "Contoso",
            json!([
                plan("a", json!({"1.0.0": image("a-1", "X")})),
                plan("b", json!({"1.0.0": image("b-1", "X")}))
            ]),
        );
        let cases: Vec<(&str, Value, Vec<&str>)> = vec![
            ("the same", base.clone(), vec![]),
            (
                "plans in another order, signatures and bookkeeping changed",
                {
                    let mut other = document(
                        "Contoso",
                        json!([
                            plan("b", json!({"1.0.0": image("b-1", "Y")})),
                            plan("a", json!({"1.0.0": image("a-1", "Z")}))
                        ]),
                    );
                    other["version"] = json!(6);
                    other["changedTime"] = json!("2026-01-01T00:00:00Z");
                    other["definition"]["offer"]["microsoft-azure-marketplace.smallLogo"] =
                        json!("https://store.blob.core.windows.net/c/logo.png?sig=BBB");
                    other
                },
                vec![],
            ),
            (
                "a version added, a title changed, a plan added and one removed",
                document(
                    "Contoso 2",
                    json!([
                        plan(
                            "a",
                            json!({"1.0.0": image("a-1", "X"), "1.1.0": image("a-2", "X")})
                        ),
                        plan("c", json!({}))
                    ]),
                ),
                vec![
                    "~ offer microsoft-azure-marketplace.title: Contoso → Contoso 2",
                    "- plan 'b'",
                    "+ plan 'a' 1.1.0 osVhdUrl https://s.blob.core.windows.net/vhds/a-2.vhd",
                    "+ plan 'c'",
                ],
            ),
            (
                "a version's disk replaced and a plan's field changed",
                {
                    let mut other = base.clone();
                    other["definition"]["plans"][0][VM_IMAGES]["1.0.0"] = image("a-1b", "X");
                    other["definition"]["plans"][1]["microsoft-azure-virtualmachines.skuTitle"] =
                        json!("B");
                    other
                },
                vec![
                    "~ plan 'a' 1.0.0 osVhdUrl: https://s.blob.core.windows.net/vhds/a-1.vhd → https://s.blob.core.windows.net/vhds/a-1b.vhd",
                    "~ plan 'b' microsoft-azure-virtualmachines.skuTitle: Contoso → B",
                ],
            ),
        ];
        for (what, to, expected) in cases {
            let lines = difference(&base, &to);
            assert_eq!(lines, expected, "{what}");
            assert!(lines.iter().all(|line| !line.contains("sig=")), "{what}");
        }
        let from_nothing = difference(&Value::Null, &base);
        assert_eq!(
            from_nothing
                .iter()
                .filter(|line| line.starts_with("+ plan"))
                .collect::<Vec<_>>(),
            ["+ plan 'a'", "+ plan 'b'"],
            "against nothing, every plan is new: {from_nothing:?}"
        );
    }
}

//! Product Ingestion's plan of a release: one read of each thing (the
//! product, its submissions, the draft tree, and the preview and live
//! trees of the targets the submissions show published), shared by the
//! draft change's merge and checks, the publish decision and the two
//! comparisons. The checks are the real run's, in its words. Nothing is
//! sent.

use super::super::api::PlanReads;
use super::change::{busy_refusal, partial_refusal};
use super::*;
use crate::model::{PlannedResource, Would};

/// The draft change a real run would make.
struct DraftPlanned {
    /// Each resource, as a plan tells it.
    resources: Vec<PlannedResource>,
    /// The resources it would send.
    sent: Vec<Value>,
    notes: Vec<String>,
}

impl Client {
    pub(super) async fn plan(
        &self,
        offer: &Offer,
        change: Option<&DraftChange>,
    ) -> Result<PlanReads, Failure> {
        let (state, product, submissions) = self.state_and_submissions(offer).await?;
        let not_read = |ReadError(message, _)| Failure::NotSent(message);
        let draft = self
            .known_tree(&product.id, "draft")
            .await
            .map_err(not_read)?;
        let preview = self
            .published_tree(&product.id, "preview")
            .await
            .map_err(not_read)?;
        let live = self
            .published_tree(&product.id, "live")
            .await
            .map_err(not_read)?;
        let mut notes = Vec::new();
        let mut after = None;
        let planned = match change {
            None => None,
            Some(change) => {
                let published = Published {
                    preview: preview
                        .iter()
                        .filter(|r| lists::lists_whole(r))
                        .cloned()
                        .collect(),
                    live: live
                        .iter()
                        .filter(|r| lists::lists_whole(r))
                        .cloned()
                        .collect(),
                };
                match self.plan_draft(offer, change, &draft, &published, &submissions) {
                    Ok(planned) => {
                        notes.extend(planned.notes);
                        if planned.resources.iter().any(|r| r.change.sends()) {
                            after = Some(with_resources(&draft, planned.sent));
                        }
                        Some(Ok(planned.resources))
                    }
                    Err(Failure::NotSent(why)) => Some(Err(why)),
                    Err(failure) => return Err(failure),
                }
            }
        };
        let draft_after = after.as_deref().unwrap_or(&draft);
        let for_certification = match newest_succeeded_preview(&submissions) {
            Some(preview_id) if draft::same_tree(draft_after, &preview) => {
                DraftAgainstPreview::Held(
                    Box::new(self.submission_handle(&product.id, &preview_id, Stage::Preview)),
                    format!(
                        "the preview of offer '{}' (submission {}) already holds its draft as it stands",
                        offer.offer_id,
                        untrusted(&preview_id, 100)
                    ),
                )
            }
            _ if preview.is_empty() => DraftAgainstPreview::Changes(vec![
                "the whole offer: nothing is in preview yet (its first publish)".to_owned(),
            ]),
            _ => DraftAgainstPreview::Changes(compare::difference(&preview, draft_after)),
        };
        let goes_live = match (preview.is_empty(), live.is_empty()) {
            (true, _) => None,
            (false, true) => Some(vec![
                "the whole offer: live holds nothing yet (its first go-live)".to_owned(),
            ]),
            (false, false) => Some(compare::difference(&live, &preview)),
        };
        Ok(PlanReads {
            state,
            draft: planned,
            notes,
            for_certification,
            goes_live,
        })
    }

    /// The draft change a real run would make, from what was read;
    /// `Failure::NotSent` when a real run would refuse it (its
    /// words), `Failure::Invalid` when the file is at fault.
    fn plan_draft(
        &self,
        offer: &Offer,
        change: &DraftChange,
        draft: &[Value],
        published: &Published,
        submissions: &[Submission],
    ) -> Result<DraftPlanned, Failure> {
        let (resources, planned, notes) = match &change.what {
            DraftFile::Versions { plan, .. } | DraftFile::Bundles { plan } => {
                let (merged, notes) = self.merged(offer, draft, published, plan, change)?;
                let kind = draft::kind(&merged.resource);
                let planned = PlannedResource {
                    resource: format!("{kind} of plan '{}'", untrusted(plan, 50)),
                    change: if merged.unchanged {
                        Would::Unchanged
                    } else {
                        Would::Send
                    },
                    lines: merged.lines,
                };
                (vec![merged.resource], vec![planned], notes)
            }
            DraftFile::Resources => {
                let (resources, notes) =
                    draft::read_resources(&change.text).map_err(|problems| {
                        Failure::Invalid(format!("{}: {}", change.file, problems.join("; ")))
                    })?;
                let planned = resources
                    .iter()
                    .map(|resource| {
                        let unchanged = draft::already_holds(draft, std::slice::from_ref(resource));
                        let id = resource.get("id").and_then(Value::as_str);
                        let held: Vec<Value> = draft
                            .iter()
                            .filter(|r| id.is_some() && r.get("id").and_then(Value::as_str) == id)
                            .cloned()
                            .collect();
                        PlannedResource {
                            resource: format!(
                                "{} {}",
                                draft::kind(resource),
                                untrusted(id.unwrap_or("(new)"), 120)
                            ),
                            change: if unchanged {
                                Would::Unchanged
                            } else {
                                Would::Send
                            },
                            lines: if unchanged {
                                Vec::new()
                            } else {
                                compare::difference(&held, std::slice::from_ref(resource))
                            },
                        }
                    })
                    .collect();
                (resources, planned, notes)
            }
        };
        let partial = lists::left_out(&resources, &[&published.preview, &published.live]);
        if !partial.is_empty() {
            return Err(Failure::NotSent(partial_refusal(offer, change, &partial)));
        }
        let sends = planned.iter().any(|r: &PlannedResource| r.change.sends());
        if sends && let Some(busy) = busy_refusal(offer, submissions) {
            return Err(Failure::NotSent(busy));
        }
        Ok(DraftPlanned {
            resources: planned,
            sent: resources,
            notes,
        })
    }
}

/// The newest preview submission, when it succeeded.
fn newest_succeeded_preview(submissions: &[Submission]) -> Option<String> {
    submissions
        .iter()
        .filter(|s| s.target() == SubmissionTarget::Preview)
        .max_by_key(|s| s.number())
        .filter(|s| s.state() == SubmissionState::Succeeded)
        .map(|s| s.id.clone())
}

/// The tree with `sent` in place of the resources of the same `id`, and
/// those without one added: the draft as the change would leave it.
fn with_resources(tree: &[Value], sent: Vec<Value>) -> Vec<Value> {
    let id = |r: &Value| r.get("id").and_then(Value::as_str).map(str::to_owned);
    let mut after: Vec<Value> = tree
        .iter()
        .filter(|held| {
            let held = id(held);
            held.is_none() || !sent.iter().any(|s| id(s) == held)
        })
        .cloned()
        .collect();
    after.extend(sent);
    after
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_draft_after_a_change_holds_what_is_sent_in_place_of_what_was_read() {
        let tree = vec![
            json!({"id": "a", "v": 1}),
            json!({"id": "b", "v": 1}),
            json!({"v": "no id"}),
        ];
        let after = with_resources(
            &tree,
            vec![json!({"id": "b", "v": 2}), json!({"new": true})],
        );
        assert_eq!(
            after,
            vec![
                json!({"id": "a", "v": 1}),
                json!({"v": "no id"}),
                json!({"id": "b", "v": 2}),
                json!({"new": true}),
            ]
        );
    }
}

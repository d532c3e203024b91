//! `mode: plan`: what a release would do to the offer, made of reads
//! alone: the draft change (each resource's lines), the publish to
//! preview (what certification would be asked to check) and the go-live
//! (what customers would get), each decided by the rules a real run
//! follows, and a tally line. The plan is kept in the summary, for the
//! `plan` file and the `changes` output (`write_plan`).

use std::path::Path;

use super::Flow;
use crate::config::Config;
use crate::failure::Failure;
use crate::host::{Runner, write_whole};
use crate::model::{
    Offer, OfferPlan, Outcome, PlannedResource, PlannedStep, PublishVerdict, Status, Verdict, Would,
};
use crate::publish::{DraftAgainstPreview, PlanReads};
use crate::report::{Ended, Ending, Summary};

/// The plan file's name, in the workspace (the action) or the current
/// directory (a command line): a later step opens it by this relative
/// path, which the container's `/github/workspace` and the runner's
/// `$GITHUB_WORKSPACE` share.
pub const PLAN_FILE: &str = "go-live-plan.json";

impl Flow<'_> {
    /// Reads everything the release needs once, and tells what each step
    /// would do. Sends nothing but reads.
    pub(super) async fn plan(
        &self,
        offer: &Offer,
        summary: &mut Summary,
    ) -> Result<Ending, Failure> {
        summary.offer = Some(offer.clone());
        self.runner.info(&format!(
            "Reading {} through the {} API at {} to plan its release (this mode sends nothing)",
            offer.describe(),
            summary.api,
            self.config.endpoint.base
        ));
        let reads = self
            .publisher
            .plan(offer, self.config.draft.as_ref())
            .await?;
        for note in reads.state.notes.iter().chain(&reads.notes) {
            self.tell(summary, note);
        }
        let plan = plan_of(reads);
        for section in sections(&plan) {
            self.tell(summary, &section);
        }
        let tally = plan.tally();
        self.runner.info(&tally);
        summary.notes.push(tally);
        summary.plan = Some(plan);
        self.set_outcome(summary, Outcome::Planned)?;
        self.set_status(summary, Status::Succeeded)?;
        Ok(Ending::Done)
    }
}

/// What each step would do, from the reads, by a real run's rules.
fn plan_of(reads: PlanReads) -> OfferPlan {
    let PlanReads {
        state,
        draft,
        for_certification,
        goes_live,
        ..
    } = reads;
    let (draft, draft_refused) = match draft {
        None => (Vec::new(), None),
        Some(Ok(resources)) => (resources, None),
        Some(Err(why)) => (Vec::new(), Some(why)),
    };
    let changing = draft.iter().any(|r| r.change.sends());
    let publish = match (state.publish, draft_refused.clone()) {
        (_, Some(why)) => PlannedStep {
            would: Would::Refused,
            why: format!("the draft change would be refused, so nothing would be published: {why}"),
            ..PlannedStep::default()
        },
        (PublishVerdict::Blocked(why), None) => PlannedStep {
            would: Would::Refused,
            why: format!("the draft would not be published: {why}"),
            ..PlannedStep::default()
        },
        (PublishVerdict::Running(operation), None) => PlannedStep {
            would: Would::Follow,
            why: format!(
                "a publish to preview is already running: operation {}; it would be followed, and nothing sent",
                operation.id
            ),
            submission: operation.submission_id,
            lines: Vec::new(),
        },
        (PublishVerdict::Ready(_), None) => match for_certification {
            DraftAgainstPreview::Held(preview, seen) if !changing => PlannedStep {
                would: Would::Unchanged,
                why: format!("{seen}: nothing would be published"),
                submission: preview.submission_id,
                lines: Vec::new(),
            },
            DraftAgainstPreview::Held(..) => PlannedStep {
                would: Would::Send,
                why: "the draft would be published to preview".to_owned(),
                ..PlannedStep::default()
            },
            DraftAgainstPreview::Changes(lines) => PlannedStep {
                would: Would::Send,
                why: format!(
                    "the draft{} would be published to preview{}",
                    if changing { ", after the change," } else { "" },
                    if lines.is_empty() {
                        "; no difference from the newest preview was seen"
                    } else {
                        ""
                    }
                ),
                submission: None,
                lines,
            },
            DraftAgainstPreview::Unknown => PlannedStep {
                would: Would::Send,
                why: "the draft would be published to preview (what it holds against the preview could not be told)".to_owned(),
                ..PlannedStep::default()
            },
        },
    };
    let after_publish = if publish.would.sends() {
        "; once the publish above succeeds, a go-live would promote its new preview instead"
    } else {
        ""
    };
    let go_live = match state.verdict {
        Verdict::Ready(request) => {
            let lines = goes_live.unwrap_or_default();
            PlannedStep {
                would: Would::Send,
                why: format!(
                    "go-live would be sent{}{}{after_publish}",
                    request
                        .submission_id
                        .as_deref()
                        .map(|id| format!(", promoting preview submission {id}"))
                        .unwrap_or_default(),
                    if lines.is_empty() {
                        "; no difference from live was seen"
                    } else {
                        ""
                    }
                ),
                submission: request.submission_id,
                lines,
            }
        }
        Verdict::Unrecognised(request, seen) | Verdict::Unreadable(request, seen) => PlannedStep {
            would: Would::Send,
            why: format!(
                "go-live would be sent, and the service would decide: the offer's state was not recognised or could not be read ({seen}){after_publish}"
            ),
            submission: request.submission_id,
            lines: goes_live.unwrap_or_default(),
        },
        Verdict::Running(operation) => PlannedStep {
            would: Would::Follow,
            why: format!(
                "a go-live is already running: operation {}; it would be followed, and nothing sent",
                operation.id
            ),
            submission: operation.submission_id,
            lines: Vec::new(),
        },
        Verdict::Live(seen) => PlannedStep {
            would: Would::Live,
            why: format!("{seen}; nothing would be sent{after_publish}"),
            ..PlannedStep::default()
        },
        Verdict::NotReady(why) => PlannedStep {
            would: Would::NotReady,
            why: format!("go-live would not be sent: {why}{after_publish}"),
            ..PlannedStep::default()
        },
    };
    let draft = match draft_refused {
        Some(why) => vec![PlannedResource {
            resource: "the draft change".to_owned(),
            change: Would::Refused,
            lines: vec![why],
        }],
        None => draft,
    };
    OfferPlan {
        draft,
        publish,
        go_live,
    }
}

/// The plan as a person reads it: one text a section.
fn sections(plan: &OfferPlan) -> Vec<String> {
    let indented = |lines: &[String]| -> String {
        lines
            .iter()
            .flat_map(|line| line.lines())
            .map(|line| format!("\n  {line}"))
            .collect()
    };
    let mut sections = Vec::new();
    if !plan.draft.is_empty() {
        let n = plan.to_change();
        let mut text = format!(
            "draft change: {n} resource{} to change",
            if n == 1 { "" } else { "s" }
        );
        for resource in &plan.draft {
            let what = match resource.change {
                Would::Send => "would change",
                Would::Refused => "would be refused",
                _ => "unchanged",
            };
            text.push_str(&format!(
                "\n{}: {what}{}",
                resource.resource,
                indented(&resource.lines)
            ));
        }
        sections.push(text);
    }
    let steps = [
        (
            "publish to preview",
            &plan.publish,
            "what certification would be asked to check (the draft against the newest preview)",
        ),
        (
            "go-live",
            &plan.go_live,
            "what customers would get (the newest preview against live)",
        ),
    ];
    for (title, step, lines_are) in steps {
        let lines = if step.lines.is_empty() {
            String::new()
        } else {
            format!("\n{lines_are}:{}", indented(&step.lines))
        };
        sections.push(format!(
            "{title}: {}: {}{lines}",
            would_word(step.would),
            step.why
        ));
    }
    sections
}

fn would_word(would: Would) -> &'static str {
    match would {
        Would::Send => "would send",
        Would::Unchanged => "unchanged",
        Would::Follow => "would follow",
        Would::Live => "already live",
        Would::NotReady => "not ready",
        Would::Refused => "refused",
    }
}

/// After a plan of one offer or several: the plan file (`PLAN_FILE`, in
/// the workspace when there is one), the `changes` and `plan` outputs and,
/// with `--json`, the plan on stdout. With `detailed_exitcode`, a plan
/// with changes pending ends with `Ending::ChangesPending` (exit 4).
pub fn write_plan(
    config: &Config,
    runner: &Runner,
    offers: &[(&str, &Summary)],
    ended: Ended,
) -> Ended {
    let plans: Vec<(&str, &OfferPlan)> = offers
        .iter()
        .filter_map(|(key, summary)| Some((*key, summary.plan.as_ref()?)))
        .collect();
    if plans.len() != offers.len() || ended.ending != Ending::Done {
        // A plan not made for every offer is not written: no file is
        // better than one that leaves an offer out.
        return ended;
    }
    let changes = plans.iter().any(|(_, plan)| plan.changes());
    let document = serde_json::json!({
        "changes": changes,
        "offers": plans.iter().map(|(key, plan)| (key.to_string(), serde_json::to_value(plan).expect("plans serialize"))).collect::<serde_json::Map<_, _>>(),
    });
    let text = runner.plan_document(&format!("{document:#}\n"));
    let path = match &config.workspace {
        Some(workspace) => Path::new(workspace).join(PLAN_FILE),
        None => Path::new(PLAN_FILE).to_path_buf(),
    };
    let written = write_whole(&path, &text)
        .map_err(|error| {
            format!(
                "the plan could not be written to {}: {error}",
                path.display()
            )
        })
        .and_then(|()| {
            runner
                .set_output("changes", if changes { "true" } else { "false" })
                .and_then(|()| runner.set_output("plan", PLAN_FILE))
                .map_err(|error| format!("{error:#}"))
        });
    if let Err(why) = written {
        runner.error(&why);
        return Ended {
            status: ended.status,
            ending: Ending::Failed,
        };
    }
    if changes && config.detailed_exitcode {
        return Ended {
            status: ended.status,
            ending: Ending::ChangesPending,
        };
    }
    ended
}

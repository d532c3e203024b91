//! The pure part of the Product Ingestion API: what its answers mean. The
//! decision table (what go-live would do, given the product's
//! submissions), the choice of the product, the links from page to page,
//! the reading of a job status and of the submissions list, and the hints
//! for the known failure texts. No request is sent from here.

use super::wire::{
    ErrorBody, Identity, JobStatus, Product, Submission, SubmissionState, SubmissionTarget,
    error_lines,
};
use crate::model::{
    Earlier, Offer, OfferState, OperationHandle, PublishVerdict, Snapshot, Stage, StartRequest,
    State, Verdict,
};
use crate::publish::lenient::stamp;
use crate::text::untrusted;

/// The neutral view of a job status body about the job `job_id`: its
/// state, its words, and for a failed or canceled job the reasons. `Err`
/// says why the body is not an answer about that job.
pub(super) fn job_snapshot(body: &str, job_id: &str) -> Result<Snapshot, String> {
    let Ok(mut job) = serde_json::from_str::<JobStatus>(body) else {
        return Err(format!(
            "a body that is not a job ({})",
            untrusted(body.trim(), 200)
        ));
    };
    if let Some(other) = job
        .job_id
        .as_deref()
        .filter(|id| !id.trim().eq_ignore_ascii_case(job_id))
    {
        return Err(format!(
            "a body about another job ({}), not {job_id}",
            untrusted(other, 100)
        ));
    }
    let state = job.state();
    let errors = error_lines(job.take_errors());
    let reasons = match state {
        State::Failed | State::Canceled => failure_reasons(&errors, state),
        State::Succeeded | State::Running => Vec::new(),
    };
    Ok(Snapshot {
        state,
        status: job.describe(),
        steps: Vec::new(),
        reasons,
        notes: Vec::new(),
        submission: None,
    })
}

/// How a go-live stands by the product's submissions: the live entry of
/// `submission`, or without one the newest live entry. The service lists
/// no live entry for a go-live that failed or was canceled.
pub(super) fn submission_snapshot(
    submissions: &[Submission],
    submission: Option<&str>,
) -> Snapshot {
    let live = submissions
        .iter()
        .filter(|s| s.target() == SubmissionTarget::Live && submission.is_none_or(|id| s.id == id))
        .max_by_key(|s| s.number());
    let Some(live) = live else {
        let what = submission.map_or_else(
            || "the product".to_owned(),
            |id| format!("submission {}", untrusted(id, 100)),
        );
        return Snapshot {
            state: State::Failed,
            status: format!("{what} is not listed as live"),
            reasons: vec![format!(
                "{what} is not listed as live: its go-live failed or was canceled (the service lists only live submissions that run or succeeded); see why in Partner Center"
            )],
            ..Snapshot::default()
        };
    };
    let id = untrusted(&live.id, 100);
    let status = format!("live submission {id}: {}", live.describe_state());
    let state = match live.state() {
        SubmissionState::Succeeded => State::Succeeded,
        SubmissionState::Failed => State::Failed,
        SubmissionState::Canceled => State::Canceled,
        // In progress, or completed with no result yet: not known to have
        // ended.
        SubmissionState::InProgress | SubmissionState::Unknown => State::Running,
    };
    let reasons = match state {
        State::Failed | State::Canceled => vec![format!(
            "live submission {id} {}; the submissions list gives no reason: see Partner Center",
            state.as_output()
        )],
        _ => Vec::new(),
    };
    let notes = match state {
        State::Succeeded => vec![format!("live submission: {id} ({})", live.describe_state())],
        _ => Vec::new(),
    };
    Snapshot {
        state,
        status,
        steps: Vec::new(),
        reasons,
        notes,
        submission: None,
    }
}

/// The decision table of the reference, in order, with a go-live running
/// on the offer followed rather than refused; and, for a publish to
/// preview, the table of the publishing reference: a preview in progress
/// is followed, a go-live in progress refused. `watch` gives the status
/// monitor of a submission going to that stage.
pub(super) fn decide(
    offer: &Offer,
    product_id: &str,
    submissions: &[Submission],
    watch: impl Fn(&str, Stage) -> OperationHandle,
) -> OfferState {
    let name = &offer.offer_id;
    let newest = |target: SubmissionTarget| {
        submissions
            .iter()
            .filter(|s| s.target() == target)
            .max_by_key(|s| s.number())
    };
    let preview = newest(SubmissionTarget::Preview);
    // The go-live of the newest version: the live entry of the newest
    // preview, or without a preview the newest live entry. A go-live that
    // failed may not be listed at all.
    let last_go_live = match preview {
        Some(preview) => submissions
            .iter()
            .find(|s| s.target() == SubmissionTarget::Live && s.id == preview.id),
        None => newest(SubmissionTarget::Live),
    }
    .map(|live| watch(&live.id, Stage::Live));
    let publish = publish_verdict(offer, product_id, submissions, &watch);
    let state = |verdict| OfferState {
        verdict,
        publish: publish.clone(),
        last_go_live: last_go_live.clone(),
        notes: Vec::new(),
    };
    if let Some(going_live) = submissions
        .iter()
        .filter(|s| s.is(SubmissionTarget::Live, SubmissionState::InProgress))
        .max_by_key(|s| s.number())
    {
        let operation = watch(&going_live.id, Stage::Live);
        return OfferState {
            last_go_live: Some(operation.clone()),
            verdict: Verdict::Running(operation),
            publish,
            notes: Vec::new(),
        };
    }
    if let Some(busy) = submissions
        .iter()
        .find(|s| s.state() == SubmissionState::InProgress)
    {
        return state(Verdict::NotReady(format!(
            "a publish is in progress on offer '{name}': {}; wait for it to end, then run this again",
            busy.describe()
        )));
    }
    let live = newest(SubmissionTarget::Live);
    let Some(preview) = preview else {
        return state(match live {
            Some(live) => Verdict::Live(format!(
                "offer '{name}' has nothing in preview to promote; submission {} is live",
                untrusted(&live.id, 100)
            )),
            None => Verdict::NotReady(format!(
                "offer '{name}' was never published to preview, so there is nothing to take live: publish it to preview first"
            )),
        });
    };
    let preview_id = untrusted(&preview.id, 100);
    if submissions
        .iter()
        .any(|s| s.target() == SubmissionTarget::Live && s.id == preview.id)
    {
        return state(Verdict::Live(format!(
            "offer '{name}' is already live with its preview submission {preview_id}"
        )));
    }
    if preview.state() == SubmissionState::Failed {
        return state(Verdict::NotReady(format!(
            "the preview of offer '{name}' (submission {preview_id}) failed: fix the offer and publish it to preview again"
        )));
    }
    if preview.state() != SubmissionState::Succeeded {
        return state(Verdict::NotReady(format!(
            "the preview of offer '{name}' (submission {preview_id}) is not ready ({}): wait for it, or publish to preview again",
            preview.describe_state()
        )));
    }
    state(Verdict::Ready(StartRequest {
        offer: offer.clone(),
        product_id: Some(product_id.to_owned()),
        submission_id: Some(preview.id.clone()),
        earlier: Earlier::default(),
    }))
}

/// What a publish to preview would do: follow a preview in progress,
/// refuse under a go-live in progress, else send, naming the newest
/// preview so that the new one can be told from it.
fn publish_verdict(
    offer: &Offer,
    product_id: &str,
    submissions: &[Submission],
    watch: &impl Fn(&str, Stage) -> OperationHandle,
) -> PublishVerdict {
    let in_progress = |target: SubmissionTarget| {
        submissions
            .iter()
            .filter(|s| s.is(target.clone(), SubmissionState::InProgress))
            .max_by_key(|s| s.number())
    };
    if let Some(live) = in_progress(SubmissionTarget::Live) {
        return PublishVerdict::Blocked(format!(
            "a go-live is running on offer '{}': submission {} ({}); publish to preview after it ends",
            offer.offer_id,
            untrusted(&live.id, 100),
            live.describe_state()
        ));
    }
    if let Some(preview) = in_progress(SubmissionTarget::Preview) {
        return PublishVerdict::Running(watch(&preview.id, Stage::Preview));
    }
    let previews = || {
        submissions
            .iter()
            .filter(|s| s.target() == SubmissionTarget::Preview)
    };
    PublishVerdict::Ready(StartRequest {
        offer: offer.clone(),
        product_id: Some(product_id.to_owned()),
        submission_id: previews().max_by_key(|s| s.number()).map(|s| s.id.clone()),
        earlier: Earlier {
            previews: previews().map(|s| s.id.clone()).collect(),
            newest_created: previews()
                .filter_map(|s| s.created.as_deref().and_then(|c| stamp(c).map(|t| (t, c))))
                .max_by_key(|(t, _)| *t)
                .map(|(_, c)| c.to_owned()),
        },
    })
}

/// The preview a publish to preview made, by the product's submissions
/// after its job succeeded: one whose ID no preview listed before the
/// publish had (a superseded preview that never went live is still an
/// earlier one), that is not live, and, where both times are given, that
/// was made after the newest earlier preview.
pub(super) fn new_preview(submissions: &[Submission], earlier: &Earlier) -> Option<String> {
    let newest_earlier = earlier.newest_created.as_deref().and_then(stamp);
    submissions
        .iter()
        .filter(|s| {
            s.target() == SubmissionTarget::Preview
                && !earlier.previews.contains(&s.id)
                && !submissions
                    .iter()
                    .any(|live| live.target() == SubmissionTarget::Live && live.id == s.id)
                && match (newest_earlier, s.created.as_deref().and_then(stamp)) {
                    (Some(before), Some(made)) => made > before,
                    _ => true,
                }
        })
        .max_by_key(|s| s.number())
        .map(|s| s.id.clone())
}

/// How a publish to preview stands by the product's submissions: the
/// preview entry of `submission`.
pub(super) fn preview_snapshot(submissions: &[Submission], submission: Option<&str>) -> Snapshot {
    let preview = submissions
        .iter()
        .filter(|s| {
            s.target() == SubmissionTarget::Preview && submission.is_none_or(|id| s.id == id)
        })
        .max_by_key(|s| s.number());
    let Some(preview) = preview else {
        return Snapshot {
            state: State::Running,
            status: "the preview submission is not listed yet".to_owned(),
            ..Snapshot::default()
        };
    };
    let id = untrusted(&preview.id, 100);
    let state = match preview.state() {
        SubmissionState::Succeeded => State::Succeeded,
        SubmissionState::Failed => State::Failed,
        SubmissionState::Canceled => State::Canceled,
        SubmissionState::InProgress | SubmissionState::Unknown => State::Running,
    };
    Snapshot {
        state,
        status: format!("preview submission {id}: {}", preview.describe_state()),
        reasons: match state {
            State::Failed => vec![format!(
                "preview submission {id} failed; the submissions list gives no reason: see Partner Center"
            )],
            _ => Vec::new(),
        },
        submission: (state == State::Succeeded).then(|| preview.id.clone()),
        ..Snapshot::default()
    }
}

/// The product of `offer_id` out of what the lookup listed: only one whose
/// external ID is `offer_id`. A lone product that says nothing of its
/// identity is taken, with a note saying so. `Err` says why none is
/// taken, and what was listed instead.
pub(super) fn choose_product(
    products: Vec<Product>,
    offer_id: &str,
    offer_input: &str,
) -> Result<(Product, Option<String>), String> {
    let is_ours = |product: &Product| product.identity == Identity::ExternalId(offer_id.to_owned());
    let mut ours: Vec<Product> = Vec::new();
    for product in products.iter().filter(|product| is_ours(product)) {
        if !ours.iter().any(|known| known.id == product.id) {
            ours.push(product.clone());
        }
    }
    let shown = |product: &Product| untrusted(&product.id, 100);
    let not_found = format!(
        "no product with external ID '{offer_id}' in the account this application belongs to: check {offer_input}, and that the application was added to that Partner Center account"
    );
    match (ours.as_slice(), products.as_slice()) {
        ([one], _) => Ok((one.clone(), None)),
        ([], [lone]) if lone.identity == Identity::Absent => Ok((
            lone.clone(),
            Some(format!(
                "the service answered one product, {}, for external ID '{offer_id}' without saying which external ID it has: it is taken as the offer's",
                shown(lone)
            )),
        )),
        ([], []) => Err(not_found),
        ([], listed) => {
            let names: Vec<String> = listed
                .iter()
                .take(5)
                .map(|product| match &product.identity {
                    Identity::ExternalId(id) => format!("'{}'", untrusted(id, 60)),
                    Identity::Absent | Identity::Unclear => {
                        format!("{} (no readable external ID)", shown(product))
                    }
                })
                .collect();
            Err(format!(
                "{not_found}; the service listed {} other product(s) ({}{}), and none is taken in its place",
                listed.len(),
                names.join(", "),
                if listed.len() > names.len() {
                    ", ..."
                } else {
                    ""
                }
            ))
        }
        (several, _) => Err(format!(
            "the service listed {} products with external ID '{offer_id}' ({}): which one is the offer cannot be told, so none is taken",
            several.len(),
            several
                .iter()
                .take(5)
                .map(shown)
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// `product/<guid>` less `product/`, when it is safe in a path segment.
pub(super) fn product_guid(product_id: &str) -> Option<&str> {
    let guid = product_id.strip_prefix("product/").unwrap_or(product_id);
    is_job_id(guid).then_some(guid)
}

/// Hints for the service messages the reference lists.
pub(super) fn known_message_hint(lowercase: &str) -> Option<&'static str> {
    if lowercase.contains("in progress submission") && lowercase.contains("already exists") {
        Some("another publish is running on the offer: wait for it to end, then run this again")
    } else if lowercase.contains("not the latest submission") {
        Some(
            "the preview is stale, a newer submission exists: publish to preview again, then go live",
        )
    } else if lowercase.contains("issues found during certification")
        || lowercase.contains("certification failed")
        || (lowercase.contains("invalidstate") && lowercase.contains("certification"))
    {
        Some("certification failed: fix the image or offer; retrying will not help")
    } else if lowercase.contains("cnab has been updated without updating the version") {
        Some(
            "a published bundle version was rebuilt: increment the version in manifest.yaml, rebuild the bundle and give the new tag",
        )
    } else if lowercase.contains("access to registry") && lowercase.contains("denied") {
        Some(
            "give Microsoft's first-party application 32597670-3e15-4def-8851-614ff48c1efa the acrpull role on the registry, and register the Microsoft.PartnerCenterIngestion resource provider on its subscription",
        )
    } else if lowercase.contains("cnab repository") && lowercase.contains("cannot be found") {
        Some(
            "push the bundle first (cpa buildbundle), and keep the registry in the Partner Center account's Microsoft Entra tenant, with acrpull for the first-party application 32597670-3e15-4def-8851-614ff48c1efa",
        )
    } else if lowercase.contains("schema")
        && (lowercase.contains("could not be accessed") || lowercase.contains("validation failed"))
    {
        Some(
            "the service refused the request's schema: this version of go-live sends the 2022-03-01-preview2 schemas; report this",
        )
    } else {
        None
    }
}

/// The reasons of a failed or canceled job: a hint for a known message
/// first, then every error line.
pub(super) fn failure_reasons(errors: &[String], state: State) -> Vec<String> {
    let all = errors.join("\n").to_ascii_lowercase();
    let mut reasons: Vec<String> = known_message_hint(&all)
        .map(str::to_owned)
        .into_iter()
        .collect();
    reasons.extend(errors.iter().cloned());
    if reasons.is_empty() && state == State::Canceled {
        reasons.push("the job was canceled".to_owned());
    }
    reasons
}

/// ` (code: message)` of a refusal, with its details.
pub(super) fn error_detail(body: &str) -> String {
    match serde_json::from_str::<ErrorBody>(body) {
        Ok(ErrorBody { error: Some(error) }) => {
            let lines = error_lines(vec![error]);
            format!(
                " ({})",
                lines
                    .iter()
                    .map(|l| l.trim())
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        }
        _ => crate::publish::lenient::error_detail(body),
    }
}

/// A job ID goes into a URL path: letters, digits and `-` only.
/// `submission/<product GUID>/<number>`, as the service names a
/// submission; anything else is an answer not understood.
pub(super) fn is_submission_id(id: &str) -> bool {
    let mut parts = id.split('/');
    matches!(
        (parts.next(), parts.next(), parts.next(), parts.next()),
        (Some("submission"), Some(guid), Some(number), None)
            if is_job_id(guid)
                && !number.is_empty()
                && number.len() <= 20
                && number.chars().all(|c| c.is_ascii_digit())
    )
}

pub(super) fn is_job_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 100 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arbitrary;
    use proptest::prelude::*;

    /// The words of the answers this module reads.
    const WORDS: &[&str] = &[
        "jobId",
        "jobID",
        "jobStatus",
        "jobResult",
        "errors",
        "code",
        "details",
        "resourceId",
        "message",
        "value",
        "@nextLink",
        "id",
        "externalId",
        "externalID",
        "target",
        "targetType",
        "status",
        "result",
        "lifecycleState",
        "preview",
        "live",
        "draft",
        "running",
        "completed",
        "succeeded",
        "failed",
        "cancelled",
        "notStarted",
        "pending",
        "inProgress",
        "submission/1/2",
        "product/1",
        "configure",
        "status",
        "",
    ];

    fn submission(id: &str, target: &str, status: &str, result: &str) -> Submission {
        serde_json::from_value(serde_json::json!({
            "id": id, "target": {"targetType": target}, "status": status, "result": result,
        }))
        .unwrap()
    }

    #[track_caller]
    fn check_decision(submissions: &[Submission], expected: &str) {
        let offer = Offer {
            publisher_id: None,
            offer_id: "contoso-vm".into(),
        };
        let watch = |id: &str, stage: Stage| OperationHandle {
            location: "https://h/submission/g".parse().unwrap(),
            id: id.to_owned(),
            product_id: None,
            submission_id: Some(id.to_owned()),
            stage,
            earlier: Earlier::default(),
        };
        let state = decide(&offer, "product/g", submissions, watch);
        let last = state
            .last_go_live
            .map(|handle| handle.id)
            .unwrap_or_default();
        let shown = match state.verdict {
            Verdict::Ready(request) => format!("send {}", request.submission_id.unwrap()),
            Verdict::Live(text) => format!("live: {text}"),
            Verdict::NotReady(text) => format!("fail: {text}"),
            Verdict::Running(handle) => format!("follow {}", handle.id),
            other => format!("{other:?}"),
        };
        let shown = format!("{shown} (last go-live: {last})");
        assert!(shown.contains(expected), "{shown:?} lacks {expected:?}");
    }

    #[test]
    fn a_new_preview_is_none_of_the_earlier_ones_and_newer_than_all() {
        let made = |id: &str, target: &str, created: &str| -> Submission {
            serde_json::from_value(serde_json::json!({
                "id": id, "target": {"targetType": target}, "status": "completed",
                "result": "succeeded", "created": created,
            }))
            .unwrap()
        };
        let earlier = Earlier {
            previews: vec!["submission/g/5".into(), "submission/g/7".into()],
            newest_created: Some("2026-04-03T11:02:45.5521908Z".into()),
        };
        let old = made("submission/g/5", "preview", "2026-03-01T00:00:00Z");
        let newest = made("submission/g/7", "preview", "2026-04-03T11:02:45.5521908Z");
        let cases: [(Vec<Submission>, Option<&str>); 5] = [
            // Only earlier previews: a superseded one is not new.
            (vec![old.clone(), newest.clone()], None),
            (
                vec![
                    old.clone(),
                    newest.clone(),
                    made("submission/g/9", "preview", "2026-04-05T00:00:00Z"),
                ],
                Some("submission/g/9"),
            ),
            // A new ID made before the newest earlier preview is not ours.
            (
                vec![
                    old.clone(),
                    newest.clone(),
                    made("submission/g/9", "preview", "2026-02-01T00:00:00Z"),
                ],
                None,
            ),
            // Without a time, the ID decides.
            (
                vec![old.clone(), made("submission/g/9", "preview", "not a time")],
                Some("submission/g/9"),
            ),
            // A preview that is live is not the new one.
            (
                vec![
                    made("submission/g/9", "preview", "2026-04-05T00:00:00Z"),
                    made("submission/g/9", "live", "2026-04-05T00:00:00Z"),
                ],
                None,
            ),
        ];
        for (submissions, expected) in cases {
            assert_eq!(new_preview(&submissions, &earlier).as_deref(), expected);
        }
    }

    #[test]
    fn the_decision_table() {
        let draft = submission("submission/g/0", "draft", "completed", "succeeded");
        let preview = submission("submission/g/2", "preview", "completed", "succeeded");
        let old_live = submission("submission/g/1", "live", "completed", "succeeded");
        check_decision(
            &[draft.clone(), old_live.clone(), preview.clone()],
            "send submission/g/2",
        );
        check_decision(
            &[
                preview.clone(),
                submission("submission/g/3", "preview", "running", "pending"),
            ],
            "fail: a publish is in progress on offer 'contoso-vm': submission submission/g/3 to preview has status running, result pending",
        );
        check_decision(
            &[
                old_live.clone(),
                preview.clone(),
                submission("submission/g/2", "live", "notStarted", "pending"),
            ],
            "follow submission/g/2 (last go-live: submission/g/2)",
        );
        check_decision(&[old_live.clone(), preview.clone()], "(last go-live: )");
        check_decision(
            &[draft.clone(), old_live.clone()],
            "(last go-live: submission/g/1)",
        );
        check_decision(
            std::slice::from_ref(&draft),
            "fail: offer 'contoso-vm' was never published to preview",
        );
        check_decision(
            &[draft.clone(), old_live.clone()],
            "live: offer 'contoso-vm' has nothing in preview to promote; submission submission/g/1 is live",
        );
        check_decision(
            &[
                preview.clone(),
                submission("submission/g/2", "live", "completed", "succeeded"),
            ],
            "live: offer 'contoso-vm' is already live with its preview submission submission/g/2",
        );
        check_decision(
            &[submission(
                "submission/g/2",
                "Preview",
                "Completed",
                "Failed",
            )],
            "fail: the preview of offer 'contoso-vm' (submission submission/g/2) failed",
        );
        check_decision(
            &[submission(
                "submission/g/2",
                "preview",
                "completed",
                "pending",
            )],
            "is not ready (status completed, result pending)",
        );
        check_decision(
            &[
                submission("submission/g/2", "preview", "completed", "failed"),
                submission("submission/g/4", "preview", "completed", "succeeded"),
            ],
            "send submission/g/4",
        );
    }

    #[track_caller]
    fn check_choice(listed: &[(&str, &str)], expected: &str) {
        let products: Vec<Product> = listed
            .iter()
            .map(|(id, identity)| {
                serde_json::from_str(&format!(r#"{{"id":"{id}"{identity}}}"#)).unwrap()
            })
            .collect();
        let shown = match choose_product(products, "contoso-vm", "offer_id") {
            Ok((product, None)) => format!("take {}", product.id),
            Ok((product, Some(note))) => format!("take {} ({note})", product.id),
            Err(why) => format!("refuse: {why}"),
        };
        assert!(
            shown.starts_with(expected),
            "{shown:?} does not start with {expected:?}"
        );
    }

    #[test]
    fn a_product_is_taken_only_by_its_external_id() {
        let ours = r#","identity":{"externalId":"contoso-vm"}"#;
        let other = |n: usize| format!(r#","identity":{{"externalId":"other-{n}"}}"#);
        let (o1, o2, o3, o4) = (other(1), other(2), other(3), other(4));
        check_choice(
            &[
                ("product/1", &o1),
                ("product/2", &o2),
                ("product/3", ours),
                ("product/4", &o3),
                ("product/5", &o4),
            ],
            "take product/3",
        );
        check_choice(
            &[("product/1", &o1), ("product/2", &o2), ("product/4", &o3)],
            "refuse: no product with external ID 'contoso-vm' in the account this application belongs to: check offer_id, and that the application was added to that Partner Center account; the service listed 3 other product(s) ('other-1', 'other-2', 'other-3'), and none is taken in its place",
        );
        check_choice(
            &[],
            "refuse: no product with external ID 'contoso-vm' in the account",
        );
        check_choice(
            &[("product/1", r#","identity":{"ExternalID":"contoso-vm"}"#)],
            "take product/1",
        );
        check_choice(&[("product/1", ""), ("product/1", ours)], "take product/1");
        // A lone product without identity is taken, and said to be.
        check_choice(
            &[("product/9", "")],
            "take product/9 (the service answered one product, product/9, for external ID 'contoso-vm' without saying which external ID it has",
        );
        check_choice(&[("product/9", r#","identity":null"#)], "take product/9 (");
        // Never when it says another ID, or says it unclearly, or has
        // company.
        check_choice(&[("product/9", &o1)], "refuse: no product");
        check_choice(
            &[("product/9", r#","identity":{"externalId":5}"#)],
            "refuse: no product",
        );
        check_choice(
            &[("product/8", ""), ("product/9", "")],
            "refuse: no product",
        );
        check_choice(
            &[("product/1", ours), ("product/2", ours)],
            "refuse: the service listed 2 products with external ID 'contoso-vm' (product/1, product/2)",
        );
    }

    #[test]
    fn known_messages_get_hints() {
        for (errors, expected) in [
            (
                vec![
                    "[internalServerError] An In Progress submission 1152921504606871000 already exists.",
                ],
                "another publish is running",
            ),
            (
                vec![
                    "[conflict] The submission cannot be pushed to live as its not the latest submission.",
                ],
                "the preview is stale",
            ),
            (
                vec![
                    "[internalServerError] Operation failed",
                    "  [invalidState] Issues found during Certification.",
                ],
                "certification failed: fix the image or offer; retrying will not help",
            ),
            (
                vec![
                    "[badRequest] The CNAB has been updated without updating the version. Please publish again and increment your version from 1.0.0 to 1.0.1.",
                ],
                "increment the version in manifest.yaml",
            ),
            (
                vec![
                    "[badRequest] Access to registry contosoacr was denied. Please provide MarketPlace access to registry.",
                ],
                "32597670-3e15-4def-8851-614ff48c1efa the acrpull role",
            ),
            (
                vec![
                    "[badRequest] CNAB repository com.contoso.app cannot be found in registry contosoacr.",
                ],
                "push the bundle first",
            ),
        ] {
            let errors: Vec<String> = errors.into_iter().map(str::to_owned).collect();
            let reasons = failure_reasons(&errors, State::Failed);
            assert!(reasons[0].contains(expected), "{reasons:?}");
            assert_eq!(reasons.len(), errors.len() + 1);
        }
        assert_eq!(
            failure_reasons(&[], State::Canceled),
            vec!["the job was canceled"]
        );
        assert_eq!(
            error_detail(
                r#"{"error":{"code":"badRequest","message":"Cannot cancel","details":[{"code":"x","message":"y"}]}}"#
            ),
            " ([badRequest] Cannot cancel; [x] y)"
        );
    }

    proptest! {
        #![proptest_config(arbitrary::config())]

        /// Any job status body gives a status of our job or no answer.
        #[test]
        fn any_job_status_body_is_ours_or_no_answer(body in arbitrary::body(WORDS), ours in arbitrary::text(WORDS)) {
            if let Ok(snapshot) = job_snapshot(&body, &ours) {
                let failed = matches!(snapshot.state, State::Failed | State::Canceled);
                prop_assert_eq!(failed, !snapshot.reasons.is_empty());
            }
        }

        /// Any page of products or submissions is read or refused.
        #[test]
        fn any_collection_body_is_read_or_refused(body in arbitrary::body(WORDS)) {
            if let Ok(page) = serde_json::from_str::<crate::publish::ingestion::wire::Collection<Submission>>(&body) {
                let (submissions, _) = page.into_parts();
                for submission in &submissions {
                    let _ = (submission.target(), submission.number(), submission.describe_state());
                }
                let offer = Offer { publisher_id: None, offer_id: "contoso-vm".into() };
                let watch = |id: &str, stage: Stage| OperationHandle { location: "https://h/".parse().unwrap(), id: id.to_owned(), product_id: None, submission_id: None, stage, earlier: Earlier::default() };
                let state = decide(&offer, "product/1", &submissions, watch);
                if let Verdict::Running(handle) = &state.verdict {
                    prop_assert_eq!(Some(handle), state.last_go_live.as_ref());
                }
            }
            if let Ok(page) = serde_json::from_str::<crate::publish::ingestion::wire::Collection<Product>>(&body) {
                let _ = page.into_parts();
            }
            let _ = error_detail(&body);
        }

    }
}

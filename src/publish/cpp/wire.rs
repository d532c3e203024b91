//! The Cloud Partner Portal's JSON, read leniently: an operation as an
//! object or in an array (the documentation shows both), messages as
//! objects or strings, progress as a number or a string, a list of steps
//! or messages of another shape as absent.

use serde::Deserialize;
use serde_json::Value;

use crate::model::{Snapshot, State, Step};
use crate::publish::lenient::{Item, Number, Stamp, Text, or_none, shown, stamp, valid};
use crate::text::strip_html;

/// Most steps and messages kept from one answer.
const MOST_STEPS: usize = 50;
const MOST_MESSAGES: usize = 20;

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Operation {
    pub id: Option<Text>,
    pub status: Option<Text>,
    pub error: Option<Text>,
    #[serde(deserialize_with = "or_none")]
    pub steps: Option<Vec<Item<OperationStep>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct OperationStep {
    pub id: Option<Text>,
    pub step_name: Option<Text>,
    pub status: Option<Text>,
    #[serde(alias = "processPercentage")]
    pub progress_percentage: Option<Number>,
    pub estimated_time_frame: Option<Text>,
    #[serde(deserialize_with = "or_none")]
    pub messages: Option<Vec<Item<Message>>>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Message {
    Object {
        #[serde(alias = "message")]
        #[serde(rename = "messageHtml")]
        text: Option<Text>,
        level: Option<Text>,
    },
    /// One version of the documentation shows plain strings, which carry
    /// no level and so are never an error.
    Plain(serde::de::IgnoredAny),
}

/// Why a status body gave no status.
#[derive(Debug, PartialEq, Eq)]
pub enum Unread {
    /// Not an operation, nor a list of operations.
    NotAnOperation,
    /// Operations, but not one that is certainly ours; the text says what
    /// was there.
    NotOurs(String),
}

/// Our operation (the one whose `id` is `ours`) out of a status body: one
/// operation, or a list of them (the documentation's sample is a
/// one-element array); only JSON objects are operations. A lone operation
/// without an `id` is taken as ours; anything else needs its `id` to
/// match, and two that match cannot be told apart. With `ours` `None` (a
/// URL that names the operation by an alias, `p$o$2$preview`, while the
/// body gives its GUID), a lone operation is ours whatever its `id`.
pub fn our_operation(body: &str, ours: Option<&str>) -> Result<Operation, Unread> {
    let items = match serde_json::from_str(body) {
        Ok(Value::Array(items)) => items,
        Ok(object @ Value::Object(_)) => vec![object],
        _ => return Err(Unread::NotAnOperation),
    };
    let mut operations: Vec<Operation> = items
        .into_iter()
        .filter(Value::is_object)
        .filter_map(|item| serde_json::from_value(item).ok())
        .collect();
    let count = operations.len();
    let Some(ours) = ours else {
        return match count {
            0 => Err(Unread::NotAnOperation),
            1 => Ok(operations.swap_remove(0)),
            _ => Err(Unread::NotOurs(format!(
                "it describes {count} operations, and the URL names the operation by an alias, not by its ID, so which is ours cannot be told"
            ))),
        };
    };
    let matching: Vec<usize> = (0..count)
        .filter(|&i| {
            operations[i]
                .id()
                .is_some_and(|id| id.trim().eq_ignore_ascii_case(ours.trim()))
        })
        .collect();
    match (matching.as_slice(), count) {
        (_, 0) => Err(Unread::NotAnOperation),
        ([only], _) => Ok(operations.swap_remove(*only)),
        ([], 1) if operations[0].id().is_none() => Ok(operations.swap_remove(0)),
        ([], _) => {
            let ids: Vec<String> = operations
                .iter()
                .take(5)
                .map(|operation| operation.id().unwrap_or_else(|| "(no id)".to_owned()))
                .collect();
            Err(Unread::NotOurs(format!(
                "it describes {count} operation(s) ({}{}), none with the ID {ours}",
                ids.join(", "),
                if count > ids.len() { ", ..." } else { "" }
            )))
        }
        (several, _) => Err(Unread::NotOurs(format!(
            "it describes {} operations with the ID {ours}, which cannot be told apart",
            several.len()
        ))),
    }
}

/// The ID an operation's URL names, as the status body gives it: its last
/// segment percent-decoded (`op%20x` is `op x`), or `None` when that
/// segment is an alias (`contoso$contoso-offer$2$preview`, the form of an
/// offer not migrated), whose body carries the operation's GUID instead.
pub fn named_id(segment: &str) -> Option<String> {
    let decoded = percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .into_owned();
    (!decoded.contains('$')).then_some(decoded)
}

/// The documentation uses several vocabularies (`completed`, `succeeded`,
/// `not started`, `inProgress`, ...). Compare without case and spaces;
/// anything not known to be final is still running.
pub fn state(status: &str) -> State {
    let folded: String = status
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect();
    match folded.as_str() {
        "completed" | "complete" | "succeeded" => State::Succeeded,
        "failed" | "rejected" => State::Failed,
        "canceled" | "cancelled" => State::Canceled,
        _ => State::Running,
    }
}

impl Operation {
    /// The operation's `id`, as text.
    fn id(&self) -> Option<String> {
        shown(&self.id, 200)
    }

    /// The neutral view: steps, and the reasons for a failure in the
    /// service's words: its `error`, every error-level message of any
    /// step, and the status of a step failed, rejected or blocked without
    /// one.
    pub fn snapshot(self) -> Snapshot {
        let status = shown(&self.status, 50).unwrap_or_default();
        let mut reasons: Vec<String> = shown(&self.error, 1000).into_iter().collect();
        let mut steps = Vec::new();
        for step in valid(self.steps.unwrap_or_default()).take(MOST_STEPS) {
            let name = shown(&step.step_name, 100)
                .or_else(|| shown(&step.id, 100))
                .unwrap_or_else(|| "(unnamed step)".to_owned());
            let step_status = shown(&step.status, 50).unwrap_or_default();
            let stuck = state(&step_status) == State::Failed
                || step_status.trim().eq_ignore_ascii_case("blocked");
            let errors: Vec<String> = valid(step.messages.unwrap_or_default())
                .take(MOST_MESSAGES)
                .filter_map(|message| match message {
                    Message::Object { text, level } => {
                        let is_error = shown(&level, 30)
                            .is_some_and(|level| level.eq_ignore_ascii_case("error"));
                        is_error
                            .then(|| shown(&text, 1000))
                            .flatten()
                            .map(|text| strip_html(&text))
                    }
                    Message::Plain(_) => None,
                })
                .collect();
            if stuck && errors.is_empty() {
                reasons.push(format!("step '{name}' is {step_status}"));
            }
            for error in errors {
                reasons.push(format!("step '{name}': {error}"));
            }
            steps.push(Step {
                name,
                status: step_status,
                progress: step.progress_percentage.as_ref().and_then(Number::percent),
                estimated_time_frame: shown(&step.estimated_time_frame, 50),
            });
        }
        Snapshot {
            state: state(&status),
            status,
            steps,
            reasons,
            notes: Vec::new(),
            submission: None,
        }
    }
}

/// One item of an offer's list of operations. The sample calls the state
/// `submissionState` and the time `changedTime`; the property table calls
/// them `status` and `lastActionDateTime`: either is read.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Listed {
    id: Option<Text>,
    submission_type: Option<Text>,
    submission_state: Option<Text>,
    status: Option<Text>,
    changed_time: Option<Text>,
    last_action_date_time: Option<Text>,
}

impl Listed {
    /// `golive`, `publish`, or another type, lower case, letters only.
    fn kind(&self) -> String {
        letters(&shown(&self.submission_type, 50).unwrap_or_default())
    }

    /// The state word, as the service wrote it.
    fn status(&self) -> String {
        shown(&self.submission_state, 50)
            .or_else(|| shown(&self.status, 50))
            .unwrap_or_default()
    }

    fn stamp(&self) -> Option<Stamp> {
        [&self.changed_time, &self.last_action_date_time]
            .into_iter()
            .find_map(|time| shown(time, 60))
            .and_then(|time| stamp(&time))
    }

    /// The ID, when it can stand in a status monitor's path as it is.
    fn usable_id(&self) -> Option<String> {
        let id = shown(&self.id, 200)?;
        let safe = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '$');
        (id != "." && id != ".." && id.chars().all(safe)).then_some(id)
    }
}

fn letters(word: &str) -> String {
    word.chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// What an offer's list of operations shows, read as the reference says:
/// only what is positively recognised counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listing {
    /// A go-live is running: its ID.
    GoLiveRunning(String),
    /// The newest operation is a go-live that completed.
    Live,
    /// The newest operation is a publish to preview that is running,
    /// failed or was canceled: its ID (when it can be followed), state and
    /// status word.
    Publish(Option<String>, State, String),
    /// The newest operation is a publish that completed, or that waits for
    /// publisher signoff.
    Ready,
    /// Nothing recognised; the text says what was seen.
    Unrecognised(String),
}

/// An offer's list of operations, a bare array as documented or in the
/// `{"value": [...]}` envelope of Microsoft's other APIs: what it shows,
/// and the ID of the newest operation when that is a go-live. `Err` when
/// the body is neither.
pub fn listing(body: &str) -> Result<(Listing, Option<String>), String> {
    let items = match serde_json::from_str(body) {
        Ok(Value::Array(items)) => items,
        Ok(Value::Object(mut envelope)) => match envelope.remove("value") {
            Some(Value::Array(items)) => items,
            _ => return Err("a body that is not a list of operations".to_owned()),
        },
        _ => return Err("a body that is not a list of operations".to_owned()),
    };
    let items: Vec<Option<Listed>> = items
        .into_iter()
        .map(|item| match item {
            Value::Object(_) => serde_json::from_value(item).ok(),
            _ => None,
        })
        .collect();
    let running = items
        .iter()
        .flatten()
        .filter(|item| item.kind() == "golive" && letters(&item.status()) == "running")
        .max_by_key(|item| item.stamp());
    if let Some(running) = running {
        return Ok(match running.usable_id() {
            Some(id) => (Listing::GoLiveRunning(id.clone()), Some(id)),
            None => (
                Listing::Unrecognised(
                    "a go-live is listed as running, with an ID that cannot be followed".to_owned(),
                ),
                None,
            ),
        });
    }
    let unrecognised = |text: &str| Ok((Listing::Unrecognised(text.to_owned()), None));
    if items.is_empty() {
        return unrecognised("the offer lists no operations");
    }
    let stamped: Option<Vec<(Stamp, &Listed)>> = items
        .iter()
        .map(|item| item.as_ref().and_then(|item| Some((item.stamp()?, item))))
        .collect();
    let Some(mut stamped) = stamped else {
        return unrecognised("not every listed operation has a time that can be read");
    };
    stamped.sort_by_key(|(at, _)| *at);
    let (at, newest) = stamped[stamped.len() - 1];
    if stamped.len() > 1 && stamped[stamped.len() - 2].0 == at {
        return unrecognised("two operations share the newest time");
    }
    let kind = newest.kind();
    let status = newest.status();
    let last_go_live = (kind == "golive").then(|| newest.usable_id()).flatten();
    let listing = match (kind.as_str(), letters(&status).as_str()) {
        ("golive", "completed" | "complete" | "succeeded") => Listing::Live,
        ("publish", word @ ("running" | "failed" | "canceled" | "cancelled")) => {
            let state = match word {
                "running" => State::Running,
                "failed" => State::Failed,
                _ => State::Canceled,
            };
            match newest.usable_id() {
                None if state == State::Running => Listing::Unrecognised(
                    "the newest publish is running, with an ID that cannot be read".to_owned(),
                ),
                id => Listing::Publish(id, state, status),
            }
        }
        ("publish", "completed" | "complete" | "succeeded" | "waitingforpublisherreview") => {
            Listing::Ready
        }
        ("golive", _) => Listing::Unrecognised(format!("the offer's last go-live is '{status}'")),
        _ => Listing::Unrecognised(format!(
            "the newest operation is a '{}' in state '{status}'",
            shown(&newest.submission_type, 50).unwrap_or_default()
        )),
    };
    Ok((listing, last_go_live))
}

impl Operation {
    /// Whether the operation waits at publisher signoff: the preview is
    /// ready to go live.
    pub fn waits_for_signoff(&self) -> bool {
        let waiting = |status: &Option<Text>| {
            letters(&shown(status, 50).unwrap_or_default()) == "waitingforpublisherreview"
        };
        waiting(&self.status)
            || self
                .steps
                .iter()
                .flatten()
                .any(|step| matches!(step, Item::Valid(step) if waiting(&step.status)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arbitrary;
    use proptest::prelude::*;

    /// The words of the answers this module reads.
    const WORDS: &[&str] = &[
        "id",
        "status",
        "error",
        "steps",
        "stepName",
        "messages",
        "messageHtml",
        "message",
        "level",
        "progressPercentage",
        "processPercentage",
        "estimatedTimeFrame",
        "running",
        "completed",
        "succeeded",
        "failed",
        "canceled",
        "notStarted",
        "inProgress",
        "blocked",
        "error",
        "ours-1",
        "OURS-1",
        "submissionType",
        "submissionState",
        "changedTime",
        "goLive",
        "publish",
        "2026-01-01T00:00:00Z",
        "2026-01-02T00:00:00Z",
        "",
    ];

    #[track_caller]
    fn check_state(status: &str, expected: State) {
        assert_eq!(state(status), expected, "{status:?}");
    }

    #[test]
    fn an_alias_names_no_id_and_a_lone_operation_is_ours() {
        assert_eq!(named_id("op%20x").as_deref(), Some("op x"));
        assert_eq!(
            named_id("0a1b2c3d-5e1f-4c2a-9b7d-000000003dde").as_deref(),
            Some("0a1b2c3d-5e1f-4c2a-9b7d-000000003dde")
        );
        assert_eq!(named_id("contoso$contoso-offer$2$preview"), None);
        assert_eq!(named_id("contoso%24contoso-offer%242%24preview"), None);
        let guid = r#"{"id":"0a1b2c3d-5e1f-4c2a-9b7d-000000003dde","status":"running"}"#;
        assert!(our_operation(guid, None).is_ok());
        assert!(our_operation(&format!("[{guid}]"), None).is_ok());
        assert!(matches!(
            our_operation(&format!("[{guid},{guid}]"), None),
            Err(Unread::NotOurs(_))
        ));
    }

    #[test]
    fn status_vocabularies() {
        for status in ["completed", "Complete", "SUCCEEDED", "Succeeded "] {
            check_state(status, State::Succeeded);
        }
        for status in ["failed", "Failed", "rejected"] {
            check_state(status, State::Failed);
        }
        for status in ["canceled", "Cancelled", "CANCELED"] {
            check_state(status, State::Canceled);
        }
        for status in [
            "",
            "not started",
            "notStarted",
            "running",
            "inProgress",
            "waitingForPublisherReview",
            "blocked",
            "brandNewState",
        ] {
            check_state(status, State::Running);
        }
    }

    #[test]
    fn operation_bodies() {
        let object = r#"{"id":"1","status":"failed","steps":[{"stepName":"Live","status":"failed","progressPercentage":"40","estimatedTimeFrame":"~2-5 days","messages":[{"messageHtml":"<b>No virtual machine image</b> &amp; more","level":"error","timestamp":"x"},"plain",{"message":"info","level":"information"}]}, 7, {"id":"publisher-signoff","status":"complete","processPercentage":100}]}"#;
        let parsed = our_operation(object, Some("1")).unwrap().snapshot();
        let array = our_operation(&format!("[{object}]"), Some("1"))
            .unwrap()
            .snapshot();
        assert_eq!(array, parsed);
        assert_eq!(parsed.state, State::Failed);
        assert_eq!(
            parsed.steps,
            vec![
                Step {
                    name: "Live".into(),
                    status: "failed".into(),
                    progress: Some(40),
                    estimated_time_frame: Some("~2-5 days".into()),
                },
                Step {
                    name: "publisher-signoff".into(),
                    status: "complete".into(),
                    progress: Some(100),
                    estimated_time_frame: None,
                },
            ]
        );
        assert_eq!(
            parsed.reasons,
            vec!["step 'Live': No virtual machine image & more"]
        );
        for not_an_operation in ["not json", "[]", "42", "\"x\""] {
            assert!(
                matches!(
                    our_operation(not_an_operation, Some("1")),
                    Err(Unread::NotAnOperation)
                ),
                "{not_an_operation}"
            );
        }
        let failed = our_operation(
            r#"{"status":"failed","error":{"message":"boom"}}"#,
            Some("1"),
        )
        .unwrap()
        .snapshot();
        assert_eq!(failed.reasons, vec!["boom"]);
        let blocked = our_operation(
            r#"{"status":"running","steps":[{"stepName":"Certification","status":"blocked"}]}"#,
            Some("1"),
        )
        .unwrap()
        .snapshot();
        assert_eq!(blocked.reasons, vec!["step 'Certification' is blocked"]);
        // The reason a step gives, blocked or not, is kept in its words.
        let told = our_operation(
            r#"{"status":"running","steps":[
                {"stepName":"Certification","status":"blocked","messages":[{"messageHtml":"No virtual machine image was found for the plan <i>contoso</i>.","level":"error"},{"messageHtml":"queued","level":"information"}]},
                {"stepName":"Provisioning","status":"inProgress","messages":[{"messageHtml":"Disk too large","level":"Error"}]},
                {"stepName":"Packaging","status":"notStarted","messages":[{"messageHtml":"later","level":"warning"}]}
            ]}"#,
            Some("1"),
        )
        .unwrap()
        .snapshot();
        assert_eq!(told.state, State::Running);
        assert_eq!(
            told.reasons,
            vec![
                "step 'Certification': No virtual machine image was found for the plan contoso.",
                "step 'Provisioning': Disk too large",
            ]
        );
    }

    #[test]
    fn only_our_operation_is_read() {
        let older = r#"{"id":"old","status":"succeeded"}"#;
        let ours = r#"{"id":"OURS","status":"running"}"#;
        let unnamed = r#"{"status":"succeeded"}"#;
        let read = |body: String| our_operation(&body, Some("ours")).map(|op| op.snapshot().state);
        assert_eq!(read(format!("[{older},{ours}]")), Ok(State::Running));
        assert_eq!(read(format!("[{ours},{older}]")), Ok(State::Running));
        assert_eq!(read(format!("[{ours},{unnamed}]")), Ok(State::Running));
        assert_eq!(read(unnamed.to_owned()), Ok(State::Succeeded));
        assert_eq!(read(format!("[{unnamed}]")), Ok(State::Succeeded));
        for not_ours in [
            older.to_owned(),
            format!("[{older}]"),
            format!("[{unnamed},{unnamed}]"),
            format!("[{older},{unnamed}]"),
            format!("[{ours},{ours}]"),
        ] {
            assert!(
                matches!(read(not_ours.clone()), Err(Unread::NotOurs(_))),
                "{not_ours}"
            );
        }
    }

    #[track_caller]
    fn check_listing(items: &[(&str, &str, &str, &str)], expected: Listing, last: Option<&str>) {
        let body: Vec<Value> = items
            .iter()
            .map(|(id, kind, state, at)| {
                serde_json::json!({"id": id, "submissionType": kind, "submissionState": state, "changedTime": at})
            })
            .collect();
        let body = Value::Array(body).to_string();
        assert_eq!(
            listing(&body),
            Ok((expected, last.map(str::to_owned))),
            "{body}"
        );
    }

    #[test]
    fn a_list_in_its_envelope_reads_as_the_bare_list() {
        let items = r#"[{"id":"g-1","submissionType":"goLive","submissionState":"running","changedTime":"2026-01-01T00:00:00Z"}]"#;
        let bare = listing(items);
        assert_eq!(
            bare,
            Ok((Listing::GoLiveRunning("g-1".into()), Some("g-1".into())))
        );
        assert_eq!(
            listing(&format!(r#"{{"value": {items}, "@nextLink": null}}"#)),
            bare
        );
        assert!(matches!(
            listing(r#"{"value": []}"#),
            Ok((Listing::Unrecognised(_), None))
        ));
    }

    #[test]
    fn lists_of_operations() {
        const T1: &str = "2026-01-01T00:00:00Z";
        const T2: &str = "2026-01-01T00:00:00.5Z";
        let publish = ("p-1", "publish", "completed", T1);
        check_listing(
            &[publish, ("g-1", "GoLive", "running", T2)],
            Listing::GoLiveRunning("g-1".into()),
            Some("g-1"),
        );
        // A running go-live needs no time.
        check_listing(
            &[publish, ("g$1$x", "Go-Live", "Running", "")],
            Listing::GoLiveRunning("g$1$x".into()),
            Some("g$1$x"),
        );
        check_listing(
            &[("g-1", "goLive", "Completed", T2), publish],
            Listing::Live,
            Some("g-1"),
        );
        check_listing(&[publish], Listing::Ready, None);
        check_listing(
            &[
                ("g-1", "goLive", "completed", T1),
                ("p-2", "publish", "waitingForPublisherReview", T2),
            ],
            Listing::Ready,
            None,
        );
        for (state, expected) in [
            ("running", State::Running),
            ("Failed", State::Failed),
            ("cancelled", State::Canceled),
        ] {
            check_listing(
                &[
                    ("g-1", "goLive", "completed", T1),
                    ("p-2", "publish", state, T2),
                ],
                Listing::Publish(Some("p-2".into()), expected, state.into()),
                None,
            );
        }
        let unrecognised = |items: &[(&str, &str, &str, &str)], last: Option<&str>| {
            let body: Vec<Value> = items
                .iter()
                .map(|(id, kind, state, at)| serde_json::json!({"id": id, "submissionType": kind, "submissionState": state, "changedTime": at}))
                .collect();
            let read = listing(&Value::Array(body).to_string()).unwrap();
            assert!(matches!(read.0, Listing::Unrecognised(_)), "{read:?}");
            assert_eq!(read.1.as_deref(), last);
        };
        unrecognised(&[], None);
        unrecognised(&[("g-1", "goLive", "failed", T2), publish], Some("g-1"));
        unrecognised(
            &[
                ("g-1", "goLive", "completed", T2),
                ("p", "publish", "completed", "yesterday"),
            ],
            None,
        );
        unrecognised(&[("g-1", "goLive", "completed", T1), publish], None);
        unrecognised(&[("p-2", "certify", "running", T2), publish], None);
        unrecognised(&[publish, ("../x", "goLive", "running", T2)], None);
        for not_a_list in [
            "not json",
            "{}",
            r#"{"value": {}}"#,
            r#"{"items": []}"#,
            "7",
        ] {
            assert!(listing(not_a_list).is_err(), "{not_a_list}");
        }
    }

    proptest! {
        #![proptest_config(arbitrary::config())]

        /// Any list gives a reading; an ID it names can stand in a path.
        #[test]
        fn any_list_is_read_or_refused(body in arbitrary::body(WORDS)) {
            if let Ok((reading, last)) = listing(&body) {
                let ids = [match reading { Listing::GoLiveRunning(id) | Listing::Publish(Some(id), ..) => Some(id), _ => None }, last];
                for id in ids.into_iter().flatten() {
                    prop_assert!(id.chars().all(|c| c.is_ascii_alphanumeric() || "-_.$".contains(c)));
                    prop_assert!(id != "." && id != "..");
                }
            }
        }

        /// Any body gives our operation or no answer, never another's.
        #[test]
        fn any_status_body_is_ours_or_no_answer(body in arbitrary::body(WORDS), ours in arbitrary::text(WORDS)) {
            if let Ok(operation) = our_operation(&body, Some(&ours)) {
                let id = operation.id();
                prop_assert!(id.is_none_or(|id| id.trim().eq_ignore_ascii_case(ours.trim())));
                let snapshot = operation.snapshot();
                prop_assert!(snapshot.steps.len() <= MOST_STEPS);
            }
        }

        /// Ours is found among any other operations, wherever it stands.
        #[test]
        fn ours_is_found_among_others(
            others in proptest::collection::vec(arbitrary::json(WORDS), 0..4),
            at in 0usize..5,
            steps in arbitrary::json(WORDS),
        ) {
            let ours = serde_json::json!({"id": "ours-1", "status": "failed", "steps": steps});
            let mut list: Vec<serde_json::Value> = others
                .into_iter()
                .filter(|other| other.get("id").and_then(|id| id.as_str()).is_none_or(|id| !id.trim().eq_ignore_ascii_case("ours-1")))
                .collect();
            list.insert(at.min(list.len()), ours);
            let body = serde_json::Value::Array(list).to_string();
            let operation = our_operation(&body, Some("OURS-1")).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            prop_assert_eq!(operation.snapshot().state, State::Failed);
        }
    }
}

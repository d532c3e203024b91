//! Strategies for the property tests of every parser that reads outside
//! data: JSON shaped like the services' answers (their field names and
//! words, in any nesting and any type), and text of any kind.

use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::Value;

/// Bounded so that the whole suite stays fast; no regression files are
/// written into the tree.
pub fn config() -> Config {
    Config {
        cases: 256,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Field names and words the services use, so that generated bodies reach
/// deep into the parsers instead of failing at the first field.
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
    "jobId",
    "jobID",
    "jobStatus",
    "jobResult",
    "errors",
    "code",
    "details",
    "resourceId",
    "value",
    "@nextLink",
    "externalId",
    "externalID",
    "target",
    "targetType",
    "lifecycleState",
    "result",
    "access_token",
    "expires_in",
    "error_description",
    "sub",
    "aud",
    "repository",
    "ref",
    "running",
    "completed",
    "succeeded",
    "failed",
    "canceled",
    "cancelled",
    "notStarted",
    "inProgress",
    "live",
    "preview",
    "error",
    "blocked",
    "AADSTS700016: x",
    "ours",
    "",
];

/// A word the services use, or any text at all.
pub fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::sample::select(WORDS).prop_map(str::to_owned),
        1 => any::<String>(),
    ]
}

/// Any JSON value, up to a few levels deep, with the services' field names.
pub fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((text(), inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

/// A body as a server might send it: JSON shaped like an answer, or any
/// text.
pub fn body() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => json().prop_map(|value| value.to_string()),
        1 => any::<String>(),
        1 => proptest::collection::vec(any::<u8>(), 0..200)
            .prop_map(|bytes| String::from_utf8_lossy(&bytes).into_owned()),
    ]
}

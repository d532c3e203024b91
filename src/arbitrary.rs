//! Strategies for the property tests of every parser that reads outside
//! data: JSON shaped like a service's answers (the field names and words a
//! test gives, in any nesting and any type), and text of any kind. It
//! knows no API: each API's tests bring their own words.

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

/// One of `words` (the field names and words of the answers a parser
/// reads, so that generated bodies reach deep into it instead of failing
/// at the first field), or any text at all.
pub fn text(words: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::sample::select(words).prop_map(str::to_owned),
        1 => any::<String>(),
    ]
}

/// Any JSON value, up to a few levels deep, its keys and strings mostly
/// from `words`.
pub fn json(words: &'static [&'static str]) -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        text(words).prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((text(words), inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

/// A body as a server might send it: JSON shaped like an answer made of
/// `words`, or any text.
pub fn body(words: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        4 => json(words).prop_map(|value| value.to_string()),
        1 => any::<String>(),
        1 => proptest::collection::vec(any::<u8>(), 0..200)
            .prop_map(|bytes| String::from_utf8_lossy(&bytes).into_owned()),
    ]
}

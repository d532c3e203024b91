//! JSON values as a comparison of two versions of an offer sees them, in
//! any API: a URL without its query (a SAS's `st`, `se`, `sv` and `sig`
//! change at every read), and a value shown short, never with a
//! signature.

use serde_json::{Map, Value};

use crate::text::untrusted;

/// A value as it is compared: every URL without its query.
pub fn normal(value: Option<&Value>) -> Value {
    fn strip(value: &Value) -> Value {
        match value {
            Value::String(text) => Value::String(without_query(text).to_owned()),
            Value::Array(items) => Value::Array(items.iter().map(strip).collect()),
            Value::Object(map) => {
                Value::Object(map.iter().map(|(k, v)| (k.clone(), strip(v))).collect())
            }
            other => other.clone(),
        }
    }
    value.map(strip).unwrap_or(Value::Null)
}

/// A URL without its query; any other text as it is.
pub fn without_query(text: &str) -> &str {
    if text.starts_with("https://") || text.starts_with("http://") {
        text.split('?').next().unwrap_or(text)
    } else {
        text
    }
}

/// A value as a line shows it: short, a URL without its query, never a
/// signature.
pub fn shown(value: Option<&Value>) -> String {
    match normal(value) {
        Value::Null if value.is_none() => "(none)".to_owned(),
        Value::String(text) => untrusted(&text, 80),
        other => untrusted(&other.to_string(), 80),
    }
}

/// The names of the fields of either object, sorted, each once.
pub fn field_names<'a>(
    before: &'a Map<String, Value>,
    after: &'a Map<String, Value>,
) -> Vec<&'a String> {
    let mut names: Vec<&String> = before.keys().chain(after.keys()).collect();
    names.sort();
    names.dedup();
    names
}

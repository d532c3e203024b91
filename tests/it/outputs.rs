//! The outputs file as the runner reads it: values of any shape arrive
//! intact, and earlier records are kept.

use crate::support::parse_outputs;
use go_live::host::Runner;

#[track_caller]
fn check_round_trip(values: &[(&str, &str)]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("output");
    std::fs::write(&path, "earlier=kept\n").unwrap();
    let runner = Runner::github(Some(path.clone()), None, false);
    for (name, value) in values {
        runner.set_output(name, value).unwrap();
    }
    let parsed = parse_outputs(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(parsed["earlier"], "kept");
    for (name, value) in values {
        assert_eq!(parsed[*name], *value, "{name}");
    }
    assert_eq!(parsed.len(), values.len() + 1, "{parsed:?}");
}

#[test]
fn values_with_dollars_newlines_and_delimiter_lookalikes_survive() {
    check_round_trip(&[
        (
            "operation_location",
            "https://h/api/operations/contoso$vm$2$preview?api-version=2017-10-31",
        ),
        ("operation_id", "contoso$vm$2$preview"),
        (
            "multi",
            "line one\nline two\n\nEOF\nghadelimiter_0000\nstatus=succeeded",
        ),
        ("empty", ""),
    ]);
}

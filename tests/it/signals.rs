//! A canceled job: the runner sends SIGINT, then SIGTERM, to the container's
//! PID 1. The binary runs here as PID 1 of its own PID namespace, where the
//! kernel drops signals that have no handler, exactly as in a container.

use crate::support::Action;
use mockito::{Matcher, Server};

const OP_PATH: &str = "/api/operations/contoso$contoso-vm$2$preview";

#[track_caller]
fn check_stopped_by(signal: &str, expected_code: i32) {
    let mut server = Server::new();
    server
        .mock("GET", OP_PATH)
        .match_query(Matcher::UrlEncoded("api-version".into(), "2017-10-31".into()))
        .with_body(r#"{"status":"running","steps":[{"stepName":"Live","status":"inProgress","progressPercentage":5}]}"#)
        .expect_at_least(1)
        .create();
    let location = format!("{}{OP_PATH}", server.url());
    let action = Action::new(&server.url())
        .with("operation_location", &location)
        .with("poll_interval", "50ms")
        .with("wait_timeout", "10m");
    // The binary is the only child of unshare (or of sudo's unshare).
    let run =
        action.interrupt_while_waiting(action.command_as_pid1(), signal, descendant_running_binary);

    assert_eq!(run.code, Some(expected_code), "{}", run.stdout);
    assert_eq!(run.outputs["operation_location"], location);
    assert_eq!(run.outputs["status"], "running");
    let error = run.error();
    assert!(
        error.contains(&format!("stopped by SIG{signal}")),
        "{error}"
    );
    assert!(
        error.contains(&format!(
            "run this action with operation_location: {location}"
        )),
        "{error}"
    );
    assert!(run.summary.contains("**running**"), "{}", run.summary);
    assert!(
        run.summary.contains("| Live | inProgress | 5% |"),
        "{}",
        run.summary
    );
}

/// The deepest process below `pid` whose command is the go-live binary.
fn descendant_running_binary(pid: u32) -> Option<u32> {
    let children = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).ok()?;
    for child in children
        .split_whitespace()
        .filter_map(|c| c.parse::<u32>().ok())
    {
        if let Some(found) = descendant_running_binary(child) {
            return Some(found);
        }
        let exe = std::fs::read_link(format!("/proc/{child}/exe")).ok()?;
        if exe.ends_with("go-live") {
            return Some(child);
        }
    }
    None
}

#[test]
fn sigterm_while_waiting_keeps_the_outputs_and_says_how_to_resume() {
    check_stopped_by("TERM", 143);
}

#[test]
fn sigint_while_waiting_keeps_the_outputs_and_says_how_to_resume() {
    check_stopped_by("INT", 130);
}

//! A canceled job: the runner sends SIGINT, then SIGTERM, to the container's
//! PID 1. The binary runs here as PID 1 of its own PID namespace, where the
//! kernel drops signals that have no handler, exactly as in a container.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use mockito::{Matcher, Server};
use support::Action;

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
    let mut child = action
        .command_as_pid1()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    // Wait until the binary is following the operation.
    let (lines_tx, lines_rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            all.push_str(&line);
            all.push('\n');
            let _ = lines_tx.send(line);
        }
        all
    });
    loop {
        let line = lines_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("the binary did not start following");
        if line.starts_with("::group::") {
            break;
        }
    }

    // The binary is the only child of unshare (or of sudo's unshare).
    let pid = descendant_running_binary(child.id()).expect("the binary's process");
    let killed = Command::new("kill")
        .args([format!("-{signal}"), pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());

    let (done_tx, done_rx) = mpsc::channel();
    std::thread::spawn(move || done_tx.send(child.wait_with_output().unwrap()));
    let Ok(output) = done_rx.recv_timeout(Duration::from_secs(10)) else {
        let _ = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
        panic!("the binary did not stop after SIG{signal}");
    };
    let stdout = reader.join().unwrap();
    let run = action.finish(
        output.status,
        stdout,
        String::from_utf8(output.stderr).unwrap(),
    );

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

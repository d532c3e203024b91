//! Following an operation, through the real binary: status vocabularies,
//! body shapes, transient failures, Retry-After, timeouts, resuming, the
//! token's origin, and progress lines.

use crate::support::{Action, Reply, Run, ScriptedServer, TOKEN};
use mockito::{Matcher, Mock, Server, ServerGuard};
use serde_json::json;

const OP_PATH: &str = "/api/publishers/contoso/offers/contoso-vm/operations/0f3e2a9c";

fn operation(status: &str, steps: &[(&str, &str, u8)]) -> String {
    let steps: Vec<_> = steps
        .iter()
        .map(|(name, status, progress)| {
            json!({"id": name, "stepName": name, "description": "", "status": status,
                   "progressPercentage": progress, "estimatedTimeFrame": "~2-5 days", "messages": []})
        })
        .collect();
    json!({"id": "0f3e2a9c", "submissionType": "goLive", "status": status, "steps": steps})
        .to_string()
}

/// A status request for the operation, with the api-version the client
/// must send.
fn status_monitor(server: &mut ServerGuard) -> Mock {
    server.mock("GET", OP_PATH).match_query(Matcher::UrlEncoded(
        "api-version".into(),
        "2017-10-31".into(),
    ))
}

/// The status monitor answers each body in turn, exactly once each.
fn status_mocks(server: &mut ServerGuard, replies: &[(usize, String)]) -> Vec<Mock> {
    replies
        .iter()
        .map(|(status, body)| {
            status_monitor(server)
                .match_header("authorization", format!("Bearer {TOKEN}").as_str())
                .with_status(*status)
                .with_body(body)
                .expect(1)
                .create()
        })
        .collect()
}

/// Follows an operation whose monitor answers `replies` in turn (via the
/// operation_location input), and checks every reply was asked for once.
#[track_caller]
fn follow(replies: &[(usize, String)], inputs: &[(&str, &str)]) -> Run {
    let mut server = Server::new();
    let no_post = server.mock("POST", Matcher::Any).expect(0).create();
    let mocks = status_mocks(&mut server, replies);
    let mut action = Action::new(&server.url())
        .with("operation_location", &format!("{}{OP_PATH}", server.url()));
    for (name, value) in inputs {
        action = action.with(name, value);
    }
    let run = action.env("RUNNER_DEBUG", "1").run();
    no_post.assert();
    for mock in mocks {
        mock.assert();
    }
    assert_eq!(
        run.outputs["operation_location"],
        format!("{}{OP_PATH}", server.url())
    );
    assert_eq!(run.outputs["operation_id"], "0f3e2a9c");
    run
}

#[track_caller]
fn check_final(running: &str, last: String, status: &str, code: i32) -> Run {
    let run = follow(
        &[
            (200, operation(running, &[("Live", "inProgress", 10)])),
            (200, last),
        ],
        &[],
    );
    assert_eq!(run.code, Some(code), "{}", run.stdout);
    assert_eq!(run.outputs["status"], status, "{}", run.stdout);
    assert!(
        run.summary.contains(&format!("**{status}**")),
        "{}",
        run.summary
    );
    run
}

#[test]
fn each_status_vocabulary_maps_to_one_outcome() {
    for done in ["completed", "Complete", "succeeded", "Succeeded"] {
        check_final("running", operation(done, &[]), "succeeded", 0);
    }
    for failed in ["failed", "Failed", "rejected"] {
        check_final("notStarted", operation(failed, &[]), "failed", 1);
    }
    for canceled in ["canceled", "Cancelled"] {
        check_final("not started", operation(canceled, &[]), "canceled", 1);
    }
    // A state never seen before means still running.
    check_final("somethingNew", operation("completed", &[]), "succeeded", 0);
}

#[test]
fn array_wrapped_bodies_are_read() {
    let running = format!("[{}]", operation("running", &[]));
    let done = format!("[{}]", operation("completed", &[("Live", "complete", 100)]));
    let run = follow(&[(200, running), (200, done)], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(run.outputs["status"], "succeeded");
}

#[test]
fn a_failed_operation_shows_its_step_errors() {
    let failed = json!({
        "status": "failed",
        "steps": [
            {"stepName": "Validate pre-requisites", "status": "complete", "progressPercentage": 100, "messages": []},
            {"stepName": "Certification", "status": "failed", "progressPercentage": 30, "estimatedTimeFrame": "< 2 days",
             "messages": [
                {"messageHtml": "Certification started", "level": "information", "timestamp": "2026-01-01T00:00:00Z"},
                {"messageHtml": "No virtual machine image was found for the plan <b>gen2</b>", "level": "error", "timestamp": "2026-01-01T00:00:00Z"}
             ]}
        ]
    })
    .to_string();
    let run = follow(&[(200, failed)], &[]);
    assert_eq!(run.code, Some(1));
    assert_eq!(run.outputs["status"], "failed");
    let error = run.error();
    assert!(error.contains("the operation failed: step 'Certification': No virtual machine image was found for the plan gen2"), "{error}");
    assert!(!error.contains("Certification started"), "{error}");
    assert!(
        run.summary
            .contains("| Certification | failed | 30% | &lt; 2 days |"),
        "{}",
        run.summary
    );
    assert!(
        run.summary.contains("No virtual machine image was found"),
        "{}",
        run.summary
    );
}

#[test]
fn a_canceled_operation_is_not_a_success() {
    let run = follow(
        &[(
            200,
            json!({"status": "canceled", "error": "canceled by the publisher"}).to_string(),
        )],
        &[],
    );
    assert_eq!(run.code, Some(1));
    assert_eq!(run.outputs["status"], "canceled");
    assert!(
        run.error()
            .contains("the operation was canceled: canceled by the publisher"),
        "{}",
        run.stdout
    );
}

#[test]
fn transient_failures_are_retried_then_followed_to_the_end() {
    let run = follow(
        &[
            (
                503,
                r#"{"error":{"code":"ServiceUnavailable","message":"try later"}}"#.into(),
            ),
            (200, "{not json".into()),
            (502, String::new()),
            (429, String::new()),
            (200, operation("completed", &[])),
        ],
        &[],
    );
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(run.outputs["status"], "succeeded");
    let log = run.log();
    assert!(
        log.contains(
            "HTTP 503 Service Unavailable (ServiceUnavailable: try later); trying again in"
        ),
        "{log}"
    );
    assert!(
        log.contains("a body that is not an operation ({not json)"),
        "{log}"
    );
    assert!(log.contains("(4 of at most 10 failures in a row)"), "{log}");
}

#[test]
fn a_cut_connection_is_retried() {
    let done = operation("succeeded", &[]);
    let server = ScriptedServer::start(vec![Reply::Close, Reply::Http(200, vec![], done)]);
    let run = Action::new(&server.url)
        .with("operation_location", &format!("{}{OP_PATH}", server.url))
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(run.outputs["status"], "succeeded");
    assert!(
        run.log().contains("status request failed"),
        "{}",
        run.stdout
    );
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn consecutive_failures_are_bounded() {
    let replies: Vec<_> = (0..10).map(|_| (500, "boom".to_owned())).collect();
    let run = follow(&replies, &[]);
    assert_eq!(run.code, Some(1));
    let error = run.error();
    assert!(error.contains("10 status requests in a row got no usable answer, the last one: the status monitor answered HTTP 500 Internal Server Error (body: boom)"), "{error}");
    assert!(error.contains("operation_location"), "{error}");
    assert_eq!(run.outputs["status"], "unknown");
}

/// The service asks for a delay longer than wait_timeout: there is no second
/// request, and the run ends at the deadline.
#[track_caller]
fn check_retry_after_is_honoured(header: &str, value: &str) {
    let mut server = Server::new();
    let mock = status_monitor(&mut server)
        .with_status(200)
        .with_header(header, value)
        .with_body(operation("running", &[]))
        .expect(1)
        .create();
    let run = Action::new(&server.url())
        .with("operation_location", &format!("{}{OP_PATH}", server.url()))
        .with("wait_timeout", "300ms")
        .run();
    mock.assert();
    assert_eq!(run.code, Some(3), "{header}: {}", run.stdout);
    assert_eq!(run.outputs["status"], "running");
}

#[test]
fn retry_after_in_each_form_delays_the_next_poll() {
    check_retry_after_is_honoured("retry-after", "3600");
    check_retry_after_is_honoured("retry-after-ms", "3600000");
    check_retry_after_is_honoured("x-ms-retry-after-ms", "3600000");
    let in_an_hour = httpdate::fmt_http_date(
        std::time::SystemTime::now() + std::time::Duration::from_secs(3600),
    );
    check_retry_after_is_honoured("retry-after", &in_an_hour);

    // A short one is waited out, and said so in the debug log.
    let mut server = Server::new();
    status_monitor(&mut server)
        .with_header("retry-after-ms", "40")
        .with_body(operation("running", &[]))
        .expect(1)
        .create();
    status_monitor(&mut server)
        .with_body(operation("completed", &[]))
        .expect(1)
        .create();
    let run = Action::new(&server.url())
        .with("operation_location", &format!("{}{OP_PATH}", server.url()))
        .env("RUNNER_DEBUG", "1")
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("::debug::next status request in 40ms (the service asked for 40ms)"),
        "{}",
        run.stdout
    );
}

#[test]
fn running_out_of_wait_timeout() {
    let mut server = Server::new();
    let mock = status_monitor(&mut server)
        .with_body(operation("running", &[]))
        .expect_at_least(2)
        .create();
    let location = format!("{}{OP_PATH}", server.url());
    let run = Action::new(&server.url())
        .with("operation_location", &location)
        .with("wait_timeout", "200ms")
        .run();
    mock.assert();
    assert_eq!(run.code, Some(3));
    assert_eq!(run.outputs["status"], "running");
    let error = run.error();
    assert!(
        error.contains("still running after wait_timeout (200ms)"),
        "{error}"
    );
    assert!(
        error.contains(&format!(
            "run this action with operation_location: {location}"
        )),
        "{error}"
    );

    let run = Action::new(&server.url())
        .with("operation_location", &location)
        .with("wait_timeout", "200ms")
        .with("fail_on_timeout", "false")
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(run.outputs["status"], "running");
    assert!(run.annotations("error").is_empty());
    assert_eq!(run.annotations("warning").len(), 1, "{}", run.stdout);
}

#[test]
fn go_live_then_wait_polls_exactly_once_per_status() {
    let mut server = Server::new();
    let post = server
        .mock("POST", "/api/publishers/contoso/offers/contoso-vm/golive")
        .match_query(Matcher::Any)
        .with_status(202)
        .with_header("location", &format!("{OP_PATH}?api-version=2017-10-31"))
        .expect(1)
        .create();
    let polls = 5;
    let mut replies: Vec<(usize, String)> = (1..polls)
        .map(|_| (200, operation("running", &[])))
        .collect();
    replies.push((200, operation("succeeded", &[])));
    let gets: Vec<Mock> = replies
        .iter()
        .map(|(status, body)| {
            status_monitor(&mut server)
                .with_status(*status)
                .with_body(body)
                .expect(1)
                .create()
        })
        .collect();
    let run = Action::new(&server.url()).with("wait", "true").run();
    post.assert();
    for get in gets {
        get.assert();
    }
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(run.outputs["status"], "succeeded");
    // The operation's URL was written before the wait began.
    let location_at = run.outputs_raw.find("operation_location<<").unwrap();
    let status_at = run.outputs_raw.find("status<<").unwrap();
    assert!(location_at < status_at);
}

#[test]
fn progress_is_logged_once_per_change() {
    let run = follow(
        &[
            (200, operation("running", &[("Live", "inProgress", 0)])),
            (200, operation("running", &[("Live", "inProgress", 0)])),
            (200, operation("running", &[("Live", "inProgress", 0)])),
            (200, operation("running", &[("Live", "inProgress", 50)])),
            (200, operation("running", &[("Live", "inProgress", 50)])),
            (200, operation("completed", &[("Live", "complete", 100)])),
        ],
        &[],
    );
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let groups = run.annotations("group");
    assert_eq!(groups.len(), 3, "{}", run.stdout);
    assert!(
        groups[0].ends_with("operation running; Live: inProgress 0%"),
        "{groups:?}"
    );
    assert!(
        groups[1].ends_with("operation running; Live: inProgress 50%"),
        "{groups:?}"
    );
    assert!(
        groups[2].ends_with("operation completed; Live: complete 100%"),
        "{groups:?}"
    );
    assert_eq!(
        run.log()
            .matches("Live: inProgress, 0% (estimated ~2-5 days)")
            .count(),
        1,
        "{}",
        run.stdout
    );
    assert_eq!(
        run.stdout.matches("::debug::status request").count(),
        3,
        "{}",
        run.stdout
    );
    assert!(
        run.summary
            .contains("| Live | complete | 100% | ~2-5 days |"),
        "{}",
        run.summary
    );
}

#[test]
fn a_status_monitor_on_another_origin_never_gets_the_token() {
    let mut elsewhere = Server::new();
    let stolen = elsewhere.mock("GET", Matcher::Any).expect(0).create();
    let mut server = Server::new();
    let foreign = format!("{}/api/operations/0f3e2a9c", elsewhere.url());
    server
        .mock("POST", "/api/publishers/contoso/offers/contoso-vm/golive")
        .match_query(Matcher::Any)
        .with_status(202)
        .with_header("operation-location", &foreign)
        .expect(1)
        .create();
    let run = Action::new(&server.url()).with("wait", "true").run();
    stolen.assert();
    assert_eq!(run.code, Some(1));
    assert_eq!(run.outputs["operation_location"], foreign);
    assert_eq!(run.outputs["status"], "unknown");
    let error = run.error();
    assert!(error.contains("is not on the origin of api_url"), "{error}");
    assert!(error.contains("outcome is unknown"), "{error}");

    // The same for an operation_location given as input.
    let run = Action::new(&server.url())
        .with("operation_location", &foreign)
        .run();
    stolen.assert();
    assert_eq!(run.code, Some(1));
    assert_eq!(run.outputs["status"], "unknown");
}

#[test]
fn final_answers_of_the_status_monitor_end_the_wait() {
    for (status, expected) in [
        (
            404,
            "HTTP 404 Not Found (NotFound: no operation): no such operation: check operation_location",
        ),
        (
            403,
            "HTTP 403 Forbidden (NotFound: no operation): the token's application may not read this operation",
        ),
        (
            401,
            "HTTP 401 Unauthorized (NotFound: no operation): the token was refused; it is missing, malformed or has expired",
        ),
    ] {
        let run = follow(
            &[(
                status,
                r#"{"error":{"code":"NotFound","message":"no operation"}}"#.into(),
            )],
            &[],
        );
        assert_eq!(run.code, Some(1));
        let error = run.error();
        assert!(error.contains(expected), "{error}");
        // The way back, once, from the input the run was given.
        assert!(
            error.contains("; the operation was not followed to its end: to follow it again, run this action with operation_location: http://"),
            "{error}"
        );
        assert_eq!(error.matches("follow it again").count(), 1, "{error}");
        assert_eq!(run.outputs["status"], "unknown", "{status}");
    }
}

#[test]
fn a_failure_with_huge_messages_keeps_the_summary_within_githubs_limit() {
    // Within the body cap, but every '&' becomes five bytes of Markdown.
    let message = "&".repeat(1000);
    let messages: Vec<String> = (0..4)
        .map(|_| json!({"messageHtml": message, "level": "error"}).to_string())
        .collect();
    let steps: Vec<String> = (0..50)
        .map(|i| {
            format!(
                r#"{{"stepName":"Step {i} {}","status":"failed","messages":[{}]}}"#,
                "&".repeat(90),
                messages.join(",")
            )
        })
        .collect();
    let body = format!(r#"{{"status":"failed","steps":[{}]}}"#, steps.join(","));
    assert!(body.len() < 256 * 1024, "{}", body.len());
    let run = follow(&[(200, body)], &[]);
    assert_eq!(run.code, Some(1));
    assert_eq!(run.outputs["status"], "failed");
    assert!(run.summary.len() < 128 * 1024, "{}", run.summary.len());
    let head: String = run.summary.lines().take(12).collect::<Vec<_>>().join("\n");
    assert!(
        head.starts_with("### Azure Marketplace go-live: failed"),
        "{head}"
    );
    assert!(head.contains("| operation | http://127.0.0.1:"), "{head}");
    assert!(head.contains("| status | **failed** |"), "{head}");
    // Unbounded, the reasons alone would be over 1 MiB of Markdown. The
    // annotation is cut too, and the log has the whole text.
    assert!(run.summary.contains("&amp;…"), "{}", run.summary);
    assert!(run.error().ends_with("… (cut)"), "{}", run.error());
    let whole = run.log().find("The whole error:").expect("the whole error");
    assert!(run.log()[whole..].len() > 200_000);
}

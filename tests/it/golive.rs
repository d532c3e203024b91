//! Starting go-live, through the real binary: the request sent, the outputs
//! and summary written, the errors shown, and which answers are retried.

use crate::support::{Action, Run, TOKEN};
use expect_test::expect;
use mockito::{Matcher, Server, ServerGuard};

const GO_LIVE_PATH: &str = "/api/publishers/contoso/offers/contoso-vm/golive";

fn go_live_mock(server: &mut ServerGuard) -> mockito::Mock {
    crate::support::ready_offer(server);
    server
        .mock("POST", GO_LIVE_PATH)
        .match_query(Matcher::UrlEncoded(
            "api-version".into(),
            "2017-10-31".into(),
        ))
        .match_header("authorization", format!("Bearer {TOKEN}").as_str())
        .match_header("content-type", "application/json")
        .match_header(
            "user-agent",
            Matcher::Regex("^go-live/[0-9]+\\.[0-9]+\\.[0-9]+$".into()),
        )
}

/// A go-live the service accepts with `header: value`; the outputs must hold
/// the operation's absolute URL and ID.
#[track_caller]
fn check_accepted(header: &str, value: &str, expected_location: &str, expected_id: &str) {
    let mut server = Server::new();
    let value = value.replace("{server}", &server.url());
    let mock = go_live_mock(&mut server)
        .with_status(202)
        .with_header(header, &value)
        .expect(1)
        .create();
    let run = Action::new(&server.url()).run();
    mock.assert();
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let expected_location = expected_location.replace("{server}", &server.url());
    assert_eq!(run.outputs["operation_location"], expected_location);
    assert_eq!(run.outputs["operation_id"], expected_id);
    assert_eq!(run.outputs["status"], "accepted");
    assert_eq!(
        run.outputs["earlier"], "kept",
        "the outputs file was truncated"
    );
    assert!(
        run.stdout.starts_with(&format!("::add-mask::{TOKEN}\n")),
        "{}",
        run.stdout
    );
    assert!(
        run.log()
            .contains(&format!("go-live accepted: operation {expected_id}")),
        "{}",
        run.stdout
    );
    assert!(run.annotations("error").is_empty());
    assert!(
        run.summary.contains("`contoso-vm`") && run.summary.contains("**accepted**"),
        "{}",
        run.summary
    );
}

#[test]
fn accepted_with_each_location_form() {
    check_accepted(
        "Operation-Location",
        "{server}/api/publishers/contoso/offers/contoso-vm/operations/56615b67-2185-49fe-80d2-c4ddf77bb2e8",
        "{server}/api/publishers/contoso/offers/contoso-vm/operations/56615b67-2185-49fe-80d2-c4ddf77bb2e8",
        "56615b67-2185-49fe-80d2-c4ddf77bb2e8",
    );
    check_accepted(
        "Location",
        "/api/publishers/contoso/offers/contoso-vm/operations/0f3e2a9c-1111-4222-8333-944445555666?api-version=2017-10-31",
        "{server}/api/publishers/contoso/offers/contoso-vm/operations/0f3e2a9c-1111-4222-8333-944445555666?api-version=2017-10-31",
        "0f3e2a9c-1111-4222-8333-944445555666",
    );
    check_accepted(
        "Location",
        "/api/operations/contoso$contoso-vm$2$preview?api-version=2017-10-31",
        "{server}/api/operations/contoso$contoso-vm$2$preview?api-version=2017-10-31",
        "contoso$contoso-vm$2$preview",
    );
}

/// A go-live the service refuses: exactly one request is sent, and the
/// summary names the status code.
#[track_caller]
fn refused(status: usize, body: &str) -> Run {
    let mut server = Server::new();
    let mock = go_live_mock(&mut server)
        .with_status(status)
        .with_body(body)
        .expect(1)
        .create();
    let run = Action::new(&server.url()).run();
    mock.assert();
    assert!(
        run.summary.contains(&format!("HTTP {status}")),
        "{}",
        run.summary
    );
    run
}

/// Each refusal, whole: the exit code, the log with the service's words and
/// the hint, and the outputs (`failed` for a refusal, `unknown` where a
/// failing service may have started go-live all the same).
#[test]
fn refusals_are_reported_with_status_code_message_and_hint() {
    let cases = [
        (
            400,
            r#"{"error":{"code":"InvalidState","message":"The offer is not in the publisher signoff state."}}"#,
        ),
        (401, ""),
        (
            403,
            r#"{"error":{"code":"Forbidden","message":"Access denied"}}"#,
        ),
        (404, ""),
        (422, r#"{"error":"validation failed"}"#),
        (500, "upstream exploded"),
        (502, ""),
    ];
    let mut transcript = String::new();
    for (status, body) in cases {
        let run = refused(status, body);
        transcript.push_str(&format!(
            "==== HTTP {status} {body}\n{}\n",
            run.transcript()
        ));
    }
    expect![[r#"
        ==== HTTP 400 {"error":{"code":"InvalidState","message":"The offer is not in the publisher signoff state."}}
        exit 1
        ::add-mask::<secret>
        Reading the state of offer 'contoso-vm' of publisher 'contoso' through the Cloud Partner Portal API at http://127.0.0.1:<port>/ for mode go-live
        Requesting go-live of offer 'contoso-vm' of publisher 'contoso'
        ::error::go-live was refused with HTTP 400 Bad Request (InvalidState: The offer is not in the publisher signoff state.): the service refused the request for offer 'contoso-vm' of publisher 'contoso'; most often its preview has not been approved (publisher signoff) yet or another operation is still running on it: check the offer in Partner Center, and do not retry before fixing the cause
        -- outputs
        status = failed

        ==== HTTP 401 
        exit 1
        ::add-mask::<secret>
        Reading the state of offer 'contoso-vm' of publisher 'contoso' through the Cloud Partner Portal API at http://127.0.0.1:<port>/ for mode go-live
        Requesting go-live of offer 'contoso-vm' of publisher 'contoso'
        ::error::go-live was refused with HTTP 401 Unauthorized: the token was refused; it is missing, malformed or has expired: pass a fresh access token for https://cloudpartner.azure.com in token, or let the action sign in with tenant_id and client_id
        -- outputs
        status = failed

        ==== HTTP 403 {"error":{"code":"Forbidden","message":"Access denied"}}
        exit 1
        ::add-mask::<secret>
        Reading the state of offer 'contoso-vm' of publisher 'contoso' through the Cloud Partner Portal API at http://127.0.0.1:<port>/ for mode go-live
        Requesting go-live of offer 'contoso-vm' of publisher 'contoso'
        ::error::go-live was refused with HTTP 403 Forbidden (Forbidden: Access denied): the service principal is not a user of publisher 'contoso', or the publisher ID is wrong: add the application as a user of the Partner Center account, or check publisher_id
        -- outputs
        status = failed

        ==== HTTP 404 
        exit 1
        ::add-mask::<secret>
        Reading the state of offer 'contoso-vm' of publisher 'contoso' through the Cloud Partner Portal API at http://127.0.0.1:<port>/ for mode go-live
        Requesting go-live of offer 'contoso-vm' of publisher 'contoso'
        ::error::go-live was refused with HTTP 404 Not Found: publisher 'contoso' or offer 'contoso-vm' does not exist: check publisher_id and offer_id
        -- outputs
        status = failed

        ==== HTTP 422 {"error":"validation failed"}
        exit 1
        ::add-mask::<secret>
        Reading the state of offer 'contoso-vm' of publisher 'contoso' through the Cloud Partner Portal API at http://127.0.0.1:<port>/ for mode go-live
        Requesting go-live of offer 'contoso-vm' of publisher 'contoso'
        ::error::go-live was refused with HTTP 422 Unprocessable Entity (validation failed): unexpected answer to the go-live request for offer 'contoso-vm' of publisher 'contoso'
        -- outputs
        status = failed

        ==== HTTP 500 upstream exploded
        exit 1
        ::add-mask::<secret>
        Reading the state of offer 'contoso-vm' of publisher 'contoso' through the Cloud Partner Portal API at http://127.0.0.1:<port>/ for mode go-live
        Requesting go-live of offer 'contoso-vm' of publisher 'contoso'
        ::error::go-live was refused with HTTP 500 Internal Server Error (body: upstream exploded): the service failed; go-live may have started all the same: check the offer's status in Partner Center before running this again
        -- outputs
        status = unknown

        ==== HTTP 502 
        exit 1
        ::add-mask::<secret>
        Reading the state of offer 'contoso-vm' of publisher 'contoso' through the Cloud Partner Portal API at http://127.0.0.1:<port>/ for mode go-live
        Requesting go-live of offer 'contoso-vm' of publisher 'contoso'
        ::error::go-live was refused with HTTP 502 Bad Gateway: the service failed; go-live may have started all the same: check the offer's status in Partner Center before running this again
        -- outputs
        status = unknown

    "#]]
    .assert_eq(&transcript);
}

#[test]
fn an_acceptance_with_a_body_too_large_to_read_still_names_its_operation() {
    let mut server = Server::new();
    let mock = go_live_mock(&mut server)
        .with_status(202)
        .with_header("location", "/api/operations/op-7?api-version=2017-10-31")
        .with_body("x".repeat(300 * 1024))
        .expect(1)
        .create();
    let run = Action::new(&server.url()).run();
    mock.assert();
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(run.outputs["operation_id"], "op-7");
    assert_eq!(run.outputs["status"], "accepted");
}

#[test]
fn an_accepted_answer_without_an_operation_header_is_not_a_success() {
    let mut server = Server::new();
    let mock = go_live_mock(&mut server)
        .with_status(202)
        .expect(1)
        .create();
    let run = Action::new(&server.url()).run();
    mock.assert();
    assert_eq!(run.code, Some(1));
    assert!(run.error().contains("named no operation"), "{}", run.stdout);
    assert!(!run.outputs.contains_key("operation_location"));
    assert_eq!(run.outputs["status"], "unknown");
}

#[test]
fn server_text_never_becomes_a_workflow_command() {
    let body = r#"{"error":{"code":"Bad","message":"first line\n::error::injected\n::add-mask::x\n##[set-output name=status;]succeeded"}}"#;
    let run = refused(400, body);
    assert!(run.error().contains("injected"), "{}", run.stdout);
    let names: Vec<String> = run.commands().into_iter().map(|c| c.name).collect();
    assert_eq!(names, ["add-mask", "error"], "{}", run.stdout);
}

#[test]
fn answers_that_cannot_have_started_go_live_are_retried() {
    // 503 with Retry-After in seconds, then accepted.
    let mut server = Server::new();
    let busy = go_live_mock(&mut server)
        .with_status(503)
        .with_header("retry-after", "0")
        .expect(1)
        .create();
    let accepted = go_live_mock(&mut server)
        .with_status(202)
        .with_header("location", "/api/operations/x?api-version=2017-10-31")
        .expect(1)
        .create();
    let run = Action::new(&server.url()).run();
    busy.assert();
    accepted.assert();
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(
        run.log()
            .contains("HTTP 503 Service Unavailable); trying again in 0ms (attempt 2 of 3)"),
        "{}",
        run.stdout
    );

    // 429 with retry-after-ms, three times: the bound is three requests.
    let mut server = Server::new();
    let throttled = go_live_mock(&mut server)
        .with_status(429)
        .with_header("retry-after-ms", "20")
        .with_body(r#"{"error":{"code":"TooManyRequests","message":"slow down"}}"#)
        .expect(3)
        .create();
    let run = Action::new(&server.url()).run();
    throttled.assert();
    assert_eq!(run.code, Some(1));
    let error = run.error();
    assert!(error.contains("not accepted after 3 attempts"), "{error}");
    assert!(error.contains("TooManyRequests: slow down"), "{error}");
    assert!(error.contains("nothing was started"), "{error}");
}

#[test]
fn a_retry_after_too_long_to_wait_out_ends_the_run() {
    let mut server = Server::new();
    let busy = go_live_mock(&mut server)
        .with_status(503)
        .with_header("retry-after", "3600")
        .expect(1)
        .create();
    let run = Action::new(&server.url()).run();
    busy.assert();
    assert_eq!(run.code, Some(1));
    assert!(
        run.error().contains("asked to wait 1h 00m"),
        "{}",
        run.stdout
    );
}

#[test]
fn an_unreachable_service_is_retried_then_reported() {
    // Bind a port, then free it: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let run = Action::new(&format!("http://127.0.0.1:{port}")).run();
    assert_eq!(run.code, Some(1));
    let error = run.error();
    assert!(error.contains("not accepted after 3 attempts"), "{error}");
    assert!(
        error.contains(&format!("cannot connect to http://127.0.0.1:{port}/")),
        "{error}"
    );
    assert_eq!(
        run.log().matches("trying again in").count(),
        2,
        "{}",
        run.stdout
    );
}

/// An invalid input: exit 2, an error naming the input, and no request.
#[track_caller]
fn check_invalid(inputs: &[(&str, &str)], expected: &[&str]) {
    let mut server = Server::new();
    let posts = server.mock("POST", Matcher::Any).expect(0).create();
    let gets = server.mock("GET", Matcher::Any).expect(0).create();
    let mut action = Action::new(&server.url());
    for (name, value) in inputs {
        let value = value.replace("{server}", &server.url());
        action = action.with(name, &value);
    }
    let run = action.run();
    posts.assert();
    gets.assert();
    assert_eq!(run.code, Some(2), "{inputs:?}: {}", run.stdout);
    let error = run.error();
    for fragment in expected {
        assert!(
            error.contains(fragment),
            "{inputs:?}: {fragment:?} not in {error:?}"
        );
    }
    assert!(!run.outputs.contains_key("status"));
}

/// The wiring: a refused input sends nothing and exits 2 with its message.
/// Every refusal's words, for both surfaces, are one table in
/// `config::tests::every_refused_input_in_each_surfaces_words`.
#[test]
fn every_input_is_validated_before_any_request() {
    check_invalid(&[("publisher_id", "")], &["publisher_id is required"]);
    check_invalid(
        &[("wait_timeout", "10")],
        &[
            "wait_timeout '10' is not a duration",
            "500ms, 30s, 45m or 5h",
        ],
    );
    check_invalid(&[("api_url", "{server}/?x=1")], &["api_url", "query"]);
    check_invalid(&[("token", "")], &["no way to sign in", "pass token"]);
}

#[test]
fn inputs_are_trimmed_and_loopback_http_is_allowed() {
    let mut server = Server::new();
    let mock = go_live_mock(&mut server)
        .with_status(202)
        .with_header("location", "/api/operations/x")
        .expect(1)
        .create();
    let url = server.url().replace("127.0.0.1", "localhost");
    let run = Action::new(&format!(" {url} "))
        .with("publisher_id", " contoso\n")
        .with("wait", "FALSE")
        .run();
    mock.assert();
    assert_eq!(run.code, Some(0), "{}", run.stdout);
}

#[test]
fn the_runners_proxy_variables_are_honoured() {
    use marketplace_emulator::{Emulator, Knobs};
    let emulator = || {
        Emulator::start(Knobs {
            static_token: Some(TOKEN.into()),
            stateless_go_live: true,
            ..Knobs::new(std::time::Duration::from_secs(600))
        })
    };

    // Through the proxy: the request goes to it, in absolute form.
    let proxy = emulator();
    let run = Action::new("http://127.0.0.1:1")
        .env("HTTP_PROXY", proxy.url())
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let targets: Vec<String> = proxy.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(
        targets,
        [
            "http://127.0.0.1:1/api/publishers/contoso/offers/contoso-vm/operations?api-version=2017-10-31",
            "http://127.0.0.1:1/api/publishers/contoso/offers/contoso-vm/slot/Preview?api-version=2017-10-31",
            "http://127.0.0.1:1/api/publishers/contoso/offers/contoso-vm/golive?api-version=2017-10-31"
        ]
    );

    // NO_PROXY: straight to the API, the proxy sees nothing.
    let proxy = emulator();
    let api = emulator();
    let run = Action::new(api.url())
        .env("HTTP_PROXY", proxy.url())
        .env("NO_PROXY", "127.0.0.1")
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(proxy.requests().len(), 0);
    assert_eq!(api.requests().len(), 3);
}

#[test]
fn a_local_run_prints_its_outputs_at_the_end() {
    let mut server = Server::new();
    let mock = go_live_mock(&mut server)
        .with_status(202)
        .with_header("location", "/api/operations/op-9?api-version=2017-10-31")
        .expect(1)
        .create();
    let run = Action::new(&server.url()).env("GITHUB_OUTPUT", "").run();
    mock.assert();
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(run.outputs.get("operation_id"), None, "nothing in a file");
    let tail: Vec<&str> = run.stdout.lines().rev().take(6).collect();
    assert_eq!(
        tail,
        [
            "status=accepted",
            "outcome=started",
            "target=live",
            "operation_id=op-9",
            &format!(
                "operation_location={}/api/operations/op-9?api-version=2017-10-31",
                server.url()
            ),
            "Outputs (GITHUB_OUTPUT is not set):",
        ],
        "{}",
        run.stdout
    );
}

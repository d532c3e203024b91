//! The command line on each host, through the built binary against the
//! emulator. First the four hosts side by side: the whole release (its
//! plan, a draft change, a publish to preview, go live) as a terminal, GitHub,
//! Azure Pipelines and GitLab each show it, as whole transcripts with the
//! outputs read back the way that host reads them. Then what a transcript
//! does not show: masks before first use; server text that would be a
//! command; a wait that runs out; the usage, `--help` and `--version`;
//! flags over `GO_LIVE_*` over defaults; resume advice pasted back.

use crate::support::TOKEN;
use crate::support::cli::{Line, Ran};
use crate::support::emulated::{OFFER, knobs};
use marketplace_emulator::agents::{azure_pipelines, gitlab_dotenv};
use marketplace_emulator::runner::parse_outputs;
use marketplace_emulator::{Emulator, Knobs};
use serde_json::{Value, json};

/// A versions file of one new image version for plan `standard`.
fn versions() -> String {
    json!([{"versionNumber": "2.0.0", "vmImages": [{"imageType": "x64Gen2",
        "source": {"sourceType": "sasUri", "dataDisks": [],
            "osDisk": {"uri": "https://contoso.blob.core.windows.net/vhds/b.vhd?sv=2023-11-03&se=2099-01-01T00:00:00Z&sr=b&sp=r&sig=c2lnbmF0dXJl"}}}]}])
    .to_string()
}

/// A step of the release: `command` on the emulator's product, signed in
/// with `GO_LIVE_TOKEN`, waiting in milliseconds.
fn step(emulator: &Emulator, command: &str) -> Line {
    let line = Line::new(&[command])
        .args(&["--api", "product-ingestion", "--api-url"])
        .arg(&emulator.ingestion_url())
        .args(&[
            "--offer",
            OFFER,
            "--poll-interval",
            "10ms",
            "--wait-timeout",
            "1m",
        ])
        .env("GO_LIVE_TOKEN", TOKEN);
    match command {
        "plan" | "draft" | "publish" => {
            std::fs::write(line.dir.path().join("versions.json"), versions()).unwrap();
            line.args(&[
                "--vm-image-versions",
                "versions.json",
                "--plan",
                "standard",
                "--configure-timeout",
                "1m",
                "--wait",
            ])
        }
        _ => line.arg("--wait"),
    }
}

fn vm_product() -> Emulator {
    let emulator = Emulator::start(knobs());
    emulator.create_vm_product(OFFER, &["standard"]);
    emulator
}

/// The secret is in no line but a host's mask command.
#[track_caller]
fn shown_only_to_mask(ran: &Ran, secret: &str) {
    for line in ran.both().lines() {
        let mask = line.starts_with("::add-mask::") || line.starts_with("##vso[task.setsecret]");
        assert!(mask || !line.contains(secret), "{secret} shown: {line}");
    }
}

/// Runs draft, publish and live, each set up for the host by `host`, and
/// returns each step's run with the step's directory.
fn release(host: impl Fn(Line) -> Line) -> Vec<(Ran, Line)> {
    let emulator = vm_product();
    ["draft", "publish", "live"]
        .into_iter()
        .map(|command| {
            let line = host(step(&emulator, command));
            let ran = line.run();
            assert_eq!(ran.code, Some(0), "{command}:\n{}", ran.both());
            for secret in [TOKEN, "c2lnbmF0dXJl"] {
                shown_only_to_mask(&ran, secret);
            }
            (ran, line)
        })
        .collect()
}

#[test]
fn json_is_the_one_thing_on_stdout_and_the_results_file_holds_it_too() {
    let emulator = vm_product();
    let line = step(&emulator, "draft").args(&["--json", "--results-file", "results.json"]);
    let ran = line.run();
    assert_eq!(ran.code, Some(0), "{}", ran.both());
    let printed: Value = serde_json::from_str(ran.stdout.trim()).expect("one JSON object");
    let entry = &printed[OFFER];
    assert_eq!(entry["status"], "succeeded");
    assert_eq!(entry["outcome"], "started");
    assert_eq!(entry["target"], "draft");
    assert!(
        entry["operation_id"]
            .as_str()
            .is_some_and(|id| !id.is_empty())
    );
    let file: Value =
        serde_json::from_str(&std::fs::read_to_string(line.path("results.json")).unwrap()).unwrap();
    assert_eq!(file, printed);
    assert!(
        ran.stderr
            .contains("The draft was read again: it holds the change as sent"),
        "{}",
        ran.stderr
    );
}

#[test]
fn an_offers_file_is_the_lines_of_offers() {
    let emulator = Emulator::start(knobs());
    for offer in ["a-vm", "b-vm"] {
        emulator.publish("contoso", offer).unwrap();
    }
    let line = Line::new(&[
        "check",
        "--publisher",
        "contoso",
        "--offers-file",
        "offers.txt",
    ])
    .args(&["--api-url", emulator.url(), "--json"])
    .env("GO_LIVE_TOKEN", TOKEN);
    std::fs::write(
        line.path("offers.txt"),
        "# the release\na-vm\n\ncontoso/b-vm\n",
    )
    .unwrap();
    let ran = line.run();
    assert_eq!(ran.code, Some(0), "{}", ran.both());
    let results: Value = serde_json::from_str(ran.stdout.trim()).unwrap();
    let keys: Vec<&String> = results.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["a-vm", "contoso/b-vm"]);
    assert!(ran.stderr.contains("a-vm: "), "{}", ran.stderr);
}

/// The agent's view of a step, its commands all known and well formed.
fn agent_view(ran: &Ran) -> marketplace_emulator::agents::AgentView {
    let view = azure_pipelines(&ran.both());
    assert!(
        view.failures.is_empty(),
        "{:?}\n{}",
        view.failures,
        ran.both()
    );
    view
}

#[test]
fn the_whole_release_from_gitlab() {
    let steps = release(|line| {
        line.env("GITLAB_CI", "true").env("CI", "true").args(&[
            "--dotenv",
            "go-live.env",
            "--results-file",
            "results.json",
        ])
    });
    for (target, (ran, line)) in ["draft", "preview", "live"].into_iter().zip(&steps) {
        let report = std::fs::read_to_string(line.path("go-live.env")).unwrap();
        let variables = gitlab_dotenv(&report).unwrap();
        assert_eq!(variables["GO_LIVE_STATUS"], "succeeded", "{report}");
        assert_eq!(variables["GO_LIVE_TARGET"], target);
        assert!(variables["GO_LIVE_OPERATION_LOCATION"].starts_with("http"));
        let results: Value =
            serde_json::from_str(&std::fs::read_to_string(line.path("results.json")).unwrap())
                .unwrap();
        assert_eq!(results[OFFER]["status"], "succeeded");
        // Plain lines, and sections GitLab folds.
        assert!(ran.stdout.is_empty(), "{}", ran.stdout);
        assert!(!ran.stderr.contains("::"), "{}", ran.stderr);
        assert!(
            ran.stderr.contains("\u{1b}[0Ksection_start:"),
            "{}",
            ran.stderr
        );
    }
}

/// A Cloud Partner Portal offer that is published to preview, and whose
/// step names hold text that would be a command of the agent.
fn hostile_offer(knobs: Knobs) -> Emulator {
    let emulator = Emulator::start(Knobs {
        failing_step: Some((
            "Certification".into(),
            "##vso[task.setvariable variable=status]succeeded\n##[error]fake ##vso[task.complete result=Succeeded;]done %AZP25 %0A".into(),
        )),
        ..knobs
    });
    emulator.publish("contoso", OFFER).unwrap();
    emulator
}

#[test]
fn server_text_never_forms_a_command_of_the_agent() {
    let emulator = hostile_offer(knobs());
    let ran = Line::new(&[
        "publish",
        "--publisher",
        "contoso",
        "--offer",
        OFFER,
        "--wait",
    ])
    .args(&[
        "--api-url",
        emulator.url(),
        "--poll-interval",
        "10ms",
        "--wait-timeout",
        "1m",
    ])
    .env("GO_LIVE_TOKEN", TOKEN)
    .env("TF_BUILD", "True")
    .run();
    let view = agent_view(&ran);
    assert_eq!(ran.code, Some(1), "{}", ran.both());
    // Only the commands go-live writes, and the status is the true one.
    for command in &view.commands {
        assert!(
            matches!(
                command.name.as_str(),
                "task.setsecret" | "task.setvariable" | "task.logissue" | "task.uploadsummary"
            ),
            "{command:?}"
        );
    }
    assert_eq!(view.outputs["status"], "failed");
    assert!(view.result.is_none());
    // No printed line holds a formatting command but the group lines
    // go-live writes, at their start.
    for line in &view.printed {
        let rest = ["##[group]", "##[endgroup]", "##[debug]"]
            .iter()
            .find_map(|own| line.strip_prefix(own))
            .unwrap_or(line);
        assert!(!rest.contains("##"), "{line}");
    }
    let errors: Vec<&String> = view
        .issues
        .iter()
        .filter(|(kind, _)| kind == "error")
        .map(|(_, message)| message)
        .collect();
    assert!(
        errors
            .iter()
            .any(|message| message.contains("# #[error]fake")),
        "{errors:?}"
    );
}

#[test]
fn a_wait_that_runs_out_without_failing_succeeds_with_issues_on_azure_pipelines() {
    let emulator = Emulator::start(Knobs {
        live_duration: std::time::Duration::from_secs(60),
        ..knobs()
    });
    emulator.publish("contoso", OFFER).unwrap();
    assert!(emulator.wait_for_signoff("contoso", OFFER, std::time::Duration::from_secs(20)));
    let line = |host: &[(&str, &str)]| {
        let mut line = Line::new(&["live", "--publisher", "contoso", "--offer", OFFER, "--wait"])
            .args(&["--api-url", emulator.url(), "--poll-interval", "10ms"])
            .args(&["--wait-timeout", "200ms", "--no-fail-on-timeout"])
            .env("GO_LIVE_TOKEN", TOKEN);
        for (name, value) in host {
            line = line.env(name, value);
        }
        line
    };
    let ran = line(&[("TF_BUILD", "True")]).run();
    assert_eq!(ran.code, Some(0), "{}", ran.both());
    let view = agent_view(&ran);
    assert_eq!(view.result.as_deref(), Some("SucceededWithIssues"));
    assert_eq!(view.outputs["status"], "running");
    assert!(view.issues.iter().any(|(kind, _)| kind == "warning"));

    // Followed again, on GitLab (in colour, or not) and at a terminal: a
    // warning line, exit 0, and the advice in the command line's words.
    let gitlab = [("GITLAB_CI", "true")];
    let plain = [("GITLAB_CI", "true"), ("NO_COLOR", "1")];
    for (host, label) in [
        (&gitlab[..], "\u{1b}[1;33mwarning\u{1b}[0m: "),
        (&plain[..], "warning: "),
        (&[][..], "warning: "),
    ] {
        let ran = line(host).run();
        assert_eq!(ran.code, Some(0), "{}", ran.both());
        let warning = format!("{label}the operation is still running after --wait-timeout (200ms)");
        assert!(ran.stderr.contains(&warning), "{}", ran.stderr);
        assert!(
            ran.stderr.contains(
                "run go-live follow with the same offer (or with --operation-location http"
            ),
            "{}",
            ran.stderr
        );
        assert!(!ran.both().contains("##vso"), "{}", ran.both());
    }
    // Without --no-fail-on-timeout, exit 3 as in the action.
    let ran = Line::new(&["follow", "--publisher", "contoso", "--offer", OFFER])
        .args(&[
            "--api-url",
            emulator.url(),
            "--poll-interval",
            "10ms",
            "--wait-timeout",
            "200ms",
        ])
        .env("GO_LIVE_TOKEN", TOKEN)
        .run();
    assert_eq!(ran.code, Some(3), "{}", ran.both());
}

#[test]
fn a_bare_run_prints_the_usage_and_exits_2() {
    let ran = Line::new(&[]).run();
    assert_eq!(ran.code, Some(2));
    assert!(ran.stdout.is_empty(), "{}", ran.stdout);
    assert!(
        ran.stderr.contains("Usage: go-live <COMMAND>"),
        "{}",
        ran.stderr
    );
    assert!(!ran.stderr.contains("::error::"), "{}", ran.stderr);
}

#[test]
fn help_and_version() {
    let version = Line::new(&["--version"]).run();
    assert_eq!(version.code, Some(0));
    assert!(
        version
            .stdout
            .starts_with(&format!("go-live {}", env!("CARGO_PKG_VERSION"))),
        "{}",
        version.stdout
    );
    // Built from a git checkout, it names the commit too.
    if std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.git")).exists() {
        assert!(version.stdout.contains("(commit "), "{}", version.stdout);
    }
    for command in ["live", "publish", "draft", "follow", "check"] {
        let help = Line::new(&[command, "--help"]).run();
        assert_eq!(help.code, Some(0), "{}", help.stderr);
        assert!(
            help.stdout
                .contains(&format!("Example:\n  go-live {command} ")),
            "{}",
            help.stdout
        );
        // No flag takes a secret.
        for secret in ["--token", "--client-secret"] {
            assert!(!help.stdout.contains(secret), "{}", help.stdout);
        }
    }
    let unknown = Line::new(&["live", "--ofer", "x"]).run();
    assert_eq!(unknown.code, Some(2));
    assert!(
        unknown
            .stderr
            .contains("a similar argument exists: '--offer'"),
        "{}",
        unknown.stderr
    );
    let secret_flag = Line::new(&["live", "--token", "x"]).run();
    assert_eq!(secret_flag.code, Some(2));
}

#[test]
fn a_flag_wins_over_go_live_variables_which_win_over_defaults() {
    let emulator = Emulator::start(knobs());
    emulator.publish("contoso", OFFER).unwrap();
    let check = |line: Line| {
        let ran = line
            .args(&["--api-url", emulator.url(), "--json"])
            .env("GO_LIVE_TOKEN", TOKEN)
            .run();
        (ran.code, ran.stderr, ran.stdout)
    };
    let key = |stdout: &str| {
        let results: Value = serde_json::from_str(stdout.trim()).unwrap();
        results
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<Vec<_>>()
    };
    // The variable names the offer; the flag names another, and wins.
    let (code, stderr, stdout) = check(
        Line::new(&["check", "--publisher", "contoso", "--offer", "other-vm"])
            .env("GO_LIVE_OFFER", OFFER),
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(key(&stdout), ["other-vm"]);
    assert!(stderr.contains("offer 'other-vm'"), "{stderr}");
    // The variable alone is used.
    let (code, stderr, stdout) =
        check(Line::new(&["check", "--publisher", "contoso"]).env("GO_LIVE_OFFER", OFFER));
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(key(&stdout), [OFFER]);
    // A bad variable is refused by name, and the flag hides it.
    let (code, stderr, _) = check(
        Line::new(&["check", "--publisher", "contoso", "--offer", OFFER])
            .env("GO_LIVE_REQUEST_TIMEOUT", "soon"),
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("--request-timeout 'soon' is not a duration"),
        "{stderr}"
    );
    let (code, stderr, _) = check(
        Line::new(&[
            "check",
            "--publisher",
            "contoso",
            "--offer",
            OFFER,
            "--request-timeout",
            "5s",
        ])
        .env("GO_LIVE_REQUEST_TIMEOUT", "soon"),
    );
    assert_eq!(code, Some(0), "{stderr}");
    // INPUT_* is never read by a command.
    let (code, stderr, _) = check(
        Line::new(&["check", "--publisher", "contoso", "--offer", OFFER]).env("INPUT_API", "nope"),
    );
    assert_eq!(code, Some(0), "{stderr}");
}

/// The binary on a terminal (a pseudo-terminal from `script`): the
/// progress is one line drawn again in place, coloured labels unless
/// `NO_COLOR` is set.
fn on_a_terminal(emulator: &Emulator, no_color: bool) -> String {
    let line = format!(
        "{} live --publisher contoso --offer {OFFER} --wait --api-url {} --poll-interval 10ms --wait-timeout 150ms --no-fail-on-timeout",
        env!("CARGO_BIN_EXE_go-live"),
        emulator.url()
    );
    let mut command = std::process::Command::new("script");
    command
        .args(["-q", "-e", "-c", &line, "/dev/null"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("TERM", "xterm")
        .env("GO_LIVE_TOKEN", TOKEN);
    if no_color {
        command.env("NO_COLOR", "1");
    }
    let output = command.output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn at_a_terminal_progress_is_one_live_line() {
    let emulator = Emulator::start(Knobs {
        live_duration: std::time::Duration::from_secs(60),
        ..knobs()
    });
    emulator.publish("contoso", OFFER).unwrap();
    assert!(emulator.wait_for_signoff("contoso", OFFER, std::time::Duration::from_secs(20)));
    let shown = on_a_terminal(&emulator, false);
    // Redrawn in place: a carriage return and a cleared line, no newline.
    assert!(shown.contains("\r\u{1b}[2K["), "{shown:?}");
    assert!(
        shown.contains("\u{1b}[1;33mwarning\u{1b}[0m: "),
        "{shown:?}"
    );
    assert!(!shown.contains("::"), "{shown:?}");
    let plain = on_a_terminal(&emulator, true);
    assert!(
        plain.contains("warning: the operation is still running"),
        "{plain:?}"
    );
    assert!(!plain.contains("\u{1b}[1;"), "{plain:?}");
}

/// The operation a host's resume advice names, as the host shows it: the
/// URL after `--operation-location `.
fn advised(shown: &str) -> String {
    let at = shown
        .rfind("--operation-location ")
        .unwrap_or_else(|| panic!("no advice in {shown}"));
    shown[at + "--operation-location ".len()..]
        .split_whitespace()
        .next()
        .unwrap()
        .trim_end_matches([')', '.', ';'])
        .to_owned()
}

#[test]
fn the_resume_advice_pasted_back_follows_the_same_path_on_every_host() {
    let mut server = mockito::Server::new();
    let path = "/api/publishers/contoso/offers/contoso-vm/operations/op%20x";
    let polled = server
        .mock("GET", mockito::Matcher::Regex(format!("^{path}")))
        .with_body(r#"{"id":"op x","status":"running","steps":[]}"#)
        .expect_at_least(2)
        .create();
    let location = format!("{}{path}?api-version=2017-10-31", server.url());
    let follow = |location: &str, host: &[(&str, &str)]| {
        let mut line = Line::new(&["follow", "--operation-location", location])
            .args(&["--api-url", &server.url()])
            .args(&["--poll-interval", "10ms", "--wait-timeout", "50ms"])
            .env("GO_LIVE_TOKEN", TOKEN);
        for (name, value) in host {
            line = line.env(name, value);
        }
        line.run()
    };
    let hosts: [(&str, &[(&str, &str)]); 3] = [
        ("terminal", &[]),
        ("gitlab", &[("GITLAB_CI", "true")]),
        ("azure", &[("TF_BUILD", "True")]),
    ];
    for (host, variables) in hosts {
        let first = follow(&location, variables);
        assert_eq!(first.code, Some(3), "{host}: {}", first.both());
        let shown = match host {
            "azure" => agent_view(&first)
                .issues
                .iter()
                .map(|(_, message)| message.clone())
                .collect::<Vec<_>>()
                .join("\n"),
            _ => first.stderr.clone(),
        };
        let advice = advised(&shown);
        assert_eq!(advice, location, "{host}: {shown}");
        let again = follow(&advice, variables);
        assert_eq!(again.code, Some(3), "{host}: {}", again.both());
    }
    polled.assert();
}

/// A shared access signature, as a file writes it (percent-encoded) and
/// as a service may quote it back (decoded).
const SIG_WRITTEN: &str = "c2VjcmV0%2Bc2ln%3D";
const SIG_DECODED: &str = "c2VjcmV0+c2ln=";

#[test]
fn a_signature_a_service_quotes_back_is_shown_nowhere_on_any_host() {
    let hosts: [(&str, &[(&str, &str)]); 4] = [
        ("terminal", &[]),
        ("gitlab", &[("GITLAB_CI", "true")]),
        ("azure", &[("TF_BUILD", "True")]),
        ("github", &[("GITHUB_ACTIONS", "true")]),
    ];
    for (host, variables) in hosts {
        let emulator = Emulator::start(Knobs {
            unreadable_sas: true,
            ..knobs()
        });
        emulator.create_vm_product(OFFER, &["standard"]);
        let mut line = step(&emulator, "draft");
        // Spelt as a browser or a script may: the URL parser reads both.
        let uri = |blob: &str, scheme: &str| {
            format!(
                "{scheme}contoso.blob.core.windows.net/vhds/{blob}.vhd?sv=2023-11-03&se=2099-01-01T00:00:00Z&sr=b&sp=r&sig={SIG_WRITTEN}"
            )
        };
        let file = json!([
            {"versionNumber": "2.0.0", "vmImages": [{"imageType": "x64Gen2", "source": {"sourceType": "sasUri", "dataDisks": [],
                "osDisk": {"uri": uri("b", "HTTPS://")}}}]},
            {"versionNumber": "2.0.1", "vmImages": [{"imageType": "x64Gen2", "source": {"sourceType": "sasUri", "dataDisks": [],
                "osDisk": {"uri": uri("c", " https://")}}}]},
        ]);
        std::fs::write(line.path("versions.json"), file.to_string()).unwrap();
        let (summary, output, temp) = (line.path("summary.md"), line.path("output"), line.path(""));
        line = line
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("GITHUB_OUTPUT", &output)
            .env("AGENT_TEMPDIRECTORY", &temp);
        for (name, value) in variables {
            line = line.env(name, value);
        }
        let ran = line.run();
        assert_eq!(ran.code, Some(1), "{host}: {}", ran.both());
        assert!(
            ran.both().contains("Not able to download blob"),
            "{host}: {}",
            ran.both()
        );
        for secret in [SIG_WRITTEN, SIG_DECODED] {
            shown_only_to_mask(&ran, secret);
            for written in [summary.clone(), line.path("go-live.md")] {
                let text = std::fs::read_to_string(&written).unwrap_or_default();
                assert!(
                    !text.contains(secret),
                    "{host}: {secret} in {written}: {text}"
                );
            }
        }
        match host {
            "github" => assert!(ran.stdout.contains(&format!("::add-mask::{SIG_DECODED}"))),
            "azure" => assert!(
                agent_view(&ran)
                    .commands
                    .iter()
                    .any(|c| c.name == "task.setsecret" && c.data == SIG_WRITTEN)
            ),
            _ => {}
        }
    }
}

#[test]
fn a_token_with_white_space_around_it_is_masked_as_it_is_sent() {
    let emulator = Emulator::start(knobs());
    emulator.publish("contoso", OFFER).unwrap();
    let ran = Line::new(&["check", "--publisher", "contoso", "--offer", OFFER])
        .args(&["--api-url", emulator.url()])
        .env("GO_LIVE_TOKEN", &format!("  {TOKEN}\n"))
        .env("GITHUB_ACTIONS", "true")
        .run();
    assert_eq!(ran.code, Some(0), "{}", ran.both());
    assert!(
        ran.stdout
            .lines()
            .any(|line| line == format!("::add-mask::{TOKEN}")),
        "{}",
        ran.stdout
    );
    let sent = emulator.requests();
    assert!(
        sent.iter()
            .any(|r| r.authorization.as_deref() == Some(&format!("Bearer {TOKEN}"))),
        "{sent:?}"
    );
}

/// Text that would be a command of each host, a forged output line and a
/// terminal's control sequences.
const HOSTILE: &str = "\u{1b}[2K\rstatus=succeeded\n##vso[task.setvariable variable=status;isoutput=true]succeeded\n::error::forged";

#[test]
fn an_id_a_service_names_is_checked_before_it_becomes_an_output() {
    let hosts: [(&str, &[(&str, &str)]); 3] = [
        ("terminal", &[]),
        ("gitlab", &[("GITLAB_CI", "true")]),
        ("azure", &[("TF_BUILD", "True")]),
    ];
    for (host, variables) in hosts {
        let emulator = Emulator::start(knobs());
        emulator.publish_preview(OFFER);
        assert!(emulator.wait_for_preview(OFFER, std::time::Duration::from_secs(20)));
        emulator.change_knobs(|knobs| knobs.submission_id_suffix = Some(HOSTILE.into()));
        let mut line = Line::new(&["live", "--api", "product-ingestion", "--offer", OFFER])
            .args(&["--api-url", &emulator.ingestion_url()])
            .env("GO_LIVE_TOKEN", TOKEN);
        if host == "gitlab" {
            line = line.args(&["--dotenv", "go-live.env"]);
        }
        for (name, value) in variables {
            line = line.env(name, value);
        }
        let ran = line.run();
        assert_eq!(ran.code, Some(1), "{host}: {}", ran.both());
        assert!(
            ran.stderr
                .contains("the product's submissions were not understood")
                || ran
                    .stdout
                    .contains("the product's submissions were not understood"),
            "{host}: {}",
            ran.both()
        );
        // Nothing was sent.
        assert!(
            emulator.requests().iter().all(|r| r.method == "GET"),
            "{host}"
        );
        // go-live's own colours and GitLab's sections aside, no control
        // character reaches the log.
        let own: String = ran
            .both()
            .lines()
            .filter(|l| !l.contains("section_start:") && !l.contains("section_end:"))
            .map(|l| {
                ["\u{1b}[1;31m", "\u{1b}[1;33m", "\u{1b}[1;36m", "\u{1b}[0m"]
                    .iter()
                    .fold(l.to_owned(), |l, code| l.replace(code, ""))
            })
            .collect::<Vec<_>>()
            .join("\n");
        for c in ['\u{1b}', '\r'] {
            assert!(!own.contains(c), "{host}: {c:?} in {own:?}");
        }
        assert!(
            !ran.both().contains("isoutput=true]succeeded"),
            "{host}: {}",
            ran.both()
        );
        assert!(!ran.both().lines().any(|l| l.starts_with("::")), "{host}");
        match host {
            "azure" => {
                let view = agent_view(&ran);
                assert_eq!(
                    view.outputs.get("status").map(String::as_str),
                    Some("failed")
                );
                assert!(
                    !view.outputs.contains_key("submissionId"),
                    "{:?}",
                    view.outputs
                );
            }
            "terminal" => {
                let statuses: Vec<&str> = ran
                    .stdout
                    .lines()
                    .filter(|l| l.starts_with("status="))
                    .collect();
                assert_eq!(statuses, ["status=failed"], "{}", ran.stdout);
            }
            _ => {
                let report = std::fs::read_to_string(line.path("go-live.env")).unwrap();
                let variables = gitlab_dotenv(&report).unwrap();
                assert_eq!(variables["GO_LIVE_STATUS"], "failed", "{report}");
            }
        }
    }
}

#[test]
fn a_usage_error_goes_through_the_host() {
    let forged = "##vso[task.setvariable variable=status;isoutput=true]succeeded";
    let ran = |line: Line| line.env("TF_BUILD", "True").run();
    for line in [
        Line::new(&["check", "--host", forged]),
        Line::new(&["check", "--offer", "contoso/vm"]).env("GO_LIVE_WAIT", forged),
        Line::new(&["check", forged]),
    ] {
        let ran = ran(line);
        assert_eq!(ran.code, Some(2), "{}", ran.both());
        let view = agent_view(&ran);
        assert!(
            view.outputs.is_empty(),
            "{:?}\n{}",
            view.outputs,
            ran.both()
        );
        assert_eq!(view.issues.len(), 1, "{}", ran.both());
        assert!(view.issues[0].1.contains("# #vso["), "{:?}", view.issues);
    }
}

/// The whole release (draft, publish, live) on a host, as its user sees
/// it: each step's transcript, then the outputs read back the host's way.
/// Each operation has ended by the first status request (steps of no
/// length), so that the log is the same at every run.
fn release_seen(host: impl Fn(Line) -> Line, outputs: impl Fn(&Ran, &Line) -> String) -> String {
    let emulator = Emulator::start(Knobs {
        static_token: Some(TOKEN.into()),
        ..Knobs::new(std::time::Duration::ZERO)
    });
    emulator.create_vm_product(OFFER, &["standard"]);
    let mut seen = String::new();
    for command in ["plan", "draft", "publish", "live"] {
        let line = host(step(&emulator, command));
        let ran = line.run();
        for secret in [TOKEN, "c2lnbmF0dXJl"] {
            shown_only_to_mask(&ran, secret);
        }
        seen.push_str(&format!("==== go-live {command}\n{}", ran.transcript()));
        seen.push_str(&format!("-- outputs\n{}", outputs(&ran, &line)));
    }
    seen
}

/// Name-value pairs, one a line, the operation's URL and IDs replaced.
fn listed<'a>(pairs: impl IntoIterator<Item = (&'a String, &'a String)>) -> String {
    pairs
        .into_iter()
        .map(|(name, value)| format!("{name} = {}\n", crate::support::normalized(value)))
        .collect()
}

/// The four hosts' logs side by side: the same release, as a terminal,
/// GitHub, Azure Pipelines and GitLab each show it.
#[test]
fn the_whole_release_as_each_host_shows_it() {
    let terminal = release_seen(|line| line, |_, _| String::new());
    expect_test::expect![[r#"
        ==== go-live plan
        exit 0
        -- stdout
        outcome=planned
        status=succeeded
        changes=true
        plan=go-live-plan.json
        -- stderr
        Signing in with GO_LIVE_TOKEN, used as it is
        Reading offer 'contoso-vm' through the Product Ingestion API at http://127.0.0.1:<port>/rp/product-ingestion/ to plan its release (this mode sends nothing)
        notice: draft change: 1 resource to change
        virtual-machine-plan-technical-configuration of plan 'standard': would change
          plan 'standard':
          + 2.0.0 x64Gen2 …/b.vhd
          = kept 0 versions (0 published)
        notice: publish to preview: would send: the draft, after the change, would be published to preview
        what certification would be asked to check (the draft against the newest preview):
          the whole offer: nothing is in preview yet (its first publish)
        notice: go-live: not ready: go-live would not be sent: offer 'contoso-vm' was never published to preview, so there is nothing to take live: publish it to preview first; once the publish above succeeds, a go-live would promote its new preview instead
        plan: 1 resource to change, publish: yes, go-live: no
        plan: succeeded
          API          Product Ingestion
          offer        contoso-vm
          outcome      planned
          elapsed      <time>
        -- outputs
        ==== go-live draft
        exit 0
        -- stdout
        operation_location=http://127.0.0.1:<port>/rp/product-ingestion/configure/<id>/status?$version=2022-03-01-preview2
        operation_id=<id>
        product_id=product/<id>
        target=draft
        outcome=started
        status=succeeded
        -- stderr
        Signing in with GO_LIVE_TOKEN, used as it is
        Reading the draft of offer 'contoso-vm' through the Product Ingestion API at http://127.0.0.1:<port>/rp/product-ingestion/, to put the image versions of versions.json for plan 'standard' into it
        notice: plan 'standard':
        + 2.0.0 x64Gen2 …/b.vhd
        = kept 0 versions (0 published)
        draft change accepted: operation <id>
          http://127.0.0.1:<port>/rp/product-ingestion/configure/<id>/status?$version=2022-03-01-preview2
        Following the draft change every <time> for at most <time> (--configure-timeout)
        [<time>] operation completed (succeeded)
        The draft was read again: it holds the change as sent
        draft change: succeeded
          API          Product Ingestion
          offer        contoso-vm
          operation    http://127.0.0.1:<port>/rp/product-ingestion/configure/<id>/status?$version=2022-03-01-preview2
          target       draft
          outcome      started
          elapsed      <time>
        -- outputs
        ==== go-live publish
        exit 0
        -- stdout
        operation_location=http://127.0.0.1:<port>/rp/product-ingestion/configure/<id>/status?$version=2022-03-01-preview2
        operation_id=<id>
        product_id=product/<id>
        target=preview
        outcome=started
        submission_id=submission/<id>/1152921504606846979
        status=succeeded
        -- stderr
        Signing in with GO_LIVE_TOKEN, used as it is
        Reading the draft of offer 'contoso-vm' through the Product Ingestion API at http://127.0.0.1:<port>/rp/product-ingestion/, to put the image versions of versions.json for plan 'standard' into it
        notice: the draft of offer 'contoso-vm' already holds the image versions of versions.json for plan 'standard': nothing to change; nothing was sent
        Reading the state of offer 'contoso-vm' through the Product Ingestion API at http://127.0.0.1:<port>/rp/product-ingestion/ for mode publish
        Publishing the draft of offer 'contoso-vm' to preview
        publish to preview accepted: operation <id>
          http://127.0.0.1:<port>/rp/product-ingestion/configure/<id>/status?$version=2022-03-01-preview2
        Following the operation every <time> for at most <time>
        [<time>] operation completed (succeeded)
        The operation succeeded
        notice: what goes live (the preview against live):
        the whole offer: live holds nothing yet (its first go-live)
        publish to preview: succeeded
          API          Product Ingestion
          offer        contoso-vm
          operation    http://127.0.0.1:<port>/rp/product-ingestion/configure/<id>/status?$version=2022-03-01-preview2
          target       preview
          outcome      started
          elapsed      <time>
        -- outputs
        ==== go-live live
        exit 0
        -- stdout
        operation_location=http://127.0.0.1:<port>/rp/product-ingestion/configure/<id>/status?$version=2022-03-01-preview2
        operation_id=<id>
        product_id=product/<id>
        submission_id=submission/<id>/1152921504606846979
        target=live
        outcome=started
        status=succeeded
        -- stderr
        Signing in with GO_LIVE_TOKEN, used as it is
        Reading the state of offer 'contoso-vm' through the Product Ingestion API at http://127.0.0.1:<port>/rp/product-ingestion/ for mode go-live
        notice: what goes live (the preview against live):
        the whole offer: live holds nothing yet (its first go-live)
        Requesting go-live of offer 'contoso-vm'
        go-live accepted: operation <id>
          http://127.0.0.1:<port>/rp/product-ingestion/configure/<id>/status?$version=2022-03-01-preview2
        Following the operation every <time> for at most <time>
        [<time>] operation completed (succeeded)
        The operation succeeded
        go-live: succeeded
          API          Product Ingestion
          offer        contoso-vm
          operation    http://127.0.0.1:<port>/rp/product-ingestion/configure/<id>/status?$version=2022-03-01-preview2
          target       live
          outcome      started
          elapsed      <time>
        -- outputs
    "#]].assert_eq(&terminal);
    let github = release_seen(
        |line| {
            let (output, summary) = (line.path("output"), line.path("summary"));
            line.env("GITHUB_ACTIONS", "true")
                .env("GITHUB_OUTPUT", &output)
                .env("GITHUB_STEP_SUMMARY", &summary)
        },
        |_, line| {
            let file = std::fs::read_to_string(line.path("output")).unwrap();
            let summary = std::fs::read_to_string(line.path("summary")).unwrap();
            let title = summary.lines().next().unwrap_or_default();
            format!(
                "{}-- summary\n{title}\n",
                listed(&parse_outputs(&file).unwrap())
            )
        },
    );
    expect_test::expect![[r#"
        ==== go-live plan
        exit 0
        -- stdout
        ::add-mask::<secret>
        Signing in with GO_LIVE_TOKEN, used as it is
        ::add-mask::<secret>
        ::add-mask::<secret>
        Reading offer 'contoso-vm' through the Product Ingestion API at http://127.0.0.1:<port>/rp/product-ingestion/ to plan its release (this mode sends nothing)
        ::notice::draft change: 1 resource to change%0Avirtual-machine-plan-technical-configuration of plan 'standard': would change%0A  plan 'standard':%0A  + 2.0.0 x64Gen2 …/b.vhd%0A  = kept 0 versions (0 published)
        ::notice::publish to preview: would send: the draft, after the change, would be published to preview%0Awhat certification would be asked to check (the draft against the newest preview):%0A  the whole offer: nothing is in preview yet (its first publish)
        ::notice::go-live: not ready: go-live would not be sent: offer 'contoso-vm' was never published to preview, so there is nothing to take live: publish it to preview first; once the publish above succeeds, a go-live would promote its new preview instead
        plan: 1 resource to change, publish: yes, go-live: no
        -- outputs
        changes = true
        outcome = planned
        plan = go-live-plan.json
        status = succeeded
        -- summary
        ### Azure Marketplace plan: succeeded
        ==== go-live draft
        exit 0
        -- stdout
        ::add-mask::<secret>
        Signing in with GO_LIVE_TOKEN, used as it is
        ::add-mask::<secret>
        ::add-mask::<secret>
        Reading the draft of offer 'contoso-vm' through the Product Ingestion API at http://127.0.0.1:<port>/rp/product-ingestion/, to put the image versions of versions.json for plan 'standard' into it
        ::notice::plan 'standard':%0A+ 2.0.0 x64Gen2 …/b.vhd%0A= kept 0 versions (0 published)
        draft change accepted: operation <id>
          http://127.0.0.1:<port>/rp/product-ingestion/configure/<id>/status?$version=2022-03-01-preview2
        Following the draft change every <time> for at most <time> (--configure-timeout)
        ::group::[<time>] operation completed (succeeded)
        ::endgroup::
        The draft was read again: it holds the change as sent
        -- outputs
        operation_id = <id>
        operation_location = http://127.0.0.1:<port>/rp/product-ingestion/configure/<id>/status?$version=2022-03-01-preview2
        outcome = started
        product_id = product/<id>
        status = succeeded
        target = draft
        -- summary
        ### Azure Marketplace draft change: succeeded
        ==== go-live publish
        exit 0
        -- stdout
        ::add-mask::<secret>
        Signing in with GO_LIVE_TOKEN, used as it is
        ::add-mask::<secret>
        ::add-mask::<secret>
        Reading the draft of offer 'contoso-vm' through the Product Ingestion API at http://127.0.0.1:<port>/rp/product-ingestion/, to put the image versions of versions.json for plan 'standard' into it
        ::notice::the draft of offer 'contoso-vm' already holds the image versions of versions.json for plan 'standard': nothing to change; nothing was sent
        Reading the state of offer 'contoso-vm' through the Product Ingestion API at http://127.0.0.1:<port>/rp/product-ingestion/ for mode publish
        Publishing the draft of offer 'contoso-vm' to preview
        publish to preview accepted: operation <id>
          http://127.0.0.1:<port>/rp/product-ingestion/configure/<id>/status?$version=2022-03-01-preview2
        Following the operation every <time> for at most <time>
        ::group::[<time>] operation completed (succeeded)
        preview submission: submission/<id>/1152921504606846979
        ::endgroup::
        The operation succeeded
        ::notice::what goes live (the preview against live):%0Athe whole offer: live holds nothing yet (its first go-live)
        -- outputs
        operation_id = <id>
        operation_location = http://127.0.0.1:<port>/rp/product-ingestion/configure/<id>/status?$version=2022-03-01-preview2
        outcome = started
        product_id = product/<id>
        status = succeeded
        submission_id = submission/<id>/1152921504606846979
        target = preview
        -- summary
        ### Azure Marketplace publish to preview: succeeded
        ==== go-live live
        exit 0
        -- stdout
        ::add-mask::<secret>
        Signing in with GO_LIVE_TOKEN, used as it is
        Reading the state of offer 'contoso-vm' through the Product Ingestion API at http://127.0.0.1:<port>/rp/product-ingestion/ for mode go-live
        ::notice::what goes live (the preview against live):%0Athe whole offer: live holds nothing yet (its first go-live)
        Requesting go-live of offer 'contoso-vm'
        go-live accepted: operation <id>
          http://127.0.0.1:<port>/rp/product-ingestion/configure/<id>/status?$version=2022-03-01-preview2
        Following the operation every <time> for at most <time>
        ::group::[<time>] operation completed (succeeded)
        live submission: submission/<id>/1152921504606846979 (status completed, result succeeded)
        ::endgroup::
        The operation succeeded
        -- outputs
        operation_id = <id>
        operation_location = http://127.0.0.1:<port>/rp/product-ingestion/configure/<id>/status?$version=2022-03-01-preview2
        outcome = started
        product_id = product/<id>
        status = succeeded
        submission_id = submission/<id>/1152921504606846979
        target = live
        -- summary
        ### Azure Marketplace go-live: succeeded
    "#]].assert_eq(&github);
    let azure = release_seen(
        |line| {
            let temp = line.path("");
            line.env("TF_BUILD", "True")
                .env("AGENT_TEMPDIRECTORY", &temp)
        },
        |ran, _| {
            let view = agent_view(ran);
            assert!(view.result.is_none(), "{:?}", view.result);
            let summary = std::fs::read_to_string(&view.summaries[0]).unwrap();
            let title = summary.lines().next().unwrap_or_default();
            format!("{}-- summary\n{title}\n", listed(&view.outputs))
        },
    );
    expect_test::expect![[r#"
        ==== go-live plan
        exit 0
        -- stdout
        ##vso[task.setsecret]<secret>
        Signing in with GO_LIVE_TOKEN, used as it is
        ##vso[task.setsecret]<secret>
        ##vso[task.setsecret]<secret>
        Reading offer 'contoso-vm' through the Product Ingestion API at http://127.0.0.1:<port>/rp/product-ingestion/ to plan its release (this mode sends nothing)
        draft change: 1 resource to change
        virtual-machine-plan-technical-configuration of plan 'standard': would change
          plan 'standard':
          + 2.0.0 x64Gen2 …/b.vhd
          = kept 0 versions (0 published)
        publish to preview: would send: the draft, after the change, would be published to preview
        what certification would be asked to check (the draft against the newest preview):
          the whole offer: nothing is in preview yet (its first publish)
        go-live: not ready: go-live would not be sent: offer 'contoso-vm' was never published to preview, so there is nothing to take live: publish it to preview first; once the publish above succeeds, a go-live would promote its new preview instead
        plan: 1 resource to change, publish: yes, go-live: no
        ##vso[task.setvariable variable=outcome;isoutput=true]planned
        ##vso[task.setvariable variable=status;isoutput=true]succeeded
        ##vso[task.setvariable variable=changes;isoutput=true]true
        ##vso[task.setvariable variable=plan;isoutput=true]go-live-plan.json
        ##vso[task.uploadsummary]<dir>/go-live.md
        -- outputs
        changes = true
        outcome = planned
        plan = go-live-plan.json
        status = succeeded
        -- summary
        ### Azure Marketplace plan: succeeded
        ==== go-live draft
        exit 0
        -- stdout
        ##vso[task.setsecret]<secret>
        Signing in with GO_LIVE_TOKEN, used as it is
        ##vso[task.setsecret]<secret>
        ##vso[task.setsecret]<secret>
        Reading the draft of offer 'contoso-vm' through the Product Ingestion API at http://127.0.0.1:<port>/rp/product-ingestion/, to put the image versions of versions.json for plan 'standard' into it
        plan 'standard':
        + 2.0.0 x64Gen2 …/b.vhd
        = kept 0 versions (0 published)
        draft change accepted: operation <id>
          http://127.0.0.1:<port>/rp/product-ingestion/configure/<id>/status?$version=2022-03-01-preview2
        ##vso[task.setvariable variable=operationLocation;isoutput=true]http://127.0.0.1:<port>/rp/product-ingestion/configure/<id>/status?$version=2022-03-01-preview2
        ##vso[task.setvariable variable=operationId;isoutput=true]<id>
        ##vso[task.setvariable variable=productId;isoutput=true]product/<id>
        ##vso[task.setvariable variable=target;isoutput=true]draft
        Following the draft change every <time> for at most <time> (--configure-timeout)
        ##[group][<time>] operation completed (succeeded)
        ##[endgroup]
        The draft was read again: it holds the change as sent
        ##vso[task.setvariable variable=outcome;isoutput=true]started
        ##vso[task.setvariable variable=status;isoutput=true]succeeded
        ##vso[task.uploadsummary]<dir>/go-live.md
        -- outputs
        operationId = <id>
        operationLocation = http://127.0.0.1:<port>/rp/product-ingestion/configure/<id>/status?$version=2022-03-01-preview2
        outcome = started
        productId = product/<id>
        status = succeeded
        target = draft
        -- summary
        ### Azure Marketplace draft change: succeeded
        ==== go-live publish
        exit 0
        -- stdout
        ##vso[task.setsecret]<secret>
        Signing in with GO_LIVE_TOKEN, used as it is
        ##vso[task.setsecret]<secret>
        ##vso[task.setsecret]<secret>
        Reading the draft of offer 'contoso-vm' through the Product Ingestion API at http://127.0.0.1:<port>/rp/product-ingestion/, to put the image versions of versions.json for plan 'standard' into it
        the draft of offer 'contoso-vm' already holds the image versions of versions.json for plan 'standard': nothing to change; nothing was sent
        Reading the state of offer 'contoso-vm' through the Product Ingestion API at http://127.0.0.1:<port>/rp/product-ingestion/ for mode publish
        Publishing the draft of offer 'contoso-vm' to preview
        publish to preview accepted: operation <id>
          http://127.0.0.1:<port>/rp/product-ingestion/configure/<id>/status?$version=2022-03-01-preview2
        ##vso[task.setvariable variable=operationLocation;isoutput=true]http://127.0.0.1:<port>/rp/product-ingestion/configure/<id>/status?$version=2022-03-01-preview2
        ##vso[task.setvariable variable=operationId;isoutput=true]<id>
        ##vso[task.setvariable variable=productId;isoutput=true]product/<id>
        ##vso[task.setvariable variable=target;isoutput=true]preview
        ##vso[task.setvariable variable=outcome;isoutput=true]started
        Following the operation every <time> for at most <time>
        ##[group][<time>] operation completed (succeeded)
        preview submission: submission/<id>/1152921504606846979
        ##[endgroup]
        The operation succeeded
        ##vso[task.setvariable variable=operationLocation;isoutput=true]http://127.0.0.1:<port>/rp/product-ingestion/configure/<id>/status?$version=2022-03-01-preview2
        ##vso[task.setvariable variable=operationId;isoutput=true]<id>
        ##vso[task.setvariable variable=productId;isoutput=true]product/<id>
        ##vso[task.setvariable variable=submissionId;isoutput=true]submission/<id>/1152921504606846979
        ##vso[task.setvariable variable=target;isoutput=true]preview
        what goes live (the preview against live):
        the whole offer: live holds nothing yet (its first go-live)
        ##vso[task.setvariable variable=status;isoutput=true]succeeded
        ##vso[task.uploadsummary]<dir>/go-live.md
        -- outputs
        operationId = <id>
        operationLocation = http://127.0.0.1:<port>/rp/product-ingestion/configure/<id>/status?$version=2022-03-01-preview2
        outcome = started
        productId = product/<id>
        status = succeeded
        submissionId = submission/<id>/1152921504606846979
        target = preview
        -- summary
        ### Azure Marketplace publish to preview: succeeded
        ==== go-live live
        exit 0
        -- stdout
        ##vso[task.setsecret]<secret>
        Signing in with GO_LIVE_TOKEN, used as it is
        Reading the state of offer 'contoso-vm' through the Product Ingestion API at http://127.0.0.1:<port>/rp/product-ingestion/ for mode go-live
        what goes live (the preview against live):
        the whole offer: live holds nothing yet (its first go-live)
        Requesting go-live of offer 'contoso-vm'
        go-live accepted: operation <id>
          http://127.0.0.1:<port>/rp/product-ingestion/configure/<id>/status?$version=2022-03-01-preview2
        ##vso[task.setvariable variable=operationLocation;isoutput=true]http://127.0.0.1:<port>/rp/product-ingestion/configure/<id>/status?$version=2022-03-01-preview2
        ##vso[task.setvariable variable=operationId;isoutput=true]<id>
        ##vso[task.setvariable variable=productId;isoutput=true]product/<id>
        ##vso[task.setvariable variable=submissionId;isoutput=true]submission/<id>/1152921504606846979
        ##vso[task.setvariable variable=target;isoutput=true]live
        ##vso[task.setvariable variable=outcome;isoutput=true]started
        Following the operation every <time> for at most <time>
        ##[group][<time>] operation completed (succeeded)
        live submission: submission/<id>/1152921504606846979 (status completed, result succeeded)
        ##[endgroup]
        The operation succeeded
        ##vso[task.setvariable variable=status;isoutput=true]succeeded
        ##vso[task.uploadsummary]<dir>/go-live.md
        -- outputs
        operationId = <id>
        operationLocation = http://127.0.0.1:<port>/rp/product-ingestion/configure/<id>/status?$version=2022-03-01-preview2
        outcome = started
        productId = product/<id>
        status = succeeded
        submissionId = submission/<id>/1152921504606846979
        target = live
        -- summary
        ### Azure Marketplace go-live: succeeded
    "#]].assert_eq(&azure);
    let gitlab = release_seen(
        |line| {
            line.env("GITLAB_CI", "true")
                .env("CI", "true")
                .args(&["--dotenv", "go-live.env"])
        },
        |_, line| {
            let report = std::fs::read_to_string(line.path("go-live.env")).unwrap();
            listed(&gitlab_dotenv(&report).unwrap())
        },
    );
    expect_test::expect![[r#"
        ==== go-live plan
        exit 0
        -- stderr
        Signing in with GO_LIVE_TOKEN, used as it is
        Reading offer 'contoso-vm' through the Product Ingestion API at http://127.0.0.1:<port>/rp/product-ingestion/ to plan its release (this mode sends nothing)
        notice: draft change: 1 resource to change
        virtual-machine-plan-technical-configuration of plan 'standard': would change
          plan 'standard':
          + 2.0.0 x64Gen2 …/b.vhd
          = kept 0 versions (0 published)
        notice: publish to preview: would send: the draft, after the change, would be published to preview
        what certification would be asked to check (the draft against the newest preview):
          the whole offer: nothing is in preview yet (its first publish)
        notice: go-live: not ready: go-live would not be sent: offer 'contoso-vm' was never published to preview, so there is nothing to take live: publish it to preview first; once the publish above succeeds, a go-live would promote its new preview instead
        plan: 1 resource to change, publish: yes, go-live: no
        -- outputs
        GO_LIVE_CHANGES = true
        GO_LIVE_OUTCOME = planned
        GO_LIVE_PLAN = go-live-plan.json
        GO_LIVE_STATUS = succeeded
        ==== go-live draft
        exit 0
        -- stderr
        Signing in with GO_LIVE_TOKEN, used as it is
        Reading the draft of offer 'contoso-vm' through the Product Ingestion API at http://127.0.0.1:<port>/rp/product-ingestion/, to put the image versions of versions.json for plan 'standard' into it
        notice: plan 'standard':
        + 2.0.0 x64Gen2 …/b.vhd
        = kept 0 versions (0 published)
        draft change accepted: operation <id>
          http://127.0.0.1:<port>/rp/product-ingestion/configure/<id>/status?$version=2022-03-01-preview2
        Following the draft change every <time> for at most <time> (--configure-timeout)
        ␛[0Ksection_start:<time>:go_live_1[collapsed=true]␍␛[0K[<time>] operation completed (succeeded)
        ␛[0Ksection_end:<time>:go_live_1␍␛[0K
        The draft was read again: it holds the change as sent
        -- outputs
        GO_LIVE_OPERATION_ID = <id>
        GO_LIVE_OPERATION_LOCATION = http://127.0.0.1:<port>/rp/product-ingestion/configure/<id>/status?$version=2022-03-01-preview2
        GO_LIVE_OUTCOME = started
        GO_LIVE_PRODUCT_ID = product/<id>
        GO_LIVE_STATUS = succeeded
        GO_LIVE_TARGET = draft
        ==== go-live publish
        exit 0
        -- stderr
        Signing in with GO_LIVE_TOKEN, used as it is
        Reading the draft of offer 'contoso-vm' through the Product Ingestion API at http://127.0.0.1:<port>/rp/product-ingestion/, to put the image versions of versions.json for plan 'standard' into it
        notice: the draft of offer 'contoso-vm' already holds the image versions of versions.json for plan 'standard': nothing to change; nothing was sent
        Reading the state of offer 'contoso-vm' through the Product Ingestion API at http://127.0.0.1:<port>/rp/product-ingestion/ for mode publish
        Publishing the draft of offer 'contoso-vm' to preview
        publish to preview accepted: operation <id>
          http://127.0.0.1:<port>/rp/product-ingestion/configure/<id>/status?$version=2022-03-01-preview2
        Following the operation every <time> for at most <time>
        ␛[0Ksection_start:<time>:go_live_1[collapsed=true]␍␛[0K[<time>] operation completed (succeeded)
        preview submission: submission/<id>/1152921504606846979
        ␛[0Ksection_end:<time>:go_live_1␍␛[0K
        The operation succeeded
        notice: what goes live (the preview against live):
        the whole offer: live holds nothing yet (its first go-live)
        -- outputs
        GO_LIVE_OPERATION_ID = <id>
        GO_LIVE_OPERATION_LOCATION = http://127.0.0.1:<port>/rp/product-ingestion/configure/<id>/status?$version=2022-03-01-preview2
        GO_LIVE_OUTCOME = started
        GO_LIVE_PRODUCT_ID = product/<id>
        GO_LIVE_STATUS = succeeded
        GO_LIVE_SUBMISSION_ID = submission/<id>/1152921504606846979
        GO_LIVE_TARGET = preview
        ==== go-live live
        exit 0
        -- stderr
        Signing in with GO_LIVE_TOKEN, used as it is
        Reading the state of offer 'contoso-vm' through the Product Ingestion API at http://127.0.0.1:<port>/rp/product-ingestion/ for mode go-live
        notice: what goes live (the preview against live):
        the whole offer: live holds nothing yet (its first go-live)
        Requesting go-live of offer 'contoso-vm'
        go-live accepted: operation <id>
          http://127.0.0.1:<port>/rp/product-ingestion/configure/<id>/status?$version=2022-03-01-preview2
        Following the operation every <time> for at most <time>
        ␛[0Ksection_start:<time>:go_live_1[collapsed=true]␍␛[0K[<time>] operation completed (succeeded)
        live submission: submission/<id>/1152921504606846979 (status completed, result succeeded)
        ␛[0Ksection_end:<time>:go_live_1␍␛[0K
        The operation succeeded
        -- outputs
        GO_LIVE_OPERATION_ID = <id>
        GO_LIVE_OPERATION_LOCATION = http://127.0.0.1:<port>/rp/product-ingestion/configure/<id>/status?$version=2022-03-01-preview2
        GO_LIVE_OUTCOME = started
        GO_LIVE_PRODUCT_ID = product/<id>
        GO_LIVE_STATUS = succeeded
        GO_LIVE_SUBMISSION_ID = submission/<id>/1152921504606846979
        GO_LIVE_TARGET = live
    "#]].assert_eq(&gitlab);
}

//! `mode: plan` (`go-live plan`): what a release would do, made of reads
//! alone, through the built binary against the emulator of both APIs: the
//! sections (draft change, publish to preview, go-live), the tally line,
//! the `changes` and `plan` outputs with a file a later step opens,
//! `--json`, `detailed_exitcode`, and a count of the requests by method.

use std::time::Duration;

use crate::support::cli::Line;
use crate::support::emulated::{cpp_go_live, ingestion_go_live, knobs, published};
use crate::support::{Action, Run};
use marketplace_emulator::Emulator;
use serde_json::{Value, json};

const OFFER: &str = "contoso-vm";

/// The log as the runner shows it: its lines, and its notices whole.
fn shown(run: &Run) -> String {
    format!("{}\n{}", run.log(), run.annotations("notice").join("\n"))
}

/// Every request the emulator received went by GET: a plan sends nothing
/// but reads.
fn only_reads(emulator: &Emulator) {
    let api: Vec<String> = emulator
        .requests()
        .iter()
        .filter(|r| r.target.starts_with("/api/") || r.target.starts_with("/rp/"))
        .map(|r| format!("{} {}", r.method, r.target))
        .collect();
    assert!(!api.is_empty(), "the plan read nothing");
    let writes: Vec<&String> = api.iter().filter(|r| !r.starts_with("GET ")).collect();
    assert!(writes.is_empty(), "a plan sent {writes:?}");
}

/// Runs the action and, as a later step of the job would, opens the file
/// its `plan` output names, relative to the workspace.
fn run_and_open(action: Action) -> (Run, Value) {
    let output = action.command().output().unwrap();
    let run = action.finish(
        output.status,
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    );
    let path = run
        .outputs
        .get("plan")
        .cloned()
        .unwrap_or_else(|| panic!("no plan output:\n{}", run.transcript()));
    assert!(!path.starts_with('/'), "{path} is not relative");
    let text = std::fs::read_to_string(action.dir().join("workspace").join(&path)).unwrap();
    (run, serde_json::from_str(&text).unwrap())
}

/// A virtual machine product with plan `standard` whose version 1.0.0 was
/// published to preview, and not live.
fn previewed_product() -> Emulator {
    let emulator = Emulator::start(knobs());
    emulator.create_vm_product(OFFER, &["standard"]);
    emulator.set_draft_resource(OFFER, {
        let mut tech = emulator.draft_tech(OFFER, "standard").unwrap();
        tech["vmImageVersions"] = json!([version("1.0.0")]);
        tech
    });
    emulator.publish_preview(OFFER);
    assert!(emulator.wait_for_preview(OFFER, Duration::from_secs(20)));
    emulator
}

fn version(number: &str) -> Value {
    json!({"versionNumber": number, "vmImages": [{"imageType": "x64Gen2",
        "source": {"sourceType": "sasUri", "osDisk": {"uri": format!("https://contoso.blob.core.windows.net/vhds/{number}.vhd?sv=2023-11-03&se=2099-01-01T00%3A00%3A00Z&sr=b&sp=r&sig=c2lnbmF0dXJl")}, "dataDisks": []}}]})
}

fn planning(emulator: &Emulator, file: Option<&Value>) -> Action {
    let action = ingestion_go_live(&emulator.ingestion_url())
        .with("mode", "plan")
        .with("wait", "false")
        .secret("c2lnbmF0dXJl");
    match file {
        None => action,
        Some(file) => action
            .with("plan", "standard")
            .with("vm_image_versions", "release/versions.json")
            .workspace_file("release/versions.json", &file.to_string()),
    }
}

#[test]
fn a_plan_tells_each_step_of_the_release_and_sends_nothing() {
    let emulator = previewed_product();
    let (run, plan) = run_and_open(planning(&emulator, Some(&json!([version("2.0.0")]))));
    assert_eq!(run.code, Some(0), "{}", run.transcript());
    assert_eq!(run.outputs["changes"], "true");
    assert_eq!(run.outputs["plan"], "go-live-plan.json");
    assert_eq!(run.outputs["outcome"], "planned");
    assert_eq!(run.outputs["status"], "succeeded");
    only_reads(&emulator);

    let log = shown(&run);
    for said in [
        "draft change: 1 resource to change",
        "+ 2.0.0 x64Gen2 …/2.0.0.vhd",
        "publish to preview: would send",
        "go-live: would send",
        "the whole offer: live holds nothing yet (its first go-live)",
        "plan: 1 resource to change, publish: yes, go-live: yes",
    ] {
        assert!(log.contains(said), "{said}:\n{log}");
    }
    assert!(
        run.summary
            .contains("### Azure Marketplace plan: succeeded"),
        "{}",
        run.summary
    );

    assert_eq!(plan["changes"], true);
    let offer = &plan["offers"][OFFER];
    assert_eq!(offer["draft"][0]["change"], "send");
    assert_eq!(offer["publish"]["would"], "send");
    let certified = offer["publish"]["lines"].to_string();
    assert!(certified.contains("2.0.0"), "{certified}");
    assert!(!certified.contains("sig="), "{certified}");
    assert_eq!(offer["go_live"]["would"], "send");
    assert!(
        offer["go_live"]["submission"]
            .as_str()
            .unwrap()
            .starts_with("submission/"),
        "{offer}"
    );
}

#[test]
fn detailed_exitcode_is_four_with_changes_pending_and_zero_without() {
    let emulator = previewed_product();
    let run = planning(&emulator, None)
        .with("detailed_exitcode", "true")
        .run();
    assert_eq!(run.code, Some(4), "{}", run.transcript());
    assert_eq!(run.outputs["changes"], "true");
    assert!(
        shown(&run).contains("plan: 0 resources to change, publish: no, go-live: yes"),
        "{}",
        shown(&run)
    );

    // Live, and the draft as the preview holds it: nothing to send.
    let live = ingestion_go_live(&emulator.ingestion_url())
        .with("wait", "true")
        .run();
    assert_eq!(live.code, Some(0), "{}", live.transcript());
    let run = planning(&emulator, Some(&json!([version("1.0.0")])))
        .with("detailed_exitcode", "true")
        .run();
    assert_eq!(run.code, Some(0), "{}", run.transcript());
    assert_eq!(run.outputs["changes"], "false");
    let log = shown(&run);
    for said in [
        "draft change: 0 resources to change",
        "publish to preview: unchanged",
        "go-live: already live",
        "plan: 0 resources to change, publish: no, go-live: no",
    ] {
        assert!(log.contains(said), "{said}:\n{log}");
    }
    only_reads_after_go_live(&emulator);
}

/// Every request after the go-live's went by GET.
fn only_reads_after_go_live(emulator: &Emulator) {
    let requests = emulator.requests();
    let last_write = requests
        .iter()
        .rposition(|r| r.method != "GET")
        .expect("the go-live was sent");
    let after: Vec<String> = requests[last_write + 1..]
        .iter()
        .filter(|r| r.method != "GET")
        .map(|r| format!("{} {}", r.method, r.target))
        .collect();
    assert!(after.is_empty(), "{after:?}");
    assert!(requests[last_write].target.contains("/configure"));
}

#[test]
fn a_draft_change_a_real_run_would_refuse_is_planned_as_refused() {
    let emulator = previewed_product();
    let run = planning(&emulator, Some(&json!([version("2.0.0")])))
        .with("plan", "no-such-plan")
        .run();
    assert_eq!(run.code, Some(0), "{}", run.transcript());
    let log = shown(&run);
    assert!(
        log.contains("has no plan 'no-such-plan' in its draft"),
        "{log}"
    );
    assert!(
        log.contains("publish to preview: refused: the draft change would be refused"),
        "{log}"
    );
    assert!(
        log.contains("plan: 0 resources to change, publish: no, go-live: yes"),
        "{log}"
    );
    only_reads(&emulator);
}

#[test]
fn the_plan_file_opens_in_a_later_step_under_the_runners_name_for_the_workspace() {
    // The container sees the workspace as /github/workspace and a later
    // step as $GITHUB_WORKSPACE: one folder under two names. Here the
    // run's name for it is a link, and the later step opens the real one.
    let emulator = previewed_product();
    let action = planning(&emulator, None);
    let dir = action.dir();
    let container_name = dir.join("github-workspace");
    std::fs::create_dir_all(dir.join("workspace")).unwrap();
    std::os::unix::fs::symlink(dir.join("workspace"), &container_name).unwrap();
    let (run, plan) =
        run_and_open(action.env("GITHUB_WORKSPACE", container_name.to_str().unwrap()));
    assert_eq!(run.code, Some(0), "{}", run.transcript());
    let named = &run.outputs["plan"];
    assert!(!named.contains("github-workspace"), "{named}");
    assert_eq!(plan["changes"], true);
}

#[test]
fn the_command_line_prints_the_plan_with_json_and_exits_four_when_asked() {
    let emulator = previewed_product();
    let line = Line::new(&[
        "plan",
        "--api",
        "product-ingestion",
        "--api-url",
        &emulator.ingestion_url(),
        "--offer",
        OFFER,
        "--json",
        "--detailed-exitcode",
    ])
    .env("GO_LIVE_TOKEN", crate::support::TOKEN);
    let ran = line.run();
    assert_eq!(ran.code, Some(4), "{}", ran.both());
    let plan: Value = serde_json::from_str(&ran.stdout).unwrap();
    assert_eq!(plan["changes"], true);
    assert_eq!(plan["offers"][OFFER]["go_live"]["would"], "send");
    assert_eq!(plan["offers"][OFFER]["publish"]["would"], "unchanged");
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(line.path("go-live-plan.json")).unwrap())
            .unwrap();
    assert_eq!(written, plan);
    assert!(
        ran.stderr
            .contains("plan: 0 resources to change, publish: no, go-live: yes")
    );
    only_reads(&emulator);
}

#[test]
fn a_cloud_partner_portal_plan_compares_the_offer_documents() {
    let emulator = published(knobs());
    emulator.add_cpp_image_version("contoso", OFFER, "standard", "1.1.0");
    let (run, plan) = run_and_open(
        cpp_go_live(emulator.url())
            .with("mode", "plan")
            .with("wait", "false"),
    );
    assert_eq!(run.code, Some(0), "{}", run.transcript());
    only_reads(&emulator);
    let log = shown(&run);
    for said in [
        "publish to preview: would send",
        "+ plan 'standard' 1.1.0 osVhdUrl https://contosovhds.blob.core.windows.net/vhds/contoso-vm-1.1.0.vhd",
        "go-live: would send",
        "the whole offer: nothing is live yet (its first go-live)",
        "plan: 0 resources to change, publish: yes, go-live: yes",
    ] {
        assert!(log.contains(said), "{said}:\n{log}");
    }
    assert!(!log.contains("sig="), "{log}");
    assert_eq!(plan["offers"]["contoso/contoso-vm"]["draft"], json!([]));

    // Live: the preview (its plans in another order, every signature new)
    // is what production holds.
    let live = cpp_go_live(emulator.url()).run();
    assert_eq!(live.code, Some(0), "{}", live.transcript());
    let run = cpp_go_live(emulator.url())
        .with("mode", "plan")
        .with("wait", "false")
        .run();
    assert_eq!(run.code, Some(0), "{}", run.transcript());
    let log = shown(&run);
    assert!(log.contains("go-live: already live"), "{log}");
    assert!(log.contains("publish to preview: would send"), "{log}");

    // The next release: a new version published to preview. What goes
    // live is that version alone; the go-live says so before it sends.
    emulator.add_cpp_image_version("contoso", OFFER, "standard", "1.2.0");
    emulator.publish("contoso", OFFER).unwrap();
    assert!(emulator.wait_for_signoff("contoso", OFFER, Duration::from_secs(20)));
    let (run, plan) = run_and_open(
        cpp_go_live(emulator.url())
            .with("mode", "plan")
            .with("wait", "false"),
    );
    assert_eq!(run.code, Some(0), "{}", run.transcript());
    let go_live = &plan["offers"]["contoso/contoso-vm"]["go_live"];
    assert_eq!(go_live["would"], "send", "{plan}");
    assert_eq!(
        go_live["lines"],
        json!([
            "+ plan 'standard' 1.1.0 osVhdUrl https://contosovhds.blob.core.windows.net/vhds/contoso-vm-1.1.0.vhd",
            "+ plan 'standard' 1.2.0 osVhdUrl https://contosovhds.blob.core.windows.net/vhds/contoso-vm-1.2.0.vhd"
        ]),
        "{plan}"
    );
    let live = cpp_go_live(emulator.url()).run();
    assert_eq!(live.code, Some(0), "{}", live.transcript());
    assert!(
        live.annotations("notice")[0].starts_with(
            "what goes live (the preview against live):\n+ plan 'standard' 1.1.0 osVhdUrl"
        ),
        "{}",
        live.stdout
    );
}

/// The Product Ingestion requests since the `from`th, each as its method
/// and what it reads: `product`, `submissions`, `tree <target>`,
/// `configure`, `status`.
fn kinds_since(emulator: &Emulator, from: usize) -> Vec<String> {
    emulator.requests()[from..]
        .iter()
        .filter(|r| r.target.starts_with("/rp/"))
        .map(|r| {
            let path = r.target.split('?').next().unwrap();
            let what = if path.ends_with("/product") {
                "product"
            } else if path.contains("/submission/") {
                "submissions"
            } else if path.contains("/resource-tree/") {
                match r
                    .target
                    .split("targetType=")
                    .nth(1)
                    .and_then(|t| t.split('&').next())
                {
                    Some("preview") => "tree preview",
                    Some("live") => "tree live",
                    _ => "tree draft",
                }
            } else if path.ends_with("/status") {
                "status"
            } else {
                "configure"
            };
            format!("{} {what}", r.method)
        })
        .collect()
}

#[test]
fn a_publish_reads_each_thing_once_and_again_only_after_its_own_writes() {
    let emulator = previewed_product();
    let file = json!([version("2.0.0")]);
    let publishing = || {
        ingestion_go_live(&emulator.ingestion_url())
            .with("mode", "publish")
            .with("plan", "standard")
            .with("vm_image_versions", "release/versions.json")
            .with("poll_interval", "10ms")
            .secret("c2lnbmF0dXJl")
            .workspace_file("release/versions.json", &file.to_string())
    };
    let from = emulator.requests().len();
    let run = publishing().run();
    run.check_ended(0, "succeeded", Some("started"));
    let sent = kinds_since(&emulator, from);
    // The preview exists and live does not: the submissions say so, and
    // live's tree is never asked for. The draft is read again only after
    // the change (to verify it; the publish compares that read with the
    // preview), the submissions and the preview only after the publish.
    let expected = [
        "GET product",
        "GET submissions",
        "GET tree draft",
        "GET tree preview",
        "POST configure",
    ];
    assert_eq!(sent[..5], expected, "{sent:#?}");
    // After the change: its status until it ends, the draft to verify it
    // (the publish compares that read with the preview it has), the
    // publish, its status and the submissions until the new preview is
    // listed, and the preview for what goes live.
    let after_change: Vec<&String> = sent[5..]
        .iter()
        .filter(|r| *r != "GET status" && *r != "GET submissions")
        .collect();
    assert_eq!(
        after_change,
        ["GET tree draft", "POST configure", "GET tree preview"],
        "{sent:#?}"
    );
    let publish_at = sent.iter().rposition(|r| r == "POST configure").unwrap();
    assert_eq!(
        sent[..publish_at]
            .iter()
            .filter(|r| *r == "GET submissions")
            .count(),
        1,
        "the submissions are read once before the publish: {sent:#?}"
    );
    assert!(sent[publish_at..].contains(&"GET submissions".to_owned()));
    assert!(!sent.contains(&"GET tree live".to_owned()), "{sent:#?}");

    // A re-run finds the draft and the preview as asked: the product, its
    // submissions, the draft and the preview, once each.
    let from = emulator.requests().len();
    let again = publishing().run();
    again.check_ended(0, "succeeded", Some("unchanged"));
    assert_eq!(
        kinds_since(&emulator, from),
        [
            "GET product",
            "GET submissions",
            "GET tree draft",
            "GET tree preview"
        ]
    );
}

#[test]
fn several_offers_are_planned_in_one_file_for_both_apis() {
    use crate::support::emulated::{BOTH, emulator_with};
    for api in BOTH {
        let emulator = emulator_with(api, knobs(), &["vm-a", "vm-b"]);
        let lines = format!(
            "{}\n{}",
            api.line("contoso", "vm-a"),
            api.line("contoso", "vm-b")
        );
        let (run, plan) = run_and_open(
            api.action(&emulator, &lines)
                .with("mode", "plan")
                .with("wait", "false")
                .with("detailed_exitcode", "true"),
        );
        // Each preview is ready and nothing is live: go-live would be sent.
        assert_eq!(run.code, Some(4), "{api:?}: {}", run.transcript());
        assert_eq!(run.outputs["changes"], "true");
        assert_eq!(run.outputs["status"], "succeeded");
        for offer in ["vm-a", "vm-b"] {
            let key = api.line("contoso", offer);
            assert_eq!(
                plan["offers"][&key]["go_live"]["would"], "send",
                "{api:?}: {plan}"
            );
        }
        assert!(
            run.summary
                .contains("### Azure Marketplace plan: succeeded (2 offers"),
            "{}",
            run.summary
        );
        only_reads(&emulator);
    }
}

#[test]
fn a_plan_shows_the_versions_keep_versions_would_deprecate() {
    let emulator = previewed_product();
    let (run, plan) = run_and_open(
        planning(&emulator, Some(&json!([version("2.0.0")]))).with("keep_versions", "1"),
    );
    assert_eq!(run.code, Some(0), "{}", run.transcript());
    let lines = plan["offers"][OFFER]["draft"][0]["lines"].to_string();
    assert!(
        lines.contains("~ 1.0.0 x64Gen2 …/1.0.0.vhd lifecycleState generallyAvailable → deprecated (keep_versions 1)"),
        "{lines}"
    );
    assert!(lines.contains("+ 2.0.0"), "{lines}");
    only_reads(&emulator);
}

//! The one-command demo: starts the local emulator, then runs the whole
//! release through each API (the draft published to preview with `mode:
//! publish`, then go-live, each release starting with the plan a pull
//! request would show, `mode: plan`; a Kubernetes application's CNAB bundle the same
//! way; once more for two offers in one step, with `offers`; last, the
//! command line on Azure Pipelines) the way
//! the GitHub runner runs the container (every input as `INPUT_*`,
//! `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY` files, OIDC sign-in), waits
//! for the go-live, and shows the log as GitHub's log view shows it (masks
//! applied, groups folded to their titles), the outputs and the summary.
//! It exits 0 only when every go-live succeeded.
//!
//!     cargo run --example demo            # the log as the log view shows it
//!     cargo run --example demo -- --raw   # the workflow commands as written
//!
//! Each go-live step runs in a child process (this program again, with the
//! step's environment), so that its stdout can be read back and shown.
#![allow(
    clippy::print_stdout,
    clippy::disallowed_methods,
    reason = "a development tool: it prints to the terminal and reads the environment"
)]

use std::process::{Command, ExitCode};
use std::time::Duration;

use marketplace_emulator::{Emulator, Knobs, agents, runner};

const PUBLISHER: &str = "contoso";
const CPP_OFFER: &str = "contoso-vm";
const PRODUCT: &str = "contoso-app";
const APP: &str = "argo-cd-cnab";

/// Set in the environment of a step's child process.
const CHILD: &str = "GO_LIVE_DEMO_STEP";

fn main() -> ExitCode {
    if std::env::var_os(CHILD).is_some() {
        return step();
    }
    let raw = std::env::args().any(|arg| arg == "--raw");
    let knobs = Knobs::new(Duration::from_millis(400));
    let emulator = Emulator::start(knobs.clone());
    println!(
        "Emulator of the Cloud Partner Portal and Product Ingestion APIs, Entra and GitHub OIDC at {}\n",
        emulator.url()
    );

    println!("==== 1. Cloud Partner Portal (api: cloud-partner-portal)\n");
    let cpp_inputs = [
        ("api", "cloud-partner-portal"),
        ("publisher_id", PUBLISHER),
        ("offer_id", CPP_OFFER),
        ("api_url", emulator.url()),
    ];
    // First, as a pull request would: what the release would send, and
    // what each step would change, without sending anything.
    let cpp_plan = run_step(
        &emulator,
        &knobs,
        raw,
        "plan job, on the pull request (mode: plan)",
        &with_mode("plan", &cpp_inputs),
    );
    let cpp_publish = run_step(
        &emulator,
        &knobs,
        raw,
        "publish job (mode: publish)",
        &with_mode("publish", &cpp_inputs),
    );
    println!("   a reviewer checks the preview and approves the environment\n");
    let cpp = run_step(
        &emulator,
        &knobs,
        raw,
        "go-live job (mode: go-live)",
        &cpp_inputs,
    );

    println!("\n==== 2. Product Ingestion (api: product-ingestion)\n");
    emulator.create_vm_product(PRODUCT, &["standard"]);
    // What an image build writes: the new version, its disk as a SAS URI
    // (whose query the log shows masked).
    let workspace = std::env::temp_dir().join(format!("go-live-demo-{}", std::process::id()));
    std::fs::create_dir_all(workspace.join("release")).expect("a temporary directory");
    std::fs::write(
        workspace.join("release/vm-image-versions.json"),
        r#"[{"versionNumber": "1.0.0", "vmImages": [{"imageType": "x64Gen2", "source": {"sourceType": "sasUri", "osDisk": {"uri": "https://contoso.blob.core.windows.net/vhds/contoso-1.0.0.vhd?sv=2023-11-03&se=2099-12-31T00:00:00Z&sr=b&sp=r&sig=ZGVtby1zaWduYXR1cmU"}, "dataDisks": []}}]}]"#,
    )
    .expect("a temporary file");
    let workspace_path = workspace.display().to_string();
    let ingestion_inputs = [
        ("api", "product-ingestion"),
        ("offer_id", PRODUCT),
        ("api_url", &emulator.ingestion_url()),
    ];
    let release_files = [
        ("plan", "standard"),
        ("vm_image_versions", "release/vm-image-versions.json"),
        ("GITHUB_WORKSPACE", workspace_path.as_str()),
    ];
    // First, on the pull request that adds the version: what the release
    // would send and change, without sending anything.
    let mut plan_inputs = with_mode("plan", &ingestion_inputs);
    plan_inputs.extend(release_files);
    let ingestion_plan = run_step(
        &emulator,
        &knobs,
        raw,
        "plan job, on the pull request (mode: plan, with vm_image_versions)",
        &plan_inputs,
    );
    let mut ingestion_publish_inputs = with_mode("publish", &ingestion_inputs);
    ingestion_publish_inputs.extend(release_files);
    let ingestion_publish = run_step(
        &emulator,
        &knobs,
        raw,
        "publish job (mode: publish, with vm_image_versions)",
        &ingestion_publish_inputs,
    );
    println!("   a reviewer checks the preview and approves the environment\n");
    let ingestion = run_step(
        &emulator,
        &knobs,
        raw,
        "go-live job (mode: go-live)",
        &ingestion_inputs,
    );

    println!("\n==== 3. A Kubernetes application (cnab_bundles)\n");
    emulator.create_container_product(APP, &["standard"]);
    // What a bundle build writes after cpa buildbundle: the bundle's
    // reference in the registry.
    std::fs::write(
        workspace.join("release/cnab-bundle.json"),
        r#"{"repositoryName": "com.contoso.argo-cd", "tag": "2.14.3", "digest": "sha256:6cd7d74a0f6c0d4c0b3b2a8e1e5f9d3c7a2b4e6f8091a2b3c4d5e6f708192a3b", "registryName": "contosoacr", "resourceGroupName": "marketplace", "subscriptionId": "b297ab83-361f-424f-804c-0c44fa26e903", "tenantId": "c977ffe0-e8f3-4d6f-ab49-e03bbc3287b1"}"#,
    )
    .expect("a temporary file");
    let app_inputs = [
        ("api", "product-ingestion"),
        ("offer_id", APP),
        ("api_url", &emulator.ingestion_url()),
    ];
    let mut app_publish_inputs = with_mode("publish", &app_inputs);
    app_publish_inputs.extend([
        ("plan", "standard"),
        ("cnab_bundles", "release/cnab-bundle.json"),
        ("GITHUB_WORKSPACE", workspace_path.as_str()),
    ]);
    let app_publish = run_step(
        &emulator,
        &knobs,
        raw,
        "publish job (mode: publish, with cnab_bundles)",
        &app_publish_inputs,
    );
    println!("   a reviewer checks the preview and approves the environment\n");
    let app = run_step(
        &emulator,
        &knobs,
        raw,
        "go-live job (mode: go-live)",
        &app_inputs,
    );

    println!("\n==== 4. Several offers in one step (offers)\n");
    let products = ["contoso-app-arm64", "contoso-app-gpu"];
    for product in products {
        emulator.create_product(product);
    }
    let offers = products.join("\n");
    let several_inputs = [
        ("api", "product-ingestion"),
        ("offers", offers.as_str()),
        ("api_url", &emulator.ingestion_url()),
    ];
    let several_publish = run_step(
        &emulator,
        &knobs,
        raw,
        "publish job (mode: publish)",
        &with_mode("publish", &several_inputs),
    );
    println!("   a reviewer checks the previews and approves the environment once\n");
    let several = run_step(
        &emulator,
        &knobs,
        raw,
        "go-live job (mode: go-live)",
        &several_inputs,
    );

    println!("\n==== 5. The command line, in an Azure Pipelines step\n");
    let command_line = run_command_line(
        &emulator,
        raw,
        &[
            "check",
            "--api",
            "product-ingestion",
            "--offer",
            PRODUCT,
            "--api-url",
            &emulator.ingestion_url(),
            "--authority-url",
            emulator.url(),
        ],
    );

    let _ = std::fs::remove_dir_all(&workspace);
    let codes = [
        cpp_plan,
        cpp_publish,
        cpp,
        ingestion_plan,
        ingestion_publish,
        ingestion,
        app_publish,
        app,
        several_publish,
        several,
        command_line,
    ];
    println!(
        "==== exit codes (publish, go-live): Cloud Partner Portal (plan {cpp_plan}) {cpp_publish}, {cpp}; Product Ingestion (plan {ingestion_plan}) {ingestion_publish}, {ingestion}; Kubernetes application {app_publish}, {app}; several offers {several_publish}, {several}; the command line's check {command_line}"
    );
    if codes.iter().all(|code| *code == 0) {
        println!(
            "\nNext: take your own offer live. README.md's setup checklist says what to create (an Entra app, its role, a federated credential, an environment with reviewers); then copy examples/workflows/release.yml (or, on Azure Pipelines and GitLab, a recipe of examples/pipelines/)."
        );
        ExitCode::SUCCESS
    } else {
        println!("\nA go-live step did not succeed: its log above says why.");
        ExitCode::FAILURE
    }
}

/// A step of the action: its own code, with this process's
/// environment, as the container's entry point would run it; or, with
/// arguments, the command line.
fn step() -> ExitCode {
    let env: Vec<(String, String)> = std::env::vars().filter(|(name, _)| name != CHILD).collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let code = if args.len() > 1 {
        args[0] = "go-live".into();
        runtime.block_on(go_live::run_command_line(args, &env, &[]))
    } else {
        runtime.block_on(go_live::run(&env, &[]))
    };
    runtime.shutdown_background();
    ExitCode::from(code)
}

/// Runs the command line in an Azure Pipelines step signed in through the
/// service connection's federation, prints what the agent shows (its
/// logging commands read, masks applied) and the output variables, and
/// returns the exit code.
fn run_command_line(emulator: &Emulator, raw: bool, args: &[&str]) -> u8 {
    println!("== go-live {}\n", args.join(" "));
    let run = Command::new(std::env::current_exe().expect("the demo's own path"))
        .args(args)
        .env_clear()
        .env(CHILD, "1")
        .envs(emulator.pipelines_env())
        .output()
        .expect("the go-live step runs");
    let log = String::from_utf8_lossy(&run.stdout);
    let view = agents::azure_pipelines(&log);
    if raw {
        print!("{log}");
    } else {
        for line in &view.printed {
            println!("{line}");
        }
        for (kind, message) in &view.issues {
            println!("{kind}: {message}");
        }
    }
    let code = run.status.code().map_or(1, |code| code as u8);
    println!("\n== exit code: {code}\n\n== output variables, as $(STEP.NAME) in later steps");
    for (name, value) in &view.outputs {
        println!("   {name} = {value}");
    }
    println!();
    code
}

/// The inputs with `mode` added.
fn with_mode<'a>(mode: &'a str, inputs: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut all = inputs.to_vec();
    all.push(("mode", mode));
    all
}

/// Runs one step of the action's real code path as the runner would,
/// with OIDC sign-in and `wait: true`, prints the log, outputs and summary,
/// and returns the exit code.
fn run_step(
    emulator: &Emulator,
    knobs: &Knobs,
    raw: bool,
    title: &str,
    inputs: &[(&str, &str)],
) -> u8 {
    if raw {
        println!("== {title}: what the step writes (workflow commands and all)\n");
    } else {
        println!(
            "== {title}: the log as the workflow run shows it (masks applied, groups folded)\n"
        );
    }
    let dir = std::env::temp_dir().join(format!(
        "go-live-demo-{}-{}-{}",
        std::process::id(),
        inputs[0].1,
        inputs.len()
    ));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let output_file = dir.join("output");
    let summary_file = dir.join("summary");
    for file in [&output_file, &summary_file] {
        std::fs::write(file, "").expect("a temporary file");
    }

    let action_yml = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/action.yml"))
        .expect("action.yml");
    let mut all = runner::declared_inputs(&action_yml);
    for (name, value) in [
        ("tenant_id", knobs.tenant_id.as_str()),
        ("client_id", knobs.client_id.as_str()),
        ("authority_url", emulator.url()),
        ("wait", "true"),
        ("poll_interval", "150ms"),
        ("wait_timeout", "2m"),
    ]
    .into_iter()
    .chain(inputs.iter().copied())
    {
        all.insert(name.to_owned(), value.to_owned());
    }
    // GITHUB_WORKSPACE, when given, is the runner's variable, not an input.
    let workspace = all.remove("GITHUB_WORKSPACE");
    let mut env: Vec<(String, String)> = all
        .into_iter()
        .map(|(name, value)| (format!("INPUT_{}", name.to_uppercase()), value))
        .chain(workspace.map(|dir| ("GITHUB_WORKSPACE".to_owned(), dir)))
        .collect();
    let path = |p: &std::path::Path| p.display().to_string();
    env.extend([
        ("GITHUB_ACTIONS".into(), "true".into()),
        ("GITHUB_OUTPUT".into(), path(&output_file)),
        ("GITHUB_STEP_SUMMARY".into(), path(&summary_file)),
        (
            "ACTIONS_ID_TOKEN_REQUEST_URL".into(),
            emulator.oidc_request_url(),
        ),
        (
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN".into(),
            knobs.oidc_request_token.clone(),
        ),
    ]);

    let run = Command::new(std::env::current_exe().expect("the demo's own path"))
        .env_clear()
        .envs(env)
        .env(CHILD, "1")
        .output()
        .expect("the go-live step runs");
    let log = String::from_utf8_lossy(&run.stdout);
    if raw {
        print!("{log}");
    } else {
        println!("{}", runner::log_view(&log));
    }
    let code = run.status.code().map_or(1, |code| code as u8);

    println!("\n== exit code: {code}\n\n== outputs, as later steps see them");
    let outputs = std::fs::read_to_string(&output_file).unwrap_or_default();
    match runner::parse_outputs(&outputs) {
        Ok(outputs) => {
            for (name, value) in outputs {
                println!("   {name} = {value}");
            }
        }
        Err(error) => println!("   the runner could not read the outputs file: {error}"),
    }
    println!("\n== step summary (Markdown; the step lists are here once)\n");
    println!(
        "{}",
        std::fs::read_to_string(&summary_file).unwrap_or_default()
    );
    let _ = std::fs::remove_dir_all(&dir);
    code
}

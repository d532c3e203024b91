//! The one-command demo: starts the local emulator, publishes an offer to
//! preview, then runs the go-live action against it the way the GitHub
//! runner runs the container (every input as `INPUT_*`, `GITHUB_OUTPUT` and
//! `GITHUB_STEP_SUMMARY` files, OIDC sign-in), waits for the operation, and
//! shows the outputs and the summary.
//!
//!     cargo run --example demo

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use marketplace_emulator::{Emulator, Knobs, runner};

const PUBLISHER: &str = "contoso";
const OFFER: &str = "contoso-vm";

fn main() -> ExitCode {
    let knobs = Knobs {
        static_token: Some("token-of-the-publish-step".into()),
        ..Knobs::new(Duration::from_millis(400))
    };
    let emulator = Emulator::start(knobs.clone());
    println!(
        "Emulator of the Cloud Partner Portal API, Entra and GitHub OIDC at {}\n",
        emulator.url()
    );

    println!("== publish step (your own, before go-live): publish {PUBLISHER}/{OFFER} to preview");
    if let Err(error) = emulator.publish(PUBLISHER, OFFER) {
        println!("publish failed: {error}");
        return ExitCode::FAILURE;
    }
    if !emulator.wait_for_signoff(PUBLISHER, OFFER, Duration::from_secs(30)) {
        println!("the publish did not reach publisher signoff");
        return ExitCode::FAILURE;
    }
    println!("   the preview is ready and a reviewer approved the environment\n");

    println!("== go-live step: the log as the workflow run shows it\n");
    let dir = std::env::temp_dir().join(format!("go-live-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let output_file = dir.join("output");
    let summary_file = dir.join("summary");
    for file in [&output_file, &summary_file] {
        std::fs::write(file, "").expect("a temporary file");
    }

    let action_yml = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/action.yml"))
        .expect("action.yml");
    let mut inputs = runner::declared_inputs(&action_yml);
    for (name, value) in [
        ("publisher_id", PUBLISHER),
        ("offer_id", OFFER),
        ("tenant_id", knobs.tenant_id.as_str()),
        ("client_id", knobs.client_id.as_str()),
        ("api_url", emulator.url()),
        ("authority_url", emulator.url()),
        ("wait", "true"),
        ("poll_interval", "150ms"),
        ("wait_timeout", "2m"),
    ] {
        inputs.insert(name.to_owned(), value.to_owned());
    }
    let mut env: Vec<(String, String)> = inputs
        .into_iter()
        .map(|(name, value)| (format!("INPUT_{}", name.to_uppercase()), value))
        .collect();
    let path = |p: &PathBuf| p.display().to_string();
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

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let code = runtime.block_on(go_live::run(&env));

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
    println!("\n== step summary (Markdown)\n");
    println!(
        "{}",
        std::fs::read_to_string(&summary_file).unwrap_or_default()
    );
    let _ = std::fs::remove_dir_all(&dir);
    ExitCode::from(code)
}

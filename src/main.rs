//! The entry point: gathers the process environment, runs the action, and
//! exits with its code. This is the only place that reads the environment.

use std::process::ExitCode;

fn main() -> ExitCode {
    // Variables that are not valid UTF-8 cannot be inputs of ours; skip them
    // rather than fail.
    let env: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(key, value)| Some((key.into_string().ok()?, value.into_string().ok()?)))
        .collect();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            go_live::github::Runner::new(None, None, false)
                .error(&format!("cannot start the async runtime: {error}"));
            return ExitCode::FAILURE;
        }
    };
    ExitCode::from(runtime.block_on(go_live::run(&env)))
}

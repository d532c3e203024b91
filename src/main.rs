//! The entry point: gathers the arguments and the process environment,
//! runs the command line (or, with no argument, the action), and exits
//! with its code. This is the only place that reads the environment.

use std::process::ExitCode;

fn main() -> ExitCode {
    // A variable that is not valid UTF-8 is kept out of the environment the
    // run sees, but its name is handed over: an input given that way is
    // refused rather than taken as not given.
    let mut env = Vec::new();
    let mut not_utf8 = Vec::new();
    #[allow(
        clippy::disallowed_methods,
        reason = "the one place that reads the environment"
    )]
    let vars = std::env::vars_os();
    for (key, value) in vars {
        let Ok(key) = key.into_string() else {
            continue;
        };
        match value.into_string() {
            Ok(value) => env.push((key, value)),
            Err(_) => not_utf8.push(key),
        }
    }
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            go_live::cannot_start(&format!("cannot start the async runtime: {error}"));
            return ExitCode::FAILURE;
        }
    };
    let code = if args.len() <= 1 {
        runtime.block_on(go_live::run(&env, &not_utf8))
    } else {
        runtime.block_on(go_live::run_command_line(args, &env, &not_utf8))
    };
    // Everything the run had to say is written by now. A host name lookup
    // that never answers holds a thread of the runtime; do not wait for it.
    runtime.shutdown_background();
    ExitCode::from(code)
}

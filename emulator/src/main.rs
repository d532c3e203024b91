//! Runs the emulator on its own, for trying the action by hand and for the
//! benchmark. Prints its URL, then serves until it is stopped.
//!
//!     cargo run -p cpp-emulator -- [--step-ms N] [--live-ms N] [--static-token T] [--stateless-go-live]

use std::time::Duration;

use cpp_emulator::{Emulator, Knobs};

fn main() {
    let mut knobs = Knobs::new(Duration::from_millis(500));
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| usage(&format!("{arg} needs a value")))
        };
        let millis = |text: String| {
            Duration::from_millis(
                text.parse()
                    .unwrap_or_else(|_| usage("expected milliseconds")),
            )
        };
        match arg.as_str() {
            "--step-ms" => knobs.step_duration = millis(value()),
            "--live-ms" => knobs.live_duration = millis(value()),
            "--static-token" => knobs.static_token = Some(value()),
            "--stateless-go-live" => knobs.stateless_go_live = true,
            _ => usage(&format!("unknown argument {arg}")),
        }
    }
    let emulator = Emulator::start(knobs.clone());
    println!("{}", emulator.url());
    println!(
        "tenant_id {} client_id {} client_secret {}",
        knobs.tenant_id, knobs.client_id, knobs.client_secret
    );
    loop {
        std::thread::park();
    }
}

fn usage(problem: &str) -> ! {
    println!(
        "cpp-emulator: {problem}\nusage: cpp-emulator [--step-ms N] [--live-ms N] [--static-token T] [--stateless-go-live]"
    );
    std::process::exit(2)
}

//! SIGINT and SIGTERM, as one stream: what ends a run before its end.
//! The runner cancels a job with SIGINT, then SIGTERM, and PID 1 ignores
//! both unless it handles them.

use tokio::signal::unix::{Signal, SignalKind, signal};

use crate::host::Runner;

/// SIGINT and SIGTERM, as one stream.
pub struct Signals {
    interrupt: Option<Signal>,
    terminate: Option<Signal>,
}

impl Signals {
    pub fn install(runner: &Runner) -> Signals {
        let install = |kind: SignalKind, name: &str| match signal(kind) {
            Ok(stream) => Some(stream),
            Err(error) => {
                runner.warning(&format!("cannot handle {name} ({error}); a canceled run may be killed without a last word"));
                None
            }
        };
        Signals {
            interrupt: install(SignalKind::interrupt(), "SIGINT"),
            terminate: install(SignalKind::terminate(), "SIGTERM"),
        }
    }

    pub async fn received(&mut self) -> &'static str {
        async fn next(stream: &mut Option<Signal>) {
            match stream {
                Some(stream) => {
                    stream.recv().await;
                }
                None => std::future::pending().await,
            }
        }
        tokio::select! {
            _ = next(&mut self.interrupt) => "SIGINT",
            _ = next(&mut self.terminate) => "SIGTERM",
        }
    }
}

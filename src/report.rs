//! What the user is told at the end of a run: the exit code and the step
//! summary's Markdown. It decides the wording; `github` writes it out.

use std::time::Duration;

use crate::api::{Operation, State};
use crate::config::format_duration;
use crate::github::markdown_cell;

/// Exit codes. The runner only tells zero from non-zero; the distinct
/// non-zero values help people who run the binary by hand or in scripts.
pub mod exit {
    /// Go-live was accepted (or, when waiting, the operation succeeded).
    pub const SUCCESS: u8 = 0;
    /// The request was refused, the operation failed or was canceled, or its
    /// outcome is unknown.
    pub const FAILURE: u8 = 1;
    /// An input is invalid; no request was sent.
    pub const INVALID_INPUT: u8 = 2;
    /// `wait_timeout` ran out while the operation was still running (and
    /// `fail_on_timeout` is true).
    pub const TIMED_OUT: u8 = 3;
    /// Stopped by SIGINT (128 + 2), as when a run is canceled.
    pub const SIGINT: u8 = 130;
    /// Stopped by SIGTERM (128 + 15).
    pub const SIGTERM: u8 = 143;
}

/// The step summary of one run.
#[derive(Default)]
pub struct Summary {
    pub status: String,
    pub publisher_id: Option<String>,
    pub offer_id: Option<String>,
    pub operation_location: Option<String>,
    pub elapsed: Option<Duration>,
    /// The last description of the operation the service gave.
    pub operation: Option<Operation>,
    /// Error text, already worded for the user.
    pub errors: Vec<String>,
}

impl Summary {
    pub fn to_markdown(&self) -> String {
        let mut md = format!(
            "### Azure Marketplace go-live: {}\n\n",
            markdown_cell(&self.status)
        );
        md.push_str("| | |\n| --- | --- |\n");
        let mut row = |name: &str, value: &str| md.push_str(&format!("| {name} | {value} |\n"));
        if let Some(publisher) = &self.publisher_id {
            row("publisher", &format!("`{}`", markdown_cell(publisher)));
        }
        if let Some(offer) = &self.offer_id {
            row("offer", &format!("`{}`", markdown_cell(offer)));
        }
        if let Some(location) = &self.operation_location {
            row("operation", &markdown_cell(location));
        }
        row("status", &format!("**{}**", markdown_cell(&self.status)));
        if let Some(elapsed) = self.elapsed {
            row("elapsed", &format_duration(elapsed));
        }
        md.push('\n');
        if let Some(operation) = self.operation.as_ref().filter(|o| !o.steps.is_empty()) {
            md.push_str(
                "| step | status | progress | estimated time |\n| --- | --- | --- | --- |\n",
            );
            for step in &operation.steps {
                md.push_str(&format!(
                    "| {} | {} | {} | {} |\n",
                    markdown_cell(&step.name),
                    markdown_cell(&step.status),
                    step.progress.map(|p| format!("{p}%")).unwrap_or_default(),
                    markdown_cell(step.estimated_time_frame.as_deref().unwrap_or("")),
                ));
            }
            md.push('\n');
        }
        for error in &self.errors {
            md.push_str(&format!("> {}\n", markdown_cell(error)));
        }
        md
    }
}

/// Why an operation failed, in the service's words: its `error`, and the
/// error-level messages of its failed, rejected or blocked steps.
pub fn failure_reasons(operation: &Operation) -> Vec<String> {
    let mut reasons: Vec<String> = operation.error.iter().cloned().collect();
    for step in &operation.steps {
        let stuck = State::from_status(&step.status) == State::Failed
            || step.status.trim().eq_ignore_ascii_case("blocked");
        if !stuck {
            continue;
        }
        let messages: Vec<&str> = step
            .messages
            .iter()
            .filter(|m| {
                m.level
                    .as_deref()
                    .is_some_and(|l| l.eq_ignore_ascii_case("error"))
            })
            .map(|m| m.text.as_str())
            .collect();
        if messages.is_empty() {
            reasons.push(format!("step '{}' is {}", step.name, step.status));
        } else {
            for message in messages {
                reasons.push(format!("step '{}': {message}", step.name));
            }
        }
    }
    reasons
}

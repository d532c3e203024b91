//! What the user is told at the end of a run: the exit code and the step
//! summary's Markdown. It decides the wording; `github` writes it out. It
//! knows no API: the API's name, the operation and its last snapshot are
//! given to it.

use std::time::Duration;

use crate::github::markdown_cell;
use crate::model::{Offer, OperationHandle, Snapshot};
use crate::text::format_duration;

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
    /// The API's name.
    pub api: &'static str,
    pub status: String,
    pub offer: Option<Offer>,
    pub operation: Option<OperationHandle>,
    pub elapsed: Option<Duration>,
    /// The last description of the operation the service gave.
    pub snapshot: Option<Snapshot>,
    /// What a person wants to know besides (already live, warnings).
    pub notes: Vec<String>,
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
        let code = |text: &str| format!("`{}`", markdown_cell(text));
        if !self.api.is_empty() {
            row("API", &markdown_cell(self.api));
        }
        if let Some(offer) = &self.offer {
            if let Some(publisher) = &offer.publisher_id {
                row("publisher", &code(publisher));
            }
            row("offer", &code(&offer.offer_id));
        }
        if let Some(operation) = &self.operation {
            row("operation", &markdown_cell(operation.location.as_str()));
            if let Some(product) = &operation.product_id {
                row("product", &code(product));
            }
            if let Some(submission) = &operation.submission_id {
                row("submission", &code(submission));
            }
        }
        row("status", &format!("**{}**", markdown_cell(&self.status)));
        if let Some(elapsed) = self.elapsed {
            row("elapsed", &format_duration(elapsed));
        }
        md.push('\n');
        if let Some(snapshot) = &self.snapshot {
            if !snapshot.steps.is_empty() {
                md.push_str(
                    "| step | status | progress | estimated time |\n| --- | --- | --- | --- |\n",
                );
                for step in &snapshot.steps {
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
            for note in &snapshot.notes {
                md.push_str(&format!("- {}\n", markdown_cell(note)));
            }
        }
        for note in &self.notes {
            md.push_str(&format!("- {}\n", markdown_cell(note)));
        }
        for error in &self.errors {
            md.push_str(&format!("> {}\n", markdown_cell(error)));
        }
        md
    }
}

//! What the user is told at the end of a run: the exit code and the step
//! summary's Markdown. It decides the wording; `github` writes it out.

use std::time::Duration;

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
}

/// The step summary of one run.
#[derive(Default)]
pub struct Summary {
    pub status: String,
    pub publisher_id: Option<String>,
    pub offer_id: Option<String>,
    pub operation_location: Option<String>,
    pub elapsed: Option<Duration>,
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
        for error in &self.errors {
            md.push_str(&format!("> {}\n", markdown_cell(error)));
        }
        md
    }
}

//! What the user is told at the end of a run: the exit code and the step
//! summary, as Markdown and as plain text. It decides the wording; the host
//! writes it out. It knows no API: the API's name, the operation and its last snapshot are
//! given to it.

use std::time::Duration;

use crate::model::{Offer, OfferPlan, OperationHandle, Outcome, Snapshot, Stage, Status};
use crate::text::{format_duration, untrusted};

/// Exit codes. The runner only tells zero from non-zero; the distinct
/// non-zero values help people who run the binary by hand or in scripts.
/// `exit_code` is the one place that picks one.
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
    /// A plan with changes pending, with `detailed_exitcode` (never 2,
    /// which is an invalid input).
    pub const CHANGES_PENDING: u8 = 4;
    /// Stopped by SIGINT (128 + 2), as when a run is canceled.
    pub const SIGINT: u8 = 130;
    /// Stopped by SIGTERM (128 + 15).
    pub const SIGTERM: u8 = 143;
}

/// How a flow ended, besides its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// It ran to its end: the status says how that went.
    Done,
    /// `wait_timeout` ran out while the operation was still running.
    TimedOut,
    /// A failure ended it (already reported).
    Failed,
    /// An input is invalid: nothing was sent.
    Invalid,
    /// Stopped by the signal of this name.
    Signal(&'static str),
    /// A plan was made, and it would send something
    /// (`detailed_exitcode`).
    ChangesPending,
}

/// What a run (of one offer, or of several) ended with: what the exit code
/// is chosen from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ended {
    pub status: Option<Status>,
    pub ending: Ending,
}

impl Ended {
    /// The end of several offers: stopped by the signal that stopped the
    /// run; else failed when any offer failed (or never ended); else timed
    /// out when any did; else done, with the aggregate `status`.
    pub fn of_all(
        status: Status,
        offers: impl IntoIterator<Item = Option<Ended>>,
        signal: Option<&'static str>,
    ) -> Ended {
        let mut ending = Ending::Done;
        for offer in offers {
            let failed = match offer {
                None => true,
                Some(ended) => match ended.ending {
                    Ending::Done => ended.status.is_some_and(Status::is_failure),
                    Ending::TimedOut => {
                        ending = Ending::TimedOut;
                        false
                    }
                    Ending::Failed | Ending::Invalid | Ending::Signal(_) => true,
                    Ending::ChangesPending => false,
                },
            };
            if failed {
                ending = Ending::Failed;
                break;
            }
        }
        Ended {
            status: Some(status),
            ending: signal.map_or(ending, Ending::Signal),
        }
    }
}

/// The exit code of a run that ended so. A signal gives 128 + its number;
/// an invalid input, 2; a failure or a status that is one (failed,
/// canceled, unknown), 1; a wait that ran out, 3 with `fail_on_timeout`
/// and 0 without; else 0.
pub fn exit_code(fail_on_timeout: bool, ended: &Ended) -> u8 {
    match ended.ending {
        Ending::Signal("SIGINT") => exit::SIGINT,
        Ending::Signal(_) => exit::SIGTERM,
        Ending::Invalid => exit::INVALID_INPUT,
        Ending::Failed => exit::FAILURE,
        _ if ended.status.is_some_and(Status::is_failure) => exit::FAILURE,
        Ending::TimedOut if fail_on_timeout => exit::TIMED_OUT,
        Ending::ChangesPending => exit::CHANGES_PENDING,
        Ending::TimedOut | Ending::Done => exit::SUCCESS,
    }
}

/// How far the go-live request got: what a run stopped before the
/// operation was known can truthfully say.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum Sending {
    /// No go-live request was sent yet (reading the offer, signing in).
    #[default]
    NotYet,
    /// A go-live request is on its way, or got no answer yet.
    InFlight,
    /// The service answered that it did not start go-live; the run waits to
    /// send it again.
    NotStarted,
    /// This run never sends go-live (`mode: follow` or `check`).
    Never,
}

/// The step summary of one run.
#[derive(Default)]
pub struct Summary {
    /// The API's name.
    pub api: &'static str,
    /// The `status` output, once written.
    pub status: Option<Status>,
    /// What the run did about go-live, once known.
    pub outcome: Option<Outcome>,
    pub offer: Option<Offer>,
    pub operation: Option<OperationHandle>,
    pub elapsed: Option<Duration>,
    /// The last description of the operation the service gave.
    pub snapshot: Option<Snapshot>,
    /// What a person wants to know besides (already live, warnings).
    pub notes: Vec<String>,
    /// Error text, already worded for the user.
    pub errors: Vec<String>,
    /// How far the go-live request got.
    pub sending: Sending,
    /// What the run starts or follows: a go-live, or a publish to preview.
    pub stage: Stage,
    /// `mode: plan`: what the release would do, once made.
    pub plan: Option<OfferPlan>,
}

/// The most the step summary may hold. GitHub drops a summary over 1 MiB
/// whole, the operation link with it; this leaves room to spare.
pub const SUMMARY_CAP: usize = 128 * 1024;

/// The most one step, note or error may take in the summary.
const LONGEST_ENTRY: usize = 2000;

impl Summary {
    /// How the run this summary tells of ended.
    pub fn ended(&self, ending: Ending) -> Ended {
        Ended {
            status: self.status,
            ending,
        }
    }

    /// The summary as Markdown, at most `SUMMARY_CAP` bytes: the status,
    /// the offer and the operation link first, then the steps, notes and
    /// errors while they fit, each cut to `LONGEST_ENTRY` characters.
    pub fn to_markdown(&self) -> String {
        let status = self.status.map(Status::as_output).unwrap_or_default();
        let mut md = format!("### Azure Marketplace {}: {status}\n\n", self.step());
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
            row("target", operation.stage.as_output());
        }
        if let Some(outcome) = self.outcome {
            row("outcome", outcome.as_output());
        }
        row("status", &format!("**{status}**"));
        if let Some(elapsed) = self.elapsed {
            row("elapsed", &format_duration(elapsed));
        }
        md.push('\n');

        let cell = |text: &str| markdown_cell(&untrusted(text, LONGEST_ENTRY));
        let mut rest: Vec<String> = Vec::new();
        if let Some(snapshot) = &self.snapshot {
            if !snapshot.steps.is_empty() {
                rest.push(
                    "| step | status | progress | estimated time |\n| --- | --- | --- | --- |\n"
                        .to_owned(),
                );
                for step in &snapshot.steps {
                    rest.push(format!(
                        "| {} | {} | {} | {} |\n",
                        cell(&step.name),
                        cell(&step.status),
                        step.progress.map(|p| format!("{p}%")).unwrap_or_default(),
                        cell(step.estimated_time_frame.as_deref().unwrap_or("")),
                    ));
                }
                rest.push("\n".to_owned());
            }
            for note in &snapshot.notes {
                rest.push(format!("- {}\n", lines_of(note)));
            }
        }
        for note in &self.notes {
            rest.push(format!("- {}\n", lines_of(note)));
        }
        for error in &self.errors {
            rest.push(format!("> {}\n", cell(error)));
        }
        push_within_cap(&mut md, rest);
        md
    }
}

impl Summary {
    /// The step the summary is of, its title's first words: `draft
    /// change`, `publish to preview`, `go-live`, or `check` for a run that
    /// only read the state; a reviewer never reads a publish as a go-live.
    pub fn step(&self) -> &'static str {
        match self.outcome {
            Some(Outcome::Checked) => "check",
            Some(Outcome::Planned) => "plan",
            _ => self.stage.request(),
        }
    }
}

impl Summary {
    /// The summary as a person reads it at a terminal: one fact a line,
    /// then the errors.
    pub fn to_text(&self) -> String {
        let status = self
            .status
            .map_or(Status::Unknown.as_output(), Status::as_output);
        let mut lines = vec![format!("{}: {status}", self.step())];
        let mut fact = |name: &str, value: &str| lines.push(format!("  {name:<12} {value}"));
        if !self.api.is_empty() {
            fact("API", self.api);
        }
        if let Some(offer) = &self.offer {
            fact("offer", &offer.key());
        }
        if let Some(operation) = &self.operation {
            fact("operation", operation.location.as_str());
            fact("target", operation.stage.as_output());
        }
        if let Some(outcome) = self.outcome {
            fact("outcome", outcome.as_output());
        }
        if let Some(elapsed) = self.elapsed {
            fact("elapsed", &format_duration(elapsed));
        }
        for error in &self.errors {
            lines.push(format!("  ! {}", untrusted(error, LONGEST_ENTRY)));
        }
        lines.join("\n")
    }
}

/// The step summary of a run of several offers: one table with a row per
/// offer, then why each failed offer failed, then the notes.
pub struct Several<'a> {
    pub api: &'static str,
    /// What the run did, the title's first words: `go-live`, `publish to
    /// preview`, `check`.
    pub step: &'static str,
    /// The aggregate status.
    pub status: Status,
    /// Each offer's line and its summary, in the order of the lines.
    pub offers: Vec<(&'a str, &'a Summary)>,
    pub elapsed: Duration,
    pub notes: Vec<String>,
}

impl Several<'_> {
    /// The summary as Markdown, at most `SUMMARY_CAP` bytes: the table
    /// first, then the failure reasons and notes while they fit.
    pub fn to_markdown(&self) -> String {
        let cell = |text: &str| markdown_cell(&untrusted(text, LONGEST_ENTRY));
        let mut md = format!(
            "### Azure Marketplace {}: {} ({} offers, {}, {})\n\n",
            self.step,
            self.status.as_output(),
            self.offers.len(),
            markdown_cell(self.api),
            format_duration(self.elapsed)
        );
        let mut pieces = vec![
            "| offer | outcome | status | operation | elapsed |\n| --- | --- | --- | --- | --- |\n"
                .to_owned(),
        ];
        for (key, summary) in &self.offers {
            pieces.push(format!(
                "| `{}` | {} | **{}** | {} | {} |\n",
                cell(key),
                summary.outcome.map(Outcome::as_output).unwrap_or(""),
                summary.status.map(Status::as_output).unwrap_or_default(),
                summary
                    .operation
                    .as_ref()
                    .map(|operation| cell(operation.location.as_str()))
                    .unwrap_or_default(),
                summary.elapsed.map(format_duration).unwrap_or_default(),
            ));
        }
        pieces.push("\n".to_owned());
        for (key, summary) in &self.offers {
            for reason in &summary.errors {
                pieces.push(format!("> `{}`: {}\n", cell(key), cell(reason)));
            }
        }
        for (key, summary) in &self.offers {
            for note in &summary.notes {
                pieces.push(format!("- `{}`: {}\n", cell(key), cell(note)));
            }
        }
        for note in &self.notes {
            pieces.push(format!("- {}\n", cell(note)));
        }
        push_within_cap(&mut md, pieces);
        md
    }
}

/// Escapes text for a Markdown table cell: no line breaks, no cell breaks,
/// no HTML.
/// A note of several lines (a draft change's `+`, `~`, `=` lines) as one
/// list item that keeps its lines.
fn lines_of(note: &str) -> String {
    note.lines()
        .map(|line| markdown_cell(&untrusted(line, LONGEST_ENTRY)))
        .collect::<Vec<_>>()
        .join("<br>")
}

pub fn markdown_cell(text: &str) -> String {
    let mut cell = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' => cell.push_str("\\|"),
            '<' => cell.push_str("&lt;"),
            '>' => cell.push_str("&gt;"),
            '&' => cell.push_str("&amp;"),
            '`' => cell.push_str("\\`"),
            '*' | '_' | '[' | ']' | '\\' => {
                cell.push('\\');
                cell.push(c);
            }
            '\n' | '\r' => cell.push(' '),
            c if c.is_control() => {}
            c => cell.push(c),
        }
    }
    cell
}

impl Several<'_> {
    /// The summary as a person reads it at a terminal: a line per offer.
    pub fn to_text(&self) -> String {
        let mut lines = vec![format!(
            "{}: {} ({} offers, {}, {})",
            self.step,
            self.status.as_output(),
            self.offers.len(),
            self.api,
            format_duration(self.elapsed)
        )];
        for (key, summary) in &self.offers {
            lines.push(format!(
                "  {:<10} {:<10} {}  {}",
                summary
                    .status
                    .map_or(Status::Unknown.as_output(), Status::as_output),
                summary.outcome.map(Outcome::as_output).unwrap_or(""),
                untrusted(key, 200),
                summary
                    .operation
                    .as_ref()
                    .map(|operation| operation.location.as_str())
                    .unwrap_or_default(),
            ));
            for error in &summary.errors {
                lines.push(format!("    ! {}", untrusted(error, LONGEST_ENTRY)));
            }
        }
        lines.join("\n")
    }
}

/// Appends the pieces while they fit within `SUMMARY_CAP`, then says the
/// rest was cut.
fn push_within_cap(md: &mut String, pieces: Vec<String>) {
    const CUT: &str = "\n_The rest is cut to keep this summary within GitHub's limit; the job's log has all of it._\n";
    for piece in pieces {
        if md.len() + piece.len() + CUT.len() > SUMMARY_CAP {
            md.push_str(CUT);
            break;
        }
        md.push_str(&piece);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arbitrary;
    use crate::model::{State, Step};
    use proptest::prelude::*;

    /// The words of the answers this module reads.
    const WORDS: &[&str] = &["|", "`", "<img>", "&", "\n", "*", ""];

    #[test]
    fn a_summary_is_titled_by_the_step_that_ran() {
        let titled = |stage, outcome| {
            let summary = Summary {
                stage,
                outcome,
                status: Some(Status::Succeeded),
                ..Summary::default()
            };
            let md = summary.to_markdown();
            (
                md.lines().next().unwrap_or_default().to_owned(),
                summary
                    .to_text()
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
            )
        };
        for (stage, outcome, title) in [
            (Stage::Draft, Some(Outcome::Started), "draft change"),
            (
                Stage::Preview,
                Some(Outcome::Unchanged),
                "publish to preview",
            ),
            (Stage::Live, Some(Outcome::AlreadyLive), "go-live"),
            (Stage::Live, Some(Outcome::Checked), "check"),
        ] {
            assert_eq!(
                titled(stage, outcome),
                (
                    format!("### Azure Marketplace {title}: succeeded"),
                    format!("{title}: succeeded")
                )
            );
        }
    }

    #[test]
    fn markdown_cells_cannot_break_the_table() {
        assert_eq!(markdown_cell("a|b\n<img>"), "a\\|b &lt;img&gt;");
    }

    #[test]
    fn the_summary_stays_under_its_cap_with_the_link_first() {
        let long = "x".repeat(50_000);
        let summary = Summary {
            api: "API",
            status: Some(Status::Failed),
            snapshot: Some(Snapshot {
                state: State::Failed,
                status: long.clone(),
                steps: vec![
                    Step {
                        name: long.clone(),
                        status: long.clone(),
                        progress: None,
                        estimated_time_frame: Some(long.clone()),
                    };
                    60
                ],
                reasons: vec![long.clone(); 60],
                notes: vec![long.clone(); 60],
                submission: None,
            }),
            errors: vec![long.clone(); 60],
            ..Summary::default()
        };
        let md = summary.to_markdown();
        assert!(md.len() <= SUMMARY_CAP, "{}", md.len());
        assert!(md.starts_with("### Azure Marketplace go-live: failed"));
        assert!(md.contains("| status | **failed** |"));
        assert!(md.trim_end().ends_with("has all of it._"));
    }

    #[test]
    fn the_summary_of_256_offers_keeps_its_table_within_the_cap() {
        let long = "y".repeat(5_000);
        let summary = Summary {
            status: Some(Status::Failed),
            errors: vec![long.clone(); 4],
            notes: vec![long.clone()],
            elapsed: Some(Duration::from_secs(61)),
            ..Summary::default()
        };
        let keys: Vec<String> = (0..256).map(|n| format!("contoso/offer-{n}")).collect();
        let several = Several {
            api: "API",
            step: "go-live",
            status: Status::Failed,
            offers: keys.iter().map(|key| (key.as_str(), &summary)).collect(),
            elapsed: Duration::from_secs(62),
            notes: vec![long.clone()],
        };
        let md = several.to_markdown();
        assert!(md.len() <= SUMMARY_CAP, "{}", md.len());
        assert!(md.starts_with("### Azure Marketplace go-live: failed (256 offers, API, 1m 02s)"));
        // Every row comes before any reason.
        assert!(
            md.contains("| `contoso/offer-255` |  | **failed** |  | 1m 01s |"),
            "{md}"
        );
        assert!(md.find("> `contoso/offer-0`:").unwrap() > md.find("offer-255").unwrap());
        assert!(md.trim_end().ends_with("has all of it._"));
    }

    #[test]
    fn one_function_picks_every_exit_code() {
        use Ending::*;
        let ended = |status: Option<Status>, ending| Ended { status, ending };
        let cases = [
            (ended(Some(Status::Succeeded), Done), true, exit::SUCCESS),
            (ended(Some(Status::Accepted), Done), true, exit::SUCCESS),
            (ended(Some(Status::NotReady), Done), true, exit::SUCCESS),
            (ended(Some(Status::Failed), Done), true, exit::FAILURE),
            (ended(Some(Status::Canceled), Done), true, exit::FAILURE),
            (ended(Some(Status::Unknown), Done), true, exit::FAILURE),
            (
                ended(Some(Status::Running), TimedOut),
                true,
                exit::TIMED_OUT,
            ),
            (ended(Some(Status::Running), TimedOut), false, exit::SUCCESS),
            (ended(Some(Status::Unknown), Failed), false, exit::FAILURE),
            (ended(None, Invalid), true, exit::INVALID_INPUT),
            (
                ended(Some(Status::Running), Signal("SIGINT")),
                true,
                exit::SIGINT,
            ),
            (
                ended(Some(Status::Failed), Signal("SIGTERM")),
                true,
                exit::SIGTERM,
            ),
        ];
        for (ended, fail_on_timeout, code) in cases {
            assert_eq!(exit_code(fail_on_timeout, &ended), code, "{ended:?}");
        }
    }

    #[test]
    fn several_offers_end_with_the_worst_of_their_ends() {
        use Ending::*;
        let ok = Some(Ended {
            status: Some(Status::Succeeded),
            ending: Done,
        });
        let timed_out = Some(Ended {
            status: Some(Status::Running),
            ending: TimedOut,
        });
        let failed = Some(Ended {
            status: Some(Status::Failed),
            ending: Done,
        });
        let all = |offers: Vec<Option<Ended>>, signal| {
            Ended::of_all(Status::Running, offers, signal).ending
        };
        assert_eq!(all(vec![ok, timed_out, failed], None), Failed);
        assert_eq!(all(vec![ok, timed_out, ok], None), TimedOut);
        assert_eq!(all(vec![ok, ok], None), Done);
        assert_eq!(all(vec![ok, None], None), Failed);
        assert_eq!(all(vec![ok, failed], Some("SIGTERM")), Signal("SIGTERM"));
    }

    fn texts() -> impl Strategy<Value = Vec<String>> {
        proptest::collection::vec(
            prop_oneof![
                arbitrary::text(WORDS),
                (any::<char>(), 0usize..60_000).prop_map(|(c, n)| c.to_string().repeat(n))
            ],
            0..40,
        )
    }

    proptest! {
        #![proptest_config(arbitrary::config())]

        /// Whatever the service said, the summary stays within its cap and
        /// starts with the outcome.
        #[test]
        fn any_summary_stays_within_its_cap(status in arbitrary::text(WORDS), notes in texts(), errors in texts(), reasons in texts()) {
            let summary = Summary {
                api: "API",
                status: Some(Status::Failed),
                snapshot: Some(Snapshot {
                    state: State::Failed,
                    status: status.clone(),
                    steps: reasons.iter().map(|name| Step { name: name.clone(), status: name.clone(), progress: Some(5), estimated_time_frame: Some(name.clone()) }).collect(),
                    reasons,
                    notes: notes.clone(),
                    submission: None,
                }),
                notes,
                errors,
                ..Summary::default()
            };
            let md = summary.to_markdown();
            prop_assert!(md.len() <= SUMMARY_CAP, "{}", md.len());
            prop_assert!(md.starts_with("### Azure Marketplace go-live: "));
        }
    }
}

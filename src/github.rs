//! Everything the GitHub runner reads from this process: workflow commands
//! and log lines on stdout, the `GITHUB_OUTPUT` file and the
//! `GITHUB_STEP_SUMMARY` file.
//!
//! This is the only module that writes any of them, so escaping lives in one
//! place. Logs and commands all go to stdout: the runner handles stderr lines
//! before stdout lines, so a mask issued on one stream could lose the race
//! against a secret printed on the other. It knows nothing of the API.

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use anyhow::Context;

use crate::secret::Secret;

/// The runner's side of the conversation. Paths are `None` when the variable
/// is not set, for example when the binary is run by hand.
#[derive(Clone)]
pub struct Runner {
    output_file: Option<PathBuf>,
    summary_file: Option<PathBuf>,
    debug: bool,
    /// The outputs of a run without `GITHUB_OUTPUT` (a local run), printed
    /// at its end by `print_local_outputs`.
    local_outputs: Arc<Mutex<Vec<(String, String)>>>,
    /// Starts every log line, annotation and group title: the offer the
    /// line is about, in a run of several.
    prefix: Option<Arc<str>>,
}

impl Runner {
    pub fn new(output_file: Option<PathBuf>, summary_file: Option<PathBuf>, debug: bool) -> Runner {
        Runner {
            output_file,
            summary_file,
            debug,
            local_outputs: Arc::default(),
            prefix: None,
        }
    }

    /// The same runner, whose every log line, annotation and group title
    /// starts with `name: ` (without control characters).
    pub fn for_offer(&self, name: &str) -> Runner {
        Runner {
            prefix: Some(format!("{}: ", plain(name).replace('\n', " ")).into()),
            ..self.clone()
        }
    }

    /// `text` with the prefix before each of its lines.
    fn prefixed(&self, text: &str) -> String {
        match &self.prefix {
            // Nothing to print stays nothing.
            _ if text.is_empty() => String::new(),
            None => text.to_owned(),
            Some(prefix) => text
                .split('\n')
                .map(|line| format!("{prefix}{line}"))
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    /// Asks the runner to replace the secret's value with `***` in every
    /// later log line.
    pub fn mask(&self, secret: &Secret) {
        // A value that spans lines is masked line by line, as the runner
        // matches masks within single lines.
        for line in secret.expose().lines().filter(|l| !l.trim().is_empty()) {
            emit(&format!("::add-mask::{}", escape_data(line)));
        }
    }

    /// A plain log line. Text that the runner could read as a workflow
    /// command (a line starting with `::`, or `##[` anywhere) is printed with
    /// command processing switched off around it, so that text from the
    /// service can never become a command.
    pub fn info(&self, text: &str) {
        emit_lines(self.info_lines(text));
    }

    /// The lines `info` prints for `text`.
    fn info_lines(&self, text: &str) -> Vec<String> {
        let text = self.prefixed(&text.replace("\r\n", "\n").replace('\r', "\n"));
        let could_be_command = text
            .lines()
            .any(|line| line.trim_start().starts_with("::") || line.contains("##["));
        if could_be_command {
            let token = random_token("stop");
            let mut lines = vec![format!("::stop-commands::{token}")];
            lines.extend(text.split('\n').map(str::to_owned));
            lines.push(format!("::{token}::"));
            lines
        } else {
            text.lines().map(str::to_owned).collect()
        }
    }

    /// Shown only when the step runs with debug logging (`RUNNER_DEBUG=1`),
    /// and so not printed at all otherwise.
    pub fn debug(&self, text: &str) {
        if self.debug {
            emit(&format!("::debug::{}", escape_data(&self.prefixed(text))));
        }
    }

    pub fn error(&self, text: &str) {
        self.annotate("error", text);
    }

    pub fn notice(&self, text: &str) {
        self.annotate("notice", text);
    }

    pub fn warning(&self, text: &str) {
        self.annotate("warning", text);
    }

    /// An annotation; when it is too long for the runner, it is cut and
    /// the whole text follows as plain log lines.
    fn annotate(&self, kind: &str, text: &str) {
        let text = &plain(&self.prefixed(text));
        let shown = annotation(text);
        emit(&format!("::{kind}::{}", escape_data(&shown)));
        if shown.len() != text.len() {
            // Printed without the prefix again: each line already has it.
            Runner {
                prefix: None,
                ..self.clone()
            }
            .info(&format!("The whole {kind}:\n{text}"));
        }
    }

    /// A collapsible group, written at once: a one-line title without
    /// control characters (escaped like command data), and `body` as `info`
    /// prints it.
    pub fn group(&self, title: &str, body: &str) {
        let title = plain(&self.prefixed(&plain(title).replace('\n', " ")));
        let mut lines = vec![format!("::group::{}", escape_data(&title))];
        lines.extend(self.info_lines(body));
        lines.push("::endgroup::".to_owned());
        emit_lines(lines);
    }

    /// Appends `name` to the outputs file in the heredoc form with a random
    /// delimiter, so that any value, newlines and `$` included, arrives
    /// intact and cannot inject other outputs.
    pub fn set_output(&self, name: &str, value: &str) -> anyhow::Result<()> {
        let Some(path) = &self.output_file else {
            // Last value wins, as in the runner.
            let mut outputs = self.local_outputs.lock().unwrap_or_else(|e| e.into_inner());
            outputs.retain(|(known, _)| known != name);
            outputs.push((name.to_owned(), value.to_owned()));
            return Ok(());
        };
        let delimiter = loop {
            let candidate = random_token("ghadelimiter");
            if !value.contains(&candidate) {
                break candidate;
            }
        };
        let record = format!("{name}<<{delimiter}\n{value}\n{delimiter}\n");
        append(path, &record).with_context(|| {
            format!(
                "cannot write output {name} to GITHUB_OUTPUT ({})",
                path.display()
            )
        })
    }

    /// In a run without `GITHUB_OUTPUT` (a local run), prints each output
    /// as a `name=value` line, so that what a workflow would get is seen.
    pub fn print_local_outputs(&self) {
        let outputs = self.local_outputs.lock().unwrap_or_else(|e| e.into_inner());
        if self.output_file.is_some() || outputs.is_empty() {
            return;
        }
        let lines: Vec<String> = outputs
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        self.info(&format!(
            "Outputs (GITHUB_OUTPUT is not set):\n{}",
            lines.join("\n")
        ));
    }

    /// Appends Markdown to the step summary.
    pub fn add_summary(&self, markdown: &str) -> anyhow::Result<()> {
        let Some(path) = &self.summary_file else {
            return Ok(());
        };
        append(path, markdown)
            .with_context(|| format!("cannot write the step summary ({})", path.display()))
    }
}

fn append(path: &PathBuf, text: &str) -> io::Result<()> {
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    // Append, never truncate: the file may already hold other records.
    let mut options = OpenOptions::new();
    options.append(true).create(true);
    // Opened without blocking, a FIFO that no process reads is an error at
    // once rather than a wait for ever; a regular file is not affected.
    let first = options
        .clone()
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|error| match error.raw_os_error() {
            Some(libc::ENXIO) => io::Error::new(
                error.kind(),
                format!("it is a FIFO that no process reads ({error})"),
            ),
            _ => error,
        })?;
    let mut file = if first.metadata()?.file_type().is_fifo() {
        // A reader is there: open it again for writes that wait for the
        // reader, while the first opening keeps the FIFO open.
        options.open(path)?
    } else {
        first
    };
    file.write_all(text.as_bytes())
}

fn emit(line: &str) {
    emit_lines([line]);
}

/// Writes the lines together, with one flush: a group or a long message
/// costs one write, and nothing else comes between its lines.
fn emit_lines<S: AsRef<str>>(lines: impl IntoIterator<Item = S>) {
    // One buffer, one write: stdout would otherwise write line by line.
    let mut block = String::new();
    for line in lines {
        block.push_str(line.as_ref());
        block.push('\n');
    }
    #[allow(
        clippy::disallowed_methods,
        reason = "the one place that writes the log"
    )]
    let mut out = io::stdout().lock();
    // A closed stdout is not worth failing the go-live for.
    let _ = out.write_all(block.as_bytes());
    let _ = out.flush();
}

/// Text without control characters: CRLF and a lone CR become one line
/// break, a tab a space, and the rest (ESC included) are removed, so that
/// nothing from a server can move the cursor or recolour the log.
fn plain(text: &str) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .filter_map(|c| match c {
            '\r' | '\n' => Some('\n'),
            '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// The runner keeps 4096 characters of an annotation; cut a little earlier
/// and say so, rather than let the end vanish silently.
fn annotation(text: &str) -> String {
    const LIMIT: usize = 4000;
    match text.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}… (cut)", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Escapes a command's data the way the runner unescapes it.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes text for a Markdown table cell: no line breaks, no cell breaks,
/// no HTML.
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

/// A token nobody can guess: 128 bits from the operating system.
pub fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes).expect("the operating system provides random bytes");
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{prefix}_{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_escaping_keeps_commands_on_one_line() {
        assert_eq!(escape_data("50%\r\n::error::x"), "50%25%0D%0A::error::x");
    }

    #[test]
    fn control_characters_are_removed_not_escaped() {
        assert_eq!(
            plain("a\r\nb\rc\u{1b}[31md\u{7}\te\u{9b}f"),
            "a\nb\nc[31md ef"
        );
    }

    #[test]
    fn markdown_cells_cannot_break_the_table() {
        assert_eq!(markdown_cell("a|b\n<img>"), "a\\|b &lt;img&gt;");
    }
}

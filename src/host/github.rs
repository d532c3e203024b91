//! GitHub Actions: workflow commands and log lines on stdout, the
//! `GITHUB_OUTPUT` file and the `GITHUB_STEP_SUMMARY` file.
//!
//! Logs and commands all go to one stream: the runner handles stderr lines
//! before stdout lines, so a mask issued on one stream could lose the race
//! against a secret printed on the other. It knows nothing of the API.

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::PathBuf;

use anyhow::Context;

use super::{Host, Level, Stream, plain, random_token, write_lines};

/// The GitHub runner. Paths are `None` when the variable is not set, for
/// example when the binary is run by hand.
pub struct GitHub {
    output_file: Option<PathBuf>,
    summary_file: Option<PathBuf>,
    debug: bool,
    /// stdout, unless it carries `--json`.
    stream: Stream,
}

impl GitHub {
    pub fn new(
        output_file: Option<PathBuf>,
        summary_file: Option<PathBuf>,
        debug: bool,
        stream: Stream,
    ) -> GitHub {
        GitHub {
            output_file,
            summary_file,
            debug,
            stream,
        }
    }

    fn emit(&self, line: &str) {
        write_lines(self.stream, [line]);
    }

    /// The lines `info` prints for `text`. Text that the runner could read
    /// as a workflow command (a line starting with `::`, or `##[` anywhere)
    /// is printed with command processing switched off around it, so that
    /// text from the service can never become a command.
    fn info_lines(&self, text: &str) -> Vec<String> {
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
}

impl Host for GitHub {
    /// Asks the runner to replace the value with `***` in every later log
    /// line. A value that spans lines is masked line by line, as the runner
    /// matches masks within single lines.
    fn mask(&self, value: &str) {
        for line in value.lines().filter(|l| !l.trim().is_empty()) {
            self.emit(&format!("::add-mask::{}", escape_data(line)));
        }
    }

    fn info(&self, text: &str) {
        write_lines(self.stream, self.info_lines(text));
    }

    /// Shown only when the step runs with debug logging (`RUNNER_DEBUG=1`),
    /// and so not printed at all otherwise.
    fn debug(&self, text: &str) {
        if self.debug {
            self.emit(&format!("::debug::{}", escape_data(text)));
        }
    }

    /// An annotation; when it is too long for the runner, it is cut and
    /// the whole text follows as plain log lines.
    fn annotate(&self, level: Level, text: &str) {
        let kind = level.word();
        let text = &plain(text);
        let shown = annotation(text);
        self.emit(&format!("::{kind}::{}", escape_data(&shown)));
        if shown.len() != text.len() {
            self.info(&format!("The whole {kind}:\n{text}"));
        }
    }

    /// A collapsible group, written at once: the title escaped like command
    /// data, and the body as `info` prints it.
    fn group(&self, title: &str, body: &str) {
        let mut lines = vec![format!("::group::{}", escape_data(title))];
        lines.extend(self.info_lines(body));
        lines.push("::endgroup::".to_owned());
        write_lines(self.stream, lines);
    }

    /// Appends `name` to the outputs file in the heredoc form with a random
    /// delimiter, so that any value, newlines and `$` included, arrives
    /// intact and cannot inject other outputs.
    fn set_output(&self, name: &str, value: &str) -> anyhow::Result<()> {
        let Some(path) = &self.output_file else {
            // A local run: printed at its end.
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

    /// Appends Markdown to the step summary.
    fn summary(&self, markdown: &str, _text: &str) -> anyhow::Result<()> {
        let Some(path) = &self.summary_file else {
            return Ok(());
        };
        append(path, markdown)
            .with_context(|| format!("cannot write the step summary ({})", path.display()))
    }

    /// In a run without `GITHUB_OUTPUT` (a local run), prints each output
    /// as a `name=value` line, so that what a workflow would get is seen.
    fn finish(&self, outputs: &[(String, String)]) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_escaping_keeps_commands_on_one_line() {
        assert_eq!(escape_data("50%\r\n::error::x"), "50%25%0D%0A::error::x");
    }

    /// The outputs file as the runner reads it: values of any shape arrive
    /// intact, and earlier records are kept.
    #[track_caller]
    fn check_round_trip(values: &[(&str, &str)]) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("output");
        std::fs::write(&path, "earlier=kept\n").unwrap();
        let runner = crate::host::Runner::github(Some(path.clone()), None, false);
        for (name, value) in values {
            runner.set_output(name, value).unwrap();
        }
        let parsed =
            marketplace_emulator::runner::parse_outputs(&std::fs::read_to_string(&path).unwrap())
                .unwrap();
        assert_eq!(parsed["earlier"], "kept");
        for (name, value) in values {
            assert_eq!(parsed[*name], *value, "{name}");
        }
        assert_eq!(parsed.len(), values.len() + 1, "{parsed:?}");
    }

    #[test]
    fn values_with_dollars_newlines_and_delimiter_lookalikes_survive() {
        check_round_trip(&[
            (
                "operation_location",
                "https://h/api/operations/contoso$vm$2$preview?api-version=2017-10-31",
            ),
            ("operation_id", "contoso$vm$2$preview"),
            (
                "multi",
                "line one\nline two\n\nEOF\nghadelimiter_0000\nstatus=succeeded",
            ),
            ("empty", ""),
        ]);
    }
}

//! Azure Pipelines: logging commands (`##vso[...]`) and formatting lines
//! (`##[group]`) on one stream, output variables, and the summary as a
//! Markdown file the agent uploads.
//!
//! The agent reads a command wherever `##vso[` appears in a line of either
//! stream, and a formatting line wherever `##[` does; escaping cannot help
//! there. So every `##` of the text printed is broken with a space, and
//! only the lines written here are commands.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use anyhow::Context;

use super::{Host, Level, Stream, inert, plain, write_lines};

/// The Azure Pipelines agent.
pub struct AzurePipelines {
    /// `AGENT_TEMPDIRECTORY`: where the summary file is written, emptied at
    /// the start and the end of every job.
    temp: Option<PathBuf>,
    /// `SYSTEM_DEBUG=true`, or `--debug`.
    debug: bool,
    stream: Stream,
    summaries: AtomicU32,
}

impl AzurePipelines {
    pub fn new(temp: Option<PathBuf>, debug: bool, stream: Stream) -> AzurePipelines {
        AzurePipelines {
            temp,
            debug,
            stream,
            summaries: AtomicU32::new(0),
        }
    }

    fn emit(&self, lines: Vec<String>) {
        write_lines(self.stream, lines);
    }

    fn command(&self, command: &str, properties: &str, data: &str) {
        let properties = if properties.is_empty() {
            String::new()
        } else {
            format!(" {properties}")
        };
        self.emit(vec![format!(
            "##vso[{command}{properties}]{}",
            escape_data(data)
        )]);
    }
}

impl Host for AzurePipelines {
    /// `task.setsecret` for the value and for each of its lines: the agent
    /// masks whole values, and the log line by line.
    fn mask(&self, value: &str) {
        let mut values: Vec<&str> = value.lines().filter(|l| !l.trim().is_empty()).collect();
        if values.len() > 1 {
            values.push(value);
        }
        for value in values {
            self.command("task.setsecret", "", value);
        }
    }

    fn info(&self, text: &str) {
        self.emit(safe_lines(text));
    }

    fn debug(&self, text: &str) {
        if self.debug {
            self.emit(
                safe_lines(text)
                    .into_iter()
                    .map(|line| format!("##[debug]{line}"))
                    .collect(),
            );
        }
    }

    /// Errors and warnings are issues of the step (`task.logissue`); a
    /// notice, which the agent has no word for, is a plain line.
    fn annotate(&self, level: Level, text: &str) {
        match level {
            Level::Error | Level::Warning => self.command(
                "task.logissue",
                &format!("type={}", level.word()),
                &safe_lines(text).join("\n"),
            ),
            Level::Notice => self.info(text),
        }
    }

    fn group(&self, title: &str, body: &str) {
        let mut lines = vec![format!("##[group]{}", inert(title))];
        if !body.is_empty() {
            lines.extend(safe_lines(body));
        }
        lines.push("##[endgroup]".to_owned());
        self.emit(lines);
    }

    /// An output variable of the step, named as the agent's docs name
    /// variables (`operationLocation`): `$(STEP.operationLocation)`.
    fn set_output(&self, name: &str, value: &str) -> anyhow::Result<()> {
        self.command(
            "task.setvariable",
            &format!("variable={};isoutput=true", variable_name(name)),
            value,
        );
        Ok(())
    }

    /// The Markdown written to a file of the agent's temporary directory,
    /// which the agent uploads and shows on the run's Extensions tab.
    fn summary(&self, markdown: &str, _text: &str) -> anyhow::Result<()> {
        let Some(temp) = &self.temp else {
            return Ok(());
        };
        // The agent uploads the file later, without a copy: never write
        // over the summary of an earlier step of the job.
        let first = self.summaries.fetch_add(1, Ordering::Relaxed) + 1;
        let path = (first..first + MOST_SUMMARIES)
            .map(|n| match n {
                1 => temp.join("go-live.md"),
                n => temp.join(format!("go-live-{n}.md")),
            })
            .find(|path| !path.exists())
            .with_context(|| {
                format!(
                    "cannot write the summary: {MOST_SUMMARIES} go-live summaries are in {} already",
                    temp.display()
                )
            })?;
        std::fs::write(&path, markdown)
            .with_context(|| format!("cannot write the summary ({})", path.display()))?;
        self.command("task.uploadsummary", "", &path.to_string_lossy());
        Ok(())
    }

    /// A warning, and the step's result "succeeded with issues": the worst
    /// result wins, so nothing later can hide it.
    fn timed_out(&self, message: &str) {
        self.annotate(Level::Warning, message);
        self.command(
            "task.complete",
            "result=SucceededWithIssues;",
            &safe_lines(message).join(" "),
        );
    }
}

/// The most summary files a job's steps may leave.
const MOST_SUMMARIES: u32 = 100;

/// `operation_location` as `operationLocation`.
pub fn variable_name(output: &str) -> String {
    let mut name = String::new();
    let mut upper = false;
    for c in output.chars() {
        match c {
            '_' => upper = true,
            c if upper => {
                name.push(c.to_ascii_uppercase());
                upper = false;
            }
            c => name.push(c),
        }
    }
    name
}

/// The lines of `text`, each safe to print.
fn safe_lines(text: &str) -> Vec<String> {
    plain(text).split('\n').map(inert).collect()
}

/// Escapes a command's data the way the agent unescapes it: `%` first.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%AZP25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_line_printed_holds_a_command() {
        for text in [
            "##vso[task.setvariable variable=status]succeeded",
            "x ##[error]y",
            "###vso[x]",
            "a\r##[group]b\n\u{1b}##vso[task.complete result=Failed]",
        ] {
            for line in safe_lines(text) {
                assert!(!line.contains("##"), "{line}");
            }
        }
    }

    #[test]
    fn data_is_escaped_percent_first() {
        assert_eq!(escape_data("50%3B\r\n"), "50%AZP253B%0D%0A");
    }

    #[test]
    fn outputs_are_named_as_the_agent_names_variables() {
        assert_eq!(variable_name("operation_location"), "operationLocation");
        assert_eq!(variable_name("status"), "status");
    }
}

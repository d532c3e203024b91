//! GitLab CI: plain lines on stderr (GitLab parses no commands),
//! collapsible sections, and outputs as a dotenv report (`--dotenv FILE`)
//! that later jobs get as variables.
//!
//! GitLab masks only the variables its settings mark masked; a secret this
//! program obtains is simply never printed.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use anyhow::{Context, bail};

use super::terminal::Terminal;
use super::{Host, Level, Stream, inert, plain, write_lines, write_whole};
use crate::clock;

/// GitLab's limit on a dotenv report.
pub const DOTENV_CAP: usize = 5 * 1024;

/// The GitLab runner.
pub struct GitLab {
    /// `--dotenv FILE`.
    dotenv: Option<PathBuf>,
    /// The report's lines, rewritten whole at each output.
    report: Mutex<Vec<(String, String)>>,
    /// Plain lines on stderr, as at a terminal that is not one.
    lines: Terminal,
    sections: AtomicU32,
}

impl GitLab {
    pub fn new(dotenv: Option<PathBuf>, debug: bool, colour: bool) -> GitLab {
        GitLab {
            dotenv,
            report: Mutex::default(),
            lines: Terminal::new(debug, colour, false),
            sections: AtomicU32::new(0),
        }
    }
}

impl Host for GitLab {
    fn mask(&self, _value: &str) {}

    fn info(&self, text: &str) {
        self.lines.info(text);
    }

    fn debug(&self, text: &str) {
        self.lines.debug(text);
    }

    fn annotate(&self, level: Level, text: &str) {
        self.lines.annotate(level, text);
    }

    /// A collapsed section: its header is the title, its lines the body.
    fn group(&self, title: &str, body: &str) {
        const ESC: char = '\u{1b}';
        let n = self.sections.fetch_add(1, Ordering::Relaxed) + 1;
        let name = format!("go_live_{n}");
        let seconds = clock::wall()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|since| since.as_secs())
            .unwrap_or_default();
        let mut lines = vec![format!(
            "{ESC}[0Ksection_start:{seconds}:{name}[collapsed=true]\r{ESC}[0K{}",
            inert(title)
        )];
        if !body.is_empty() {
            lines.extend(plain(body).split('\n').map(inert));
        }
        lines.push(format!("{ESC}[0Ksection_end:{seconds}:{name}\r{ESC}[0K"));
        write_lines(Stream::Err, lines);
    }

    /// The output as `GO_LIVE_<NAME>=value` in the dotenv report; `results`
    /// (JSON, with spaces) goes to `--results-file` instead.
    fn set_output(&self, name: &str, value: &str) -> anyhow::Result<()> {
        let Some(path) = &self.dotenv else {
            return Ok(());
        };
        if name == "results" || value.is_empty() {
            return Ok(());
        }
        let key = dotenv_key(name);
        if !dotenv_value(value) {
            bail!(
                "the output {name} cannot go in the dotenv report, which takes one line without spaces: {key} is left out (it is in --results-file)"
            );
        }
        let text = {
            let mut report = self.report.lock().unwrap_or_else(|e| e.into_inner());
            match report.iter_mut().find(|(known, _)| *known == key) {
                Some((_, known)) => value.clone_into(known),
                None => report.push((key.clone(), value.to_owned())),
            }
            report
                .iter()
                .map(|(key, value)| format!("{key}={value}\n"))
                .collect::<String>()
        };
        if text.len() > DOTENV_CAP {
            bail!(
                "the dotenv report would pass GitLab's limit of {} KB with {key}: it is left as it was (every output is in --results-file)",
                DOTENV_CAP / 1024
            );
        }
        write_whole(path, &text)
            .with_context(|| format!("cannot write the dotenv report {}", path.display()))
    }

    /// GitLab has no summary page: `--results-file` is the artifact to keep.
    fn summary(&self, _markdown: &str, _text: &str) -> anyhow::Result<()> {
        Ok(())
    }
}

/// `operation_location` as `GO_LIVE_OPERATION_LOCATION`.
pub fn dotenv_key(output: &str) -> String {
    format!("GO_LIVE_{}", output.to_ascii_uppercase())
}

/// Whether GitLab takes the value as it is: one line, no spaces, no
/// quotes it would keep.
fn dotenv_value(value: &str) -> bool {
    !value
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '\'')
}

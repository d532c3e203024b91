//! Where a run reports: the CI host that runs it (GitHub Actions, Azure
//! Pipelines, GitLab CI) or a plain terminal. Each host is a file of this
//! folder behind the one `Host` trait, and `HostKind::host` is the one
//! match on which is in use.
//!
//! `Runner` is what the rest of the program holds: it prefixes the lines
//! of one offer in a run of several, keeps every output written (for
//! `--json` and `--results-file`), and hands the text to the host, which
//! alone knows its syntax, its escaping and its streams. This folder is the
//! only code that writes stdout or stderr.

pub mod azure;
pub mod github;
pub mod gitlab;
pub mod terminal;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::Context;

use crate::secret::Secret;
use crate::surface::Surface;

/// The hosts a run can report to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostKind {
    GitHub,
    AzurePipelines,
    GitLab,
    Terminal,
}

impl HostKind {
    pub const ALL: [HostKind; 4] = [
        HostKind::GitHub,
        HostKind::AzurePipelines,
        HostKind::GitLab,
        HostKind::Terminal,
    ];

    /// The `--host` value for it.
    pub fn as_flag(self) -> &'static str {
        match self {
            HostKind::GitHub => "github",
            HostKind::AzurePipelines => "azure-pipelines",
            HostKind::GitLab => "gitlab",
            HostKind::Terminal => "terminal",
        }
    }

    /// The host that set the variables each one sets on every process it
    /// starts (`GITHUB_ACTIONS`, `TF_BUILD`, `GITLAB_CI`), else a terminal.
    pub fn detect(var: impl Fn(&str) -> Option<String>) -> HostKind {
        if var("GITHUB_ACTIONS").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
            HostKind::GitHub
        } else if var("TF_BUILD").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
            HostKind::AzurePipelines
        } else if var("GITLAB_CI").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
            HostKind::GitLab
        } else {
            HostKind::Terminal
        }
    }

    /// The host itself, set up from what it needs of the environment.
    pub fn host(self, settings: &Settings) -> Arc<dyn Host> {
        match self {
            HostKind::GitHub => Arc::new(github::GitHub::new(
                settings.var("GITHUB_OUTPUT").map(PathBuf::from),
                settings.var("GITHUB_STEP_SUMMARY").map(PathBuf::from),
                settings.debug || settings.var("RUNNER_DEBUG").as_deref() == Some("1"),
                settings.messages,
            )),
            HostKind::AzurePipelines => Arc::new(azure::AzurePipelines::new(
                settings.var("AGENT_TEMPDIRECTORY").map(PathBuf::from),
                settings.debug
                    || settings
                        .var("SYSTEM_DEBUG")
                        .is_some_and(|v| v.eq_ignore_ascii_case("true")),
                settings.messages,
            )),
            HostKind::GitLab => Arc::new(gitlab::GitLab::new(
                settings.dotenv.clone(),
                settings.debug,
                settings.colour(false),
            )),
            HostKind::Terminal => Arc::new(terminal::Terminal::new(
                settings.debug,
                settings.colour(true),
                Stream::Err.is_terminal(),
            )),
        }
    }
}

/// What the hosts are set up from.
pub struct Settings {
    /// The variables of the environment, as `main` gathered them.
    pub env: Vec<(String, String)>,
    /// Where the log goes on the hosts that read workflow commands from
    /// either stream: stderr when stdout carries `--json`.
    pub messages: Stream,
    /// `--dotenv FILE`: GitLab's dotenv report.
    pub dotenv: Option<PathBuf>,
    /// `--debug`.
    pub debug: bool,
    /// `--no-color`.
    pub no_colour: bool,
}

impl Settings {
    fn var(&self, name: &str) -> Option<String> {
        self.env
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .filter(|value| !value.is_empty())
    }

    /// Whether the log may be coloured: never with `--no-color`, a
    /// non-empty `NO_COLOR` or `TERM=dumb`; on a terminal only when stderr
    /// is one (`needs_tty`).
    fn colour(&self, needs_tty: bool) -> bool {
        !self.no_colour
            && self.var("NO_COLOR").is_none()
            && self.var("TERM").as_deref() != Some("dumb")
            && (!needs_tty || Stream::Err.is_terminal())
    }
}

/// How bad an annotation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
    Notice,
}

impl Level {
    pub fn word(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Notice => "notice",
        }
    }
}

/// One host's side of the conversation. Text handed to it is the program's
/// own wording with server text inside: untrusted, and made safe here.
pub trait Host: Send + Sync {
    /// Keeps the secret's value out of every later line of the log, on a
    /// host that masks; elsewhere it is simply never printed.
    fn mask(&self, value: &str);
    /// Plain lines of the log (line breaks already `\n`).
    fn info(&self, text: &str);
    /// Shown only when the run is debugged.
    fn debug(&self, text: &str);
    fn annotate(&self, level: Level, text: &str);
    /// A collapsible group: a one-line title and its lines. Where nothing
    /// collapses, the title alone is the line of the change.
    fn group(&self, title: &str, body: &str);
    /// An output, written the moment it is known, where the host takes
    /// outputs as they come.
    fn set_output(&self, name: &str, value: &str) -> anyhow::Result<()>;
    /// The summary of the run: as Markdown, and as plain text.
    fn summary(&self, markdown: &str, text: &str) -> anyhow::Result<()>;
    /// The wait ran out and the run does not fail for it.
    fn timed_out(&self, message: &str) {
        self.annotate(Level::Warning, message);
    }
    /// The run's end, with every output written (not called with `--json`).
    fn finish(&self, _outputs: &[(String, String)]) {}
}

/// The run's side: the host, with what holds for every host.
#[derive(Clone)]
pub struct Runner {
    host: Arc<dyn Host>,
    /// Starts every log line, annotation and group title: the offer the
    /// line is about, in a run of several.
    prefix: Option<Arc<str>>,
    shared: Arc<Shared>,
}

struct Shared {
    /// Every output, in the order first written; the last value wins.
    outputs: Mutex<Vec<(String, String)>>,
    /// `--results-file`: the outputs as one JSON object, kept up to date.
    results_file: Option<PathBuf>,
    /// `--json`: the same object on stdout at the end.
    json: bool,
    /// What the object's one entry is named under (`name_results`).
    key: Mutex<Option<String>>,
    /// Every value masked, longest first: replaced in every line and
    /// summary on every host, those that mask nothing included.
    secrets: Mutex<Vec<String>>,
    /// Whose words the messages are in: a command line's name each input
    /// by its flag.
    surface: Surface,
    /// `mode: plan`: the plan document, which `--json` prints in place of
    /// the outputs.
    plan: Mutex<Option<String>>,
}

impl Runner {
    pub fn new(host: Arc<dyn Host>, results_file: Option<PathBuf>, json: bool) -> Runner {
        Runner {
            host,
            prefix: None,
            shared: Arc::new(Shared {
                outputs: Mutex::default(),
                results_file,
                json,
                key: Mutex::default(),
                secrets: Mutex::default(),
                surface: Surface::Action,
                plan: Mutex::default(),
            }),
        }
    }

    /// The same runner, for a run whose inputs came from this surface, so
    /// that whoever holds the runner words its messages in that surface's
    /// words (`surface`). Called before the runner is shared.
    pub fn speaking(mut self, surface: Surface) -> Runner {
        match Arc::get_mut(&mut self.shared) {
            Some(shared) => shared.surface = surface,
            None => unreachable!("speaking is set before the runner is cloned"),
        }
        self
    }

    /// The surface the run's inputs came from: how a message names an
    /// input, a mode or the way to follow again.
    pub fn surface(&self) -> Surface {
        self.shared.surface
    }

    /// Names the entry of the results object for one offer (the offer as
    /// given), before any output is written; else the operation's ID names
    /// it.
    pub fn name_results(&self, key: Option<String>) {
        *self.shared.key.lock().unwrap_or_else(|e| e.into_inner()) = key;
    }

    /// The GitHub runner, as the container action sees it. Paths are `None`
    /// when the variable is not set, for example when run by hand.
    pub fn github(
        output_file: Option<PathBuf>,
        summary_file: Option<PathBuf>,
        debug: bool,
    ) -> Runner {
        Runner::new(
            Arc::new(github::GitHub::new(
                output_file,
                summary_file,
                debug,
                Stream::Out,
            )),
            None,
            false,
        )
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

    /// Asks the host to replace the secret's value in every later line,
    /// and replaces it in every later line and summary itself, on every
    /// host. A value with white space around it is masked as it is sent
    /// too: trimmed.
    pub fn mask(&self, secret: &Secret) {
        let raw = secret.expose();
        let mut secrets = self
            .shared
            .secrets
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        for value in [raw, raw.trim()] {
            if value.is_empty() || secrets.iter().any(|known| known == value) {
                continue;
            }
            self.host.mask(value);
            secrets.push(value.to_owned());
        }
        secrets.sort_by_key(|known| std::cmp::Reverse(known.len()));
    }

    /// `text` as it may be shown: every masked value replaced, and every
    /// shared access signature redacted, whatever the host masks.
    fn shown(&self, text: &str) -> String {
        let mut shown = crate::text::without_signatures(text).into_owned();
        for secret in self
            .shared
            .secrets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            if shown.contains(secret.as_str()) {
                shown = shown.replace(secret.as_str(), crate::text::REDACTED);
            }
        }
        shown
    }

    /// Plain log lines, whatever they hold: a host's commands in them are
    /// never obeyed.
    pub fn info(&self, text: &str) {
        let text = self.shown(text);
        self.host
            .info(&self.prefixed(&text.replace("\r\n", "\n").replace('\r', "\n")));
    }

    /// Shown only when the run is debugged.
    pub fn debug(&self, text: &str) {
        self.host.debug(&self.prefixed(&self.shown(text)));
    }

    pub fn error(&self, text: &str) {
        self.host
            .annotate(Level::Error, &self.prefixed(&self.shown(text)));
    }

    pub fn notice(&self, text: &str) {
        self.host
            .annotate(Level::Notice, &self.prefixed(&self.shown(text)));
    }

    pub fn warning(&self, text: &str) {
        self.host
            .annotate(Level::Warning, &self.prefixed(&self.shown(text)));
    }

    /// The wait ran out, and the run does not fail for it: a warning, and
    /// on Azure Pipelines the step's result "succeeded with issues".
    pub fn timed_out(&self, text: &str) {
        self.host.timed_out(&self.prefixed(&self.shown(text)));
    }

    /// A collapsible group, written at once: a one-line title without
    /// control characters, and `body` as `info` prints it.
    pub fn group(&self, title: &str, body: &str) {
        let title = plain(&self.prefixed(&plain(&self.shown(title)).replace('\n', " ")));
        let body = self.prefixed(&self.shown(body).replace("\r\n", "\n").replace('\r', "\n"));
        self.host.group(&title, &body);
    }

    /// Writes the output, where the host takes it, and into the results
    /// file; any value arrives intact.
    pub fn set_output(&self, name: &str, value: &str) -> anyhow::Result<()> {
        {
            let mut outputs = self.outputs();
            match outputs.iter_mut().find(|(known, _)| known == name) {
                Some((_, known)) => value.clone_into(known),
                None => outputs.push((name.to_owned(), value.to_owned())),
            }
        }
        // The results file first: it holds every output, whatever the host
        // makes of this one.
        if let Some(path) = &self.shared.results_file {
            write_whole(path, &format!("{}\n", self.results()))
                .with_context(|| format!("cannot write --results-file {}", path.display()))?;
        }
        self.host.set_output(name, value)
    }

    fn outputs(&self) -> std::sync::MutexGuard<'_, Vec<(String, String)>> {
        self.shared
            .outputs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// The summary of the run, as the host shows one.
    pub fn add_summary(&self, markdown: &str, text: &str) -> anyhow::Result<()> {
        self.host.summary(&self.shown(markdown), &self.shown(text))
    }

    /// The outputs as one JSON object, shaped as the `results` output: the
    /// `results` written by a run of several offers, else one entry under
    /// the name `name_results` gave (or the operation's ID).
    fn results(&self) -> String {
        let outputs = self.outputs();
        let get = |name: &str| {
            outputs
                .iter()
                .find(|(known, _)| known == name)
                .map(|(_, value)| value.clone())
        };
        if let Some(results) = get("results") {
            return results;
        }
        let entry = ResultsEntry {
            operation_location: get("operation_location").unwrap_or_default(),
            operation_id: get("operation_id").unwrap_or_default(),
            status: get("status").unwrap_or_default(),
            outcome: get("outcome").unwrap_or_default(),
            product_id: get("product_id"),
            submission_id: get("submission_id"),
            target: get("target"),
        };
        let key = self
            .shared
            .key
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .or_else(|| get("operation_id"))
            .unwrap_or_default();
        let results = std::collections::BTreeMap::from([(key, entry)]);
        serde_json::to_string(&results).expect("strings serialize")
    }

    /// Keeps the plan document for `--json`, and gives it back with every
    /// masked value replaced, as it may be written.
    pub fn plan_document(&self, text: &str) -> String {
        let shown = self.shown(text);
        *self.shared.plan.lock().unwrap_or_else(|e| e.into_inner()) = Some(shown.clone());
        shown
    }

    /// The end of the run: the results file and `--json` (the plan, in
    /// `mode: plan`), else what the host shows of the outputs.
    pub fn finish(&self) {
        if self.shared.results_file.is_some() || self.shared.json {
            let results = self.results();
            if let Some(path) = &self.shared.results_file
                && let Err(error) = write_whole(path, &format!("{results}\n"))
            {
                self.warning(&format!(
                    "cannot write --results-file {}: {error}",
                    path.display()
                ));
            }
            if self.shared.json {
                let plan = self
                    .shared
                    .plan
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .clone();
                write_lines(
                    Stream::Out,
                    [plan.map_or(results, |plan| plan.trim_end().to_owned())],
                );
                return;
            }
        }
        let outputs = self.outputs().clone();
        self.host.finish(&outputs);
    }
}

/// One offer's entry of the `results` object (the `results` output of a
/// run of several offers, `--json` and `--results-file`): its outputs by
/// name, the ones an API may lack left out.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ResultsEntry {
    pub operation_location: String,
    pub operation_id: String,
    pub status: String,
    pub outcome: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submission_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

/// The two streams of the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Out,
    Err,
}

impl Stream {
    fn is_terminal(self) -> bool {
        #[allow(
            clippy::disallowed_methods,
            reason = "the one place that touches stdout and stderr"
        )]
        match self {
            Stream::Out => std::io::stdout().is_terminal(),
            Stream::Err => std::io::stderr().is_terminal(),
        }
    }
}

/// One line that no CI host takes for a command, whichever reads it (a
/// terminal run is often inside a CI whose variables were not passed): no
/// control characters, a space inside every `##` (`##vso[`, `##[`), and a
/// space inside a leading `::`.
pub(crate) fn inert(line: &str) -> String {
    let mut safe = String::with_capacity(line.len());
    let mut hash = false;
    for c in plain(line).chars() {
        let c = if c == '\n' { ' ' } else { c };
        if c == '#' && hash {
            safe.push(' ');
        }
        hash = c == '#';
        safe.push(c);
    }
    let indent = safe.len() - safe.trim_start().len();
    if safe[indent..].starts_with("::") {
        safe.insert(indent + 1, ' ');
    }
    safe
}

/// Writes the lines together, with one flush: a group or a long message
/// costs one write, and nothing else comes between its lines.
pub(crate) fn write_lines<S: AsRef<str>>(stream: Stream, lines: impl IntoIterator<Item = S>) {
    let mut block = String::new();
    for line in lines {
        block.push_str(line.as_ref());
        block.push('\n');
    }
    write_raw(stream, &block);
}

/// Writes the text as it is, with one flush.
pub(crate) fn write_raw(stream: Stream, text: &str) {
    // A closed stream is not worth failing the go-live for.
    #[allow(
        clippy::disallowed_methods,
        reason = "the one place that touches stdout and stderr"
    )]
    let _ = match stream {
        Stream::Out => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes()).and_then(|()| out.flush())
        }
        Stream::Err => {
            let mut err = std::io::stderr().lock();
            err.write_all(text.as_bytes()).and_then(|()| err.flush())
        }
    };
}

/// The most links followed to the file a path names, as the kernel's own
/// bound (`SYMLOOP_MAX`).
const MOST_LINKS: usize = 40;

/// The file a path names, its symbolic links followed (at most
/// `MOST_LINKS`), so that a link is written through and never replaced.
fn through_links(path: &Path) -> PathBuf {
    let mut path = path.to_path_buf();
    for _ in 0..MOST_LINKS {
        let Ok(target) = std::fs::read_link(&path) else {
            break;
        };
        path = match path.parent() {
            Some(parent) if target.is_relative() => parent.join(target),
            _ => target,
        };
    }
    path
}

/// Replaces the file's content at once: a reader sees the old content or
/// the new, never half of it. A symbolic link is written through, and a
/// file that is not a regular one (a device such as `/dev/stdout`, a pipe)
/// is written in place, never replaced; a pipe nobody reads is an error
/// at once rather than a wait.
pub(crate) fn write_whole(path: &Path, text: &str) -> std::io::Result<()> {
    let path = through_links(path);
    if std::fs::metadata(&path).is_ok_and(|meta| !meta.is_file()) {
        use std::os::unix::fs::OpenOptionsExt;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&path)?;
        return file.write_all(text.as_bytes());
    }
    let file_name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".{file_name}.{}", std::process::id()));
    std::fs::write(&temporary, text)?;
    std::fs::rename(&temporary, &path).inspect_err(|_| {
        let _ = std::fs::remove_file(&temporary);
    })
}

/// Text without control characters: CRLF and a lone CR become one line
/// break, a tab a space, and the rest (ESC included) are removed, so that
/// nothing from a server can move the cursor or recolour the log.
pub(crate) fn plain(text: &str) -> String {
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

/// A token nobody can guess: 128 bits from the operating system.
pub fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes).expect("the operating system provides random bytes");
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{prefix}_{hex}")
}

/// A host for in-crate tests: every line it is given, kept in order.
#[cfg(test)]
#[derive(Default)]
pub(crate) struct Recorder {
    pub(crate) lines: Mutex<Vec<String>>,
}

#[cfg(test)]
impl Recorder {
    fn keep(&self, line: String) {
        self.lines.lock().unwrap().push(line);
    }
}

#[cfg(test)]
impl Host for Recorder {
    fn mask(&self, _value: &str) {}
    fn info(&self, text: &str) {
        self.keep(text.to_owned());
    }
    fn debug(&self, text: &str) {
        self.keep(format!("debug: {text}"));
    }
    fn annotate(&self, level: Level, text: &str) {
        self.keep(format!("{level:?}: {text}"));
    }
    fn group(&self, title: &str, _body: &str) {
        self.keep(format!("group: {title}"));
    }
    fn set_output(&self, name: &str, value: &str) -> anyhow::Result<()> {
        self.keep(format!("output {name}={value}"));
        Ok(())
    }
    fn summary(&self, _markdown: &str, _text: &str) -> anyhow::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_host_takes_an_inert_line_for_a_command() {
        for (line, shown) in [
            (
                "##vso[task.complete result=Succeeded;]",
                "# #vso[task.complete result=Succeeded;]",
            ),
            ("##[error]fake", "# #[error]fake"),
            ("::error::forged", ": :error::forged"),
            (
                "  ::set-output name=status::succeeded",
                "  : :set-output name=status::succeeded",
            ),
            ("\u{1b}[2K\rstatus=succeeded", "[2K status=succeeded"),
            ("plain words: a::b #1", "plain words: a::b #1"),
        ] {
            assert_eq!(inert(line), shown, "{line:?}");
        }
    }

    #[test]
    fn control_characters_are_removed_not_escaped() {
        assert_eq!(
            plain("a\r\nb\rc\u{1b}[31md\u{7}\te\u{9b}f"),
            "a\nb\nc[31md ef"
        );
    }

    #[test]
    fn the_results_file_names_the_offer_from_the_first_output() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("results.json");
        let host = HostKind::GitLab.host(&Settings {
            env: Vec::new(),
            messages: Stream::Err,
            dotenv: None,
            debug: false,
            no_colour: true,
        });
        let runner = Runner::new(host, Some(path.clone()), false);
        runner.name_results(Some("contoso/contoso-vm".into()));
        runner.set_output("operation_id", "op-1").unwrap();
        let written: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(written["contoso/contoso-vm"]["operation_id"], "op-1");
        assert_eq!(written["contoso/contoso-vm"]["status"], "");
    }

    #[test]
    fn the_host_is_told_by_its_variables() {
        let detect = |vars: &[(&str, &str)]| {
            HostKind::detect(|name| {
                vars.iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| value.to_string())
            })
        };
        assert_eq!(detect(&[("GITHUB_ACTIONS", "true")]), HostKind::GitHub);
        assert_eq!(detect(&[("TF_BUILD", "True")]), HostKind::AzurePipelines);
        assert_eq!(
            detect(&[("GITLAB_CI", "true"), ("CI", "true")]),
            HostKind::GitLab
        );
        assert_eq!(detect(&[("CI", "true")]), HostKind::Terminal);
        assert_eq!(detect(&[]), HostKind::Terminal);
    }
}

//! Runs the built binary as a command line: arguments, and an environment
//! that holds only what the test gives (and `PATH`), as a CI host or a
//! terminal would start it.

use std::process::Command;

/// One command line to run.
pub struct Line {
    args: Vec<String>,
    env: Vec<(String, String)>,
    pub dir: tempfile::TempDir,
}

/// What the process left behind.
pub struct Ran {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// The directory it ran in, named `<dir>` in a transcript.
    dir: std::path::PathBuf,
}

impl Ran {
    /// The whole of what a person at the host sees: the exit code, and
    /// each stream's lines with ports, durations, GUIDs and the run's
    /// directory replaced, for a comparison with an expectation.
    pub fn transcript(&self) -> String {
        let dir = self.dir.to_string_lossy().into_owned();
        let mut text = format!(
            "exit {}\n",
            self.code.map_or("signal".to_owned(), |c| c.to_string())
        );
        for (name, stream) in [("stdout", &self.stdout), ("stderr", &self.stderr)] {
            if stream.is_empty() {
                continue;
            }
            text.push_str(&format!("-- {name}\n"));
            for line in stream.lines() {
                // Colours left out, other control characters as their
                // pictures; GitLab's section markers without the time
                // they carry.
                let line: String = without_colours(&line.replace(&dir, "<dir>"))
                    .chars()
                    .map(|c| match c {
                        '\u{1b}' => '␛',
                        '\r' => '␍',
                        other => other,
                    })
                    .collect();
                let mut line = super::normalized(&line);
                for marker in ["section_start:", "section_end:"] {
                    if let Some(at) = line.find(marker) {
                        let start = at + marker.len();
                        let digits = line[start..]
                            .chars()
                            .take_while(char::is_ascii_digit)
                            .count();
                        line.replace_range(start..start + digits, "<time>");
                    }
                }
                text.push_str(&line);
                text.push('\n');
            }
        }
        text
    }

    /// Both streams, as a CI host that reads both sees them.
    pub fn both(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    #[track_caller]
    pub fn assert_not_shown(&self, secret: &str) {
        assert!(
            !self.both().contains(secret),
            "{secret} shown:\n{}",
            self.both()
        );
    }
}

impl Line {
    pub fn new(args: &[&str]) -> Line {
        Line {
            args: args.iter().map(|arg| arg.to_string()).collect(),
            env: Vec::new(),
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn arg(mut self, arg: &str) -> Line {
        self.args.push(arg.to_owned());
        self
    }

    pub fn args(mut self, args: &[&str]) -> Line {
        self.args.extend(args.iter().map(|arg| arg.to_string()));
        self
    }

    pub fn env(mut self, name: &str, value: &str) -> Line {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    /// A path inside the run's own directory.
    pub fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_owned()
    }

    pub fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_go-live"));
        command
            .args(&self.args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .current_dir(self.dir.path())
            .envs(self.env.iter().cloned());
        command
    }

    /// Runs it, and checks that nothing it printed names an input of the
    /// action: a command line speaks of its flags and commands.
    pub fn run(&self) -> Ran {
        let output = self.command().output().unwrap();
        let ran = Ran {
            code: output.status.code(),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
            dir: self.dir.path().to_owned(),
        };
        let said = action_words(&ran.both());
        assert!(
            said.is_empty(),
            "a command line named the action's {said:?}:\n{}",
            ran.both()
        );
        ran
    }
}

/// `text` without its colour sequences (`ESC [ ... m`).
fn without_colours(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("\u{1b}[") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let length = after
            .find(|c: char| !(c.is_ascii_digit() || c == ';'))
            .unwrap_or(after.len());
        if after[length..].starts_with('m') {
            rest = &after[length + 1..];
        } else {
            out.push_str(&rest[at..at + 2]);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// The action's words in `text`: an input's name standing alone (not part
/// of a longer name), or `mode: X`. `operation_location` is also an
/// output's name, which a command line prints.
fn action_words(text: &str) -> Vec<&'static str> {
    const INPUTS: [&str; 17] = [
        "publisher_id",
        "offer_id",
        "tenant_id",
        "client_id",
        "client_secret",
        "oidc_audience",
        "authority_url",
        "wait_timeout",
        "poll_interval",
        "fail_on_timeout",
        "request_timeout",
        "api_url",
        "api_version",
        "notification_emails",
        "vm_image_versions",
        "configure_timeout",
        "mode: ",
    ];
    standing_alone(text, &INPUTS)
}

/// The `words` that stand alone in `text`, not inside a longer name (a
/// word that ends in a space ends there).
fn standing_alone(text: &str, words: &[&'static str]) -> Vec<&'static str> {
    let part_of_name = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    words
        .iter()
        .copied()
        .filter(|word| {
            text.match_indices(word).any(|(at, _)| {
                let before = text[..at].chars().next_back();
                let after = text[at + word.len()..].chars().next();
                !before.is_some_and(part_of_name)
                    && (word.ends_with(' ') || !after.is_some_and(part_of_name))
            })
        })
        .collect()
}

/// The command line's words in `text`: a flag, or a command of `go-live`.
pub fn command_line_words(text: &str) -> Vec<&'static str> {
    const FLAGS: [&str; 25] = [
        "--api",
        "--publisher",
        "--offer",
        "--offers-file",
        "--operation-location",
        "--wait",
        "--wait-timeout",
        "--poll-interval",
        "--no-fail-on-timeout",
        "--request-timeout",
        "--api-url",
        "--api-version",
        "--authority-url",
        "--tenant-id",
        "--client-id",
        "--oidc-audience",
        "--notification-emails",
        "--vm-image-versions",
        "--plan",
        "--configure",
        "--configure-timeout",
        "go-live live",
        "go-live publish",
        "go-live follow",
        "go-live check",
    ];
    standing_alone(text, &FLAGS)
}

#[test]
fn the_action_s_words_are_found_standing_alone() {
    assert_eq!(
        command_line_words("use --wait-timeout, not --waits"),
        ["--wait-timeout"]
    );
    assert_eq!(
        command_line_words("run go-live follow with"),
        ["go-live follow"]
    );
    assert!(command_line_words("wait_timeout, go-live was refused, mode: follow").is_empty());
    assert_eq!(
        action_words("check publisher_id and --offer"),
        ["publisher_id"]
    );
    assert_eq!(action_words("run it with mode: follow"), ["mode: "]);
    assert!(
        action_words("AZURE_CLIENT_ID, my_offer_id, --wait-timeout, go-live follow").is_empty()
    );
}

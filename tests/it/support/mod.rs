//! Runs the built `go-live` binary the way the GitHub runner runs the
//! container, and reads back what the runner would read: the exit code, the
//! log with its workflow commands, the outputs file and the step summary.

#![allow(dead_code)]

pub mod cli;
pub mod emulated;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

/// The token every test passes; no run may show it outside a mask command.
pub const TOKEN: &str = "tok-3e1f9a-secret-value";

/// What the outputs file holds before the step starts: another step's record
/// that must survive.
const EARLIER_OUTPUT: &str = "earlier=kept\n";

pub struct Action {
    inputs: BTreeMap<String, String>,
    secrets: Vec<String>,
    env: Vec<(String, std::ffi::OsString)>,
    dir: tempfile::TempDir,
}

/// The inputs that action.yml declares, with their defaults.
pub fn declared_inputs() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/action.yml")).unwrap();
    let inputs = marketplace_emulator::runner::declared_inputs(&text);
    assert!(
        inputs.contains_key("publisher_id"),
        "action.yml inputs not found"
    );
    inputs
}

/// Makes a mock Cloud Partner Portal list offer contoso/contoso-vm's
/// operations as one publish that completed: go-live would be sent.
pub fn ready_offer(server: &mut mockito::ServerGuard) -> mockito::Mock {
    server
        .mock(
            "GET",
            "/api/publishers/contoso/offers/contoso-vm/operations",
        )
        .match_query(mockito::Matcher::Any)
        .with_body(
            r#"[{"id":"p-1","submissionType":"publish","submissionState":"completed","changedTime":"2026-01-01T00:00:00Z"}]"#,
        )
        .create()
}

impl Action {
    /// A run with every input at its default, the test token, and the
    /// given API.
    pub fn new(api_url: &str) -> Action {
        let mut inputs = declared_inputs();
        inputs.insert("api_url".into(), api_url.into());
        inputs.insert("token".into(), TOKEN.into());
        inputs.insert("publisher_id".into(), "contoso".into());
        inputs.insert("offer_id".into(), "contoso-vm".into());
        inputs.insert("poll_interval".into(), "10ms".into());
        inputs.insert("request_timeout".into(), "5s".into());
        Action {
            inputs,
            secrets: vec![TOKEN.to_owned()],
            env: Vec::new(),
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// Sets an input as `with:` would. Only declared inputs can be set.
    pub fn with(mut self, name: &str, value: &str) -> Action {
        assert!(
            self.inputs.contains_key(name),
            "input {name} is not declared in action.yml"
        );
        self.inputs.insert(name.to_owned(), value.to_owned());
        self
    }

    /// Registers a value that must appear nowhere but on a mask line.
    pub fn secret(mut self, value: &str) -> Action {
        self.secrets.push(value.to_owned());
        self
    }

    /// Signs in with GitHub OIDC through the emulator's OIDC and Entra
    /// endpoints, as a job with `id-token: write` would; the request token
    /// and every access token it issues must stay hidden.
    pub fn github_oidc(
        self,
        emulator: &marketplace_emulator::Emulator,
        knobs: &marketplace_emulator::Knobs,
    ) -> Action {
        self.with("token", "")
            .with("tenant_id", &knobs.tenant_id)
            .with("client_id", &knobs.client_id)
            .with("authority_url", emulator.url())
            .env("ACTIONS_ID_TOKEN_REQUEST_URL", &emulator.oidc_request_url())
            .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", &knobs.oidc_request_token)
            .secret(&knobs.oidc_request_token)
            .secret("emu-access-token-")
    }

    pub fn env(self, name: &str, value: &str) -> Action {
        self.env_bytes(name, value.as_bytes())
    }

    /// Sets an environment variable to any bytes, UTF-8 or not.
    pub fn env_bytes(mut self, name: &str, value: &[u8]) -> Action {
        use std::os::unix::ffi::OsStrExt;
        self.env.push((
            name.to_owned(),
            std::ffi::OsStr::from_bytes(value).to_owned(),
        ));
        self
    }

    pub fn command(&self) -> Command {
        self.command_with(env!("CARGO_BIN_EXE_go-live"), &[])
    }

    /// The binary as PID 1 of a new PID namespace, as in a container:
    /// `unshare --pid --fork` (through `sudo -n` when not root).
    pub fn command_as_pid1(&self) -> Command {
        let unshare = [
            "--pid",
            "--fork",
            "--kill-child",
            env!("CARGO_BIN_EXE_go-live"),
        ];
        let (program, first) = as_root("unshare");
        let mut command = self.command_with(program, &first);
        command.args(unshare);
        command
    }

    fn command_with(&self, program: &str, args: &[&str]) -> Command {
        let output_file = self.dir.path().join("output");
        let summary_file = self.dir.path().join("summary");
        std::fs::write(&output_file, EARLIER_OUTPUT).unwrap();
        std::fs::write(&summary_file, "").unwrap();
        // As the runner starts the container: in the workspace
        // (`--workdir /github/workspace`), which GITHUB_WORKSPACE names.
        let workspace = self.dir.path().join("workspace");
        std::fs::create_dir_all(&workspace).unwrap();
        let mut command = Command::new(program);
        command
            .args(args)
            .env_clear()
            .current_dir(&workspace)
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("GITHUB_WORKSPACE", &workspace);
        for (name, value) in &self.inputs {
            command.env(format!("INPUT_{}", name.to_uppercase()), value);
        }
        command
            .env("GITHUB_ACTIONS", "true")
            .env("CI", "true")
            .env("GITHUB_OUTPUT", &output_file)
            .env("GITHUB_STEP_SUMMARY", &summary_file)
            .envs(self.env.iter().cloned());
        command
    }

    pub fn run(self) -> Run {
        let output = self.command().output().unwrap();
        self.finish(
            output.status,
            String::from_utf8(output.stdout).unwrap(),
            String::from_utf8(output.stderr).unwrap(),
        )
    }

    /// Spawns `command` (this action's, plain or as PID 1), waits until
    /// the binary shows its first progress group, sends it `signal` (`TERM`,
    /// `INT`), and returns the run once it has exited. `binary_pid` finds the
    /// binary's process from the spawned one's. Fails rather than hangs if
    /// the binary does not start waiting or does not stop within 10 s.
    pub fn interrupt_while_waiting(
        &self,
        command: Command,
        signal: &str,
        binary_pid: impl Fn(u32) -> Option<u32>,
    ) -> Run {
        self.interrupt_after(command, signal, binary_pid, |line| {
            line.starts_with("::group::")
        })
    }

    /// As `interrupt_while_waiting`, but the signal goes once the binary
    /// has printed a line for which `ready` holds.
    pub fn interrupt_after(
        &self,
        mut command: Command,
        signal: &str,
        binary_pid: impl Fn(u32) -> Option<u32>,
        ready: impl Fn(&str) -> bool,
    ) -> Run {
        use std::io::{BufRead, BufReader};
        use std::process::Stdio;
        use std::sync::mpsc;
        use std::time::Duration;

        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (lines_tx, lines_rx) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut all = String::new();
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                all.push_str(&line);
                all.push('\n');
                let _ = lines_tx.send(line);
            }
            all
        });
        while !ready(
            &lines_rx
                .recv_timeout(Duration::from_secs(10))
                .expect("the binary did not print the awaited line"),
        ) {}
        let pid = binary_pid(child.id()).expect("the binary's process");
        let killed = Command::new("kill")
            .args([format!("-{signal}"), pid.to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let (done_tx, done_rx) = mpsc::channel();
        std::thread::spawn(move || done_tx.send(child.wait_with_output().unwrap()));
        let Ok(output) = done_rx.recv_timeout(Duration::from_secs(10)) else {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            panic!("the binary did not stop after SIG{signal}");
        };
        self.finish(
            output.status,
            reader.join().unwrap(),
            String::from_utf8(output.stderr).unwrap(),
        )
    }

    pub fn finish(&self, status: std::process::ExitStatus, stdout: String, stderr: String) -> Run {
        let outputs_raw = std::fs::read_to_string(self.dir.path().join("output")).unwrap();
        let summary = std::fs::read_to_string(self.dir.path().join("summary")).unwrap();
        let run = Run {
            code: status.code(),
            stdout,
            stderr,
            outputs: parse_outputs(&outputs_raw).unwrap_or_else(|e| panic!("{e}\n{outputs_raw}")),
            outputs_raw,
            summary,
        };
        for secret in &self.secrets {
            run.assert_not_shown(secret);
        }
        let said = cli::command_line_words(&format!("{}{}{}", run.stdout, run.stderr, run.summary));
        assert!(
            said.is_empty(),
            "the action named the command line's {said:?}:\n{}{}",
            run.stdout,
            run.summary
        );
        run
    }

    /// The same run with `text` at `path` in its workspace
    /// (`GITHUB_WORKSPACE`), where a file input's relative path starts.
    pub fn workspace_file(self, path: &str, text: &str) -> Action {
        let workspace = self.dir().join("workspace");
        let file = workspace.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
        self.env("GITHUB_WORKSPACE", workspace.to_str().unwrap())
    }

    pub fn dir(&self) -> PathBuf {
        self.dir.path().to_owned()
    }
}

/// How to run `program` as root: itself when the tests run as root, else
/// `sudo -n --preserve-env program`. A test that cannot have either, or
/// finds no `program`, fails with one line saying so.
pub fn as_root(program: &'static str) -> (&'static str, Vec<&'static str>) {
    let installed = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()));
    assert!(
        installed,
        "this test needs `{program}` on PATH (util-linux or coreutils), and it is not there"
    );
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let uid = status
        .lines()
        .find_map(|line| line.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1))
        .unwrap_or_default();
    if uid == "0" {
        return (program, Vec::new());
    }
    let sudo = Command::new("sudo")
        .args(["-n", "true"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    assert!(
        sudo,
        "this test runs `{program}`, which needs root: run the tests as root, or where `sudo -n` works without a password"
    );
    // sudo would drop the environment; --preserve-env keeps it.
    ("sudo", vec!["-n", "--preserve-env", program])
}

#[derive(Debug)]
pub struct Run {
    /// `None` when the process was killed by a signal.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub outputs: BTreeMap<String, String>,
    pub outputs_raw: String,
    pub summary: String,
}

/// A workflow command as the runner would carry it out.
#[derive(Debug, PartialEq, Eq)]
pub struct WorkflowCommand {
    pub name: String,
    pub data: String,
}

impl Run {
    /// The commands the runner would carry out, in order: `::name::data`
    /// lines and legacy `##[name]data` anywhere in a line, none while
    /// commands are stopped.
    pub fn commands(&self) -> Vec<WorkflowCommand> {
        let mut commands = Vec::new();
        let mut stop_token: Option<String> = None;
        for line in self.stdout.lines() {
            let trimmed = line.trim_start();
            let parsed = if let Some(rest) = trimmed.strip_prefix("::") {
                rest.split_once("::").map(|(head, data)| {
                    let name = head.split(' ').next().unwrap().to_owned();
                    (name, unescape(data))
                })
            } else if let Some(at) = line.find("##[") {
                line[at + 3..].split_once(']').map(|(head, data)| {
                    (head.split(' ').next().unwrap().to_owned(), data.to_owned())
                })
            } else {
                None
            };
            let Some((name, data)) = parsed else { continue };
            if let Some(token) = &stop_token {
                if name.eq_ignore_ascii_case(token) {
                    stop_token = None;
                }
                continue;
            }
            if name == "stop-commands" {
                stop_token = Some(data);
                continue;
            }
            commands.push(WorkflowCommand { name, data });
        }
        commands
    }

    pub fn annotations(&self, kind: &str) -> Vec<String> {
        self.commands()
            .into_iter()
            .filter(|c| c.name == kind)
            .map(|c| c.data)
            .collect()
    }

    /// The one error annotation of a failed run.
    #[track_caller]
    pub fn error(&self) -> String {
        let errors = self.annotations("error");
        assert_eq!(
            errors.len(),
            1,
            "expected one error annotation:\n{}",
            self.stdout
        );
        errors.into_iter().next().unwrap()
    }

    /// The whole of what a user sees, for comparing with an expectation
    /// kept next to the test: the exit code, every log line, and the
    /// outputs as the runner parses them (the earlier step's record left
    /// out). Ports, durations, IDs the server makes up, and masked values
    /// are replaced, so that the same run always gives the same text.
    pub fn transcript(&self) -> String {
        let mut text = format!(
            "exit {}\n",
            self.code.map_or("signal".to_owned(), |c| c.to_string())
        );
        for line in self.stdout.lines() {
            text.push_str(&normalized(line));
            text.push('\n');
        }
        text.push_str("-- outputs\n");
        for (name, value) in self.outputs.iter().filter(|(name, _)| *name != "earlier") {
            text.push_str(&format!("{name} = {}\n", normalized(value)));
        }
        text
    }

    /// The exit code, and the `status` and `outcome` outputs (`None`: not
    /// written).
    #[track_caller]
    pub fn check_ended(&self, code: i32, status: &str, outcome: Option<&str>) {
        assert_eq!(self.code, Some(code), "{}", self.stdout);
        assert_eq!(
            self.outputs.get("status").map(String::as_str),
            Some(status),
            "{}",
            self.stdout
        );
        assert_eq!(
            self.outputs.get("outcome").map(String::as_str),
            outcome,
            "{}",
            self.stdout
        );
    }

    /// Log lines that are not commands, as a person reads the log.
    pub fn log(&self) -> String {
        self.stdout
            .lines()
            .filter(|l| !l.starts_with("::"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[track_caller]
    pub fn assert_not_shown(&self, secret: &str) {
        for line in self
            .stdout
            .lines()
            .filter(|l| !l.starts_with("::add-mask::"))
        {
            assert!(!line.contains(secret), "{secret} in the log: {line}");
        }
        assert!(!self.stderr.contains(secret), "{secret} on stderr");
        assert!(
            !self.outputs_raw.contains(secret),
            "{secret} in the outputs"
        );
        assert!(!self.summary.contains(secret), "{secret} in the summary");
    }

    /// Whether `::add-mask::{secret}` was printed before the first line
    /// that contains `later`.
    pub fn masked_before(&self, secret: &str, later: &str) -> bool {
        let mask = self.stdout.find(&format!("::add-mask::{secret}\n"));
        let later = self.stdout.find(later);
        matches!((mask, later), (Some(m), Some(l)) if m < l)
    }
}

use marketplace_emulator::runner::decode as unescape;
pub use marketplace_emulator::runner::parse_outputs;

/// One answer of a `ScriptedServer`.
pub enum Reply {
    /// A full HTTP response: status, extra headers, body.
    Http(u16, Vec<(String, String)>, String),
    /// Read the request, then close the connection without a response.
    Close,
}

/// A loopback server on a bare socket that answers each connection with the
/// next entry of its script, one request per connection, and records the
/// request lines and headers it received. It exists for what no HTTP
/// server crate will do on purpose: close a connection without any answer
/// (`Reply::Close`). Everything else is played by mockito or the emulator.
pub struct ScriptedServer {
    pub url: String,
    requests: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl ScriptedServer {
    pub fn start(script: Vec<Reply>) -> ScriptedServer {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let recorded = requests.clone();
        std::thread::spawn(move || {
            let mut script = script.into_iter();
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut head = String::new();
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    head.push_str(&line);
                }
                recorded.lock().unwrap().push(head);
                match script.next() {
                    Some(Reply::Http(status, headers, body)) => {
                        let mut response = format!(
                            "HTTP/1.1 {status} X\r\nconnection: close\r\ncontent-length: {}\r\n",
                            body.len()
                        );
                        for (name, value) in headers {
                            response.push_str(&format!("{name}: {value}\r\n"));
                        }
                        response.push_str("\r\n");
                        response.push_str(&body);
                        let _ = stream.write_all(response.as_bytes());
                    }
                    Some(Reply::Close) => {}
                    None => {
                        let _ = stream.write_all(b"HTTP/1.1 418 script exhausted\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
                    }
                }
            }
        });
        ScriptedServer { url, requests }
    }

    /// The requests received so far, each as its request line and headers.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

/// A line with what changes from run to run replaced: `127.0.0.1:<port>`,
/// `<time>` for a duration (`12ms`, `1.5s`, `1m 02s`), `<id>` for a GUID,
/// `<secret>` after `::add-mask::`.
pub fn normalized(line: &str) -> String {
    if let Some(_masked) = line.strip_prefix("::add-mask::") {
        return "::add-mask::<secret>".to_owned();
    }
    if let Some(_masked) = line.strip_prefix("##vso[task.setsecret]") {
        return "##vso[task.setsecret]<secret>".to_owned();
    }
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    while i < chars.len() {
        let rest: String = chars[i..].iter().collect();
        if rest.starts_with("127.0.0.1:") {
            out.push_str("127.0.0.1:");
            i += "127.0.0.1:".len();
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            if i > start {
                out.push_str("<port>");
            }
            continue;
        }
        let at_word_start = i == 0 || !word(chars[i - 1]);
        if at_word_start && is_guid(&rest) {
            out.push_str("<id>");
            i += 36;
            continue;
        }
        if at_word_start && chars[i].is_ascii_digit() {
            // A duration: digits (a fraction, a minute part) then a unit.
            let mut j = i;
            while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == '.') {
                j += 1;
            }
            let unit: String = chars[j..].iter().take(2).collect();
            let unit_len = if unit == "ms" {
                2
            } else if unit.starts_with('s') || unit.starts_with('m') || unit.starts_with('h') {
                1
            } else {
                0
            };
            let ends = chars.get(j + unit_len).is_none_or(|&c| !word(c));
            if unit_len > 0 && ends {
                out.push_str("<time>");
                i = j + unit_len;
                // `1m 02s`: one duration.
                let more: String = chars[i..].iter().take(4).collect();
                if more.len() >= 2
                    && more.starts_with(' ')
                    && more[1..].starts_with(|c: char| c.is_ascii_digit())
                {
                    let mut k = i + 1;
                    while k < chars.len() && chars[k].is_ascii_digit() {
                        k += 1;
                    }
                    if chars.get(k) == Some(&'s') && chars.get(k + 1).is_none_or(|&c| !word(c)) {
                        i = k + 1;
                    }
                }
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

fn is_guid(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() >= 36
        && bytes[..36].iter().enumerate().all(|(n, b)| {
            if [8, 13, 18, 23].contains(&n) {
                *b == b'-'
            } else {
                b.is_ascii_hexdigit()
            }
        })
        && bytes.get(36).is_none_or(|b| !b.is_ascii_alphanumeric())
}

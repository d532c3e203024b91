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
}

impl Ran {
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

    pub fn run(&self) -> Ran {
        let output = self.command().output().unwrap();
        Ran {
            code: output.status.code(),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    }
}

//! The release binary as the image ships it: built static (`cargo static`),
//! copied ALONE into an empty directory, and run there under `chroot`: no
//! libc, no /etc/ssl, no /tmp, no shell. Stands in for the `FROM scratch`
//! image. Needs root (or password-less sudo) for chroot.

use std::io::{BufRead, BufReader, Read};
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::support::{Run, TOKEN, declared_inputs, parse_outputs};
use mockito::{Matcher, Server};

/// Builds the static binary once per test run, the way README says, in the
/// target directory cargo uses (`CARGO_TARGET_DIR` when set), so that a
/// later `cargo static` or test run finds it built.
fn static_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .map(|dir| {
                if dir.is_absolute() {
                    dir
                } else {
                    root.join(dir)
                }
            })
            .unwrap_or_else(|| root.join("target"));
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut command = Command::new(cargo);
        command
            .arg("static")
            .current_dir(root)
            .env("CARGO_TARGET_DIR", &target);
        // What `cargo test` sets for this test (CARGO_PKG_NAME,
        // CARGO_MANIFEST_DIR, ...) is not the environment of a build by
        // hand; build scripts that watch those would build again each time.
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            if name.starts_with("CARGO_") && !matches!(&*name, "CARGO_HOME" | "CARGO_TARGET_DIR") {
                command.env_remove(&*name);
            }
        }
        let status = command.status().unwrap();
        assert!(status.success(), "cargo static failed");
        target.join("x86_64-unknown-linux-gnu/release/go-live")
    })
}

/// An empty directory holding only the binary and the runner's
/// file-command files (which the runner mounts into the container).
struct Jail {
    dir: tempfile::TempDir,
}

impl Jail {
    fn new() -> Jail {
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(static_binary(), dir.path().join("go-live")).unwrap();
        std::fs::create_dir(dir.path().join("file_commands")).unwrap();
        for file in ["output", "summary"] {
            std::fs::write(dir.path().join("file_commands").join(file), "").unwrap();
        }
        Jail { dir }
    }

    fn add(&self, name: &str, contents: &[u8]) {
        let path = self.dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }

    fn run(&self, inputs: &[(&str, &str)], env: &[(&str, &str)]) -> Run {
        let output = self.command(inputs, env).output().unwrap();
        self.collect(output)
    }

    /// The binary in the jail with the test's inputs and `env`, as the
    /// runner would start it.
    fn command(&self, inputs: &[(&str, &str)], env: &[(&str, &str)]) -> Command {
        let (program, first) = crate::support::as_root("chroot");
        let mut command = Command::new(program);
        command.args(first);
        command.arg(self.dir.path()).arg("/go-live").env_clear();
        command.env("PATH", std::env::var("PATH").unwrap_or_default());
        let mut all = declared_inputs();
        all.insert("token".into(), TOKEN.into());
        all.insert("publisher_id".into(), "contoso".into());
        all.insert("offer_id".into(), "contoso-vm".into());
        all.insert("poll_interval".into(), "20ms".into());
        for (name, value) in inputs {
            all.insert((*name).into(), (*value).into());
        }
        for (name, value) in all {
            command.env(format!("INPUT_{}", name.to_uppercase()), value);
        }
        command
            .env("GITHUB_OUTPUT", "/file_commands/output")
            .env("GITHUB_STEP_SUMMARY", "/file_commands/summary")
            .envs(env.iter().copied());
        command
    }

    /// What the runner would read after the binary exited with `output`.
    fn collect(&self, output: std::process::Output) -> Run {
        let outputs_raw =
            std::fs::read_to_string(self.dir.path().join("file_commands/output")).unwrap();
        let run = Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            outputs: parse_outputs(&outputs_raw).unwrap(),
            outputs_raw,
            summary: std::fs::read_to_string(self.dir.path().join("file_commands/summary"))
                .unwrap(),
        };
        run.assert_not_shown(TOKEN);
        run
    }
}

#[test]
fn the_binary_alone_goes_live_and_waits_over_http() {
    let mut server = Server::new();
    let post = server
        .mock("POST", "/api/publishers/contoso/offers/contoso-vm/golive")
        .match_query(Matcher::Any)
        .with_status(202)
        .with_header(
            "location",
            "/api/operations/contoso$contoso-vm$2$preview?api-version=2017-10-31",
        )
        .expect(1)
        .create();
    let get = server
        .mock("GET", "/api/operations/contoso$contoso-vm$2$preview")
        .match_query(Matcher::Any)
        .with_body(r#"{"status":"completed","steps":[{"stepName":"Live","status":"complete","progressPercentage":100}]}"#)
        .expect(1)
        .create();
    let jail = Jail::new();
    let entries: Vec<_> = std::fs::read_dir(jail.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        entries.len(),
        2,
        "the jail holds the binary and the file commands only: {entries:?}"
    );
    let run = jail.run(&[("api_url", &server.url()), ("wait", "true")], &[]);
    post.assert();
    get.assert();
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert_eq!(run.outputs["status"], "succeeded");
}

/// The command line in the same jail: nothing but the binary, no
/// `INPUT_*`, the token from the environment, the result as JSON.
#[test]
fn the_binary_alone_is_a_command_line() {
    let mut server = Server::new();
    let _list = crate::support::ready_offer(&mut server);
    let jail = Jail::new();
    let (program, first) = crate::support::as_root("chroot");
    let command_line = |args: &[&str]| {
        let mut command = Command::new(program);
        command
            .args(&first)
            .arg(jail.dir.path())
            .arg("/go-live")
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("GO_LIVE_TOKEN", TOKEN);
        command.output().unwrap()
    };
    let version = command_line(&["--version"]);
    assert!(version.status.success());
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("go-live "));
    let url = server.url();
    let check = command_line(&[
        "check",
        "--publisher",
        "contoso",
        "--offer",
        "contoso-vm",
        "--api-url",
        &url,
        "--json",
    ]);
    let stdout = String::from_utf8_lossy(&check.stdout);
    let stderr = String::from_utf8_lossy(&check.stderr);
    assert_eq!(check.status.code(), Some(0), "{stdout}{stderr}");
    let results: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(results["contoso-vm"]["status"], "ready", "{stdout}");
    assert!(!stdout.contains(TOKEN) && !stderr.contains(TOKEN));
}

/// A loopback HTTPS server whose certificate is signed by a test CA.
struct TlsServer {
    child: Child,
    port: u16,
    log: PathBuf,
    ca_pem: Vec<u8>,
    _dir: tempfile::TempDir,
}

impl TlsServer {
    fn start() -> TlsServer {
        let dir = tempfile::tempdir().unwrap();
        let path = |name: &str| dir.path().join(name);
        let openssl = |args: &[&str]| {
            let output = Command::new("openssl")
                .args(args)
                .current_dir(dir.path())
                .output()
                .unwrap();
            assert!(
                output.status.success(),
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        };
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=go-live test CA",
        ]);
        openssl(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ]);
        std::fs::write(
            path("ext.cnf"),
            "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
        )
        .unwrap();
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
        ]);
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/support/tls_server.py");
        let log = path("requests.log");
        std::fs::write(&log, "").unwrap();
        let mut child = Command::new("python3")
            .arg(script)
            .args([path("server.pem"), path("server.key"), log.clone()])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        TlsServer {
            child,
            port: line.trim().parse().unwrap(),
            log,
            ca_pem: std::fs::read(path("ca.pem")).unwrap(),
            _dir: dir,
        }
    }

    fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    fn requests(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_binary_alone_trusts_a_private_ca_only_through_ssl_cert_file() {
    let server = TlsServer::start();
    let jail = Jail::new();
    jail.add("ca.pem", &server.ca_pem);

    let refused = jail.run(&[("api_url", &server.url())], &[]);
    assert_eq!(
        refused.code,
        Some(1),
        "{}{}",
        refused.stdout,
        refused.stderr
    );
    assert!(!refused.stderr.contains("panicked"), "{}", refused.stderr);
    let error = refused.error();
    assert!(
        error.contains("cannot connect to https://127.0.0.1"),
        "{error}"
    );
    assert!(error.contains("certificate"), "{error}");
    assert!(error.contains("SSL_CERT_FILE"), "{error}");
    assert_eq!(
        server.requests(),
        Vec::<String>::new(),
        "a request went through an untrusted connection"
    );

    let trusted = jail.run(
        &[("api_url", &server.url()), ("wait", "true")],
        &[("SSL_CERT_FILE", "/ca.pem")],
    );
    assert_eq!(
        trusted.code,
        Some(0),
        "{}{}",
        trusted.stdout,
        trusted.stderr
    );
    assert_eq!(trusted.outputs["status"], "succeeded");
    // The offer's state (not served here), go-live, its status.
    let requests = server.requests();
    assert_eq!(
        requests[requests.len() - 2..],
        [
            "POST /api/publishers/contoso/offers/contoso-vm/golive?api-version=2017-10-31",
            "GET /api/operations/tls-op?api-version=2017-10-31"
        ],
        "{requests:?}"
    );
}

#[test]
fn an_unreadable_ssl_cert_file_is_named() {
    let jail = Jail::new();
    jail.add("not-a-cert.pem", b"hello");
    let run = jail.run(
        &[("api_url", "https://127.0.0.1:9")],
        &[("SSL_CERT_FILE", "/missing.pem")],
    );
    assert_eq!(run.code, Some(2));
    assert!(
        run.error()
            .contains("SSL_CERT_FILE names /missing.pem, which cannot be read"),
        "{}",
        run.stdout
    );
    let run = jail.run(
        &[("api_url", "https://127.0.0.1:9")],
        &[("SSL_CERT_FILE", "/not-a-cert.pem")],
    );
    assert_eq!(run.code, Some(2));
    assert!(
        run.error().contains("holds no PEM certificate"),
        "{}",
        run.stdout
    );
}

/// A name server that takes queries and never answers, at `address`
/// (port 53), named by the jail's `/etc/resolv.conf` with the longest
/// timeouts the resolver allows. Each test gives its own loopback address,
/// so that tests run as threads or as processes never share the port.
fn silent_name_server(jail: &Jail, address: &str) -> UdpSocket {
    let server = UdpSocket::bind((address, 53)).expect("port 53 (the test runs as root)");
    jail.add(
        "etc/resolv.conf",
        format!("nameserver {address}\noptions timeout:30 attempts:5\n").as_bytes(),
    );
    server
}

#[test]
fn a_host_name_that_never_resolves_does_not_hold_the_exit() {
    let jail = Jail::new();
    let _server = silent_name_server(&jail, "127.0.0.153");
    // Each of the three go-live attempts gives up on connecting at three
    // quarters of request_timeout; nothing may keep the process after that,
    // though the lookups are still blocked (the resolver would wait 150 s).
    let started = Instant::now();
    let run = jail.run(
        &[
            ("api_url", "https://api.never-resolves.test/"),
            ("request_timeout", "1s"),
        ],
        &[],
    );
    let elapsed = started.elapsed();
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    let error = run.error();
    assert!(
        error.contains("cannot connect to https://api.never-resolves.test/"),
        "{error}"
    );
    assert!(error.contains("nothing was started"), "{error}");
    assert_eq!(run.outputs["status"], "failed");
    assert!(
        elapsed < Duration::from_secs(10),
        "exited after {elapsed:?}"
    );
}

#[test]
fn a_signal_during_a_host_name_lookup_ends_the_run_at_once() {
    let jail = Jail::new();
    let _server = silent_name_server(&jail, "127.0.0.154");
    let mut child = jail
        .command(
            &[
                ("token", ""),
                ("tenant_id", "contoso.onmicrosoft.com"),
                ("client_id", "0b2c1f57"),
                ("client_secret", "the-client-secret"),
                ("authority_url", "https://login.never-resolves.test"),
                ("request_timeout", "60s"),
            ],
            &[],
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // chroot runs the binary in its own process.
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut seen = String::new();
    while !seen.contains("Reading the state of") {
        assert_ne!(stdout.read_line(&mut seen).unwrap(), 0, "{seen}");
    }
    let signaled = Instant::now();
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = stdout.read_to_string(&mut rest);
        done_tx.send((child.wait_with_output().unwrap(), rest))
    });
    let (output, rest) = done_rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the binary did not exit after SIGTERM");
    let elapsed = signaled.elapsed();
    let mut run = jail.collect(output);
    run.stdout = seen + &rest;
    assert_eq!(run.code, Some(143), "{}", run.stdout);
    assert!(
        run.error().contains(
            "stopped by SIGTERM before the go-live request was sent; go-live did not start"
        ),
        "{}",
        run.stdout
    );
    assert!(
        elapsed < Duration::from_secs(5),
        "exited {elapsed:?} after the signal"
    );
}

//! Test support: paths, ports, and the real servers the tests talk to (moto, MariaDB, sshd),
//! each started on a free loopback port and stopped on drop. A server that cannot start fails
//! the test with its log; nothing is skipped.
#![allow(dead_code)]

pub mod mariadb;
pub mod moto;
pub mod sshd;
pub mod stack;

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Where the testbed keeps venvs, run files and the shared stack.
pub fn testbed_dir() -> PathBuf {
    std::env::var_os("PIPEFORM_TESTBED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".testbed"))
}

/// A TCP port on 127.0.0.1 where nothing listened a moment ago. Only for endpoints that must
/// refuse connections (a dead endpoint, a host still booting): servers are started with
/// [`start_listening`], which checks that the port it waits for is held by its own process.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port on 127.0.0.1");
    listener
        .local_addr()
        .expect("local address of a bound socket")
        .port()
}

/// Waits until something accepts TCP connections on 127.0.0.1:`port`.
pub fn wait_for_port(port: u16, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(200))
            .is_ok()
        {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// How a server started on a port turned out.
#[derive(Debug)]
pub enum Listening {
    /// The server's own process listens on the port.
    Yes,
    /// The server exited (a port taken by someone else between [`free_port`] and the bind
    /// ends here): try again on a fresh port.
    Exited(std::process::ExitStatus),
    /// Neither within the timeout.
    TimedOut,
}

/// Waits until `child` itself listens on 127.0.0.1:`port`. Something else answering there
/// (another test's server that took the port first) does not count: the listening socket
/// must be one of `child`'s open files.
pub fn wait_for_own_port(child: &mut Child, port: u16, timeout: Duration) -> Listening {
    let deadline = Instant::now() + timeout;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Listening::Exited(status);
        }
        if pid_listens_on(child.id(), port) {
            return Listening::Yes;
        }
        if Instant::now() > deadline {
            return Listening::TimedOut;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Starts a server on a fresh free port with `spawn(port)` until its own process listens there
/// (up to 5 ports: a port can be taken between [`free_port`] and the server's bind, and the
/// server then exits). Panics with `describe(port)` (its log) when no attempt listens.
pub fn start_listening(
    what: &str,
    timeout: Duration,
    mut spawn: impl FnMut(u16) -> Child,
    describe: impl Fn(u16) -> String,
) -> (Child, u16) {
    let mut tried = Vec::new();
    for _ in 0..5 {
        let port = free_port();
        let mut child = spawn(port);
        match wait_for_own_port(&mut child, port, timeout) {
            Listening::Yes => return (child, port),
            Listening::Exited(status) => tried.push(format!(
                "port {port}: exited ({status}):\n{}",
                describe(port)
            )),
            Listening::TimedOut => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "{what} did not listen on 127.0.0.1:{port} within {timeout:?}; its log:\n{}",
                    describe(port)
                );
            }
        }
    }
    panic!(
        "{what} could not listen on any of 5 free ports:\n{}",
        tried.join("\n")
    );
}

/// True when process `pid` holds a socket listening on 127.0.0.1:`port` (or on any address).
pub fn pid_listens_on(pid: u32, port: u16) -> bool {
    let inodes = listening_inodes(port);
    if inodes.is_empty() {
        return false;
    }
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.flatten().any(|fd| {
        std::fs::read_link(fd.path()).is_ok_and(|target| {
            let target = target.to_string_lossy();
            target
                .strip_prefix("socket:[")
                .and_then(|t| t.strip_suffix(']'))
                .is_some_and(|inode| inodes.iter().any(|i| i == inode))
        })
    })
}

/// Inodes of the sockets in LISTEN state on `port` (IPv4 loopback or any address, and IPv6).
fn listening_inodes(port: u16) -> Vec<String> {
    let wanted = format!(":{port:04X}");
    let mut out = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let text = std::fs::read_to_string(table).unwrap_or_default();
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            // sl local rem st tx:rx tr:when retrnsmt uid timeout inode
            if f.len() > 9 && f[1].ends_with(&wanted) && f[3] == "0A" {
                out.push(f[9].to_string());
            }
        }
    }
    out
}

/// A stand-in for `terraform` (for `PIPEFORM_TERRAFORM`) that records each invocation's
/// arguments in a file and then runs the real one: a test reads [`TerraformSpy::calls`] to
/// prove that a command refused before running Terraform, instead of timing it.
pub struct TerraformSpy {
    dir: tempfile::TempDir,
}

impl TerraformSpy {
    /// Writes the stand-in.
    pub fn new() -> Self {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().expect("temp dir for the terraform spy");
        let script = dir.path().join("terraform");
        let log = dir.path().join("calls");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\necho \"$*\" >> '{}'\nexec terraform \"$@\"\n",
                log.display()
            ),
        )
        .expect("write the terraform spy");
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
            .expect("chmod the terraform spy");
        Self { dir }
    }

    /// The value for `PIPEFORM_TERRAFORM`.
    pub fn program(&self) -> PathBuf {
        self.dir.path().join("terraform")
    }

    /// The argument lines of every run so far.
    pub fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("calls"))
            .unwrap_or_default()
            .lines()
            .map(String::from)
            .collect()
    }
}

/// Waits, when the UTC day ends within `margin`, until the next day has begun: for a test that
/// runs a program twice without a `--date` it can give (each run takes its own "today") and
/// compares the two runs.
pub fn clear_of_utc_midnight(margin: Duration) {
    let now = chrono::Utc::now();
    let next = (now.date_naive() + chrono::Days::new(1))
        .and_hms_opt(0, 0, 1)
        .expect("a valid time")
        .and_utc();
    let left = (next - now).to_std().unwrap_or_default();
    if left < margin {
        std::thread::sleep(left);
    }
}

/// Makes `dir` a working directory of the example stack: `pipeform.toml` and the public key it
/// names (`keys/offsets.pub`), copied from `examples/`.
pub fn copy_example_config(dir: &Path) {
    let examples = repo_root().join("examples");
    std::fs::create_dir_all(dir.join("keys")).expect("mkdir keys");
    std::fs::copy(
        examples.join("keys/offsets.pub"),
        dir.join("keys/offsets.pub"),
    )
    .expect("copy key");
    std::fs::copy(examples.join("pipeform.toml"), dir.join("pipeform.toml")).expect("copy config");
}

/// The `pipeform` binary under test.
pub fn pipeform() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("pipeform").expect("pipeform binary is built");
    cmd.env("NO_COLOR", "1").env_remove("RUST_LOG");
    cmd
}

/// The path of the `pipeform-job` binary. It belongs to another workspace member, so Cargo gives
/// no `CARGO_BIN_EXE_` for it: it is found beside this test's own target directory, where
/// `cargo test` at the root (every default member) has built it.
pub fn job_bin() -> std::path::PathBuf {
    let path = assert_cmd::cargo::cargo_bin("pipeform-job");
    assert!(
        path.is_file(),
        "{} is missing: run `cargo test` at the workspace root (it builds pipeform-job too)",
        path.display()
    );
    path
}

/// The `pipeform-job` binary under test.
pub fn pipeform_job() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(job_bin());
    cmd.env_remove("RUST_LOG");
    cmd
}

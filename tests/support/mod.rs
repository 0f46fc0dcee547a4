//! Test support: paths, ports, and the real servers the tests talk to (moto, MariaDB, sshd),
//! each started on a free loopback port and stopped on drop. A server that cannot start fails
//! the test with its log; nothing is skipped.
#![allow(dead_code)]

pub mod mariadb;
pub mod moto;
pub mod sshd;
pub mod stack;

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
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

/// A TCP port that was free a moment ago on 127.0.0.1.
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

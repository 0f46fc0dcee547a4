//! A throwaway moto server for one test: a free loopback port, stopped on drop.
//!
//! ```ignore
//! let moto = support::moto::Moto::start();
//! let config = moto.sdk_config(&rt); // the test's own clients; the command under test gets moto.env()
//! moto.reset();          // clear all state (POST /moto-api/reset)
//! ```
//!
//! The server is `$PIPEFORM_MOTO_SERVER`, else `<testbed>/venv-moto/bin/moto_server`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Region the tests use.
pub const REGION: &str = "ap-northeast-2";

/// A running moto server.
pub struct Moto {
    child: Option<Child>,
    port: u16,
    log: tempfile::NamedTempFile,
}

impl Moto {
    /// Starts moto on a free port and waits (up to 30 s) until its own process listens there.
    pub fn start() -> Moto {
        let server = std::env::var_os("PIPEFORM_MOTO_SERVER")
            .map(PathBuf::from)
            .unwrap_or_else(|| super::testbed_dir().join("venv-moto/bin/moto_server"));
        assert!(
            server.exists(),
            "moto_server not found at {}; run scripts/install.sh or set PIPEFORM_MOTO_SERVER",
            server.display()
        );
        let log = tempfile::NamedTempFile::new().expect("temp file for the moto log");
        let (child, port) = super::start_listening(
            "moto_server",
            Duration::from_secs(30),
            |port| {
                Command::new(&server)
                    .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                    .stdin(Stdio::null())
                    .stdout(log.reopen().expect("moto log"))
                    .stderr(log.reopen().expect("moto log"))
                    .spawn()
                    .unwrap_or_else(|e| panic!("spawn {}: {e}", server.display()))
            },
            |_| std::fs::read_to_string(log.path()).unwrap_or_default(),
        );
        Moto {
            child: Some(child),
            port,
            log,
        }
    }

    /// An SDK config for the test's own clients: this moto, [`REGION`] and the dummy
    /// credentials given explicitly, so that nothing is read from (or set in) the environment
    /// the tests share.
    pub fn sdk_config(&self, rt: &tokio::runtime::Runtime) -> aws_config::SdkConfig {
        rt.block_on(
            aws_config::defaults(aws_config::BehaviorVersion::latest())
                .region(aws_config::Region::new(REGION))
                .endpoint_url(self.endpoint())
                .credentials_provider(aws_sdk_s3::config::Credentials::new(
                    "testing", "testing", None, None, "moto",
                ))
                .timeout_config(
                    aws_config::timeout::TimeoutConfig::builder()
                        .operation_timeout(Duration::from_secs(60))
                        .build(),
                )
                .load(),
        )
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Environment for an AWS client (SDK, Terraform, the binaries) talking to this moto.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_REGION", REGION.into()),
            ("AWS_DEFAULT_REGION", REGION.into()),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ]
    }

    /// Clears all of moto's state.
    pub fn reset(&self) {
        let (status, body) = self.http("POST", "/moto-api/reset");
        assert!(status < 300, "moto reset answered {status}: {body}");
    }

    /// A plain HTTP request to moto (no signing: moto does not check signatures).
    /// Returns (status, body).
    pub fn http(&self, method: &str, path: &str) -> (u16, String) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to moto");
        s.set_read_timeout(Some(Duration::from_secs(30)))
            .expect("read timeout");
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.port
        )
        .expect("write to moto");
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).expect("read from moto");
        let text = String::from_utf8_lossy(&raw).into_owned();
        let status = text
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let body = text
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default();
        (status, body)
    }

    /// Freezes the server (SIGSTOP): connections are accepted by the kernel but never
    /// answered, like an endpoint that hangs mid-upload. State is kept.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Resumes a paused server (SIGCONT).
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, sig: &str) {
        if let Some(child) = &self.child {
            let ok = Command::new("kill")
                .args([sig, &child.id().to_string()])
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            assert!(ok, "kill {sig} moto ({})", child.id());
        }
    }

    /// What moto printed.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    /// Stops the server (also done on drop).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // A paused process would not act on SIGTERM until continued.
            let _ = Command::new("kill")
                .args(["-CONT", &child.id().to_string()])
                .status();
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.stop();
    }
}

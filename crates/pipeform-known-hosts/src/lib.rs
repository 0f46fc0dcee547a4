//! Host key verification against an OpenSSH known_hosts file, before anything is sent.
//!
//! libssh2 negotiates one host key algorithm per handshake, and `KnownHosts::check_port`
//! reports `Mismatch` (not `NotFound`) when the file holds a *different type* of key for the
//! host. So a mismatch on the first handshake is only final once every other algorithm the
//! server offers has also been tried; and accepting a new host records every type it offers, so
//! the next connection matches whatever libssh2 picks.

use std::io::Write as _;
use std::os::unix::fs::DirBuilderExt as _;
use std::path::{Path, PathBuf};

use ssh2::{CheckResult, HostKeyType, KnownHostFileKind, KnownHostKeyFormat, Session};

/// Host key algorithms tried one at a time, as `method_pref` strings.
pub const ALGORITHMS: &[&str] = &[
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "rsa-sha2-512,rsa-sha2-256,ssh-rsa",
];

/// The outcome of checking one presented host key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The file holds this key for this host.
    Match,
    /// The file holds no key for this host.
    NotFound,
    /// The file holds another key (of this or another type) for this host.
    Mismatch,
}

/// A host key the server presented.
#[derive(Debug, Clone)]
pub struct HostKey {
    /// Raw key blob.
    pub blob: Vec<u8>,
    /// Its type.
    pub kind: HostKeyType,
}

impl HostKey {
    /// The key the session negotiated.
    pub fn of(session: &Session) -> Option<Self> {
        session.host_key().map(|(blob, kind)| Self {
            blob: blob.to_vec(),
            kind,
        })
    }

    /// The OpenSSH name of the key type.
    pub fn type_name(&self) -> &'static str {
        type_name(self.kind)
    }

    /// `SHA256:...` fingerprint, as `ssh-keygen -l` prints it.
    pub fn fingerprint(&self) -> String {
        use sha2::Digest as _;
        let digest = sha2::Sha256::digest(&self.blob);
        format!("SHA256:{}", base64_nopad(&digest))
    }
}

/// The OpenSSH name of a host key type.
pub fn type_name(kind: HostKeyType) -> &'static str {
    match kind {
        HostKeyType::Rsa => "ssh-rsa",
        HostKeyType::Dss => "ssh-dss",
        HostKeyType::Ecdsa256 => "ecdsa-sha2-nistp256",
        HostKeyType::Ecdsa384 => "ecdsa-sha2-nistp384",
        HostKeyType::Ecdsa521 => "ecdsa-sha2-nistp521",
        HostKeyType::Ed25519 => "ssh-ed25519",
        HostKeyType::Unknown => "unknown",
    }
}

/// The algorithm preference string that selects keys of `kind`.
pub fn algorithm_of(kind: HostKeyType) -> Option<&'static str> {
    let name = type_name(kind);
    ALGORITHMS
        .iter()
        .copied()
        .find(|a| a.split(',').any(|x| x == name))
}

/// The known_hosts file, as read when the deploy started.
pub struct KnownHostsFile {
    path: PathBuf,
    text: String,
}

/// A known_hosts file that cannot be read or written.
#[derive(Debug, thiserror::Error)]
#[error("known_hosts file {path}: {reason}")]
pub struct KnownHostsError {
    /// The file.
    pub path: PathBuf,
    /// What went wrong.
    pub reason: String,
}

impl KnownHostsFile {
    /// Reads the file; a missing file is an empty one (it is created when a key is recorded).
    pub fn load(path: &Path) -> Result<Self, KnownHostsError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => {
                return Err(KnownHostsError {
                    path: path.to_path_buf(),
                    reason: e.to_string(),
                })
            }
        };
        Ok(Self {
            path: path.to_path_buf(),
            text,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Checks the key `session` negotiated for `host`:`port`.
    pub fn check(
        &self,
        session: &Session,
        host: &str,
        port: u16,
        key: &HostKey,
    ) -> Result<Verdict, KnownHostsError> {
        let mut kh = session.known_hosts().map_err(|e| self.err(e))?;
        // libssh2 reads one line per call and ignores the rest of the text, so the file goes
        // in line by line, split at '\n' only, as libssh2's own file reader splits it. A line
        // it cannot read may be this host's: that fails the check.
        for (i, line) in self.text.split('\n').enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            kh.read_str(line, KnownHostFileKind::OpenSSH)
                .map_err(|e| KnownHostsError {
                    path: self.path.clone(),
                    reason: format!(
                        "line {}: {}; fix or remove that line, or pass --known-hosts with another file",
                        i + 1,
                        e.message()
                    ),
                })?;
        }
        Ok(match kh.check_port(host, port, &key.blob) {
            CheckResult::Match => Verdict::Match,
            CheckResult::NotFound => Verdict::NotFound,
            // A malformed entry or a failure inside libssh2 must not let a host through.
            CheckResult::Mismatch | CheckResult::Failure => Verdict::Mismatch,
        })
    }

    /// Appends one line per key for `host`:`port` (existing lines are never rewritten).
    pub fn record(
        &mut self,
        session: &Session,
        host: &str,
        port: u16,
        keys: &[HostKey],
    ) -> Result<(), KnownHostsError> {
        let name = host_pattern(host, port);
        let mut lines = String::new();
        for key in keys {
            let mut kh = session.known_hosts().map_err(|e| self.err(e))?;
            kh.add(&name, &key.blob, "", KnownHostKeyFormat::from(key.kind))
                .map_err(|e| self.err(e))?;
            let hosts = kh.hosts().map_err(|e| self.err(e))?;
            for h in &hosts {
                let line = kh
                    .write_string(h, KnownHostFileKind::OpenSSH)
                    .map_err(|e| self.err(e))?;
                lines.push_str(line.trim_end());
                lines.push('\n');
            }
        }
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            // Like ssh: a new ~/.ssh is private.
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(|e| self.io(e))?;
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| self.io(e))?;
        let sep = if self.text.is_empty() || self.text.ends_with('\n') {
            ""
        } else {
            "\n"
        };
        file.write_all(format!("{sep}{lines}").as_bytes())
            .map_err(|e| self.io(e))?;
        self.text.push_str(sep);
        self.text.push_str(&lines);
        Ok(())
    }

    fn err(&self, e: ssh2::Error) -> KnownHostsError {
        KnownHostsError {
            path: self.path.clone(),
            reason: e.message().to_string(),
        }
    }

    fn io(&self, e: std::io::Error) -> KnownHostsError {
        KnownHostsError {
            path: self.path.clone(),
            reason: e.to_string(),
        }
    }
}

/// How OpenSSH names a host in known_hosts: bare on port 22, `[host]:port` otherwise.
pub fn host_pattern(host: &str, port: u16) -> String {
    if port == 22 {
        host.to_string()
    } else {
        format!("[{host}]:{port}")
    }
}

fn base64_nopad(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(ABC[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 33] = [7; 33];
    const OTHER: [u8; 33] = [9; 33];

    fn line(host: &str, blob: &[u8]) -> String {
        format!("{host} ssh-ed25519 {}\n", base64_nopad(blob))
    }

    fn ed25519(blob: &[u8]) -> HostKey {
        HostKey {
            blob: blob.to_vec(),
            kind: HostKeyType::Ed25519,
        }
    }

    /// Found by the `known_hosts` fuzz target (record, then check): libssh2 reads one line
    /// per call and ignored the rest of the text, so only the file's first line was checked;
    /// a host on a later line was `NotFound`, and so was a changed key recorded there.
    #[test]
    fn every_line_of_the_file_is_checked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("known_hosts");
        let text = format!(
            "# a comment\n\n{}{}",
            line("10.0.0.9", &OTHER),
            line("10.0.0.7", &KEY)
        );
        std::fs::write(&path, text).expect("write");
        let file = KnownHostsFile::load(&path).expect("load");
        let session = Session::new().expect("session");
        let check = |host, blob: &[u8]| {
            file.check(&session, host, 22, &ed25519(blob))
                .expect("check")
        };
        assert_eq!(check("10.0.0.7", &KEY), Verdict::Match);
        assert_eq!(check("10.0.0.7", &OTHER), Verdict::Mismatch);
        assert_eq!(check("10.0.0.8", &KEY), Verdict::NotFound);
    }

    /// Found by the `known_hosts` fuzz target: split with `str::lines`, a last line ending in a
    /// lone `\r` read differently once a record appended `\n` after it (`\r\n` is stripped).
    #[test]
    fn a_record_after_a_last_line_ending_in_cr_is_found() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("known_hosts");
        let text = "aGxwdHh7123456D89:;<=>?@AR AAECFRUYXGB|38QV0VE8wmZBL7suNrYQLIT\r\rAR \r";
        std::fs::write(&path, text).expect("write");
        let session = Session::new().expect("session");
        let mut file = KnownHostsFile::load(&path).expect("load");
        let key = HostKey {
            blob: b"()*+,-./0()*+,-./0()+*,0.10 QoBk".to_vec(),
            kind: HostKeyType::Ecdsa256,
        };
        assert_eq!(
            file.check(&session, "10.0.0.7", 22, &key)
                .expect("readable"),
            Verdict::NotFound
        );
        file.record(&session, "10.0.0.7", 22, std::slice::from_ref(&key))
            .expect("record");
        let again = KnownHostsFile::load(&path).expect("load");
        assert_eq!(
            again
                .check(&session, "10.0.0.7", 22, &key)
                .expect("readable"),
            Verdict::Match
        );
    }

    /// A line libssh2 cannot read may be this host's: the check fails and names it.
    #[test]
    fn an_unreadable_line_fails_the_check_naming_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("known_hosts");
        std::fs::write(&path, format!("{}garbage\n", line("10.0.0.9", &OTHER))).expect("write");
        let file = KnownHostsFile::load(&path).expect("load");
        let session = Session::new().expect("session");
        let e = file
            .check(&session, "10.0.0.7", 22, &ed25519(&KEY))
            .expect_err("unreadable line");
        assert!(e.reason.contains("line 2"), "{e}");
    }

    #[test]
    fn patterns_and_fingerprint_encoding() {
        assert_eq!(host_pattern("10.0.0.1", 22), "10.0.0.1");
        assert_eq!(host_pattern("127.0.0.1", 2222), "[127.0.0.1]:2222");
        assert_eq!(base64_nopad(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64_nopad(b"fooba"), "Zm9vYmE");
        assert_eq!(base64_nopad(b"foob"), "Zm9vYg");
        assert_eq!(algorithm_of(HostKeyType::Rsa), Some(ALGORITHMS[4]));
        assert_eq!(algorithm_of(HostKeyType::Ed25519), Some("ssh-ed25519"));
    }
}

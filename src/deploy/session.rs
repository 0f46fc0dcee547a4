//! One SSH session to the app host, reused for every step: connect with retries inside a
//! deadline, verify the host key before anything is sent, authenticate with a key, and run
//! commands on exec channels (optionally streaming a file into their stdin).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ssh2::{Channel, MethodType, Session};

/// libssh2's "would block" code, returned by calls on a non-blocking session.
const LIBSSH2_ERROR_EAGAIN: i32 = -37;

use super::console_keys::{self, ConsoleFingerprint};
use super::known_hosts::{self, HostKey, KnownHostsError, KnownHostsFile, Verdict};

/// Size of each write into a channel: large writes are what make the upload fast
/// (8 KiB writes are 3x slower on loopback).
pub const CHUNK: usize = 1 << 20;

/// Cipher preference, fastest first.
const CIPHERS: &str = "aes128-gcm@openssh.com,aes256-gcm@openssh.com,aes128-ctr,aes256-ctr,chacha20-poly1305@openssh.com";

/// Where and as whom to log in.
#[derive(Debug, Clone)]
pub struct Target {
    /// Host name or address.
    pub host: String,
    /// SSH port.
    pub port: u16,
    /// Login user.
    pub user: String,
}

/// How to log in and whom to trust.
#[derive(Debug, Clone)]
pub struct Login {
    /// Private key file (ed25519, RSA or ECDSA; OpenSSH, PEM or PKCS#8).
    pub identity: PathBuf,
    /// Its passphrase, if it has one.
    pub passphrase: Option<String>,
    /// The known_hosts file.
    pub known_hosts: PathBuf,
    /// Record the keys of a host not in known_hosts instead of refusing it.
    pub accept_new_host_key: bool,
    /// Fingerprints from the instance's console (`--host-key-from-console`): a host not in
    /// known_hosts is trusted, and its keys recorded, only when its key is among them.
    pub console: Option<Vec<ConsoleFingerprint>>,
    /// How long to keep retrying the connection (a fresh instance boots slowly).
    pub connect_timeout: Duration,
}

/// What went wrong talking SSH.
#[derive(Debug, thiserror::Error)]
pub enum SshError {
    /// No connection within the deadline.
    #[error("cannot connect to {target} within {waited:?}: {reason}; check the host, the port and that the security group admits this machine")]
    Connect {
        /// `user@host:port`.
        target: String,
        /// How long was spent retrying.
        waited: Duration,
        /// The last error.
        reason: String,
    },
    /// The host is not in known_hosts.
    #[error("host key of {host} ({key_type} {fingerprint}) is not in {known_hosts}; nothing was sent. If this is the host you expect, run again with --accept-new-host-key to record it")]
    UnknownHost {
        /// known_hosts host pattern.
        host: String,
        /// Key type presented.
        key_type: String,
        /// Its fingerprint.
        fingerprint: String,
        /// The file.
        known_hosts: String,
    },
    /// The host presented a key its console output does not vouch for.
    #[error("host key of {host} ({key_type} {fingerprint}) is not among the fingerprints in the instance's console output ({printed}); nothing was sent. Someone may be intercepting the connection, or the host is not the instance you meant")]
    NotOnConsole {
        /// known_hosts host pattern.
        host: String,
        /// Key type presented.
        key_type: String,
        /// Its fingerprint.
        fingerprint: String,
        /// What the console printed.
        printed: String,
    },
    /// The host presented a key other than the one recorded.
    #[error("HOST KEY CHANGED for {host}: it presented {key_type} {fingerprint}, which does not match {known_hosts}; nothing was sent or changed on the host. If the instance was replaced on purpose, remove its line with `ssh-keygen -R '{host}' -f {known_hosts}` and run again with --accept-new-host-key; otherwise someone may be intercepting the connection")]
    HostKeyChanged {
        /// known_hosts host pattern.
        host: String,
        /// Key type presented.
        key_type: String,
        /// Its fingerprint.
        fingerprint: String,
        /// The file.
        known_hosts: String,
    },
    /// Reading or writing known_hosts failed.
    #[error(transparent)]
    KnownHosts(#[from] KnownHostsError),
    /// The private key file is missing or unreadable.
    #[error("identity {path}: {reason}; pass --identity KEY or set app.public_key_path")]
    Identity {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The private key is encrypted and there is neither a passphrase nor an agent.
    #[error("identity {path} is protected by a passphrase and PIPEFORM_SSH_PASSPHRASE is not set; set it to the key's passphrase, or load the key into ssh-agent (ssh-add) and set SSH_AUTH_SOCK. Nothing was sent")]
    Passphrase {
        /// The file.
        path: PathBuf,
    },
    /// The server refused the key.
    #[error("authentication as {user} with {identity} failed: {reason}; check that its public key is in the user's authorized_keys (and PIPEFORM_SSH_PASSPHRASE if the key has one)")]
    Auth {
        /// Login user.
        user: String,
        /// Key file.
        identity: PathBuf,
        /// libssh2's message.
        reason: String,
    },
    /// A channel failed (the connection dropped, or the server refused the request).
    #[error("{what}: {reason}")]
    Channel {
        /// The step.
        what: String,
        /// Why.
        reason: String,
    },
}

/// What a remote command printed and how it ended.
#[derive(Debug, Clone)]
pub struct ExecOutput {
    /// Exit status.
    pub status: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// An authenticated session.
pub struct Remote {
    session: Session,
    /// A second handle on the session's socket, for [`Remote::open_channel`].
    socket: TcpStream,
    target: Target,
    /// Host key types recorded into known_hosts by this connection (with --accept-new-host-key).
    pub recorded: Vec<String>,
    /// The verified host key's fingerprint.
    pub fingerprint: String,
}

impl Remote {
    /// Connects, verifies the host key, and logs in. Nothing is sent to the host's shell
    /// before the host key has been verified.
    pub fn connect(target: &Target, login: &Login) -> Result<Self, SshError> {
        // Fail on a missing key, or an encrypted one without its passphrase, before touching
        // the network: the fix is local. A running agent may still hold the key.
        let agent = std::env::var_os("SSH_AUTH_SOCK").is_some();
        match std::fs::read(&login.identity) {
            Err(e) if agent => tracing::debug!(
                "{}: {e}; trying the SSH agent only",
                login.identity.display()
            ),
            Err(e) => {
                return Err(SshError::Identity {
                    path: login.identity.clone(),
                    reason: e.to_string(),
                })
            }
            Ok(key) if login.passphrase.is_none() && !agent && is_encrypted(&key) => {
                return Err(SshError::Passphrase {
                    path: login.identity.clone(),
                })
            }
            Ok(_) => {}
        }
        let mut known = KnownHostsFile::load(&login.known_hosts)?;
        let start = Instant::now();
        let deadline = start + login.connect_timeout;
        let conn = handshake_with_retries(target, None, deadline, start)?;
        let key = host_key(&conn.session, target)?;
        let pattern = known_hosts::host_pattern(&target.host, target.port);
        let mut recorded = Vec::new();
        let (conn, key) = match known.check(&conn.session, &target.host, target.port, &key)? {
            Verdict::Match => (conn, key),
            Verdict::NotFound if login.console.is_some() => {
                let printed = login.console.as_deref().unwrap_or_default();
                if !console_keys::vouches_for(printed, &key.fingerprint()) {
                    return Err(SshError::NotOnConsole {
                        host: pattern,
                        key_type: key.type_name().into(),
                        fingerprint: key.fingerprint(),
                        printed: printed
                            .iter()
                            .map(|p| format!("{} {}", p.key_type, p.fingerprint))
                            .collect::<Vec<_>>()
                            .join(", "),
                    });
                }
                // Every other key type the server offers, if the console vouches for it too.
                let mut keys = vec![key.clone()];
                for alg in known_hosts::ALGORITHMS {
                    if keys
                        .iter()
                        .any(|k| known_hosts::algorithm_of(k.kind) == Some(alg))
                    {
                        continue;
                    }
                    if let Ok(c) = handshake(target, Some(alg), login.connect_timeout) {
                        if let Ok(k) = host_key(&c.session, target) {
                            if console_keys::vouches_for(printed, &k.fingerprint()) {
                                keys.push(k);
                            }
                        }
                    }
                }
                known.record(&conn.session, &target.host, target.port, &keys)?;
                recorded = keys.iter().map(|k| k.type_name().to_string()).collect();
                (conn, key)
            }
            Verdict::NotFound if login.accept_new_host_key => {
                let mut keys = vec![key.clone()];
                for alg in known_hosts::ALGORITHMS {
                    if keys
                        .iter()
                        .any(|k| known_hosts::algorithm_of(k.kind) == Some(alg))
                    {
                        continue;
                    }
                    if let Ok(c) = handshake(target, Some(alg), login.connect_timeout) {
                        if let Ok(k) = host_key(&c.session, target) {
                            keys.push(k);
                        }
                    }
                }
                known.record(&conn.session, &target.host, target.port, &keys)?;
                recorded = keys.iter().map(|k| k.type_name().to_string()).collect();
                (conn, key)
            }
            // Pinned by `unknown_host_is_refused_and_nothing_is_written` (tests/deploy.rs).
            Verdict::NotFound => {
                return Err(SshError::UnknownHost {
                    host: pattern,
                    key_type: key.type_name().into(),
                    fingerprint: key.fingerprint(),
                    known_hosts: known.path().display().to_string(),
                })
            }
            // Pinned by `changed_host_key_is_refused_even_with_accept_new_and_nothing_is_written`
            // (tests/deploy.rs).
            Verdict::Mismatch => {
                // The file may hold another *type* of key for this host: ask the server for
                // each other type and accept only an exact match.
                let mut found = None;
                for alg in known_hosts::ALGORITHMS {
                    if known_hosts::algorithm_of(key.kind) == Some(alg) {
                        continue;
                    }
                    let Ok(c) = handshake(target, Some(alg), login.connect_timeout) else {
                        continue;
                    };
                    let Ok(k) = host_key(&c.session, target) else {
                        continue;
                    };
                    if known.check(&c.session, &target.host, target.port, &k)? == Verdict::Match {
                        found = Some((c, k));
                        break;
                    }
                }
                match found {
                    Some(pair) => pair,
                    None => {
                        return Err(SshError::HostKeyChanged {
                            host: pattern,
                            key_type: key.type_name().into(),
                            fingerprint: key.fingerprint(),
                            known_hosts: known.path().display().to_string(),
                        })
                    }
                }
            }
        };
        let Handshaken { session, socket } = conn;
        tracing::debug!(
            "kex {:?}, cipher {:?}, mac {:?}",
            session.methods(MethodType::Kex),
            session.methods(MethodType::CryptCs),
            session.methods(MethodType::MacCs)
        );
        authenticate(&session, target, login)?;
        // Long uploads must not trip a per-call timeout; a dead peer still errors out.
        session.set_timeout(120_000);
        session.set_keepalive(true, 15);
        Ok(Self {
            session,
            socket,
            target: target.clone(),
            recorded,
            fingerprint: key.fingerprint(),
        })
    }

    /// Opens a session channel without the delayed-ACK stall that a blocking open hits.
    ///
    /// Right after authentication OpenSSH sends a burst of small packets, and the channel's
    /// confirmation is held back by the server's Nagle algorithm until the burst is ACKed,
    /// which Linux delays (we have just sent, so it expects to piggyback the ACK). So: send the
    /// open request without blocking, then switch this socket to quick ACKs and wait for the
    /// answer. What it saves is measured in docs/benchmarks.md ("deploy").
    fn open_channel(&self) -> Result<Channel, String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        self.session.set_blocking(false);
        let opened = loop {
            match self.session.channel_session() {
                Ok(c) => break Ok(c),
                Err(e) if e.code() == ssh2::ErrorCode::Session(LIBSSH2_ERROR_EAGAIN) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        break Err("no answer to the channel request within 60 s".to_string());
                    }
                    if let Err(e) = self.wait_readable(left) {
                        break Err(e.to_string());
                    }
                }
                Err(e) => break Err(e.to_string()),
            }
        };
        self.session.set_blocking(true);
        opened
    }

    /// Quick ACKs on, then waits until the socket has data (or `left` passes). libssh2 keeps
    /// the socket non-blocking; it is made blocking only for this wait.
    fn wait_readable(&self, left: Duration) -> std::io::Result<()> {
        let _ = socket2::SockRef::from(&self.socket).set_tcp_quickack(true);
        self.socket.set_nonblocking(false)?;
        self.socket
            .set_read_timeout(Some(left.max(Duration::from_millis(1))))?;
        let peeked = self.socket.peek(&mut [0u8; 1]);
        self.socket.set_nonblocking(true)?;
        match peeked {
            Ok(_) => Ok(()),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// `user@host:port`, for messages.
    pub fn describe(&self) -> String {
        describe(&self.target)
    }

    /// Runs `command` through the login shell; `stdin`, if given, is streamed in `CHUNK` writes
    /// and closed. Returns what the command printed and its exit status.
    pub fn exec(
        &self,
        what: &str,
        command: &str,
        stdin: Option<&mut dyn Read>,
    ) -> Result<ExecOutput, SshError> {
        let fail = |e: &dyn std::fmt::Display| SshError::Channel {
            what: format!("{what} on {}", self.describe()),
            reason: e.to_string(),
        };
        let mut channel = self.open_channel().map_err(|e| fail(&e))?;
        channel.exec(command).map_err(|e| fail(&e))?;
        if let Some(input) = stdin {
            let mut buf = vec![0u8; CHUNK];
            loop {
                let n = input.read(&mut buf).map_err(|e| fail(&e))?;
                if n == 0 {
                    break;
                }
                channel.write_all(&buf[..n]).map_err(|e| fail(&e))?;
            }
            channel.flush().map_err(|e| fail(&e))?;
        }
        channel.send_eof().map_err(|e| fail(&e))?;
        let mut stdout = String::new();
        channel.read_to_string(&mut stdout).map_err(|e| fail(&e))?;
        let mut stderr = String::new();
        channel
            .stderr()
            .read_to_string(&mut stderr)
            .map_err(|e| fail(&e))?;
        channel.wait_close().map_err(|e| fail(&e))?;
        let status = channel.exit_status().map_err(|e| fail(&e))?;
        Ok(ExecOutput {
            status,
            stdout,
            stderr,
        })
    }
}

impl Remote {
    /// Runs `command`, writes `first` into its stdin, reads its output up to the first line
    /// starting with `gate`, and asks `upload` (given everything printed up to and including
    /// that line) for the data to stream into its stdin next, if any. One channel and one
    /// round trip whether or not anything is sent.
    pub fn exec_gated(
        &self,
        what: &str,
        command: &str,
        first: &[u8],
        gate: &str,
        upload: impl FnOnce(&str) -> Option<Box<dyn Read>>,
    ) -> Result<ExecOutput, SshError> {
        let fail = |e: &dyn std::fmt::Display| SshError::Channel {
            what: format!("{what} on {}", self.describe()),
            reason: e.to_string(),
        };
        let mut channel = self.open_channel().map_err(|e| fail(&e))?;
        channel.exec(command).map_err(|e| fail(&e))?;
        channel.write_all(first).map_err(|e| fail(&e))?;
        channel.flush().map_err(|e| fail(&e))?;
        let started = std::time::Instant::now();
        let mut head = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        let gate_line = loop {
            let text = String::from_utf8_lossy(&head);
            let mut upto = 0;
            let mut found = false;
            for line in text.split_inclusive('\n') {
                upto += line.len();
                if line.starts_with(gate) && line.ends_with('\n') {
                    found = true;
                    break;
                }
            }
            if found {
                break Some(text[..upto].to_string());
            }
            let n = channel.read(&mut buf).map_err(|e| fail(&e))?;
            if n == 0 {
                break None;
            }
            head.extend_from_slice(&buf[..n]);
        };
        tracing::debug!("{what}: {gate_line:?} after {:?}", started.elapsed());
        // A write can fail because the script stopped reading and exited (a prefix it cannot
        // create): then its exit status and stderr say why, not the broken write.
        let mut write_failed = None;
        if let Some(mut input) = gate_line.as_deref().and_then(upload) {
            let mut chunk = vec![0u8; CHUNK];
            loop {
                let n = input.read(&mut chunk).map_err(|e| fail(&e))?;
                if n == 0 {
                    break;
                }
                if let Err(e) = channel.write_all(&chunk[..n]) {
                    write_failed = Some(e);
                    break;
                }
            }
            if write_failed.is_none() {
                if let Err(e) = channel.flush() {
                    write_failed = Some(e);
                }
            }
        }
        let eof = channel.send_eof();
        tracing::debug!("{what}: stdin closed after {:?}", started.elapsed());
        channel.read_to_end(&mut head).map_err(|e| fail(&e))?;
        let mut stderr = String::new();
        channel
            .stderr()
            .read_to_string(&mut stderr)
            .map_err(|e| fail(&e))?;
        channel.wait_close().map_err(|e| fail(&e))?;
        let status = channel.exit_status().map_err(|e| fail(&e))?;
        tracing::debug!("{what}: closed after {:?}", started.elapsed());
        if status == 0 {
            if let Some(e) = write_failed {
                return Err(fail(&e));
            }
            eof.map_err(|e| fail(&e))?;
        }
        Ok(ExecOutput {
            status,
            stdout: String::from_utf8_lossy(&head).into_owned(),
            stderr,
        })
    }
}

fn describe(t: &Target) -> String {
    format!("{}@{}:{}", t.user, t.host, t.port)
}

fn addr(target: &Target) -> Result<SocketAddr, String> {
    (target.host.as_str(), target.port)
        .to_socket_addrs()
        .map_err(|e| e.to_string())?
        .next()
        .ok_or_else(|| format!("{} resolves to no address", target.host))
}

/// A handshaken session and a second handle on its socket.
struct Handshaken {
    session: Session,
    socket: TcpStream,
}

/// One TCP connection and SSH handshake, optionally pinned to host key algorithms.
fn handshake(target: &Target, pref: Option<&str>, timeout: Duration) -> Result<Handshaken, String> {
    let addr = addr(target)?;
    let tcp = TcpStream::connect_timeout(
        &addr,
        timeout.clamp(Duration::from_secs(1), Duration::from_secs(10)),
    )
    .map_err(|e| e.to_string())?;
    let _ = tcp.set_nodelay(true);
    let mut session = Session::new().map_err(|e| e.to_string())?;
    session.set_timeout(15_000);
    // libssh2 prefers chacha20-poly1305, which it implements in portable C: the upload runs
    // ~5x faster with AES-GCM through OpenSSL (AES-NI). Keep chacha as the last resort.
    for dir in [MethodType::CryptCs, MethodType::CryptSc] {
        let _ = session.method_pref(dir, CIPHERS);
    }
    if let Some(p) = pref {
        session
            .method_pref(MethodType::HostKey, p)
            .map_err(|e| e.to_string())?;
    }
    let socket = tcp.try_clone().map_err(|e| e.to_string())?;
    session.set_tcp_stream(tcp);
    session.handshake().map_err(|e| e.to_string())?;
    Ok(Handshaken { session, socket })
}

/// Retries connection and handshake with backoff until `deadline`: a fresh instance refuses
/// connections, or drops them mid-handshake, while it boots. No pause runs past the deadline
/// and the last attempt is made at it, so a host that comes up late in the window is reached.
fn handshake_with_retries(
    target: &Target,
    pref: Option<&str>,
    deadline: Instant,
    start: Instant,
) -> Result<Handshaken, SshError> {
    let mut delay = Duration::from_millis(250);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match handshake(target, pref, left) {
            Ok(s) => return Ok(s),
            Err(reason) => {
                let now = Instant::now();
                let left = deadline.saturating_duration_since(now);
                if left.is_zero() {
                    return Err(SshError::Connect {
                        target: describe(target),
                        waited: now.duration_since(start),
                        reason,
                    });
                }
                let pause = delay.min(left);
                tracing::debug!(
                    "connect to {} failed ({reason}); retrying in {pause:?}",
                    describe(target)
                );
                std::thread::sleep(pause);
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
}

fn host_key(session: &Session, target: &Target) -> Result<HostKey, SshError> {
    HostKey::of(session).ok_or_else(|| SshError::Channel {
        what: format!("handshake with {}", describe(target)),
        reason: "the server presented no host key".into(),
    })
}

fn authenticate(session: &Session, target: &Target, login: &Login) -> Result<(), SshError> {
    let by_key = if login.identity.exists() {
        session.userauth_pubkey_file(
            &target.user,
            None,
            Path::new(&login.identity),
            login.passphrase.as_deref(),
        )
    } else {
        Err(ssh2::Error::new(
            ssh2::ErrorCode::Session(-16),
            "the identity file does not exist and the agent has no key the server accepts",
        ))
    };
    if by_key.is_ok() && session.authenticated() {
        return Ok(());
    }
    // The key may live only in an agent (a passphrase-protected key loaded with ssh-add).
    if std::env::var_os("SSH_AUTH_SOCK").is_some()
        && session.userauth_agent(&target.user).is_ok()
        && session.authenticated()
    {
        return Ok(());
    }
    let reason = match by_key {
        Err(e) if e.message().contains("Unsupported private key format") => {
            "the key could not be decrypted or parsed (wrong or missing PIPEFORM_SSH_PASSPHRASE?)"
                .to_string()
        }
        Err(e) => e.message().to_string(),
        Ok(()) => "the server did not accept the key".to_string(),
    };
    Err(SshError::Auth {
        user: target.user.clone(),
        identity: login.identity.clone(),
        reason,
    })
}

/// True when a private key file is protected by a passphrase: PKCS#8 `ENCRYPTED PRIVATE KEY`,
/// a PEM `Proc-Type: 4,ENCRYPTED` header, or an OpenSSH key whose cipher is not `none`.
fn is_encrypted(key: &[u8]) -> bool {
    let text = String::from_utf8_lossy(key);
    if text.contains("BEGIN ENCRYPTED PRIVATE KEY") || text.contains("Proc-Type: 4,ENCRYPTED") {
        return true;
    }
    let Some((_, body)) = text.split_once("-----BEGIN OPENSSH PRIVATE KEY-----") else {
        return false;
    };
    // The body starts "openssh-key-v1\0", then the cipher name as an SSH string; base64 of
    // magic + length is exactly 24 characters, so the cipher name starts on a clean boundary.
    let b64: String = body
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .take(30)
        .collect();
    const MAGIC: &str = "b3BlbnNzaC1rZXktdjEAAAAA";
    const CIPHER_NONE: &str = "b3BlbnNzaC1rZXktdjEAAAAABG5vbm";
    b64.starts_with(MAGIC) && !b64.starts_with(CIPHER_NONE)
}

/// Quotes `s` for a POSIX shell.
pub fn sh_quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@,+%".contains(&b))
    {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(sh_quote("/opt/pipeform"), "/opt/pipeform");
        assert_eq!(sh_quote(""), "''");
        assert_eq!(sh_quote("a b"), "'a b'");
        assert_eq!(sh_quote("it's"), "'it'\\''s'");
        assert_eq!(sh_quote("$(rm -rf /)"), "'$(rm -rf /)'");
    }

    #[test]
    fn encrypted_keys_are_told_from_plain_ones() {
        // The first base64 line of `ssh-keygen -t ed25519` keys without and with a passphrase.
        let plain = b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n";
        let locked = b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGAAAABAvgDqIeO\n";
        assert!(!is_encrypted(plain));
        assert!(is_encrypted(locked));
        assert!(is_encrypted(
            b"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n"
        ));
        assert!(is_encrypted(b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n"));
        assert!(!is_encrypted(b"-----BEGIN RSA PRIVATE KEY-----\nMIIG4w\n"));
    }
}

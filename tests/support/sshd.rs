//! A private OpenSSH server on a free 127.0.0.1 port: its own host keys (ed25519 and ECDSA),
//! config, pid file and log in a temporary directory; root logs in with a fresh ed25519 key.
//! Stopped on drop. Needs root (to run sshd and to log in as root), like the rest of the suite.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A non-root login user with passwordless sudo, like `ec2-user` on an instance.
pub const SUDO_USER: &str = "pipeform-deploy";

/// Creates [`SUDO_USER`] once (idempotent): a home, a password field that does not lock key
/// logins under `UsePAM no`, and a NOPASSWD sudoers entry. Fails loudly without sudo.
pub fn ensure_sudo_user() {
    assert!(
        Path::new("/usr/bin/sudo").exists(),
        "sudo is not installed: apt-get install -y sudo"
    );
    let exists = Command::new("id")
        .arg(SUDO_USER)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !exists {
        let out = Command::new("useradd")
            .args(["-m", "-s", "/bin/sh", SUDO_USER])
            .output()
            .expect("useradd runs");
        // Another test binary may have created it meanwhile.
        assert!(
            out.status.success() || String::from_utf8_lossy(&out.stderr).contains("already exists"),
            "useradd {SUDO_USER}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // useradd leaves the password locked ("!"), which blocks key logins too without PAM.
    let out = Command::new("usermod")
        .args(["-p", "*", SUDO_USER])
        .output()
        .expect("usermod runs");
    assert!(
        out.status.success(),
        "usermod: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sudoers = format!("/etc/sudoers.d/{SUDO_USER}");
    let rule = format!("{SUDO_USER} ALL=(ALL) NOPASSWD:ALL\n");
    if std::fs::read_to_string(&sudoers).ok().as_deref() != Some(rule.as_str()) {
        std::fs::write(&sudoers, rule).expect("write sudoers entry");
        std::fs::set_permissions(
            &sudoers,
            std::os::unix::fs::PermissionsExt::from_mode(0o440),
        )
        .expect("chmod sudoers entry");
    }
}

/// A running sshd.
pub struct Sshd {
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// The temporary directory holding keys, config and log.
    pub dir: tempfile::TempDir,
    child: Child,
}

/// Runs `ssh-keygen` to make a key pair without a passphrase.
pub fn keygen(path: &Path, kind: &str) {
    keygen_with(path, kind, &[], "");
}

/// Runs `ssh-keygen -t kind` with `extra` arguments (e.g. `-b 3072`) and `passphrase` ("" for
/// none).
pub fn keygen_with(path: &Path, kind: &str, extra: &[&str], passphrase: &str) {
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", kind])
        .args(extra)
        .args(["-N", passphrase, "-C", "pipeform-test", "-f"])
        .arg(path)
        .output()
        .expect("ssh-keygen runs (apt-get install openssh-client)");
    assert!(
        out.status.success(),
        "ssh-keygen -t {kind} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The `SHA256:...` fingerprint of a public key file, as sshd logs it.
pub fn fingerprint(public: &Path) -> String {
    let out = Command::new("ssh-keygen")
        .arg("-lf")
        .arg(public)
        .output()
        .expect("ssh-keygen -l runs");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    text.split_whitespace()
        .nth(1)
        .unwrap_or_else(|| panic!("no fingerprint for {}: {text}", public.display()))
        .to_string()
}

/// Appends a public key file to the `AuthorizedKeysFile` of the server in `dir`.
fn authorize_in(dir: &Path, public: &Path) {
    use std::io::Write;
    let key = std::fs::read_to_string(public).expect("read public key");
    std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join("authorized_keys"))
        .and_then(|mut f| f.write_all(key.as_bytes()))
        .expect("append to authorized_keys");
}

fn read_log(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("sshd.log")).unwrap_or_default()
}

/// Writes the config of a server in `dir` on `port` and starts it (not waiting for it). With
/// `record`, every command a client asks for is appended to `commands.log` before it runs.
fn spawn_in(dir: &Path, port: u16, record: bool) -> Child {
    // sshd refuses to start without its privilege separation directory.
    std::fs::create_dir_all("/run/sshd").expect("create /run/sshd");
    let d = dir.display();
    let mut config = format!(
        "Port {port}\n\
         ListenAddress 127.0.0.1\n\
         HostKey {d}/host_ed25519\n\
         HostKey {d}/host_ecdsa\n\
         PidFile {d}/sshd.pid\n\
         AuthorizedKeysFile {d}/authorized_keys\n\
         PasswordAuthentication no\n\
         KbdInteractiveAuthentication no\n\
         UsePAM no\n\
         StrictModes no\n\
         PermitRootLogin prohibit-password\n\
         AllowUsers root {SUDO_USER}\n\
         Subsystem sftp internal-sftp\n\
         LogLevel VERBOSE\n"
    );
    if record {
        let recorder = dir.join("record-command");
        std::fs::write(
            &recorder,
            format!(
                "#!/bin/sh\nprintf '%s\\n' \"$SSH_ORIGINAL_COMMAND\" >> {d}/commands.log\n\
                 exec /bin/sh -c \"$SSH_ORIGINAL_COMMAND\"\n"
            ),
        )
        .expect("write the command recorder");
        std::fs::set_permissions(
            &recorder,
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .expect("chmod the command recorder");
        config.push_str(&format!("ForceCommand {}\n", recorder.display()));
    }
    let config_path = dir.join("sshd_config");
    std::fs::write(&config_path, config).expect("write sshd_config");
    let log = std::fs::File::create(dir.join("sshd.log")).expect("create sshd.log");
    Command::new("/usr/sbin/sshd")
        .args(["-D", "-e", "-f"])
        .arg(&config_path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start /usr/sbin/sshd (apt-get install openssh-server)")
}

/// A server's keys and config on a chosen port, not started yet: for clients that must find
/// nothing listening at first (an instance still booting).
pub struct Unstarted {
    /// The port it will listen on.
    pub port: u16,
    dir: tempfile::TempDir,
    record: bool,
}

impl Unstarted {
    /// Admits this public key file too.
    pub fn authorize(&self, public: &Path) {
        authorize_in(self.dir.path(), public);
    }

    /// Records every command a client asks for (what the login shell gets as `-c` argument,
    /// i.e. what any local user can read in `/proc/*/cmdline`) before running it.
    pub fn record_commands(mut self) -> Self {
        self.record = true;
        self
    }

    /// Starts the server; panics with its log if it does not listen within 10 s.
    pub fn start(self) -> Sshd {
        Sshd::start_in(self.dir, self.port, self.record)
    }
}

impl Sshd {
    /// Starts a server whose host keys are generated afresh, on a free port.
    pub fn start() -> Self {
        let Unstarted { dir, .. } = Self::prepare(0);
        let (child, port) = super::start_listening(
            "sshd",
            Duration::from_secs(10),
            |port| spawn_in(dir.path(), port, false),
            |_| read_log(dir.path()),
        );
        Self { port, dir, child }
    }

    /// Generates host and client keys for a server on `port` without starting it.
    pub fn prepare(port: u16) -> Unstarted {
        let dir = tempfile::Builder::new()
            .prefix("pipeform-sshd-")
            .tempdir()
            .expect("temp dir for sshd");
        for kind in ["ed25519", "ecdsa"] {
            keygen(&dir.path().join(format!("host_{kind}")), kind);
        }
        keygen(&dir.path().join("client"), "ed25519");
        std::fs::copy(
            dir.path().join("client.pub"),
            dir.path().join("authorized_keys"),
        )
        .expect("write authorized_keys");
        Unstarted {
            port,
            dir,
            record: false,
        }
    }

    fn start_in(dir: tempfile::TempDir, port: u16, record: bool) -> Self {
        let mut child = spawn_in(dir.path(), port, record);
        match super::wait_for_own_port(&mut child, port, Duration::from_secs(10)) {
            super::Listening::Yes => Self { port, dir, child },
            other => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "sshd did not listen on 127.0.0.1:{port} ({other:?}); log:\n{}",
                    read_log(dir.path())
                );
            }
        }
    }

    /// The client's private key.
    pub fn identity(&self) -> PathBuf {
        self.dir.path().join("client")
    }

    /// Admits this public key file too (next to the client key admitted from the start).
    pub fn authorize(&self, public: &Path) {
        authorize_in(self.dir.path(), public);
    }

    /// The commands clients asked for so far (with [`Unstarted::record_commands`]).
    pub fn commands(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("commands.log")).unwrap_or_default()
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        read_log(self.dir.path())
    }

    /// A known_hosts line for this server's `kind` host key (`ed25519` or `ecdsa`).
    pub fn known_hosts_line(&self, kind: &str) -> String {
        let public = std::fs::read_to_string(self.dir.path().join(format!("host_{kind}.pub")))
            .expect("read host public key");
        let mut fields = public.split_whitespace();
        let (t, k) = (fields.next().unwrap_or(""), fields.next().unwrap_or(""));
        format!("[127.0.0.1]:{} {t} {k}\n", self.port)
    }

    /// Kills the per-connection sshd processes (children of the listener), cutting every open
    /// connection while the listener keeps running.
    pub fn cut_connections(&self) -> usize {
        let me = self.child.id();
        let mut killed = 0;
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            // Fields after the ")" of the command name: state, ppid, ...
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|p| p.parse::<u32>().ok());
            if ppid == Some(me) {
                let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
                killed += 1;
            }
        }
        killed
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

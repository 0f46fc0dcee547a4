//! `pipeform deploy`: put the job binary on the app host over SSH — verified by its SHA-256
//! on the host, switched in atomically, reversible — and install its env file, cron entry and
//! CloudWatch agent configuration idempotently.
//!
//! One SSH session serves every step. A deploy is at most two commands on the host: a
//! `prepare` script (clean partial uploads, install host files, switch if the release is
//! already there) and, only when the release is missing, an `upload` script that receives the
//! binary on stdin, verifies it and switches. An identical redeploy is therefore one round trip.

pub mod console_keys;
pub mod host_files;
pub mod host_path;
pub use pipeform_known_hosts as known_hosts;
pub mod preflight;
pub mod release;
pub mod remote_script;
pub mod session;

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::config::Stack;
use crate::terraform::Outputs;

pub use host_files::{EnvError, Places};
pub use host_path::HostPathError;
pub use preflight::{Mismatch, NotElf};
pub use session::{Login, Remote, SshError, Target};

/// Deploy a binary, or switch back to the previous release.
#[derive(Debug, Clone)]
pub enum Action {
    /// Install this `pipeform-job` binary and make it current.
    Deploy {
        /// Local path of the binary.
        binary: PathBuf,
    },
    /// Swap `current` and `previous`.
    Rollback,
}

/// When to run host commands through `sudo -n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sudo {
    /// Unless the login user is `root`.
    Auto,
    /// Always.
    Always,
    /// Never (the login user can write the prefix, cron and agent directories).
    Never,
}

/// Everything `deploy::run` needs besides the stack and the Terraform outputs.
#[derive(Debug, Clone)]
pub struct DeployOptions {
    /// What to do.
    pub action: Action,
    /// Host; default: the `app_public_ip` output.
    pub host: Option<String>,
    /// SSH port.
    pub port: u16,
    /// Login user; default: `app.ssh_user`.
    pub user: Option<String>,
    /// Private key; default: `app.public_key_path` without `.pub`.
    pub identity: Option<PathBuf>,
    /// Passphrase of the private key.
    pub passphrase: Option<String>,
    /// known_hosts file; default: `~/.ssh/known_hosts`.
    pub known_hosts: Option<PathBuf>,
    /// Record the keys of an unknown host instead of refusing it.
    pub accept_new_host_key: bool,
    /// Host key fingerprints from the instance's console (`--host-key-from-console`).
    pub console: Option<Vec<console_keys::ConsoleFingerprint>>,
    /// Install prefix, cron and agent directories on the host.
    pub places: Places,
    /// `--set KEY=VALUE` env file overrides (already validated by `parse_override`).
    pub overrides: Vec<(String, String)>,
    /// Run the smoke test after deploying.
    pub smoke: bool,
    /// How long to keep retrying the connection.
    pub connect_timeout: Duration,
    /// When to use sudo.
    pub sudo: Sudo,
}

/// One installed host file or directory, and whether this run changed it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FileState {
    /// `job.env`, `cron`, `agent`, `csv_dir`, `log_dir`.
    pub name: String,
    /// Path on the host.
    pub path: String,
    /// False when it was already in place.
    pub changed: bool,
}

/// What the smoke test saw.
#[derive(Debug, Clone, Serialize)]
pub struct Smoke {
    /// `pipeform-job --version` on the host.
    pub version: String,
    /// `ok`, `failed (exit N)`, or `skipped: ...` when the job has no `--dry-run` yet.
    pub dry_run: String,
    /// The dry run's output.
    pub output: String,
    /// True when everything that ran succeeded.
    pub ok: bool,
}

/// What a deploy did (`--format json` prints this).
#[derive(Debug, Clone, Serialize)]
pub struct DeployReport {
    /// The host.
    pub host: String,
    /// SSH port.
    pub port: u16,
    /// Login user.
    pub user: String,
    /// SHA-256 of the current release after the run.
    pub sha256: String,
    /// True when the binary was sent this run.
    pub uploaded: bool,
    /// Bytes sent.
    pub bytes_uploaded: u64,
    /// `<prefix>/releases/<sha256>`, now current.
    pub release: String,
    /// The release `--rollback` would switch to.
    pub previous: Option<String>,
    /// True when `current` changed this run.
    pub switched: bool,
    /// True for `--rollback`.
    pub rollback: bool,
    /// Partial uploads of earlier, interrupted runs that were deleted.
    pub cleaned_partials: u32,
    /// Host files and directories.
    pub files: Vec<FileState>,
    /// CloudWatch agent: `restarted`, `unchanged`, `restart-failed`, `absent`.
    pub agent: Option<String>,
    /// Host key types recorded into known_hosts (with --accept-new-host-key).
    pub host_keys_recorded: Vec<String>,
    /// The verified host key.
    pub host_key: String,
    /// The smoke test, with --smoke.
    pub smoke: Option<Smoke>,
}

/// Why a deploy failed. [`DeployError::is_usage`] tells exit 2 from exit 3.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// No host given and none in the outputs.
    #[error("no host to deploy to: there is no `app_public_ip` Terraform output (apply the stack first) and no --host")]
    NoHost,
    /// The binary cannot be read.
    #[error("binary {path}: {reason}; pass --binary with the path of a built pipeform-job")]
    Binary {
        /// The path.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The prefix (or the cron or agent directory) is not a safe absolute path.
    #[error(transparent)]
    Prefix(#[from] HostPathError),
    /// The binary is not an ELF executable.
    #[error(transparent)]
    NotElf(#[from] NotElf),
    /// The binary would not run on the host (nothing on the host was changed).
    #[error(transparent)]
    Preflight(#[from] Mismatch),
    /// The env file cannot be built.
    #[error(transparent)]
    Env(#[from] EnvError),
    /// SSH failed (connect, host key, auth, channel).
    #[error(transparent)]
    Ssh(#[from] SshError),
    /// A command on the host failed.
    #[error("{step} on {host} failed (exit {status}): {stderr}")]
    Remote {
        /// The step.
        step: String,
        /// `user@host:port`.
        host: String,
        /// Exit status.
        status: i32,
        /// The tail of its stderr.
        stderr: String,
    },
}

impl DeployError {
    /// True for errors the user fixes locally (exit 2): nothing remote was touched.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            Self::NoHost
                | Self::Binary { .. }
                | Self::Prefix(_)
                | Self::NotElf(_)
                | Self::Env(_)
                | Self::Ssh(SshError::Identity { .. })
                | Self::Ssh(SshError::Passphrase { .. })
        )
    }
}

/// The SHA-256 of a file, hex, and its size.
pub fn sha256_file(path: &Path) -> Result<(String, u64), DeployError> {
    let bad = |e: std::io::Error| DeployError::Binary {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let mut f = File::open(path).map_err(bad)?;
    let meta = f.metadata().map_err(bad)?;
    if !meta.is_file() {
        return Err(DeployError::Binary {
            path: path.to_path_buf(),
            reason: "not a regular file".into(),
        });
    }
    let mut h = Sha256::new();
    let mut buf = vec![0u8; session::CHUNK];
    loop {
        let n = f.read(&mut buf).map_err(bad)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok((hex::encode(h.finalize()), meta.len()))
}

/// Checks that `path` is a regular file we can open; returns its size.
fn readable_file(path: &Path) -> Result<u64, DeployError> {
    let bad = |reason: String| DeployError::Binary {
        path: path.to_path_buf(),
        reason,
    };
    let f = File::open(path).map_err(|e| bad(e.to_string()))?;
    let meta = f.metadata().map_err(|e| bad(e.to_string()))?;
    if !meta.is_file() {
        return Err(bad("not a regular file".into()));
    }
    Ok(meta.len())
}

/// Resolves host, user, identity and known_hosts from the options, outputs and config.
pub fn target_and_login(
    stack: &Stack,
    outputs: Option<&Outputs>,
    opts: &DeployOptions,
) -> Result<(Target, Login), DeployError> {
    let host = opts
        .host
        .clone()
        .or_else(|| outputs.and_then(|o| o.string("app_public_ip")))
        .filter(|h| !h.is_empty())
        .ok_or(DeployError::NoHost)?;
    let user = opts
        .user
        .clone()
        .unwrap_or_else(|| stack.app.ssh_user.clone());
    let identity = opts.identity.clone().unwrap_or_else(|| {
        let p = &stack.app.public_key_path;
        match p.extension() {
            Some(e) if e == "pub" => p.with_extension(""),
            _ => p.clone(),
        }
    });
    let known_hosts = opts.known_hosts.clone().unwrap_or_else(|| {
        std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default()
            .join(".ssh/known_hosts")
    });
    Ok((
        Target {
            host,
            port: opts.port,
            user,
        },
        Login {
            identity,
            passphrase: opts.passphrase.clone(),
            known_hosts,
            accept_new_host_key: opts.accept_new_host_key,
            console: opts.console.clone(),
            connect_timeout: opts.connect_timeout,
        },
    ))
}

/// Runs a deploy or rollback. Blocking (SSH is synchronous); call it off the async runtime.
///
/// Steps: check everything local; connect (hashing the binary meanwhile); install the release
/// or roll back; read back what was switched; smoke-test when asked.
pub fn run(
    stack: &Stack,
    outputs: Option<&Outputs>,
    opts: &DeployOptions,
) -> Result<DeployReport, DeployError> {
    // Everything that can be wrong locally is checked before connecting.
    let places = opts.places.validated()?;
    let local = match &opts.action {
        Action::Deploy { binary } => Some(Local {
            size: readable_file(binary)?,
            elf: preflight::read_binary(binary)?,
            env: host_files::job_env(stack, outputs, &opts.overrides)?,
            binary: binary.clone(),
        }),
        Action::Rollback => None,
    };
    let (target, login) = target_and_login(stack, outputs, opts)?;
    let started = std::time::Instant::now();
    let (remote, sha) = connect_while_hashing(&target, &login, local.as_ref(), started)?;
    let host = Host {
        remote: &remote,
        sudo: match opts.sudo {
            Sudo::Auto => target.user != "root",
            Sudo::Always => true,
            Sudo::Never => false,
        },
    };
    let mut report = DeployReport {
        host: target.host.clone(),
        port: target.port,
        user: target.user.clone(),
        sha256: String::new(),
        uploaded: false,
        bytes_uploaded: 0,
        release: String::new(),
        previous: None,
        switched: false,
        rollback: local.is_none(),
        cleaned_partials: 0,
        files: Vec::new(),
        agent: None,
        host_keys_recorded: remote.recorded.clone(),
        host_key: remote.fingerprint.clone(),
        smoke: None,
    };
    let switch_out = match (local, sha) {
        (Some(local), Some(sha)) => {
            let out = install_release(&host, stack, &places, &local, &sha, &mut report)?;
            tracing::info!("deploy script done at {:?}", started.elapsed());
            out
        }
        _ => roll_back(&host, &places.prefix, &mut report)?,
    };
    record_switch(&switch_out, &places.prefix, &mut report);
    if opts.smoke {
        report.smoke = Some(smoke_test(&remote, &places.prefix, &stack.pipeline.run_as)?);
    }
    Ok(report)
}

/// The binary to install, checked locally before connecting.
struct Local {
    binary: PathBuf,
    size: u64,
    /// What the binary needs of the host (the preflight compares it with what the host has).
    elf: preflight::BinaryFacts,
    env: crate::jobenv::JobEnv,
}

/// Connects and authenticates while the binary (if any) is hashed: both take tens of
/// milliseconds, so they run side by side.
fn connect_while_hashing(
    target: &Target,
    login: &Login,
    local: Option<&Local>,
    started: std::time::Instant,
) -> Result<(Remote, Option<String>), DeployError> {
    let (remote, sha) = std::thread::scope(|scope| {
        let hashing = local.map(|l| {
            scope.spawn(move || {
                let r = sha256_file(&l.binary);
                tracing::info!(
                    "sha256 of {} in {:?}",
                    l.binary.display(),
                    started.elapsed()
                );
                r
            })
        });
        let remote = Remote::connect(target, login);
        tracing::info!("connected and authenticated in {:?}", started.elapsed());
        let sha = hashing.map(|h| {
            h.join().unwrap_or_else(|_| {
                Err(DeployError::Binary {
                    path: PathBuf::new(),
                    reason: "hashing thread panicked".into(),
                })
            })
        });
        (remote, sha)
    });
    let sha = sha.transpose()?.map(|(sha, _)| sha);
    Ok((remote?, sha))
}

/// The connected host, and whether its commands run through `sudo -n`.
struct Host<'a> {
    remote: &'a Remote,
    sudo: bool,
}

impl Host<'_> {
    /// Exit status 0, or the step's failure with the tail of its stderr.
    fn succeeded(
        &self,
        step: &str,
        out: session::ExecOutput,
    ) -> Result<session::ExecOutput, DeployError> {
        if out.status != 0 {
            return Err(DeployError::Remote {
                step: step.to_string(),
                host: self.remote.describe(),
                status: out.status,
                stderr: tail(&out.stderr),
            });
        }
        Ok(out)
    }

    /// Runs `script`; its stdout, or the step's failure.
    fn run_step(&self, step: &str, script: &str) -> Result<String, DeployError> {
        let out = remote_script::run(self.remote, step, script, self.sudo)?;
        Ok(self.succeeded(step, out)?.stdout)
    }
}

/// Installs the host files and the release `sha` (sending the binary only when the host does
/// not have it) and switches to it; fills what it did into `report`. Returns the script's
/// stdout, which says what was switched.
fn install_release(
    host: &Host<'_>,
    stack: &Stack,
    places: &Places,
    local: &Local,
    sha: &str,
    report: &mut DeployReport,
) -> Result<String, DeployError> {
    const STEP: &str = "deploying the release";
    let files = host_files::script(stack, &local.env, places);
    let script = release::deploy(&places.prefix, sha, local.size, &files, &random_suffix());
    let mut opened: Option<Result<(), std::io::Error>> = None;
    let mut refused: Option<DeployError> = None;
    // A byte bar while the binary streams (on a terminal only; cleared when the step ends).
    let mut upload_bar = None;
    // The script says what the host is and whether the release is there, then waits for `go`
    // (and the binary, if absent) or `stop`: the preflight costs no extra round trip, and a
    // refused binary leaves the host untouched.
    let out = host.remote.exec_gated(
        STEP,
        &remote_script::command(script.len(), host.sudo),
        script.as_bytes(),
        "@present ",
        |said| {
            let stop = || Some(Box::new(&b"stop\n"[..]) as Box<dyn Read>);
            let facts = release::facts(said);
            if let Err(e) = preflight_verdict(host, &local.elf, &facts, said) {
                refused = Some(e);
                return stop();
            }
            let go = Box::new(&b"go\n"[..]) as Box<dyn Read>;
            if release::fact(&facts, "present") != Some("no") {
                return Some(go);
            }
            match File::open(&local.binary) {
                Ok(f) => {
                    opened = Some(Ok(()));
                    let bar = crate::terraform::progress::bytes_bar(local.size, "deploy: upload");
                    let f = bar.wrap_read(f);
                    upload_bar = Some(bar);
                    Some(Box::new(go.chain(f)) as Box<dyn Read>)
                }
                Err(e) => {
                    opened = Some(Err(e));
                    stop()
                }
            }
        },
    );
    if let Some(bar) = upload_bar {
        bar.finish_and_clear();
    }
    let out = out?;
    if let Some(e) = refused {
        return Err(e);
    }
    if let Some(Err(e)) = opened {
        return Err(DeployError::Binary {
            path: local.binary.clone(),
            reason: e.to_string(),
        });
    }
    let out = host.succeeded(STEP, out)?;
    let facts = release::facts(&out.stdout);
    report.cleaned_partials = release::fact(&facts, "cleaned")
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    for (k, v) in &facts {
        if *k == "file" || *k == "dir" {
            let mut parts = v.splitn(3, ' ');
            if let (Some(name), Some(state), Some(path)) =
                (parts.next(), parts.next(), parts.next())
            {
                report.files.push(FileState {
                    name: name.into(),
                    path: path.into(),
                    changed: state == "changed",
                });
            }
        }
    }
    report.agent = release::fact(&facts, "agent").map(str::to_string);
    report.sha256 = sha.to_string();
    if release::fact(&facts, "present") == Some("no") {
        report.uploaded = true;
        report.bytes_uploaded = local.size;
    }
    Ok(out.stdout)
}

/// The preflight on what the deploy script printed before writing anything (`@host`).
fn preflight_verdict(
    host: &Host<'_>,
    elf: &preflight::BinaryFacts,
    facts: &[(&str, &str)],
    said: &str,
) -> Result<(), DeployError> {
    let seen = release::fact(facts, "host").and_then(preflight::HostFacts::parse);
    match seen {
        Some(seen) => Ok(preflight::check(elf, &seen)?),
        None => Err(DeployError::Remote {
            step: "preflight".into(),
            host: host.remote.describe(),
            status: 0,
            stderr: format!("the host did not say its machine and libc: {said}"),
        }),
    }
}

/// Swaps `current` and `previous`; returns the script's stdout.
fn roll_back(
    host: &Host<'_>,
    prefix: &str,
    report: &mut DeployReport,
) -> Result<String, DeployError> {
    let out = host.run_step("rolling back", &release::rollback(prefix))?;
    report.sha256 = release::fact(&release::facts(&out), "sha")
        .unwrap_or_default()
        .to_string();
    Ok(out)
}

/// Reads what the install or rollback switched into `report`.
fn record_switch(switch_out: &str, prefix: &str, report: &mut DeployReport) {
    let facts = release::facts(switch_out);
    report.switched = release::fact(&facts, "switched") == Some("yes");
    report.release = format!("{prefix}/releases/{}", report.sha256);
    report.previous = release::fact(&facts, "previous")
        .and_then(release::sha_of_target)
        .map(|s| format!("{prefix}/releases/{s}"));
}

/// `pipeform-job --version` and a dry run on the host, as the job's user.
fn smoke_test(remote: &Remote, prefix: &str, run_as: &str) -> Result<Smoke, DeployError> {
    let out = remote_script::run(remote, "smoke test", &release::smoke(prefix, run_as), false)?;
    let facts = release::facts(&out.stdout);
    let version = release::fact(&facts, "version").unwrap_or("").to_string();
    // The release must say it is the job: any binary answers `--version` with exit 0.
    let version_ok =
        release::fact(&facts, "version_exit") == Some("0") && version.starts_with("pipeform-job ");
    let (dry_run, dry_ok) = match release::fact(&facts, "dryrun") {
        Some("unsupported") => (
            "skipped: this pipeform-job has no `run --dry-run` yet".to_string(),
            true,
        ),
        Some("0") => ("ok".to_string(), true),
        Some(code) => (format!("failed (exit {code})"), false),
        None => ("did not run".to_string(), false),
    };
    let output: Vec<&str> = facts
        .iter()
        .filter(|(k, _)| *k == "out")
        .map(|(_, v)| *v)
        .collect();
    Ok(Smoke {
        version,
        dry_run,
        output: output.join("\n"),
        ok: version_ok && dry_ok && out.status == 0,
    })
}

/// The human summary of a deploy: one line per step, saying what changed and what was
/// already in place.
pub fn summary(r: &DeployReport) -> String {
    let mut t = crate::table::Table::new(["step", "result"]);
    t.row([
        "host".to_string(),
        format!("{}@{}:{} ({})", r.user, r.host, r.port, r.host_key),
    ]);
    if !r.host_keys_recorded.is_empty() {
        t.row([
            "known_hosts".to_string(),
            format!("recorded {}", r.host_keys_recorded.join(", ")),
        ]);
    }
    if r.cleaned_partials > 0 {
        t.row([
            "cleanup".to_string(),
            format!(
                "removed {} partial upload(s) of an interrupted run",
                r.cleaned_partials
            ),
        ]);
    }
    let release = if r.rollback {
        format!("rolled back to {}", r.release)
    } else if r.uploaded {
        format!(
            "{} (uploaded {:.1} MiB, sha256 verified on the host)",
            r.release,
            r.bytes_uploaded as f64 / 1048576.0
        )
    } else {
        format!(
            "{} (already on the host, sha256 verified; nothing uploaded)",
            r.release
        )
    };
    t.row(["release".to_string(), release]);
    t.row([
        "current".to_string(),
        if r.switched {
            "switched".to_string()
        } else {
            "already current".to_string()
        },
    ]);
    t.row([
        "previous".to_string(),
        r.previous.clone().unwrap_or_else(|| "none".into()),
    ]);
    for f in &r.files {
        t.row([
            f.name.clone(),
            format!(
                "{} {}",
                f.path,
                if f.changed {
                    "(changed)"
                } else {
                    "(already in place)"
                }
            ),
        ]);
    }
    if let Some(a) = &r.agent {
        let text = match a.as_str() {
            // The job delivers its own lines to the log group (PIPEFORM_LOG_GROUP in job.env);
            // the agent is only for other files, so its absence is not the alarm path broken.
            "absent" => "CloudWatch agent not installed (optional: pipeform-job delivers its own log lines to the log group; the agent config for other files is under the prefix)",
            "restarted" => "CloudWatch agent reconfigured and restarted",
            "unchanged" => "CloudWatch agent already configured",
            _ => "CloudWatch agent config written, but the agent failed to restart (the next deploy retries)",
        };
        t.row(["agent".to_string(), text.to_string()]);
    }
    if let Some(s) = &r.smoke {
        t.row(["smoke --version".to_string(), s.version.clone()]);
        t.row(["smoke dry run".to_string(), s.dry_run.clone()]);
    }
    t.render()
}

/// A random-enough suffix for the temporary upload name (unique per run on this machine).
fn random_suffix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{:x}{:x}", std::process::id(), nanos)
}

fn tail(s: &str) -> String {
    let lines: Vec<&str> = s.trim_end().lines().collect();
    let start = lines.len().saturating_sub(10);
    lines[start..].join("\n")
}

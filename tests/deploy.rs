//! `pipeform deploy` against a real sshd on loopback (run as root): the prefix and the cron
//! directory live in temporary directories; the "host" is this machine, so the tests inspect
//! the installed files directly.

mod support;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use pipeform::config::*;
use pipeform::deploy::{
    self, host_files, Action, DeployError, DeployOptions, DeployReport, Places, SshError, Sudo,
};
use pipeform::jobenv::JobEnv;
use pipeform::prefix::PrefixTemplate;
use pipeform::terraform::Outputs;
use support::sshd::Sshd;

fn stack() -> Stack {
    Stack {
        source: PathBuf::from("pipeform.toml"),
        project: Project {
            name: "offsets".into(),
            region: "ap-northeast-2".into(),
            environment: "test".into(),
        },
        network: Network {
            vpc_cidr: "10.0.0.0/16".parse().expect("cidr"),
            availability_zones: vec!["ap-northeast-2a".into(), "ap-northeast-2c".into()],
            public_subnets: vec!["10.0.1.0/24".parse().expect("cidr")],
            db_subnets: vec!["10.0.11.0/24".parse().expect("cidr")],
        },
        nat: Nat {
            instance_type: "t3.nano".into(),
            ami_id: None,
        },
        app: App {
            instance_type: "t3.micro".into(),
            ami_id: None,
            ssh_user: "root".into(),
            ssh_allowed_cidrs: vec!["127.0.0.1/32".parse().expect("cidr")],
            public_key_path: PathBuf::from("keys/deploy.pub"),
        },
        rds: Rds {
            identifier: "offsets-db".into(),
            instance_class: "db.t3.micro".into(),
            engine_version: "8.0".into(),
            database: "offsets".into(),
            username: "offsets_admin".into(),
            allocated_storage: 20,
            deletion_protection: true,
            skip_final_snapshot: false,
        },
        monitoring: Monitoring {
            log_group: "/pipeform/job".into(),
            retention_days: RetentionDays::new(30).expect("valid"),
            failure_pattern: "JOB_STATUS=FAILED".into(),
            metric_namespace: "Pipeform".into(),
            metric_name: "JobFailures".into(),
            alarm_name: "offsets-job-failed".into(),
            alarm_period_seconds: 300,
            topic_name: "offsets-alerts".into(),
            alert_emails: vec![],
            success_pattern: "JOB_STATUS=SUCCEEDED".into(),
            missed_run_alarm_name: "offsets-job-failed-missed".into(),
            missed_run_grace_minutes: 60,
            missed_run_alarm: true,
        },
        bucket: Bucket {
            name: BucketName::parse("vcm-bucket25").expect("valid"),
            csv_prefix: PrefixTemplate::parse("csv/{date}").expect("template"),
            logs_prefix: PrefixTemplate::parse("logs/{date}").expect("template"),
            freshness_hours: 26,
            force_destroy: false,
            require_tls: true,
        },
        pipeline: Pipeline {
            schedule: "15 2 * * *".into(),
            csv_dir: "/var/lib/pipeform/csv".into(),
            log_dir: "/var/log/pipeform".into(),
            run_as: "root".into(),
            pseudonymise_fields: vec!["user_id".into(), "ip".into()],
        },
    }
}

fn outputs() -> Outputs {
    Outputs::from_json(serde_json::json!({
        "app_public_ip": {"value": "203.0.113.10"},
        "rds_address": {"value": "offsets-db.abc.ap-northeast-2.rds.amazonaws.com"},
        "rds_port": {"value": 3306},
        "rds_database": {"value": "offsets"},
        "rds_username": {"value": "offsets_admin"},
        "rds_master_user_secret_arn": {"value": "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:rds-x"},
        "bucket_name": {"value": "vcm-bucket25"}
    }))
}

/// One test's world: an sshd, a temp dir standing for the host's filesystem, a known_hosts.
struct World {
    sshd: Sshd,
    tmp: tempfile::TempDir,
    stack: Stack,
}

impl World {
    fn new() -> Self {
        Self::with(Sshd::start())
    }
    fn with(sshd: Sshd) -> Self {
        let tmp = tempfile::tempdir().expect("temp dir");
        let mut stack = stack();
        // Job directories inside the temp dir too: deploy creates them on the host.
        stack.pipeline.csv_dir = tmp.path().join("csv").display().to_string();
        stack.pipeline.log_dir = tmp.path().join("log").display().to_string();
        Self { sshd, tmp, stack }
    }
    fn prefix(&self) -> PathBuf {
        self.tmp.path().join("opt/pipeform")
    }
    fn cron_dir(&self) -> PathBuf {
        self.tmp.path().join("cron.d")
    }
    fn known_hosts(&self) -> PathBuf {
        self.tmp.path().join("known_hosts")
    }
    /// A stand-in job binary: a real ELF executable of this machine (so the preflight passes)
    /// made distinct by `content`, appended.
    fn binary(&self, name: &str, content: &[u8]) -> PathBuf {
        let p = self.tmp.path().join(name);
        std::fs::write(&p, elf(content)).expect("write fake binary");
        p
    }
    fn opts(&self, action: Action) -> DeployOptions {
        std::fs::create_dir_all(self.cron_dir()).expect("cron dir");
        DeployOptions {
            action,
            host: Some("127.0.0.1".into()),
            port: self.sshd.port,
            user: None,
            identity: Some(self.sshd.identity()),
            passphrase: None,
            known_hosts: Some(self.known_hosts()),
            accept_new_host_key: true,
            console: None,
            places: Places {
                prefix: self.prefix().display().to_string(),
                cron_dir: self.cron_dir().display().to_string(),
                agent_dir: self.tmp.path().join("no-agent").display().to_string(),
            },
            // The test stack pseudonymises log fields: the job needs an HMAC key source.
            overrides: vec![(
                "PIPEFORM_HMAC_KEY_SOURCE".into(),
                "env:PIPEFORM_HMAC_KEY".into(),
            )],
            smoke: false,
            connect_timeout: Duration::from_secs(5),
            sudo: Sudo::Auto,
        }
    }
    fn deploy(&self, binary: &Path) -> DeployReport {
        self.run(self.opts(Action::Deploy {
            binary: binary.to_path_buf(),
        }))
    }
    fn run(&self, opts: DeployOptions) -> DeployReport {
        match deploy::run(&self.stack, Some(&outputs()), &opts) {
            Ok(r) => r,
            Err(e) => panic!("deploy failed: {e}\nsshd log:\n{}", self.sshd.log()),
        }
    }
    fn current(&self) -> String {
        std::fs::read_link(self.prefix().join("current"))
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    }
    fn previous(&self) -> String {
        std::fs::read_link(self.prefix().join("previous"))
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    }
    fn partials(&self) -> Vec<PathBuf> {
        let mut found = Vec::new();
        let releases = self.prefix().join("releases");
        for dir in std::fs::read_dir(releases).into_iter().flatten().flatten() {
            for f in std::fs::read_dir(dir.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                if f.file_name().to_string_lossy().contains(".tmp-") {
                    found.push(f.path());
                }
            }
        }
        found
    }
}

/// `/bin/true` with `content` appended: an ELF executable for this machine and glibc whose
/// checksum depends on `content`.
fn elf(content: &[u8]) -> Vec<u8> {
    let mut bytes = std::fs::read("/bin/true").expect("read /bin/true");
    bytes.extend_from_slice(content);
    bytes
}

/// The SHA-256 of the stand-in binary [`World::binary`] makes from `content`.
fn sha(content: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(elf(content)))
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).expect("stat").permissions().mode() & 0o7777
}

#[test]
fn first_deploy_installs_verifies_and_an_identical_redeploy_uploads_nothing() {
    let w = World::new();
    let bin = w.binary("job-a", b"#!/bin/sh\necho job a\n");
    let r = w.deploy(&bin);
    let s = sha(b"#!/bin/sh\necho job a\n");
    assert!(r.uploaded, "{r:?}");
    assert!(r.switched);
    assert_eq!(r.sha256, s);
    assert_eq!(r.release, format!("{}/releases/{s}", w.prefix().display()));
    assert_eq!(r.previous, None);
    assert_eq!(w.current(), format!("releases/{s}"));
    let installed = w.prefix().join("current/pipeform-job");
    assert_eq!(
        std::fs::read(&installed).expect("installed binary"),
        elf(b"#!/bin/sh\necho job a\n")
    );
    assert_eq!(mode(&installed), 0o755);
    assert!(r.files.iter().all(|f| f.changed), "{:?}", r.files);
    // --accept-new-host-key recorded every key type the server offers, so the next
    // connection matches whichever type libssh2 negotiates.
    let kh = std::fs::read_to_string(w.known_hosts()).expect("known_hosts written");
    assert!(kh.contains("ssh-ed25519"), "{kh}");
    assert!(kh.contains("ecdsa-sha2-nistp256"), "{kh}");
    assert!(kh.contains(&format!("[127.0.0.1]:{}", w.sshd.port)), "{kh}");
    assert_eq!(r.host_keys_recorded.len(), 2, "{:?}", r.host_keys_recorded);
    // The fingerprint shown is the one `ssh-keygen -l` prints for the negotiated key.
    let prints: Vec<String> = ["ed25519", "ecdsa"]
        .iter()
        .map(|k| {
            let out = std::process::Command::new("ssh-keygen")
                .arg("-lf")
                .arg(w.sshd.dir.path().join(format!("host_{k}.pub")))
                .output()
                .expect("ssh-keygen -l");
            String::from_utf8_lossy(&out.stdout).to_string()
        })
        .collect();
    assert!(
        prints.iter().any(|p| p.contains(&r.host_key)),
        "{} not in {prints:?}",
        r.host_key
    );

    let mut opts = w.opts(Action::Deploy { binary: bin });
    opts.accept_new_host_key = false;
    let again = w.run(opts);
    assert!(!again.uploaded);
    assert_eq!(again.bytes_uploaded, 0);
    assert!(!again.switched);
    assert!(again.host_keys_recorded.is_empty());
    assert!(again.files.iter().all(|f| !f.changed), "{:?}", again.files);
    let text = deploy::summary(&again);
    assert!(text.contains("nothing uploaded"), "{text}");
    assert!(text.contains("already current"), "{text}");
    assert!(text.contains("already in place"), "{text}");
    assert_eq!(
        std::fs::read_to_string(w.known_hosts()).expect("known_hosts"),
        kh,
        "known_hosts untouched on a known host"
    );
}

#[test]
fn changed_binary_switches_and_rollback_swaps_back_and_forth() {
    let w = World::new();
    let a = w.binary("a", b"binary a");
    let b = w.binary("b", b"binary b, a newer build");
    let (sa, sb) = (sha(b"binary a"), sha(b"binary b, a newer build"));

    // Nothing to roll back to yet: a clear error, nothing changed.
    w.deploy(&a);
    let err = deploy::run(&w.stack, Some(&outputs()), &w.opts(Action::Rollback))
        .expect_err("no previous release");
    assert!(err.to_string().contains("nothing to roll back to"), "{err}");
    assert!(!err.is_usage());
    assert_eq!(w.current(), format!("releases/{sa}"));

    let r = w.deploy(&b);
    assert!(r.uploaded && r.switched);
    assert_eq!(w.current(), format!("releases/{sb}"));
    assert_eq!(w.previous(), format!("releases/{sa}"));
    assert_eq!(
        r.previous,
        Some(format!("{}/releases/{sa}", w.prefix().display()))
    );

    let back = w.run(w.opts(Action::Rollback));
    assert!(back.rollback && back.switched && !back.uploaded);
    assert_eq!(back.sha256, sa);
    assert_eq!(w.current(), format!("releases/{sa}"));
    assert_eq!(w.previous(), format!("releases/{sb}"));
    assert_eq!(
        std::fs::read(w.prefix().join("current/pipeform-job")).expect("current binary"),
        elf(b"binary a")
    );

    let forth = w.run(w.opts(Action::Rollback));
    assert_eq!(forth.sha256, sb);
    assert_eq!(w.current(), format!("releases/{sb}"));

    // Redeploying the older binary: already on the host, so a switch without upload.
    let r = w.deploy(&a);
    assert!(!r.uploaded && r.switched);
    assert_eq!(w.current(), format!("releases/{sa}"));
}

#[test]
fn unknown_host_is_refused_and_nothing_is_written() {
    let w = World::new();
    let bin = w.binary("a", b"a");
    let mut opts = w.opts(Action::Deploy { binary: bin });
    opts.accept_new_host_key = false;
    let err = deploy::run(&w.stack, Some(&outputs()), &opts).expect_err("unknown host");
    assert!(
        matches!(err, DeployError::Ssh(SshError::UnknownHost { .. })),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.contains("--accept-new-host-key"), "{msg}");
    assert!(
        msg.contains(&w.known_hosts().display().to_string()),
        "{msg}"
    );
    assert!(!err.is_usage());
    assert!(!w.prefix().exists(), "nothing may be written on the host");
    assert!(!w.known_hosts().exists(), "known_hosts must not be created");
}

#[test]
fn a_known_host_matches_whichever_key_type_is_on_file() {
    let w = World::new();
    let bin = w.binary("a", b"a");
    // libssh2 negotiates one type; a file holding only the other type must still match.
    for kind in ["ecdsa", "ed25519"] {
        std::fs::write(w.known_hosts(), w.sshd.known_hosts_line(kind)).expect("known_hosts");
        let mut opts = w.opts(Action::Deploy {
            binary: bin.clone(),
        });
        opts.accept_new_host_key = false;
        let r = w.run(opts);
        assert!(r.host_keys_recorded.is_empty());
    }
}

#[test]
fn changed_host_key_is_refused_even_with_accept_new_and_nothing_is_written() {
    let w = World::new();
    let impostor = Sshd::start();
    // known_hosts holds the real server's keys under the impostor's address.
    let lines = [
        w.sshd.known_hosts_line("ed25519"),
        w.sshd.known_hosts_line("ecdsa"),
    ]
    .concat()
    .replace(
        &format!("[127.0.0.1]:{}", w.sshd.port),
        &format!("[127.0.0.1]:{}", impostor.port),
    );
    std::fs::write(w.known_hosts(), &lines).expect("known_hosts");
    let bin = w.binary("a", b"a");
    let mut opts = w.opts(Action::Deploy { binary: bin });
    opts.port = impostor.port;
    opts.identity = Some(impostor.identity());
    assert!(opts.accept_new_host_key);
    let err = deploy::run(&w.stack, Some(&outputs()), &opts).expect_err("changed key");
    assert!(
        matches!(err, DeployError::Ssh(SshError::HostKeyChanged { .. })),
        "{err:?}"
    );
    assert!(err.to_string().contains("ssh-keygen -R"), "{err}");
    assert!(!w.prefix().exists(), "nothing may be written on the host");
    assert_eq!(
        std::fs::read_to_string(w.known_hosts()).expect("known_hosts"),
        lines,
        "known_hosts unchanged"
    );
    // Nothing but the key exchange happened: the impostor never saw a login.
    assert!(
        !impostor.log().contains("Accepted publickey"),
        "{}",
        impostor.log()
    );
}

#[test]
fn a_connection_cut_mid_upload_leaves_current_and_the_next_run_cleans_up() {
    let w = World::new();
    let a = w.binary("a", b"the good release");
    w.deploy(&a);
    let good = w.current();

    // Big enough that the upload is still running when the test cuts the connection.
    let big: Vec<u8> = (0..160u32 << 20).map(|i| (i % 251) as u8).collect();
    let big_path = w.binary("big", &big);
    let big_sha = sha(&big);
    drop(big);
    let opts = w.opts(Action::Deploy {
        binary: big_path.clone(),
    });
    let stack = w.stack.clone();
    let upload = std::thread::spawn(move || deploy::run(&stack, Some(&outputs()), &opts));
    let partial_dir = w.prefix().join("releases").join(&big_sha);
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut cut = false;
    while Instant::now() < deadline && !upload.is_finished() {
        let started = std::fs::read_dir(&partial_dir)
            .into_iter()
            .flatten()
            .flatten()
            .any(|f| {
                f.file_name().to_string_lossy().contains(".tmp-")
                    && f.metadata().map(|m| m.len() > 1 << 20).unwrap_or(false)
            });
        if started {
            cut = w.sshd.cut_connections() > 0;
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    assert!(cut, "the upload was not caught in flight");
    let err = upload
        .join()
        .expect("deploy thread")
        .expect_err("a cut connection fails the deploy");
    assert!(!err.is_usage(), "{err}");
    // The host side may still be finishing its script: its lock is free once it has ended.
    let lock = std::process::Command::new("flock")
        .args(["-w", "30"])
        .arg(w.prefix().join(".deploy.lock"))
        .arg("true")
        .status()
        .expect("flock runs");
    assert!(lock.success(), "the remote deploy script did not end");
    assert_eq!(w.current(), good, "current must not move");
    assert!(!partial_dir.join("pipeform-job").exists());

    // Whatever the cut left behind (and a stale partial of an older crash) goes next run.
    std::fs::create_dir_all(&partial_dir).expect("release dir");
    std::fs::write(partial_dir.join("pipeform-job.tmp-stale"), b"half").expect("stale partial");
    let r = w.deploy(&a);
    assert!(r.cleaned_partials >= 1, "{r:?}");
    assert!(w.partials().is_empty(), "{:?}", w.partials());
    assert!(deploy::summary(&r).contains("partial upload"));
    assert_eq!(w.current(), good);
}

#[test]
fn env_file_cron_and_agent_config_have_the_right_content_owner_and_mode() {
    let w = World::new();
    let bin = w.binary("a", b"a");
    let mut opts = w.opts(Action::Deploy {
        binary: bin.clone(),
    });
    opts.overrides = vec![
        host_files::parse_override("PIPEFORM_DB_HOST=127.0.0.1").expect("known key"),
        host_files::parse_override("PIPEFORM_ENDPOINT_URL=http://127.0.0.1:5000").expect("key"),
        host_files::parse_override("PIPEFORM_HMAC_KEY_SOURCE=env:PIPEFORM_HMAC_KEY").expect("key"),
    ];
    let r = w.run(opts.clone());

    let env_path = w.prefix().join("job.env");
    let text = std::fs::read_to_string(&env_path).expect("job.env");
    let env = JobEnv::parse(&text).expect("job.env parses");
    assert_eq!(env.db_host, "127.0.0.1");
    assert_eq!(env.endpoint_url.as_deref(), Some("http://127.0.0.1:5000"));
    assert_eq!(env.db_name, "offsets");
    assert_eq!(env.db_user, "offsets_admin");
    assert_eq!(
        env.db_password,
        pipeform::jobenv::SecretSource::SecretsManager(
            "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:rds-x".into()
        )
    );
    assert_eq!(env.bucket, "vcm-bucket25");
    assert_eq!(env.csv_prefix, "csv/{date}");
    assert_eq!(env.pseudonymise_fields, vec!["user_id", "ip"]);
    assert_eq!(mode(&env_path), 0o600);
    assert_eq!(std::fs::metadata(&env_path).expect("stat").uid(), 0);

    let cron_path = w.cron_dir().join("pipeform-job");
    let cron = std::fs::read_to_string(&cron_path).expect("cron entry");
    let p = w.prefix().display().to_string();
    assert!(
        cron.lines().any(|l| l
            == format!("15 2 * * * root '{p}/current/pipeform-job' run --env-file '{p}/job.env'")),
        "{cron}"
    );
    assert!(cron.contains("CRON_TZ=UTC"));
    assert_eq!(mode(&cron_path), 0o644);

    let agent: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(w.prefix().join("cloudwatch-agent.json")).expect("agent config"),
    )
    .expect("agent config is JSON");
    let entry = &agent["logs"]["logs_collected"]["files"]["collect_list"][0];
    assert_eq!(entry["log_group_name"], "/pipeform/job");
    assert_eq!(
        entry["file_path"],
        format!("{}/*.log", w.stack.pipeline.log_dir)
    );
    assert_eq!(r.agent.as_deref(), Some("absent"));
    assert!(Path::new(&w.stack.pipeline.log_dir).is_dir());
    assert!(Path::new(&w.stack.pipeline.csv_dir).is_dir());

    // A hand edit or a loosened mode is put right, and reported as a change.
    std::fs::set_permissions(&env_path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    std::fs::write(&cron_path, "garbage\n").expect("edit cron");
    let r = w.run(opts.clone());
    let changed: Vec<&str> = r
        .files
        .iter()
        .filter(|f| f.changed)
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(changed, vec!["job.env", "cron"]);
    assert_eq!(mode(&env_path), 0o600);
    assert_eq!(std::fs::read_to_string(&cron_path).expect("cron"), cron);
}

#[test]
fn local_mistakes_are_usage_errors_and_touch_nothing() {
    let w = World::new();
    let err = host_files::parse_override("PIPEFORM_BUKCET=x").expect_err("typo");
    assert!(err.to_string().contains("PIPEFORM_BUCKET"), "{err}");
    assert!(host_files::parse_override("no-equals").is_err());

    let missing = w.tmp.path().join("does-not-exist");
    let err = deploy::run(
        &w.stack,
        Some(&outputs()),
        &w.opts(Action::Deploy { binary: missing }),
    )
    .expect_err("missing binary");
    assert!(err.is_usage(), "{err}");
    assert!(err.to_string().contains("--binary"), "{err}");

    let bin = w.binary("a", b"a");
    let mut opts = w.opts(Action::Deploy {
        binary: bin.clone(),
    });
    opts.identity = Some(w.tmp.path().join("no-key"));
    let err = deploy::run(&w.stack, Some(&outputs()), &opts).expect_err("missing key");
    assert!(err.is_usage(), "{err}");

    // Without Terraform outputs there is no DB endpoint: say which --set supplies it.
    let err = deploy::run(&w.stack, None, &w.opts(Action::Deploy { binary: bin }))
        .expect_err("no outputs");
    assert!(err.is_usage());
    assert!(err.to_string().contains("--set PIPEFORM_DB_HOST"), "{err}");
    assert!(!w.prefix().exists());
    assert!(!w.known_hosts().exists());
}

#[test]
fn pseudonymising_without_an_hmac_key_source_is_refused_before_the_host_is_touched() {
    let w = World::new();
    let bin = w.binary("a", b"a");
    let mut opts = w.opts(Action::Deploy { binary: bin });
    opts.overrides = vec![
        host_files::parse_override("PIPEFORM_DB_HOST=127.0.0.1").expect("known key"),
        host_files::parse_override("PIPEFORM_DB_PASSWORD_SOURCE=env:PW").expect("known key"),
    ];
    let err = deploy::run(&w.stack, None, &opts).expect_err("no HMAC key source");
    assert!(err.is_usage(), "{err}");
    assert!(
        err.to_string().contains("PIPEFORM_HMAC_KEY_SOURCE"),
        "{err}"
    );
    assert!(!w.prefix().exists());
}

#[test]
fn smoke_runs_the_installed_job() {
    let w = World::new();
    let job = support::job_bin();
    let mut opts = w.opts(Action::Deploy { binary: job });
    opts.smoke = true;
    // The stack pseudonymises log fields, so the job needs its HMAC key source.
    let key = w.tmp.path().join("hmac.key");
    std::fs::write(&key, "test-hmac-key").expect("write the HMAC key");
    opts.overrides.push((
        "PIPEFORM_HMAC_KEY_SOURCE".into(),
        format!("file:{}", key.display()),
    ));
    let r = w.run(opts);
    let smoke = r.smoke.clone().expect("smoke ran");
    assert!(smoke.version.starts_with("pipeform-job "), "{smoke:?}");
    assert!(smoke.ok, "{smoke:?}");
    let text = deploy::summary(&r);
    assert!(text.contains("smoke --version"), "{text}");
}

#[test]
fn a_non_root_user_deploys_through_sudo_and_owns_the_env_file() {
    support::sshd::ensure_sudo_user();
    let user = support::sshd::SUDO_USER;
    let mut w = World::new();
    w.stack.app.ssh_user = user.into();
    w.stack.pipeline.run_as = user.into();
    // The login user must be able to reach the installed binary for the smoke test.
    std::fs::set_permissions(w.tmp.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    // The real job: the smoke test runs it as the user.
    let bin = support::job_bin();
    let key = w.tmp.path().join("hmac.key");
    std::fs::write(&key, "test-hmac-key").expect("write the HMAC key");

    // Without sudo the user cannot write the prefix: a runtime error naming the step.
    let mut opts = w.opts(Action::Deploy {
        binary: bin.clone(),
    });
    opts.sudo = Sudo::Never;
    let err = deploy::run(&w.stack, Some(&outputs()), &opts).expect_err("no sudo");
    assert!(matches!(err, DeployError::Remote { .. }), "{err:?}");
    assert!(err.to_string().contains("Permission denied"), "{err}");
    assert!(!w.prefix().exists());

    let mut opts = w.opts(Action::Deploy { binary: bin });
    opts.smoke = true;
    opts.overrides.push((
        "PIPEFORM_HMAC_KEY_SOURCE".into(),
        format!("file:{}", key.display()),
    ));
    let r = w.run(opts);
    assert!(r.uploaded);
    assert_eq!(r.user, user);
    let env = std::fs::metadata(w.prefix().join("job.env")).expect("job.env");
    let uid = std::process::Command::new("id")
        .args(["-u", user])
        .output()
        .expect("id -u");
    let uid: u32 = String::from_utf8_lossy(&uid.stdout)
        .trim()
        .parse()
        .expect("numeric uid");
    assert_eq!(env.uid(), uid);
    assert_eq!(env.permissions().mode() & 0o777, 0o600);
    assert_eq!(
        std::fs::metadata(w.prefix().join("current/pipeform-job"))
            .expect("binary")
            .uid(),
        0,
        "releases belong to root"
    );
    let cron = std::fs::read_to_string(w.cron_dir().join("pipeform-job")).expect("cron");
    assert!(cron.contains(&format!("* * * {user} ")), "{cron}");
    let smoke = r.smoke.expect("smoke ran");
    assert!(smoke.version.starts_with("pipeform-job "), "{smoke:?}");
    assert!(smoke.ok, "{smoke:?}");
}

/// A pipeform.toml for the CLI tests: the example's shape, logging in as root with the test
/// sshd's key (`public_key_path` is the `.pub` next to the private key deploy defaults to).
fn write_config(w: &World) -> PathBuf {
    let keys = w.tmp.path().join("keys");
    std::fs::create_dir_all(&keys).expect("keys dir");
    std::fs::copy(w.sshd.identity(), keys.join("deploy")).expect("copy key");
    std::fs::copy(
        w.sshd.identity().with_extension("pub"),
        keys.join("deploy.pub"),
    )
    .expect("copy public key");
    let config = format!(
        r#"[project]
name = "offsets"
region = "ap-northeast-2"
environment = "test"
[network]
vpc_cidr = "10.20.0.0/16"
availability_zones = ["ap-northeast-2a", "ap-northeast-2c"]
public_subnets = ["10.20.1.0/24", "10.20.2.0/24"]
db_subnets = ["10.20.101.0/24", "10.20.102.0/24"]
[nat]
instance_type = "t3.nano"
[app]
instance_type = "t3.small"
ssh_user = "root"
ssh_allowed_cidrs = ["127.0.0.1/32"]
public_key_path = "keys/deploy.pub"
[rds]
identifier = "offsets-db"
instance_class = "db.t3.micro"
engine_version = "8.0"
database = "offsets"
username = "offsets_admin"
[monitoring]
log_group = "/offsets/carbon_log"
retention_days = 30
failure_pattern = "JOB_STATUS=FAILED"
metric_namespace = "OffsetsPipeline"
metric_name = "CarbonUnifiedJobFailed"
alarm_name = "carbon-unified-job-failed-alarm"
alarm_period_seconds = 300
topic_name = "offsets-alerts"
alert_emails = ["ops@example.com"]
[bucket]
name = "vcm-bucket25"
csv_prefix = "csv/{{date}}"
logs_prefix = "logs/{{date}}"
freshness_hours = 26
[pipeline]
schedule = "0 3 * * *"
csv_dir = "{csv}"
log_dir = "{log}"
"#,
        csv = w.stack.pipeline.csv_dir,
        log = w.stack.pipeline.log_dir,
    );
    let path = w.tmp.path().join("pipeform.toml");
    std::fs::write(&path, config).expect("write config");
    path
}

fn cli(w: &World, config: &Path) -> assert_cmd::Command {
    cli_on(w, config, w.sshd.port, 5)
}

/// [`cli`] against another port of 127.0.0.1, retrying the connection for `connect_timeout` s.
fn cli_on(w: &World, config: &Path, port: u16, connect_timeout: u64) -> assert_cmd::Command {
    std::fs::create_dir_all(w.cron_dir()).expect("cron dir");
    let mut cmd = support::pipeform();
    cmd.env_remove("SSH_AUTH_SOCK")
        .env_remove("PIPEFORM_SSH_PASSPHRASE")
        .arg("--config")
        .arg(config)
        .arg("deploy")
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .arg("--known-hosts")
        .arg(w.known_hosts())
        .arg("--prefix")
        .arg(w.prefix())
        .arg("--cron-dir")
        .arg(w.cron_dir())
        .arg("--terraform-dir")
        .arg(w.tmp.path().join("no-terraform"))
        .args(["--connect-timeout", &connect_timeout.to_string()])
        .args([
            "--set",
            "PIPEFORM_DB_HOST=127.0.0.1",
            "--set",
            "PIPEFORM_DB_PASSWORD_SOURCE=env:PIPEFORM_DB_PASSWORD",
        ]);
    cmd
}

#[test]
fn cli_deploys_with_json_output_and_maps_failures_to_exit_codes() {
    let w = World::new();
    let config = write_config(&w);
    let bin = w.binary("a", b"cli binary");

    // Unknown host, no --accept-new-host-key: exit 3, says what to do, nothing written.
    let out = cli(&w, &config)
        .arg("--binary")
        .arg(&bin)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--accept-new-host-key"), "{err}");
    assert!(err.contains("known_hosts"), "{err}");
    assert!(!w.prefix().exists());

    let out = cli(&w, &config)
        .arg("--binary")
        .arg(&bin)
        .args(["--accept-new-host-key", "--format", "json"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let s = sha(b"cli binary");
    assert_eq!(doc["host"], "127.0.0.1");
    assert_eq!(doc["sha256"], s.as_str());
    assert_eq!(doc["uploaded"], true);
    assert_eq!(
        doc["release"],
        format!("{}/releases/{s}", w.prefix().display())
    );
    assert!(doc["previous"].is_null());

    let out = cli(&w, &config)
        .arg("--binary")
        .arg(&bin)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("nothing uploaded"), "{text}");

    // Local mistakes: exit 2 before connecting.
    let out = cli(&w, &config)
        .arg("--binary")
        .arg(&bin)
        .args(["--set", "PIPEFORM_BUKCET=x"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("PIPEFORM_BUKCET"));
    let out = cli(&w, &config)
        .arg("--binary")
        .arg(w.tmp.path().join("missing"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "{out:?}");

    // Rollback with nothing to roll back to is a remote failure: exit 3.
    let out = cli(&w, &config).arg("--rollback").output().expect("run");
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to roll back to"));
}

/// Asserts that sshd logged a login with the key whose public half is `public`.
fn assert_logged_in_with(w: &World, public: &Path) {
    let fp = support::sshd::fingerprint(public);
    let log = w.sshd.log();
    assert!(
        log.lines()
            .any(|l| l.contains("Accepted publickey") && l.contains(&fp)),
        "no login with {fp} ({}) in the sshd log:\n{log}",
        public.display()
    );
}

/// A new key pair in the world's temp dir, admitted by its sshd.
fn authorised_key(w: &World, name: &str, kind: &str, extra: &[&str], passphrase: &str) -> PathBuf {
    let key = w.tmp.path().join(name);
    support::sshd::keygen_with(&key, kind, extra, passphrase);
    w.sshd.authorize(&key.with_extension("pub"));
    key
}

#[test]
fn an_rsa_key_authenticates() {
    let w = World::new();
    let key = authorised_key(&w, "id_rsa", "rsa", &["-b", "3072"], "");
    let bin = w.binary("a", b"deployed with rsa");
    let mut opts = w.opts(Action::Deploy { binary: bin });
    opts.identity = Some(key.clone());
    let r = w.run(opts);
    assert!(r.uploaded && r.switched, "{r:?}");
    assert_logged_in_with(&w, &key.with_extension("pub"));
    assert!(
        w.sshd.log().contains("ssh2: RSA SHA256:"),
        "{}",
        w.sshd.log()
    );
}

#[test]
fn a_passphrase_protected_key_needs_pipeform_ssh_passphrase() {
    let w = World::new();
    let config = write_config(&w);
    let key = authorised_key(&w, "id_locked", "ed25519", &[], "correct horse");
    let bin = w.binary("a", b"deployed with a locked key");
    let deploy = |passphrase: Option<&str>| {
        let mut cmd = cli(&w, &config);
        cmd.arg("--binary")
            .arg(&bin)
            .arg("--identity")
            .arg(&key)
            .arg("--accept-new-host-key");
        if let Some(p) = passphrase {
            cmd.env("PIPEFORM_SSH_PASSPHRASE", p);
        }
        cmd.output().expect("run")
    };

    // No passphrase: a local mistake, found before connecting (exit 2, nothing touched).
    let out = deploy(None);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(err.contains("PIPEFORM_SSH_PASSPHRASE"), "{err}");
    assert!(err.contains(&key.display().to_string()), "{err}");
    assert!(
        !w.known_hosts().exists(),
        "nothing recorded before connecting"
    );

    // A wrong one can only be told by libssh2 on a session: an SSH failure (exit 3).
    let out = deploy(Some("wrong horse"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(err.contains("PIPEFORM_SSH_PASSPHRASE"), "{err}");
    assert!(!w.prefix().exists(), "nothing may be written on the host");
    assert!(
        !w.sshd.log().contains("Accepted publickey"),
        "{}",
        w.sshd.log()
    );

    let out = deploy(Some("correct horse"));
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(w.prefix().join("current/pipeform-job").is_file());
    assert_logged_in_with(&w, &key.with_extension("pub"));
}

/// A private `ssh-agent` on its own socket, killed on drop.
struct Agent {
    child: std::process::Child,
    sock: PathBuf,
    _dir: tempfile::TempDir,
}

impl Agent {
    fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir for ssh-agent");
        let sock = dir.path().join("agent.sock");
        let mut child = std::process::Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&sock)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start ssh-agent (apt-get install openssh-client)");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !sock.exists() {
            if Instant::now() > deadline || child.try_wait().ok().flatten().is_some() {
                let _ = child.kill();
                let out = child.wait_with_output().expect("ssh-agent output");
                panic!(
                    "ssh-agent did not create {}: {}",
                    sock.display(),
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Self {
            child,
            sock,
            _dir: dir,
        }
    }

    fn add(&self, key: &Path) {
        let out = std::process::Command::new("ssh-add")
            .arg(key)
            .env("SSH_AUTH_SOCK", &self.sock)
            .stdin(std::process::Stdio::null())
            .output()
            .expect("ssh-add runs");
        assert!(
            out.status.success(),
            "ssh-add: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_key_in_ssh_agent_authenticates_when_its_file_is_locked_or_absent() {
    let w = World::new();
    let config = write_config(&w);
    let key = authorised_key(&w, "id_agent", "ed25519", &[], "");
    let public = w.tmp.path().join("agent-key.pub");
    std::fs::rename(key.with_extension("pub"), &public).expect("keep the public key aside");
    let agent = Agent::start();
    agent.add(&key);
    // On disk the key now needs a passphrase only the agent's copy does without.
    let out = std::process::Command::new("ssh-keygen")
        .args(["-q", "-p", "-P", "", "-N", "only the agent knows", "-f"])
        .arg(&key)
        .output()
        .expect("ssh-keygen -p runs");
    assert!(out.status.success(), "{out:?}");
    let bin = w.binary("a", b"deployed through the agent");
    let deploy = || {
        let mut cmd = cli(&w, &config);
        cmd.arg("--binary")
            .arg(&bin)
            .arg("--identity")
            .arg(&key)
            .arg("--accept-new-host-key");
        cmd
    };
    let logins = || {
        let fp = support::sshd::fingerprint(&public);
        w.sshd
            .log()
            .lines()
            .filter(|l| l.contains("Accepted publickey") && l.contains(&fp))
            .count()
    };

    let out = deploy().output().expect("run");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("ssh-agent"),
        "{out:?}"
    );
    let out = deploy()
        .env("SSH_AUTH_SOCK", &agent.sock)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(w.prefix().join("current/pipeform-job").is_file());
    assert_eq!(logins(), 1, "{}", w.sshd.log());

    // Only the agent has the key now. Without the agent that is a local mistake: exit 2.
    std::fs::remove_file(&key).expect("remove the private key");
    let out = deploy().output().expect("run");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--identity"),
        "{out:?}"
    );
    let out = deploy()
        .env("SSH_AUTH_SOCK", &agent.sock)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(logins(), 2, "{}", w.sshd.log());
}

#[test]
fn deploy_waits_for_an_sshd_that_comes_up_within_the_connect_deadline() {
    let w = World::new();
    let config = write_config(&w);
    let booting = Sshd::prepare(support::free_port());
    booting.authorize(&w.sshd.identity().with_extension("pub"));
    let bin = w.binary("a", b"deployed to a booting host");
    // A deadline far longer than the wait below: a loaded machine cannot run it out, and the
    // order of events (deploy still waiting when sshd starts) is what is asserted.
    let mut cmd = cli_on(&w, &config, booting.port, 120);
    cmd.arg("--binary")
        .arg(&bin)
        .args(["--accept-new-host-key", "--format", "json"]);
    let deploy = std::thread::spawn(move || cmd.output().expect("run"));
    // The "instance" boots while the deploy keeps trying a refused port.
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        !deploy.is_finished(),
        "the deploy gave up on a refused port instead of waiting for the deadline"
    );
    let late = booting.start();
    let out = deploy.join().expect("deploy thread");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{out:?}\nsshd log:\n{}",
        late.log()
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(doc["uploaded"], true);
    assert_eq!(doc["port"], late.port);
}

#[test]
fn a_port_that_never_opens_fails_with_the_connect_error_at_the_deadline() {
    let w = World::new();
    let config = write_config(&w);
    let closed = support::free_port();
    let bin = w.binary("a", b"never deployed");
    let started = Instant::now();
    let out = cli_on(&w, &config, closed, 2)
        .arg("--binary")
        .arg(&bin)
        .arg("--accept-new-host-key")
        .output()
        .expect("run");
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("cannot connect to root@127.0.0.1:{closed} within")),
        "{err}"
    );
    assert!(err.contains("refused"), "{err}");
    // It kept retrying until the deadline (a loaded machine only makes this later); the upper
    // bound only catches a hang.
    assert!(
        took >= Duration::from_millis(1900),
        "gave up after {took:?}"
    );
    assert!(took < Duration::from_secs(60), "hung for {took:?}");
    assert!(!w.prefix().exists());
}

#[test]
fn the_cloudwatch_agent_is_restarted_when_its_config_changes_and_retried_after_a_failure() {
    let mut w = World::new();
    let agent_dir = w.tmp.path().join("amazon-cloudwatch-agent");
    let calls = w.tmp.path().join("ctl-calls");
    let fail = w.tmp.path().join("ctl-fails");
    let ctl = agent_dir.join("bin/amazon-cloudwatch-agent-ctl");
    std::fs::create_dir_all(agent_dir.join("bin")).expect("agent bin dir");
    // A stand-in for the agent's ctl: records its arguments; fails while `fail` exists.
    std::fs::write(
        &ctl,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\n[ ! -e '{}' ]\n",
            calls.display(),
            fail.display()
        ),
    )
    .expect("write ctl stand-in");
    std::fs::set_permissions(&ctl, std::fs::Permissions::from_mode(0o755)).expect("chmod ctl");
    let bin = w.binary("a", b"a");
    let deploy = |w: &World| {
        let mut opts = w.opts(Action::Deploy {
            binary: bin.clone(),
        });
        opts.places.agent_dir = agent_dir.display().to_string();
        w.run(opts)
    };
    let installed = agent_dir.join("etc/pipeform.json");
    let restart = format!("-a fetch-config -m ec2 -c file:{} -s", installed.display());
    let calls_so_far = || {
        std::fs::read_to_string(&calls)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };

    let r = deploy(&w);
    assert_eq!(r.agent.as_deref(), Some("restarted"), "{r:?}");
    assert_eq!(calls_so_far(), vec![restart.clone()]);
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&installed).expect("agent config"))
            .expect("agent config is JSON");
    let entry = &config["logs"]["logs_collected"]["files"]["collect_list"][0];
    assert_eq!(entry["log_group_name"], "/pipeform/job");
    assert!(deploy::summary(&r).contains("reconfigured and restarted"));

    // Same config: the agent is left alone.
    let r = deploy(&w);
    assert_eq!(r.agent.as_deref(), Some("unchanged"), "{r:?}");
    assert_eq!(calls_so_far().len(), 1);

    // A new log group whose restart fails is reported, and the next deploy tries again
    // instead of calling the agent configured.
    w.stack.monitoring.log_group = "/pipeform/other".into();
    std::fs::write(&fail, "").expect("make the ctl fail");
    let r = deploy(&w);
    assert_eq!(r.agent.as_deref(), Some("restart-failed"), "{r:?}");
    assert_eq!(calls_so_far().len(), 2);
    assert!(deploy::summary(&r).contains("the next deploy retries"));
    let config = std::fs::read_to_string(&installed).expect("agent config");
    assert!(
        config.contains("/pipeform/other"),
        "the new config is written: {config}"
    );
    std::fs::remove_file(&fail).expect("let the ctl succeed");
    let r = deploy(&w);
    assert_eq!(r.agent.as_deref(), Some("restarted"), "{r:?}");
    assert_eq!(
        calls_so_far(),
        vec![restart.clone(), restart.clone(), restart]
    );
    // ...and once it succeeded, an identical deploy leaves the agent alone again.
    let r = deploy(&w);
    assert_eq!(r.agent.as_deref(), Some("unchanged"), "{r:?}");
    assert_eq!(calls_so_far().len(), 3);
}

/// A release that does not run on the host: the deploy itself went through (the report is
/// printed), the smoke test names what failed, and the exit code is 3.
#[test]
fn a_failing_smoke_test_is_exit_3() {
    let w = World::new();
    let config = write_config(&w);
    let bin = w.binary(
        "broken",
        b"#!/bin/sh\necho 'error while loading shared libraries' >&2\nexit 127\n",
    );
    let out = cli(&w, &config)
        .arg("--binary")
        .arg(&bin)
        .args(["--accept-new-host-key", "--smoke", "--format", "json"])
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(err.contains("smoke test failed on 127.0.0.1"), "{err}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(doc["uploaded"], true, "{doc}");
    assert_eq!(doc["smoke"]["ok"], false, "{doc}");
}

/// Pins the atomic switch of `current` (`relink` in `src/deploy/release.rs`: a new symlink
/// renamed over the old one, never removed first): a reader polling the installed binary
/// through twenty switches never finds it missing.
#[test]
fn current_is_never_missing_while_it_switches() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let w = World::new();
    w.deploy(&w.binary("a", b"binary a"));
    w.deploy(&w.binary("b", b"binary b"));
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let path = w.prefix().join("current/pipeform-job");
    let reader = {
        let stop = std::sync::Arc::clone(&stop);
        std::thread::spawn(move || {
            let (mut reads, mut misses) = (0u64, 0u64);
            while !stop.load(Ordering::Relaxed) {
                match std::fs::metadata(&path) {
                    Ok(_) => reads += 1,
                    Err(_) => misses += 1,
                }
            }
            (reads, misses)
        })
    };
    for _ in 0..20 {
        let r = w.run(w.opts(Action::Rollback));
        assert!(r.switched, "{r:?}");
    }
    stop.store(true, Ordering::Relaxed);
    let (reads, misses) = reader.join().expect("reader thread");
    assert!(reads > 0, "the reader never ran");
    assert_eq!(
        misses,
        0,
        "current/pipeform-job was missing {misses} times in {} reads",
        reads + misses
    );
}

/// Files and links directly in `dir`, sorted (empty when it does not exist).
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_prefix_that_is_code_is_refused_before_connecting_and_nothing_runs() {
    let w = World::new();
    let bin = w.binary("a", b"a");
    let t = w.tmp.path().display().to_string();
    let pwned = w.tmp.path().join("pwned");
    for (prefix, ch) in [
        // Written unquoted into the cron line, cron's `sh -c` would run the `touch`.
        (format!("{t}/x;touch>{};x", pwned.display()), ';'),
        // crontab(5): `%` ends the command and feeds the rest to its stdin.
        (format!("{t}/x%y"), '%'),
        (format!("{t}/x|y"), '|'),
        (format!("{t}/x&y"), '&'),
        (format!("{t}/x(y)"), '('),
        (format!("{t}/x*"), '*'),
        (format!("{t}/x?"), '?'),
        (format!("{t}/x<y"), '<'),
    ] {
        let mut opts = w.opts(Action::Deploy {
            binary: bin.clone(),
        });
        opts.places.prefix = prefix.clone();
        let err = deploy::run(&w.stack, Some(&outputs()), &opts).expect_err(&prefix);
        assert!(err.is_usage(), "{prefix}: {err}");
        let text = err.to_string();
        assert!(text.contains("--prefix"), "{text}");
        assert!(text.contains(&format!("{ch:?}")), "{prefix}: {text}");
    }
    let mut opts = w.opts(Action::Deploy { binary: bin });
    opts.places.prefix = "opt/pipeform".into();
    let err = deploy::run(&w.stack, Some(&outputs()), &opts).expect_err("relative");
    assert!(
        err.is_usage() && err.to_string().contains("absolute"),
        "{err}"
    );
    assert!(!pwned.exists());
    assert!(!w.known_hosts().exists(), "connected before refusing");
    assert_eq!(listing(&w.cron_dir()), Vec::<String>::new());
}

#[test]
fn env_file_contents_never_travel_in_argv_and_no_temporary_is_readable_by_others() {
    let w = World::with(
        Sshd::prepare(support::free_port())
            .record_commands()
            .start(),
    );
    let bin = w.binary("a", b"a");
    let mut opts = w.opts(Action::Deploy { binary: bin });
    opts.overrides.push((
        "PIPEFORM_HMAC_KEY_SOURCE".into(),
        "file:/etc/secret-marker-4711".into(),
    ));
    opts.smoke = true;
    w.run(opts.clone());
    let commands = w.sshd.commands();
    assert!(!commands.is_empty(), "no command recorded");
    // Any local user reads the login shell's `-c` argument in /proc/*/cmdline.
    for secret in [
        "secret-marker-4711",
        "PIPEFORM_DB_HOST",
        "CRON_TZ",
        "log_group_name",
    ] {
        assert!(
            !commands.contains(secret),
            "{secret} travelled in argv:\n{commands}"
        );
    }
    assert_eq!(mode(&w.prefix().join("job.env")), 0o600);

    // A deploy that fails right after writing the env file's temporary (its owner does not
    // exist) shows the mode the temporary was created with.
    std::fs::remove_file(w.prefix().join("job.env")).expect("remove job.env");
    let mut stack = w.stack.clone();
    stack.pipeline.run_as = "pipeform-no-such-user".into();
    opts.smoke = false;
    deploy::run(&stack, Some(&outputs()), &opts).expect_err("chown to a missing user");
    for name in listing(&w.prefix()) {
        let p = w.prefix().join(&name);
        if name.contains("job.env") {
            assert_eq!(
                mode(&p) & 0o077,
                0,
                "{name} was readable by others ({:o})",
                mode(&p)
            );
        }
    }
    assert!(
        listing(&w.prefix()).iter().all(|n| !n.contains(".pf-")),
        "temporaries left: {:?}",
        listing(&w.prefix())
    );
}

#[test]
fn set_values_are_validated_like_the_config_before_connecting() {
    let w = World::new();
    let bin = w.binary("a", b"a");
    let home = PathBuf::from(std::env::var_os("HOME").unwrap_or_default());
    let rel = format!("pipeform-relcsv-{}", std::process::id());
    let _ = std::fs::remove_dir_all(home.join(&rel));
    for (set, key) in [
        (format!("PIPEFORM_CSV_DIR={rel}/sub"), "PIPEFORM_CSV_DIR"),
        ("PIPEFORM_LOG_DIR=log".to_string(), "PIPEFORM_LOG_DIR"),
        // The job rejects this template on every run; only --smoke would have noticed.
        (
            "PIPEFORM_CSV_PREFIX=csv/{week}".to_string(),
            "PIPEFORM_CSV_PREFIX",
        ),
        (
            "PIPEFORM_LOGS_PREFIX=logs/{date".to_string(),
            "PIPEFORM_LOGS_PREFIX",
        ),
    ] {
        let (k, v) = host_files::parse_override(&set).expect("a known key");
        let mut opts = w.opts(Action::Deploy {
            binary: bin.clone(),
        });
        opts.overrides.push((k, v));
        let result = deploy::run(&w.stack, Some(&outputs()), &opts);
        let created = home.join(&rel).exists();
        let _ = std::fs::remove_dir_all(home.join(&rel));
        let err = result.expect_err(&set);
        assert!(!created, "{set} created {}", home.join(&rel).display());
        assert!(err.is_usage(), "{set}: {err}");
        assert!(err.to_string().contains(key), "{set}: {err}");
    }
    assert!(!w.prefix().exists());
    assert!(!w.known_hosts().exists(), "connected before refusing");
}

#[test]
fn symlinks_the_deploy_did_not_make_are_refused_and_nothing_changes() {
    let w = World::new();
    let bin = w.binary("a", b"a");
    for (i, name) in ["releases", ".deploy.lock", "job.env", "current", "previous"]
        .iter()
        .enumerate()
    {
        let prefix = w.tmp.path().join(format!("p{i}"));
        let elsewhere = w.tmp.path().join(format!("elsewhere{i}"));
        std::fs::create_dir_all(&prefix).expect("prefix");
        if *name == "releases" || *name == "current" || *name == "previous" {
            std::fs::create_dir_all(&elsewhere).expect("elsewhere");
        }
        std::os::unix::fs::symlink(&elsewhere, prefix.join(name)).expect("plant the symlink");
        let mut opts = w.opts(Action::Deploy {
            binary: bin.clone(),
        });
        opts.places.prefix = prefix.display().to_string();
        let err = deploy::run(&w.stack, Some(&outputs()), &opts).expect_err(name);
        assert!(!err.is_usage(), "{name}: {err}");
        let text = err.to_string();
        assert!(text.contains(name) && text.contains("symlink"), "{text}");
        assert_eq!(listing(&prefix), vec![name.to_string()], "{name}");
        assert_eq!(listing(&elsewhere), Vec::<String>::new(), "{name}");
        if !(*name == "releases" || *name == "current" || *name == "previous") {
            assert!(!elsewhere.exists(), "{name}: root created its target");
        }
        assert_eq!(listing(&w.cron_dir()), Vec::<String>::new(), "{name}");
    }
}

/// `pipeform deploy` with only the flags every CLI test needs (no prefix, no timeout).
fn bare_cli(w: &World, config: &Path) -> assert_cmd::Command {
    std::fs::create_dir_all(w.cron_dir()).expect("cron dir");
    let mut cmd = support::pipeform();
    cmd.env_remove("SSH_AUTH_SOCK")
        .env_remove("PIPEFORM_SSH_PASSPHRASE")
        .arg("--config")
        .arg(config)
        .arg("deploy")
        .args(["--host", "127.0.0.1"])
        .arg("--known-hosts")
        .arg(w.known_hosts())
        .arg("--accept-new-host-key")
        .arg("--cron-dir")
        .arg(w.cron_dir())
        .arg("--terraform-dir")
        .arg(w.tmp.path().join("no-terraform"))
        .args([
            "--set",
            "PIPEFORM_DB_HOST=127.0.0.1",
            "--set",
            "PIPEFORM_DB_PASSWORD_SOURCE=env:PIPEFORM_DB_PASSWORD",
        ]);
    cmd
}

#[test]
fn out_of_range_numbers_and_unsafe_values_exit_2_without_a_panic() {
    let w = World::new();
    let config = write_config(&w);
    let bin = w.binary("a", b"a");
    let port = w.sshd.port.to_string();
    let prefix = w.prefix().display().to_string();
    let unsafe_prefix = format!("{prefix};touch /tmp/pipeform-pwned");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "--port",
                &port,
                "--prefix",
                &prefix,
                "--connect-timeout",
                "18446744073709551615",
            ],
            "--connect-timeout",
        ),
        (
            vec![
                "--port",
                &port,
                "--prefix",
                &prefix,
                "--connect-timeout",
                "0",
            ],
            "--connect-timeout",
        ),
        (vec!["--port", "0", "--prefix", &prefix], "--port"),
        (vec!["--port", &port, "--prefix", &unsafe_prefix], "';'"),
        (
            vec![
                "--port",
                &port,
                "--prefix",
                &prefix,
                "--set",
                "PIPEFORM_CSV_DIR=csv",
            ],
            "PIPEFORM_CSV_DIR",
        ),
    ];
    for (args, named) in cases {
        let out = bare_cli(&w, &config)
            .arg("--binary")
            .arg(&bin)
            .args(&args)
            .output()
            .expect("run");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(err.contains(named), "{args:?}: {err}");
    }
    assert!(!w.prefix().exists());
    assert!(!w.known_hosts().exists(), "connected before refusing");
}

/// `/bin/true` built for another machine: only its ELF header's `e_machine` changed.
fn elf_for_aarch64() -> Vec<u8> {
    let mut bytes = std::fs::read("/bin/true").expect("read /bin/true");
    bytes[18..20].copy_from_slice(&183u16.to_le_bytes()); // EM_AARCH64
    bytes
}

/// `/bin/true` needing glibc 9.x: every `GLIBC_2.` version name it references raised.
fn elf_needing_a_newer_glibc() -> Vec<u8> {
    let mut bytes = std::fs::read("/bin/true").expect("read /bin/true");
    let (from, to) = (b"GLIBC_2.", b"GLIBC_9.");
    let mut i = 0;
    let mut raised = 0;
    while i + from.len() <= bytes.len() {
        if &bytes[i..i + from.len()] == from {
            bytes[i..i + to.len()].copy_from_slice(to);
            raised += 1;
        }
        i += 1;
    }
    assert!(raised > 0, "/bin/true names no GLIBC_2.x version");
    bytes
}

#[test]
fn preflight_refuses_a_binary_for_another_machine_or_a_newer_glibc_and_the_host_is_untouched() {
    let w = World::new();
    let machine = std::env::consts::ARCH;
    for (name, bytes, named) in [
        (
            "arm",
            elf_for_aarch64(),
            vec!["aarch64", machine, "make dist"],
        ),
        (
            "newer-glibc",
            elf_needing_a_newer_glibc(),
            vec!["needs glibc 9.", "the host has glibc 2.", "make dist"],
        ),
    ] {
        let path = w.tmp.path().join(name);
        std::fs::write(&path, bytes).expect("write crafted ELF");
        let err = deploy::run(
            &w.stack,
            Some(&outputs()),
            &w.opts(Action::Deploy { binary: path }),
        )
        .expect_err(name);
        assert!(!err.is_usage(), "{name}: {err}");
        let text = err.to_string();
        for n in named {
            assert!(text.contains(n), "{name}: {n:?} not in {text}");
        }
        assert!(!w.prefix().exists(), "{name}: the host was changed");
        assert_eq!(listing(&w.cron_dir()), Vec::<String>::new(), "{name}");
    }
    // Exit 3 through the CLI; a script is not a binary at all (exit 2).
    let config = write_config(&w);
    let arm = w.tmp.path().join("arm");
    let out = cli(&w, &config)
        .arg("--accept-new-host-key")
        .arg("--binary")
        .arg(&arm)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("preflight"));
    let script = w.tmp.path().join("job.sh");
    std::fs::write(&script, "#!/bin/sh\necho hi\n").expect("write script");
    let out = cli(&w, &config)
        .arg("--accept-new-host-key")
        .arg("--binary")
        .arg(&script)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an ELF executable"));
    assert!(!w.prefix().exists());
}

/// A stand-in EC2 endpoint answering `GetConsoleOutput` with `console` (moto returns a fixed
/// text, so it cannot say what this test's sshd printed). Serves `requests` requests.
fn console_endpoint(console: String, requests: usize) -> (String, std::thread::JoinHandle<()>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let output = aws_smithy_types::base64::encode(console);
    let server = std::thread::spawn(move || {
        for stream in listener.incoming().take(requests) {
            let mut stream = stream.expect("accept");
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut length = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).expect("header");
                let lower = line.to_ascii_lowercase();
                if let Some(v) = lower.strip_prefix("content-length:") {
                    length = v.trim().parse().expect("length");
                }
                if line == "\r\n" || line.is_empty() {
                    break;
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).expect("body");
            let body = String::from_utf8_lossy(&body);
            assert!(body.contains("Action=GetConsoleOutput"), "{body}");
            assert!(body.contains("InstanceId=i-0app"), "{body}");
            let xml = format!(
                "<GetConsoleOutputResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">\
                 <requestId>r-1</requestId><instanceId>i-0app</instanceId>\
                 <timestamp>2026-11-28T03:00:00.000Z</timestamp><output>{output}</output>\
                 </GetConsoleOutputResponse>"
            );
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{xml}",
                xml.len()
            );
        }
    });
    (url, server)
}

/// The console fingerprints of `console`, fetched through the SDK from a stand-in endpoint.
fn fetch_console(console: String) -> Vec<deploy::console_keys::ConsoleFingerprint> {
    let (url, server) = console_endpoint(console, 1);
    std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let found = rt.block_on(async {
        let config = pipeform::aws::sdk_config(
            Some("ap-northeast-2"),
            Some(&url),
            pipeform::aws::Timeouts::READ,
        )
        .await;
        deploy::console_keys::fetch(&config, "i-0app").await
    });
    server.join().expect("stand-in endpoint");
    found.expect("console fingerprints")
}

#[test]
fn host_key_from_console_pins_only_a_key_the_console_printed() {
    let w = World::new();
    let bin = w.binary("a", b"a");
    let block = |lines: &[String]| {
        format!(
            "[   12.1] cloud-init[1]: Cloud-init v. 22.2.2 running\n\
             ec2: #############################################################\n\
             ec2: -----BEGIN SSH HOST KEY FINGERPRINTS-----\n{}\
             ec2: -----END SSH HOST KEY FINGERPRINTS-----\n",
            lines
                .iter()
                .map(|l| format!("ec2: {l}\n"))
                .collect::<String>()
        )
    };
    let printed = |kind: &str, label: &str| {
        let fp = support::sshd::fingerprint(&w.sshd.dir.path().join(format!("host_{kind}.pub")));
        format!("256 {fp} root@ip-10-0-1-23 ({label})")
    };

    // Another instance's keys on the console: refused before anything is sent.
    let other = w.tmp.path().join("other");
    support::sshd::keygen(&other, "ed25519");
    let fake = support::sshd::fingerprint(&other.with_extension("pub"));
    let console = fetch_console(block(&[format!("256 {fake} root@ip-10-9-9-9 (ED25519)")]));
    let mut opts = w.opts(Action::Deploy {
        binary: bin.clone(),
    });
    opts.accept_new_host_key = false;
    opts.console = Some(console);
    let err = deploy::run(&w.stack, Some(&outputs()), &opts).expect_err("not on the console");
    assert!(
        matches!(err, DeployError::Ssh(SshError::NotOnConsole { .. })),
        "{err}"
    );
    assert!(err.to_string().contains(&fake), "{err}");
    assert!(!w.known_hosts().exists());
    assert!(!w.prefix().exists());

    // The host's own keys printed: pinned, recorded, deployed.
    let console = fetch_console(block(&[
        printed("ecdsa", "ECDSA"),
        printed("ed25519", "ED25519"),
    ]));
    assert_eq!(console.len(), 2);
    let mut opts = w.opts(Action::Deploy { binary: bin });
    opts.accept_new_host_key = false;
    opts.console = Some(console);
    let r = w.run(opts);
    assert!(r.uploaded);
    assert_eq!(r.host_keys_recorded.len(), 2, "{:?}", r.host_keys_recorded);
    let kh = std::fs::read_to_string(w.known_hosts()).expect("known_hosts");
    assert!(
        kh.contains("ssh-ed25519") && kh.contains("ecdsa-sha2-nistp256"),
        "{kh}"
    );
}

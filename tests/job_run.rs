//! `pipeform-job run --env-file`: load then ship with deploy's settings, against a private
//! MariaDB and moto.

mod support;

use std::path::{Path, PathBuf};

use pipeform::jobenv::{JobEnv, SecretSource};
use support::mariadb::{MariaDb, DATABASE, PASSWORD, USER};
use support::moto::{Moto, REGION};

const BUCKET: &str = "pf-run-test";

struct Bed {
    db: MariaDb,
    moto: Moto,
    rt: tokio::runtime::Runtime,
    s3: aws_sdk_s3::Client,
    tmp: tempfile::TempDir,
    secret_arn: String,
}

impl Bed {
    fn start() -> Bed {
        let db = MariaDb::start();
        let moto = Moto::start();
        for (k, v) in moto.env() {
            std::env::set_var(k, v);
        }
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        let config = rt.block_on(pipeform::aws::sdk_config(
            Some(REGION),
            Some(&moto.endpoint()),
            pipeform::aws::Timeouts::READ,
        ));
        let s3 = pipeform::aws::s3_client(&config);
        rt.block_on(
            s3.create_bucket()
                .bucket(BUCKET)
                .create_bucket_configuration(
                    aws_sdk_s3::types::CreateBucketConfiguration::builder()
                        .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(
                            REGION,
                        ))
                        .build(),
                )
                .send(),
        )
        .expect("create bucket");
        let sm = aws_sdk_secretsmanager::Client::new(&config);
        let secret = rt
            .block_on(
                sm.create_secret()
                    .name("rds!db-test")
                    .secret_string(format!(
                        "{{\"username\":\"{USER}\",\"password\":\"{PASSWORD}\"}}"
                    ))
                    .send(),
            )
            .expect("create secret");
        let secret_arn = secret.arn().expect("secret arn").to_string();
        let tmp = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(tmp.path().join("csv")).expect("mkdir");
        std::fs::create_dir_all(tmp.path().join("logs")).expect("mkdir");
        Bed {
            db,
            moto,
            rt,
            s3,
            tmp,
            secret_arn,
        }
    }

    fn csv_dir(&self) -> PathBuf {
        self.tmp.path().join("csv")
    }

    fn log_dir(&self) -> PathBuf {
        self.tmp.path().join("logs")
    }

    fn job_log(&self) -> PathBuf {
        self.log_dir().join("pipeform-job.log")
    }

    fn env(&self, source: SecretSource) -> JobEnv {
        JobEnv {
            db_host: "127.0.0.1".into(),
            db_port: self.db.port(),
            db_name: DATABASE.into(),
            db_user: USER.into(),
            db_password: source,
            bucket: BUCKET.into(),
            csv_prefix: "csv/{date}".into(),
            logs_prefix: "logs/year={year}/month={month}/day={day}".into(),
            csv_dir: self.csv_dir().display().to_string(),
            log_dir: self.log_dir().display().to_string(),
            region: REGION.into(),
            endpoint_url: Some(self.moto.endpoint()),
            pseudonymise_fields: vec![],
            hmac_key: None,
        }
    }

    fn write_env(&self, env: &JobEnv) -> PathBuf {
        let p = self.tmp.path().join("job.env");
        std::fs::write(&p, env.render()).expect("write env file");
        p
    }

    fn keys(&self) -> Vec<String> {
        let out = self
            .rt
            .block_on(self.s3.list_objects_v2().bucket(BUCKET).send())
            .expect("list");
        let mut keys: Vec<String> = out
            .contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_string))
            .collect();
        keys.sort();
        keys
    }

    /// Runs the job; returns (exit code, stdout, stderr, log lines added by this run).
    fn run(&self, env_file: &Path, extra: &[&str]) -> (i32, String, String, String) {
        let before = std::fs::read_to_string(self.job_log())
            .unwrap_or_default()
            .len();
        let out = support::pipeform_job()
            .args(["run", "--env-file"])
            .arg(env_file)
            .args(extra)
            .env_remove("AWS_ENDPOINT_URL")
            .output()
            .expect("run pipeform-job");
        let log = std::fs::read_to_string(self.job_log()).unwrap_or_default();
        let added = log.get(before..).unwrap_or_default().to_string();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        for text in [&log, &stdout, &stderr] {
            assert!(!text.contains(PASSWORD), "password leaked:\n{text}");
        }
        (out.status.code().unwrap_or(-1), stdout, stderr, added)
    }
}

fn status_lines(log: &str) -> Vec<&str> {
    log.lines().filter(|l| l.contains("JOB_STATUS=")).collect()
}

#[test]
fn run_loads_and_ships_with_the_password_from_secrets_manager() {
    let bed = Bed::start();
    std::fs::write(bed.csv_dir().join("orders.csv"), "id,total\n1,9.99\n2,5\n").expect("w");
    std::fs::write(bed.csv_dir().join("customers.csv"), "id,name\n1,Kim\n").expect("w");
    std::fs::write(bed.log_dir().join("app.log"), "hello\n").expect("w");
    let env_file = bed.write_env(&bed.env(SecretSource::SecretsManager(bed.secret_arn.clone())));

    let (code, _, stderr, log) = bed.run(&env_file, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(status_lines(&log).len(), 1, "{log}");
    assert!(
        log.lines()
            .last()
            .is_some_and(|l| l.ends_with("JOB_STATUS=SUCCEEDED")),
        "{log}"
    );
    assert_eq!(
        bed.db.sql("SELECT id, total FROM orders ORDER BY id"),
        "1\t9.99\n2\t5.00\n"
    );
    assert_eq!(bed.db.sql("SELECT name FROM customers"), "Kim\n");
    let keys = bed.keys();
    // Two CSVs, the other log, a snapshot of the job's own log (it may never rotate), and the
    // two days' manifests.
    assert_eq!(keys.len(), 6, "{keys:?}");
    assert_eq!(
        keys.iter()
            .filter(|k| k.ends_with("/_pipeform_manifest.json"))
            .count(),
        2,
        "{keys:?}"
    );
    assert!(keys
        .iter()
        .any(|k| k.starts_with("logs/year=") && k.ends_with("/pipeform-job.log.gz")));
    assert!(keys
        .iter()
        .any(|k| k.starts_with("csv/") && k.ends_with("/orders.csv.gz")));
    assert!(keys
        .iter()
        .any(|k| k.starts_with("logs/year=") && k.ends_with("/app.log.gz")));
    assert!(
        !bed.log_dir().join(".pipeform-job.lock").exists(),
        "lock released"
    );

    // A second run replaces the tables again and uploads nothing new but the job's own log,
    // which has grown by the first run's lines.
    let (code, _, stderr, log) = bed.run(&env_file, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(status_lines(&log).len(), 1, "{log}");
    assert!(log.contains("1 uploaded, 3 already present"), "{log}");
    assert!(log.contains("pipeform-job.log.gz"), "{log}");
}

#[test]
fn a_bad_csv_fails_the_run_and_changes_nothing() {
    let bed = Bed::start();
    std::env::set_var("PF_RUN_TEST_PW", PASSWORD);
    let env_file = bed.write_env(&bed.env(SecretSource::Env("PF_RUN_TEST_PW".into())));
    std::fs::write(bed.csv_dir().join("orders.csv"), "id\n1\n").expect("w");
    let (code, _, stderr, _) = bed.run(&env_file, &[]);
    assert_eq!(code, 0, "{stderr}");
    let shipped = bed.keys();

    std::fs::write(bed.csv_dir().join("orders.csv"), "id,x\n1,2\n3\n").expect("w");
    let (code, _, stderr, log) = bed.run(&env_file, &[]);
    assert_eq!(code, 1, "{stderr}");
    let st = status_lines(&log);
    assert_eq!(st.len(), 1, "{log}");
    assert!(st[0].contains("orders.csv: line 3"), "{}", st[0]);
    assert_eq!(bed.db.sql("SELECT id FROM orders"), "1\n");
    assert_eq!(bed.keys(), shipped, "a failed load ships nothing");
}

#[test]
fn overlapping_runs_are_refused_by_the_lock() {
    let bed = Bed::start();
    let pw_file = bed.tmp.path().join("pw");
    std::fs::write(&pw_file, format!("{PASSWORD}\n")).expect("w");
    let env_file = bed.write_env(&bed.env(SecretSource::File(pw_file.display().to_string())));
    // This test process is alive: its pid in the lock file means a run is in progress.
    std::fs::write(
        bed.log_dir().join(".pipeform-job.lock"),
        format!("{}\n", std::process::id()),
    )
    .expect("w");
    let (code, _, stderr, log) = bed.run(&env_file, &[]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(status_lines(&log).len(), 1, "{log}");
    assert!(log.contains("holds the lock"), "{log}");
    assert!(bed.db.sql("SHOW TABLES").is_empty());
    std::fs::remove_file(bed.log_dir().join(".pipeform-job.lock")).expect("rm");
    let (code, _, stderr, _) = bed.run(&env_file, &[]);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn dry_run_validates_and_touches_nothing() {
    let bed = Bed::start();
    std::fs::write(bed.csv_dir().join("orders.csv"), "id\n1\n").expect("w");
    let env_file = bed.write_env(&bed.env(SecretSource::SecretsManager(bed.secret_arn.clone())));
    let (code, stdout, stderr, log) = bed.run(&env_file, &["--dry-run"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("would load 1 table(s)"), "{stdout}");
    assert!(stdout.contains("is valid"), "{stdout}");
    assert!(log.is_empty(), "a dry run writes no job log: {log}");
    assert!(bed.db.sql("SHOW TABLES").is_empty());
    assert!(bed.keys().is_empty());

    // Broken env files are usage errors.
    let bad = bed.tmp.path().join("bad.env");
    std::fs::write(&bad, "PIPEFORM_DB_HOST=x\nPIPEFORM_TYPO=1\n").expect("w");
    let (code, _, stderr, _) = bed.run(&bad, &["--dry-run"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("PIPEFORM_TYPO"), "{stderr}");
    let (code, _, stderr, _) = bed.run(&bed.tmp.path().join("missing.env"), &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("pipeform deploy"), "{stderr}");
    let mut env = bed.env(SecretSource::Env("PF_NOT_SET_ANYWHERE".into()));
    env.logs_prefix = "logs/static".into();
    let (code, _, stderr, _) = bed.run(&bed.write_env(&env), &["--dry-run"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("PF_NOT_SET_ANYWHERE"), "{stderr}");
    assert!(stderr.contains("PIPEFORM_LOGS_PREFIX"), "{stderr}");
}

#[test]
fn version_flag_works() {
    let out = support::pipeform_job()
        .arg("--version")
        .output()
        .expect("run");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("pipeform-job "));
}

/// A job.env that cannot be used still ends the run with one `JOB_STATUS=FAILED reason=` line,
/// on stderr and in the job log, so the alarm path sees the run fail (no servers needed).
#[test]
fn an_unusable_env_file_still_ends_the_run_with_a_failed_status_line() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let log_dir = tmp.path().join("logs");
    let env = JobEnv {
        db_host: "127.0.0.1".into(),
        db_port: 3306,
        db_name: "offsets".into(),
        db_user: "offsets_admin".into(),
        db_password: SecretSource::Env("PF_UNUSED".into()),
        bucket: BUCKET.into(),
        csv_prefix: "csv/{date}".into(),
        logs_prefix: "logs/{date}".into(),
        csv_dir: tmp.path().join("csv").display().to_string(),
        log_dir: log_dir.display().to_string(),
        region: REGION.into(),
        endpoint_url: None,
        pseudonymise_fields: Vec::new(),
        hmac_key: None,
    };
    let run = |env_file: &Path, extra: &[&str]| {
        let out = support::pipeform_job()
            .args(["run", "--env-file"])
            .arg(env_file)
            .args(extra)
            .output()
            .expect("run pipeform-job");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        (out.status.code(), stderr)
    };
    // A key given twice: refused, and the log dir the file names still gets the status line.
    let dup = tmp.path().join("dup.env");
    std::fs::write(&dup, format!("{}PIPEFORM_BUCKET=elsewhere\n", env.render())).unwrap();
    let (code, stderr) = run(&dup, &[]);
    assert_eq!(code, Some(2), "{stderr}");
    let log = std::fs::read_to_string(log_dir.join("pipeform-job.log")).unwrap_or_default();
    for text in [&stderr, &log] {
        assert_eq!(status_lines(text).len(), 1, "{text}");
        assert!(
            text.contains("JOB_STATUS=FAILED reason=")
                && text.contains("PIPEFORM_BUCKET is given again"),
            "{text}"
        );
    }
    // No file at all: --log-file is where the line goes, and stderr always has it.
    let missing = tmp.path().join("missing.env");
    let explicit = tmp.path().join("explicit.log");
    let (code, stderr) = run(&missing, &["--log-file", explicit.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{stderr}");
    let log = std::fs::read_to_string(&explicit).unwrap_or_default();
    for text in [&stderr, &log] {
        assert_eq!(status_lines(text).len(), 1, "{text}");
        assert!(text.contains("JOB_STATUS=FAILED reason=env file"), "{text}");
    }
    let (code, stderr) = run(&missing, &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(status_lines(&stderr).len(), 1, "{stderr}");
    assert!(
        stderr.contains("JOB_STATUS=FAILED reason=env file"),
        "{stderr}"
    );
    // --dry-run writes no status line (as its help says), but still names the problem.
    let (code, stderr) = run(&dup, &["--dry-run"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(status_lines(&stderr).is_empty(), "{stderr}");
    assert!(stderr.contains("given again"), "{stderr}");
}

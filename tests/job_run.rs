//! `pipeform-job run --env-file`: load then ship with deploy's settings, against a private
//! MariaDB and moto.

mod support;

use std::path::{Path, PathBuf};

use pipeform::jobenv::{JobEnv, SecretSource};
use support::mariadb::{MariaDb, DATABASE, PASSWORD, USER};
use support::moto::{Moto, REGION};

const BUCKET: &str = "pf-run-test";
const LOG_GROUP: &str = "/pf-run-test/job";

struct Bed {
    db: MariaDb,
    moto: Moto,
    rt: tokio::runtime::Runtime,
    s3: aws_sdk_s3::Client,
    logs: aws_sdk_cloudwatchlogs::Client,
    tmp: tempfile::TempDir,
    secret_arn: String,
}

impl Bed {
    fn start() -> Bed {
        let db = MariaDb::start();
        let moto = Moto::start();
        // The test's own clients are configured explicitly; the job gets moto's credentials
        // in its own environment (see `run`): tests run in parallel threads of one process,
        // and none may change the environment the others read.
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        let config = moto.sdk_config(&rt);
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
        let logs = aws_sdk_cloudwatchlogs::Client::new(&config);
        rt.block_on(logs.create_log_group().log_group_name(LOG_GROUP).send())
            .expect("create log group");
        let tmp = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(tmp.path().join("csv")).expect("mkdir");
        std::fs::create_dir_all(tmp.path().join("logs")).expect("mkdir");
        Bed {
            db,
            moto,
            rt,
            s3,
            logs,
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
            log_group: Some(LOG_GROUP.into()),
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

    /// Every message in the run's stream of today, in the order CloudWatch Logs returns them.
    fn delivered(&self) -> Vec<String> {
        // The documented stream name: `<host>/<YYYY-MM-DD>` (UTC day).
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname").expect("host name");
        let stream = format!("{}/{}", host.trim(), chrono::Utc::now().format("%Y-%m-%d"));
        let out = self.rt.block_on(
            self.logs
                .get_log_events()
                .log_group_name(LOG_GROUP)
                .log_stream_name(&stream)
                .start_from_head(true)
                .send(),
        );
        match out {
            Ok(out) => out
                .events()
                .iter()
                .filter_map(|e| e.message().map(str::to_string))
                .collect(),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                Vec::new()
            }
            Err(e) => panic!("get_log_events {stream}: {e:?}"),
        }
    }

    fn spool(&self) -> PathBuf {
        self.log_dir().join(".pipeform-job.cwlogs-spool.jsonl")
    }

    /// Runs the job; returns (exit code, stdout, stderr, log lines added by this run).
    fn run(&self, env_file: &Path, extra: &[&str]) -> (i32, String, String, String) {
        self.run_with_env(env_file, extra, &[])
    }

    /// [`Bed::run`] with extra environment for the job. moto's credentials and region come
    /// from the environment, as on a host from the instance role; the endpoint only from the
    /// env file.
    fn run_with_env(
        &self,
        env_file: &Path,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> (i32, String, String, String) {
        let before = std::fs::read_to_string(self.job_log())
            .unwrap_or_default()
            .len();
        let out = support::pipeform_job()
            .args(["run", "--env-file"])
            .arg(env_file)
            .args(extra)
            .envs(self.moto.env())
            .envs(env.iter().copied())
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
    // `run` has no `--date`: each run ships under its own "today", and the second run below
    // must see the first one's day.
    support::clear_of_utc_midnight(std::time::Duration::from_secs(300));
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
    let pw = [("PF_RUN_TEST_PW", PASSWORD)];
    let env_file = bed.write_env(&bed.env(SecretSource::Env("PF_RUN_TEST_PW".into())));
    std::fs::write(bed.csv_dir().join("orders.csv"), "id\n1\n").expect("w");
    let (code, _, stderr, _) = bed.run_with_env(&env_file, &[], &pw);
    assert_eq!(code, 0, "{stderr}");
    let shipped = bed.keys();

    std::fs::write(bed.csv_dir().join("orders.csv"), "id,x\n1,2\n3\n").expect("w");
    let (code, _, stderr, log) = bed.run_with_env(&env_file, &[], &pw);
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
    let env = bed.env(SecretSource::Env("PF_NOT_SET_ANYWHERE".into()));
    let (code, _, stderr, _) = bed.run(&bed.write_env(&env), &["--dry-run"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("PF_NOT_SET_ANYWHERE"), "{stderr}");
    // A template the job cannot render is refused when the env file is read (the same
    // validation `deploy --set` goes through).
    let mut env = bed.env(SecretSource::SecretsManager(bed.secret_arn.clone()));
    env.logs_prefix = "logs/static".into();
    let (code, _, stderr, _) = bed.run(&bed.write_env(&env), &["--dry-run"]);
    assert_eq!(code, 2);
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

/// Issue 15: huge numbers made the job panic (exit 101, no status line) or hang. Every numeric
/// flag of every subcommand, at extreme and edge values: each run ends promptly, either refused
/// by the command line (exit 2, naming the flag) or with exactly one status line.
#[test]
fn extreme_numeric_flags_end_in_exit_2_or_one_status_line() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (csv, logs) = (tmp.path().join("csv"), tmp.path().join("logs"));
    std::fs::create_dir_all(&csv).expect("mkdir");
    std::fs::create_dir_all(&logs).expect("mkdir");
    let table = tmp.path().join("t.csv");
    std::fs::write(&table, "a\n1\n").expect("write");
    // Nothing listens on port 1: the load fails at once, and with empty directories the ship
    // makes no request at all.
    let env = JobEnv {
        db_host: "127.0.0.1".into(),
        db_port: 1,
        db_name: "d".into(),
        db_user: "u".into(),
        db_password: SecretSource::Env("PF_EXTREME_PW".into()),
        bucket: "b".into(),
        csv_prefix: "csv/{date}".into(),
        logs_prefix: "logs/{date}".into(),
        csv_dir: csv.display().to_string(),
        log_dir: logs.display().to_string(),
        region: "us-east-1".into(),
        endpoint_url: Some("http://127.0.0.1:1".into()),
        pseudonymise_fields: vec![],
        hmac_key: None,
        log_group: None,
    };
    let env_file = tmp.path().join("job.env");
    std::fs::write(&env_file, env.render()).expect("write env");
    let log = tmp.path().join("job.log");
    let s = |p: &Path| p.display().to_string();
    let load: Vec<String> = [
        "load",
        "--db-url",
        "mysql://u:p@127.0.0.1:1/d",
        "--table",
        &format!("t={}", s(&table)),
    ]
    .map(String::from)
    .to_vec();
    let ship: Vec<String> = [
        "ship",
        "--bucket",
        "b",
        "--csv-dir",
        &s(&csv),
        "--log-dir",
        &s(&logs),
        "--endpoint-url",
        "http://127.0.0.1:1",
        "--region",
        "us-east-1",
    ]
    .map(String::from)
    .to_vec();
    let run: Vec<String> = ["run", "--env-file", &s(&env_file)]
        .map(String::from)
        .to_vec();
    let log_flags = [("--log-max-bytes", "1073741824"), ("--log-keep", "100")];
    let s3_flags = [
        ("--concurrency", "64"),
        ("--s3-attempt-timeout", "3600"),
        ("--s3-max-attempts", "20"),
        ("--multipart-threshold", "536870912"),
        ("--gzip-level", "9"),
        ("--part-size", "536870912"),
    ];
    let lock = [("--lock-wait-timeout", "86400")];
    type Flags<'a> = Vec<(&'a str, &'a str)>;
    let cases: Vec<(&Vec<String>, Flags)> = vec![
        (&load, [&lock[..], &log_flags].concat()),
        (&ship, [&s3_flags[..], &log_flags].concat()),
        (&run, [&lock[..], &s3_flags, &log_flags].concat()),
    ];
    let mut refused = 0;
    for (base, flags) in &cases {
        for (flag, max) in flags {
            for value in [
                "0",
                "1",
                max,
                "-1",
                "4294967295",
                "4294967296",
                "18446744073709551615",
                "18446744073709551616",
                "99999999999999999999999999",
                "1e9",
            ] {
                let what = format!("{} {flag} {value}", base[0]);
                let before = std::fs::read_to_string(&log).unwrap_or_default().len();
                let mut child = std::process::Command::new(support::job_bin())
                    .args(base.iter())
                    .arg(format!("{flag}={value}"))
                    .arg("--log-file")
                    .arg(&log)
                    .env("PF_EXTREME_PW", "pw")
                    .env_remove("AWS_ENDPOINT_URL")
                    .env("AWS_ACCESS_KEY_ID", "x")
                    .env("AWS_SECRET_ACCESS_KEY", "x")
                    .env("AWS_EC2_METADATA_DISABLED", "true")
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .expect("spawn");
                let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
                let code = loop {
                    if let Some(status) = child.try_wait().expect("wait") {
                        break status.code();
                    }
                    if std::time::Instant::now() > deadline {
                        let _ = child.kill();
                        panic!("{what}: still running after 60 s");
                    }
                    std::thread::sleep(std::time::Duration::from_millis(20));
                };
                let mut stderr = String::new();
                if let Some(mut e) = child.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut e, &mut stderr);
                }
                let added = std::fs::read_to_string(&log).unwrap_or_default()[before..].to_string();
                let status = status_lines(&added);
                match code {
                    Some(2) if status.is_empty() => {
                        assert!(stderr.contains(flag), "{what}: {stderr}");
                        refused += 1;
                    }
                    Some(0..=2) => assert_eq!(
                        (status.len(), added.lines().last()),
                        (1, status.first().copied()),
                        "{what}: exit {code:?}, log:\n{added}\nstderr:\n{stderr}"
                    ),
                    other => panic!("{what}: exit {other:?}\n{stderr}"),
                }
            }
        }
    }
    assert!(refused > 100, "only {refused} runs were refused");
}

/// The CLI and the config agree: CSV and log prefixes that start alike are refused.
#[test]
fn run_refuses_csv_and_log_prefixes_that_start_alike() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let env = JobEnv {
        db_host: "127.0.0.1".into(),
        db_port: 1,
        db_name: "d".into(),
        db_user: "u".into(),
        db_password: SecretSource::Env("PF_SAME_PW".into()),
        bucket: "b".into(),
        csv_prefix: "same/{date}".into(),
        logs_prefix: "same/{year}/{month}/{day}".into(),
        csv_dir: tmp.path().display().to_string(),
        log_dir: tmp.path().display().to_string(),
        region: "us-east-1".into(),
        endpoint_url: Some("http://127.0.0.1:1".into()),
        pseudonymise_fields: vec![],
        hmac_key: None,
        log_group: None,
    };
    let env_file = tmp.path().join("job.env");
    std::fs::write(&env_file, env.render()).expect("write env");
    for extra in [&["--dry-run"][..], &[]] {
        let out = support::pipeform_job()
            .args(["run", "--env-file"])
            .arg(&env_file)
            .args(extra)
            .env("PF_SAME_PW", "pw")
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(
            stderr.contains("PIPEFORM_CSV_PREFIX and PIPEFORM_LOGS_PREFIX"),
            "{stderr}"
        );
    }
}

/// Lines of the job log, as delivered (without their newlines).
fn lines_of(log: &str) -> Vec<String> {
    log.lines().map(str::to_string).collect()
}

#[test]
fn run_delivers_its_lines_to_the_log_group_in_order() {
    let bed = Bed::start();
    let env_file = bed.write_env(&bed.env(SecretSource::Env("PF_RUN_DELIVER_PW".into())));
    std::fs::write(bed.csv_dir().join("orders.csv"), "id,x\n1,2\n3\n").expect("w");

    let (code, _, stderr, log) =
        bed.run_with_env(&env_file, &[], &[("PF_RUN_DELIVER_PW", PASSWORD)]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains(&format!("to {LOG_GROUP}")), "{stderr}");
    let delivered = bed.delivered();
    assert_eq!(
        delivered,
        lines_of(&log),
        "stream holds exactly the run's lines, in order"
    );
    assert!(delivered
        .last()
        .is_some_and(|l| l.contains("JOB_STATUS=FAILED reason=") && l.contains("orders.csv")));

    std::fs::write(bed.csv_dir().join("orders.csv"), "id,x\n1,2\n").expect("w");
    let (code, _, stderr, log2) =
        bed.run_with_env(&env_file, &[], &[("PF_RUN_DELIVER_PW", PASSWORD)]);
    assert_eq!(code, 0, "{stderr}");
    let mut both = lines_of(&log);
    both.extend(lines_of(&log2));
    assert_eq!(
        bed.delivered(),
        both,
        "the second run appends to the day's stream"
    );
    assert!(!bed.spool().exists());
}

/// A CloudWatch Logs endpoint that answers every request with HTTP 500.
fn failing_logs_endpoint() -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for mut conn in listener.incoming().flatten() {
            let mut buf = [0u8; 65536];
            let _ = conn.set_read_timeout(Some(std::time::Duration::from_millis(500)));
            let _ = conn.read(&mut buf);
            let body = r#"{"__type":"ServiceUnavailableException","message":"injected fault"}"#;
            let _ = write!(
                conn,
                "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://127.0.0.1:{port}")
}

#[test]
fn a_logging_outage_spools_and_the_next_run_delivers_each_line_once() {
    let bed = Bed::start();
    let env_file = bed.write_env(&bed.env(SecretSource::Env("PF_RUN_OUTAGE_PW".into())));
    std::fs::write(bed.csv_dir().join("orders.csv"), "id,x\n1,2\n").expect("w");

    // 5xx from the logs endpoint while S3 and the database work: the run still succeeds.
    let (code, _, stderr, log1) = bed.run_with_env(
        &env_file,
        &[],
        &[
            ("PF_RUN_OUTAGE_PW", PASSWORD),
            ("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", &failing_logs_endpoint()),
        ],
    );
    assert_eq!(
        code, 0,
        "a logging outage never changes the result: {stderr}"
    );
    assert!(
        stderr.contains("WARNING") && stderr.contains("spooled"),
        "{stderr}"
    );
    assert!(log1.trim_end().ends_with("JOB_STATUS=SUCCEEDED"), "{log1}");
    assert!(bed.spool().exists());
    assert!(bed.delivered().is_empty());
    assert_eq!(bed.db.sql("SELECT id FROM orders"), "1\n");

    // The endpoint is down (nothing listens): the spool grows by this run's lines.
    let down = format!("http://127.0.0.1:{}", support::free_port());
    let (code, _, stderr, log2) = bed.run_with_env(
        &env_file,
        &[],
        &[
            ("PF_RUN_OUTAGE_PW", PASSWORD),
            ("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", &down),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("WARNING"), "{stderr}");
    assert!(bed.delivered().is_empty());

    // Back: the spool goes first, then this run's lines; each exactly once, in time order.
    let (code, _, stderr, log3) =
        bed.run_with_env(&env_file, &[], &[("PF_RUN_OUTAGE_PW", PASSWORD)]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("spooled by earlier runs"), "{stderr}");
    let mut all = lines_of(&log1);
    all.extend(lines_of(&log2));
    all.extend(lines_of(&log3));
    assert_eq!(bed.delivered(), all);
    assert_eq!(
        bed.delivered()
            .iter()
            .filter(|l| l.contains("JOB_STATUS="))
            .count(),
        3
    );
    assert!(!bed.spool().exists(), "spool emptied once delivered");
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
        log_group: None,
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

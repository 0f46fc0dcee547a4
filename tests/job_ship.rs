//! `pipeform-job ship` against a real moto server.

mod support;

use std::io::Read;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use support::moto::{Moto, REGION};

const BUCKET: &str = "pf-ship-test";

/// An S3 client for the test's own checks.
struct S3 {
    rt: tokio::runtime::Runtime,
    client: aws_sdk_s3::Client,
}

impl S3 {
    fn new(moto: &Moto) -> S3 {
        // The test's own client is configured explicitly (tests run in parallel threads of one
        // process: none may change the environment the others read).
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        let config = moto.sdk_config(&rt);
        let client = pipeform::aws::s3_client(&config);
        rt.block_on(
            client
                .create_bucket()
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
        S3 { rt, client }
    }

    fn keys(&self) -> Vec<String> {
        let out = self
            .rt
            .block_on(self.client.list_objects_v2().bucket(BUCKET).send())
            .expect("list objects");
        let mut keys: Vec<String> = out
            .contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_string))
            .collect();
        keys.sort();
        keys
    }

    fn put_policy(&self, policy: &str) {
        self.rt
            .block_on(
                self.client
                    .put_bucket_policy()
                    .bucket(BUCKET)
                    .policy(policy)
                    .send(),
            )
            .expect("put bucket policy");
    }

    fn delete_policy(&self) {
        self.rt
            .block_on(self.client.delete_bucket_policy().bucket(BUCKET).send())
            .expect("delete bucket policy");
    }

    /// The object's bytes as stored.
    fn raw(&self, key: &str) -> Vec<u8> {
        let out = self
            .rt
            .block_on(self.client.get_object().bucket(BUCKET).key(key).send())
            .unwrap_or_else(|e| panic!("get {key}: {e}"));
        self.rt
            .block_on(out.body.collect())
            .expect("read body")
            .into_bytes()
            .to_vec()
    }

    /// A day manifest, parsed: (date, [(key, sha256)]).
    fn manifest(&self, key: &str) -> (String, Vec<(String, String)>) {
        let doc: serde_json::Value =
            serde_json::from_slice(&self.raw(key)).expect("the manifest is JSON");
        assert_eq!(doc["format"], 1, "{doc}");
        let objects = doc["objects"]
            .as_array()
            .unwrap_or_else(|| panic!("no objects in {doc}"))
            .iter()
            .map(|o| {
                (
                    o["key"].as_str().unwrap_or_default().to_string(),
                    o["sha256"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        (
            doc["date"].as_str().unwrap_or_default().to_string(),
            objects,
        )
    }

    /// (gunzipped body, sha256 metadata, content-encoding)
    fn get(&self, key: &str) -> (Vec<u8>, Option<String>, Option<String>) {
        let out = self
            .rt
            .block_on(self.client.get_object().bucket(BUCKET).key(key).send())
            .expect("get object");
        let sha = out
            .metadata()
            .and_then(|m| m.get("pipeform-sha256").cloned());
        let enc = out.content_encoding().map(str::to_string);
        let body = self
            .rt
            .block_on(out.body.collect())
            .expect("read body")
            .into_bytes();
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(&body[..])
            .read_to_end(&mut plain)
            .expect("object is a plain gzip file");
        (plain, sha, enc)
    }
}

struct Dirs {
    _tmp: tempfile::TempDir,
    csv: PathBuf,
    logs: PathBuf,
    job_log: PathBuf,
}

fn dirs() -> Dirs {
    let tmp = tempfile::tempdir().expect("tempdir");
    let csv = tmp.path().join("csv");
    let logs = tmp.path().join("logs");
    std::fs::create_dir_all(&csv).expect("mkdir");
    std::fs::create_dir_all(&logs).expect("mkdir");
    let job_log = tmp.path().join("job.log");
    Dirs {
        _tmp: tmp,
        csv,
        logs,
        job_log,
    }
}

fn ship_cmd(moto: &Moto, d: &Dirs, extra: &[&str]) -> std::process::Command {
    let mut cmd = std::process::Command::new(support::job_bin());
    cmd.env_remove("RUST_LOG");
    for (k, v) in moto.env() {
        cmd.env(k, v);
    }
    cmd.args([
        "ship",
        "--bucket",
        BUCKET,
        "--endpoint-url",
        &moto.endpoint(),
    ])
    .arg("--csv-dir")
    .arg(&d.csv)
    .arg("--log-dir")
    .arg(&d.logs)
    .arg("--log-file")
    .arg(&d.job_log)
    .args(extra);
    cmd
}

struct Run {
    code: i32,
    stderr: String,
    /// The log lines this run added.
    log: String,
}

fn ship(moto: &Moto, d: &Dirs, extra: &[&str]) -> Run {
    ship_with_env(moto, d, extra, &[])
}

/// [`ship`] with extra environment for the job (never set in the test process itself).
fn ship_with_env(moto: &Moto, d: &Dirs, extra: &[&str], env: &[(&str, &str)]) -> Run {
    let before = std::fs::read_to_string(&d.job_log)
        .unwrap_or_default()
        .len();
    let out = ship_cmd(moto, d, extra)
        .envs(env.iter().copied())
        .output()
        .expect("run pipeform-job ship");
    run_of(d, before, out.status.code(), &out.stderr)
}

fn run_of(d: &Dirs, before: usize, code: Option<i32>, stderr: &[u8]) -> Run {
    let log = std::fs::read_to_string(&d.job_log).unwrap_or_default();
    let run = Run {
        code: code.unwrap_or(-1),
        stderr: String::from_utf8_lossy(stderr).into_owned(),
        log: log[before..].to_string(),
    };
    let status: Vec<&str> = run
        .log
        .lines()
        .filter(|l| l.contains("JOB_STATUS="))
        .collect();
    assert_eq!(
        status.len(),
        1,
        "exactly one status line per run:\n{}",
        run.log
    );
    assert_eq!(
        run.log.lines().last(),
        Some(status[0]),
        "the status line ends the run:\n{}",
        run.log
    );
    run
}

fn count(log: &str, what: &str) -> usize {
    log.lines().filter(|l| l.contains(what)).count()
}

#[test]
fn ships_gzip_under_dated_prefixes_and_a_rerun_uploads_nothing() {
    let moto = Moto::start();
    let s3 = S3::new(&moto);
    let d = dirs();
    let orders = b"id,name\n1,a\n2,b\n".to_vec();
    std::fs::write(d.csv.join("orders.csv"), &orders).expect("write");
    std::fs::write(d.csv.join("notes.txt"), b"not a csv").expect("write");
    std::fs::write(
        d.logs.join("app.log"),
        b"t=1 user_id=4711 ip=10.1.2.3 msg=hello\n",
    )
    .expect("write");
    std::fs::write(
        d.logs.join("app.log.1"),
        b"{\"user_id\": \"4711\", \"msg\": \"old\"}\n",
    )
    .expect("write");
    std::fs::write(d.logs.join(".hidden"), b"x").expect("write");
    let extra = [
        "--date",
        "2026-03-07",
        "--logs-prefix",
        "logs/year={year}/month={month}/day={day}",
        "--pseudonymise-fields",
        "user_id,ip",
        "--hmac-key-source",
        "env:PF_TEST_HMAC",
    ];
    // The key reaches the job through its own environment only.
    let hmac = [("PF_TEST_HMAC", "hmac-key-not-in-logs")];
    let run = ship_with_env(&moto, &d, &extra, &hmac);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.log.contains("JOB_STATUS=SUCCEEDED"));
    assert_eq!(count(&run.log, "ship: uploaded"), 3, "{}", run.log);
    assert_eq!(
        s3.keys(),
        [
            "csv/2026-03-07/_pipeform_manifest.json",
            "csv/2026-03-07/orders.csv.gz",
            "logs/year=2026/month=03/day=07/_pipeform_manifest.json",
            "logs/year=2026/month=03/day=07/app.log.1.gz",
            "logs/year=2026/month=03/day=07/app.log.gz",
        ]
    );
    // Each day's manifest names that day's objects with the hashes in their metadata.
    let (date, objects) = s3.manifest("csv/2026-03-07/_pipeform_manifest.json");
    assert_eq!(date, "2026-03-07");
    let csv_sha = s3.get("csv/2026-03-07/orders.csv.gz").1.unwrap_or_default();
    assert_eq!(
        objects,
        [("csv/2026-03-07/orders.csv.gz".to_string(), csv_sha.clone())]
    );
    let (_, objects) = s3.manifest("logs/year=2026/month=03/day=07/_pipeform_manifest.json");
    let names: Vec<&str> = objects.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "logs/year=2026/month=03/day=07/app.log.1.gz",
            "logs/year=2026/month=03/day=07/app.log.gz",
        ]
    );
    assert_eq!(count(&run.log, "manifest s3://"), 2, "{}", run.log);
    assert_eq!(
        count(&run.log, "_pipeform_manifest.json written ("),
        2,
        "{}",
        run.log
    );
    let (body, sha, enc) = s3.get("csv/2026-03-07/orders.csv.gz");
    assert_eq!(body, orders);
    assert_eq!(enc, None, "Content-Encoding must not be set");
    assert_eq!(sha.as_deref().map(str::len), Some(64));
    let (log_body, _, _) = s3.get("logs/year=2026/month=03/day=07/app.log.gz");
    let log_text = String::from_utf8(log_body).expect("utf8");
    assert!(
        !log_text.contains("4711") && !log_text.contains("10.1.2.3"),
        "{log_text}"
    );
    assert!(
        log_text.contains("user_id=h:") && log_text.contains("msg=hello"),
        "{log_text}"
    );
    let (old_body, _, _) = s3.get("logs/year=2026/month=03/day=07/app.log.1.gz");
    assert!(!String::from_utf8_lossy(&old_body).contains("4711"));
    assert!(
        !run.log.contains("hmac-key-not-in-logs") && !run.stderr.contains("hmac-key-not-in-logs")
    );

    // Same content again: nothing uploaded.
    let run = ship_with_env(&moto, &d, &extra, &hmac);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(count(&run.log, "ship: uploaded"), 0, "{}", run.log);
    assert_eq!(count(&run.log, "ship: skipped"), 3, "{}", run.log);
    assert_eq!(count(&run.log, "unchanged ("), 2, "{}", run.log);

    // One file changes: only it goes up again.
    std::fs::write(d.csv.join("orders.csv"), b"id,name\n1,a\n2,b\n3,c\n").expect("write");
    let run = ship_with_env(&moto, &d, &extra, &hmac);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(count(&run.log, "ship: uploaded"), 1, "{}", run.log);
    assert_eq!(
        s3.get("csv/2026-03-07/orders.csv.gz").0,
        b"id,name\n1,a\n2,b\n3,c\n"
    );
    assert_eq!(s3.keys().len(), 5);
    // The CSV day's manifest follows the new content; the logs day's stays as it was.
    assert_eq!(count(&run.log, "unchanged ("), 1, "{}", run.log);
    let (_, objects) = s3.manifest("csv/2026-03-07/_pipeform_manifest.json");
    let new_sha = s3.get("csv/2026-03-07/orders.csv.gz").1.unwrap_or_default();
    assert_ne!(new_sha, csv_sha);
    assert_eq!(objects[0].1, new_sha);
}

#[test]
fn a_manifest_that_cannot_be_written_fails_the_run_and_the_rerun_writes_it() {
    let moto = Moto::start();
    let s3 = S3::new(&moto);
    let d = dirs();
    std::fs::write(d.csv.join("a.csv"), b"x\n1\n").expect("write");
    std::fs::write(d.logs.join("app.log"), b"hello\n").expect("write");
    let extra = ["--date", "2026-04-04", "--s3-max-attempts", "1"];
    // Every file may go up; the manifests may not.
    s3.put_policy(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::{BUCKET}/*_pipeform_manifest.json"}}]}}"#
    ));
    let run = ship(&moto, &d, &extra);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.log.contains("JOB_STATUS=FAILED reason=ship incomplete")
            && run
                .log
                .contains("every file is there but the day manifest is not"),
        "{}",
        run.log
    );
    assert_eq!(
        s3.keys(),
        ["csv/2026-04-04/a.csv.gz", "logs/2026-04-04/app.log.gz"]
    );

    s3.delete_policy();
    let run = ship(&moto, &d, &extra);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(count(&run.log, "ship: skipped"), 2, "{}", run.log);
    assert_eq!(
        count(&run.log, "_pipeform_manifest.json written ("),
        2,
        "{}",
        run.log
    );
    assert_eq!(s3.keys().len(), 4, "{:?}", s3.keys());
}

/// Pins the rule that a day's manifest is written only once every file of the run is in the
/// bucket (`if report.files_complete()` in `crates/pipeform-job/src/ship.rs`): `check` takes a
/// manifest as proof that a day is complete and skips listing the bucket. The bucket refuses
/// the day's only log and accepts everything else, the manifests included: the run fails, no
/// manifest is written, and the day's log prefix stays empty (which CSVs went up depends on the
/// order the ship took, so only an empty prefix can make `check` fail whatever that order).
#[test]
fn a_file_the_bucket_refuses_leaves_no_manifest_and_check_fails_that_day() {
    let moto = Moto::start();
    let s3 = S3::new(&moto);
    let d = dirs();
    std::fs::write(d.csv.join("a.csv"), b"x\n1\n").expect("write");
    std::fs::write(d.csv.join("b.csv"), b"x\n2\n").expect("write");
    std::fs::write(d.logs.join("app.log"), b"hello\n").expect("write");
    let day = "2026-06-01";
    s3.put_policy(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::{BUCKET}/logs/{day}/app.log.gz"}}]}}"#
    ));
    let run = ship(
        &moto,
        &d,
        &[
            "--date",
            day,
            "--s3-max-attempts",
            "1",
            "--concurrency",
            "1",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.log.contains("JOB_STATUS=FAILED reason=ship incomplete")
            && run.log.contains(&format!("logs/{day}/app.log.gz")),
        "{}",
        run.log
    );
    let keys = s3.keys();
    assert!(
        !keys.contains(&format!("logs/{day}/app.log.gz")),
        "the bucket refused the log: {keys:?}"
    );
    assert!(
        !keys.iter().any(|k| k.ends_with("_pipeform_manifest.json")),
        "a manifest was written for a day with a file missing: {keys:?}"
    );

    // `check` on that day: not green.
    let tmp = tempfile::tempdir().expect("tempdir");
    let example = std::fs::read_to_string(support::repo_root().join("examples/pipeform.toml"))
        .expect("read examples/pipeform.toml");
    let config = tmp.path().join("pipeform.toml");
    std::fs::write(
        &config,
        example.replace("name = \"vcm-bucket25\"", &format!("name = \"{BUCKET}\"")),
    )
    .expect("write config");
    std::fs::create_dir_all(tmp.path().join("keys")).expect("mkdir");
    std::fs::copy(
        support::repo_root().join("examples/keys/offsets.pub"),
        tmp.path().join("keys/offsets.pub"),
    )
    .expect("copy key");
    let out = support::pipeform()
        .current_dir(tmp.path())
        .envs(moto.env())
        .args([
            "check",
            "--only",
            "bucket.prefixes",
            "--date",
            day,
            "--format",
            "json",
        ])
        .output()
        .expect("run pipeform check");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "check printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(out.status.code(), Some(1), "{doc}");
    assert_eq!(doc["checks"][0]["id"], "bucket.prefixes", "{doc}");
    assert_eq!(doc["checks"][0]["status"], "fail", "{doc}");
    assert!(
        doc["checks"][0]["detail"]
            .as_str()
            .is_some_and(|d| d.contains(&format!("logs/{day}/"))),
        "{doc}"
    );
}

#[test]
fn large_files_go_up_in_parts() {
    let moto = Moto::start();
    let s3 = S3::new(&moto);
    let d = dirs();
    let big = pseudo_random_text(12 * 1024 * 1024, 7);
    std::fs::write(d.logs.join("big.log"), &big).expect("write");
    let run = ship(
        &moto,
        &d,
        &[
            "--date",
            "2026-01-01",
            "--multipart-threshold",
            "1048576",
            "--part-size",
            "5242880",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.log.contains("2 part(s)"), "{}", run.log);
    assert_eq!(s3.get("logs/2026-01-01/big.log.gz").0, big);
}

#[test]
fn missing_bucket_and_bad_arguments_fail_with_one_status_line() {
    let moto = Moto::start();
    let d = dirs();
    std::fs::write(d.csv.join("a.csv"), b"x\n1\n").expect("write");
    let run = ship(&moto, &d, &["--s3-max-attempts", "1"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.log.contains("NoSuchBucket"), "{}", run.log);
    assert!(run.log.contains("not uploaded"), "{}", run.log);
    let run = ship(&moto, &d, &["--csv-prefix", "csv/static"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.log.contains("--csv-prefix"), "{}", run.log);
    let run = ship(&moto, &d, &["--date", "07/03/2026"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[test]
fn moto_stopped_mid_ship_fails_and_the_rerun_completes_without_loss_or_duplicates() {
    let moto = Moto::start();
    let s3 = S3::new(&moto);
    let d = dirs();
    let n = 30;
    let mut originals = Vec::new();
    for i in 0..n {
        let body = pseudo_random_text(1024 * 1024, i as u64 + 1);
        std::fs::write(d.logs.join(format!("part-{i:02}.log")), &body).expect("write");
        originals.push((format!("logs/2026-05-05/part-{i:02}.log.gz"), body));
    }
    let extra = [
        "--date",
        "2026-05-05",
        "--concurrency",
        "1",
        "--s3-attempt-timeout",
        "2",
        "--s3-max-attempts",
        "2",
    ];
    let before = std::fs::read_to_string(&d.job_log)
        .unwrap_or_default()
        .len();
    let mut child = ship_cmd(&moto, &d, &extra)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn ship");
    // Wait until some but not all files are in, then freeze moto.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (_, body) = moto.http("GET", &format!("/{BUCKET}?list-type=2"));
        let listed = body.matches("<Key>").count();
        if listed >= 2 {
            assert!(listed < n, "the ship finished before moto could be stopped");
            break;
        }
        assert!(Instant::now() < deadline, "no upload arrived within 120 s");
        std::thread::sleep(Duration::from_millis(20));
    }
    moto.pause();
    let status = wait_timeout(&mut child, Duration::from_secs(120));
    moto.resume();
    let mut stderr = Vec::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_end(&mut stderr);
    }
    let run = run_of(&d, before, status, &stderr);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.log.contains("JOB_STATUS=FAILED reason=ship incomplete"),
        "{}",
        run.log
    );
    let first_uploaded = count(&run.log, "ship: uploaded");
    assert!(first_uploaded >= 2 && first_uploaded < n, "{}", run.log);
    assert!(count(&run.log, "ship: not attempted") > 0, "{}", run.log);
    // An incomplete day gets no manifest (it would tell the check the day is done).
    assert!(
        !s3.keys()
            .iter()
            .any(|k| k.ends_with("_pipeform_manifest.json")),
        "{:?}",
        s3.keys()
    );

    let run = ship(&moto, &d, &["--date", "2026-05-05"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        count(&run.log, "ship: skipped") >= first_uploaded,
        "files of the first run were uploaded again:\n{}",
        run.log
    );
    assert_eq!(
        count(&run.log, "ship: skipped") + count(&run.log, "ship: uploaded"),
        n
    );
    let keys = s3.keys();
    assert_eq!(keys.len(), n + 1, "{keys:?}");
    let (_, named) = s3.manifest("logs/2026-05-05/_pipeform_manifest.json");
    assert_eq!(named.len(), n, "{named:?}");
    for (key, body) in &originals {
        assert_eq!(&s3.get(key).0, body, "{key} differs");
    }
}

/// Issue 15: names differing only in bytes that are not UTF-8 mapped to one key, so one file
/// was never stored while every run reported success.
#[test]
fn names_that_differ_only_in_non_utf8_bytes_get_their_own_keys() {
    use std::os::unix::ffi::OsStrExt;
    let moto = Moto::start();
    let s3 = S3::new(&moto);
    let d = dirs();
    for (name, body) in [
        (&b"bad\xff.log"[..], "first\n"),
        (&b"bad\xfe.log"[..], "second\n"),
    ] {
        std::fs::write(d.logs.join(std::ffi::OsStr::from_bytes(name)), body).expect("write");
    }
    let run = ship(&moto, &d, &["--date", "2026-06-01"]);
    assert_eq!(run.code, 0, "{}", run.log);
    assert_eq!(
        s3.keys(),
        [
            "logs/2026-06-01/_pipeform_manifest.json",
            "logs/2026-06-01/bad%FE.log.gz",
            "logs/2026-06-01/bad%FF.log.gz",
        ]
    );
    assert_eq!(s3.get("logs/2026-06-01/bad%FF.log.gz").0, b"first\n");
    assert_eq!(s3.get("logs/2026-06-01/bad%FE.log.gz").0, b"second\n");
    let run = ship(&moto, &d, &["--date", "2026-06-01"]);
    assert_eq!(run.code, 0, "{}", run.log);
    assert_eq!(count(&run.log, "ship: skipped"), 2, "{}", run.log);
}

/// Issue 15: the config refuses CSV and log prefixes that start alike; the CLI did not.
#[test]
fn equal_csv_and_log_prefixes_are_refused_before_anything_is_uploaded() {
    let moto = Moto::start();
    let s3 = S3::new(&moto);
    let d = dirs();
    std::fs::write(d.csv.join("a.csv"), b"x\n1\n").expect("write");
    std::fs::write(d.logs.join("a.csv"), b"not the same file\n").expect("write");
    let run = ship(
        &moto,
        &d,
        &[
            "--csv-prefix",
            "same/{date}",
            "--logs-prefix",
            "same/{date}",
        ],
    );
    assert_eq!(run.code, 2, "{}", run.log);
    assert!(
        run.log.contains("--csv-prefix and --logs-prefix"),
        "{}",
        run.log
    );
    assert!(s3.keys().is_empty(), "{:?}", s3.keys());
}

/// A file rewritten while it is shipped fails the run; nothing torn is stored for it, and the
/// next run (file stable again) ships it.
#[test]
fn a_file_that_changes_while_shipped_fails_the_run() {
    let moto = Moto::start();
    let s3 = S3::new(&moto);
    let d = dirs();
    for (dir, name) in [(&d.csv, "moving.csv"), (&d.logs, "moving.log")] {
        let path = dir.join(name);
        let a = pseudo_random_text(6 * 1024 * 1024, 3);
        let b = pseudo_random_text(6 * 1024 * 1024, 4);
        std::fs::write(&path, &a).expect("write");
        let stop = Arc::new(AtomicBool::new(false));
        let writer = {
            let stop = Arc::clone(&stop);
            let path = path.clone();
            std::thread::spawn(move || {
                let mut i = 0u64;
                while !stop.load(Ordering::SeqCst) {
                    // Rewritten in place, as a careless producer does. Not truncated first: a
                    // ship that starts at the instant of a truncation rightly sees an empty log
                    // (a log may grow while it ships), which made this test race.
                    use std::io::Write as _;
                    std::fs::OpenOptions::new()
                        .write(true)
                        .open(&path)
                        .and_then(|mut f| f.write_all(if i.is_multiple_of(2) { &b } else { &a }))
                        .expect("rewrite");
                    i += 1;
                }
            })
        };
        let run = ship(&moto, &d, &["--date", "2026-07-01"]);
        stop.store(true, Ordering::SeqCst);
        writer.join().expect("writer");
        assert_eq!(run.code, 1, "{name}: {}", run.log);
        assert!(
            run.log
                .contains(&format!("{name} changed while it was being shipped")),
            "{}",
            run.log
        );
        assert!(
            !s3.keys().iter().any(|k| k.contains(name)),
            "{name}: {:?}",
            s3.keys()
        );
        std::fs::remove_file(&path).expect("remove");
    }
    // Appending to a log is not a change: the object is the log as it was when the ship began.
    let log = d.logs.join("growing.log");
    std::fs::write(&log, pseudo_random_text(4 * 1024 * 1024, 5)).expect("write");
    let before = std::fs::read(&log).expect("read");
    let stop = Arc::new(AtomicBool::new(false));
    let appender = {
        let stop = Arc::clone(&stop);
        let log = log.clone();
        std::thread::spawn(move || {
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .open(&log)
                .expect("open");
            while !stop.load(Ordering::SeqCst) {
                std::io::Write::write_all(&mut f, b"appended line\n").expect("append");
                std::thread::sleep(Duration::from_millis(1));
            }
        })
    };
    let run = ship(&moto, &d, &["--date", "2026-07-02"]);
    stop.store(true, Ordering::SeqCst);
    appender.join().expect("appender");
    assert_eq!(run.code, 0, "{}", run.log);
    let (body, _, _) = s3.get("logs/2026-07-02/growing.log.gz");
    assert!(body.len() >= before.len() && body.starts_with(&before));
}

/// Issue 15: with `--pseudonymise-fields user_id`, these lines reached S3 in clear or as broken
/// JSON, and `null` became a hash.
#[test]
fn pseudonymised_fields_never_reach_s3_in_clear() {
    let moto = Moto::start();
    let s3 = S3::new(&moto);
    let d = dirs();
    let lines = [
        "USER_ID=S4",
        "user_id= S2",
        "user_id=a,S8b",
        "user_id:S9",
        r#"{"user_id": ["S11"]}"#,
        r#"{"user_id": {"v":"S12"}}"#,
        r#"{"user_id": null, "n": 1}"#,
        "user_id=\"S13 never closed",
        "plain line",
    ];
    std::fs::write(d.logs.join("app.log"), lines.join("\n") + "\n").expect("write");
    std::env::set_var("PF_TEST_HMAC_2", "hmac-key-2");
    let run = ship(
        &moto,
        &d,
        &[
            "--date",
            "2026-08-01",
            "--pseudonymise-fields",
            "user_id",
            "--hmac-key-source",
            "env:PF_TEST_HMAC_2",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.log);
    assert!(
        run.log.contains("1 line(s) withheld, first at line 8"),
        "{}",
        run.log
    );
    let text = String::from_utf8(s3.get("logs/2026-08-01/app.log.gz").0).expect("utf8");
    for secret in ["S4", "S2", "S8b", "S9", "S11", "S12", "S13"] {
        assert!(!text.contains(secret), "{secret} in clear:\n{text}");
    }
    let out: Vec<&str> = text.lines().collect();
    assert_eq!(out.len(), lines.len() - 1, "{text}");
    for line in out.iter().filter(|l| l.starts_with('{')) {
        serde_json::from_str::<serde_json::Value>(line)
            .unwrap_or_else(|e| panic!("{line} is no longer JSON: {e}"));
    }
    assert!(
        text.contains(r#"{"user_id":null,"n":1}"#) || text.contains(r#"{"user_id": null, "n": 1}"#),
        "{text}"
    );
    assert_eq!(out.last(), Some(&"plain line"));
}

fn wait_timeout(child: &mut std::process::Child, limit: Duration) -> Option<i32> {
    let deadline = Instant::now() + limit;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return status.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("pipeform-job ship did not give up within {limit:?} after moto stopped");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Log-like text that gzip compresses only about 2:1, so uploads take a measurable time.
fn pseudo_random_text(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(format!("{x:016x}").as_bytes());
        if out.len() % 81 < 16 {
            out.push(b'\n');
        }
    }
    out.truncate(len);
    out
}

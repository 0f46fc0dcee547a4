//! `ship`: every CSV and log file, gzip-compressed, to S3 under date-templated prefixes.
//!
//! Each object carries the SHA-256 of its uncompressed content in its metadata; an object that
//! is already there with the same hash is skipped, so a re-run uploads only what is missing.
//! Files are streamed, never held whole: a first reading hashes, a second compresses into
//! parts that go up while the next one fills (see [`super::snapshot`] for what happens when a
//! file changes meanwhile). Keys are the file names' bytes without loss ([`object_name`]), and
//! a plan in which two files share a key is refused before anything is uploaded.
//! Files go up concurrently; after the first file fails for good (the SDK has already retried
//! it with backoff), no new file is started, and the run lists what was and was not uploaded.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use flate2::write::GzEncoder;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use super::error::JobError;
use super::log::JobLog;
use super::pseudo::Pseudonymiser;
use super::snapshot::{Pass, Snapshot};
use super::upload::{head_sha, put, Multipart};
use pipeform_shared::manifest::{self, Manifest};
use pipeform_shared::prefix::PrefixTemplate;

pub use super::upload::SHA_META;

/// Compressed objects larger than this go up as multipart uploads. Equal to the part size, so
/// a file never holds more than one part's worth of compressed bytes while it is read.
pub const MULTIPART_THRESHOLD: usize = PART_SIZE;
/// Part size of multipart uploads.
pub const PART_SIZE: usize = 8 * 1024 * 1024;

/// What to ship, and where.
#[derive(Debug)]
pub struct ShipPlan {
    /// Target bucket.
    pub bucket: String,
    /// Files and their keys.
    pub files: Vec<ShipFile>,
    /// The day manifests to write once every file is in the bucket (one per distinct day
    /// prefix; see [`pipeform_shared::manifest`]).
    pub manifests: Vec<ManifestPlan>,
}

/// Where one day's manifest goes and which keys it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestPlan {
    /// The manifest's key.
    pub key: String,
    /// The day's prefixes (one per template; two when both templates put their manifest in
    /// the same folder): the manifest names the shipped keys that start with one of them.
    pub day_prefixes: Vec<String>,
    /// The day.
    pub date: chrono::NaiveDate,
}

/// One file to upload.
#[derive(Debug, Clone)]
pub struct ShipFile {
    /// Local path.
    pub path: PathBuf,
    /// Object key (`.gz` appended).
    pub key: String,
    /// Log files are pseudonymised; CSVs are shipped as they are.
    pub is_log: bool,
}

/// Builds the plan: every `*.csv` in `csv_dir` under the CSV prefix, every other regular file
/// in `log_dir` under the logs prefix. Hidden files (the lock) are left out. The job's own
/// active log is included as a snapshot (each file is read once): with size-based rotation a
/// small daily log may never rotate, and the day's logs prefix must not stay empty.
pub fn plan(
    bucket: &str,
    csv_dir: &Path,
    log_dir: &Path,
    csv_prefix: &PrefixTemplate,
    logs_prefix: &PrefixTemplate,
    at: DateTime<Utc>,
) -> Result<ShipPlan, JobError> {
    let mut files = Vec::new();
    let csv_at = csv_prefix.render(at);
    for path in list(csv_dir, "--csv-dir")? {
        if path.extension().is_some_and(|e| e == "csv") {
            files.push(ShipFile {
                key: format!("{csv_at}{}.gz", object_name(&path)),
                path,
                is_log: false,
            });
        }
    }
    let logs_at = logs_prefix.render(at);
    for path in list(log_dir, "--log-dir")? {
        files.push(ShipFile {
            key: format!("{logs_at}{}.gz", object_name(&path)),
            path,
            is_log: true,
        });
    }
    check_unique(&files)?;
    let day = at.date_naive();
    let mut manifests: Vec<ManifestPlan> = Vec::new();
    for template in [csv_prefix, logs_prefix] {
        let key = manifest::key(template, day);
        let day_prefix = template.render_day(day);
        match manifests.iter_mut().find(|m| m.key == key) {
            Some(m) if !m.day_prefixes.contains(&day_prefix) => m.day_prefixes.push(day_prefix),
            Some(_) => {}
            None => manifests.push(ManifestPlan {
                key,
                day_prefixes: vec![day_prefix],
                date: day,
            }),
        }
    }
    Ok(ShipPlan {
        bucket: bucket.to_string(),
        files,
        manifests,
    })
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The object name of a file: its name's bytes, with `%` and every byte that is not part of
/// valid UTF-8 written as `%XX`. One name, one key, and back: two files never share a key
/// because of their names (`bad\xff.log` -> `bad%FF.log`, `100%.log` -> `100%25.log`).
pub fn object_name(p: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let raw = p.file_name().map(|n| n.as_bytes()).unwrap_or_default();
    let mut out = String::with_capacity(raw.len());
    for chunk in raw.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c == '%' {
                out.push_str("%25");
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Two files bound for one key would leave one of them unstored while the run reports success:
/// refuse the plan, naming both.
fn check_unique(files: &[ShipFile]) -> Result<(), JobError> {
    let mut seen: std::collections::HashMap<&str, &Path> = std::collections::HashMap::new();
    for f in files {
        if let Some(other) = seen.insert(f.key.as_str(), &f.path) {
            return Err(JobError::failed(format!(
                "{} and {} would both be stored as {}; nothing was uploaded; rename one of them or give CSVs and logs different prefixes",
                other.display(),
                f.path.display(),
                f.key
            )));
        }
    }
    Ok(())
}

/// Regular, non-hidden files of `dir`, sorted.
fn list(dir: &Path, what: &str) -> Result<Vec<PathBuf>, JobError> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        JobError::usage(format!(
            "{what} {}: cannot read the directory: {e}",
            dir.display()
        ))
    })?;
    let mut out = Vec::new();
    for entry in entries {
        let entry =
            entry.map_err(|e| JobError::failed(format!("{}: cannot list: {e}", dir.display())))?;
        let path = entry.path();
        if file_name(&path).starts_with('.') || !path.is_file() {
            continue;
        }
        out.push(path);
    }
    out.sort();
    Ok(out)
}

/// The outcome of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Uploaded now.
    Uploaded,
    /// Already there with the same content.
    Skipped,
    /// Tried and failed, with the reason.
    Failed(String),
    /// Not tried: an earlier file failed and the run stopped starting new uploads.
    NotAttempted,
}

/// The outcome of a ship.
#[derive(Debug, Default)]
pub struct ShipReport {
    /// (key, outcome) per file, in plan order.
    pub results: Vec<(String, Outcome)>,
    /// SHA-256 of each file's uncompressed content, in plan order (`None` when not read).
    pub hashes: Vec<Option<String>>,
    /// Why a day manifest could not be written (only tried once every file is there).
    pub manifest_failure: Option<String>,
}

impl ShipReport {
    fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.results.iter().filter(|(_, o)| f(o)).count()
    }

    /// Files uploaded now.
    pub fn uploaded(&self) -> usize {
        self.count(|o| *o == Outcome::Uploaded)
    }

    /// Files already present.
    pub fn skipped(&self) -> usize {
        self.count(|o| *o == Outcome::Skipped)
    }

    /// True when every file is in the bucket.
    pub fn files_complete(&self) -> bool {
        self.results
            .iter()
            .all(|(_, o)| matches!(o, Outcome::Uploaded | Outcome::Skipped))
    }

    /// True when every file and every day manifest is in the bucket.
    pub fn complete(&self) -> bool {
        self.files_complete() && self.manifest_failure.is_none()
    }

    /// One line for the FAILED status: what is missing.
    pub fn failure_summary(&self) -> String {
        if let (true, Some(why)) = (self.files_complete(), &self.manifest_failure) {
            return format!(
                "ship incomplete: {} uploaded, {} already present, every file is there but the day manifest is not: {why}; run again to write it",
                self.uploaded(),
                self.skipped(),
            );
        }
        let missing: Vec<&str> = self
            .results
            .iter()
            .filter(|(_, o)| !matches!(o, Outcome::Uploaded | Outcome::Skipped))
            .map(|(k, _)| k.as_str())
            .collect();
        let first = self.results.iter().find_map(|(k, o)| match o {
            Outcome::Failed(r) => Some(format!("{k}: {r}")),
            _ => None,
        });
        format!(
            "ship incomplete: {} uploaded, {} already present, {} not uploaded ({}); first error: {}; run again to upload the rest",
            self.uploaded(),
            self.skipped(),
            missing.len(),
            missing.join(" "),
            first.unwrap_or_default()
        )
    }

    /// The manifests to write for `plan`: per day, the shipped keys under that day's prefixes
    /// with their hashes, sorted; days with no shipped file get none.
    pub fn manifests(&self, plan: &ShipPlan) -> Vec<(String, Manifest)> {
        plan.manifests
            .iter()
            .filter_map(|m| {
                let mut objects: Vec<manifest::Entry> = self
                    .results
                    .iter()
                    .zip(&self.hashes)
                    .filter(|((key, outcome), _)| {
                        matches!(outcome, Outcome::Uploaded | Outcome::Skipped)
                            && m.day_prefixes.iter().any(|p| key.starts_with(p.as_str()))
                    })
                    .filter_map(|((key, _), sha)| {
                        sha.as_ref().map(|sha| manifest::Entry {
                            key: key.clone(),
                            sha256: sha.clone(),
                        })
                    })
                    .collect();
                if objects.is_empty() {
                    return None;
                }
                objects.sort_by(|a, b| a.key.cmp(&b.key));
                Some((
                    m.key.clone(),
                    Manifest {
                        format: manifest::FORMAT,
                        date: m.date.to_string(),
                        objects,
                    },
                ))
            })
            .collect()
    }
}

/// Settings of an upload run.
#[derive(Debug, Clone)]
pub struct ShipOptions {
    /// Files uploaded at once.
    pub concurrency: usize,
    /// Compressed size above which a file goes up in parts.
    pub multipart_threshold: usize,
    /// Size of each part.
    pub part_size: usize,
    /// gzip level (1-9).
    pub gzip_level: u32,
    /// Log pseudonymisation (may be empty).
    pub pseudonymiser: Arc<Pseudonymiser>,
}

/// Uploads the plan. Returns the per-file report; the caller turns an incomplete one into a
/// failed run.
pub async fn ship(
    client: &aws_sdk_s3::Client,
    plan: &ShipPlan,
    opts: &ShipOptions,
    log: &mut JobLog,
) -> ShipReport {
    let semaphore = Arc::new(Semaphore::new(opts.concurrency.max(1)));
    let stop = Arc::new(AtomicBool::new(false));
    let (tx, mut rx) =
        tokio::sync::mpsc::unbounded_channel::<(usize, Outcome, String, Option<String>)>();
    let mut tasks = tokio::task::JoinSet::new();
    for (i, file) in plan.files.iter().enumerate() {
        let client = client.clone();
        let bucket = plan.bucket.clone();
        let file = file.clone();
        let semaphore = Arc::clone(&semaphore);
        let stop = Arc::clone(&stop);
        let tx = tx.clone();
        let pseudo = Arc::clone(&opts.pseudonymiser);
        let sizes = Sizes {
            threshold: opts.multipart_threshold,
            part_size: opts.part_size,
            level: opts.gzip_level,
        };
        tasks.spawn(async move {
            let _permit = semaphore.acquire_owned().await;
            if stop.load(Ordering::SeqCst) {
                let _ = tx.send((i, Outcome::NotAttempted, String::new(), None));
                return;
            }
            let (outcome, detail, sha) =
                match ship_one(&client, &bucket, &file, pseudo, sizes).await {
                    Ok((o, d, sha)) => (o, d, Some(sha)),
                    Err(e) => {
                        stop.store(true, Ordering::SeqCst);
                        (Outcome::Failed(e.clone()), e, None)
                    }
                };
            let _ = tx.send((i, outcome, detail, sha));
        });
    }
    drop(tx);
    let mut outcomes: Vec<Option<Outcome>> = vec![None; plan.files.len()];
    let mut hashes: Vec<Option<String>> = vec![None; plan.files.len()];
    while let Some((i, outcome, detail, sha)) = rx.recv().await {
        hashes[i] = sha;
        let key = &plan.files[i].key;
        match &outcome {
            Outcome::Uploaded => log.info(format!(
                "ship: uploaded s3://{}/{key} ({detail})",
                plan.bucket
            )),
            Outcome::Skipped => log.info(format!(
                "ship: skipped s3://{}/{key}: already there with the same content",
                plan.bucket
            )),
            Outcome::Failed(r) => log.warn(format!("ship: FAILED s3://{}/{key}: {r}", plan.bucket)),
            Outcome::NotAttempted => log.warn(format!(
                "ship: not attempted s3://{}/{key} (an earlier upload failed)",
                plan.bucket
            )),
        }
        outcomes[i] = Some(outcome);
    }
    while tasks.join_next().await.is_some() {}
    let mut report = ShipReport {
        hashes,
        manifest_failure: None,
        results: plan
            .files
            .iter()
            .zip(outcomes)
            .map(|(f, o)| {
                (
                    f.key.clone(),
                    o.unwrap_or_else(|| {
                        Outcome::Failed("upload task ended without a result".into())
                    }),
                )
            })
            .collect(),
    };
    // A manifest says "this day is complete": written only when every file is there. Pinned
    // by `a_file_the_bucket_refuses_leaves_no_manifest_and_check_fails_that_day`
    // (tests/job_ship.rs).
    if report.files_complete() {
        for (key, m) in report.manifests(plan) {
            if let Err(e) = write_manifest(client, &plan.bucket, &key, &m, log).await {
                log.warn(format!(
                    "ship: FAILED manifest s3://{}/{key}: {e}",
                    plan.bucket
                ));
                report.manifest_failure = Some(format!("{key}: {e}"));
                break;
            }
        }
    }
    report
}

/// Writes one day manifest unless the same one is already there (same SHA-256 in metadata).
async fn write_manifest(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    m: &Manifest,
    log: &mut JobLog,
) -> Result<(), String> {
    let body = m.to_json();
    let sha = hex::encode(Sha256::digest(&body));
    if head_sha(client, bucket, key).await?.as_deref() == Some(sha.as_str()) {
        log.info(format!(
            "ship: manifest s3://{bucket}/{key} unchanged ({} objects)",
            m.objects.len()
        ));
        return Ok(());
    }
    put(client, bucket, key, "application/json", &sha, body).await?;
    log.info(format!(
        "ship: manifest s3://{bucket}/{key} written ({} objects)",
        m.objects.len()
    ));
    Ok(())
}

/// Sizes of one file's upload.
#[derive(Debug, Clone, Copy)]
struct Sizes {
    threshold: usize,
    part_size: usize,
    level: u32,
}

/// Ships one file in two bounded readings: the first hashes it (and ends there when S3 already
/// holds the same content), the second compresses it into parts that go up while the next is
/// filled. The object is completed only when the second reading hashed the same as the first
/// and the file is still the one snapshotted.
async fn ship_one(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    file: &ShipFile,
    pseudo: Arc<Pseudonymiser>,
    sizes: Sizes,
) -> Result<(Outcome, String, String), String> {
    let snap = Snapshot::take(&file.path, file.is_log)?;
    let use_pseudo = file.is_log && !pseudo.is_empty();

    let (s1, p1) = (snap.clone(), Arc::clone(&pseudo));
    let first = tokio::task::spawn_blocking(move || -> Result<Pass, String> {
        let pass = s1.read(use_pseudo.then_some(&*p1), &mut |_| Ok(()))?;
        s1.check_unchanged()?;
        Ok(pass)
    })
    .await
    .map_err(|e| format!("hashing task failed: {e}"))??;
    let withheld = withheld_note(&first);
    if head_sha(client, bucket, &file.key).await?.as_deref() == Some(first.sha.as_str()) {
        return Ok((Outcome::Skipped, withheld, first.sha));
    }

    // Parts travel from the reading thread to this task one at a time: at most one being
    // filled, one waiting and one in flight per file.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<u8>>(1);
    let (s2, p2) = (snap.clone(), Arc::clone(&pseudo));
    let reading = tokio::task::spawn_blocking(move || -> Result<(Pass, Vec<u8>), String> {
        let mut gz = GzEncoder::new(
            Vec::with_capacity(sizes.part_size.min(1 << 20)),
            flate2::Compression::new(sizes.level),
        );
        let mut multipart = false;
        let pass = s2.read(use_pseudo.then_some(&*p2), &mut |bytes| {
            gz.write_all(bytes)
                .map_err(|e| format!("gzip failed: {e}"))?;
            let filled = gz.get_ref().len();
            multipart |= filled > sizes.threshold;
            if multipart && filled >= sizes.part_size {
                let part = std::mem::take(gz.get_mut());
                tx.blocking_send(part)
                    .map_err(|_| "the upload stopped".to_string())?;
            }
            Ok(())
        })?;
        let tail = gz.finish().map_err(|e| format!("gzip failed: {e}"))?;
        Ok((pass, tail))
    });

    let mut upload: Option<Multipart<'_>> = None;
    let mut sent = 0usize;
    let mut failure: Option<String> = None;
    while let Some(part) = rx.recv().await {
        if upload.is_none() {
            match Multipart::start(client, bucket, &file.key, &first.sha).await {
                Ok(m) => upload = Some(m),
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        if let Some(m) = upload.as_mut() {
            sent += part.len();
            if let Err(e) = m.send(part).await {
                failure = Some(e);
                break;
            }
        }
    }
    // Closing the channel stops a reader still blocked on a send.
    drop(rx);
    let read = reading
        .await
        .map_err(|e| format!("compressing task failed: {e}"))
        .and_then(|r| r);
    let outcome = match (failure, read) {
        (Some(e), _) | (None, Err(e)) => Err(e),
        (None, Ok((second, _))) if second.sha != first.sha => Err(snap.changed()),
        (None, Ok((second, tail))) => snap.check_unchanged().map(|()| (second, tail)),
    };
    let (second, tail) = match outcome {
        Ok(done) => done,
        Err(e) => {
            if let Some(m) = upload {
                m.abort().await;
            }
            return Err(e);
        }
    };
    let gz_len = sent + tail.len();
    let parts = match upload {
        None => {
            put(
                client,
                bucket,
                &file.key,
                "application/gzip",
                &first.sha,
                tail,
            )
            .await?;
            1
        }
        Some(mut m) => {
            let last = if tail.is_empty() {
                Ok(())
            } else {
                m.send(tail).await
            };
            match last {
                Ok(()) => m.complete().await?,
                Err(e) => {
                    m.abort().await;
                    return Err(e);
                }
            }
        }
    };
    let detail = format!(
        "{} bytes, {gz_len} gzipped, {parts} part(s), sha256 {}{}",
        second.bytes,
        &first.sha[..12],
        withheld
    );
    Ok((Outcome::Uploaded, detail, first.sha))
}

/// What the log says about lines the pseudonymiser withheld ("" when none).
fn withheld_note(pass: &Pass) -> String {
    match pass.first_withheld {
        None => String::new(),
        Some(line) => format!(
            "; {} line(s) withheld, first at line {line}: a pseudonymised field in them could not be read safely, so they were not shipped (they stay in the local file)",
            pass.withheld
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn plan_lists_csvs_and_logs_under_rendered_prefixes() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let (csv, logs) = (tmp.path().join("csv"), tmp.path().join("logs"));
        std::fs::create_dir_all(&csv).expect("mkdir");
        std::fs::create_dir_all(logs.join("sub")).expect("mkdir");
        for (dir, name) in [
            (&csv, "b.csv"),
            (&csv, "a.csv"),
            (&csv, "readme.txt"),
            (&logs, "app.log"),
            (&logs, "app.log.1"),
            (&logs, ".pipeform-job.lock"),
            (&logs, "pipeform-job.log"),
        ] {
            std::fs::write(dir.join(name), "x").expect("write");
        }
        let at = Utc
            .with_ymd_and_hms(2026, 3, 7, 4, 0, 0)
            .single()
            .expect("time");
        let p = plan(
            "b",
            &csv,
            &logs,
            &PrefixTemplate::parse("csv/{date}").expect("t"),
            &PrefixTemplate::parse("logs/year={year}/month={month}/day={day}/hour={hour}")
                .expect("t"),
            at,
        )
        .expect("plan");
        let keys: Vec<&str> = p.files.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "csv/2026-03-07/a.csv.gz",
                "csv/2026-03-07/b.csv.gz",
                "logs/year=2026/month=03/day=07/hour=04/app.log.gz",
                "logs/year=2026/month=03/day=07/hour=04/app.log.1.gz",
                "logs/year=2026/month=03/day=07/hour=04/pipeform-job.log.gz",
            ]
        );
        assert!(plan(
            "b",
            &tmp.path().join("missing"),
            &logs,
            &PrefixTemplate::parse("csv/{date}").expect("t"),
            &PrefixTemplate::parse("logs/{date}").expect("t"),
            at,
        )
        .is_err());
    }

    #[test]
    fn keys_keep_every_byte_of_the_name() {
        use std::os::unix::ffi::OsStrExt;
        let name = |b: &[u8]| object_name(Path::new(std::ffi::OsStr::from_bytes(b)));
        assert_eq!(name(b"bad\xff.log"), "bad%FF.log");
        assert_eq!(name(b"bad\xfe.log"), "bad%FE.log");
        assert_eq!(name(b"100%.log"), "100%25.log");
        assert_eq!(name(b"caf\xc3\xa9.log"), "caf\u{e9}.log");
        // `%FF` written out is not the byte 0xFF.
        assert_ne!(name(b"bad%FF.log"), name(b"bad\xff.log"));
    }

    #[test]
    fn two_files_for_one_key_are_refused_naming_both() {
        let f = |p: &str| ShipFile {
            path: PathBuf::from(p),
            key: "logs/2026-01-01/a.gz".into(),
            is_log: true,
        };
        let e = check_unique(&[f("/x/a"), f("/y/a")]).expect_err("duplicate");
        let e = e.to_string();
        assert!(
            e.contains("/x/a") && e.contains("/y/a") && e.contains("nothing was uploaded"),
            "{e}"
        );
    }
}

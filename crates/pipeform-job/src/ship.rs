//! `ship`: every CSV and log file, gzip-compressed, to S3 under date-templated prefixes.
//!
//! Each object carries the SHA-256 of its uncompressed content in its metadata; an object that
//! is already there with the same hash is skipped, so a re-run uploads only what is missing.
//! Files go up concurrently; after the first file fails for good (the SDK has already retried
//! it with backoff), no new file is started, and the run lists what was and was not uploaded.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use chrono::{DateTime, Utc};
use flate2::write::GzEncoder;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use super::error::JobError;
use super::log::JobLog;
use super::pseudo::Pseudonymiser;
use pipeform_shared::manifest::{self, Manifest};
use pipeform_shared::prefix::PrefixTemplate;

/// Metadata key holding the SHA-256 (hex) of the uncompressed content.
pub const SHA_META: &str = "pipeform-sha256";
/// Compressed objects larger than this go up as multipart uploads.
pub const MULTIPART_THRESHOLD: usize = 16 * 1024 * 1024;
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
                key: format!("{csv_at}{}.gz", file_name(&path)),
                path,
                is_log: false,
            });
        }
    }
    let logs_at = logs_prefix.render(at);
    for path in list(log_dir, "--log-dir")? {
        files.push(ShipFile {
            key: format!("{logs_at}{}.gz", file_name(&path)),
            path,
            is_log: true,
        });
    }
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
        let sizes = (opts.multipart_threshold, opts.part_size, opts.gzip_level);
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

/// One PutObject carrying the SHA-256 of the uncompressed content in its metadata.
async fn put(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    content_type: &str,
    sha: &str,
    body: Vec<u8>,
) -> Result<(), String> {
    client
        .put_object()
        .bucket(bucket)
        .key(key)
        .content_type(content_type)
        .metadata(SHA_META, sha)
        .body(ByteStream::from(body))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| {
            format!(
                "PutObject failed: {}",
                aws_sdk_s3::error::DisplayErrorContext(&e)
            )
        })
}

/// The SHA-256 an object carries in its metadata; `None` when the object is not there (or has
/// no such metadata).
async fn head_sha(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
) -> Result<Option<String>, String> {
    match client.head_object().bucket(bucket).key(key).send().await {
        Ok(head) => Ok(head.metadata().and_then(|m| m.get(SHA_META)).cloned()),
        // Our role lists only under the prefixes and a HEAD carries no prefix, so a missing key
        // may answer 403: upload it, and let PutObject report a real permission problem.
        Err(e) if pipeform_shared::aws::s3_absent(&e) => Ok(None),
        Err(e) => Err(format!(
            "HeadObject failed: {}",
            aws_sdk_s3::error::DisplayErrorContext(&e)
        )),
    }
}

/// Reads, (pseudonymises,) hashes, checks S3, compresses and uploads one file.
async fn ship_one(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    file: &ShipFile,
    pseudo: Arc<Pseudonymiser>,
    (threshold, part_size, level): (usize, usize, u32),
) -> Result<(Outcome, String, String), String> {
    let path = file.path.clone();
    let is_log = file.is_log;
    let p2 = Arc::clone(&pseudo);
    let (content, sha) =
        tokio::task::spawn_blocking(move || -> Result<(Vec<u8>, String), String> {
            let raw =
                std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let content = if is_log && !p2.is_empty() {
                p2.apply(&raw)
            } else {
                raw
            };
            let sha = hex::encode(Sha256::digest(&content));
            Ok((content, sha))
        })
        .await
        .map_err(|e| format!("hashing task failed: {e}"))??;

    if head_sha(client, bucket, &file.key).await?.as_deref() == Some(sha.as_str()) {
        return Ok((Outcome::Skipped, String::new(), sha));
    }

    let raw_len = content.len();
    let gz = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, String> {
        let mut enc = GzEncoder::new(
            Vec::with_capacity(raw_len / 4 + 64),
            flate2::Compression::new(level),
        );
        enc.write_all(&content)
            .map_err(|e| format!("gzip failed: {e}"))?;
        enc.finish().map_err(|e| format!("gzip failed: {e}"))
    })
    .await
    .map_err(|e| format!("gzip task failed: {e}"))??;
    let gz_len = gz.len();

    let parts = if gz_len > threshold {
        multipart(client, bucket, &file.key, &sha, gz, part_size).await?
    } else {
        put(client, bucket, &file.key, "application/gzip", &sha, gz).await?;
        1
    };
    let detail = format!(
        "{raw_len} bytes, {gz_len} gzipped, {parts} part(s), sha256 {}",
        &sha[..12]
    );
    Ok((Outcome::Uploaded, detail, sha))
}

async fn multipart(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    sha: &str,
    gz: Vec<u8>,
    part_size: usize,
) -> Result<usize, String> {
    let created = client
        .create_multipart_upload()
        .bucket(bucket)
        .key(key)
        .content_type("application/gzip")
        .metadata(SHA_META, sha)
        .send()
        .await
        .map_err(|e| {
            format!(
                "CreateMultipartUpload failed: {}",
                aws_sdk_s3::error::DisplayErrorContext(&e)
            )
        })?;
    let upload_id = created
        .upload_id()
        .ok_or("CreateMultipartUpload returned no upload id")?
        .to_string();
    let result = async {
        let mut parts = Vec::new();
        for (i, chunk) in gz.chunks(part_size).enumerate() {
            let n = i as i32 + 1;
            let out = client
                .upload_part()
                .bucket(bucket)
                .key(key)
                .upload_id(&upload_id)
                .part_number(n)
                .body(ByteStream::from(chunk.to_vec()))
                .send()
                .await
                .map_err(|e| {
                    format!(
                        "UploadPart {n} failed: {}",
                        aws_sdk_s3::error::DisplayErrorContext(&e)
                    )
                })?;
            parts.push(
                CompletedPart::builder()
                    .part_number(n)
                    .set_e_tag(out.e_tag().map(str::to_string))
                    .build(),
            );
        }
        client
            .complete_multipart_upload()
            .bucket(bucket)
            .key(key)
            .upload_id(&upload_id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(parts))
                    .build(),
            )
            .send()
            .await
            .map_err(|e| {
                format!(
                    "CompleteMultipartUpload failed: {}",
                    aws_sdk_s3::error::DisplayErrorContext(&e)
                )
            })?;
        Ok::<usize, String>(gz.len().div_ceil(part_size))
    }
    .await;
    if result.is_err() {
        // Parts of an abandoned upload cost storage until aborted.
        let _ = client
            .abort_multipart_upload()
            .bucket(bucket)
            .key(key)
            .upload_id(&upload_id)
            .send()
            .await;
    }
    result
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
}

//! `pipeform-job ship`, and the ship step of `run`.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use pipeform_shared::aws::{s3_client, sdk_config, Timeouts};
use pipeform_shared::jobenv::SecretSource;
use pipeform_shared::prefix::{self, PrefixTemplate};

use super::{finish, open_log};
use crate::cli::{S3Args, ShipArgs};
use crate::log::JobLog;
use crate::{pseudo, secret, ship, JobError, LOG_FILE_NAME};

pub(super) async fn command(args: ShipArgs) -> u8 {
    let mut log = match open_log(&args.log, args.log_dir.join(LOG_FILE_NAME)) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let result = async {
        let (csv_prefix, logs_prefix) = templates(
            ("--csv-prefix", &args.csv_prefix),
            ("--logs-prefix", &args.logs_prefix),
        )?;
        let job = ShipJob {
            bucket: &args.bucket,
            csv_dir: &args.csv_dir,
            log_dir: &args.log_dir,
            csv_prefix,
            logs_prefix,
            at: run_time(args.date.as_deref())?,
            region: args.region.as_deref(),
            endpoint_url: args.endpoint_url.as_deref(),
            pseudonymise_fields: &args.pseudonymise_fields,
            hmac_key_source: args
                .hmac_key_source
                .as_deref()
                .map(SecretSource::parse)
                .transpose()
                .map_err(|e| JobError::usage(format!("--hmac-key-source: {e}")))?,
            s3: &args.s3,
        };
        run_ship(&job, &mut log).await
    }
    .await;
    finish(&mut log, result)
}

fn run_time(date: Option<&str>) -> Result<DateTime<Utc>, JobError> {
    let now = Utc::now();
    match date {
        None => Ok(now),
        Some(d) => {
            let day = NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| JobError::usage(format!("--date {d:?}: expected YYYY-MM-DD")))?;
            Ok(day.and_time(NaiveTime::MIN).and_utc())
        }
    }
}

fn template(flag: &str, source: &str) -> Result<PrefixTemplate, JobError> {
    PrefixTemplate::parse(source).map_err(|e| JobError::usage(format!("{flag} {source:?}: {e}")))
}

/// Both key templates, parsed, and apart from each other (the rule the config applies too).
pub(super) fn templates(
    (csv_flag, csv): (&str, &str),
    (logs_flag, logs): (&str, &str),
) -> Result<(PrefixTemplate, PrefixTemplate), JobError> {
    let csv = template(csv_flag, csv)?;
    let logs = template(logs_flag, logs)?;
    prefix::check_apart(&csv, &logs)
        .map_err(|e| JobError::usage(format!("{csv_flag} and {logs_flag}: {e}")))?;
    Ok((csv, logs))
}

/// Everything one ship needs, resolved.
pub(super) struct ShipJob<'a> {
    pub bucket: &'a str,
    pub csv_dir: &'a Path,
    pub log_dir: &'a Path,
    pub csv_prefix: PrefixTemplate,
    pub logs_prefix: PrefixTemplate,
    pub at: DateTime<Utc>,
    pub region: Option<&'a str>,
    pub endpoint_url: Option<&'a str>,
    pub pseudonymise_fields: &'a [String],
    pub hmac_key_source: Option<SecretSource>,
    pub s3: &'a S3Args,
}

pub(super) async fn run_ship(job: &ShipJob<'_>, log: &mut JobLog) -> Result<(), JobError> {
    let pseudonymiser = if job.pseudonymise_fields.is_empty() {
        pseudo::Pseudonymiser::new(&[], b"")
    } else {
        let source = job.hmac_key_source.as_ref().ok_or_else(|| {
            JobError::usage(
                "fields to pseudonymise are set but no HMAC key source (--hmac-key-source / PIPEFORM_HMAC_KEY_SOURCE)",
            )
        })?;
        let key = secret::resolve(source, None, job.region, job.endpoint_url).await?;
        log.redact(&key);
        pseudo::Pseudonymiser::new(job.pseudonymise_fields, key.as_bytes())
    }
    .map_err(JobError::usage)?;

    let plan = ship::plan(
        job.bucket,
        job.csv_dir,
        job.log_dir,
        &job.csv_prefix,
        &job.logs_prefix,
        job.at,
    )?;
    log.info(format!(
        "ship: start, {} file(s) to s3://{}/ (csv under {}, logs under {})",
        plan.files.len(),
        job.bucket,
        job.csv_prefix.render(job.at),
        job.logs_prefix.render(job.at)
    ));
    // The flags' ranges keep these products far from overflowing.
    let timeouts = Timeouts {
        attempt: Duration::from_secs(job.s3.s3_attempt_timeout),
        operation: Duration::from_secs(
            job.s3.s3_attempt_timeout * u64::from(job.s3.s3_max_attempts) + 30,
        ),
        max_attempts: job.s3.s3_max_attempts,
        ..Timeouts::UPLOAD
    };
    let config = sdk_config(job.region, job.endpoint_url, timeouts).await;
    let client = s3_client(&config);
    let opts = ship::ShipOptions {
        concurrency: job.s3.concurrency,
        multipart_threshold: job.s3.multipart_threshold,
        gzip_level: job.s3.gzip_level,
        part_size: job.s3.part_size,
        pseudonymiser: Arc::new(pseudonymiser),
    };
    let report = ship::ship(&client, &plan, &opts, log).await;
    if report.complete() {
        log.info(format!(
            "ship: done, {} uploaded, {} already present",
            report.uploaded(),
            report.skipped()
        ));
        Ok(())
    } else {
        Err(JobError::failed(report.failure_summary()))
    }
}

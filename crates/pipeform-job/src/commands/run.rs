//! `pipeform-job run`: the cron entry. Reads the env file, takes the run lock, then runs each
//! step in turn (load, ship); the first failing step ends the run.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Utc;
use pipeform_shared::jobenv::JobEnv;

use super::ship::{run_ship, templates, ShipJob};
use super::{dry_run, finish, load, open_log};
use crate::cli::RunArgs;
use crate::log::{status_text, JobLog, Rotation, Status};
use crate::{csvfile, cwlogs, db, lock, secret, JobError, LOG_FILE_NAME};

pub(super) async fn command(args: RunArgs) -> u8 {
    let env = match read_env_file(&args.env_file) {
        Ok(env) => env,
        Err(e) => {
            if args.dry_run {
                eprintln!("error: {e}");
                return e.exit_code();
            }
            // The alarm counts `JOB_STATUS=` lines, so a run that cannot use its settings must
            // still end with one: in --log-file, else in the log dir the file names (if any
            // line says), and always on stderr (which cron or systemd keeps).
            let path =
                args.log.log_file.clone().or_else(|| {
                    log_dir_named_in(&args.env_file).map(|dir| dir.join(LOG_FILE_NAME))
                });
            if let Some(mut log) = path.and_then(|p| JobLog::open(&p, Rotation::default()).ok()) {
                return finish(&mut log, Err(e));
            }
            eprintln!("{}", status_text(&Status::Failed(e.to_string())));
            return e.exit_code();
        }
    };
    if args.dry_run {
        return dry_run::report(&env, &args);
    }
    let log_dir = PathBuf::from(&env.log_dir);
    let mut log = match open_log(&args.log, log_dir.join(LOG_FILE_NAME)) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let result = async {
        let lock_path = args
            .lock_file
            .clone()
            .unwrap_or_else(|| log_dir.join(".pipeform-job.lock"));
        let _lock = lock::RunLock::acquire(&lock_path)?;
        log.info(format!("run: start (env file {})", args.env_file.display()));
        load_step(&env, &args, &mut log).await?;
        ship_step(&env, &args, &mut log).await
    }
    .await;
    let code = finish(&mut log, result);
    let (lines, left_out) = log.take_captured();
    let target = cwlogs::Target {
        group: env.log_group.as_deref(),
        region: &env.region,
        endpoint_url: env.endpoint_url.as_deref(),
        log_dir: &log_dir,
    };
    // Delivery reports its own trouble; it never changes the run's exit code.
    cwlogs::deliver_run(&target, lines, left_out).await;
    code
}

/// The first non-empty `PIPEFORM_LOG_DIR=` of an env file that could not be used as a whole
/// (a duplicate or unknown key elsewhere), so its failure lands in the usual log.
fn log_dir_named_in(env_file: &Path) -> Option<PathBuf> {
    let bytes = std::fs::read(env_file).ok()?;
    String::from_utf8_lossy(&bytes)
        .lines()
        .filter_map(|l| l.trim().strip_prefix("PIPEFORM_LOG_DIR="))
        .map(str::trim)
        .find(|dir| !dir.is_empty())
        .map(PathBuf::from)
}

/// Every `*.csv` of the CSV dir into its table.
async fn load_step(env: &JobEnv, args: &RunArgs, log: &mut JobLog) -> Result<(), JobError> {
    let tables = tables_in(Path::new(&env.csv_dir))?;
    let password = secret::resolve(
        &env.db_password,
        Some("password"),
        Some(&env.region),
        env.endpoint_url.as_deref(),
    )
    .await?;
    log.redact(&password);
    if tables.is_empty() {
        log.info(format!(
            "load: no *.csv in {}; nothing to load",
            env.csv_dir
        ));
        return Ok(());
    }
    let target = db::DbTarget {
        host: env.db_host.clone(),
        port: env.db_port,
        user: env.db_user.clone(),
        password: Some(password),
        database: env.db_name.clone(),
    };
    let opts = db::LoadOptions {
        lock_wait_timeout: Duration::from_secs(args.lock_wait_timeout),
    };
    load::blocking(target, tables, opts, log).await
}

/// The CSVs and logs to S3.
async fn ship_step(env: &JobEnv, args: &RunArgs, log: &mut JobLog) -> Result<(), JobError> {
    let (csv_prefix, logs_prefix) = templates(
        ("PIPEFORM_CSV_PREFIX", &env.csv_prefix),
        ("PIPEFORM_LOGS_PREFIX", &env.logs_prefix),
    )?;
    let job = ShipJob {
        bucket: &env.bucket,
        csv_dir: Path::new(&env.csv_dir),
        log_dir: Path::new(&env.log_dir),
        csv_prefix,
        logs_prefix,
        at: Utc::now(),
        region: Some(&env.region),
        endpoint_url: env.endpoint_url.as_deref(),
        pseudonymise_fields: &env.pseudonymise_fields,
        hmac_key_source: env.hmac_key.clone(),
        s3: &args.s3,
    };
    run_ship(&job, log).await
}

fn read_env_file(path: &Path) -> Result<JobEnv, JobError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        JobError::usage(format!(
            "env file {}: cannot read: {e}; run `pipeform deploy` to write it",
            path.display()
        ))
    })?;
    JobEnv::parse(&text).map_err(|e| JobError::usage(format!("env file {}: {e}", path.display())))
}

/// Tables of a run: every `*.csv` in the directory, table name = file stem.
pub fn tables_in(dir: &Path) -> Result<Vec<db::TableFile>, JobError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| JobError::usage(format!("CSV dir {}: cannot read: {e}", dir.display())))?;
    let mut tables = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| JobError::failed(format!("CSV dir {}: cannot list: {e}", dir.display())))?
            .path();
        if !path.is_file() || path.extension().is_none_or(|e| e != "csv") {
            continue;
        }
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        csvfile::check_table_name(&stem).map_err(|e| {
            JobError::failed(format!(
                "{}: the file name gives the table name: {e}; rename the file",
                path.display()
            ))
        })?;
        tables.push(db::TableFile { table: stem, path });
    }
    tables.sort_by(|a, b| a.table.cmp(&b.table));
    Ok(tables)
}

//! The batch job (`pipeform-job`, contract §10): CSV load into MySQL, ship to S3, the job log.
//!
//! Every command opens the job log first and ends it with exactly one `JOB_STATUS=` line; exit
//! codes are 0 (succeeded), 1 (failed run) and 2 (usage or config error).

pub mod csvfile;
pub mod db;
pub mod error;
pub mod lock;
pub mod log;
pub mod pseudo;
pub mod secret;
pub mod ship;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

use pipeform_shared::aws::{s3_client, sdk_config, Timeouts};
use pipeform_shared::jobenv::{JobEnv, SecretSource};
use pipeform_shared::prefix::PrefixTemplate;

pub use error::JobError;
use log::{JobLog, Rotation, Status};

/// Env var holding the database password when `--db-url` has none.
pub const PASSWORD_ENV: &str = "PIPEFORM_DB_PASSWORD";
/// File name of the job's own log inside the log directory.
pub const LOG_FILE_NAME: &str = "pipeform-job.log";

/// The job's subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Replace tables with the rows of CSV files, atomically.
    Load(LoadArgs),
    /// Upload CSVs and logs (gzip) to S3 under date prefixes.
    Ship(ShipArgs),
    /// Load, then ship, with the settings of an env file written by `pipeform deploy`.
    Run(RunArgs),
}

/// Where the job writes its own log.
#[derive(Debug, Clone, clap::Args)]
pub struct LogArgs {
    /// The job's own log file [default: load: ./pipeform-job.log; ship and run:
    /// <log dir>/pipeform-job.log].
    #[arg(long, env = "PIPEFORM_JOB_LOG", value_name = "FILE")]
    pub log_file: Option<PathBuf>,
    /// Rotate the job log when it would grow past this many bytes.
    #[arg(long, default_value_t = log::DEFAULT_MAX_BYTES, value_name = "BYTES")]
    pub log_max_bytes: u64,
    /// Rotated job logs kept (`.1` .. `.N`).
    #[arg(long, default_value_t = log::DEFAULT_KEEP, value_name = "N")]
    pub log_keep: u32,
}

/// `pipeform-job load`.
#[derive(Debug, Clone, clap::Args)]
pub struct LoadArgs {
    /// mysql://USER[:PASS]@HOST[:PORT]/DB; without PASS the password comes from
    /// $PIPEFORM_DB_PASSWORD.
    #[arg(long, value_name = "URL")]
    pub db_url: String,
    /// NAME=FILE.csv: replace table NAME with the file's rows (repeatable).
    #[arg(long = "table", value_name = "NAME=FILE", required = true)]
    pub tables: Vec<String>,
    /// Seconds the swap waits for readers' locks before giving up (nothing is changed then).
    #[arg(long, default_value_t = 60, value_name = "SECS")]
    pub lock_wait_timeout: u64,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub log: LogArgs,
}

/// S3 tuning shared by `ship` and `run`.
#[derive(Debug, Clone, clap::Args)]
pub struct S3Args {
    /// Files uploaded at once.
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub concurrency: usize,
    /// Seconds one S3 request attempt may take.
    #[arg(long, default_value_t = 120, value_name = "SECS")]
    pub s3_attempt_timeout: u64,
    /// Attempts per S3 request (retries with exponential backoff).
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub s3_max_attempts: u32,
    /// Compressed files larger than this go up as multipart uploads.
    #[arg(long, default_value_t = ship::MULTIPART_THRESHOLD, value_name = "BYTES")]
    pub multipart_threshold: usize,
    /// gzip level, 1 (fastest) to 9 (smallest). 1 by default: on log text it is ~5x faster
    /// than 6 for ~20% larger objects (docs/benchmarks.md), and the job host is small.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=9), value_name = "N")]
    pub gzip_level: u32,
    /// Part size of multipart uploads (S3's minimum is 5 MiB).
    #[arg(long, default_value_t = ship::PART_SIZE, value_name = "BYTES")]
    pub part_size: usize,
}

/// `pipeform-job ship`.
#[derive(Debug, Clone, clap::Args)]
pub struct ShipArgs {
    /// Target bucket.
    #[arg(long)]
    pub bucket: String,
    /// Directory whose `*.csv` files are shipped.
    #[arg(long, value_name = "DIR")]
    pub csv_dir: PathBuf,
    /// Directory whose log files are shipped.
    #[arg(long, value_name = "DIR")]
    pub log_dir: PathBuf,
    /// Key template for CSVs ({date}, {year}, {month}, {day}, {hour}).
    #[arg(long, default_value = "csv/{date}", value_name = "T")]
    pub csv_prefix: String,
    /// Key template for logs, e.g. logs/year={year}/month={month}/day={day}.
    #[arg(long, default_value = "logs/{date}", value_name = "T")]
    pub logs_prefix: String,
    /// Date of the run (UTC) [default: today].
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,
    /// S3 endpoint (a local testbed) [default: $AWS_ENDPOINT_URL or AWS].
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// AWS region [default: the standard chain, e.g. $AWS_REGION].
    #[arg(long)]
    pub region: Option<String>,
    /// Log fields whose values are pseudonymised before shipping (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "FIELDS")]
    pub pseudonymise_fields: Vec<String>,
    /// Where the HMAC key comes from: env:NAME, file:PATH or secretsmanager:ARN.
    #[arg(long, value_name = "SOURCE")]
    pub hmac_key_source: Option<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub s3: S3Args,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub log: LogArgs,
}

/// `pipeform-job run`.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// The env file written by `pipeform deploy`.
    #[arg(long, value_name = "FILE")]
    pub env_file: PathBuf,
    /// Validate the env file and directories and say what would be done; touch nothing and
    /// write no JOB_STATUS line.
    #[arg(long)]
    pub dry_run: bool,
    /// Lock file that keeps two runs from overlapping [default: <log dir>/.pipeform-job.lock].
    #[arg(long, value_name = "FILE")]
    pub lock_file: Option<PathBuf>,
    /// Seconds the swap waits for readers' locks.
    #[arg(long, default_value_t = 60, value_name = "SECS")]
    pub lock_wait_timeout: u64,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub s3: S3Args,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub log: LogArgs,
}

/// Runs a subcommand; returns the process exit code.
pub fn main(command: Command) -> u8 {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return 1;
        }
    };
    runtime.block_on(async {
        match command {
            Command::Load(a) => load_command(a).await,
            Command::Ship(a) => ship_command(a).await,
            Command::Run(a) => run_command(a).await,
        }
    })
}

fn open_log(args: &LogArgs, default: PathBuf) -> Result<JobLog, u8> {
    let path = args.log_file.clone().unwrap_or(default);
    JobLog::open(
        &path,
        Rotation {
            max_bytes: args.log_max_bytes.max(1024),
            keep: args.log_keep,
        },
    )
    .map_err(|e| {
        eprintln!(
            "error: cannot open the job log {}: {e}; pass --log-file with a writable path",
            path.display()
        );
        2
    })
}

/// Writes the one status line and returns the exit code.
fn finish(log: &mut JobLog, result: Result<(), JobError>) -> u8 {
    match result {
        Ok(()) => {
            log.finish(&Status::Succeeded);
            0
        }
        Err(e) => {
            log.finish(&Status::Failed(e.to_string()));
            e.exit_code()
        }
    }
}

async fn load_command(args: LoadArgs) -> u8 {
    let mut log = match open_log(&args.log, PathBuf::from(LOG_FILE_NAME)) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let result = load_from_args(&args, &mut log).await;
    finish(&mut log, result)
}

async fn load_from_args(args: &LoadArgs, log: &mut JobLog) -> Result<(), JobError> {
    let mut target = db::DbTarget::from_url(&args.db_url)?;
    if target.password.is_none() {
        target.password = std::env::var(PASSWORD_ENV).ok().filter(|p| !p.is_empty());
    }
    if let Some(p) = &target.password {
        log.redact(p);
    }
    let mut tables = Vec::new();
    for spec in &args.tables {
        let (name, file) = spec
            .split_once('=')
            .ok_or_else(|| JobError::usage(format!("--table {spec:?}: expected NAME=FILE.csv")))?;
        csvfile::check_table_name(name).map_err(|e| JobError::usage(format!("--table: {e}")))?;
        if tables.iter().any(|t: &db::TableFile| t.table == name) {
            return Err(JobError::usage(format!("--table {name} is given twice")));
        }
        tables.push(db::TableFile {
            table: name.to_string(),
            path: PathBuf::from(file),
        });
    }
    let opts = db::LoadOptions {
        lock_wait_timeout: Duration::from_secs(args.lock_wait_timeout),
    };
    load_blocking(target, tables, opts, log).await
}

/// The mysql crate is synchronous: the load runs on a blocking thread and the log is lent to it.
async fn load_blocking(
    target: db::DbTarget,
    tables: Vec<db::TableFile>,
    opts: db::LoadOptions,
    log: &mut JobLog,
) -> Result<(), JobError> {
    log.info(format!(
        "load: start, {} table(s): {}",
        tables.len(),
        tables
            .iter()
            .map(|t| format!("{}={}", t.table, t.path.display()))
            .collect::<Vec<_>>()
            .join(" ")
    ));
    tokio::task::block_in_place(|| db::load_tables(&target, &tables, opts, log))
}

fn run_time(date: Option<&str>) -> Result<DateTime<Utc>, JobError> {
    let now = Utc::now();
    match date {
        None => Ok(now),
        Some(d) => {
            let day = NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| JobError::usage(format!("--date {d:?}: expected YYYY-MM-DD")))?;
            Ok(day
                .and_time(NaiveTime::from_hms_opt(0, 0, 0).unwrap_or_default())
                .and_utc())
        }
    }
}

fn template(flag: &str, source: &str) -> Result<PrefixTemplate, JobError> {
    PrefixTemplate::parse(source).map_err(|e| JobError::usage(format!("{flag} {source:?}: {e}")))
}

/// Everything one ship needs, resolved.
struct ShipJob<'a> {
    bucket: &'a str,
    csv_dir: &'a Path,
    log_dir: &'a Path,
    csv_prefix: PrefixTemplate,
    logs_prefix: PrefixTemplate,
    at: DateTime<Utc>,
    region: Option<&'a str>,
    endpoint_url: Option<&'a str>,
    pseudonymise_fields: &'a [String],
    hmac_key_source: Option<SecretSource>,
    s3: &'a S3Args,
}

async fn ship_command(args: ShipArgs) -> u8 {
    let mut log = match open_log(&args.log, args.log_dir.join(LOG_FILE_NAME)) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let result = async {
        let job = ShipJob {
            bucket: &args.bucket,
            csv_dir: &args.csv_dir,
            log_dir: &args.log_dir,
            csv_prefix: template("--csv-prefix", &args.csv_prefix)?,
            logs_prefix: template("--logs-prefix", &args.logs_prefix)?,
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

async fn run_ship(job: &ShipJob<'_>, log: &mut JobLog) -> Result<(), JobError> {
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
    let timeouts = Timeouts {
        attempt: Duration::from_secs(job.s3.s3_attempt_timeout.max(1)),
        operation: Duration::from_secs(
            (job.s3.s3_attempt_timeout.max(1) * u64::from(job.s3.s3_max_attempts.max(1))) + 30,
        ),
        max_attempts: job.s3.s3_max_attempts.max(1),
        ..Timeouts::UPLOAD
    };
    let config = sdk_config(job.region, job.endpoint_url, timeouts).await;
    let client = s3_client(&config);
    let opts = ship::ShipOptions {
        concurrency: job.s3.concurrency,
        multipart_threshold: job.s3.multipart_threshold,
        gzip_level: job.s3.gzip_level,
        part_size: job.s3.part_size.max(5 * 1024 * 1024),
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

async fn run_command(args: RunArgs) -> u8 {
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
            eprintln!("{}", log::status_text(&Status::Failed(e.to_string())));
            return e.exit_code();
        }
    };
    let log_dir = PathBuf::from(&env.log_dir);
    if args.dry_run {
        return dry_run(&env, &args);
    }
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
        let tables = tables_in(Path::new(&env.csv_dir))?;
        let password = secret::resolve(
            &env.db_password,
            Some("password"),
            Some(&env.region),
            env.endpoint_url.as_deref(),
        )
        .await?;
        log.redact(&password);
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
        if tables.is_empty() {
            log.info(format!(
                "load: no *.csv in {}; nothing to load",
                env.csv_dir
            ));
        } else {
            load_blocking(target, tables, opts, &mut log).await?;
        }
        let job = ShipJob {
            bucket: &env.bucket,
            csv_dir: Path::new(&env.csv_dir),
            log_dir: &log_dir,
            csv_prefix: template("PIPEFORM_CSV_PREFIX", &env.csv_prefix)?,
            logs_prefix: template("PIPEFORM_LOGS_PREFIX", &env.logs_prefix)?,
            at: Utc::now(),
            region: Some(&env.region),
            endpoint_url: env.endpoint_url.as_deref(),
            pseudonymise_fields: &env.pseudonymise_fields,
            hmac_key_source: env.hmac_key.clone(),
            s3: &args.s3,
        };
        run_ship(&job, &mut log).await
    }
    .await;
    finish(&mut log, result)
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

/// `run --dry-run`: the checks a deploy smoke test needs, and nothing that changes anything.
fn dry_run(env: &JobEnv, args: &RunArgs) -> u8 {
    let mut errors = Vec::new();
    let mut notes = Vec::new();
    for (k, v) in [
        ("PIPEFORM_CSV_PREFIX", &env.csv_prefix),
        ("PIPEFORM_LOGS_PREFIX", &env.logs_prefix),
    ] {
        if let Err(e) = template(k, v) {
            errors.push(e.to_string());
        }
    }
    match &env.db_password {
        SecretSource::Env(name) if std::env::var_os(name).is_none() => errors.push(format!(
            "password source env:{name}: the variable is not set"
        )),
        SecretSource::File(path) if std::fs::metadata(path).is_err() => errors.push(format!(
            "password source file:{path}: the file cannot be read"
        )),
        _ => {}
    }
    if !env.pseudonymise_fields.is_empty() && env.hmac_key.is_none() {
        errors
            .push("PIPEFORM_PSEUDONYMISE_FIELDS is set but PIPEFORM_HMAC_KEY_SOURCE is not".into());
    }
    if let Err(e) = pseudo::Pseudonymiser::new(&env.pseudonymise_fields, b"k") {
        errors.push(e);
    }
    match tables_in(Path::new(&env.csv_dir)) {
        Ok(t) => notes.push(format!(
            "would load {} table(s) into mysql://{}@{}:{}/{}: {}",
            t.len(),
            env.db_user,
            env.db_host,
            env.db_port,
            env.db_name,
            t.iter()
                .map(|t| t.table.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Err(JobError::Usage(e)) => notes.push(format!("warning: {e} (it may not exist yet)")),
        Err(e) => errors.push(e.to_string()),
    }
    if !Path::new(&env.log_dir).is_dir() {
        notes.push(format!(
            "warning: log dir {} does not exist yet; the first run creates it",
            env.log_dir
        ));
    }
    notes.push(format!(
        "would ship to s3://{}/ under {} and {}; job log {}",
        env.bucket,
        env.csv_prefix,
        env.logs_prefix,
        args.log
            .log_file
            .clone()
            .unwrap_or_else(|| Path::new(&env.log_dir).join(LOG_FILE_NAME))
            .display()
    ));
    for n in &notes {
        println!("dry run: {n}");
    }
    if errors.is_empty() {
        println!("dry run: env file {} is valid", args.env_file.display());
        0
    } else {
        for e in &errors {
            eprintln!("error: {e}");
        }
        2
    }
}

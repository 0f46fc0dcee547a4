//! The job's command line: subcommands and their flags. Every numeric flag has a range that
//! clap enforces (out of range is exit 2 naming the range), so no value reaches the code that
//! could overflow, panic or loop for ever.

use std::path::PathBuf;

use clap::builder::RangedU64ValueParser;

use super::log;
use super::ship;
use super::toplevel::subcommand_after_help;

/// The job's subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Replace tables with the rows of CSV files, atomically.
    #[command(after_help = subcommand_after_help(
        "  pipeform-job load --db-url mysql://offsets_admin@db.internal:3306/offsets \\\n      --table offsets=/var/lib/pipeform/csv/offsets.csv\n  # The password: in the URL, or in $PIPEFORM_DB_PASSWORD (never logged)."
    ))]
    Load(LoadArgs),
    /// Upload CSVs and logs (gzip) to S3 under date prefixes.
    #[command(after_help = subcommand_after_help(
        "  pipeform-job ship --bucket vcm-bucket25 --csv-dir /var/lib/pipeform/csv \\\n      --log-dir /var/log/pipeform --date 2026-11-28\n  # Against a local testbed:\n  pipeform-job ship --bucket b --csv-dir csv --log-dir logs --endpoint-url http://127.0.0.1:5000"
    ))]
    Ship(ShipArgs),
    /// Load, then ship, with the settings of an env file written by `pipeform deploy`.
    #[command(after_help = subcommand_after_help(
        "  pipeform-job run --env-file /opt/pipeform/job.env\n  pipeform-job run --env-file /opt/pipeform/job.env --dry-run"
    ))]
    Run(RunArgs),
}

/// Where the job writes its own log.
#[derive(Debug, Clone, clap::Args)]
pub struct LogArgs {
    /// The job's own log file [default: load: ./pipeform-job.log; ship and run:
    /// <log dir>/pipeform-job.log].
    #[arg(long, env = "PIPEFORM_JOB_LOG", value_name = "FILE")]
    pub log_file: Option<PathBuf>,
    /// Rotate the job log when it would grow past this many bytes [range: 1024 to 1073741824].
    #[arg(long, default_value_t = log::DEFAULT_MAX_BYTES, value_name = "BYTES",
          value_parser = clap::value_parser!(u64).range(1024..=1 << 30))]
    pub log_max_bytes: u64,
    /// Rotated job logs kept (`.1` .. `.N`) [range: 0 to 100].
    #[arg(long, default_value_t = log::DEFAULT_KEEP, value_name = "N",
          value_parser = clap::value_parser!(u32).range(0..=100))]
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
    /// Seconds the swap waits for readers' locks, and a load waits for another load of the same
    /// table, before giving up (nothing is changed then) [range: 1 to 86400].
    #[arg(long, default_value_t = 60, value_name = "SECS",
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub lock_wait_timeout: u64,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub log: LogArgs,
}

/// S3 tuning shared by `ship` and `run`.
#[derive(Debug, Clone, clap::Args)]
pub struct S3Args {
    /// Files uploaded at once [range: 1 to 64].
    #[arg(long, default_value_t = 4, value_name = "N",
          value_parser = RangedU64ValueParser::<usize>::new().range(1..=64))]
    pub concurrency: usize,
    /// Seconds one S3 request attempt may take [range: 1 to 3600].
    #[arg(long, default_value_t = 120, value_name = "SECS",
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub s3_attempt_timeout: u64,
    /// Attempts per S3 request (retries with exponential backoff) [range: 1 to 20].
    #[arg(long, default_value_t = 5, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=20))]
    pub s3_max_attempts: u32,
    /// Compressed files larger than this go up as multipart uploads [range: 1048576 to
    /// 536870912].
    #[arg(long, default_value_t = ship::MULTIPART_THRESHOLD, value_name = "BYTES",
          value_parser = RangedU64ValueParser::<usize>::new().range(1 << 20..=512 << 20))]
    pub multipart_threshold: usize,
    /// gzip level, 1 (fastest) to 9 (smallest). 1 by default: on log text it is ~5x faster
    /// than 6 for ~20% larger objects (docs/benchmarks.md), and the job host is small.
    #[arg(long, default_value_t = 1, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=9))]
    pub gzip_level: u32,
    /// Part size of multipart uploads; each file being uploaded holds up to three parts in
    /// memory [range: 5242880 (S3's minimum) to 536870912].
    #[arg(long, default_value_t = ship::PART_SIZE, value_name = "BYTES",
          value_parser = RangedU64ValueParser::<usize>::new().range(5 << 20..=512 << 20))]
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
    /// Key template for logs, e.g. logs/year={year}/month={month}/day={day}; must start in
    /// another folder than the CSV prefix.
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
    /// Seconds the swap waits for readers' locks, and a load for another load of the same
    /// table [range: 1 to 86400].
    #[arg(long, default_value_t = 60, value_name = "SECS",
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub lock_wait_timeout: u64,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub s3: S3Args,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub log: LogArgs,
}

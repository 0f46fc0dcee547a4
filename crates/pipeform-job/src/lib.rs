//! The batch job (`pipeform-job`, contract §10): CSV load into MySQL, ship to S3, the job log.
//!
//! Every command opens the job log first and ends it with exactly one `JOB_STATUS=` line; exit
//! codes are 0 (succeeded), 1 (failed run) and 2 (usage or config error).
//!
//! Memory does not grow with file size: `load` reads each CSV twice in buffered chunks
//! ([`csvfile`]), `ship` reads each file twice in chunks and sends its compressed bytes part by
//! part ([`ship`], [`snapshot`], [`upload`]).

pub mod cli;
mod commands;
pub mod cwlogs;
pub mod db;
pub mod error;
pub mod lock;
pub mod log;
pub mod secret;
pub mod ship;
pub mod snapshot;
pub mod toplevel;
pub mod upload;

pub use cli::Command;
pub use commands::{main, tables_in};
pub use error::JobError;
// Moved to the light parse crate (fuzzed without the SDK); their paths here stay.
pub use pipeform_parse::{csvfile, pseudo};

/// Env var holding the database password when `--db-url` has none.
pub const PASSWORD_ENV: &str = "PIPEFORM_DB_PASSWORD";
/// File name of the job's own log inside the log directory.
pub const LOG_FILE_NAME: &str = "pipeform-job.log";

//! The stack config: `pipeform.toml` parsed into raw serde types, then validated once into a
//! [`Stack`] whose fields cannot be wrong. Nothing downstream re-checks strings.
//!
//! Every problem is collected (not only the first), each with its key path
//! (`network.db_subnets[1]`) and line, so one edit-and-retry fixes them all.

pub mod cron;
mod error;
pub mod missed_run;
mod raw;
pub mod rules;
mod stack;
mod validate;
mod values;

use std::path::Path;

pub use error::{ConfigError, Problem};
pub use stack::*;
pub use validate::{
    DEFAULT_ALLOCATED_STORAGE, DEFAULT_CSV_DIR, DEFAULT_LOG_DIR, DEFAULT_MISSED_RUN_GRACE_MINUTES,
    DEFAULT_SUCCESS_PATTERN,
};
pub use values::{BucketName, RetentionDays};

use crate::exit::Failure;

/// Reads and validates the config at `path`. Relative paths inside it (`app.public_key_path`)
/// are resolved against the file's directory; whether the key exists is checked by the command
/// that reads it.
pub fn load(path: &Path) -> Result<Stack, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_str(&text, path)
}

/// Validates config text as if read from `source`.
pub fn parse_str(text: &str, source: &Path) -> Result<Stack, ConfigError> {
    let (raw, problems) = raw::parse(text);
    validate::validate(raw, source, problems).map_err(|problems| ConfigError::Invalid {
        path: source.to_path_buf(),
        problems,
    })
}

/// [`load`] for commands: a bad or missing config is a usage error (exit 2).
pub fn load_for_command(path: &Path) -> Result<Stack, Failure> {
    load(path).map_err(Failure::usage)
}

#[cfg(test)]
mod tests;

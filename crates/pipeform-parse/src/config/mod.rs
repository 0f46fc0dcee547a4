//! The stack config: `pipeform.toml` parsed into raw serde types, then validated once into a
//! [`Stack`] whose fields cannot be wrong. Nothing downstream re-checks strings.
//!
//! Every problem is collected (not only the first), each with its key path
//! (`network.db_subnets[1]`) and line, so one edit-and-retry fixes them all.

pub mod cron;
mod error;
pub mod missed_run;
mod overlap;
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

/// Reads and validates the config at `path`. Relative paths inside it (`app.public_key_path`)
/// are resolved against the file's directory; whether the key exists is checked by the command
/// that reads it.
pub fn load(path: &Path) -> Result<Stack, ConfigError> {
    let bytes = read_capped(path)?;
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        let byte = e.valid_up_to();
        ConfigError::NotUtf8 {
            path: path.to_path_buf(),
            line: raw::LineIndex::new(&bytes).line(byte),
            byte,
        }
    })?;
    parse_str(text, path)
}

/// What a valid config may still get wrong, for `render` and `plan` to print as warnings before
/// anything is applied: a schedule too sparse for a missed-run alarm, and a failure or success
/// pattern that would not count the line it is for ([`rules::status_pattern_problem`]).
pub fn warnings(stack: &Stack) -> Vec<String> {
    use pipeform_shared::filter_pattern::Counts;
    let mut out: Vec<String> = missed_run::MissedRun::of(stack)
        .warning()
        .map(String::from)
        .into_iter()
        .collect();
    let monitoring = &stack.monitoring;
    for (key, pattern, counts, then) in [
        (
            "failure_pattern",
            &monitoring.failure_pattern,
            Counts::Failed,
            "the failure alarm would not fire on a failed run",
        ),
        (
            "success_pattern",
            &monitoring.success_pattern,
            Counts::Succeeded,
            "the missed-run alarm would not count good runs",
        ),
    ] {
        if let Some(problem) = rules::status_pattern_problem(pattern, counts) {
            out.push(format!("monitoring.{key}: {problem}; {then}"));
        }
    }
    out
}

/// The largest config read, in bytes. A real stack's config is a few KiB; the cap bounds what a
/// hostile or mistaken `--config` (a log file, `/dev/zero`) can cost before it is refused.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// The most entries any list in the config may have (subnets, zones, CIDRs, emails, fields).
/// A real stack lists a handful; the cap keeps every per-list rule cheap.
pub const MAX_LIST_LEN: usize = 256;

/// Reads at most [`MAX_CONFIG_BYTES`] + 1 bytes: one more than the cap tells "too large" without
/// reading the rest.
fn read_capped(path: &Path) -> Result<Vec<u8>, ConfigError> {
    use std::io::Read;
    let read_error = |source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_error)?;
    let mut bytes = Vec::new();
    file.take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(ConfigError::TooLarge {
            path: path.to_path_buf(),
            limit: MAX_CONFIG_BYTES,
        });
    }
    Ok(bytes)
}

/// Validates config text as if read from `source`.
pub fn parse_str(text: &str, source: &Path) -> Result<Stack, ConfigError> {
    let (mut raw, problems) = raw::parse(text);
    let spans = std::mem::take(&mut raw.spans);
    validate::validate(raw, source, problems).map_err(|mut problems| {
        // The rules know key paths, not bytes: point each of their problems at its key's value.
        for p in problems.iter_mut().filter(|p| p.span.is_none()) {
            p.span = raw::locate(&spans, &p.key);
        }
        ConfigError::Invalid {
            path: source.to_path_buf(),
            problems,
            text: text.to_string(),
        }
    })
}

#[cfg(test)]
mod tests;

//! The stack config. Its parser and rules live in the light `pipeform-parse` crate (so the fuzz
//! targets build them without the SDK); this module keeps the `crate::config::...` paths and
//! adds what only the operator needs: the exit code of a bad config.

use std::path::Path;

pub use pipeform_parse::config::*;

use crate::exit::Failure;

/// [`load`] for commands: a bad or missing config is a usage error (exit 2).
pub fn load_for_command(path: &Path) -> Result<Stack, Failure> {
    load(path).map_err(Failure::usage)
}

//! `pipeform apply`.

use crate::cli::{ApplyArgs, Cli};
use crate::exit::CommandResult;

/// Runs `pipeform apply`.
pub async fn exec(_cli: &Cli, _args: &ApplyArgs) -> CommandResult {
    super::not_implemented("apply")
}

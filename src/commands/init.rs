//! `pipeform init`.

use crate::cli::{Cli, InitArgs};
use crate::exit::CommandResult;

/// Runs `pipeform init`.
pub async fn exec(_cli: &Cli, _args: &InitArgs) -> CommandResult {
    super::not_implemented("init")
}

//! `pipeform drift`.

use crate::cli::{Cli, DriftArgs};
use crate::exit::CommandResult;

/// Runs `pipeform drift`.
pub async fn exec(_cli: &Cli, _args: &DriftArgs) -> CommandResult {
    super::not_implemented("drift")
}

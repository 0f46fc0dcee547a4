//! `pipeform check`.

use crate::cli::{CheckArgs, Cli};
use crate::exit::CommandResult;

/// Runs `pipeform check`.
pub async fn exec(_cli: &Cli, _args: &CheckArgs) -> CommandResult {
    super::not_implemented("check")
}

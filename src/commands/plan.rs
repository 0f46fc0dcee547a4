//! `pipeform plan`.

use crate::cli::{Cli, PlanArgs};
use crate::exit::CommandResult;

/// Runs `pipeform plan`.
pub async fn exec(_cli: &Cli, _args: &PlanArgs) -> CommandResult {
    super::not_implemented("plan")
}

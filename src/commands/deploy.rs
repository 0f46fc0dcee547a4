//! `pipeform deploy`.

use crate::cli::{Cli, DeployArgs};
use crate::exit::CommandResult;

/// Runs `pipeform deploy`.
pub async fn exec(_cli: &Cli, _args: &DeployArgs) -> CommandResult {
    super::not_implemented("deploy")
}

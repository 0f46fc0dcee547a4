//! `pipeform render`.

use crate::cli::{Cli, RenderArgs};
use crate::exit::CommandResult;

/// Runs `pipeform render`.
pub async fn exec(_cli: &Cli, _args: &RenderArgs) -> CommandResult {
    super::not_implemented("render")
}

//! One module per command: each a short `exec` over library modules.

pub mod apply;
pub mod check;
pub mod completions;
pub mod deploy;
pub mod drift;
pub mod init;
pub mod man;
pub mod plan;
pub mod render;

use crate::cli::{Cli, Command};
use crate::exit::CommandResult;

/// Runs the command the user asked for.
pub async fn run(cli: &Cli) -> CommandResult {
    match &cli.command {
        Command::Init(args) => init::exec(cli, args).await,
        Command::Render(args) => render::exec(cli, args).await,
        Command::Plan(args) => plan::exec(cli, args).await,
        Command::Apply(args) => apply::exec(cli, args).await,
        Command::Deploy(args) => deploy::exec(cli, args).await,
        Command::Check(args) => check::exec(cli, args).await,
        Command::Drift(args) => drift::exec(cli, args).await,
        Command::Completions { shell } => completions::exec(*shell).await,
        Command::Man => man::exec().await,
    }
}

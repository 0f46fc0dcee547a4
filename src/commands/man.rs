//! `pipeform man`: the man page (roff), generated from the command line itself, so it lists
//! every option, example and exit code the help pages do.

use clap::CommandFactory;

use crate::cli::Cli;
use crate::exit::{CommandResult, Failure};

/// Runs `pipeform man`.
pub async fn exec() -> CommandResult {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .map_err(|e| Failure::runtime(anyhow::anyhow!("cannot render the man page: {e}")))?;
    super::completions::print(&page)
}

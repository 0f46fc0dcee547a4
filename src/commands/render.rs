//! `pipeform render`: validate the config, then write the root module's tfvars.

use std::io::Write;

use crate::cli::{Cli, RenderArgs};
use crate::config;
use crate::exit::{CommandResult, ExitStatus};
use crate::tfvars;

/// Runs `pipeform render`.
pub async fn exec(cli: &Cli, args: &RenderArgs) -> CommandResult {
    let stack = config::load_for_command(&cli.config)?;
    let written = tfvars::render_to(&stack, &args.terraform_dir, args.out.as_deref())?;
    if let Some(why) = config::missed_run::MissedRun::of(&stack).warning() {
        eprintln!("warning: {why}");
    }
    // A closed stdout (`| head`) must not turn a completed write into a panic.
    let _ = writeln!(
        std::io::stdout().lock(),
        "wrote {} ({} variables)\n  {}",
        written.path.display(),
        written.variables.len(),
        written.variables.join(", ")
    );
    Ok(ExitStatus::Clean)
}

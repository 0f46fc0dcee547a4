//! `pipeform render`: validate the config, then write the root module's tfvars.

use std::io::Write;

use crate::cli::{Cli, Format, RenderArgs};
use crate::config;
use crate::exit::{CommandResult, ExitStatus};
use crate::tfvars;

/// Runs `pipeform render`.
pub async fn exec(cli: &Cli, args: &RenderArgs) -> CommandResult {
    let stack = config::load_for_command(&cli.config)?;
    let written = tfvars::render_to(&stack, &args.terraform_dir, args.out.as_deref())?;
    for why in config::warnings(&stack) {
        eprintln!("warning: {why}");
    }
    let text = match args.format {
        Format::Table => format!(
            "wrote {} ({} variables)\n  {}\n",
            written.path.display(),
            written.variables.len(),
            written.variables.join(", ")
        ),
        Format::Json => {
            serde_json::json!({
                "schema_version": crate::report::check::SCHEMA_VERSION,
                "path": written.path.display().to_string(),
                "variables": written.variables,
            })
            .to_string()
                + "\n"
        }
    };
    // A closed stdout (`| head`) must not turn a completed write into a panic.
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    Ok(ExitStatus::Clean)
}

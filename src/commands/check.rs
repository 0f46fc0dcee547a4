//! `pipeform check`: config -> expectations; AWS -> inventory (once); checks; report; exit code.

use std::io::Write;
use std::path::Path;

use chrono::Utc;

use crate::checks::{self, Expectations};
use crate::cli::{CheckArgs, Cli, Format};
use crate::config::Stack;
use crate::exit::{CommandResult, Failure};
use crate::inventory::{self, Target};
use crate::report;

/// Runs `pipeform check`.
pub async fn exec(cli: &Cli, args: &CheckArgs) -> CommandResult {
    let selected = checks::select(&args.only).map_err(Failure::usage)?;
    let stack = load_stack(&cli.config)?;
    let region = args
        .aws
        .region
        .clone()
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| stack.project.region.clone());
    let expect = Expectations::from_stack(&stack, &region, Utc::now(), args.date);
    let target = Target {
        region,
        endpoint_url: args.aws.endpoint_url.clone().filter(|u| !u.is_empty()),
    };
    let inventory = inventory::gather(&target, &expect.query(), checks::needs_of(&selected)).await;
    let findings = checks::run(&selected, &expect, &inventory);
    let text = match args.format {
        Format::Table => {
            report::check::table(&expect.project, &findings, report::table::colour_enabled())
        }
        Format::Json => format!("{}\n", report::check::json(&expect.project, &findings)),
        Format::Junit => report::check::junit(&findings),
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Failure::runtime(anyhow::anyhow!("cannot write the report to stdout: {e}")))?;
    Ok(report::check::exit_status(&findings))
}

/// Reads and validates the config (exit 2 on any problem, before any remote call).
fn load_stack(path: &Path) -> Result<Stack, Failure> {
    crate::config::load(path).map_err(Failure::usage)
}

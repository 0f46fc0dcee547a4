//! `pipeform check`: config -> target; the check pipeline (`ops::check`); report; exit code.

use std::io::Write;

use chrono::Utc;

use crate::checks;
use crate::cli::{CheckArgs, Cli, Format};
use crate::exit::{CommandResult, Failure};
use crate::ops;
use crate::report::check::{self as check_report, Source};

/// Runs `pipeform check`.
pub async fn exec(cli: &Cli, args: &CheckArgs) -> CommandResult {
    let selected = checks::select(&args.only).map_err(Failure::usage)?;
    // Exit 2 on any problem in the config, before any remote call.
    let stack = crate::config::load(&cli.config).map_err(Failure::usage)?;
    let resolved = ops::check::resolve(
        &stack,
        args.aws.region.as_deref(),
        args.aws.endpoint_url.as_deref(),
        |name| std::env::var(name).ok(),
    );
    if let Some(notice) = &resolved.notice {
        tracing::warn!("{notice}");
    }
    let target = &resolved.target;
    let findings = ops::check::run(&stack, target, &selected, Utc::now(), args.date).await;
    let source = Source {
        project: &stack.project.name,
        region: &target.region,
        endpoint: target.endpoint_url.as_deref(),
    };
    let text = match args.format {
        Format::Table => check_report::table(source, &findings, crate::table::colour_enabled()),
        Format::Json => format!("{}\n", check_report::json(source, &findings)),
        Format::Junit => check_report::junit(&findings),
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Failure::runtime(anyhow::anyhow!("cannot write the report to stdout: {e}")))?;
    Ok(check_report::exit_status(&findings))
}

//! `pipeform check`: config -> target; the check pipeline (`ops::check`); report; exit code.

use std::io::{IsTerminal, Write};

use chrono::Utc;

use crate::checks;
use crate::cli::{CheckArgs, Cli, ReportFormat};
use crate::exit::{CommandResult, Failure};
use crate::ops;
use crate::report::check::{self as check_report, ConfigFile, Source};

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
    let started = Utc::now();
    let clock = std::time::Instant::now();
    let judged = ops::check::run_judged(&stack, target, &selected, Utc::now(), args.date).await;
    if judged.nothing_found {
        // Seventeen `fail` rows would bury the one thing to do (contract §12).
        return Err(Failure::usage(anyhow::anyhow!(
            "nothing of project {} exists in region {}{}: run `pipeform apply` first (or point --region, --endpoint-url or the AWS credentials at the account that holds the stack)",
            stack.project.name,
            target.region,
            target
                .endpoint_url
                .as_deref()
                .map_or_else(String::new, |e| format!(" at {e}"))
        )));
    }
    let findings = judged.findings;
    let source = Source {
        project: &stack.project.name,
        region: &target.region,
        endpoint: target.endpoint_url.as_deref(),
    };
    // The config's text locates each finding in CI reports; without it they still name the
    // resource.
    let config_text = std::fs::read_to_string(&cli.config).ok();
    let config = config_text.as_deref().map(|text| ConfigFile {
        path: &cli.config,
        text,
    });
    let text = match args.format {
        ReportFormat::Table => check_report::table(
            source,
            &findings,
            cli.color.enabled(std::io::stdout().is_terminal()),
        ),
        ReportFormat::Json => format!("{}\n", check_report::json(source, &findings)),
        ReportFormat::Junit => check_report::junit(
            &findings,
            Some(crate::report::junit::Timing {
                started,
                seconds: clock.elapsed().as_secs_f64(),
            }),
        )
        .map_err(|e| Failure::runtime(anyhow::anyhow!("cannot write the JUnit report: {e}")))?,
        ReportFormat::Sarif => check_report::sarif(source, &findings, config),
        ReportFormat::Github => check_report::github(source, &findings, config),
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Failure::runtime(anyhow::anyhow!("cannot write the report to stdout: {e}")))?;
    Ok(check_report::exit_status(&findings))
}

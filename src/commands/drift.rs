//! `pipeform drift`: a refresh-only plan, judged attribute by attribute (contract §8).

use std::path::{Path, PathBuf};

use crate::cli::{Cli, DriftArgs, ReportFormat};
use crate::drift::{self, DriftError, Waivers};
use crate::exit::{CommandResult, Failure};
use crate::ops;
use crate::report::check::ConfigFile;
use crate::report::drift::{DriftReport, RootModule};

/// The waiver file read when `--waivers` is not given (and only if it exists).
pub const DEFAULT_WAIVERS: &str = ".pipeform-waivers.toml";

/// Runs `pipeform drift`. Plain drift needs only the root module and its state: a missing
/// `pipeform.toml` is fine (an existing one must be valid, as for every command, and gives the
/// report its project name); `--with-checks` needs the config.
pub async fn exec(cli: &Cli, args: &DriftArgs) -> CommandResult {
    let started = chrono::Utc::now();
    let clock = std::time::Instant::now();
    // Everything local is validated before terraform touches the account.
    let waivers = read_waivers(args.waivers.as_deref())?;
    let stack = if args.with_checks || cli.config.exists() {
        Some(crate::config::load_for_command(&cli.config)?)
    } else {
        tracing::info!(
            "no config at {}: auditing the terraform state alone",
            cli.config.display()
        );
        None
    };
    let dir = args.terraform_dir.clone();
    drift::ensure_root_module(&dir).map_err(Failure::usage)?;
    // The checks (about a second) and the refresh (seconds to minutes) are independent reads
    // of the account: run them side by side.
    let refresh_task = tokio::task::spawn_blocking(move || drift::refresh(&dir));
    let checks = match (&stack, args.with_checks) {
        (Some(stack), true) => {
            let resolved = ops::check::resolve(
                stack,
                args.aws.region.as_deref(),
                args.aws.endpoint_url.as_deref(),
                |name| std::env::var(name).ok(),
            );
            if let Some(notice) = &resolved.notice {
                tracing::warn!("{notice}");
            }
            // No `--only` here: selecting all checks cannot fail.
            let all = crate::checks::select(&[]).unwrap_or_default();
            Some(ops::check::run(stack, &resolved.target, &all, chrono::Utc::now(), None).await)
        }
        _ => None,
    };
    let refreshed = refresh_task
        .await
        .map_err(|e| Failure::runtime(anyhow::anyhow!("the terraform run was cancelled: {e}")))?
        .map_err(|e| match e {
            DriftError::NotARootModule { .. } | DriftError::EmptyState { .. } => Failure::usage(e),
            other => Failure::runtime(other),
        })?;
    let today = chrono::Utc::now().date_naive();
    let report = DriftReport {
        project: stack.map(|s| s.project.name.to_string()),
        audit: drift::audit(&refreshed, &waivers, today),
        checks,
    };
    let timing = crate::report::junit::Timing {
        started,
        seconds: clock.elapsed().as_secs_f64(),
    };
    print_report(cli, args, &report, timing)?;
    Ok(report.exit_status())
}

/// Reads the waiver file: an explicit `--waivers` must exist; the default one may be absent.
fn read_waivers(explicit: Option<&Path>) -> Result<Waivers, Failure> {
    let path = explicit.map_or_else(|| PathBuf::from(DEFAULT_WAIVERS), Path::to_path_buf);
    match Waivers::read(&path).map_err(Failure::usage)? {
        Some(w) => Ok(w),
        None if explicit.is_some() => Err(Failure::usage(anyhow::anyhow!(
            "waiver file {} does not exist; create it or drop --waivers",
            path.display()
        ))),
        None => Ok(Waivers::default()),
    }
}

fn print_report(
    cli: &Cli,
    args: &DriftArgs,
    report: &DriftReport,
    timing: crate::report::junit::Timing,
) -> Result<(), Failure> {
    // The files CI annotations point at: the root module's declarations, the config's tables.
    let main_tf = args.terraform_dir.join("main.tf");
    let root_text = std::fs::read_to_string(&main_tf).ok();
    let root = root_text.as_deref().map(|text| RootModule {
        path: &main_tf,
        text,
    });
    let config_text = std::fs::read_to_string(&cli.config).ok();
    let config = config_text.as_deref().map(|text| ConfigFile {
        path: &cli.config,
        text,
    });
    let text = match args.format {
        ReportFormat::Table => {
            use std::io::IsTerminal as _;
            report.to_table(cli.color.enabled(std::io::stdout().is_terminal()))
        }
        ReportFormat::Json => serde_json::to_string_pretty(&report.to_json())
            .map(|s| s + "\n")
            .map_err(|e| Failure::runtime(anyhow::anyhow!("cannot write the JSON report: {e}")))?,
        ReportFormat::Junit => report
            .to_junit(Some(timing))
            .map_err(|e| Failure::runtime(anyhow::anyhow!("cannot write the JUnit report: {e}")))?,
        ReportFormat::Sarif => report.to_sarif(root, config),
        ReportFormat::Github => report.to_github(root, config),
    };
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    // A closed pipe (`| head`) is not worth a different exit code than the finding itself.
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    Ok(())
}

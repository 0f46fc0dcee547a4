//! `pipeform deploy`.

use std::path::Path;
use std::time::Duration;

use anyhow::anyhow;

use crate::cli::{Cli, DeployArgs, Format, SudoMode};
use crate::deploy::console_keys::{self, ConsoleError, ConsoleFingerprint};
use crate::deploy::{self, Action, DeployOptions, Places, Sudo};
use crate::exit::{CommandResult, ExitStatus, Failure};
use crate::terraform::{Outputs, Terraform};

/// Runs `pipeform deploy`.
pub async fn exec(cli: &Cli, args: &DeployArgs) -> CommandResult {
    let stack = crate::config::load_for_command(&cli.config)?;
    let overrides = args
        .set
        .iter()
        .map(|s| deploy::host_files::parse_override(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(Failure::usage)?;
    let outputs = outputs(&args.terraform_dir);
    let console = if args.host_key_from_console {
        Some(console_fingerprints(args, &stack, outputs.as_ref()).await?)
    } else {
        None
    };
    let opts = DeployOptions {
        action: match (&args.binary, args.rollback) {
            (_, true) => Action::Rollback,
            (Some(b), false) => Action::Deploy { binary: b.clone() },
            (None, false) => {
                return Err(Failure::usage(anyhow!(
                    "pass --binary PATH (the pipeform-job to install) or --rollback"
                )))
            }
        },
        host: args.host.clone(),
        port: args.port,
        user: args.user.clone(),
        identity: args.identity.clone(),
        passphrase: std::env::var("PIPEFORM_SSH_PASSPHRASE").ok(),
        known_hosts: args.known_hosts.clone(),
        accept_new_host_key: args.accept_new_host_key,
        console,
        places: Places {
            prefix: args.prefix.clone(),
            cron_dir: args.cron_dir.clone(),
            agent_dir: args.agent_dir.clone(),
        },
        overrides,
        smoke: args.smoke,
        connect_timeout: Duration::from_secs(args.connect_timeout),
        sudo: match args.sudo {
            SudoMode::Auto => Sudo::Auto,
            SudoMode::Always => Sudo::Always,
            SudoMode::Never => Sudo::Never,
        },
    };
    let report = tokio::task::spawn_blocking(move || deploy::run(&stack, outputs.as_ref(), &opts))
        .await
        .map_err(|e| Failure::runtime(anyhow!("deploy task failed: {e}")))?
        .map_err(|e| {
            if e.is_usage() {
                Failure::usage(e)
            } else {
                Failure::runtime(e)
            }
        })?;
    match args.format {
        Format::Json => {
            let encode =
                |e: serde_json::Error| Failure::runtime(anyhow!("cannot encode the report: {e}"));
            let mut doc = serde_json::to_value(&report).map_err(encode)?;
            if let Some(fields) = doc.as_object_mut() {
                fields.insert(
                    "schema_version".into(),
                    crate::report::check::SCHEMA_VERSION.into(),
                );
            }
            println!("{}", serde_json::to_string_pretty(&doc).map_err(encode)?);
        }
        _ => print!("{}", deploy::summary(&report)),
    }
    match &report.smoke {
        Some(s) if !s.ok => Err(Failure::runtime(anyhow!(
            "smoke test failed on {}: --version {:?}, dry run {}",
            report.host,
            s.version,
            s.dry_run
        ))),
        _ => Ok(ExitStatus::Clean),
    }
}

/// The host key fingerprints the app instance printed on its console.
async fn console_fingerprints(
    args: &DeployArgs,
    stack: &crate::config::Stack,
    outputs: Option<&Outputs>,
) -> Result<Vec<ConsoleFingerprint>, Failure> {
    let instance = outputs
        .and_then(|o| o.string("app_instance_id"))
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Failure::usage(ConsoleError::NoInstance))?;
    // The same region rule as `check`: the stack lives in project.region.
    let resolved = crate::ops::check::resolve(
        stack,
        args.aws.region.as_deref(),
        args.aws.endpoint_url.as_deref(),
        |name| std::env::var(name).ok(),
    );
    if let Some(notice) = &resolved.notice {
        tracing::warn!("{notice}");
    }
    let target = resolved.target;
    let config = crate::aws::sdk_config(
        Some(&target.region),
        target.endpoint_url.as_deref(),
        crate::aws::Timeouts::READ,
    )
    .await;
    console_keys::fetch(&config, &instance)
        .await
        .map_err(Failure::runtime)
}

/// The Terraform outputs, when the root module has state; `None` otherwise (then `--host` and
/// `--set` must supply what they would have).
fn outputs(dir: &Path) -> Option<Outputs> {
    if !dir.is_dir() {
        return None;
    }
    match Terraform::new(dir).outputs() {
        Ok(o) if !o.is_empty() => Some(o),
        Ok(_) => None,
        Err(e) => {
            tracing::warn!("no Terraform outputs from {}: {e}", dir.display());
            None
        }
    }
}

//! `pipeform apply`: apply the plan `pipeform plan` saved, never a fresh one, with guards.

use std::fs;
use std::path::Path;

use anyhow::{anyhow, Context as _};

use super::plan::{forced_by, FINGERPRINT_FILE, PLAN_FILE};
use crate::cli::{ApplyArgs, Cli, Format};
use crate::exit::{CommandResult, ExitStatus, Failure};
use crate::terraform::guard;
use crate::terraform::progress::Progress;
use crate::terraform::Terraform;

/// Runs `pipeform apply`.
pub async fn exec(cli: &Cli, args: &ApplyArgs) -> CommandResult {
    // The config must still be valid: a broken config is exit 2 before anything else.
    let _stack = crate::config::load_for_command(&cli.config)?;
    let plan_file = args.terraform_dir.join(PLAN_FILE);
    let fingerprint_file = args.terraform_dir.join(FINGERPRINT_FILE);
    if !plan_file.is_file() {
        return Err(Failure::usage(anyhow!(
            "no saved plan at {}; run `pipeform plan` first",
            plan_file.display()
        )));
    }
    let saved = fs::read_to_string(&fingerprint_file).unwrap_or_default();
    let now = guard::fingerprint(&cli.config, &args.terraform_dir)
        .with_context(|| format!("hash the inputs in {}", args.terraform_dir.display()))
        .map_err(Failure::runtime)?;
    // Pinned by `apply_refuses_a_saved_plan_whose_config_changed_since` (tests/plan_apply.rs).
    if saved.trim() != now {
        return Err(Failure::usage(anyhow!(
            "the saved plan {} was made from a different config or module than what is there now \
             ({} or {}/*.tf changed since); run `pipeform plan` again and review it",
            plan_file.display(),
            cli.config.display(),
            args.terraform_dir.display()
        )));
    }

    let tf = Terraform::new(&args.terraform_dir);
    let plan = tf
        .show_plan(Path::new(PLAN_FILE))
        .map_err(Failure::runtime)?;
    let destructive = guard::destructive(&plan);
    // Pinned by `apply_with_allow_destroy_replaces_the_log_group` and
    // `apply_refuses_a_plan_that_replaces_the_database` (tests/plan_apply.rs).
    if !destructive.is_empty() && !args.allow_destroy {
        let list: Vec<String> = destructive
            .iter()
            .map(|(address, action, paths)| {
                format!("  {address}: {}{}", action.as_str(), forced_by(paths))
            })
            .collect();
        return Err(Failure::usage(anyhow!(
            "refusing to apply: the plan destroys or replaces data-holding resources:\n{}\n\
             Change the config back, or, if the data may go, re-run with --allow-destroy.",
            list.join("\n")
        )));
    }

    let rows = guard::summarise(&plan);
    let json = args.format == Format::Json;
    if rows.is_empty() && !json {
        println!("No changes to apply.");
    }
    // -json: events drive the progress (the total is the saved plan's changes).
    let mut progress = Progress::new("apply", Some(rows.len() as u64));
    tf.stream(
        [
            "apply",
            "-input=false",
            "-json",
            "-lock-timeout=60s",
            "-auto-approve",
            PLAN_FILE,
        ],
        &[0],
        |line| progress.line(line),
    )
    .map_err(Failure::runtime)?;
    progress.finish();
    // Settle the state: right after an apply, the provider's next read differs from what it
    // stored in harmless ways (a route table's computed `route` list, `{}` vs null), which the
    // first `pipeform drift` would otherwise report. A refresh-only apply records those reads.
    let settling = crate::terraform::progress::Spinner::new("apply: recording the refreshed state");
    tf.capture(
        [
            "apply",
            "-refresh-only",
            "-auto-approve",
            "-input=false",
            "-no-color",
            "-lock-timeout=60s",
        ],
        &[0],
    )
    .map_err(Failure::runtime)?;
    drop(settling);
    // A saved plan is spent once applied; removing it keeps a second `apply` from trying again.
    let _ = fs::remove_file(&plan_file);
    let _ = fs::remove_file(&fingerprint_file);
    if json {
        print!(
            "{}",
            crate::report::plan::json(&plan_file, &rows, &[], Some(true))
        );
    } else if !rows.is_empty() {
        println!("Applied: {}.", guard::counts(&rows));
    }
    Ok(ExitStatus::Clean)
}

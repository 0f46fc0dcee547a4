//! `pipeform plan`: render the tfvars, `terraform init`, `terraform plan -out`, and summarise.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::cli::{Cli, Format, PlanArgs};
use crate::exit::{CommandResult, ExitStatus, Failure};
use crate::terraform::guard::{self, SummaryRow};
use crate::terraform::progress::Progress;
use crate::terraform::Terraform;

/// The saved plan `apply` applies.
pub const PLAN_FILE: &str = "pipeform.tfplan";
/// What the saved plan was made from (see `guard::fingerprint`).
pub const FINGERPRINT_FILE: &str = "pipeform.tfplan.fingerprint";

/// Runs `pipeform plan`.
pub async fn exec(cli: &Cli, args: &PlanArgs) -> CommandResult {
    let stack = crate::config::load_for_command(&cli.config)?;
    crate::tfvars::render_to(&stack, &args.terraform_dir, None)?;
    for why in crate::config::warnings(&stack) {
        eprintln!("warning: {why}");
    }
    let tf = Terraform::new(&args.terraform_dir);
    let plan_file = args.terraform_dir.join(PLAN_FILE);
    let fingerprint_file = args.terraform_dir.join(FINGERPRINT_FILE);
    // A plan that fails half way must not leave an older plan behind for `apply` to pick up.
    remove_if_present(&plan_file).map_err(Failure::runtime)?;
    remove_if_present(&fingerprint_file).map_err(Failure::runtime)?;

    tf.init().map_err(Failure::runtime)?;
    // -json: events drive the progress; the total is not known before the plan ends.
    let mut progress = Progress::new("plan", None);
    tf.stream(
        [
            "plan",
            "-input=false",
            "-json",
            "-lock-timeout=60s",
            &format!("-out={PLAN_FILE}"),
        ],
        &[0],
        |line| progress.line(line),
    )
    .map_err(Failure::runtime)?;
    progress.finish();

    let plan = tf
        .show_plan(Path::new(PLAN_FILE))
        .map_err(Failure::runtime)?;
    let fingerprint = guard::fingerprint(&cli.config, &args.terraform_dir)
        .with_context(|| {
            format!(
                "hash the inputs of the plan in {}",
                args.terraform_dir.display()
            )
        })
        .map_err(Failure::runtime)?;
    fs::write(&fingerprint_file, fingerprint)
        .with_context(|| format!("write {}", fingerprint_file.display()))
        .map_err(Failure::runtime)?;

    let rows = guard::summarise(&plan);
    let destructive = guard::destructive(&plan);
    match args.format {
        Format::Json => print!(
            "{}",
            crate::report::plan::json(&plan_file, &rows, &destructive, None)
        ),
        Format::Table => {
            print_summary(&rows, &plan_file);
            if !destructive.is_empty() {
                println!(
                    "\nwarning: this plan destroys or replaces data-holding resources; `pipeform apply` will refuse it without --allow-destroy:"
                );
                for (address, action, paths) in &destructive {
                    println!("  {address}: {}{}", action.as_str(), forced_by(paths));
                }
            }
        }
    }
    Ok(if args.detailed_exitcode && !rows.is_empty() {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    })
}

fn print_summary(rows: &[SummaryRow], plan_file: &Path) {
    if rows.is_empty() {
        println!("No changes: the live stack matches the configuration.");
    } else {
        print!("{}", guard::table(rows).render());
        println!("\nPlan: {}.", guard::counts(rows));
    }
    println!(
        "Saved plan: {} (apply it with `pipeform apply`).",
        plan_file.display()
    );
}

/// ` (forced by a, b)` or nothing.
pub fn forced_by(paths: &[String]) -> String {
    if paths.is_empty() {
        String::new()
    } else {
        format!(" (forced by {})", paths.join(", "))
    }
}

fn remove_if_present(path: &PathBuf) -> anyhow::Result<()> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("remove the old plan {}", path.display())),
    }
}

//! `pipeform-job`: the batch pipeline on the app host (contract §10).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The batch job: CSV -> MySQL, CSV + logs -> S3, with JOB_STATUS lines for the alarm.
#[derive(Debug, Parser)]
#[command(name = "pipeform-job", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Replace tables with the rows of CSV files, atomically.
    Load,
    /// Upload CSVs and logs (gzip) to S3 under date prefixes.
    Ship,
    /// Load, then ship, with the settings of an env file written by `pipeform deploy`.
    Run,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    eprintln!(
        "error: `pipeform-job {:?}` is not implemented yet",
        cli.command
    );
    ExitCode::from(3)
}

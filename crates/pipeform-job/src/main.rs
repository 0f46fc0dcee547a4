//! `pipeform-job`: the batch pipeline on the app host (contract §10).

use std::process::ExitCode;

use clap::Parser;

/// The batch job: CSV -> MySQL, CSV + logs -> S3, with JOB_STATUS lines for the alarm.
#[derive(Debug, Parser)]
#[command(name = "pipeform-job", version, about)]
struct Cli {
    #[command(subcommand)]
    command: pipeform_job::Command,
}

fn main() -> ExitCode {
    ExitCode::from(pipeform_job::main(Cli::parse().command))
}

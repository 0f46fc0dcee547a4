//! `pipeform-job`: the batch pipeline on the app host (contract §10).

use std::process::ExitCode;

use clap::Parser;
use pipeform_job::toplevel::{self as cli, Cli, TopCommand};

fn main() -> ExitCode {
    let code = match Cli::parse().command {
        TopCommand::Job(command) => pipeform_job::main(command),
        TopCommand::Completions { shell } => {
            cli::printed(cli::completions(shell, &mut std::io::stdout().lock()))
        }
        TopCommand::Man => cli::printed(cli::man(&mut std::io::stdout().lock())),
    };
    ExitCode::from(code)
}

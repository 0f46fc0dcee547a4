//! `pipeform`: parse arguments, run the command, map the result to an exit code.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use pipeform::cli::Cli;
use pipeform::exit::ExitStatus;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let colour = cli.color.enabled(std::io::stderr().is_terminal());
    pipeform::diagnostics::init_with(cli.verbose, cli.quiet, colour);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(ExitStatus::Runtime.code() as u8);
        }
    };
    let status = match runtime.block_on(pipeform::commands::run(&cli)) {
        Ok(status) => status,
        Err(failure) => {
            eprint!(
                "{}",
                pipeform::diagnostics::failure_report(&failure, colour)
            );
            failure.status
        }
    };
    ExitCode::from(status.code() as u8)
}

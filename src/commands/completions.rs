//! `pipeform completions SHELL`: shell completions, generated from the command line itself.

use std::io::Write;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::exit::{CommandResult, ExitStatus, Failure};

/// Runs `pipeform completions`.
pub async fn exec(shell: clap_complete::Shell) -> CommandResult {
    // clap_complete panics when its writer fails (a closed pipe): generate into memory first.
    let mut text = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "pipeform", &mut text);
    print(&text)
}

/// Writes `bytes` to stdout; a reader that closed the pipe early (`| head`) is not an error.
pub fn print(bytes: &[u8]) -> CommandResult {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(ExitStatus::Clean),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitStatus::Clean),
        Err(e) => Err(Failure::runtime(anyhow::anyhow!(
            "cannot write to stdout: {e}"
        ))),
    }
}

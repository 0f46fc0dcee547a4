//! The command line of `pipeform-job` as a whole: the job's own commands ([`crate::cli`]), plus
//! `completions` and `man`,
//! which print what a package needs to install beside the binary.

use std::io::Write;

use clap::{CommandFactory, Parser, Subcommand};
use clap_complete::Shell;

use crate::Command;

const EXIT_CODES: &str = "\
Exit codes:
  0  the run succeeded (the job log ends with JOB_STATUS=SUCCEEDED)
  1  the run failed (JOB_STATUS=FAILED, with the reason, in the job log)
  2  usage or configuration error (bad arguments, unreadable env file or log)";

const EXAMPLES: &str = "\
Examples:
  # What cron runs on the app host (installed by `pipeform deploy`):
  pipeform-job run --env-file /opt/pipeform/job.env
  # Check the env file and directories without touching anything:
  pipeform-job run --env-file /opt/pipeform/job.env --dry-run
  # Load two tables by hand; the password comes from $PIPEFORM_DB_PASSWORD:
  pipeform-job load --db-url mysql://offsets_admin@db.internal:3306/offsets \\
      --table offsets=offsets.csv --table projects=projects.csv
  # Install completions and the man page:
  pipeform-job completions bash > /etc/bash_completion.d/pipeform-job
  pipeform-job man > /usr/local/share/man/man1/pipeform-job.1";

/// The batch job of a pipeform stack: CSV -> MySQL with an atomic swap, CSV + logs -> S3 under
/// date prefixes, and one JOB_STATUS line per run for the CloudWatch alarm.
#[derive(Debug, Parser)]
#[command(
    name = "pipeform-job",
    version,
    after_help = format!("{EXAMPLES}\n\n{EXIT_CODES}")
)]
pub struct Cli {
    #[command(subcommand)]
    #[allow(missing_docs)]
    pub command: TopCommand,
}

/// Every subcommand: the job's, then the two that describe the binary itself.
// Parsed once at start-up and moved into the job: its size costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum TopCommand {
    #[command(flatten)]
    #[allow(missing_docs)]
    Job(Command),
    /// Print shell completions for pipeform-job.
    #[command(
        after_help = "Examples:\n  pipeform-job completions bash > /etc/bash_completion.d/pipeform-job\n  pipeform-job completions zsh > \"${fpath[1]}/_pipeform-job\"\n\nExit codes:\n  0  printed\n  2  unknown shell"
    )]
    Completions {
        /// The shell to print completions for.
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Print the man page of pipeform-job (roff) on stdout.
    #[command(
        after_help = "Examples:\n  pipeform-job man > /usr/local/share/man/man1/pipeform-job.1\n  pipeform-job man | man -l -\n\nExit codes:\n  0  printed\n  2  usage error"
    )]
    Man,
}

/// The exit codes and examples every job subcommand's help ends with.
pub fn subcommand_after_help(examples: &str) -> String {
    format!("Examples:\n{examples}\n\n{EXIT_CODES}")
}

/// Writes completions for `shell` to `out`.
pub fn completions(shell: Shell, out: &mut dyn Write) -> std::io::Result<()> {
    // clap_complete panics when its writer fails (a closed pipe): generate into memory first.
    let mut text = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "pipeform-job", &mut text);
    out.write_all(&text)
}

/// What `completions` or `man` return as the process exit code after writing to stdout.
pub fn printed(result: std::io::Result<()>) -> u8 {
    match result {
        Ok(()) => 0,
        // A closed stdout (`| head`) is the reader's choice, not a failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            eprintln!("error: cannot write to stdout: {e}");
            1
        }
    }
}

/// Writes the man page to `out`.
pub fn man(out: &mut dyn Write) -> std::io::Result<()> {
    clap_mangen::Man::new(Cli::command()).render(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_subcommand_shows_examples_and_exit_codes() {
        let cmd = Cli::command();
        for sub in cmd.get_subcommands() {
            let after = sub
                .get_after_help()
                .map(|h| h.to_string())
                .unwrap_or_default();
            assert!(after.contains("Examples:"), "{}: {after}", sub.get_name());
            assert!(after.contains("Exit codes:"), "{}: {after}", sub.get_name());
        }
    }
}

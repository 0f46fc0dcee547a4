//! The three subcommands as flows over the library: each opens the job log first and ends it
//! with exactly one `JOB_STATUS=` line (the dry run writes none).

mod dry_run;
mod load;
mod run;
mod ship;

use std::path::PathBuf;

use super::cli::{Command, LogArgs};
use super::log::{JobLog, Rotation, Status};
use super::JobError;

pub use run::tables_in;

/// Runs a subcommand; returns the process exit code.
pub fn main(command: Command) -> u8 {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return 1;
        }
    };
    runtime.block_on(async {
        match command {
            Command::Load(a) => load::command(a).await,
            Command::Ship(a) => ship::command(a).await,
            Command::Run(a) => run::command(a).await,
        }
    })
}

fn open_log(args: &LogArgs, default: PathBuf) -> Result<JobLog, u8> {
    let path = args.log_file.clone().unwrap_or(default);
    JobLog::open(
        &path,
        Rotation {
            max_bytes: args.log_max_bytes,
            keep: args.log_keep,
        },
    )
    .map_err(|e| {
        eprintln!(
            "error: cannot open the job log {}: {e}; pass --log-file with a writable path",
            path.display()
        );
        2
    })
}

/// Writes the one status line and returns the exit code.
fn finish(log: &mut JobLog, result: Result<(), JobError>) -> u8 {
    match result {
        Ok(()) => {
            log.finish(&Status::Succeeded);
            0
        }
        Err(e) => {
            log.finish(&Status::Failed(e.to_string()));
            e.exit_code()
        }
    }
}

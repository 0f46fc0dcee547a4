//! `pipeform-job load`: tables from `--table NAME=FILE` flags.

use std::path::PathBuf;
use std::time::Duration;

use super::{finish, open_log};
use crate::cli::LoadArgs;
use crate::log::JobLog;
use crate::{csvfile, db, JobError, LOG_FILE_NAME, PASSWORD_ENV};

pub(super) async fn command(args: LoadArgs) -> u8 {
    let mut log = match open_log(&args.log, PathBuf::from(LOG_FILE_NAME)) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let result = from_args(&args, &mut log).await;
    finish(&mut log, result)
}

async fn from_args(args: &LoadArgs, log: &mut JobLog) -> Result<(), JobError> {
    let mut target = db::DbTarget::from_url(&args.db_url)?;
    if target.password.is_none() {
        target.password = std::env::var(PASSWORD_ENV).ok().filter(|p| !p.is_empty());
    }
    if let Some(p) = &target.password {
        log.redact(p);
    }
    let mut tables = Vec::new();
    for spec in &args.tables {
        let (name, file) = spec
            .split_once('=')
            .ok_or_else(|| JobError::usage(format!("--table {spec:?}: expected NAME=FILE.csv")))?;
        csvfile::check_table_name(name).map_err(|e| JobError::usage(format!("--table: {e}")))?;
        if tables.iter().any(|t: &db::TableFile| t.table == name) {
            return Err(JobError::usage(format!("--table {name} is given twice")));
        }
        tables.push(db::TableFile {
            table: name.to_string(),
            path: PathBuf::from(file),
        });
    }
    let opts = db::LoadOptions {
        lock_wait_timeout: Duration::from_secs(args.lock_wait_timeout),
    };
    blocking(target, tables, opts, log).await
}

/// The mysql crate is synchronous: the load runs on a blocking thread and the log is lent to it.
pub(super) async fn blocking(
    target: db::DbTarget,
    tables: Vec<db::TableFile>,
    opts: db::LoadOptions,
    log: &mut JobLog,
) -> Result<(), JobError> {
    log.info(format!(
        "load: start, {} table(s): {}",
        tables.len(),
        tables
            .iter()
            .map(|t| format!("{}={}", t.table, t.path.display()))
            .collect::<Vec<_>>()
            .join(" ")
    ));
    tokio::task::block_in_place(|| db::load_tables(&target, &tables, opts, log))
}

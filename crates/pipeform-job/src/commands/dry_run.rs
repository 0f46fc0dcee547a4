//! `run --dry-run`: the checks a deploy smoke test needs, and nothing that changes anything.

use std::path::Path;

use pipeform_shared::jobenv::{JobEnv, SecretSource};

use super::run::tables_in;
use super::ship::templates;
use crate::cli::RunArgs;
use crate::{pseudo, JobError, LOG_FILE_NAME};

/// Prints what a run would do; returns 0 when the env file is valid, 2 when not.
pub(super) fn report(env: &JobEnv, args: &RunArgs) -> u8 {
    let mut errors = Vec::new();
    let mut notes = Vec::new();
    if let Err(e) = templates(
        ("PIPEFORM_CSV_PREFIX", &env.csv_prefix),
        ("PIPEFORM_LOGS_PREFIX", &env.logs_prefix),
    ) {
        errors.push(e.to_string());
    }
    match &env.db_password {
        SecretSource::Env(name) if std::env::var_os(name).is_none() => errors.push(format!(
            "password source env:{name}: the variable is not set"
        )),
        SecretSource::File(path) if std::fs::metadata(path).is_err() => errors.push(format!(
            "password source file:{path}: the file cannot be read"
        )),
        _ => {}
    }
    if !env.pseudonymise_fields.is_empty() && env.hmac_key.is_none() {
        errors
            .push("PIPEFORM_PSEUDONYMISE_FIELDS is set but PIPEFORM_HMAC_KEY_SOURCE is not".into());
    }
    if let Err(e) = pseudo::Pseudonymiser::new(&env.pseudonymise_fields, b"k") {
        errors.push(e);
    }
    match tables_in(Path::new(&env.csv_dir)) {
        Ok(t) => notes.push(format!(
            "would load {} table(s) into mysql://{}@{}:{}/{}: {}",
            t.len(),
            env.db_user,
            env.db_host,
            env.db_port,
            env.db_name,
            t.iter()
                .map(|t| t.table.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Err(JobError::Usage(e)) => notes.push(format!("warning: {e} (it may not exist yet)")),
        Err(e) => errors.push(e.to_string()),
    }
    if !Path::new(&env.log_dir).is_dir() {
        notes.push(format!(
            "warning: log dir {} does not exist yet; the first run creates it",
            env.log_dir
        ));
    }
    notes.push(format!(
        "would ship to s3://{}/ under {} and {}; job log {}",
        env.bucket,
        env.csv_prefix,
        env.logs_prefix,
        args.log
            .log_file
            .clone()
            .unwrap_or_else(|| Path::new(&env.log_dir).join(LOG_FILE_NAME))
            .display()
    ));
    notes.push(match &env.log_group {
        Some(group) => format!("would deliver the job's log lines to CloudWatch Logs group {group}"),
        None => "warning: no PIPEFORM_LOG_GROUP: the run's log lines would not reach CloudWatch Logs; run `pipeform deploy` again".into(),
    });
    for n in &notes {
        println!("dry run: {n}");
    }
    if errors.is_empty() {
        println!("dry run: env file {} is valid", args.env_file.display());
        0
    } else {
        for e in &errors {
            eprintln!("error: {e}");
        }
        2
    }
}

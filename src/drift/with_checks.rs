//! `pipeform drift --with-checks`: the check results of the same run, from `pipeform check
//! --format json` run as a child of this very binary, so both reports share one document and
//! one exit code. (A child process rather than the check library in-process: the two commands
//! were built in parallel, and the JSON of contract §5 is the stable interface between them.)

use std::path::Path;
use std::process::Command;

use serde::Deserialize;

use crate::report::drift::CheckRow;

/// Why the checks could not be run.
#[derive(Debug, thiserror::Error)]
pub enum ChecksError {
    /// The config is invalid or missing (`pipeform check` exit 2): nothing was run.
    #[error("pipeform check refused the config:\n{0}")]
    Config(String),
    /// `pipeform check` could not be started or gave no report.
    #[error("pipeform check failed: {0}")]
    Failed(String),
}

/// The report of `pipeform check --format json`.
#[derive(Debug, Clone)]
pub struct ChecksRun {
    /// `project` of the report.
    pub project: Option<String>,
    /// Its rows, in order.
    pub rows: Vec<CheckRow>,
}

#[derive(Deserialize)]
struct Doc {
    #[serde(default)]
    project: Option<String>,
    checks: Vec<Row>,
}

#[derive(Deserialize)]
struct Row {
    id: String,
    status: String,
    #[serde(default)]
    resource: String,
    #[serde(default)]
    detail: String,
}

/// Runs `pipeform check --format json` with this config and AWS target.
pub fn run_checks(
    config: &Path,
    endpoint_url: Option<&str>,
    region: Option<&str>,
) -> Result<ChecksRun, ChecksError> {
    let exe = std::env::current_exe()
        .map_err(|e| ChecksError::Failed(format!("cannot find the pipeform binary: {e}")))?;
    let mut cmd = Command::new(&exe);
    cmd.arg("--config")
        .arg(config)
        .args(["check", "--format", "json"]);
    if let Some(url) = endpoint_url.filter(|u| !u.is_empty()) {
        cmd.args(["--endpoint-url", url]);
    }
    if let Some(r) = region.filter(|r| !r.is_empty()) {
        cmd.args(["--region", r]);
    }
    cmd.env("NO_COLOR", "1");
    tracing::info!("running {} check --format json", exe.display());
    let out = cmd
        .output()
        .map_err(|e| ChecksError::Failed(format!("cannot run {}: {e}", exe.display())))?;
    let stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
    if out.status.code() == Some(2) {
        return Err(ChecksError::Config(stderr));
    }
    parse(&out.stdout).map_err(|reason| {
        ChecksError::Failed(format!(
            "{reason} (exit code {}){}",
            out.status
                .code()
                .map_or_else(|| "none".to_string(), |c| c.to_string()),
            if stderr.is_empty() {
                String::new()
            } else {
                format!(":\n{stderr}")
            }
        ))
    })
}

fn parse(stdout: &[u8]) -> Result<ChecksRun, String> {
    let doc: Doc = serde_json::from_slice(stdout)
        .map_err(|e| format!("its JSON report cannot be read: {e}"))?;
    Ok(ChecksRun {
        project: doc.project,
        rows: doc
            .checks
            .into_iter()
            .map(|r| CheckRow {
                id: r.id,
                status: r.status,
                resource: r.resource,
                detail: r.detail,
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_contract_json_of_check() {
        let doc = br#"{"project":"offsets","checks":[{"id":"nat.eip","status":"pass","resource":"i-0abc","detail":"eipalloc-1 (3.34.1.2)"}],
 "summary":{"pass":1,"warn":0,"fail":0,"error":0,"skip":0}}"#;
        let run = parse(doc).expect("parses");
        assert_eq!(run.project.as_deref(), Some("offsets"));
        assert_eq!(run.rows[0].id, "nat.eip");
        assert_eq!(run.rows[0].status, "pass");
        assert!(parse(b"not json").is_err());
    }
}

//! Exit codes of every `pipeform` command (contract §6) and the error type that carries one.

use std::fmt;

/// The process exit status of a `pipeform` command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Done, and what was asked about is clean.
    Clean = 0,
    /// Findings: a check failed, drift was found, or the plan has changes.
    Findings = 1,
    /// Usage or config error: nothing written, nothing remote touched.
    Usage = 2,
    /// Runtime error: AWS, Terraform or SSH failed, or a check could not be evaluated.
    Runtime = 3,
}

impl ExitStatus {
    /// The numeric process exit code.
    pub fn code(self) -> i32 {
        self as i32
    }
}

/// An error on its way out of a command, with the exit status it maps to.
#[derive(Debug)]
pub struct Failure {
    /// Exit status the process ends with.
    pub status: ExitStatus,
    /// What went wrong; printed with its chain of causes.
    pub error: anyhow::Error,
}

impl Failure {
    /// A usage or config error (exit 2).
    pub fn usage(error: impl Into<anyhow::Error>) -> Self {
        Self {
            status: ExitStatus::Usage,
            error: error.into(),
        }
    }

    /// A runtime error (exit 3).
    pub fn runtime(error: impl Into<anyhow::Error>) -> Self {
        Self {
            status: ExitStatus::Runtime,
            error: error.into(),
        }
    }
}

impl fmt::Display for Failure {
    /// The error and its causes, each once: many of our errors already say their cause in their
    /// own message (`{source}`), and printing the chain after it would repeat it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = self.error.to_string();
        for cause in self.error.chain().skip(1) {
            let cause = cause.to_string();
            if !text.contains(&cause) {
                text.push_str(": ");
                text.push_str(&cause);
            }
        }
        f.write_str(&text)
    }
}

/// What every command returns.
pub type CommandResult = Result<ExitStatus, Failure>;

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot read config file x.toml: {source}")]
    struct Embeds {
        source: std::io::Error,
    }

    #[test]
    fn every_cause_is_printed_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file or directory");
        let f = Failure::usage(Embeds { source: io });
        assert_eq!(
            f.to_string(),
            "cannot read config file x.toml: No such file or directory"
        );
        let chained = Failure::runtime(
            anyhow::anyhow!("disk full")
                .context("cannot write terraform/pipeform.auto.tfvars.json"),
        );
        assert_eq!(
            chained.to_string(),
            "cannot write terraform/pipeform.auto.tfvars.json: disk full"
        );
    }

    #[test]
    fn codes_match_the_contract() {
        assert_eq!(ExitStatus::Clean.code(), 0);
        assert_eq!(ExitStatus::Findings.code(), 1);
        assert_eq!(ExitStatus::Usage.code(), 2);
        assert_eq!(ExitStatus::Runtime.code(), 3);
    }
}

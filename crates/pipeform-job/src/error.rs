//! The job's errors and the exit codes they map to: 1 for a failed run, 2 for usage or config.

/// Why a job run did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Bad arguments or a bad env file: nothing was touched. Exit 2.
    #[error("{0}")]
    Usage(String),
    /// The run started and failed (bad row, database or S3 error, partial upload). Exit 1.
    #[error("{0}")]
    Failed(String),
}

impl JobError {
    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) => 2,
            Self::Failed(_) => 1,
        }
    }

    /// A usage error from anything printable.
    pub fn usage(msg: impl std::fmt::Display) -> Self {
        Self::Usage(msg.to_string())
    }

    /// A failed run from anything printable.
    pub fn failed(msg: impl std::fmt::Display) -> Self {
        Self::Failed(msg.to_string())
    }
}

impl From<super::csvfile::CsvError> for JobError {
    fn from(e: super::csvfile::CsvError) -> Self {
        Self::Failed(e.to_string())
    }
}

//! The one error type of config loading: every problem, each with its key path and line.

use std::fmt;
use std::path::PathBuf;

/// One thing wrong with the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Key path such as `network.db_subnets[1]`; empty for whole-file problems.
    pub key: String,
    /// 1-based line in the file, where one is known.
    pub line: Option<usize>,
    /// What is wrong and what would be right.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        if self.key.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.key, self.message)
        }
    }
}

/// Why a config could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {}: {source}; create one with `pipeform init` or pass --config PATH", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is larger than any stack config; the rest was not read.
    #[error("config file {} is larger than {limit} bytes, far more than any stack config; pass the pipeform.toml with --config PATH", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The cap, in bytes.
        limit: u64,
    },
    /// The file is not UTF-8 text.
    #[error("config file {} is not UTF-8 text: line {line} (byte {byte} of the file) starts an invalid sequence; save it as UTF-8", path.display())]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// 1-based line of the first invalid byte.
        line: usize,
        /// 0-based offset of the first invalid byte in the file.
        byte: usize,
    },
    /// The file was read but is not a valid stack config.
    #[error("{}", render_invalid(path, problems))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every problem found, in file order where lines are known.
        problems: Vec<Problem>,
    },
}

impl ConfigError {
    /// The problems of an invalid config (empty for a read error).
    pub fn problems(&self) -> &[Problem] {
        match self {
            Self::Read { .. } | Self::TooLarge { .. } | Self::NotUtf8 { .. } => &[],
            Self::Invalid { problems, .. } => problems,
        }
    }
}

fn render_invalid(path: &std::path::Path, problems: &[Problem]) -> String {
    let count = problems.len();
    let mut out = format!(
        "invalid config {}: {count} problem{}",
        path.display(),
        if count == 1 { "" } else { "s" }
    );
    for p in problems {
        out.push_str("\n  ");
        out.push_str(&p.to_string());
    }
    out
}

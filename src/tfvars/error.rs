//! Why tfvars could not be rendered, checked or written, and the exit status of each.

use std::path::{Path, PathBuf};

use crate::exit::{ExitStatus, Failure};

/// Why tfvars could not be rendered, checked or written.
#[derive(Debug, thiserror::Error)]
pub enum TfvarsError {
    /// `app.public_key_path` could not be read.
    #[error("cannot read app.public_key_path {}: {source}; point it at an OpenSSH public key (`pipeform init` makes one)", path.display())]
    PublicKey {
        /// The resolved key path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// `app.public_key_path` is not an OpenSSH public key.
    #[error("app.public_key_path {} {why}", path.display())]
    NotPublicKey {
        /// The resolved key path.
        path: PathBuf,
        /// What is wrong with its content.
        why: String,
    },
    /// No root module in the directory.
    #[error("no Terraform root module in {}: {why}; pass --terraform-dir DIR", dir.display())]
    NoRootModule {
        /// The directory.
        dir: PathBuf,
        /// What is missing.
        why: String,
    },
    /// A `.tf` file could not be read or parsed.
    #[error("cannot read the root module file {}: {message}", path.display())]
    TfFile {
        /// The file.
        path: PathBuf,
        /// The I/O or HCL error.
        message: String,
    },
    /// The config model and the root module disagree.
    #[error("{}", mismatch(dir, undeclared, missing))]
    Mismatch {
        /// The root module.
        dir: PathBuf,
        /// Variables the tfvars would write that the module does not declare.
        undeclared: Vec<String>,
        /// Variables without a default the tfvars would not write.
        missing: Vec<String>,
    },
    /// The output path is not usable.
    #[error("cannot write {}: {why}", path.display())]
    BadOutput {
        /// The path.
        path: PathBuf,
        /// Why.
        why: String,
    },
    /// Writing failed part way (the previous file, if any, is untouched).
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

fn mismatch(dir: &Path, undeclared: &[String], missing: &[String]) -> String {
    let mut out = format!(
        "the config model and the root module in {} disagree (nothing was written):",
        dir.display()
    );
    for name in undeclared {
        out.push_str(&format!(
            "\n  variable {name:?} is written by pipeform but not declared by the root module; declare it in variables.tf"
        ));
    }
    for name in missing {
        out.push_str(&format!(
            "\n  variable {name:?} is required by the root module (no default) but pipeform does not write it; give it a default or map it from pipeform.toml"
        ));
    }
    out
}

impl TfvarsError {
    /// The exit status this error maps to: bad input is a usage error; only a failed write of
    /// a good file is a runtime error.
    pub fn status(&self) -> ExitStatus {
        match self {
            Self::Write { .. } => ExitStatus::Runtime,
            _ => ExitStatus::Usage,
        }
    }
}

impl From<TfvarsError> for Failure {
    fn from(e: TfvarsError) -> Self {
        Failure {
            status: e.status(),
            error: e.into(),
        }
    }
}

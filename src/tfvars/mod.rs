//! Stack -> tfvars, checked against the root module's declared variables.
//!
//! The root module's variables are a fixed interface: [`build`] maps each from the validated
//! [`Stack`]; [`check`] refuses tfvars that write an undeclared variable or leave out one without
//! a default ([`read`] parses the root module with hcl-rs); [`write`] replaces the file
//! atomically. Nothing secret is ever a variable: the DB master password is managed by RDS, and
//! only the *public* SSH key is read ([`key`]).

mod build;
mod check;
mod error;
mod key;
mod read;
mod write;

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::config::Stack;

pub use build::render;
pub use check::check_against_root;
pub use error::TfvarsError;
pub use key::read_public_key;
pub use read::{root_variables, RootVariable};
pub use write::write;

/// The file `render` writes into the root module by default (Terraform loads `*.auto.tfvars.json`
/// without a `-var-file` flag).
pub const FILE_NAME: &str = "pipeform.auto.tfvars.json";

/// Variable name -> value, as written to the tfvars JSON.
pub type Tfvars = Map<String, Value>;

/// What [`render_to`] wrote.
#[derive(Debug, Clone)]
pub struct Written {
    /// The tfvars file.
    pub path: PathBuf,
    /// The variables in it, sorted.
    pub variables: Vec<String>,
}

/// Renders the tfvars of `stack`, checks them against the root module in `terraform_dir`, and
/// writes them to `out` (default `<terraform_dir>/pipeform.auto.tfvars.json`). What `render`
/// does and `plan` starts with.
pub fn render_to(
    stack: &Stack,
    terraform_dir: &Path,
    out: Option<&Path>,
) -> Result<Written, TfvarsError> {
    let vars = render(stack)?;
    check_against_root(terraform_dir, &vars)?;
    let path = out.map_or_else(|| terraform_dir.join(FILE_NAME), Path::to_path_buf);
    write(&path, &vars)?;
    Ok(Written {
        path,
        variables: vars.keys().cloned().collect(),
    })
}

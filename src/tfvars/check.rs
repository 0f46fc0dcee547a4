//! The tfvars against the root module: every variable written is declared, every required one
//! written.

use std::path::Path;

use super::{root_variables, Tfvars, TfvarsError};

/// Fails, naming each variable, when `vars` writes a variable the root module in `dir` does not
/// declare, or leaves out one it declares without a default.
pub fn check_against_root(dir: &Path, vars: &Tfvars) -> Result<(), TfvarsError> {
    let declared = root_variables(dir)?;
    let undeclared: Vec<String> = vars
        .keys()
        .filter(|k| !declared.iter().any(|v| &v.name == *k))
        .cloned()
        .collect();
    let missing: Vec<String> = declared
        .iter()
        .filter(|v| !v.has_default && !vars.contains_key(&v.name))
        .map(|v| v.name.clone())
        .collect();
    if undeclared.is_empty() && missing.is_empty() {
        Ok(())
    } else {
        Err(TfvarsError::Mismatch {
            dir: dir.to_path_buf(),
            undeclared,
            missing,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::PathBuf;

    use super::*;
    use crate::config::Stack;
    use crate::tfvars::render;

    fn repo() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    fn example() -> Stack {
        crate::config::load(&repo().join("examples/pipeform.toml")).expect("example is valid")
    }

    fn fixture_root() -> PathBuf {
        repo().join("tests/fixtures/root")
    }

    #[test]
    fn mismatches_name_every_variable() {
        let dir = tempfile::tempdir().expect("tempdir");
        let text =
            fs::read_to_string(fixture_root().join("variables.tf")).expect("fixture readable");
        let without = text.replace("variable \"alarm_name\" {\n  type = string\n}\n", "");
        assert_ne!(without, text, "fixture shape changed");
        fs::write(
            dir.path().join("variables.tf"),
            format!("{without}\nvariable \"db_password\" {{\n  type = string\n}}\n"),
        )
        .expect("write");
        let vars = render(&example()).expect("renders");
        match check_against_root(dir.path(), &vars) {
            Err(TfvarsError::Mismatch {
                undeclared,
                missing,
                ..
            }) => {
                assert_eq!(undeclared, ["alarm_name"]);
                assert_eq!(missing, ["db_password"]);
            }
            other => panic!("expected a mismatch, got {other:?}"),
        }
        let empty = tempfile::tempdir().expect("tempdir");
        assert!(matches!(
            check_against_root(empty.path(), &vars),
            Err(TfvarsError::NoRootModule { .. })
        ));
        fs::write(empty.path().join("bad.tf"), "variable \"x\" {").expect("write");
        assert!(matches!(
            check_against_root(empty.path(), &vars),
            Err(TfvarsError::TfFile { .. })
        ));
    }
}

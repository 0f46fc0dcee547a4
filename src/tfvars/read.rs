//! The root module's variables, read from its `*.tf` files with hcl-rs.

use std::fs;
use std::path::{Path, PathBuf};

use super::TfvarsError;

/// A `variable` block of the root module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootVariable {
    /// Its name.
    pub name: String,
    /// Whether it has a `default` (and so may be left out).
    pub has_default: bool,
    /// How many `validation` blocks it has.
    pub validations: usize,
}

/// Every `variable` block of `<dir>/*.tf` (not recursive: modules are not the root's interface),
/// sorted by name.
pub fn root_variables(dir: &Path) -> Result<Vec<RootVariable>, TfvarsError> {
    let no_root = |why: String| TfvarsError::NoRootModule {
        dir: dir.to_path_buf(),
        why,
    };
    let entries = fs::read_dir(dir).map_err(|e| no_root(e.to_string()))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "tf") && p.is_file())
        .collect();
    if files.is_empty() {
        return Err(no_root("it has no *.tf files".into()));
    }
    files.sort();
    let mut vars = Vec::new();
    for path in files {
        let tf_err = |message: String| TfvarsError::TfFile {
            path: path.clone(),
            message,
        };
        let text = fs::read_to_string(&path).map_err(|e| tf_err(e.to_string()))?;
        let body = hcl::parse(&text).map_err(|e| tf_err(e.to_string()))?;
        for block in body.blocks().filter(|b| b.identifier() == "variable") {
            let Some(label) = block.labels().first() else {
                return Err(tf_err("a variable block has no name".into()));
            };
            vars.push(RootVariable {
                name: label.as_str().to_string(),
                has_default: block.body().attributes().any(|a| a.key() == "default"),
                validations: block
                    .body()
                    .blocks()
                    .filter(|b| b.identifier() == "validation")
                    .count(),
            });
        }
    }
    vars.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(vars)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn fixture_root() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/root")
    }

    #[test]
    fn reads_variables_and_defaults_from_hcl() {
        let vars = root_variables(&fixture_root()).expect("parses");
        let get = |n: &str| vars.iter().find(|v| v.name == n).cloned();
        assert_eq!(
            get("nat_ami_id"),
            Some(RootVariable {
                name: "nat_ami_id".into(),
                has_default: true,
                validations: 0,
            })
        );
        assert_eq!(get("project_name").map(|v| v.has_default), Some(false));
        assert_eq!(vars.len(), 42);
    }
}

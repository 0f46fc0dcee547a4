//! Stack -> tfvars, checked against the root module's declared variables.
//!
//! The root module's variables are a fixed interface: [`render`] maps each from the validated
//! [`Stack`]; [`check_against_root`] parses every `<dir>/*.tf` with hcl-rs and refuses tfvars
//! that write an undeclared variable or leave out one without a default. Nothing secret is ever
//! a variable: the DB master password is managed by RDS, and only the *public* SSH key is read.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use crate::config::Stack;
use crate::exit::{ExitStatus, Failure};

/// The file `render` writes into the root module by default (Terraform loads `*.auto.tfvars.json`
/// without a `-var-file` flag).
pub const FILE_NAME: &str = "pipeform.auto.tfvars.json";

/// Variable name -> value, as written to the tfvars JSON.
pub type Tfvars = Map<String, Value>;

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

/// Key types `authorized_keys` accepts (the first word of a public key line).
const KEY_TYPES: [&str; 8] = [
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "ssh-dss",
];

/// Reads the public key and checks that it is one (and not, by mistake, the private half).
pub fn read_public_key(path: &Path) -> Result<String, TfvarsError> {
    let text = fs::read_to_string(path).map_err(|source| TfvarsError::PublicKey {
        path: path.to_path_buf(),
        source,
    })?;
    let not = |why: &str| TfvarsError::NotPublicKey {
        path: path.to_path_buf(),
        why: why.to_string(),
    };
    if text.contains("PRIVATE KEY") {
        return Err(not(
            "is a PRIVATE key; it must never enter Terraform state. Point app.public_key_path at the .pub file",
        ));
    }
    let key = text.trim();
    let mut lines = key.lines();
    let first = lines.next().unwrap_or_default();
    let kind = first.split_whitespace().next().unwrap_or_default();
    if lines.next().is_some() || !KEY_TYPES.contains(&kind) || first.split_whitespace().count() < 2
    {
        return Err(not(
            "is not a one-line OpenSSH public key (expected e.g. \"ssh-ed25519 AAAA... comment\")",
        ));
    }
    Ok(first.to_string())
}

/// The tfvars of the root module for `stack`. Optional values that are unset are left out (the
/// module's defaults apply), never written as null.
pub fn render(stack: &Stack) -> Result<Tfvars, TfvarsError> {
    let s = stack;
    let strings = |v: &[ipnet::Ipv4Net]| v.iter().map(|n| n.to_string()).collect::<Vec<_>>();
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_string(), v);
    };
    put("project_name", json!(s.project.name));
    put("region", json!(s.project.region));
    put("environment", json!(s.project.environment));
    put("vpc_cidr", json!(s.network.vpc_cidr.to_string()));
    put("availability_zones", json!(s.network.availability_zones));
    put(
        "public_subnet_cidrs",
        json!(strings(&s.network.public_subnets)),
    );
    put("db_subnet_cidrs", json!(strings(&s.network.db_subnets)));
    put("nat_instance_type", json!(s.nat.instance_type));
    if let Some(ami) = &s.nat.ami_id {
        put("nat_ami_id", json!(ami));
    }
    put("app_instance_type", json!(s.app.instance_type));
    if let Some(ami) = &s.app.ami_id {
        put("app_ami_id", json!(ami));
    }
    put(
        "ssh_allowed_cidrs",
        json!(s
            .app
            .ssh_allowed_cidrs
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()),
    );
    put(
        "ssh_public_key",
        json!(read_public_key(&s.app.public_key_path)?),
    );
    put("rds_identifier", json!(s.rds.identifier));
    put("rds_instance_class", json!(s.rds.instance_class));
    put("rds_engine_version", json!(s.rds.engine_version));
    put("rds_database", json!(s.rds.database));
    put("rds_username", json!(s.rds.username));
    put("rds_allocated_storage", json!(s.rds.allocated_storage));
    put("rds_deletion_protection", json!(s.rds.deletion_protection));
    put("rds_skip_final_snapshot", json!(s.rds.skip_final_snapshot));
    put("log_group_name", json!(s.monitoring.log_group));
    put("log_retention_days", json!(s.monitoring.retention_days));
    put("failure_pattern", json!(s.monitoring.failure_pattern));
    put("metric_namespace", json!(s.monitoring.metric_namespace));
    put("metric_name", json!(s.monitoring.metric_name));
    put("alarm_name", json!(s.monitoring.alarm_name));
    put(
        "alarm_period_seconds",
        json!(s.monitoring.alarm_period_seconds),
    );
    put("sns_topic_name", json!(s.monitoring.topic_name));
    put("alert_emails", json!(s.monitoring.alert_emails));
    put("bucket_name", json!(s.bucket.name));
    put("csv_prefix", json!(s.bucket.csv_prefix.as_str()));
    put("logs_prefix", json!(s.bucket.logs_prefix.as_str()));
    put("bucket_force_destroy", json!(s.bucket.force_destroy));
    put("bucket_require_tls", json!(s.bucket.require_tls));
    Ok(m)
}

/// A `variable` block of the root module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootVariable {
    /// Its name.
    pub name: String,
    /// Whether it has a `default` (and so may be left out).
    pub has_default: bool,
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
            });
        }
    }
    vars.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(vars)
}

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

/// Writes `vars` as pretty JSON to `path` atomically: a temporary file in the same directory,
/// flushed, then renamed over the target. On any error the target is untouched.
pub fn write(path: &Path, vars: &Tfvars) -> Result<(), TfvarsError> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !parent.is_dir() {
        return Err(TfvarsError::BadOutput {
            path: path.to_path_buf(),
            why: format!("directory {} does not exist", parent.display()),
        });
    }
    if path.is_dir() {
        return Err(TfvarsError::BadOutput {
            path: path.to_path_buf(),
            why: "it is a directory; give a file name".into(),
        });
    }
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| FILE_NAME.to_string());
    let tmp = parent.join(format!(".{file_name}.tmp-{}", std::process::id()));
    let write_err = |source| TfvarsError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut text =
        serde_json::to_string_pretty(vars).map_err(|e| write_err(std::io::Error::other(e)))?;
    text.push('\n');
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        // The temporary file is ours; the target was never opened.
        let _ = fs::remove_file(&tmp);
        return Err(write_err(e));
    }
    Ok(())
}

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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn renders_every_root_variable_from_the_example() {
        let vars = render(&example()).expect("renders");
        assert_eq!(vars["project_name"], json!("offsets"));
        assert_eq!(
            vars["db_subnet_cidrs"],
            json!(["10.20.101.0/24", "10.20.102.0/24"])
        );
        assert_eq!(vars["sns_topic_name"], json!("offsets-alerts"));
        assert_eq!(vars["log_retention_days"], json!(30));
        assert_eq!(vars["csv_prefix"], json!("csv/{date}"));
        assert_eq!(vars["rds_deletion_protection"], json!(true));
        let key = vars["ssh_public_key"].as_str().expect("a string");
        assert!(key.starts_with("ssh-ed25519 AAAA"), "{key}");
        assert!(
            !vars.contains_key("nat_ami_id"),
            "None is omitted, not null"
        );
        assert!(vars.values().all(|v| !v.is_null()));
        assert!(!vars.keys().any(|k| k.contains("password")));
        check_against_root(&fixture_root(), &vars).expect("matches the fixture root module");
    }

    #[test]
    fn optional_amis_are_written_when_set() {
        let mut s = example();
        s.nat.ami_id = Some("ami-12345678".into());
        let vars = render(&s).expect("renders");
        assert_eq!(vars["nat_ami_id"], json!("ami-12345678"));
        check_against_root(&fixture_root(), &vars).expect("declared");
    }

    #[test]
    fn a_private_or_missing_key_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut s = example();
        s.app.public_key_path = dir.path().join("absent.pub");
        assert!(matches!(render(&s), Err(TfvarsError::PublicKey { .. })));
        let private = dir.path().join("id");
        fs::write(
            &private,
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----\n",
        )
        .expect("write");
        s.app.public_key_path = private;
        let e = render(&s).expect_err("private key refused");
        assert!(e.to_string().contains("PRIVATE"), "{e}");
        let junk = dir.path().join("junk.pub");
        fs::write(&junk, "hello\n").expect("write");
        s.app.public_key_path = junk;
        assert!(matches!(render(&s), Err(TfvarsError::NotPublicKey { .. })));
    }

    #[test]
    fn reads_variables_and_defaults_from_hcl() {
        let vars = root_variables(&fixture_root()).expect("parses");
        let get = |n: &str| vars.iter().find(|v| v.name == n).cloned();
        assert_eq!(
            get("nat_ami_id"),
            Some(RootVariable {
                name: "nat_ami_id".into(),
                has_default: true
            })
        );
        assert_eq!(get("project_name").map(|v| v.has_default), Some(false));
        assert_eq!(vars.len(), 35);
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

    #[test]
    fn writes_atomically_and_refuses_bad_targets() {
        let dir = tempfile::tempdir().expect("tempdir");
        let vars = render(&example()).expect("renders");
        let path = dir.path().join(FILE_NAME);
        write(&path, &vars).expect("writes");
        let back: Tfvars =
            serde_json::from_str(&fs::read_to_string(&path).expect("read")).expect("json");
        assert_eq!(back, vars);
        let names: Vec<_> = fs::read_dir(dir.path())
            .expect("list")
            .filter_map(Result::ok)
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names.len(), 1, "no temporary file left: {names:?}");
        assert!(matches!(
            write(&dir.path().join("no/such/dir/x.json"), &vars),
            Err(TfvarsError::BadOutput { .. })
        ));
        assert!(matches!(
            write(dir.path(), &vars),
            Err(TfvarsError::BadOutput { .. })
        ));
    }
}

//! Running the refresh: `terraform plan -refresh-only -out` + `terraform show -json`, read into
//! what [`super::audit`] needs.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{DriftEntry, Managed};
use crate::terraform::{PlanJson, Terraform, TerraformError};

/// Why the refresh could not be made or read.
#[derive(Debug, thiserror::Error)]
pub enum DriftError {
    /// The root module directory is missing or holds no `*.tf` file.
    #[error("{dir} is not a Terraform root module (no *.tf files); pass --terraform-dir DIR")]
    NotARootModule {
        /// The directory.
        dir: PathBuf,
    },
    /// Terraform failed.
    #[error(transparent)]
    Terraform(#[from] TerraformError),
    /// `show -json` printed a document of an unexpected shape.
    #[error("cannot read the plan of `terraform show -json`: {0}")]
    Plan(String),
    /// The state holds nothing to compare.
    #[error("the state of {dir} holds no managed resources: nothing has been applied there; run `pipeform apply` first or pass the --terraform-dir of the applied root module")]
    EmptyState {
        /// The directory.
        dir: PathBuf,
    },
}

/// A refresh-only plan, read.
#[derive(Debug, Clone, Default)]
pub struct Refreshed {
    /// Managed resources of the (refreshed) state.
    pub managed: Vec<Managed>,
    /// Resources whose refresh changed something (`resource_drift`).
    pub drift: Vec<DriftEntry>,
}

impl Refreshed {
    /// Reads the document `terraform show -json PLANFILE` prints for a refresh-only plan.
    pub fn from_show_json(doc: &Value) -> Result<Self, DriftError> {
        let plan: PlanJson =
            serde_json::from_value(doc.clone()).map_err(|e| DriftError::Plan(e.to_string()))?;
        let mut managed = Vec::new();
        if let Some(root) = doc.pointer("/prior_state/values/root_module") {
            collect_managed(root, &mut managed);
        }
        let raw_drift = doc
            .get("resource_drift")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let drift = plan
            .resource_drift
            .iter()
            .zip(raw_drift.iter())
            .filter(|(r, _)| r.mode.is_empty() || r.mode == "managed")
            .map(|(r, raw)| {
                let mask = |key: &str| {
                    raw.pointer(&format!("/change/{key}"))
                        .cloned()
                        .unwrap_or(Value::Null)
                };
                DriftEntry {
                    address: r.address.clone(),
                    resource_type: r.resource_type.clone(),
                    action: r.action().as_str().to_string(),
                    before: r.change.before.clone(),
                    after: r.change.after.clone(),
                    before_sensitive: mask("before_sensitive"),
                    after_sensitive: mask("after_sensitive"),
                }
            })
            .collect();
        Ok(Self { managed, drift })
    }
}

fn collect_managed(module: &Value, out: &mut Vec<Managed>) {
    for r in module
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if r.get("mode").and_then(Value::as_str) != Some("managed") {
            continue;
        }
        if let (Some(address), Some(t)) = (
            r.get("address").and_then(Value::as_str),
            r.get("type").and_then(Value::as_str),
        ) {
            out.push(Managed {
                address: address.to_string(),
                resource_type: t.to_string(),
            });
        }
    }
    for child in module
        .get("child_modules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        collect_managed(child, out);
    }
}

/// Removes the saved plan (it holds secrets in clear text) however the run ends.
struct PlanFile(PathBuf);

impl Drop for PlanFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Fails unless `dir` holds at least one `*.tf` file (checked before anything remote runs).
pub fn ensure_root_module(dir: &Path) -> Result<(), DriftError> {
    let has_tf = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .any(|e| e.path().extension().is_some_and(|x| x == "tf"))
        })
        .unwrap_or(false);
    if !has_tf {
        return Err(DriftError::NotARootModule {
            dir: dir.to_path_buf(),
        });
    }
    Ok(())
}

/// True when the state (whatever its backend) holds at least one managed resource; data
/// sources alone do not count.
fn has_managed_resources(tf: &Terraform) -> Result<bool, DriftError> {
    match tf.capture(["state", "list"], &[0]) {
        Ok(out) => Ok(out.stdout.lines().any(is_managed)),
        Err(TerraformError::Failed { stderr_tail, .. })
            if stderr_tail.contains("No state file was found") =>
        {
            Ok(false)
        }
        Err(e) => Err(e.into()),
    }
}

/// True for the address of a managed resource (`module.a["k"].aws_x.y`), false for a data
/// source (`module.a.data.aws_x.y`) or a blank line.
fn is_managed(address: &str) -> bool {
    let mut rest = address.trim();
    while let Some(after) = rest.strip_prefix("module.") {
        let name_end = after.find(['.', '[']).unwrap_or(after.len());
        let mut next = &after[name_end..];
        if next.starts_with('[') {
            next = next.find(']').map_or("", |i| &next[i + 1..]);
        }
        rest = next.strip_prefix('.').unwrap_or("");
    }
    !rest.is_empty() && !rest.starts_with("data.")
}

/// Runs the refresh-only plan in `dir` and reads it. Runs `terraform init` first when the
/// directory was never initialised (a fresh CI checkout).
pub fn refresh(dir: &Path) -> Result<Refreshed, DriftError> {
    ensure_root_module(dir)?;
    let tf = Terraform::new(dir);
    if !dir.join(".terraform").is_dir() {
        tf.init()?;
    }
    // Asked before the refresh: a root module that was never applied cannot even be planned
    // refresh-only (its modules' inputs index resources that do not exist), and Terraform's
    // error would not say what to do.
    if !has_managed_resources(&tf)? {
        return Err(DriftError::EmptyState {
            dir: dir.to_path_buf(),
        });
    }
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let plan = PlanFile(std::env::temp_dir().join(format!(
        "pipeform-drift-{}-{stamp}.tfplan",
        std::process::id()
    )));
    let out = format!("-out={}", plan.0.display());
    // Terraform's exit code says only whether terraform worked: with -refresh-only its
    // -detailed-exitcode is unreliable (hashicorp/terraform #35117), so it is not asked for.
    // -json: its events drive a spinner with the count of states read (on a terminal only).
    let mut progress = crate::terraform::progress::Progress::terminal_only("drift: refresh");
    tf.stream(
        [
            "plan",
            "-refresh-only",
            "-input=false",
            "-json",
            "-lock-timeout=60s",
            out.as_str(),
        ],
        &[0],
        |line| progress.line(line),
    )?;
    progress.finish();
    let file = plan.0.to_string_lossy().into_owned();
    let doc: Value = tf.json(&["show", "-json", "-no-color", &file])?;
    let refreshed = Refreshed::from_show_json(&doc)?;
    if refreshed.managed.is_empty() && refreshed.drift.is_empty() {
        return Err(DriftError::EmptyState {
            dir: dir.to_path_buf(),
        });
    }
    Ok(refreshed)
}

#[cfg(test)]
mod tests {
    use super::is_managed;

    #[test]
    fn managed_resources_and_data_sources_are_told_apart() {
        for managed in [
            "aws_vpc.this",
            "module.vpc.aws_vpc.this",
            "module.sns.aws_sns_topic_subscription.this[\"ops@example.com\"]",
            "module.a[\"x.y\"].module.b[0].aws_instance.this",
        ] {
            assert!(is_managed(managed), "{managed}");
        }
        for not in [
            "",
            "data.aws_partition.current",
            "module.iamrole.data.aws_partition.current",
            "module.a[\"data.x\"].data.aws_ami_ids.lookup",
        ] {
            assert!(!is_managed(not), "{not}");
        }
    }
}

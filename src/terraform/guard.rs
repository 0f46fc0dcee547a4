//! What `plan` shows and what `apply` refuses: the plan summary, the data-loss guard, and the
//! fingerprint that ties a saved plan to the config it was made from.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::plan_json::{Action, PlanJson};
use crate::table::Table;

/// Resource types whose replacement or deletion loses data.
pub const PROTECTED_TYPES: &[&str] = &[
    "aws_db_instance",
    "aws_s3_bucket",
    "aws_cloudwatch_log_group",
];

/// One row of the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryRow {
    /// Resource address.
    pub address: String,
    /// What terraform will do.
    pub action: Action,
    /// For a replace: the attributes that force it (or terraform's reason).
    pub reason: String,
}

/// The changes of a plan, no-ops and reads left out, most destructive first.
pub fn summarise(plan: &PlanJson) -> Vec<SummaryRow> {
    let mut rows: Vec<SummaryRow> = plan
        .resource_changes
        .iter()
        .filter(|rc| rc.mode != "data" && !matches!(rc.action(), Action::NoOp | Action::Read))
        .map(|rc| {
            let paths = rc.replace_reasons();
            let reason = if rc.action() == Action::Replace {
                if paths.is_empty() {
                    rc.action_reason.clone().unwrap_or_default()
                } else {
                    format!("forced by {}", paths.join(", "))
                }
            } else {
                String::new()
            };
            SummaryRow {
                address: rc.address.clone(),
                action: rc.action(),
                reason,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        b.action
            .cmp(&a.action)
            .then_with(|| a.address.cmp(&b.address))
    });
    rows
}

/// Counts per action, in the order a person reads them.
pub fn counts(rows: &[SummaryRow]) -> String {
    let n = |a: Action| rows.iter().filter(|r| r.action == a).count();
    format!(
        "{} to create, {} to update, {} to replace, {} to destroy",
        n(Action::Create),
        n(Action::Update),
        n(Action::Replace),
        n(Action::Delete)
    )
}

/// The summary as a table.
pub fn table(rows: &[SummaryRow]) -> Table {
    let mut t = Table::new(["address", "action", "reason"]);
    for r in rows {
        t.row([r.address.as_str(), r.action.as_str(), r.reason.as_str()]);
    }
    t
}

/// Changes that would lose data: deleting or replacing a protected resource type.
pub fn destructive(plan: &PlanJson) -> Vec<(&str, Action, Vec<String>)> {
    plan.resource_changes
        .iter()
        .filter(|rc| rc.mode != "data")
        .filter(|rc| PROTECTED_TYPES.contains(&rc.resource_type.as_str()) && rc.action().destroys())
        .map(|rc| (rc.address.as_str(), rc.action(), rc.replace_reasons()))
        .collect()
}

/// A digest of everything a plan was made from: the config file, the tfvars and every `.tf`
/// file of the root module and its modules. Apply compares it before applying a saved plan.
pub fn fingerprint(config: &Path, terraform_dir: &Path) -> std::io::Result<String> {
    let mut files = BTreeMap::new();
    files.insert("config".to_string(), fs::read(config)?);
    collect_tf(terraform_dir, terraform_dir, &mut files)?;
    let mut h = Sha256::new();
    for (name, content) in &files {
        h.update(name.as_bytes());
        h.update([0]);
        h.update((content.len() as u64).to_le_bytes());
        h.update(content);
    }
    Ok(hex::encode(h.finalize()))
}

fn collect_tf(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue; // .terraform/ holds providers and module copies, not our inputs
        }
        if path.is_dir() {
            collect_tf(root, &path, out)?;
        } else if name.ends_with(".tf")
            || name.ends_with(".tfvars")
            || name.ends_with(".tfvars.json")
        {
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .into_owned();
            out.insert(rel, fs::read(&path)?);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> PlanJson {
        serde_json::from_value(serde_json::json!({
            "resource_changes": [
                {"address": "module.rds.aws_db_instance.this", "mode": "managed", "type": "aws_db_instance",
                 "change": {"actions": ["delete", "create"], "replace_paths": [["identifier"]]}},
                {"address": "module.cloudwatch.aws_cloudwatch_log_group.this", "mode": "managed",
                 "type": "aws_cloudwatch_log_group", "change": {"actions": ["update"]}},
                {"address": "module.vpc.aws_vpc.this", "mode": "managed", "type": "aws_vpc",
                 "change": {"actions": ["no-op"]}},
                {"address": "module.sg.aws_security_group.app", "mode": "managed", "type": "aws_security_group",
                 "change": {"actions": ["create"]}},
                {"address": "module.bucket.aws_s3_bucket.this", "mode": "managed", "type": "aws_s3_bucket",
                 "change": {"actions": ["delete"]}},
                {"address": "data.aws_ami.app", "mode": "data", "type": "aws_ami", "change": {"actions": ["read"]}}
            ]
        }))
        .expect("valid plan")
    }

    #[test]
    fn summary_leaves_out_no_ops_and_names_replace_reasons() {
        let rows = summarise(&plan());
        let addrs: Vec<&str> = rows.iter().map(|r| r.address.as_str()).collect();
        assert_eq!(
            addrs,
            [
                "module.bucket.aws_s3_bucket.this",
                "module.rds.aws_db_instance.this",
                "module.cloudwatch.aws_cloudwatch_log_group.this",
                "module.sg.aws_security_group.app"
            ]
        );
        assert_eq!(rows[1].reason, "forced by identifier");
        assert_eq!(
            counts(&rows),
            "1 to create, 1 to update, 1 to replace, 1 to destroy"
        );
    }

    #[test]
    fn guard_names_protected_resources_that_lose_data() {
        let plan = plan();
        let d = destructive(&plan);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].0, "module.rds.aws_db_instance.this");
        assert_eq!(d[0].2, vec!["identifier"]);
        assert_eq!(d[1].0, "module.bucket.aws_s3_bucket.this");
    }

    #[test]
    fn fingerprint_changes_with_config_and_modules() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cfg = dir.path().join("pipeform.toml");
        let tf = dir.path().join("terraform");
        fs::create_dir_all(tf.join("modules/x")).expect("mkdir");
        fs::create_dir_all(tf.join(".terraform")).expect("mkdir");
        fs::write(&cfg, "a = 1").expect("write");
        fs::write(tf.join("main.tf"), "x").expect("write");
        fs::write(tf.join("modules/x/main.tf"), "y").expect("write");
        let first = fingerprint(&cfg, &tf).expect("fingerprint");
        fs::write(tf.join(".terraform/cache"), "ignored").expect("write");
        assert_eq!(fingerprint(&cfg, &tf).expect("fingerprint"), first);
        fs::write(tf.join("modules/x/main.tf"), "z").expect("write");
        let second = fingerprint(&cfg, &tf).expect("fingerprint");
        assert_ne!(second, first);
        fs::write(&cfg, "a = 2").expect("write");
        assert_ne!(fingerprint(&cfg, &tf).expect("fingerprint"), second);
    }
}

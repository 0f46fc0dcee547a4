//! `pipeform plan` and `apply` with `--format json`: one document on stdout saying what
//! changes (or changed) and why; Terraform's progress stays on stderr.

use serde_json::{json, Value};

use super::check::SCHEMA_VERSION;
use crate::terraform::guard::SummaryRow;
use crate::terraform::plan_json::Action;

/// The document: `{"schema_version", "plan_file", "changes": [{"address", "action",
/// "reason"}], "summary": {"create", "update", "replace", "delete"}, "destructive":
/// [{"address", "action", "forced_by"}]}` plus, for `apply`, `"applied": true`.
pub fn json(
    plan_file: &std::path::Path,
    rows: &[SummaryRow],
    destructive: &[(&str, Action, Vec<String>)],
    applied: Option<bool>,
) -> String {
    let n = |a: Action| rows.iter().filter(|r| r.action == a).count();
    let mut doc = json!({
        "schema_version": SCHEMA_VERSION,
        "plan_file": plan_file.display().to_string(),
        "changes": rows.iter().map(|r| json!({
            "address": r.address,
            "action": r.action.as_str(),
            "reason": r.reason,
        })).collect::<Vec<Value>>(),
        "summary": {
            "create": n(Action::Create),
            "update": n(Action::Update),
            "replace": n(Action::Replace),
            "delete": n(Action::Delete),
        },
        "destructive": destructive.iter().map(|(address, action, paths)| json!({
            "address": address,
            "action": action.as_str(),
            "forced_by": paths,
        })).collect::<Vec<Value>>(),
    });
    if let Some(applied) = applied {
        doc["applied"] = json!(applied);
    }
    // Plain strings and numbers always serialise.
    serde_json::to_string(&doc).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_reasons() {
        let rows = vec![
            SummaryRow {
                address: "module.rds.aws_db_instance.this".into(),
                action: Action::Replace,
                reason: "forced by engine".into(),
            },
            SummaryRow {
                address: "module.sns.aws_sns_topic.this".into(),
                action: Action::Create,
                reason: String::new(),
            },
        ];
        let text = json(
            std::path::Path::new("terraform/pipeform.tfplan"),
            &rows,
            &[(
                "module.rds.aws_db_instance.this",
                Action::Replace,
                vec!["engine".to_string()],
            )],
            None,
        );
        let doc: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(doc["schema_version"], 2);
        assert_eq!(doc["summary"]["replace"], 1);
        assert_eq!(doc["summary"]["create"], 1);
        assert_eq!(doc["destructive"][0]["forced_by"][0], "engine");
        assert!(doc.get("applied").is_none());
    }
}

//! The parts of `terraform show -json PLANFILE` that pipeform reads.

use serde::Deserialize;
use serde_json::Value;

/// A plan document (format 1.x).
#[derive(Debug, Clone, Deserialize)]
pub struct PlanJson {
    /// Planned changes of managed resources.
    #[serde(default)]
    pub resource_changes: Vec<ResourceChange>,
    /// Differences between state and live found by refresh (`-refresh-only` plans).
    #[serde(default)]
    pub resource_drift: Vec<ResourceChange>,
    /// Variable values the plan was made with.
    #[serde(default)]
    pub variables: serde_json::Map<String, Value>,
}

/// One resource's change.
#[derive(Debug, Clone, Deserialize)]
pub struct ResourceChange {
    /// Full address, e.g. `module.rds.aws_db_instance.this`.
    pub address: String,
    /// `managed` or `data`.
    #[serde(default)]
    pub mode: String,
    /// Resource type, e.g. `aws_db_instance`.
    #[serde(rename = "type")]
    pub resource_type: String,
    /// The change itself.
    pub change: Change,
    /// Why terraform chose this action (e.g. `replace_because_cannot_update`).
    #[serde(default)]
    pub action_reason: Option<String>,
}

/// Before/after values and actions.
#[derive(Debug, Clone, Deserialize)]
pub struct Change {
    /// Terraform's action list: `["no-op"]`, `["create"]`, `["delete","create"]`, ...
    pub actions: Vec<String>,
    /// Value before (null on create).
    #[serde(default)]
    pub before: Value,
    /// Value after (null on delete); unknown parts are absent.
    #[serde(default)]
    pub after: Value,
    /// Attribute paths that force replacement.
    #[serde(default)]
    pub replace_paths: Vec<Vec<Value>>,
}

/// What terraform will do to a resource, in words a summary shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    /// Nothing.
    NoOp,
    /// Read a data source.
    Read,
    /// Create.
    Create,
    /// Update in place.
    Update,
    /// Destroy then create, or create then destroy.
    Replace,
    /// Destroy.
    Delete,
}

impl Action {
    /// Lower-case name as shown in summaries and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoOp => "no-op",
            Self::Read => "read",
            Self::Create => "create",
            Self::Update => "update",
            Self::Replace => "replace",
            Self::Delete => "delete",
        }
    }

    /// True for the actions that lose the resource's data.
    pub fn destroys(self) -> bool {
        matches!(self, Self::Replace | Self::Delete)
    }
}

impl ResourceChange {
    /// The action, folded from terraform's action list.
    pub fn action(&self) -> Action {
        let a: Vec<&str> = self.change.actions.iter().map(String::as_str).collect();
        match a.as_slice() {
            ["no-op"] | [] => Action::NoOp,
            ["read"] => Action::Read,
            ["create"] => Action::Create,
            ["update"] => Action::Update,
            ["delete"] => Action::Delete,
            ["delete", "create"] | ["create", "delete"] => Action::Replace,
            _ => Action::Update,
        }
    }

    /// The attribute paths that force a replacement, as `a.b[0]` strings.
    pub fn replace_reasons(&self) -> Vec<String> {
        self.change
            .replace_paths
            .iter()
            .map(|p| path_string(p))
            .collect()
    }
}

/// Renders a JSON path (`["tags", "Name"]`, `["ingress", 0, "cidr"]`) as `tags.Name`, `ingress[0].cidr`.
pub fn path_string(path: &[Value]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Value::Number(n) => out.push_str(&format!("[{n}]")),
            Value::String(s) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(s);
            }
            other => out.push_str(&other.to_string()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_actions_and_replace_paths() {
        let doc = serde_json::json!({
            "format_version": "1.2",
            "resource_changes": [
                {"address": "module.rds.aws_db_instance.this", "mode": "managed", "type": "aws_db_instance",
                 "change": {"actions": ["delete", "create"], "before": {}, "after": {},
                            "replace_paths": [["identifier"], ["tags", "Name"], ["ingress", 0, "cidr"]]},
                 "action_reason": "replace_because_cannot_update"},
                {"address": "module.vpc.aws_vpc.this", "mode": "managed", "type": "aws_vpc",
                 "change": {"actions": ["no-op"], "before": {}, "after": {}}}
            ]
        });
        let plan: PlanJson = serde_json::from_value(doc).expect("parses");
        assert_eq!(plan.resource_changes[0].action(), Action::Replace);
        assert!(plan.resource_changes[0].action().destroys());
        assert_eq!(
            plan.resource_changes[0].replace_reasons(),
            vec!["identifier", "tags.Name", "ingress[0].cidr"]
        );
        assert_eq!(plan.resource_changes[1].action(), Action::NoOp);
        assert!(plan.resource_drift.is_empty());
    }
}

//! `terraform output -json`, read into a typed lookup.

use std::collections::BTreeMap;

use serde_json::Value;

/// The root module's outputs, by name.
#[derive(Debug, Clone, Default)]
pub struct Outputs {
    values: BTreeMap<String, Value>,
}

impl Outputs {
    /// From the document `terraform output -json` prints (`{"name": {"value": ..}}`).
    pub fn from_json(doc: Value) -> Self {
        let values = match doc {
            Value::Object(map) => map
                .into_iter()
                .filter_map(|(k, v)| v.get("value").cloned().map(|v| (k, v)))
                .collect(),
            _ => BTreeMap::new(),
        };
        Self { values }
    }

    /// True when there are no outputs (nothing applied yet).
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// A string output, if present and not null.
    pub fn string(&self, name: &str) -> Option<String> {
        match self.values.get(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// A list-of-strings output; empty when absent.
    pub fn strings(&self, name: &str) -> Vec<String> {
        match self.values.get(name) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// A raw output value.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_strings_numbers_and_lists() {
        let doc = serde_json::json!({
            "app_public_ip": {"sensitive": false, "type": "string", "value": "3.34.1.2"},
            "rds_port": {"type": "number", "value": 3306},
            "db_subnet_ids": {"type": ["list", "string"], "value": ["subnet-1", "subnet-2"]},
            "nothing": {"type": "string", "value": null}
        });
        let o = Outputs::from_json(doc);
        assert_eq!(o.string("app_public_ip").as_deref(), Some("3.34.1.2"));
        assert_eq!(o.string("rds_port").as_deref(), Some("3306"));
        assert_eq!(o.strings("db_subnet_ids"), vec!["subnet-1", "subnet-2"]);
        assert_eq!(o.string("nothing"), None);
        assert_eq!(o.string("absent"), None);
    }
}

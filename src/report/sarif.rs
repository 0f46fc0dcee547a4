//! SARIF 2.1.0, the format code scanning reads (GitHub, GitLab, Azure DevOps): one rule per
//! check id, one result per finding, the AWS resource as the logical location and the config
//! line that states the expectation as the physical one (code scanning needs a file).

use serde_json::{json, Value};

/// The schema URI written into every document.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// A rule (one per check id).
#[derive(Debug, Clone)]
pub struct Rule {
    /// The id, e.g. `nat.eip`.
    pub id: String,
    /// One sentence.
    pub short: String,
    /// Help, markdown.
    pub help_markdown: String,
}

/// How a result is classified (SARIF §3.27.9 `kind` and §3.27.10 `level`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The rule holds.
    Pass,
    /// Holds, but not for long: `warning`.
    Warning,
    /// Broken: `error`.
    Error,
    /// Could not be evaluated (`open`).
    Open,
    /// Not applicable (`notApplicable`).
    NotApplicable,
}

impl Verdict {
    /// (kind, level): a level other than `none` only goes with kind `fail`, as the spec says.
    fn kind_level(self) -> (&'static str, &'static str) {
        match self {
            Self::Pass => ("pass", "none"),
            Self::Warning => ("fail", "warning"),
            Self::Error => ("fail", "error"),
            Self::Open => ("open", "none"),
            Self::NotApplicable => ("notApplicable", "none"),
        }
    }
}

/// Where a result points in a file: the file (relative URI) and line.
#[derive(Debug, Clone)]
pub struct FileLine {
    /// Repository-relative path, `/`-separated.
    pub uri: String,
    /// 1-based line.
    pub line: usize,
}

/// One result.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The rule.
    pub rule_id: String,
    /// Its classification.
    pub verdict: Verdict,
    /// What was found.
    pub message: String,
    /// The AWS resource or Terraform address judged (may be empty).
    pub resource: String,
    /// The config or Terraform line behind the expectation.
    pub file: Option<FileLine>,
}

/// The SARIF log: one run of `pipeform` with `rules` and `results`; `properties` carries the
/// report's own header (schema_version, project, region, endpoint).
pub fn document(rules: &[Rule], results: &[Finding], properties: Value) -> Value {
    let rule_index = |id: &str| rules.iter().position(|r| r.id == id);
    let results: Vec<Value> = results
        .iter()
        .map(|r| {
            let (kind, level) = r.verdict.kind_level();
            let mut location = serde_json::Map::new();
            if let Some(f) = &r.file {
                location.insert(
                    "physicalLocation".into(),
                    json!({
                        "artifactLocation": {"uri": f.uri},
                        "region": {"startLine": f.line.max(1)}
                    }),
                );
            }
            if !r.resource.is_empty() {
                location.insert(
                    "logicalLocations".into(),
                    json!([{"name": r.resource, "fullyQualifiedName": r.resource, "kind": "resource"}]),
                );
            }
            let mut result = json!({
                "ruleId": r.rule_id,
                "kind": kind,
                "level": level,
                "message": {"text": if r.message.is_empty() { r.rule_id.clone() } else { r.message.clone() }},
                // Stable across runs, so code scanning tracks one alert per rule and resource.
                "partialFingerprints": {"pipeform/v1": format!("{}|{}", r.rule_id, r.resource)},
            });
            if let Some(i) = rule_index(&r.rule_id) {
                result["ruleIndex"] = json!(i);
            }
            if !location.is_empty() {
                result["locations"] = json!([Value::Object(location)]);
            }
            result
        })
        .collect();
    let rules: Vec<Value> = rules
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.id,
                "shortDescription": {"text": r.short},
                "fullDescription": {"text": r.short},
                "help": {"text": r.help_markdown, "markdown": r.help_markdown},
                "defaultConfiguration": {"level": "error"}
            })
        })
        .collect();
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "pipeform",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": properties
        }]
    })
}

/// The 1-based line of `[table]` in a TOML text (1 when absent, so the file is still named).
pub fn table_line(text: &str, table: &str) -> usize {
    let header = format!("[{table}]");
    text.lines()
        .position(|l| l.trim_start().starts_with(&header))
        .map_or(1, |i| i + 1)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn levels_follow_the_spec() {
        assert_eq!(Verdict::Error.kind_level(), ("fail", "error"));
        assert_eq!(Verdict::Pass.kind_level(), ("pass", "none"));
        assert_eq!(Verdict::Open.kind_level(), ("open", "none"));
    }

    /// Validates `doc` against the official SARIF 2.1.0 schema vendored in tests/fixtures.
    pub(crate) fn assert_valid_sarif(doc: &Value) {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/sarif-schema-2.1.0.json"
        );
        let schema: Value =
            serde_json::from_str(&std::fs::read_to_string(path).expect("schema")).expect("json");
        let validator = jsonschema::validator_for(&schema).expect("a valid schema");
        let errors: Vec<String> = validator
            .iter_errors(doc)
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}\n{doc:#}");
    }

    #[test]
    fn every_verdict_makes_a_valid_log() {
        let rules = vec![Rule {
            id: "nat.eip".into(),
            short: "An EIP is associated.".into(),
            help_markdown: "**Fix:** apply".into(),
        }];
        let verdicts = [
            Verdict::Pass,
            Verdict::Warning,
            Verdict::Error,
            Verdict::Open,
            Verdict::NotApplicable,
        ];
        let results: Vec<Finding> = verdicts
            .iter()
            .map(|v| Finding {
                rule_id: "nat.eip".into(),
                verdict: *v,
                message: format!("{v:?}"),
                resource: "i-0abc".into(),
                file: Some(FileLine {
                    uri: "pipeform.toml".into(),
                    line: 21,
                }),
            })
            .chain(std::iter::once(Finding {
                rule_id: "drift.attribute".into(),
                verdict: Verdict::Error,
                message: String::new(),
                resource: String::new(),
                file: None,
            }))
            .collect();
        let doc = document(&rules, &results, json!({"schema_version": 2}));
        assert_valid_sarif(&doc);
        assert_eq!(doc["runs"][0]["results"][2]["level"], "error");
        assert_eq!(doc["runs"][0]["results"][2]["ruleIndex"], 0);
        assert!(doc["runs"][0]["results"][5].get("ruleIndex").is_none());
    }

    #[test]
    fn a_broken_log_is_refused_by_the_schema() {
        let mut doc = document(&[], &[], json!({}));
        doc["version"] = json!("2.0.0");
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/sarif-schema-2.1.0.json"
        );
        let schema: Value =
            serde_json::from_str(&std::fs::read_to_string(path).expect("schema")).expect("json");
        assert!(
            !jsonschema::is_valid(&schema, &doc),
            "the validation is real"
        );
    }

    #[test]
    fn finds_the_table_line() {
        assert_eq!(table_line("a = 1\n\n[nat]\nx = 1\n", "nat"), 3);
        assert_eq!(table_line("", "nat"), 1);
    }
}

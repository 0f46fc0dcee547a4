//! The drift report: one document (contract §8), as a table for people, JSON, or JUnit with one
//! test case per resource checked. With `--with-checks`, the check results join the same
//! document and the same exit code.

use serde_json::{json, Map, Value};

use super::check::{self as check_report, Summary, SCHEMA_VERSION};
use super::junit::{self, Case, Outcome};
use super::{github, sarif};
use crate::checks::{Finding, Status};
use crate::drift::{Audit, IgnoredBecause, Waiver};
use crate::exit::ExitStatus;
use crate::table::Table;

/// What one `pipeform drift` run found.
#[derive(Debug, Clone)]
pub struct DriftReport {
    /// `project.name`, when a config was read.
    pub project: Option<String>,
    /// The drift audit.
    pub audit: Audit,
    /// Check results (`--with-checks`), in check order.
    pub checks: Option<Vec<Finding>>,
}

impl DriftReport {
    /// The one exit code: 1 for drift or a failed check, else 3 when a check could not be
    /// evaluated, else 0 (contract §6).
    pub fn exit_status(&self) -> ExitStatus {
        if self.audit.has_drift() {
            return ExitStatus::Findings;
        }
        check_report::exit_status(self.checks.as_deref().unwrap_or_default())
    }

    /// The JSON document: the contract's `drift`/`ignored`/`summary`, plus `expired_waivers`,
    /// and with checks `checks` and `checks_summary` (the shapes of `pipeform check`).
    pub fn to_json(&self) -> Value {
        let a = &self.audit;
        let drift: Vec<Value> = a
            .drift
            .iter()
            .map(|d| {
                json!({
                    "address": d.address,
                    "type": d.resource_type,
                    "action": d.action,
                    "attributes": d.attributes.iter().map(|x| {
                        let mut o = Map::new();
                        o.insert("path".into(), json!(x.path));
                        o.insert("state".into(), x.state.clone());
                        o.insert("live".into(), x.live.clone());
                        if let Some(w) = &x.expired_waiver {
                            o.insert("expired_waiver".into(), waiver_json(w));
                        }
                        Value::Object(o)
                    }).collect::<Vec<_>>(),
                })
            })
            .collect();
        let ignored: Vec<Value> = a
            .ignored
            .iter()
            .map(|i| {
                let mut o = Map::new();
                o.insert("address".into(), json!(i.address));
                o.insert("path".into(), json!(i.path));
                match &i.because {
                    IgnoredBecause::Volatile(reason) => {
                        o.insert("kind".into(), json!("volatile"));
                        o.insert("reason".into(), json!(reason));
                    }
                    IgnoredBecause::Waived(w) => {
                        o.insert("kind".into(), json!("waiver"));
                        o.insert("reason".into(), json!(w.reason));
                        o.insert("expires".into(), json!(w.expires.to_string()));
                    }
                }
                o.insert("state".into(), i.state.clone());
                o.insert("live".into(), i.live.clone());
                Value::Object(o)
            })
            .collect();
        let mut doc = Map::new();
        doc.insert("schema_version".into(), json!(SCHEMA_VERSION));
        if let Some(p) = &self.project {
            doc.insert("project".into(), json!(p));
        }
        doc.insert("drift".into(), Value::Array(drift));
        doc.insert("ignored".into(), Value::Array(ignored));
        doc.insert(
            "expired_waivers".into(),
            Value::Array(a.expired_waivers.iter().map(waiver_json).collect()),
        );
        doc.insert(
            "summary".into(),
            json!({
                "drifted": a.drift.len(),
                "ignored": a.ignored.len(),
                "waived": a.waived_count(),
                "expired_waivers": a.expired_waivers.len(),
                "resources": a.resources.len(),
            }),
        );
        if let Some(checks) = &self.checks {
            doc.insert("checks".into(), json!(checks));
            doc.insert("checks_summary".into(), json!(Summary::of(checks)));
        }
        Value::Object(doc)
    }

    /// The human report.
    pub fn to_table(&self, colour: bool) -> String {
        let a = &self.audit;
        let paint = |s: &str, code: &str| {
            if colour {
                format!("\x1b[{code}m{s}\x1b[0m")
            } else {
                s.to_string()
            }
        };
        let mut out = String::new();
        if a.drift.is_empty() {
            out.push_str(&format!(
                "drift: {} resources in sync with the state\n",
                a.resources.len()
            ));
        } else {
            let mut t = Table::new(["resource", "action", "attribute", "state", "live"]);
            for d in &a.drift {
                for (n, x) in d.attributes.iter().enumerate() {
                    let (address, action) = if n == 0 {
                        (d.address.as_str(), d.action.as_str())
                    } else {
                        ("", "")
                    };
                    let mut attribute = x.path.clone();
                    if x.expired_waiver.is_some() {
                        attribute.push_str(" (waiver expired)");
                    }
                    // A resource deleted out of band has no live value at all.
                    let live = if d.action == "delete" && x.live.is_null() {
                        "(deleted)".to_string()
                    } else {
                        short(&x.live)
                    };
                    t.row([
                        address.to_string(),
                        action.to_string(),
                        attribute,
                        short(&x.state),
                        live,
                    ]);
                }
            }
            out.push_str(&t.render_with(|col, cell| {
                if col == 0 && !cell.is_empty() {
                    paint(cell, "31")
                } else {
                    cell.to_string()
                }
            }));
        }
        if !a.ignored.is_empty() {
            out.push_str("\nignored:\n");
            let mut t = Table::new(["resource", "attribute", "why", "state", "live"]);
            for i in &a.ignored {
                let why = match &i.because {
                    IgnoredBecause::Volatile(r) => format!("volatile: {r}"),
                    IgnoredBecause::Waived(w) => {
                        format!("waived until {}: {}", w.expires, w.reason)
                    }
                };
                t.row([
                    i.address.clone(),
                    i.path.clone(),
                    why,
                    short(&i.state),
                    short(&i.live),
                ]);
            }
            out.push_str(&t.render());
        }
        if !a.expired_waivers.is_empty() {
            out.push_str("\nexpired waivers (no longer applied; renew or remove them):\n");
            let mut t = Table::new(["resource", "attribute", "expired", "reason"]);
            for w in &a.expired_waivers {
                t.row([
                    w.address.clone(),
                    w.attribute.clone(),
                    w.expires.to_string(),
                    w.reason.clone(),
                ]);
            }
            out.push_str(&t.render());
        }
        if let Some(checks) = &self.checks {
            out.push_str("\nchecks:\n");
            out.push_str(&check_report::findings_table(checks, colour));
        }
        let drifted_attrs: usize = a.drift.iter().map(|d| d.attributes.len()).sum();
        out.push_str(&format!(
            "\n{} of {} resources drifted ({} attributes), {} ignored ({} waived), {} expired waivers",
            a.drift.len(),
            a.resources.len(),
            drifted_attrs,
            a.ignored.len(),
            a.waived_count(),
            a.expired_waivers.len()
        ));
        if let Some(checks) = &self.checks {
            out.push_str(&format!("; checks: {}", Summary::of(checks).counts()));
        }
        out.push('\n');
        out
    }

    /// JUnit: one test case per managed resource (drifted ones fail), then one per check.
    pub fn to_junit(
        &self,
        timing: Option<junit::Timing>,
    ) -> Result<String, quick_junit::SerializeError> {
        let a = &self.audit;
        let mut cases = Vec::new();
        for m in &a.resources {
            let ignored: Vec<String> = a
                .ignored_of(&m.address)
                .map(|i| {
                    format!(
                        "ignored {}: {} -> {}",
                        i.path,
                        short(&i.state),
                        short(&i.live)
                    )
                })
                .collect();
            let system_out = (!ignored.is_empty()).then(|| ignored.join("\n"));
            let outcome = match a.drift_of(&m.address) {
                Some(d) => Outcome::Failure {
                    message: format!(
                        "{} drifted: {}",
                        d.action,
                        d.attributes
                            .iter()
                            .map(|x| x.path.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    body: d
                        .attributes
                        .iter()
                        .map(|x| {
                            let mut line = format!(
                                "{}: state {} live {}",
                                x.path,
                                compact(&x.state),
                                compact(&x.live)
                            );
                            if let Some(w) = &x.expired_waiver {
                                line.push_str(&format!(
                                    " (waiver expired {}: {})",
                                    w.expires, w.reason
                                ));
                            }
                            line
                        })
                        .collect::<Vec<_>>()
                        .join("\n"),
                },
                None => Outcome::Pass,
            };
            cases.push(Case {
                name: m.address.clone(),
                classname: format!("drift.{}", m.resource_type),
                outcome,
                system_out,
            });
        }
        for c in self.checks.iter().flatten() {
            let body = format!("{}: {}", c.resource, c.detail);
            let outcome = match c.status {
                Status::Pass => Outcome::Pass,
                Status::Fail => Outcome::Failure {
                    message: c.detail.clone(),
                    body,
                },
                Status::Error => Outcome::Error {
                    message: c.detail.clone(),
                    body,
                },
                other @ (Status::Warn | Status::Skip) => Outcome::Skipped {
                    message: format!("{}: {}", other.as_str(), c.detail),
                },
            };
            let area = c.id.split('.').next().unwrap_or("check");
            cases.push(Case {
                name: c.id.to_string(),
                classname: format!("check.{area}"),
                outcome,
                system_out: None,
            });
        }
        let suite = if self.checks.is_some() {
            "pipeform drift --with-checks"
        } else {
            "pipeform drift"
        };
        junit::render(suite, &cases, timing)
    }
}

fn waiver_json(w: &Waiver) -> Value {
    json!({"address": w.address, "attribute": w.attribute, "reason": w.reason,
           "expires": w.expires.to_string()})
}

/// A value on one line, as JSON (strings without quotes).
fn compact(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        other => other.to_string(),
    }
}

/// [`compact`], cut to a table cell.
fn short(v: &Value) -> String {
    const MAX: usize = 60;
    let s = compact(v);
    if s.chars().count() > MAX {
        let cut: String = s.chars().take(MAX - 3).collect();
        format!("{cut}...")
    } else {
        s
    }
}

/// Where the Terraform root module declares what a resource address belongs to (`module "x"`
/// for `module.x.…`, the resource block otherwise), for the file line of CI annotations.
#[derive(Debug, Clone, Copy)]
pub struct RootModule<'a> {
    /// The root module's `main.tf` as the user named it (relative stays relative).
    pub path: &'a std::path::Path,
    /// Its text.
    pub text: &'a str,
}

impl RootModule<'_> {
    fn line_of(&self, address: &str) -> sarif::FileLine {
        let needle = match address.strip_prefix("module.") {
            Some(rest) => format!("module \"{}\"", rest.split('.').next().unwrap_or(rest)),
            None => {
                let mut parts = address.split('.');
                let ty = parts.next().unwrap_or_default();
                let name = parts.next().unwrap_or_default();
                format!("resource \"{ty}\" \"{name}\"")
            }
        };
        let line = self
            .text
            .lines()
            .position(|l| l.trim_start().starts_with(&needle))
            .map_or(1, |i| i + 1);
        let uri = self
            .path
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .filter(|c| c != ".")
            .collect::<Vec<_>>()
            .join("/");
        sarif::FileLine { uri, line }
    }
}

/// The rule of a drifted resource.
const DRIFT_RULE: &str = "drift.resource";

/// What one drifted resource's attributes say: `path: state -> live`, joined.
fn drift_message(d: &crate::drift::DriftedResource) -> String {
    let attrs: Vec<String> = d
        .attributes
        .iter()
        .map(|a| format!("{}: {} -> {}", a.path, a.state, a.live))
        .collect();
    if attrs.is_empty() {
        format!("{} ({}) differs from the last apply", d.address, d.action)
    } else {
        format!("{} ({}): {}", d.address, d.action, attrs.join("; "))
    }
}

impl DriftReport {
    /// SARIF 2.1.0: rule `drift.resource` with one `error` result per drifted resource (its
    /// address as the logical location, the root module's declaration as the physical one),
    /// plus, with checks, the results of `pipeform check --format sarif`.
    pub fn to_sarif(
        &self,
        root: Option<RootModule<'_>>,
        config: Option<check_report::ConfigFile<'_>>,
    ) -> String {
        let mut rules = vec![sarif::Rule {
            id: DRIFT_RULE.into(),
            short: "The resource's live state matches the state of the last apply.".into(),
            help_markdown: "A drifted resource was changed outside Terraform. `pipeform drift --format table` lists each attribute (state, live); `pipeform plan` and `pipeform apply` restore the configured state, or accept the change in the config (or in `.pipeform-waivers.toml` with a reason and an expiry date).".into(),
        }];
        let mut results: Vec<sarif::Finding> = self
            .audit
            .drift
            .iter()
            .map(|d| sarif::Finding {
                rule_id: DRIFT_RULE.into(),
                verdict: sarif::Verdict::Error,
                message: drift_message(d),
                resource: d.address.clone(),
                file: root.map(|r| r.line_of(&d.address)),
            })
            .collect();
        if let Some(checks) = &self.checks {
            let (check_rules, check_results) = check_report::sarif_parts(checks, config);
            rules.extend(check_rules);
            results.extend(check_results);
        }
        let properties = json!({
            "schema_version": SCHEMA_VERSION,
            "project": self.project,
            "summary": {"drifted": self.audit.drift.len(), "ignored": self.audit.ignored.len()},
        });
        let doc = sarif::document(&rules, &results, properties);
        serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
    }

    /// GitHub Actions annotations: one `::error` per drifted resource (and per failed check),
    /// then the summary.
    pub fn to_github(
        &self,
        root: Option<RootModule<'_>>,
        config: Option<check_report::ConfigFile<'_>>,
    ) -> String {
        let mut annotations: Vec<github::Annotation> = self
            .audit
            .drift
            .iter()
            .map(|d| github::Annotation {
                level: github::Level::Error,
                title: format!("drift {}", d.address),
                message: drift_message(d),
                file: root.map(|r| {
                    let at = r.line_of(&d.address);
                    (at.uri, at.line)
                }),
            })
            .collect();
        let mut summary = format!(
            "{} resources drifted, {} attributes ignored",
            self.audit.drift.len(),
            self.audit.ignored.len()
        );
        if let Some(checks) = &self.checks {
            annotations.extend(check_report::annotations(checks, config));
            summary.push_str(&format!("; checks: {}", Summary::of(checks).counts()));
        }
        github::render(&annotations, &summary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drift::{DriftedAttribute, DriftedResource, Ignored, Managed};
    use chrono::NaiveDate;

    fn report(with_checks: Option<Vec<Finding>>) -> DriftReport {
        let lg = "module.cloudwatch.aws_cloudwatch_log_group.this";
        let db = "module.rds.aws_db_instance.this";
        DriftReport {
            project: Some("offsets".into()),
            audit: Audit {
                resources: vec![
                    Managed {
                        address: lg.into(),
                        resource_type: "aws_cloudwatch_log_group".into(),
                    },
                    Managed {
                        address: db.into(),
                        resource_type: "aws_db_instance".into(),
                    },
                ],
                drift: vec![DriftedResource {
                    address: lg.into(),
                    resource_type: "aws_cloudwatch_log_group".into(),
                    action: "update".into(),
                    attributes: vec![DriftedAttribute {
                        path: "retention_in_days".into(),
                        state: json!(30),
                        live: json!(7),
                        expired_waiver: None,
                    }],
                }],
                ignored: vec![Ignored {
                    address: db.into(),
                    path: "latest_restorable_time".into(),
                    state: json!("2026-11-22T04:00:00Z"),
                    live: json!("2026-11-22T04:05:00Z"),
                    because: IgnoredBecause::Volatile("advances"),
                }],
                expired_waivers: vec![Waiver {
                    address: "x".into(),
                    attribute: "*".into(),
                    path: None,
                    reason: "old".into(),
                    expires: NaiveDate::from_ymd_opt(2025, 1, 1).expect("date"),
                }],
            },
            checks: with_checks,
        }
    }

    #[test]
    fn json_has_the_contract_shape() {
        let doc = report(None).to_json();
        assert_eq!(
            doc["drift"][0]["address"],
            "module.cloudwatch.aws_cloudwatch_log_group.this"
        );
        assert_eq!(doc["drift"][0]["action"], "update");
        assert_eq!(
            doc["drift"][0]["attributes"][0],
            json!({"path": "retention_in_days", "state": 30, "live": 7})
        );
        assert_eq!(
            doc["ignored"][0]["address"],
            "module.rds.aws_db_instance.this"
        );
        assert_eq!(doc["ignored"][0]["path"], "latest_restorable_time");
        assert_eq!(doc["summary"]["drifted"], 1);
        assert_eq!(doc["summary"]["ignored"], 1);
        assert_eq!(doc["expired_waivers"][0]["expires"], "2025-01-01");
        assert!(doc.get("checks").is_none());
        assert_eq!(doc["schema_version"], 2);
        assert_eq!(report(None).exit_status(), ExitStatus::Findings);
    }

    #[test]
    fn exit_status_combines_drift_and_checks() {
        let row = |status: Status| Finding {
            id: "nat.eip",
            status,
            resource: "i-1".into(),
            detail: "d".into(),
        };
        let mut clean = report(Some(vec![row(Status::Pass), row(Status::Warn)]));
        clean.audit.drift.clear();
        assert_eq!(clean.exit_status(), ExitStatus::Clean);
        let mut errored = clean.clone();
        errored.checks = Some(vec![row(Status::Error)]);
        assert_eq!(errored.exit_status(), ExitStatus::Runtime);
        let mut failed = clean.clone();
        failed.checks = Some(vec![row(Status::Error), row(Status::Fail)]);
        assert_eq!(failed.exit_status(), ExitStatus::Findings);
        let doc = failed.to_json();
        assert_eq!(doc["checks_summary"]["fail"], 1);
        assert_eq!(doc["checks"][1]["status"], "fail");
    }

    #[test]
    fn junit_has_one_case_per_resource_and_check() {
        let r = report(Some(vec![Finding {
            id: "alarm.actions",
            status: Status::Fail,
            resource: "carbon".into(),
            detail: "no topic".into(),
        }]));
        let xml = r.to_junit(None).expect("serialises");
        assert!(xml.contains("tests=\"3\" failures=\"2\""), "{xml}");
        assert!(
            xml.contains("name=\"module.rds.aws_db_instance.this\""),
            "{xml}"
        );
        assert!(xml.contains("retention_in_days: state 30 live 7"), "{xml}");
        assert!(xml.contains("ignored latest_restorable_time"), "{xml}");
        assert!(xml.contains("classname=\"check.alarm\""), "{xml}");
    }

    #[test]
    fn table_lists_drift_ignored_and_expired() {
        let t = report(None).to_table(false);
        assert!(t.contains("retention_in_days  30     7"), "{t}");
        assert!(t.contains("volatile: advances"), "{t}");
        assert!(t.contains("expired waivers"), "{t}");
        assert!(t.contains("1 of 2 resources drifted"), "{t}");
    }

    #[test]
    fn sarif_and_github_name_each_drifted_resource() {
        let r = report(Some(vec![Finding {
            id: "alarm.actions",
            status: Status::Fail,
            resource: "job-failed".into(),
            detail: "alarm actions [] lack the topic".into(),
        }]));
        let main_tf = "module \"vpc\" {\n}\n\nmodule \"cloudwatch\" {\n  source = \"./modules/cloudwatch\"\n}\n";
        let root = RootModule {
            path: std::path::Path::new("terraform/main.tf"),
            text: main_tf,
        };
        let doc: Value = serde_json::from_str(&r.to_sarif(Some(root), None)).expect("json");
        crate::report::sarif::tests::assert_valid_sarif(&doc);
        let results = doc["runs"][0]["results"].as_array().expect("results");
        let drift: Vec<&Value> = results
            .iter()
            .filter(|x| x["ruleId"] == "drift.resource")
            .collect();
        assert_eq!(drift.len(), r.audit.drift.len());
        assert_eq!(drift[0]["level"], "error");
        assert_eq!(
            drift[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "terraform/main.tf"
        );
        assert_eq!(
            drift[0]["locations"][0]["physicalLocation"]["region"]["startLine"], 4,
            "the module block of module.cloudwatch"
        );
        assert!(results
            .iter()
            .any(|x| x["ruleId"] == "alarm.actions" && x["level"] == "error"));
        let gh = r.to_github(Some(root), None);
        assert!(
            gh.contains("::error file=terraform/main.tf,line=4,title=drift module.cloudwatch."),
            "{gh}"
        );
        assert!(
            gh.contains("::error title=alarm.actions fail (job-failed)::"),
            "{gh}"
        );
        assert!(gh.trim_end().ends_with("fail, 0 error, 0 skip"), "{gh}");
    }
}

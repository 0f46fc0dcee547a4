//! `pipeform check` reports: table, JSON (contract §5) and JUnit, and the exit status.

use serde::Serialize;

use super::junit::{self, Case, Outcome};
use super::{check_docs, github, sarif};
use crate::checks::{Finding, Status};
use crate::exit::ExitStatus;
use crate::table::Table;

/// Findings counted by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Passed.
    pub pass: usize,
    /// Warnings.
    pub warn: usize,
    /// Failed.
    pub fail: usize,
    /// Could not be evaluated.
    pub error: usize,
    /// Skipped.
    pub skip: usize,
}

impl Summary {
    /// Counts `findings`.
    pub fn of(findings: &[Finding]) -> Self {
        let mut s = Self::default();
        for f in findings {
            match f.status {
                Status::Pass => s.pass += 1,
                Status::Warn => s.warn += 1,
                Status::Fail => s.fail += 1,
                Status::Error => s.error += 1,
                Status::Skip => s.skip += 1,
            }
        }
        s
    }
}

/// The exit status: 1 on any fail, else 3 on any error, else 0 (contract §6).
pub fn exit_status(findings: &[Finding]) -> ExitStatus {
    let s = Summary::of(findings);
    if s.fail > 0 {
        ExitStatus::Findings
    } else if s.error > 0 {
        ExitStatus::Runtime
    } else {
        ExitStatus::Clean
    }
}

/// The version of the JSON documents of `check` and `drift` (contract §5, §8).
pub const SCHEMA_VERSION: u32 = 2;

/// What was read: the project, and the region and endpoint its facts came from.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Source<'a> {
    /// `project.name`.
    pub project: &'a str,
    /// The region read.
    pub region: &'a str,
    /// The endpoint read (`None`: the SDK's default).
    pub endpoint: Option<&'a str>,
}

impl Source<'_> {
    /// The header line of the table.
    fn header(&self) -> String {
        format!(
            "{}: region {}, endpoint {}",
            self.project,
            self.region,
            self.endpoint.unwrap_or("(AWS default)")
        )
    }
}

#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    #[serde(flatten)]
    source: Source<'a>,
    checks: &'a [Finding],
    summary: Summary,
}

/// The JSON document: `{"schema_version", "project", "region", "endpoint", "checks":
/// [{"id","status","resource","detail"}], "summary"}`.
pub fn json(source: Source<'_>, findings: &[Finding]) -> String {
    let doc = Document {
        schema_version: SCHEMA_VERSION,
        source,
        checks: findings,
        summary: Summary::of(findings),
    };
    // Serialising plain strings and numbers cannot fail.
    serde_json::to_string(&doc).unwrap_or_default()
}

fn paint(status: Status) -> &'static str {
    match status {
        Status::Pass => "\x1b[32m",
        Status::Warn => "\x1b[33m",
        Status::Fail => "\x1b[31m",
        Status::Error => "\x1b[35m",
        Status::Skip => "\x1b[2m",
    }
}

/// The human table of the findings alone (drift's report embeds it); statuses coloured when
/// `colour`.
pub fn findings_table(findings: &[Finding], colour: bool) -> String {
    let mut t = Table::new(["check", "status", "resource", "detail"]);
    for f in findings {
        t.row([
            f.id,
            f.status.as_str(),
            f.resource.as_str(),
            f.detail.as_str(),
        ]);
    }
    t.render_with(|col, cell| {
        let status = findings
            .iter()
            .find(|f| f.status.as_str() == cell)
            .map(|f| f.status);
        match (colour, col, status) {
            (true, 1, Some(s)) => format!("{}{cell}\x1b[0m", paint(s)),
            _ => cell.to_string(),
        }
    })
}

impl Summary {
    /// `N pass, N warn, N fail, N error, N skip`.
    pub fn counts(&self) -> String {
        format!(
            "{} pass, {} warn, {} fail, {} error, {} skip",
            self.pass, self.warn, self.fail, self.error, self.skip
        )
    }
}

/// The human report: a header naming the region and endpoint read, the table, and a summary
/// line.
pub fn table(source: Source<'_>, findings: &[Finding], colour: bool) -> String {
    let mut out = format!("{}\n\n", source.header());
    out.push_str(&findings_table(findings, colour));
    out.push_str(&format!(
        "\n{}: {} checks: {}\n",
        source.project,
        findings.len(),
        Summary::of(findings).counts()
    ));
    out
}

/// JUnit XML: one test case per check, grouped by area; warnings and skips are reported as
/// skipped with their detail.
pub fn junit(
    findings: &[Finding],
    timing: Option<junit::Timing>,
) -> Result<String, quick_junit::SerializeError> {
    let cases: Vec<Case> = findings
        .iter()
        .map(|f| {
            let message = if f.resource.is_empty() {
                f.detail.clone()
            } else {
                format!("{}: {}", f.resource, f.detail)
            };
            Case {
                name: f.id.to_string(),
                classname: f.id.split('.').next().unwrap_or(f.id).to_string(),
                outcome: match f.status {
                    Status::Pass => Outcome::Pass,
                    Status::Fail => Outcome::Failure {
                        message: f.id.to_string(),
                        body: message,
                    },
                    Status::Error => Outcome::Error {
                        message: f.id.to_string(),
                        body: message,
                    },
                    Status::Warn => Outcome::Skipped {
                        message: format!("warn: {message}"),
                    },
                    Status::Skip => Outcome::Skipped { message },
                },
                system_out: (f.status == Status::Pass).then(|| f.detail.clone()),
            }
        })
        .collect();
    junit::render("pipeform check", &cases, timing)
}

/// The config table that states what a check expects, for the file line SARIF and GitHub
/// annotations point at.
fn config_table(id: &str) -> &'static str {
    match id.split('.').next().unwrap_or_default() {
        "nat" => "nat",
        "alarm" | "logs" => "monitoring",
        "bucket" => "bucket",
        "rds" => "rds",
        "sg" | "iam" => "app",
        _ => "project",
    }
}

/// The config file the findings were judged against, for file locations in CI reports.
#[derive(Debug, Clone, Copy)]
pub struct ConfigFile<'a> {
    /// The path as the user gave it (a relative path stays relative: CI resolves it against
    /// the checkout).
    pub path: &'a std::path::Path,
    /// Its text.
    pub text: &'a str,
}

impl ConfigFile<'_> {
    /// The file and line a finding points at.
    fn line_of(&self, id: &str) -> sarif::FileLine {
        let uri = if self.path.is_absolute() {
            format!("file://{}", self.path.display())
        } else {
            self.path
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .filter(|c| c != ".")
                .collect::<Vec<_>>()
                .join("/")
        };
        sarif::FileLine {
            uri,
            line: sarif::table_line(self.text, config_table(id)),
        }
    }
}

/// SARIF 2.1.0: one rule per check id (its help from docs/checks.md), one result per finding
/// (level by status), the resource as the logical location and the config table that states
/// the expectation as the physical one.
pub fn sarif(source: Source<'_>, findings: &[Finding], config: Option<ConfigFile<'_>>) -> String {
    let (rules, results) = sarif_parts(findings, config);
    let properties = serde_json::json!({
        "schema_version": SCHEMA_VERSION,
        "project": source.project,
        "region": source.region,
        "endpoint": source.endpoint,
        "summary": Summary::of(findings),
    });
    let doc = sarif::document(&rules, &results, properties);
    // A document of plain strings and numbers always serialises.
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

/// The SARIF rules (every check id) and results (one per finding) of `findings`.
pub fn sarif_parts(
    findings: &[Finding],
    config: Option<ConfigFile<'_>>,
) -> (Vec<sarif::Rule>, Vec<sarif::Finding>) {
    let rules: Vec<sarif::Rule> = crate::checks::CHECKS
        .iter()
        .map(|c| {
            let doc = check_docs::for_id(c.id);
            sarif::Rule {
                id: c.id.to_string(),
                short: doc
                    .as_ref()
                    .map_or_else(|| c.id.to_string(), |d| d.proves.clone()),
                help_markdown: doc.map_or_else(
                    || format!("See docs/checks.md for `{}`.", c.id),
                    |d| d.markdown,
                ),
            }
        })
        .collect();
    let results: Vec<sarif::Finding> = findings
        .iter()
        .map(|f| sarif::Finding {
            rule_id: f.id.to_string(),
            verdict: match f.status {
                Status::Pass => sarif::Verdict::Pass,
                Status::Warn => sarif::Verdict::Warning,
                Status::Fail => sarif::Verdict::Error,
                Status::Error => sarif::Verdict::Open,
                Status::Skip => sarif::Verdict::NotApplicable,
            },
            message: f.detail.clone(),
            resource: f.resource.clone(),
            file: config.map(|c| c.line_of(f.id)),
        })
        .collect();
    (rules, results)
}

/// GitHub Actions annotations: `::error` for a failed check or one that could not be
/// evaluated, `::warning` for a warning, each on the config table that states the
/// expectation; then the summary as a notice.
pub fn github(source: Source<'_>, findings: &[Finding], config: Option<ConfigFile<'_>>) -> String {
    let summary = format!(
        "{}: {} checks in {}: {}",
        source.project,
        findings.len(),
        source.region,
        Summary::of(findings).counts()
    );
    github::render(&annotations(findings, config), &summary)
}

/// The GitHub annotations of `findings`: failures and unreadable checks as errors, warnings
/// as warnings; passes and skips say nothing.
pub fn annotations(
    findings: &[Finding],
    config: Option<ConfigFile<'_>>,
) -> Vec<github::Annotation> {
    findings
        .iter()
        .filter_map(|f| {
            let level = match f.status {
                Status::Fail | Status::Error => github::Level::Error,
                Status::Warn => github::Level::Warning,
                Status::Pass | Status::Skip => return None,
            };
            let title = if f.resource.is_empty() {
                format!("{} {}", f.id, f.status.as_str())
            } else {
                format!("{} {} ({})", f.id, f.status.as_str(), f.resource)
            };
            Some(github::Annotation {
                level,
                title,
                message: f.detail.clone(),
                file: config.map(|c| {
                    let at = c.line_of(f.id);
                    (at.uri, at.line)
                }),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn findings() -> Vec<Finding> {
        vec![
            Finding {
                id: "nat.eip",
                status: Status::Pass,
                resource: "i-0abc".into(),
                detail: "eipalloc-1 (3.34.1.2)".into(),
            },
            Finding {
                id: "alarm.subscription",
                status: Status::Warn,
                resource: "arn:t".into(),
                detail: "only pending".into(),
            },
        ]
    }

    fn source() -> Source<'static> {
        Source {
            project: "offsets",
            region: "ap-northeast-2",
            endpoint: None,
        }
    }

    #[test]
    fn json_has_the_contract_shape() {
        let v: serde_json::Value =
            serde_json::from_str(&json(source(), &findings())).expect("valid JSON");
        assert_eq!(
            v,
            serde_json::json!({"schema_version":2,"project":"offsets","region":"ap-northeast-2","endpoint":null,"checks":[
                {"id":"nat.eip","status":"pass","resource":"i-0abc","detail":"eipalloc-1 (3.34.1.2)"},
                {"id":"alarm.subscription","status":"warn","resource":"arn:t","detail":"only pending"}],
              "summary":{"pass":1,"warn":1,"fail":0,"error":0,"skip":0}})
        );
    }

    #[test]
    fn exit_status_follows_the_contract() {
        let mut f = findings();
        assert_eq!(exit_status(&f), ExitStatus::Clean);
        f[0].status = Status::Error;
        assert_eq!(exit_status(&f), ExitStatus::Runtime);
        f[1].status = Status::Fail;
        assert_eq!(exit_status(&f), ExitStatus::Findings);
    }

    #[test]
    fn table_and_junit() {
        let plain = table(source(), &findings(), false);
        let (header, plain_table) = plain.split_once("\n\n").expect("a header line");
        assert_eq!(
            header,
            "offsets: region ap-northeast-2, endpoint (AWS default)"
        );
        let with_endpoint = Source {
            endpoint: Some("http://127.0.0.1:5000"),
            ..source()
        };
        assert!(json(with_endpoint, &[]).contains(r#""endpoint":"http://127.0.0.1:5000""#));
        assert!(plain_table.starts_with("check               status  resource  detail\nnat.eip             pass    i-0abc    eipalloc-1 (3.34.1.2)\n"), "{plain}");
        assert!(plain.ends_with("offsets: 2 checks: 1 pass, 1 warn, 0 fail, 0 error, 0 skip\n"));
        assert!(!plain.contains('\x1b'));
        assert!(table(source(), &findings(), true).contains("\x1b[32mpass\x1b[0m"));
        let xml = junit(&findings(), None).expect("serialises");
        assert!(
            xml.contains("tests=\"2\" failures=\"0\" errors=\"0\">"),
            "{xml}"
        );
        assert!(
            xml.contains(" disabled=\"1\" errors=\"0\" failures=\"0\" skipped=\"1\">"),
            "{xml}"
        );
        assert!(xml.contains("<testcase name=\"nat.eip\" classname=\"nat\">"));
    }

    /// Every status once, so each format shows how it writes each.
    fn all_statuses() -> Vec<Finding> {
        let f = |id, status, resource: &str, detail: &str| Finding {
            id,
            status,
            resource: resource.into(),
            detail: detail.into(),
        };
        vec![
            f("nat.eip", Status::Pass, "i-0abc", "eipalloc-1 (3.34.1.2)"),
            f(
                "alarm.subscription",
                Status::Warn,
                "arn:aws:sns:ap-northeast-2:1:offsets-alerts",
                "only pending subscriptions (ops@example.com); expected one confirmed",
            ),
            f(
                "logs.retention",
                Status::Fail,
                "/offsets/carbon_log",
                "/offsets/carbon_log keeps events for 7 days; expected 30",
            ),
            f(
                "rds.private",
                Status::Error,
                "offsets-db",
                "could not read RDS: rds:DescribeDBInstances timed out",
            ),
            f(
                "sg.ssh_open",
                Status::Skip,
                "",
                "no security group of project offsets found",
            ),
        ]
    }

    const CONFIG: &str = "[project]\nname = \"offsets\"\n\n[nat]\ninstance_type = \"t3.nano\"\n\n[app]\nssh_user = \"ubuntu\"\n\n[rds]\nidentifier = \"offsets-db\"\n\n[monitoring]\nlog_group = \"/offsets/carbon_log\"\n";

    fn config() -> ConfigFile<'static> {
        ConfigFile {
            path: std::path::Path::new("pipeform.toml"),
            text: CONFIG,
        }
    }

    #[test]
    fn every_format_snapshot() {
        let f = all_statuses();
        insta::assert_snapshot!("check_table", table(source(), &f, false));
        insta::assert_snapshot!("check_json", json(source(), &f));
        insta::assert_snapshot!(
            "check_junit",
            junit(
                &f,
                Some(junit::Timing {
                    started: chrono::DateTime::from_timestamp(1_764_300_000, 0).unwrap_or_default(),
                    seconds: 0.084,
                })
            )
            .expect("serialises")
        );
        insta::assert_snapshot!("check_github", github(source(), &f, Some(config())));
        // The rules' help is docs/checks.md, snapshot elsewhere: here the results.
        let doc: serde_json::Value =
            serde_json::from_str(&sarif(source(), &f, Some(config()))).expect("json");
        insta::assert_snapshot!(
            "check_sarif_results",
            serde_json::to_string_pretty(&doc["runs"][0]["results"]).expect("json")
        );
    }

    #[test]
    fn sarif_validates_against_the_published_schema() {
        let text = sarif(source(), &all_statuses(), Some(config()));
        let doc: serde_json::Value = serde_json::from_str(&text).expect("json");
        crate::report::sarif::tests::assert_valid_sarif(&doc);
        let run = &doc["runs"][0];
        assert_eq!(
            run["tool"]["driver"]["rules"].as_array().map(Vec::len),
            Some(crate::checks::CHECKS.len()),
            "one rule per check id"
        );
        let results = run["results"].as_array().expect("results");
        let levels: Vec<&str> = results
            .iter()
            .map(|r| r["level"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(levels, ["none", "warning", "error", "none", "none"]);
        assert_eq!(
            results[2]["locations"][0]["physicalLocation"]["region"]["startLine"],
            13
        );
        assert_eq!(
            results[2]["locations"][0]["logicalLocations"][0]["name"],
            "/offsets/carbon_log"
        );
        assert_eq!(run["properties"]["schema_version"], 2);
        // Without the config text the results still validate (no physical location).
        let bare: serde_json::Value =
            serde_json::from_str(&sarif(source(), &all_statuses(), None)).expect("json");
        crate::report::sarif::tests::assert_valid_sarif(&bare);
    }
}

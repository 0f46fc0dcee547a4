//! The raw (serde) shape of `pipeform.toml`: every key optional, unknown keys rejected. Each key
//! is deserialised on its own so that every unknown key and every wrong type is reported, not
//! only the first one serde meets.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use toml::Spanned;

use super::error::Problem;

/// `[project]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawProject {
    pub name: Option<String>,
    pub region: Option<String>,
    pub environment: Option<String>,
}

/// `[network]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNetwork {
    pub vpc_cidr: Option<String>,
    pub availability_zones: Option<Vec<String>>,
    pub public_subnets: Option<Vec<String>>,
    pub db_subnets: Option<Vec<String>>,
}

/// `[nat]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNat {
    pub instance_type: Option<String>,
    pub ami_id: Option<String>,
}

/// `[app]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawApp {
    pub instance_type: Option<String>,
    pub ami_id: Option<String>,
    pub ssh_user: Option<String>,
    pub ssh_allowed_cidrs: Option<Vec<String>>,
    pub public_key_path: Option<String>,
}

/// `[rds]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRds {
    pub identifier: Option<String>,
    pub instance_class: Option<String>,
    pub engine_version: Option<String>,
    pub database: Option<String>,
    pub username: Option<String>,
    pub allocated_storage: Option<i64>,
    pub deletion_protection: Option<bool>,
    pub skip_final_snapshot: Option<bool>,
}

/// `[monitoring]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMonitoring {
    pub log_group: Option<String>,
    pub retention_days: Option<i64>,
    pub failure_pattern: Option<String>,
    pub metric_namespace: Option<String>,
    pub metric_name: Option<String>,
    pub alarm_name: Option<String>,
    pub alarm_period_seconds: Option<i64>,
    pub topic_name: Option<String>,
    pub alert_emails: Option<Vec<String>>,
    pub success_pattern: Option<String>,
    pub missed_run_alarm_name: Option<String>,
    pub missed_run_grace_minutes: Option<i64>,
    pub missed_run_alarm: Option<bool>,
}

/// `[bucket]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawBucket {
    pub name: Option<String>,
    pub csv_prefix: Option<String>,
    pub logs_prefix: Option<String>,
    pub freshness_hours: Option<i64>,
    pub force_destroy: Option<bool>,
    pub require_tls: Option<bool>,
}

/// `[pipeline]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPipeline {
    pub schedule: Option<String>,
    pub csv_dir: Option<String>,
    pub log_dir: Option<String>,
    pub run_as: Option<String>,
    pub pseudonymise_fields: Option<Vec<String>>,
}

/// The whole file as written, plus where each key sits.
#[derive(Debug, Default)]
pub(crate) struct RawConfig {
    pub project: RawProject,
    pub network: RawNetwork,
    pub nat: RawNat,
    pub app: RawApp,
    pub rds: RawRds,
    pub monitoring: RawMonitoring,
    pub bucket: RawBucket,
    pub pipeline: RawPipeline,
    /// `section` and `section.key` -> 1-based line.
    pub lines: HashMap<String, usize>,
    /// `section` -> byte span of its name in the header; `section.key` -> of the key's value.
    pub spans: HashMap<String, Range<usize>>,
    /// `section.key`s already reported as unknown or of the wrong type (so not also "missing").
    pub reported: HashSet<String>,
}

/// The sections a config has, in the order the contract lists them.
pub(crate) const SECTIONS: [&str; 8] = [
    "project",
    "network",
    "nat",
    "app",
    "rds",
    "monitoring",
    "bucket",
    "pipeline",
];

type SpannedTable = Spanned<BTreeMap<Spanned<String>, Spanned<toml::Value>>>;
type SpannedSections = BTreeMap<Spanned<String>, SpannedTable>;

/// Where each line of a text starts, so a byte offset's line is a binary search: validation
/// stays linear however many keys a file has (a scan per key made 40,000 keys take minutes).
pub(crate) struct LineIndex {
    /// Byte offset just past each `\n`, in order.
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes `text` once.
    pub(crate) fn new(text: &[u8]) -> Self {
        let starts = text
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .map(|(i, _)| i + 1)
            .collect();
        Self { starts }
    }

    /// 1-based line of a byte offset.
    pub(crate) fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|start| *start <= offset) + 1
    }
}

/// Parses the text into raw sections. Syntax errors end parsing (one problem, with its line);
/// unknown sections, unknown keys and wrong types are all collected.
pub(crate) fn parse(text: &str) -> (RawConfig, Vec<Problem>) {
    let mut raw = RawConfig::default();
    let mut problems = Vec::new();
    let index = LineIndex::new(text.as_bytes());
    let sections: SpannedSections = match toml::from_str(text) {
        Ok(s) => s,
        Err(e) => {
            let message = e.message().trim();
            // A top-level `key = value` parses as TOML but is not a section (a table).
            let outside = message.contains("expected a map") || message.contains("invalid type");
            problems.push(Problem {
                key: String::new(),
                line: e.span().map(|s| index.line(s.start)),
                message: if outside {
                    "a key outside any [section]".to_string()
                } else {
                    format!("not valid TOML: {message}")
                },
                span: e.span(),
                help: outside.then(|| {
                    "every key belongs under a [section]; see examples/pipeform.toml".to_string()
                }),
            });
            return (raw, problems);
        }
    };
    for (header, table) in &sections {
        let name = header.get_ref();
        raw.lines
            .insert(name.clone(), index.line(table.span().start));
        // Spans only where the rules may point later (known sections, keys below the cap);
        // what raw parsing reports takes its span where it reports it. A hostile file's
        // 100,000 sections then cost no second map.
        let known = SECTIONS.contains(&name.as_str());
        if known {
            raw.spans.insert(name.clone(), header.span());
        }
        let spanned = known && table.get_ref().len() <= MAX_SECTION_KEYS;
        for (key, value) in table.get_ref() {
            let path = format!("{name}.{}", key.get_ref());
            if spanned {
                raw.spans.insert(path.clone(), value.span());
            }
            raw.lines.insert(path, index.line(key.span().start));
        }
    }
    let header_span = |name: &str| {
        sections
            .get_key_value(name)
            .map(|(header, _)| header.span())
    };
    let unknown: Vec<&String> = sections
        .keys()
        .map(|header| header.get_ref())
        .filter(|name| !SECTIONS.contains(&name.as_str()))
        .collect();
    if unknown.len() > MAX_UNKNOWN_SECTIONS {
        // One problem, not one per section: a hostile file's 100,000 sections would otherwise
        // cost seconds of messages. The first in the file is named so it can be found.
        let first = unknown
            .iter()
            .min_by_key(|name| raw.lines.get(name.as_str()).copied().unwrap_or(usize::MAX));
        problems.push(Problem {
            key: String::new(),
            line: first.and_then(|name| raw.lines.get(name.as_str()).copied()),
            message: format!(
                "{} unknown sections (the first is [{}])",
                unknown.len(),
                first.map_or("", |name| name.as_str()),
            ),
            span: first.and_then(|name| header_span(name)),
            help: Some(format!(
                "the sections are {}",
                SECTIONS.map(|s| format!("[{s}]")).join(", ")
            )),
        });
    }
    for name in unknown
        .iter()
        .filter(|_| unknown.len() <= MAX_UNKNOWN_SECTIONS)
    {
        problems.push(Problem {
            key: name.to_string(),
            line: raw.lines.get(name.as_str()).copied(),
            message: format!("unknown section [{name}]"),
            span: header_span(name),
            help: Some(format!(
                "the sections are {}",
                SECTIONS.map(|s| format!("[{s}]")).join(", ")
            )),
        });
    }
    let mut section = |name: &str| {
        let table = sections.get(name);
        if table.is_none() {
            problems.push(Problem {
                key: name.to_string(),
                line: None,
                message: format!("missing section [{name}]"),
                span: None,
                help: Some(format!(
                    "add [{name}] with its keys; see examples/pipeform.toml"
                )),
            });
        }
        table
    };
    let (p, n, na, a, r, m, b, pl) = (
        section("project"),
        section("network"),
        section("nat"),
        section("app"),
        section("rds"),
        section("monitoring"),
        section("bucket"),
        section("pipeline"),
    );
    let mut reported = HashSet::new();
    let mut capped =
        |name: &str, table| capped_section(&index, name, table, &mut problems, &mut reported);
    let (p, n, na, a, r, m, b, pl) = (
        capped("project", p),
        capped("network", n),
        capped("nat", na),
        capped("app", a),
        capped("rds", r),
        capped("monitoring", m),
        capped("bucket", b),
        capped("pipeline", pl),
    );
    raw.project = typed(&index, "project", p, &mut problems, &mut reported);
    raw.network = typed(&index, "network", n, &mut problems, &mut reported);
    raw.nat = typed(&index, "nat", na, &mut problems, &mut reported);
    raw.app = typed(&index, "app", a, &mut problems, &mut reported);
    raw.rds = typed(&index, "rds", r, &mut problems, &mut reported);
    raw.monitoring = typed(&index, "monitoring", m, &mut problems, &mut reported);
    raw.bucket = typed(&index, "bucket", b, &mut problems, &mut reported);
    raw.pipeline = typed(&index, "pipeline", pl, &mut problems, &mut reported);
    raw.reported = reported;
    (raw, problems)
}

/// Unknown sections reported one by one up to this many; more are one problem.
pub(crate) const MAX_UNKNOWN_SECTIONS: usize = 16;

/// The most keys a section may hold: the widest ([monitoring]) has 10, so a section with more is
/// reported once, not key by key (96,000 unknown keys cost 11 s of messages in a debug build).
pub(crate) const MAX_SECTION_KEYS: usize = 64;

/// The section, or `None` (with one problem) when it has more keys than any section could.
fn capped_section<'t>(
    index: &LineIndex,
    name: &str,
    table: Option<&'t SpannedTable>,
    problems: &mut Vec<Problem>,
    reported: &mut HashSet<String>,
) -> Option<&'t SpannedTable> {
    let table = table?;
    let count = table.get_ref().len();
    if count <= MAX_SECTION_KEYS {
        return Some(table);
    }
    problems.push(Problem {
        key: name.to_string(),
        line: Some(index.line(table.span().start)),
        message: format!("has {count} keys; a section has at most {MAX_SECTION_KEYS}"),
        span: None,
        help: Some(format!(
            "see examples/pipeform.toml for the keys of [{name}]"
        )),
    });
    // Its keys are not checked one by one, so none is also reported missing.
    reported.extend(
        table
            .get_ref()
            .keys()
            .map(|k| format!("{name}.{}", k.get_ref())),
    );
    reported.insert(format!("{name}.*"));
    None
}

/// Deserialises one section key by key, so each bad key is its own problem; the section is
/// then built from its good keys, so their rules still run.
fn typed<T: DeserializeOwned + Default>(
    index: &LineIndex,
    section: &str,
    table: Option<&SpannedTable>,
    problems: &mut Vec<Problem>,
    reported: &mut HashSet<String>,
) -> T {
    let Some(table) = table else {
        return T::default();
    };
    let mut whole = toml::Table::new();
    for (key, value) in table.get_ref() {
        let one = toml::Table::from_iter([(key.get_ref().clone(), value.get_ref().clone())]);
        if let Err(e) = toml::Value::Table(one).try_into::<T>() {
            let path = format!("{section}.{}", key.get_ref());
            let (message, help) = friendly(e.message());
            // An unknown key is the key's fault; a wrong type is the value's.
            let span = if help.is_some() {
                key.span()
            } else {
                value.span()
            };
            problems.push(Problem {
                key: path.clone(),
                line: Some(index.line(key.span().start)),
                message,
                span: Some(span),
                help,
            });
            reported.insert(path);
        } else {
            whole.insert(key.get_ref().clone(), value.get_ref().clone());
        }
    }
    match toml::Value::Table(whole).try_into::<T>() {
        Ok(t) => t,
        Err(e) => {
            let (message, help) = friendly(e.message());
            problems.push(Problem {
                key: section.to_string(),
                line: Some(index.line(table.span().start)),
                message,
                span: None,
                help,
            });
            T::default()
        }
    }
}

/// The expected key closest to the unknown one in serde's "`x`, expected one of `a`, `b`"
/// (a typo or two away: a swapped pair of letters counts as one), if any is that close.
fn did_you_mean(rest: &str) -> Option<&str> {
    let mut names = rest.split('`').skip(1).step_by(2);
    let unknown = names.next()?;
    names
        .map(|known| (strsim::damerau_levenshtein(unknown, known), known))
        .filter(|(distance, known)| *distance <= 2.max(known.len() / 4))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, known)| known)
}

/// serde's wording, made to say what would be right in words a config author uses: the message,
/// and for an unknown key the help (the nearest key, and the keys the section has).
fn friendly(message: &str) -> (String, Option<String>) {
    let first = message.lines().next().unwrap_or(message).trim();
    if let Some(rest) = first.strip_prefix("unknown field ") {
        let (unknown, expected) = rest.split_once(", ").unwrap_or((rest, ""));
        let help = match did_you_mean(rest) {
            Some(key) => format!("did you mean `{key}`?"),
            None => expected.replacen("expected one of", "the keys are", 1),
        };
        return (format!("unknown key {unknown}"), Some(help));
    }
    let message = first
        .replace("expected i64", "expected a whole number")
        .replace("expected a boolean", "expected true or false")
        .replace(
            "expected a sequence",
            "expected a list such as [\"a\", \"b\"]",
        )
        .replace("invalid type: ", "wrong type: ");
    (message, None)
}

/// Where a problem about `key` points: the key's value, else its section's header (a missing
/// key), as [`Problem::line`] falls back. `network.db_subnets[1]` points at the whole list.
pub(crate) fn locate(spans: &HashMap<String, Range<usize>>, key: &str) -> Option<Range<usize>> {
    let base = key.split('[').next().unwrap_or(key);
    let section = base.split('.').next().unwrap_or(base);
    spans.get(base).or_else(|| spans.get(section)).cloned()
}

#[cfg(test)]
mod did_you_mean_tests {
    use super::*;

    #[test]
    fn suggests_the_nearest_expected_key() {
        let serde =
            "unknown field `instnace_type`, expected one of `instance_type`, `ami_id`, `ssh_user`";
        assert_eq!(
            friendly(serde),
            (
                "unknown key `instnace_type`".to_string(),
                Some("did you mean `instance_type`?".to_string())
            )
        );
        assert_eq!(
            friendly("unknown field `owner`, expected one of `name`, `region`"),
            (
                "unknown key `owner`".to_string(),
                Some("the keys are `name`, `region`".to_string())
            )
        );
        assert_eq!(
            did_you_mean("`owner`, expected one of `name`, `region`, `environment`"),
            None
        );
    }
}

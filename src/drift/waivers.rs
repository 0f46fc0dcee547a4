//! The waiver file (`.pipeform-waivers.toml`): drift a team has decided to accept for a while.
//!
//! ```toml
//! [[waiver]]
//! address = "module.cloudwatch.aws_cloudwatch_log_group.this"
//! attribute = "retention_in_days"      # a path; covers everything below it; "*" = any attribute
//! reason = "ops shortened retention during the audit, INC-1234"
//! expires = 2026-12-31                 # last day the waiver applies (UTC)
//! ```

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;

use super::diff::AttrPath;

/// A waiver file that cannot be used. Every problem in the file is listed at once.
#[derive(Debug, thiserror::Error)]
pub enum WaiverError {
    /// The file could not be read.
    #[error("cannot read waiver file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML or does not have the waiver shape.
    #[error("waiver file {path} is not valid: {message}\nexpected entries like:\n[[waiver]]\naddress = \"module.cloudwatch.aws_cloudwatch_log_group.this\"\nattribute = \"retention_in_days\"\nreason = \"why this drift is accepted\"\nexpires = 2026-12-31")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The parser's message (it names the line).
        message: String,
    },
    /// Entries with bad values.
    #[error("waiver file {path} has invalid entries:\n{}", problems.join("\n"))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// One line per problem, each naming `waiver[N].key`.
        problems: Vec<String>,
    },
}

/// One valid waiver.
#[derive(Debug, Clone, PartialEq)]
pub struct Waiver {
    /// Resource address, exactly as Terraform prints it.
    pub address: String,
    /// Attribute path as written (`*` for any).
    pub attribute: String,
    /// Parsed path; `None` for `*`.
    pub path: Option<AttrPath>,
    /// Why the drift is accepted.
    pub reason: String,
    /// Last day it applies.
    pub expires: NaiveDate,
}

impl Waiver {
    /// True when this waiver names this difference (whether or not it has expired).
    pub fn covers(&self, address: &str, path: &AttrPath) -> bool {
        self.address == address && self.path.as_ref().is_none_or(|p| path.starts_with(p))
    }

    /// True once `today` is after the expiry date.
    pub fn expired(&self, today: NaiveDate) -> bool {
        today > self.expires
    }
}

/// All waivers of a file (empty when there is no file).
#[derive(Debug, Clone, Default)]
pub struct Waivers {
    /// In file order.
    pub entries: Vec<Waiver>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    waiver: Vec<RawWaiver>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWaiver {
    address: String,
    attribute: String,
    reason: String,
    expires: toml::value::Datetime,
}

impl Waivers {
    /// Reads `path`; a missing file is `Ok(None)` so the caller decides whether that matters.
    pub fn read(path: &Path) -> Result<Option<Self>, WaiverError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(WaiverError::Read {
                    path: path.to_path_buf(),
                    source,
                })
            }
        };
        Self::parse(path, &text).map(Some)
    }

    /// Parses the text of a waiver file; `path` is only for messages.
    pub fn parse(path: &Path, text: &str) -> Result<Self, WaiverError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| WaiverError::Syntax {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })?;
        let mut problems = Vec::new();
        let mut entries = Vec::new();
        for (i, w) in raw.waiver.into_iter().enumerate() {
            let at = |key: &str| format!("waiver[{i}].{key}");
            let before = problems.len();
            if w.address.trim().is_empty() {
                problems.push(format!(
                    "{}: empty; write the resource address as `terraform state list` prints it",
                    at("address")
                ));
            }
            let attr_path = if w.attribute == "*" {
                None
            } else {
                let p = AttrPath::parse(&w.attribute);
                if p.is_none() {
                    problems.push(format!(
                        "{}: {:?} is not an attribute path; write e.g. `retention_in_days`, `tags.Name`, `ingress[0]` or `*`",
                        at("attribute"),
                        w.attribute
                    ));
                }
                p
            };
            if w.reason.trim().is_empty() {
                problems.push(format!(
                    "{}: empty; say why this drift is accepted",
                    at("reason")
                ));
            }
            let expires = match (w.expires.date, w.expires.time) {
                (Some(d), None) => {
                    NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
                }
                _ => None,
            };
            if expires.is_none() {
                problems.push(format!(
                    "{}: {} is not a plain date; write e.g. `expires = 2026-12-31` (no quotes, no time)",
                    at("expires"),
                    w.expires
                ));
            }
            if problems.len() == before {
                if let Some(expires) = expires {
                    entries.push(Waiver {
                        address: w.address,
                        attribute: w.attribute,
                        path: attr_path,
                        reason: w.reason,
                        expires,
                    });
                }
            }
        }
        if problems.is_empty() {
            Ok(Self { entries })
        } else {
            Err(WaiverError::Invalid {
                path: path.to_path_buf(),
                problems,
            })
        }
    }

    /// The first waiver that names this difference, live or expired; a live one wins.
    pub fn find(&self, address: &str, path: &AttrPath, today: NaiveDate) -> Option<&Waiver> {
        let mut covering = self.entries.iter().filter(|w| w.covers(address, path));
        let first = covering.clone().next();
        covering.find(|w| !w.expired(today)).or(first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    const GOOD: &str = r#"
[[waiver]]
address = "module.cloudwatch.aws_cloudwatch_log_group.this"
attribute = "retention_in_days"
reason = "INC-1"
expires = 2026-12-31

[[waiver]]
address = "module.nat.aws_instance.this"
attribute = "*"
reason = "being rebuilt"
expires = 2025-01-01
"#;

    #[test]
    fn parses_and_matches_by_address_and_path_prefix() {
        let w = Waivers::parse(Path::new("w.toml"), GOOD).expect("parses");
        assert_eq!(w.entries.len(), 2);
        let today = day("2026-11-22");
        let retention = AttrPath::parse("retention_in_days").expect("p");
        let hit = w
            .find(
                "module.cloudwatch.aws_cloudwatch_log_group.this",
                &retention,
                today,
            )
            .expect("covered");
        assert!(!hit.expired(today));
        assert!(w
            .find(
                "module.other.aws_cloudwatch_log_group.this",
                &retention,
                today
            )
            .is_none());
        let any = AttrPath::parse("source_dest_check").expect("p");
        let nat = w
            .find("module.nat.aws_instance.this", &any, today)
            .expect("star");
        assert!(nat.expired(today));
        // The expiry day itself still applies.
        assert!(!hit.expired(day("2026-12-31")));
        assert!(hit.expired(day("2027-01-01")));
    }

    #[test]
    fn empty_file_has_no_waivers() {
        let w = Waivers::parse(Path::new("w.toml"), "").expect("parses");
        assert!(w.entries.is_empty());
    }

    #[test]
    fn missing_file_is_none() {
        let r = Waivers::read(Path::new("/nonexistent/.pipeform-waivers.toml")).expect("ok");
        assert!(r.is_none());
    }

    #[test]
    fn syntax_and_shape_errors_name_the_file() {
        let e = Waivers::parse(Path::new("w.toml"), "[[waiver]\naddress = 1").expect_err("bad");
        assert!(matches!(e, WaiverError::Syntax { .. }));
        assert!(e.to_string().contains("w.toml"), "{e}");
        let e = Waivers::parse(
            Path::new("w.toml"),
            "[[waiver]]\naddress = \"a\"\nattribute = \"b\"\nreason = \"c\"\nexpires = 2026-01-01\ncolour = \"red\"\n",
        )
        .expect_err("unknown key");
        assert!(e.to_string().contains("colour"), "{e}");
        let e = Waivers::parse(Path::new("w.toml"), "[[waiver]]\naddress = \"a\"\n")
            .expect_err("missing");
        assert!(e.to_string().contains("attribute"), "{e}");
    }

    #[test]
    fn bad_values_are_all_listed_with_their_keys() {
        let text = r#"
[[waiver]]
address = ""
attribute = "a[x]"
reason = " "
expires = "2026-12-31"

[[waiver]]
address = "x"
attribute = "y"
reason = "z"
expires = 2026-12-31T10:00:00Z
"#;
        let e = Waivers::parse(Path::new("w.toml"), text).expect_err("invalid");
        let msg = e.to_string();
        // A quoted date is a string, which the TOML shape already rejects.
        assert!(msg.contains("expires"), "{msg}");
        let text = text.replace("\"2026-12-31\"", "2026-12-31");
        let msg = Waivers::parse(Path::new("w.toml"), &text)
            .expect_err("invalid")
            .to_string();
        for key in [
            "waiver[0].address",
            "waiver[0].attribute",
            "waiver[0].reason",
            "waiver[1].expires",
        ] {
            assert!(msg.contains(key), "{key} missing in {msg}");
        }
    }
}

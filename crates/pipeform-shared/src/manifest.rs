//! The ship manifest: a small JSON object that `pipeform-job ship` writes into each day's
//! prefix after every file of that day is in the bucket, naming those objects.
//!
//! It exists so that `pipeform check` can prove "this day's prefix holds objects" with two
//! constant-cost reads (GET the manifest, HEAD one object it names) instead of a listing,
//! whose cost grows with the bucket in some S3 implementations (moto walks every key). The
//! name starts with `_`, like Hadoop's `_SUCCESS`, so Athena, Hive and Spark skip it when they
//! read the prefix as a table. The check never trusts the manifest alone: the object it names
//! must exist, and any miss falls back to a listing that ignores manifests.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::prefix::PrefixTemplate;

/// File name of every manifest.
pub const NAME: &str = "_pipeform_manifest.json";

/// Version written into `format`; readers ignore manifests of other versions.
pub const FORMAT: u32 = 1;

/// One manifest: the day and the objects the run confirmed in the bucket under that day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`FORMAT`] when written by this version.
    pub format: u32,
    /// The UTC day of the prefix, `YYYY-MM-DD`.
    pub date: String,
    /// Objects under the day's prefix (sorted by key), each with the SHA-256 of its
    /// uncompressed content.
    pub objects: Vec<Entry>,
}

/// One object named by a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Object key.
    pub key: String,
    /// SHA-256 (hex) of the uncompressed content, as in the object's metadata.
    pub sha256: String,
}

impl Manifest {
    /// The manifest's JSON. Deterministic (no timestamps), so an unchanged day gives the same
    /// bytes and a re-run can skip writing it.
    pub fn to_json(&self) -> Vec<u8> {
        // A struct of strings and numbers always serialises.
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }

    /// Parses a manifest; `None` for anything that is not a version-[`FORMAT`] manifest.
    pub fn parse(bytes: &[u8]) -> Option<Self> {
        serde_json::from_slice::<Self>(bytes)
            .ok()
            .filter(|m| m.format == FORMAT)
    }

    /// The first named object that really lies under `day_prefix` (a manifest is a hint, and
    /// the check asks only about that prefix).
    pub fn first_under<'a>(&'a self, day_prefix: &str) -> Option<&'a Entry> {
        self.objects
            .iter()
            .find(|e| e.key.starts_with(day_prefix) && !is_manifest(&e.key))
    }
}

/// True when `key` is a manifest (listings that decide "non-empty" must not count it).
pub fn is_manifest(key: &str) -> bool {
    key.rsplit('/').next() == Some(NAME)
}

/// Where the manifest of `day` under `template` lives: in the day's folder. When the day's
/// prefix ends inside a segment (an `{hour}` placeholder follows, as in
/// `logs/year={year}/month={month}/day={day}/hour={hour}`), the folder that still names the
/// whole day is used (`…/day=22/`); when no such folder exists (`logs/{date}-{hour}`), a folder
/// of the day prefix itself (`logs/2026-11-22-/`).
pub fn key(template: &PrefixTemplate, day: NaiveDate) -> String {
    let prefix = template.render_day(day);
    if prefix.ends_with('/') {
        return format!("{prefix}{NAME}");
    }
    if let Some(i) = prefix.rfind('/') {
        let folder = &prefix[..=i];
        if template.date_of(folder) == Some(day) {
            return format!("{folder}{NAME}");
        }
    }
    format!("{prefix}/{NAME}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default()
    }

    fn template(s: &str) -> PrefixTemplate {
        PrefixTemplate::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn key_is_in_the_days_folder() {
        assert_eq!(
            key(&template("csv/{date}"), day()),
            "csv/2026-11-22/_pipeform_manifest.json"
        );
        assert_eq!(
            key(
                &template("logs/year={year}/month={month}/day={day}/hour={hour}"),
                day()
            ),
            "logs/year=2026/month=11/day=22/_pipeform_manifest.json"
        );
        assert_eq!(
            key(&template("logs/{date}-{hour}"), day()),
            "logs/2026-11-22-/_pipeform_manifest.json"
        );
    }

    #[test]
    fn every_key_lies_under_its_day_prefix_or_its_folder() {
        for t in [
            "csv/{date}",
            "csv/{year}/{month}/{day}/",
            "logs/year={year}/month={month}/day={day}/hour={hour}",
            "logs/{date}-{hour}",
            "{date}",
        ] {
            let t = template(t);
            let k = key(&t, day());
            assert_eq!(t.date_of(&k), Some(day()), "{t} -> {k}");
            assert!(is_manifest(&k), "{k}");
        }
    }

    #[test]
    fn json_round_trips_and_other_formats_are_ignored() {
        let m = Manifest {
            format: FORMAT,
            date: day().to_string(),
            objects: vec![Entry {
                key: "csv/2026-11-22/a.csv.gz".into(),
                sha256: "ab".into(),
            }],
        };
        assert_eq!(Manifest::parse(&m.to_json()), Some(m.clone()));
        assert_eq!(m.to_json(), m.clone().to_json(), "deterministic");
        let other = Manifest { format: 2, ..m };
        assert_eq!(Manifest::parse(&other.to_json()), None);
        assert_eq!(Manifest::parse(b"not json"), None);
        assert_eq!(Manifest::parse(b"{\"format\":1}"), None);
    }

    #[test]
    fn first_under_skips_keys_outside_the_prefix_and_manifests() {
        let m = Manifest {
            format: FORMAT,
            date: day().to_string(),
            objects: vec![
                Entry {
                    key: "csv/2026-11-21/old.csv.gz".into(),
                    sha256: String::new(),
                },
                Entry {
                    key: "csv/2026-11-22/_pipeform_manifest.json".into(),
                    sha256: String::new(),
                },
                Entry {
                    key: "csv/2026-11-22/a.csv.gz".into(),
                    sha256: String::new(),
                },
            ],
        };
        assert_eq!(
            m.first_under("csv/2026-11-22/").map(|e| e.key.as_str()),
            Some("csv/2026-11-22/a.csv.gz")
        );
        assert_eq!(m.first_under("csv/2026-11-23/"), None);
    }
}

//! The job's env file (`<prefix>/job.env`): written by `pipeform deploy`, read by
//! `pipeform-job run`. `KEY=VALUE` lines, `#` comments, no quoting or expansion, so the file is
//! also readable by a shell or systemd `EnvironmentFile=` without surprises.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::prefix::PrefixTemplate;

/// Where the job gets the database password from. The file never holds a password itself
/// unless the operator chose `Literal` for a local testbed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// `secretsmanager:ARN`: the RDS-managed master secret (JSON with `password`).
    SecretsManager(String),
    /// `env:NAME`: an environment variable of the job's process.
    Env(String),
    /// `file:PATH`: a file holding only the password.
    File(String),
}

impl SecretSource {
    /// Parses `secretsmanager:ARN`, `env:NAME` or `file:PATH`.
    pub fn parse(s: &str) -> Result<Self, JobEnvError> {
        let (kind, rest) = s
            .split_once(':')
            .ok_or_else(|| JobEnvError::BadSecretSource(s.to_string()))?;
        if rest.is_empty() {
            return Err(JobEnvError::BadSecretSource(s.to_string()));
        }
        match kind {
            "secretsmanager" => Ok(Self::SecretsManager(rest.to_string())),
            "env" => Ok(Self::Env(rest.to_string())),
            "file" => Ok(Self::File(rest.to_string())),
            _ => Err(JobEnvError::BadSecretSource(s.to_string())),
        }
    }

    fn render(&self) -> String {
        match self {
            Self::SecretsManager(arn) => format!("secretsmanager:{arn}"),
            Self::Env(name) => format!("env:{name}"),
            Self::File(path) => format!("file:{path}"),
        }
    }
}

/// Everything `pipeform-job run` needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobEnv {
    /// MySQL host.
    pub db_host: String,
    /// MySQL port.
    pub db_port: u16,
    /// Database name.
    pub db_name: String,
    /// Database user.
    pub db_user: String,
    /// Where the password comes from.
    pub db_password: SecretSource,
    /// Target bucket.
    pub bucket: String,
    /// CSV key template, e.g. `csv/{date}`.
    pub csv_prefix: String,
    /// Log key template, e.g. `logs/{date}`.
    pub logs_prefix: String,
    /// Directory whose `*.csv` files are loaded (table = file stem) and shipped.
    pub csv_dir: String,
    /// Directory of the job's own log and other logs to ship.
    pub log_dir: String,
    /// AWS region.
    pub region: String,
    /// AWS endpoint override (a local testbed); `None` on real AWS.
    pub endpoint_url: Option<String>,
    /// Log fields pseudonymised before shipping.
    pub pseudonymise_fields: Vec<String>,
    /// Where the HMAC key for pseudonymisation comes from (same forms as the password).
    pub hmac_key: Option<SecretSource>,
    /// CloudWatch Logs group the run delivers its own log lines to (`monitoring.log_group`).
    /// `None` only in an env file written before v2: the run then says loudly that nothing
    /// reaches the alarm until `pipeform deploy` rewrites the file.
    pub log_group: Option<String>,
}

/// A bad env file.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JobEnvError {
    /// A line that is not `KEY=VALUE`.
    #[error("line {line}: expected KEY=VALUE, found {text:?}")]
    BadLine {
        /// 1-based line number.
        line: usize,
        /// The line.
        text: String,
    },
    /// A key given on two lines (last-wins would hide which one the job used).
    #[error("line {again}: {key} is given again (first on line {first}); keep one line per key, or run `pipeform deploy` again to rewrite the env file")]
    Duplicate {
        /// The key.
        key: String,
        /// 1-based line of its first occurrence.
        first: usize,
        /// 1-based line of the repeat.
        again: usize,
    },
    /// A key the job needs is missing.
    #[error("{0} is missing; run `pipeform deploy` again to rewrite the env file")]
    Missing(&'static str),
    /// A key the job does not know (a typo would otherwise be ignored).
    #[error("line {line}: unknown key {key}")]
    Unknown {
        /// 1-based line number.
        line: usize,
        /// The key.
        key: String,
    },
    /// A value of the wrong form.
    #[error("{key}: {reason}")]
    BadValue {
        /// The key.
        key: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A secret source of the wrong form.
    #[error("bad secret source {0:?}: expected secretsmanager:ARN, env:NAME or file:PATH")]
    BadSecretSource(String),
}

/// Every key the file may hold, in file order.
pub const KEYS: &[&str] = &[
    "PIPEFORM_DB_HOST",
    "PIPEFORM_DB_PORT",
    "PIPEFORM_DB_NAME",
    "PIPEFORM_DB_USER",
    "PIPEFORM_DB_PASSWORD_SOURCE",
    "PIPEFORM_BUCKET",
    "PIPEFORM_CSV_PREFIX",
    "PIPEFORM_LOGS_PREFIX",
    "PIPEFORM_CSV_DIR",
    "PIPEFORM_LOG_DIR",
    "PIPEFORM_REGION",
    "PIPEFORM_ENDPOINT_URL",
    "PIPEFORM_PSEUDONYMISE_FIELDS",
    "PIPEFORM_HMAC_KEY_SOURCE",
    "PIPEFORM_LOG_GROUP",
];

impl JobEnv {
    /// The file's text, keys in a fixed order so an unchanged env renders byte-identical
    /// (deploy compares before writing).
    pub fn render(&self) -> String {
        let mut s = String::from(
            "# Written by `pipeform deploy`; read by `pipeform-job run`. Do not edit by hand.\n",
        );
        let mut put = |k: &str, v: &str| {
            let _ = writeln!(s, "{k}={v}");
        };
        put("PIPEFORM_DB_HOST", &self.db_host);
        put("PIPEFORM_DB_PORT", &self.db_port.to_string());
        put("PIPEFORM_DB_NAME", &self.db_name);
        put("PIPEFORM_DB_USER", &self.db_user);
        put("PIPEFORM_DB_PASSWORD_SOURCE", &self.db_password.render());
        put("PIPEFORM_BUCKET", &self.bucket);
        put("PIPEFORM_CSV_PREFIX", &self.csv_prefix);
        put("PIPEFORM_LOGS_PREFIX", &self.logs_prefix);
        put("PIPEFORM_CSV_DIR", &self.csv_dir);
        put("PIPEFORM_LOG_DIR", &self.log_dir);
        put("PIPEFORM_REGION", &self.region);
        if let Some(url) = &self.endpoint_url {
            put("PIPEFORM_ENDPOINT_URL", url);
        }
        put(
            "PIPEFORM_PSEUDONYMISE_FIELDS",
            &self.pseudonymise_fields.join(","),
        );
        if let Some(src) = &self.hmac_key {
            put("PIPEFORM_HMAC_KEY_SOURCE", &src.render());
        }
        if let Some(group) = &self.log_group {
            put("PIPEFORM_LOG_GROUP", group);
        }
        s
    }

    /// Parses the file's text. Unknown keys are errors: a typo must not silently change the run.
    pub fn parse(text: &str) -> Result<Self, JobEnvError> {
        let mut map = BTreeMap::new();
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (k, v) = line.split_once('=').ok_or_else(|| JobEnvError::BadLine {
                line: i + 1,
                text: raw.to_string(),
            })?;
            let k = k.trim();
            if !KEYS.contains(&k) {
                return Err(JobEnvError::Unknown {
                    line: i + 1,
                    key: k.to_string(),
                });
            }
            if let Some(first) = seen.insert(k, i + 1) {
                return Err(JobEnvError::Duplicate {
                    key: k.to_string(),
                    first,
                    again: i + 1,
                });
            }
            map.insert(k.to_string(), v.trim().to_string());
        }
        Self::from_map(&map)
    }

    /// Builds from a key -> value map (the parsed file, or overrides applied on top of it).
    pub fn from_map(map: &BTreeMap<String, String>) -> Result<Self, JobEnvError> {
        let req = |k: &'static str| -> Result<String, JobEnvError> {
            map.get(k)
                .filter(|v| !v.is_empty())
                .cloned()
                .ok_or(JobEnvError::Missing(k))
        };
        let opt = |k: &str| map.get(k).filter(|v| !v.is_empty()).cloned();
        // The job creates and writes these directories as its user: a relative one would land
        // wherever the job happens to start (root's home, under cron).
        let dir = |k: &'static str| -> Result<String, JobEnvError> {
            let v = req(k)?;
            if !v.starts_with('/') {
                return Err(JobEnvError::BadValue {
                    key: k,
                    reason: format!("{v:?} must be an absolute directory (starting with '/')"),
                });
            }
            if v.chars().any(char::is_control) {
                return Err(JobEnvError::BadValue {
                    key: k,
                    reason: format!("{v:?} contains a control character"),
                });
            }
            Ok(v)
        };
        // The job renders these on every run; one it cannot parse would fail every run.
        let template = |k: &'static str| -> Result<String, JobEnvError> {
            let v = req(k)?;
            PrefixTemplate::parse(&v).map_err(|e| JobEnvError::BadValue {
                key: k,
                reason: format!("{v:?}: {e}"),
            })?;
            Ok(v)
        };
        let port = req("PIPEFORM_DB_PORT")?;
        Ok(Self {
            db_host: req("PIPEFORM_DB_HOST")?,
            db_port: port.parse().map_err(|_| JobEnvError::BadValue {
                key: "PIPEFORM_DB_PORT",
                reason: format!("{port:?} is not a port number"),
            })?,
            db_name: req("PIPEFORM_DB_NAME")?,
            db_user: req("PIPEFORM_DB_USER")?,
            db_password: SecretSource::parse(&req("PIPEFORM_DB_PASSWORD_SOURCE")?)?,
            bucket: req("PIPEFORM_BUCKET")?,
            csv_prefix: template("PIPEFORM_CSV_PREFIX")?,
            logs_prefix: template("PIPEFORM_LOGS_PREFIX")?,
            csv_dir: dir("PIPEFORM_CSV_DIR")?,
            log_dir: dir("PIPEFORM_LOG_DIR")?,
            region: req("PIPEFORM_REGION")?,
            endpoint_url: opt("PIPEFORM_ENDPOINT_URL"),
            pseudonymise_fields: opt("PIPEFORM_PSEUDONYMISE_FIELDS")
                .map(|s| {
                    s.split(',')
                        .map(|f| f.trim().to_string())
                        .filter(|f| !f.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            hmac_key: opt("PIPEFORM_HMAC_KEY_SOURCE")
                .map(|s| SecretSource::parse(&s))
                .transpose()?,
            log_group: opt("PIPEFORM_LOG_GROUP"),
        })
    }

    /// The file as a key -> value map (for applying `deploy --set KEY=VALUE` overrides).
    pub fn to_map(&self) -> BTreeMap<String, String> {
        self.render()
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// True when `key` is one the file may hold.
    pub fn is_known_key(key: &str) -> bool {
        KEYS.contains(&key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> JobEnv {
        JobEnv {
            db_host: "offsets-db.abc.rds.amazonaws.com".into(),
            db_port: 3306,
            db_name: "offsets".into(),
            db_user: "offsets_admin".into(),
            db_password: SecretSource::SecretsManager(
                "arn:aws:secretsmanager:ap-northeast-2:1:secret:x".into(),
            ),
            bucket: "vcm-bucket25".into(),
            csv_prefix: "csv/{date}".into(),
            logs_prefix: "logs/{date}".into(),
            csv_dir: "/var/lib/pipeform/csv".into(),
            log_dir: "/var/log/pipeform".into(),
            region: "ap-northeast-2".into(),
            endpoint_url: None,
            pseudonymise_fields: vec!["user_id".into(), "ip".into()],
            hmac_key: Some(SecretSource::File("/opt/pipeform/hmac.key".into())),
            log_group: Some("/offsets/carbon_log".into()),
        }
    }

    #[test]
    fn round_trips() {
        let env = sample();
        assert_eq!(JobEnv::parse(&env.render()), Ok(env.clone()));
        assert_eq!(JobEnv::from_map(&env.to_map()), Ok(env));
    }

    #[test]
    fn rejects_typos_missing_keys_and_bad_values() {
        let text = sample().render();
        assert_eq!(
            JobEnv::parse(&format!("{text}PIPEFORM_BUKCET=x\n")),
            Err(JobEnvError::Unknown {
                line: 16,
                key: "PIPEFORM_BUKCET".into()
            })
        );
        let without_host: String = text
            .lines()
            .filter(|l| !l.starts_with("PIPEFORM_DB_HOST"))
            .map(|l| format!("{l}\n"))
            .collect();
        assert_eq!(
            JobEnv::parse(&without_host),
            Err(JobEnvError::Missing("PIPEFORM_DB_HOST"))
        );
        let bad_port = text.replace("PIPEFORM_DB_PORT=3306", "PIPEFORM_DB_PORT=x");
        assert!(matches!(
            JobEnv::parse(&bad_port),
            Err(JobEnvError::BadValue { .. })
        ));
        assert!(matches!(
            JobEnv::parse("just words\n"),
            Err(JobEnvError::BadLine { line: 1, .. })
        ));
        for (from, to, key) in [
            (
                "PIPEFORM_CSV_DIR=/var/lib/pipeform/csv",
                "PIPEFORM_CSV_DIR=relcsv/sub",
                "PIPEFORM_CSV_DIR",
            ),
            (
                "PIPEFORM_LOG_DIR=/var/log/pipeform",
                "PIPEFORM_LOG_DIR=log",
                "PIPEFORM_LOG_DIR",
            ),
            (
                "PIPEFORM_CSV_PREFIX=csv/{date}",
                "PIPEFORM_CSV_PREFIX=csv/{week}",
                "PIPEFORM_CSV_PREFIX",
            ),
            (
                "PIPEFORM_LOGS_PREFIX=logs/{date}",
                "PIPEFORM_LOGS_PREFIX=logs/{date",
                "PIPEFORM_LOGS_PREFIX",
            ),
        ] {
            assert!(text.contains(from), "{from}");
            match JobEnv::parse(&text.replace(from, to)) {
                Err(JobEnvError::BadValue { key: k, reason }) => {
                    assert_eq!(k, key, "{to}: {reason}")
                }
                other => panic!("{to}: {other:?}"),
            }
        }
        assert!(SecretSource::parse("vault:x").is_err());
        // An env file from before v2 has no log group: still valid, delivery is off.
        let v1: String = text
            .lines()
            .filter(|l| !l.starts_with("PIPEFORM_LOG_GROUP"))
            .map(|l| format!("{l}\n"))
            .collect();
        assert_eq!(JobEnv::parse(&v1).map(|e| e.log_group), Ok(None));
        assert!(SecretSource::parse("env:").is_err());
    }

    #[test]
    fn a_key_given_twice_is_refused_naming_both_lines() {
        // Last-wins would let a stray line silently redirect the job (another bucket, host).
        let text = format!("{}PIPEFORM_BUCKET=elsewhere\n", sample().render());
        assert_eq!(
            JobEnv::parse(&text),
            Err(JobEnvError::Duplicate {
                key: "PIPEFORM_BUCKET".into(),
                first: 7,
                // The stray line is the file's last.
                again: text.lines().count(),
            })
        );
        let e = JobEnv::parse(&text).unwrap_err().to_string();
        let last = format!("line {}", text.lines().count());
        assert!(e.contains(&last) && e.contains("line 7"), "{e}");
    }
}

//! The files `deploy` installs next to the binary: the job's env file, the cron entry and the
//! CloudWatch agent configuration. Each is rendered here (pure, unit-tested), then installed by
//! a shell fragment that compares before writing, so a rerun reports "already in place".
//!
//! The CloudWatch agent counts as installed when `<agent dir>/bin/amazon-cloudwatch-agent-ctl`
//! is executable (`--agent-dir`, default [`AGENT_DIR`]). Then its config goes to
//! `<agent dir>/etc/pipeform.json` and the agent is reloaded with `amazon-cloudwatch-agent-ctl
//! -a fetch-config -m ec2 -c file:<that file> -s` when the config changed or an earlier reload
//! failed; otherwise the config is only written to `<prefix>/cloudwatch-agent.json`.

use std::collections::BTreeMap;

use crate::config::Stack;
use crate::jobenv::{JobEnv, JobEnvError, KEYS};
use crate::terraform::Outputs;

use super::host_path::{self, HostPathError};
use super::session::sh_quote;

/// Where the CloudWatch agent lives when installed (Amazon Linux package layout).
pub const AGENT_DIR: &str = "/opt/aws/amazon-cloudwatch-agent";

/// The env file cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum EnvError {
    /// `--set` named a key the env file does not have.
    #[error("--set {key}: unknown key; the env file keys are {known}")]
    UnknownKey {
        /// The key.
        key: String,
        /// All keys.
        known: String,
    },
    /// `--set` without `=`, or a value with a newline.
    #[error("--set {0:?}: expected KEY=VALUE on one line")]
    BadOverride(String),
    /// A value has no source.
    #[error("{key} has no value: {hint}")]
    Missing {
        /// The key.
        key: &'static str,
        /// Where it would come from.
        hint: String,
    },
    /// A value of the wrong form.
    #[error("job env file: {0}")]
    Invalid(JobEnvError),
}

/// Parses one `--set KEY=VALUE`.
pub fn parse_override(s: &str) -> Result<(String, String), EnvError> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| EnvError::BadOverride(s.to_string()))?;
    let k = k.trim();
    if v.contains('\n') || v.contains('\r') {
        return Err(EnvError::BadOverride(s.to_string()));
    }
    if !JobEnv::is_known_key(k) {
        return Err(EnvError::UnknownKey {
            key: k.to_string(),
            known: known_keys(),
        });
    }
    Ok((k.to_string(), v.to_string()))
}

fn known_keys() -> String {
    KEYS.join(", ")
}

/// The job's settings: Terraform outputs for what Terraform created, the config for the rest,
/// then `--set` overrides (e.g. a local MariaDB and S3 endpoint for the demo).
pub fn job_env(
    stack: &Stack,
    outputs: Option<&Outputs>,
    overrides: &[(String, String)],
) -> Result<JobEnv, EnvError> {
    let out = |name: &str| {
        outputs
            .and_then(|o| o.string(name))
            .filter(|s| !s.is_empty())
    };
    let mut m: BTreeMap<String, String> = BTreeMap::new();
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            m.insert(k.to_string(), v);
        }
    };
    put("PIPEFORM_DB_HOST", out("rds_address"));
    put(
        "PIPEFORM_DB_PORT",
        Some(out("rds_port").unwrap_or_else(|| "3306".into())),
    );
    put(
        "PIPEFORM_DB_NAME",
        Some(out("rds_database").unwrap_or_else(|| stack.rds.database.clone())),
    );
    put(
        "PIPEFORM_DB_USER",
        Some(out("rds_username").unwrap_or_else(|| stack.rds.username.clone())),
    );
    put(
        "PIPEFORM_DB_PASSWORD_SOURCE",
        out("rds_master_user_secret_arn").map(|arn| format!("secretsmanager:{arn}")),
    );
    put(
        "PIPEFORM_BUCKET",
        Some(out("bucket_name").unwrap_or_else(|| stack.bucket.name.to_string())),
    );
    put(
        "PIPEFORM_CSV_PREFIX",
        Some(stack.bucket.csv_prefix.as_str().to_string()),
    );
    put(
        "PIPEFORM_LOGS_PREFIX",
        Some(stack.bucket.logs_prefix.as_str().to_string()),
    );
    put("PIPEFORM_CSV_DIR", Some(stack.pipeline.csv_dir.clone()));
    put("PIPEFORM_LOG_DIR", Some(stack.pipeline.log_dir.clone()));
    put("PIPEFORM_REGION", Some(stack.project.region.clone()));
    put(
        "PIPEFORM_LOG_GROUP",
        Some(stack.monitoring.log_group.clone()),
    );
    put(
        "PIPEFORM_PSEUDONYMISE_FIELDS",
        Some(stack.pipeline.pseudonymise_fields.join(",")),
    );
    for (k, v) in overrides {
        m.insert(k.clone(), v.clone());
    }
    let env = JobEnv::from_map(&m).map_err(|e| match e {
        JobEnvError::Missing(key) => EnvError::Missing {
            key,
            hint: match key {
                "PIPEFORM_DB_HOST" => {
                    "no `rds_address` Terraform output (apply the stack first, or pass --set PIPEFORM_DB_HOST=HOST)".into()
                }
                "PIPEFORM_DB_PASSWORD_SOURCE" => {
                    "no `rds_master_user_secret_arn` Terraform output (apply the stack first, or pass --set PIPEFORM_DB_PASSWORD_SOURCE=env:NAME|file:PATH|secretsmanager:ARN)".into()
                }
                _ => format!("pass --set {key}=VALUE"),
            },
        },
        other => EnvError::Invalid(other),
    })?;
    // The job refuses to pseudonymise without a key; catch that here, before the host is touched.
    if !env.pseudonymise_fields.is_empty() && env.hmac_key.is_none() {
        return Err(EnvError::Missing {
            key: "PIPEFORM_HMAC_KEY_SOURCE",
            hint: "pipeline.pseudonymise_fields is set, so the job needs an HMAC key: pass \
                   --set PIPEFORM_HMAC_KEY_SOURCE=secretsmanager:ARN|file:PATH|env:NAME"
                .into(),
        });
    }
    Ok(env)
}

/// `/etc/cron.d/pipeform-job`: the schedule is UTC (contract), hence `CRON_TZ`. Cron hands the
/// command to `sh -c`, so every path in it is a quoted word (see [`cron_word`]).
pub fn cron(stack: &Stack, prefix: &str) -> String {
    format!(
        "# Installed by `pipeform deploy`; rerun it instead of editing.\n\
         SHELL=/bin/sh\n\
         PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n\
         CRON_TZ=UTC\n\
         {} {} {} run --env-file {}\n",
        stack.pipeline.schedule,
        stack.pipeline.run_as,
        cron_word(&format!("{prefix}/current/pipeform-job")),
        cron_word(&format!("{prefix}/job.env")),
    )
}

/// One word of a cron command: single-quoted for `sh -c`, and with `%` escaped, which cron
/// otherwise turns into a newline that ends the command (crontab(5)). The prefix is already
/// restricted to characters that need neither; this is the second wall.
pub fn cron_word(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''").replace('%', "\\%"))
}

/// CloudWatch agent configuration shipping `<log_dir>/*.log` to `monitoring.log_group`.
pub fn agent_config(stack: &Stack, log_dir: &str) -> String {
    let doc = serde_json::json!({
        "agent": { "run_as_user": "root" },
        "logs": {
            "logs_collected": {
                "files": {
                    "collect_list": [{
                        "file_path": format!("{}/*.log", log_dir.trim_end_matches('/')),
                        "log_group_name": stack.monitoring.log_group,
                        "log_stream_name": "{instance_id}",
                        "timezone": "UTC"
                    }]
                }
            }
        }
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// Where host files go (overridable so tests never write the real /etc).
#[derive(Debug, Clone)]
pub struct Places {
    /// Install prefix.
    pub prefix: String,
    /// Directory of the cron entry.
    pub cron_dir: String,
    /// CloudWatch agent install directory.
    pub agent_dir: String,
}

impl Places {
    /// The same places, each checked by [`host_path::dir`] (absolute, conservative characters)
    /// and without trailing slashes.
    pub fn validated(&self) -> Result<Self, HostPathError> {
        Ok(Self {
            prefix: host_path::dir("--prefix", &self.prefix)?,
            cron_dir: host_path::dir("--cron-dir", &self.cron_dir)?,
            agent_dir: host_path::dir("--agent-dir", &self.agent_dir)?,
        })
    }
}

/// A shell fragment (for [`super::release::deploy`]) that installs every host file
/// idempotently and prints `@file NAME changed|same PATH` / `@dir ...` / `@agent ...` lines.
///
/// Speed matters here because every deploy runs it: whether a file is already in place is
/// decided from one `sha256sum` and one `stat` over all files, with shell builtins only; a
/// file costs processes only when it has to be written.
pub fn script(stack: &Stack, env: &JobEnv, places: &Places) -> String {
    let run_as = &stack.pipeline.run_as;
    let q = sh_quote;
    let agent_installed = format!("{}/etc/pipeform.json", places.agent_dir);
    let agent_fallback = format!("{}/cloudwatch-agent.json", places.prefix);
    let ctl = format!("{}/bin/amazon-cloudwatch-agent-ctl", places.agent_dir);
    let agent_pending = format!("{}/etc/.pipeform.json.restart-pending", places.agent_dir);
    let files: Vec<(&str, String, &str, &str, String)> = vec![
        (
            "job.env",
            format!("{}/job.env", places.prefix),
            "600",
            run_as.as_str(),
            env.render(),
        ),
        (
            "cron",
            format!("{}/pipeform-job", places.cron_dir),
            "644",
            ADMIN,
            cron(stack, &places.prefix),
        ),
    ];
    let agent = agent_config(stack, &env.log_dir);
    let mut all_paths: Vec<String> = files.iter().map(|f| q(&f.1)).collect();
    all_paths.push(q(&agent_installed));
    all_paths.push(q(&agent_fallback));
    let all_paths = all_paths.join(" ");
    let mut s = format!(
        r#"nl='
'
admin=$(id -un)
sums=$(sha256sum -- {all_paths} 2>/dev/null || true)
stats=$(stat -c '%a %U %n' -- {all_paths} 2>/dev/null || true)
has() {{ case "$nl$1$nl" in *"$nl$2$nl"*) return 0 ;; esac; return 1; }}
put_file() {{ # name path mode owner sha256 content
  if has "$sums" "$5  $2" && has "$stats" "$3 $4 $2"; then
    changed=0; echo "@file $1 same $2"; return 0
  fi
  d=${{2%/*}}; [ -d "$d" ] || mkdir -p "$d"
  t="$d/.${{2##*/}}.pf-$$"
  # Created 0600 (umask 077) and exclusively (set -C: never through a planted link), then
  # given its owner and mode, then renamed over the old file. The content is a shell
  # variable written by the printf builtin: it is in no process's argv.
  rm -f "$t"
  umask 077; set -C
  printf '%s' "$6" > "$t"
  set +C; umask 022
  if ! {{ chown "$4" "$t" && chmod "$3" "$t" && mv -f "$t" "$2"; }}; then
    rm -f "$t"
    echo "cannot install $2 (owner $4, mode $3)" >&2
    exit 1
  fi
  changed=1; echo "@file $1 changed $2"
}}
make_dir() {{ # name path owner
  if [ -d "$2" ]; then echo "@dir $1 same $2"; else mkdir -p "$2"; chown "$3" "$2"; echo "@dir $1 changed $2"; fi
}}
"#
    );
    let put = |name: &str, path: &str, mode: &str, owner: &str, content: &str| {
        // The admin owner is a shell variable, not a literal name.
        let owner = if owner == ADMIN {
            ADMIN.to_string()
        } else {
            q(owner)
        };
        format!(
            "put_file {} {} {mode} {owner} {} {}\n",
            q(name),
            q(path),
            sha256_hex(content.as_bytes()),
            q(content)
        )
    };
    for (name, path, mode, owner, content) in &files {
        s.push_str(&put(name, path, mode, owner, content));
    }
    // The agent is restarted when its config changed, or when an earlier restart failed (the
    // pending marker stays until one succeeds): an unchanged config is not proof it was loaded.
    s.push_str(&format!(
        "if [ -x {ctl} ]; then\n  {}  if [ \"$changed\" = 1 ] || [ -e {pending} ]; then\n    : > {pending}\n    if {ctl} -a fetch-config -m ec2 -c file:{installed} -s >/dev/null 2>&1; then rm -f {pending}; echo \"@agent restarted\"; else echo \"@agent restart-failed\"; fi\n  else echo \"@agent unchanged\"; fi\nelse\n  {}  echo \"@agent absent\"\nfi\n",
        put("agent-config", &agent_installed, "644", ADMIN, &agent),
        put("agent-config", &agent_fallback, "644", ADMIN, &agent),
        ctl = q(&ctl),
        installed = q(&agent_installed),
        pending = q(&agent_pending),
    ));
    // The env file's directories, not the config's: `--set` may have moved them.
    for (name, path) in [("csv_dir", &env.csv_dir), ("log_dir", &env.log_dir)] {
        s.push_str(&format!("make_dir {name} {} {}\n", q(path), q(run_as)));
    }
    s
}

/// Owner of the cron entry and agent config: root when deploying with privileges (cron ignores
/// entries not owned by root), otherwise the login user (`--sudo never` into user-owned dirs).
const ADMIN: &str = "\"$admin\"";

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_are_checked_against_the_env_file_keys() {
        assert_eq!(
            parse_override("PIPEFORM_DB_HOST=127.0.0.1").ok(),
            Some(("PIPEFORM_DB_HOST".into(), "127.0.0.1".into()))
        );
        assert_eq!(
            parse_override("PIPEFORM_ENDPOINT_URL=").ok(),
            Some(("PIPEFORM_ENDPOINT_URL".into(), String::new()))
        );
        assert!(matches!(
            parse_override("PIPEFORM_BUKCET=x"),
            Err(EnvError::UnknownKey { .. })
        ));
        assert!(matches!(
            parse_override("PIPEFORM_BUCKET"),
            Err(EnvError::BadOverride(_))
        ));
        assert!(matches!(
            parse_override("PIPEFORM_BUCKET=a\nPIPEFORM_DB_HOST=b"),
            Err(EnvError::BadOverride(_))
        ));
        assert!(KEYS.iter().all(|k| JobEnv::is_known_key(k)));
    }

    #[test]
    fn the_cron_line_quotes_its_paths_and_escapes_percent() {
        let stack = crate::config::load(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/pipeform.toml"),
        )
        .expect("example config");
        let line = cron(&stack, "/opt/pipeform");
        assert!(
            line.contains(
                " '/opt/pipeform/current/pipeform-job' run --env-file '/opt/pipeform/job.env'\n"
            ),
            "{line}"
        );
        assert_eq!(cron_word("/a b%c'd"), "'/a b\\%c'\\''d'");
    }

    #[test]
    fn places_are_validated_as_host_paths() {
        let ok = Places {
            prefix: "/opt/pipeform/".into(),
            cron_dir: "/etc/cron.d".into(),
            agent_dir: AGENT_DIR.into(),
        };
        assert_eq!(ok.validated().expect("valid").prefix, "/opt/pipeform");
        let bad = Places {
            cron_dir: "/etc/cron.d;x".into(),
            ..ok
        };
        let err = bad.validated().unwrap_err().to_string();
        assert!(err.contains("--cron-dir") && err.contains("';'"), "{err}");
    }

    #[test]
    fn directories_and_agent_follow_the_env_file_after_set_overrides() {
        let stack = crate::config::load(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/pipeform.toml"),
        )
        .expect("example config");
        let overrides = vec![
            ("PIPEFORM_DB_HOST".to_string(), "127.0.0.1".to_string()),
            (
                "PIPEFORM_DB_PASSWORD_SOURCE".to_string(),
                "env:PW".to_string(),
            ),
            ("PIPEFORM_CSV_DIR".to_string(), "/srv/demo/csv".to_string()),
            ("PIPEFORM_LOG_DIR".to_string(), "/srv/demo/log".to_string()),
        ];
        let env = job_env(&stack, None, &overrides).expect("env");
        let places = Places {
            prefix: "/opt/pipeform".into(),
            cron_dir: "/etc/cron.d".into(),
            agent_dir: "/opt/aws/amazon-cloudwatch-agent".into(),
        };
        let script = script(&stack, &env, &places);
        assert!(
            script.contains("make_dir csv_dir /srv/demo/csv "),
            "{script}"
        );
        assert!(
            script.contains("make_dir log_dir /srv/demo/log "),
            "{script}"
        );
        assert!(
            !script.contains("/var/lib/pipeform/csv"),
            "config dir leaked: {script}"
        );
        assert!(agent_config(&stack, &env.log_dir).contains("/srv/demo/log/*.log"));
    }
}

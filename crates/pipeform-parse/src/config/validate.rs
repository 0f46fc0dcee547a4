//! Raw sections -> [`Stack`]: every rule applied, every problem collected with its key path.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use ipnet::Ipv4Net;

use super::cron;
use super::error::Problem;
use super::overlap;
use super::raw::{
    RawApp, RawBucket, RawConfig, RawMonitoring, RawNat, RawNetwork, RawPipeline, RawProject,
    RawRds,
};
use super::rules;
use super::stack::*;
use super::values::{BucketName, RetentionDays};

/// Default of `pipeline.csv_dir`.
pub const DEFAULT_CSV_DIR: &str = "/var/lib/pipeform/csv";
/// Default of `pipeline.log_dir`.
pub const DEFAULT_LOG_DIR: &str = "/var/log/pipeform";
/// Default of `rds.allocated_storage` (GiB).
pub const DEFAULT_ALLOCATED_STORAGE: u32 = 20;
/// `monitoring.success_pattern` when unset: the job's success line.
pub const DEFAULT_SUCCESS_PATTERN: &str = "JOB_STATUS=SUCCEEDED";
/// `monitoring.missed_run_grace_minutes` when unset.
pub const DEFAULT_MISSED_RUN_GRACE_MINUTES: u32 = 60;

/// An example value for each required key, shown when the key is missing.
fn example(key: &str) -> &'static str {
    match key {
        "project.name" => "\"offsets\"",
        "project.region" => "\"ap-northeast-2\"",
        "project.environment" => "\"prod\"",
        "network.vpc_cidr" => "\"10.20.0.0/16\"",
        "network.availability_zones" => "[\"ap-northeast-2a\", \"ap-northeast-2c\"]",
        "network.public_subnets" => "[\"10.20.1.0/24\", \"10.20.2.0/24\"]",
        "network.db_subnets" => "[\"10.20.101.0/24\", \"10.20.102.0/24\"]",
        "nat.instance_type" => "\"t3.nano\"",
        "app.instance_type" => "\"t3.small\"",
        "app.ssh_user" => "\"ubuntu\"",
        "app.ssh_allowed_cidrs" => "[\"203.0.113.10/32\"]",
        "app.public_key_path" => "\"keys/offsets.pub\"",
        "rds.identifier" => "\"offsets-db\"",
        "rds.instance_class" => "\"db.t3.micro\"",
        "rds.engine_version" => "\"8.0\"",
        "rds.database" => "\"offsets\"",
        "rds.username" => "\"offsets_admin\"",
        "monitoring.log_group" => "\"/offsets/carbon_log\"",
        "monitoring.retention_days" => "30",
        "monitoring.failure_pattern" => "\"JOB_STATUS=FAILED\"",
        "monitoring.metric_namespace" => "\"OffsetsPipeline\"",
        "monitoring.metric_name" => "\"CarbonUnifiedJobFailed\"",
        "monitoring.alarm_name" => "\"carbon-unified-job-failed-alarm\"",
        "monitoring.alarm_period_seconds" => "300",
        "monitoring.topic_name" => "\"offsets-alerts\"",
        "monitoring.alert_emails" => "[\"ops@example.com\"]",
        "bucket.name" => "\"vcm-bucket25\"",
        "bucket.csv_prefix" => "\"csv/{date}\"",
        "bucket.logs_prefix" => "\"logs/{date}\"",
        "bucket.freshness_hours" => "26",
        "pipeline.schedule" => "\"0 3 * * *\"",
        _ => "…",
    }
}

/// Collects problems with the line of the key they concern.
struct Checker<'a> {
    lines: &'a HashMap<String, usize>,
    reported: &'a HashSet<String>,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    fn line(&self, key: &str) -> Option<usize> {
        let base = key.split('[').next().unwrap_or(key);
        let section = base.split('.').next().unwrap_or(base);
        self.lines
            .get(base)
            .or_else(|| self.lines.get(section))
            .copied()
    }

    fn push(&mut self, key: &str, message: impl Into<String>) {
        self.push_with_help(key, message, None);
    }

    /// A problem with a `help:` line (what to add), shown under its source line.
    fn push_with_help(&mut self, key: &str, message: impl Into<String>, help: Option<String>) {
        self.problems.push(Problem {
            key: key.to_string(),
            line: self.line(key),
            message: message.into(),
            span: None,
            help,
        });
    }

    /// A required key: reports it missing (unless its whole section is, which is reported
    /// once already).
    fn required<T>(&mut self, key: &str, value: Option<T>) -> Option<T> {
        if value.is_none() {
            let section = key.split('.').next().unwrap_or(key);
            // `section.*`: the whole section was refused (too many keys) and reported once.
            if self.lines.contains_key(section)
                && !self.reported.contains(key)
                && !self.reported.contains(&format!("{section}.*"))
            {
                let name = key.split('.').nth(1).unwrap_or(key);
                self.push_with_help(
                    key,
                    "missing",
                    Some(format!(
                        "add e.g. `{name} = {}` under [{section}]",
                        example(key)
                    )),
                );
            }
        }
        value
    }

    /// A required key checked by a rule.
    fn rule<T, U>(
        &mut self,
        key: &str,
        value: Option<T>,
        rule: impl FnOnce(T) -> Result<U, String>,
    ) -> Option<U> {
        let value = self.required(key, value)?;
        self.apply(key, value, rule)
    }

    /// An optional key checked by a rule when present.
    fn optional<T, U>(
        &mut self,
        key: &str,
        value: Option<T>,
        rule: impl FnOnce(T) -> Result<U, String>,
    ) -> Result<Option<U>, ()> {
        match value {
            None => Ok(None),
            Some(v) => self.apply(key, v, rule).map(Some).ok_or(()),
        }
    }

    fn apply<T, U>(
        &mut self,
        key: &str,
        value: T,
        rule: impl FnOnce(T) -> Result<U, String>,
    ) -> Option<U> {
        match rule(value) {
            Ok(u) => Some(u),
            Err(e) => {
                self.push(key, e);
                None
            }
        }
    }

    /// Each element of a list checked by a rule, each bad one reported as `key[i]`.
    fn list<U>(
        &mut self,
        key: &str,
        items: &[String],
        rule: impl Fn(&str) -> Result<U, String>,
    ) -> Option<Vec<U>> {
        if items.len() > super::MAX_LIST_LEN {
            self.push(
                key,
                format!(
                    "lists {} entries; at most {} are accepted (a real stack lists a handful)",
                    items.len(),
                    super::MAX_LIST_LEN
                ),
            );
            return None;
        }
        let mut out = Vec::new();
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            match rule(item) {
                Ok(u) => out.push(u),
                Err(e) => {
                    ok = false;
                    self.push(&format!("{key}[{i}]"), e);
                }
            }
        }
        ok.then_some(out)
    }

    /// A required, non-empty list, each element checked.
    fn non_empty_list<U>(
        &mut self,
        key: &str,
        items: Option<Vec<String>>,
        rule: impl Fn(&str) -> Result<U, String>,
    ) -> Option<Vec<U>> {
        let items = self.required(key, items)?;
        if items.is_empty() {
            self.push(
                key,
                format!("is empty; list at least one, e.g. {}", example(key)),
            );
            return None;
        }
        self.list(key, &items, rule)
    }
}

/// Validates the raw config read from `source` into a [`Stack`], or returns every problem.
pub(crate) fn validate(
    raw: RawConfig,
    source: &Path,
    mut problems: Vec<Problem>,
) -> Result<Stack, Vec<Problem>> {
    let mut c = Checker {
        lines: &raw.lines,
        reported: &raw.reported,
        problems: Vec::new(),
    };
    let project = project(&mut c, raw.project);
    let region = project.as_ref().map(|p| p.region.clone());
    let network = network(&mut c, raw.network, region.as_deref());
    let nat = nat(&mut c, raw.nat);
    let app = app(&mut c, raw.app, source);
    let rds = rds(&mut c, raw.rds);
    let monitoring = monitoring(&mut c, raw.monitoring);
    let bucket = bucket(&mut c, raw.bucket);
    let ssh_user = app.as_ref().map(|a| a.ssh_user.clone());
    let pipeline = pipeline(&mut c, raw.pipeline, ssh_user);
    problems.append(&mut c.problems);
    // Problems without a line (missing sections) first, then in file order.
    problems.sort_by_key(|p| p.line.unwrap_or(0));
    match (
        project, network, nat, app, rds, monitoring, bucket, pipeline,
    ) {
        (
            Some(project),
            Some(network),
            Some(nat),
            Some(app),
            Some(rds),
            Some(monitoring),
            Some(bucket),
            Some(pipeline),
        ) if problems.is_empty() => Ok(Stack {
            source: source.to_path_buf(),
            project,
            network,
            nat,
            app,
            rds,
            monitoring,
            bucket,
            pipeline,
        }),
        _ => Err(problems),
    }
}

fn project(c: &mut Checker, raw: RawProject) -> Option<Project> {
    let name = c.rule("project.name", raw.name, |s| rules::project_name(&s));
    let region = c.rule("project.region", raw.region, |s| rules::region(&s));
    let environment = c.rule("project.environment", raw.environment, |s| {
        rules::environment(&s)
    });
    Some(Project {
        name: name?,
        region: region?,
        environment: environment?,
    })
}

fn network(c: &mut Checker, raw: RawNetwork, region: Option<&str>) -> Option<Network> {
    let vpc = c.rule("network.vpc_cidr", raw.vpc_cidr, |s| rules::ipv4_cidr(&s));
    let zones = c.non_empty_list("network.availability_zones", raw.availability_zones, |s| {
        match region {
            Some(r) => rules::availability_zone(s, r),
            // Without a valid region only the shape can be checked; the region's own problem
            // is reported at project.region.
            None => Ok(s.to_string()),
        }
    });
    if let Some(zones) = &zones {
        let mut seen = HashSet::new();
        for (i, z) in zones.iter().enumerate() {
            if !seen.insert(z) {
                c.push(
                    &format!("network.availability_zones[{i}]"),
                    format!("{z:?} is listed twice; list each availability zone once"),
                );
            }
        }
        if zones.len() < 2 {
            c.push(
                "network.availability_zones",
                "lists one zone; an RDS subnet group needs subnets in at least two availability zones",
            );
        }
    }
    let public = c.non_empty_list(
        "network.public_subnets",
        raw.public_subnets,
        rules::ipv4_cidr,
    );
    let db = c.non_empty_list("network.db_subnets", raw.db_subnets, rules::ipv4_cidr);
    for (key, list) in [
        ("network.public_subnets", &public),
        ("network.db_subnets", &db),
    ] {
        if let (Some(list), Some(zones)) = (list, &zones) {
            if list.len() != zones.len() {
                c.push(
                    key,
                    format!(
                        "has {} subnet{} for {} availability zones; list exactly one per zone, in the order of network.availability_zones",
                        list.len(),
                        if list.len() == 1 { "" } else { "s" },
                        zones.len()
                    ),
                );
            }
        }
    }
    let all: Vec<(String, Ipv4Net)> = [
        ("network.public_subnets", &public),
        ("network.db_subnets", &db),
    ]
    .into_iter()
    .filter_map(|(key, list)| list.as_ref().map(|l| (key, l)))
    .flat_map(|(key, list)| {
        list.iter()
            .enumerate()
            .map(move |(i, n)| (format!("{key}[{i}]"), *n))
    })
    .collect();
    if let Some(vpc) = vpc {
        for (key, net) in &all {
            if !vpc.contains(net) {
                c.push(
                    key,
                    format!(
                        "{net} is outside vpc_cidr {vpc}; pick a range inside it (e.g. {})",
                        vpc.subnets(24.max(vpc.prefix_len()))
                            .ok()
                            .and_then(|mut s| s.next())
                            .map_or_else(|| vpc.to_string(), |s| s.to_string())
                    ),
                );
            }
        }
    }
    let nets: Vec<Ipv4Net> = all.iter().map(|(_, net)| *net).collect();
    for (i, j) in overlap::overlapping(&nets) {
        let ((key, net), (other_key, other)) = (&all[i], &all[j]);
        c.push(
            key,
            format!(
                "{net} overlaps {other_key} ({other}); every subnet needs its own address range"
            ),
        );
    }
    Some(Network {
        vpc_cidr: vpc?,
        availability_zones: zones?,
        public_subnets: public?,
        db_subnets: db?,
    })
}

fn nat(c: &mut Checker, raw: RawNat) -> Option<Nat> {
    let instance_type = c.rule("nat.instance_type", raw.instance_type, |s| {
        rules::ec2_instance_type(&s)
    });
    let ami_id = c.optional("nat.ami_id", raw.ami_id, |s| rules::ami_id(&s));
    Some(Nat {
        instance_type: instance_type?,
        ami_id: ami_id.ok()?,
    })
}

/// Resolves a key path against the config file's directory (and `~/` against `$HOME`).
fn resolve(path: &str, source: &Path) -> PathBuf {
    if let (Some(rest), Some(home)) = (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        return PathBuf::from(home).join(rest);
    }
    let dir = source.parent().filter(|d| !d.as_os_str().is_empty());
    match dir {
        Some(dir) => dir.join(path),
        None => PathBuf::from(path),
    }
}

fn app(c: &mut Checker, raw: RawApp, source: &Path) -> Option<App> {
    let instance_type = c.rule("app.instance_type", raw.instance_type, |s| {
        rules::ec2_instance_type(&s)
    });
    let ami_id = c.optional("app.ami_id", raw.ami_id, |s| rules::ami_id(&s));
    let ssh_user = c.rule("app.ssh_user", raw.ssh_user, |s| rules::unix_user(&s));
    let cidrs = c.non_empty_list(
        "app.ssh_allowed_cidrs",
        raw.ssh_allowed_cidrs,
        rules::ssh_cidr,
    );
    let key = c.rule("app.public_key_path", raw.public_key_path, |s| {
        rules::key_path(&s).map(|p| resolve(&p, source))
    });
    Some(App {
        instance_type: instance_type?,
        ami_id: ami_id.ok()?,
        ssh_user: ssh_user?,
        ssh_allowed_cidrs: cidrs?,
        public_key_path: key?,
    })
}

fn rds(c: &mut Checker, raw: RawRds) -> Option<Rds> {
    let identifier = c.rule("rds.identifier", raw.identifier, |s| {
        rules::rds_identifier(&s)
    });
    let class = c.rule("rds.instance_class", raw.instance_class, |s| {
        rules::rds_instance_class(&s)
    });
    let version = c.rule("rds.engine_version", raw.engine_version, |s| {
        rules::engine_version(&s)
    });
    let database = c.rule("rds.database", raw.database, |s| rules::rds_database(&s));
    let username = c.rule("rds.username", raw.username, |s| rules::rds_username(&s));
    let storage = c.optional(
        "rds.allocated_storage",
        raw.allocated_storage,
        rules::allocated_storage,
    );
    Some(Rds {
        identifier: identifier?,
        instance_class: class?,
        engine_version: version?,
        database: database?,
        username: username?,
        allocated_storage: storage.ok()?.unwrap_or(DEFAULT_ALLOCATED_STORAGE),
        deletion_protection: raw.deletion_protection.unwrap_or(true),
        skip_final_snapshot: raw.skip_final_snapshot.unwrap_or(false),
    })
}

fn monitoring(c: &mut Checker, raw: RawMonitoring) -> Option<Monitoring> {
    let log_group = c.rule("monitoring.log_group", raw.log_group, |s| {
        rules::log_group(&s)
    });
    let retention = c.rule(
        "monitoring.retention_days",
        raw.retention_days,
        RetentionDays::new,
    );
    let pattern = c.rule("monitoring.failure_pattern", raw.failure_pattern, |s| {
        rules::printable(&s, "metric filter pattern", 1024, "JOB_STATUS=FAILED")
    });
    let namespace = c.rule("monitoring.metric_namespace", raw.metric_namespace, |s| {
        rules::metric_namespace(&s)
    });
    let metric = c.rule("monitoring.metric_name", raw.metric_name, |s| {
        let metric = rules::metric_name(&s)?;
        // The success metric is named after it and must pass the same rule.
        let derived = success_metric_of(&metric);
        rules::metric_name(&derived).map_err(|why| {
            format!("leaves no room for the success metric named after it: {why}; shorten it")
        })?;
        Ok(metric)
    });
    let alarm = c.rule("monitoring.alarm_name", raw.alarm_name, |s| {
        rules::printable(&s, "alarm name", 255, "carbon-unified-job-failed-alarm")
    });
    let period = c.rule(
        "monitoring.alarm_period_seconds",
        raw.alarm_period_seconds,
        rules::alarm_period,
    );
    let topic = c.rule("monitoring.topic_name", raw.topic_name, |s| {
        rules::topic_name(&s)
    });
    let emails = c.non_empty_list("monitoring.alert_emails", raw.alert_emails, rules::email);
    let success = c.optional("monitoring.success_pattern", raw.success_pattern, |s| {
        rules::printable(&s, "metric filter pattern", 1024, DEFAULT_SUCCESS_PATTERN)
    });
    let missed_name = c.optional(
        "monitoring.missed_run_alarm_name",
        raw.missed_run_alarm_name,
        |s| {
            rules::printable(
                &s,
                "alarm name",
                255,
                "carbon-unified-job-failed-alarm-missed",
            )
        },
    );
    let grace = c.optional(
        "monitoring.missed_run_grace_minutes",
        raw.missed_run_grace_minutes,
        rules::grace_minutes,
    );
    let alarm = alarm?;
    let missed_run_alarm_name = match missed_name.ok()? {
        Some(n) => n,
        None => {
            let derived = format!("{alarm}-missed");
            if derived.chars().count() > 255 {
                c.push(
                    "monitoring.missed_run_alarm_name",
                    format!(
                        "the default {derived:?} is longer than 255 characters; set a shorter name"
                    ),
                );
                return None;
            }
            derived
        }
    };
    Some(Monitoring {
        log_group: log_group?,
        retention_days: retention?,
        failure_pattern: pattern?,
        metric_namespace: namespace?,
        metric_name: metric?,
        alarm_name: alarm,
        alarm_period_seconds: period?,
        topic_name: topic?,
        alert_emails: emails?,
        success_pattern: success
            .ok()?
            .unwrap_or_else(|| DEFAULT_SUCCESS_PATTERN.into()),
        missed_run_alarm_name,
        missed_run_grace_minutes: grace.ok()?.unwrap_or(DEFAULT_MISSED_RUN_GRACE_MINUTES),
        missed_run_alarm: raw.missed_run_alarm.unwrap_or(true),
    })
}

fn bucket(c: &mut Checker, raw: RawBucket) -> Option<Bucket> {
    let name = c.rule("bucket.name", raw.name, |s| BucketName::parse(&s));
    let csv = c.rule("bucket.csv_prefix", raw.csv_prefix, |s| {
        rules::prefix_template(&s)
    });
    let logs = c.rule("bucket.logs_prefix", raw.logs_prefix, |s| {
        rules::prefix_template(&s)
    });
    if let (Some(csv), Some(logs)) = (&csv, &logs) {
        if csv.static_prefix() == logs.static_prefix() {
            c.push(
                "bucket.logs_prefix",
                format!(
                    "{:?} starts like csv_prefix {:?}; give CSVs and logs different leading folders (e.g. \"csv/{{date}}\" and \"logs/{{date}}\")",
                    logs.as_str(),
                    csv.as_str()
                ),
            );
        }
    }
    let freshness = c.rule(
        "bucket.freshness_hours",
        raw.freshness_hours,
        rules::freshness_hours,
    );
    Some(Bucket {
        name: name?,
        csv_prefix: csv?,
        logs_prefix: logs?,
        freshness_hours: freshness?,
        force_destroy: raw.force_destroy.unwrap_or(false),
        require_tls: raw.require_tls.unwrap_or(true),
    })
}

fn pipeline(c: &mut Checker, raw: RawPipeline, ssh_user: Option<String>) -> Option<Pipeline> {
    let schedule = c.rule("pipeline.schedule", raw.schedule, |s| cron::validate(&s));
    let csv_dir = c.apply(
        "pipeline.csv_dir",
        raw.csv_dir.unwrap_or_else(|| DEFAULT_CSV_DIR.into()),
        |s| rules::host_dir(&s),
    );
    let log_dir = c.apply(
        "pipeline.log_dir",
        raw.log_dir.unwrap_or_else(|| DEFAULT_LOG_DIR.into()),
        |s| rules::host_dir(&s),
    );
    if let (Some(a), Some(b)) = (&csv_dir, &log_dir) {
        if a == b {
            c.push(
                "pipeline.log_dir",
                format!("is the same directory as pipeline.csv_dir ({a}); the job ships each separately, so give them different directories"),
            );
        }
    }
    let run_as = c.optional("pipeline.run_as", raw.run_as, |s| rules::unix_user(&s));
    let fields = c.list(
        "pipeline.pseudonymise_fields",
        &raw.pseudonymise_fields.unwrap_or_default(),
        rules::field_name,
    );
    Some(Pipeline {
        schedule: schedule?,
        csv_dir: csv_dir?,
        log_dir: log_dir?,
        run_as: run_as.ok()?.or(ssh_user)?,
        pseudonymise_fields: fields?,
    })
}

//! The validated stack: what every command works from.

use std::path::PathBuf;

use ipnet::Ipv4Net;

use super::{BucketName, RetentionDays};

use crate::prefix::PrefixTemplate;

/// A whole, valid stack config.
#[derive(Debug, Clone)]
pub struct Stack {
    /// The file it was read from (for messages).
    pub source: PathBuf,
    /// `[project]`.
    pub project: Project,
    /// `[network]`.
    pub network: Network,
    /// `[nat]`.
    pub nat: Nat,
    /// `[app]`.
    pub app: App,
    /// `[rds]`.
    pub rds: Rds,
    /// `[monitoring]`.
    pub monitoring: Monitoring,
    /// `[bucket]`.
    pub bucket: Bucket,
    /// `[pipeline]`.
    pub pipeline: Pipeline,
}

/// `[project]`.
#[derive(Debug, Clone)]
pub struct Project {
    /// `^[a-z][a-z0-9-]{1,20}$`; the `Project` tag.
    pub name: String,
    /// AWS region, e.g. `ap-northeast-2`.
    pub region: String,
    /// The `Environment` tag.
    pub environment: String,
}

/// `[network]`.
#[derive(Debug, Clone)]
pub struct Network {
    /// The VPC range.
    pub vpc_cidr: Ipv4Net,
    /// One public and one DB subnet per zone, in this order.
    pub availability_zones: Vec<String>,
    /// Inside `vpc_cidr`, no overlaps.
    pub public_subnets: Vec<Ipv4Net>,
    /// Inside `vpc_cidr`, no overlaps.
    pub db_subnets: Vec<Ipv4Net>,
}

/// `[nat]`.
#[derive(Debug, Clone)]
pub struct Nat {
    /// EC2 instance type of the NAT instance.
    pub instance_type: String,
    /// AMI; `None` lets the root module look one up.
    pub ami_id: Option<String>,
}

/// `[app]`.
#[derive(Debug, Clone)]
pub struct App {
    /// EC2 instance type of the app host.
    pub instance_type: String,
    /// AMI; `None` lets the root module look one up.
    pub ami_id: Option<String>,
    /// User `deploy` logs in as.
    pub ssh_user: String,
    /// Who may reach port 22: IPv4 ranges (the security group rule is IPv4), never a `/0`.
    pub ssh_allowed_cidrs: Vec<Ipv4Net>,
    /// Public key for the key pair, resolved against the config file's directory.
    pub public_key_path: PathBuf,
}

/// `[rds]`.
#[derive(Debug, Clone)]
pub struct Rds {
    /// DB instance identifier.
    pub identifier: String,
    /// DB instance class, e.g. `db.t3.micro`.
    pub instance_class: String,
    /// MySQL engine version, e.g. `8.0`.
    pub engine_version: String,
    /// Initial database name.
    pub database: String,
    /// Master user name (its password is managed by RDS in Secrets Manager).
    pub username: String,
    /// Storage in GiB.
    pub allocated_storage: u32,
    /// Refuse deletion (default true).
    pub deletion_protection: bool,
    /// Destroy without a final snapshot (default false).
    pub skip_final_snapshot: bool,
}

/// `[monitoring]`.
#[derive(Debug, Clone)]
pub struct Monitoring {
    /// CloudWatch log group of the job.
    pub log_group: String,
    /// One of the values CloudWatch Logs accepts.
    pub retention_days: RetentionDays,
    /// Metric filter pattern.
    pub failure_pattern: String,
    /// Metric namespace the filter emits to.
    pub metric_namespace: String,
    /// Metric name the filter emits.
    pub metric_name: String,
    /// CloudWatch alarm name.
    pub alarm_name: String,
    /// Alarm period: a multiple of 60 from 60 to 86400.
    pub alarm_period_seconds: u32,
    /// SNS topic name.
    pub topic_name: String,
    /// E-mail subscribers of the topic.
    pub alert_emails: Vec<String>,
    /// Filter pattern of a succeeded run (default `JOB_STATUS=SUCCEEDED`).
    pub success_pattern: String,
    /// Name of the missed-run alarm (default `<alarm_name>-missed`).
    pub missed_run_alarm_name: String,
    /// Minutes added to the schedule's longest gap before a missing run alarms (default 60).
    pub missed_run_grace_minutes: u32,
    /// Make the missed-run alarm (default true; false turns it off on purpose).
    pub missed_run_alarm: bool,
}

impl Monitoring {
    /// The metric the success filter emits (in `metric_namespace`): derived, so one config
    /// key names both metrics of the stack.
    pub fn success_metric_name(&self) -> String {
        success_metric_of(&self.metric_name)
    }
}

/// The success metric's name for a failure metric's name (validation checks it fits too).
pub(crate) fn success_metric_of(metric_name: &str) -> String {
    format!("{metric_name}-Succeeded")
}

/// `[bucket]`.
#[derive(Debug, Clone)]
pub struct Bucket {
    /// S3 bucket name (naming rules checked).
    pub name: BucketName,
    /// Where CSVs go, e.g. `csv/{date}`.
    pub csv_prefix: PrefixTemplate,
    /// Where logs go, e.g. `logs/{date}`.
    pub logs_prefix: PrefixTemplate,
    /// How old the newest dated prefix may be.
    pub freshness_hours: u32,
    /// Let `terraform destroy` delete a non-empty bucket (default false).
    pub force_destroy: bool,
    /// Deny S3 requests without TLS (default true; only a plain-HTTP testbed turns it off).
    pub require_tls: bool,
}

/// `[pipeline]`.
#[derive(Debug, Clone)]
pub struct Pipeline {
    /// Five-field cron expression, UTC.
    pub schedule: String,
    /// Directory on the app host whose `*.csv` files the job loads and ships.
    pub csv_dir: String,
    /// Directory on the app host for the job's own log (and other logs to ship).
    pub log_dir: String,
    /// User the job runs as (owner of the env file).
    pub run_as: String,
    /// Log fields pseudonymised with HMAC-SHA256 before shipping.
    pub pseudonymise_fields: Vec<String>,
}

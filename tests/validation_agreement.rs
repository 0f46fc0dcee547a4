//! One rule, one place: for every root-module variable with a `validation` block, edge values
//! (just inside, just outside) go through both `pipeform render` (as a config file) and
//! `terraform plan` (a throwaway root module holding a copy of `terraform/variables.tf` and one
//! output, so no provider is needed), and the two must agree. The variables are read from
//! `terraform/variables.tf` itself, so a new validation without edge cases here fails the test.

mod support;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::{Map, Value};

/// One edge value: edits to the example config, and whether it is just inside the rules.
struct Case {
    /// The root variable it probes.
    var: &'static str,
    /// (from, to) substitutions in `examples/pipeform.toml`.
    edits: &'static [(&'static str, &'static str)],
    /// Replaces the example's public key file.
    key_file: Option<&'static str>,
    /// When render refuses, the variables Terraform is given instead (a JSON object); without
    /// it, `var` takes the value of the first edit's right-hand side.
    tf: Option<&'static str>,
    /// Both must accept it (true) or both refuse it, naming it (false).
    inside: bool,
}

const fn case(
    var: &'static str,
    edits: &'static [(&'static str, &'static str)],
    inside: bool,
) -> Case {
    Case {
        var,
        edits,
        key_file: None,
        tf: None,
        inside,
    }
}

const fn with_tf(
    var: &'static str,
    edits: &'static [(&'static str, &'static str)],
    tf: &'static str,
    inside: bool,
) -> Case {
    Case {
        var,
        edits,
        key_file: None,
        tf: Some(tf),
        inside,
    }
}

const fn key(content: &'static str, tf: &'static str, inside: bool) -> Case {
    Case {
        var: "ssh_public_key",
        edits: &[],
        key_file: Some(content),
        tf: Some(tf),
        inside,
    }
}

/// The config key render names for each validated root variable.
const KEYS: [(&str, &str); 35] = [
    ("project_name", "project.name"),
    ("region", "project.region"),
    ("environment", "project.environment"),
    ("vpc_cidr", "network.vpc_cidr"),
    ("availability_zones", "network.availability_zones"),
    ("public_subnet_cidrs", "network.public_subnets"),
    ("db_subnet_cidrs", "network.db_subnets"),
    ("nat_instance_type", "nat.instance_type"),
    ("nat_ami_id", "nat.ami_id"),
    ("app_instance_type", "app.instance_type"),
    ("app_ami_id", "app.ami_id"),
    ("ssh_allowed_cidrs", "app.ssh_allowed_cidrs"),
    ("ssh_public_key", "app.public_key_path"),
    ("rds_identifier", "rds.identifier"),
    ("rds_instance_class", "rds.instance_class"),
    ("rds_engine_version", "rds.engine_version"),
    ("rds_database", "rds.database"),
    ("rds_username", "rds.username"),
    ("rds_allocated_storage", "rds.allocated_storage"),
    ("log_group_name", "monitoring.log_group"),
    ("log_retention_days", "monitoring.retention_days"),
    ("failure_pattern", "monitoring.failure_pattern"),
    ("metric_namespace", "monitoring.metric_namespace"),
    ("metric_name", "monitoring.metric_name"),
    ("alarm_name", "monitoring.alarm_name"),
    ("alarm_period_seconds", "monitoring.alarm_period_seconds"),
    ("sns_topic_name", "monitoring.topic_name"),
    ("alert_emails", "monitoring.alert_emails"),
    ("bucket_name", "bucket.name"),
    ("csv_prefix", "bucket.csv_prefix"),
    ("logs_prefix", "bucket.logs_prefix"),
    ("csv_write_prefix", "bucket.csv_prefix"),
    ("logs_write_prefix", "bucket.logs_prefix"),
    ("bucket_require_tls", "bucket.require_tls"),
    ("bucket_force_destroy", "bucket.force_destroy"),
];

const NAME: &str = "name = \"offsets\"";
const REGION: &str = "region = \"ap-northeast-2\"";
const ENV: &str = "environment = \"prod\"";
const VPC: &str = "vpc_cidr = \"10.20.0.0/16\"";
const ZONES: &str = "availability_zones = [\"ap-northeast-2a\", \"ap-northeast-2c\"]";
const PUBLIC: &str = "public_subnets = [\"10.20.1.0/24\", \"10.20.2.0/24\"]";
const DB: &str = "db_subnets     = [\"10.20.101.0/24\", \"10.20.102.0/24\"]";
const NAT: &str = "instance_type = \"t3.nano\"";
const APP: &str = "instance_type = \"t3.small\"";
const SSH: &str = "ssh_allowed_cidrs = [\"203.0.113.10/32\"]";
const RDS_ID: &str = "identifier = \"offsets-db\"";
const CLASS: &str = "instance_class = \"db.t3.micro\"";
const VERSION: &str = "engine_version = \"8.0\"";
const DATABASE: &str = "database = \"offsets\"";
const USER: &str = "username = \"offsets_admin\"";
const LOG_GROUP: &str = "log_group = \"/offsets/carbon_log\"";
const RETENTION: &str = "retention_days = 30";
const PATTERN: &str = "failure_pattern = \"JOB_STATUS=FAILED\"";
const NAMESPACE: &str = "metric_namespace = \"OffsetsPipeline\"";
const METRIC: &str = "metric_name = \"CarbonUnifiedJobFailed\"";
const ALARM: &str = "alarm_name = \"carbon-unified-job-failed-alarm\"";
const PERIOD: &str = "alarm_period_seconds = 300";
const TOPIC: &str = "topic_name = \"offsets-alerts\"";
const EMAILS: &str = "alert_emails = [\"ops@example.com\"]";
const BUCKET: &str = "name = \"vcm-bucket25\"";
const CSV: &str = "csv_prefix = \"csv/{date}\"";
const LOGS: &str = "logs_prefix = \"logs/{date}\"";

fn cases() -> Vec<Case> {
    vec![
        case(
            "project_name",
            &[(NAME, "name = \"abcdefghijklmnopqrstu\"")],
            true,
        ),
        case(
            "project_name",
            &[(NAME, "name = \"abcdefghijklmnopqrstuv\"")],
            false,
        ),
        case("project_name", &[(NAME, "name = \"a\"")], false),
        case(
            "region",
            &[
                (REGION, "region = \"us-gov-west-1\""),
                (
                    ZONES,
                    "availability_zones = [\"us-gov-west-1a\", \"us-gov-west-1b\"]",
                ),
            ],
            true,
        ),
        case("region", &[(REGION, "region = \"ap-northeast\"")], false),
        case(
            "region",
            &[(REGION, "region = \"ap-northeast-123\"")],
            false,
        ),
        case(
            "environment",
            &[(ENV, "environment = \"prod.1_a-b\"")],
            true,
        ),
        case(
            "environment",
            &[(ENV, "environment = \"abcdefghijklmnopqrstuvwxyz012345\"")],
            true,
        ),
        case(
            "environment",
            &[(ENV, "environment = \"abcdefghijklmnopqrstuvwxyz0123456\"")],
            false,
        ),
        case("environment", &[(ENV, "environment = \"_prod\"")], false),
        case("vpc_cidr", &[(VPC, "vpc_cidr = \"10.20.0.0/17\"")], true),
        case("vpc_cidr", &[(VPC, "vpc_cidr = \"10.20.0.0/15\"")], false),
        case("vpc_cidr", &[(VPC, "vpc_cidr = \"10.20.0.1/16\"")], false),
        case(
            "availability_zones",
            &[(
                ZONES,
                "availability_zones = [\"ap-northeast-2b\", \"ap-northeast-2d\"]",
            )],
            true,
        ),
        case(
            "availability_zones",
            &[(
                ZONES,
                "availability_zones = [\"ap-northeast-2a\", \"ap-northeast-2a\"]",
            )],
            false,
        ),
        case(
            "availability_zones",
            &[(
                ZONES,
                "availability_zones = [\"us-east-1a\", \"ap-northeast-2c\"]",
            )],
            false,
        ),
        case(
            "availability_zones",
            &[(
                ZONES,
                "availability_zones = [\"ap-northeast-2ab\", \"ap-northeast-2c\"]",
            )],
            false,
        ),
        case(
            "public_subnet_cidrs",
            &[(
                PUBLIC,
                "public_subnets = [\"10.20.1.0/28\", \"10.20.2.0/24\"]",
            )],
            true,
        ),
        case(
            "public_subnet_cidrs",
            &[(
                PUBLIC,
                "public_subnets = [\"10.20.1.0/29\", \"10.20.2.0/24\"]",
            )],
            false,
        ),
        case(
            "public_subnet_cidrs",
            &[(
                PUBLIC,
                "public_subnets = [\"10.20.1.1/24\", \"10.20.2.0/24\"]",
            )],
            false,
        ),
        case(
            "public_subnet_cidrs",
            &[(PUBLIC, "public_subnets = [\"10.20.1.0/24\"]")],
            false,
        ),
        case(
            "db_subnet_cidrs",
            &[(DB, "db_subnets = [\"10.20.101.0/28\", \"10.20.102.0/24\"]")],
            true,
        ),
        case(
            "db_subnet_cidrs",
            &[(DB, "db_subnets = [\"10.20.101.0/29\", \"10.20.102.0/24\"]")],
            false,
        ),
        case(
            "db_subnet_cidrs",
            &[(
                DB,
                "db_subnets = [\"10.20.101.0/24\", \"10.20.102.0/24\", \"10.20.103.0/24\"]",
            )],
            false,
        ),
        case(
            "nat_instance_type",
            &[(NAT, "instance_type = \"c7gn.16xlarge\"")],
            true,
        ),
        case(
            "nat_instance_type",
            &[(NAT, "instance_type = \"t.nano\"")],
            false,
        ),
        case(
            "nat_instance_type",
            &[(NAT, "instance_type = \"db.t3.micro\"")],
            false,
        ),
        with_tf(
            "nat_ami_id",
            &[(
                NAT,
                "instance_type = \"t3.nano\"\nami_id = \"ami-12345678\"",
            )],
            "{}",
            true,
        ),
        with_tf(
            "nat_ami_id",
            &[(
                NAT,
                "instance_type = \"t3.nano\"\nami_id = \"ami-0123456789abcdef0\"",
            )],
            "{}",
            true,
        ),
        with_tf(
            "nat_ami_id",
            &[(NAT, "instance_type = \"t3.nano\"\nami_id = \"ami-1234567\"")],
            r#"{"nat_ami_id": "ami-1234567"}"#,
            false,
        ),
        with_tf(
            "nat_ami_id",
            &[(
                NAT,
                "instance_type = \"t3.nano\"\nami_id = \"ami-1234567g\"",
            )],
            r#"{"nat_ami_id": "ami-1234567g"}"#,
            false,
        ),
        case(
            "app_instance_type",
            &[(APP, "instance_type = \"t4g.micro\"")],
            true,
        ),
        case(
            "app_instance_type",
            &[(APP, "instance_type = \"small\"")],
            false,
        ),
        with_tf(
            "app_ami_id",
            &[(
                APP,
                "instance_type = \"t3.small\"\nami_id = \"ami-abcdef01\"",
            )],
            "{}",
            true,
        ),
        with_tf(
            "app_ami_id",
            &[(
                APP,
                "instance_type = \"t3.small\"\nami_id = \"ami-ABCDEF01\"",
            )],
            r#"{"app_ami_id": "ami-ABCDEF01"}"#,
            false,
        ),
        case(
            "ssh_allowed_cidrs",
            &[(
                SSH,
                "ssh_allowed_cidrs = [\"203.0.113.0/24\", \"198.51.100.7/32\"]",
            )],
            true,
        ),
        case(
            "ssh_allowed_cidrs",
            &[(SSH, "ssh_allowed_cidrs = [\"2001:db8::/64\"]")],
            false,
        ),
        case(
            "ssh_allowed_cidrs",
            &[(SSH, "ssh_allowed_cidrs = [\"0.0.0.0/0\"]")],
            false,
        ),
        case(
            "ssh_allowed_cidrs",
            &[(SSH, "ssh_allowed_cidrs = [\"203.0.113.10/24\"]")],
            false,
        ),
        case(
            "ssh_allowed_cidrs",
            &[(SSH, "ssh_allowed_cidrs = []")],
            false,
        ),
        key("ssh-rsa AAAAB3NzaC1yc2E= someone\n", "{}", true),
        key("ecdsa-sha2-nistp521 AAAA== c\n", "{}", true),
        key(
            "ssh-dss AAAAB3NzaC1kc3M= old\n",
            r#"{"ssh_public_key": "ssh-dss AAAAB3NzaC1kc3M= old"}"#,
            false,
        ),
        key(
            "ssh-ed25519 AAAA*x c\n",
            r#"{"ssh_public_key": "ssh-ed25519 AAAA*x c"}"#,
            false,
        ),
        key(
            "ssh-ed25519 AAAA==== c\n",
            r#"{"ssh_public_key": "ssh-ed25519 AAAA==== c"}"#,
            false,
        ),
        case(
            "rds_identifier",
            &[(
                RDS_ID,
                "identifier = \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"",
            )],
            true,
        ),
        case(
            "rds_identifier",
            &[(
                RDS_ID,
                "identifier = \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"",
            )],
            false,
        ),
        case(
            "rds_identifier",
            &[(RDS_ID, "identifier = \"db--x\"")],
            false,
        ),
        case("rds_identifier", &[(RDS_ID, "identifier = \"db-\"")], false),
        case(
            "rds_instance_class",
            &[(CLASS, "instance_class = \"db.r6g.2xlarge\"")],
            true,
        ),
        case(
            "rds_instance_class",
            &[(CLASS, "instance_class = \"db.t.micro\"")],
            false,
        ),
        case(
            "rds_instance_class",
            &[(CLASS, "instance_class = \"t3.micro\"")],
            false,
        ),
        case(
            "rds_engine_version",
            &[(VERSION, "engine_version = \"8.0.39\"")],
            true,
        ),
        case(
            "rds_engine_version",
            &[(VERSION, "engine_version = \"8\"")],
            false,
        ),
        case(
            "rds_database",
            &[(
                DATABASE,
                "database = \"Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa_\"",
            )],
            true,
        ),
        case(
            "rds_database",
            &[(
                DATABASE,
                "database = \"Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa_\"",
            )],
            false,
        ),
        case("rds_database", &[(DATABASE, "database = \"1x\"")], false),
        case(
            "rds_username",
            &[(USER, "username = \"abcdefghijklmnop\"")],
            true,
        ),
        case(
            "rds_username",
            &[(USER, "username = \"abcdefghijklmnopq\"")],
            false,
        ),
        case("rds_username", &[(USER, "username = \"admin_rds\"")], false),
        case("rds_username", &[(USER, "username = \"ROOT\"")], false),
        with_tf(
            "rds_allocated_storage",
            &[(
                USER,
                "username = \"offsets_admin\"\nallocated_storage = 65536",
            )],
            "{}",
            true,
        ),
        with_tf(
            "rds_allocated_storage",
            &[(USER, "username = \"offsets_admin\"\nallocated_storage = 19")],
            r#"{"rds_allocated_storage": 19}"#,
            false,
        ),
        with_tf(
            "rds_allocated_storage",
            &[(
                USER,
                "username = \"offsets_admin\"\nallocated_storage = 65537",
            )],
            r#"{"rds_allocated_storage": 65537}"#,
            false,
        ),
        case(
            "log_group_name",
            &[(LOG_GROUP, "log_group = \"a#b.c_d-e/f\"")],
            true,
        ),
        case(
            "log_group_name",
            &[(LOG_GROUP, "log_group = \"aws/x\"")],
            false,
        ),
        case(
            "log_group_name",
            &[(LOG_GROUP, "log_group = \"has space\"")],
            false,
        ),
        case(
            "log_retention_days",
            &[(RETENTION, "retention_days = 3653")],
            true,
        ),
        case(
            "log_retention_days",
            &[(RETENTION, "retention_days = 31")],
            false,
        ),
        case(
            "log_retention_days",
            &[(RETENTION, "retention_days = 0")],
            false,
        ),
        case(
            "failure_pattern",
            &[(PATTERN, "failure_pattern = \"x\"")],
            true,
        ),
        case(
            "failure_pattern",
            &[(PATTERN, "failure_pattern = \" \"")],
            false,
        ),
        case(
            "failure_pattern",
            &[(PATTERN, "failure_pattern = \"a\\tb\"")],
            false,
        ),
        case(
            "metric_namespace",
            &[(NAMESPACE, "metric_namespace = \"A:b/AWS/\"")],
            true,
        ),
        case(
            "metric_namespace",
            &[(NAMESPACE, "metric_namespace = \"AWS/EC2\"")],
            false,
        ),
        case(
            "metric_namespace",
            &[(NAMESPACE, "metric_namespace = \":x\"")],
            false,
        ),
        case(
            "metric_namespace",
            &[(NAMESPACE, "metric_namespace = \"\"")],
            false,
        ),
        case("metric_name", &[(METRIC, "metric_name = \"a b-c\"")], true),
        case("metric_name", &[(METRIC, "metric_name = \"a:b\"")], false),
        case("metric_name", &[(METRIC, "metric_name = \"a*\"")], false),
        // The success metric "<metric_name>-Succeeded" must fit CloudWatch's 255 characters too.
        case(
            "metric_name",
            &[(METRIC, "metric_name = \"mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm\"")],
            true,
        ),
        case(
            "metric_name",
            &[(METRIC, "metric_name = \"mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm\"")],
            false,
        ),
        case("alarm_name", &[(ALARM, "alarm_name = \"a:b*c\"")], true),
        case("alarm_name", &[(ALARM, "alarm_name = \"  \"")], false),
        case(
            "alarm_period_seconds",
            &[(PERIOD, "alarm_period_seconds = 60")],
            true,
        ),
        case(
            "alarm_period_seconds",
            &[(PERIOD, "alarm_period_seconds = 86400")],
            true,
        ),
        case(
            "alarm_period_seconds",
            &[(PERIOD, "alarm_period_seconds = 30")],
            false,
        ),
        case(
            "alarm_period_seconds",
            &[(PERIOD, "alarm_period_seconds = 90")],
            false,
        ),
        case(
            "alarm_period_seconds",
            &[(PERIOD, "alarm_period_seconds = 86460")],
            false,
        ),
        case(
            "sns_topic_name",
            &[(TOPIC, "topic_name = \"a_b-C9\"")],
            true,
        ),
        case("sns_topic_name", &[(TOPIC, "topic_name = \"a.b\"")], false),
        case(
            "alert_emails",
            &[(EMAILS, "alert_emails = [\"a.b+tag@mail.example.co.kr\"]")],
            true,
        ),
        case("alert_emails", &[(EMAILS, "alert_emails = []")], false),
        case(
            "alert_emails",
            &[(EMAILS, "alert_emails = [\"ops@example\"]")],
            false,
        ),
        case(
            "alert_emails",
            &[(EMAILS, "alert_emails = [\"a..b@example.com\"]")],
            false,
        ),
        case(
            "alert_emails",
            &[(EMAILS, "alert_emails = [\"ops@example.c0m\"]")],
            false,
        ),
        case("bucket_name", &[(BUCKET, "name = \"abc\"")], true),
        case("bucket_name", &[(BUCKET, "name = \"256.1.1.1a\"")], true),
        case("bucket_name", &[(BUCKET, "name = \"ab\"")], false),
        case("bucket_name", &[(BUCKET, "name = \"999.1.1.1\"")], false),
        case("bucket_name", &[(BUCKET, "name = \"my.-bucket\"")], false),
        case(
            "bucket_name",
            &[(BUCKET, "name = \"amzn-s3-demo-x\"")],
            false,
        ),
        case(
            "bucket_name",
            &[(BUCKET, "name = \"bucket--table-s3\"")],
            false,
        ),
        case(
            "csv_prefix",
            &[(CSV, "csv_prefix = \"c/{year}/{month}/{day}/{hour}\"")],
            true,
        ),
        case("csv_prefix", &[(CSV, "csv_prefix = \"{date}\"")], false),
        case(
            "csv_prefix",
            &[(CSV, "csv_prefix = \"/csv/{date}\"")],
            false,
        ),
        case(
            "csv_prefix",
            &[(CSV, "csv_prefix = \"csv*/{date}\"")],
            false,
        ),
        case(
            "csv_prefix",
            &[(CSV, "csv_prefix = \"csv//{date}\"")],
            false,
        ),
        case("csv_prefix", &[(CSV, "csv_prefix = \"csv/{nope}\"")], false),
        case("csv_prefix", &[(CSV, "csv_prefix = \"csv/{date\"")], false),
        case(
            "csv_prefix",
            &[(CSV, "csv_prefix = \"csv/{year}/{month}\"")],
            false,
        ),
        case(
            "logs_prefix",
            &[(LOGS, "logs_prefix = \"l/{date}-{hour}\"")],
            true,
        ),
        case(
            "logs_prefix",
            &[(LOGS, "logs_prefix = \"{year}{month}{day}\"")],
            false,
        ),
        case(
            "csv_write_prefix",
            &[(CSV, "csv_prefix = \"exports/{date}\"")],
            true,
        ),
        with_tf(
            "csv_write_prefix",
            &[(CSV, "csv_prefix = \"{date}\"")],
            r#"{"csv_write_prefix": ""}"#,
            false,
        ),
        case(
            "logs_write_prefix",
            &[(LOGS, "logs_prefix = \"csv/x/{date}\"")],
            true,
        ),
        with_tf(
            "logs_write_prefix",
            &[(LOGS, "logs_prefix = \"csv/{date}\"")],
            r#"{"logs_write_prefix": "csv/"}"#,
            false,
        ),
    ]
}

/// A project directory holding the edited example config and its public key.
fn project(dir: &Path, c: &Case) {
    let root = support::repo_root();
    let mut text = fs::read_to_string(root.join("examples/pipeform.toml")).expect("example");
    for (from, to) in c.edits {
        assert!(text.contains(from), "{from:?} not in the example");
        text = text.replacen(from, to, 1);
    }
    fs::write(dir.join("pipeform.toml"), text).expect("write config");
    fs::create_dir_all(dir.join("keys")).expect("mkdir");
    match c.key_file {
        Some(k) => fs::write(dir.join("keys/offsets.pub"), k).expect("write key"),
        None => fs::copy(
            root.join("examples/keys/offsets.pub"),
            dir.join("keys/offsets.pub"),
        )
        .map(|_| ())
        .expect("copy key"),
    }
}

/// The value of the right-hand side of `k = v` as JSON.
fn toml_value(assignment: &str) -> Value {
    let table: toml::Table = toml::from_str(assignment).expect("edit is TOML");
    let (_, v) = table.into_iter().next().expect("one key");
    serde_json::to_value(v).expect("JSON")
}

fn render(project: &Path, tf_dir: &Path, out: &Path) -> std::process::Output {
    support::pipeform()
        .current_dir(project)
        .args(["--config", "pipeform.toml", "render", "--terraform-dir"])
        .arg(tf_dir)
        .arg("--out")
        .arg(out)
        .output()
        .expect("runs")
}

fn terraform(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new("terraform")
        .current_dir(dir)
        .env(
            "TF_CLI_CONFIG_FILE",
            support::repo_root().join("scripts/terraformrc"),
        )
        .env("TF_IN_AUTOMATION", "1")
        .args(args)
        .output()
        .expect("terraform runs")
}

#[test]
fn render_and_the_root_module_agree_on_every_validated_variable() {
    let repo = support::repo_root();
    let validated: BTreeSet<String> = pipeform::tfvars::root_variables(&repo.join("terraform"))
        .expect("root module parses")
        .into_iter()
        .filter(|v| v.validations > 0)
        .map(|v| v.name)
        .collect();
    let cases = cases();

    // Every validated variable has edge cases on both sides, and every case probes one.
    let covered = |inside: bool| -> BTreeSet<String> {
        cases
            .iter()
            .filter(|c| c.inside == inside)
            .map(|c| c.var.to_string())
            .collect()
    };
    assert_eq!(
        covered(true),
        validated,
        "variables with validation vs cases just inside"
    );
    assert_eq!(
        covered(false),
        validated,
        "variables with validation vs cases just outside"
    );

    // A root module with the real variables.tf and nothing that needs a provider.
    let tf = tempfile::tempdir().expect("tempdir");
    fs::copy(
        repo.join("terraform/variables.tf"),
        tf.path().join("variables.tf"),
    )
    .expect("copy");
    fs::write(
        tf.path().join("main.tf"),
        "output \"ok\" {\n  value = true\n}\n",
    )
    .expect("write");
    let init = terraform(tf.path(), &["init", "-input=false", "-no-color"]);
    assert!(init.status.success(), "terraform init: {init:?}");

    // The example's own tfvars: the base when render refuses (there is then nothing to plan).
    let base_dir = tempfile::tempdir().expect("tempdir");
    project(base_dir.path(), &case("project_name", &[], true));
    let base_file = base_dir.path().join("base.tfvars.json");
    let out = render(base_dir.path(), tf.path(), &base_file);
    assert!(out.status.success(), "the example renders: {out:?}");
    let base: Map<String, Value> =
        serde_json::from_str(&fs::read_to_string(&base_file).expect("read")).expect("json");

    let mut disagreements = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let config_key = KEYS
            .iter()
            .find(|(v, _)| *v == c.var)
            .map(|(_, k)| *k)
            .expect("a key");
        let dir = tempfile::tempdir().expect("tempdir");
        project(dir.path(), c);
        let vars_file = tf.path().join(format!("case{i}.tfvars.json"));
        let out = render(dir.path(), tf.path(), &vars_file);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let rust_refused = match out.status.code() {
            Some(0) => false,
            Some(2) if stderr.contains(config_key) => true,
            other => panic!(
                "case {i} ({}): render exit {other:?} without naming {config_key}:\n{stderr}",
                c.var
            ),
        };
        if rust_refused {
            let mut vars = base.clone();
            let overrides: Map<String, Value> = match c.tf {
                Some(json) => serde_json::from_str(json).expect("case JSON"),
                None => [(c.var.to_string(), toml_value(c.edits[0].1))]
                    .into_iter()
                    .collect(),
            };
            vars.extend(overrides);
            fs::write(&vars_file, serde_json::to_string(&vars).expect("json")).expect("write");
        }
        let arg = format!("-var-file={}", vars_file.display());
        let plan = terraform(
            tf.path(),
            &["plan", "-input=false", "-no-color", "-lock=false", &arg],
        );
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&plan.stdout),
            String::from_utf8_lossy(&plan.stderr)
        );
        // Each error_message starts with its variable's name, on a line of its own.
        let tf_refused = !plan.status.success();
        let tf_named = text.contains(&format!("\n{} must", c.var));
        let agreed = match (c.inside, rust_refused, tf_refused) {
            (true, false, false) => true,
            (false, true, true) => tf_named,
            _ => false,
        };
        if !agreed {
            disagreements.push(format!(
                "case {i} {} {:?} (expected {}): render {}, terraform {}{}\n  render: {}\n  terraform: {}",
                c.var,
                c.edits.first().map(|e| e.1).or(c.key_file).unwrap_or_default(),
                if c.inside { "accepted" } else { "refused" },
                if rust_refused { "refused" } else { "accepted" },
                if tf_refused { "refused" } else { "accepted" },
                if tf_refused && !tf_named { " (not naming it)" } else { "" },
                stderr.trim(),
                text.trim().lines().filter(|l| l.contains("must") || l.contains("Error")).collect::<Vec<_>>().join(" | "),
            ));
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}

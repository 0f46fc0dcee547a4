//! Stack -> tfvars: one root variable per value, each from the validated stack.

use serde_json::{json, Map, Value};

use super::{read_public_key, Tfvars, TfvarsError};
use crate::config::missed_run::MissedRun;
use crate::config::Stack;

/// The tfvars of the root module for `stack`. Optional values that are unset are left out (the
/// module's defaults apply), never written as null.
pub fn render(stack: &Stack) -> Result<Tfvars, TfvarsError> {
    let s = stack;
    let strings = |v: &[ipnet::Ipv4Net]| v.iter().map(|n| n.to_string()).collect::<Vec<_>>();
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_string(), v);
    };
    put("project_name", json!(s.project.name));
    put("region", json!(s.project.region));
    put("environment", json!(s.project.environment));
    put("vpc_cidr", json!(s.network.vpc_cidr.to_string()));
    put("availability_zones", json!(s.network.availability_zones));
    put(
        "public_subnet_cidrs",
        json!(strings(&s.network.public_subnets)),
    );
    put("db_subnet_cidrs", json!(strings(&s.network.db_subnets)));
    put("nat_instance_type", json!(s.nat.instance_type));
    if let Some(ami) = &s.nat.ami_id {
        put("nat_ami_id", json!(ami));
    }
    put("app_instance_type", json!(s.app.instance_type));
    if let Some(ami) = &s.app.ami_id {
        put("app_ami_id", json!(ami));
    }
    put(
        "ssh_allowed_cidrs",
        json!(s
            .app
            .ssh_allowed_cidrs
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()),
    );
    put(
        "ssh_public_key",
        json!(read_public_key(&s.app.public_key_path)?),
    );
    put("rds_identifier", json!(s.rds.identifier));
    put("rds_instance_class", json!(s.rds.instance_class));
    put("rds_engine_version", json!(s.rds.engine_version));
    put("rds_database", json!(s.rds.database));
    put("rds_username", json!(s.rds.username));
    put("rds_allocated_storage", json!(s.rds.allocated_storage));
    put("rds_deletion_protection", json!(s.rds.deletion_protection));
    put("rds_skip_final_snapshot", json!(s.rds.skip_final_snapshot));
    put("log_group_name", json!(s.monitoring.log_group));
    put("log_retention_days", json!(s.monitoring.retention_days));
    put("failure_pattern", json!(s.monitoring.failure_pattern));
    put("metric_namespace", json!(s.monitoring.metric_namespace));
    put("metric_name", json!(s.monitoring.metric_name));
    put("alarm_name", json!(s.monitoring.alarm_name));
    put(
        "alarm_period_seconds",
        json!(s.monitoring.alarm_period_seconds),
    );
    put("success_pattern", json!(s.monitoring.success_pattern));
    put(
        "success_metric_name",
        json!(s.monitoring.success_metric_name()),
    );
    if let MissedRun::Alarm { name, window } = MissedRun::of(s) {
        put("missed_run_alarm_name", json!(name));
        put("missed_run_period_seconds", json!(window.period_seconds));
        put(
            "missed_run_evaluation_periods",
            json!(window.evaluation_periods),
        );
    }
    put("sns_topic_name", json!(s.monitoring.topic_name));
    put("alert_emails", json!(s.monitoring.alert_emails));
    put("bucket_name", json!(s.bucket.name));
    put("csv_prefix", json!(s.bucket.csv_prefix.as_str()));
    put("logs_prefix", json!(s.bucket.logs_prefix.as_str()));
    // The static parts come from the one template parser; the root module grants the job
    // writes under exactly these.
    put(
        "csv_write_prefix",
        json!(s.bucket.csv_prefix.static_prefix()),
    );
    put(
        "logs_write_prefix",
        json!(s.bucket.logs_prefix.static_prefix()),
    );
    put("bucket_force_destroy", json!(s.bucket.force_destroy));
    put("bucket_require_tls", json!(s.bucket.require_tls));
    Ok(m)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::tfvars::check_against_root;

    fn repo() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    fn example() -> Stack {
        crate::config::load(&repo().join("examples/pipeform.toml")).expect("example is valid")
    }

    fn fixture_root() -> PathBuf {
        repo().join("tests/fixtures/root")
    }

    #[test]
    fn renders_every_root_variable_from_the_example() {
        let vars = render(&example()).expect("renders");
        assert_eq!(vars["project_name"], json!("offsets"));
        assert_eq!(
            vars["db_subnet_cidrs"],
            json!(["10.20.101.0/24", "10.20.102.0/24"])
        );
        assert_eq!(vars["sns_topic_name"], json!("offsets-alerts"));
        assert_eq!(vars["log_retention_days"], json!(30));
        assert_eq!(vars["csv_prefix"], json!("csv/{date}"));
        assert_eq!(vars["csv_write_prefix"], json!("csv/"));
        assert_eq!(vars["logs_write_prefix"], json!("logs/"));
        assert_eq!(vars["rds_deletion_protection"], json!(true));
        // The missed-run alarm of a daily schedule with an hour of grace: 25 one-hour periods.
        assert_eq!(
            vars["missed_run_alarm_name"],
            json!("carbon-unified-job-failed-alarm-missed")
        );
        assert_eq!(vars["missed_run_period_seconds"], json!(3600));
        assert_eq!(vars["missed_run_evaluation_periods"], json!(25));
        assert_eq!(
            vars["success_metric_name"],
            json!("CarbonUnifiedJobFailed-Succeeded")
        );
        let key = vars["ssh_public_key"].as_str().expect("a string");
        assert!(key.starts_with("ssh-ed25519 AAAA"), "{key}");
        assert!(
            !vars.contains_key("nat_ami_id"),
            "None is omitted, not null"
        );
        assert!(vars.values().all(|v| !v.is_null()));
        assert!(!vars.keys().any(|k| k.contains("password")));
        check_against_root(&fixture_root(), &vars).expect("matches the fixture root module");
    }

    #[test]
    fn optional_amis_are_written_when_set() {
        let mut s = example();
        s.nat.ami_id = Some("ami-12345678".into());
        let vars = render(&s).expect("renders");
        assert_eq!(vars["nat_ami_id"], json!("ami-12345678"));
        check_against_root(&fixture_root(), &vars).expect("declared");
    }
}

//! `pipeform render` through the real binary: exactly the root module's variables, checked by
//! parsing its `*.tf`; mismatches and unreadable keys fail with exit 2 and write nothing.

mod support;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

/// The fixture root module's variables (tests/fixtures/root/variables.tf).
const ROOT_VARIABLES: [&str; 42] = [
    "project_name",
    "region",
    "environment",
    "vpc_cidr",
    "availability_zones",
    "public_subnet_cidrs",
    "db_subnet_cidrs",
    "nat_instance_type",
    "nat_ami_id",
    "app_instance_type",
    "app_ami_id",
    "ssh_allowed_cidrs",
    "ssh_public_key",
    "rds_identifier",
    "rds_instance_class",
    "rds_engine_version",
    "rds_database",
    "rds_username",
    "rds_allocated_storage",
    "rds_deletion_protection",
    "rds_skip_final_snapshot",
    "log_group_name",
    "log_retention_days",
    "failure_pattern",
    "metric_namespace",
    "metric_name",
    "alarm_name",
    "alarm_period_seconds",
    "sns_topic_name",
    "alert_emails",
    "bucket_name",
    "csv_prefix",
    "logs_prefix",
    "csv_write_prefix",
    "logs_write_prefix",
    "bucket_force_destroy",
    "bucket_require_tls",
    "success_pattern",
    "success_metric_name",
    "missed_run_alarm_name",
    "missed_run_period_seconds",
    "missed_run_evaluation_periods",
];

/// A project dir with the example config, its key, and `terraform/` holding `variables_tf`.
fn project(config_edits: &[(&str, &str)], variables_tf: &str) -> TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = support::repo_root();
    let mut text =
        fs::read_to_string(root.join("examples/pipeform.toml")).expect("example readable");
    for (from, to) in config_edits {
        assert!(text.contains(from), "{from:?} not in the example");
        text = text.replacen(from, to, 1);
    }
    fs::write(dir.path().join("pipeform.toml"), text).expect("write config");
    fs::create_dir(dir.path().join("keys")).expect("mkdir");
    fs::copy(
        root.join("examples/keys/offsets.pub"),
        dir.path().join("keys/offsets.pub"),
    )
    .expect("copy key");
    fs::create_dir(dir.path().join("terraform")).expect("mkdir");
    fs::write(dir.path().join("terraform/variables.tf"), variables_tf).expect("write tf");
    dir
}

fn fixture_variables() -> String {
    fs::read_to_string(support::repo_root().join("tests/fixtures/root/variables.tf"))
        .expect("fixture readable")
}

fn render(dir: &Path, extra: &[&str]) -> std::process::Output {
    support::pipeform()
        .current_dir(dir)
        .arg("render")
        .args(extra)
        .output()
        .expect("runs")
}

fn tfvars(dir: &Path) -> PathBuf {
    dir.join("terraform/pipeform.auto.tfvars.json")
}

fn written_keys(path: &Path) -> BTreeSet<String> {
    let text = fs::read_to_string(path).expect("tfvars written");
    let map: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&text).expect("tfvars are a JSON object");
    assert!(map.values().all(|v| !v.is_null()), "no nulls: {text}");
    map.keys().cloned().collect()
}

#[test]
fn writes_exactly_the_declared_variables() {
    let dir = project(&[], &fixture_variables());
    let out = render(dir.path(), &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(
        stdout.contains("terraform/pipeform.auto.tfvars.json (40 variables)"),
        "{stdout}"
    );
    let expected: BTreeSet<String> = ROOT_VARIABLES
        .iter()
        .filter(|v| !v.ends_with("_ami_id"))
        .map(|v| v.to_string())
        .collect();
    assert_eq!(written_keys(&tfvars(dir.path())), expected);
    let text = fs::read_to_string(tfvars(dir.path())).expect("read");
    let key = fs::read_to_string(support::repo_root().join("examples/keys/offsets.pub"))
        .expect("read key");
    assert!(text.contains(key.trim()), "public key content written");
}

#[test]
fn set_amis_are_written_too() {
    let dir = project(
        &[(
            "# ami_id = \"ami-0123456789abcdef0\"   # optional; default: the module looks up a current AMI\nssh_user",
            "ami_id = \"ami-0123456789abcdef0\"\nssh_user",
        )],
        &fixture_variables(),
    );
    let out = render(dir.path(), &[]);
    assert!(out.status.success(), "{out:?}");
    let keys = written_keys(&tfvars(dir.path()));
    assert!(
        keys.contains("app_ami_id") && !keys.contains("nat_ami_id"),
        "{keys:?}"
    );
}

#[test]
fn out_writes_elsewhere_and_rerendering_replaces_the_file() {
    let dir = project(&[], &fixture_variables());
    let target = dir.path().join("vars.json");
    fs::write(&target, "old").expect("write");
    let out = render(dir.path(), &["--out", "vars.json"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(written_keys(&target).len(), 40);
    assert!(!tfvars(dir.path()).exists());
}

fn assert_rejected(dir: &Path, needles: &[&str]) {
    let before = b"{\"old\": true}\n";
    fs::write(tfvars(dir), before).expect("write");
    let out = render(dir, &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for n in needles {
        assert!(err.contains(n), "{n:?} missing from:\n{err}");
    }
    assert_eq!(fs::read(tfvars(dir)).expect("still there"), before);
    let entries: Vec<_> = fs::read_dir(dir.join("terraform"))
        .expect("list")
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    assert_eq!(entries.len(), 2, "no stray temporary file: {entries:?}");
}

#[test]
fn a_required_variable_pipeform_does_not_write_fails_by_name() {
    let tf = format!(
        "{}\nvariable \"db_password\" {{\n  type      = string\n  sensitive = true\n}}\n",
        fixture_variables()
    );
    let dir = project(&[], &tf);
    assert_rejected(
        dir.path(),
        &["variable \"db_password\" is required by the root module"],
    );
}

#[test]
fn a_variable_the_module_does_not_declare_fails_by_name() {
    let tf = fixture_variables().replace("variable \"metric_name\" {", "variable \"metric\" {");
    let dir = project(&[], &tf);
    assert_rejected(
        dir.path(),
        &[
            "variable \"metric_name\" is written by pipeform but not declared",
            "variable \"metric\" is required by the root module",
        ],
    );
}

#[test]
fn an_optional_module_variable_may_stay_unwritten() {
    let tf = format!(
        "{}\nvariable \"extra_tags\" {{\n  type    = map(string)\n  default = {{}}\n}}\n",
        fixture_variables()
    );
    let dir = project(&[], &tf);
    let out = render(dir.path(), &[]);
    assert!(out.status.success(), "{out:?}");
}

#[test]
fn a_missing_public_key_fails_naming_it() {
    let dir = project(&[], &fixture_variables());
    fs::remove_file(dir.path().join("keys/offsets.pub")).expect("remove key");
    assert_rejected(dir.path(), &["app.public_key_path", "keys/offsets.pub"]);
}

#[test]
fn a_private_key_is_never_written() {
    let dir = project(
        &[("\"keys/offsets.pub\"", "\"keys/offsets\"")],
        &fixture_variables(),
    );
    fs::write(
        dir.path().join("keys/offsets"),
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
    )
    .expect("write");
    assert_rejected(dir.path(), &["is a PRIVATE key"]);
}

#[test]
fn a_directory_without_a_root_module_is_a_usage_error() {
    let dir = project(&[], &fixture_variables());
    fs::remove_file(dir.path().join("terraform/variables.tf")).expect("remove");
    let out = render(dir.path(), &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("no Terraform root module"), "{err}");
    assert!(!tfvars(dir.path()).exists());
}

/// The repository's own root module (`terraform/`, from the Terraform issue) takes exactly what
/// render writes. Until that module is merged this fails, naming the missing directory.
#[test]
fn the_repository_root_module_takes_what_render_writes() {
    let root = support::repo_root();
    let tf = root.join("terraform");
    assert!(
        tf.join("variables.tf").is_file(),
        "{} has no variables.tf: the root module is not merged yet",
        tf.display()
    );
    let out_dir = tempfile::tempdir().expect("tempdir");
    let target = out_dir.path().join("vars.json");
    let out = support::pipeform()
        .current_dir(&root)
        .args(["--config", "examples/pipeform.toml", "render", "--out"])
        .arg(&target)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(written_keys(&target).len(), 40);
}

/// The four values issue 14 found rendered and then refused by Terraform: `render` refuses each
/// itself, naming the key, exit 2, nothing written.
#[test]
fn an_alarm_period_terraform_refuses_is_refused_at_render() {
    let dir = project(
        &[("alarm_period_seconds = 300", "alarm_period_seconds = 30")],
        &fixture_variables(),
    );
    assert_rejected(
        dir.path(),
        &[
            "monitoring.alarm_period_seconds",
            "multiple of 60 between 60 and 86400",
        ],
    );
}

#[test]
fn a_prefix_without_a_static_part_is_refused_at_render() {
    let dir = project(
        &[("csv_prefix = \"csv/{date}\"", "csv_prefix = \"{date}\"")],
        &fixture_variables(),
    );
    assert_rejected(
        dir.path(),
        &["bucket.csv_prefix", "starts with a placeholder"],
    );
}

#[test]
fn an_ipv6_ssh_range_is_refused_at_render() {
    let dir = project(
        &[(
            "ssh_allowed_cidrs = [\"203.0.113.10/32\"]",
            "ssh_allowed_cidrs = [\"203.0.113.10/32\", \"2001:db8::/64\"]",
        )],
        &fixture_variables(),
    );
    assert_rejected(dir.path(), &["app.ssh_allowed_cidrs[1]", "IPv6"]);
}

#[test]
fn bucket_names_the_root_module_refuses_are_refused_at_render() {
    // Four digit groups out of IPv4 range: Terraform's rule (and S3's) refuses them too.
    let dir = project(
        &[("name = \"vcm-bucket25\"", "name = \"999.1.1.1\"")],
        &fixture_variables(),
    );
    assert_rejected(dir.path(), &["bucket.name", "IP address"]);
}

/// A write the filesystem refuses is a runtime error (exit 3), naming the file; the config was
/// fine, so it is not a usage error. `/proc` takes no new files, even from root, and the
/// atomic write's temporary file is made beside the target, so nothing is written anywhere.
#[test]
fn a_write_the_filesystem_refuses_is_exit_3_naming_the_file() {
    let dir = project(&[], &fixture_variables());
    let out = render(dir.path(), &["--out", "/proc/pipeform-render-test.json"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("/proc/pipeform-render-test.json"), "{err}");
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(!tfvars(dir.path()).exists());
}

/// A failure or success pattern that would not count its status line is written as given (the
/// module's validation cannot judge it, and CloudWatch accepts it) but named in a warning before
/// anything is applied; the example's patterns give none.
#[test]
fn a_pattern_that_would_not_count_its_status_line_is_a_warning_at_render() {
    let dir = project(&[], &fixture_variables());
    let out = render(dir.path(), &[]);
    assert!(out.status.success(), "{out:?}");
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("warning"),
        "{out:?}"
    );

    let dir = project(
        &[(
            "failure_pattern = \"JOB_STATUS=FAILED\"",
            "failure_pattern = \"\\\"job_status=failed\\\"\"",
        )],
        &fixture_variables(),
    );
    let out = render(dir.path(), &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{out:?}");
    assert!(
        stderr.contains("warning: monitoring.failure_pattern: \"\\\"job_status=failed\\\"\" matches neither status line")
            && stderr.contains("the failure alarm would not fire on a failed run"),
        "{stderr}"
    );
    let text = fs::read_to_string(tfvars(dir.path())).expect("tfvars written");
    assert!(text.contains(r#"\"job_status=failed\""#), "{text}");
}

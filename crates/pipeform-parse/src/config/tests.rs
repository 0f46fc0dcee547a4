//! Loading as a whole: the example, error collection, key paths and lines.

use std::path::{Path, PathBuf};

use super::*;

fn example_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/pipeform.toml")
}

fn example() -> String {
    std::fs::read_to_string(example_path()).expect("examples/pipeform.toml is readable")
}

/// The example with `from` replaced by `to` (which must occur).
fn edited(edits: &[(&str, &str)]) -> String {
    let mut text = example();
    for (from, to) in edits {
        assert!(text.contains(from), "{from} not in the example");
        text = text.replacen(from, to, 1);
    }
    text
}

fn problems(text: &str) -> Vec<Problem> {
    match parse_str(text, Path::new("dir/pipeform.toml")) {
        Ok(_) => panic!("expected problems in:\n{text}"),
        Err(e) => e.problems().to_vec(),
    }
}

fn one(text: &str, key: &str) -> Problem {
    let ps = problems(text);
    assert_eq!(ps.len(), 1, "{ps:#?}");
    assert_eq!(ps[0].key, key, "{ps:#?}");
    ps[0].clone()
}

#[test]
fn the_example_loads_with_the_contract_values_and_defaults() {
    let s = load(&example_path()).expect("the example is valid");
    assert_eq!(s.project.name, "offsets");
    assert_eq!(s.project.region, "ap-northeast-2");
    assert_eq!(s.network.vpc_cidr.to_string(), "10.20.0.0/16");
    assert_eq!(s.network.db_subnets[1].to_string(), "10.20.102.0/24");
    assert_eq!(s.app.ssh_allowed_cidrs[0].to_string(), "203.0.113.10/32");
    assert_eq!(
        s.app.public_key_path,
        example_path()
            .parent()
            .expect("examples dir")
            .join("keys/offsets.pub")
    );
    assert!(s.app.public_key_path.is_file());
    assert_eq!(s.monitoring.retention_days, 30);
    assert_eq!(s.monitoring.alarm_period_seconds, 300);
    assert_eq!(s.bucket.csv_prefix.as_str(), "csv/{date}");
    assert_eq!(s.bucket.freshness_hours, 26);
    assert_eq!(s.pipeline.schedule, "0 3 * * *");
    // Defaults of the optional keys.
    assert_eq!(s.nat.ami_id, None);
    assert_eq!(s.app.ami_id, None);
    assert_eq!(s.rds.allocated_storage, 20);
    assert!(s.rds.deletion_protection);
    assert!(!s.rds.skip_final_snapshot);
    assert!(!s.bucket.force_destroy);
    assert_eq!(s.pipeline.csv_dir, "/var/lib/pipeform/csv");
    assert_eq!(s.pipeline.log_dir, "/var/log/pipeform");
    assert_eq!(s.pipeline.run_as, "ubuntu");
    assert!(s.pipeline.pseudonymise_fields.is_empty());
}

#[test]
fn optional_keys_override_defaults() {
    let text = edited(&[
        (
            "# ami_id = \"ami-0123456789abcdef0\"   # optional; default: the module looks up a current AMI\n\n[app]",
            "ami_id = \"ami-0123456789abcdef0\"\n\n[app]",
        ),
        ("# allocated_storage = 20 ", "allocated_storage = 50 "),
        ("# deletion_protection = true ", "deletion_protection = false "),
        ("# skip_final_snapshot = false ", "skip_final_snapshot = true "),
        ("# force_destroy = false ", "force_destroy = true "),
        ("# run_as = \"ubuntu\" ", "run_as = \"pipeform\" "),
        ("# csv_dir = \"/var/lib/pipeform/csv\" ", "csv_dir = \"/srv/csv/\" "),
        ("# pseudonymise_fields = [] ", "pseudonymise_fields = [\"user_email\"] "),
    ]);
    let s = parse_str(&text, Path::new("pipeform.toml")).expect("valid");
    assert_eq!(s.nat.ami_id.as_deref(), Some("ami-0123456789abcdef0"));
    assert_eq!(s.rds.allocated_storage, 50);
    assert!(!s.rds.deletion_protection);
    assert!(s.rds.skip_final_snapshot);
    assert!(s.bucket.force_destroy);
    assert_eq!(s.pipeline.run_as, "pipeform");
    assert_eq!(s.pipeline.csv_dir, "/srv/csv");
    assert_eq!(s.pipeline.pseudonymise_fields, ["user_email"]);
    assert_eq!(s.app.public_key_path, PathBuf::from("keys/offsets.pub"));
}

#[test]
fn a_missing_file_names_the_path() {
    let e = load(Path::new("/nonexistent/pipeform.toml")).expect_err("no such file");
    let msg = e.to_string();
    assert!(msg.contains("/nonexistent/pipeform.toml"), "{msg}");
    assert!(msg.contains("pipeform init"), "{msg}");
}

#[test]
fn syntax_errors_give_the_line() {
    let text = edited(&[("retention_days = 30", "retention_days = = 30")]);
    let ps = problems(&text);
    assert_eq!(ps.len(), 1, "{ps:#?}");
    assert_eq!(ps[0].line, Some(46), "{ps:#?}");
    assert!(ps[0].message.contains("TOML"), "{ps:#?}");
}

#[test]
fn unknown_keys_and_sections_are_all_reported_with_lines() {
    let text = edited(&[
        (
            "environment = \"prod\"",
            "environment = \"prod\"\nowner = \"me\"",
        ),
        (
            "[pipeline]",
            "[extra]\nx = 1\n\n[pipeline]\nschedul = \"0 3 * * *\"",
        ),
    ]);
    let ps = problems(&text);
    let keys: Vec<&str> = ps.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(
        keys,
        ["project.owner", "extra", "pipeline.schedul"],
        "{ps:#?}"
    );
    assert_eq!(ps[0].line, Some(11));
    assert!(ps[0].message.contains("unknown key `owner`"), "{ps:#?}");
    let help = |p: &Problem| p.help.clone().unwrap_or_default();
    assert!(help(&ps[0]).contains("`environment`"), "{ps:#?}");
    assert!(help(&ps[1]).contains("[pipeline]"), "{ps:#?}");
    // Each points at what is wrong: the key itself, the section's name.
    let at = |p: &Problem| &text[p.span.clone().expect("a span")];
    assert_eq!(at(&ps[0]), "owner");
    assert_eq!(at(&ps[1]), "extra");
    assert_eq!(at(&ps[2]), "schedul");
}

#[test]
fn rule_problems_point_at_the_value_and_missing_keys_at_the_section() {
    let text = edited(&[
        ("retention_days = 30", "retention_days = 45"),
        ("freshness_hours = 26", ""),
    ]);
    let ps = problems(&text);
    let at = |key: &str| {
        let p = ps.iter().find(|p| p.key == key).expect(key);
        &text[p.span.clone().expect("a span")]
    };
    assert_eq!(at("monitoring.retention_days"), "45");
    assert_eq!(at("bucket.freshness_hours"), "bucket");
}

#[test]
fn the_report_reads_as_rustc_with_every_problem_then_a_summary() {
    let text = edited(&[
        ("retention_days = 30", "retention_days = 45"),
        (
            "environment = \"prod\"",
            "environment = \"prod\"\nowner = \"me\"",
        ),
    ]);
    let report = parse_str(&text, Path::new("dir/pipeform.toml"))
        .expect_err("invalid")
        .render(false);
    let line = |needle: &str| text.lines().position(|l| l.contains(needle)).expect(needle) + 1;
    let (owner, retention) = (line("owner ="), line("retention_days ="));
    let source = text.lines().nth(owner - 1).expect("the owner line");
    let expected_owner = format!(
        "error: project.owner: unknown key `owner`\n  --> dir/pipeform.toml:{owner}:1\n   |\n{owner} | {source}\n   | ^^^^^\n   |\n   = help: the keys are `name`, `region`, `environment`\n"
    );
    assert!(report.contains(&expected_owner), "{report}");
    assert!(
        report.contains(&format!(" --> dir/pipeform.toml:{retention}:18\n")),
        "{report}"
    );
    assert!(
        report.ends_with("error: invalid config dir/pipeform.toml: 2 problems\n"),
        "{report}"
    );
    assert!(!report.contains('\u{1b}'), "{report}");
    let coloured = parse_str(&text, Path::new("dir/pipeform.toml"))
        .expect_err("invalid")
        .render(true);
    assert!(coloured.contains('\u{1b}'), "{coloured}");
}

#[test]
fn wrong_types_are_reported_per_key() {
    let text = edited(&[
        ("retention_days = 30", "retention_days = \"30\""),
        (
            "alert_emails = [\"ops@example.com\"]",
            "alert_emails = \"ops@example.com\"",
        ),
    ]);
    let ps = problems(&text);
    assert_eq!(ps.len(), 2, "{ps:#?}");
    assert_eq!(ps[0].key, "monitoring.retention_days");
    assert!(ps[0].message.contains("whole number"), "{ps:#?}");
    assert_eq!(ps[1].key, "monitoring.alert_emails");
    assert!(ps[1].message.contains("list"), "{ps:#?}");
}

#[test]
fn missing_sections_and_keys() {
    let text = edited(&[
        ("[nat]\ninstance_type = \"t3.nano\"\n", ""),
        ("database = \"offsets\"\n", ""),
    ]);
    let ps = problems(&text);
    let keys: Vec<&str> = ps.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys, ["nat", "rds.database"], "{ps:#?}");
    assert_eq!(ps[1].message, "missing", "{ps:#?}");
    let help = ps[1].help.as_deref().unwrap_or_default();
    assert!(help.contains("database = \"offsets\""), "{ps:#?}");
    // The one-line form (Display) keeps the hint.
    assert!(ps[1].to_string().contains("missing; add e.g."), "{}", ps[1]);
}

#[test]
fn cidr_rules() {
    let p = one(
        &edited(&[("\"10.20.102.0/24\"]", "\"10.20.102.0/33\"]")]),
        "network.db_subnets[1]",
    );
    assert!(p.message.contains("not an IPv4 CIDR"), "{p:?}");
    let p = one(
        &edited(&[("\"10.20.102.0/24\"]", "\"10.30.102.0/24\"]")]),
        "network.db_subnets[1]",
    );
    assert!(p.message.contains("outside vpc_cidr 10.20.0.0/16"), "{p:?}");
    let p = one(
        &edited(&[("\"10.20.102.0/24\"]", "\"10.20.0.0/22\"]")]),
        "network.db_subnets[1]",
    );
    assert!(
        p.message
            .contains("overlaps network.public_subnets[0] (10.20.1.0/24)"),
        "{p:?}"
    );
    let p = one(
        &edited(&[("\"10.20.1.0/24\", \"10.20.2.0/24\"]", "\"10.20.1.0/24\"]")]),
        "network.public_subnets",
    );
    assert!(
        p.message.contains("1 subnet for 2 availability zones"),
        "{p:?}"
    );
    let p = one(
        &edited(&[("vpc_cidr = \"10.20.0.0/16\"", "vpc_cidr = \"10.20.0.1/16\"")]),
        "network.vpc_cidr",
    );
    assert!(p.message.contains("host bits"), "{p:?}");
    let p = one(
        &edited(&[("\"ap-northeast-2c\"]", "\"us-east-1c\"]")]),
        "network.availability_zones[1]",
    );
    assert!(p.message.contains("ap-northeast-2a"), "{p:?}");
    assert_eq!(p.line, Some(15));
}

#[test]
fn ssh_from_anywhere_is_refused() {
    let text = edited(&[(
        "ssh_allowed_cidrs = [\"203.0.113.10/32\"]",
        "ssh_allowed_cidrs = [\"203.0.113.10/32\", \"0.0.0.0/0\", \"::/0\"]",
    )]);
    let ps = problems(&text);
    let keys: Vec<&str> = ps.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(
        keys,
        ["app.ssh_allowed_cidrs[1]", "app.ssh_allowed_cidrs[2]"],
        "{ps:#?}"
    );
}

#[test]
fn every_section_rule_reports_at_once() {
    let text = edited(&[
        ("name = \"offsets\"", "name = \"Offsets\""),
        ("instance_type = \"t3.nano\"", "instance_type = \"nano\""),
        ("engine_version = \"8.0\"", "engine_version = \"eight\""),
        ("retention_days = 30", "retention_days = 31"),
        ("alarm_period_seconds = 300", "alarm_period_seconds = 45"),
        (
            "[\"ops@example.com\"]",
            "[\"ops@example.com\", \"ops-at-example.com\"]",
        ),
        ("name = \"vcm-bucket25\"", "name = \"VCM_bucket\""),
        ("csv_prefix = \"csv/{date}\"", "csv_prefix = \"csv/{week}\""),
        ("freshness_hours = 26", "freshness_hours = 0"),
        ("schedule = \"0 3 * * *\"", "schedule = \"0 25 * * *\""),
    ]);
    let ps = problems(&text);
    let keys: Vec<&str> = ps.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "project.name",
            "nat.instance_type",
            "rds.engine_version",
            "monitoring.retention_days",
            "monitoring.alarm_period_seconds",
            "monitoring.alert_emails[1]",
            "bucket.name",
            "bucket.csv_prefix",
            "bucket.freshness_hours",
            "pipeline.schedule",
        ],
        "{ps:#?}"
    );
    let msg = parse_str(&text, Path::new("dir/pipeform.toml"))
        .expect_err("invalid")
        .to_string();
    assert!(
        msg.starts_with("invalid config dir/pipeform.toml: 10 problems\n"),
        "{msg}"
    );
    assert!(
        msg.contains("\n  line 8: project.name: \"Offsets\" is not a project name"),
        "{msg}"
    );
}

#[test]
fn a_file_over_the_size_cap_is_refused_before_the_rest_is_read() {
    // /dev/zero never ends: without the cap this read would run until the OOM killer.
    let e = load(Path::new("/dev/zero")).unwrap_err();
    assert!(matches!(e, ConfigError::TooLarge { .. }), "{e}");
    assert!(e.to_string().contains("larger than 1048576 bytes"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("pipeform.toml");
    let mut text = example();
    text.push_str(&"#".repeat(MAX_CONFIG_BYTES as usize));
    std::fs::write(&big, text).unwrap();
    assert!(matches!(load(&big), Err(ConfigError::TooLarge { .. })));
    // At the cap exactly the file is read (and here, being the example, it loads).
    let mut text = example();
    let pad = MAX_CONFIG_BYTES as usize - text.len() - 1;
    text.push_str(&"#".repeat(pad));
    text.push('\n');
    std::fs::write(&big, text).unwrap();
    assert!(load(&big).is_ok());
}

#[test]
fn invalid_utf8_names_the_line_and_byte_not_pipeform_init() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pipeform.toml");
    let mut bytes = b"[project]\nname = \"off".to_vec();
    bytes.push(0xff);
    bytes.extend_from_slice(b"sets\"\n");
    std::fs::write(&path, &bytes).unwrap();
    let e = load(&path).unwrap_err();
    let text = e.to_string();
    assert!(
        matches!(
            e,
            ConfigError::NotUtf8 {
                line: 2,
                byte: 21,
                ..
            }
        ),
        "{text}"
    );
    assert!(text.contains("line 2 (byte 21"), "{text}");
    assert!(!text.contains("pipeform init"), "{text}");
}

#[test]
fn lists_longer_than_the_cap_are_one_problem() {
    let subnets: Vec<String> = (0..=MAX_LIST_LEN)
        .map(|i| format!("\"10.20.{}.{}/32\"", i / 256, i % 256))
        .collect();
    let text = edited(&[(
        "public_subnets = [\"10.20.1.0/24\", \"10.20.2.0/24\"]",
        &format!("public_subnets = [{}]", subnets.join(", ")),
    )]);
    let p = one(&text, "network.public_subnets");
    assert!(p.message.contains("at most 256"), "{p}");
}

#[test]
fn a_section_with_more_keys_than_any_section_has_is_one_problem() {
    // The shape that was quadratic (every key's line found by scanning from the start) and
    // then cost seconds of per-key messages: 20,000 unknown keys in one section.
    let mut text = example();
    let at = text.find("[nat]").unwrap();
    let keys: String = (0..20_000).map(|i| format!("k{i} = 1\n")).collect();
    text.insert_str(at, &keys);
    let p = one(&text, "network");
    assert!(
        p.message.contains("has 20004 keys") && p.message.contains("at most 64"),
        "{p}"
    );
    assert_eq!(
        p.line,
        example()
            .lines()
            .position(|l| l == "[network]")
            .map(|i| i + 1)
    );
}

#[test]
fn unknown_keys_below_the_cap_each_get_their_own_line() {
    let mut text = example();
    let at = text.find("[nat]").unwrap();
    let keys: String = (0..50).map(|i| format!("k{i} = 1\n")).collect();
    text.insert_str(at, &keys);
    let first_line = example()[..at].lines().count() + 1;
    let ps = problems(&text);
    assert_eq!(ps.len(), 50, "{ps:#?}");
    assert!(ps
        .iter()
        .all(|p| p.key.starts_with("network.k") && p.message.starts_with("unknown key")));
    assert_eq!(ps[0].line, Some(first_line), "{}", ps[0]);
    assert_eq!(ps[49].line, Some(first_line + 49));
}

#[test]
fn more_unknown_sections_than_the_cap_are_one_problem() {
    let mut text = example();
    for i in 0..20_000 {
        text.push_str(&format!("[s{i}]\n"));
    }
    let first_line = example().lines().count() + 1;
    let p = one(&text, "");
    assert!(
        p.message
            .starts_with("20000 unknown sections (the first is [s0])"),
        "{p}"
    );
    assert_eq!(p.line, Some(first_line));
    let mut text = example();
    text.push_str("[s1]\n[s2]\n");
    assert_eq!(problems(&text).len(), 2);
}

/// Found writing the `config` fuzz target's property (derived names pass their own rule): a
/// metric name of 246 to 255 characters was accepted, and the success metric derived from it
/// (`<metric_name>-Succeeded`) was longer than the 255 CloudWatch takes.
#[test]
fn a_metric_name_too_long_for_its_success_metric_is_refused() {
    let from = "metric_name = \"CarbonUnifiedJobFailed\"";
    let long = format!("metric_name = \"{}\"", "M".repeat(246));
    let p = one(&edited(&[(from, &long)]), "monitoring.metric_name");
    assert!(p.message.contains("-Succeeded"), "{p}");
    assert!(p.line.is_some(), "{p}");
    let fits = format!("metric_name = \"{}\"", "M".repeat(245));
    let stack = parse_str(&edited(&[(from, &fits)]), Path::new("x.toml")).expect("fits");
    assert_eq!(stack.monitoring.success_metric_name().chars().count(), 255);
}

//! `pipeform drift` (contract §8) against the shared stack in moto: a clean stack is in sync;
//! five faults made out of band are each listed with path, state value and live value; waivers
//! hide or, once expired, stop hiding a difference; bad input is exit 2, a failing terraform 3.

mod support;

use std::fs;
use std::process::Output;

use aws_config::BehaviorVersion;
use serde_json::{json, Value};
use support::stack::{self, SharedStack};

const LOG_GROUP: &str = "module.cloudwatch.aws_cloudwatch_log_group.this";
const ALARM: &str = "module.cloudwatch.aws_cloudwatch_metric_alarm.this";
const NAT: &str = "module.nat.aws_instance.this";
const ROUTE: &str = "module.private_route.aws_route.default";
const APP_SG: &str = "module.app_sg.aws_security_group.this";
const DB: &str = "module.rds.aws_db_instance.this";

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\n--- stderr\n{}",
            text(&out.stdout),
            text(&out.stderr)
        )
    })
}

fn drift(s: &SharedStack, extra: &[&str]) -> Output {
    s.pipeform()
        .arg("drift")
        .arg("--terraform-dir")
        .arg(&s.terraform_dir)
        .args(extra)
        .output()
        .expect("run pipeform drift")
}

/// The drifted attribute `path` of `address` in a JSON report.
fn attribute<'a>(doc: &'a Value, address: &str, path: &str) -> &'a Value {
    let resource = doc["drift"]
        .as_array()
        .and_then(|a| a.iter().find(|d| d["address"] == address))
        .unwrap_or_else(|| panic!("{address} not in drift: {doc:#}"));
    resource["attributes"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["path"] == path))
        .unwrap_or_else(|| panic!("{address} {path} not listed: {resource:#}"))
}

fn drifted_addresses(doc: &Value) -> Vec<String> {
    doc["drift"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|d| d["address"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// `project.name` of the stack's config.
fn project_name(s: &SharedStack) -> String {
    let config: toml::Table = fs::read_to_string(&s.config)
        .expect("read the stack config")
        .parse()
        .expect("the stack config is TOML");
    config["project"]["name"]
        .as_str()
        .expect("project.name is a string")
        .to_string()
}

#[test]
fn a_clean_stack_is_in_sync() {
    let s = stack::shared();
    let _lock = stack::exclusive();
    // From a directory without pipeform.toml: plain drift needs only the root module's state.
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let out = s
        .pipeform()
        .current_dir(elsewhere.path())
        .arg("drift")
        .arg("--terraform-dir")
        .arg(&s.terraform_dir)
        .args(["--format", "json"])
        .output()
        .expect("run pipeform drift");
    let doc = json_of(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{doc:#}\n--- stderr\n{}",
        text(&out.stderr)
    );
    assert_eq!(doc["drift"], json!([]), "{doc:#}");
    assert_eq!(doc["summary"]["drifted"], 0);
    assert!(doc.get("project").is_none(), "no config was read: {doc:#}");
    // moto advances the DB's restore time on every read: ignored, and said so.
    let ignored = doc["ignored"].as_array().expect("ignored is a list");
    assert!(
        ignored
            .iter()
            .any(|i| i["address"] == DB && i["path"] == "latest_restorable_time"),
        "{doc:#}"
    );
    assert_eq!(doc["summary"]["ignored"], json!(ignored.len()));
    assert!(
        doc["summary"]["resources"].as_u64().unwrap_or(0) > 30,
        "{doc:#}"
    );
    stack::log(&format!(
        "drift: clean stack: exit 0, 0 drifted, {} ignored (volatile), {} resources checked",
        ignored.len(),
        doc["summary"]["resources"]
    ));
}

/// Out-of-band changes to the live stack, and their undoing.
struct Faults {
    rt: tokio::runtime::Runtime,
    ec2: aws_sdk_ec2::Client,
    logs: aws_sdk_cloudwatchlogs::Client,
    cw: aws_sdk_cloudwatch::Client,
    log_group: String,
    route_table: String,
    eni: String,
    nat: String,
    app_sg: String,
    alarm: aws_sdk_cloudwatch::types::MetricAlarm,
}

/// The rule "added by hand" to the app security group.
const HAND_CIDR: &str = "198.51.100.0/24";

impl Faults {
    fn new(s: &SharedStack) -> Self {
        let rt = tokio::runtime::Runtime::new().expect("a tokio runtime for the SDK");
        let env: std::collections::BTreeMap<String, String> = s.aws_env().into_iter().collect();
        let region = env
            .get("AWS_REGION")
            .cloned()
            .unwrap_or_else(|| "ap-northeast-2".into());
        let config = rt.block_on(
            aws_config::defaults(BehaviorVersion::latest())
                .region(aws_config::Region::new(region))
                .endpoint_url(&s.endpoint)
                .credentials_provider(aws_sdk_ec2::config::Credentials::new(
                    "testing", "testing", None, None, "moto",
                ))
                .load(),
        );
        let cw = aws_sdk_cloudwatch::Client::new(&config);
        let alarm_name = s.output("alarm_name");
        let alarm = rt
            .block_on(cw.describe_alarms().alarm_names(&alarm_name).send())
            .expect("describe the alarm")
            .metric_alarms
            .unwrap_or_default()
            .into_iter()
            .next()
            .expect("the stack's alarm exists");
        Self {
            ec2: aws_sdk_ec2::Client::new(&config),
            logs: aws_sdk_cloudwatchlogs::Client::new(&config),
            cw,
            log_group: s.output("log_group_name"),
            route_table: s.output("private_route_table_id"),
            eni: s.output("nat_network_interface_id"),
            nat: s.output("nat_instance_id"),
            app_sg: s.output("app_security_group_id"),
            alarm,
            rt,
        }
    }

    /// Re-puts the alarm as it was, with these alarm actions.
    fn put_alarm(&self, alarm_actions: Option<Vec<String>>) {
        let a = &self.alarm;
        let req = self
            .cw
            .put_metric_alarm()
            .set_alarm_name(a.alarm_name.clone())
            .set_alarm_description(a.alarm_description.clone())
            .set_actions_enabled(a.actions_enabled)
            .set_ok_actions(a.ok_actions.clone())
            .set_alarm_actions(alarm_actions)
            .set_insufficient_data_actions(a.insufficient_data_actions.clone())
            .set_metric_name(a.metric_name.clone())
            .set_namespace(a.namespace.clone())
            .set_statistic(a.statistic.clone())
            .set_extended_statistic(a.extended_statistic.clone())
            .set_dimensions(a.dimensions.clone())
            .set_period(a.period)
            .set_unit(a.unit.clone())
            .set_evaluation_periods(a.evaluation_periods)
            .set_datapoints_to_alarm(a.datapoints_to_alarm)
            .set_threshold(a.threshold)
            .set_comparison_operator(a.comparison_operator.clone())
            .set_treat_missing_data(a.treat_missing_data.clone())
            .set_evaluate_low_sample_count_percentile(
                a.evaluate_low_sample_count_percentile.clone(),
            );
        self.rt.block_on(req.send()).expect("put the alarm");
    }

    fn hand_rule() -> aws_sdk_ec2::types::IpPermission {
        aws_sdk_ec2::types::IpPermission::builder()
            .ip_protocol("tcp")
            .from_port(443)
            .to_port(443)
            .ip_ranges(
                aws_sdk_ec2::types::IpRange::builder()
                    .cidr_ip(HAND_CIDR)
                    .build(),
            )
            .build()
    }

    fn make(&self) {
        self.rt.block_on(async {
            self.logs
                .put_retention_policy()
                .log_group_name(&self.log_group)
                .retention_in_days(7)
                .send()
                .await
                .expect("change the retention");
            self.ec2
                .delete_route()
                .route_table_id(&self.route_table)
                .destination_cidr_block("0.0.0.0/0")
                .send()
                .await
                .expect("delete the private default route");
            self.ec2
                .modify_instance_attribute()
                .instance_id(&self.nat)
                .source_dest_check(
                    aws_sdk_ec2::types::AttributeBooleanValue::builder()
                        .value(true)
                        .build(),
                )
                .send()
                .await
                .expect("re-enable source/dest check");
            self.ec2
                .authorize_security_group_ingress()
                .group_id(&self.app_sg)
                .ip_permissions(Self::hand_rule())
                .send()
                .await
                .expect("add an ingress rule by hand");
        });
        self.put_alarm(Some(Vec::new()));
    }

    /// Undoes [`Faults::make`]; every step runs even if one fails, and all failures are reported.
    fn restore(&self) -> Vec<String> {
        let mut errors = Vec::new();
        self.rt.block_on(async {
            if let Err(e) = self
                .logs
                .put_retention_policy()
                .log_group_name(&self.log_group)
                .retention_in_days(30)
                .send()
                .await
            {
                errors.push(format!("retention: {e:?}"));
            }
            if let Err(e) = self
                .ec2
                .create_route()
                .route_table_id(&self.route_table)
                .destination_cidr_block("0.0.0.0/0")
                .network_interface_id(&self.eni)
                .send()
                .await
            {
                errors.push(format!("route: {e:?}"));
            }
            if let Err(e) = self
                .ec2
                .modify_instance_attribute()
                .instance_id(&self.nat)
                .source_dest_check(
                    aws_sdk_ec2::types::AttributeBooleanValue::builder()
                        .value(false)
                        .build(),
                )
                .send()
                .await
            {
                errors.push(format!("source/dest check: {e:?}"));
            }
            if let Err(e) = self
                .ec2
                .revoke_security_group_ingress()
                .group_id(&self.app_sg)
                .ip_permissions(Self::hand_rule())
                .send()
                .await
            {
                errors.push(format!("sg rule: {e:?}"));
            }
        });
        self.put_alarm(self.alarm.alarm_actions.clone());
        errors
    }
}

/// Restores the stack when dropped, so a test that panics half-way through making faults does
/// not leave them for the next test; [`Restorer::now`] restores early and returns the errors.
struct Restorer<'a> {
    faults: &'a Faults,
    done: bool,
}

impl<'a> Restorer<'a> {
    fn new(faults: &'a Faults) -> Self {
        Self {
            faults,
            done: false,
        }
    }

    fn now(mut self) -> Vec<String> {
        self.done = true;
        self.faults.restore()
    }
}

impl Drop for Restorer<'_> {
    fn drop(&mut self) {
        if !self.done {
            // Best effort after a panic: steps whose fault was never made fail harmlessly.
            let errors = self.faults.restore();
            eprintln!("restored the stack after a failure; step errors: {errors:#?}");
        }
    }
}

#[test]
fn out_of_band_changes_are_listed_attribute_by_attribute_and_waivers_apply() {
    let s = stack::shared();
    let _lock = stack::exclusive();
    let faults = Faults::new(s);
    let waivers = s.workdir.join("drift-waivers.toml");
    fs::write(
        &waivers,
        format!(
            r#"
[[waiver]]
address = "{LOG_GROUP}"
attribute = "retention_in_days"
reason = "INC-7: shortened during the audit"
expires = 2999-12-31

[[waiver]]
address = "{NAT}"
attribute = "source_dest_check"
reason = "old exception, lapsed"
expires = 2000-01-01
"#
        ),
    )
    .expect("write the waiver file");

    let restorer = Restorer::new(&faults);
    faults.make();
    // Collect everything before asserting, so the stack is restored whatever the outcome.
    let plain = drift(s, &["--format", "json"]);
    let waived = drift(
        s,
        &["--format", "json", "--waivers", &waivers.to_string_lossy()],
    );
    let junit = drift(s, &["--format", "junit"]);
    let restore_errors = restorer.now();
    if !restore_errors.is_empty() {
        stack::invalidate(&format!("drift restore: {restore_errors:?}"));
    }
    assert!(
        restore_errors.is_empty(),
        "restoring the stack: {restore_errors:#?}"
    );

    // Without waivers: each fault is listed with path, state and live value; exit 1.
    let doc = json_of(&plain);
    assert_eq!(
        plain.status.code(),
        Some(1),
        "{doc:#}\n{}",
        text(&plain.stderr)
    );
    let a = attribute(&doc, LOG_GROUP, "retention_in_days");
    assert_eq!((&a["state"], &a["live"]), (&json!(30), &json!(7)), "{a}");
    let a = attribute(&doc, ALARM, "alarm_actions");
    assert_eq!(a["state"], json!([s.output("sns_topic_arn")]), "{a}");
    assert_eq!(a["live"], json!([]), "{a}");
    let a = attribute(&doc, NAT, "source_dest_check");
    assert_eq!(
        (&a["state"], &a["live"]),
        (&json!(false), &json!(true)),
        "{a}"
    );
    let a = attribute(&doc, ROUTE, "destination_cidr_block");
    assert_eq!(
        (&a["state"], &a["live"]),
        (&json!("0.0.0.0/0"), &Value::Null),
        "{a}"
    );
    let a = attribute(&doc, ROUTE, "network_interface_id");
    assert_eq!(
        a["state"],
        json!(s.output("nat_network_interface_id")),
        "{a}"
    );
    let route = doc["drift"]
        .as_array()
        .and_then(|a| a.iter().find(|d| d["address"] == ROUTE))
        .expect("route listed");
    assert_eq!(route["action"], "delete");
    let sg = doc["drift"]
        .as_array()
        .and_then(|a| a.iter().find(|d| d["address"] == APP_SG))
        .expect("app security group listed");
    let rows = sg["attributes"].as_array().expect("attributes");
    assert_eq!(
        rows.len(),
        1,
        "only the added rule, not the managed one: {sg:#}"
    );
    assert!(
        rows[0]["path"]
            .as_str()
            .unwrap_or("")
            .starts_with("ingress["),
        "{sg:#}"
    );
    assert_eq!(rows[0]["state"], Value::Null, "{sg:#}");
    assert_eq!(rows[0]["live"]["cidr_blocks"], json!([HAND_CIDR]), "{sg:#}");
    assert_eq!(rows[0]["live"]["from_port"], json!(443), "{sg:#}");
    for address in [LOG_GROUP, ALARM, NAT, ROUTE, APP_SG] {
        assert!(
            drifted_addresses(&doc).iter().any(|a| a == address),
            "{address}: {doc:#}"
        );
    }
    // Run next to the stack's pipeform.toml, the report names the project.
    assert_eq!(doc["project"], json!(project_name(s)), "{doc:#}");
    assert_eq!(
        doc["summary"]["drifted"],
        json!(drifted_addresses(&doc).len())
    );

    // With waivers: the live one hides retention and lists it as waived; the expired one does
    // not hide source/dest check, and is reported as expired.
    let doc = json_of(&waived);
    assert_eq!(
        waived.status.code(),
        Some(1),
        "{doc:#}\n{}",
        text(&waived.stderr)
    );
    assert!(
        !drifted_addresses(&doc).iter().any(|a| a == LOG_GROUP),
        "{doc:#}"
    );
    let w = doc["ignored"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["address"] == LOG_GROUP))
        .unwrap_or_else(|| panic!("waived retention not listed as ignored: {doc:#}"));
    assert_eq!(w["path"], "retention_in_days");
    assert_eq!(w["kind"], "waiver");
    assert_eq!(w["reason"], "INC-7: shortened during the audit");
    assert_eq!((&w["state"], &w["live"]), (&json!(30), &json!(7)));
    assert_eq!(doc["summary"]["waived"], 1);
    let a = attribute(&doc, NAT, "source_dest_check");
    assert_eq!(a["expired_waiver"]["expires"], "2000-01-01", "{a}");
    assert_eq!(doc["expired_waivers"][0]["address"], NAT, "{doc:#}");
    assert_eq!(doc["summary"]["expired_waivers"], 1);

    // JUnit: one test case per managed resource, the drifted ones failing.
    let xml = text(&junit.stdout);
    assert_eq!(
        junit.status.code(),
        Some(1),
        "{xml}\n{}",
        text(&junit.stderr)
    );
    let cases = xml.matches("<testcase ").count();
    assert!(cases > 30, "{cases} test cases:\n{xml}");
    assert!(
        xml.contains(&format!("tests=\"{cases}\" failures=\"")),
        "{xml}"
    );
    for address in [LOG_GROUP, ALARM, NAT, ROUTE, APP_SG] {
        let at = xml
            .find(&format!("<testcase name=\"{address}\""))
            .unwrap_or_else(|| panic!("no test case for {address}:\n{xml}"));
        let case = &xml[at..];
        let end = case.find("</testcase>").unwrap_or(case.len());
        assert!(
            case[..end].contains("<failure "),
            "{address} should fail:\n{}",
            &case[..end]
        );
    }
    assert!(xml.contains("retention_in_days: state 30 live 7"), "{xml}");
    stack::log(&format!(
        "drift: 5 out-of-band faults: exit 1, drifted {:?}; waiver hid retention, expired waiver did not; junit {cases} cases",
        drifted_addresses(&json_of(&plain))
    ));
}

#[test]
fn a_malformed_or_missing_waiver_file_is_exit_2_before_terraform_runs() {
    let s = stack::shared();
    let _lock = stack::read_only();
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = dir.path().join("waivers.toml");
    fs::write(
        &bad,
        "[[waiver]]\naddress = \"module.nat.aws_instance.this\"\nattribute = \"source_dest_check\"\nreason = \"\"\nexpires = \"someday\"\n",
    )
    .expect("write");
    let spy = support::TerraformSpy::new();
    let out = s
        .pipeform()
        .env("PIPEFORM_TERRAFORM", spy.program())
        .arg("drift")
        .arg("--terraform-dir")
        .arg(&s.terraform_dir)
        .args(["--waivers", &bad.to_string_lossy()])
        .output()
        .expect("run pipeform drift");
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("waivers.toml"), "{err}");
    assert!(err.contains("expires"), "{err}");
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    // Refusing must not have run a refresh-only plan (or anything else of terraform).
    assert_eq!(spy.calls(), Vec::<String>::new());

    let fixed = dir.path().join("waivers2.toml");
    fs::write(
        &fixed,
        "[[waiver]]\naddress = \"\"\nattribute = \"a[x]\"\nreason = \" \"\nexpires = 2026-12-31\n",
    )
    .expect("write");
    let out = drift(s, &["--waivers", &fixed.to_string_lossy()]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for key in [
        "waiver[0].address",
        "waiver[0].attribute",
        "waiver[0].reason",
    ] {
        assert!(err.contains(key), "{key}: {err}");
    }

    let out = drift(s, &["--waivers", "/nonexistent/waivers.toml"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("does not exist"));
}

#[test]
fn a_directory_without_a_root_module_is_exit_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = support::pipeform()
        .current_dir(dir.path())
        .args(["drift", "--terraform-dir"])
        .arg(dir.path())
        .output()
        .expect("run pipeform drift");
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("--terraform-dir"), "{err}");
}

#[test]
fn a_failing_terraform_is_exit_3_with_its_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join("main.tf"), "resource \"aws_vpc\" {\n").expect("write");
    let out = support::pipeform()
        .current_dir(dir.path())
        .args(["drift", "--terraform-dir"])
        .arg(dir.path())
        .output()
        .expect("run pipeform drift");
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("terraform"), "{err}");
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
}

#[test]
fn with_checks_reports_drift_and_checks_in_one_document_with_one_exit_code() {
    let s = stack::shared();
    let _lock = stack::exclusive();
    let faults = Faults::new(s);
    // Undoes the fault should the test panic before its own restore below.
    let mut restorer = Restorer::new(&faults);
    // One fault both commands see: the NAT instance's source/dest check turned back on.
    faults.rt.block_on(async {
        faults
            .ec2
            .modify_instance_attribute()
            .instance_id(&faults.nat)
            .source_dest_check(
                aws_sdk_ec2::types::AttributeBooleanValue::builder()
                    .value(true)
                    .build(),
            )
            .send()
            .await
            .expect("re-enable source/dest check");
    });
    let json_out = s
        .pipeform()
        .arg("--config")
        .arg(&s.config)
        .args([
            "drift",
            "--with-checks",
            "--format",
            "json",
            "--terraform-dir",
        ])
        .arg(&s.terraform_dir)
        .output()
        .expect("run pipeform drift --with-checks");
    let restored = faults.rt.block_on(
        faults
            .ec2
            .modify_instance_attribute()
            .instance_id(&faults.nat)
            .source_dest_check(
                aws_sdk_ec2::types::AttributeBooleanValue::builder()
                    .value(false)
                    .build(),
            )
            .send(),
    );
    restorer.done = restored.is_ok();
    assert!(restored.is_ok(), "restore source/dest check: {restored:?}");

    let doc = json_of(&json_out);
    assert_eq!(
        json_out.status.code(),
        Some(1),
        "{doc:#}\n{}",
        text(&json_out.stderr)
    );
    let a = attribute(&doc, NAT, "source_dest_check");
    assert_eq!((&a["state"], &a["live"]), (&json!(false), &json!(true)));
    let checks = doc["checks"]
        .as_array()
        .expect("checks in the same document");
    let sdc = checks
        .iter()
        .find(|c| c["id"] == "nat.source_dest_check")
        .unwrap_or_else(|| panic!("nat.source_dest_check missing: {doc:#}"));
    assert_eq!(sdc["status"], "fail", "{sdc}");
    assert_eq!(
        doc["checks_summary"]["fail"],
        json!(checks.iter().filter(|c| c["status"] == "fail").count())
    );
    assert_eq!(doc["project"], json!(project_name(s)));
    stack::log(&format!(
        "drift --with-checks: source/dest check re-enabled: exit 1, drift on {NAT} and check nat.source_dest_check fail; {} checks in the same document",
        checks.len()
    ));
}

#[test]
fn with_checks_and_a_bad_config_is_exit_2_before_terraform_runs() {
    let s = stack::shared();
    let _lock = stack::read_only();
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = dir.path().join("pipeform.toml");
    fs::write(&bad, "[project]\nname = \"Not Valid\"\n").expect("write");
    let spy = support::TerraformSpy::new();
    let out = s
        .pipeform()
        .env("PIPEFORM_TERRAFORM", spy.program())
        .arg("--config")
        .arg(&bad)
        .args(["drift", "--with-checks", "--terraform-dir"])
        .arg(&s.terraform_dir)
        .output()
        .expect("run pipeform drift --with-checks");
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("pipeform.toml"), "{err}");
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    assert_eq!(spy.calls(), Vec::<String>::new(), "terraform ran");
}

#[test]
fn an_invalid_config_is_exit_2_before_terraform_runs() {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(
        dir.path().join("pipeform.toml"),
        "[project]\nname = \"Not Valid\"\n",
    )
    .expect("write");
    // Terraform would fail here (exit 3): exit 2 shows the config was judged first.
    fs::write(dir.path().join("main.tf"), "resource \"aws_vpc\" {\n").expect("write");
    let out = support::pipeform()
        .current_dir(dir.path())
        .args(["drift", "--terraform-dir", "."])
        .output()
        .expect("run pipeform drift");
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("pipeform.toml"), "{err}");
    assert!(err.contains("project.name"), "{err}");
}

/// A root module that was rendered but never applied: the state holds nothing to compare, and
/// drift says to apply first (exit 2) instead of reporting an empty audit as "in sync".
#[test]
fn drift_on_an_empty_state_is_exit_2_and_says_to_apply_first() {
    let moto = support::moto::Moto::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let root = support::repo_root();
    stack::copy_root_module(&root.join("terraform"), &dir.path().join("terraform"));
    support::copy_example_config(dir.path());
    let pipeform = || {
        let mut cmd = support::pipeform();
        cmd.current_dir(dir.path())
            .envs(moto.env())
            .env("TF_CLI_CONFIG_FILE", root.join("scripts/terraformrc"))
            .env("TF_IN_AUTOMATION", "1");
        cmd
    };
    pipeform().arg("render").assert().success();
    let out = pipeform()
        .args(["drift", "--format", "json"])
        .output()
        .expect("run pipeform drift");
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}\n{}", text(&out.stdout));
    assert!(err.contains("run `pipeform apply` first"), "{err}");
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
}

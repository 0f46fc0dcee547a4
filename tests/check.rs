//! `pipeform check` against the project's own root module applied into moto: every check
//! passes on the healthy stack; each out-of-band fault (made with boto3, then undone) fails
//! exactly its check and changes no other; dead and silent endpoints give `error` rows (exit 3)
//! within 30 s; config and usage errors exit 2.

mod support;

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::stack::{self, SharedStack};

/// Every check id of contract §5.
const IDS: [&str; 21] = [
    "nat.instance",
    "nat.source_dest_check",
    "nat.eip",
    "nat.private_route",
    "nat.public_route",
    "nat.bootstrap",
    "alarm.metric_filter",
    "alarm.metric_alarm",
    "alarm.actions",
    "alarm.subscription",
    "logs.retention",
    "bucket.prefixes",
    "bucket.public_access",
    "bucket.encryption",
    "rds.private",
    "rds.encrypted",
    "sg.ssh_open",
    "iam.instance_profile",
    "alarm.pattern",
    "alarm.missed_run",
    "logs.last_run",
];

/// Shared by every boto3 snippet: clients and the root module's outputs as `O`.
const PRELUDE: &str = r#"
import json, os, sys, datetime
import boto3
O = {k: v["value"] for k, v in json.loads(os.environ["STACK_OUTPUTS"]).items()}
SAVED = json.loads(os.environ.get("SAVED") or "null")
ec2 = boto3.client("ec2"); s3 = boto3.client("s3"); logs = boto3.client("logs")
cw = boto3.client("cloudwatch"); iam = boto3.client("iam"); rds = boto3.client("rds")
BUCKET = O["bucket_name"]
# The test's clock, read once by the test binary (see `now()`), so that a run across midnight
# UTC does not seed one day and look for another.
NOW = datetime.datetime.fromisoformat(os.environ["NOW"])
TODAY = NOW.strftime("%Y-%m-%d")

def with_bucket_writes(fn):
    # moto applies the bucket's Deny-unless-TLS policy to plain-HTTP object writes (it does not
    # evaluate the condition), so object changes are made with the policy briefly lifted.
    try:
        policy = s3.get_bucket_policy(Bucket=BUCKET)["Policy"]
    except s3.exceptions.ClientError:
        policy = None
    if policy:
        s3.delete_bucket_policy(Bucket=BUCKET)
    try:
        return fn()
    finally:
        if policy:
            s3.put_bucket_policy(Bucket=BUCKET, Policy=policy)

def job_line(status):
    """Puts one status line into the log group now, as pipeform-job delivers it."""
    now = datetime.datetime.now(datetime.timezone.utc)
    stream = "check-test/" + now.strftime("%Y-%m-%d")
    try:
        logs.create_log_stream(logGroupName=O["log_group_name"], logStreamName=stream)
    except logs.exceptions.ResourceAlreadyExistsException:
        pass
    level = "INFO" if status == "SUCCEEDED" else "ERROR"
    text = "JOB_STATUS=SUCCEEDED" if status == "SUCCEEDED" else "JOB_STATUS=FAILED reason=orders.csv: line 3: expected 2 fields, found 1"
    msg = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z {level} {text}"
    logs.put_log_events(logGroupName=O["log_group_name"], logStreamName=stream,
                        logEvents=[{"timestamp": int(now.timestamp() * 1000), "message": msg}])

def keys(prefix):
    out = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
        out += [o["Key"] for o in page.get("Contents", [])]
    return out
"#;

/// The test binary's one reading of the clock: every "today" of these tests (Python's seeds,
/// the Rust side's `--date`, the job's `--date`) comes from it.
fn now() -> chrono::DateTime<chrono::Utc> {
    static NOW: std::sync::OnceLock<chrono::DateTime<chrono::Utc>> = std::sync::OnceLock::new();
    *NOW.get_or_init(chrono::Utc::now)
}

/// Ships one CSV (`manifest-test.csv`) and one log (`manifest-test.log`) for `date` with the
/// real job binary, which leaves that day's manifests in the bucket.
fn ship_manifest_test_day(s: &SharedStack, bucket: &str, date: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (csv, logs) = (dir.path().join("csv"), dir.path().join("logs"));
    std::fs::create_dir_all(&csv).expect("mkdir");
    std::fs::create_dir_all(&logs).expect("mkdir");
    std::fs::write(csv.join("manifest-test.csv"), b"a,b\n1,2\n").expect("write");
    std::fs::write(logs.join("manifest-test.log"), b"JOB_STATUS=SUCCEEDED\n").expect("write");
    let out = Command::new(support::job_bin())
        .args(["ship", "--date", date, "--bucket", bucket, "--csv-dir"])
        .arg(&csv)
        .arg("--log-dir")
        .arg(&logs)
        .envs(s.aws_env())
        .output()
        .expect("run pipeform-job ship");
    assert!(
        out.status.success(),
        "ship failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `now()`'s day, `YYYY-MM-DD`.
fn today() -> String {
    now().format("%Y-%m-%d").to_string()
}

/// Runs a boto3 snippet against the shared moto; returns its stdout.
fn py(s: &SharedStack, script: &str, saved: &str) -> String {
    try_py(s, script, saved).unwrap_or_else(|e| panic!("{e}"))
}

/// [`py`] that returns a failure instead of panicking (for drop guards, which must not panic).
fn try_py(s: &SharedStack, script: &str, saved: &str) -> Result<String, String> {
    let python = support::testbed_dir().join("venv-moto/bin/python");
    let region = s
        .aws_env()
        .into_iter()
        .find(|(k, _)| k == "AWS_REGION")
        .map_or_else(|| "ap-northeast-2".to_string(), |(_, v)| v);
    let out = Command::new(&python)
        .arg("-c")
        .arg(format!("{PRELUDE}\n{script}"))
        .envs(s.aws_env())
        .env("AWS_DEFAULT_REGION", region)
        .env("STACK_OUTPUTS", s.outputs.to_string())
        .env("SAVED", saved)
        .env("NOW", now().to_rfc3339())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    if !out.status.success() {
        return Err(format!(
            "boto3 snippet failed:\n{script}\n--- stderr\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// How an [`Undo`] restores: given the stack and what the fault saved (JSON).
type RestoreFn<'a> = Box<dyn Fn(&SharedStack, &str) -> Result<String, String> + 'a>;

/// Puts back what a test changed in the shared stack when dropped, so that a test that panics
/// half-way (a failed assertion, a check that hangs and is killed by its own timeout) does
/// not leave its fault for every later test and later runs. A restore that fails marks the
/// stack for a fresh apply ([`stack::invalidate`]).
struct Undo<'a> {
    s: &'a SharedStack,
    what: String,
    restore: RestoreFn<'a>,
    saved: String,
    done: bool,
}

impl<'a> Undo<'a> {
    /// Armed before the fault is made: a fault that fails half-way is undone too.
    fn boto3(s: &'a SharedStack, what: &str, restore_py: &'a str) -> Self {
        Self::with(s, what, move |s, saved| try_py(s, restore_py, saved))
    }

    fn with(
        s: &'a SharedStack,
        what: &str,
        restore: impl Fn(&SharedStack, &str) -> Result<String, String> + 'a,
    ) -> Self {
        Self {
            s,
            what: what.to_string(),
            restore: Box::new(restore),
            saved: "null".into(),
            done: false,
        }
    }

    /// What the fault printed for its undoing (JSON).
    fn saved(&mut self, saved: &str) {
        if !saved.is_empty() {
            self.saved = saved.to_string();
        }
    }

    /// Restores now; panics (after marking the stack for a fresh apply) if that fails.
    fn now(mut self) {
        self.done = true;
        if let Err(e) = (self.restore)(self.s, &self.saved) {
            stack::invalidate(&format!("undoing {}: {e}", self.what));
            panic!("undoing {}: {e}", self.what);
        }
    }
}

impl Drop for Undo<'_> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        match (self.restore)(self.s, &self.saved) {
            Ok(_) => eprintln!("undid {} after a failure", self.what),
            Err(e) => stack::invalidate(&format!("undoing {} after a failure: {e}", self.what)),
        }
    }
}

/// Puts today's objects under both prefixes (idempotent).
fn seed_today(s: &SharedStack) {
    py(
        s,
        r#"
def put():
    s3.put_object(Bucket=BUCKET, Key=f"csv/{TODAY}/check-seed.csv", Body=b"a,b\n1,2\n")
    s3.put_object(Bucket=BUCKET, Key=f"logs/{TODAY}/check-seed.log.gz", Body=b"\x1f\x8b")
with_bucket_writes(put)
# The last run reported success (logs.last_run), one millisecond after any earlier line.
import time; time.sleep(0.002)
job_line("SUCCEEDED")
"#,
        "",
    );
}

/// A finished `pipeform check --format json`: exit code and the document.
struct Run {
    code: i32,
    doc: Value,
    stderr: String,
}

impl Run {
    fn statuses(&self) -> BTreeMap<String, String> {
        self.doc["checks"]
            .as_array()
            .unwrap_or_else(|| panic!("no checks in {}", self.doc))
            .iter()
            .map(|c| {
                (
                    c["id"].as_str().unwrap_or_default().to_string(),
                    c["status"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }

    fn detail(&self, id: &str) -> String {
        self.doc["checks"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["id"] == id)
            .map(|c| c["detail"].as_str().unwrap_or_default().to_string())
            .unwrap_or_default()
    }
}

fn check_json(mut cmd: assert_cmd::Command, extra: &[&str]) -> Run {
    let out = cmd
        .args(["check", "--format", "json"])
        .args(extra)
        .output()
        .expect("run pipeform check");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let doc = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!("stdout is not one JSON document ({e}):\n{stdout}\n--- stderr\n{stderr}")
    });
    Run {
        code: out.status.code().unwrap_or(-1),
        doc,
        stderr,
    }
}

fn check_stack(s: &SharedStack, extra: &[&str]) -> Run {
    check_json(s.pipeform(), extra)
}

/// `pipeform` on the shared stack with its config changed by one line (`from` -> `to`); the
/// temp dir holding that config lives as long as the command is needed.
fn with_config_line(
    s: &SharedStack,
    from: &str,
    to: &str,
) -> (tempfile::TempDir, assert_cmd::Command) {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = std::fs::read_to_string(&s.config).expect("read the stack config");
    let changed = text.replace(from, to);
    assert_ne!(text, changed, "the stack config has the line {from}");
    let config = dir.path().join("pipeform.toml");
    std::fs::write(&config, changed).expect("write the changed config");
    let mut cmd = s.pipeform();
    cmd.arg("--config").arg(&config);
    (dir, cmd)
}

/// Breaks the live stack with `break_py` (which prints what `restore_py` needs, as JSON, to
/// undo it), runs the checks, restores, and asserts: `id` passed before, fails while broken,
/// passes again after; every other check kept its status throughout.
fn fault(id: &str, break_py: &str, restore_py: &str, detail_has: &str) {
    fault_with(id, break_py, restore_py, detail_has, &[]);
}

/// [`fault`] where the checks in `dependents` take the given status while `id` is broken
/// (the checks that judge the NAT instance skip when there is no single one) and every other
/// check keeps its status.
fn fault_with(
    id: &str,
    break_py: &str,
    restore_py: &str,
    detail_has: &str,
    dependents: &[(&str, &str)],
) {
    let s = stack::shared();
    let _lock = stack::exclusive();
    seed_today(s);
    let before = check_stack(s, &[]);
    let mut undo = Undo::boto3(s, id, restore_py);
    let saved = py(s, break_py, "");
    undo.saved(&saved);
    let broken = check_stack(s, &[]);
    undo.now();
    let after = check_stack(s, &[]);

    let (b, x, a) = (before.statuses(), broken.statuses(), after.statuses());
    assert_eq!(
        b.get(id).map(String::as_str),
        Some("pass"),
        "{id} before the fault: {}",
        before.doc
    );
    assert_eq!(
        x.get(id).map(String::as_str),
        Some("fail"),
        "{id} with the fault: {}",
        broken.doc
    );
    assert_eq!(
        broken.code, 1,
        "exit code with a failing check; stderr: {}",
        broken.stderr
    );
    assert!(
        broken.detail(id).contains(detail_has),
        "{id} detail should mention {detail_has:?}: {}",
        broken.detail(id)
    );
    for other in IDS.iter().filter(|o| **o != id) {
        let expected = dependents
            .iter()
            .find(|(d, _)| d == other)
            .map(|(_, status)| (*status).to_string());
        assert_eq!(
            x.get(*other),
            expected.as_ref().or(b.get(*other)),
            "{other} when only {id} was broken: {}",
            broken.doc
        );
    }
    assert_eq!(
        b, a,
        "the stack is not back to how it was after restoring {id}"
    );
}

#[test]
fn every_check_passes_on_the_applied_stack() {
    let s = stack::shared();
    let _lock = stack::exclusive();
    seed_today(s);
    let run = check_stack(s, &[]);
    let statuses = run.statuses();
    assert_eq!(
        statuses
            .keys()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .len(),
        IDS.len()
    );
    // moto's console text holds no status line of the NAT bootstrap (its test is below).
    for id in IDS.iter().filter(|id| **id != "nat.bootstrap") {
        assert_eq!(
            statuses.get(*id).map(String::as_str),
            Some("pass"),
            "{id}: {}",
            run.doc
        );
    }
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert_eq!(run.doc["project"], "offsets");
    assert_eq!(
        run.doc["summary"],
        serde_json::json!({"pass": IDS.len() - 1, "warn": 0, "fail": 0, "error": 0, "skip": 1})
    );
    // Relationships, not tags: the NAT rows name the live instance, ENI and EIP.
    let nat = s.output("nat_instance_id");
    assert!(run
        .detail("nat.private_route")
        .contains(&s.output("nat_network_interface_id")));
    assert!(run
        .detail("nat.eip")
        .contains(&s.output("nat_eip_allocation_id")));
    assert!(
        run.doc["checks"][0]["resource"] == nat.as_str(),
        "{}",
        run.doc
    );
}

/// Issue 14: `project.region` is the region read, whatever `AWS_REGION` says; a disagreeing
/// variable earns one notice on stderr, and the report names the region and endpoint read.
#[test]
fn a_disagreeing_aws_region_is_ignored_with_a_notice() {
    let s = stack::shared();
    let _lock = stack::exclusive();
    seed_today(s);
    let mut cmd = s.pipeform();
    cmd.env("AWS_REGION", "us-east-1")
        .env("AWS_DEFAULT_REGION", "us-east-1");
    let run = check_json(cmd, &[]);
    assert_eq!(run.code, 0, "{}\n{}", run.doc, run.stderr);
    // moto's console text holds no NAT bootstrap status line: that check skips everywhere.
    for (id, status) in run.statuses() {
        let want = if id == "nat.bootstrap" {
            "skip"
        } else {
            "pass"
        };
        assert_eq!(status, want, "{id}: {}", run.doc);
    }
    assert_eq!(run.doc["schema_version"], 2, "{}", run.doc);
    assert_eq!(run.doc["region"], "ap-northeast-2", "{}", run.doc);
    assert_eq!(run.doc["endpoint"], s.endpoint.as_str(), "{}", run.doc);
    let notices: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("is ignored"))
        .collect();
    assert_eq!(notices.len(), 1, "one notice: {}", run.stderr);
    assert!(
        notices[0].contains("AWS_REGION=us-east-1") && notices[0].contains("ap-northeast-2"),
        "{}",
        run.stderr
    );
    // An explicit --region is obeyed, without a notice: nothing lives in us-east-1, so the
    // check says to apply first (contract §12, exit 2) and names the region it read.
    let out = s
        .pipeform()
        .env("AWS_REGION", "us-east-1")
        .args([
            "check",
            "--format",
            "json",
            "--region",
            "us-east-1",
            "--only",
            "logs",
        ])
        .output()
        .expect("run pipeform check");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("in region us-east-1"), "{stderr}");
    assert!(!stderr.contains("is ignored"), "{stderr}");
}

#[test]
fn table_and_junit_on_the_live_stack() {
    let s = stack::shared();
    let _lock = stack::exclusive();
    seed_today(s);
    let out = s
        .pipeform()
        .args(["check", "--only", "nat,sg"])
        .output()
        .expect("run pipeform check");
    let table = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{table}");
    let (header, table) = table.split_once("\n\n").expect("a header line");
    assert_eq!(
        header,
        format!("offsets: region ap-northeast-2, endpoint {}", s.endpoint)
    );
    assert!(table.starts_with("check "), "{table}");
    assert!(
        !table.contains('\x1b'),
        "NO_COLOR and a pipe: no colour codes\n{table}"
    );
    assert!(
        table.contains("offsets: 7 checks: 6 pass, 0 warn, 0 fail, 0 error, 1 skip"),
        "{table}"
    );
    let out = s
        .pipeform()
        .args(["check", "--format", "junit"])
        .output()
        .expect("run pipeform check");
    let xml = String::from_utf8_lossy(&out.stdout);
    assert_eq!(xml.matches("<testcase ").count(), IDS.len(), "{xml}");
    assert!(
        xml.contains(&format!(
            "tests=\"{}\" failures=\"0\" errors=\"0\"",
            IDS.len()
        )) && xml.matches(" skipped=\"1\"").count() == 1,
        "{xml}"
    );
}

/// moto answers GetConsoleOutput with a fixed kernel log and no status line of nat.sh: the
/// NAT instance is found and its console read, and the check says why it cannot judge.
#[test]
fn nat_bootstrap_skips_on_motos_fixed_console_text() {
    let s = stack::shared();
    let _lock = stack::read_only();
    let run = check_stack(s, &["--only", "nat.bootstrap"]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert_eq!(
        run.statuses().get("nat.bootstrap").map(String::as_str),
        Some("skip"),
        "{}",
        run.doc
    );
    assert_eq!(
        run.doc["checks"][0]["resource"],
        s.output("nat_instance_id").as_str()
    );
    assert!(
        run.detail("nat.bootstrap")
            .contains("holds no `pipeform-nat:` status line"),
        "{}",
        run.doc
    );
}

#[test]
fn date_judges_that_days_prefixes() {
    let s = stack::shared();
    let _lock = stack::exclusive();
    seed_today(s);
    let today = today();
    let run = check_stack(s, &["--only", "bucket.prefixes", "--date", &today]);
    assert_eq!(run.code, 0, "{}", run.doc);
    let run = check_stack(s, &["--only", "bucket.prefixes", "--date", "2001-02-03"]);
    assert_eq!(run.code, 1, "{}", run.doc);
    assert!(
        run.detail("bucket.prefixes")
            .contains("no objects under csv/2001-02-03/"),
        "{}",
        run.doc
    );
}

#[test]
fn fault_private_default_route_to_the_igw() {
    fault(
        "nat.private_route",
        r#"ec2.replace_route(RouteTableId=O["private_route_table_id"], DestinationCidrBlock="0.0.0.0/0", GatewayId=O["internet_gateway_id"])"#,
        r#"ec2.replace_route(RouteTableId=O["private_route_table_id"], DestinationCidrBlock="0.0.0.0/0", NetworkInterfaceId=O["nat_network_interface_id"])"#,
        "sends 0.0.0.0/0 to igw-",
    );
}

#[test]
fn fault_public_default_route_deleted() {
    fault(
        "nat.public_route",
        r#"ec2.delete_route(RouteTableId=O["public_route_table_id"], DestinationCidrBlock="0.0.0.0/0")"#,
        r#"ec2.create_route(RouteTableId=O["public_route_table_id"], DestinationCidrBlock="0.0.0.0/0", GatewayId=O["internet_gateway_id"])"#,
        "has no 0.0.0.0/0 route",
    );
}

#[test]
fn fault_source_dest_check_enabled() {
    fault(
        "nat.source_dest_check",
        r#"ec2.modify_instance_attribute(InstanceId=O["nat_instance_id"], SourceDestCheck={"Value": True})"#,
        r#"ec2.modify_instance_attribute(InstanceId=O["nat_instance_id"], SourceDestCheck={"Value": False})"#,
        "source/destination check enabled",
    );
}

#[test]
fn fault_eip_disassociated() {
    fault(
        "nat.eip",
        r#"
a = ec2.describe_addresses(AllocationIds=[O["nat_eip_allocation_id"]])["Addresses"][0]
ec2.disassociate_address(AssociationId=a["AssociationId"])
print(json.dumps(a.get("InstanceId") or O["nat_instance_id"]))
"#,
        r#"ec2.associate_address(AllocationId=O["nat_eip_allocation_id"], InstanceId=SAVED)"#,
        "no Elastic IP is associated",
    );
    // The re-association has a new id; accept it into the state so later drift tests of this
    // shared stack start in sync.
    let _lock = stack::exclusive();
    let out = stack::shared()
        .terraform()
        .args([
            "apply",
            "-refresh-only",
            "-auto-approve",
            "-input=false",
            "-no-color",
            "-lock-timeout=60s",
        ])
        .output()
        .expect("terraform runs");
    assert!(
        out.status.success(),
        "refresh-only apply: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn fault_metric_filter_deleted() {
    // Only the failure filter goes: alarm.pattern then has no failure filter to prove either;
    // the success filter (alarm.missed_run's) stays.
    fault_with(
        "alarm.metric_filter",
        r#"
fs = [f for f in logs.describe_metric_filters(logGroupName=O["log_group_name"])["metricFilters"]
      if f["filterPattern"] == "JOB_STATUS=FAILED"]
for f in fs:
    logs.delete_metric_filter(logGroupName=O["log_group_name"], filterName=f["filterName"])
print(json.dumps([{"filterName": f["filterName"], "filterPattern": f["filterPattern"],
  "metricTransformations": [{k: t[k] for k in ("metricName", "metricNamespace", "metricValue", "defaultValue", "unit") if k in t}
                            for t in f["metricTransformations"]]} for f in fs]))
"#,
        r#"
for f in SAVED:
    logs.put_metric_filter(logGroupName=O["log_group_name"], **f)
"#,
        "expected a metric filter with pattern \"JOB_STATUS=FAILED\"",
        &[("alarm.pattern", "fail")],
    );
}

#[test]
fn fault_alarm_actions_emptied() {
    fault(
        "alarm.actions",
        r#"
a = cw.describe_alarms(AlarmNames=[O["alarm_name"]])["MetricAlarms"][0]
keep = ("AlarmName", "AlarmDescription", "ActionsEnabled", "OKActions", "AlarmActions",
        "InsufficientDataActions", "MetricName", "Namespace", "Statistic", "Dimensions", "Period",
        "Unit", "EvaluationPeriods", "DatapointsToAlarm", "Threshold", "ComparisonOperator",
        "TreatMissingData")
args = {k: a[k] for k in keep if k in a}
cw.put_metric_alarm(**dict(args, AlarmActions=[], OKActions=[]))
print(json.dumps(args))
"#,
        r#"cw.put_metric_alarm(**SAVED)"#,
        "alarm actions [] and OK actions [] lack",
    );
}

#[test]
fn fault_retention_changed() {
    fault(
        "logs.retention",
        r#"
g = [g for g in logs.describe_log_groups(logGroupNamePrefix=O["log_group_name"])["logGroups"] if g["logGroupName"] == O["log_group_name"]][0]
logs.put_retention_policy(logGroupName=O["log_group_name"], retentionInDays=7)
print(json.dumps(g["retentionInDays"]))
"#,
        r#"logs.put_retention_policy(logGroupName=O["log_group_name"], retentionInDays=SAVED)"#,
        "keeps events for 7 days; expected 30",
    );
}

#[test]
fn fault_public_access_block_off() {
    fault(
        "bucket.public_access",
        r#"
c = s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"]
s3.put_public_access_block(Bucket=BUCKET, PublicAccessBlockConfiguration={k: False for k in c})
print(json.dumps(c))
"#,
        r#"s3.put_public_access_block(Bucket=BUCKET, PublicAccessBlockConfiguration=SAVED)"#,
        "BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets off",
    );
}

#[test]
fn fault_bucket_encryption_deleted() {
    fault(
        "bucket.encryption",
        r#"
c = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]
s3.delete_bucket_encryption(Bucket=BUCKET)
print(json.dumps(c))
"#,
        r#"s3.put_bucket_encryption(Bucket=BUCKET, ServerSideEncryptionConfiguration=SAVED)"#,
        "has no default encryption",
    );
}

#[test]
fn fault_ssh_open_to_the_world() {
    let rule = r#"[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]"#;
    fault(
        "sg.ssh_open",
        &format!(
            r#"ec2.authorize_security_group_ingress(GroupId=O["app_security_group_id"], IpPermissions={rule})"#
        ),
        &format!(
            r#"ec2.revoke_security_group_ingress(GroupId=O["app_security_group_id"], IpPermissions={rule})"#
        ),
        "allows tcp 22 from 0.0.0.0/0",
    );
}

#[test]
fn fault_all_traffic_from_any_ipv6() {
    let rule = r#"[{"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}]"#;
    fault(
        "sg.ssh_open",
        &format!(
            r#"ec2.authorize_security_group_ingress(GroupId=O["rds_security_group_id"], IpPermissions={rule})"#
        ),
        &format!(
            r#"ec2.revoke_security_group_ingress(GroupId=O["rds_security_group_id"], IpPermissions={rule})"#
        ),
        "allows all traffic from ::/0",
    );
}

#[test]
fn fault_role_policy_removed() {
    fault(
        "iam.instance_profile",
        r#"
role = O["iam_role_name"]
saved = []
for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
    doc = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
    saved.append([name, doc if isinstance(doc, str) else json.dumps(doc)])
    iam.delete_role_policy(RoleName=role, PolicyName=name)
print(json.dumps(saved))
"#,
        r#"
for name, doc in SAVED:
    iam.put_role_policy(RoleName=O["iam_role_name"], PolicyName=name, PolicyDocument=doc)
"#,
        "(no policy allows it)",
    );
}

#[test]
fn fault_deny_added_to_the_role() {
    fault(
        "iam.instance_profile",
        r#"
iam.put_role_policy(RoleName=O["iam_role_name"], PolicyName="check-test-deny", PolicyDocument=json.dumps(
  {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:Put*", "Resource": f"arn:aws:s3:::{BUCKET}/csv/*"}]}))
"#,
        r#"iam.delete_role_policy(RoleName=O["iam_role_name"], PolicyName="check-test-deny")"#,
        "denied by",
    );
}

/// Gives the app instance the instance profile `to` (boto3, after [`PRELUDE`]).
const SWAP_PROFILE: &str = r#"
def swap(to):
    app = O["app_instance_id"]
    for a in ec2.describe_iam_instance_profile_associations(Filters=[{"Name": "instance-id", "Values": [app]}])["IamInstanceProfileAssociations"]:
        ec2.disassociate_iam_instance_profile(AssociationId=a["AssociationId"])
    ec2.associate_iam_instance_profile(InstanceId=app, IamInstanceProfile={"Name": to})
def other_profile(role):
    iam.create_instance_profile(InstanceProfileName="check-test-other")
    iam.add_role_to_instance_profile(InstanceProfileName="check-test-other", RoleName=role)
    swap("check-test-other")
def module_profile(role):
    swap(O["instance_profile_name"])
    iam.remove_role_from_instance_profile(InstanceProfileName="check-test-other", RoleName=role)
    iam.delete_instance_profile(InstanceProfileName="check-test-other")
"#;

/// The check reads IAM by the name the root module gives the profile while EC2 finds the app
/// instance; an instance carrying another profile (with the same role) is judged by its own.
#[test]
fn iam_follows_the_instances_own_profile_when_it_is_not_the_modules() {
    let s = stack::shared();
    let _lock = stack::exclusive();
    seed_today(s);
    let back = format!("{SWAP_PROFILE}\nmodule_profile(O[\"iam_role_name\"])");
    let undo = Undo::boto3(s, "the app instance's profile swap", &back);
    py(
        s,
        &format!("{SWAP_PROFILE}\nother_profile(O[\"iam_role_name\"])"),
        "",
    );
    let swapped = check_stack(s, &[]);
    undo.now();
    let restored = check_stack(s, &[]);
    assert_eq!(swapped.code, 0, "{}\n{}", swapped.doc, swapped.stderr);
    let detail = swapped.detail("iam.instance_profile");
    assert!(
        detail.contains("-> check-test-other -> role "),
        "judged the module's profile, not the instance's: {detail}"
    );
    assert_eq!(restored.statuses(), swapped.statuses(), "{}", restored.doc);
    let profile = s.output("instance_profile_name");
    assert!(
        restored
            .detail("iam.instance_profile")
            .contains(&format!("-> {profile} -> role ")),
        "{}",
        restored.doc
    );
}

/// ... and one whose profile holds another role is judged by that role's policies, not by the
/// module's role read beside discovery.
#[test]
fn fault_app_profile_with_a_role_without_policies() {
    fault(
        "iam.instance_profile",
        &format!(
            r#"{SWAP_PROFILE}
iam.create_role(RoleName="check-test-bare", AssumeRolePolicyDocument=json.dumps({{"Version": "2012-10-17",
  "Statement": [{{"Effect": "Allow", "Principal": {{"Service": "ec2.amazonaws.com"}}, "Action": "sts:AssumeRole"}}]}}))
other_profile("check-test-bare")
"#
        ),
        &format!(
            r#"{SWAP_PROFILE}
module_profile("check-test-bare")
iam.delete_role(RoleName="check-test-bare")
"#
        ),
        "(no policy allows it)",
    );
}

#[test]
fn fault_only_a_stale_csv_prefix() {
    fault(
        "bucket.prefixes",
        r#"
old = (NOW - datetime.timedelta(days=5)).strftime("%Y-%m-%d")
def move():
    moved = []
    for k in keys(f"csv/{TODAY}/"):
        s3.copy_object(Bucket=BUCKET, Key="check-stash/" + k, CopySource={"Bucket": BUCKET, "Key": k})
        s3.delete_object(Bucket=BUCKET, Key=k)
        moved.append(k)
    s3.put_object(Bucket=BUCKET, Key=f"csv/{old}/stale.csv", Body=b"a\n1\n")
    return {"moved": moved, "stale": f"csv/{old}/stale.csv"}
print(json.dumps(with_bucket_writes(move)))
"#,
        r#"
def back():
    for k in SAVED["moved"]:
        s3.copy_object(Bucket=BUCKET, Key=k, CopySource={"Bucket": BUCKET, "Key": "check-stash/" + k})
        s3.delete_object(Bucket=BUCKET, Key="check-stash/" + k)
    s3.delete_object(Bucket=BUCKET, Key=SAVED["stale"])
with_bucket_writes(back)
"#,
        "newest csv prefix csv/",
    );
}

/// A topic with no subscriptions (made for the test beside the stack's, which stays as it is:
/// a subscription removed from it cannot be put back under the ARN Terraform holds).
#[test]
fn a_topic_without_subscriptions_fails_the_subscription_check() {
    let s = stack::shared();
    let _lock = stack::read_only();
    let mut undo = Undo::boto3(
        s,
        "the test's own topic",
        r#"boto3.client("sns").delete_topic(TopicArn=SAVED)"#,
    );
    let arn = py(
        s,
        r#"print(json.dumps(boto3.client("sns").create_topic(Name="offsets-alerts-unsubscribed")["TopicArn"]))"#,
        "",
    );
    undo.saved(&arn);
    let mut runs = Vec::new();
    // Both ways to the topic: its ARN from the alarm's account (`alarm`), and the listing of
    // topics when the alarm is not read (`alarm.subscription` alone).
    for only in ["alarm", "alarm.subscription"] {
        let (_dir, cmd) = with_config_line(
            s,
            "topic_name = \"offsets-alerts\"",
            "topic_name = \"offsets-alerts-unsubscribed\"",
        );
        runs.push(check_json(cmd, &["--only", only]));
    }
    undo.now();
    for run in runs {
        assert_eq!(run.code, 1, "{}\n{}", run.doc, run.stderr);
        assert_eq!(run.statuses()["alarm.subscription"], "fail", "{}", run.doc);
        assert!(
            run.detail("alarm.subscription")
                .contains("offsets-alerts-unsubscribed has no subscriptions"),
            "{}",
            run.doc
        );
    }
}

/// A topic that does not exist (the config names another): the ARN derived from the alarm's
/// account is not found, the listing of topics confirms it, and the subscription check says so.
/// The live stack is not touched.
#[test]
fn a_missing_topic_fails_the_subscription_check() {
    let s = stack::shared();
    let _lock = stack::read_only();
    let (_dir, cmd) = with_config_line(
        s,
        "topic_name = \"offsets-alerts\"",
        "topic_name = \"offsets-alerts-gone\"",
    );
    // The whole alarm area, so that the alarm (and with it the account) is read first.
    let run = check_json(cmd, &["--only", "alarm"]);
    assert_eq!(run.code, 1, "{}\n{}", run.doc, run.stderr);
    let statuses = run.statuses();
    assert_eq!(statuses["alarm.subscription"], "fail", "{}", run.doc);
    assert_eq!(statuses["alarm.metric_alarm"], "pass", "{}", run.doc);
    assert!(
        run.detail("alarm.subscription")
            .contains("topic offsets-alerts-gone does not exist"),
        "{}",
        run.doc
    );
}

#[test]
fn fault_rds_publicly_accessible() {
    fault(
        "rds.private",
        r#"rds.modify_db_instance(DBInstanceIdentifier=O["rds_identifier"], PubliclyAccessible=True, ApplyImmediately=True)"#,
        r#"rds.modify_db_instance(DBInstanceIdentifier=O["rds_identifier"], PubliclyAccessible=False, ApplyImmediately=True)"#,
        "is publicly accessible",
    );
}

/// The checks that judge the single running NAT instance, which skip while there is none.
const NAT_DEPENDENTS: [(&str, &str); 3] = [
    ("nat.source_dest_check", "skip"),
    ("nat.eip", "skip"),
    ("nat.private_route", "skip"),
];

#[test]
fn fault_nat_instance_stopped() {
    fault_with(
        "nat.instance",
        r#"
nat = O["nat_instance_id"]
ec2.stop_instances(InstanceIds=[nat])
ec2.get_waiter("instance_stopped").wait(InstanceIds=[nat], WaiterConfig={"Delay": 1})
"#,
        r#"
nat = O["nat_instance_id"]
ec2.start_instances(InstanceIds=[nat])
ec2.get_waiter("instance_running").wait(InstanceIds=[nat], WaiterConfig={"Delay": 1})
"#,
        "(stopped)); expected exactly one",
        &NAT_DEPENDENTS,
    );
}

#[test]
fn fault_a_second_running_nat_instance() {
    fault_with(
        "nat.instance",
        r#"
nat = ec2.describe_instances(InstanceIds=[O["nat_instance_id"]])["Reservations"][0]["Instances"][0]
tags = [t for t in nat["Tags"] if t["Key"] in ("Project", "Role")]
twin = ec2.run_instances(ImageId=nat["ImageId"], InstanceType=nat["InstanceType"], MinCount=1,
    MaxCount=1, SubnetId=nat["SubnetId"],
    TagSpecifications=[{"ResourceType": "instance", "Tags": tags}])["Instances"][0]["InstanceId"]
print(json.dumps(twin))
"#,
        r#"
if SAVED:
    ec2.terminate_instances(InstanceIds=[SAVED])
    ec2.get_waiter("instance_terminated").wait(InstanceIds=[SAVED], WaiterConfig={"Delay": 1})
"#,
        "2 running instances tagged Role=nat",
        &NAT_DEPENDENTS,
    );
}

/// Re-puts the stack's alarm as it was, with `CHANGE` applied (after [`PRELUDE`]); prints the
/// alarm as it was, for [`PUT_ALARM_BACK`].
const CHANGE_ALARM: &str = r#"
a = cw.describe_alarms(AlarmNames=[O["alarm_name"]])["MetricAlarms"][0]
keep = ("AlarmName", "AlarmDescription", "ActionsEnabled", "OKActions", "AlarmActions",
        "InsufficientDataActions", "MetricName", "Namespace", "Statistic", "Dimensions", "Period",
        "Unit", "EvaluationPeriods", "DatapointsToAlarm", "Threshold", "ComparisonOperator",
        "TreatMissingData")
args = {k: a[k] for k in keep if k in a}
cw.put_metric_alarm(**dict(args, **CHANGE))
print(json.dumps(args))
"#;
const PUT_ALARM_BACK: &str = r#"cw.put_metric_alarm(**SAVED)"#;

#[test]
fn fault_alarm_statistic_changed() {
    fault(
        "alarm.metric_alarm",
        &format!("CHANGE = {{\"Statistic\": \"Average\"}}\n{CHANGE_ALARM}"),
        PUT_ALARM_BACK,
        "statistic is Average; expected Sum",
    );
}

#[test]
fn fault_alarm_threshold_raised() {
    fault(
        "alarm.metric_alarm",
        &format!("CHANGE = {{\"Threshold\": 5.0}}\n{CHANGE_ALARM}"),
        PUT_ALARM_BACK,
        "threshold is 5; expected <= 1",
    );
}

/// The stack's own e-mail subscriptions removed. An unsubscribed subscription cannot be put
/// back under the ARN Terraform holds, so the restore is Terraform's: a targeted apply
/// recreates them and records their new ARNs, and later drift tests find the stack in sync.
#[test]
fn fault_the_stacks_own_subscription_removed() {
    let s = stack::shared();
    let sns_py = r#"
sns = boto3.client("sns")
arn = O["sns_topic_arn"]
"#;
    fault(
        "alarm.subscription",
        &format!(
            r#"{sns_py}
subs = sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
assert subs, "the stack's topic has no subscription to remove"
for sub in subs:
    sns.unsubscribe(SubscriptionArn=sub["SubscriptionArn"])
print(json.dumps([[sub["Protocol"], sub["Endpoint"]] for sub in subs]))
"#
        ),
        // `fault` restores with boto3; Terraform's own restore follows below. Both are needed:
        // the boto3 one puts an equal subscription back for the "after" run of the checks.
        &format!(
            r#"{sns_py}
if not sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]:
    for protocol, endpoint in SAVED or []:
        sns.subscribe(TopicArn=arn, Protocol=protocol, Endpoint=endpoint)
"#
        ),
        "has no subscriptions",
    );
    let _lock = stack::exclusive();
    // Drop the hand-made subscription, then let Terraform make its own again.
    py(
        s,
        &format!(
            r#"{sns_py}
for sub in sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]:
    sns.unsubscribe(SubscriptionArn=sub["SubscriptionArn"])
"#
        ),
        "",
    );
    let out = s
        .terraform()
        .args([
            "apply",
            "-target=module.sns.aws_sns_topic_subscription.this",
            "-auto-approve",
            "-input=false",
            "-no-color",
            "-lock-timeout=60s",
        ])
        .output()
        .expect("terraform runs");
    if !out.status.success() {
        stack::invalidate("re-creating the SNS subscription with terraform failed");
    }
    assert!(
        out.status.success(),
        "targeted apply of the subscription: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = check_stack(s, &["--only", "alarm.subscription"]);
    assert_eq!(run.code, 0, "{}\n{}", run.doc, run.stderr);
}

/// `rds.encrypted` against a live DB instance with storage encryption off. moto cannot turn
/// encryption off on the stack's instance (`ModifyDBInstance` has no such setting, as on AWS),
/// and a second instance beside it breaks the provider (moto gives every instance the same
/// resource id): the unencrypted instance is made under the stack's identifier in another
/// region, and the check is pointed there with `--region`.
#[test]
fn fault_rds_unencrypted_in_another_region() {
    const OTHER: &str = "eu-west-1";
    let s = stack::shared();
    let _lock = stack::read_only();
    let in_other = format!("rds = boto3.client(\"rds\", region_name=\"{OTHER}\")\n");
    let undo_py = format!(
        "{in_other}rds.delete_db_instance(DBInstanceIdentifier=O[\"rds_identifier\"], SkipFinalSnapshot=True)"
    );
    let undo = Undo::with(
        s,
        "the unencrypted DB in another region",
        move |s, saved| try_py(s, &undo_py, saved),
    );
    py(
        s,
        &format!(
            r#"{in_other}
rds.create_db_instance(DBInstanceIdentifier=O["rds_identifier"], DBInstanceClass="db.t3.micro",
    Engine="mysql", MasterUsername="admin", MasterUserPassword="not-a-secret-1",
    AllocatedStorage=20, StorageEncrypted=False)
"#
        ),
        "",
    );
    let run = check_stack(s, &["--only", "rds.encrypted", "--region", OTHER]);
    undo.now();
    assert_eq!(run.code, 1, "{}\n{}", run.doc, run.stderr);
    assert_eq!(run.statuses()["rds.encrypted"], "fail", "{}", run.doc);
    let home = check_stack(s, &["--only", "rds.encrypted"]);
    assert_eq!(home.statuses()["rds.encrypted"], "pass", "{}", home.doc);
}

/// `pipeform --config <config>` against `endpoint`, with dummy credentials.
fn pipeform_at(endpoint: &str, config: &std::path::Path) -> assert_cmd::Command {
    let mut cmd = support::pipeform();
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_REGION")
        .env_remove("AWS_PROFILE")
        .env("AWS_ENDPOINT_URL", endpoint)
        .arg("--config")
        .arg(config);
    cmd
}

/// `pipeform` with the example config against `endpoint`.
fn check_example(endpoint: &str) -> assert_cmd::Command {
    pipeform_at(
        endpoint,
        &support::repo_root().join("examples/pipeform.toml"),
    )
}

fn assert_all_errors(run: &Run, started: Instant, what: &str) {
    // The 30 s of the contract is the SDK's own deadline (`aws::Timeouts::READ`: 20 s per
    // operation, retries included); the rows below show it fired. This bound only catches a
    // hang, with room for a loaded machine.
    let took = started.elapsed();
    assert!(took < Duration::from_secs(120), "{what}: hung for {took:?}");
    assert_eq!(run.code, 3, "{what}: {}\n{}", run.doc, run.stderr);
    let statuses = run.statuses();
    assert_eq!(statuses.len(), IDS.len(), "{}", run.doc);
    for (id, status) in &statuses {
        assert_eq!(status, "error", "{what}: {id}: {}", run.doc);
    }
}

#[test]
fn closed_port_gives_error_rows_and_exit_3() {
    let port = support::free_port();
    let started = Instant::now();
    let run = check_json(check_example(&format!("http://127.0.0.1:{port}")), &[]);
    assert_all_errors(&run, started, "closed port");
    assert!(
        run.detail("rds.private").contains("Connection refused"),
        "{}",
        run.doc
    );
}

#[test]
fn silent_endpoint_gives_error_rows_within_30s() {
    // Accepts every connection and never answers a byte.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let port = listener.local_addr().expect("local address").port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming().flatten() {
            held.push(conn);
        }
    });
    let started = Instant::now();
    let run = check_json(check_example(&format!("http://127.0.0.1:{port}")), &[]);
    assert_all_errors(&run, started, "silent endpoint");
    assert!(
        run.detail("logs.retention").contains("timed out")
            || run.detail("logs.retention").contains("no answer"),
        "{}",
        run.doc
    );
}

#[test]
fn unreadable_or_invalid_config_exits_2_before_any_call() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Nothing listens there: a remote call would show up as error rows and exit 3, not 2.
    let endpoint = format!("http://127.0.0.1:{}", support::free_port());
    let missing = dir.path().join("nope.toml");
    let out = pipeform_at(&endpoint, &missing)
        .arg("check")
        .output()
        .expect("run pipeform check");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("nope.toml"), "{stderr}");

    let bad = dir.path().join("pipeform.toml");
    std::fs::write(&bad, "[project]\nname = 7\n").expect("write a bad config");
    let out = pipeform_at(&endpoint, &bad)
        .arg("check")
        .output()
        .expect("run pipeform check");
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("project.name"));
}

#[test]
fn unknown_only_selector_exits_2() {
    let endpoint = format!("http://127.0.0.1:{}", support::free_port());
    let out = check_example(&endpoint)
        .args(["check", "--only", "nat,network"])
        .output()
        .expect("run pipeform check");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unknown area or check id `network`"),
        "{stderr}"
    );
}

#[test]
fn hive_style_prefixes_are_walked_level_by_level() {
    let s = stack::shared();
    let _lock = stack::exclusive();
    seed_today(s);
    py(
        s,
        r#"
def put():
    for k in (NOW.strftime("logs/year=%Y/month=%m/day=%d/hour=%H/check-seed.log.gz"),
              "logs/year=2025/month=01/day=01/hour=00/old.log.gz", "logs/year=latest/x.log.gz"):
        s3.put_object(Bucket=BUCKET, Key=k, Body=b"x")
with_bucket_writes(put)
"#,
        "",
    );
    let (_dir, cmd) = with_config_line(
        s,
        "logs_prefix = \"logs/{date}\"",
        "logs_prefix = \"logs/year={year}/month={month}/day={day}/hour={hour}\"",
    );
    let run = check_json(cmd, &["--only", "bucket.prefixes"]);
    assert_eq!(run.code, 0, "{}\n{}", run.doc, run.stderr);
    let day = now()
        .format("logs/year=%Y/month=%m/day=%d/hour=")
        .to_string();
    assert!(run.detail("bucket.prefixes").contains(&day), "{}", run.doc);
}

/// Lifts the bucket's TLS-only policy while held (moto denies plain-HTTP object reads under
/// it, which would keep the check off the manifest path); puts it back on drop.
struct PolicyLifted<'a> {
    s: &'a SharedStack,
    saved: String,
}

impl<'a> PolicyLifted<'a> {
    fn new(s: &'a SharedStack) -> Self {
        let saved = py(
            s,
            r#"
try:
    p = s3.get_bucket_policy(Bucket=BUCKET)["Policy"]
    s3.delete_bucket_policy(Bucket=BUCKET)
except s3.exceptions.ClientError:
    p = None
print(json.dumps(p))
"#,
            "",
        );
        Self { s, saved }
    }
}

impl Drop for PolicyLifted<'_> {
    fn drop(&mut self) {
        if let Err(e) = try_py(
            self.s,
            "if SAVED: s3.put_bucket_policy(Bucket=BUCKET, Policy=SAVED)",
            &self.saved,
        ) {
            stack::invalidate(&format!("putting the bucket policy back: {e}"));
        }
    }
}

/// moto's request lines written after `from` (a byte offset of its log).
fn moto_requests_since(s: &SharedStack, from: u64) -> Vec<String> {
    let text = std::fs::read(&s.moto_log).expect("read moto's log");
    String::from_utf8_lossy(&text[usize::try_from(from).unwrap_or(0).min(text.len())..])
        .lines()
        .filter(|l| l.contains("HTTP/1.1\""))
        .map(String::from)
        .collect()
}

fn moto_log_len(s: &SharedStack) -> u64 {
    std::fs::metadata(&s.moto_log)
        .map(|m| m.len())
        .expect("moto's log")
}

/// Puts stashed CSVs (`SAVED`) back and removes what the manifest test shipped.
const UNSTASH: &str = r#"
for k in SAVED or []:
    s3.copy_object(Bucket=BUCKET, Key=k, CopySource={"Bucket": BUCKET, "Key": "check-stash/" + k})
    s3.delete_object(Bucket=BUCKET, Key="check-stash/" + k)
for k in keys(f"csv/{TODAY}/") + keys(f"logs/{TODAY}/"):
    if k.endswith("_pipeform_manifest.json") or "manifest-test" in k:
        s3.delete_object(Bucket=BUCKET, Key=k)
"#;

#[test]
fn prefixes_pass_from_the_jobs_manifest_without_listing_and_listings_still_decide() {
    let s = stack::shared();
    let _lock = stack::exclusive();
    seed_today(s);
    let _lifted = PolicyLifted::new(s);
    // Dropped before `_lifted`: object deletes need the policy lifted.
    let mut undo = Undo::boto3(s, "today's stashed CSVs and the test's manifests", UNSTASH);
    let bucket = s.outputs["bucket_name"]["value"]
        .as_str()
        .expect("bucket_name output")
        .to_string();
    let today = today();

    // The job ships today's files and leaves a manifest in each day's prefix.
    ship_manifest_test_day(s, &bucket, &today);
    let manifest = py(
        s,
        "print(s3.get_object(Bucket=BUCKET, Key=f\"csv/{TODAY}/_pipeform_manifest.json\")[\"Body\"].read().decode())",
        "",
    );
    let manifest: Value = serde_json::from_str(&manifest).expect("the manifest is JSON");
    assert_eq!(manifest["date"], today.as_str(), "{manifest}");
    assert_eq!(
        manifest["objects"][0]["key"],
        format!("csv/{today}/manifest-test.csv.gz").as_str(),
        "{manifest}"
    );

    // Passing path: no listing at all, newest or --date.
    for extra in [&[][..], &["--date", today.as_str()][..]] {
        let mark = moto_log_len(s);
        let mut args = vec!["--only", "bucket.prefixes"];
        args.extend_from_slice(extra);
        let run = check_stack(s, &args);
        assert_eq!(run.code, 0, "{}\n{}", run.doc, run.stderr);
        let requests = moto_requests_since(s, mark);
        assert!(
            !requests.iter().any(|l| l.contains("list-type=2")),
            "listed the bucket although the manifest proves the day:\n{}",
            requests.join("\n")
        );
        assert!(
            requests
                .iter()
                .any(|l| l.contains("GET ") && l.contains("_pipeform_manifest.json")),
            "{}",
            requests.join("\n")
        );
    }

    // The object the manifest names is gone: the listing decides (the seed is still there).
    py(
        s,
        "s3.delete_object(Bucket=BUCKET, Key=f\"csv/{TODAY}/manifest-test.csv.gz\")",
        "",
    );
    let mark = moto_log_len(s);
    let run = check_stack(s, &["--only", "bucket.prefixes"]);
    assert_eq!(run.code, 0, "{}\n{}", run.doc, run.stderr);
    assert!(
        moto_requests_since(s, mark)
            .iter()
            .any(|l| l.contains("list-type=2")),
        "no listing after the manifest stopped proving the day"
    );

    // Only the manifest is left of today's CSVs: empty, whatever the manifest says.
    let stashed = py(
        s,
        r#"
moved = []
for k in keys(f"csv/{TODAY}/"):
    if k.endswith("_pipeform_manifest.json"):
        continue
    s3.copy_object(Bucket=BUCKET, Key="check-stash/" + k, CopySource={"Bucket": BUCKET, "Key": k})
    s3.delete_object(Bucket=BUCKET, Key=k)
    moved.append(k)
print(json.dumps(moved))
"#,
        "",
    );
    undo.saved(&stashed);
    let run = check_stack(s, &["--only", "bucket.prefixes"]);
    undo.now();
    assert_eq!(run.code, 1, "{}\n{}", run.doc, run.stderr);
    assert!(
        run.detail("bucket.prefixes").contains("holds no objects"),
        "{}",
        run.doc
    );
}

/// Contract §12: before any apply, `check` says what to do (exit 2), not 17 failures.
#[test]
fn before_any_apply_check_exits_2_and_says_apply_first() {
    let moto = support::moto::Moto::start();
    for format in ["table", "json", "sarif"] {
        let out = check_example(&moto.endpoint())
            .args(["check", "--format", format])
            .output()
            .expect("run pipeform check");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{format}: {err}");
        assert!(err.contains("run `pipeform apply` first"), "{err}");
        assert!(err.contains("nothing of project offsets"), "{err}");
        assert!(out.stdout.is_empty(), "no report on stdout");
    }
}

/// The CI formats on the live stack: SARIF that validates against the published schema (the
/// file the example workflow uploads) and GitHub annotations with a summary.
#[test]
fn sarif_and_github_on_the_live_stack() {
    let s = stack::shared();
    let _lock = stack::exclusive();
    seed_today(s);
    let out = s
        .pipeform()
        .args(["check", "--format", "sarif"])
        .output()
        .expect("run pipeform check");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let doc: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            support::repo_root().join("tests/fixtures/sarif-schema-2.1.0.json"),
        )
        .expect("the vendored schema"),
    )
    .expect("json");
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let results = doc["runs"][0]["results"].as_array().expect("results");
    let ids = pipeform::checks::CHECKS.len();
    assert_eq!(results.len(), ids);
    assert_eq!(
        doc["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .map(Vec::len),
        Some(ids),
        "one rule per check id"
    );
    // On moto every check passes, or is not applicable where moto cannot show the fact.
    assert!(
        results
            .iter()
            .all(|r| r["kind"] == "pass" || r["kind"] == "notApplicable"),
        "{results:#?}"
    );
    let out = s
        .pipeform()
        .args(["check", "--format", "github"])
        .output()
        .expect("run pipeform check");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(!text.contains("::error"), "{text}");
    assert!(
        text.contains(&format!(
            "::notice title=pipeform::offsets: {ids} checks in ap-northeast-2: "
        )),
        "{text}"
    );
    assert!(text.contains(" 0 warn, 0 fail, 0 error,"), "{text}");
}

#[test]
fn fault_failure_pattern_that_cannot_match() {
    // The failure filter's pattern changes, so alarm.metric_filter (which wants exactly
    // `failure_pattern`) fails with it.
    fault_with(
        "alarm.pattern",
        r#"
f = [f for f in logs.describe_metric_filters(logGroupName=O["log_group_name"])["metricFilters"] if f["filterPattern"] == "JOB_STATUS=FAILED"][0]
t = [{k: x[k] for k in ("metricName", "metricNamespace", "metricValue", "defaultValue", "unit") if k in x} for x in f["metricTransformations"]]
# moto appends on put_metric_filter instead of replacing a filter of the same name: delete first.
logs.delete_metric_filter(logGroupName=O["log_group_name"], filterName=f["filterName"])
logs.put_metric_filter(logGroupName=O["log_group_name"], filterName=f["filterName"], filterPattern='"job_status=failed"', metricTransformations=t)
print(json.dumps({"filterName": f["filterName"], "filterPattern": f["filterPattern"], "metricTransformations": t}))
"#,
        r#"
logs.delete_metric_filter(logGroupName=O["log_group_name"], filterName=SAVED["filterName"])
logs.put_metric_filter(logGroupName=O["log_group_name"], **SAVED)
"#,
        "matches neither status line",
        &[("alarm.metric_filter", "fail")],
    );
}

#[test]
fn fault_missed_run_alarm_not_breaching() {
    fault(
        "alarm.missed_run",
        r#"
a = cw.describe_alarms(AlarmNames=[O["alarm_name"] + "-missed"])["MetricAlarms"][0]
keep = {k: a[k] for k in ("AlarmName", "AlarmDescription", "Namespace", "MetricName", "Statistic", "Period", "EvaluationPeriods", "DatapointsToAlarm", "Threshold", "ComparisonOperator", "AlarmActions", "OKActions", "TreatMissingData") if k in a}
cw.put_metric_alarm(**{**keep, "TreatMissingData": "notBreaching"})
print(json.dumps(keep))
"#,
        r#"cw.put_metric_alarm(**SAVED)"#,
        "notBreaching; expected breaching",
    );
}

#[test]
fn fault_last_run_failed() {
    fault(
        "logs.last_run",
        r#"
import time; time.sleep(0.002)
job_line("FAILED")
"#,
        r#"
import time; time.sleep(0.002)
job_line("SUCCEEDED")
"#,
        "last run FAILED at",
    );
}

#[test]
fn no_run_on_a_day_fails_last_run_naming_the_day() {
    let s = stack::shared();
    let _lock = stack::exclusive();
    seed_today(s);
    let run = check_stack(s, &["--only", "logs", "--date", "2026-01-02"]);
    assert_eq!(
        run.statuses().get("logs.last_run").map(String::as_str),
        Some("fail"),
        "{}",
        run.doc
    );
    assert!(
        run.detail("logs.last_run").contains("on 2026-01-02"),
        "{}",
        run.detail("logs.last_run")
    );
    assert_eq!(run.code, 1);
}

/// A stand-in endpoint in front of moto that lets requests through in rounds: it holds every
/// request until the client is waiting on it (no new request for a while and every thread of
/// the client's process asleep), then forwards the held ones and sends their answers back. A
/// request that needs an answer can only come after that answer, so it lands in a later round:
/// the number of rounds is the depth of the client's chain of reads. A request the client
/// could have sent earlier but did not (a starved thread) can only add rounds, never hide one.
struct RoundKeeper {
    port: u16,
    state: std::sync::Arc<std::sync::Mutex<Rounds>>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

#[derive(Default)]
struct Rounds {
    /// The round being collected (0-based).
    current: usize,
    /// Every request seen: its round and what it was (`service:Action`, or S3's method and path).
    seen: Vec<(usize, String)>,
    /// Held requests of the current round: send to let one through.
    held: Vec<std::sync::mpsc::Sender<()>>,
    last_arrival: Option<Instant>,
    /// The client's process, once known: its threads decide when it is waiting.
    client_pid: Option<u32>,
    /// Answers `logs:TestMetricFilter` itself, as AWS does, with this rule (does the pattern
    /// match the line?); `None`: forwards it to moto, which does not implement it.
    test_metric_filter: Option<fn(&str, &str) -> bool>,
}

impl RoundKeeper {
    /// No new request for this long (and the client asleep) ends a round.
    const QUIET: Duration = Duration::from_millis(300);

    /// In front of `upstream`; answers `TestMetricFilter` itself by `rule` where it is `Some`
    /// (as AWS does), else forwards it to moto (which does not implement it).
    fn answering(upstream: &str, rule: Option<fn(&str, &str) -> bool>) -> Self {
        use std::sync::atomic::Ordering;
        use std::sync::{Arc, Mutex};
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = listener.local_addr().expect("local address").port();
        listener.set_nonblocking(true).expect("non-blocking accept");
        let state = Arc::new(Mutex::new(Rounds {
            test_metric_filter: rule,
            ..Rounds::default()
        }));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (st, sp) = (state.clone(), stop.clone());
        std::thread::spawn(move || {
            while !sp.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((conn, _)) => {
                        let (st, upstream) = (st.clone(), upstream.clone());
                        std::thread::spawn(move || Self::serve(conn, &st, &upstream));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
                let mut s = st.lock().expect("round state");
                let quiet = s.last_arrival.is_some_and(|t| t.elapsed() >= Self::QUIET);
                if !s.held.is_empty() && quiet && s.client_pid.is_none_or(client_asleep) {
                    for go in s.held.drain(..) {
                        let _ = go.send(());
                    }
                    s.current += 1;
                }
            }
        });
        Self { port, state, stop }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn client(&self, pid: u32) {
        self.state.lock().expect("round state").client_pid = Some(pid);
    }

    /// What went through, round by round.
    fn rounds(&self) -> Vec<Vec<String>> {
        let s = self.state.lock().expect("round state");
        let mut rounds: Vec<Vec<String>> = Vec::new();
        for (round, what) in &s.seen {
            if rounds.len() <= *round {
                rounds.resize(round + 1, Vec::new());
            }
            rounds[*round].push(what.clone());
        }
        rounds
    }

    fn serve(mut conn: std::net::TcpStream, state: &std::sync::Mutex<Rounds>, upstream: &str) {
        use std::io::{Read, Write};
        conn.set_nonblocking(false).expect("blocking connection");
        let Some(request) = read_request(&mut conn) else {
            return;
        };
        let (go, wait) = std::sync::mpsc::channel();
        let name = request_name(&request);
        let rule = {
            let mut s = state.lock().expect("round state");
            let round = s.current;
            s.seen.push((round, name.clone()));
            s.held.push(go);
            s.last_arrival = Some(Instant::now());
            s.test_metric_filter
        };
        if wait.recv().is_err() {
            return;
        }
        if let Some(rule) = rule.filter(|_| name.starts_with("logs:TestMetricFilter")) {
            let _ = conn.write_all(&test_metric_filter_answer(&request, rule));
            return;
        }
        let mut up = std::net::TcpStream::connect(upstream).expect("connect to moto");
        up.write_all(&request).expect("forward the request");
        // moto answers one request per connection and closes it.
        let mut answer = Vec::new();
        let _ = up.read_to_end(&mut answer);
        let _ = conn.write_all(&answer);
    }
}

impl Drop for RoundKeeper {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// The answer AWS gives to a `TestMetricFilter` request, the matching lines decided by `rule`.
fn test_metric_filter_answer(request: &[u8], rule: fn(&str, &str) -> bool) -> Vec<u8> {
    let text = String::from_utf8_lossy(request);
    let body: Value = text
        .split_once("\r\n\r\n")
        .and_then(|(_, b)| serde_json::from_str(b).ok())
        .unwrap_or_else(|| panic!("a TestMetricFilter request without a JSON body: {text}"));
    let pattern = body["filterPattern"].as_str().unwrap_or_default();
    let matches: Vec<Value> = body["logEventMessages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .enumerate()
        .filter(|(_, line)| rule(pattern, line))
        .map(|(i, line)| {
            serde_json::json!({"eventNumber": i + 1, "eventMessage": line, "extractedValues": {}})
        })
        .collect();
    let answer = serde_json::json!({ "matches": matches }).to_string();
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\nx-amzn-RequestId: round-keeper\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
        answer.len()
    )
    .into_bytes()
}

/// One whole HTTP request (head and `Content-Length` body) off `conn`.
fn read_request(conn: &mut std::net::TcpStream) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16384];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + length {
                return Some(buf);
            }
        }
        let n = conn.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// `service:Action` of a signed AWS request, or `s3 METHOD path?query` for S3.
fn request_name(request: &[u8]) -> String {
    let text = String::from_utf8_lossy(request);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let request_line = lines.next().unwrap_or_default();
    let header = |name: &str| {
        head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    };
    // Credential=KEY/DATE/REGION/SERVICE/aws4_request
    let service = header("authorization")
        .and_then(|a| a.split("Credential=").nth(1).map(String::from))
        .and_then(|c| c.split('/').nth(3).map(String::from))
        .unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (method, target) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    if service == "s3" {
        return format!("s3 {method} {target}");
    }
    if let Some(t) = header("x-amz-target") {
        let action = t.rsplit('.').next().unwrap_or_default();
        // Which pattern a TestMetricFilter tests tells the probe from the later tests.
        if action == "TestMetricFilter" {
            let pattern = serde_json::from_str::<Value>(body)
                .ok()
                .and_then(|b| b["filterPattern"].as_str().map(String::from))
                .unwrap_or_default();
            return format!("{service}:{action} {pattern}");
        }
        return format!("{service}:{action}");
    }
    if let Some(action) = body.split('&').find_map(|kv| kv.strip_prefix("Action=")) {
        return format!("{service}:{action}");
    }
    format!(
        "{service} {method} {}",
        target.rsplit('/').next().unwrap_or_default()
    )
}

/// True when every thread of process `pid` is asleep (or the process is gone): it is waiting
/// for answers, not about to send.
fn client_asleep(pid: u32) -> bool {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return true;
    };
    tasks.flatten().all(|t| {
        std::fs::read_to_string(t.path().join("stat")).map_or(true, |stat| {
            // pid (comm) STATE ...: comm may hold spaces, so read after the last ')'.
            stat.rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().next())
                .is_none_or(|state| state != "R")
        })
    })
}

/// Issue 13: on a stack our modules and job did not make (no day manifest yet, the app
/// instance's profile named otherwise) no read of `check` waits for more than one other: the
/// manifest reads of both fresh days, the module's profile and role, and EC2's discovery go
/// out at once; the day listings and the instance's own profile follow in the second round.
#[test]
fn no_read_waits_for_more_than_one_other_on_a_stack_we_did_not_make() {
    let s = stack::shared();
    let _lock = stack::exclusive();
    seed_today(s);
    // Lifted, so that a missing manifest is a 404 (as on a stack without the TLS-only policy).
    let _lifted = PolicyLifted::new(s);
    // No manifest anywhere (the stack's own state: the manifest test removes what it ships).
    py(
        s,
        r#"
for p in ("csv/", "logs/"):
    for k in keys(p):
        if k.endswith("_pipeform_manifest.json"):
            s3.delete_object(Bucket=BUCKET, Key=k)
"#,
        "",
    );
    let back = format!("{SWAP_PROFILE}\nmodule_profile(O[\"iam_role_name\"])");
    let swap = Undo::boto3(s, "the app instance's profile swap", &back);
    py(
        s,
        &format!("{SWAP_PROFILE}\nother_profile(O[\"iam_role_name\"])"),
        "",
    );

    let (run, rounds, first) = check_in_rounds_with_first_days(s);
    swap.now();

    assert_eq!(run.code, 0, "{}\n{}", run.doc, run.stderr);
    assert!(
        run.detail("iam.instance_profile")
            .contains("-> check-test-other -> role "),
        "{}",
        run.doc
    );
    let shown = format!("{rounds:#?}");
    assert_eq!(rounds.len(), 2, "reads in sequence: {shown}");
    let (today, yesterday) = (now().date_naive(), now().date_naive().pred_opt().unwrap());
    let in_round = |round: usize, what: &str| rounds[round].iter().any(|r| r.contains(what));
    // The manifests of the days down to the schedule's last firing, at once, and no other;
    // then the listings of every fresh day decide.
    let read = manifest_days_read(&rounds);
    assert!(
        first.contains(&read),
        "manifests of {read:?}, expected {first:?}: {shown}"
    );
    for day in [today, yesterday] {
        for p in ["csv", "logs"] {
            let manifest = format!("/{p}/{day}/_pipeform_manifest.json");
            if read.contains(&day) {
                assert!(in_round(0, &manifest), "{manifest} not in round 1: {shown}");
            }
            let listing = format!("prefix={p}%2F{day}%2F");
            assert!(in_round(1, &listing), "{listing} not in round 2: {shown}");
        }
    }
    assert!(in_round(0, "ec2:DescribeInstances"), "{shown}");
    // moto has no TestMetricFilter: asked once, in round 1, and never again.
    let tests: Vec<&String> = rounds
        .iter()
        .flatten()
        .filter(|r| r.starts_with("logs:TestMetricFilter"))
        .collect();
    assert_eq!(tests.len(), 1, "{shown}");
    assert!(in_round(0, "logs:TestMetricFilter"), "{shown}");
    assert!(
        run.detail("alarm.pattern")
            .contains("TestMetricFilter not available"),
        "{}",
        run.doc
    );
    assert!(in_round(0, "iam:ListRolePolicies"), "{shown}");
    assert_eq!(
        rounds[1]
            .iter()
            .filter(|r| r.as_str() == "iam:GetInstanceProfile")
            .count(),
        1,
        "the instance's own profile is read once, in round 2: {shown}"
    );
}

/// `pipeform check --format json` on the shared stack through a [`RoundKeeper`]: the run, and
/// what went through in each round.
fn check_in_rounds(s: &SharedStack) -> (Run, Vec<Vec<String>>) {
    check_in_rounds_answering(s, None)
}

/// [`check_in_rounds`], the stand-in answering `TestMetricFilter` by `rule` where it is `Some`.
fn check_in_rounds_answering(
    s: &SharedStack,
    rule: Option<fn(&str, &str) -> bool>,
) -> (Run, Vec<Vec<String>>) {
    let keeper = RoundKeeper::answering(&s.endpoint, rule);
    let child = Command::new(env!("CARGO_BIN_EXE_pipeform"))
        .current_dir(&s.workdir)
        .envs(s.aws_env())
        .env("NO_COLOR", "1")
        .env_remove("RUST_LOG")
        .args(["check", "--endpoint-url", &keeper.url(), "--format", "json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start pipeform check");
    keeper.client(child.id());
    let out = child.wait_with_output().expect("pipeform check ends");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        doc,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    (run, keeper.rounds())
}

/// The days whose manifests `check` reads first at `at`: today back to the day the shared
/// stack's schedule last fired on, by the library's own rule.
fn manifest_days_read_first(
    s: &SharedStack,
    at: chrono::DateTime<chrono::Utc>,
) -> Vec<chrono::NaiveDate> {
    let stack = pipeform::config::load(&s.config).expect("the config");
    let e = pipeform::checks::Expectations::from_stack(&stack, "ap-northeast-2", at, None);
    pipeform::inventory::first_manifest_days(&e.query())
}

/// The days whose manifest (of either template) went through `rounds`.
fn manifest_days_read(rounds: &[Vec<String>]) -> Vec<chrono::NaiveDate> {
    let mut days: Vec<chrono::NaiveDate> = rounds
        .iter()
        .flatten()
        .filter(|r| r.contains("/_pipeform_manifest.json"))
        .filter_map(|r| {
            let (before, _) = r.split_once("/_pipeform_manifest.json")?;
            before.rsplit('/').next()?.parse().ok()
        })
        .collect();
    days.sort_unstable_by(|a, b| b.cmp(a));
    days.dedup();
    days
}

/// `check_in_rounds`, and the days whose manifests it should have read first: by the clock
/// before and after the run (a run that straddles a firing may follow either).
fn check_in_rounds_with_first_days(
    s: &SharedStack,
) -> (Run, Vec<Vec<String>>, [Vec<chrono::NaiveDate>; 2]) {
    let before = chrono::Utc::now();
    let (run, rounds) = check_in_rounds(s);
    let after = chrono::Utc::now();
    let first = [
        manifest_days_read_first(s, before),
        manifest_days_read_first(s, after),
    ];
    (run, rounds, first)
}

/// ... and on the stack as our modules and job make it (today's manifests shipped by the job,
/// the module's profile): two rounds too, the HEAD of what each manifest names in the second,
/// and no listing at all.
#[test]
fn no_read_waits_for_more_than_one_other_on_our_own_stack() {
    let s = stack::shared();
    let _lock = stack::exclusive();
    seed_today(s);
    let _lifted = PolicyLifted::new(s);
    // Dropped before `_lifted`: object deletes need the policy lifted.
    let undo = Undo::boto3(s, "the test's manifests", UNSTASH);
    let bucket = s.output("bucket_name");
    ship_manifest_test_day(s, &bucket, &today());

    let (run, rounds, first) = check_in_rounds_with_first_days(s);
    undo.now();
    assert_eq!(run.code, 0, "{}\n{}", run.doc, run.stderr);
    let shown = format!("{rounds:#?}");
    assert_eq!(rounds.len(), 2, "reads in sequence: {shown}");
    let in_round = |round: usize, what: &str| rounds[round].iter().any(|r| r.contains(what));
    // Once the schedule fired today, today's manifest is the newest run's and yesterday's is
    // not read; before the day's run it is, beside today's.
    let read = manifest_days_read(&rounds);
    assert!(
        first.contains(&read),
        "manifests of {read:?}, expected {first:?}: {shown}"
    );
    for p in ["csv", "logs"] {
        let manifest = format!("/{p}/{}/_pipeform_manifest.json", today());
        assert!(in_round(0, &manifest), "{manifest} not in round 1: {shown}");
        let head = format!("s3 HEAD /{bucket}/{p}/{}/manifest-test", today());
        assert!(in_round(1, &head), "{head} not in round 2: {shown}");
    }
    assert!(
        !rounds.iter().flatten().any(|r| r.contains("list-type=2")),
        "listed although the manifests prove the days: {shown}"
    );
    assert_eq!(
        rounds
            .iter()
            .flatten()
            .filter(|r| r.as_str() == "iam:GetInstanceProfile")
            .count(),
        1,
        "the module's profile is read once, by its name: {shown}"
    );
}

/// Issue 13, `alarm.pattern` against an endpoint that has `TestMetricFilter` (the stand-in
/// answers it as AWS does; moto does not implement it): the configured failure pattern is
/// tested in round 1 beside the filters, the live success pattern in round 2, nothing twice,
/// and the check reports that AWS agrees with pipeform's evaluator.
#[test]
fn test_metric_filter_probes_in_round_one_and_tests_the_other_live_pattern_after() {
    let s = stack::shared();
    let _lock = stack::read_only();
    // A term pattern with '=' matches a line that holds it (AWS's rule for these patterns).
    let (run, rounds) = check_in_rounds_answering(s, Some(|p, line| line.contains(p)));
    let shown = format!("{rounds:#?}");
    let tests: Vec<(usize, &String)> = rounds
        .iter()
        .enumerate()
        .flat_map(|(i, r)| r.iter().map(move |name| (i, name)))
        .filter(|(_, name)| name.starts_with("logs:TestMetricFilter"))
        .collect();
    assert_eq!(
        tests,
        vec![
            (0, &"logs:TestMetricFilter JOB_STATUS=FAILED".to_string()),
            (1, &"logs:TestMetricFilter JOB_STATUS=SUCCEEDED".to_string()),
        ],
        "{shown}"
    );
    assert_eq!(run.statuses()["alarm.pattern"], "pass", "{}", run.doc);
    assert!(
        run.detail("alarm.pattern")
            .contains("(TestMetricFilter agrees)"),
        "{}",
        run.doc
    );
}

/// ... and where AWS's answer differs from pipeform's evaluator, `alarm.pattern` says so as a
/// warning naming both answers.
#[test]
fn test_metric_filter_disagreeing_with_the_evaluator_is_a_warning() {
    let s = stack::shared();
    let _lock = stack::read_only();
    let (run, _) = check_in_rounds_answering(s, Some(|_, _| false));
    assert_eq!(run.statuses()["alarm.pattern"], "warn", "{}", run.doc);
    let detail = run.detail("alarm.pattern");
    assert!(
        detail.contains("TestMetricFilter disagrees on the failure filter")
            && detail.contains("TestMetricFilter disagrees on the success filter"),
        "{}",
        run.doc
    );
}

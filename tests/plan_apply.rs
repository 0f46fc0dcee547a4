//! `pipeform plan` / `pipeform apply` with real terraform into moto (contract §7). The shared
//! stack itself is applied by `pipeform plan` + `pipeform apply` in `support::stack`.

mod support;

use std::fs;
use std::path::Path;

use support::moto::Moto;
use support::stack;

/// The stack's config with one key changed, written next to it.
fn changed_config(
    s: &stack::SharedStack,
    name: &str,
    table: &str,
    key: &str,
    value: toml::Value,
) -> std::path::PathBuf {
    let mut doc: toml::Table = fs::read_to_string(&s.config)
        .expect("read config")
        .parse()
        .expect("TOML");
    doc.get_mut(table)
        .and_then(toml::Value::as_table_mut)
        .expect("table exists")
        .insert(key.to_string(), value);
    let path = s.workdir.join(name);
    fs::write(&path, toml::to_string(&doc).expect("serialise")).expect("write config");
    path
}

/// Puts the stack's own tfvars back and drops any saved plan when dropped, also when the test
/// panics half-way. After a panic it also asks Terraform whether the live stack still matches
/// its config; when that, or the restore, fails, the stack is marked for a fresh apply
/// ([`stack::invalidate`]) instead of failing every later test that uses it.
struct Restore<'a>(&'a stack::SharedStack);

impl Drop for Restore<'_> {
    fn drop(&mut self) {
        let s = self.0;
        let _ = fs::remove_file(s.terraform_dir.join("pipeform.tfplan"));
        let _ = fs::remove_file(s.terraform_dir.join("pipeform.tfplan.fingerprint"));
        let rendered = s.pipeform().arg("render").output();
        if !rendered.as_ref().is_ok_and(|o| o.status.success()) {
            stack::invalidate(&format!("re-rendering the stack's tfvars: {rendered:?}"));
            return;
        }
        if std::thread::panicking() {
            let plan = s.pipeform().args(["plan", "--detailed-exitcode"]).output();
            let _ = fs::remove_file(s.terraform_dir.join("pipeform.tfplan"));
            let _ = fs::remove_file(s.terraform_dir.join("pipeform.tfplan.fingerprint"));
            if !plan.as_ref().is_ok_and(|o| o.status.code() == Some(0)) {
                stack::invalidate(
                    "the live stack no longer matches its config after a failed test",
                );
            }
        }
    }
}

#[test]
fn the_plan_right_after_apply_is_empty() {
    let s = stack::shared();
    let _lock = stack::exclusive();
    let _restore = Restore(s);
    let out = s
        .pipeform()
        .args(["plan", "--detailed-exitcode"])
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "pipeform plan --detailed-exitcode:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("No changes"), "{stdout}");
    let tf = s
        .terraform()
        .args([
            "plan",
            "-detailed-exitcode",
            "-input=false",
            "-no-color",
            "-lock-timeout=60s",
        ])
        .output()
        .expect("runs");
    assert_eq!(
        tf.status.code(),
        Some(0),
        "terraform plan -detailed-exitcode:\n{}",
        String::from_utf8_lossy(&tf.stdout)
    );
    stack::log("stack: `pipeform plan --detailed-exitcode` and `terraform plan -detailed-exitcode` right after apply: exit 0, no changes");
}

#[test]
fn apply_refuses_a_plan_that_replaces_the_database() {
    let s = stack::shared();
    let _lock = stack::exclusive();
    let _restore = Restore(s);
    // The initial database name cannot change in place (renaming the instance can, so an
    // identifier change is an update, not a replace).
    let cfg = changed_config(
        s,
        "replace-db.toml",
        "rds",
        "database",
        toml::Value::String("offsets2".into()),
    );
    let plan = s
        .pipeform()
        .args(["plan", "--detailed-exitcode", "--config"])
        .arg(&cfg)
        .output()
        .expect("runs");
    let plan_out = String::from_utf8_lossy(&plan.stdout);
    assert_eq!(
        plan.status.code(),
        Some(1),
        "a plan with changes exits 1:\n{plan_out}"
    );
    let db_line = plan_out
        .lines()
        .find(|l| l.starts_with("module.rds.aws_db_instance.this "))
        .unwrap_or_else(|| panic!("the summary names the DB instance:\n{plan_out}"));
    assert!(
        db_line.contains("replace") && db_line.contains("forced by db_name"),
        "{db_line}"
    );
    // Refuse before anything runs: a failed guard must never reach terraform apply.
    let apply = s
        .pipeform()
        .args(["apply", "--config"])
        .arg(&cfg)
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&apply.stderr);
    assert_eq!(apply.status.code(), Some(2), "apply must refuse:\n{err}");
    assert!(
        err.contains("module.rds.aws_db_instance.this: replace (forced by db_name)"),
        "{err}"
    );
    assert!(err.contains("--allow-destroy"), "{err}");
    // Nothing was applied: the live DB is the one of the state.
    let live = s
        .terraform()
        .args([
            "state",
            "show",
            "-no-color",
            "module.rds.aws_db_instance.this",
        ])
        .output()
        .expect("runs");
    let live = String::from_utf8_lossy(&live.stdout);
    assert!(
        live.contains("db_name") && live.contains("= \"offsets\""),
        "{live}"
    );
}

#[test]
fn apply_refuses_a_saved_plan_whose_config_changed_since() {
    let s = stack::shared();
    let _lock = stack::exclusive();
    let _restore = Restore(s);
    s.pipeform().arg("plan").assert().success();
    let cfg = changed_config(
        s,
        "changed-later.toml",
        "monitoring",
        "alarm_period_seconds",
        toml::Value::Integer(600),
    );
    let apply = s
        .pipeform()
        .args(["apply", "--config"])
        .arg(&cfg)
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&apply.stderr);
    assert_eq!(apply.status.code(), Some(2), "{err}");
    assert!(err.contains("run `pipeform plan` again"), "{err}");
}

#[test]
fn apply_without_a_saved_plan_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    support::copy_example_config(dir.path());
    fs::create_dir_all(dir.path().join("terraform")).expect("mkdir");
    let out = support::pipeform()
        .current_dir(dir.path())
        .arg("apply")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("run `pipeform plan` first"), "{err}");
    assert!(!Path::new(&dir.path().join("terraform/terraform.tfstate")).exists());
}

/// A root module holding one data-holding resource (the stack's log group) beside the real
/// root module's variables, provider and version pins, with the example config, applied into
/// a private moto: `plan` and `apply` run every path of the real commands in seconds, and the
/// shared stack is not touched.
struct LogGroupStack {
    moto: Moto,
    dir: tempfile::TempDir,
    rt: tokio::runtime::Runtime,
}

impl LogGroupStack {
    fn new() -> Self {
        let moto = Moto::start();
        let dir = tempfile::tempdir().expect("tempdir");
        let root = support::repo_root();
        let tf = dir.path().join("terraform");
        fs::create_dir_all(&tf).expect("mkdir");
        for file in ["variables.tf", "versions.tf", "providers.tf"] {
            fs::copy(root.join("terraform").join(file), tf.join(file)).expect("copy module file");
        }
        fs::write(
            tf.join("main.tf"),
            r#"locals {
  common_tags = {
    Project     = var.project_name
    Environment = var.environment
    ManagedBy   = "pipeform"
  }
}

resource "aws_cloudwatch_log_group" "this" {
  name              = var.log_group_name
  retention_in_days = var.log_retention_days
}
"#,
        )
        .expect("write main.tf");
        support::copy_example_config(dir.path());
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        Self { moto, dir, rt }
    }

    fn pipeform(&self) -> assert_cmd::Command {
        let mut cmd = support::pipeform();
        cmd.current_dir(self.dir.path())
            .envs(self.moto.env())
            .env(
                "TF_CLI_CONFIG_FILE",
                support::repo_root().join("scripts/terraformrc"),
            )
            .env("TF_IN_AUTOMATION", "1");
        cmd
    }

    fn run(&self, args: &[&str]) -> (Option<i32>, String, String) {
        let out = self.pipeform().args(args).output().expect("run pipeform");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn set_log_group(&self, name: &str) {
        let path = self.dir.path().join("pipeform.toml");
        let mut doc: toml::Table = fs::read_to_string(&path)
            .expect("read config")
            .parse()
            .expect("TOML");
        doc.get_mut("monitoring")
            .and_then(toml::Value::as_table_mut)
            .expect("[monitoring]")
            .insert("log_group".into(), toml::Value::String(name.into()));
        fs::write(&path, toml::to_string(&doc).expect("serialise")).expect("write config");
    }

    fn terraform_dir(&self) -> std::path::PathBuf {
        self.dir.path().join("terraform")
    }

    fn logs(&self) -> aws_sdk_cloudwatchlogs::Client {
        aws_sdk_cloudwatchlogs::Client::new(&self.moto.sdk_config(&self.rt))
    }

    fn log_groups(&self) -> Vec<String> {
        let out = self
            .rt
            .block_on(self.logs().describe_log_groups().send())
            .expect("describe log groups");
        out.log_groups()
            .iter()
            .filter_map(|g| g.log_group_name().map(str::to_string))
            .collect()
    }

    /// `plan` then `apply`, both succeeding.
    fn plan_and_apply(&self) {
        let (code, out, err) = self.run(&["plan"]);
        assert_eq!(code, Some(0), "plan:\n{out}\n{err}");
        let (code, out, err) = self.run(&["apply"]);
        assert_eq!(code, Some(0), "apply:\n{out}\n{err}");
    }
}

/// The destroy guard's other half: with `--allow-destroy`, a plan that replaces a log group
/// is applied.
#[test]
fn apply_with_allow_destroy_replaces_the_log_group() {
    let s = LogGroupStack::new();
    s.plan_and_apply();
    assert_eq!(s.log_groups(), ["/offsets/carbon_log"]);
    s.set_log_group("/offsets/carbon_log_v2");
    let (code, out, err) = s.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(code, Some(1), "a plan with changes:\n{out}\n{err}");
    assert!(out.contains("aws_cloudwatch_log_group.this"), "{out}");
    let (code, _, err) = s.run(&["apply"]);
    assert_eq!(code, Some(2), "refused without --allow-destroy: {err}");
    assert!(err.contains("--allow-destroy"), "{err}");
    assert_eq!(s.log_groups(), ["/offsets/carbon_log"], "nothing applied");
    let (code, out, err) = s.run(&["apply", "--allow-destroy"]);
    assert_eq!(code, Some(0), "{out}\n{err}");
    assert_eq!(s.log_groups(), ["/offsets/carbon_log_v2"]);
    assert!(
        !s.terraform_dir().join("pipeform.tfplan").exists(),
        "a spent plan is removed"
    );
}

#[test]
fn plan_with_an_invalid_config_is_exit_2_before_terraform_runs() {
    let s = LogGroupStack::new();
    let spy = support::TerraformSpy::new();
    s.set_log_group("no leading slash ~");
    let out = s
        .pipeform()
        .env("PIPEFORM_TERRAFORM", spy.program())
        .arg("plan")
        .output()
        .expect("run pipeform plan");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("monitoring.log_group"), "{err}");
    assert_eq!(spy.calls(), Vec::<String>::new(), "terraform ran");
    assert!(!s.terraform_dir().join("pipeform.auto.tfvars.json").exists());
    assert!(!s.terraform_dir().join("pipeform.tfplan").exists());
}

#[test]
fn plan_that_terraform_rejects_is_exit_3_and_leaves_no_saved_plan() {
    let s = LogGroupStack::new();
    fs::write(
        s.terraform_dir().join("broken.tf"),
        "resource \"aws_no_such_resource_type\" \"x\" {}\n",
    )
    .expect("write broken.tf");
    let (code, out, err) = s.run(&["plan"]);
    assert_eq!(code, Some(3), "{out}\n{err}");
    assert!(err.contains("aws_no_such_resource_type"), "{err}");
    assert!(!s.terraform_dir().join("pipeform.tfplan").exists());
    assert!(!s
        .terraform_dir()
        .join("pipeform.tfplan.fingerprint")
        .exists());
}

/// Terraform fails half-way through applying the saved plan: someone made the log group by
/// hand between plan and apply.
#[test]
fn apply_that_terraform_fails_is_exit_3_with_its_error() {
    let s = LogGroupStack::new();
    let (code, out, err) = s.run(&["plan"]);
    assert_eq!(code, Some(0), "{out}\n{err}");
    s.rt.block_on(
        s.logs()
            .create_log_group()
            .log_group_name("/offsets/carbon_log")
            .send(),
    )
    .expect("create the log group by hand");
    let (code, out, err) = s.run(&["apply"]);
    assert_eq!(code, Some(3), "{out}\n{err}");
    assert!(err.contains("terraform"), "{err}");
    assert!(err.contains("already exists"), "{err}");
}

/// `plan --format json` then `apply --format json` through the binary: each prints one JSON
/// document on stdout (progress stays on stderr) with `schema_version` and the summary of what
/// changes, and `apply` says it applied.
#[test]
fn plan_and_apply_print_one_json_document_each() {
    let s = LogGroupStack::new();
    let document = |args: &[&str]| {
        let (code, out, err) = s.run(args);
        assert_eq!(code, Some(0), "{args:?}:\n{out}\n{err}");
        let doc: serde_json::Value = serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("{args:?}: stdout is not one JSON document ({e}):\n{out}"));
        assert_eq!(out.trim_end().lines().count(), 1, "{out}");
        // Contract v2: every JSON document carries `schema_version` 2.
        assert_eq!(doc["schema_version"], 2, "{doc:#}");
        assert_eq!(
            doc["summary"],
            serde_json::json!({"create": 1, "update": 0, "replace": 0, "delete": 0}),
            "{doc:#}"
        );
        assert_eq!(
            doc["changes"][0]["address"], "aws_cloudwatch_log_group.this",
            "{doc:#}"
        );
        assert_eq!(doc["changes"][0]["action"], "create", "{doc:#}");
        (doc, err)
    };
    let (plan, _) = document(&["plan", "--format", "json"]);
    assert!(plan.get("applied").is_none(), "{plan:#}");
    assert_eq!(plan["destructive"], serde_json::json!([]), "{plan:#}");
    let (apply, err) = document(&["apply", "--format", "json"]);
    assert_eq!(apply["applied"], true, "{apply:#}");
    // stderr is a pipe here: one plain line per completed resource, from the -json events.
    assert!(
        err.contains("apply: aws_cloudwatch_log_group.this: Creation complete"),
        "{err}"
    );
    assert!(!err.contains("\"@level\""), "raw events on stderr:\n{err}");
    assert_eq!(s.log_groups(), ["/offsets/carbon_log"]);
}

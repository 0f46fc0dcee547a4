//! `pipeform plan` / `pipeform apply` with real terraform into moto (contract §7). The shared
//! stack itself is applied by `pipeform plan` + `pipeform apply` in `support::stack`.

mod support;

use std::fs;
use std::path::Path;

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
    let root = support::repo_root();
    fs::create_dir_all(dir.path().join("keys")).expect("mkdir");
    fs::copy(
        root.join("examples/pipeform.toml"),
        dir.path().join("pipeform.toml"),
    )
    .expect("copy config");
    fs::copy(
        root.join("examples/keys/offsets.pub"),
        dir.path().join("keys/offsets.pub"),
    )
    .expect("copy key");
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

//! `pipeform init` through the real binary: a config that renders, a private key only its owner
//! reads, and nothing ever overwritten.

mod support;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn init(dir: &Path, name: &str) -> std::process::Output {
    support::pipeform()
        .args(["init", "--name", name, "--dir"])
        .arg(dir)
        .output()
        .expect("runs")
}

/// Every file under `dir`, relative, with its bytes.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).expect("list").filter_map(Result::ok) {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .expect("under dir")
                    .display()
                    .to_string();
                out.push((rel, fs::read(&p).expect("read")));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn writes_a_config_that_renders_and_a_key_pair() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("new-stack");
    let out = init(&dir, "carbon");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(stdout.contains("pipeform.toml"), "{stdout}");
    let text = fs::read_to_string(dir.join("pipeform.toml")).expect("config written");
    assert!(text.contains("name = \"carbon\""), "{text}");
    assert!(text.contains("public_key_path = \"keys/carbon.pub\""));
    assert!(
        text.contains("# force_destroy = false"),
        "commented optional keys"
    );
    let private = dir.join("keys/carbon");
    let mode = fs::metadata(&private)
        .expect("private key")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "private key mode {mode:o}");
    assert!(fs::read_to_string(&private)
        .expect("read")
        .contains("OPENSSH PRIVATE KEY"));
    let public = fs::read_to_string(dir.join("keys/carbon.pub")).expect("public key");
    assert!(public.starts_with("ssh-ed25519 "), "{public}");
    let leftovers: Vec<_> = fs::read_dir(dir.join("keys"))
        .expect("list")
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    assert_eq!(leftovers.len(), 2, "{leftovers:?}");

    // The new config renders as written, with the new public key.
    let vars = dir.join("vars.json");
    let out = support::pipeform()
        .arg("--config")
        .arg(dir.join("pipeform.toml"))
        .arg("render")
        .arg("--terraform-dir")
        .arg(support::repo_root().join("tests/fixtures/root"))
        .arg("--out")
        .arg(&vars)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{out:?}");
    let rendered = fs::read_to_string(&vars).expect("tfvars");
    assert!(rendered.contains(public.trim()), "{rendered}");
    assert!(!rendered.contains("PRIVATE"));
}

#[test]
fn never_overwrites_an_existing_config() {
    let tmp = tempfile::tempdir().expect("tempdir");
    assert!(init(tmp.path(), "offsets").status.success());
    let before = snapshot(tmp.path());
    let out = init(tmp.path(), "offsets");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("pipeform.toml already exists"), "{err}");
    assert_eq!(snapshot(tmp.path()), before, "nothing changed");
}

#[test]
fn keeps_an_existing_key_pair() {
    let tmp = tempfile::tempdir().expect("tempdir");
    fs::create_dir(tmp.path().join("keys")).expect("mkdir");
    fs::write(tmp.path().join("keys/demo"), "mine").expect("write");
    fs::write(tmp.path().join("keys/demo.pub"), "mine too").expect("write");
    let out = init(tmp.path(), "demo");
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("kept the existing key pair"));
    assert_eq!(
        fs::read_to_string(tmp.path().join("keys/demo")).expect("read"),
        "mine"
    );
    assert_eq!(
        fs::read_to_string(tmp.path().join("keys/demo.pub")).expect("read"),
        "mine too"
    );
}

#[test]
fn half_a_key_pair_is_refused_and_nothing_written() {
    let tmp = tempfile::tempdir().expect("tempdir");
    fs::create_dir(tmp.path().join("keys")).expect("mkdir");
    fs::write(tmp.path().join("keys/demo.pub"), "orphan").expect("write");
    let before = snapshot(tmp.path());
    let out = init(tmp.path(), "demo");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("keys/demo.pub already exists"), "{err}");
    assert_eq!(snapshot(tmp.path()), before);
}

#[test]
fn a_bad_name_is_a_usage_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for name in ["Offsets", "x", "a-"] {
        let out = init(tmp.path(), name);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains("--name"), "{err}");
    }
    assert!(snapshot(tmp.path()).is_empty());
    assert_eq!(fs::read_dir(tmp.path()).expect("list").count(), 0);
}

#[test]
fn without_ssh_keygen_it_says_so_and_writes_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let empty_path = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("stack");
    let out = support::pipeform()
        .env("PATH", empty_path.path())
        .args(["init", "--dir"])
        .arg(&dir)
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("ssh-keygen was not found"), "{err}");
    assert!(!dir.exists(), "the directory init made is removed again");
}

/// The fresh-install story of issue 17: an empty directory, `init`, `render`; then `drift`
/// before any apply is a usage error that says what to do, not a wall of Terraform errors.
#[test]
fn an_empty_directory_becomes_a_working_directory_that_renders() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = support::pipeform()
        .current_dir(tmp.path())
        .args(["init", "--name", "demo2"])
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(stdout.contains("wrote terraform ("), "{stdout}");
    for file in [
        "terraform/main.tf",
        "terraform/variables.tf",
        "terraform/.terraform.lock.hcl",
        "terraform/modules/nat/main.tf",
        "terraform/modules/cloudwatch/variables.tf",
    ] {
        assert!(tmp.path().join(file).is_file(), "{file} missing");
    }
    // Byte for byte the repository's root module.
    assert_eq!(
        fs::read(tmp.path().join("terraform/main.tf")).expect("read"),
        fs::read(support::repo_root().join("terraform/main.tf")).expect("read")
    );
    let config = fs::read_to_string(tmp.path().join("pipeform.toml")).expect("config");
    for derived in [
        "name = \"demo2\"",
        "identifier = \"demo2-db\"",
        "log_group = \"/demo2/job\"",
        "alarm_name = \"demo2-job-failed\"",
        "metric_namespace = \"Demo2Pipeline\"",
        "topic_name = \"demo2-alerts\"",
        "name = \"demo2-data-",
    ] {
        assert!(
            config.contains(derived),
            "{derived} missing from:\n{config}"
        );
    }

    let out = support::pipeform()
        .current_dir(tmp.path())
        .arg("render")
        .output()
        .expect("runs");
    assert!(out.status.success(), "{out:?}");
    let vars = fs::read_to_string(tmp.path().join("terraform/pipeform.auto.tfvars.json"))
        .expect("tfvars written");
    assert!(vars.contains("\"demo2\""), "{vars}");
    let out = support::pipeform()
        .current_dir(tmp.path())
        .args(["render", "--format", "json"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{out:?}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(doc["schema_version"], 2);
    assert_eq!(doc["path"], "terraform/pipeform.auto.tfvars.json");
    assert!(doc["variables"]
        .as_array()
        .is_some_and(|v| v.iter().any(|x| x == "project_name")));

    let out = support::pipeform()
        .current_dir(tmp.path())
        .env(
            "TF_CLI_CONFIG_FILE",
            support::repo_root().join("scripts/terraformrc"),
        )
        // Nothing listens there: the answer must come before any remote call.
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .arg("drift")
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("run `pipeform apply` first"), "{err}");
    assert!(!err.contains("Invalid index"), "{err}");
}

#[test]
fn an_existing_terraform_directory_is_kept() {
    let tmp = tempfile::tempdir().expect("tempdir");
    fs::create_dir(tmp.path().join("terraform")).expect("mkdir");
    fs::write(tmp.path().join("terraform/main.tf"), "# mine\n").expect("write");
    let out = init(tmp.path(), "demo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(stdout.contains("kept the existing"), "{stdout}");
    assert_eq!(
        fs::read_dir(tmp.path().join("terraform"))
            .expect("list")
            .count(),
        1
    );
    assert_eq!(
        fs::read_to_string(tmp.path().join("terraform/main.tf")).expect("read"),
        "# mine\n"
    );
}

#[test]
fn config_names_the_file_init_writes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = support::pipeform()
        .current_dir(tmp.path())
        .args(["--config", "stacks/demo.toml", "init", "--name", "demo"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{out:?}");
    assert!(tmp.path().join("stacks/demo.toml").is_file());
    assert!(tmp.path().join("stacks/keys/demo.pub").is_file());
    assert!(!tmp.path().join("pipeform.toml").exists());
    let out = support::pipeform()
        .current_dir(tmp.path())
        .args(["--config", "stacks/demo.toml", "render"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{out:?}");
}

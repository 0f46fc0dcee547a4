//! Bad configs through the real binary: exit 2, the file and key path in the message, every
//! problem at once, and nothing written.

mod support;

use std::fs;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

/// A project dir: the example config (edited), its public key, and a copy of the fixture root
/// module under `terraform/`.
struct Project {
    dir: TempDir,
}

impl Project {
    fn new(edits: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = support::repo_root();
        let mut text =
            fs::read_to_string(root.join("examples/pipeform.toml")).expect("example readable");
        for (from, to) in edits {
            assert!(text.contains(from), "{from:?} not in the example");
            text = text.replacen(from, to, 1);
        }
        fs::write(dir.path().join("pipeform.toml"), text).expect("write config");
        fs::create_dir(dir.path().join("keys")).expect("mkdir keys");
        fs::copy(
            root.join("examples/keys/offsets.pub"),
            dir.path().join("keys/offsets.pub"),
        )
        .expect("copy key");
        fs::create_dir(dir.path().join("terraform")).expect("mkdir terraform");
        for f in ["variables.tf", "main.tf"] {
            fs::copy(
                root.join("tests/fixtures/root").join(f),
                dir.path().join("terraform").join(f),
            )
            .expect("copy fixture");
        }
        Self { dir }
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("pipeform.toml")
    }

    fn tfvars(&self) -> PathBuf {
        self.dir.path().join("terraform/pipeform.auto.tfvars.json")
    }

    /// Runs `pipeform render` and returns (exit code, stderr).
    fn render(&self) -> (Option<i32>, String) {
        let out = support::pipeform()
            .arg("--config")
            .arg(self.config())
            .arg("render")
            .arg("--terraform-dir")
            .arg(self.dir.path().join("terraform"))
            .output()
            .expect("runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Asserts a rejected config: exit 2, the file named, every `needle` in the message, and
    /// no tfvars written.
    fn rejects(&self, needles: &[&str]) -> String {
        let (code, err) = self.render();
        assert_eq!(code, Some(2), "stderr:\n{err}");
        assert!(
            err.contains(&self.config().display().to_string()),
            "file not named:\n{err}"
        );
        for n in needles {
            assert!(err.contains(n), "{n:?} missing from:\n{err}");
        }
        assert!(!self.tfvars().exists(), "tfvars written despite:\n{err}");
        err
    }
}

#[test]
fn unknown_key() {
    Project::new(&[("[nat]\n", "[nat]\nsize = \"small\"\n")]).rejects(&[
        "pipeform.toml:22:1\n",
        "nat.size: unknown key `size`",
        "`instance_type`",
    ]);
}

#[test]
fn wrong_type() {
    Project::new(&[("freshness_hours = 26", "freshness_hours = \"26h\"")])
        .rejects(&["bucket.freshness_hours: wrong type", "whole number"]);
}

#[test]
fn bad_cidr() {
    Project::new(&[("vpc_cidr = \"10.20.0.0/16\"", "vpc_cidr = \"10.20.0/16\"")])
        .rejects(&["network.vpc_cidr: \"10.20.0/16\" is not an IPv4 CIDR block"]);
}

#[test]
fn overlapping_subnets() {
    Project::new(&[("\"10.20.102.0/24\"]", "\"10.20.2.0/24\"]")]).rejects(&[
        "network.db_subnets[1]: 10.20.2.0/24 overlaps network.public_subnets[1] (10.20.2.0/24)",
    ]);
}

#[test]
fn subnet_outside_the_vpc() {
    Project::new(&[("\"10.20.101.0/24\",", "\"172.16.101.0/24\",")])
        .rejects(&["network.db_subnets[0]: 172.16.101.0/24 is outside vpc_cidr 10.20.0.0/16"]);
}

#[test]
fn retention_cloudwatch_rejects() {
    Project::new(&[("retention_days = 30", "retention_days = 45")]).rejects(&[
        "pipeform.toml:46:18\n",
        "monitoring.retention_days: 45 days is not a retention CloudWatch Logs accepts",
        "60",
    ]);
}

#[test]
fn bad_bucket_name() {
    Project::new(&[("name = \"vcm-bucket25\"", "name = \"VCM_Bucket\"")])
        .rejects(&["bucket.name: \"VCM_Bucket\" is not a valid S3 bucket name"]);
}

#[test]
fn bad_email() {
    Project::new(&[(
        "[\"ops@example.com\"]",
        "[\"ops@example.com\", \"ops.example.com\"]",
    )])
    .rejects(&["monitoring.alert_emails[1]: \"ops.example.com\" is not an e-mail address"]);
}

#[test]
fn bad_cron() {
    Project::new(&[("schedule = \"0 3 * * *\"", "schedule = \"0 3 * *\"")])
        .rejects(&["pipeline.schedule: \"0 3 * *\" has 4 fields"]);
}

#[test]
fn ssh_open_to_the_world() {
    Project::new(&[("[\"203.0.113.10/32\"]", "[\"0.0.0.0/0\"]")])
        .rejects(&["app.ssh_allowed_cidrs[0]: \"0.0.0.0/0\" opens SSH to the whole internet"]);
}

#[test]
fn every_problem_is_reported_at_once_and_an_existing_tfvars_is_untouched() {
    let p = Project::new(&[
        ("[nat]\n", "[nat]\nsize = \"small\"\n"),
        ("\"10.20.102.0/24\"]", "\"10.20.2.0/24\"]"),
        ("retention_days = 30", "retention_days = 45"),
        ("schedule = \"0 3 * * *\"", "schedule = \"61 3 * * *\""),
    ]);
    let before = b"{\"previous\": \"render\"}\n";
    fs::write(p.tfvars(), before).expect("write old tfvars");
    let (code, err) = p.render();
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("4 problems"), "{err}");
    for key in [
        "nat.size",
        "network.db_subnets[1]",
        "monitoring.retention_days",
        "pipeline.schedule",
    ] {
        assert!(err.contains(&format!(": {key}: ")), "{key} missing:\n{err}");
    }
    assert_eq!(fs::read(p.tfvars()).expect("still there"), before);
    let entries = fs::read_dir(p.dir.path().join("terraform"))
        .expect("list")
        .count();
    assert_eq!(entries, 3, "no stray files");
}

#[test]
fn a_missing_config_file_is_named() {
    let p = Project::new(&[]);
    fs::remove_file(p.config()).expect("remove");
    p.rejects(&["cannot read config file", "pipeform init"]);
}

#[test]
fn a_toml_syntax_error_gives_its_line() {
    Project::new(&[("region = \"ap-northeast-2\"", "region = \"ap-northeast-2")])
        .rejects(&["pipeform.toml:9:", "not valid TOML"]);
}

#[test]
fn the_example_config_renders_as_is() {
    let root = support::repo_root();
    let out = tempfile::tempdir().expect("tempdir");
    let target = out.path().join("vars.json");
    support::pipeform()
        .current_dir(&root)
        .args(["--config", "examples/pipeform.toml", "render"])
        .arg("--terraform-dir")
        .arg(Path::new("tests/fixtures/root"))
        .arg("--out")
        .arg(&target)
        .assert()
        .success();
    assert!(target.is_file());
}

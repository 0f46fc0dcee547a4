//! The one applied stack of a test run: the project's own root module, rendered from
//! `examples/pipeform.toml` and applied with `pipeform plan` + `pipeform apply` into the shared
//! moto that `scripts/testbed.sh start` runs. Applying takes ~100 s, so it happens once per test
//! run (across test binaries, guarded by a file lock) and `scripts/test.sh` destroys it at the end.
//!
//! Tests that change the live stack or run terraform in its directory hold [`exclusive`]; tests
//! that only read it hold [`read_only`]. Both are file locks, so they serialise across processes.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Instant;

use super::{repo_root, testbed_dir};

/// The applied stack and how to reach it.
#[derive(Debug)]
pub struct SharedStack {
    /// moto's URL.
    pub endpoint: String,
    /// Holds `pipeform.toml`, `keys/` and `terraform/` (with the state of the apply).
    pub workdir: PathBuf,
    /// `workdir/pipeform.toml`.
    pub config: PathBuf,
    /// `workdir/terraform`.
    pub terraform_dir: PathBuf,
    /// `terraform output -json` after the apply.
    pub outputs: serde_json::Value,
    /// moto's request log (one werkzeug line per request, method and path).
    pub moto_log: PathBuf,
    env: BTreeMap<String, String>,
}

/// A held file lock; released on drop.
#[derive(Debug)]
pub struct StackLock {
    _file: File,
}

static STACK: OnceLock<SharedStack> = OnceLock::new();

/// The shared stack, applied on first use in this test run.
pub fn shared() -> &'static SharedStack {
    STACK.get_or_init(SharedStack::ensure)
}

/// Hold while changing the live stack or running terraform in its directory.
pub fn exclusive() -> StackLock {
    let file = lock_file("stack-use.lock");
    file.lock().expect("take the exclusive stack lock");
    StackLock { _file: file }
}

/// Hold while only reading the live stack.
pub fn read_only() -> StackLock {
    let file = lock_file("stack-use.lock");
    file.lock_shared().expect("take the shared stack lock");
    StackLock { _file: file }
}

fn lock_file(name: &str) -> File {
    let dir = testbed_dir();
    fs::create_dir_all(&dir).expect("create the testbed dir");
    File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(name))
        .expect("open a lock file in the testbed dir")
}

/// Makes the next test binary (of this run or a later one) apply the stack afresh instead of
/// reusing it: called when a test could not put back what it changed, so that one broken
/// restore does not fail every later test that reads the stack.
pub fn invalidate(why: &str) {
    let _ = fs::remove_file(testbed_dir().join("stack").join("applied"));
    log(&format!(
        "stack: a restore failed, the next user applies afresh: {why}"
    ));
}

/// Appends a line to `.testbed/stack.log`, which `scripts/test.sh` prints after the tests (test
/// output is captured; this is how the run shows what the end-to-end steps did).
pub fn log(line: &str) {
    use std::io::Write as _;
    eprintln!("{line}");
    if let Ok(mut f) = File::options()
        .create(true)
        .append(true)
        .open(testbed_dir().join("stack.log"))
    {
        let _ = writeln!(f, "{line}");
    }
}

/// Reads `export K=V` lines of the testbed env file.
fn read_env_file(path: &Path) -> BTreeMap<String, String> {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    text.lines()
        .filter_map(|l| l.strip_prefix("export "))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn run(cmd: &mut Command, what: &str) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    if !out.status.success() {
        panic!(
            "{what} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl SharedStack {
    fn ensure() -> Self {
        // Serialise the first apply across test binaries running at the same time.
        let _guard = {
            let f = lock_file("stack-apply.lock");
            f.lock().expect("take the stack-apply lock");
            f
        };
        let env_path = PathBuf::from(
            run(
                Command::new(repo_root().join("scripts/testbed.sh")).arg("start"),
                "scripts/testbed.sh start (the shared moto)",
            )
            .trim(),
        );
        let env = read_env_file(&env_path);
        let endpoint = env
            .get("AWS_ENDPOINT_URL")
            .cloned()
            .expect("AWS_ENDPOINT_URL in the testbed env");
        let moto_pid = fs::read_to_string(testbed_dir().join("run/moto.pid")).unwrap_or_default();
        let workdir = testbed_dir().join("stack");
        let marker = workdir.join("applied");
        let stamp = format!("{endpoint} pid {}", moto_pid.trim());
        let mut stack = Self {
            endpoint,
            config: workdir.join("pipeform.toml"),
            terraform_dir: workdir.join("terraform"),
            workdir: workdir.clone(),
            outputs: serde_json::Value::Null,
            moto_log: env_path
                .parent()
                .map_or_else(|| testbed_dir().join("run"), PathBuf::from)
                .join("moto.log"),
            env,
        };
        if fs::read_to_string(&marker).ok().as_deref() != Some(stamp.as_str()) {
            // Tests of other binaries may be using the stack (after an invalidation): wait for
            // them before resetting moto under them.
            let _use = exclusive();
            stack.apply_fresh();
            fs::write(&marker, &stamp).expect("write the applied marker");
        } else {
            eprintln!("stack: reusing the stack applied into {}", stack.endpoint);
        }
        let out = run(
            stack.terraform().args(["output", "-json"]),
            "terraform output -json of the shared stack",
        );
        stack.outputs = serde_json::from_str(&out).expect("terraform output -json is JSON");
        stack
    }

    fn apply_fresh(&self) {
        let started = Instant::now();
        // A stack left by an earlier run belongs to a moto that is gone: start from nothing.
        let _ = fs::remove_dir_all(&self.workdir);
        fs::create_dir_all(self.workdir.join("keys")).expect("create the stack workdir");
        copy_root_module(&repo_root().join("terraform"), &self.terraform_dir);
        run(
            Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-C", "pipeform-test", "-f"])
                .arg(self.workdir.join("keys/stack")),
            "ssh-keygen for the stack's key pair",
        );
        self.write_config();
        run(
            Command::new("curl")
                .args(["-fsS", "-X", "POST"])
                .arg(format!("{}/moto-api/reset", self.endpoint)),
            "reset moto",
        );
        eprintln!("stack: pipeform plan + apply into {} ...", self.endpoint);
        let mut plan = self.pipeform_std();
        run(plan.arg("plan"), "pipeform plan of the shared stack");
        let mut apply = self.pipeform_std();
        run(apply.arg("apply"), "pipeform apply of the shared stack");
        log(&format!(
            "stack: `pipeform plan` + `pipeform apply` of the root module into {}: ok in {:.0} s",
            self.endpoint,
            started.elapsed().as_secs_f64()
        ));
    }

    /// The example config with what a throwaway stack needs: its own key, and destroyable data.
    fn write_config(&self) {
        let text = fs::read_to_string(repo_root().join("examples/pipeform.toml"))
            .expect("read examples/pipeform.toml");
        let mut doc: toml::Table = text.parse().expect("examples/pipeform.toml is TOML");
        let set = |doc: &mut toml::Table, table: &str, key: &str, value: toml::Value| {
            doc.get_mut(table)
                .and_then(toml::Value::as_table_mut)
                .unwrap_or_else(|| panic!("[{table}] in examples/pipeform.toml"))
                .insert(key.to_string(), value);
        };
        set(
            &mut doc,
            "app",
            "public_key_path",
            toml::Value::String("keys/stack.pub".into()),
        );
        set(
            &mut doc,
            "rds",
            "deletion_protection",
            toml::Value::Boolean(false),
        );
        set(
            &mut doc,
            "rds",
            "skip_final_snapshot",
            toml::Value::Boolean(true),
        );
        set(
            &mut doc,
            "bucket",
            "force_destroy",
            toml::Value::Boolean(true),
        );
        fs::write(
            &self.config,
            toml::to_string(&doc).expect("serialise the config"),
        )
        .expect("write the stack config");
    }

    fn pipeform_std(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pipeform"));
        cmd.current_dir(&self.workdir)
            .envs(&self.env)
            .env("NO_COLOR", "1");
        cmd
    }

    /// `terraform -chdir=<stack>` with the testbed's environment.
    pub fn terraform(&self) -> Command {
        let mut cmd = Command::new("terraform");
        cmd.arg(format!("-chdir={}", self.terraform_dir.display()))
            .envs(&self.env);
        cmd
    }

    /// The `pipeform` binary, in the stack's workdir, with the testbed's environment.
    pub fn pipeform(&self) -> assert_cmd::Command {
        let mut cmd = super::pipeform();
        cmd.current_dir(&self.workdir).envs(&self.env);
        cmd
    }

    /// AWS_* and TF_* variables that point a program at the shared moto.
    pub fn aws_env(&self) -> Vec<(String, String)> {
        self.env
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// A string output of the root module.
    pub fn output(&self, name: &str) -> String {
        match &self.outputs[name]["value"] {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => panic!("the root module has no output {name}"),
            other => other.to_string(),
        }
    }
}

/// Copies the root module and its modules, leaving out local state, plans and caches.
pub fn copy_root_module(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create the module copy");
    for entry in fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display())) {
        let entry = entry.expect("read a directory entry");
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.')
            || name.contains("tfstate")
            || name.ends_with(".tfplan")
            || name.ends_with(".tfvars.json")
        {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            copy_root_module(&path, &to.join(&*name));
        } else {
            fs::copy(&path, to.join(&*name)).expect("copy a module file");
        }
    }
}

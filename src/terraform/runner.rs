//! Runs the terraform binary.

use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;

/// How much of stderr a failure keeps.
const STDERR_TAIL_LINES: usize = 25;

/// A failed terraform run.
#[derive(Debug, thiserror::Error)]
pub enum TerraformError {
    /// The binary could not be started.
    #[error(
        "cannot run `{program}`: {source}; install terraform or set PIPEFORM_TERRAFORM to its path"
    )]
    Spawn {
        /// The program that was tried.
        program: String,
        /// Why it did not start.
        source: std::io::Error,
    },
    /// Terraform ran and failed.
    #[error("`{command}` failed ({status}):\n{stderr_tail}")]
    Failed {
        /// The command line.
        command: String,
        /// Its exit status, as text.
        status: String,
        /// The last lines of its stderr.
        stderr_tail: String,
    },
    /// Terraform's output was not what was expected.
    #[error("`{command}` printed output that cannot be read: {reason}")]
    BadOutput {
        /// The command line.
        command: String,
        /// What was wrong.
        reason: String,
    },
}

/// Captured output of a successful run.
#[derive(Debug)]
pub struct Output {
    /// Exit code (0, or 2 for `plan -detailed-exitcode` with changes).
    pub code: i32,
    /// Everything on stdout.
    pub stdout: String,
}

/// A terraform binary bound to one root-module directory. The environment passes through
/// untouched (`TF_CLI_CONFIG_FILE`, `AWS_*`), so it works against any endpoint.
#[derive(Debug, Clone)]
pub struct Terraform {
    program: PathBuf,
    dir: PathBuf,
}

impl Terraform {
    /// A runner for the root module in `dir`; the binary is `$PIPEFORM_TERRAFORM` or `terraform`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        let program = std::env::var_os("PIPEFORM_TERRAFORM")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("terraform"));
        Self {
            program,
            dir: dir.into(),
        }
    }

    /// The root-module directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn command(&self, args: &[OsString]) -> Command {
        let mut cmd = Command::new(&self.program);
        cmd.arg(format!("-chdir={}", self.dir.display()));
        cmd.args(args);
        cmd.env("TF_IN_AUTOMATION", "1");
        cmd
    }

    fn display(&self, args: &[OsString]) -> String {
        let mut s = format!("{} -chdir={}", self.program.display(), self.dir.display());
        for a in args {
            s.push(' ');
            s.push_str(&a.to_string_lossy());
        }
        s
    }

    /// Runs terraform, capturing stdout; stderr is kept for the error. `ok_codes` lists the exit
    /// codes that count as success (`[0]`, or `[0, 2]` with `-detailed-exitcode`).
    pub fn capture<I, S>(&self, args: I, ok_codes: &[i32]) -> Result<Output, TerraformError>
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
        tracing::info!("running {}", self.display(&args));
        let out = self
            .command(&args)
            .stdin(Stdio::null())
            .output()
            .map_err(|source| self.spawn_error(source))?;
        let code = out.status.code().unwrap_or(-1);
        if !ok_codes.contains(&code) {
            return Err(TerraformError::Failed {
                command: self.display(&args),
                status: out.status.to_string(),
                stderr_tail: tail(
                    &String::from_utf8_lossy(&out.stderr),
                    &String::from_utf8_lossy(&out.stdout),
                ),
            });
        }
        Ok(Output {
            code,
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        })
    }

    /// Runs terraform, passing each stdout line to `on_line` as it comes (for progress), and
    /// keeping stderr for the error.
    pub fn stream<I, S>(
        &self,
        args: I,
        ok_codes: &[i32],
        mut on_line: impl FnMut(&str),
    ) -> Result<i32, TerraformError>
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
        tracing::info!("running {}", self.display(&args));
        let mut child = self
            .command(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| self.spawn_error(source))?;
        // Drain stderr on its own thread so a chatty stderr cannot block stdout.
        let stderr = child.stderr.take();
        let err_thread = thread::spawn(move || {
            let mut s = String::new();
            if let Some(mut e) = stderr {
                let _ = e.read_to_string(&mut s);
            }
            s
        });
        let mut seen = Vec::new();
        if let Some(stdout) = child.stdout.take() {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                on_line(&line);
                // With -json, errors come as diagnostic events on stdout: keep them readable.
                seen.push(super::progress::readable(&line));
                if seen.len() > STDERR_TAIL_LINES * 4 {
                    seen.drain(..STDERR_TAIL_LINES * 2);
                }
            }
        }
        let status = child.wait().map_err(|source| self.spawn_error(source))?;
        let stderr = err_thread.join().unwrap_or_default();
        let code = status.code().unwrap_or(-1);
        if !ok_codes.contains(&code) {
            return Err(TerraformError::Failed {
                command: self.display(&args),
                status: status.to_string(),
                stderr_tail: tail(&stderr, &seen.join("\n")),
            });
        }
        Ok(code)
    }

    /// Runs terraform and parses its stdout as JSON.
    pub fn json<T: serde::de::DeserializeOwned>(&self, args: &[&str]) -> Result<T, TerraformError> {
        let out = self.capture(args.iter().copied(), &[0])?;
        serde_json::from_str(&out.stdout).map_err(|e| TerraformError::BadOutput {
            command: self.display(&args.iter().map(OsString::from).collect::<Vec<_>>()),
            reason: e.to_string(),
        })
    }

    /// `terraform init -input=false`, quiet unless it fails (a spinner on a terminal: it can
    /// take a minute when providers are downloaded).
    pub fn init(&self) -> Result<(), TerraformError> {
        let _spinner = super::progress::Spinner::new("terraform init");
        self.capture(["init", "-input=false", "-no-color"], &[0])
            .map(|_| ())
    }

    /// `terraform output -json`.
    pub fn outputs(&self) -> Result<super::Outputs, TerraformError> {
        self.json::<serde_json::Value>(&["output", "-json"])
            .map(super::Outputs::from_json)
    }

    /// `terraform show -json PLANFILE`.
    pub fn show_plan(&self, plan_file: &Path) -> Result<super::PlanJson, TerraformError> {
        let file = plan_file.to_string_lossy();
        self.json(&["show", "-json", "-no-color", &file])
    }

    fn spawn_error(&self, source: std::io::Error) -> TerraformError {
        TerraformError::Spawn {
            program: self.program.display().to_string(),
            source,
        }
    }
}

/// The last lines of stderr, or of stdout when stderr is empty (terraform puts some errors there).
fn tail(stderr: &str, stdout: &str) -> String {
    let text = if stderr.trim().is_empty() {
        stdout
    } else {
        stderr
    };
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let start = lines.len().saturating_sub(STDERR_TAIL_LINES);
    lines[start..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_keeps_the_last_lines_and_falls_back_to_stdout() {
        let long: String = (0..40).map(|i| format!("line {i}\n")).collect();
        let t = tail(&long, "");
        assert!(t.starts_with("line 15"), "{t}");
        assert!(t.ends_with("line 39"));
        assert_eq!(tail("  \n", "Error: boom"), "Error: boom");
    }

    #[test]
    fn a_missing_binary_says_what_to_do() {
        let tf = Terraform {
            program: PathBuf::from("/nonexistent/terraform"),
            dir: PathBuf::from("."),
        };
        let err = tf.init().expect_err("must fail");
        assert!(err.to_string().contains("PIPEFORM_TERRAFORM"), "{err}");
    }
}

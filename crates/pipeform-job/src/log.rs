//! The job's own log: one line per step, size-based rotation, secrets redacted, and exactly one
//! final `JOB_STATUS=` line per run (what the CloudWatch metric filter counts).

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use pipeform_shared::status_line;

/// Default size at which the log rotates.
pub const DEFAULT_MAX_BYTES: u64 = 5 * 1024 * 1024;
/// Default number of rotated files kept (`job.log.1` .. `job.log.N`).
pub const DEFAULT_KEEP: u32 = 3;
/// Lines of one run kept in memory for delivery to CloudWatch Logs; a run that writes more
/// delivers the first ones and the status line, and says how many it left out.
pub const CAPTURE_MAX_LINES: usize = 5_000;

/// One line of the run as written to the file (without its newline), with its time, for
/// delivery to CloudWatch Logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Captured {
    /// Milliseconds since the Unix epoch: the time written at the start of the line.
    pub timestamp_ms: i64,
    /// The line as written.
    pub message: String,
}

/// How the job log rotates.
#[derive(Debug, Clone, Copy)]
pub struct Rotation {
    /// Rotate before a write would take the file past this size.
    pub max_bytes: u64,
    /// Rotated files kept; older ones are deleted.
    pub keep: u32,
}

impl Default for Rotation {
    fn default() -> Self {
        Self {
            max_bytes: DEFAULT_MAX_BYTES,
            keep: DEFAULT_KEEP,
        }
    }
}

/// The final outcome of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Everything the run had to do is done.
    Succeeded,
    /// The run failed; the reason is one line.
    Failed(String),
}

/// The job log. Every line also goes to stderr. Secrets registered with [`JobLog::redact`] are
/// replaced by `***` in every line, whatever code produced the text.
#[derive(Debug)]
pub struct JobLog {
    path: PathBuf,
    file: File,
    size: u64,
    rotation: Rotation,
    secrets: Vec<String>,
    finished: bool,
    echo: bool,
    captured: Vec<Captured>,
    not_captured: usize,
}

impl JobLog {
    /// Opens (appends to) the log at `path`, creating its directory if needed.
    pub fn open(path: &Path, rotation: Rotation) -> std::io::Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        let size = file.metadata()?.len();
        Ok(Self {
            path: path.to_path_buf(),
            file,
            size,
            rotation,
            secrets: Vec::new(),
            finished: false,
            echo: true,
            captured: Vec::new(),
            not_captured: 0,
        })
    }

    /// Where the log is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stops echoing lines to stderr (the final status line is still echoed).
    pub fn quiet(&mut self) {
        self.echo = false;
    }

    /// Registers a secret: it is replaced by `***` in every later line.
    pub fn redact(&mut self, secret: &str) {
        // Very short "secrets" would blank out ordinary words; they are not worth protecting
        // at the cost of an unreadable log.
        if secret.len() >= 3 && !self.secrets.iter().any(|s| s == secret) {
            self.secrets.push(secret.to_string());
            self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    /// Removes registered secrets from `text`.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in &self.secrets {
            out = out.replace(s.as_str(), "***");
        }
        out
    }

    /// Writes one step line.
    pub fn info(&mut self, msg: impl AsRef<str>) {
        self.line("INFO", msg.as_ref());
    }

    /// Writes one warning line.
    pub fn warn(&mut self, msg: impl AsRef<str>) {
        self.line("WARN", msg.as_ref());
    }

    /// Writes the run's single `JOB_STATUS=` line. Later calls do nothing, so a run can never
    /// be counted twice.
    pub fn finish(&mut self, status: &Status) {
        if self.finished {
            return;
        }
        self.finished = true;
        let text = status_text(status);
        self.echo = true;
        self.line(
            status_line::level(matches!(status, Status::Succeeded)),
            &text,
        );
    }

    /// The run's lines so far (every level the log writes is INFO or above), and how many were
    /// left out because the run wrote more than [`CAPTURE_MAX_LINES`]. The status line is
    /// always among them once written.
    pub fn take_captured(&mut self) -> (Vec<Captured>, usize) {
        (
            std::mem::take(&mut self.captured),
            std::mem::take(&mut self.not_captured),
        )
    }

    /// True once the status line is written.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    fn line(&mut self, level: &str, msg: &str) {
        let now = chrono::Utc::now();
        let line = format!(
            "{}\n",
            status_line::line(now, level, &self.scrub(&one_line(msg)))
        );
        // The status line is always kept: it is what the alarm counts.
        if self.captured.len() < CAPTURE_MAX_LINES || self.finished {
            self.captured.push(Captured {
                timestamp_ms: now.timestamp_millis(),
                message: line.trim_end_matches('\n').to_string(),
            });
        } else {
            self.not_captured += 1;
        }
        if self.echo {
            eprint!("{line}");
        }
        // A log that cannot be written must not stop the job from doing its work; the line
        // still reached stderr, which cron or systemd keeps.
        if let Err(e) = self.write(line.as_bytes()) {
            eprintln!("warning: cannot write job log {}: {e}", self.path.display());
        }
    }

    fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let len = bytes.len() as u64;
        if self.size > 0 && self.size + len > self.rotation.max_bytes {
            self.rotate()?;
        }
        self.file.write_all(bytes)?;
        self.size += len;
        Ok(())
    }

    fn rotate(&mut self) -> std::io::Result<()> {
        let numbered = |n: u32| {
            let mut s = self.path.clone().into_os_string();
            s.push(format!(".{n}"));
            PathBuf::from(s)
        };
        if self.rotation.keep == 0 {
            fs::remove_file(&self.path).or_else(ignore_missing)?;
        } else {
            fs::remove_file(numbered(self.rotation.keep)).or_else(ignore_missing)?;
            for n in (1..self.rotation.keep).rev() {
                fs::rename(numbered(n), numbered(n + 1)).or_else(ignore_missing)?;
            }
            fs::rename(&self.path, numbered(1))?;
        }
        self.file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        self.size = 0;
        Ok(())
    }
}

fn ignore_missing(e: std::io::Error) -> std::io::Result<()> {
    if e.kind() == std::io::ErrorKind::NotFound {
        Ok(())
    } else {
        Err(e)
    }
}

/// The text of a run's status line (what the metric filters match).
pub fn status_text(status: &Status) -> String {
    match status {
        Status::Succeeded => status_line::SUCCEEDED.to_string(),
        Status::Failed(reason) => status_line::failed(&one_line(reason)),
    }
}

/// Newlines and tabs folded to spaces: one log event is one line.
fn one_line(s: &str) -> String {
    s.split(['\n', '\r', '\t'])
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotates_by_size_and_keeps_n_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("job.log");
        let mut log = JobLog::open(
            &path,
            Rotation {
                max_bytes: 200,
                keep: 2,
            },
        )
        .expect("open");
        log.quiet();
        for i in 0..40 {
            log.info(format!("step {i} with some padding text"));
        }
        log.finish(&Status::Succeeded);
        assert!(path.exists());
        assert!(dir.path().join("job.log.1").exists());
        assert!(dir.path().join("job.log.2").exists());
        assert!(!dir.path().join("job.log.3").exists());
        for f in ["job.log", "job.log.1", "job.log.2"] {
            let len = fs::metadata(dir.path().join(f)).expect("meta").len();
            assert!(len <= 200, "{f} is {len} bytes");
        }
        let text = fs::read_to_string(&path).expect("read");
        assert!(text.trim_end().ends_with("JOB_STATUS=SUCCEEDED"));
    }

    #[test]
    fn status_line_is_written_once_and_secrets_are_scrubbed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("job.log");
        let mut log = JobLog::open(&path, Rotation::default()).expect("open");
        log.quiet();
        log.redact("s3cr3t-pw");
        log.info("connecting with s3cr3t-pw\nsecond line");
        log.finish(&Status::Failed("bad: s3cr3t-pw".into()));
        log.finish(&Status::Succeeded);
        let text = fs::read_to_string(&path).expect("read");
        assert!(!text.contains("s3cr3t-pw"), "{text}");
        assert_eq!(text.matches("JOB_STATUS=").count(), 1, "{text}");
        assert!(text.contains("JOB_STATUS=FAILED reason=bad: ***"));
        assert_eq!(text.lines().count(), 2);
        let (lines, left_out) = log.take_captured();
        assert_eq!(left_out, 0);
        assert_eq!(
            lines
                .iter()
                .map(|c| format!("{}\n", c.message))
                .collect::<String>(),
            text,
            "what is delivered is what the file holds"
        );
    }

    #[test]
    fn capture_is_bounded_but_keeps_the_status_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut log = JobLog::open(&dir.path().join("job.log"), Rotation::default()).expect("open");
        log.quiet();
        for i in 0..CAPTURE_MAX_LINES + 7 {
            log.info(format!("step {i}"));
        }
        log.finish(&Status::Succeeded);
        let (lines, left_out) = log.take_captured();
        assert_eq!(left_out, 7);
        assert_eq!(lines.len(), CAPTURE_MAX_LINES + 1);
        assert!(lines[CAPTURE_MAX_LINES]
            .message
            .ends_with("JOB_STATUS=SUCCEEDED"));
        assert!(lines
            .windows(2)
            .all(|w| w[0].timestamp_ms <= w[1].timestamp_ms));
    }
}

//! A lock file so two runs (a slow run and the next cron tick) never overlap.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::error::JobError;

/// Held while a run works; the file is removed on drop. A lock left by a process that no
/// longer exists (a crash, a reboot) is taken over.
#[derive(Debug)]
pub struct RunLock {
    path: PathBuf,
}

impl RunLock {
    /// Takes the lock or says which process holds it.
    pub fn acquire(path: &Path) -> Result<Self, JobError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(|e| {
                JobError::usage(format!(
                    "lock file {}: cannot create its directory: {e}",
                    path.display()
                ))
            })?;
        }
        for _ in 0..2 {
            match OpenOptions::new().write(true).create_new(true).open(path) {
                Ok(mut f) => {
                    let _ = writeln!(f, "{}", std::process::id());
                    return Ok(Self {
                        path: path.to_path_buf(),
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = fs::read_to_string(path)
                        .ok()
                        .and_then(|s| s.trim().parse::<u32>().ok());
                    match holder {
                        Some(pid) if Path::new(&format!("/proc/{pid}")).exists() => {
                            return Err(JobError::failed(format!(
                                "another run (pid {pid}) holds the lock {}; this run did nothing",
                                path.display()
                            )));
                        }
                        // Empty or unparsable: a run between create and write, or garbage.
                        // Only a file whose holder is gone is removed.
                        None if fs::metadata(path)
                            .and_then(|m| m.modified())
                            .ok()
                            .and_then(|t| t.elapsed().ok())
                            .is_some_and(|age| age.as_secs() < 5) =>
                        {
                            return Err(JobError::failed(format!(
                                "another run is starting (lock {}); this run did nothing",
                                path.display()
                            )));
                        }
                        _ => {
                            let _ = fs::remove_file(path);
                        }
                    }
                }
                Err(e) => {
                    return Err(JobError::failed(format!(
                        "lock file {}: cannot create: {e}",
                        path.display()
                    )))
                }
            }
        }
        Err(JobError::failed(format!(
            "lock file {}: could not take it over; remove it if no run is active",
            path.display()
        )))
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_holder_is_refused_and_stale_locks_are_taken_over() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("job.lock");
        let first = RunLock::acquire(&path).expect("first");
        let e = RunLock::acquire(&path).expect_err("second");
        assert!(e.to_string().contains("holds the lock"), "{e}");
        drop(first);
        assert!(!path.exists());
        // A pid that cannot exist (above pid_max).
        fs::write(&path, "4999999\n").expect("write");
        let _again = RunLock::acquire(&path).expect("stale lock taken over");
    }
}

//! One file as `ship` sees it: its size and modification time when the ship starts, read in
//! bounded chunks (through the pseudonymiser for logs) as often as the upload needs.
//!
//! What "the file" means: a CSV must not change at all while it is shipped (same size and
//! modification time before and after each reading). A log is append-only: the object holds
//! its first `len` bytes, the size it had when the ship started; what is appended meanwhile
//! goes with the next run. A log that shrinks, or whose first `len` bytes read differently the
//! second time, has been rewritten. Either way the file fails the run instead of reaching S3
//! torn.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use sha2::{Digest, Sha256};

use super::pseudo::{Line, Pseudonymiser};

/// Bytes read from the file at a time.
pub const READ_CHUNK: usize = 256 * 1024;

/// A file's identity when the ship started.
#[derive(Debug, Clone)]
pub struct Snapshot {
    path: PathBuf,
    /// Bytes shipped: the size when the ship started.
    pub len: u64,
    modified: Option<SystemTime>,
    append_only: bool,
}

/// What one reading produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pass {
    /// SHA-256 (hex) of the bytes produced (after pseudonymisation).
    pub sha: String,
    /// Bytes produced.
    pub bytes: u64,
    /// Lines withheld by the pseudonymiser.
    pub withheld: u64,
    /// 1-based number of the first withheld line.
    pub first_withheld: Option<u64>,
}

impl Snapshot {
    /// Records the file's size and modification time. `append_only` for logs.
    pub fn take(path: &Path, append_only: bool) -> Result<Self, String> {
        let meta =
            std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Ok(Self {
            path: path.to_path_buf(),
            len: meta.len(),
            modified: meta.modified().ok(),
            append_only,
        })
    }

    /// Fails when the file is no longer the one snapshotted (see the module doc).
    pub fn check_unchanged(&self) -> Result<(), String> {
        let meta = std::fs::metadata(&self.path).map_err(|e| {
            format!(
                "{} changed while it was being shipped (it can no longer be read: {e}); run again",
                self.path.display()
            )
        })?;
        let same = if self.append_only {
            meta.len() >= self.len
        } else {
            meta.len() == self.len && meta.modified().ok() == self.modified
        };
        if same {
            Ok(())
        } else {
            Err(self.changed())
        }
    }

    /// The error for a file that changed under the ship.
    pub fn changed(&self) -> String {
        format!(
            "{} changed while it was being shipped ({}); nothing was stored for it; run again once it is stable",
            self.path.display(),
            if self.append_only {
                "a log may grow, but it was shortened or rewritten"
            } else {
                "its size or modification time moved"
            }
        )
    }

    /// Reads the first `len` bytes, lines of logs through `pseudo` (when it has fields), and
    /// hands the result to `sink` in pieces of about [`READ_CHUNK`] bytes.
    pub fn read(
        &self,
        pseudo: Option<&Pseudonymiser>,
        sink: &mut dyn FnMut(&[u8]) -> Result<(), String>,
    ) -> Result<Pass, String> {
        let file = File::open(&self.path)
            .map_err(|e| format!("cannot read {}: {e}", self.path.display()))?;
        let mut input = BufReader::with_capacity(READ_CHUNK, file.take(self.len));
        let mut hasher = Sha256::new();
        let mut pass = Pass {
            sha: String::new(),
            bytes: 0,
            withheld: 0,
            first_withheld: None,
        };
        let read_err = |e: std::io::Error| format!("cannot read {}: {e}", self.path.display());
        let mut emit = |bytes: &[u8], pass: &mut Pass| -> Result<(), String> {
            hasher.update(bytes);
            pass.bytes += bytes.len() as u64;
            sink(bytes)
        };
        match pseudo.filter(|p| !p.is_empty()) {
            None => loop {
                let chunk = input.fill_buf().map_err(read_err)?;
                if chunk.is_empty() {
                    break;
                }
                let n = chunk.len();
                emit(chunk, &mut pass)?;
                input.consume(n);
            },
            Some(p) => {
                let mut out = Vec::with_capacity(READ_CHUNK + 4096);
                let mut line = Vec::new();
                let mut number = 0u64;
                loop {
                    let (complete, too_long) =
                        read_line(&mut input, &mut line).map_err(read_err)?;
                    if line.is_empty() && !complete {
                        break;
                    }
                    number += 1;
                    let body = line.strip_suffix(b"\n").unwrap_or(&line);
                    let verdict = if too_long {
                        Line::Withheld
                    } else {
                        p.line(body)
                    };
                    match verdict {
                        Line::Keep => out.extend_from_slice(&line),
                        Line::Rewritten(new) => {
                            out.extend_from_slice(&new);
                            if line.ends_with(b"\n") {
                                out.push(b'\n');
                            }
                        }
                        Line::Withheld => {
                            pass.withheld += 1;
                            pass.first_withheld.get_or_insert(number);
                        }
                    }
                    if out.len() >= READ_CHUNK {
                        emit(&out, &mut pass)?;
                        out.clear();
                    }
                    if !complete {
                        break;
                    }
                }
                if !out.is_empty() {
                    emit(&out, &mut pass)?;
                }
            }
        }
        pass.sha = hex::encode(hasher.finalize());
        Ok(pass)
    }
}

/// Reads one line (with its `\n`) into `line`, keeping at most [`MAX_LINE`] bytes of it: a
/// longer line is skipped to its end and reported as too long. Returns (ended with `\n`, too
/// long).
///
/// [`MAX_LINE`]: super::pseudo::MAX_LINE
fn read_line(input: &mut impl BufRead, line: &mut Vec<u8>) -> std::io::Result<(bool, bool)> {
    line.clear();
    let mut too_long = false;
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok((false, too_long));
        }
        let (take, done) = match memchr::memchr(b'\n', buf) {
            Some(i) => (i + 1, true),
            None => (buf.len(), false),
        };
        if !too_long {
            if line.len() + take > super::pseudo::MAX_LINE + 1 {
                too_long = true;
                line.clear();
                // Keep a marker byte so the caller counts the line.
                line.push(b'#');
            } else {
                line.extend_from_slice(&buf[..take]);
            }
        }
        input.consume(take);
        if done {
            if too_long {
                line.push(b'\n');
            }
            return Ok((true, too_long));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(s: &Snapshot, p: Option<&Pseudonymiser>) -> (Vec<u8>, Pass) {
        let mut out = Vec::new();
        let pass = s
            .read(p, &mut |b| {
                out.extend_from_slice(b);
                Ok(())
            })
            .expect("read");
        (out, pass)
    }

    #[test]
    fn a_log_is_its_first_bytes_and_may_grow_but_not_shrink() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("app.log");
        std::fs::write(&path, b"one\ntwo\n").expect("write");
        let s = Snapshot::take(&path, true).expect("snap");
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .expect("open");
        std::io::Write::write_all(&mut f, b"three\n").expect("append");
        s.check_unchanged().expect("growing is fine");
        let (out, pass) = read_all(&s, None);
        assert_eq!(out, b"one\ntwo\n");
        assert_eq!(pass.bytes, 8);
        std::fs::write(&path, b"on").expect("truncate");
        assert!(s.check_unchanged().is_err());
    }

    #[test]
    fn a_csv_must_not_change() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("a.csv");
        std::fs::write(&path, b"a\n1\n").expect("write");
        let s = Snapshot::take(&path, false).expect("snap");
        s.check_unchanged().expect("same");
        std::fs::write(&path, b"a\n1\n2\n").expect("write");
        assert!(s.check_unchanged().is_err());
    }

    #[test]
    fn withheld_and_overlong_lines_are_counted_not_shipped() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("app.log");
        let long = format!(
            "user_id={}\n",
            "x".repeat(super::super::pseudo::MAX_LINE + 10)
        );
        let text = format!("ok=1\nuser_id=\"open\n{long}user_id=7\nlast");
        std::fs::write(&path, &text).expect("write");
        let p = Pseudonymiser::new(&["user_id".into()], b"k").expect("p");
        let s = Snapshot::take(&path, true).expect("snap");
        let (out, pass) = read_all(&s, Some(&p));
        let out = String::from_utf8(out).expect("utf8");
        assert_eq!(out, format!("ok=1\nuser_id={}\nlast", p.token(b"7")));
        assert_eq!((pass.withheld, pass.first_withheld), (2, Some(2)));
        assert_eq!(pass.bytes, out.len() as u64);
    }
}

//! The atomic write: a temporary file beside the target, synced, renamed over it.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::{Tfvars, TfvarsError, FILE_NAME};

/// Writes `vars` as pretty JSON to `path` atomically: a temporary file in the same directory,
/// flushed, then renamed over the target. On any error the target is untouched.
pub fn write(path: &Path, vars: &Tfvars) -> Result<(), TfvarsError> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !parent.is_dir() {
        return Err(TfvarsError::BadOutput {
            path: path.to_path_buf(),
            why: format!("directory {} does not exist", parent.display()),
        });
    }
    if path.is_dir() {
        return Err(TfvarsError::BadOutput {
            path: path.to_path_buf(),
            why: "it is a directory; give a file name".into(),
        });
    }
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| FILE_NAME.to_string());
    let tmp = parent.join(format!(".{file_name}.tmp-{}", std::process::id()));
    let write_err = |source| TfvarsError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut text =
        serde_json::to_string_pretty(vars).map_err(|e| write_err(std::io::Error::other(e)))?;
    text.push('\n');
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        // The temporary file is ours; the target was never opened.
        let _ = fs::remove_file(&tmp);
        return Err(write_err(e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Stack;
    use crate::tfvars::render;

    fn example() -> Stack {
        let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        crate::config::load(&repo.join("examples/pipeform.toml")).expect("example is valid")
    }

    #[test]
    fn writes_atomically_and_refuses_bad_targets() {
        let dir = tempfile::tempdir().expect("tempdir");
        let vars = render(&example()).expect("renders");
        let path = dir.path().join(FILE_NAME);
        write(&path, &vars).expect("writes");
        let back: Tfvars =
            serde_json::from_str(&fs::read_to_string(&path).expect("read")).expect("json");
        assert_eq!(back, vars);
        let names: Vec<_> = fs::read_dir(dir.path())
            .expect("list")
            .filter_map(Result::ok)
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names.len(), 1, "no temporary file left: {names:?}");
        assert!(matches!(
            write(&dir.path().join("no/such/dir/x.json"), &vars),
            Err(TfvarsError::BadOutput { .. })
        ));
        assert!(matches!(
            write(dir.path(), &vars),
            Err(TfvarsError::BadOutput { .. })
        ));
    }
}

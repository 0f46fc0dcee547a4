//! The Terraform root module and its modules, embedded in the binary by `build.rs`, and the one
//! way to write them out: into a directory that does not exist yet, all or nothing.

use std::fs;
use std::path::{Path, PathBuf};

/// One file of the embedded root module.
#[derive(Debug)]
pub struct EmbeddedFile {
    /// Path relative to the root module's directory, `/`-separated.
    pub path: &'static str,
    /// The file's bytes, as in the repository when the binary was built.
    pub contents: &'static [u8],
}

/// The root module (`terraform/` of the repository) and its modules.
pub static ROOT_MODULE: &[EmbeddedFile] = include!(concat!(env!("OUT_DIR"), "/terraform_tree.rs"));

/// Why the root module could not be written.
#[derive(Debug, thiserror::Error)]
pub enum TreeError {
    /// The target exists: nothing is ever overwritten.
    #[error("{0} already exists; init never overwrites it")]
    Exists(PathBuf),
    /// A filesystem operation failed; nothing is left behind.
    #[error("cannot write the root module into {dir}: {what}: {source}")]
    Io {
        /// The directory that was to be written.
        dir: PathBuf,
        /// Which step failed.
        what: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

/// Writes the embedded root module as `dir` (which must not exist): into a temporary sibling
/// first, renamed into place at the end, so a failure half-way leaves nothing and a directory
/// that appears meanwhile is not overwritten. Returns how many files were written.
pub fn write_root_module(dir: &Path) -> Result<usize, TreeError> {
    if dir.exists() {
        return Err(TreeError::Exists(dir.to_path_buf()));
    }
    let io = |what: String| {
        let dir = dir.to_path_buf();
        move |source| TreeError::Io { dir, what, source }
    };
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = dir
        .file_name()
        .map_or_else(|| "terraform".into(), |n| n.to_string_lossy().into_owned());
    let staging = parent.join(format!(".{name}.pipeform-init-{}", std::process::id()));
    let result = write_all(&staging).map_err(io(format!("writing {}", staging.display())));
    let result = result.and_then(|count| {
        if dir.exists() {
            return Err(TreeError::Exists(dir.to_path_buf()));
        }
        fs::rename(&staging, dir)
            .map(|()| count)
            .map_err(io(format!("renaming {} into place", staging.display())))
    });
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    result
}

fn write_all(staging: &Path) -> std::io::Result<usize> {
    fs::create_dir(staging)?;
    for file in ROOT_MODULE {
        let path = staging.join(file.path);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(&path, file.contents)?;
        #[cfg(unix)]
        if file.path.ends_with(".sh") {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o755))?;
        }
    }
    Ok(ROOT_MODULE.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_binary_holds_exactly_the_files_the_repository_tracks() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let out = std::process::Command::new("git")
            .args(["ls-files", "--", "terraform"])
            .current_dir(root)
            .output()
            .expect("git runs");
        assert!(out.status.success(), "{out:?}");
        let mut tracked: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.strip_prefix("terraform/"))
            .map(str::to_string)
            .collect();
        tracked.sort();
        let mut embedded: Vec<String> = ROOT_MODULE.iter().map(|f| f.path.to_string()).collect();
        embedded.sort();
        assert_eq!(embedded, tracked);
        for f in ROOT_MODULE {
            assert_eq!(
                f.contents,
                fs::read(root.join("terraform").join(f.path)).expect("read"),
                "{} is stale",
                f.path
            );
        }
    }

    #[test]
    fn writes_a_new_directory_and_never_an_existing_one() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("terraform");
        let n = write_root_module(&dir).expect("written");
        assert_eq!(n, ROOT_MODULE.len());
        assert!(dir.join("main.tf").is_file());
        assert!(dir.join(".terraform.lock.hcl").is_file());
        assert!(dir.join("modules/nat/main.tf").is_file());
        fs::write(dir.join("main.tf"), "mine").expect("write");
        assert!(matches!(write_root_module(&dir), Err(TreeError::Exists(_))));
        assert_eq!(
            fs::read_to_string(dir.join("main.tf")).expect("read"),
            "mine"
        );
        let leftovers: Vec<_> = fs::read_dir(tmp.path())
            .expect("list")
            .filter_map(Result::ok)
            .map(|e| e.file_name())
            .collect();
        assert_eq!(leftovers, vec![std::ffi::OsString::from("terraform")]);
    }
}

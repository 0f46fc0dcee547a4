//! `pipeform init`: a working directory from the binary alone — a commented `pipeform.toml`
//! whose every derived name follows `--name`, an ed25519 key pair if absent, and the Terraform
//! root module when `terraform/` is absent. Never overwrites: every target is checked before
//! anything is written.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{anyhow, Context};

use crate::cli::{Cli, InitArgs};
use crate::config::{self, rules};
use crate::exit::{CommandResult, ExitStatus, Failure};
use crate::scaffold::{names, tree};

/// Runs `pipeform init`.
pub async fn exec(cli: &Cli, args: &InitArgs) -> CommandResult {
    let name =
        rules::project_name(&args.name).map_err(|e| Failure::usage(anyhow!("--name {e}")))?;
    // `--config` names the file to write (relative to --dir); the key pair goes beside it,
    // where the config's relative `public_key_path` points.
    // `--dir .` (the default) writes plain relative paths, and says so without a `./`.
    let root = if args.dir == Path::new(".") {
        PathBuf::new()
    } else {
        args.dir.clone()
    };
    let config_path = root.join(&cli.config);
    let config_dir = config_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let private = config_dir.join("keys").join(&name);
    let public = config_dir.join("keys").join(format!("{name}.pub"));
    let terraform_dir = root.join("terraform");
    let refuse = |path: &Path, what: &str| {
        Failure::usage(anyhow!(
            "{} already exists{what}; init never overwrites (nothing was written). Edit or remove it, or pass --dir DIR",
            path.display()
        ))
    };
    if config_path.exists() {
        return Err(refuse(&config_path, ""));
    }
    let make_keys = match (private.exists(), public.exists()) {
        (true, true) => false,
        (false, false) => true,
        (true, false) => {
            return Err(refuse(
                &private,
                &format!(" but {} does not", public.display()),
            ))
        }
        (false, true) => {
            return Err(refuse(
                &public,
                &format!(" but {} does not", private.display()),
            ))
        }
    };
    let make_tree = !terraform_dir.exists();
    let text = names::config_for(&name, &names::random_suffix()).map_err(|e| {
        Failure::runtime(anyhow!("the built-in example config does not parse: {e}"))
    })?;
    // The derived names (rds identifier, database, bucket, ...) follow --name; refuse a name
    // that makes any of them invalid rather than write a config `render` would reject.
    config::parse_str(&text, &config_path)
        .map_err(|e| Failure::usage(anyhow!("--name {name:?} makes an invalid config: {e}")))?;
    let created_dir = !args.dir.exists();
    fs::create_dir_all(&config_dir)
        .with_context(|| format!("cannot create {}", config_dir.display()))
        .map_err(Failure::runtime)?;
    let undo_dir = || {
        if created_dir {
            // Only succeeds while the directory is empty: it was ours, and nothing is kept.
            let _ = fs::remove_dir(&config_dir);
            let _ = fs::remove_dir(&args.dir);
        }
    };
    if make_keys {
        if let Err(e) = generate_key_pair(&private, &public) {
            undo_dir();
            return Err(e);
        }
    }
    let undo_keys = || {
        if make_keys {
            let _ = fs::remove_file(&private);
            let _ = fs::remove_file(&public);
            let _ = fs::remove_dir(config_dir.join("keys"));
        }
        undo_dir();
    };
    let tree_files = if make_tree {
        match tree::write_root_module(&terraform_dir) {
            Ok(n) => Some(n),
            Err(tree::TreeError::Exists(_)) => None,
            Err(e) => {
                undo_keys();
                return Err(Failure::runtime(e));
            }
        }
    } else {
        None
    };
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&config_path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => refuse(&config_path, ""),
            _ => Failure::runtime(anyhow!("cannot write {}: {e}", config_path.display())),
        })?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", config_path.display()))
        .map_err(Failure::runtime)?;
    let keys = if make_keys {
        format!(
            "wrote {} (private, mode 0600) and {}",
            private.display(),
            public.display()
        )
    } else {
        format!("kept the existing key pair {}", private.display())
    };
    let terraform = match tree_files {
        Some(n) => format!(
            "wrote {} ({n} files: the root module, its modules and the provider lock file)",
            terraform_dir.display()
        ),
        None => format!(
            "kept the existing {} (init never overwrites it)",
            terraform_dir.display()
        ),
    };
    let cd = if args.dir == Path::new(".") {
        String::new()
    } else {
        format!("cd {}; ", args.dir.display())
    };
    // A closed stdout must not turn a completed init into a panic.
    let _ = writeln!(
        std::io::stdout().lock(),
        "wrote {}\n{keys}\n{terraform}\nnext: edit {} (app.ssh_allowed_cidrs: your address; project.region and network.availability_zones: your region), then {cd}run `pipeform render`",
        config_path.display(),
        config_path.display()
    );
    Ok(ExitStatus::Clean)
}

/// Makes `private` (mode 0600) and `public` with `ssh-keygen`, via a temporary directory so that
/// a failure leaves nothing behind and an existing file is never replaced.
fn generate_key_pair(private: &Path, public: &Path) -> Result<(), Failure> {
    let keys_dir = private
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let created_dir = !keys_dir.exists();
    fs::create_dir_all(&keys_dir)
        .with_context(|| format!("cannot create {}", keys_dir.display()))
        .map_err(Failure::runtime)?;
    set_mode(&keys_dir, 0o700);
    let work = keys_dir.join(format!(".pipeform-keygen-{}", std::process::id()));
    let result = keygen_into(&work, private, public);
    let _ = fs::remove_dir_all(&work);
    if result.is_err() && created_dir {
        // Only removes the directory if it is still empty: it was ours.
        let _ = fs::remove_dir(&keys_dir);
    }
    result
}

fn keygen_into(work: &Path, private: &Path, public: &Path) -> Result<(), Failure> {
    fs::create_dir(work)
        .with_context(|| format!("cannot create {}", work.display()))
        .map_err(Failure::runtime)?;
    let key = work.join("key");
    let output = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "pipeform", "-f"])
        .arg(&key)
        .output()
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Failure::runtime(anyhow!(
                    "ssh-keygen was not found on PATH; install the OpenSSH client (e.g. `apt-get install openssh-client`), or create {} and {} yourself with `ssh-keygen -t ed25519 -f {}` and run init again (nothing was written)",
                    private.display(),
                    public.display(),
                    private.display()
                ))
            } else {
                Failure::runtime(anyhow!("cannot run ssh-keygen: {e}"))
            }
        })?;
    if !output.status.success() {
        return Err(Failure::runtime(anyhow!(
            "ssh-keygen failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    set_mode(&key, 0o600);
    // hard_link fails if the target exists: a file that appeared meanwhile is never replaced.
    let link = |from: &Path, to: &Path| {
        fs::hard_link(from, to).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                Failure::usage(anyhow!(
                    "{} already exists; init never overwrites",
                    to.display()
                ))
            } else {
                Failure::runtime(anyhow!("cannot write {}: {e}", to.display()))
            }
        })
    };
    link(&key, private)?;
    if let Err(e) = link(&work.join("key.pub"), public) {
        let _ = fs::remove_file(private);
        return Err(e);
    }
    Ok(())
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    // Best effort on the directory; the key's own mode is asserted by the tests.
    let _ = fs::set_permissions(path, fs::Permissions::from_mode(mode));
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) {}

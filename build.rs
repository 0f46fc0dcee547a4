//! Embeds the Terraform root module and its modules in the `pipeform` binary, so that
//! `pipeform init` can write a working directory from an installed binary alone.
//!
//! The files are chosen by an allow-list (what the repository tracks: `*.tf`, templates,
//! scripts, READMEs, the provider lock file), never local state, plans, tfvars or
//! `.terraform/`, which a developer's checkout may hold.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let tf = root.join("terraform");
    let mut files = Vec::new();
    collect(&tf, &tf, &mut files);
    files.sort();
    let mut out = String::from("&[\n");
    for rel in &files {
        let abs = tf.join(rel);
        println!("cargo:rerun-if-changed={}", abs.display());
        let _ = writeln!(
            out,
            "    EmbeddedFile {{ path: {:?}, contents: include_bytes!({:?}) }},",
            rel.to_string_lossy(),
            abs.display().to_string()
        );
    }
    out.push_str("]\n");
    // Directories too, so that a file added to one (or removed from it) re-runs this script;
    // not `terraform/` itself, whose `.terraform/` changes at every `terraform init`.
    println!("cargo:rerun-if-changed={}", tf.join("modules").display());
    for file in [
        "main.tf",
        "variables.tf",
        "outputs.tf",
        "versions.tf",
        "providers.tf",
        "README.md",
        ".terraform.lock.hcl",
    ] {
        println!("cargo:rerun-if-changed={}", tf.join(file).display());
    }
    let dest =
        PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join("terraform_tree.rs");
    if let Err(e) = std::fs::write(&dest, out) {
        panic!("cannot write {}: {e}", dest.display());
    }
}

/// Whether `name` is a file the root module ships with.
fn shipped(name: &str) -> bool {
    name == ".terraform.lock.hcl"
        || name == "README.md"
        || [".tf", ".tftpl", ".sh"]
            .iter()
            .any(|ext| name.ends_with(ext))
}

fn collect(base: &Path, dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            if !name.starts_with('.') {
                collect(base, &path, files);
            }
        } else if shipped(&name) {
            if let Ok(rel) = path.strip_prefix(base) {
                files.push(rel.to_path_buf());
            }
        }
    }
}

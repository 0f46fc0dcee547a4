//! The app host's public key: read from `app.public_key_path`, refused if it is not one.

use std::fs;
use std::path::Path;

use super::TfvarsError;

/// Key types an EC2 key pair takes (the first word of a public key line); the root module's
/// `ssh_public_key` validation names the same.
const KEY_TYPES: [&str; 5] = [
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
];

/// The key's second word: base64, padded with at most three `=`.
fn is_base64(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    !body.is_empty()
        && s.len() - body.len() <= 3
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

/// Reads the public key and checks that it is one (and not, by mistake, the private half).
pub fn read_public_key(path: &Path) -> Result<String, TfvarsError> {
    let text = fs::read_to_string(path).map_err(|source| TfvarsError::PublicKey {
        path: path.to_path_buf(),
        source,
    })?;
    let not = |why: &str| TfvarsError::NotPublicKey {
        path: path.to_path_buf(),
        why: why.to_string(),
    };
    if text.contains("PRIVATE KEY") {
        return Err(not(
            "is a PRIVATE key; it must never enter Terraform state. Point app.public_key_path at the .pub file",
        ));
    }
    let key = text.trim();
    let mut lines = key.lines();
    let first = lines.next().unwrap_or_default();
    // Exactly one space after the type and after the key, as ssh-keygen writes them.
    let mut words = first.splitn(3, ' ');
    let kind = words.next().unwrap_or_default();
    let body = words.next().unwrap_or_default();
    if lines.next().is_some() || !KEY_TYPES.contains(&kind) || !is_base64(body) {
        return Err(not(
            "is not a one-line OpenSSH public key of type ssh-ed25519, ssh-rsa or ecdsa-sha2-nistp256/384/521 (expected e.g. \"ssh-ed25519 AAAA... comment\")",
        ));
    }
    Ok(first.to_string())
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::config::Stack;
    use crate::tfvars::render;

    fn repo() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    fn example() -> Stack {
        crate::config::load(&repo().join("examples/pipeform.toml")).expect("example is valid")
    }

    #[test]
    fn a_private_or_missing_key_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut s = example();
        s.app.public_key_path = dir.path().join("absent.pub");
        assert!(matches!(render(&s), Err(TfvarsError::PublicKey { .. })));
        let private = dir.path().join("id");
        fs::write(
            &private,
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----\n",
        )
        .expect("write");
        s.app.public_key_path = private;
        let e = render(&s).expect_err("private key refused");
        assert!(e.to_string().contains("PRIVATE"), "{e}");
        let junk = dir.path().join("junk.pub");
        fs::write(&junk, "hello\n").expect("write");
        s.app.public_key_path = junk;
        assert!(matches!(render(&s), Err(TfvarsError::NotPublicKey { .. })));
    }
}

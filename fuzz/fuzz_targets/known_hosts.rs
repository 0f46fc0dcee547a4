//! known_hosts files as `pipeform deploy` reads them (libssh2 underneath). The input is one
//! byte choosing the key type and port, one the blob's length (16 to 79 bytes), the key blob,
//! then the file's text.
//! - Loading any file and checking a key against it never panics.
//! - Record-then-check: once a key is recorded for a host (appended to a file that could be
//!   read), checking that key for that host finds it (`Match`), wherever the file put it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pipeform_known_hosts::{HostKey, KnownHostsFile, Verdict};
use ssh2::{HostKeyType, Session};

const KINDS: [HostKeyType; 5] = [
    HostKeyType::Ed25519,
    HostKeyType::Ecdsa256,
    HostKeyType::Ecdsa384,
    HostKeyType::Ecdsa521,
    HostKeyType::Rsa,
];

fuzz_target!(|data: &[u8]| {
    let [kind, len, rest @ ..] = data else {
        return;
    };
    // 16 to 79 bytes: a real key blob is 51 or more (ssh-ed25519), and libssh2 refuses to read
    // back a line whose key text is under 20 characters.
    let len = 16 + usize::from(*len) % 64;
    if rest.len() < len {
        return;
    }
    let (blob, text) = rest.split_at(len);
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    let key = HostKey {
        blob: blob.to_vec(),
        kind: KINDS[usize::from(*kind) % KINDS.len()],
    };
    let port = if kind & 0x80 == 0 { 22 } else { 2222 };
    let dir = std::env::temp_dir().join(format!("pipeform-fuzz-kh-{}", std::process::id()));
    let path = dir.join("known_hosts");
    let _ = std::fs::create_dir_all(&dir);
    std::fs::write(&path, text).expect("scratch file");
    let session = Session::new().expect("a libssh2 session");

    let mut file = KnownHostsFile::load(&path).expect("the file exists");
    let before = file.check(&session, "10.0.0.7", port, &key);
    if before.is_err() {
        return;
    }
    file.record(&session, "10.0.0.7", port, std::slice::from_ref(&key))
        .expect("recording a key");
    let again = KnownHostsFile::load(&path).expect("the file exists");
    let after = again.check(&session, "10.0.0.7", port, &key);
    assert!(
        matches!(after, Ok(Verdict::Match)),
        "{text:?} then {:?}: {after:?}\n{:?}",
        key.kind,
        std::fs::read_to_string(&path)
    );
});

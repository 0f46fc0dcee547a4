//! How a script reaches the host: on the channel's stdin, never in the command line. The
//! command line a login shell gets (`sh -c '...'`) is in its argv, which every local user can
//! read in `/proc/<pid>/cmdline`; the scripts carry the job's env file and other file contents.
//! So the command is a fixed bootstrap that reads exactly the script's length from stdin and
//! evaluates it; whatever the script reads from stdin afterwards (the binary) follows.

use super::session::{sh_quote, ExecOutput, Remote, SshError};

/// The command line that runs a script of `len` bytes sent first on stdin. `umask 077` comes
/// first so nothing the script creates before choosing a mode is readable by others. `head -c`
/// reads exactly `len` bytes from a pipe, leaving the rest of stdin for the script.
pub fn command(len: usize, sudo: bool) -> String {
    let boot = sh_quote(&format!("umask 077; s=$(head -c {len}) && eval \"$s\""));
    if sudo {
        format!("sudo -n sh -c {boot}")
    } else {
        format!("sh -c {boot}")
    }
}

/// Runs `script` on the host (as root through `sudo -n` when `sudo`), sent on stdin.
pub fn run(remote: &Remote, what: &str, script: &str, sudo: bool) -> Result<ExecOutput, SshError> {
    let mut input = script.as_bytes();
    remote.exec(what, &command(script.len(), sudo), Some(&mut input))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the bootstrap locally: the script and then more data on stdin.
    fn run_local(script: &str, rest: &[u8]) -> String {
        use std::io::Write as _;
        let cmd = command(script.len(), false);
        let mut child = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(&cmd)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(script.as_bytes()).unwrap();
        stdin.write_all(rest).unwrap();
        drop(stdin);
        String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap()
    }

    #[test]
    fn the_script_comes_from_stdin_and_leaves_the_rest_of_it_alone() {
        let script = "echo \"umask $(umask)\"\nread -r word\necho \"word $word\"\ncat\n";
        let out = run_local(script, b"go\nthe binary\n");
        assert_eq!(out, "umask 0077\nword go\nthe binary\n");
        let cmd = command(script.len(), true);
        assert!(cmd.starts_with("sudo -n sh -c "), "{cmd}");
        assert!(!cmd.contains("echo"), "{cmd}");
    }
}

//! Releases on the host: `<prefix>/releases/<sha256>/pipeform-job`, the `current` and
//! `previous` symlinks, and the shell scripts that move them. Each step is one script run on
//! one exec channel, so an identical redeploy is a single round trip.
//!
//! Safety: the binary is written under a temporary name (`pipeform-job.tmp-<random>`), its
//! SHA-256 is checked on the host, and only then is it renamed into place; `current` is
//! switched by renaming a new symlink over it (`mv -T`, atomic). An interrupted upload leaves
//! `current` alone, and the next run deletes any `*.tmp-*` left behind.

use super::session::sh_quote;

/// Lines the scripts print for us start with this marker; anything else is diagnostics.
pub const MARK: char = '@';

/// Shell functions shared by the scripts. `switch_to releases/<sha>` points `current` at a
/// release and remembers the old one as `previous`. `relink` renames a new link over the old
/// one, so `current` is never missing (pinned by `current_is_never_missing_while_it_switches`
/// in tests/deploy.rs).
const PRELUDE: &str = r#"set -eu
# Directories and releases are world-readable (the job's user runs the binary); files with
# secrets and every temporary are created under `umask 077` where they are made.
umask 022
# openssl uses the CPU's SHA extensions where coreutils' sha256sum does not: 20 MiB in ~30 ms
# instead of ~120 ms here. sha256sum where openssl is missing.
if command -v openssl >/dev/null 2>&1; then
  fast_sha=yes; sha256() { openssl dgst -sha256 -r; }
else
  fast_sha=no; sha256() { sha256sum; }
fi
sha_of() { set -- $(sha256 < "$1"); echo "$1"; }
relink() { ln -s "$1" "$2.tmp-$$" && mv -T "$2.tmp-$$" "$2"; }
switch_to() {
  cur=$(readlink "$P/current" 2>/dev/null || true)
  if [ "$cur" = "$1" ]; then
    echo "@switched no"
    prev=$(readlink "$P/previous" 2>/dev/null || true)
  else
    relink "$1" "$P/current"
    if [ -n "$cur" ]; then relink "$cur" "$P/previous"; fi
    prev=$cur
    echo "@switched yes"
  fi
  echo "@current $1"
  echo "@previous $prev"
}
"#;

/// Refuses (exit 9, before anything is written) a prefix holding links the deploy did not make:
/// root would follow them (`releases -> /elsewhere` puts the binary there, a linked lock makes
/// root create its target). `current` and `previous` are ours only when they point at
/// `releases/<sha256>`. `$D` and `$B` (the release and its binary) are checked when set.
const FOREIGN_LINKS: &str = r#"foreign() {
  echo "refusing to deploy: $1 is $2, which pipeform deploy did not make and root would follow; remove it and run again. Nothing on the host was changed." >&2
  exit 9
}
check_links() {
  for f in "$P/releases" "$P/.deploy.lock" "$P/job.env" ${D:+"$D"} ${B:+"$B"}; do
    if [ -L "$f" ]; then foreign "$f" "a symlink (to $(readlink "$f"))"; fi
  done
  for f in "$P/current" "$P/previous"; do
    if [ -L "$f" ]; then
      t=$(readlink "$f"); s=${t#releases/}
      case $s in
        "$t"|*[!0-9a-f]*) foreign "$f" "a symlink to $t" ;;
      esac
      [ ${#s} = 64 ] || foreign "$f" "a symlink to $t"
    elif [ -e "$f" ]; then
      foreign "$f" "not a symlink to a release"
    fi
  done
}
"#;

/// Every script takes the prefix's lock first: a second deploy to the same host waits for the
/// first (up to 10 minutes) instead of deleting its upload in flight as a "partial".
fn header(prefix: &str) -> String {
    format!("{PRELUDE}{FOREIGN_LINKS}P={}\n", sh_quote(prefix))
}

const LOCK: &str = r#"[ -d "$P" ] || mkdir -p "$P"
check_links
exec 9>>"$P/.deploy.lock"
if ! flock -w 600 9; then
  echo "another pipeform deploy has held $P/.deploy.lock for 10 minutes; is one stuck?" >&2
  exit 7
fi
check_links
"#;

/// The whole deploy in one script on one channel. First, reading only: refuse foreign links,
/// print the host's machine and libc (`@host`, for the preflight) and whether the release is
/// already there and verifies (`@present yes|no`). Then wait for the operator's verdict on
/// stdin: `stop` (the preflight refused the binary: nothing was written) or `go`, followed by
/// the binary when it is absent. Then take the lock, clean up partial uploads, receive the
/// binary under a temporary name, verify it and rename it into place, install the host files
/// (`files`, from [`super::host_files::script`]) and switch `current`.
pub fn deploy(prefix: &str, sha: &str, size: u64, files: &str, tmp_suffix: &str) -> String {
    format!(
        r#"{h}S={sha}
D="$P/releases/$S"
B="$D/pipeform-job"
check_links
{host_facts}if [ -f "$B" ] && [ "$(sha_of "$B")" = "$S" ]; then present=yes; else present=no; fi
# Said last before waiting, so the upload starts while nothing else runs.
echo "@present $present"
read -r verdict || verdict=stop
if [ "$verdict" != go ]; then echo "@stopped"; exit 0; fi
{lock}n=0
for f in "$P"/releases/*/*.tmp-* "$P"/*.tmp-*; do
  if [ -e "$f" ] || [ -L "$f" ]; then rm -f "$f"; n=$((n+1)); fi
done
echo "@cleaned $n"
if [ "$present" = no ]; then
  T="$D/pipeform-job.tmp-{tmp}"
  [ -d "$D" ] || mkdir -p "$D"
  # Created empty, 0600 and exclusively (never through a planted link), then filled.
  rm -f "$T"; umask 077; set -C; : >"$T"; set +C; umask 022
  # With openssl, receive first and hash after (~30 ms for 20 MiB): cheaper on a small host
  # than a tee pipeline. sha256sum is ~4x slower, so without openssl hash while receiving.
  # The size check catches a write to the file that failed while the hash still saw the bytes.
  if [ "$fast_sha" = yes ]; then cat >"$T"; set -- $(sha256 <"$T"); else set -- $(tee "$T" | sha256); fi
  got=${{1:-none}}
  size=$(stat -c %s "$T" 2>/dev/null || echo 0)
  if [ "$got" != "$S" ] || [ "$size" != {size} ]; then
    rm -f "$T"
    echo "checksum on the host is $got ($size bytes), expected $S ({size} bytes): the upload was cut short or corrupted" >&2
    exit 4
  fi
  chmod 0755 "$T"
  mv -f "$T" "$B"
  echo "@verified $got"
fi
{files}
switch_to "releases/$S"
"#,
        h = header(prefix),
        lock = LOCK,
        host_facts = super::preflight::HOST_FACTS,
        sha = sh_quote(sha),
        tmp = sh_quote(tmp_suffix),
    )
}

/// Swaps `current` and `previous`, after checking the previous release still verifies.
pub fn rollback(prefix: &str) -> String {
    format!(
        r#"{h}{lock}cur=$(readlink "$P/current" 2>/dev/null || true)
prev=$(readlink "$P/previous" 2>/dev/null || true)
if [ -z "$prev" ]; then
  echo "no previous release under $P: nothing to roll back to (deploy twice first)" >&2
  exit 5
fi
S=${{prev##*/}}
B="$P/$prev/pipeform-job"
if ! [ -f "$B" ] || [ "$(sha_of "$B")" != "$S" ]; then
  echo "the previous release $P/$prev is missing or does not match its checksum; deploy it again with --binary" >&2
  exit 6
fi
echo "@sha $S"
relink "$prev" "$P/current"
if [ -n "$cur" ]; then relink "$cur" "$P/previous"; fi
echo "@switched yes"
echo "@current $prev"
echo "@previous $cur"
"#,
        h = header(prefix),
        lock = LOCK,
    )
}

/// Runs `current/pipeform-job --version`, and `run --dry-run` as the run-as user when the job
/// supports it. Not run under sudo as a whole: only the dry run switches user.
pub fn smoke(prefix: &str, run_as: &str) -> String {
    format!(
        r#"P={p}
U={u}
B="$P/current/pipeform-job"
cd /
as_user() {{
  if [ "$(id -un)" = "$U" ]; then "$@"
  elif [ "$(id -u)" = 0 ]; then runuser -u "$U" -- "$@"
  else sudo -n -u "$U" -- "$@"; fi
}}
v=$("$B" --version 2>&1) && rc=0 || rc=$?
echo "@version $v"
echo "@version_exit $rc"
if "$B" run --help 2>/dev/null | grep -q -- --dry-run; then
  out=$(as_user "$B" run --env-file "$P/job.env" --dry-run 2>&1) && rc=0 || rc=$?
  echo "@dryrun $rc"
  printf '%s\n' "$out" | sed 's/^/@out /'
else
  echo "@dryrun unsupported"
fi
"#,
        p = sh_quote(prefix),
        u = sh_quote(run_as),
    )
}

/// The `@key value` lines a script printed, in order.
pub fn facts(stdout: &str) -> Vec<(&str, &str)> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix(MARK))
        .map(|l| l.split_once(' ').unwrap_or((l, "")))
        .collect()
}

/// The last value printed for `key`.
pub fn fact<'a>(facts: &[(&'a str, &'a str)], key: &str) -> Option<&'a str> {
    facts.iter().rev().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

/// The sha256 a `releases/<sha>` symlink target names.
pub fn sha_of_target(target: &str) -> Option<&str> {
    let sha = target.strip_prefix("releases/")?;
    (sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit())).then_some(sha)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fact_lines() {
        let out = "noise\n@cleaned 2\n@file job.env changed\n@previous \n@previous releases/ab\n";
        let f = facts(out);
        assert_eq!(fact(&f, "cleaned"), Some("2"));
        assert_eq!(fact(&f, "file"), Some("job.env changed"));
        assert_eq!(fact(&f, "previous"), Some("releases/ab"));
        assert_eq!(fact(&f, "missing"), None);
        let sha = "a".repeat(64);
        assert_eq!(
            sha_of_target(&format!("releases/{sha}")),
            Some(sha.as_str())
        );
        assert_eq!(sha_of_target("releases/x"), None);
    }

    /// Runs the deploy script locally under `sh` with `bin` on stdin and `path` as PATH.
    fn run_local(prefix: &std::path::Path, bin: &[u8], sha: &str, path: &str) -> (i32, String) {
        use std::io::Write as _;
        let script = deploy(prefix.to_str().unwrap(), sha, bin.len() as u64, "", "t1");
        let mut child = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(script)
            .env("PATH", path)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"go\n").unwrap();
        stdin.write_all(bin).unwrap();
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.code().unwrap_or(-1), text)
    }

    /// A PATH holding every tool the scripts use except openssl.
    fn path_without_openssl(dir: &std::path::Path) -> String {
        let bin = dir.join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        for tool in [
            "cat",
            "chmod",
            "flock",
            "getconf",
            "ln",
            "mkdir",
            "mv",
            "readlink",
            "rm",
            "sha256sum",
            "stat",
            "tee",
            "uname",
        ] {
            let found = ["/usr/bin", "/bin"]
                .iter()
                .map(|d| std::path::Path::new(d).join(tool))
                .find(|p| p.exists())
                .unwrap_or_else(|| panic!("{tool} not found"));
            std::os::unix::fs::symlink(found, bin.join(tool)).unwrap();
        }
        bin.display().to_string()
    }

    #[test]
    fn the_upload_is_verified_with_openssl_or_with_sha256sum_alone() {
        use sha2::Digest as _;
        let dir = tempfile::tempdir().unwrap();
        let bin: Vec<u8> = (0..300_000u32).map(|i| (i * 7919 % 251) as u8).collect();
        let sha = hex::encode(sha2::Sha256::digest(&bin));
        let full_path = std::env::var("PATH").unwrap_or_default();
        let bare = path_without_openssl(dir.path());
        for (name, path) in [
            ("openssl", full_path.as_str()),
            ("sha256sum", bare.as_str()),
        ] {
            let prefix = dir.path().join(name);
            let (code, out) = run_local(&prefix, &bin, &sha, path);
            assert_eq!(code, 0, "{name}: {out}");
            assert!(out.contains(&format!("@verified {sha}")), "{name}: {out}");
            let installed = prefix.join("current/pipeform-job");
            assert_eq!(std::fs::read(installed).unwrap(), bin, "{name}");

            // Bytes that do not match the checksum: refused, nothing left behind, current kept.
            let other = "0".repeat(64);
            let (code, out) = run_local(&prefix, &bin, &other, path);
            assert_eq!(code, 4, "{name}: {out}");
            assert!(
                out.contains("the upload was cut short or corrupted"),
                "{name}: {out}"
            );
            assert!(!prefix
                .join("releases")
                .join(&other)
                .join("pipeform-job")
                .exists());
            let left = std::fs::read_dir(prefix.join("releases").join(&other))
                .map(|d| d.count())
                .unwrap_or(0);
            assert_eq!(left, 0, "{name}: a partial file was left");
            assert_eq!(
                std::fs::read_link(prefix.join("current")).unwrap(),
                std::path::PathBuf::from(format!("releases/{sha}"))
            );
        }
    }

    #[test]
    fn a_stop_verdict_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let prefix = dir.path().join("p");
        let script = deploy(prefix.to_str().unwrap(), &"0".repeat(64), 1, "", "t1");
        let out = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(script)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{out:?}");
        assert!(
            text.contains("@host ") && text.contains("@present no"),
            "{text}"
        );
        assert!(text.contains("@stopped"), "{text}");
        assert!(!prefix.exists());
    }

    #[test]
    fn scripts_quote_the_prefix() {
        let s = deploy("/opt/my prefix", "ab", 3, "", "x1");
        assert!(s.contains("P='/opt/my prefix'"));
        assert!(s.contains("pipeform-job.tmp-x1"));
    }
}

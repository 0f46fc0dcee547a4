//! The top-level command line of both binaries.

mod support;

fn help_text(mut cmd: assert_cmd::Command) -> String {
    let out = cmd.arg("--help").output().expect("runs");
    assert!(out.status.success(), "--help failed: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn pipeform_help_lists_every_command_of_the_contract() {
    let text = help_text(support::pipeform());
    for cmd in [
        "init", "render", "plan", "apply", "deploy", "check", "drift",
    ] {
        assert!(
            text.contains(&format!("  {cmd} ")),
            "`{cmd}` missing from:\n{text}"
        );
    }
}

#[test]
fn pipeform_job_help_lists_every_command_of_the_contract() {
    let text = help_text(support::pipeform_job());
    for cmd in ["load", "ship", "run"] {
        assert!(
            text.contains(&format!("  {cmd} ")),
            "`{cmd}` missing from:\n{text}"
        );
    }
}

#[test]
fn an_unknown_command_is_a_usage_error() {
    support::pipeform().arg("frobnicate").assert().code(2);
}

/// The help pages users read first, kept under review: a change to one shows in the diff.
#[test]
fn help_pages_snapshot() {
    let job = help_text(support::pipeform_job());
    insta::assert_snapshot!("pipeform_job_help", job);
    for sub in ["load", "ship", "run", "completions", "man"] {
        let out = support::pipeform_job()
            .args([sub, "--help"])
            .output()
            .expect("runs");
        assert!(out.status.success(), "{sub}: {out:?}");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(text.contains("Examples:"), "{sub}: {text}");
        assert!(text.contains("Exit codes:"), "{sub}: {text}");
        insta::assert_snapshot!(format!("pipeform_job_{sub}_help"), text);
    }
}

#[test]
fn pipeform_job_has_its_own_description() {
    let text = help_text(support::pipeform_job());
    assert!(
        text.starts_with("The batch job of a pipeform stack"),
        "{text}"
    );
    assert!(!text.contains("Provision, deploy to, and verify"), "{text}");
}

#[test]
fn pipeform_job_prints_completions_and_a_man_page() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = support::pipeform_job()
            .args(["completions", shell])
            .output()
            .expect("runs");
        assert!(out.status.success(), "{shell}: {out:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("pipeform-job"), "{shell}: {text}");
        assert!(text.contains("ship"), "{shell}: subcommands completed");
    }
    let out = support::pipeform_job()
        .args(["completions", "tcsh"])
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
    let out = support::pipeform_job().arg("man").output().expect("runs");
    assert!(out.status.success(), "{out:?}");
    let man = String::from_utf8_lossy(&out.stdout);
    assert!(man.contains(".TH pipeform-job 1"), "{man}");
    assert!(
        man.contains("Exit codes"),
        "the man page carries the exit codes"
    );
}

#[test]
fn pipeform_help_pages_snapshot() {
    let top = help_text(support::pipeform());
    assert!(top.contains("Exit codes:"), "{top}");
    insta::assert_snapshot!("pipeform_help", top);
    for sub in [
        "init",
        "render",
        "plan",
        "apply",
        "deploy",
        "check",
        "drift",
        "completions",
        "man",
    ] {
        let out = support::pipeform()
            .args([sub, "--help"])
            .env_remove("AWS_ENDPOINT_URL")
            .env_remove("PIPEFORM_CONFIG")
            .output()
            .expect("runs");
        assert!(out.status.success(), "{sub}: {out:?}");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(text.contains("Examples:"), "{sub}: {text}");
        assert!(text.contains("Exit codes:"), "{sub}: {text}");
        insta::assert_snapshot!(format!("pipeform_{sub}_help"), text);
    }
}

#[test]
fn pipeform_prints_completions_and_a_man_page() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = support::pipeform()
            .args(["completions", shell])
            .output()
            .expect("runs");
        assert!(out.status.success(), "{shell}: {out:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("drift"), "{shell}: subcommands completed");
    }
    let out = support::pipeform().arg("man").output().expect("runs");
    assert!(out.status.success(), "{out:?}");
    let man = String::from_utf8_lossy(&out.stdout);
    assert!(man.contains(".TH pipeform 1"), "{man}");
    assert!(
        man.contains("Exit codes"),
        "the man page carries the exit codes"
    );
}

/// A format a command cannot write is refused by the parser (exit 2), never ignored.
#[test]
fn unsupported_formats_are_refused() {
    for args in [
        &["deploy", "--rollback", "--format", "junit"][..],
        &["deploy", "--rollback", "--format", "sarif"][..],
        &["render", "--format", "junit"][..],
        &["plan", "--format", "github"][..],
    ] {
        let out = support::pipeform().args(args).output().expect("runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("invalid value"), "{args:?}: {err}");
    }
    support::pipeform()
        .args(["-q", "-v", "render"])
        .assert()
        .code(2);
}

/// The error forms a user meets first, as they read: an invalid config, a file that is not TOML
/// (toml's own span), a missing file (each cause said once). Config problems read as rustc's:
/// `file:line:col`, the source line and a caret under the key or value, then a help line.
#[test]
fn error_forms_snapshot() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let example = std::fs::read_to_string(support::repo_root().join("examples/pipeform.toml"))
        .expect("example");
    let bad_key = example.replacen(
        "instance_type = \"t3.small\"",
        "instnace_type = \"t3.small\"",
        1,
    );
    std::fs::write(tmp.path().join("unknown-key.toml"), bad_key).expect("write");
    std::fs::write(tmp.path().join("not-toml.toml"), "[project]\nname = \"x\n").expect("write");
    std::fs::write(
        tmp.path().join("bad-syntax.toml"),
        "[project]\nname = \"x\"\nregion = ap-northeast-2\n",
    )
    .expect("write");
    for (name, file) in [
        ("error_unknown_key", "unknown-key.toml"),
        ("error_not_toml", "not-toml.toml"),
        ("error_invalid_toml_syntax", "bad-syntax.toml"),
        ("error_missing_file", "missing.toml"),
    ] {
        let out = support::pipeform()
            .current_dir(tmp.path())
            .args(["--config", file, "render"])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{name}: {out:?}");
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        let once = err.matches("No such file or directory").count();
        assert!(once <= 1, "a cause printed twice: {err}");
        assert!(!err.contains('\u{1b}'), "colour in a pipe: {err}");
        if name != "error_missing_file" {
            assert!(
                err.contains(&format!(" --> {file}:")),
                "no file:line:col: {err}"
            );
            assert!(err.contains(" | ") && err.contains('^'), "no caret: {err}");
        }
        insta::assert_snapshot!(name, err);
    }
}

#[test]
fn an_endpoint_url_that_is_not_a_url_is_a_usage_error() {
    // A valid config, so the endpoint is the only thing wrong.
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/pipeform.toml");
    for bad in ["notaurl", "ftp://localhost:5000", "http://"] {
        let out = support::pipeform()
            .args(["--config", config, "check", "--endpoint-url", bad])
            .env_remove("AWS_ENDPOINT_URL")
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{bad}: {out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("--endpoint-url") && err.contains("http"),
            "{bad}: {err}"
        );
    }
    // The same rule for the environment variable.
    let out = support::pipeform()
        .args(["--config", config, "check"])
        .env("AWS_ENDPOINT_URL", "notaurl")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}

/// The unknown key: its position, a caret under the key alone, and the suggestion as a help
/// line (not buried in the message).
#[test]
fn an_unknown_key_points_at_the_key_with_a_suggestion() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let example = std::fs::read_to_string(support::repo_root().join("examples/pipeform.toml"))
        .expect("example");
    let line = example
        .lines()
        .position(|l| l.starts_with("instance_type = \"t3.small\""))
        .expect("the app instance type")
        + 1;
    let bad = example.replacen(
        "instance_type = \"t3.small\"",
        "instnace_type = \"t3.small\"",
        1,
    );
    std::fs::write(tmp.path().join("pipeform.toml"), bad).expect("write");
    let out = support::pipeform()
        .current_dir(tmp.path())
        .arg("render")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(" --> pipeform.toml:{line}:1")),
        "{err}"
    );
    assert!(
        err.contains(&format!("{line} | instnace_type = \"t3.small\"")),
        "{err}"
    );
    assert!(
        err.contains("| ^^^^^^^^^^^^^\n") || err.contains("| ^^^^^^^^^^^^^ "),
        "{err}"
    );
    assert!(
        err.contains("= help: did you mean `instance_type`?"),
        "{err}"
    );
    assert!(
        err.trim_end().ends_with("2 problems"),
        "summary last: {err}"
    );
}

/// `--color always` paints the diagnostic; `never` and a pipe do not.
#[test]
fn config_errors_are_coloured_only_when_asked() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("pipeform.toml"), "[project]\nname = \"x\n").expect("write");
    let run = |colour: &str| {
        let out = support::pipeform()
            .current_dir(tmp.path())
            .args(["--color", colour, "render"])
            .env_remove("NO_COLOR")
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    assert!(
        run("always").contains('\u{1b}'),
        "no colour with --color always"
    );
    assert!(!run("never").contains('\u{1b}'));
    assert!(!run("auto").contains('\u{1b}'), "colour into a pipe");
}

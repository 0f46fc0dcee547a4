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

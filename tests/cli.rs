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

//! The top-level command line of both binaries.

mod support;

#[test]
fn pipeform_help_lists_every_command_of_the_contract() {
    let out = support::pipeform().arg("--help").assert().success();
    for cmd in [
        "init", "render", "plan", "apply", "deploy", "check", "drift",
    ] {
        out.clone().stdout(contains(cmd));
    }
}

#[test]
fn pipeform_job_help_lists_every_command_of_the_contract() {
    let out = support::pipeform_job()
        .arg("--help")
        .output()
        .expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
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

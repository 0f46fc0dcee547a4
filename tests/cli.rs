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

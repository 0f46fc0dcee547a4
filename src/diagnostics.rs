//! Diagnostics go to stderr through `tracing`, never into machine-readable stdout.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

use tracing_subscriber::EnvFilter;

use crate::config::ConfigError;
use crate::exit::Failure;

/// The AWS SDK crates whose debug log `-vv` turns on. Not every crate: hyper, rustls and h2 at
/// debug bury what pipeform does under connection-level noise.
const SDK_CRATES: &[&str] = &[
    "aws_config",
    "aws_runtime",
    "aws_smithy_runtime",
    "aws_smithy_http_client",
    "aws_sdk_ec2",
    "aws_sdk_s3",
    "aws_sdk_rds",
    "aws_sdk_iam",
    "aws_sdk_sns",
    "aws_sdk_cloudwatch",
    "aws_sdk_cloudwatchlogs",
];

/// The log filter for a verbosity: quiet = errors only, 0 = warnings, 1 (`-v`) = pipeform's
/// debug, 2+ (`-vv`) = pipeform's trace and the AWS SDK's debug. Other crates stay at `warn`.
pub fn filter_for(verbose: u8, quiet: bool) -> String {
    if quiet {
        return "error".to_string();
    }
    match verbose {
        0 => "warn".to_string(),
        1 => "warn,pipeform=debug,pipeform_shared=debug".to_string(),
        _ => {
            let mut f = String::from("warn,pipeform=trace,pipeform_shared=trace");
            for c in SDK_CRATES {
                f.push_str(&format!(",{c}=debug"));
            }
            f
        }
    }
}

/// `-q`: set once at start-up, read by what writes progress to stderr.
static QUIET: AtomicBool = AtomicBool::new(false);

/// Whether `-q` asked for errors only (no progress lines).
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// Whether stderr may carry ANSI colour: a terminal, and `NO_COLOR` unset or empty.
pub fn stderr_colour() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
}

/// Sets up the stderr logger (see [`filter_for`]); `RUST_LOG` wins. Colour only on a terminal,
/// so logs piped into a CI file are plain text.
pub fn init(verbose: u8) {
    init_with(verbose, false, stderr_colour());
}

/// [`init`] with `-q` and the colour decision made by the caller (`--color`).
pub fn init_with(verbose: u8, quiet: bool, colour: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(filter_for(verbose, quiet)));
    // A second init (tests calling in) is harmless; ignore it.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour)
        .with_target(false)
        .try_init();
}

/// What stderr says when a command fails: a config error in rustc's form (source line, caret,
/// help), anything else as `error: ` and the error with its causes, each once.
pub fn failure_report(failure: &Failure, colour: bool) -> String {
    if let Some(config) = failure.error.downcast_ref::<ConfigError>() {
        return config.render(colour);
    }
    let label = if colour {
        // rustc's: bold red `error`, bold colon.
        "\u{1b}[1;31merror\u{1b}[0m\u{1b}[1m:\u{1b}[0m"
    } else {
        "error:"
    };
    format!("{label} {failure}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_reads_as_one_error_line_and_a_config_error_as_its_report() {
        let plain = Failure::runtime(anyhow::anyhow!("disk full").context("cannot write x"));
        assert_eq!(
            failure_report(&plain, false),
            "error: cannot write x: disk full\n"
        );
        assert!(failure_report(&plain, true).starts_with("\u{1b}[1;31merror"));
        let config =
            crate::config::parse_str("[project]\nname = 1\n", std::path::Path::new("p.toml"))
                .expect_err("invalid");
        let report = failure_report(&Failure::usage(config), false);
        assert!(report.contains(" --> p.toml:2:8\n"), "{report}");
        assert!(
            report.ends_with("error: invalid config p.toml: 10 problems\n"),
            "{report}"
        );
    }

    #[test]
    fn verbosity_is_scoped_to_pipeform_then_the_sdk() {
        assert_eq!(filter_for(0, false), "warn");
        assert_eq!(filter_for(3, true), "error");
        let v = filter_for(1, false);
        assert!(v.contains("pipeform=debug") && !v.contains("aws_"), "{v}");
        let vv = filter_for(2, false);
        assert!(
            vv.contains("pipeform=trace") && vv.contains("aws_sdk_ec2=debug"),
            "{vv}"
        );
        assert!(!vv.contains("hyper"), "{vv}");
        for f in [v, vv] {
            EnvFilter::try_new(&f).expect("a valid filter");
        }
    }
}

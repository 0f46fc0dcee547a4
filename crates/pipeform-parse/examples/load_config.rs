//! Loads one config the way every `pipeform` command does (`config::load`: the 1 MiB read cap,
//! the UTF-8 check, the TOML parse and every rule) and nothing else, so the worst cases of
//! `bench/hostile-config.py` can be timed in a release build of this light crate without
//! building the AWS SDK. Takes the same arguments that script passes `pipeform`, reading only
//! `--config PATH`; exits 0 when the config is valid, 2 when it is refused (as `pipeform` does).
//!
//!     cargo build --release --manifest-path crates/pipeform-parse/Cargo.toml --example load_config
//!     python3 bench/hostile-config.py /tmp/hostile target/release/examples/load_config

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args
        .iter()
        .position(|a| a == "--config")
        .and_then(|i| args.get(i + 1))
    else {
        eprintln!("usage: load_config --config PATH [ignored arguments]");
        return ExitCode::from(2);
    };
    match pipeform_parse::config::load(&PathBuf::from(path)) {
        Ok(stack) => {
            println!("valid: project {}", stack.project.name);
            ExitCode::SUCCESS
        }
        Err(e) => {
            let problems = e.problems().len();
            eprintln!(
                "refused ({problems} problems): {}",
                e.to_string().lines().next().unwrap_or("")
            );
            ExitCode::from(2)
        }
    }
}

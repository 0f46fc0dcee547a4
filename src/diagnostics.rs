//! Diagnostics go to stderr through `tracing`, never into machine-readable stdout.

use tracing_subscriber::EnvFilter;

/// Sets up the stderr logger: `warn` by default, `-v` info, `-vv` debug; `RUST_LOG` wins.
pub fn init(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    // A second init (tests calling in) is harmless; ignore it.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

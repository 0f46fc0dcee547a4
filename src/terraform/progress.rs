//! Progress of a long terraform run on stderr: a counter that rewrites one line on a terminal,
//! and each completed resource on its own line otherwise (CI logs keep a readable trail).

use std::io::{IsTerminal, Write};
use std::time::Instant;

/// Counts terraform's per-resource lines as they stream by.
#[derive(Debug)]
pub struct Progress {
    verb: &'static str,
    tty: bool,
    quiet: bool,
    done: usize,
    started: Instant,
}

impl Progress {
    /// Progress of `terraform <verb>`.
    pub fn new(verb: &'static str) -> Self {
        Self {
            verb,
            tty: std::io::stderr().is_terminal(),
            quiet: crate::diagnostics::quiet(),
            done: 0,
            started: Instant::now(),
        }
    }

    /// Feeds one line of terraform's stdout.
    pub fn line(&mut self, line: &str) {
        let finished = line.contains("Refresh complete")
            || line.contains("Refreshing state...")
            || line.contains("Read complete")
            || line.contains("Creation complete")
            || line.contains("Modifications complete")
            || line.contains("Destruction complete");
        if !finished || self.quiet {
            return;
        }
        self.done += 1;
        let mut err = std::io::stderr().lock();
        if self.tty {
            let _ = write!(
                err,
                "\r{}: {} resources, {:.0} s ",
                self.verb,
                self.done,
                self.started.elapsed().as_secs_f64()
            );
        } else if !line.contains("Refreshing state") {
            let _ = writeln!(err, "{}: {}", self.verb, line.trim());
        }
    }

    /// Ends the progress line.
    pub fn finish(self) {
        if self.tty && self.done > 0 {
            eprintln!();
        }
    }
}

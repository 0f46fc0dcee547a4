//! Progress of long runs on stderr. Terraform's `plan -json` / `apply -json` event lines drive
//! a bar (total from the saved plan, the resource in progress and its elapsed time, a steady
//! tick so a 3-minute RDS create does not look hung); `terraform init`, the drift refresh and
//! the deploy upload get a spinner or a byte bar. On a terminal only: when stderr is a pipe
//! (CI), each completed resource is one plain line instead, and `-q` shows nothing.
//!
//! The event parsing and the line/state logic ([`Event`], [`Tracker`]) are pure and tested on
//! recorded events (`tests/fixtures/terraform-events/`); drawing is indicatif's.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::Value;

/// How often a bar or spinner redraws on its own (the elapsed times move between events).
const TICK: Duration = Duration::from_millis(200);

/// A run whose number of changes is known: `apply: [=====>   ] 3/7 1m02s <resource> 95 s`.
const BAR: &str = "{spinner} {prefix}: [{bar:16}] {pos}/{len} {elapsed:>4} {current}";
/// A run whose total is not known (plan, refresh): `plan: 12s 40 states read`.
const COUNTER: &str = "{spinner} {prefix}: {elapsed:>4} {current}";
/// The most characters `{current}` takes, so a bar line fits 80 columns (a wrapped line is
/// redrawn as two and scrolls).
const CURRENT_WIDTH: usize = 44;
/// One long step: `terraform init 8s`.
const SPINNER: &str = "{spinner} {msg} {elapsed}";
/// The deploy upload.
const BYTES: &str = "{spinner} {msg}: [{bar:24}] {bytes}/{total_bytes} {bytes_per_sec} {elapsed}";

/// One line of `terraform plan -json` / `apply -json`, reduced to what progress needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// `planned_change`: the plan will change this resource.
    Planned {
        /// Resource address.
        addr: String,
    },
    /// `change_summary`: the counts at the end of a plan or apply.
    Summary {
        /// Resources to add (plan) or added (apply).
        add: u64,
        /// To change or changed.
        change: u64,
        /// To destroy or destroyed.
        remove: u64,
    },
    /// `apply_start`: terraform began an action on a resource.
    Start {
        /// Resource address.
        addr: String,
        /// `create`, `update`, `delete`, `read`, ...
        action: String,
    },
    /// `apply_complete`: the action finished.
    Complete {
        /// Resource address.
        addr: String,
        /// The action.
        action: String,
        /// Terraform's own line (`...: Creation complete after 3s [id=...]`).
        message: String,
    },
    /// `apply_errored`: the action failed (the error follows as a diagnostic).
    Errored {
        /// Resource address.
        addr: String,
        /// Terraform's own line.
        message: String,
    },
    /// `refresh_start`: reading a resource's live state began.
    RefreshStart {
        /// Resource address.
        addr: String,
    },
    /// `refresh_complete`: its live state was read.
    RefreshComplete {
        /// Resource address.
        addr: String,
    },
    /// `diagnostic` at error level: what a failure says.
    Error {
        /// Summary and detail, as [`readable`] gives them.
        text: String,
    },
    /// Anything else (`version`, `apply_progress`, `outputs`, warnings, ...).
    Other,
}

impl Event {
    /// Parses one line; `None` when it is not a terraform JSON event (a plain text line).
    pub fn parse(line: &str) -> Option<Event> {
        let v: Value = serde_json::from_str(line.trim()).ok()?;
        let kind = v.get("type")?.as_str()?;
        let text = |v: &Value, path: &[&str]| -> String {
            path.iter()
                .try_fold(v, |v, key| v.get(key))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let hook_addr = || text(&v, &["hook", "resource", "addr"]);
        let message = || text(&v, &["@message"]);
        Some(match kind {
            "planned_change" => Event::Planned {
                addr: text(&v, &["change", "resource", "addr"]),
            },
            "change_summary" => {
                let n = |key: &str| {
                    v.get("changes")
                        .and_then(|c| c.get(key))
                        .and_then(Value::as_u64)
                        .unwrap_or(0)
                };
                Event::Summary {
                    add: n("add"),
                    change: n("change"),
                    remove: n("remove"),
                }
            }
            "apply_start" => Event::Start {
                addr: hook_addr(),
                action: text(&v, &["hook", "action"]),
            },
            "apply_complete" => Event::Complete {
                addr: hook_addr(),
                action: text(&v, &["hook", "action"]),
                message: message(),
            },
            "apply_errored" => Event::Errored {
                addr: hook_addr(),
                message: message(),
            },
            "refresh_start" => Event::RefreshStart { addr: hook_addr() },
            "refresh_complete" => Event::RefreshComplete { addr: hook_addr() },
            "diagnostic" if text(&v, &["@level"]) == "error" => Event::Error {
                text: readable_value(&v),
            },
            _ => Event::Other,
        })
    }
}

/// A line of terraform's stdout as a person reads it: a JSON event becomes its `@message`, and
/// a diagnostic also its detail and address (`-json` puts errors on stdout, where the human
/// form had them on stderr); any other line is kept as it is.
pub fn readable(line: &str) -> String {
    match serde_json::from_str::<Value>(line.trim()) {
        Ok(v) if v.get("@message").is_some() => readable_value(&v),
        _ => line.to_string(),
    }
}

fn readable_value(v: &Value) -> String {
    let get = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_string);
    let mut out = get(v, "@message").unwrap_or_default();
    if let Some(d) = v.get("diagnostic") {
        if let Some(address) = get(d, "address").filter(|a| !a.is_empty()) {
            out.push_str(&format!(" (at {address})"));
        }
        if let Some(range) = d.get("range") {
            let file = get(range, "filename").unwrap_or_default();
            let line = range
                .get("start")
                .and_then(|s| s.get("line"))
                .and_then(Value::as_u64);
            if let (false, Some(line)) = (file.is_empty(), line) {
                out.push_str(&format!(" ({file}:{line})"));
            }
        }
        if let Some(detail) = get(d, "detail").filter(|d| !d.trim().is_empty()) {
            out.push_str(": ");
            out.push_str(detail.trim());
        }
    }
    out
}

/// What a run has done so far, fed event by event. `at` is the time since the run started
/// (passed in, so the logic is tested without a clock).
#[derive(Debug, Default, Clone)]
pub struct Tracker {
    /// Changes the run will make, when known (from the saved plan, or counted as planned).
    total: Option<u64>,
    /// `planned_change` events seen.
    planned: u64,
    /// Changes finished (data-source reads are not changes).
    done: u64,
    /// Live states read (`refresh_complete`).
    refreshed: u64,
    /// In progress, oldest first: address, what is being done, when it began.
    running: Vec<(String, String, Duration)>,
}

impl Tracker {
    /// A tracker for a run of `total` changes (`None`: not known before the events say).
    pub fn new(total: Option<u64>) -> Self {
        Self {
            total,
            ..Self::default()
        }
    }

    /// Takes one event in; returns the plain line a log gets for it (a completed or failed
    /// resource, as before `-json`), if any.
    pub fn feed(&mut self, event: &Event, at: Duration) -> Option<String> {
        match event {
            Event::Planned { .. } => {
                self.planned += 1;
                None
            }
            Event::Summary { .. } | Event::Other | Event::Error { .. } => None,
            Event::Start { addr, action } => {
                self.running.push((addr.clone(), doing(action), at));
                None
            }
            Event::RefreshStart { addr } => {
                self.running.push((addr.clone(), "refreshing".into(), at));
                None
            }
            Event::RefreshComplete { addr } => {
                self.stop(addr);
                self.refreshed += 1;
                None
            }
            Event::Complete {
                addr,
                action,
                message,
            } => {
                self.stop(addr);
                if action != "read" {
                    self.done += 1;
                    // A replacement is two actions (delete, create) on one planned change.
                    if let Some(total) = self.total.as_mut() {
                        *total = (*total).max(self.done);
                    }
                }
                Some(message.clone())
            }
            Event::Errored { addr, message } => {
                self.stop(addr);
                Some(message.clone())
            }
        }
    }

    fn stop(&mut self, addr: &str) {
        if let Some(i) = self.running.iter().position(|(a, _, _)| a == addr) {
            self.running.remove(i);
        }
    }

    /// Changes finished.
    pub fn done(&self) -> u64 {
        self.done
    }

    /// Changes in the run, when known.
    pub fn total(&self) -> Option<u64> {
        self.total
    }

    /// Changes the plan events listed (a plan's total, known at its end).
    pub fn planned(&self) -> u64 {
        self.planned
    }

    /// What the bar says after the counts: the oldest resource in progress with its elapsed
    /// time (and how many others run beside it), else how many states were read.
    pub fn current(&self, at: Duration) -> String {
        match self.running.first() {
            Some((addr, doing, since)) => {
                let secs = at.saturating_sub(*since).as_secs();
                let others = self.running.len() - 1;
                let more = if others > 0 {
                    format!(" (+{others} more)")
                } else {
                    String::new()
                };
                format!("{addr}: {doing} {secs} s{more}")
            }
            None if self.refreshed > 0 => format!("{} states read", self.refreshed),
            None => String::new(),
        }
    }
}

/// `text` in at most `max` characters: the start is dropped (`…rds.aws_db_instance.this:
/// creating 95 s`), since the end says what is happening and for how long.
fn fit(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text.to_string();
    }
    let keep: String = text.chars().skip(count - max.saturating_sub(1)).collect();
    format!("…{keep}")
}

/// The -ing form of a terraform action, for "creating 95 s".
fn doing(action: &str) -> String {
    match action {
        "create" => "creating",
        "update" => "updating",
        "delete" => "destroying",
        "read" => "reading",
        "replace" => "replacing",
        "noop" => "checking",
        other => return other.to_string(),
    }
    .to_string()
}

/// Where progress goes, decided once per run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A redrawn bar or spinner (stderr is a terminal).
    Bar,
    /// One line per completed resource (stderr is a pipe or a file).
    Lines,
    /// Nothing (`-q`).
    Quiet,
}

impl Mode {
    /// The mode for this process's stderr and `-q`.
    pub fn detect() -> Self {
        Self::choose(std::io::stderr().is_terminal(), crate::diagnostics::quiet())
    }

    /// The mode for a terminal or not, and `-q`.
    pub fn choose(terminal: bool, quiet: bool) -> Self {
        match (quiet, terminal) {
            (true, _) => Self::Quiet,
            (false, true) => Self::Bar,
            (false, false) => Self::Lines,
        }
    }
}

/// Progress of one `terraform plan` / `apply` run, fed its stdout lines.
#[derive(Debug)]
pub struct Progress {
    verb: &'static str,
    mode: Mode,
    tracker: Arc<Mutex<Tracker>>,
    bar: ProgressBar,
    started: Instant,
}

impl Progress {
    /// Progress of `terraform <verb>`; `total` is the number of changes when known (apply of a
    /// saved plan), else the bar is a spinner with a count.
    pub fn new(verb: &'static str, total: Option<u64>) -> Self {
        Self::with_mode(verb, total, Mode::detect())
    }

    /// [`Progress::new`] that draws on a terminal and prints nothing otherwise: for a run whose
    /// log would only list reads (the drift refresh).
    pub fn terminal_only(verb: &'static str) -> Self {
        let mode = match Mode::detect() {
            Mode::Bar => Mode::Bar,
            Mode::Lines | Mode::Quiet => Mode::Quiet,
        };
        Self::with_mode(verb, None, mode)
    }

    fn with_mode(verb: &'static str, total: Option<u64>, mode: Mode) -> Self {
        let tracker = Arc::new(Mutex::new(Tracker::new(total)));
        let started = Instant::now();
        let bar = match mode {
            Mode::Bar => {
                let bar = match total {
                    Some(n) => ProgressBar::new(n),
                    None => ProgressBar::new_spinner(),
                };
                bar.set_draw_target(ProgressDrawTarget::stderr());
                let template = if total.is_some() { BAR } else { COUNTER };
                let shown = Arc::clone(&tracker);
                let current = move |_: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let text = lock(&shown).current(started.elapsed());
                    let _ = w.write_str(&fit(&text, CURRENT_WIDTH));
                };
                if let Ok(style) = ProgressStyle::with_template(template) {
                    bar.set_style(style.with_key("current", current));
                }
                bar.set_prefix(verb);
                bar.enable_steady_tick(TICK);
                bar
            }
            Mode::Lines | Mode::Quiet => ProgressBar::hidden(),
        };
        Self {
            verb,
            mode,
            tracker,
            bar,
            started,
        }
    }

    /// Feeds one line of terraform's stdout.
    pub fn line(&mut self, line: &str) {
        let Some(event) = Event::parse(line) else {
            return;
        };
        let (plain, done, total) = {
            let mut t = lock(&self.tracker);
            let plain = t.feed(&event, self.started.elapsed());
            (plain, t.done(), t.total())
        };
        match self.mode {
            Mode::Bar => {
                if let Some(total) = total {
                    self.bar.set_length(total);
                }
                self.bar.set_position(done);
            }
            Mode::Lines => {
                if let Some(text) = plain {
                    let _ = writeln!(std::io::stderr().lock(), "{}: {}", self.verb, text.trim());
                }
            }
            Mode::Quiet => {}
        }
    }

    /// Ends the progress: the bar is cleared (what was done is in the summary on stdout).
    pub fn finish(self) {
        self.bar.finish_and_clear();
    }
}

/// The tracker, even if a panic elsewhere poisoned the lock (progress must never fail a run).
fn lock(tracker: &Mutex<Tracker>) -> MutexGuard<'_, Tracker> {
    tracker.lock().unwrap_or_else(|p| p.into_inner())
}

/// A spinner for one long step (`terraform init`, the drift refresh), cleared when dropped.
/// Hidden unless [`Mode::detect`] is [`Mode::Bar`].
#[derive(Debug)]
pub struct Spinner(ProgressBar);

impl Spinner {
    /// Shows `message` beside a spinner and its elapsed time.
    pub fn new(message: &str) -> Self {
        if Mode::detect() != Mode::Bar {
            return Self(ProgressBar::hidden());
        }
        let bar = ProgressBar::new_spinner();
        bar.set_draw_target(ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(SPINNER) {
            bar.set_style(style);
        }
        bar.set_message(message.to_string());
        bar.enable_steady_tick(TICK);
        Self(bar)
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

/// A byte bar for an upload of `len` bytes (`deploy` sending the binary); hidden unless
/// [`Mode::detect`] is [`Mode::Bar`]. Wrap the reader with [`ProgressBar::wrap_read`] and call
/// `finish_and_clear` when done.
pub fn bytes_bar(len: u64, message: &str) -> ProgressBar {
    if Mode::detect() != Mode::Bar {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    bar.set_draw_target(ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(BYTES) {
        bar.set_style(style);
    }
    bar.set_message(message.to_string());
    bar.enable_steady_tick(TICK);
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/terraform-events")
            .join(name);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// Feeds a recorded run, one second per line; returns the plain lines and the tracker.
    fn replay(name: &str, total: Option<u64>) -> (Vec<String>, Tracker) {
        let mut t = Tracker::new(total);
        let lines = fixture(name)
            .lines()
            .enumerate()
            .filter_map(|(i, line)| {
                let event = Event::parse(line).expect("every recorded line is an event");
                t.feed(&event, Duration::from_secs(i as u64))
            })
            .collect();
        (lines, t)
    }

    #[test]
    fn events_are_read_from_recorded_lines() {
        let text = fixture("apply.jsonl");
        let events: Vec<Event> = text.lines().filter_map(Event::parse).collect();
        assert_eq!(events.len(), text.lines().count());
        assert!(events.contains(&Event::Start {
            addr: "module.logs.aws_cloudwatch_log_group.this".into(),
            action: "create".into(),
        }));
        assert!(events.contains(&Event::Summary {
            add: 2,
            change: 0,
            remove: 0
        }));
        assert_eq!(
            Event::parse("Terraform will perform the following actions:"),
            None
        );
        assert_eq!(Event::parse("{\"no\": \"type\"}"), None);
    }

    #[test]
    fn an_apply_counts_changes_and_prints_one_line_per_resource() {
        let (lines, t) = replay("apply.jsonl", Some(2));
        assert_eq!((t.done(), t.total()), (2, Some(2)));
        assert_eq!(
            lines,
            [
                "module.logs.aws_cloudwatch_log_group.this: Creation complete after 0s [id=/offsets/carbon_log]",
                "module.alarm.aws_cloudwatch_metric_alarm.this: Creation complete after 0s [id=offsets-job-failed]",
            ]
        );
        assert_eq!(t.current(Duration::from_secs(99)), "");
    }

    #[test]
    fn the_resource_in_progress_is_named_with_its_elapsed_time() {
        let mut t = Tracker::new(Some(3));
        let start = |addr: &str| Event::Start {
            addr: addr.into(),
            action: "create".into(),
        };
        t.feed(
            &start("module.rds.aws_db_instance.this"),
            Duration::from_secs(5),
        );
        assert_eq!(
            t.current(Duration::from_secs(100)),
            "module.rds.aws_db_instance.this: creating 95 s"
        );
        t.feed(&start("aws_s3_bucket.b"), Duration::from_secs(6));
        assert_eq!(
            t.current(Duration::from_secs(100)),
            "module.rds.aws_db_instance.this: creating 95 s (+1 more)"
        );
        let line = t.feed(
            &Event::Complete {
                addr: "module.rds.aws_db_instance.this".into(),
                action: "create".into(),
                message: "done".into(),
            },
            Duration::from_secs(101),
        );
        assert_eq!(line.as_deref(), Some("done"));
        assert_eq!(
            t.current(Duration::from_secs(110)),
            "aws_s3_bucket.b: creating 104 s"
        );
        assert_eq!(t.done(), 1);
    }

    #[test]
    fn a_replacement_grows_the_total_and_data_reads_are_not_changes() {
        let mut t = Tracker::new(Some(1));
        for action in ["delete", "create"] {
            t.feed(
                &Event::Complete {
                    addr: "module.logs.aws_cloudwatch_log_group.this".into(),
                    action: action.into(),
                    message: String::new(),
                },
                Duration::ZERO,
            );
        }
        t.feed(
            &Event::Complete {
                addr: "data.aws_caller_identity.this".into(),
                action: "read".into(),
                message: String::new(),
            },
            Duration::ZERO,
        );
        assert_eq!((t.done(), t.total()), (2, Some(2)));
    }

    #[test]
    fn a_plan_counts_refreshes_and_planned_changes() {
        let (lines, t) = replay("plan.jsonl", None);
        assert_eq!(t.planned(), 1);
        assert_eq!((t.done(), t.total()), (0, None));
        assert_eq!(t.current(Duration::from_secs(99)), "2 states read");
        // A plan completes only data-source reads: their lines are what a log shows.
        assert_eq!(
            lines,
            ["data.aws_caller_identity.this: Refresh complete after 0s [id=123456789012]"]
        );
    }

    #[test]
    fn a_failed_apply_reads_as_its_error() {
        let text = fixture("apply-error.jsonl");
        let (lines, _) = replay("apply-error.jsonl", Some(1));
        assert_eq!(
            lines,
            ["module.logs.aws_cloudwatch_log_group.this: Creation errored after 0s"]
        );
        let errors: Vec<String> = text
            .lines()
            .filter_map(|l| match Event::parse(l) {
                Some(Event::Error { text }) => Some(text),
                _ => None,
            })
            .collect();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].starts_with("Error: creating CloudWatch Logs Log Group"),
            "{errors:?}"
        );
        assert!(errors[0].contains("already exists"), "{errors:?}");
        assert!(
            errors[0].contains("(at module.logs.aws_cloudwatch_log_group.this)"),
            "{errors:?}"
        );
        let last = text.lines().last().expect("a line");
        assert_eq!(readable(last), errors[0]);
        assert_eq!(readable("plain text"), "plain text");
    }

    #[test]
    fn a_long_address_keeps_its_end() {
        assert_eq!(fit("short", 10), "short");
        let long = "module.rds.aws_db_instance.this: creating 95 s";
        let fitted = fit(long, 20);
        assert_eq!(fitted.chars().count(), 20);
        assert_eq!(fitted, "…this: creating 95 s");
    }

    #[test]
    fn every_template_is_valid() {
        for t in [BAR, COUNTER, SPINNER, BYTES] {
            assert!(ProgressStyle::with_template(t).is_ok(), "{t}");
        }
    }

    #[test]
    fn quiet_wins_and_a_pipe_gets_lines() {
        assert_eq!(Mode::choose(true, true), Mode::Quiet);
        assert_eq!(Mode::choose(false, true), Mode::Quiet);
        assert_eq!(Mode::choose(true, false), Mode::Bar);
        assert_eq!(Mode::choose(false, false), Mode::Lines);
    }

    #[test]
    fn a_hidden_progress_takes_every_line() {
        let mut p = Progress::with_mode("apply", Some(2), Mode::Quiet);
        for line in fixture("apply.jsonl").lines() {
            p.line(line);
        }
        p.line("not json");
        assert_eq!(lock(&p.tracker).done(), 2);
        p.finish();
    }
}

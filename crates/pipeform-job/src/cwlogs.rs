//! The run delivers its own log lines to CloudWatch Logs (contract §10), so a failed run reaches
//! the metric filter and the alarm without a CloudWatch agent on the host.
//!
//! - **Where**: the log group of `job.env` (`PIPEFORM_LOG_GROUP`), one stream per host and UTC
//!   day named `<host>/<YYYY-MM-DD>` (the host name with `:` and `*` replaced by `-`, which
//!   stream names refuse), e.g. `ip-10-20-1-17/2026-11-28`. A line goes to the stream of its own
//!   day, so a run across midnight writes to two streams.
//! - **How**: `PutLogEvents` in time order, in batches within the service limits (10,000
//!   events, 1,048,576 bytes counting 26 bytes per event, 24 hours per batch); a missing stream
//!   is created once. Each call retries with backoff inside the SDK (bounded attempts and
//!   timeouts), and the whole delivery has a deadline, so a dead endpoint costs seconds, not
//!   the cron slot.
//! - **When it fails**: nothing is lost. Every event not accepted is kept in a bounded spool in
//!   the log directory ([`SPOOL_FILE`], newest kept when over [`SPOOL_MAX_BYTES`]) and sent
//!   first by the next run. Events the service accepted are never spooled, so none is sent
//!   twice. The run's exit code is never changed by delivery; the run says on stderr, loudly,
//!   what was not delivered and where it waits.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use aws_sdk_cloudwatchlogs::Client;
use chrono::{DateTime, NaiveDate, Utc};

use pipeform_shared::aws::{sdk_config, Timeouts};

use crate::log::Captured;

/// The spool of undelivered events, in the log directory (JSON lines `{"t":ms,"m":"..."}`).
pub const SPOOL_FILE: &str = ".pipeform-job.cwlogs-spool.jsonl";
/// Largest spool kept; beyond it the oldest events are dropped (and the run says how many).
pub const SPOOL_MAX_BYTES: usize = 4 * 1024 * 1024;
/// Most events in one `PutLogEvents` call (service limit).
pub const MAX_BATCH_EVENTS: usize = 10_000;
/// Most bytes in one call: messages in UTF-8 plus [`EVENT_OVERHEAD`] each (service limit).
pub const MAX_BATCH_BYTES: usize = 1_048_576;
/// Bytes the service counts per event on top of its message.
pub const EVENT_OVERHEAD: usize = 26;
/// Longest message sent; longer lines are cut (the service refuses events over 256 KiB).
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024 - EVENT_OVERHEAD;
/// Longest time span of one batch (service limit: 24 hours).
pub const MAX_BATCH_SPAN_MS: i64 = 24 * 3600 * 1000;
/// The whole delivery gives up after this long; what is left is spooled.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// Timeouts of delivery calls: short attempts, a few retries with the SDK's backoff.
const TIMEOUTS: Timeouts = Timeouts {
    connect: Duration::from_secs(3),
    attempt: Duration::from_secs(10),
    operation: Duration::from_secs(25),
    max_attempts: 4,
};

/// One event to deliver.
pub type Event = Captured;

/// The stream of a host and UTC day: `<host>/<YYYY-MM-DD>`.
pub fn stream_name(host: &str, day: NaiveDate) -> String {
    let host: String = host
        .trim()
        .chars()
        .map(|c| if matches!(c, ':' | '*') { '-' } else { c })
        .collect();
    let host = if host.is_empty() {
        "unknown-host"
    } else {
        &host
    };
    format!("{host}/{}", day.format("%Y-%m-%d"))
}

/// This machine's host name (the kernel's), for the stream name.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown-host".into())
}

fn day_of(ms: i64) -> NaiveDate {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .date_naive()
}

/// A message cut to what the service accepts, on a character boundary.
fn fit(message: &str) -> &str {
    if message.len() <= MAX_MESSAGE_BYTES {
        return message;
    }
    let mut end = MAX_MESSAGE_BYTES;
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    &message[..end]
}

/// Splits time-ordered events of one stream into batches the service accepts (count, bytes,
/// 24-hour span); returns index ranges.
pub fn batches(events: &[Event]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut bytes = 0;
    for (i, e) in events.iter().enumerate() {
        let size = fit(&e.message).len() + EVENT_OVERHEAD;
        let full = i - start >= MAX_BATCH_EVENTS
            || bytes + size > MAX_BATCH_BYTES
            || e.timestamp_ms - events[start].timestamp_ms > MAX_BATCH_SPAN_MS;
        if i > start && full {
            out.push(start..i);
            start = i;
            bytes = 0;
        }
        bytes += size;
    }
    if start < events.len() {
        out.push(start..events.len());
    }
    out
}

/// Events grouped by stream (day), each group in time order (stable: lines of the same
/// millisecond keep their order).
pub fn by_stream(host: &str, mut events: Vec<Event>) -> BTreeMap<String, Vec<Event>> {
    events.sort_by_key(|e| e.timestamp_ms);
    let mut out: BTreeMap<String, Vec<Event>> = BTreeMap::new();
    for e in events {
        out.entry(stream_name(host, day_of(e.timestamp_ms)))
            .or_default()
            .push(e);
    }
    out
}

/// The spool of events not yet delivered.
#[derive(Debug, Clone)]
pub struct Spool {
    path: PathBuf,
}

impl Spool {
    /// The spool in `log_dir`.
    pub fn in_dir(log_dir: &Path) -> Self {
        Self {
            path: log_dir.join(SPOOL_FILE),
        }
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Spooled events, and how many lines could not be read back (a torn write is skipped,
    /// not fatal: the rest still goes out).
    pub fn load(&self) -> (Vec<Event>, usize) {
        let Ok(text) = std::fs::read_to_string(&self.path) else {
            return (Vec::new(), 0);
        };
        let mut events = Vec::new();
        let mut bad = 0;
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let parsed = serde_json::from_str::<serde_json::Value>(line)
                .ok()
                .and_then(|v| Some((v.get("t")?.as_i64()?, v.get("m")?.as_str()?.to_string())));
            match parsed {
                Some((timestamp_ms, message)) => events.push(Event {
                    timestamp_ms,
                    message,
                }),
                None => bad += 1,
            }
        }
        (events, bad)
    }

    /// Replaces the spool with `events` (time order), keeping the newest that fit in
    /// [`SPOOL_MAX_BYTES`]; returns how many older ones were dropped. Written to a temporary
    /// file and renamed, so a crash leaves the old spool or the new one.
    pub fn save(&self, events: &[Event]) -> std::io::Result<usize> {
        if events.is_empty() {
            return match std::fs::remove_file(&self.path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                _ => Ok(0),
            };
        }
        let lines: Vec<String> = events
            .iter()
            .map(|e| serde_json::json!({"t": e.timestamp_ms, "m": e.message}).to_string())
            .collect();
        let mut keep_from = lines.len();
        let mut total = 0;
        while keep_from > 0 && total + lines[keep_from - 1].len() < SPOOL_MAX_BYTES {
            keep_from -= 1;
            total += lines[keep_from].len() + 1;
        }
        let tmp = self.path.with_extension("jsonl.tmp");
        {
            let mut f = std::fs::File::create(&tmp)?;
            for l in &lines[keep_from..] {
                writeln!(f, "{l}")?;
            }
            f.sync_all()?;
        }
        std::fs::rename(&tmp, &self.path)?;
        Ok(keep_from)
    }
}

/// What one delivery did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Events the service accepted.
    pub delivered: usize,
    /// Events the service refused for good (too old or too new for the group): not spooled.
    pub rejected: usize,
    /// Events kept for the next run.
    pub spooled: usize,
    /// Events dropped because the spool was full.
    pub dropped: usize,
    /// Why delivery stopped, if it did.
    pub error: Option<String>,
}

/// Sends `events` to `group`, stream by stream, batch by batch; returns the outcome and the
/// events not accepted (in time order). Stops at the first failed batch: later batches would
/// only fail the same way, and time order within a stream must be kept.
pub async fn send(
    client: &Client,
    group: &str,
    host: &str,
    events: Vec<Event>,
) -> (Outcome, Vec<Event>) {
    let mut outcome = Outcome::default();
    let mut left: Vec<Event> = Vec::new();
    let mut created: Vec<String> = Vec::new();
    for (stream, list) in by_stream(host, events) {
        if outcome.error.is_some() {
            left.extend(list);
            continue;
        }
        for range in batches(&list) {
            if outcome.error.is_some() {
                left.extend_from_slice(&list[range]);
                continue;
            }
            match put(client, group, &stream, &list[range.clone()], &mut created).await {
                Ok(rejected) => {
                    outcome.rejected += rejected;
                    outcome.delivered += range.len() - rejected;
                }
                Err(e) => {
                    outcome.error = Some(e);
                    left.extend_from_slice(&list[range]);
                }
            }
        }
    }
    left.sort_by_key(|e| e.timestamp_ms);
    (outcome, left)
}

/// One `PutLogEvents`, creating the stream when it is missing; returns how many events the
/// service rejected for good.
async fn put(
    client: &Client,
    group: &str,
    stream: &str,
    batch: &[Event],
    created: &mut Vec<String>,
) -> Result<usize, String> {
    let input: Vec<InputLogEvent> = batch
        .iter()
        .filter_map(|e| {
            InputLogEvent::builder()
                .timestamp(e.timestamp_ms)
                .message(fit(&e.message))
                .build()
                .ok()
        })
        .collect();
    for _ in 0..2 {
        let sent = client
            .put_log_events()
            .log_group_name(group)
            .log_stream_name(stream)
            .set_log_events(Some(input.clone()))
            .send()
            .await;
        match sent {
            Ok(out) => {
                let rejected = out.rejected_log_events_info().map_or(0, |r| {
                    let old = r
                        .too_old_log_event_end_index()
                        .max(r.expired_log_event_end_index())
                        .map_or(0, |i| usize::try_from(i).unwrap_or(0));
                    let new = r.too_new_log_event_start_index().map_or(0, |i| {
                        batch.len().saturating_sub(usize::try_from(i).unwrap_or(0))
                    });
                    (old + new).min(batch.len())
                });
                return Ok(rejected);
            }
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception())
                    && !created.iter().any(|s| s == stream) =>
            {
                created.push(stream.to_string());
                match client
                    .create_log_stream()
                    .log_group_name(group)
                    .log_stream_name(stream)
                    .send()
                    .await
                {
                    Ok(_) => {}
                    Err(e)
                        if e.as_service_error()
                            .is_some_and(|s| s.is_resource_already_exists_exception()) => {}
                    Err(e)
                        if e.as_service_error()
                            .is_some_and(|s| s.is_resource_not_found_exception()) =>
                    {
                        return Err(format!(
                            "log group {group} does not exist; apply the stack (pipeform apply) or fix PIPEFORM_LOG_GROUP"
                        ));
                    }
                    Err(e) => {
                        return Err(format!("logs:CreateLogStream {stream}: {}", describe(&e)))
                    }
                }
            }
            Err(e) => {
                return Err(format!(
                    "logs:PutLogEvents to {group}/{stream}: {}",
                    describe(&e)
                ))
            }
        }
    }
    Err(format!(
        "logs:PutLogEvents to {group}/{stream}: the stream is still missing after it was created"
    ))
}

/// An SDK error in one line, with the service's code and message when there is one.
fn describe<E, R>(e: &aws_sdk_cloudwatchlogs::error::SdkError<E, R>) -> String
where
    E: aws_sdk_cloudwatchlogs::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    use aws_sdk_cloudwatchlogs::error::SdkError;
    match e {
        SdkError::ServiceError(s) => {
            let err = s.err();
            format!(
                "{}: {}",
                err.code().unwrap_or("error"),
                err.message().unwrap_or("no message")
            )
        }
        SdkError::TimeoutError(_) => "timed out".into(),
        SdkError::DispatchFailure(d) => format!("cannot reach the endpoint ({d:?})")
            .chars()
            .take(300)
            .collect(),
        other => {
            let mut s = other.to_string();
            let mut src = std::error::Error::source(other);
            while let Some(inner) = src {
                s.push_str(&format!(": {inner}"));
                src = inner.source();
            }
            s
        }
    }
}

/// Where and how a run delivers.
#[derive(Debug, Clone)]
pub struct Target<'a> {
    /// The log group; `None` when the env file predates delivery.
    pub group: Option<&'a str>,
    /// AWS region.
    pub region: &'a str,
    /// Endpoint of the env file (a testbed); the standard `AWS_ENDPOINT_URL_CLOUDWATCH_LOGS`
    /// wins for delivery alone, as it would for any SDK client.
    pub endpoint_url: Option<&'a str>,
    /// The log directory holding the spool.
    pub log_dir: &'a Path,
}

/// After a run: sends the spool first, then this run's lines; spools what was not accepted and
/// says so on stderr. Never changes the run's result.
pub async fn deliver_run(target: &Target<'_>, lines: Vec<Event>, left_out: usize) -> Outcome {
    let spool = Spool::in_dir(target.log_dir);
    let (mut events, unreadable) = spool.load();
    let earlier = events.len();
    events.extend(lines);
    if unreadable > 0 {
        loud(&format!(
            "{unreadable} line(s) of the delivery spool {} could not be read and are skipped",
            spool.path().display()
        ));
    }
    if left_out > 0 {
        loud(&format!(
            "this run wrote more than {} lines; {left_out} were not delivered to CloudWatch Logs (they are in the job log)",
            crate::log::CAPTURE_MAX_LINES
        ));
    }
    let Some(group) = target.group else {
        let dropped = spool.save(&events).unwrap_or(0);
        loud(&format!(
            "the env file has no PIPEFORM_LOG_GROUP: {} event(s) wait in {} and this run's JOB_STATUS line does not reach the alarm; run `pipeform deploy` again to rewrite the env file",
            events.len() - dropped,
            spool.path().display()
        ));
        return Outcome {
            spooled: events.len() - dropped,
            dropped,
            error: Some("no log group in the env file".into()),
            ..Outcome::default()
        };
    };
    let endpoint = std::env::var("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS")
        .ok()
        .filter(|s| !s.is_empty());
    let endpoint = endpoint.as_deref().or(target.endpoint_url);
    let config = sdk_config(Some(target.region), endpoint, TIMEOUTS).await;
    let client = Client::new(&config);
    let host = host_name();
    let total = events.len();
    let (mut outcome, left) =
        match tokio::time::timeout(DEADLINE, send(&client, group, &host, events.clone())).await {
            Ok(done) => done,
            Err(_) => (
                Outcome {
                    error: Some(format!("no answer within {} s", DEADLINE.as_secs())),
                    ..Outcome::default()
                },
                // Which batches went through before the deadline is unknown only for the one
                // in flight; keeping all is the choice that loses nothing.
                events,
            ),
        };
    match spool.save(&left) {
        Ok(dropped) => {
            outcome.dropped = dropped;
            outcome.spooled = left.len() - dropped;
        }
        Err(e) => {
            outcome.dropped = left.len();
            loud(&format!(
                "cannot write the delivery spool {}: {e}; {} event(s) are only in the job log",
                spool.path().display(),
                left.len()
            ));
        }
    }
    let stream = stream_name(&host, Utc::now().date_naive());
    match &outcome.error {
        None => eprintln!(
            "logs: delivered {} event(s) to {group} (stream {stream}){}{}",
            outcome.delivered,
            if earlier > 0 {
                format!(", {earlier} of them spooled by earlier runs")
            } else {
                String::new()
            },
            if outcome.rejected > 0 {
                format!("; {} refused as too old or too new", outcome.rejected)
            } else {
                String::new()
            }
        ),
        Some(why) => loud(&format!(
            "delivery to CloudWatch Logs group {group} failed: {why}. {} of {total} event(s) delivered; {} spooled in {} for the next run{}. Until they arrive, the alarm cannot see this run's JOB_STATUS line.",
            outcome.delivered,
            outcome.spooled,
            spool.path().display(),
            if outcome.dropped > 0 {
                format!(", {} oldest dropped (spool full)", outcome.dropped)
            } else {
                String::new()
            }
        )),
    }
    outcome
}

/// A warning that stands out in cron mail and the journal.
fn loud(msg: &str) {
    eprintln!("WARNING: pipeform-job: {msg}");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(t: i64, m: &str) -> Event {
        Event {
            timestamp_ms: t,
            message: m.to_string(),
        }
    }

    #[test]
    fn stream_is_host_and_utc_day() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");
        assert_eq!(
            stream_name("ip-10-20-1-17", day),
            "ip-10-20-1-17/2026-11-28"
        );
        assert_eq!(stream_name("a:b*c", day), "a-b-c/2026-11-28");
        assert_eq!(stream_name(" ", day), "unknown-host/2026-11-28");
    }

    #[test]
    fn events_go_to_their_own_days_stream_in_time_order() {
        // 2026-11-28T23:59:59.900Z and 2026-11-29T00:00:00.100Z.
        let late = 1_795_910_399_900;
        let groups = by_stream(
            "h",
            vec![ev(late + 200, "b"), ev(late, "a"), ev(late + 200, "c")],
        );
        let names: Vec<&String> = groups.keys().collect();
        assert_eq!(names, ["h/2026-11-28", "h/2026-11-29"]);
        let next: Vec<&str> = groups["h/2026-11-29"]
            .iter()
            .map(|e| e.message.as_str())
            .collect();
        assert_eq!(next, ["b", "c"], "same-millisecond lines keep their order");
    }

    #[test]
    fn batches_respect_count_bytes_and_span() {
        let many: Vec<Event> = (0..MAX_BATCH_EVENTS + 1)
            .map(|i| ev(i as i64, "x"))
            .collect();
        assert_eq!(
            batches(&many),
            vec![0..MAX_BATCH_EVENTS, MAX_BATCH_EVENTS..MAX_BATCH_EVENTS + 1]
        );

        let big = "y".repeat(200_000);
        let heavy: Vec<Event> = (0..6).map(|i| ev(i, &big)).collect();
        let b = batches(&heavy);
        assert_eq!(b, vec![0..5, 5..6]);
        for r in &b {
            let bytes: usize = heavy[r.clone()]
                .iter()
                .map(|e| e.message.len() + EVENT_OVERHEAD)
                .sum();
            assert!(bytes <= MAX_BATCH_BYTES);
        }

        let spread = vec![
            ev(0, "a"),
            ev(MAX_BATCH_SPAN_MS, "b"),
            ev(MAX_BATCH_SPAN_MS + 1, "c"),
        ];
        assert_eq!(batches(&spread), vec![0..2, 2..3]);
        assert!(batches(&[]).is_empty());
    }

    #[test]
    fn oversized_message_is_cut_on_a_char_boundary() {
        let long = "é".repeat(MAX_MESSAGE_BYTES);
        let cut = fit(&long);
        assert!(cut.len() <= MAX_MESSAGE_BYTES && cut.len() >= MAX_MESSAGE_BYTES - 1);
        assert_eq!(fit("short"), "short");
    }

    #[test]
    fn spool_round_trips_skips_torn_lines_and_stays_bounded() {
        let dir = tempfile::tempdir().expect("tempdir");
        let spool = Spool::in_dir(dir.path());
        assert_eq!(spool.load(), (Vec::new(), 0));
        let events = vec![
            ev(1, "a \"quoted\" line"),
            ev(2, "JOB_STATUS=FAILED reason=x"),
        ];
        assert_eq!(spool.save(&events).expect("save"), 0);
        assert_eq!(spool.load(), (events.clone(), 0));

        let mut text = std::fs::read_to_string(spool.path()).expect("read");
        text.push_str("{\"t\":3,\"m\":\"torn");
        std::fs::write(spool.path(), text).expect("write");
        assert_eq!(spool.load(), (events, 1));

        let line = "z".repeat(1000);
        let flood: Vec<Event> = (0..6000).map(|i| ev(i, &line)).collect();
        let dropped = spool.save(&flood).expect("save");
        assert!(dropped > 0);
        let size = std::fs::metadata(spool.path()).expect("meta").len() as usize;
        assert!(size <= SPOOL_MAX_BYTES, "{size}");
        let (kept, _) = spool.load();
        assert_eq!(
            kept.last().map(|e| e.timestamp_ms),
            Some(5999),
            "newest kept"
        );
        assert_eq!(kept.len() + dropped, 6000);

        spool.save(&[]).expect("clear");
        assert!(!spool.path().exists());
    }
}

//! The job's log line format and its `JOB_STATUS=` lines (contract §10): written by
//! `pipeform-job`, counted by the metric filters, judged by `pipeform check` (`alarm.pattern`
//! tests the filters against these exact lines; `logs.last_run` reads them back).

use chrono::{DateTime, Utc};

/// What every status line contains.
pub const MARKER: &str = "JOB_STATUS=";
/// The status text of a succeeded run.
pub const SUCCEEDED: &str = "JOB_STATUS=SUCCEEDED";
/// The status text of a failed run, before its reason.
pub const FAILED: &str = "JOB_STATUS=FAILED";

/// One log line (without its newline): `<RFC 3339 UTC, ms> <LEVEL> <message>`.
pub fn line(at: DateTime<Utc>, level: &str, message: &str) -> String {
    format!("{} {level} {message}", at.format("%Y-%m-%dT%H:%M:%S%.3fZ"))
}

/// The status text of a failed run: `JOB_STATUS=FAILED reason=<one line>`.
pub fn failed(reason: &str) -> String {
    format!("{FAILED} reason={reason}")
}

/// The level a status line is written at.
pub fn level(succeeded: bool) -> &'static str {
    if succeeded {
        "INFO"
    } else {
        "ERROR"
    }
}

/// The two status lines exactly as the job writes them at `at`, failed first (with a reason of
/// the kind a bad CSV gives).
pub fn examples(at: DateTime<Utc>) -> (String, String) {
    (
        line(
            at,
            level(false),
            &failed("/var/lib/pipeform/csv/orders.csv: line 3: expected 2 fields, found 1"),
        ),
        line(at, level(true), SUCCEEDED),
    )
}

/// A status read back from a log line: `Ok(())` for success, `Err(reason)` for a failure;
/// `None` when the line holds no status.
pub fn parse(message: &str) -> Option<Result<(), String>> {
    let at = message.find(MARKER)?;
    let rest = &message[at..];
    if rest.starts_with(SUCCEEDED) {
        Some(Ok(()))
    } else if let Some(after) = rest.strip_prefix(FAILED) {
        let reason = after.trim_start().strip_prefix("reason=").unwrap_or(after);
        Some(Err(reason.trim().to_string()))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn lines_and_their_parse() {
        let at = Utc
            .with_ymd_and_hms(2026, 11, 28, 3, 0, 1)
            .single()
            .expect("time");
        let (bad, good) = examples(at);
        assert!(bad.starts_with("2026-11-28T03:00:01.000Z ERROR JOB_STATUS=FAILED reason=/var"));
        assert_eq!(good, "2026-11-28T03:00:01.000Z INFO JOB_STATUS=SUCCEEDED");
        assert_eq!(parse(&good), Some(Ok(())));
        assert_eq!(
            parse(&line(at, "ERROR", &failed("db down"))),
            Some(Err("db down".into()))
        );
        assert_eq!(parse("2026 INFO load: start"), None);
        assert_eq!(parse("JOB_STATUS=RUNNING"), None);
    }
}

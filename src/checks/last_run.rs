//! `logs.last_run`: the newest `JOB_STATUS=` event that reached the log group within the
//! schedule's longest gap plus grace (or on `--date`'s day) is a success.

use chrono::{DateTime, Utc};

use super::{log_group, Expectations, Status, Verdict};
use crate::config::missed_run::human;
use crate::inventory::Inventory;
use crate::status_line;

/// `logs.last_run`.
pub fn last_run(e: &Expectations, inv: &Inventory) -> Verdict {
    let logs = match log_group(e, inv, "no run can report") {
        Ok(f) => f,
        Err(v) => return v,
    };
    let (from, _) = e.last_run_span();
    let window = match e.date {
        Some(d) => format!("on {d}"),
        None => format!(
            "since {} (the schedule's longest gap plus grace, {})",
            stamp(from),
            human(u64::try_from(e.last_run_window.num_seconds()).unwrap_or(0))
        ),
    };
    let Some(ev) = &logs.last_status else {
        return Verdict::new(
            Status::Fail,
            &e.log_group,
            format!(
                "no JOB_STATUS= event reached {} {window}: the job did not run, or its lines did not arrive",
                e.log_group
            ),
        );
    };
    let at = DateTime::<Utc>::from_timestamp_millis(ev.at_ms).unwrap_or_default();
    let resource = format!("{}/{}", e.log_group, ev.stream);
    match status_line::parse(&ev.message) {
        Some(Ok(())) => Verdict::new(
            Status::Pass,
            resource,
            format!("last run succeeded at {}", stamp(at)),
        ),
        Some(Err(reason)) => Verdict::new(
            Status::Fail,
            resource,
            format!("last run FAILED at {}: {reason}", stamp(at)),
        ),
        None => Verdict::new(
            Status::Fail,
            resource,
            format!(
                "the newest event holding JOB_STATUS= ({}) is neither SUCCEEDED nor FAILED: {:?}",
                stamp(at),
                ev.message
            ),
        ),
    }
}

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::{area, expectations, healthy};
    use crate::inventory::AreaError;

    #[test]
    fn a_recent_success_passes() {
        let v = last_run(&expectations(), &healthy());
        assert_eq!(v.status, Status::Pass, "{}", v.detail);
        assert_eq!(v.detail, "last run succeeded at 2026-11-22 03:00:05 UTC");
        assert_eq!(v.resource, "/offsets/carbon_log/ip-10-20-1-17/2026-11-22");
    }

    #[test]
    fn a_failed_last_run_fails_with_time_and_reason() {
        let (e, mut inv) = (expectations(), healthy());
        area(&mut inv.logs)
            .last_status
            .as_mut()
            .expect("event")
            .message =
            "2026-11-22T03:00:05.000Z ERROR JOB_STATUS=FAILED reason=orders.csv: line 3".into();
        let v = last_run(&e, &inv);
        assert_eq!(v.status, Status::Fail);
        assert_eq!(
            v.detail,
            "last run FAILED at 2026-11-22 03:00:05 UTC: orders.csv: line 3"
        );
    }

    #[test]
    fn no_run_in_the_window_fails_naming_the_window() {
        let (mut e, mut inv) = (expectations(), healthy());
        area(&mut inv.logs).last_status = None;
        let v = last_run(&e, &inv);
        assert_eq!(v.status, Status::Fail);
        assert!(
            v.detail.contains("since 2026-11-21 04:00:00 UTC") && v.detail.contains("1 d 1 h"),
            "{}",
            v.detail
        );
        e.date = Some("2026-11-20".parse().expect("date"));
        assert!(last_run(&e, &inv).detail.contains("on 2026-11-20"));
    }

    #[test]
    fn unreadable_logs_are_an_error() {
        let (e, mut inv) = (expectations(), healthy());
        inv.logs = Some(Err(AreaError("timeout".into())));
        assert_eq!(last_run(&e, &inv).status, Status::Error);
    }
}

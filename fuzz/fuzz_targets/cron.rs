//! Cron schedules (five fields, as the app host's cron reads them):
//! - `validate` accepts exactly what `Schedule::parse` parses, and its normalised text parses
//!   to the same schedule (idempotence).
//! - From 2024-01-01 00:00 UTC (where `longest_gap` starts its scan), the next firings are
//!   strictly increasing, each `matches`, and no minute between two firings matches (checked
//!   minute by minute for gaps of up to a day).
//! - `longest_gap` is at least every gap between firings inside its eight-year scan, and is
//!   `None` only if the schedule fires at most once there. (A valid schedule may fire less
//!   often: `0 0 */14 1 0`, January 1, 15 or 29 on a Sunday, next fires in 2034; the missed-run
//!   window refuses it by name.)
#![no_main]

use chrono::{DateTime, Duration, NaiveDate, Utc};
use libfuzzer_sys::fuzz_target;
use pipeform_parse::config::cron::{validate, Schedule};

/// How many firings to walk: enough to cross month and year ends for sparse schedules, few
/// enough that one input stays fast.
const FIRINGS: usize = 200;

fuzz_target!(|data: &[u8]| {
    let Ok(expr) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = Schedule::parse(expr);
    let validated = validate(expr);
    assert_eq!(parsed.is_ok(), validated.is_ok(), "{expr:?}");
    let (Ok(schedule), Ok(normal)) = (parsed, validated) else {
        return;
    };
    assert_eq!(
        Schedule::parse(&normal).as_ref(),
        Ok(&schedule),
        "{normal:?}"
    );
    assert_eq!(validate(&normal).as_deref(), Ok(normal.as_str()));

    let origin: DateTime<Utc> = NaiveDate::from_ymd_opt(2024, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .expect("a real instant")
        .and_utc();
    // Firings strictly after one minute before the origin: the origin itself may fire.
    let firings = schedule.next_firings(origin - Duration::minutes(1), FIRINGS);
    let mut previous = origin - Duration::minutes(1);
    for (i, t) in firings.iter().enumerate() {
        assert!(*t > previous, "{expr:?}: {t} after {previous}");
        assert!(schedule.matches(t), "{expr:?}: {t} does not match");
        if i < 5 && *t - previous <= Duration::days(1) {
            let mut m = previous + Duration::minutes(1);
            while m < *t {
                assert!(!schedule.matches(&m), "{expr:?}: {m} matches, before {t}");
                m += Duration::minutes(1);
            }
        }
        previous = *t;
    }
    let scan_end = origin + Duration::days(8 * 366);
    let inside: Vec<_> = firings.iter().filter(|t| **t < scan_end).collect();
    match schedule.longest_gap() {
        Some(longest) => {
            for w in inside.windows(2) {
                assert!(
                    *w[1] - *w[0] <= longest,
                    "{expr:?}: gap {} > {longest}",
                    *w[1] - *w[0]
                );
            }
        }
        None => assert!(
            inside.len() <= 1,
            "{expr:?}: no longest gap, yet fires {} times",
            inside.len()
        ),
    }
});

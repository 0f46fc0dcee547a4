//! The missed-run alarm's window (contract §11): how long without a counted success before the
//! alarm fires, derived from `pipeline.schedule` and `monitoring.missed_run_grace_minutes`, and
//! fitted to what CloudWatch accepts.
//!
//! CloudWatch limits an alarm's evaluation range (period x evaluation periods) to 7 days
//! (604,800 s), and to 1 day when the period is under an hour (PutMetricAlarm's `Period`
//! reference). With `treat_missing_data = "breaching"` and every period required to breach,
//! the alarm goes to ALARM when no success was counted in the whole range; so the range must
//! cover the schedule's longest gap plus the grace, and (so a miss is reported promptly) not
//! more than twice that.

use super::cron::Schedule;

/// Longest evaluation range CloudWatch accepts, in seconds.
pub const MAX_RANGE_SECONDS: u64 = 604_800;
/// Longest range for a period under one hour, in seconds.
pub const MAX_RANGE_SHORT_PERIOD_SECONDS: u64 = 86_400;

/// The alarm's period and evaluation periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Seconds per period (60, or 3600 once the window is an hour or more).
    pub period_seconds: u32,
    /// Periods evaluated; all must breach.
    pub evaluation_periods: u32,
    /// The schedule's longest gap plus the grace, in seconds: what the range must cover.
    pub needed_seconds: u64,
}

impl Window {
    /// Period x evaluation periods, in seconds.
    pub fn range_seconds(&self) -> u64 {
        u64::from(self.period_seconds) * u64::from(self.evaluation_periods)
    }
}

/// The window for `schedule` plus `grace_minutes`, or why none fits CloudWatch's limits.
pub fn window(schedule: &str, grace_minutes: u32) -> Result<Window, String> {
    let s = Schedule::parse(schedule)?;
    let Some(gap) = s.longest_gap() else {
        return Err(format!(
            "pipeline.schedule {schedule:?} fires at most once in eight years; no missed-run alarm can watch it"
        ));
    };
    let gap_seconds = u64::try_from(gap.num_seconds()).unwrap_or(u64::MAX);
    let needed = gap_seconds.saturating_add(u64::from(grace_minutes) * 60);
    let period: u64 = if needed >= 3600 { 3600 } else { 60 };
    let periods = needed.div_ceil(period).max(1);
    let range = period * periods;
    let limit = if period < 3600 {
        MAX_RANGE_SHORT_PERIOD_SECONDS
    } else {
        MAX_RANGE_SECONDS
    };
    if range > limit {
        return Err(format!(
            "pipeline.schedule {schedule:?} can go {} without a run, plus {grace_minutes} min of grace: longer than the 7 days a CloudWatch alarm can look back; no missed-run alarm is made (run more often, or set monitoring.missed_run_alarm = false)",
            human(gap_seconds)
        ));
    }
    Ok(Window {
        period_seconds: u32::try_from(period).unwrap_or(3600),
        evaluation_periods: u32::try_from(periods).unwrap_or(u32::MAX),
        needed_seconds: needed,
    })
}

/// What the stack gets: a missed-run alarm, none on purpose, or none because the schedule is
/// too sparse (with the reason `render` warns with and `alarm.missed_run` reports).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MissedRun {
    /// `monitoring.missed_run_alarm = false`.
    Off,
    /// The schedule's gap plus grace exceeds what CloudWatch can watch.
    TooSparse(String),
    /// The alarm and its window.
    Alarm {
        /// `monitoring.missed_run_alarm_name`.
        name: String,
        /// Period and evaluation periods.
        window: Window,
    },
}

impl MissedRun {
    /// The decision for a validated stack (its schedule is valid by construction).
    pub fn of(stack: &super::Stack) -> Self {
        let m = &stack.monitoring;
        if !m.missed_run_alarm {
            return Self::Off;
        }
        match window(&stack.pipeline.schedule, m.missed_run_grace_minutes) {
            Ok(window) => Self::Alarm {
                name: m.missed_run_alarm_name.clone(),
                window,
            },
            Err(why) => Self::TooSparse(why),
        }
    }

    /// The warning `render` prints, if any.
    pub fn warning(&self) -> Option<&str> {
        match self {
            Self::TooSparse(why) => Some(why),
            _ => None,
        }
    }
}

/// How long `logs.last_run` looks back: the schedule's longest gap plus the grace (a week
/// plus the grace when the schedule fires at most once in eight years).
pub fn last_run_window(stack: &super::Stack) -> chrono::Duration {
    let gap = Schedule::parse(&stack.pipeline.schedule)
        .ok()
        .and_then(|s| s.longest_gap())
        .unwrap_or_else(|| chrono::Duration::days(7));
    gap + chrono::Duration::minutes(i64::from(stack.monitoring.missed_run_grace_minutes))
}

/// `3 d 4 h`, `16 h`, `15 min`.
pub fn human(seconds: u64) -> String {
    let (d, h, m) = (
        seconds / 86_400,
        seconds % 86_400 / 3600,
        seconds % 3600 / 60,
    );
    let mut parts = Vec::new();
    if d > 0 {
        parts.push(format!("{d} d"));
    }
    if h > 0 {
        parts.push(format!("{h} h"));
    }
    if m > 0 || parts.is_empty() {
        parts.push(format!("{m} min"));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn daily_with_an_hour_of_grace() {
        let w = window("0 3 * * *", 60).expect("fits");
        assert_eq!(w.period_seconds, 3600);
        assert_eq!(w.evaluation_periods, 25);
        assert_eq!(w.needed_seconds, 25 * 3600);
    }

    #[test]
    fn frequent_schedules_use_minute_periods_within_a_day() {
        let w = window("*/15 * * * *", 10).expect("fits");
        assert_eq!((w.period_seconds, w.evaluation_periods), (60, 25));
        let w = window("*/15 * * * *", 60).expect("fits");
        assert_eq!((w.period_seconds, w.evaluation_periods), (3600, 2));
    }

    #[test]
    fn range_covers_the_need_and_at_most_twice_it() {
        for (expr, grace) in [
            ("0 3 * * *", 60),
            ("0 3 * * *", 1),
            ("*/5 * * * *", 0),
            ("0 9,17 * * *", 30),
            ("0 3 * * mon-fri", 60),
            ("0 3 * * 0", 0),
            ("7 * * * *", 59),
        ] {
            let w = window(expr, grace).unwrap_or_else(|e| panic!("{expr}: {e}"));
            let r = w.range_seconds();
            assert!(
                r >= w.needed_seconds && r <= 2 * w.needed_seconds,
                "{expr} +{grace}: {w:?}"
            );
            let limit = if w.period_seconds < 3600 {
                86_400
            } else {
                604_800
            };
            assert!(r <= limit, "{expr}: {w:?}");
        }
    }

    #[test]
    fn weekly_fits_only_without_grace_and_monthly_never() {
        assert_eq!(
            window("0 3 * * 0", 0).map(|w| w.range_seconds()),
            Ok(604_800)
        );
        let e = window("0 3 * * 0", 60).unwrap_err();
        assert!(
            e.contains("7 days") && e.contains("missed_run_alarm = false"),
            "{e}"
        );
        assert!(window("0 3 1 * *", 60).is_err());
        // February 31 never comes: the one cron parser refuses it before any window is made.
        assert!(window("0 3 31 2 *", 60)
            .unwrap_err()
            .contains("never fires"));
    }

    fn example_with(extra: &str) -> crate::config::Stack {
        let text = include_str!("../../../../examples/pipeform.toml")
            .replace("[bucket]", &format!("{extra}\n[bucket]"));
        crate::config::parse_str(&text, std::path::Path::new("examples/pipeform.toml"))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_v1_config_gets_the_defaults_and_an_alarm() {
        let s = example_with("");
        let m = &s.monitoring;
        assert_eq!(m.success_pattern, "JOB_STATUS=SUCCEEDED");
        assert_eq!(
            m.missed_run_alarm_name,
            "carbon-unified-job-failed-alarm-missed"
        );
        assert_eq!((m.missed_run_grace_minutes, m.missed_run_alarm), (60, true));
        assert!(matches!(
            MissedRun::of(&s),
            MissedRun::Alarm { ref name, window } if name == &m.missed_run_alarm_name
                && window.range_seconds() == 25 * 3600
        ));
        assert_eq!(last_run_window(&s), chrono::Duration::hours(25));
    }

    #[test]
    fn the_new_keys_turn_it_off_rename_it_or_refuse_bad_values() {
        assert_eq!(
            MissedRun::of(&example_with("missed_run_alarm = false")),
            MissedRun::Off
        );
        let s = example_with("missed_run_alarm_name = \"quiet\"\nmissed_run_grace_minutes = 10080");
        assert!(matches!(MissedRun::of(&s), MissedRun::TooSparse(ref w) if w.contains("7 days")));
        let text = include_str!("../../../../examples/pipeform.toml")
            .replace("[bucket]", "missed_run_grace_minutes = -1\n[bucket]");
        let e = crate::config::parse_str(&text, std::path::Path::new("x.toml"))
            .expect_err("negative grace");
        assert!(
            e.to_string()
                .contains("monitoring.missed_run_grace_minutes"),
            "{e}"
        );
    }

    #[test]
    fn human_durations() {
        assert_eq!(human(86_400 * 3 + 4 * 3600), "3 d 4 h");
        assert_eq!(human(900), "15 min");
        assert_eq!(human(0), "0 min");
    }
}

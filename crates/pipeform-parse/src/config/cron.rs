//! A five-field cron expression validator (minute hour day-of-month month day-of-week), as the
//! cron daemon on the app host reads `/etc/cron.d` entries. Deliberately small: it checks, it
//! does not schedule.

/// One field's position: its name, range, and the names it accepts.
struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
    /// Value of the first name (`jan` = 1, `sun` = 0).
    names_start: u32,
}

const FIELDS: [Field; 5] = [
    Field {
        name: "minute",
        min: 0,
        max: 59,
        names: &[],
        names_start: 0,
    },
    Field {
        name: "hour",
        min: 0,
        max: 23,
        names: &[],
        names_start: 0,
    },
    Field {
        name: "day of month",
        min: 1,
        max: 31,
        names: &[],
        names_start: 0,
    },
    Field {
        name: "month",
        min: 1,
        max: 12,
        names: &[
            "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
        ],
        names_start: 1,
    },
    Field {
        name: "day of week",
        min: 0,
        max: 7,
        names: &["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
        names_start: 0,
    },
];

/// Checks a five-field cron expression; the error says which field is wrong and why.
pub fn validate(expr: &str) -> Result<String, String> {
    Schedule::parse(expr).map(|_| expr.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// A parsed five-field schedule: the set of values each field admits, as bits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    minutes: u64,
    hours: u64,
    days: u64,
    months: u64,
    /// Day of week, Sunday = bit 0 (a written 7 is folded onto 0).
    weekdays: u64,
    /// Day-of-month or day-of-week starts with '*': then a day must match both fields;
    /// otherwise either (crontab(5), Vixie cron's `DOM_STAR`/`DOW_STAR`).
    either_day: bool,
}

impl Schedule {
    /// Parses what [`validate`] accepts, rejecting what cron would reject or never fire.
    pub fn parse(expr: &str) -> Result<Self, String> {
        let fields: Vec<&str> = expr.split_whitespace().collect();
        if expr.trim_start().starts_with('@') {
            return Err(format!(
                "{expr:?}: use the five fields (minute hour day-of-month month day-of-week), not an @macro; e.g. \"0 3 * * *\" for daily at 03:00 UTC"
            ));
        }
        if fields.len() != 5 {
            return Err(format!(
                "{expr:?} has {} fields; a cron schedule has five (minute hour day-of-month month day-of-week), e.g. \"0 3 * * *\"",
                fields.len()
            ));
        }
        let mut sets = [0u64; 5];
        for ((text, field), set) in fields.iter().zip(FIELDS.iter()).zip(sets.iter_mut()) {
            *set = field_set(text, field)
                .map_err(|why| format!("{expr:?}: {} field {text:?} {why}", field.name))?;
        }
        let [minutes, hours, days, months, mut weekdays] = sets;
        if weekdays & (1 << 7) != 0 {
            weekdays = (weekdays & !(1 << 7)) | 1;
        }
        let schedule = Self {
            minutes,
            hours,
            days,
            months,
            weekdays,
            either_day: !fields[2].starts_with('*') && !fields[4].starts_with('*'),
        };
        if !schedule.either_day && !schedule.some_day_of_month_exists() {
            return Err(format!(
                "{expr:?}: day of month {:?} never falls in month {:?}, so the job never fires; pick a day every chosen month has",
                fields[2], fields[3]
            ));
        }
        Ok(schedule)
    }

    /// Some chosen day exists in some chosen month (29 February counts: leap years have it).
    fn some_day_of_month_exists(&self) -> bool {
        const LONGEST: [u32; 12] = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        (1..=12u32).any(|m| {
            self.months & (1 << m) != 0
                && (1..=LONGEST[m as usize - 1]).any(|d| self.days & (1 << d) != 0)
        })
    }

    /// True when the schedule fires at this minute (seconds are ignored).
    pub fn matches<T: chrono::Datelike + chrono::Timelike>(&self, at: &T) -> bool {
        let bit = |set: u64, v: u32| set & (1 << v) != 0;
        let day = bit(self.days, at.day());
        let weekday = bit(self.weekdays, at.weekday().num_days_from_sunday());
        let day_ok = if self.either_day {
            day || weekday
        } else {
            day && weekday
        };
        bit(self.minutes, at.minute())
            && bit(self.hours, at.hour())
            && bit(self.months, at.month())
            && day_ok
    }

    /// The first firing strictly after `after` (to the minute), or `None` if none within eight
    /// years (parse refuses schedules that never fire, so that is not reached in practice).
    pub fn next_after(
        &self,
        after: chrono::DateTime<chrono::Utc>,
    ) -> Option<chrono::DateTime<chrono::Utc>> {
        use chrono::{Datelike, Duration, Timelike};
        let mut t = after.with_second(0)?.with_nanosecond(0)? + Duration::minutes(1);
        let limit = after + Duration::days(366 * 8);
        while t <= limit {
            let bit = |set: u64, v: u32| set & (1 << v) != 0;
            let day_ok = {
                let day = bit(self.days, t.day());
                let weekday = bit(self.weekdays, t.weekday().num_days_from_sunday());
                if self.either_day {
                    day || weekday
                } else {
                    day && weekday
                }
            };
            if !bit(self.months, t.month()) || !day_ok {
                // Skip to the next day's midnight: whole days are ruled out at once.
                t = t.date_naive().succ_opt()?.and_hms_opt(0, 0, 0)?.and_utc();
            } else if !bit(self.hours, t.hour()) {
                t = t.with_minute(0)? + Duration::hours(1);
            } else if !bit(self.minutes, t.minute()) {
                t += Duration::minutes(1);
            } else {
                return Some(t);
            }
        }
        None
    }

    /// The next `n` firings after `after`, in order.
    pub fn next_firings(
        &self,
        after: chrono::DateTime<chrono::Utc>,
        n: usize,
    ) -> Vec<chrono::DateTime<chrono::Utc>> {
        let mut out = Vec::with_capacity(n);
        let mut t = after;
        while out.len() < n {
            match self.next_after(t) {
                Some(next) => {
                    out.push(next);
                    t = next;
                }
                None => break,
            }
        }
        out
    }

    /// The newest firing at or before `at` (to the minute), looking back no further than the
    /// start of day `from`; `None` when it did not fire in that span.
    pub fn last_at_or_before(
        &self,
        at: chrono::DateTime<chrono::Utc>,
        from: chrono::NaiveDate,
    ) -> Option<chrono::DateTime<chrono::Utc>> {
        use chrono::Timelike;
        let minutes = self.minutes_of_day();
        let mut day = at.date_naive();
        let mut limit = at.hour() * 60 + at.minute();
        while day >= from {
            if self.day_matches(day) {
                if let Some(m) = minutes.iter().rev().find(|m| **m <= limit) {
                    return day.and_hms_opt(m / 60, m % 60, 0).map(|t| t.and_utc());
                }
            }
            day = day.pred_opt()?;
            limit = 24 * 60 - 1;
        }
        None
    }

    /// True when the schedule fires on some minute of `day`.
    fn day_matches(&self, day: chrono::NaiveDate) -> bool {
        use chrono::Datelike;
        let bit = |set: u64, v: u32| set & (1 << v) != 0;
        if !bit(self.months, day.month()) {
            return false;
        }
        let dom = bit(self.days, day.day());
        let dow = bit(self.weekdays, day.weekday().num_days_from_sunday());
        if self.either_day {
            dom || dow
        } else {
            dom && dow
        }
    }

    /// Minutes of a matching day at which the schedule fires, in order.
    fn minutes_of_day(&self) -> Vec<u32> {
        let (hours, minutes) = (self.hours, self.minutes);
        (0..24u32)
            .filter(|h| hours & (1 << h) != 0)
            .flat_map(|h| {
                (0..60u32)
                    .filter(move |m| minutes & (1u64 << m) != 0)
                    .map(move |m| h * 60 + m)
            })
            .collect()
    }

    /// The longest time between two consecutive firings, over eight years of calendar (so
    /// month lengths, weekdays and leap days all count); `None` when it fires at most once in
    /// that span. The missed-run alarm's window is derived from it.
    pub fn longest_gap(&self) -> Option<chrono::Duration> {
        let minutes = self.minutes_of_day();
        let (first, last) = (*minutes.first()?, *minutes.last()?);
        let within = minutes.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0);
        let origin = chrono::NaiveDate::from_ymd_opt(2024, 1, 1)?;
        let mut previous: Option<i64> = None;
        let mut longest = i64::from(within);
        for offset in 0..SCAN_DAYS {
            let day = origin.checked_add_signed(chrono::Duration::days(offset))?;
            if !self.day_matches(day) {
                continue;
            }
            if let Some(prev) = previous {
                // From the previous matching day's last firing to this day's first.
                let gap = (offset - prev) * 1440 - i64::from(last) + i64::from(first);
                longest = longest.max(gap);
            }
            previous = Some(offset);
        }
        let days_matched = previous.is_some();
        let fires_twice = minutes.len() > 1 || longest > i64::from(within);
        (days_matched && fires_twice && longest > 0).then(|| chrono::Duration::minutes(longest))
    }
}

/// Eight years of days: spans every leap-day schedule, and far more than any gap a missed-run
/// alarm can be asked to cover.
const SCAN_DAYS: i64 = 8 * 366;

/// The values one field admits, as bits (bit v set = value v admitted).
fn field_set(text: &str, field: &Field) -> Result<u64, String> {
    let mut set = 0u64;
    for item in text.split(',') {
        if item.is_empty() {
            return Err("has an empty list item".into());
        }
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => (r, Some(s)),
            None => (item, None),
        };
        let (lo, hi) = if range == "*" {
            (field.min, field.max)
        } else if let Some((lo, hi)) = range.split_once('-') {
            let (lo, hi) = (value(lo, field)?, value(hi, field)?);
            if lo > hi {
                return Err(format!("has a backwards range {lo}-{hi}"));
            }
            (lo, hi)
        } else {
            let v = value(range, field)?;
            if step.is_some() {
                return Err(
                    "has a step after a single value; use a range or '*' before '/'".into(),
                );
            }
            (v, v)
        };
        let span = hi - lo;
        let mut n = 1;
        if let Some(step) = step {
            n = digits(step).ok_or_else(|| format!("has a step {step:?} that is not a number"))?;
            if n == 0 || n > span.max(1) {
                return Err(format!("has a step {n} outside 1..={}", span.max(1)));
            }
        }
        for v in (lo..=hi).step_by(n as usize) {
            set |= 1 << v;
        }
    }
    Ok(set)
}

/// A plain decimal number: digits only, as cron reads them (no sign, no spaces).
fn digits(text: &str) -> Option<u32> {
    if text.is_empty() || text.len() > 4 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn value(text: &str, field: &Field) -> Result<u32, String> {
    let lower = text.to_ascii_lowercase();
    if let Some(i) = field.names.iter().position(|n| *n == lower) {
        // Name positions are below 12, so the cast cannot truncate.
        return Ok(field.names_start + i as u32);
    }
    let n = digits(text).ok_or_else(|| {
        let names = if field.names.is_empty() {
            String::new()
        } else {
            format!(" or a name ({})", field.names.join(", "))
        };
        format!(
            "has {text:?}, which is not a number{names}; expected {}-{}",
            field.min, field.max
        )
    })?;
    if n < field.min || n > field.max {
        return Err(format!("has {n}, outside {}-{}", field.min, field.max));
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::validate;

    #[test]
    fn accepts_common_schedules() {
        for ok in [
            "0 3 * * *",
            "*/15 * * * *",
            "0 0-23/2 * * *",
            "30 4 1,15 * mon-fri",
            "0 3 * jan,jul 0",
            "0 3 * * 7",
            "5,10,15 3  * * SUN",
        ] {
            assert!(validate(ok).is_ok(), "{ok}: {:?}", validate(ok));
        }
        assert_eq!(
            validate("5,10,15 3  * * SUN").as_deref(),
            Ok("5,10,15 3 * * SUN")
        );
    }

    #[test]
    fn rejects_wrong_field_count_and_macros() {
        assert!(validate("0 3 * *").unwrap_err().contains("4 fields"));
        assert!(validate("0 0 3 * * *").unwrap_err().contains("6 fields"));
        assert!(validate("@daily").unwrap_err().contains("@macro"));
        assert!(validate("").is_err());
    }

    #[test]
    fn rejects_out_of_range_values_per_position() {
        let e = validate("60 3 * * *").unwrap_err();
        assert!(e.contains("minute") && e.contains("0-59"), "{e}");
        let e = validate("0 24 * * *").unwrap_err();
        assert!(e.contains("hour"), "{e}");
        assert!(validate("0 3 0 * *").unwrap_err().contains("day of month"));
        assert!(validate("0 3 * 13 *").unwrap_err().contains("month"));
        assert!(validate("0 3 * * 8").unwrap_err().contains("day of week"));
        assert!(validate("0 3 * * mon-sunday").is_err());
        assert!(validate("0 3 * mon * ").is_err());
    }

    #[test]
    fn rejects_bad_ranges_steps_and_lists() {
        assert!(validate("0 5-3 * * *").unwrap_err().contains("backwards"));
        assert!(validate("*/0 * * * *").unwrap_err().contains("step"));
        assert!(validate("*/61 * * * *").unwrap_err().contains("step"));
        assert!(validate("*/x * * * *")
            .unwrap_err()
            .contains("not a number"));
        assert!(validate("5/10 * * * *")
            .unwrap_err()
            .contains("single value"));
        assert!(validate("1,,2 * * * *").unwrap_err().contains("empty"));
        assert!(validate("a * * * *").unwrap_err().contains("not a number"));
    }

    #[test]
    fn rejects_signs_cron_does_not_read() {
        // Rust's integer parser takes a leading '+'; cron does not, so the entry never ran.
        for bad in [
            "+5 3 * * *",
            "0 +3 * * *",
            "*/+5 * * * *",
            "0 3 * * -1",
            "0 3 1-+5 * *",
        ] {
            let e = validate(bad).unwrap_err();
            assert!(e.contains("not a number"), "{bad}: {e}");
        }
    }

    #[test]
    fn rejects_day_month_combinations_that_never_fire() {
        for never in [
            "0 3 31 2 *",
            "0 3 30 feb *",
            "0 3 31 4,6,9,11 *",
            "0 3 30-31 2 *",
        ] {
            let e = validate(never).unwrap_err();
            assert!(e.contains("never fires"), "{never}: {e}");
        }
        // 29 February fires in leap years; a weekday makes day-of-month an alternative.
        for fires in ["0 3 29 2 *", "0 3 31 2 mon", "0 3 31 1-2 *", "0 3 */10 2 *"] {
            assert!(validate(fires).is_ok(), "{fires}: {:?}", validate(fires));
        }
        // A day-of-week starting with '*' makes both fields required (Vixie cron's rule).
        assert!(validate("0 3 31 2 */2")
            .unwrap_err()
            .contains("never fires"));
    }

    fn at(text: &str) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn next_firings_follow_crontab5() {
        use super::Schedule;
        // (schedule, after, the next firings), worked out by hand from crontab(5).
        let table: &[(&str, &str, &[&str])] = &[
            (
                "0 3 * * *",
                "2026-11-28T05:39:00Z",
                &["2026-11-29T03:00:00Z", "2026-11-30T03:00:00Z"],
            ),
            (
                "0 3 * * *",
                "2026-11-28T02:59:59Z",
                &["2026-11-28T03:00:00Z"],
            ),
            (
                "0 3 * * *",
                "2026-11-28T03:00:00Z",
                &["2026-11-29T03:00:00Z"],
            ),
            (
                "*/15 * * * *",
                "2026-12-31T23:50:00Z",
                &["2027-01-01T00:00:00Z", "2027-01-01T00:15:00Z"],
            ),
            // Both day fields restricted: either matches (the 1st, or any Monday).
            (
                "0 0 1 * mon",
                "2026-11-28T00:00:00Z",
                &[
                    "2026-11-30T00:00:00Z",
                    "2026-12-01T00:00:00Z",
                    "2026-12-07T00:00:00Z",
                ],
            ),
            // 29 February: the next leap year.
            (
                "0 0 29 2 *",
                "2026-03-01T00:00:00Z",
                &["2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"],
            ),
            // 7 is Sunday too.
            (
                "30 4 * * 7",
                "2026-11-28T00:00:00Z",
                &["2026-11-29T04:30:00Z", "2026-12-06T04:30:00Z"],
            ),
            (
                "0 0-23/6 * * *",
                "2026-11-28T13:00:00Z",
                &["2026-11-28T18:00:00Z", "2026-11-29T00:00:00Z"],
            ),
            (
                "0 3 31 * *",
                "2026-11-28T00:00:00Z",
                &[
                    "2026-12-31T03:00:00Z",
                    "2027-01-31T03:00:00Z",
                    "2027-03-31T03:00:00Z",
                ],
            ),
        ];
        for (expr, after, want) in table {
            let got = Schedule::parse(expr)
                .unwrap()
                .next_firings(at(after), want.len());
            let want: Vec<_> = want.iter().map(|w| at(w)).collect();
            assert_eq!(got, want, "{expr} after {after}");
        }
    }

    #[test]
    fn next_after_agrees_with_a_minute_by_minute_scan() {
        use super::Schedule;
        use chrono::Duration;
        // Deterministic generator over each field's pieces, so lists, ranges, steps and names
        // mix; every accepted schedule's next firing must be the first matching minute.
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        let pieces: [&[&str]; 5] = [
            &["*", "0", "*/7", "5-10", "30", "59", "0,30", "10-50/20"],
            &["*", "3", "0-5", "*/6", "23", "12,13"],
            &["*", "1", "15", "29", "30", "31", "*/10", "1-7"],
            &["*", "2", "feb", "1-3", "*/4", "12", "4,6"],
            &["*", "0", "7", "mon-fri", "sat", "*/3", "1,3"],
        ];
        let start = at("2026-11-28T05:39:00Z");
        let mut checked = 0;
        for _ in 0..60 {
            let expr: Vec<&str> = pieces
                .iter()
                .map(|p| p[next(p.len() as u64) as usize])
                .collect();
            let expr = expr.join(" ");
            let Ok(schedule) = Schedule::parse(&expr) else {
                continue;
            };
            let after = start + Duration::minutes(next(600_000) as i64);
            let got = schedule.next_after(after);
            // The scan covers 400 days (a debug-build scan is slow); beyond it next_after must
            // also find nothing nearer.
            let horizon = after + Duration::days(400);
            let mut t = after + Duration::minutes(1);
            let scanned = loop {
                if schedule.matches(&t) {
                    break Some(t);
                }
                if t > horizon {
                    break None;
                }
                t += Duration::minutes(1);
            };
            match scanned {
                Some(_) => assert_eq!(got, scanned, "{expr} after {after}"),
                None => assert!(
                    got.is_some_and(|g| g > horizon),
                    "{expr} after {after}: {got:?}"
                ),
            }
            checked += 1;
        }
        assert!(checked > 20, "only {checked} generated schedules parsed");
    }
}

#[cfg(test)]
mod schedule_tests {
    use super::Schedule;
    use chrono::{Duration, TimeZone, Utc};

    fn gap(expr: &str) -> Option<Duration> {
        Schedule::parse(expr)
            .unwrap_or_else(|e| panic!("{e}"))
            .longest_gap()
    }

    #[test]
    fn longest_gap_of_common_schedules() {
        assert_eq!(gap("0 3 * * *"), Some(Duration::days(1)));
        assert_eq!(gap("*/15 * * * *"), Some(Duration::minutes(15)));
        assert_eq!(gap("0 0-23/2 * * *"), Some(Duration::hours(2)));
        // 09:00 and 17:00: the night is the long gap.
        assert_eq!(gap("0 9,17 * * *"), Some(Duration::hours(16)));
        // Weekdays at 03:00: Friday to Monday.
        assert_eq!(gap("0 3 * * mon-fri"), Some(Duration::days(3)));
        assert_eq!(gap("30 4 * * 0"), Some(Duration::days(7)));
        assert_eq!(gap("30 4 * * 7"), Some(Duration::days(7)));
        // The 1st and 15th: the longest stretch is from the 15th of a 31-day month.
        assert_eq!(gap("0 3 1,15 * *"), Some(Duration::days(17)));
        assert_eq!(gap("0 3 1 * *"), Some(Duration::days(31)));
    }

    #[test]
    fn last_firing_at_or_before_a_moment() {
        let at = |d: u32, h: u32, m: u32| {
            Utc.with_ymd_and_hms(2026, 11, d, h, m, 0)
                .single()
                .expect("t")
        };
        let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2026, 11, d).expect("day");
        let last = |expr: &str, t, from| {
            Schedule::parse(expr)
                .unwrap_or_else(|e| panic!("{e}"))
                .last_at_or_before(t, from)
        };
        // Daily at 03:00: today's once it is 03:00, yesterday's before.
        assert_eq!(
            last("0 3 * * *", at(28, 10, 0), day(27)),
            Some(at(28, 3, 0))
        );
        assert_eq!(last("0 3 * * *", at(28, 3, 0), day(27)), Some(at(28, 3, 0)));
        assert_eq!(
            last("0 3 * * *", at(28, 2, 59), day(27)),
            Some(at(27, 3, 0))
        );
        assert_eq!(last("0 3 * * *", at(28, 2, 59), day(28)), None);
        // Every 15 minutes: the quarter hour just past.
        assert_eq!(
            last("*/15 * * * *", at(28, 10, 7), day(28)),
            Some(at(28, 10, 0))
        );
        // 2026-11-28 is a Saturday: the weekday job last ran on Friday, beyond a one-day look.
        assert_eq!(
            last("0 3 * * mon-fri", at(28, 10, 0), day(27)),
            Some(at(27, 3, 0))
        );
        assert_eq!(last("0 3 * * mon-fri", at(29, 10, 0), day(28)), None);
        assert_eq!(
            last("0 3 * * mon-fri", at(30, 10, 0), day(20)),
            Some(at(30, 3, 0))
        );
    }

    #[test]
    fn day_of_month_and_week_both_restricted_match_either() {
        // The 1st, or any Monday: never more than a week apart.
        let g = gap("0 3 1 * mon").expect("fires");
        assert!(g <= Duration::days(7), "{g}");
        // `*/2` in day of month counts as '*': both must match.
        let s = Schedule::parse("0 3 */2 * mon").expect("parse");
        let after = Utc
            .with_ymd_and_hms(2026, 11, 28, 0, 0, 0)
            .single()
            .expect("t");
        for t in s.next_firings(after, 5) {
            use chrono::Datelike;
            assert_eq!(t.weekday(), chrono::Weekday::Mon, "{t}");
            assert_eq!(t.day() % 2, 1, "{t}");
        }
    }

    #[test]
    fn schedules_that_fire_rarely_or_never() {
        assert!(gap("0 3 29 2 *").expect("leap days") >= Duration::days(365 * 4));
        assert!(
            Schedule::parse("0 3 31 2 *").is_err(),
            "February 31 never comes: refused"
        );
    }

    #[test]
    fn next_firings_in_order_after_the_given_time() {
        let s = Schedule::parse("0 3 * * *").expect("parse");
        let after = Utc
            .with_ymd_and_hms(2026, 11, 28, 3, 0, 0)
            .single()
            .expect("t");
        let next = s.next_firings(after, 2);
        assert_eq!(
            next,
            vec![
                Utc.with_ymd_and_hms(2026, 11, 29, 3, 0, 0)
                    .single()
                    .expect("t"),
                Utc.with_ymd_and_hms(2026, 11, 30, 3, 0, 0)
                    .single()
                    .expect("t"),
            ]
        );
    }
}

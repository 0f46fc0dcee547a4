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
    for (text, field) in fields.iter().zip(FIELDS.iter()) {
        check_field(text, field)
            .map_err(|why| format!("{expr:?}: {} field {text:?} {why}", field.name))?;
    }
    Ok(fields.join(" "))
}

fn check_field(text: &str, field: &Field) -> Result<(), String> {
    for item in text.split(',') {
        if item.is_empty() {
            return Err("has an empty list item".into());
        }
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => (r, Some(s)),
            None => (item, None),
        };
        let span = if range == "*" {
            field.max - field.min
        } else if let Some((lo, hi)) = range.split_once('-') {
            let (lo, hi) = (value(lo, field)?, value(hi, field)?);
            if lo > hi {
                return Err(format!("has a backwards range {lo}-{hi}"));
            }
            hi - lo
        } else {
            value(range, field)?;
            if step.is_some() {
                return Err(
                    "has a step after a single value; use a range or '*' before '/'".into(),
                );
            }
            0
        };
        if let Some(step) = step {
            let n: u32 = step
                .parse()
                .map_err(|_| format!("has a step {step:?} that is not a number"))?;
            if n == 0 || n > span.max(1) {
                return Err(format!("has a step {n} outside 1..={}", span.max(1)));
            }
        }
    }
    Ok(())
}

fn value(text: &str, field: &Field) -> Result<u32, String> {
    let lower = text.to_ascii_lowercase();
    if let Some(i) = field.names.iter().position(|n| *n == lower) {
        // Name positions are below 12, so the cast cannot truncate.
        return Ok(field.names_start + i as u32);
    }
    let n: u32 = text.parse().map_err(|_| {
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
}

/// A validated expression as the sets of values each field allows, for computing firings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    minutes: u64,
    hours: u32,
    days_of_month: u32,
    months: u16,
    /// Bit 0 = Sunday; a 7 in the expression is Sunday too.
    days_of_week: u8,
    /// Vixie cron's rule: when either day field starts with `*`, a day must match both;
    /// otherwise it matches when it matches either.
    day_fields_restricted_both: bool,
}

/// The longest time between two firings a missed-run alarm can be asked to cover is far below
/// this; eight years of days also spans every leap-day schedule of this century.
const SCAN_DAYS: i64 = 8 * 366;

impl Schedule {
    /// Parses an expression [`validate`] accepts; the error is the same message.
    pub fn parse(expr: &str) -> Result<Self, String> {
        let normal = validate(expr)?;
        let fields: Vec<&str> = normal.split(' ').collect();
        let sets: Vec<u64> = fields
            .iter()
            .zip(FIELDS.iter())
            .map(|(text, field)| expand(text, field))
            .collect::<Result<_, _>>()
            .map_err(|why| format!("{expr:?}: {why}"))?;
        // Day of week 7 is Sunday (0).
        let dow = sets[4] | ((sets[4] >> 7) & 1);
        Ok(Self {
            minutes: sets[0],
            hours: u32::try_from(sets[1]).unwrap_or(u32::MAX),
            days_of_month: u32::try_from(sets[2]).unwrap_or(u32::MAX),
            months: u16::try_from(sets[3]).unwrap_or(u16::MAX),
            days_of_week: u8::try_from(dow & 0x7f).unwrap_or(u8::MAX),
            day_fields_restricted_both: !fields[2].starts_with('*') && !fields[4].starts_with('*'),
        })
    }

    fn day_matches(&self, day: chrono::NaiveDate) -> bool {
        use chrono::Datelike;
        if self.months & (1 << day.month()) == 0 {
            return false;
        }
        let dom = self.days_of_month & (1 << day.day()) != 0;
        let dow = self.days_of_week & (1 << day.weekday().num_days_from_sunday()) != 0;
        if self.day_fields_restricted_both {
            dom || dow
        } else {
            dom && dow
        }
    }

    /// Minutes of a matching day at which the schedule fires, in order.
    fn minutes_of_day(&self) -> Vec<u32> {
        (0..24)
            .filter(|h| self.hours & (1 << h) != 0)
            .flat_map(|h| {
                (0..60)
                    .filter(|m| self.minutes & (1u64 << m) != 0)
                    .map(move |m| h * 60 + m)
            })
            .collect()
    }

    /// The next `n` firings strictly after `after` (UTC), within the next eight years.
    pub fn next_firings(
        &self,
        after: chrono::DateTime<chrono::Utc>,
        n: usize,
    ) -> Vec<chrono::DateTime<chrono::Utc>> {
        let minutes = self.minutes_of_day();
        let mut out = Vec::with_capacity(n);
        let start = after.date_naive();
        for offset in 0..SCAN_DAYS {
            if out.len() >= n {
                break;
            }
            let Some(day) = start.checked_add_signed(chrono::Duration::days(offset)) else {
                break;
            };
            if !self.day_matches(day) {
                continue;
            }
            for m in &minutes {
                let Some(t) = day.and_hms_opt(m / 60, m % 60, 0) else {
                    continue;
                };
                let t = t.and_utc();
                if t > after && out.len() < n {
                    out.push(t);
                }
            }
        }
        out
    }

    /// The longest time between two consecutive firings, over eight years of calendar (so
    /// month lengths, weekdays and leap days all count); `None` when it fires at most once in
    /// that span.
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

/// The values a (validated) field allows, as a bit set.
fn expand(text: &str, field: &Field) -> Result<u64, String> {
    let mut set = 0u64;
    for item in text.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => (
                r,
                s.parse::<u32>()
                    .map_err(|_| format!("bad step in {item:?}"))?,
            ),
            None => (item, 1),
        };
        let (lo, hi) = if range == "*" {
            (field.min, field.max)
        } else if let Some((lo, hi)) = range.split_once('-') {
            (value(lo, field)?, value(hi, field)?)
        } else {
            let v = value(range, field)?;
            (v, v)
        };
        let mut v = lo;
        while v <= hi {
            set |= 1u64 << v;
            v += step.max(1);
        }
    }
    Ok(set)
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
        assert_eq!(gap("0 3 31 2 *"), None, "February 31 never comes");
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

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

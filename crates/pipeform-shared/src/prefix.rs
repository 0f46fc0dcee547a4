//! Object-key prefix templates such as `csv/{date}` or `logs/year={year}/month={month}/day={day}`.
//!
//! The job renders them with the time of its run; `check` reads dates back out of listed keys;
//! the IAM policy is scoped to the static part before the first placeholder.

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};

/// A placeholder a template may contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placeholder {
    /// `{date}`: `YYYY-MM-DD`.
    Date,
    /// `{year}`: `YYYY`.
    Year,
    /// `{month}`: `MM`.
    Month,
    /// `{day}`: `DD`.
    Day,
    /// `{hour}`: `HH`.
    Hour,
}

impl Placeholder {
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "date" => Self::Date,
            "year" => Self::Year,
            "month" => Self::Month,
            "day" => Self::Day,
            "hour" => Self::Hour,
            _ => return None,
        })
    }

    fn render(self, at: DateTime<Utc>) -> String {
        match self {
            Self::Date => at.format("%Y-%m-%d").to_string(),
            Self::Year => format!("{:04}", at.year()),
            Self::Month => format!("{:02}", at.month()),
            Self::Day => format!("{:02}", at.day()),
            Self::Hour => format!("{:02}", at.hour()),
        }
    }

    /// Characters this placeholder renders to.
    fn width(self) -> usize {
        match self {
            Self::Date => 10,
            Self::Year => 4,
            Self::Month | Self::Day | Self::Hour => 2,
        }
    }

    /// True when `c` may appear in this placeholder's rendering (digits, and `-` in `{date}`).
    fn admits(self, c: char) -> bool {
        c.is_ascii_digit() || (self == Self::Date && c == '-')
    }
}

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Text copied as is.
    Literal(String),
    /// A placeholder filled in from the run's time.
    Placeholder(Placeholder),
}

/// A validated prefix template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrefixTemplate {
    source: String,
    parts: Vec<Part>,
}

/// Why a template was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// `{name}` is not one of the known placeholders.
    #[error("unknown placeholder {{{0}}}; use {{date}}, {{year}}, {{month}}, {{day}} or {{hour}}")]
    UnknownPlaceholder(String),
    /// A `{` without its `}`.
    #[error("unclosed '{{' at character {0}")]
    Unclosed(usize),
    /// The template cannot identify a day.
    #[error("must contain {{date}}, or all of {{year}}, {{month}} and {{day}}, so each run's day has its own prefix")]
    NoDate,
    /// A character S3 keys should not carry.
    #[error("must not start with '/' or contain '//', '\\\\' or control characters")]
    BadKey,
}

impl PrefixTemplate {
    /// Parses and validates a template.
    pub fn parse(source: &str) -> Result<Self, TemplateError> {
        if source.starts_with('/')
            || source.contains("//")
            || source.contains('\\')
            || source.chars().any(char::is_control)
        {
            return Err(TemplateError::BadKey);
        }
        let mut parts = Vec::new();
        let mut rest = source;
        let mut offset = 0;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                parts.push(Part::Literal(rest[..open].to_string()));
            }
            let close = rest[open..]
                .find('}')
                .ok_or(TemplateError::Unclosed(offset + open))?;
            let name = &rest[open + 1..open + close];
            let placeholder = Placeholder::parse(name)
                .ok_or_else(|| TemplateError::UnknownPlaceholder(name.to_string()))?;
            parts.push(Part::Placeholder(placeholder));
            offset += open + close + 1;
            rest = &rest[open + close + 1..];
        }
        if !rest.is_empty() {
            parts.push(Part::Literal(rest.to_string()));
        }
        let has = |p| parts.contains(&Part::Placeholder(p));
        let dated = has(Placeholder::Date)
            || (has(Placeholder::Year) && has(Placeholder::Month) && has(Placeholder::Day));
        if !dated {
            return Err(TemplateError::NoDate);
        }
        Ok(Self {
            source: source.to_string(),
            parts,
        })
    }

    /// The template as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The pieces, in order.
    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// The text before the first placeholder: what every rendered prefix starts with.
    pub fn static_prefix(&self) -> &str {
        match self.source.find('{') {
            Some(i) => &self.source[..i],
            None => &self.source,
        }
    }

    /// The prefix for a run at `at`, always ending in `/`.
    pub fn render(&self, at: DateTime<Utc>) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(s) => out.push_str(s),
                Part::Placeholder(p) => out.push_str(&p.render(at)),
            }
        }
        if !out.ends_with('/') {
            out.push('/');
        }
        out
    }

    /// The prefix for a whole UTC day; an `{hour}` placeholder and what follows it are cut off,
    /// so the result names every object of that day.
    pub fn render_day(&self, day: NaiveDate) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(s) => out.push_str(s),
                Part::Placeholder(Placeholder::Hour) => return out,
                Part::Placeholder(p) => out.push_str(
                    &p.render(
                        day.and_hms_opt(0, 0, 0)
                            .map_or_else(Utc::now, |t| t.and_utc()),
                    ),
                ),
            }
        }
        if !out.ends_with('/') {
            out.push('/');
        }
        out
    }

    /// Reads the day back out of an object key (or a listed common prefix) made by this template.
    /// Returns `None` when the key does not match the template up to its last date placeholder.
    pub fn date_of(&self, key: &str) -> Option<NaiveDate> {
        let (mut year, mut month, mut day, mut date) = (None, None, None, None);
        let mut rest = key;
        for part in &self.parts {
            match part {
                Part::Literal(s) => rest = rest.strip_prefix(s.as_str())?,
                Part::Placeholder(p) => {
                    let value = rest.get(..p.width())?;
                    if !value.chars().all(|c| p.admits(c)) {
                        return None;
                    }
                    match p {
                        Placeholder::Date => {
                            date = Some(NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()?)
                        }
                        Placeholder::Year => year = Some(value.parse::<i32>().ok()?),
                        Placeholder::Month => month = Some(value.parse::<u32>().ok()?),
                        Placeholder::Day => day = Some(value.parse::<u32>().ok()?),
                        Placeholder::Hour => {}
                    }
                    rest = &rest[p.width()..];
                }
            }
            if date.is_some() || (year.is_some() && month.is_some() && day.is_some()) {
                break;
            }
        }
        date.or_else(|| NaiveDate::from_ymd_opt(year?, month?, day?))
    }

    /// True when `name` could be the beginning of (or a key under) a prefix made by this
    /// template: literals match and placeholder positions hold what the placeholder renders to.
    /// `check` uses it to descend only into listed prefixes that can lead to a day.
    pub fn matches_partially(&self, name: &str) -> bool {
        let mut rest = name;
        for part in &self.parts {
            match part {
                Part::Literal(lit) => {
                    if rest.len() < lit.len() {
                        return lit.starts_with(rest);
                    }
                    match rest.strip_prefix(lit.as_str()) {
                        Some(r) => rest = r,
                        None => return false,
                    }
                }
                Part::Placeholder(p) => {
                    let take = rest
                        .char_indices()
                        .nth(p.width())
                        .map_or(rest.len(), |(i, _)| i);
                    let value = &rest[..take];
                    if !value.chars().all(|c| p.admits(c)) {
                        return false;
                    }
                    if value.len() < p.width() {
                        return true;
                    }
                    rest = &rest[take..];
                }
            }
        }
        true
    }
}

/// CSVs and logs must start in different folders: with one static prefix, a day's CSV and log
/// objects (and manifests) could share keys and overwrite each other. The message names both.
pub fn check_apart(csv: &PrefixTemplate, logs: &PrefixTemplate) -> Result<(), String> {
    if csv.static_prefix() == logs.static_prefix() {
        return Err(format!(
            "logs prefix {:?} starts like CSV prefix {:?}; give CSVs and logs different leading folders (e.g. \"csv/{{date}}\" and \"logs/{{date}}\")",
            logs.as_str(),
            csv.as_str()
        ));
    }
    Ok(())
}

impl fmt::Display for PrefixTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 7, 4, 5, 6)
            .single()
            .expect("valid time")
    }

    #[test]
    fn csv_and_log_prefixes_must_start_apart() {
        let t = |s| PrefixTemplate::parse(s).expect("valid");
        assert!(check_apart(&t("csv/{date}"), &t("logs/{date}")).is_ok());
        let e = check_apart(&t("x/{date}"), &t("x/{year}/{month}/{day}")).expect_err("same");
        assert!(
            e.contains("x/{year}/{month}/{day}") && e.contains("x/{date}"),
            "{e}"
        );
    }

    #[test]
    fn renders_date_and_hive_templates() {
        let t = PrefixTemplate::parse("csv/{date}").expect("valid");
        assert_eq!(t.render(at()), "csv/2026-03-07/");
        assert_eq!(t.static_prefix(), "csv/");
        let h = PrefixTemplate::parse("logs/year={year}/month={month}/day={day}/hour={hour}")
            .expect("valid");
        assert_eq!(h.render(at()), "logs/year=2026/month=03/day=07/hour=04/");
        assert_eq!(
            h.render_day(at().date_naive()),
            "logs/year=2026/month=03/day=07/hour="
        );
        assert_eq!(h.static_prefix(), "logs/year=");
    }

    #[test]
    fn reads_dates_back() {
        let t = PrefixTemplate::parse("csv/{date}").expect("valid");
        assert_eq!(
            t.date_of("csv/2026-03-07/a.csv.gz"),
            NaiveDate::from_ymd_opt(2026, 3, 7)
        );
        assert_eq!(t.date_of("csv/latest/a.csv.gz"), None);
        assert_eq!(t.date_of("other/2026-03-07/"), None);
        let h = PrefixTemplate::parse("l/year={year}/month={month}/day={day}").expect("valid");
        assert_eq!(
            h.date_of("l/year=2026/month=12/day=31/x"),
            NaiveDate::from_ymd_opt(2026, 12, 31)
        );
        assert_eq!(h.date_of("l/year=2026/month=13/day=31/x"), None);
    }

    #[test]
    fn partial_matches_follow_the_template() {
        let t = PrefixTemplate::parse("csv/{date}").expect("valid");
        assert!(t.matches_partially("csv/2026-11-22/"));
        assert!(t.matches_partially("csv/2026-11-22/a.csv"));
        assert!(t.matches_partially("csv/2026-1"));
        assert!(t.matches_partially("cs"));
        assert!(!t.matches_partially("csv/latest/"));
        assert!(!t.matches_partially("logs/2026-11-22/"));
        let h = PrefixTemplate::parse("logs/year={year}/month={month}/day={day}").expect("valid");
        assert!(h.matches_partially("logs/year=2026/"));
        assert!(h.matches_partially("logs/year=2026/month=11/"));
        assert!(!h.matches_partially("logs/year=2026/week=11/"));
        assert!(!h.matches_partially("logs/year=abcd/"));
        assert!(!h.matches_partially("logs/year=20-6/"));
    }

    #[test]
    fn rejects_bad_templates() {
        assert_eq!(
            PrefixTemplate::parse("csv/{week}"),
            Err(TemplateError::UnknownPlaceholder("week".into()))
        );
        assert_eq!(
            PrefixTemplate::parse("csv/{date"),
            Err(TemplateError::Unclosed(4))
        );
        assert_eq!(
            PrefixTemplate::parse("csv/static"),
            Err(TemplateError::NoDate)
        );
        assert_eq!(
            PrefixTemplate::parse("csv/{year}/{month}"),
            Err(TemplateError::NoDate)
        );
        assert_eq!(
            PrefixTemplate::parse("/csv/{date}"),
            Err(TemplateError::BadKey)
        );
    }
}

//! JUnit XML, the format every CI system can show: one suite, one test case per item.

use std::fmt::Write as _;

/// How a test case ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Passed.
    Pass,
    /// An assertion failed (a finding).
    Failure {
        /// Short message (the attribute).
        message: String,
        /// Details.
        body: String,
    },
    /// Could not be evaluated.
    Error {
        /// Short message.
        message: String,
        /// Details.
        body: String,
    },
    /// Not run, or not counted (a warning or waiver is reported as skipped with its reason).
    Skipped {
        /// Why.
        message: String,
    },
}

/// One test case.
#[derive(Debug, Clone)]
pub struct Case {
    /// Test name (a check id, a resource address).
    pub name: String,
    /// Class name (the area or resource type), for grouping in CI views.
    pub classname: String,
    /// Outcome.
    pub outcome: Outcome,
    /// Extra text shown with the case.
    pub system_out: Option<String>,
}

/// When the run started and how long it took (wall clock), for the `timestamp` and `time`
/// attributes CI systems show.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// Start of the run, UTC.
    pub started: chrono::DateTime<chrono::Utc>,
    /// Wall-clock seconds of the whole run.
    pub seconds: f64,
}

/// Renders one `<testsuites>` document with one `<testsuite>` per class name (an area: `nat`,
/// `alarm`, `drift.aws_db_instance`, ...), in order of first appearance. The areas are read
/// concurrently, so only the whole run has a wall-clock `time`; each suite carries the run's
/// `timestamp`.
pub fn render(name: &str, cases: &[Case], timing: Option<Timing>) -> String {
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let time = timing.map_or_else(String::new, |t| format!(" time=\"{:.3}\"", t.seconds));
    let timestamp = timing.map_or_else(String::new, |t| {
        format!(" timestamp=\"{}\"", t.started.format("%Y-%m-%dT%H:%M:%S"))
    });
    let _ = writeln!(
        x,
        "<testsuites name=\"{}\" {}{time}>",
        esc(name),
        counts(cases.iter())
    );
    let mut classes: Vec<&str> = Vec::new();
    for c in cases {
        if !classes.contains(&c.classname.as_str()) {
            classes.push(&c.classname);
        }
    }
    for class in classes {
        let suite: Vec<&Case> = cases.iter().filter(|c| c.classname == class).collect();
        let _ = writeln!(
            x,
            "  <testsuite name=\"{}\" {}{timestamp}>",
            esc(class),
            counts(suite.iter().copied())
        );
        for c in suite {
            case(&mut x, c);
        }
        x.push_str("  </testsuite>\n");
    }
    x.push_str("</testsuites>\n");
    x
}

/// `tests="…" failures="…" errors="…" skipped="…"` of `cases`.
fn counts<'a>(cases: impl Iterator<Item = &'a Case> + Clone) -> String {
    let n = |f: fn(&Outcome) -> bool| cases.clone().filter(|c| f(&c.outcome)).count();
    format!(
        "tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\"",
        cases.clone().count(),
        n(|o| matches!(o, Outcome::Failure { .. })),
        n(|o| matches!(o, Outcome::Error { .. })),
        n(|o| matches!(o, Outcome::Skipped { .. }))
    )
}

fn case(x: &mut String, c: &Case) {
    let _ = write!(
        x,
        "    <testcase name=\"{}\" classname=\"{}\"",
        esc(&c.name),
        esc(&c.classname)
    );
    let inner = match &c.outcome {
        Outcome::Pass => String::new(),
        Outcome::Failure { message, body } => {
            format!(
                "      <failure message=\"{}\">{}</failure>\n",
                esc(message),
                esc(body)
            )
        }
        Outcome::Error { message, body } => {
            format!(
                "      <error message=\"{}\">{}</error>\n",
                esc(message),
                esc(body)
            )
        }
        Outcome::Skipped { message } => {
            format!("      <skipped message=\"{}\"/>\n", esc(message))
        }
    };
    let out = c
        .system_out
        .as_ref()
        .map(|s| format!("      <system-out>{}</system-out>\n", esc(s)))
        .unwrap_or_default();
    if inner.is_empty() && out.is_empty() {
        x.push_str("/>\n");
    } else {
        let _ = write!(x, ">\n{inner}{out}    </testcase>\n");
    }
}

/// Escapes text for XML attributes and content; drops characters XML 1.0 cannot carry.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_outcomes_and_escapes() {
        let cases = vec![
            Case {
                name: "nat.eip".into(),
                classname: "nat".into(),
                outcome: Outcome::Pass,
                system_out: None,
            },
            Case {
                name: "alarm.actions".into(),
                classname: "alarm".into(),
                outcome: Outcome::Failure {
                    message: "no <topic>".into(),
                    body: "a & b\u{1}".into(),
                },
                system_out: None,
            },
            Case {
                name: "bucket.prefixes".into(),
                classname: "bucket".into(),
                outcome: Outcome::Skipped {
                    message: "not asked".into(),
                },
                system_out: Some("x".into()),
            },
        ];
        let xml = render("pipeform check", &cases, None);
        assert!(
            xml.contains("tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\""),
            "{xml}"
        );
        assert!(xml.contains("<testcase name=\"nat.eip\" classname=\"nat\"/>"));
        assert!(xml.contains("<failure message=\"no &lt;topic&gt;\">a &amp; b</failure>"));
        assert!(xml.contains("<skipped message=\"not asked\"/>"));
        assert!(xml.contains("<system-out>x</system-out>"));
    }
}

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

/// Renders one `<testsuites>` document with a single suite.
pub fn render(suite: &str, cases: &[Case]) -> String {
    let count = |f: fn(&Outcome) -> bool| cases.iter().filter(|c| f(&c.outcome)).count();
    let failures = count(|o| matches!(o, Outcome::Failure { .. }));
    let errors = count(|o| matches!(o, Outcome::Error { .. }));
    let skipped = count(|o| matches!(o, Outcome::Skipped { .. }));
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"{s}\" tests=\"{n}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\">",
        s = esc(suite),
        n = cases.len()
    );
    let _ = writeln!(
        x,
        "  <testsuite name=\"{s}\" tests=\"{n}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\">",
        s = esc(suite),
        n = cases.len()
    );
    for c in cases {
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
    x.push_str("  </testsuite>\n</testsuites>\n");
    x
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
        let xml = render("pipeform check", &cases);
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

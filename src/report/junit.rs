//! JUnit XML, the format every CI system can show: one suite per area, one test case per item.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

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
/// `timestamp`. quick-junit writes the XML (escaping, and dropping what XML 1.0 cannot carry).
pub fn render(
    name: &str,
    cases: &[Case],
    timing: Option<Timing>,
) -> Result<String, quick_junit::SerializeError> {
    let mut report = Report::new(name);
    if let Some(t) = timing {
        report.set_time(Duration::from_secs_f64(t.seconds.max(0.0)));
    }
    let mut classes: Vec<&str> = Vec::new();
    for c in cases {
        if !classes.contains(&c.classname.as_str()) {
            classes.push(&c.classname);
        }
    }
    for class in classes {
        let mut suite = TestSuite::new(class);
        if let Some(t) = timing {
            suite.set_timestamp(t.started.fixed_offset());
        }
        let members: Vec<&Case> = cases.iter().filter(|c| c.classname == class).collect();
        // quick-junit counts skipped cases as `disabled`; Jenkins, GitLab and the Ant schema
        // read `skipped`, so the suite says it too.
        let skipped = members
            .iter()
            .filter(|c| matches!(c.outcome, Outcome::Skipped { .. }))
            .count();
        suite
            .extra
            .insert("skipped".into(), skipped.to_string().into());
        suite.add_test_cases(members.into_iter().map(case));
        report.add_test_suite(suite);
    }
    report.to_string()
}

fn case(c: &Case) -> TestCase {
    let status = match &c.outcome {
        Outcome::Pass => TestCaseStatus::success(),
        Outcome::Failure { message, body } => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            s.set_message(message.as_str())
                .set_description(body.as_str());
            s
        }
        Outcome::Error { message, body } => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
            s.set_message(message.as_str())
                .set_description(body.as_str());
            s
        }
        Outcome::Skipped { message } => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(message.as_str());
            s
        }
    };
    let mut case = TestCase::new(c.name.as_str(), status);
    case.set_classname(c.classname.as_str());
    if let Some(out) = &c.system_out {
        case.set_system_out(out.as_str());
    }
    case
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
        let xml = render("pipeform check", &cases, None).expect("serialises");
        assert!(
            xml.contains(
                "<testsuites name=\"pipeform check\" tests=\"3\" failures=\"1\" errors=\"0\">"
            ),
            "{xml}"
        );
        assert!(
            xml.contains("<testsuite name=\"bucket\" tests=\"1\" disabled=\"1\" errors=\"0\" failures=\"0\" skipped=\"1\">"),
            "{xml}"
        );
        assert!(xml.contains("<testcase name=\"nat.eip\" classname=\"nat\">"));
        assert!(xml.contains("<failure message=\"no &lt;topic&gt;\">a &amp; b</failure>"));
        assert!(xml.contains("<skipped message=\"not asked\"/>"));
        assert!(xml.contains("<system-out>x</system-out>"));
    }
}

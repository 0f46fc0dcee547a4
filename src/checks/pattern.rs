//! `alarm.pattern`: the live metric filters count the lines the job really writes — the
//! failure filter matches the job's `JOB_STATUS=FAILED` line and not its success line, the
//! success filter the reverse. Judged by pipeform's own evaluator of the filter-pattern
//! language (moto implements no `TestMetricFilter`); where the endpoint answers
//! `TestMetricFilter`, a disagreement with it is a `warn`.

use super::{log_group, Expectations, Status, Verdict};
use crate::config::missed_run::MissedRun;
use crate::filter_pattern::{matched_words, Counts, FilterPattern, StatusJudgement};
use crate::inventory::{Inventory, MetricFilter, RemoteTest};
use crate::status_line;

/// `alarm.pattern`.
pub fn pattern(e: &Expectations, inv: &Inventory) -> Verdict {
    let logs = match log_group(e, inv, "no filter can count the job's lines") {
        Ok(f) => f,
        Err(v) => return v,
    };
    let (failed_line, succeeded_line) = status_line::examples(e.now);
    let emitting = |metric: &str| -> Option<&MetricFilter> {
        logs.metric_filters.iter().find(|f| {
            f.metrics
                .iter()
                .any(|(ns, m)| ns == &e.metric_namespace && m == metric)
        })
    };
    let success_required = !matches!(e.missed_run, MissedRun::Off);
    let mut fails = Vec::new();
    let mut warns = Vec::new();
    let mut passes = Vec::new();
    for (role, metric, required, counts) in [
        ("failure", e.metric_name.as_str(), true, Counts::Failed),
        (
            "success",
            e.success_metric_name.as_str(),
            success_required,
            Counts::Succeeded,
        ),
    ] {
        let Some(filter) = emitting(metric) else {
            if required {
                fails.push(format!(
                    "no metric filter on {} emits {}/{metric} (the {role} count)",
                    e.log_group, e.metric_namespace
                ));
            }
            continue;
        };
        let parsed = match FilterPattern::parse(&filter.pattern) {
            Ok(p) => p,
            // Not evaluated is not wrong: CloudWatch accepted the pattern, pipeform cannot read
            // it (a regular expression, or a form the evaluator lacks).
            Err(err) => {
                warns.push(format!(
                    "{role} filter {} not evaluated: {err}",
                    filter.name
                ));
                continue;
            }
        };
        let got = match parsed.judge_status(counts, &failed_line, &succeeded_line) {
            StatusJudgement::Counts => {
                passes.push(format!(
                    "{role} filter {} ({:?}) matches only the {} line",
                    filter.name,
                    filter.pattern,
                    if counts == Counts::Failed {
                        "FAILED"
                    } else {
                        "SUCCEEDED"
                    }
                ));
                counts.want()
            }
            StatusJudgement::Wrong(got, how) => {
                fails.push(format!(
                    "{role} filter {} pattern {:?} {how}; the job writes {failed_line:?} and {succeeded_line:?}",
                    filter.name, filter.pattern,
                ));
                got
            }
            StatusJudgement::NotEvaluated(err) => {
                warns.push(format!("{role} filter {} {err}", filter.name));
                continue;
            }
        };
        match &logs.remote_test {
            Some(RemoteTest::Results(results)) => {
                if let Some((_, remote)) = results.iter().find(|(p, _)| p == &filter.pattern) {
                    if *remote != got {
                        warns.push(format!(
                            "TestMetricFilter disagrees on the {role} filter: it {}, pipeform's evaluator {}",
                            matched_words(*remote),
                            matched_words(got)
                        ));
                    }
                }
            }
            Some(RemoteTest::NotAvailable(_)) | None => {}
        }
    }
    let note = match &logs.remote_test {
        Some(RemoteTest::NotAvailable(why)) => format!(" (TestMetricFilter not available: {why})"),
        Some(RemoteTest::Results(_)) => " (TestMetricFilter agrees)".into(),
        None => String::new(),
    };
    if !fails.is_empty() {
        fails.extend(warns);
        Verdict::new(Status::Fail, &e.log_group, fails.join("; "))
    } else if !warns.is_empty() {
        Verdict::new(Status::Warn, &e.log_group, warns.join("; "))
    } else {
        Verdict::new(
            Status::Pass,
            &e.log_group,
            format!("{}{note}", passes.join("; ")),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::{area, expectations, healthy};

    #[test]
    fn healthy_filters_pass_and_say_test_metric_filter_is_unavailable() {
        let v = pattern(&expectations(), &healthy());
        assert_eq!(v.status, Status::Pass, "{}", v.detail);
        assert!(
            v.detail.contains("TestMetricFilter not available"),
            "{}",
            v.detail
        );
    }

    #[test]
    fn a_pattern_that_cannot_match_fails() {
        let (e, mut inv) = (expectations(), healthy());
        area(&mut inv.logs).metric_filters[0].pattern = "\"job_status=failed\"".into();
        let v = pattern(&e, &inv);
        assert_eq!(v.status, Status::Fail);
        assert!(
            v.detail.contains("matches neither status line"),
            "{}",
            v.detail
        );
    }

    #[test]
    fn a_pattern_matching_both_lines_fails() {
        let (e, mut inv) = (expectations(), healthy());
        area(&mut inv.logs).metric_filters[1].pattern = "JOB_STATUS".into();
        let v = pattern(&e, &inv);
        assert_eq!(v.status, Status::Fail);
        assert!(
            v.detail.contains("success filter") && v.detail.contains("both"),
            "{}",
            v.detail
        );
    }

    #[test]
    fn missing_filters_fail_unless_the_missed_run_alarm_is_off() {
        let (mut e, mut inv) = (expectations(), healthy());
        area(&mut inv.logs).metric_filters.remove(1);
        assert_eq!(pattern(&e, &inv).status, Status::Fail);
        e.missed_run = MissedRun::Off;
        assert_eq!(pattern(&e, &inv).status, Status::Pass);
        area(&mut inv.logs).metric_filters.clear();
        assert_eq!(pattern(&e, &inv).status, Status::Fail);
    }

    #[test]
    fn a_disagreeing_test_metric_filter_warns_and_an_agreeing_one_passes() {
        let (e, mut inv) = (expectations(), healthy());
        area(&mut inv.logs).remote_test = Some(RemoteTest::Results(vec![
            ("JOB_STATUS=FAILED".into(), (true, false)),
            ("JOB_STATUS=SUCCEEDED".into(), (false, true)),
        ]));
        let v = pattern(&e, &inv);
        assert_eq!(v.status, Status::Pass, "{}", v.detail);
        assert!(v.detail.contains("TestMetricFilter agrees"));
        area(&mut inv.logs).remote_test = Some(RemoteTest::Results(vec![(
            "JOB_STATUS=FAILED".into(),
            (false, false),
        )]));
        let v = pattern(&e, &inv);
        assert_eq!(v.status, Status::Warn, "{}", v.detail);
        assert!(
            v.detail.contains("disagrees on the failure filter"),
            "{}",
            v.detail
        );
    }

    #[test]
    fn an_unparsable_pattern_warns() {
        let (e, mut inv) = (expectations(), healthy());
        area(&mut inv.logs).metric_filters[0].pattern = "%JOB_STATUS=FAIL(ED)?%".into();
        assert_eq!(pattern(&e, &inv).status, Status::Warn);
    }

    /// A regex in any position (standalone, as a term beside others, as a JSON value) is
    /// "not evaluated": a warn naming it, never a fail, and the other filter is still judged.
    #[test]
    fn a_regex_pattern_is_not_evaluated_never_judged_wrong() {
        for regex in [
            "%JOB_STATUS=FAILED%",
            "ERROR %JOB_STATUS=FAIL%",
            "{ $.message = %FAILED% }",
        ] {
            let (e, mut inv) = (expectations(), healthy());
            area(&mut inv.logs).metric_filters[0].pattern = regex.into();
            let v = pattern(&e, &inv);
            assert_eq!(v.status, Status::Warn, "{regex}: {}", v.detail);
            assert!(
                v.detail.contains("failure filter")
                    && v.detail.contains("not evaluated")
                    && v.detail.contains("regular expressions"),
                "{regex}: {}",
                v.detail
            );
            // The success filter is still judged: broken, it fails the check.
            area(&mut inv.logs).metric_filters[1].pattern = "JOB_STATUS".into();
            let v = pattern(&e, &inv);
            assert_eq!(v.status, Status::Fail, "{regex}: {}", v.detail);
            assert!(v.detail.contains("not evaluated"), "{}", v.detail);
        }
    }
}

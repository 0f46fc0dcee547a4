//! Failure alarm wiring: metric filter -> metric -> alarm -> topic -> subscription.

use super::{facts, log_group, Expectations, Status, Verdict};
use crate::inventory::Inventory;

/// Patterns compare without surrounding quotes: `"A=B"` and `A=B` match the same lines.
fn same_pattern(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.trim().trim_matches('"').to_string();
    norm(a) == norm(b)
}

/// `alarm.metric_filter`: the log group has a filter with the pattern emitting the metric.
pub fn metric_filter(e: &Expectations, inv: &Inventory) -> Verdict {
    let want = format!(
        "a metric filter with pattern \"{}\" emitting {}/{}",
        e.failure_pattern, e.metric_namespace, e.metric_name
    );
    let logs = match log_group(e, inv, &format!("expected it with {want}")) {
        Ok(f) => f,
        Err(v) => return v,
    };
    let hit = logs.metric_filters.iter().find(|f| {
        same_pattern(&f.pattern, &e.failure_pattern)
            && f.metrics
                .iter()
                .any(|(ns, m)| ns == &e.metric_namespace && m == &e.metric_name)
    });
    match hit {
        Some(f) => Verdict::new(
            Status::Pass,
            &e.log_group,
            format!(
                "filter {}: \"{}\" -> {}/{}",
                f.name, f.pattern, e.metric_namespace, e.metric_name
            ),
        ),
        None => {
            let found = if logs.metric_filters.is_empty() {
                "has no metric filter".to_string()
            } else {
                format!(
                    "has only {}",
                    logs.metric_filters
                        .iter()
                        .map(|f| {
                            let m = f
                                .metrics
                                .iter()
                                .map(|(ns, m)| format!("{ns}/{m}"))
                                .collect::<Vec<_>>()
                                .join(",");
                            format!("{} (\"{}\" -> {m})", f.name, f.pattern)
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            Verdict::new(
                Status::Fail,
                &e.log_group,
                format!("log group {} {found}; expected {want}", e.log_group),
            )
        }
    }
}

/// `alarm.metric_alarm`: the alarm watches the metric with Sum, threshold <= 1, `>=`.
pub fn metric_alarm(e: &Expectations, inv: &Inventory) -> Verdict {
    let cw = match facts(&inv.alarm, "CloudWatch alarms", &e.alarm_name) {
        Ok(f) => f,
        Err(f) => return f,
    };
    let Some(a) = &cw.alarm else {
        return Verdict::new(
            Status::Fail,
            &e.alarm_name,
            format!(
                "alarm {} does not exist; expected it on {}/{}",
                e.alarm_name, e.metric_namespace, e.metric_name
            ),
        );
    };
    let mut problems = Vec::new();
    let shown = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".into());
    if a.namespace.as_deref() != Some(e.metric_namespace.as_str())
        || a.metric_name.as_deref() != Some(e.metric_name.as_str())
    {
        problems.push(format!(
            "watches {}/{}; expected {}/{}",
            shown(&a.namespace),
            shown(&a.metric_name),
            e.metric_namespace,
            e.metric_name
        ));
    }
    if a.statistic.as_deref() != Some("Sum") {
        problems.push(format!(
            "statistic is {}; expected Sum",
            shown(&a.statistic)
        ));
    }
    match a.threshold {
        Some(t) if t <= 1.0 => {}
        Some(t) => problems.push(format!(
            "threshold is {t}; expected <= 1 so one failed run alarms"
        )),
        None => problems.push("has no threshold; expected <= 1".into()),
    }
    if a.comparison.as_deref() != Some("GreaterThanOrEqualToThreshold") {
        problems.push(format!(
            "comparison is {}; expected GreaterThanOrEqualToThreshold",
            shown(&a.comparison)
        ));
    }
    if problems.is_empty() {
        Verdict::new(
            Status::Pass,
            &a.name,
            format!(
                "Sum of {}/{} >= {}",
                e.metric_namespace,
                e.metric_name,
                a.threshold.unwrap_or_default()
            ),
        )
    } else {
        Verdict::new(
            Status::Fail,
            &a.name,
            format!("alarm {} {}", a.name, problems.join("; ")),
        )
    }
}

/// `alarm.actions`: alarm and OK actions include the topic.
pub fn actions(e: &Expectations, inv: &Inventory) -> Verdict {
    let cw = match facts(&inv.alarm, "CloudWatch alarms", &e.alarm_name) {
        Ok(f) => f,
        Err(f) => return f,
    };
    let sns = match facts(&inv.sns, "SNS", &e.alarm_name) {
        Ok(f) => f,
        Err(f) => return f,
    };
    let Some(a) = &cw.alarm else {
        return Verdict::new(
            Status::Skip,
            &e.alarm_name,
            format!(
                "alarm {} does not exist; see alarm.metric_alarm",
                e.alarm_name
            ),
        );
    };
    let Some(topic) = &sns.topic_arn else {
        return Verdict::new(
            Status::Fail,
            &a.name,
            format!(
                "topic {} does not exist; expected the alarm to notify it",
                e.topic_name
            ),
        );
    };
    let mut missing = Vec::new();
    if !a.alarm_actions.contains(topic) {
        missing.push(format!("alarm actions [{}]", a.alarm_actions.join(", ")));
    }
    if !a.ok_actions.contains(topic) {
        missing.push(format!("OK actions [{}]", a.ok_actions.join(", ")));
    }
    if missing.is_empty() {
        Verdict::new(
            Status::Pass,
            &a.name,
            format!("alarm and OK actions notify {topic}"),
        )
    } else {
        Verdict::new(
            Status::Fail,
            &a.name,
            format!(
                "alarm {}: {} lack {topic}; expected both to include the topic",
                a.name,
                missing.join(" and ")
            ),
        )
    }
}

/// `alarm.subscription`: the topic has a confirmed subscription (only pending ones: warn).
pub fn subscription(e: &Expectations, inv: &Inventory) -> Verdict {
    let sns = match facts(&inv.sns, "SNS", &e.topic_name) {
        Ok(f) => f,
        Err(f) => return f,
    };
    let Some(topic) = &sns.topic_arn else {
        return Verdict::new(
            Status::Fail,
            &e.topic_name,
            format!(
                "topic {} does not exist; expected it with a confirmed subscription",
                e.topic_name
            ),
        );
    };
    let pending = |arn: &str| !arn.starts_with("arn:");
    let confirmed: Vec<_> = sns
        .subscriptions
        .iter()
        .filter(|s| !pending(&s.arn))
        .collect();
    let waiting: Vec<_> = sns
        .subscriptions
        .iter()
        .filter(|s| pending(&s.arn))
        .collect();
    let list = |v: &[&crate::inventory::Subscription]| {
        v.iter()
            .map(|s| format!("{} {}", s.protocol, s.endpoint))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !confirmed.is_empty() {
        Verdict::new(
            Status::Pass,
            topic,
            format!("confirmed: {}", list(&confirmed)),
        )
    } else if !waiting.is_empty() {
        Verdict::new(
            Status::Warn,
            topic,
            format!(
                "only pending subscriptions ({}); expected one confirmed, or alarms reach nobody",
                list(&waiting)
            ),
        )
    } else {
        Verdict::new(
            Status::Fail,
            topic,
            format!(
                "topic {} has no subscriptions; expected a confirmed one (monitoring.alert_emails)",
                e.topic_name
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::{area, expectations, healthy};
    use crate::inventory::{AreaError, Subscription};

    #[test]
    fn healthy_stack_passes() {
        let (e, inv) = (expectations(), healthy());
        for f in [
            metric_filter(&e, &inv),
            metric_alarm(&e, &inv),
            actions(&e, &inv),
            subscription(&e, &inv),
        ] {
            assert_eq!(f.status, Status::Pass, "{f:?}");
        }
    }

    #[test]
    fn filter_missing_or_wrong_fails() {
        let (e, mut inv) = (expectations(), healthy());
        area(&mut inv.logs).metric_filters[0].pattern = "\"JOB_STATUS=FAILED\"".into();
        assert_eq!(metric_filter(&e, &inv).status, Status::Pass);
        area(&mut inv.logs).metric_filters[0].metrics[0].1 = "Other".into();
        let f = metric_filter(&e, &inv);
        assert_eq!(f.status, Status::Fail);
        assert!(f.detail.contains("has only job-failed"), "{}", f.detail);
        area(&mut inv.logs).metric_filters.clear();
        assert!(metric_filter(&e, &inv)
            .detail
            .contains("has no metric filter"));
        area(&mut inv.logs).group = None;
        assert!(metric_filter(&e, &inv).detail.contains("does not exist"));
    }

    #[test]
    fn alarm_settings_and_actions() {
        let (e, mut inv) = (expectations(), healthy());
        let a = area(&mut inv.alarm).alarm.as_mut().expect("alarm");
        a.threshold = Some(5.0);
        a.statistic = Some("Average".into());
        a.alarm_actions.clear();
        let f = metric_alarm(&e, &inv);
        assert_eq!(f.status, Status::Fail);
        assert!(
            f.detail.contains("statistic is Average; expected Sum")
                && f.detail.contains("threshold is 5"),
            "{}",
            f.detail
        );
        let f = actions(&e, &inv);
        assert_eq!(f.status, Status::Fail);
        assert!(f.detail.contains("alarm actions [] lack"), "{}", f.detail);
        area(&mut inv.alarm).alarm = None;
        assert_eq!(actions(&e, &inv).status, Status::Skip);
        assert_eq!(metric_alarm(&e, &inv).status, Status::Fail);
    }

    #[test]
    fn pending_subscription_warns_none_fails_error_errors() {
        let (e, mut inv) = (expectations(), healthy());
        area(&mut inv.sns).subscriptions = vec![Subscription {
            arn: "PendingConfirmation".into(),
            protocol: "email".into(),
            endpoint: "ops@example.com".into(),
        }];
        assert_eq!(subscription(&e, &inv).status, Status::Warn);
        area(&mut inv.sns).subscriptions.clear();
        assert_eq!(subscription(&e, &inv).status, Status::Fail);
        inv.sns = Some(Err(AreaError("sns:ListTopics failed: refused".into())));
        assert_eq!(subscription(&e, &inv).status, Status::Error);
        assert_eq!(actions(&e, &inv).status, Status::Error);
        assert_eq!(metric_alarm(&e, &inv).status, Status::Pass);
    }
}

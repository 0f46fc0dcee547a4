//! `alarm.missed_run`: silence is reported. A metric filter on `success_pattern` feeds the alarm
//! `missed_run_alarm_name`, which treats missing data as breaching, looks back over the
//! schedule's longest gap plus the grace (at most twice that), and notifies the topic.

use super::{facts, Expectations, Status, Verdict};
use crate::config::missed_run::human;
use crate::config::missed_run::MissedRun;
use crate::inventory::Inventory;

/// `alarm.missed_run`.
pub fn missed_run(e: &Expectations, inv: &Inventory) -> Verdict {
    let (name, window) = match &e.missed_run {
        MissedRun::Off => {
            return Verdict::new(
                Status::Skip,
                "",
                "monitoring.missed_run_alarm = false: no missed-run alarm on purpose",
            )
        }
        MissedRun::TooSparse(why) => return Verdict::new(Status::Warn, "", why.clone()),
        MissedRun::Alarm { name, window } => (name, window),
    };
    let cw = match facts(&inv.alarm, "CloudWatch alarms", name) {
        Ok(f) => f,
        Err(v) => return v,
    };
    let logs = match facts(&inv.logs, "CloudWatch Logs", &e.log_group) {
        Ok(f) => f,
        Err(v) => return v,
    };
    let sns = match facts(&inv.sns, "SNS", &e.topic_name) {
        Ok(f) => f,
        Err(v) => return v,
    };
    let mut problems = Vec::new();
    let fed = logs.metric_filters.iter().any(|f| {
        f.pattern.trim() == e.success_pattern.trim()
            && f.metrics
                .iter()
                .any(|(ns, m)| ns == &e.metric_namespace && m == &e.success_metric_name)
    });
    if !fed {
        problems.push(format!(
            "no metric filter on {} with pattern {:?} emits {}/{}",
            e.log_group, e.success_pattern, e.metric_namespace, e.success_metric_name
        ));
    }
    let Some(a) = &cw.missed_run else {
        problems.push(format!(
            "alarm {name} does not exist: a job that stops running would go unnoticed"
        ));
        return Verdict::new(Status::Fail, name, problems.join("; "));
    };
    if a.namespace.as_deref() != Some(e.metric_namespace.as_str())
        || a.metric_name.as_deref() != Some(e.success_metric_name.as_str())
    {
        problems.push(format!(
            "watches {}/{}; expected {}/{}",
            a.namespace.as_deref().unwrap_or("(none)"),
            a.metric_name.as_deref().unwrap_or("(none)"),
            e.metric_namespace,
            e.success_metric_name
        ));
    }
    match a.treat_missing_data.as_deref() {
        Some("breaching") => {}
        other => problems.push(format!(
            "TreatMissingData is {}; expected breaching (otherwise a run that never happens reads as success)",
            other.unwrap_or("(unset: missing)")
        )),
    }
    let range = u64::try_from(
        i64::from(a.period.unwrap_or(0)) * i64::from(a.evaluation_periods.unwrap_or(0)),
    )
    .unwrap_or(0);
    let needed = window.needed_seconds;
    if range < needed || range > 2 * needed {
        problems.push(format!(
            "looks back {} ({} x {} s); expected between {} (the schedule's longest gap plus grace) and twice that",
            human(range),
            a.evaluation_periods.unwrap_or(0),
            a.period.unwrap_or(0),
            human(needed)
        ));
    }
    match &sns.topic_arn {
        Some(topic) => {
            for (what, list) in [("alarm", &a.alarm_actions), ("OK", &a.ok_actions)] {
                if !list.contains(topic) {
                    problems.push(format!("{what} actions do not include topic {topic}"));
                }
            }
        }
        None => problems.push(format!("topic {} does not exist", e.topic_name)),
    }
    if problems.is_empty() {
        Verdict::new(
            Status::Pass,
            name,
            format!(
                "no success in {} ({} x {} s, missing data breaching) -> {}",
                human(range),
                a.evaluation_periods.unwrap_or(0),
                a.period.unwrap_or(0),
                e.topic_name
            ),
        )
    } else {
        Verdict::new(Status::Fail, name, problems.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::{area, expectations, healthy};

    fn missed(inv: &mut Inventory) -> &mut crate::inventory::MetricAlarm {
        area(&mut inv.alarm)
            .missed_run
            .as_mut()
            .expect("missed-run alarm")
    }

    #[test]
    fn healthy_alarm_passes() {
        let v = missed_run(&expectations(), &healthy());
        assert_eq!(v.status, Status::Pass, "{}", v.detail);
        assert!(v.detail.contains("1 d 1 h"), "{}", v.detail);
    }

    #[test]
    fn not_breaching_fails_naming_the_danger() {
        let (e, mut inv) = (expectations(), healthy());
        missed(&mut inv).treat_missing_data = Some("notBreaching".into());
        let v = missed_run(&e, &inv);
        assert_eq!(v.status, Status::Fail);
        assert!(
            v.detail.contains("notBreaching; expected breaching"),
            "{}",
            v.detail
        );
    }

    #[test]
    fn window_too_short_or_too_long_fails() {
        let (e, mut inv) = (expectations(), healthy());
        missed(&mut inv).evaluation_periods = Some(24);
        assert_eq!(missed_run(&e, &inv).status, Status::Fail);
        missed(&mut inv).evaluation_periods = Some(51);
        assert_eq!(missed_run(&e, &inv).status, Status::Fail);
        missed(&mut inv).evaluation_periods = Some(50);
        assert_eq!(missed_run(&e, &inv).status, Status::Pass);
    }

    #[test]
    fn missing_alarm_filter_or_actions_fail() {
        let (e, mut inv) = (expectations(), healthy());
        missed(&mut inv).ok_actions.clear();
        assert!(missed_run(&e, &inv).detail.contains("OK actions"));
        let mut inv = healthy();
        area(&mut inv.logs).metric_filters.remove(1);
        assert!(missed_run(&e, &inv).detail.contains("no metric filter"));
        area(&mut inv.alarm).missed_run = None;
        let v = missed_run(&e, &inv);
        assert_eq!(v.status, Status::Fail);
        assert!(v.detail.contains("does not exist"), "{}", v.detail);
    }

    #[test]
    fn off_skips_and_too_sparse_warns() {
        let (mut e, inv) = (expectations(), healthy());
        e.missed_run = MissedRun::Off;
        assert_eq!(missed_run(&e, &inv).status, Status::Skip);
        e.missed_run = MissedRun::TooSparse("monthly is too sparse".into());
        let v = missed_run(&e, &inv);
        assert_eq!(
            (v.status, v.detail.as_str()),
            (Status::Warn, "monthly is too sparse")
        );
    }
}

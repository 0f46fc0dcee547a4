//! Pure check functions: (expectations, inventory) -> findings.
//!
//! Each check of contract §5 is a function of what the config expects ([`Expectations`]) and
//! what is live ([`Inventory`]); none makes a call. A check whose facts could not be read gives
//! `error`; one whose subject is missing because another check already failed gives `skip`.

mod alarm;
mod bucket;
mod iam;
mod last_run;
mod logs;
mod missed_run;
mod nat;
pub mod nat_bootstrap;
mod pattern;
pub mod policy;
mod rds;
mod sg;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

use crate::config::missed_run::{last_run_window, MissedRun};
use crate::config::Stack;
use crate::inventory::{Area, AreaError, Inventory, LogsQuery, Needs, Query};
use crate::prefix::PrefixTemplate;

/// How a check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// As expected.
    Pass,
    /// Works, but not as it should stay (e.g. a pending subscription).
    Warn,
    /// Not as expected.
    Fail,
    /// Could not be evaluated (API error, timeout).
    Error,
    /// Not judged (its subject is missing; another check reports why).
    Skip,
}

impl Status {
    /// The contract's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Warn => "warn",
            Self::Fail => "fail",
            Self::Error => "error",
            Self::Skip => "skip",
        }
    }
}

/// The result of one check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Check id, e.g. `nat.eip`.
    pub id: &'static str,
    /// Outcome.
    pub status: Status,
    /// The resource judged (an id, name or ARN; empty when there is none).
    pub resource: String,
    /// What was found, and for anything but `pass`, what was expected.
    pub detail: String,
}

/// What a check function returns: a [`Finding`] without its id, which the runner stamps from
/// [`CHECKS`] (so an id is written in one place only).
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// Outcome.
    pub status: Status,
    /// The resource judged (empty when there is none).
    pub resource: String,
    /// What was found, and for anything but `pass`, what was expected.
    pub detail: String,
}

impl Verdict {
    fn new(status: Status, resource: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            status,
            resource: resource.into(),
            detail: detail.into(),
        }
    }

    /// The finding of check `id`.
    fn stamped(self, id: &'static str) -> Finding {
        Finding {
            id,
            status: self.status,
            resource: self.resource,
            detail: self.detail,
        }
    }
}

/// What the config says the live stack should look like.
#[derive(Debug, Clone)]
pub struct Expectations {
    /// `Project` tag.
    pub project: String,
    /// Region the stack lives in.
    pub region: String,
    /// The VPC range (the NAT masquerades it).
    pub vpc_cidr: ipnet::Ipv4Net,
    /// DB instance identifier.
    pub rds_identifier: String,
    /// Log group.
    pub log_group: String,
    /// Retention in days.
    pub retention_days: u32,
    /// Metric filter pattern.
    pub failure_pattern: String,
    /// Metric namespace.
    pub metric_namespace: String,
    /// Metric name.
    pub metric_name: String,
    /// Alarm name.
    pub alarm_name: String,
    /// Topic name.
    pub topic_name: String,
    /// Bucket name.
    pub bucket: String,
    /// CSV prefix template.
    pub csv_prefix: PrefixTemplate,
    /// Logs prefix template.
    pub logs_prefix: PrefixTemplate,
    /// Freshness window.
    pub freshness_hours: u32,
    /// The time of the check (fixed once, so every check judges the same moment).
    pub now: DateTime<Utc>,
    /// `--date`: judge this day's prefixes instead of freshness.
    pub date: Option<NaiveDate>,
    /// Filter pattern of a succeeded run.
    pub success_pattern: String,
    /// The metric the success filter emits (in `metric_namespace`).
    pub success_metric_name: String,
    /// The missed-run alarm the stack should have (or why none).
    pub missed_run: MissedRun,
    /// How far back `logs.last_run` looks: the schedule's longest gap plus grace.
    pub last_run_window: Duration,
    /// `pipeline.schedule`: which day the newest scheduled run shipped to.
    pub schedule: Option<crate::config::cron::Schedule>,
}

impl Expectations {
    /// Derives the expectations from a validated stack.
    pub fn from_stack(
        stack: &Stack,
        region: &str,
        now: DateTime<Utc>,
        date: Option<NaiveDate>,
    ) -> Self {
        Self {
            project: stack.project.name.clone(),
            region: region.to_string(),
            vpc_cidr: stack.network.vpc_cidr,
            rds_identifier: stack.rds.identifier.clone(),
            log_group: stack.monitoring.log_group.clone(),
            retention_days: stack.monitoring.retention_days.get(),
            failure_pattern: stack.monitoring.failure_pattern.clone(),
            metric_namespace: stack.monitoring.metric_namespace.clone(),
            metric_name: stack.monitoring.metric_name.clone(),
            alarm_name: stack.monitoring.alarm_name.clone(),
            topic_name: stack.monitoring.topic_name.clone(),
            bucket: stack.bucket.name.to_string(),
            csv_prefix: stack.bucket.csv_prefix.clone(),
            logs_prefix: stack.bucket.logs_prefix.clone(),
            freshness_hours: stack.bucket.freshness_hours,
            now,
            date,
            success_pattern: stack.monitoring.success_pattern.clone(),
            success_metric_name: stack.monitoring.success_metric_name(),
            missed_run: MissedRun::of(stack),
            last_run_window: last_run_window(stack),
            schedule: crate::config::cron::Schedule::parse(&stack.pipeline.schedule).ok(),
        }
    }

    /// The newest fresh day the schedule fired on at or before now (`None`: it did not fire in
    /// the fresh days). A run ships to the day it runs, so that day's manifest is the one to
    /// read first; newer days hold only what was run by hand.
    pub fn newest_run_day(&self) -> Option<NaiveDate> {
        self.schedule
            .as_ref()?
            .last_at_or_before(self.now, self.fresh_from())
            .map(|t| t.date_naive())
    }

    /// The span `logs.last_run` reads: the window before now, or `--date`'s whole UTC day.
    pub fn last_run_span(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        match self.date {
            Some(d) => {
                let start = d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
                (start, start + Duration::days(1))
            }
            None => (self.now - self.last_run_window, self.now),
        }
    }

    /// The oldest day whose prefix can still be fresh: a day is fresh until its end plus
    /// `freshness_hours`.
    pub fn fresh_from(&self) -> NaiveDate {
        let oldest_end = self.now - Duration::hours(i64::from(self.freshness_hours));
        // The day that ends after `oldest_end` is the one containing it.
        oldest_end.date_naive()
    }

    /// What the inventory must look for.
    pub fn query(&self) -> Query {
        Query {
            project: self.project.clone(),
            rds_identifier: self.rds_identifier.clone(),
            alarm_name: self.alarm_name.clone(),
            log_group: self.log_group.clone(),
            logs: {
                let (from, until) = self.last_run_span();
                let (failed, succeeded) = crate::status_line::examples(self.now);
                LogsQuery {
                    status_since_ms: from.timestamp_millis(),
                    status_until_ms: until.timestamp_millis(),
                    last_run: true,
                    test_lines: vec![failed, succeeded],
                    probe_pattern: Some(self.failure_pattern.clone()),
                }
            },
            missed_run_alarm_name: match &self.missed_run {
                MissedRun::Alarm { name, .. } => Some(name.clone()),
                _ => None,
            },
            topic_name: self.topic_name.clone(),
            bucket: self.bucket.clone(),
            csv_prefix: self.csv_prefix.clone(),
            logs_prefix: self.logs_prefix.clone(),
            fresh_from: self.fresh_from(),
            today: self.now.date_naive(),
            newest_run_day: self.newest_run_day(),
            date: self.date,
        }
    }
}

/// A check: its id, the areas of the inventory it reads, and the function that judges.
pub struct Check {
    /// Stable id (contract §5).
    pub id: &'static str,
    /// Inventory areas it needs.
    pub needs: Needs,
    /// The judgement.
    pub run: fn(&Expectations, &Inventory) -> Verdict,
}

const fn needs() -> Needs {
    Needs {
        ec2: false,
        rds: false,
        alarm: false,
        logs: false,
        sns: false,
        bucket: false,
        prefixes: false,
        iam: false,
        log_status: false,
        pattern_test: false,
    }
}

const EC2: Needs = Needs {
    ec2: true,
    ..needs()
};

/// Every check, in report order.
pub const CHECKS: &[Check] = &[
    Check {
        id: "nat.instance",
        needs: EC2,
        run: nat::instance,
    },
    Check {
        id: "nat.source_dest_check",
        needs: EC2,
        run: nat::source_dest_check,
    },
    Check {
        id: "nat.eip",
        needs: EC2,
        run: nat::eip,
    },
    Check {
        id: "nat.private_route",
        needs: EC2,
        run: nat::private_route,
    },
    Check {
        id: "nat.public_route",
        needs: EC2,
        run: nat::public_route,
    },
    Check {
        id: "nat.bootstrap",
        needs: EC2,
        run: nat_bootstrap::bootstrap,
    },
    Check {
        id: "alarm.metric_filter",
        needs: Needs {
            logs: true,
            ..needs()
        },
        run: alarm::metric_filter,
    },
    Check {
        id: "alarm.metric_alarm",
        needs: Needs {
            alarm: true,
            ..needs()
        },
        run: alarm::metric_alarm,
    },
    Check {
        id: "alarm.actions",
        needs: Needs {
            alarm: true,
            sns: true,
            ..needs()
        },
        run: alarm::actions,
    },
    Check {
        id: "alarm.subscription",
        needs: Needs {
            sns: true,
            ..needs()
        },
        run: alarm::subscription,
    },
    Check {
        id: "logs.retention",
        needs: Needs {
            logs: true,
            ..needs()
        },
        run: logs::retention,
    },
    Check {
        id: "bucket.prefixes",
        needs: Needs {
            prefixes: true,
            ..needs()
        },
        run: bucket::prefixes,
    },
    Check {
        id: "bucket.public_access",
        needs: Needs {
            bucket: true,
            ..needs()
        },
        run: bucket::public_access,
    },
    Check {
        id: "bucket.encryption",
        needs: Needs {
            bucket: true,
            ..needs()
        },
        run: bucket::encryption,
    },
    Check {
        id: "rds.private",
        needs: Needs {
            rds: true,
            ec2: true,
            ..needs()
        },
        run: rds::private,
    },
    Check {
        id: "rds.encrypted",
        needs: Needs {
            rds: true,
            ..needs()
        },
        run: rds::encrypted,
    },
    Check {
        id: "sg.ssh_open",
        needs: EC2,
        run: sg::ssh_open,
    },
    Check {
        id: "iam.instance_profile",
        needs: Needs {
            iam: true,
            ec2: true,
            ..needs()
        },
        run: iam::instance_profile,
    },
    Check {
        id: "alarm.pattern",
        needs: Needs {
            logs: true,
            pattern_test: true,
            ..needs()
        },
        run: pattern::pattern,
    },
    Check {
        id: "alarm.missed_run",
        needs: Needs {
            alarm: true,
            logs: true,
            sns: true,
            ..needs()
        },
        run: missed_run::missed_run,
    },
    Check {
        id: "logs.last_run",
        needs: Needs {
            logs: true,
            log_status: true,
            ..needs()
        },
        run: last_run::last_run,
    },
];

/// The areas `--only` accepts.
pub const AREAS: &[&str] = &["nat", "alarm", "logs", "bucket", "rds", "sg", "iam"];

/// An `--only` entry that is neither an area nor a check id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--only: unknown area or check id `{0}`; use one of the areas {areas} or a check id such as nat.eip", areas = AREAS.join(", "))]
pub struct UnknownSelector(pub String);

/// The checks `--only` selects (all when empty), in report order.
pub fn select(only: &[String]) -> Result<Vec<&'static Check>, UnknownSelector> {
    let only: Vec<&str> = only
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    for s in &only {
        if !AREAS.contains(s) && !CHECKS.iter().any(|c| c.id == *s) {
            return Err(UnknownSelector((*s).to_string()));
        }
    }
    Ok(CHECKS
        .iter()
        .filter(|c| {
            only.is_empty()
                || only
                    .iter()
                    .any(|s| c.id == *s || c.id.split('.').next() == Some(*s))
        })
        .collect())
}

/// The union of what `checks` need.
pub fn needs_of(checks: &[&Check]) -> Needs {
    checks.iter().fold(needs(), |a, c| Needs {
        ec2: a.ec2 || c.needs.ec2,
        rds: a.rds || c.needs.rds,
        alarm: a.alarm || c.needs.alarm,
        logs: a.logs || c.needs.logs,
        sns: a.sns || c.needs.sns,
        bucket: a.bucket || c.needs.bucket,
        prefixes: a.prefixes || c.needs.prefixes,
        iam: a.iam || c.needs.iam,
        log_status: a.log_status || c.needs.log_status,
        pattern_test: a.pattern_test || c.needs.pattern_test,
    })
}

/// Runs `checks` over the inventory.
pub fn run(checks: &[&Check], expect: &Expectations, inventory: &Inventory) -> Vec<Finding> {
    checks
        .iter()
        .map(|c| (c.run)(expect, inventory).stamped(c.id))
        .collect()
}

/// The log group's facts when it exists; otherwise the verdict that says so, with `then` saying
/// what its absence means for the check.
fn log_group<'a>(
    e: &Expectations,
    inv: &'a Inventory,
    then: &str,
) -> Result<&'a crate::inventory::LogsFacts, Verdict> {
    let logs = facts(&inv.logs, "CloudWatch Logs", &e.log_group)?;
    if logs.group.is_none() {
        return Err(Verdict::new(
            Status::Fail,
            &e.log_group,
            format!("log group {} does not exist; {then}", e.log_group),
        ));
    }
    Ok(logs)
}

/// The facts of an area, or the finding that says they could not be read.
fn facts<'a, T>(area: &'a Area<T>, what: &str, resource: &str) -> Result<&'a T, Verdict> {
    match area {
        Some(Ok(facts)) => Ok(facts),
        Some(Err(AreaError(e))) => Err(Verdict::new(
            Status::Error,
            resource,
            format!("could not read {what}: {e}"),
        )),
        None => Err(Verdict::new(
            Status::Error,
            resource,
            format!("{what} was not gathered"),
        )),
    }
}

#[cfg(test)]
pub(crate) mod fixtures;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_selects_areas_and_ids_and_rejects_the_rest() {
        assert_eq!(select(&[]).expect("all").len(), 21);
        let ids: Vec<_> = select(&["nat".into(), "bucket.encryption".into()])
            .expect("known")
            .iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(
            ids,
            [
                "nat.instance",
                "nat.source_dest_check",
                "nat.eip",
                "nat.private_route",
                "nat.public_route",
                "nat.bootstrap",
                "bucket.encryption"
            ]
        );
        assert_eq!(
            select(&["network".into()]).err(),
            Some(UnknownSelector("network".into()))
        );
        let n = needs_of(&select(&["bucket".into()]).expect("known"));
        assert!(n.bucket && n.prefixes && !n.ec2 && !n.iam);
    }

    #[test]
    fn fresh_from_counts_from_the_end_of_the_day() {
        let mut e = fixtures::expectations();
        e.now = "2026-11-22T05:00:00Z".parse().expect("time");
        e.freshness_hours = 26;
        // 2026-11-21 ends at 22T00:00, within 26 h; 2026-11-20 ended 29 h ago.
        assert_eq!(
            e.fresh_from(),
            NaiveDate::from_ymd_opt(2026, 11, 21).expect("date")
        );
    }

    #[test]
    fn newest_run_day_is_the_fresh_day_the_schedule_last_fired_on() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).expect("date");
        let mut e = fixtures::expectations();
        // Daily at 03:00: today's run has happened at 05:00, not at 02:00.
        e.now = "2026-11-22T05:00:00Z".parse().expect("time");
        assert_eq!(e.newest_run_day(), Some(day(22)));
        assert_eq!(e.query().newest_run_day, Some(day(22)));
        e.now = "2026-11-22T02:00:00Z".parse().expect("time");
        assert_eq!(e.newest_run_day(), Some(day(21)));
        // Weekly on Mondays (2026-11-16): not within the fresh days of Sunday the 22nd.
        e.schedule = crate::config::cron::Schedule::parse("0 3 * * mon").ok();
        assert_eq!(e.newest_run_day(), None);
        e.schedule = None;
        assert_eq!(e.newest_run_day(), None);
    }
}

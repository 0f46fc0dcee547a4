//! CloudWatch Logs: the log group named in the config, its metric filters, the newest
//! `JOB_STATUS=` event in the window `logs.last_run` judges, and (where the endpoint has it)
//! `TestMetricFilter` on the live filters' patterns.
//!
//! Rounds: the group, the filters, the status events and one `TestMetricFilter` of the
//! configured failure pattern (the probe) are read at once; the other live patterns are tested
//! when the filters are known. The probe both answers for the live failure filter of a healthy
//! stack and tells whether the endpoint has `TestMetricFilter` at all: where it does not
//! (moto), nothing more is asked.

use aws_sdk_cloudwatchlogs::Client;

use super::{
    sdk_error, AllPages, AreaError, LogGroup, LogsFacts, MetricFilter, RemoteTest, StatusEvent,
};

/// What the logs area reads besides the group and its filters.
#[derive(Debug, Clone)]
pub struct LogsQuery {
    /// Window of `logs.last_run`: from, until (ms since the epoch).
    pub status_since_ms: i64,
    /// End of the window.
    pub status_until_ms: i64,
    /// Read the newest status event (only when `logs.last_run` is asked for).
    pub last_run: bool,
    /// Lines to test the live filter patterns against (`alarm.pattern`); empty: no test.
    pub test_lines: Vec<String>,
    /// The pattern tested in round 1, before the live filters are known (the configured
    /// failure pattern); `None`: every test waits for the filters.
    pub probe_pattern: Option<String>,
}

/// Most pages of status events read: a day of a job that runs every minute is ~3 pages.
const STATUS_PAGES: usize = 20;

/// Gathers log group `name`, its metric filters and what `q` asks for.
pub(super) async fn gather(
    client: &Client,
    name: &str,
    q: &LogsQuery,
) -> Result<LogsFacts, AreaError> {
    let groups = async {
        client
            .describe_log_groups()
            .log_group_name_prefix(name)
            .into_paginator()
            .items()
            .send()
            .all("logs:DescribeLogGroups")
            .await
    };
    let probe = async {
        match &q.probe_pattern {
            Some(pattern) if !q.test_lines.is_empty() => {
                Some(test_pattern(client.clone(), pattern.clone(), q.test_lines.clone()).await)
            }
            _ => None,
        }
    };
    let filters_then_test = async {
        let (filters, probe) = tokio::join!(filters(client, name), probe);
        let filters = filters?;
        let remote = if q.test_lines.is_empty() {
            None
        } else {
            Some(remote_test(client, &filters, &q.test_lines, probe).await)
        };
        Ok::<_, AreaError>((filters, remote))
    };
    let status = async {
        if q.last_run {
            newest_status(client, name, q.status_since_ms, q.status_until_ms).await
        } else {
            Ok(None)
        }
    };
    // The filters first: the tests of their patterns wait for them.
    let ((metric_filters, remote_test), groups, last_status) =
        tokio::try_join!(filters_then_test, groups, status)?;
    let group = groups
        .iter()
        .find(|g| g.log_group_name() == Some(name))
        .map(|g| LogGroup {
            name: name.to_string(),
            retention_days: g.retention_in_days(),
            arn: g.arn().map(String::from),
        });
    Ok(LogsFacts {
        group,
        metric_filters,
        last_status,
        remote_test,
    })
}

async fn filters(client: &Client, name: &str) -> Result<Vec<MetricFilter>, AreaError> {
    let filters = match client
        .describe_metric_filters()
        .log_group_name(name)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
    {
        Ok(filters) => filters,
        // No group, no filters: the group check reports the missing group.
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            Vec::new()
        }
        Err(e) => return Err(sdk_error("logs:DescribeMetricFilters", e)),
    };
    Ok(filters
        .iter()
        .map(|f| MetricFilter {
            name: f.filter_name().unwrap_or_default().to_string(),
            pattern: f.filter_pattern().unwrap_or_default().to_string(),
            metrics: f
                .metric_transformations()
                .iter()
                .map(|t| {
                    (
                        t.metric_namespace().to_string(),
                        t.metric_name().to_string(),
                    )
                })
                .collect(),
        })
        .collect())
}

/// The newest event holding `JOB_STATUS=` in the window; `None` when there is none (or no
/// group: `logs.retention` reports that).
async fn newest_status(
    client: &Client,
    group: &str,
    since_ms: i64,
    until_ms: i64,
) -> Result<Option<StatusEvent>, AreaError> {
    let mut pages = client
        .filter_log_events()
        .log_group_name(group)
        .filter_pattern(format!("\"{}\"", crate::status_line::MARKER))
        .start_time(since_ms)
        .end_time(until_ms)
        .into_paginator()
        .send();
    let mut newest: Option<StatusEvent> = None;
    for _ in 0..STATUS_PAGES {
        let Some(page) = pages.next().await else {
            break;
        };
        let page = match page {
            Ok(p) => p,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                return Ok(None)
            }
            Err(e) => return Err(sdk_error("logs:FilterLogEvents", e)),
        };
        for ev in page.events() {
            let at_ms = ev.timestamp().unwrap_or(0);
            if newest.as_ref().is_none_or(|n| at_ms >= n.at_ms) {
                newest = Some(StatusEvent {
                    at_ms,
                    message: ev.message().unwrap_or_default().to_string(),
                    stream: ev.log_stream_name().unwrap_or_default().to_string(),
                });
            }
        }
    }
    Ok(newest)
}

/// What one `TestMetricFilter` call said: the pattern and, per line, whether it matched; or
/// why there is no answer.
type PatternTest = Result<(String, Vec<bool>), String>;

/// `TestMetricFilter` on each distinct live pattern against `lines`, all at once and without
/// retries (a refusal is an answer, not a fault), except the one `probe` already answered. An
/// endpoint without it (moto answers HTTP 500 NotImplemented) gives
/// [`RemoteTest::NotAvailable`], never an error; when the probe found that, nothing more is
/// sent.
async fn remote_test(
    client: &Client,
    filters: &[MetricFilter],
    lines: &[String],
    probe: Option<PatternTest>,
) -> RemoteTest {
    let mut answered = Vec::new();
    match probe {
        Some(Err(why)) => return RemoteTest::NotAvailable(why),
        Some(Ok(probed)) => answered.push(probed),
        None => {}
    }
    let mut patterns: Vec<&str> = filters.iter().map(|f| f.pattern.as_str()).collect();
    patterns.sort_unstable();
    patterns.dedup();
    let mut calls = tokio::task::JoinSet::new();
    for p in &patterns {
        if answered.iter().any(|(done, _)| done == p) {
            continue;
        }
        calls.spawn(test_pattern(client.clone(), p.to_string(), lines.to_vec()));
    }
    for r in calls.join_all().await {
        match r {
            Ok(probed) => answered.push(probed),
            Err(why) => return RemoteTest::NotAvailable(why),
        }
    }
    // The live patterns only: a probe of a pattern no filter has any more is not reported.
    RemoteTest::Results(
        patterns
            .iter()
            .filter_map(|p| answered.iter().find(|(done, _)| done == p))
            .map(|(p, hit)| {
                (
                    p.clone(),
                    (hit.first() == Some(&true), hit.get(1) == Some(&true)),
                )
            })
            .collect(),
    )
}

/// One `TestMetricFilter` of `pattern` against `lines`, without retries.
async fn test_pattern(client: Client, pattern: String, lines: Vec<String>) -> PatternTest {
    let out = client
        .test_metric_filter()
        .filter_pattern(&pattern)
        .set_log_event_messages(Some(lines.clone()))
        .customize()
        .config_override(
            aws_sdk_cloudwatchlogs::config::Builder::default()
                .retry_config(aws_config::retry::RetryConfig::disabled()),
        )
        .send()
        .await;
    match out {
        Ok(out) => {
            let hit: Vec<bool> = lines
                .iter()
                .map(|l| {
                    out.matches()
                        .iter()
                        .any(|m| m.event_message() == Some(l.as_str()))
                })
                .collect();
            Ok((pattern, hit))
        }
        Err(e) => {
            let status = e.raw_response().map(|r| r.status().as_u16());
            let code =
                aws_sdk_cloudwatchlogs::error::ProvideErrorMetadata::code(&e).map(str::to_string);
            Err(match (status, code.as_deref()) {
                (_, Some("NotImplemented")) | (Some(500 | 501), _) => {
                    "the endpoint does not implement it".to_string()
                }
                _ => sdk_error("logs:TestMetricFilter", e).0,
            })
        }
    }
}

//! CloudWatch Logs: the log group named in the config and its metric filters.

use aws_sdk_cloudwatchlogs::Client;

use super::{sdk_error, AllPages, AreaError, LogGroup, LogsFacts, MetricFilter};

/// Gathers log group `name` and its metric filters (both calls at once).
pub(super) async fn gather(client: &Client, name: &str) -> Result<LogsFacts, AreaError> {
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
    let filters = async {
        match client
            .describe_metric_filters()
            .log_group_name(name)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
        {
            Ok(filters) => Ok(filters),
            // No group, no filters: the group check reports the missing group.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                Ok(Vec::new())
            }
            Err(e) => Err(sdk_error("logs:DescribeMetricFilters", e)),
        }
    };
    let (groups, filters) = tokio::try_join!(groups, filters)?;
    let group = groups
        .iter()
        .find(|g| g.log_group_name() == Some(name))
        .map(|g| LogGroup {
            name: name.to_string(),
            retention_days: g.retention_in_days(),
            arn: g.arn().map(String::from),
        });
    let metric_filters = filters
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
        .collect();
    Ok(LogsFacts {
        group,
        metric_filters,
    })
}

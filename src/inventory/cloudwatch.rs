//! CloudWatch: the alarm named in the config, and the missed-run alarm in the same call.

use aws_sdk_cloudwatch::Client;

use super::{sdk_error, AlarmFacts, AreaError, MetricAlarm};

/// Gathers alarm `name` and, when given, the missed-run alarm (one DescribeAlarms for both;
/// absent is a fact, not an error).
pub(super) async fn gather(
    client: &Client,
    name: &str,
    missed_run: Option<&str>,
) -> Result<AlarmFacts, AreaError> {
    let mut call = client.describe_alarms().alarm_names(name);
    if let Some(other) = missed_run {
        call = call.alarm_names(other);
    }
    let out = call
        .send()
        .await
        .map_err(|e| sdk_error("cloudwatch:DescribeAlarms", e))?;
    let find = |name: &str| {
        out.metric_alarms()
            .iter()
            .find(|a| a.alarm_name() == Some(name))
            .map(|a| MetricAlarm {
                name: name.to_string(),
                arn: a.alarm_arn().map(String::from),
                namespace: a.namespace().map(String::from),
                metric_name: a.metric_name().map(String::from),
                statistic: a.statistic().map(|s| s.as_str().to_string()),
                threshold: a.threshold(),
                comparison: a.comparison_operator().map(|c| c.as_str().to_string()),
                alarm_actions: a.alarm_actions().to_vec(),
                ok_actions: a.ok_actions().to_vec(),
                treat_missing_data: a.treat_missing_data().map(str::to_string),
                period: a.period(),
                evaluation_periods: a.evaluation_periods(),
            })
    };
    let alarm = find(name);
    let missed_run = missed_run.and_then(find);
    Ok(AlarmFacts { alarm, missed_run })
}

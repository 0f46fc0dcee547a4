//! CloudWatch: the alarm named in the config.

use aws_sdk_cloudwatch::Client;

use super::{sdk_error, AlarmFacts, AreaError, MetricAlarm};

/// Gathers alarm `name` (absent is a fact, not an error).
pub(super) async fn gather(client: &Client, name: &str) -> Result<AlarmFacts, AreaError> {
    let out = client
        .describe_alarms()
        .alarm_names(name)
        .send()
        .await
        .map_err(|e| sdk_error("cloudwatch:DescribeAlarms", e))?;
    let alarm = out
        .metric_alarms()
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
        });
    Ok(AlarmFacts { alarm })
}

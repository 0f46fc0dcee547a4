//! SNS: the topic named in the config and its subscriptions.

use aws_sdk_sns::Client;

use super::{sdk_error, AllPages, AreaError, SnsFacts, Subscription};

/// The ARN topic `name` has in the account and region of `alarm_arn` (any ARN of the account
/// would do: `arn:PARTITION:SERVICE:REGION:ACCOUNT:...`).
pub fn topic_arn_beside(alarm_arn: &str, name: &str) -> Option<String> {
    let parts: Vec<&str> = alarm_arn.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", partition, _, region, account, _]
            if !partition.is_empty() && !region.is_empty() && !account.is_empty() =>
        {
            Some(format!("arn:{partition}:sns:{region}:{account}:{name}"))
        }
        _ => None,
    }
}

/// Gathers topic `name` and its subscriptions. With `known_arn` (see [`topic_arn_beside`]) the
/// subscriptions are listed straight away; when that topic does not exist, or without it, the
/// topic is found by listing (SNS has no lookup by name).
pub(super) async fn gather(
    client: &Client,
    name: &str,
    known_arn: Option<String>,
) -> Result<SnsFacts, AreaError> {
    if let Some(arn) = known_arn {
        match subscriptions(client, &arn).await {
            Ok(subscriptions) => {
                return Ok(SnsFacts {
                    topic_arn: Some(arn),
                    subscriptions,
                })
            }
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_not_found_exception()) => {}
            Err(e) => return Err(sdk_error("sns:ListSubscriptionsByTopic", e)),
        }
    }
    let topics = client
        .list_topics()
        .into_paginator()
        .items()
        .send()
        .all("sns:ListTopics")
        .await?;
    let suffix = format!(":{name}");
    let Some(topic_arn) = topics
        .iter()
        .filter_map(|t| t.topic_arn())
        .find(|arn| arn.ends_with(&suffix))
        .map(String::from)
    else {
        return Ok(SnsFacts::default());
    };
    let subscriptions = subscriptions(client, &topic_arn)
        .await
        .map_err(|e| sdk_error("sns:ListSubscriptionsByTopic", e))?;
    Ok(SnsFacts {
        topic_arn: Some(topic_arn),
        subscriptions,
    })
}

type SubscriptionsError = aws_sdk_sns::error::SdkError<
    aws_sdk_sns::operation::list_subscriptions_by_topic::ListSubscriptionsByTopicError,
    aws_sdk_sns::config::http::HttpResponse,
>;

/// Every subscription of topic `arn`, all pages.
async fn subscriptions(
    client: &Client,
    arn: &str,
) -> Result<Vec<Subscription>, SubscriptionsError> {
    let items: Vec<_> = client
        .list_subscriptions_by_topic()
        .topic_arn(arn)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<_, _>>()
        .await?;
    Ok(items
        .iter()
        .map(|s| Subscription {
            arn: s.subscription_arn().unwrap_or_default().to_string(),
            protocol: s.protocol().unwrap_or_default().to_string(),
            endpoint: s.endpoint().unwrap_or_default().to_string(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::topic_arn_beside;

    #[test]
    fn topic_arn_comes_from_the_alarms_account_and_region() {
        assert_eq!(
            topic_arn_beside(
                "arn:aws:cloudwatch:ap-northeast-2:123456789012:alarm:job-failed",
                "offsets-alerts"
            )
            .as_deref(),
            Some("arn:aws:sns:ap-northeast-2:123456789012:offsets-alerts")
        );
        assert_eq!(
            topic_arn_beside(
                "arn:aws-cn:cloudwatch:cn-north-1:123456789012:alarm:a:b",
                "t"
            )
            .as_deref(),
            Some("arn:aws-cn:sns:cn-north-1:123456789012:t")
        );
        assert_eq!(topic_arn_beside("not-an-arn", "t"), None);
        assert_eq!(topic_arn_beside("arn:aws:cloudwatch:::alarm:x", "t"), None);
    }
}

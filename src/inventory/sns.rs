//! SNS: the topic named in the config and its subscriptions.

use aws_sdk_sns::Client;

use super::{AllPages, AreaError, SnsFacts, Subscription};

/// Gathers topic `name` (found by listing: SNS has no lookup by name) and its subscriptions.
pub(super) async fn gather(client: &Client, name: &str) -> Result<SnsFacts, AreaError> {
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
    let subscriptions = client
        .list_subscriptions_by_topic()
        .topic_arn(&topic_arn)
        .into_paginator()
        .items()
        .send()
        .all("sns:ListSubscriptionsByTopic")
        .await?
        .iter()
        .map(|s| Subscription {
            arn: s.subscription_arn().unwrap_or_default().to_string(),
            protocol: s.protocol().unwrap_or_default().to_string(),
            endpoint: s.endpoint().unwrap_or_default().to_string(),
        })
        .collect();
    Ok(SnsFacts {
        topic_arn: Some(topic_arn),
        subscriptions,
    })
}

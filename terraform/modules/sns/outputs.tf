output "topic_arn" {
  description = "ARN of the SNS topic."
  value       = aws_sns_topic.this.arn
}

output "topic_name" {
  description = "Name of the SNS topic."
  value       = aws_sns_topic.this.name
}

output "subscription_arns" {
  description = "ARNs of the e-mail subscriptions, keyed by address (\"pending confirmation\" until confirmed on real AWS)."
  value       = { for k, s in aws_sns_topic_subscription.this : k => s.arn }
}

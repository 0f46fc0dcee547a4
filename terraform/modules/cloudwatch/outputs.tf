output "log_group_name" {
  description = "Name of the log group."
  value       = aws_cloudwatch_log_group.this.name
}

output "log_group_arn" {
  description = "ARN of the log group (without the trailing \":*\")."
  value       = aws_cloudwatch_log_group.this.arn
}

output "metric_filter_name" {
  description = "Name of the metric filter."
  value       = aws_cloudwatch_log_metric_filter.this.name
}

output "alarm_name" {
  description = "Name of the metric alarm."
  value       = aws_cloudwatch_metric_alarm.this.alarm_name
}

output "alarm_arn" {
  description = "ARN of the metric alarm."
  value       = aws_cloudwatch_metric_alarm.this.arn
}

output "success_metric_filter_name" {
  description = "Name of the metric filter counting succeeded runs."
  value       = aws_cloudwatch_log_metric_filter.success.name
}

output "missed_run_alarm_name" {
  description = "Name of the missed-run alarm; null when none is made."
  value       = one(aws_cloudwatch_metric_alarm.missed_run[*].alarm_name)
}

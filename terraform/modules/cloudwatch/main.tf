resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_158:Log group data is encrypted at rest by CloudWatch Logs by default; a customer-managed KMS key is not part of this stack
  #checkov:skip=CKV_AWS_338:Retention is the operator's choice (monitoring.retention_days), validated against the values CloudWatch accepts
  name              = var.log_group_name
  retention_in_days = var.retention_days

  tags = merge(var.tags, {
    Name = var.log_group_name
  })
}

resource "aws_cloudwatch_log_metric_filter" "this" {
  name           = coalesce(var.metric_filter_name, "${var.metric_name}-filter")
  log_group_name = aws_cloudwatch_log_group.this.name
  pattern        = var.failure_pattern

  metric_transformation {
    namespace     = var.metric_namespace
    name          = var.metric_name
    value         = "1"
    default_value = var.metric_default_value
  }
}

resource "aws_cloudwatch_metric_alarm" "this" {
  alarm_name        = var.alarm_name
  alarm_description = "A line matching ${jsonencode(var.failure_pattern)} reached ${var.log_group_name}: the batch job failed."

  namespace           = var.metric_namespace
  metric_name         = var.metric_name
  statistic           = "Sum"
  period              = var.alarm_period_seconds
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"

  alarm_actions = var.alarm_topic_arns
  ok_actions    = var.alarm_topic_arns

  tags = merge(var.tags, {
    Name = var.alarm_name
  })

  # The alarm watches the metric the filter emits; create the filter first.
  depends_on = [aws_cloudwatch_log_metric_filter.this]
}

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

# The missed-run path (contract §11): successes are counted, and silence is a breach, so a job
# that never runs (cron gone, host stopped, a crash before its status line) reaches the topic.
resource "aws_cloudwatch_log_metric_filter" "success" {
  name           = "${var.success_metric_name}-filter"
  log_group_name = aws_cloudwatch_log_group.this.name
  pattern        = var.success_pattern

  metric_transformation {
    namespace = var.metric_namespace
    name      = var.success_metric_name
    value     = "1"
  }
}

resource "aws_cloudwatch_metric_alarm" "missed_run" {
  count = var.missed_run_alarm_name == null ? 0 : 1

  alarm_name        = var.missed_run_alarm_name
  alarm_description = "No line matching ${jsonencode(var.success_pattern)} reached ${var.log_group_name} for ${var.missed_run_period_seconds * var.missed_run_evaluation_periods} s: the batch job did not run, or did not finish."

  namespace           = var.metric_namespace
  metric_name         = var.success_metric_name
  statistic           = "Sum"
  period              = var.missed_run_period_seconds
  evaluation_periods  = var.missed_run_evaluation_periods
  datapoints_to_alarm = var.missed_run_evaluation_periods
  threshold           = 1
  comparison_operator = "LessThanThreshold"
  # No success counted in a period is missing data; that is exactly the breach to report.
  treat_missing_data = "breaching"

  alarm_actions = var.alarm_topic_arns
  ok_actions    = var.alarm_topic_arns

  tags = merge(var.tags, {
    Name = var.missed_run_alarm_name
  })

  depends_on = [aws_cloudwatch_log_metric_filter.success]
}

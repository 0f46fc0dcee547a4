variable "log_group_name" {
  description = "Name of the log group the batch job writes to."
  type        = string
}

variable "retention_days" {
  description = "Days log events are kept; one of the values CloudWatch Logs accepts."
  type        = number
}

variable "failure_pattern" {
  description = "CloudWatch Logs filter pattern that marks a failed run, e.g. \"JOB_STATUS=FAILED\"."
  type        = string
}

variable "metric_filter_name" {
  description = "Name of the metric filter; null gives \"<metric_name>-filter\"."
  type        = string
  default     = null
}

variable "metric_namespace" {
  description = "Namespace of the custom metric."
  type        = string
}

variable "metric_name" {
  description = "Name of the custom metric (1 per matching log line)."
  type        = string
}

variable "metric_default_value" {
  description = "Value emitted when a batch of log events has no match; null emits nothing (so missing data stays missing)."
  type        = string
  default     = null
}

variable "alarm_name" {
  description = "Name of the metric alarm."
  type        = string
}

variable "alarm_period_seconds" {
  description = "Period of the alarm in seconds: a multiple of 60, at most one day."
  type        = number
}

variable "alarm_topic_arns" {
  description = "SNS topics notified on ALARM and on OK."
  type        = list(string)
}

variable "tags" {
  description = "Extra tags for the log group and alarm (provider default_tags still apply)."
  type        = map(string)
  default     = {}
}

variable "success_pattern" {
  description = "CloudWatch Logs filter pattern that marks a succeeded run, e.g. \"JOB_STATUS=SUCCEEDED\"."
  type        = string
  default     = "JOB_STATUS=SUCCEEDED"
}

variable "success_metric_name" {
  description = "Name of the custom metric counting succeeded runs (1 per matching log line)."
  type        = string
}

variable "missed_run_alarm_name" {
  description = "Name of the alarm that fires when no run succeeded within its window; null makes no such alarm (off on purpose, or a schedule too sparse for CloudWatch)."
  type        = string
  default     = null
}

variable "missed_run_period_seconds" {
  description = "Period of the missed-run alarm: 60, or 3600 once its window is an hour or more (pipeform derives it from the schedule)."
  type        = number
  default     = 3600
}

variable "missed_run_evaluation_periods" {
  description = "Periods the missed-run alarm looks back, all of which must lack a success; period x periods is at most 7 days (1 day for periods under an hour), CloudWatch's limit."
  type        = number
  default     = 25
}

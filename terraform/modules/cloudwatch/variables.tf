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

  validation {
    condition     = length(trimspace(var.success_pattern)) > 0 && length(var.success_pattern) <= 1024
    error_message = "success_pattern must be 1 to 1024 characters and not blank."
  }
}

variable "success_metric_name" {
  description = "Name of the custom metric counting succeeded runs (1 per matching log line)."
  type        = string

  validation {
    condition     = length(var.success_metric_name) > 0 && length(var.success_metric_name) <= 255 && !strcontains(var.success_metric_name, ":") && !strcontains(var.success_metric_name, "*")
    error_message = "success_metric_name must be 1 to 255 characters without ':' or '*'."
  }
}

variable "missed_run_alarm_name" {
  description = "Name of the alarm that fires when no run succeeded within its window; null makes no such alarm (off on purpose, or a schedule too sparse for CloudWatch)."
  type        = string
  default     = null

  validation {
    condition     = var.missed_run_alarm_name == null ? true : length(var.missed_run_alarm_name) > 0 && length(var.missed_run_alarm_name) <= 255
    error_message = "missed_run_alarm_name must be 1 to 255 characters long, or null."
  }
}

variable "missed_run_period_seconds" {
  description = "Period of the missed-run alarm: 60, or 3600 once its window is an hour or more (pipeform derives it from the schedule)."
  type        = number
  default     = 3600

  validation {
    condition     = var.missed_run_period_seconds >= 60 && var.missed_run_period_seconds % 60 == 0
    error_message = "missed_run_period_seconds must be a positive multiple of 60."
  }
}

variable "missed_run_evaluation_periods" {
  description = "Periods the missed-run alarm looks back, all of which must lack a success; period x periods is at most 7 days (1 day for periods under an hour), CloudWatch's limit."
  type        = number
  default     = 25

  validation {
    condition     = var.missed_run_evaluation_periods >= 1 && var.missed_run_evaluation_periods <= 10080 && floor(var.missed_run_evaluation_periods) == var.missed_run_evaluation_periods
    error_message = "missed_run_evaluation_periods must be a whole number from 1 to 10080 (CloudWatch refuses period x periods over 7 days; pipeform render fits the window)."
  }
}

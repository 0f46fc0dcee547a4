variable "log_group_name" {
  description = "Name of the log group the batch job writes to."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9._/#-]{1,512}$", var.log_group_name))
    error_message = "log_group_name must be 1 to 512 characters: letters, digits, '.', '_', '-', '/' or '#'."
  }
}

variable "retention_days" {
  description = "Days log events are kept; one of the values CloudWatch Logs accepts."
  type        = number

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.retention_days)
    error_message = "retention_days must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "failure_pattern" {
  description = "CloudWatch Logs filter pattern that marks a failed run, e.g. \"JOB_STATUS=FAILED\"."
  type        = string

  validation {
    condition     = length(trimspace(var.failure_pattern)) > 0 && length(var.failure_pattern) <= 1024
    error_message = "failure_pattern must be 1 to 1024 characters and not blank."
  }
}

variable "metric_filter_name" {
  description = "Name of the metric filter; null gives \"<metric_name>-filter\"."
  type        = string
  default     = null

  validation {
    condition     = var.metric_filter_name == null || can(regex("^[^:*]{1,512}$", var.metric_filter_name))
    error_message = "metric_filter_name must be 1 to 512 characters without ':' or '*'."
  }
}

variable "metric_namespace" {
  description = "Namespace of the custom metric."
  type        = string

  validation {
    condition     = length(var.metric_namespace) > 0 && length(var.metric_namespace) <= 255 && !startswith(var.metric_namespace, "AWS/") && !strcontains(var.metric_namespace, ":")
    error_message = "metric_namespace must be 1 to 255 characters, without ':' and not starting with \"AWS/\" (reserved)."
  }
}

variable "metric_name" {
  description = "Name of the custom metric (1 per matching log line)."
  type        = string

  validation {
    condition     = length(var.metric_name) > 0 && length(var.metric_name) <= 255 && !strcontains(var.metric_name, ":") && !strcontains(var.metric_name, "*")
    error_message = "metric_name must be 1 to 255 characters without ':' or '*'."
  }
}

variable "metric_default_value" {
  description = "Value emitted when a batch of log events has no match; null emits nothing (so missing data stays missing)."
  type        = string
  default     = null

  validation {
    condition     = var.metric_default_value == null || can(tonumber(var.metric_default_value))
    error_message = "metric_default_value must be null or a number."
  }
}

variable "alarm_name" {
  description = "Name of the metric alarm."
  type        = string

  validation {
    condition     = length(var.alarm_name) > 0 && length(var.alarm_name) <= 255
    error_message = "alarm_name must be 1 to 255 characters long."
  }
}

variable "alarm_period_seconds" {
  description = "Period of the alarm in seconds: a multiple of 60, at most one day."
  type        = number

  validation {
    condition     = var.alarm_period_seconds >= 60 && var.alarm_period_seconds <= 86400 && var.alarm_period_seconds % 60 == 0
    error_message = "alarm_period_seconds must be a multiple of 60 between 60 and 86400."
  }
}

variable "alarm_topic_arns" {
  description = "SNS topics notified on ALARM and on OK."
  type        = list(string)

  validation {
    condition     = length(var.alarm_topic_arns) > 0
    error_message = "alarm_topic_arns must name at least one SNS topic."
  }
}

variable "tags" {
  description = "Extra tags for the log group and alarm (provider default_tags still apply)."
  type        = map(string)
  default     = {}
}

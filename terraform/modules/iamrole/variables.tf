variable "name" {
  description = "Name of the IAM role and of its instance profile."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.name))
    error_message = "name must be 1 to 64 characters: letters, digits or +=,.@_-."
  }
}

variable "bucket_arn" {
  description = "ARN of the S3 bucket the job uploads to."
  type        = string

  validation {
    condition     = can(regex("^arn:[a-z-]+:s3:::[a-z0-9.-]+$", var.bucket_arn))
    error_message = "bucket_arn must be an S3 bucket ARN such as \"arn:aws:s3:::my-bucket\"."
  }
}

variable "bucket_write_prefixes" {
  description = "Static key prefixes the job may write under (e.g. \"csv/\", \"logs/\"); access is granted to \"<prefix>*\" only."
  type        = list(string)

  validation {
    condition     = length(var.bucket_write_prefixes) > 0 && alltrue([for p in var.bucket_write_prefixes : length(p) > 0 && !startswith(p, "/") && !strcontains(p, "*") && !strcontains(p, "?")])
    error_message = "bucket_write_prefixes must be non-empty prefixes without a leading '/' and without wildcards ('*', '?'): an empty prefix would open the whole bucket."
  }
}

variable "log_group_arn" {
  description = "ARN of the log group the job writes to (without \":*\")."
  type        = string

  validation {
    condition     = can(regex("^arn:[a-z-]+:logs:[a-z0-9-]+:[0-9]{12}:log-group:[^*]+$", var.log_group_arn)) && !endswith(var.log_group_arn, ":*")
    error_message = "log_group_arn must be a CloudWatch Logs log group ARN without the trailing \":*\"."
  }
}

variable "db_secret_arn" {
  description = "ARN of the Secrets Manager secret with the DB master credentials."
  type        = string

  validation {
    condition     = can(regex("^arn:[a-z-]+:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", var.db_secret_arn))
    error_message = "db_secret_arn must be a Secrets Manager secret ARN."
  }
}

variable "tags" {
  description = "Extra tags for the role and instance profile (provider default_tags still apply)."
  type        = map(string)
  default     = {}
}

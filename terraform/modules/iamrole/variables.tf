variable "name" {
  description = "Name of the IAM role and of its instance profile."
  type        = string
}

variable "bucket_arn" {
  description = "ARN of the S3 bucket the job uploads to."
  type        = string
}

variable "bucket_write_prefixes" {
  description = "Static key prefixes the job may write under (e.g. \"csv/\", \"logs/\"); access is granted to \"<prefix>*\" only."
  type        = list(string)
}

variable "log_group_arn" {
  description = "ARN of the log group the job writes to (without \":*\")."
  type        = string
}

variable "db_secret_arn" {
  description = "ARN of the Secrets Manager secret with the DB master credentials."
  type        = string
}

variable "tags" {
  description = "Extra tags for the role and instance profile (provider default_tags still apply)."
  type        = map(string)
  default     = {}
}

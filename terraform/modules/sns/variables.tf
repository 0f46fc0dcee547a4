variable "topic_name" {
  description = "Name of the SNS topic."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,256}$", var.topic_name))
    error_message = "topic_name must be 1 to 256 letters, digits, '_' or '-'."
  }
}

variable "email_addresses" {
  description = "E-mail addresses subscribed to the topic (each must confirm the subscription)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for e in var.email_addresses : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "email_addresses must contain only e-mail addresses like \"ops@example.com\"."
  }
}

variable "kms_master_key_id" {
  description = "KMS key encrypting the topic at rest (default: the AWS-managed key alias/aws/sns)."
  type        = string
  default     = "alias/aws/sns"

  validation {
    condition     = length(var.kms_master_key_id) > 0
    error_message = "kms_master_key_id must not be empty."
  }
}

variable "tags" {
  description = "Extra tags for the topic (provider default_tags still apply)."
  type        = map(string)
  default     = {}
}

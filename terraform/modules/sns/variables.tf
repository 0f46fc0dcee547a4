variable "topic_name" {
  description = "Name of the SNS topic."
  type        = string
}

variable "email_addresses" {
  description = "E-mail addresses subscribed to the topic (each must confirm the subscription)."
  type        = list(string)
  default     = []
}

variable "kms_master_key_id" {
  description = "KMS key encrypting the topic at rest (default: the AWS-managed key alias/aws/sns)."
  type        = string
  default     = "alias/aws/sns"
}

variable "tags" {
  description = "Extra tags for the topic (provider default_tags still apply)."
  type        = map(string)
  default     = {}
}

variable "bucket_name" {
  description = "Name of the S3 bucket (S3 naming rules apply)."
  type        = string
}

variable "require_tls" {
  description = "Deny every request that does not use TLS (a bucket policy). Only a local plain-HTTP testbed turns this off."
  type        = bool
  default     = true
}

variable "force_destroy" {
  description = "Let terraform destroy delete a bucket that still holds objects (tests set true)."
  type        = bool
  default     = false
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which overwritten (noncurrent) object versions are deleted; null keeps them forever."
  type        = number
  default     = 90
}

variable "tags" {
  description = "Extra tags for the bucket (provider default_tags still apply)."
  type        = map(string)
  default     = {}
}

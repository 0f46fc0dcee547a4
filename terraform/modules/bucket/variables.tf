variable "bucket_name" {
  description = "Name of the S3 bucket (S3 naming rules apply)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name)) && !strcontains(var.bucket_name, "..") && !can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$", var.bucket_name)) && !startswith(var.bucket_name, "xn--") && !startswith(var.bucket_name, "sthree-") && !endswith(var.bucket_name, "-s3alias") && !endswith(var.bucket_name, "--ol-s3")
    error_message = "bucket_name must be 3 to 63 lowercase letters, digits, '.' or '-', start and end with a letter or digit, not look like an IP address, and avoid the reserved prefixes/suffixes (xn--, sthree-, -s3alias, --ol-s3)."
  }
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

  validation {
    condition     = var.noncurrent_version_expiration_days == null ? true : (var.noncurrent_version_expiration_days >= 1 && floor(var.noncurrent_version_expiration_days) == var.noncurrent_version_expiration_days)
    error_message = "noncurrent_version_expiration_days must be null or a whole number of days >= 1."
  }
}

variable "tags" {
  description = "Extra tags for the bucket (provider default_tags still apply)."
  type        = map(string)
  default     = {}
}

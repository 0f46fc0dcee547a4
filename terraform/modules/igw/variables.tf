variable "name" {
  description = "Name tag of the internet gateway."
  type        = string

  validation {
    condition     = length(var.name) > 0 && length(var.name) <= 255
    error_message = "name must be 1 to 255 characters long."
  }
}

variable "vpc_id" {
  description = "ID of the VPC to attach the internet gateway to."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-z]+$", var.vpc_id))
    error_message = "vpc_id must be a VPC ID such as \"vpc-0abc123\"."
  }
}

variable "tags" {
  description = "Extra tags for the internet gateway (provider default_tags still apply)."
  type        = map(string)
  default     = {}
}

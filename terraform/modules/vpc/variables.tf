variable "name" {
  description = "Name tag of the VPC."
  type        = string

  validation {
    condition     = length(var.name) > 0 && length(var.name) <= 255
    error_message = "name must be 1 to 255 characters long."
  }
}

variable "cidr_block" {
  description = "IPv4 CIDR block of the VPC, e.g. \"10.20.0.0/16\" (prefix length /16 to /28)."
  type        = string

  validation {
    condition     = can(cidrhost(var.cidr_block, 0)) && can(regex("^[0-9.]+/(1[6-9]|2[0-8])$", var.cidr_block))
    error_message = "cidr_block must be an IPv4 CIDR with a prefix length between /16 and /28, e.g. \"10.20.0.0/16\"."
  }
}

variable "tags" {
  description = "Extra tags for every resource of this module (provider default_tags still apply)."
  type        = map(string)
  default     = {}
}

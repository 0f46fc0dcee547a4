variable "name" {
  description = "Name tag of the VPC."
  type        = string
}

variable "cidr_block" {
  description = "IPv4 CIDR block of the VPC, e.g. \"10.20.0.0/16\" (prefix length /16 to /28)."
  type        = string
}

variable "tags" {
  description = "Extra tags for every resource of this module (provider default_tags still apply)."
  type        = map(string)
  default     = {}
}

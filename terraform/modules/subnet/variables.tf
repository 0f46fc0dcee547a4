variable "name" {
  description = "Name prefix of the subnets; the availability zone is appended."
  type        = string
}

variable "vpc_id" {
  description = "ID of the VPC the subnets belong to."
  type        = string
}

variable "cidr_blocks" {
  description = "IPv4 CIDR blocks, one per availability zone, in the same order as availability_zones."
  type        = list(string)
}

variable "availability_zones" {
  description = "Availability zones, one per CIDR block."
  type        = list(string)
}

variable "role" {
  description = "Value of the Role tag (contract section 3): \"subnet-public\" or \"subnet-db\"."
  type        = string
}

variable "map_public_ip_on_launch" {
  description = "Give instances launched here a public IPv4 address (public subnets only)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Extra tags for every subnet (provider default_tags still apply)."
  type        = map(string)
  default     = {}
}

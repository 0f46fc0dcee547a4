variable "name" {
  description = "Name prefix of the subnets; the availability zone is appended."
  type        = string

  validation {
    condition     = length(var.name) > 0 && length(var.name) <= 200
    error_message = "name must be 1 to 200 characters long."
  }
}

variable "vpc_id" {
  description = "ID of the VPC the subnets belong to."
  type        = string
}

variable "cidr_blocks" {
  description = "IPv4 CIDR blocks, one per availability zone, in the same order as availability_zones."
  type        = list(string)

  validation {
    condition     = length(var.cidr_blocks) > 0 && alltrue([for c in var.cidr_blocks : can(cidrhost(c, 0)) && can(regex("^[0-9.]+/[0-9]+$", c))])
    error_message = "cidr_blocks must be a non-empty list of IPv4 CIDR blocks, e.g. [\"10.20.1.0/24\"]."
  }

  validation {
    condition     = length(distinct(var.cidr_blocks)) == length(var.cidr_blocks)
    error_message = "cidr_blocks must not repeat a CIDR block."
  }
}

variable "availability_zones" {
  description = "Availability zones, one per CIDR block."
  type        = list(string)

  validation {
    condition     = length(var.availability_zones) > 0 && alltrue([for z in var.availability_zones : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9][a-z]$", z))])
    error_message = "availability_zones must be a non-empty list of zone names such as \"ap-northeast-2a\"."
  }
}

variable "role" {
  description = "Value of the Role tag (contract section 3): \"subnet-public\" or \"subnet-db\"."
  type        = string

  validation {
    condition     = contains(["subnet-public", "subnet-db"], var.role)
    error_message = "role must be \"subnet-public\" or \"subnet-db\"."
  }
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

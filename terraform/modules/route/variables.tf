variable "name" {
  description = "Name tag of the route table."
  type        = string

  validation {
    condition     = length(var.name) > 0 && length(var.name) <= 255
    error_message = "name must be 1 to 255 characters long."
  }
}

variable "vpc_id" {
  description = "ID of the VPC the route table belongs to."
  type        = string
}

variable "role" {
  description = "Value of the Role tag (contract section 3): \"rt-public\" or \"rt-private\"."
  type        = string

  validation {
    condition     = contains(["rt-public", "rt-private"], var.role)
    error_message = "role must be \"rt-public\" or \"rt-private\"."
  }
}

variable "subnet_ids" {
  description = "IDs of the subnets to associate with the route table."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) > 0
    error_message = "subnet_ids must name at least one subnet."
  }
}

variable "gateway_id" {
  description = "Internet gateway ID for the 0.0.0.0/0 route (public table). Null when network_interface_id is set."
  type        = string
  default     = null
}

variable "network_interface_id" {
  description = "ENI ID of the NAT instance for the 0.0.0.0/0 route (private table). Null when gateway_id is set."
  type        = string
  default     = null

  validation {
    condition     = var.network_interface_id == null || can(regex("^eni-[0-9a-z]+$", var.network_interface_id))
    error_message = "network_interface_id must be an ENI ID such as \"eni-0abc123\"."
  }
}

variable "tags" {
  description = "Extra tags for the route table (provider default_tags still apply)."
  type        = map(string)
  default     = {}
}

variable "name" {
  description = "Name tag of the route table."
  type        = string
}

variable "vpc_id" {
  description = "ID of the VPC the route table belongs to."
  type        = string
}

variable "role" {
  description = "Value of the Role tag (contract section 3): \"rt-public\" or \"rt-private\"."
  type        = string
}

variable "subnet_ids" {
  description = "IDs of the subnets to associate with the route table."
  type        = list(string)
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
}

variable "tags" {
  description = "Extra tags for the route table (provider default_tags still apply)."
  type        = map(string)
  default     = {}
}

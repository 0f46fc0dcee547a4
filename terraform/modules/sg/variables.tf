variable "name" {
  description = "Name of the security group (also its Name tag)."
  type        = string
}

variable "description" {
  description = "Description of the security group."
  type        = string
}

variable "vpc_id" {
  description = "ID of the VPC the security group belongs to."
  type        = string
}

variable "role" {
  description = "Value of the Role tag (contract section 3): \"nat\", \"app\" or \"rds\"."
  type        = string
}

variable "ingress_rules" {
  description = "Inbound rules. Each names its sources as IPv4 CIDR blocks and/or security group IDs; protocol \"-1\" means all traffic (ports 0)."
  type = list(object({
    description        = string
    protocol           = string
    from_port          = number
    to_port            = number
    cidr_blocks        = optional(list(string), [])
    security_group_ids = optional(list(string), [])
  }))
  default = []
}

variable "allow_all_egress" {
  description = "Allow all outbound traffic (IPv4 and IPv6). When false the group has no outbound rule at all."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Extra tags for the security group (provider default_tags still apply)."
  type        = map(string)
  default     = {}
}

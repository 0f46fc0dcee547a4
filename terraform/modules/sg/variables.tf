variable "name" {
  description = "Name of the security group (also its Name tag)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9 ._:/()#,@\\[\\]+=&;{}!$*-]{1,255}$", var.name)) && !startswith(var.name, "sg-")
    error_message = "name must be 1 to 255 allowed characters and must not start with \"sg-\"."
  }
}

variable "description" {
  description = "Description of the security group."
  type        = string

  validation {
    condition     = length(var.description) > 0 && length(var.description) <= 255
    error_message = "description must be 1 to 255 characters long."
  }
}

variable "vpc_id" {
  description = "ID of the VPC the security group belongs to."
  type        = string
}

variable "role" {
  description = "Value of the Role tag (contract section 3): \"nat\", \"app\" or \"rds\"."
  type        = string

  validation {
    condition     = contains(["nat", "app", "rds"], var.role)
    error_message = "role must be one of \"nat\", \"app\", \"rds\"."
  }
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

  validation {
    condition     = alltrue([for r in var.ingress_rules : length(r.description) > 0])
    error_message = "Every ingress rule needs a description."
  }

  validation {
    condition     = alltrue([for r in var.ingress_rules : contains(["tcp", "udp", "icmp", "-1"], r.protocol)])
    error_message = "Ingress protocol must be \"tcp\", \"udp\", \"icmp\" or \"-1\" (all)."
  }

  validation {
    condition     = alltrue([for r in var.ingress_rules : r.from_port >= -1 && r.to_port <= 65535 && r.from_port <= r.to_port])
    error_message = "Ingress ports must satisfy -1 <= from_port <= to_port <= 65535."
  }

  validation {
    condition     = alltrue([for r in var.ingress_rules : alltrue([for c in r.cidr_blocks : can(cidrhost(c, 0)) && !endswith(c, "/0")])])
    error_message = "Ingress cidr_blocks must be valid IPv4 CIDRs and never a /0 (the whole internet)."
  }

  validation {
    condition     = alltrue([for r in var.ingress_rules : length(r.cidr_blocks) + length(r.security_group_ids) > 0])
    error_message = "Every ingress rule needs at least one source (cidr_blocks or security_group_ids)."
  }
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

variable "name" {
  description = "Name tag of the NAT instance; its EIP and root volume take it as a prefix."
  type        = string

  validation {
    condition     = length(var.name) > 0 && length(var.name) <= 200
    error_message = "name must be 1 to 200 characters long."
  }
}

variable "instance_type" {
  description = "EC2 instance type of the NAT instance, e.g. \"t3.nano\"."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*\\.[a-z0-9]+$", var.instance_type))
    error_message = "instance_type must look like \"t3.nano\"."
  }
}

variable "ami_id" {
  description = "AMI of the NAT instance. Null: the newest image matching ami_owners / ami_name_pattern / ami_architecture."
  type        = string
  default     = null

  validation {
    condition     = var.ami_id == null || can(regex("^ami-[0-9a-z]+$", var.ami_id))
    error_message = "ami_id must be null or an AMI ID such as \"ami-0abc1234\"."
  }
}

variable "ami_owners" {
  description = "Owners searched when ami_id is null."
  type        = list(string)
  default     = ["amazon"]

  validation {
    condition     = length(var.ami_owners) > 0
    error_message = "ami_owners must name at least one owner."
  }
}

variable "ami_name_pattern" {
  description = "Image name pattern searched when ami_id is null (default: Amazon Linux 2023, x86_64)."
  type        = string
  default     = "al2023-ami-2023.*-x86_64"

  validation {
    condition     = length(var.ami_name_pattern) > 0
    error_message = "ami_name_pattern must not be empty."
  }
}

variable "ami_architecture" {
  description = "Architecture of the image searched when ami_id is null; must match instance_type."
  type        = string
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.ami_architecture)
    error_message = "ami_architecture must be \"x86_64\" or \"arm64\"."
  }
}

variable "subnet_id" {
  description = "ID of the public subnet the NAT instance runs in."
  type        = string
}

variable "security_group_ids" {
  description = "Security groups of the NAT instance."
  type        = list(string)

  validation {
    condition     = length(var.security_group_ids) > 0
    error_message = "security_group_ids must name at least one security group."
  }
}

variable "vpc_cidr" {
  description = "IPv4 CIDR whose traffic the instance forwards and masquerades."
  type        = string

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0))
    error_message = "vpc_cidr must be an IPv4 CIDR block."
  }
}

variable "root_volume_size" {
  description = "Size of the encrypted gp3 root volume in GiB."
  type        = number
  default     = 8

  validation {
    condition     = var.root_volume_size >= 8 && var.root_volume_size <= 1024 && floor(var.root_volume_size) == var.root_volume_size
    error_message = "root_volume_size must be a whole number of GiB between 8 and 1024."
  }
}

variable "tags" {
  description = "Extra tags for the instance, its root volume and its EIP (provider default_tags still apply)."
  type        = map(string)
  default     = {}
}

variable "untagged_resource_tags" {
  description = "Tags (normally the provider default_tags) copied onto the root volume, which default_tags do not reach."
  type        = map(string)
  default     = {}
}

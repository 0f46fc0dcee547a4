variable "name" {
  description = "Name tag of the NAT instance; its EIP and root volume take it as a prefix."
  type        = string
}

variable "instance_type" {
  description = "EC2 instance type of the NAT instance, e.g. \"t3.nano\"."
  type        = string
}

variable "ami_id" {
  description = "AMI of the NAT instance. Null: the newest image matching ami_owners / ami_name_pattern / ami_architecture."
  type        = string
  default     = null
}

variable "ami_owners" {
  description = "Owners searched when ami_id is null."
  type        = list(string)
  default     = ["amazon"]
}

variable "ami_name_pattern" {
  description = "Image name pattern searched when ami_id is null (default: Amazon Linux 2023, x86_64)."
  type        = string
  default     = "al2023-ami-2023.*-x86_64"
}

variable "ami_architecture" {
  description = "Architecture of the image searched when ami_id is null; must match instance_type."
  type        = string
  default     = "x86_64"
}

variable "subnet_id" {
  description = "ID of the public subnet the NAT instance runs in."
  type        = string
}

variable "security_group_ids" {
  description = "Security groups of the NAT instance."
  type        = list(string)
}

variable "vpc_cidr" {
  description = "IPv4 CIDR whose traffic the instance forwards and masquerades."
  type        = string
}

variable "root_volume_size" {
  description = "Size of the encrypted gp3 root volume in GiB."
  type        = number
  default     = 8
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

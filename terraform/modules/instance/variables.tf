variable "name" {
  description = "Name of the launch template and Name tag of the instance."
  type        = string
}

variable "instance_type" {
  description = "EC2 instance type, e.g. \"t3.small\"."
  type        = string
}

variable "ami_id" {
  description = "AMI of the instance. Null: look it up with ami_owners / ami_name_patterns / ami_architecture."
  type        = string
  default     = null
}

variable "ami_owners" {
  description = "Owners searched when ami_id is null (default: Canonical)."
  type        = list(string)
  default     = ["099720109477"]
}

variable "ami_name_patterns" {
  description = "Image name patterns in order of preference, used when ami_id is null: the newest image of the first pattern that matches anything is used. Default: Ubuntu 24.04 LTS, then any Ubuntu server image (for endpoints that only carry older ones)."
  type        = list(string)
  default = [
    "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*",
    "ubuntu/images/hvm-ssd*/ubuntu-*-amd64-server-*",
  ]
}

variable "ami_architecture" {
  description = "Architecture of the image searched when ami_id is null; must match instance_type."
  type        = string
  default     = "x86_64"
}

variable "subnet_id" {
  description = "ID of the subnet the instance runs in."
  type        = string
}

variable "security_group_ids" {
  description = "Security groups of the instance."
  type        = list(string)
}

variable "key_name" {
  description = "Name of the EC2 key pair for SSH access."
  type        = string
}

variable "iam_instance_profile_name" {
  description = "Name of the IAM instance profile attached to the instance."
  type        = string
}

variable "user_data" {
  description = "Plain-text user data (cloud-init) put on the launch template; null for none."
  type        = string
  default     = null
}

variable "root_volume_size" {
  description = "Size of the encrypted gp3 root volume in GiB."
  type        = number
  default     = 20
}

variable "tags" {
  description = "Extra tags for the launch template, instance and root volume (provider default_tags still apply)."
  type        = map(string)
  default     = {}
}

variable "untagged_resource_tags" {
  description = "Tags (normally the provider default_tags) copied onto the root volume, which default_tags do not reach."
  type        = map(string)
  default     = {}
}

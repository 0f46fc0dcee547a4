variable "name" {
  description = "Name tag of the internet gateway."
  type        = string
}

variable "vpc_id" {
  description = "ID of the VPC to attach the internet gateway to."
  type        = string
}

variable "tags" {
  description = "Extra tags for the internet gateway (provider default_tags still apply)."
  type        = map(string)
  default     = {}
}

variable "identifier" {
  description = "DB instance identifier."
  type        = string
}

variable "engine_version" {
  description = "MySQL engine version, e.g. \"8.0\" (minor versions follow auto_minor_version_upgrade)."
  type        = string
}

variable "instance_class" {
  description = "DB instance class, e.g. \"db.t3.micro\"."
  type        = string
}

variable "allocated_storage" {
  description = "Allocated storage in GiB."
  type        = number
  default     = 20
}

variable "database" {
  description = "Name of the database created in the instance."
  type        = string
}

variable "username" {
  description = "Master user name; its password is generated and kept in Secrets Manager by RDS."
  type        = string
}

variable "subnet_ids" {
  description = "IDs of the DB subnets (at least two availability zones)."
  type        = list(string)
}

variable "security_group_ids" {
  description = "Security groups of the DB instance."
  type        = list(string)
}

variable "backup_retention_days" {
  description = "Days automated backups are kept (1 to 35)."
  type        = number
  default     = 7
}

variable "apply_immediately" {
  description = "Apply modifications at once instead of in the next maintenance window."
  type        = bool
  default     = false
}

variable "deletion_protection" {
  description = "Refuse to delete the DB instance (tests set false to destroy)."
  type        = bool
  default     = true
}

variable "skip_final_snapshot" {
  description = "Delete without a final snapshot \"<identifier>-final\" (tests set true)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Extra tags for the DB instance and subnet group (provider default_tags still apply)."
  type        = map(string)
  default     = {}
}

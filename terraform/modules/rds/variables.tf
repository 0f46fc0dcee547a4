variable "identifier" {
  description = "DB instance identifier."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,62}$", var.identifier)) && !endswith(var.identifier, "-") && !strcontains(var.identifier, "--")
    error_message = "identifier must be 1 to 63 lowercase letters, digits or hyphens, start with a letter, and neither end with a hyphen nor contain two in a row."
  }
}

variable "engine_version" {
  description = "MySQL engine version, e.g. \"8.0\" (minor versions follow auto_minor_version_upgrade)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]+\\.[0-9]+(\\.[0-9]+)?$", var.engine_version))
    error_message = "engine_version must look like \"8.0\" or \"8.0.39\"."
  }
}

variable "instance_class" {
  description = "DB instance class, e.g. \"db.t3.micro\"."
  type        = string

  validation {
    condition     = can(regex("^db\\.[a-z0-9-]+\\.[a-z0-9]+$", var.instance_class))
    error_message = "instance_class must look like \"db.t3.micro\"."
  }
}

variable "allocated_storage" {
  description = "Allocated storage in GiB."
  type        = number
  default     = 20

  validation {
    condition     = var.allocated_storage >= 20 && var.allocated_storage <= 65536 && floor(var.allocated_storage) == var.allocated_storage
    error_message = "allocated_storage must be a whole number of GiB between 20 and 65536."
  }
}

variable "database" {
  description = "Name of the database created in the instance."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9_]{0,63}$", var.database))
    error_message = "database must be 1 to 64 letters, digits or underscores, starting with a letter."
  }
}

variable "username" {
  description = "Master user name; its password is generated and kept in Secrets Manager by RDS."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9_]{0,31}$", var.username)) && !contains(["rdsadmin", "root", "mysql"], lower(var.username))
    error_message = "username must be 1 to 32 letters, digits or underscores, start with a letter, and not be a reserved name (rdsadmin, root, mysql)."
  }
}

variable "subnet_ids" {
  description = "IDs of the DB subnets (at least two availability zones)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "subnet_ids must name at least two subnets: a DB subnet group spans two or more availability zones."
  }
}

variable "security_group_ids" {
  description = "Security groups of the DB instance."
  type        = list(string)

  validation {
    condition     = length(var.security_group_ids) > 0
    error_message = "security_group_ids must name at least one security group."
  }
}

variable "backup_retention_days" {
  description = "Days automated backups are kept (1 to 35)."
  type        = number
  default     = 7

  validation {
    condition     = var.backup_retention_days >= 1 && var.backup_retention_days <= 35 && floor(var.backup_retention_days) == var.backup_retention_days
    error_message = "backup_retention_days must be a whole number between 1 and 35."
  }
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

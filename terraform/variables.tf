# This is a fixed interface: `pipeform render` writes a tfvars JSON against exactly these names.

variable "project_name" {
  description = "Project name; prefixes resource names and is the Project tag."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.project_name))
    error_message = "project_name must match ^[a-z][a-z0-9-]{1,20}$: a lowercase letter, then 1 to 20 lowercase letters, digits or hyphens."
  }
}

variable "region" {
  description = "AWS region of the stack, e.g. \"ap-northeast-2\"."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$", var.region))
    error_message = "region must be an AWS region name such as \"ap-northeast-2\"."
  }
}

variable "environment" {
  description = "Environment name (e.g. \"prod\"); the Environment tag."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$", var.environment))
    error_message = "environment must be 1 to 32 letters, digits, '.', '_' or '-', starting with a letter or digit."
  }
}

variable "vpc_cidr" {
  description = "IPv4 CIDR block of the VPC, e.g. \"10.20.0.0/16\"."
  type        = string

  validation {
    condition     = can(regex("^[0-9.]+/(1[6-9]|2[0-8])$", var.vpc_cidr)) && try(cidrsubnet(var.vpc_cidr, 0, 0) == var.vpc_cidr, false)
    error_message = "vpc_cidr must be an IPv4 CIDR block without host bits and with a prefix length between /16 and /28, e.g. \"10.20.0.0/16\"."
  }
}

variable "availability_zones" {
  description = "Availability zones of the stack, at least two (an RDS subnet group spans two)."
  type        = list(string)

  validation {
    condition     = length(var.availability_zones) >= 2 && length(distinct(var.availability_zones)) == length(var.availability_zones)
    error_message = "availability_zones must list at least two distinct zones."
  }

  validation {
    condition     = alltrue([for z in var.availability_zones : startswith(z, var.region) && can(regex("^[a-z]$", substr(z, length(var.region), -1)))])
    error_message = "availability_zones must be zones of var.region: the region name plus one letter, e.g. \"ap-northeast-2a\"."
  }
}

variable "public_subnet_cidrs" {
  description = "IPv4 CIDR blocks of the public subnets, one per availability zone, in the same order."
  type        = list(string)

  validation {
    condition     = length(var.public_subnet_cidrs) == length(var.availability_zones) && alltrue([for c in var.public_subnet_cidrs : can(regex("^[0-9.]+/(1[6-9]|2[0-8])$", c)) && try(cidrsubnet(c, 0, 0) == c, false)])
    error_message = "public_subnet_cidrs must be IPv4 CIDR blocks without host bits, /16 to /28, exactly one per availability zone, e.g. [\"10.20.1.0/24\", \"10.20.2.0/24\"]."
  }
}

variable "db_subnet_cidrs" {
  description = "IPv4 CIDR blocks of the DB subnets, one per availability zone, in the same order."
  type        = list(string)

  validation {
    condition     = length(var.db_subnet_cidrs) == length(var.availability_zones) && alltrue([for c in var.db_subnet_cidrs : can(regex("^[0-9.]+/(1[6-9]|2[0-8])$", c)) && try(cidrsubnet(c, 0, 0) == c, false)])
    error_message = "db_subnet_cidrs must be IPv4 CIDR blocks without host bits, /16 to /28, exactly one per availability zone, e.g. [\"10.20.101.0/24\", \"10.20.102.0/24\"]."
  }
}

variable "nat_instance_type" {
  description = "EC2 instance type of the NAT instance, e.g. \"t3.nano\"."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*[0-9][a-z0-9-]*\\.[a-z0-9]+$", var.nat_instance_type)) && !startswith(var.nat_instance_type, "db.")
    error_message = "nat_instance_type must look like \"t3.nano\"."
  }
}

variable "nat_ami_id" {
  description = "AMI of the NAT instance; null looks up the newest Amazon Linux 2023 x86_64 image."
  type        = string
  default     = null

  validation {
    condition     = var.nat_ami_id == null || can(regex("^ami-([0-9a-f]{8}|[0-9a-f]{17})$", var.nat_ami_id))
    error_message = "nat_ami_id must be null or an AMI ID: \"ami-\" and 8 or 17 hex digits, e.g. \"ami-0abc1234\"."
  }
}

variable "app_instance_type" {
  description = "EC2 instance type of the app host, e.g. \"t3.small\"."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*[0-9][a-z0-9-]*\\.[a-z0-9]+$", var.app_instance_type)) && !startswith(var.app_instance_type, "db.")
    error_message = "app_instance_type must look like \"t3.small\"."
  }
}

variable "app_ami_id" {
  description = "AMI of the app host; null looks up the newest Ubuntu 24.04 LTS amd64 server image (Canonical)."
  type        = string
  default     = null

  validation {
    condition     = var.app_ami_id == null || can(regex("^ami-([0-9a-f]{8}|[0-9a-f]{17})$", var.app_ami_id))
    error_message = "app_ami_id must be null or an AMI ID: \"ami-\" and 8 or 17 hex digits, e.g. \"ami-0abc1234\"."
  }
}

variable "ssh_allowed_cidrs" {
  description = "IPv4 CIDR blocks allowed to SSH (port 22) to the app host. Never the whole internet."
  type        = list(string)

  validation {
    condition     = length(var.ssh_allowed_cidrs) > 0 && alltrue([for c in var.ssh_allowed_cidrs : can(regex("^[0-9.]+/[0-9]+$", c)) && try(cidrsubnet(c, 0, 0) == c, false)])
    error_message = "ssh_allowed_cidrs must be a non-empty list of IPv4 CIDR blocks without host bits (the security group rule takes IPv4 only), e.g. [\"203.0.113.10/32\"]."
  }

  validation {
    condition     = !anytrue([for c in var.ssh_allowed_cidrs : endswith(c, "/0")])
    error_message = "ssh_allowed_cidrs must not contain 0.0.0.0/0, ::/0 or any other /0: SSH is never open to the whole internet."
  }
}

variable "ssh_public_key" {
  description = "OpenSSH public key text for the app host's key pair (the key itself, not a path; the private key never reaches Terraform)."
  type        = string

  validation {
    condition     = can(regex("^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,3}( [^\\n]*)?\\n?$", var.ssh_public_key))
    error_message = "ssh_public_key must be one OpenSSH public key line (ssh-ed25519, ssh-rsa or ecdsa-sha2-nistp*), e.g. the contents of keys/offsets.pub - not a path and not a private key."
  }
}

variable "rds_identifier" {
  description = "DB instance identifier."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,62}$", var.rds_identifier)) && !endswith(var.rds_identifier, "-") && !strcontains(var.rds_identifier, "--")
    error_message = "rds_identifier must be 1 to 63 lowercase letters, digits or hyphens, start with a letter, and neither end with a hyphen nor contain two in a row."
  }
}

variable "rds_instance_class" {
  description = "DB instance class, e.g. \"db.t3.micro\"."
  type        = string

  validation {
    condition     = can(regex("^db\\.[a-z][a-z0-9-]*[0-9][a-z0-9-]*\\.[a-z0-9]+$", var.rds_instance_class))
    error_message = "rds_instance_class must look like \"db.t3.micro\"."
  }
}

variable "rds_engine_version" {
  description = "MySQL engine version, e.g. \"8.0\"."
  type        = string

  validation {
    condition     = can(regex("^[0-9]+\\.[0-9]+(\\.[0-9]+)?$", var.rds_engine_version))
    error_message = "rds_engine_version must look like \"8.0\" or \"8.0.39\"."
  }
}

variable "rds_database" {
  description = "Name of the database the job loads into."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9_]{0,63}$", var.rds_database))
    error_message = "rds_database must be 1 to 64 letters, digits or underscores, starting with a letter."
  }
}

variable "rds_username" {
  description = "Master user name; RDS generates its password and keeps it in Secrets Manager."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9_]{0,15}$", var.rds_username)) && !contains(["rdsadmin", "root", "admin_rds", "mysql"], lower(var.rds_username))
    error_message = "rds_username must be 1 to 16 letters, digits or underscores, start with a letter, and not be reserved (rdsadmin, root, admin_rds, mysql)."
  }
}

variable "rds_allocated_storage" {
  description = "Allocated storage of the DB instance in GiB."
  type        = number
  default     = 20

  validation {
    condition     = var.rds_allocated_storage >= 20 && var.rds_allocated_storage <= 65536 && floor(var.rds_allocated_storage) == var.rds_allocated_storage
    error_message = "rds_allocated_storage must be a whole number of GiB between 20 and 65536."
  }
}

variable "rds_deletion_protection" {
  description = "Refuse to delete the DB instance. Tests set false so that destroy works."
  type        = bool
  default     = true
}

variable "rds_skip_final_snapshot" {
  description = "Delete the DB instance without a final snapshot \"<rds_identifier>-final\". Tests set true."
  type        = bool
  default     = false
}

variable "log_group_name" {
  description = "CloudWatch Logs group the batch job writes to, e.g. \"/offsets/carbon_log\"."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9._/#-]{1,512}$", var.log_group_name)) && !startswith(var.log_group_name, "aws/")
    error_message = "log_group_name must be 1 to 512 characters: letters, digits, '.', '_', '-', '/' or '#', not starting with \"aws/\"."
  }
}

variable "log_retention_days" {
  description = "Days the log group keeps events; one of the values CloudWatch Logs accepts."
  type        = number

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 (the values CloudWatch Logs accepts)."
  }
}

variable "failure_pattern" {
  description = "CloudWatch Logs filter pattern of a failed run, e.g. \"JOB_STATUS=FAILED\"."
  type        = string

  validation {
    condition     = length(trimspace(var.failure_pattern)) > 0 && length(var.failure_pattern) <= 1024 && !can(regex("\\p{Cc}", var.failure_pattern))
    error_message = "failure_pattern must be 1 to 1024 characters, not blank, without control characters."
  }
}

variable "metric_namespace" {
  description = "Namespace of the failure metric, e.g. \"OffsetsPipeline\"."
  type        = string

  validation {
    condition     = length(trimspace(var.metric_namespace)) > 0 && length(var.metric_namespace) <= 255 && !can(regex("\\p{Cc}", var.metric_namespace)) && !startswith(var.metric_namespace, "AWS/") && !startswith(var.metric_namespace, ":")
    error_message = "metric_namespace must be 1 to 255 characters, not blank, without control characters, and not start with ':' or \"AWS/\" (reserved for AWS)."
  }
}

variable "metric_name" {
  description = "Name of the failure metric, e.g. \"CarbonUnifiedJobFailed\"."
  type        = string

  validation {
    # 245: the success metric "<metric_name>-Succeeded" must fit CloudWatch's 255 too.
    condition     = length(trimspace(var.metric_name)) > 0 && length(var.metric_name) <= 245 && !can(regex("\\p{Cc}", var.metric_name)) && !strcontains(var.metric_name, ":") && !strcontains(var.metric_name, "*")
    error_message = "metric_name must be 1 to 245 characters (room for its \"-Succeeded\" success metric), not blank, without control characters, ':' or '*'."
  }
}

variable "alarm_name" {
  description = "Name of the failure alarm."
  type        = string

  validation {
    condition     = length(trimspace(var.alarm_name)) > 0 && length(var.alarm_name) <= 255 && !can(regex("\\p{Cc}", var.alarm_name))
    error_message = "alarm_name must be 1 to 255 characters, not blank, without control characters."
  }
}

variable "alarm_period_seconds" {
  description = "Period of the failure alarm in seconds: a multiple of 60, at most 86400."
  type        = number

  validation {
    condition     = var.alarm_period_seconds >= 60 && var.alarm_period_seconds <= 86400 && var.alarm_period_seconds % 60 == 0
    error_message = "alarm_period_seconds must be a multiple of 60 between 60 and 86400."
  }
}

variable "success_pattern" {
  description = "CloudWatch Logs filter pattern of a succeeded run (contract v2), e.g. \"JOB_STATUS=SUCCEEDED\"."
  type        = string
  default     = "JOB_STATUS=SUCCEEDED"
}

variable "success_metric_name" {
  description = "Name of the success metric (in metric_namespace); pipeform render writes \"<metric_name>-Succeeded\"."
  type        = string
  default     = null
}

variable "missed_run_alarm_name" {
  description = "Name of the missed-run alarm; null makes none (monitoring.missed_run_alarm = false, or a schedule too sparse for CloudWatch's 7-day limit, which render warns about)."
  type        = string
  default     = null
}

variable "missed_run_period_seconds" {
  description = "Period of the missed-run alarm; render derives it from pipeline.schedule's longest gap plus monitoring.missed_run_grace_minutes."
  type        = number
  default     = 3600
}

variable "missed_run_evaluation_periods" {
  description = "Evaluation periods of the missed-run alarm (period x periods covers the gap plus grace, at most twice it); render derives it."
  type        = number
  default     = 25
}

variable "sns_topic_name" {
  description = "Name of the SNS topic the alarm notifies."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,256}$", var.sns_topic_name))
    error_message = "sns_topic_name must be 1 to 256 letters, digits, '_' or '-'."
  }
}

variable "alert_emails" {
  description = "E-mail addresses subscribed to the topic (each gets a confirmation mail)."
  type        = list(string)

  validation {
    condition     = length(var.alert_emails) > 0 && alltrue([for e in var.alert_emails : length(e) <= 254 && length(split("@", e)[0]) <= 64 && can(regex("^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}$", e))])
    error_message = "alert_emails must list at least one e-mail address, each like \"ops@example.com\"."
  }
}

variable "bucket_name" {
  description = "Name of the S3 bucket for CSV exports and job logs (S3 naming rules apply)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name)) && !strcontains(var.bucket_name, "..") && !strcontains(var.bucket_name, ".-") && !strcontains(var.bucket_name, "-.") && !can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$", var.bucket_name)) && !anytrue([for p in ["xn--", "sthree-", "amzn-s3-demo-"] : startswith(var.bucket_name, p)]) && !anytrue([for s in ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] : endswith(var.bucket_name, s)])
    error_message = "bucket_name must be 3 to 63 lowercase letters, digits, '.' or '-', start and end with a letter or digit, have no '..', '.-' or '-.', not look like an IP address, and avoid the reserved prefixes (xn--, sthree-, amzn-s3-demo-) and suffixes (-s3alias, --ol-s3, .mrap, --x-s3, --table-s3)."
  }
}

variable "csv_prefix" {
  description = "Object-key template of the CSV uploads, e.g. \"csv/{date}\"; the static part before the first \"{\" is the prefix the job may write under."
  type        = string

  validation {
    condition     = length(split("{", var.csv_prefix)[0]) > 0 && !startswith(var.csv_prefix, "/") && !strcontains(var.csv_prefix, "*") && !strcontains(var.csv_prefix, "//") && !strcontains(var.csv_prefix, "\\") && !can(regex("\\p{Cc}", var.csv_prefix))
    error_message = "csv_prefix must start with a static part before any \"{placeholder}\" (e.g. \"csv/{date}\"), must not start with '/' and must not contain '*', '//', '\\' or control characters."
  }

  validation {
    condition     = !strcontains(replace(var.csv_prefix, "/\\{(date|year|month|day|hour)\\}/", ""), "{") && (strcontains(var.csv_prefix, "{date}") || alltrue([for p in ["{year}", "{month}", "{day}"] : strcontains(var.csv_prefix, p)]))
    error_message = "csv_prefix must use only the placeholders {date}, {year}, {month}, {day} and {hour}, each closed, and contain {date} or all of {year}, {month} and {day}."
  }
}

variable "logs_prefix" {
  description = "Object-key template of the log uploads, e.g. \"logs/{date}\"; the static part before the first \"{\" is the prefix the job may write under."
  type        = string

  validation {
    condition     = length(split("{", var.logs_prefix)[0]) > 0 && !startswith(var.logs_prefix, "/") && !strcontains(var.logs_prefix, "*") && !strcontains(var.logs_prefix, "//") && !strcontains(var.logs_prefix, "\\") && !can(regex("\\p{Cc}", var.logs_prefix))
    error_message = "logs_prefix must start with a static part before any \"{placeholder}\" (e.g. \"logs/{date}\"), must not start with '/' and must not contain '*', '//', '\\' or control characters."
  }

  validation {
    condition     = !strcontains(replace(var.logs_prefix, "/\\{(date|year|month|day|hour)\\}/", ""), "{") && (strcontains(var.logs_prefix, "{date}") || alltrue([for p in ["{year}", "{month}", "{day}"] : strcontains(var.logs_prefix, p)]))
    error_message = "logs_prefix must use only the placeholders {date}, {year}, {month}, {day} and {hour}, each closed, and contain {date} or all of {year}, {month} and {day}."
  }
}

variable "csv_write_prefix" {
  description = "The static part of csv_prefix (the text before its first placeholder), computed by `pipeform render`: the only prefix the job may write CSVs under."
  type        = string

  validation {
    condition     = length(var.csv_write_prefix) > 0 && !strcontains(var.csv_write_prefix, "{") && startswith(var.csv_prefix, var.csv_write_prefix)
    error_message = "csv_write_prefix must be the non-empty static part of csv_prefix, e.g. \"csv/\" for \"csv/{date}\"."
  }
}

variable "logs_write_prefix" {
  description = "The static part of logs_prefix (the text before its first placeholder), computed by `pipeform render`: the only prefix the job may write logs under."
  type        = string

  validation {
    condition     = length(var.logs_write_prefix) > 0 && !strcontains(var.logs_write_prefix, "{") && startswith(var.logs_prefix, var.logs_write_prefix) && var.logs_write_prefix != var.csv_write_prefix
    error_message = "logs_write_prefix must be the non-empty static part of logs_prefix, e.g. \"logs/\" for \"logs/{date}\", and differ from csv_write_prefix."
  }
}

variable "bucket_require_tls" {
  description = "Deny S3 requests without TLS. Only a local plain-HTTP testbed (moto) sets false."
  type        = bool
  default     = true
}

variable "bucket_force_destroy" {
  description = "Let destroy delete the bucket with its objects. Tests set true."
  type        = bool
  default     = false
}

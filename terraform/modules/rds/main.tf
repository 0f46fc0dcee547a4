resource "aws_db_subnet_group" "this" {
  name        = "${var.identifier}-subnets"
  description = "DB subnets of ${var.identifier}"
  subnet_ids  = var.subnet_ids

  tags = merge(var.tags, {
    Name = "${var.identifier}-subnets"
    Role = "rds"
  })
}

resource "aws_db_instance" "this" {
  #checkov:skip=CKV_AWS_157:Single-AZ by design for a once-a-day batch database; a standby doubles the cost
  #checkov:skip=CKV_AWS_118:Enhanced monitoring needs a monitoring IAM role; basic CloudWatch RDS metrics suffice for a nightly batch load
  #checkov:skip=CKV_AWS_353:Performance Insights is not offered for MySQL on the small burstable classes this stack uses (db.t3.micro/small)
  #checkov:skip=CKV_AWS_354:Performance Insights is not enabled (see CKV_AWS_353), so there is nothing to encrypt
  identifier     = var.identifier
  engine         = "mysql"
  engine_version = var.engine_version
  instance_class = var.instance_class

  allocated_storage = var.allocated_storage
  storage_type      = "gp3"
  storage_encrypted = true

  db_name  = var.database
  username = var.username
  # RDS creates and rotates the password in Secrets Manager; it never passes through Terraform.
  manage_master_user_password = true

  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = var.security_group_ids
  publicly_accessible    = false
  multi_az               = false

  iam_database_authentication_enabled = true
  enabled_cloudwatch_logs_exports     = ["error", "slowquery"]

  backup_retention_period    = var.backup_retention_days
  copy_tags_to_snapshot      = true
  auto_minor_version_upgrade = true
  apply_immediately          = var.apply_immediately

  deletion_protection       = var.deletion_protection
  skip_final_snapshot       = var.skip_final_snapshot
  final_snapshot_identifier = "${var.identifier}-final"

  tags = merge(var.tags, {
    Name = var.identifier
    Role = "rds"
  })
}

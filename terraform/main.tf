locals {
  name = var.project_name

  common_tags = {
    Project     = var.project_name
    Environment = var.environment
    ManagedBy   = "pipeform"
  }

  # The job may write only under the static part of each template ("csv/{date}" -> "csv/"),
  # computed by `pipeform render` with the one template parser.
  bucket_write_prefixes = distinct([
    var.csv_write_prefix,
    var.logs_write_prefix,
  ])
}

module "vpc" {
  source = "./modules/vpc"

  name       = "${local.name}-vpc"
  cidr_block = var.vpc_cidr
}

module "public_subnets" {
  source = "./modules/subnet"

  name               = "${local.name}-public"
  vpc_id             = module.vpc.vpc_id
  cidr_blocks        = var.public_subnet_cidrs
  availability_zones = var.availability_zones
  role               = "subnet-public"
  # The NAT instance and the app host (SSH deploys) need public addresses.
  map_public_ip_on_launch = true
}

module "db_subnets" {
  source = "./modules/subnet"

  name               = "${local.name}-db"
  vpc_id             = module.vpc.vpc_id
  cidr_blocks        = var.db_subnet_cidrs
  availability_zones = var.availability_zones
  role               = "subnet-db"
}

module "igw" {
  source = "./modules/igw"

  name   = "${local.name}-igw"
  vpc_id = module.vpc.vpc_id
}

module "public_route" {
  source = "./modules/route"

  name       = "${local.name}-public"
  vpc_id     = module.vpc.vpc_id
  role       = "rt-public"
  subnet_ids = module.public_subnets.subnet_ids
  gateway_id = module.igw.internet_gateway_id
}

module "private_route" {
  source = "./modules/route"

  name       = "${local.name}-private"
  vpc_id     = module.vpc.vpc_id
  role       = "rt-private"
  subnet_ids = module.db_subnets.subnet_ids
  # The ENI, not the instance: that is what EC2 (and moto) report back for the route.
  network_interface_id = module.nat.primary_network_interface_id
}

module "nat_sg" {
  source = "./modules/sg"

  name        = "${local.name}-nat"
  description = "NAT instance: all traffic from the DB subnets, all outbound"
  vpc_id      = module.vpc.vpc_id
  role        = "nat"
  ingress_rules = [{
    description = "All traffic from the DB subnets, to be forwarded"
    protocol    = "-1"
    from_port   = 0
    to_port     = 0
    cidr_blocks = var.db_subnet_cidrs
  }]
  allow_all_egress = true
}

module "app_sg" {
  source = "./modules/sg"

  name        = "${local.name}-app"
  description = "App host: SSH from the operator networks only, all outbound"
  vpc_id      = module.vpc.vpc_id
  role        = "app"
  ingress_rules = [{
    description = "SSH from the operator networks"
    protocol    = "tcp"
    from_port   = 22
    to_port     = 22
    cidr_blocks = var.ssh_allowed_cidrs
  }]
  allow_all_egress = true
}

module "rds_sg" {
  source = "./modules/sg"

  name        = "${local.name}-rds"
  description = "RDS MySQL: port 3306 from the app host only"
  vpc_id      = module.vpc.vpc_id
  role        = "rds"
  ingress_rules = [{
    description        = "MySQL from the app host"
    protocol           = "tcp"
    from_port          = 3306
    to_port            = 3306
    security_group_ids = [module.app_sg.security_group_id]
  }]
}

module "nat" {
  source = "./modules/nat"

  name                   = "${local.name}-nat"
  instance_type          = var.nat_instance_type
  ami_id                 = var.nat_ami_id
  subnet_id              = module.public_subnets.subnet_ids[0]
  security_group_ids     = [module.nat_sg.security_group_id]
  vpc_cidr               = var.vpc_cidr
  untagged_resource_tags = local.common_tags
}

module "key" {
  source = "./modules/key"

  key_name   = "${local.name}-app"
  public_key = var.ssh_public_key
}

module "app" {
  source = "./modules/instance"

  name                      = "${local.name}-app"
  instance_type             = var.app_instance_type
  ami_id                    = var.app_ami_id
  subnet_id                 = module.public_subnets.subnet_ids[0]
  security_group_ids        = [module.app_sg.security_group_id]
  key_name                  = module.key.key_name
  iam_instance_profile_name = module.iamrole.instance_profile_name
  untagged_resource_tags    = local.common_tags
}

module "rds" {
  source = "./modules/rds"

  identifier          = var.rds_identifier
  engine_version      = var.rds_engine_version
  instance_class      = var.rds_instance_class
  allocated_storage   = var.rds_allocated_storage
  database            = var.rds_database
  username            = var.rds_username
  subnet_ids          = module.db_subnets.subnet_ids
  security_group_ids  = [module.rds_sg.security_group_id]
  deletion_protection = var.rds_deletion_protection
  skip_final_snapshot = var.rds_skip_final_snapshot
}

module "sns" {
  source = "./modules/sns"

  topic_name      = var.sns_topic_name
  email_addresses = var.alert_emails
}

module "cloudwatch" {
  source = "./modules/cloudwatch"

  log_group_name       = var.log_group_name
  retention_days       = var.log_retention_days
  failure_pattern      = var.failure_pattern
  metric_namespace     = var.metric_namespace
  metric_name          = var.metric_name
  alarm_name           = var.alarm_name
  alarm_period_seconds = var.alarm_period_seconds
  alarm_topic_arns     = [module.sns.topic_arn]

  success_pattern               = var.success_pattern
  success_metric_name           = coalesce(var.success_metric_name, "${var.metric_name}-Succeeded")
  missed_run_alarm_name         = var.missed_run_alarm_name
  missed_run_period_seconds     = var.missed_run_period_seconds
  missed_run_evaluation_periods = var.missed_run_evaluation_periods
}

module "bucket" {
  source = "./modules/bucket"

  bucket_name   = var.bucket_name
  force_destroy = var.bucket_force_destroy
  require_tls   = var.bucket_require_tls
}

module "iamrole" {
  source = "./modules/iamrole"

  name                  = "${local.name}-app"
  bucket_arn            = module.bucket.bucket_arn
  bucket_write_prefixes = local.bucket_write_prefixes
  log_group_arn         = module.cloudwatch.log_group_arn
  db_secret_arn         = module.rds.master_user_secret_arn
}

# A fixed interface: pipeform reads `terraform output -json`.

output "vpc_id" {
  description = "ID of the VPC."
  value       = module.vpc.vpc_id
}

output "public_subnet_ids" {
  description = "IDs of the public subnets, in the order of availability_zones."
  value       = module.public_subnets.subnet_ids
}

output "db_subnet_ids" {
  description = "IDs of the DB subnets, in the order of availability_zones."
  value       = module.db_subnets.subnet_ids
}

output "internet_gateway_id" {
  description = "ID of the internet gateway."
  value       = module.igw.internet_gateway_id
}

output "public_route_table_id" {
  description = "ID of the public route table (0.0.0.0/0 -> internet gateway)."
  value       = module.public_route.route_table_id
}

output "private_route_table_id" {
  description = "ID of the private route table of the DB subnets (0.0.0.0/0 -> NAT instance ENI)."
  value       = module.private_route.route_table_id
}

output "nat_instance_id" {
  description = "ID of the NAT instance."
  value       = module.nat.instance_id
}

output "nat_network_interface_id" {
  description = "ID of the NAT instance's primary ENI."
  value       = module.nat.primary_network_interface_id
}

output "nat_public_ip" {
  description = "Elastic IP address of the NAT instance."
  value       = module.nat.public_ip
}

output "nat_eip_allocation_id" {
  description = "Allocation ID of the NAT instance's Elastic IP."
  value       = module.nat.eip_allocation_id
}

output "app_instance_id" {
  description = "ID of the app host."
  value       = module.app.instance_id
}

output "app_public_ip" {
  description = "Public IPv4 address of the app host (SSH target of pipeform deploy)."
  value       = module.app.public_ip
}

output "app_private_ip" {
  description = "Private IPv4 address of the app host."
  value       = module.app.private_ip
}

output "app_security_group_id" {
  description = "ID of the app host's security group."
  value       = module.app_sg.security_group_id
}

output "nat_security_group_id" {
  description = "ID of the NAT instance's security group."
  value       = module.nat_sg.security_group_id
}

output "rds_security_group_id" {
  description = "ID of the DB instance's security group."
  value       = module.rds_sg.security_group_id
}

output "launch_template_id" {
  description = "ID of the app host's launch template."
  value       = module.app.launch_template_id
}

output "key_name" {
  description = "Name of the app host's EC2 key pair."
  value       = module.key.key_name
}

output "rds_identifier" {
  description = "DB instance identifier."
  value       = module.rds.identifier
}

output "rds_address" {
  description = "Host name of the DB instance."
  value       = module.rds.address
}

output "rds_port" {
  description = "Port of the DB instance."
  value       = module.rds.port
}

output "rds_endpoint" {
  description = "host:port of the DB instance."
  value       = module.rds.endpoint
}

output "rds_database" {
  description = "Name of the database."
  value       = module.rds.database
}

output "rds_username" {
  description = "Master user name of the DB instance."
  value       = module.rds.username
}

output "rds_master_user_secret_arn" {
  description = "ARN of the Secrets Manager secret with the DB master credentials (the password itself is never in Terraform)."
  value       = module.rds.master_user_secret_arn
}

output "bucket_name" {
  description = "Name of the S3 bucket."
  value       = module.bucket.bucket_name
}

output "bucket_arn" {
  description = "ARN of the S3 bucket."
  value       = module.bucket.bucket_arn
}

output "log_group_name" {
  description = "Name of the job's log group."
  value       = module.cloudwatch.log_group_name
}

output "metric_filter_name" {
  description = "Name of the failure metric filter."
  value       = module.cloudwatch.metric_filter_name
}

output "alarm_name" {
  description = "Name of the failure alarm."
  value       = module.cloudwatch.alarm_name
}

output "alarm_arn" {
  description = "ARN of the failure alarm."
  value       = module.cloudwatch.alarm_arn
}

output "sns_topic_arn" {
  description = "ARN of the alert topic."
  value       = module.sns.topic_arn
}

output "iam_role_name" {
  description = "Name of the app host's IAM role."
  value       = module.iamrole.role_name
}

output "instance_profile_name" {
  description = "Name of the app host's instance profile."
  value       = module.iamrole.instance_profile_name
}

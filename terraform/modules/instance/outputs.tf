output "instance_id" {
  description = "ID of the instance."
  value       = aws_instance.this.id
}

output "public_ip" {
  description = "Public IPv4 address of the instance (null without one)."
  value       = aws_instance.this.public_ip
}

output "private_ip" {
  description = "Private IPv4 address of the instance."
  value       = aws_instance.this.private_ip
}

output "primary_network_interface_id" {
  description = "ID of the instance's primary ENI."
  value       = aws_instance.this.primary_network_interface_id
}

output "launch_template_id" {
  description = "ID of the launch template."
  value       = aws_launch_template.this.id
}

output "launch_template_latest_version" {
  description = "Latest version of the launch template."
  value       = aws_launch_template.this.latest_version
}

output "ami_id" {
  description = "AMI the instance runs."
  value       = aws_instance.this.ami
}

output "instance_id" {
  description = "ID of the NAT instance."
  value       = aws_instance.this.id
}

output "primary_network_interface_id" {
  description = "ID of the NAT instance's primary ENI: the target of the private default route."
  value       = aws_instance.this.primary_network_interface_id
}

output "private_ip" {
  description = "Private IPv4 address of the NAT instance."
  value       = aws_instance.this.private_ip
}

output "public_ip" {
  description = "Elastic IP address of the NAT instance."
  value       = aws_eip.this.public_ip
}

output "eip_allocation_id" {
  description = "Allocation ID of the NAT instance's Elastic IP."
  value       = aws_eip.this.allocation_id
}

output "ami_id" {
  description = "AMI the NAT instance runs."
  value       = aws_instance.this.ami
}

output "subnet_ids" {
  description = "IDs of the subnets, in the order of cidr_blocks."
  value       = aws_subnet.this[*].id
}

output "subnet_arns" {
  description = "ARNs of the subnets, in the order of cidr_blocks."
  value       = aws_subnet.this[*].arn
}

output "cidr_blocks" {
  description = "IPv4 CIDR blocks of the subnets."
  value       = aws_subnet.this[*].cidr_block
}

resource "aws_vpc" "this" {
  #checkov:skip=CKV2_AWS_11:VPC flow logs are outside this stack's scope (cost); the pipeline logs to CloudWatch itself
  cidr_block           = var.cidr_block
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = merge(var.tags, {
    Name = var.name
    Role = "vpc"
  })
}

# Adopt the VPC's default security group and strip all its rules, so nothing that lands in it
# by accident can talk to anything.
resource "aws_default_security_group" "this" {
  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, {
    Name = "${var.name}-default-deny"
    Role = "vpc"
  })
}

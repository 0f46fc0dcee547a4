resource "aws_subnet" "this" {
  #checkov:skip=CKV_AWS_130:Only the public subnets set it: they hold just the NAT instance and the app host operators SSH to; DB subnets never do
  count = length(var.cidr_blocks)

  vpc_id            = var.vpc_id
  cidr_block        = var.cidr_blocks[count.index]
  availability_zone = var.availability_zones[count.index]

  # Public subnets give every instance a public address at launch: the NAT needs one before its
  # EIP is attached (to fetch packages), the app host keeps it for SSH. Setting it per instance
  # instead makes EC2 (and moto) report the security groups on the interface only, which reads
  # back as a perpetual vpc_security_group_ids diff.
  map_public_ip_on_launch = var.map_public_ip_on_launch

  tags = merge(var.tags, {
    Name = "${var.name}-${var.availability_zones[count.index]}"
    Role = var.role
  })

  lifecycle {
    precondition {
      condition     = length(var.cidr_blocks) == length(var.availability_zones)
      error_message = "Give exactly one subnet CIDR per availability zone: ${length(var.cidr_blocks)} CIDRs for ${length(var.availability_zones)} zones."
    }
  }
}

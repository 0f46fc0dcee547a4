resource "aws_security_group" "this" {
  #checkov:skip=CKV2_AWS_5:The calling module attaches the group (NAT/app instance, DB instance); checkov cannot follow a module output into another module
  #checkov:skip=CKV_AWS_382:Outbound is open only where allow_all_egress is set (NAT and app host must reach arbitrary internet endpoints: package mirrors, AWS APIs)
  name        = var.name
  description = var.description
  vpc_id      = var.vpc_id

  dynamic "ingress" {
    for_each = var.ingress_rules
    content {
      description     = ingress.value.description
      protocol        = ingress.value.protocol
      from_port       = ingress.value.from_port
      to_port         = ingress.value.to_port
      cidr_blocks     = ingress.value.cidr_blocks
      security_groups = ingress.value.security_group_ids
    }
  }

  dynamic "egress" {
    for_each = var.allow_all_egress ? [1] : []
    content {
      description      = "All outbound traffic"
      protocol         = "-1"
      from_port        = 0
      to_port          = 0
      cidr_blocks      = ["0.0.0.0/0"]
      ipv6_cidr_blocks = ["::/0"]
    }
  }

  tags = merge(var.tags, {
    Name = var.name
    Role = var.role
  })
}

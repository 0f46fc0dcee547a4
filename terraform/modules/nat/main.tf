locals {
  ami_id = var.ami_id != null ? var.ami_id : try(data.aws_ami_ids.lookup[0].ids[0], null)
}

# Newest image first; used only when no ami_id is given.
data "aws_ami_ids" "lookup" {
  count = var.ami_id == null ? 1 : 0

  owners = var.ami_owners

  filter {
    name   = "name"
    values = [var.ami_name_pattern]
  }

  filter {
    name   = "architecture"
    values = [var.ami_architecture]
  }

  filter {
    name   = "state"
    values = ["available"]
  }
}

resource "aws_instance" "this" {
  #checkov:skip=CKV2_AWS_41:The NAT instance calls no AWS API, so it gets no IAM role (least privilege)
  #checkov:skip=CKV_AWS_126:Basic 5-minute metrics suffice for a NAT; the provider enables detailed monitoring via MonitorInstances, which moto does not implement
  ami           = local.ami_id
  instance_type = var.instance_type
  subnet_id     = var.subnet_id

  vpc_security_group_ids = var.security_group_ids

  # A NAT forwards packets that are neither from nor to itself.
  source_dest_check = false

  # No associate_public_ip_address: the public subnet gives one at launch (so the bootstrap can
  # fetch packages) and the Elastic IP below replaces it. Setting it would force a replacement
  # once the EIP is attached, because the provider reads it back from the interface.

  ebs_optimized = true

  # nat.sh is embedded as it is in the module (one copy): the file the namespace test runs is
  # the file the instance runs.
  user_data = templatefile("${path.module}/templates/user_data.sh.tftpl", {
    vpc_cidr = var.vpc_cidr
    nat_sh   = chomp(file("${path.module}/nat.sh"))
  })
  user_data_replace_on_change = true

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "disabled"
  }

  root_block_device {
    volume_type           = "gp3"
    volume_size           = var.root_volume_size
    encrypted             = true
    delete_on_termination = true
  }

  tags = merge(var.tags, {
    Name = var.name
    Role = "nat"
  })

  volume_tags = merge(var.untagged_resource_tags, var.tags, {
    Name = "${var.name}-root"
    Role = "nat"
  })

  lifecycle {
    precondition {
      condition     = local.ami_id != null
      error_message = "No AMI matched owners ${jsonencode(var.ami_owners)}, name \"${var.ami_name_pattern}\", architecture ${var.ami_architecture}: set ami_id explicitly."
    }
  }
}

resource "aws_eip" "this" {
  domain   = "vpc"
  instance = aws_instance.this.id

  tags = merge(var.tags, {
    Name = "${var.name}-eip"
    Role = "nat"
  })
}

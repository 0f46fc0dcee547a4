locals {
  # First pattern with any match wins; within a pattern the newest image wins.
  looked_up_ami_ids = flatten([for d in data.aws_ami_ids.lookup : d.ids])
  ami_id            = var.ami_id != null ? var.ami_id : try(local.looked_up_ami_ids[0], null)
}

data "aws_ami_ids" "lookup" {
  count = var.ami_id == null ? length(var.ami_name_patterns) : 0

  owners = var.ami_owners

  filter {
    name   = "name"
    values = [var.ami_name_patterns[count.index]]
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

resource "aws_launch_template" "this" {
  name          = var.name
  description   = "Launch template of ${var.name}"
  image_id      = local.ami_id
  instance_type = var.instance_type
  key_name      = var.key_name
  user_data     = var.user_data == null ? null : base64encode(var.user_data)

  update_default_version = true

  iam_instance_profile {
    name = var.iam_instance_profile_name
  }

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "disabled"
  }

  monitoring {
    enabled = true
  }

  tags = merge(var.tags, {
    Name = var.name
    Role = "app"
  })

  lifecycle {
    # moto reports the template's own tags back as a "launch-template" tag specification, which
    # would be a perpetual diff (and a new template version that replaces the instance).
    ignore_changes = [tag_specifications]

    precondition {
      condition     = local.ami_id != null
      error_message = "No AMI matched owners ${jsonencode(var.ami_owners)} and name patterns ${jsonencode(var.ami_name_patterns)} (${var.ami_architecture}): set ami_id explicitly."
    }
  }
}

resource "aws_instance" "this" {
  #checkov:skip=CKV_AWS_126:Detailed monitoring is enabled on the launch template; setting it here makes the provider call MonitorInstances, which moto does not implement
  launch_template {
    id      = aws_launch_template.this.id
    version = aws_launch_template.this.latest_version
  }

  # The public address (for SSH deploys) comes from the subnet's map_public_ip_on_launch.
  subnet_id              = var.subnet_id
  vpc_security_group_ids = var.security_group_ids

  # Also on the launch template; repeated here because moto ignores the template's profile
  # and checkov reads the instance.
  iam_instance_profile = var.iam_instance_profile_name

  ebs_optimized = true

  # Also set on the launch template; repeated here because checkov reads the instance.
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
    Role = "app"
  })

  volume_tags = merge(var.untagged_resource_tags, var.tags, {
    Name = "${var.name}-root"
    Role = "app"
  })

  lifecycle {
    # Some EC2 endpoints (moto) return no UserData for instances launched from a launch
    # template, which would otherwise be a perpetual diff; user data lives on the template.
    ignore_changes = [user_data]
  }
}

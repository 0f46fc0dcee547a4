data "aws_partition" "current" {}

locals {
  object_arns = [for p in var.bucket_write_prefixes : "${var.bucket_arn}/${p}*"]
}

data "aws_iam_policy_document" "assume" {
  statement {
    sid     = "Ec2AssumeRole"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ec2.${data.aws_partition.current.dns_suffix}"]
    }
  }
}

data "aws_iam_policy_document" "this" {
  statement {
    sid = "WriteJobObjects"
    # GetObject backs the job's HEAD check that skips files already uploaded.
    actions   = ["s3:PutObject", "s3:GetObject"]
    resources = local.object_arns
  }

  statement {
    sid       = "ListJobPrefixes"
    actions   = ["s3:ListBucket"]
    resources = [var.bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = [for p in var.bucket_write_prefixes : "${p}*"]
    }
  }

  statement {
    sid       = "WriteJobLog"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = [var.log_group_arn, "${var.log_group_arn}:*"]
  }

  statement {
    sid       = "ReadDatabaseSecret"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [var.db_secret_arn]
  }
}

resource "aws_iam_role" "this" {
  name                 = var.name
  description          = "Role of the pipeform batch host: upload to its bucket prefixes, write its log group, read its DB secret."
  assume_role_policy   = data.aws_iam_policy_document.assume.json
  max_session_duration = 3600

  tags = merge(var.tags, {
    Name = var.name
    Role = "app"
  })
}

resource "aws_iam_role_policy" "this" {
  name   = "${var.name}-access"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}

resource "aws_iam_instance_profile" "this" {
  name = var.name
  role = aws_iam_role.this.name

  tags = merge(var.tags, {
    Name = var.name
    Role = "app"
  })
}

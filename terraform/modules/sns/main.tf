resource "aws_sns_topic" "this" {
  name = var.topic_name
  # AWS-managed key: encrypted at rest with no key policy to maintain.
  kms_master_key_id = var.kms_master_key_id

  tags = merge(var.tags, {
    Name = var.topic_name
  })
}

resource "aws_sns_topic_subscription" "this" {
  for_each = toset(var.email_addresses)

  topic_arn = aws_sns_topic.this.arn
  protocol  = "email"
  endpoint  = each.value
}

# Only the public half of the key is ever given to Terraform, so no private key reaches state.
resource "aws_key_pair" "this" {
  key_name   = var.key_name
  public_key = var.public_key

  tags = merge(var.tags, {
    Name = var.key_name
    Role = "app"
  })
}

resource "aws_route_table" "this" {
  vpc_id = var.vpc_id

  tags = merge(var.tags, {
    Name = var.name
    Role = var.role
  })
}

# The default route is a separate resource so that a route added out of band shows up as drift
# on the table rather than being silently merged.
resource "aws_route" "default" {
  route_table_id         = aws_route_table.this.id
  destination_cidr_block = "0.0.0.0/0"

  gateway_id           = var.gateway_id
  network_interface_id = var.network_interface_id

  lifecycle {
    precondition {
      condition     = (var.gateway_id == null) != (var.network_interface_id == null)
      error_message = "Set exactly one of gateway_id (public table) or network_interface_id (private table, the NAT instance's ENI)."
    }
  }
}

resource "aws_route_table_association" "this" {
  count = length(var.subnet_ids)

  route_table_id = aws_route_table.this.id
  subnet_id      = var.subnet_ids[count.index]
}

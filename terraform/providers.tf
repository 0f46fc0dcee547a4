# No endpoint settings here: AWS_ENDPOINT_URL (and the standard credential chain) decide whether
# this talks to real AWS or to the local moto testbed.
provider "aws" {
  region = var.region

  default_tags {
    tags = local.common_tags
  }
}

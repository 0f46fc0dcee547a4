variable "key_name" {
  description = "Name of the EC2 key pair."
  type        = string
}

variable "public_key" {
  description = "OpenSSH public key text (\"ssh-ed25519 AAAA... comment\"), not a path and never a private key."
  type        = string
}

variable "tags" {
  description = "Extra tags for the key pair (provider default_tags still apply)."
  type        = map(string)
  default     = {}
}

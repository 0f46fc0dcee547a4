variable "key_name" {
  description = "Name of the EC2 key pair."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,255}$", var.key_name))
    error_message = "key_name must be 1 to 255 characters: letters, digits, '.', '_' or '-'."
  }
}

variable "public_key" {
  description = "OpenSSH public key text (\"ssh-ed25519 AAAA... comment\"), not a path and never a private key."
  type        = string

  validation {
    condition     = can(regex("^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,3}( [^\\n]*)?\\n?$", var.public_key))
    error_message = "public_key must be one OpenSSH public key line (ssh-ed25519, ssh-rsa or ecdsa-sha2-nistp*), e.g. the contents of id_ed25519.pub."
  }
}

variable "tags" {
  description = "Extra tags for the key pair (provider default_tags still apply)."
  type        = map(string)
  default     = {}
}

output "key_name" {
  description = "Name of the EC2 key pair."
  value       = aws_key_pair.this.key_name
}

output "key_pair_id" {
  description = "ID of the EC2 key pair."
  value       = aws_key_pair.this.key_pair_id
}

output "fingerprint" {
  description = "Fingerprint of the public key as computed by EC2."
  value       = aws_key_pair.this.fingerprint
}

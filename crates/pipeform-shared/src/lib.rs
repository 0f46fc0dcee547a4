//! What both binaries agree on: the S3 prefix templates and the day manifest the job writes and
//! `check` reads, the `job.env` format that `deploy` writes and the job reads, and the AWS client
//! basics (region, endpoint, timeouts, retries).
//!
//! This crate knows nothing of Terraform, SSH or checks, so the job can depend on it alone.

#[cfg(feature = "aws")]
pub mod aws;
pub mod filter_pattern;
pub mod jobenv;
pub mod manifest;
pub mod prefix;
pub mod status_line;

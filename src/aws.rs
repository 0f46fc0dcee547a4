//! AWS SDK clients: region, endpoint, timeouts and retries, in one place.
//!
//! The endpoint comes from `--endpoint-url` or the standard `AWS_ENDPOINT_URL`, credentials from
//! the standard chain, so moto and real AWS are the same to every command.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};

/// How long calls may take.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// TCP connect.
    pub connect: Duration,
    /// One attempt of one operation.
    pub attempt: Duration,
    /// One operation, retries included.
    pub operation: Duration,
    /// Attempts per operation (1 = no retry).
    pub max_attempts: u32,
}

impl Timeouts {
    /// Read calls of `check` and `drift`: a dead or silent endpoint gives up well within 30 s.
    pub const READ: Self = Self {
        connect: Duration::from_secs(3),
        attempt: Duration::from_secs(8),
        operation: Duration::from_secs(20),
        max_attempts: 3,
    };

    /// Uploads of the job: large bodies, patient retries with backoff.
    pub const UPLOAD: Self = Self {
        connect: Duration::from_secs(5),
        attempt: Duration::from_secs(120),
        operation: Duration::from_secs(600),
        max_attempts: 5,
    };
}

/// Loads the shared SDK config: the standard chain, with an explicit endpoint and region when
/// given (they override the environment), and the given timeouts.
pub async fn sdk_config(
    region: Option<&str>,
    endpoint_url: Option<&str>,
    t: Timeouts,
) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(t.connect)
                .operation_attempt_timeout(t.attempt)
                .operation_timeout(t.operation)
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(t.max_attempts));
    if let Some(region) = region {
        loader = loader.region(Region::new(region.to_string()));
    }
    if let Some(url) = endpoint_url {
        loader = loader.endpoint_url(url);
    }
    loader.load().await
}

/// An S3 client. Path-style addressing always: with a `localhost` endpoint the SDK otherwise
/// tries `bucket.localhost` and spends seconds retrying DNS failures.
pub fn s3_client(config: &SdkConfig) -> aws_sdk_s3::Client {
    let conf = aws_sdk_s3::config::Builder::from(config)
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

/// True when an S3 object call failed because the object is not there or not ours to read
/// (404 or 403). S3 answers 403 for a missing key when the caller may not list the bucket, and
/// moto denies object calls over plain HTTP under a TLS-only policy: either way the object is
/// not known to be there, and the caller goes on without it.
pub fn s3_absent<E>(
    e: &aws_sdk_s3::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
) -> bool {
    matches!(
        e.raw_response().map(|r| r.status().as_u16()),
        Some(403 | 404)
    )
}

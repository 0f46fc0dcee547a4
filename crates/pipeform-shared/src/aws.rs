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
        if plain_http_only(url, std::env::vars_os().map(|(k, _)| k)) {
            loader = loader.http_client(client_without_roots());
        }
    }
    loader.load().await
}

/// True when every call goes to `url` over plain HTTP: it is `http://` and no service-specific
/// `AWS_ENDPOINT_URL_<SERVICE>` variable sends some service elsewhere.
fn plain_http_only(url: &str, env_names: impl Iterator<Item = std::ffi::OsString>) -> bool {
    url.get(..7)
        .is_some_and(|s| s.eq_ignore_ascii_case("http://"))
        && !env_names
            .filter_map(|k| k.into_string().ok())
            .any(|k| k.starts_with("AWS_ENDPOINT_URL_"))
}

/// The SDK's default HTTP client, but with an empty trust store: the default one reads and
/// parses every certificate under /etc/ssl/certs before the first call (6-9 ms of CPU here, on
/// the critical path of `check`), which a plain-HTTP endpoint (moto, a local proxy) never uses.
/// An `https://` URL reached through it anyway fails verification instead of going unchecked.
fn client_without_roots() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode, TlsContext, TrustStore};
    let builder = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc));
    match TlsContext::builder()
        .with_trust_store(TrustStore::empty())
        .build()
    {
        Ok(context) => builder.tls_context(context).build_https(),
        // Cannot happen without custom certificates; the default client is the safe fallback.
        Err(_) => builder.build_https(),
    }
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

#[cfg(test)]
mod tests {
    use super::plain_http_only;
    use std::ffi::OsString;

    fn names(list: &[&str]) -> impl Iterator<Item = OsString> {
        list.iter()
            .map(OsString::from)
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn plain_http_endpoint_needs_no_trust_roots() {
        assert!(plain_http_only("http://127.0.0.1:5000", names(&["PATH"])));
        assert!(plain_http_only("HTTP://localhost:4566", names(&[])));
    }

    #[test]
    fn https_or_a_service_sent_elsewhere_keeps_the_default_client() {
        assert!(!plain_http_only("https://ec2.example.com", names(&[])));
        assert!(!plain_http_only("http:/", names(&[])));
        assert!(!plain_http_only(
            "http://127.0.0.1:5000",
            names(&["AWS_ENDPOINT_URL_S3"])
        ));
    }
}

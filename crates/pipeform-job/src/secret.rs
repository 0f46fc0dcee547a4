//! Resolves a [`SecretSource`] (database password, HMAC key) at run time.

use pipeform_shared::aws::{sdk_config, Timeouts};
use pipeform_shared::jobenv::SecretSource;

use super::error::JobError;

/// Reads the secret. For Secrets Manager, `json_field` picks a field of a JSON secret (the
/// RDS-managed master secret keeps the password in `password`); without it the whole string
/// is the secret. Errors name the source, never the value.
pub async fn resolve(
    source: &SecretSource,
    json_field: Option<&str>,
    region: Option<&str>,
    endpoint_url: Option<&str>,
) -> Result<String, JobError> {
    match source {
        SecretSource::Env(name) => match std::env::var(name) {
            Ok(v) if !v.is_empty() => Ok(v),
            _ => Err(JobError::usage(format!(
                "secret source env:{name}: the variable is not set or empty in the job's environment"
            ))),
        },
        SecretSource::File(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                JobError::usage(format!("secret source file:{path}: cannot read: {e}"))
            })?;
            let v = text.trim_end_matches(['\n', '\r']).to_string();
            if v.is_empty() {
                return Err(JobError::usage(format!(
                    "secret source file:{path}: the file is empty"
                )));
            }
            Ok(v)
        }
        SecretSource::SecretsManager(arn) => {
            let config = sdk_config(region, endpoint_url, Timeouts::READ).await;
            let client = aws_sdk_secretsmanager::Client::new(&config);
            let out = client
                .get_secret_value()
                .secret_id(arn)
                .send()
                .await
                .map_err(|e| {
                    JobError::failed(format!(
                        "secret source secretsmanager:{arn}: get_secret_value failed: {}",
                        aws_sdk_secretsmanager::error::DisplayErrorContext(&e)
                    ))
                })?;
            let text = out.secret_string().ok_or_else(|| {
                JobError::failed(format!(
                    "secret source secretsmanager:{arn}: the secret has no string value"
                ))
            })?;
            match json_field {
                None => Ok(text.to_string()),
                Some(field) => {
                    let value: serde_json::Value = serde_json::from_str(text).map_err(|_| {
                        JobError::failed(format!(
                            "secret source secretsmanager:{arn}: the secret is not JSON with a {field:?} field"
                        ))
                    })?;
                    value
                        .get(field)
                        .and_then(|v| v.as_str())
                        .filter(|v| !v.is_empty())
                        .map(str::to_string)
                        .ok_or_else(|| {
                            JobError::failed(format!(
                                "secret source secretsmanager:{arn}: the JSON secret has no {field:?} string"
                            ))
                        })
                }
            }
        }
    }
}

//! Values with rules that more than one place reads, as types: one that exists is valid, so
//! nothing downstream re-checks it. Each constructor is the rule (see [`super::rules`]).

use std::fmt;
use std::ops::Deref;

use serde::Serialize;

use super::rules;

/// An S3 general purpose bucket name (S3's naming rules, as the root module checks them).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct BucketName(String);

impl BucketName {
    /// Checks `s` against S3's bucket naming rules; the error says which rule and what would do.
    pub fn parse(s: &str) -> Result<Self, String> {
        rules::bucket_name(s).map(Self)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for BucketName {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BucketName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A log retention period CloudWatch Logs accepts (one of [`rules::RETENTION_DAYS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct RetentionDays(u32);

impl RetentionDays {
    /// Checks `n` against the values CloudWatch Logs accepts; the error names the nearest.
    pub fn new(n: i64) -> Result<Self, String> {
        rules::retention_days(n).map(Self)
    }

    /// The number of days.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl PartialEq<u32> for RetentionDays {
    fn eq(&self, other: &u32) -> bool {
        self.0 == *other
    }
}

impl fmt::Display for RetentionDays {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_name_exists_only_when_valid() {
        let name = BucketName::parse("vcm-bucket25").unwrap();
        assert_eq!(name.as_str(), "vcm-bucket25");
        assert_eq!(serde_json::to_value(&name).unwrap(), "vcm-bucket25");
        for bad in ["ab", "Upper", "192.168.5.4", "a..b", "xn--x", "x-s3alias"] {
            assert!(BucketName::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn retention_days_exist_only_when_cloudwatch_accepts_them() {
        assert_eq!(RetentionDays::new(30).unwrap(), 30);
        assert_eq!(
            serde_json::to_value(RetentionDays::new(7).unwrap()).unwrap(),
            7
        );
        for bad in [0, 2, 31, -1, i64::MAX] {
            assert!(RetentionDays::new(bad).is_err(), "{bad}");
        }
    }
}

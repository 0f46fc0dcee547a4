//! Pseudonymisation of log fields before shipping: each value of a named field (`user_id=42`,
//! `"ip": "10.0.0.1"`) becomes `h:` + the first 16 hex digits of HMAC-SHA256(key, value).
//! The same value always maps to the same pseudonym under one key, so logs stay joinable.

use hmac::{Hmac, Mac};
use regex::bytes::{Captures, Regex};
use sha2::Sha256;

/// Rewrites log text, field by field.
#[derive(Debug)]
pub struct Pseudonymiser {
    key: Vec<u8>,
    patterns: Vec<Regex>,
}

impl Pseudonymiser {
    /// Builds the patterns for `fields` (plain names: letters, digits, `_`, `-`, `.`).
    pub fn new(fields: &[String], key: &[u8]) -> Result<Self, String> {
        let mut patterns = Vec::new();
        for f in fields {
            if f.is_empty()
                || !f
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
            {
                return Err(format!(
                    "bad field name {f:?} to pseudonymise: use letters, digits, '_', '-' or '.'"
                ));
            }
            let name = regex::escape(f);
            // key=value or key="value" (logfmt), and "key": "value" or "key": 123 (JSON).
            let re = format!(
                r#"(?P<pre>(?:^|[^A-Za-z0-9_.\-"]){name}=)(?:"(?P<q1>[^"]*)"|(?P<v1>[^\s,;&"]+))|(?P<pre2>"{name}"\s*:\s*)(?:"(?P<q2>(?:[^"\\]|\\.)*)"|(?P<v2>[^\s,}}\]"]+))"#
            );
            patterns.push(Regex::new(&re).map_err(|e| e.to_string())?);
        }
        Ok(Self {
            key: key.to_vec(),
            patterns,
        })
    }

    /// True when no field is configured.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    fn token(&self, value: &[u8]) -> String {
        // HMAC accepts keys of any length, so new_from_slice cannot fail here.
        let mut mac = match Hmac::<Sha256>::new_from_slice(&self.key) {
            Ok(m) => m,
            Err(_) => return "h:invalid-key".into(),
        };
        mac.update(value);
        let digest = mac.finalize().into_bytes();
        format!("h:{}", &hex::encode(digest)[..16])
    }

    /// The text with every configured field's value replaced.
    pub fn apply(&self, text: &[u8]) -> Vec<u8> {
        let mut out = text.to_vec();
        for re in &self.patterns {
            out = re
                .replace_all(&out, |c: &Captures<'_>| {
                    let mut r = Vec::new();
                    if let Some(pre) = c.name("pre") {
                        r.extend_from_slice(pre.as_bytes());
                        if let Some(q) = c.name("q1") {
                            r.push(b'"');
                            r.extend_from_slice(self.token(q.as_bytes()).as_bytes());
                            r.push(b'"');
                        } else if let Some(v) = c.name("v1") {
                            r.extend_from_slice(self.token(v.as_bytes()).as_bytes());
                        }
                    } else if let Some(pre) = c.name("pre2") {
                        r.extend_from_slice(pre.as_bytes());
                        let v = c.name("q2").or_else(|| c.name("v2"));
                        r.push(b'"');
                        r.extend_from_slice(
                            self.token(v.map(|m| m.as_bytes()).unwrap_or_default())
                                .as_bytes(),
                        );
                        r.push(b'"');
                    }
                    r
                })
                .into_owned();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_logfmt_and_json_values_consistently() {
        let p = Pseudonymiser::new(&["user_id".into(), "ip".into()], b"k").expect("ok");
        let text = b"t=1 user_id=42 ip=\"10.0.0.1\" other_ip=9 msg=x\n{\"user_id\": 42, \"ip\":\"10.0.0.1\", \"zip\": 1}\n";
        let out = String::from_utf8(p.apply(text)).expect("utf8");
        assert!(!out.contains("42"), "{out}");
        assert!(!out.contains("10.0.0.1"), "{out}");
        assert!(out.contains("other_ip=9"), "{out}");
        assert!(out.contains("\"zip\": 1"), "{out}");
        let t42 = p.token(b"42");
        assert_eq!(out.matches(&t42).count(), 2, "{out}");
        let other = Pseudonymiser::new(&["user_id".into()], b"other key").expect("ok");
        assert_ne!(other.token(b"42"), t42);
        assert!(Pseudonymiser::new(&["a b".into()], b"k").is_err());
    }
}

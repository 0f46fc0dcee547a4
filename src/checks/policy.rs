//! IAM identity-policy evaluation, enough to answer "may this role do A on R?".
//!
//! Documents come from IAM URL-encoded; `Statement`, `Action` and `Resource` may each be one
//! value or a list; `*` and `?` are wildcards (actions match case-insensitively, resources
//! exactly); an explicit Deny wins over any Allow. Conditions cannot be evaluated without a
//! request context, so they are judged conservatively: an Allow with a condition is not
//! counted, a Deny with a condition is.

use serde_json::Value;

/// A parsed policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Where it came from (policy ARN or `role/name (inline)`), for messages.
    pub name: String,
    statements: Vec<Statement>,
}

#[derive(Debug, Clone, PartialEq)]
struct Statement {
    allow: bool,
    /// `Action` patterns, or `NotAction` patterns when `not_action`.
    actions: Option<Vec<String>>,
    not_action: bool,
    resources: Option<Vec<String>>,
    not_resource: bool,
    conditional: bool,
}

/// Why a document could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("policy {name} is not a valid policy document: {reason}")]
pub struct PolicyError {
    /// Policy name.
    pub name: String,
    /// What is wrong.
    pub reason: String,
}

/// The answer for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// An Allow statement matches and no Deny does; names the allowing policy.
    Allowed(String),
    /// No statement allows it.
    ImplicitDeny,
    /// A Deny statement matches; names the denying policy.
    ExplicitDeny(String),
}

impl Policy {
    /// Parses a document, URL-encoded (as IAM returns it) or plain JSON.
    pub fn parse(name: &str, document: &str) -> Result<Self, PolicyError> {
        let err = |reason: String| PolicyError {
            name: name.to_string(),
            reason,
        };
        let trimmed = document.trim();
        let text = if trimmed.starts_with('{') {
            trimmed.to_string()
        } else {
            percent_decode(trimmed).ok_or_else(|| err("bad URL encoding".into()))?
        };
        let json: Value = serde_json::from_str(&text).map_err(|e| err(e.to_string()))?;
        let statements = match json.get("Statement") {
            Some(Value::Array(items)) => items.iter().collect::<Vec<_>>(),
            Some(one @ Value::Object(_)) => vec![one],
            _ => return Err(err("no Statement".into())),
        };
        let mut out = Vec::new();
        for s in statements {
            let allow = match s.get("Effect").and_then(Value::as_str) {
                Some("Allow") => true,
                Some("Deny") => false,
                other => return Err(err(format!("Effect is {other:?}, expected Allow or Deny"))),
            };
            let list = |key: &str| -> Result<Option<Vec<String>>, PolicyError> {
                match s.get(key) {
                    None => Ok(None),
                    Some(Value::String(v)) => Ok(Some(vec![v.clone()])),
                    Some(Value::Array(vs)) => vs
                        .iter()
                        .map(|v| {
                            v.as_str()
                                .map(String::from)
                                .ok_or_else(|| err(format!("{key} holds a non-string")))
                        })
                        .collect::<Result<Vec<_>, _>>()
                        .map(Some),
                    Some(_) => Err(err(format!("{key} is neither a string nor a list"))),
                }
            };
            let (actions, not_action) = match (list("Action")?, list("NotAction")?) {
                (Some(a), _) => (Some(a), false),
                (None, Some(n)) => (Some(n), true),
                (None, None) => (None, false),
            };
            let (resources, not_resource) = match (list("Resource")?, list("NotResource")?) {
                (Some(r), _) => (Some(r), false),
                (None, Some(n)) => (Some(n), true),
                (None, None) => (None, false),
            };
            out.push(Statement {
                allow,
                actions,
                not_action,
                resources,
                not_resource,
                conditional: s.get("Condition").is_some_and(|c| !c.is_null()),
            });
        }
        Ok(Self {
            name: name.to_string(),
            statements: out,
        })
    }
}

impl Statement {
    /// Whether the statement applies to the request. A statement without Action or Resource
    /// (invalid for identity policies) applies to nothing when it allows and to everything when
    /// it denies: conservative both ways.
    fn applies(&self, action: &str, resource: &str) -> bool {
        let action_hit = match &self.actions {
            None => !self.allow,
            Some(patterns) => {
                let hit = patterns
                    .iter()
                    .any(|p| glob(&p.to_ascii_lowercase(), &action.to_ascii_lowercase()));
                hit != self.not_action
            }
        };
        let resource_hit = match &self.resources {
            None => !self.allow,
            Some(patterns) => {
                let hit = patterns.iter().any(|p| glob(p, resource));
                hit != self.not_resource
            }
        };
        action_hit && resource_hit
    }
}

/// Evaluates `action` on `resource` against all `policies` together.
pub fn evaluate(policies: &[Policy], action: &str, resource: &str) -> Decision {
    let mut allowed_by = None;
    for policy in policies {
        for s in &policy.statements {
            if !s.applies(action, resource) {
                continue;
            }
            if !s.allow {
                return Decision::ExplicitDeny(policy.name.clone());
            }
            if !s.conditional && allowed_by.is_none() {
                allowed_by = Some(policy.name.clone());
            }
        }
    }
    allowed_by.map_or(Decision::ImplicitDeny, Decision::Allowed)
}

/// IAM wildcard match: `*` any run of characters, `?` one character.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Decodes `%XX` escapes (and `+` as space, which IAM never emits for JSON but form encoders do).
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(doc: &str) -> Policy {
        Policy::parse("p", doc).expect("valid policy")
    }

    #[test]
    fn wildcards() {
        assert!(glob("arn:aws:s3:::b/csv/*", "arn:aws:s3:::b/csv/x"));
        assert!(glob("arn:aws:s3:::b/*/x", "arn:aws:s3:::b/csv/x"));
        assert!(glob("arn:aws:s3:::b/cs?/x", "arn:aws:s3:::b/csv/x"));
        assert!(!glob("arn:aws:s3:::b/logs/*", "arn:aws:s3:::b/csv/x"));
        assert!(!glob("arn:aws:s3:::b", "arn:aws:s3:::b/csv/x"));
        assert!(glob("*", ""));
        assert!(glob("a*b*c", "aXXbYYc"));
        assert!(!glob("a*b*c", "aXXbYY"));
    }

    #[test]
    fn url_encoded_single_statement_and_string_values() {
        let p = policy("%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3APut%2A%22%2C%22Resource%22%3A%22arn%3Aaws%3As3%3A%3A%3Ab%2Fcsv%2F%2A%22%7D%7D");
        assert_eq!(
            evaluate(
                std::slice::from_ref(&p),
                "s3:PutObject",
                "arn:aws:s3:::b/csv/x"
            ),
            Decision::Allowed("p".into())
        );
        assert_eq!(
            evaluate(&[p], "s3:PutObject", "arn:aws:s3:::b/logs/x"),
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn explicit_deny_wins_and_actions_ignore_case() {
        let allow =
            policy(r#"{"Statement":[{"Effect":"Allow","Action":["S3:*"],"Resource":"*"}]}"#);
        let deny = Policy::parse(
            "deny",
            r#"{"Statement":[{"Effect":"Deny","Action":"s3:PutObject","Resource":["arn:aws:s3:::b/csv/*"]}]}"#,
        )
        .expect("valid");
        let both = [allow.clone(), deny];
        assert_eq!(
            evaluate(&both, "s3:PutObject", "arn:aws:s3:::b/csv/x"),
            Decision::ExplicitDeny("deny".into())
        );
        assert_eq!(
            evaluate(&both, "s3:PutObject", "arn:aws:s3:::b/logs/x"),
            Decision::Allowed("p".into())
        );
    }

    #[test]
    fn not_action_not_resource_and_conditions() {
        let p = policy(
            r#"{"Statement":[
              {"Effect":"Allow","NotAction":"iam:*","Resource":"*"},
              {"Effect":"Deny","Action":"*","NotResource":"arn:aws:s3:::b/*"}]}"#,
        );
        assert_eq!(
            evaluate(
                std::slice::from_ref(&p),
                "s3:PutObject",
                "arn:aws:s3:::b/csv/x"
            ),
            Decision::Allowed("p".into())
        );
        assert_eq!(
            evaluate(
                std::slice::from_ref(&p),
                "s3:PutObject",
                "arn:aws:s3:::other/x"
            ),
            Decision::ExplicitDeny("p".into())
        );
        assert_eq!(
            evaluate(&[p], "iam:PassRole", "arn:aws:s3:::b/x"),
            Decision::ImplicitDeny
        );
        let conditional = policy(
            r#"{"Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}"#,
        );
        assert_eq!(
            evaluate(&[conditional], "s3:PutObject", "arn:aws:s3:::b/x"),
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn rejects_broken_documents() {
        assert!(Policy::parse("p", "{not json").is_err());
        assert!(Policy::parse("p", r#"{"Statement":[{"Effect":"Maybe"}]}"#).is_err());
        assert!(Policy::parse("p", "%ZZ").is_err());
    }
}

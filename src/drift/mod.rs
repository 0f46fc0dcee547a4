//! State vs live: drifted attributes, volatile ones, waivers.
//!
//! [`refresh`] runs `terraform plan -refresh-only -out` + `terraform show -json` and reads the
//! plan into [`Refreshed`]; [`audit`] is a pure function of that, the waiver file and today's
//! date, returning an [`Audit`]: every difference is either drift or listed as ignored (volatile
//! or waived), never dropped. The verdict comes from our own reading of the differences, never
//! from Terraform's exit code (hashicorp/terraform #35117).

pub use pipeform_parse::drift_diff as diff;
mod refresh;
pub mod volatile;
pub mod waivers;

use chrono::NaiveDate;
use serde_json::Value;

pub use diff::{AttrPath, Difference};
pub use refresh::{ensure_root_module, refresh, DriftError, Refreshed};
pub use waivers::{Waiver, WaiverError, Waivers};

/// Shown instead of a value Terraform marks sensitive.
pub const REDACTED: &str = "(sensitive)";

/// A managed resource of the state (what the audit checked).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Managed {
    /// Address, e.g. `module.nat.aws_instance.this`.
    pub address: String,
    /// Type, e.g. `aws_instance`.
    pub resource_type: String,
}

/// One entry of the plan's `resource_drift`: a resource whose refresh changed something.
#[derive(Debug, Clone)]
pub struct DriftEntry {
    /// Address.
    pub address: String,
    /// Type.
    pub resource_type: String,
    /// `update`, or `delete` when it is gone from the live account.
    pub action: String,
    /// Values in state.
    pub before: Value,
    /// Values live (null when deleted).
    pub after: Value,
    /// Terraform's sensitivity mask of `before` (`true`, or a structure of booleans).
    pub before_sensitive: Value,
    /// Sensitivity mask of `after`.
    pub after_sensitive: Value,
}

/// A differing attribute that counts as drift.
#[derive(Debug, Clone, PartialEq)]
pub struct DriftedAttribute {
    /// Path, e.g. `ingress[2].cidr_blocks[0]`.
    pub path: String,
    /// Value in state (sensitive values redacted).
    pub state: Value,
    /// Live value (sensitive values redacted).
    pub live: Value,
    /// A waiver that named this difference but has expired.
    pub expired_waiver: Option<Waiver>,
}

/// A resource with drift.
#[derive(Debug, Clone, PartialEq)]
pub struct DriftedResource {
    /// Address.
    pub address: String,
    /// Type.
    pub resource_type: String,
    /// What a refresh would do to the state: `update`, or `delete` (gone live).
    pub action: String,
    /// The differences, in path order.
    pub attributes: Vec<DriftedAttribute>,
}

/// Why a difference does not count.
#[derive(Debug, Clone, PartialEq)]
pub enum IgnoredBecause {
    /// On the documented list of volatile attributes.
    Volatile(&'static str),
    /// Accepted by a waiver that has not expired.
    Waived(Waiver),
}

/// A difference that does not count, listed so nothing is dropped silently.
#[derive(Debug, Clone, PartialEq)]
pub struct Ignored {
    /// Address.
    pub address: String,
    /// Path.
    pub path: String,
    /// Value in state.
    pub state: Value,
    /// Live value.
    pub live: Value,
    /// Why.
    pub because: IgnoredBecause,
}

/// The result of one audit.
#[derive(Debug, Clone, Default)]
pub struct Audit {
    /// Every managed resource checked, in address order.
    pub resources: Vec<Managed>,
    /// Resources with drift, in address order.
    pub drift: Vec<DriftedResource>,
    /// Differences that do not count.
    pub ignored: Vec<Ignored>,
    /// Waivers past their expiry date (they no longer apply).
    pub expired_waivers: Vec<Waiver>,
}

impl Audit {
    /// True when something drifted.
    pub fn has_drift(&self) -> bool {
        !self.drift.is_empty()
    }

    /// The drift of one resource, if any.
    pub fn drift_of(&self, address: &str) -> Option<&DriftedResource> {
        self.drift.iter().find(|d| d.address == address)
    }

    /// Ignored differences of one resource.
    pub fn ignored_of<'a>(&'a self, address: &'a str) -> impl Iterator<Item = &'a Ignored> + 'a {
        self.ignored.iter().filter(move |i| i.address == address)
    }

    /// Number of ignored differences that a waiver accepted.
    pub fn waived_count(&self) -> usize {
        self.ignored
            .iter()
            .filter(|i| matches!(i.because, IgnoredBecause::Waived(_)))
            .count()
    }
}

/// Judges the refreshed plan: each difference is drift, volatile, or waived.
pub fn audit(refreshed: &Refreshed, waivers: &Waivers, today: NaiveDate) -> Audit {
    let mut out = Audit {
        expired_waivers: waivers
            .entries
            .iter()
            .filter(|w| w.expired(today))
            .cloned()
            .collect(),
        ..Audit::default()
    };
    let mut resources = refreshed.managed.clone();
    for r in &refreshed.drift {
        let diffs = diff::differences(&r.before, &r.after);
        let mut attributes = Vec::new();
        for d in diffs {
            let state = redact(&d.state, &r.before_sensitive, &d.path);
            let live = redact(&d.live, &r.after_sensitive, &d.path);
            let path = d.path.to_string();
            if let Some(v) = volatile::lookup(&r.resource_type, &d.path) {
                out.ignored.push(Ignored {
                    address: r.address.clone(),
                    path,
                    state,
                    live,
                    because: IgnoredBecause::Volatile(v.reason),
                });
                continue;
            }
            match waivers.find(&r.address, &d.path, today) {
                Some(w) if !w.expired(today) => out.ignored.push(Ignored {
                    address: r.address.clone(),
                    path,
                    state,
                    live,
                    because: IgnoredBecause::Waived(w.clone()),
                }),
                expired => attributes.push(DriftedAttribute {
                    path,
                    state,
                    live,
                    expired_waiver: expired.cloned(),
                }),
            }
        }
        if !attributes.is_empty() {
            out.drift.push(DriftedResource {
                address: r.address.clone(),
                resource_type: r.resource_type.clone(),
                action: r.action.clone(),
                attributes,
            });
        }
        // A resource deleted out of band is no longer in the refreshed state: still checked.
        resources.push(Managed {
            address: r.address.clone(),
            resource_type: r.resource_type.clone(),
        });
    }
    resources.sort();
    resources.dedup();
    out.resources = resources;
    out.drift.sort_by(|a, b| a.address.cmp(&b.address));
    out.ignored
        .sort_by(|a, b| (&a.address, &a.path).cmp(&(&b.address, &b.path)));
    out
}

/// `value` (found at `path`) with everything Terraform's mask marks sensitive replaced.
fn redact(value: &Value, mask: &Value, path: &AttrPath) -> Value {
    let mut m = mask;
    for step in &path.0 {
        if m == &Value::Bool(true) {
            return Value::String(REDACTED.into());
        }
        m = match (step, m) {
            (diff::Step::Key(k), Value::Object(o)) => o.get(k).unwrap_or(&Value::Null),
            (diff::Step::Index(i), Value::Array(a)) => a.get(*i).unwrap_or(&Value::Null),
            _ => &Value::Null,
        };
    }
    apply_mask(value, m)
}

fn apply_mask(value: &Value, mask: &Value) -> Value {
    match (value, mask) {
        (Value::Null, _) => Value::Null,
        (_, Value::Bool(true)) => Value::String(REDACTED.into()),
        (Value::Object(o), Value::Object(m)) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), apply_mask(v, m.get(k).unwrap_or(&Value::Null))))
                .collect(),
        ),
        (Value::Array(a), Value::Array(m)) => Value::Array(
            a.iter()
                .enumerate()
                .map(|(i, v)| apply_mask(v, m.get(i).unwrap_or(&Value::Null)))
                .collect(),
        ),
        _ => value.clone(),
    }
}

#[cfg(test)]
mod tests;

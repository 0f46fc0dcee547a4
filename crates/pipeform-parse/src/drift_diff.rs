//! Attribute-by-attribute differences between two JSON values (state vs live).
//!
//! Rules, chosen to match what Terraform itself counts as a change:
//! - `null`, `""`, `[]` and `{}` are all "empty" and equal to each other; an object whose
//!   attributes are all empty equals `null` (the provider writes `tags = {}` where the state
//!   has `null`, or a `timeouts` block as `null` where the config had none).
//! - Numbers compare by value (`30` equals `30.0`).
//! - Lists are compared as multisets first: an element present on both sides matches wherever it
//!   sits, so a reordered set is no difference and a rule added by hand shows as one extra
//!   element. Unmatched elements are then paired in order and compared inside (a changed CIDR
//!   inside a rule shows as `ingress[1].cidr_blocks[0]`); what remains is an element that is only
//!   in state (live `null`) or only live (state `null`).
//! - A list or map that is empty on one side and not on the other is reported as a whole
//!   (`alarm_actions: ["arn:..."] -> []`), which reads better than one row per element.

use serde_json::Value;

/// One step of an attribute path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    /// An object key.
    Key(String),
    /// A list index.
    Index(usize),
}

/// An attribute path, e.g. `ingress[2].cidr_blocks[0]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct AttrPath(pub Vec<Step>);

impl AttrPath {
    fn child(&self, step: Step) -> Self {
        let mut steps = self.0.clone();
        steps.push(step);
        Self(steps)
    }

    /// True when `prefix` is this path or an ancestor of it (`tags` of `tags.Name`).
    pub fn starts_with(&self, prefix: &AttrPath) -> bool {
        self.0.len() >= prefix.0.len() && self.0[..prefix.0.len()] == prefix.0[..]
    }

    /// Parses the text form (`tags.Name`, `ingress[2].cidr_blocks[0]`); `None` when malformed.
    pub fn parse(text: &str) -> Option<Self> {
        let mut steps = Vec::new();
        for (i, part) in text.split('.').enumerate() {
            let (name, mut rest) = match part.find('[') {
                Some(at) => part.split_at(at),
                None => (part, ""),
            };
            if name.is_empty() && !(i == 0 && name.is_empty() && !rest.is_empty()) {
                return None;
            }
            if !name.is_empty() {
                if name.contains(']') {
                    return None;
                }
                steps.push(Step::Key(name.to_string()));
            }
            while !rest.is_empty() {
                let close = rest.find(']')?;
                let index = rest.get(1..close)?.parse().ok()?;
                steps.push(Step::Index(index));
                rest = &rest[close + 1..];
                if !rest.is_empty() && !rest.starts_with('[') {
                    return None;
                }
            }
        }
        if steps.is_empty() {
            None
        } else {
            Some(Self(steps))
        }
    }
}

impl std::fmt::Display for AttrPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                Step::Key(k) if i == 0 => write!(f, "{k}")?,
                Step::Key(k) => write!(f, ".{k}")?,
                Step::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// One differing attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// Where.
    pub path: AttrPath,
    /// The value recorded in state at the last apply.
    pub state: Value,
    /// The value read from the live account.
    pub live: Value,
}

/// Every attribute path where `state` and `live` differ, in path order.
pub fn differences(state: &Value, live: &Value) -> Vec<Difference> {
    let mut out = Vec::new();
    walk(&AttrPath::default(), state, live, &mut out);
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// True when Terraform would see no difference between the two values.
pub fn equivalent(a: &Value, b: &Value) -> bool {
    match (a, b) {
        _ if is_empty(a) && is_empty(b) => true,
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Object(x), _) if is_empty(b) => x.values().all(is_empty_deep),
        (_, Value::Object(y)) if is_empty(a) => y.values().all(is_empty_deep),
        (Value::Object(x), Value::Object(y)) => x.keys().chain(y.keys()).all(|k| {
            equivalent(
                x.get(k).unwrap_or(&Value::Null),
                y.get(k).unwrap_or(&Value::Null),
            )
        }),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && unmatched(x, y).0.is_empty(),
        _ => a == b,
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// Empty, or an object of nothing but empty values (`{"delete": null}`).
fn is_empty_deep(v: &Value) -> bool {
    match v {
        Value::Object(o) => o.values().all(is_empty_deep),
        other => is_empty(other),
    }
}

/// Indexes of the elements of `a` and of `b` that have no equivalent partner on the other side.
fn unmatched(a: &[Value], b: &[Value]) -> (Vec<usize>, Vec<usize>) {
    let mut taken = vec![false; b.len()];
    let mut left = Vec::new();
    for (i, x) in a.iter().enumerate() {
        let partner = b
            .iter()
            .enumerate()
            .position(|(j, y)| !taken[j] && equivalent(x, y));
        match partner {
            Some(j) => taken[j] = true,
            None => left.push(i),
        }
    }
    let right = (0..b.len()).filter(|&j| !taken[j]).collect();
    (left, right)
}

fn walk(path: &AttrPath, state: &Value, live: &Value, out: &mut Vec<Difference>) {
    if equivalent(state, live) {
        return;
    }
    let record = |out: &mut Vec<Difference>| {
        out.push(Difference {
            path: path.clone(),
            state: state.clone(),
            live: live.clone(),
        })
    };
    match (state, live) {
        (Value::Object(s), Value::Object(l)) => {
            let mut keys: Vec<&String> = s.keys().chain(l.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                walk(
                    &path.child(Step::Key(k.clone())),
                    s.get(k).unwrap_or(&Value::Null),
                    l.get(k).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        // A whole resource (or block) present on one side only: list its attributes one by one,
        // so a resource deleted out of band shows what it was.
        (Value::Object(s), _) if path.0.is_empty() && live.is_null() => {
            for (k, v) in s {
                walk(&path.child(Step::Key(k.clone())), v, &Value::Null, out);
            }
        }
        (Value::Array(s), Value::Array(l)) if !s.is_empty() && !l.is_empty() => {
            let (gone, added) = unmatched(s, l);
            let pairs = gone.len().min(added.len());
            for (&i, &j) in gone.iter().zip(&added) {
                // Name the pair by its place in the live list: that is what one would look up.
                walk(&path.child(Step::Index(j)), &s[i], &l[j], out);
            }
            for &i in &gone[pairs..] {
                out.push(Difference {
                    path: path.child(Step::Index(i)),
                    state: s[i].clone(),
                    live: Value::Null,
                });
            }
            for &j in &added[pairs..] {
                out.push(Difference {
                    path: path.child(Step::Index(j)),
                    state: Value::Null,
                    live: l[j].clone(),
                });
            }
        }
        _ => record(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rows(state: Value, live: Value) -> Vec<(String, Value, Value)> {
        differences(&state, &live)
            .into_iter()
            .map(|d| (d.path.to_string(), d.state, d.live))
            .collect()
    }

    #[test]
    fn scalar_change_is_one_row() {
        assert_eq!(
            rows(
                json!({"name": "/offsets/carbon_log", "retention_in_days": 30}),
                json!({"name": "/offsets/carbon_log", "retention_in_days": 7})
            ),
            vec![("retention_in_days".into(), json!(30), json!(7))]
        );
    }

    #[test]
    fn empty_values_are_equal_as_terraform_sees_them() {
        let state = json!({"tags": null, "timeouts": null, "description": "", "ids": [], "n": 30});
        let live = json!({"tags": {}, "timeouts": {"create": null, "delete": null},
                          "description": null, "ids": null, "n": 30.0});
        assert_eq!(rows(state, live), vec![]);
        // A missing key is null too.
        assert_eq!(rows(json!({"a": 1, "b": ""}), json!({"a": 1})), vec![]);
    }

    #[test]
    fn nested_map_key_gets_a_dotted_path() {
        assert_eq!(
            rows(
                json!({"tags": {"Name": "nat", "Project": "offsets"}}),
                json!({"tags": {"Name": "renamed", "Project": "offsets", "Owner": "bob"}})
            ),
            vec![
                ("tags.Name".into(), json!("nat"), json!("renamed")),
                ("tags.Owner".into(), Value::Null, json!("bob")),
            ]
        );
    }

    #[test]
    fn emptied_list_is_reported_whole() {
        let arn = "arn:aws:sns:ap-northeast-2:123456789012:offsets-alerts";
        assert_eq!(
            rows(
                json!({"alarm_actions": [arn], "ok_actions": [arn]}),
                json!({"alarm_actions": [], "ok_actions": [arn]})
            ),
            vec![("alarm_actions".into(), json!([arn]), json!([]))]
        );
    }

    #[test]
    fn reordered_set_is_no_difference() {
        assert_eq!(
            rows(
                json!({"ingress": [{"from_port": 22, "cidr_blocks": ["a"]}, {"from_port": 443, "cidr_blocks": ["b"]}]}),
                json!({"ingress": [{"from_port": 443, "cidr_blocks": ["b"]}, {"from_port": 22, "cidr_blocks": ["a"]}]})
            ),
            vec![]
        );
    }

    #[test]
    fn rule_added_by_hand_is_one_extra_element() {
        let ssh = json!({"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["203.0.113.10/32"]});
        let https = json!({"from_port": 443, "to_port": 443, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]});
        let rows = rows(
            json!({"ingress": [ssh.clone()]}),
            json!({"ingress": [https.clone(), ssh.clone()]}),
        );
        assert_eq!(rows, vec![("ingress[0]".into(), Value::Null, https)]);
    }

    #[test]
    fn changed_element_is_compared_inside() {
        let rows = rows(
            json!({"ingress": [{"from_port": 22, "cidr_blocks": ["203.0.113.10/32"]}, {"from_port": 80, "cidr_blocks": []}]}),
            json!({"ingress": [{"from_port": 80, "cidr_blocks": []}, {"from_port": 22, "cidr_blocks": ["0.0.0.0/0"]}]}),
        );
        assert_eq!(
            rows,
            vec![(
                "ingress[1].cidr_blocks[0]".into(),
                json!("203.0.113.10/32"),
                json!("0.0.0.0/0")
            )]
        );
    }

    #[test]
    fn removed_element_is_listed_with_live_null() {
        let rows = rows(json!({"ids": ["a", "b", "c"]}), json!({"ids": ["a", "c"]}));
        assert_eq!(rows, vec![("ids[1]".into(), json!("b"), Value::Null)]);
    }

    #[test]
    fn deleted_resource_lists_what_it_was() {
        let rows = rows(
            json!({"id": "r-rtb-1", "destination_cidr_block": "0.0.0.0/0", "gateway_id": "",
                   "network_interface_id": "eni-1", "timeouts": null}),
            Value::Null,
        );
        assert_eq!(
            rows,
            vec![
                (
                    "destination_cidr_block".into(),
                    json!("0.0.0.0/0"),
                    Value::Null
                ),
                ("id".into(), json!("r-rtb-1"), Value::Null),
                ("network_interface_id".into(), json!("eni-1"), Value::Null),
            ]
        );
    }

    #[test]
    fn boolean_flip_is_a_difference() {
        assert_eq!(
            rows(
                json!({"source_dest_check": false}),
                json!({"source_dest_check": true})
            ),
            vec![("source_dest_check".into(), json!(false), json!(true))]
        );
    }

    #[test]
    fn paths_parse_and_print_round_trip() {
        for p in [
            "retention_in_days",
            "tags.Name",
            "ingress[2].cidr_blocks[0]",
            "a[0][1].b",
        ] {
            assert_eq!(AttrPath::parse(p).expect(p).to_string(), p);
        }
        for bad in ["", ".a", "a.", "a[x]", "a[1", "a]b", "a[1]b"] {
            assert!(AttrPath::parse(bad).is_none(), "{bad}");
        }
        let tags = AttrPath::parse("tags").expect("tags");
        assert!(AttrPath::parse("tags.Name").expect("p").starts_with(&tags));
        assert!(!AttrPath::parse("tags_all.Name")
            .expect("p")
            .starts_with(&tags));
    }
}

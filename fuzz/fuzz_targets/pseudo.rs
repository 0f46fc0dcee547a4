//! Log pseudonymisation (fields `user_id` and `email`), line by line:
//! - Any line: never panics; a JSON line (starting with `{` or `[`, parsing as JSON) that is
//!   shipped stays valid JSON, and every value under a configured key (any case, any depth)
//!   is `null` or a token `h:` + 16 hex digits.
//! - A text line made of arbitrary text, ` user_id=SECRET `, and arbitrary text (the input
//!   split at its first newline) is withheld or shipped without SECRET.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use pipeform_parse::pseudo::{Line, Pseudonymiser};
use serde_json::Value;

const SECRET: &[u8] = b"Zq9SECRETq9Z";

/// Built once: compiling its regex per input would be most of the time spent.
static P: LazyLock<Pseudonymiser> = LazyLock::new(|| {
    Pseudonymiser::new(&["user_id".into(), "email".into()], b"fuzz key").expect("plain field names")
});

fn is_json_line(line: &[u8]) -> bool {
    line.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| matches!(b, b'{' | b'['))
        && serde_json::from_slice::<Value>(line).is_ok()
}

fn is_token(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => {
            s.len() == 18
                && s.starts_with("h:")
                && s[2..]
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        }
        _ => false,
    }
}

/// Every value under a configured key is a token or null.
fn fields_hidden(v: &Value) -> bool {
    match v {
        Value::Object(o) => o.iter().all(|(k, v)| {
            if ["user_id", "email"]
                .iter()
                .any(|f| f.eq_ignore_ascii_case(k))
            {
                is_token(v)
            } else {
                fields_hidden(v)
            }
        }),
        Value::Array(a) => a.iter().all(fields_hidden),
        _ => true,
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fuzz_target!(|data: &[u8]| {
    let p = &*P;
    let shipped = match p.line(data) {
        Line::Keep => Some(data.to_vec()),
        Line::Rewritten(out) => Some(out),
        Line::Withheld => None,
    };
    if let Some(out) = &shipped {
        if is_json_line(data) {
            let doc: Value = serde_json::from_slice(out).unwrap_or_else(|e| {
                panic!("{:?} is no longer JSON: {e}", String::from_utf8_lossy(out))
            });
            assert!(fields_hidden(&doc), "{}", String::from_utf8_lossy(out));
        }
    }
    let (before, after) = match data.iter().position(|b| *b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    if contains(before, SECRET) || contains(after, SECRET) {
        return;
    }
    let mut line = before.to_vec();
    line.extend_from_slice(b" user_id=");
    line.extend_from_slice(SECRET);
    line.push(b' ');
    line.extend_from_slice(after);
    if is_json_line(&line) {
        return;
    }
    match p.line(&line) {
        Line::Keep => panic!("{:?} kept as it is", String::from_utf8_lossy(&line)),
        Line::Rewritten(out) => assert!(
            !contains(&out, SECRET),
            "{:?} -> {:?}",
            String::from_utf8_lossy(&line),
            String::from_utf8_lossy(&out)
        ),
        Line::Withheld => {}
    }
});

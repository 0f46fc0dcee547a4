//! Pseudonymisation of log fields before shipping: each value of a configured field becomes
//! `h:` + the first 16 hex digits of HMAC-SHA256(key, value). The same value always maps to the
//! same pseudonym under one key, so logs stay joinable.
//!
//! The job works line by line, and a line is one of two forms:
//! - **JSON**: a line that starts with `{` or `[` (after blanks) and parses as JSON. Every
//!   occurrence of a field at any depth (key compared without case) is replaced: a string,
//!   number, boolean, array or object by one string token, `null` stays `null`. Every other
//!   string value is read with the text rules below (a message may quote a `user_id=...`).
//!   The line stays valid JSON; keys keep their order and untouched values their exact text.
//! - **Text** (everything else, including JSON that does not parse): an occurrence is the field
//!   name (any case, optionally quoted, not part of a longer name) followed by `=` or `:` with
//!   optional blanks around it. Its value is a quoted string (`"..."`, `'...'` or `\"...\"`,
//!   commas and blanks included), a bracketed `[...]`/`{...}` group, or else everything up to
//!   the next blank (so `a,b` is one value; trailing `,;)]}` stay outside).
//!
//! A line the rules cannot read safely (an opened quote or bracket that never closes, a line
//! longer than [`MAX_LINE`]) is **withheld**: not shipped, and counted so the run can say so.

use hmac::{Hmac, Mac};
use regex::bytes::Regex;
use serde_json::value::RawValue;
use sha2::Sha256;

/// Longest line read with the rules; longer lines that may hold a field are withheld.
pub const MAX_LINE: usize = 1 << 20;

/// What became of one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// No configured field in it: shipped as it is.
    Keep,
    /// Shipped with these bytes instead (no line terminator).
    Rewritten(Vec<u8>),
    /// Not shipped: a field may be in it, and the rules cannot read it safely.
    Withheld,
}

/// Rewrites log lines, field by field.
#[derive(Debug)]
pub struct Pseudonymiser {
    key: Vec<u8>,
    /// Field names, lower case.
    fields: Vec<String>,
    /// Any field name, any case: the cheap test that most lines fail.
    any: Option<Regex>,
}

/// The rules found a value they cannot delimit.
struct Unsafe;

impl Pseudonymiser {
    /// Builds the rules for `fields` (plain names: letters, digits, `_`, `-`, `.`).
    pub fn new(fields: &[String], key: &[u8]) -> Result<Self, String> {
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
        }
        let any = if fields.is_empty() {
            None
        } else {
            let names: Vec<String> = fields.iter().map(|f| regex::escape(f)).collect();
            Some(Regex::new(&format!("(?i-u){}", names.join("|"))).map_err(|e| e.to_string())?)
        };
        Ok(Self {
            key: key.to_vec(),
            fields: fields.iter().map(|f| f.to_ascii_lowercase()).collect(),
            any,
        })
    }

    /// True when no field is configured.
    pub fn is_empty(&self) -> bool {
        self.any.is_none()
    }

    /// The pseudonym of a value.
    pub fn token(&self, value: &[u8]) -> String {
        // HMAC accepts keys of any length, so new_from_slice cannot fail here.
        let mut mac = match Hmac::<Sha256>::new_from_slice(&self.key) {
            Ok(m) => m,
            Err(_) => return "h:invalid-key".into(),
        };
        mac.update(value);
        let digest = mac.finalize().into_bytes();
        format!("h:{}", &hex::encode(digest)[..16])
    }

    /// One line (without its terminator; a trailing `\r` is kept as it is).
    pub fn line(&self, line: &[u8]) -> Line {
        let Some(any) = &self.any else {
            return Line::Keep;
        };
        // A JSON escape (`"user\u005fid"`) can spell a field name the raw bytes do not hold.
        if !any.is_match(line) && memchr::memmem::find(line, b"\\u").is_none() {
            return Line::Keep;
        }
        if line.len() > MAX_LINE {
            return Line::Withheld;
        }
        let (body, cr) = match line.strip_suffix(b"\r") {
            Some(b) => (b, true),
            None => (line, false),
        };
        let result = match self.json_line(body) {
            Some(r) => r,
            None => self.text(body),
        };
        match result {
            Ok(None) => Line::Keep,
            Ok(Some(mut out)) => {
                if cr {
                    out.push(b'\r');
                }
                Line::Rewritten(out)
            }
            Err(Unsafe) => Line::Withheld,
        }
    }

    /// Whole text, line by line, withheld lines left out (tests and small inputs).
    pub fn apply(&self, text: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len());
        for piece in text.split_inclusive(|&b| b == b'\n') {
            let (line, nl) = match piece.strip_suffix(b"\n") {
                Some(l) => (l, true),
                None => (piece, false),
            };
            match self.line(line) {
                Line::Keep => out.extend_from_slice(piece),
                Line::Rewritten(r) => {
                    out.extend_from_slice(&r);
                    if nl {
                        out.push(b'\n');
                    }
                }
                Line::Withheld => {}
            }
        }
        out
    }

    fn is_field(&self, name: &str) -> bool {
        self.fields.iter().any(|f| f.eq_ignore_ascii_case(name))
    }

    /// `None` when the line is not JSON (then the text rules apply).
    fn json_line(&self, body: &[u8]) -> Option<Result<Option<Vec<u8>>, Unsafe>> {
        let start = body.iter().position(|b| !b.is_ascii_whitespace())?;
        if !matches!(body[start], b'{' | b'[') {
            return None;
        }
        let raw: &RawValue = serde_json::from_slice(body).ok()?;
        Some(self.json(raw).map(|changed| {
            changed.map(|new| {
                // serde_json skips blanks around the value; keep the line's own.
                let end = body
                    .iter()
                    .rposition(|b| !b.is_ascii_whitespace())
                    .map_or(body.len(), |i| i + 1);
                let mut out = body[..start].to_vec();
                out.extend_from_slice(new.as_bytes());
                out.extend_from_slice(&body[end..]);
                out
            })
        }))
    }

    /// The rewritten text of a JSON value, or `None` when nothing in it changes.
    fn json(&self, raw: &RawValue) -> Result<Option<String>, Unsafe> {
        let text = raw.get();
        match text.as_bytes().first() {
            Some(b'{') => {
                let entries: Entries<'_> = serde_json::from_str(text).map_err(|_| Unsafe)?;
                let mut changed = false;
                let mut parts = Vec::with_capacity(entries.0.len());
                for (k, v) in &entries.0 {
                    let new = if self.is_field(k) {
                        self.json_field(v)
                    } else {
                        self.json(v)?
                    };
                    changed |= new.is_some();
                    let key = serde_json::to_string(k).map_err(|_| Unsafe)?;
                    parts.push(format!("{key}:{}", new.as_deref().unwrap_or(v.get())));
                }
                Ok(changed.then(|| format!("{{{}}}", parts.join(","))))
            }
            Some(b'[') => {
                let items: Vec<&RawValue> = serde_json::from_str(text).map_err(|_| Unsafe)?;
                let mut changed = false;
                let mut parts = Vec::with_capacity(items.len());
                for v in &items {
                    let new = self.json(v)?;
                    changed |= new.is_some();
                    parts.push(new.unwrap_or_else(|| v.get().to_string()));
                }
                Ok(changed.then(|| format!("[{}]", parts.join(","))))
            }
            Some(b'"') => {
                // A message may carry `user_id=...` in its text.
                let s: String = serde_json::from_str(text).map_err(|_| Unsafe)?;
                match self.text(s.as_bytes())? {
                    None => Ok(None),
                    Some(new) => {
                        let new = String::from_utf8(new).map_err(|_| Unsafe)?;
                        serde_json::to_string(&new).map(Some).map_err(|_| Unsafe)
                    }
                }
            }
            _ => Ok(None),
        }
    }

    /// A field's JSON value as one token string (`null` stays).
    fn json_field(&self, v: &RawValue) -> Option<String> {
        let text = v.get();
        if text == "null" {
            return None;
        }
        // A string is hashed by its content, so `"42"` and `user_id=42` give one pseudonym.
        let value = serde_json::from_str::<String>(text).unwrap_or_else(|_| text.to_string());
        Some(format!("\"{}\"", self.token(value.as_bytes())))
    }

    /// The text rules over one line: the rewritten line, `None` when nothing changes.
    fn text(&self, line: &[u8]) -> Result<Option<Vec<u8>>, Unsafe> {
        let Some(any) = &self.any else {
            return Ok(None);
        };
        let mut out: Option<Vec<u8>> = None;
        let mut copied = 0;
        let mut at = 0;
        while let Some(m) = any.find_at(line, at) {
            at = m.end();
            let Some(occ) = occurrence(line, m.start(), m.end()) else {
                continue;
            };
            let (start, end, replacement) = match value(line, occ.value_at)? {
                None => continue,
                Some(Value::Quoted { start, end, open }) => {
                    let inner = &line[start + open.len()..end - open.len()];
                    let mut r = open.to_vec();
                    r.extend_from_slice(self.token(inner).as_bytes());
                    r.extend_from_slice(open);
                    (start, end, r)
                }
                Some(Value::Other { start, end }) => {
                    let v = &line[start..end];
                    if occ.quoted_key && v == b"null" {
                        at = end;
                        continue;
                    }
                    let token = self.token(v);
                    // After a quoted key the token is a string, so JSON-like text stays so.
                    let r = if occ.quoted_key {
                        format!("\"{token}\"")
                    } else {
                        token
                    };
                    (start, end, r.into_bytes())
                }
            };
            let o = out.get_or_insert_with(|| Vec::with_capacity(line.len() + 32));
            o.extend_from_slice(&line[copied..start]);
            o.extend_from_slice(&replacement);
            copied = end;
            at = end;
        }
        Ok(out.map(|mut o| {
            o.extend_from_slice(&line[copied..]);
            o
        }))
    }
}

/// A field name found in text, with a delimiter after it.
struct Occurrence {
    /// Where the value starts (after the delimiter and blanks).
    value_at: usize,
    /// The name was in quotes (`"user_id": 5`).
    quoted_key: bool,
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-')
}

/// Whether the name at `start..end` is a key: not inside a longer name, and followed by `=` or
/// `:`. A dotted path ending in the name (`req.user_id=`) counts: its value is the field's.
fn occurrence(line: &[u8], start: usize, end: usize) -> Option<Occurrence> {
    let mut before = start;
    let mut quoted_key = false;
    if before > 0 && matches!(line[before - 1], b'"' | b'\'') {
        before -= 1;
        quoted_key = true;
        if before > 0 && line[before - 1] == b'\\' {
            before -= 1;
        }
    }
    if before > 0 && is_name_byte(line[before - 1]) {
        return None;
    }
    let mut i = end;
    if quoted_key {
        if line.get(i) == Some(&b'\\') {
            i += 1;
        }
        if !matches!(line.get(i), Some(b'"' | b'\'')) {
            return None;
        }
        i += 1;
    } else if line.get(i).is_some_and(|&b| is_name_byte(b) || b == b'.') {
        return None;
    }
    while matches!(line.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    if !matches!(line.get(i), Some(b'=' | b':')) {
        return None;
    }
    i += 1;
    while matches!(line.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    Some(Occurrence {
        value_at: i,
        quoted_key,
    })
}

enum Value {
    /// `open` + content + `open` (the quote kept around the token).
    Quoted {
        start: usize,
        end: usize,
        open: &'static [u8],
    },
    /// A bare word or a bracketed group, hashed whole.
    Other { start: usize, end: usize },
}

/// The value starting at `at`: `Ok(None)` when there is none (end of line), `Err` when it opens
/// a quote or bracket that never closes.
fn value(line: &[u8], at: usize) -> Result<Option<Value>, Unsafe> {
    let rest = &line[at.min(line.len())..];
    match rest {
        [] => Ok(None),
        [b'\\', b'"', ..] => {
            let close = find(&rest[2..], b"\\\"").ok_or(Unsafe)?;
            Ok(Some(Value::Quoted {
                start: at,
                end: at + 2 + close + 2,
                open: b"\\\"",
            }))
        }
        [q @ (b'"' | b'\''), ..] => {
            let mut i = 1;
            while i < rest.len() {
                match rest[i] {
                    b'\\' => i += 2,
                    b if b == *q => {
                        return Ok(Some(Value::Quoted {
                            start: at,
                            end: at + i + 1,
                            open: if *q == b'"' { b"\"" } else { b"'" },
                        }))
                    }
                    _ => i += 1,
                }
            }
            Err(Unsafe)
        }
        [b'[' | b'{', ..] => {
            let len = bracketed(rest).ok_or(Unsafe)?;
            Ok(Some(Value::Other {
                start: at,
                end: at + len,
            }))
        }
        _ => {
            let mut end = rest
                .iter()
                .position(|b| b.is_ascii_whitespace())
                .unwrap_or(rest.len());
            while end > 0 && matches!(rest[end - 1], b',' | b';' | b')' | b']' | b'}') {
                end -= 1;
            }
            if end == 0 {
                return Ok(None);
            }
            Ok(Some(Value::Other {
                start: at,
                end: at + end,
            }))
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Length of the bracketed group at the start of `s` (quotes respected), `None` if it never
/// closes on this line.
fn bracketed(s: &[u8]) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_str = false;
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        if in_str {
            match b {
                b'\\' => i += 1,
                b'"' => in_str = false,
                _ => {}
            }
        } else {
            match b {
                b'"' => in_str = true,
                b'[' | b'{' => depth += 1,
                b']' | b'}' => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        return Some(i + 1);
                    }
                }
                _ => {}
            }
        }
        i += 1;
    }
    None
}

/// A JSON object's entries in their order, values as written.
struct Entries<'a>(Vec<(String, &'a RawValue)>);

impl<'de> serde::Deserialize<'de> for Entries<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Entries<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = map.next_entry::<String, &'de RawValue>()? {
                    out.push(entry);
                }
                Ok(Entries(out))
            }
        }
        d.deserialize_map(Visit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p() -> Pseudonymiser {
        Pseudonymiser::new(&["user_id".into(), "ip".into()], b"k").expect("ok")
    }

    fn out(p: &Pseudonymiser, text: &str) -> String {
        String::from_utf8(p.apply(text.as_bytes())).expect("utf8")
    }

    #[test]
    fn replaces_logfmt_and_json_values_consistently() {
        let p = p();
        let text = "t=1 user_id=42 ip=\"10.0.0.1\" other_ip=9 msg=x\n{\"user_id\": 42, \"ip\":\"10.0.0.1\", \"zip\": 1}\n";
        let out = out(&p, text);
        assert!(!out.contains("42"), "{out}");
        assert!(!out.contains("10.0.0.1"), "{out}");
        assert!(out.contains("other_ip=9"), "{out}");
        assert!(
            out.contains("\"zip\":1") || out.contains("\"zip\": 1"),
            "{out}"
        );
        let t42 = p.token(b"42");
        assert_eq!(out.matches(&t42).count(), 2, "{out}");
        let other = Pseudonymiser::new(&["user_id".into()], b"other key").expect("ok");
        assert_ne!(other.token(b"42"), t42);
        assert!(Pseudonymiser::new(&["a b".into()], b"k").is_err());
    }

    /// The forms of issue 15 that reached S3 in clear or as broken JSON.
    #[test]
    fn every_documented_form_is_replaced_and_json_stays_json() {
        let p = Pseudonymiser::new(&["user_id".into()], b"k").expect("ok");
        for line in [
            "USER_ID=S4",
            "user_id= S2",
            "user_id=a,S8b",
            "user_id:S9",
            "user_id = \"S3, with comma\" next=1",
            "{\"user_id\": [\"S11\"]}",
            "{\"user_id\": {\"v\":\"S12\"}}",
            "{\"a\": [{\"USER_ID\": 123456789}], \"b\": \"x\"}",
        ] {
            let out = String::from_utf8(p.apply(format!("{line}\n").as_bytes())).expect("utf8");
            for secret in ["S4", "S2", "S8b", "S9", "S3", "S11", "S12", "123456789"] {
                assert!(!out.contains(secret), "{line:?} -> {out:?}");
            }
            if line.starts_with('{') {
                let v: serde_json::Value = serde_json::from_str(&out).expect("still JSON");
                assert!(v.to_string().contains("h:"), "{out}");
            }
        }
        let out = p.apply(b"{\"user_id\": null}\n");
        assert_eq!(out, b"{\"user_id\": null}\n");
    }

    #[test]
    fn json_keeps_order_untouched_values_and_reads_messages() {
        let p = p();
        let line = r#"{"z": 1.50e3, "user_id": 7, "a": {"ip": null, "n": [1, {"IP": "1.2.3.4"}]}, "msg": "login user_id=S77 ok"}"#;
        let got = out(&p, line);
        let t7 = p.token(b"7");
        let tip = p.token(b"1.2.3.4");
        let t77 = p.token(b"S77");
        assert_eq!(
            got,
            format!(
                r#"{{"z":1.50e3,"user_id":"{t7}","a":{{"ip":null,"n":[1,{{"IP":"{tip}"}}]}},"msg":"login user_id={t77} ok"}}"#
            )
        );
        // Untouched JSON lines keep their exact text.
        assert_eq!(out(&p, "{\"a\":  1}\n"), "{\"a\":  1}\n");
    }

    /// Found by the `pseudo` fuzz target's property: a JSON key spelled with a `\u` escape
    /// (`"user\u005fid"` is the key `user_id`) slipped past the quick name test, and its value
    /// was shipped in clear.
    #[test]
    fn a_field_name_spelled_with_json_escapes_is_still_the_field() {
        let p = p();
        for line in [
            r#"{"user\u005fid": "S5"}"#,
            r#"{"a": {"\u0075ser_id": 5}}"#,
            r#"{"msg": "login user\u005fid=S5 ok"}"#,
        ] {
            let got = out(&p, line);
            assert!(
                !got.contains("S5") && !got.contains(": 5"),
                "{line} -> {got}"
            );
            serde_json::from_str::<serde_json::Value>(&got).expect("still JSON");
        }
    }

    #[test]
    fn what_cannot_be_read_safely_is_withheld() {
        let p = p();
        for line in [
            "user_id=\"never closed",
            "ip=[1, 2",
            "{\"user_id\": \"x, broken json",
        ] {
            assert_eq!(p.line(line.as_bytes()), Line::Withheld, "{line}");
        }
        // JSON that does not parse goes through the text rules, which can read this one.
        assert_eq!(
            out(&p, "{\"user_id\": \"x\" broken"),
            format!("{{\"user_id\": \"{}\" broken", p.token(b"x"))
        );
        // A name that is not a key is plain text.
        for line in ["the user_id field is missing", "x_user_id=5", "user_idx=5"] {
            assert_eq!(p.line(line.as_bytes()), Line::Keep, "{line}");
        }
        assert_eq!(
            out(&p, "a\r\nuser_id=5\r\n"),
            format!("a\r\nuser_id={}\r\n", p.token(b"5"))
        );
    }

    /// A secret no token can contain (tokens are lower-case hex).
    fn secret() -> impl Strategy<Value = String> {
        "S[A-Z]{6,10}"
    }

    fn field_name() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("user_id"),
            Just("USER_ID"),
            Just("User_Id"),
            Just("ip")
        ]
        .prop_map(str::to_string)
    }

    fn text_form() -> impl Strategy<Value = (String, String)> {
        let delim = prop_oneof![Just("="), Just(":"), Just(" = "), Just(": "), Just("= ")];
        let quoting = 0..6usize;
        (
            field_name(),
            delim,
            secret(),
            quoting,
            "[a-z ]{0,12}",
            "[a-z=0-9 ]{0,12}",
        )
            .prop_map(|(name, d, s, q, before, after)| {
                let value = match q {
                    0 => s.clone(),
                    1 => format!("\"{s}, more {s}\""),
                    2 => format!("'{s} x'"),
                    3 => format!("a,{s}"),
                    4 => format!("[{s}, \"{s}\"]"),
                    _ => format!("{{\"v\": \"{s}\"}}"),
                };
                let key = if q == 5 { format!("\"{name}\"") } else { name };
                (format!("{before} {key}{d}{value} {after}"), s)
            })
    }

    fn json_value(secret: String) -> impl Strategy<Value = serde_json::Value> {
        use serde_json::{json, Value};
        let s1 = secret.clone();
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            "[a-z ]{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 24, 4, move |inner| {
            let s = s1.clone();
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                (
                    prop::collection::vec(("[a-z]{1,6}", inner.clone()), 0..4),
                    field_name(),
                    prop_oneof![
                        Just(json!(s.clone())),
                        Just(json!([s.clone(), 1])),
                        Just(json!({"v": s.clone()})),
                        Just(json!(format!("user_id={s}"))),
                    ],
                )
                    .prop_map(|(entries, key, v)| {
                        let mut m = serde_json::Map::new();
                        for (k, x) in entries {
                            m.insert(k, x);
                        }
                        m.insert(key, v);
                        Value::Object(m)
                    }),
            ]
        })
    }

    proptest! {
        #[test]
        fn no_field_value_survives_in_text_lines((line, s) in text_form()) {
            let p = p();
            let got = p.line(line.as_bytes());
            prop_assert_ne!(&got, &Line::Withheld, "{}", line);
            if let Line::Rewritten(out) = got {
                let out = String::from_utf8(out).expect("utf8");
                prop_assert!(!out.contains(&s), "{} -> {}", line, out);
            } else {
                prop_assert!(false, "{} was kept as it is", line);
            }
        }

        #[test]
        fn no_field_value_survives_in_json_lines(
            (s, v) in secret().prop_flat_map(|s| (Just(s.clone()), json_value(s)))
        ) {
            let p = p();
            let line = serde_json::to_string(&v).expect("json");
            let out = String::from_utf8(p.apply(line.as_bytes())).expect("utf8");
            prop_assert!(!out.contains(&s), "{} -> {}", line, out);
            let parsed: serde_json::Value = serde_json::from_str(&out).expect("still JSON");
            // Every field at any depth is a token or null.
            fn check(v: &serde_json::Value) -> bool {
                match v {
                    serde_json::Value::Object(m) => m.iter().all(|(k, x)| {
                        if k.eq_ignore_ascii_case("user_id") || k.eq_ignore_ascii_case("ip") {
                            x.is_null() || x.as_str().is_some_and(|t| t.starts_with("h:"))
                        } else {
                            check(x)
                        }
                    }),
                    serde_json::Value::Array(a) => a.iter().all(check),
                    _ => true,
                }
            }
            prop_assert!(check(&parsed), "{}", out);
        }
    }
}

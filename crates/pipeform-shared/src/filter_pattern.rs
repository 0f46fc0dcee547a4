//! The CloudWatch Logs filter-pattern language, parsed once and evaluated against log events,
//! so pipeform can prove which lines a metric filter counts without asking AWS (moto does not
//! implement `TestMetricFilter`, and a metric filter in moto never emits data).
//!
//! What is implemented, following the AWS documentation on filter pattern syntax:
//!
//! - **Terms** (unstructured events): `ERROR`, `ERROR Exception` (every term), `?ERROR ?WARN`
//!   (any of the `?` terms), `ERROR -Exiting` (`-` excludes a term), `"quoted phrase"`. Matching
//!   is case sensitive and by substring: `ERROR` matches `ERRORCODE`. A term runs to the next
//!   space; the documentation asks for quotes around terms with punctuation, and both forms
//!   match the same text here. An event matches when it holds every plain term, none of the
//!   `-` terms, and, if there are `?` terms, at least one of them. An empty or blank pattern
//!   (`""`, `" "`) matches every event.
//! - **Space-delimited** events: `[ip, user, ..., status = 4* || status = 5*, bytes > 1000]`.
//!   The event splits on spaces into fields; text inside `"..."` or `[...]` is one field (without
//!   its quotes or brackets). `...` stands for any number of fields; without it the field count
//!   must be equal. A field may carry conditions on any named field: `=`/`!=` compare text (with
//!   `*` as a wildcard) or numbers; `<`, `<=`, `>`, `>=` compare numbers; `&&` and `||` combine.
//! - **JSON** events: `{ $.level = "ERROR" && ($.latency > 500 || $.user.tags[0] = "vip*") }`,
//!   `{ $.x IS TRUE }`, `IS FALSE`, `IS NULL`, `{ $.x NOT EXISTS }`, `{ $.x EXISTS }`. A selector
//!   that reaches no value makes its comparison false (so `!=` does not match a missing field).
//!
//! Regular expressions (`%...%`), standalone or as a term or a compared value inside the other
//! forms, are refused with a clear error ([`PatternError::regex`]): pipeform's own patterns
//! never need them, and a check must not guess (it reports such a filter as not evaluated,
//! never as wrong). Inside quotes `%` is plain text.

use std::fmt;

/// A parsed filter pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterPattern {
    kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    /// Unstructured terms.
    Terms(Vec<Term>),
    /// Space-delimited fields.
    Delimited(Vec<Field>),
    /// A JSON selector expression.
    Json(Expr<JsonPath>),
}

#[derive(Debug, Clone, PartialEq)]
enum TermKind {
    Required,
    Optional,
    Excluded,
}

#[derive(Debug, Clone, PartialEq)]
struct Term {
    kind: TermKind,
    text: String,
}

/// One position of a space-delimited pattern.
#[derive(Debug, Clone, PartialEq)]
enum Field {
    /// `...`: any number of fields.
    Ellipsis,
    /// A named field, with its conditions (on any named field).
    Named {
        name: String,
        cond: Option<Expr<String>>,
    },
}

/// A boolean expression over comparisons of selectors `S` (field names or JSON paths).
#[derive(Debug, Clone, PartialEq)]
enum Expr<S> {
    And(Box<Expr<S>>, Box<Expr<S>>),
    Or(Box<Expr<S>>, Box<Expr<S>>),
    Cmp(S, Op, Value),
    /// `IS TRUE` / `IS FALSE` / `IS NULL` / `EXISTS` / `NOT EXISTS` (JSON only).
    Is(S, Test),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Test {
    True,
    False,
    Null,
    Exists,
    NotExists,
}

/// A comparison's right-hand side.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Number(f64),
    /// Text, possibly with `*` wildcards.
    Text(String),
}

/// One step of a JSON selector: `.name` or `[index]`.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

#[derive(Debug, Clone, PartialEq)]
struct JsonPath(Vec<Step>);

/// Why a pattern could not be parsed: the pattern, the position (in characters) and the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("filter pattern {pattern:?}, at character {at}: {reason}")]
pub struct PatternError {
    /// The pattern as given.
    pub pattern: String,
    /// 0-based character position.
    pub at: usize,
    /// What is wrong there.
    pub reason: String,
}

impl PatternError {
    /// True when the pattern holds a regular expression (`%...%`), which is refused, not wrong.
    pub fn regex(&self) -> bool {
        self.reason == REGEX_REFUSED
    }
}

const REGEX_REFUSED: &str = "regular expressions (%...%) are not evaluated by pipeform";

impl FilterPattern {
    /// Parses a pattern; the error names the position and what was expected.
    pub fn parse(pattern: &str) -> Result<Self, PatternError> {
        let mut p = Parser {
            src: pattern,
            chars: pattern.chars().collect(),
            pos: 0,
        };
        p.skip_ws();
        let kind = match p.peek() {
            Some('{') => Kind::Json(p.json()?),
            Some('[') => Kind::Delimited(p.delimited()?),
            _ => Kind::Terms(p.terms()?),
        };
        p.skip_ws();
        if p.peek().is_some() {
            return Err(p.err("unexpected text after the end of the pattern"));
        }
        Ok(Self { kind })
    }

    /// Whether the pattern matches the log event's message, or why pipeform cannot tell.
    pub fn evaluate(&self, event: &str) -> Result<bool, NotEvaluated> {
        match &self.kind {
            Kind::Terms(terms) => Ok(terms_match(terms, event)),
            Kind::Delimited(fields) => delimited_match(fields, event),
            Kind::Json(expr) => Ok(match serde_json::from_str::<serde_json::Value>(event) {
                Ok(doc) => expr.eval(&|path: &JsonPath| path.select(&doc)),
                Err(_) => false,
            }),
        }
    }

    /// True when the pattern matches the log event's message; false also when pipeform cannot
    /// tell ([`FilterPattern::evaluate`] says why).
    pub fn matches(&self, event: &str) -> bool {
        self.evaluate(event).unwrap_or(false)
    }
}

/// Which of the job's two status lines a metric filter is there to count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counts {
    /// The `JOB_STATUS=FAILED` line (the failure filter).
    Failed,
    /// The `JOB_STATUS=SUCCEEDED` line (the success filter).
    Succeeded,
}

impl Counts {
    /// What the filter must give on (the FAILED line, the SUCCEEDED line).
    pub fn want(self) -> (bool, bool) {
        match self {
            Self::Failed => (true, false),
            Self::Succeeded => (false, true),
        }
    }
}

/// How a pattern fares on the job's two status lines: the rule `alarm.pattern` judges live
/// filters by and the config's `failure_pattern`/`success_pattern` are held to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusJudgement {
    /// It matches the line it counts and not the other.
    Counts,
    /// It matches (the FAILED line, the SUCCEEDED line) otherwise; the text says how.
    Wrong((bool, bool), String),
    /// pipeform cannot tell (too many splits to try).
    NotEvaluated(NotEvaluated),
}

impl FilterPattern {
    /// Judges the pattern against the job's `failed` and `succeeded` status lines
    /// ([`crate::status_line::examples`]) for the line it `counts`.
    pub fn judge_status(&self, counts: Counts, failed: &str, succeeded: &str) -> StatusJudgement {
        let got = match (self.evaluate(failed), self.evaluate(succeeded)) {
            (Ok(f), Ok(s)) => (f, s),
            (Err(e), _) | (_, Err(e)) => return StatusJudgement::NotEvaluated(e),
        };
        if got == counts.want() {
            return StatusJudgement::Counts;
        }
        let expected = match counts {
            Counts::Failed => "the FAILED line only",
            Counts::Succeeded => "the SUCCEEDED line only",
        };
        StatusJudgement::Wrong(got, format!("{}; expected {expected}", matched_words(got)))
    }
}

/// What a pattern matches of (the FAILED line, the SUCCEEDED line), in words.
pub fn matched_words((failed, succeeded): (bool, bool)) -> &'static str {
    match (failed, succeeded) {
        (true, true) => "matches both status lines",
        (true, false) => "matches only the FAILED line",
        (false, true) => "matches only the SUCCEEDED line",
        (false, false) => "matches neither status line",
    }
}

/// Why a pattern was not evaluated against an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotEvaluated {
    /// What made it too much.
    pub reason: String,
}

impl fmt::Display for NotEvaluated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not evaluated: {}", self.reason)
    }
}

impl std::error::Error for NotEvaluated {}

/// Most steps [`bind`] takes for one event. A condition that names another field, among many
/// `...`, makes the splits to try grow exponentially with the fields; well past every pattern a
/// person writes (a few fields, a few `...`), a few milliseconds of work.
const BIND_STEPS: usize = 100_000;

fn terms_match(terms: &[Term], event: &str) -> bool {
    let mut any_optional = false;
    let mut optional_hit = false;
    for t in terms {
        let hit = event.contains(t.text.as_str());
        match t.kind {
            TermKind::Required if !hit => return false,
            TermKind::Excluded if hit => return false,
            TermKind::Optional => {
                any_optional = true;
                optional_hit |= hit;
            }
            _ => {}
        }
    }
    !any_optional || optional_hit
}

/// Splits a space-delimited event: `"..."` and `[...]` are single fields, without their marks.
fn split_fields(event: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = event.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ' ') {
            chars.next();
        }
        let Some(&first) = chars.peek() else {
            return out;
        };
        let close = match first {
            '"' => Some('"'),
            '[' => Some(']'),
            _ => None,
        };
        let mut field = String::new();
        if let Some(close) = close {
            chars.next();
            for c in chars.by_ref() {
                if c == close {
                    break;
                }
                field.push(c);
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ' ' {
                    break;
                }
                field.push(c);
                chars.next();
            }
        }
        out.push(field);
    }
}

fn delimited_match(pattern: &[Field], event: &str) -> Result<bool, NotEvaluated> {
    let values = split_fields(event);
    if judged_field_by_field(pattern) {
        return Ok(positional_match(pattern, &values));
    }
    let mut bound = Vec::new();
    let mut steps = 0;
    let accept = |bound: &Bindings<'_>| conditions_hold(pattern, bound);
    bind(pattern, &values, &mut bound, &accept, &mut steps).ok_or_else(|| NotEvaluated {
        reason: format!(
            "a condition names another field among {} fields and `...`: more than {BIND_STEPS} ways to split the event's {} fields to try",
            pattern.len(),
            values.len()
        ),
    })
}

/// True when every field's conditions hold for a binding (a condition reads the first field of
/// the name it names).
fn conditions_hold(pattern: &[Field], bound: &Bindings<'_>) -> bool {
    pattern.iter().all(|f| match f {
        Field::Named {
            cond: Some(cond), ..
        } => cond.eval(&|name: &String| {
            bound
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| Datum::Text((*v).to_string()))
        }),
        _ => true,
    })
}

/// True when every condition names only its own field, and that name no other field has (a
/// condition reads the first field of its name): then each field is judged on its own value
/// alone, and [`positional_match`] gives what [`bind`] gives without trying every split (which
/// grows as fields-choose-ellipses: `[..., a, ..., b, ..., c, ...]`).
fn judged_field_by_field(pattern: &[Field]) -> bool {
    let named = |n: &str| {
        pattern
            .iter()
            .filter(|f| matches!(f, Field::Named { name, .. } if name == n))
            .count()
    };
    pattern.iter().all(|f| match f {
        Field::Named {
            name,
            cond: Some(c),
        } => c.names_only(name) && named(name) == 1,
        _ => true,
    })
}

/// Whether `pattern` matches `values` when each field is judged alone: `rest[j]` says whether
/// the fields after the current one match `values[j..]`, built from the last field back, so
/// the work is fields x positions.
fn positional_match(pattern: &[Field], values: &[String]) -> bool {
    let n = values.len();
    let mut rest: Vec<bool> = (0..=n).map(|j| j == n).collect();
    for field in pattern.iter().rev() {
        let mut here = vec![false; n + 1];
        match field {
            Field::Ellipsis => {
                let mut any = false;
                for j in (0..=n).rev() {
                    any |= rest[j];
                    here[j] = any;
                }
            }
            Field::Named { cond, .. } => {
                for j in 0..n {
                    here[j] = rest[j + 1]
                        && cond.as_ref().is_none_or(|c| {
                            c.eval(&|_: &String| Some(Datum::Text(values[j].clone())))
                        });
                }
            }
        }
        rest = here;
    }
    rest[0]
}

/// Field name -> event field, as bound so far.
type Bindings<'a> = [(&'a str, &'a str)];

/// Binds pattern fields to event fields (trying every split an `...` allows) and reports
/// whether any binding satisfies `accept`; `None` once `steps` passes [`BIND_STEPS`].
fn bind<'a>(
    pattern: &'a [Field],
    values: &'a [String],
    bound: &mut Vec<(&'a str, &'a str)>,
    accept: &dyn Fn(&Bindings<'_>) -> bool,
    steps: &mut usize,
) -> Option<bool> {
    *steps += 1;
    if *steps > BIND_STEPS {
        return None;
    }
    match pattern.split_first() {
        None => Some(values.is_empty() && accept(bound)),
        Some((Field::Ellipsis, rest)) => {
            for skip in 0..=values.len() {
                if bind(rest, &values[skip..], bound, accept, steps)? {
                    return Some(true);
                }
            }
            Some(false)
        }
        Some((Field::Named { name, .. }, rest)) => {
            let Some((value, more)) = values.split_first() else {
                return Some(false);
            };
            bound.push((name.as_str(), value.as_str()));
            let ok = bind(rest, more, bound, accept, steps);
            bound.pop();
            ok
        }
    }
}

/// A value a selector reached.
enum Datum {
    /// Text of a space-delimited field (compared as a number when both sides are numbers).
    Text(String),
    /// A JSON value.
    Json(serde_json::Value),
}

impl<S> Expr<S> {
    fn eval(&self, lookup: &dyn Fn(&S) -> Option<Datum>) -> bool {
        match self {
            Expr::And(a, b) => a.eval(lookup) && b.eval(lookup),
            Expr::Or(a, b) => a.eval(lookup) || b.eval(lookup),
            Expr::Cmp(sel, op, want) => lookup(sel).is_some_and(|got| compare(&got, *op, want)),
            Expr::Is(sel, test) => {
                let got = lookup(sel);
                match (test, got) {
                    (Test::Exists, got) => got.is_some(),
                    (Test::NotExists, got) => got.is_none(),
                    (Test::True, Some(Datum::Json(serde_json::Value::Bool(true)))) => true,
                    (Test::False, Some(Datum::Json(serde_json::Value::Bool(false)))) => true,
                    (Test::Null, Some(Datum::Json(serde_json::Value::Null))) => true,
                    _ => false,
                }
            }
        }
    }
}

fn compare(got: &Datum, op: Op, want: &Value) -> bool {
    let (got_num, got_text) = match got {
        Datum::Text(t) => (t.parse::<f64>().ok(), Some(t.as_str())),
        Datum::Json(serde_json::Value::Number(n)) => (n.as_f64(), None),
        Datum::Json(serde_json::Value::String(s)) => (None, Some(s.as_str())),
        Datum::Json(_) => (None, None),
    };
    match want {
        Value::Number(w) => {
            let Some(g) = got_num else {
                return false;
            };
            match op {
                Op::Eq => g == *w,
                Op::Ne => g != *w,
                Op::Lt => g < *w,
                Op::Le => g <= *w,
                Op::Gt => g > *w,
                Op::Ge => g >= *w,
            }
        }
        Value::Text(w) => {
            let Some(g) = got_text else {
                return false;
            };
            match op {
                Op::Eq => wildcard(w, g),
                Op::Ne => !wildcard(w, g),
                // Ordering applies to numbers only; the parser refuses it on text.
                _ => false,
            }
        }
    }
}

/// `*` matches any run of characters; everything else literally, case sensitive.
fn wildcard(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

impl JsonPath {
    fn select(&self, doc: &serde_json::Value) -> Option<Datum> {
        let mut at = doc;
        for step in &self.0 {
            at = match step {
                Step::Key(k) => at.as_object()?.get(k)?,
                Step::Index(i) => at.as_array()?.get(*i)?,
            };
        }
        Some(Datum::Json(at.clone()))
    }
}

impl fmt::Display for FilterPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Terms(t) => write!(f, "{} term(s)", t.len()),
            Kind::Delimited(d) => write!(f, "{} space-delimited field(s)", d.len()),
            Kind::Json(_) => f.write_str("a JSON expression"),
        }
    }
}

struct Parser<'a> {
    src: &'a str,
    chars: Vec<char>,
    pos: usize,
}

impl Parser<'_> {
    fn err(&self, reason: impl Into<String>) -> PatternError {
        PatternError {
            pattern: self.src.to_string(),
            at: self.pos,
            reason: reason.into(),
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, s: &str) -> bool {
        let n = s.chars().count();
        if self.chars.len() >= self.pos + n
            && self.chars[self.pos..self.pos + n]
                .iter()
                .copied()
                .eq(s.chars())
        {
            self.pos += n;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, s: &str, what: &str) -> Result<(), PatternError> {
        self.skip_ws();
        if self.eat(s) {
            Ok(())
        } else {
            Err(self.err(format!("expected {what}")))
        }
    }

    /// `"..."` with `\` escaping the next character; the caller has seen the opening quote.
    fn quoted(&mut self) -> Result<String, PatternError> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        while let Some(c) = self.peek() {
            self.pos += 1;
            match c {
                '"' => return Ok(out),
                '\\' => {
                    if let Some(next) = self.peek() {
                        out.push(next);
                        self.pos += 1;
                    }
                }
                c => out.push(c),
            }
        }
        self.pos = start;
        Err(self.err("unterminated quoted phrase: add the closing \""))
    }

    fn terms(&mut self) -> Result<Vec<Term>, PatternError> {
        let mut terms = Vec::new();
        loop {
            self.skip_ws();
            let Some(c) = self.peek() else {
                return Ok(terms);
            };
            let kind = match c {
                '?' => TermKind::Optional,
                '-' => TermKind::Excluded,
                _ => TermKind::Required,
            };
            if kind != TermKind::Required {
                self.pos += 1;
            }
            if self.peek() == Some('%') {
                return Err(self.err(REGEX_REFUSED));
            }
            let text = if self.peek() == Some('"') {
                self.quoted()?
            } else {
                let mut t = String::new();
                while let Some(c) = self.peek().filter(|c| !c.is_whitespace()) {
                    t.push(c);
                    self.pos += 1;
                }
                t
            };
            // A blank phrase (`" "`) matches everything, like an empty pattern.
            if text.trim().is_empty() {
                if kind != TermKind::Required {
                    return Err(self.err("expected a term after '?' or '-'"));
                }
                continue;
            }
            terms.push(Term { kind, text });
        }
    }

    fn delimited(&mut self) -> Result<Vec<Field>, PatternError> {
        self.expect("[", "'['")?;
        let mut fields = Vec::new();
        loop {
            self.skip_ws();
            if self.eat("...") {
                // `..., ...` means what one `...` means; each kept would multiply the splits
                // `bind` tries.
                if fields.last() != Some(&Field::Ellipsis) {
                    fields.push(Field::Ellipsis);
                }
            } else {
                let name = self.ident()?;
                self.skip_ws();
                let cond = if matches!(self.peek(), Some(',' | ']')) {
                    None
                } else {
                    // The first comparison is on this field; later ones name their own.
                    let first = self.comparison(Some(name.clone()), &|p| p.ident())?;
                    Some(self.rest_of_expr(first, &|p| p.ident())?)
                };
                fields.push(Field::Named { name, cond });
            }
            self.skip_ws();
            if self.eat("]") {
                break;
            }
            self.expect(",", "',' or ']' between fields")?;
        }
        if fields.is_empty() {
            return Err(self.err("a space-delimited pattern needs at least one field"));
        }
        let names: Vec<&String> = fields
            .iter()
            .filter_map(|f| match f {
                Field::Named { name, .. } => Some(name),
                Field::Ellipsis => None,
            })
            .collect();
        for f in &fields {
            if let Field::Named {
                cond: Some(cond), ..
            } = f
            {
                cond.check_names(&names).map_err(|n| {
                    self.err(format!(
                        "condition on {n:?}, which is not a field of the pattern"
                    ))
                })?;
            }
        }
        Ok(fields)
    }

    fn ident(&mut self) -> Result<String, PatternError> {
        self.skip_ws();
        let mut s = String::new();
        while let Some(c) = self.peek().filter(|c| c.is_alphanumeric() || *c == '_') {
            s.push(c);
            self.pos += 1;
        }
        if s.is_empty() {
            Err(self.err("expected a field name (letters, digits, '_') or '...'"))
        } else {
            Ok(s)
        }
    }

    fn json(&mut self) -> Result<Expr<JsonPath>, PatternError> {
        self.expect("{", "'{'")?;
        let e = self.or_expr(&|p| p.json_path())?;
        self.expect("}", "'}' closing the JSON pattern, or '&&' / '||'")?;
        Ok(e)
    }

    fn json_path(&mut self) -> Result<JsonPath, PatternError> {
        self.skip_ws();
        if !self.eat("$") {
            return Err(self.err("expected a selector starting with '$', e.g. $.level"));
        }
        let mut steps = Vec::new();
        loop {
            if self.eat(".") {
                let mut key = String::new();
                while let Some(c) = self
                    .peek()
                    .filter(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '@' | ':'))
                {
                    key.push(c);
                    self.pos += 1;
                }
                if key.is_empty() {
                    return Err(self.err("expected a key name after '.'"));
                }
                steps.push(Step::Key(key));
            } else if self.eat("[") {
                let mut n = String::new();
                while let Some(c) = self.peek().filter(char::is_ascii_digit) {
                    n.push(c);
                    self.pos += 1;
                }
                let i = n
                    .parse()
                    .map_err(|_| self.err("expected an array index, e.g. [0]"))?;
                if !self.eat("]") {
                    return Err(self.err("expected ']' after the array index"));
                }
                steps.push(Step::Index(i));
            } else {
                break;
            }
        }
        if steps.is_empty() {
            return Err(self.err("a selector needs at least one step, e.g. $.level"));
        }
        Ok(JsonPath(steps))
    }

    fn or_expr<S>(
        &mut self,
        sel: &dyn Fn(&mut Self) -> Result<S, PatternError>,
    ) -> Result<Expr<S>, PatternError> {
        let first = self.and_expr(sel)?;
        self.rest_of_or(first, sel)
    }

    fn rest_of_or<S>(
        &mut self,
        mut left: Expr<S>,
        sel: &dyn Fn(&mut Self) -> Result<S, PatternError>,
    ) -> Result<Expr<S>, PatternError> {
        loop {
            self.skip_ws();
            if !self.eat("||") {
                return Ok(left);
            }
            let right = self.and_expr(sel)?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
    }

    fn and_expr<S>(
        &mut self,
        sel: &dyn Fn(&mut Self) -> Result<S, PatternError>,
    ) -> Result<Expr<S>, PatternError> {
        let first = self.primary(sel)?;
        self.rest_of_and(first, sel)
    }

    fn rest_of_and<S>(
        &mut self,
        mut left: Expr<S>,
        sel: &dyn Fn(&mut Self) -> Result<S, PatternError>,
    ) -> Result<Expr<S>, PatternError> {
        loop {
            self.skip_ws();
            if !self.eat("&&") {
                return Ok(left);
            }
            let right = self.primary(sel)?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
    }

    /// Continues an expression whose first comparison is already parsed (`&&` binds tighter).
    fn rest_of_expr<S>(
        &mut self,
        first: Expr<S>,
        sel: &dyn Fn(&mut Self) -> Result<S, PatternError>,
    ) -> Result<Expr<S>, PatternError> {
        let left = self.rest_of_and(first, sel)?;
        self.rest_of_or(left, sel)
    }

    fn primary<S>(
        &mut self,
        sel: &dyn Fn(&mut Self) -> Result<S, PatternError>,
    ) -> Result<Expr<S>, PatternError> {
        self.skip_ws();
        if self.eat("(") {
            let e = self.or_expr(sel)?;
            self.expect(")", "')'")?;
            return Ok(e);
        }
        self.comparison(None, sel)
    }

    /// `selector op value`, or `selector IS TRUE|FALSE|NULL`, `selector [NOT] EXISTS`; with
    /// `given`, the selector is already known (a space-delimited field's own condition).
    fn comparison<S>(
        &mut self,
        given: Option<S>,
        sel: &dyn Fn(&mut Self) -> Result<S, PatternError>,
    ) -> Result<Expr<S>, PatternError> {
        let s = match given {
            Some(s) => s,
            None => sel(self)?,
        };
        self.skip_ws();
        for (word, test) in [
            ("IS TRUE", Test::True),
            ("IS FALSE", Test::False),
            ("IS NULL", Test::Null),
            ("NOT EXISTS", Test::NotExists),
            ("EXISTS", Test::Exists),
        ] {
            if self.eat(word) {
                return Ok(Expr::Is(s, test));
            }
        }
        let op = if self.eat("!=") {
            Op::Ne
        } else if self.eat("<=") {
            Op::Le
        } else if self.eat(">=") {
            Op::Ge
        } else if self.eat("=") {
            Op::Eq
        } else if self.eat("<") {
            Op::Lt
        } else if self.eat(">") {
            Op::Gt
        } else {
            return Err(self.err("expected a comparison (=, !=, <, <=, >, >=), IS or EXISTS"));
        };
        self.skip_ws();
        let value = self.value()?;
        if matches!(value, Value::Text(_)) && !matches!(op, Op::Eq | Op::Ne) {
            return Err(self.err("<, <=, > and >= compare numbers; use = or != for text"));
        }
        Ok(Expr::Cmp(s, op, value))
    }

    fn value(&mut self) -> Result<Value, PatternError> {
        match self.peek() {
            Some('"') => return Ok(Value::Text(self.quoted()?)),
            Some('%') => return Err(self.err(REGEX_REFUSED)),
            _ => {}
        }
        let mut raw = String::new();
        while let Some(c) = self
            .peek()
            .filter(|c| !c.is_whitespace() && !matches!(c, ',' | ']' | '}' | ')' | '&' | '|'))
        {
            raw.push(c);
            self.pos += 1;
        }
        if raw.is_empty() {
            return Err(self.err("expected a value after the comparison"));
        }
        Ok(match raw.parse::<f64>() {
            Ok(n) if !raw.contains('*') => Value::Number(n),
            _ => Value::Text(raw),
        })
    }
}

impl Expr<String> {
    /// True when the condition names no field but `name`.
    fn names_only(&self, name: &str) -> bool {
        match self {
            Expr::And(a, b) | Expr::Or(a, b) => a.names_only(name) && b.names_only(name),
            Expr::Cmp(n, ..) | Expr::Is(n, _) => n == name,
        }
    }

    /// Every field name a condition uses is one of `names`; the error is the first that is not.
    fn check_names(&self, names: &[&String]) -> Result<(), String> {
        match self {
            Expr::And(a, b) | Expr::Or(a, b) => {
                a.check_names(names)?;
                b.check_names(names)
            }
            Expr::Cmp(n, ..) | Expr::Is(n, _) => {
                if names.contains(&n) {
                    Ok(())
                } else {
                    Err(n.clone())
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;

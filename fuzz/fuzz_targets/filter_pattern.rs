//! CloudWatch filter patterns: the input is a pattern, a newline, then a log line.
//! - Parsing never panics; a refusal points inside the pattern.
//! - A parsed pattern evaluates against any line without panicking.
//! - Term rules (a term matches by case-sensitive substring): a quoted term made of any word of
//!   the line matches it, the same term excluded (`-`) does not, and `?` with it matches.
//! - `[...]` (any number of fields) matches every line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pipeform_shared::filter_pattern::FilterPattern;

/// `"word"` with `\` and `"` escaped, as the pattern language reads a quoted phrase.
fn quoted(word: &str) -> String {
    let mut out = String::from("\"");
    for c in word.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn parse(pattern: &str) -> FilterPattern {
    FilterPattern::parse(pattern).unwrap_or_else(|e| panic!("{pattern:?} is a valid pattern: {e}"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (pattern, line) = text.split_once('\n').unwrap_or((text, ""));
    match FilterPattern::parse(pattern) {
        Ok(p) => {
            let _ = p.matches(line);
            let _ = p.to_string();
        }
        Err(e) => assert!(e.at <= pattern.chars().count(), "{e}"),
    }
    assert!(parse("[...]").matches(line), "[...] matches {line:?}");
    for word in line.split_whitespace().take(8) {
        let q = quoted(word);
        assert!(parse(&q).matches(line), "{q} matches {line:?}");
        assert!(
            !parse(&format!("-{q}")).matches(line),
            "-{q} excludes {line:?}"
        );
        assert!(
            parse(&format!("?{q} ?NOPE")).matches(line),
            "?{q} matches {line:?}"
        );
    }
});

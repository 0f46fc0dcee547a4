//! GitHub Actions workflow commands: `::error` / `::warning` lines that become annotations on
//! the run (and on the config file's line), and a closing `::notice` with the summary.

use std::fmt::Write as _;

/// Severity of an annotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// `::error`.
    Error,
    /// `::warning`.
    Warning,
    /// `::notice`.
    Notice,
}

impl Level {
    fn command(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
            Self::Notice => "notice",
        }
    }
}

/// One annotation.
#[derive(Debug, Clone)]
pub struct Annotation {
    /// Severity.
    pub level: Level,
    /// Title (the check id and resource).
    pub title: String,
    /// The message.
    pub message: String,
    /// File and line to annotate.
    pub file: Option<(String, usize)>,
}

/// Escapes a message (GitHub's `escapeData`).
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (GitHub's `escapeProperty`).
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The annotation lines, then the summary as a notice.
pub fn render(annotations: &[Annotation], summary: &str) -> String {
    let mut out = String::new();
    for a in annotations {
        let mut props = Vec::new();
        if let Some((file, line)) = &a.file {
            props.push(format!("file={}", property(file)));
            props.push(format!("line={line}"));
        }
        props.push(format!("title={}", property(&a.title)));
        let _ = writeln!(
            out,
            "::{} {}::{}",
            a.level.command(),
            props.join(","),
            data(&a.message)
        );
    }
    let _ = writeln!(out, "::notice title=pipeform::{}", data(summary));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_github_would_misread() {
        let out = render(
            &[Annotation {
                level: Level::Error,
                title: "nat.eip: i-1, x".into(),
                message: "100% broken\nreally".into(),
                file: Some(("pipeform.toml".into(), 21)),
            }],
            "1 fail",
        );
        assert_eq!(
            out,
            "::error file=pipeform.toml,line=21,title=nat.eip%3A i-1%2C x::100%25 broken%0Areally\n::notice title=pipeform::1 fail\n"
        );
    }
}

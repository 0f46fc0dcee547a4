//! The one error type of config loading: every problem, each with its key path and line, and
//! its rendering in rustc's form (`--> file:line:col`, the source line, a caret, a help line).

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};

use super::raw::LineIndex;

/// One thing wrong with the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Key path such as `network.db_subnets[1]`; empty for whole-file problems.
    pub key: String,
    /// 1-based line in the file, where one is known.
    pub line: Option<usize>,
    /// What is wrong and what would be right.
    pub message: String,
    /// Bytes of the file it points at (the key, its value, or the section's header).
    pub span: Option<Range<usize>>,
    /// What to do about it, where the message does not say (the key it probably meant).
    pub help: Option<String>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        write!(f, "{}", self.title())?;
        match &self.help {
            Some(help) => write!(f, "; {help}"),
            None => Ok(()),
        }
    }
}

impl Problem {
    /// `key: message`, or the message alone for a whole-file problem.
    fn title(&self) -> String {
        if self.key.is_empty() {
            self.message.clone()
        } else {
            format!("{}: {}", self.key, self.message)
        }
    }
}

/// Why a config could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {}: {source}; create one with `pipeform init` or pass --config PATH", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is larger than any stack config; the rest was not read.
    #[error("config file {} is larger than {limit} bytes, far more than any stack config; pass the pipeform.toml with --config PATH", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The cap, in bytes.
        limit: u64,
    },
    /// The file is not UTF-8 text.
    #[error("config file {} is not UTF-8 text: line {line} (byte {byte} of the file) starts an invalid sequence; save it as UTF-8", path.display())]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// 1-based line of the first invalid byte.
        line: usize,
        /// 0-based offset of the first invalid byte in the file.
        byte: usize,
    },
    /// The file was read but is not a valid stack config.
    #[error("{}", render_invalid(path, problems))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every problem found, in file order where lines are known.
        problems: Vec<Problem>,
        /// The file's text, which the problems' spans index (for the source lines shown).
        text: String,
    },
}

impl ConfigError {
    /// The problems of an invalid config (empty for a read error).
    pub fn problems(&self) -> &[Problem] {
        match self {
            Self::Read { .. } | Self::TooLarge { .. } | Self::NotUtf8 { .. } => &[],
            Self::Invalid { problems, .. } => problems,
        }
    }
}

impl ConfigError {
    /// The whole report for stderr, rustc's way: one `error:` block per problem with its
    /// `--> file:line:col`, source line, caret and help, then a one-line summary. `colour` is
    /// the caller's decision (a terminal, `--color`, `NO_COLOR`).
    pub fn render(&self, colour: bool) -> String {
        let renderer = if colour {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        let (path, problems, text) = match self {
            Self::Invalid {
                path,
                problems,
                text,
            } => (path, problems, text),
            Self::Read { path, source } => {
                let title = format!("cannot read config file {}: {source}", path.display());
                return block(
                    &renderer,
                    &title,
                    None,
                    Some("create one with `pipeform init` or pass --config PATH"),
                );
            }
            Self::TooLarge { path, limit } => {
                let title = format!(
                    "config file {} is larger than {limit} bytes, far more than any stack config",
                    path.display()
                );
                return block(
                    &renderer,
                    &title,
                    None,
                    Some("pass the pipeform.toml with --config PATH"),
                );
            }
            Self::NotUtf8 { path, line, byte } => {
                let title = format!(
                    "config file {} is not UTF-8 text: byte {byte} starts an invalid sequence",
                    path.display()
                );
                let origin = Origin::path(path.display().to_string()).line(*line);
                return block(&renderer, &title, Some(origin), Some("save it as UTF-8"));
            }
        };
        let file = path.display().to_string();
        let index = LineIndex::new(text.as_bytes());
        let mut out = String::new();
        for p in problems {
            let title = p.title();
            let mut group = Group::with_title(Level::ERROR.primary_title(title.as_str()));
            let shown = p.span.as_ref().and_then(|span| excerpt(text, &index, span));
            match &shown {
                Some((first_line, lines, span)) => {
                    group = group.element(
                        Snippet::source(*lines)
                            .line_start(*first_line)
                            .path(file.as_str())
                            .annotation(AnnotationKind::Primary.span(span.clone())),
                    );
                }
                None => {
                    let mut origin = Origin::path(file.as_str());
                    let at = p
                        .span
                        .as_ref()
                        .and_then(|span| position(text, &index, span));
                    if let Some((line, column)) = at {
                        origin = origin.line(line).char_column(column);
                    } else if let Some(line) = p.line {
                        origin = origin.line(line);
                    }
                    group = group.element(origin);
                }
            }
            if let Some(help) = &p.help {
                group = group.element(Level::HELP.message(help.as_str()));
            }
            out.push_str(&renderer.render(&[group]));
            out.push_str("\n\n");
        }
        let count = problems.len();
        let summary = format!(
            "invalid config {file}: {count} problem{}",
            if count == 1 { "" } else { "s" }
        );
        out.push_str(&renderer.render(&[Group::with_title(
            Level::ERROR.primary_title(summary.as_str()),
        )]));
        out.push('\n');
        out
    }
}

/// One `error:` block without source: the title, where (if known), and the help.
fn block(
    renderer: &Renderer,
    title: &str,
    origin: Option<Origin<'_>>,
    help: Option<&str>,
) -> String {
    let mut group = Group::with_title(Level::ERROR.primary_title(title));
    if let Some(origin) = origin {
        group = group.element(origin);
    }
    if let Some(help) = help {
        group = group.element(Level::HELP.message(help));
    }
    let mut out = renderer.render(&[group]);
    out.push('\n');
    out
}

/// The most source lines one problem shows: a value spanning more (a long list) is marked on
/// its first line only, so a hostile file cannot make the report as large as itself.
const MAX_SHOWN_LINES: usize = 6;

/// The most bytes of source one problem shows. Longer (a 1 MiB one-line list) gets only its
/// `--> file:line:col`: laying out a megabyte line for a caret took 0.4 s in a debug build.
const MAX_SHOWN_BYTES: usize = 1024;

/// 1-based line and character column of a span's start, when it is inside the text.
fn position(text: &str, index: &LineIndex, span: &Range<usize>) -> Option<(usize, usize)> {
    let start = span.start.min(text.len());
    let before = text.get(..start)?;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Some((index.line(start), before[line_start..].chars().count() + 1))
}

/// The whole lines around `span`: (1-based first line, their text, `span` relative to it).
/// `None` when the span is not inside the text on character boundaries.
fn excerpt<'t>(
    text: &'t str,
    index: &LineIndex,
    span: &Range<usize>,
) -> Option<(usize, &'t str, Range<usize>)> {
    let start = span.start.min(text.len());
    let mut end = span.end.clamp(start, text.len());
    let first = index.line(start);
    let line_start = text.get(..start)?.rfind('\n').map_or(0, |i| i + 1);
    if index.line(end.saturating_sub(1).max(start)) >= first + MAX_SHOWN_LINES {
        end = text
            .get(start..)?
            .find('\n')
            .map_or(text.len(), |i| start + i);
    }
    let line_end = text.get(end..)?.find('\n').map_or(text.len(), |i| end + i);
    let lines = text.get(line_start..line_end)?;
    if lines.len() > MAX_SHOWN_BYTES {
        return None;
    }
    Some((first, lines, start - line_start..end - line_start))
}

fn render_invalid(path: &Path, problems: &[Problem]) -> String {
    let count = problems.len();
    let mut out = format!(
        "invalid config {}: {count} problem{}",
        path.display(),
        if count == 1 { "" } else { "s" }
    );
    for p in problems {
        out.push_str("\n  ");
        out.push_str(&p.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_excerpt_is_the_whole_lines_of_its_span() {
        let text = "[a]\nkey = [\n  1,\n  2]\nnext = 3\n";
        let index = LineIndex::new(text.as_bytes());
        let start = text.find("[\n").expect("list");
        let end = text.find("2]").expect("end") + 2;
        let (line, lines, span) = excerpt(text, &index, &(start..end)).expect("inside");
        assert_eq!(line, 2);
        assert_eq!(lines, "key = [\n  1,\n  2]");
        assert_eq!(&lines[span], "[\n  1,\n  2]");
    }

    #[test]
    fn a_value_longer_than_the_cap_is_marked_on_its_first_line() {
        let body: String = (0..100).map(|i| format!("  {i},\n")).collect();
        let text = format!("key = [\n{body}]\n");
        let index = LineIndex::new(text.as_bytes());
        let (line, lines, span) = excerpt(&text, &index, &(6..text.len() - 1)).expect("inside");
        assert_eq!((line, lines, &lines[span]), (1, "key = [", "["));
    }

    #[test]
    fn a_span_inside_a_character_shows_no_source() {
        let text = "a = \"é\"";
        let index = LineIndex::new(text.as_bytes());
        assert_eq!(excerpt(text, &index, &(6..7)), None);
    }

    #[test]
    fn a_line_too_long_to_show_gives_its_position_only() {
        let text = format!("[network]\nzones = [{}\"x\"]\n", "\"é\", ".repeat(400));
        let start = text.rfind("\"x\"").expect("x");
        let span = start..start + 3;
        let index = LineIndex::new(text.as_bytes());
        assert_eq!(excerpt(&text, &index, &span), None);
        assert_eq!(position(&text, &index, &span), Some((2, 10 + 400 * 5)));
        let problem = Problem {
            key: "network.zones".into(),
            line: Some(2),
            message: "too long".into(),
            span: Some(span),
            help: None,
        };
        let report = ConfigError::Invalid {
            path: "p.toml".into(),
            problems: vec![problem],
            text: text.clone(),
        }
        .render(false);
        assert!(
            report.contains(&format!("--> p.toml:2:{}\n", 10 + 400 * 5)),
            "{report}"
        );
        assert!(report.len() < 200, "{report}");
    }

    #[test]
    fn a_span_past_the_end_is_clamped() {
        let text = "a = 1";
        let index = LineIndex::new(text.as_bytes());
        let (_, lines, span) = excerpt(text, &index, &(4..99)).expect("clamped");
        assert_eq!(&lines[span], "1");
    }
}

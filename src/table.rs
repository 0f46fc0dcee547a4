//! A plain, column-aligned text table (no box drawing: it must survive CI logs and `less`).

use tabled::builder::Builder;
use tabled::settings::{Padding, Style};

/// Rows of cells under a header.
#[derive(Debug, Clone, Default)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column titles.
    pub fn new<I, S>(header: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            header: header.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; missing cells are blank, extra cells are kept.
    pub fn row<I, S>(&mut self, cells: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.rows.push(cells.into_iter().map(Into::into).collect());
        self
    }

    /// Number of rows (header excluded).
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True without rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Renders the table; `paint(column, cell)` may wrap a cell in colour codes (tabled measures
    /// a cell by its display width without the codes, so colour and wide glyphs such as CJK
    /// never break alignment).
    pub fn render_with(&self, paint: impl Fn(usize, &str) -> String) -> String {
        let columns = self
            .rows
            .iter()
            .map(Vec::len)
            .chain([self.header.len()])
            .max()
            .unwrap_or(0);
        if columns == 0 {
            return "\n".to_string();
        }
        let mut builder = Builder::with_capacity(self.rows.len() + 1, columns);
        let padded = |row: &[String], painted: bool| -> Vec<String> {
            (0..columns)
                .map(|i| {
                    let cell = row.get(i).map(String::as_str).unwrap_or("");
                    if painted {
                        paint(i, cell)
                    } else {
                        cell.to_string()
                    }
                })
                .collect()
        };
        builder.push_record(padded(&self.header, false));
        for row in &self.rows {
            builder.push_record(padded(row, true));
        }
        // Blank style: a one-space column separator; with one space of right padding, columns
        // sit two spaces apart. The last column's padding is trimmed with the line.
        let text = builder
            .build()
            .with(Style::blank())
            .with(Padding::new(0, 1, 0, 0))
            .to_string();
        let mut out = String::with_capacity(text.len() + 1);
        for line in text.lines() {
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    /// Renders without colour.
    pub fn render(&self) -> String {
        self.render_with(|_, cell| cell.to_string())
    }
}

/// True when stdout should get colour: a terminal, and `NO_COLOR` unset (no-color.org).
pub fn colour_enabled() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_columns_and_trims_trailing_space() {
        let mut t = Table::new(["id", "status", "detail"]);
        t.row(["nat.eip", "pass", "eipalloc-1"])
            .row(["alarm.actions", "fail", ""]);
        assert_eq!(
            t.render(),
            "id             status  detail\nnat.eip        pass    eipalloc-1\nalarm.actions  fail\n"
        );
    }

    #[test]
    fn colour_codes_do_not_change_alignment() {
        let mut t = Table::new(["a", "b"]);
        t.row(["x", "y"]);
        let coloured = t.render_with(|col, c| {
            if col == 0 {
                format!("\u{1b}[31m{c}\u{1b}[0m")
            } else {
                c.to_string()
            }
        });
        assert_eq!(coloured, "a  b\n\u{1b}[31mx\u{1b}[0m  y\n");
    }

    /// Wide glyphs take two columns on a terminal: the next column starts where a terminal
    /// shows it, not where a count of chars would put it.
    #[test]
    fn wide_glyphs_keep_the_columns_aligned() {
        let mut t = Table::new(["name", "status"]);
        t.row(["日本語", "pass"])
            .row(["ascii", "fail"])
            .row(["🚀x", "warn"]);
        assert_eq!(
            t.render(),
            "name    status\n日本語  pass\nascii   fail\n🚀x     warn\n"
        );
    }

    #[test]
    fn short_rows_are_blank_filled_and_long_ones_kept() {
        let mut t = Table::new(["a", "b"]);
        t.row(["1"]).row(["1", "2", "3"]);
        assert_eq!(t.render(), "a  b\n1\n1  2  3\n");
        assert_eq!(Table::new(Vec::<String>::new()).render(), "\n");
    }
}

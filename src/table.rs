//! A plain, column-aligned text table (no box drawing: it must survive CI logs and `less`).

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

    /// Renders the table; `paint(column, cell)` may wrap a cell in colour codes (widths are
    /// measured before painting, so colour never breaks alignment).
    pub fn render_with(&self, paint: impl Fn(usize, &str) -> String) -> String {
        let columns = self
            .rows
            .iter()
            .map(Vec::len)
            .chain([self.header.len()])
            .max()
            .unwrap_or(0);
        let mut widths = vec![0usize; columns];
        for row in std::iter::once(&self.header).chain(&self.rows) {
            for (i, cell) in row.iter().enumerate() {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        let mut out = String::new();
        let mut line = |row: &[String], painted: bool| {
            let mut text = String::new();
            for (i, width) in widths.iter().enumerate() {
                let cell = row.get(i).map(String::as_str).unwrap_or("");
                let last = i + 1 == columns;
                let pad = width.saturating_sub(cell.chars().count());
                text.push_str(&if painted {
                    paint(i, cell)
                } else {
                    cell.to_string()
                });
                if !last {
                    text.push_str(&" ".repeat(pad + 2));
                }
            }
            out.push_str(text.trim_end());
            out.push('\n');
        };
        line(&self.header, false);
        for row in &self.rows {
            line(row, true);
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
    fn paint_does_not_change_alignment() {
        let mut t = Table::new(["a", "b"]);
        t.row(["x", "y"]);
        let painted = t.render_with(|col, c| {
            if col == 0 {
                format!("<{c}>")
            } else {
                c.to_string()
            }
        });
        assert_eq!(painted, "a  b\n<x>  y\n");
    }
}

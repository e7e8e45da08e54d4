//! A plain two-column table: labels left-aligned, values starting in one column.

/// Rows of label and value, rendered with the values aligned two spaces past the widest label.
/// A value with line breaks continues on the next lines in the value column.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    rows: Vec<(String, String)>,
}

impl Table {
    /// An empty table.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a row.
    #[must_use]
    pub fn row(mut self, label: impl Into<String>, value: impl std::fmt::Display) -> Self {
        self.rows.push((label.into(), value.to_string()));
        self
    }

    /// The rendered table, one line per row (more for values with line breaks), each ending
    /// in `\n`.
    #[must_use]
    pub fn render(&self) -> String {
        let width = self.rows.iter().map(|(label, _)| label.chars().count()).max().unwrap_or(0);
        let mut out = String::new();
        for (label, value) in &self.rows {
            let mut lines = value.split('\n');
            let first = lines.next().unwrap_or_default();
            push_line(&mut out, &format!("{label:<width$}  {first}"));
            for more in lines {
                push_line(&mut out, &format!("{:<width$}  {more}", ""));
            }
        }
        out
    }
}

/// Appends `line` without trailing spaces (an empty value leaves none) and a line break.
fn push_line(out: &mut String, line: &str) {
    out.push_str(line.trim_end());
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_values() {
        let table = Table::new().row("generation", 1).row("state", "active").row("payload bytes", 5);
        assert_eq!(table.render(), "generation     1\nstate          active\npayload bytes  5\n");
    }

    #[test]
    fn continues_multi_line_values() {
        let table = Table::new().row("a", "x\ny").row("bb", "");
        assert_eq!(table.render(), "a   x\n    y\nbb\n");
    }

    #[test]
    fn empty_table() {
        assert_eq!(Table::new().render(), "");
    }
}

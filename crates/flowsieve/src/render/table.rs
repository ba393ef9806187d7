//! Text tables that fit a width: each column is `Fixed` (ids, CIDRs, ports, numbers, group
//! labels: never cut, as wide as its widest cell) or `Wrap` (group sets, reasons, messages:
//! continued on the next lines, broken after a space or a `+`, never inside a word unless the
//! word alone is wider than the column). Notes under a row (a suggested rule) span the width. When even the fixed columns do not fit, the table is wider than asked:
//! an id is never cut.

use std::fmt::Write as _;

/// How a column's cells are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fit {
    /// Never cut: the column is as wide as its widest cell.
    Fixed,
    /// Continued on the next lines.
    Wrap,
}

/// Alignment within the column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Right,
}

/// A column: its header, layout and alignment.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Column {
    pub(crate) header: &'static str,
    pub(crate) fit: Fit,
    pub(crate) align: Align,
}

/// Shorthands for the columns of the report's tables.
pub(crate) const fn fixed(header: &'static str) -> Column {
    Column {
        header,
        fit: Fit::Fixed,
        align: Align::Left,
    }
}

/// A right-aligned fixed column (counts).
pub(crate) const fn number(header: &'static str) -> Column {
    Column {
        header,
        fit: Fit::Fixed,
        align: Align::Right,
    }
}

/// A column of long text, wrapped to fit.
pub(crate) const fn wrap(header: &'static str) -> Column {
    Column {
        header,
        fit: Fit::Wrap,
        align: Align::Left,
    }
}

/// The narrowest a `Wrap` column is made.
const MIN_FLEXIBLE: usize = 10;
/// Spaces between columns.
const GAP: usize = 1;

/// A row of a table: cells, or a note under the row before it (wrapped to the table's width,
/// indented past the first column's start).
#[derive(Debug)]
enum Row {
    Cells(Vec<String>),
    Note(String),
}

/// A table being filled: rows of cells, one per column.
#[derive(Debug)]
pub(crate) struct Table {
    indent: usize,
    columns: Vec<Column>,
    rows: Vec<Row>,
}

fn chars(text: &str) -> usize {
    text.chars().count()
}

impl Table {
    /// An empty table indented by `indent` spaces.
    pub(crate) fn new(indent: usize, columns: &[Column]) -> Table {
        Table {
            indent,
            columns: columns.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Adds a row (missing cells are empty, extra ones ignored).
    pub(crate) fn row(&mut self, cells: Vec<String>) {
        self.rows.push(Row::Cells(cells));
    }

    /// Adds a note under the last row: a message wrapped across the table's width.
    pub(crate) fn note(&mut self, text: String) {
        self.rows.push(Row::Note(text));
    }

    fn cells(&self) -> impl Iterator<Item = &Vec<String>> {
        self.rows.iter().filter_map(|row| match row {
            Row::Cells(cells) => Some(cells),
            Row::Note(_) => None,
        })
    }

    /// The width of each column: natural widths when they fit in `width`, else the flexible
    /// columns share what the fixed ones leave.
    fn widths(&self, width: usize) -> Vec<usize> {
        let natural: Vec<usize> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, column)| {
                self.cells()
                    .filter_map(|row| row.get(i))
                    .map(|cell| chars(cell))
                    .chain([chars(column.header)])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let gaps = GAP * self.columns.len().saturating_sub(1);
        let total = self.indent + gaps + natural.iter().sum::<usize>();
        if total <= width {
            return natural;
        }
        let fixed: usize = self
            .columns
            .iter()
            .zip(&natural)
            .filter(|(c, _)| c.fit == Fit::Fixed)
            .map(|(_, w)| w)
            .sum();
        let mut left = width.saturating_sub(self.indent + gaps + fixed);
        // Water-filling: the narrowest wishes are granted first, the rest share what is left.
        let mut flexible: Vec<usize> = (0..self.columns.len())
            .filter(|&i| self.columns[i].fit != Fit::Fixed)
            .collect();
        flexible.sort_by_key(|&i| natural[i]);
        let mut widths = natural.clone();
        let mut count = flexible.len();
        for i in flexible {
            let share = (left / count.max(1)).max(MIN_FLEXIBLE.min(natural[i]));
            widths[i] = natural[i].min(share);
            left = left.saturating_sub(widths[i]);
            count -= 1;
        }
        widths
    }

    /// Writes the header and the rows into `out`, fitting `width` columns when the fixed
    /// columns allow it.
    pub(crate) fn render(&self, out: &mut String, width: usize) {
        let widths = self.widths(width);
        let header: Vec<String> = self.columns.iter().map(|c| c.header.to_owned()).collect();
        self.line(out, &widths, &header);
        let indent = self.indent + 4;
        for row in &self.rows {
            match row {
                Row::Cells(cells) => self.line(out, &widths, cells),
                Row::Note(text) => {
                    for piece in wrap_cell(text, width.saturating_sub(indent).max(20)) {
                        let _ = writeln!(out, "{:indent$}{piece}", "");
                    }
                }
            }
        }
    }

    /// One row: its cells laid out, continued on as many lines as its wrapped cells need.
    fn line(&self, out: &mut String, widths: &[usize], cells: &[String]) {
        let laid: Vec<Vec<String>> = self
            .columns
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(i, (column, &w))| {
                let cell = cells.get(i).map(String::as_str).unwrap_or("");
                match column.fit {
                    Fit::Fixed => vec![cell.to_owned()],
                    Fit::Wrap => wrap_cell(cell, w),
                }
            })
            .collect();
        let height = laid.iter().map(Vec::len).max().unwrap_or(1);
        for k in 0..height {
            let mut text = " ".repeat(self.indent);
            for (i, (column, &w)) in self.columns.iter().zip(widths).enumerate() {
                let piece = laid[i].get(k).map(String::as_str).unwrap_or("");
                if i > 0 {
                    text.push_str(&" ".repeat(GAP));
                }
                let pad = w.saturating_sub(chars(piece));
                match column.align {
                    Align::Left => {
                        text.push_str(piece);
                        text.push_str(&" ".repeat(pad));
                    }
                    Align::Right => {
                        text.push_str(&" ".repeat(pad));
                        text.push_str(piece);
                    }
                }
            }
            let _ = writeln!(out, "{}", text.trim_end());
        }
    }
}

/// `text` in lines of at most `width` characters, broken after spaces (dropped) and after `+`
/// (kept); a piece longer than a line is split.
pub(crate) fn wrap_cell(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    // Pieces: words with their trailing `+` kept; spaces separate words.
    let mut pieces: Vec<(String, bool)> = Vec::new(); // (piece, followed by a space)
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let mut parts = word.split_inclusive('+').peekable();
        while let Some(part) = parts.next() {
            pieces.push((part.to_owned(), parts.peek().is_none()));
        }
    }
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut spaced = false; // whether the line's last piece wants a space after it
    for (piece, then_space) in pieces {
        let chunks: Vec<String> = piece
            .chars()
            .collect::<Vec<_>>()
            .chunks(width)
            .map(|c| c.iter().collect())
            .collect();
        for chunk in chunks {
            let sep = usize::from(spaced && !line.is_empty());
            if !line.is_empty() && chars(&line) + sep + chars(&chunk) > width {
                lines.push(std::mem::take(&mut line));
            } else if sep == 1 {
                line.push(' ');
            }
            line.push_str(&chunk);
        }
        spaced = then_space;
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_cells_break_after_spaces_and_plus_signs() {
        assert_eq!(
            wrap_cell("alb-sg+frontend-sg+backend-sg", 20),
            ["alb-sg+frontend-sg+", "backend-sg"]
        );
        assert_eq!(
            wrap_cell("no logs for the group", 10),
            ["no logs", "for the", "group"]
        );
        assert_eq!(
            wrap_cell("averyveryverylongword", 8),
            ["averyver", "yverylon", "gword"]
        );
        assert_eq!(wrap_cell("", 8), [""]);
    }

    #[test]
    fn a_table_fits_by_wrapping_never_fixed_columns() {
        let mut table = Table::new(2, &[fixed("RULE"), wrap("REASON"), number("N")]);
        table.row(vec![
            "sgr-0123456789abcdef0".into(),
            "no logs for group, partial coverage".into(),
            "1,234".into(),
        ]);
        table.note("suggested rule: tcp 8081 from sg-0123456789abcdef0".into());
        let mut out = String::new();
        table.render(&mut out, 40);
        assert_eq!(
            out,
            "  RULE                  REASON         N\n\
             \x20 sgr-0123456789abcdef0 no logs    1,234\n\
             \x20                       for group,\n\
             \x20                       partial\n\
             \x20                       coverage\n\
             \x20     suggested rule: tcp 8081 from\n\
             \x20     sg-0123456789abcdef0\n"
        );
        assert!(out.lines().all(|l| l.chars().count() <= 40), "{out}");
        // Too narrow for the fixed columns: wider than asked, the id whole.
        let mut narrow = String::new();
        table.render(&mut narrow, 20);
        assert!(narrow.contains("sgr-0123456789abcdef0"));
    }
}

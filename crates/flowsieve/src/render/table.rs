//! Text tables that fit a width: each column is `Fixed` (ids, CIDRs, ports, numbers: never cut,
//! as wide as its widest cell), `Cut` (names that a legend spells out: cut with `…` when the
//! table would be too wide) or `Wrap` (group sets, reasons, messages: continued on the next
//! lines, broken after a space or a `+`, never inside a word unless the word alone is wider
//! than the column). When even the fixed columns do not fit, the table is wider than asked:
//! an id is never cut.

use std::fmt::Write as _;

/// How a column's cells are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fit {
    /// Never cut: the column is as wide as its widest cell.
    Fixed,
    /// Cut with `…` to the column width.
    Cut,
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

/// A column of names, cut to fit.
pub(crate) const fn cut(header: &'static str) -> Column {
    Column {
        header,
        fit: Fit::Cut,
        align: Align::Left,
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

/// The narrowest a `Cut` or `Wrap` column is made.
const MIN_FLEXIBLE: usize = 10;
/// Spaces between columns.
const GAP: usize = 1;

/// A table being filled: rows of cells, one per column.
#[derive(Debug)]
pub(crate) struct Table {
    indent: usize,
    columns: Vec<Column>,
    rows: Vec<Vec<String>>,
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
        self.rows.push(cells);
    }

    /// The width of each column: natural widths when they fit in `width`, else the flexible
    /// columns share what the fixed ones leave.
    fn widths(&self, width: usize) -> Vec<usize> {
        let natural: Vec<usize> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, column)| {
                self.rows
                    .iter()
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
        for row in &self.rows {
            self.line(out, &widths, row);
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
                    Fit::Cut => vec![cut_to(cell, w)],
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

/// `text` cut to `width` characters, the cut marked with `…`.
pub(crate) fn cut_to(text: &str, width: usize) -> String {
    if chars(text) <= width {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
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
    fn a_table_fits_by_cutting_and_wrapping_never_fixed_columns() {
        let mut table = Table::new(
            2,
            &[fixed("RULE"), cut("GROUP"), wrap("REASON"), number("N")],
        );
        table.row(vec![
            "sgr-0123456789abcdef0".into(),
            "a-very-long-group-name-indeed".into(),
            "no logs for group, partial coverage".into(),
            "1,234".into(),
        ]);
        let mut out = String::new();
        table.render(&mut out, 60);
        assert_eq!(
            out,
            "  RULE                  GROUP          REASON              N\n\
             \x20 sgr-0123456789abcdef0 a-very-long-g… no logs for     1,234\n\
             \x20                                      group, partial\n\
             \x20                                      coverage\n"
        );
        assert!(out.lines().all(|l| l.chars().count() <= 60));
        // Too narrow for the fixed columns: wider than asked, the id whole.
        let mut narrow = String::new();
        table.render(&mut narrow, 20);
        assert!(narrow.contains("sgr-0123456789abcdef0"));
    }
}

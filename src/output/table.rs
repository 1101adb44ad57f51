//! Tables for people: columns as wide as their widest cell, measured with colour codes taken
//! out, so a table lines up with colour on or off.

use std::fmt::Write;

/// A record that is shown as a row of a table.
pub trait Row {
    const HEADER: &'static [&'static str];
    /// The cells, coloured or not; as many as `HEADER`.
    fn cells(&self) -> Vec<String>;
}

/// Cells a person can see: the width without colour codes.
fn width(cell: &str) -> usize {
    anstream::adapter::strip_str(cell)
        .map(|piece| piece.chars().count())
        .sum()
}

/// The header in bold, then the rows; two spaces between columns, the last left ragged.
pub fn render(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    use colored::Colorize;
    let rows: Vec<Vec<String>> = rows.collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (column, cell) in row.iter().enumerate() {
            widths[column] = widths[column].max(width(cell));
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, cells: &[String]| {
        for (column, cell) in cells.iter().enumerate() {
            if column + 1 == cells.len() {
                out.push_str(cell);
            } else {
                let pad = widths[column] - width(cell);
                let _ = write!(out, "{cell}{:pad$}  ", "");
            }
        }
    };
    let header: Vec<String> = header.iter().map(|h| h.bold().to_string()).collect();
    line(&mut out, &header);
    for row in &rows {
        out.push('\n');
        line(&mut out, row);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_whatever_the_colour_codes() {
        colored::control::set_override(false);
        let rows = vec![
            vec!["\u{1b}[32mok\u{1b}[0m".to_string(), "x".into()],
            vec!["longer".to_string(), "y".into()],
        ];
        assert_eq!(
            render(&["A", "B"], rows.into_iter()),
            "A       B\n\u{1b}[32mok\u{1b}[0m      x\nlonger  y"
        );
    }
}

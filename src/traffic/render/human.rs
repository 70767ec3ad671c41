//! The human format: the sections as plain-text tables that fit the terminal's width, every
//! text from the traffic escaped for the terminal.

use std::fmt::Write as _;

use unicode_width::UnicodeWidthStr;

use super::view::{Column, Section};
use crate::terminal;

/// The narrowest a text column is cut to when the table is too wide.
const MIN_COLUMN: usize = 8;

/// The sections as text, each table fitting `width` columns where its numbers allow.
pub(crate) fn render(sections: &[Section], width: usize) -> String {
    let mut out = String::new();
    for (i, section) in sections.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = writeln!(out, "{}", section.title);
        for line in wrap(&section.intro, width.saturating_sub(2).max(20)) {
            let _ = writeln!(out, "  {line}");
        }
        if !section.rows.is_empty() {
            table(&mut out, &section.columns, &section.rows, width);
        }
    }
    out
}

/// Words of `text` on lines of at most `width` columns (a longer word on a line of its own).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.width() + 1 + word.width() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// `cell` cut to `width` columns, ending with `…` when cut.
fn fit(cell: &str, width: usize) -> String {
    if cell.width() <= width {
        return cell.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in cell.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

fn table(out: &mut String, columns: &[Column], rows: &[Vec<String>], width: usize) {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|c| terminal::escape(c).into_owned())
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = columns.iter().map(|c| c.name.width()).collect();
    for row in &cells {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.width());
        }
    }
    // Two spaces of indent, two between columns; the widest text column gives way first.
    let total =
        |widths: &[usize]| 2 + widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1);
    while total(&widths) > width {
        let widest = columns
            .iter()
            .zip(&widths)
            .enumerate()
            .filter(|(_, (c, w))| !c.numeric && **w > MIN_COLUMN)
            .max_by_key(|(_, (_, w))| **w)
            .map(|(i, _)| i);
        let Some(i) = widest else { break };
        let excess = total(&widths) - width;
        widths[i] = widths[i].saturating_sub(excess).max(MIN_COLUMN);
    }
    let header: Vec<String> = columns.iter().map(|c| c.name.to_owned()).collect();
    for row in std::iter::once(&header).chain(&cells) {
        let mut line = String::from("  ");
        for (i, (cell, column)) in row.iter().zip(columns).enumerate() {
            let w = widths[i];
            let cell = fit(cell, w);
            let pad = w.saturating_sub(cell.width());
            if i > 0 {
                line.push_str("  ");
            }
            if column.numeric {
                line.push_str(&" ".repeat(pad));
                line.push_str(&cell);
            } else {
                line.push_str(&cell);
                if i + 1 < row.len() {
                    line.push_str(&" ".repeat(pad));
                }
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wide_table_is_cut_to_the_width() {
        let columns = vec![
            Column {
                name: "member",
                numeric: false,
            },
            Column {
                name: "count",
                numeric: true,
            },
        ];
        let rows = vec![vec![
            "/data/".to_owned() + &"x".repeat(200),
            "12".to_owned(),
        ]];
        let mut out = String::new();
        table(&mut out, &columns, &rows, 40);
        for line in out.lines() {
            assert!(line.width() <= 40, "{line:?}");
        }
        assert!(out.contains('…'), "{out}");
        assert!(out.contains("12"), "{out}");
    }

    #[test]
    fn control_characters_from_the_traffic_are_escaped() {
        let columns = vec![Column {
            name: "member",
            numeric: false,
        }];
        let rows = vec![vec!["/a\u{1b}[31mred".to_owned()]];
        let mut out = String::new();
        table(&mut out, &columns, &rows, 80);
        assert!(!out.contains('\u{1b}'), "{out:?}");
        assert!(out.contains("\\u{1b}[31mred"), "{out:?}");
    }
}

//! The human format: `path:line:col: severity[rule]: message`, then the source line with a caret
//! under the value and the hint, like rustc.
//!
//! ```text
//! examples/invalid/wrong-type.json:3:13: error[wrong-type]: `code` is "200" (a string), expected an integer
//!   |
//! 3 |     "code": "200",
//!   |             ^^^^^
//!   = hint: …
//! ```

use std::fmt::Write as _;

use super::{Checked, Finding, Source, Summary, plural};
use crate::rules::Severity;
use crate::terminal;
use unicode_width::UnicodeWidthChar;

/// Longest source excerpt shown, in chars; longer lines are cut around the value.
const WINDOW: usize = 100;
/// Chars kept before the value when a line is cut.
const LEAD: usize = 40;

/// Bold: the location, the message, notes.
const BOLD: anstyle::Style = anstyle::Style::new().bold();
/// The gutter, like rustc's.
const GUTTER: anstyle::Style = anstyle::AnsiColor::Blue.on_default().bold();
/// `= hint:`.
const HINT: anstyle::Style = anstyle::AnsiColor::Cyan.on_default().bold();
/// A summary without violations.
const GOOD: anstyle::Style = anstyle::AnsiColor::Green.on_default().bold();
/// An error: its label, its carets, a summary with violations.
const ERROR: anstyle::Style = anstyle::AnsiColor::Red.on_default().bold();
/// A warning: its label and its carets.
const WARNING: anstyle::Style = anstyle::AnsiColor::Yellow.on_default().bold();

/// Colours on or off (anstyle's ANSI styles).
#[derive(Debug, Clone, Copy)]
pub struct Style {
    color: bool,
}

impl Style {
    /// Colours on or off.
    pub fn new(color: bool) -> Style {
        Style { color }
    }

    fn paint(self, style: anstyle::Style, text: &str) -> String {
        if self.color {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_owned()
        }
    }

    fn severity(self, severity: Severity) -> anstyle::Style {
        match severity {
            Severity::Error => ERROR,
            Severity::Warning => WARNING,
        }
    }
}

/// Every finding of one payload; empty for a payload without findings.
pub fn payload(checked: &Checked, style: Style) -> String {
    let mut out = String::new();
    for finding in &checked.findings {
        finding_block(&mut out, checked, finding, style);
    }
    if checked.dropped > 0 {
        let _ = writeln!(
            out,
            "{}: {}: {} not shown (over the per-payload maximum)\n",
            style.paint(BOLD, &terminal::escape(&checked.origin.name())),
            style.paint(BOLD, "note"),
            plural(checked.dropped, "more finding", "more findings"),
        );
    }
    out
}

fn finding_block(out: &mut String, checked: &Checked, f: &Finding, style: Style) {
    let location = format!(
        "{}:{}:{}:",
        terminal::escape(&checked.origin.file),
        f.position.line,
        f.position.column
    );
    let label = format!("{}[{}]", f.severity, f.rule);
    let _ = writeln!(
        out,
        "{} {}: {}",
        style.paint(BOLD, &location),
        style.paint(style.severity(f.severity), &label),
        style.paint(BOLD, &terminal::escape(&f.message))
    );
    let gutter_width = f
        .source
        .as_ref()
        .map_or(1, |s| s.line.to_string().len().max(1));
    let pad = " ".repeat(gutter_width);
    let bar = style.paint(GUTTER, "|");
    if let (Some(entry), Some(body)) = (checked.origin.entry, f.body) {
        let _ = writeln!(
            out,
            "{pad}{} {entry}, line {}, column {} of the body",
            style.paint(GUTTER, "-->"),
            body.line,
            body.column
        );
    }
    if let Some(source) = &f.source {
        let (shown, caret_at, caret_width) = excerpt(source);
        let _ = writeln!(out, "{pad} {bar}");
        let number = format!("{:>gutter_width$}", source.line);
        let _ = writeln!(out, "{} {bar} {shown}", style.paint(GUTTER, &number));
        let carets = "^".repeat(caret_width);
        let _ = writeln!(
            out,
            "{pad} {bar} {}{}",
            " ".repeat(caret_at),
            style.paint(style.severity(f.severity), &carets)
        );
    }
    if let Some(hint) = &f.hint {
        let _ = writeln!(
            out,
            "{pad} {} {}",
            style.paint(HINT, "= hint:"),
            terminal::escape(hint)
        );
    }
    out.push('\n');
}

/// The run's summary line.
pub fn summary(summary: &Summary, style: Style) -> String {
    let code = if summary.violating > 0 { ERROR } else { GOOD };
    format!("{}\n", style.paint(code, &summary.line()))
}

/// The source line as shown (cut to [`WINDOW`] chars around the value, tabs expanded, other
/// controls [escaped](terminal::escape)), the display cells before the caret, and the caret's
/// width in cells.
fn excerpt(source: &Source) -> (String, usize, usize) {
    let chars: Vec<char> = source.text.chars().collect();
    let at = (source.column as usize).saturating_sub(1).min(chars.len());
    let token = token_len(&chars[at..]);
    let (start, end) = if chars.len() <= WINDOW {
        (0, chars.len())
    } else {
        let start = at.saturating_sub(LEAD);
        (start, (start + WINDOW).min(chars.len()))
    };
    let mut shown = String::new();
    let mut cells = 0;
    let mut caret_at = 0;
    let mut caret_width = 0;
    if start > 0 {
        shown.push('…');
        cells += 1;
    }
    for (i, &c) in chars.iter().enumerate().take(end).skip(start) {
        if i == at {
            caret_at = cells;
        }
        let width = match c {
            '\t' => {
                shown.push_str("    ");
                4
            }
            c if terminal::is_unsafe(c) => terminal::push(&mut shown, c),
            c => {
                shown.push(c);
                // Display cells, as terminals count them: 2 for wide East Asian characters and
                // emoji, 0 for combining marks.
                c.width().unwrap_or(0)
            }
        };
        if i >= at && i < at + token {
            caret_width += width;
        }
        cells += width;
    }
    if at >= end {
        caret_at = cells;
    }
    if end < chars.len() {
        shown.push('…');
    }
    (shown.trim_end().to_owned(), caret_at, caret_width.max(1))
}

/// Chars of the JSON token at the start of `chars`: a whole string or scalar, one char for a
/// bracket or anything else.
fn token_len(chars: &[char]) -> usize {
    match chars.first() {
        None => 0,
        Some('"') => {
            let mut escaped = false;
            for (i, &c) in chars.iter().enumerate().skip(1) {
                match c {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '"' => return i + 1,
                    _ => {}
                }
            }
            chars.len()
        }
        Some(c) if c.is_ascii_alphanumeric() || *c == '-' => chars
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '+' | '.'))
            .count(),
        Some(_) => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::results;

    #[test]
    fn renders_findings_with_source_and_hint() {
        let (results, summary) = results();
        let style = Style::new(false);
        let text: String = results.iter().map(|r| payload(r, style)).collect();
        let expected = r#"in/a&b.ndjson:3:10: error[wrong-type]: `code` is "200" <a string>, expected an integer
  |
3 | {"code": "200"}
  |          ^^^^^
  = hint: send 100%, not 50%: a, b

cap.har:12:40: warning[single-digit-seconds]: `startTime` is "2020-08-25 10:00:0"\u{a}with a single-digit seconds field
 --> entries[2].response, line 1, column 5 of the body
  |
1 |     "startTime": "2020-08-25 10:00:0"
  |                  ^^^^^^^^^^^^^^^^^^^^

"#;
        assert_eq!(text, expected);
        assert_eq!(
            super::summary(&summary, style),
            "checked 3 payloads: 2 conform, 1 violates, 1 warning, 1 HAR entry skipped\n"
        );
        let colored = payload(&results[0], Style::new(true));
        assert!(
            colored.contains("\x1b[1m\x1b[31merror[wrong-type]\x1b[0m"),
            "{colored:?}"
        );
    }

    #[test]
    fn long_lines_are_cut_around_the_value_and_wide_chars_count_twice() {
        let text = format!("{}\"x\": 1,{}", "a".repeat(200), "b".repeat(200));
        let source = Source {
            line: 1,
            column: 206,
            text,
        };
        let (shown, at, width) = excerpt(&source);
        assert!(shown.starts_with('…') && shown.ends_with('…'));
        assert_eq!(shown.chars().nth(at), Some('1'));
        assert_eq!(width, 1);
        let source = Source {
            line: 1,
            column: 25,
            text: r#"{"msg": "鉴权失败", "code": "1"}"#.into(),
        };
        let (_, at, width) = excerpt(&source);
        assert_eq!((at, width), (28, 3));
    }

    #[test]
    fn payload_and_file_name_text_reaches_the_terminal_escaped() {
        let (mut results, _) = results();
        let checked = &mut results[0];
        checked.origin.file = "in/\u{1b}]0;owned\u{7}.json".into();
        let finding = &mut checked.findings[0];
        finding.message = "`\u{1b}[31mEVIL\u{1b}[0m` is not a member".into();
        finding.hint = Some("did you mean `x\u{202e}y`?".to_owned().into());
        finding.source = Some(Source {
            line: 3,
            text: "{\"\u{9b}k\u{2066}\": \"\u{7f}\"}".into(),
            column: 2,
        });
        for color in [false, true] {
            let text = payload(checked, Style::new(color));
            let raw: Vec<char> = text
                .chars()
                .filter(|&c| crate::terminal::is_unsafe(c) && c != '\n')
                .filter(|&c| !(color && c == '\u{1b}'))
                .collect();
            assert!(raw.is_empty(), "{raw:?} in {text}");
            if !color {
                assert_eq!(
                    text,
                    "in/\\u{1b}]0;owned\\u{7}.json:3:10: error[wrong-type]: `\\u{1b}[31mEVIL\\u{1b}[0m` is not a member
  |
3 | {\"\\u{9b}k\\u{2066}\": \"\\u{7f}\"}
  |  ^^^^^^^^^^^^^^^^^
  = hint: did you mean `x\\u{202e}y`?

"
                );
            }
        }
    }

    #[test]
    fn carets_count_display_cells() {
        // Combining marks take no cell, emoji and CJK take two: the caret stays under the value.
        let source = Source {
            line: 1,
            column: 10,
            text: "{\"e\u{301}😀好\": \"x\"}".into(),
        };
        let (shown, at, width) = excerpt(&source);
        assert_eq!(shown, "{\"e\u{301}😀好\": \"x\"}");
        // `{"` 2, `é` 1, `😀` 2, `好` 2, `": ` 3: the value starts at cell 10.
        assert_eq!((at, width), (10, 3));
    }
}

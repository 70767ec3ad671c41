//! Text from a payload or a file name made literal in markup: HTML (text and quoted attribute
//! values) and markdown table cells. Controls are first shown as the terminal shows them
//! ([`terminal::escape`]), so that nothing is lost and nothing acts.

use crate::terminal;

/// The markdown punctuation a cell of the GitHub step summary escapes: enough that no link,
/// image or cell break appears; backticks are kept, for the code in rule messages.
pub(crate) const SUMMARY_PUNCTUATION: &[char] = &['|', '[', ']', '\\'];

/// The markdown punctuation a cell of a traffic profile escapes: every mark of emphasis, code,
/// link, strikethrough, heading or cell break, for values that are pure data.
pub(crate) const DATA_PUNCTUATION: &[char] = &['\\', '`', '*', '_', '[', ']', '|', '~', '#', '!'];

/// `text` as HTML text or a quoted attribute's value: `& < > " '` as character references.
pub(crate) fn html(text: &str) -> String {
    escaped(text, |c, out| match c {
        '"' => out.push_str("&quot;"),
        '\'' => out.push_str("&#39;"),
        c => out.push(c),
    })
}

/// `text` as literal text in a markdown table cell: HTML's special characters as entities, and
/// each of `punctuation` behind a backslash.
pub(crate) fn markdown(text: &str, punctuation: &[char]) -> String {
    escaped(text, |c, out| {
        if punctuation.contains(&c) {
            out.push('\\');
        }
        out.push(c);
    })
}

/// `text` with its controls escaped, `& < >` as entities, and every other character written by
/// `other`.
fn escaped(text: &str, other: impl Fn(char, &mut String)) -> String {
    let text = terminal::escape(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => other(c, &mut out),
        }
    }
    out
}

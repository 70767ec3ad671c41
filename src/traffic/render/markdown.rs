//! The markdown format, for a pull request's comment or GitHub's step summary: GitHub-flavoured
//! tables, every text from the traffic escaped so that it shows as text (a member named
//! `<script>` or `|` is neither markup nor a column).

use std::fmt::Write as _;

use super::view::Section;

/// The sections as markdown, under a level-2 heading.
pub(crate) fn render(sections: &[Section]) -> String {
    let mut out = String::from("## Traffic profile\n");
    for section in sections {
        let _ = write!(out, "\n### {}\n\n{}\n", section.title, section.intro);
        if section.rows.is_empty() {
            continue;
        }
        out.push('\n');
        let header: Vec<&str> = section.columns.iter().map(|c| c.name).collect();
        let _ = writeln!(out, "| {} |", header.join(" | "));
        let rule: Vec<&str> = section
            .columns
            .iter()
            .map(|c| if c.numeric { "---:" } else { "---" })
            .collect();
        let _ = writeln!(out, "|{}|", rule.join("|"));
        for row in &section.rows {
            let cells: Vec<String> = row.iter().map(|c| escape(c)).collect();
            let _ = writeln!(out, "| {} |", cells.join(" | "));
        }
    }
    out
}

/// `text` as literal text in a table cell: controls escaped as the terminal shows them, HTML's
/// special characters as entities, and markdown's punctuation behind a backslash.
pub(crate) fn escape(text: &str) -> String {
    crate::markup::markdown(text, crate::markup::DATA_PUNCTUATION)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_from_the_traffic_is_text() {
        assert_eq!(
            escape("<script>a|b</script>"),
            "&lt;script&gt;a\\|b&lt;/script&gt;"
        );
        assert_eq!(escape("[x](javascript:1)"), "\\[x\\](javascript:1)");
        // The control is shown as the terminal shows it, its backslash escaped for markdown.
        assert_eq!(escape("a\nb"), "a\\\\u{a}b");
    }
}

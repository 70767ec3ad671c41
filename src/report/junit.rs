//! The junit format: JUnit XML, for CI systems that show test reports (GitLab, Jenkins, Azure).
//!
//! One `testsuite` per file, one `testcase` per payload named `file`, `file:LINE` (NDJSON) or
//! `file#entries[N].request` (HAR), with the payload's kind as `classname`. A violating payload
//! has a `failure` listing all its findings; a conforming one with warnings lists them in
//! `system-out`.
//!
//! The counts come first in XML, so this format takes every result at once.

use std::fmt::Write as _;

use super::{Checked, Summary, plural};
use crate::rules::Severity;

/// The whole document.
pub fn render(results: &[Checked], summary: &Summary) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"cloudstorage-contract\" tests=\"{}\" failures=\"{}\" errors=\"0\">",
        summary.payloads, summary.violating
    );
    for suite in results.chunk_by(|a, b| a.origin.file == b.origin.file) {
        let failures = suite.iter().filter(|c| !c.conforms()).count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">",
            attribute(&suite[0].origin.file),
            suite.len()
        );
        for checked in suite {
            testcase(&mut out, checked);
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn testcase(out: &mut String, checked: &Checked) {
    let _ = write!(
        out,
        "    <testcase name=\"{}\" classname=\"{}\"",
        attribute(&checked.origin.name()),
        checked.kind.map_or("unknown", |k| k.as_str())
    );
    if checked.findings.is_empty() && checked.dropped == 0 {
        out.push_str("/>\n");
        return;
    }
    out.push_str(">\n");
    let mut text = String::new();
    for f in &checked.findings {
        let _ = write!(
            text,
            "{}:{}:{}: {}[{}]: {}",
            checked.origin.file, f.position.line, f.position.column, f.severity, f.rule, f.message
        );
        if let Some(entry) = checked.origin.entry {
            let _ = write!(text, " (in {entry})");
        }
        text.push('\n');
        if let Some(hint) = &f.hint {
            let _ = writeln!(text, "  hint: {hint}");
        }
    }
    if checked.dropped > 0 {
        let _ = writeln!(
            text,
            "{} not shown",
            plural(checked.dropped, "more finding", "more findings")
        );
    }
    if checked.conforms() {
        let _ = writeln!(out, "      <system-out>{}</system-out>", escape(&text));
    } else {
        let first = checked
            .findings
            .iter()
            .find(|f| f.severity == Severity::Error);
        let _ = writeln!(
            out,
            "      <failure message=\"{}\" type=\"{}\">{}</failure>",
            attribute(&plural(checked.errors, "error", "errors")),
            first.map_or("error", |f| f.rule.id()),
            escape(&text)
        );
    }
    out.push_str("    </testcase>\n");
}

/// Escapes text for an XML element, and writes the characters XML 1.0 cannot hold at all (most
/// control characters) as `\u{1b}` text.
fn escape(text: &str) -> String {
    escape_with(text, |c, out| out.push(c))
}

/// Escapes text for an XML attribute: as [`escape`], and tab, line feed and carriage return as
/// character references, which an XML parser gives back as they are (it turns them into spaces
/// when they are written raw).
fn attribute(text: &str) -> String {
    escape_with(text, |c, out| {
        let _ = write!(out, "&#{};", u32::from(c));
    })
}

/// Escapes `text`, writing tab, line feed and carriage return with `whitespace`.
fn escape_with(text: &str, whitespace: impl Fn(char, &mut String)) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => whitespace(c, &mut out),
            // Characters XML 1.0 cannot carry at all, even as references: escaped as text,
            // so that nothing is lost.
            c if (c as u32) < 0x20 || matches!(c, '\u{FFFE}' | '\u{FFFF}') => {
                let _ = write!(out, "{}", c.escape_unicode());
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::results;

    #[test]
    fn testcases_failures_and_escapes() {
        let (results, summary) = results();
        let text = render(&results, &summary);
        assert_eq!(
            text,
            r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="cloudstorage-contract" tests="3" failures="1" errors="0">
  <testsuite name="in/a&amp;b.ndjson" tests="1" failures="1" errors="0" skipped="0">
    <testcase name="in/a&amp;b.ndjson:3" classname="response">
      <failure message="1 error" type="wrong-type">in/a&amp;b.ndjson:3:10: error[wrong-type]: `code` is &quot;200&quot; &lt;a string&gt;, expected an integer
  hint: send 100%, not 50%: a, b
</failure>
    </testcase>
  </testsuite>
  <testsuite name="cap.har" tests="1" failures="0" errors="0" skipped="0">
    <testcase name="cap.har#entries[2].response" classname="response">
      <system-out>cap.har:12:40: warning[single-digit-seconds]: `startTime` is &quot;2020-08-25 10:00:0&quot;
with a single-digit seconds field (in entries[2].response)
</system-out>
    </testcase>
  </testsuite>
  <testsuite name="ok.json" tests="1" failures="0" errors="0" skipped="0">
    <testcase name="ok.json" classname="request"/>
  </testsuite>
</testsuites>
"#
        );
        assert_eq!(escape("a\u{1}b'\u{FFFF}"), "a\\u{1}b&apos;\\u{ffff}");
    }

    #[test]
    fn attributes_keep_tabs_and_line_breaks() {
        let (mut results, _) = results();
        results.truncate(1);
        results[0].origin.file = "in/tab\there\r\nnew line\u{1b}.ndjson".into();
        let summary = Summary {
            payloads: 1,
            violating: 1,
            ..Summary::default()
        };
        let text = render(&results, &summary);
        assert!(text.contains("tab&#9;here&#13;&#10;new line"), "{text}");
        let document = roxmltree::Document::parse(&text).expect("well-formed XML");
        let suite = document
            .descendants()
            .find(|n| n.has_tag_name("testsuite"))
            .expect("a testsuite");
        assert_eq!(
            suite.attribute("name"),
            Some("in/tab\there\r\nnew line\\u{1b}.ndjson")
        );
        let case = document
            .descendants()
            .find(|n| n.has_tag_name("testcase"))
            .expect("a testcase");
        assert_eq!(
            case.attribute("name"),
            Some("in/tab\there\r\nnew line\\u{1b}.ndjson:3")
        );
        // Element text keeps its line breaks as they are.
        let failure = document
            .descendants()
            .find(|n| n.has_tag_name("failure"))
            .and_then(|n| n.text())
            .expect("a failure");
        assert!(
            failure.contains("expected an integer\n  hint: "),
            "{failure}"
        );
    }
}

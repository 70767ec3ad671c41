//! The github format: GitHub Actions workflow commands, which the runner turns into annotations
//! on the pull request.
//!
//! ```text
//! ::error file=examples/invalid/wrong-type.json,line=3,col=13,title=wrong-type::`code` is "200" …
//! ```
//!
//! Text from a payload or a file name is first [made safe](crate::terminal::escape) for the log;
//! then escaping follows the runner's: `%`, `\r` and `\n` everywhere, and also `:` and `,` in
//! properties.

use super::{Checked, Summary};
use crate::rules::Severity;
use crate::terminal;

/// One line per finding of one payload.
pub fn payload(checked: &Checked) -> String {
    let mut out = String::new();
    for f in &checked.findings {
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut message = String::new();
        if let Some(entry) = checked.origin.entry {
            message.push_str(&format!("{entry}: "));
        }
        message.push_str(&terminal::escape(&f.message));
        if let Some(hint) = &f.hint {
            message.push_str("\nhint: ");
            message.push_str(&terminal::escape(hint));
        }
        out.push_str(&format!(
            "::{command} file={},line={},col={},title={}::{}\n",
            property(&terminal::escape(&checked.origin.file)),
            f.position.line,
            f.position.column,
            property(f.rule.id()),
            data(&message)
        ));
    }
    if checked.dropped > 0 {
        out.push_str(&format!(
            "::warning file={}::{}\n",
            property(&terminal::escape(&checked.origin.file)),
            data(&format!(
                "{} more findings in {} not shown",
                checked.dropped,
                terminal::escape(&checked.origin.name())
            ))
        ));
    }
    out
}

/// The run's summary, as a plain log line.
pub fn summary(summary: &Summary) -> String {
    format!("{}\n", summary.line())
}

/// Escapes a command's message.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command's property value.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::results;

    #[test]
    fn workflow_commands_with_escapes() {
        let (results, summary) = results();
        let text: String = results.iter().map(payload).collect();
        assert_eq!(
            text,
            "::error file=in/a&b.ndjson,line=3,col=10,title=wrong-type::`code` is \"200\" <a string>, expected an integer%0Ahint: send 100%25, not 50%25: a, b\n\
             ::warning file=cap.har,line=12,col=40,title=single-digit-seconds::entries[2].response: `startTime` is \"2020-08-25 10:00:0\"\\u{a}with a single-digit seconds field\n"
        );
        assert_eq!(property("a:b,c%\r\n"), "a%3Ab%2Cc%25%0D%0A");
        assert!(super::summary(&summary).starts_with("checked 3 payloads"));
    }

    #[test]
    fn payload_and_file_name_text_reaches_the_log_escaped() {
        let (mut results, _) = results();
        let checked = &mut results[0];
        checked.origin.file = "in/\u{1b}]0;owned\u{7}.json".into();
        let finding = &mut checked.findings[0];
        finding.message = "`\u{1b}[31mEVIL\u{9b}\u{202e}` is not a member".into();
        finding.hint = Some("`a\rb`".into());
        assert_eq!(
            payload(checked),
            "::error file=in/\\u{1b}]0;owned\\u{7}.json,line=3,col=10,title=wrong-type::`\\u{1b}[31mEVIL\\u{9b}\\u{202e}` is not a member%0Ahint: `a\\u{d}b`\n"
        );
    }
}

//! The json format: one JSON document, one payload per line, the summary last.
//!
//! ```json
//! {"payloads": [
//! {"file": "a.ndjson", "line": 3, "entry": null, "kind": "response", "verdict": "violates", …},
//! …
//! ],
//! "summary": {"payloads": 3, "conforming": 2, "violating": 1, …}}
//! ```
//!
//! Written as it goes: [`begin`], [`payload`] for each, then [`end`].

use serde::Serialize;

use super::{Checked, Summary};

#[derive(Serialize)]
struct PayloadOut<'a> {
    file: &'a str,
    line: Option<u32>,
    entry: Option<String>,
    kind: Option<&'static str>,
    verdict: &'static str,
    errors: usize,
    warnings: usize,
    dropped: usize,
    diagnostics: Vec<DiagnosticOut<'a>>,
}

#[derive(Serialize)]
struct DiagnosticOut<'a> {
    rule: &'static str,
    severity: &'static str,
    pointer: &'a str,
    line: u32,
    column: u32,
    body: Option<PositionOut>,
    message: &'a str,
    hint: Option<&'a str>,
}

#[derive(Serialize)]
struct PositionOut {
    line: u32,
    column: u32,
}

#[derive(Serialize)]
struct SummaryOut {
    payloads: usize,
    conforming: usize,
    violating: usize,
    errors: usize,
    warnings: usize,
    skipped: usize,
}

/// The document's opening.
pub(crate) fn begin() -> String {
    "{\"payloads\": [\n".to_owned()
}

/// One payload's line, an item of the `payloads` list (see [`super::push_item`]).
pub(crate) fn payload(checked: &Checked) -> String {
    let out = PayloadOut {
        file: &checked.origin.file,
        line: checked.origin.line,
        entry: checked.origin.entry.map(|e| e.to_string()),
        kind: checked.kind.map(|k| k.as_str()),
        verdict: checked.verdict(),
        errors: checked.errors,
        warnings: checked.warnings,
        dropped: checked.dropped,
        diagnostics: checked
            .findings
            .iter()
            .map(|f| DiagnosticOut {
                rule: f.rule.id(),
                severity: f.severity.as_str(),
                pointer: &f.pointer,
                line: f.position.line,
                column: f.position.column,
                body: f.body.map(|p| PositionOut {
                    line: p.line,
                    column: p.column,
                }),
                message: &f.message,
                hint: f.hint.as_deref(),
            })
            .collect(),
    };
    serde_json::to_string(&out).unwrap_or_default()
}

/// The summary and the document's end.
pub(crate) fn end(summary: &Summary) -> String {
    let out = SummaryOut {
        payloads: summary.payloads,
        conforming: summary.conforming,
        violating: summary.violating,
        errors: summary.errors,
        warnings: summary.warnings,
        skipped: summary.skipped,
    };
    format!(
        "\n],\n\"summary\": {}}}\n",
        serde_json::to_string(&out).unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::results;

    #[test]
    fn a_valid_document_with_every_field() {
        let (results, summary) = results();
        let mut text = begin();
        let mut any = false;
        for r in &results {
            crate::report::push_item(&mut text, &mut any, &payload(r));
        }
        text.push_str(&end(&summary));
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["payloads"][0]["file"], "in/a&b.ndjson");
        assert_eq!(value["payloads"][0]["line"], 3);
        assert_eq!(value["payloads"][0]["verdict"], "violates");
        assert_eq!(value["payloads"][0]["diagnostics"][0]["rule"], "wrong-type");
        assert_eq!(value["payloads"][0]["diagnostics"][0]["column"], 10);
        assert_eq!(value["payloads"][1]["entry"], "entries[2].response");
        assert_eq!(value["payloads"][1]["diagnostics"][0]["body"]["line"], 1);
        assert_eq!(value["payloads"][2]["line"], serde_json::Value::Null);
        assert_eq!(value["payloads"][2]["diagnostics"], serde_json::json!([]));
        assert_eq!(value["summary"]["violating"], 1);
        assert_eq!(value["summary"]["skipped"], 1);
        let empty = format!("{}{}", begin(), end(&Summary::default()));
        assert!(serde_json::from_str::<serde_json::Value>(&empty).is_ok());
    }
}

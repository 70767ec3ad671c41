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

use super::{Checked, Summary};
use crate::json_string;
use crate::position::Position;

/// The document's opening.
pub fn begin() -> String {
    "{\"payloads\": [\n".to_owned()
}

/// Writes one payload's line, an item of the `payloads` list, onto `out`.
///
/// This runs for every payload of a run, so the line is written by hand, straight into the
/// output buffer: `{"file":…,"line":…,"entry":…,"kind":…,"verdict":…,"errors":…,"warnings":…,
/// "dropped":…,"diagnostics":[…]}`, byte for byte what serde writes of the [`Checked`] (a test
/// compares them).
pub fn payload(out: &mut Vec<u8>, checked: &Checked) {
    // Writing into a `Vec` cannot fail.
    out.extend_from_slice(b"{\"file\":");
    json_string::push(out, &checked.origin.file);
    out.extend_from_slice(b",\"line\":");
    match checked.origin.line {
        Some(line) => push_number(out, line.into()),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"entry\":");
    match checked.origin.entry {
        Some(entry) => json_string::push(out, &entry.to_string()),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"kind\":");
    match checked.kind {
        Some(kind) => {
            out.push(b'"');
            out.extend_from_slice(kind.as_str().as_bytes());
            out.push(b'"');
        }
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"verdict\":\"");
    out.extend_from_slice(checked.verdict().as_bytes());
    for (name, count) in [
        (&b"\",\"errors\":"[..], checked.errors),
        (b",\"warnings\":", checked.warnings),
        (b",\"dropped\":", checked.dropped),
    ] {
        out.extend_from_slice(name);
        push_number(out, count as u64);
    }
    out.extend_from_slice(b",\"diagnostics\":[");
    for (i, f) in checked.findings.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        // Rule ids and severities are plain ASCII words: nothing to escape.
        out.extend_from_slice(b"{\"rule\":\"");
        out.extend_from_slice(f.rule.id().as_bytes());
        out.extend_from_slice(b"\",\"severity\":\"");
        out.extend_from_slice(f.severity.as_str().as_bytes());
        out.extend_from_slice(b"\",\"pointer\":");
        json_string::push(out, &f.pointer);
        push_position(out, b",\"line\":", f.position);
        out.extend_from_slice(b",\"body\":");
        match f.body {
            Some(body) => {
                push_position(out, b"{\"line\":", body);
                out.push(b'}');
            }
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"message\":");
        json_string::push(out, &f.message);
        out.extend_from_slice(b",\"hint\":");
        match &f.hint {
            Some(hint) => json_string::push(out, hint),
            None => out.extend_from_slice(b"null"),
        }
        out.push(b'}');
    }
    out.extend_from_slice(b"]}");
}

/// Appends `line`, then `N,"column":N` of `at`: `line` opens the pair.
fn push_position(out: &mut Vec<u8>, line: &[u8], at: Position) {
    out.extend_from_slice(line);
    push_number(out, at.line.into());
    out.extend_from_slice(b",\"column\":");
    push_number(out, at.column.into());
}

/// Appends the decimal digits of `n`.
fn push_number(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// The summary and the document's end.
pub fn end(summary: &Summary) -> String {
    format!("\n],\n\"summary\": {}}}\n", summary_object(summary))
}

/// The `summary` object: `{"payloads":…,"conforming":…,…,"skipped":…}`, as serde writes
/// [`Summary`].
pub fn summary_object(summary: &Summary) -> String {
    // Counts serialize as numbers: this cannot fail.
    serde_json::to_string(summary).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::results;

    #[test]
    fn numbers_are_written_in_full() {
        for n in [0, 7, 10, 4096, u64::from(u32::MAX), u64::MAX] {
            let mut out = Vec::new();
            push_number(&mut out, n);
            assert_eq!(out, n.to_string().as_bytes());
        }
    }

    #[test]
    fn the_hand_written_line_is_what_serde_writes() {
        let (mut results, _) = results();
        // And a payload with several findings.
        let mut several = results[0].clone();
        several.findings.extend(results[1].findings.iter().cloned());
        results.push(several);
        for r in &results {
            let mut line = Vec::new();
            payload(&mut line, r);
            let serde = serde_json::to_vec(r).unwrap();
            assert_eq!(
                String::from_utf8(line).unwrap(),
                String::from_utf8(serde).unwrap()
            );
        }
    }

    #[test]
    fn a_valid_document_with_every_field() {
        let (results, summary) = results();
        let mut text = begin().into_bytes();
        let mut any = false;
        for r in &results {
            let mut item = Vec::new();
            payload(&mut item, r);
            crate::report::push_item(&mut text, &mut any, &item);
        }
        text.extend_from_slice(end(&summary).as_bytes());
        let text = String::from_utf8(text).unwrap();
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

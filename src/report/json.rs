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

/// The two digits of every number below 100, in order.
const PAIRS: [u8; 200] = {
    let mut pairs = [0; 200];
    let mut n = 0;
    while n < 100 {
        pairs[2 * n] = b'0' + (n / 10) as u8;
        pairs[2 * n + 1] = b'0' + (n % 10) as u8;
        n += 1;
    }
    pairs
};

/// Appends the decimal digits of `n`.
///
/// Up to eight digits are put together in a register, two at a time, and appended as one
/// word whose bytes past the digits are cut off: neither a `memcpy` call for a few bytes nor a
/// wide read of digits just stored byte by byte.
fn push_number(out: &mut Vec<u8>, n: u64) {
    if n < 10 {
        out.push(b'0' + n as u8);
        return;
    }
    if let Ok(small) = u32::try_from(n)
        && small < 100_000_000
    {
        // The least significant digits first, each pair shifted up by the next: the most
        // significant ends in the lowest byte, written first.
        let (mut rest, mut word, mut count) = (small as usize, 0u64, 0);
        while rest >= 100 {
            let pair = rest % 100 * 2;
            word = (word << 16) | u64::from(u16::from_le_bytes([PAIRS[pair], PAIRS[pair + 1]]));
            rest /= 100;
            count += 2;
        }
        if rest >= 10 {
            let pair = rest * 2;
            word = (word << 16) | u64::from(u16::from_le_bytes([PAIRS[pair], PAIRS[pair + 1]]));
            count += 2;
        } else {
            word = (word << 8) | (u64::from(b'0') + rest as u64);
            count += 1;
        }
        let len = out.len();
        out.extend_from_slice(&word.to_le_bytes());
        out.truncate(len + count);
        return;
    }
    let mut rest = n;
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    while rest > 0 {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
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
        let mut powers: Vec<u64> = (0..20).map(|k| 10u64.pow(k)).collect();
        powers.extend(powers.clone().iter().map(|p| p - 1));
        for n in [4096, 99_999_999, 100_000_000, u64::from(u32::MAX), u64::MAX]
            .into_iter()
            .chain(0..=100_000)
            .chain(powers)
        {
            let mut out = b"line:".to_vec();
            push_number(&mut out, n);
            assert_eq!(out, format!("line:{n}").as_bytes());
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

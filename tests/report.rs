//! The report layer as a gateway or a test harness uses it, from outside the crate: rules by
//! id, reports placed at their origin, HAR captures, and every format's writer.

use std::path::Path;
use std::sync::Arc;

use cloudstorage_contract::har::{self, Side};
use cloudstorage_contract::report::{Checked, Format, HarPlacer, Origin, Rendering, Writer};
use cloudstorage_contract::{Options, RULES, Rule, Validator};
use serde_json::Value;

fn example(path: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(path);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every example payload, placed as a whole file, and each line of the NDJSON example.
fn examples(validator: &Validator) -> Vec<Checked> {
    let mut out = Vec::new();
    for name in [
        "page/response-success.json",
        "page/request.json",
        "valid/response-in-use.json",
        "invalid/code-as-string.json",
        "invalid/february-30.json",
    ] {
        let bytes = example(name);
        let report = validator.validate(&bytes);
        out.push(Checked::new(report, Origin::file(name), &bytes, true));
    }
    let ndjson = example("invalid/orders.ndjson");
    for (i, line) in ndjson.split(|&b| b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let origin = Origin::line("invalid/orders.ndjson", i as u32 + 1);
        out.push(Checked::new(validator.validate(line), origin, line, true));
    }
    out
}

#[test]
fn every_rule_parses_from_the_id_it_prints() {
    for info in RULES {
        let parsed: Rule = info.id.parse().expect("a rule's own id");
        assert_eq!(parsed, info.rule);
        assert_eq!(parsed.to_string(), info.id);
    }
    let unknown = "single-digit-second".parse::<Rule>().unwrap_err();
    assert_eq!(unknown.id(), "single-digit-second");
    let message = unknown.message_in(" in `--allow`");
    assert!(message.starts_with(
        "unknown rule `single-digit-second` in `--allow`, expected one of: invalid-json, "
    ));
    assert!(message.contains("single-digit-seconds"));
}

#[test]
fn the_json_writer_writes_what_serde_writes() {
    let validator = Validator::new(Options::default()).unwrap();
    let checked = examples(&validator);
    assert!(checked.iter().any(|c| !c.conforms()) && checked.iter().any(|c| c.warnings > 0));
    let mut writer = Writer::new(Format::Json, Vec::new()).unwrap();
    for c in &checked {
        writer.write(c).unwrap();
    }
    let text = String::from_utf8(writer.finish().unwrap()).unwrap();
    // One payload a line, each byte for byte its serde form; the summary counts them.
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], r#"{"payloads": ["#);
    for (line, c) in lines[1..].iter().zip(&checked) {
        let serde = serde_json::to_string(c).unwrap();
        assert_eq!(line.trim_end_matches(','), serde);
    }
    let document: Value = serde_json::from_str(&text).unwrap();
    let summary = &document["summary"];
    assert_eq!(summary["payloads"], checked.len());
    let violating = checked.iter().filter(|c| !c.conforms()).count();
    assert_eq!(summary["violating"], violating);
}

#[test]
fn every_format_writes_the_same_run_streamed_or_rendered_elsewhere() {
    let validator = Validator::new(Options::default()).unwrap();
    let checked = examples(&validator);
    for format in Format::ALL {
        for color in [false, true] {
            let rendering = Rendering::new(format, color);
            // A payload at a time.
            let mut streamed = Writer::with_rendering(rendering, Vec::new()).unwrap();
            for c in &checked {
                streamed.write(c).unwrap();
            }
            let streamed = streamed.finish().unwrap();
            // Rendered in runs of two, as threads would, then written in order.
            let mut summary = cloudstorage_contract::report::Summary::default();
            let mut written = Writer::with_rendering(rendering, Vec::new()).unwrap();
            for run in checked.chunks(2) {
                let (mut text, mut any) = (Vec::new(), false);
                for c in run {
                    rendering.render(c, &mut text, &mut any);
                    summary.add(c);
                }
                written.write_rendered(&text).unwrap();
            }
            let written = written.end(&summary, &checked).unwrap();
            assert_eq!(
                String::from_utf8_lossy(&streamed),
                String::from_utf8_lossy(&written),
                "{format} color {color}"
            );
            let text = String::from_utf8(streamed).unwrap();
            assert_eq!(
                text.contains('\u{1b}'),
                color && format == Format::Human,
                "{format}: colour only where asked, and only in the human format"
            );
            match format {
                Format::Json | Format::Sarif => {
                    serde_json::from_str::<Value>(&text).expect("one JSON document");
                }
                Format::Junit => {
                    roxmltree::Document::parse(&text).expect("well-formed XML");
                }
                _ => assert!(text.contains("code-as-string.json")),
            }
        }
    }
}

#[test]
fn a_har_capture_is_placed_in_its_file() {
    let bytes = example("invalid/capture.har");
    let calls = har::calls("capture.har", &bytes).unwrap();
    assert!(!calls.calls.is_empty());
    let validator = Validator::new(Options::default()).unwrap();
    let placer = HarPlacer::new(Arc::from("capture.har"), bytes.clone());
    let text = String::from_utf8_lossy(&bytes);
    let mut json = Writer::new(Format::Json, Vec::new()).unwrap();
    json.skip(calls.skipped);
    for call in &calls.calls {
        let exchange = validator.validate_exchange(&call.request.bytes, &call.response.bytes);
        for (report, body, side) in [
            (&exchange.request, &call.request, Side::Request),
            (&exchange.response, &call.response, Side::Response),
        ] {
            let checked = placer.checked(report, body, false);
            json.write(&checked).unwrap();
            let entry = checked.origin.entry.expect("a HAR entry");
            assert_eq!(entry.side, side);
            assert_eq!(entry, body.entry);
            let line = checked.origin.line.expect("the line of the body's string") as usize;
            assert!(line >= 1 && line <= text.lines().count());
            for finding in &checked.findings {
                // The finding's line in the file holds the body's string.
                let at = finding.position.line as usize;
                assert!(at >= line, "{finding:?}");
                assert!(finding.body.is_some(), "{finding:?}");
            }
        }
    }
    let document: Value = serde_json::from_slice(&json.finish().unwrap()).unwrap();
    assert_eq!(document["summary"]["payloads"], 2 * calls.calls.len());
    assert_eq!(document["summary"]["skipped"], calls.skipped);
    assert!(
        calls.skipped > 0,
        "the capture holds entries of other endpoints"
    );
}

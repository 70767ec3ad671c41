//! Checks on `check`'s output, shared by the reader targets.

use cloudstorage_contract::Validator;
use cloudstorage_contract_cli::check_bytes;
use serde_json::Value;

/// The formats besides `json`, one of which each input is also rendered in.
const OTHER_FORMATS: [&str; 4] = ["human", "junit", "sarif", "github"];

/// `check`'s json output for `bytes` as one input (a HAR when `har`), checked for shape, or the
/// error when the input is unreadable. Also renders the input in one other format, chosen by
/// its length, and checks that output.
pub fn check(
    validator: &Validator,
    har: bool,
    max_bytes: usize,
    bytes: &[u8],
) -> Result<Value, cloudstorage_contract::Error> {
    let (code, out) = check_bytes(validator, har, "json", max_bytes, bytes)?;
    let doc: Value = serde_json::from_slice(&out).unwrap_or_else(|e| {
        panic!(
            "the json format is not JSON ({e}):\n{}",
            String::from_utf8_lossy(&out)
        )
    });
    let summary = &doc["summary"];
    let payloads = doc["payloads"].as_array().expect("`payloads` is an array");
    assert_eq!(summary["payloads"].as_u64(), Some(payloads.len() as u64));
    let violating = payloads
        .iter()
        .filter(|p| p["verdict"] == "violates")
        .count() as u64;
    assert_eq!(summary["violating"].as_u64(), Some(violating));
    assert_eq!(
        code,
        u8::from(violating > 0),
        "the exit code tells the verdict"
    );
    for p in payloads {
        let (errors, warnings) = (p["errors"].as_u64(), p["warnings"].as_u64());
        let kept = p["diagnostics"].as_array().expect("an array").len() as u64;
        assert_eq!(
            Some(kept + p["dropped"].as_u64().expect("a count")),
            errors.zip(warnings).map(|(e, w)| e + w)
        );
        assert_eq!(p["verdict"] == "violates", errors != Some(0));
    }

    let format = OTHER_FORMATS[bytes.len() % OTHER_FORMATS.len()];
    let (other_code, text) =
        check_bytes(validator, har, format, max_bytes, bytes).expect("read once, read again");
    assert_eq!(
        other_code, code,
        "the exit code does not depend on the format"
    );
    let text = String::from_utf8(text).expect("the output is UTF-8");
    match format {
        "sarif" => {
            let sarif: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("the sarif format is not JSON ({e}):\n{text}"));
            let results = sarif["runs"][0]["results"].as_array().expect("results");
            let kept: usize = payloads
                .iter()
                .map(|p| p["diagnostics"].as_array().map_or(0, Vec::len))
                .sum();
            assert_eq!(results.len(), kept, "one result per finding");
        }
        "junit" => {
            if let Err(e) = roxmltree::Document::parse(&text) {
                panic!("the junit format is not XML ({e}):\n{text}");
            }
        }
        "github" => {
            let lines: Vec<&str> = text.lines().collect();
            let (last, commands) = lines.split_last().expect("a summary line");
            assert!(last.starts_with("checked "), "{last:?}");
            for line in commands {
                assert!(
                    line.starts_with("::error ") || line.starts_with("::warning "),
                    "one workflow command per line: {line:?}"
                );
            }
        }
        _ => assert!(text.ends_with('\n')),
    }
    Ok(doc)
}

/// The chars of each line of `bytes` (lines end at `\n`), for bounds on columns.
pub fn line_chars(bytes: &[u8]) -> Vec<usize> {
    bytes
        .split(|&b| b == b'\n')
        .map(|line| line.iter().filter(|&&b| b & 0xC0 != 0x80).count())
        .collect()
}

/// Every finding's line and column is a place in the input.
pub fn check_positions(doc: &Value, bytes: &[u8]) {
    let lines = line_chars(bytes);
    for p in doc["payloads"].as_array().expect("an array") {
        let start = p["line"].as_u64();
        if let Some(start) = start {
            assert!(start >= 1 && start as usize <= lines.len());
        }
        for d in p["diagnostics"].as_array().expect("an array") {
            let line = d["line"].as_u64().expect("a line");
            let column = d["column"].as_u64().expect("a column");
            assert!(
                line >= 1 && line as usize <= lines.len(),
                "line {line}: {d}"
            );
            assert!(
                column >= 1 && column as usize <= lines[line as usize - 1] + 1,
                "column {column} past the end of line {line}: {d}"
            );
            if let Some(start) = start {
                assert!(line >= start, "a finding before its payload: {p}");
            }
        }
    }
}

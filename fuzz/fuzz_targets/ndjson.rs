//! The command line's NDJSON reader (`check` on a `.ndjson` file) over arbitrary bytes, through
//! validation and rendering.
//!
//! Every non-blank line is one payload, named by its line number, and checked as
//! `Validator::validate` checks it alone; every finding is on its payload's line; a line over
//! `--max-bytes` is `too-large` without being validated. Inputs whose length is a multiple of 4
//! are read with a `--max-bytes` of 256, the others with the default.
#![no_main]

#[path = "output.rs"]
mod output;

use std::sync::LazyLock;

use cloudstorage_contract::{DEFAULT_MAX_BYTES, Options, Validator};
use libfuzzer_sys::fuzz_target;

static DEFAULT: LazyLock<Validator> = LazyLock::new(|| {
    // As `check` builds it: verdicts, no typed payloads.
    Validator::new(Options::default().keep_payload(false)).expect("the options are valid")
});

const SMALL_MAX_BYTES: usize = 256;
static SMALL: LazyLock<Validator> = LazyLock::new(|| {
    Validator::new(
        Options::default()
            .max_bytes(SMALL_MAX_BYTES)
            .keep_payload(false),
    )
    .expect("the options are valid")
});

fuzz_target!(|data: &[u8]| {
    let (validator, max_bytes) = if data.len() % 4 == 0 {
        (&*SMALL, SMALL_MAX_BYTES)
    } else {
        (&*DEFAULT, DEFAULT_MAX_BYTES)
    };
    let doc = output::check(validator, false, max_bytes, data)
        .expect("an NDJSON input in memory is always read");
    output::check_positions(&doc, data);

    // The payloads a plain reading of the lines expects.
    let mut expected = Vec::new();
    let mut pieces: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    if pieces.last().is_some_and(|last| last.is_empty()) {
        pieces.pop();
    }
    for (i, piece) in pieces.into_iter().enumerate() {
        let content = piece.strip_suffix(b"\r").unwrap_or(piece);
        if content.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        expected.push((i + 1, content));
    }
    let payloads = doc["payloads"].as_array().expect("an array");
    let got: Vec<u64> = payloads.iter().filter_map(|p| p["line"].as_u64()).collect();
    let want: Vec<u64> = expected.iter().map(|(n, _)| *n as u64).collect();
    assert_eq!(got, want, "one payload per non-blank line");
    for (p, (number, content)) in payloads.iter().zip(&expected) {
        for d in p["diagnostics"].as_array().expect("an array") {
            assert_eq!(d["line"].as_u64(), Some(*number as u64), "on its line: {d}");
        }
        if content.len() > max_bytes {
            assert_eq!(p["diagnostics"][0]["rule"], "too-large");
            continue;
        }
        let report = validator.validate(content);
        assert_eq!(p["errors"].as_u64(), Some(report.error_count() as u64));
        assert_eq!(p["warnings"].as_u64(), Some(report.warning_count() as u64));
    }
});

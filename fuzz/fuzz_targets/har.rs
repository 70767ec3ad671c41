//! The command line's HAR reader (`check` on a `.har` file) over arbitrary bytes, through
//! validation of each `order/get` exchange and rendering.
//!
//! A HAR that is not one is an error, never a panic; otherwise every entry is either a checked
//! call (a request and a response payload, in that order, for the same entry) or skipped, and
//! every finding is placed in the file, at or after the line of its body.
#![no_main]

#[path = "output.rs"]
mod output;

use std::sync::LazyLock;

use cloudstorage_contract::{DEFAULT_MAX_BYTES, Options, Validator};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

static DEFAULT: LazyLock<Validator> = LazyLock::new(|| {
    // As `check` builds it: verdicts, no typed payloads.
    Validator::new(Options::default().keep_payload(false)).expect("the options are valid")
});

fuzz_target!(|data: &[u8]| {
    let parsed = serde_json::from_slice::<Value>(data).ok();
    let entries = parsed
        .as_ref()
        .and_then(|v| v.pointer("/log/entries"))
        .and_then(Value::as_array);
    let doc = match output::check(&DEFAULT, true, DEFAULT_MAX_BYTES, data) {
        Ok(doc) => doc,
        Err(e) => {
            let message = e.to_string();
            assert!(message.starts_with("`<bytes>`"), "{message}");
            if entries.is_some() {
                assert!(
                    message.contains("base64"),
                    "a HAR serde_json reads is refused: {message}"
                );
            }
            return;
        }
    };
    output::check_positions(&doc, data);
    let payloads = doc["payloads"].as_array().expect("an array");
    assert_eq!(payloads.len() % 2, 0, "a request and a response per call");
    for pair in payloads.chunks(2) {
        let (request, response) = (&pair[0], &pair[1]);
        let entry = request["entry"].as_str().expect("an entry");
        let index = entry
            .strip_prefix("entries[")
            .and_then(|e| e.strip_suffix("].request"))
            .expect("the request first");
        assert_eq!(
            response["entry"].as_str(),
            Some(format!("entries[{index}].response").as_str())
        );
        assert_eq!(request["kind"], "request");
        assert_eq!(response["kind"], "response");
    }
    if let Some(entries) = entries {
        let skipped = doc["summary"]["skipped"].as_u64().expect("a count") as usize;
        assert_eq!(
            payloads.len() / 2 + skipped,
            entries.len(),
            "every entry is a call or skipped"
        );
    }
});

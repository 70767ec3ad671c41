//! The Rust baselines of `benches/compare.sh`: what other tools do with an NDJSON file of
//! `order/get` responses, one line at a time, on one thread.
//!
//! ```sh
//! cargo run --release --example baseline -- value responses.ndjson
//! ```
//!
//! | mode | per line |
//! |---|---|
//! | `value` | `serde_json::from_slice::<serde_json::Value>` alone |
//! | `schema` | the same, then the `jsonschema` crate's `is_valid` against the committed tolerant response schema (formats on, as in the validator) |
//! | `typed` | `serde_json::from_slice::<Response>`: typed deserialization into this crate's structs |
//!
//! It prints how many lines were read and how many passed (parsed, validated or deserialized),
//! so that a run cannot be optimized into doing nothing.

use std::io::{BufRead, BufReader};
use std::process::ExitCode;

use cloudstorage_contract::schema::{self, Variant};
use cloudstorage_contract::{Kind, Response};
use serde_json::Value;

/// What a mode does with one line: whether it passed.
type Check = Box<dyn Fn(&[u8]) -> bool>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [mode, path] = args.as_slice() else {
        eprintln!("usage: baseline value|schema|typed FILE.ndjson");
        return ExitCode::from(2);
    };
    let check: Check = match mode.as_str() {
        "value" => Box::new(|line| serde_json::from_slice::<Value>(line).is_ok()),
        "schema" => {
            let text = schema::committed(Kind::Response, Variant::Tolerant);
            let schema: Value = match serde_json::from_str(text) {
                Ok(schema) => schema,
                Err(e) => {
                    eprintln!("error: the committed schema: {e}");
                    return ExitCode::from(2);
                }
            };
            let validator = match jsonschema::draft202012::options()
                .should_validate_formats(true)
                .build(&schema)
            {
                Ok(validator) => validator,
                Err(e) => {
                    eprintln!("error: the committed schema: {e}");
                    return ExitCode::from(2);
                }
            };
            Box::new(move |line| {
                serde_json::from_slice::<Value>(line).is_ok_and(|value| validator.is_valid(&value))
            })
        }
        "typed" => Box::new(|line| serde_json::from_slice::<Response>(line).is_ok()),
        other => {
            eprintln!("error: unknown mode `{other}`, expected value, schema or typed");
            return ExitCode::from(2);
        }
    };
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) => {
            eprintln!("error: `{path}`: {e}");
            return ExitCode::from(2);
        }
    };
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let (mut lines, mut passed) = (0u64, 0u64);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                eprintln!("error: `{path}`: {e}");
                return ExitCode::from(2);
            }
        }
        let text = line.strip_suffix(b"\n").unwrap_or(&line);
        if text.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        lines += 1;
        passed += u64::from(check(text));
    }
    println!("{lines} lines, {passed} passed");
    ExitCode::SUCCESS
}

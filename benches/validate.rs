//! The validator against `serde_json::from_slice::<Value>` on the same bytes, in the same run.
//!
//! Each group holds the baseline beside our check, so the ratio is what to read:
//! `cargo bench --bench validate`, then compare the two lines of a group.

use std::hint::black_box;

use cloudstorage_contract::{Options, Validator};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::Value;

/// The endpoint page's success example with canonical times: conforming, no warnings.
fn conforming() -> Vec<u8> {
    let page = include_str!("../examples/page/response-success.json");
    page.replace("10:00:0\"", "10:00:00\"").into_bytes()
}

/// The same with three errors: a wrong enum value, a malformed price and a wrong type.
fn violating() -> Vec<u8> {
    String::from_utf8(conforming())
        .unwrap_or_default()
        .replace("\"status\": 0", "\"status\": 9")
        .replace("\"1.0\"", "\"1,0\"")
        .replace("\"copies\": 1", "\"copies\": \"1\"")
        .into_bytes()
}

fn bench(c: &mut Criterion) {
    let validator = Validator::new(Options::default()).expect("default options");
    for (name, bytes) in [("conforming", conforming()), ("violating", violating())] {
        let expected = name == "conforming";
        assert_eq!(validator.validate_response(&bytes).conforms(), expected);
        let mut group = c.benchmark_group(format!("response/{name}"));
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function("baseline: serde_json Value", |b| {
            b.iter(|| serde_json::from_slice::<Value>(black_box(&bytes)).is_ok())
        });
        group.bench_function("validate_response", |b| {
            b.iter(|| validator.validate_response(black_box(&bytes)).conforms())
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);

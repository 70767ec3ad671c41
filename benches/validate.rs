//! The validator against `serde_json::from_slice::<Value>` on the same bytes, in the same run.
//!
//! Each group holds the baseline beside our check, so the ratio is what to read:
//! `cargo bench --bench validate`, then divide our line of a group by its baseline line. "ours"
//! is a full check, bytes to `Report`: with the typed payload (the default), and without it
//! (`Options::keep_payload(false)`, as the command line runs). The groups also hold two
//! references, for context: typed deserialization alone, and the raw `jsonschema` crate over a
//! `Value` with the same committed schema.
//!
//! | group | payload |
//! |---|---|
//! | `response/conforming` | a success response with canonical times: no finding |
//! | `response/violating` | the same with three errors (enum, pattern, type): the full report |
//! | `response/error` | the page's error example (`code` 460, `data` null) |
//! | `request/conforming` | the page's request example |
//! | `ndjson/mixed` | 1,000 generated responses, 90% conforming, one `validate_response` each |

use std::hint::black_box;

use cloudstorage_contract::schema::{self, Variant};
use cloudstorage_contract::{Kind, Options, Request, Response, Validator, sample};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
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

/// The raw `jsonschema` crate with the committed schema, formats on as in the validator.
fn raw_schema(kind: Kind) -> jsonschema::Validator {
    let schema: Value =
        serde_json::from_str(schema::committed(kind, Variant::Tolerant)).expect("the schema");
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles")
}

/// The baseline, our check, and the two references, over one payload.
fn one(
    group: &mut BenchmarkGroup<'_, WallTime>,
    [validator, verdicts]: [&Validator; 2],
    kind: Kind,
    bytes: &[u8],
) {
    let raw = raw_schema(kind);
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("baseline: serde_json Value", |b| {
        b.iter(|| serde_json::from_slice::<Value>(black_box(bytes)).is_ok())
    });
    group.bench_function("ours: validate", |b| match kind {
        Kind::Request => b.iter(|| validator.validate_request(black_box(bytes)).conforms()),
        _ => b.iter(|| validator.validate_response(black_box(bytes)).conforms()),
    });
    group.bench_function("ours: validate, keep_payload(false)", |b| match kind {
        Kind::Request => b.iter(|| verdicts.validate_request(black_box(bytes)).conforms()),
        _ => b.iter(|| verdicts.validate_response(black_box(bytes)).conforms()),
    });
    group.bench_function("reference: serde_json typed", |b| match kind {
        Kind::Request => b.iter(|| serde_json::from_slice::<Request>(black_box(bytes)).is_ok()),
        _ => b.iter(|| serde_json::from_slice::<Response>(black_box(bytes)).is_ok()),
    });
    group.bench_function("reference: Value + jsonschema is_valid", |b| {
        b.iter(|| serde_json::from_slice::<Value>(black_box(bytes)).is_ok_and(|v| raw.is_valid(&v)))
    });
}

fn payloads(c: &mut Criterion) {
    let validator = Validator::new(Options::default()).expect("default options");
    let verdicts = Validator::new(Options::default().keep_payload(false)).expect("options");
    let page = |name: &str| {
        std::fs::read(format!(
            "{}/examples/page/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("the page's examples")
    };
    let cases = [
        ("response/conforming", Kind::Response, conforming(), true),
        ("response/violating", Kind::Response, violating(), false),
        (
            "response/error",
            Kind::Response,
            page("response-error.json"),
            true,
        ),
        (
            "request/conforming",
            Kind::Request,
            page("request.json"),
            true,
        ),
    ];
    for (name, kind, bytes, conforms) in cases {
        let report = match kind {
            Kind::Request => validator.validate_request(&bytes),
            _ => validator.validate_response(&bytes),
        };
        assert_eq!(report.conforms(), conforms, "{name}: {report:?}");
        let mut group = c.benchmark_group(name);
        one(&mut group, [&validator, &verdicts], kind, &bytes);
        group.finish();
    }
}

/// 1,000 generated responses, nine conforming to one near miss, as in `benches/compare.sh`.
fn ndjson(c: &mut Criterion) {
    let validator = Validator::new(Options::default()).expect("default options");
    let verdicts = Validator::new(Options::default().keep_payload(false)).expect("options");
    let lines: Vec<Vec<u8>> = (0..1000u64)
        .map(|i| {
            if i % 10 == 9 {
                sample::near_miss(Kind::Response, i).text.into_bytes()
            } else {
                sample::conforming(Kind::Response, i).text.into_bytes()
            }
        })
        .collect();
    let total: usize = lines.iter().map(Vec::len).sum();
    let mut group = c.benchmark_group("ndjson/mixed");
    group.throughput(Throughput::Bytes(total as u64));
    group.bench_function("baseline: serde_json Value", |b| {
        b.iter(|| {
            lines
                .iter()
                .filter(|l| serde_json::from_slice::<Value>(black_box(l)).is_ok())
                .count()
        })
    });
    for (name, v) in [
        ("ours: validate", &validator),
        ("ours: validate, keep_payload(false)", &verdicts),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                lines
                    .iter()
                    .filter(|l| v.validate_response(black_box(l)).conforms())
                    .count()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, payloads, ndjson);
criterion_main!(benches);

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
//! | `response/page-form` | the page's own example: `10:00:0` in both local times, two warnings |
//! | `response/warned` | conforming with one sanity warning (`free-with-price`) |
//! | `response/one-error` | one error (`status` 9): the full report |
//! | `response/violating` | three errors (enum, pattern, type): the full report |
//! | `response/error` | the page's error example (`code` 460, `data` null) |
//! | `request/conforming` | the page's request example |
//! | `ndjson/mixed` | 1,000 generated responses, 90% conforming, one `validate_response` each; and the same with a traffic profile fed (`validate_profiled`) |

use std::hint::black_box;

use cloudstorage_contract::schema::{self, Variant};
use cloudstorage_contract::traffic::{Origin, TrafficProfile};
use cloudstorage_contract::{Engine, Kind, Options, Request, Response, Validator, sample};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use serde_json::Value;

/// The endpoint page's success example with canonical times: conforming, no warnings.
fn conforming() -> Vec<u8> {
    let page = include_str!("../examples/page/response-success.json");
    page.replace("10:00:0\"", "10:00:00\"").into_bytes()
}

/// The same with one sanity warning: a free order with a price.
fn warned() -> Vec<u8> {
    String::from_utf8(conforming())
        .unwrap_or_default()
        .replace("\"orderType\":0", "\"orderType\":1")
        .into_bytes()
}

/// The same with one error: a status outside the enum.
fn one_error() -> Vec<u8> {
    String::from_utf8(conforming())
        .unwrap_or_default()
        .replace("\"status\": 0", "\"status\": 9")
        .into_bytes()
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
    [validator, verdicts, reference]: [&Validator; 3],
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
    group.bench_function(
        "reference engine: validate, keep_payload(false)",
        |b| match kind {
            Kind::Request => b.iter(|| reference.validate_request(black_box(bytes)).conforms()),
            _ => b.iter(|| reference.validate_response(black_box(bytes)).conforms()),
        },
    );
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
    let reference = Validator::new(
        Options::default()
            .keep_payload(false)
            .engine(Engine::Reference),
    )
    .expect("options");
    let page = |name: &str| {
        std::fs::read(format!(
            "{}/examples/page/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("the page's examples")
    };
    let cases = [
        ("response/conforming", Kind::Response, conforming(), true),
        (
            "response/page-form",
            Kind::Response,
            page("response-success.json"),
            true,
        ),
        ("response/warned", Kind::Response, warned(), true),
        ("response/one-error", Kind::Response, one_error(), false),
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
        let expected = match name {
            "response/page-form" => 2,
            "response/warned" => 1,
            "response/one-error" => 1,
            "response/violating" => 3,
            _ => 0,
        };
        assert_eq!(report.diagnostics().len(), expected, "{name}: {report:?}");
        let mut group = c.benchmark_group(name);
        one(
            &mut group,
            [&validator, &verdicts, &reference],
            kind,
            &bytes,
        );
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
    let origin = Origin::file("bench.ndjson");
    group.bench_function("ours: validate_profiled, keep_payload(false)", |b| {
        b.iter(|| {
            let mut profile = TrafficProfile::new();
            let conforming = lines
                .iter()
                .filter(|l| {
                    let report = verdicts.validate_profiled(
                        black_box(l),
                        Some(Kind::Response),
                        &origin,
                        &mut profile,
                    );
                    report.conforms()
                })
                .count();
            (conforming, profile)
        })
    });
    group.finish();
}

criterion_group!(benches, payloads, ndjson);
criterion_main!(benches);

//! `Validator::validate` and `Validator::validate_exchange` on arbitrary bytes.
//!
//! Beyond "never panics", every input must give reports that hold together:
//! - no report has an internal error (the engines, the committed schema and the types agree);
//! - the counts agree with the findings, and `conforms()` means no error (kept or dropped);
//! - every finding's offset is inside the input, its line and column are the ones a naive count
//!   gives, findings come in input order;
//! - a conforming report has its typed payload (no profile here downgrades an error), which
//!   serializes back to a payload that conforms and types to the same value;
//! - the strict profile finds exactly what the default one finds, every finding an error;
//! - without the typed payload (`keep_payload(false)`) the report is the same, less the
//!   payload;
//! - the one-pass engine (`Engine::OnePass`, the default) is held to the reference engine
//!   (`Engine::Reference`, the committed JSON Schema run by `jsonschema`): `validate` and
//!   `validate_exchange` give equal reports from both, with the default options and with a
//!   time zone and no typed payload;
//! - the text stage agrees with `serde_json` on what is JSON;
//! - no message, hint or `Debug` output shows a credential (`iotToken`, `cloudToken`);
//! - an exchange's request report is the request's own, and its response report is the
//!   response's own plus `exchange-mismatch` findings.
//!
//! The exchange's two payloads are split at the first `0xFF` byte (never in UTF-8 text), or in
//! the middle when there is none.
#![no_main]

use std::sync::LazyLock;

use cloudstorage_contract::{
    Engine, Kind, Options, Payload, Profile, Report, Rule, Severity, Validator,
};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

static DEFAULT: LazyLock<Validator> =
    LazyLock::new(|| Validator::new(Options::default()).expect("the default options are valid"));

/// The default options on the reference engine, which `DEFAULT`'s one-pass engine must match.
static DEFAULT_REFERENCE: LazyLock<Validator> = LazyLock::new(|| {
    Validator::new(Options::default().engine(Engine::Reference))
        .expect("the default options are valid on the reference engine")
});

/// A time zone and no typed payload, as a gateway that only wants verdicts would ask: on the
/// one-pass engine and on the reference engine, which must agree.
fn zoned_lean() -> Options {
    Options::default()
        .time_zone("Asia/Shanghai")
        .keep_payload(false)
}
static ZONED_LEAN: LazyLock<Validator> =
    LazyLock::new(|| Validator::new(zoned_lean()).expect("the zoned options are valid"));
static ZONED_LEAN_REFERENCE: LazyLock<Validator> = LazyLock::new(|| {
    Validator::new(zoned_lean().engine(Engine::Reference))
        .expect("the zoned options are valid on the reference engine")
});

/// The default options without the typed payload.
static VERDICTS: LazyLock<Validator> = LazyLock::new(|| {
    Validator::new(Options::default().keep_payload(false)).expect("the options are valid")
});

static STRICT: LazyLock<Validator> = LazyLock::new(|| {
    Validator::new(Options::default().profile(Profile::Strict))
        .expect("the strict options are valid")
});

/// A time zone, and so few kept findings that dropping them is common.
const ZONED_MAX_DIAGNOSTICS: usize = 3;
static ZONED: LazyLock<Validator> = LazyLock::new(|| {
    Validator::new(
        Options::default()
            .time_zone("Asia/Shanghai")
            .max_diagnostics(ZONED_MAX_DIAGNOSTICS),
    )
    .expect("the zoned options are valid")
});

fuzz_target!(|data: &[u8]| {
    let report = DEFAULT.validate(data);
    check_report(&report, data, 100, false);
    check_round_trip(&report);
    check_text_stage(&report, data);
    check_credentials(&report, data);

    // Without the payload, the same report, less the payload.
    let verdicts = VERDICTS.validate(data);
    assert_eq!(verdicts.payload(), None);
    assert_eq!(
        findings(&verdicts),
        findings(&report),
        "keep_payload(false) finds the same"
    );
    assert_eq!(
        (
            verdicts.kind(),
            verdicts.error_count(),
            verdicts.warning_count(),
            verdicts.dropped()
        ),
        (
            report.kind(),
            report.error_count(),
            report.warning_count(),
            report.dropped()
        ),
    );

    let strict = STRICT.validate(data);
    check_report(&strict, data, 100, true);
    assert_eq!(
        findings(&strict),
        findings(&report),
        "the strict profile finds what the default one finds"
    );

    let zoned = ZONED.validate(data);
    check_report(&zoned, data, ZONED_MAX_DIAGNOSTICS, false);

    let (request, response) = match memchr::memchr(0xFF, data) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => data.split_at(data.len() / 2),
    };

    // The one-pass engine against the reference engine: `validate` and `validate_exchange`,
    // with the default options and with a time zone and no typed payload.
    same_report(
        &report,
        &DEFAULT_REFERENCE.validate(data),
        "validate, default options",
    );
    let lean = ZONED_LEAN.validate(data);
    assert_eq!(lean.payload(), None);
    same_report(
        &lean,
        &ZONED_LEAN_REFERENCE.validate(data),
        "validate, zoned, keep_payload(false)",
    );
    for (one_pass, reference, options) in [
        (&*DEFAULT, &*DEFAULT_REFERENCE, "default options"),
        (
            &*ZONED_LEAN,
            &*ZONED_LEAN_REFERENCE,
            "zoned, keep_payload(false)",
        ),
    ] {
        let ours = one_pass.validate_exchange(request, response);
        let theirs = reference.validate_exchange(request, response);
        same_report(
            &ours.request,
            &theirs.request,
            &format!("validate_exchange's request, {options}"),
        );
        same_report(
            &ours.response,
            &theirs.response,
            &format!("validate_exchange's response, {options}"),
        );
        assert_eq!(
            ours, theirs,
            "validate_exchange, {options}: the engines disagree"
        );
    }

    let exchange = DEFAULT.validate_exchange(request, response);
    check_report(&exchange.request, request, 100, false);
    check_report(&exchange.response, response, 100, false);
    assert_eq!(exchange.response.kind(), Some(Kind::Response));
    assert_eq!(
        exchange.request,
        DEFAULT.validate_request(request),
        "an exchange's request report is the request's own"
    );
    let alone = DEFAULT.validate_response(response);
    let mismatches = exchange
        .response
        .diagnostics()
        .iter()
        .filter(|d| d.rule() == Rule::ExchangeMismatch)
        .count();
    if mismatches == 0 && exchange.response.dropped() == 0 {
        assert_eq!(
            exchange.response, alone,
            "without a mismatch, an exchange's response report is the response's own"
        );
    } else if exchange.response.dropped() == 0 {
        let own: Vec<_> = findings(&exchange.response)
            .into_iter()
            .filter(|f| f.0 != Rule::ExchangeMismatch)
            .collect();
        assert_eq!(own, findings(&alone));
        assert!(exchange.response.payload().is_none());
    }
});

/// The one-pass engine's report (`ours`) equals the reference engine's (`theirs`). The parts
/// are compared from the coarsest (which findings) to the whole report, so that an assertion
/// names the first part the engines disagree on.
fn same_report(ours: &Report, theirs: &Report, what: &str) {
    let keys = |report: &Report| {
        let mut keys: Vec<(Rule, Severity, String)> = report
            .diagnostics()
            .iter()
            .map(|d| (d.rule(), d.severity(), d.pointer().to_owned()))
            .collect();
        keys.sort();
        keys
    };
    assert_eq!(
        keys(ours),
        keys(theirs),
        "{what}: the engines find different (rule, severity, pointer)s (left: one-pass, right: reference)"
    );
    assert_eq!(
        findings(ours),
        findings(theirs),
        "{what}: the engines place or word their findings differently (left: one-pass, right: reference)"
    );
    let hints = |report: &Report| -> Vec<Option<String>> {
        report
            .diagnostics()
            .iter()
            .map(|d| d.hint().map(str::to_owned))
            .collect()
    };
    assert_eq!(
        hints(ours),
        hints(theirs),
        "{what}: the engines give different hints (left: one-pass, right: reference)"
    );
    assert_eq!(
        (
            ours.kind(),
            ours.error_count(),
            ours.warning_count(),
            ours.dropped()
        ),
        (
            theirs.kind(),
            theirs.error_count(),
            theirs.warning_count(),
            theirs.dropped()
        ),
        "{what}: the engines give a different kind or counts (left: one-pass, right: reference)"
    );
    assert_eq!(
        ours.payload(),
        theirs.payload(),
        "{what}: the engines type the payload differently (left: one-pass, right: reference)"
    );
    assert_eq!(
        ours, theirs,
        "{what}: the engines give different reports (left: one-pass, right: reference)"
    );
}

/// (rule, pointer, offset, message) of every finding, severities left out.
fn findings(report: &Report) -> Vec<(Rule, String, usize, String)> {
    report
        .diagnostics()
        .iter()
        .map(|d| {
            (
                d.rule(),
                d.pointer().to_owned(),
                d.offset(),
                d.message().to_owned(),
            )
        })
        .collect()
}

/// What holds for any report of `bytes`.
fn check_report(report: &Report, bytes: &[u8], max_diagnostics: usize, strict: bool) {
    let diagnostics = report.diagnostics();
    assert!(diagnostics.len() <= max_diagnostics);
    assert_eq!(
        report.error_count() + report.warning_count(),
        diagnostics.len() + report.dropped(),
        "every finding is an error or a warning, kept or dropped"
    );
    assert!(report.errors().count() <= report.error_count());
    assert!(report.warnings().count() <= report.warning_count());
    // An internal error is a bug of the crate, whatever the input: the engines, the committed
    // schema and the types must agree on every payload.
    assert_eq!(report.internal_error(), None);
    assert_eq!(report.conforms(), report.error_count() == 0);
    if report.conforms() {
        assert_eq!(report.errors().count(), 0);
    }
    if report.dropped() == 0 {
        assert_eq!(report.conforms(), report.errors().next().is_none());
    }
    // No profile here allows or downgrades an error: a conforming payload is typed.
    assert_eq!(
        report.conforms(),
        report.payload().is_some(),
        "a payload exactly when the report conforms: {report:?}"
    );
    match report.payload() {
        Some(Payload::Request(_)) => assert_eq!(report.kind(), Some(Kind::Request)),
        Some(Payload::Response(_)) => assert_eq!(report.kind(), Some(Kind::Response)),
        Some(_) | None => {}
    }
    let mut previous = 0;
    for d in diagnostics {
        assert!(
            d.offset() <= bytes.len(),
            "offset {} past the end",
            d.offset()
        );
        assert!(d.offset() >= previous, "findings in input order");
        previous = d.offset();
        assert_eq!(d.position(), naive_position(bytes, d.offset()));
        assert!(d.position().line >= 1 && d.position().column >= 1);
        assert!(d.pointer().is_empty() || d.pointer().starts_with('/'));
        assert!(!d.message().is_empty());
        assert!(
            !d.message().starts_with("the types refuse"),
            "the schema and the types disagree: {d:?}"
        );
        let expected = if strict {
            Severity::Error
        } else {
            d.rule().info().default_severity
        };
        assert_eq!(d.severity(), expected, "{d:?}");
        let _ = d.to_string();
    }
}

/// The 1-based line and column of `offset`: lines end at `\n`, columns count the bytes that
/// start a char.
fn naive_position(bytes: &[u8], offset: usize) -> cloudstorage_contract::Position {
    let before = &bytes[..offset];
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
    let column = 1 + before[line_start..]
        .iter()
        .filter(|&&b| b & 0xC0 != 0x80)
        .count();
    cloudstorage_contract::Position {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        column: u32::try_from(column).unwrap_or(u32::MAX),
    }
}

/// A typed payload serializes to a payload that conforms and types to the same value.
fn check_round_trip(report: &Report) {
    let Some(payload) = report.payload() else {
        return;
    };
    let text = match payload {
        Payload::Request(r) => serde_json::to_vec(r),
        Payload::Response(r) => serde_json::to_vec(r),
        _ => return,
    }
    .expect("a typed payload serializes");
    let again = DEFAULT.validate(&text);
    assert!(
        again.conforms(),
        "a typed payload serializes to a conforming one: {} gives {again:?}",
        String::from_utf8_lossy(&text)
    );
    assert_eq!(
        again.payload(),
        Some(payload),
        "the round trip keeps the value"
    );
}

const TEXT_RULES: [Rule; 4] = [
    Rule::InvalidJson,
    Rule::InvalidUtf8,
    Rule::TrailingData,
    Rule::EmptyInput,
];

/// The text stage and `serde_json` agree on what is JSON (below both depth limits).
fn check_text_stage(report: &Report, bytes: &[u8]) {
    let rules: Vec<Rule> = report.diagnostics().iter().map(|d| d.rule()).collect();
    if rules.contains(&Rule::TooDeep) {
        return;
    }
    let text_fault = rules.iter().any(|r| TEXT_RULES.contains(r));
    // Into a `Value`, not `IgnoredAny`: serde_json skips an ignored string without checking
    // its UTF-8, so `IgnoredAny` accepts bytes that are not JSON text.
    match serde_json::from_slice::<Value>(bytes) {
        Ok(_) => assert!(
            !text_fault,
            "serde_json reads JSON the text stage refuses: {rules:?}"
        ),
        Err(e) if e.to_string().starts_with("recursion limit exceeded") => {}
        Err(e) => assert!(
            text_fault,
            "the text stage reads what serde_json refuses ({e}): {rules:?}"
        ),
    }
}

/// The credentials of a payload: strings under `request.iotToken` or `request.cloudToken`.
fn credentials(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| credentials(v, out)),
        Value::Object(map) => map.values().for_each(|v| credentials(v, out)),
        _ => {}
    }
}

/// No message, hint or `Debug` output shows a credential.
///
/// A credential is looked for only when it appears exactly once in the input, verbatim, and is
/// long enough not to be a word of a message. When it shows, the input is validated again with
/// the credential replaced by as many `Z`s: if it still shows, it is the message's own text, not
/// the credential.
fn check_credentials(report: &Report, bytes: &[u8]) {
    if memchr::memmem::find(bytes, b"Token").is_none() || report.diagnostics().is_empty() {
        return;
    }
    let Ok(value) = serde_json::from_slice::<Value>(bytes) else {
        return;
    };
    let mut secrets = Vec::new();
    for key in ["iotToken", "cloudToken"] {
        if let Some(v) = value.get("request").and_then(|r| r.get(key)) {
            credentials(v, &mut secrets);
        }
    }
    let shown =
        |report: &Report, secret: &str| {
            report.diagnostics().iter().any(|d| {
                d.message().contains(secret) || d.hint().is_some_and(|h| h.contains(secret))
            }) || format!("{report:?}").contains(secret)
        };
    for secret in secrets {
        if secret.chars().count() < 8
            || secret.contains(['"', '\\'])
            || secret.chars().any(char::is_control)
            || memchr::memmem::find_iter(bytes, secret.as_bytes()).count() != 1
            || !shown(report, &secret)
        {
            continue;
        }
        let at = memchr::memmem::find(bytes, secret.as_bytes()).expect("found once");
        let mut masked = bytes.to_vec();
        masked.splice(
            at..at + secret.len(),
            std::iter::repeat_n(b'Z', secret.chars().count()),
        );
        let again = DEFAULT.validate(&masked);
        assert!(
            shown(&again, &secret),
            "a credential shows in the report: {secret:?} in {report:?}"
        );
    }
}

//! Every rule against the fixtures of `tests/fixtures/` (conventions in its README): each
//! invalid file reports the rule its name names, where it should, and nothing else; each valid
//! file conforms, and a near miss stays clear of its rule. Plus the facts of the endpoint page's
//! own three examples.

mod fixture_support;

use std::collections::BTreeSet;

use cloudstorage_contract::{Options, Profile, RULES, Report, Rule, Severity, Validator};
use fixture_support::{Fixture, all};

/// For every invalid fixture, the pointers at which its rule is reported, in report order.
/// Text-stage rules report the whole document (`""`); their line and column are pinned by the
/// snapshots (`tests/corpus.rs`).
const EXPECTED: &[(&str, &[&str])] = &[
    ("api-version", &["/request/apiVer"]),
    ("api-version--third-party-1-0-4", &["/request/apiVer"]),
    ("data-on-error", &["/data"]),
    ("duplicate-key", &["/code"]),
    ("duplicate-key--escaped", &["/params/orderId"]),
    ("duplicate-key--nested", &["/data/price"]),
    ("empty-input", &[""]),
    ("empty-input--whitespace-only", &[""]),
    ("end-before-start", &["/data/endTimeUTC"]),
    ("end-before-start--equal", &["/data/endTimeUTC"]),
    ("exchange-mismatch", &["/data/orderId"]),
    ("exchange-mismatch--iot-id", &["/data/iotId"]),
    ("free-with-price", &["/data/price"]),
    ("impossible-time", &["/data/startTime"]),
    ("impossible-time--june-31", &["/data/endTime"]),
    ("impossible-time--utc-april-31", &["/data/endTimeUTC"]),
    ("inconsistent-offsets", &["/data/endTime"]),
    ("invalid-enum", &["/data/status"]),
    ("invalid-enum--order-type-2", &["/data/orderType"]),
    ("invalid-enum--payment-status-3", &["/data/paymentStatus"]),
    ("invalid-enum--record-type-0", &["/data/recordType"]),
    ("invalid-json--byte-order-mark", &[""]),
    ("invalid-json--comment", &[""]),
    ("invalid-json--python-none", &[""]),
    ("invalid-json--single-quotes", &[""]),
    ("invalid-json--trailing-comma", &[""]),
    ("invalid-json--truncated", &[""]),
    ("invalid-utf8", &[""]),
    ("invalid-utf8--latin-1", &[""]),
    ("invalid-utf8--truncated-multibyte", &[""]),
    ("malformed-value--empty-time", &["/data/endTime"]),
    ("malformed-value--local-time-iso", &["/data/startTime"]),
    (
        "malformed-value--month-without-leading-zero",
        &["/data/startTime"],
    ),
    ("malformed-value--month-zero", &["/data/endTime"]),
    ("malformed-value--price-with-currency", &["/data/price"]),
    (
        "malformed-value--price-with-decimal-comma",
        &["/data/price"],
    ),
    ("malformed-value--utc-with-offset", &["/data/startTimeUTC"]),
    // A missing `data` is reported at the object that lacks it: the top level.
    ("missing-data", &["/data"]),
    ("missing-data--absent", &[""]),
    ("missing-field", &["/data"]),
    ("missing-field--api-ver", &["/request"]),
    ("missing-field--params-order-id", &["/params"]),
    ("missing-field--record-type-with-commodity-type", &["/data"]),
    ("missing-field--request-id", &[""]),
    ("not-an-object", &[""]),
    ("not-an-object--double-encoded", &[""]),
    ("not-an-object--null", &[""]),
    ("out-of-range", &["/data/copies"]),
    ("out-of-range--code-above-int32", &["/code"]),
    ("out-of-range--pre-consume-negative", &["/data/preConsume"]),
    ("paid-while-creating", &["/data/paymentStatus"]),
    ("pre-consume-exceeds-duration", &["/data/preConsume"]),
    ("protocol-version", &["/version"]),
    ("protocol-version--api-version-in-version", &["/version"]),
    ("single-digit-seconds", &["/data/endTime"]),
    (
        "single-digit-seconds--both",
        &["/data/startTime", "/data/endTime"],
    ),
    ("too-deep", &[""]),
    ("too-deep--default-limit", &[""]),
    ("too-large", &[""]),
    ("trailing-data", &[""]),
    ("trailing-data--extra-brace", &[""]),
    ("unknown-field", &["/data/expired"]),
    ("unknown-field--end-time-str", &["/data/endTimeStr"]),
    ("unknown-field--misspelled", &["/params/deviceNoowner"]),
    ("unknown-field--request-member", &["/request/appKey"]),
    ("unknown-field--top-level", &["/success"]),
    ("unknown-kind", &[""]),
    ("unknown-kind--both", &[""]),
    ("unpaid-in-use", &["/data/paymentStatus"]),
    ("utc-offset", &["/data/startTime"]),
    ("utc-offset--offset-applied-twice", &["/data/endTime"]),
    ("wrong-type--code-as-string", &["/code"]),
    ("wrong-type--copies-as-string", &["/data/copies"]),
    ("wrong-type--copies-with-fraction", &["/data/copies"]),
    ("missing-data--data-as-array", &["/data"]),
    ("missing-data--data-as-positional-array", &["/data"]),
    ("wrong-type--data-as-string", &["/data"]),
    (
        "wrong-type--device-no-owner-as-string",
        &["/params/deviceNoOwner"],
    ),
    ("wrong-type--iot-token-as-number", &["/request/iotToken"]),
    ("wrong-type--params-as-positional-array", &["/params"]),
    ("wrong-type--price-as-number", &["/data/price"]),
    ("wrong-type--time-as-epoch-ms", &["/data/endTime"]),
    ("zone-offset", &["/data/endTime"]),
    (
        "zone-offset--utc-as-local",
        &["/data/startTime", "/data/endTime"],
    ),
];

/// A fixture's findings of other rules than its own, as (rule id, pointer), and why.
type Others = (
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static str,
);

/// Fixtures that cannot break one rule alone (or, for a near miss, stay clear of all): the other
/// findings they carry, and why.
const ALSO_REPORTED: &[Others] = &[
    (
        "missing-field--record-type-with-commodity-type",
        &[("unknown-field", "/data/commodityType")],
        "the sibling endpoints' `commodityType` stands in for `recordType`: the one is missing, \
         the other unknown, and the pair is what the hint explains",
    ),
    (
        "duplicate-key--near-miss",
        &[("unknown-field", "/params/orderID")],
        "two keys that differ only in case are two members, so the second is not a member of \
         the contract: every other near miss of a duplicate needs two objects that share a \
         member name, and the contract has none",
    ),
];

fn also_reported(name: &str) -> BTreeSet<(String, String)> {
    ALSO_REPORTED
        .iter()
        .filter(|(n, _, _)| *n == name)
        .flat_map(|(_, findings, _)| findings.iter())
        .map(|(rule, pointer)| ((*rule).to_owned(), (*pointer).to_owned()))
        .collect()
}

/// Every finding of a report as (rule id, pointer).
fn findings(report: &Report) -> Vec<(String, String)> {
    report
        .diagnostics()
        .iter()
        .map(|d| (d.rule().id().to_owned(), d.pointer().to_owned()))
        .collect()
}

#[test]
fn every_invalid_fixture_reports_its_rule_where_expected_and_nothing_else() {
    let mut failures = Vec::new();
    for fixture in all("invalid") {
        let name = fixture.name.as_str();
        let Some(rule) = fixture.rule() else {
            failures.push(format!("{name}: the file name names no rule"));
            continue;
        };
        let Some((_, pointers)) = EXPECTED.iter().find(|(n, _)| *n == name) else {
            failures.push(format!("{name}: no expected pointers in EXPECTED"));
            continue;
        };
        let outcome = fixture.run();
        if let fixture_support::Outcome::Exchange(exchange) = &outcome
            && !exchange.request.diagnostics().is_empty()
        {
            failures.push(format!(
                "{name}: the exchange's request should be clean, found {:?}",
                findings(&exchange.request)
            ));
        }
        let report = outcome.main_report();
        let all_findings = findings(report);
        let at: Vec<&str> = report
            .diagnostics()
            .iter()
            .filter(|d| d.rule() == rule)
            .map(|d| d.pointer())
            .collect();
        if at != *pointers {
            failures.push(format!(
                "{name}: `{rule}` expected at {pointers:?}, reported at {at:?} (all: {all_findings:?})"
            ));
        }
        let others: BTreeSet<(String, String)> = all_findings
            .iter()
            .filter(|(id, _)| id != rule.id())
            .cloned()
            .collect();
        if others != also_reported(name) {
            failures.push(format!(
                "{name}: other findings {others:?}, expected {:?}",
                also_reported(name)
            ));
        }
        // The default profile: the rule keeps its catalogue severity, and the verdict follows.
        let severity = rule.info().default_severity;
        if report
            .diagnostics()
            .iter()
            .any(|d| d.rule() == rule && d.severity() != severity)
        {
            failures.push(format!("{name}: `{rule}` is not reported as a {severity}"));
        }
        let should_conform = severity == Severity::Warning && others.is_empty();
        if outcome.conforms() != should_conform {
            failures.push(format!(
                "{name}: conforms() is {}, expected {should_conform}",
                outcome.conforms()
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_expectation_names_an_existing_fixture() {
    let invalid: BTreeSet<String> = all("invalid").into_iter().map(|f| f.name).collect();
    let valid: BTreeSet<String> = all("valid").into_iter().map(|f| f.name).collect();
    let mut stale: Vec<&str> = EXPECTED
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| !invalid.contains(*n))
        .collect();
    stale.extend(
        ALSO_REPORTED
            .iter()
            .map(|(n, _, _)| *n)
            .filter(|n| !invalid.contains(*n) && !valid.contains(*n)),
    );
    assert!(stale.is_empty(), "no fixture for {stale:?}");
}

#[test]
fn every_valid_fixture_conforms_and_its_near_miss_rule_stays_silent() {
    let mut failures = Vec::new();
    for fixture in all("valid") {
        let name = fixture.name.as_str();
        let outcome = fixture.run();
        if !outcome.conforms() {
            failures.push(format!("{name}: does not conform"));
        }
        let mut found = BTreeSet::new();
        for (_, report) in outcome.reports() {
            found.extend(findings(report));
        }
        if found != also_reported(name) {
            failures.push(format!(
                "{name}: findings {found:?}, expected {:?}",
                also_reported(name)
            ));
        }
        if fixture.is_near_miss() {
            match fixture.rule() {
                Some(rule) if found.iter().any(|(id, _)| id == rule.id()) => {
                    failures.push(format!("{name}: the near miss triggers `{rule}`"));
                }
                Some(_) => {}
                None => failures.push(format!("{name}: a near miss of no rule")),
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_rule_has_a_triggering_fixture_and_a_near_miss() {
    let invalid: Vec<Fixture> = all("invalid");
    let valid: Vec<Fixture> = all("valid");
    let mut missing = Vec::new();
    for row in RULES {
        // Every rule in the catalogue is reachable: an inconsistency inside the crate is an
        // internal error (`Report::internal_error`), never a rule.
        if !invalid.iter().any(|f| f.rule() == Some(row.rule)) {
            missing.push(format!("`{}` has no fixture in invalid/", row.id));
        }
        if !valid
            .iter()
            .any(|f| f.rule() == Some(row.rule) && f.is_near_miss())
        {
            missing.push(format!("`{}` has no near miss in valid/", row.id));
        }
    }
    assert!(missing.is_empty(), "\n{}", missing.join("\n"));
}

#[test]
fn every_fixture_file_name_starts_with_a_rule_id_or_a_kind() {
    // A typo in a file name would silently drop a fixture out of the rule walk above.
    for fixture in all("invalid").iter().chain(all("valid").iter()) {
        let prefix = fixture.name.split("--").next().unwrap_or_default();
        let is_rule = Rule::from_id(prefix).is_some();
        let is_general = ["request", "response"].contains(&prefix);
        assert!(
            is_rule || is_general,
            "{}: a fixture is named `<rule-id>[--variant]` (or `request--…`/`response--…` in valid/)",
            fixture.name
        );
        if is_general {
            assert!(
                fixture.path.parent().is_some_and(|p| p.ends_with("valid")),
                "{}: only valid/ holds payloads named after their kind",
                fixture.name
            );
        }
    }
}

fn page(name: &str) -> Vec<u8> {
    let path = format!("{}/examples/page/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn validator(options: Options) -> Validator {
    Validator::new(options).expect("the options are valid")
}

#[test]
fn page_success_example_conforms_with_two_single_digit_seconds_warnings() {
    let report = validator(Options::default()).validate(&page("response-success.json"));
    assert!(report.conforms());
    let found: Vec<(Rule, Severity, &str)> = report
        .diagnostics()
        .iter()
        .map(|d| (d.rule(), d.severity(), d.pointer()))
        .collect();
    assert_eq!(
        found,
        [
            (
                Rule::SingleDigitSeconds,
                Severity::Warning,
                "/data/startTime"
            ),
            (Rule::SingleDigitSeconds, Severity::Warning, "/data/endTime"),
        ]
    );
    assert_eq!((report.error_count(), report.warning_count()), (0, 2));
    assert!(report.response().is_some(), "a conforming payload is typed");
}

#[test]
fn page_success_example_fails_under_the_strict_profile() {
    let strict = validator(Options::default().profile(Profile::Strict));
    let report = strict.validate(&page("response-success.json"));
    assert!(!report.conforms());
    let found: Vec<(Rule, Severity, &str)> = report
        .diagnostics()
        .iter()
        .map(|d| (d.rule(), d.severity(), d.pointer()))
        .collect();
    assert_eq!(
        found,
        [
            (Rule::SingleDigitSeconds, Severity::Error, "/data/startTime"),
            (Rule::SingleDigitSeconds, Severity::Error, "/data/endTime"),
        ]
    );
    assert_eq!((report.error_count(), report.warning_count()), (2, 0));
}

#[test]
fn page_request_and_error_examples_have_no_diagnostics() {
    let v = validator(Options::default());
    for (name, report) in [
        ("request.json", v.validate(&page("request.json"))),
        (
            "response-error.json",
            v.validate(&page("response-error.json")),
        ),
        ("request.json", v.validate_request(&page("request.json"))),
        (
            "response-error.json",
            v.validate_response(&page("response-error.json")),
        ),
    ] {
        assert!(report.conforms(), "{name}");
        assert!(
            report.diagnostics().is_empty(),
            "{name}: {:?}",
            report.diagnostics()
        );
        assert_eq!(
            (
                report.error_count(),
                report.warning_count(),
                report.dropped()
            ),
            (0, 0, 0),
            "{name}"
        );
        assert!(
            report.payload().is_some(),
            "{name}: a conforming payload is typed"
        );
    }
    // Both examples stay clean under the strict profile too.
    let strict = validator(Options::default().profile(Profile::Strict));
    for name in ["request.json", "response-error.json"] {
        assert!(
            strict.validate(&page(name)).diagnostics().is_empty(),
            "{name}"
        );
    }
}

/// The values of `iotToken`/`cloudToken` members written as strings anywhere in `text`, found
/// by a plain scan, so that broken payloads count too.
fn credential_values(text: &str) -> Vec<String> {
    let mut values = Vec::new();
    for name in ["\"iotToken\"", "\"cloudToken\""] {
        for (at, _) in text.match_indices(name) {
            let rest = text[at + name.len()..].trim_start();
            let Some(rest) = rest.strip_prefix(':') else {
                continue;
            };
            if let Some(rest) = rest.trim_start().strip_prefix('"')
                && let Some(end) = rest.find('"')
            {
                values.push(rest[..end].to_owned());
            }
        }
    }
    values
}

#[test]
fn no_fixture_report_shows_a_credential() {
    let mut checked = 0;
    for fixture in all("invalid").into_iter().chain(all("valid")) {
        let bytes = std::fs::read(&fixture.path).expect("a readable fixture");
        let secrets = credential_values(&String::from_utf8_lossy(&bytes));
        if secrets.is_empty() {
            continue;
        }
        checked += 1;
        for (label, report) in fixture.run().reports() {
            for d in report.diagnostics() {
                for text in [d.message(), d.hint().unwrap_or_default(), d.pointer()] {
                    for secret in &secrets {
                        assert!(
                            !text.contains(secret.as_str()),
                            "{} ({label}): a credential in {text:?}",
                            fixture.name
                        );
                    }
                }
            }
        }
    }
    assert!(checked >= 10, "only {checked} fixtures hold a credential");
}

//! The traffic profile: fed from the validator's walk, merged in any grouping, saved and read
//! back, bounded against hostile captures.

use std::path::{Path, PathBuf};

use cloudstorage_contract::traffic::{Origin, TrafficProfile};
use cloudstorage_contract::{Options, Validator};
use proptest::prelude::*;

fn validator() -> &'static Validator {
    static V: std::sync::OnceLock<Validator> = std::sync::OnceLock::new();
    V.get_or_init(|| Validator::new(Options::default()).expect("the default options"))
}

/// Every payload of the examples and the fixtures, with its origin: a whole file, or a line
/// of an NDJSON file. Options files and exchanges are left out.
fn corpus() -> &'static [(Origin, Vec<u8>)] {
    static C: std::sync::OnceLock<Vec<(Origin, Vec<u8>)>> = std::sync::OnceLock::new();
    C.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files: Vec<PathBuf> = Vec::new();
        for dir in [
            "examples/page",
            "examples/valid",
            "examples/invalid",
            "tests/fixtures/valid",
            "tests/fixtures/invalid",
        ] {
            for entry in std::fs::read_dir(root.join(dir)).expect("a corpus directory") {
                let path = entry.expect("an entry").path();
                let name = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default();
                if name.ends_with(".options.json") || name.ends_with(".exchange.json") {
                    continue;
                }
                if name.ends_with(".json") || name.ends_with(".ndjson") {
                    files.push(path);
                }
            }
        }
        files.sort();
        let mut out = Vec::new();
        for path in files {
            let shown = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .display()
                .to_string();
            let bytes = std::fs::read(&path).expect("a corpus file");
            if shown.ends_with(".ndjson") {
                for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
                    if !line.is_empty() {
                        out.push((Origin::line(shown.clone(), i as u32 + 1), line.to_vec()));
                    }
                }
            } else {
                out.push((Origin::file(shown), bytes));
            }
        }
        out
    })
}

fn profile_of(items: &[usize], cap: usize) -> TrafficProfile {
    let mut profile = TrafficProfile::with_cap(cap);
    for &i in items {
        let (origin, bytes) = &corpus()[i];
        validator().validate_profiled(bytes, None, origin, &mut profile);
    }
    profile
}

fn corpus_profile() -> TrafficProfile {
    profile_of(&(0..corpus().len()).collect::<Vec<_>>(), 1024)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Profiling A then B is profiling A, profiling B and merging, in either order, below the
    /// caps; and a small cap keeps merging grouping-free.
    #[test]
    fn merging_is_profiling_the_whole(
        a in prop::collection::vec(0..1000usize, 0..40),
        b in prop::collection::vec(0..1000usize, 0..40),
        c in prop::collection::vec(0..1000usize, 0..40),
    ) {
        let n = corpus().len();
        let a: Vec<usize> = a.into_iter().map(|i| i % n).collect();
        let b: Vec<usize> = b.into_iter().map(|i| i % n).collect();
        let c: Vec<usize> = c.into_iter().map(|i| i % n).collect();
        let whole = profile_of(&[a.clone(), b.clone()].concat(), 1024);
        let mut ab = profile_of(&a, 1024);
        ab.merge(profile_of(&b, 1024));
        prop_assert_eq!(&ab, &whole);
        let mut ba = profile_of(&b, 1024);
        ba.merge(profile_of(&a, 1024));
        prop_assert_eq!(&ba, &whole);
        prop_assert_eq!(whole.folded(), 0);

        // Caps reached: (A + B) + C = A + (B + C) = C + (A + B), still exact.
        let cap = 2;
        let mut left = profile_of(&a, cap);
        left.merge(profile_of(&b, cap));
        left.merge(profile_of(&c, cap));
        let mut bc = profile_of(&b, cap);
        bc.merge(profile_of(&c, cap));
        let mut right = profile_of(&a, cap);
        right.merge(bc);
        prop_assert_eq!(&left, &right);
        let mut ab = profile_of(&a, cap);
        ab.merge(profile_of(&b, cap));
        let mut swapped = profile_of(&c, cap);
        swapped.merge(ab);
        prop_assert_eq!(&left, &swapped);
        prop_assert_eq!(&left, &profile_of(&[a, b, c].concat(), cap));
    }
}

#[test]
fn the_json_form_round_trips() {
    let profile = corpus_profile();
    let json = serde_json::to_string_pretty(&profile).expect("serializable");
    let value: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(value["version"], 1);
    assert_eq!(value["contract"], "1.0.6");
    let back: TrafficProfile = serde_json::from_str(&json).expect("read back");
    assert_eq!(back, profile);
}

#[test]
fn another_version_is_refused() {
    let mut value = serde_json::to_value(TrafficProfile::new()).expect("serializable");
    value["version"] = 2.into();
    let e = serde_json::from_value::<TrafficProfile>(value.clone()).expect_err("refused");
    assert_eq!(
        e.to_string(),
        "a traffic profile of format version 2, expected 1"
    );
    value["version"] = 1.into();
    value["contract"] = "1.0.5".into();
    let e = serde_json::from_value::<TrafficProfile>(value.clone()).expect_err("refused");
    assert_eq!(
        e.to_string(),
        r#"a traffic profile of contract version "1.0.5", expected "1.0.6""#
    );
    value.as_object_mut().expect("an object").remove("version");
    let e = serde_json::from_value::<TrafficProfile>(value).expect_err("refused");
    assert_eq!(
        e.to_string(),
        "a traffic profile of format version none, expected 1"
    );
}

#[test]
fn the_page_examples_profile() {
    let page: Vec<usize> = (0..corpus().len())
        .filter(|&i| corpus()[i].0.file.starts_with("examples/page/"))
        .collect();
    let p = profile_of(&page, 1024);
    // The page's success example writes `10:00:0` twice.
    let local = &p.forms().local_time;
    assert_eq!(
        (local.canonical, local.single_digit_seconds, local.other),
        (0, 2, 0)
    );
    assert_eq!(p.forms().utc_time.z, 2);
    assert_eq!(p.forms().price.string, 1);
    assert_eq!(p.forms().price.decimal_places.get(&1), Some(&1));
    assert_eq!(p.rules()["single-digit-seconds"].count, 2);
    let status = &p.enumerations()["/data/status"];
    assert_eq!(status.documented["0"], 1);
    assert_eq!(status.never_seen().collect::<Vec<_>>(), ["1", "2", "3"]);
    assert_eq!(
        p.enumerations()["/request/apiVer"].documented[r#""1.0.6""#],
        1
    );
    let price = &p.members()["response"]["/data/price"];
    assert_eq!((price.present, price.null, price.absent), (1, 0, 1));
    assert_eq!(price.types.get("string"), Some(&1));
    let message = &p.members()["response"]["/message"];
    assert_eq!((message.present, message.null), (1, 1));
}

#[test]
fn the_corpus_profile_agrees_with_the_rules() {
    let p = corpus_profile();
    let rule = |id: &str| p.rules().get(id).map_or(0, |r| r.count);
    // Each form or value the profile counts is a finding of the rule about it.
    assert_eq!(
        p.forms().local_time.single_digit_seconds,
        rule("single-digit-seconds")
    );
    let undocumented: u64 = [
        "/data/status",
        "/data/paymentStatus",
        "/data/orderType",
        "/data/recordType",
    ]
    .iter()
    .flat_map(|e| {
        p.enumerations()[*e]
            .undocumented
            .entries()
            .map(|(_, s)| s.count)
    })
    .sum();
    assert_eq!(undocumented, rule("invalid-enum"));
    let unknown: u64 = p
        .unknown_members()
        .values()
        .flat_map(|t| t.entries().map(|(_, m)| m.count))
        .sum();
    assert_eq!(unknown, rule("unknown-field"));
    // The unknown member of an invalid fixture, at its first occurrence.
    let success = p.unknown_members()["response"]
        .get("/success")
        .expect("listed");
    assert_eq!(
        success.first,
        Origin::file("tests/fixtures/invalid/unknown-field--top-level.json")
    );
    assert_eq!(success.types.get("boolean"), Some(&1));
    // An NDJSON line is a first occurrence of its own.
    let api = &p.enumerations()["/request/apiVer"].undocumented;
    assert_eq!(
        api.get(r#""1.0.0""#).map(|s| &s.first),
        Some(&Origin::line("examples/invalid/orders.ndjson", 16))
    );
    assert_eq!(p.folded(), 0);
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.bind(|| insta::assert_json_snapshot!("traffic_corpus", p));
}

#[test]
fn a_distinct_unknown_key_per_payload_stays_within_the_cap() {
    const PAYLOADS: u32 = 100_000;
    const CAP: usize = 1024;
    let mut profile = TrafficProfile::with_cap(CAP);
    for i in 0..PAYLOADS {
        let body =
            format!(r#"{{"code": 460, "message": "auth failed", "data": null, "x{i:06}": {i}}}"#);
        validator().validate_profiled(
            body.as_bytes(),
            None,
            &Origin::line("hostile.ndjson", i + 1),
            &mut profile,
        );
    }
    let unknown = &profile.unknown_members()["response"];
    assert_eq!(unknown.len(), CAP);
    assert_eq!(unknown.folded(), u64::from(PAYLOADS) - CAP as u64);
    assert_eq!(profile.folded(), unknown.folded());
    // The smallest keys are kept, each with its first occurrence.
    let (first, member) = unknown.entries().next().expect("kept");
    assert_eq!(first, "/x000000");
    assert_eq!(member.first, Origin::line("hostile.ndjson", 1));
    assert_eq!(profile.rules()["unknown-field"].count, u64::from(PAYLOADS));
    // An unknown member is a warning: the payloads conform.
    assert_eq!(
        profile.totals().payloads["response"].conforming,
        u64::from(PAYLOADS)
    );
}

#[test]
fn a_payload_of_many_unknown_members_is_profiled_in_linear_time() {
    const MEMBERS: usize = 200_000;
    let mut body = String::from(r#"{"code": 460, "data": null"#);
    for i in 0..MEMBERS {
        body.push_str(&format!(r#", "k{i}": {i}"#));
    }
    // A repeated unknown key is one member.
    body.push_str(r#", "k0": "again"}"#);
    let mut profile = TrafficProfile::with_cap(16);
    let started = std::time::Instant::now();
    validator().validate_profiled(
        body.as_bytes(),
        None,
        &Origin::file("wide.json"),
        &mut profile,
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    let unknown = &profile.unknown_members()["response"];
    assert_eq!(unknown.len(), 16);
    assert_eq!(unknown.folded(), MEMBERS as u64 - 16);
    let k0 = unknown.get("/k0").expect("kept");
    assert_eq!(k0.count, 1);
    assert_eq!(k0.types.get("string"), Some(&1), "the last value counts");
}

#[test]
fn a_repeated_member_forgets_the_unknown_members_of_its_earlier_value() {
    let body = br#"{"code": 460, "data": {"x": 1}, "data": null}"#;
    let mut profile = TrafficProfile::new();
    let report = validator().validate_profiled(body, None, &Origin::file("a.json"), &mut profile);
    assert!(
        report
            .diagnostics()
            .iter()
            .all(|d| d.pointer() != "/data/x")
    );
    assert!(
        profile
            .unknown_members()
            .get("response")
            .is_none_or(|t| t.is_empty())
    );
    let data = &profile.members()["response"]["/data"];
    assert_eq!((data.present, data.null), (0, 1), "the last value counts");
}

#[test]
fn the_corpus_profile_renders_for_people() {
    let p = corpus_profile();
    let human = cloudstorage_contract::traffic::human(&p, None, 100);
    for line in human.lines() {
        assert!(line.chars().count() <= 100, "{line:?}");
    }
    let markdown = cloudstorage_contract::traffic::markdown(&p, None);
    assert!(
        markdown.contains("| /data/status | 0 | 74 | documented |  |"),
        "{markdown}"
    );
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.bind(|| {
        insta::assert_snapshot!("traffic_corpus_human", human);
        insta::assert_snapshot!("traffic_corpus_markdown", markdown);
    });
}

mod drift {
    use super::*;
    use cloudstorage_contract::traffic::{ChangeKind, Drift, Thresholds};

    fn profile(payloads: &[&str]) -> TrafficProfile {
        let mut p = TrafficProfile::new();
        for (i, body) in payloads.iter().enumerate() {
            let origin = Origin::line("t.ndjson", i as u32 + 1);
            validator().validate_profiled(body.as_bytes(), None, &origin, &mut p);
        }
        p
    }

    fn response(status: &str, extra: &str) -> String {
        let page = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/page/response-success.json"),
        )
        .expect("the page's example");
        let mut v: serde_json::Value = serde_json::from_str(&page).expect("JSON");
        v["data"]["status"] = serde_json::from_str(status).expect("a JSON value");
        if !extra.is_empty() {
            v["data"][extra] = serde_json::Value::from("x");
        }
        v.to_string()
    }

    #[test]
    fn nothing_changes_against_itself() {
        let a = profile(&[&response("0", ""), &response("1", "")]);
        assert!(Drift::between(&a, &a, Thresholds::default()).is_empty());
    }

    #[test]
    fn a_new_member_a_new_value_and_a_value_gone_are_each_reported() {
        let before = profile(&[&response("0", ""), &response("1", "")]);
        let after = profile(&[&response("1", "traceId"), &response("7", "")]);
        let drift = Drift::between(&before, &after, Thresholds::default());
        let of = |k| drift.of(k).cloned().collect::<Vec<_>>();
        let members = of(ChangeKind::NewMember);
        assert_eq!(members.len(), 1, "{drift:#?}");
        assert_eq!(members[0].subject, "response /data/traceId");
        assert_eq!(members[0].first, Some(Origin::line("t.ndjson", 1)));
        let values = of(ChangeKind::NewValue);
        assert_eq!(values.len(), 1, "{drift:#?}");
        assert_eq!(
            (values[0].subject.as_str(), values[0].value.as_deref()),
            ("/data/status", Some("7"))
        );
        let gone = of(ChangeKind::GoneValue);
        assert_eq!(gone.len(), 1, "{drift:#?}");
        assert_eq!(gone[0].value.as_deref(), Some("0"));
        // The undocumented status is an error: its rule's rate moved from 0% to 50%.
        assert!(
            drift.of(ChangeKind::RuleRate).any(|c| c.after == "50.0%"),
            "{drift:#?}"
        );
    }

    #[test]
    fn a_type_mix_that_changes_is_reported_and_a_small_rate_move_is_not() {
        let before = profile(&[&response("0", "")]);
        let after = profile(&[&response("\"0\"", "")]);
        let drift = Drift::between(&before, &after, Thresholds::default());
        let mix: Vec<_> = drift.of(ChangeKind::TypeMix).collect();
        assert_eq!(mix.len(), 1, "{drift:#?}");
        assert_eq!(mix[0].subject, "response /data/status");
        assert_eq!(
            (mix[0].before.as_str(), mix[0].after.as_str()),
            ("integer 100.0%", "string 100.0%")
        );
        let loose = Drift::between(&before, &after, Thresholds::rule_rate(1.0));
        assert_eq!(loose.of(ChangeKind::RuleRate).count(), 0);
    }

    #[test]
    fn a_key_the_baseline_may_have_folded_is_not_called_new() {
        let body =
            |key: &str| format!(r#"{{"code": 200, "message": "", "data": null, "{key}": 1}}"#);
        let mut before = TrafficProfile::with_cap(1);
        for (i, key) in ["b", "c"].iter().enumerate() {
            validator().validate_profiled(
                body(key).as_bytes(),
                None,
                &Origin::line("t", i as u32 + 1),
                &mut before,
            );
        }
        // The baseline kept `/b` and folded `/c`: `/d` may have been among the folded, `/a`
        // cannot have been.
        let after = profile(&[&body("a"), &body("d")]);
        let drift = Drift::between(&before, &after, Thresholds::rule_rate(1.0));
        let subjects: Vec<_> = drift
            .of(ChangeKind::NewMember)
            .map(|c| c.subject.as_str())
            .collect();
        assert_eq!(subjects, ["response /a"]);
    }
}

/// The page's example response with `(from, to)` replaced in its text, as written: escapes,
/// fractions and exponents stay as they are.
fn page_with(replacements: &[(&str, &str)]) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/page/response-success.json");
    let mut text = std::fs::read_to_string(path).expect("the page's example");
    for (from, to) in replacements {
        assert!(text.contains(from), "{from} is in the page's example");
        text = text.replace(from, to);
    }
    text
}

/// Every form, type and value as the payload writes it: escaped strings, integers written
/// with a fraction or an exponent, numbers where strings belong and the reverse.
#[test]
fn values_and_forms_are_counted_as_written() {
    let payloads = [
        page_with(&[]),
        page_with(&[
            (
                r#""startTime":"2020-08-25 10:00:0""#,
                r#""startTime":"2020-08-25 10:00:00""#,
            ),
            (
                r#""endTime":"2020-09-25 10:00:0""#,
                r#""endTime":"2020-09-25T10:00:00""#,
            ),
            (
                r#""startTimeUTC":"2020-08-25T02:00:00Z""#,
                r#""startTimeUTC":"2020-08-25T10:00:00+08:00""#,
            ),
            (
                r#""endTimeUTC":"2020-09-25T02:00:00Z""#,
                r#""endTimeUTC":"2020-09-25 02:00:00""#,
            ),
            (r#""price": "1.0""#, r#""price": 58.50"#),
            (r#""copies": 1"#, r#""copies": 1.0"#),
            (r#""status": 0"#, r#""status": 1.0"#),
            (r#""paymentStatus": 1"#, r#""paymentStatus": 1e0"#),
            (r#""orderType":0"#, r#""orderType":"0""#),
            (
                r#""commodityCode":"ilopLVCloudResource""#,
                r#""commodityCode":"a\"b""#,
            ),
            (
                r#""specification":"eventResource_7""#,
                r#""specification":"\u0065ventResource_7""#,
            ),
        ]),
        page_with(&[
            (r#""price": "1.0""#, r#""price": "\u0035\u0038.0""#),
            (r#""copies": 1"#, r#""copies": 1e0"#),
            (r#""recordType": 2"#, r#""recordType": 7"#),
            (r#""status": 0"#, r#""status": true"#),
            (
                r#""startTime":"2020-08-25 10:00:0""#,
                r#""startTime":"2020-08-25 10:00:\u0030""#,
            ),
        ]),
        // A repeated key: the last value counts, nothing of the earlier one.
        page_with(&[(
            r#""startTime":"2020-08-25 10:00:0""#,
            r#""startTime":"2020-08-25 10:00:00", "startTime":"bad""#,
        )]),
    ];
    let strict = Validator::new(Options::default().profile(cloudstorage_contract::Profile::Strict))
        .expect("the strict options");
    for validator in [validator(), &strict] {
        let mut p = TrafficProfile::new();
        for (i, body) in payloads.iter().enumerate() {
            let origin = Origin::line("forms.ndjson", i as u32 + 1);
            validator.validate_profiled(body.as_bytes(), None, &origin, &mut p);
        }
        let f = p.forms();
        let local = (
            f.local_time.canonical,
            f.local_time.single_digit_seconds,
            f.local_time.other,
        );
        assert_eq!(local, (1, 5, 2), "local times");
        let utc = (f.utc_time.z, f.utc_time.offset, f.utc_time.other);
        assert_eq!(utc, (6, 1, 1), "UTC times");
        assert_eq!((f.price.string, f.price.number), (3, 1), "prices");
        let places: Vec<(u32, u64)> = f
            .price
            .decimal_places
            .iter()
            .map(|(k, v)| (*k, *v))
            .collect();
        assert_eq!(places, [(1, 3), (2, 1)], "decimal places");
        let integers = (f.integers.plain, f.integers.fraction, f.integers.exponent);
        // copies, status, paymentStatus, orderType, recordType and code, where numbers.
        assert_eq!(integers, (18, 2, 2), "integers");
        let e = p.enumerations();
        let documented = |pointer: &str, value: &str| e[pointer].documented[value];
        let undocumented = |pointer: &str, value: &str| {
            e[pointer]
                .undocumented
                .get(value)
                .map(|s| (s.count, s.first.line))
        };
        assert_eq!(documented("/data/status", "0"), 2);
        assert_eq!(documented("/data/status", "1"), 1, "1.0 is 1");
        assert_eq!(undocumented("/data/status", "true"), Some((1, Some(3))));
        assert_eq!(documented("/data/paymentStatus", "1"), 4, "1e0 is 1");
        assert_eq!(
            undocumented("/data/orderType", r#""0""#),
            Some((1, Some(2)))
        );
        assert_eq!(undocumented("/data/recordType", "7"), Some((1, Some(3))));
        assert_eq!(documented("/code", "200"), 4);
        let open = &p.open_values()["/data/commodityCode"];
        assert_eq!(open.get(r#""a\"b""#), Some(&1), "an escaped string's key");
        assert_eq!(open.get(r#""ilopLVCloudResource""#), Some(&3));
        let spec = &p.open_values()["/data/specification"];
        let decoded = spec.get(r#""eventResource_7""#);
        assert_eq!(decoded, Some(&4), "escapes decoded");
        let members = &p.members()["response"];
        let types = |pointer: &str| {
            members[pointer]
                .types
                .clone()
                .into_iter()
                .collect::<Vec<_>>()
        };
        let order_type = [("integer".to_owned(), 3), ("string".to_owned(), 1)];
        assert_eq!(types("/data/orderType"), order_type);
        let price = [("number".to_owned(), 1), ("string".to_owned(), 3)];
        assert_eq!(types("/data/price"), price);
        let copies = [("integer".to_owned(), 4)];
        assert_eq!(types("/data/copies"), copies, "1.0 and 1e0 are integers");
        let start = [("string".to_owned(), 4)];
        assert_eq!(
            types("/data/startTime"),
            start,
            "a repeated key is one value"
        );
        assert_eq!(members["/data/preConsume"].absent, 4);
    }
}

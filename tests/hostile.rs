//! Hostile input: deep nesting, huge objects and strings, floods of duplicate keys, broken
//! UTF-8, and credentials in broken payloads. Each test runs on a thread with a small stack,
//! so that anything recursing with the input's depth overflows here rather than in production.
//! No timing assertions: speed is measured in `benches/`.

use cloudstorage_contract::{
    DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, DEFAULT_MAX_DIAGNOSTICS, MAX_DEPTH_CAP, Options, Report,
    Rule, Severity, Validator,
};

/// Far below the 2 MiB Rust gives spawned threads by default, and the 8 MiB of a main thread.
const SMALL_STACK: usize = 256 * 1024;

/// Runs `f` on a thread with a [`SMALL_STACK`], passing its panics on.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let handle = std::thread::Builder::new()
        .name("small-stack".into())
        .stack_size(SMALL_STACK)
        .spawn(f)
        .expect("a thread spawns");
    match handle.join() {
        Ok(value) => value,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

fn validate(options: Options, bytes: &[u8]) -> Report {
    Validator::new(options)
        .expect("the options are valid")
        .validate(bytes)
}

/// (rule, pointer, line, column) of every diagnostic.
fn summary(report: &Report) -> Vec<(Rule, String, u32, u32)> {
    report
        .diagnostics()
        .iter()
        .map(|d| {
            let p = d.position();
            (d.rule(), d.pointer().to_owned(), p.line, p.column)
        })
        .collect()
}

// ------------------------------------------------------------------------------------------------
// Nesting

#[test]
fn hundred_thousand_nested_arrays_are_too_deep() {
    on_small_stack(|| {
        let closed = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let unclosed = "[".repeat(100_000);
        for input in [&closed, &unclosed] {
            let report = validate(Options::default(), input.as_bytes());
            assert!(!report.conforms());
            // The bracket that opens level 65 is the 65th byte.
            let column = DEFAULT_MAX_DEPTH as u32 + 1;
            assert_eq!(
                summary(&report),
                [(Rule::TooDeep, String::new(), 1, column)]
            );
            let report = validate(
                Options::default().max_depth(MAX_DEPTH_CAP),
                input.as_bytes(),
            );
            let column = MAX_DEPTH_CAP as u32 + 1;
            assert_eq!(
                summary(&report),
                [(Rule::TooDeep, String::new(), 1, column)]
            );
        }
    });
}

#[test]
fn hundred_thousand_nested_objects_are_too_deep() {
    on_small_stack(|| {
        let input = format!("{}1{}", r#"{"a":"#.repeat(100_000), "}".repeat(100_000));
        let report = validate(Options::default(), input.as_bytes());
        assert!(!report.conforms());
        // `{"a":` is five bytes: the brace that opens level 65 is at column 5 * 64 + 1.
        let column = 5 * DEFAULT_MAX_DEPTH as u32 + 1;
        assert_eq!(
            summary(&report),
            [(Rule::TooDeep, String::new(), 1, column)]
        );
    });
}

#[test]
fn every_nesting_just_past_the_default_limit_is_too_deep_on_a_small_stack() {
    // Between the limit and a few hundred levels, where a parser that recursed with its own
    // (higher) limit before the depth check would use the most stack.
    on_small_stack(|| {
        let validator = Validator::new(Options::default()).expect("the default options");
        for depth in DEFAULT_MAX_DEPTH + 1..=300 {
            for objects in [false, true] {
                let input = nested_trace(depth, objects);
                let report = validator.validate(input.as_bytes());
                let rules: Vec<Rule> = report.diagnostics().iter().map(|d| d.rule()).collect();
                assert_eq!(rules, [Rule::TooDeep], "depth {depth}, objects: {objects}");
            }
        }
    });
}

/// `{"code": 460, "trace": …}` with `trace` nested so that the payload is `depth` levels deep,
/// with arrays or with objects.
fn nested_trace(depth: usize, objects: bool) -> String {
    let inner = depth - 1; // the top-level object is the first level
    let trace = if objects {
        format!("{}0{}", r#"{"a":"#.repeat(inner), "}".repeat(inner))
    } else {
        format!("{}{}", "[".repeat(inner), "]".repeat(inner))
    };
    format!(r#"{{"code": 460, "trace": {trace}}}"#)
}

/// Judges payloads exactly `depth` levels deep with that limit (accepted, one unknown member)
/// and with one level less (too deep).
fn judge_nesting_at_the_limit(depth: usize) {
    for objects in [false, true] {
        let input = nested_trace(depth, objects);
        let report = validate(Options::default().max_depth(depth), input.as_bytes());
        assert!(report.conforms());
        assert_eq!(
            summary(&report),
            [(Rule::UnknownField, "/trace".to_owned(), 1, 15)]
        );
        let report = validate(Options::default().max_depth(depth - 1), input.as_bytes());
        assert_eq!(report.diagnostics()[0].rule(), Rule::TooDeep);
    }
}

#[test]
fn nesting_at_the_default_limit_is_judged_on_a_small_stack() {
    // The deepest value the default options allow goes through every stage (schema, unknown
    // members, types) and is dropped: none of them may recurse deeply on a small stack.
    on_small_stack(|| judge_nesting_at_the_limit(DEFAULT_MAX_DEPTH));
}

#[test]
fn nesting_at_the_depth_cap_is_judged_on_a_small_stack() {
    // At the cap too: the parsed value is dropped iteratively, not by serde_json's recursive
    // drop.
    on_small_stack(|| judge_nesting_at_the_limit(MAX_DEPTH_CAP));
}

// ------------------------------------------------------------------------------------------------
// Size

#[test]
fn two_hundred_thousand_members_give_capped_unknown_field_warnings() {
    on_small_stack(|| {
        let count = 200_000;
        let mut input = String::from(r#"{"code": 460"#);
        for i in 0..count {
            input.push_str(&format!(r#", "member{i:06}": {i}"#));
        }
        input.push('}');
        let report = validate(Options::default().max_bytes(64 << 20), input.as_bytes());
        assert!(report.conforms(), "unknown members are warnings");
        assert_eq!(report.diagnostics().len(), DEFAULT_MAX_DIAGNOSTICS);
        assert!(
            report
                .diagnostics()
                .iter()
                .all(|d| d.rule() == Rule::UnknownField && d.severity() == Severity::Warning)
        );
        assert_eq!(report.warning_count(), count);
        assert_eq!(report.error_count(), 0);
        assert_eq!(report.dropped(), count - DEFAULT_MAX_DIAGNOSTICS);
        // The first kept finding is the first member, at its key.
        assert_eq!(
            summary(&report)[0],
            (Rule::UnknownField, "/member000000".to_owned(), 1, 15)
        );
    });
}

/// `{"code": 460, "message": "xxxx…"}` with a string of `len` bytes.
fn with_long_message(len: usize) -> Vec<u8> {
    let mut input = br#"{"code": 460, "message": ""#.to_vec();
    input.resize(input.len() + len, b'x');
    input.extend_from_slice(br#""}"#);
    input
}

const FIFTY_MB: usize = 50 * 1024 * 1024;

#[test]
fn fifty_megabyte_string_is_too_large_by_default() {
    on_small_stack(|| {
        let input = with_long_message(FIFTY_MB);
        let report = validate(Options::default(), &input);
        assert!(!report.conforms());
        assert_eq!(summary(&report), [(Rule::TooLarge, String::new(), 1, 1)]);
        let message = report.diagnostics()[0].message();
        assert!(
            message.contains(&input.len().to_string())
                && message.contains(&DEFAULT_MAX_BYTES.to_string()),
            "{message}"
        );
    });
}

#[test]
fn fifty_megabyte_string_is_judged_when_the_limit_allows_it() {
    on_small_stack(|| {
        let options = || Options::default().max_bytes(64 << 20);
        // Where a string belongs: accepted.
        let report = validate(options(), &with_long_message(FIFTY_MB));
        assert!(report.conforms());
        assert!(report.diagnostics().is_empty(), "{:?}", summary(&report));
        // Where a number belongs: reported, with the value cut short in the message.
        let mut input = br#"{"code": ""#.to_vec();
        input.resize(input.len() + FIFTY_MB, b'7');
        input.extend_from_slice(br#""}"#);
        let report = validate(options(), &input);
        assert_eq!(
            summary(&report),
            [(Rule::WrongType, "/code".to_owned(), 1, 10)]
        );
        let message = report.diagnostics()[0].message();
        assert!(message.len() < 200, "{} bytes", message.len());
        assert!(
            message.contains(&format!("({FIFTY_MB} characters)")),
            "{message}"
        );
    });
}

#[test]
fn two_hundred_thousand_duplicate_keys_are_capped_and_counted() {
    on_small_stack(|| {
        let count = 200_000;
        let mut input = String::from(r#"{"code": 460"#);
        for _ in 0..count {
            input.push_str(r#", "a": 0"#);
        }
        input.push('}');
        let report = validate(Options::default(), input.as_bytes());
        assert!(!report.conforms());
        assert_eq!(report.diagnostics().len(), DEFAULT_MAX_DIAGNOSTICS);
        // Every repeat is a duplicate; the member itself is unknown once.
        assert_eq!(report.error_count(), count - 1);
        assert_eq!(report.warning_count(), 1);
        assert_eq!(report.dropped(), count - DEFAULT_MAX_DIAGNOSTICS);
        // The first repeat is the second `"a"`, at byte 22.
        assert_eq!(
            summary(&report)[0],
            (Rule::DuplicateKey, "/a".to_owned(), 1, 23)
        );
        assert!(
            report.diagnostics()[0]
                .message()
                .ends_with("duplicate key `a` in the top level"),
            "{}",
            report.diagnostics()[0].message()
        );
    });
}

#[test]
fn duplicate_keys_under_a_long_path_are_counted_as_errors() {
    on_small_stack(|| {
        // A 1 MB key above the repeats makes each duplicate's pointer 1 MB long: the text stage
        // stops recording them past its memory budget, and counts the rest.
        let count = 20_000;
        let mut input = format!(r#"{{"code": 460, "{}": {{"a": 0"#, "k".repeat(1 << 20));
        for _ in 1..count {
            input.push_str(r#", "a": 0"#);
        }
        input.push_str("}}");
        let report = validate(Options::default(), input.as_bytes());
        assert!(!report.conforms());
        assert_eq!(report.error_count(), count - 1, "every repeat is an error");
        assert_eq!(report.warning_count(), 1, "the long member is unknown");
        // Nothing is lost: what is not listed (the text stage could list only a few of these
        // duplicates) is counted.
        assert_eq!(report.dropped() + report.diagnostics().len(), count);
    });
}

// ------------------------------------------------------------------------------------------------
// Encoding

#[test]
fn invalid_utf8_is_placed_at_its_line_and_column() {
    on_small_stack(|| {
        // (input, line, column): columns count chars, so the CJK before the bad byte counts
        // one each, and a `\r` before a line break does not move the next line.
        let cases: [(&[u8], u32, u32); 4] = [
            (b"\xff{}", 1, 1),
            (
                b"{\r\n  \"code\": 460,\r\n  \"message\": \"\xe9\x89\xb4\xe6\x9d\x83\xff\"\r\n}",
                3,
                17,
            ),
            // A lone continuation byte after an ASCII run.
            (b"{\"code\": 460, \"message\": \"ok\x80\"}", 1, 29),
            // A multibyte char cut short by the end of the input.
            (b"{\"code\": 460, \"message\": \"\xe5\xa4", 1, 27),
        ];
        for (input, line, column) in cases {
            let report = validate(Options::default(), input);
            assert_eq!(
                summary(&report),
                [(Rule::InvalidUtf8, String::new(), line, column)],
                "{}",
                String::from_utf8_lossy(input)
            );
        }
        // GBK text in an otherwise UTF-8 payload: "张伟" is D5 C5 CE B0 in GBK.
        let mut input = "{\n  \"code\": 200,\n  \"data\": {\n    \"userName\": \"王芳 "
            .as_bytes()
            .to_vec();
        input.extend_from_slice(b"\xd5\xc5\xce\xb0\"\n  }\n}\n");
        let report = validate(Options::default(), &input);
        assert_eq!(
            summary(&report),
            [(Rule::InvalidUtf8, String::new(), 4, 21)]
        );
    });
}

// ------------------------------------------------------------------------------------------------
// Credentials

const SECRET: &str = "SECRET-TOKEN-123";

/// A request whose `request` member is `system` and whose `params` are `params`.
fn request(system: &str, params: &str) -> String {
    format!(
        r#"{{
  "id": "1598320800123",
  "version": "1.0",
  "request": {system},
  "params": {params}
}}"#
    )
}

const PARAMS: &str = r#"{"iotId": "QIuozfUcxRX6frOTO4dK0001", "orderId": "202007311241150001"}"#;

/// Asserts that no message, hint or pointer of `report` shows the secret, nor its distinctive
/// parts; returns the rules reported, for the caller to check the payload was judged.
fn assert_secret_kept(case: &str, report: &Report) -> Vec<Rule> {
    for d in report.diagnostics() {
        let shown = [d.message(), d.hint().unwrap_or_default(), d.pointer()];
        let rendered = d.to_string();
        for text in shown.iter().copied().chain([rendered.as_str()]) {
            for part in [SECRET, "SECRET", "TOKEN-123"] {
                assert!(!text.contains(part), "{case}: `{part}` shown in {text:?}");
            }
        }
    }
    report.diagnostics().iter().map(|d| d.rule()).collect()
}

#[test]
fn credentials_never_appear_in_findings_about_broken_payloads() {
    on_small_stack(|| {
        let token = format!(r#""iotToken": "{SECRET}""#);
        let cases: Vec<(&str, String, Rule)> = vec![
            (
                "a token of the wrong type (an array)",
                request(
                    &format!(r#"{{"apiVer": "1.0.6", "iotToken": ["{SECRET}"]}}"#),
                    PARAMS,
                ),
                Rule::WrongType,
            ),
            (
                "a token of the wrong type (an object)",
                request(
                    &format!(r#"{{"apiVer": "1.0.6", "iotToken": {{"value": "{SECRET}"}}}}"#),
                    PARAMS,
                ),
                Rule::WrongType,
            ),
            (
                "a cloud token of the wrong type beside a wrong `apiVer`",
                request(
                    &format!(r#"{{"apiVer": 1.06, "cloudToken": ["{SECRET}"]}}"#),
                    PARAMS,
                ),
                Rule::WrongType,
            ),
            (
                "a duplicate token",
                request(
                    &format!(r#"{{"apiVer": "1.0.6", {token}, {token}}}"#),
                    PARAMS,
                ),
                Rule::DuplicateKey,
            ),
            (
                "a token in `params`",
                request(
                    r#"{"apiVer": "1.0.6"}"#,
                    &format!(
                        r#"{{"iotId": "QIuozfUcxRX6frOTO4dK0001", "orderId": "202007311241150001", {token}}}"#
                    ),
                ),
                Rule::UnknownField,
            ),
            (
                "a token at the top level of a request",
                request(r#"{"apiVer": "1.0.6"}"#, PARAMS).replacen('{', &format!("{{{token},"), 1),
                Rule::UnknownField,
            ),
            (
                "a token in a response's `data`",
                format!(r#"{{"code": 460, "data": {{{token}}}}}"#),
                Rule::UnknownField,
            ),
            (
                "a token at the top level of a response",
                format!(r#"{{"code": 460, {token}, "data": null}}"#),
                Rule::UnknownField,
            ),
            (
                "`request` as a string holding the token",
                request(
                    &format!(r#""{{\"iotToken\":\"{SECRET}\",\"apiVer\":\"1.0.6\"}}""#),
                    PARAMS,
                ),
                Rule::WrongType,
            ),
            (
                "`request` as a string that is the token",
                request(&format!(r#""{SECRET}""#), PARAMS),
                Rule::WrongType,
            ),
            (
                "a whole request encoded as a string",
                serde_json::to_string(&format!(
                    r#"{{"request":{{"iotToken":"{SECRET}","apiVer":"1.0.6"}},"id":"1"}}"#
                ))
                .expect("a string serializes"),
                Rule::NotAnObject,
            ),
            (
                "a token with a broken escape",
                request(
                    &format!(r#"{{"apiVer": "1.0.6", "iotToken": "{SECRET}\q"}}"#),
                    PARAMS,
                ),
                Rule::InvalidJson,
            ),
            (
                "an unterminated token",
                format!(r#"{{"id": "1", "request": {{"iotToken": "{SECRET}"#),
                Rule::InvalidJson,
            ),
        ];
        for (case, input, expected) in cases {
            let report = validate(Options::default(), input.as_bytes());
            let rules = assert_secret_kept(case, &report);
            assert!(
                rules.contains(&expected),
                "{case}: expected `{expected}`, found {rules:?}"
            );
            // The strict profile words nothing differently, but reports more.
            let strict = Options::default().profile(cloudstorage_contract::Profile::Strict);
            assert_secret_kept(case, &validate(strict, input.as_bytes()));
        }
    });
}

#[test]
fn an_unquoted_token_is_not_shown_in_the_syntax_error() {
    on_small_stack(|| {
        // A template that forgot the quotes: `"iotToken": {{token}}` rendered.
        let input = request(r#"{"apiVer": "1.0.6", "iotToken": SECRETTOKEN123}"#, PARAMS);
        let report = validate(Options::default(), input.as_bytes());
        assert_eq!(report.diagnostics()[0].rule(), Rule::InvalidJson);
        let message = report.diagnostics()[0].message();
        assert!(!message.contains("SECRETTOKEN123"), "{message}");
        assert!(!message.contains("SECRET"), "{message}");
    });
}

#[test]
fn credentials_never_appear_in_exchange_findings_or_in_debug_output() {
    on_small_stack(|| {
        let validator = Validator::new(Options::default()).expect("the default options");
        let request = request(
            &format!(r#"{{"apiVer": "1.0.6", "iotToken": "{SECRET}"}}"#),
            PARAMS,
        );
        let response = r#"{"code": 200, "data": {"iotId": "QIuozfUcxRX6frOTO4dK0002", "orderId": "202007311241150001"}}"#;
        let exchange = validator.validate_exchange(request.as_bytes(), response.as_bytes());
        assert!(exchange.request.conforms());
        assert_secret_kept("exchange request", &exchange.request);
        let rules = assert_secret_kept("exchange response", &exchange.response);
        assert!(rules.contains(&Rule::ExchangeMismatch), "{rules:?}");
        // A conforming request holds the token in its typed payload: `Debug` hides it.
        let debug = format!("{exchange:?}");
        assert!(!debug.contains(SECRET), "{debug}");
        assert!(exchange.request.request().is_some());
    });
}

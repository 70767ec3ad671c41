//! Properties of the contract, checked on generated payloads (needs the `proptest` feature):
//!
//! 1. generated conforming requests and responses draw no diagnostic at all;
//! 2. a near miss draws the rule it names, at the pointer it names, and nothing else;
//! 3. values survive a serde round trip, and so does their text;
//! 4. the committed tolerant schema and the types accept the same payloads, near the contract,
//!    apart from the exceptions documented at `by_design`;
//!    and the validator refuses whatever either of them refuses;
//! 5. the validator never panics, on any bytes and any JSON, under several option sets.
//!
//! Case counts keep the whole file well under a minute in a debug build on two cores.

use std::sync::LazyLock;

use cloudstorage_contract::schema::{self, Variant};
use cloudstorage_contract::{
    Kind, LocalTime, Options, Profile, Request, Response, Rule, Severity, TimeError, Validator,
    sample, strategy,
};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{Index, select};
use serde_json::{Value, json};

static DEFAULT: LazyLock<Validator> =
    LazyLock::new(|| Validator::new(Options::default()).expect("the default options are valid"));

/// The option sets the validator must survive anything under.
static VALIDATORS: LazyLock<Vec<Validator>> = LazyLock::new(|| {
    [
        Options::default(),
        Options::default().profile(Profile::Strict),
        Options::default().time_zone("America/New_York"),
        Options::default()
            .profile(Profile::Strict)
            .time_zone("Asia/Kolkata")
            .level(Rule::UnknownField, cloudstorage_contract::Level::Allow)
            .level(Rule::WrongType, cloudstorage_contract::Level::Warn)
            .max_depth(3)
            .max_diagnostics(2)
            .max_bytes(256),
    ]
    .into_iter()
    .map(|o| Validator::new(o).expect("the test's options are valid"))
    .collect()
});

/// The committed tolerant schemas, compiled as the validator compiles them.
static SCHEMAS: LazyLock<[jsonschema::Validator; 2]> = LazyLock::new(|| {
    Kind::ALL.map(|kind| {
        let value: Value = serde_json::from_str(schema::committed(kind, Variant::Tolerant))
            .expect("the committed schema is JSON");
        jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&value)
            .expect("the committed schema compiles")
    })
});

fn schema_for(kind: Kind) -> &'static jsonschema::Validator {
    &SCHEMAS[kind as usize]
}

/// Rules and pointers of a report, for failure messages.
fn found(report: &cloudstorage_contract::Report) -> Vec<(Rule, String, String)> {
    report
        .diagnostics()
        .iter()
        .map(|d| (d.rule(), d.pointer().to_owned(), d.message().to_owned()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// 1. Generated conforming payloads conform, without a single warning.

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn generated_requests_conform(request in strategy::request()) {
        let text = serde_json::to_string(&request).expect("the types serialize");
        let report = DEFAULT.validate(text.as_bytes());
        prop_assert!(report.diagnostics().is_empty(), "{:?}\n{text}", found(&report));
        prop_assert_eq!(report.request(), Some(&request));
    }

    #[test]
    fn generated_responses_conform(response in strategy::response()) {
        let text = serde_json::to_string(&response).expect("the types serialize");
        let report = DEFAULT.validate(text.as_bytes());
        prop_assert!(report.diagnostics().is_empty(), "{:?}\n{text}", found(&report));
        prop_assert_eq!(report.response(), Some(&response));
    }

    #[test]
    fn conforming_samples_conform(seed in any::<u64>(), kind in select(&Kind::ALL[..])) {
        let s = sample::conforming(kind, seed);
        prop_assert_eq!(&s, &sample::conforming(kind, seed));
        prop_assert!(!s.text.contains('\n'));
        let report = DEFAULT.validate(s.text.as_bytes());
        prop_assert!(report.diagnostics().is_empty(), "{:?}\n{}", found(&report), s.text);
        prop_assert_eq!(report.kind(), Some(kind));
    }
}

// ---------------------------------------------------------------------------------------------
// 2. A near miss breaks the rule it names, where it says, and nothing else.

fn check_near_miss(s: &sample::Sample) -> Result<(), TestCaseError> {
    let rule = s.breaks.expect("a near miss names its rule");
    let pointer = s.pointer.as_deref().expect("a near miss names its pointer");
    let report = DEFAULT.validate(s.text.as_bytes());
    let context = || format!("{rule} at {pointer:?}: {:?}\n{}", found(&report), s.text);
    prop_assert!(
        report
            .diagnostics()
            .iter()
            .any(|d| d.rule() == rule && d.pointer() == pointer),
        "{}",
        context()
    );
    // Exactly one defect: no other rule fires.
    prop_assert!(
        report.diagnostics().iter().all(|d| d.rule() == rule),
        "{}",
        context()
    );
    match rule.info().default_severity {
        Severity::Error => prop_assert!(!report.conforms(), "{}", context()),
        // A warning rule: the payload conforms, with that warning.
        _ => prop_assert!(
            report.conforms() && report.warnings().any(|d| d.rule() == rule),
            "{}",
            context()
        ),
    }
    // The pointer names what it says, in the payload itself.
    if let Ok(value) = serde_json::from_str::<Value>(&s.text) {
        if rule != Rule::NotAnObject && rule != Rule::DuplicateKey {
            let at = value.pointer(pointer);
            prop_assert!(at.is_some(), "{}", context());
            if rule == Rule::MissingField {
                prop_assert!(at.is_some_and(Value::is_object), "{}", context());
            }
        }
    } else {
        prop_assert!(
            matches!(rule, Rule::InvalidJson | Rule::DuplicateKey) && pointer.is_empty(),
            "{}",
            context()
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn near_miss_requests_break_their_rule(s in strategy::near_miss(Kind::Request)) {
        prop_assert_eq!(s.kind, Kind::Request);
        check_near_miss(&s)?;
    }

    #[test]
    fn near_miss_responses_break_their_rule(s in strategy::near_miss(Kind::Response)) {
        prop_assert_eq!(s.kind, Kind::Response);
        check_near_miss(&s)?;
    }
}

/// Every defect of the cycle, a few times over, deterministically.
#[test]
fn consecutive_seeds_cycle_through_every_defect() {
    for kind in Kind::ALL {
        let mut rules = Vec::new();
        for seed in 0..200 {
            let s = sample::near_miss(kind, seed);
            assert_eq!(s, sample::near_miss(kind, seed));
            check_near_miss(&s).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
            rules.extend(s.breaks);
        }
        rules.sort();
        rules.dedup();
        let expected = match kind {
            Kind::Request => 8,
            Kind::Response => 20,
        };
        assert_eq!(rules.len(), expected, "{kind}: {rules:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// 3. serde round trips: value → JSON → value, and text → value → text.

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn requests_round_trip(request in strategy::request()) {
        let text = serde_json::to_string(&request).expect("the types serialize");
        let back: Request = serde_json::from_str(&text).expect("the types read what they write");
        prop_assert_eq!(&back, &request);
        prop_assert_eq!(serde_json::to_string(&back).expect("the types serialize"), text);
        let value = serde_json::to_value(&request).expect("the types serialize");
        prop_assert_eq!(serde_json::from_value::<Request>(value).ok(), Some(request));
    }

    #[test]
    fn responses_round_trip(response in strategy::response()) {
        let text = serde_json::to_string(&response).expect("the types serialize");
        let back: Response = serde_json::from_str(&text).expect("the types read what they write");
        prop_assert_eq!(&back, &response);
        prop_assert_eq!(serde_json::to_string(&back).expect("the types serialize"), text);
        let value = serde_json::to_value(&response).expect("the types serialize");
        prop_assert_eq!(serde_json::from_value::<Response>(value).ok(), Some(response));
    }
}

// ---------------------------------------------------------------------------------------------
// 4. The committed schema and the types agree near the contract.

/// One edit of a conforming payload.
#[derive(Debug, Clone)]
enum Edit {
    /// The member's value becomes this one.
    Replace(Value),
    /// The member goes.
    Remove,
    /// A member with this name (replaced if the object already has it) joins the member's
    /// object.
    Add(String, Value),
    /// The member's value becomes an array: an object's members in the types' order (which
    /// serde's derived `Deserialize` accepts as a sequence), or any other value wrapped.
    ToArray,
}

/// Members of the contract's objects, in the order the types declare them.
const DECLARED: &[(&str, &[&str])] = &[
    (
        "/data",
        &[
            "iotId",
            "identityId",
            "commodityCode",
            "specification",
            "copies",
            "price",
            "userName",
            "userId",
            "orderId",
            "outOrderNo",
            "status",
            "paymentStatus",
            "recordType",
            "orderType",
            "startTime",
            "endTime",
            "startTimeUTC",
            "endTimeUTC",
            "preConsume",
        ],
    ),
    (
        "/request",
        &["apiVer", "iotToken", "cloudToken", "language", "locale"],
    ),
    ("/params", &["iotId", "orderId", "deviceNoOwner"]),
];

/// Every (object pointer, member name) of a payload, down to the nested objects.
fn members(value: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Value::Object(map) = value {
        for (name, member) in map {
            out.push((String::new(), name.clone()));
            if let Value::Object(inner) = member {
                out.extend(inner.keys().map(|k| (format!("/{name}"), k.clone())));
            }
        }
    }
    out
}

/// Applies `edit` to the member `index` picks; returns the edited member's pointer.
fn apply(value: &mut Value, index: &Index, edit: &Edit) -> String {
    let all = members(value);
    let (parent, name) = index.get(&all).clone();
    let pointer = format!("{parent}/{name}");
    let object = value
        .pointer_mut(&parent)
        .and_then(Value::as_object_mut)
        .expect("members lists objects' members");
    match edit {
        Edit::Replace(v) => {
            object.insert(name, v.clone());
        }
        Edit::Remove => {
            object.remove(&name);
        }
        Edit::Add(new, v) => {
            object.insert(new.clone(), v.clone());
            return format!("{parent}/{new}");
        }
        Edit::ToArray => {
            let old = object.remove(&name).unwrap_or(Value::Null);
            let array = match old {
                Value::Object(mut map) => {
                    let order = DECLARED
                        .iter()
                        .find(|(at, _)| *at == pointer)
                        .map(|(_, names)| *names)
                        .unwrap_or_default();
                    order.iter().map_while(|n| map.remove(*n)).collect()
                }
                other => vec![other],
            };
            object.insert(name, Value::Array(array));
        }
    }
    pointer
}

/// Any JSON value, small.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
            .map(Value::Number)),
        any::<String>().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 24, 5, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..5).prop_map(Value::Array),
            vec((key(), inner), 0..5).prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Member names: the contract's own, or anything.
fn key() -> impl Strategy<Value = String> {
    let names: Vec<String> = DECLARED
        .iter()
        .flat_map(|(_, names)| names.iter())
        .chain(&[
            "id",
            "code",
            "message",
            "localizedMsg",
            "data",
            "version",
            "request",
            "params",
        ])
        .map(|s| (*s).to_owned())
        .collect();
    prop_oneof![select(names), "[a-zA-Z]{1,12}", any::<String>()]
}

/// A local time, most fields in range, some not; sometimes with single-digit seconds.
fn local_like() -> impl Strategy<Value = String> {
    (
        prop_oneof![1900..2100u32, 0..=9999u32, Just(9999), Just(0)],
        0..=13u32,
        prop_oneof![1..=28u32, 28..=32u32],
        0..=25u32,
        0..=61u32,
        0..=61u32,
        any::<bool>(),
        select(&[" ", "T", "  "][..]),
    )
        .prop_map(|(y, mo, d, h, mi, s, short, sep)| {
            if short {
                format!("{y:04}-{mo:02}-{d:02}{sep}{h:02}:{mi:02}:{s}")
            } else {
                format!("{y:04}-{mo:02}-{d:02}{sep}{h:02}:{mi:02}:{s:02}")
            }
        })
}

/// A UTC time, most fields in range, some not; fractions and suffixes, some wrong.
fn utc_like() -> impl Strategy<Value = String> {
    (
        prop_oneof![1900..2100u32, 0..=9999u32, Just(9999), Just(0)],
        prop_oneof![1..=12u32, Just(0), Just(13)],
        prop_oneof![1..=28u32, 28..=32u32],
        0..=24u32,
        0..=60u32,
        0..=60u32,
        prop_oneof![Just(String::new()), "\\.[0-9]{0,10}"],
        select(&["Z", "z", "+08:00", ""][..]),
    )
        .prop_map(|(y, mo, d, h, mi, s, fraction, zone)| {
            format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{fraction}{zone}")
        })
}

/// Values close to the contract's: numbers at and around the bounds, integral floats, time
/// and price look-alikes, or any JSON.
fn close_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        2 => json(),
        1 => select(&[0i64, 1, 2, 3, 4, -1, 200, 460, 2_147_483_647, 2_147_483_648, -2_147_483_649,
                     4_294_967_295, 4_294_967_296][..]).prop_map(Value::from),
        1 => (-5i32..=300).prop_map(|i| json!(f64::from(i))),
        1 => any::<u64>().prop_map(Value::from),
        2 => local_like().prop_map(Value::from),
        2 => utc_like().prop_map(Value::from),
        1 => ("[0-9]{0,4}(\\.[0-9]{0,3})?", select(&["", "\n", " ", "元"][..]))
            .prop_map(|(p, suffix)| Value::from(format!("{p}{suffix}"))),
        1 => any::<bool>().prop_map(Value::from),
        1 => Just(Value::Null),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => close_value().prop_map(Edit::Replace),
        1 => Just(Edit::Remove),
        1 => (key(), close_value()).prop_map(|(k, v)| Edit::Add(k, v)),
        1 => Just(Edit::ToArray),
    ]
}

/// Why the schema and the types may disagree on a payload, when that is by design.
///
/// - **Impossible local dates.** `startTime`/`endTime` such as `2021-02-30 10:00:00` match the
///   schema's pattern (a pattern cannot count the days of a month), but the types refuse them.
///   The validator reports them with the `impossible-time` semantic rule. (UTC times carry
///   `format: date-time`, which checks the calendar, so the schema refuses those itself.)
/// - **Code 200 without an order.** The schema's `if`/`then` requires an object `data` when
///   `code` is 200; the types accept `null` or absent `data` on any code, so that every payload
///   serializes back to what it was. The validator reports it as `missing-data` (schema stage).
/// - **Integral floats.** JSON Schema has one number type, in which `1.0` is an integer, so the
///   schema accepts `"copies": 1.0`; the types, like the platform's `Int`, refuse it. No
///   portable keyword tells `1.0` from `1`, so the validator reports it as `wrong-type` itself.
/// - **Unknown members** are not an exception: the tolerant schema allows them and serde ignores
///   them, so both accept (the validator warns with `unknown-field`).
fn by_design(value: &Value, edited: &str, schema_ok: bool, types_ok: bool) -> Option<&'static str> {
    if schema_ok && !types_ok {
        let impossible = ["/data/startTime", "/data/endTime"].iter().any(|p| {
            value.pointer(p).and_then(Value::as_str).is_some_and(|t| {
                matches!(t.parse::<LocalTime>(), Err(TimeError::Impossible { .. }))
            })
        });
        if impossible {
            return Some("an impossible local date: the impossible-time rule");
        }
        if value.pointer(edited).is_some_and(|v| v.is_f64()) {
            return Some("an integral float: wrong-type, from the validator");
        }
    }
    if !schema_ok && types_ok {
        let code_200 = value.get("code").and_then(Value::as_i64) == Some(200);
        if code_200 && !value.get("data").is_some_and(Value::is_object) {
            return Some("code 200 without an order: the missing-data rule");
        }
    }
    None
}

fn check_agreement(
    kind: Kind,
    mut value: Value,
    index: &Index,
    edit: &Edit,
) -> Result<(), TestCaseError> {
    let pointer = apply(&mut value, index, edit);
    let schema_ok = schema_for(kind).is_valid(&value);
    let types_ok = match kind {
        Kind::Request => serde_json::from_value::<Request>(value.clone()).map(drop),
        Kind::Response => serde_json::from_value::<Response>(value.clone()).map(drop),
    };
    let types_error = types_ok.as_ref().err().map(ToString::to_string);
    let types_ok = types_ok.is_ok();
    if schema_ok == types_ok || by_design(&value, &pointer, schema_ok, types_ok).is_some() {
        return Ok(());
    }
    let schema = if schema_ok { "accepts" } else { "refuses" };
    let types = if types_ok { "accept" } else { "refuse" };
    Err(TestCaseError::fail(format!(
        "the {kind} schema {schema} but the types {types} ({types_error:?}), \
         after {edit:?} at {pointer}:\n{value}"
    )))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn schema_and_types_agree_on_requests(
        request in strategy::request(),
        index in any::<Index>(),
        edit in edit(),
    ) {
        let value = serde_json::to_value(&request).expect("the types serialize");
        check_agreement(Kind::Request, value, &index, &edit)?;
    }

    #[test]
    fn schema_and_types_agree_on_responses(
        response in strategy::response(),
        index in any::<Index>(),
        edit in edit(),
    ) {
        let value = serde_json::to_value(&response).expect("the types serialize");
        check_agreement(Kind::Response, value, &index, &edit)?;
    }
}

fn page_success() -> Value {
    serde_json::from_str(&sample::conforming(Kind::Response, 1).text).expect("samples are JSON")
}

/// The exceptions [`by_design`] names, pinned.
#[test]
fn schema_and_types_disagree_by_design() {
    let schema = schema_for(Kind::Response);
    let mut feb_30 = page_success();
    feb_30["data"]["startTime"] = json!("2021-02-30 10:00:00");
    assert!(schema.is_valid(&feb_30));
    assert!(serde_json::from_value::<Response>(feb_30.clone()).is_err());
    let mut no_order = page_success();
    no_order["data"] = Value::Null;
    assert!(!schema.is_valid(&no_order));
    assert!(serde_json::from_value::<Response>(no_order.clone()).is_ok());
    let mut float = page_success();
    float["data"]["copies"] = json!(1.0);
    assert!(schema.is_valid(&float));
    assert!(serde_json::from_value::<Response>(float.clone()).is_err());
    // The validator refuses all three, with the rule each exception names.
    for (value, rule) in [
        (feb_30, Rule::ImpossibleTime),
        (no_order, Rule::MissingData),
        (float, Rule::WrongType),
    ] {
        let report = DEFAULT.validate(value.to_string().as_bytes());
        let rules: Vec<Rule> = report.errors().map(|d| d.rule()).collect();
        assert_eq!(rules, [rule]);
    }
}

/// Regression (found by the agreement property): the schema accepts any time of year 9999, and
/// so do the types, although jiff's timestamps end at 9999-12-30T22:00:00Z. Platforms send such
/// end times for packages that never expire.
#[test]
fn utc_times_in_the_last_day_of_year_9999() {
    let mut late = page_success();
    late["data"]["endTimeUTC"] = json!("9999-12-31T23:00:00Z");
    late["data"]["endTime"] = json!("10000-01-01 07:00:00");
    assert!(
        !schema_for(Kind::Response).is_valid(&late),
        "a five-digit year is no local time"
    );
    late["data"]["endTime"] = json!("9999-12-31 23:00:00");
    late["data"]["endTimeUTC"] = json!("9999-12-31T15:00:00Z");
    assert!(schema_for(Kind::Response).is_valid(&late));
    assert!(serde_json::from_value::<Response>(late.clone()).is_ok());
    let validator = Validator::new(Options::default().time_zone("Asia/Shanghai")).unwrap();
    let report = validator.validate_response(late.to_string().as_bytes());
    let rules: Vec<Rule> = report.errors().map(|d| d.rule()).collect();
    assert_eq!(rules, [], "{report:?}");
    late["data"]["endTime"] = json!("9999-12-31 22:00:00");
    let report = validator.validate_response(late.to_string().as_bytes());
    let rules: Vec<Rule> = report.errors().map(|d| d.rule()).collect();
    assert_eq!(rules, [Rule::ZoneOffset], "{report:?}");
}

/// Regression: serde's derived `Deserialize` reads a struct from an array of its field values;
/// the contract's objects refuse arrays, as the schema does.
#[test]
fn types_refuse_objects_sent_as_arrays() {
    let request = json!({"id": "1", "version": "1.0", "request": ["1.0.6"], "params": ["d", "o"]});
    assert!(!schema_for(Kind::Request).is_valid(&request));
    let error = serde_json::from_value::<Request>(request).unwrap_err();
    assert!(error.to_string().contains("expected an object"), "{error}");
    assert!(serde_json::from_str::<Response>(r#"{"code": 200, "data": []}"#).is_err());
}

/// The validator is the schema plus the types plus the semantic rules: a payload that either
/// the committed schema or the types refuse never conforms, and a conforming one comes with
/// the typed value.
fn check_validator_agrees(
    kind: Kind,
    mut value: Value,
    index: &Index,
    edit: &Edit,
) -> Result<(), TestCaseError> {
    let pointer = apply(&mut value, index, edit);
    let schema_ok = schema_for(kind).is_valid(&value);
    let typed = match kind {
        Kind::Request => serde_json::from_value::<Request>(value.clone())
            .ok()
            .map(|r| serde_json::to_value(r).expect("the types serialize")),
        Kind::Response => serde_json::from_value::<Response>(value.clone())
            .ok()
            .map(|r| serde_json::to_value(r).expect("the types serialize")),
    };
    let text = value.to_string();
    let report = DEFAULT.validate(text.as_bytes());
    let context = || format!("after {edit:?} at {pointer}: {:?}\n{text}", found(&report));
    if !schema_ok || typed.is_none() {
        prop_assert!(
            !report.conforms(),
            "the {kind} schema {} and the types {}, but the validator accepts, {}",
            if schema_ok { "accepts" } else { "refuses" },
            if typed.is_some() { "accept" } else { "refuse" },
            context()
        );
    }
    if report.conforms() {
        let payload = match kind {
            Kind::Request => report
                .request()
                .map(|r| serde_json::to_value(r).expect("serializes")),
            Kind::Response => report
                .response()
                .map(|r| serde_json::to_value(r).expect("serializes")),
        };
        prop_assert_eq!(payload, typed, "{}", context());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn validator_refuses_what_the_schema_or_the_types_refuse_in_requests(
        request in strategy::request(),
        index in any::<Index>(),
        edit in edit(),
    ) {
        let value = serde_json::to_value(&request).expect("the types serialize");
        check_validator_agrees(Kind::Request, value, &index, &edit)?;
    }

    #[test]
    fn validator_refuses_what_the_schema_or_the_types_refuse_in_responses(
        response in strategy::response(),
        index in any::<Index>(),
        edit in edit(),
    ) {
        let value = serde_json::to_value(&response).expect("the types serialize");
        check_validator_agrees(Kind::Response, value, &index, &edit)?;
    }
}

// ---------------------------------------------------------------------------------------------
// 5. The validator never panics.

/// Bytes that are often almost a payload: a sample with bytes flipped, inserted or removed.
fn mangled() -> impl Strategy<Value = Vec<u8>> {
    (
        any::<u64>(),
        select(&Kind::ALL[..]),
        any::<bool>(),
        vec((any::<Index>(), any::<u8>(), 0..3u8), 1..8),
    )
        .prop_map(|(seed, kind, near, edits)| {
            let s = if near {
                sample::near_miss(kind, seed)
            } else {
                sample::conforming(kind, seed)
            };
            let mut bytes = s.text.into_bytes();
            for (at, byte, how) in edits {
                let i = at.index(bytes.len() + 1);
                match how {
                    0 if i < bytes.len() => bytes[i] = byte,
                    1 => bytes.insert(i, byte),
                    _ if i < bytes.len() => {
                        bytes.remove(i);
                    }
                    _ => bytes.push(byte),
                }
            }
            bytes
        })
}

fn validate_everywhere(bytes: &[u8]) {
    for validator in VALIDATORS.iter() {
        let report = validator.validate(bytes);
        // The report is coherent. Its counts are kept apart from its list, so they can
        // disagree: every finding is listed or dropped, and listed errors are counted.
        let listed = report.diagnostics().len();
        let listed_errors = report.errors().count();
        assert_eq!(
            report.error_count() + report.warning_count(),
            listed + report.dropped()
        );
        assert!(report.error_count() >= listed_errors);
        if report.dropped() == 0 {
            assert_eq!(report.error_count(), listed_errors);
        }
        // Findings come in input order, at positions inside the input.
        let diagnostics = report.diagnostics();
        assert!(
            diagnostics
                .windows(2)
                .all(|w| w[0].offset() <= w[1].offset())
        );
        for d in diagnostics {
            assert!(d.offset() <= bytes.len());
            assert!(d.position().line >= 1 && d.position().column >= 1);
        }
        let _ = validator.validate_request(bytes);
        let _ = validator.validate_response(bytes);
        let _ = validator.validate_exchange(bytes, bytes);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn never_panics_on_bytes(bytes in vec(any::<u8>(), 0..256)) {
        validate_everywhere(&bytes);
    }

    #[test]
    fn never_panics_on_mangled_payloads(bytes in mangled()) {
        validate_everywhere(&bytes);
    }

    #[test]
    fn never_panics_on_json(value in json()) {
        validate_everywhere(value.to_string().as_bytes());
        validate_everywhere(serde_json::to_string_pretty(&value).unwrap_or_default().as_bytes());
    }

    #[test]
    fn never_panics_near_the_contract(
        response in strategy::response(),
        index in any::<Index>(),
        edit in edit(),
    ) {
        let mut value = serde_json::to_value(&response).expect("the types serialize");
        apply(&mut value, &index, &edit);
        validate_everywhere(value.to_string().as_bytes());
    }
}

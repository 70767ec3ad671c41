//! How findings are worded: values described safely, expectations named, likely causes hinted.
//!
//! Every message names the value and what was expected. Values are shortened, and the value of
//! a credential (`iotToken`, `cloudToken`) is never shown.

use std::borrow::Cow;

use serde_json::Value;

use crate::json_string;
use crate::order::{OrderStatus, OrderType, PaymentStatus, RecordType};
use crate::pointer::last_segment;
use crate::rules::Rule;
use crate::schema::Kind;
use crate::time::{LOCAL_TIME_PATTERN, UTC_TIME_PATTERN};

/// Members whose values are secrets.
const CREDENTIALS: [&str; 2] = ["/request/iotToken", "/request/cloudToken"];

/// The longest run of a string value shown in a message.
const MAX_SHOWN_CHARS: usize = 48;

/// A value's place, for messages.
pub(crate) struct Field<'p> {
    pointer: &'p str,
    /// The member's name, or `payload` for the whole document.
    pub(crate) name: String,
}

impl<'p> Field<'p> {
    pub(crate) fn new(pointer: &'p str) -> Self {
        let name = if pointer.is_empty() {
            "payload".to_owned()
        } else {
            last_segment(pointer)
        };
        Field { pointer, name }
    }

    /// How to name this value as an object that holds members: "the top level" or "`data`".
    pub(crate) fn object_name(&self) -> String {
        if self.pointer.is_empty() {
            "the top level".to_owned()
        } else {
            format!("`{}`", self.name)
        }
    }
}

/// Whether the value at `pointer` is a secret, or lies inside one (a token sent as an array or
/// an object still holds it).
pub(crate) fn is_credential(pointer: &str) -> bool {
    CREDENTIALS.iter().any(|c| {
        pointer
            .strip_prefix(c)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// Whether the value at `pointer` is where an object holding a secret belongs (`/request`, or
/// the whole payload): a string there may be that object encoded as text, token included.
fn holds_credentials(pointer: &str) -> bool {
    CREDENTIALS.iter().any(|c| {
        c.strip_prefix(pointer)
            .is_some_and(|rest| rest.starts_with('/'))
    })
}

/// Describes a value for a message: `"abc"`, `4`, `null`, `an object`. Long strings are cut,
/// credentials are never shown.
pub(crate) fn describe(value: &Value, pointer: &str) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) if is_credential(pointer) => {
            let _ = n;
            "a number (value not shown: a credential)".to_owned()
        }
        Value::Number(n) => n.to_string(),
        Value::String(_) if is_credential(pointer) => {
            "a string (value not shown: a credential)".to_owned()
        }
        Value::String(s) if holds_credentials(pointer) => format!(
            "a string of {} characters (not shown: it may hold a credential)",
            s.chars().count()
        ),
        Value::String(s) => quote(s),
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

/// A string quoted as JSON, shortened to [`MAX_SHOWN_CHARS`] characters.
pub(crate) fn quote(s: &str) -> String {
    let fits = s.len() <= MAX_SHOWN_CHARS || s.chars().nth(MAX_SHOWN_CHARS).is_none();
    if fits {
        return json(s);
    }
    let count = s.chars().count();
    let head: String = s.chars().take(MAX_SHOWN_CHARS).collect();
    let shown = json(&head);
    format!("{}…\" ({count} characters)", &shown[..shown.len() - 1])
}

/// `s` as a JSON string, in one allocation.
fn json(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len() + 2);
    json_string::push(&mut out, s);
    // Escaping keeps UTF-8 valid.
    String::from_utf8(out).unwrap_or_default()
}

/// "one of 0 (in use), 1 (expired), …" for the integer enums, by member name.
pub(crate) fn expected_enum(name: &str) -> String {
    fn list<T: Copy>(all: &[T], code: fn(T) -> u8, meaning: fn(T) -> &'static str) -> String {
        let items: Vec<String> = all
            .iter()
            .map(|&v| format!("{} ({})", code(v), meaning(v)))
            .collect();
        format!("one of {}", items.join(", "))
    }
    match name {
        "status" => list(OrderStatus::ALL, OrderStatus::code, OrderStatus::meaning),
        "paymentStatus" => list(
            PaymentStatus::ALL,
            PaymentStatus::code,
            PaymentStatus::meaning,
        ),
        "recordType" => list(RecordType::ALL, RecordType::code, RecordType::meaning),
        "orderType" => list(OrderType::ALL, OrderType::code, OrderType::meaning),
        _ => "one of the documented values".to_owned(),
    }
}

/// What a schema pattern stands for, in words.
pub(crate) fn expected_pattern(pattern: &str) -> String {
    if pattern == LOCAL_TIME_PATTERN {
        "a local time `YYYY-MM-DD HH:MM:SS`, such as `2020-08-25 10:00:00`".to_owned()
    } else if pattern == UTC_TIME_PATTERN {
        "a UTC time `YYYY-MM-DDTHH:MM:SSZ`, such as `2020-08-25T02:00:00Z`".to_owned()
    } else if pattern == crate::order::PRICE_PATTERN {
        "a decimal amount, digits with an optional `.` and digits, such as `1.0`".to_owned()
    } else {
        format!("a string matching `{pattern}`")
    }
}

const LOCAL_TIMES: [&str; 2] = ["/data/startTime", "/data/endTime"];
const UTC_TIMES: [&str; 2] = ["/data/startTimeUTC", "/data/endTimeUTC"];

/// A likely cause for a schema finding, when its shape matches a known oddity of the platform's
/// sibling endpoints. `value` is the value at `pointer`, when there is one; `present` tells
/// whether the payload has a member at a pointer.
pub(crate) fn hint_for(
    rule: Rule,
    pointer: &str,
    member: &str,
    value: Option<&Value>,
    present: &dyn Fn(&str) -> bool,
) -> Option<Cow<'static, str>> {
    let is_time = LOCAL_TIMES.contains(&pointer) || UTC_TIMES.contains(&pointer);
    match (rule, value) {
        (Rule::WrongType, Some(Value::Number(n))) if is_time => {
            let when = n
                .as_i64()
                .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
                .map(|t| format!(" ({t})"))
                .unwrap_or_default();
            Some(
                format!(
                    "this looks like epoch milliseconds{when}, as sibling endpoints such as \
                 `commodity/enable` send; this endpoint sends a string"
                )
                .into(),
            )
        }
        (Rule::MalformedValue, Some(Value::String(s))) if is_time && s.is_empty() => Some(
            "an empty time, as free-plan payloads of sibling endpoints send; this endpoint \
             always sends a time"
                .into(),
        ),
        (Rule::MalformedValue, Some(Value::String(s))) if LOCAL_TIMES.contains(&pointer) => {
            local_time_hint(s)
        }
        (Rule::MalformedValue, Some(Value::String(s))) if UTC_TIMES.contains(&pointer) => {
            (!s.ends_with('Z')).then(|| {
                "UTC times end in `Z`; a time with an offset or without a zone belongs in \
                 `startTime`/`endTime`, the local times"
                    .into()
            })
        }
        (Rule::MissingField, _) if member == "recordType" && pointer == "/data" => {
            present("/data/commodityType").then(|| {
                "the payload has `commodityType`, which sibling endpoints send; this endpoint \
                 sends `recordType` (1 continuous, 2 event)"
                    .into()
            })
        }
        (Rule::WrongType, Some(Value::String(s)))
            if s.parse::<i64>().is_ok() || s.parse::<f64>().is_ok() =>
        {
            Some("a number sent as a string: drop the quotes".into())
        }
        (Rule::WrongType, Some(Value::String(s))) if s == "true" || s == "false" => {
            Some("a boolean sent as a string: drop the quotes".into())
        }
        (Rule::WrongType, Some(Value::String(s))) if s == "null" => {
            Some("`null` sent as a string: drop the quotes".into())
        }
        _ => None,
    }
}

/// "a string", "null or an object": the JSON types a schema allows, in the schema library's
/// order (null, boolean, integer, number, string, array, object).
pub(crate) fn expected_types<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let article = |t: &str| match t {
        "null" => t.to_owned(),
        "integer" | "object" | "array" => format!("an {t}"),
        _ => format!("a {t}"),
    };
    let names: Vec<String> = names.into_iter().map(article).collect();
    names.join(" or ")
}

/// A value of the wrong JSON type.
pub(crate) fn wrong_type(pointer: &str, value: &Value, expected: &str) -> String {
    let name = Field::new(pointer).name;
    format!(
        "`{name}` is {}, expected {expected}",
        describe(value, pointer)
    )
}

/// A required member missing from the object at `pointer`.
pub(crate) fn missing_member(pointer: &str, member: &str) -> String {
    format!(
        "missing required member `{member}` in {}",
        Field::new(pointer).object_name()
    )
}

/// `code` 200 without an order: `data` missing (`None`) or not an object.
pub(crate) fn missing_data(data: Option<&Value>) -> String {
    match data {
        None => "`code` is 200 but `data` is missing, expected the order object".to_owned(),
        Some(value) => format!(
            "`code` is 200 but `data` is {}, expected the order object",
            describe(value, "/data")
        ),
    }
}

/// An integer code that is not one of the enum's; `expected` is [`expected_enum`]'s.
pub(crate) fn not_in_enum(pointer: &str, value: &Value, expected: &str) -> String {
    let name = Field::new(pointer).name;
    format!(
        "`{name}` is {}, expected {expected}",
        describe(value, pointer)
    )
}

/// A string that does not match its pattern.
pub(crate) fn pattern_mismatch(pointer: &str, value: &Value, pattern: &str) -> String {
    let name = Field::new(pointer).name;
    format!(
        "`{name}` is {}, expected {}",
        describe(value, pointer),
        expected_pattern(pattern)
    )
}

/// A string of the right shape that its format refuses.
pub(crate) fn not_real(pointer: &str, value: &Value, format: &str) -> String {
    let name = Field::new(pointer).name;
    format!(
        "`{name}` is {}, which is not a real {format}",
        describe(value, pointer)
    )
}

/// A number below its minimum (`at least`) or above its maximum (`at most`).
pub(crate) fn out_of_range(pointer: &str, value: &Value, bound: &str, limit: &Value) -> String {
    let name = Field::new(pointer).name;
    format!(
        "`{name}` is {}, expected {bound} {limit}",
        describe(value, pointer)
    )
}

/// An integer member written with a fraction, an exponent or as `-0`.
pub(crate) fn written_with_fraction(pointer: &str, written: &str) -> String {
    let name = last_segment(pointer);
    format!(
        "`{name}` is {written}, expected an integer written without a fraction, exponent or \
         minus sign on zero"
    )
}

/// A member the contract does not define, in the object at `object`.
pub(crate) fn unknown_member(name: &str, object: &str, kind: Kind) -> String {
    let place = Field::new(object).object_name();
    format!("`{name}` is not a member of {place} in the {kind} contract")
}

/// A key repeated in one object, by the repeated member's pointer.
pub(crate) fn duplicate_key(pointer: &str) -> (String, Option<Cow<'static, str>>) {
    let name = last_segment(pointer);
    let parent = Field::new(crate::pointer::parent(pointer));
    (
        format!("duplicate key `{name}` in {}", parent.object_name()),
        Some(
            "parsers disagree on which of two equal keys wins (most keep the last); send each \
             key once"
                .into(),
        ),
    )
}

/// A top-level value that is not an object.
pub(crate) fn not_an_object(value: &Value) -> String {
    format!("the payload is {}, expected an object", describe(value, ""))
}

/// The payload's kind cannot be told: both or neither of `params` and `code`.
pub(crate) fn unknown_kind(both: bool) -> (String, Option<Cow<'static, str>>) {
    let message = if both {
        "the payload has both `params` (a request) and `code` (a response)"
    } else {
        "the payload has neither `params` (a request) nor `code` (a response)"
    };
    (
        message.into(),
        Some(
            "a request has `params` and a response `code`; or name the kind when validating".into(),
        ),
    )
}

fn local_time_hint(s: &str) -> Option<Cow<'static, str>> {
    if s.contains('T') || s.ends_with('Z') {
        return Some(
            "this looks like an ISO 8601 time; local times use a space and no zone, and the UTC \
             twin goes in `startTimeUTC`/`endTimeUTC`"
                .into(),
        );
    }
    // Every field present but one of them short: the platform dropped a leading zero, as in
    // the month of `2024-0-01 12:00:00` seen from a sibling endpoint.
    let fields: Vec<&str> = s.split(['-', ' ', ':']).collect();
    let all_digits = fields
        .iter()
        .all(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()));
    (fields.len() == 6 && all_digits).then(|| {
        "a field is missing its leading zero; every field but the year has two digits".into()
    })
}

/// Members that sibling endpoints return and this one does not define.
const SIBLING_MEMBERS: [&str; 3] = ["commodityType", "expired", "endTimeStr"];

/// A likely cause for an unknown member: a sibling endpoint's field, or a misspelling of a
/// member the contract defines.
pub(crate) fn unknown_member_hint<S: AsRef<str>>(
    name: &str,
    known: &[S],
) -> Option<Cow<'static, str>> {
    if SIBLING_MEMBERS.contains(&name) {
        return Some(
            format!(
                "`{name}` is returned by sibling endpoints of the platform, not by `order/get`"
            )
            .into(),
        );
    }
    known
        .iter()
        .map(AsRef::as_ref)
        .find(|k| k.eq_ignore_ascii_case(name))
        .map(|k| format!("did you mean `{k}`? member names are case-sensitive").into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn credentials_are_never_described() {
        let d = describe(&json!("s3cr3t"), "/request/iotToken");
        assert!(!d.contains("s3cr3t"), "{d}");
        let d = describe(&json!(12345), "/request/cloudToken");
        assert!(!d.contains("12345"), "{d}");
        assert_eq!(describe(&json!("abc"), "/params/iotId"), "\"abc\"");
        // Inside a credential, or where the object that holds them belongs.
        let d = describe(&json!("s3cr3t"), "/request/iotToken/0");
        assert!(!d.contains("s3cr3t"), "{d}");
        for pointer in ["", "/request"] {
            let d = describe(&json!(r#"{"iotToken":"s3cr3t"}"#), pointer);
            assert_eq!(
                d,
                "a string of 21 characters (not shown: it may hold a credential)"
            );
        }
        assert_eq!(describe(&json!("abc"), "/request/apiVer"), "\"abc\"");
        assert_eq!(describe(&json!("abc"), "/request/iotTokens"), "\"abc\"");
    }

    #[test]
    fn quotes_are_json_strings() {
        for s in [
            "",
            "plain",
            "中文 text",
            "a\"b",
            "back\\slash",
            "tab\there",
            "\u{7f}\u{1b}",
            &"x".repeat(48),
        ] {
            assert_eq!(
                quote(s),
                serde_json::to_string(s).expect("a string"),
                "{s:?}"
            );
        }
    }

    #[test]
    fn long_strings_are_cut() {
        let long = "x".repeat(10_000);
        let d = describe(&json!(long), "/data/userName");
        assert!(d.len() < 100, "{d}");
        assert!(d.ends_with("(10000 characters)"), "{d}");
    }

    #[test]
    fn enum_expectations_carry_meanings() {
        assert_eq!(
            expected_enum("status"),
            "one of 0 (in use), 1 (expired), 2 (frozen), 3 (being created)"
        );
    }

    #[test]
    fn local_time_hints() {
        assert!(local_time_hint("2024-0-01 12:00:00").is_some());
        assert!(local_time_hint("2020-08-25T10:00:00").is_some());
        assert!(local_time_hint("tomorrow").is_none());
    }
}

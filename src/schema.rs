//! JSON Schemas derived from the types, and the committed copies the validator runs.
//!
//! The Rust types are the single source of truth. [`generate`] derives each schema with schemars
//! (draft 2020-12, subschemas inlined so that no `anyOf` or `$ref` hides a nested error);
//! `schemas/` holds the committed output, which the validator embeds with `include_str!` so that
//! what users download is what runs. A test fails when the two drift apart.
//!
//! Each envelope has two variants:
//! - **tolerant** (`order-get.<kind>.schema.json`): the platform's documented quirk, a
//!   single-digit seconds field in local times, matches the pattern, and unknown members are
//!   allowed. The validator's default profile runs it and reports both as warnings.
//! - **strict** (`order-get.<kind>.strict.schema.json`): local times need two-digit seconds and
//!   every object is closed (`additionalProperties: false`). For teams that want the contract
//!   to the letter from the schema file alone.

use schemars::generate::SchemaSettings;
use serde_json::Value;

use crate::envelope::{Request, Response};
use crate::time::{LOCAL_TIME_PATTERN, LOCAL_TIME_PATTERN_STRICT};

/// Which envelope a payload is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// The request body, with `params`.
    Request,
    /// The response body, with `code`.
    Response,
}

impl Kind {
    /// Both kinds, requests first.
    pub const ALL: [Kind; 2] = [Kind::Request, Kind::Response];

    /// `request` or `response`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Request => "request",
            Kind::Response => "response",
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a schema treats the documented quirks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Variant {
    /// Accepts single-digit seconds in local times and unknown members.
    Tolerant,
    /// The contract to the letter: canonical local times, closed objects.
    Strict,
}

impl Variant {
    /// Both variants, tolerant first.
    pub const ALL: [Variant; 2] = [Variant::Tolerant, Variant::Strict];
}

/// The file name of a schema under `schemas/`, such as `order-get.response.schema.json`.
///
/// # Examples
///
/// ```
/// use cloudstorage_contract::schema::{file_name, Kind, Variant};
///
/// assert_eq!(file_name(Kind::Request, Variant::Strict), "order-get.request.strict.schema.json");
/// ```
pub fn file_name(kind: Kind, variant: Variant) -> String {
    match variant {
        Variant::Tolerant => format!("order-get.{kind}.schema.json"),
        Variant::Strict => format!("order-get.{kind}.strict.schema.json"),
    }
}

/// Derives a schema from the types.
///
/// # Examples
///
/// ```
/// use cloudstorage_contract::schema::{generate, Kind, Variant};
///
/// let schema = generate(Kind::Response, Variant::Tolerant);
/// assert_eq!(schema["required"], serde_json::json!(["code"]));
/// ```
pub fn generate(kind: Kind, variant: Variant) -> Value {
    let mut settings = SchemaSettings::draft2020_12();
    settings.inline_subschemas = true;
    let generator = settings.into_generator();
    let schema = match kind {
        Kind::Request => generator.into_root_schema_for::<Request>(),
        Kind::Response => generator.into_root_schema_for::<Response>(),
    };
    let mut value = schema.to_value();
    portable_integer_bounds(&mut value);
    if kind == Kind::Response {
        describe_codes(&mut value);
    }
    if variant == Variant::Strict {
        if let Some(title) = value.get_mut("title") {
            *title = format!("{} (strict)", title.as_str().unwrap_or_default()).into();
        }
        close_objects_and_require_canonical_times(&mut value);
    }
    value
}

/// Replaces schemars' integer formats (`int32`, `uint64`, ...) with the `minimum` and `maximum`
/// they stand for. Those formats are not in the JSON Schema vocabulary: most validators ignore
/// them, and ajv's strict mode refuses the schema. Bounds say the same thing portably, and keep
/// the schema in step with what the Rust integer types accept.
fn portable_integer_bounds(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            let bounds = match map.get("format").and_then(Value::as_str) {
                Some("int8") => Some((i8::MIN.into(), i8::MAX.into())),
                Some("uint8") => Some((0.into(), u8::MAX.into())),
                Some("int16") => Some((i16::MIN.into(), i16::MAX.into())),
                Some("uint16") => Some((0.into(), u16::MAX.into())),
                Some("int32") => Some((i32::MIN.into(), i32::MAX.into())),
                Some("uint32") => Some((0.into(), u32::MAX.into())),
                Some("int64") => Some((i64::MIN.into(), i64::MAX.into())),
                Some("uint64") => Some((0.into(), u64::MAX.into())),
                _ => None,
            };
            if let Some((min, max)) = bounds {
                map.remove("format");
                // A tighter bound from the type's own attributes (`copies` >= 1) wins.
                map.entry("minimum").or_insert(Value::Number(min));
                map.insert("maximum".into(), Value::Number(max));
            }
            map.values_mut().for_each(portable_integer_bounds);
        }
        Value::Array(items) => items.iter_mut().for_each(portable_integer_bounds),
        _ => {}
    }
}

/// Writes the description of the response's `code` from the table of documented codes
/// ([`crate::codes::DOCUMENTED`]), so that a reader of the schema file alone learns what each
/// code means, and the list is kept in one place. (Not in `Response`'s doc comment: the envelope
/// would then depend on the table, which builds envelopes.)
fn describe_codes(schema: &mut Value) {
    use crate::codes::{DOCUMENTED, Issuer};
    let list = |issuer: Issuer| {
        let codes: Vec<String> = DOCUMENTED
            .iter()
            .filter(|c| c.issuer == issuer)
            .map(|c| format!("{} {}", c.code, c.message))
            .collect();
        codes.join(", ")
    };
    let text = format!(
        "Return code (接口返回码): 200 means success; any other code is a failure, with `data` \
         null. The API gateway's documented codes: {}. The endpoint's business codes: {}. A code \
         outside these lists is not a contract violation.",
        list(Issuer::Gateway),
        list(Issuer::Business)
    );
    if let Some(code) = schema.pointer_mut("/properties/code")
        && let Some(map) = code.as_object_mut()
    {
        map.insert("description".into(), text.into());
    }
}

/// The strict variant's edits, applied to every subschema: object types with declared `properties`
/// get `additionalProperties: false`, and the tolerant local-time pattern becomes the canonical
/// one. The schema is a handful of levels deep, so recursion is bounded.
fn close_objects_and_require_canonical_times(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            let is_object_type = match map.get("type") {
                Some(Value::String(t)) => t == "object",
                Some(Value::Array(ts)) => ts.iter().any(|t| t == "object"),
                _ => false,
            };
            // Only object *types* close: the `if`/`then` subschemas also list `properties`, and
            // closing them would reject every member they do not name.
            if is_object_type && map.contains_key("properties") {
                map.insert("additionalProperties".into(), Value::Bool(false));
            }
            if map.get("pattern").and_then(Value::as_str) == Some(LOCAL_TIME_PATTERN) {
                map.insert("pattern".into(), LOCAL_TIME_PATTERN_STRICT.into());
            }
            map.values_mut()
                .for_each(close_objects_and_require_canonical_times);
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(close_objects_and_require_canonical_times),
        _ => {}
    }
}

/// A derived schema as the pretty JSON text committed under `schemas/`, with a final newline.
pub fn generate_text(kind: Kind, variant: Variant) -> String {
    // Serializing a `Value` into a `String` cannot fail: its keys are strings.
    let mut text = serde_json::to_string_pretty(&generate(kind, variant)).unwrap_or_default();
    text.push('\n');
    text
}

/// The committed schema text the validator runs, embedded at build time.
pub fn committed(kind: Kind, variant: Variant) -> &'static str {
    match (kind, variant) {
        (Kind::Request, Variant::Tolerant) => {
            include_str!("../schemas/order-get.request.schema.json")
        }
        (Kind::Request, Variant::Strict) => {
            include_str!("../schemas/order-get.request.strict.schema.json")
        }
        (Kind::Response, Variant::Tolerant) => {
            include_str!("../schemas/order-get.response.schema.json")
        }
        (Kind::Response, Variant::Strict) => {
            include_str!("../schemas/order-get.response.strict.schema.json")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_description_of_code_names_every_documented_code() {
        for variant in Variant::ALL {
            let schema = generate(Kind::Response, variant);
            let text = schema["properties"]["code"]["description"]
                .as_str()
                .unwrap_or_default();
            for code in crate::codes::DOCUMENTED {
                assert!(
                    text.contains(&format!("{} {}", code.code, code.message)),
                    "{text}"
                );
            }
        }
    }
}

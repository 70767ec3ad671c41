//! The reference engine: the committed JSON Schema, run by the `jsonschema` crate, is what a
//! payload must satisfy. The one-pass engine (`engine.rs`) is held to this one.
//!
//! Three stages feed the findings:
//! 1. **JSON text** (`text.rs`): syntax, UTF-8, limits and duplicate keys, with the byte offset
//!    of every value, into a `serde_json::Value`.
//! 2. **The committed schema** (tolerant variant), compiled once with format assertions on. Its
//!    errors become findings with this crate's rule ids and wording (never the schema library's,
//!    which may print a credential), one per defect; then the members the contract does not
//!    define, and integers written with a fraction, which JSON Schema counts as integers.
//! 3. **Semantic rules** (`semantic.rs`) over the facts read out of the value, skipping any
//!    value a schema finding is about.

use std::borrow::Cow;

use jsonschema::error::ValidationErrorKind;
use serde_json::Value;

use crate::contract::{Contract, Envelope};
use crate::error::Error;
use crate::findings::{Findings, Sink};
use crate::message::{self, Field};
use crate::pointer::{self, at};
use crate::rules::Rule;
use crate::schema::{self, Kind, Variant};
use crate::semantic::{self, FactValue, Facts, Zone};
use crate::text::{self, Limits, Spans, TextError};

/// The committed schemas, compiled.
#[derive(Debug)]
pub(crate) struct Reference {
    request: jsonschema::Validator,
    response: jsonschema::Validator,
}

/// A payload the reference parsed and judged as an object of a kind.
pub(crate) struct Judged {
    pub(crate) kind: Kind,
    pub(crate) value: Value,
}

/// The committed schemas, compiled once per process on first use: the one-pass engine never
/// waits for them, and every validator of the reference engine shares them. The error is the
/// `Display` of the internal [`Error`] (the committed schema should always compile).
pub(crate) fn shared() -> Result<&'static Reference, &'static str> {
    static SHARED: std::sync::LazyLock<Result<Reference, String>> =
        std::sync::LazyLock::new(|| Reference::new().map_err(|e| e.to_string()));
    SHARED.as_ref().map_err(String::as_str)
}

impl Reference {
    fn new() -> Result<Reference, Error> {
        let compile = |kind| {
            let text = schema::committed(kind, Variant::Tolerant);
            let value: Value = serde_json::from_str(text)
                .map_err(|e| Error::internal(format!("the committed {kind} schema: {e}")))?;
            jsonschema::draft202012::options()
                .should_validate_formats(true)
                .build(&value)
                .map_err(|e| Error::internal(format!("the committed {kind} schema: {e}")))
        };
        Ok(Reference {
            request: compile(Kind::Request)?,
            response: compile(Kind::Response)?,
        })
    }

    /// Judges `bytes` into `findings`; returns the parsed value when it is an object of a
    /// known kind, and the kind reported.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn judge(
        &self,
        bytes: &[u8],
        kind: Option<Kind>,
        contract: &Contract,
        limits: &Limits,
        zone: Option<&Zone>,
        asked: Option<&Facts<'_>>,
        findings: &mut Findings<'_>,
    ) -> (Option<Kind>, Option<Judged>) {
        let parsed = match text::parse(bytes, limits) {
            Ok(parsed) => parsed,
            Err(e) => {
                text_error(findings, bytes, e);
                return (kind, None);
            }
        };
        let text::Parsed {
            value,
            spans,
            duplicates,
            omitted_duplicates,
        } = parsed;
        for d in duplicates {
            let (message, hint) = message::duplicate_key(&d.pointer);
            findings.push_at(
                Rule::DuplicateKey,
                d.pointer.into(),
                d.offset,
                message,
                hint,
            );
        }
        findings.count_unlisted(Rule::DuplicateKey, omitted_duplicates);
        let mut at_spans = Spanned {
            findings,
            spans: &spans,
        };
        if !value.is_object() {
            at_spans.push(
                Rule::NotAnObject,
                "".into(),
                message::not_an_object(&value),
                None,
            );
            text::dispose(value);
            return (kind, None);
        }
        let Some(kind) = kind.or_else(|| detect(&value, &mut at_spans)) else {
            text::dispose(value);
            return (None, None);
        };
        let envelope = contract.envelope(kind);
        let compiled = match kind {
            Kind::Request => &self.request,
            Kind::Response => &self.response,
        };
        schema_stage(&mut at_spans, compiled, &value);
        unknown_members(&mut at_spans, envelope, &value);
        integers_without_fraction(&mut at_spans, envelope, &value, bytes);
        let facts = facts(at_spans.findings, envelope, &value);
        semantic::judge(&mut at_spans, kind, &facts, zone);
        if let Some(asked) = asked {
            semantic::exchange(&mut at_spans, asked, &facts);
        }
        drop(facts);
        (Some(kind), Some(Judged { kind, value }))
    }
}

/// The facts of a parsed payload, as the rules read them: values no schema finding is about.
pub(crate) fn facts<'v>(
    findings: &Findings<'_>,
    envelope: &Envelope,
    value: &'v Value,
) -> Facts<'v> {
    let mut facts = Facts::default();
    for member in &envelope.slots {
        if findings.is_tainted(&member.pointer) {
            continue;
        }
        let found = at(value, &member.pointer);
        if member.order {
            facts.order = found.is_some_and(Value::is_object);
        }
        let (Some(fact), Some(found)) = (member.fact, found) else {
            continue;
        };
        let read = match found {
            Value::String(s) => Some(FactValue::Text(s.as_str().into())),
            Value::Number(n) => n
                .as_u64()
                .map(FactValue::Unsigned)
                .or_else(|| n.as_i64().map(FactValue::Signed)),
            _ => None,
        };
        if let Some(read) = read {
            facts.set(fact, read);
        }
    }
    facts
}

/// Findings placed at the values their pointers name, through the spans.
struct Spanned<'s, 'f, 'p> {
    findings: &'f mut Findings<'p>,
    spans: &'s Spans,
}

impl Spanned<'_, '_, '_> {
    /// A finding at the key of the member `pointer` names.
    fn push_key(
        &mut self,
        rule: Rule,
        pointer: Cow<'static, str>,
        message: String,
        hint: Option<Cow<'static, str>>,
    ) {
        let offset = self
            .spans
            .key(&pointer)
            .or_else(|| self.spans.value(&pointer))
            .unwrap_or(0);
        self.findings.push_at(rule, pointer, offset, message, hint);
    }
}

impl Sink for Spanned<'_, '_, '_> {
    fn push(
        &mut self,
        rule: Rule,
        pointer: Cow<'static, str>,
        message: String,
        hint: Option<Cow<'static, str>>,
    ) {
        let offset = self.spans.value(&pointer).unwrap_or(0);
        self.findings.push_at(rule, pointer, offset, message, hint);
    }
}

/// Detects the kind of an object payload, or reports why it cannot.
fn detect(value: &Value, findings: &mut impl Sink) -> Option<Kind> {
    let has = |k| value.get(k).is_some();
    match (has("params"), has("code")) {
        (true, false) => Some(Kind::Request),
        (false, true) => Some(Kind::Response),
        (both, _) => {
            let (message, hint) = message::unknown_kind(both);
            findings.push(Rule::UnknownKind, "".into(), message, hint);
            None
        }
    }
}

/// The finding of a text that is not one acceptable JSON text.
pub(crate) fn text_error(findings: &mut Findings<'_>, bytes: &[u8], e: TextError) {
    let (rule, offset, message, hint): (_, _, _, Option<Cow<'static, str>>) = match e {
        TextError::Empty if bytes.is_empty() => {
            (Rule::EmptyInput, 0, "the input is empty".to_owned(), None)
        }
        TextError::Empty => (
            Rule::EmptyInput,
            0,
            "the input holds only whitespace, expected a JSON object".to_owned(),
            None,
        ),
        TextError::TooLarge { len, max } => (
            Rule::TooLarge,
            0,
            format!("the input is {len} bytes, over the limit of {max}"),
            Some("raise the limit if such payloads are expected".into()),
        ),
        TextError::InvalidUtf8 { offset } => {
            let byte = bytes.get(offset).copied().unwrap_or_default();
            (
                Rule::InvalidUtf8,
                offset,
                format!("byte 0x{byte:02X} is not UTF-8, expected UTF-8 text (RFC 8259)"),
                Some("re-encode the text as UTF-8; GBK and Latin-1 are not JSON encodings".into()),
            )
        }
        TextError::Syntax { offset, message } => (Rule::InvalidJson, offset, message, None),
        TextError::TrailingData { offset } => (
            Rule::TrailingData,
            offset,
            "data after the end of the JSON value".to_owned(),
            Some("one payload per input; for many, use NDJSON (one payload per line)".into()),
        ),
        TextError::TooDeep { offset, max } => (
            Rule::TooDeep,
            offset,
            format!("nesting goes deeper than the limit of {max} levels"),
            Some("the contract nests two levels deep".into()),
        ),
    };
    findings.push_at(rule, "".into(), offset, message, hint);
}

/// Stage 2: the committed schema. Several errors at one value are one defect: the most
/// telling is kept (a wrong type says more than the pattern the wrong type also fails).
fn schema_stage(
    at_spans: &mut Spanned<'_, '_, '_>,
    compiled: &jsonschema::Validator,
    value: &Value,
) {
    // (pointer, missing member) → (priority, rule, message)
    let mut kept: Vec<((String, String), u8, Rule, String)> = Vec::new();
    for error in compiled.iter_errors(value) {
        let pointer = error.instance_path().as_str().to_owned();
        let from_then = error.schema_path().as_str().starts_with("/then");
        let instance = error.instance();
        let (priority, rule, member, message) = match error.kind() {
            ValidationErrorKind::Type { .. } if from_then => (
                0,
                Rule::MissingData,
                String::new(),
                message::missing_data(Some(instance)),
            ),
            ValidationErrorKind::Required { property } if from_then => (
                0,
                Rule::MissingData,
                property.as_str().unwrap_or_default().to_owned(),
                message::missing_data(None),
            ),
            ValidationErrorKind::Type { kind } => {
                let expected = match kind {
                    jsonschema::error::TypeKind::Single(t) => vec![t.to_string()],
                    jsonschema::error::TypeKind::Multiple(set) => {
                        set.iter().map(|t| t.to_string()).collect()
                    }
                };
                let expected = message::expected_types(expected.iter().map(String::as_str));
                (
                    1,
                    Rule::WrongType,
                    String::new(),
                    message::wrong_type(&pointer, instance, &expected),
                )
            }
            ValidationErrorKind::Required { property } => {
                let member = property.as_str().unwrap_or_default().to_owned();
                let message = message::missing_member(&pointer, &member);
                (1, Rule::MissingField, member, message)
            }
            ValidationErrorKind::Enum { .. } => (
                2,
                Rule::InvalidEnum,
                String::new(),
                message::not_in_enum(
                    &pointer,
                    instance,
                    &message::expected_enum(&Field::new(&pointer).name),
                ),
            ),
            ValidationErrorKind::Pattern { pattern } => (
                3,
                Rule::MalformedValue,
                String::new(),
                message::pattern_mismatch(&pointer, instance, pattern),
            ),
            ValidationErrorKind::Format { format } => (
                4,
                Rule::ImpossibleTime,
                String::new(),
                message::not_real(&pointer, instance, format),
            ),
            ValidationErrorKind::Minimum { limit } => (
                5,
                Rule::OutOfRange,
                String::new(),
                message::out_of_range(&pointer, instance, "at least", limit),
            ),
            ValidationErrorKind::Maximum { limit } => (
                5,
                Rule::OutOfRange,
                String::new(),
                message::out_of_range(&pointer, instance, "at most", limit),
            ),
            // Every keyword of the committed schemas has its rule above: another one means
            // the schema and this mapping disagree, a bug and not a verdict. The masked
            // message never shows the value, so never a credential.
            _ => {
                at_spans.findings.internal(format!(
                    "the committed schema's `{}` at `{pointer}` has no rule: {}",
                    error.schema_path().as_str(),
                    error.masked()
                ));
                continue;
            }
        };
        let key = (pointer, member);
        match kept.iter_mut().find(|k| k.0 == key) {
            Some(k) if k.1 <= priority => {}
            Some(k) => *k = (key, priority, rule, message),
            None => kept.push((key, priority, rule, message)),
        }
    }
    for ((pointer, member), _, rule, message) in kept {
        let present = |p: &str| at(value, p).is_some();
        let hint = message::hint_for(rule, &pointer, &member, at(value, &pointer), &present);
        at_spans.findings.taint(&pointer, &member);
        at_spans.push(rule, pointer.into(), message, hint);
    }
}

/// Members the contract does not define, found by walking the value along the description.
fn unknown_members(at_spans: &mut Spanned<'_, '_, '_>, envelope: &Envelope, value: &Value) {
    let mut objects = vec![&envelope.root];
    objects.extend(
        envelope
            .members()
            .into_iter()
            .filter_map(|m| m.object.as_ref()),
    );
    for object in objects {
        let Some(Value::Object(map)) = at(value, &object.pointer) else {
            continue;
        };
        let names: Vec<&str> = object.names().collect();
        for name in map.keys() {
            if names.contains(&name.as_str()) {
                continue;
            }
            let member = pointer::child(&object.pointer, name);
            let message = message::unknown_member(name, &object.pointer, envelope.kind);
            let hint = message::unknown_member_hint(name, &names);
            at_spans.push_key(Rule::UnknownField, member.into(), message, hint);
        }
    }
}

/// JSON Schema counts `200.0` as an integer; the platform's `Int` and the types do not. A
/// number written with a fraction or an exponent where an integer belongs is a wrong type.
fn integers_without_fraction(
    at_spans: &mut Spanned<'_, '_, '_>,
    envelope: &Envelope,
    value: &Value,
    bytes: &[u8],
) {
    for member in &envelope.slots {
        if !member.integer || at_spans.findings.is_tainted(&member.pointer) {
            continue;
        }
        if let Some(Value::Number(n)) = at(value, &member.pointer)
            && n.is_f64()
        {
            // The number as written (`1.00`, `-0`, `1e2`), not as parsed.
            let written = at_spans
                .spans
                .value(&member.pointer)
                .and_then(|start| raw_number(bytes, start))
                .unwrap_or_else(|| n.to_string());
            let message = message::written_with_fraction(&member.pointer, &written);
            at_spans.push(
                Rule::WrongType,
                member.pointer.clone().into(),
                message,
                None,
            );
        }
    }
}

/// The text of the number at `start`, as written in the input.
fn raw_number(bytes: &[u8], start: usize) -> Option<String> {
    let rest = bytes.get(start..)?;
    let len = rest
        .iter()
        .take_while(|b| matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
        .count();
    std::str::from_utf8(rest.get(..len)?)
        .ok()
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::Policy;
    use crate::rules::RULES;

    /// A schema keyword that no rule describes is an internal error, not a verdict.
    #[test]
    fn a_keyword_without_a_rule_is_an_internal_error() {
        let schema = serde_json::json!({
            "type": "object",
            "properties": {"a": {"type": "string", "minLength": 3}}
        });
        let compiled = jsonschema::draft202012::new(&schema).expect("a schema");
        let bytes = br#"{"a": "x", "b": 1}"#;
        let limits = Limits {
            max_bytes: 1 << 20,
            max_depth: 64,
        };
        let parsed = text::parse(bytes, &limits).expect("JSON");
        let policy = Policy {
            severities: std::array::from_fn(|i| Some(RULES[i].default_severity)),
            max_diagnostics: 10,
        };
        let mut findings = Findings::new(&policy);
        let mut at_spans = Spanned {
            findings: &mut findings,
            spans: &parsed.spans,
        };
        schema_stage(&mut at_spans, &compiled, &parsed.value);
        let report = findings.finish(bytes, Some(Kind::Response), None);
        assert!(report.diagnostics().is_empty(), "{report:?}");
        assert!(!report.conforms());
        let internal = report.internal_error().expect("an internal error");
        assert!(
            internal.contains("minLength") && internal.contains("`/a`"),
            "{internal}"
        );
        // The value is never shown: it could be a credential.
        assert!(!internal.contains("\"x\""), "{internal}");
    }
}

//! The validator: payload bytes in, a [`Report`] out.
//!
//! Three stages feed one report:
//! 1. **JSON text** (`text.rs`): syntax, UTF-8, limits and duplicate keys, with the byte offset
//!    of every value, so that every later finding has a line and column.
//! 2. **The committed JSON Schema** (tolerant variant), compiled once with format assertions
//!    on. Its errors become diagnostics with this crate's rule ids and messages (never the
//!    schema library's, which may print a credential), one per defect.
//! 3. **Semantic rules** (`semantic.rs`) over what the schema cannot say. They skip any value
//!    the schema already faulted, so that one defect gives one diagnostic.
//!
//! When no error remains, the value is deserialized into the types: "parse, don't validate".

use std::collections::HashMap;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde_json::Value;

use crate::diagnostic::{Diagnostic, Payload, Report};
use crate::envelope::{Request, Response};
use crate::error::Error;
use crate::message::{Field, describe, expected_enum, expected_pattern, hint_for};
use crate::object;
use crate::position::LineIndex;
use crate::rules::{Level, RULES, Rule, Severity};
use crate::scan;
use crate::schema::{self, Kind, Variant};
use crate::semantic;
use crate::text::{self, Limits, Parsed, TextError};

/// The default largest payload, in bytes: far above any real `order/get` body (about 600 bytes).
pub const DEFAULT_MAX_BYTES: usize = 16 * 1024 * 1024;
/// The default deepest nesting. The contract itself is three levels deep.
pub const DEFAULT_MAX_DEPTH: usize = 64;
/// The deepest nesting that can be configured: parsed values are dropped recursively.
pub const MAX_DEPTH_CAP: usize = 1024;
/// How deep the contract nests: members of `data`, `request` and `params` are at depth 2.
const CONTRACT_DEPTH: usize = 2;
/// The default number of diagnostics kept per payload.
pub const DEFAULT_MAX_DIAGNOSTICS: usize = 100;

/// Which rule set applies before per-rule overrides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Profile {
    /// Documented quirks and unknown members are warnings.
    #[default]
    Default,
    /// Every warning is an error.
    Strict,
}

/// How a [`Validator`] judges payloads.
///
/// # Examples
///
/// ```
/// use cloudstorage_contract::{Level, Options, Profile, Rule, Validator};
///
/// let options = Options::default()
///     .profile(Profile::Strict)
///     .time_zone("Asia/Shanghai")
///     .level(Rule::UnknownField, Level::Allow);
/// let validator = Validator::new(options)?;
/// # Ok::<(), cloudstorage_contract::Error>(())
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Options {
    profile: Profile,
    time_zone: Option<String>,
    levels: Vec<(Rule, Level)>,
    max_bytes: usize,
    max_depth: usize,
    max_diagnostics: usize,
    keep_payload: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            profile: Profile::Default,
            time_zone: None,
            levels: Vec::new(),
            max_bytes: DEFAULT_MAX_BYTES,
            max_depth: DEFAULT_MAX_DEPTH,
            max_diagnostics: DEFAULT_MAX_DIAGNOSTICS,
            keep_payload: true,
        }
    }
}

impl Options {
    /// The profile: [`Profile::Default`] or [`Profile::Strict`].
    #[must_use]
    pub fn profile(mut self, profile: Profile) -> Self {
        self.profile = profile;
        self
    }

    /// An IANA time zone, such as `Asia/Shanghai`: each local time must then match the zone's
    /// offset at its instant, daylight saving included. Without one, any real UTC offset is
    /// accepted.
    #[must_use]
    pub fn time_zone(mut self, name: impl Into<String>) -> Self {
        self.time_zone = Some(name.into());
        self
    }

    /// Sets a rule's level, after the profile. Later calls for the same rule win.
    #[must_use]
    pub fn level(mut self, rule: Rule, level: Level) -> Self {
        self.levels.push((rule, level));
        self
    }

    /// The largest payload accepted, in bytes.
    #[must_use]
    pub fn max_bytes(mut self, bytes: usize) -> Self {
        self.max_bytes = bytes;
        self
    }

    /// The deepest nesting accepted (at most [`MAX_DEPTH_CAP`]).
    #[must_use]
    pub fn max_depth(mut self, depth: usize) -> Self {
        self.max_depth = depth;
        self
    }

    /// How many diagnostics a report keeps; the rest are counted in [`Report::dropped`].
    #[must_use]
    pub fn max_diagnostics(mut self, count: usize) -> Self {
        self.max_diagnostics = count;
        self
    }

    /// Whether the report of a conforming payload carries it as a typed value
    /// ([`Report::payload`]); the default is `true`.
    ///
    /// Without it, a clean payload is checked on a borrowed view of its bytes that keeps no
    /// string, which is faster: for callers that need only the verdict and the diagnostics,
    /// such as a command line or a gateway. The verdict and the diagnostics are the same.
    ///
    /// # Examples
    ///
    /// ```
    /// use cloudstorage_contract::{Options, Validator};
    ///
    /// let verdicts = Validator::new(Options::default().keep_payload(false))?;
    /// let report = verdicts.validate(br#"{"code": 460, "message": "auth failed", "data": null}"#);
    /// assert!(report.conforms());
    /// assert!(report.payload().is_none());
    /// # Ok::<(), cloudstorage_contract::Error>(())
    /// ```
    #[must_use]
    pub fn keep_payload(mut self, keep: bool) -> Self {
        self.keep_payload = keep;
        self
    }
}

/// A compiled contract: build it once, then validate any number of payloads, from any number
/// of threads.
///
/// # Examples
///
/// ```
/// use cloudstorage_contract::{Options, Rule, Validator};
///
/// let validator = Validator::new(Options::default())?;
/// let report = validator.validate(br#"{"code": 460, "message": "auth failed", "data": null}"#);
/// assert!(report.conforms());
/// assert_eq!(report.response().map(|r| r.code), Some(460));
///
/// let report = validator.validate(br#"{"code": "200"}"#);
/// assert!(!report.conforms());
/// let d = &report.diagnostics()[0];
/// assert_eq!((d.rule(), d.pointer()), (Rule::WrongType, "/code"));
/// assert_eq!((d.position().line, d.position().column), (1, 10));
/// # Ok::<(), cloudstorage_contract::Error>(())
/// ```
#[derive(Debug)]
pub struct Validator {
    request: Compiled,
    response: Compiled,
    severities: [Option<Severity>; RULES.len()],
    time_zone: Option<semantic::Zone>,
    limits: Limits,
    max_diagnostics: usize,
    keep_payload: bool,
}

/// One envelope's compiled schema and the members each of its objects defines.
#[derive(Debug)]
struct Compiled {
    schema: jsonschema::Validator,
    /// Object pointer (such as `/data`) → the member names its schema defines.
    known: HashMap<String, Vec<String>>,
}

impl Compiled {
    fn new(kind: Kind) -> Result<Compiled, Error> {
        let text = schema::committed(kind, Variant::Tolerant);
        let value: Value = serde_json::from_str(text)
            .map_err(|e| Error::internal(format!("the committed {kind} schema: {e}")))?;
        let schema = jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&value)
            .map_err(|e| Error::internal(format!("the committed {kind} schema: {e}")))?;
        let mut known = HashMap::new();
        collect_known_members(&value, String::new(), &mut known);
        Ok(Compiled { schema, known })
    }
}

/// Walks a schema's nested `properties` and records, for each object's pointer, its members.
fn collect_known_members(schema: &Value, pointer: String, out: &mut HashMap<String, Vec<String>>) {
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return;
    };
    out.insert(pointer.clone(), properties.keys().cloned().collect());
    for (name, sub) in properties {
        collect_known_members(sub, format!("{pointer}/{}", escape(name)), out);
    }
}

/// The value at `pointer`, like [`Value::pointer`] but without allocating for a pointer with no
/// escapes (`~0`, `~1`): the rules look up a few fixed pointers in every payload they judge.
pub(crate) fn at<'v>(value: &'v Value, pointer: &str) -> Option<&'v Value> {
    if pointer.contains('~') {
        return value.pointer(pointer);
    }
    let Some(tokens) = pointer.strip_prefix('/') else {
        return pointer.is_empty().then_some(value);
    };
    tokens
        .split('/')
        .try_fold(value, |target, token| match target {
            Value::Object(map) => map.get(token),
            Value::Array(items) => items.get(text::array_index(token)?),
            _ => None,
        })
}

/// RFC 6901 escaping of one pointer segment.
pub(crate) fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

impl Validator {
    /// Compiles the contract.
    ///
    /// # Errors
    ///
    /// When the time zone is unknown, when an override tries to allow or downgrade a fatal
    /// rule (such as `invalid-json`: without JSON there is nothing to check), or when the depth
    /// limit is above [`MAX_DEPTH_CAP`].
    pub fn new(options: Options) -> Result<Validator, Error> {
        let mut severities = [None; RULES.len()];
        for row in RULES {
            severities[row.rule as usize] = Some(match options.profile {
                Profile::Default => row.default_severity,
                Profile::Strict => Severity::Error,
            });
        }
        for &(rule, level) in &options.levels {
            if rule.info().fatal && level != Level::Deny {
                return Err(Error::usage(format!(
                    "rule `{rule}` cannot be allowed or downgraded: without it there is nothing to check"
                )));
            }
            severities[rule as usize] = match level {
                Level::Allow => None,
                Level::Warn => Some(Severity::Warning),
                Level::Deny => Some(Severity::Error),
            };
        }
        let time_zone = match options.time_zone {
            None => None,
            Some(name) => {
                // The bundled database, not the system's: the same verdict on every machine.
                let zone = jiff::tz::TimeZoneDatabase::bundled().get(&name).map_err(|_| {
                    Error::usage(format!(
                        "unknown time zone `{name}`, expected an IANA name such as `Asia/Shanghai`"
                    ))
                })?;
                Some((name, zone))
            }
        };
        if options.max_depth > MAX_DEPTH_CAP {
            return Err(Error::usage(format!(
                "a depth limit of {} is above the maximum of {MAX_DEPTH_CAP}",
                options.max_depth
            )));
        }
        Ok(Validator {
            request: Compiled::new(Kind::Request)?,
            response: Compiled::new(Kind::Response)?,
            severities,
            time_zone,
            limits: Limits {
                max_bytes: options.max_bytes,
                max_depth: options.max_depth,
            },
            max_diagnostics: options.max_diagnostics,
            keep_payload: options.keep_payload,
        })
    }

    /// Validates a payload of either kind: an object with `params` is a request, one with
    /// `code` a response.
    pub fn validate(&self, bytes: &[u8]) -> Report {
        self.run(bytes, None)
    }

    /// Validates a request body.
    pub fn validate_request(&self, bytes: &[u8]) -> Report {
        self.run(bytes, Some(Kind::Request))
    }

    /// Validates a response body.
    pub fn validate_response(&self, bytes: &[u8]) -> Report {
        self.run(bytes, Some(Kind::Response))
    }

    /// Validates a request and its response together: each on its own, and the response's
    /// `data.iotId` and `data.orderId` against the request's `params`. A mismatch is reported
    /// in the response's report, at the response's value.
    ///
    /// # Examples
    ///
    /// ```
    /// use cloudstorage_contract::{Options, Rule, Validator};
    ///
    /// let validator = Validator::new(Options::default())?;
    /// let request = std::fs::read("examples/page/request.json").unwrap();
    /// let response = std::fs::read("examples/page/response-success.json").unwrap();
    /// let exchange = validator.validate_exchange(&request, &response);
    /// assert!(exchange.request.conforms());
    /// // The page's example response is for device "123", not the requested one.
    /// let rules: Vec<Rule> = exchange.response.errors().map(|d| d.rule()).collect();
    /// assert_eq!(rules, [Rule::ExchangeMismatch]);
    /// # Ok::<(), cloudstorage_contract::Error>(())
    /// ```
    pub fn validate_exchange(&self, request: &[u8], response: &[u8]) -> Exchange {
        // The full path for both: the comparison reads the parsed values.
        let (request_report, request_value) =
            self.run_with(request, Some(Kind::Request), |_, _| {});
        let (mut response_report, response_value) =
            self.run_with(response, Some(Kind::Response), |findings, value| {
                if let Some(request_value) = &request_value {
                    semantic::exchange(findings, request_value, value);
                }
            });
        for value in [request_value, response_value].into_iter().flatten() {
            text::dispose(value);
        }
        response_report.kind = Some(Kind::Response);
        Exchange {
            request: request_report,
            response: response_report,
        }
    }

    fn run(&self, bytes: &[u8], kind: Option<Kind>) -> Report {
        let fast = if self.keep_payload {
            self.fast(bytes, kind).map_or(Fast::Unknown, Fast::Clean)
        } else {
            self.fast_view(bytes, kind)
        };
        let (report, value) = match fast {
            Fast::Clean(report) => return report,
            Fast::Semantic(kind) => self.run_stages(bytes, Some(kind), Stages::Semantic, |_, _| {}),
            Fast::Unknown => self.run_with(bytes, kind, |_, _| {}),
        };
        if let Some(value) = value {
            text::dispose(value);
        }
        report
    }

    /// The fast path, for the common case of a clean payload: one typed parse straight from
    /// the bytes, no `Value` tree, no positions. It answers only "clean", with the typed value;
    /// anything else (a parse error, an unknown, duplicate or `null` optional member, any
    /// semantic finding even one the user allowed) returns `None` and the full path decides,
    /// with positions and messages. So the fast path can never accept what the full path
    /// rejects, and a property test checks that the two agree.
    fn fast(&self, bytes: &[u8], kind: Option<Kind>) -> Option<Report> {
        let (kind, text) = self.fast_kind(bytes, kind)?;
        let mut de = serde_json::Deserializer::from_str(text);
        // Duplicate members of the contract are refused by the derived code; any other member
        // the types skip shows as a difference between the members read and the members held.
        object::reset_members();
        let payload = match kind {
            Kind::Request => Payload::Request(Box::new(
                <Request as serde::Deserialize>::deserialize(&mut de).ok()?,
            )),
            Kind::Response => Payload::Response(Box::new(
                <Response as serde::Deserialize>::deserialize(&mut de).ok()?,
            )),
        };
        de.end().ok()?;
        if object::members() != members_held(&payload) {
            return None;
        }
        let mut tripwire = semantic::Tripwire::default();
        semantic::check_typed(&mut tripwire, &payload, self.time_zone.as_ref());
        if tripwire.fired {
            return None;
        }
        Some(Report::clean(kind, Some(payload)))
    }

    /// The kind a fast path tries and the payload as text, or `None` when the limits or the
    /// encoding rule a fast path out. The whole payload is checked as UTF-8 once, which is
    /// faster than serde_json checking every string on its own.
    fn fast_kind<'b>(&self, bytes: &'b [u8], kind: Option<Kind>) -> Option<(Kind, &'b str)> {
        if bytes.len() > self.limits.max_bytes || self.limits.max_depth < CONTRACT_DEPTH {
            return None;
        }
        let text = std::str::from_utf8(bytes).ok()?;
        // A clean response has `code` and no `params` (an unknown member here), a clean
        // request the reverse; so trying the kind the bytes suggest cannot misjudge one.
        let kind = kind.unwrap_or_else(|| {
            if CODE.find(bytes).is_some() {
                Kind::Response
            } else {
                Kind::Request
            }
        });
        Some((kind, text))
    }

    /// The fast path without a typed payload ([`Options::keep_payload`]): one scan of the bytes
    /// against the contract's members (`scan.rs`), which keeps nothing and gives up on
    /// anything the full path might report, then the semantic rules. It answers "clean" only
    /// when nothing fires. When the scan passes but a semantic rule fires, the payload is
    /// structurally clean: the text, the schema, the members and the integers are as the full
    /// path wants them, so only the semantic stage can report anything ([`Fast::Semantic`]).
    fn fast_view(&self, bytes: &[u8], kind: Option<Kind>) -> Fast {
        let Some((kind, text)) = self.fast_kind(bytes, kind) else {
            return Fast::Unknown;
        };
        let mut tripwire = semantic::Tripwire::default();
        match kind {
            Kind::Request => {
                let Some(found) = scan::request(text) else {
                    return Fast::Unknown;
                };
                semantic::request_rules(&mut tripwire, found.api_ver, found.version);
            }
            Kind::Response => {
                let Some(found) = scan::response(text) else {
                    return Fast::Unknown;
                };
                let Some(code) = found.code else {
                    return Fast::Unknown;
                };
                let zone = self.time_zone.as_ref();
                semantic::response_rules(&mut tripwire, code, found.order_facts(), zone);
            }
        }
        if tripwire.structural {
            Fast::Unknown
        } else if tripwire.fired {
            Fast::Semantic(kind)
        } else {
            Fast::Clean(Report::clean(kind, None))
        }
    }

    /// The whole pipeline, with `extra` run after the semantic rules (for exchanges).
    fn run_with(
        &self,
        bytes: &[u8],
        kind: Option<Kind>,
        extra: impl FnOnce(&mut Findings<'_>, &Value),
    ) -> (Report, Option<Value>) {
        self.run_stages(bytes, kind, Stages::All, extra)
    }

    /// The pipeline, the structural stages left out when [`Stages::Semantic`] says that they
    /// have nothing to find.
    fn run_stages(
        &self,
        bytes: &[u8],
        kind: Option<Kind>,
        stages: Stages,
        extra: impl FnOnce(&mut Findings<'_>, &Value),
    ) -> (Report, Option<Value>) {
        let parsed = match text::parse(bytes, &self.limits) {
            Ok(parsed) => parsed,
            Err(e) => {
                let mut findings = Findings::new(self, bytes, None);
                text_error(&mut findings, bytes, e);
                return (findings.finish(bytes, kind, None), None);
            }
        };
        let Parsed {
            value,
            spans,
            duplicates,
            omitted_duplicates,
        } = parsed;
        let mut findings = Findings::new(self, bytes, Some(&spans));
        for d in duplicates {
            let name = last_segment(&d.pointer);
            let parent = Field::new(d.pointer.rsplit_once('/').map_or("", |(p, _)| p));
            findings.push_at(
                Rule::DuplicateKey,
                d.pointer.clone(),
                d.offset,
                format!("duplicate key `{name}` in {}", parent.object_name()),
                Some(
                    "parsers disagree on which of two equal keys wins (most keep the last); send \
                     each key once"
                        .into(),
                ),
            );
        }
        findings.count_unlisted(Rule::DuplicateKey, omitted_duplicates);
        if !value.is_object() {
            findings.push(
                Rule::NotAnObject,
                String::new(),
                format!(
                    "the payload is {}, expected an object",
                    describe(&value, "")
                ),
                None,
            );
            return (findings.finish(bytes, kind, None), Some(value));
        }
        let Some(kind) = kind.or_else(|| detect(&value, &mut findings)) else {
            return (findings.finish(bytes, None, None), Some(value));
        };
        if stages == Stages::All {
            let compiled = match kind {
                Kind::Request => &self.request,
                Kind::Response => &self.response,
            };
            schema_stage(&mut findings, compiled, &value);
            unknown_members(&mut findings, compiled, &value, kind);
            integers_without_fraction(&mut findings, &value, kind);
        }
        semantic::check(&mut findings, &value, kind, self.time_zone.as_ref());
        extra(&mut findings, &value);
        let payload = if findings.has_errors() || !self.keep_payload {
            None
        } else {
            typed(&mut findings, &value, kind)
        };
        (findings.finish(bytes, Some(kind), payload), Some(value))
    }

    fn severity(&self, rule: Rule) -> Option<Severity> {
        self.severities[rule as usize]
    }
}

/// The key `code`, which tells a response from a request in the fast paths' guess; built once,
/// not for every payload.
static CODE: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"\"code\""));

/// What a fast path found.
#[derive(Debug)]
enum Fast {
    /// A clean payload's report.
    Clean(Report),
    /// A payload of this kind that only the semantic stage can find fault with.
    Semantic(Kind),
    /// Anything else: the full path decides.
    Unknown,
}

/// The stages of the full path to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stages {
    All,
    /// The text and semantic stages only: a fast path found the rest clean.
    Semantic,
}

/// A request's and its response's reports.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Exchange {
    /// The request on its own.
    pub request: Report,
    /// The response on its own, plus any mismatch with the request.
    pub response: Report,
}

impl Exchange {
    /// Whether both conform and agree.
    pub fn conforms(&self) -> bool {
        self.request.conforms() && self.response.conforms()
    }
}

/// Detects the kind of an object payload, or reports why it cannot.
fn detect(value: &Value, findings: &mut Findings<'_>) -> Option<Kind> {
    let has = |k| value.get(k).is_some();
    match (has("params"), has("code")) {
        (true, false) => Some(Kind::Request),
        (false, true) => Some(Kind::Response),
        (both, _) => {
            let message = if both {
                "the payload has both `params` (a request) and `code` (a response)"
            } else {
                "the payload has neither `params` (a request) nor `code` (a response)"
            };
            findings.push(
                Rule::UnknownKind,
                String::new(),
                message.into(),
                Some("a request has `params` and a response `code`; or name the kind when validating".into()),
            );
            None
        }
    }
}

fn text_error(findings: &mut Findings<'_>, bytes: &[u8], e: TextError) {
    let (rule, offset, message, hint) = match e {
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
            Some("raise the limit if such payloads are expected".to_owned()),
        ),
        TextError::InvalidUtf8 { offset } => {
            let byte = bytes.get(offset).copied().unwrap_or_default();
            (
                Rule::InvalidUtf8,
                offset,
                format!("byte 0x{byte:02X} is not UTF-8, expected UTF-8 text (RFC 8259)"),
                Some(
                    "re-encode the text as UTF-8; GBK and Latin-1 are not JSON encodings"
                        .to_owned(),
                ),
            )
        }
        TextError::Syntax { offset, message } => (Rule::InvalidJson, offset, message, None),
        TextError::TrailingData { offset } => (
            Rule::TrailingData,
            offset,
            "data after the end of the JSON value".to_owned(),
            Some("one payload per input; for many, use NDJSON (one payload per line)".to_owned()),
        ),
        TextError::TooDeep { offset, max } => (
            Rule::TooDeep,
            offset,
            format!("nesting goes deeper than the limit of {max} levels"),
            Some("the contract nests two levels deep".to_owned()),
        ),
    };
    findings.push_at(rule, String::new(), offset, message, hint);
}

/// Stage 2: the committed schema. Several errors at one value are one defect: the most
/// telling is kept (a wrong type says more than the pattern the wrong type also fails).
fn schema_stage(findings: &mut Findings<'_>, compiled: &Compiled, value: &Value) {
    // (pointer, missing member) → (priority, rule, message)
    let mut kept: Vec<((String, String), u8, Rule, String)> = Vec::new();
    for error in compiled.schema.iter_errors(value) {
        let pointer = error.instance_path().as_str().to_owned();
        let from_then = error.schema_path().as_str().starts_with("/then");
        let instance = error.instance();
        let field = Field::new(&pointer);
        let (priority, rule, member, message) = match error.kind() {
            ValidationErrorKind::Type { .. } if from_then => (
                0,
                Rule::MissingData,
                String::new(),
                format!(
                    "`code` is 200 but `data` is {}, expected the order object",
                    describe(instance, &pointer)
                ),
            ),
            ValidationErrorKind::Required { property } if from_then => (
                0,
                Rule::MissingData,
                property.as_str().unwrap_or_default().to_owned(),
                "`code` is 200 but `data` is missing, expected the order object".to_owned(),
            ),
            ValidationErrorKind::Type { kind } => (
                1,
                Rule::WrongType,
                String::new(),
                format!(
                    "`{}` is {}, expected {}",
                    field.name,
                    describe(instance, &pointer),
                    expected_types(kind)
                ),
            ),
            ValidationErrorKind::Required { property } => {
                let member = property.as_str().unwrap_or_default().to_owned();
                let message = format!(
                    "missing required member `{member}` in {}",
                    field.object_name()
                );
                (1, Rule::MissingField, member, message)
            }
            ValidationErrorKind::Enum { .. } => (
                2,
                Rule::InvalidEnum,
                String::new(),
                format!(
                    "`{}` is {}, expected {}",
                    field.name,
                    describe(instance, &pointer),
                    expected_enum(&field.name)
                ),
            ),
            ValidationErrorKind::Pattern { pattern } => (
                3,
                Rule::MalformedValue,
                String::new(),
                format!(
                    "`{}` is {}, expected {}",
                    field.name,
                    describe(instance, &pointer),
                    expected_pattern(pattern)
                ),
            ),
            ValidationErrorKind::Format { format } => (
                4,
                Rule::ImpossibleTime,
                String::new(),
                format!(
                    "`{}` is {}, which is not a real {format}",
                    field.name,
                    describe(instance, &pointer)
                ),
            ),
            ValidationErrorKind::Minimum { limit } => (
                5,
                Rule::OutOfRange,
                String::new(),
                format!(
                    "`{}` is {}, expected at least {limit}",
                    field.name,
                    describe(instance, &pointer)
                ),
            ),
            ValidationErrorKind::Maximum { limit } => (
                5,
                Rule::OutOfRange,
                String::new(),
                format!(
                    "`{}` is {}, expected at most {limit}",
                    field.name,
                    describe(instance, &pointer)
                ),
            ),
            _ => (
                6,
                Rule::SchemaViolation,
                String::new(),
                // The masked message never shows the value, so never a credential.
                format!("`{}`: {}", field.name, error.masked()),
            ),
        };
        let key = (pointer, member);
        match kept.iter_mut().find(|k| k.0 == key) {
            Some(k) if k.1 <= priority => {}
            Some(k) => *k = (key, priority, rule, message),
            None => kept.push((key, priority, rule, message)),
        }
    }
    for ((pointer, member), _, rule, message) in kept {
        let hint = hint_for(rule, &pointer, &member, value);
        findings.taint(&pointer, &member);
        findings.push(rule, pointer, message, hint);
    }
}

fn expected_types(kind: &TypeKind) -> String {
    let article = |t: String| match t.as_str() {
        "null" => t,
        "integer" | "object" | "array" => format!("an {t}"),
        _ => format!("a {t}"),
    };
    match kind {
        TypeKind::Single(t) => article(t.to_string()),
        TypeKind::Multiple(set) => {
            let names: Vec<String> = set.iter().map(|t| article(t.to_string())).collect();
            names.join(" or ")
        }
    }
}

/// Members the contract does not define, found by walking the value along the schema.
fn unknown_members(findings: &mut Findings<'_>, compiled: &Compiled, value: &Value, kind: Kind) {
    let mut objects: Vec<(&String, &Vec<String>)> = compiled.known.iter().collect();
    objects.sort();
    for (pointer, known) in objects {
        let Some(Value::Object(map)) = at(value, pointer) else {
            continue;
        };
        for name in map.keys() {
            if known.iter().any(|k| k == name) {
                continue;
            }
            let member = format!("{pointer}/{}", escape(name));
            let place = Field::new(pointer).object_name();
            let message = format!("`{name}` is not a member of {place} in the {kind} contract");
            let hint = crate::message::unknown_member_hint(name, known);
            findings.push_key(Rule::UnknownField, member, message, hint);
        }
    }
}

/// How many members a typed payload holds, counting every object: what a payload without
/// unknown members or `null` optional members reads.
fn members_held(payload: &Payload) -> usize {
    let present = |p: bool| usize::from(p);
    match payload {
        Payload::Request(r) => {
            let system = &r.request;
            let params = &r.params;
            4 + 1
                + present(system.iot_token.is_some())
                + present(system.cloud_token.is_some())
                + present(system.language.is_some())
                + present(system.locale.is_some())
                + 2
                + present(params.device_no_owner.is_some())
        }
        Payload::Response(r) => {
            1 + present(r.id.is_some())
                + present(!r.message.is_absent())
                + present(!r.localized_msg.is_absent())
                + present(!r.data.is_absent())
                + r.data
                    .value()
                    .map_or(0, |d| 18 + present(d.pre_consume.is_some()))
        }
    }
}

/// The integer members of each envelope.
const INTEGERS: [&[&str]; 2] = [
    &[],
    &[
        "/code",
        "/data/copies",
        "/data/status",
        "/data/paymentStatus",
        "/data/recordType",
        "/data/orderType",
        "/data/preConsume",
    ],
];

/// JSON Schema counts `200.0` as an integer; the platform's `Int` and the types do not. A
/// number written with a fraction or an exponent where an integer belongs is a wrong type.
fn integers_without_fraction(findings: &mut Findings<'_>, value: &Value, kind: Kind) {
    for &pointer in INTEGERS[kind as usize] {
        if findings.is_tainted(pointer) {
            continue;
        }
        if let Some(Value::Number(n)) = at(value, pointer)
            && n.is_f64()
        {
            let name = last_segment(pointer);
            // The number as written (`1.00`, `-0`, `1e2`), not as parsed.
            let written = findings
                .raw_number(pointer)
                .unwrap_or_else(|| n.to_string());
            findings.push(
                Rule::WrongType,
                pointer.to_owned(),
                format!(
                    "`{name}` is {written}, expected an integer written without a fraction, \
                     exponent or minus sign on zero"
                ),
                None,
            );
        }
    }
}

/// Deserializes a value that passed every check into the types.
fn typed(findings: &mut Findings<'_>, value: &Value, kind: Kind) -> Option<Payload> {
    // The trait, not the derived inherent function: objects only.
    let result = match kind {
        Kind::Request => <Request as serde::Deserialize>::deserialize(value)
            .map(|r| Payload::Request(Box::new(r))),
        Kind::Response => <Response as serde::Deserialize>::deserialize(value)
            .map(|r| Payload::Response(Box::new(r))),
    };
    match result {
        Ok(payload) => Some(payload),
        Err(e) => {
            // The schema and the types disagree: a bug in this crate, reported, not hidden.
            findings.push(
                Rule::SchemaViolation,
                String::new(),
                format!("the types refuse a payload the schema accepts: {e}"),
                Some("please report this: the schema and the types should agree".into()),
            );
            None
        }
    }
}

/// The last segment of a pointer, unescaped.
pub(crate) fn last_segment(pointer: &str) -> String {
    let raw = pointer.rsplit('/').next().unwrap_or_default();
    raw.replace("~1", "/").replace("~0", "~")
}

/// Findings under way for one payload: levels applied on entry, positions computed once at the
/// end.
pub(crate) struct Findings<'a> {
    validator: &'a Validator,
    bytes: &'a [u8],
    spans: Option<&'a text::Spans>,
    items: Vec<(Rule, Severity, String, usize, String, Option<String>)>,
    /// Values (and missing members) already faulted: later stages leave them alone.
    tainted: Vec<String>,
    dropped_by_stage: usize,
    errors_by_stage: usize,
}

impl<'a> Findings<'a> {
    fn new(validator: &'a Validator, bytes: &'a [u8], spans: Option<&'a text::Spans>) -> Self {
        Findings {
            validator,
            bytes,
            spans,
            items: Vec::new(),
            tainted: Vec::new(),
            dropped_by_stage: 0,
            errors_by_stage: 0,
        }
    }

    /// Reports a finding at the value `pointer` names.
    pub(crate) fn push(
        &mut self,
        rule: Rule,
        pointer: String,
        message: String,
        hint: Option<String>,
    ) {
        let offset = self.spans.and_then(|s| s.value(&pointer)).unwrap_or(0);
        self.push_at(rule, pointer, offset, message, hint);
    }

    /// Reports a finding at the key of the member `pointer` names.
    fn push_key(&mut self, rule: Rule, pointer: String, message: String, hint: Option<String>) {
        let spans = self.spans;
        let offset = spans
            .and_then(|s| s.key(&pointer).or_else(|| s.value(&pointer)))
            .unwrap_or(0);
        self.push_at(rule, pointer, offset, message, hint);
    }

    fn push_at(
        &mut self,
        rule: Rule,
        pointer: String,
        offset: usize,
        message: String,
        hint: Option<String>,
    ) {
        let Some(severity) = self.validator.severity(rule) else {
            return;
        };
        if self.items.len() >= self.validator.max_diagnostics.saturating_mul(2).max(64) {
            // Far past the cap: count, do not format or keep (linear work on hostile input).
            self.dropped_by_stage += 1;
            self.errors_by_stage += usize::from(severity == Severity::Error);
            return;
        }
        self.items
            .push((rule, severity, pointer, offset, message, hint));
    }

    /// The text of the number at `pointer`, as written in the input.
    fn raw_number(&self, pointer: &str) -> Option<String> {
        let start = self.spans?.value(pointer)?;
        let rest = self.bytes.get(start..)?;
        let len = rest
            .iter()
            .take_while(|b| matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
            .count();
        std::str::from_utf8(rest.get(..len)?)
            .ok()
            .map(str::to_owned)
    }

    /// Counts findings a stage found but could not list (hostile input).
    fn count_unlisted(&mut self, rule: Rule, count: usize) {
        if let Some(severity) = self.validator.severity(rule) {
            self.dropped_by_stage += count;
            if severity == Severity::Error {
                self.errors_by_stage += count;
            }
        }
    }

    /// Marks a value (or a missing member of an object) as faulted.
    fn taint(&mut self, pointer: &str, member: &str) {
        if member.is_empty() {
            self.tainted.push(pointer.to_owned());
        } else {
            self.tainted.push(format!("{pointer}/{}", escape(member)));
        }
    }

    /// Whether an earlier stage faulted this value or one that contains it.
    pub(crate) fn is_tainted(&self, pointer: &str) -> bool {
        self.tainted.iter().any(|t| {
            pointer == t || (pointer.starts_with(t.as_str()) && pointer[t.len()..].starts_with('/'))
        })
    }

    fn has_errors(&self) -> bool {
        self.errors_by_stage > 0 || self.items.iter().any(|i| i.1 == Severity::Error)
    }

    fn finish(mut self, bytes: &[u8], kind: Option<Kind>, payload: Option<Payload>) -> Report {
        self.items.sort_by_key(|a| (a.3, a.0));
        let error_count =
            self.errors_by_stage + self.items.iter().filter(|i| i.1 == Severity::Error).count();
        let warning_count = self.items.len() + self.dropped_by_stage - error_count;
        let keep = self.items.len().min(self.validator.max_diagnostics);
        let dropped = self.items.len() - keep + self.dropped_by_stage;
        self.items.truncate(keep);
        // Built only when there is something to place: the conforming path stays one pass.
        let lines = (!self.items.is_empty()).then(|| LineIndex::new(bytes));
        let diagnostics = self
            .items
            .into_iter()
            .map(
                |(rule, severity, pointer, offset, message, hint)| Diagnostic {
                    rule,
                    severity,
                    pointer,
                    offset,
                    position: lines
                        .as_ref()
                        .map(|l| l.position(offset))
                        .unwrap_or_default(),
                    message,
                    hint,
                },
            )
            .collect();
        Report {
            kind,
            diagnostics,
            dropped,
            error_count,
            warning_count,
            payload,
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::rules::Stage;
    use crate::sample;

    /// Validators that differ only in `keep_payload`, with and without a time zone.
    fn pairs() -> &'static [(Validator, Validator)] {
        static PAIRS: std::sync::LazyLock<Vec<(Validator, Validator)>> =
            std::sync::LazyLock::new(|| {
                [
                    Options::default(),
                    Options::default().time_zone("Asia/Shanghai"),
                ]
                .into_iter()
                .map(|o| {
                    let typed = Validator::new(o.clone()).expect("valid options");
                    let view = Validator::new(o.keep_payload(false)).expect("valid options");
                    (typed, view)
                })
                .collect()
            });
        &PAIRS
    }

    /// The fast paths agree with the full path. The view answers "clean" exactly when the full
    /// path finds nothing. The typed one answers "clean" only then, with the full path's
    /// report, but leaves some clean payloads to the full path: a `null` optional member, which
    /// its member count cannot tell from an unknown one. Reports without a payload are the
    /// full path's less the payload.
    fn paths_agree(bytes: &[u8], kind: Option<Kind>) -> Result<(), TestCaseError> {
        for (typed, view) in pairs() {
            let (full, value) = typed.run_with(bytes, kind, |_, _| {});
            if let Some(value) = value {
                text::dispose(value);
            }
            let clean = full.diagnostics().is_empty() && full.dropped() == 0;
            let fast = typed.fast(bytes, kind);
            if let Some(fast) = fast {
                prop_assert!(clean, "typed fast path: {:?}", full);
                prop_assert_eq!(&fast, &full);
            }
            let fast_view = view.fast_view(bytes, kind);
            prop_assert_eq!(
                matches!(fast_view, Fast::Clean(_)),
                clean,
                "view fast path: {:?}",
                full
            );
            if let Fast::Semantic(found) = fast_view {
                prop_assert_eq!(full.kind(), Some(found));
                prop_assert!(
                    full.diagnostics()
                        .iter()
                        .all(|d| d.rule().info().stage == Stage::Semantic),
                    "only semantic findings after a clean scan: {:?}",
                    full
                );
            }
            let mut without_payload = full.clone();
            without_payload.payload = None;
            prop_assert_eq!(view.run(bytes, kind), without_payload);
        }
        Ok(())
    }

    /// A payload text with one byte replaced: a near miss of the text itself.
    fn mutated(text: &str, at: usize, byte: u8) -> Vec<u8> {
        let mut bytes = text.as_bytes().to_vec();
        if !bytes.is_empty() {
            let i = at % bytes.len();
            bytes[i] = byte;
        }
        bytes
    }

    const BYTES: &[u8] = b"\"{}[],:0129.-eE nul\\ta\xC3\xFF";

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn fast_paths_agree_on_conforming_payloads(seed in any::<u64>(), response in any::<bool>()) {
            let kind = if response { Kind::Response } else { Kind::Request };
            let s = sample::conforming(kind, seed);
            paths_agree(s.text.as_bytes(), Some(kind))?;
            paths_agree(s.text.as_bytes(), None)?;
        }

        #[test]
        fn fast_paths_agree_on_near_misses(seed in any::<u64>(), response in any::<bool>()) {
            let kind = if response { Kind::Response } else { Kind::Request };
            let s = sample::near_miss(kind, seed);
            paths_agree(s.text.as_bytes(), Some(kind))?;
            paths_agree(s.text.as_bytes(), None)?;
        }

        #[test]
        fn fast_paths_agree_on_mutated_payloads(
            seed in any::<u64>(),
            response in any::<bool>(),
            at in any::<usize>(),
            byte in proptest::sample::select(BYTES),
        ) {
            let kind = if response { Kind::Response } else { Kind::Request };
            let s = sample::conforming(kind, seed);
            paths_agree(&mutated(&s.text, at, byte), None)?;
            // An extra member in one of the objects, or an optional member sent as `null`.
            let opens: Vec<usize> = s.text.match_indices('{').map(|(i, _)| i + 1).collect();
            let open = opens[at % opens.len()];
            for extra in [r#""commodityType":1,"#, r#""preConsume":null,"#, r#""locale":null,"#] {
                let text = format!("{}{extra}{}", &s.text[..open], &s.text[open..]);
                paths_agree(text.as_bytes(), None)?;
            }
        }
    }

    /// Near misses of the semantic rules that the scan can read take the shortcut past the
    /// structural stages, so that the agreement properties above exercise it; the others do
    /// not.
    #[test]
    fn semantic_near_misses_skip_the_structural_stages() {
        let view = &pairs()[0].1;
        let mut shortcuts = 0;
        for seed in 0..400 {
            for kind in [Kind::Request, Kind::Response] {
                let s = sample::near_miss(kind, seed);
                let rule = s.breaks.expect("a near miss names its rule");
                let fast = view.fast_view(s.text.as_bytes(), Some(kind));
                if matches!(fast, Fast::Semantic(_)) {
                    shortcuts += 1;
                    assert_eq!(rule.info().stage, Stage::Semantic, "{rule}: {}", s.text);
                }
                if rule.info().stage != Stage::Semantic {
                    assert!(matches!(fast, Fast::Unknown), "{rule}: {}", s.text);
                }
            }
        }
        assert!(
            shortcuts >= 200,
            "only {shortcuts} of 800 near misses took the shortcut"
        );
    }

    #[test]
    fn fast_paths_agree_on_the_examples_and_fixtures() {
        let root = env!("CARGO_MANIFEST_DIR");
        let dirs = ["examples/page", "examples/valid", "examples/invalid"]
            .into_iter()
            .chain(["tests/fixtures/valid", "tests/fixtures/invalid"]);
        for dir in dirs {
            for entry in std::fs::read_dir(format!("{root}/{dir}")).expect("a folder") {
                let path = entry.expect("an entry").path();
                if path.extension().is_some_and(|e| e == "json") {
                    let bytes = std::fs::read(&path).expect("readable");
                    paths_agree(&bytes, None).unwrap_or_else(|e| panic!("{path:?}: {e}"));
                }
            }
        }
    }
}

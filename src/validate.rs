//! The validator: payload bytes in, a [`Report`] out.
//!
//! This file only orchestrates. It applies the options, picks the engine, and turns what the
//! engine found into a report:
//! - the one-pass engine (`engine.rs`), the default: every payload, clean, warned or failing,
//!   judged in one pass over its bytes against the contract's description (`contract.rs`);
//! - the reference engine (`reference.rs`): the committed JSON Schema run by the `jsonschema`
//!   crate over a parsed value, which the one-pass engine is tested against
//!   ([`Engine::Reference`]).
//!
//! When no error remains and the caller wants it, the payload is deserialized into the types:
//! "parse, don't validate".

use serde_json::Value;

use crate::contract::{Contract, Envelope, MAX_MEMBERS};
use crate::diagnostic::{Payload, Report};
use crate::engine::{self, Record, Walked};
use crate::envelope::{Request, Response};
use crate::error::Error;
use crate::findings::{Findings, Policy};
use crate::message;
use crate::reference;
use crate::replay::Replay;
use crate::rules::{Level, RULES, Rule, Severity};
use crate::schema::{Kind, Variant};
use crate::semantic::{self, Facts};
use crate::text::{self, Limits};
use crate::traffic::{Origin, TrafficProfile};

/// The default largest payload, in bytes: far above any real `order/get` body (about 600 bytes).
pub const DEFAULT_MAX_BYTES: usize = 16 * 1024 * 1024;
/// The default deepest nesting. The contract itself is three levels deep.
pub const DEFAULT_MAX_DEPTH: usize = 64;
/// The deepest nesting that can be configured: parsed values are dropped recursively.
pub const MAX_DEPTH_CAP: usize = 1024;
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
    engine: Engine,
}

/// Which engine judges payloads. Both give the same findings; a differential test holds them
/// to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Engine {
    /// One pass over the bytes against the contract's description: the fast one.
    #[default]
    OnePass,
    /// The committed JSON Schema run by the `jsonschema` crate over a parsed value, then the
    /// same semantic rules: the reference the one-pass engine is tested against.
    Reference,
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
            engine: Engine::OnePass,
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
    /// Without it nothing is deserialized into the types, which is faster: for callers that
    /// need only the verdict and the diagnostics, such as a command line or a gateway. The
    /// verdict and the diagnostics are the same.
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

    /// The engine that judges payloads; the default is [`Engine::OnePass`].
    ///
    /// # Examples
    ///
    /// ```
    /// use cloudstorage_contract::{Engine, Options, Validator};
    ///
    /// let fast = Validator::new(Options::default())?;
    /// let reference = Validator::new(Options::default().engine(Engine::Reference))?;
    /// let payload = br#"{"code": "200"}"#;
    /// assert_eq!(fast.validate(payload), reference.validate(payload));
    /// # Ok::<(), cloudstorage_contract::Error>(())
    /// ```
    #[must_use]
    pub fn engine(mut self, engine: Engine) -> Self {
        self.engine = engine;
        self
    }
}

/// Whether `name` is an IANA time zone that [`Options::time_zone`] accepts, from the bundled
/// database, not the system's: the same verdict on every machine.
///
/// # Errors
///
/// A usage error naming the zone, such as for `Asia/Shangai`.
///
/// # Examples
///
/// ```
/// assert!(cloudstorage_contract::check_time_zone("Asia/Shanghai").is_ok());
/// assert!(cloudstorage_contract::check_time_zone("Asia/Shangai").is_err());
/// ```
pub fn check_time_zone(name: &str) -> Result<(), Error> {
    time_zone(name).map(drop)
}

/// The IANA time zone `name`, from the bundled database, not the system's: the same verdict on
/// every machine.
pub(crate) fn time_zone(name: &str) -> Result<jiff::tz::TimeZone, Error> {
    jiff::tz::TimeZoneDatabase::bundled()
        .get(name)
        .map_err(|_| {
            Error::usage(format!(
                "unknown time zone `{name}`, expected an IANA name such as `Asia/Shanghai`"
            ))
        })
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
    contract: Contract,
    policy: Policy,
    time_zone: Option<semantic::Zone>,
    limits: Limits,
    keep_payload: bool,
    engine: Engine,
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
            rule.check_level(level)?;
            severities[rule as usize] = match level {
                Level::Allow => None,
                Level::Warn => Some(Severity::Warning),
                Level::Deny => Some(Severity::Error),
            };
        }
        let time_zone = match options.time_zone {
            None => None,
            Some(name) => {
                let zone = time_zone(&name)?;
                Some((name, zone))
            }
        };
        if options.max_depth > MAX_DEPTH_CAP {
            return Err(Error::usage(format!(
                "a depth limit of {} is above the maximum of {MAX_DEPTH_CAP}",
                options.max_depth
            )));
        }
        if options.engine == Engine::Reference {
            // Compiled here, so that a validator of the reference engine fails where it is built.
            reference::shared().map_err(Error::internal)?;
        }
        Ok(Validator {
            contract: Contract::new(Variant::Tolerant).map_err(Error::internal)?,
            policy: Policy {
                severities,
                max_diagnostics: options.max_diagnostics,
            },
            time_zone,
            limits: Limits {
                max_bytes: options.max_bytes,
                max_depth: options.max_depth,
            },
            keep_payload: options.keep_payload,
            engine: options.engine,
        })
    }

    /// Validates a payload of either kind: an object with `params` is a request, one with
    /// `code` a response.
    pub fn validate(&self, bytes: &[u8]) -> Report {
        self.run(bytes, None, None).0
    }

    /// Validates a request body.
    pub fn validate_request(&self, bytes: &[u8]) -> Report {
        self.run(bytes, Some(Kind::Request), None).0
    }

    /// Validates a response body.
    pub fn validate_response(&self, bytes: &[u8]) -> Report {
        self.run(bytes, Some(Kind::Response), None).0
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
        let (request_report, asked) = self.run(request, Some(Kind::Request), None);
        Exchange {
            request: request_report,
            response: self.answer(response, &asked),
        }
    }

    /// Validates a request as [`validate_request`](Self::validate_request) does, and keeps
    /// what it asked for, so that its response can be judged later with
    /// [`validate_answer`](Self::validate_answer): an exchange in two halves, for a gateway that
    /// has the response only after forwarding the request. The request is read once.
    ///
    /// # Examples
    ///
    /// ```
    /// use cloudstorage_contract::{Options, Rule, Validator};
    ///
    /// let validator = Validator::new(Options::default())?;
    /// let request = std::fs::read("examples/page/request.json").unwrap();
    /// let (report, asked) = validator.validate_asked(&request);
    /// assert!(report.conforms());
    /// // ... forward the request, get the response ...
    /// let response = std::fs::read("examples/page/response-success.json").unwrap();
    /// let report = validator.validate_answer(&asked, &response);
    /// assert_eq!(report, validator.validate_exchange(&request, &response).response);
    /// # Ok::<(), cloudstorage_contract::Error>(())
    /// ```
    pub fn validate_asked(&self, request: &[u8]) -> (Report, Asked) {
        let (report, facts) = self.run(request, Some(Kind::Request), None);
        (report, Asked(facts.into_owned()))
    }

    /// Validates a response to a request judged with [`validate_asked`](Self::validate_asked):
    /// the same report as [`validate_exchange`](Self::validate_exchange)'s response.
    pub fn validate_answer(&self, asked: &Asked, response: &[u8]) -> Report {
        self.answer(response, &asked.0)
    }

    fn answer(&self, response: &[u8], asked: &Facts<'_>) -> Report {
        let (mut report, _) = self.run(response, Some(Kind::Response), Some(asked));
        report.kind = Some(Kind::Response);
        report
    }

    /// Judges one payload with the configured engine; also returns its facts, which an
    /// exchange compares with its response's (`asked`, the request's).
    fn run<'b>(
        &self,
        bytes: &'b [u8],
        kind: Option<Kind>,
        asked: Option<&Facts<'_>>,
    ) -> (Report, Facts<'b>) {
        match self.engine {
            Engine::OnePass => self.one_pass(bytes, kind, asked, None),
            Engine::Reference => self.reference(bytes, kind, asked),
        }
    }

    /// The reference engine.
    fn reference<'b>(
        &self,
        bytes: &'b [u8],
        kind: Option<Kind>,
        asked: Option<&Facts<'_>>,
    ) -> (Report, Facts<'b>) {
        let mut findings = Findings::new(&self.policy);
        let reference = match reference::shared() {
            Ok(reference) => reference,
            Err(e) => {
                findings.internal(e.to_owned());
                return (findings.finish(bytes, kind, None), Facts::default());
            }
        };
        let zone = self.time_zone.as_ref();
        let (kind, judged) = reference.judge(
            bytes,
            kind,
            &self.contract,
            &self.limits,
            zone,
            asked,
            &mut findings,
        );
        let Some(judged) = judged else {
            return (findings.finish(bytes, kind, None), Facts::default());
        };
        let payload = if findings.has_errors() || !self.keep_payload {
            None
        } else {
            typed_from_value(&mut findings, &judged.value, judged.kind)
        };
        let facts = reference::facts(
            &findings,
            self.contract.envelope(judged.kind),
            &judged.value,
        )
        .into_owned();
        text::dispose(judged.value);
        (findings.finish(bytes, kind, payload), facts)
    }

    /// Validates a payload as [`validate`](Self::validate) does (`kind`: `None` to tell the
    /// kind from the payload) and feeds `profile` from the same walk: its members, values and
    /// forms as the walk found them, its verdict and findings from the report. `origin` is
    /// where the payload came from, for the first occurrences.
    ///
    /// The walk is always the one-pass engine's, whatever [`Options::engine`] says: the
    /// reference engine's findings are the same (a differential test holds them so), and it
    /// has no walk to feed a profile from.
    ///
    /// # Examples
    ///
    /// ```
    /// use cloudstorage_contract::traffic::{Origin, TrafficProfile};
    /// use cloudstorage_contract::{Options, Validator};
    ///
    /// let validator = Validator::new(Options::default())?;
    /// let mut profile = TrafficProfile::new();
    /// let body = br#"{"code": 460, "message": "auth failed", "data": null, "traceId": "t1"}"#;
    /// let report = validator.validate_profiled(body, None, &Origin::line("a.ndjson", 7), &mut profile);
    /// assert!(report.conforms(), "an unknown member is a warning");
    /// let unknown = &profile.unknown_members()["response"];
    /// assert_eq!(unknown.get("/traceId").map(|m| m.count), Some(1));
    /// assert_eq!(profile.rules()["unknown-field"].first, Origin::line("a.ndjson", 7));
    /// assert_eq!(profile.enumerations()["/code"].documented["460"], 1);
    /// # Ok::<(), cloudstorage_contract::Error>(())
    /// ```
    pub fn validate_profiled(
        &self,
        bytes: &[u8],
        kind: Option<Kind>,
        origin: &Origin,
        profile: &mut TrafficProfile,
    ) -> Report {
        let (report, _) = self.one_pass(bytes, kind, None, Some((&mut *profile, origin)));
        profile.judged(&report, origin);
        report
    }

    /// Validates a call as [`validate_exchange`](Self::validate_exchange) does and feeds
    /// `profile` from the same walks, as [`validate_profiled`](Self::validate_profiled) does
    /// for each half: both payloads, whether the response answered the request
    /// ([`TrafficProfile::exchanges`]), and, given the call's capture time (`started`, a HAR
    /// entry's `startedDateTime`), the series of its UTC day ([`TrafficProfile::days`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use cloudstorage_contract::traffic::{Origin, TrafficProfile};
    /// use cloudstorage_contract::{Options, Validator};
    ///
    /// let validator = Validator::new(Options::default())?;
    /// let mut profile = TrafficProfile::new();
    /// let request = std::fs::read("examples/page/request.json").unwrap();
    /// let response = std::fs::read("examples/page/response-success.json").unwrap();
    /// let at = Origin::entry("capture.har", 0);
    /// let started = Some("2020-08-25T10:00:00.000+08:00");
    /// let exchange =
    ///     validator.validate_exchange_profiled(&request, &response, &at, started, &mut profile);
    /// assert_eq!(exchange, validator.validate_exchange(&request, &response));
    /// // The page's request asks for device `123`; its response is for another.
    /// assert_eq!(profile.exchanges().mismatched, 1);
    /// assert_eq!(profile.days().get("2020-08-25").map(|d| d.payloads), Some(2));
    /// # Ok::<(), cloudstorage_contract::Error>(())
    /// ```
    pub fn validate_exchange_profiled(
        &self,
        request: &[u8],
        response: &[u8],
        origin: &Origin,
        started: Option<&str>,
        profile: &mut TrafficProfile,
    ) -> Exchange {
        let observer = Some((&mut *profile, origin));
        let (request_report, asked) = self.one_pass(request, Some(Kind::Request), None, observer);
        let observer = Some((&mut *profile, origin));
        let (mut response_report, _) =
            self.one_pass(response, Some(Kind::Response), Some(&asked), observer);
        response_report.kind = Some(Kind::Response);
        let day = started.and_then(crate::traffic::utc_day);
        for report in [&request_report, &response_report] {
            profile.judged(report, origin);
            if let Some(day) = &day {
                profile.dated(day, report);
            }
        }
        profile.exchanged(&response_report, origin);
        Exchange {
            request: request_report,
            response: response_report,
        }
    }

    /// The one-pass engine; `observer`, when given, is fed from the walk.
    fn one_pass<'b>(
        &self,
        bytes: &'b [u8],
        kind: Option<Kind>,
        asked: Option<&Facts<'_>>,
        mut observer: Option<(&mut TrafficProfile, &Origin)>,
    ) -> (Report, Facts<'b>) {
        let max = self.limits.max_bytes.min(u32::MAX as usize);
        if bytes.len() > max || bytes.starts_with(b"\xEF\xBB\xBF") {
            return (self.text_report(bytes, kind, asked), Facts::default());
        }
        let Ok(text) = std::str::from_utf8(bytes) else {
            return (self.text_report(bytes, kind, asked), Facts::default());
        };
        // A response has `code`; trying the kind the bytes suggest first, a walk is repeated
        // only when the top level says otherwise.
        let mut guess = kind.unwrap_or_else(|| {
            if CODE.find(bytes).is_some() {
                Kind::Response
            } else {
                Kind::Request
            }
        });
        loop {
            let mut findings = Findings::new(&self.policy);
            let envelope = self.contract.envelope(guess);
            let zone = self.time_zone.as_ref();
            let mut record = match &mut observer {
                Some((profile, _)) => Record::observing(profile.take_notes()),
                None => Record::new(),
            };
            let Ok(walked) = engine::walk(
                text,
                envelope,
                self.limits.max_depth,
                zone,
                asked,
                &mut findings,
                &mut record,
            ) else {
                return (self.text_report(bytes, kind, asked), Facts::default());
            };
            if !walked.object {
                return (findings.finish(bytes, kind, None), Facts::default());
            }
            if kind.is_none() {
                let detected = match (walked.has_params, walked.has_code) {
                    (true, false) => Kind::Request,
                    (false, true) => Kind::Response,
                    (both, _) => {
                        findings.keep_only(Rule::DuplicateKey);
                        let (message, hint) = message::unknown_kind(both);
                        let start = root_offset(bytes);
                        findings.push_at(Rule::UnknownKind, "".into(), start, message, hint);
                        return (findings.finish(bytes, None, None), Facts::default());
                    }
                };
                if detected != guess {
                    guess = detected;
                    continue;
                }
            }
            if let Some((profile, origin)) = observer.take() {
                profile.walked(envelope, text, &record, origin);
                profile.give_notes(std::mem::take(&mut record.notes));
            }
            let payload = if findings.has_errors() || !self.keep_payload {
                None
            } else {
                typed(&mut findings, text, envelope, &walked, &record.offsets)
            };
            return (findings.finish(bytes, Some(guess), payload), record.facts);
        }
    }

    /// The report of an input that is not one acceptable JSON text: the text stage's one
    /// finding. Should the text stage accept it after all, the reference engine judges it.
    fn text_report(&self, bytes: &[u8], kind: Option<Kind>, asked: Option<&Facts<'_>>) -> Report {
        match text::parse(bytes, &self.limits) {
            Err(e) => {
                let mut findings = Findings::new(&self.policy);
                reference::text_error(&mut findings, bytes, e);
                findings.finish(bytes, kind, None)
            }
            Ok(parsed) => {
                text::dispose(parsed.value);
                self.reference(bytes, kind, asked).0
            }
        }
    }
}

/// The offset of the top-level value: past any leading whitespace.
fn root_offset(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .unwrap_or(0)
}

/// The key `code`, which tells a response from a request in the engine's first guess; built
/// once, not for every payload.
static CODE: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"\"code\""));

/// What a request asked for (its `params.iotId` and `params.orderId`), which its response must
/// answer; from [`Validator::validate_asked`].
#[derive(Debug)]
pub struct Asked(Facts<'static>);

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

/// Deserializes a payload the engine found no error in into the types: replayed from the walk's
/// offsets, so that no key is scanned and matched twice. A payload with a repeated key goes
/// through a `Value`, which keeps the last, as the engines do (the derived code refuses a
/// repeated member).
fn typed(
    findings: &mut Findings<'_>,
    text: &str,
    envelope: &Envelope,
    walked: &Walked,
    offsets: &[usize; MAX_MEMBERS],
) -> Option<Payload> {
    let bytes = text.as_bytes();
    if !walked.duplicates {
        let replay = Replay::new(text, &envelope.root, offsets);
        if let Ok(payload) = deserialize(envelope.kind, replay) {
            return Some(payload);
        }
    }
    // Through a `Value`, as the reference engine does, also for the wording of a refusal.
    let value = serde_json::from_slice::<Value>(bytes).ok()?;
    let payload = typed_from_value(findings, &value, envelope.kind);
    text::dispose(value);
    payload
}

/// A payload of `kind` from `deserializer`, through the types' `Deserialize` trait (not the
/// derived inherent function: objects only).
fn deserialize<'de, D: serde::Deserializer<'de>>(
    kind: Kind,
    deserializer: D,
) -> Result<Payload, D::Error> {
    Ok(match kind {
        Kind::Request => Payload::Request(Box::new(<Request as serde::Deserialize>::deserialize(
            deserializer,
        )?)),
        Kind::Response => Payload::Response(Box::new(
            <Response as serde::Deserialize>::deserialize(deserializer)?,
        )),
    })
}

/// Deserializes a value that passed every check into the types.
fn typed_from_value(findings: &mut Findings<'_>, value: &Value, kind: Kind) -> Option<Payload> {
    match deserialize(kind, value) {
        Ok(payload) => Some(payload),
        Err(e) => {
            // The schema and the types disagree: a bug in this crate, reported, not hidden.
            findings.internal(format!(
                "the types refuse a payload the schema accepts: {e}"
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::sample;

    /// Validators that differ only in their engine, with and without a time zone, keeping the
    /// payload or not.
    fn pairs() -> &'static [(Validator, Validator)] {
        static PAIRS: std::sync::LazyLock<Vec<(Validator, Validator)>> =
            std::sync::LazyLock::new(|| {
                [
                    Options::default(),
                    Options::default()
                        .time_zone("Asia/Shanghai")
                        .keep_payload(false),
                ]
                .into_iter()
                .map(|o| {
                    let one_pass = Validator::new(o.clone()).expect("valid options");
                    let reference =
                        Validator::new(o.engine(Engine::Reference)).expect("valid options");
                    (one_pass, reference)
                })
                .collect()
            });
        &PAIRS
    }

    /// Both engines give the same report, byte for byte: the same findings with the same
    /// rules, severities, pointers, positions, wording and hints, the same counts and the same
    /// typed payload.
    fn engines_agree(bytes: &[u8], kind: Option<Kind>) -> Result<(), TestCaseError> {
        for (one_pass, reference) in pairs() {
            let fast = one_pass.run(bytes, kind, None).0;
            let slow = reference.run(bytes, kind, None).0;
            prop_assert_eq!(
                slow.internal_error(),
                None,
                "{}",
                String::from_utf8_lossy(bytes)
            );
            prop_assert_eq!(&fast, &slow, "{}", String::from_utf8_lossy(bytes));
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
        fn engines_agree_on_conforming_payloads(seed in any::<u64>(), response in any::<bool>()) {
            let kind = if response { Kind::Response } else { Kind::Request };
            let s = sample::conforming(kind, seed);
            engines_agree(s.text.as_bytes(), Some(kind))?;
            engines_agree(s.text.as_bytes(), None)?;
        }

        #[test]
        fn engines_agree_on_near_misses(seed in any::<u64>(), response in any::<bool>()) {
            let kind = if response { Kind::Response } else { Kind::Request };
            let s = sample::near_miss(kind, seed);
            engines_agree(s.text.as_bytes(), Some(kind))?;
            engines_agree(s.text.as_bytes(), None)?;
        }

        #[test]
        fn engines_agree_on_mutated_payloads(
            seed in any::<u64>(),
            response in any::<bool>(),
            at in any::<usize>(),
            byte in proptest::sample::select(BYTES),
        ) {
            let kind = if response { Kind::Response } else { Kind::Request };
            let s = sample::conforming(kind, seed);
            engines_agree(&mutated(&s.text, at, byte), None)?;
            let near = sample::near_miss(kind, seed);
            engines_agree(&mutated(&near.text, at, byte), Some(kind))?;
            // An extra member in one of the objects, a repeated one, or an optional member
            // sent as `null`.
            let opens: Vec<usize> = s.text.match_indices('{').map(|(i, _)| i + 1).collect();
            let open = opens[at % opens.len()];
            for extra in [
                r#""commodityType":1,"#, r#""preConsume":null,"#, r#""locale":null,"#,
                r#""code":"200","#, r#""status":{"a":1,"a":[2]},"#, r#""data":null,"#,
                r#""startTime":"2020-02-30 10:00:00","#, r#""x":1,"x":2,"#,
            ] {
                let text = format!("{}{extra}{}", &s.text[..open], &s.text[open..]);
                engines_agree(text.as_bytes(), None)?;
            }
        }
    }

    #[test]
    fn engines_agree_on_the_examples_and_fixtures() {
        let root = env!("CARGO_MANIFEST_DIR");
        let dirs = ["examples/page", "examples/valid", "examples/invalid"]
            .into_iter()
            .chain([
                "tests/fixtures/valid",
                "tests/fixtures/invalid",
                "fuzz/seeds/validate",
            ]);
        let mut seen = 0;
        for dir in dirs {
            let Ok(entries) = std::fs::read_dir(format!("{root}/{dir}")) else {
                continue;
            };
            for entry in entries {
                let path = entry.expect("an entry").path();
                if path.is_file() {
                    let bytes = std::fs::read(&path).expect("readable");
                    seen += 1;
                    for kind in [None, Some(Kind::Request), Some(Kind::Response)] {
                        engines_agree(&bytes, kind).unwrap_or_else(|e| panic!("{path:?}: {e}"));
                    }
                }
            }
        }
        assert!(seen > 100, "only {seen} files");
    }
}

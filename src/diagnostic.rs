//! Findings and the report that holds them.

use std::borrow::Cow;
use std::fmt;

use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::envelope::{Request, Response};
use crate::position::Position;
use crate::rules::{Rule, Severity};
use crate::schema::Kind;

/// One finding: a rule, where it applies, and what is wrong.
///
/// Messages name the value and what was expected; a credential's value never appears in any
/// field.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Diagnostic {
    pub(crate) rule: Rule,
    pub(crate) severity: Severity,
    pub(crate) pointer: Cow<'static, str>,
    pub(crate) offset: usize,
    pub(crate) position: Position,
    pub(crate) message: String,
    pub(crate) hint: Option<Cow<'static, str>>,
}

impl Diagnostic {
    /// The rule it breaks.
    pub fn rule(&self) -> Rule {
        self.rule
    }

    /// Its severity after the profile and any overrides.
    pub fn severity(&self) -> Severity {
        self.severity
    }

    /// Whether it is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The RFC 6901 JSON Pointer of the offending value (`""` for the whole document). For a
    /// missing member, the pointer of the object that lacks it.
    pub fn pointer(&self) -> &str {
        &self.pointer
    }

    /// The byte offset in the input where the offending value (or key) starts.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The 1-based line and column of [`offset`](Diagnostic::offset); columns count characters.
    pub fn position(&self) -> Position {
        self.position
    }

    /// What is wrong: the value and what was expected.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// A likely cause or a way out, when one is known.
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}[{}]: {}",
            self.position.line, self.position.column, self.severity, self.rule, self.message
        )
    }
}

/// With serde, the diagnostic's object in `check --format json` for a payload that is a whole
/// file: `rule`, `severity`, `pointer`, `line`, `column`, `body` (always `null`: the payload is
/// not inside a HAR body), `message` and `hint`.
impl Serialize for Diagnostic {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_struct("Diagnostic", 8)?;
        out.serialize_field("rule", self.rule.id())?;
        out.serialize_field("severity", self.severity.as_str())?;
        out.serialize_field("pointer", &*self.pointer)?;
        out.serialize_field("line", &self.position.line)?;
        out.serialize_field("column", &self.position.column)?;
        out.serialize_field("body", &None::<()>)?;
        out.serialize_field("message", &self.message)?;
        out.serialize_field("hint", &self.hint.as_deref())?;
        out.end()
    }
}

/// A payload that conforms, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Payload {
    /// A request.
    Request(Box<Request>),
    /// A response.
    Response(Box<Response>),
}

/// The verdict on one payload: its findings, and the typed value when it conforms.
///
/// A payload that breaks the contract is a report with errors, never an `Err`.
///
/// With serde, a report is the payload's object in `check --format json` for a payload that is
/// a whole file, without the three members that say where it came from (`file`, `line`,
/// `entry`): `kind`, `verdict`, `errors`, `warnings`, `dropped` and `diagnostics`. The typed
/// payload is not serialized. To name the input too, place the report at its
/// [`Origin`](crate::report::Origin) as a [`Checked`](crate::report::Checked).
///
/// # Examples
///
/// ```
/// use cloudstorage_contract::{Options, Validator};
///
/// let validator = Validator::new(Options::default())?;
/// let report = validator.validate(br#"{"code": "200"}"#);
/// let json = serde_json::to_string(&report)?;
/// assert!(json.starts_with(r#"{"kind":"response","verdict":"violates","errors":"#));
/// assert!(json.contains(r#"{"rule":"wrong-type","severity":"error","pointer":"/code","line":1,"column":10,"body":null,"#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Report {
    pub(crate) kind: Option<Kind>,
    pub(crate) diagnostics: Vec<Diagnostic>,
    pub(crate) dropped: usize,
    pub(crate) error_count: usize,
    pub(crate) warning_count: usize,
    pub(crate) payload: Option<Payload>,
    pub(crate) internal: Option<String>,
}

impl Serialize for Report {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_struct("Report", 6)?;
        out.serialize_field("kind", &self.kind.map(Kind::as_str))?;
        out.serialize_field(
            "verdict",
            if self.conforms() {
                "conforms"
            } else {
                "violates"
            },
        )?;
        out.serialize_field("errors", &self.error_count)?;
        out.serialize_field("warnings", &self.warning_count)?;
        out.serialize_field("dropped", &self.dropped)?;
        out.serialize_field("diagnostics", &self.diagnostics)?;
        out.end()
    }
}

impl Report {
    /// Whether the payload honours the contract: no errors (warnings allowed), and a verdict
    /// was reached (no [internal error](Report::internal_error)).
    pub fn conforms(&self) -> bool {
        self.error_count == 0 && self.internal.is_none()
    }

    /// An inconsistency inside this crate met while judging the payload: the committed schema,
    /// the engine and the types disagree. It is a bug to report, with the payload, and never a
    /// verdict on the payload; when it is set, the report has no verdict (it does not
    /// [conform](Report::conforms), and its findings may be incomplete). The property tests and
    /// the fuzz target hold the engines and the types in agreement, so no payload is known to
    /// reach it.
    pub fn internal_error(&self) -> Option<&str> {
        self.internal.as_deref()
    }

    /// The kind of payload, once known.
    pub fn kind(&self) -> Option<Kind> {
        self.kind
    }

    /// The findings, in input order, at most the configured number.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// The errors among the findings.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }

    /// The warnings among the findings.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| !d.is_error())
    }

    /// How many findings were left out over the configured maximum.
    pub fn dropped(&self) -> usize {
        self.dropped
    }

    /// How many errors were found, counting any left out over the maximum.
    pub fn error_count(&self) -> usize {
        self.error_count
    }

    /// How many warnings were found, counting any left out over the maximum.
    pub fn warning_count(&self) -> usize {
        self.warning_count
    }

    /// The first `named` errors as `[rule] at "/pointer": message`, joined by `; `, then how
    /// many more there are: the one-line reason a gateway or a mock gives for refusing a
    /// payload. Messages never show a credential.
    ///
    /// # Examples
    ///
    /// ```
    /// use cloudstorage_contract::{Options, Validator};
    ///
    /// let validator = Validator::new(Options::default())?;
    /// let report = validator.validate_request(br#"{"id": "1", "version": "1.0", "request": {"apiVer": "1.0.6"}, "params": {}}"#);
    /// assert_eq!(
    ///     report.error_summary(1),
    ///     "[missing-field] at \"/params\": missing required member `iotId` in `params`; and 1 more error"
    /// );
    /// # Ok::<(), cloudstorage_contract::Error>(())
    /// ```
    pub fn error_summary(&self, named: usize) -> String {
        let mut parts: Vec<String> = self
            .errors()
            .take(named)
            .map(|d| format!("[{}] at \"{}\": {}", d.rule(), d.pointer(), d.message()))
            .collect();
        let more = self.error_count().saturating_sub(parts.len());
        if more > 0 {
            parts.push(format!(
                "and {more} more error{}",
                if more == 1 { "" } else { "s" }
            ));
        }
        parts.join("; ")
    }

    /// The typed payload, when it conforms and deserializes.
    pub fn payload(&self) -> Option<&Payload> {
        self.payload.as_ref()
    }

    /// The typed request, when the payload is a conforming request.
    pub fn request(&self) -> Option<&Request> {
        match &self.payload {
            Some(Payload::Request(r)) => Some(r),
            _ => None,
        }
    }

    /// The typed response, when the payload is a conforming response.
    pub fn response(&self) -> Option<&Response> {
        match &self.payload {
            Some(Payload::Response(r)) => Some(r),
            _ => None,
        }
    }
}

//! The report layer: where each payload came from, its findings placed in that input, the
//! counts of a run, and the writers of the five formats.
//!
//! A [`Report`](crate::Report) judges bytes; a [`Checked`] is that report placed in its input:
//! its [`Origin`] (a file, an NDJSON line, a HAR entry's request or response), and each finding
//! as a [`Finding`] at its line and column in the file. It keeps no payload bytes, so that a run
//! over a large input holds only what a writer prints.
//!
//! [`Writer`] writes a run in one [`Format`], a payload at a time; the modules below it are the
//! pieces it is made of, for a caller that renders on several threads and writes in order (as
//! `check` does). Every text that comes from a payload or a file name reaches a terminal or a CI
//! log [made safe](crate::terminal); the machine formats escape as their specifications say.
//!
//! With serde, a [`Checked`] is the object `check --format json` prints for that payload, a
//! [`Summary`] the `summary` object, byte for byte when written compactly.
//!
//! # Examples
//!
//! A gateway's log line, and a SARIF document for a test harness:
//!
//! ```
//! use cloudstorage_contract::report::{Checked, Format, Origin, Writer};
//! use cloudstorage_contract::{Options, Validator};
//!
//! let validator = Validator::new(Options::default())?;
//! let body = br#"{"code": 200, "data": null}"#;
//! let checked = Checked::new(validator.validate(body), Origin::file("order.json"), body, false);
//! let line = serde_json::to_string(&checked)?;
//! assert!(line.starts_with(r#"{"file":"order.json","line":null,"entry":null,"kind":"response","verdict":"violates""#));
//!
//! let mut sarif = Writer::new(Format::Sarif, Vec::new())?;
//! sarif.write(&checked)?;
//! let document = sarif.finish()?;
//! let log: serde_json::Value = serde_json::from_slice(&document)?;
//! assert_eq!(log["runs"][0]["results"][0]["ruleId"], "missing-data");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod explain;
pub mod github;
pub mod human;
pub mod json;
pub mod junit;
mod placed;
pub mod sarif;
pub mod step_summary;
mod writer;

use std::borrow::Cow;
use std::sync::Arc;

use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::har::Entry;
use crate::position::Position;
use crate::rules::{Rule, Severity};
use crate::schema::Kind;

pub use explain::explain;
pub use placed::HarPlacer;
pub use writer::{Format, Rendering, Writer};

/// Where a payload came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Origin {
    /// The path as the user gave it or as found under a directory (`<stdin>` for stdin).
    pub file: Arc<str>,
    /// The line the payload starts on: an NDJSON line, or the line of a HAR body's string.
    /// `None` for a whole-file payload.
    pub line: Option<u32>,
    /// The HAR entry, for a body inside a HAR file.
    pub entry: Option<Entry>,
}

impl Origin {
    /// A payload that is the whole of `file`.
    pub fn file(file: impl Into<Arc<str>>) -> Origin {
        Origin {
            file: file.into(),
            line: None,
            entry: None,
        }
    }

    /// A payload on `line` (1-based) of the NDJSON `file`.
    pub fn line(file: impl Into<Arc<str>>, line: u32) -> Origin {
        Origin {
            file: file.into(),
            line: Some(line),
            entry: None,
        }
    }

    /// A body of a HAR `file`: `entry`, whose string starts on `line`.
    pub fn har(file: impl Into<Arc<str>>, line: u32, entry: Entry) -> Origin {
        Origin {
            file: file.into(),
            line: Some(line),
            entry: Some(entry),
        }
    }

    /// The payload's name: `file`, `file:LINE` for NDJSON, `file#entries[3].response` for HAR.
    ///
    /// # Examples
    ///
    /// ```
    /// use cloudstorage_contract::report::Origin;
    ///
    /// assert_eq!(Origin::line("traffic.ndjson", 3).name(), "traffic.ndjson:3");
    /// ```
    pub fn name(&self) -> String {
        match (self.entry, self.line) {
            (Some(entry), _) => format!("{}#{entry}", self.file),
            (None, Some(line)) => format!("{}:{line}", self.file),
            (None, None) => self.file.to_string(),
        }
    }
}

/// The line of source text under a finding, for the human format.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Source {
    /// The line number shown in the gutter (in the file, or in a HAR body).
    pub line: u32,
    /// The line's text, without its terminator.
    pub text: String,
    /// The 1-based column (in chars) of the value in `text`.
    pub column: u32,
}

/// One finding, placed in the file on disk: a [`Diagnostic`](crate::Diagnostic) at its place in
/// the input rather than in the payload.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Finding {
    /// The rule it breaks.
    pub rule: Rule,
    /// Its severity after the profile and any overrides.
    pub severity: Severity,
    /// JSON Pointer within the payload.
    pub pointer: Cow<'static, str>,
    /// Line and column in [`Origin::file`]. For a base64 HAR body, the start of its string.
    pub position: Position,
    /// For a HAR body: the line and column within the decoded body text.
    pub body: Option<Position>,
    /// What is wrong: the value and what was expected.
    pub message: String,
    /// A likely cause or a way out, when one is known.
    pub hint: Option<Cow<'static, str>>,
    /// The source line, kept for the human format only.
    pub source: Option<Source>,
}

/// The verdict on one payload, placed in its input: what the writers print.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Checked {
    /// Where the payload came from.
    pub origin: Origin,
    /// The kind, when known.
    pub kind: Option<Kind>,
    /// Errors, counting any left out over the maximum.
    pub errors: usize,
    /// Warnings, counting any left out over the maximum.
    pub warnings: usize,
    /// Findings left out over the per-payload maximum.
    pub dropped: usize,
    /// The findings, in input order.
    pub findings: Vec<Finding>,
    /// An inconsistency inside this crate met on this payload: no verdict, no output in any
    /// format, an `error:` line instead (see [`Report::internal_error`](crate::Report::internal_error)).
    pub internal: Option<String>,
}

impl Checked {
    /// No errors (warnings allowed).
    pub fn conforms(&self) -> bool {
        self.errors == 0
    }

    /// `conforms` or `violates`.
    pub fn verdict(&self) -> &'static str {
        if self.conforms() {
            "conforms"
        } else {
            "violates"
        }
    }
}

/// The counts over a whole run: with serde, the `summary` object of `check --format json`.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[non_exhaustive]
pub struct Summary {
    /// Payloads checked.
    pub payloads: usize,
    /// Payloads without errors.
    pub conforming: usize,
    /// Payloads with at least one error.
    pub violating: usize,
    /// Errors over all payloads.
    pub errors: usize,
    /// Warnings over all payloads.
    pub warnings: usize,
    /// HAR entries that are not `order/get` calls.
    pub skipped: usize,
}

impl Summary {
    /// Adds the counts of part of a run.
    pub fn merge(&mut self, part: &Summary) {
        self.payloads += part.payloads;
        self.conforming += part.conforming;
        self.violating += part.violating;
        self.errors += part.errors;
        self.warnings += part.warnings;
        self.skipped += part.skipped;
    }

    /// Counts one payload.
    pub fn add(&mut self, checked: &Checked) {
        self.payloads += 1;
        if checked.conforms() {
            self.conforming += 1;
        } else {
            self.violating += 1;
        }
        self.errors += checked.errors;
        self.warnings += checked.warnings;
    }

    /// The one-line summary shared by the text formats, without colour.
    pub fn line(&self) -> String {
        let mut line = format!(
            "checked {}: {} {}, {} {}, {}",
            plural(self.payloads, "payload", "payloads"),
            self.conforming,
            if self.conforming == 1 {
                "conforms"
            } else {
                "conform"
            },
            self.violating,
            if self.violating == 1 {
                "violates"
            } else {
                "violate"
            },
            plural(self.warnings, "warning", "warnings"),
        );
        if self.skipped > 0 {
            line.push_str(&format!(
                ", {} skipped",
                plural(self.skipped, "HAR entry", "HAR entries")
            ));
        }
        line
    }
}

/// The payload's object in `check --format json`: `file`, `line`, `entry`, `kind`, `verdict`,
/// `errors`, `warnings`, `dropped` and `diagnostics`, in that order.
impl Serialize for Checked {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_struct("Checked", 9)?;
        out.serialize_field("file", &*self.origin.file)?;
        out.serialize_field("line", &self.origin.line)?;
        out.serialize_field("entry", &self.origin.entry.map(|e| e.to_string()))?;
        out.serialize_field("kind", &self.kind.map(Kind::as_str))?;
        out.serialize_field("verdict", self.verdict())?;
        out.serialize_field("errors", &self.errors)?;
        out.serialize_field("warnings", &self.warnings)?;
        out.serialize_field("dropped", &self.dropped)?;
        out.serialize_field("diagnostics", &self.findings)?;
        out.end()
    }
}

/// A line and column as `{"line": N, "column": N}`.
#[derive(serde::Serialize)]
struct At {
    line: u32,
    column: u32,
}

impl From<Position> for At {
    fn from(p: Position) -> At {
        At {
            line: p.line,
            column: p.column,
        }
    }
}

/// A diagnostic's object in `check --format json`: `rule`, `severity`, `pointer`, `line` and
/// `column` in the file, `body` (the position in a HAR body, or `null`), `message` and `hint`.
impl Serialize for Finding {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_struct("Finding", 8)?;
        out.serialize_field("rule", self.rule.id())?;
        out.serialize_field("severity", self.severity.as_str())?;
        out.serialize_field("pointer", &*self.pointer)?;
        out.serialize_field("line", &self.position.line)?;
        out.serialize_field("column", &self.position.column)?;
        out.serialize_field("body", &self.body.map(At::from))?;
        out.serialize_field("message", &self.message)?;
        out.serialize_field("hint", &self.hint.as_deref())?;
        out.end()
    }
}

/// Appends `item` to a list of items separated by `,\n` (the json format's payloads, the
/// sarif format's results); `any` tells whether the list has an item already. An empty item
/// adds nothing.
pub(crate) fn push_item(out: &mut Vec<u8>, any: &mut bool, item: &[u8]) {
    if item.is_empty() {
        return;
    }
    if *any {
        out.extend_from_slice(b",\n");
    }
    out.extend_from_slice(item);
    *any = true;
}

/// `1 payload`, `2 payloads`.
pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A violating NDJSON payload and a conforming HAR body with a warning.
    pub(crate) fn results() -> (Vec<Checked>, Summary) {
        let violating = Checked {
            origin: Origin {
                file: "in/a&b.ndjson".into(),
                line: Some(3),
                entry: None,
            },
            kind: Some(Kind::Response),
            errors: 1,
            warnings: 0,
            dropped: 0,
            internal: None,
            findings: vec![Finding {
                rule: Rule::WrongType,
                severity: Severity::Error,
                pointer: "/code".into(),
                position: Position {
                    line: 3,
                    column: 10,
                },
                body: None,
                message: "`code` is \"200\" <a string>, expected an integer".into(),
                hint: Some("send 100%, not 50%: a, b".into()),
                source: Some(Source {
                    line: 3,
                    text: r#"{"code": "200"}"#.into(),
                    column: 10,
                }),
            }],
        };
        let warning = Checked {
            origin: Origin {
                file: "cap.har".into(),
                line: Some(12),
                entry: Some(Entry {
                    index: 2,
                    side: crate::har::Side::Response,
                }),
            },
            kind: Some(Kind::Response),
            errors: 0,
            warnings: 1,
            dropped: 0,
            internal: None,
            findings: vec![Finding {
                rule: Rule::SingleDigitSeconds,
                severity: Severity::Warning,
                pointer: "/data/startTime".into(),
                position: Position {
                    line: 12,
                    column: 40,
                },
                body: Some(Position { line: 1, column: 5 }),
                message: "`startTime` is \"2020-08-25 10:00:0\"\nwith a single-digit seconds field"
                    .into(),
                hint: None,
                source: Some(Source {
                    line: 1,
                    text: "\t\"startTime\": \"2020-08-25 10:00:0\"".into(),
                    column: 15,
                }),
            }],
        };
        let clean = Checked {
            origin: Origin {
                file: "ok.json".into(),
                line: None,
                entry: None,
            },
            kind: Some(Kind::Request),
            errors: 0,
            warnings: 0,
            dropped: 0,
            internal: None,
            findings: Vec::new(),
        };
        let results = vec![violating, warning, clean];
        let mut summary = Summary {
            skipped: 1,
            ..Summary::default()
        };
        for r in &results {
            summary.add(r);
        }
        (results, summary)
    }

    /// A report serializes as its payload's object for a whole file, less where it came from.
    #[test]
    fn a_report_is_its_whole_file_object_less_the_origin() {
        let validator = crate::Validator::new(crate::Options::default()).unwrap();
        let page = crate::sample::PAGE_SUCCESS.as_bytes();
        for bytes in [
            &br#"{"code": "200", "data": {"x": 1}}"#[..],
            page,
            b"",
            b"[1]",
        ] {
            let report = validator.validate(bytes);
            assert!(!report.diagnostics().is_empty());
            let alone = serde_json::to_value(&report).unwrap();
            let checked = Checked::new(report, Origin::file("a.json"), bytes, false);
            let mut placed = serde_json::to_value(&checked).unwrap();
            let object = placed.as_object_mut().unwrap();
            for member in ["file", "line", "entry"] {
                assert!(object.remove(member).is_some(), "{member}");
            }
            assert_eq!(alone, placed);
        }
    }

    #[test]
    fn names_and_summary_line() {
        let (results, summary) = results();
        assert_eq!(results[0].origin.name(), "in/a&b.ndjson:3");
        assert_eq!(results[1].origin.name(), "cap.har#entries[2].response");
        assert_eq!(results[2].origin.name(), "ok.json");
        assert_eq!(
            summary.line(),
            "checked 3 payloads: 2 conform, 1 violates, 1 warning, 1 HAR entry skipped"
        );
    }
}

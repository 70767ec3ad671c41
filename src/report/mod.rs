//! Renderers: pure functions from checked payloads to text, one file per output format.
//!
//! The command line turns each library [`Report`](crate::Report) into a [`Checked`]: where the
//! payload came from, its verdict, and its findings placed in the file on disk. It keeps no
//! payload bytes, so that a run over a large input holds only what the renderer prints.
//!
//! Formats that can stream (human, json, sarif, github) render one payload at a time, between a
//! header and a footer; junit needs its counts up front and takes every result at once.

pub(crate) mod github;
pub(crate) mod human;
pub(crate) mod json;
pub(crate) mod junit;
pub(crate) mod sarif;
pub(crate) mod step_summary;

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use crate::position::Position;
use crate::rules::{Rule, Severity};
use crate::schema::Kind;

/// Which body of a HAR entry a payload is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    /// `request.postData.text`.
    Request,
    /// `response.content.text`.
    Response,
}

impl Part {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Part::Request => "request",
            Part::Response => "response",
        }
    }
}

/// A body inside a HAR file: `entries[index].part`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entry {
    /// The index in `log.entries`.
    pub(crate) index: usize,
    /// Which body.
    pub(crate) part: Part,
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "entries[{}].{}", self.index, self.part.as_str())
    }
}

/// Where a payload came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Origin {
    /// The path as the user gave it or as found under a directory (`<stdin>` for stdin).
    pub(crate) file: Arc<str>,
    /// The line the payload starts on: an NDJSON line, or the line of a HAR body's string.
    /// `None` for a whole-file payload.
    pub(crate) line: Option<u32>,
    /// The HAR entry, for a body inside a HAR file.
    pub(crate) entry: Option<Entry>,
}

impl Origin {
    /// The payload's name: `file`, `file:LINE` for NDJSON, `file#entries[3].response` for HAR.
    pub(crate) fn name(&self) -> String {
        match (self.entry, self.line) {
            (Some(entry), _) => format!("{}#{entry}", self.file),
            (None, Some(line)) => format!("{}:{line}", self.file),
            (None, None) => self.file.to_string(),
        }
    }
}

/// The line of source text under a finding, for the human format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Source {
    /// The line number shown in the gutter (in the file, or in a HAR body).
    pub(crate) line: u32,
    /// The line's text, without its terminator.
    pub(crate) text: String,
    /// The 1-based column (in chars) of the value in `text`.
    pub(crate) column: u32,
}

/// One finding, placed in the file on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    pub(crate) rule: Rule,
    pub(crate) severity: Severity,
    /// JSON Pointer within the payload.
    pub(crate) pointer: Cow<'static, str>,
    /// Line and column in [`Origin::file`]. For a base64 HAR body, the start of its string.
    pub(crate) position: Position,
    /// For a HAR body: the line and column within the decoded body text.
    pub(crate) body: Option<Position>,
    pub(crate) message: String,
    pub(crate) hint: Option<Cow<'static, str>>,
    /// The source line, kept for the human format only.
    pub(crate) source: Option<Source>,
}

/// The verdict on one payload, as the renderers see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Checked {
    pub(crate) origin: Origin,
    /// The kind, when known.
    pub(crate) kind: Option<Kind>,
    pub(crate) errors: usize,
    pub(crate) warnings: usize,
    /// Findings left out over the per-payload maximum.
    pub(crate) dropped: usize,
    pub(crate) findings: Vec<Finding>,
    /// An inconsistency inside this crate met on this payload: no verdict, no output in any
    /// format, an `error:` line instead (see [`crate::Report::internal_error`]).
    pub(crate) internal: Option<String>,
}

impl Checked {
    /// No errors (warnings allowed).
    pub(crate) fn conforms(&self) -> bool {
        self.errors == 0
    }

    /// `conforms` or `violates`.
    pub(crate) fn verdict(&self) -> &'static str {
        if self.conforms() {
            "conforms"
        } else {
            "violates"
        }
    }
}

/// The counts over a whole run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Summary {
    /// Payloads checked.
    pub(crate) payloads: usize,
    /// Payloads without errors.
    pub(crate) conforming: usize,
    /// Payloads with at least one error.
    pub(crate) violating: usize,
    /// Errors over all payloads.
    pub(crate) errors: usize,
    /// Warnings over all payloads.
    pub(crate) warnings: usize,
    /// HAR entries that are not `order/get` calls.
    pub(crate) skipped: usize,
}

impl Summary {
    /// Adds the counts of part of a run.
    pub(crate) fn merge(&mut self, part: &Summary) {
        self.payloads += part.payloads;
        self.conforming += part.conforming;
        self.violating += part.violating;
        self.errors += part.errors;
        self.warnings += part.warnings;
        self.skipped += part.skipped;
    }

    /// Counts one payload.
    pub(crate) fn add(&mut self, checked: &Checked) {
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
    pub(crate) fn line(&self) -> String {
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
                    part: Part::Response,
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

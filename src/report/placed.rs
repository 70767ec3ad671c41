//! Placing a report in its input: each finding's line and column in the file on disk, from the
//! payload's position in it (an NDJSON line, a HAR body's string).

use std::sync::Arc;

use super::{Checked, Finding, Origin, Source};
use crate::Report;
use crate::har::{self, Body};
use crate::position::{LineIndex, Position};
use crate::rules::{Rule, Severity};

impl Checked {
    /// `report`, the verdict on `bytes`, placed at `origin`: a payload that starts on
    /// `origin.line` (or line 1) of its file. With `with_source`, each finding keeps its source
    /// line for the human format. The report's strings move into the findings: nothing is
    /// copied.
    ///
    /// # Examples
    ///
    /// ```
    /// use cloudstorage_contract::report::{Checked, Origin};
    /// use cloudstorage_contract::{Options, Validator};
    ///
    /// let validator = Validator::new(Options::default())?;
    /// let line = br#"{"code": "200"}"#;
    /// let checked = Checked::new(validator.validate(line), Origin::line("a.ndjson", 7), line, false);
    /// assert_eq!(checked.findings[0].position.line, 7);
    /// assert_eq!(checked.findings[0].position.column, 10);
    /// # Ok::<(), cloudstorage_contract::Error>(())
    /// ```
    pub fn new(mut report: Report, origin: Origin, bytes: &[u8], with_source: bool) -> Checked {
        let first_line = origin.line.unwrap_or(1);
        let lines =
            (with_source && !report.diagnostics().is_empty()).then(|| LineIndex::new(bytes));
        let findings = std::mem::take(&mut report.diagnostics)
            .into_iter()
            .map(|d| {
                let at = d.position;
                let line = first_line.saturating_add(at.line - 1);
                Finding {
                    rule: d.rule,
                    severity: d.severity,
                    pointer: d.pointer,
                    position: Position {
                        line,
                        column: at.column,
                    },
                    body: None,
                    message: d.message,
                    hint: d.hint,
                    source: lines.as_ref().and_then(|l| {
                        Some(Source {
                            line,
                            text: l.line_text(at.line)?.into_owned(),
                            column: at.column,
                        })
                    }),
                }
            })
            .collect();
        Checked::with(&report, origin, findings)
    }

    /// The verdict on a payload of `len` bytes at `origin`, over the limit of `max` bytes, which
    /// was never read whole: one `too-large` error.
    pub fn too_large(origin: Origin, len: u64, max: usize) -> Checked {
        let line = origin.line.unwrap_or(1);
        Checked {
            origin,
            kind: None,
            errors: 1,
            warnings: 0,
            dropped: 0,
            internal: None,
            findings: vec![Finding {
                rule: Rule::TooLarge,
                severity: Severity::Error,
                pointer: "".into(),
                position: Position { line, column: 1 },
                body: None,
                message: format!("the input is {len} bytes, over the limit of {max}"),
                hint: Some("raise the limit with `--max-bytes`".into()),
                source: None,
            }],
        }
    }

    fn with(report: &Report, origin: Origin, findings: Vec<Finding>) -> Checked {
        Checked {
            origin,
            kind: report.kind(),
            errors: report.error_count(),
            warnings: report.warning_count(),
            dropped: report.dropped(),
            findings,
            internal: report.internal_error().map(str::to_owned),
        }
    }
}

/// A HAR file's bytes, indexed once, to place the findings of its bodies
/// ([`har::calls`](crate::har::calls)) in the file. It owns the bytes, so that threads can
/// share it.
#[derive(Debug, Clone)]
pub struct HarPlacer {
    lines: LineIndex<Arc<[u8]>>,
    file: Arc<str>,
}

impl HarPlacer {
    /// The HAR file `file`, whose bytes are `bytes`.
    pub fn new(file: Arc<str>, bytes: impl Into<Arc<[u8]>>) -> Self {
        HarPlacer {
            lines: LineIndex::new(bytes.into()),
            file,
        }
    }

    /// The HAR file's bytes.
    pub fn bytes(&self) -> &[u8] {
        self.lines.bytes()
    }

    /// `report`, the verdict on `body`, placed in the file: each finding at the file's line and
    /// column (through the string's escapes), with its position in the body as
    /// [`Finding::body`]. With `with_source`, each finding keeps its body's source line.
    pub fn checked(&self, report: &Report, body: &Body, with_source: bool) -> Checked {
        let body_lines =
            (with_source && !report.diagnostics().is_empty()).then(|| LineIndex::new(&body.bytes));
        let findings = report
            .diagnostics()
            .iter()
            .map(|d| {
                let offset = if body.literal {
                    har::raw_offset(self.bytes(), body.anchor, d.offset())
                } else {
                    body.anchor
                };
                let at = d.position();
                Finding {
                    rule: d.rule(),
                    severity: d.severity(),
                    pointer: d.pointer.clone(),
                    position: self.lines.position(offset),
                    body: Some(at),
                    message: d.message().to_owned(),
                    hint: d.hint.clone(),
                    source: body_lines.as_ref().and_then(|l| {
                        Some(Source {
                            line: at.line,
                            text: l.line_text(at.line)?.into_owned(),
                            column: at.column,
                        })
                    }),
                }
            })
            .collect();
        let origin = Origin::har(
            self.file.clone(),
            self.lines.position(body.anchor).line,
            body.entry,
        );
        Checked::with(report, origin, findings)
    }
}

//! `Validator.scan_ndjson`: one NDJSON file's bytes in (as Spark's `binaryFile` source reads
//! it), its payloads split, numbered, validated and profiled here, and the rows out as Arrow
//! record batches, so that no line becomes a JVM row or a Python object.
//!
//! Lines are those of `cloudstorage-contract check` (`cli/src/read.rs`): a line ends at `\n`,
//! a `\r` before that `\n` is dropped, a line of ASCII whitespace only is skipped but counted,
//! a last line without `\n` is a line when it is not empty, and a `\r` anywhere else is part
//! of the payload. A file whose name ends in `.gz` (any case) is decompressed as it is split,
//! every gzip member of it, [`CHUNK`] bytes at a time: a task holds the compressed file, the
//! line being read, and the rows of one batch. The Spark tests hold the two readers together
//! on a corpus with every case above.

use std::io::{self, Read};
use std::ops::Range;
use std::sync::Arc;

use arrow_array::{Array, Int32Array, StringArray, StructArray};
use arrow_buffer::{OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, Fields};
use flate2::read::MultiGzDecoder;
use pyo3::exceptions::{PyOSError, PyTypeError, PyValueError};
use pyo3::prelude::*;

use cloudstorage_contract::Report;
use cloudstorage_contract::traffic::{Origin, TrafficProfile};

use crate::arrow::{Columns, Values, export, import, internal};
use crate::profile::TrafficProfile as PyProfile;
use crate::validator::Validator;

/// How many decompressed bytes a gzipped file is read by.
const CHUNK: usize = 1024 * 1024;

/// Which payloads get a row.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rows {
    /// Every payload.
    All,
    /// Payloads with at least one finding (error or warning).
    Findings,
    /// Payloads that violate the contract.
    Violations,
}

impl Rows {
    pub(crate) fn parse(rows: &str) -> PyResult<Rows> {
        match rows {
            "all" => Ok(Rows::All),
            "findings" => Ok(Rows::Findings),
            "violations" => Ok(Rows::Violations),
            other => Err(PyValueError::new_err(format!(
                "unknown rows `{other}`, expected one of: all, findings, violations"
            ))),
        }
    }

    fn keeps(self, report: &Report) -> bool {
        match self {
            Rows::All => true,
            Rows::Findings => !report.diagnostics().is_empty(),
            Rows::Violations => !report.conforms(),
        }
    }
}

/// The single value of the array a file's bytes came in.
struct Content(Values);

impl Content {
    fn bytes(&self) -> &[u8] {
        self.0.get(0).unwrap_or_default()
    }
}

/// The bytes of a [`Content`] from `pos` on, as a reader (for the gzip decoder).
struct Cursor {
    content: Arc<Content>,
    pos: usize,
}

impl Read for Cursor {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let rest = self.content.bytes().get(self.pos..).unwrap_or_default();
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.pos += n;
        Ok(n)
    }
}

/// Where a file's lines are read from.
enum Source {
    /// The file's bytes as they came: each line is a range of them, never copied.
    Plain { content: Arc<Content>, pos: usize },
    /// Read (and decompressed, for a `.gz`) into `buf` [`CHUNK`] bytes at a time as it is
    /// split; `buf[start..]` is not handed out yet.
    Stream {
        decoder: Box<dyn Read + Send + Sync>,
        buf: Vec<u8>,
        start: usize,
        /// How many bytes after `start` have no newline.
        scanned: usize,
        done: bool,
    },
}

/// The numbered lines of one file, as `check` reads an NDJSON input.
struct Lines {
    source: Source,
    number: u32,
}

impl Lines {
    /// The next line, its `\n` and the `\r` before it left out, and whether the file ended
    /// without one: `(number, bytes)`.
    fn next(&mut self) -> io::Result<Option<(u32, &[u8])>> {
        let (bytes, ended) = match &mut self.source {
            Source::Plain { content, pos } => {
                let all = content.bytes();
                let rest = all.get(*pos..).unwrap_or_default();
                if rest.is_empty() {
                    return Ok(None);
                }
                match memchr::memchr(b'\n', rest) {
                    Some(i) => {
                        *pos += i + 1;
                        (&rest[..i], false)
                    }
                    None => {
                        *pos = all.len();
                        (rest, true)
                    }
                }
            }
            Source::Stream {
                decoder,
                buf,
                start,
                scanned,
                done,
            } => loop {
                let from = *start + *scanned;
                if let Some(i) = memchr::memchr(b'\n', buf.get(from..).unwrap_or_default()) {
                    let line: Range<usize> = *start..from + i;
                    *start = from + i + 1;
                    *scanned = 0;
                    break (buf.get(line).unwrap_or_default(), false);
                }
                if *done {
                    let line = *start..buf.len();
                    *start = buf.len();
                    *scanned = 0;
                    if line.is_empty() {
                        return Ok(None);
                    }
                    break (buf.get(line).unwrap_or_default(), true);
                }
                *scanned = buf.len() - *start;
                buf.drain(..*start);
                *start = 0;
                let before = buf.len();
                buf.reserve(CHUNK);
                (&mut **decoder).take(CHUNK as u64).read_to_end(buf)?;
                *done = buf.len() == before;
            },
        };
        self.number = self.number.saturating_add(1);
        let bytes = match bytes.split_last() {
            Some((b'\r', head)) if !ended => head,
            _ => bytes,
        };
        Ok(Some((self.number, bytes)))
    }
}

/// The rows of one batch, and the file they are of.
#[derive(Default)]
struct Batch {
    lines: Vec<i32>,
    columns: Columns,
}

/// The payloads of one NDJSON file, validated batch by batch: an iterator of
/// `pyarrow.RecordBatch` with the columns `file`, `line`, `conforms`, `errors`, `warnings` and
/// `diagnostics`, one row for each payload that `rows` keeps. Once it is exhausted, `counts`
/// holds the counts of every payload and `profile` their profile (when asked for).
#[pyclass(module = "cloudstorage_contract")]
pub(crate) struct NdjsonScan {
    validator: Py<Validator>,
    file: Arc<str>,
    lines: Lines,
    rows: Rows,
    batch: usize,
    profile: Option<TrafficProfile>,
    payloads: u64,
    conforming: u64,
    errors: u64,
    warnings: u64,
    failed: bool,
}

impl NdjsonScan {
    /// Validates lines until `batch` rows are kept or the file ends.
    fn fill(&mut self) -> io::Result<Batch> {
        let mut out = Batch::default();
        while out.lines.len() < self.batch {
            let Some((number, bytes)) = self.lines.next()? else {
                break;
            };
            if bytes.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let validator = &self.validator.get().inner;
            let report = match &mut self.profile {
                Some(profile) => {
                    let origin = Origin::line(&*self.file, number);
                    validator.validate_profiled(bytes, None, &origin, profile)
                }
                None => validator.validate(bytes),
            };
            self.payloads += 1;
            self.conforming += u64::from(report.conforms());
            self.errors += report.error_count() as u64;
            self.warnings += report.warning_count() as u64;
            if self.rows.keeps(&report) {
                out.lines.push(i32::try_from(number).unwrap_or(i32::MAX));
                out.columns.push(Some(report));
            }
        }
        Ok(out)
    }
}

#[pymethods]
impl NdjsonScan {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        if self.failed {
            return Ok(None);
        }
        let filled = py.detach(|| self.fill());
        let batch = match filled {
            Ok(batch) => batch,
            Err(e) => {
                self.failed = true;
                return Err(PyValueError::new_err(format!("{}: {e}", self.file)));
            }
        };
        if batch.lines.is_empty() {
            return Ok(None);
        }
        let len = batch.lines.len();
        let verdicts = batch.columns.finish()?;
        let file = StringArray::new(
            OffsetBuffer::from_lengths(std::iter::repeat_n(self.file.len(), len)),
            self.file.repeat(len).into_bytes().into(),
            None,
        );
        let (fields, columns, _) = verdicts.into_parts();
        let mut all_fields = vec![
            Arc::new(Field::new("file", DataType::Utf8, false)),
            Arc::new(Field::new("line", DataType::Int32, false)),
        ];
        all_fields.extend(fields.iter().cloned());
        let mut all_columns: Vec<Arc<dyn Array>> = vec![
            Arc::new(file),
            Arc::new(Int32Array::new(ScalarBuffer::from(batch.lines), None)),
        ];
        all_columns.extend(columns);
        let batch =
            StructArray::try_new(Fields::from(all_fields), all_columns, None).map_err(internal)?;
        export(py, batch).map(Some)
    }

    /// `(payloads, conforming, violating, errors, warnings)` of the payloads read so far
    /// (every payload, whichever `rows` kept).
    #[getter]
    fn counts(&self) -> (u64, u64, u64, u64, u64) {
        (
            self.payloads,
            self.conforming,
            self.payloads - self.conforming,
            self.errors,
            self.warnings,
        )
    }

    /// The profile of the payloads read so far, `None` unless `profile=True`.
    #[getter]
    fn profile(&self) -> Option<PyProfile> {
        self.profile.clone().map(|inner| PyProfile { inner })
    }
}

/// `Validator.scan_ndjson`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn scan(
    validator: Py<Validator>,
    content: &Bound<'_, PyAny>,
    file: &str,
    rows: &str,
    profile: bool,
    cap: usize,
    batch: usize,
) -> PyResult<NdjsonScan> {
    let rows = Rows::parse(rows)?;
    if batch == 0 {
        return Err(PyValueError::new_err(
            "`batch` is 0, expected at least 1 row",
        ));
    }
    let gzip = std::path::Path::new(file)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"));
    let source = if let Ok(path) = content.extract::<std::path::PathBuf>() {
        // A file the task opens itself: read as it is split, with a bounded buffer.
        let opened = std::fs::File::open(&path)
            .map_err(|e| PyOSError::new_err(format!("{}: {e}", path.display())))?;
        let decoder: Box<dyn Read + Send + Sync> = if gzip {
            Box::new(MultiGzDecoder::new(io::BufReader::new(opened)))
        } else {
            Box::new(opened)
        };
        stream(decoder)
    } else {
        let values = Values::new(import(content)?)?;
        if values.len() != 1 || values.get(0).is_none() {
            return Err(PyTypeError::new_err(format!(
                "`content` has {} values, expected one: the file's bytes",
                values.len()
            )));
        }
        let content = Arc::new(Content(values));
        if gzip {
            stream(Box::new(MultiGzDecoder::new(Cursor { content, pos: 0 })))
        } else {
            Source::Plain { content, pos: 0 }
        }
    };
    Ok(NdjsonScan {
        validator,
        file: file.into(),
        lines: Lines { source, number: 0 },
        rows,
        batch,
        profile: profile.then(|| TrafficProfile::with_cap(cap)),
        payloads: 0,
        conforming: 0,
        errors: 0,
        warnings: 0,
        failed: false,
    })
}

/// A source that reads `decoder` as it is split.
fn stream(decoder: Box<dyn Read + Send + Sync>) -> Source {
    Source::Stream {
        decoder,
        buf: Vec::new(),
        start: 0,
        scanned: 0,
        done: false,
    }
}

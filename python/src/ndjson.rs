//! `Validator.scan_ndjson`: one NDJSON file's bytes in (as Spark's `binaryFile` source reads
//! it), its payloads split, numbered, validated and profiled here, and the rows out as Arrow
//! record batches, so that no line becomes a JVM row or a Python object.
//!
//! Lines are split and numbered by the library's splitter ([`cloudstorage_contract::ndjson`]),
//! the one `cloudstorage-contract check` reads NDJSON with: a line over the limit is not read
//! whole and gets `check`'s `too-large` verdict. A file whose name ends in `.gz` (any case) is
//! decompressed as it is split, every gzip member of it; every file is read [`CHUNK`] bytes at
//! a time, so that a task holds the file's bytes (when handed over as bytes), a line and a
//! chunk, and the rows of one batch.

use std::io::{self, Read};
use std::sync::Arc;

use arrow_array::{Array, Int32Array, StringArray, StructArray};
use arrow_buffer::{OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, Fields};
use flate2::read::MultiGzDecoder;
use pyo3::exceptions::{PyOSError, PyTypeError, PyValueError};
use pyo3::prelude::*;

use cloudstorage_contract::ndjson::{Line, Lines, Payload};
use cloudstorage_contract::report::{self, Checked};
use cloudstorage_contract::traffic::{Origin, TrafficProfile};
use cloudstorage_contract::{DEFAULT_MAX_BYTES, Report, Validator};

use crate::arrow::{Columns, Values, export, import, internal};
use crate::profile::TrafficProfile as PyProfile;

/// How many bytes (decompressed, for a gzipped file) a file is read by; the lines handed out
/// are let go once they fill as many.
const CHUNK: usize = 1024 * 1024;

/// With several threads: the most lines read before they are validated together, each thread
/// taking a contiguous share.
const WAVE: usize = 4096;

/// With several threads: the most bytes a wave holds before it is validated (a single line
/// over it is a wave alone, and at most `DEFAULT_MAX_BYTES`).
const WAVE_BYTES: usize = 8 * CHUNK;

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

    /// Whether a payload that `conforms` (or not), with or without `findings`, gets a row.
    fn keeps(self, conforms: bool, findings: bool) -> bool {
        match self {
            Rows::All => true,
            Rows::Findings => findings,
            Rows::Violations => !conforms,
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

/// The bytes of a [`Content`] from `pos` on, as a reader.
struct Cursor {
    content: Content,
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
    validator: Arc<Validator>,
    file: Arc<str>,
    lines: Lines<Box<dyn Read + Send + Sync>>,
    /// What `lines` reads into: the lines handed out, then the bytes read ahead.
    buf: Vec<u8>,
    rows: Rows,
    batch: usize,
    /// Threads validating each wave of lines (the calling one included).
    jobs: usize,
    profile: Option<TrafficProfile>,
    /// With several threads, the profiles of the threads besides the calling one, whose share
    /// of each wave is profiled apart; merged into `profile` when it is read.
    workers: Vec<TrafficProfile>,
    payloads: u64,
    conforming: u64,
    errors: u64,
    warnings: u64,
    failed: bool,
}

impl NdjsonScan {
    /// Validates lines until `batch` rows are kept or the file ends.
    fn fill(&mut self) -> io::Result<Batch> {
        if self.jobs > 1 {
            return self.fill_waves();
        }
        let mut out = Batch::default();
        while out.lines.len() < self.batch {
            if self.buf.len() - self.lines.read_ahead() >= CHUNK {
                self.lines.discard(&mut self.buf);
            }
            let Some(Line {
                number, payload, ..
            }) = self.lines.next_line(&mut self.buf)?
            else {
                break;
            };
            let row = i32::try_from(number).unwrap_or(i32::MAX);
            match payload {
                Payload::Bytes(range) => {
                    let bytes = self.buf.get(range).unwrap_or_default();
                    let validator = &*self.validator;
                    let report = match &mut self.profile {
                        Some(profile) => {
                            let origin = Origin::line(&*self.file, number);
                            validator.validate_profiled(bytes, None, &origin, profile)
                        }
                        None => validator.validate(bytes),
                    };
                    self.keep(&mut out, row, report);
                }
                Payload::TooLarge(len) => self.keep_too_large(&mut out, number, len),
            }
        }
        Ok(out)
    }

    /// [`fill`](Self::fill) on several threads: lines are read a wave at a time (at most
    /// [`WAVE`] lines, [`WAVE_BYTES`] bytes and the rows the batch has room for), each thread
    /// validates a contiguous share of the wave, and the rows are kept in the lines' order.
    fn fill_waves(&mut self) -> io::Result<Batch> {
        let mut out = Batch::default();
        let mut ended = false;
        while !ended && out.lines.len() < self.batch {
            // The lines of the previous wave are done with.
            self.lines.discard(&mut self.buf);
            let room = (self.batch - out.lines.len()).min(WAVE);
            let mut wave = Vec::with_capacity(room);
            while wave.len() < room && self.buf.len() < WAVE_BYTES {
                match self.lines.next_line(&mut self.buf)? {
                    Some(Line {
                        number, payload, ..
                    }) => wave.push((number, payload)),
                    None => {
                        ended = true;
                        break;
                    }
                }
            }
            let reports = self.judge(&wave);
            for ((number, payload), report) in wave.into_iter().zip(reports) {
                let row = i32::try_from(number).unwrap_or(i32::MAX);
                match (payload, report) {
                    (Payload::TooLarge(len), _) => self.keep_too_large(&mut out, number, len),
                    (Payload::Bytes(_), Some(report)) => self.keep(&mut out, row, report),
                    // `judge` reports every payload it was given.
                    (Payload::Bytes(_), None) => {}
                }
            }
        }
        Ok(out)
    }

    /// The report of each payload of `wave` (`None` for a line too large), the wave shared
    /// between [`jobs`](Self::jobs) threads, each with a profile of its own.
    fn judge(&mut self, wave: &[(u32, Payload)]) -> Vec<Option<Report>> {
        let NdjsonScan {
            validator,
            file,
            buf,
            jobs,
            profile,
            workers,
            ..
        } = self;
        let validator = &**validator;
        let (buf, file) = (&*buf, &*file);
        let judge = |share: &[(u32, Payload)], mut profile: Option<&mut TrafficProfile>| {
            let judged = share.iter().map(|(number, payload)| match payload {
                Payload::Bytes(range) => {
                    let bytes = buf.get(range.clone()).unwrap_or_default();
                    Some(match profile.as_deref_mut() {
                        Some(profile) => {
                            let origin = Origin::line(&**file, *number);
                            validator.validate_profiled(bytes, None, &origin, profile)
                        }
                        None => validator.validate(bytes),
                    })
                }
                Payload::TooLarge(_) => None,
            });
            judged.collect::<Vec<_>>()
        };
        let size = wave.len().div_ceil(*jobs).max(1);
        let mut shares = wave.chunks(size);
        let first = shares.next().unwrap_or_default();
        let mut others = workers.iter_mut();
        std::thread::scope(|scope| {
            let handles: Vec<_> = shares
                .map(|share| {
                    let profile = others.next().filter(|_| profile.is_some());
                    scope.spawn(move || judge(share, profile))
                })
                .collect();
            let mut reports = judge(first, profile.as_mut());
            for handle in handles {
                match handle.join() {
                    Ok(share) => reports.extend(share),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            reports
        })
    }

    /// Counts a payload's `report`, and keeps its row in `out` when `rows` keeps it.
    fn keep(&mut self, out: &mut Batch, row: i32, report: Report) {
        let conforms = report.conforms();
        self.count(conforms, report.error_count(), report.warning_count());
        if self.rows.keeps(conforms, !report.diagnostics().is_empty()) {
            out.lines.push(row);
            out.columns.push(Some(report));
        }
    }

    /// Counts line `number`, `len` bytes and never read whole, as `check` judges a line over
    /// `--max-bytes` (the Python `Validator` keeps the library's default limit, as `check` does
    /// without the option), and keeps its row in `out` when `rows` keeps it.
    fn keep_too_large(&mut self, out: &mut Batch, number: u32, len: u64) {
        let origin = report::Origin::line(Arc::clone(&self.file), number);
        let checked = Checked::too_large(origin, len, DEFAULT_MAX_BYTES);
        if let Some(profile) = &mut self.profile {
            profile.add_too_large(&Origin::from(&checked.origin));
        }
        let conforms = checked.conforms();
        self.count(conforms, checked.errors, checked.warnings);
        if self.rows.keeps(conforms, !checked.findings.is_empty()) {
            out.lines.push(i32::try_from(number).unwrap_or(i32::MAX));
            out.columns.push_checked(&checked);
        }
    }

    /// Counts a payload in `counts`.
    fn count(&mut self, conforms: bool, errors: usize, warnings: usize) {
        self.payloads += 1;
        self.conforming += u64::from(conforms);
        self.errors += errors as u64;
        self.warnings += warnings as u64;
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
        let mut inner = self.profile.clone()?;
        for worker in &self.workers {
            // Order-free: the same profile whatever share each thread had.
            inner.merge(worker.clone());
        }
        Some(PyProfile { inner })
    }
}

/// `Validator.scan_ndjson`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn scan(
    validator: Arc<Validator>,
    content: &Bound<'_, PyAny>,
    file: &str,
    rows: &str,
    profile: bool,
    cap: usize,
    batch: usize,
    jobs: usize,
) -> PyResult<NdjsonScan> {
    let rows = Rows::parse(rows)?;
    if batch == 0 {
        return Err(PyValueError::new_err(
            "`batch` is 0, expected at least 1 row",
        ));
    }
    if jobs == 0 {
        return Err(PyValueError::new_err(
            "`jobs` is 0, expected at least 1 thread",
        ));
    }
    let gzip = std::path::Path::new(file)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"));
    let reader: Box<dyn Read + Send + Sync> =
        if let Ok(path) = content.extract::<std::path::PathBuf>() {
            // A file the task opens itself: read as it is split, with a bounded buffer.
            let opened = std::fs::File::open(&path)
                .map_err(|e| PyOSError::new_err(format!("{}: {e}", path.display())))?;
            if gzip {
                Box::new(MultiGzDecoder::new(io::BufReader::new(opened)))
            } else {
                Box::new(opened)
            }
        } else {
            let values = Values::new(import(content)?)?;
            if values.len() != 1 || values.get(0).is_none() {
                return Err(PyTypeError::new_err(format!(
                    "`content` has {} values, expected one: the file's bytes",
                    values.len()
                )));
            }
            let cursor = Cursor {
                content: Content(values),
                pos: 0,
            };
            if gzip {
                Box::new(MultiGzDecoder::new(cursor))
            } else {
                Box::new(cursor)
            }
        };
    Ok(NdjsonScan {
        validator,
        file: file.into(),
        lines: Lines::new(reader, DEFAULT_MAX_BYTES).chunk(CHUNK),
        buf: Vec::new(),
        rows,
        batch,
        jobs,
        workers: if profile {
            (1..jobs).map(|_| TrafficProfile::with_cap(cap)).collect()
        } else {
            Vec::new()
        },
        profile: profile.then(|| TrafficProfile::with_cap(cap)),
        payloads: 0,
        conforming: 0,
        errors: 0,
        warnings: 0,
        failed: false,
    })
}

//! `Validator`: the crate's validator, built from keyword arguments as `check` builds it from
//! its flags.

use std::borrow::Cow;

use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};

use cloudstorage_contract as contract;
use contract::{Level, Options, Profile};

use crate::profile::{TrafficProfile, cap_or_default};
use crate::report::{Exchange, Report};

/// A compiled contract: build it once, then validate any number of payloads, from any number of
/// threads.
///
/// `time_zone` is an IANA name such as `"Asia/Shanghai"`: each local time must then match the
/// zone's offset at its instant (otherwise any real offset passes). `strict` makes every
/// warning an error. `levels` maps rule ids to `"allow"`, `"warn"` or `"deny"`, applied after
/// `strict`, like `check --allow/--warn/--deny`. A bad argument raises `ValueError` with the
/// message the command line gives.
#[pyclass(frozen, module = "cloudstorage_contract")]
pub(crate) struct Validator {
    /// The engine, shared with the scans it starts ([`scan_ndjson`](Validator::scan_ndjson)).
    pub(crate) inner: std::sync::Arc<contract::Validator>,
    /// The arguments that differ from the defaults, for `repr`.
    arguments: String,
}

/// The library's error as a Python exception: `ValueError` for a bad argument.
pub(crate) fn to_py(e: &contract::Error) -> PyErr {
    if e.is_usage() {
        PyValueError::new_err(e.to_string())
    } else {
        PyRuntimeError::new_err(e.to_string())
    }
}

/// A string as Python's `repr` shows the plain ones: in single quotes.
fn repr(s: &str) -> String {
    format!("'{}'", s.escape_default())
}

/// What `jobs=` says: the threads to use, all cores by default.
fn threads(jobs: Option<usize>) -> PyResult<usize> {
    match jobs {
        Some(0) => Err(PyValueError::new_err(
            "`jobs` is 0, expected at least 1 thread",
        )),
        Some(n) => Ok(n),
        None => Ok(std::thread::available_parallelism().map_or(1, usize::from)),
    }
}

/// What `kind=` says: `None` for `"auto"`.
fn kind(kind: &str) -> PyResult<Option<contract::Kind>> {
    match kind {
        "auto" => Ok(None),
        "request" => Ok(Some(contract::Kind::Request)),
        "response" => Ok(Some(contract::Kind::Response)),
        other => Err(PyValueError::new_err(format!(
            "unknown kind `{other}`, expected one of: auto, request, response"
        ))),
    }
}

/// A payload's bytes: `bytes` as they are, `str` as UTF-8.
fn payload_bytes<'a>(payload: &'a Bound<'_, PyAny>, name: &str) -> PyResult<Cow<'a, [u8]>> {
    if let Ok(bytes) = payload.cast::<PyBytes>() {
        return Ok(Cow::Borrowed(bytes.as_bytes()));
    }
    if let Ok(text) = payload.cast::<PyString>() {
        // The stable ABI of Python 3.9 has no borrowed UTF-8 view of a `str`: this may copy.
        return Ok(match text.to_cow()? {
            Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
            Cow::Owned(s) => Cow::Owned(s.into_bytes()),
        });
    }
    Err(PyTypeError::new_err(format!(
        "`{name}` is {}, expected bytes or str",
        payload.get_type().name()?
    )))
}

#[pymethods]
impl Validator {
    #[new]
    #[pyo3(signature = (time_zone=None, strict=false, levels=None))]
    fn new(
        time_zone: Option<&str>,
        strict: bool,
        levels: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        // Verdicts only: the Python classes do not carry the typed payload.
        let mut options = Options::default()
            .profile(if strict {
                Profile::Strict
            } else {
                Profile::Default
            })
            .keep_payload(false);
        let mut arguments = String::new();
        if let Some(zone) = time_zone {
            options = options.time_zone(zone);
            arguments.push_str(&format!(" time_zone={}", repr(zone)));
        }
        if strict {
            arguments.push_str(" strict=True");
        }
        let mut shown = Vec::new();
        for (id, level) in levels.into_iter().flat_map(|d| d.iter()) {
            let id: String = id.extract().map_err(|_| {
                PyTypeError::new_err("`levels` maps rule ids (str) to levels (str)")
            })?;
            let level: String = level.extract().map_err(|_| {
                PyTypeError::new_err("`levels` maps rule ids (str) to levels (str)")
            })?;
            let parsed = match level.as_str() {
                "allow" => Level::Allow,
                "warn" => Level::Warn,
                "deny" => Level::Deny,
                other => {
                    return Err(PyValueError::new_err(format!(
                        "unknown level `{other}` for rule `{id}`, expected one of: allow, warn, deny"
                    )));
                }
            };
            // The command line's wording for `--allow ID` and its kin.
            let rule = id
                .parse::<contract::Rule>()
                .map_err(|e| PyValueError::new_err(e.message_in(&format!(" in `--{level}`"))))?;
            options = options.level(rule, parsed);
            shown.push(format!("{}: {}", repr(&id), repr(&level)));
        }
        if !shown.is_empty() {
            arguments.push_str(&format!(" levels={{{}}}", shown.join(", ")));
        }
        let inner = contract::Validator::new(options).map_err(|e| to_py(&e))?;
        let inner = std::sync::Arc::new(inner);
        Ok(Validator { inner, arguments })
    }

    /// Validates one payload (`bytes` or `str`). `kind` is `"auto"` (a request has `params`, a
    /// response `code`), `"request"` or `"response"`.
    #[pyo3(signature = (payload, kind="auto"))]
    fn validate(&self, py: Python<'_>, payload: &Bound<'_, PyAny>, kind: &str) -> PyResult<Report> {
        let kind = self::kind(kind)?;
        let bytes = payload_bytes(payload, "payload")?;
        let inner = py.detach(|| match kind {
            None => self.inner.validate(&bytes),
            Some(contract::Kind::Request) => self.inner.validate_request(&bytes),
            Some(_) => self.inner.validate_response(&bytes),
        });
        Ok(Report { inner })
    }

    /// Validates a request and its response together: each on its own, and the response's
    /// `data.iotId` and `data.orderId` against the request's `params` (a mismatch is reported
    /// in the response's report).
    fn validate_exchange(
        &self,
        py: Python<'_>,
        request: &Bound<'_, PyAny>,
        response: &Bound<'_, PyAny>,
    ) -> PyResult<Exchange> {
        let request = payload_bytes(request, "request")?;
        let response = payload_bytes(response, "response")?;
        let exchange = py.detach(|| self.inner.validate_exchange(&request, &response));
        Exchange::new(py, exchange)
    }

    /// Validates every value of a pyarrow array of `binary`, `large_binary`, `string` or
    /// `large_string` (or their view types), or a `ChunkedArray` of one (combined into one
    /// array first), read through the Arrow C Data Interface with no Python object per value,
    /// on `jobs` threads (default: all cores) with the GIL released.
    ///
    /// Returns a `pyarrow.RecordBatch` with one row per value: `conforms: bool`,
    /// `errors: int32`, `warnings: int32` and `diagnostics: list<struct<rule, severity,
    /// pointer: string, line, column: int32, message, hint: string>>`. A null value is not a
    /// payload: its row is null in every column. (An empty value is a payload, and violates
    /// `empty-input`.)
    #[pyo3(signature = (values, jobs=None))]
    fn check_arrow<'py>(
        &self,
        py: Python<'py>,
        values: &Bound<'py, PyAny>,
        jobs: Option<usize>,
    ) -> PyResult<Bound<'py, PyAny>> {
        crate::arrow::check(py, &self.inner, values, threads(jobs)?)
    }

    /// Profiles every value of a pyarrow array, read as `check_arrow` reads it (same types,
    /// same threads, the GIL released), and returns the `TrafficProfile` of them all: what
    /// `cloudstorage-contract profile` gathers, from the same validator. A null value is not a
    /// payload and is left out.
    ///
    /// Each value's origin (its "first" in the profile) is a file and a line: `files` is one
    /// name for every value (default `"<stdin>"`) or an array of one string per value; `lines`
    /// is an array of one integer per value (a null for a value that is a whole file), or
    /// `None` to number the values from 1, as the lines of an NDJSON file with no blank line.
    /// `kind` is `validate`'s. `cap` bounds each open table (default 1024 keys).
    #[pyo3(signature = (values, files=None, lines=None, kind="auto", jobs=None, cap=None))]
    #[allow(clippy::too_many_arguments)]
    fn profile_arrow(
        &self,
        py: Python<'_>,
        values: &Bound<'_, PyAny>,
        files: Option<&Bound<'_, PyAny>>,
        lines: Option<&Bound<'_, PyAny>>,
        kind: &str,
        jobs: Option<usize>,
        cap: Option<usize>,
    ) -> PyResult<TrafficProfile> {
        let kind = self::kind(kind)?;
        let inner = crate::arrow::profile(
            py,
            &self.inner,
            values,
            files,
            lines,
            kind,
            threads(jobs)?,
            cap_or_default(cap),
        )?;
        Ok(TrafficProfile { inner })
    }

    /// Splits, numbers and validates the payloads of one NDJSON file, as `cloudstorage-contract
    /// check` reads it: `content` is a pyarrow binary array holding the file's bytes as one
    /// value, or the path of the file to read (a `str` or `os.PathLike`, read 1 MiB at a
    /// time; `OSError` when it cannot be opened). A `.gz` `file` is decompressed, every
    /// member; `file` names the file in the rows and the profile. Lines are split as `check`
    /// splits them (the library's `ndjson::Lines`), and a line over 16 MiB, `check`'s default
    /// `--max-bytes`, is never read whole: its row is `check`'s `too-large` finding. Returns
    /// an iterator of `pyarrow.RecordBatch` (at most `batch` rows each:
    /// `file`, `line`, then `check_arrow`'s columns), one row per payload that `rows` keeps:
    /// `"all"`, `"findings"` (an error or a warning) or `"violations"`. Its `counts` are
    /// `(payloads, conforming, violating, errors, warnings)` of every payload read, and its
    /// `profile` their `TrafficProfile` with `profile=True` (`cap` as `profile_arrow`'s).
    /// Each batch is validated with the GIL released, on `jobs` threads (the calling one and
    /// `jobs - 1` more, each taking a share of every few thousand lines; the rows, counts and
    /// profile are the same whatever `jobs` is). A file that cannot be
    /// read or decompressed raises `ValueError` naming it (one that cannot be opened, `OSError`).
    #[pyo3(signature = (content, file, rows="findings", profile=false, cap=None, batch=65536, jobs=1))]
    #[allow(clippy::too_many_arguments)]
    fn scan_ndjson(
        &self,
        content: &Bound<'_, PyAny>,
        file: &str,
        rows: &str,
        profile: bool,
        cap: Option<usize>,
        batch: usize,
        jobs: usize,
    ) -> PyResult<crate::ndjson::NdjsonScan> {
        crate::ndjson::scan(
            std::sync::Arc::clone(&self.inner),
            content,
            file,
            rows,
            profile,
            cap_or_default(cap),
            batch,
            jobs,
        )
    }

    fn __repr__(&self) -> String {
        format!("<Validator{}>", self.arguments)
    }
}

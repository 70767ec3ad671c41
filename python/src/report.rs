//! `Report`, `Diagnostic` and `Exchange`: the library's verdicts, read from Python.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use cloudstorage_contract as contract;
use contract::report::{Checked, Origin};

/// The verdict on one payload: its findings, in input order.
///
/// A payload that breaks the contract is a report with errors, never an exception.
#[pyclass(frozen, module = "cloudstorage_contract")]
pub(crate) struct Report {
    pub(crate) inner: contract::Report,
}

#[pymethods]
impl Report {
    /// Whether the payload honours the contract: no errors (warnings allowed).
    #[getter]
    fn conforms(&self) -> bool {
        self.inner.conforms()
    }

    /// How many errors were found, counting any left out over the maximum kept.
    #[getter]
    fn errors(&self) -> usize {
        self.inner.error_count()
    }

    /// How many warnings were found, counting any left out over the maximum kept.
    #[getter]
    fn warnings(&self) -> usize {
        self.inner.warning_count()
    }

    /// How many findings were left out over the maximum kept (100).
    #[getter]
    fn dropped(&self) -> usize {
        self.inner.dropped()
    }

    /// `"request"` or `"response"`; `None` when the payload is not an object that tells.
    #[getter]
    fn kind(&self) -> Option<&'static str> {
        self.inner.kind().map(|k| k.as_str())
    }

    /// The findings, in input order.
    #[getter]
    fn diagnostics(&self) -> Vec<Diagnostic> {
        self.inner
            .diagnostics()
            .iter()
            .map(Diagnostic::from)
            .collect()
    }

    /// This report as one payload object of `check --format json`, for a payload of `file` that
    /// starts on `line` of it (an NDJSON line; `None` for a whole file, whose lines are the
    /// payload's own). The defaults give what `check --format json -` prints for the payload
    /// on standard input.
    #[pyo3(signature = (file="<stdin>", line=None))]
    fn to_dict<'py>(
        &self,
        py: Python<'py>,
        file: &str,
        line: Option<u32>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if line == Some(0) {
            return Err(PyValueError::new_err(
                "`line` is 0, expected a line number from 1",
            ));
        }
        let origin = match line {
            Some(line) => Origin::line(file, line),
            None => Origin::file(file),
        };
        // No bytes: a payload's findings are placed at its own lines, from `line` on.
        let checked = Checked::new(self.inner.clone(), origin, &[], false);
        let text =
            serde_json::to_string(&checked).map_err(|e| PyValueError::new_err(e.to_string()))?;
        py.import("json")?.call_method1("loads", (text,))
    }

    fn __repr__(&self) -> String {
        let r = &self.inner;
        format!(
            "<Report {}: {}, {} {}, {} {}>",
            r.kind().map_or("of unknown kind", |k| k.as_str()),
            if r.conforms() { "conforms" } else { "violates" },
            r.error_count(),
            if r.error_count() == 1 {
                "error"
            } else {
                "errors"
            },
            r.warning_count(),
            if r.warning_count() == 1 {
                "warning"
            } else {
                "warnings"
            },
        )
    }
}

/// One finding: the rule it breaks, where, and what is wrong.
#[pyclass(frozen, get_all, module = "cloudstorage_contract")]
pub(crate) struct Diagnostic {
    /// The rule's id, such as `"wrong-type"` (see `cloudstorage-contract rules`).
    rule: &'static str,
    /// `"error"` or `"warning"`, after the profile and any levels.
    severity: &'static str,
    /// The RFC 6901 JSON Pointer of the offending value (`""` for the whole document).
    pointer: String,
    /// The 1-based line in the payload.
    line: u32,
    /// The 1-based column in the payload, in characters.
    column: u32,
    /// What is wrong: the value and what was expected.
    message: String,
    /// A likely cause or a way out, when one is known.
    hint: Option<String>,
}

impl From<&contract::Diagnostic> for Diagnostic {
    fn from(d: &contract::Diagnostic) -> Self {
        Diagnostic {
            rule: d.rule().id(),
            severity: d.severity().as_str(),
            pointer: d.pointer().to_owned(),
            line: d.position().line,
            column: d.position().column,
            message: d.message().to_owned(),
            hint: d.hint().map(str::to_owned),
        }
    }
}

#[pymethods]
impl Diagnostic {
    fn __repr__(&self) -> String {
        format!(
            "<Diagnostic {}:{}: {}[{}] at {:?}: {}>",
            self.line, self.column, self.severity, self.rule, self.pointer, self.message
        )
    }
}

/// A request's and its response's reports (`Validator.validate_exchange`).
#[pyclass(frozen, get_all, module = "cloudstorage_contract")]
pub(crate) struct Exchange {
    /// The request on its own.
    request: Py<Report>,
    /// The response on its own, plus any mismatch with the request (`exchange-mismatch`).
    response: Py<Report>,
}

impl Exchange {
    pub(crate) fn new(py: Python<'_>, exchange: contract::Exchange) -> PyResult<Self> {
        Ok(Exchange {
            request: Py::new(
                py,
                Report {
                    inner: exchange.request,
                },
            )?,
            response: Py::new(
                py,
                Report {
                    inner: exchange.response,
                },
            )?,
        })
    }
}

#[pymethods]
impl Exchange {
    /// Whether both conform and agree.
    #[getter]
    fn conforms(&self) -> bool {
        self.request.get().inner.conforms() && self.response.get().inner.conforms()
    }

    fn __repr__(&self) -> String {
        format!(
            "<Exchange request {}, response {}>",
            self.request.get().__repr__(),
            self.response.get().__repr__()
        )
    }
}

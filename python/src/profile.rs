//! `TrafficProfile`: the crate's [`TrafficProfile`](cloudstorage_contract::TrafficProfile),
//! read, merged and saved from Python.
//!
//! Its JSON form is the library's serde form (`"version": 1`, `"contract": "1.0.6"`), the one
//! the command line writes; `to_dict()` is that JSON read by Python's `json`, so that the dict
//! and the text never disagree.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString, PyType};

use cloudstorage_contract::traffic::{self, DEFAULT_CAP, TrafficProfile as Profile};

/// What a body of traffic carries and how it covers the contract: payloads by kind and verdict,
/// each rule's findings, each documented member's presence and types, the enumerations' values,
/// open values, unknown members and how times, prices and integers were written. Each "first"
/// is the smallest origin (file, then line) that showed it.
///
/// `TrafficProfile(cap=1024)` is an empty profile whose open tables keep at most `cap` keys
/// each. `merge(other)` adds `other` into this profile, in place (as `dict.update` does);
/// merging is associative and commutative, so profiles of parts of the traffic, made in any
/// order on any number of threads or machines, add up to the profile of the whole.
#[pyclass(eq, module = "cloudstorage_contract")]
#[derive(PartialEq)]
pub(crate) struct TrafficProfile {
    pub(crate) inner: Profile,
}

#[pymethods]
impl TrafficProfile {
    #[new]
    #[pyo3(signature = (cap=None))]
    fn new(cap: Option<usize>) -> Self {
        TrafficProfile {
            inner: Profile::with_cap(cap_or_default(cap)),
        }
    }

    /// Adds `other` into this profile, in place, and returns `None`: counts add, each first
    /// occurrence is the smaller origin, and each open table keeps the smallest keys up to the
    /// smaller of the two caps. `other` is left as it was (`p.merge(p)` doubles `p`).
    fn merge(slf: &Bound<'_, Self>, other: &Bound<'_, Self>) {
        // Copied out first, so that merging a profile into itself borrows it once at a time.
        let other = other.borrow().inner.clone();
        slf.borrow_mut().inner.merge(other);
    }

    /// The most keys each open table keeps.
    #[getter]
    fn cap(&self) -> usize {
        self.inner.cap()
    }

    /// The payloads profiled, of every kind and verdict.
    #[getter]
    fn payloads(&self) -> u64 {
        self.inner
            .totals()
            .payloads
            .values()
            .map(|v| v.conforming.saturating_add(v.failing))
            .fold(0, u64::saturating_add)
    }

    /// The JSON form, as the command line writes it: compact, or indented by two spaces with
    /// `pretty=True`.
    #[pyo3(signature = (pretty=false))]
    fn to_json(&self, pretty: bool) -> PyResult<String> {
        let json = if pretty {
            serde_json::to_string_pretty(&self.inner)
        } else {
            serde_json::to_string(&self.inner)
        };
        json.map_err(|e| PyValueError::new_err(format!("the profile could not be written: {e}")))
    }

    /// The JSON form as Python values (dicts, lists, str, int), as `json.loads(to_json())`
    /// gives them: map keys are strings, numeric ones too (`decimal_places`).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py.import("json")?
            .call_method1("loads", (self.to_json(false)?,))
    }

    /// A profile read back from its JSON form (`str` or `bytes`). Raises `ValueError` when the
    /// text is not a profile, or one of another format or contract version.
    #[classmethod]
    fn from_json(_cls: &Bound<'_, PyType>, json: &Bound<'_, PyAny>) -> PyResult<Self> {
        let parsed = if let Ok(text) = json.cast::<PyString>() {
            serde_json::from_str(&text.to_cow()?)
        } else if let Ok(bytes) = json.cast::<PyBytes>() {
            serde_json::from_slice(bytes.as_bytes())
        } else {
            return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "`json` is {}, expected str or bytes",
                json.get_type().name()?
            )));
        };
        let inner =
            parsed.map_err(|e| PyValueError::new_err(format!("not a traffic profile: {e}")))?;
        Ok(TrafficProfile { inner })
    }

    /// The profile as terminal tables fitting `width` columns, as `profile` prints them.
    #[pyo3(signature = (width=100))]
    fn to_text(&self, width: usize) -> String {
        traffic::human(&self.inner, None, width)
    }

    /// The profile as GitHub-flavoured markdown, as `profile --format markdown` prints it.
    fn to_markdown(&self) -> String {
        traffic::markdown(&self.inner, None)
    }

    /// The profile as one self-contained HTML page, as `profile --format html` prints it.
    fn to_html(&self) -> String {
        traffic::html(&self.inner, None)
    }

    /// Jupyter's rich display: the HTML page.
    fn _repr_html_(&self) -> String {
        self.to_html()
    }

    fn __repr__(&self) -> String {
        let t = self.inner.totals();
        let count = |kind: &str| {
            t.payloads
                .get(kind)
                .map_or(0, |v| v.conforming.saturating_add(v.failing))
        };
        format!(
            "<TrafficProfile {} payloads ({} requests, {} responses, {} unknown), {} errors, {} warnings>",
            self.payloads(),
            count("request"),
            count("response"),
            count("unknown"),
            t.errors,
            t.warnings
        )
    }
}

/// `cap=` as given, or the library's default (1024).
pub(crate) fn cap_or_default(cap: Option<usize>) -> usize {
    cap.unwrap_or(DEFAULT_CAP)
}

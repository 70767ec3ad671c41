//! `cloudstorage_contract._native`: the crate's [`Validator`](cloudstorage_contract::Validator)
//! for Python. The Python package (`cloudstorage_contract/`) re-exports these classes and adds
//! the Spark job; every verdict comes from the Rust validator, never from Python.
//!
//! Nothing here panics on input: a bad argument is a `ValueError` worded as the command line
//! words it, a wrong type a `TypeError`, and an Arrow array that breaks its own format a
//! `ValueError`.

mod arrow;
mod ndjson;
mod profile;
mod report;
mod validator;

use pyo3::prelude::*;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<validator::Validator>()?;
    m.add_class::<report::Report>()?;
    m.add_class::<report::Diagnostic>()?;
    m.add_class::<report::Exchange>()?;
    m.add_class::<profile::TrafficProfile>()?;
    m.add_class::<ndjson::NdjsonScan>()?;
    m.add_function(wrap_pyfunction!(summary_json, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}

/// The summary object of `check --format json` for these counts, as JSON text:
/// `{"payloads":…,"conforming":…,"violating":…,"errors":…,"warnings":…,"skipped":…}`.
#[pyfunction]
#[pyo3(signature = (payloads, conforming, violating, errors, warnings, skipped=0))]
fn summary_json(
    payloads: usize,
    conforming: usize,
    violating: usize,
    errors: usize,
    warnings: usize,
    skipped: usize,
) -> String {
    let mut summary = cloudstorage_contract::report::Summary::default();
    summary.payloads = payloads;
    summary.conforming = conforming;
    summary.violating = violating;
    summary.errors = errors;
    summary.warnings = warnings;
    summary.skipped = skipped;
    // Counts serialize as numbers, and nothing else: this cannot fail.
    serde_json::to_string(&summary).unwrap_or_default()
}

//! `Validator.check_arrow`: payloads in an Arrow array, verdicts out as an Arrow record batch,
//! both through the Arrow C Data Interface (the PyCapsule protocol), so that no value becomes
//! a Python object.
//!
//! The values are validated with the GIL released, on `jobs` threads that take runs of
//! [`CHUNK`] values from a shared counter. Each run's verdicts are written straight into
//! column buffers of its own ([`Columns`]), which are then joined in input order and handed to
//! pyarrow without a copy.
//!
//! `Validator.profile_arrow` reads its values the same way, on the same threads, each thread
//! profiling into a [`TrafficProfile`] of its own; the profiles are merged at the end.

use std::ffi::CStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use arrow_array::cast::AsArray;
use arrow_array::ffi::{FFI_ArrowArray, FFI_ArrowSchema, from_ffi, to_ffi};
use arrow_array::types::{
    Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{
    Array, ArrowPrimitiveType, BinaryArray, BinaryViewArray, BooleanArray, Int32Array,
    LargeBinaryArray, ListArray, StringArray, StructArray, make_array,
};
use arrow_buffer::{BooleanBuffer, Buffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow_data::ArrayData;
use arrow_schema::{DataType, Field, Fields};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyTuple};

use cloudstorage_contract::report::Checked;
use cloudstorage_contract::traffic::{Origin, TrafficProfile};
use cloudstorage_contract::{Kind, Report, Validator};

/// Values a thread validates in one go: enough to keep the counter cold, few enough to share
/// a batch out evenly.
const CHUNK: usize = 256;

const SCHEMA: &CStr = c"arrow_schema";
const ARRAY: &CStr = c"arrow_array";

/// The values of the input array, as bytes whatever their Arrow type.
pub(crate) enum Values {
    Binary(BinaryArray),
    LargeBinary(LargeBinaryArray),
    View(BinaryViewArray),
}

impl Values {
    pub(crate) fn len(&self) -> usize {
        match self {
            Values::Binary(a) => a.len(),
            Values::LargeBinary(a) => a.len(),
            Values::View(a) => a.len(),
        }
    }

    /// The `i`-th value, `None` when it is null.
    pub(crate) fn get(&self, i: usize) -> Option<&[u8]> {
        match self {
            Values::Binary(a) => a.is_valid(i).then(|| a.value(i)),
            Values::LargeBinary(a) => a.is_valid(i).then(|| a.value(i)),
            Values::View(a) => a.is_valid(i).then(|| a.value(i)),
        }
    }

    /// The values of an imported array. String types are read as their binary counterparts,
    /// so that bytes that are not UTF-8 reach the validator (which reports them) instead of
    /// being trusted as `str`; building the binary array checks its offsets.
    pub(crate) fn new(data: ArrayData) -> PyResult<Values> {
        let (binary, make): (DataType, fn(ArrayData) -> Values) = match data.data_type() {
            DataType::Binary | DataType::Utf8 => {
                (DataType::Binary, |d| Values::Binary(BinaryArray::from(d)))
            }
            DataType::LargeBinary | DataType::LargeUtf8 => (DataType::LargeBinary, |d| {
                Values::LargeBinary(LargeBinaryArray::from(d))
            }),
            DataType::BinaryView | DataType::Utf8View => (DataType::BinaryView, |d| {
                Values::View(BinaryViewArray::from(d))
            }),
            other => {
                return Err(PyTypeError::new_err(format!(
                    "`values` is an Arrow array of type {other}, expected binary, large_binary, string or large_string"
                )));
            }
        };
        let data = data.into_builder().data_type(binary).build().map_err(|e| {
            PyValueError::new_err(format!("`values` is not a valid Arrow array: {e}"))
        })?;
        Ok(make(data))
    }
}

/// Imports `values` through `__arrow_c_array__`, taking the array out of its capsule. A
/// pyarrow `ChunkedArray` (a table's column) is combined into one array first.
pub(crate) fn import(values: &Bound<'_, PyAny>) -> PyResult<ArrayData> {
    let combined;
    let values = if !values.hasattr("__arrow_c_array__")? && values.hasattr("combine_chunks")? {
        combined = values.call_method0("combine_chunks")?;
        &combined
    } else {
        values
    };
    if !values.hasattr("__arrow_c_array__")? {
        return Err(PyTypeError::new_err(format!(
            "`values` is {}, expected a pyarrow array (an object with `__arrow_c_array__`)",
            values.get_type().name()?
        )));
    }
    let pair = values.call_method0("__arrow_c_array__")?;
    let pair = pair.cast::<PyTuple>()?;
    if pair.len() != 2 {
        return Err(PyTypeError::new_err(
            "`__arrow_c_array__` did not return a pair of capsules",
        ));
    }
    let schema = pair.get_item(0)?;
    let schema = schema.cast::<PyCapsule>()?;
    let array = pair.get_item(1)?;
    let array = array.cast::<PyCapsule>()?;
    let schema_ptr = schema
        .pointer_checked(Some(SCHEMA))?
        .cast::<FFI_ArrowSchema>();
    let array_ptr = array.pointer_checked(Some(ARRAY))?.cast::<FFI_ArrowArray>();
    // SAFETY: the capsules are named as the PyCapsule protocol names them, so they hold an
    // `ArrowSchema` and an `ArrowArray` that the producer initialized. The array is moved out
    // (its release callback left NULL in the capsule, whose destructor then does nothing); the
    // schema is only borrowed while the capsule, held by `pair`, lives.
    let data = unsafe {
        let array = FFI_ArrowArray::from_raw(array_ptr.as_ptr());
        from_ffi(array, schema_ptr.as_ref())
    };
    data.map_err(|e| PyValueError::new_err(format!("`values` could not be imported: {e}")))
}

/// A column of strings being written: the bytes, each value's end, and which are valid.
#[derive(Default)]
struct Strings {
    data: Vec<u8>,
    ends: Vec<usize>,
    valid: Vec<bool>,
}

impl Strings {
    fn push(&mut self, value: Option<&str>) {
        if let Some(v) = value {
            self.data.extend_from_slice(v.as_bytes());
        }
        self.ends.push(self.data.len());
        self.valid.push(value.is_some());
    }

    fn append(&mut self, other: Strings) {
        let base = self.data.len();
        self.data.extend_from_slice(&other.data);
        self.ends.extend(other.ends.into_iter().map(|e| e + base));
        self.valid.extend(other.valid);
    }

    fn finish(self, column: &str) -> PyResult<StringArray> {
        let offsets = offsets(&self.ends, column)?;
        let nulls = nulls(self.valid);
        StringArray::try_new(offsets, Buffer::from_vec(self.data), nulls)
            .map_err(|e| PyRuntimeError::new_err(format!("internal error: {e}")))
    }
}

/// The verdicts on a run of values, column by column.
#[derive(Default)]
pub(crate) struct Columns {
    valid: Vec<bool>,
    conforms: Vec<bool>,
    errors: Vec<i32>,
    warnings: Vec<i32>,
    /// Each row's end in the diagnostic columns.
    ends: Vec<usize>,
    rule: Strings,
    severity: Strings,
    pointer: Strings,
    line: Vec<i32>,
    column: Vec<i32>,
    message: Strings,
    hint: Strings,
}

/// A count or a position as an `int32` column holds it (never above `i32::MAX`).
fn int32(n: impl TryInto<i32>) -> i32 {
    n.try_into().unwrap_or(i32::MAX)
}

impl Columns {
    pub(crate) fn push(&mut self, report: Option<Report>) {
        let Some(report) = report else {
            self.valid.push(false);
            self.conforms.push(false);
            self.errors.push(0);
            self.warnings.push(0);
            self.ends.push(self.line.len());
            return;
        };
        self.valid.push(true);
        self.conforms.push(report.conforms());
        self.errors.push(int32(report.error_count()));
        self.warnings.push(int32(report.warning_count()));
        for d in report.diagnostics() {
            self.rule.push(Some(d.rule().id()));
            self.severity.push(Some(d.severity().as_str()));
            self.pointer.push(Some(d.pointer()));
            self.line.push(int32(d.position().line));
            self.column.push(int32(d.position().column));
            self.message.push(Some(d.message()));
            self.hint.push(d.hint());
        }
        self.ends.push(self.line.len());
    }

    /// Pushes the verdict on a payload that the report layer made without a [`Report`] (one
    /// over the size limit), each finding placed in the payload as [`push`](Self::push) places
    /// a report's: its line counted from the payload's first.
    pub(crate) fn push_checked(&mut self, checked: &Checked) {
        self.valid.push(true);
        self.conforms.push(checked.conforms());
        self.errors.push(int32(checked.errors));
        self.warnings.push(int32(checked.warnings));
        let first = checked.origin.line.unwrap_or(1);
        for f in &checked.findings {
            self.rule.push(Some(f.rule.id()));
            self.severity.push(Some(f.severity.as_str()));
            self.pointer.push(Some(&f.pointer));
            self.line.push(int32(
                f.position.line.saturating_sub(first).saturating_add(1),
            ));
            self.column.push(int32(f.position.column));
            self.message.push(Some(&f.message));
            self.hint.push(f.hint.as_deref());
        }
        self.ends.push(self.line.len());
    }

    fn append(&mut self, other: Columns) {
        let base = self.line.len();
        self.valid.extend(other.valid);
        self.conforms.extend(other.conforms);
        self.errors.extend(other.errors);
        self.warnings.extend(other.warnings);
        self.ends.extend(other.ends.into_iter().map(|e| e + base));
        self.rule.append(other.rule);
        self.severity.append(other.severity);
        self.pointer.append(other.pointer);
        self.line.extend(other.line);
        self.column.extend(other.column);
        self.message.append(other.message);
        self.hint.append(other.hint);
    }

    /// The result batch, as a struct array (a record batch across the C Data Interface).
    pub(crate) fn finish(self) -> PyResult<StructArray> {
        let nulls = nulls(self.valid);
        let string = |name: &str| Field::new(name, DataType::Utf8, true);
        let int = |name: &str| Field::new(name, DataType::Int32, true);
        let fields = Fields::from(vec![
            string("rule"),
            string("severity"),
            string("pointer"),
            int("line"),
            int("column"),
            string("message"),
            string("hint"),
        ]);
        let diagnostic = StructArray::try_new(
            fields.clone(),
            vec![
                Arc::new(self.rule.finish("rule")?),
                Arc::new(self.severity.finish("severity")?),
                Arc::new(self.pointer.finish("pointer")?),
                Arc::new(Int32Array::new(ScalarBuffer::from(self.line), None)),
                Arc::new(Int32Array::new(ScalarBuffer::from(self.column), None)),
                Arc::new(self.message.finish("message")?),
                Arc::new(self.hint.finish("hint")?),
            ],
            None,
        )
        .map_err(internal)?;
        let item = Arc::new(Field::new("item", DataType::Struct(fields), true));
        let diagnostics = ListArray::try_new(
            item,
            offsets(&self.ends, "diagnostics")?,
            Arc::new(diagnostic),
            nulls.clone(),
        )
        .map_err(internal)?;
        let conforms = BooleanArray::new(BooleanBuffer::from(self.conforms), nulls.clone());
        let errors = Int32Array::new(ScalarBuffer::from(self.errors), nulls.clone());
        let warnings = Int32Array::new(ScalarBuffer::from(self.warnings), nulls);
        let fields = Fields::from(vec![
            Field::new("conforms", DataType::Boolean, true),
            Field::new("errors", DataType::Int32, true),
            Field::new("warnings", DataType::Int32, true),
            Field::new("diagnostics", diagnostics.data_type().clone(), true),
        ]);
        StructArray::try_new(
            fields,
            vec![
                Arc::new(conforms),
                Arc::new(errors),
                Arc::new(warnings),
                Arc::new(diagnostics),
            ],
            None,
        )
        .map_err(internal)
    }
}

pub(crate) fn internal(e: impl std::fmt::Display) -> PyErr {
    PyRuntimeError::new_err(format!("internal error: {e}"))
}

/// `int32` offsets from ends, or an error when a column outgrows them.
fn offsets(ends: &[usize], column: &str) -> PyResult<OffsetBuffer<i32>> {
    let mut offsets = Vec::with_capacity(ends.len() + 1);
    offsets.push(0i32);
    for &end in ends {
        offsets.push(i32::try_from(end).map_err(|_| {
            PyValueError::new_err(format!(
                "the `{column}` column of the result is over 2 GiB: check fewer values at a time"
            ))
        })?);
    }
    Ok(OffsetBuffer::new(ScalarBuffer::from(offsets)))
}

fn nulls(valid: Vec<bool>) -> Option<NullBuffer> {
    if valid.iter().all(|v| *v) {
        None
    } else {
        Some(NullBuffer::from(valid))
    }
}

/// Validates `range` of `values` into columns.
fn run(validator: &Validator, values: &Values, range: std::ops::Range<usize>) -> Columns {
    let mut columns = Columns::default();
    for i in range {
        columns.push(values.get(i).map(|bytes| validator.validate(bytes)));
    }
    columns
}

/// Validates every value on up to `jobs` threads; the columns keep the values' order.
fn validate_all(validator: &Validator, values: &Values, jobs: usize) -> PyResult<Columns> {
    let len = values.len();
    let chunks = len.div_ceil(CHUNK);
    let threads = jobs.min(chunks);
    if threads <= 1 {
        return Ok(run(validator, values, 0..len));
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let chunk = next.fetch_add(1, Ordering::Relaxed);
            if chunk >= chunks {
                break;
            }
            let start = chunk * CHUNK;
            done.push((chunk, run(validator, values, start..len.min(start + CHUNK))));
        }
        done
    };
    let parts: Vec<Vec<(usize, Columns)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads).map(|_| scope.spawn(work)).collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().map_err(|_| {
                    PyRuntimeError::new_err("internal error: a validation thread panicked")
                })
            })
            .collect::<PyResult<_>>()
    })?;
    let mut parts: Vec<(usize, Columns)> = parts.into_iter().flatten().collect();
    parts.sort_unstable_by_key(|(chunk, _)| *chunk);
    let mut all = Columns::default();
    for (_, part) in parts {
        all.append(part);
    }
    Ok(all)
}

/// `Validator.check_arrow`.
pub(crate) fn check<'py>(
    py: Python<'py>,
    validator: &Validator,
    values: &Bound<'py, PyAny>,
    jobs: usize,
) -> PyResult<Bound<'py, PyAny>> {
    let values = Values::new(import(values)?)?;
    let batch = py.detach(|| validate_all(validator, &values, jobs)?.finish())?;
    export(py, batch)
}

/// `batch` as a `pyarrow.RecordBatch`, handed over through the C Data Interface.
pub(crate) fn export(py: Python<'_>, batch: StructArray) -> PyResult<Bound<'_, PyAny>> {
    let (array, schema) = to_ffi(&batch.to_data()).map_err(internal)?;
    let schema = PyCapsule::new_with_value(py, schema, SCHEMA)?;
    let array = PyCapsule::new_with_value(py, array, ARRAY)?;
    py.import("pyarrow")?
        .getattr("RecordBatch")?
        .call_method1("_import_from_c_capsule", (schema, array))
}

/// Where the values of a profiled array came from: the file of each value, the line of each.
pub(crate) struct Origins {
    files: Files,
    /// Each value's line; `None` numbers the values from 1.
    lines: Option<Vec<Option<u32>>>,
}

enum Files {
    /// Every value is of this file.
    One(String),
    /// The file of each value, as UTF-8 checked when the array was imported.
    Each(Values),
}

impl Origins {
    /// The origins `files` (a `str`, or an array of one string per value) and `lines` (`None`,
    /// or an array of one integer per value) give to `len` values.
    pub(crate) fn new(
        files: Option<&Bound<'_, PyAny>>,
        lines: Option<&Bound<'_, PyAny>>,
        len: usize,
    ) -> PyResult<Origins> {
        let files = match files {
            None => Files::One("<stdin>".to_owned()),
            Some(f) => match f.extract::<String>() {
                Ok(name) => Files::One(name),
                Err(_) => {
                    let py = f.py();
                    let each = import(f)
                        .and_then(Values::new)
                        .map_err(|e| rename(py, e, "files"))?;
                    check_len("files", each.len(), len)?;
                    for i in 0..each.len() {
                        match each.get(i) {
                            None => {
                                return Err(PyValueError::new_err(format!(
                                    "`files` is null at index {i}, expected a file name"
                                )));
                            }
                            Some(name) if std::str::from_utf8(name).is_err() => {
                                return Err(PyValueError::new_err(format!(
                                    "`files` at index {i} is not UTF-8"
                                )));
                            }
                            Some(_) => {}
                        }
                    }
                    Files::Each(each)
                }
            },
        };
        let lines = match lines {
            None => None,
            Some(l) => {
                let data = import(l).map_err(|e| rename(l.py(), e, "lines"))?;
                let lines = line_numbers(make_array(data).as_ref())?;
                check_len("lines", lines.len(), len)?;
                Some(lines)
            }
        };
        Ok(Origins { files, lines })
    }

    /// The origin of the `i`-th value.
    fn get(&self, i: usize) -> Origin {
        let file = match &self.files {
            Files::One(name) => name.as_str(),
            // Checked in `new`: every name is there and UTF-8.
            Files::Each(each) => each
                .get(i)
                .and_then(|n| std::str::from_utf8(n).ok())
                .unwrap_or_default(),
        };
        let line = match &self.lines {
            None => Some(u32::try_from(i).map_or(u32::MAX, |i| i.saturating_add(1))),
            Some(lines) => lines[i],
        };
        match line {
            Some(line) => Origin::line(file, line),
            None => Origin::file(file),
        }
    }
}

/// An error about `values` (the name `import` and `Values::new` use) told about `name`.
fn rename(py: Python<'_>, e: PyErr, name: &str) -> PyErr {
    let message = e
        .value(py)
        .to_string()
        .replace("`values`", &format!("`{name}`"));
    if e.is_instance_of::<PyTypeError>(py) {
        PyTypeError::new_err(message)
    } else {
        PyValueError::new_err(message)
    }
}

fn check_len(name: &str, got: usize, expected: usize) -> PyResult<()> {
    if got == expected {
        Ok(())
    } else {
        Err(PyValueError::new_err(format!(
            "`{name}` has {got} values, expected one per value of `values` ({expected})"
        )))
    }
}

/// The line numbers of an integer array: each from 1, a null for a value that is a whole file.
fn line_numbers(array: &dyn Array) -> PyResult<Vec<Option<u32>>> {
    fn each<T: ArrowPrimitiveType>(array: &dyn Array) -> PyResult<Vec<Option<u32>>>
    where
        T::Native: TryInto<u32> + std::fmt::Display,
    {
        array
            .as_primitive::<T>()
            .iter()
            .map(|n| match n {
                None => Ok(None),
                Some(n) => {
                    let shown = n.to_string();
                    match n.try_into() {
                        Ok(line) if line >= 1 => Ok(Some(line)),
                        _ => Err(PyValueError::new_err(format!(
                            "`lines` holds {shown}, expected line numbers from 1 to {}",
                            u32::MAX
                        ))),
                    }
                }
            })
            .collect()
    }
    match array.data_type() {
        DataType::Int8 => each::<Int8Type>(array),
        DataType::Int16 => each::<Int16Type>(array),
        DataType::Int32 => each::<Int32Type>(array),
        DataType::Int64 => each::<Int64Type>(array),
        DataType::UInt8 => each::<UInt8Type>(array),
        DataType::UInt16 => each::<UInt16Type>(array),
        DataType::UInt32 => each::<UInt32Type>(array),
        DataType::UInt64 => each::<UInt64Type>(array),
        DataType::Null => Ok(vec![None; array.len()]),
        other => Err(PyTypeError::new_err(format!(
            "`lines` is an Arrow array of type {other}, expected an integer type"
        ))),
    }
}

/// Profiles `range` of `values` into `profile`.
fn profile_run(
    validator: &Validator,
    values: &Values,
    origins: &Origins,
    kind: Option<Kind>,
    range: std::ops::Range<usize>,
    profile: &mut TrafficProfile,
) {
    for i in range {
        if let Some(bytes) = values.get(i) {
            validator.validate_profiled(bytes, kind, &origins.get(i), profile);
        }
    }
}

/// Profiles every value on up to `jobs` threads, each into a profile of its own, merged at the
/// end (merging is order-free, so which thread took which values does not show).
fn profile_all(
    validator: &Validator,
    values: &Values,
    origins: &Origins,
    kind: Option<Kind>,
    jobs: usize,
    cap: usize,
) -> PyResult<TrafficProfile> {
    let len = values.len();
    let chunks = len.div_ceil(CHUNK);
    let threads = jobs.min(chunks);
    let mut total = TrafficProfile::with_cap(cap);
    if threads <= 1 {
        profile_run(validator, values, origins, kind, 0..len, &mut total);
        return Ok(total);
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut profile = TrafficProfile::with_cap(cap);
        loop {
            let chunk = next.fetch_add(1, Ordering::Relaxed);
            if chunk >= chunks {
                break;
            }
            let start = chunk * CHUNK;
            let range = start..len.min(start + CHUNK);
            profile_run(validator, values, origins, kind, range, &mut profile);
        }
        profile
    };
    let parts: Vec<TrafficProfile> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads).map(|_| scope.spawn(work)).collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().map_err(|_| {
                    PyRuntimeError::new_err("internal error: a validation thread panicked")
                })
            })
            .collect::<PyResult<_>>()
    })?;
    for part in parts {
        total.merge(part);
    }
    Ok(total)
}

/// `Validator.profile_arrow`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn profile(
    py: Python<'_>,
    validator: &Validator,
    values: &Bound<'_, PyAny>,
    files: Option<&Bound<'_, PyAny>>,
    lines: Option<&Bound<'_, PyAny>>,
    kind: Option<Kind>,
    jobs: usize,
    cap: usize,
) -> PyResult<TrafficProfile> {
    let values = Values::new(import(values)?)?;
    let origins = Origins::new(files, lines, values.len())?;
    py.detach(|| profile_all(validator, &values, &origins, kind, jobs, cap))
}

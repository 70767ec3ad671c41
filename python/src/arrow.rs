//! `Validator.check_arrow`: payloads in an Arrow array, verdicts out as an Arrow record batch,
//! both through the Arrow C Data Interface (the PyCapsule protocol), so that no value becomes
//! a Python object.
//!
//! The values are validated with the GIL released, on `jobs` threads that take runs of
//! [`CHUNK`] values from a shared counter. Each run's verdicts are written straight into
//! column buffers of its own ([`Columns`]), which are then joined in input order and handed to
//! pyarrow without a copy.

use std::ffi::CStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use arrow_array::ffi::{FFI_ArrowArray, FFI_ArrowSchema, from_ffi, to_ffi};
use arrow_array::{
    Array, BinaryArray, BinaryViewArray, BooleanArray, Int32Array, LargeBinaryArray, ListArray,
    StringArray, StructArray,
};
use arrow_buffer::{BooleanBuffer, Buffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow_data::ArrayData;
use arrow_schema::{DataType, Field, Fields};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyTuple};

use cloudstorage_contract::{Report, Validator};

/// Values a thread validates in one go: enough to keep the counter cold, few enough to share
/// a batch out evenly.
const CHUNK: usize = 256;

const SCHEMA: &CStr = c"arrow_schema";
const ARRAY: &CStr = c"arrow_array";

/// The values of the input array, as bytes whatever their Arrow type.
enum Values {
    Binary(BinaryArray),
    LargeBinary(LargeBinaryArray),
    View(BinaryViewArray),
}

impl Values {
    fn len(&self) -> usize {
        match self {
            Values::Binary(a) => a.len(),
            Values::LargeBinary(a) => a.len(),
            Values::View(a) => a.len(),
        }
    }

    /// The `i`-th value, `None` when it is null.
    fn get(&self, i: usize) -> Option<&[u8]> {
        match self {
            Values::Binary(a) => a.is_valid(i).then(|| a.value(i)),
            Values::LargeBinary(a) => a.is_valid(i).then(|| a.value(i)),
            Values::View(a) => a.is_valid(i).then(|| a.value(i)),
        }
    }

    /// The values of an imported array. String types are read as their binary counterparts,
    /// so that bytes that are not UTF-8 reach the validator (which reports them) instead of
    /// being trusted as `str`; building the binary array checks its offsets.
    fn new(data: ArrayData) -> PyResult<Values> {
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
fn import(values: &Bound<'_, PyAny>) -> PyResult<ArrayData> {
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
struct Columns {
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
    fn push(&mut self, report: Option<Report>) {
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
    fn finish(self) -> PyResult<StructArray> {
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

fn internal(e: impl std::fmt::Display) -> PyErr {
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
    let (array, schema) = to_ffi(&batch.to_data()).map_err(internal)?;
    let schema = PyCapsule::new_with_value(py, schema, SCHEMA)?;
    let array = PyCapsule::new_with_value(py, array, ARRAY)?;
    py.import("pyarrow")?
        .getattr("RecordBatch")?
        .call_method1("_import_from_c_capsule", (schema, array))
}

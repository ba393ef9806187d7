//! Arrow across the language boundary through the Arrow PyCapsule interface: a producer's
//! `__arrow_c_stream__` / `__arrow_c_array__` capsules imported as record batches, and ours
//! exported the same way, so pyarrow, Polars, DuckDB and pandas exchange data with flowsieve
//! without copies and without pyarrow being a dependency.
//!
//! This is the crate's only `unsafe` code: the C data interface hands structs over by raw
//! pointer. Each block states why the pointer is valid. Capsule names are checked before any
//! pointer is read, and imported structs are *moved* out of their capsule (the producer's
//! copy is marked released), so each is released exactly once.

use std::ffi::CStr;

use arrow_array::ffi::{FFI_ArrowArray, FFI_ArrowSchema, from_ffi, to_ffi};
use arrow_array::ffi_stream::{FFI_ArrowArrayStream, RecordBatchStreamReader};
use arrow_array::{Array, RecordBatch, RecordBatchReader, StructArray};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyTuple};

const STREAM: &CStr = c"arrow_array_stream";
const SCHEMA: &CStr = c"arrow_schema";
const ARRAY: &CStr = c"arrow_array";

/// A stream capsule (`arrow_array_stream`) reading `reader`.
pub fn export_stream<'py>(
    py: Python<'py>,
    reader: Box<dyn RecordBatchReader + Send>,
) -> PyResult<Bound<'py, PyCapsule>> {
    PyCapsule::new_with_value(py, FFI_ArrowArrayStream::new(reader), STREAM)
}

/// The `(arrow_schema, arrow_array)` capsule pair of `batch`, as `__arrow_c_array__` returns.
pub fn export_batch<'py>(py: Python<'py>, batch: &RecordBatch) -> PyResult<Bound<'py, PyTuple>> {
    let data = StructArray::from(batch.clone()).into_data();
    let (array, schema) = to_ffi(&data).map_err(arrow_error)?;
    let schema = PyCapsule::new_with_value(py, schema, SCHEMA)?;
    let array = PyCapsule::new_with_value(py, array, ARRAY)?;
    PyTuple::new(py, [schema.into_any(), array.into_any()])
}

/// The schema capsule of `schema`, as `__arrow_c_schema__` returns.
pub fn export_schema<'py>(
    py: Python<'py>,
    schema: &arrow_schema::Schema,
) -> PyResult<Bound<'py, PyCapsule>> {
    let ffi = FFI_ArrowSchema::try_from(schema).map_err(arrow_error)?;
    PyCapsule::new_with_value(py, ffi, SCHEMA)
}

/// Whether `obj` offers a stream (`__arrow_c_stream__`).
pub fn has_stream(obj: &Bound<'_, PyAny>) -> bool {
    obj.hasattr("__arrow_c_stream__").unwrap_or(false)
}

/// Whether `obj` offers one array (`__arrow_c_array__`).
pub fn has_array(obj: &Bound<'_, PyAny>) -> bool {
    obj.hasattr("__arrow_c_array__").unwrap_or(false)
}

/// Imports the stream `obj.__arrow_c_stream__()` gives.
pub fn import_stream(obj: &Bound<'_, PyAny>) -> PyResult<RecordBatchStreamReader> {
    let capsule = obj.call_method0("__arrow_c_stream__")?;
    let capsule = capsule
        .cast::<PyCapsule>()
        .map_err(|_| PyTypeError::new_err("__arrow_c_stream__ did not return a capsule"))?;
    let pointer = capsule.pointer_checked(Some(STREAM))?;
    // SAFETY: a capsule named "arrow_array_stream" holds a valid `FFI_ArrowArrayStream` (the
    // PyCapsule interface's contract), alive while `capsule` is. `from_raw` moves the struct
    // out and leaves a released one behind, so the producer's capsule destructor releases
    // nothing twice.
    let stream = unsafe { FFI_ArrowArrayStream::from_raw(pointer.as_ptr().cast()) };
    RecordBatchStreamReader::try_new(stream).map_err(arrow_error)
}

/// Imports the record batch `obj.__arrow_c_array__()` gives (a struct array: a batch).
pub fn import_batch(obj: &Bound<'_, PyAny>) -> PyResult<RecordBatch> {
    let pair = obj.call_method0("__arrow_c_array__")?;
    let (schema, array): (Bound<'_, PyCapsule>, Bound<'_, PyCapsule>) = pair.extract()?;
    let schema_pointer = schema.pointer_checked(Some(SCHEMA))?;
    let array_pointer = array.pointer_checked(Some(ARRAY))?;
    // SAFETY: capsules named "arrow_schema" and "arrow_array" hold a valid `FFI_ArrowSchema`
    // and `FFI_ArrowArray` (the interface's contract), alive while the capsules are (both are
    // held above). The array is moved out (its capsule's copy left released); the schema is
    // only borrowed, and its capsule releases it.
    let data = unsafe {
        let array = FFI_ArrowArray::from_raw(array_pointer.as_ptr().cast());
        let schema = &*schema_pointer.as_ptr().cast::<FFI_ArrowSchema>();
        from_ffi(array, schema)
    }
    .map_err(arrow_error)?;
    if !matches!(data.data_type(), arrow_schema::DataType::Struct(_)) {
        return Err(PyTypeError::new_err(format!(
            "an Arrow array of {} is not a record batch (a struct array)",
            data.data_type()
        )));
    }
    let array = StructArray::from(data);
    if array.null_count() > 0 {
        return Err(PyTypeError::new_err(
            "an Arrow struct array with null rows is not a record batch",
        ));
    }
    Ok(RecordBatch::from(array))
}

/// An Arrow error as a Python `ValueError`.
pub fn arrow_error(err: arrow_schema::ArrowError) -> PyErr {
    pyo3::exceptions::PyValueError::new_err(format!("Arrow: {err}"))
}

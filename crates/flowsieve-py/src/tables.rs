//! Report sections as Arrow tables (`Report.rules()`, `.hotspots()`, `.reachability()`): one
//! declared schema per section, filled from the report's serde rows, so that a section's
//! columns and types are the same in every report (a column of only nulls keeps its type).

use std::sync::Arc;

use arrow_array::{RecordBatch, RecordBatchIterator};
use arrow_schema::{DataType, Field, Fields, Schema, SchemaRef};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;
use serde::Serialize;

use crate::arrow_ffi;

/// An Arrow table (one record batch) that pyarrow, Polars, DuckDB and pandas read through the
/// PyCapsule interface: `pyarrow.table(t)`, `polars.DataFrame(t)`,
/// `pandas.DataFrame.from_arrow(t)`, `duckdb.sql("select * from t")`.
#[pyclass(module = "flowsieve", frozen)]
pub struct ArrowTable {
    batch: RecordBatch,
}

#[pymethods]
impl ArrowTable {
    /// Rows.
    #[getter]
    fn num_rows(&self) -> usize {
        self.batch.num_rows()
    }

    /// Column names, in order.
    #[getter]
    fn column_names(&self) -> Vec<String> {
        self.batch
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }

    fn __len__(&self) -> usize {
        self.batch.num_rows()
    }

    /// The table as a stream of one batch.
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let schema = self.batch.schema();
        let reader = RecordBatchIterator::new([Ok(self.batch.clone())], schema);
        arrow_ffi::export_stream(py, Box::new(reader))
    }

    /// The schema.
    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        arrow_ffi::export_schema(py, &self.batch.schema())
    }

    /// The table as a `pyarrow.Table` (pyarrow must be installed).
    fn to_pyarrow<'py>(slf: &Bound<'py, Self>, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py.import("pyarrow")?.call_method1("table", (slf,))
    }

    fn __repr__(&self) -> String {
        format!(
            "ArrowTable({} rows: {})",
            self.batch.num_rows(),
            self.column_names().join(", ")
        )
    }
}

impl ArrowTable {
    /// A table of `rows` (serde rows) in `schema`: fields the rows have and the schema does
    /// not are left out.
    pub fn from_rows<T: Serialize>(schema: SchemaRef, rows: &[T]) -> PyResult<ArrowTable> {
        let mut decoder = arrow_json::ReaderBuilder::new(schema.clone())
            .with_batch_size(rows.len().max(1))
            .build_decoder()
            .map_err(arrow_ffi::arrow_error)?;
        decoder.serialize(rows).map_err(arrow_ffi::arrow_error)?;
        let batch = decoder
            .flush()
            .map_err(arrow_ffi::arrow_error)?
            .unwrap_or_else(|| RecordBatch::new_empty(schema));
        Ok(ArrowTable { batch })
    }
}

fn text(name: &str) -> Field {
    Field::new(name, DataType::Utf8, true)
}

fn texts(name: &str) -> Field {
    Field::new(name, DataType::new_list(DataType::Utf8, true), true)
}

fn int(name: &str, data_type: DataType) -> Field {
    Field::new(name, data_type, true)
}

fn peer_counts(name: &str) -> Field {
    let item = Fields::from(vec![
        text("peer"),
        text("eni_id"),
        int("records", DataType::UInt64),
        Field::new("estimated", DataType::Boolean, false),
    ]);
    Field::new(name, DataType::new_list(DataType::Struct(item), true), true)
}

/// `rules`: one row per declared rule, its status, reasons and usage.
pub fn rules_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        text("rule_id"),
        text("group_id"),
        text("group_name"),
        text("direction"),
        int("protocol", DataType::Int16),
        int("from_port", DataType::Int32),
        int("to_port", DataType::Int32),
        text("peer"),
        text("description"),
        text("status"),
        texts("reasons"),
        int("records", DataType::UInt64),
        int("packets", DataType::UInt64),
        int("bytes", DataType::UInt64),
        int("connections", DataType::UInt64),
        int("possible_records", DataType::UInt64),
        int("first_seen", DataType::Int64),
        int("last_seen", DataType::Int64),
        int("distinct_peers", DataType::UInt64),
        peer_counts("top_peers"),
        texts("sources"),
    ]))
}

/// `reject_hotspots`: refused traffic grouped by target groups, port, protocol and peer class.
pub fn hotspots_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        int("rank", DataType::UInt64),
        texts("group_ids"),
        texts("group_names"),
        int("dst_port", DataType::UInt16),
        int("protocol", DataType::UInt8),
        text("peer_class"),
        int("records", DataType::UInt64),
        int("packets", DataType::UInt64),
        int("distinct_sources", DataType::UInt64),
        int("target_enis", DataType::UInt64),
        int("first_seen", DataType::Int64),
        int("last_seen", DataType::Int64),
        peer_counts("top_sources"),
        texts("source_group_ids"),
        int("allowed_by_rules", DataType::UInt64),
        text("likely_cause"),
        text("cause_note"),
    ]))
}

/// `reachability.observed`: initiating ACCEPT traffic between group sets.
pub fn reachability_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        texts("source"),
        texts("target"),
        int("protocol", DataType::UInt8),
        int("port", DataType::UInt16),
        int("records", DataType::UInt64),
        int("bytes", DataType::UInt64),
        int("distinct_peers", DataType::UInt64),
    ]))
}

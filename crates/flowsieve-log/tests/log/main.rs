//! flowsieve-log's integration tests: one binary (see STYLE.md §4), one module per concern.
//!
//! * `examples`: every documented example record of every version, exact values per column.
//! * `orders`: custom field orders and projections give the same values.
//! * `malformed`: every malformed class with its exact position; strict mode; truncated gzip;
//!   the `testdata/malformed` fixture.
//! * `chunking`: every byte boundary, 1-byte reads and batch sizes give the same batches.
//! * `interop`: batches written by pyarrow, DuckDB and Polars (Arrow IPC, from the project's
//!   Python environment) conform to the text reader's batches.
//! * `disguised`: a byte-order mark, a Logs Insights CSV, binary content, and the diagnosis of
//!   objects whose lines are mostly malformed.
//! * `roundtrip`: proptests — render random records in random formats and parse them back; a
//!   naive `split(' ')` oracle against the fast path.
//! * `whole_gzip`: gzip objects inflated whole read exactly as the stream reads them.

mod common;

mod chunking;
mod disguised;
mod examples;
mod interop;
mod malformed;
mod orders;
mod roundtrip;
mod whole_gzip;

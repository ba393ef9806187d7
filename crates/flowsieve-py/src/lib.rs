//! `flowsieve._flowsieve`: the native half of the `flowsieve` Python package (the Python half,
//! `python/flowsieve/`, re-exports it and adds `flowsieve.spark`).
//!
//! Each module owns one part of the surface:
//! * `errors`: the `FlowsieveError` hierarchy and how library errors map onto it;
//! * `arrow_ffi`: Arrow in and out through the PyCapsule interface (the only `unsafe` code);
//! * `options`: keyword options → [`flowsieve::AnalysisConfig`] and S3 settings;
//! * `network`: `Network` (the declared network, picklable: it holds its files' bytes);
//! * `analysis`: `analyze`, `Analyzer` (batches in, partials out) and `Report`;
//! * `tables`: report sections as Arrow tables;
//! * `logs`: `read_flow_logs`, a streamed reader with its line accounting;
//! * `distributed`: the steps `flowsieve.spark` runs on the driver and in tasks.
//!
//! The GIL is released while flowsieve parses, reads or analyses.

use pyo3::prelude::*;

mod analysis;
#[allow(unsafe_code)]
mod arrow_ffi;
mod distributed;
mod errors;
mod logs;
mod network;
mod options;
mod tables;

/// flowsieve's native module.
#[pymodule]
fn _flowsieve(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    m.add_class::<network::Network>()?;
    m.add_class::<analysis::Analyzer>()?;
    m.add_class::<analysis::Report>()?;
    m.add_class::<tables::ArrowTable>()?;
    m.add_class::<logs::FlowLogStream>()?;
    m.add_class::<logs::FlowBatch>()?;
    m.add_function(wrap_pyfunction!(analysis::analyze, m)?)?;
    m.add_function(wrap_pyfunction!(logs::read_flow_logs, m)?)?;
    m.add_function(wrap_pyfunction!(distributed::list_objects, m)?)?;
    m.add_function(wrap_pyfunction!(distributed::learn_objects, m)?)?;
    m.add_function(wrap_pyfunction!(distributed::analyze_objects, m)?)?;
    m.add_function(wrap_pyfunction!(distributed::merge_learners, m)?)?;
    m.add_function(wrap_pyfunction!(distributed::learn_listeners, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("PARTIAL_FORMAT_VERSION", flowsieve::PARTIAL_FORMAT_VERSION)?;
    Ok(())
}

//! The Python exceptions: one `FlowsieveError` base carrying `file`, `line` and `reason`
//! attributes (None where they do not apply), and a subclass per kind of failure. Library
//! errors map onto them here, their message printing each cause once.

use pyo3::exceptions::PyException;
use pyo3::prelude::*;

pyo3::create_exception!(
    flowsieve,
    FlowsieveError,
    PyException,
    "Base of every flowsieve error; `file`, `line` and `reason` say where and why."
);
pyo3::create_exception!(
    flowsieve,
    InventoryError,
    FlowsieveError,
    "The declared network could not be loaded (`file` names the file)."
);
pyo3::create_exception!(
    flowsieve,
    FlowLogError,
    FlowsieveError,
    "Flow logs could not be read or parsed (`file` and `line` say where)."
);
pyo3::create_exception!(
    flowsieve,
    S3Error,
    FlowsieveError,
    "An S3 location could not be listed or read."
);
pyo3::create_exception!(
    flowsieve,
    PartialError,
    FlowsieveError,
    "A partial result is invalid, or was built on another network or with other options."
);
pyo3::create_exception!(
    flowsieve,
    NotJudgeableError,
    FlowsieveError,
    "Nothing could be judged (no objects, no records, none attributed); pass allow_empty=True to get the report anyway."
);
pyo3::create_exception!(
    flowsieve,
    OptionError,
    FlowsieveError,
    "An option has a value flowsieve does not accept."
);

/// Adds the exception classes to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("FlowsieveError", py.get_type::<FlowsieveError>())?;
    m.add("InventoryError", py.get_type::<InventoryError>())?;
    m.add("FlowLogError", py.get_type::<FlowLogError>())?;
    m.add("S3Error", py.get_type::<S3Error>())?;
    m.add("PartialError", py.get_type::<PartialError>())?;
    m.add("NotJudgeableError", py.get_type::<NotJudgeableError>())?;
    m.add("OptionError", py.get_type::<OptionError>())?;
    Ok(())
}

/// Where an error is, and why.
#[derive(Debug, Default)]
pub struct Place {
    pub file: Option<String>,
    pub line: Option<u64>,
}

/// Builds exception `T` with `message`, its `reason`, and the place's `file` and `line`.
pub fn raise<T: pyo3::PyTypeInfo>(message: String, reason: &str, place: Place) -> PyErr {
    Python::attach(|py| {
        let err = PyErr::new::<T, _>(message);
        let value = err.value(py);
        // Setting attributes on a fresh exception instance cannot fail; if it did, the
        // exception would still carry its message.
        let _ = value.setattr("file", place.file);
        let _ = value.setattr("line", place.line);
        let _ = value.setattr("reason", reason);
        err
    })
}

/// Every cause of `err`, each once: `message: cause: cause`.
fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    flowsieve::log::ErrorChain(err).to_string()
}

/// A flow-log error as `FlowLogError`.
pub fn log_error(err: &flowsieve::log::Error) -> PyErr {
    use flowsieve::log::ErrorKind;
    let line = match err.kind() {
        ErrorKind::Malformed(issue) => Some(issue.line),
        ErrorKind::Truncated { line, .. } => Some(*line),
        _ => None,
    };
    let reason = match err.kind() {
        ErrorKind::Malformed(issue) => issue.kind.as_str(),
        ErrorKind::Truncated { .. } => "truncated",
        ErrorKind::Corrupt { .. } => "corrupt",
        ErrorKind::Io { .. } | ErrorKind::Path { .. } => "io",
        ErrorKind::InvalidFormat { .. } => "invalid_format",
        ErrorKind::ColumnType { .. } => "column_type",
        ErrorKind::BinaryContent { .. } => "binary_content",
        ErrorKind::Parquet { .. } => "parquet",
        ErrorKind::Config(_) => "invalid_option",
        _ => "unreadable",
    };
    let file = err
        .source_label()
        .map(str::to_owned)
        .or_else(|| match err.kind() {
            ErrorKind::Path { path, .. } => Some(path.display().to_string()),
            _ => None,
        });
    raise::<FlowLogError>(chain(err), reason, Place { file, line })
}

/// An inventory error as `InventoryError`.
pub fn inventory_error(err: &flowsieve::sg::Error) -> PyErr {
    use flowsieve::sg::Error as E;
    let (line, reason) = match err {
        E::Json { line, .. } => (Some(*line as u64), "invalid_json"),
        E::Io { .. } => (None, "io"),
        E::MissingField { .. } => (None, "missing_field"),
        E::InvalidValue { .. } => (None, "invalid_value"),
        E::UnrecognisedFile { .. } => (None, "unrecognised_file"),
        E::InvalidFiles { .. } => (None, "invalid_files"),
        _ => (None, "invalid_inventory"),
    };
    let file = err.path().map(|p| p.display().to_string());
    raise::<InventoryError>(chain(err), reason, Place { file, line })
}

/// An S3 error as `S3Error`.
pub fn s3_error(err: &flowsieve::s3::Error) -> PyErr {
    raise::<S3Error>(chain(err), "s3", Place::default())
}

/// An analysis error, by its kind.
pub fn analysis_error(err: &flowsieve::Error) -> PyErr {
    match err {
        flowsieve::Error::Log(err) => log_error(err),
        flowsieve::Error::Inventory(err) => inventory_error(err),
        flowsieve::Error::NetworkMismatch { .. } => {
            raise::<PartialError>(chain(err), "network_mismatch", Place::default())
        }
        flowsieve::Error::PartialMismatch { .. } => {
            raise::<PartialError>(chain(err), "partial_mismatch", Place::default())
        }
        flowsieve::Error::InvalidPartial { .. } => {
            raise::<PartialError>(chain(err), "invalid_partial", Place::default())
        }
        _ => raise::<FlowsieveError>(chain(err), "error", Place::default()),
    }
}

/// A bad option value.
pub fn option_error(message: String) -> PyErr {
    raise::<OptionError>(message, "invalid_option", Place::default())
}

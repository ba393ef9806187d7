//! `flowsieve.read_flow_logs`: flow-log objects (paths, `s3://` URLs) as one stream of Arrow
//! record batches in one schema, read in parallel in object order with bounded memory, and
//! the line accounting of what was read (`stream.stats`).
//!
//! A background thread runs flowsieve-log's ordered reader; batches reach Python through a
//! channel of [`STREAM_AHEAD`] batches, so memory is bounded by the reader's window plus that,
//! whatever the size of the archive. Dropping the stream stops the reading.

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};

use arrow_array::{RecordBatch, RecordBatchReader};
use arrow_schema::{ArrowError, SchemaRef};
use flowsieve::log::{
    AddressEncoding, ErrorChain, FieldName, FlowRecordBatch, LineSample, LineStats, Source,
    flow_schema, read_in_order, union_input_fields,
};
use flowsieve::s3::Discovery;
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyDict, PyTuple};

use crate::analysis::locations;
use crate::arrow_ffi;
use crate::errors::{log_error, option_error, s3_error};
use crate::options::Options;

/// Batches decoded ahead of the Python consumer.
const STREAM_AHEAD: usize = 4;

/// What the reading thread hands over.
enum Item {
    Batch(RecordBatch),
    /// A failure that ends the stream (strict mode).
    Failed(flowsieve::log::Error),
    /// The reading stopped on an internal error (a reading thread panicked): the stream ends
    /// with this error rather than looking complete.
    Broken(String),
}

/// The accounting of what was read so far.
#[derive(Default)]
struct Accounting {
    stats: LineStats,
    files: u64,
    file_errors: Vec<(String, String)>,
    finished: bool,
}

/// Reads flow logs as a stream of Arrow record batches. `fields` chooses the columns (AWS
/// names, in order); by default the union of the objects' fields. Addresses are text
/// (`addresses="binary"`: flowsieve's 16-byte form). The options of `analyze` that concern
/// reading apply (`since`/`until` and `accounts`/`regions` prune objects by key, `log_format`,
/// `strict`, `threads`, S3 settings).
#[pyfunction]
#[pyo3(signature = (logs, fields = None, *, batch_size = flowsieve::log::DEFAULT_BATCH_SIZE,
                    addresses = "text", **options))]
pub fn read_flow_logs(
    py: Python<'_>,
    logs: Vec<String>,
    fields: Option<Vec<String>>,
    batch_size: usize,
    addresses: &str,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<FlowLogStream> {
    let options = Options::parse(options)?;
    let range = flowsieve::limits::BATCH_SIZE;
    if (batch_size as u64) < *range.start() || (batch_size as u64) > *range.end() {
        return Err(option_error(format!(
            "batch_size must be from {} to {}, not {batch_size}",
            range.start(),
            range.end()
        )));
    }
    let encoding = match addresses {
        "text" => AddressEncoding::Text,
        "binary" => AddressEncoding::Binary,
        other => {
            return Err(option_error(format!(
                "addresses must be \"text\" or \"binary\", not {other:?}"
            )));
        }
    };
    let locations = locations(&logs)?;
    let discovery = Discovery::new(options.s3.clone()).with_filter(options.config.key_filter());
    let listing = py
        .detach(|| discovery.list(&locations))
        .map_err(|e| s3_error(&e))?;
    let threads = options.threads.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(1)
    });
    let builder = options.config.reader_builder().with_batch_size(batch_size);
    let fields: Vec<FieldName> = match fields {
        Some(names) => {
            let mut fields: Vec<FieldName> = Vec::with_capacity(names.len());
            for name in &names {
                let field = match FieldName::parse(name) {
                    FieldName::Unknown(_) => {
                        return Err(option_error(format!(
                            "fields: unknown flow-log field {name:?} (AWS names: srcaddr, \
                             log-status, …)"
                        )));
                    }
                    known => known,
                };
                if fields.contains(&field) {
                    return Err(option_error(format!("fields: {name:?} is given twice")));
                }
                fields.push(field);
            }
            fields
        }
        None => py.detach(|| union_input_fields(&listing.sources, &builder, threads)),
    };
    if fields.is_empty() {
        return Err(option_error(
            "no fields to read: give fields=[...] (no object could be read to learn them)"
                .to_owned(),
        ));
    }
    let schema = encoding.schema(&flow_schema(&fields));
    let builder = builder.with_projection(fields.iter().cloned());
    let accounting = Arc::new(Mutex::new(Accounting::default()));
    let (sender, receiver) = sync_channel(STREAM_AHEAD);
    let reading = Reading {
        sources: listing.sources,
        builder,
        encoding,
        schema: schema.clone(),
        threads,
        accounting: Arc::clone(&accounting),
    };
    std::thread::Builder::new()
        .name("flowsieve-read".to_owned())
        .spawn(move || reading.run(&sender))
        .map_err(|e| option_error(format!("cannot start the reading thread: {e}")))?;
    Ok(FlowLogStream {
        schema,
        receiver: Mutex::new(Some(receiver)),
        accounting,
        listed: listing.listed,
        pruned: listing.pruned,
    })
}

/// The reading thread's work.
struct Reading {
    sources: Vec<Source>,
    builder: flowsieve::log::ReaderBuilder,
    encoding: AddressEncoding,
    schema: SchemaRef,
    threads: usize,
    accounting: Arc<Mutex<Accounting>>,
}

/// What a worker sends for its object.
enum Message {
    Batch(FlowRecordBatch),
    Done(LineStats, Option<flowsieve::log::Error>),
}

/// The consumer went away.
struct Stopped;

impl Reading {
    fn run(self, out: &SyncSender<Item>) {
        let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.read_all(out)));
        match read {
            // Read to the end: the stream is complete.
            Ok(Ok(())) => self.lock().finished = true,
            // The consumer stopped, or a strict failure ended the stream (already sent).
            Ok(Err(Stopped)) => {}
            Err(panic) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a reading thread failed".to_owned());
                let _ = out.send(Item::Broken(what));
            }
        }
    }

    /// Reads every source in order into `out`.
    fn read_all(&self, out: &SyncSender<Item>) -> Result<(), Stopped> {
        let strict = self.builder.strict();
        read_in_order(
            self.sources.len(),
            self.threads,
            self.threads * 4,
            |i, messages| self.read_one(i, messages),
            |i, messages| {
                for message in messages {
                    match message {
                        Message::Batch(batch) => {
                            let item = match self.encoding.encode(&batch, &self.schema) {
                                Ok(batch) => Item::Batch(batch),
                                Err(err) => Item::Failed(err),
                            };
                            out.send(item).map_err(|_| Stopped)?;
                        }
                        Message::Done(stats, error) => {
                            let mut acc = self.lock();
                            acc.files += 1;
                            acc.stats.merge(&stats, flowsieve::log::MAX_SAMPLE_LIMIT);
                            if let Some(err) = error {
                                if strict {
                                    drop(acc);
                                    out.send(Item::Failed(err)).map_err(|_| Stopped)?;
                                    return Err(Stopped);
                                }
                                let label = self.sources[i].label().to_string();
                                acc.file_errors.push((label, ErrorChain(&err).to_string()));
                            }
                        }
                    }
                }
                Ok::<(), Stopped>(())
            },
        )
    }

    fn read_one(&self, i: usize, out: &SyncSender<Message>) {
        let source = &self.sources[i];
        let mut reader = match flowsieve::log::open(source, &self.builder) {
            Ok(reader) => reader,
            Err(err) => {
                let _ = out.send(Message::Done(LineStats::default(), Some(err)));
                return;
            }
        };
        let mut error = None;
        for batch in reader.by_ref() {
            match batch {
                Ok(batch) => {
                    if out.send(Message::Batch(batch)).is_err() {
                        return; // the consumer stopped
                    }
                }
                Err(err) => {
                    error = Some(err);
                    break;
                }
            }
        }
        let _ = out.send(Message::Done(reader.stats().clone(), error));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Accounting> {
        self.accounting
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// A stream of flow-log record batches in one schema. Iterate it (each item is a `FlowBatch`),
/// or hand it to any Arrow consumer (`pyarrow.table(stream)`, `polars.DataFrame(stream)`,
/// `duckdb.sql("select * from stream")`): it is read once. `stats` gives the line accounting so far:
/// `finished` is true once every object was read to its end; an object that could not be read
/// is listed in `file_errors` and the stream goes on (with `strict=True` it ends the stream with
/// a `FlowLogError` instead).
#[pyclass(module = "flowsieve", frozen)]
pub struct FlowLogStream {
    schema: SchemaRef,
    receiver: Mutex<Option<Receiver<Item>>>,
    accounting: Arc<Mutex<Accounting>>,
    listed: u64,
    pruned: u64,
}

/// The Python-side receiving end, as an Arrow reader.
struct ChannelReader {
    schema: SchemaRef,
    receiver: Receiver<Item>,
}

impl Iterator for ChannelReader {
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.receiver.recv().ok()? {
            Item::Batch(batch) => Some(Ok(batch)),
            Item::Failed(err) => Some(Err(ArrowError::ExternalError(Box::new(err)))),
            Item::Broken(what) => Some(Err(ArrowError::ExternalError(
                format!("flowsieve: reading stopped: {what}").into(),
            ))),
        }
    }
}

impl RecordBatchReader for ChannelReader {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
}

impl FlowLogStream {
    fn take_receiver(&self) -> PyResult<Receiver<Item>> {
        self.receiver
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .ok_or_else(|| {
                pyo3::exceptions::PyRuntimeError::new_err(
                    "this stream was handed to an Arrow consumer already: it is read once",
                )
            })
    }
}

#[pymethods]
impl FlowLogStream {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<FlowBatch>> {
        let received = py.detach(|| {
            let receiver = self.receiver.lock().unwrap_or_else(PoisonError::into_inner);
            receiver.as_ref().map(|r| r.recv().ok())
        });
        match received {
            None => Err(pyo3::exceptions::PyRuntimeError::new_err(
                "this stream was handed to an Arrow consumer already: it is read once",
            )),
            Some(Some(Item::Batch(batch))) => Ok(Some(FlowBatch { batch })),
            Some(Some(Item::Failed(err))) => Err(log_error(&err)),
            Some(Some(Item::Broken(what))) => {
                Err(crate::errors::raise::<crate::errors::FlowLogError>(
                    format!("reading stopped: {what}"),
                    "internal",
                    crate::errors::Place::default(),
                ))
            }
            Some(None) => Ok(None),
        }
    }

    /// The whole stream (what is left of it) through the Arrow C stream interface.
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let reader = ChannelReader {
            schema: self.schema.clone(),
            receiver: self.take_receiver()?,
        };
        arrow_ffi::export_stream(py, Box::new(reader))
    }

    /// The stream's schema.
    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        arrow_ffi::export_schema(py, &self.schema)
    }

    /// The line accounting so far: objects listed, pruned and read, every line in its bucket,
    /// malformed lines by reason with samples (file, line, reason), objects that failed.
    #[getter]
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let acc = self
            .accounting
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let out = PyDict::new(py);
        out.set_item("files_listed", self.listed)?;
        out.set_item("files_pruned", self.pruned)?;
        out.set_item("files", acc.files)?;
        out.set_item("finished", acc.finished)?;
        out.set_item("lines", acc.stats.lines())?;
        let counts =
            serde_json::to_string(&acc.stats.counts).map_err(|e| option_error(e.to_string()))?;
        let counts = py.import("json")?.call_method1("loads", (counts,))?;
        out.call_method1("update", (counts,))?;
        let reasons = PyDict::new(py);
        for (reason, n) in acc.stats.malformed_reasons() {
            reasons.set_item(reason, n)?;
        }
        out.set_item("malformed_by_reason", reasons)?;
        let samples: Vec<LineSample> = acc.stats.samples.iter().map(LineSample::from).collect();
        let samples = serde_json::to_string(&samples).map_err(|e| option_error(e.to_string()))?;
        out.set_item(
            "samples",
            py.import("json")?.call_method1("loads", (samples,))?,
        )?;
        let errors: Vec<Bound<'py, PyDict>> = acc
            .file_errors
            .iter()
            .map(|(file, error)| {
                let e = PyDict::new(py);
                e.set_item("file", file)?;
                e.set_item("error", error)?;
                Ok(e)
            })
            .collect::<PyResult<_>>()?;
        out.set_item("file_errors", errors)?;
        out.set_item("bytes", acc.stats.bytes)?;
        Ok(out)
    }
}

/// One record batch of a `FlowLogStream`, readable by any Arrow consumer
/// (`pyarrow.record_batch(b)`).
#[pyclass(module = "flowsieve", frozen)]
pub struct FlowBatch {
    batch: RecordBatch,
}

#[pymethods]
impl FlowBatch {
    /// Rows.
    #[getter]
    fn num_rows(&self) -> usize {
        self.batch.num_rows()
    }

    fn __len__(&self) -> usize {
        self.batch.num_rows()
    }

    /// The batch as one struct array.
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_array__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let _ = requested_schema;
        arrow_ffi::export_batch(py, &self.batch)
    }

    /// The batch's schema.
    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        arrow_ffi::export_schema(py, &self.batch.schema())
    }
}

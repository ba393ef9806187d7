//! `flowsieve.analyze`, `flowsieve.Analyzer` and `flowsieve.Report`: the analysis of flow logs
//! (paths, `s3://` URLs) or of Arrow data from any engine, partial results as bytes, and the
//! report as a dict, JSON, text or Arrow tables.

use std::sync::{Arc, Mutex, PoisonError};

use flowsieve::Judgeable;
use flowsieve::s3::{Discovery, LogLocation};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::arrow_ffi;
use crate::errors::{
    FlowsieveError, NotJudgeableError, Place, analysis_error, log_error, option_error, raise,
    s3_error,
};
use crate::network::Network;
use crate::options::Options;
use crate::tables::{self, ArrowTable};

/// Lists `logs` (paths, `s3://` URLs), every object kept: the analysis prunes by key itself
/// and counts what it pruned, as the CLI's `analyze` does.
pub fn locations(logs: &[String]) -> PyResult<Vec<LogLocation>> {
    logs.iter()
        .map(|text| {
            text.parse::<LogLocation>()
                .map_err(|e| option_error(format!("logs: {e}")))
        })
        .collect()
}

/// Analyses flow logs against `network` and returns the report (the same report as
/// `flowsieve analyze --format json`). See the package documentation for the options.
#[pyfunction]
#[pyo3(signature = (network, logs, *, allow_empty = false, **options))]
pub fn analyze(
    py: Python<'_>,
    network: &Network,
    logs: Vec<String>,
    allow_empty: bool,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<Report> {
    let options = Options::parse(options)?;
    let locations = locations(&logs)?;
    let pool = options.pool()?;
    let net = Arc::clone(&network.inner);
    let sources = py
        .detach(|| flowsieve::s3::discover(&locations, &options.s3))
        .map_err(|e| s3_error(&e))?;
    if sources.is_empty() {
        return Err(raise::<FlowsieveError>(
            format!("no flow-log files under {}", logs.join(", ")),
            "no_files",
            Place::default(),
        ));
    }
    let report = py
        .detach(|| pool.install(|| flowsieve::analyze(&options.config, &net, &sources)))
        .map_err(|e| analysis_error(&e))?;
    judged(Arc::new(report), allow_empty)
}

/// The report, or `NotJudgeableError` when nothing could be judged and that was not allowed.
pub fn judged(report: Arc<flowsieve::Report>, allow_empty: bool) -> PyResult<Report> {
    let why = match report.judgeable() {
        Judgeable::Yes => None,
        Judgeable::NoObjects { listed, pruned } => Some((
            "no_objects",
            format!("no object was read ({listed} listed, {pruned} pruned by their key)"),
        )),
        Judgeable::NoRecords => Some((
            "no_records",
            "no flow-log record in the objects read".to_owned(),
        )),
        Judgeable::NoUsableLogs { records } => Some((
            "no_usable_logs",
            format!(
                "no log has the fields attribution needs ({records} records not attributed): \
                 give header-less logs their format with log_format"
            ),
        )),
        Judgeable::NoRecordsInWindow { records } => Some((
            "no_records_in_window",
            format!("all {records} records lie outside since/until"),
        )),
        Judgeable::NothingAttributed { records } => Some((
            "nothing_attributed",
            format!(
                "none of the {records} records could be attributed to a known ENI (is the \
                 inventory of the same account and time?)"
            ),
        )),
        _ => Some(("not_judgeable", "nothing could be judged".to_owned())),
    };
    match why {
        Some((reason, message)) if !allow_empty => Err(raise::<NotJudgeableError>(
            format!("{message}: nothing can be judged (allow_empty=True returns the report)"),
            reason,
            Place::default(),
        )),
        _ => Ok(Report { inner: report }),
    }
}

/// An analysis fed by the caller: Arrow data from any engine (`add`), flow-log paths or URLs
/// (`add_logs`), partial results of other analyzers (`merge`); `finish` gives the report.
///
/// It orients flag-less records with the listeners it is given (`listeners=`, bytes of
/// `learn_listeners`); it does not learn them itself, since analyzers that merge must share
/// them (`analyze` and `flowsieve.spark` learn over every object first).
#[pyclass(module = "flowsieve", frozen)]
pub struct Analyzer {
    state: Mutex<State>,
    options: Options,
    network: Arc<flowsieve::Network>,
}

/// Where an analyzer is.
enum State {
    Open(Box<flowsieve::Analyzer>),
    /// `finish` built this report and refused it (nothing to judge): a later
    /// `finish(allow_empty=True)` returns it.
    Refused(Arc<flowsieve::Report>),
    Finished,
}

/// A failure met with the state locked and the GIL released: turned into a Python exception
/// only once both are back the other way (making one needs the GIL, and another thread may
/// hold the GIL while it waits for the lock).
enum Failure {
    Analysis(flowsieve::Error),
    Log(flowsieve::log::Error),
    Arrow(arrow_schema::ArrowError),
    Finished,
}

impl Failure {
    fn into_py(self) -> PyErr {
        match self {
            Failure::Analysis(err) => analysis_error(&err),
            Failure::Log(err) => log_error(&err),
            Failure::Arrow(err) => arrow_ffi::arrow_error(err),
            Failure::Finished => raise::<FlowsieveError>(
                "this Analyzer has finished".to_owned(),
                "finished",
                Place::default(),
            ),
        }
    }
}

impl Analyzer {
    /// Runs `f` on the open analysis, the GIL released.
    fn with_state<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut flowsieve::Analyzer) -> Result<T, Failure> + Send,
    ) -> PyResult<T> {
        py.detach(|| {
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            match &mut *state {
                State::Open(analyzer) => f(analyzer),
                State::Refused(_) | State::Finished => Err(Failure::Finished),
            }
        })
        .map_err(Failure::into_py)
    }

    /// Conforms and adds every batch of `reader`, one at a time (memory: one batch).
    fn add_reader(
        &self,
        py: Python<'_>,
        reader: impl Iterator<Item = Result<arrow_array::RecordBatch, arrow_schema::ArrowError>> + Send,
        schema: arrow_schema::SchemaRef,
    ) -> PyResult<u64> {
        let config = self.options.config.clone();
        self.with_state(py, move |analyzer| {
            let mut conformer = config
                .reader_builder()
                .build_conformer(schema)
                .map_err(Failure::Log)?;
            let mut rows = 0;
            let mut failure = None;
            for batch in reader {
                let conformed = batch
                    .map_err(Failure::Arrow)
                    .and_then(|b| conformer.conform(&b).map_err(Failure::Log));
                match conformed {
                    Ok(flows) => {
                        rows += flows.num_rows() as u64;
                        analyzer.add_batch(&flows);
                    }
                    Err(err) => {
                        failure = Some(err);
                        break;
                    }
                }
            }
            // The lines read so far are accounted for even when the data stopped early.
            analyzer.add_line_stats(conformer.stats());
            match failure {
                Some(err) => Err(err),
                None => Ok(rows),
            }
        })
    }

    /// One Arrow object: a stream or a record batch.
    fn add_one(&self, py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Option<u64>> {
        if arrow_ffi::has_stream(data) {
            let reader = arrow_ffi::import_stream(data)?;
            let schema = arrow_array::RecordBatchReader::schema(&reader);
            return self.add_reader(py, reader, schema).map(Some);
        }
        if arrow_ffi::has_array(data) {
            let batch = arrow_ffi::import_batch(data)?;
            let schema = batch.schema();
            return self
                .add_reader(py, std::iter::once(Ok(batch)), schema)
                .map(Some);
        }
        Ok(None)
    }
}

const ADD_TAKES: &str = "add() takes Arrow data: an object with __arrow_c_stream__ (a pyarrow \
    Table or RecordBatchReader, a Polars or pandas DataFrame, a DuckDB relation) or \
    __arrow_c_array__ (a record batch), or a list of them; flow-log paths go to add_logs()";

#[pymethods]
impl Analyzer {
    /// An empty analysis of `network`, with the options of `analyze` (`learn_lines` other than
    /// 0 is refused: an Analyzer does not learn) and `listeners`: bytes of `learn_listeners`
    /// for this network.
    #[new]
    #[pyo3(signature = (network, *, listeners = None, **options))]
    fn new(
        network: &Network,
        listeners: Option<&[u8]>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Analyzer> {
        let options = Options::parse(options)?;
        if options.config.learn_lines() != 0 && options.learn_lines_given {
            return Err(option_error(
                "an Analyzer does not learn listening ports: pass listeners= (bytes of \
                 flowsieve.learn_listeners), or learn_lines=0"
                    .to_owned(),
            ));
        }
        let net = Arc::clone(&network.inner);
        let mut analyzer = flowsieve::Analyzer::new(&options.config, Arc::clone(&net));
        if let Some(bytes) = listeners {
            analyzer = analyzer.with_listeners(open_listeners(&net, bytes)?);
        }
        Ok(Analyzer {
            state: Mutex::new(State::Open(Box::new(analyzer))),
            options,
            network: net,
        })
    }

    /// Adds Arrow data: an object with `__arrow_c_stream__` (a pyarrow Table or
    /// RecordBatchReader, a Polars or pandas DataFrame, a DuckDB relation), one with
    /// `__arrow_c_array__` (a record batch), or a list of them; a stream is read batch by batch.
    /// Columns are taken by their flow-log names (`srcaddr`, `log-status` or `log_status`, …)
    /// in whatever types the engine produced; rows that cannot be taken are counted as
    /// malformed. Returns the rows added.
    fn add(&self, py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<u64> {
        if let Some(rows) = self.add_one(py, data)? {
            return Ok(rows);
        }
        let is_text = data.is_instance_of::<pyo3::types::PyString>()
            || data.is_instance_of::<PyBytes>()
            || data.is_instance_of::<PyDict>();
        let items = match data.try_iter() {
            Ok(items) if !is_text => items,
            _ => return Err(pyo3::exceptions::PyTypeError::new_err(ADD_TAKES)),
        };
        let mut rows = 0;
        for item in items {
            match self.add_one(py, &item?)? {
                Some(n) => rows += n,
                None => return Err(pyo3::exceptions::PyTypeError::new_err(ADD_TAKES)),
            }
        }
        Ok(rows)
    }

    /// Reads flow-log paths or `s3://` URLs into this analysis (parallel, bounded memory);
    /// objects the key filters rule out are counted, unread.
    fn add_logs(&self, py: Python<'_>, logs: Vec<String>) -> PyResult<()> {
        let locations = locations(&logs)?;
        let listing = py
            .detach(|| Discovery::new(self.options.s3.clone()).list(&locations))
            .map_err(|e| s3_error(&e))?;
        let pool = self.options.pool()?;
        self.with_state(py, move |analyzer| {
            pool.install(|| analyzer.add_sources(&listing.sources))
                .map_err(Failure::Analysis)
        })
    }

    /// This analysis so far as bytes, to merge in another process with `merge`.
    fn partial<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes =
            self.with_state(py, |analyzer| analyzer.partial().map_err(Failure::Analysis))?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Merges partial results (bytes of `partial()`, or other Analyzers of the same network
    /// and options), in any order. Each is checked as it is merged: after an error, those
    /// before it are merged.
    fn merge(&self, py: Python<'_>, partials: &Bound<'_, PyAny>) -> PyResult<()> {
        let items: Vec<Bound<'_, PyAny>> =
            if partials.is_instance_of::<PyBytes>() || partials.is_instance_of::<Analyzer>() {
                vec![partials.clone()]
            } else {
                partials.try_iter()?.collect::<PyResult<_>>()?
            };
        for item in items {
            let bytes: Vec<u8> = match item.cast::<Analyzer>() {
                Ok(other) => other.get().partial(py)?.as_bytes().to_vec(),
                Err(_) => item.extract().map_err(|_| {
                    pyo3::exceptions::PyTypeError::new_err(
                        "merge() takes partial bytes, Analyzers, or a list of them",
                    )
                })?,
            };
            self.with_state(py, move |analyzer| {
                analyzer.merge_partial(&bytes).map_err(Failure::Analysis)
            })?;
        }
        Ok(())
    }

    /// Counts objects the caller pruned by key, unread (the summary's `files_pruned`).
    fn add_pruned(&self, py: Python<'_>, objects: u64) -> PyResult<()> {
        self.with_state(py, move |analyzer| {
            analyzer.add_pruned(objects);
            Ok(())
        })
    }

    /// The report; the analyzer is spent. When nothing could be judged it raises
    /// `NotJudgeableError` (as `analyze`), and `finish(allow_empty=True)` then returns the
    /// report.
    #[pyo3(signature = (*, allow_empty = false))]
    fn finish(&self, py: Python<'_>, allow_empty: bool) -> PyResult<Report> {
        let report = py.detach(|| {
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            match std::mem::replace(&mut *state, State::Finished) {
                State::Open(analyzer) => Ok(Arc::new(analyzer.finish())),
                State::Refused(report) => Ok(report),
                State::Finished => Err(Failure::Finished),
            }
        });
        let report = report.map_err(Failure::into_py)?;
        match judged(Arc::clone(&report), allow_empty) {
            Err(err) => {
                *self.state.lock().unwrap_or_else(PoisonError::into_inner) = State::Refused(report);
                Err(err)
            }
            ok => ok,
        }
    }

    /// The network's fingerprint.
    #[getter]
    fn network_fingerprint(&self) -> u64 {
        self.network.fingerprint()
    }
}

/// The first bytes of listeners shipped by `learn_listeners` / `merge_learners`, followed by
/// the network's fingerprint: listeners are per ENI of one network, and another network's
/// would orient records wrongly without a sign.
const LISTENERS_MAGIC: &[u8; 8] = b"fsliste1";

/// Listeners as bytes, bound to `network`.
pub fn seal_listeners(network: &flowsieve::Network, listeners: &flowsieve::Listeners) -> Vec<u8> {
    let mut out = LISTENERS_MAGIC.to_vec();
    out.extend_from_slice(&network.fingerprint().to_le_bytes());
    out.extend_from_slice(&listeners.to_bytes());
    out
}

/// The listeners of `bytes` (from [`seal_listeners`]), if they were learned on `network`.
pub fn open_listeners(
    network: &flowsieve::Network,
    bytes: &[u8],
) -> PyResult<flowsieve::Listeners> {
    let refuse = |message: String, reason: &str| {
        raise::<crate::errors::PartialError>(message, reason, Place::default())
    };
    let body = bytes
        .strip_prefix(LISTENERS_MAGIC.as_slice())
        .ok_or_else(|| {
            refuse(
                "not listeners of flowsieve.learn_listeners".to_owned(),
                "invalid_listeners",
            )
        })?;
    let (fingerprint, body) = body
        .split_at_checked(8)
        .ok_or_else(|| refuse("listeners cut short".to_owned(), "invalid_listeners"))?;
    let fingerprint = u64::from_le_bytes(fingerprint.try_into().unwrap_or_default());
    if fingerprint != network.fingerprint() {
        return Err(refuse(
            format!(
                "listeners learned on another network (fingerprint {fingerprint:016x}, this \
                 one {:016x})",
                network.fingerprint()
            ),
            "network_mismatch",
        ));
    }
    flowsieve::Listeners::from_bytes(body).map_err(|e| analysis_error(&e))
}

/// `value` within `range`, or an `OptionError` naming `key`.
fn checked(key: &str, value: i64, range: std::ops::RangeInclusive<u64>) -> PyResult<usize> {
    u64::try_from(value)
        .ok()
        .filter(|v| range.contains(v))
        .map(|v| v as usize)
        .ok_or_else(|| {
            option_error(format!(
                "{key} must be from {} to {}, not {value}",
                range.start(),
                range.end()
            ))
        })
}

/// The report of an analysis.
#[pyclass(module = "flowsieve", frozen)]
pub struct Report {
    inner: Arc<flowsieve::Report>,
}

#[pymethods]
impl Report {
    /// The report as JSON (the document of `flowsieve analyze --format json`).
    #[pyo3(signature = (*, indent = true))]
    fn to_json(&self, py: Python<'_>, indent: bool) -> PyResult<String> {
        let report = Arc::clone(&self.inner);
        py.detach(move || {
            let mut text = if indent {
                serde_json::to_string_pretty(&*report)
            } else {
                serde_json::to_string(&*report)
            }
            .map_err(|e| option_error(format!("cannot serialise the report: {e}")))?;
            if indent {
                text.push('\n');
            }
            Ok(text)
        })
    }

    /// The report as a dict (`json.loads(report.to_json())`).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let text = self.to_json(py, false)?;
        py.import("json")?.call_method1("loads", (text,))
    }

    /// The report as the CLI's terminal tables: `top` rows per section (1 to 100000),
    /// `width` columns (60 to 1000).
    #[pyo3(signature = (*, top = flowsieve::DEFAULT_TOP as i64, width = 100))]
    fn to_table(&self, top: i64, width: i64) -> PyResult<String> {
        let top = checked("top", top, flowsieve::limits::TOP)?;
        let width = checked("width", width, 60..=1000)?;
        Ok(flowsieve::render_table(&self.inner, top, width))
    }

    /// The report as Markdown (for pull requests), `top` rows per section (1 to 100000).
    #[pyo3(signature = (*, top = flowsieve::DEFAULT_TOP as i64))]
    fn to_markdown(&self, top: i64) -> PyResult<String> {
        let top = checked("top", top, flowsieve::limits::TOP)?;
        Ok(flowsieve::render_markdown(&self.inner, top))
    }

    /// Every declared rule with its status (`used`, `unused`, `unknown`), reasons and usage.
    fn rules(&self) -> PyResult<ArrowTable> {
        ArrowTable::from_rows(tables::rules_schema(), &self.inner.rules)
    }

    /// REJECT hotspots, ranked.
    fn hotspots(&self) -> PyResult<ArrowTable> {
        ArrowTable::from_rows(tables::hotspots_schema(), &self.inner.reject_hotspots)
    }

    /// Observed reachability: initiating ACCEPT traffic between group sets.
    fn reachability(&self) -> PyResult<ArrowTable> {
        ArrowTable::from_rows(
            tables::reachability_schema(),
            &self.inner.reachability.observed,
        )
    }

    /// Rule ids by status: `{"used": [...], "unused": [...], "unknown": [...]}`.
    fn rule_ids_by_status(&self) -> std::collections::BTreeMap<String, Vec<String>> {
        let mut out: std::collections::BTreeMap<String, Vec<String>> =
            ["used", "unused", "unknown"]
                .into_iter()
                .map(|s| (s.to_owned(), Vec::new()))
                .collect();
        for rule in &self.inner.rules {
            let status = serde_json::to_value(rule.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            out.entry(status).or_default().push(rule.rule_id.clone());
        }
        out
    }

    /// `used`, `unused` and `unknown` rule counts.
    #[getter]
    fn rule_status(&self) -> (u64, u64, u64) {
        let s = &self.inner.summary.rule_status;
        (s.used, s.unused, s.unknown)
    }

    fn __repr__(&self) -> String {
        let s = &self.inner.summary;
        format!(
            "Report({} records; rules: {} used, {} unused, {} unknown; {} REJECT hotspots)",
            s.records,
            s.rule_status.used,
            s.rule_status.unused,
            s.rule_status.unknown,
            self.inner.reject_hotspots.len()
        )
    }
}

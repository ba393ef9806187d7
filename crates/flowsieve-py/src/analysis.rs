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
    judged(report, allow_empty)
}

/// The report, or `NotJudgeableError` when nothing could be judged and that was not allowed.
pub fn judged(report: flowsieve::Report, allow_empty: bool) -> PyResult<Report> {
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
        _ => Ok(Report {
            inner: Arc::new(report),
        }),
    }
}

/// An analysis fed by the caller: Arrow data from any engine (`add`), flow-log paths or URLs
/// (`add_logs`), partial results of other analyzers (`merge`); `finish` gives the report.
#[pyclass(module = "flowsieve", frozen)]
pub struct Analyzer {
    state: Mutex<Option<State>>,
    options: Options,
    network: Arc<flowsieve::Network>,
}

struct State {
    analyzer: flowsieve::Analyzer,
}

impl Analyzer {
    fn with_state<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut flowsieve::Analyzer) -> PyResult<T> + Send,
    ) -> PyResult<T> {
        py.detach(|| {
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            match state.as_mut() {
                Some(state) => f(&mut state.analyzer),
                None => Err(raise::<FlowsieveError>(
                    "this Analyzer has finished".to_owned(),
                    "finished",
                    Place::default(),
                )),
            }
        })
    }
}

#[pymethods]
impl Analyzer {
    /// An empty analysis of `network`, with the options of `analyze` (and `listeners`: bytes
    /// of learned listeners, as the Spark job ships them).
    #[new]
    #[pyo3(signature = (network, *, listeners = None, **options))]
    fn new(
        network: &Network,
        listeners: Option<&[u8]>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Analyzer> {
        let options = Options::parse(options)?;
        let net = Arc::clone(&network.inner);
        let mut analyzer = flowsieve::Analyzer::new(&options.config, Arc::clone(&net));
        if let Some(bytes) = listeners {
            let listeners =
                flowsieve::Listeners::from_bytes(bytes).map_err(|e| analysis_error(&e))?;
            analyzer = analyzer.with_listeners(listeners);
        }
        Ok(Analyzer {
            state: Mutex::new(Some(State { analyzer })),
            options,
            network: net,
        })
    }

    /// Adds Arrow data: an object with `__arrow_c_stream__` (a pyarrow Table or
    /// RecordBatchReader, a Polars or pandas DataFrame, a DuckDB relation), one with
    /// `__arrow_c_array__` (a record batch), or a list of them. Columns are taken by their
    /// flow-log names (`srcaddr`, `log-status` or `log_status`, …) in whatever types the engine
    /// produced; rows that cannot be taken are counted as malformed. Returns the rows added.
    fn add(&self, py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<u64> {
        let mut batches = Vec::new();
        if arrow_ffi::has_stream(data) {
            let reader = arrow_ffi::import_stream(data)?;
            let schema = arrow_array::RecordBatchReader::schema(&reader);
            let read = py.detach(|| reader.collect::<Result<Vec<_>, _>>());
            batches.push((schema, read.map_err(arrow_ffi::arrow_error)?));
        } else if arrow_ffi::has_array(data) {
            let batch = arrow_ffi::import_batch(data)?;
            batches.push((batch.schema(), vec![batch]));
        } else if let Ok(items) = data.try_iter() {
            let mut rows = 0;
            for item in items {
                rows += self.add(py, &item?)?;
            }
            return Ok(rows);
        } else {
            return Err(pyo3::exceptions::PyTypeError::new_err(
                "add() takes Arrow data: an object with __arrow_c_stream__ or __arrow_c_array__, \
                 or a list of them",
            ));
        }
        let config = self.options.config.clone();
        self.with_state(py, move |analyzer| {
            let mut rows = 0;
            for (schema, batches) in batches {
                let mut conformer = config
                    .reader_builder()
                    .build_conformer(schema)
                    .map_err(|e| log_error(&e))?;
                for batch in &batches {
                    let flows = conformer.conform(batch).map_err(|e| log_error(&e))?;
                    rows += flows.num_rows() as u64;
                    analyzer.add_batch(&flows);
                }
                analyzer.add_line_stats(conformer.stats());
            }
            Ok(rows)
        })
    }

    /// Reads flow-log paths or `s3://` URLs into this analysis (parallel, bounded memory).
    fn add_logs(&self, py: Python<'_>, logs: Vec<String>) -> PyResult<()> {
        let locations = locations(&logs)?;
        let listing = py
            .detach(|| Discovery::new(self.options.s3.clone()).list(&locations))
            .map_err(|e| s3_error(&e))?;
        let pool = self.options.pool()?;
        self.with_state(py, move |analyzer| {
            pool.install(|| analyzer.add_sources(&listing.sources))
                .map_err(|e| analysis_error(&e))
        })
    }

    /// This analysis so far as bytes, to merge in another process with `merge`.
    fn partial<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = self.with_state(py, |analyzer| {
            analyzer.partial().map_err(|e| analysis_error(&e))
        })?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Merges partial results (bytes of `partial()`, or other Analyzers of the same network
    /// and options), in any order.
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
                analyzer
                    .merge_partial(&bytes)
                    .map_err(|e| analysis_error(&e))
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

    /// The report; the analyzer cannot be used afterwards. `allow_empty` as for `analyze`.
    #[pyo3(signature = (*, allow_empty = false))]
    fn finish(&self, py: Python<'_>, allow_empty: bool) -> PyResult<Report> {
        let state = self
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let Some(state) = state else {
            return Err(raise::<FlowsieveError>(
                "this Analyzer has finished".to_owned(),
                "finished",
                Place::default(),
            ));
        };
        let report = py.detach(|| state.analyzer.finish());
        judged(report, allow_empty)
    }

    /// The network's fingerprint.
    #[getter]
    fn network_fingerprint(&self) -> u64 {
        self.network.fingerprint()
    }
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

    /// The report as the CLI's terminal tables, `width` columns wide.
    #[pyo3(signature = (*, top = flowsieve::DEFAULT_TOP, width = 100))]
    fn to_table(&self, top: usize, width: usize) -> String {
        flowsieve::render_table(&self.inner, top, width.clamp(60, 1000))
    }

    /// The report as Markdown (for pull requests).
    #[pyo3(signature = (*, top = flowsieve::DEFAULT_TOP))]
    fn to_markdown(&self, top: usize) -> String {
        flowsieve::render_markdown(&self.inner, top)
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
        let mut out = std::collections::BTreeMap::new();
        for rule in &self.inner.rules {
            let status = serde_json::to_value(rule.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            out.entry(status)
                .or_insert_with(Vec::new)
                .push(rule.rule_id.clone());
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

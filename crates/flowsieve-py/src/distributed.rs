//! The steps `flowsieve.spark` runs: on the driver, list and prune the objects
//! ([`list_objects`]) and merge what the tasks learned ([`merge_learners`]); in each task,
//! learn from a shard's objects ([`learn_objects`]) and analyse them into a partial result
//! ([`analyze_objects`]). Each step reads the objects with flowsieve's own reader, so a shard
//! gives the same bytes every time it runs (a retried task changes nothing).

use std::sync::Arc;

use flowsieve::ListenerLearner;
use flowsieve::log::Source;
use flowsieve::s3::{Discovery, LogLocation};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::analysis::{locations, open_listeners, seal_listeners};
use crate::errors::{analysis_error, option_error, s3_error};
use crate::network::Network;
use crate::options::Options;

/// Where a source is, as a location `list_objects` gives and the other steps take.
fn location_of(source: &Source) -> String {
    match source.path() {
        Some(path) => path.display().to_string(),
        None => source.label().to_string(),
    }
}

/// Objects as `(location, bytes)`, then how many were listed and how many pruned.
type Listed = (Vec<(String, u64)>, u64, u64);

/// Lists `logs` and prunes them by key (`since`/`until`, `accounts`, `regions`): returns
/// `([(location, bytes), ...], listed, pruned)`, the objects in list order.
#[pyfunction]
#[pyo3(signature = (logs, **options))]
pub fn list_objects(
    py: Python<'_>,
    logs: Vec<String>,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<Listed> {
    let options = Options::parse(options)?;
    let locations = locations(&logs)?;
    let discovery = Discovery::new(options.s3.clone()).with_filter(options.config.key_filter());
    let listing = py
        .detach(|| discovery.list(&locations))
        .map_err(|e| s3_error(&e))?;
    let objects = listing
        .sources
        .iter()
        .map(|s| (location_of(s), s.size()))
        .collect();
    Ok((objects, listing.listed, listing.pruned))
}

/// What a task works on: its objects' sources (made from the locations and sizes the driver
/// listed, with no second listing: exactly those objects are read, and one that has gone
/// since fails naming it), its options, its thread pool and the network.
struct Shard {
    options: Options,
    sources: Vec<Source>,
    pool: rayon::ThreadPool,
    network: Arc<flowsieve::Network>,
}

impl Shard {
    fn new(
        py: Python<'_>,
        network: &Network,
        objects: &[(String, u64)],
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Shard> {
        let options = Options::parse(options)?;
        let objects = objects
            .iter()
            .map(|(location, size)| {
                location
                    .parse::<LogLocation>()
                    .map(|l| (l, *size))
                    .map_err(|e| option_error(format!("objects: {e}")))
            })
            .collect::<PyResult<Vec<_>>>()?;
        let sources = py
            .detach(|| Discovery::new(options.s3.clone()).objects(&objects))
            .map_err(|e| s3_error(&e))?;
        Ok(Shard {
            pool: options.pool()?,
            options,
            sources,
            network: Arc::clone(&network.inner),
        })
    }
}

/// Learns which ports listen from the start of every object under `logs` (as `analyze`
/// does), for Analyzers: bytes to pass as `Analyzer(network, listeners=...)`, bound to this
/// network.
#[pyfunction]
#[pyo3(signature = (network, logs, **options))]
pub fn learn_listeners<'py>(
    py: Python<'py>,
    network: &Network,
    logs: Vec<String>,
    options: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyBytes>> {
    let options = Options::parse(options)?;
    let locations = locations(&logs)?;
    let listing = py
        .detach(|| Discovery::new(options.s3.clone()).list(&locations))
        .map_err(|e| s3_error(&e))?;
    let pool = options.pool()?;
    let net = &network.inner;
    let listeners = py.detach(|| {
        pool.install(|| flowsieve::learn_listeners(&options.config, net, &listing.sources))
    });
    Ok(PyBytes::new(py, &seal_listeners(net, &listeners)))
}

/// What the objects teach about listening ports, as learner bytes (merge them with
/// `merge_learners`).
#[pyfunction]
#[pyo3(signature = (network, objects, **options))]
pub fn learn_objects<'py>(
    py: Python<'py>,
    network: &Network,
    objects: Vec<(String, u64)>,
    options: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyBytes>> {
    let shard = Shard::new(py, network, &objects, options)?;
    let learner = py.detach(|| {
        let Shard {
            options,
            sources,
            pool,
            network,
        } = &shard;
        pool.install(|| flowsieve::learn_sources(&options.config, network, sources))
    });
    Ok(PyBytes::new(py, &learner.to_bytes()))
}

/// Merges learner bytes of `network` (in any order) and returns the learned listeners as
/// bytes (what `Analyzer(listeners=...)` and `analyze_objects` take).
#[pyfunction]
pub fn merge_learners<'py>(
    py: Python<'py>,
    network: &Network,
    learners: Vec<Vec<u8>>,
) -> PyResult<Bound<'py, PyBytes>> {
    let mut merged = ListenerLearner::new();
    for bytes in &learners {
        merged.merge(ListenerLearner::from_bytes(bytes).map_err(|e| analysis_error(&e))?);
    }
    let listeners = merged.finish();
    Ok(PyBytes::new(
        py,
        &seal_listeners(&network.inner, &listeners),
    ))
}

/// Analyses the objects with the given listeners and returns the partial result as bytes.
#[pyfunction]
#[pyo3(signature = (network, objects, listeners = None, **options))]
pub fn analyze_objects<'py>(
    py: Python<'py>,
    network: &Network,
    objects: Vec<(String, u64)>,
    listeners: Option<Vec<u8>>,
    options: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyBytes>> {
    let shard = Shard::new(py, network, &objects, options)?;
    let listeners = match listeners {
        Some(bytes) => open_listeners(&network.inner, &bytes)?,
        None => flowsieve::Listeners::none(),
    };
    let partial = py.detach(|| {
        let Shard {
            options,
            sources,
            pool,
            network,
        } = shard;
        let mut analyzer =
            flowsieve::Analyzer::new(&options.config, network).with_listeners(listeners);
        pool.install(|| analyzer.add_sources(&sources))?;
        analyzer.partial()
    });
    let partial = partial.map_err(|e| analysis_error(&e))?;
    Ok(PyBytes::new(py, &partial))
}

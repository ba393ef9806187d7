//! Running an analysis: [`analyze`] over sources (rayon over files, one accumulator per worker,
//! merged at the end), and [`Analyzer`] for callers who already hold Arrow batches.
//!
//! Data flows one way: sources → batches → attribution → accumulators → report. The core here
//! does no I/O of its own beyond opening the sources through flowsieve-log: local files, or
//! remote objects (S3) whose bodies flowsieve-log's [`fetch_in_order`] hands over in list
//! order, fetched ahead by their store while the workers parse.

use std::sync::Arc;

use rayon::prelude::*;

use flowsieve_log::{
    ErrorChain, FlowField, FlowRecordBatch, LineStats, Source, SourceReader, fetch_in_order,
};

use crate::accum::{FlowAccumulator, SharedPeers};
use crate::attribute::{Attributor, Inputs, RowClass};
use crate::config::{ATTRIBUTION_FIELDS, AnalysisConfig, missing_for_attribution};
use crate::error::{Error, Result};
use crate::finish::build_report;
use crate::learn::{LEARN_PATIENCE_LINES, LearnBudget, ListenerLearner, Listeners};
use crate::network::Network;
use crate::report::Report;

/// Analyses flow-log objects against a declared network.
///
/// Objects whose S3 key places them outside the configured window, accounts or regions
/// ([`AnalysisConfig::key_filter`]) are skipped unread. Objects are read in parallel with rayon
/// (the global pool: set `RAYON_NUM_THREADS` or build a pool to choose the thread count); the report is the same for any thread count. An object that fails
/// (a truncated gzip stream, an unsupported record type) is listed in
/// `summary.file_errors` with the records before the failure still counted — unless the config
/// is strict, when the first failure is the error.
pub fn analyze(config: &AnalysisConfig, network: &Network, sources: &[Source]) -> Result<Report> {
    analyze_with_progress(config, network, sources, &|_, _| {})
}

/// [`analyze`], calling `progress` with each object and its line accounting once it is read
/// (from worker threads).
pub fn analyze_with_progress(
    config: &AnalysisConfig,
    network: &Network,
    sources: &[Source],
    progress: &(dyn Fn(&Source, &LineStats) + Sync),
) -> Result<Report> {
    let filter = config.key_filter();
    let (selected, pruned): (Vec<&Source>, Vec<&Source>) =
        sources.iter().partition(|s| filter.selects(&s.key()));
    let listeners = learn_from(config, network, &selected);
    let accumulator = accumulate(config, network, &listeners, &selected, progress)?;
    Ok(build_report(
        accumulator,
        network,
        config,
        sources.len() as u64,
        pruned.len() as u64,
    ))
}

/// Reads `selected` in parallel into one accumulator (the body of [`analyze_with_progress`]
/// and [`Analyzer::add_sources`]).
fn accumulate(
    config: &AnalysisConfig,
    network: &Network,
    listeners: &Listeners,
    selected: &[&Source],
    progress: &(dyn Fn(&Source, &LineStats) + Sync),
) -> Result<FlowAccumulator> {
    let inputs = Inputs { network, listeners };
    let builder = config.reader_builder();
    let enis = network.matcher().eni_count();
    // One accumulator per concurrently running task, not per rayon split: `try_fold` would start
    // a fresh accumulator for every split of the file list and hold the partial results of the
    // reduce tree at once, each growing towards the full table (363 MB peak RSS on a
    // 60M-record archive). Workers take an idle accumulator from the pool and put it back
    // after each file, so at most `threads` tables exist; merging them at the end is
    // order-independent (`FlowAccumulator::merge`).
    let pool = AccumulatorPool::new(enis);
    let read = |source: &Source, reader| {
        let stats = read_source(&pool, inputs, config, source, reader)?;
        progress(source, &stats);
        Ok::<_, Error>(())
    };
    if selected.iter().any(|s| s.is_remote()) {
        // Remote objects: workers take them in list order as they become free (`par_bridge`),
        // the order their store fetches them ahead in (bounded; see flowsieve-s3).
        fetch_in_order(selected.to_vec())
            .par_bridge()
            .try_for_each(|fetched| {
                let source = fetched.source();
                read(source, fetched.open(&builder))
            })?;
    } else {
        selected
            .par_iter()
            .try_for_each(|source| read(source, flowsieve_log::open(source, &builder)))?;
    }
    Ok(pool.merged())
}

/// Idle accumulators, shared by the workers of one analysis, and the exact peer tables they
/// folded out. Exact tables fill as the archive grows, and every worker sees the same tuples:
/// an accumulator put back with more than [`WORKER_EXACT_PEERS`] new exact entries moves its
/// tables into one shared copy, so they are held once, not once per worker.
struct AccumulatorPool {
    enis: usize,
    idle: Pool<FlowAccumulator>,
    shared: SharedPeers,
    /// Idle attributors: their caches (peer facts, declared listeners) stay warm from one
    /// source to the next.
    attributors: Pool<Attributor>,
}

/// New exact peer entries an accumulator of [`AccumulatorPool`] holds at most, checked when it
/// is put back (after each source), before its exact tables are folded into the shared ones:
/// tens of KiB. On 60M and 300M records with 2^25 internet clients, 4,096 gave 2–3 MB less
/// peak RSS than 65,536 (16,384 in between) at the same CPU time.
const WORKER_EXACT_PEERS: usize = 1 << 12;

impl AccumulatorPool {
    fn new(enis: usize) -> Self {
        AccumulatorPool {
            enis,
            idle: Pool::new(),
            shared: SharedPeers::default(),
            attributors: Pool::new(),
        }
    }

    /// Attributes `reader` into an idle accumulator with an idle attributor, and puts both
    /// back.
    fn read(
        &self,
        inputs: Inputs<'_>,
        config: &AnalysisConfig,
        flow_log: &str,
        reader: SourceReader,
    ) -> Outcome {
        let mut acc = self.take();
        let mut attributor = self.attributors.take(|| Attributor::new(config));
        acc.begin_flow_log(flow_log);
        let outcome = read_batches(&mut acc, &mut attributor, inputs, reader);
        self.attributors.put(attributor);
        self.put(acc);
        outcome
    }

    fn take(&self) -> FlowAccumulator {
        self.idle.take(|| FlowAccumulator::new(self.enis))
    }

    fn put(&self, mut acc: FlowAccumulator) {
        if acc.exact_peer_entries >= WORKER_EXACT_PEERS {
            self.shared.absorb(acc.take_exact_peers());
        }
        self.idle.put(acc);
    }

    /// Every accumulator merged into one, the largest first (merging into it moves least),
    /// with the shared tables given back.
    fn merged(self) -> FlowAccumulator {
        let mut all = self.idle.into_states();
        all.sort_by_key(|acc| std::cmp::Reverse(acc.flows.len()));
        let mut all = all.into_iter();
        let mut merged = all
            .next()
            .unwrap_or_else(|| FlowAccumulator::new(self.enis));
        for acc in all {
            merged.merge(acc);
        }
        self.shared.restore_into(&mut merged);
        merged
    }
}

/// Idle per-worker states (accumulators, learners), shared by the workers of one pass. Rayon's
/// `fold` would start a fresh state for every split of the input and hold the partial results
/// of its reduce tree at once, each growing towards the whole; workers instead take an idle
/// state from the pool and put it back after each source, so at most `threads` states exist.
struct Pool<T> {
    idle: std::sync::Mutex<Vec<T>>,
}

impl<T> Pool<T> {
    fn new() -> Self {
        Pool {
            idle: std::sync::Mutex::new(Vec::new()),
        }
    }

    fn take(&self, make: impl FnOnce() -> T) -> T {
        self.idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .pop()
            .unwrap_or_else(make)
    }

    fn put(&self, state: T) {
        self.idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(state);
    }

    /// Every state the pass used.
    fn into_states(self) -> Vec<T> {
        self.idle
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The learning pass of [`analyze`], for callers who feed an [`Analyzer`] themselves: the first
/// [`AnalysisConfig::with_learn_lines`] lines of every source the config selects, read in
/// parallel, teach which ports listen. Sources that cannot be read are skipped (reading them
/// for the analysis reports the failure).
pub fn learn_listeners(
    config: &AnalysisConfig,
    network: &Network,
    sources: &[Source],
) -> Listeners {
    learn_sources(config, network, sources).finish()
}

/// [`learn_listeners`] without the last step: the learner, to merge with those of other
/// processes ([`ListenerLearner::to_bytes`]) before [`ListenerLearner::finish`] (a distributed
/// run learns from each worker's share of the objects).
pub fn learn_sources(
    config: &AnalysisConfig,
    network: &Network,
    sources: &[Source],
) -> ListenerLearner {
    let filter = config.key_filter();
    let selected: Vec<&Source> = sources
        .iter()
        .filter(|s| filter.selects(&s.key()))
        .collect();
    learner_of(config, network, &selected)
}

fn learn_from(config: &AnalysisConfig, network: &Network, selected: &[&Source]) -> Listeners {
    learner_of(config, network, selected).finish()
}

fn learner_of(config: &AnalysisConfig, network: &Network, selected: &[&Source]) -> ListenerLearner {
    if config.learn_lines == 0 || selected.is_empty() {
        return ListenerLearner::new();
    }
    let builder = config.learning_reader_builder();
    // One learner per concurrently running task (`Pool`), merged at the end (order-independent:
    // `ListenerLearner::merge`).
    let pool = Pool::new();
    let learn_one = |source: &Source, reader| {
        let mut learner = pool.take(ListenerLearner::new);
        learn_source(&mut learner, network, config.learn_lines, source, reader);
        pool.put(learner);
    };
    if selected.iter().any(|s| s.is_remote()) {
        fetch_in_order(selected.to_vec())
            .par_bridge()
            .for_each(|fetched| {
                let source = fetched.source().clone();
                learn_one(&source, fetched.open(&builder));
            });
    } else {
        selected
            .par_iter()
            .for_each(|source| learn_one(source, flowsieve_log::open(source, &builder)));
    }
    let mut merged = ListenerLearner::new();
    for learner in pool.into_states() {
        merged.merge(learner);
    }
    merged
}

fn learn_source(
    learner: &mut ListenerLearner,
    network: &Network,
    lines: u64,
    _source: &Source,
    reader: flowsieve_log::Result<SourceReader>,
) {
    let Ok(reader) = reader else { return };
    // Row by row, whatever the batch size, so that what is learned does not depend on it.
    let mut budget = LearnBudget::new(lines, LEARN_PATIENCE_LINES);
    for batch in reader {
        let Ok(batch) = batch else { break };
        if !learner.add_rows_within(network, &batch, &mut budget) {
            break;
        }
    }
    learner.end_object();
}

/// Reads one source into accumulators of `pool`: a Parquet file of several row groups as one
/// task per row group (rayon tasks, so idle workers take them), anything else whole. Returns
/// the source's line accounting; records the source's failure (or, strict, returns it).
fn read_source(
    pool: &AccumulatorPool,
    inputs: Inputs<'_>,
    config: &AnalysisConfig,
    source: &Source,
    reader: flowsieve_log::Result<SourceReader>,
) -> Result<LineStats> {
    let key = source.key();
    let flow_log = key.flow_log_id.as_deref().unwrap_or("");
    let outcome = match reader {
        Ok(SourceReader::Parquet(parquet)) => match parquet.into_parts() {
            Ok(parts) => {
                // Row groups in parallel; their outcomes put together in file order, so the
                // accounting (and the failure reported) does not depend on who read what.
                let outcomes: Vec<Outcome> = parts
                    .par_iter()
                    .map(|part| match part.open() {
                        Ok(reader) => {
                            pool.read(inputs, config, flow_log, SourceReader::Parquet(reader))
                        }
                        Err(err) => {
                            // Every part names the file's flow log, also one that cannot be
                            // opened.
                            let mut acc = pool.take();
                            acc.begin_flow_log(flow_log);
                            pool.put(acc);
                            Outcome::failed(err)
                        }
                    })
                    .collect();
                Outcome::merged(outcomes, config.sample_limit)
            }
            Err(whole) => pool.read(inputs, config, flow_log, SourceReader::Parquet(whole)),
        },
        Ok(reader) => pool.read(inputs, config, flow_log, reader),
        Err(err) => Outcome::failed(err),
    };
    let mut acc = pool.take();
    // Every source names its flow log, also one that could not be read.
    acc.begin_flow_log(flow_log);
    let settled = outcome.settle(&mut acc, source, config);
    pool.put(acc);
    settled
}

/// What reading a source (or one row group of it) gave, besides what was attributed.
struct Outcome {
    stats: LineStats,
    failure: Option<flowsieve_log::Error>,
    /// Fields attribution needs that a format of the source lacks.
    missing: Vec<FlowField>,
    /// Records read under such a format.
    unusable_records: u64,
}

impl Outcome {
    /// A source (or part) that could not be opened.
    fn failed(err: flowsieve_log::Error) -> Outcome {
        Outcome {
            stats: LineStats::default(),
            failure: Some(err),
            missing: Vec::new(),
            unusable_records: 0,
        }
    }

    /// The outcomes of a file's parts, in file order: as if the file had been read whole,
    /// except that a part that fails does not stop the others (the first failure is the file's).
    fn merged(outcomes: Vec<Outcome>, sample_limit: usize) -> Outcome {
        let mut merged = Outcome {
            stats: LineStats::default(),
            failure: None,
            missing: Vec::new(),
            unusable_records: 0,
        };
        for outcome in outcomes {
            merged.stats.merge(&outcome.stats, sample_limit);
            merged.failure = merged.failure.or(outcome.failure);
            for field in outcome.missing {
                if !merged.missing.contains(&field) {
                    merged.missing.push(field);
                }
            }
            merged.unusable_records += outcome.unusable_records;
        }
        merged
    }

    /// Records the source in `acc` (one file, its line accounting, why its records could not be
    /// attributed, its failure) and returns its line accounting — or, strict, its failure.
    fn settle(
        mut self,
        acc: &mut FlowAccumulator,
        source: &Source,
        config: &AnalysisConfig,
    ) -> Result<LineStats> {
        acc.files += 1;
        if !self.missing.is_empty() {
            self.missing
                .sort_by_key(|f| ATTRIBUTION_FIELDS.iter().position(|a| a == f));
            acc.unattributed.unusable_format += self.unusable_records;
            acc.unusable_logs.push((
                source.label().to_string(),
                self.missing,
                self.unusable_records,
            ));
        }
        acc.bytes_read += self.stats.bytes;
        acc.lines.merge(&self.stats, usize::MAX);
        match self.failure {
            Some(err) if config.strict => Err(err.into()),
            Some(err) => {
                acc.file_errors
                    .push((source.label().to_string(), ErrorChain(&err).to_string()));
                Ok(self.stats)
            }
            None => Ok(self.stats),
        }
    }
}

/// Attributes every batch of `reader` into `acc`, until its end or its first failure.
fn read_batches(
    acc: &mut FlowAccumulator,
    attributor: &mut Attributor,
    inputs: Inputs<'_>,
    mut reader: SourceReader,
) -> Outcome {
    let mut failure = None;
    // Fields attribution needs that a format of this object lacks, and its records read under
    // such a format (judged per batch, by the format in force when the batch is delivered: a
    // header may change it mid-object).
    let mut missing: Vec<FlowField> = Vec::new();
    let mut unusable_records = 0;
    let mut records_before = 0;
    while let Some(batch) = reader.next() {
        match batch {
            Ok(batch) => {
                let lacking = missing_for_attribution(reader.format());
                let records = reader.stats().counts.records;
                if lacking.is_empty() {
                    attributor.add_batch(inputs, acc, &batch);
                } else {
                    unusable_records += records - records_before;
                    for field in lacking {
                        if !missing.contains(&field) {
                            missing.push(field);
                        }
                    }
                }
                records_before = records;
            }
            Err(err) => {
                failure = Some(err);
                break;
            }
        }
    }
    Outcome {
        stats: reader.stats().clone(),
        failure,
        missing,
        unusable_records,
    }
}

/// An analysis fed batch by batch: for pipelines that already hold flow batches in Arrow
/// (from Parquet, a stream, another reader). Batches need the columns of
/// [`crate::ANALYSIS_FIELDS`] (missing ones count as all-null) in the flow schema types.
///
/// The analyzer owns its network through an [`Arc`], so it can move into a task or a thread.
/// Analyzers merge, so a pipeline can run one per worker and combine them; merging analyzers
/// of different networks is refused.
///
/// Orientation of flag-less records improves when the analyzer knows which ports listen: learn
/// them first from the same batches (or a sample of them) with a [`ListenerLearner`] and pass
/// the result to [`Analyzer::with_listeners`]. Without it, rules that only guessed orientations
/// could have used are `unknown`, never wrongly `unused`.
///
/// ```
/// use flowsieve::{AnalysisConfig, Analyzer, Network};
///
/// let network = Network::load(&["../../testdata/demo/inventory"])?;
/// let config = AnalysisConfig::new();
/// let text = "2 568738793019 eni-unknown 10.0.0.1 10.0.0.2 40000 443 6 3 180 1745193600 1745193660 ACCEPT OK\n";
/// let mut reader = config.reader_builder().build(text.as_bytes())?;
/// let mut analyzer = Analyzer::new(&config, network);
/// for batch in reader.by_ref() {
///     analyzer.add_batch(&batch?);
/// }
/// analyzer.add_line_stats(reader.stats());
/// let report = analyzer.finish();
/// assert_eq!(report.unknown_enis[0].eni_id, "eni-unknown");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Analyzer {
    network: Arc<Network>,
    listeners: Arc<Listeners>,
    config: AnalysisConfig,
    acc: FlowAccumulator,
    attributor: Attributor,
}

impl Analyzer {
    /// An empty analysis of `network` (a [`Network`] or an `Arc<Network>`).
    pub fn new(config: &AnalysisConfig, network: impl Into<Arc<Network>>) -> Self {
        let network = network.into();
        Analyzer {
            acc: FlowAccumulator::new(network.matcher().eni_count()),
            network,
            listeners: Arc::new(Listeners::none()),
            config: config.clone(),
            attributor: Attributor::new(config),
        }
    }

    /// Orients flag-less records with what a [`ListenerLearner`] learned (call before adding
    /// batches; every analyzer to be merged must use the same listeners).
    pub fn with_listeners(mut self, listeners: impl Into<Arc<Listeners>>) -> Self {
        self.listeners = listeners.into();
        self
    }

    /// The network analysed.
    pub fn network(&self) -> &Arc<Network> {
        &self.network
    }

    /// Attributes one batch.
    pub fn add_batch(&mut self, batch: &FlowRecordBatch) {
        let inputs = Inputs {
            network: &self.network,
            listeners: &self.listeners,
        };
        self.attributor.add_batch(inputs, &mut self.acc, batch);
    }

    /// Attributes one batch like [`Self::add_batch`] and returns how each row was classified:
    /// direction, initiating or response, and the evidence (`None` for rows not attributed:
    /// NODATA/SKIPDATA, unknown ENIs, incomplete rows, rows outside the window).
    pub fn classify_batch(&mut self, batch: &FlowRecordBatch) -> Vec<Option<RowClass>> {
        let mut classes = vec![None; batch.num_rows()];
        let inputs = Inputs {
            network: &self.network,
            listeners: &self.listeners,
        };
        self.attributor
            .visit_batch(inputs, &mut self.acc, batch, |row, class| {
                if let Some(slot) = classes.get_mut(row) {
                    *slot = class;
                }
            });
        classes
    }

    /// Reads `sources` into this analysis, in parallel (rayon's current pool), as [`analyze`]
    /// reads them: those the config's key filter rules out are counted, unread; a source that
    /// fails is listed in `summary.file_errors` unless the config is strict. The analyzer's
    /// listeners orient flag-less records ([`Self::with_listeners`]; [`learn_listeners`] or
    /// [`learn_sources`] learn them from the same sources).
    ///
    /// ```
    /// use flowsieve::{AnalysisConfig, Analyzer, Network};
    ///
    /// let network = Network::load(&["../../testdata/demo/inventory"])?;
    /// let sources = flowsieve::log::discover(&["../../testdata/demo/logs"])?;
    /// let config = AnalysisConfig::new();
    /// let listeners = flowsieve::learn_listeners(&config, &network, &sources);
    /// let mut analyzer = Analyzer::new(&config, network).with_listeners(listeners);
    /// analyzer.add_sources(&sources)?;
    /// let report = analyzer.finish();
    /// assert_eq!(report.summary.files, sources.len() as u64);
    /// # Ok::<(), flowsieve::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// With a strict config, the first source that fails.
    pub fn add_sources(&mut self, sources: &[Source]) -> Result<()> {
        let filter = self.config.key_filter();
        let (selected, pruned): (Vec<&Source>, Vec<&Source>) =
            sources.iter().partition(|s| filter.selects(&s.key()));
        let acc = accumulate(
            &self.config,
            &self.network,
            &self.listeners,
            &selected,
            &|_, _| {},
        )?;
        self.acc.merge(acc);
        self.add_pruned(pruned.len() as u64);
        Ok(())
    }

    /// Counts objects a key filter ruled out, unread, for the summary (`files_listed`,
    /// `files_pruned`): for callers that list and prune objects themselves. Partials carry it.
    pub fn add_pruned(&mut self, objects: u64) {
        self.acc.files_pruned += objects;
    }

    /// Adds the line accounting of a source the batches came from (for the summary).
    pub fn add_line_stats(&mut self, stats: &LineStats) {
        self.acc.files += 1;
        self.acc.bytes_read += stats.bytes;
        self.acc.lines.merge(stats, usize::MAX);
    }

    /// Adds another analysis of the same network (associative and commutative).
    ///
    /// # Errors
    ///
    /// [`Error::NetworkMismatch`] when `other` analysed a different network.
    /// [`Error::PartialMismatch`] when it used other learned listeners or another window.
    pub fn merge(&mut self, other: Analyzer) -> Result<()> {
        if !Arc::ptr_eq(&self.network, &other.network)
            && self.network.fingerprint() != other.network.fingerprint()
        {
            return Err(Error::NetworkMismatch {
                ours: self.network.fingerprint(),
                theirs: other.network.fingerprint(),
            });
        }
        if !Arc::ptr_eq(&self.listeners, &other.listeners)
            && self.listeners.fingerprint() != other.listeners.fingerprint()
        {
            return Err(Error::PartialMismatch {
                what: "set of learned listeners",
            });
        }
        if (self.config.since, self.config.until) != (other.config.since, other.config.until) {
            return Err(Error::PartialMismatch {
                what: "analysis window",
            });
        }
        if self.config.client_ports != other.config.client_ports {
            return Err(Error::PartialMismatch {
                what: "client port range",
            });
        }
        self.acc.merge(other.acc);
        Ok(())
    }

    /// This analysis so far as bytes: a partial result another process or machine merges with
    /// [`Self::merge_partial`] (layout in the `partial` module docs: a small JSON header and
    /// the accumulated tables as Arrow IPC). The same analysis always gives the same bytes.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidPartial`] if the state cannot be encoded (not expected).
    pub fn partial(&self) -> Result<Vec<u8>> {
        crate::partial::write(&self.acc, &self.identity())
    }

    /// Merges a partial result written by [`Self::partial`] of another analyzer: the same as
    /// [`Self::merge`] with that analyzer, in any order.
    ///
    /// # Errors
    ///
    /// [`Error::NetworkMismatch`] when the partial analysed a different network,
    /// [`Error::PartialMismatch`] when it used other listeners or another window,
    /// [`Error::InvalidPartial`] for bytes that are not a partial of this flowsieve.
    pub fn merge_partial(&mut self, bytes: &[u8]) -> Result<()> {
        let acc = crate::partial::read(bytes, &self.identity(), self.network.matcher())?;
        self.acc.merge(acc);
        Ok(())
    }

    fn identity(&self) -> crate::partial::Identity {
        crate::partial::Identity {
            network_fingerprint: self.network.fingerprint(),
            listeners_fingerprint: self.listeners.fingerprint(),
            since: self.config.since,
            until: self.config.until,
            client_ports: self.config.client_ports,
        }
    }

    /// The report.
    pub fn finish(self) -> Report {
        let pruned = self.acc.files_pruned;
        let listed = self.acc.files + pruned;
        build_report(self.acc, &self.network, &self.config, listed, pruned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Judgeable;
    use flowsieve_sg::Inventory;

    const GOOD: &str = "2 568738793019 eni-0000000000000dead 10.34.1.1 10.34.1.2 40000 443 6 3 180 1745193600 1745193660 ACCEPT OK\n";
    /// The same record under a header without `action` and with `srcaddr` misspelt.
    const LACKING: &str = "version account-id interface-id srcadr dstaddr srcport dstport protocol packets bytes start end log-status\n\
        2 568738793019 eni-0000000000000dead 10.34.1.1 10.34.1.2 40000 443 6 3 180 1745193600 1745193660 OK\n\
        2 568738793019 eni-0000000000000dead 10.34.1.1 10.34.1.2 40000 443 6 3 180 1745193600 1745193660 OK\n";

    fn run(files: &[(&str, &str)]) -> Report {
        let dir = tempfile::tempdir().unwrap();
        let paths: Vec<_> = files
            .iter()
            .map(|(name, text)| {
                let path = dir.path().join(name);
                std::fs::write(&path, text).unwrap();
                path
            })
            .collect();
        let network = Network::new(Inventory::load(&["../../testdata/demo/inventory"]).unwrap());
        let sources = flowsieve_log::discover(&paths).unwrap();
        analyze(&AnalysisConfig::new(), &network, &sources).unwrap()
    }

    #[test]
    fn a_log_lacking_attribution_fields_is_counted_not_attributed() {
        let report = run(&[("good.log", GOOD), ("lacking.log", LACKING)]);
        let s = &report.summary;
        assert_eq!(s.records, 3);
        assert_eq!(s.unattributed.unusable_format, 2);
        assert_eq!(s.unusable_logs.len(), 1);
        assert!(s.unusable_logs[0].file.ends_with("lacking.log"));
        assert_eq!(s.unusable_logs[0].missing_fields, ["srcaddr", "action"]);
        assert_eq!(s.unusable_logs[0].records, 2);
        // The good log's record (an unknown ENI) is still read.
        assert_eq!(s.unknown_eni_records, 1);

        let only = run(&[("lacking.log", LACKING)]);
        assert_eq!(only.judgeable(), Judgeable::NoUsableLogs { records: 2 });
        assert!(only.unknown_enis.is_empty());
    }

    /// A distributed run: learners of two shards shipped as bytes and merged, then analyzers
    /// of the shards with those listeners, shipped as partials, merged and given the pruned
    /// count, give `analyze`'s report.
    #[test]
    fn shards_learned_and_analysed_apart_give_one_runs_report() {
        let network = Arc::new(Network::load(&["../../testdata/demo/inventory"]).unwrap());
        let sources = flowsieve_log::discover(&["../../testdata/demo/logs"]).unwrap();
        let config = AnalysisConfig::new();
        let expected = analyze(&config, &network, &sources).unwrap();
        let (left, right) = sources.split_at(sources.len() / 3);

        let mut learner = ListenerLearner::new();
        for shard in [left, right] {
            let bytes = learn_sources(&config, &network, shard).to_bytes();
            learner.merge(ListenerLearner::from_bytes(&bytes).unwrap());
        }
        let listeners = Arc::new(learner.finish());
        assert_eq!(
            listeners.fingerprint(),
            learn_listeners(&config, &network, &sources).fingerprint()
        );

        let mut merged =
            Analyzer::new(&config, Arc::clone(&network)).with_listeners(Arc::clone(&listeners));
        for shard in [right, left] {
            let mut analyzer =
                Analyzer::new(&config, Arc::clone(&network)).with_listeners(Arc::clone(&listeners));
            analyzer.add_sources(shard).unwrap();
            merged.merge_partial(&analyzer.partial().unwrap()).unwrap();
        }
        assert_eq!(merged.finish(), expected);
    }

    #[test]
    fn pruned_objects_are_counted_by_add_sources_and_add_pruned() {
        let network = Arc::new(Network::load(&["../../testdata/demo/inventory"]).unwrap());
        let sources = flowsieve_log::discover(&["../../testdata/demo/logs"]).unwrap();
        let config = AnalysisConfig::new().with_regions(["eu-north-1"]);
        let mut analyzer = Analyzer::new(&config, Arc::clone(&network));
        analyzer.add_sources(&sources).unwrap();
        analyzer.add_pruned(2);
        // The count travels in partials.
        let mut merged = Analyzer::new(&config, network);
        merged.merge_partial(&analyzer.partial().unwrap()).unwrap();
        let s = merged.finish().summary;
        assert_eq!(s.files, 0);
        assert_eq!(s.files_pruned, sources.len() as u64 + 2);
        assert_eq!(s.files_listed, s.files_pruned);
    }
}

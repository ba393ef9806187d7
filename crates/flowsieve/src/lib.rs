//! # flowsieve: which security group rules does your traffic use?
//!
//! flowsieve reads AWS VPC Flow Logs and the declared network (the JSON of `aws ec2
//! describe-security-groups`, `describe-security-group-rules`, `describe-network-interfaces`,
//! prefix lists; Terraform state) and reports:
//!
//! * **rule usage** — for every rule, the initiating records that needed it, with packets,
//!   bytes, first/last seen, distinct and top peers and ports; **unused** rules — a claim of
//!   proof: every ENI carrying the group observed with ACCEPTs captured for the whole window,
//!   no record that could have used the rule, its peers fully known — and **unknown** ones,
//!   each with reason codes and the records that could have used it;
//! * **REJECT hotspots** — refused connection attempts grouped by target groups, port, protocol
//!   and peer class, ranked, with the likely cause and, for internal traffic, the rule that would
//!   allow it;
//! * **reachability** — observed initiating traffic between group sets, beside declared edges
//!   nothing used; plus accepted traffic no rule allows, refused responses, egress refusals and
//!   ENIs missing from the inventory.
//!
//! Security groups are stateful: a response never uses a rule. flowsieve tells initiating
//! records from responses by TCP flags when the format has them and by port and declaration
//! evidence otherwise ([`Evidence`]); the exact semantics are in `docs/semantics.md`.
//!
//! ## Example
//!
//! ```
//! use flowsieve::{analyze, AnalysisConfig, Network};
//!
//! let network = Network::load(&["../../testdata/demo/inventory"])?;
//! let sources = flowsieve::log::discover(&["../../testdata/demo/logs"])?;
//! let report = analyze(&AnalysisConfig::new(), &network, &sources)?;
//!
//! for rule in report.rules_with_status(flowsieve::RuleStatus::Unused) {
//!     println!("unused: {} {} {} {}-{} {}", rule.rule_id, rule.direction, rule.protocol,
//!              rule.from_port, rule.to_port, rule.peer);
//! }
//! let top = &report.reject_hotspots[0];
//! println!("most refused: {:?} port {} ({} records)", top.group_ids, top.dst_port, top.records);
//! assert!(report.summary.records > 0);
//! # Ok::<(), flowsieve::Error>(())
//! ```
//!
//! ## Embedding: Arrow in, partial results across processes, report out
//!
//! A pipeline that already holds flow records in Arrow — from DuckDB, Polars, pyarrow, a Spark
//! task — feeds them to an [`Analyzer`]. The batches need not be in flowsieve's schema: a
//! [`FlowConformer`](log::FlowConformer) takes columns by their flow-log names (AWS's
//! `log-status` or `log_status`) in whatever types the engine produced (here `Int32` ports and
//! `Utf8` addresses) and accounts for every row it refuses. Each worker analyses its share and
//! ships [`Analyzer::partial`] bytes; one process merges them in any order and writes the
//! report. The analyzers must be built on the same network and options: a partial of another
//! network is refused with [`Error::NetworkMismatch`].
//!
//! ```
//! use std::sync::Arc;
//! use arrow_array::{ArrayRef, Int32Array, Int64Array, RecordBatch, StringArray};
//! use flowsieve::{AnalysisConfig, Analyzer, Network, RuleStatus};
//!
//! let network = Arc::new(Network::load(&["../../testdata/demo/inventory"])?);
//! let config = AnalysisConfig::new();
//!
//! // One backend task (10.34.19.111) opens a connection to a model server (10.34.65.47) on
//! // 8001: logged once on each side, as an engine's query result would hold it.
//! let foreign = |eni: &str, direction: &str| -> Result<RecordBatch, arrow_schema::ArrowError> {
//!     let text = |v: &str| Arc::new(StringArray::from(vec![v])) as ArrayRef;
//!     let int32 = |v: i32| Arc::new(Int32Array::from(vec![v])) as ArrayRef;
//!     let int64 = |v: i64| Arc::new(Int64Array::from(vec![v])) as ArrayRef;
//!     RecordBatch::try_from_iter([
//!         ("interface_id", text(eni)),
//!         ("srcaddr", text("10.34.19.111")),
//!         ("dstaddr", text("10.34.65.47")),
//!         ("srcport", int32(41_000)),
//!         ("dstport", int32(8001)),
//!         ("protocol", int32(6)),
//!         ("packets", int64(12)),
//!         ("bytes", int64(3_400)),
//!         ("start", int64(1_745_193_600)),
//!         ("end", int64(1_745_193_660)),
//!         ("action", text("ACCEPT")),
//!         ("log_status", text("OK")),
//!         ("tcp_flags", int32(2)), // SYN: the task opened the connection
//!         ("flow_direction", text(direction)),
//!     ])
//! };
//!
//! // Worker 1 holds the model server's record; worker 2 the task's, and ships its partial.
//! let mut merged = Analyzer::new(&config, Arc::clone(&network));
//! let mut worker = Analyzer::new(&config, Arc::clone(&network));
//! for (analyzer, batch) in [
//!     (&mut merged, foreign("eni-049c69d63e9763672", "ingress")?),
//!     (&mut worker, foreign("eni-1dcf65d592c962ce8", "egress")?),
//! ] {
//!     let mut conformer = config.reader_builder().build_conformer(batch.schema())?;
//!     analyzer.add_batch(&conformer.conform(&batch)?);
//!     analyzer.add_line_stats(conformer.stats());
//! }
//! let bytes: Vec<u8> = worker.partial()?; // to another process or machine
//! merged.merge_partial(&bytes)?;
//! let report = merged.finish();
//!
//! // The model server's "ingress 8001 from the backend's group" is used; nothing is proven
//! // unused from two records (no ENI was observed for the whole window).
//! let rule = report.rules.iter().find(|r| r.rule_id == "sgr-40904502bab94af9b").unwrap();
//! assert_eq!((rule.status, rule.records), (RuleStatus::Used, 1));
//! assert_eq!(report.rules_with_status(RuleStatus::Unused).count(), 0);
//! assert_eq!(report.summary.records, 2);
//! for rule in report.rules_with_status(RuleStatus::Used) {
//!     println!("used: {} {} {} {} {} from {}: {} record(s)", rule.rule_id, rule.group_name,
//!              rule.direction, rule.protocol, rule.from_port, rule.peer, rule.records);
//! }
//! let s = &report.summary.rule_status;
//! println!("{} used, {} unused, {} unknown", s.used, s.unused, s.unknown);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The crate re-exports its foundations: [`log`] (flow-log text/gzip/Parquet → Arrow), [`sg`]
//! (the declared network and the compiled rule matcher) and, with the default `s3` feature,
//! `s3` (archives read straight from S3: `flowsieve::s3::discover(&["s3://bucket/AWSLogs/"
//! .parse()?], &Default::default())?` gives sources [`analyze`] reads like local files;
//! `flowsieve::s3::Discovery` lists local paths, `s3://` prefixes and `-` alike, with one S3
//! store however many prefixes, pruning by key and leaving a run's outputs out).

mod accum;
mod analyze;
mod attribute;
mod config;
mod coverage;
mod distinct;
mod error;
mod finish;
mod judge;
mod learn;
mod network;
mod orient;
mod partial;
mod peer_cache;
mod peers;
mod port_table;
mod render;
mod report;

pub use flowsieve_log as log;
/// Flow-log archives straight from S3 (feature `s3`, on by default): `s3://` locations listed
/// into [`log::Source`]s that [`analyze`] reads like local files.
#[cfg(feature = "s3")]
pub use flowsieve_s3 as s3;
pub use flowsieve_sg as sg;

pub use analyze::{Analyzer, analyze, analyze_with_progress, learn_listeners, learn_sources};
pub use attribute::RowClass;
pub use config::{
    ANALYSIS_FIELDS, ATTRIBUTION_FIELDS, AnalysisConfig, DEFAULT_LEARN_LINES, DEFAULT_TOP,
    LEARNING_FIELDS, limits, missing_for_attribution,
};
pub use distinct::DistinctCounter;
pub use error::{Error, Result};
pub use judge::Judgeable;
pub use learn::{DISTINCT_REMOTE_PORTS, LEARN_PATIENCE_LINES, ListenerLearner, Listeners};
pub use network::Network;
pub use orient::{Evidence, Orientation};
pub use partial::PARTIAL_FORMAT_VERSION;
pub use render::{render_markdown, render_table};
pub use report::*;

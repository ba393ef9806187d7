//! # flowsieve: which security group rules does your traffic use?
//!
//! flowsieve reads AWS VPC Flow Logs and the declared network (the JSON of `aws ec2
//! describe-security-groups`, `describe-security-group-rules`, `describe-network-interfaces`,
//! prefix lists; Terraform state) and reports:
//!
//! * **rule usage** — for every rule, the initiating records that needed it, with packets,
//!   bytes, first/last seen, distinct and top peers and ports; **unused** rules (no initiating
//!   traffic in the window) and **unknown** ones (no logs for their group, an unresolvable peer,
//!   an ICMP type flow logs do not record);
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
mod render;
mod report;

pub use flowsieve_log as log;
/// Flow-log archives straight from S3 (feature `s3`, on by default): `s3://` locations listed
/// into [`log::Source`]s that [`analyze`] reads like local files.
#[cfg(feature = "s3")]
pub use flowsieve_s3 as s3;
pub use flowsieve_sg as sg;

pub use analyze::{Analyzer, analyze, analyze_with_progress, learn_listeners};
pub use attribute::RowClass;
pub use config::{
    ANALYSIS_FIELDS, ATTRIBUTION_FIELDS, AnalysisConfig, DEFAULT_LEARN_LINES, LEARNING_FIELDS,
    missing_for_attribution,
};
pub use distinct::DistinctCounter;
pub use error::{Error, Result};
pub use judge::Judgeable;
pub use learn::{DISTINCT_REMOTE_PORTS, ListenerLearner, Listeners};
pub use network::Network;
pub use orient::{Evidence, Orientation};
pub use partial::PARTIAL_FORMAT_VERSION;
pub use render::{render_markdown, render_table};
pub use report::*;

//! End-to-end tests of the analysis engine on generated archives with exact ground truth
//! (flowsieve-synth), on the scenarios that break naive verdicts (scenarios.rs), on the hand-made
//! cases of testdata/cases (cases.rs), on the demo archive, and on the properties the design promises
//! (thread-count and file-order independence, mergeable accumulators); and the same report from
//! the demo's records as pyarrow, DuckDB and Polars batches (arrow_in.rs); an archive as AWS's
//! Parquet flow logs, and odd Parquet files (aws_parquet.rs).

mod arrow_in;
mod aws_parquet;
mod cases;
mod common;
mod demo;
mod determinism;
mod peers;
mod scenarios;
mod truth;

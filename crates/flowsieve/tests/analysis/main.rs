//! End-to-end tests of the analysis engine on generated archives with exact ground truth
//! (flowsieve-synth), on the demo archive, and on the properties the design promises
//! (thread-count and file-order independence, mergeable accumulators).

mod common;
mod demo;
mod determinism;
mod truth;

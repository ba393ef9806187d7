//! The report does not depend on the number of threads, the order of the files, or how
//! batches are split among analyzers before they are merged.

use flowsieve::log::FlowRecordBatch;
use flowsieve::{AnalysisConfig, Analyzer, Network, Report, analyze};
use proptest::prelude::*;

use crate::common::{demo_dir, odd};

fn in_pool(threads: usize, f: impl FnOnce() -> Report + Send) -> Report {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

#[test]
fn same_report_for_one_and_three_threads_and_any_file_order() {
    let archive = odd();
    let config = AnalysisConfig::new();
    let one = in_pool(1, || {
        analyze(&config, &archive.network, &archive.sources).unwrap()
    });
    let mut reversed = archive.sources.clone();
    reversed.reverse();
    let three = in_pool(3, || analyze(&config, &archive.network, &reversed).unwrap());
    assert_eq!(one, three);
    assert_eq!(
        serde_json::to_string(&one).unwrap(),
        serde_json::to_string(&three).unwrap()
    );
}

/// The demo archive's batches (small batches, so there are many) and line stats.
fn demo_batches(network: &Network) -> (Vec<FlowRecordBatch>, Vec<flowsieve::log::LineStats>) {
    let config = AnalysisConfig::new().with_batch_size(500);
    let sources = flowsieve::log::discover(&[demo_dir().join("logs")]).unwrap();
    let mut batches = Vec::new();
    let mut stats = Vec::new();
    for source in &sources {
        let mut reader = flowsieve::log::open(source, &config.reader_builder()).unwrap();
        batches.extend(reader.by_ref().map(Result::unwrap));
        stats.push(reader.stats().clone());
    }
    let _ = network;
    (batches, stats)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Splitting the batches among several analyzers in any way and merging them in any order
    /// and grouping (associativity, commutativity) gives the single analyzer's report.
    #[test]
    fn merging_analyzers_is_associative_and_commutative(
        assignment in proptest::collection::vec(0usize..4, 64),
        order in Just(vec![0usize, 1, 2, 3]).prop_shuffle(),
        left_first in any::<bool>(),
    ) {
        let network = Network::load(&[demo_dir().join("inventory")]).unwrap();
        let config = AnalysisConfig::new();
        let (batches, stats) = demo_batches(&network);
        let network = std::sync::Arc::new(network);
        let mut single = Analyzer::new(&config, network.clone());
        let mut parts: Vec<Analyzer> = (0..4).map(|_| Analyzer::new(&config, network.clone())).collect();
        for (i, batch) in batches.iter().enumerate() {
            single.add_batch(batch);
            parts[assignment[i % assignment.len()]].add_batch(batch);
        }
        for (i, s) in stats.iter().enumerate() {
            single.add_line_stats(s);
            parts[assignment[(i * 7) % assignment.len()]].add_line_stats(s);
        }
        let mut parts: Vec<Option<Analyzer>> = parts.into_iter().map(Some).collect();
        let mut take = |i: usize| parts[order[i]].take().unwrap();
        let (a, b, c, d) = (take(0), take(1), take(2), take(3));
        // ((a+b)+(c+d)) or (a+(b+(c+d))).
        let merged = if left_first {
            let mut ab = a;
            ab.merge(b).unwrap();
            let mut cd = c;
            cd.merge(d).unwrap();
            ab.merge(cd).unwrap();
            ab
        } else {
            let mut cd = c;
            cd.merge(d).unwrap();
            let mut bcd = b;
            bcd.merge(cd).unwrap();
            let mut abcd = a;
            abcd.merge(bcd).unwrap();
            abcd
        };
        prop_assert_eq!(merged.finish(), single.finish());
    }
}

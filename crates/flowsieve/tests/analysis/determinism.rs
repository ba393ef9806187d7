//! The report does not depend on the number of threads, the order of the files, or how
//! batches are split among analyzers before they are merged.

use flowsieve::log::FlowRecordBatch;
use flowsieve::{AnalysisConfig, Analyzer, Network};
use proptest::prelude::*;

use crate::common::{demo_dir, odd, one_and_three_threads_agree};

#[test]
fn same_report_for_one_and_three_threads_and_any_file_order() {
    one_and_three_threads_agree(odd());
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

/// The demo's batches split among `parts` analyzers by `assignment`, plus the single analyzer
/// that read everything.
fn split_demo(
    config: &AnalysisConfig,
    network: &std::sync::Arc<Network>,
    assignment: &[usize],
    parts: usize,
) -> (Analyzer, Vec<Analyzer>) {
    let (batches, stats) = demo_batches(network);
    let mut single = Analyzer::new(config, network.clone());
    let mut split: Vec<Analyzer> = (0..parts)
        .map(|_| Analyzer::new(config, network.clone()))
        .collect();
    for (i, batch) in batches.iter().enumerate() {
        single.add_batch(batch);
        split[assignment[i % assignment.len()] % parts].add_batch(batch);
    }
    for (i, s) in stats.iter().enumerate() {
        single.add_line_stats(s);
        split[assignment[(i * 7) % assignment.len()] % parts].add_line_stats(s);
    }
    (single, split)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    /// Partials serialised to bytes (what a distributed run ships) and merged into a fresh
    /// analyzer in any order give the single analyzer's report; the same state always gives
    /// the same bytes.
    #[test]
    fn merging_serialised_partials_in_any_order_gives_one_report(
        assignment in proptest::collection::vec(0usize..3, 64),
        order in Just(vec![0usize, 1, 2]).prop_shuffle(),
    ) {
        let network = std::sync::Arc::new(Network::load(&[demo_dir().join("inventory")]).unwrap());
        let config = AnalysisConfig::new();
        let (single, split) = split_demo(&config, &network, &assignment, 3);
        let bytes: Vec<Vec<u8>> = split.iter().map(|a| a.partial().unwrap()).collect();
        prop_assert_eq!(&bytes[0], &split[0].partial().unwrap());
        let mut merged = Analyzer::new(&config, network.clone());
        for &i in &order {
            merged.merge_partial(&bytes[i]).unwrap();
        }
        // A partial of a merge is a partial too.
        let mut again = Analyzer::new(&config, network.clone());
        again.merge_partial(&merged.partial().unwrap()).unwrap();
        let single = single.finish();
        prop_assert_eq!(&merged.finish(), &single);
        prop_assert_eq!(&again.finish(), &single);
    }
}

#[test]
fn partials_of_another_network_window_or_corrupt_bytes_are_refused() {
    let network = std::sync::Arc::new(Network::load(&[demo_dir().join("inventory")]).unwrap());
    let config = AnalysisConfig::new();
    let (single, _) = split_demo(&config, &network, &[0], 1);
    let bytes = single.partial().unwrap();

    let windowed = AnalysisConfig::new().with_window(Some(1), None);
    let err = Analyzer::new(&windowed, network.clone())
        .merge_partial(&bytes)
        .unwrap_err();
    assert!(
        matches!(err, flowsieve::Error::PartialMismatch { .. }),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "cannot merge a partial built with a different analysis window"
    );

    let linux = AnalysisConfig::new().with_client_ports(32768, 60999);
    let err = Analyzer::new(&linux, network.clone())
        .merge_partial(&bytes)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot merge a partial built with a different client port range"
    );

    let other = crate::common::odd().network.clone();
    let err = Analyzer::new(&config, other)
        .merge_partial(&bytes)
        .unwrap_err();
    assert!(
        matches!(err, flowsieve::Error::NetworkMismatch { .. }),
        "{err}"
    );

    for cut in [0, 7, 12, 100, bytes.len() / 2, bytes.len() - 1] {
        let err = Analyzer::new(&config, network.clone())
            .merge_partial(&bytes[..cut])
            .unwrap_err();
        assert!(
            matches!(err, flowsieve::Error::InvalidPartial { .. }),
            "cut {cut}: {err}"
        );
    }
    let mut flipped = bytes.clone();
    flipped[0] ^= 1;
    let err = Analyzer::new(&config, network.clone())
        .merge_partial(&flipped)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "not a valid flowsieve partial: not a flowsieve partial (bad magic)"
    );
}

//! `aggregate/*`: the analysis hot loop (attribution into the accumulator, then the report) on
//! batches already in memory, beside a peer measured in the same run on the same batches:
//! matching every record against the compiled matcher one by one (what an analysis without the
//! aggregate-then-match-once design would do, before any orientation or reporting).
//!
//! Input: a 300k-record archive of `flowsieve-synth` (both flow logs, seed 1), generated under
//! the system temp directory once per run and parsed with the analysis projection.

use std::hint::black_box;
use std::sync::Arc;

use arrow_array::Array;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use flowsieve::log::{FlowField, FlowRecordBatch};
use flowsieve::sg::{Addr, Direction, FlowQuery};
use flowsieve::{AnalysisConfig, Analyzer, Network};

fn archive() -> (Network, Vec<FlowRecordBatch>, u64) {
    let dir =
        std::env::temp_dir().join(format!("flowsieve-bench-aggregate-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let config = flowsieve_synth::GenerateConfig::new(dir.clone(), 300_000, 1);
    flowsieve_synth::generate(&config).expect("generate the archive");
    let network = Network::load(&[dir.join("inventory")]).expect("inventory");
    let analysis = AnalysisConfig::new();
    let sources = flowsieve::log::discover(&[dir.join("logs")]).expect("logs");
    let mut batches = Vec::new();
    for source in &sources {
        for batch in flowsieve::log::open(source, &analysis.reader_builder()).expect("open") {
            batches.push(batch.expect("batch"));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let rows = batches.iter().map(|b| b.num_rows() as u64).sum();
    (network, batches, rows)
}

fn bench(c: &mut Criterion) {
    let (network, batches, rows) = archive();
    let network = Arc::new(network);
    let config = AnalysisConfig::new();
    let mut group = c.benchmark_group("aggregate");
    group.throughput(Throughput::Elements(rows));
    group.sample_size(20);

    group.bench_function("flowsieve", |b| {
        b.iter(|| {
            let mut analyzer = Analyzer::new(&config, Arc::clone(&network));
            for batch in &batches {
                analyzer.add_batch(batch);
            }
            let report = analyzer.finish();
            assert!(report.summary.attributed_records > rows / 2);
            black_box(report)
        })
    });

    let matcher = network.matcher();
    group.bench_function("match_per_record", |b| {
        let mut matches = matcher.new_matches();
        b.iter(|| {
            let mut matched = 0u64;
            for batch in &batches {
                let (Some(ifaces), Some(src), Some(dst), Some(port), Some(proto)) = (
                    batch.text(FlowField::InterfaceId),
                    batch.addresses(FlowField::SrcAddr),
                    batch.addresses(FlowField::DstAddr),
                    batch.uint16(FlowField::DstPort),
                    batch.uint8(FlowField::Protocol),
                ) else {
                    continue;
                };
                let names = ifaces.values();
                let names = arrow_array::cast::AsArray::as_string::<i32>(names);
                let enis: Vec<_> = (0..names.len())
                    .map(|i| matcher.eni_index(names.value(i)))
                    .collect();
                for row in 0..batch.num_rows() {
                    let Some(Some(eni)) = ifaces
                        .keys()
                        .value(row)
                        .try_into()
                        .ok()
                        .and_then(|k: usize| enis.get(k).copied())
                    else {
                        continue;
                    };
                    let gs = matcher.eni_group_set(eni);
                    let query = FlowQuery {
                        direction: Direction::Ingress,
                        protocol: proto.value(row),
                        port: port.value(row),
                        peer: Addr(src.value(row)),
                    };
                    matcher.matching_rules(gs, &query, &mut matches);
                    matched += matches.definite().len() as u64;
                    let _ = dst.value(row);
                }
            }
            assert!(matched > 0);
            black_box(matched)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

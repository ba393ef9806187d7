//! The parse-only stage of the archive benchmark (`benches/archive/run.sh`): reads every
//! flow-log object into Arrow batches exactly as `flowsieve analyze` does — the same discovery,
//! `flowsieve_log::open`, and the analysis projection and batch size of
//! [`AnalysisConfig::reader_builder`] — on `--threads` rayon threads, and drops the batches
//! without attributing them. Its time minus the decompression floor is the parsing share of
//! `analyze`; `analyze` minus it is the attribution share.
//!
//! ```text
//! archive-parse-only [--threads T] [--all-fields] --files-from LIST
//! ```
//!
//! `--all-fields` parses every field of each object's format instead (the peak-memory check of
//! issue 3: `/usr/bin/time -v archive-parse-only --all-fields …` on a 2 GB archive).
//!
//! Prints one JSON line: objects, rows delivered, line counts, decompressed bytes.

use flowsieve::AnalysisConfig;
use flowsieve::log::{LineStats, ReaderBuilder, discover, read_parallel};

#[path = "args.rs"]
mod args;

fn main() {
    let args::Args {
        threads,
        files,
        all_fields,
    } = args::parse("archive-parse-only");
    let sources = discover(&files).unwrap_or_else(|e| panic!("cannot list the logs: {e}"));
    let builder = if all_fields {
        ReaderBuilder::new()
    } else {
        AnalysisConfig::new().reader_builder()
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a rayon pool");
    let per_file: Vec<(u64, LineStats)> = pool.install(|| {
        read_parallel(&sources, &builder, |source, reader| {
            let mut reader =
                reader.unwrap_or_else(|e| panic!("cannot open {}: {e}", source.label()));
            let mut rows = 0u64;
            for batch in reader.by_ref() {
                let batch = batch.unwrap_or_else(|e| panic!("{}: {e}", source.label()));
                rows += batch.num_rows() as u64;
            }
            (rows, reader.stats().clone())
        })
    });
    let rows: u64 = per_file.iter().map(|f| f.0).sum();
    let mut stats = LineStats::default();
    for (_, s) in &per_file {
        stats.merge(s, 0);
    }
    println!(
        "{{\"files\": {}, \"rows\": {rows}, \"records\": {}, \"nodata\": {}, \"skipdata\": {}, \"malformed\": {}, \"bytes\": {}, \"threads\": {threads}}}",
        sources.len(),
        stats.counts.records,
        stats.counts.nodata,
        stats.counts.skipdata,
        stats.counts.malformed,
        stats.bytes
    );
}

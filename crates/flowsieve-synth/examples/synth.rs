//! Generates an archive without the CLI: `cargo run --release -p flowsieve-synth --example synth --
//! DIR RECORDS SEED [hive] [malformed] [labels] [default|custom]`.

use std::time::Instant;

use flowsieve_synth::{FlowLogSpec, GenerateConfig, Layout, generate};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: synth DIR RECORDS SEED [hive] [malformed] [labels] [default|custom]";
    let (Some(dir), Some(records), Some(seed)) = (args.first(), args.get(1), args.get(2)) else {
        return Err(usage.into());
    };
    let mut cfg = GenerateConfig::new(dir, records.parse()?, seed.parse()?);
    let flags = &args[3..];
    if flags.iter().any(|f| f == "hive") {
        cfg.layout = Layout::Hive;
    }
    cfg.malformed = flags.iter().any(|f| f == "malformed");
    cfg.labels = flags.iter().any(|f| f == "labels");
    let only: Vec<FlowLogSpec> = flags.iter().filter_map(|f| f.parse().ok()).collect();
    if !only.is_empty() {
        cfg.formats = only;
    }
    let started = Instant::now();
    let s = generate(&cfg)?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{} objects, {} records, {} lines, {:.1} MB text, {:.1} MB gzip in {secs:.2} s ({:.0} records/s)",
        s.files,
        s.records,
        s.lines,
        s.bytes_uncompressed as f64 / 1e6,
        s.bytes_compressed as f64 / 1e6,
        s.records as f64 / secs
    );
    Ok(())
}

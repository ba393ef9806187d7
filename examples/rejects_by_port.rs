//! flowsieve-log on its own: a flow-log archive into Arrow batches, and a question asked of the
//! columns — which destination ports are refused most — with every input line accounted for.
//!
//! ```sh
//! cargo run --release -p flowsieve --example rejects_by_port -- testdata/demo/logs
//! ```
//!
//! Any mix of gzip, plain text and Parquet objects, in any flow-log format (the header line
//! says which fields a text object has); the projection asks for the three fields this needs,
//! so the other fields of each line are skipped without being converted.

use std::collections::HashMap;

use flowsieve::log::{Action, FlowField, LineStats, ReaderBuilder, discover, read_parallel};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        return Err("usage: rejects_by_port <LOG FILE OR DIRECTORY>...".into());
    }
    let sources = discover(&paths)?;
    let builder = ReaderBuilder::new().with_projection([
        FlowField::Action,
        FlowField::DstPort,
        FlowField::Protocol,
    ]);

    // One closure call per object, on rayon's threads; batches of an object arrive in order.
    let per_object = read_parallel(&sources, &builder, |source, reader| {
        let mut refused: HashMap<(u8, u16), u64> = HashMap::new();
        let mut reader = reader.map_err(|e| format!("{}: {e}", source.label()))?;
        for batch in reader.by_ref() {
            let batch = batch.map_err(|e| format!("{}: {e}", source.label()))?;
            let (Some(actions), Some(port), Some(protocol)) = (
                batch.actions(),
                batch.uint16(FlowField::DstPort),
                batch.uint8(FlowField::Protocol),
            ) else {
                continue;
            };
            // `actions()` is the typed view of the dictionary-encoded column: the dictionary
            // is resolved once per batch, then each row is a key lookup.
            for (row, action) in actions.iter().enumerate() {
                if action == Some(Action::Reject) {
                    *refused
                        .entry((protocol.value(row), port.value(row)))
                        .or_default() += 1;
                }
            }
        }
        Ok::<_, String>((refused, reader.stats().clone()))
    });

    let mut refused: HashMap<(u8, u16), u64> = HashMap::new();
    let mut lines = LineStats::default();
    for result in per_object {
        let (object, stats) = result?;
        for (key, n) in object {
            *refused.entry(key).or_default() += n;
        }
        lines.merge(&stats, 8);
    }
    let mut ranked: Vec<_> = refused.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    println!(
        "{} objects: {} records, {} NODATA, {} SKIPDATA, {} malformed",
        sources.len(),
        lines.counts.records,
        lines.counts.nodata,
        lines.counts.skipdata,
        lines.counts.malformed
    );
    for issue in &lines.samples {
        println!("  {issue}");
    }
    for ((protocol, port), n) in ranked.iter().take(10) {
        println!("{n:>8} REJECT records  protocol {protocol:>3}  port {port}");
    }
    Ok(())
}

//! flowsieve embedded in a pipeline: the declared network and a flow-log archive in, the
//! report out as JSON (the same document as `flowsieve analyze --format json`), plus a short
//! summary of the unused rules and the worst REJECT hotspot on stderr.
//!
//! ```sh
//! cargo run --release -p flowsieve --example unused_rules_json -- \
//!     testdata/demo/inventory testdata/demo/logs > report.json
//! ```

use flowsieve::{AnalysisConfig, Network, analyze};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(inventory), Some(logs)) = (args.next(), args.next()) else {
        return Err("usage: unused_rules_json <INVENTORY DIR OR FILE> <LOGS DIR OR FILE>".into());
    };
    let network = Network::load(&[inventory])?;
    let sources = flowsieve::log::discover(&[logs])?;
    // Analysis window, threads, strictness: all explicit on the config (defaults: everything
    // in the logs, all cores, lenient).
    let report = analyze(&AnalysisConfig::new(), &network, &sources)?;

    for rule in report.rules_with_status(flowsieve::RuleStatus::Unused) {
        // Ports are -1 for "all" (protocol -1, or every ICMP type).
        let ports = match (rule.from_port, rule.to_port) {
            (from, _) if from < 0 => "all".to_owned(),
            (from, to) if from == to => from.to_string(),
            (from, to) => format!("{from}-{to}"),
        };
        eprintln!(
            "unused: {} ({}) {} protocol {} ports {} peer {}",
            rule.rule_id, rule.group_id, rule.direction, rule.protocol, ports, rule.peer
        );
    }
    if let Some(top) = report.reject_hotspots.first() {
        eprintln!(
            "most refused: {:?} port {} ({} records)",
            top.group_ids, top.dst_port, top.records
        );
    }
    println!("{}", report.to_json()?);
    Ok(())
}

//! Compares an analysis of a generated archive with its truth.json, per flow log.
//! Usage: cargo run --release -p flowsieve --example check_truth -- DIR
use flowsieve::{AnalysisConfig, Network, analyze};
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).ok_or("usage: check_truth DIR")?);
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("truth.json"))?)?;
    let network = Network::load(&[dir.join("inventory")])?;
    let all = flowsieve::log::discover(&[dir.join("logs")])?;
    for fl in truth["flow_logs"].as_array().ok_or("flow_logs")? {
        let id = fl["id"].as_str().unwrap_or_default();
        let sources: Vec<_> = all
            .iter()
            .filter(|s| s.key().flow_log_id.as_deref() == Some(id))
            .cloned()
            .collect();
        let t0 = std::time::Instant::now();
        let report = analyze(&AnalysisConfig::new(), &network, &sources)?;
        println!(
            "== {id} {} files={} {:?}",
            fl["name"],
            sources.len(),
            t0.elapsed()
        );
        let mut wrong_status = 0;
        let mut wrong_count = 0;
        for tr in fl["rules"].as_array().ok_or("rules")? {
            let rid = tr["rule_id"].as_str().unwrap_or_default();
            let Some(r) = report.rules.iter().find(|r| r.rule_id == rid) else {
                println!("missing rule {rid}");
                continue;
            };
            if r.status.as_str() != tr["status"].as_str().unwrap_or_default() {
                wrong_status += 1;
                println!(
                    "status {rid} {} {} p{} {}-{} {}: ours {} {:?} {:?} truth {} {:?} (ours {} truth {})",
                    r.group_name,
                    r.direction,
                    r.protocol,
                    r.from_port,
                    r.to_port,
                    r.peer,
                    r.status,
                    r.reasons,
                    r.possible_by_reason,
                    tr["status"],
                    tr["reasons"],
                    r.records,
                    tr["records"]
                );
            } else if r.records != tr["records"].as_u64().unwrap_or(0) {
                wrong_count += 1;
                println!(
                    "count  {rid} {} {} {}-{} {}: ours {} truth {}",
                    r.group_name,
                    r.direction,
                    r.from_port,
                    r.to_port,
                    r.peer,
                    r.records,
                    tr["records"]
                );
            }
        }
        println!(
            "rules: {} wrong status, {} wrong counts",
            wrong_status, wrong_count
        );
        let th = fl["reject_hotspots"].as_array().ok_or("hotspots")?;
        println!(
            "hotspots ours {} truth {}",
            report.reject_hotspots.len(),
            th.len()
        );
        for (i, t) in th.iter().enumerate().take(8) {
            let o = report.reject_hotspots.get(i);
            println!(
                "  truth {:?} {} {} {} {} | ours {:?}",
                t["group_ids"].as_array().map(|a| a.len()),
                t["dst_port"],
                t["peer_class"],
                t["records"],
                t["distinct_sources"],
                o.map(|o| (
                    o.group_ids.len(),
                    o.dst_port,
                    o.peer_class,
                    o.records,
                    o.distinct_sources
                ))
            );
        }
        println!(
            "orientation {:?}",
            report
                .summary
                .orientation
                .iter()
                .map(|o| (o.evidence, o.forward, o.reverse))
                .collect::<Vec<_>>()
        );
        println!(
            "unattributed {:?} unknown-eni {}",
            report.summary.unattributed, report.summary.unknown_eni_records
        );
    }
    Ok(())
}

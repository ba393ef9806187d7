//! Scratch: generate a scenario and print ENI coverage. Usage: scratch_scn NAME
use flowsieve::{AnalysisConfig, Network, analyze};
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let name = std::env::args().nth(1).ok_or("name")?;
    let dir = std::env::temp_dir().join(format!("scn-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    flowsieve_synth::generate_scenario(&name, &dir, 1)?;
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("truth.json"))?)?;
    let w = &truth["window"];
    println!("window {} {}", w["start"], w["end"]);
    let network = Network::load(&[dir.join("inventory")])?;
    let sources = flowsieve::log::discover(&[dir.join("logs")])?;
    let config = AnalysisConfig::new().with_window(w["start"].as_i64(), w["end"].as_i64());
    let report = analyze(&config, &network, &sources)?;
    for e in &report.enis {
        println!(
            "{} {:?} {:?}..{:?} frac {} gaps {:?}",
            e.eni_id, e.group_ids, e.first_seen, e.last_seen, e.observed_fraction, e.gaps
        );
    }
    for f in &report.flow_logs {
        println!("{:?}", f);
    }
    Ok(())
}

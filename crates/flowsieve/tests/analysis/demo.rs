//! The demo archive the README's first command runs on: analysing both of its flow logs
//! together gives the truth's statuses, counts summed over the two flow logs, and its traps.

use std::collections::BTreeMap;

use flowsieve::{AnalysisConfig, Network, analyze, render_markdown, render_table};
use serde_json::Value;

use crate::common::demo_dir;

#[test]
fn demo_report_matches_its_truth() {
    let dir = demo_dir();
    let truth: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("truth.json")).unwrap()).unwrap();
    let network = Network::load(&[dir.join("inventory")]).unwrap();
    let sources = flowsieve::log::discover(&[dir.join("logs")]).unwrap();
    let report = analyze(&AnalysisConfig::new(), &network, &sources).unwrap();

    let mut expected: BTreeMap<String, (String, u64)> = BTreeMap::new();
    for flow_log in truth["flow_logs"].as_array().unwrap() {
        for rule in flow_log["rules"].as_array().unwrap() {
            let entry = expected
                .entry(rule["rule_id"].as_str().unwrap().to_owned())
                .or_insert_with(|| (rule["status"].as_str().unwrap().to_owned(), 0));
            entry.1 += rule["records"].as_u64().unwrap();
        }
    }
    let ours: BTreeMap<String, (String, u64)> = report
        .rules
        .iter()
        .map(|r| (r.rule_id.clone(), (r.status.clone(), r.records)))
        .collect();
    assert_eq!(ours, expected);
    assert_eq!(report.summary.rule_status.unused, 6);

    // The traps the README promises.
    let rule = |id: &str| report.rules.iter().find(|r| r.rule_id == id).unwrap();
    assert_eq!(
        rule("sgr-5db9cb1e560a8ea09").status,
        "unused",
        "egress 1024-65535 touched only by responses"
    );
    assert_eq!(
        rule("sgr-11df9b1782dbb74b3").records,
        2,
        "used once per flow log"
    );
    let top_internal = report
        .reject_hotspots
        .iter()
        .find(|h| h.peer_class == "internal")
        .unwrap();
    assert_eq!((top_internal.rank, top_internal.dst_port), (1, 8081));
    assert_eq!(top_internal.likely_cause, "missing_rule");

    // The renderings fit a 100-column terminal and name the findings.
    let table = render_table(&report, 10);
    assert!(table.lines().all(|l| l.chars().count() <= 100), "{table}");
    assert!(table.contains("UNUSED RULES (6)"));
    assert!(table.contains("suggested rule: tcp 8081 from sg-"));
    let markdown = render_markdown(&report, 10);
    assert!(markdown.contains("## Unused rules (6)"));
    assert!(markdown.contains("`sgr-5db9cb1e560a8ea09`"));
}

//! The demo archive the README's first command runs on: analysing both of its flow logs
//! together gives the truth's statuses, counts summed over the two flow logs, and its traps.

use std::collections::{BTreeMap, BTreeSet};

use flowsieve::{
    AnalysisConfig, LikelyCause, Network, PeerClass, Reason, RuleStatus, analyze, render_markdown,
    render_table,
};
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

    // Both flow logs analysed together: a rule is used when either log shows it used; otherwise
    // every reason either log gives holds (coverage and SKIPDATA are judged over both).
    let mut expected: BTreeMap<String, (bool, BTreeSet<String>, u64)> = BTreeMap::new();
    for flow_log in truth["flow_logs"].as_array().unwrap() {
        for rule in flow_log["rules"].as_array().unwrap() {
            let entry = expected
                .entry(rule["rule_id"].as_str().unwrap().to_owned())
                .or_default();
            entry.0 |= rule["status"] == "used";
            entry.1.extend(
                rule["reasons"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r.as_str().unwrap().to_owned()),
            );
            entry.2 += rule["records"].as_u64().unwrap();
        }
    }
    let expected: BTreeMap<String, (String, Vec<String>, u64)> = expected
        .into_iter()
        .map(|(id, (used, reasons, records))| {
            let status = if used {
                "used"
            } else if reasons.is_empty() {
                "unused"
            } else {
                "unknown"
            };
            let reasons = if used {
                Vec::new()
            } else {
                reasons.into_iter().collect()
            };
            (id, (status.to_owned(), reasons, records))
        })
        .collect();
    let ours: BTreeMap<String, (String, Vec<String>, u64)> = report
        .rules
        .iter()
        .map(|r| {
            // The truth knows every initiator: it never says `weak_orientation`, which the
            // analysis may add to a rule it holds `unknown` for another reason too.
            let mut reasons: Vec<String> = r
                .reasons
                .iter()
                .filter(|x| **x != Reason::WeakOrientation || r.reasons.len() == 1)
                .map(|x| x.as_str().to_owned())
                .collect();
            reasons.sort();
            (
                r.rule_id.clone(),
                (r.status.as_str().to_owned(), reasons, r.records),
            )
        })
        .collect();
    assert_eq!(ours, expected);
    assert_eq!(report.summary.rule_status.unused, 4);

    // The traps the README promises.
    let rule = |id: &str| report.rules.iter().find(|r| r.rule_id == id).unwrap();
    assert_eq!(
        rule("sgr-5db9cb1e560a8ea09").status,
        RuleStatus::Unused,
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
        .find(|h| h.peer_class == PeerClass::Internal)
        .unwrap();
    assert_eq!((top_internal.rank, top_internal.dst_port), (1, 8081));
    assert_eq!(top_internal.likely_cause, LikelyCause::MissingRule);

    // The renderings fit a 100-column terminal and name the findings.
    let table = render_table(&report, 10, 100);
    assert!(table.lines().all(|l| l.chars().count() <= 100), "{table}");
    assert!(table.contains("UNUSED RULES (4)"));
    assert!(table.contains("suggested rule: tcp 8081 from sg-"));
    let markdown = render_markdown(&report, 10);
    assert!(markdown.contains("## Unused rules (4)"));
    assert!(markdown.contains("`sgr-5db9cb1e560a8ea09`"));
}

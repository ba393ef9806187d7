//! The hand-made cases of `testdata/cases/<group>/<name>/`: a few JSON files of inventory, a few
//! log lines, the verdict a correct engine gives every rule (`expected.toml`) and a README
//! saying what the case shows. One case per rule of docs/semantics.md and one per reason code
//! of an `unknown` verdict.
//!
//! `check(case)` is the only code that runs the library. `FLOWSIEVE_TEST=group/name` (or just
//! `name`, or `group/`) runs a subset. Unknown keys in `expected.toml` are errors, case names
//! are unique, and every rule of a case's inventory needs an expectation.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use flowsieve::{AnalysisConfig, Network, analyze};
use serde::Deserialize;

use crate::scenarios::{find_hotspot, hotspot_keys, verdict};

/// `expected.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    #[serde(default)]
    analysis: Analysis,
    /// Rule id → verdict; every rule of the inventory is listed.
    rules: BTreeMap<String, RuleExpect>,
    /// Hotspots the engine reports (by target groups, port and protocol).
    #[serde(default)]
    hotspots: Vec<HotspotExpect>,
    /// The engine reports these hotspots and no other.
    #[serde(default)]
    hotspots_complete: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Analysis {
    since: Option<i64>,
    until: Option<i64>,
    /// `--internal-cidr` ranges (on-prem).
    #[serde(default)]
    internal_cidrs: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleExpect {
    status: String,
    #[serde(default)]
    reasons: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HotspotExpect {
    group_ids: Vec<String>,
    dst_port: u16,
    protocol: u8,
    likely_cause: String,
    peer_class: Option<String>,
    suggestion: Option<String>,
}

/// One case directory.
struct Case {
    /// `group/name`.
    name: String,
    dir: PathBuf,
    expected: Expected,
}

/// The reason codes of an `unknown` verdict (VOCAB): each has at least one case.
const REASONS: [&str; 15] = [
    "no_attributed_records",
    "unattributable_records",
    "no_carrier_enis",
    "no_logs_for_group",
    "partial_coverage",
    "skipdata",
    "reject_only_capture",
    "unresolved_peer",
    "peer_membership_incomplete",
    "unknown_eni_traffic",
    "icmp_type_not_logged",
    "weak_orientation",
    "nlb_client_ip_preservation",
    "unlogged_path",
    "untracked_flow_dependency",
];

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/cases")
}

fn sorted_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn parse_expected(text: &str) -> Result<Expected, toml::de::Error> {
    toml::from_str(text)
}

/// Every case (all of them, whatever `FLOWSIEVE_TEST` says).
fn all_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let mut seen = BTreeSet::new();
    for group in sorted_dirs(&cases_dir()) {
        for dir in sorted_dirs(&group) {
            let leaf = dir.file_name().unwrap().to_string_lossy().into_owned();
            let name = format!("{}/{leaf}", group.file_name().unwrap().to_string_lossy());
            assert!(
                seen.insert(leaf.clone()),
                "case name {leaf} is used twice ({name})"
            );
            let path = dir.join("expected.toml");
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let expected =
                parse_expected(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            cases.push(Case {
                name,
                dir,
                expected,
            });
        }
    }
    cases
}

fn selected(case: &Case) -> bool {
    match std::env::var("FLOWSIEVE_TEST") {
        Ok(filter) if !filter.is_empty() => {
            case.name == filter
                || case.name.ends_with(&format!("/{filter}"))
                || (filter.ends_with('/') && case.name.starts_with(&filter))
        }
        _ => true,
    }
}

/// Runs one case through the library; returns what differs from its expectations.
fn check(case: &Case) -> Vec<String> {
    let network = Network::load(&[case.dir.join("inventory")]).expect("the case's inventory loads");
    let sources = flowsieve::log::discover(&[case.dir.join("logs")]).expect("the case's logs");
    let a = &case.expected.analysis;
    // `internal_cidrs` is given to the engine once it has the option (`--internal-cidr`).
    let _internal: &[String] = &a.internal_cidrs;
    let config = AnalysisConfig::new().with_window(a.since, a.until);
    let report = analyze(&config, &network, &sources).expect("analysis");
    let mut wrong = Vec::new();
    for rule in &report.rules {
        let Some(e) = case.expected.rules.get(&rule.rule_id) else {
            wrong.push(format!("rule {} has no expectation", rule.rule_id));
            continue;
        };
        let mut reasons = e.reasons.clone();
        reasons.sort();
        let ours = verdict(rule);
        if ours != (e.status.clone(), reasons.clone()) {
            wrong.push(format!(
                "rule {}: expected {} {reasons:?}, engine {} {:?}",
                rule.rule_id, e.status, ours.0, ours.1
            ));
        }
    }
    for id in case.expected.rules.keys() {
        if !report.rules.iter().any(|r| &r.rule_id == id) {
            wrong.push(format!("rule {id} is expected but not in the report"));
        }
    }
    for h in &case.expected.hotspots {
        let groups: Vec<&str> = h.group_ids.iter().map(String::as_str).collect();
        match find_hotspot(&report, &groups, h.dst_port, h.protocol) {
            None => wrong.push(format!(
                "hotspot {:?} port {} missing",
                h.group_ids, h.dst_port
            )),
            Some(found) => {
                let cause_ok = found.likely_cause.as_str() == h.likely_cause;
                let class_ok = h
                    .peer_class
                    .as_ref()
                    .is_none_or(|c| c == found.peer_class.as_str());
                let suggestion_ok =
                    found.suggestion.as_ref().map(|s| s.text.as_str()) == h.suggestion.as_deref();
                if !(cause_ok && class_ok && suggestion_ok) {
                    wrong.push(format!(
                        "hotspot {:?} port {}: expected {} {:?} {:?}, engine {} {} {:?}",
                        h.group_ids,
                        h.dst_port,
                        h.likely_cause,
                        h.peer_class,
                        h.suggestion,
                        found.likely_cause,
                        found.peer_class,
                        found.suggestion.as_ref().map(|s| s.text.as_str())
                    ));
                }
            }
        }
    }
    if case.expected.hotspots_complete {
        for (groups, port, protocol) in hotspot_keys(&report) {
            let expected = case
                .expected
                .hotspots
                .iter()
                .any(|h| h.group_ids == groups && h.dst_port == port && h.protocol == protocol);
            if !expected {
                wrong.push(format!(
                    "unexpected hotspot {groups:?} port {port} protocol {protocol}"
                ));
            }
        }
    }
    wrong
}

/// Every selected case holds.
#[test]
fn every_case_holds() {
    let mut failures = Vec::new();
    let mut ran = 0;
    for case in all_cases().iter().filter(|c| selected(c)) {
        ran += 1;
        let wrong = check(case);
        println!(
            "{} {}",
            if wrong.is_empty() { "ok  " } else { "FAIL" },
            case.name
        );
        for w in &wrong {
            println!("     {w}");
        }
        if !wrong.is_empty() {
            failures.push(format!("{}: {}", case.name, wrong.join("; ")));
        }
    }
    assert!(ran > 0, "no case matches FLOWSIEVE_TEST");
    assert!(
        failures.is_empty(),
        "{} of {ran} cases fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Each case directory has its parts, and every reason code and semantics rule has a case.
#[test]
fn cases_are_complete() {
    let cases = all_cases();
    let mut reasons = BTreeSet::new();
    for case in &cases {
        for part in ["inventory", "logs", "README.md"] {
            assert!(case.dir.join(part).exists(), "{}: no {part}", case.name);
        }
        assert!(
            !case.expected.rules.is_empty(),
            "{}: no rule expectation",
            case.name
        );
        for e in case.expected.rules.values() {
            assert!(
                ["used", "unused", "unknown"].contains(&e.status.as_str()),
                "{}: status {}",
                case.name,
                e.status
            );
            assert_eq!(
                e.status == "unknown",
                !e.reasons.is_empty(),
                "{}: reasons are given exactly for unknown",
                case.name
            );
            for r in &e.reasons {
                assert!(
                    REASONS.contains(&r.as_str()),
                    "{}: unknown reason {r}",
                    case.name
                );
                reasons.insert(r.clone());
            }
        }
    }
    for code in REASONS {
        assert!(reasons.contains(code), "no case for the reason {code}");
    }
    let groups: BTreeSet<&str> = cases
        .iter()
        .filter_map(|c| c.name.split('/').next())
        .collect();
    assert!(
        groups.contains("semantics") && groups.contains("reasons"),
        "{groups:?}"
    );
}

/// Unknown keys in `expected.toml` are refused (a typo must not silently weaken a case).
#[test]
fn unknown_keys_are_refused() {
    let good = "[rules.sgr-1]\nstatus = \"used\"\n";
    assert!(parse_expected(good).is_ok());
    for bad in [
        "[rules.sgr-1]\nstatus = \"used\"\nreason = \"x\"\n",
        "[analysis]\nsince = 1\nuntill = 2\n[rules.sgr-1]\nstatus = \"used\"\n",
        "hotspot_complete = true\n[rules.sgr-1]\nstatus = \"used\"\n",
        "[rules.sgr-1]\nstatus = \"used\"\n[[hotspots]]\ngroup_ids = []\ndst_port = 1\nprotocol = 6\nlikely_cause = \"nacl\"\ncause = \"x\"\n",
    ] {
        assert!(parse_expected(bad).is_err(), "accepted: {bad}");
    }
}

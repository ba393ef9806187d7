//! The accuracy harness: every scenario of flowsieve-synth (small accounts built like real ones,
//! where naive verdicts are wrong) is generated into a temporary directory, analysed through the
//! library, and held to its truth:
//!
//! (a) no rule is `unused` where the truth says AWS used it or the expected verdict is `unknown`;
//! (b) every expected `unused` (provable) rule is `unused` (recall 1.0);
//! (c) statuses and reason codes equal the expected ones;
//! (d) per-record orientation accuracy per evidence kind (printed; ≥ 99 % where the scenario
//!     says the server side can be learned);
//! (e) REJECT hotspots: peer class, likely cause and suggested rule.
//!
//! Each test prints, per scenario, what the engine says against the truth. Set
//! `FLOWSIEVE_SCENARIO=name` to run one scenario.
//!
//! The engine's view of a report goes through the adapter functions of the "Adapter" section
//! (`verdict`, `load_network`, `analysis_config`, `find_hotspot`): they are where the report
//! schema meets the truth's vocabulary.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use flowsieve::{AnalysisConfig, Analyzer, Network, Orientation, RejectHotspot, Report, RuleHits};
use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// Adapter: the only code that knows the report's shape of verdicts, inventory inputs and
// hotspots. Switch these when the engine's report gains `reasons`, snapshots and scans.
// ---------------------------------------------------------------------------------------------

/// A rule's verdict as (status, reason codes sorted).
pub fn verdict(rule: &RuleHits) -> (String, Vec<String>) {
    let mut reasons: Vec<String> = rule.reasons.iter().map(|r| r.as_str().to_owned()).collect();
    reasons.sort();
    (rule.status.as_str().to_owned(), reasons)
}

/// The network a scenario's analysis runs against: its inventory snapshots (today: the last
/// one, undated), its Config history (today: not read) and its extra AWS JSON (today: their
/// directory, whose files the loader does not know yet are skipped with a finding, where naming
/// them one by one would be an error).
fn load_network(dir: &Path, truth: &Value) -> Network {
    let inputs = &truth["inputs"];
    let snapshots = inputs["snapshots"].as_array().expect("snapshots");
    let last = snapshots.last().expect("a snapshot");
    let mut paths: Vec<PathBuf> = vec![dir.join(last["path"].as_str().expect("path"))];
    for extra in inputs["extra"].as_array().expect("extra") {
        let parent = dir.join(extra.as_str().expect("extra path"));
        let parent = parent
            .parent()
            .expect("a file in a directory")
            .to_path_buf();
        if !paths.contains(&parent) {
            paths.push(parent);
        }
    }
    Network::load(&paths).expect("the scenario's inventory loads")
}

/// The analysis options of a scenario: its window (and, once the engine has it, its
/// `--internal-cidr` ranges).
fn analysis_config(truth: &Value) -> AnalysisConfig {
    let w = &truth["window"];
    AnalysisConfig::new().with_window(w["start"].as_i64(), w["end"].as_i64())
}

/// The engine's hotspot (or scan) on the target groups, port and protocol given.
pub fn find_hotspot<'r>(
    report: &'r Report,
    group_ids: &[&str],
    port: u16,
    protocol: u8,
) -> Option<&'r RejectHotspot> {
    report.reject_hotspots.iter().find(|h| {
        h.group_ids
            .iter()
            .map(String::as_str)
            .eq(group_ids.iter().copied())
            && h.dst_port == port
            && h.protocol == protocol
    })
}

/// The engine's hotspots as (target groups, port, protocol), for exhaustive comparisons.
pub fn hotspot_keys(report: &Report) -> Vec<(Vec<String>, u16, u8)> {
    report
        .reject_hotspots
        .iter()
        .map(|h| (h.group_ids.clone(), h.dst_port, h.protocol))
        .collect()
}

// ---------------------------------------------------------------------------------------------

/// Per evidence kind: records oriented right, records in all.
type EvidenceCounts = BTreeMap<String, (u64, u64)>;

/// One generated and analysed scenario.
struct Run {
    name: String,
    truth: Value,
    report: Report,
    /// Per flow log: (has tcp-flags, evidence → (right, total)).
    orientation: Vec<(bool, EvidenceCounts)>,
    _dir: tempfile::TempDir,
}

fn selected(name: &str) -> bool {
    std::env::var("FLOWSIEVE_SCENARIO").map_or(true, |f| f.is_empty() || f == name)
}

/// Every scenario, generated and analysed once per test binary.
fn runs() -> &'static [Run] {
    static RUNS: OnceLock<Vec<Run>> = OnceLock::new();
    RUNS.get_or_init(|| {
        flowsieve_synth::scenarios()
            .into_iter()
            .filter(|s| selected(s.name))
            .map(|s| run(s.name))
            .collect()
    })
}

fn run(name: &str) -> Run {
    let keep = tempfile::tempdir().expect("temp dir");
    let dir = keep.path();
    flowsieve_synth::generate_scenario(name, dir, 1)
        .unwrap_or_else(|e| panic!("generating {name}: {e}"));
    let truth: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("truth.json")).expect("truth"))
            .expect("truth is JSON");
    let network = std::sync::Arc::new(load_network(dir, &truth));
    let config = analysis_config(&truth);
    let sources = flowsieve::log::discover(&[dir.join("logs")]).expect("logs listed");
    let report = flowsieve::analyze(&config, &network, &sources).expect("analysis");
    let orientation = truth["flow_logs"]
        .as_array()
        .expect("flow_logs")
        .iter()
        .map(|fl| {
            let id = fl["id"].as_str().expect("id");
            let mine: Vec<_> = sources
                .iter()
                .filter(|s| s.key().flow_log_id.as_deref() == Some(id))
                .cloned()
                .collect();
            (
                fl["has_tcp_flags"].as_bool().unwrap_or(false),
                orientation_counts(dir, &network, &config, &mine),
            )
        })
        .collect();
    Run {
        name: name.to_owned(),
        truth,
        report,
        orientation,
        _dir: keep,
    }
}

/// Per evidence kind: records oriented right and in all, against the generator's labels.
fn orientation_counts(
    dir: &Path,
    network: &std::sync::Arc<Network>,
    config: &AnalysisConfig,
    sources: &[flowsieve::log::Source],
) -> EvidenceCounts {
    let mut counts = EvidenceCounts::new();
    let listeners = flowsieve::learn_listeners(config, network, sources);
    let mut analyzer = Analyzer::new(config, network.clone()).with_listeners(listeners);
    for source in sources {
        let rel = source
            .path()
            .expect("a local file")
            .strip_prefix(dir.join("logs"))
            .expect("under logs")
            .to_string_lossy()
            .replace(".log.gz", ".tsv");
        let labels = std::fs::read_to_string(dir.join("labels").join(rel)).expect("labels");
        let mut row_labels = labels.lines().filter_map(|line| {
            let class = line.split('\t').nth(1)?;
            matches!(class, "forward" | "reverse" | "nodata" | "skipdata").then_some(class)
        });
        let reader = flowsieve::log::open(source, &config.reader_builder()).expect("object opens");
        for batch in reader {
            for class in analyzer.classify_batch(&batch.expect("batch")) {
                let label = row_labels.next().expect("a label per row");
                // ICMP records are oriented in the report (pairing), not per record.
                let Some(class) = class.filter(|c| c.evidence != flowsieve::Evidence::IcmpUnpaired)
                else {
                    continue;
                };
                let expected = if label == "forward" {
                    Orientation::Forward
                } else {
                    Orientation::Reverse
                };
                let entry = counts
                    .entry(class.evidence.as_str().to_owned())
                    .or_default();
                entry.0 += u64::from(class.orientation == expected);
                entry.1 += 1;
            }
        }
    }
    counts
}

fn rule_label(rule: &Value, names: &BTreeMap<String, String>) -> String {
    let proto = match rule["protocol"].as_i64() {
        Some(-1) => "all".to_owned(),
        Some(6) => "tcp".to_owned(),
        Some(17) => "udp".to_owned(),
        Some(1) => "icmp".to_owned(),
        other => format!("{other:?}"),
    };
    let (from, to) = (rule["from_port"].as_i64(), rule["to_port"].as_i64());
    let ports = match (from, to) {
        (Some(-1), _) => String::new(),
        (Some(f), Some(t)) if f == t => format!(" {f}"),
        (Some(f), Some(t)) => format!(" {f}-{t}"),
        _ => String::new(),
    };
    let peer = rule["peer"].as_str().unwrap_or("?");
    let peer = names.get(peer).map_or(peer, String::as_str);
    format!(
        "{} {} {proto}{ports} {} {peer}",
        rule["group_name"].as_str().unwrap_or("?"),
        rule["direction"].as_str().unwrap_or("?"),
        if rule["direction"] == "ingress" {
            "from"
        } else {
            "to"
        },
    )
}

fn expected_verdict(rule: &Value) -> (String, Vec<String>) {
    let e = &rule["expected"];
    let mut reasons: Vec<String> = e["reasons"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    reasons.sort();
    (e["status"].as_str().unwrap_or("?").to_owned(), reasons)
}

fn show((status, reasons): &(String, Vec<String>)) -> String {
    if reasons.is_empty() {
        status.clone()
    } else {
        format!("{status}[{}]", reasons.join(","))
    }
}

/// What one rule of a run looks like to the harness.
struct RuleRow {
    label: String,
    truth_used: bool,
    expected: (String, Vec<String>),
    engine: Option<(String, Vec<String>)>,
}

impl Run {
    fn group_names(&self) -> BTreeMap<String, String> {
        self.truth["rules"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| {
                (
                    r["group_id"].as_str().unwrap_or("").to_owned(),
                    format!("sg-{}", r["group_name"].as_str().unwrap_or("")),
                )
            })
            .collect()
    }

    fn rows(&self) -> Vec<RuleRow> {
        let names = self.group_names();
        self.truth["rules"]
            .as_array()
            .expect("rules")
            .iter()
            .map(|t| {
                let id = t["rule_id"].as_str().expect("rule_id");
                RuleRow {
                    label: rule_label(t, &names),
                    truth_used: t["used"].as_bool().unwrap_or(false),
                    expected: expected_verdict(t),
                    engine: self
                        .report
                        .rules
                        .iter()
                        .find(|r| r.rule_id == id)
                        .map(verdict),
                }
            })
            .collect()
    }

    /// The compact table: rule, truth, expected verdict, engine verdict, mark.
    fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "== {} ({}): {}",
            self.name,
            self.truth["inputs"]["inventory_form"]
                .as_str()
                .unwrap_or("?"),
            self.truth["scenario"]["tests"].as_str().unwrap_or("")
        );
        for row in self.rows() {
            let engine = row.engine.as_ref().map_or("missing".to_owned(), show);
            let mark = match &row.engine {
                Some(e) if *e == row.expected => "ok",
                Some((s, _)) if s == "unused" && (row.truth_used || row.expected.0 != "unused") => {
                    "FALSE UNUSED"
                }
                Some((s, _)) if *s == row.expected.0 => "reasons differ",
                _ => "status differs",
            };
            let _ = writeln!(
                out,
                "  {:<52} truth {:<6} expected {:<44} engine {:<40} {mark}",
                row.label,
                if row.truth_used { "used" } else { "unused" },
                show(&row.expected),
                engine
            );
        }
        for (flags, counts) in &self.orientation {
            let (right, total) = counts.values().fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
            let kinds: Vec<String> = counts
                .iter()
                .map(|(k, (r, t))| format!("{k} {r}/{t}"))
                .collect();
            let _ = writeln!(
                out,
                "  orientation ({}): {right}/{total} = {:.4}; {}",
                if *flags { "tcp-flags" } else { "flag-less" },
                right as f64 / total.max(1) as f64,
                kinds.join(", ")
            );
        }
        for h in self.truth["hotspots"].as_array().into_iter().flatten() {
            let _ = writeln!(out, "  hotspot {}", self.hotspot_line(h).0);
        }
        out
    }

    /// A line comparing an expected hotspot with the engine's, and whether they agree.
    fn hotspot_line(&self, h: &Value) -> (String, bool) {
        let suggestion = h["suggestion"]["text"].as_str();
        let expected = format!(
            "{} {} {:?}",
            h["peer_class"].as_str().unwrap_or("?"),
            h["likely_cause"].as_str().unwrap_or("?"),
            suggestion
        );
        let key = format!("{} port {}", h["group_ids"], h["dst_port"]);
        let groups: Vec<&str> = h["group_ids"]
            .as_array()
            .map(|g| g.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let port = h["dst_port"]
            .as_u64()
            .and_then(|p| u16::try_from(p).ok())
            .unwrap_or(0);
        let protocol = h["protocol"]
            .as_u64()
            .and_then(|p| u8::try_from(p).ok())
            .unwrap_or(0);
        match find_hotspot(&self.report, &groups, port, protocol) {
            None => (
                format!("{key}: expected {expected}; engine: none  MISSING"),
                false,
            ),
            Some(found) => {
                let ok = found.peer_class.as_str() == h["peer_class"].as_str().unwrap_or("")
                    && found.likely_cause.as_str() == h["likely_cause"].as_str().unwrap_or("")
                    && found.suggestion.as_ref().map(|s| s.text.as_str()) == suggestion;
                let engine = format!(
                    "{} {} {:?}",
                    found.peer_class,
                    found.likely_cause,
                    found.suggestion.as_ref().map(|s| s.text.as_str())
                );
                (
                    format!(
                        "{key}: expected {expected}; engine {engine}  {}",
                        if ok { "ok" } else { "DIFFERS" }
                    ),
                    ok,
                )
            }
        }
    }
}

fn report_failures(what: &str, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{what}: {} failures\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// (a) No `unused` where AWS used the rule or the expected verdict is `unknown`.
#[test]
fn no_false_unused() {
    let mut failures = Vec::new();
    for run in runs() {
        for row in run.rows() {
            if let Some((status, _)) = &row.engine
                && status == "unused"
                && (row.truth_used || row.expected.0 != "unused")
            {
                failures.push(format!(
                    "{}: {} reported unused; truth {}, expected {}",
                    run.name,
                    row.label,
                    if row.truth_used { "used" } else { "unused" },
                    show(&row.expected)
                ));
            }
        }
    }
    report_failures("false unused rules", &failures);
}

/// (b) Every provably unused rule is reported `unused`.
#[test]
fn provable_unused_rules_are_found() {
    let mut failures = Vec::new();
    let mut total = 0;
    for run in runs() {
        for row in run.rows().into_iter().filter(|r| r.expected.0 == "unused") {
            total += 1;
            let status = row.engine.as_ref().map(|e| e.0.as_str());
            if status != Some("unused") {
                failures.push(format!("{}: {} reported {:?}", run.name, row.label, status));
            }
        }
    }
    println!(
        "provable unused rules: {} of {total} found",
        total - failures.len()
    );
    assert!(total > 0, "the scenarios hold provably unused rules");
    report_failures("provable unused rules not found", &failures);
}

/// (c) Statuses and reason codes equal the expected ones; prints every scenario's table.
#[test]
fn verdicts_equal_the_truth() {
    let mut failures = Vec::new();
    for run in runs() {
        println!("{}", run.table());
        for row in run.rows() {
            if row.engine.as_ref() != Some(&row.expected) {
                failures.push(format!(
                    "{}: {}: expected {}, engine {}",
                    run.name,
                    row.label,
                    show(&row.expected),
                    row.engine.as_ref().map_or("missing".to_owned(), show)
                ));
            }
        }
    }
    report_failures("verdicts", &failures);
}

/// (d) Orientation accuracy per evidence kind; at least 99 % on every flow log of a scenario
/// whose server sides can be learned from the archive.
#[test]
fn orientation_accuracy() {
    let mut failures = Vec::new();
    for run in runs() {
        for (flags, counts) in &run.orientation {
            let (right, total) = counts.values().fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
            let accuracy = right as f64 / total.max(1) as f64;
            let kinds: Vec<String> = counts
                .iter()
                .map(|(k, (r, t))| format!("{k} {:.4} ({r}/{t})", *r as f64 / (*t).max(1) as f64))
                .collect();
            println!(
                "{} ({}): {accuracy:.4} ({right}/{total}); {}",
                run.name,
                if *flags { "tcp-flags" } else { "flag-less" },
                kinds.join(", ")
            );
            if run.truth["listener_learnable"].as_bool() == Some(true) && accuracy < 0.99 {
                failures.push(format!("{}: orientation {accuracy:.4} < 0.99", run.name));
            }
        }
    }
    report_failures("orientation accuracy", &failures);
}

/// (e) Every expected hotspot is reported with the expected peer class, likely cause and
/// suggested rule.
#[test]
fn hotspot_causes() {
    let mut failures = Vec::new();
    for run in runs() {
        for h in run.truth["hotspots"].as_array().into_iter().flatten() {
            let (line, ok) = run.hotspot_line(h);
            println!("{}: {line}", run.name);
            if !ok {
                failures.push(format!("{}: {line}", run.name));
            }
        }
    }
    report_failures("hotspots", &failures);
}

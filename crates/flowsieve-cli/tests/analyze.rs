//! `flowsieve analyze` end to end: the built binary on the demo archive and on small archives
//! written by `flowsieve generate`; formats, the JSON contract keys, exit codes, time windows,
//! thread-count independence and bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

mod common;

fn demo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/demo")
}

fn flowsieve(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flowsieve"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn analyze_demo(extra: &[&str]) -> Output {
    let inventory = demo().join("inventory");
    let logs = demo().join("logs");
    let mut args = vec!["analyze", "-i", inventory.to_str().unwrap()];
    args.extend_from_slice(extra);
    args.push(logs.to_str().unwrap());
    flowsieve(&args)
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success() || out.status.code() == Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON report")
}

#[test]
fn table_report_on_the_demo() {
    let out = analyze_demo(&[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for section in [
        "UNUSED RULES (4)",
        "UNKNOWN RULES (9)",
        "REJECT HOTSPOTS",
        "OBSERVED REACHABILITY",
        "INITIATOR INFERENCE",
    ] {
        assert!(text.contains(section), "no {section}:\n{text}");
    }
    assert!(text.lines().all(|l| l.chars().count() <= 100));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        common::DEMO_FINDING,
        "the inventory's finding, and no progress bar when stderr is not a terminal"
    );
}

#[test]
fn json_report_has_the_documented_keys() {
    let report = json(&analyze_demo(&["--format", "json"]));
    assert_eq!(report["schema_version"], 3);
    let summary = &report["summary"];
    for key in [
        "records",
        "nodata",
        "skipdata",
        "malformed",
        "window_start",
        "window_end",
    ] {
        assert!(summary.get(key).is_some(), "summary.{key}");
    }
    assert_eq!(summary["records"], 19_980);
    let rule = &report["rules"][0];
    for key in [
        "rule_id",
        "group_id",
        "direction",
        "protocol",
        "from_port",
        "to_port",
        "peer",
        "status",
        "records",
        "packets",
        "bytes",
        "first_seen",
        "last_seen",
    ] {
        assert!(rule.get(key).is_some(), "rules[].{key}");
    }
    assert!(["ingress", "egress"].contains(&rule["direction"].as_str().unwrap()));
    assert!(["used", "unused", "unknown"].contains(&rule["status"].as_str().unwrap()));
    let hotspot = &report["reject_hotspots"][0];
    for key in [
        "group_ids",
        "dst_port",
        "protocol",
        "peer_class",
        "records",
        "packets",
        "distinct_sources",
    ] {
        assert!(hotspot.get(key).is_some(), "reject_hotspots[].{key}");
    }
    assert_eq!(hotspot["dst_port"], 8081);
    assert_eq!(hotspot["peer_class"], "internal");
    assert!(report["reachability"]["observed"].as_array().unwrap().len() > 10);
}

#[test]
fn markdown_and_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.md");
    let out = analyze_demo(&["--format", "markdown", "--output", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.starts_with("# flowsieve report"));
    assert!(text.contains("## REJECT hotspots"));
}

#[test]
fn fail_on_gates_exit_with_three() {
    assert_eq!(
        analyze_demo(&["--fail-on", "unused"]).status.code(),
        Some(3)
    );
    assert_eq!(
        analyze_demo(&["--fail-on", "rejects", "--format", "json"])
            .status
            .code(),
        Some(3)
    );
    assert_eq!(
        analyze_demo(&["--fail-on", "unused,rejects"]).status.code(),
        Some(3)
    );
}

#[test]
fn time_window_prunes_objects_and_filters_records() {
    let all = json(&analyze_demo(&["--format", "json"]));
    let window = json(&analyze_demo(&[
        "--format",
        "json",
        "--since",
        "2025-04-21T00:30:00Z",
        "--until",
        "2025-04-21T00:45:00Z",
    ]));
    let s = &window["summary"];
    assert!(s["files_pruned"].as_u64().unwrap() > 0, "{s}");
    assert!(s["records"].as_u64().unwrap() < all["summary"]["records"].as_u64().unwrap());
    assert!(s["window_start"].as_i64().unwrap() >= 1_745_195_400 - 660);
    assert!(s["window_end"].as_i64().unwrap() < 1_745_196_300 + 660);
    assert_eq!(s["since"], 1_745_195_400);
    // Nothing left: refused (tests/refusals.rs), or reported empty with --allow-empty.
    let date = analyze_demo(&["--since", "2025-04-22", "--allow-empty"]);
    assert_eq!(date.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&date.stdout).contains("flowsieve: 0 files"));
    let bad = analyze_demo(&["--since", "yesterday"]);
    assert_eq!(bad.status.code(), Some(2), "clap usage error");
}

#[test]
fn same_json_for_any_thread_count_and_batch_size() {
    let one = analyze_demo(&["--format", "json", "--threads", "1"]);
    let two = analyze_demo(&["--format", "json", "--threads", "2"]);
    assert_eq!(one.stdout, two.stdout);
    // Batches of 7 rows cut every object mid-way, many times.
    let small = analyze_demo(&["--format", "json", "--threads", "2", "--batch-size", "7"]);
    assert_eq!(one.stdout, small.stdout);
    assert!(one.status.success() && small.status.success());
}

fn generate(dir: &Path, layout: &str) {
    let out = flowsieve(&[
        "generate",
        "--out",
        dir.to_str().unwrap(),
        "--records",
        "20000",
        "--seed",
        "5",
        "--layout",
        layout,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn hive_layout_and_a_truncated_object() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), "hive");
    let inventory = dir.path().join("inventory");
    let logs = dir.path().join("logs");
    let args = [
        "analyze",
        "-i",
        inventory.to_str().unwrap(),
        "--format",
        "json",
        logs.to_str().unwrap(),
    ];
    let whole = json(&flowsieve(&args));
    assert!(whole["summary"]["files"].as_u64().unwrap() > 2);
    assert!(whole["summary"]["records"].as_u64().unwrap() > 15_000);

    // Cut one object in half: the run reports it, still analyses what it could, exits 1.
    let victim = walk(&logs)
        .into_iter()
        .find(|p| p.to_string_lossy().ends_with(".log.gz"))
        .unwrap();
    let bytes = std::fs::read(&victim).unwrap();
    std::fs::write(&victim, &bytes[..bytes.len() / 2]).unwrap();
    let out = flowsieve(&args);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors = report["summary"]["file_errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0]["error"].as_str().unwrap().contains("truncated"),
        "{errors:?}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(victim.file_name().unwrap().to_str().unwrap()),
        "{stderr}"
    );
    assert!(
        report["summary"]["records"].as_u64().unwrap()
            > whole["summary"]["records"].as_u64().unwrap() / 2
    );
    // Strict mode stops at it.
    let mut strict = args.to_vec();
    strict.insert(1, "--strict");
    let out = flowsieve(&strict);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("truncated"));
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

#[test]
fn bad_input_gets_a_clear_error() {
    let out = flowsieve(&[
        "analyze",
        "-i",
        "/nonexistent/inventory",
        demo().join("logs").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("inventory") && stderr.contains("/nonexistent/inventory"),
        "{stderr}"
    );

    let out = analyze_demo(&["--log-format", "${version} ${bogus"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--log-format"));

    let empty = tempfile::tempdir().unwrap();
    let out = flowsieve(&[
        "analyze",
        "-i",
        demo().join("inventory").to_str().unwrap(),
        empty.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no flow-log files"));
}

#[test]
fn header_less_logs_with_a_format_and_unknown_enis() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("export.log");
    std::fs::write(
        &log,
        "2025-04-21T00:00:05.000Z 568738793019 eni-0000000000000dead 10.34.1.1 10.34.1.2 40000 443 6 ACCEPT OK\n",
    )
    .unwrap();
    let out = analyze_demo_logs(
        &log,
        &[
            "--format",
            "json",
            "--log-format",
            "${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${action} ${log-status}",
        ],
    );
    let report = json(&out);
    assert_eq!(report["summary"]["records"], 1);
    assert_eq!(report["unknown_enis"][0]["eni_id"], "eni-0000000000000dead");
}

fn analyze_demo_logs(logs: &Path, extra: &[&str]) -> Output {
    let inventory = demo().join("inventory");
    let mut args = vec!["analyze", "-i", inventory.to_str().unwrap()];
    args.extend_from_slice(extra);
    args.push(logs.to_str().unwrap());
    flowsieve(&args)
}

/// The on-premises case of testdata/cases: its refused source is `on_prem` with
/// `--internal-cidr`, `private_external` without; `-i TIME=PATH` reads a dated snapshot.
#[test]
fn internal_cidr_and_dated_snapshots() {
    let case = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/cases/hotspots/on_prem_source");
    let inventory = case.join("inventory");
    let logs = case.join("logs");
    let run = |extra: &[&str]| {
        let dated = format!("2025-03-03T00:00:00Z={}", inventory.display());
        let mut args = vec!["analyze", "--format", "json", "-i", dated.as_str()];
        args.extend_from_slice(extra);
        args.push(logs.to_str().unwrap());
        let report = json(&flowsieve(&args));
        report["reject_hotspots"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["peer_class"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert!(run(&["--internal-cidr", "10.200.0.0/16"]).contains(&"on_prem".to_owned()));
    let without = run(&[]);
    assert!(
        without.contains(&"private_external".to_owned()),
        "{without:?}"
    );
    assert!(!without.contains(&"on_prem".to_owned()));
}

#[test]
fn bad_snapshot_times_cidrs_and_port_ranges_are_refused() {
    for args in [
        vec!["-i", "2025-13-45=inv"],
        vec!["-i", "inv", "--internal-cidr", "10.0.0.0/33"],
        vec!["-i", "inv", "--client-ports", "60999-32768"],
        vec!["-i", "inv", "--learn-lines", "-1"],
    ] {
        let mut all = vec!["analyze"];
        all.extend(args.iter().copied());
        all.push("logs");
        let out = flowsieve(&all);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{all:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

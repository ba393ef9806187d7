//! `flowsieve generate` end to end, through the built binary: the output is a pure function of
//! the arguments (same seed twice, one thread or two), the summary is printed, the malformed lines
//! are where `truth.json` says, and bad arguments fail cleanly.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn run(dir: &Path, seed: u64, extra: &[&str], threads: &str) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_flowsieve"))
        .arg("generate")
        .arg("--out")
        .arg(dir)
        .args(["--records", "6000", "--seed", &seed.to_string()])
        .args(extra)
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .unwrap_or_else(|e| panic!("running flowsieve: {e}"));
    assert!(
        out.status.success(),
        "flowsieve generate failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Every file under `dir` by relative path.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p
                    .strip_prefix(root)
                    .map(|r| r.to_string_lossy().replace('\\', "/"))
                    .unwrap_or_default();
                out.insert(rel, std::fs::read(&p).unwrap_or_default());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"))
}

#[test]
fn same_arguments_give_the_same_bytes_whatever_the_thread_count() {
    let (a, b, c) = (tempdir(), tempdir(), tempdir());
    let args = ["--malformed", "--layout", "hive"];
    let out = run(a.path(), 13, &args, "2");
    run(b.path(), 13, &args, "2");
    run(c.path(), 13, &args, "1");
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(
        summary.contains("flow-log objects")
            && summary.contains("records")
            && summary.contains("MB"),
        "{summary}"
    );
    let (ta, tb, tc) = (tree(a.path()), tree(b.path()), tree(c.path()));
    assert!(
        ta.keys()
            .any(|k| k.starts_with("logs/AWSLogs/aws-account-id="))
    );
    assert!(
        ta.contains_key("truth.json") && ta.contains_key("inventory/describe-security-groups.json")
    );
    assert!(ta == tb, "two runs with the same seed differ");
    assert!(ta == tc, "RAYON_NUM_THREADS=1 and 2 differ");
    let d = tempdir();
    run(d.path(), 14, &args, "2");
    assert_ne!(
        tree(d.path()).get("truth.json"),
        ta.get("truth.json"),
        "another seed, another archive"
    );
}

#[test]
fn malformed_lines_sit_where_the_truth_says() {
    let dir = tempdir();
    run(
        dir.path(),
        13,
        &["--malformed", "--labels", "--formats", "default,custom"],
        "2",
    );
    let files = tree(dir.path());
    let truth: Value = serde_json::from_slice(&files["truth.json"]).unwrap_or_default();
    let mut listed = BTreeMap::new();
    for fl in truth["flow_logs"].as_array().into_iter().flatten() {
        assert_eq!(
            fl["malformed"].as_array().map(Vec::len),
            Some(24),
            "three of each class per flow log"
        );
        for m in fl["malformed"].as_array().into_iter().flatten() {
            let file = m["file"].as_str().unwrap_or_default().to_string();
            assert!(files.contains_key(&file), "{file} exists");
            listed.insert(
                (file, m["line"].as_u64().unwrap_or(0)),
                m["reason"].as_str().unwrap_or_default().to_string(),
            );
        }
    }
    // The labels (one class per line) mark exactly those lines malformed.
    let mut labelled = BTreeMap::new();
    for (path, bytes) in files.iter().filter(|(k, _)| k.starts_with("labels/")) {
        let object = format!(
            "logs/{}.log.gz",
            path.trim_start_matches("labels/").trim_end_matches(".tsv")
        );
        assert!(files.contains_key(&object), "{object} matches {path}");
        for line in String::from_utf8_lossy(bytes).lines() {
            if let Some((n, "malformed")) = line.split_once('\t') {
                labelled.insert((object.clone(), n.parse::<u64>().unwrap_or(0)), ());
            }
        }
    }
    assert_eq!(
        listed.keys().collect::<Vec<_>>(),
        labelled.keys().collect::<Vec<_>>()
    );
}

#[test]
fn bad_arguments_fail_with_a_message() {
    let dir = tempdir();
    let out = Command::new(env!("CARGO_BIN_EXE_flowsieve"))
        .args([
            "generate",
            "--records",
            "10",
            "--seed",
            "1",
            "--formats",
            "parquet",
            "--out",
        ])
        .arg(dir.path())
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("parquet"));
    // A second run into a used directory refuses rather than mixing two archives.
    run(dir.path(), 13, &[], "1");
    let out = Command::new(env!("CARGO_BIN_EXE_flowsieve"))
        .args(["generate", "--records", "10", "--seed", "1", "--out"])
        .arg(dir.path())
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not empty"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn flowsieve(args: &[&str], out: Option<&Path>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_flowsieve"));
    cmd.arg("generate").args(args);
    if let Some(dir) = out {
        cmd.arg("--out").arg(dir);
    }
    cmd.output()
        .unwrap_or_else(|e| panic!("running flowsieve: {e}"))
}

#[test]
fn scenarios_are_listed_and_generated() {
    let out = flowsieve(&["--list-scenarios"], None);
    assert!(out.status.success());
    let listing = String::from_utf8_lossy(&out.stdout);
    for name in [
        "ecs_churn_config_history",
        "untracked_pair",
        "nat_gateway_reject",
    ] {
        assert!(listing.contains(name), "{listing}");
    }
    let (a, b) = (tempdir(), tempdir());
    for dir in [&a, &b] {
        let out = flowsieve(&["--scenario", "nlb_client_ip_targets"], Some(dir.path()));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("wrote scenario nlb_client_ip_targets")
        );
    }
    assert!(
        tree(a.path()) == tree(b.path()),
        "same scenario, different bytes"
    );
    let truth: Value = serde_json::from_slice(&std::fs::read(a.path().join("truth.json")).unwrap())
        .unwrap_or(Value::Null);
    assert_eq!(truth["scenario"]["name"], "nlb_client_ip_targets");
    assert!(a.path().join("aws/describe-target-groups.json").is_file());
    // An unknown name, and the large generator's flags beside --scenario, are refused.
    let out = flowsieve(&["--scenario", "no_such"], Some(tempdir().path()));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no_such"));
    let out = flowsieve(
        &["--scenario", "untracked_pair", "--records", "10"],
        Some(tempdir().path()),
    );
    assert!(!out.status.success());
    let out = flowsieve(&["--seed", "1"], Some(tempdir().path()));
    assert!(
        !out.status.success(),
        "--records is required without --scenario"
    );
}

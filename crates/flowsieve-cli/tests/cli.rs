//! The command line's everyday behaviour (issue 11, items 4, 5 and 9): findings on stderr and in
//! every report format, the ranges of numeric options, standard input, `--quiet`, the
//! `--fail-on` message and the documented exit codes. Exact stderr and exit codes.

mod common;

use std::io::Write as _;
use std::path::Path;
use std::process::Stdio;

use common::{DEMO_FINDING, flowsieve, output, tempdir, texts};

const INVENTORY: &str = "testdata/demo/inventory";
const LOGS: &str = "testdata/demo/logs";

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    texts(&output(flowsieve().args(args)))
}

/// An inventory of one group whose 12 rules reference groups that are not loaded (12 findings),
/// one ENI carrying it, and a log with one record on that ENI.
fn findings_case(dir: &Path) -> (String, String) {
    let rules: Vec<String> = (1..=12)
        .map(|i| {
            format!(
                r#"{{"IpProtocol": "tcp", "FromPort": {port}, "ToPort": {port},
                    "UserIdGroupPairs": [{{"GroupId": "sg-0000000000000{i:04}"}}]}}"#,
                port = 8000 + i
            )
        })
        .collect();
    let inventory = dir.join("inventory");
    std::fs::create_dir_all(&inventory).unwrap();
    std::fs::write(
        inventory.join("describe-security-groups.json"),
        format!(
            r#"{{"SecurityGroups": [{{"GroupId": "sg-0aaaaaaaaaaaaaaaa", "GroupName": "app",
                "VpcId": "vpc-1", "IpPermissions": [{}],
                "IpPermissionsEgress": []}}]}}"#,
            rules.join(",")
        ),
    )
    .unwrap();
    std::fs::write(
        inventory.join("describe-network-interfaces.json"),
        r#"{"NetworkInterfaces": [{"NetworkInterfaceId": "eni-0aaaaaaaaaaaaaaaa",
            "VpcId": "vpc-1", "PrivateIpAddress": "10.0.0.5",
            "Groups": [{"GroupId": "sg-0aaaaaaaaaaaaaaaa"}]}]}"#,
    )
    .unwrap();
    let log = dir.join("flows.log");
    std::fs::write(
        &log,
        "2 123456789012 eni-0aaaaaaaaaaaaaaaa 203.0.113.9 10.0.0.5 40000 8001 6 3 180 1745193600 1745193660 REJECT OK\n",
    )
    .unwrap();
    (
        inventory.to_str().unwrap().to_owned(),
        log.to_str().unwrap().to_owned(),
    )
}

#[test]
fn inventory_findings_on_stderr_counted_and_in_every_report() {
    let dir = tempdir();
    let (inventory, log) = findings_case(dir.path());
    let (code, stdout, stderr) = run(&["analyze", "-i", &inventory, &log]);
    assert_eq!(code, Some(0), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 12, "{stderr}");
    for line in &lines[..10] {
        assert!(
            line.starts_with("flowsieve: inventory warning [unresolved_group_peer]: rule sgr"),
            "{line}"
        );
        assert!(
            line.ends_with("which is not in the inventory; it never matches"),
            "{line}"
        );
    }
    assert_eq!(
        lines[10],
        "flowsieve: … and 2 more inventory findings (all of them in the report)"
    );
    // The log holds one REJECT and no ACCEPT: its capture is inferred, and said so.
    assert_eq!(
        lines[11],
        "flowsieve: warning: the objects without a flow-log id in their name hold 1 REJECT \
         record(s) and no ACCEPT: read as a REJECT-only capture, which proves no rule unused"
    );
    assert!(
        stdout.contains("\nFINDINGS (12): the inventory's validation\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  warning [unresolved_group_peer]: rule sgr"),
        "{stdout}"
    );

    let (_, markdown, _) = run(&["analyze", "-i", &inventory, "--format", "markdown", &log]);
    assert!(markdown.contains("\n## Findings (12)\n"), "{markdown}");
    assert!(
        markdown.contains("- **warning** `unresolved_group_peer`: rule sgr"),
        "{markdown}"
    );
    assert!(markdown.contains("\n## Line accounting\n"), "{markdown}");
    assert!(
        markdown.contains("| 1 | 0 | 1 | 0 | 0 | 0 | 0 |"),
        "{markdown}"
    );
}

#[test]
fn unreadable_objects_are_on_stderr_and_in_markdown() {
    let dir = tempdir();
    std::fs::copy(
        common::workspace_root().join("testdata/logs/flowlogs-v2-default-docs.log"),
        dir.path().join("a.log"),
    )
    .unwrap();
    // A gzip stream cut after its header.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(
        &std::fs::read(common::workspace_root().join("testdata/logs/flowlogs-v2-default-docs.log"))
            .unwrap(),
    )
    .unwrap();
    let bytes = gz.finish().unwrap();
    std::fs::write(dir.path().join("b.log.gz"), &bytes[..bytes.len() / 2]).unwrap();
    let logs = dir.path().to_str().unwrap();
    let (code, stdout, stderr) = run(&["analyze", "-i", INVENTORY, "--format", "markdown", logs]);
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(
        stderr,
        format!(
            "{DEMO_FINDING}flowsieve: warning: {logs}/b.log.gz: gzip stream is truncated after 224 \
             decompressed bytes (line 2); the records before it were read\n\
             flowsieve: warning: none of the 6 records in the window could be attributed (ENIs \
             not in the inventory 6, no interface-id 0, a field is '-' 0, direction unknown 0): \
             no rule can be judged\n\
             flowsieve: error: 1 object(s) could not be read completely; the report covers what \
             was read\n"
        )
    );
    assert!(
        stdout.contains("\n## Objects not read completely (1)\n\n- `"),
        "{stdout}"
    );
}

#[test]
fn numeric_options_have_ranges_checked_by_clap() {
    let cases: [(&[&str], &str); 8] = [
        (
            &["analyze", "-i", INVENTORY, "--threads", "100000", LOGS],
            "error: invalid value '100000' for '--threads <N>': 100000 is not in 1..=1024\n",
        ),
        (
            &[
                "analyze",
                "-i",
                INVENTORY,
                "--batch-size",
                "99999999999",
                LOGS,
            ],
            "error: invalid value '99999999999' for '--batch-size <ROWS>': 99999999999 is not in 1..=1048576\n",
        ),
        (
            &["analyze", "-i", INVENTORY, "--top", "0", LOGS],
            "error: invalid value '0' for '--top <N>': 0 is not in 1..=100000\n",
        ),
        (
            &["analyze", "-i", INVENTORY, "--width", "20", LOGS],
            "error: invalid value '20' for '--width <N>': 20 is not in 60..=1000\n",
        ),
        (
            &["analyze", "-i", INVENTORY, "--s3-concurrency", "0", LOGS],
            "error: invalid value '0' for '--s3-concurrency <N>': 0 is not in 1..=256\n",
        ),
        (
            &["convert", LOGS, "-o", "x.parquet", "--s3-retries", "1000"],
            "error: invalid value '1000' for '--s3-retries <N>': 1000 is not in 0..=100\n",
        ),
        (
            &["convert", LOGS, "-o", "x.parquet", "--threads", "0"],
            "error: invalid value '0' for '--threads <N>': 0 is not in 1..=1024\n",
        ),
        (
            &["generate", "--out", "x", "--seed", "1", "--records", "0"],
            "error: invalid value '0' for '--records <N>': 0 is not in 1..=100000000000\n",
        ),
    ];
    for (args, expected) in cases {
        let (code, stdout, stderr) = run(args);
        assert_eq!(code, Some(2), "{args:?}");
        assert_eq!(stdout, "");
        assert_eq!(
            stderr,
            format!("{expected}\nFor more information, try '--help'.\n"),
            "{args:?}"
        );
    }
    // The largest values are accepted.
    let (code, _, stderr) = run(&[
        "analyze",
        "-i",
        INVENTORY,
        "--threads",
        "1024",
        "--batch-size",
        "1048576",
        "--format",
        "json",
        "-o",
        "/dev/null",
        LOGS,
    ]);
    assert_eq!(code, Some(0), "{stderr}");
}

/// Runs flowsieve with `input` on its standard input.
fn with_stdin(args: &[&str], input: &[u8]) -> (Option<i32>, String, String) {
    let mut child = flowsieve()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    texts(&child.wait_with_output().unwrap())
}

#[test]
fn standard_input_is_a_log() {
    let text =
        std::fs::read(common::workspace_root().join("testdata/logs/flowlogs-v2-default-docs.log"))
            .unwrap();
    let (code, stdout, stderr) = with_stdin(
        &["analyze", "-i", INVENTORY, "--format", "json", "-"],
        &text,
    );
    assert_eq!(code, Some(0), "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["summary"]["files"], 1);
    assert!(report["summary"]["records"].as_u64().unwrap() > 0);
    assert_eq!(report["unknown_enis"][0]["eni_id"], "eni-1235b8ca123456789");

    // convert reads it too (it peeks at the header first, then reads it whole).
    let dir = tempdir();
    let out = dir.path().join("stdin.parquet");
    let (code, stdout, stderr) = with_stdin(&["convert", "-", "-o", out.to_str().unwrap()], &text);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.starts_with("files         1\n"), "{stdout}");
    assert!(out.exists());
}

#[test]
fn fail_on_names_the_gates_that_tripped() {
    let (code, _, stderr) = run(&[
        "analyze",
        "-i",
        INVENTORY,
        "--fail-on",
        "unused,rejects",
        LOGS,
    ]);
    assert_eq!(code, Some(3));
    assert_eq!(
        stderr,
        format!(
            "{DEMO_FINDING}flowsieve: --fail-on unused: 4 unused rules\n\
             flowsieve: --fail-on rejects: 117 REJECT hotspots\n"
        )
    );
    let (code, _, stderr) = run(&[
        "--quiet",
        "analyze",
        "-i",
        INVENTORY,
        "--fail-on",
        "rejects,rejects",
        LOGS,
    ]);
    assert_eq!(code, Some(3));
    assert_eq!(
        stderr,
        format!("{DEMO_FINDING}flowsieve: --fail-on rejects: 117 REJECT hotspots\n"),
        "the gate is said once, under --quiet too"
    );
}

#[test]
fn help_documents_the_exit_codes() {
    let expected = "Exit codes: 0 success; 1 error (also: an object could not be read completely, \
        nothing could be judged under --fail-on); 2 usage error (a bad option or value); 3 \
        findings under analyze --fail-on; 130 interrupted (Ctrl-C).";
    for args in [&["--help"][..], &["analyze", "--help"][..]] {
        let (code, stdout, _) = run(args);
        assert_eq!(code, Some(0));
        let flat = stdout.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains(expected), "{args:?}: {stdout}");
    }
}

#[test]
fn tables_fit_their_width_and_never_cut_ids() {
    let (code, json, _) = run(&["analyze", "-i", INVENTORY, LOGS, "--format", "json"]);
    assert_eq!(code, Some(0));
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let rules = report["rules"].as_array().unwrap();
    for width in ["80", "100", "160"] {
        let (code, table, stderr) = run(&[
            "analyze", "-i", INVENTORY, LOGS, "--width", width, "--top", "1000",
        ]);
        assert_eq!(code, Some(0), "{stderr}");
        // At 80 columns the fixed cells of a rule or hotspot row (id, label, ports, CIDR,
        // cause) are wider: those tables are then wider than asked rather than cut.
        let max: usize = width.parse().unwrap();
        if max >= 100 {
            for line in table.lines() {
                assert!(line.chars().count() <= max, "{width}: {line}");
            }
        }
        // Every rule id, group id and peer (CIDR, IPv6 included, or group) appears whole.
        for rule in rules {
            for key in ["rule_id", "peer"] {
                let text = rule[key].as_str().unwrap();
                assert!(table.contains(text), "{width}: {text} missing");
            }
            let group = rule["group_id"].as_str().unwrap();
            assert!(
                table.contains(group),
                "{width}: {group} missing from the legend"
            );
        }
        // One vocabulary: the JSON's codes for peer classes and causes, never a paraphrase.
        assert!(table.contains(" missing_rule\n"), "{table}");
        assert!(!table.contains(" internet"), "{table}");
        assert!(!table.contains(" -1 "), "{table}");
        // Reasons of unknown rules in words, under the rule.
        assert!(
            table.contains("      why: no ENI carries its group\n"),
            "{table}"
        );
    }
    let (code, markdown, _) = run(&["analyze", "-i", INVENTORY, LOGS, "--format", "markdown"]);
    assert_eq!(code, Some(0));
    assert!(
        markdown.contains("| no ENI carries its group |"),
        "{markdown}"
    );
    assert!(markdown.contains("| missing_rule |"), "{markdown}");
    assert!(!markdown.contains("–-1"), "{markdown}");
}

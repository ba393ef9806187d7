//! `flowsieve inventory` end to end: the built binary on testdata/network.

use std::path::PathBuf;
use std::process::{Command, Output};

fn network(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/network")
        .join(rel)
}

fn flowsieve(args: &[&str], paths: &[PathBuf]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flowsieve"))
        .arg("inventory")
        .args(args)
        .args(paths)
        .output()
        .expect("the flowsieve binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("UTF-8 output")
}

#[test]
fn table_lists_groups_rules_enis_prefix_lists_and_findings() {
    let out = flowsieve(&[], &[network("aws"), network("terraform")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    let first = text.lines().next().unwrap_or_default();
    assert_eq!(
        first,
        "15 security groups, 55 rules, 18 network interfaces, 4 prefix lists, 10 VPC CIDRs, 4 findings"
    );
    for section in [
        "SECURITY GROUPS",
        "NETWORK INTERFACES",
        "PREFIX LISTS",
        "VPC CIDRS",
        "FINDINGS",
    ] {
        assert!(text.lines().any(|l| l == section), "no {section} section");
    }
    // A group heading and one of its rules, with id, direction, protocol, ports, peer, source.
    assert!(
        text.contains("sg-0a1b2c3d4e5f60003  afirgen-backend  vpc-0a1b2c3d4e5f60001  7 rules"),
        "{text}"
    );
    let rule = text
        .lines()
        .find(|l| l.contains("sgr-0a1b2c3d4e5f03102"))
        .expect("the backend → RDS rule");
    let cols: Vec<&str> = rule.split_whitespace().collect();
    assert_eq!(
        cols[..6],
        [
            "sgr-0a1b2c3d4e5f03102",
            "egress",
            "tcp",
            "3306",
            "3306",
            "sg-0a1b2c3d4e5f60006"
        ]
    );
    assert!(
        cols[6].starts_with("describe-") && rule.ends_with("+1"),
        "{rule}"
    );
    // Terraform-only and derived ids show too.
    assert!(
        text.lines()
            .any(|l| l.contains("sgr~") && l.contains("10.0.30.0/24") && l.ends_with("state")),
        "{text}"
    );
    // ENIs with kind, groups and addresses (public ones marked).
    assert!(
        text.contains("eni-0a1b00000000a1b01  load_balancer  ELB app/afirgen-alb/50dc6c495c0c9188")
    );
    assert!(text.contains("    addresses: 10.0.0.10 2001:db8:1200::a public:198.51.100.20"));
    assert!(text.contains("    entries:   not loaded"));
    for code in [
        "unresolved_group_peer",
        "unexpanded_prefix_list",
        "stale_peering",
        "unknown_eni_group",
    ] {
        assert!(
            text.contains(&format!("warning  {code}")),
            "no {code} finding"
        );
    }
    let widest = text.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    assert!(widest <= 100, "a line is {widest} characters wide");
}

#[test]
fn json_has_the_documented_top_level_keys() {
    let out = flowsieve(
        &["--format", "json"],
        &[network("aws"), network("terraform")],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("valid JSON");
    let mut keys: Vec<&str> = doc
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "counts",
            "findings",
            "groups",
            "network_interfaces",
            "prefix_lists"
        ]
    );
    assert_eq!(doc["counts"]["groups"], 15);
    assert_eq!(doc["counts"]["rules"], 55);
    assert_eq!(doc["groups"].as_array().map(Vec::len), Some(15));
    let rules: Vec<&serde_json::Value> = doc["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_array().unwrap())
        .collect();
    assert_eq!(rules.len(), 55);
    let rds = rules
        .iter()
        .find(|r| r["rule_id"] == "sgr-0a1b2c3d4e5f03102")
        .expect("the backend → RDS rule");
    assert_eq!(rds["direction"], "egress");
    assert_eq!(rds["protocol"], "tcp");
    assert_eq!(
        (rds["from_port"].as_i64(), rds["to_port"].as_i64()),
        (Some(3306), Some(3306))
    );
    assert_eq!(rds["peer"], "sg-0a1b2c3d4e5f60006");
    assert!(
        rds["source"]
            .as_str()
            .unwrap()
            .ends_with("describe-security-group-rules.json")
    );
    let all = rules
        .iter()
        .find(|r| r["rule_id"] == "sgr-0a1b2c3d4e5f11100")
        .expect("default egress");
    assert_eq!(
        (
            all["protocol"].as_str(),
            all["from_port"].as_i64(),
            all["to_port"].as_i64()
        ),
        (Some("-1"), Some(-1), Some(-1))
    );
    let kinds: Vec<&str> = all["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["aws-json", "aws-json", "terraform"]);
    let eni = doc["network_interfaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == "eni-0b5e0000000000001")
        .unwrap();
    assert_eq!(eni["kind"], "instance");
    assert_eq!(eni["groups"], serde_json::json!(["sg-0a1b2c3d4e5f60003"]));
    assert_eq!(
        eni["private_ipv4"],
        serde_json::json!(["10.0.10.20", "10.0.10.21"])
    );
    let pl = doc["prefix_lists"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "pl-0a1b2c3d4e5f60719")
        .unwrap();
    assert!(pl["entries"].is_null());
    let codes: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "unresolved_group_peer",
            "unexpanded_prefix_list",
            "stale_peering",
            "unknown_eni_group"
        ]
    );
    assert_eq!(doc["findings"][0]["severity"], "warning");
}

#[test]
fn the_whole_testdata_network_directory_loads() {
    // AWS JSON, Terraform state and plan, and the AWS documentation samples together: it loads
    // (exit 0) and reports what does not fit together as findings.
    let out = flowsieve(&["--format", "json"], &[network("")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("valid JSON");
    let codes: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"terraform_unknown_value") && codes.contains(&"duplicate_id"),
        "{codes:?}"
    );
}

#[test]
fn a_file_that_cannot_load_exits_1_naming_file_and_json_path() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let broken = dir.path().join("describe-security-groups.json");
    std::fs::write(&broken, r#"{"SecurityGroups": [{"GroupId": "sg-1"}, {"GroupId": "sg-2", "IpPermissions": [{"IpRanges": []}]}]}"#)
        .expect("written");
    let out = flowsieve(&[], std::slice::from_ref(&broken));
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&broken.display().to_string()), "{err}");
    assert!(
        err.contains("SecurityGroups[1].IpPermissions[0].IpProtocol: missing required field"),
        "{err}"
    );

    let out = flowsieve(&[], &[dir.path().join("missing.json")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.json"));
}

#[test]
fn at_least_one_path_is_required() {
    let out = flowsieve(&[], &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("<PATH>"));
}

#[test]
fn the_table_fits_the_width_without_cutting_ids_or_cidrs() {
    let demo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/demo/inventory");
    let out = flowsieve(&["--width", "80"], &[demo]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    // An IPv6 peer keeps its prefix length, a group id its end.
    let rule = text
        .lines()
        .find(|l| l.contains("sgr-04a1818a39091060d"))
        .expect("the ICMPv6 rule");
    assert!(rule.contains(" 2600:1f18:18bf:9300::/56 "), "{rule}");
    // Headings and wrapped lists fit; rule rows are as wide as their ids and peers need.
    for line in text
        .lines()
        .filter(|l| !l.starts_with("  sgr-") && !l.starts_with("  RULE"))
    {
        assert!(line.chars().count() <= 80, "{line}");
    }
    assert!(text.contains(
        "\nsg-0563afe19224888f7  metrics-prometheus-sg  vpc-5dde917d7f1c89de1  7 rules\n"
    ));
    let out = flowsieve(&["--width", "59"], &[]);
    assert_eq!(out.status.code(), Some(2));
}

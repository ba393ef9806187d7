//! The declared network over time (testdata/network/history): two dated snapshots a week apart
//! and AWS Config history of a task ENI and of a group, in both Config outputs.

use std::net::Ipv4Addr;

use super::*;
use crate::{FindingCode, Interval, SnapshotSpec, format_timestamp, parse_timestamp};

fn t(text: &str) -> i64 {
    parse_timestamp(text).unwrap()
}

fn history(with_config: bool) -> Inventory {
    let mut specs: Vec<SnapshotSpec> = ["2025-04-01", "2025-04-08"]
        .iter()
        .map(|d| {
            format!("{d}={}", testdata(&format!("history/{d}")).display())
                .parse()
                .unwrap()
        })
        .collect();
    if with_config {
        specs.push(SnapshotSpec {
            captured_at: None,
            path: testdata("history/config"),
        });
    }
    Inventory::load_snapshots(&specs).unwrap_or_else(|e| panic!("{e}"))
}

fn versions(inv: &Inventory, id: &str) -> Vec<(Option<String>, Option<String>, Vec<String>)> {
    inv.network_interface_versions(id)
        .iter()
        .map(|e| {
            (
                e.valid.from.map(format_timestamp),
                e.valid.until.map(format_timestamp),
                e.group_ids.clone(),
            )
        })
        .collect()
}

fn day(d: &str) -> Option<String> {
    Some(format!("2025-04-{d}T00:00:00Z"))
}

#[test]
fn each_snapshot_holds_until_the_next() {
    let inv = history(false);
    // Unchanged between the snapshots: one version, at all times.
    assert_eq!(
        versions(&inv, "eni-0d1000000000000a1"),
        [(None, None, vec!["sg-0d1000000000000a1".to_owned()])]
    );
    // The task ENI was replaced: the first extends back, the second forward.
    assert_eq!(
        versions(&inv, "eni-0d1000000000000b1"),
        [(None, day("08"), vec!["sg-0d1000000000000a2".to_owned()])]
    );
    assert_eq!(
        versions(&inv, "eni-0d1000000000000b2"),
        [(day("08"), None, vec!["sg-0d1000000000000a2".to_owned()])]
    );
    // Same address, two ENIs at different times.
    assert_eq!(codes(&inv), ["address_moved"]);
    assert_eq!(inv.findings()[0].subject.as_deref(), Some("10.2.1.5"));
    // The rule added between the snapshots lives from the second on.
    let added = rule(
        &inv,
        "sg-0d1000000000000a2",
        Direction::Ingress,
        9090,
        "sg-0d1000000000000a1",
    );
    assert_eq!(
        added.lifetimes,
        [Interval::new(Some(t("2025-04-08")), None)]
    );
    let kept = rule(
        &inv,
        "sg-0d1000000000000a2",
        Direction::Ingress,
        8080,
        "sg-0d1000000000000a1",
    );
    assert_eq!(kept.lifetimes, [Interval::ALWAYS]);
}

#[test]
fn config_history_gives_versions_and_lifetimes() {
    let inv = history(true);
    // Discovered on the 2nd (its creation time), a group added on the 3rd, deleted on the 5th.
    assert_eq!(
        versions(&inv, "eni-0d1000000000000b3"),
        [
            (
                day("02"),
                day("03"),
                vec!["sg-0d1000000000000a2".to_owned()]
            ),
            (
                day("03"),
                day("05"),
                vec![
                    "sg-0d1000000000000a2".to_owned(),
                    "sg-0d1000000000000a3".to_owned()
                ]
            ),
        ]
    );
    // select-resource-config: one item with its capture time, configuration as an object.
    let b4 = inv.network_interface_versions("eni-0d1000000000000b4");
    assert_eq!(b4.len(), 1);
    assert_eq!(
        b4[0].valid,
        Interval::new(Some(t("2025-04-06T12:00:00Z")), None)
    );
    assert_eq!(
        b4[0].private_ipv4,
        ["10.2.1.9".parse::<Ipv4Addr>().unwrap()]
    );
    // The db group's history starts on the 2nd: before, the snapshots say 5432 from task; from
    // then the history says so too, and adds 6432 on the 6th (ipv4Ranges, not read twice).
    let db = "sg-0d1000000000000a3";
    let pg = rule(&inv, db, Direction::Ingress, 5432, "sg-0d1000000000000a2");
    assert_eq!(pg.lifetimes, [Interval::ALWAYS]);
    let bouncer = rule(&inv, db, Direction::Ingress, 6432, "10.2.0.0/16");
    assert_eq!(
        bouncer.lifetimes,
        [Interval::new(Some(t("2025-04-06")), None)]
    );
    assert_eq!(bouncer.sources[0].kind, SourceKind::AwsConfig);
    assert!(
        bouncer.sources[0]
            .location
            .starts_with("configurationItems[0].configuration.IpPermissions[1]"),
        "{}",
        bouncer.sources[0].location
    );
    assert_eq!(inv.rules_of_group(db).count(), 2);
    assert_eq!(codes(&inv), ["address_moved"]);
}

#[test]
fn undated_input_holds_at_all_times() {
    let inv = load(&["history/2025-04-01"]);
    assert!(inv.network_interfaces().iter().all(|e| e.valid.is_always()));
    assert!(
        inv.rules()
            .iter()
            .all(|r| r.lifetimes == [Interval::ALWAYS])
    );
    // The same directory twice as one undated snapshot: duplicates, as before.
    let inv = load(&["history/2025-04-01", "history/2025-04-01"]);
    assert!(codes(&inv).contains(&"duplicate_id"));
}

#[test]
fn a_snapshot_without_enis_does_not_end_them() {
    let mut b = InventoryBuilder::new();
    b.add_snapshot(Some(100), &[testdata("history/2025-04-01")])
        .unwrap();
    b.add_snapshot(
        Some(200),
        &[testdata("history/2025-04-08/describe-security-groups.json")],
    )
    .unwrap();
    let inv = b.build();
    // ENIs were only described at 100: they hold at all times.
    assert!(
        inv.network_interfaces().iter().all(|e| e.valid.is_always()),
        "{:?}",
        inv.network_interfaces()
    );
    let added = rule(
        &inv,
        "sg-0d1000000000000a2",
        Direction::Ingress,
        9090,
        "sg-0d1000000000000a1",
    );
    assert_eq!(added.lifetimes, [Interval::new(Some(200), None)]);
}

#[test]
fn a_rule_the_history_contradicts_is_a_finding() {
    let mut b = InventoryBuilder::new();
    // The snapshot of the 8th (after the group's history began) has 5432 from task, which the
    // history has too; a rule only in that snapshot contradicts the history. (Were it the only
    // snapshot, it would extend back to before the history and not contradict it.)
    let groups = r#"{"SecurityGroups": [{"GroupId": "sg-0d1000000000000a3", "GroupName": "db",
        "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 1, "ToPort": 1,
        "IpRanges": [{"CidrIp": "10.9.0.0/16"}]}]}]}"#;
    b.add_snapshot(Some(t("2025-04-01")), &[testdata("history/2025-04-01")])
        .unwrap();
    b.add_snapshot(Some(t("2025-04-08")), &[testdata("history/2025-04-08")])
        .unwrap();
    let previous = b.enter_snapshot(Some(t("2025-04-08")));
    b.add_json("extra.json", groups.as_bytes()).unwrap();
    b.layer = previous;
    b.add_path(testdata("history/config")).unwrap();
    let inv = b.build();
    let gap: Vec<&Finding> = inv
        .findings()
        .iter()
        .filter(|f| f.code == FindingCode::InventoryHistoryGap)
        .collect();
    let r = rule(
        &inv,
        "sg-0d1000000000000a3",
        Direction::Ingress,
        1,
        "10.9.0.0/16",
    );
    assert_eq!(gap.len(), 1, "{:?} {r:?}", inv.findings());
    let r = rule(
        &inv,
        "sg-0d1000000000000a3",
        Direction::Ingress,
        1,
        "10.9.0.0/16",
    );
    assert!(r.lifetimes.is_empty());
}

#[test]
fn config_items_name_their_json_paths_and_skip_other_types() {
    let err = from_json(
        "h.json",
        r#"{"configurationItems": [{"resourceType": "AWS::EC2::SecurityGroup", "resourceId": "sg-1",
            "configurationItemCaptureTime": "2025-04-01T00:00:00Z", "configurationItemStatus": "OK",
            "configuration": "{\"groupId\": \"sg-1\", \"ipPermissions\": [{\"fromPort\": 1}]}"}]}"#,
    )
    .unwrap_err();
    assert_eq!(
        err.json_path(),
        Some("configurationItems[0].configuration.IpPermissions[0].IpProtocol")
    );
    let err = from_json(
        "h.json",
        r#"{"configurationItems": [{"resourceType": "AWS::EC2::SecurityGroup", "resourceId": "sg-1",
            "configurationItemCaptureTime": "yesterday", "configuration": "{}"}]}"#,
    )
    .unwrap_err();
    assert_eq!(
        err.json_path(),
        Some("configurationItems[0].configurationItemCaptureTime")
    );
    let inv = from_json(
        "h.json",
        r#"{"configurationItems": [{"resourceType": "AWS::EC2::Instance", "resourceId": "i-1",
            "configurationItemCaptureTime": 1743465600.5, "configuration": "{}"}]}"#,
    )
    .unwrap();
    assert_eq!(codes(&inv), ["unsupported_config_item"]);
    // Without a capture time, an item describes the resource now, like describe-… output.
    let inv = from_json(
        "q.json",
        r#"{"Results": ["{\"resourceId\": \"eni-9\", \"configuration\": {\"networkInterfaceId\": \"eni-9\", \"privateIpAddress\": \"10.0.0.9\"}}"]}"#,
    )
    .unwrap();
    assert_eq!(inv.network_interfaces().len(), 1);
    assert!(inv.network_interfaces()[0].valid.is_always());
}

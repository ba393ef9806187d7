//! The fixture network (testdata/network/aws + terraform).

use std::net::{Ipv4Addr, Ipv6Addr};

use super::*;

#[test]
fn fixture_network_loads_with_expected_counts_and_findings() {
    let inv = load(&["aws", "terraform"]);
    assert_eq!(inv.security_groups().len(), 15);
    assert_eq!(inv.network_interfaces().len(), 18);
    assert_eq!(inv.prefix_lists().len(), 4);
    // 54 rules from AWS JSON, plus one declared only in Terraform (2049 from 10.0.30.0/24).
    assert_eq!(inv.rules().len(), 55);
    assert_eq!(inv.vpc_cidrs().len(), 10);
    assert_eq!(
        codes(&inv),
        [
            "unresolved_group_peer",
            "unexpanded_prefix_list",
            "stale_peering",
            "unknown_eni_group"
        ]
    );
    let f = &inv.findings()[0];
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.subject.as_deref(), Some("sgr-0a1b2c3d4e5f06002"));
    assert!(
        f.source
            .as_deref()
            .unwrap()
            .ends_with("describe-security-group-rules.json: SecurityGroupRules[22]"),
        "{f:?}"
    );
    assert!(
        f.message.contains("sg-0ffe1d2c3b4a59687") && f.message.contains("444455556666"),
        "{}",
        f.message
    );
}

#[test]
fn fixture_aws_json_alone_loads() {
    let inv = load(&["aws"]);
    assert_eq!(inv.security_groups().len(), 15);
    assert_eq!(inv.rules().len(), 54);
    assert!(
        inv.rules()
            .iter()
            .all(|r| r.sources.iter().all(|s| s.kind == SourceKind::AwsJson))
    );
}

#[test]
fn every_rule_of_an_ip_permission_is_its_own_rule() {
    let inv = load(&["aws"]);
    // One IpPermission (tcp 443) with an IPv4 and an IPv6 range: two rules.
    let v4 = rule(&inv, &sg(1), Direction::Ingress, 443, "0.0.0.0/0");
    let v6 = rule(&inv, &sg(1), Direction::Ingress, 443, "::/0");
    assert_ne!(v4.id, v6.id);
    assert_eq!(v4.description.as_deref(), Some("HTTPS from the internet"));
    // One IpPermission with four group pairs: four rules.
    assert_eq!(
        inv.rules_of_group(&sg(9))
            .filter(|r| matches!(r.peer, Peer::Group { .. }))
            .count(),
        4
    );
}

#[test]
fn ip_permissions_are_matched_to_the_rule_listing_ids() {
    let inv = load(&["aws"]);
    let r = rule(&inv, &sg(3), Direction::Egress, 3306, &sg(6));
    assert_eq!(r.id.as_str(), "sgr-0a1b2c3d4e5f03102");
    let kinds: Vec<&str> = r.sources.iter().map(|s| s.location.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "SecurityGroupRules[12]",
            "[0].SecurityGroups[2].IpPermissionsEgress[2].UserIdGroupPairs[0]"
        ]
    );
    // All-protocol rules: ports absent in describe-security-groups, -1/-1 in the listing.
    let all = rule(&inv, &sg(11), Direction::Ingress, -1, &sg(11));
    assert_eq!(
        (all.protocol, all.ports, all.id.as_str()),
        (Protocol::All, PortSpec::All, "sgr-0a1b2c3d4e5f11000")
    );
    assert_eq!(all.sources.len(), 2);
    // Every rule of a listed group got its sgr- id; the unlisted Lambda/MongoDB stack got derived ids.
    for r in inv.rules() {
        let listed = r.group_id.as_str() <= sg(12).as_str();
        assert_eq!(r.id.is_aws(), listed, "{r:?}");
        if !listed {
            assert!(r.id.as_str().starts_with("sgr~"));
        }
    }
}

#[test]
fn paged_files_are_read_page_by_page() {
    let inv = load(&[
        "aws/describe-security-groups.json",
        "aws/describe-network-interfaces.json",
    ]);
    assert_eq!(inv.security_groups().len(), 15);
    assert_eq!(inv.network_interfaces().len(), 18);
    let r = rule(&inv, &sg(15), Direction::Ingress, 2049, &sg(14));
    assert_eq!(
        r.sources[0].location,
        "[1].SecurityGroups[6].IpPermissions[0].UserIdGroupPairs[0]"
    );
    // An unpaged copy of the same page reads the same.
    let page = std::fs::read_to_string(testdata("aws/describe-security-groups.json")).unwrap();
    let pages: serde_json::Value = serde_json::from_str(&page).unwrap();
    let second = serde_json::to_string(&pages[1]).unwrap();
    let one = from_json("second-page.json", &second).unwrap();
    assert_eq!(one.security_groups().len(), 7);
    assert!(one.rules().iter().all(|r| {
        inv.rules()
            .iter()
            .any(|o| o.id == r.id || o.key() == r.key())
    }));
}

#[test]
fn network_interfaces_keep_every_address_and_their_kind() {
    let inv = load(&["aws"]);
    let backend = inv.network_interface("eni-0b5e0000000000001").unwrap();
    assert_eq!(
        backend.private_ipv4,
        [
            "10.0.10.20".parse::<Ipv4Addr>().unwrap(),
            "10.0.10.21".parse().unwrap()
        ]
    );
    assert_eq!(backend.instance_id.as_deref(), Some("i-0a1b2c3d4e5f00002"));
    assert_eq!(backend.kind(), crate::EniKind::Instance);
    let model = inv.network_interface("eni-0a1b00000000c0004").unwrap();
    assert_eq!(
        model.ipv4_prefixes,
        ["10.0.10.48/28".parse::<Cidr>().unwrap()]
    );
    let alb = inv.network_interface("eni-0a1b00000000a1b01").unwrap();
    assert_eq!(alb.kind(), crate::EniKind::LoadBalancer);
    assert_eq!(alb.ipv6, ["2001:db8:1200::a".parse::<Ipv6Addr>().unwrap()]);
    assert_eq!(
        alb.public_ipv4,
        ["198.51.100.20".parse::<Ipv4Addr>().unwrap()]
    );
    assert!(alb.requester_managed);
    assert_eq!(alb.requester_id.as_deref(), Some("amazon-elb"));
    let kinds: Vec<(&str, &str)> = inv
        .network_interfaces()
        .iter()
        .map(|e| (e.id.as_str(), e.kind().as_str()))
        .collect();
    for (id, kind) in [
        ("eni-0a1b00000000b0016", "nat_gateway"),
        ("eni-0a1b00000000d0006", "rds"),
        ("eni-0a1b00000000d0007", "efs"),
        ("eni-0a1b00000000e0009", "vpc_endpoint"),
        ("eni-0a1b00000000f0013", "lambda"),
        ("eni-0a1b00000000f0014", "other"),
    ] {
        assert!(
            kinds.contains(&(id, kind)),
            "{id} should be {kind}: {kinds:?}"
        );
    }
    let nat = inv.network_interface("eni-0a1b00000000b0016").unwrap();
    assert!(nat.group_ids.is_empty());
}

#[test]
fn prefix_lists_get_entries_by_file_name_or_wrapper() {
    let inv = load(&["aws"]);
    let office = inv.prefix_list("pl-0a1b2c3d4e5f60718").unwrap();
    assert_eq!(
        (
            office.name.as_str(),
            office.address_family.as_str(),
            office.version
        ),
        ("office-cidrs", "IPv4", Some(3))
    );
    let entries: Vec<String> = office
        .entries
        .as_ref()
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(entries, ["192.0.2.64/26", "203.0.113.0/25"]);
    assert_eq!(
        inv.prefix_list("pl-63a5400a")
            .unwrap()
            .entries
            .as_ref()
            .unwrap()
            .len(),
        4
    );
    assert_eq!(
        inv.prefix_list("pl-0a1b2c3d4e5f6071a")
            .unwrap()
            .entries
            .as_ref()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        inv.prefix_list("pl-0a1b2c3d4e5f60719").unwrap().entries,
        None
    );
}

#[test]
fn entries_without_a_list_name_are_an_error() {
    let err = from_json("entries.json", r#"{"Entries": [{"Cidr": "10.0.0.0/16"}]}"#).unwrap_err();
    assert!(
        matches!(&err, Error::UnnamedPrefixListEntries { json_path, .. } if json_path == "Entries"),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("entries.json: Entries: cannot tell which prefix list"),
        "{err}"
    );
    // Paged entries of a named file: both pages belong to the list.
    let inv = from_json(
        "pl-0123abcd.json",
        r#"[{"Entries": [{"Cidr": "10.0.0.0/16"}], "NextToken": "x"}, {"Entries": [{"Cidr": "10.2.0.0/16"}]}]"#,
    )
    .unwrap();
    assert_eq!(
        inv.prefix_list("pl-0123abcd")
            .unwrap()
            .entries
            .as_ref()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        inv.prefix_list("pl-0123abcd").unwrap().address_family,
        "IPv4"
    );
    // The wrapper names the list whatever the file is called.
    let inv = from_json(
        "pl-11111111.json",
        r#"{"PrefixListId": "pl-22222222", "Entries": [{"Cidr": "2001:db8::/32"}]}"#,
    )
    .unwrap();
    assert!(inv.prefix_list("pl-11111111").is_none());
    assert_eq!(
        inv.prefix_list("pl-22222222").unwrap().address_family,
        "IPv6"
    );
}

#[test]
fn vpc_and_subnet_cidrs_are_collected() {
    let inv = load(&["aws/describe-vpcs.json"]);
    let cidrs: Vec<String> = inv.vpc_cidrs().iter().map(ToString::to_string).collect();
    assert_eq!(cidrs, ["10.0.0.0/16", "2001:db8:1200::/56"]);
    let inv = load(&["aws/describe-subnets.json"]);
    assert_eq!(inv.vpc_cidrs().len(), 8);
}

#[test]
fn stale_security_groups_mark_references() {
    let inv = load(&["aws"]);
    let r = rule(
        &inv,
        &sg(12),
        Direction::Ingress,
        22,
        "sg-0ccc2222dddd33334",
    );
    assert!(r.peer.is_stale());
    assert!(
        matches!(&r.peer, Peer::Group { owner_id: Some(o), peering_status: Some(s), .. } if o == "777788889999" && *s == PeeringStatus::Deleted)
    );
    // Without the stale listing, the same reference is merely unresolved.
    let inv = load(&["aws/describe-security-groups.json"]);
    let r = rule(
        &inv,
        &sg(12),
        Direction::Ingress,
        22,
        "sg-0ccc2222dddd33334",
    );
    assert!(!r.peer.is_stale());
    assert!(codes(&inv).contains(&"unresolved_group_peer"));
}

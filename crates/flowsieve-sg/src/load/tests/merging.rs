//! Ids, merging and findings on bad values.

use super::*;

#[test]
fn derived_ids_survive_added_rules_and_files() {
    let one = r#"{"SecurityGroups": [{"GroupId": "sg-1", "IpPermissions": [
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}]}]}"#;
    let two = r#"{"SecurityGroups": [{"GroupId": "sg-1", "IpPermissions": [
        {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
        {"IpProtocol": "6", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.1/8"}, {"CidrIp": "10.9.0.0/16"}]}]}]}"#;
    let a = from_json("a.json", one).unwrap();
    let b = from_json("b.json", two).unwrap();
    let id = a.rules()[0].id.clone();
    // Same rule (name vs number, non-canonical CIDR) after other rules were added: same id.
    assert_eq!(
        rule(&b, "sg-1", Direction::Ingress, 22, "10.0.0.0/8").id,
        id
    );
    assert_eq!(
        b.rule_by_id(id.as_str()).map(|(_, r)| r.from_port()),
        Some(22)
    );
    assert_eq!(codes(&b), ["non_canonical_cidr"]);
}

#[test]
fn the_same_file_twice_merges_and_reports_duplicates() {
    let path = testdata("loader-cases/samples/describe-security-groups.json");
    let inv = Inventory::load(&[&path, &path]).unwrap();
    assert_eq!(inv.security_groups().len(), 1);
    assert_eq!(inv.rules().len(), 3);
    assert_eq!(inv.rules()[0].sources.len(), 2);
    assert_eq!(codes(&inv), ["duplicate_id"]);
    let enis = testdata("loader-cases/samples/describe-network-interfaces.json");
    let inv = Inventory::load(&[&enis, &enis]).unwrap();
    assert_eq!(inv.network_interfaces().len(), 2);
    assert_eq!(
        codes(&inv).iter().filter(|c| **c == "duplicate_id").count(),
        2
    );
}

#[test]
fn rule_id_conflicts_are_reported() {
    // One sgr id for two different rules; two ids for one rule.
    let json = r#"{"SecurityGroupRules": [
        {"SecurityGroupRuleId": "sgr-1", "GroupId": "sg-1", "IsEgress": false, "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIpv4": "10.0.0.0/8"},
        {"SecurityGroupRuleId": "sgr-1", "GroupId": "sg-1", "IsEgress": false, "IpProtocol": "tcp", "FromPort": 23, "ToPort": 23, "CidrIpv4": "10.0.0.0/8"},
        {"SecurityGroupRuleId": "sgr-2", "GroupId": "sg-1", "IsEgress": true, "IpProtocol": "-1", "CidrIpv4": "0.0.0.0/0"},
        {"SecurityGroupRuleId": "sgr-3", "GroupId": "sg-1", "IsEgress": true, "IpProtocol": "-1", "FromPort": -1, "ToPort": -1, "CidrIpv4": "0.0.0.0/0"}]}"#;
    let inv = from_json("rules.json", json).unwrap();
    assert_eq!(inv.rules().len(), 3);
    let mut c = codes(&inv);
    c.sort_unstable();
    assert_eq!(
        c,
        ["conflicting_rule_id", "duplicate_id", "group_not_described"]
    );
    let ids: std::collections::HashSet<&str> = inv.rules().iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), 3, "ids stay unique");
    assert!(ids.contains("sgr-1") && ids.contains("sgr-2"));
}

#[test]
fn bad_values_become_findings_and_loading_goes_on() {
    let json = r#"{"SecurityGroups": [{"GroupId": "sg-1", "IpPermissions": [
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
        {"IpProtocol": "tcp", "FromPort": 0, "ToPort": 70000, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
        {"IpProtocol": "gre", "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
        {"IpProtocol": "icmp", "FromPort": 300, "ToPort": -1, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/33"}, {"CidrIp": "2001:db8::/32"}],
         "Ipv6Ranges": [{"CidrIpv6": "10.0.0.0/8"}, {"CidrIpv6": "2001:db8::/32"}]},
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": "sg-404"}], "PrefixListIds": [{"PrefixListId": "pl-404"}]}
    ]}]}"#;
    let inv = from_json("sg.json", json).unwrap();
    assert_eq!(
        codes(&inv),
        [
            "invalid_ports",
            "invalid_ports",
            "invalid_protocol",
            "invalid_ports",
            "invalid_cidr",
            "invalid_cidr",
            "invalid_cidr",
            "unexpanded_prefix_list",
            "unresolved_group_peer"
        ]
    );
    assert_eq!(
        inv.rules().len(),
        3,
        "the valid IPv6 rule and the two unresolved ones are kept"
    );
    let f = &inv.findings()[0];
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(
        f.source.as_deref(),
        Some("sg.json: SecurityGroups[0].IpPermissions[0].IpRanges[0]")
    );
    assert!(f.message.contains("80-22"), "{}", f.message);
    let json = r#"{"NetworkInterfaces": [{"NetworkInterfaceId": "eni-1", "PrivateIpAddress": "10.0.0.300",
        "Ipv6Addresses": [{"Ipv6Address": "zz::1"}], "Ipv4Prefixes": [{"Ipv4Prefix": "2001:db8::/80"}], "Ipv6Prefixes": [{"Ipv6Prefix": "x"}]}]}"#;
    let inv = from_json("eni.json", json).unwrap();
    assert_eq!(codes(&inv), ["invalid_address"; 4]);
    assert!(inv.network_interfaces()[0].private_ipv4.is_empty());
}

#[test]
fn builder_normalises_program_rules() {
    let mut b = InventoryBuilder::new();
    b.add_group(SecurityGroup {
        id: "sg-1".into(),
        name: "web".into(),
        description: String::new(),
        vpc_id: None,
        owner_id: None,
        is_default: false,
        tags: Vec::new(),
    });
    b.add_rule(Rule::new(
        "sg-1",
        Direction::Ingress,
        Protocol::TCP,
        PortSpec::All,
        Peer::Cidr("0.0.0.0/0".parse().unwrap()),
    ));
    b.add_rule(Rule::new(
        "sg-1",
        Direction::Ingress,
        Protocol::Number(47),
        PortSpec::Range { from: 1, to: 2 },
        Peer::group("sg-1"),
    ));
    b.add_rule(Rule::new(
        "sg-1",
        Direction::Ingress,
        Protocol::ICMP,
        PortSpec::Range { from: 1, to: 2 },
        Peer::group("sg-1"),
    ));
    let mut aws = Rule::new(
        "sg-1",
        Direction::Egress,
        Protocol::All,
        PortSpec::All,
        Peer::group("sg-1"),
    );
    aws.id = RuleId("sgr-0123".into());
    b.add_rule(aws);
    let inv = b.build();
    assert_eq!(inv.rules().len(), 3);
    assert_eq!(inv.rules()[0].ports, PortSpec::Range { from: 0, to: 65535 });
    assert_eq!(inv.rules()[1].ports, PortSpec::All);
    assert_eq!(inv.rules()[2].id.as_str(), "sgr-0123");
    assert_eq!(codes(&inv), ["invalid_ports"]);
}

//! Loader tests: the fixture network, the AWS documentation samples, every input kind, paging,
//! errors with file and JSON path, findings, Terraform modules and plans, merging and ids.

use std::path::{Path, PathBuf};

use super::*;
use crate::{PortSpec, Protocol};

fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/network")
        .join(rel)
}

fn load(rels: &[&str]) -> Inventory {
    let paths: Vec<PathBuf> = rels.iter().map(|r| testdata(r)).collect();
    Inventory::load(&paths).unwrap_or_else(|e| panic!("{e}"))
}

fn from_json(name: &str, json: &str) -> Result<Inventory> {
    let mut b = InventoryBuilder::new();
    b.add_json(name, json.as_bytes())?;
    Ok(b.build())
}

fn codes(inv: &Inventory) -> Vec<&'static str> {
    inv.findings().iter().map(|f| f.code).collect()
}

fn rule<'a>(inv: &'a Inventory, group: &str, dir: Direction, port: i32, peer: &str) -> &'a Rule {
    inv.rules()
        .iter()
        .find(|r| {
            r.group_id == group
                && r.direction == dir
                && r.from_port() == port
                && r.peer_string() == peer
        })
        .unwrap_or_else(|| panic!("no rule {group} {dir} {port} {peer}"))
}

fn sg(n: u32) -> String {
    format!("sg-0a1b2c3d4e5f600{n:02}")
}

// ---------------------------------------------------------------------------------------------
// The fixture network (testdata/network/aws + terraform)

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
        matches!(&r.peer, Peer::Group { owner_id: Some(o), peering_status: Some(s), .. } if o == "777788889999" && s == "deleted")
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

// ---------------------------------------------------------------------------------------------
// Terraform

#[test]
fn terraform_state_reads_nested_modules() {
    let inv = load(&["terraform/state.json"]);
    let ids: Vec<&str> = inv
        .security_groups()
        .iter()
        .map(|g| g.id.as_str())
        .collect();
    assert_eq!(ids, [sg(11), sg(13), sg(14), sg(15)]);
    let default = inv.group(&sg(11)).unwrap();
    assert!(default.is_default);
    let lambda = inv.group(&sg(13)).unwrap();
    assert_eq!(
        (lambda.name.as_str(), lambda.vpc_id.as_deref()),
        ("RVK-mongo-db-sg", Some("vpc-0a1b2c3d4e5f60001"))
    );
    assert_eq!(
        lambda.tags,
        [("Name".to_owned(), "RVK-mongo-db-sg".to_owned())]
    );
    // Inline rules (lambda 3, default 3), rule resources (mongo 4, efs 2).
    assert_eq!(inv.rules().len(), 12);
    assert!(
        inv.rules()
            .iter()
            .all(|r| r.sources.iter().all(|s| s.kind == SourceKind::Terraform))
    );
    // aws_vpc_security_group_*_rule carries the AWS id.
    let r = rule(&inv, &sg(14), Direction::Ingress, 27017, &sg(13));
    assert_eq!(r.id.as_str(), "sgr-0e1d2c3b4a5960001");
    assert_eq!(
        r.sources[0].location,
        "module.rvk.module.security.aws_vpc_security_group_ingress_rule.mongo_from_lambda.referenced_security_group_id"
    );
    // Inline rules get derived ids; `self = true` is the group itself; protocol "-1" with 0/0 is all.
    let selfref = rule(&inv, &sg(11), Direction::Ingress, -1, &sg(11));
    assert_eq!(
        (selfref.protocol, selfref.ports),
        (Protocol::All, PortSpec::All)
    );
    assert_eq!(
        selfref.sources[0].location,
        "aws_default_security_group.default.ingress[0].self"
    );
    // Legacy aws_security_group_rule with protocol "6" is tcp.
    let legacy = rule(&inv, &sg(15), Direction::Ingress, 2049, "10.0.30.0/24");
    assert_eq!(legacy.protocol, Protocol::TCP);
    assert!(legacy.id.as_str().starts_with("sgr~"));
    assert_eq!(
        rule(&inv, &sg(15), Direction::Ingress, 2049, &sg(14))
            .id
            .as_str(),
        "sgr-0e1d2c3b4a5960005"
    );
    let cidrs: Vec<String> = inv.vpc_cidrs().iter().map(ToString::to_string).collect();
    assert_eq!(cidrs, ["10.0.0.0/16", "2001:db8:1200::/56"]);
    assert!(inv.findings().is_empty(), "{:?}", inv.findings());
}

#[test]
fn aws_json_and_terraform_merge_into_one_rule_with_both_sources() {
    let inv = load(&["aws", "terraform"]);
    let both = rule(&inv, &sg(14), Direction::Egress, 443, "0.0.0.0/0");
    let kinds: Vec<SourceKind> = both.sources.iter().map(|s| s.kind).collect();
    assert_eq!(kinds, [SourceKind::AwsJson, SourceKind::Terraform]);
    assert_eq!(
        both.id.as_str(),
        "sgr-0e1d2c3b4a5960003",
        "Terraform's AWS id beats a derived one"
    );
    // Drift: added in the console (AWS only), declared but not applied (Terraform only).
    let console = rule(&inv, &sg(14), Direction::Egress, 53, "0.0.0.0/0");
    assert!(
        console
            .sources
            .iter()
            .all(|s| s.kind == SourceKind::AwsJson)
    );
    let planned = rule(&inv, &sg(15), Direction::Ingress, 2049, "10.0.30.0/24");
    assert!(
        planned
            .sources
            .iter()
            .all(|s| s.kind == SourceKind::Terraform)
    );
    // The default group: rule listing, describe-security-groups and Terraform: three sources.
    assert_eq!(
        rule(&inv, &sg(11), Direction::Egress, -1, "::/0")
            .sources
            .len(),
        3
    );
    // AWS attributes win; merging is not a duplicate.
    assert_eq!(
        inv.group(&sg(13)).unwrap().description,
        "Lambda API: initiates only"
    );
    assert!(!codes(&inv).contains(&"duplicate_id"));
}

#[test]
fn terraform_plan_uses_planned_values_and_reports_unknowns() {
    let inv = load(&["loader-cases/terraform-plan.json"]);
    assert_eq!(
        codes(&inv),
        ["terraform_unknown_value", "terraform_unknown_value"]
    );
    assert!(
        inv.findings()[0]
            .message
            .contains("aws_security_group.monitoring: the security group id"),
        "{}",
        inv.findings()[0].message
    );
    assert!(
        inv.findings()[1]
            .message
            .contains("mongo_metrics: the peer"),
        "{}",
        inv.findings()[1].message
    );
    // planned_values, not prior_state: the legacy rules were removed in the plan.
    assert!(inv.rules().iter().all(|r| r.group_id != sg(15)));
    assert_eq!(
        inv.group(&sg(14)).map(|g| g.name.as_str()),
        Some("RVK-ecs-mongo-sg")
    );
    assert_eq!(inv.rules_of_group(&sg(14)).count(), 4);
    assert!(
        inv.rules()[0].sources[0]
            .location
            .starts_with("module.rvk.module.security.")
    );
}

#[test]
fn terraform_format_version_must_be_1() {
    let err = from_json("state.json", r#"{"format_version": "2.0", "values": {}}"#).unwrap_err();
    assert!(
        matches!(&err, Error::UnsupportedFormat { version, .. } if version == "2.0"),
        "{err:?}"
    );
    assert_eq!(err.json_path(), Some("format_version"));
    // An empty state is fine.
    assert!(
        from_json("state.json", r#"{"format_version": "1.0"}"#)
            .unwrap()
            .rules()
            .is_empty()
    );
}

#[test]
fn terraform_attribute_of_wrong_type_names_the_resource() {
    let json = r#"{"format_version": "1.0", "values": {"root_module": {"child_modules": [{"resources": [
        {"address": "aws_security_group.x", "mode": "managed", "type": "aws_security_group", "values": {"id": "sg-1", "ingress": "oops"}}]}]}}}"#;
    let err = from_json("state.json", json).unwrap_err();
    assert_eq!(
        err.json_path(),
        Some("values.root_module.child_modules[0].resources[0].values")
    );
    assert!(err.to_string().contains("invalid type"), "{err}");
    let json = r#"{"format_version": "1.0", "values": {"root_module": {"resources": [{"address": "x", "values": {}}]}}}"#;
    let err = from_json("state.json", json).unwrap_err();
    assert_eq!(
        err.json_path(),
        Some("values.root_module.resources[0].type")
    );
}

#[test]
fn terraform_cross_account_group_references_keep_the_owner() {
    let json = r#"{"format_version": "1.0", "values": {"root_module": {"resources": [
        {"address": "aws_security_group.a", "mode": "managed", "type": "aws_security_group", "values": {"id": "sg-1", "name": "a",
         "ingress": [{"from_port": 5432, "to_port": 5432, "protocol": "tcp", "cidr_blocks": [], "ipv6_cidr_blocks": [],
                      "prefix_list_ids": ["pl-1"], "security_groups": ["444455556666/sg-9"], "self": false, "description": ""}],
         "egress": []}},
        {"address": "data.aws_security_group.b", "mode": "data", "type": "aws_security_group", "values": {"id": "sg-2"}}]}}}"#;
    let inv = from_json("state.json", json).unwrap();
    assert_eq!(
        inv.security_groups().len(),
        1,
        "data sources are not declarations"
    );
    let r = rule(&inv, "sg-1", Direction::Ingress, 5432, "sg-9");
    assert!(matches!(&r.peer, Peer::Group { owner_id: Some(o), .. } if o == "444455556666"));
    assert_eq!(
        rule(&inv, "sg-1", Direction::Ingress, 5432, "pl-1").sources[0].location,
        "aws_security_group.a.ingress[0].prefix_list_ids[0]"
    );
}

// ---------------------------------------------------------------------------------------------
// The AWS documentation samples (testdata/network/loader-cases/samples)

#[test]
fn sample_describe_security_groups() {
    let inv = load(&["loader-cases/samples/describe-security-groups.json"]);
    let g = inv.group("sg-903004f8").unwrap();
    assert_eq!(
        (g.name.as_str(), g.description.as_str(), g.vpc_id.as_deref()),
        ("MySecurityGroup", "My security group", Some("vpc-1a2b3c4d"))
    );
    assert_eq!(g.tags, [("Name".to_owned(), "SG1".to_owned())]);
    assert_eq!(inv.rules().len(), 3);
    let selfref = rule(&inv, "sg-903004f8", Direction::Ingress, -1, "sg-903004f8");
    assert!(matches!(&selfref.peer, Peer::Group { owner_id: Some(o), .. } if o == "123456789012"));
    let ssh = rule(
        &inv,
        "sg-903004f8",
        Direction::Ingress,
        22,
        "203.0.113.0/24",
    );
    assert_eq!(ssh.description.as_deref(), Some("Access from NY office"));
    assert_eq!(ssh.ports, PortSpec::Range { from: 22, to: 22 });
    assert!(inv.findings().is_empty());
}

#[test]
fn sample_describe_security_group_rules() {
    let inv = load(&["loader-cases/samples/describe-security-group-rules.json"]);
    let ids: Vec<&str> = inv.rules().iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "sgr-abcdef01234567890",
            "sgr-cdef01234567890ab",
            "sgr-bcdef01234567890a"
        ]
    );
    // The owning group is known only by id (and owner) until describe-security-groups is loaded.
    let g = inv.group("sg-1234567890abcdef0").unwrap();
    assert_eq!(
        (g.name.as_str(), g.owner_id.as_deref()),
        ("", Some("111122223333"))
    );
    assert_eq!(codes(&inv), ["group_not_described"]);
}

#[test]
fn sample_describe_network_interfaces() {
    let inv = load(&["loader-cases/samples/describe-network-interfaces.json"]);
    assert_eq!(inv.network_interfaces().len(), 2);
    let e = inv.network_interface("eni-e5aa89a3").unwrap();
    assert_eq!(e.private_ipv4, ["10.0.1.17".parse::<Ipv4Addr>().unwrap()]);
    assert_eq!(e.public_ipv4, ["203.0.113.12".parse::<Ipv4Addr>().unwrap()]);
    assert_eq!(
        (e.vpc_id.as_deref(), e.subnet_id.as_deref()),
        (Some("vpc-a01106c2"), Some("subnet-b61f49f0"))
    );
    assert_eq!(e.interface_type, "interface");
    assert_eq!(e.kind(), crate::EniKind::Instance);
    assert_eq!(codes(&inv), ["unknown_eni_group", "unknown_eni_group"]);
}

#[test]
fn sample_prefix_lists_and_entries() {
    let inv = load(&[
        "loader-cases/samples/describe-managed-prefix-lists.json",
        "loader-cases/samples/get-managed-prefix-list-entries-pl-0123456abcabcabc1.json",
    ]);
    let v4 = inv.prefix_list("pl-0123456abcabcabc1").unwrap();
    assert_eq!(
        (v4.name.as_str(), v4.address_family.as_str(), v4.version),
        ("vpc-cidrs", "IPv4", Some(1))
    );
    assert_eq!(v4.entries.as_ref().map(Vec::len), Some(2));
    assert_eq!(
        inv.prefix_list("pl-11223344556677aab").unwrap().entries,
        None
    );
}

#[test]
fn sample_stale_security_groups_and_the_whole_directory() {
    let inv = load(&["loader-cases/samples/describe-stale-security-groups.json"]);
    assert!(inv.rules().is_empty() && inv.findings().is_empty());
    let inv = load(&["loader-cases/samples"]);
    assert_eq!(inv.security_groups().len(), 2);
    assert_eq!(inv.rules().len(), 6);
}

// ---------------------------------------------------------------------------------------------
// Input handling: kinds, directories, unknown fields, errors

#[test]
fn kind_is_told_by_content_not_name() {
    let inv = from_json(
        "describe-security-groups.json",
        r#"{"NetworkInterfaces": [{"NetworkInterfaceId": "eni-1"}]}"#,
    )
    .unwrap();
    assert_eq!(inv.network_interfaces().len(), 1);
    assert!(inv.security_groups().is_empty());
    // Several kinds in one object are all read.
    let inv = from_json(
        "x.json",
        r#"{"Vpcs": [{"CidrBlock": "10.0.0.0/16"}], "SecurityGroups": [{"GroupId": "sg-1"}]}"#,
    )
    .unwrap();
    assert_eq!((inv.vpc_cidrs().len(), inv.security_groups().len()), (1, 1));
}

#[test]
fn unknown_fields_are_ignored_everywhere() {
    let json = r#"{"Future": {"x": [1, 2]}, "SecurityGroups": [{"GroupId": "sg-1", "NewField": true,
        "IpPermissions": [{"IpProtocol": "udp", "FromPort": 53, "ToPort": 53, "Extra": null,
            "IpRanges": [{"CidrIp": "10.0.0.0/8", "Whatever": {"deep": []}}]}]}],
        "NextToken": null}"#;
    let inv = from_json("sg.json", json).unwrap();
    assert_eq!(inv.rules().len(), 1);
    assert!(inv.findings().is_empty());
}

#[test]
fn missing_required_fields_name_file_and_json_path() {
    let cases = [
        (
            r#"{"SecurityGroups": [{"GroupId": "sg-1"}, {"GroupId": "sg-2", "IpPermissions": [{"IpRanges": []}]}]}"#,
            "SecurityGroups[1].IpPermissions[0].IpProtocol",
        ),
        (
            r#"[{"SecurityGroups": []}, {"SecurityGroups": [{"GroupName": "x"}]}]"#,
            "[1].SecurityGroups[0].GroupId",
        ),
        (
            r#"{"SecurityGroups": [{"GroupId": "sg-1", "IpPermissionsEgress": [{"IpProtocol": "-1", "UserIdGroupPairs": [{"UserId": "1"}]}]}]}"#,
            "SecurityGroups[0].IpPermissionsEgress[0].UserIdGroupPairs[0].GroupId",
        ),
        (
            r#"{"SecurityGroupRules": [{"SecurityGroupRuleId": "sgr-1", "GroupId": "sg-1", "IpProtocol": "tcp", "CidrIpv4": "10.0.0.0/8"}]}"#,
            "SecurityGroupRules[0].IsEgress",
        ),
        (
            r#"{"NetworkInterfaces": [{"NetworkInterfaceId": "eni-1", "PrivateIpAddresses": [{"Primary": true}]}]}"#,
            "NetworkInterfaces[0].PrivateIpAddresses[0].PrivateIpAddress",
        ),
        (
            r#"{"NetworkInterfaces": [{"Groups": [{"GroupId": "sg-1"}]}]}"#,
            "NetworkInterfaces[0].NetworkInterfaceId",
        ),
        (
            r#"{"PrefixLists": [{"PrefixListName": "x"}]}"#,
            "PrefixLists[0].PrefixListId",
        ),
        (
            r#"{"PrefixListId": "pl-1", "Entries": [{"Description": "x"}]}"#,
            "Entries[0].Cidr",
        ),
        (
            r#"{"Vpcs": [{"CidrBlockAssociationSet": [{}]}]}"#,
            "Vpcs[0].CidrBlockAssociationSet[0].CidrBlock",
        ),
    ];
    for (json, path) in cases {
        let err = from_json("inventory/broken.json", json).unwrap_err();
        assert!(
            matches!(&err, Error::MissingField { json_path, .. } if json_path == path),
            "{path}: {err:?}"
        );
        assert_eq!(err.path(), Path::new("inventory/broken.json"));
        assert_eq!(
            err.to_string(),
            format!("inventory/broken.json: {path}: missing required field")
        );
    }
    let err = from_json("r.json", r#"{"SecurityGroupRules": [{"SecurityGroupRuleId": "sgr-1", "GroupId": "sg-1", "IsEgress": true, "IpProtocol": "tcp"}]}"#).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidValue { json_path, .. } if json_path == "SecurityGroupRules[0]"),
        "{err:?}"
    );
}

#[test]
fn malformed_json_and_wrong_types_give_line_and_column() {
    let err = from_json(
        "bad.json",
        "{\n  \"SecurityGroups\": [\n    {\"GroupId\": \"sg-1\",}\n  ]\n}",
    )
    .unwrap_err();
    assert!(matches!(&err, Error::Json { line: 3, .. }), "{err:?}");
    assert!(err.to_string().starts_with("bad.json:3:"), "{err}");
    let err = from_json("bad.json", "{\"SecurityGroups\": [{\"GroupId\": \"sg-1\", \"IpPermissions\": [{\"IpProtocol\": \"tcp\", \"FromPort\": \"22\"}]}]}").unwrap_err();
    assert!(
        matches!(&err, Error::Json { line: 1, column, message, .. } if *column > 60 && message.contains("invalid type")),
        "{err:?}"
    );
    assert!(matches!(
        from_json("bad.json", "").unwrap_err(),
        Error::Json { .. }
    ));
    assert!(matches!(
        from_json("bad.json", "[1, 2]").unwrap_err(),
        Error::Json { .. }
    ));
}

#[test]
fn unrecognised_files_are_errors_when_named_and_findings_in_directories() {
    for json in ["{}", r#"{"Reservations": []}"#, "42", "\"text\""] {
        let err = from_json("other.json", json).unwrap_err();
        assert!(
            matches!(err, Error::UnrecognisedFile { .. }),
            "{json}: {err:?}"
        );
        assert!(
            err.to_string()
                .starts_with("other.json: not an inventory file"),
            "{err}"
        );
    }
    // An empty array holds no page: nothing to recognise, nothing wrong.
    assert!(from_json("empty.json", "[]").is_ok());

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("truth.json"), r#"{"rules": []}"#).unwrap();
    std::fs::write(dir.path().join("README.md"), "not json at all").unwrap();
    std::fs::write(dir.path().join(".hidden.json"), "{ broken").unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    std::fs::write(dir.path().join(".git").join("x.json"), "{ broken").unwrap();
    std::fs::create_dir(dir.path().join("nested")).unwrap();
    std::fs::write(
        dir.path().join("nested").join("SG.JSON"),
        r#"{"SecurityGroups": [{"GroupId": "sg-1"}]}"#,
    )
    .unwrap();
    let inv = Inventory::load(&[dir.path()]).unwrap();
    assert_eq!(inv.security_groups().len(), 1);
    assert_eq!(codes(&inv), ["unrecognised_file"]);
    assert!(inv.findings()[0].message.contains("truth.json"));
}

#[test]
fn missing_paths_and_empty_input() {
    let err = Inventory::load(&["/nonexistent/flowsieve/inventory"]).unwrap_err();
    assert!(matches!(err, Error::Io { .. }));
    assert_eq!(err.path(), Path::new("/nonexistent/flowsieve/inventory"));
    let dir = tempfile::tempdir().unwrap();
    let inv = Inventory::load(&[dir.path()]).unwrap();
    assert_eq!(codes(&inv), ["empty_input"]);
    let no_paths: [&str; 0] = [];
    assert_eq!(codes(&Inventory::load(&no_paths).unwrap()), ["empty_input"]);
}

#[test]
fn utf16_and_bom_files_load() {
    let json = r#"{"SecurityGroups": [{"GroupId": "sg-1"}]}"#;
    let mut utf16 = vec![0xff, 0xfe];
    utf16.extend(json.encode_utf16().flat_map(u16::to_le_bytes));
    let mut b = InventoryBuilder::new();
    b.add_json("powershell.json", &utf16).unwrap();
    let mut bom = b"\xef\xbb\xbf".to_vec();
    bom.extend_from_slice(br#"{"SecurityGroups": [{"GroupId": "sg-2"}]}"#);
    b.add_json("bom.json", &bom).unwrap();
    assert_eq!(b.build().security_groups().len(), 2);
}

#[test]
fn loading_is_independent_of_path_order() {
    let a = load(&["aws", "terraform"]);
    let b = load(&["terraform", "aws/describe-subnets.json", "aws"]);
    let ids = |inv: &Inventory| {
        inv.rules()
            .iter()
            .map(|r| (r.id.clone(), r.key()))
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&a), ids(&b));
    let g = |inv: &Inventory| inv.security_groups().to_vec();
    assert_eq!(g(&a), g(&b));
}

// ---------------------------------------------------------------------------------------------
// Ids, merging and findings on bad values

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

// ---------------------------------------------------------------------------------------------
// No panic on any input

/// JSON values built from the keys the loaders look for, with values of every JSON type.
fn json_strategy() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
    use proptest::prelude::*;
    const KEYS: &[&str] = &[
        "SecurityGroups",
        "SecurityGroupRules",
        "NetworkInterfaces",
        "PrefixLists",
        "Entries",
        "PrefixListId",
        "Vpcs",
        "Subnets",
        "StaleSecurityGroupSet",
        "GroupId",
        "IpPermissions",
        "IpPermissionsEgress",
        "IpProtocol",
        "FromPort",
        "ToPort",
        "IpRanges",
        "CidrIp",
        "Ipv6Ranges",
        "CidrIpv6",
        "UserIdGroupPairs",
        "PrefixListIds",
        "SecurityGroupRuleId",
        "IsEgress",
        "CidrIpv4",
        "ReferencedGroupInfo",
        "NetworkInterfaceId",
        "PrivateIpAddress",
        "PrivateIpAddresses",
        "Groups",
        "Ipv4Prefixes",
        "Ipv4Prefix",
        "Cidr",
        "CidrBlock",
        "format_version",
        "values",
        "planned_values",
        "root_module",
        "resources",
        "child_modules",
        "type",
        "values",
        "ingress",
        "protocol",
        "cidr_blocks",
        "security_group_id",
        "id",
        "self",
    ];
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        (-2i64..70000).prop_map(serde_json::Value::from),
        prop::sample::select(vec![
            "tcp",
            "-1",
            "icmp",
            "1.0",
            "2.0",
            "10.0.0.0/8",
            "::/0",
            "10.0.0.1",
            "sg-1",
            "pl-1",
            "x",
            "",
            "aws_security_group",
            "aws_vpc_security_group_ingress_rule",
            "managed",
            "300"
        ])
        .prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..5).prop_map(|kv| {
                serde_json::Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
        ]
    })
}

proptest::proptest! {
    #[test]
    fn loading_never_panics_on_structured_json(value in json_strategy()) {
        let text = value.to_string();
        let mut b = InventoryBuilder::new();
        let _ = b.add_json("pl-1.json", text.as_bytes());
        let inv = b.build();
        let _ = crate::CompiledMatcher::new(&inv);
    }

    #[test]
    fn loading_never_panics_on_bytes(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)) {
        let mut b = InventoryBuilder::new();
        let _ = b.add_json("x.json", &bytes);
        let _ = b.build();
    }
}

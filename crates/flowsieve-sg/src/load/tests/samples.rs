//! The AWS documentation samples (testdata/network/loader-cases/samples).

use std::net::Ipv4Addr;

use super::*;

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

//! Matcher tests: questions about the fixture network with known answers, and a proptest holding
//! the compiled matcher equal to the naive one on random inventories and queries.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::Path;

use proptest::prelude::*;

use super::build::push_cidr_interval;
use super::*;
use crate::{
    Inventory, InventoryBuilder, NaiveMatcher, Peer, PeeringStatus, PortSpec, PrefixList, Protocol,
    SecurityGroup,
};

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn matcher_is_send_and_sync() {
    assert_send_sync::<CompiledMatcher>();
    assert_send_sync::<RuleMatches>();
}

#[test]
fn ipv6_blocks_are_clipped_around_ipv4_mapped_space() {
    let mut out = Vec::new();
    push_cidr_interval(&mut out, &"::/0".parse().unwrap());
    assert_eq!(
        out,
        vec![
            (0, (0xffff << 32) - 1),
            ((0xffff << 32) + (1 << 32), u128::MAX)
        ]
    );
    out.clear();
    push_cidr_interval(&mut out, &"::ffff:0:0/96".parse().unwrap());
    assert!(out.is_empty());
    out.clear();
    push_cidr_interval(&mut out, &"2001:db8::/32".parse().unwrap());
    assert_eq!(out.len(), 1);
}

// ---------------------------------------------------------------------------------------------
// The fixture network

fn fixture() -> (Inventory, CompiledMatcher) {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/network");
    let inv = Inventory::load(&[base.join("aws"), base.join("terraform")]).unwrap();
    let m = CompiledMatcher::new(&inv);
    (inv, m)
}

fn a(s: &str) -> Addr {
    Addr::from_ip(s.parse().unwrap())
}

fn q(direction: Direction, protocol: u8, port: u16, peer: &str) -> FlowQuery {
    FlowQuery {
        direction,
        protocol,
        port,
        peer: a(peer),
    }
}

/// (definite rule descriptions "proto from peer", unknown ones, narrowest) for a query on an ENI.
fn ask(
    m: &CompiledMatcher,
    eni: &str,
    query: FlowQuery,
) -> (Vec<String>, Vec<String>, Option<String>) {
    let gs = m.eni_group_set(m.eni_index(eni).unwrap());
    let mut out = m.new_matches();
    m.matching_rules(gs, &query, &mut out);
    assert_eq!(m.allows(gs, &query), !out.is_empty());
    let show = |i: &RuleIdx| {
        let r = m.rule(*i);
        format!("{} {} {}", r.protocol, r.from_port(), r.peer_string())
    };
    (
        out.definite().iter().map(show).collect(),
        out.icmp_type_unknown().iter().map(show).collect(),
        out.narrowest().as_ref().map(show),
    )
}

const ALB: &str = "eni-0a1b00000000a1b01";
const NGINX: &str = "eni-0a1b00000000c0001";
const BACKEND: &str = "eni-0b5e0000000000001";
const MODEL: &str = "eni-0a1b00000000c0004";
const VPCE: &str = "eni-0a1b00000000e0009";
const BASTION: &str = "eni-0a1b00000000c0012";
const LEGACY: &str = "eni-0a1b00000000c0017";
const RDS: &str = "eni-0a1b00000000d0006";
const NAT: &str = "eni-0a1b00000000b0016";
use Direction::{Egress, Ingress};

#[test]
fn internet_to_alb_by_family() {
    let (_, m) = fixture();
    assert_eq!(
        ask(&m, ALB, q(Ingress, 6, 443, "198.51.100.99")).0,
        ["tcp 443 0.0.0.0/0"]
    );
    assert_eq!(
        ask(&m, ALB, q(Ingress, 6, 443, "2001:db8:9::1")).0,
        ["tcp 443 ::/0"]
    );
    assert_eq!(
        ask(&m, ALB, q(Ingress, 6, 80, "198.51.100.99")).0,
        ["tcp 80 0.0.0.0/0"]
    );
    assert!(
        ask(&m, ALB, q(Ingress, 6, 80, "2001:db8:9::1"))
            .0
            .is_empty(),
        "no IPv6 rule for port 80"
    );
    assert!(
        ask(&m, ALB, q(Ingress, 6, 22, "198.51.100.99"))
            .0
            .is_empty()
    );
    assert!(
        ask(&m, ALB, q(Ingress, 17, 443, "198.51.100.99"))
            .0
            .is_empty(),
        "udp is not tcp"
    );
}

#[test]
fn group_peers_match_every_private_address_but_never_public_ones() {
    let (_, m) = fixture();
    let nginx_from_alb = "tcp 80 sg-0a1b2c3d4e5f60001";
    assert_eq!(
        ask(&m, NGINX, q(Ingress, 6, 80, "10.0.0.10")).0,
        [nginx_from_alb]
    );
    assert_eq!(
        ask(&m, NGINX, q(Ingress, 6, 80, "10.0.1.10")).0,
        [nginx_from_alb],
        "the other ALB node"
    );
    assert_eq!(
        ask(&m, NGINX, q(Ingress, 6, 80, "2001:db8:1200::a")).0,
        [nginx_from_alb],
        "the ALB's IPv6 address"
    );
    assert!(
        ask(&m, NGINX, q(Ingress, 6, 80, "198.51.100.20"))
            .0
            .is_empty(),
        "the ALB's public IP"
    );
    assert!(
        ask(&m, NGINX, q(Ingress, 6, 80, "10.0.10.20")).0.is_empty(),
        "the backend is not an ALB"
    );
    // Secondary private IPv4 and delegated prefixes are members too.
    assert_eq!(
        ask(&m, MODEL, q(Ingress, 6, 8001, "10.0.10.21")).0,
        ["tcp 8001 sg-0a1b2c3d4e5f60003"]
    );
    assert_eq!(
        ask(&m, VPCE, q(Ingress, 6, 443, "10.0.10.50")).0,
        ["tcp 443 sg-0a1b2c3d4e5f60004"],
        "inside the model server's /28"
    );
    assert!(
        ask(&m, VPCE, q(Ingress, 6, 443, "10.0.10.64")).0.is_empty(),
        "just past the /28"
    );
}

#[test]
fn overlapping_rules_all_match_and_the_narrowest_is_named() {
    let (_, m) = fixture();
    // To S3: the 0.0.0.0/0 rule and the S3 prefix-list rule; the prefix list is narrower.
    let (definite, _, narrowest) = ask(&m, BACKEND, q(Egress, 6, 443, "52.216.8.1"));
    assert_eq!(definite, ["tcp 443 0.0.0.0/0", "tcp 443 pl-63a5400a"]);
    assert_eq!(narrowest.as_deref(), Some("tcp 443 pl-63a5400a"));
    assert_eq!(
        ask(&m, BACKEND, q(Egress, 6, 443, "8.8.8.8")).0,
        ["tcp 443 0.0.0.0/0"]
    );
    assert_eq!(
        ask(&m, BACKEND, q(Egress, 6, 3306, "10.0.21.10"))
            .2
            .as_deref(),
        Some("tcp 3306 sg-0a1b2c3d4e5f60006")
    );
    // The bastion also carries the default group: all traffic from members of default.
    let (definite, _, narrowest) = ask(&m, BASTION, q(Ingress, 6, 22, "10.0.10.80"));
    assert_eq!(definite, ["-1 -1 sg-0a1b2c3d4e5f60011"]);
    assert_eq!(narrowest.as_deref(), Some("-1 -1 sg-0a1b2c3d4e5f60011"));
}

#[test]
fn icmp_rules_by_type_and_family() {
    let (_, m) = fixture();
    // Echo request from the VPC: only a type-8 rule, which flow logs cannot confirm.
    let (definite, unknown, narrowest) = ask(&m, BASTION, q(Ingress, 1, 0, "10.0.5.5"));
    assert!(definite.is_empty() && narrowest.is_none());
    assert_eq!(unknown, ["icmp 8 10.0.0.0/16"]);
    // From the office: the all-types rule is definite, the type-8 rule does not cover the peer.
    let (definite, unknown, _) = ask(&m, BASTION, q(Ingress, 1, 0, "203.0.113.9"));
    assert_eq!(definite, ["icmp -1 203.0.113.0/24"]);
    assert!(unknown.is_empty());
    // ICMPv6 never matches an ICMP rule and vice versa.
    assert_eq!(
        ask(&m, BASTION, q(Ingress, 58, 0, "2001:db8:1200:1::9")).0,
        ["icmpv6 -1 2001:db8:1200::/56"]
    );
    assert!(
        ask(&m, BASTION, q(Ingress, 58, 0, "203.0.113.9"))
            .0
            .is_empty()
    );
}

#[test]
fn protocols_without_ports_and_protocol_all() {
    let (_, m) = fixture();
    // ESP (50): ports are not compared, whatever the record says.
    assert_eq!(
        ask(&m, BASTION, q(Ingress, 50, 0, "198.51.100.7")).0,
        ["50 -1 198.51.100.7/32"]
    );
    assert_eq!(
        ask(&m, BASTION, q(Ingress, 50, 4500, "198.51.100.7")).0,
        ["50 -1 198.51.100.7/32"]
    );
    assert!(
        ask(&m, BASTION, q(Ingress, 47, 0, "198.51.100.7"))
            .0
            .is_empty(),
        "GRE is not ESP"
    );
    assert_eq!(
        ask(&m, BASTION, q(Ingress, 17, 500, "198.51.100.7")).0,
        ["udp 500 198.51.100.7/32"]
    );
    // Protocol -1 egress: any protocol, any port, by family.
    assert_eq!(
        ask(&m, LEGACY, q(Egress, 17, 53, "8.8.8.8")).0,
        ["-1 -1 0.0.0.0/0"]
    );
    assert_eq!(
        ask(&m, LEGACY, q(Egress, 132, 9, "2001:4860::8888")).0,
        ["-1 -1 ::/0"]
    );
    // An ENI without groups allows nothing.
    assert!(ask(&m, NAT, q(Egress, 6, 443, "8.8.8.8")).0.is_empty());
}

#[test]
fn unresolvable_peers_never_match() {
    let (_, m) = fixture();
    // RDS: 3306 from the analytics account's group (not loaded): only the resolvable rules.
    assert!(ask(&m, RDS, q(Ingress, 6, 3306, "10.1.2.3")).0.is_empty());
    assert_eq!(
        ask(&m, RDS, q(Ingress, 6, 3306, "10.0.10.90")).0,
        ["tcp 3306 sg-0a1b2c3d4e5f60008"]
    );
    // Bastion 22 from the stale peering: never; from the office prefix lists: yes, per family.
    assert_eq!(
        ask(&m, BASTION, q(Ingress, 6, 22, "203.0.113.5")).0,
        ["tcp 22 pl-0a1b2c3d4e5f60718"]
    );
    assert_eq!(
        ask(&m, BASTION, q(Ingress, 6, 22, "2001:db8:ff00::1")).0,
        ["tcp 22 pl-0a1b2c3d4e5f6071a"]
    );
    // The partner list has no entries: never.
    assert!(
        ask(&m, VPCE, q(Ingress, 6, 443, "192.0.2.200"))
            .0
            .is_empty()
    );
}

#[test]
fn addresses_owners_and_internal() {
    let (inv, m) = fixture();
    let owner = |s: &str| m.eni_by_address(a(s)).map(|i| m.eni(i).id.clone());
    assert_eq!(owner("10.0.10.21").as_deref(), Some(BACKEND));
    assert_eq!(owner("10.0.10.50").as_deref(), Some(MODEL));
    assert_eq!(owner("2001:db8:1200::30").as_deref(), Some(BASTION));
    assert_eq!(
        owner("198.51.100.20"),
        None,
        "public addresses are not owned"
    );
    assert_eq!(owner("10.0.10.64"), None);
    assert_eq!(
        m.eni_by_ip("10.0.21.10".parse().unwrap())
            .map(|i| m.eni(i).id.as_str()),
        Some(RDS)
    );
    assert!(m.is_internal(a("10.0.99.1")));
    assert!(m.is_internal(a("2001:db8:1200:ff::1")));
    assert!(!m.is_internal(a("8.8.8.8")));
    assert!(!m.is_internal(a("198.51.100.20")));
    assert!(!m.is_internal(a("::ffff:0:0")));
    // Group sets: 18 ENIs, 16 distinct sets (the two ALB nodes and the two backends share).
    assert_eq!(m.eni_count(), 18);
    assert_eq!(m.group_set_count(), 16);
    let gs = m.eni_group_set(m.eni_index(BASTION).unwrap());
    assert_eq!(
        m.group_set_ids(gs),
        ["sg-0a1b2c3d4e5f60011", "sg-0a1b2c3d4e5f60012"]
    );
    assert_eq!(m.rules_of_group_set(gs).len(), 13);
    assert_eq!(m.enis_with_group("sg-0a1b2c3d4e5f60011").len(), 2);
    assert_eq!(m.enis_with_group("sg-0dead00000000beef").len(), 1);
    assert!(m.enis_with_group("sg-nothing").is_empty());
    assert_eq!(m.rule_count(), inv.rules().len());
    let unresolved: Vec<&str> = (0..m.rule_count() as u32)
        .map(RuleIdx)
        .filter(|i| !m.peer_resolved(*i))
        .map(|i| m.rule(i).id.as_str())
        .collect();
    assert_eq!(
        unresolved,
        [
            "sgr-0a1b2c3d4e5f06002",
            "sgr-0a1b2c3d4e5f09004",
            "sgr-0a1b2c3d4e5f12002"
        ]
    );
    assert!(!m.peer_resolved(RuleIdx(u32::MAX)));
    assert!(m.eni_index("eni-unknown").is_none());
    // Unknown indices answer "nothing", never panic.
    let none = GroupSetIdx(9999);
    assert!(m.group_set_ids(none).is_empty() && m.rules_of_group_set(none).is_empty());
    assert!(!m.allows(none, &q(Ingress, 6, 80, "10.0.0.1")));
    assert_eq!(m.eni_group_set(EniIdx(9999)), GroupSetIdx(u32::MAX));
}

#[test]
fn queries_do_not_allocate() {
    let (_, m) = fixture();
    let mut out = m.new_matches();
    let caps = (out.definite.capacity(), out.unknown.capacity());
    for gs in 0..m.group_set_count() as u32 {
        for (dir, proto, port, peer) in [
            (Ingress, 6, 443, "10.0.10.20"),
            (Egress, 1, 0, "10.0.5.5"),
            (Ingress, 17, 53, "2001:db8:1200::a"),
        ] {
            m.matching_rules(GroupSetIdx(gs), &q(dir, proto, port, peer), &mut out);
            assert_eq!((out.definite.capacity(), out.unknown.capacity()), caps);
        }
    }
}

#[test]
fn compiled_equals_naive_on_the_fixture() {
    let (inv, m) = fixture();
    let naive = NaiveMatcher::new(&inv);
    let peers = [
        "10.0.0.10",
        "10.0.10.21",
        "10.0.10.50",
        "10.0.21.10",
        "203.0.113.9",
        "52.216.8.1",
        "8.8.8.8",
        "2001:db8:1200::a",
        "2001:db8:ff00::1",
    ];
    let (mut fast, mut slow) = (RuleMatches::new(), RuleMatches::new());
    for e in inv.network_interfaces() {
        let gs = m.eni_group_set(m.eni_index(&e.id).unwrap());
        for dir in [Ingress, Egress] {
            for (proto, port) in [
                (6, 22),
                (6, 80),
                (6, 443),
                (6, 3306),
                (6, 8001),
                (17, 53),
                (1, 0),
                (58, 0),
                (50, 0),
            ] {
                for p in peers {
                    let query = q(dir, proto, port, p);
                    m.matching_rules(gs, &query, &mut fast);
                    naive.matching_rules(&e.group_ids, &query, &mut slow);
                    assert_eq!(fast, slow, "{} {query:?}", e.id);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Compiled == naive on random inventories

const GROUPS: [&str; 5] = ["sg-0", "sg-1", "sg-2", "sg-3", "sg-4"];
/// Group ids rules may reference: the described ones, one never described.
const PEER_GROUPS: [&str; 6] = ["sg-0", "sg-1", "sg-2", "sg-3", "sg-4", "sg-9"];
const LISTS: [&str; 3] = ["pl-a", "pl-b", "pl-c"];

/// Addresses from two small pools (so that peers, ENIs and CIDRs collide often).
fn addr_strategy() -> impl Strategy<Value = Addr> {
    prop_oneof![
        4 => (0u8..24).prop_map(|x| Addr::from(Ipv4Addr::new(10, 0, 0, x))),
        3 => (0u16..24).prop_map(|x| Addr::from(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, x))),
        1 => Just(Addr::from(Ipv4Addr::new(192, 0, 2, 1))),
        1 => Just(Addr::from(Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0xc000, 0x201))), // ::ffff:192.0.2.1, IPv4
    ]
}

fn cidr_strategy() -> impl Strategy<Value = Cidr> {
    prop_oneof![
        3 => (0u8..24, 26u8..=32).prop_map(|(x, p)| Cidr::new(Addr::from(Ipv4Addr::new(10, 0, 0, x)), p).unwrap()),
        2 => (0u16..24, 122u8..=128).prop_map(|(x, p)| Cidr::new(Addr::from(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, x)), p).unwrap()),
        1 => Just("0.0.0.0/0".parse().unwrap()),
        1 => Just("::/0".parse().unwrap()),
        1 => Just("::ffff:0:0/96".parse().unwrap()),
        1 => Just("10.0.0.0/8".parse().unwrap()),
    ]
}

fn peer_strategy() -> impl Strategy<Value = Peer> {
    prop_oneof![
        3 => cidr_strategy().prop_map(Peer::Cidr),
        3 => (0..PEER_GROUPS.len(), prop::bool::weighted(0.15)).prop_map(|(g, stale)| Peer::Group {
            group_id: PEER_GROUPS[g].to_owned(),
            owner_id: None,
            vpc_id: None,
            peering_status: stale.then_some(PeeringStatus::Deleted),
        }),
        1 => (0..LISTS.len()).prop_map(|l| Peer::PrefixList { id: LISTS[l].to_owned() }),
    ]
}

fn protocol_ports_strategy() -> impl Strategy<Value = (Protocol, PortSpec)> {
    let range = (0u16..8, 0u16..4).prop_map(|(from, len)| PortSpec::Range {
        from,
        to: from + len,
    });
    let icmp = (prop::option::of(0u8..3), prop::option::of(0u8..2))
        .prop_map(|(icmp_type, code)| PortSpec::Icmp { icmp_type, code });
    prop_oneof![
        2 => Just((Protocol::All, PortSpec::All)),
        6 => (prop_oneof![3 => Just(Protocol::TCP), 1 => Just(Protocol::UDP)], prop_oneof![4 => range, 1 => Just(PortSpec::All)]),
        2 => (prop_oneof![Just(Protocol::ICMP), Just(Protocol::ICMPV6)], icmp),
        1 => Just((Protocol::Number(50), PortSpec::All)),
    ]
}

fn rule_strategy() -> impl Strategy<Value = Rule> {
    (
        prop_oneof![3 => 0..3usize, 1 => 0..GROUPS.len()],
        prop::bool::ANY,
        protocol_ports_strategy(),
        peer_strategy(),
    )
        .prop_map(|(g, ingress, (protocol, ports), peer)| {
            let direction = if ingress {
                Direction::Ingress
            } else {
                Direction::Egress
            };
            Rule::new(GROUPS[g], direction, protocol, ports, peer)
        })
}

fn eni_strategy() -> impl Strategy<Value = NetworkInterface> {
    (
        prop::collection::vec(
            prop_oneof![5 => 0..GROUPS.len(), 1 => Just(PEER_GROUPS.len() - 1)],
            0..4,
        ),
        prop::collection::vec(0u8..24, 0..3),
        prop::collection::vec(0u16..24, 0..2),
        prop::option::of((0u8..24, 28u8..=31)),
        prop::option::of((0u16..24, 124u8..=127)),
    )
        .prop_map(|(groups, v4, v6, p4, p6)| NetworkInterface {
            interface_type: "interface".into(),
            group_ids: groups
                .into_iter()
                .map(|g| PEER_GROUPS[g].to_owned())
                .collect(),
            private_ipv4: v4.into_iter().map(|x| Ipv4Addr::new(10, 0, 0, x)).collect(),
            ipv6: v6
                .into_iter()
                .map(|x| Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, x))
                .collect(),
            ipv4_prefixes: p4
                .into_iter()
                .map(|(x, p)| Cidr::new(Addr::from(Ipv4Addr::new(10, 0, 0, x)), p).unwrap())
                .collect(),
            ipv6_prefixes: p6
                .into_iter()
                .map(|(x, p)| {
                    Cidr::new(
                        Addr::from(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, x)),
                        p,
                    )
                    .unwrap()
                })
                .collect(),
            ..NetworkInterface::default()
        })
}

fn inventory_strategy() -> impl Strategy<Value = Inventory> {
    (
        1..=GROUPS.len(),
        prop::collection::vec(rule_strategy(), 0..80),
        prop::collection::vec(eni_strategy(), 1..8),
        prop::collection::vec(cidr_strategy(), 0..4),
        prop::bool::ANY,
    )
        .prop_map(|(n_groups, rules, enis, list_entries, list_b_known)| {
            let mut b = InventoryBuilder::new();
            for g in GROUPS.iter().take(n_groups) {
                b.add_group(SecurityGroup {
                    id: (*g).to_owned(),
                    name: String::new(),
                    description: String::new(),
                    vpc_id: None,
                    owner_id: None,
                    is_default: false,
                    tags: Vec::new(),
                });
            }
            for r in rules {
                b.add_rule(r);
            }
            for (i, mut e) in enis.into_iter().enumerate() {
                e.id = format!("eni-{i}");
                b.add_network_interface(e);
            }
            let list = |id: &str, entries| PrefixList {
                id: id.to_owned(),
                name: String::new(),
                address_family: String::new(),
                version: None,
                entries,
            };
            b.add_prefix_list(list("pl-a", Some(list_entries)));
            b.add_prefix_list(list("pl-b", list_b_known.then(Vec::new)));
            b.add_vpc_cidr("10.0.0.16/28".parse().unwrap());
            b.build()
        })
}

fn query_strategy() -> impl Strategy<Value = (usize, FlowQuery)> {
    let protocol = prop_oneof![8 => Just(6u8), 3 => Just(17), 2 => Just(1), 2 => Just(58), 1 => Just(50), 1 => Just(47)];
    (
        0usize..8,
        prop::bool::ANY,
        protocol,
        0u16..12,
        addr_strategy(),
    )
        .prop_map(|(eni, ingress, protocol, port, peer)| {
            let direction = if ingress {
                Direction::Ingress
            } else {
                Direction::Egress
            };
            (
                eni,
                FlowQuery {
                    direction,
                    protocol,
                    port,
                    peer,
                },
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn compiled_matches_like_naive(inv in inventory_strategy(), queries in prop::collection::vec(query_strategy(), 1..40)) {
        let m = CompiledMatcher::new(&inv);
        let naive = NaiveMatcher::new(&inv);
        let (mut fast, mut slow) = (RuleMatches::new(), RuleMatches::new());
        for (eni, query) in queries {
            let e = &inv.network_interfaces()[eni % inv.network_interfaces().len()];
            let gs = m.eni_group_set(m.eni_index(&e.id).unwrap());
            m.matching_rules(gs, &query, &mut fast);
            naive.matching_rules(&e.group_ids, &query, &mut slow);
            prop_assert_eq!(&fast, &slow, "{} {:?}", e.id, query);
            prop_assert_eq!(m.allows(gs, &query), naive.allows(&e.group_ids, &query));
            prop_assert_eq!(m.allows(gs, &query), !fast.is_empty());
            let owner = m.eni_by_address(query.peer).map(|i| m.eni(i).id.clone());
            let naive_owner = naive.eni_by_address(query.peer).map(|i| inv.network_interfaces()[i].id.clone());
            prop_assert_eq!(owner, naive_owner, "owner of {}", query.peer);
            let internal = naive.eni_by_address(query.peer).is_some() || inv.vpc_cidrs().iter().any(|c| c.contains(query.peer));
            prop_assert_eq!(m.is_internal(query.peer), internal);
        }
    }
}

//! Matcher tests: questions about the fixture network with known answers (here), inventories
//! over time and space (`history`), and a proptest holding the compiled matcher equal to the
//! naive one on random inventories and queries (`random`).

mod history;
mod random;

use std::path::Path;

use super::build::push_cidr_interval;
use super::*;
use crate::{Inventory, NaiveMatcher, PeerClass};

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
        remote: None,
        at: None,
    }
}

/// The query with its remote ENI resolved as an analysis does: in the recording ENI's VPC.
fn resolved(m: &CompiledMatcher, eni: EniIdx, query: FlowQuery) -> FlowQuery {
    let remote = m
        .resolve_address(m.eni_vpc(eni), query.peer, query.at)
        .eni();
    FlowQuery { remote, ..query }
}

/// (definite rule descriptions "proto from peer", unknown ones, narrowest) for a query on an ENI.
fn ask(
    m: &CompiledMatcher,
    eni: &str,
    query: FlowQuery,
) -> (Vec<String>, Vec<String>, Option<String>) {
    let idx = m.eni_index(eni).unwrap();
    let gs = m.eni_group_set(idx);
    let query = resolved(m, idx, query);
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
fn addresses_owners_and_classes() {
    let (inv, m) = fixture();
    let vpc = m.vpc_index("vpc-0a1b2c3d4e5f60001");
    assert!(vpc.is_some());
    let owner = |s: &str| {
        m.resolve_address(vpc, a(s), None)
            .eni()
            .map(|i| m.eni(i).id.clone())
    };
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
        m.resolve_address(None, a("10.0.21.10"), Some(0))
            .eni()
            .map(|i| m.eni(i).id.as_str()),
        Some(RDS)
    );
    // Without history nothing is volatile, and time does not matter.
    assert!(!m.has_history() && !m.address_is_volatile(a("10.0.21.10")));
    assert_eq!(m.epoch_count(), 1);
    for (addr, class) in [
        ("10.0.99.1", PeerClass::Internal),
        ("2001:db8:1200:ff::1", PeerClass::Internal),
        ("10.1.0.1", PeerClass::PrivateExternal),
        ("172.31.0.9", PeerClass::PrivateExternal),
        ("8.8.8.8", PeerClass::External),
        ("198.51.100.20", PeerClass::External),
        ("::ffff:0:0", PeerClass::External),
    ] {
        assert_eq!(m.peer_class(vpc, a(addr)), class, "{addr}");
        assert_eq!(m.peer_class(None, a(addr)), class, "{addr}, no scope");
    }
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
    assert_eq!(m.eni_vpc(EniIdx(9999)), None);
    assert!(!m.rule_alive(RuleIdx(u32::MAX), EpochIdx(0)));
}

#[test]
fn subnets_acls_and_load_balancers_of_the_fixture() {
    let (_, m) = fixture();
    let alb = m.eni_index(ALB).unwrap();
    let subnet = m.eni_subnet(alb).and_then(|s| m.subnet(s)).unwrap();
    assert_eq!(subnet.id, "subnet-0a1b2c3d4e5f60010");
    // No ACL or load balancer output in the fixture: nothing is guessed.
    assert!(m.nacl_of(alb).is_none() && m.load_balancer_of(alb).is_none());
    assert!(m.load_balancers().is_empty() && m.target_groups().is_empty());
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
        let idx = m.eni_index(&e.id).unwrap();
        let gs = m.eni_group_set(idx);
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
                    let query = resolved(&m, idx, q(dir, proto, port, p));
                    m.matching_rules(gs, &query, &mut fast);
                    naive.matching_rules(&e.group_ids, &query, &mut slow);
                    assert_eq!(fast, slow, "{} {query:?}", e.id);
                }
            }
        }
    }
}

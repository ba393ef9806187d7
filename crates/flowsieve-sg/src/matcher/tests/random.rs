//! Compiled == naive on random inventories: ENIs with several versions over time, in VPCs that
//! may be peered, rules with lifetimes; queries at random times, with the remote ENI resolved
//! the way an analysis resolves it.

use std::net::{Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;

use super::*;
use crate::{
    Cidr, Interval, InventoryBuilder, NaiveMatcher, Peer, PeeringStatus, PeeringVpc, PortSpec,
    PrefixList, Protocol, SecurityGroup, VpcPeering,
};

const GROUPS: [&str; 5] = ["sg-0", "sg-1", "sg-2", "sg-3", "sg-4"];
/// Group ids rules may reference: the described ones, one never described.
const PEER_GROUPS: [&str; 6] = ["sg-0", "sg-1", "sg-2", "sg-3", "sg-4", "sg-9"];
const LISTS: [&str; 3] = ["pl-a", "pl-b", "pl-c"];
const VPCS: [Option<&str>; 4] = [None, Some("vpc-a"), Some("vpc-b"), Some("vpc-c")];
/// Times where versions and lifetimes change, and the times queries ask about.
const CUTS: [i64; 3] = [100, 200, 300];
const TIMES: [Option<i64>; 6] = [None, Some(50), Some(100), Some(150), Some(250), Some(350)];

/// Addresses from two small pools (so that peers, ENIs and CIDRs collide often).
fn addr_strategy() -> impl Strategy<Value = Addr> {
    prop_oneof![
        4 => (0u8..24).prop_map(|x| Addr::from(Ipv4Addr::new(10, 0, 0, x))),
        3 => (0u16..24).prop_map(|x| Addr::from(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, x))),
        1 => Just(Addr::from(Ipv4Addr::new(192, 0, 2, 1))),
        1 => Just(Addr::from(Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0xc000, 0x201))), // ::ffff:192.0.2.1, IPv4
        1 => Just(Addr::from(Ipv4Addr::new(100, 64, 0, 1))),
        2 => (0u8..24).prop_map(|x| Addr::from(Ipv4Addr::new(198, 51, 100, x))),
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
        2 => (0u8..24, 26u8..=32).prop_map(|(x, p)| Cidr::new(Addr::from(Ipv4Addr::new(198, 51, 100, x)), p).unwrap()),
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

/// `[ALWAYS]` mostly; otherwise one or two intervals between the cuts.
fn lifetimes_strategy() -> impl Strategy<Value = Vec<Interval>> {
    let bound = prop_oneof![Just(None), (0..CUTS.len()).prop_map(|i| Some(CUTS[i]))];
    let interval = (bound.clone(), bound).prop_map(|(a, b)| Interval::new(a, b));
    prop_oneof![
        3 => Just(vec![Interval::ALWAYS]),
        2 => prop::collection::vec(interval, 1..3),
    ]
}

fn rule_strategy() -> impl Strategy<Value = Rule> {
    (
        prop_oneof![3 => 0..3usize, 1 => 0..GROUPS.len()],
        prop::bool::ANY,
        protocol_ports_strategy(),
        peer_strategy(),
        lifetimes_strategy(),
    )
        .prop_map(|(g, ingress, (protocol, ports), peer, lifetimes)| {
            let direction = if ingress {
                Direction::Ingress
            } else {
                Direction::Egress
            };
            let mut r = Rule::new(GROUPS[g], direction, protocol, ports, peer);
            r.lifetimes = lifetimes;
            r
        })
}

/// One version's state: groups, addresses, prefixes.
fn state_strategy() -> impl Strategy<Value = NetworkInterface> {
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

/// The versions of one ENI: its lifetime cut at some of the cuts, some pieces missing (the
/// ENI did not exist then), each piece a state of its own; all in one VPC.
fn eni_strategy() -> impl Strategy<Value = Vec<NetworkInterface>> {
    (
        prop::collection::vec(prop::bool::weighted(0.3), CUTS.len()),
        prop::collection::vec(
            (prop::bool::weighted(0.85), state_strategy()),
            CUTS.len() + 1,
        ),
        0..VPCS.len(),
    )
        .prop_map(|(cut_here, pieces, vpc)| {
            let cuts: Vec<i64> = CUTS
                .iter()
                .zip(&cut_here)
                .filter(|(_, c)| **c)
                .map(|(t, _)| *t)
                .collect();
            let mut out = Vec::new();
            for (k, (present, mut state)) in pieces.into_iter().take(cuts.len() + 1).enumerate() {
                let from = k.checked_sub(1).and_then(|j| cuts.get(j)).copied();
                let until = cuts.get(k).copied();
                if present || cuts.is_empty() {
                    state.valid = Interval::new(from, until);
                    state.vpc_id = VPCS[vpc].map(str::to_owned);
                    out.push(state);
                }
            }
            out
        })
}

fn inventory_strategy() -> impl Strategy<Value = Inventory> {
    (
        1..=GROUPS.len(),
        prop::collection::vec(rule_strategy(), 0..80),
        prop::collection::vec(eni_strategy(), 1..8),
        prop::collection::vec(cidr_strategy(), 0..4),
        prop::bool::ANY,
        (0..3u8, prop::collection::vec(cidr_strategy(), 0..2)),
    )
        .prop_map(
            |(n_groups, rules, enis, list_entries, list_b_known, (peering, internal))| {
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
                for (i, versions) in enis.into_iter().enumerate() {
                    for mut e in versions {
                        e.id = format!("eni-{i}");
                        b.add_network_interface(e);
                    }
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
                b.add_vpc(crate::Vpc {
                    id: "vpc-a".into(),
                    cidrs: vec!["10.0.0.0/28".parse().unwrap()],
                    ..crate::Vpc::default()
                });
                // vpc-a ↔ vpc-b: absent, active, or deleted.
                if peering > 0 {
                    let side = |v: &str| PeeringVpc {
                        vpc_id: Some(v.to_owned()),
                        ..PeeringVpc::default()
                    };
                    b.add_vpc_peering(VpcPeering {
                        id: "pcx-1".into(),
                        status: if peering == 1 {
                            PeeringStatus::Active
                        } else {
                            PeeringStatus::Deleted
                        },
                        requester: side("vpc-a"),
                        accepter: side("vpc-b"),
                    });
                }
                for c in internal {
                    b.add_internal_cidr(c);
                }
                b.build()
            },
        )
}

fn query_strategy() -> impl Strategy<Value = (usize, FlowQuery)> {
    let protocol = prop_oneof![8 => Just(6u8), 3 => Just(17), 2 => Just(1), 2 => Just(58), 1 => Just(50), 1 => Just(47)];
    (
        0usize..32,
        prop::bool::ANY,
        protocol,
        0u16..12,
        addr_strategy(),
        0..TIMES.len(),
    )
        .prop_map(|(eni, ingress, protocol, port, peer, t)| {
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
                    remote: None,
                    at: TIMES[t],
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
        let enis = inv.network_interfaces();
        prop_assume!(!enis.is_empty());
        let (mut fast, mut slow) = (RuleMatches::new(), RuleMatches::new());
        for (eni, query) in queries {
            let idx = EniIdx((eni % enis.len()) as u32);
            let e = &enis[idx.0 as usize];
            let scope = m.eni_vpc(idx);
            prop_assert_eq!(scope.and_then(|v| m.vpc(v)).map(|v| v.id.as_str()), e.vpc_id.as_deref());
            let owner = m.resolve_address(scope, query.peer, query.at);
            prop_assert_eq!(owner, naive.resolve_address(e.vpc_id.as_deref(), query.peer, query.at), "owner of {}", query.peer);
            let query = FlowQuery { remote: owner.eni(), ..query };
            let gs = m.eni_group_set(idx);
            m.matching_rules(gs, &query, &mut fast);
            naive.matching_rules(&e.group_ids, &query, &mut slow);
            prop_assert_eq!(&fast, &slow, "{} {:?}", e.id, query);
            prop_assert_eq!(m.allows(gs, &query), naive.allows(&e.group_ids, &query));
            prop_assert_eq!(m.allows(gs, &query), !fast.is_empty());
            prop_assert_eq!(m.peer_class(scope, query.peer), naive.peer_class(e.vpc_id.as_deref(), query.peer));
            let volatile = enis.iter().any(|v| !v.valid.is_always() && naive_holds(v, query.peer));
            prop_assert_eq!(m.address_is_volatile(query.peer), volatile);
            if let Some(t) = query.at {
                let k = m.epoch_of(t);
                for (i, r) in inv.rules().iter().enumerate() {
                    let alive = r.lifetimes.iter().any(|l| l.contains(t));
                    prop_assert_eq!(m.rule_alive(RuleIdx(i as u32), k), alive);
                }
                let versions = m.eni_versions(&e.id);
                let at = m.eni_version_at(versions, t);
                let expect = versions.iter().copied().find(|v| enis[v.0 as usize].valid.contains(t));
                prop_assert_eq!(at, expect);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// An internet class answers every question as each of its members does (the contract that
    /// lets an analysis aggregate internet peers by class).
    #[test]
    fn an_internet_class_answers_like_its_members(inv in inventory_strategy(), queries in prop::collection::vec(query_strategy(), 1..40)) {
        let m = CompiledMatcher::new(&inv);
        let enis = inv.network_interfaces();
        prop_assume!(!enis.is_empty());
        let (mut member, mut class) = (RuleMatches::new(), RuleMatches::new());
        for (eni, query) in queries {
            let Some(rep) = m.internet_class(query.peer) else { continue };
            prop_assert!(rep <= query.peer);
            prop_assert_eq!(m.internet_class(rep), Some(rep));
            let idx = EniIdx((eni % enis.len()) as u32);
            let scope = m.eni_vpc(idx);
            for s in [None, scope] {
                prop_assert_eq!(m.resolve_address(s, query.peer, query.at), AddressOwner::Nobody);
                prop_assert_eq!(m.resolve_address(s, rep, query.at), AddressOwner::Nobody);
                prop_assert_eq!(m.peer_class(s, query.peer), PeerClass::External);
                prop_assert_eq!(m.peer_class(s, rep), PeerClass::External);
            }
            prop_assert!(!m.address_is_volatile(rep));
            let gs = m.eni_group_set(idx);
            m.matching_rules(gs, &query, &mut member);
            m.matching_rules(gs, &FlowQuery { peer: rep, ..query }, &mut class);
            prop_assert_eq!(&member, &class, "{} vs {}", query.peer, rep);
        }
    }
}

/// True when the ENI version holds `a` (an address or inside a prefix).
fn naive_holds(e: &NetworkInterface, a: Addr) -> bool {
    e.private_ipv4.iter().any(|x| Addr::from(*x) == a)
        || e.ipv6.iter().any(|x| Addr::from(*x) == a)
        || e.ipv4_prefixes
            .iter()
            .chain(&e.ipv6_prefixes)
            .any(|c| c.contains(a))
}

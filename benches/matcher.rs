//! `match/…`: flowsieve-sg's compiled rule matcher, queries per second, beside the naive matcher
//! (a loop over every rule, the proptest oracle) measured in the same run.
//!
//! Inventory (issue 4 item 8): 2,000 ENIs, 300 groups, 3,000 rules, built by a seeded generator
//! with realistic overlap: most ENIs carry one application group, many also a shared one
//! (monitoring, default, …); rules are mostly TCP on common ports with some ranges, UDP, ICMP,
//! protocol -1 and ESP; peers are other groups (or self), CIDRs from /32 to /0 in both families,
//! and two prefix lists. Queries mix hits and misses: internal peers (ENI addresses, so group
//! peers resolve), VPC addresses, public IPv4 and IPv6.
//!
//! Queries carry the remote ENI the way an analysis asks them: resolved once, before timing, in
//! the recording ENI's VPC (`resolve` measures that lookup alone). `match/history-300` is the
//! same network with inventory history: every ENI in two versions (its groups changed at T), a
//! tenth of the rules alive for part of the time, queries at times on both sides of T.
//!
//! Every timed loop checks its result against the count computed before timing.

use std::hint::black_box;
use std::net::{Ipv4Addr, Ipv6Addr};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use flowsieve_sg::{
    Addr, Cidr, CompiledMatcher, Direction, EniIdx, FlowQuery, GroupSetIdx, Interval, Inventory,
    InventoryBuilder, NaiveMatcher, NetworkInterface, Peer, PortSpec, PrefixList, Protocol, Rule,
    RuleMatches, SecurityGroup,
};

const N_ENIS: usize = 2_000;
const N_GROUPS: usize = 300;
const RULES_PER_GROUP: usize = 10;
const N_QUERIES: usize = 4_096;
/// The naive matcher is thousands of times slower: a smaller batch keeps the run short.
const N_NAIVE_QUERIES: usize = 256;
/// The time the history variant's ENIs change groups and its timed rules appear or go.
const T: i64 = 1_743_465_600;
const COMMON_PORTS: [u16; 12] = [
    22, 80, 443, 3306, 5432, 6379, 8080, 8443, 9090, 27017, 2049, 53,
];

/// SplitMix64: a seeded, dependency-free generator (the bench must not change with a crate bump).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

fn group_id(i: usize) -> String {
    format!("sg-{i:017x}")
}

fn eni_v4(i: usize) -> Ipv4Addr {
    Ipv4Addr::new(10, (i >> 8) as u8, (i & 0xff) as u8, 10)
}

fn eni_v6(i: usize) -> Ipv6Addr {
    Ipv6Addr::new(0x2001, 0xdb8, 0, i as u16, 0, 0, 0, 0x10)
}

/// The network; with `history`, every ENI in two versions (its groups before and after `T`) and
/// one rule in ten alive before or after `T` only.
fn inventory(seed: u64, history: bool) -> Inventory {
    let mut rng = Rng(seed);
    let mut b = InventoryBuilder::new();
    for i in 0..N_GROUPS {
        b.add_group(SecurityGroup {
            id: group_id(i),
            name: format!("app-{i}"),
            description: String::new(),
            vpc_id: Some("vpc-1".into()),
            owner_id: None,
            is_default: i == 0,
            tags: Vec::new(),
        });
    }
    let cidr = |s: &str| -> Cidr { s.parse().expect("valid CIDR") };
    for l in 0..2 {
        let entries = (0..20)
            .map(|k| cidr(&format!("{}.{}.0.0/16", 52 + l, k * 3)))
            .collect();
        b.add_prefix_list(PrefixList {
            id: format!("pl-{l:08x}"),
            name: String::new(),
            address_family: "IPv4".into(),
            version: Some(1),
            entries: Some(entries),
        });
    }
    for g in 0..N_GROUPS {
        for _ in 0..RULES_PER_GROUP {
            let direction = if rng.chance(60) {
                Direction::Ingress
            } else {
                Direction::Egress
            };
            let roll = rng.below(100);
            let protocol = match roll {
                0..75 => Protocol::TCP,
                75..85 => Protocol::UDP,
                85..92 => Protocol::All,
                92..97 => Protocol::ICMP,
                97..99 => Protocol::ICMPV6,
                _ => Protocol::Number(50),
            };
            let ports = match protocol {
                Protocol::Number(6 | 17) if rng.chance(75) => {
                    let p = COMMON_PORTS[rng.below(COMMON_PORTS.len())];
                    PortSpec::Range { from: p, to: p }
                }
                Protocol::Number(6 | 17) => {
                    let (from, to) =
                        [(1024, 65535), (8000, 8999), (0, 65535), (30000, 32767)][rng.below(4)];
                    PortSpec::Range { from, to }
                }
                Protocol::Number(1 | 58) if rng.chance(50) => PortSpec::Icmp {
                    icmp_type: Some(8),
                    code: None,
                },
                Protocol::Number(1 | 58) => PortSpec::Icmp {
                    icmp_type: None,
                    code: None,
                },
                _ => PortSpec::All,
            };
            let peer = match rng.below(100) {
                0..45 => Peer::group(group_id(if rng.chance(20) {
                    g
                } else {
                    rng.below(N_GROUPS)
                })),
                45..90 => Peer::Cidr(match rng.below(9) {
                    0 => cidr("10.0.0.0/8"),
                    1 => cidr(&format!("10.{}.0.0/16", rng.below(8))),
                    2 => cidr(&format!("10.{}.{}.0/24", rng.below(8), rng.below(256))),
                    3 => cidr(&format!("10.{}.{}.10/32", rng.below(8), rng.below(256))),
                    4 => cidr("0.0.0.0/0"),
                    5 => cidr("203.0.113.0/24"),
                    6 => cidr("192.168.0.0/16"),
                    7 => cidr("::/0"),
                    _ => cidr("2001:db8::/32"),
                }),
                _ => Peer::PrefixList {
                    id: format!("pl-{:08x}", rng.below(2)),
                },
            };
            let mut rule = Rule::new(group_id(g), direction, protocol, ports, peer);
            if history && rng.chance(10) {
                rule.lifetimes = vec![if rng.chance(50) {
                    Interval::new(None, Some(T))
                } else {
                    Interval::new(Some(T), None)
                }];
            }
            b.add_rule(rule);
        }
    }
    for i in 0..N_ENIS {
        // Groups cluster by application: a few hundred distinct sets for 2,000 ENIs.
        let app = (rng.below(N_GROUPS) + rng.below(N_GROUPS)) / 2;
        let mut groups = vec![group_id(app)];
        if rng.chance(40) {
            groups.push(group_id(rng.below(10)));
        }
        if rng.chance(10) {
            groups.push(group_id(rng.below(N_GROUPS)));
        }
        let mut private_ipv4 = vec![eni_v4(i)];
        if rng.chance(30) {
            private_ipv4.push(Ipv4Addr::new(10, (i >> 8) as u8, (i & 0xff) as u8, 11));
        }
        let ipv4_prefixes = if rng.chance(3) {
            vec![cidr(&format!(
                "10.200.{}.{}/28",
                i >> 4 & 0xff,
                (i & 0xf) << 4
            ))]
        } else {
            Vec::new()
        };
        let eni = NetworkInterface {
            id: format!("eni-{i:017x}"),
            interface_type: "interface".into(),
            vpc_id: Some("vpc-1".into()),
            group_ids: groups,
            private_ipv4,
            ipv4_prefixes,
            ipv6: if rng.chance(20) {
                vec![eni_v6(i)]
            } else {
                Vec::new()
            },
            ..NetworkInterface::default()
        };
        if history {
            let mut later = eni.clone();
            later.group_ids.rotate_left(1);
            later.group_ids.push(group_id(rng.below(10)));
            later.valid = Interval::new(Some(T), None);
            b.add_network_interface(NetworkInterface {
                valid: Interval::new(None, Some(T)),
                ..eni
            });
            b.add_network_interface(later);
        } else {
            b.add_network_interface(eni);
        }
    }
    b.add_vpc_cidr(cidr("10.0.0.0/8"));
    b.build()
}

/// (ENI version, query) pairs: a realistic mix of hits and misses; with `history`, at times on
/// both sides of `T`.
fn queries(seed: u64, inv: &Inventory, n: usize, history: bool) -> Vec<(usize, FlowQuery)> {
    let mut rng = Rng(seed);
    (0..n)
        .map(|_| {
            let eni = rng.below(inv.network_interfaces().len());
            let direction = if rng.chance(50) {
                Direction::Ingress
            } else {
                Direction::Egress
            };
            let protocol = match rng.below(100) {
                0..85 => 6,
                85..95 => 17,
                _ => 1,
            };
            let port = if rng.chance(70) {
                COMMON_PORTS[rng.below(COMMON_PORTS.len())]
            } else {
                (rng.next() & 0xffff) as u16
            };
            let peer = match rng.below(100) {
                0..45 => Addr::from(eni_v4(rng.below(N_ENIS))),
                45..65 => Addr::from(Ipv4Addr::new(
                    10,
                    rng.below(8) as u8,
                    rng.below(256) as u8,
                    rng.below(256) as u8,
                )),
                65..90 => Addr::from(Ipv4Addr::from(rng.next() as u32)),
                90..95 => Addr::from(eni_v6(rng.below(N_ENIS))),
                _ => Addr::from(Ipv6Addr::from(
                    u128::from(rng.next()) << 64 | u128::from(rng.next()),
                )),
            };
            let at = history.then(|| if rng.chance(50) { T - 3_600 } else { T + 3_600 });
            (
                eni,
                FlowQuery {
                    direction,
                    protocol,
                    port,
                    peer,
                    remote: None,
                    at,
                },
            )
        })
        .collect()
}

/// The queries as an analysis asks them: the recording ENI's version at the query's time, and
/// the remote ENI resolved in its VPC at that time.
fn resolved(
    m: &CompiledMatcher,
    inv: &Inventory,
    qs: &[(usize, FlowQuery)],
) -> Vec<(EniIdx, FlowQuery)> {
    qs.iter()
        .map(|(e, q)| {
            let versions = m.eni_versions(&inv.network_interfaces()[*e].id);
            let eni = match q.at {
                Some(t) => m.eni_version_at(versions, t),
                None => versions.last().copied(),
            }
            .expect("known ENI");
            let remote = m.resolve_address(m.eni_vpc(eni), q.peer, q.at).eni();
            (eni, FlowQuery { remote, ..*q })
        })
        .collect()
}

fn bench_network(c: &mut Criterion, name: &str, history: bool) {
    let inv = inventory(0x5eed_0004, history);
    assert_eq!(
        (inv.network_interfaces().len(), inv.security_groups().len()),
        (N_ENIS * if history { 2 } else { 1 }, N_GROUPS)
    );
    assert!(inv.rules().len() > 2_900, "rules: {}", inv.rules().len());
    let m = CompiledMatcher::new(&inv);
    let naive = NaiveMatcher::new(&inv);
    let qs = resolved(&m, &inv, &queries(0x9e5_0004, &inv, N_QUERIES, history));
    let compiled_qs: Vec<(GroupSetIdx, FlowQuery)> =
        qs.iter().map(|(e, q)| (m.eni_group_set(*e), *q)).collect();

    // Expected answers, computed once outside the timed loops.
    let mut out = m.new_matches();
    let (mut expected_matches, mut expected_hits) = (0usize, 0usize);
    for (gs, q) in &compiled_qs {
        m.matching_rules(*gs, q, &mut out);
        expected_matches += out.definite().len() + out.icmp_type_unknown().len();
        expected_hits += usize::from(!out.is_empty());
    }
    let expected_owned = qs.iter().filter(|(_, q)| q.remote.is_some()).count();
    let group_ids = |e: &EniIdx| &inv.network_interfaces()[e.0 as usize].group_ids;
    let mut slow = RuleMatches::new();
    let mut naive_expected = 0usize;
    for (e, q) in qs.iter().take(N_NAIVE_QUERIES) {
        naive.matching_rules(group_ids(e), q, &mut slow);
        naive_expected += slow.definite().len() + slow.icmp_type_unknown().len();
    }
    eprintln!(
        "{name}: {} rules, {} group sets, {} epochs, {} of {} queries allowed, {} matches, {} remotes owned; {} naive matches in the first {}",
        inv.rules().len(),
        m.group_set_count(),
        m.epoch_count(),
        expected_hits,
        N_QUERIES,
        expected_matches,
        expected_owned,
        naive_expected,
        N_NAIVE_QUERIES
    );

    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(N_QUERIES as u64));
    group.bench_function("compiled", |b| {
        let mut out = m.new_matches();
        b.iter(|| {
            let mut n = 0usize;
            for (gs, q) in &compiled_qs {
                m.matching_rules(*gs, black_box(q), &mut out);
                n += out.definite().len() + out.icmp_type_unknown().len();
            }
            assert_eq!(n, expected_matches);
        })
    });
    group.bench_function("compiled-allows", |b| {
        b.iter(|| {
            let n = compiled_qs
                .iter()
                .filter(|(gs, q)| m.allows(*gs, black_box(q)))
                .count();
            assert_eq!(n, expected_hits);
        })
    });
    group.bench_function("resolve", |b| {
        b.iter(|| {
            let n = qs
                .iter()
                .filter(|(e, q)| {
                    m.resolve_address(m.eni_vpc(*e), black_box(q.peer), q.at)
                        .eni()
                        .is_some()
                })
                .count();
            assert_eq!(n, expected_owned);
        })
    });
    group.throughput(Throughput::Elements(N_NAIVE_QUERIES as u64));
    group.sample_size(10);
    group.bench_function("naive", |b| {
        let mut out = RuleMatches::new();
        b.iter(|| {
            let mut n = 0usize;
            for (e, q) in qs.iter().take(N_NAIVE_QUERIES) {
                naive.matching_rules(group_ids(e), black_box(q), &mut out);
                n += out.definite().len() + out.icmp_type_unknown().len();
            }
            assert_eq!(n, naive_expected);
        })
    });
    group.throughput(Throughput::Elements(1));
    group.bench_function("build", |b| {
        b.iter(|| {
            assert_eq!(
                CompiledMatcher::new(black_box(&inv)).eni_count(),
                inv.network_interfaces().len()
            )
        })
    });
    group.finish();
}

fn bench(c: &mut Criterion) {
    bench_network(c, "match/groups-300", false);
    bench_network(c, "match/history-300", true);
}

criterion_group!(benches, bench);
criterion_main!(benches);

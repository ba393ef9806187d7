//! REJECT hotspots: refused connection attempts on their target, grouped, ranked, with the
//! likely cause and, where a rule would fix it, the narrowest rule to add; and the scans.
//!
//! Causes, first that holds:
//! * `nacl` — the refusing ENIs carry no security group (NAT gateway, Transit Gateway
//!   attachment): only a network ACL can refuse there;
//! * `nacl_or_stale_inventory` — the ENIs' groups allow most of the attempts: a network ACL
//!   refused them, or the inventory is not what was deployed (between two ENIs of one subnet no
//!   NACL applies, so it says "stale inventory");
//! * `scan` — every source probed many ports or targets (see [`SCAN_PORTS`]);
//! * `unsolicited_external` — internet sources;
//! * `missing_rule` — private sources no rule allows: a suggestion follows.
//!
//! A suggestion names the narrowest group on each side: on the target, the group carried by
//! every refusing ENI with the fewest other carriers; as the source, the group carried by every
//! source ENI with the fewest other carriers, else the source addresses (at most
//! [`MAX_SOURCE_CIDRS`] prefixes). Scanners' attempts are left out of it.

use std::collections::{BTreeMap, BTreeSet};

use flowsieve_sg::{Addr, Cidr, Direction, EniIdx, Peer};

use super::tally::{HotspotKey, HotspotTally};
use super::{Context, Map};
use crate::accum::{FlowCell, FlowKey};
use crate::report::{LikelyCause, PeerClass, RejectHotspot, Scan, SuggestedRule};

/// A source that was refused on at least this many distinct ports is a port scan.
pub(crate) const SCAN_PORTS: usize = 8;
/// A source refused by at least this many distinct ENIs, on at least two ports, is a sweep.
pub(crate) const SCAN_TARGETS: usize = 16;
/// Source prefixes a suggestion lists at most.
pub(crate) const MAX_SOURCE_CIDRS: usize = 4;

/// What one source did across every hotspot.
#[derive(Default)]
struct SourceActivity {
    ports: BTreeSet<u16>,
    targets: BTreeSet<u32>,
    records: u64,
    first: i64,
    last: i64,
    class: Option<PeerClass>,
}

/// The refused tuples of every hotspot ([`super::tally::Tallies::hotspots`]).
type HotspotTuples<'a> = Map<HotspotKey, Vec<(&'a FlowKey, &'a FlowCell)>>;

/// Every hotspot, ranked, and the scans. Each hotspot is tallied twice, once for what its
/// sources did across hotspots (scans) and once to be reported, and dropped in between, so
/// one hotspot's sources are held at a time.
pub(crate) fn build(
    ctx: &Context<'_>,
    hotspots: HotspotTuples<'_>,
) -> (Vec<RejectHotspot>, Vec<Scan>) {
    let activity = source_activity(ctx, &hotspots);
    let scanners: BTreeSet<u128> = activity
        .iter()
        .filter(|(_, a)| is_scan(a))
        .map(|(&addr, _)| addr)
        .collect();
    let mut out: Vec<RejectHotspot> = hotspots
        .iter()
        .map(|(&key, tuples)| hotspot(ctx, key, &HotspotTally::of(ctx, tuples), &scanners))
        .collect();
    out.sort_by(|a, b| {
        (!a.peer_class.is_private())
            .cmp(&!b.peer_class.is_private())
            .then(b.records.cmp(&a.records))
            .then(b.packets.cmp(&a.packets))
            .then_with(|| a.group_ids.cmp(&b.group_ids))
            .then(a.dst_port.cmp(&b.dst_port))
            .then(a.protocol.cmp(&b.protocol))
            .then(a.peer_class.cmp(&b.peer_class))
    });
    let mut ranks = [0u64; 2];
    for hotspot in &mut out {
        let class = usize::from(!hotspot.peer_class.is_private());
        ranks[class] += 1;
        hotspot.rank = ranks[class];
    }
    (out, scans(ctx, &activity, &scanners))
}

fn source_activity(
    ctx: &Context<'_>,
    hotspots: &HotspotTuples<'_>,
) -> BTreeMap<u128, SourceActivity> {
    let mut activity: BTreeMap<u128, SourceActivity> = BTreeMap::new();
    for ((_, port, _, class), tuples) in hotspots {
        let tally = HotspotTally::of(ctx, tuples);
        for (&source, &records) in tally.sources.iter() {
            let a = activity.entry(source).or_insert_with(|| SourceActivity {
                first: i64::MAX,
                last: i64::MIN,
                ..Default::default()
            });
            if a.ports.len() < SCAN_PORTS.max(64) {
                a.ports.insert(*port);
            }
            if a.targets.len() < SCAN_TARGETS.max(64) {
                a.targets.extend(tally.targets_of(source));
            }
            a.records += records;
            a.first = a.first.min(tally.stats.first);
            a.last = a.last.max(tally.stats.last);
            a.class = Some(*class);
        }
    }
    activity
}

fn is_scan(a: &SourceActivity) -> bool {
    a.ports.len() >= SCAN_PORTS || (a.targets.len() >= SCAN_TARGETS && a.ports.len() >= 2)
}

fn scans(
    ctx: &Context<'_>,
    activity: &BTreeMap<u128, SourceActivity>,
    scanners: &BTreeSet<u128>,
) -> Vec<Scan> {
    let m = ctx.matcher;
    let mut out: Vec<Scan> = scanners
        .iter()
        .filter_map(|addr| {
            let a = activity.get(addr)?;
            Some(Scan {
                source: Addr(*addr).to_string(),
                peer_class: a.class.unwrap_or(PeerClass::External),
                eni_id: m
                    .resolve_address(None, Addr(*addr), None)
                    .eni()
                    .map(|e| m.eni(e).id.clone()),
                ports: a.ports.len() as u64,
                targets: a.targets.len() as u64,
                records: a.records,
                first_seen: (a.first != i64::MAX).then_some(a.first),
                last_seen: (a.last != i64::MIN).then_some(a.last),
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.records
            .cmp(&a.records)
            .then_with(|| a.source.cmp(&b.source))
    });
    out
}

fn hotspot(
    ctx: &Context<'_>,
    (gs, port, protocol, class): HotspotKey,
    tally: &HotspotTally,
    scanners: &BTreeSet<u128>,
) -> RejectHotspot {
    let m = ctx.matcher;
    let group_ids = ctx.set_ids(gs);
    let source_group_ids: Vec<String> = tally
        .source_sets
        .iter()
        .flat_map(|&s| m.group_set_ids(s).iter().cloned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let legit: Vec<u128> = tally
        .sources
        .iter()
        .map(|(&a, _)| a)
        .filter(|a| !scanners.contains(a))
        .collect();
    let (likely_cause, cause_note) = cause(ctx, (gs, port, protocol, class), tally, &legit);
    let suggestion = (likely_cause == LikelyCause::MissingRule)
        .then(|| suggest(ctx, tally, protocol, port, &legit))
        .flatten();
    let cause_note = match (&suggestion, legit.len() < tally.sources.len()) {
        (Some(_), true) => Some(format!(
            "{} scanning source(s) left out of the suggestion",
            tally.sources.len() - legit.len()
        )),
        _ => cause_note,
    };
    RejectHotspot {
        rank: 0,
        group_names: group_ids.iter().map(|g| ctx.group_name(g)).collect(),
        group_ids,
        dst_port: port,
        protocol,
        peer_class: class,
        records: tally.stats.records,
        packets: tally.stats.packets,
        distinct_sources: tally.sources.distinct.count(),
        target_enis: tally.targets.len() as u64,
        first_seen: tally.stats.first_seen(),
        last_seen: tally.stats.last_seen(),
        top_sources: tally.sources.top(ctx.config.top, m),
        source_group_ids,
        allowed_by_rules: tally.allowed,
        likely_cause,
        cause_note,
        suggestion,
    }
}

fn cause(
    ctx: &Context<'_>,
    (gs, port, protocol, class): HotspotKey,
    tally: &HotspotTally,
    legit: &[u128],
) -> (LikelyCause, Option<String>) {
    let m = ctx.matcher;
    if m.group_set_ids(gs).is_empty() {
        return (
            LikelyCause::Nacl,
            Some(
                "the refusing ENIs carry no security group: only a network ACL refuses there"
                    .to_owned(),
            ),
        );
    }
    if tally.allowed * 2 >= tally.stats.records {
        if let Some(note) = nacl_denial(ctx, tally, protocol, port) {
            return (LikelyCause::Nacl, Some(note));
        }
        let same_subnet = tally.sources.iter().all(|(&a, _)| {
            m.resolve_address(None, Addr(a), None)
                .eni()
                .is_some_and(|source| {
                    let subnet = &m.eni(source).subnet_id;
                    subnet.is_some()
                        && tally
                            .targets
                            .iter()
                            .all(|&t| &m.eni(EniIdx(t)).subnet_id == subnet)
                })
        });
        let note = if same_subnet {
            "the groups allow it and source and target share a subnet (no network ACL applies): the inventory is not what was deployed"
        } else {
            "the groups allow it: a network ACL refused it, or the inventory is not what was deployed"
        };
        return (LikelyCause::NaclOrStaleInventory, Some(note.to_owned()));
    }
    // Sources a sketch did not name (tally.sources.approximate) may not be scanners.
    if legit.is_empty() && !tally.sources.approximate {
        return (
            LikelyCause::Scan,
            Some("every source probed many ports or targets".to_owned()),
        );
    }
    if class.is_private() {
        (LikelyCause::MissingRule, None)
    } else {
        (LikelyCause::UnsolicitedExternal, None)
    }
}

/// When the target subnets' network ACLs are loaded: the entry that denies one of the
/// hotspot's attempts inbound (`acl-… rule #N`, or the implicit `*` deny), in words.
fn nacl_denial(ctx: &Context<'_>, tally: &HotspotTally, protocol: u8, port: u16) -> Option<String> {
    let m = ctx.matcher;
    let mut sources: Vec<u128> = tally.sources.iter().map(|(&a, _)| a).collect();
    sources.sort_unstable();
    let mut targets: Vec<u32> = tally.targets.iter().copied().collect();
    targets.sort_unstable();
    for &target in &targets {
        let Some(acl) = m.nacl_of(EniIdx(target)) else {
            continue;
        };
        for &source in &sources {
            let decision = acl.evaluate(Direction::Ingress, protocol, port, Addr(source));
            if decision.allows() {
                continue;
            }
            let entry = decision.entry.map_or_else(
                || "the implicit `*` deny".to_owned(),
                |e| format!("rule #{}", e.rule_number),
            );
            return Some(format!(
                "network ACL {} denies it inbound ({entry}; e.g. from {})",
                acl.id,
                Addr(source)
            ));
        }
    }
    None
}

/// The narrowest rule that lets the legitimate sources in on the refusing ENIs.
fn suggest(
    ctx: &Context<'_>,
    tally: &HotspotTally,
    protocol: u8,
    port: u16,
    sources: &[u128],
) -> Option<SuggestedRule> {
    let m = ctx.matcher;
    let targets: BTreeSet<EniIdx> = tally.targets.iter().map(|&e| EniIdx(e)).collect();
    let (target, target_extra) = narrowest_common_group(ctx, &targets)?;
    let source_enis: Option<BTreeSet<EniIdx>> = sources
        .iter()
        .map(|&a| m.resolve_address(None, Addr(a), None).eni())
        .collect();
    let mut notes = Vec::new();
    if target_extra > 0 {
        notes.push(format!(
            "{target} is also on {target_extra} ENI(s) that did not refuse this traffic: the rule opens the port there too"
        ));
    }
    let peers = match source_enis
        .as_ref()
        .and_then(|enis| narrowest_common_group(ctx, enis))
    {
        Some((group, extra)) => {
            if extra > 0 {
                notes.push(format!(
                    "{group} is also on {extra} ENI(s) that did not send this traffic"
                ));
            }
            vec![group]
        }
        None => {
            notes.push(
                "the sources share no security group: they are given as addresses".to_owned(),
            );
            source_prefixes(sources)
        }
    };
    let what = match protocol {
        6 | 17 => format!("{} {port}", protocol_name(protocol)),
        _ => protocol_name(protocol),
    };
    Some(SuggestedRule {
        text: format!("{what} from {} on {target}", peers.join(", ")),
        group_id: target,
        protocol,
        from_port: port,
        to_port: port,
        peers,
        note: (!notes.is_empty()).then(|| notes.join("; ")),
    })
}

/// Among the groups every ENI of `enis` carries, the one carried by the fewest other ENIs (then
/// the fewest carriers, then the one with inbound rules, then the id), with that count.
fn narrowest_common_group(ctx: &Context<'_>, enis: &BTreeSet<EniIdx>) -> Option<(String, usize)> {
    let m = ctx.matcher;
    let mut common: Option<BTreeSet<&String>> = None;
    for &eni in enis {
        let ids: BTreeSet<&String> = m.eni(eni).group_ids.iter().collect();
        common = Some(match common {
            None => ids,
            Some(c) => c.intersection(&ids).copied().collect(),
        });
    }
    let inventory = ctx.network.inventory();
    common?
        .into_iter()
        .map(|g| {
            let carriers = super::carriers_of(m, g);
            let extra = carriers.iter().filter(|e| !enis.contains(e)).count();
            let has_inbound = inventory.rules_of_group(g).any(|r| {
                r.direction == Direction::Ingress && !matches!(r.peer, Peer::PrefixList { .. })
            });
            ((extra, carriers.len(), !has_inbound, g.clone()), g)
        })
        .min_by(|a, b| a.0.cmp(&b.0))
        .map(|((extra, ..), g)| (g.clone(), extra))
}

/// The source addresses as at most [`MAX_SOURCE_CIDRS`] prefixes: the addresses themselves when
/// few, else the closest addresses merged into their common prefixes (per family).
fn source_prefixes(sources: &[u128]) -> Vec<String> {
    let mut blocks: Vec<Cidr> = sources.iter().map(|&a| Cidr::host(Addr(a))).collect();
    blocks.sort_by_key(|c| (!c.is_ipv4(), c.range().0));
    blocks.dedup();
    while blocks.len() > MAX_SOURCE_CIDRS {
        // Merge the adjacent pair whose common prefix is longest (the least widening).
        let best = (0..blocks.len() - 1)
            .filter(|&i| blocks[i].is_ipv4() == blocks[i + 1].is_ipv4())
            .max_by_key(|&i| {
                (
                    common_prefix(&blocks[i], &blocks[i + 1]),
                    std::cmp::Reverse(i),
                )
            });
        let Some(i) = best else { break };
        let merged = Cidr::new(
            blocks[i].network(),
            common_prefix(&blocks[i], &blocks[i + 1]),
        )
        .unwrap_or(blocks[i]);
        blocks[i] = merged;
        blocks.remove(i + 1);
        // A wider block may now cover its neighbours.
        blocks.dedup_by(|b, a| a.contains(b.network()) && a.range().1 >= b.range().1);
    }
    blocks.iter().map(Cidr::to_string).collect()
}

/// The prefix length (within the family) two blocks share.
fn common_prefix(a: &Cidr, b: &Cidr) -> u8 {
    let family_bits: u32 = if a.is_ipv4() { 96 } else { 0 };
    let same = (a.network().0 ^ b.network().0).leading_zeros();
    let within = same.saturating_sub(family_bits);
    u8::try_from(within)
        .unwrap_or(u8::MAX)
        .min(a.prefix_len())
        .min(b.prefix_len())
}

pub(crate) fn protocol_name(protocol: u8) -> String {
    match protocol {
        6 => "tcp".to_owned(),
        17 => "udp".to_owned(),
        1 => "icmp".to_owned(),
        58 => "icmpv6".to_owned(),
        other => format!("protocol {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> u128 {
        Addr::from_ip(s.parse().unwrap()).0
    }

    #[test]
    fn few_sources_stay_exact_and_many_merge_to_their_common_prefixes() {
        assert_eq!(
            source_prefixes(&[addr("10.200.1.7"), addr("10.200.1.9")]),
            ["10.200.1.7/32", "10.200.1.9/32"]
        );
        let many: Vec<u128> = (1..=6)
            .map(|i| addr(&format!("10.200.1.{i}")))
            .chain([addr("192.168.5.5"), addr("192.168.5.6")])
            .collect();
        let prefixes = source_prefixes(&many);
        assert!(prefixes.len() <= MAX_SOURCE_CIDRS, "{prefixes:?}");
        for a in &many {
            assert!(
                prefixes
                    .iter()
                    .any(|p| p.parse::<Cidr>().unwrap().contains(Addr(*a))),
                "{a} not covered by {prefixes:?}"
            );
        }
        assert!(prefixes.iter().all(|p| !p.ends_with("/0")), "{prefixes:?}");
    }

    #[test]
    fn scans_need_many_ports_or_a_sweep() {
        let mut a = SourceActivity::default();
        a.ports.extend(0..7);
        assert!(!is_scan(&a));
        a.ports.insert(99);
        assert!(is_scan(&a));
        let mut sweep = SourceActivity::default();
        sweep.ports.insert(22);
        sweep.targets.extend(0..40);
        assert!(
            !is_scan(&sweep),
            "one port on many targets is a missing rule, not a scan"
        );
        sweep.ports.insert(23);
        assert!(is_scan(&sweep));
    }
}

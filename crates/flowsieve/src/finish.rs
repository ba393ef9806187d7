//! From the merged [`FlowAccumulator`] to the [`Report`]: every distinct (ENI, direction,
//! action, orientation, protocol, port, peer) tuple is matched against the declared rules once,
//! and rule usage, REJECT hotspots, reachability and the side findings are derived from it.
//!
//! Every output list is sorted on a total order, so the report is identical for any thread
//! count and file order.

use std::collections::{BTreeMap, BTreeSet};

use foldhash::fast::FixedState;
use hashbrown::HashMap;

use flowsieve_sg::{
    Addr, CompiledMatcher, Direction, EniIdx, FlowQuery, GroupSetIdx, Peer, PortSpec, RuleIdx,
};

use crate::accum::{Action, FlowAccumulator, FlowStats};
use crate::config::AnalysisConfig;
use crate::distinct::DistinctCounter;
use crate::network::Network;
use crate::orient::{Evidence, Orientation};
use crate::report::{
    Coverage, DeclaredEdge, FileError, FlowGroup, InventoryFinding, LineSample, OrientationCount,
    PeerCount, PortCount, Reachability, ReachabilityEdge, RejectHotspot, Report, RuleHits,
    RuleStatusCounts, Summary, Unattributed, UnknownEni, UnusableLog,
};

type Map<K, V> = HashMap<K, V, FixedState>;

fn map<K, V>() -> Map<K, V> {
    HashMap::with_hasher(FixedState::with_seed(0xf1))
}

/// Records per remote address, with a distinct count; the top entries become `top_peers`.
#[derive(Debug, Default)]
struct PeerTally {
    distinct: DistinctCounter,
    records: Map<u128, u64>,
}

impl PeerTally {
    fn add(&mut self, peer: u128, records: u64) {
        self.distinct.insert(peer);
        *self.records.entry(peer).or_insert(0) += records;
    }

    fn top(&self, n: usize, matcher: &CompiledMatcher) -> Vec<PeerCount> {
        let mut all: Vec<(u128, u64)> = self.records.iter().map(|(&p, &r)| (p, r)).collect();
        all.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        all.into_iter()
            .take(n)
            .map(|(peer, records)| PeerCount {
                peer: Addr(peer).to_string(),
                eni_id: matcher
                    .eni_by_address(Addr(peer))
                    .map(|e| matcher.eni(e).id.clone()),
                records,
            })
            .collect()
    }
}

#[derive(Debug, Default)]
struct RuleTally {
    stats: FlowStats,
    possible: u64,
    narrowest: u64,
    peers: PeerTally,
    ports: BTreeMap<u16, u64>,
}

#[derive(Debug, Default)]
struct GroupTally {
    stats: FlowStats,
    peers: PeerTally,
}

#[derive(Debug, Default)]
struct HotspotTally {
    stats: FlowStats,
    sources: PeerTally,
    targets: BTreeSet<u32>,
    source_sets: BTreeSet<GroupSetIdx>,
    allowed: u64,
}

/// Where an edge starts or ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum EdgeEnd {
    Groups(GroupSetIdx),
    InternalUnknown,
    External,
}

type GroupKey = (GroupSetIdx, Direction, u8, u16, bool);

pub(crate) fn build_report(
    acc: FlowAccumulator,
    network: &Network,
    config: &AnalysisConfig,
    files_listed: u64,
    files_pruned: u64,
) -> Report {
    let m = network.matcher();
    let inventory = network.inventory();
    let top = config.top;
    let mut rules: Vec<RuleTally> = (0..m.rule_count()).map(|_| RuleTally::default()).collect();
    let mut unallowed: Map<GroupKey, GroupTally> = map();
    let mut responses: Map<GroupKey, GroupTally> = map();
    let mut egress_rejects: Map<GroupKey, GroupTally> = map();
    let mut hotspots: Map<(GroupSetIdx, u16, u8, bool), HotspotTally> = map();
    let mut edges: Map<(EdgeEnd, EdgeEnd, u8, u16), (FlowStats, DistinctCounter)> = map();
    let mut scratch = m.new_matches();
    let logged = |eni: EniIdx| acc.eni_lines.get(eni.0 as usize).is_some_and(|l| l.any());

    // Every tally below is a sum, min/max or set union, so the (arbitrary) iteration order of
    // the table does not change the result; every list is sorted before it is reported.
    for (key, stats) in &acc.flows {
        let eni = EniIdx(key.eni);
        let gs = m.eni_group_set(eni);
        let peer = Addr(key.peer);
        let internal = m.is_internal(peer);
        let query = FlowQuery {
            direction: key.direction,
            protocol: key.protocol,
            port: key.port,
            peer,
        };
        let group_key = (gs, key.direction, key.protocol, key.port, internal);
        match (key.orientation, key.action, key.direction) {
            (Orientation::Forward, Action::Accept, direction) => {
                m.matching_rules(gs, &query, &mut scratch);
                for &rule in scratch.definite() {
                    let tally = &mut rules[rule.0 as usize];
                    tally.stats.merge(stats);
                    tally.peers.add(key.peer, stats.records);
                    *tally.ports.entry(key.port).or_insert(0) += stats.records;
                }
                if let Some(narrowest) = scratch.narrowest() {
                    rules[narrowest.0 as usize].narrowest += stats.records;
                }
                for &rule in scratch.icmp_type_unknown() {
                    rules[rule.0 as usize].possible += stats.records;
                }
                // ENIs without groups (NAT gateways, transit gateway attachments) are not
                // filtered by security groups; ICMP type-specific matches are "possible".
                let governed = !m.group_set_ids(gs).is_empty();
                if governed && scratch.is_empty() && scratch.icmp_type_unknown().is_empty() {
                    let tally = unallowed.entry(group_key).or_default();
                    tally.stats.merge(stats);
                    tally.peers.add(key.peer, stats.records);
                }
                let peer_end = match m.eni_by_address(peer) {
                    Some(p) => Some((p, EdgeEnd::Groups(m.eni_group_set(p)))),
                    None if internal => None.or(Some((eni, EdgeEnd::InternalUnknown))),
                    None => Some((eni, EdgeEnd::External)),
                };
                let edge = match (direction, peer_end) {
                    (Direction::Ingress, Some((_, end))) => {
                        Some((end, EdgeEnd::Groups(gs), key.peer))
                    }
                    (Direction::Egress, Some((p, end @ EdgeEnd::Groups(_)))) if !logged(p) => {
                        Some((EdgeEnd::Groups(gs), end, u128::from(key.eni)))
                    }
                    (
                        Direction::Egress,
                        Some((_, end @ (EdgeEnd::External | EdgeEnd::InternalUnknown))),
                    ) => Some((EdgeEnd::Groups(gs), end, u128::from(key.eni))),
                    _ => None,
                };
                // Transit ENIs without groups (NAT gateways) relay traffic the endpoints' own
                // ENIs record: leave them out of the group map.
                if let Some((from, to, initiator)) = edge.filter(|_| governed) {
                    let entry = edges.entry((from, to, key.protocol, key.port)).or_default();
                    entry.0.merge(stats);
                    entry.1.insert(initiator);
                }
            }
            (Orientation::Forward, Action::Reject, Direction::Ingress) => {
                let tally = hotspots
                    .entry((gs, key.port, key.protocol, internal))
                    .or_default();
                tally.stats.merge(stats);
                tally.sources.add(key.peer, stats.records);
                tally.targets.insert(key.eni);
                if let Some(source) = m.eni_by_address(peer) {
                    tally.source_sets.insert(m.eni_group_set(source));
                }
                if m.allows(gs, &query) {
                    tally.allowed += stats.records;
                }
            }
            (Orientation::Forward, Action::Reject, Direction::Egress) => {
                let tally = egress_rejects.entry(group_key).or_default();
                tally.stats.merge(stats);
                tally.peers.add(key.peer, stats.records);
            }
            (Orientation::Reverse, Action::Reject, _) => {
                let tally = responses.entry(group_key).or_default();
                tally.stats.merge(stats);
                tally.peers.add(key.peer, stats.records);
            }
            (Orientation::Reverse, Action::Accept, _) => {}
        }
    }

    let has_flags = acc.evidence[Evidence::TcpFlags.index()].iter().sum::<u64>() > 0;
    let group_name = |id: &str| {
        inventory
            .group(id)
            .map(|g| g.name.clone())
            .unwrap_or_default()
    };
    let set_ids = |gs: GroupSetIdx| m.group_set_ids(gs).to_vec();

    // Rules.
    let mut status_counts = RuleStatusCounts::default();
    let mut rule_hits = Vec::with_capacity(rules.len());
    for (i, tally) in rules.iter().enumerate() {
        let idx = RuleIdx(i as u32);
        let rule = m.rule(idx);
        let carriers = m.enis_with_group(&rule.group_id);
        let coverage = Coverage {
            enis: carriers.len() as u64,
            enis_in_logs: carriers.iter().filter(|&&e| logged(e)).count() as u64,
            enis_with_skipdata: carriers
                .iter()
                .filter(|&&e| {
                    acc.eni_lines
                        .get(e.0 as usize)
                        .is_some_and(|l| l.skipdata > 0)
                })
                .count() as u64,
        };
        let icmp_specific = matches!(
            rule.ports,
            PortSpec::Icmp {
                icmp_type: Some(_),
                ..
            }
        );
        let (status, reason) = if tally.stats.records > 0 {
            ("used", None)
        } else if !m.peer_resolved(idx) {
            ("unknown", Some("unresolved_peer"))
        } else if icmp_specific {
            ("unknown", Some("icmp_type_not_logged"))
        } else if coverage.enis_in_logs == 0 {
            ("unknown", Some("no_logs_for_group"))
        } else {
            ("unused", None)
        };
        match status {
            "used" => status_counts.used += 1,
            "unused" => status_counts.unused += 1,
            _ => status_counts.unknown += 1,
        }
        let mut ports: Vec<PortCount> = tally
            .ports
            .iter()
            .map(|(&port, &records)| PortCount { port, records })
            .collect();
        ports.sort_by(|a, b| b.records.cmp(&a.records).then(a.port.cmp(&b.port)));
        ports.truncate(top);
        let mut sources: Vec<String> = rule
            .sources
            .iter()
            .map(|s| s.file.display().to_string())
            .collect();
        sources.sort();
        sources.dedup();
        rule_hits.push(RuleHits {
            rule_id: rule.id.as_str().to_owned(),
            group_id: rule.group_id.clone(),
            group_name: group_name(&rule.group_id),
            direction: rule.direction.as_str().to_owned(),
            protocol: rule.protocol.iana(),
            from_port: rule.from_port(),
            to_port: rule.to_port(),
            peer: rule.peer_string(),
            description: rule.description.clone(),
            status: status.to_owned(),
            reason: reason.map(str::to_owned),
            records: tally.stats.records,
            packets: tally.stats.packets,
            bytes: tally.stats.bytes,
            connections: has_flags.then_some(tally.stats.syn),
            possible_records: tally.possible,
            first_seen: tally.stats.first_seen(),
            last_seen: tally.stats.last_seen(),
            distinct_peers: tally.peers.distinct.count(),
            narrowest_records: tally.narrowest,
            top_peers: tally.peers.top(top, m),
            top_ports: ports,
            coverage,
            sources,
        });
    }
    rule_hits.sort_by(|a, b| a.rule_id.cmp(&b.rule_id));

    // REJECT hotspots.
    let mut reject_hotspots: Vec<RejectHotspot> = hotspots
        .into_iter()
        .map(|((gs, port, protocol, internal), tally)| {
            let group_ids = set_ids(gs);
            let source_group_ids: Vec<String> = tally
                .source_sets
                .iter()
                .flat_map(|&s| m.group_set_ids(s).iter().cloned())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let likely_cause = if tally.allowed * 2 >= tally.stats.records {
                "nacl_or_stale_inventory"
            } else if internal {
                "missing_rule"
            } else {
                "unsolicited_external"
            };
            let suggestion = (likely_cause == "missing_rule")
                .then(|| suggest_rule(network, gs, &tally, protocol, port));
            RejectHotspot {
                rank: 0,
                group_names: group_ids.iter().map(|g| group_name(g)).collect(),
                group_ids,
                dst_port: port,
                protocol,
                peer_class: class(internal).to_owned(),
                records: tally.stats.records,
                packets: tally.stats.packets,
                distinct_sources: tally.sources.distinct.count(),
                target_enis: tally.targets.len() as u64,
                first_seen: tally.stats.first_seen(),
                last_seen: tally.stats.last_seen(),
                top_sources: tally.sources.top(top, m),
                source_group_ids,
                allowed_by_rules: tally.allowed,
                likely_cause: likely_cause.to_owned(),
                suggestion,
            }
        })
        .collect();
    reject_hotspots.sort_by(|a, b| {
        b.records
            .cmp(&a.records)
            .then(b.packets.cmp(&a.packets))
            .then_with(|| a.group_ids.cmp(&b.group_ids))
            .then(a.dst_port.cmp(&b.dst_port))
            .then(a.protocol.cmp(&b.protocol))
            .then_with(|| a.peer_class.cmp(&b.peer_class))
    });
    for (i, hotspot) in reject_hotspots.iter_mut().enumerate() {
        hotspot.rank = i as u64 + 1;
    }

    // Reachability.
    let end_ids = |end: EdgeEnd| match end {
        EdgeEnd::Groups(gs) => set_ids(gs),
        EdgeEnd::InternalUnknown => vec!["internal-unknown".to_owned()],
        EdgeEnd::External => vec!["external".to_owned()],
    };
    let mut observed: Vec<ReachabilityEdge> = edges
        .into_iter()
        .map(
            |((from, to, protocol, port), (stats, peers))| ReachabilityEdge {
                source: end_ids(from),
                target: end_ids(to),
                protocol,
                port,
                records: stats.records,
                bytes: stats.bytes,
                distinct_peers: peers.count(),
            },
        )
        .collect();
    observed.sort_by(|a, b| {
        b.records
            .cmp(&a.records)
            .then_with(|| a.source.cmp(&b.source))
            .then_with(|| a.target.cmp(&b.target))
            .then(a.protocol.cmp(&b.protocol))
            .then(a.port.cmp(&b.port))
    });
    let mut declared_unused: Vec<DeclaredEdge> = rule_hits
        .iter()
        .zip(0..)
        .filter(|(hits, _)| hits.status != "used")
        .filter_map(|(hits, _)| {
            let (_, rule) = inventory.rule_by_id(&hits.rule_id)?;
            let Peer::Group { group_id, .. } = &rule.peer else {
                return None;
            };
            let (source, target) = match rule.direction {
                Direction::Ingress => (group_id.clone(), rule.group_id.clone()),
                Direction::Egress => (rule.group_id.clone(), group_id.clone()),
            };
            Some(DeclaredEdge {
                rule_id: hits.rule_id.clone(),
                source,
                target,
                protocol: hits.protocol,
                from_port: hits.from_port,
                to_port: hits.to_port,
                status: hits.status.clone(),
            })
        })
        .collect();
    declared_unused.sort_by(|a, b| a.rule_id.cmp(&b.rule_id));

    let flow_groups = |groups: Map<GroupKey, GroupTally>| {
        let mut out: Vec<FlowGroup> = groups
            .into_iter()
            .map(
                |((gs, direction, protocol, port, internal), tally)| FlowGroup {
                    group_ids: set_ids(gs),
                    direction: direction.as_str().to_owned(),
                    protocol,
                    port,
                    peer_class: class(internal).to_owned(),
                    records: tally.stats.records,
                    packets: tally.stats.packets,
                    bytes: tally.stats.bytes,
                    distinct_peers: tally.peers.distinct.count(),
                    first_seen: tally.stats.first_seen(),
                    last_seen: tally.stats.last_seen(),
                    top_peers: tally.peers.top(top, m),
                },
            )
            .collect();
        out.sort_by(|a, b| {
            b.records
                .cmp(&a.records)
                .then_with(|| a.group_ids.cmp(&b.group_ids))
                .then_with(|| a.direction.cmp(&b.direction))
                .then(a.protocol.cmp(&b.protocol))
                .then(a.port.cmp(&b.port))
                .then_with(|| a.peer_class.cmp(&b.peer_class))
        });
        out
    };

    let mut unknown_enis: Vec<UnknownEni> = acc
        .unknown_enis
        .iter()
        .map(|(id, (lines, stats))| UnknownEni {
            eni_id: id.clone(),
            records: lines.ok,
            nodata: lines.nodata,
            skipdata: lines.skipdata,
            bytes: stats.bytes,
            first_seen: stats.first_seen(),
            last_seen: stats.last_seen(),
        })
        .collect();
    unknown_enis.sort_by(|a, b| {
        b.records
            .cmp(&a.records)
            .then_with(|| a.eni_id.cmp(&b.eni_id))
    });

    let summary = summarize(&acc, config, files_listed, files_pruned, status_counts);
    Report {
        schema_version: crate::report::REPORT_SCHEMA_VERSION,
        tool: format!("flowsieve {}", env!("CARGO_PKG_VERSION")),
        summary,
        rules: rule_hits,
        reject_hotspots,
        reachability: Reachability {
            observed,
            declared_unused,
        },
        unallowed_accepts: flow_groups(unallowed),
        rejected_responses: flow_groups(responses),
        egress_rejects: flow_groups(egress_rejects),
        unknown_enis,
        inventory_findings: inventory
            .findings()
            .iter()
            .map(|f| InventoryFinding {
                severity: f.severity.as_str().to_owned(),
                code: f.code.as_str().to_owned(),
                message: f.message.clone(),
            })
            .collect(),
    }
}

fn class(internal: bool) -> &'static str {
    if internal { "internal" } else { "external" }
}

fn protocol_name(protocol: u8) -> String {
    match protocol {
        6 => "tcp".to_owned(),
        17 => "udp".to_owned(),
        1 => "icmp".to_owned(),
        58 => "icmpv6".to_owned(),
        other => format!("protocol {other}"),
    }
}

/// The rule that would let an internal hotspot's traffic in: the source as a group when the
/// source ENIs share one (else the busiest source address), on the target group that already
/// admits traffic from those sources (else the target set's first group).
fn suggest_rule(
    network: &Network,
    gs: GroupSetIdx,
    tally: &HotspotTally,
    protocol: u8,
    port: u16,
) -> String {
    let m = network.matcher();
    let inventory = network.inventory();
    let targets = m.group_set_ids(gs);
    let mut common: Option<BTreeSet<&String>> = None;
    for &set in &tally.source_sets {
        let ids: BTreeSet<&String> = m.group_set_ids(set).iter().collect();
        common = Some(match common {
            None => ids,
            Some(c) => c.intersection(&ids).copied().collect(),
        });
    }
    let referenced_by_target = |group: &str| {
        targets.iter().any(|t| {
            inventory.rules_of_group(t).any(|r| {
                r.direction == Direction::Ingress
                    && matches!(&r.peer, Peer::Group { group_id, .. } if group_id == group)
            })
        })
    };
    let source = common
        .filter(|c| !c.is_empty())
        .map(|c| {
            c.iter()
                .find(|g| referenced_by_target(g))
                .copied()
                .or(c.iter().next().copied())
                .cloned()
                .unwrap_or_default()
        })
        .unwrap_or_else(|| {
            tally
                .sources
                .top(1, m)
                .first()
                .map(|p| format!("{}/{}", p.peer, if p.peer.contains(':') { 128 } else { 32 }))
                .unwrap_or_default()
        });
    let target = targets
        .iter()
        .find(|t| {
            inventory.rules_of_group(t).any(|r| {
                r.direction == Direction::Ingress
                    && matches!(&r.peer, Peer::Group { group_id, .. } if *group_id == source)
            })
        })
        .or_else(|| {
            targets.iter().find(|t| {
                inventory
                    .rules_of_group(t)
                    .any(|r| r.direction == Direction::Ingress)
            })
        })
        .or(targets.first())
        .cloned()
        .unwrap_or_default();
    let what = if protocol == 6 || protocol == 17 {
        format!("{} {port}", protocol_name(protocol))
    } else {
        protocol_name(protocol)
    };
    format!("{what} from {source} on {target}")
}

fn summarize(
    acc: &FlowAccumulator,
    config: &AnalysisConfig,
    files_listed: u64,
    files_pruned: u64,
    rule_status: RuleStatusCounts,
) -> Summary {
    let lines = &acc.lines;
    let mut samples: Vec<LineSample> = lines
        .samples
        .iter()
        .map(|s| LineSample {
            file: s.source.to_string(),
            line: s.line,
            byte_offset: s.byte_offset,
            field: s.field.clone(),
            text: s.text.clone(),
            reason: s.kind.as_str().to_owned(),
        })
        .collect();
    samples.sort_by(|a, b| a.file.cmp(&b.file).then(a.line.cmp(&b.line)));
    let mut kept: BTreeMap<String, usize> = BTreeMap::new();
    samples.retain(|s| {
        let n = kept.entry(s.reason.clone()).or_insert(0);
        *n += 1;
        *n <= config.sample_limit
    });
    let mut file_errors: Vec<FileError> = acc
        .file_errors
        .iter()
        .map(|(file, error)| FileError {
            file: file.clone(),
            error: error.clone(),
        })
        .collect();
    file_errors.sort_by(|a, b| a.file.cmp(&b.file));
    let unattributed = Unattributed {
        no_interface: acc.unattributed.no_interface,
        direction_unknown: acc.unattributed.direction_unknown,
        incomplete: acc.unattributed.incomplete,
        outside_window: acc.unattributed.outside_window,
        unusable_format: acc.unattributed.unusable_format,
    };
    let mut unusable_logs: Vec<UnusableLog> = acc
        .unusable_logs
        .iter()
        .map(|(file, missing, records)| UnusableLog {
            file: file.clone(),
            missing_fields: missing.iter().map(|f| f.aws_name().to_owned()).collect(),
            records: *records,
        })
        .collect();
    unusable_logs.sort_by(|a, b| a.file.cmp(&b.file));
    let orientation: Vec<OrientationCount> = Evidence::ALL
        .iter()
        .map(|e| OrientationCount {
            evidence: e.as_str().to_owned(),
            forward: acc.evidence[e.index()][0],
            reverse: acc.evidence[e.index()][1],
        })
        .collect();
    let attributed = orientation.iter().map(|o| o.forward + o.reverse).sum();
    Summary {
        files: acc.files,
        files_listed,
        files_pruned,
        bytes: acc.bytes_read,
        records: lines.records,
        nodata: lines.nodata,
        skipdata: lines.skipdata,
        malformed: lines.malformed,
        header: lines.header,
        blank: lines.blank,
        malformed_by_reason: lines
            .malformed_reasons()
            .map(|(r, n)| (r.to_owned(), n))
            .collect(),
        samples,
        file_errors,
        unusable_logs,
        window_start: acc.window.first_seen(),
        window_end: acc.window.last_seen(),
        since: config.since,
        until: config.until,
        attributed_records: attributed,
        unknown_eni_records: acc.unknown_enis.values().map(|(l, _)| l.ok).sum(),
        unattributed,
        orientation,
        rule_status,
        distinct_tuples: acc.flows.len() as u64,
    }
}

//! The one pass over the accumulated table: every distinct tuple is matched against the
//! declared rules once, and its counts go to the tallies of the report's sections.
//!
//! Every tally is a sum, a min/max or a set union, so the (arbitrary) iteration order of the
//! table does not change the result.

use std::collections::{BTreeMap, BTreeSet};

use flowsieve_sg::{Addr, AddressOwner, Direction, EniIdx, FlowQuery, GroupSetIdx, Peer, RuleIdx};

use super::{Context, Map, PeerTally, map};
use crate::accum::{
    Action, FlowCell, FlowKey, FlowStats, REMOTE_AMBIGUOUS, REMOTE_LATER, REMOTE_NOBODY,
};
use crate::distinct::DistinctCounter;
use crate::orient::Orientation;
use crate::peers::PeerSketch;
use crate::report::{PeerClass, Reason};

/// Usage of one rule.
#[derive(Debug, Default)]
pub(crate) struct RuleTally {
    pub(crate) stats: FlowStats,
    /// Records that could have used the rule, by [`Reason`] index.
    pub(crate) possible: [u64; Reason::COUNT],
    pub(crate) narrowest: u64,
    pub(crate) peers: PeerTally,
    pub(crate) ports: BTreeMap<u16, u64>,
}

/// Records of one group set, direction, protocol, port and peer class.
#[derive(Debug, Default)]
pub(crate) struct GroupTally {
    pub(crate) stats: FlowStats,
    pub(crate) peers: PeerTally,
}

/// Refused attempts on one target group set, port, protocol and peer class.
#[derive(Debug, Default)]
pub(crate) struct HotspotTally {
    pub(crate) stats: FlowStats,
    pub(crate) sources: PeerTally,
    pub(crate) targets: BTreeSet<u32>,
    /// Per source: the ENIs that refused it (at most 64 kept per source).
    source_targets: BTreeMap<u128, BTreeSet<u32>>,
    pub(crate) source_sets: BTreeSet<GroupSetIdx>,
    pub(crate) allowed: u64,
}

impl HotspotTally {
    /// The tally of one hotspot's tuples (in the order given: [`Tallies::hotspots`]).
    pub(crate) fn of(ctx: &Context<'_>, tuples: &[(&FlowKey, &FlowCell)]) -> HotspotTally {
        let mut tally = HotspotTally::default();
        for &(key, cell) in tuples {
            tally.add(
                ctx,
                &Tuple::new(ctx, key, cell.peers.as_deref()),
                &cell.stats,
            );
        }
        tally
    }

    /// Adds a refused attempt.
    fn add(&mut self, ctx: &Context<'_>, t: &Tuple<'_>, stats: &FlowStats) {
        let m = ctx.matcher;
        self.stats.merge(stats);
        self.sources.add_tuple(t, stats.records);
        self.targets.insert(t.key.eni);
        let single = [(t.key.peer, 0)];
        let sources = match &t.internet {
            Some(internet) => &internet.peers[..],
            None => &single[..],
        };
        for &(source, _) in sources {
            let targets = self.source_targets.entry(source).or_default();
            if targets.len() < 64 {
                targets.insert(t.key.eni);
            }
        }
        if let Some(source) = t.remote_eni {
            self.source_sets.insert(m.eni_group_set(source));
        }
        if m.allows(t.gs, &t.query) {
            self.allowed += stats.records;
        }
    }

    /// The ENIs that refused `source`.
    pub(crate) fn targets_of(&self, source: u128) -> impl Iterator<Item = u32> + '_ {
        self.source_targets
            .get(&source)
            .into_iter()
            .flatten()
            .copied()
    }
}

/// Where a reachability edge starts or ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum EdgeEnd {
    Groups(GroupSetIdx),
    InternalUnknown,
    External,
}

/// (group set, direction, protocol, port, peer class).
pub(crate) type GroupKey = (GroupSetIdx, Direction, u8, u16, PeerClass);
/// (target group set, port, protocol, peer class).
pub(crate) type HotspotKey = (GroupSetIdx, u16, u8, PeerClass);
/// (from, to, protocol, port).
pub(crate) type EdgeKey = (EdgeEnd, EdgeEnd, u8, u16);

/// Everything the sections are built from.
pub(crate) struct Tallies<'a> {
    /// Indexed by rule index.
    pub(crate) rules: Vec<RuleTally>,
    pub(crate) unallowed: Map<GroupKey, GroupTally>,
    pub(crate) responses: Map<GroupKey, GroupTally>,
    pub(crate) egress_rejects: Map<GroupKey, GroupTally>,
    /// Initiating ACCEPTs no rule definitely allows but some rule could have (a group with
    /// members missing, a Network Load Balancer forwarding client addresses, an unresolved
    /// peer), with those rules.
    pub(crate) possibly_allowed: Map<GroupKey, (GroupTally, BTreeSet<RuleIdx>)>,
    /// Refused attempts: each hotspot's tuples, in the table's order. A hotspot's sources are
    /// tallied when it is built ([`HotspotTally::of`]), one hotspot at a time: tallied all at
    /// once, every refused tuple's addresses (up to 1,024 each) were held together, the largest
    /// allocation of the report's construction.
    pub(crate) hotspots: Map<HotspotKey, Vec<(&'a FlowKey, &'a FlowCell)>>,
    pub(crate) edges: Map<EdgeKey, (FlowStats, DistinctCounter)>,
    /// ICMP records whose orientation was settled by pairing, `[forward, reverse]`.
    pub(crate) icmp_paired: [u64; 2],
}

impl<'a> Tallies<'a> {
    pub(crate) fn collect(ctx: &Context<'a>) -> Tallies<'a> {
        let m = ctx.matcher;
        let mut tallies = Tallies {
            rules: (0..m.rule_count()).map(|_| RuleTally::default()).collect(),
            unallowed: map(),
            responses: map(),
            egress_rejects: map(),
            possibly_allowed: map(),
            hotspots: map(),
            edges: map(),
            icmp_paired: [0; 2],
        };
        let icmp = IcmpPairs::new(ctx);
        let mut scratch = m.new_matches();
        for (key, cell) in &ctx.acc.flows {
            let stats = &cell.stats;
            let tuple = || Tuple::new(ctx, key, cell.peers.as_deref());
            let (orientation, firm) = match icmp.decide(ctx, key) {
                Some(decided) => {
                    if decided.1 {
                        tallies.icmp_paired[decided.0 as usize] += stats.records;
                    }
                    decided
                }
                None => (key.orientation, !key.weak),
            };
            match (orientation, key.action, key.direction) {
                (Orientation::Forward, Action::Accept, _) if firm => {
                    tallies.forward_accept(ctx, &tuple(), stats, &mut scratch)
                }
                (Orientation::Forward, Action::Accept, _) => {
                    let tuple = tuple();
                    tallies.possible_forward(ctx, &tuple, tuple.query, stats, &mut scratch)
                }
                (Orientation::Reverse, Action::Accept, _) if !firm => {
                    // Were the guess wrong, this record would be initiating traffic to the
                    // other port (the alternative port class stands for it).
                    let tuple = tuple();
                    let mut query = tuple.query;
                    query.port = ctx.network.port_class_start(key.protocol, key.alt_class);
                    tallies.possible_forward(ctx, &tuple, query, stats, &mut scratch)
                }
                (Orientation::Forward, Action::Reject, Direction::Ingress) => {
                    let (gs, class) = Tuple::groups_and_class(ctx, key);
                    tallies
                        .hotspots
                        .entry((gs, key.port, key.protocol, class))
                        .or_default()
                        .push((key, cell));
                }
                (Orientation::Forward, Action::Reject, Direction::Egress) => {
                    group_tally(&mut tallies.egress_rejects, &tuple(), stats)
                }
                (Orientation::Reverse, Action::Reject, _) => {
                    group_tally(&mut tallies.responses, &tuple(), stats)
                }
                (Orientation::Reverse, Action::Accept, _) => {}
            }
        }
        tallies.unknown_eni_traffic(ctx);
        tallies
    }

    /// Records of ENIs missing from the inventory: their groups are unknown, so any rule of any
    /// group that would allow the record as initiating traffic could have been used by it.
    fn unknown_eni_traffic(&mut self, ctx: &Context<'_>) {
        let m = ctx.matcher;
        // Distinct questions first: (direction, protocol, port, remote) → records.
        let mut questions: Map<(Direction, u8, u16, u128), u64> = map();
        for (key, &records) in &ctx.acc.unknown_flows {
            if key.action != Action::Accept {
                continue;
            }
            let port = ctx
                .network
                .port_class_start(key.protocol, key.dst_port_class);
            let directions: &[Direction] = match key.direction {
                Some(Direction::Ingress) => &[Direction::Ingress],
                Some(Direction::Egress) => &[Direction::Egress],
                None => &[Direction::Ingress, Direction::Egress],
            };
            for &direction in directions {
                let (remote, local) = match direction {
                    Direction::Ingress => (key.src, key.dst),
                    Direction::Egress => (key.dst, key.src),
                };
                // Without `flow-direction`, the unknown ENI's own address is one of the two; an
                // address a known ENI holds (for all time) is not it, which settles direction.
                if key.direction.is_none()
                    && !m.address_is_volatile(Addr(local))
                    && m.resolve_address(None, Addr(local), None)
                        != flowsieve_sg::AddressOwner::Nobody
                {
                    continue;
                }
                *questions
                    .entry((direction, key.protocol, port, remote))
                    .or_insert(0) += records;
            }
        }
        if questions.is_empty() {
            return;
        }
        let reason = Reason::UnknownEniTraffic.index();
        for ((direction, protocol, port, remote), records) in questions {
            let remote_eni = m.resolve_address(None, Addr(remote), None).eni();
            let internal = m.peer_class(None, Addr(remote)) == flowsieve_sg::PeerClass::Internal;
            for i in 0..m.rule_count() {
                let rule = m.rule(flowsieve_sg::RuleIdx(i as u32));
                if rule.direction == direction
                    && allows_protocol_port(rule, protocol, port)
                    && peer_could_contain(ctx, &rule.peer, remote, remote_eni, internal)
                {
                    self.rules[i].possible[reason] += records;
                }
            }
        }
    }

    /// A record that may be initiating traffic (its orientation is a guess, or an ICMP
    /// exchange could not be paired): every rule that would allow it gets a possible credit.
    fn possible_forward(
        &mut self,
        ctx: &Context<'_>,
        t: &Tuple<'_>,
        query: FlowQuery,
        stats: &FlowStats,
        scratch: &mut flowsieve_sg::RuleMatches,
    ) {
        ctx.matcher.matching_rules(t.gs, &query, scratch);
        let reason = Reason::WeakOrientation.index();
        for &rule in scratch.definite() {
            self.rules[rule.0 as usize].possible[reason] += stats.records;
        }
        for &rule in scratch.icmp_type_unknown() {
            self.rules[rule.0 as usize].possible[Reason::IcmpTypeNotLogged.index()] +=
                stats.records;
        }
        for (rule, reason) in possible_rules(ctx, t, query.port) {
            self.rules[rule.0 as usize].possible[reason.index()] += stats.records;
        }
    }

    fn forward_accept(
        &mut self,
        ctx: &Context<'_>,
        t: &Tuple<'_>,
        stats: &FlowStats,
        scratch: &mut flowsieve_sg::RuleMatches,
    ) {
        let m = ctx.matcher;
        m.matching_rules(t.gs, &t.query, scratch);
        for &rule in scratch.definite() {
            let tally = &mut self.rules[rule.0 as usize];
            tally.stats.merge(stats);
            tally.peers.add_tuple(t, stats.records);
            *tally.ports.entry(t.key.port).or_insert(0) += stats.records;
        }
        if let Some(narrowest) = scratch.narrowest() {
            self.rules[narrowest.0 as usize].narrowest += stats.records;
        }
        for &rule in scratch.icmp_type_unknown() {
            self.rules[rule.0 as usize].possible[Reason::IcmpTypeNotLogged.index()] +=
                stats.records;
        }
        let forwarded = nlb_forwarded_rules(ctx, t);
        for &rule in &forwarded {
            let tally = &mut self.rules[rule.0 as usize];
            tally.stats.merge(stats);
            tally.peers.add_tuple(t, stats.records);
            *tally.ports.entry(t.key.port).or_insert(0) += stats.records;
        }
        let possible: Vec<(RuleIdx, Reason)> = possible_rules(ctx, t, t.key.port)
            .into_iter()
            .filter(|(rule, _)| !forwarded.contains(rule))
            .collect();
        for &(rule, reason) in &possible {
            self.rules[rule.0 as usize].possible[reason.index()] += stats.records;
        }
        // ENIs without groups (NAT gateways, transit gateway attachments) are not filtered by
        // security groups; ICMP type-specific matches are "possible".
        let governed = !m.group_set_ids(t.gs).is_empty();
        if governed
            && scratch.is_empty()
            && scratch.icmp_type_unknown().is_empty()
            && forwarded.is_empty()
        {
            if possible.is_empty() {
                group_tally(&mut self.unallowed, t, stats);
            } else {
                let key = (t.gs, t.key.direction, t.key.protocol, t.key.port, t.class);
                let (tally, rules) = self.possibly_allowed.entry(key).or_default();
                tally.stats.merge(stats);
                tally.peers.add_tuple(t, stats.records);
                rules.extend(possible.iter().map(|&(r, _)| r));
            }
        }
        // Transit ENIs without groups (NAT gateways) relay traffic the endpoints' own ENIs
        // record: leave them out of the group map.
        if governed && let Some((from, to, initiator)) = edge(ctx, t) {
            let entry = self
                .edges
                .entry((from, to, t.key.protocol, t.key.port))
                .or_default();
            entry.0.merge(stats);
            match (t.key.direction, &t.internet) {
                // The initiators are the class's addresses.
                (Direction::Ingress, Some(internet)) => entry.1.merge(&internet.distinct),
                _ => entry.1.insert(initiator),
            }
        }
    }
}

/// One accumulated tuple with what every section derives from it.
pub(crate) struct Tuple<'k> {
    pub(crate) key: &'k FlowKey,
    pub(crate) eni: EniIdx,
    pub(crate) gs: GroupSetIdx,
    pub(crate) class: PeerClass,
    pub(crate) remote_eni: Option<EniIdx>,
    /// Several ENI versions claimed the remote address when the record was written.
    pub(crate) remote_ambiguous: bool,
    pub(crate) query: FlowQuery,
    /// For a tuple whose peer is an internet class: the addresses behind it.
    pub(crate) internet: Option<InternetPeers>,
}

/// The addresses behind an internet-class tuple, read out of its sketch once.
pub(crate) struct InternetPeers {
    /// [`PeerSketch::peers`].
    pub(crate) peers: Vec<(u128, u64)>,
    /// [`PeerSketch::distinct`].
    pub(crate) distinct: DistinctCounter,
    /// [`PeerSketch::is_exact`].
    pub(crate) exact: bool,
}

impl<'k> Tuple<'k> {
    /// The tuple's ENI's group set and its peer's class (what a hotspot is keyed by), without
    /// the rest.
    fn groups_and_class(ctx: &Context<'_>, key: &FlowKey) -> (GroupSetIdx, PeerClass) {
        let m = ctx.matcher;
        let eni = EniIdx(key.eni);
        let class = PeerClass::from(m.peer_class(m.eni_vpc(eni), Addr(key.peer)));
        (m.eni_group_set(eni), class)
    }

    fn new(ctx: &Context<'_>, key: &'k FlowKey, sketch: Option<&'k PeerSketch>) -> Self {
        let m = ctx.matcher;
        let eni = EniIdx(key.eni);
        let peer = Addr(key.peer);
        let scope = m.eni_vpc(eni);
        let owner = match key.remote {
            REMOTE_LATER => m.resolve_address(scope, peer, None),
            REMOTE_NOBODY => AddressOwner::Nobody,
            REMOTE_AMBIGUOUS => AddressOwner::Ambiguous,
            version => AddressOwner::Eni(EniIdx(version)),
        };
        let (gs, class) = Tuple::groups_and_class(ctx, key);
        Tuple {
            key,
            eni,
            gs,
            class,
            remote_eni: owner.eni(),
            remote_ambiguous: owner == AddressOwner::Ambiguous,
            query: FlowQuery {
                direction: key.direction,
                protocol: key.protocol,
                port: key.port,
                peer,
                remote: owner.eni(),
                at: None,
            },
            internet: sketch.map(|sketch| InternetPeers {
                peers: sketch.peers(),
                distinct: sketch.distinct(),
                exact: sketch.is_exact(),
            }),
        }
    }
}

fn group_tally(groups: &mut Map<GroupKey, GroupTally>, t: &Tuple<'_>, stats: &FlowStats) {
    let key = (t.gs, t.key.direction, t.key.protocol, t.key.port, t.class);
    let tally = groups.entry(key).or_default();
    tally.stats.merge(stats);
    tally.peers.add_tuple(t, stats.records);
}

/// The reachability edge of an initiating ACCEPT tuple, with the address or ENI that
/// initiated it: ingress records give (remote → this ENI's groups); egress records give (this
/// ENI's groups → remote) only when the remote side does not record the same connection itself
/// (it is not a logged ENI), so that a connection between two logged ENIs counts once.
fn edge(ctx: &Context<'_>, t: &Tuple<'_>) -> Option<(EdgeEnd, EdgeEnd, u128)> {
    let m = ctx.matcher;
    let here = EdgeEnd::Groups(t.gs);
    let remote = match t.remote_eni {
        Some(p) => Some((p, EdgeEnd::Groups(m.eni_group_set(p)))),
        None if t.class == PeerClass::Internal => Some((t.eni, EdgeEnd::InternalUnknown)),
        None => Some((t.eni, EdgeEnd::External)),
    };
    match (t.key.direction, remote) {
        (Direction::Ingress, Some((_, end))) => Some((end, here, t.key.peer)),
        (Direction::Egress, Some((p, end @ EdgeEnd::Groups(_)))) if !ctx.logged(p) => {
            Some((here, end, u128::from(t.key.eni)))
        }
        (Direction::Egress, Some((_, end @ (EdgeEnd::External | EdgeEnd::InternalUnknown)))) => {
            Some((here, end, u128::from(t.key.eni)))
        }
        _ => None,
    }
}

/// Whether a rule's protocol and ports admit a flow of `protocol` to `port` (its peer aside).
fn allows_protocol_port(rule: &flowsieve_sg::Rule, protocol: u8, port: u16) -> bool {
    use flowsieve_sg::{PortSpec, Protocol};
    let protocol_ok = match rule.protocol {
        Protocol::All => true,
        Protocol::Number(p) => p == protocol,
    };
    protocol_ok
        && match rule.ports {
            PortSpec::All | PortSpec::Icmp { .. } => true,
            PortSpec::Range { from, to } => (from..=to).contains(&port),
        }
}

const ICMP: u8 = 1;
const ICMPV6: u8 = 58;

/// The two directions of each ICMP exchange (ENI, protocol, peer). Flow logs record no ICMP
/// type, and both directions of a ping carry ports `0 0`, so which side pinged is told by:
///
/// 1. **the rules**: the request needs an allowing rule on each side (the sender's egress,
///    the receiver's ingress), the reply needs none (ICMP is always tracked). When the groups
///    could have allowed only one of the two directions as a request, that is the request;
/// 2. **the start times**: the request starts first, when the log's second resolution shows it.
///
/// Otherwise the exchange is unpaired: both directions give possible credits only.
struct IcmpPairs {
    /// (ENI, protocol, peer) → earliest start `[ingress, egress]`.
    first: Map<(u32, u8, u128), [i64; 2]>,
}

impl IcmpPairs {
    fn new(ctx: &Context<'_>) -> Self {
        let mut first: Map<(u32, u8, u128), [i64; 2]> = map();
        for (key, cell) in &ctx.acc.flows {
            let stats = &cell.stats;
            if key.protocol != ICMP && key.protocol != ICMPV6 {
                continue;
            }
            let entry = first
                .entry((key.eni, key.protocol, key.peer))
                .or_insert([i64::MAX; 2]);
            let slot = &mut entry[key.direction as usize];
            *slot = (*slot).min(stats.first);
        }
        IcmpPairs { first }
    }

    /// For an ICMP tuple: its orientation and whether it is firm (paired); `None` for others.
    fn decide(&self, ctx: &Context<'_>, key: &FlowKey) -> Option<(Orientation, bool)> {
        if key.protocol != ICMP && key.protocol != ICMPV6 {
            return None;
        }
        let eni = EniIdx(key.eni);
        let as_request = could_be_request(ctx, eni, key.direction, key.protocol, key.peer);
        let as_reply = could_be_request(ctx, eni, opposite(key.direction), key.protocol, key.peer);
        match (as_request, as_reply) {
            (true, false) => return Some((Orientation::Forward, true)),
            (false, true) => return Some((Orientation::Reverse, true)),
            _ => {}
        }
        let firsts = self.first.get(&(key.eni, key.protocol, key.peer))?;
        let this = firsts[key.direction as usize];
        let other = firsts[1 - key.direction as usize];
        Some(if other == i64::MAX || other == this {
            (Orientation::Forward, false)
        } else if this < other {
            (Orientation::Forward, true)
        } else {
            (Orientation::Reverse, true)
        })
    }
}

fn opposite(direction: Direction) -> Direction {
    match direction {
        Direction::Ingress => Direction::Egress,
        Direction::Egress => Direction::Ingress,
    }
}

/// Whether an ICMP request could have crossed `eni` in `direction` with remote `peer`: the
/// ENI's groups allow it (any ICMP rule of the family, type-specific ones included), and when
/// the remote is a known ENI, its groups allow the same packet the other way.
fn could_be_request(
    ctx: &Context<'_>,
    eni: EniIdx,
    direction: Direction,
    protocol: u8,
    peer: u128,
) -> bool {
    let m = ctx.matcher;
    let allows = |eni: EniIdx, direction: Direction, remote: u128| {
        let gs = m.eni_group_set(eni);
        if m.group_set_ids(gs).is_empty() {
            return true;
        }
        let query = FlowQuery {
            direction,
            protocol,
            port: 0,
            peer: Addr(remote),
            remote: m.resolve_address(None, Addr(remote), None).eni(),
            at: None,
        };
        let mut matches = m.new_matches();
        m.matching_rules(gs, &query, &mut matches);
        !matches.is_empty() || !matches.icmp_type_unknown().is_empty()
    };
    if !allows(eni, direction, peer) {
        return false;
    }
    let Some(remote) = m.resolve_address(None, Addr(peer), None).eni() else {
        return true;
    };
    let own = m.eni(eni);
    let here = if Addr(peer).is_ipv4() {
        own.private_ipv4.first().map(|&a| Addr::from_ipv4(a).0)
    } else {
        own.ipv6.first().map(|&a| Addr::from_ipv6(a).0)
    };
    here.is_none_or(|here| allows(remote, opposite(direction), here))
}

/// Whether a rule's peer may contain `remote`: a CIDR or prefix list by address; a group when
/// the remote ENI carries it, or when the address is internal and no known ENI holds it (a
/// member that is gone or not loaded).
fn peer_could_contain(
    ctx: &Context<'_>,
    peer: &Peer,
    remote: u128,
    remote_eni: Option<EniIdx>,
    internal: bool,
) -> bool {
    match peer {
        Peer::Cidr(cidr) => cidr.contains(Addr(remote)),
        Peer::PrefixList { id } => ctx
            .network
            .inventory()
            .prefix_list(id)
            .and_then(|l| l.entries.as_ref())
            .is_none_or(|entries| entries.iter().any(|c| c.contains(Addr(remote)))),
        Peer::Group { group_id, .. } => match remote_eni {
            Some(eni) => ctx.matcher.eni(eni).group_ids.contains(group_id),
            None => internal,
        },
    }
}

/// The rules a client's connection forwarded by a Network Load Balancer with client IP
/// preservation uses on its target (known from target-group JSON): the target's ingress rules
/// whose peer is one of the balancer's groups, for the target port. AWS matches them although
/// the record shows the client's address.
fn nlb_forwarded_rules(ctx: &Context<'_>, t: &Tuple<'_>) -> Vec<RuleIdx> {
    if t.key.direction != Direction::Ingress || t.remote_eni.is_some_and(|e| ctx.is_nlb(e)) {
        return Vec::new();
    }
    let Some(groups) = ctx.nlb_target_groups(t.eni, t.key.port) else {
        return Vec::new();
    };
    let m = ctx.matcher;
    m.rules_of_group_set(t.gs)
        .iter()
        .copied()
        .filter(|&idx| {
            let rule = m.rule(idx);
            rule.direction == Direction::Ingress
                && allows_protocol_port(rule, t.key.protocol, t.key.port)
                && matches!(&rule.peer, Peer::Group { group_id, .. } if groups.contains(group_id))
        })
        .collect()
}

/// The rules of the tuple's groups that could have allowed it as initiating traffic to `port`,
/// although the matcher cannot confirm it, with why:
///
/// * a rule whose peer is a group, when the remote address is internal and no known ENI holds
///   it (a member that is gone or not loaded): `peer_membership_incomplete`;
/// * an ingress rule whose peer is the group of a Network Load Balancer, when the remote is
///   not that load balancer: with client IP preservation the target sees the client's address
///   and AWS still matches the rule: `nlb_client_ip_preservation`;
/// * a rule whose peer cannot be resolved (a group or prefix list not loaded, a stale
///   reference): `unresolved_peer`.
pub(crate) fn possible_rules(
    ctx: &Context<'_>,
    t: &Tuple<'_>,
    port: u16,
) -> Vec<(RuleIdx, Reason)> {
    let m = ctx.matcher;
    let mut out = Vec::new();
    let unknown_member =
        t.remote_ambiguous || (t.remote_eni.is_none() && t.class == PeerClass::Internal);
    let remote_is_nlb = t.remote_eni.is_some_and(|e| ctx.is_nlb(e));
    for &idx in m.rules_of_group_set(t.gs) {
        let rule = m.rule(idx);
        if rule.direction != t.key.direction || !allows_protocol_port(rule, t.key.protocol, port) {
            continue;
        }
        if !m.peer_resolved(idx) {
            out.push((idx, Reason::UnresolvedPeer));
            continue;
        }
        let Peer::Group { group_id, .. } = &rule.peer else {
            continue;
        };
        if unknown_member {
            out.push((idx, Reason::PeerMembershipIncomplete));
        } else if rule.direction == Direction::Ingress
            && !remote_is_nlb
            && ctx.nlb_groups().contains(group_id.as_str())
        {
            out.push((idx, Reason::NlbClientIpPreservation));
        }
    }
    out
}

//! The compiled rule matcher: built once from an [`Inventory`], then asked, per flow, which rules
//! allow it. This is the hot path of an analysis.
//!
//! Owns the precomputed layout; knows nothing about files or flow-log text. The matching contract
//! is docs/semantics.md ("Which records credit a rule"); [`NaiveMatcher`](crate::NaiveMatcher) is
//! the same contract written as a plain loop, and a proptest holds the two equal.
//!
//! BE ADVISED: the layout, in short.
//! * ENIs sharing the same set of groups share one *group set*; everything below is per set.
//! * Everything is split by address family: IPv4 uses 32-bit words (the low half of the
//!   IPv4-mapped form), IPv6 128-bit ones. Per (group set, direction, protocol class) one
//!   contiguous slice of candidates holds exactly the rules that could match: the set's rules of
//!   that direction whose protocol is `-1` or the class's protocol, whose peer can hold an address
//!   of the family and can be resolved. A protocol class is one of the protocol numbers used by
//!   some rule, plus class 0 for every other protocol (only `-1` rules apply there).
//! * A candidate tests the port as `port - lo <= span` (full span when ports do not filter) and a
//!   CIDR peer as `addr & mask == net`: integer compares on 12 bytes (IPv4). What only a match
//!   needs (peer bit, rule index) lives in a parallel array.
//! * Group and prefix-list peers are bits. The address space is cut once into sorted segments,
//!   each knowing the bitset row of all groups (through their ENIs' addresses and prefixes) and
//!   prefix lists covering it. A query finds its row once, and only when a candidate that passed
//!   the port test needs it: a /16 bitmap answers most external addresses, a hash map of exact
//!   ENI addresses most internal ones, and a binary search over the segments the rest. Each set
//!   candidate is then one bit test.
//! * "Narrowest" is a precomputed rank per rule, so a query keeps a running minimum.
//! * Queries allocate nothing: [`RuleMatches`] buffers are the caller's and are reused.
//!
//! Measured (benches/matcher.rs, BENCHMARKS.md): the family split and the row shortcuts each
//! roughly doubled throughput on the 2,000-ENI inventory; the port-first layout keeps IPv4
//! candidates at 12 bytes.

mod build;
mod family;

use std::net::IpAddr;

use hashbrown::HashMap;

use self::family::{Family, Word};
use crate::addr::{Addr, Cidr};
use crate::model::{Direction, NetworkInterface, Rule};

/// Index of a network interface in a [`CompiledMatcher`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EniIdx(pub u32);

/// Index of a distinct set of security groups in a [`CompiledMatcher`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupSetIdx(pub u32);

/// Index of a rule in [`Inventory::rules`] (and [`CompiledMatcher::rule`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleIdx(pub u32);

/// One question to the matcher: does a flow of this direction, protocol, destination port and
/// remote address use a rule of the group set?
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FlowQuery {
    /// The direction relative to the recording ENI (ingress: the ENI is the destination).
    pub direction: Direction,
    /// The IANA protocol number of the record.
    pub protocol: u8,
    /// The record's destination port; compared for TCP and UDP only.
    pub port: u16,
    /// The remote address: the source for ingress, the destination for egress.
    pub peer: Addr,
}

/// The rules that allow a flow; reusable buffers filled by [`CompiledMatcher::matching_rules`].
///
/// Create one per thread and pass it to every query: after the first queries (or from the start
/// with [`RuleMatches::with_capacity`]`(matcher.max_matches())`) no query allocates.
#[derive(Clone, Debug, Default)]
pub struct RuleMatches {
    definite: Vec<RuleIdx>,
    unknown: Vec<RuleIdx>,
    narrowest: Option<RuleIdx>,
    best_rank: u32,
}

impl RuleMatches {
    /// Empty buffers.
    pub fn new() -> Self {
        RuleMatches {
            best_rank: u32::MAX,
            ..RuleMatches::default()
        }
    }

    /// Buffers that hold `n` matches of each kind without allocating.
    pub fn with_capacity(n: usize) -> Self {
        RuleMatches {
            definite: Vec::with_capacity(n),
            unknown: Vec::with_capacity(n),
            narrowest: None,
            best_rank: u32::MAX,
        }
    }

    /// Empties the buffers, keeping their capacity.
    pub fn clear(&mut self) {
        self.definite.clear();
        self.unknown.clear();
        self.narrowest = None;
        self.best_rank = u32::MAX;
    }

    /// The rules that allow the flow, in ascending [`RuleIdx`] order.
    pub fn definite(&self) -> &[RuleIdx] {
        &self.definite
    }

    /// ICMP rules for a specific type that match everything else: flow logs carry no ICMP type,
    /// so these can be neither confirmed nor refuted (status `unknown`, reason
    /// `icmp_type_not_logged`). Ascending [`RuleIdx`] order.
    pub fn icmp_type_unknown(&self) -> &[RuleIdx] {
        &self.unknown
    }

    /// The narrowest definite match: smallest port span, then smallest peer (fewest addresses; a
    /// group peer counts its members' addresses), then a specific protocol before `-1`, then
    /// the lowest rule id.
    pub fn narrowest(&self) -> Option<RuleIdx> {
        self.narrowest
    }

    /// True when no rule definitely allows the flow.
    pub fn is_empty(&self) -> bool {
        self.definite.is_empty()
    }

    /// Replaces the contents (for the naive matcher, which ranks on its own).
    pub(crate) fn fill(
        &mut self,
        definite: Vec<RuleIdx>,
        unknown: Vec<RuleIdx>,
        narrowest: Option<RuleIdx>,
    ) {
        self.clear();
        self.definite.extend(definite);
        self.unknown.extend(unknown);
        self.narrowest = narrowest;
    }

    #[inline]
    fn push(&mut self, rule: u32, unknown: bool, rank: u32) {
        if unknown {
            self.unknown.push(RuleIdx(rule));
        } else {
            self.definite.push(RuleIdx(rule));
            if rank < self.best_rank {
                self.best_rank = rank;
                self.narrowest = Some(RuleIdx(rule));
            }
        }
    }
}

/// Equal when the same rules match (definite and unknown) with the same narrowest; capacity and
/// internal bookkeeping do not count.
impl PartialEq for RuleMatches {
    fn eq(&self, other: &Self) -> bool {
        self.definite == other.definite
            && self.unknown == other.unknown
            && self.narrowest == other.narrowest
    }
}

impl Eq for RuleMatches {}

/// "No bit" / "no row" / "no owner" marker.
const NONE: u32 = u32::MAX;

/// Set in a candidate's rule index for a specific-type ICMP rule (goes to `icmp_type_unknown`).
const UNKNOWN_FLAG: u32 = 1 << 31;

/// The compiled matcher. Built once with [`CompiledMatcher::new`]; `Send + Sync`; its queries
/// allocate nothing.
///
/// ```
/// # use flowsieve_sg::*;
/// let mut b = InventoryBuilder::new();
/// b.add_json("sg.json", br#"{"SecurityGroups": [{"GroupId": "sg-web", "IpPermissions": [
///     {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}]}"#)?;
/// b.add_json("eni.json", br#"{"NetworkInterfaces": [{"NetworkInterfaceId": "eni-1",
///     "PrivateIpAddress": "10.0.0.5", "Groups": [{"GroupId": "sg-web"}]}]}"#)?;
/// let m = CompiledMatcher::new(&b.build());
/// let gs = m.eni_group_set(m.eni_index("eni-1").unwrap());
/// let q = FlowQuery { direction: Direction::Ingress, protocol: 6, port: 443,
///                     peer: Addr::from_ip("198.51.100.7".parse().unwrap()) };
/// assert!(m.allows(gs, &q));
/// # Ok::<(), flowsieve_sg::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct CompiledMatcher {
    enis: Vec<NetworkInterface>,
    eni_index: HashMap<String, u32>,
    eni_group_set: Vec<GroupSetIdx>,
    group_sets: Vec<Vec<String>>,
    group_set_rules: Vec<Vec<RuleIdx>>,
    enis_by_group: HashMap<String, Vec<EniIdx>>,
    rules: Vec<Rule>,
    /// Narrowness rank per rule (0 = narrowest of all).
    rank: Vec<u32>,
    /// Per rule: whether its peer can be resolved (see [`CompiledMatcher::peer_resolved`]).
    resolved: Vec<bool>,
    /// Protocol number → protocol class.
    proto_class: [u16; 256],
    n_classes: usize,
    v4: Family<u32>,
    v6: Family<u128>,
    /// Bitset rows, `words` u64 each.
    rows: Vec<u64>,
    words: usize,
    vpc_cidrs: Vec<Cidr>,
    max_matches: usize,
}

impl CompiledMatcher {
    /// Number of network interfaces.
    pub fn eni_count(&self) -> usize {
        self.enis.len()
    }

    /// The index of the ENI with this id (a flow log's `interface-id`).
    pub fn eni_index(&self, eni_id: &str) -> Option<EniIdx> {
        self.eni_index.get(eni_id).map(|&i| EniIdx(i))
    }

    /// The ENI at `idx`.
    ///
    /// # Panics
    ///
    /// When `idx` was not produced by this matcher.
    pub fn eni(&self, idx: EniIdx) -> &NetworkInterface {
        &self.enis[idx.0 as usize]
    }

    /// The group set of the ENI at `idx` (an index of no set, whose queries match nothing, when
    /// `idx` was not produced by this matcher).
    pub fn eni_group_set(&self, idx: EniIdx) -> GroupSetIdx {
        self.eni_group_set
            .get(idx.0 as usize)
            .copied()
            .unwrap_or(GroupSetIdx(NONE))
    }

    /// Number of distinct group sets.
    pub fn group_set_count(&self) -> usize {
        self.group_sets.len()
    }

    /// The group ids of a set, sorted (empty for an unknown index).
    pub fn group_set_ids(&self, gs: GroupSetIdx) -> &[String] {
        self.group_sets
            .get(gs.0 as usize)
            .map_or(&[], Vec::as_slice)
    }

    /// The ENI owning `addr` as a private IPv4 or IPv6 address or inside a delegated prefix.
    /// When several do, the one with the most specific entry (an address before a prefix), then
    /// the lowest index. Public addresses are never owned.
    pub fn eni_by_address(&self, addr: Addr) -> Option<EniIdx> {
        let owner = if addr.is_ipv4() {
            self.v4
                .segment(addr.0 as u32)
                .and_then(|i| self.v4.seg_owner.get(i))
        } else {
            self.v6
                .segment(addr.0)
                .and_then(|i| self.v6.seg_owner.get(i))
        };
        owner.copied().filter(|&o| o != NONE).map(EniIdx)
    }

    /// True when `addr` is an address of a known ENI or lies inside a VPC CIDR of the inventory
    /// (REJECT hotspots' `peer_class` `internal`).
    pub fn is_internal(&self, addr: Addr) -> bool {
        self.eni_by_address(addr).is_some() || self.vpc_cidrs.iter().any(|c| c.contains(addr))
    }

    /// The ENIs carrying a group (empty when none do).
    pub fn enis_with_group(&self, group_id: &str) -> &[EniIdx] {
        self.enis_by_group.get(group_id).map_or(&[], Vec::as_slice)
    }

    /// The rule at `idx`.
    ///
    /// # Panics
    ///
    /// When `idx` is not an index of [`Inventory::rules`] of the compiled inventory.
    pub fn rule(&self, idx: RuleIdx) -> &Rule {
        &self.rules[idx.0 as usize]
    }

    /// False when the rule's peer cannot be resolved, so that the rule never matches: a group
    /// that is not in the inventory or is referenced across a deleted peering, or a prefix list
    /// whose entries were not loaded (docs/semantics.md: status `unknown`, reason
    /// `unresolved_peer`). False for an index that is not a rule.
    pub fn peer_resolved(&self, idx: RuleIdx) -> bool {
        self.resolved.get(idx.0 as usize).copied().unwrap_or(false)
    }

    /// Number of rules.
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// Every rule of the groups in a set (matching or not), ascending.
    pub fn rules_of_group_set(&self, gs: GroupSetIdx) -> &[RuleIdx] {
        self.group_set_rules
            .get(gs.0 as usize)
            .map_or(&[], Vec::as_slice)
    }

    /// The most matches of one kind a query can return: a [`RuleMatches`] of this capacity never
    /// allocates.
    pub fn max_matches(&self) -> usize {
        self.max_matches
    }

    /// A [`RuleMatches`] that no query of this matcher makes allocate.
    pub fn new_matches(&self) -> RuleMatches {
        RuleMatches::with_capacity(self.max_matches)
    }

    /// The bucket of a query within its family.
    #[inline]
    fn bucket(&self, gs: GroupSetIdx, q: &FlowQuery) -> usize {
        let dir = usize::from(q.direction == Direction::Egress);
        let class = usize::from(self.proto_class[usize::from(q.protocol)]);
        (gs.0 as usize * 2 + dir) * self.n_classes + class
    }

    #[inline]
    fn row_has(&self, row: u32, bit: u32) -> bool {
        row != NONE
            && self
                .rows
                .get(row as usize * self.words + bit as usize / 64)
                .is_some_and(|w| (w >> (bit % 64)) & 1 == 1)
    }

    /// Clears `out`, then fills it with every rule of the group set's union that allows the flow
    /// (docs/semantics.md), plus ICMP specific-type rules in
    /// [`icmp_type_unknown`](RuleMatches::icmp_type_unknown).
    #[inline]
    pub fn matching_rules(&self, gs: GroupSetIdx, q: &FlowQuery, out: &mut RuleMatches) {
        out.clear();
        let b = self.bucket(gs, q);
        if q.peer.is_ipv4() {
            // Truncation keeps the IPv4 address, the low 32 bits of the mapped form.
            self.scan(&self.v4, b, q.port, q.peer.0 as u32, out);
        } else {
            self.scan(&self.v6, b, q.port, q.peer.0, out);
        }
    }

    #[inline(always)]
    fn scan<W: Word>(&self, fam: &Family<W>, b: usize, port: u16, peer: W, out: &mut RuleMatches) {
        let (cands, meta) = fam.bucket(b);
        // The peer's segment row is looked up once, and only if a set peer needs it.
        let mut row: Option<u32> = None;
        for (c, &(set_bit, rule)) in cands.iter().zip(meta) {
            if port.wrapping_sub(c.ports as u16) > (c.ports >> 16) as u16 || peer & c.mask != c.net
            {
                continue;
            }
            if set_bit != NONE
                && !self.row_has(*row.get_or_insert_with(|| fam.row_of(peer)), set_bit)
            {
                continue;
            }
            let idx = rule & !UNKNOWN_FLAG;
            let rank = self.rank.get(idx as usize).copied().unwrap_or(u32::MAX);
            out.push(idx, rule & UNKNOWN_FLAG != 0, rank);
        }
    }

    /// True when at least one rule definitely allows the flow (stops at the first).
    #[inline]
    pub fn allows(&self, gs: GroupSetIdx, q: &FlowQuery) -> bool {
        let b = self.bucket(gs, q);
        if q.peer.is_ipv4() {
            self.any(&self.v4, b, q.port, q.peer.0 as u32)
        } else {
            self.any(&self.v6, b, q.port, q.peer.0)
        }
    }

    #[inline(always)]
    fn any<W: Word>(&self, fam: &Family<W>, b: usize, port: u16, peer: W) -> bool {
        let (cands, meta) = fam.bucket(b);
        let mut row: Option<u32> = None;
        for (c, &(set_bit, rule)) in cands.iter().zip(meta) {
            if port.wrapping_sub(c.ports as u16) > (c.ports >> 16) as u16
                || peer & c.mask != c.net
                || rule & UNKNOWN_FLAG != 0
            {
                continue;
            }
            if set_bit == NONE
                || self.row_has(*row.get_or_insert_with(|| fam.row_of(peer)), set_bit)
            {
                return true;
            }
        }
        false
    }

    /// Convenience for callers holding an [`IpAddr`]: the ENI owning it (see
    /// [`eni_by_address`](Self::eni_by_address)).
    pub fn eni_by_ip(&self, ip: IpAddr) -> Option<EniIdx> {
        self.eni_by_address(Addr::from_ip(ip))
    }
}

#[cfg(test)]
mod tests;

//! The compiled rule matcher: built once from an [`Inventory`](crate::Inventory), then asked, per
//! flow, which rules allow it; and the lookups an analysis makes around it (who held an address,
//! when, in which VPC). This is the hot path of an analysis.
//!
//! Owns the precomputed layout; knows nothing about files or flow-log text. The matching contract
//! is docs/semantics.md ("Which records credit a rule"); `NaiveMatcher` (feature `oracle`) is
//! the same contract written as a plain loop, and a proptest holds the two equal.
//!
//! BE ADVISED: the layout, in short.
//! * An [`EniIdx`] is one *version* of an ENI (its groups and addresses over one validity
//!   interval); versions sharing the same set of groups share one *group set*, and everything
//!   below is per set.
//! * Everything is split by address family: IPv4 uses 32-bit words (the low half of the
//!   IPv4-mapped form), IPv6 128-bit ones. Per (group set, direction, protocol class) one
//!   contiguous slice of candidates holds exactly the rules that could match: the set's rules of
//!   that direction whose protocol is `-1` or the class's protocol, whose peer can hold an address
//!   of the family and can be resolved. A protocol class is one of the protocol numbers used by
//!   some rule, plus class 0 for every other protocol (only `-1` rules apply there).
//! * A candidate tests the port as `port - lo <= span` (full span when ports do not filter) and a
//!   CIDR peer as `addr & mask == net`: integer compares on 12 bytes (IPv4). What only a match
//!   needs (peer bit, rule index and flags) lives in a parallel array.
//! * Group and prefix-list peers are bits. A group peer is tested against the bitset row of the
//!   *remote ENI version* the caller resolved ([`FlowQuery::remote`]): membership follows the ENI
//!   that held the address at the record's time, in the record's VPC, never the address alone. A
//!   prefix-list peer is tested against the row of the address: the address space is cut once
//!   into sorted segments, each knowing the prefix lists covering it; a /16 bitmap answers most
//!   addresses, a binary search the rest, once per query and only when a candidate needs it.
//! * Rules alive at all times (every rule, without history) are never looked up in time; a rule
//!   with lifetimes carries a flag, and only then is the query's epoch found (once per query).
//! * "Narrowest" is a precomputed rank per rule, so a query keeps a running minimum.
//! * Queries allocate nothing: [`RuleMatches`] buffers are the caller's and are reused.
//!
//! Measured (benches/matcher.rs, BENCHMARKS.md): the family split and the row shortcuts each
//! roughly doubled throughput on the 2,000-ENI inventory; the port-first layout keeps IPv4
//! candidates at 12 bytes.

mod address;
mod build;
mod classes;
mod family;
mod lookup;
mod matches;
mod resolve;
mod scope;
mod time;

use hashbrown::HashMap;

use self::address::AddressBook;
pub use self::address::AddressOwner;
use self::classes::InternetClasses;
use self::family::{Family, Word};
use self::lookup::Surroundings;
pub use self::matches::RuleMatches;
use self::scope::Scopes;
use self::time::Epochs;
use crate::addr::Addr;
use crate::model::{Direction, NetworkInterface, Rule};

/// Index of an ENI version in a [`CompiledMatcher`], the same as its position in
/// [`Inventory::network_interfaces`](crate::Inventory::network_interfaces).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EniIdx(pub u32);

/// Index of a distinct set of security groups in a [`CompiledMatcher`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupSetIdx(pub u32);

/// Index of a rule in [`Inventory::rules`](crate::Inventory::rules) (and
/// [`CompiledMatcher::rule`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleIdx(pub u32);

/// Index of a VPC in a [`CompiledMatcher`] (every VPC id the inventory names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VpcIdx(pub u32);

/// Index of a subnet in a [`CompiledMatcher`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubnetIdx(pub u32);

/// Index of an epoch: a stretch of time in which no rule appears or disappears (see
/// [`CompiledMatcher::epoch_boundaries`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EpochIdx(pub u32);

/// One question to the matcher: does a flow of this direction, protocol, destination port and
/// remote address (held by that remote ENI version, at that time) use a rule of the group set?
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FlowQuery {
    /// The direction relative to the recording ENI (ingress: the ENI is the destination).
    pub direction: Direction,
    /// The IANA protocol number of the record.
    pub protocol: u8,
    /// The record's destination port; compared for TCP and UDP only.
    pub port: u16,
    /// The remote address: the source for ingress, the destination for egress. CIDR and
    /// prefix-list peers match it.
    pub peer: Addr,
    /// The ENI version holding the remote address, resolved by the caller at the record's time
    /// and in the recording ENI's scope ([`CompiledMatcher::resolve_address`]); `None` when no
    /// known ENI does (or it is ambiguous). A group peer matches iff this version carries the
    /// group.
    pub remote: Option<EniIdx>,
    /// The record's time (unix seconds): only rules alive then match. `None` asks about every
    /// rule whatever its lifetime (with one undated inventory every rule is alive at all times).
    pub at: Option<i64>,
}

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
///                     peer: Addr::from_ip("198.51.100.7".parse().unwrap()),
///                     remote: None, at: None };
/// assert!(m.allows(gs, &q));
/// # Ok::<(), flowsieve_sg::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct CompiledMatcher {
    enis: Vec<NetworkInterface>,
    /// ENI id → (first version, number of versions).
    eni_index: HashMap<String, (u32, u32)>,
    /// `EniIdx(i)` at position `i`: the slices [`CompiledMatcher::eni_versions`] returns.
    version_ids: Vec<EniIdx>,
    eni_group_set: Vec<GroupSetIdx>,
    /// Per ENI version: the bitset row of its groups' peer bits, or [`NONE`].
    eni_row: Vec<u32>,
    /// Per ENI version: its VPC, or [`NONE`].
    eni_vpc: Vec<u32>,
    /// Per ENI version: its validity (a copy, to keep lookups off the large ENI records).
    eni_valid: Vec<crate::model::Interval>,
    /// Per ENI version: the index of its id's first version (equal for versions of one ENI).
    first_version: Vec<u32>,
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
    max_matches: usize,
    epochs: Epochs,
    addresses: AddressBook,
    /// Some ENI version holds for part of time only.
    has_history: bool,
    scopes: Scopes,
    internet: InternetClasses,
    around: Surroundings,
}

/// "No bit" / "no row" / "no owner" / "no VPC" marker.
const NONE: u32 = u32::MAX;

/// Set in a candidate's rule word for a specific-type ICMP rule (goes to `icmp_type_unknown`).
const UNKNOWN_FLAG: u32 = 1 << 31;

/// Set in a candidate's rule word for a rule that is not alive at all times.
const TIMED_FLAG: u32 = 1 << 30;

/// The rule index in a candidate's rule word.
const RULE_MASK: u32 = TIMED_FLAG - 1;

/// Set in a candidate's peer bit for a group peer (tested against the remote ENI's row).
const GROUP_FLAG: u32 = 1 << 31;

impl CompiledMatcher {
    /// Number of ENI versions.
    pub fn eni_count(&self) -> usize {
        self.enis.len()
    }

    /// The latest version of the ENI with this id (a flow log's `interface-id`). With inventory
    /// history, pick the version in force with [`eni_versions`](Self::eni_versions) and
    /// [`eni_version_at`](Self::eni_version_at).
    pub fn eni_index(&self, eni_id: &str) -> Option<EniIdx> {
        self.eni_versions(eni_id).last().copied()
    }

    /// Every version of the ENI with this id, in time order (empty when unknown).
    pub fn eni_versions(&self, eni_id: &str) -> &[EniIdx] {
        self.eni_index
            .get(eni_id)
            .and_then(|&(first, n)| self.version_ids.get(first as usize..(first + n) as usize))
            .unwrap_or(&[])
    }

    /// The version among `versions` (one ENI's, in time order) valid at time `t`.
    pub fn eni_version_at(&self, versions: &[EniIdx], t: i64) -> Option<EniIdx> {
        let valid = |e: &EniIdx| self.enis.get(e.0 as usize).map(|n| n.valid);
        let i =
            versions.partition_point(|e| valid(e).is_some_and(|v| v.from.is_none_or(|f| f <= t)));
        let candidate = *versions.get(i.checked_sub(1)?)?;
        valid(&candidate)
            .is_some_and(|v| v.contains(t))
            .then_some(candidate)
    }

    /// The ENI version at `idx`.
    ///
    /// # Panics
    ///
    /// When `idx` was not produced by this matcher.
    pub fn eni(&self, idx: EniIdx) -> &NetworkInterface {
        &self.enis[idx.0 as usize]
    }

    /// The group set of the ENI version at `idx` (an index of no set, whose queries match
    /// nothing, when `idx` was not produced by this matcher).
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

    /// The ENI versions carrying a group (empty when none do), ascending; each has its
    /// [`valid`](NetworkInterface::valid) interval.
    pub fn enis_with_group(&self, group_id: &str) -> &[EniIdx] {
        self.enis_by_group.get(group_id).map_or(&[], Vec::as_slice)
    }

    /// The rule at `idx`.
    ///
    /// # Panics
    ///
    /// When `idx` is not an index of the compiled inventory's rules.
    pub fn rule(&self, idx: RuleIdx) -> &Rule {
        &self.rules[idx.0 as usize]
    }

    /// False when the rule's peer cannot be resolved, so that the rule never matches: a group
    /// that is not in the inventory or is referenced across a peering connection that is over,
    /// or a prefix list whose entries were not loaded (docs/semantics.md: status `unknown`,
    /// reason `unresolved_peer`). False for an index that is not a rule.
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

    /// Every boundary of every rule lifetime, sorted: epoch 0 is the time before the first,
    /// epoch `k` runs from boundary `k - 1` to boundary `k`, the last has no end. Empty (one
    /// epoch) when every rule is alive at all times.
    pub fn epoch_boundaries(&self) -> &[i64] {
        &self.epochs.bounds
    }

    /// Number of epochs (boundaries + 1).
    pub fn epoch_count(&self) -> usize {
        self.epochs.count()
    }

    /// The epoch holding time `t`.
    pub fn epoch_of(&self, t: i64) -> EpochIdx {
        EpochIdx(self.epochs.of(t))
    }

    /// True when the rule is alive in epoch `k` (constant within an epoch, by construction).
    /// False for an index that is not a rule.
    pub fn rule_alive(&self, rule: RuleIdx, k: EpochIdx) -> bool {
        rule.0 < RULE_MASK && self.epochs.alive(rule.0, k.0)
    }

    /// True when the rule is alive at all times (every rule, without inventory history).
    pub fn rule_is_timeless(&self, rule: RuleIdx) -> bool {
        (rule.0 as usize) < self.rules.len() && self.epochs.always(rule.0)
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

    /// True when a candidate's peer bit holds: a group bit in the remote ENI's row, a
    /// prefix-list bit in the address's row (looked up once per query, on first need).
    #[inline(always)]
    fn peer_bit_holds<W: Word>(
        &self,
        fam: &Family<W>,
        set_bit: u32,
        q: &FlowQuery,
        peer: W,
        row: &mut Option<u32>,
    ) -> bool {
        if set_bit & GROUP_FLAG != 0 {
            q.remote
                .and_then(|r| self.eni_row.get(r.0 as usize))
                .is_some_and(|&r| self.row_has(r, set_bit & !GROUP_FLAG))
        } else {
            self.row_has(*row.get_or_insert_with(|| fam.row_of(peer)), set_bit)
        }
    }

    /// True when a timed rule is alive at the query's time (its epoch found once per query).
    #[inline(always)]
    fn alive_at(&self, rule: u32, q: &FlowQuery, epoch: &mut Option<u32>) -> bool {
        match q.at {
            None => true,
            Some(t) => {
                let k = *epoch.get_or_insert_with(|| self.epochs.of(t));
                self.epochs.alive(rule & RULE_MASK, k)
            }
        }
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
            self.scan(&self.v4, b, q, q.peer.0 as u32, out);
        } else {
            self.scan(&self.v6, b, q, q.peer.0, out);
        }
    }

    #[inline(always)]
    fn scan<W: Word>(
        &self,
        fam: &Family<W>,
        b: usize,
        q: &FlowQuery,
        peer: W,
        out: &mut RuleMatches,
    ) {
        let (cands, meta) = fam.bucket(b);
        let (mut row, mut epoch) = (None, None);
        for (c, &(set_bit, rule)) in cands.iter().zip(meta) {
            if q.port.wrapping_sub(c.ports as u16) > (c.ports >> 16) as u16
                || peer & c.mask != c.net
            {
                continue;
            }
            if set_bit != NONE && !self.peer_bit_holds(fam, set_bit, q, peer, &mut row) {
                continue;
            }
            if rule & TIMED_FLAG != 0 && !self.alive_at(rule, q, &mut epoch) {
                continue;
            }
            let idx = rule & RULE_MASK;
            let rank = self.rank.get(idx as usize).copied().unwrap_or(u32::MAX);
            out.push(idx, rule & UNKNOWN_FLAG != 0, rank);
        }
    }

    /// True when at least one rule definitely allows the flow (stops at the first).
    #[inline]
    pub fn allows(&self, gs: GroupSetIdx, q: &FlowQuery) -> bool {
        let b = self.bucket(gs, q);
        if q.peer.is_ipv4() {
            self.any(&self.v4, b, q, q.peer.0 as u32)
        } else {
            self.any(&self.v6, b, q, q.peer.0)
        }
    }

    #[inline(always)]
    fn any<W: Word>(&self, fam: &Family<W>, b: usize, q: &FlowQuery, peer: W) -> bool {
        let (cands, meta) = fam.bucket(b);
        let (mut row, mut epoch) = (None, None);
        for (c, &(set_bit, rule)) in cands.iter().zip(meta) {
            if q.port.wrapping_sub(c.ports as u16) > (c.ports >> 16) as u16
                || peer & c.mask != c.net
                || rule & UNKNOWN_FLAG != 0
            {
                continue;
            }
            if set_bit != NONE && !self.peer_bit_holds(fam, set_bit, q, peer, &mut row) {
                continue;
            }
            if rule & TIMED_FLAG == 0 || self.alive_at(rule, q, &mut epoch) {
                return true;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests;

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

use std::net::IpAddr;

use hashbrown::HashMap;

use crate::addr::{Addr, Cidr};
use crate::load::Inventory;
use crate::model::{Direction, NetworkInterface, Peer, PortSpec, Protocol, Rule};

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

/// The address word of one family: `u32` for IPv4 (the low 32 bits of the IPv4-mapped value),
/// `u128` for IPv6. IPv4 queries, the common case, touch 12-byte candidates and 4-byte segment
/// keys instead of 48 and 16.
trait Word: Copy + Ord + Default + std::hash::Hash + std::ops::BitAnd<Output = Self> {
    /// The bit of the coarse filter covering this address (its /16), when the family has one.
    fn coarse(self) -> Option<usize>;
}

impl Word for u32 {
    #[inline]
    fn coarse(self) -> Option<usize> {
        Some((self >> 16) as usize)
    }
}

impl Word for u128 {
    #[inline]
    fn coarse(self) -> Option<usize> {
        None
    }
}

/// One rule as the hot loop sees it first: the port test and the CIDR test.
#[derive(Clone, Copy, Debug)]
struct Candidate<W> {
    /// First port in the low 16 bits, `last - first` in the high 16 (65535 when ports do not
    /// filter).
    ports: u32,
    /// Network of a CIDR peer; 0 for a set peer, so that the test passes.
    net: W,
    /// Mask of a CIDR peer; 0 for a set peer.
    mask: W,
}

/// Everything per address family: candidate slices and the segmented address space.
///
/// Candidates are two parallel arrays: `cands` holds what rejects most candidates (ports and
/// CIDR), `meta` what only a match needs: (bit of the group / prefix-list peer or [`NONE`] for a
/// CIDR peer, rule index with [`UNKNOWN_FLAG`] for a specific-type ICMP rule).
#[derive(Clone, Debug, Default)]
struct Family<W> {
    /// (start, end) into the candidate arrays per (group set, direction, protocol class).
    buckets: Vec<(u32, u32)>,
    cands: Vec<Candidate<W>>,
    meta: Vec<(u32, u32)>,
    /// Sorted segment starts; segment `i` spans `seg_start[i] ..= seg_start[i + 1] - 1`.
    seg_start: Vec<W>,
    /// Bitset row of the peers covering each segment, or [`NONE`].
    seg_row: Vec<u32>,
    /// The ENI owning each segment's addresses (most specific, then lowest index), or [`NONE`].
    seg_owner: Vec<u32>,
    /// The row of every exact ENI address: internal peers, the common case, skip the search.
    exact: HashMap<W, u32>,
    /// One bit per /16 (IPv4 only): set when some segment there has a row. Most external
    /// addresses are answered [`NONE`] by this alone.
    coarse: Vec<u64>,
}

/// The (candidates, meta) slices of one bucket, of equal length.
type Slices<'a, W> = (&'a [Candidate<W>], &'a [(u32, u32)]);

impl<W: Word> Family<W> {
    fn push(&mut self, port_lo: u16, port_span: u16, net: W, mask: W, set_bit: u32, rule: u32) {
        let ports = u32::from(port_lo) | (u32::from(port_span) << 16);
        self.cands.push(Candidate { ports, net, mask });
        self.meta.push((set_bit, rule));
    }

    /// The candidates of bucket `b`.
    #[inline]
    fn bucket(&self, b: usize) -> Slices<'_, W> {
        let Some(&(s, e)) = self.buckets.get(b) else {
            return (&[], &[]);
        };
        let r = s as usize..e as usize;
        (
            self.cands.get(r.clone()).unwrap_or(&[]),
            self.meta.get(r).unwrap_or(&[]),
        )
    }

    /// The bitset row of the peers covering `a`, or [`NONE`].
    #[inline]
    fn row_of(&self, a: W) -> u32 {
        if let Some(k) = a.coarse()
            && self
                .coarse
                .get(k / 64)
                .is_none_or(|w| (w >> (k % 64)) & 1 == 0)
        {
            return NONE;
        }
        if let Some(&row) = self.exact.get(&a) {
            return row;
        }
        self.segment_row(a)
    }

    /// The row of the segment holding `a` (binary search).
    #[inline]
    fn segment_row(&self, a: W) -> u32 {
        self.segment(a)
            .and_then(|i| self.seg_row.get(i).copied())
            .unwrap_or(NONE)
    }

    /// Fills `exact` and `coarse` once the segments are known.
    fn index_rows(
        &mut self,
        exact_addresses: impl Iterator<Item = W>,
        coarse_range: impl Fn(W, Option<W>) -> Option<(usize, usize)>,
    ) {
        for a in exact_addresses {
            let row = self.segment_row(a);
            if row != NONE {
                self.exact.insert(a, row);
            }
        }
        let mut coarse = Vec::new();
        for (k, (&start, &row)) in self.seg_start.iter().zip(&self.seg_row).enumerate() {
            if row == NONE {
                continue;
            }
            if let Some((first, last)) = coarse_range(start, self.seg_start.get(k + 1).copied()) {
                if coarse.is_empty() {
                    coarse = vec![0u64; (1usize << 16) / 64];
                }
                for bit in first..=last.min((1 << 16) - 1) {
                    if let Some(w) = coarse.get_mut(bit / 64) {
                        *w |= 1u64 << (bit % 64);
                    }
                }
            }
        }
        self.coarse = coarse;
    }

    /// The segment holding `a`.
    #[inline]
    fn segment(&self, a: W) -> Option<usize> {
        self.seg_start.partition_point(|&s| s <= a).checked_sub(1)
    }
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

/// The IPv4-mapped range ::ffff:0:0/96: IPv4 addresses, which an IPv6 block never contains.
const MAPPED_LO: u128 = 0xffff << 32;
const MAPPED_HI: u128 = (0xffff << 32) | 0xffff_ffff;

/// The addresses an ENI owns, as inclusive 128-bit intervals (IPv6 blocks clipped so that they
/// never cover IPv4-mapped addresses, as [`Cidr::contains`] demands).
/// Each comes with the size of its entry minus one (0 for an address), the "specificity" used
/// to pick one owner when entries of several ENIs overlap.
pub(crate) fn eni_intervals(e: &NetworkInterface) -> Vec<(u128, u128, u128)> {
    let mut out = Vec::new();
    for a in &e.private_ipv4 {
        let v = Addr::from(*a).0;
        out.push((v, v, 0));
    }
    for a in &e.ipv6 {
        let v = Addr::from(*a).0;
        out.push((v, v, 0));
    }
    let mut pieces = Vec::new();
    for c in e.ipv4_prefixes.iter().chain(&e.ipv6_prefixes) {
        pieces.clear();
        push_cidr_interval(&mut pieces, c);
        out.extend(pieces.iter().map(|&(lo, hi)| (lo, hi, c.size() - 1)));
    }
    out
}

/// The addresses an ENI owns, counted (prefixes by their size), saturating.
pub(crate) fn eni_address_count(e: &NetworkInterface) -> u128 {
    let singles = (e.private_ipv4.len() + e.ipv6.len()) as u128;
    e.ipv4_prefixes
        .iter()
        .chain(&e.ipv6_prefixes)
        .fold(singles, |acc, c| acc.saturating_add(c.size()))
}

fn push_cidr_interval(out: &mut Vec<(u128, u128)>, c: &Cidr) {
    let (lo, hi) = c.range();
    if c.is_ipv4() {
        out.push((lo, hi));
        return;
    }
    if hi < MAPPED_LO || lo > MAPPED_HI {
        out.push((lo, hi));
        return;
    }
    if lo < MAPPED_LO {
        out.push((lo, MAPPED_LO - 1));
    }
    if hi > MAPPED_HI {
        out.push((MAPPED_HI + 1, hi));
    }
}

/// How many addresses a peer stands for, for "narrowest" ordering (saturating).
pub(crate) fn peer_size(peer: &Peer, inv: &Inventory, member_count: impl Fn(&str) -> u128) -> u128 {
    match peer {
        Peer::Cidr(c) => c.size(),
        Peer::Group { group_id, .. } => member_count(group_id),
        Peer::PrefixList { id } => match inv.prefix_list(id).and_then(|l| l.entries.as_ref()) {
            Some(entries) => entries
                .iter()
                .fold(0u128, |acc, c| acc.saturating_add(c.size())),
            None => u128::MAX,
        },
    }
}

/// True when a rule's peer can ever match: groups must be in the inventory and not stale, prefix
/// lists must have their entries loaded.
pub(crate) fn peer_resolvable(peer: &Peer, inv: &Inventory) -> bool {
    match peer {
        Peer::Cidr(_) => true,
        Peer::Group { group_id, .. } => !peer.is_stale() && inv.group(group_id).is_some(),
        Peer::PrefixList { id } => inv.prefix_list(id).is_some_and(|l| l.entries.is_some()),
    }
}

impl CompiledMatcher {
    /// Compiles the inventory. Keeps copies of what it needs; the inventory can be dropped.
    pub fn new(inventory: &Inventory) -> CompiledMatcher {
        let enis: Vec<NetworkInterface> = inventory.network_interfaces().to_vec();
        let rules: Vec<Rule> = inventory.rules().to_vec();
        let n_enis = u32::try_from(enis.len()).unwrap_or(u32::MAX);

        // ENIs, group sets, group membership.
        let mut eni_index = HashMap::with_capacity(enis.len());
        let mut set_index: HashMap<Vec<String>, u32> = HashMap::new();
        let mut group_sets: Vec<Vec<String>> = Vec::new();
        let mut eni_group_set = Vec::with_capacity(enis.len());
        let mut enis_by_group: HashMap<String, Vec<EniIdx>> = HashMap::new();
        for (i, e) in enis.iter().enumerate().take(n_enis as usize) {
            let idx = i as u32;
            eni_index.insert(e.id.clone(), idx);
            let mut set = e.group_ids.clone();
            set.sort();
            set.dedup();
            for g in &set {
                enis_by_group
                    .entry(g.clone())
                    .or_default()
                    .push(EniIdx(idx));
            }
            let gs = match set_index.get(&set) {
                Some(&gs) => gs,
                None => {
                    let gs = group_sets.len() as u32;
                    set_index.insert(set.clone(), gs);
                    group_sets.push(set);
                    gs
                }
            };
            eni_group_set.push(GroupSetIdx(gs));
        }

        // Rules per group, then per group set.
        let mut rules_by_group: HashMap<&str, Vec<RuleIdx>> = HashMap::new();
        for (i, r) in rules.iter().enumerate() {
            rules_by_group
                .entry(r.group_id.as_str())
                .or_default()
                .push(RuleIdx(i as u32));
        }
        let group_set_rules: Vec<Vec<RuleIdx>> = group_sets
            .iter()
            .map(|set| {
                let mut v: Vec<RuleIdx> = set
                    .iter()
                    .filter_map(|g| rules_by_group.get(g.as_str()))
                    .flatten()
                    .copied()
                    .collect();
                v.sort();
                v
            })
            .collect();
        drop(rules_by_group);

        // Peer bits: every resolvable group or prefix list some rule references.
        let mut group_bit: HashMap<String, u32> = HashMap::new();
        let mut list_bit: HashMap<String, u32> = HashMap::new();
        let mut n_bits = 0u32;
        for r in &rules {
            if !peer_resolvable(&r.peer, inventory) {
                continue;
            }
            let (map, id) = match &r.peer {
                Peer::Group { group_id, .. } => (&mut group_bit, group_id),
                Peer::PrefixList { id } => (&mut list_bit, id),
                Peer::Cidr(_) => continue,
            };
            if !map.contains_key(id) {
                map.insert(id.clone(), n_bits);
                n_bits += 1;
            }
        }
        let words = (n_bits as usize).div_ceil(64).max(1);

        // Intervals of addresses with the peer bits and owner they carry.
        struct Interval {
            lo: u128,
            hi: u128,
            bits: Vec<u32>,
            owner: u32,
            size: u128,
        }
        let mut intervals: Vec<Interval> = Vec::new();
        for (i, e) in enis.iter().enumerate().take(n_enis as usize) {
            let mut bits: Vec<u32> = e
                .group_ids
                .iter()
                .filter_map(|g| group_bit.get(g).copied())
                .collect();
            bits.sort_unstable();
            bits.dedup();
            for (lo, hi, size) in eni_intervals(e) {
                intervals.push(Interval {
                    lo,
                    hi,
                    bits: bits.clone(),
                    owner: i as u32,
                    size,
                });
            }
        }
        for l in inventory.prefix_lists() {
            let (Some(&bit), Some(entries)) = (list_bit.get(&l.id), l.entries.as_ref()) else {
                continue;
            };
            let mut ranges = Vec::new();
            for c in entries {
                push_cidr_interval(&mut ranges, c);
            }
            for (lo, hi) in ranges {
                intervals.push(Interval {
                    lo,
                    hi,
                    bits: vec![bit],
                    owner: NONE,
                    size: hi - lo,
                });
            }
        }
        let (seg_start, seg_row, seg_owner, rows) = {
            // Sweep: at each boundary, apply the intervals starting and ending there.
            let mut events: Vec<(u128, bool, usize)> = Vec::with_capacity(intervals.len() * 2);
            for (k, iv) in intervals.iter().enumerate() {
                events.push((iv.lo, true, k));
                if let Some(end) = iv.hi.checked_add(1) {
                    events.push((end, false, k));
                }
            }
            events.sort_unstable_by_key(|&(pos, start, k)| (pos, start, k));
            let mut active: Vec<usize> = Vec::new();
            let mut row_index: HashMap<Vec<u64>, u32> = HashMap::new();
            let mut rows: Vec<u64> = Vec::new();
            let (mut seg_start, mut seg_row, mut seg_owner) = (Vec::new(), Vec::new(), Vec::new());
            let mut e = 0;
            while let Some(&(pos, _, _)) = events.get(e) {
                while let Some(&(p, start, k)) = events.get(e) {
                    if p != pos {
                        break;
                    }
                    if start {
                        active.push(k);
                    } else if let Some(at) = active.iter().position(|&a| a == k) {
                        active.swap_remove(at);
                    }
                    e += 1;
                }
                let mut row = vec![0u64; words];
                let mut any = false;
                let mut owner = (u128::MAX, NONE);
                for &k in &active {
                    let Some(iv) = intervals.get(k) else { continue };
                    for &b in &iv.bits {
                        if let Some(w) = row.get_mut(b as usize / 64) {
                            *w |= 1u64 << (b % 64);
                            any = true;
                        }
                    }
                    if iv.owner != NONE && (iv.size, iv.owner) < owner {
                        owner = (iv.size, iv.owner);
                    }
                }
                let row_id = if any {
                    match row_index.get(&row) {
                        Some(&id) => id,
                        None => {
                            let id = (rows.len() / words) as u32;
                            rows.extend_from_slice(&row);
                            row_index.insert(row, id);
                            id
                        }
                    }
                } else {
                    NONE
                };
                // Adjacent segments that say the same thing are one segment.
                if seg_row.last() == Some(&row_id) && seg_owner.last() == Some(&owner.1) {
                    continue;
                }
                seg_start.push(pos);
                seg_row.push(row_id);
                seg_owner.push(owner.1);
            }
            (seg_start, seg_row, seg_owner, rows)
        };

        // Narrowness rank.
        let member_count = |g: &str| -> u128 {
            enis_by_group
                .get(g)
                .map(|v| {
                    v.iter()
                        .filter_map(|i| enis.get(i.0 as usize))
                        .fold(0u128, |acc, e| acc.saturating_add(eni_address_count(e)))
                })
                .unwrap_or(0)
        };
        let mut order: Vec<(u32, u128, bool, &str, usize)> = rules
            .iter()
            .enumerate()
            .map(|(i, r)| {
                (
                    r.ports.span(),
                    peer_size(&r.peer, inventory, member_count),
                    r.protocol == Protocol::All,
                    r.id.as_str(),
                    i,
                )
            })
            .collect();
        order.sort_unstable();
        let mut rank = vec![u32::MAX; rules.len()];
        for (pos, &(.., i)) in order.iter().enumerate() {
            if let Some(slot) = rank.get_mut(i) {
                *slot = pos as u32;
            }
        }

        // Protocol classes: class 0 = protocols no rule names; one class per named protocol.
        let mut proto_class = [0u16; 256];
        let mut n_classes = 1usize;
        let mut class_proto: Vec<Option<u8>> = vec![None];
        for r in &rules {
            if let Protocol::Number(p) = r.protocol
                && proto_class[p as usize] == 0
            {
                proto_class[p as usize] = n_classes as u16;
                class_proto.push(Some(p));
                n_classes += 1;
            }
        }

        // Candidate slices.
        let mut v4 = Family::<u32> {
            buckets: Vec::with_capacity(group_sets.len() * 2 * n_classes),
            ..Family::default()
        };
        let mut v6 = Family::<u128> {
            buckets: Vec::with_capacity(group_sets.len() * 2 * n_classes),
            ..Family::default()
        };
        let mut max_matches = 0usize;
        for set_rules in &group_set_rules {
            for direction in [Direction::Ingress, Direction::Egress] {
                for class in &class_proto {
                    let (start4, start6) = (v4.cands.len(), v6.cands.len());
                    for &RuleIdx(ri) in set_rules {
                        let Some(r) = rules.get(ri as usize) else {
                            continue;
                        };
                        let proto_ok = match r.protocol {
                            Protocol::All => true,
                            Protocol::Number(p) => Some(p) == *class,
                        };
                        if r.direction != direction
                            || !proto_ok
                            || ri >= UNKNOWN_FLAG
                            || !peer_resolvable(&r.peer, inventory)
                        {
                            continue;
                        }
                        let (port_lo, port_span) = match (class, r.ports) {
                            (Some(6 | 17), PortSpec::Range { from, to }) => {
                                (from, to.saturating_sub(from))
                            }
                            _ => (0, u16::MAX),
                        };
                        let unknown = matches!(
                            r.ports,
                            PortSpec::Icmp {
                                icmp_type: Some(_),
                                ..
                            }
                        );
                        let rule = if unknown { ri | UNKNOWN_FLAG } else { ri };
                        let set_bit = match &r.peer {
                            Peer::Cidr(c) if c.is_ipv4() => {
                                // The low 32 bits: the IPv4 address and its mask.
                                let (net, mask) = (c.network().0 as u32, c.mask() as u32);
                                v4.push(port_lo, port_span, net, mask, NONE, rule);
                                continue;
                            }
                            Peer::Cidr(c) => {
                                v6.push(port_lo, port_span, c.network().0, c.mask(), NONE, rule);
                                continue;
                            }
                            Peer::Group { group_id, .. } => group_bit.get(group_id),
                            Peer::PrefixList { id } => list_bit.get(id),
                        };
                        if let Some(&set_bit) = set_bit {
                            v4.push(port_lo, port_span, 0, 0, set_bit, rule);
                            v6.push(port_lo, port_span, 0, 0, set_bit, rule);
                        }
                    }
                    max_matches = max_matches
                        .max(v4.cands.len() - start4)
                        .max(v6.cands.len() - start6);
                    v4.buckets.push((start4 as u32, v4.cands.len() as u32));
                    v6.buckets.push((start6 as u32, v6.cands.len() as u32));
                }
            }
        }
        // Segments: IPv6 keeps the whole 128-bit list (its queries never fall in the IPv4-mapped
        // range); IPv4 gets the part inside ::ffff:0:0/96 as 32-bit keys, starting with the
        // segment in force at ::ffff:0.0.0.0.
        for (k, &start) in seg_start.iter().enumerate() {
            let (row, owner) = (
                seg_row.get(k).copied().unwrap_or(NONE),
                seg_owner.get(k).copied().unwrap_or(NONE),
            );
            let next = seg_start.get(k + 1).copied().unwrap_or(u128::MAX);
            if start <= MAPPED_HI && next > MAPPED_LO {
                let key = start.saturating_sub(MAPPED_LO) as u32;
                v4.seg_start.push(key);
                v4.seg_row.push(row);
                v4.seg_owner.push(owner);
            }
        }
        v6.seg_start = seg_start;
        v6.seg_row = seg_row;
        v6.seg_owner = seg_owner;
        // An IPv4 segment [start, next) covers the /16s from start >> 16 to (next - 1) >> 16.
        v4.index_rows(
            enis.iter()
                .flat_map(|e| e.private_ipv4.iter().map(|a| u32::from(*a))),
            |start, next| {
                let last = next.map_or(u32::MAX, |n| n.saturating_sub(1));
                Some(((start >> 16) as usize, (last >> 16) as usize))
            },
        );
        v6.index_rows(
            enis.iter()
                .flat_map(|e| e.ipv6.iter().map(|a| Addr::from(*a).0))
                .filter(|&a| !Addr(a).is_ipv4()),
            |_, _| None,
        );

        let resolved = rules
            .iter()
            .map(|r| peer_resolvable(&r.peer, inventory))
            .collect();
        CompiledMatcher {
            resolved,
            enis,
            eni_index,
            eni_group_set,
            group_sets,
            group_set_rules,
            enis_by_group,
            rules,
            rank,
            proto_class,
            n_classes,
            v4,
            v6,
            rows,
            words,
            vpc_cidrs: inventory.vpc_cidrs().to_vec(),
            max_matches,
        }
    }

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

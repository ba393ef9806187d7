//! Compiling an [`Inventory`] into a [`CompiledMatcher`], one function per phase:
//!
//! 1. [`GroupSets::of`]: ENI versions → distinct group sets, group membership, versions per id;
//! 2. [`rules_per_group_set`]: every rule of the groups of each set;
//! 3. [`PeerBits::assign`]: one bit per resolvable group or prefix list some rule references;
//! 4. [`AddressSpace::sweep`]: the address space cut into segments, each with the bitset row of
//!    the prefix lists covering it; [`eni_rows`]: each ENI version's row of group bits;
//! 5. [`narrowness_ranks`]: the "narrowest rule" order as one rank per rule;
//! 6. [`ProtocolClasses::of`]: protocol numbers → the classes candidates are bucketed by;
//! 7. [`candidate_slices`]: per (group set, direction, protocol class), the candidates of each
//!    address family;
//! 8. [`AddressSpace::split_families`]: the segments as 32-bit IPv4 keys and 128-bit IPv6 keys,
//!    with the exact-address and /16 shortcuts;
//! 9. epochs, the address book, VPC scopes and the surroundings (their own modules).
//!
//! Nothing here runs per query.

use hashbrown::HashMap;

use super::address::AddressBook;
use super::classes::InternetClasses;
use super::family::Family;
use super::lookup::Surroundings;
use super::scope::Scopes;
use super::time::Epochs;
use super::{
    CompiledMatcher, EniIdx, GROUP_FLAG, GroupSetIdx, NONE, RuleIdx, TIMED_FLAG, UNKNOWN_FLAG,
};
use crate::addr::{Addr, Cidr};
use crate::load::Inventory;
use crate::model::{Direction, NetworkInterface, Peer, PortSpec, Protocol, Rule};

/// The IPv4-mapped range ::ffff:0:0/96: IPv4 addresses, which an IPv6 block never contains.
const MAPPED_LO: u128 = 0xffff << 32;
const MAPPED_HI: u128 = (0xffff << 32) | 0xffff_ffff;

impl CompiledMatcher {
    /// Compiles the inventory. Keeps copies of what it needs; the inventory can be dropped.
    pub fn new(inventory: &Inventory) -> CompiledMatcher {
        let enis: Vec<NetworkInterface> = inventory.network_interfaces().to_vec();
        let rules: Vec<Rule> = inventory.rules().to_vec();
        let sets = GroupSets::of(&enis);
        let group_set_rules = rules_per_group_set(&rules, &sets.group_sets);
        let bits = PeerBits::assign(&rules, inventory);
        let mut rows = RowStore::new(bits.words);
        let space = AddressSpace::sweep(inventory, &bits, &mut rows);
        let eni_row = eni_rows(&enis, &bits, &mut rows);
        let rank = narrowness_ranks(&rules, &enis, &sets.enis_by_group, inventory);
        let classes = ProtocolClasses::of(&rules);
        let epochs = Epochs::new(&rules);
        let (mut v4, mut v6, max_matches) = candidate_slices(
            &rules,
            &group_set_rules,
            &classes,
            &bits,
            &epochs,
            inventory,
        );
        space.split_families(&enis, &mut v4, &mut v6);
        let resolved = rules
            .iter()
            .map(|r| peer_resolvable(&r.peer, inventory))
            .collect();
        let scopes = Scopes::new(inventory);
        let addresses = AddressBook::new(&enis);
        let eni_vpc = enis
            .iter()
            .map(|e| scopes.of(e.vpc_id.as_deref()))
            .collect();
        let first_version = enis
            .iter()
            .map(|e| sets.eni_index.get(&e.id).map_or(NONE, |&(first, _)| first))
            .collect();
        CompiledMatcher {
            resolved,
            eni_valid: enis.iter().map(|e| e.valid).collect(),
            first_version,
            version_ids: (0..enis.len() as u32).map(EniIdx).collect(),
            eni_index: sets.eni_index,
            eni_group_set: sets.eni_group_set,
            eni_row,
            eni_vpc,
            group_sets: sets.group_sets,
            group_set_rules,
            enis_by_group: sets.enis_by_group,
            rules,
            rank,
            proto_class: classes.class_of,
            n_classes: classes.protocols.len(),
            v4,
            v6,
            rows: rows.rows,
            words: bits.words,
            max_matches,
            epochs,
            internet: InternetClasses::new(inventory, &addresses, &scopes),
            addresses,
            has_history: enis.iter().any(|e| !e.valid.is_always()),
            scopes,
            around: Surroundings::new(inventory, &enis),
            enis,
        }
    }
}

/// Phase 1: ENIs sharing the same set of groups share one group set.
struct GroupSets {
    /// ENI id → (first version, number of versions); versions of one id are contiguous.
    eni_index: HashMap<String, (u32, u32)>,
    eni_group_set: Vec<GroupSetIdx>,
    /// Each set's group ids, sorted and unique.
    group_sets: Vec<Vec<String>>,
    enis_by_group: HashMap<String, Vec<EniIdx>>,
}

impl GroupSets {
    fn of(enis: &[NetworkInterface]) -> GroupSets {
        let mut out = GroupSets {
            eni_index: HashMap::with_capacity(enis.len()),
            eni_group_set: Vec::with_capacity(enis.len()),
            group_sets: Vec::new(),
            enis_by_group: HashMap::new(),
        };
        let mut set_index: HashMap<Vec<String>, u32> = HashMap::new();
        for (i, e) in enis.iter().enumerate().take(u32::MAX as usize) {
            let idx = i as u32;
            out.eni_index
                .entry(e.id.clone())
                .and_modify(|(_, n)| *n += 1)
                .or_insert((idx, 1));
            let mut set = e.group_ids.clone();
            set.sort();
            set.dedup();
            for g in &set {
                out.enis_by_group
                    .entry(g.clone())
                    .or_default()
                    .push(EniIdx(idx));
            }
            let gs = match set_index.get(&set) {
                Some(&gs) => gs,
                None => {
                    let gs = out.group_sets.len() as u32;
                    set_index.insert(set.clone(), gs);
                    out.group_sets.push(set);
                    gs
                }
            };
            out.eni_group_set.push(GroupSetIdx(gs));
        }
        out
    }
}

/// Phase 2: the rules of every group of each set, ascending.
fn rules_per_group_set(rules: &[Rule], group_sets: &[Vec<String>]) -> Vec<Vec<RuleIdx>> {
    let mut rules_by_group: HashMap<&str, Vec<RuleIdx>> = HashMap::new();
    for (i, r) in rules.iter().enumerate() {
        rules_by_group
            .entry(r.group_id.as_str())
            .or_default()
            .push(RuleIdx(i as u32));
    }
    group_sets
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
        .collect()
}

/// Phase 3: one bit per resolvable group or prefix list that some rule references.
struct PeerBits {
    group_bit: HashMap<String, u32>,
    list_bit: HashMap<String, u32>,
    /// u64 words per bitset row (at least 1).
    words: usize,
}

impl PeerBits {
    fn assign(rules: &[Rule], inventory: &Inventory) -> PeerBits {
        let mut group_bit: HashMap<String, u32> = HashMap::new();
        let mut list_bit: HashMap<String, u32> = HashMap::new();
        let mut n_bits = 0u32;
        for r in rules {
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
        PeerBits {
            group_bit,
            list_bit,
            words: (n_bits as usize).div_ceil(64).max(1),
        }
    }
}

/// Bitset rows of peer bits, each stored once.
struct RowStore {
    words: usize,
    rows: Vec<u64>,
    index: HashMap<Vec<u64>, u32>,
}

impl RowStore {
    fn new(words: usize) -> RowStore {
        RowStore {
            words,
            rows: Vec::new(),
            index: HashMap::new(),
        }
    }

    /// The id of the row with these bits set, or [`NONE`] when there are none.
    fn intern(&mut self, bits: impl IntoIterator<Item = u32>) -> u32 {
        let mut row = vec![0u64; self.words];
        let mut any = false;
        for b in bits {
            if let Some(w) = row.get_mut(b as usize / 64) {
                *w |= 1u64 << (b % 64);
                any = true;
            }
        }
        if !any {
            return NONE;
        }
        if let Some(&id) = self.index.get(&row) {
            return id;
        }
        let id = (self.rows.len() / self.words) as u32;
        self.rows.extend_from_slice(&row);
        self.index.insert(row, id);
        id
    }
}

/// Phase 4b: each ENI version's row: the bits of the referenced groups it carries.
fn eni_rows(enis: &[NetworkInterface], bits: &PeerBits, rows: &mut RowStore) -> Vec<u32> {
    enis.iter()
        .map(|e| {
            rows.intern(
                e.group_ids
                    .iter()
                    .filter_map(|g| bits.group_bit.get(g).copied()),
            )
        })
        .collect()
}

/// Phase 4: the whole 128-bit address space as sorted segments (`start`), each with the bitset
/// row of the prefix lists covering it ([`NONE`] when none does).
struct AddressSpace {
    start: Vec<u128>,
    row: Vec<u32>,
}

impl AddressSpace {
    fn sweep(inventory: &Inventory, bits: &PeerBits, rows: &mut RowStore) -> AddressSpace {
        // (lo, hi, bit) of every entry of every referenced prefix list.
        let mut ranges: Vec<(u128, u128, u32)> = Vec::new();
        let mut pieces = Vec::new();
        for l in inventory.prefix_lists() {
            let (Some(&bit), Some(entries)) = (bits.list_bit.get(&l.id), l.entries.as_ref()) else {
                continue;
            };
            for c in entries {
                pieces.clear();
                push_cidr_interval(&mut pieces, c);
                ranges.extend(pieces.iter().map(|&(lo, hi)| (lo, hi, bit)));
            }
        }
        let mut space = AddressSpace {
            start: Vec::new(),
            row: Vec::new(),
        };
        let bounds: Vec<(u128, u128)> = ranges.iter().map(|&(lo, hi, _)| (lo, hi)).collect();
        sweep(&bounds, |pos, active| {
            let row = rows.intern(active.iter().filter_map(|&k| ranges.get(k)).map(|r| r.2));
            // Adjacent segments that say the same thing are one segment.
            if space.row.last() != Some(&row) {
                space.start.push(pos);
                space.row.push(row);
            }
        });
        space
    }

    /// Phase 8: IPv6 keeps the whole 128-bit list (its queries never fall in the IPv4-mapped
    /// range); IPv4 gets the part inside ::ffff:0:0/96 as 32-bit keys, starting with the segment
    /// in force at ::ffff:0.0.0.0. Then the shortcuts.
    fn split_families(
        self,
        enis: &[NetworkInterface],
        v4: &mut Family<u32>,
        v6: &mut Family<u128>,
    ) {
        for (k, &start) in self.start.iter().enumerate() {
            let row = self.row.get(k).copied().unwrap_or(NONE);
            let next = self.start.get(k + 1).copied().unwrap_or(u128::MAX);
            if start <= MAPPED_HI && next > MAPPED_LO {
                let key = start.saturating_sub(MAPPED_LO) as u32;
                v4.seg_start.push(key);
                v4.seg_row.push(row);
            }
        }
        v6.seg_start = self.start;
        v6.seg_row = self.row;
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
    }
}

/// Phase 5: the narrowness rank of every rule (0 = narrowest of all): smallest port span, then
/// smallest peer, then a specific protocol before `-1`, then the lowest rule id.
fn narrowness_ranks(
    rules: &[Rule],
    enis: &[NetworkInterface],
    enis_by_group: &HashMap<String, Vec<EniIdx>>,
    inventory: &Inventory,
) -> Vec<u32> {
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
    rank
}

/// Phase 6: class 0 = protocols no rule names; one class per named protocol.
struct ProtocolClasses {
    class_of: [u16; 256],
    /// The protocol of each class (`None` for class 0).
    protocols: Vec<Option<u8>>,
}

impl ProtocolClasses {
    fn of(rules: &[Rule]) -> ProtocolClasses {
        let mut class_of = [0u16; 256];
        let mut protocols: Vec<Option<u8>> = vec![None];
        for r in rules {
            if let Protocol::Number(p) = r.protocol
                && class_of[p as usize] == 0
            {
                class_of[p as usize] = protocols.len() as u16;
                protocols.push(Some(p));
            }
        }
        ProtocolClasses {
            class_of,
            protocols,
        }
    }
}

/// Phase 7: per (group set, direction, protocol class), one contiguous slice of candidates per
/// address family; returns the families and the largest slice (the most matches of one query).
fn candidate_slices(
    rules: &[Rule],
    group_set_rules: &[Vec<RuleIdx>],
    classes: &ProtocolClasses,
    bits: &PeerBits,
    epochs: &Epochs,
    inventory: &Inventory,
) -> (Family<u32>, Family<u128>, usize) {
    let n_buckets = group_set_rules.len() * 2 * classes.protocols.len();
    let mut v4 = Family::<u32>::with_buckets(n_buckets);
    let mut v6 = Family::<u128>::with_buckets(n_buckets);
    let mut max_matches = 0usize;
    for set_rules in group_set_rules {
        for direction in [Direction::Ingress, Direction::Egress] {
            for class in &classes.protocols {
                let (start4, start6) = (v4.cands.len(), v6.cands.len());
                for &RuleIdx(ri) in set_rules {
                    let Some(r) = rules.get(ri as usize) else {
                        continue;
                    };
                    let proto_ok = match r.protocol {
                        Protocol::All => true,
                        Protocol::Number(p) => Some(p) == *class,
                    };
                    if r.direction == direction
                        && proto_ok
                        && ri < TIMED_FLAG
                        && peer_resolvable(&r.peer, inventory)
                    {
                        let timed = !epochs.always(ri);
                        push_candidate(&mut v4, &mut v6, r, ri, timed, *class, bits);
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
    (v4, v6, max_matches)
}

/// One rule as a candidate of the current bucket: in its family for a CIDR peer, in both for a
/// group peer (a bit of the remote ENI's row) or a prefix-list peer (a bit of the address's row).
fn push_candidate(
    v4: &mut Family<u32>,
    v6: &mut Family<u128>,
    r: &Rule,
    ri: u32,
    timed: bool,
    class: Option<u8>,
    bits: &PeerBits,
) {
    let (port_lo, port_span) = match (class, r.ports) {
        (Some(6 | 17), PortSpec::Range { from, to }) => (from, to.saturating_sub(from)),
        _ => (0, u16::MAX),
    };
    let unknown = matches!(
        r.ports,
        PortSpec::Icmp {
            icmp_type: Some(_),
            ..
        }
    );
    let rule = ri | if unknown { UNKNOWN_FLAG } else { 0 } | if timed { TIMED_FLAG } else { 0 };
    let set_bit = match &r.peer {
        Peer::Cidr(c) if c.is_ipv4() => {
            // The low 32 bits: the IPv4 address and its mask.
            let (net, mask) = (c.network().0 as u32, c.mask() as u32);
            v4.push(port_lo, port_span, net, mask, NONE, rule);
            return;
        }
        Peer::Cidr(c) => {
            v6.push(port_lo, port_span, c.network().0, c.mask(), NONE, rule);
            return;
        }
        Peer::Group { group_id, .. } => bits.group_bit.get(group_id).map(|b| b | GROUP_FLAG),
        Peer::PrefixList { id } => bits.list_bit.get(id).copied(),
    };
    if let Some(set_bit) = set_bit {
        v4.push(port_lo, port_span, 0, 0, set_bit, rule);
        v6.push(port_lo, port_span, 0, 0, set_bit, rule);
    }
}

/// The addresses an ENI owns, as inclusive 128-bit intervals (IPv6 blocks clipped so that they
/// never cover IPv4-mapped addresses, as [`Cidr::contains`] demands).
/// Each comes with the size of its entry minus one (0 for an address), the "specificity" used
/// to pick one owner when entries of several ENIs overlap.
pub(super) fn eni_intervals(e: &NetworkInterface) -> Vec<(u128, u128, u128)> {
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
fn eni_address_count(e: &NetworkInterface) -> u128 {
    let singles = (e.private_ipv4.len() + e.ipv6.len()) as u128;
    e.ipv4_prefixes
        .iter()
        .chain(&e.ipv6_prefixes)
        .fold(singles, |acc, c| acc.saturating_add(c.size()))
}

/// Cuts the address space at every range boundary, in order: `segment(start, active)` is called
/// once per boundary with the indices of the ranges (inclusive `(lo, hi)`) covering the segment
/// that starts there, until the next boundary.
pub(super) fn sweep(ranges: &[(u128, u128)], mut segment: impl FnMut(u128, &[usize])) {
    let mut events: Vec<(u128, bool, usize)> = Vec::with_capacity(ranges.len() * 2);
    for (k, &(lo, hi)) in ranges.iter().enumerate() {
        events.push((lo, true, k));
        if let Some(end) = hi.checked_add(1) {
            events.push((end, false, k));
        }
    }
    events.sort_unstable_by_key(|&(pos, start, k)| (pos, start, k));
    let mut active: Vec<usize> = Vec::new();
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
        segment(pos, &active);
    }
}

/// A CIDR block as inclusive 128-bit intervals: IPv6 blocks lose the IPv4-mapped range.
pub(super) fn push_cidr_interval(out: &mut Vec<(u128, u128)>, c: &Cidr) {
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
fn peer_size(peer: &Peer, inv: &Inventory, member_count: impl Fn(&str) -> u128) -> u128 {
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
fn peer_resolvable(peer: &Peer, inv: &Inventory) -> bool {
    match peer {
        Peer::Cidr(_) => true,
        Peer::Group { group_id, .. } => !peer.is_stale() && inv.group(group_id).is_some(),
        Peer::PrefixList { id } => inv.prefix_list(id).is_some_and(|l| l.entries.is_some()),
    }
}

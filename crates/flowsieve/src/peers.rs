//! [`PeerSketch`]: the internet addresses behind one aggregated tuple whose peer is an
//! internet class ([`flowsieve_sg::CompiledMatcher::internet_class`]), in memory that does not
//! grow with the number of distinct clients.
//!
//! Up to [`EXACT_PEERS`] distinct addresses a sketch is an exact table (address → records, 8
//! bytes an entry for IPv4), and everything the report derives from it is what an exact engine
//! would print. Beyond that it keeps:
//! * a HyperLogLog of the addresses ([`DistinctCounter`]), for `distinct_peers`;
//! * a dyadic Count-Min sketch ([`HeavyHitters`]) over the address's bytes, from which the
//!   addresses with at least [`HEAVY_SHARE_PERCENT`] % of the tuple's records are recovered
//!   with estimated counts.
//!
//! Both are linear (a register-wise max, a cell-wise sum), and the switch happens when the
//! union of the addresses exceeds [`EXACT_PEERS`], so a sketch is the same for any order of
//! records and merges: the report does not depend on thread count or file order.
//!
//! Error bound of a recovered count (documented in docs/semantics.md): with [`ROWS`] rows of
//! [`WIDTH`] cells, an estimate exceeds the true count by more than e/WIDTH ≈ 1.06 % of the
//! tuple's records with probability at most e^-ROWS ≈ 5 %; it never falls below it.

use foldhash::fast::FixedState;
use hashbrown::HashMap;

use crate::distinct::{DistinctCounter, EXACT_LIMIT, SKETCH_BYTES, hash128};

/// Distinct addresses kept exactly (the same limit as [`DistinctCounter`]'s, so distinct counts
/// are exact exactly where they were before sketching).
pub(crate) const EXACT_PEERS: usize = EXACT_LIMIT;
/// An address is named by a sketched tuple when its estimate reaches this share of the tuple's
/// records.
pub(crate) const HEAVY_SHARE_PERCENT: u64 = 1;
const ROWS: usize = 3;
const WIDTH: usize = 256;
/// Candidates kept per level of the recovery (the largest estimates).
const MAX_CANDIDATES: usize = 256;
/// Addresses buffered exactly before they are folded into the sketch (repeat clients cost one
/// table update, not `levels × ROWS` counter updates).
const PENDING: usize = 64;
/// The IPv4-mapped prefix of an IPv4 address's 128-bit form.
const V4_BASE: u128 = 0xffff << 32;

type Map<K, V> = HashMap<K, V, FixedState>;

fn map<K, V>() -> Map<K, V> {
    HashMap::with_hasher(FixedState::with_seed(0x9ee5))
}

/// An exact address → records table. IPv4 (the common case) takes 8 bytes an entry, not 24:
/// until the table fills, memory is what it holds. A table that is added to record by record
/// is a hash table (a 1,024-address one is 18 KB: 2,048 buckets); one that two tables were
/// merged into — the copy shared by the workers ([`crate::accum::SharedPeers`]), the merged
/// accumulator's — is a sorted array with at most an eighth spare (a 1,024-address one is
/// 8–9 KB), which is what stays resident.
#[derive(Debug, Clone)]
pub(crate) enum ExactPeers {
    /// IPv4 addresses (low 32 bits) with counts below 2^32.
    V4(Map<u32, u32>),
    /// The same, packed and sorted by address: `address << 32 | count`
    /// ([`packed`](self::packed)).
    Packed(Vec<u64>),
    /// Any address, any count (an IPv6 class, or a count that outgrew 32 bits).
    Wide(Map<u128, u64>),
}

impl Default for ExactPeers {
    fn default() -> Self {
        ExactPeers::V4(map())
    }
}

impl ExactPeers {
    /// Adds `records` records of `addr`; returns whether `addr` is new to the table.
    #[inline]
    fn add(&mut self, addr: u128, records: u64) -> bool {
        let before = self.len();
        if let ExactPeers::Packed(entries) = self {
            if is_ipv4(addr)
                && let Some(new) = packed::add(entries, addr as u32, records)
            {
                return new;
            }
            self.widen();
        }
        if let ExactPeers::V4(table) = self {
            if is_ipv4(addr) {
                let slot = table.entry(addr as u32).or_insert(0);
                if let Some(sum) = u32::try_from(records)
                    .ok()
                    .and_then(|r| slot.checked_add(r))
                {
                    *slot = sum;
                    return table.len() > before;
                }
            }
            self.widen();
        }
        if let ExactPeers::Wide(table) = self {
            *table.entry(addr).or_insert(0) += records;
        }
        self.len() > before
    }

    fn widen(&mut self) {
        if !matches!(self, ExactPeers::Wide(_)) {
            let wide = self.iter().collect();
            *self = ExactPeers::Wide(wide);
        }
    }

    fn len(&self) -> usize {
        match self {
            ExactPeers::V4(table) => table.len(),
            ExactPeers::Packed(entries) => entries.len(),
            ExactPeers::Wide(table) => table.len(),
        }
    }

    /// Every address (128-bit form) with its records, in no particular order.
    fn iter(&self) -> impl Iterator<Item = (u128, u64)> + '_ {
        let (v4, packed, wide) = match self {
            ExactPeers::V4(table) => (Some(table), None, None),
            ExactPeers::Packed(entries) => (None, Some(entries), None),
            ExactPeers::Wide(table) => (None, None, Some(table)),
        };
        let v4 = v4
            .into_iter()
            .flatten()
            .map(|(&a, &n)| (V4_BASE | u128::from(a), u64::from(n)));
        let packed = packed.into_iter().flatten().map(|&e| packed::unpack(e));
        let wide = wide.into_iter().flatten().map(|(&a, &n)| (a, n));
        v4.chain(packed).chain(wide)
    }

    /// The IPv4 entries packed and sorted, when every entry is IPv4 with a count below 2^32.
    fn packed_entries(&self) -> Option<std::borrow::Cow<'_, [u64]>> {
        match self {
            ExactPeers::Packed(entries) => Some(std::borrow::Cow::Borrowed(entries)),
            ExactPeers::V4(table) => {
                let mut entries: Vec<u64> =
                    table.iter().map(|(&a, &n)| packed::pack(a, n)).collect();
                entries.sort_unstable();
                Some(std::borrow::Cow::Owned(entries))
            }
            ExactPeers::Wide(_) => None,
        }
    }

    /// Adds every entry of `other` when both are IPv4 tables whose sums stay below 2^32, and
    /// leaves `self` packed; `false` (nothing done) otherwise.
    fn merge_packed(&mut self, other: &ExactPeers) -> bool {
        let Some(theirs) = other.packed_entries() else {
            return false;
        };
        let mut mine = match std::mem::replace(self, ExactPeers::Packed(Vec::new())) {
            ExactPeers::Packed(entries) => entries,
            table => match table.packed_entries() {
                Some(entries) => entries.into_owned(),
                None => {
                    *self = table;
                    return false;
                }
            },
        };
        let merged = packed::merge(&mut mine, &theirs);
        *self = ExactPeers::Packed(mine);
        merged
    }
}

/// Sorted IPv4 tables packed as `address << 32 | count` (a merged exact table's form).
mod packed {
    use super::V4_BASE;

    pub(super) fn pack(addr: u32, records: u32) -> u64 {
        (u64::from(addr) << 32) | u64::from(records)
    }

    pub(super) fn unpack(entry: u64) -> (u128, u64) {
        (V4_BASE | u128::from(entry >> 32), entry & 0xffff_ffff)
    }

    fn addr(entry: u64) -> u32 {
        (entry >> 32) as u32
    }

    /// Adds `records` records of `addr`: whether it is new, or `None` (nothing done) when the
    /// count would not fit 32 bits.
    pub(super) fn add(entries: &mut Vec<u64>, addr: u32, records: u64) -> Option<bool> {
        let records = u32::try_from(records).ok()?;
        match entries.binary_search_by_key(&addr, |&e| self::addr(e)) {
            Ok(i) => {
                let sum = (entries[i] as u32).checked_add(records)?;
                entries[i] = pack(addr, sum);
                Some(false)
            }
            Err(i) => {
                reserve(entries, entries.len() + 1);
                entries.insert(i, pack(addr, records));
                Some(true)
            }
        }
    }

    /// Room for `len` entries with at most an eighth spare after growing (merges come often
    /// and add little: growing in steps of an eighth keeps both copies and spare small).
    fn reserve(entries: &mut Vec<u64>, len: usize) {
        if entries.capacity() < len {
            entries.reserve_exact(len + len / 8 - entries.len());
        }
    }

    /// Adds the sorted, distinct `theirs` into `mine` (sorted, distinct), in place: a count of
    /// the union, then a merge from the back. `false` (nothing done) when a sum would not fit
    /// 32 bits.
    pub(super) fn merge(mine: &mut Vec<u64>, theirs: &[u64]) -> bool {
        if theirs.len().saturating_mul(SPARSE) < mine.len() {
            merge_sparse(mine, theirs)
        } else {
            merge_dense(mine, theirs)
        }
    }

    /// `theirs` at most this fraction of `mine` takes [`merge_sparse`]: a worker's table folded
    /// into the shared one (`crate::accum::SharedPeers`) usually brings a few addresses to a
    /// table of hundreds, which a walk over both would read whole.
    const SPARSE: usize = 8;

    /// [`merge`] by a walk over both tables.
    pub(super) fn merge_dense(mine: &mut Vec<u64>, theirs: &[u64]) -> bool {
        let (mut i, mut j, mut common) = (0, 0, 0);
        while i < mine.len() && j < theirs.len() {
            match addr(mine[i]).cmp(&addr(theirs[j])) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    if (mine[i] as u32).checked_add(theirs[j] as u32).is_none() {
                        return false;
                    }
                    common += 1;
                    i += 1;
                    j += 1;
                }
            }
        }
        let (n, union) = (mine.len(), mine.len() + theirs.len() - common);
        reserve(mine, union);
        mine.resize(union, 0);
        // Entries of `mine` not yet moved are below `k`'s place: `k - i` is the number of
        // `theirs` entries still to place that `mine` does not have.
        let (mut i, mut j, mut k) = (n, theirs.len(), union);
        while j > 0 {
            k -= 1;
            let t = theirs[j - 1];
            if i > 0 && addr(mine[i - 1]) > addr(t) {
                mine[k] = mine[i - 1];
                i -= 1;
            } else if i > 0 && addr(mine[i - 1]) == addr(t) {
                mine[k] = pack(addr(t), (mine[i - 1] as u32).wrapping_add(t as u32));
                i -= 1;
                j -= 1;
            } else {
                mine[k] = t;
                j -= 1;
            }
        }
        true
    }

    /// [`merge`] by a binary search per entry of `theirs`, then moving the blocks of `mine`
    /// between insertions from the back (`copy_within`: a memmove each), so the cost follows
    /// `theirs`, not `mine`. The same result as [`merge_dense`] (tested against it).
    pub(super) fn merge_sparse(mine: &mut Vec<u64>, theirs: &[u64]) -> bool {
        // Where each of `theirs` goes: `Ok` an entry of `mine` to add to, `Err` a new entry
        // before that index. Found before anything changes, so `false` leaves `mine` as it was.
        let mut places: Vec<Result<usize, usize>> = Vec::with_capacity(theirs.len());
        let mut from = 0;
        for &t in theirs {
            let rest = mine.get(from..).unwrap_or_default();
            match rest.binary_search_by_key(&addr(t), |&e| addr(e)) {
                Ok(i) => {
                    let i = from + i;
                    if (mine[i] as u32).checked_add(t as u32).is_none() {
                        return false;
                    }
                    places.push(Ok(i));
                    from = i + 1;
                }
                Err(i) => {
                    places.push(Err(from + i));
                    from += i;
                }
            }
        }
        let new = places.iter().filter(|p| p.is_err()).count();
        let (n, union) = (mine.len(), mine.len() + new);
        reserve(mine, union);
        mine.resize(union, 0);
        // `mine[..i]` is still where it was; `mine[k..]` is final.
        let (mut i, mut k) = (n, union);
        for (&t, place) in theirs.iter().zip(places).rev() {
            match place {
                Ok(at) => {
                    // Not moved: every block moved so far starts after it (`at < i`).
                    mine[at] = pack(addr(t), (mine[at] as u32).wrapping_add(t as u32));
                }
                Err(at) => {
                    let len = i - at;
                    mine.copy_within(at..i, k - len);
                    k -= len + 1;
                    i = at;
                    mine[k] = t;
                }
            }
        }
        true
    }
}

/// The addresses of one tuple's internet class.
#[derive(Debug, Clone)]
pub(crate) enum PeerSketch {
    /// Every address with its records (at most [`EXACT_PEERS`]).
    Exact(ExactPeers),
    /// More than [`EXACT_PEERS`] addresses.
    Sketched(Box<Sketched>),
}

/// The sketched state.
#[derive(Debug, Clone)]
pub(crate) struct Sketched {
    records: u64,
    distinct: DistinctCounter,
    heavy: HeavyHitters,
    /// Not yet folded into `distinct` and `heavy`.
    pending: Map<u128, u64>,
}

impl Default for PeerSketch {
    fn default() -> Self {
        PeerSketch::Exact(ExactPeers::default())
    }
}

impl PeerSketch {
    /// Adds `records` records of `addr`; returns whether that took a new entry of an exact
    /// table (what a worker counts against its budget: `crate::analyze`).
    #[inline]
    pub(crate) fn add(&mut self, addr: u128, records: u64) -> bool {
        match self {
            PeerSketch::Exact(table) => {
                let new = table.add(addr, records);
                if table.len() > EXACT_PEERS {
                    self.spill();
                }
                new
            }
            PeerSketch::Sketched(s) => {
                s.add(addr, records);
                false
            }
        }
    }

    fn spill(&mut self) {
        let v4 = match self {
            PeerSketch::Exact(table) => table.iter().next().is_none_or(|(a, _)| is_ipv4(a)),
            PeerSketch::Sketched(_) => return,
        };
        self.spill_as(v4);
    }

    /// Switches to the sketch of family `v4` (an empty table takes the family it is given).
    fn spill_as(&mut self, v4: bool) {
        if let PeerSketch::Exact(table) = self {
            let mut s = Sketched {
                records: 0,
                distinct: DistinctCounter::empty_sketch(),
                heavy: HeavyHitters::new(v4),
                pending: map(),
            };
            for (addr, records) in table.iter() {
                s.fold(addr, records);
            }
            *self = PeerSketch::Sketched(Box::new(s));
        }
    }

    /// Adds everything of `other`, taking it whole when that moves less: into an empty exact
    /// table, or when `self` is an exact table smaller than `other` (the result is the same
    /// either way: [`Self::merge`] is linear).
    pub(crate) fn merge_owned(&mut self, mut other: Box<PeerSketch>) {
        if self.exact_len() < other.exact_len() {
            std::mem::swap(self, &mut *other);
        }
        self.merge(&other);
    }

    /// Addresses of an exact table; `usize::MAX` for a sketch.
    fn exact_len(&self) -> usize {
        match self {
            PeerSketch::Exact(table) => table.len(),
            PeerSketch::Sketched(_) => usize::MAX,
        }
    }

    /// Adds everything of `other`.
    pub(crate) fn merge(&mut self, other: &PeerSketch) {
        match other {
            PeerSketch::Exact(table) => {
                if let PeerSketch::Exact(mine) = self
                    && mine.merge_packed(table)
                {
                    if mine.len() > EXACT_PEERS {
                        self.spill();
                    }
                    return;
                }
                for (addr, records) in table.iter() {
                    self.add(addr, records);
                }
            }
            PeerSketch::Sketched(theirs) => {
                self.spill_as(theirs.heavy.v4);
                if let PeerSketch::Sketched(mine) = self {
                    mine.merge(theirs);
                }
            }
        }
    }

    /// Folds buffered addresses into the sketch (no effect on what it reports).
    pub(crate) fn seal(&mut self) {
        if let PeerSketch::Sketched(s) = self {
            s.flush();
        }
    }

    /// The distinct addresses (exact or the sketch's), for merging into a tally's counter.
    pub(crate) fn distinct(&self) -> DistinctCounter {
        match self {
            PeerSketch::Exact(table) => {
                let mut c = DistinctCounter::new();
                table.iter().for_each(|(a, _)| c.insert(a));
                c
            }
            PeerSketch::Sketched(s) => {
                let mut c = s.distinct.clone();
                s.pending.keys().for_each(|&a| c.insert(a));
                c
            }
        }
    }

    /// Every address with its records while exact; else the addresses with at least
    /// [`HEAVY_SHARE_PERCENT`] % of the records, with estimated counts. Sorted by address.
    pub(crate) fn peers(&self) -> Vec<(u128, u64)> {
        let mut out: Vec<(u128, u64)> = match self {
            PeerSketch::Exact(table) => table.iter().collect(),
            PeerSketch::Sketched(s) => s.sealed().heavy_hitters(),
        };
        out.sort_unstable();
        out
    }

    /// Whether every address this sketch holds could be of internet class `class`
    /// (`class_of`: the network's [`flowsieve_sg::CompiledMatcher::internet_class`]): all of an
    /// exact table's addresses are in it, a sketch is of its family. For partials read back.
    pub(crate) fn fits(&self, class: u128, class_of: impl Fn(u128) -> Option<u128>) -> bool {
        match self {
            PeerSketch::Exact(table) => table.iter().all(|(a, _)| class_of(a) == Some(class)),
            PeerSketch::Sketched(s) => s.heavy.v4 == is_ipv4(class),
        }
    }

    pub(crate) fn is_exact(&self) -> bool {
        matches!(self, PeerSketch::Exact(_))
    }

    /// The sketch as bytes (partials): a tag, then the exact table or the sketch.
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        match self {
            PeerSketch::Exact(table) => {
                let mut rows: Vec<(u128, u64)> = table.iter().collect();
                rows.sort_unstable();
                let mut out = Vec::with_capacity(1 + rows.len() * 24);
                out.push(0);
                for (a, r) in rows {
                    out.extend_from_slice(&a.to_le_bytes());
                    out.extend_from_slice(&r.to_le_bytes());
                }
                out
            }
            PeerSketch::Sketched(s) => {
                let sealed = s.sealed();
                let mut out = Vec::new();
                out.push(if sealed.heavy.v4 { 1 } else { 2 });
                out.extend_from_slice(&sealed.records.to_le_bytes());
                out.extend_from_slice(sealed.distinct.registers().unwrap_or(&[]));
                for cell in &sealed.heavy.cells {
                    out.extend_from_slice(&cell.to_le_bytes());
                }
                out
            }
        }
    }

    /// Reads [`Self::to_bytes`]; `None` when the bytes are not such a sketch.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Option<PeerSketch> {
        let (&tag, rest) = bytes.split_first()?;
        match tag {
            0 => {
                if rest.len() % 24 != 0 || rest.len() / 24 > EXACT_PEERS {
                    return None;
                }
                let mut table = ExactPeers::default();
                for row in rest.chunks_exact(24) {
                    let addr = u128::from_le_bytes(row[..16].try_into().ok()?);
                    let records = u64::from_le_bytes(row[16..].try_into().ok()?);
                    table.add(addr, records);
                }
                // A repeated address would have merged into one entry.
                (table.len() == rest.len() / 24).then_some(PeerSketch::Exact(table))
            }
            1 | 2 => {
                let v4 = tag == 1;
                let cells = HeavyHitters::levels(v4) * ROWS * WIDTH;
                if rest.len() != 8 + SKETCH_BYTES + cells * 8 {
                    return None;
                }
                let records = u64::from_le_bytes(rest[..8].try_into().ok()?);
                let distinct = DistinctCounter::from_registers(&rest[8..8 + SKETCH_BYTES])?;
                let cells: Vec<u64> = rest[8 + SKETCH_BYTES..]
                    .chunks_exact(8)
                    .map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
                    .collect();
                Some(PeerSketch::Sketched(Box::new(Sketched {
                    records,
                    distinct,
                    heavy: HeavyHitters { v4, cells },
                    pending: map(),
                })))
            }
            _ => None,
        }
    }
}

impl Sketched {
    #[inline]
    fn add(&mut self, addr: u128, records: u64) {
        *self.pending.entry(addr).or_insert(0) += records;
        if self.pending.len() >= PENDING {
            self.flush();
        }
    }

    /// This sketch with nothing pending: itself when sealed ([`PeerSketch::seal`]), else a
    /// flushed copy.
    fn sealed(&self) -> std::borrow::Cow<'_, Sketched> {
        if self.pending.is_empty() {
            std::borrow::Cow::Borrowed(self)
        } else {
            let mut copy = self.clone();
            copy.flush();
            std::borrow::Cow::Owned(copy)
        }
    }

    fn flush(&mut self) {
        let pending = std::mem::replace(&mut self.pending, map());
        for (addr, records) in pending {
            self.fold(addr, records);
        }
    }

    fn fold(&mut self, addr: u128, records: u64) {
        self.records += records;
        self.distinct.insert(addr);
        self.heavy.add(addr, records);
    }

    fn merge(&mut self, other: &Sketched) {
        self.records += other.records;
        self.distinct.merge(&other.distinct);
        self.heavy.merge(&other.heavy);
        for (&addr, &records) in &other.pending {
            self.add(addr, records);
        }
    }

    fn heavy_hitters(&self) -> Vec<(u128, u64)> {
        let threshold = (self.records * HEAVY_SHARE_PERCENT).div_ceil(100).max(1);
        self.heavy.recover(threshold)
    }
}

/// A dyadic Count-Min sketch over the bytes of an address (the 4 bytes of an IPv4 address, the
/// 16 of an IPv6 one): level `l` counts the address's first `l + 1` bytes, so heavy addresses
/// are found by descending from heavy 1-byte prefixes.
#[derive(Debug, Clone)]
pub(crate) struct HeavyHitters {
    v4: bool,
    /// `levels × ROWS × WIDTH` counters.
    cells: Vec<u64>,
}

impl HeavyHitters {
    fn new(v4: bool) -> Self {
        HeavyHitters {
            v4,
            cells: vec![0; Self::levels(v4) * ROWS * WIDTH],
        }
    }

    fn levels(v4: bool) -> usize {
        if v4 { 4 } else { 16 }
    }

    /// The first `level + 1` bytes of the address within its family.
    #[inline]
    fn prefix(&self, addr: u128, level: usize) -> u128 {
        let (value, bytes) = if self.v4 {
            (addr & 0xffff_ffff, 4)
        } else {
            (addr, 16)
        };
        value >> (8 * (bytes - 1 - level))
    }

    #[inline]
    fn cell(level: usize, row: usize, prefix: u128) -> usize {
        let seed = ((level * ROWS + row) as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        (level * ROWS + row) * WIDTH + (hash128(prefix, seed) as usize & (WIDTH - 1))
    }

    fn add(&mut self, addr: u128, records: u64) {
        for level in 0..Self::levels(self.v4) {
            let prefix = self.prefix(addr, level);
            for row in 0..ROWS {
                let cell = &mut self.cells[Self::cell(level, row, prefix)];
                *cell = cell.saturating_add(records);
            }
        }
    }

    fn merge(&mut self, other: &HeavyHitters) {
        // A class never spans both families (the IPv4-mapped block is cut out), an empty table
        // takes the family of what it merges, and partials are checked on reading.
        debug_assert_eq!(self.v4, other.v4, "peer sketches of two address families");
        if self.v4 != other.v4 {
            return;
        }
        for (mine, theirs) in self.cells.iter_mut().zip(&other.cells) {
            *mine = mine.saturating_add(*theirs);
        }
    }

    fn estimate(&self, level: usize, prefix: u128) -> u64 {
        (0..ROWS)
            .map(|row| self.cells[Self::cell(level, row, prefix)])
            .min()
            .unwrap_or(0)
    }

    /// Every address whose estimate reaches `threshold`, with the estimate.
    fn recover(&self, threshold: u64) -> Vec<(u128, u64)> {
        let mut candidates: Vec<(u128, u64)> = vec![(0, u64::MAX)];
        for level in 0..Self::levels(self.v4) {
            let mut next: Vec<(u128, u64)> = Vec::new();
            for &(prefix, _) in &candidates {
                for byte in 0..=255u128 {
                    let child = (prefix << 8) | byte;
                    let estimate = self.estimate(level, child);
                    if estimate >= threshold {
                        next.push((child, estimate));
                    }
                }
            }
            next.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            next.truncate(MAX_CANDIDATES);
            candidates = next;
        }
        let base = if self.v4 { 0xffff << 32 } else { 0 };
        candidates
            .into_iter()
            .map(|(addr, estimate)| (base | addr, estimate))
            .collect()
    }
}

fn is_ipv4(addr: u128) -> bool {
    addr >> 32 == 0xffff
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(a: u32) -> u128 {
        (0xffff << 32) | u128::from(a)
    }

    #[test]
    fn exact_up_to_the_limit() {
        let mut s = PeerSketch::default();
        for i in 0..EXACT_PEERS as u32 {
            s.add(v4(i), 1);
        }
        s.add(v4(0), 5);
        assert!(s.is_exact());
        assert_eq!(s.distinct().count(), EXACT_PEERS as u64);
        assert_eq!(s.peers()[0], (v4(0), 6));
        s.add(v4(1 << 20), 1);
        assert!(!s.is_exact());
    }

    /// Many light clients and a few heavy ones: the heavy ones are named with estimates that
    /// are never low and within the documented bound; the distinct count is close.
    #[test]
    fn heavy_clients_are_recovered_among_many() {
        let mut s = PeerSketch::default();
        let heavy = [v4(0x0a0b_0c0d), v4(0xc633_6407), v4(0x0101_0101)];
        let mut total = 0u64;
        for i in 0..200_000u32 {
            s.add(v4(i.wrapping_mul(2_654_435_761)), 1);
            total += 1;
        }
        for (k, &h) in heavy.iter().enumerate() {
            let n = 5_000 * (k as u64 + 1);
            s.add(h, n);
            total += n;
        }
        s.seal();
        let peers = s.peers();
        for (k, &h) in heavy.iter().enumerate() {
            let truth = 5_000 * (k as u64 + 1);
            let (_, estimate) = peers.iter().find(|p| p.0 == h).copied().unwrap();
            assert!(estimate >= truth, "{estimate} < {truth}");
            assert!(estimate - truth <= total * 3 / 256, "{estimate} vs {truth}");
        }
        assert!(peers.len() < 20, "{} named", peers.len());
        let distinct = s.distinct().count() as f64;
        assert!(
            (distinct - 200_003.0).abs() / 200_003.0 < 0.05,
            "{distinct}"
        );
    }

    /// Any split and order of the same records gives the same bytes.
    #[test]
    fn merge_order_does_not_matter() {
        let records: Vec<(u128, u64)> = (0..5_000u32)
            .map(|i| (v4(i.wrapping_mul(40_503) % 3_000), u64::from(i % 7) + 1))
            .collect();
        let build = |part: &[(u128, u64)]| {
            let mut s = PeerSketch::default();
            part.iter().for_each(|&(a, r)| {
                s.add(a, r);
            });
            s
        };
        let mut whole = build(&records);
        let (a, b) = records.split_at(1_700);
        let mut ab = build(a);
        ab.merge(&build(b));
        let mut reversed: Vec<(u128, u64)> = records.clone();
        reversed.reverse();
        let (c, d) = reversed.split_at(4_000);
        let mut dc = build(d);
        dc.merge(&build(c));
        for s in [&mut whole, &mut ab, &mut dc] {
            s.seal();
        }
        assert_eq!(whole.to_bytes(), ab.to_bytes());
        assert_eq!(whole.to_bytes(), dc.to_bytes());
        assert_eq!(whole.peers(), dc.peers());
    }

    /// An empty sketch merged with an IPv6 sketch keeps its heavy addresses.
    #[test]
    fn an_empty_sketch_takes_the_family_it_merges() {
        let mut v6 = PeerSketch::default();
        for i in 0..2_000u128 {
            v6.add((0x2001_0db8 << 96) | i, 1);
        }
        v6.add((0x2001_0db8 << 96) | 0xbeef, 500);
        let mut merged = PeerSketch::default();
        merged.merge(&v6);
        assert_eq!(merged.peers(), v6.peers());
        assert!(
            merged
                .peers()
                .iter()
                .any(|p| p.0 == (0x2001_0db8 << 96) | 0xbeef)
        );
    }

    /// The compact IPv4 table gives way to the wide one for counts past 32 bits and for IPv6,
    /// keeping every count exact.
    #[test]
    fn exact_tables_widen_for_big_counts_and_ipv6() {
        let mut s = PeerSketch::default();
        s.add(v4(1), u64::from(u32::MAX));
        s.add(v4(2), 1);
        s.add(v4(1), 5);
        assert_eq!(
            s.peers(),
            vec![(v4(1), u64::from(u32::MAX) + 5), (v4(2), 1)]
        );
        let mut six = PeerSketch::default();
        six.add(0x2001_0db8 << 96, 3);
        six.add(0x2001_0db8 << 96, 4);
        assert_eq!(six.peers(), vec![(0x2001_0db8 << 96, 7)]);
    }

    /// A partial's sketch must hold addresses of its tuple's class only.
    #[test]
    fn a_sketch_fits_only_its_class() {
        let class_of = |a: u128| Some(a & !0xffff);
        let mut small = PeerSketch::default();
        small.add(v4(0x0a00_0005), 1);
        assert!(small.fits(v4(0x0a00_0000), class_of));
        assert!(!small.fits(v4(0x0a01_0000), class_of));
        let mut big = PeerSketch::default();
        for i in 0..3_000u32 {
            big.add(v4(i), 1);
        }
        assert!(big.fits(v4(0), class_of));
        assert!(!big.fits(0x2001_0db8 << 96, class_of));
    }

    /// Merged tables are packed; every way of building the same records gives the same
    /// exact entries as a plain map (the model), also past 32-bit sums and at the limit.
    #[test]
    fn packed_merges_match_a_map() {
        use proptest::prelude::*;
        let entry = (
            0u32..600,
            prop_oneof![1u64..5, Just(u64::from(u32::MAX) - 1)],
        );
        let parts = prop::collection::vec(prop::collection::vec(entry, 0..400), 1..6);
        proptest!(|(parts in parts)| {
            let mut model: std::collections::BTreeMap<u128, u64> = Default::default();
            let mut merged = PeerSketch::default();
            for part in &parts {
                let mut s = PeerSketch::default();
                for &(a, r) in part {
                    s.add(v4(a), r);
                    *model.entry(v4(a)).or_insert(0) += r;
                }
                merged.merge_owned(Box::new(s));
                // Record by record into a merged (packed) table as well.
                merged.add(v4(a_then(part)), 1);
                *model.entry(v4(a_then(part))).or_insert(0) += 1;
            }
            prop_assert!(merged.is_exact());
            let want: Vec<(u128, u64)> = model.into_iter().collect();
            prop_assert_eq!(merged.peers(), want);
        });
    }

    /// The sparse merge (a search per entry) gives what the walk over both gives, including
    /// refusing a sum past 32 bits without changing anything.
    #[test]
    fn sparse_packed_merges_match_dense_ones() {
        use proptest::prelude::*;
        let table = |n| {
            prop::collection::btree_map(0u32..3_000, prop_oneof![1u32..5, Just(u32::MAX - 2)], 0..n)
                .prop_map(|m| {
                    m.into_iter()
                        .map(|(a, r)| packed::pack(a, r))
                        .collect::<Vec<u64>>()
                })
        };
        proptest!(|(mine in table(900), theirs in table(40))| {
            let (mut sparse, mut dense) = (mine.clone(), mine.clone());
            let done = packed::merge_sparse(&mut sparse, &theirs);
            prop_assert_eq!(done, packed::merge_dense(&mut dense, &theirs));
            if done {
                prop_assert_eq!(&sparse, &dense);
            } else {
                prop_assert_eq!(&sparse, &mine);
            }
        });
    }

    /// An address after those of a part (new to the table, or not).
    fn a_then(part: &[(u32, u64)]) -> u32 {
        part.len() as u32 * 3
    }

    #[test]
    fn merged_tables_are_packed_and_spill_past_the_limit() {
        let build = |range: std::ops::Range<u32>| {
            let mut s = PeerSketch::default();
            range.for_each(|i| {
                s.add(v4(i * 7), 1);
            });
            s
        };
        let mut a = build(0..600);
        a.merge(&build(300..900));
        assert!(matches!(&a, PeerSketch::Exact(ExactPeers::Packed(_))));
        assert_eq!(a.exact_len(), 900);
        if let PeerSketch::Exact(ExactPeers::Packed(entries)) = &a {
            assert!(
                entries.capacity() <= 900 + 900 / 8,
                "{}",
                entries.capacity()
            );
        }
        // Past the limit: the sketch of the union, as if added one by one.
        let mut one_by_one = build(0..1_100);
        let mut merged = build(0..600);
        merged.merge(&build(600..1_100));
        assert!(!merged.is_exact());
        for s in [&mut one_by_one, &mut merged] {
            s.seal();
        }
        assert_eq!(merged.to_bytes(), one_by_one.to_bytes());
        // IPv6 into a packed table widens it and keeps every count.
        a.merge(&{
            let mut six = PeerSketch::default();
            six.add(0x2001_0db8 << 96, 2);
            six
        });
        assert!(a.is_exact());
        assert_eq!(a.exact_len(), 901);
    }

    #[test]
    fn bytes_round_trip_and_refuse_garbage() {
        let mut s = PeerSketch::default();
        for i in 0..3_000u32 {
            s.add(v4(i), u64::from(i % 3) + 1);
        }
        let bytes = s.to_bytes();
        let back = PeerSketch::from_bytes(&bytes).unwrap();
        assert_eq!(back.to_bytes(), bytes);
        assert_eq!(back.peers(), s.peers());
        let mut small = PeerSketch::default();
        small.add(v4(7), 2);
        let bytes = small.to_bytes();
        assert_eq!(
            PeerSketch::from_bytes(&bytes).unwrap().peers(),
            vec![(v4(7), 2)]
        );
        assert!(PeerSketch::from_bytes(&bytes[..bytes.len() - 1]).is_none());
        assert!(PeerSketch::from_bytes(&[9]).is_none());
        assert!(PeerSketch::from_bytes(&[]).is_none());
    }
}

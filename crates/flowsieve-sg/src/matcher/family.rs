//! One address family of the compiled matcher: candidate slices per bucket, and the segmented
//! address space with its shortcuts (exact ENI addresses, a /16 bitmap for IPv4). Generic over
//! the address word, so IPv4 queries touch 32-bit keys and 12-byte candidates.

use hashbrown::HashMap;

use super::NONE;

/// The address word of one family: `u32` for IPv4 (the low 32 bits of the IPv4-mapped value),
/// `u128` for IPv6. IPv4 queries, the common case, touch 12-byte candidates and 4-byte segment
/// keys instead of 48 and 16.
pub(super) trait Word:
    Copy + Ord + Default + std::hash::Hash + std::ops::BitAnd<Output = Self>
{
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
pub(super) struct Candidate<W> {
    /// First port in the low 16 bits, `last - first` in the high 16 (65535 when ports do not
    /// filter).
    pub(super) ports: u32,
    /// Network of a CIDR peer; 0 for a set peer, so that the test passes.
    pub(super) net: W,
    /// Mask of a CIDR peer; 0 for a set peer.
    pub(super) mask: W,
}

/// Everything per address family: candidate slices and the segmented address space.
///
/// Candidates are two parallel arrays: `cands` holds what rejects most candidates (ports and
/// CIDR), `meta` what only a match needs: (bit of the group / prefix-list peer or [`NONE`] for a
/// CIDR peer, rule index with [`UNKNOWN_FLAG`] for a specific-type ICMP rule).
#[derive(Clone, Debug, Default)]
pub(super) struct Family<W> {
    /// (start, end) into the candidate arrays per (group set, direction, protocol class).
    pub(super) buckets: Vec<(u32, u32)>,
    pub(super) cands: Vec<Candidate<W>>,
    pub(super) meta: Vec<(u32, u32)>,
    /// Sorted segment starts; segment `i` spans `seg_start[i] ..= seg_start[i + 1] - 1`.
    pub(super) seg_start: Vec<W>,
    /// Bitset row of the peers covering each segment, or [`NONE`].
    pub(super) seg_row: Vec<u32>,
    /// The row of every exact ENI address: internal peers, the common case, skip the search.
    pub(super) exact: HashMap<W, u32>,
    /// One bit per /16 (IPv4 only): set when some segment there has a row. Most external
    /// addresses are answered [`NONE`] by this alone.
    pub(super) coarse: Vec<u64>,
}

/// The (candidates, meta) slices of one bucket, of equal length.
pub(super) type Slices<'a, W> = (&'a [Candidate<W>], &'a [(u32, u32)]);

impl<W: Word> Family<W> {
    /// An empty family with room for `n` buckets.
    pub(super) fn with_buckets(n: usize) -> Self {
        Family {
            buckets: Vec::with_capacity(n),
            ..Family::default()
        }
    }

    pub(super) fn push(
        &mut self,
        port_lo: u16,
        port_span: u16,
        net: W,
        mask: W,
        set_bit: u32,
        rule: u32,
    ) {
        let ports = u32::from(port_lo) | (u32::from(port_span) << 16);
        self.cands.push(Candidate { ports, net, mask });
        self.meta.push((set_bit, rule));
    }

    /// The candidates of bucket `b`.
    #[inline]
    pub(super) fn bucket(&self, b: usize) -> Slices<'_, W> {
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
    pub(super) fn row_of(&self, a: W) -> u32 {
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
    pub(super) fn segment_row(&self, a: W) -> u32 {
        self.segment(a)
            .and_then(|i| self.seg_row.get(i).copied())
            .unwrap_or(NONE)
    }

    /// Fills `exact` and `coarse` once the segments are known.
    pub(super) fn index_rows(
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
    pub(super) fn segment(&self, a: W) -> Option<usize> {
        self.seg_start.partition_point(|&s| s <= a).checked_sub(1)
    }
}

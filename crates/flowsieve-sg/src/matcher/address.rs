//! Address → ENI version: who held an address, where (VPC) and when.
//!
//! Every ENI version claims its private addresses (specificity 0) and delegated prefixes (their
//! host bits). The address space is cut once into segments, each listing the claims active
//! there, most specific first; a lookup finds its segment (an exact-address hash map first, then
//! a binary search) and walks that short list, keeping the claims whose VPC is in scope and whose
//! validity holds the time asked. Nothing here allocates per query.

use hashbrown::HashMap;

use super::build::{eni_intervals, sweep};
use crate::addr::Addr;
use crate::model::NetworkInterface;

/// Who holds an address (see [`CompiledMatcher::resolve_address`](crate::CompiledMatcher::resolve_address)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AddressOwner {
    /// One ENI version holds it.
    Eni(super::EniIdx),
    /// Several do and the question does not tell which: two versions claim it at that time (the
    /// inventory contradicts itself, or two VPCs in scope overlap), or no time was given and the
    /// address moved between ENIs.
    Ambiguous,
    /// No known ENI holds it (in scope, at that time).
    Nobody,
}

impl AddressOwner {
    /// The ENI version, when there is exactly one.
    pub fn eni(self) -> Option<super::EniIdx> {
        match self {
            AddressOwner::Eni(e) => Some(e),
            _ => None,
        }
    }
}

/// One claim: an ENI version and how specific its entry is (0 for an address, else the host
/// bits of the prefix: fewer is more specific). Eight bytes, so a segment's claims share a line.
#[derive(Clone, Copy, Debug)]
pub(super) struct Claim {
    pub(super) eni: u32,
    pub(super) specificity: u8,
}

/// The claims of every address, segmented.
#[derive(Clone, Debug, Default)]
pub(super) struct AddressBook {
    /// Sorted segment starts; segment `i` spans `start[i] ..= start[i + 1] - 1`.
    start: Vec<u128>,
    /// Per segment, a range of `claims`.
    span: Vec<(u32, u32)>,
    /// Claims of all segments, each segment's sorted by (specificity, ENI).
    claims: Vec<Claim>,
    /// Per segment: some claim there holds for part of time only.
    volatile: Vec<bool>,
    /// The segment of every exact ENI address.
    exact: HashMap<u128, u32>,
}

impl AddressBook {
    /// Builds the book of `enis` (ENI versions; index = [`EniIdx`](super::EniIdx)).
    pub(super) fn new(enis: &[NetworkInterface]) -> AddressBook {
        // (lo, hi, claim)
        let mut ranges: Vec<(u128, u128, Claim)> = Vec::new();
        for (i, e) in enis.iter().enumerate().take(u32::MAX as usize) {
            for (lo, hi, size_minus_one) in eni_intervals(e) {
                // 2^h - 1 → h: the prefix's host bits (0 for an address).
                let specificity = (128 - size_minus_one.leading_zeros()) as u8;
                let claim = Claim {
                    eni: i as u32,
                    specificity,
                };
                ranges.push((lo, hi, claim));
            }
        }
        let mut book = AddressBook::default();
        let bounds: Vec<(u128, u128)> = ranges.iter().map(|&(lo, hi, _)| (lo, hi)).collect();
        sweep(&bounds, |pos, active| {
            let mut here: Vec<Claim> = active
                .iter()
                .filter_map(|&k| ranges.get(k))
                .map(|r| r.2)
                .collect();
            // One claim per ENI version, its most specific; then most specific first.
            here.sort_unstable_by_key(|c| (c.eni, c.specificity));
            here.dedup_by_key(|c| c.eni);
            here.sort_unstable_by_key(|c| (c.specificity, c.eni));
            let volatile = here.iter().any(|c| {
                enis.get(c.eni as usize)
                    .is_some_and(|e| !e.valid.is_always())
            });
            let first = book.claims.len() as u32;
            book.claims.extend(here);
            book.start.push(pos);
            book.span.push((first, book.claims.len() as u32));
            book.volatile.push(volatile);
        });
        for e in enis {
            let singles = e
                .private_ipv4
                .iter()
                .map(|a| Addr::from(*a).0)
                .chain(e.ipv6.iter().map(|a| Addr::from(*a).0));
            for a in singles {
                if let Some(seg) = book.segment(a) {
                    book.exact.insert(a, seg as u32);
                }
            }
        }
        book
    }

    /// Where the claims change: every segment start.
    pub(super) fn segment_starts(&self) -> impl Iterator<Item = u128> + '_ {
        self.start.iter().copied()
    }

    /// The segment holding `a`.
    #[inline]
    fn segment(&self, a: u128) -> Option<usize> {
        self.start.partition_point(|&s| s <= a).checked_sub(1)
    }

    /// The segment of `a`: the exact-address map first, then a binary search.
    #[inline]
    fn segment_of(&self, a: Addr) -> Option<usize> {
        match self.exact.get(&a.0) {
            Some(&s) => Some(s as usize),
            None => self.segment(a.0),
        }
    }

    /// The claims on `a`, most specific first (empty when none).
    #[inline]
    pub(super) fn claims(&self, a: Addr) -> &[Claim] {
        self.segment_of(a)
            .and_then(|s| self.span.get(s))
            .and_then(|&(lo, hi)| self.claims.get(lo as usize..hi as usize))
            .unwrap_or(&[])
    }

    /// True when some claim on `a` holds for part of time only.
    pub(super) fn volatile(&self, a: Addr) -> bool {
        self.segment_of(a)
            .and_then(|s| self.volatile.get(s).copied())
            .unwrap_or(false)
    }
}

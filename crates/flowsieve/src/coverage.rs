//! When each ENI was observed, per flow log: the evidence behind a proven `unused`.
//!
//! A flow log writes at least one line per covered ENI and aggregation interval — records, or a
//! NODATA line when the ENI was idle — so the times of an ENI's lines show when it was observed.
//! Time is cut into 5-minute buckets ([`BUCKET_SECONDS`], the S3 object window); every line marks
//! the buckets its `[start, end]` touches. Because a record's `start`/`end` are its first and
//! last packet inside the interval (not the interval's bounds), a continuously logged ENI may
//! leave a few buckets unmarked between two lines; [`BucketSet::gaps`] tolerates runs shorter
//! than two aggregation intervals for that reason, and reports longer ones as gaps. At the
//! window's edges the exact first and last second of an ENI's lines are kept: a fully logged
//! ENI has a line within one aggregation interval of each edge.
//!
//! Everything here merges by set union and sums, so it is independent of file order and
//! threads. Memory: one bit per ENI, flow log and 5 minutes observed (a month is about 1 KiB
//! per ENI and flow log).

use std::collections::BTreeMap;

/// Seconds per bucket.
pub(crate) const BUCKET_SECONDS: i64 = 300;

/// The bucket holding a unix time (times before 1970 fall in bucket 0).
#[inline]
pub(crate) fn bucket(t: i64) -> u32 {
    u32::try_from(t.max(0) / BUCKET_SECONDS).unwrap_or(u32::MAX)
}

/// A set of buckets, as sorted (word index, 64-bit mask) pairs.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct BucketSet {
    words: Vec<(u32, u64)>,
}

impl BucketSet {
    /// Marks every bucket of `first..=last` (bucket numbers).
    #[inline(always)]
    pub(crate) fn insert_range(&mut self, first: u32, last: u32) {
        // Lines of one object fall in one or two words: the common case is the last word.
        if first <= last
            && first / 64 == last / 64
            && let Some(word) = self.words.last_mut()
            && word.0 == first / 64
        {
            word.1 |= (u64::MAX >> (63 - (last - first))) << (first % 64);
            return;
        }
        self.insert_range_slow(first, last);
    }

    /// [`Self::insert_range`] beyond the last word.
    #[inline(never)]
    fn insert_range_slow(&mut self, first: u32, last: u32) {
        if first > last {
            return;
        }
        let (w0, w1) = (first / 64, last / 64);
        for w in w0..=w1 {
            let lo = if w == w0 { first % 64 } else { 0 };
            let hi = if w == w1 { last % 64 } else { 63 };
            let mask = (u64::MAX >> (63 - (hi - lo))) << lo;
            self.or_word(w, mask);
        }
    }

    #[inline]
    fn or_word(&mut self, word: u32, mask: u64) {
        if let Some(last) = self.words.last_mut()
            && last.0 == word
        {
            last.1 |= mask;
            return;
        }
        match self.words.binary_search_by_key(&word, |&(w, _)| w) {
            Ok(i) => self.words[i].1 |= mask,
            Err(i) => self.words.insert(i, (word, mask)),
        }
    }

    /// Adds every bucket of `other`.
    pub(crate) fn union(&mut self, other: &BucketSet) {
        for &(w, mask) in &other.words {
            self.or_word(w, mask);
        }
    }

    /// Whether no bucket is set.
    pub(crate) fn is_empty(&self) -> bool {
        self.words.iter().all(|&(_, m)| m == 0)
    }

    #[cfg(test)]
    pub(crate) fn contains(&self, b: u32) -> bool {
        self.words
            .binary_search_by_key(&(b / 64), |&(w, _)| w)
            .is_ok_and(|i| self.words[i].1 & (1 << (b % 64)) != 0)
    }

    /// The number of set buckets in `first..=last`.
    pub(crate) fn count_in(&self, first: u32, last: u32) -> u64 {
        if first > last {
            return 0;
        }
        let mut n = 0u64;
        for &(w, mask) in &self.words {
            let (lo, hi) = (w * 64, w * 64 + 63);
            if hi < first || lo > last {
                continue;
            }
            let from = first.max(lo) - lo;
            let to = last.min(hi) - lo;
            let window = (u64::MAX >> (63 - (to - from))) << from;
            n += u64::from((mask & window).count_ones());
        }
        n
    }

    /// The set buckets in `first..=last`, in order.
    pub(crate) fn iter_in(&self, first: u32, last: u32) -> impl Iterator<Item = u32> + '_ {
        let start = self.words.partition_point(|&(w, _)| w < first / 64);
        self.words[start..]
            .iter()
            .flat_map(|&(w, mask)| {
                (0..64u32)
                    .filter(move |bit| mask & (1 << bit) != 0)
                    .map(move |bit| w * 64 + bit)
            })
            .skip_while(move |&b| b < first)
            .take_while(move |&b| b <= last)
    }

    /// The unobserved stretches of `first..=last` as inclusive bucket ranges: runs of unset
    /// buckets longer than `tolerance` inside, and longer than `tolerance / 2` (rounded up) at
    /// either end. Empty when the range is observed throughout.
    pub(crate) fn gaps(&self, first: u32, last: u32, tolerance: u32) -> Vec<(u32, u32)> {
        if first > last {
            return Vec::new();
        }
        let edge = tolerance.div_ceil(2);
        let mut gaps = Vec::new();
        let mut previous: Option<u32> = None;
        for b in self.iter_in(first, last) {
            match previous {
                None if b - first > edge => gaps.push((first, b - 1)),
                Some(p) if b - p - 1 > tolerance => gaps.push((p + 1, b - 1)),
                _ => {}
            }
            previous = Some(b);
        }
        match previous {
            None => gaps.push((first, last)),
            Some(p) if last - p > edge => gaps.push((p + 1, last)),
            _ => {}
        }
        gaps
    }
}

/// What one flow log's lines showed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct FlowLogObservation {
    /// Buckets with a line (OK, NODATA or SKIPDATA), per ENI index (known ENIs only).
    pub(crate) observed: Vec<BucketSet>,
    /// The earliest `start` and latest `end` of a line, per ENI index (`None` before any):
    /// the window's edges are judged to the second, finer than a bucket.
    pub(crate) spans: Vec<Option<(i64, i64)>>,
    /// Buckets with a SKIPDATA line, per ENI index.
    pub(crate) skipped: BTreeMap<u32, BucketSet>,
    /// ACCEPT records.
    pub(crate) accepts: u64,
    /// REJECT records.
    pub(crate) rejects: u64,
    /// Records with `tcp-flags`.
    pub(crate) with_flags: u64,
    /// The longest `end - start` of a line (NODATA lines span their aggregation interval).
    pub(crate) max_span: i64,
    /// Whether any NODATA or SKIPDATA line was seen: their span is the aggregation interval.
    pub(crate) idle_lines: bool,
}

impl FlowLogObservation {
    pub(crate) fn new(enis: usize) -> Self {
        FlowLogObservation {
            observed: vec![BucketSet::default(); enis],
            spans: vec![None; enis],
            ..Default::default()
        }
    }

    /// Marks a line of ENI `eni` over `[start, end]`; `idle` for NODATA and SKIPDATA lines.
    #[inline]
    pub(crate) fn observe(&mut self, eni: u32, start: i64, end: i64, idle: bool) {
        self.idle_lines |= idle;
        let end_or_start = end.max(start);
        if let Some(set) = self.observed.get_mut(eni as usize) {
            set.insert_range(bucket(start), bucket(end_or_start));
        }
        if let Some(span) = self.spans.get_mut(eni as usize) {
            *span = Some(match *span {
                Some((first, last)) => (first.min(start), last.max(end_or_start)),
                None => (start, end_or_start),
            });
        }
        self.max_span = self.max_span.max(end - start);
    }

    /// Marks a SKIPDATA line of ENI `eni`.
    pub(crate) fn skip(&mut self, eni: u32, start: i64, end: i64) {
        self.skipped
            .entry(eni)
            .or_default()
            .insert_range(bucket(start), bucket(end.max(start)));
    }

    pub(crate) fn merge(&mut self, other: &FlowLogObservation) {
        if self.observed.len() < other.observed.len() {
            self.observed
                .resize(other.observed.len(), BucketSet::default());
        }
        for (mine, theirs) in self.observed.iter_mut().zip(&other.observed) {
            mine.union(theirs);
        }
        if self.spans.len() < other.spans.len() {
            self.spans.resize(other.spans.len(), None);
        }
        for (mine, theirs) in self.spans.iter_mut().zip(&other.spans) {
            *mine = union_span(*mine, *theirs);
        }
        for (eni, set) in &other.skipped {
            self.skipped.entry(*eni).or_default().union(set);
        }
        self.accepts += other.accepts;
        self.rejects += other.rejects;
        self.with_flags += other.with_flags;
        self.max_span = self.max_span.max(other.max_span);
        self.idle_lines |= other.idle_lines;
    }

    /// The aggregation interval the lines suggest (AWS's two settings): 60 s only when an idle
    /// line (which spans the whole interval) shows it and no line spans more than a minute;
    /// otherwise 600 s, AWS's default — short records alone cannot tell the two apart.
    pub(crate) fn aggregation_seconds(&self) -> i64 {
        if self.idle_lines && self.max_span <= 60 {
            60
        } else {
            600
        }
    }
}

/// The smallest `[start, end]` holding both spans.
pub(crate) fn union_span(a: Option<(i64, i64)>, b: Option<(i64, i64)>) -> Option<(i64, i64)> {
    match (a, b) {
        (Some(a), Some(b)) => Some((a.0.min(b.0), a.1.max(b.1))),
        (a, None) => a,
        (None, b) => b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_union_and_count() {
        let mut s = BucketSet::default();
        s.insert_range(60, 70);
        s.insert_range(3, 3);
        s.insert_range(200, 200);
        assert_eq!(s.count_in(0, 300), 13);
        assert_eq!(s.count_in(64, 68), 5);
        assert!(s.contains(63) && s.contains(3) && !s.contains(4));
        let mut t = BucketSet::default();
        t.insert_range(4, 5);
        s.union(&t);
        assert_eq!(s.count_in(0, 10), 3);
    }

    proptest::proptest! {
        /// Ranges in any order (the last word's fast path and the general one) mark exactly the
        /// buckets of a plain set.
        #[test]
        fn ranges_mark_what_a_plain_set_marks(
            ranges in proptest::collection::vec((0u32..400, 0u32..140), 1..40)
        ) {
            let mut s = BucketSet::default();
            let mut plain = std::collections::BTreeSet::new();
            for (first, len) in ranges {
                let last = first + len % 3 * 60 + len % 7;
                s.insert_range(first, last);
                plain.extend(first..=last);
            }
            for b in 0..700 {
                proptest::prop_assert_eq!(s.contains(b), plain.contains(&b), "bucket {}", b);
            }
            proptest::prop_assert!(s.words.windows(2).all(|w| w[0].0 < w[1].0));
        }
    }

    #[test]
    fn gaps_tolerate_short_runs_only() {
        let mut s = BucketSet::default();
        for b in [10, 12, 14, 20, 21] {
            s.insert_range(b, b);
        }
        // Range 10..=21, tolerance 3: 15..=19 is a gap (5 buckets), 11 and 13 are not.
        assert_eq!(s.gaps(10, 21, 3), vec![(15, 19)]);
        // Edges: the first mark 2 buckets in is fine with tolerance 4 (edge 2), not with 2.
        assert_eq!(s.gaps(8, 21, 4), vec![(15, 19)]);
        assert_eq!(s.gaps(8, 21, 2), vec![(8, 9), (15, 19)]);
        assert_eq!(s.gaps(22, 30, 4), vec![(22, 30)]);
        assert_eq!(BucketSet::default().gaps(5, 5, 0), vec![(5, 5)]);
    }
}

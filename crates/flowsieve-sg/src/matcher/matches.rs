//! [`RuleMatches`]: the caller's reusable buffers a query fills (definite matches, ICMP rules of
//! unknown type, the narrowest match).

use super::RuleIdx;

/// The rules that allow a flow; reusable buffers filled by
/// [`CompiledMatcher::matching_rules`](super::CompiledMatcher::matching_rules).
///
/// Create one per thread and pass it to every query: after the first queries (or from the start
/// with [`RuleMatches::with_capacity`]`(matcher.max_matches())`) no query allocates.
#[derive(Clone, Debug, Default)]
pub struct RuleMatches {
    pub(super) definite: Vec<RuleIdx>,
    pub(super) unknown: Vec<RuleIdx>,
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
    #[cfg(any(test, feature = "oracle"))]
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
    pub(super) fn push(&mut self, rule: u32, unknown: bool, rank: u32) {
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

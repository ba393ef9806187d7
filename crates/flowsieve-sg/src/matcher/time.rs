//! Rules over time: epochs and which rules are alive in each.
//!
//! The boundaries of every rule lifetime, sorted, cut time into epochs: epoch 0 is everything
//! before the first boundary, epoch `k` is `[boundaries[k - 1], boundaries[k])`, the last runs on
//! without end. Every rule is alive for whole epochs, by construction. A rule alive at all times
//! is not looked up at all; with no history there is one epoch and every rule is such a rule.

use super::NONE;
use crate::model::Rule;

/// Epoch boundaries and, per timed rule, the epochs it is alive in.
#[derive(Clone, Debug, Default)]
pub(super) struct Epochs {
    pub(super) bounds: Vec<i64>,
    /// Per rule: a range of `ranges`, or ([`NONE`], 0) for a rule alive at all times.
    timed: Vec<(u32, u32)>,
    /// Alive epoch ranges `[first, end)` of all timed rules.
    ranges: Vec<(u32, u32)>,
}

impl Epochs {
    pub(super) fn new(rules: &[Rule]) -> Epochs {
        let mut bounds: Vec<i64> = rules
            .iter()
            .flat_map(|r| r.lifetimes.iter())
            .flat_map(|i| [i.from, i.until])
            .flatten()
            .collect();
        bounds.sort_unstable();
        bounds.dedup();
        let mut epochs = Epochs {
            bounds,
            timed: Vec::with_capacity(rules.len()),
            ranges: Vec::new(),
        };
        let count = epochs.count() as u32;
        for r in rules {
            if r.lifetimes.len() == 1 && r.lifetimes.first().is_some_and(|i| i.is_always()) {
                epochs.timed.push((NONE, 0));
                continue;
            }
            let first = epochs.ranges.len() as u32;
            for i in &r.lifetimes {
                let start = i.from.map_or(0, |t| epochs.of(t));
                let end = i.until.map_or(count, |t| epochs.of(t));
                if start < end {
                    epochs.ranges.push((start, end));
                }
            }
            epochs
                .timed
                .push((first, epochs.ranges.len() as u32 - first));
        }
        epochs
    }

    /// Number of epochs (boundaries + 1).
    pub(super) fn count(&self) -> usize {
        self.bounds.len() + 1
    }

    /// The epoch holding time `t`.
    #[inline]
    pub(super) fn of(&self, t: i64) -> u32 {
        self.bounds.partition_point(|&b| b <= t) as u32
    }

    /// True when rule `rule` lives at all times.
    #[inline]
    pub(super) fn always(&self, rule: u32) -> bool {
        self.timed
            .get(rule as usize)
            .is_none_or(|&(s, _)| s == NONE)
    }

    /// True when rule `rule` is alive in epoch `k`.
    #[inline]
    pub(super) fn alive(&self, rule: u32, k: u32) -> bool {
        match self.timed.get(rule as usize) {
            None => false,
            Some(&(s, _)) if s == NONE => true,
            Some(&(s, n)) => self
                .ranges
                .get(s as usize..(s + n) as usize)
                .is_some_and(|r| r.iter().any(|&(a, b)| a <= k && k < b)),
        }
    }
}

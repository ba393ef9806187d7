//! Time: snapshots and AWS Config items → ENI versions and rule lifetimes.
//!
//! The rules (the crate documentation, "Time", says the same for users):
//! * Undated input holds at all times; with dated snapshots too, it is read as part of every one
//!   of them.
//! * Each dated snapshot's state holds from its capture time until the next snapshot's; the
//!   first extends back and the last forward without bound. A snapshot that holds nothing of a
//!   kind (no network interfaces, say) leaves that kind as the snapshots around it say: it is not
//!   an observation of that kind.
//! * An AWS Config item holds from its capture time until the next item of the same resource; a
//!   `ResourceDeleted` (or `…NotRecorded`) item ends it. The first item holds from the resource's
//!   creation time when the item gives one. From its first item on, a resource's history is
//!   authoritative: snapshot descriptions of it count only before.
//! * Values a program adds with a validity (`NetworkInterface::valid`, `Rule::lifetimes`) hold
//!   as given.

use std::collections::BTreeSet;

use super::builder::{ConfigObservation, LayerId, LayerInfo, UNDATED};
use crate::model::{Interval, NetworkInterface, normalize_intervals};

/// The interval each observing snapshot of a kind holds for: the dated layers for which
/// `observes` is true, in time order, `[t_j, t_{j+1})`, the first from `None`, the last until
/// `None`. Empty when no dated snapshot observes the kind.
pub(super) fn snapshot_intervals(
    layers: &[LayerInfo],
    observes: impl Fn(&LayerInfo) -> bool,
) -> Vec<(LayerId, Interval)> {
    let mut dated: Vec<(i64, LayerId)> = layers
        .iter()
        .enumerate()
        .filter(|(_, l)| observes(l))
        .filter_map(|(i, l)| l.captured_at.map(|t| (t, i)))
        .collect();
    dated.sort_unstable();
    let n = dated.len();
    dated
        .iter()
        .enumerate()
        .map(|(j, &(t, layer))| {
            let from = (j > 0).then_some(t);
            let until = dated.get(j + 1).map(|&(next, _)| next);
            debug_assert!(j + 1 == n || until.is_some());
            (layer, Interval::new(from, until))
        })
        .collect()
}

/// The span and states of a resource's AWS Config history: `(start, [(interval, state)])`,
/// `start` being where the history takes over from snapshots. Items are taken in capture-time
/// order; of two at the same time the later in input order wins.
pub(super) fn history_states<T: Clone>(
    observations: &[ConfigObservation<T>],
) -> Option<(i64, Vec<(Interval, T)>)> {
    let mut order: Vec<&ConfigObservation<T>> = observations.iter().collect();
    order.sort_by_key(|o| o.at);
    let first = order.first()?;
    let start = first.created.map_or(first.at, |c| c.min(first.at));
    let mut out = Vec::new();
    for (i, o) in order.iter().enumerate() {
        let Some(state) = &o.state else { continue };
        let from = if i == 0 { start } else { o.at };
        let until = order.get(i + 1).map(|next| next.at);
        let interval = Interval::new(Some(from), until);
        if !interval.is_empty() {
            out.push((interval, state.clone()));
        }
    }
    Some((start, out))
}

/// Every version of one ENI id, sorted by start, non-overlapping, adjacent equal states merged.
/// Returns the versions and the number of overlapping explicit versions that had to be trimmed.
pub(super) fn eni_versions(
    described: &[(LayerId, NetworkInterface)],
    observing: &[(LayerId, Interval)],
    history: Option<&[ConfigObservation<NetworkInterface>]>,
    explicit: &[NetworkInterface],
) -> (Vec<NetworkInterface>, usize) {
    let undated = described
        .iter()
        .find(|(l, _)| *l == UNDATED)
        .map(|(_, e)| e);
    let mut versions: Vec<NetworkInterface> = Vec::new();
    if observing.is_empty() {
        versions.extend(undated.map(|e| with_valid(e, Interval::ALWAYS)));
    } else {
        for &(layer, interval) in observing {
            let state = described
                .iter()
                .find(|(l, _)| *l == layer)
                .map(|(_, e)| e)
                .or(undated);
            versions.extend(state.map(|e| with_valid(e, interval)));
        }
    }
    if let Some((start, states)) = history.and_then(history_states) {
        let before = Interval::new(None, Some(start));
        versions = versions
            .into_iter()
            .filter_map(|mut v| {
                v.valid = v.valid.overlap(&before)?;
                Some(v)
            })
            .collect();
        versions.extend(states.into_iter().map(|(i, e)| with_valid(&e, i)));
    }
    versions.extend(explicit.iter().cloned());
    versions.sort_by_key(|v| (v.valid.start_key(), v.valid.end_key()));
    let trimmed = disjoint(&mut versions);
    (merge_equal_neighbours(versions), trimmed)
}

fn with_valid(e: &NetworkInterface, valid: Interval) -> NetworkInterface {
    NetworkInterface { valid, ..e.clone() }
}

/// Trims every version that starts before the previous one ends to start at that end, dropping
/// those left empty; returns how many were trimmed or dropped.
fn disjoint(versions: &mut Vec<NetworkInterface>) -> usize {
    let mut trimmed = 0;
    let mut out: Vec<NetworkInterface> = Vec::with_capacity(versions.len());
    for mut v in versions.drain(..) {
        if let Some(prev) = out.last()
            && v.valid.start_key() < prev.valid.end_key()
        {
            trimmed += 1;
            let Some(end) = prev.valid.until else {
                continue;
            };
            v.valid.from = Some(end);
            if v.valid.is_empty() {
                continue;
            }
        }
        out.push(v);
    }
    *versions = out;
    trimmed
}

/// One version for two that touch and describe the same state.
fn merge_equal_neighbours(versions: Vec<NetworkInterface>) -> Vec<NetworkInterface> {
    let mut out: Vec<NetworkInterface> = Vec::with_capacity(versions.len());
    for v in versions {
        if let Some(prev) = out.last_mut()
            && prev.valid.until.is_some()
            && prev.valid.until == v.valid.from
            && same_state(prev, &v)
        {
            prev.valid.until = v.valid.until;
            continue;
        }
        out.push(v);
    }
    out
}

fn same_state(a: &NetworkInterface, b: &NetworkInterface) -> bool {
    with_valid(a, Interval::ALWAYS) == with_valid(b, Interval::ALWAYS)
}

/// The lifetimes of one rule: the intervals of the snapshots that hold it (always, when undated
/// input does), clipped before its group's AWS Config history, plus the history items that hold
/// it and the lifetimes a program gave. Sorted and disjoint.
pub(super) fn rule_lifetimes(
    seen: &BTreeSet<LayerId>,
    observing: &[(LayerId, Interval)],
    history: Option<(i64, Vec<Interval>)>,
    explicit: &[Interval],
) -> Vec<Interval> {
    let mut v: Vec<Interval> = if seen.contains(&UNDATED) {
        vec![Interval::ALWAYS]
    } else {
        observing
            .iter()
            .filter(|(layer, _)| seen.contains(layer))
            .map(|&(_, i)| i)
            .collect()
    };
    if let Some((start, held)) = history {
        let before = Interval::new(None, Some(start));
        v = v.iter().filter_map(|i| i.overlap(&before)).collect();
        v.extend(held);
    }
    v.extend_from_slice(explicit);
    normalize_intervals(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(t: Option<i64>) -> LayerInfo {
        LayerInfo {
            captured_at: t,
            has_enis: true,
            has_groups: true,
        }
    }

    fn eni(groups: &[&str]) -> NetworkInterface {
        NetworkInterface {
            id: "eni-1".into(),
            group_ids: groups.iter().map(|g| (*g).to_owned()).collect(),
            ..NetworkInterface::default()
        }
    }

    fn valid(v: &[NetworkInterface]) -> Vec<(Option<i64>, Option<i64>, Vec<String>)> {
        v.iter()
            .map(|e| (e.valid.from, e.valid.until, e.group_ids.clone()))
            .collect()
    }

    #[test]
    fn snapshots_hold_until_the_next_one() {
        let layers = [
            layer(None),
            layer(Some(300)),
            layer(Some(100)),
            layer(Some(200)),
        ];
        let iv = snapshot_intervals(&layers, |l| l.has_enis);
        assert_eq!(
            iv,
            [
                (2, Interval::new(None, Some(200))),
                (3, Interval::new(Some(200), Some(300))),
                (1, Interval::new(Some(300), None)),
            ]
        );
        // Snapshot 3 holds the same state as 2: one version; the ENI is gone in 1.
        let described = [(2, eni(&["sg-a"])), (3, eni(&["sg-a"]))];
        let (v, trimmed) = eni_versions(&described, &iv, None, &[]);
        assert_eq!(valid(&v), [(None, Some(300), vec!["sg-a".to_owned()])]);
        assert_eq!(trimmed, 0);
        // Undated input fills every snapshot that does not describe the ENI.
        let described = [(UNDATED, eni(&["sg-u"])), (3, eni(&["sg-b"]))];
        let (v, _) = eni_versions(&described, &iv, None, &[]);
        assert_eq!(
            valid(&v),
            [
                (None, Some(200), vec!["sg-u".to_owned()]),
                (Some(200), Some(300), vec!["sg-b".to_owned()]),
                (Some(300), None, vec!["sg-u".to_owned()]),
            ]
        );
    }

    #[test]
    fn config_history_takes_over_from_its_first_item() {
        let obs = |at, created, groups: Option<&[&str]>| ConfigObservation {
            at,
            created,
            state: groups.map(eni),
        };
        let history = [
            obs(500, None, None), // deleted
            obs(100, Some(50), Some(&["sg-a"])),
            obs(300, None, Some(&["sg-b"])),
        ];
        let described = [(UNDATED, eni(&["sg-now"]))];
        let (v, _) = eni_versions(&described, &[], Some(&history), &[]);
        assert_eq!(
            valid(&v),
            [
                (None, Some(50), vec!["sg-now".to_owned()]),
                (Some(50), Some(300), vec!["sg-a".to_owned()]),
                (Some(300), Some(500), vec!["sg-b".to_owned()]),
            ]
        );
        let (start, states) = history_states(&history).unwrap();
        assert_eq!((start, states.len()), (50, 2));
    }

    #[test]
    fn explicit_versions_never_overlap() {
        let mut a = eni(&["sg-a"]);
        a.valid = Interval::new(Some(0), Some(100));
        let mut b = eni(&["sg-b"]);
        b.valid = Interval::new(Some(50), Some(150));
        let mut c = eni(&["sg-c"]);
        c.valid = Interval::new(Some(60), Some(90));
        let (v, trimmed) = eni_versions(&[], &[], None, &[a, b, c]);
        assert_eq!(
            valid(&v),
            [
                (Some(0), Some(100), vec!["sg-a".to_owned()]),
                (Some(100), Some(150), vec!["sg-b".to_owned()]),
            ]
        );
        assert_eq!(trimmed, 2);
    }

    #[test]
    fn rule_lifetimes_follow_snapshots_history_and_program() {
        let observing = [
            (1, Interval::new(None, Some(200))),
            (2, Interval::new(Some(200), Some(300))),
            (3, Interval::new(Some(300), None)),
        ];
        let seen: BTreeSet<LayerId> = [1, 3].into();
        assert_eq!(
            rule_lifetimes(&seen, &observing, None, &[]),
            [
                Interval::new(None, Some(200)),
                Interval::new(Some(300), None)
            ]
        );
        assert_eq!(
            rule_lifetimes(&[UNDATED].into(), &observing, None, &[]),
            [Interval::ALWAYS]
        );
        let history = Some((250, vec![Interval::new(Some(400), Some(450))]));
        assert_eq!(
            rule_lifetimes(
                &seen,
                &observing,
                history,
                &[Interval::new(Some(900), None)]
            ),
            [
                Interval::new(None, Some(200)),
                Interval::new(Some(400), Some(450)),
                Interval::new(Some(900), None)
            ]
        );
        assert!(rule_lifetimes(&BTreeSet::new(), &observing, None, &[]).is_empty());
    }
}

//! Short, unique labels for security groups in the table report, and the legend that spells
//! them out once. A group's label is its name when the name fits and no other group has it;
//! a long name is abbreviated (its start, `…`, and as much of its end as it takes to be
//! unique); groups with the same name get a `~` and the end of their id; a group without a
//! name is its id. Group sets are labels joined by `+`, a prefix they all share (up to a `-`,
//! `_` or `.`) written once: `afirgen-{frontend-sg+backend-sg}`. The labels remember which
//! groups were shown, for the legend.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The labels of the groups of one report.
#[derive(Debug, Default)]
pub(crate) struct Labels {
    /// Group id → label.
    label: HashMap<String, String>,
    /// Group id → name (for the legend).
    name: BTreeMap<String, String>,
    /// The groups whose label was asked for.
    shown: RefCell<BTreeSet<String>>,
}

fn chars(text: &str) -> usize {
    text.chars().count()
}

/// `text`'s first `head` and last `tail` characters around `…`.
fn abbreviate(text: &str, head: usize, tail: usize) -> String {
    let all: Vec<char> = text.chars().collect();
    let start: String = all.iter().take(head).collect();
    let end: String = all[all.len().saturating_sub(tail)..].iter().collect();
    format!("{start}…{end}")
}

impl Labels {
    /// Labels of at most `max` characters (a group id, 20 characters, may exceed a smaller
    /// `max`) for the groups `(id, name)`.
    pub(crate) fn new<'a>(
        groups: impl IntoIterator<Item = (&'a str, &'a str)>,
        max: usize,
    ) -> Labels {
        let max = max.max(8);
        let mut names: BTreeMap<String, String> = BTreeMap::new();
        for (id, name) in groups {
            names
                .entry(id.to_owned())
                .or_insert_with(|| name.to_owned());
        }
        let mut same_name: HashMap<&str, usize> = HashMap::new();
        for name in names.values() {
            *same_name.entry(name.as_str()).or_default() += 1;
        }
        // The whole label: the name, `~` and the end of the id when another group has the same
        // name, the id when there is no name.
        let full: Vec<(String, String)> = names
            .iter()
            .map(|(id, name)| {
                let text = if name.is_empty() {
                    id.clone()
                } else if same_name.get(name.as_str()).copied().unwrap_or(0) > 1 {
                    let end: String = id.chars().skip(chars(id).saturating_sub(5)).collect();
                    format!("{name}~{end}")
                } else {
                    name.clone()
                };
                (id.clone(), text)
            })
            .collect();
        // Too long: its start, `…`, and an end that grows, for the labels that collide, until
        // they differ.
        let mut tails = vec![0; full.len()];
        let mut label: Vec<String> = full.iter().map(|(_, text)| text.clone()).collect();
        for _ in 0..max {
            for (i, (_, text)) in full.iter().enumerate() {
                if chars(text) > max {
                    label[i] = abbreviate(text, max - 1 - tails[i], tails[i]);
                }
            }
            let colliding = colliding(&label);
            let mut grown = false;
            for (i, (_, text)) in full.iter().enumerate() {
                if colliding.contains(&label[i]) && chars(text) > max && tails[i] + 2 < max {
                    tails[i] += 1;
                    grown = true;
                }
            }
            if !grown {
                break;
            }
        }
        // Whatever still collides is its id: unique by definition.
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for text in &label {
            *seen.entry(text.as_str()).or_default() += 1;
        }
        let label = full
            .iter()
            .zip(&label)
            .map(|((id, _), text)| {
                let text = if seen.get(text.as_str()).copied() == Some(1) {
                    text.clone()
                } else {
                    id.clone()
                };
                (id.clone(), text)
            })
            .collect();
        Labels {
            label,
            name: names,
            shown: RefCell::default(),
        }
    }

    /// The label of a group (its id when it is not one of the labelled groups).
    pub(crate) fn of(&self, id: &str) -> String {
        self.shown.borrow_mut().insert(id.to_owned());
        self.label.get(id).cloned().unwrap_or_else(|| id.to_owned())
    }

    /// A set of groups: labels joined by `+`, with a prefix they all share written once.
    pub(crate) fn set(&self, ids: &[String]) -> String {
        if ids.is_empty() {
            return "(no groups)".to_owned();
        }
        let labels: Vec<String> = ids.iter().map(|id| self.of(id)).collect();
        join_factored(&labels)
    }

    /// Legend lines, `[label, id, name]` sorted by label, for the named groups shown so far
    /// (a group without a name, or not in the report, is shown by its id already).
    pub(crate) fn legend(&self) -> Vec<[String; 3]> {
        let shown = self.shown.borrow();
        let mut lines: Vec<[String; 3]> = shown
            .iter()
            .filter(|id| self.name.get(*id).is_some_and(|n| !n.is_empty()))
            .map(|id| {
                [
                    self.label.get(id).cloned().unwrap_or_else(|| id.clone()),
                    id.clone(),
                    self.name.get(id).cloned().unwrap_or_default(),
                ]
            })
            .collect();
        lines.sort();
        lines
    }
}

/// The labels that appear more than once.
fn colliding(labels: &[String]) -> std::collections::HashSet<String> {
    let mut seen = std::collections::HashSet::new();
    labels
        .iter()
        .filter(|l| !seen.insert(l.as_str()))
        .cloned()
        .collect()
}

/// `labels` joined by `+`, a prefix they all share (ending in `-`, `_` or `.`, at least 4
/// characters) written once: `app-{a+b}`.
pub(crate) fn join_factored(labels: &[String]) -> String {
    if labels.len() < 2 {
        return labels.join("+");
    }
    let first: Vec<char> = labels[0].chars().collect();
    let mut common = first.len();
    for label in &labels[1..] {
        common = common.min(
            first
                .iter()
                .zip(label.chars())
                .take_while(|(a, b)| **a == *b)
                .count(),
        );
    }
    // Back up to the last separator inside the common part, and keep something after it.
    let prefix_len = first[..common]
        .iter()
        .rposition(|c| matches!(c, '-' | '_' | '.'))
        .map_or(0, |i| i + 1);
    let rests_non_empty = labels.iter().all(|l| chars(l) > prefix_len);
    if prefix_len < 4 || !rests_non_empty {
        return labels.join("+");
    }
    let prefix: String = first[..prefix_len].iter().collect();
    let rests: Vec<String> = labels
        .iter()
        .map(|l| l.chars().skip(prefix_len).collect())
        .collect();
    format!("{prefix}{{{}}}", rests.join("+"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_unique_names_are_their_own_labels() {
        let labels = Labels::new([("sg-1", "web"), ("sg-2", "db"), ("sg-3", "")], 20);
        assert_eq!(labels.of("sg-1"), "web");
        assert_eq!(labels.of("sg-3"), "sg-3");
        assert_eq!(labels.of("sg-9"), "sg-9");
    }

    #[test]
    fn long_names_keep_enough_of_their_end_to_differ() {
        let labels = Labels::new(
            [
                ("sg-1", "shared-monitoring-sg-production"),
                ("sg-2", "shared-monitoring-sg-staging"),
                ("sg-3", "afirgen-frontend-service-sg"),
            ],
            16,
        );
        let (a, b, c) = (labels.of("sg-1"), labels.of("sg-2"), labels.of("sg-3"));
        assert!(a != b, "{a} {b}");
        for label in [&a, &b, &c] {
            assert!(label.chars().count() <= 16, "{label}");
        }
        assert!(a.starts_with("shared-monitor") && a.contains('…'), "{a}");
        assert_eq!(
            (a.as_str(), b.as_str()),
            ("shared-monitor…n", "shared-monitor…g")
        );
        assert_eq!(c, "afirgen-fronten…");
    }

    #[test]
    fn groups_of_the_same_name_get_the_end_of_their_id() {
        let labels = Labels::new(
            [
                ("sg-0aaaaaaaaaaa11111", "default"),
                ("sg-0bbbbbbbbbbb22222", "default"),
            ],
            20,
        );
        assert_eq!(labels.of("sg-0aaaaaaaaaaa11111"), "default~11111");
        assert_eq!(labels.of("sg-0bbbbbbbbbbb22222"), "default~22222");
    }

    #[test]
    fn sets_factor_a_shared_prefix() {
        let labels = Labels::new(
            [
                ("sg-1", "afirgen-frontend-sg"),
                ("sg-2", "afirgen-backend-sg"),
                ("sg-3", "monitoring"),
            ],
            20,
        );
        assert_eq!(
            labels.set(&["sg-1".into(), "sg-2".into()]),
            "afirgen-{frontend-sg+backend-sg}"
        );
        assert_eq!(
            labels.set(&["sg-1".into(), "sg-3".into()]),
            "afirgen-frontend-sg+monitoring"
        );
        assert_eq!(labels.set(&[]), "(no groups)");
        assert_eq!(
            labels.legend(),
            [
                [
                    "afirgen-backend-sg".to_owned(),
                    "sg-2".into(),
                    "afirgen-backend-sg".into()
                ],
                [
                    "afirgen-frontend-sg".to_owned(),
                    "sg-1".into(),
                    "afirgen-frontend-sg".into()
                ],
                ["monitoring".to_owned(), "sg-3".into(), "monitoring".into()],
            ]
        );
    }
}

//! The reference matcher: docs/semantics.md written as a plain loop over every rule.
//!
//! It shares no data structure with [`CompiledMatcher`](crate::CompiledMatcher) — no group sets,
//! no candidate slices, no segments, no ranks — so that a proptest comparing the two checks the
//! compiled layout against the contract. It is also the peer the matcher benchmark measures
//! against. Slow on purpose: never use it in an analysis.

use crate::addr::Addr;
use crate::load::Inventory;
use crate::matcher::{FlowQuery, RuleIdx, RuleMatches};
use crate::model::{NetworkInterface, Peer, PortSpec, Protocol, Rule};

/// The obviously-correct matcher: for each query, every rule of the inventory is checked.
#[derive(Clone, Copy, Debug)]
pub struct NaiveMatcher<'a> {
    inventory: &'a Inventory,
}

/// What a rule says about a flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    No,
    Definite,
    IcmpTypeUnknown,
}

impl<'a> NaiveMatcher<'a> {
    /// A matcher over `inventory`.
    pub fn new(inventory: &'a Inventory) -> Self {
        NaiveMatcher { inventory }
    }

    /// Clears `out`, then fills it with the rules of the groups `group_ids` (an ENI's groups)
    /// that allow the flow, exactly as [`CompiledMatcher::matching_rules`](crate::CompiledMatcher::matching_rules)
    /// does for the group set of those ids.
    pub fn matching_rules(&self, group_ids: &[String], q: &FlowQuery, out: &mut RuleMatches) {
        out.clear();
        let mut definite: Vec<RuleIdx> = Vec::new();
        let mut unknown: Vec<RuleIdx> = Vec::new();
        for (i, rule) in self.inventory.rules().iter().enumerate() {
            if !group_ids.contains(&rule.group_id) {
                continue;
            }
            match self.verdict(rule, q) {
                Verdict::No => {}
                Verdict::Definite => definite.push(RuleIdx(i as u32)),
                Verdict::IcmpTypeUnknown => unknown.push(RuleIdx(i as u32)),
            }
        }
        let narrowest = definite
            .iter()
            .copied()
            .min_by(|a, b| self.narrowness_cmp(*a, *b));
        out.fill(definite, unknown, narrowest);
    }

    /// True when a rule of `group_ids` definitely allows the flow.
    pub fn allows(&self, group_ids: &[String], q: &FlowQuery) -> bool {
        self.inventory
            .rules()
            .iter()
            .any(|r| group_ids.contains(&r.group_id) && self.verdict(r, q) == Verdict::Definite)
    }

    /// The ENI owning `addr` (most specific entry, then first in inventory order).
    pub fn eni_by_address(&self, addr: Addr) -> Option<usize> {
        let mut best: Option<(u128, usize)> = None;
        for (i, e) in self.inventory.network_interfaces().iter().enumerate() {
            if let Some(size) = owned_size(e, addr)
                && best.is_none_or(|(s, _)| size < s)
            {
                best = Some((size, i));
            }
        }
        best.map(|(_, i)| i)
    }

    fn verdict(&self, rule: &Rule, q: &FlowQuery) -> Verdict {
        if rule.direction != q.direction {
            return Verdict::No;
        }
        let ports = match rule.protocol {
            Protocol::All => Verdict::Definite,
            Protocol::Number(p) if p != q.protocol => return Verdict::No,
            Protocol::Number(6 | 17) => match rule.ports {
                PortSpec::Range { from, to } if (from..=to).contains(&q.port) => Verdict::Definite,
                PortSpec::Range { .. } => return Verdict::No,
                _ => Verdict::Definite,
            },
            Protocol::Number(1 | 58) => match rule.ports {
                PortSpec::Icmp {
                    icmp_type: Some(_), ..
                } => Verdict::IcmpTypeUnknown,
                _ => Verdict::Definite,
            },
            Protocol::Number(_) => Verdict::Definite,
        };
        if self.peer_contains(&rule.peer, q.peer) {
            ports
        } else {
            Verdict::No
        }
    }

    fn peer_contains(&self, peer: &Peer, addr: Addr) -> bool {
        match peer {
            Peer::Cidr(c) => c.contains(addr),
            Peer::Group { group_id, .. } => {
                !peer.is_stale()
                    && self.inventory.group(group_id).is_some()
                    && self
                        .inventory
                        .network_interfaces()
                        .iter()
                        .any(|e| e.group_ids.contains(group_id) && owned_size(e, addr).is_some())
            }
            Peer::PrefixList { id } => self.inventory.prefix_lists().iter().any(|l| {
                &l.id == id
                    && l.entries
                        .as_ref()
                        .is_some_and(|es| es.iter().any(|c| c.contains(addr)))
            }),
        }
    }

    /// Number of addresses a peer stands for.
    fn peer_size(&self, peer: &Peer) -> u128 {
        match peer {
            Peer::Cidr(c) => c.size(),
            Peer::Group { group_id, .. } => {
                let mut n: u128 = 0;
                for e in self.inventory.network_interfaces() {
                    if e.group_ids.contains(group_id) {
                        n = n.saturating_add((e.private_ipv4.len() + e.ipv6.len()) as u128);
                        for c in e.ipv4_prefixes.iter().chain(&e.ipv6_prefixes) {
                            n = n.saturating_add(c.size());
                        }
                    }
                }
                n
            }
            Peer::PrefixList { id } => match self
                .inventory
                .prefix_lists()
                .iter()
                .find(|l| &l.id == id)
                .and_then(|l| l.entries.as_ref())
            {
                Some(es) => es.iter().fold(0u128, |n, c| n.saturating_add(c.size())),
                None => u128::MAX,
            },
        }
    }

    fn narrowness_cmp(&self, a: RuleIdx, b: RuleIdx) -> std::cmp::Ordering {
        let key = |i: RuleIdx| {
            let r = self.inventory.rules().get(i.0 as usize);
            r.map(|r| {
                (
                    r.ports.span(),
                    self.peer_size(&r.peer),
                    r.protocol == Protocol::All,
                    r.id.as_str().to_owned(),
                )
            })
        };
        key(a).cmp(&key(b))
    }
}

/// Size of the smallest entry of `e` holding `addr` (1 for an address), or `None`.
fn owned_size(e: &NetworkInterface, addr: Addr) -> Option<u128> {
    if e.private_ipv4.iter().any(|a| Addr::from(*a) == addr)
        || e.ipv6.iter().any(|a| Addr::from(*a) == addr)
    {
        return Some(0);
    }
    e.ipv4_prefixes
        .iter()
        .chain(&e.ipv6_prefixes)
        .filter(|c| c.contains(addr))
        .map(|c| c.size() - 1)
        .min()
}

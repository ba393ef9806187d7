//! The reference matcher: docs/semantics.md written as a plain loop over every rule.
//!
//! It shares no data structure with [`CompiledMatcher`](crate::CompiledMatcher) — no group sets,
//! no candidate slices, no segments, no ranks, no epochs, no scopes — so that a proptest
//! comparing the two checks the compiled layout against the contract. It is also the peer the
//! matcher benchmark measures against. Slow on purpose: never use it in an analysis.

use crate::addr::Addr;
use crate::load::Inventory;
use crate::matcher::{AddressOwner, EniIdx, FlowQuery, RuleIdx, RuleMatches};
use crate::model::{NetworkInterface, Peer, PeerClass, PortSpec, Protocol, Rule, is_private};

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

    /// Clears `out`, then fills it with the rules of the groups `group_ids` (an ENI version's
    /// groups) that allow the flow, exactly as
    /// [`CompiledMatcher::matching_rules`](crate::CompiledMatcher::matching_rules) does for the
    /// group set of those ids. `q.remote` indexes [`Inventory::network_interfaces`].
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

    /// Who holds `addr` as seen from VPC `scope` (`None`: every VPC) at time `at` (`None`: at
    /// any time), by the contract of
    /// [`CompiledMatcher::resolve_address`](crate::CompiledMatcher::resolve_address).
    pub fn resolve_address(
        &self,
        scope: Option<&str>,
        addr: Addr,
        at: Option<i64>,
    ) -> AddressOwner {
        let enis = self.inventory.network_interfaces();
        let claims: Vec<(u128, usize)> = enis
            .iter()
            .enumerate()
            .filter(|(_, e)| self.visible(scope, e.vpc_id.as_deref()))
            .filter(|(_, e)| at.is_none_or(|t| e.valid.contains(t)))
            .filter_map(|(i, e)| owned_size(e, addr).map(|s| (s, i)))
            .collect();
        let Some(best) = claims.iter().map(|&(s, _)| s).min() else {
            return AddressOwner::Nobody;
        };
        let owners: Vec<usize> = claims
            .iter()
            .filter(|&&(s, _)| s == best)
            .map(|&(_, i)| i)
            .collect();
        let ids: Vec<&str> = owners.iter().map(|&i| enis[i].id.as_str()).collect();
        let one_id = ids.iter().all(|id| *id == ids[0]);
        match (owners.as_slice(), at) {
            ([only], _) => AddressOwner::Eni(EniIdx(*only as u32)),
            (_, None) if one_id => {
                // The latest version of the one ENI that held it.
                let latest = owners
                    .iter()
                    .copied()
                    .max_by_key(|&i| enis[i].valid.from.unwrap_or(i64::MIN))
                    .unwrap_or(owners[0]);
                AddressOwner::Eni(EniIdx(latest as u32))
            }
            _ => AddressOwner::Ambiguous,
        }
    }

    /// The class of `addr` seen from VPC `scope`, by the contract of
    /// [`CompiledMatcher::peer_class`](crate::CompiledMatcher::peer_class).
    pub fn peer_class(&self, scope: Option<&str>, addr: Addr) -> PeerClass {
        let inv = self.inventory;
        let holders: Vec<Option<&str>> = inv
            .network_interfaces()
            .iter()
            .filter(|e| owned_size(e, addr).is_some())
            .map(|e| e.vpc_id.as_deref())
            .collect();
        let vpc_has = |id: &str| {
            inv.vpcs()
                .iter()
                .any(|v| v.id == id && v.cidrs.iter().any(|c| c.contains(addr)))
        };
        let loose = inv.loose_vpc_cidrs().iter().any(|c| c.contains(addr));
        let any_vpc = inv
            .vpcs()
            .iter()
            .any(|v| v.cidrs.iter().any(|c| c.contains(addr)));
        match scope {
            None if !holders.is_empty() || loose || any_vpc => return PeerClass::Internal,
            None => {}
            Some(s) => {
                if holders.iter().any(|h| h.is_none_or(|v| v == s)) || vpc_has(s) || loose {
                    return PeerClass::Internal;
                }
                let peered_side = inv
                    .vpc_peerings()
                    .iter()
                    .filter(|p| p.status.is_active())
                    .any(|p| {
                        let other = p.other_side(s);
                        other.is_some_and(|o| {
                            o.cidrs.iter().any(|c| c.contains(addr))
                                || o.vpc_id
                                    .as_deref()
                                    .is_some_and(|v| vpc_has(v) || holders.contains(&Some(v)))
                        })
                    });
                if peered_side {
                    return PeerClass::Peered;
                }
            }
        }
        if inv.internal_cidrs().iter().any(|c| c.contains(addr)) {
            PeerClass::OnPrem
        } else if is_private(addr) || any_vpc || !holders.is_empty() {
            PeerClass::PrivateExternal
        } else {
            PeerClass::External
        }
    }

    /// True when an ENI of VPC `vpc` is visible from `scope`: no scope, no VPC, the same VPC, or
    /// a VPC peered with it by an active connection.
    fn visible(&self, scope: Option<&str>, vpc: Option<&str>) -> bool {
        let (Some(s), Some(v)) = (scope, vpc) else {
            return true;
        };
        s == v
            || self.inventory.vpc_peerings().iter().any(|p| {
                p.status.is_active()
                    && p.other_side(s)
                        .is_some_and(|o| o.vpc_id.as_deref() == Some(v))
            })
    }

    fn verdict(&self, rule: &Rule, q: &FlowQuery) -> Verdict {
        if rule.direction != q.direction {
            return Verdict::No;
        }
        if let Some(t) = q.at
            && !rule.lifetimes.iter().any(|i| i.contains(t))
        {
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
        if self.peer_contains(&rule.peer, q) {
            ports
        } else {
            Verdict::No
        }
    }

    fn peer_contains(&self, peer: &Peer, q: &FlowQuery) -> bool {
        match peer {
            Peer::Cidr(c) => c.contains(q.peer),
            Peer::Group { group_id, .. } => {
                !peer.is_stale()
                    && self.inventory.group(group_id).is_some()
                    && q.remote.is_some_and(|r| {
                        self.inventory
                            .network_interfaces()
                            .get(r.0 as usize)
                            .is_some_and(|e| e.group_ids.contains(group_id))
                    })
            }
            Peer::PrefixList { id } => self.inventory.prefix_lists().iter().any(|l| {
                &l.id == id
                    && l.entries
                        .as_ref()
                        .is_some_and(|es| es.iter().any(|c| c.contains(q.peer)))
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

/// Size of the smallest entry of `e` holding `addr` (0 for an address), or `None`.
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

//! The naive rule evaluation, in two flavours built from the same per-rule conditions
//! (`admits`: protocol, port, ICMP type; `peer_contains`: the peer):
//!
//! * crediting, the contract of docs/semantics.md ("which records credit a rule"), evaluated on
//!   what a flow-log record shows. ICMP types are not logged, so a type-specific ICMP rule is
//!   only *possibly* matched, never credited; an unresolvable peer never matches.
//! * allowing, the simulated AWS decision for a packet whose ICMP type we know, with the real
//!   members of groups the inventory cannot resolve. This decides ACCEPT or REJECT.
//!
//! Each condition loops over the rules one by one; nothing here is clever. [`Masks`] holds the
//! per-rule answers as bit sets (per ENI and direction, per remote address, per protocol and
//! port) so that the per-record cost is a few AND operations. The tests keep the plain loops
//! (`credit`, `allows`) as oracles and check the masks against them.
//!
//! Knows nothing about flow-log text.

use crate::addr::{Addr, Cidr};
use crate::inventory::{ICMP, ICMPV6, Inventory, Peer, Rule, TCP, UDP};

/// The largest number of rules the bit sets hold.
pub(crate) const MAX_RULES: usize = 256;

/// A set of rule indices.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub(crate) struct RuleSet([u64; MAX_RULES / 64]);

impl RuleSet {
    pub(crate) fn insert(&mut self, r: usize) {
        self.0[r / 64] |= 1 << (r % 64);
    }

    #[cfg(test)]
    pub(crate) fn contains(&self, r: usize) -> bool {
        self.0[r / 64] & (1 << (r % 64)) != 0
    }

    pub(crate) fn and(&self, o: &RuleSet) -> RuleSet {
        let mut out = *self;
        for (a, b) in out.0.iter_mut().zip(o.0) {
            *a &= b;
        }
        out
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.iter().all(|&w| w == 0)
    }

    /// The members, ascending.
    pub(crate) fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(k, &w)| {
            let mut w = w;
            std::iter::from_fn(move || {
                if w == 0 {
                    return None;
                }
                let b = w.trailing_zeros() as usize;
                w &= w - 1;
                Some(k * 64 + b)
            })
        })
    }
}

/// Whether a record credits a rule.
#[cfg(test)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Credit {
    No,
    Yes,
    /// Everything matches but the rule names an ICMP type, which flow logs do not carry.
    Possible,
}

/// True when the rule's protocol admits `proto` (`-1` admits all).
fn proto_matches(rule: &Rule, proto: u8) -> bool {
    rule.proto == -1 || rule.proto == i16::from(proto)
}

/// Rule 6 of the contract: TCP/UDP compare the destination port; other protocols do not.
fn port_matches(rule: &Rule, proto: u8, dport: u16) -> bool {
    let proto = i16::from(proto);
    if rule.proto == -1 || !(proto == TCP || proto == UDP) {
        return true;
    }
    rule.from <= i32::from(dport) && i32::from(dport) <= rule.to
}

/// The protocol and port conditions (5 and 6) of a rule; with `icmp_type`, the simulated AWS's
/// ICMP-type condition too (flow logs carry no type, so the contract passes `None`).
fn admits(rule: &Rule, proto: u8, dport: u16, icmp_type: Option<u8>) -> bool {
    proto_matches(rule, proto)
        && port_matches(rule, proto, dport)
        && icmp_type.is_none_or(|t| !icmp_specific(rule) || rule.from == i32::from(t))
}

/// True when the rule names a specific ICMP type (FromPort ≠ −1).
pub(crate) fn icmp_specific(rule: &Rule) -> bool {
    (rule.proto == ICMP || rule.proto == ICMPV6) && rule.from != -1
}

/// Peer containment as the inventory lets anyone resolve it.
/// The rules whose peer holds `addr` (`real`: in the simulated world, foreign members
/// included).
fn rules_holding(inv: &Inventory, addr: Addr, real: bool) -> RuleSet {
    let mut s = RuleSet::default();
    for (r, rule) in inv.rules.iter().enumerate() {
        let hit = if real {
            peer_contains_real(inv, rule, addr)
        } else {
            peer_contains(inv, rule, addr)
        };
        if hit {
            s.insert(r);
        }
    }
    s
}

/// Whether a rule CIDR or prefix-list entry covers part, not all, of the virtual clients' block
/// (44.0.0.0/7).
fn cuts_virtual_block(inv: &Inventory) -> bool {
    let block = Cidr::v4([44, 0, 0, 0], 7);
    let cuts = |c: &Cidr| c.is_v4() && c.len() > 7 && block.contains(c.network());
    inv.rules
        .iter()
        .any(|r| matches!(&r.peer, Peer::Cidr(c) if cuts(c)))
        || inv
            .prefix_lists
            .iter()
            .any(|l| l.entries.iter().any(|(c, _)| cuts(c)))
}

pub(crate) fn peer_contains(inv: &Inventory, rule: &Rule, remote: Addr) -> bool {
    match &rule.peer {
        Peer::Cidr(c) => c.contains(remote),
        Peer::Group { known: Some(g), .. } => {
            let (addrs, prefixes) = inv.members(*g);
            addrs.contains(&remote) || prefixes.iter().any(|p| p.contains(remote))
        }
        Peer::PrefixList { known: Some(k), .. } => inv.prefix_lists[*k]
            .entries
            .iter()
            .any(|(c, _)| c.contains(remote)),
        Peer::Group { known: None, .. } | Peer::PrefixList { known: None, .. } => false,
    }
}

/// Peer containment in the simulated world, where the foreign group's members are known.
fn peer_contains_real(inv: &Inventory, rule: &Rule, remote: Addr) -> bool {
    match &rule.peer {
        Peer::Group {
            id, known: None, ..
        } => inv
            .hidden_members
            .iter()
            .any(|(g, members)| g == id && members.iter().any(|&m| inv.addr(m) == remote)),
        _ => peer_contains(inv, rule, remote),
    }
}

/// The contract: does a forward ACCEPT record on `eni` in direction `egress` with this protocol,
/// destination port and remote address credit rule `r`? (Conditions 3–7; the caller checks 1–2.)
/// The test oracle of [`Masks::credited`].
#[cfg(test)]
pub(crate) fn credit(
    inv: &Inventory,
    r: usize,
    eni: u16,
    egress: bool,
    proto: u8,
    dport: u16,
    remote: Addr,
) -> Credit {
    let rule = &inv.rules[r];
    if !inv.eni(eni).groups.contains(&rule.group)
        || rule.egress != egress
        || !admits(rule, proto, dport, None)
        || !peer_contains(inv, rule, remote)
    {
        return Credit::No;
    }
    if icmp_specific(rule) {
        Credit::Possible
    } else {
        Credit::Yes
    }
}

/// The simulated AWS: does any rule of the ENI's groups allow this packet? `icmp_type` is the
/// real ICMP type (echo request) for ICMP traffic. An ENI without groups (NAT) filters nothing.
/// The test oracle of [`Masks::allows`].
#[cfg(test)]
pub(crate) fn allows(
    inv: &Inventory,
    eni: u16,
    egress: bool,
    proto: u8,
    dport: u16,
    icmp_type: u8,
    remote: Addr,
) -> bool {
    let e = inv.eni(eni);
    if e.groups.is_empty() {
        return true;
    }
    inv.rules.iter().any(|rule| {
        e.groups.contains(&rule.group)
            && rule.egress == egress
            && admits(rule, proto, dport, Some(icmp_type))
            && peer_contains_real(inv, rule, remote)
    })
}

/// True when a network ACL of the target's subnet denies the packet. NACLs act at subnet
/// boundaries, so traffic from inside the same subnet is never denied.
pub(crate) fn nacl_denies(
    inv: &Inventory,
    source: Addr,
    target: u16,
    proto: u8,
    dport: u16,
) -> bool {
    let subnet = &inv.subnets[inv.eni(target).subnet];
    if subnet.cidr.contains(source) || subnet.v6.contains(source) {
        return false;
    }
    inv.nacl_denies.iter().any(|d| {
        d.tier == subnet.tier
            && d.proto == i16::from(proto)
            && (d.from..=d.to).contains(&dport)
            && d.remote.contains(source)
    })
}

/// The per-rule answers of crediting and allowing, cached as bit sets.
pub(crate) struct Masks {
    /// Rules of the ENI's groups, by direction: `[ingress, egress]`.
    eni_rules: Vec<[RuleSet; 2]>,
    /// Per address-table index: rules whose peer contains the address (resolvable view).
    peer: Vec<RuleSet>,
    /// The same in the simulated world (foreign group members included).
    peer_real: Vec<RuleSet>,
    /// `(peer, peer_real)` of every virtual client, when all of them share them (no rule's
    /// peer cuts their block); else computed per address.
    virtual_peer: Option<(RuleSet, RuleSet)>,
    icmp_specific: RuleSet,
}

impl Masks {
    pub(crate) fn new(inv: &Inventory) -> Masks {
        let dir = |e: &crate::inventory::Eni, egress: bool| {
            let mut s = RuleSet::default();
            for (r, rule) in inv.rules.iter().enumerate() {
                if e.groups.contains(&rule.group) && rule.egress == egress {
                    s.insert(r);
                }
            }
            s
        };
        let eni_rules = inv
            .enis
            .iter()
            .map(|e| [dir(e, false), dir(e, true)])
            .collect();
        let peer_sets = |real: bool| {
            inv.addrs
                .iter()
                .map(|a| rules_holding(inv, a.addr, real))
                .collect()
        };
        // The two ends and a middle address of the virtual block: the same sets for all three,
        // and no rule CIDR strictly inside the block, means the same sets for every client.
        let block = [0u32, 1 << 24, (1 << 25) - 1].map(crate::inventory::virtual_client);
        let sets = block.map(|a| (rules_holding(inv, a, false), rules_holding(inv, a, true)));
        let uniform = sets.iter().all(|s| s == &sets[0]) && !cuts_virtual_block(inv);
        let virtual_peer = uniform.then(|| sets[0]);
        let mut icmp = RuleSet::default();
        for (r, rule) in inv.rules.iter().enumerate() {
            if icmp_specific(rule) {
                icmp.insert(r);
            }
        }
        Masks {
            eni_rules,
            peer: peer_sets(false),
            peer_real: peer_sets(true),
            virtual_peer,
            icmp_specific: icmp,
        }
    }

    /// Rules whose protocol and port admit a record (`icmp_type` `None`: the flow-log view) or a
    /// packet of that ICMP type (the simulated AWS).
    pub(crate) fn proto_port(
        inv: &Inventory,
        proto: u8,
        dport: u16,
        icmp_type: Option<u8>,
    ) -> RuleSet {
        let mut s = RuleSet::default();
        for (r, rule) in inv.rules.iter().enumerate() {
            if admits(rule, proto, dport, icmp_type) {
                s.insert(r);
            }
        }
        s
    }

    /// (credited, possible) rule sets of a forward ACCEPT record, given `proto_port` for its
    /// protocol and port.
    pub(crate) fn credited(
        &self,
        inv: &Inventory,
        eni: u16,
        egress: bool,
        proto_port: &RuleSet,
        remote: u32,
    ) -> (RuleSet, RuleSet) {
        let all = self.eni_rules[usize::from(eni)][usize::from(egress)]
            .and(proto_port)
            .and(&self.peer_of(inv, remote, false));
        let mut yes = all;
        for (a, b) in yes.0.iter_mut().zip(self.icmp_specific.0) {
            *a &= !b;
        }
        (yes, all.and(&self.icmp_specific))
    }

    /// The simulated AWS decision through the masks, `proto_port` being [`Masks::proto_port`] of the packet
    /// (with its ICMP type).
    pub(crate) fn allows(
        &self,
        inv: &Inventory,
        eni: u16,
        egress: bool,
        proto_port: &RuleSet,
        remote: u32,
    ) -> bool {
        if inv.eni(eni).groups.is_empty() {
            return true;
        }
        !self.eni_rules[usize::from(eni)][usize::from(egress)]
            .and(proto_port)
            .and(&self.peer_of(inv, remote, true))
            .is_empty()
    }

    /// The rules whose peer holds address `remote` (`real`: in the simulated world).
    fn peer_of(&self, inv: &Inventory, remote: u32, real: bool) -> RuleSet {
        let is_virtual = remote >= crate::inventory::VIRTUAL_BASE;
        match (is_virtual, &self.virtual_peer, real) {
            (false, _, false) => self.peer[remote as usize],
            (false, _, true) => self.peer_real[remote as usize],
            (true, Some((peer, _)), false) => *peer,
            (true, Some((_, peer_real)), true) => *peer_real,
            (true, None, _) => rules_holding(inv, inv.addr(remote), real),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{self, Role};

    #[test]
    fn rule_sets() {
        let mut s = RuleSet::default();
        for r in [0, 63, 64, 200] {
            s.insert(r);
        }
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![0, 63, 64, 200]);
        assert!(s.contains(64) && !s.contains(65));
    }

    /// The cached masks give exactly the loop's answers, for every ENI, direction, a spread of
    /// protocols and ports, and every address of the table.
    #[test]
    fn masks_agree_with_the_naive_loops() {
        let inv = inventory::build(21);
        let m = Masks::new(&inv);
        let cases: [(u8, u16, u8); 9] = [
            (6, 443, 0),
            (6, 22, 0),
            (6, 8001, 0),
            (6, 3306, 0),
            (17, 53, 0),
            (17, 8125, 0),
            (1, 0, 8),
            (58, 0, 128),
            (6, 40000, 0),
        ];
        for eni in 0..inv.enis.len() as u16 {
            for egress in [false, true] {
                for &(proto, dport, icmp_type) in &cases {
                    let pp = Masks::proto_port(&inv, proto, dport, None);
                    // Every address of the VPC, and a sample of the external ones.
                    let remotes = (0..inv.addrs.len() as u32)
                        .filter(|&a| inv.addr_internal(a) || a % 61 == 0);
                    for remote in remotes {
                        let (yes, possible) = m.credited(&inv, eni, egress, &pp, remote);
                        for r in 0..inv.rules.len() {
                            let c = credit(&inv, r, eni, egress, proto, dport, inv.addr(remote));
                            assert_eq!(yes.contains(r), c == Credit::Yes);
                            assert_eq!(possible.contains(r), c == Credit::Possible);
                        }
                        assert_eq!(
                            m.allows(
                                &inv,
                                eni,
                                egress,
                                &Masks::proto_port(&inv, proto, dport, Some(icmp_type)),
                                remote
                            ),
                            allows(&inv, eni, egress, proto, dport, icmp_type, inv.addr(remote))
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn designed_decisions() {
        let inv = inventory::build(4);
        let alb2 = inv.role(Role::Alb2)[0];
        let task = inv.role(Role::EcsTask)[0];
        let alb_addr = inv.addr(inv.eni(alb2).primary);
        // The health-check port is missing from the task group; the service port is there.
        assert!(!allows(&inv, task, false, 6, 8081, 0, alb_addr));
        assert!(allows(&inv, task, false, 6, 8000, 0, alb_addr));
        // The bastion's ping rule admits echo requests only.
        let bastion = inv.role(Role::Bastion)[0];
        let internet = inv.addr(inv.pools.clients_v4[0]);
        assert!(allows(&inv, bastion, false, 1, 0, 8, internet));
        assert!(!allows(&inv, bastion, false, 1, 0, 13, internet));
        // The NACL denies the debug port from the public subnets into the model subnets.
        let gguf = inv.role(Role::Gguf)[0];
        let bastion_addr = inv.addr(inv.eni(bastion).primary);
        assert!(allows(&inv, gguf, false, 6, 8001, 0, bastion_addr));
        assert!(nacl_denies(&inv, bastion_addr, gguf, 6, 8001));
        let backend = inv.role(Role::Backend)[0];
        assert!(!nacl_denies(
            &inv,
            inv.addr(inv.eni(backend).primary),
            gguf,
            6,
            8001
        ));
    }
}

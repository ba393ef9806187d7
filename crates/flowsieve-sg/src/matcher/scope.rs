//! VPC scope: which VPCs an address lookup may look in (the recording ENI's VPC and the VPCs
//! peered with it by an active connection), and the class of a remote address seen from a VPC.
//!
//! VPCs are numbered ([`VpcIdx`](super::VpcIdx)) over every VPC id the inventory names: described
//! VPCs, and the VPCs of ENIs, subnets, groups and peering connections. ENIs without a VPC id are
//! visible from every scope, and a lookup without a scope sees every VPC: an inventory without
//! VPC ids behaves as one address space.

use hashbrown::HashMap;

use super::NONE;
use crate::addr::{Addr, Cidr};
use crate::load::Inventory;
use crate::model::{PeerClass, Vpc, is_private};

/// Every VPC, its CIDRs and its active peers.
#[derive(Clone, Debug, Default)]
pub(super) struct Scopes {
    pub(super) vpcs: Vec<Vpc>,
    pub(super) index: HashMap<String, u32>,
    /// Per VPC: the VPCs peered with it by an active connection, sorted.
    peers: Vec<Vec<u32>>,
    /// Per VPC: the CIDRs of its active peers (their own, and what the connections name).
    peer_cidrs: Vec<Vec<Cidr>>,
    /// VPC CIDRs whose VPC is not known (a program's `add_vpc_cidr`, a `describe-vpcs` entry
    /// without an id): internal from every scope.
    loose: Vec<Cidr>,
    /// User-given on-premises ranges.
    on_prem: Vec<Cidr>,
}

impl Scopes {
    pub(super) fn new(inv: &Inventory) -> Scopes {
        let mut s = Scopes {
            loose: inv.loose_vpc_cidrs().to_vec(),
            on_prem: inv.internal_cidrs().to_vec(),
            ..Scopes::default()
        };
        for v in inv.vpcs() {
            s.intern(&v.id);
            if let Some(&i) = s.index.get(&v.id)
                && let Some(slot) = s.vpcs.get_mut(i as usize)
            {
                *slot = v.clone();
            }
        }
        let named = inv
            .network_interfaces()
            .iter()
            .filter_map(|e| e.vpc_id.as_deref())
            .chain(inv.subnets().iter().filter_map(|s| s.vpc_id.as_deref()))
            .chain(
                inv.security_groups()
                    .iter()
                    .filter_map(|g| g.vpc_id.as_deref()),
            )
            .chain(inv.vpc_peerings().iter().flat_map(|p| {
                [p.requester.vpc_id.as_deref(), p.accepter.vpc_id.as_deref()]
                    .into_iter()
                    .flatten()
            }));
        let named: Vec<String> = named.map(str::to_owned).collect();
        for id in &named {
            s.intern(id);
        }
        s.peers = vec![Vec::new(); s.vpcs.len()];
        s.peer_cidrs = vec![Vec::new(); s.vpcs.len()];
        for p in inv.vpc_peerings().iter().filter(|p| p.status.is_active()) {
            let (Some(a), Some(b)) = (p.requester.vpc_id.as_deref(), p.accepter.vpc_id.as_deref())
            else {
                continue;
            };
            let (Some(&ia), Some(&ib)) = (s.index.get(a), s.index.get(b)) else {
                continue;
            };
            for (me, other, other_side) in [(ia, ib, &p.accepter), (ib, ia, &p.requester)] {
                if let Some(list) = s.peers.get_mut(me as usize) {
                    list.push(other);
                }
                if let Some(list) = s.peer_cidrs.get_mut(me as usize) {
                    list.extend(other_side.cidrs.iter().copied());
                }
            }
        }
        for i in 0..s.vpcs.len() {
            let mut own: Vec<Cidr> = Vec::new();
            if let Some(list) = s.peers.get_mut(i) {
                list.sort_unstable();
                list.dedup();
                for &p in list.iter() {
                    own.extend(s.vpcs.get(p as usize).map_or(&[][..], |v| &v.cidrs));
                }
            }
            if let Some(list) = s.peer_cidrs.get_mut(i) {
                list.extend(own);
                list.sort_unstable();
                list.dedup();
            }
        }
        s
    }

    fn intern(&mut self, id: &str) {
        if !self.index.contains_key(id) {
            self.index.insert(id.to_owned(), self.vpcs.len() as u32);
            self.vpcs.push(Vpc {
                id: id.to_owned(),
                ..Vpc::default()
            });
        }
    }

    /// The index of a VPC id, or [`NONE`].
    pub(super) fn of(&self, vpc_id: Option<&str>) -> u32 {
        vpc_id
            .and_then(|id| self.index.get(id).copied())
            .unwrap_or(NONE)
    }

    /// True when something in VPC `vpc` ([`NONE`]: unknown VPC) is visible from `scope`.
    #[inline]
    pub(super) fn visible(&self, scope: Option<u32>, vpc: u32) -> bool {
        match scope {
            None => true,
            Some(s) => {
                vpc == NONE
                    || vpc == s
                    || self
                        .peers
                        .get(s as usize)
                        .is_some_and(|p| p.binary_search(&vpc).is_ok())
            }
        }
    }

    /// True when `scope`'s VPC and `vpc` are peered by an active connection.
    pub(super) fn peered(&self, scope: u32, vpc: u32) -> bool {
        self.peers
            .get(scope as usize)
            .is_some_and(|p| p.binary_search(&vpc).is_ok())
    }

    /// The active peers of a VPC.
    pub(super) fn peers_of(&self, vpc: u32) -> &[u32] {
        self.peers.get(vpc as usize).map_or(&[], Vec::as_slice)
    }

    /// Every block [`Self::class`] tests: VPC CIDRs, loose VPC CIDRs, on-premises ranges and
    /// the CIDRs of peers.
    pub(super) fn cidrs(&self) -> impl Iterator<Item = &Cidr> + '_ {
        self.vpcs
            .iter()
            .flat_map(|v| v.cidrs.iter())
            .chain(&self.loose)
            .chain(&self.on_prem)
            .chain(self.peer_cidrs.iter().flatten())
    }

    /// True when an address no ENI holds is [`PeerClass::External`] from every scope (none,
    /// and each VPC's): asked of [`Self::class`] itself, so the two cannot drift apart.
    pub(super) fn always_external(&self, addr: Addr) -> bool {
        std::iter::once(None)
            .chain((0..self.vpcs.len() as u32).map(Some))
            .all(|scope| self.class(scope, addr, None) == PeerClass::External)
    }

    /// The class of `addr` from its CIDRs alone; `owner_vpc` is the VPC of an ENI known to hold
    /// it (any time), [`NONE`] for an ENI without a VPC, `None` when no ENI does.
    pub(super) fn class(
        &self,
        scope: Option<u32>,
        addr: Addr,
        owner_vpc: Option<u32>,
    ) -> PeerClass {
        let inside = |cidrs: &[Cidr]| cidrs.iter().any(|c| c.contains(addr));
        let in_any_vpc = || self.vpcs.iter().any(|v| inside(&v.cidrs));
        match scope {
            None => {
                if owner_vpc.is_some() || inside(&self.loose) || in_any_vpc() {
                    return PeerClass::Internal;
                }
            }
            Some(s) => {
                let own = self.vpcs.get(s as usize).map_or(&[][..], |v| &v.cidrs);
                let owned_here = owner_vpc.is_some_and(|o| o == s || o == NONE);
                if owned_here || inside(own) || inside(&self.loose) {
                    return PeerClass::Internal;
                }
                let peer_cidrs = self
                    .peer_cidrs
                    .get(s as usize)
                    .map_or(&[][..], Vec::as_slice);
                if owner_vpc.is_some_and(|o| self.peered(s, o)) || inside(peer_cidrs) {
                    return PeerClass::Peered;
                }
            }
        }
        if inside(&self.on_prem) {
            PeerClass::OnPrem
        } else if is_private(addr) || in_any_vpc() || owner_vpc.is_some() {
            // Private, or an address of a loaded VPC that is not peered with this one (a
            // transit gateway path): never the internet.
            PeerClass::PrivateExternal
        } else {
            PeerClass::External
        }
    }
}

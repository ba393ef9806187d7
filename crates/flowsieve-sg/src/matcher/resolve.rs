//! Address questions asked per record or per distinct peer: who held an address (in a VPC scope,
//! at a time), whether the answer can change over time, and where the address lies.

use super::{AddressOwner, CompiledMatcher, EniIdx, NONE, VpcIdx};
use crate::addr::Addr;
use crate::model::{PeerClass, Vpc};

impl CompiledMatcher {
    /// Number of VPCs (every VPC id the inventory names).
    pub fn vpc_count(&self) -> usize {
        self.scopes.vpcs.len()
    }

    /// The index of a VPC id (a flow log's `vpc-id`).
    pub fn vpc_index(&self, vpc_id: &str) -> Option<VpcIdx> {
        self.scopes.index.get(vpc_id).map(|&i| VpcIdx(i))
    }

    /// The VPC at `idx` (its CIDRs empty when only its id is known), or `None` for an index
    /// this matcher did not produce.
    pub fn vpc(&self, idx: VpcIdx) -> Option<&Vpc> {
        self.scopes.vpcs.get(idx.0 as usize)
    }

    /// The VPCs peered with `vpc` by an active peering connection, ascending.
    pub fn vpc_peers(&self, vpc: VpcIdx) -> impl Iterator<Item = VpcIdx> + '_ {
        self.scopes.peers_of(vpc.0).iter().map(|&v| VpcIdx(v))
    }

    /// The VPC of an ENI version, when known.
    pub fn eni_vpc(&self, eni: EniIdx) -> Option<VpcIdx> {
        self.eni_vpc
            .get(eni.0 as usize)
            .copied()
            .filter(|&v| v != NONE)
            .map(VpcIdx)
    }

    /// True when some ENI version holds for part of time only (inventory history was loaded):
    /// without history, address and group answers never depend on a record's time.
    pub fn has_history(&self) -> bool {
        self.has_history
    }

    /// Who held `addr` as a private address or inside a delegated prefix (public addresses are
    /// never held), seen from VPC `scope` — that VPC, the VPCs peered with it by an active
    /// connection, and ENIs of no known VPC; `None` looks everywhere — at time `at` (`None`: at
    /// any time).
    ///
    /// The most specific entry wins (an address before a prefix). Two ENI versions claiming it
    /// at once are [`AddressOwner::Ambiguous`]; so are two ENIs that held it at different times
    /// when `at` is `None` (several versions of one ENI give its latest). Allocates nothing.
    pub fn resolve_address(
        &self,
        scope: Option<VpcIdx>,
        addr: Addr,
        at: Option<i64>,
    ) -> AddressOwner {
        let scope = scope.map(|v| v.0);
        let mut best: Option<(u8, u32)> = None;
        let mut ambiguous = false;
        for c in self.addresses.claims(addr) {
            if best.is_some_and(|(s, _)| c.specificity > s) {
                break;
            }
            let e = c.eni as usize;
            let vpc = self.eni_vpc.get(e).copied().unwrap_or(NONE);
            if !self.scopes.visible(scope, vpc) {
                continue;
            }
            if let Some(t) = at
                && self.eni_valid.get(e).is_none_or(|v| !v.contains(t))
            {
                continue;
            }
            let Some((s, b)) = best else {
                best = Some((c.specificity, c.eni));
                continue;
            };
            // Without a time, two versions of one ENI are that ENI: keep its latest.
            let same_eni = self.first_version.get(b as usize) == self.first_version.get(e);
            if at.is_none() && same_eni {
                let start = |i: usize| self.eni_valid.get(i).map_or(i64::MIN, |v| v.start_key());
                if start(e) > start(b as usize) {
                    best = Some((s, c.eni));
                }
            } else {
                ambiguous = true;
            }
        }
        match best {
            None => AddressOwner::Nobody,
            Some(_) if ambiguous => AddressOwner::Ambiguous,
            Some((_, e)) => AddressOwner::Eni(EniIdx(e)),
        }
    }

    /// True only when the owner of `addr` changes over time (some ENI version claiming it holds
    /// for part of time only). Without history this is a constant-time `false`, and one lookup
    /// per distinct address answers for every record.
    #[inline]
    pub fn address_is_volatile(&self, addr: Addr) -> bool {
        self.has_history && self.addresses.volatile(addr)
    }

    /// The class of an internet address no ENI ever held: the first address of the block,
    /// between two boundaries of ranges the inventory declares, that holds `addr`. Every address
    /// of a class gets the same answer from every question this matcher answers (rules allowing
    /// it, [`Self::peer_class`], [`Self::resolve_address`], prefix lists, subnets, ACL entries),
    /// so an analysis may aggregate internet peers by class. `None` for any other address (an
    /// ENI's, or one inside a VPC, peered, on-premises or private range): those stay exact.
    ///
    /// ```
    /// use flowsieve_sg::{Addr, InventoryBuilder, CompiledMatcher};
    /// let inv = InventoryBuilder::new().build();
    /// let m = CompiledMatcher::new(&inv);
    /// let a = Addr::from_ipv4([198, 51, 100, 7].into());
    /// let b = Addr::from_ipv4([198, 51, 100, 9].into());
    /// assert_eq!(m.internet_class(a), m.internet_class(b));
    /// assert_eq!(m.internet_class(Addr::from_ipv4([10, 0, 0, 1].into())), None);
    /// ```
    #[inline]
    pub fn internet_class(&self, addr: Addr) -> Option<Addr> {
        self.internet.class_of(addr)
    }

    /// How many internet classes the inventory cuts the address space into.
    pub fn internet_class_count(&self) -> usize {
        self.internet.count()
    }

    /// Where `addr` lies seen from VPC `scope` (`None`: no VPC known, so every loaded VPC counts
    /// as internal): [`PeerClass::Internal`] in the VPC (its CIDRs, or an ENI of it or of no
    /// known VPC), [`PeerClass::Peered`] in a VPC peered with it by an active connection,
    /// [`PeerClass::OnPrem`] inside a range given to
    /// [`add_internal_cidr`](crate::InventoryBuilder::add_internal_cidr),
    /// [`PeerClass::PrivateExternal`] for other private addresses (RFC 1918, RFC 6598, fc00::/7)
    /// and addresses of loaded VPCs that are not peered with it, [`PeerClass::External`] for
    /// the rest. VPC CIDRs whose VPC is unknown count as internal from every scope.
    pub fn peer_class(&self, scope: Option<VpcIdx>, addr: Addr) -> PeerClass {
        let scope = scope.map(|v| v.0);
        let claims = self.addresses.claims(addr);
        let vpcs = || {
            claims
                .iter()
                .map(|c| self.eni_vpc.get(c.eni as usize).copied().unwrap_or(NONE))
        };
        // The holder VPC that says the most: this one (or none), then a peer, then any.
        let owner = match scope {
            None => vpcs().next(),
            Some(s) => vpcs()
                .find(|&v| v == s || v == NONE)
                .or_else(|| vpcs().find(|&v| self.scopes.peered(s, v)))
                .or_else(|| vpcs().next()),
        };
        self.scopes.class(scope, addr, owner)
    }
}

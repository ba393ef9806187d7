//! [`InternetClasses`]: the internet's addresses cut into the few classes the inventory can tell
//! apart, so an analysis can aggregate millions of internet clients by class without changing
//! any answer about them.
//!
//! Every range the inventory declares (rule CIDRs, prefix-list entries, VPC, subnet, peering and
//! on-premises blocks, network ACL entries, the private ranges, every ENI address and prefix)
//! cuts the 128-bit address space at its two ends. Between two cuts, no declared range starts or
//! ends, so every question the matcher and the report ask of an address — which rules' CIDR or
//! prefix-list peers hold it, which peer class it is, which subnet or ACL entry covers it, which
//! ENI claims it — has the same answer for every address of the segment. A segment no ENI claims
//! and that lies outside every internal, peered, on-premises and private range is an *internet
//! class*; its first address stands for all of it.

use crate::addr::{Addr, Cidr};
use crate::load::Inventory;
use crate::model::Peer;

use super::address::AddressBook;
use super::build::push_cidr_interval;
use super::scope::Scopes;

/// The private ranges [`crate::model::PeerClass::PrivateExternal`] names (IPv4 in the mapped
/// form, prefix lengths within the family): 10/8, 172.16/12, 192.168/16, 100.64/10 and
/// fc00::/7.
const PRIVATE: [(u128, u8); 5] = [
    ((0xffff << 32) | (10 << 24), 8),
    ((0xffff << 32) | (172 << 24) | (16 << 16), 12),
    ((0xffff << 32) | (192 << 24) | (168 << 16), 16),
    ((0xffff << 32) | (100 << 24) | (64 << 16), 10),
    (0xfc00 << 112, 7),
];

/// Sorted segment starts, each with whether it is an internet class.
#[derive(Clone, Debug, Default)]
pub(super) struct InternetClasses {
    start: Vec<u128>,
    internet: Vec<bool>,
}

impl InternetClasses {
    pub(super) fn new(inventory: &Inventory, book: &AddressBook, scopes: &Scopes) -> Self {
        let mut cuts: Vec<u128> = vec![0];
        let mut cut = |c: &Cidr| {
            let (lo, hi) = c.range();
            cuts.push(lo);
            cuts.extend(hi.checked_add(1));
            let mut pieces = Vec::new();
            push_cidr_interval(&mut pieces, c);
            for (lo, hi) in pieces {
                cuts.push(lo);
                cuts.extend(hi.checked_add(1));
            }
        };
        for rule in inventory.rules() {
            if let Peer::Cidr(c) = &rule.peer {
                cut(c);
            }
        }
        for list in inventory.prefix_lists() {
            list.entries.iter().flatten().for_each(&mut cut);
        }
        for subnet in inventory.subnets() {
            subnet.cidrs.iter().for_each(&mut cut);
        }
        for acl in inventory.network_acls() {
            acl.entries.iter().for_each(|e| cut(&e.cidr));
        }
        scopes.cidrs().for_each(&mut cut);
        for &(net, prefix) in &PRIVATE {
            if let Some(c) = Cidr::new(Addr(net), prefix) {
                cut(&c);
            }
        }
        cuts.extend(book.segment_starts());
        // The IPv4-mapped block: IPv6 rules never cover it, IPv4 ones only it.
        cuts.push(0xffff << 32);
        cuts.push((0xffff << 32) + (1 << 32));
        cuts.sort_unstable();
        cuts.dedup();
        let internet = cuts
            .iter()
            .map(|&s| book.claims(Addr(s)).is_empty() && scopes.always_external(Addr(s)))
            .collect();
        InternetClasses {
            start: cuts,
            internet,
        }
    }

    /// The first address of `addr`'s class when `addr` is an internet address no ENI ever
    /// held; `None` otherwise.
    #[inline]
    pub(super) fn class_of(&self, addr: Addr) -> Option<Addr> {
        let i = self
            .start
            .partition_point(|&s| s <= addr.0)
            .checked_sub(1)?;
        if *self.internet.get(i)? {
            self.start.get(i).map(|&s| Addr(s))
        } else {
            None
        }
    }

    /// Internet classes in the table.
    pub(super) fn count(&self) -> usize {
        self.internet.iter().filter(|&&b| b).count()
    }
}

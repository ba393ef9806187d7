//! The findings about the loaded network as a whole, once everything is loaded: unresolved group
//! peers, stale peerings, prefix lists without entries, ENIs carrying unknown groups, referenced
//! groups that no ENI carries, addresses that moved between ENIs, VPCs whose CIDRs overlap.

use std::collections::{BTreeMap, BTreeSet};

use super::{Inventory, first_source};
use crate::addr::Addr;
use crate::model::{Finding, FindingCode, Peer};

/// At most this many ENIs are named in one `address_moved` message.
const NAMED_ENIS: usize = 5;

impl Inventory {
    /// Adds the validation findings, in a stable order.
    pub(super) fn validate(&mut self) {
        let mut found = Vec::new();
        self.reference_findings(&mut found);
        self.group_without_enis_findings(&mut found);
        self.address_moved_findings(&mut found);
        self.overlapping_vpc_findings(&mut found);
        self.findings.extend(found);
    }

    /// Unresolved group peers, stale peerings, prefix lists without entries, ENIs carrying
    /// unknown groups.
    fn reference_findings(&self, found: &mut Vec<Finding>) {
        for r in &self.rules {
            let source = first_source(r);
            match &r.peer {
                Peer::Group { group_id, peering_status, .. } if r.peer.is_stale() => found.push(Finding::new(FindingCode::StalePeering,
                    format!(
                        "rule {} of {} references {group_id} across a peering connection that is {}; it can never match",
                        r.id,
                        r.group_id,
                        peering_status.as_ref().map_or("deleted", |s| s.as_str())
                    ),
                    source,
                    Some(r.id.as_str()),
                )),
                Peer::Group { group_id, owner_id, .. } if self.group(group_id).is_none() => {
                    let owner = owner_id.as_deref().map(|o| format!(" (account {o})")).unwrap_or_default();
                    found.push(Finding::new(FindingCode::UnresolvedGroupPeer,
                        format!("rule {} of {} references group {group_id}{owner}, which is not in the inventory; it never matches", r.id, r.group_id),
                        source,
                        Some(r.id.as_str()),
                    ));
                }
                Peer::PrefixList { id } if self.prefix_list(id).is_none_or(|l| l.entries.is_none()) => found.push(Finding::new(FindingCode::UnexpandedPrefixList,
                    format!(
                        "rule {} of {} references prefix list {id}, whose entries were not loaded (add `aws ec2 get-managed-prefix-list-entries` output); it never matches",
                        r.id, r.group_id
                    ),
                    source,
                    Some(r.id.as_str()),
                )),
                _ => {}
            }
        }
        let mut reported: BTreeSet<(&str, &str)> = BTreeSet::new();
        for e in &self.enis {
            for g in &e.group_ids {
                if self.group(g).is_none() && reported.insert((&e.id, g)) {
                    found.push(Finding::new(FindingCode::UnknownEniGroup,
                        format!("network interface {} carries group {g}, which is not in the inventory; its rules are unknown", e.id),
                        None,
                        Some(&e.id),
                    ));
                }
            }
        }
    }

    /// Groups that rules reference and that are in the inventory, but that no ENI version
    /// carries: their members are unknown (ENIs gone, or not loaded).
    fn group_without_enis_findings(&self, found: &mut Vec<Finding>) {
        if self.enis.is_empty() {
            return;
        }
        let carried: BTreeSet<&str> = self
            .enis
            .iter()
            .flat_map(|e| e.group_ids.iter().map(String::as_str))
            .collect();
        let mut referencing: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for r in &self.rules {
            if let Peer::Group { group_id, .. } = &r.peer
                && !r.peer.is_stale()
                && self.group(group_id).is_some()
                && !carried.contains(group_id.as_str())
            {
                referencing.entry(group_id).or_default().push(r.id.as_str());
            }
        }
        for (group, rules) in referencing {
            found.push(Finding::new(
                FindingCode::GroupWithoutEnis,
                format!(
                    "group {group} is referenced by {} rule(s) ({}) but no network interface in the inventory carries it: its members are unknown (interfaces gone, or not loaded)",
                    rules.len(),
                    rules.join(", ")
                ),
                None,
                Some(group),
            ));
        }
    }

    /// Private addresses held by different ENIs at different times, per VPC.
    fn address_moved_findings(&self, found: &mut Vec<Finding>) {
        let mut holders: BTreeMap<(Option<&str>, Addr), BTreeSet<&str>> = BTreeMap::new();
        for e in &self.enis {
            let addresses = e
                .private_ipv4
                .iter()
                .map(|a| Addr::from(*a))
                .chain(e.ipv6.iter().map(|a| Addr::from(*a)));
            for a in addresses {
                holders
                    .entry((e.vpc_id.as_deref(), a))
                    .or_default()
                    .insert(&e.id);
            }
        }
        for ((vpc, addr), enis) in holders {
            if enis.len() < 2 {
                continue;
            }
            let named: Vec<&str> = enis.iter().take(NAMED_ENIS).copied().collect();
            let more = enis.len().saturating_sub(NAMED_ENIS);
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            let vpc = vpc.map(|v| format!(" in {v}")).unwrap_or_default();
            found.push(Finding::new(
                FindingCode::AddressMoved,
                format!(
                    "address {addr}{vpc} was held by {} network interfaces at different times ({}{more}): a record is matched against the interface that held it at the record's time",
                    enis.len(),
                    named.join(", ")
                ),
                None,
                Some(&addr.to_string()),
            ));
        }
    }

    /// Pairs of loaded VPCs whose CIDR blocks overlap (every default VPC is 172.31.0.0/16):
    /// addresses are only ever looked up within one VPC and its peers.
    fn overlapping_vpc_findings(&self, found: &mut Vec<Finding>) {
        for (i, a) in self.vpcs.iter().enumerate() {
            for b in self.vpcs.iter().skip(i + 1) {
                let overlap = a.cidrs.iter().find_map(|x| {
                    b.cidrs
                        .iter()
                        .find(|y| x.contains(y.network()) || y.contains(x.network()))
                        .map(|y| (x, y))
                });
                if let Some((x, y)) = overlap {
                    found.push(Finding::new(
                        FindingCode::OverlappingVpcCidrs,
                        format!(
                            "VPCs {} ({x}) and {} ({y}) have overlapping CIDR blocks: their addresses are told apart by the VPC of the interface that records them, never mixed",
                            a.id, b.id
                        ),
                        None,
                        Some(&a.id),
                    ));
                }
            }
        }
    }
}

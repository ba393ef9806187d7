//! The findings about references, once everything is loaded: unresolved group peers, stale
//! peerings, prefix lists without entries, ENIs carrying unknown groups.

use super::Inventory;
use crate::model::{Finding, FindingCode, Peer};

impl Inventory {
    /// Adds the findings about references: unresolved group peers, stale peerings, prefix lists
    /// without entries, ENIs carrying unknown groups.
    pub(super) fn validate(&mut self) {
        let mut found = Vec::new();
        for r in &self.rules {
            let source = r
                .sources
                .first()
                .map(|s| format!("{}: {}", s.file.display(), s.location));
            match &r.peer {
                Peer::Group { group_id, peering_status, .. } if r.peer.is_stale() => found.push(Finding::new(FindingCode::StalePeering,
                    format!(
                        "rule {} of {} references {group_id} across a peering connection that is {}; it can never match",
                        r.id,
                        r.group_id,
                        peering_status.as_deref().unwrap_or("deleted")
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
        for e in &self.enis {
            for g in &e.group_ids {
                if self.group(g).is_none() {
                    found.push(Finding::new(FindingCode::UnknownEniGroup,
                        format!("network interface {} carries group {g}, which is not in the inventory; its rules are unknown", e.id),
                        None,
                        Some(&e.id),
                    ));
                }
            }
        }
        self.findings.extend(found);
    }
}

//! [`InventoryDocument`]: the declared network as a JSON document — what `flowsieve inventory
//! --format json` prints, documented in `docs/inventory-json.md`.
//!
//! These are serialised copies, not the model: the model types stay free of serde (AWS JSON
//! reaches them only through the private DTOs), and a change of the model changes this document
//! only where `From<&Inventory>` says so. Keys are written in alphabetical order, as the command
//! always wrote them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::load::Inventory;
use crate::model::{
    Finding, FindingCode, NetworkInterface, Peer, PrefixList, Rule, RuleSource, SecurityGroup,
};

/// The declared network as loaded: how many of each thing, the security groups with their
/// rules, the network interfaces, the prefix lists and the validation findings. Serialised
/// (serde), it is the document `flowsieve inventory --format json` prints; it deserialises back.
///
/// ```
/// use flowsieve_sg::{Inventory, InventoryDocument};
///
/// let inventory = Inventory::load(&["../../testdata/demo/inventory"])?;
/// let document = InventoryDocument::from(&inventory);
/// assert_eq!(document.counts.groups, inventory.security_groups().len());
/// let json = serde_json::to_string_pretty(&document).expect("a document serialises");
/// let back: InventoryDocument = serde_json::from_str(&json).expect("and reads back");
/// assert_eq!(back, document);
/// # Ok::<(), flowsieve_sg::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryDocument {
    /// How many of each thing the inventory holds.
    pub counts: InventoryCounts,
    /// Validation findings, in the order they were found.
    pub findings: Vec<FindingEntry>,
    /// Security groups, sorted by id, each with its rules.
    pub groups: Vec<GroupEntry>,
    /// Network interfaces, sorted by id: one entry per version when the inventory has history
    /// (dated snapshots, AWS Config).
    pub network_interfaces: Vec<InterfaceEntry>,
    /// Managed prefix lists, sorted by id.
    pub prefix_lists: Vec<PrefixListEntry>,
}

/// How many of each thing an inventory holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryCounts {
    /// Validation findings.
    pub findings: usize,
    /// Security groups.
    pub groups: usize,
    /// Network interface versions.
    pub network_interfaces: usize,
    /// Managed prefix lists.
    pub prefix_lists: usize,
    /// Rules of every group.
    pub rules: usize,
    /// CIDR blocks of the VPCs and subnets loaded.
    pub vpc_cidrs: usize,
}

/// A security group and its rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupEntry {
    /// The group's description.
    pub description: String,
    /// `sg-…`.
    pub id: String,
    /// Whether it is its VPC's `default` group.
    pub is_default: bool,
    /// The group's name.
    pub name: String,
    /// The account that owns it.
    pub owner_id: Option<String>,
    /// Its rules, ingress and egress.
    pub rules: Vec<RuleEntry>,
    /// Its tags, by key.
    pub tags: BTreeMap<String, String>,
    /// Its VPC.
    pub vpc_id: Option<String>,
}

/// One rule of a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleEntry {
    /// The rule's description.
    pub description: Option<String>,
    /// `ingress` or `egress`.
    pub direction: String,
    /// First port (ICMP type); -1 for all.
    pub from_port: i32,
    /// The peer: a CIDR, `sg-…` or `pl-…`.
    pub peer: String,
    /// The account of a group peer in another account.
    pub peer_owner_id: Option<String>,
    /// `tcp`, `udp`, `icmp`, `icmpv6`, another protocol's number, or `-1` for all.
    pub protocol: String,
    /// `sgr-…`, or the id flowsieve made for a rule that has none.
    pub rule_id: String,
    /// The first file that describes the rule.
    pub source: Option<String>,
    /// Every place that describes the rule.
    pub sources: Vec<SourceEntry>,
    /// Last port (ICMP code); -1 for all.
    pub to_port: i32,
}

/// Where one description of a rule was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceEntry {
    /// The file.
    pub file: String,
    /// `aws-json`, `terraform`, `aws-config` or `program`.
    pub kind: String,
    /// Where inside the file: a JSON path, or a Terraform address and attribute path.
    pub location: String,
}

/// A network interface.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterfaceEntry {
    /// Its description.
    pub description: String,
    /// The security groups it carries.
    pub groups: Vec<String>,
    /// `eni-…`.
    pub id: String,
    /// The instance it is attached to.
    pub instance_id: Option<String>,
    /// `InterfaceType` as AWS wrote it.
    pub interface_type: String,
    /// Delegated IPv4 prefixes.
    pub ipv4_prefixes: Vec<String>,
    /// IPv6 addresses.
    pub ipv6: Vec<String>,
    /// Delegated IPv6 prefixes.
    pub ipv6_prefixes: Vec<String>,
    /// What it is, as flowsieve reads it: `instance`, `load_balancer`, `nat_gateway`, …
    pub kind: String,
    /// Private IPv4 addresses.
    pub private_ipv4: Vec<String>,
    /// Public IPv4 addresses.
    pub public_ipv4: Vec<String>,
    /// Who created it (an account, a service alias).
    pub requester_id: Option<String>,
    /// Whether an AWS service manages it.
    pub requester_managed: bool,
    /// Its subnet.
    pub subnet_id: Option<String>,
    /// Its VPC.
    pub vpc_id: Option<String>,
}

/// A managed prefix list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrefixListEntry {
    /// `IPv4` or `IPv6`.
    pub address_family: String,
    /// Its CIDRs; `null` when its entries were not loaded (a rule using it never matches).
    pub entries: Option<Vec<String>>,
    /// `pl-…`.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its version.
    pub version: Option<i64>,
}

/// A validation finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingEntry {
    /// The stable code.
    pub code: FindingCode,
    /// What was found, in words.
    pub message: String,
    /// `warning` or `error`.
    pub severity: String,
    /// Where: a file and a JSON path.
    pub source: Option<String>,
    /// What it is about: a rule, group, ENI or prefix-list id.
    pub subject: Option<String>,
}

impl From<&Inventory> for InventoryDocument {
    fn from(inventory: &Inventory) -> InventoryDocument {
        InventoryDocument {
            counts: InventoryCounts {
                findings: inventory.findings().len(),
                groups: inventory.security_groups().len(),
                network_interfaces: inventory.network_interfaces().len(),
                prefix_lists: inventory.prefix_lists().len(),
                rules: inventory.rules().len(),
                vpc_cidrs: inventory.vpc_cidrs().len(),
            },
            findings: inventory
                .findings()
                .iter()
                .map(FindingEntry::from)
                .collect(),
            groups: inventory
                .security_groups()
                .iter()
                .map(|group| GroupEntry::new(group, inventory.rules_of_group(&group.id)))
                .collect(),
            network_interfaces: inventory
                .network_interfaces()
                .iter()
                .map(InterfaceEntry::from)
                .collect(),
            prefix_lists: inventory
                .prefix_lists()
                .iter()
                .map(PrefixListEntry::from)
                .collect(),
        }
    }
}

impl GroupEntry {
    fn new<'a>(group: &SecurityGroup, rules: impl Iterator<Item = &'a Rule>) -> GroupEntry {
        GroupEntry {
            description: group.description.clone(),
            id: group.id.clone(),
            is_default: group.is_default,
            name: group.name.clone(),
            owner_id: group.owner_id.clone(),
            rules: rules.map(RuleEntry::from).collect(),
            tags: group.tags.iter().cloned().collect(),
            vpc_id: group.vpc_id.clone(),
        }
    }
}

impl From<&Rule> for RuleEntry {
    fn from(rule: &Rule) -> RuleEntry {
        let file = |source: &RuleSource| source.file.display().to_string();
        RuleEntry {
            description: rule.description.clone(),
            direction: rule.direction.as_str().to_owned(),
            from_port: rule.from_port(),
            peer: rule.peer_string(),
            peer_owner_id: match &rule.peer {
                Peer::Group { owner_id, .. } => owner_id.clone(),
                _ => None,
            },
            protocol: rule.protocol.name(),
            rule_id: rule.id.as_str().to_owned(),
            source: rule.sources.first().map(file),
            sources: rule
                .sources
                .iter()
                .map(|source| SourceEntry {
                    file: file(source),
                    kind: source.kind.as_str().to_owned(),
                    location: source.location.clone(),
                })
                .collect(),
            to_port: rule.to_port(),
        }
    }
}

/// Every item as its text (addresses, CIDRs).
fn texts<T: ToString>(items: &[T]) -> Vec<String> {
    items.iter().map(ToString::to_string).collect()
}

impl From<&NetworkInterface> for InterfaceEntry {
    fn from(eni: &NetworkInterface) -> InterfaceEntry {
        InterfaceEntry {
            description: eni.description.clone(),
            groups: eni.group_ids.clone(),
            id: eni.id.clone(),
            instance_id: eni.instance_id.clone(),
            interface_type: eni.interface_type.clone(),
            ipv4_prefixes: texts(&eni.ipv4_prefixes),
            ipv6: texts(&eni.ipv6),
            ipv6_prefixes: texts(&eni.ipv6_prefixes),
            kind: eni.kind().as_str().to_owned(),
            private_ipv4: texts(&eni.private_ipv4),
            public_ipv4: texts(&eni.public_ipv4),
            requester_id: eni.requester_id.clone(),
            requester_managed: eni.requester_managed,
            subnet_id: eni.subnet_id.clone(),
            vpc_id: eni.vpc_id.clone(),
        }
    }
}

impl From<&PrefixList> for PrefixListEntry {
    fn from(list: &PrefixList) -> PrefixListEntry {
        PrefixListEntry {
            address_family: list.address_family.clone(),
            entries: list.entries.as_deref().map(texts),
            id: list.id.clone(),
            name: list.name.clone(),
            version: list.version,
        }
    }
}

impl From<&Finding> for FindingEntry {
    fn from(finding: &Finding) -> FindingEntry {
        FindingEntry {
            code: finding.code,
            message: finding.message.clone(),
            severity: finding.severity.as_str().to_owned(),
            source: finding.source.clone(),
            subject: finding.subject.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_written_in_alphabetical_order_as_the_command_always_wrote_them() {
        for dir in [
            "demo/inventory",
            "network/aws",
            "network/terraform",
            "network/history",
        ] {
            let inventory = Inventory::load(&[format!("../../testdata/{dir}")]).unwrap();
            let document = InventoryDocument::from(&inventory);
            let written = serde_json::to_string(&document).unwrap();
            // serde_json's own map (without `preserve_order`) writes its keys sorted, so the
            // two texts are equal exactly when every struct declares its fields in that order.
            let sorted = serde_json::to_value(&document).unwrap().to_string();
            assert_eq!(written, sorted, "{dir}");
            assert!(document.groups.iter().any(|g| !g.rules.is_empty()), "{dir}");
        }
    }
}

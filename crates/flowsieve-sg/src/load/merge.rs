//! Several descriptions of the same thing → one model value: a rule read from IpPermissions, the
//! rules listing and Terraform becomes one [`Rule`] with every source; group descriptions merge
//! (AWS JSON wins over Terraform); a second ENI or prefix-list description is a finding. Every
//! rule passes through `observe`, which validates protocol, ports and peer first.

use super::builder::{GroupEntry, Layer, PrefixListEntry, RuleEntry};
use super::program::is_timeless;
use super::{InventoryBuilder, at};
use crate::addr::Cidr;
use crate::model::{
    Direction, Finding, FindingCode, NetworkInterface, Peer, PeeringStatus, PrefixList, Protocol,
    Rule, RuleSource, SecurityGroup, SourceKind, ports_from_aws,
};

/// The peer of a rule as read, before validation.
pub(super) enum PeerInput {
    /// CIDR text and the family the field demands (`Some(true)` = IPv4 only).
    Cidr {
        text: String,
        want_v4: Option<bool>,
    },
    Group {
        id: String,
        owner_id: Option<String>,
        vpc_id: Option<String>,
        peering_status: Option<String>,
    },
    PrefixList(String),
}

/// One rule as read from one place, before validation and merging.
pub(super) struct RuleInput<'a> {
    pub(super) group_id: &'a str,
    pub(super) direction: Direction,
    pub(super) protocol: &'a str,
    pub(super) from: Option<i64>,
    pub(super) to: Option<i64>,
    pub(super) peer: PeerInput,
    pub(super) description: Option<String>,
    pub(super) listing_id: Option<String>,
    pub(super) other_id: Option<String>,
    pub(super) source: RuleSource,
}

impl InventoryBuilder {
    /// Adds or merges a group description. AWS input (CLI JSON, AWS Config) wins over Terraform
    /// for the attributes; a second description from the same kind of input in the same snapshot
    /// is a `duplicate_id` finding (AWS Config items describe a group many times: never).
    pub(super) fn describe_group(
        &mut self,
        group: SecurityGroup,
        kind: SourceKind,
        source: Option<String>,
    ) {
        self.inputs += usize::from(kind == SourceKind::Program);
        let layer = match self.layer {
            Layer::Snapshot(l) => {
                if let Some(info) = self.layers.get_mut(l) {
                    info.has_groups = true;
                }
                Some(l)
            }
            Layer::Collect(_) => None,
        };
        let aws = matches!(kind, SourceKind::AwsJson | SourceKind::AwsConfig);
        let Some(e) = self.groups.get_mut(&group.id) else {
            let id = group.id.clone();
            let described = layer.map(|l| (l, kind)).into_iter().collect();
            self.groups.insert(id, GroupEntry { group, described });
            return;
        };
        let seen = layer.is_some_and(|l| !e.described.insert((l, kind)));
        let by_aws_before = e
            .described
            .iter()
            .any(|&(_, k)| matches!(k, SourceKind::AwsJson | SourceKind::AwsConfig));
        let overrides = aws && (!by_aws_before || layer.is_none()) && !seen;
        let g = &mut e.group;
        if (overrides || g.name.is_empty()) && !group.name.is_empty() {
            g.name = group.name;
        }
        if (overrides || g.description.is_empty()) && !group.description.is_empty() {
            g.description = group.description;
        }
        if overrides || g.vpc_id.is_none() {
            g.vpc_id = group.vpc_id.or(g.vpc_id.take());
        }
        if overrides || g.owner_id.is_none() {
            g.owner_id = group.owner_id.or(g.owner_id.take());
        }
        if (overrides || g.tags.is_empty()) && !group.tags.is_empty() {
            g.tags = group.tags;
        }
        g.is_default |= group.is_default;
        if seen {
            let id = g.id.clone();
            self.findings.push(Finding::new(
                FindingCode::DuplicateId,
                format!("security group {id} is described more than once in {kind} input; descriptions merged"),
                source,
                Some(&id),
            ));
        }
    }

    pub(super) fn describe_prefix_list(&mut self, list: PrefixList, source: Option<String>) {
        match self.prefix_lists.get_mut(&list.id) {
            None => {
                self.prefix_lists.insert(
                    list.id.clone(),
                    PrefixListEntry {
                        list,
                        described: true,
                    },
                );
            }
            Some(e) if !e.described => {
                e.described = true;
                e.list.name = list.name;
                e.list.address_family = list.address_family;
                e.list.version = list.version;
                if let Some(entries) = list.entries {
                    e.list.entries.get_or_insert_with(Vec::new).extend(entries);
                }
            }
            Some(e) => {
                if let Some(entries) = list.entries {
                    e.list.entries.get_or_insert_with(Vec::new).extend(entries);
                }
                let id = list.id;
                self.findings.push(Finding::new(FindingCode::DuplicateId,
                    format!("prefix list {id} is described more than once; the first description is kept"),
                    source,
                    Some(&id),
                ));
            }
        }
    }

    /// An ENI description of the current snapshot (the first of two in one snapshot is kept),
    /// or, with a validity of its own, a version as given.
    pub(super) fn add_eni_at(&mut self, eni: NetworkInterface, source: Option<String>) {
        if !eni.valid.is_always() {
            self.explicit_enis.push(eni);
            return;
        }
        let layer = self.layer_id();
        if let Some(info) = self.layers.get_mut(layer) {
            info.has_enis = true;
        }
        let versions = self.enis.entry(eni.id.clone()).or_default();
        if versions.iter().any(|(l, _)| *l == layer) {
            self.findings.push(Finding::new(
                FindingCode::DuplicateId,
                format!("network interface {} is described more than once; the first description is kept", eni.id),
                source,
                Some(&eni.id),
            ));
        } else {
            versions.push((layer, eni));
        }
    }

    /// Validates one rule description and merges it into the rule with the same tuple.
    pub(super) fn observe(&mut self, input: RuleInput<'_>) {
        let src = at(&input.source.file, &input.source.location);
        let Some(protocol) = Protocol::parse(input.protocol) else {
            self.findings.push(Finding::new(FindingCode::InvalidProtocol,
                format!("{}: protocol {:?} is not -1, a name (tcp, udp, icmp, icmpv6) or a number 0-255; rule dropped", input.group_id, input.protocol),
                src,
                Some(input.group_id),
            ));
            return;
        };
        let ports = match ports_from_aws(protocol, input.from, input.to) {
            Ok(p) => p,
            Err(msg) => {
                self.findings.push(Finding::new(
                    FindingCode::InvalidPorts,
                    format!("{}: {msg}; rule dropped", input.group_id),
                    src,
                    Some(input.group_id),
                ));
                return;
            }
        };
        let peer = match input.peer {
            PeerInput::Cidr { text, want_v4 } => match Cidr::parse_reporting_host_bits(&text) {
                Err(e) => {
                    self.findings.push(Finding::new(
                        FindingCode::InvalidCidr,
                        format!("{}: {e}; rule dropped", input.group_id),
                        src,
                        Some(input.group_id),
                    ));
                    return;
                }
                Ok((c, _)) if want_v4.is_some_and(|v4| v4 != c.is_ipv4()) => {
                    let family = if c.is_ipv4() { "an IPv4" } else { "an IPv6" };
                    self.findings.push(Finding::new(FindingCode::InvalidCidr,
                        format!("{}: {text:?} is {family} block in a field of the other family; rule dropped", input.group_id),
                        src,
                        Some(input.group_id),
                    ));
                    return;
                }
                Ok((c, host_bits)) => {
                    if host_bits {
                        self.findings.push(Finding::new(
                            FindingCode::NonCanonicalCidr,
                            format!(
                                "{}: {text:?} has host bits set; read as {c}",
                                input.group_id
                            ),
                            src.clone(),
                            Some(input.group_id),
                        ));
                    }
                    Peer::Cidr(c)
                }
            },
            PeerInput::Group {
                id,
                owner_id,
                vpc_id,
                peering_status,
            } => Peer::Group {
                group_id: id,
                owner_id,
                vpc_id,
                peering_status: peering_status.as_deref().map(PeeringStatus::parse),
            },
            PeerInput::PrefixList(id) => Peer::PrefixList { id },
        };
        let mut rule = Rule::new(input.group_id, input.direction, protocol, ports, peer);
        rule.description = input.description.filter(|d| !d.is_empty());
        rule.sources.push(input.source);
        self.merge_rule(rule, input.listing_id, input.other_id);
    }

    /// Merges a rule into the one with the same tuple, noting where it holds: the current
    /// snapshot, the AWS Config item being read, or the lifetimes a program gave.
    pub(super) fn merge_rule(
        &mut self,
        mut rule: Rule,
        listing_id: Option<String>,
        other_id: Option<String>,
    ) {
        let key = rule.key();
        let explicit = if is_timeless(&rule.lifetimes) {
            Vec::new()
        } else {
            std::mem::take(&mut rule.lifetimes)
        };
        let layer = match &mut self.layer {
            Layer::Collect(keys) => {
                keys.push(key.clone());
                None
            }
            Layer::Snapshot(_) if !explicit.is_empty() => None,
            Layer::Snapshot(l) => Some(*l),
        };
        if let Some(info) = layer.and_then(|l| self.layers.get_mut(l)) {
            info.has_groups = true;
        }
        let Some(e) = self.rules.get_mut(&key) else {
            self.rules.insert(
                key,
                RuleEntry {
                    rule,
                    listing_id,
                    other_id,
                    layers: layer.into_iter().collect(),
                    explicit,
                },
            );
            return;
        };
        e.layers.extend(layer);
        e.explicit.extend(explicit);
        let mut conflicts = Vec::new();
        for (slot, new) in [(&mut e.listing_id, listing_id), (&mut e.other_id, other_id)] {
            match (slot.as_ref(), new) {
                (Some(old), Some(new)) if *old != new => conflicts.push((old.clone(), new)),
                (None, Some(new)) => *slot = Some(new),
                _ => {}
            }
        }
        let r = &mut e.rule;
        if r.description.is_none() {
            r.description = rule.description;
        }
        if let (
            Peer::Group {
                owner_id,
                vpc_id,
                peering_status,
                ..
            },
            Peer::Group {
                owner_id: o2,
                vpc_id: v2,
                peering_status: p2,
                ..
            },
        ) = (&mut r.peer, rule.peer)
        {
            if owner_id.is_none() {
                *owner_id = o2;
            }
            if vpc_id.is_none() {
                *vpc_id = v2;
            }
            if peering_status.is_none() {
                *peering_status = p2;
            }
        }
        let source = rule
            .sources
            .first()
            .map(|s| format!("{}: {}", s.file.display(), s.location));
        r.sources.extend(rule.sources);
        for (old, new) in conflicts {
            self.findings.push(Finding::new(
                FindingCode::ConflictingRuleId,
                format!("rule {key} has two ids, {old} and {new}; {old} is kept"),
                source.clone(),
                Some(&old),
            ));
        }
    }
}

//! AWS CLI JSON pages → model values: security groups (each peer of an IpPermission is one
//! rule), the rules listing, network interfaces, prefix lists and their entries, stale group
//! references. (VPCs, subnets and the rest of the network: `network.rs`.)

use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::Path;

use super::builder::PrefixListEntry;
use super::merge::{PeerInput, RuleInput};
use super::{InventoryBuilder, at, req, req_id};
use crate::addr::Cidr;
use crate::dto::aws;
use crate::error::{Error, Result};
use crate::model::{
    Direction, Finding, FindingCode, NetworkInterface, PrefixList, RuleSource, SecurityGroup,
    SourceKind,
};

impl InventoryBuilder {
    pub(super) fn add_aws_groups(
        &mut self,
        file: &Path,
        prefix: &str,
        groups: Vec<aws::SecurityGroup>,
    ) -> Result<()> {
        for (i, g) in groups.into_iter().enumerate() {
            let gp = format!("{prefix}SecurityGroups[{i}]");
            self.add_aws_group(file, &gp, g, SourceKind::AwsJson)?;
        }
        Ok(())
    }

    /// One security group (at JSON path `gp`) and its rules; `kind` says whether it comes from
    /// `describe-security-groups` or an AWS Config item.
    pub(super) fn add_aws_group(
        &mut self,
        file: &Path,
        gp: &str,
        g: aws::SecurityGroup,
        kind: SourceKind,
    ) -> Result<()> {
        let id = req_id(file, g.group_id, || format!("{gp}.GroupId"))?;
        let name = g.group_name.unwrap_or_default();
        let mut tags = Vec::new();
        for (k, t) in g.tags.unwrap_or_default().into_iter().enumerate() {
            let key = req(file, t.key, || format!("{gp}.Tags[{k}].Key"))?;
            tags.push((key, t.value.unwrap_or_default()));
        }
        let group = SecurityGroup {
            id: id.clone(),
            is_default: name == "default",
            name,
            description: g.description.unwrap_or_default(),
            vpc_id: g.vpc_id,
            owner_id: g.owner_id,
            tags,
        };
        self.describe_group(group, kind, at(file, gp));
        for (direction, list, field) in [
            (Direction::Ingress, g.ip_permissions, "IpPermissions"),
            (
                Direction::Egress,
                g.ip_permissions_egress,
                "IpPermissionsEgress",
            ),
        ] {
            for (j, perm) in list.unwrap_or_default().into_iter().enumerate() {
                let pp = format!("{gp}.{field}[{j}]");
                self.add_aws_permission(file, &id, direction, &pp, perm, kind)?;
            }
        }
        Ok(())
    }

    pub(super) fn add_aws_permission(
        &mut self,
        file: &Path,
        group_id: &str,
        direction: Direction,
        pp: &str,
        perm: aws::IpPermission,
        kind: SourceKind,
    ) -> Result<()> {
        let protocol = req(file, perm.ip_protocol, || format!("{pp}.IpProtocol"))?;
        let source = |location: String| RuleSource {
            kind,
            file: file.to_owned(),
            location,
        };
        let mut inputs: Vec<(PeerInput, Option<String>, String)> = Vec::new();
        for (k, r) in perm.ip_ranges.unwrap_or_default().into_iter().enumerate() {
            let rp = format!("{pp}.IpRanges[{k}]");
            let text = req(file, r.cidr_ip, || format!("{rp}.CidrIp"))?;
            inputs.push((
                PeerInput::Cidr {
                    text,
                    want_v4: Some(true),
                },
                r.description,
                rp,
            ));
        }
        for (k, r) in perm.ipv6_ranges.unwrap_or_default().into_iter().enumerate() {
            let rp = format!("{pp}.Ipv6Ranges[{k}]");
            let text = req(file, r.cidr_ipv6, || format!("{rp}.CidrIpv6"))?;
            inputs.push((
                PeerInput::Cidr {
                    text,
                    want_v4: Some(false),
                },
                r.description,
                rp,
            ));
        }
        for (k, r) in perm
            .prefix_list_ids
            .unwrap_or_default()
            .into_iter()
            .enumerate()
        {
            let rp = format!("{pp}.PrefixListIds[{k}]");
            let id = req_id(file, r.prefix_list_id, || format!("{rp}.PrefixListId"))?;
            inputs.push((PeerInput::PrefixList(id), r.description, rp));
        }
        for (k, r) in perm
            .user_id_group_pairs
            .unwrap_or_default()
            .into_iter()
            .enumerate()
        {
            let rp = format!("{pp}.UserIdGroupPairs[{k}]");
            let id = req_id(file, r.group_id, || format!("{rp}.GroupId"))?;
            let peer = PeerInput::Group {
                id,
                owner_id: r.user_id,
                vpc_id: r.vpc_id,
                peering_status: r.peering_status,
            };
            inputs.push((peer, r.description, rp));
        }
        for (peer, description, location) in inputs {
            self.observe(RuleInput {
                group_id,
                direction,
                protocol: &protocol,
                from: perm.from_port,
                to: perm.to_port,
                peer,
                description,
                listing_id: None,
                other_id: None,
                source: source(location),
            });
        }
        Ok(())
    }

    pub(super) fn add_aws_rule_listing(
        &mut self,
        file: &Path,
        prefix: &str,
        rules: Vec<aws::SecurityGroupRule>,
    ) -> Result<()> {
        for (i, r) in rules.into_iter().enumerate() {
            let rp = format!("{prefix}SecurityGroupRules[{i}]");
            let rule_id = req_id(file, r.security_group_rule_id, || {
                format!("{rp}.SecurityGroupRuleId")
            })?;
            let group_id = req_id(file, r.group_id, || format!("{rp}.GroupId"))?;
            let is_egress = req(file, r.is_egress, || format!("{rp}.IsEgress"))?;
            let protocol = req(file, r.ip_protocol, || format!("{rp}.IpProtocol"))?;
            let peer = if let Some(text) = r.cidr_ipv4 {
                PeerInput::Cidr {
                    text,
                    want_v4: Some(true),
                }
            } else if let Some(text) = r.cidr_ipv6 {
                PeerInput::Cidr {
                    text,
                    want_v4: Some(false),
                }
            } else if let Some(id) = r.prefix_list_id {
                PeerInput::PrefixList(req_id(file, Some(id), || format!("{rp}.PrefixListId"))?)
            } else if let Some(g) = r.referenced_group_info {
                let id = req_id(file, g.group_id, || {
                    format!("{rp}.ReferencedGroupInfo.GroupId")
                })?;
                PeerInput::Group {
                    id,
                    owner_id: g.user_id,
                    vpc_id: g.vpc_id,
                    peering_status: g.peering_status,
                }
            } else {
                return Err(Error::InvalidValue {
                    path: file.to_owned(),
                    json_path: rp,
                    message: "rule has no peer: expected one of CidrIpv4, CidrIpv6, PrefixListId, ReferencedGroupInfo".to_owned(),
                });
            };
            if let Some(owner) = r.group_owner_id {
                self.owner_hints.entry(group_id.clone()).or_insert(owner);
            }
            self.observe(RuleInput {
                group_id: &group_id,
                direction: if is_egress {
                    Direction::Egress
                } else {
                    Direction::Ingress
                },
                protocol: &protocol,
                from: r.from_port,
                to: r.to_port,
                peer,
                description: r.description,
                listing_id: Some(rule_id),
                other_id: None,
                source: RuleSource {
                    kind: SourceKind::AwsJson,
                    file: file.to_owned(),
                    location: rp,
                },
            });
        }
        Ok(())
    }

    pub(super) fn add_aws_enis(
        &mut self,
        file: &Path,
        prefix: &str,
        enis: Vec<aws::NetworkInterface>,
    ) -> Result<()> {
        for (i, e) in enis.into_iter().enumerate() {
            let ep = format!("{prefix}NetworkInterfaces[{i}]");
            let eni = self.eni_from_aws(file, &ep, e)?;
            self.add_eni_at(eni, at(file, &ep));
        }
        Ok(())
    }

    /// One `NetworkInterfaces[]` entry (at JSON path `ep`) → a network interface; invalid
    /// addresses are findings and left out.
    pub(super) fn eni_from_aws(
        &mut self,
        file: &Path,
        ep: &str,
        e: aws::NetworkInterface,
    ) -> Result<NetworkInterface> {
        let id = req_id(file, e.network_interface_id, || {
            format!("{ep}.NetworkInterfaceId")
        })?;
        let mut eni = NetworkInterface {
            id: id.clone(),
            interface_type: e.interface_type.unwrap_or_else(|| "interface".to_owned()),
            requester_managed: e.requester_managed.unwrap_or(false),
            requester_id: e.requester_id,
            description: e.description.unwrap_or_default(),
            vpc_id: e.vpc_id,
            subnet_id: e.subnet_id,
            device_index: e
                .attachment
                .as_ref()
                .and_then(|a| a.device_index)
                .and_then(|d| u32::try_from(d).ok()),
            instance_id: e.attachment.and_then(|a| a.instance_id),
            ..NetworkInterface::default()
        };
        let mut bad = BadValues::default();
        if let Some(primary) = &e.private_ip_address {
            bad.v4(
                primary,
                format!("{ep}.PrivateIpAddress"),
                &mut eni.private_ipv4,
            );
        }
        let mut privates = e.private_ip_addresses.unwrap_or_default();
        // The primary address first, whatever the listing order.
        privates.sort_by_key(|p| !p.primary.unwrap_or(false));
        for (k, p) in privates.into_iter().enumerate() {
            let pp = format!("{ep}.PrivateIpAddresses[{k}]");
            let text = req(file, p.private_ip_address, || {
                format!("{pp}.PrivateIpAddress")
            })?;
            bad.v4(&text, pp.clone(), &mut eni.private_ipv4);
            if let Some(public) = p.association.and_then(|a| a.public_ip) {
                let location = format!("{pp}.Association.PublicIp");
                bad.v4(&public, location, &mut eni.public_ipv4);
            }
        }
        if let Some(public) = e.association.and_then(|a| a.public_ip) {
            bad.v4(
                &public,
                format!("{ep}.Association.PublicIp"),
                &mut eni.public_ipv4,
            );
        }
        for (k, a) in e.ipv6_addresses.unwrap_or_default().into_iter().enumerate() {
            let ap = format!("{ep}.Ipv6Addresses[{k}].Ipv6Address");
            let text = req(file, a.ipv6_address, || ap.clone())?;
            bad.v6(&text, ap, &mut eni.ipv6);
        }
        if let Some(text) = &e.ipv6_address {
            bad.v6(text, format!("{ep}.Ipv6Address"), &mut eni.ipv6);
        }
        for (k, p) in e.ipv4_prefixes.unwrap_or_default().into_iter().enumerate() {
            let pp = format!("{ep}.Ipv4Prefixes[{k}].Ipv4Prefix");
            let text = req(file, p.ipv4_prefix, || pp.clone())?;
            bad.prefix(&text, pp, true, &mut eni.ipv4_prefixes);
        }
        for (k, p) in e.ipv6_prefixes.unwrap_or_default().into_iter().enumerate() {
            let pp = format!("{ep}.Ipv6Prefixes[{k}].Ipv6Prefix");
            let text = req(file, p.ipv6_prefix, || pp.clone())?;
            bad.prefix(&text, pp, false, &mut eni.ipv6_prefixes);
        }
        for (k, g) in e.groups.unwrap_or_default().into_iter().enumerate() {
            let gid = req_id(file, g.group_id, || format!("{ep}.Groups[{k}].GroupId"))?;
            if !eni.group_ids.contains(&gid) {
                eni.group_ids.push(gid);
            }
        }
        for (message, location) in bad.0 {
            self.findings.push(Finding::new(
                FindingCode::InvalidAddress,
                format!("{id}: {message}"),
                at(file, &location),
                Some(&id),
            ));
        }
        Ok(eni)
    }

    pub(super) fn add_aws_prefix_lists(
        &mut self,
        file: &Path,
        prefix: &str,
        lists: Vec<aws::PrefixList>,
    ) -> Result<()> {
        for (i, l) in lists.into_iter().enumerate() {
            let lp = format!("{prefix}PrefixLists[{i}]");
            let id = req_id(file, l.prefix_list_id, || format!("{lp}.PrefixListId"))?;
            let list = PrefixList {
                id,
                name: l.prefix_list_name.unwrap_or_default(),
                address_family: l.address_family.unwrap_or_default(),
                version: l.version,
                entries: None,
            };
            self.describe_prefix_list(list, at(file, &lp));
        }
        Ok(())
    }

    pub(super) fn add_aws_entries(
        &mut self,
        file: &Path,
        prefix: &str,
        list_id: &str,
        entries: Vec<aws::PrefixListEntry>,
    ) -> Result<()> {
        let mut cidrs = Vec::new();
        for (i, e) in entries.into_iter().enumerate() {
            let ep = format!("{prefix}Entries[{i}].Cidr");
            let text = req(file, e.cidr, || ep.clone())?;
            match Cidr::parse_reporting_host_bits(&text) {
                Ok((c, _)) => cidrs.push(c),
                Err(err) => self.findings.push(Finding::new(
                    FindingCode::InvalidCidr,
                    format!("prefix list {list_id}: {err}; entry ignored"),
                    at(file, &ep),
                    Some(list_id),
                )),
            }
        }
        let entry = self
            .prefix_lists
            .entry(list_id.to_owned())
            .or_insert_with(|| PrefixListEntry {
                list: PrefixList {
                    id: list_id.to_owned(),
                    name: String::new(),
                    address_family: String::new(),
                    version: None,
                    entries: None,
                },
                described: false,
            });
        entry
            .list
            .entries
            .get_or_insert_with(Vec::new)
            .extend(cidrs);
        Ok(())
    }

    pub(super) fn add_aws_stale(
        &mut self,
        file: &Path,
        prefix: &str,
        stale: Vec<aws::StaleSecurityGroup>,
    ) -> Result<()> {
        for (i, s) in stale.into_iter().enumerate() {
            let sp = format!("{prefix}StaleSecurityGroupSet[{i}]");
            let gid = req_id(file, s.group_id, || format!("{sp}.GroupId"))?;
            for (field, perms) in [
                ("StaleIpPermissions", s.stale_ip_permissions),
                ("StaleIpPermissionsEgress", s.stale_ip_permissions_egress),
            ] {
                for (j, p) in perms.unwrap_or_default().into_iter().enumerate() {
                    for (k, pair) in p
                        .user_id_group_pairs
                        .unwrap_or_default()
                        .into_iter()
                        .enumerate()
                    {
                        let pp = format!("{sp}.{field}[{j}].UserIdGroupPairs[{k}]");
                        let rid = req_id(file, pair.group_id, || format!("{pp}.GroupId"))?;
                        if let Some(status) = pair.peering_status {
                            self.stale_refs.insert((gid.clone(), rid), status);
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// Invalid address values met while converting one ENI: (message, JSON path).
#[derive(Default)]
struct BadValues(Vec<(String, String)>);

impl BadValues {
    /// Adds an IPv4 address to `list` once, or records why it is invalid.
    fn v4(&mut self, text: &str, location: String, list: &mut Vec<Ipv4Addr>) {
        match text.parse::<Ipv4Addr>() {
            Ok(a) if !list.contains(&a) => list.push(a),
            Ok(_) => {}
            Err(_) => self
                .0
                .push((format!("invalid IPv4 address {text:?}; ignored"), location)),
        }
    }

    /// Adds an IPv6 address to `list` once, or records why it is invalid.
    fn v6(&mut self, text: &str, location: String, list: &mut Vec<Ipv6Addr>) {
        match text.parse::<Ipv6Addr>() {
            Ok(a) if !list.contains(&a) => list.push(a),
            Ok(_) => {}
            Err(_) => self
                .0
                .push((format!("invalid IPv6 address {text:?}; ignored"), location)),
        }
    }

    /// Adds a delegated prefix of the wanted family to `list` once, or records why not.
    fn prefix(&mut self, text: &str, location: String, want_v4: bool, list: &mut Vec<Cidr>) {
        match text.parse::<Cidr>() {
            Ok(c) if c.is_ipv4() == want_v4 => {
                if !list.contains(&c) {
                    list.push(c);
                }
            }
            Ok(_) => self.0.push((
                format!("prefix {text:?} is of the wrong address family; ignored"),
                location,
            )),
            Err(err) => self.0.push((format!("{err}; ignored"), location)),
        }
    }
}

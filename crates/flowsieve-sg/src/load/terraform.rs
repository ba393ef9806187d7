//! `terraform show -json` (state or plan) → groups, rules and VPC CIDRs, recursively through child
//! modules. Data sources are ignored; values unknown in a plan are findings.

use std::path::Path;

use serde::Deserialize;

use super::merge::{PeerInput, RuleInput};
use super::{InventoryBuilder, at, req};
use crate::dto::terraform;
use crate::error::{Error, Result};
use crate::model::{Direction, Finding, FindingCode, RuleSource, SecurityGroup, SourceKind};

impl InventoryBuilder {
    pub(super) fn add_terraform(
        &mut self,
        file: &Path,
        prefix: &str,
        version: &str,
        values: Option<terraform::Values>,
        planned: Option<terraform::Values>,
    ) -> Result<()> {
        if version.split('.').next() != Some("1") {
            return Err(Error::UnsupportedFormat {
                path: file.to_owned(),
                version: version.to_owned(),
            });
        }
        // A plan's planned_values is the declared (desired) network; its prior_state is not.
        let (root_path, vals) = match (planned, values) {
            (Some(p), _) => ("planned_values", p),
            (None, Some(v)) => ("values", v),
            (None, None) => return Ok(()),
        };
        if let Some(root) = vals.root_module {
            self.add_tf_module(file, &format!("{prefix}{root_path}.root_module"), root)?;
        }
        Ok(())
    }

    fn add_tf_module(&mut self, file: &Path, path: &str, module: terraform::Module) -> Result<()> {
        for (j, r) in module.resources.unwrap_or_default().into_iter().enumerate() {
            self.add_tf_resource(file, &format!("{path}.resources[{j}]"), r)?;
        }
        for (i, child) in module
            .child_modules
            .unwrap_or_default()
            .into_iter()
            .enumerate()
        {
            self.add_tf_module(file, &format!("{path}.child_modules[{i}]"), child)?;
        }
        Ok(())
    }

    fn tf_unknown(&mut self, file: &Path, address: &str, what: &str) {
        self.findings.push(Finding::new(
            FindingCode::TerraformUnknownValue,
            format!(
                "{address}: {what} is not known (a plan value computed at apply time?); skipped"
            ),
            at(file, address),
            None,
        ));
    }

    fn add_tf_resource(&mut self, file: &Path, path: &str, r: terraform::Resource) -> Result<()> {
        if r.mode.as_deref().is_some_and(|m| m != "managed") {
            return Ok(());
        }
        let kind = req(file, r.kind, || format!("{path}.type"))?;
        let relevant = matches!(
            kind.as_str(),
            "aws_security_group"
                | "aws_default_security_group"
                | "aws_security_group_rule"
                | "aws_vpc_security_group_ingress_rule"
                | "aws_vpc_security_group_egress_rule"
                | "aws_vpc"
                | "aws_default_vpc"
                | "aws_vpc_ipv4_cidr_block_association"
                | "aws_vpc_ipv6_cidr_block_association"
        );
        if !relevant {
            return Ok(());
        }
        let address = r
            .address
            .unwrap_or_else(|| format!("{kind}.{}", r.name.as_deref().unwrap_or("?")));
        let Some(values) = r.values else {
            self.tf_unknown(file, &address, "the resource's values");
            return Ok(());
        };
        let vpath = format!("{path}.values");
        let typed_err = |e: serde_json::Error| Error::InvalidValue {
            path: file.to_owned(),
            json_path: vpath.clone(),
            message: e.to_string(),
        };
        match kind.as_str() {
            "aws_security_group" | "aws_default_security_group" => {
                let sg = terraform::SecurityGroup::deserialize(&values).map_err(typed_err)?;
                self.add_tf_group(file, &address, kind == "aws_default_security_group", sg);
            }
            "aws_security_group_rule" => {
                let rule = terraform::SecurityGroupRule::deserialize(&values).map_err(typed_err)?;
                self.add_tf_legacy_rule(file, &address, rule);
            }
            "aws_vpc_security_group_ingress_rule" | "aws_vpc_security_group_egress_rule" => {
                let rule =
                    terraform::VpcSecurityGroupRule::deserialize(&values).map_err(typed_err)?;
                let direction = if kind.ends_with("ingress_rule") {
                    Direction::Ingress
                } else {
                    Direction::Egress
                };
                self.add_tf_vpc_rule(file, &address, direction, rule);
            }
            _ => {
                let vpc = terraform::Vpc::deserialize(&values).map_err(typed_err)?;
                // `aws_vpc` has its id in `id`; an association names its VPC in `vpc_id`.
                let vpc_id = if kind.ends_with("_association") {
                    vpc.vpc_id
                } else {
                    vpc.id
                };
                let mut cidrs = Vec::new();
                for (attr, c) in [
                    ("cidr_block", vpc.cidr_block),
                    ("ipv6_cidr_block", vpc.ipv6_cidr_block),
                ] {
                    if let Some(c) = c {
                        self.push_cidr(file, &format!("{address}.{attr}"), &c, &mut cidrs);
                    }
                }
                match vpc_id {
                    Some(id) => self
                        .vpc_extra_cidrs
                        .extend(cidrs.into_iter().map(|c| (id.clone(), c))),
                    None => self.loose_vpc_cidrs.extend(cidrs),
                }
            }
        }
        Ok(())
    }

    fn add_tf_group(
        &mut self,
        file: &Path,
        address: &str,
        is_default_resource: bool,
        sg: terraform::SecurityGroup,
    ) {
        let Some(id) = sg.id else {
            self.tf_unknown(file, address, "the security group id");
            return;
        };
        let name = sg.name.unwrap_or_default();
        let group = SecurityGroup {
            id: id.clone(),
            is_default: is_default_resource || name == "default",
            name,
            description: sg.description.unwrap_or_default(),
            vpc_id: sg.vpc_id,
            owner_id: sg.owner_id,
            tags: sg
                .tags
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| (k, v.unwrap_or_default()))
                .collect(),
        };
        self.describe_group(group, SourceKind::Terraform, at(file, address));
        for (direction, blocks, attr) in [
            (Direction::Ingress, sg.ingress, "ingress"),
            (Direction::Egress, sg.egress, "egress"),
        ] {
            for (j, b) in blocks.unwrap_or_default().into_iter().enumerate() {
                let loc = format!("{address}.{attr}[{j}]");
                let Some(protocol) = b.protocol else {
                    self.tf_unknown(file, &loc, "protocol");
                    continue;
                };
                let mut peers = tf_peers(
                    &loc,
                    b.cidr_blocks,
                    b.ipv6_cidr_blocks,
                    b.prefix_list_ids,
                    b.security_groups,
                );
                if b.self_ == Some(true) {
                    peers.push((
                        PeerInput::Group {
                            id: id.clone(),
                            owner_id: None,
                            vpc_id: None,
                            peering_status: None,
                        },
                        format!("{loc}.self"),
                    ));
                }
                for (peer, location) in peers {
                    self.observe(RuleInput {
                        group_id: &id,
                        direction,
                        protocol: &protocol,
                        from: b.from_port,
                        to: b.to_port,
                        peer,
                        description: b.description.clone(),
                        listing_id: None,
                        other_id: None,
                        source: RuleSource {
                            kind: SourceKind::Terraform,
                            file: file.to_owned(),
                            location,
                        },
                    });
                }
            }
        }
    }

    fn add_tf_legacy_rule(&mut self, file: &Path, address: &str, r: terraform::SecurityGroupRule) {
        let direction = match r.direction.as_deref() {
            Some("ingress") => Direction::Ingress,
            Some("egress") => Direction::Egress,
            Some(other) => {
                self.findings.push(Finding::new(
                    FindingCode::InvalidValue,
                    format!("{address}: type {other:?} is neither ingress nor egress; skipped"),
                    at(file, address),
                    None,
                ));
                return;
            }
            None => return self.tf_unknown(file, address, "type (ingress/egress)"),
        };
        let Some(group_id) = r.security_group_id.filter(|id| !id.trim().is_empty()) else {
            return self.tf_unknown(file, address, "security_group_id");
        };
        let Some(protocol) = r.protocol else {
            return self.tf_unknown(file, address, "protocol");
        };
        let mut peers = tf_peers(
            address,
            r.cidr_blocks,
            r.ipv6_cidr_blocks,
            r.prefix_list_ids,
            None,
        );
        if let Some(sg) = r.source_security_group_id.filter(|s| !s.is_empty()) {
            peers.push((
                group_peer(&sg),
                format!("{address}.source_security_group_id"),
            ));
        }
        if r.self_ == Some(true) {
            peers.push((
                PeerInput::Group {
                    id: group_id.clone(),
                    owner_id: None,
                    vpc_id: None,
                    peering_status: None,
                },
                format!("{address}.self"),
            ));
        }
        // An AWS rule id can only name the rule when the resource is exactly one rule.
        let other_id = if peers.len() == 1 {
            r.security_group_rule_id.filter(|s| s.starts_with("sgr-"))
        } else {
            None
        };
        for (peer, location) in peers {
            self.observe(RuleInput {
                group_id: &group_id,
                direction,
                protocol: &protocol,
                from: r.from_port,
                to: r.to_port,
                peer,
                description: r.description.clone(),
                listing_id: None,
                other_id: other_id.clone(),
                source: RuleSource {
                    kind: SourceKind::Terraform,
                    file: file.to_owned(),
                    location,
                },
            });
        }
    }

    fn add_tf_vpc_rule(
        &mut self,
        file: &Path,
        address: &str,
        direction: Direction,
        r: terraform::VpcSecurityGroupRule,
    ) {
        let Some(group_id) = r.security_group_id else {
            return self.tf_unknown(file, address, "security_group_id");
        };
        let Some(protocol) = r.ip_protocol else {
            return self.tf_unknown(file, address, "ip_protocol");
        };
        let (peer, attr) = if let Some(text) = r.cidr_ipv4 {
            (
                PeerInput::Cidr {
                    text,
                    want_v4: Some(true),
                },
                "cidr_ipv4",
            )
        } else if let Some(text) = r.cidr_ipv6 {
            (
                PeerInput::Cidr {
                    text,
                    want_v4: Some(false),
                },
                "cidr_ipv6",
            )
        } else if let Some(id) = r.prefix_list_id {
            if id.trim().is_empty() {
                return self.tf_unknown(file, address, "prefix_list_id");
            }
            (PeerInput::PrefixList(id), "prefix_list_id")
        } else if let Some(sg) = r.referenced_security_group_id {
            (group_peer(&sg), "referenced_security_group_id")
        } else {
            return self.tf_unknown(
                file,
                address,
                "the peer (cidr_ipv4, cidr_ipv6, prefix_list_id, referenced_security_group_id)",
            );
        };
        self.observe(RuleInput {
            group_id: &group_id,
            direction,
            protocol: &protocol,
            from: r.from_port,
            to: r.to_port,
            peer,
            description: r.description,
            listing_id: None,
            other_id: r.security_group_rule_id.filter(|s| s.starts_with("sgr-")),
            source: RuleSource {
                kind: SourceKind::Terraform,
                file: file.to_owned(),
                location: format!("{address}.{attr}"),
            },
        });
    }
}

/// Terraform CIDR, prefix-list and group lists of one block → peers with their locations.
fn tf_peers(
    loc: &str,
    cidrs: Option<Vec<String>>,
    cidrs6: Option<Vec<String>>,
    lists: Option<Vec<String>>,
    groups: Option<Vec<String>>,
) -> Vec<(PeerInput, String)> {
    let mut peers = Vec::new();
    for (k, text) in cidrs.unwrap_or_default().into_iter().enumerate() {
        peers.push((
            PeerInput::Cidr {
                text,
                want_v4: Some(true),
            },
            format!("{loc}.cidr_blocks[{k}]"),
        ));
    }
    for (k, text) in cidrs6.unwrap_or_default().into_iter().enumerate() {
        peers.push((
            PeerInput::Cidr {
                text,
                want_v4: Some(false),
            },
            format!("{loc}.ipv6_cidr_blocks[{k}]"),
        ));
    }
    for (k, id) in lists.unwrap_or_default().into_iter().enumerate() {
        peers.push((
            PeerInput::PrefixList(id),
            format!("{loc}.prefix_list_ids[{k}]"),
        ));
    }
    for (k, sg) in groups.unwrap_or_default().into_iter().enumerate() {
        peers.push((group_peer(&sg), format!("{loc}.security_groups[{k}]")));
    }
    peers
}

/// A Terraform group reference: `sg-…`, or `account/sg-…` for another account's group.
fn group_peer(text: &str) -> PeerInput {
    match text.split_once('/') {
        Some((owner, id)) => PeerInput::Group {
            id: id.to_owned(),
            owner_id: Some(owner.to_owned()),
            vpc_id: None,
            peering_status: None,
        },
        None => PeerInput::Group {
            id: text.to_owned(),
            owner_id: None,
            vpc_id: None,
            peering_status: None,
        },
    }
}

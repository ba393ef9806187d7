//! AWS CLI JSON of the network around the groups → model values: VPCs and subnets (each with its
//! CIDR blocks), VPC peering connections, network ACLs, flow-log configurations.

use std::path::Path;

use super::{InventoryBuilder, at, req, req_id};
use crate::addr::Cidr;
use crate::dto::{aws, network};
use crate::error::Result;
use crate::model::{
    Direction, FlowLogConfig, FlowLogDestinationType, FlowLogResource, NaclAction, NaclEntry,
    NetworkAcl, PeeringStatus, PeeringVpc, Protocol, Subnet, TrafficType, Vpc, VpcPeering,
    parse_timestamp,
};
use crate::model::{Finding, FindingCode};

impl InventoryBuilder {
    pub(super) fn add_aws_vpcs(
        &mut self,
        file: &Path,
        prefix: &str,
        vpcs: Vec<aws::Vpc>,
    ) -> Result<()> {
        for (i, v) in vpcs.into_iter().enumerate() {
            let p = format!("{prefix}Vpcs[{i}]");
            let mut cidrs = Vec::new();
            if let Some(c) = v.cidr_block {
                self.push_cidr(file, &format!("{p}.CidrBlock"), &c, &mut cidrs);
            }
            for (k, a) in v
                .cidr_block_association_set
                .unwrap_or_default()
                .into_iter()
                .enumerate()
            {
                let ap = format!("{p}.CidrBlockAssociationSet[{k}].CidrBlock");
                let c = req(file, a.cidr_block, || ap.clone())?;
                self.push_cidr(file, &ap, &c, &mut cidrs);
            }
            self.push_ipv6_associations(file, &p, v.ipv6_cidr_block_association_set, &mut cidrs)?;
            match v.vpc_id {
                Some(id) => {
                    cidrs.sort();
                    cidrs.dedup();
                    let vpc = Vpc {
                        id: id.clone(),
                        owner_id: v.owner_id,
                        is_default: v.is_default.unwrap_or(false),
                        cidrs,
                    };
                    self.describe_latest(id, vpc, at(file, &p));
                }
                // Without an id the blocks still say what is internal.
                None => self.loose_vpc_cidrs.extend(cidrs),
            }
        }
        Ok(())
    }

    pub(super) fn add_aws_subnets(
        &mut self,
        file: &Path,
        prefix: &str,
        subnets: Vec<aws::Subnet>,
    ) -> Result<()> {
        for (i, s) in subnets.into_iter().enumerate() {
            let p = format!("{prefix}Subnets[{i}]");
            let mut cidrs = Vec::new();
            if let Some(c) = s.cidr_block {
                self.push_cidr(file, &format!("{p}.CidrBlock"), &c, &mut cidrs);
            }
            self.push_ipv6_associations(file, &p, s.ipv6_cidr_block_association_set, &mut cidrs)?;
            match s.subnet_id {
                Some(id) => {
                    cidrs.sort();
                    cidrs.dedup();
                    let subnet = Subnet {
                        id: id.clone(),
                        vpc_id: s.vpc_id,
                        cidrs,
                    };
                    self.describe_latest(id, subnet, at(file, &p));
                }
                None => self.loose_vpc_cidrs.extend(cidrs),
            }
        }
        Ok(())
    }

    fn push_ipv6_associations(
        &mut self,
        file: &Path,
        p: &str,
        set: Option<Vec<aws::Ipv6CidrBlockAssociation>>,
        out: &mut Vec<Cidr>,
    ) -> Result<()> {
        for (k, a) in set.unwrap_or_default().into_iter().enumerate() {
            let ap = format!("{p}.Ipv6CidrBlockAssociationSet[{k}].Ipv6CidrBlock");
            let c = req(file, a.ipv6_cidr_block, || ap.clone())?;
            self.push_cidr(file, &ap, &c, out);
        }
        Ok(())
    }

    /// A VPC, subnet or peering CIDR into `out`; an invalid one is a finding.
    pub(super) fn push_cidr(
        &mut self,
        file: &Path,
        location: &str,
        text: &str,
        out: &mut Vec<Cidr>,
    ) {
        if text.is_empty() {
            return;
        }
        match text.parse::<Cidr>() {
            Ok(c) => out.push(c),
            Err(e) => self.findings.push(Finding::new(
                FindingCode::InvalidCidr,
                format!("VPC/subnet {e}; ignored"),
                at(file, location),
                None,
            )),
        }
    }

    pub(super) fn add_aws_peerings(
        &mut self,
        file: &Path,
        prefix: &str,
        peerings: Vec<network::VpcPeeringConnection>,
    ) -> Result<()> {
        for (i, p) in peerings.into_iter().enumerate() {
            let pp = format!("{prefix}VpcPeeringConnections[{i}]");
            let id = req_id(file, p.vpc_peering_connection_id, || {
                format!("{pp}.VpcPeeringConnectionId")
            })?;
            let code = req(file, p.status.and_then(|s| s.code), || {
                format!("{pp}.Status.Code")
            })?;
            let requester = self.peering_side(
                file,
                &format!("{pp}.RequesterVpcInfo"),
                p.requester_vpc_info,
            )?;
            let accepter =
                self.peering_side(file, &format!("{pp}.AccepterVpcInfo"), p.accepter_vpc_info)?;
            let peering = VpcPeering {
                id: id.clone(),
                status: PeeringStatus::parse(&code),
                requester,
                accepter,
            };
            self.describe_latest(id, peering, at(file, &pp));
        }
        Ok(())
    }

    fn peering_side(
        &mut self,
        file: &Path,
        p: &str,
        info: Option<network::PeeringVpcInfo>,
    ) -> Result<PeeringVpc> {
        let Some(info) = info else {
            return Ok(PeeringVpc::default());
        };
        let mut cidrs = Vec::new();
        if let Some(c) = info.cidr_block {
            self.push_cidr(file, &format!("{p}.CidrBlock"), &c, &mut cidrs);
        }
        for (k, a) in info
            .cidr_block_set
            .unwrap_or_default()
            .into_iter()
            .enumerate()
        {
            let ap = format!("{p}.CidrBlockSet[{k}].CidrBlock");
            let c = req(file, a.cidr_block, || ap.clone())?;
            self.push_cidr(file, &ap, &c, &mut cidrs);
        }
        for (k, a) in info
            .ipv6_cidr_block_set
            .unwrap_or_default()
            .into_iter()
            .enumerate()
        {
            let ap = format!("{p}.Ipv6CidrBlockSet[{k}].Ipv6CidrBlock");
            let c = req(file, a.ipv6_cidr_block, || ap.clone())?;
            self.push_cidr(file, &ap, &c, &mut cidrs);
        }
        cidrs.sort();
        cidrs.dedup();
        Ok(PeeringVpc {
            vpc_id: info.vpc_id,
            owner_id: info.owner_id,
            region: info.region,
            cidrs,
        })
    }

    pub(super) fn add_aws_network_acls(
        &mut self,
        file: &Path,
        prefix: &str,
        acls: Vec<network::NetworkAcl>,
    ) -> Result<()> {
        for (i, a) in acls.into_iter().enumerate() {
            let ap = format!("{prefix}NetworkAcls[{i}]");
            let id = req_id(file, a.network_acl_id, || format!("{ap}.NetworkAclId"))?;
            let mut subnet_ids = Vec::new();
            for (k, s) in a.associations.unwrap_or_default().into_iter().enumerate() {
                let sid = req_id(file, s.subnet_id, || {
                    format!("{ap}.Associations[{k}].SubnetId")
                })?;
                subnet_ids.push(sid);
            }
            subnet_ids.sort();
            subnet_ids.dedup();
            let mut entries = Vec::new();
            for (k, e) in a.entries.unwrap_or_default().into_iter().enumerate() {
                let ep = format!("{ap}.Entries[{k}]");
                if let Some(entry) = self.nacl_entry(file, &ep, &id, e)? {
                    entries.push(entry);
                }
            }
            entries.sort_by_key(|e| (e.direction, e.rule_number));
            let acl = NetworkAcl {
                id: id.clone(),
                vpc_id: a.vpc_id,
                is_default: a.is_default.unwrap_or(false),
                subnet_ids,
                entries,
            };
            self.describe_latest(id, acl, at(file, &ap));
        }
        Ok(())
    }

    /// One ACL entry; an invalid value is a finding and the entry is dropped (`Ok(None)`).
    fn nacl_entry(
        &mut self,
        file: &Path,
        ep: &str,
        acl: &str,
        e: network::NetworkAclEntry,
    ) -> Result<Option<NaclEntry>> {
        let number = req(file, e.rule_number, || format!("{ep}.RuleNumber"))?;
        let egress = req(file, e.egress, || format!("{ep}.Egress"))?;
        let protocol_text = req(file, e.protocol, || format!("{ep}.Protocol"))?;
        let action_text = req(file, e.rule_action, || format!("{ep}.RuleAction"))?;
        let cidr_text = match (e.cidr_block, e.ipv6_cidr_block) {
            (Some(c), _) | (None, Some(c)) => c,
            (None, None) => {
                return Err(crate::error::Error::MissingField {
                    path: file.to_owned(),
                    json_path: format!("{ep}.CidrBlock"),
                });
            }
        };
        let mut bad = |code, message: String| {
            self.findings.push(Finding::new(
                code,
                format!("network ACL {acl}: {message}; entry dropped"),
                at(file, ep),
                Some(acl),
            ));
            Ok(None)
        };
        let Ok(rule_number) = u16::try_from(number) else {
            return bad(
                FindingCode::InvalidValue,
                format!("rule number {number} is outside 1-32768"),
            );
        };
        let Some(protocol) = Protocol::parse(&protocol_text) else {
            return bad(
                FindingCode::InvalidProtocol,
                format!("protocol {protocol_text:?}"),
            );
        };
        let action = match action_text.to_ascii_lowercase().as_str() {
            "allow" => NaclAction::Allow,
            "deny" => NaclAction::Deny,
            _ => {
                return bad(
                    FindingCode::InvalidValue,
                    format!("action {action_text:?} is neither allow nor deny"),
                );
            }
        };
        let cidr = match cidr_text.parse::<Cidr>() {
            Ok(c) => c,
            Err(err) => return bad(FindingCode::InvalidCidr, err.to_string()),
        };
        let ports = match e.port_range {
            Some(r) if protocol.has_ports() => {
                let conv = |v: Option<i64>| v.and_then(|v| u16::try_from(v).ok());
                match (conv(r.from), conv(r.to)) {
                    (Some(f), Some(t)) if f <= t => Some((f, t)),
                    _ => {
                        return bad(
                            FindingCode::InvalidPorts,
                            format!("port range {:?}-{:?}", r.from, r.to),
                        );
                    }
                }
            }
            _ => None,
        };
        let icmp = |v: Option<i64>| v.filter(|&v| v >= 0).and_then(|v| u8::try_from(v).ok());
        let (icmp_type, icmp_code) = match e.icmp_type_code {
            Some(tc) if protocol.is_icmp() => (icmp(tc.icmp_type), icmp(tc.code)),
            _ => (None, None),
        };
        Ok(Some(NaclEntry {
            rule_number,
            direction: if egress {
                Direction::Egress
            } else {
                Direction::Ingress
            },
            protocol,
            action,
            cidr,
            ports,
            icmp_type,
            icmp_code,
        }))
    }

    pub(super) fn add_aws_flow_logs(
        &mut self,
        file: &Path,
        prefix: &str,
        logs: Vec<network::FlowLog>,
    ) -> Result<()> {
        for (i, l) in logs.into_iter().enumerate() {
            let lp = format!("{prefix}FlowLogs[{i}]");
            let id = req(file, l.flow_log_id, || format!("{lp}.FlowLogId"))?;
            let resource_id = req(file, l.resource_id, || format!("{lp}.ResourceId"))?;
            let mut config = FlowLogConfig {
                id: id.clone(),
                resource_id,
                traffic_type: TrafficType::All,
                log_format: l.log_format.filter(|f| !f.is_empty()),
                max_aggregation_interval: None,
                destination_type: l
                    .log_destination_type
                    .as_deref()
                    .map(FlowLogDestinationType::parse),
                destination: l.log_destination.or(l.log_group_name.clone()),
                creation_time: None,
                status: l.flow_log_status,
                deliver_logs_status: l.deliver_logs_status,
                file_format: l.destination_options.and_then(|o| o.file_format),
            };
            if config.destination_type.is_none() && l.log_group_name.is_some() {
                config.destination_type = Some(FlowLogDestinationType::CloudWatchLogs);
            }
            // Transit Gateway flow logs capture all traffic and print no TrafficType.
            let transit = config.resource() == FlowLogResource::TransitGateway;
            let traffic = match l.traffic_type {
                None if transit => Some(TrafficType::All),
                text => {
                    let text = req(file, text, || format!("{lp}.TrafficType"))?;
                    TrafficType::parse(&text).or_else(|| {
                        self.flow_log_finding(
                            file,
                            &lp,
                            &id,
                            format!("TrafficType {text:?} is not ACCEPT, REJECT or ALL"),
                        );
                        None
                    })
                }
            };
            let Some(traffic) = traffic else { continue };
            config.traffic_type = traffic;
            if let Some(n) = l.max_aggregation_interval {
                match u32::try_from(n) {
                    Ok(v) => config.max_aggregation_interval = Some(v),
                    Err(_) => self.flow_log_finding(
                        file,
                        &lp,
                        &id,
                        format!("MaxAggregationInterval {n} is not a number of seconds; ignored"),
                    ),
                }
            }
            if let Some(v) = l.creation_time {
                config.creation_time = json_time(&v);
                if config.creation_time.is_none() {
                    self.flow_log_finding(
                        file,
                        &lp,
                        &id,
                        format!("CreationTime {v} is not a time; ignored"),
                    );
                }
            }
            self.describe_latest(id, config, at(file, &lp));
        }
        Ok(())
    }

    fn flow_log_finding(&mut self, file: &Path, location: &str, id: &str, message: String) {
        self.findings.push(Finding::new(
            FindingCode::InvalidValue,
            format!("flow log {id}: {message}"),
            at(file, location),
            Some(id),
        ));
    }
}

/// A time as AWS JSON writes it: RFC 3339 text (AWS CLI v2) or epoch seconds as a number (CLI v1
/// and the raw API), fractions dropped.
pub(super) fn json_time(v: &serde_json::Value) -> Option<i64> {
    match v {
        serde_json::Value::String(s) => parse_timestamp(s),
        serde_json::Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite())
                .map(|f| f.floor() as i64)
        }),
        _ => None,
    }
}

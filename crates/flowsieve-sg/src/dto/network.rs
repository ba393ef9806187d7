//! AWS CLI JSON of the network around the groups (PascalCase keys): `describe-flow-logs`,
//! `describe-vpc-peering-connections`, `describe-network-acls`.

use serde::Deserialize;

use super::aws::{CidrBlockAssociation, Ipv6CidrBlockAssociation};

/// describe-flow-logs: `FlowLogs[]`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct FlowLog {
    pub flow_log_id: Option<String>,
    pub resource_id: Option<String>,
    pub traffic_type: Option<String>,
    pub log_format: Option<String>,
    pub max_aggregation_interval: Option<i64>,
    pub log_destination_type: Option<String>,
    pub log_destination: Option<String>,
    pub log_group_name: Option<String>,
    /// RFC 3339 text (AWS CLI v2) or epoch seconds (CLI v1 without a timestamp format).
    pub creation_time: Option<serde_json::Value>,
    pub flow_log_status: Option<String>,
    pub deliver_logs_status: Option<String>,
    pub destination_options: Option<DestinationOptions>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct DestinationOptions {
    pub file_format: Option<String>,
}

/// describe-vpc-peering-connections: `VpcPeeringConnections[]`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct VpcPeeringConnection {
    pub vpc_peering_connection_id: Option<String>,
    pub status: Option<PeeringStatus>,
    pub requester_vpc_info: Option<PeeringVpcInfo>,
    pub accepter_vpc_info: Option<PeeringVpcInfo>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PeeringStatus {
    pub code: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PeeringVpcInfo {
    pub vpc_id: Option<String>,
    pub owner_id: Option<String>,
    pub region: Option<String>,
    pub cidr_block: Option<String>,
    pub cidr_block_set: Option<Vec<CidrBlockAssociation>>,
    pub ipv6_cidr_block_set: Option<Vec<Ipv6CidrBlockAssociation>>,
}

/// describe-network-acls: `NetworkAcls[]`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct NetworkAcl {
    pub network_acl_id: Option<String>,
    pub vpc_id: Option<String>,
    pub is_default: Option<bool>,
    pub associations: Option<Vec<NetworkAclAssociation>>,
    pub entries: Option<Vec<NetworkAclEntry>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct NetworkAclAssociation {
    pub subnet_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct NetworkAclEntry {
    pub rule_number: Option<i64>,
    pub egress: Option<bool>,
    pub protocol: Option<String>,
    pub rule_action: Option<String>,
    pub cidr_block: Option<String>,
    pub ipv6_cidr_block: Option<String>,
    pub port_range: Option<PortRange>,
    pub icmp_type_code: Option<IcmpTypeCode>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PortRange {
    pub from: Option<i64>,
    pub to: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct IcmpTypeCode {
    #[serde(rename = "Type")]
    pub icmp_type: Option<i64>,
    pub code: Option<i64>,
}

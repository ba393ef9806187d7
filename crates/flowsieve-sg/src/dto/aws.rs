//! AWS CLI JSON (PascalCase keys) of the security groups, their rules, network interfaces, prefix
//! lists, VPCs and subnets, as printed by `aws ec2 describe-…` (docs/security-groups.md).

use serde::Deserialize;

/// `{"Key", "Value"}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Tag {
    pub key: Option<String>,
    pub value: Option<String>,
}

/// describe-security-groups: `SecurityGroups[]`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct SecurityGroup {
    pub group_id: Option<String>,
    pub group_name: Option<String>,
    pub description: Option<String>,
    pub owner_id: Option<String>,
    pub vpc_id: Option<String>,
    pub tags: Option<Vec<Tag>>,
    pub ip_permissions: Option<Vec<IpPermission>>,
    pub ip_permissions_egress: Option<Vec<IpPermission>>,
}

/// One IpPermission: a protocol and port range with several peers (each one rule).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct IpPermission {
    pub ip_protocol: Option<String>,
    pub from_port: Option<i64>,
    pub to_port: Option<i64>,
    pub ip_ranges: Option<Vec<IpRange>>,
    pub ipv6_ranges: Option<Vec<Ipv6Range>>,
    pub prefix_list_ids: Option<Vec<PrefixListIdRef>>,
    pub user_id_group_pairs: Option<Vec<UserIdGroupPair>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct IpRange {
    pub cidr_ip: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Ipv6Range {
    pub cidr_ipv6: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PrefixListIdRef {
    pub prefix_list_id: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct UserIdGroupPair {
    pub group_id: Option<String>,
    pub user_id: Option<String>,
    pub vpc_id: Option<String>,
    pub peering_status: Option<String>,
    pub description: Option<String>,
}

/// describe-security-group-rules: `SecurityGroupRules[]`, one rule each.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct SecurityGroupRule {
    pub security_group_rule_id: Option<String>,
    pub group_id: Option<String>,
    pub group_owner_id: Option<String>,
    pub is_egress: Option<bool>,
    pub ip_protocol: Option<String>,
    pub from_port: Option<i64>,
    pub to_port: Option<i64>,
    pub cidr_ipv4: Option<String>,
    pub cidr_ipv6: Option<String>,
    pub prefix_list_id: Option<String>,
    pub referenced_group_info: Option<ReferencedGroupInfo>,
    pub description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ReferencedGroupInfo {
    pub group_id: Option<String>,
    pub user_id: Option<String>,
    pub vpc_id: Option<String>,
    pub peering_status: Option<String>,
}

/// describe-network-interfaces: `NetworkInterfaces[]`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct NetworkInterface {
    pub network_interface_id: Option<String>,
    pub interface_type: Option<String>,
    pub requester_managed: Option<bool>,
    pub requester_id: Option<String>,
    pub description: Option<String>,
    pub vpc_id: Option<String>,
    pub subnet_id: Option<String>,
    pub attachment: Option<Attachment>,
    pub groups: Option<Vec<GroupIdentifier>>,
    pub private_ip_address: Option<String>,
    pub private_ip_addresses: Option<Vec<PrivateIpAddress>>,
    pub ipv4_prefixes: Option<Vec<Ipv4Prefix>>,
    pub ipv6_addresses: Option<Vec<Ipv6Address>>,
    pub ipv6_prefixes: Option<Vec<Ipv6Prefix>>,
    pub ipv6_address: Option<String>,
    pub association: Option<Association>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Attachment {
    pub instance_id: Option<String>,
    pub device_index: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct GroupIdentifier {
    pub group_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PrivateIpAddress {
    pub private_ip_address: Option<String>,
    pub primary: Option<bool>,
    pub association: Option<Association>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Association {
    pub public_ip: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Ipv4Prefix {
    pub ipv4_prefix: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Ipv6Address {
    pub ipv6_address: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Ipv6Prefix {
    pub ipv6_prefix: Option<String>,
}

/// describe-managed-prefix-lists: `PrefixLists[]`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PrefixList {
    pub prefix_list_id: Option<String>,
    pub prefix_list_name: Option<String>,
    pub address_family: Option<String>,
    pub version: Option<i64>,
}

/// get-managed-prefix-list-entries: `Entries[]`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PrefixListEntry {
    pub cidr: Option<String>,
}

/// describe-vpcs: `Vpcs[]`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Vpc {
    pub vpc_id: Option<String>,
    pub owner_id: Option<String>,
    pub is_default: Option<bool>,
    pub cidr_block: Option<String>,
    pub cidr_block_association_set: Option<Vec<CidrBlockAssociation>>,
    pub ipv6_cidr_block_association_set: Option<Vec<Ipv6CidrBlockAssociation>>,
}

/// describe-subnets: `Subnets[]`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Subnet {
    pub subnet_id: Option<String>,
    pub vpc_id: Option<String>,
    pub cidr_block: Option<String>,
    pub ipv6_cidr_block_association_set: Option<Vec<Ipv6CidrBlockAssociation>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct CidrBlockAssociation {
    pub cidr_block: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Ipv6CidrBlockAssociation {
    pub ipv6_cidr_block: Option<String>,
}

/// describe-stale-security-groups: `StaleSecurityGroupSet[]`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct StaleSecurityGroup {
    pub group_id: Option<String>,
    pub stale_ip_permissions: Option<Vec<StaleIpPermission>>,
    pub stale_ip_permissions_egress: Option<Vec<StaleIpPermission>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct StaleIpPermission {
    pub user_id_group_pairs: Option<Vec<UserIdGroupPair>>,
}

//! `terraform show -json` output, state and plan (docs/security-groups.md, "Terraform").
//!
//! Resource attributes are kept as a `serde_json::Value` until the resource type is known: other
//! resource types use the same attribute names with other JSON types, so one struct for all
//! would fail on unrelated resources.

use std::collections::BTreeMap;

use serde::Deserialize;

/// `values` (state) or `planned_values` (plan).
#[derive(Debug, Deserialize)]
pub(crate) struct Values {
    pub root_module: Option<Module>,
}

/// A module: its resources and child modules (nested to any depth).
#[derive(Debug, Deserialize)]
pub(crate) struct Module {
    pub resources: Option<Vec<Resource>>,
    pub child_modules: Option<Vec<Module>>,
}

/// One resource instance.
#[derive(Debug, Deserialize)]
pub(crate) struct Resource {
    pub address: Option<String>,
    pub mode: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub name: Option<String>,
    pub values: Option<serde_json::Value>,
}

/// `aws_security_group` and `aws_default_security_group`.
#[derive(Debug, Deserialize)]
pub(crate) struct SecurityGroup {
    pub id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub vpc_id: Option<String>,
    pub owner_id: Option<String>,
    pub tags: Option<BTreeMap<String, Option<String>>>,
    pub ingress: Option<Vec<InlineRule>>,
    pub egress: Option<Vec<InlineRule>>,
}

/// An inline `ingress` / `egress` block: one IpPermission.
#[derive(Debug, Deserialize)]
pub(crate) struct InlineRule {
    pub from_port: Option<i64>,
    pub to_port: Option<i64>,
    pub protocol: Option<String>,
    pub cidr_blocks: Option<Vec<String>>,
    pub ipv6_cidr_blocks: Option<Vec<String>>,
    pub prefix_list_ids: Option<Vec<String>>,
    pub security_groups: Option<Vec<String>>,
    #[serde(rename = "self")]
    pub self_: Option<bool>,
    pub description: Option<String>,
}

/// `aws_security_group_rule` (legacy; may expand to several rules).
#[derive(Debug, Deserialize)]
pub(crate) struct SecurityGroupRule {
    #[serde(rename = "type")]
    pub direction: Option<String>,
    pub security_group_id: Option<String>,
    pub from_port: Option<i64>,
    pub to_port: Option<i64>,
    pub protocol: Option<String>,
    pub cidr_blocks: Option<Vec<String>>,
    pub ipv6_cidr_blocks: Option<Vec<String>>,
    pub prefix_list_ids: Option<Vec<String>>,
    pub source_security_group_id: Option<String>,
    #[serde(rename = "self")]
    pub self_: Option<bool>,
    pub description: Option<String>,
    pub security_group_rule_id: Option<String>,
}

/// `aws_vpc_security_group_ingress_rule` / `aws_vpc_security_group_egress_rule` (one rule).
#[derive(Debug, Deserialize)]
pub(crate) struct VpcSecurityGroupRule {
    pub security_group_id: Option<String>,
    pub ip_protocol: Option<String>,
    pub from_port: Option<i64>,
    pub to_port: Option<i64>,
    pub cidr_ipv4: Option<String>,
    pub cidr_ipv6: Option<String>,
    pub prefix_list_id: Option<String>,
    pub referenced_security_group_id: Option<String>,
    pub description: Option<String>,
    pub security_group_rule_id: Option<String>,
}

/// `aws_vpc` and the `aws_vpc_ipv4/ipv6_cidr_block_association` resources.
#[derive(Debug, Deserialize)]
pub(crate) struct Vpc {
    /// The VPC id of `aws_vpc` (an association's `id` is not a VPC id: see `vpc_id`).
    pub id: Option<String>,
    /// The VPC of an association resource.
    pub vpc_id: Option<String>,
    pub cidr_block: Option<String>,
    pub ipv6_cidr_block: Option<String>,
}

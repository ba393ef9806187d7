//! Private serde mirrors of the input formats: AWS CLI JSON (`aws.rs`) and `terraform show -json`
//! (`terraform.rs`).
//!
//! Every field the model cannot do without is an `Option` here, so that a missing one is reported
//! by the converter in `load.rs` with its exact JSON path rather than by serde without one. Unknown
//! fields are ignored (serde's default), so newer AWS CLI or Terraform versions keep loading.
//! Nothing outside `load.rs` sees these types.

pub(crate) mod aws;
pub(crate) mod config;
pub(crate) mod elb;
pub(crate) mod network;
pub(crate) mod terraform;

use serde::Deserialize;

/// One response (page) of any supported command. A file holds one page, or an array of them.
/// The kind of a page is told by which top-level keys it has, never by the file name.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Page {
    pub security_groups: Option<Vec<aws::SecurityGroup>>,
    pub security_group_rules: Option<Vec<aws::SecurityGroupRule>>,
    pub network_interfaces: Option<Vec<aws::NetworkInterface>>,
    pub prefix_lists: Option<Vec<aws::PrefixList>>,
    pub entries: Option<Vec<aws::PrefixListEntry>>,
    /// Not printed by the AWS CLI: the documented wrapper `{"PrefixListId", "Entries"}` that names
    /// the list the entries belong to.
    pub prefix_list_id: Option<String>,
    pub vpcs: Option<Vec<aws::Vpc>>,
    pub subnets: Option<Vec<aws::Subnet>>,
    pub stale_security_group_set: Option<Vec<aws::StaleSecurityGroup>>,
    pub flow_logs: Option<Vec<network::FlowLog>>,
    pub vpc_peering_connections: Option<Vec<network::VpcPeeringConnection>>,
    pub network_acls: Option<Vec<network::NetworkAcl>>,
    pub load_balancers: Option<Vec<elb::LoadBalancer>>,
    pub target_groups: Option<Vec<elb::TargetGroup>>,
    pub target_health_descriptions: Option<Vec<elb::TargetHealthDescription>>,
    /// Not printed by the AWS CLI: the documented wrapper `{"TargetGroupArn", …}` that names the
    /// target group of `TargetHealthDescriptions` or `Attributes`.
    pub target_group_arn: Option<String>,
    pub attributes: Option<Vec<elb::Attribute>>,
    /// AWS Config `get-resource-config-history` (camelCase).
    #[serde(rename = "configurationItems")]
    pub configuration_items: Option<Vec<config::ConfigurationItem>>,
    /// AWS Config `select-resource-config`: one JSON string per item.
    pub results: Option<Vec<String>>,
    #[serde(rename = "format_version")]
    pub format_version: Option<String>,
    #[serde(rename = "values")]
    pub values: Option<terraform::Values>,
    #[serde(rename = "planned_values")]
    pub planned_values: Option<terraform::Values>,
}

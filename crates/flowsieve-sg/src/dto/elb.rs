//! AWS CLI JSON of Elastic Load Balancing v2 (PascalCase keys): `describe-load-balancers`,
//! `describe-target-groups`, `describe-target-health`, `describe-target-group-attributes`.

use serde::Deserialize;

/// describe-load-balancers: `LoadBalancers[]`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct LoadBalancer {
    pub load_balancer_arn: Option<String>,
    pub load_balancer_name: Option<String>,
    #[serde(rename = "Type")]
    pub lb_type: Option<String>,
    pub scheme: Option<String>,
    pub vpc_id: Option<String>,
    pub security_groups: Option<Vec<String>>,
    pub availability_zones: Option<Vec<AvailabilityZone>>,
    pub enforce_security_group_inbound_rules_on_private_link_traffic: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AvailabilityZone {
    pub subnet_id: Option<String>,
}

/// describe-target-groups: `TargetGroups[]`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct TargetGroup {
    pub target_group_arn: Option<String>,
    pub target_group_name: Option<String>,
    pub protocol: Option<String>,
    pub port: Option<i64>,
    pub vpc_id: Option<String>,
    pub load_balancer_arns: Option<Vec<String>>,
    pub target_type: Option<String>,
}

/// describe-target-health: `TargetHealthDescriptions[]`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct TargetHealthDescription {
    pub target: Option<TargetDescription>,
    pub target_health: Option<TargetHealth>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct TargetDescription {
    pub id: Option<String>,
    pub port: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct TargetHealth {
    pub state: Option<String>,
}

/// describe-target-group-attributes (and describe-load-balancer-attributes): `Attributes[]`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Attribute {
    pub key: Option<String>,
    pub value: Option<String>,
}

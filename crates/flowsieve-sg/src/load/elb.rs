//! AWS CLI JSON of Elastic Load Balancing v2 → load balancers and target groups, and what
//! `describe-target-health` and `describe-target-group-attributes` add to a target group.
//!
//! Neither of the last two outputs names its target group. A page names it with the wrapper key
//! `TargetGroupArn`, or the file name carries the group's 16-hex-digit id (the last part of its
//! ARN); the reference is resolved when the inventory is built, whatever the file order.

use std::path::Path;

use super::builder::{PendingTargetGroupData, TargetGroupRef};
use super::{InventoryBuilder, at, req};
use crate::dto::elb;
use crate::error::{Error, Result};
use crate::model::{
    Finding, FindingCode, LoadBalancer, LoadBalancerScheme, LoadBalancerType, Target, TargetGroup,
    TargetType,
};

/// Attribute key prefixes that only target groups have (load balancers print `Attributes` too).
const TARGET_GROUP_ATTRIBUTE_PREFIXES: [&str; 9] = [
    "preserve_client_ip.",
    "proxy_protocol_v2.",
    "deregistration_delay.",
    "stickiness.",
    "slow_start.",
    "target_group_health.",
    "target_health_state.",
    "target_failover.",
    "lambda.",
];

impl InventoryBuilder {
    pub(super) fn add_elb_load_balancers(
        &mut self,
        file: &Path,
        prefix: &str,
        lbs: Vec<elb::LoadBalancer>,
    ) -> Result<()> {
        for (i, l) in lbs.into_iter().enumerate() {
            let lp = format!("{prefix}LoadBalancers[{i}]");
            let arn = req(file, l.load_balancer_arn, || {
                format!("{lp}.LoadBalancerArn")
            })?;
            let lb_type = req(file, l.lb_type, || format!("{lp}.Type"))?;
            let mut subnet_ids: Vec<String> = l
                .availability_zones
                .unwrap_or_default()
                .into_iter()
                .filter_map(|z| z.subnet_id)
                .collect();
            subnet_ids.sort();
            subnet_ids.dedup();
            let enforce = l
                .enforce_security_group_inbound_rules_on_private_link_traffic
                .map(|v| v.eq_ignore_ascii_case("on"));
            let lb = LoadBalancer {
                arn: arn.clone(),
                name: l.load_balancer_name.unwrap_or_default(),
                lb_type: LoadBalancerType::parse(&lb_type),
                scheme: l.scheme.as_deref().map(LoadBalancerScheme::parse),
                vpc_id: l.vpc_id,
                subnet_ids,
                security_groups: l.security_groups.unwrap_or_default(),
                enforce_inbound_rules_on_private_link: enforce,
            };
            self.describe_latest(arn, lb, at(file, &lp));
        }
        Ok(())
    }

    pub(super) fn add_elb_target_groups(
        &mut self,
        file: &Path,
        prefix: &str,
        groups: Vec<elb::TargetGroup>,
    ) -> Result<()> {
        for (i, g) in groups.into_iter().enumerate() {
            let gp = format!("{prefix}TargetGroups[{i}]");
            let arn = req(file, g.target_group_arn, || format!("{gp}.TargetGroupArn"))?;
            let target_type = req(file, g.target_type, || format!("{gp}.TargetType"))?;
            let port = match g.port.map(u16::try_from) {
                Some(Ok(p)) => Some(p),
                Some(Err(_)) => {
                    self.findings.push(Finding::new(
                        FindingCode::InvalidPorts,
                        format!("target group {arn}: port is outside 0-65535; ignored"),
                        at(file, &gp),
                        Some(&arn),
                    ));
                    None
                }
                None => None,
            };
            let tg = TargetGroup {
                arn: arn.clone(),
                name: g.target_group_name.unwrap_or_default(),
                target_type: TargetType::parse(&target_type),
                protocol: g.protocol.map(|p| p.to_ascii_uppercase()),
                port,
                vpc_id: g.vpc_id,
                load_balancer_arns: g.load_balancer_arns.unwrap_or_default(),
                preserve_client_ip: None,
                targets: None,
            };
            self.describe_latest(arn, tg, at(file, &gp));
        }
        Ok(())
    }

    pub(super) fn add_elb_target_health(
        &mut self,
        file: &Path,
        prefix: &str,
        wrapper_arn: Option<&str>,
        descriptions: Vec<elb::TargetHealthDescription>,
    ) -> Result<()> {
        let json_path = format!("{prefix}TargetHealthDescriptions");
        let group = target_group_ref(file, wrapper_arn, &json_path)?;
        let mut targets = Vec::new();
        for (i, d) in descriptions.into_iter().enumerate() {
            let dp = format!("{json_path}[{i}]");
            let t = req(file, d.target, || format!("{dp}.Target"))?;
            let id = req(file, t.id, || format!("{dp}.Target.Id"))?;
            targets.push(Target {
                id,
                port: t.port.and_then(|p| u16::try_from(p).ok()),
                health: d.target_health.and_then(|h| h.state),
            });
        }
        self.pending_target_data.push(PendingTargetGroupData {
            group,
            targets: Some(targets),
            preserve_client_ip: None,
            source: at(file, &json_path),
        });
        Ok(())
    }

    /// `Attributes` of a target group; `false` (not recognised) for the attributes of a load
    /// balancer, which flowsieve does not read.
    pub(super) fn add_elb_attributes(
        &mut self,
        file: &Path,
        prefix: &str,
        wrapper_arn: Option<&str>,
        attributes: Vec<elb::Attribute>,
    ) -> Result<bool> {
        let json_path = format!("{prefix}Attributes");
        let mut keys = Vec::new();
        for (i, a) in attributes.into_iter().enumerate() {
            let key = req(file, a.key, || format!("{json_path}[{i}].Key"))?;
            keys.push((key, a.value.unwrap_or_default()));
        }
        let of_target_group = wrapper_arn.is_some()
            || keys.iter().any(|(k, _)| {
                TARGET_GROUP_ATTRIBUTE_PREFIXES
                    .iter()
                    .any(|p| k.starts_with(p))
            });
        if !of_target_group {
            return Ok(false);
        }
        let group = target_group_ref(file, wrapper_arn, &json_path)?;
        let preserve_client_ip = keys
            .iter()
            .find(|(k, _)| k == "preserve_client_ip.enabled")
            .map(|(_, v)| v.eq_ignore_ascii_case("true"));
        self.pending_target_data.push(PendingTargetGroupData {
            group,
            targets: None,
            preserve_client_ip,
            source: at(file, &json_path),
        });
        Ok(true)
    }
}

/// The target group a health or attributes page belongs to: the wrapper's ARN, else the id in
/// the file name.
fn target_group_ref(
    file: &Path,
    wrapper_arn: Option<&str>,
    json_path: &str,
) -> Result<TargetGroupRef> {
    if let Some(arn) = wrapper_arn {
        return Ok(TargetGroupRef::Arn(arn.to_owned()));
    }
    target_group_id_in_name(file)
        .map(TargetGroupRef::Id)
        .ok_or_else(|| Error::UnnamedTargetGroup {
            path: file.to_owned(),
            json_path: json_path.to_owned(),
        })
}

/// The target group id a file name carries: exactly 16 hex digits between non-alphanumerics.
pub(super) fn target_group_id_in_name(file: &Path) -> Option<String> {
    let name = file.file_name()?.to_str()?;
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .find(|w| w.len() == 16 && w.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_ascii_lowercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_group_ids_in_file_names() {
        let id = |n: &str| target_group_id_in_name(Path::new(n));
        assert_eq!(
            id("describe-target-health-73e2d6bc24d8a067.json").as_deref(),
            Some("73e2d6bc24d8a067")
        );
        assert_eq!(
            id("tg_73E2D6BC24D8A067.json").as_deref(),
            Some("73e2d6bc24d8a067")
        );
        assert_eq!(id("describe-target-health.json"), None);
        assert_eq!(id("x-73e2d6bc24d8a0671.json"), None, "17 digits");
        assert_eq!(id("x-73e2d6bc24d8a06g.json"), None, "not hex");
    }
}

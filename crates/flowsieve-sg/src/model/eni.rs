//! Network interfaces (ENIs) and their kinds. Plain data; knows nothing about files or matching.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::RangeInclusive;

use crate::addr::Cidr;
use crate::model::Interval;

/// What kind of thing an ENI belongs to, derived from `InterfaceType`, `RequesterId` and the
/// `Description` naming conventions AWS services follow (conventions, not contracts; see
/// docs/security-groups.md of the repository).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EniKind {
    /// An EC2 instance's interface (also EFA, trunk and branch interfaces).
    Instance,
    /// An Application, Network, Gateway or Classic load balancer node.
    LoadBalancer,
    /// A NAT gateway (carries no security groups).
    NatGateway,
    /// A Lambda function's Hyperplane ENI.
    Lambda,
    /// An interface VPC endpoint or Gateway Load Balancer endpoint.
    VpcEndpoint,
    /// A transit gateway attachment (carries no security groups).
    TransitGateway,
    /// An RDS database interface.
    Rds,
    /// An EFS mount target.
    Efs,
    /// Anything else (ECS tasks, other managed services, unknown types).
    Other,
}

impl EniKind {
    /// Short lowercase name: `instance`, `load_balancer`, `nat_gateway`, `lambda`,
    /// `vpc_endpoint`, `transit_gateway`, `rds`, `efs`, `other`.
    pub fn as_str(&self) -> &'static str {
        match self {
            EniKind::Instance => "instance",
            EniKind::LoadBalancer => "load_balancer",
            EniKind::NatGateway => "nat_gateway",
            EniKind::Lambda => "lambda",
            EniKind::VpcEndpoint => "vpc_endpoint",
            EniKind::TransitGateway => "transit_gateway",
            EniKind::Rds => "rds",
            EniKind::Efs => "efs",
            EniKind::Other => "other",
        }
    }

    /// The client (ephemeral) port range this kind uses when it opens connections: Linux
    /// 32768–60999 for instances, RDS, EFS and others; 1024–65535 for load balancers, NAT
    /// gateways, Lambda, VPC endpoints and transit gateways (docs/security-groups.md).
    pub fn ephemeral_ports(&self) -> RangeInclusive<u16> {
        match self {
            EniKind::Instance | EniKind::Other | EniKind::Rds | EniKind::Efs => 32768..=60999,
            EniKind::LoadBalancer
            | EniKind::NatGateway
            | EniKind::Lambda
            | EniKind::VpcEndpoint
            | EniKind::TransitGateway => 1024..=65535,
        }
    }
}

impl fmt::Display for EniKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One version of a network interface (ENI): the groups it carries and the addresses it holds
/// during its [`valid`](NetworkInterface::valid) interval (all of time without history).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct NetworkInterface {
    /// `eni-…`, the flow-log `interface-id`.
    pub id: String,
    /// `InterfaceType` as AWS wrote it (`interface`, `lambda`, `nat_gateway`, …).
    pub interface_type: String,
    /// True when an AWS service created and manages the ENI.
    pub requester_managed: bool,
    /// Who created it: an account id, a service alias (`amazon-elb`) or a role session.
    pub requester_id: Option<String>,
    /// Free-text description (services use recognisable conventions).
    pub description: String,
    /// The VPC.
    pub vpc_id: Option<String>,
    /// The subnet.
    pub subnet_id: Option<String>,
    /// The attached instance, if any.
    pub instance_id: Option<String>,
    /// The attachment's device index (0 for an instance's primary interface), when attached.
    pub device_index: Option<u32>,
    /// Every private IPv4 address, primary first.
    pub private_ipv4: Vec<Ipv4Addr>,
    /// Delegated IPv4 prefixes (every address inside belongs to this ENI).
    pub ipv4_prefixes: Vec<Cidr>,
    /// IPv6 addresses.
    pub ipv6: Vec<Ipv6Addr>,
    /// Delegated IPv6 prefixes.
    pub ipv6_prefixes: Vec<Cidr>,
    /// Public IPv4 addresses from associations (never members of a group peer).
    pub public_ipv4: Vec<Ipv4Addr>,
    /// Security groups attached, in AWS order.
    pub group_ids: Vec<String>,
    /// When this version holds: half-open, unix seconds; [`Interval::ALWAYS`] without history.
    pub valid: Interval,
}

impl NetworkInterface {
    /// The kind of ENI, derived from `InterfaceType`, `RequesterId` and `Description`.
    pub fn kind(&self) -> EniKind {
        let t = self.interface_type.to_ascii_lowercase();
        let d = self.description.as_str();
        let requester = self.requester_id.as_deref().unwrap_or("");
        match t.as_str() {
            "nat_gateway" | "natgateway" => return EniKind::NatGateway,
            "lambda" => return EniKind::Lambda,
            "vpc_endpoint" | "gateway_load_balancer_endpoint" => return EniKind::VpcEndpoint,
            "transit_gateway" => return EniKind::TransitGateway,
            "load_balancer" | "network_load_balancer" | "gateway_load_balancer" => {
                return EniKind::LoadBalancer;
            }
            "efs" => return EniKind::Efs,
            _ => {}
        }
        if d.starts_with("ELB ") || requester == "amazon-elb" {
            EniKind::LoadBalancer
        } else if d.starts_with("Interface for NAT Gateway") {
            EniKind::NatGateway
        } else if d.starts_with("AWS Lambda VPC ENI") {
            EniKind::Lambda
        } else if d.starts_with("VPC Endpoint Interface") {
            EniKind::VpcEndpoint
        } else if d.starts_with("RDSNetworkInterface") || requester == "amazon-rds" {
            EniKind::Rds
        } else if d.starts_with("EFS mount target") {
            EniKind::Efs
        } else if self.instance_id.is_some()
            || (matches!(
                t.as_str(),
                "" | "interface" | "efa" | "efa-only" | "trunk" | "branch"
            ) && !self.requester_managed)
        {
            EniKind::Instance
        } else {
            EniKind::Other
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eni(
        t: &str,
        requester: Option<&str>,
        managed: bool,
        desc: &str,
        instance: Option<&str>,
    ) -> NetworkInterface {
        NetworkInterface {
            id: "eni-1".into(),
            interface_type: t.into(),
            requester_managed: managed,
            requester_id: requester.map(str::to_owned),
            description: desc.into(),
            instance_id: instance.map(str::to_owned),
            ..NetworkInterface::default()
        }
    }

    #[test]
    fn eni_kind_follows_documented_conventions() {
        assert_eq!(
            eni(
                "interface",
                Some("amazon-elb"),
                true,
                "ELB app/web/50dc6c495c0c9188",
                None
            )
            .kind(),
            EniKind::LoadBalancer
        );
        assert_eq!(
            eni(
                "nat_gateway",
                None,
                true,
                "Interface for NAT Gateway nat-1",
                None
            )
            .kind(),
            EniKind::NatGateway
        );
        assert_eq!(
            eni("natGateway", None, true, "", None).kind(),
            EniKind::NatGateway
        );
        assert_eq!(
            eni("lambda", Some("AROAX:awslambda_1"), true, "", None).kind(),
            EniKind::Lambda
        );
        assert_eq!(
            eni(
                "interface",
                Some("AROAX:awslambda_1"),
                true,
                "AWS Lambda VPC ENI-fn-uuid",
                None
            )
            .kind(),
            EniKind::Lambda
        );
        assert_eq!(
            eni(
                "vpc_endpoint",
                Some("727180483921"),
                true,
                "VPC Endpoint Interface vpce-1",
                None
            )
            .kind(),
            EniKind::VpcEndpoint
        );
        assert_eq!(
            eni("transit_gateway", None, true, "", None).kind(),
            EniKind::TransitGateway
        );
        assert_eq!(
            eni(
                "interface",
                Some("amazon-rds"),
                true,
                "RDSNetworkInterface",
                None
            )
            .kind(),
            EniKind::Rds
        );
        assert_eq!(
            eni(
                "interface",
                None,
                true,
                "EFS mount target for fs-1 (fsmt-1)",
                None
            )
            .kind(),
            EniKind::Efs
        );
        assert_eq!(
            eni(
                "interface",
                None,
                false,
                "Primary network interface",
                Some("i-1")
            )
            .kind(),
            EniKind::Instance
        );
        assert_eq!(
            eni("interface", None, false, "detached spare", None).kind(),
            EniKind::Instance
        );
        assert_eq!(
            eni(
                "interface",
                Some("578734482556"),
                true,
                "arn:aws:ecs:us-east-1:1:attachment/x",
                None
            )
            .kind(),
            EniKind::Other
        );
        assert_eq!(
            eni("quicksight", None, true, "", None).kind(),
            EniKind::Other
        );
        assert_eq!(EniKind::Lambda.ephemeral_ports(), 1024..=65535);
        assert_eq!(EniKind::Instance.ephemeral_ports(), 32768..=60999);
    }
}

//! Elastic Load Balancing (v2): load balancers, target groups and their registered targets.
//! Plain data; knows nothing about files or matching.

use std::fmt;

/// The kind of a load balancer (`Type`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LoadBalancerType {
    /// `application` (ALB).
    Application,
    /// `network` (NLB).
    Network,
    /// `gateway` (GWLB).
    Gateway,
    /// Any other type, as AWS wrote it.
    Other(String),
}

impl LoadBalancerType {
    /// The type of an AWS `Type` value (any case).
    pub fn parse(text: &str) -> LoadBalancerType {
        match text.trim().to_ascii_lowercase().as_str() {
            "application" => LoadBalancerType::Application,
            "network" => LoadBalancerType::Network,
            "gateway" => LoadBalancerType::Gateway,
            _ => LoadBalancerType::Other(text.to_owned()),
        }
    }

    /// `"application"`, `"network"`, `"gateway"` or the other value.
    pub fn as_str(&self) -> &str {
        match self {
            LoadBalancerType::Application => "application",
            LoadBalancerType::Network => "network",
            LoadBalancerType::Gateway => "gateway",
            LoadBalancerType::Other(s) => s,
        }
    }
}

impl fmt::Display for LoadBalancerType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who can reach a load balancer (`Scheme`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LoadBalancerScheme {
    /// `internet-facing`.
    InternetFacing,
    /// `internal`.
    Internal,
    /// Any other value, as AWS wrote it.
    Other(String),
}

impl LoadBalancerScheme {
    /// The scheme of an AWS `Scheme` value (any case).
    pub fn parse(text: &str) -> LoadBalancerScheme {
        match text.trim().to_ascii_lowercase().as_str() {
            "internet-facing" => LoadBalancerScheme::InternetFacing,
            "internal" => LoadBalancerScheme::Internal,
            _ => LoadBalancerScheme::Other(text.to_owned()),
        }
    }
}

/// A load balancer (`aws elbv2 describe-load-balancers`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadBalancer {
    /// `arn:aws:elasticloadbalancing:…:loadbalancer/net/<name>/<id>`.
    pub arn: String,
    /// `LoadBalancerName`.
    pub name: String,
    /// Application, network or gateway.
    pub lb_type: LoadBalancerType,
    /// Internet-facing or internal, when given.
    pub scheme: Option<LoadBalancerScheme>,
    /// Its VPC.
    pub vpc_id: Option<String>,
    /// The subnets of its nodes (one per Availability Zone), sorted.
    pub subnet_ids: Vec<String>,
    /// Its security groups (a Network Load Balancer has none unless created with some).
    pub security_groups: Vec<String>,
    /// `EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic` (`on` → true, `off` → false).
    pub enforce_inbound_rules_on_private_link: Option<bool>,
}

impl LoadBalancer {
    /// `net/<name>/<id>` (or `app/…`, `gwy/…`): the part of the ARN after `loadbalancer/`, which
    /// the descriptions of the load balancer's network interfaces repeat (`ELB net/<name>/<id>`).
    pub fn resource_key(&self) -> Option<&str> {
        self.arn
            .split_once(":loadbalancer/")
            .map(|(_, key)| key)
            .filter(|k| !k.is_empty())
    }
}

/// What a target group's targets are (`TargetType`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TargetType {
    /// `instance`: targets are instance ids (the traffic goes to the primary ENI).
    Instance,
    /// `ip`: targets are IP addresses.
    Ip,
    /// `lambda`: a function.
    Lambda,
    /// `alb`: an Application Load Balancer behind a Network Load Balancer.
    Alb,
    /// Any other value, as AWS wrote it.
    Other(String),
}

impl TargetType {
    /// The target type of an AWS `TargetType` value (any case).
    pub fn parse(text: &str) -> TargetType {
        match text.trim().to_ascii_lowercase().as_str() {
            "instance" => TargetType::Instance,
            "ip" => TargetType::Ip,
            "lambda" => TargetType::Lambda,
            "alb" => TargetType::Alb,
            _ => TargetType::Other(text.to_owned()),
        }
    }
}

/// A registered target (`describe-target-health`'s `TargetHealthDescriptions[].Target`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// An instance id (`i-…`), an IP address, a function or load balancer ARN.
    pub id: String,
    /// The port traffic is sent to (else the target group's port).
    pub port: Option<u16>,
    /// `TargetHealth.State` (`healthy`, `unhealthy`, `draining`, `unused`, …), when given.
    pub health: Option<String>,
}

/// A target group (`aws elbv2 describe-target-groups`), with what
/// `describe-target-group-attributes` and `describe-target-health` add.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetGroup {
    /// `arn:aws:elasticloadbalancing:…:targetgroup/<name>/<id>`.
    pub arn: String,
    /// `TargetGroupName`.
    pub name: String,
    /// Instance, IP, Lambda or ALB targets.
    pub target_type: TargetType,
    /// `Protocol` (`TCP`, `TLS`, `UDP`, `TCP_UDP`, `HTTP`, `HTTPS`, …), upper case.
    pub protocol: Option<String>,
    /// The port targets receive traffic on (unless a target names its own).
    pub port: Option<u16>,
    /// Its VPC.
    pub vpc_id: Option<String>,
    /// The load balancers forwarding to it.
    pub load_balancer_arns: Vec<String>,
    /// `preserve_client_ip.enabled`, when its attributes were loaded.
    pub preserve_client_ip: Option<bool>,
    /// The registered targets; `None` when no `describe-target-health` output was loaded for it.
    pub targets: Option<Vec<Target>>,
}

impl TargetGroup {
    /// The hexadecimal id at the end of the ARN (`…:targetgroup/my-targets/73e2d6bc24d8a067`).
    pub fn id(&self) -> Option<&str> {
        let (_, rest) = self.arn.split_once(":targetgroup/")?;
        rest.rsplit('/').next().filter(|id| !id.is_empty())
    }

    /// Whether targets see the clients' addresses (Network Load Balancer client IP preservation):
    /// the `preserve_client_ip.enabled` attribute when loaded, else AWS's default — enabled for
    /// instance targets and for IP targets over UDP, TCP_UDP, QUIC or TCP_QUIC, disabled for IP
    /// targets over TCP or TLS. Application Load Balancers never preserve it (false).
    pub fn preserves_client_ip(&self) -> bool {
        if let Some(v) = self.preserve_client_ip {
            return v;
        }
        let udp_like = matches!(
            self.protocol.as_deref(),
            Some("UDP" | "TCP_UDP" | "QUIC" | "TCP_QUIC")
        );
        let nlb_protocol = udp_like || matches!(self.protocol.as_deref(), Some("TCP" | "TLS"));
        nlb_protocol
            && match self.target_type {
                TargetType::Instance => true,
                TargetType::Ip => udp_like,
                _ => false,
            }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tg(target_type: TargetType, protocol: &str) -> TargetGroup {
        TargetGroup {
            arn: "arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067".into(),
            name: "my-targets".into(),
            target_type,
            protocol: Some(protocol.into()),
            port: Some(80),
            vpc_id: None,
            load_balancer_arns: vec![],
            preserve_client_ip: None,
            targets: None,
        }
    }

    #[test]
    fn client_ip_preservation_defaults() {
        assert_eq!(tg(TargetType::Ip, "TCP").id(), Some("73e2d6bc24d8a067"));
        assert!(tg(TargetType::Instance, "TCP").preserves_client_ip());
        assert!(tg(TargetType::Instance, "TLS").preserves_client_ip());
        assert!(!tg(TargetType::Ip, "TCP").preserves_client_ip());
        assert!(tg(TargetType::Ip, "UDP").preserves_client_ip());
        assert!(!tg(TargetType::Instance, "HTTP").preserves_client_ip());
        let mut set = tg(TargetType::Ip, "TCP");
        set.preserve_client_ip = Some(true);
        assert!(set.preserves_client_ip());
    }

    #[test]
    fn load_balancer_resource_key() {
        let lb = LoadBalancer {
            arn: "arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/net/my-nlb/50dc6c495c0c9188".into(),
            name: "my-nlb".into(),
            lb_type: LoadBalancerType::parse("network"),
            scheme: Some(LoadBalancerScheme::parse("internal")),
            vpc_id: None,
            subnet_ids: vec![],
            security_groups: vec![],
            enforce_inbound_rules_on_private_link: None,
        };
        assert_eq!(lb.resource_key(), Some("net/my-nlb/50dc6c495c0c9188"));
        assert_eq!(lb.lb_type, LoadBalancerType::Network);
        assert_eq!(LoadBalancerType::parse("weird").as_str(), "weird");
    }
}

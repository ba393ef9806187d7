//! The declared network: security groups, exploded rules, network interfaces, prefix lists and
//! validation findings.
//!
//! These types are plain data with public fields. They are deliberately not `Deserialize`: AWS CLI
//! JSON and Terraform state go through the private DTOs in `dto/` and are converted here, so a
//! change in an input format never changes the model. Knows nothing about files or matching.
//! (The closed code sets that reach a report, such as [`FindingCode`], are serde enums.)

mod elb;
mod eni;
mod finding;
mod flowlog;
mod network;
mod rule;
mod time;

pub use elb::{
    LoadBalancer, LoadBalancerScheme, LoadBalancerType, Target, TargetGroup, TargetType,
};
pub use eni::{EniKind, NetworkInterface};
pub use finding::{Finding, FindingCode, Severity};
pub use flowlog::{FlowLogConfig, FlowLogDestinationType, FlowLogResource, TrafficType};
pub use network::{
    NaclAction, NaclDecision, NaclEntry, NetworkAcl, PeerClass, PeeringStatus, PeeringVpc, Subnet,
    Vpc, VpcPeering,
};
pub(crate) use network::{is_private, nacl_of_subnet};
pub use rule::{
    Direction, Peer, PortSpec, PrefixList, Protocol, Rule, RuleId, RuleSource, SecurityGroup,
    SourceKind,
};
pub(crate) use rule::{derived_rule_id, normalize_ports, ports_from_aws};
pub(crate) use time::normalize_intervals;
pub use time::{Interval, format_timestamp, parse_timestamp};

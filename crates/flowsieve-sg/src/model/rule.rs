//! Rules and what they are made of: ids, directions, protocols, ports, peers, sources, security
//! groups and prefix lists. Plain data; knows nothing about files or matching.

use std::fmt;
use std::path::PathBuf;

use crate::addr::Cidr;
use crate::model::{Interval, PeeringStatus};

/// Identity of one exploded rule: the AWS `sgr-…` id when known, otherwise a derived `sgr~…` id.
///
/// A derived id is `sgr~` followed by 16 hex digits of a 64-bit FNV-1a hash of the rule's
/// normalised tuple (group, direction, protocol, ports, peer). It depends on nothing else, so it
/// does not change when other rules are added or files are loaded in another order.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct RuleId(pub String);

impl RuleId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for an AWS `sgr-…` id, false for a derived `sgr~…` id.
    pub fn is_aws(&self) -> bool {
        self.0.starts_with("sgr-")
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The direction of a rule, relative to the ENI that carries its group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    /// Inbound: the peer is the source of the opening packet.
    Ingress,
    /// Outbound: the peer is the destination of the opening packet.
    Egress,
}

impl Direction {
    /// `"ingress"` or `"egress"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The IP protocol of a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    /// `"-1"`: every protocol and every port.
    All,
    /// One IANA protocol number (`tcp` = 6, `udp` = 17, `icmp` = 1, `icmpv6` = 58, …).
    Number(u8),
}

impl Protocol {
    /// TCP (6).
    pub const TCP: Protocol = Protocol::Number(6);
    /// UDP (17).
    pub const UDP: Protocol = Protocol::Number(17);
    /// ICMP (1).
    pub const ICMP: Protocol = Protocol::Number(1);
    /// ICMPv6 (58).
    pub const ICMPV6: Protocol = Protocol::Number(58);

    /// The IANA number, or -1 for all protocols.
    pub fn iana(&self) -> i16 {
        match self {
            Protocol::All => -1,
            Protocol::Number(n) => i16::from(*n),
        }
    }

    /// `"tcp"`, `"udp"`, `"icmp"`, `"icmpv6"`, `"-1"`, or the number as text.
    pub fn name(&self) -> String {
        match self {
            Protocol::All => "-1".to_owned(),
            Protocol::Number(6) => "tcp".to_owned(),
            Protocol::Number(17) => "udp".to_owned(),
            Protocol::Number(1) => "icmp".to_owned(),
            Protocol::Number(58) => "icmpv6".to_owned(),
            Protocol::Number(n) => n.to_string(),
        }
    }

    /// Parses the forms AWS and Terraform use: `-1`, `all`, `tcp`, `udp`, `icmp`, `icmpv6`
    /// (any case) or a number 0–255. `None` for anything else.
    pub fn parse(text: &str) -> Option<Protocol> {
        let t = text.trim();
        match t.to_ascii_lowercase().as_str() {
            "-1" | "all" => Some(Protocol::All),
            "tcp" => Some(Protocol::TCP),
            "udp" => Some(Protocol::UDP),
            "icmp" => Some(Protocol::ICMP),
            "icmpv6" => Some(Protocol::ICMPV6),
            _ if !t.is_empty() && t.len() <= 3 && t.bytes().all(|b| b.is_ascii_digit()) => {
                t.parse::<u8>().ok().map(Protocol::Number)
            }
            _ => None,
        }
    }

    /// True for TCP and UDP, the protocols whose destination port a rule filters on.
    pub fn has_ports(&self) -> bool {
        matches!(self, Protocol::Number(6 | 17))
    }

    /// True for ICMP and ICMPv6, whose "ports" are an ICMP type and code.
    pub fn is_icmp(&self) -> bool {
        matches!(self, Protocol::Number(1 | 58))
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// What a rule allows besides the protocol: a port range, an ICMP type/code, or everything.
///
/// Canonical forms (the loaders and [`crate::InventoryBuilder::add_rule`] enforce them): protocol
/// `-1` and numeric protocols other than TCP/UDP/ICMP/ICMPv6 have [`PortSpec::All`]; TCP and UDP
/// have a [`PortSpec::Range`] (all ports is `0..=65535`); ICMP and ICMPv6 have
/// [`PortSpec::Icmp`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PortSpec {
    /// Every port (or ports do not apply to the protocol).
    All,
    /// An inclusive destination port range.
    Range {
        /// First port.
        from: u16,
        /// Last port (inclusive).
        to: u16,
    },
    /// An ICMP type and code; `None` means any.
    Icmp {
        /// ICMP type (`FromPort`), `None` = any type.
        icmp_type: Option<u8>,
        /// ICMP code (`ToPort`), `None` = any code.
        code: Option<u8>,
    },
}

impl PortSpec {
    /// The number of destination ports this spec covers, for "narrowest rule" ordering: the range
    /// length for TCP/UDP, 65,536 when ports do not restrict, 1 for a specific ICMP type.
    pub fn span(&self) -> u32 {
        match self {
            PortSpec::All => 65_536,
            PortSpec::Range { from, to } => u32::from(*to).saturating_sub(u32::from(*from)) + 1,
            PortSpec::Icmp {
                icmp_type: None, ..
            } => 65_536,
            PortSpec::Icmp {
                icmp_type: Some(_), ..
            } => 1,
        }
    }
}

/// The other end of a rule.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Peer {
    /// An IPv4 or IPv6 CIDR block.
    Cidr(Cidr),
    /// A referenced security group: its members' private addresses.
    Group {
        /// The referenced group id (`sg-…`).
        group_id: String,
        /// Account owning the referenced group (differs for cross-account references).
        owner_id: Option<String>,
        /// VPC of the referenced group (set for references across a peering connection).
        vpc_id: Option<String>,
        /// The state of the peering connection the reference crosses, when it crosses one
        /// (from the group listing, `describe-stale-security-groups`, or the loaded peering
        /// connections).
        peering_status: Option<PeeringStatus>,
    },
    /// A managed prefix list (`pl-…`): the addresses of its entries.
    PrefixList {
        /// The prefix list id.
        id: String,
    },
}

impl Peer {
    /// A group peer with only its id known.
    pub fn group(group_id: impl Into<String>) -> Peer {
        Peer::Group {
            group_id: group_id.into(),
            owner_id: None,
            vpc_id: None,
            peering_status: None,
        }
    }

    /// `"10.0.0.0/8"`, `"sg-123"` or `"pl-123"`.
    pub fn to_key(&self) -> String {
        match self {
            Peer::Cidr(c) => c.to_string(),
            Peer::Group { group_id, .. } => group_id.clone(),
            Peer::PrefixList { id } => id.clone(),
        }
    }

    /// True for a group reference across a peering connection that is over (deleted, rejected,
    /// failed, expired): such a rule is stale and can never match.
    pub fn is_stale(&self) -> bool {
        matches!(self, Peer::Group { peering_status: Some(s), .. } if s.is_terminal())
    }
}

/// Which kind of input a rule (or group) was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SourceKind {
    /// JSON printed by the AWS CLI (`aws ec2 describe-…`).
    AwsJson,
    /// `terraform show -json` output (state or plan).
    Terraform,
    /// Added through [`crate::InventoryBuilder`] by a program.
    Program,
    /// AWS Config configuration items (`get-resource-config-history`, `select-resource-config`).
    AwsConfig,
}

impl SourceKind {
    /// `"aws-json"`, `"terraform"`, `"program"` or `"aws-config"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            SourceKind::AwsJson => "aws-json",
            SourceKind::Terraform => "terraform",
            SourceKind::Program => "program",
            SourceKind::AwsConfig => "aws-config",
        }
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where one description of a rule came from, so a report can compare AWS with Terraform.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleSource {
    /// The kind of input.
    pub kind: SourceKind,
    /// The file it was read from (as given by the caller, or joined below a given directory).
    pub file: PathBuf,
    /// Where inside the file: a JSON path for AWS JSON (`SecurityGroups[0].IpPermissions[1]
    /// .IpRanges[0]`), the resource address plus attribute path for Terraform
    /// (`module.app.aws_security_group.web.ingress[0].cidr_blocks[1]`).
    pub location: String,
}

impl fmt::Display for RuleSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{} ({})",
            self.file.display(),
            self.location,
            self.kind
        )
    }
}

/// A security group (its rules are in [`crate::Inventory::rules`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecurityGroup {
    /// `sg-…`.
    pub id: String,
    /// Group name (`default` for a VPC's default group); empty when unknown.
    pub name: String,
    /// Group description; empty when unknown.
    pub description: String,
    /// The VPC of the group.
    pub vpc_id: Option<String>,
    /// The owning account.
    pub owner_id: Option<String>,
    /// True for a VPC's default security group.
    pub is_default: bool,
    /// Tags as (key, value), in input order.
    pub tags: Vec<(String, String)>,
}

/// One exploded rule: one group, one direction, one protocol, one port range, one peer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// The `sgr-…` id, or a derived `sgr~…` id (see [`RuleId`]).
    pub id: RuleId,
    /// The group that owns the rule.
    pub group_id: String,
    /// Ingress or egress.
    pub direction: Direction,
    /// The protocol.
    pub protocol: Protocol,
    /// Ports, ICMP type/code, or all.
    pub ports: PortSpec,
    /// The peer.
    pub peer: Peer,
    /// Rule description (first non-empty one among its sources).
    pub description: Option<String>,
    /// Every place that describes this rule (AWS JSON and/or Terraform).
    pub sources: Vec<RuleSource>,
    /// When the rule exists: sorted, disjoint, half-open intervals of unix seconds;
    /// `[Interval::ALWAYS]` without history (empty when the history says it never held).
    pub lifetimes: Vec<Interval>,
}

impl Rule {
    /// A rule with a derived id, no description, no sources, alive at all times. `ports` is not
    /// normalised here; [`crate::InventoryBuilder::add_rule`] does that (and may then change the
    /// derived id).
    pub fn new(
        group_id: impl Into<String>,
        direction: Direction,
        protocol: Protocol,
        ports: PortSpec,
        peer: Peer,
    ) -> Rule {
        let group_id = group_id.into();
        let id = derived_rule_id(&group_id, direction, protocol, ports, &peer);
        Rule {
            id,
            group_id,
            direction,
            protocol,
            ports,
            peer,
            description: None,
            sources: Vec::new(),
            lifetimes: vec![Interval::ALWAYS],
        }
    }

    /// AWS `FromPort`: the first port, the ICMP type, or -1 for all.
    pub fn from_port(&self) -> i32 {
        match self.ports {
            PortSpec::All => -1,
            PortSpec::Range { from, .. } => i32::from(from),
            PortSpec::Icmp { icmp_type, .. } => icmp_type.map_or(-1, i32::from),
        }
    }

    /// AWS `ToPort`: the last port, the ICMP code, or -1 for all.
    pub fn to_port(&self) -> i32 {
        match self.ports {
            PortSpec::All => -1,
            PortSpec::Range { to, .. } => i32::from(to),
            PortSpec::Icmp { code, .. } => code.map_or(-1, i32::from),
        }
    }

    /// The peer as text: `"10.0.0.0/8"`, `"sg-123"` or `"pl-123"`.
    pub fn peer_string(&self) -> String {
        self.peer.to_key()
    }

    /// The normalised tuple that identifies this rule, as text
    /// (`sg-1|ingress|6|22-22|203.0.113.0/24`). Two descriptions of the same rule (AWS JSON and
    /// Terraform, or an IpPermissions entry and a SecurityGroupRules entry) have the same key.
    pub fn key(&self) -> String {
        rule_key(
            &self.group_id,
            self.direction,
            self.protocol,
            self.ports,
            &self.peer,
        )
    }
}

/// The normalised identity tuple of a rule as text.
pub(crate) fn rule_key(
    group_id: &str,
    direction: Direction,
    protocol: Protocol,
    ports: PortSpec,
    peer: &Peer,
) -> String {
    let ports = match ports {
        PortSpec::All => "all".to_owned(),
        PortSpec::Range { from, to } => format!("{from}-{to}"),
        PortSpec::Icmp { icmp_type, code } => {
            let t = icmp_type.map_or("any".to_owned(), |t| t.to_string());
            let c = code.map_or("any".to_owned(), |c| c.to_string());
            format!("icmp:{t}:{c}")
        }
    };
    format!(
        "{group_id}|{}|{}|{ports}|{}",
        direction.as_str(),
        protocol.iana(),
        peer.to_key()
    )
}

/// 64-bit FNV-1a: tiny, stable across platforms and releases (unlike std's hasher).
fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The derived id of a rule tuple: `sgr~` + 16 hex digits of FNV-1a-64 of [`Rule::key`].
pub(crate) fn derived_rule_id(
    group_id: &str,
    direction: Direction,
    protocol: Protocol,
    ports: PortSpec,
    peer: &Peer,
) -> RuleId {
    let key = rule_key(group_id, direction, protocol, ports, peer);
    RuleId(format!("sgr~{:016x}", fnv1a64(key.as_bytes())))
}

/// Brings (protocol, ports) into the canonical form documented on [`PortSpec`].
pub(crate) fn normalize_ports(protocol: Protocol, ports: PortSpec) -> Result<PortSpec, String> {
    match protocol {
        Protocol::All => Ok(PortSpec::All),
        p if p.has_ports() => match ports {
            PortSpec::All => Ok(PortSpec::Range {
                from: 0,
                to: u16::MAX,
            }),
            PortSpec::Range { from, to } if from <= to => Ok(ports),
            PortSpec::Range { from, to } => Err(format!(
                "port range {from}-{to} is empty (FromPort > ToPort)"
            )),
            PortSpec::Icmp { .. } => Err(format!("{} rule with an ICMP type/code", p.name())),
        },
        p if p.is_icmp() => match ports {
            PortSpec::All => Ok(PortSpec::Icmp {
                icmp_type: None,
                code: None,
            }),
            // "All types" makes the code meaningless; AWS requires -1 there anyway.
            PortSpec::Icmp {
                icmp_type: None, ..
            } => Ok(PortSpec::Icmp {
                icmp_type: None,
                code: None,
            }),
            PortSpec::Icmp { .. } => Ok(ports),
            PortSpec::Range { .. } => Err(format!("{} rule with a port range", p.name())),
        },
        _ => Ok(PortSpec::All),
    }
}

/// Canonical (protocol, ports) from AWS-style `FromPort`/`ToPort` integers (absent or -1 = all).
pub(crate) fn ports_from_aws(
    protocol: Protocol,
    from: Option<i64>,
    to: Option<i64>,
) -> Result<PortSpec, String> {
    if protocol.has_ports() {
        let (from, to) = match (from, to) {
            (None | Some(-1), None | Some(-1)) => (0, i64::from(u16::MAX)),
            (Some(f), Some(t)) => (f, t),
            (Some(f), None) => (f, f),
            (None, Some(t)) => (t, t),
        };
        let from16 =
            u16::try_from(from).map_err(|_| format!("FromPort {from} is outside 0-65535"))?;
        let to16 = u16::try_from(to).map_err(|_| format!("ToPort {to} is outside 0-65535"))?;
        normalize_ports(
            protocol,
            PortSpec::Range {
                from: from16,
                to: to16,
            },
        )
    } else if protocol.is_icmp() {
        let conv = |v: Option<i64>, what: &str| -> Result<Option<u8>, String> {
            match v {
                None | Some(-1) => Ok(None),
                Some(n) => u8::try_from(n)
                    .map(Some)
                    .map_err(|_| format!("ICMP {what} {n} is outside 0-255")),
            }
        };
        let icmp_type = conv(from, "type (FromPort)")?;
        let code = conv(to, "code (ToPort)")?;
        normalize_ports(protocol, PortSpec::Icmp { icmp_type, code })
    } else {
        // All protocols, or a protocol without ports: AWS and Terraform write -1/-1, 0/0 or
        // nothing; whatever is written, ports do not filter.
        Ok(PortSpec::All)
    }
}

/// A managed prefix list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrefixList {
    /// `pl-…`.
    pub id: String,
    /// `PrefixListName`; empty when only its entries were loaded.
    pub name: String,
    /// `IPv4` or `IPv6` (empty when unknown).
    pub address_family: String,
    /// The list version described.
    pub version: Option<i64>,
    /// The entries; `None` when no `get-managed-prefix-list-entries` output was loaded for it (a
    /// rule referencing it then never matches and is reported).
    pub entries: Option<Vec<Cidr>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_parses_every_spelling() {
        assert_eq!(Protocol::parse("-1"), Some(Protocol::All));
        assert_eq!(Protocol::parse("all"), Some(Protocol::All));
        assert_eq!(Protocol::parse("TCP"), Some(Protocol::TCP));
        assert_eq!(Protocol::parse("6"), Some(Protocol::TCP));
        assert_eq!(Protocol::parse("icmpv6"), Some(Protocol::ICMPV6));
        assert_eq!(Protocol::parse("58"), Some(Protocol::ICMPV6));
        assert_eq!(Protocol::parse("50"), Some(Protocol::Number(50)));
        for bad in ["", "256", "-2", "esp", "1000", "6 6"] {
            assert_eq!(Protocol::parse(bad), None, "{bad}");
        }
        assert_eq!(Protocol::Number(50).name(), "50");
        assert_eq!(Protocol::All.iana(), -1);
        assert_eq!(Protocol::UDP.name(), "udp");
    }

    #[test]
    fn ports_normalise_every_representation_of_all() {
        // Protocol -1: absent (describe-security-groups), -1/-1 (rules listing), 0/0 (Terraform).
        for (f, t) in [(None, None), (Some(-1), Some(-1)), (Some(0), Some(0))] {
            assert_eq!(ports_from_aws(Protocol::All, f, t), Ok(PortSpec::All));
        }
        assert_eq!(
            ports_from_aws(Protocol::Number(50), Some(0), Some(0)),
            Ok(PortSpec::All)
        );
        assert_eq!(
            ports_from_aws(Protocol::TCP, Some(22), Some(22)),
            Ok(PortSpec::Range { from: 22, to: 22 })
        );
        assert_eq!(
            ports_from_aws(Protocol::TCP, None, None),
            Ok(PortSpec::Range { from: 0, to: 65535 })
        );
        assert_eq!(
            ports_from_aws(Protocol::ICMP, Some(-1), Some(-1)),
            Ok(PortSpec::Icmp {
                icmp_type: None,
                code: None
            })
        );
        assert_eq!(
            ports_from_aws(Protocol::ICMP, Some(-1), Some(4)),
            Ok(PortSpec::Icmp {
                icmp_type: None,
                code: None
            })
        );
        assert_eq!(
            ports_from_aws(Protocol::ICMP, Some(8), Some(-1)),
            Ok(PortSpec::Icmp {
                icmp_type: Some(8),
                code: None
            })
        );
        assert_eq!(
            ports_from_aws(Protocol::ICMPV6, None, None),
            Ok(PortSpec::Icmp {
                icmp_type: None,
                code: None
            })
        );
        assert!(ports_from_aws(Protocol::TCP, Some(80), Some(22)).is_err());
        assert!(ports_from_aws(Protocol::TCP, Some(0), Some(70000)).is_err());
        assert!(ports_from_aws(Protocol::UDP, Some(-5), Some(7)).is_err());
        assert!(ports_from_aws(Protocol::ICMP, Some(300), Some(0)).is_err());
    }

    #[test]
    fn derived_ids_depend_only_on_the_tuple() {
        let peer = Peer::Cidr("203.0.113.0/24".parse().unwrap());
        let r = Rule::new(
            "sg-1",
            Direction::Ingress,
            Protocol::TCP,
            PortSpec::Range { from: 22, to: 22 },
            peer.clone(),
        );
        assert_eq!(r.key(), "sg-1|ingress|6|22-22|203.0.113.0/24");
        assert!(r.id.as_str().starts_with("sgr~"));
        assert_eq!(r.id.as_str().len(), 20);
        assert!(!r.id.is_aws());
        let same = Rule::new(
            "sg-1",
            Direction::Ingress,
            Protocol::TCP,
            PortSpec::Range { from: 22, to: 22 },
            peer.clone(),
        );
        assert_eq!(r.id, same.id);
        let other = Rule::new(
            "sg-1",
            Direction::Egress,
            Protocol::TCP,
            PortSpec::Range { from: 22, to: 22 },
            peer,
        );
        assert_ne!(r.id, other.id);
        // Pinned: a derived id must never change between releases (reports refer to it).
        assert_eq!(
            r.id.as_str(),
            format!(
                "sgr~{:016x}",
                fnv1a64(b"sg-1|ingress|6|22-22|203.0.113.0/24")
            )
        );
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn rule_exposes_aws_port_convention() {
        let mut r = Rule::new(
            "sg-1",
            Direction::Egress,
            Protocol::All,
            PortSpec::All,
            Peer::group("sg-2"),
        );
        assert_eq!((r.from_port(), r.to_port()), (-1, -1));
        assert_eq!(r.peer_string(), "sg-2");
        r.ports = PortSpec::Icmp {
            icmp_type: Some(8),
            code: None,
        };
        assert_eq!((r.from_port(), r.to_port()), (8, -1));
    }

    #[test]
    fn span_orders_ports() {
        assert_eq!(PortSpec::Range { from: 22, to: 22 }.span(), 1);
        assert_eq!(PortSpec::Range { from: 0, to: 65535 }.span(), 65536);
        assert_eq!(PortSpec::All.span(), 65536);
        assert_eq!(
            PortSpec::Icmp {
                icmp_type: None,
                code: None
            }
            .span(),
            65536
        );
    }
}

//! The network around the security groups: VPCs, subnets, VPC peering connections, network ACLs
//! (with their evaluator), and the classes a remote address falls in. Plain data; knows nothing
//! about files or the compiled matcher.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::addr::{Addr, Cidr};
use crate::model::{Direction, Protocol};

/// A VPC and its CIDR blocks (primary and secondary, IPv4 and IPv6).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Vpc {
    /// `vpc-…`.
    pub id: String,
    /// The owning account, when known.
    pub owner_id: Option<String>,
    /// True for the Region's default VPC.
    pub is_default: bool,
    /// Every CIDR block associated with the VPC, sorted.
    pub cidrs: Vec<Cidr>,
}

/// A subnet and its CIDR blocks.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Subnet {
    /// `subnet-…`.
    pub id: String,
    /// The subnet's VPC, when known.
    pub vpc_id: Option<String>,
    /// The subnet's IPv4 block and IPv6 blocks, sorted.
    pub cidrs: Vec<Cidr>,
}

/// The state of a VPC peering connection (`Status.Code`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PeeringStatus {
    /// `initiating-request`.
    InitiatingRequest,
    /// `pending-acceptance`.
    PendingAcceptance,
    /// `provisioning`.
    Provisioning,
    /// `active`: traffic and group references work.
    Active,
    /// `deleting`.
    Deleting,
    /// `deleted`: references through it are stale.
    Deleted,
    /// `rejected`: references through it are stale.
    Rejected,
    /// `failed`: references through it are stale.
    Failed,
    /// `expired`: references through it are stale.
    Expired,
    /// Any other code, as AWS wrote it.
    Other(String),
}

impl PeeringStatus {
    /// The status of an AWS code (any case); unknown codes are kept as [`PeeringStatus::Other`].
    pub fn parse(code: &str) -> PeeringStatus {
        match code.trim().to_ascii_lowercase().as_str() {
            "initiating-request" => PeeringStatus::InitiatingRequest,
            "pending-acceptance" => PeeringStatus::PendingAcceptance,
            "provisioning" => PeeringStatus::Provisioning,
            "active" => PeeringStatus::Active,
            "deleting" => PeeringStatus::Deleting,
            "deleted" => PeeringStatus::Deleted,
            "rejected" => PeeringStatus::Rejected,
            "failed" => PeeringStatus::Failed,
            "expired" => PeeringStatus::Expired,
            _ => PeeringStatus::Other(code.to_owned()),
        }
    }

    /// The AWS code (`"active"`, `"pending-acceptance"`, …).
    pub fn as_str(&self) -> &str {
        match self {
            PeeringStatus::InitiatingRequest => "initiating-request",
            PeeringStatus::PendingAcceptance => "pending-acceptance",
            PeeringStatus::Provisioning => "provisioning",
            PeeringStatus::Active => "active",
            PeeringStatus::Deleting => "deleting",
            PeeringStatus::Deleted => "deleted",
            PeeringStatus::Rejected => "rejected",
            PeeringStatus::Failed => "failed",
            PeeringStatus::Expired => "expired",
            PeeringStatus::Other(s) => s,
        }
    }

    /// True for `active`: traffic flows and group references through it work.
    pub fn is_active(&self) -> bool {
        matches!(self, PeeringStatus::Active)
    }

    /// True for a connection that will never carry traffic again (deleted, rejected, failed,
    /// expired): a group reference through it is stale and never matches.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            PeeringStatus::Deleted
                | PeeringStatus::Rejected
                | PeeringStatus::Failed
                | PeeringStatus::Expired
        )
    }
}

impl fmt::Display for PeeringStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One side of a VPC peering connection.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct PeeringVpc {
    /// The VPC.
    pub vpc_id: Option<String>,
    /// Its account.
    pub owner_id: Option<String>,
    /// Its Region.
    pub region: Option<String>,
    /// The CIDR blocks of that VPC the peering routes (IPv4 and IPv6), sorted.
    pub cidrs: Vec<Cidr>,
}

/// A VPC peering connection (`aws ec2 describe-vpc-peering-connections`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VpcPeering {
    /// `pcx-…`.
    pub id: String,
    /// Its state.
    pub status: PeeringStatus,
    /// The side that asked for the connection.
    pub requester: PeeringVpc,
    /// The side that accepted it.
    pub accepter: PeeringVpc,
}

impl VpcPeering {
    /// The other side's VPC id when `vpc_id` is one side of this connection.
    pub fn other_side(&self, vpc_id: &str) -> Option<&PeeringVpc> {
        if self.requester.vpc_id.as_deref() == Some(vpc_id) {
            Some(&self.accepter)
        } else if self.accepter.vpc_id.as_deref() == Some(vpc_id) {
            Some(&self.requester)
        } else {
            None
        }
    }
}

/// Allow or deny, the action of a network ACL entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NaclAction {
    /// `allow`.
    Allow,
    /// `deny`.
    Deny,
}

/// One entry of a network ACL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NaclEntry {
    /// Evaluation order: lowest first. The catch-all `*` entries AWS lists are 32767 (IPv4) and
    /// 32768 (IPv6).
    pub rule_number: u16,
    /// Ingress (inbound entries) or egress (outbound entries).
    pub direction: Direction,
    /// The protocol (`-1` = all).
    pub protocol: Protocol,
    /// Allow or deny.
    pub action: NaclAction,
    /// The remote block: the source of inbound packets, the destination of outbound ones.
    pub cidr: Cidr,
    /// Destination ports for TCP and UDP (inclusive); `None` = all.
    pub ports: Option<(u16, u16)>,
    /// ICMP type for ICMP entries (`None` = all types).
    pub icmp_type: Option<u8>,
    /// ICMP code for ICMP entries (`None` = all codes).
    pub icmp_code: Option<u8>,
}

impl NaclEntry {
    /// True when the entry matches a packet of this direction, protocol, destination port and
    /// remote address, ICMP type aside (see [`NaclDecision::icmp_type_dependent`]).
    fn matches(&self, direction: Direction, protocol: u8, port: u16, remote: Addr) -> bool {
        if self.direction != direction || !self.cidr.contains(remote) {
            return false;
        }
        match self.protocol {
            Protocol::All => true,
            Protocol::Number(p) if p != protocol => false,
            Protocol::Number(6 | 17) => self
                .ports
                .is_none_or(|(from, to)| (from..=to).contains(&port)),
            Protocol::Number(_) => true,
        }
    }

    /// True for an ICMP entry for one type: flow logs carry no ICMP type, so whether it matches
    /// a record cannot be told.
    pub fn is_icmp_type_specific(&self) -> bool {
        self.protocol.is_icmp() && self.icmp_type.is_some()
    }
}

/// What a network ACL decides for a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NaclDecision<'a> {
    /// The first matching entry (lowest rule number), or `None` when none matched and the
    /// implicit `*` deny applies.
    pub entry: Option<&'a NaclEntry>,
    /// True when an ICMP entry for one type came before `entry` and matched everything else:
    /// flow logs carry no ICMP type, so that entry may have decided instead.
    pub icmp_type_dependent: bool,
}

impl NaclDecision<'_> {
    /// The action taken: the entry's, or deny.
    pub fn action(&self) -> NaclAction {
        self.entry.map_or(NaclAction::Deny, |e| e.action)
    }

    /// True when the packet is allowed.
    pub fn allows(&self) -> bool {
        self.action() == NaclAction::Allow
    }
}

/// A network ACL (`aws ec2 describe-network-acls`): stateless, one per subnet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkAcl {
    /// `acl-…`.
    pub id: String,
    /// Its VPC.
    pub vpc_id: Option<String>,
    /// True for the VPC's default ACL (it holds every subnet not associated with another).
    pub is_default: bool,
    /// The subnets associated with it, sorted.
    pub subnet_ids: Vec<String>,
    /// Every entry, both directions, sorted by (direction, rule number).
    pub entries: Vec<NaclEntry>,
}

impl NetworkAcl {
    /// The decision for one packet crossing the subnet boundary in `direction` (ingress: the
    /// packet enters the subnet and `remote` is its source; egress: it leaves and `remote` is its
    /// destination), of IANA `protocol`, to destination `port` (compared for TCP and UDP only;
    /// for a reply that is the client's port). Entries are evaluated lowest rule number first and
    /// the first match decides; none matching is the implicit deny.
    ///
    /// ```
    /// use flowsieve_sg::{Addr, Direction, InventoryBuilder, NaclAction};
    /// let mut b = InventoryBuilder::new();
    /// b.add_json("acl.json", br#"{"NetworkAcls": [{"NetworkAclId": "acl-1", "VpcId": "vpc-1",
    ///   "IsDefault": false, "Associations": [{"SubnetId": "subnet-1"}], "Entries": [
    ///   {"RuleNumber": 100, "Egress": false, "Protocol": "6", "RuleAction": "deny",
    ///    "CidrBlock": "203.0.113.0/24", "PortRange": {"From": 22, "To": 22}},
    ///   {"RuleNumber": 200, "Egress": false, "Protocol": "-1", "RuleAction": "allow",
    ///    "CidrBlock": "0.0.0.0/0"}]}]}"#)?;
    /// let inv = b.build();
    /// let acl = inv.network_acl_of_subnet("subnet-1").unwrap();
    /// let ssh = acl.evaluate(Direction::Ingress, 6, 22, Addr::from_ip("203.0.113.9".parse().unwrap()));
    /// assert_eq!((ssh.action(), ssh.entry.map(|e| e.rule_number)), (NaclAction::Deny, Some(100)));
    /// let out = acl.evaluate(Direction::Egress, 6, 443, Addr::from_ip("8.8.8.8".parse().unwrap()));
    /// assert!(!out.allows() && out.entry.is_none()); // no outbound entry: the implicit deny
    /// # Ok::<(), flowsieve_sg::Error>(())
    /// ```
    pub fn evaluate(
        &self,
        direction: Direction,
        protocol: u8,
        port: u16,
        remote: Addr,
    ) -> NaclDecision<'_> {
        let mut icmp_type_dependent = false;
        for e in &self.entries {
            if !e.matches(direction, protocol, port, remote) {
                continue;
            }
            if e.is_icmp_type_specific() {
                icmp_type_dependent = true;
                continue;
            }
            return NaclDecision {
                entry: Some(e),
                icmp_type_dependent,
            };
        }
        NaclDecision {
            entry: None,
            icmp_type_dependent,
        }
    }
}

/// Where a remote address lies, seen from the VPC of the ENI that recorded it (the report's
/// `peer_class`, serialised `snake_case`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeerClass {
    /// The recording ENI's VPC: an address of a known ENI there, or inside that VPC's CIDRs.
    Internal,
    /// A CIDR (or known ENI) of a VPC peered with it by an active peering connection.
    Peered,
    /// Inside a range the user named as on-premises (`InventoryBuilder::add_internal_cidr`).
    OnPrem,
    /// A private address (RFC 1918, RFC 6598, IPv6 ULA fc00::/7) outside the VPC and its peers:
    /// on-premises over VPN or Direct Connect, a transit gateway, a VPC not loaded or not peered.
    PrivateExternal,
    /// Everything else: the internet.
    External,
}

impl PeerClass {
    /// `"internal"`, `"peered"`, `"on_prem"`, `"private_external"` or `"external"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            PeerClass::Internal => "internal",
            PeerClass::Peered => "peered",
            PeerClass::OnPrem => "on_prem",
            PeerClass::PrivateExternal => "private_external",
            PeerClass::External => "external",
        }
    }
}

impl fmt::Display for PeerClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The private ranges: RFC 1918 (10/8, 172.16/12, 192.168/16), RFC 6598 shared address space
/// (100.64/10) and IPv6 unique local addresses (fc00::/7).
pub(crate) fn is_private(a: Addr) -> bool {
    if a.is_ipv4() {
        let v = a.0 as u32;
        v >> 24 == 10 || v >> 20 == 0xac1 || v >> 16 == 0xc0a8 || v >> 22 == (100 << 2 | 1)
    } else {
        a.0 >> 121 == 0x7e
    }
}

/// The ACL of a subnet: the one associated with it, else the default ACL of its VPC.
pub(crate) fn nacl_of_subnet(acls: &[NetworkAcl], subnet: &str, vpc: Option<&str>) -> Option<u32> {
    let explicit = acls.iter().position(|a| {
        a.subnet_ids
            .binary_search_by(|s| s.as_str().cmp(subnet))
            .is_ok()
    });
    explicit
        .or_else(|| {
            acls.iter()
                .position(|a| a.is_default && vpc.is_some() && a.vpc_id.as_deref() == vpc)
        })
        .map(|i| i as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> Addr {
        Addr::from_ip(s.parse().unwrap())
    }

    #[test]
    fn private_ranges() {
        for p in [
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "100.64.0.1",
            "100.127.255.255",
            "fc00::1",
            "fd12:3456::1",
            "::ffff:10.0.0.1", // IPv4-mapped: the IPv4 address 10.0.0.1
        ] {
            assert!(is_private(a(p)), "{p}");
        }
        for p in [
            "172.32.0.1",
            "100.128.0.1",
            "100.63.255.255",
            "8.8.8.8",
            "192.169.0.1",
            "fe80::1",
            "2001:db8::1",
        ] {
            assert!(!is_private(a(p)), "{p}");
        }
    }

    #[test]
    fn peering_status_codes() {
        for code in [
            "initiating-request",
            "pending-acceptance",
            "provisioning",
            "active",
            "deleting",
            "deleted",
            "rejected",
            "failed",
            "expired",
            "something-new",
        ] {
            assert_eq!(PeeringStatus::parse(code).as_str(), code);
        }
        assert_eq!(PeeringStatus::parse("Deleted"), PeeringStatus::Deleted);
        assert!(PeeringStatus::Rejected.is_terminal() && !PeeringStatus::Active.is_terminal());
        assert!(!PeeringStatus::PendingAcceptance.is_terminal());
    }

    fn entry(n: u16, dir: Direction, proto: Protocol, action: NaclAction, cidr: &str) -> NaclEntry {
        NaclEntry {
            rule_number: n,
            direction: dir,
            protocol: proto,
            action,
            cidr: cidr.parse().unwrap(),
            ports: None,
            icmp_type: None,
            icmp_code: None,
        }
    }

    #[test]
    fn nacl_first_match_wins_and_the_star_denies() {
        let mut ssh = entry(
            100,
            Direction::Ingress,
            Protocol::TCP,
            NaclAction::Deny,
            "203.0.113.0/24",
        );
        ssh.ports = Some((22, 22));
        let mut ping = entry(
            110,
            Direction::Ingress,
            Protocol::ICMP,
            NaclAction::Allow,
            "0.0.0.0/0",
        );
        ping.icmp_type = Some(8);
        let acl = NetworkAcl {
            id: "acl-1".into(),
            vpc_id: None,
            is_default: false,
            subnet_ids: vec![],
            entries: vec![
                ssh,
                ping,
                entry(
                    120,
                    Direction::Ingress,
                    Protocol::All,
                    NaclAction::Allow,
                    "0.0.0.0/0",
                ),
                entry(
                    32767,
                    Direction::Ingress,
                    Protocol::All,
                    NaclAction::Deny,
                    "0.0.0.0/0",
                ),
                entry(
                    32768,
                    Direction::Ingress,
                    Protocol::All,
                    NaclAction::Deny,
                    "::/0",
                ),
            ],
        };
        let d = acl.evaluate(Direction::Ingress, 6, 22, a("203.0.113.7"));
        assert_eq!(
            (d.action(), d.entry.unwrap().rule_number),
            (NaclAction::Deny, 100)
        );
        let d = acl.evaluate(Direction::Ingress, 6, 23, a("203.0.113.7"));
        assert_eq!(d.entry.unwrap().rule_number, 120);
        let d = acl.evaluate(Direction::Ingress, 1, 0, a("198.51.100.1"));
        assert!(d.icmp_type_dependent && d.allows());
        let d = acl.evaluate(Direction::Ingress, 6, 443, a("2001:db8::1"));
        assert_eq!(
            (d.action(), d.entry.unwrap().rule_number),
            (NaclAction::Deny, 32768)
        );
        let d = acl.evaluate(Direction::Egress, 6, 443, a("8.8.8.8"));
        assert!(d.entry.is_none() && !d.allows() && !d.icmp_type_dependent);
    }
}

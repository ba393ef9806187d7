//! The declarative description of a small account: VPCs, subnets, network ACLs, security groups
//! and rules (with creation and deletion times), ENIs with kinds and lifetimes (and group
//! changes), flow logs, load balancers, traffic, and the hand-labelled expectations (rule
//! verdicts, hotspot causes). A scenario file builds one [`Account`] with the methods here; the
//! simulator (`sim.rs`) plays it as AWS would.
//!
//! Knows nothing about how records are rendered or files written. Times are seconds from the
//! start of the analysis window.

use serde::Serialize;

use crate::addr::{Addr, Cidr};
use crate::rng::hash;

/// IANA protocol numbers the scenarios use (`-1` is "all" in rules).
pub(crate) const ALL: i16 = -1;
pub(crate) const TCP: u8 = 6;
pub(crate) const UDP: u8 = 17;
pub(crate) const ICMP: u8 = 1;

/// Verdict of a rule (VOCAB.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Status {
    Used,
    Unused,
    Unknown,
}

/// Reason codes of an `unknown` verdict (VOCAB.md; the JSON names are contracts). The whole
/// vocabulary is here; the scenarios use the codes their stories need and testdata/cases the rest.
#[allow(dead_code)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Reason {
    NoAttributedRecords,
    UnattributableRecords,
    NoCarrierEnis,
    NoLogsForGroup,
    PartialCoverage,
    Skipdata,
    RejectOnlyCapture,
    UnresolvedPeer,
    PeerMembershipIncomplete,
    UnknownEniTraffic,
    IcmpTypeNotLogged,
    WeakOrientation,
    NlbClientIpPreservation,
    UnloggedPath,
    UntrackedFlowDependency,
}

/// Class of a remote address (VOCAB.md).
#[allow(dead_code)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum PeerClass {
    Internal,
    Peered,
    OnPrem,
    PrivateExternal,
    External,
}

/// Likely cause of a REJECT hotspot (VOCAB.md).
#[allow(dead_code)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum LikelyCause {
    MissingRule,
    Nacl,
    NaclOrStaleInventory,
    UnsolicitedExternal,
    Scan,
}

/// The verdict a correct engine gives a rule, hand-labelled by reasoning about what the logs can
/// prove.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Expect {
    pub(crate) status: Status,
    pub(crate) reasons: Vec<Reason>,
}

impl Expect {
    pub(crate) fn used() -> Expect {
        Expect {
            status: Status::Used,
            reasons: Vec::new(),
        }
    }

    pub(crate) fn unused() -> Expect {
        Expect {
            status: Status::Unused,
            reasons: Vec::new(),
        }
    }

    pub(crate) fn unknown(reasons: &[Reason]) -> Expect {
        let mut reasons = reasons.to_vec();
        reasons.sort();
        reasons.dedup();
        Expect {
            status: Status::Unknown,
            reasons,
        }
    }
}

macro_rules! index_type {
    ($($name:ident),*) => {$(
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub(crate) struct $name(pub(crate) usize);
    )*};
}
index_type!(
    VpcIdx, SubnetIdx, NaclIdx, GroupIdx, RuleIdx, EniIdx, FlowLogIdx, PeeringIdx, LbIdx
);

/// A VPC. `loaded: false` ones exist (their addresses send traffic) but are not in the inventory.
pub(crate) struct Vpc {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) cidr: Cidr,
    pub(crate) loaded: bool,
}

/// A subnet and the network ACL associated with it (`None`: the VPC's default, allow all).
pub(crate) struct Subnet {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) vpc: VpcIdx,
    pub(crate) cidr: Cidr,
    pub(crate) nacl: Option<NaclIdx>,
    /// Next host offset handed out by [`Account::eni`].
    pub(crate) next_host: u32,
}

/// One network ACL entry. `ports` `None` means all (protocol -1, or ICMP).
#[derive(Clone, Debug)]
pub(crate) struct NaclEntry {
    pub(crate) number: u16,
    pub(crate) egress: bool,
    pub(crate) protocol: i16,
    pub(crate) allow: bool,
    pub(crate) cidr: Cidr,
    pub(crate) ports: Option<(u16, u16)>,
}

/// A custom network ACL (entries besides the implicit final deny).
pub(crate) struct Nacl {
    pub(crate) id: String,
    pub(crate) vpc: VpcIdx,
    pub(crate) entries: Vec<NaclEntry>,
}

/// A security group. `loaded: false`: referenced but absent from the inventory (another
/// account's group).
pub(crate) struct Group {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) vpc: VpcIdx,
    pub(crate) owner: String,
    pub(crate) loaded: bool,
}

/// A VPC peering connection.
pub(crate) struct Peering {
    pub(crate) id: String,
    pub(crate) requester: VpcIdx,
    pub(crate) accepter: VpcIdx,
    /// `active`, `deleted`, …: what `describe-vpc-peering-connections` prints.
    pub(crate) status: &'static str,
}

/// The peer of a rule.
#[derive(Clone, Debug)]
pub(crate) enum Peer {
    Cidr(Cidr),
    Group {
        group: GroupIdx,
        peering: Option<PeeringIdx>,
    },
}

/// A rule of a group, with its lifetime inside the window and its expected verdict.
pub(crate) struct Rule {
    pub(crate) id: String,
    pub(crate) group: GroupIdx,
    pub(crate) egress: bool,
    pub(crate) protocol: i16,
    /// First port / ICMP type (-1 all).
    pub(crate) from: i32,
    /// Last port / ICMP code (-1 all).
    pub(crate) to: i32,
    pub(crate) peer: Peer,
    pub(crate) created: Option<u64>,
    pub(crate) deleted: Option<u64>,
    pub(crate) expect: Expect,
    pub(crate) note: String,
}

impl Rule {
    pub(crate) fn active_at(&self, t: u64) -> bool {
        self.created.is_none_or(|c| c <= t) && self.deleted.is_none_or(|d| t < d)
    }
}

/// Operating system of an instance, for its client ports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Os {
    Linux,
    Windows,
}

/// What an ENI is: decides its description, interface type, client ports and whether its
/// connections are always tracked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EniKind {
    Instance(Os),
    /// An ECS task with awsvpc networking (Fargate or EC2).
    EcsTask,
    /// An ECS container instance (bridge networking, dynamic host ports).
    EcsContainerInstance,
    Alb,
    Nlb(LbIdx),
    NatGateway,
    Lambda,
    Efs,
    Rds,
    VpcEndpoint,
}

impl EniKind {
    /// AWS's name of the kind in `truth.json` (and our `InterfaceType`-like label).
    pub(crate) fn name(self) -> &'static str {
        match self {
            EniKind::Instance(Os::Linux) => "instance_linux",
            EniKind::Instance(Os::Windows) => "instance_windows",
            EniKind::EcsTask => "ecs_task",
            EniKind::EcsContainerInstance => "ecs_container_instance",
            EniKind::Alb => "alb",
            EniKind::Nlb(_) => "nlb",
            EniKind::NatGateway => "nat_gateway",
            EniKind::Lambda => "lambda",
            EniKind::Efs => "efs",
            EniKind::Rds => "rds",
            EniKind::VpcEndpoint => "vpc_endpoint",
        }
    }

    /// The client (ephemeral) port range the kind's connections leave from.
    pub(crate) fn client_ports(self) -> (u16, u16) {
        match self {
            EniKind::Instance(Os::Windows) => (49152, 65535),
            EniKind::Alb
            | EniKind::Nlb(_)
            | EniKind::NatGateway
            | EniKind::Lambda
            | EniKind::VpcEndpoint => (1024, 65535),
            _ => (32768, 60999),
        }
    }

    /// Whether the ENI carries security groups at all.
    pub(crate) fn has_groups(self) -> bool {
        !matches!(self, EniKind::NatGateway)
    }

    /// Flows through these are always tracked (EC2 User Guide, connection tracking).
    pub(crate) fn always_tracked(self) -> bool {
        matches!(self, EniKind::Nlb(_) | EniKind::NatGateway)
    }
}

/// The groups an ENI carries from `from` on.
#[derive(Clone, Debug)]
pub(crate) struct EniVersion {
    pub(crate) from: u64,
    pub(crate) groups: Vec<GroupIdx>,
}

/// A network interface: born at its first version, deleted at `deleted` (`None`: alive after
/// the window).
pub(crate) struct Eni {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) kind: EniKind,
    pub(crate) subnet: SubnetIdx,
    pub(crate) addrs: Vec<Addr>,
    pub(crate) versions: Vec<EniVersion>,
    pub(crate) deleted: Option<u64>,
}

impl Eni {
    pub(crate) fn born(&self) -> u64 {
        self.versions.first().map_or(0, |v| v.from)
    }

    pub(crate) fn alive_at(&self, t: u64) -> bool {
        self.born() <= t && self.deleted.is_none_or(|d| t < d)
    }

    /// Whether the ENI exists at some time of `[from, until)`.
    pub(crate) fn alive_during(&self, from: u64, until: u64) -> bool {
        self.born() < until && self.deleted.is_none_or(|d| from < d)
    }

    /// The groups at `t` (empty when not alive).
    pub(crate) fn groups_at(&self, t: u64) -> &[GroupIdx] {
        if !self.alive_at(t) {
            return &[];
        }
        self.versions
            .iter()
            .rev()
            .find(|v| v.from <= t)
            .map_or(&[], |v| &v.groups)
    }

    pub(crate) fn primary(&self) -> Addr {
        self.addrs[0]
    }
}

/// What a flow log is attached to.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Resource {
    Vpc(VpcIdx),
    Subnet(SubnetIdx),
    Eni(EniIdx),
}

/// `TrafficType` of a flow log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TrafficType {
    Accept,
    Reject,
    All,
}

impl TrafficType {
    pub(crate) fn aws_name(self) -> &'static str {
        match self {
            TrafficType::Accept => "ACCEPT",
            TrafficType::Reject => "REJECT",
            TrafficType::All => "ALL",
        }
    }

    pub(crate) fn captures(self, accept: bool) -> bool {
        match self {
            TrafficType::Accept => accept,
            TrafficType::Reject => !accept,
            TrafficType::All => true,
        }
    }
}

/// The record formats the scenarios write (fields in `logs.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    /// The default v2 format: no tcp-flags, no pkt-* addresses.
    Default,
    /// AWS's tcp-flags example (v3): vpc-id, subnet-id, instance-id, tcp-flags, pkt-*.
    Flags,
    /// A v5 custom format: everything of `Flags` plus flow-direction and traffic-path.
    Full,
    /// A v3 custom format without tcp-flags but with vpc-id and pkt-* addresses (NAT gateways).
    PktNoFlags,
}

/// A flow log: which ENIs it records, what, in which format, from when to when.
pub(crate) struct FlowLog {
    pub(crate) id: String,
    pub(crate) resource: Resource,
    pub(crate) traffic: TrafficType,
    pub(crate) format: Format,
    pub(crate) interval: u64,
    pub(crate) from: u64,
    pub(crate) until: Option<u64>,
}

/// A Network Load Balancer with security groups.
pub(crate) struct LoadBalancer {
    pub(crate) name: String,
    pub(crate) lb_id: String,
    pub(crate) groups: Vec<GroupIdx>,
    pub(crate) target_port: u16,
    pub(crate) preserve_client_ip: bool,
    pub(crate) targets: Vec<EniIdx>,
    pub(crate) enis: Vec<EniIdx>,
    pub(crate) vpc: VpcIdx,
}

/// One side of a connection.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Ep {
    /// An ENI of the account (its primary address).
    Eni(EniIdx),
    /// An address without an ENI of ours: the internet, on-prem, an unloaded VPC.
    Addr(Addr),
}

/// Where a client's source port comes from.
#[derive(Clone, Copy, Debug)]
pub(crate) enum ClientPort {
    /// The client's kind (Linux 32768–60999, Windows 49152–65535, services 1024–65535);
    /// 32768–60999 for an address endpoint.
    Auto,
    Range(u16, u16),
}

/// How packets get from the client to the server.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Via {
    Direct,
    /// Through a NAT gateway ENI to an internet server.
    Nat(EniIdx),
    /// Through one ENI of a Network Load Balancer to a target (the `server`), which listens on the
    /// load balancer's target port.
    Nlb(EniIdx),
}

/// One connection (or, for ICMP, one echo exchange; for a refused attempt, its retries).
#[derive(Clone, Debug)]
pub(crate) struct Conn {
    pub(crate) client: Ep,
    pub(crate) server: Ep,
    pub(crate) protocol: u8,
    /// Destination port (0 for ICMP).
    pub(crate) port: u16,
    pub(crate) client_port: ClientPort,
    /// ICMP (type, code) of the request.
    pub(crate) icmp: Option<(u8, u8)>,
    pub(crate) start: u64,
    pub(crate) duration: u64,
    /// Packets in each direction over the whole connection (at least one per window it spans).
    pub(crate) packets: (u64, u64),
    pub(crate) via: Via,
}

impl Conn {
    /// A TCP connection of `duration` seconds with a few packets each way.
    pub(crate) fn tcp(client: Ep, server: Ep, port: u16, start: u64, duration: u64) -> Conn {
        Conn {
            client,
            server,
            protocol: TCP,
            port,
            client_port: ClientPort::Auto,
            icmp: None,
            start,
            duration,
            packets: (12, 10),
            via: Via::Direct,
        }
    }

    /// A UDP exchange.
    pub(crate) fn udp(client: Ep, server: Ep, port: u16, start: u64) -> Conn {
        Conn {
            protocol: UDP,
            packets: (1, 1),
            ..Conn::tcp(client, server, port, start, 1)
        }
    }

    /// An ICMP echo request and its reply.
    pub(crate) fn ping(client: Ep, server: Ep, start: u64) -> Conn {
        Conn {
            protocol: ICMP,
            port: 0,
            icmp: Some((8, 0)),
            packets: (4, 4),
            ..Conn::tcp(client, server, 0, start, 4)
        }
    }

    pub(crate) fn client_ports(mut self, lo: u16, hi: u16) -> Conn {
        self.client_port = ClientPort::Range(lo, hi);
        self
    }

    pub(crate) fn via(mut self, via: Via) -> Conn {
        self.via = via;
        self
    }

    pub(crate) fn packets(mut self, forward: u64, reverse: u64) -> Conn {
        self.packets = (forward, reverse);
        self
    }

    pub(crate) fn end(&self) -> u64 {
        self.start + self.duration
    }
}

/// How the inventory is handed to the analysis.
#[derive(Clone, Debug)]
pub(crate) enum InventoryForm {
    /// One snapshot taken at the end of the window (`inventory/`).
    EndSnapshot,
    /// Dated snapshots at these times (`inventory/<RFC3339>/`).
    Snapshots(Vec<u64>),
    /// The end-of-window snapshot plus AWS Config history of ENIs and groups (`config/`).
    ConfigHistory,
}

/// Optional AWS JSON written beside the inventory (`aws/`).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Extras {
    pub(crate) flow_logs: bool,
    pub(crate) peerings: bool,
    pub(crate) nacls: bool,
    pub(crate) load_balancers: bool,
}

/// A REJECT hotspot a correct engine reports, keyed by the target ENIs' groups, port and
/// protocol, with the cause and (for a missing rule) the narrowest rule that fixes it.
pub(crate) struct HotspotExpect {
    pub(crate) target_groups: Vec<GroupIdx>,
    pub(crate) port: u16,
    pub(crate) protocol: u8,
    pub(crate) peer_class: PeerClass,
    pub(crate) cause: LikelyCause,
    pub(crate) suggestion: Option<Suggestion>,
    pub(crate) note: String,
}

/// A rule to add: `protocol port from peer on group` (ingress).
pub(crate) struct Suggestion {
    pub(crate) group: GroupIdx,
    pub(crate) protocol: u8,
    pub(crate) port: u16,
    pub(crate) peer: Peer,
}

/// A whole scenario account.
pub(crate) struct Account {
    pub(crate) name: &'static str,
    pub(crate) seed: u64,
    pub(crate) account: String,
    pub(crate) duration: u64,
    pub(crate) vpcs: Vec<Vpc>,
    pub(crate) subnets: Vec<Subnet>,
    pub(crate) nacls: Vec<Nacl>,
    pub(crate) groups: Vec<Group>,
    pub(crate) rules: Vec<Rule>,
    pub(crate) peerings: Vec<Peering>,
    pub(crate) enis: Vec<Eni>,
    pub(crate) flow_logs: Vec<FlowLog>,
    pub(crate) lbs: Vec<LoadBalancer>,
    pub(crate) conns: Vec<Conn>,
    /// (flow log, ENI, window start offset): AWS dropped that window's records.
    pub(crate) skipdata: Vec<(FlowLogIdx, EniIdx, u64)>,
    pub(crate) inventory: InventoryForm,
    pub(crate) extras: Extras,
    /// `--internal-cidr` ranges the analysis is given.
    pub(crate) internal_cidrs: Vec<Cidr>,
    /// Whether every flag-less record's server side can be learned from the archive (assert
    /// orientation accuracy ≥ 99 % on flag-less flow logs).
    pub(crate) listener_learnable: bool,
    pub(crate) hotspots: Vec<HotspotExpect>,
}

/// Parses `a.b.c.d/len` (scenario literals; a typo is a programming error caught by the
/// generation test of every scenario).
pub(crate) fn cidr(text: &str) -> Cidr {
    let (a, len) = text.split_once('/').unwrap_or((text, "32"));
    let o = ip(a);
    Cidr::v4(o.v4_value().to_be_bytes(), len.parse().unwrap_or(32))
}

/// Parses `a.b.c.d` (0.0.0.0 on a typo, which the scenario tests would catch).
pub(crate) fn ip(text: &str) -> Addr {
    let v: std::net::Ipv4Addr = text.parse().unwrap_or(std::net::Ipv4Addr::UNSPECIFIED);
    Addr::v4(v.octets())
}

impl Account {
    pub(crate) fn new(name: &'static str, seed: u64) -> Account {
        Account {
            name,
            seed,
            account: "111122223333".into(),
            duration: 7200,
            vpcs: Vec::new(),
            subnets: Vec::new(),
            nacls: Vec::new(),
            groups: Vec::new(),
            rules: Vec::new(),
            peerings: Vec::new(),
            enis: Vec::new(),
            flow_logs: Vec::new(),
            lbs: Vec::new(),
            conns: Vec::new(),
            skipdata: Vec::new(),
            inventory: InventoryForm::EndSnapshot,
            extras: Extras::default(),
            internal_cidrs: Vec::new(),
            listener_learnable: false,
            hotspots: Vec::new(),
        }
    }

    /// `prefix-` followed by `n` hex digits derived from the scenario name and `key` (ids do not
    /// depend on the seed, so the expectations are the same for every seed).
    pub(crate) fn make_id(&self, prefix: &str, key: &str, n: usize) -> String {
        let mut words = vec![0x5CE7_A810_u64];
        words.extend(self.name.bytes().map(u64::from));
        words.push(0xFF);
        words.extend(prefix.bytes().map(u64::from));
        words.extend(key.bytes().map(u64::from));
        let mut h = hash(&words);
        let mut out = String::with_capacity(prefix.len() + 1 + n);
        out.push_str(prefix);
        out.push('-');
        for i in 0..n {
            if i > 0 && i % 16 == 0 {
                h = hash(&[h, i as u64]);
            }
            let digit = ((h >> ((i % 16) * 4)) & 0xF) as u32;
            out.push(char::from_digit(digit, 16).unwrap_or('0'));
        }
        out
    }

    pub(crate) fn vpc(&mut self, name: &str, cidr_text: &str) -> VpcIdx {
        let id = self.make_id("vpc", name, 17);
        self.vpcs.push(Vpc {
            id,
            name: name.into(),
            cidr: cidr(cidr_text),
            loaded: true,
        });
        VpcIdx(self.vpcs.len() - 1)
    }

    pub(crate) fn subnet(&mut self, vpc: VpcIdx, name: &str, cidr_text: &str) -> SubnetIdx {
        let id = self.make_id("subnet", name, 17);
        self.subnets.push(Subnet {
            id,
            name: name.into(),
            vpc,
            cidr: cidr(cidr_text),
            nacl: None,
            next_host: 10,
        });
        SubnetIdx(self.subnets.len() - 1)
    }

    /// A custom network ACL for these subnets.
    pub(crate) fn nacl(&mut self, subnets: &[SubnetIdx], entries: Vec<NaclEntry>) -> NaclIdx {
        let vpc = self.subnets[subnets[0].0].vpc;
        let id = self.make_id("acl", &format!("{}", self.nacls.len()), 17);
        self.nacls.push(Nacl { id, vpc, entries });
        let idx = NaclIdx(self.nacls.len() - 1);
        for s in subnets {
            self.subnets[s.0].nacl = Some(idx);
        }
        idx
    }

    pub(crate) fn group(&mut self, vpc: VpcIdx, name: &str) -> GroupIdx {
        let id = self.make_id("sg", name, 17);
        let owner = self.account.clone();
        self.groups.push(Group {
            id,
            name: name.into(),
            vpc,
            owner,
            loaded: true,
        });
        GroupIdx(self.groups.len() - 1)
    }

    /// A group of another account: referenced by rules, absent from the inventory.
    pub(crate) fn foreign_group(&mut self, vpc: VpcIdx, name: &str, owner: &str) -> GroupIdx {
        let g = self.group(vpc, name);
        self.groups[g.0].owner = owner.into();
        self.groups[g.0].loaded = false;
        g
    }

    pub(crate) fn peering(&mut self, a: VpcIdx, b: VpcIdx, status: &'static str) -> PeeringIdx {
        let id = self.make_id("pcx", &format!("{}-{}", a.0, b.0), 17);
        self.peerings.push(Peering {
            id,
            requester: a,
            accepter: b,
            status,
        });
        PeeringIdx(self.peerings.len() - 1)
    }

    /// A rule with its expected verdict; `note` says why that verdict.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn rule(
        &mut self,
        group: GroupIdx,
        egress: bool,
        protocol: i16,
        ports: (i32, i32),
        peer: Peer,
        expect: Expect,
        note: &str,
    ) -> RuleIdx {
        let key = format!("{}-{}", self.groups[group.0].name, self.rules.len());
        let id = self.make_id("sgr", &key, 17);
        self.rules.push(Rule {
            id,
            group,
            egress,
            protocol,
            from: ports.0,
            to: ports.1,
            peer,
            created: None,
            deleted: None,
            expect,
            note: note.into(),
        });
        RuleIdx(self.rules.len() - 1)
    }

    /// Ingress TCP on one port.
    pub(crate) fn tcp_in(
        &mut self,
        group: GroupIdx,
        port: u16,
        peer: Peer,
        expect: Expect,
        note: &str,
    ) -> RuleIdx {
        let p = i32::from(port);
        self.rule(group, false, i16::from(TCP), (p, p), peer, expect, note)
    }

    /// Egress to everything (all protocols, 0.0.0.0/0), as AWS creates it.
    pub(crate) fn egress_all(&mut self, group: GroupIdx, expect: Expect, note: &str) -> RuleIdx {
        self.rule(group, true, ALL, (-1, -1), any(), expect, note)
    }

    /// An ENI with `kind` in `subnet`, carrying `groups` for the whole window; its address is
    /// the subnet's next free host (or `addr` when given).
    pub(crate) fn eni(
        &mut self,
        name: &str,
        kind: EniKind,
        subnet: SubnetIdx,
        groups: &[GroupIdx],
    ) -> EniIdx {
        let s = &mut self.subnets[subnet.0];
        let addr = s.cidr.nth(u128::from(s.next_host));
        s.next_host += 1;
        let id = self.make_id("eni", name, 17);
        self.enis.push(Eni {
            id,
            name: name.into(),
            kind,
            subnet,
            addrs: vec![addr],
            versions: vec![EniVersion {
                from: 0,
                groups: groups.to_vec(),
            }],
            deleted: None,
        });
        EniIdx(self.enis.len() - 1)
    }

    /// `n` ENIs named `prefix-0`, `prefix-1`, … alike.
    pub(crate) fn enis(
        &mut self,
        prefix: &str,
        n: usize,
        kind: EniKind,
        subnet: SubnetIdx,
        groups: &[GroupIdx],
    ) -> Vec<EniIdx> {
        (0..n)
            .map(|k| self.eni(&format!("{prefix}-{k}"), kind, subnet, groups))
            .collect()
    }

    /// Sets an ENI's address explicitly (overlapping VPCs).
    pub(crate) fn set_addr(&mut self, eni: EniIdx, text: &str) {
        self.enis[eni.0].addrs = vec![ip(text)];
    }

    /// The ENI exists during `[born, deleted)` only.
    pub(crate) fn lifetime(&mut self, eni: EniIdx, born: u64, deleted: Option<u64>) {
        let e = &mut self.enis[eni.0];
        if let Some(v) = e.versions.first_mut() {
            v.from = born;
        }
        e.deleted = deleted;
    }

    /// From `at` on, the ENI carries `groups` instead.
    pub(crate) fn change_groups(&mut self, eni: EniIdx, at: u64, groups: &[GroupIdx]) {
        self.enis[eni.0].versions.push(EniVersion {
            from: at,
            groups: groups.to_vec(),
        });
    }

    pub(crate) fn flow_log(
        &mut self,
        resource: Resource,
        traffic: TrafficType,
        format: Format,
        interval: u64,
    ) -> FlowLogIdx {
        let id = self.make_id("fl", &format!("{}", self.flow_logs.len()), 17);
        self.flow_logs.push(FlowLog {
            id,
            resource,
            traffic,
            format,
            interval,
            from: 0,
            until: None,
        });
        FlowLogIdx(self.flow_logs.len() - 1)
    }

    /// A Network Load Balancer with one ENI in each subnet given, forwarding to `targets` on
    /// `target_port` (its listener port is the port clients connect to).
    pub(crate) fn nlb(
        &mut self,
        name: &str,
        subnets: &[SubnetIdx],
        groups: &[GroupIdx],
        target_port: u16,
        targets: &[EniIdx],
    ) -> LbIdx {
        let vpc = self.subnets[subnets[0].0].vpc;
        let lb = LbIdx(self.lbs.len());
        let lb_id = self.make_id("lb", name, 16)[3..].to_string();
        self.lbs.push(LoadBalancer {
            name: name.into(),
            lb_id,
            groups: groups.to_vec(),
            target_port,
            preserve_client_ip: true,
            targets: targets.to_vec(),
            enis: Vec::new(),
            vpc,
        });
        for (i, &s) in subnets.iter().enumerate() {
            let e = self.eni(&format!("{name}-{i}"), EniKind::Nlb(lb), s, groups);
            self.lbs[lb.0].enis.push(e);
        }
        lb
    }

    /// Adds a connection.
    pub(crate) fn conn(&mut self, c: Conn) {
        self.conns.push(c);
    }

    /// Adds `make(t)` for t = `from`, `from + period`, … before `until`.
    pub(crate) fn every(
        &mut self,
        period: u64,
        from: u64,
        until: u64,
        mut make: impl FnMut(u64) -> Conn,
    ) {
        let mut t = from;
        while t < until {
            self.conns.push(make(t));
            t += period;
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn expect_hotspot(
        &mut self,
        target_groups: &[GroupIdx],
        port: u16,
        protocol: u8,
        peer_class: PeerClass,
        cause: LikelyCause,
        suggestion: Option<Suggestion>,
        note: &str,
    ) {
        let mut target_groups = target_groups.to_vec();
        target_groups.sort_by(|a, b| self.groups[a.0].id.cmp(&self.groups[b.0].id));
        self.hotspots.push(HotspotExpect {
            target_groups,
            port,
            protocol,
            peer_class,
            cause,
            suggestion,
            note: note.into(),
        });
    }
}

/// `0.0.0.0/0`.
pub(crate) fn any() -> Peer {
    Peer::Cidr(Cidr::v4([0, 0, 0, 0], 0))
}

/// A CIDR peer.
pub(crate) fn net(text: &str) -> Peer {
    Peer::Cidr(cidr(text))
}

/// A group peer in the same VPC.
pub(crate) fn sg(group: GroupIdx) -> Peer {
    Peer::Group {
        group,
        peering: None,
    }
}

/// An allow (or deny) NACL entry for TCP ports, or all protocols when `ports` is `None`.
pub(crate) fn nacl_entry(
    number: u16,
    egress: bool,
    allow: bool,
    cidr_text: &str,
    ports: Option<(u16, u16)>,
) -> NaclEntry {
    NaclEntry {
        number,
        egress,
        protocol: if ports.is_some() { i16::from(TCP) } else { ALL },
        allow,
        cidr: cidr(cidr_text),
        ports,
    }
}

//! Initiator inference: is a record the forward side of its connection (initiator → responder)
//! or a response? Security groups are stateful, so only forward records credit rules.
//!
//! The decision is a pure function of the record, the declared network and what was learned
//! from the archive beforehand ([`Listeners`]) — no state across records — so it is the same
//! whatever the order of files or the number of threads, and memory does not grow with
//! connections. It tries, in order, and stops at the first that decides:
//!
//! 1. **TCP flags**: SYN without ACK is the initiator's direction, SYN-ACK the responder's.
//!    Exact. ICMP records are left to the report (`icmp_paired` / `icmp_unpaired`: the two
//!    directions of an exchange are paired there by start time), never decided by ports.
//! 2. **Learned SYN**: exactly one side's port answered SYNs (and never sent one) in a record
//!    with tcp-flags anywhere in the archive — another window of the same connection, another
//!    flow log of the same ENI.
//! 3. **Declared listener**: exactly one side's groups declare a *specific* inbound rule (a
//!    named protocol and at most 1,024 ports) covering its port. Wide rules (`1024-65535`, `-1`)
//!    are never evidence: they are exactly the rules a response would wrongly appear to use.
//! 4. **Privileged port**: one port below 1024 and the other in the dynamic range (≥ 32768):
//!    a client on a dynamic port reaching a well-known service.
//! 5. **Learned listener**: exactly one side's port saw its remote ports vary (at least
//!    [`DISTINCT_REMOTE_PORTS`](crate::learn::DISTINCT_REMOTE_PORTS) of them) and never opened
//!    a connection: a listener, learned from the traffic's shape (ECS dynamic host ports, gRPC
//!    50051, Jenkins 50000 behind wide rules).
//! 6. **ENI kind**: EFS mount targets, RDS and interface endpoints serve and do not open
//!    connections; Lambda ENIs open connections and never accept them.
//! 7. **Privileged port** (other cases): one port below 1024 (an NFS client's reserved port
//!    facing 2049 was settled above by learning, a declaration or the EFS kind).
//! 8. **Refused attempt**: a REJECT without such evidence is taken as forward (a security group
//!    only refuses the packets that open a connection).
//!
//! Weak evidence — the initiator is a guess, and the report gives the rules the other
//! orientation would credit a *possible* credit (reason `weak_orientation`) instead of
//! trusting it:
//!
//! 9. **Ephemeral range**: exactly one port lies in its endpoint's client range (by ENI kind;
//!    32768–65535 for instances and unknown remotes, covering Linux and Windows; 1024–65535
//!    for load balancers, NAT gateways, Lambda and endpoints).
//! 10. **Lower port**: the lower port is the server's; equal ports and port-less protocols
//!     without declared evidence count as forward (`assumed`).
//!
//! The evidence used is counted per kind in the report's summary, and its accuracy is measured
//! against generated archives with known initiators (see `tests/` and BENCHMARKS.md).

use foldhash::fast::FixedState;
use hashbrown::HashMap;

use flowsieve_sg::{CompiledMatcher, Direction, EniIdx, EniKind, GroupSetIdx, PortSpec, Protocol};

use crate::learn::Listeners;

mod memo;
use memo::{Decision, Memo, MemoKey};

const TCP: u8 = 6;
const UDP: u8 = 17;
const ICMP: u8 = 1;
const ICMPV6: u8 = 58;
const SYN: u8 = 0x02;
const ACK: u8 = 0x10;
/// The lowest port of the dynamic (client) range of Linux and Windows.
const DYNAMIC_PORTS: u16 = 32768;

/// Whether a record flows from its connection's initiator to its responder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Orientation {
    /// Initiator → responder: the packets a security group rule must allow.
    Forward,
    /// Responder → initiator: allowed by connection tracking, uses no rule.
    Reverse,
}

/// What decided a record's [`Orientation`].
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Evidence {
    /// SYN / SYN-ACK in `tcp-flags`.
    TcpFlags,
    /// The port answered SYNs elsewhere in the archive.
    LearnedSyn,
    /// One side's groups declare a specific inbound rule for the flow.
    DeclaredListener,
    /// One port below 1024 (the other dynamic, or nothing else decided).
    PrivilegedPort,
    /// One port's remote ports vary across the archive: a listener.
    LearnedListener,
    /// The kind of ENI (EFS, RDS, endpoints serve; Lambda opens).
    EniKind,
    /// The two directions of an ICMP exchange, paired by start time.
    IcmpPaired,
    /// A REJECT without other evidence: a refused connection attempt.
    RefusedAttempt,
    /// One port in its endpoint's ephemeral (client) range. Weak.
    EphemeralRange,
    /// The lower port taken as the server's. Weak.
    LowerPort,
    /// An ICMP record whose other direction could not be paired. Weak.
    IcmpUnpaired,
    /// Nothing decided; counted as forward. Weak.
    Assumed,
}

impl Evidence {
    /// Every kind, in decision order.
    pub const ALL: [Evidence; 12] = [
        Evidence::TcpFlags,
        Evidence::LearnedSyn,
        Evidence::DeclaredListener,
        Evidence::PrivilegedPort,
        Evidence::LearnedListener,
        Evidence::EniKind,
        Evidence::IcmpPaired,
        Evidence::RefusedAttempt,
        Evidence::EphemeralRange,
        Evidence::LowerPort,
        Evidence::IcmpUnpaired,
        Evidence::Assumed,
    ];
    /// How many kinds there are.
    pub const COUNT: usize = Evidence::ALL.len();

    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            Evidence::TcpFlags => "tcp_flags",
            Evidence::LearnedSyn => "learned_syn",
            Evidence::DeclaredListener => "declared_listener",
            Evidence::PrivilegedPort => "privileged_port",
            Evidence::LearnedListener => "learned_listener",
            Evidence::EniKind => "eni_kind",
            Evidence::IcmpPaired => "icmp_paired",
            Evidence::RefusedAttempt => "refused_attempt",
            Evidence::EphemeralRange => "ephemeral_range",
            Evidence::LowerPort => "lower_port",
            Evidence::IcmpUnpaired => "icmp_unpaired",
            Evidence::Assumed => "assumed",
        }
    }

    /// True when the initiator is a guess: credits it gives are only possible credits.
    pub fn is_weak(self) -> bool {
        matches!(
            self,
            Evidence::EphemeralRange
                | Evidence::LowerPort
                | Evidence::IcmpUnpaired
                | Evidence::Assumed
        )
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// One record as seen from its recording ENI.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RecordView {
    /// The ENI version at the record's time (its groups).
    pub(crate) eni: EniIdx,
    /// The ENI whatever the time (what listeners are learned on).
    pub(crate) canonical: EniIdx,
    pub(crate) direction: Direction,
    pub(crate) protocol: u8,
    pub(crate) local_port: u16,
    /// The ENI holding the remote address seen from `eni`'s VPC scope at any time
    /// (`CompiledMatcher::resolve_address(eni_vpc(eni), remote address, None)`), resolved by
    /// the caller (attribution caches it: `crate::peer_cache`). Not read for ICMP records.
    pub(crate) remote_eni: Option<EniIdx>,
    pub(crate) remote_port: u16,
    pub(crate) tcp_flags: Option<u8>,
    pub(crate) rejected: bool,
}

/// Which side is the server (responder).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Server {
    Local,
    Remote,
}

/// Inclusive port ranges.
type Ranges = Box<[(u16, u16)]>;

/// Decides orientations; one per thread. It owns a cache (per group set and protocol, the port
/// ranges of the specific inbound rules); the network and what was learned are passed in.
#[derive(Debug)]
pub(crate) struct Orienter {
    /// TCP and UDP ranges (most questions, up to four a record), indexed by group set × 2 +
    /// ([`dense_slot`]): a load, not a hash probe. `None` until asked.
    dense: Vec<Option<Ranges>>,
    /// Other protocols' ranges.
    declared: HashMap<(GroupSetIdx, u8), Vec<(u16, u16)>, FixedState>,
    /// Every ENI version's kind, by index, computed at the first question of a matcher
    /// (`NetworkInterface::kind` reads strings and allocates).
    kinds: Vec<EniKind>,
    /// Every ENI version's group set, by index (the matcher's answer is a call into another
    /// crate, not inlined: up to four a record).
    sets: Vec<GroupSetIdx>,
    /// The address of the matcher `kinds`, `sets` and the ranges were taken from (0 before
    /// any): an orienter lives no longer than the network it reads.
    matcher: usize,
    /// Recent decisions without a SYN, for the matcher above and the listeners of
    /// [`Listeners::id`] `listeners`.
    memo: Memo,
    listeners: u64,
    /// Instances' client ports (`AnalysisConfig::with_client_ports`), else the default.
    instance_clients: std::ops::RangeInclusive<u16>,
}

impl Orienter {
    pub(crate) fn new(client_ports: Option<(u16, u16)>) -> Self {
        Orienter {
            dense: Vec::new(),
            kinds: Vec::new(),
            sets: Vec::new(),
            matcher: 0,
            memo: Memo::default(),
            listeners: 0,
            declared: HashMap::with_hasher(FixedState::with_seed(7)),
            instance_clients: client_ports.map_or(DYNAMIC_PORTS..=65535, |(a, b)| a..=b),
        }
    }

    pub(crate) fn orient(
        &mut self,
        matcher: &CompiledMatcher,
        learned: &Listeners,
        r: &RecordView,
    ) -> (Orientation, Evidence) {
        if self.matcher != std::ptr::from_ref(matcher) as usize || self.listeners != learned.id() {
            self.bind(matcher, learned);
        }
        if r.protocol == TCP
            && let Some(flags) = r.tcp_flags
            && flags & SYN != 0
        {
            let orientation = if flags & ACK == 0 {
                Orientation::Forward
            } else {
                Orientation::Reverse
            };
            return (orientation, Evidence::TcpFlags);
        }
        // The memo's key has one ENI: a record whose version differs from its canonical ENI
        // (inventory history) is decided afresh, and so is one whose remote ENI's index is the
        // key's "none".
        let remote = r.remote_eni.map_or(u32::MAX, |e| e.0);
        let (decision, evidence) =
            if r.canonical == r.eni && r.remote_eni.is_none_or(|e| e.0 != u32::MAX) {
                let key = MemoKey::new(
                    r.eni.0,
                    remote,
                    r.protocol,
                    r.local_port,
                    r.remote_port,
                    r.rejected,
                );
                match self.memo.get(key) {
                    Some(decided) => decided,
                    None => {
                        let (decision, evidence) = self.decide(matcher, learned, r);
                        self.memo.put(key, decision, evidence);
                        (decision, evidence)
                    }
                }
            } else {
                self.decide(matcher, learned, r)
            };
        let forward = match decision {
            Decision::LocalServes => r.direction == Direction::Ingress,
            Decision::RemoteServes => r.direction == Direction::Egress,
            Decision::Forward => true,
        };
        let orientation = if forward {
            Orientation::Forward
        } else {
            Orientation::Reverse
        };
        (orientation, evidence)
    }

    /// [`Self::orient`] past a SYN: which side serves (or forward regardless), and the
    /// evidence. Neither the record's direction nor its flags take part: the memo's key
    /// ([`MemoKey`]) is everything this reads of the record.
    fn decide(
        &mut self,
        matcher: &CompiledMatcher,
        learned: &Listeners,
        r: &RecordView,
    ) -> (Decision, Evidence) {
        let forward_if = |server: Server| match server {
            Server::Local => Decision::LocalServes,
            Server::Remote => Decision::RemoteServes,
        };
        let decide = |local: bool, remote: bool| match (local, remote) {
            (true, false) => Some(Server::Local),
            (false, true) => Some(Server::Remote),
            _ => None,
        };
        if r.protocol == ICMP || r.protocol == ICMPV6 {
            return (Decision::Forward, Evidence::IcmpUnpaired);
        }
        let has_ports = r.protocol == TCP || r.protocol == UDP;
        let (lp, rp) = (r.local_port, r.remote_port);
        let remote_eni = r.remote_eni;
        let local_learned = learned.listening(r.canonical, r.protocol, lp);
        let remote_learned = remote_eni.and_then(|e| learned.listening(e, r.protocol, rp));
        let mut declared =
            |eni: Option<EniIdx>, port: u16| self.declares_listener(matcher, eni, r.protocol, port);
        if has_ports
            && let Some(server) = decide(
                local_learned.is_some_and(|l| l.served_syn),
                remote_learned.is_some_and(|l| l.served_syn),
            )
        {
            // A port learned to serve SYNs is sometimes also a client's ephemeral port (a
            // Jenkins agent port 50000 reused for an outbound connection). When the other
            // side's port is a listener too (declared, or its remote ports vary), the learned
            // SYNs do not say which side this record's connection opened from: fall through.
            let (other_eni, other_port, other_learned) = match server {
                Server::Local => (remote_eni, rp, remote_learned),
                Server::Remote => (Some(r.eni), lp, local_learned),
            };
            let other_listens = other_learned.is_some_and(|l| l.fixed_listener())
                || declared(other_eni, other_port);
            if !other_listens {
                return (forward_if(server), Evidence::LearnedSyn);
            }
        }
        let local_declares = declared(Some(r.eni), lp);
        let remote_declares = declared(remote_eni, rp);
        if let Some(server) = decide(local_declares, remote_declares) {
            return (forward_if(server), Evidence::DeclaredListener);
        }
        if has_ports {
            if let Some(server) = decide(
                lp < 1024 && rp >= DYNAMIC_PORTS,
                rp < 1024 && lp >= DYNAMIC_PORTS,
            ) {
                return (forward_if(server), Evidence::PrivilegedPort);
            }
            // Both ports declared listeners: one of them is a client's port this time, and
            // varying remote ports seen in a sample of the archive do not say which.
            if !(local_declares && remote_declares)
                && let Some(server) = decide(
                    local_learned.is_some_and(|l| l.fixed_listener()),
                    remote_learned.is_some_and(|l| l.fixed_listener()),
                )
            {
                return (forward_if(server), Evidence::LearnedListener);
            }
        }
        let local_kind = self.kind(matcher, r.eni);
        let remote_kind = remote_eni.map(|e| self.kind(matcher, e));
        if let Some(server) = decide(
            serves_only(local_kind) || remote_kind == Some(EniKind::Lambda),
            remote_kind.is_some_and(serves_only) || local_kind == EniKind::Lambda,
        ) {
            return (forward_if(server), Evidence::EniKind);
        }
        if has_ports && let Some(server) = decide(lp < 1024, rp < 1024) {
            return (forward_if(server), Evidence::PrivilegedPort);
        }
        if r.rejected {
            return (Decision::Forward, Evidence::RefusedAttempt);
        }
        if !has_ports {
            return (Decision::Forward, Evidence::Assumed);
        }
        let clients = |kind: EniKind| client_ports(kind, &self.instance_clients);
        let local_range = clients(local_kind);
        let remote_range = remote_kind.map_or(self.instance_clients.clone(), clients);
        if let Some(server) = decide(remote_range.contains(&rp), local_range.contains(&lp)) {
            return (forward_if(server), Evidence::EphemeralRange);
        }
        match lp.cmp(&rp) {
            std::cmp::Ordering::Less => (forward_if(Server::Local), Evidence::LowerPort),
            std::cmp::Ordering::Greater => (forward_if(Server::Remote), Evidence::LowerPort),
            std::cmp::Ordering::Equal => (Decision::Forward, Evidence::Assumed),
        }
    }

    /// Takes every ENI version's kind and group set from `matcher`, and forgets the ranges and
    /// decisions of another matcher or other listeners.
    #[cold]
    #[inline(never)]
    fn bind(&mut self, matcher: &CompiledMatcher, learned: &Listeners) {
        self.memo.clear();
        self.listeners = learned.id();
        let enis = 0..matcher.eni_count() as u32;
        self.kinds = enis
            .clone()
            .map(|e| matcher.eni(EniIdx(e)).kind())
            .collect();
        self.sets = enis.map(|e| matcher.eni_group_set(EniIdx(e))).collect();
        self.dense = vec![None; 2 * matcher.group_set_count()];
        self.declared.clear();
        self.matcher = std::ptr::from_ref(matcher) as usize;
    }

    /// The kind of ENI version `eni`.
    #[inline]
    fn kind(&self, matcher: &CompiledMatcher, eni: EniIdx) -> EniKind {
        match self.kinds.get(eni.0 as usize) {
            Some(&kind) => kind,
            None => matcher.eni(eni).kind(),
        }
    }

    /// Whether `eni`'s groups declare a specific inbound rule for `protocol` covering `port`.
    fn declares_listener(
        &mut self,
        matcher: &CompiledMatcher,
        eni: Option<EniIdx>,
        protocol: u8,
        port: u16,
    ) -> bool {
        let Some(eni) = eni else { return false };
        let covers =
            |ranges: &[(u16, u16)]| ranges.iter().any(|&(from, to)| (from..=to).contains(&port));
        // The bound matcher's ENI versions have their group set in `sets`, below its count
        // (anything else falls to the map).
        if let Some(&gs) = self.sets.get(eni.0 as usize)
            && let Some(slot) = dense_slot(gs, protocol).and_then(|i| self.dense.get_mut(i))
        {
            let ranges = slot
                .get_or_insert_with(|| declared_ranges(matcher, gs, protocol).into_boxed_slice());
            return covers(ranges);
        }
        let gs = matcher.eni_group_set(eni);
        let ranges = self
            .declared
            .entry((gs, protocol))
            .or_insert_with(|| declared_ranges(matcher, gs, protocol));
        covers(ranges)
    }
}

/// The slot of [`Orienter::dense`] for TCP and UDP.
#[inline]
fn dense_slot(gs: GroupSetIdx, protocol: u8) -> Option<usize> {
    let offset = match protocol {
        TCP => 0,
        UDP => 1,
        _ => return None,
    };
    Some(gs.0 as usize * 2 + offset)
}

/// The port ranges of the specific inbound rules of group set `gs` for `protocol`.
fn declared_ranges(matcher: &CompiledMatcher, gs: GroupSetIdx, protocol: u8) -> Vec<(u16, u16)> {
    matcher
        .rules_of_group_set(gs)
        .iter()
        .map(|&idx| matcher.rule(idx))
        .filter(|rule| rule.direction == Direction::Ingress)
        .filter(|rule| rule.protocol == Protocol::Number(protocol))
        .filter(|rule| is_specific(rule.protocol, &rule.ports))
        .map(|rule| match rule.ports {
            PortSpec::Range { from, to } => (from, to),
            _ => (0, u16::MAX),
        })
        .collect()
}

/// The ports an ENI of this kind opens connections from: its kind's ephemeral range; for
/// instances and unknown kinds `instances` (by default 32768–65535, covering Windows
/// (49152–65535) as well as Linux (32768–60999)).
fn client_ports(
    kind: EniKind,
    instances: &std::ops::RangeInclusive<u16>,
) -> std::ops::RangeInclusive<u16> {
    let range = kind.ephemeral_ports();
    if *range.start() >= DYNAMIC_PORTS {
        instances.clone()
    } else {
        range
    }
}

/// ENI kinds that accept connections and never open them.
fn serves_only(kind: EniKind) -> bool {
    matches!(kind, EniKind::Efs | EniKind::Rds | EniKind::VpcEndpoint)
}

/// A rule narrow enough to say "something listens here": a named protocol and, for TCP/UDP, at
/// most 1,024 ports.
fn is_specific(protocol: Protocol, ports: &PortSpec) -> bool {
    match (protocol, ports) {
        (Protocol::All, _) => false,
        (_, PortSpec::Range { from, to }) => u32::from(*to) - u32::from(*from) < 1024,
        (Protocol::Number(p), PortSpec::All) => p != TCP && p != UDP,
        (_, PortSpec::Icmp { .. }) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specific_rules() {
        assert!(is_specific(
            Protocol::Number(6),
            &PortSpec::Range {
                from: 8000,
                to: 8000
            }
        ));
        assert!(!is_specific(
            Protocol::Number(6),
            &PortSpec::Range {
                from: 1024,
                to: 65535
            }
        ));
        assert!(!is_specific(Protocol::Number(6), &PortSpec::All));
        assert!(!is_specific(Protocol::All, &PortSpec::All));
        assert!(is_specific(
            Protocol::Number(1),
            &PortSpec::Icmp {
                icmp_type: Some(8),
                code: None
            }
        ));
        assert!(is_specific(Protocol::Number(50), &PortSpec::All));
    }

    /// A port learned to serve SYNs that is, in this record, a client's port towards a
    /// declared listener: the learned SYNs do not decide, the declaration does.
    #[test]
    fn a_learned_server_port_towards_a_declared_listener_is_not_taken_as_the_server() {
        use crate::learn::{LearnedPort, Listeners};
        let network = crate::Network::load(&["../../testdata/demo/inventory"]).unwrap();
        let m = network.matcher();
        // A backend task (10.34.19.111) calls the model server (10.34.65.47), whose group
        // declares `ingress tcp 8001 from the backend's group`, from its port 50000 — a port
        // the archive showed answering SYNs (say, an agent port of its own).
        let task = m.eni_index("eni-1dcf65d592c962ce8").unwrap();
        let served = LearnedPort {
            served_syn: true,
            opened_syn: false,
            remote_ports: 1,
        };
        let record = RecordView {
            eni: task,
            canonical: task,
            direction: Direction::Egress,
            protocol: TCP,
            local_port: 50000,
            remote_eni: None,
            remote_port: 8001,
            tcp_flags: None,
            rejected: false,
        };
        let model_server = flowsieve_sg::Addr::from_ipv4(std::net::Ipv4Addr::new(10, 34, 65, 47));
        let record = RecordView {
            remote_eni: m.resolve_address(m.eni_vpc(task), model_server, None).eni(),
            ..record
        };
        assert!(record.remote_eni.is_some());
        let mut orienter = Orienter::new(None);
        let learned = Listeners::from_ports([(task, TCP, 50000, served)]);
        assert_eq!(
            orienter.orient(m, &learned, &record),
            (Orientation::Forward, Evidence::DeclaredListener)
        );
        // Towards a port that is no listener, the learned SYNs decide.
        let undeclared = RecordView {
            remote_port: 45000,
            ..record
        };
        assert_eq!(
            orienter.orient(m, &learned, &undeclared),
            (Orientation::Reverse, Evidence::LearnedSyn)
        );
    }

    proptest::proptest! {
        /// One orienter over a sequence of records (its memo warm, the listeners switched
        /// halfway) decides every record as a fresh orienter does.
        #[test]
        fn the_memo_decides_as_a_fresh_orienter(
            records in proptest::collection::vec(
                (
                    (0u32..64, proptest::option::of(0u32..64), proptest::sample::select(vec![TCP, UDP, ICMP, 50])),
                    (proptest::sample::select(vec![22u16, 80, 443, 2049, 5432, 8001, 50000, 33000, 61000]),
                     proptest::sample::select(vec![22u16, 80, 443, 1023, 8001, 50000, 40000, 61000])),
                    (proptest::option::of(0u8..64), proptest::bool::ANY, proptest::bool::ANY),
                ),
                1..300,
            ),
            learned_ports in proptest::collection::vec(
                (0u32..64, proptest::sample::select(vec![80u16, 443, 8001, 50000, 40000]), 0u8..8, proptest::bool::ANY, proptest::bool::ANY),
                0..20,
            ),
        ) {
            use crate::learn::{LearnedPort, Listeners};
            let network = crate::Network::load(&["../../testdata/demo/inventory"]).unwrap();
            let m = network.matcher();
            let enis = m.eni_count() as u32;
            let first = Listeners::from_ports(learned_ports.iter().map(|&(e, port, remote_ports, served_syn, opened_syn)| {
                (EniIdx(e % enis), TCP, port, LearnedPort { served_syn, opened_syn, remote_ports })
            }));
            let second = Listeners::none();
            let mut orienter = Orienter::new(None);
            let half = records.len() / 2;
            for (i, ((eni, remote, protocol), (lp, rp), (flags, rejected, ingress))) in records.into_iter().enumerate() {
                let eni = EniIdx(eni % enis);
                let r = RecordView {
                    eni,
                    canonical: eni,
                    direction: if ingress { Direction::Ingress } else { Direction::Egress },
                    protocol,
                    local_port: lp,
                    remote_eni: remote.map(|e| EniIdx(e % enis)),
                    remote_port: rp,
                    tcp_flags: flags,
                    rejected,
                };
                let learned = if i < half { &first } else { &second };
                // Each record twice, the second time the other way (a hit of the memo).
                let back = RecordView {
                    direction: if ingress { Direction::Egress } else { Direction::Ingress },
                    ..r
                };
                for r in [r, back] {
                    proptest::prop_assert_eq!(
                        orienter.orient(m, learned, &r),
                        Orienter::new(None).orient(m, learned, &r),
                        "record {}",
                        i
                    );
                }
            }
        }
    }
}

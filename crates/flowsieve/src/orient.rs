//! Initiator inference: is a record the forward side of its connection (initiator → responder)
//! or a response? Security groups are stateful, so only forward records credit rules.
//!
//! The decision is a pure function of the record and the declared network — no state across
//! records — so it is the same whatever the order of files or the number of threads, and memory
//! does not grow with connections. It tries, in order, and stops at the first that decides:
//!
//! 1. **TCP flags** (formats with `tcp-flags`): SYN without ACK is the initiator's direction,
//!    SYN-ACK the responder's. Exact.
//! 2. **Privileged port** (TCP/UDP): exactly one of the two ports is below 1024 → that side is
//!    the server. Clients never bind privileged ports for outgoing connections.
//! 3. **Declared listener** (TCP/UDP and port-less protocols): the recording ENI's groups declare
//!    a *specific* inbound rule (a named protocol and at most 1,024 ports) covering its port —
//!    from any peer: the declaration says something listens there — and the remote ENI's groups
//!    (when the remote is a known ENI) declare none for its port, or the other way round. Rules
//!    wider than that (`1024-65535`, `-1`) are never evidence: they are exactly the rules a
//!    response would wrongly appear to use.
//! 4. **Refused attempt**: a REJECT record without such evidence is taken as forward. A
//!    security group only ever refuses the packets that open a connection (responses are
//!    tracked), so a refused packet is an attempt unless a port or a declaration says it is a
//!    response (a stateless NACL dropping replies, a late packet after tracking expired).
//! 5. **Ephemeral range** (TCP/UDP): exactly one port lies in its endpoint's client port range
//!    (by ENI kind: 32768–60999 for Linux instances and most services; 1024–65535 for load
//!    balancers, NAT gateways, Lambda and endpoints; 32768–65535 for an unknown remote) → the
//!    other side is the server.
//! 6. **Lower port** (TCP/UDP): the lower port is the server's; equal ports (and port-less
//!    protocols without declared evidence) count the record as forward (`assumed`).
//!
//! The evidence used is reported per record class in the summary, and its accuracy is measured
//! against generated archives with known initiators (see `tests/` and BENCHMARKS.md).

use foldhash::fast::FixedState;
use hashbrown::HashMap;

use flowsieve_sg::{Addr, CompiledMatcher, Direction, EniIdx, GroupSetIdx, PortSpec, Protocol};

const TCP: u8 = 6;
const UDP: u8 = 17;
const SYN: u8 = 0x02;
const ACK: u8 = 0x10;

/// Whether a record flows from its connection's initiator to its responder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Orientation {
    /// Initiator → responder: the packets a security group rule must allow.
    Forward,
    /// Responder → initiator: allowed by connection tracking, uses no rule.
    Reverse,
}

/// What decided a record's [`Orientation`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Evidence {
    /// SYN / SYN-ACK in `tcp-flags`.
    TcpFlags,
    /// One port below 1024.
    PrivilegedPort,
    /// One side's groups declare a specific inbound rule for the flow.
    DeclaredListener,
    /// A REJECT without other evidence: a refused connection attempt.
    RefusedAttempt,
    /// One port in its endpoint's ephemeral (client) range.
    EphemeralRange,
    /// The lower port taken as the server's.
    LowerPort,
    /// Nothing decided; counted as forward.
    Assumed,
}

impl Evidence {
    /// Every kind, in decision order.
    pub const ALL: [Evidence; 7] = [
        Evidence::TcpFlags,
        Evidence::PrivilegedPort,
        Evidence::DeclaredListener,
        Evidence::RefusedAttempt,
        Evidence::EphemeralRange,
        Evidence::LowerPort,
        Evidence::Assumed,
    ];

    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            Evidence::TcpFlags => "tcp_flags",
            Evidence::PrivilegedPort => "privileged_port",
            Evidence::DeclaredListener => "declared_listener",
            Evidence::RefusedAttempt => "refused_attempt",
            Evidence::EphemeralRange => "ephemeral_range",
            Evidence::LowerPort => "lower_port",
            Evidence::Assumed => "assumed",
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// One record as seen from its recording ENI.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RecordView {
    pub(crate) eni: EniIdx,
    pub(crate) direction: Direction,
    pub(crate) protocol: u8,
    pub(crate) local_port: u16,
    pub(crate) remote_addr: Addr,
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

/// Decides orientations; one per thread (it caches, per group set and protocol, the port ranges
/// of the specific inbound rules).
#[derive(Debug)]
pub(crate) struct Orienter<'m> {
    matcher: &'m CompiledMatcher,
    listeners: HashMap<(GroupSetIdx, u8), Vec<(u16, u16)>, FixedState>,
}

impl<'m> Orienter<'m> {
    pub(crate) fn new(matcher: &'m CompiledMatcher) -> Self {
        Orienter {
            matcher,
            listeners: HashMap::with_hasher(FixedState::with_seed(7)),
        }
    }

    pub(crate) fn orient(&mut self, r: &RecordView) -> (Orientation, Evidence) {
        let forward_if = |server: Server| {
            let forward = match server {
                Server::Local => r.direction == Direction::Ingress,
                Server::Remote => r.direction == Direction::Egress,
            };
            if forward {
                Orientation::Forward
            } else {
                Orientation::Reverse
            }
        };
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
        let has_ports = r.protocol == TCP || r.protocol == UDP;
        if has_ports {
            let (lp, rp) = (r.local_port, r.remote_port);
            if (lp < 1024) != (rp < 1024) {
                let server = if lp < 1024 {
                    Server::Local
                } else {
                    Server::Remote
                };
                return (forward_if(server), Evidence::PrivilegedPort);
            }
        }
        let local_listens = self.declares_listener(Some(r.eni), r.protocol, r.local_port);
        let remote_eni = self
            .matcher
            .resolve_address(None, r.remote_addr, None)
            .eni();
        let remote_listens = self.declares_listener(remote_eni, r.protocol, r.remote_port);
        if local_listens != remote_listens {
            let server = if local_listens {
                Server::Local
            } else {
                Server::Remote
            };
            return (forward_if(server), Evidence::DeclaredListener);
        }
        if r.rejected {
            return (Orientation::Forward, Evidence::RefusedAttempt);
        }
        if !has_ports {
            return (Orientation::Forward, Evidence::Assumed);
        }
        let (lp, rp) = (r.local_port, r.remote_port);
        let local_range = self.matcher.eni(r.eni).kind().ephemeral_ports();
        let remote_range = match remote_eni {
            Some(eni) => self.matcher.eni(eni).kind().ephemeral_ports(),
            None => 32768..=65535,
        };
        let local_ephemeral = local_range.contains(&lp);
        let remote_ephemeral = remote_range.contains(&rp);
        if local_ephemeral != remote_ephemeral {
            let server = if local_ephemeral {
                Server::Remote
            } else {
                Server::Local
            };
            return (forward_if(server), Evidence::EphemeralRange);
        }
        match lp.cmp(&rp) {
            std::cmp::Ordering::Less => (forward_if(Server::Local), Evidence::LowerPort),
            std::cmp::Ordering::Greater => (forward_if(Server::Remote), Evidence::LowerPort),
            std::cmp::Ordering::Equal => (Orientation::Forward, Evidence::Assumed),
        }
    }

    /// Whether `eni`'s groups declare a specific inbound rule for `protocol` covering `port`.
    fn declares_listener(&mut self, eni: Option<EniIdx>, protocol: u8, port: u16) -> bool {
        let Some(eni) = eni else { return false };
        let gs = self.matcher.eni_group_set(eni);
        let matcher = self.matcher;
        let ranges = self.listeners.entry((gs, protocol)).or_insert_with(|| {
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
        });
        ranges.iter().any(|&(from, to)| (from..=to).contains(&port))
    }
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
}

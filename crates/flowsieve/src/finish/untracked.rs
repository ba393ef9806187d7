//! Untracked flows: rule pairs that make AWS stop tracking connections.
//!
//! AWS does not track a TCP or UDP flow when a rule allows it from (or to) everyone —
//! `0.0.0.0/0` or `::/0` — and a rule in the other direction allows all traffic, or all ports of
//! the protocol, to (or from) everyone of the same family. The replies of such a flow are then
//! allowed by that other-direction rule, not by connection tracking: delete it, and established
//! flows break at once (and new ones become tracked, counting against the instance's
//! connection-tracking allowance). ENIs whose connections AWS always tracks (NAT gateways,
//! Transit Gateway attachments, load balancers, endpoints) are left out.
//!
//! A reply rule nothing initiates through would look unused; when a used opening rule pairs
//! with it on some ENI, it carries the replies of untracked flows, so it is `unknown` with
//! reason `untracked_flow_dependency`, never `unused`.

use flowsieve_sg::{EniIdx, EniKind, GroupSetIdx, Peer, PortSpec, Protocol, Rule, RuleIdx};

use super::Context;

const TCP: u8 = 6;
const UDP: u8 = 17;

/// Whether `rule` lets everyone of a family open TCP or UDP flows in its direction: peer
/// `0.0.0.0/0` or `::/0`, protocol TCP, UDP or all. Returns the family (IPv4 = true).
fn opens_to_everyone(rule: &Rule) -> Option<bool> {
    let Peer::Cidr(cidr) = &rule.peer else {
        return None;
    };
    let everyone = cidr.prefix_len() == 0;
    let tcp_or_udp = matches!(rule.protocol, Protocol::All | Protocol::Number(TCP | UDP));
    (everyone && tcp_or_udp).then_some(cidr.is_ipv4())
}

/// Whether `rule` allows every port of `protocol` (or all traffic) to or from everyone of the
/// family: a rule that admits any reply.
fn admits_all_replies(rule: &Rule, protocol: Protocol, ipv4: bool) -> bool {
    let Peer::Cidr(cidr) = &rule.peer else {
        return false;
    };
    if cidr.prefix_len() != 0 || cidr.is_ipv4() != ipv4 {
        return false;
    }
    let all_ports = match rule.ports {
        PortSpec::All => true,
        PortSpec::Range { from, to } => from == 0 && to == u16::MAX,
        PortSpec::Icmp { .. } => false,
    };
    match rule.protocol {
        Protocol::All => true,
        Protocol::Number(p) => {
            all_ports && (protocol == Protocol::All || protocol == Protocol::Number(p))
        }
    }
}

/// The ENI kinds whose connections AWS always tracks.
fn always_tracked(kind: EniKind) -> bool {
    matches!(
        kind,
        EniKind::NatGateway
            | EniKind::TransitGateway
            | EniKind::LoadBalancer
            | EniKind::VpcEndpoint
    )
}

/// For every rule: the used opening rule it carries the untracked replies of, if any.
pub(crate) fn reply_dependencies(ctx: &Context<'_>, used: &[bool]) -> Vec<Option<RuleIdx>> {
    let m = ctx.matcher;
    let mut carries: Vec<Option<RuleIdx>> = vec![None; m.rule_count()];
    // Group sets carried by at least one ENI whose connections can be untracked.
    let mut untrackable = vec![false; m.group_set_count()];
    for e in 0..m.eni_count() {
        let eni = EniIdx(e as u32);
        if !always_tracked(m.eni(eni).kind()) {
            untrackable[m.eni_group_set(eni).0 as usize] = true;
        }
    }
    for (gs, _) in untrackable.iter().enumerate().filter(|(_, u)| **u) {
        let rules = m.rules_of_group_set(GroupSetIdx(gs as u32));
        for &opening in rules {
            let rule = m.rule(opening);
            if !used[opening.0 as usize] {
                continue;
            }
            let Some(ipv4) = opens_to_everyone(rule) else {
                continue;
            };
            for &reply in rules {
                let other = m.rule(reply);
                if other.direction != rule.direction
                    && carries[reply.0 as usize].is_none()
                    && admits_all_replies(other, rule.protocol, ipv4)
                {
                    carries[reply.0 as usize] = Some(opening);
                }
            }
        }
    }
    carries
}

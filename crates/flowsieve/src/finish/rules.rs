//! Rule usage and verdicts: every declared rule with what credited it, what could have, and
//! its status. `unused` is a claim of proof (docs/semantics.md): it needs no crediting record,
//! no record that could have credited it, every carrier ENI observed with ACCEPT traffic
//! captured over the whole window, and a completely known peer set. Anything short of that is
//! `unknown`, with every reason that holds.

use std::collections::{BTreeMap, BTreeSet};

use flowsieve_sg::{Addr, EniIdx, EniKind, Peer, RuleIdx};

use super::Context;
use super::observed::Observed;
use super::tally::RuleTally;
use crate::orient::Evidence;
use crate::report::{PortCount, Reason, RuleHits, RuleStatus, RuleStatusCounts, UnusedEvidence};

/// Every rule's usage, sorted by rule id, and the counts by status.
pub(crate) fn build(
    ctx: &Context<'_>,
    observed: &Observed,
    tallies: &[RuleTally],
) -> (Vec<RuleHits>, RuleStatusCounts) {
    let m = ctx.matcher;
    let has_flags = ctx.acc.evidence[Evidence::TcpFlags.index()]
        .iter()
        .sum::<u64>()
        > 0;
    let global = global_reasons(ctx, observed);
    let used: Vec<bool> = tallies.iter().map(|t| t.stats.records > 0).collect();
    let replies = super::untracked::reply_dependencies(ctx, &used);
    let mut counts = RuleStatusCounts::default();
    let mut hits: Vec<RuleHits> = tallies
        .iter()
        .enumerate()
        .map(|(i, tally)| {
            let idx = RuleIdx(i as u32);
            let rule = m.rule(idx);
            let group = observed.group(ctx, &rule.group_id);
            let (status, reasons) = if tally.stats.records > 0 {
                (RuleStatus::Used, Vec::new())
            } else {
                let mut reasons =
                    unknown_reasons(ctx, idx, tally, &group.reasons, &group.carriers, &global);
                if replies[i].is_some() {
                    reasons.push(Reason::UntrackedFlowDependency);
                    reasons.sort();
                    reasons.dedup();
                }
                if reasons.is_empty() {
                    (RuleStatus::Unused, reasons)
                } else {
                    (RuleStatus::Unknown, reasons)
                }
            };
            match status {
                RuleStatus::Used => counts.used += 1,
                RuleStatus::Unused => counts.unused += 1,
                RuleStatus::Unknown => counts.unknown += 1,
            }
            let evidence = (status == RuleStatus::Unused)
                .then_some(observed.window)
                .flatten()
                .map(|(start, end)| UnusedEvidence {
                    window_start: start,
                    window_end: end,
                    carriers: observed.carriers(ctx, &group.carriers),
                });
            let possible_by_reason: BTreeMap<Reason, u64> = Reason::ALL
                .iter()
                .zip(&tally.possible)
                .filter(|(_, n)| **n > 0)
                .map(|(&r, &n)| (r, n))
                .collect();
            RuleHits {
                rule_id: rule.id.as_str().to_owned(),
                group_id: rule.group_id.clone(),
                group_name: ctx.group_name(&rule.group_id),
                direction: rule.direction,
                protocol: rule.protocol.iana(),
                from_port: rule.from_port(),
                to_port: rule.to_port(),
                peer: rule.peer_string(),
                description: rule.description.clone(),
                status,
                reasons,
                records: tally.stats.records,
                packets: tally.stats.packets,
                bytes: tally.stats.bytes,
                connections: has_flags.then_some(tally.stats.syn),
                possible_records: possible_by_reason.values().sum(),
                possible_by_reason,
                first_seen: tally.stats.first_seen(),
                last_seen: tally.stats.last_seen(),
                distinct_peers: tally.peers.distinct.count(),
                narrowest_records: tally.narrowest,
                top_peers: tally.peers.top(ctx.config.top, m),
                top_ports: top_ports(tally, ctx.config.top),
                coverage: group.coverage,
                evidence,
                sources: sources(rule),
            }
        })
        .collect();
    hits.sort_by(|a, b| a.rule_id.cmp(&b.rule_id));
    (hits, counts)
}

/// Reasons that hold for every rule: nothing to judge, or records nobody can attribute.
fn global_reasons(ctx: &Context<'_>, observed: &Observed) -> Vec<Reason> {
    let acc = ctx.acc;
    let attributed: u64 = acc.evidence.iter().map(|e| e[0] + e[1]).sum();
    let mut reasons = Vec::new();
    if attributed == 0 || observed.window.is_none() {
        reasons.push(Reason::NoAttributedRecords);
    }
    if acc.unattributed.no_interface + acc.unattributed.unusable_format > 0 {
        reasons.push(Reason::UnattributableRecords);
    }
    reasons
}

/// Every reason a rule nothing credited is not proven unused, in [`Reason`] order.
fn unknown_reasons(
    ctx: &Context<'_>,
    idx: RuleIdx,
    tally: &RuleTally,
    coverage: &[Reason],
    carriers: &[EniIdx],
    global: &[Reason],
) -> Vec<Reason> {
    let m = ctx.matcher;
    let rule = m.rule(idx);
    let mut reasons: BTreeSet<Reason> = global.iter().copied().collect();
    // With nothing attributed anywhere, what each ENI's lines show (NODATA only, no ACCEPT to
    // infer a capture from) adds nothing to "nothing to judge".
    if !global.contains(&Reason::NoAttributedRecords) {
        reasons.extend(coverage.iter().copied());
    }
    if unlogged_path(ctx, rule, carriers) {
        reasons.insert(Reason::UnloggedPath);
    }
    if !m.peer_resolved(idx) {
        reasons.insert(Reason::UnresolvedPeer);
    } else if let Peer::Group { group_id, .. } = &rule.peer
        && m.enis_with_group(group_id).is_empty()
    {
        reasons.insert(Reason::PeerMembershipIncomplete);
    }
    if carriers.iter().any(|e| {
        ctx.acc
            .eni_unattributed
            .get(e.0 as usize)
            .is_some_and(|&n| n > 0)
    }) {
        reasons.insert(Reason::UnattributableRecords);
    }
    for (&reason, &n) in Reason::ALL.iter().zip(&tally.possible) {
        if n > 0 {
            reasons.insert(reason);
        }
    }
    reasons.into_iter().collect()
}

/// Whether the rule allows traffic between an interface VPC endpoint ENI and a Network Load
/// Balancer ENI, which flow logs never record: one side among the rule's carriers, the other
/// among its peers (members of a peer group, or ENIs whose addresses a peer CIDR holds).
fn unlogged_path(ctx: &Context<'_>, rule: &flowsieve_sg::Rule, carriers: &[EniIdx]) -> bool {
    let m = ctx.matcher;
    let is_endpoint = |e: EniIdx| m.eni(e).kind() == EniKind::VpcEndpoint;
    let own_nlb = carriers.iter().any(|&e| ctx.is_nlb(e));
    let own_endpoint = carriers.iter().any(|&e| is_endpoint(e));
    if !own_nlb && !own_endpoint {
        return false;
    }
    let other_side = |e: EniIdx| (own_nlb && is_endpoint(e)) || (own_endpoint && ctx.is_nlb(e));
    match &rule.peer {
        Peer::Group { group_id, .. } => m.enis_with_group(group_id).iter().any(|&e| other_side(e)),
        Peer::Cidr(cidr) => (0..m.eni_count()).map(|i| EniIdx(i as u32)).any(|e| {
            other_side(e)
                && m.eni(e)
                    .private_ipv4
                    .iter()
                    .any(|&ip| cidr.contains(Addr::from(ip)))
        }),
        Peer::PrefixList { .. } => false,
    }
}

fn sources(rule: &flowsieve_sg::Rule) -> Vec<String> {
    let mut sources: Vec<String> = rule
        .sources
        .iter()
        .map(|s| s.file.display().to_string())
        .collect();
    sources.sort();
    sources.dedup();
    sources
}

fn top_ports(tally: &RuleTally, top: usize) -> Vec<PortCount> {
    let mut ports: Vec<PortCount> = tally
        .ports
        .iter()
        .map(|(&port, &records)| PortCount { port, records })
        .collect();
    ports.sort_by(|a, b| b.records.cmp(&a.records).then(a.port.cmp(&b.port)));
    ports.truncate(top);
    ports
}

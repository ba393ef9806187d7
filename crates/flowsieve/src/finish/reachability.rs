//! Reachability: observed initiating traffic as group-set edges, and the declared
//! group-to-group rules nothing used.

use flowsieve_sg::{Direction, Peer};

use super::tally::{EdgeEnd, EdgeKey};
use super::{Context, Map};
use crate::accum::FlowStats;
use crate::distinct::DistinctCounter;
use crate::report::{DeclaredEdge, ReachabilityEdge, RuleHits, RuleStatus};

/// The observed edges, most records first.
pub(crate) fn observed(
    ctx: &Context<'_>,
    edges: Map<EdgeKey, (FlowStats, DistinctCounter)>,
) -> Vec<ReachabilityEdge> {
    let end_ids = |end: EdgeEnd| match end {
        EdgeEnd::Groups(gs) => ctx.set_ids(gs),
        EdgeEnd::InternalUnknown => vec!["internal-unknown".to_owned()],
        EdgeEnd::External => vec!["external".to_owned()],
    };
    let mut observed: Vec<ReachabilityEdge> = edges
        .into_iter()
        .map(
            |((from, to, protocol, port), (stats, peers))| ReachabilityEdge {
                source: end_ids(from),
                target: end_ids(to),
                protocol,
                port,
                records: stats.records,
                bytes: stats.bytes,
                distinct_peers: peers.count(),
            },
        )
        .collect();
    observed.sort_by(|a, b| {
        b.records
            .cmp(&a.records)
            .then_with(|| a.source.cmp(&b.source))
            .then_with(|| a.target.cmp(&b.target))
            .then(a.protocol.cmp(&b.protocol))
            .then(a.port.cmp(&b.port))
    });
    observed
}

/// Declared group-to-group rules that are not `used`, by rule id.
pub(crate) fn declared_unused(ctx: &Context<'_>, rules: &[RuleHits]) -> Vec<DeclaredEdge> {
    let inventory = ctx.network.inventory();
    let mut declared: Vec<DeclaredEdge> = rules
        .iter()
        .filter(|hits| hits.status != RuleStatus::Used)
        .filter_map(|hits| {
            let (_, rule) = inventory.rule_by_id(&hits.rule_id)?;
            let Peer::Group { group_id, .. } = &rule.peer else {
                return None;
            };
            let (source, target) = match rule.direction {
                Direction::Ingress => (group_id.clone(), rule.group_id.clone()),
                Direction::Egress => (rule.group_id.clone(), group_id.clone()),
            };
            Some(DeclaredEdge {
                rule_id: hits.rule_id.clone(),
                source,
                target,
                protocol: hits.protocol,
                from_port: hits.from_port,
                to_port: hits.to_port,
                status: hits.status,
            })
        })
        .collect();
    declared.sort_by(|a, b| a.rule_id.cmp(&b.rule_id));
    declared
}

//! The side findings: initiating ACCEPT traffic no rule allows, refused responses, egress
//! refusals (all as [`FlowGroup`]s), ENIs missing from the inventory, and the inventory's own
//! validation findings.

use std::collections::BTreeSet;

use flowsieve_sg::RuleIdx;

use super::tally::{GroupKey, GroupTally};
use super::{Context, Map};
use crate::report::{FlowGroup, InventoryFinding, UnknownEni};

/// Initiating ACCEPTs that some rule could have allowed, with those rules, most records first.
pub(crate) fn possibly_allowed(
    ctx: &Context<'_>,
    groups: Map<GroupKey, (GroupTally, BTreeSet<RuleIdx>)>,
) -> Vec<FlowGroup> {
    let rows = groups.into_iter().map(|(key, (tally, rules))| {
        let mut ids: Vec<String> = rules
            .iter()
            .map(|&r| ctx.matcher.rule(r).id.as_str().to_owned())
            .collect();
        ids.sort();
        (key, tally, ids)
    });
    sorted_groups(ctx, rows)
}

/// Grouped records, most records first.
pub(crate) fn flow_groups(ctx: &Context<'_>, groups: Map<GroupKey, GroupTally>) -> Vec<FlowGroup> {
    sorted_groups(
        ctx,
        groups
            .into_iter()
            .map(|(key, tally)| (key, tally, Vec::new())),
    )
}

fn sorted_groups(
    ctx: &Context<'_>,
    rows: impl Iterator<Item = (GroupKey, GroupTally, Vec<String>)>,
) -> Vec<FlowGroup> {
    let mut out: Vec<FlowGroup> = rows
        .map(
            |((gs, direction, protocol, port, peer_class), tally, rules)| FlowGroup {
                group_ids: ctx.set_ids(gs),
                direction,
                protocol,
                port,
                peer_class,
                records: tally.stats.records,
                packets: tally.stats.packets,
                bytes: tally.stats.bytes,
                distinct_peers: tally.peers.distinct.count(),
                first_seen: tally.stats.first_seen(),
                last_seen: tally.stats.last_seen(),
                top_peers: tally.peers.top(ctx.config.top, ctx.matcher),
                possibly_allowed_by: rules,
            },
        )
        .collect();
    out.sort_by(|a, b| {
        b.records
            .cmp(&a.records)
            .then_with(|| a.group_ids.cmp(&b.group_ids))
            .then(a.direction.cmp(&b.direction))
            .then(a.protocol.cmp(&b.protocol))
            .then(a.port.cmp(&b.port))
            .then(a.peer_class.cmp(&b.peer_class))
    });
    out
}

/// ENIs named in the logs but absent from the inventory, most records first.
pub(crate) fn unknown_enis(ctx: &Context<'_>) -> Vec<UnknownEni> {
    let mut out: Vec<UnknownEni> = ctx
        .acc
        .unknown_enis
        .iter()
        .map(|(id, (lines, stats))| UnknownEni {
            eni_id: id.clone(),
            records: lines.ok,
            nodata: lines.nodata,
            skipdata: lines.skipdata,
            bytes: stats.bytes,
            first_seen: stats.first_seen(),
            last_seen: stats.last_seen(),
        })
        .collect();
    out.sort_by(|a, b| {
        b.records
            .cmp(&a.records)
            .then_with(|| a.eni_id.cmp(&b.eni_id))
    });
    out
}

/// The inventory's validation findings, in load order.
pub(crate) fn inventory_findings(ctx: &Context<'_>) -> Vec<InventoryFinding> {
    ctx.network
        .inventory()
        .findings()
        .iter()
        .map(|f| InventoryFinding {
            severity: f.severity.into(),
            code: f.code,
            message: f.message.clone(),
            source: f.source.clone(),
            subject: f.subject.clone(),
        })
        .collect()
}

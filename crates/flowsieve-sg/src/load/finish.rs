//! `InventoryBuilder::build`, phase by phase: target-group data attached, rules given their
//! lifetimes and ids, ENIs their versions (`timeline`), groups completed (every rule's owner
//! exists), the network around sorted, then the validation findings.

use std::collections::{BTreeMap, BTreeSet};

use hashbrown::HashMap;

use super::builder::{
    ConfigObservation, GroupEntry, Layered, PrefixListEntry, RuleEntry, TargetGroupRef,
};
use super::timeline::{eni_versions, history_states, rule_lifetimes, snapshot_intervals};
use super::{Inventory, InventoryBuilder, first_source};
use crate::addr::Cidr;
use crate::model::{
    Finding, FindingCode, Interval, NetworkInterface, Peer, PeeringStatus, PrefixList, Rule,
    RuleId, SecurityGroup, Subnet, TargetGroup, Vpc, VpcPeering, derived_rule_id, format_timestamp,
};

/// Per group with AWS Config history: where the history starts, and per rule key the intervals
/// of the items holding it.
type GroupHistories = HashMap<String, (i64, HashMap<String, Vec<Interval>>)>;

impl InventoryBuilder {
    /// Finishes the inventory: gives rules their lifetimes and ids and ENIs their versions,
    /// sorts everything, and adds the validation findings.
    pub fn build(mut self) -> Inventory {
        if self.inputs == 0 {
            self.findings.push(Finding::new(
                FindingCode::EmptyInput,
                "no inventory input was loaded".to_owned(),
                None,
                None,
            ));
        }
        let target_groups = self.attach_target_group_data();
        let mut findings = std::mem::take(&mut self.findings);
        let group_observing = snapshot_intervals(&self.layers, |l| l.has_groups);
        let histories = group_histories(&self.config.groups);
        let (mut rules, rule_ids) = finish_rules(
            self.rules,
            &self.stale_refs,
            &group_observing,
            &histories,
            &mut findings,
        );
        let eni_observing = snapshot_intervals(&self.layers, |l| l.has_enis);
        let enis = finish_enis(
            self.enis,
            self.explicit_enis,
            &eni_observing,
            &self.config.enis,
            &mut findings,
        );
        let groups = complete_groups(self.groups, &rules, &self.owner_hints, &mut findings);
        let peerings = values(self.peerings);
        mark_stale_across_peerings(&mut rules, &groups, &peerings);
        let subnets = values(self.subnets);
        let vpcs = finish_vpcs(values(self.vpcs), &subnets, self.vpc_extra_cidrs);
        let mut loose = self.loose_vpc_cidrs;
        loose.sort();
        loose.dedup();
        let mut internal = self.internal_cidrs;
        internal.sort();
        internal.dedup();
        let mut vpc_cidrs: Vec<Cidr> = vpcs.iter().flat_map(|v| v.cidrs.iter().copied()).collect();
        vpc_cidrs.extend(subnets.iter().flat_map(|s| s.cidrs.iter().copied()));
        vpc_cidrs.extend(loose.iter().copied());
        vpc_cidrs.sort();
        vpc_cidrs.dedup();
        let mut inv = Inventory {
            groups,
            rules,
            enis,
            prefix_lists: finish_prefix_lists(self.prefix_lists),
            vpc_cidrs,
            loose_vpc_cidrs: loose,
            internal_cidrs: internal,
            vpcs,
            subnets,
            peerings,
            network_acls: values(self.network_acls),
            flow_logs: values(self.flow_logs),
            load_balancers: values(self.load_balancers),
            target_groups,
            findings,
            rule_ids,
        };
        inv.validate();
        inv
    }

    /// Target groups sorted by ARN, with the targets and attributes that name them; data for a
    /// group that is not loaded is a finding.
    fn attach_target_group_data(&mut self) -> Vec<TargetGroup> {
        let mut groups = values(std::mem::take(&mut self.target_groups));
        for data in std::mem::take(&mut self.pending_target_data) {
            let found = groups.iter_mut().find(|g| match &data.group {
                TargetGroupRef::Arn(arn) => &g.arn == arn,
                TargetGroupRef::Id(id) => g.id().is_some_and(|gid| gid.eq_ignore_ascii_case(id)),
            });
            let Some(g) = found else {
                let name = match &data.group {
                    TargetGroupRef::Arn(a) | TargetGroupRef::Id(a) => a.clone(),
                };
                self.findings.push(Finding::new(
                    FindingCode::UnknownTargetGroup,
                    format!("targets or attributes of target group {name}, which is not loaded (add `aws elbv2 describe-target-groups` output); ignored"),
                    data.source,
                    Some(&name),
                ));
                continue;
            };
            if let Some(targets) = data.targets {
                let list = g.targets.get_or_insert_with(Vec::new);
                for t in targets {
                    if !list.iter().any(|o| o.id == t.id && o.port == t.port) {
                        list.push(t);
                    }
                }
            }
            if data.preserve_client_ip.is_some() {
                g.preserve_client_ip = data.preserve_client_ip;
            }
        }
        groups
    }
}

/// The values of a by-id map, sorted by id.
fn values<T>(map: BTreeMap<String, Layered<T>>) -> Vec<T> {
    map.into_values().map(|l| l.value).collect()
}

fn group_histories(
    groups: &BTreeMap<String, Vec<ConfigObservation<Vec<String>>>>,
) -> GroupHistories {
    let mut out = GroupHistories::new();
    for (id, observations) in groups {
        let Some((start, states)) = history_states(observations) else {
            continue;
        };
        let mut held: HashMap<String, Vec<Interval>> = HashMap::new();
        for (interval, keys) in states {
            for k in keys {
                held.entry(k).or_default().push(interval);
            }
        }
        out.insert(id.clone(), (start, held));
    }
    out
}

/// Rules in a stable order independent of input order, each with its lifetimes, its id (the
/// listing's, else another input's, else the derived one) and its stale marker from the
/// stale-groups listing.
fn finish_rules(
    rules: HashMap<String, RuleEntry>,
    stale_refs: &HashMap<(String, String), String>,
    observing: &[(usize, Interval)],
    histories: &GroupHistories,
    findings: &mut Vec<Finding>,
) -> (Vec<Rule>, HashMap<String, u32>) {
    let mut entries: Vec<(String, RuleEntry)> = rules.into_iter().collect();
    entries.sort_by(|(_, a), (_, b)| {
        let (x, y) = (&a.rule, &b.rule);
        (
            &x.group_id,
            x.direction,
            x.protocol,
            x.ports,
            x.peer.to_key(),
        )
            .cmp(&(
                &y.group_id,
                y.direction,
                y.protocol,
                y.ports,
                y.peer.to_key(),
            ))
    });
    let mut rule_ids: HashMap<String, u32> = HashMap::with_capacity(entries.len());
    let mut out: Vec<Rule> = Vec::with_capacity(entries.len());
    for (i, (key, e)) in entries.into_iter().enumerate() {
        let mut rule = e.rule;
        let history = histories
            .get(&rule.group_id)
            .map(|(start, held)| (*start, held.get(&key).cloned().unwrap_or_default()));
        let contradicted =
            history.as_ref().is_some_and(|(_, held)| held.is_empty()) && !e.layers.is_empty();
        rule.lifetimes = rule_lifetimes(&e.layers, observing, history, &e.explicit);
        if let Peer::Group {
            group_id,
            peering_status,
            ..
        } = &mut rule.peer
            && peering_status.is_none()
            && let Some(s) = stale_refs.get(&(rule.group_id.clone(), group_id.clone()))
        {
            *peering_status = Some(PeeringStatus::parse(s));
        }
        let derived = derived_rule_id(
            &rule.group_id,
            rule.direction,
            rule.protocol,
            rule.ports,
            &rule.peer,
        );
        let mut id = e.listing_id.or(e.other_id).map_or(derived.clone(), RuleId);
        if rule_ids.contains_key(id.as_str()) {
            findings.push(Finding::new(
                FindingCode::DuplicateId,
                format!(
                    "rule id {id} names two different rules; {} keeps its derived id {derived}",
                    rule.key()
                ),
                first_source(&rule),
                Some(id.as_str()),
            ));
            id = derived;
        }
        if contradicted && rule.lifetimes.is_empty() {
            let start = histories.get(&rule.group_id).map_or(0, |h| h.0);
            findings.push(Finding::new(
                FindingCode::InventoryHistoryGap,
                format!(
                    "rule {id} of {} is in snapshots taken after the group's AWS Config history begins ({}) but in none of its items; the history is followed, so the rule never holds",
                    rule.group_id,
                    format_timestamp(start)
                ),
                first_source(&rule),
                Some(id.as_str()),
            ));
        }
        rule_ids.insert(id.0.clone(), u32::try_from(i).unwrap_or(u32::MAX));
        rule.id = id;
        out.push(rule);
    }
    (out, rule_ids)
}

/// Every ENI version, sorted by (id, start).
fn finish_enis(
    described: BTreeMap<String, Vec<(usize, NetworkInterface)>>,
    explicit: Vec<NetworkInterface>,
    observing: &[(usize, Interval)],
    history: &BTreeMap<String, Vec<ConfigObservation<NetworkInterface>>>,
    findings: &mut Vec<Finding>,
) -> Vec<NetworkInterface> {
    let mut explicit_by_id: BTreeMap<String, Vec<NetworkInterface>> = BTreeMap::new();
    for e in explicit {
        explicit_by_id.entry(e.id.clone()).or_default().push(e);
    }
    let ids: BTreeSet<&String> = described
        .keys()
        .chain(history.keys())
        .chain(explicit_by_id.keys())
        .collect();
    let mut out = Vec::new();
    for id in ids {
        let (versions, trimmed) = eni_versions(
            described.get(id).map_or(&[][..], Vec::as_slice),
            observing,
            history.get(id).map(Vec::as_slice),
            explicit_by_id.get(id).map_or(&[][..], Vec::as_slice),
        );
        if trimmed > 0 {
            findings.push(Finding::new(
                FindingCode::DuplicateId,
                format!("network interface {id} has {trimmed} version(s) overlapping earlier ones; they are trimmed to start where the earlier ones end"),
                None,
                Some(id),
            ));
        }
        out.extend(versions);
    }
    out
}

/// Every group, sorted by id: the described ones, plus an empty description (with a finding) for
/// every rule owner that was not described.
fn complete_groups(
    mut groups: BTreeMap<String, GroupEntry>,
    rules: &[Rule],
    owner_hints: &HashMap<String, String>,
    findings: &mut Vec<Finding>,
) -> Vec<SecurityGroup> {
    for r in rules {
        if groups.contains_key(&r.group_id) {
            continue;
        }
        findings.push(Finding::new(
            FindingCode::GroupNotDescribed,
            format!(
                "group {} has rules but no description (name, VPC) was loaded",
                r.group_id
            ),
            first_source(r),
            Some(&r.group_id),
        ));
        let group = SecurityGroup {
            id: r.group_id.clone(),
            name: String::new(),
            description: String::new(),
            vpc_id: None,
            owner_id: owner_hints.get(&r.group_id).cloned(),
            is_default: false,
            tags: Vec::new(),
        };
        groups.insert(
            r.group_id.clone(),
            GroupEntry {
                group,
                described: BTreeSet::new(),
            },
        );
    }
    groups.into_values().map(|e| e.group).collect()
}

/// A reference to a group of another VPC is stale when the peering connections between the two
/// VPCs that are loaded are all over (deleted, rejected, failed, expired).
fn mark_stale_across_peerings(
    rules: &mut [Rule],
    groups: &[SecurityGroup],
    peerings: &[VpcPeering],
) {
    if peerings.is_empty() {
        return;
    }
    let vpc_of = |g: &str| {
        groups
            .binary_search_by(|x| x.id.as_str().cmp(g))
            .ok()
            .and_then(|i| groups.get(i))
            .and_then(|x| x.vpc_id.clone())
    };
    for r in rules {
        let owner_vpc = vpc_of(&r.group_id);
        let Peer::Group {
            group_id,
            vpc_id,
            peering_status,
            ..
        } = &mut r.peer
        else {
            continue;
        };
        let (Some(mine), Some(theirs)) = (owner_vpc, vpc_id.clone().or_else(|| vpc_of(group_id)))
        else {
            continue;
        };
        if mine == theirs || peering_status.is_some() {
            continue;
        }
        let between: Vec<&VpcPeering> = peerings
            .iter()
            .filter(|p| {
                p.other_side(&mine)
                    .is_some_and(|o| o.vpc_id.as_deref() == Some(theirs.as_str()))
            })
            .collect();
        let all_over = !between.is_empty() && between.iter().all(|p| p.status.is_terminal());
        if all_over && let Some(p) = between.first() {
            *peering_status = Some(p.status.clone());
        }
    }
}

/// VPCs sorted by id, each with the blocks given apart (Terraform) and the blocks of its
/// subnets that its own blocks do not cover (a VPC known only from its subnets gets theirs).
fn finish_vpcs(mut vpcs: Vec<Vpc>, subnets: &[Subnet], extra: Vec<(String, Cidr)>) -> Vec<Vpc> {
    let extra: Vec<(Option<String>, Vec<Cidr>)> = extra
        .into_iter()
        .map(|(id, c)| (Some(id), vec![c]))
        .collect();
    let of_subnets = subnets.iter().map(|s| (s.vpc_id.clone(), s.cidrs.clone()));
    for (vpc_id, cidrs) in extra.into_iter().chain(of_subnets) {
        let Some(vpc_id) = vpc_id.as_deref() else {
            continue;
        };
        let i = match vpcs.binary_search_by(|v| v.id.as_str().cmp(vpc_id)) {
            Ok(i) => i,
            Err(i) => {
                vpcs.insert(
                    i,
                    Vpc {
                        id: vpc_id.to_owned(),
                        ..Vpc::default()
                    },
                );
                i
            }
        };
        if let Some(v) = vpcs.get_mut(i) {
            for c in &cidrs {
                if !v
                    .cidrs
                    .iter()
                    .any(|own| own.contains(c.network()) && own.prefix_len() <= c.prefix_len())
                {
                    v.cidrs.push(*c);
                }
            }
            v.cidrs.sort();
            v.cidrs.dedup();
        }
    }
    vpcs
}

/// Prefix lists sorted by id, their entries sorted and unique, their family told by the entries
/// when no description gave it.
fn finish_prefix_lists(lists: BTreeMap<String, PrefixListEntry>) -> Vec<PrefixList> {
    let mut out: Vec<PrefixList> = lists.into_values().map(|e| e.list).collect();
    for l in &mut out {
        if let Some(entries) = &mut l.entries {
            entries.sort();
            entries.dedup();
        }
        if l.address_family.is_empty()
            && let Some(first) = l.entries.as_ref().and_then(|e| e.first())
        {
            l.address_family = if first.is_ipv4() { "IPv4" } else { "IPv6" }.to_owned();
        }
    }
    out
}

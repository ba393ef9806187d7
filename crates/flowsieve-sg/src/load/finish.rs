//! `InventoryBuilder::build`, phase by phase: rules sorted and given their ids, groups completed
//! (every rule's owner exists), prefix lists and CIDRs sorted, then the validation findings.

use std::collections::BTreeMap;

use hashbrown::HashMap;

use super::builder::{GroupEntry, PrefixListEntry, RuleEntry};
use super::{Inventory, InventoryBuilder};
use crate::model::{
    Finding, FindingCode, NetworkInterface, Peer, PrefixList, Rule, RuleId, SecurityGroup,
    derived_rule_id,
};

impl InventoryBuilder {
    /// Finishes the inventory: assigns rule ids, sorts, and adds the validation findings.
    pub fn build(self) -> Inventory {
        let InventoryBuilder {
            groups,
            rules,
            enis,
            prefix_lists,
            mut vpc_cidrs,
            mut findings,
            stale_refs,
            owner_hints,
            inputs,
        } = self;
        if inputs == 0 {
            findings.push(Finding::new(
                FindingCode::EmptyInput,
                "no inventory input was loaded".to_owned(),
                None,
                None,
            ));
        }
        let (rules, rule_ids) = finish_rules(rules, &stale_refs, &mut findings);
        let groups = complete_groups(groups, &rules, &owner_hints, &mut findings);
        let prefix_lists = finish_prefix_lists(prefix_lists);
        let enis: Vec<NetworkInterface> = enis.into_values().collect();
        vpc_cidrs.sort();
        vpc_cidrs.dedup();
        let mut inv = Inventory {
            groups,
            rules,
            enis,
            prefix_lists,
            vpc_cidrs,
            findings,
            rule_ids,
        };
        inv.validate();
        inv
    }
}

/// Rules in a stable order independent of input order, each with its id (the listing's, else
/// another input's, else the derived one) and its stale marker from the stale-groups listing.
fn finish_rules(
    rules: HashMap<String, RuleEntry>,
    stale_refs: &HashMap<(String, String), String>,
    findings: &mut Vec<Finding>,
) -> (Vec<Rule>, HashMap<String, u32>) {
    let mut entries: Vec<RuleEntry> = rules.into_values().collect();
    entries.sort_by(|a, b| {
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
    for (i, e) in entries.into_iter().enumerate() {
        let mut rule = e.rule;
        if let Peer::Group {
            group_id,
            peering_status,
            ..
        } = &mut rule.peer
            && peering_status.is_none()
            && let Some(s) = stale_refs.get(&(rule.group_id.clone(), group_id.clone()))
        {
            *peering_status = Some(s.clone());
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
        rule_ids.insert(id.0.clone(), u32::try_from(i).unwrap_or(u32::MAX));
        rule.id = id;
        out.push(rule);
    }
    (out, rule_ids)
}

/// `file: location` of a rule's first source.
fn first_source(rule: &Rule) -> Option<String> {
    rule.sources
        .first()
        .map(|s| format!("{}: {}", s.file.display(), s.location))
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
                by_aws: false,
                by_terraform: false,
                by_program: false,
            },
        );
    }
    groups.into_values().map(|e| e.group).collect()
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

//! From the merged [`FlowAccumulator`] to the [`Report`].
//!
//! One pass over the accumulated table ([`tally`]) matches every distinct (ENI, direction,
//! action, orientation, protocol, port, peer) tuple against the declared rules once and sorts
//! what it learns into per-section tallies (refused attempts are only grouped by hotspot there,
//! and tallied one hotspot at a time when [`hotspots`] builds them, so that their sources are
//! not all held at once); each section then has a module of its own:
//! [`rules`] (usage and verdicts), [`hotspots`] (REJECT hotspots and advice), [`reachability`]
//! (observed and declared edges), [`findings`] (the side findings: unallowed accepts, refused
//! responses, egress refusals, unknown ENIs, inventory findings) and [`summary`] (accounting).
//!
//! Every output list is sorted on a total order, so the report is identical for any thread
//! count and file order.

mod findings;
mod hotspots;
mod notices;
mod observed;
mod reachability;
mod rules;
mod summary;
mod tally;
mod untracked;

use foldhash::fast::FixedState;
use hashbrown::HashMap;

use flowsieve_sg::{Addr, CompiledMatcher, EniIdx, GroupSetIdx};

use crate::accum::FlowAccumulator;
use crate::config::AnalysisConfig;
use crate::distinct::DistinctCounter;
use crate::network::Network;
use crate::report::{PeerCount, Reachability, Report};

pub(crate) type Map<K, V> = HashMap<K, V, FixedState>;

/// The ENIs carrying a group (at any time): the matcher lists ENI *versions*; the analysis
/// counts records per ENI id, on its latest version ([`CompiledMatcher::eni_index`]), so the
/// versions map to that. Without inventory history these are the same.
pub(crate) fn carriers_of(m: &CompiledMatcher, group_id: &str) -> Vec<EniIdx> {
    let mut carriers: Vec<EniIdx> = m
        .enis_with_group(group_id)
        .iter()
        .filter_map(|&e| m.eni_index(&m.eni(e).id))
        .collect();
    carriers.sort_unstable();
    carriers.dedup();
    carriers
}

/// The ENIs carrying a group, each with when it did (unix seconds, `[from, until)`, `None`
/// unbounded): one entry per ENI version carrying it, on the ENI's latest version (where
/// attribution keeps line counts and coverage), sorted.
pub(crate) fn carrier_spans(
    m: &CompiledMatcher,
    group_id: &str,
) -> Vec<(EniIdx, Option<i64>, Option<i64>)> {
    let mut spans: Vec<(EniIdx, Option<i64>, Option<i64>)> = m
        .enis_with_group(group_id)
        .iter()
        .filter_map(|&e| {
            let eni = m.eni(e);
            let canonical = m.eni_index(&eni.id)?;
            Some((canonical, eni.valid.from, eni.valid.until))
        })
        .collect();
    spans.sort_unstable();
    spans.dedup();
    spans
}

/// Every (target ENI version, port) a Network Load Balancer with security groups forwards to
/// with client IP preservation, with the balancer's groups.
fn nlb_targets(m: &CompiledMatcher) -> std::collections::BTreeMap<(u32, u16), Vec<String>> {
    let mut out = std::collections::BTreeMap::new();
    for lb in m.load_balancers() {
        if lb.lb_type != flowsieve_sg::LoadBalancerType::Network || lb.security_groups.is_empty() {
            continue;
        }
        for tg in m.target_groups_of(lb).filter(|tg| tg.preserves_client_ip()) {
            let ports: Vec<u16> = tg
                .targets
                .iter()
                .flatten()
                .filter_map(|t| t.port)
                .chain(tg.port)
                .collect();
            for eni in m.target_enis(tg) {
                for &port in &ports {
                    out.entry((eni.0, port))
                        .or_insert_with(Vec::new)
                        .extend(lb.security_groups.iter().cloned());
                }
            }
        }
    }
    for groups in out.values_mut() {
        groups.sort();
        groups.dedup();
    }
    out
}

pub(crate) fn map<K, V>() -> Map<K, V> {
    HashMap::with_hasher(FixedState::with_seed(0xf1))
}

/// What every section reads: the merged table, the network and the options.
pub(crate) struct Context<'a> {
    pub(crate) acc: &'a FlowAccumulator,
    pub(crate) network: &'a Network,
    pub(crate) matcher: &'a CompiledMatcher,
    pub(crate) config: &'a AnalysisConfig,
    /// Groups carried by Network Load Balancer ENIs.
    nlb_groups: std::collections::BTreeSet<String>,
    /// From target-group JSON: (target ENI version, port) → the groups of the Network Load
    /// Balancer that forwards to it with the client's address preserved.
    nlb_targets: std::collections::BTreeMap<(u32, u16), Vec<String>>,
}

impl<'a> Context<'a> {
    pub(crate) fn new(
        acc: &'a FlowAccumulator,
        network: &'a Network,
        config: &'a AnalysisConfig,
    ) -> Self {
        let matcher = network.matcher();
        let nlb_groups = (0..matcher.eni_count())
            .map(|i| flowsieve_sg::EniIdx(i as u32))
            .filter(|&e| is_nlb(matcher.eni(e)))
            .flat_map(|e| matcher.eni(e).group_ids.iter().cloned())
            .collect();
        Context {
            acc,
            network,
            matcher,
            config,
            nlb_groups,
            nlb_targets: nlb_targets(matcher),
        }
    }

    /// Whether an ENI is a Network Load Balancer's.
    pub(crate) fn is_nlb(&self, eni: flowsieve_sg::EniIdx) -> bool {
        is_nlb(self.matcher.eni(eni))
    }

    /// The groups of the Network Load Balancer that forwards client traffic, with the client's
    /// address, to `eni` on `port` (known from target-group JSON).
    pub(crate) fn nlb_target_groups(&self, eni: EniIdx, port: u16) -> Option<&[String]> {
        self.nlb_targets.get(&(eni.0, port)).map(Vec::as_slice)
    }

    /// The groups carried by Network Load Balancer ENIs.
    pub(crate) fn nlb_groups(&self) -> &std::collections::BTreeSet<String> {
        &self.nlb_groups
    }

    /// The name of a group (empty when the group is not in the inventory).
    pub(crate) fn group_name(&self, id: &str) -> String {
        self.network
            .inventory()
            .group(id)
            .map(|g| g.name.clone())
            .unwrap_or_default()
    }

    /// The sorted group ids of a group set.
    pub(crate) fn set_ids(&self, gs: GroupSetIdx) -> Vec<String> {
        self.matcher.group_set_ids(gs).to_vec()
    }

    /// Whether an ENI is named by at least one line of the logs.
    pub(crate) fn logged(&self, eni: flowsieve_sg::EniIdx) -> bool {
        self.acc
            .eni_lines
            .get(eni.0 as usize)
            .is_some_and(|l| l.any())
    }
}

/// Records per remote address, with a distinct count; the top entries become `top_peers`.
#[derive(Debug, Default)]
pub(crate) struct PeerTally {
    pub(crate) distinct: DistinctCounter,
    records: Map<u128, u64>,
    /// Some tuple's addresses came from a sketch beyond its exact limit: `records` holds only
    /// its heavy addresses, with estimated counts.
    pub(crate) approximate: bool,
}

impl PeerTally {
    pub(crate) fn add(&mut self, peer: u128, records: u64) {
        self.distinct.insert(peer);
        *self.records.entry(peer).or_insert(0) += records;
    }

    /// Adds a tuple's records: by its peer, or by the addresses behind its internet class.
    pub(crate) fn add_tuple(&mut self, t: &tally::Tuple<'_>, records: u64) {
        match &t.internet {
            None => self.add(t.key.peer, records),
            Some(internet) => {
                self.distinct.merge(&internet.distinct);
                for &(peer, n) in &internet.peers {
                    *self.records.entry(peer).or_insert(0) += n;
                }
                self.approximate |= !internet.exact;
            }
        }
    }

    /// Every address with its records.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&u128, &u64)> {
        self.records.iter()
    }

    /// Distinct addresses held.
    pub(crate) fn len(&self) -> usize {
        self.records.len()
    }

    pub(crate) fn top(&self, n: usize, matcher: &CompiledMatcher) -> Vec<PeerCount> {
        let mut all: Vec<(u128, u64)> = self.records.iter().map(|(&p, &r)| (p, r)).collect();
        all.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        all.into_iter()
            .take(n)
            .map(|(peer, records)| PeerCount {
                peer: Addr(peer).to_string(),
                eni_id: matcher
                    .resolve_address(None, Addr(peer), None)
                    .eni()
                    .map(|e| matcher.eni(e).id.clone()),
                records,
                estimated: self.approximate,
            })
            .collect()
    }
}

/// A Network Load Balancer's ENI: interface type `network_load_balancer`, or the `ELB net/…`
/// description AWS gives it.
fn is_nlb(eni: &flowsieve_sg::NetworkInterface) -> bool {
    eni.interface_type
        .eq_ignore_ascii_case("network_load_balancer")
        || eni.description.starts_with("ELB net/")
}

pub(crate) fn build_report(
    mut acc: FlowAccumulator,
    network: &Network,
    config: &AnalysisConfig,
    files_listed: u64,
    files_pruned: u64,
) -> Report {
    for cell in acc.flows.values_mut() {
        if let Some(peers) = &mut cell.peers {
            peers.seal();
        }
    }
    let ctx = Context::new(&acc, network, config);
    let tallies = tally::Tallies::collect(&ctx);
    let observed = observed::Observed::new(&ctx);
    let (rules, status_counts) = rules::build(&ctx, &observed, &tallies.rules);
    let (reject_hotspots, scans) = hotspots::build(&ctx, tallies.hotspots);
    let reachability = Reachability {
        observed: reachability::observed(&ctx, tallies.edges),
        declared_unused: reachability::declared_unused(&ctx, &rules),
    };
    let summary = summary::build(
        &ctx,
        files_listed,
        files_pruned,
        status_counts,
        observed.window,
        tallies.icmp_paired,
    );
    let flow_logs = observed.flow_logs(&ctx);
    Report {
        schema_version: crate::report::REPORT_SCHEMA_VERSION,
        tool: format!("flowsieve {}", env!("CARGO_PKG_VERSION")),
        notices: {
            let mut n = notices::build(&summary, &flow_logs);
            n.extend(notices::rules_changed(&ctx, observed.window));
            n
        },
        summary,
        flow_logs,
        enis: observed.enis(&ctx),
        rules,
        reject_hotspots,
        scans,
        reachability,
        unallowed_accepts: findings::flow_groups(&ctx, tallies.unallowed),
        rejected_responses: findings::flow_groups(&ctx, tallies.responses),
        egress_rejects: findings::flow_groups(&ctx, tallies.egress_rejects),
        possibly_allowed_accepts: findings::possibly_allowed(&ctx, tallies.possibly_allowed),
        unknown_enis: findings::unknown_enis(&ctx),
        inventory_findings: findings::inventory_findings(&ctx),
    }
}

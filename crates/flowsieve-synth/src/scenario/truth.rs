//! A scenario's `truth.json` and the consistency checks run at generation time: an expected
//! `unused` must be ground-truth unused and provable (every carrier ENI logged with ACCEPT
//! captured for its whole life in the window); a ground-truth used rule can only be expected
//! `used` or `unknown`; an expected `used` needs a logged record that shows it; reasons are
//! given exactly for `unknown`; every expected hotspot has refused records in the logs.
//!
//! Knows nothing about rendering.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::error::{Error, Result};

use super::model::{
    ALL, Account, EniIdx, Expect, FlowLogIdx, GroupIdx, InventoryForm, LikelyCause, Peer,
    PeerClass, Rule, Status,
};
use super::sim::{LineStatus, Outcome, Record, Sim};

#[derive(Serialize)]
pub(crate) struct TruthDoc {
    pub(crate) schema_version: u32,
    pub(crate) scenario: ScenarioDoc,
    pub(crate) window: WindowDoc,
    pub(crate) inputs: InputsDoc,
    pub(crate) listener_learnable: bool,
    pub(crate) flow_logs: Vec<FlowLogDoc>,
    pub(crate) enis: Vec<EniDoc>,
    pub(crate) rules: Vec<RuleDoc>,
    pub(crate) hotspots: Vec<HotspotDoc>,
    pub(crate) records: RecordsDoc,
}

#[derive(Serialize)]
pub(crate) struct ScenarioDoc {
    pub(crate) name: &'static str,
    pub(crate) story: &'static str,
    pub(crate) tests: &'static str,
    pub(crate) seed: u64,
}

#[derive(Serialize)]
pub(crate) struct WindowDoc {
    pub(crate) start: u64,
    pub(crate) end: u64,
}

/// Where each input is, relative to the output directory, and how the analysis takes it.
#[derive(Serialize)]
pub(crate) struct InputsDoc {
    /// Inventory snapshots with their capture time (one for `end_snapshot` and
    /// `config_history`, several for `snapshots`).
    pub(crate) inventory_form: &'static str,
    pub(crate) snapshots: Vec<SnapshotDoc>,
    /// AWS Config history (`config/`), when written.
    pub(crate) config_history: Option<String>,
    /// Other AWS JSON the analysis reads as inventory (`aws/…`).
    pub(crate) extra: Vec<String>,
    /// `--internal-cidr` ranges (on-prem).
    pub(crate) internal_cidrs: Vec<String>,
    pub(crate) logs: &'static str,
    pub(crate) labels: &'static str,
}

#[derive(Serialize)]
pub(crate) struct SnapshotDoc {
    pub(crate) captured_at: u64,
    pub(crate) rfc3339: String,
    pub(crate) path: String,
}

#[derive(Serialize)]
pub(crate) struct FlowLogDoc {
    pub(crate) id: String,
    pub(crate) resource_id: String,
    pub(crate) traffic_type: &'static str,
    pub(crate) format: String,
    pub(crate) aggregation_seconds: u64,
    pub(crate) has_tcp_flags: bool,
    pub(crate) from: u64,
    pub(crate) until: Option<u64>,
    pub(crate) files: u64,
    pub(crate) records: u64,
    pub(crate) nodata: u64,
    pub(crate) skipdata: u64,
}

#[derive(Serialize)]
pub(crate) struct EniDoc {
    pub(crate) eni_id: String,
    pub(crate) name: String,
    pub(crate) kind: &'static str,
    pub(crate) vpc_id: String,
    pub(crate) subnet_id: String,
    pub(crate) addresses: Vec<String>,
    pub(crate) born: u64,
    pub(crate) deleted: Option<u64>,
    /// Group ids from each time on (offsets from the window start).
    pub(crate) groups: Vec<(u64, Vec<String>)>,
    /// In the last inventory snapshot.
    pub(crate) in_final_snapshot: bool,
    /// In some inventory input (a snapshot or Config history).
    pub(crate) in_inventory: bool,
    /// Covered by an ACCEPT-capturing flow log for its whole life in the window, without SKIPDATA.
    pub(crate) fully_observed: bool,
}

#[derive(Serialize)]
pub(crate) struct RuleDoc {
    pub(crate) rule_id: String,
    pub(crate) group_id: String,
    pub(crate) group_name: String,
    pub(crate) direction: &'static str,
    pub(crate) protocol: i16,
    pub(crate) from_port: i32,
    pub(crate) to_port: i32,
    pub(crate) peer: String,
    pub(crate) created: Option<u64>,
    pub(crate) deleted: Option<u64>,
    /// Ground truth: AWS needed the rule for some packet in the window, logged or not.
    pub(crate) used: bool,
    /// `initiating` (it allowed an initiating packet) and/or `untracked_response` (it carried
    /// the responses of untracked flows).
    pub(crate) used_by: Vec<&'static str>,
    pub(crate) initiating_connections: u64,
    pub(crate) untracked_connections: u64,
    /// Forward ACCEPT records in the logs that it allowed.
    pub(crate) logged_records: u64,
    /// Forward ACCEPT records on ENIs absent from every inventory input that it could have
    /// allowed had the ENI carried its group (their groups are unknown).
    pub(crate) possible_unknown_eni_records: u64,
    /// Forward ACCEPT records on its carriers from internal addresses no known ENI holds, that a
    /// group peer could have contained.
    pub(crate) possible_unexplained_peer_records: u64,
    pub(crate) expected: Expect,
    pub(crate) note: String,
}

#[derive(Serialize)]
pub(crate) struct HotspotDoc {
    pub(crate) group_ids: Vec<String>,
    pub(crate) dst_port: u16,
    pub(crate) protocol: u8,
    pub(crate) peer_class: PeerClass,
    pub(crate) likely_cause: LikelyCause,
    /// For a missing rule: the narrowest rule that fixes it.
    pub(crate) suggestion: Option<SuggestionDoc>,
    /// Refused forward ingress records on the target ENIs (all flow logs).
    pub(crate) records: u64,
    pub(crate) distinct_sources: u64,
    pub(crate) sources: Vec<String>,
    pub(crate) note: String,
}

#[derive(Serialize)]
pub(crate) struct SuggestionDoc {
    pub(crate) group_id: String,
    pub(crate) direction: &'static str,
    pub(crate) protocol: u8,
    pub(crate) from_port: u16,
    pub(crate) to_port: u16,
    pub(crate) peer: String,
    /// `tcp 6380 from sg-… on sg-…`, the wording of today's report.
    pub(crate) text: String,
}

#[derive(Serialize, Default)]
pub(crate) struct RecordsDoc {
    pub(crate) forward: u64,
    pub(crate) reverse: u64,
    pub(crate) nodata: u64,
    pub(crate) skipdata: u64,
}

fn peer_text(a: &Account, p: &Peer) -> String {
    match p {
        Peer::Cidr(c) => c.to_string(),
        Peer::Group { group, .. } => a.groups[group.0].id.clone(),
    }
}

/// Whether `eni` is observed with ACCEPT traffic captured over all of `[from, until)`.
pub(crate) fn observed(sim: &Sim<'_>, eni: EniIdx, from: u64, until: u64) -> bool {
    let a = sim.a;
    if a.skipdata.iter().any(|s| s.1 == eni) {
        return false;
    }
    let mut spans: Vec<(u64, u64)> = a
        .flow_logs
        .iter()
        .enumerate()
        .filter(|(i, f)| sim.covers(FlowLogIdx(*i), eni) && f.traffic.captures(true))
        .map(|(_, f)| (f.from, f.until.unwrap_or(a.duration)))
        .collect();
    spans.sort_unstable();
    let mut reached = from;
    for (s, e) in spans {
        if s > reached {
            break;
        }
        reached = reached.max(e);
    }
    reached >= until
}

/// The intervals during which `eni` carries `group`, clipped to the window.
fn carrying(a: &Account, eni: EniIdx, group: GroupIdx) -> Vec<(u64, u64)> {
    let e = &a.enis[eni.0];
    let end_of_life = e.deleted.unwrap_or(a.duration).min(a.duration);
    let mut out = Vec::new();
    for (k, v) in e.versions.iter().enumerate() {
        let until = e
            .versions
            .get(k + 1)
            .map_or(end_of_life, |n| n.from.min(end_of_life));
        if v.groups.contains(&group) && v.from < until {
            out.push((v.from, until));
        }
    }
    out
}

fn fail(a: &Account, what: String) -> Error {
    Error::Config(format!("scenario {}: {what}", a.name))
}

/// Whether the ENI appears in some inventory input (a snapshot, or Config history).
pub(crate) fn known(a: &Account, eni: EniIdx) -> bool {
    let e = &a.enis[eni.0];
    if !a.vpcs[a.subnets[e.subnet.0].vpc.0].loaded {
        return false;
    }
    match &a.inventory {
        InventoryForm::ConfigHistory => true,
        InventoryForm::EndSnapshot => e.alive_at(a.duration - 1),
        InventoryForm::Snapshots(times) => times.iter().any(|&t| e.alive_at(t.min(a.duration - 1))),
    }
}

/// Whether `r` could allow the record (protocol, destination port, CIDR peer; a group peer
/// always could, an ICMP type rule too since the type is not logged).
fn could_allow(r: &Rule, rec: &Record) -> bool {
    if r.egress != rec.egress {
        return false;
    }
    if r.protocol != ALL && r.protocol != i16::from(rec.protocol) {
        return false;
    }
    if r.protocol != ALL && matches!(rec.protocol, 6 | 17) {
        let p = i32::from(rec.dport);
        if p < r.from || p > r.to {
            return false;
        }
    }
    let remote = if rec.egress { rec.pkt_dst } else { rec.pkt_src };
    match &r.peer {
        Peer::Cidr(c) => c.contains(remote),
        Peer::Group { .. } => true,
    }
}

/// (records on unknown ENIs, records from unexplained internal peers) that rule `ri` could
/// have allowed.
fn possible(sim: &Sim<'_>, outcome: &Outcome, ri: usize) -> (u64, u64) {
    let a = sim.a;
    let r = &a.rules[ri];
    let rule_vpc = a.groups[r.group.0].vpc;
    let held = |addr| {
        a.enis
            .iter()
            .enumerate()
            .any(|(i, e)| known(a, EniIdx(i)) && e.addrs.contains(&addr))
    };
    let internal = |addr| a.vpcs.iter().any(|v| v.loaded && v.cidr.contains(addr));
    let (mut unknown_eni, mut unexplained) = (0, 0);
    for rec in &outcome.records {
        if rec.status != LineStatus::Ok || !rec.forward || !rec.accept || !could_allow(r, rec) {
            continue;
        }
        let e = &a.enis[rec.eni.0];
        if !known(a, rec.eni) {
            if a.subnets[e.subnet.0].vpc == rule_vpc {
                unknown_eni += 1;
            }
            continue;
        }
        let remote = if rec.egress { rec.pkt_dst } else { rec.pkt_src };
        if matches!(r.peer, Peer::Group { .. })
            && e.groups_at(rec.start - sim.t0).contains(&r.group)
            && internal(remote)
            && !held(remote)
        {
            unexplained += 1;
        }
    }
    (unknown_eni, unexplained)
}

/// The rules' truth, with the consistency checks.
pub(crate) fn rules(sim: &Sim<'_>, outcome: &Outcome) -> Result<Vec<RuleDoc>> {
    let a = sim.a;
    let mut docs = Vec::new();
    for (i, r) in a.rules.iter().enumerate() {
        let u = &outcome.uses[i];
        let (unknown_eni, unexplained) = possible(sim, outcome, i);
        let used = u.initiating > 0 || u.untracked_responses > 0;
        let mut used_by = Vec::new();
        if u.initiating > 0 {
            used_by.push("initiating");
        }
        if u.untracked_responses > 0 {
            used_by.push("untracked_response");
        }
        let e = &r.expect;
        let name = format!("rule {} ({})", r.id, r.note);
        match e.status {
            Status::Unused if used => {
                return Err(fail(
                    a,
                    format!("{name} is expected unused but AWS needed it"),
                ));
            }
            Status::Used if u.logged_records == 0 => {
                return Err(fail(
                    a,
                    format!("{name} is expected used but no logged record shows it"),
                ));
            }
            Status::Unused if unknown_eni + unexplained > 0 => {
                return Err(fail(
                    a,
                    format!(
                        "{name} is expected unused but records of unknown ENIs or unexplained peers could have used it"
                    ),
                ));
            }
            Status::Unused => {
                for (ei, _) in a.enis.iter().enumerate() {
                    for (from, until) in carrying(a, EniIdx(ei), r.group) {
                        if !observed(sim, EniIdx(ei), from, until) {
                            return Err(fail(
                                a,
                                format!(
                                    "{name} is expected unused but carrier {} is not observed throughout",
                                    a.enis[ei].name
                                ),
                            ));
                        }
                    }
                }
            }
            _ => {}
        }
        if (e.status == Status::Unknown) == e.reasons.is_empty() {
            return Err(fail(
                a,
                format!("{name}: reasons are given exactly for unknown"),
            ));
        }
        let g = &a.groups[r.group.0];
        docs.push(RuleDoc {
            rule_id: r.id.clone(),
            group_id: g.id.clone(),
            group_name: g.name.clone(),
            direction: if r.egress { "egress" } else { "ingress" },
            protocol: r.protocol,
            from_port: r.from,
            to_port: r.to,
            peer: peer_text(a, &r.peer),
            created: r.created,
            deleted: r.deleted,
            used,
            used_by,
            initiating_connections: u.initiating,
            untracked_connections: u.untracked_responses,
            logged_records: u.logged_records,
            possible_unknown_eni_records: unknown_eni,
            possible_unexplained_peer_records: unexplained,
            expected: e.clone(),
            note: r.note.clone(),
        });
    }
    docs.sort_by(|x, y| x.rule_id.cmp(&y.rule_id));
    Ok(docs)
}

/// The expected hotspots with their measured records; each must have refused records.
pub(crate) fn hotspots(sim: &Sim<'_>, outcome: &Outcome) -> Result<Vec<HotspotDoc>> {
    let a = sim.a;
    // (sorted group ids of the target ENI, port, protocol) → (records, sources)
    type Key = (Vec<String>, u16, u8);
    let mut seen: BTreeMap<Key, (u64, BTreeSet<String>)> = BTreeMap::new();
    for r in &outcome.records {
        if r.status != LineStatus::Ok || r.accept || r.egress || !r.forward {
            continue;
        }
        let at = r.start - sim.t0;
        let mut groups: Vec<String> = a.enis[r.eni.0]
            .groups_at(at)
            .iter()
            .map(|g| a.groups[g.0].id.clone())
            .collect();
        groups.sort();
        let entry = seen.entry((groups, r.dport, r.protocol)).or_default();
        entry.0 += 1;
        entry.1.insert(r.pkt_src.to_string());
    }
    let mut docs = Vec::new();
    for h in &a.hotspots {
        let group_ids: Vec<String> = h
            .target_groups
            .iter()
            .map(|g| a.groups[g.0].id.clone())
            .collect();
        let Some((records, sources)) = seen.get(&(group_ids.clone(), h.port, h.protocol)) else {
            return Err(fail(
                a,
                format!(
                    "expected hotspot {group_ids:?} port {} has no refused record",
                    h.port
                ),
            ));
        };
        let suggestion = h.suggestion.as_ref().map(|s| {
            let peer = peer_text(a, &s.peer);
            let group_id = a.groups[s.group.0].id.clone();
            let proto = match s.protocol {
                6 => "tcp".to_string(),
                17 => "udp".to_string(),
                p => p.to_string(),
            };
            SuggestionDoc {
                text: format!("{proto} {} from {peer} on {group_id}", s.port),
                group_id,
                direction: "ingress",
                protocol: s.protocol,
                from_port: s.port,
                to_port: s.port,
                peer,
            }
        });
        docs.push(HotspotDoc {
            group_ids,
            dst_port: h.port,
            protocol: h.protocol,
            peer_class: h.peer_class,
            likely_cause: h.cause,
            suggestion,
            records: *records,
            distinct_sources: sources.len() as u64,
            sources: sources.iter().cloned().collect(),
            note: h.note.clone(),
        });
    }
    Ok(docs)
}

/// The ENIs' truth.
pub(crate) fn enis(sim: &Sim<'_>, final_at: u64) -> Vec<EniDoc> {
    let a = sim.a;
    a.enis
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let s = &a.subnets[e.subnet.0];
            let until = e.deleted.unwrap_or(a.duration).min(a.duration);
            EniDoc {
                eni_id: e.id.clone(),
                name: e.name.clone(),
                kind: e.kind.name(),
                vpc_id: a.vpcs[s.vpc.0].id.clone(),
                subnet_id: s.id.clone(),
                addresses: e.addrs.iter().map(ToString::to_string).collect(),
                born: e.born(),
                deleted: e.deleted,
                groups: e
                    .versions
                    .iter()
                    .map(|v| {
                        (
                            v.from,
                            v.groups.iter().map(|g| a.groups[g.0].id.clone()).collect(),
                        )
                    })
                    .collect(),
                in_final_snapshot: e.alive_at(final_at) && a.vpcs[s.vpc.0].loaded,
                in_inventory: known(a, EniIdx(i)),
                fully_observed: observed(sim, EniIdx(i), e.born(), until),
            }
        })
        .collect()
}

/// Line counts by label.
pub(crate) fn record_counts(outcome: &Outcome) -> RecordsDoc {
    let mut d = RecordsDoc::default();
    for r in &outcome.records {
        match r.status {
            LineStatus::NoData => d.nodata += 1,
            LineStatus::SkipData => d.skipdata += 1,
            LineStatus::Ok if r.forward => d.forward += 1,
            LineStatus::Ok => d.reverse += 1,
        }
    }
    d
}

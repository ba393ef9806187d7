//! Ground truth: accumulators filled per object while it is written (sums, minima, maxima, set
//! unions — so merging per-file results in any order gives the same answer), and the
//! `truth.json` document built from them.
//!
//! The semantics are those of docs/semantics.md; the crate docs list every choice made where the
//! contract leaves room.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::inventory::{Inventory, Peer, Trap};
use crate::matcher::icmp_specific;

/// Line counts of one flow log, by bucket.
#[derive(Clone, Copy, Default, Debug, Serialize, PartialEq, Eq)]
pub(crate) struct LineCounts {
    pub(crate) total: u64,
    pub(crate) header: u64,
    pub(crate) records: u64,
    pub(crate) nodata: u64,
    pub(crate) skipdata: u64,
    pub(crate) blank: u64,
    pub(crate) malformed: u64,
}

impl LineCounts {
    fn add(&mut self, o: &LineCounts) {
        self.total += o.total;
        self.header += o.header;
        self.records += o.records;
        self.nodata += o.nodata;
        self.skipdata += o.skipdata;
        self.blank += o.blank;
        self.malformed += o.malformed;
    }
}

/// The records that credit one rule.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RuleAcc {
    pub(crate) records: u64,
    pub(crate) packets: u64,
    pub(crate) bytes: u64,
    pub(crate) possible: u64,
    pub(crate) first: u64,
    pub(crate) last: u64,
}

impl Default for RuleAcc {
    fn default() -> Self {
        RuleAcc {
            records: 0,
            packets: 0,
            bytes: 0,
            possible: 0,
            first: u64::MAX,
            last: 0,
        }
    }
}

impl RuleAcc {
    pub(crate) fn credit(&mut self, packets: u64, bytes: u64, start: u64, end: u64) {
        self.records += 1;
        self.packets += packets;
        self.bytes += bytes;
        self.first = self.first.min(start);
        self.last = self.last.max(end);
    }

    fn merge(&mut self, o: &RuleAcc) {
        self.records += o.records;
        self.packets += o.packets;
        self.bytes += o.bytes;
        self.possible += o.possible;
        self.first = self.first.min(o.first);
        self.last = self.last.max(o.last);
    }
}

/// A REJECT hotspot key: (group set of the recording ENI, destination port, protocol, internal).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub(crate) struct HotKey {
    pub(crate) groupset: u16,
    pub(crate) dport: u16,
    pub(crate) proto: u8,
    pub(crate) internal: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct HotAcc {
    pub(crate) records: u64,
    pub(crate) packets: u64,
    pub(crate) first: u64,
    pub(crate) last: u64,
    /// Address-table indices of the remote addresses (sorted and deduplicated on merge).
    pub(crate) sources: Vec<u32>,
}

impl HotAcc {
    pub(crate) fn new() -> HotAcc {
        HotAcc {
            records: 0,
            packets: 0,
            first: u64::MAX,
            last: 0,
            sources: Vec::new(),
        }
    }

    fn merge(&mut self, mut o: HotAcc) {
        self.records += o.records;
        self.packets += o.packets;
        self.first = self.first.min(o.first);
        self.last = self.last.max(o.last);
        self.sources.append(&mut o.sources);
        self.sources.sort_unstable();
        self.sources.dedup();
    }
}

/// One malformed line written on purpose.
#[derive(Clone, Debug, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct MalformedLine {
    pub(crate) file: String,
    pub(crate) line: u64,
    pub(crate) reason: &'static str,
    pub(crate) field: Option<&'static str>,
}

/// REJECT records that are not hotspots.
#[derive(Clone, Copy, Default, Debug, Serialize)]
pub(crate) struct OtherRejects {
    /// REJECT records with direction egress on the recording ENI.
    pub(crate) egress: u64,
    /// Ingress REJECT records of response traffic (late packets after the connection closed).
    pub(crate) ingress_reverse: u64,
}

/// Everything one flow log's objects say, accumulated.
#[derive(Clone, Debug, Default)]
pub(crate) struct FlowTruth {
    pub(crate) files: usize,
    pub(crate) bytes_raw: u64,
    pub(crate) bytes_gz: u64,
    pub(crate) lines: LineCounts,
    pub(crate) rules: Vec<RuleAcc>,
    /// Per ENI: named by at least one OK, NODATA or SKIPDATA line.
    pub(crate) seen: Vec<bool>,
    /// Per ENI: named by a SKIPDATA line (AWS dropped records of it).
    pub(crate) skipped: Vec<bool>,
    pub(crate) hotspots: HashMap<HotKey, HotAcc>,
    pub(crate) malformed: Vec<MalformedLine>,
    pub(crate) other: OtherRejects,
}

impl FlowTruth {
    pub(crate) fn new(inv: &Inventory) -> FlowTruth {
        FlowTruth {
            rules: vec![RuleAcc::default(); inv.rules.len()],
            seen: vec![false; inv.enis.len()],
            skipped: vec![false; inv.enis.len()],
            ..FlowTruth::default()
        }
    }

    pub(crate) fn merge(&mut self, o: FlowTruth) {
        self.files += o.files;
        self.bytes_raw += o.bytes_raw;
        self.bytes_gz += o.bytes_gz;
        self.lines.add(&o.lines);
        for (a, b) in self.rules.iter_mut().zip(&o.rules) {
            a.merge(b);
        }
        for (a, b) in self.seen.iter_mut().zip(&o.seen) {
            *a |= *b;
        }
        for (a, b) in self.skipped.iter_mut().zip(&o.skipped) {
            *a |= *b;
        }
        for (k, v) in o.hotspots {
            self.hotspots.entry(k).or_insert_with(HotAcc::new).merge(v);
        }
        self.malformed.extend(o.malformed);
        self.other.egress += o.other.egress;
        self.other.ingress_reverse += o.other.ingress_reverse;
    }
}

/// `truth.json`.
#[derive(Serialize)]
pub(crate) struct TruthDoc {
    pub(crate) schema_version: u32,
    pub(crate) generator: GeneratorDoc,
    pub(crate) window: WindowDoc,
    pub(crate) flow_logs: Vec<FlowLogDoc>,
    pub(crate) traps: Vec<TrapDoc>,
    pub(crate) variant: VariantDoc,
}

#[derive(Serialize)]
pub(crate) struct GeneratorDoc {
    pub(crate) seed: u64,
    pub(crate) records: u64,
    pub(crate) layout: &'static str,
    pub(crate) malformed: bool,
    pub(crate) formats: Vec<&'static str>,
    pub(crate) labels: bool,
}

#[derive(Serialize)]
pub(crate) struct WindowDoc {
    pub(crate) start: u64,
    pub(crate) end: u64,
}

#[derive(Serialize)]
pub(crate) struct VariantDoc {
    pub(crate) backup_rds_rule_missing: bool,
}

#[derive(Serialize)]
pub(crate) struct FlowLogDoc {
    pub(crate) id: String,
    pub(crate) name: &'static str,
    pub(crate) format: String,
    pub(crate) aggregation_seconds: u32,
    pub(crate) has_tcp_flags: bool,
    pub(crate) files: usize,
    pub(crate) lines: LineCounts,
    pub(crate) rules: Vec<RuleDoc>,
    pub(crate) reject_hotspots: Vec<HotspotDoc>,
    pub(crate) other_rejects: OtherRejects,
    pub(crate) malformed: Vec<MalformedLine>,
}

#[derive(Serialize)]
pub(crate) struct RuleDoc {
    pub(crate) rule_id: String,
    pub(crate) group_id: String,
    pub(crate) direction: &'static str,
    pub(crate) protocol: i16,
    pub(crate) from_port: i32,
    pub(crate) to_port: i32,
    pub(crate) peer: String,
    pub(crate) status: &'static str,
    pub(crate) reasons: Vec<&'static str>,
    pub(crate) records: u64,
    pub(crate) packets: u64,
    pub(crate) bytes: u64,
    pub(crate) possible_records: u64,
    pub(crate) first_seen: Option<u64>,
    pub(crate) last_seen: Option<u64>,
}

#[derive(Serialize, Clone)]
pub(crate) struct HotspotDoc {
    pub(crate) group_ids: Vec<String>,
    pub(crate) dst_port: u16,
    pub(crate) protocol: u8,
    pub(crate) peer_class: &'static str,
    pub(crate) records: u64,
    pub(crate) packets: u64,
    pub(crate) distinct_sources: u64,
    pub(crate) first_seen: u64,
    pub(crate) last_seen: u64,
}

#[derive(Serialize)]
pub(crate) struct TrapDoc {
    pub(crate) name: &'static str,
    pub(crate) rule_ids: Vec<String>,
    /// The status every listed rule has in every flow log.
    pub(crate) expect: &'static str,
    /// Its reasons (empty unless `unknown`).
    pub(crate) reasons: Vec<&'static str>,
    /// When set, every listed rule has exactly this many crediting records in every flow log.
    pub(crate) records: Option<u64>,
    pub(crate) hotspot: Option<HotspotExpect>,
    pub(crate) note: &'static str,
}

/// A hotspot a trap produces.
#[derive(Serialize)]
pub(crate) struct HotspotExpect {
    pub(crate) group_ids: Vec<String>,
    pub(crate) dst_port: u16,
    pub(crate) protocol: u8,
    pub(crate) peer_class: &'static str,
    /// `top_internal`: the first `internal` hotspot of the ranking; `present`: in the list.
    pub(crate) expect: &'static str,
}

/// The text of a rule's peer as the report names it.
pub(crate) fn peer_text(peer: &Peer) -> String {
    match peer {
        Peer::Cidr(c) => c.to_string(),
        Peer::Group { id, .. } | Peer::PrefixList { id, .. } => id.clone(),
    }
}

/// The reason codes of `unknown`, in the order the report lists them (docs/semantics.md).
pub(crate) const REASON_ORDER: [&str; 15] = [
    "no_attributed_records",
    "unattributable_records",
    "no_carrier_enis",
    "no_logs_for_group",
    "partial_coverage",
    "skipdata",
    "reject_only_capture",
    "unresolved_peer",
    "peer_membership_incomplete",
    "unknown_eni_traffic",
    "icmp_type_not_logged",
    "weak_orientation",
    "nlb_client_ip_preservation",
    "unlogged_path",
    "untracked_flow_dependency",
];

/// Status and reasons of rule `r` given its accumulated counts: `used` when a record credits
/// it; otherwise `unused` only when nothing stands in the way of the proof — every ENI of its
/// group logged (the generator logs covered ENIs in every window, so "named by a line" means
/// "observed throughout"), no SKIPDATA on them, a resolvable peer with members, and for an
/// ICMP type-specific rule no ICMP record it could have matched. Every reason that holds is
/// listed, in [`REASON_ORDER`].
pub(crate) fn status(
    inv: &Inventory,
    r: usize,
    acc: &RuleAcc,
    seen: &[bool],
    skipped: &[bool],
    untracked_reply: bool,
) -> (&'static str, Vec<&'static str>) {
    let rule = &inv.rules[r];
    if acc.records > 0 {
        return ("used", Vec::new());
    }
    let carriers: Vec<usize> = inv
        .enis
        .iter()
        .enumerate()
        .filter(|(_, e)| e.groups.contains(&rule.group))
        .map(|(i, _)| i)
        .collect();
    let mut reasons = Vec::new();
    let logged = carriers.iter().filter(|&&i| seen[i]).count();
    if carriers.is_empty() {
        reasons.push("no_carrier_enis");
    } else if logged == 0 {
        reasons.push("no_logs_for_group");
    } else if logged < carriers.len() {
        reasons.push("partial_coverage");
    }
    if carriers.iter().any(|&i| skipped[i]) {
        reasons.push("skipdata");
    }
    match &rule.peer {
        Peer::Group { known: None, .. } | Peer::PrefixList { known: None, .. } => {
            reasons.push("unresolved_peer")
        }
        Peer::Group { known: Some(g), .. } if !inv.enis.iter().any(|e| e.groups.contains(g)) => {
            reasons.push("peer_membership_incomplete")
        }
        _ => {}
    }
    if icmp_specific(rule) && acc.possible > 0 {
        reasons.push("icmp_type_not_logged");
    }
    if untracked_reply {
        reasons.push("untracked_flow_dependency");
    }
    reasons.sort_by_key(|r| REASON_ORDER.iter().position(|o| o == r));
    if reasons.is_empty() {
        ("unused", reasons)
    } else {
        ("unknown", reasons)
    }
}

/// Per rule: whether it carries the replies of untracked flows. AWS does not track a TCP or UDP
/// flow allowed by a rule from or to everyone (`0.0.0.0/0`, `::/0`) when the ENI also has a rule
/// in the other direction allowing everything (or every port of that protocol) from or to
/// everyone of the same family; the replies then pass by that other rule, so removing it cuts
/// the flows. Only opening rules that were used count, and only on ENIs whose connections AWS
/// does not always track (load balancers, NAT gateways and endpoints are tracked).
pub(crate) fn untracked_replies(inv: &Inventory, used: &[bool]) -> Vec<bool> {
    use crate::inventory::EniKind;
    let mut out = vec![false; inv.rules.len()];
    for eni in &inv.enis {
        if matches!(
            eni.kind,
            EniKind::Alb { .. } | EniKind::Nat { .. } | EniKind::Vpce { .. }
        ) {
            continue;
        }
        let rules: Vec<usize> = (0..inv.rules.len())
            .filter(|&r| eni.groups.contains(&inv.rules[r].group))
            .collect();
        for &open in &rules {
            let o = &inv.rules[open];
            let Peer::Cidr(c) = &o.peer else { continue };
            if !used[open] || c.len() != 0 || !matches!(o.proto, -1 | 6 | 17) {
                continue;
            }
            for &reply in &rules {
                let r = &inv.rules[reply];
                let Peer::Cidr(rc) = &r.peer else { continue };
                let all_ports = r.from == -1 || (r.from == 0 && r.to == 65535);
                if r.egress != o.egress
                    && rc.len() == 0
                    && rc.is_v4() == c.is_v4()
                    && (r.proto == -1 || (all_ports && (o.proto == -1 || r.proto == o.proto)))
                {
                    out[reply] = true;
                }
            }
        }
    }
    out
}

/// The rule list of one flow log, sorted by rule id.
pub(crate) fn rule_docs(inv: &Inventory, t: &FlowTruth) -> Vec<RuleDoc> {
    let used: Vec<bool> = t.rules.iter().map(|a| a.records > 0).collect();
    let untracked = untracked_replies(inv, &used);
    let mut docs: Vec<RuleDoc> = inv
        .rules
        .iter()
        .enumerate()
        .map(|(r, rule)| {
            let acc = &t.rules[r];
            let (status, reasons) = status(inv, r, acc, &t.seen, &t.skipped, untracked[r]);
            RuleDoc {
                rule_id: rule.id.clone(),
                group_id: inv.groups[rule.group].id.clone(),
                direction: if rule.egress { "egress" } else { "ingress" },
                protocol: rule.proto,
                from_port: rule.from,
                to_port: rule.to,
                peer: peer_text(&rule.peer),
                status,
                reasons,
                records: acc.records,
                packets: acc.packets,
                bytes: acc.bytes,
                possible_records: acc.possible,
                first_seen: (acc.records > 0).then_some(acc.first),
                last_seen: (acc.records > 0).then_some(acc.last),
            }
        })
        .collect();
    docs.sort_by(|a, b| a.rule_id.cmp(&b.rule_id));
    docs
}

/// All hotspots, ranked: private (internal) before external, then records desc, packets desc,
/// then group ids, port, protocol, class asc.
pub(crate) fn hotspot_docs(inv: &Inventory, t: &FlowTruth) -> Vec<HotspotDoc> {
    let sorted: BTreeMap<&HotKey, &HotAcc> = t.hotspots.iter().collect();
    let mut docs: Vec<HotspotDoc> = sorted
        .into_iter()
        .map(|(k, v)| HotspotDoc {
            group_ids: inv.groupsets[usize::from(k.groupset)].clone(),
            dst_port: k.dport,
            protocol: k.proto,
            peer_class: if k.internal { "internal" } else { "external" },
            records: v.records,
            packets: v.packets,
            distinct_sources: v.sources.len() as u64,
            first_seen: v.first,
            last_seen: v.last,
        })
        .collect();
    // Private sources are ranked apart from (before) the internet.
    docs.sort_by(|a, b| {
        (a.peer_class == "external")
            .cmp(&(b.peer_class == "external"))
            .then(b.records.cmp(&a.records))
            .then(b.packets.cmp(&a.packets))
            .then_with(|| a.group_ids.cmp(&b.group_ids))
            .then(a.dst_port.cmp(&b.dst_port))
            .then(a.protocol.cmp(&b.protocol))
            .then(a.peer_class.cmp(b.peer_class))
    });
    docs
}

/// The named traps of the inventory, with what a correct analysis reports for them.
pub(crate) fn trap_docs(inv: &Inventory) -> Vec<TrapDoc> {
    let ids = |t: Trap| -> Vec<String> {
        let mut v: Vec<String> = inv
            .rules_tagged(t)
            .into_iter()
            .map(|r| inv.rules[r].id.clone())
            .collect();
        v.sort();
        v
    };
    let hotspot_on = |role: crate::inventory::Role, port: u16, expect: &'static str| {
        inv.role(role).first().map(|&e| HotspotExpect {
            group_ids: inv.groupsets[usize::from(inv.eni(e).groupset)].clone(),
            dst_port: port,
            protocol: 6,
            peer_class: "internal",
            expect,
        })
    };
    use crate::inventory::Role;
    let mut traps = vec![
        TrapDoc {
            name: "egress_ephemeral_return_only",
            rule_ids: ids(Trap::EgressEphemeralReturnOnly),
            expect: "unused",
            reasons: Vec::new(),
            records: Some(0),
            hotspot: None,
            note: "The frontend's egress tcp 1024-65535 to 0.0.0.0/0 'for return traffic': only the responses to Nginx's requests (to Nginx's ephemeral ports) match it; the frontend never opens a connection, and a stateful group needs no rule for responses.",
        },
        TrapDoc {
            name: "nacl_rejected_only",
            rule_ids: ids(Trap::NaclRejectedOnly),
            expect: "unused",
            reasons: Vec::new(),
            records: Some(0),
            hotspot: hotspot_on(Role::Gguf, 8001, "present"),
            note: "The GGUF group allows tcp 8001 from the public subnets (10.x.0.0/22), but the model subnets' network ACL denies tcp 8001-8002 from there (rule 90): the bastion's attempts are ACCEPTed by its own egress rule and REJECTed on the model server's ENI.",
        },
        TrapDoc {
            name: "used_once",
            rule_ids: ids(Trap::UsedOnce),
            expect: "used",
            reasons: Vec::new(),
            records: Some(1),
            hotspot: None,
            note: "One short SSH session from the bastion to an ECS container instance in the whole window: one ingress record in each flow log.",
        },
        TrapDoc {
            name: "used_twice",
            rule_ids: ids(Trap::UsedTwice),
            expect: "used",
            reasons: Vec::new(),
            records: Some(2),
            hotspot: None,
            note: "Two short calls from the backup instance to the Secrets Manager endpoint in the whole window.",
        },
        TrapDoc {
            name: "missing_alb_health_check_rule",
            rule_ids: ids(Trap::HealthCheckRuleMissing),
            expect: "used",
            reasons: Vec::new(),
            records: None,
            hotspot: hotspot_on(Role::EcsTask, 8081, "top_internal"),
            note: "The second ALB health-checks its ECS tasks on tcp 8081, which the task group forgot (it allows 8000 only): the service rule is used, and the health checks are the top internal REJECT hotspot.",
        },
        TrapDoc {
            name: "icmp_type_not_logged",
            rule_ids: ids(Trap::IcmpTypeNotLogged),
            expect: "unknown",
            reasons: vec!["icmp_type_not_logged"],
            records: Some(0),
            hotspot: None,
            note: "The bastion allows ICMP echo (type 8) and ICMPv6 echo (type 128) only; flow logs carry no ICMP type, so the pings it accepts count in possible_records.",
        },
        TrapDoc {
            name: "no_logs_for_group",
            rule_ids: ids(Trap::NoLogsUncovered),
            expect: "unknown",
            reasons: vec!["no_logs_for_group"],
            records: Some(0),
            hotspot: None,
            note: "legacy-reporting-sg sits on an instance in the legacy subnet, which neither flow log covers (not even NODATA), although Jenkins talks to it.",
        },
        TrapDoc {
            name: "no_carrier_enis",
            rule_ids: ids(Trap::NoLogsNoEnis),
            expect: "unknown",
            reasons: vec!["no_carrier_enis"],
            records: Some(0),
            hotspot: None,
            note: "launch-wizard-1 is on no ENI at all: nothing could show whether its rules are needed.",
        },
        TrapDoc {
            name: "unresolved_peer",
            rule_ids: ids(Trap::UnresolvedPeer),
            expect: "unknown",
            reasons: vec!["unresolved_peer"],
            records: Some(0),
            hotspot: None,
            note: "A rule referencing a group of another account across a peering connection: the inventory cannot resolve its members (their federation requests are accepted but credit no rule in the inventory).",
        },
        TrapDoc {
            name: "overlapping_rules_all_credited",
            rule_ids: ids(Trap::OverlapS3),
            expect: "used",
            reasons: Vec::new(),
            records: None,
            hotspot: None,
            note: "The backend's egress tcp 443 to 0.0.0.0/0 and to the S3 prefix list overlap: every S3 request credits both.",
        },
        TrapDoc {
            name: "self_reference",
            rule_ids: ids(Trap::SelfReference),
            expect: "used",
            reasons: Vec::new(),
            records: None,
            hotspot: None,
            note: "The default group's all-traffic-from-itself rule, used by Jenkins (from addresses of its delegated /28 prefix) reaching the forgotten instance, both in the default group.",
        },
    ];
    if inv.backup_rds_rule_missing {
        traps.push(TrapDoc {
            name: "backup_rds_rule_missing",
            rule_ids: ids(Trap::BackupRds),
            expect: "used",
            reasons: Vec::new(),
            records: None,
            hotspot: hotspot_on(Role::RdsPrimary, 3306, "present"),
            note: "Variant (odd seeds): the RDS group lacks its ingress rule from the backup group. The backup's hourly dumps are ACCEPTed by its own egress rule (used) and REJECTed on the RDS ENI.",
        });
    } else {
        traps.push(TrapDoc {
            name: "backup_rds_rule_present",
            rule_ids: ids(Trap::BackupRds),
            expect: "used",
            reasons: Vec::new(),
            records: None,
            hotspot: None,
            note: "Variant (even seeds): the RDS group has its ingress rule from the backup group, and the hourly dumps use both rules.",
        });
    }
    traps
}

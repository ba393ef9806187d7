//! The report: what an analysis found, as plain serde types. This is the only serialised
//! boundary of the library; its JSON form is documented in `docs/report-schema.md` and versioned
//! by [`REPORT_SCHEMA_VERSION`].
//!
//! Times are unix seconds (UTC). Lists are complete and sorted deterministically: the report
//! does not depend on the order of files or the number of threads.

use serde::{Deserialize, Serialize};

use flowsieve_sg::Direction;

use crate::orient::Evidence;

mod vocab;

pub use vocab::{
    LikelyCause, NoticeCode, PeerClass, Reason, RuleStatus, Severity, TrafficType, UnknownName,
};

/// Version of the JSON report schema; bumped on any incompatible change (see CHANGELOG.md).
pub const REPORT_SCHEMA_VERSION: u32 = 3;

/// Everything an analysis found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// [`REPORT_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The tool and version that wrote the report.
    pub tool: String,
    /// What a reader must know before trusting the report (no attributed records, REJECT-only
    /// capture, …), most serious first.
    pub notices: Vec<Notice>,
    /// Input accounting and the analysed window.
    pub summary: Summary,
    /// Each flow log seen in the archive: what it captures and how it was observed.
    pub flow_logs: Vec<FlowLogSummary>,
    /// Per ENI of the inventory: when the logs observed it, gaps and SKIPDATA periods.
    pub enis: Vec<EniObservation>,
    /// Every declared rule with its usage, sorted by rule id.
    pub rules: Vec<RuleHits>,
    /// Connection attempts refused on their target, grouped and ranked: private sources first
    /// (internal, peered, on-premises: configuration problems), then the internet; most records
    /// first within each, `rank` counting within each.
    pub reject_hotspots: Vec<RejectHotspot>,
    /// Sources that probed many ports or targets (scans), most records first.
    pub scans: Vec<Scan>,
    /// Observed initiating traffic as group-set edges, beside declared edges nothing used.
    pub reachability: Reachability,
    /// Initiating ACCEPT traffic that no declared rule allows (stale inventory, untracked flows).
    pub unallowed_accepts: Vec<FlowGroup>,
    /// Initiating ACCEPT traffic no rule definitely allows but some could have (members of a
    /// referenced group missing from the inventory, a Network Load Balancer forwarding client
    /// addresses, an unresolved peer): `possibly_allowed_by` names them.
    pub possibly_allowed_accepts: Vec<FlowGroup>,
    /// Refused responses and late packets (reverse-direction REJECTs: stateless NACLs, expired
    /// connection tracking), grouped.
    pub rejected_responses: Vec<FlowGroup>,
    /// Outbound connection attempts refused on their source ENI (its own egress rules or NACL).
    pub egress_rejects: Vec<FlowGroup>,
    /// ENIs that appear in the logs but not in the inventory.
    pub unknown_enis: Vec<UnknownEni>,
    /// The inventory's validation findings, passed through.
    pub inventory_findings: Vec<InventoryFinding>,
}

/// A fact about the whole analysis that changes how to read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// What it is.
    pub code: NoticeCode,
    /// A sentence for people (names the flow log or counts concerned).
    pub message: String,
}

/// One flow log as the archive shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowLogSummary {
    /// The flow log id from the object keys (`fl-…`); empty for objects whose key names none.
    pub id: String,
    /// The traffic it captures: declared (describe-flow-logs) or inferred from its records.
    pub traffic_types: Vec<TrafficType>,
    /// Whether `traffic_types` was declared by `describe-flow-logs` (else inferred).
    pub traffic_types_declared: bool,
    /// ACCEPT records.
    pub accept_records: u64,
    /// REJECT records.
    pub reject_records: u64,
    /// Records with `tcp-flags`.
    pub records_with_tcp_flags: u64,
    /// Its aggregation interval in seconds (60 or 600): declared, or inferred from line spans.
    pub aggregation_seconds: i64,
    /// ENIs of the inventory it observed.
    pub enis_observed: u64,
}

/// When the logs observed one ENI of the inventory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EniObservation {
    /// The ENI.
    pub eni_id: String,
    /// Its groups.
    pub group_ids: Vec<String>,
    /// Earliest line in the window.
    pub first_seen: Option<i64>,
    /// Latest line in the window.
    pub last_seen: Option<i64>,
    /// The flow logs that observed it.
    pub flow_logs: Vec<String>,
    /// The share of the window (0 to 1, in 5-minute steps) with a line of it.
    pub observed_fraction: f64,
    /// Stretches of the window without any line of it (at most 20, earliest first), as
    /// `[start, end)` unix seconds.
    pub gaps: Vec<[i64; 2]>,
    /// How many gaps there are in all.
    pub gap_count: u64,
    /// Stretches with SKIPDATA lines (records lost), as `[start, end)`.
    pub skipdata: Vec<[i64; 2]>,
}

/// Input accounting and the analysed window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Objects read.
    pub files: u64,
    /// Objects listed: found under the LOGS locations (local walks and S3 listings), before
    /// pruning. `files_listed = files_pruned + files`.
    #[serde(default)]
    pub files_listed: u64,
    /// Objects skipped without reading because their key lies outside `--since`/`--until`,
    /// `--account` or `--region`.
    pub files_pruned: u64,
    /// Bytes of decompressed text (or Parquet rows' worth) read.
    pub bytes: u64,
    /// Data lines with log-status OK.
    pub records: u64,
    /// NODATA lines.
    pub nodata: u64,
    /// SKIPDATA lines (records AWS dropped: usage conclusions for those ENIs are less certain).
    pub skipdata: u64,
    /// Malformed lines.
    pub malformed: u64,
    /// Header lines.
    pub header: u64,
    /// Blank lines.
    pub blank: u64,
    /// Malformed lines by reason key (only reasons that occurred).
    pub malformed_by_reason: std::collections::BTreeMap<String, u64>,
    /// Sampled malformed lines (a few per reason).
    pub samples: Vec<LineSample>,
    /// Objects that could not be read completely.
    pub file_errors: Vec<FileError>,
    /// Objects whose format lacks fields attribution needs, sorted by object.
    #[serde(default)]
    pub unusable_logs: Vec<UnusableLog>,
    /// Earliest `start` of an analysed record.
    pub window_start: Option<i64>,
    /// Latest `end` of an analysed record.
    pub window_end: Option<i64>,
    /// Start of the analysis window: `--since`, else the earliest line.
    pub analysis_start: Option<i64>,
    /// End of the analysis window: `--until`, else the latest line.
    pub analysis_end: Option<i64>,
    /// The `--since` bound, if any.
    pub since: Option<i64>,
    /// The `--until` bound, if any.
    pub until: Option<i64>,
    /// OK records attributed to a known ENI, a direction and an orientation.
    pub attributed_records: u64,
    /// OK records of ENIs missing from the inventory.
    pub unknown_eni_records: u64,
    /// OK records that could not be attributed, by reason.
    pub unattributed: Unattributed,
    /// How records were oriented (forward = initiating, reverse = response), by evidence.
    pub orientation: Vec<OrientationCount>,
    /// Rules by status.
    pub rule_status: RuleStatusCounts,
    /// Distinct (ENI, direction, action, orientation, protocol, service port, remote address)
    /// tuples the analysis held: what its memory grows with.
    pub distinct_tuples: u64,
}

/// A sampled malformed line (file, line, byte offset, field, text, reason key): the type
/// flowsieve-log's documents share.
pub use flowsieve_log::LineSample;

/// An object that could not be read completely.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileError {
    /// The object.
    pub file: String,
    /// What went wrong (records before the failure were analysed).
    pub error: String,
}

/// OK records not attributed, by reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unattributed {
    /// No `interface-id` in the record.
    pub no_interface: u64,
    /// Neither address is the ENI's and no `flow-direction` (NAT / transit gateway ENIs).
    pub direction_unknown: u64,
    /// An address, the action or the protocol is `-`.
    pub incomplete: u64,
    /// Outside `--since`/`--until`.
    pub outside_window: u64,
    /// In a log whose format lacks a field attribution needs (listed in
    /// [`Summary::unusable_logs`]): nothing about them was attributed, so any rule could be
    /// concerned.
    #[serde(default)]
    pub unusable_format: u64,
}

/// A log whose format lacks fields attribution needs ([`crate::ATTRIBUTION_FIELDS`]): its
/// records were counted, not attributed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnusableLog {
    /// The object.
    pub file: String,
    /// The AWS names of the fields its format lacks (`interface-id`, `srcaddr`, `action`, …).
    pub missing_fields: Vec<String>,
    /// Its records (`log-status` OK) read under such a format.
    pub records: u64,
}

/// Records oriented by one kind of evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrientationCount {
    /// The kind of evidence.
    pub evidence: Evidence,
    /// Records judged initiating.
    pub forward: u64,
    /// Records judged responses.
    pub reverse: u64,
}

/// Rules by status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleStatusCounts {
    /// Credited by at least one initiating record.
    pub used: u64,
    /// Not credited, although ENIs of its group appear in the logs.
    pub unused: u64,
    /// Cannot be judged (no logs for its group, unresolved peer, ICMP type not logged).
    pub unknown: u64,
}

/// The usage of one declared rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleHits {
    /// `sgr-…` (or a derived `sgr~…` id when the rules listing was not loaded).
    pub rule_id: String,
    /// The group holding the rule.
    pub group_id: String,
    /// The group's name.
    pub group_name: String,
    /// `ingress` or `egress`.
    #[serde(with = "vocab::direction_serde")]
    pub direction: Direction,
    /// IANA protocol number, -1 for all.
    pub protocol: i16,
    /// First port (ICMP type), -1 for all.
    pub from_port: i32,
    /// Last port (ICMP code), -1 for all.
    pub to_port: i32,
    /// The peer: a CIDR, `sg-…` or `pl-…`.
    pub peer: String,
    /// The rule's description.
    pub description: Option<String>,
    /// `used`, `unused` (proven) or `unknown`.
    pub status: RuleStatus,
    /// Why the rule is `unknown` (every reason that holds, in a fixed order); empty otherwise.
    pub reasons: Vec<Reason>,
    /// Initiating ACCEPT records that credit the rule.
    pub records: u64,
    /// Their packets.
    pub packets: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Connections opened (records with the initiator's SYN), when the logs have tcp-flags.
    pub connections: Option<u64>,
    /// Records that could have used the rule but cannot be confirmed to (the sum of
    /// `possible_by_reason`).
    pub possible_records: u64,
    /// Earliest `start` of a crediting record.
    pub first_seen: Option<i64>,
    /// Latest `end` of a crediting record.
    pub last_seen: Option<i64>,
    /// Distinct remote addresses.
    pub distinct_peers: u64,
    /// Records for which this rule was the narrowest match (0 for a rule that is always shadowed
    /// by a narrower one).
    pub narrowest_records: u64,
    /// The busiest remote addresses.
    pub top_peers: Vec<PeerCount>,
    /// The busiest service ports.
    pub top_ports: Vec<PortCount>,
    /// Records that could have used the rule but cannot be confirmed to, by reason (weak
    /// orientation, ENIs missing from the inventory, unknown group members, ICMP types …).
    pub possible_by_reason: std::collections::BTreeMap<Reason, u64>,
    /// ENIs carrying the rule's group, and how much of the window the logs cover for them.
    pub coverage: Coverage,
    /// For an `unused` rule, the evidence that proves it; `None` otherwise.
    pub evidence: Option<UnusedEvidence>,
    /// Where the rule was declared (files).
    pub sources: Vec<String>,
}

/// Records from one remote address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerCount {
    /// The address.
    pub peer: String,
    /// The ENI owning it, when it is a known ENI's.
    pub eni_id: Option<String>,
    /// Records.
    pub records: u64,
    /// The list this entry is in is estimated: some tuple behind it had more than 1,024
    /// distinct internet peers and kept them as a sketch (docs/semantics.md, "Internet
    /// peers"), which names only its addresses with at least 1 % of its records, with
    /// estimated counts. `false`: the list and its counts are exact.
    pub estimated: bool,
}

/// Records to one port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortCount {
    /// The port.
    pub port: u16,
    /// Records.
    pub records: u64,
}

/// Which ENIs of a group the logs cover, and for how long.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coverage {
    /// ENIs carrying the group during the analysis window.
    pub enis: u64,
    /// Of them, ENIs named by at least one line (OK, NODATA or SKIPDATA).
    pub enis_in_logs: u64,
    /// Of them, ENIs with SKIPDATA lines in the window (records were lost for them).
    pub enis_with_skipdata: u64,
    /// Of them, ENIs observed by a flow log capturing ACCEPT traffic for the whole window (or
    /// the whole part of it during which they existed).
    pub enis_fully_observed: u64,
    /// The share of the analysis window (0 to 1) during which every carrier ENI was observed
    /// with ACCEPT traffic captured.
    pub observed_fraction: f64,
}

/// The proof behind an `unused` verdict: every ENI that carried the rule's group, when it was
/// observed and what its flow logs capture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnusedEvidence {
    /// Start of the analysis window (unix seconds).
    pub window_start: i64,
    /// End of the analysis window (unix seconds).
    pub window_end: i64,
    /// Every carrier ENI, by id.
    pub carriers: Vec<CarrierObservation>,
}

/// How one ENI carrying a group was observed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarrierObservation {
    /// The ENI.
    pub eni_id: String,
    /// Earliest line of the ENI in the window.
    pub observed_from: Option<i64>,
    /// Latest line of the ENI in the window.
    pub observed_until: Option<i64>,
    /// The flow logs that observed it (ids; empty string for objects whose key names none).
    pub flow_logs: Vec<String>,
    /// The traffic those flow logs capture.
    pub traffic_types: Vec<TrafficType>,
}

/// A group of refused connection attempts on their target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RejectHotspot {
    /// 1-based rank within its class: private sources (internal, peered, on-premises, other
    /// private) are ranked apart from the internet, so internal problems are never buried under
    /// internet noise.
    pub rank: u64,
    /// The target ENIs' groups (sorted).
    pub group_ids: Vec<String>,
    /// Their names, in the same order.
    pub group_names: Vec<String>,
    /// The destination port.
    pub dst_port: u16,
    /// IANA protocol number.
    pub protocol: u8,
    /// Where the sources are.
    pub peer_class: PeerClass,
    /// REJECT records.
    pub records: u64,
    /// Their packets.
    pub packets: u64,
    /// Distinct source addresses.
    pub distinct_sources: u64,
    /// Target ENIs.
    pub target_enis: u64,
    /// Earliest `start`.
    pub first_seen: Option<i64>,
    /// Latest `end`.
    pub last_seen: Option<i64>,
    /// The busiest sources.
    pub top_sources: Vec<PeerCount>,
    /// For internal sources: the groups of the source ENIs (union, sorted).
    pub source_group_ids: Vec<String>,
    /// Records a declared rule would allow: the refusal came from elsewhere (a NACL, or the
    /// inventory is not what was deployed).
    pub allowed_by_rules: u64,
    /// The most likely cause of the refusals.
    pub likely_cause: LikelyCause,
    /// A sentence on the cause when there is more to say (the network ACL entry that denies,
    /// the allowing rule, scanner sources left out of the advice).
    pub cause_note: Option<String>,
    /// For a missing rule: the narrowest rule that would allow these attempts.
    pub suggestion: Option<SuggestedRule>,
}

/// A rule to add: on `group_id`, ingress, for the hotspot's protocol and port, from `peers`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuggestedRule {
    /// The group to add the rule to: the narrowest group carried by every refusing ENI.
    pub group_id: String,
    /// IANA protocol number.
    pub protocol: u8,
    /// First port (the hotspot's port).
    pub from_port: u16,
    /// Last port.
    pub to_port: u16,
    /// The sources: one group carried by every source ENI, or source CIDRs (a few at most).
    pub peers: Vec<String>,
    /// The rule in words, e.g. `tcp 8000 from sg-alb on sg-task`.
    pub text: String,
    /// What to know before adding it (a group shared with ENIs that did not refuse, sources
    /// given as addresses because they carry no common group).
    pub note: Option<String>,
}

impl std::fmt::Display for SuggestedRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// A source that probed many ports or many targets: a scan, listed apart from the hotspots
/// (its attempts never make a rule suggestion).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scan {
    /// The source address.
    pub source: String,
    /// Where it is.
    pub peer_class: PeerClass,
    /// The ENI holding it, when it is a known ENI's.
    pub eni_id: Option<String>,
    /// Distinct destination ports refused.
    pub ports: u64,
    /// Distinct target ENIs that refused it.
    pub targets: u64,
    /// REJECT records.
    pub records: u64,
    /// Earliest `start`.
    pub first_seen: Option<i64>,
    /// Latest `end`.
    pub last_seen: Option<i64>,
}

/// Observed and declared reachability between group sets.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Reachability {
    /// Initiating ACCEPT traffic aggregated to edges, most records first.
    pub observed: Vec<ReachabilityEdge>,
    /// Edges the declared group-to-group rules allow that no record used.
    pub declared_unused: Vec<DeclaredEdge>,
}

/// Initiating traffic from one source to one target on one protocol and port.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReachabilityEdge {
    /// The source ENIs' groups, or `["external"]` / `["internal-unknown"]`.
    pub source: Vec<String>,
    /// The target ENIs' groups, or `["external"]` / `["internal-unknown"]`.
    pub target: Vec<String>,
    /// IANA protocol number.
    pub protocol: u8,
    /// Destination port (0 for port-less protocols).
    pub port: u16,
    /// Records.
    pub records: u64,
    /// Bytes.
    pub bytes: u64,
    /// Distinct initiating addresses.
    pub distinct_peers: u64,
}

/// A declared group-to-group rule nothing used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclaredEdge {
    /// The rule.
    pub rule_id: String,
    /// Source group (the peer for ingress, the rule's group for egress).
    pub source: String,
    /// Target group.
    pub target: String,
    /// IANA protocol number, -1 for all.
    pub protocol: i16,
    /// First port, -1 for all.
    pub from_port: i32,
    /// Last port, -1 for all.
    pub to_port: i32,
    /// `unused` or `unknown`.
    pub status: RuleStatus,
}

/// Records grouped by ENI group set, direction, protocol, port and peer class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowGroup {
    /// The recording ENIs' groups.
    pub group_ids: Vec<String>,
    /// `ingress` or `egress` relative to those ENIs.
    #[serde(with = "vocab::direction_serde")]
    pub direction: Direction,
    /// IANA protocol number.
    pub protocol: u8,
    /// The service port.
    pub port: u16,
    /// Where the remote addresses are.
    pub peer_class: PeerClass,
    /// Records.
    pub records: u64,
    /// Packets.
    pub packets: u64,
    /// Bytes.
    pub bytes: u64,
    /// Distinct remote addresses.
    pub distinct_peers: u64,
    /// Earliest `start`.
    pub first_seen: Option<i64>,
    /// Latest `end`.
    pub last_seen: Option<i64>,
    /// The busiest remote addresses.
    pub top_peers: Vec<PeerCount>,
    /// For `possibly_allowed_accepts`: the rules that could have allowed them (empty elsewhere).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub possibly_allowed_by: Vec<String>,
}

/// An ENI named in the logs but absent from the inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnknownEni {
    /// The `interface-id`.
    pub eni_id: String,
    /// OK records.
    pub records: u64,
    /// NODATA lines.
    pub nodata: u64,
    /// SKIPDATA lines.
    pub skipdata: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Earliest `start`.
    pub first_seen: Option<i64>,
    /// Latest `end`.
    pub last_seen: Option<i64>,
}

/// A validation finding of the inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryFinding {
    /// `warning` or `error`.
    pub severity: Severity,
    /// The finding's code (`unresolved_group_peer`, …; [`flowsieve_sg::FindingCode`]).
    pub code: flowsieve_sg::FindingCode,
    /// The message.
    pub message: String,
    /// Where: `file: json-path` or `file: terraform address`, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// What: the rule, group, ENI or prefix list id concerned, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}

impl Report {
    /// The rules with a given status.
    pub fn rules_with_status(&self, status: RuleStatus) -> impl Iterator<Item = &RuleHits> + '_ {
        self.rules.iter().filter(move |r| r.status == status)
    }

    /// Whether any rule is unused.
    pub fn has_unused_rules(&self) -> bool {
        self.summary.rule_status.unused > 0
    }

    /// Whether any REJECT hotspot exists.
    pub fn has_rejects(&self) -> bool {
        !self.reject_hotspots.is_empty()
    }

    /// The report as pretty JSON.
    ///
    /// # Errors
    ///
    /// Only if serialisation fails, which the report's types do not do (no maps with non-string
    /// keys, no non-finite floats); the error is returned rather than swallowed all the same.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self)
    }
}

//! The report: what an analysis found, as plain serde types. This is the only serialised
//! boundary of the library; its JSON form is documented in `docs/report-schema.md` and versioned
//! by [`REPORT_SCHEMA_VERSION`].
//!
//! Times are unix seconds (UTC). Lists are complete and sorted deterministically: the report
//! does not depend on the order of files or the number of threads.

use serde::{Deserialize, Serialize};

/// Version of the JSON report schema; bumped on any incompatible change.
pub const REPORT_SCHEMA_VERSION: u32 = 2;

/// Everything an analysis found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// [`REPORT_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The tool and version that wrote the report.
    pub tool: String,
    /// Input accounting and the analysed window.
    pub summary: Summary,
    /// Every declared rule with its usage, sorted by rule id.
    pub rules: Vec<RuleHits>,
    /// Connection attempts refused on their target, grouped and ranked (most records first).
    pub reject_hotspots: Vec<RejectHotspot>,
    /// Observed initiating traffic as group-set edges, beside declared edges nothing used.
    pub reachability: Reachability,
    /// Initiating ACCEPT traffic that no declared rule allows (stale inventory, untracked flows).
    pub unallowed_accepts: Vec<FlowGroup>,
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

/// A sampled malformed line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineSample {
    /// The object.
    pub file: String,
    /// 1-based line number (row number for Parquet).
    pub line: u64,
    /// Byte offset of the line.
    pub byte_offset: u64,
    /// The field at fault, when one is.
    pub field: Option<String>,
    /// The offending text.
    pub text: String,
    /// The reason key.
    pub reason: String,
}

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
    /// `tcp_flags`, `privileged_port`, `declared_listener`, `refused_attempt`,
    /// `ephemeral_range`, `lower_port`,
    /// `assumed`.
    pub evidence: String,
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
    pub direction: String,
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
    /// `used`, `unused` or `unknown`.
    pub status: String,
    /// Why `unknown`: `no_logs_for_group`, `unresolved_peer`, `icmp_type_not_logged`.
    pub reason: Option<String>,
    /// Initiating ACCEPT records that credit the rule.
    pub records: u64,
    /// Their packets.
    pub packets: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Connections opened (records with the initiator's SYN), when the logs have tcp-flags.
    pub connections: Option<u64>,
    /// Records an ICMP type-specific rule might have allowed (type not logged).
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
    /// ENIs carrying the rule's group, and how many of them appear in the logs.
    pub coverage: Coverage,
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
}

/// Records to one port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortCount {
    /// The port.
    pub port: u16,
    /// Records.
    pub records: u64,
}

/// Which ENIs of a group the logs cover.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    /// ENIs carrying the group.
    pub enis: u64,
    /// Of them, ENIs named by at least one line (OK, NODATA or SKIPDATA).
    pub enis_in_logs: u64,
    /// Of them, ENIs with SKIPDATA lines (records were lost for them).
    pub enis_with_skipdata: u64,
}

/// A group of refused connection attempts on their target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RejectHotspot {
    /// 1-based rank.
    pub rank: u64,
    /// The target ENIs' groups (sorted).
    pub group_ids: Vec<String>,
    /// Their names, in the same order.
    pub group_names: Vec<String>,
    /// The destination port.
    pub dst_port: u16,
    /// IANA protocol number.
    pub protocol: u8,
    /// `internal` (a known ENI or inside a VPC CIDR) or `external`.
    pub peer_class: String,
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
    /// `missing_rule` (internal traffic no rule allows: usually a broken service),
    /// `nacl_or_stale_inventory` (a rule allows it), or `unsolicited_external` (internet noise).
    pub likely_cause: String,
    /// For a missing rule: the rule that would allow it, e.g. `tcp 8000 from sg-alb on sg-task`.
    pub suggestion: Option<String>,
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
    pub status: String,
}

/// Records grouped by ENI group set, direction, protocol, port and peer class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowGroup {
    /// The recording ENIs' groups.
    pub group_ids: Vec<String>,
    /// `ingress` or `egress` relative to those ENIs.
    pub direction: String,
    /// IANA protocol number.
    pub protocol: u8,
    /// The service port.
    pub port: u16,
    /// `internal` or `external`.
    pub peer_class: String,
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
    pub severity: String,
    /// The finding's code (`unresolved_group_peer`, …).
    pub code: String,
    /// The message.
    pub message: String,
}

impl Report {
    /// The rules with a given status.
    pub fn rules_with_status<'a>(
        &'a self,
        status: &'a str,
    ) -> impl Iterator<Item = &'a RuleHits> + 'a {
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
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|err| format!("{{\"error\":\"{err}\"}}"))
    }
}

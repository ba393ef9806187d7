//! [`FlowAccumulator`]: everything an analysis keeps while it reads, as order-independent
//! aggregates that merge by addition, min and max.
//!
//! The central table is keyed by (ENI, direction, action, orientation, protocol, service port,
//! remote address): it grows with the number of distinct such tuples, never with records or
//! connections (ephemeral client ports are not part of the key). Rule crediting, hotspots and
//! reachability are all derived from it at the end, once per tuple.

use foldhash::fast::FixedState;
use hashbrown::HashMap;

use flowsieve_log::{FlowField, LineStats};
use flowsieve_sg::Direction;

use crate::orient::{Evidence, Orientation};

/// The action of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Action {
    Accept,
    Reject,
}

/// The aggregation key of one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct FlowKey {
    pub(crate) eni: u32,
    pub(crate) direction: Direction,
    pub(crate) action: Action,
    pub(crate) orientation: Orientation,
    pub(crate) protocol: u8,
    /// The server's port: the destination port of a forward record, the source port of a
    /// reverse one (0 for port-less protocols).
    pub(crate) port: u16,
    /// The remote address (`pkt-*` when present).
    pub(crate) peer: u128,
}

impl std::hash::Hash for FlowKey {
    /// One 128-bit write: the small fields packed into the high half (IPv4 peers, the common
    /// case, have zeros there), XORed with the peer. Derived `Hash` would feed the hasher seven
    /// times per record; this upsert is the hottest line of an analysis (benches/aggregate.rs).
    #[inline]
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let head = u64::from(self.eni)
            | (u64::from(self.port) << 32)
            | (u64::from(self.protocol) << 48)
            | ((self.direction as u64) << 56)
            | ((self.action as u64) << 57)
            | ((self.orientation as u64) << 58);
        state.write_u128(self.peer ^ (u128::from(head) << 64));
    }
}

/// Sums over the records of one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FlowStats {
    pub(crate) records: u64,
    pub(crate) packets: u64,
    pub(crate) bytes: u64,
    pub(crate) first: i64,
    pub(crate) last: i64,
    /// Records carrying the initiator's SYN (a connection opening seen), when flags exist.
    pub(crate) syn: u64,
}

impl Default for FlowStats {
    fn default() -> Self {
        FlowStats {
            records: 0,
            packets: 0,
            bytes: 0,
            first: i64::MAX,
            last: i64::MIN,
            syn: 0,
        }
    }
}

impl FlowStats {
    #[inline]
    pub(crate) fn add(&mut self, packets: u64, bytes: u64, start: i64, end: i64, syn: bool) {
        self.records += 1;
        self.packets = self.packets.saturating_add(packets);
        self.bytes = self.bytes.saturating_add(bytes);
        self.first = self.first.min(start);
        self.last = self.last.max(end);
        self.syn += u64::from(syn);
    }

    pub(crate) fn merge(&mut self, other: &FlowStats) {
        self.records += other.records;
        self.packets = self.packets.saturating_add(other.packets);
        self.bytes = self.bytes.saturating_add(other.bytes);
        self.first = self.first.min(other.first);
        self.last = self.last.max(other.last);
        self.syn += other.syn;
    }

    pub(crate) fn first_seen(&self) -> Option<i64> {
        (self.first != i64::MAX).then_some(self.first)
    }

    pub(crate) fn last_seen(&self) -> Option<i64> {
        (self.last != i64::MIN).then_some(self.last)
    }
}

/// Lines that name an ENI, by log-status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct EniLines {
    pub(crate) ok: u64,
    pub(crate) nodata: u64,
    pub(crate) skipdata: u64,
}

impl EniLines {
    fn merge(&mut self, other: &EniLines) {
        self.ok += other.ok;
        self.nodata += other.nodata;
        self.skipdata += other.skipdata;
    }

    pub(crate) fn any(&self) -> bool {
        self.ok + self.nodata + self.skipdata > 0
    }
}

/// Records that could not be attributed, by reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Unattributed {
    /// No `interface-id` (a format without it, or `-`).
    pub(crate) no_interface: u64,
    /// Neither address is the ENI's and the format has no `flow-direction`.
    pub(crate) direction_unknown: u64,
    /// `-` in an address, the action or the protocol (EFA records, formats without them).
    pub(crate) incomplete: u64,
    /// Outside `--since`/`--until`.
    pub(crate) outside_window: u64,
    /// In a log whose format lacks a field attribution needs (not attributed at all).
    pub(crate) unusable_format: u64,
}

impl Unattributed {
    fn merge(&mut self, other: &Unattributed) {
        self.no_interface += other.no_interface;
        self.direction_unknown += other.direction_unknown;
        self.incomplete += other.incomplete;
        self.outside_window += other.outside_window;
        self.unusable_format += other.unusable_format;
    }
}

/// Everything one thread accumulates; merge is associative and commutative.
#[derive(Debug, Clone)]
pub(crate) struct FlowAccumulator {
    pub(crate) flows: HashMap<FlowKey, FlowStats, FixedState>,
    /// Indexed by ENI index of the matcher.
    pub(crate) eni_lines: Vec<EniLines>,
    /// ENIs named in the logs but absent from the inventory.
    pub(crate) unknown_enis: HashMap<String, (EniLines, FlowStats), FixedState>,
    pub(crate) unattributed: Unattributed,
    /// Forward/reverse decisions by evidence: `[evidence][orientation]`.
    pub(crate) evidence: [[u64; 2]; 7],
    /// Earliest `start` and latest `end` of the analysed records.
    pub(crate) window: FlowStats,
    pub(crate) lines: LineStats,
    pub(crate) files: u64,
    pub(crate) bytes_read: u64,
    pub(crate) file_errors: Vec<(String, String)>,
    /// Logs whose format lacks fields attribution needs: (object, missing fields, records).
    pub(crate) unusable_logs: Vec<(String, Vec<FlowField>, u64)>,
}

impl FlowAccumulator {
    pub(crate) fn new(enis: usize) -> Self {
        FlowAccumulator {
            flows: HashMap::with_hasher(FixedState::with_seed(0xf105)),
            eni_lines: vec![EniLines::default(); enis],
            unknown_enis: HashMap::with_hasher(FixedState::with_seed(0xf105)),
            unattributed: Unattributed::default(),
            evidence: [[0; 2]; 7],
            window: FlowStats::default(),
            lines: LineStats::default(),
            files: 0,
            bytes_read: 0,
            file_errors: Vec::new(),
            unusable_logs: Vec::new(),
        }
    }

    #[inline]
    pub(crate) fn count_evidence(&mut self, evidence: Evidence, orientation: Orientation) {
        self.evidence[evidence.index()][orientation as usize] += 1;
    }

    /// Adds `other` into `self`. Every part is a sum, a min/max, or a keyed union of those, so
    /// the order of merges does not matter (file errors and samples are sorted at the end).
    pub(crate) fn merge(&mut self, other: FlowAccumulator) {
        if self.flows.len() < other.flows.len() && self.flows.is_empty() {
            self.flows = other.flows;
        } else {
            for (key, stats) in other.flows {
                self.flows.entry(key).or_default().merge(&stats);
            }
        }
        for (mine, theirs) in self.eni_lines.iter_mut().zip(&other.eni_lines) {
            mine.merge(theirs);
        }
        for (id, (lines, stats)) in other.unknown_enis {
            let entry = self.unknown_enis.entry(id).or_default();
            entry.0.merge(&lines);
            entry.1.merge(&stats);
        }
        self.unattributed.merge(&other.unattributed);
        for (mine, theirs) in self.evidence.iter_mut().zip(other.evidence) {
            mine[0] += theirs[0];
            mine[1] += theirs[1];
        }
        self.window.merge(&other.window);
        // Samples are re-capped per reason after sorting, in the report; keep them all here.
        self.lines.merge(&other.lines, usize::MAX);
        self.files += other.files;
        self.bytes_read += other.bytes_read;
        self.file_errors.extend(other.file_errors);
        self.unusable_logs.extend(other.unusable_logs);
    }
}

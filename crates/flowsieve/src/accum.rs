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

use crate::coverage::FlowLogObservation;
use crate::orient::{Evidence, Orientation};
use crate::peers::PeerSketch;

/// The action of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Action {
    Accept = 0,
    Reject = 1,
}

/// The aggregation key of one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct FlowKey {
    pub(crate) eni: u32,
    pub(crate) direction: Direction,
    pub(crate) action: Action,
    pub(crate) orientation: Orientation,
    pub(crate) protocol: u8,
    /// Whether the orientation is a guess ([`Evidence::is_weak`]).
    pub(crate) weak: bool,
    /// The server's port: the destination port of a forward record, the source port of a
    /// reverse one (0 for port-less protocols).
    pub(crate) port: u16,
    /// For a weak tuple, the port class ([`crate::network::Network::port_class`]) of the other
    /// port — the service port if the guess is wrong — so the report can give the rules of the
    /// other orientation a possible credit; 0 for firm tuples. A class, not the port: the other
    /// port is usually a client's ephemeral port, and keeping it would grow the table with
    /// connections.
    pub(crate) alt_class: u16,
    /// The remote address (`pkt-*` when present).
    pub(crate) peer: u128,
    /// The remote ENI version when the address's owner changes over time and was resolved at
    /// the record's time; else [`REMOTE_LATER`] (resolved once per tuple at the end), or
    /// [`REMOTE_NOBODY`] / [`REMOTE_AMBIGUOUS`].
    pub(crate) remote: u32,
}

/// [`FlowKey::remote`]: the owner does not depend on time; resolve it at the end.
pub(crate) const REMOTE_LATER: u32 = u32::MAX;
/// [`FlowKey::remote`]: no known ENI held the address at the record's time.
pub(crate) const REMOTE_NOBODY: u32 = u32::MAX - 1;
/// [`FlowKey::remote`]: several ENI versions claimed the address at the record's time.
pub(crate) const REMOTE_AMBIGUOUS: u32 = u32::MAX - 2;

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
            | ((self.orientation as u64) << 58)
            | (u64::from(self.weak) << 59);
        state.write_u128(
            self.peer
                ^ (u128::from(head) << 64)
                ^ (u128::from(self.alt_class) << 96)
                ^ (u128::from(self.remote) << 100),
        );
    }
}

/// A record of an ENI missing from the inventory, kept so the report can tell which rules it
/// could have used (its groups are unknown). Ports are kept as the destination's port class,
/// never the client's ephemeral port, so the table does not grow with connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct UnknownFlowKey {
    /// Index into [`FlowAccumulator::unknown_ids`].
    pub(crate) eni: u32,
    /// From `flow-direction`, when the format has it (the ENI's addresses are unknown).
    pub(crate) direction: Option<Direction>,
    pub(crate) action: Action,
    pub(crate) protocol: u8,
    pub(crate) dst_port_class: u16,
    /// Source and destination (`pkt-*` when present).
    pub(crate) src: u128,
    pub(crate) dst: u128,
}

/// Sums over the records of one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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

/// What the table keeps per [`FlowKey`]: the sums, and for a key whose peer is an internet
/// class, the addresses behind it.
#[derive(Debug, Clone, Default)]
pub(crate) struct FlowCell {
    pub(crate) stats: FlowStats,
    /// `Some` exactly when [`FlowKey::peer`] is an internet class
    /// ([`flowsieve_sg::CompiledMatcher::internet_class`]) — in a finished accumulator: a
    /// worker of [`crate::analyze`] moves its exact tables out now and then
    /// ([`FlowAccumulator::take_exact_peers`]), and they come back when the workers merge.
    pub(crate) peers: Option<Box<PeerSketch>>,
}

impl FlowCell {
    pub(crate) fn merge(&mut self, other: FlowCell) {
        self.stats.merge(&other.stats);
        if let Some(theirs) = other.peers {
            self.absorb_peers(theirs);
        }
    }

    /// Adds the addresses of `theirs` to this cell's.
    pub(crate) fn absorb_peers(&mut self, theirs: Box<PeerSketch>) {
        match &mut self.peers {
            Some(mine) => mine.merge_owned(theirs),
            None => self.peers = Some(theirs),
        }
    }
}

/// Lines that name an ENI, by log-status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
    pub(crate) flows: HashMap<FlowKey, FlowCell, FixedState>,
    /// Indexed by ENI index of the matcher.
    pub(crate) eni_lines: Vec<EniLines>,
    /// ENIs named in the logs but absent from the inventory.
    pub(crate) unknown_enis: HashMap<String, (EniLines, FlowStats), FixedState>,
    /// Interned ids of unknown ENIs (this accumulator's numbering).
    pub(crate) unknown_ids: Vec<String>,
    unknown_index: HashMap<String, u32, FixedState>,
    /// Records of unknown ENIs, by what they could have used.
    pub(crate) unknown_flows: HashMap<UnknownFlowKey, u64, FixedState>,
    pub(crate) unattributed: Unattributed,
    /// Forward/reverse decisions by evidence: `[evidence][orientation]`.
    pub(crate) evidence: [[u64; 2]; Evidence::COUNT],
    /// Earliest `start` and latest `end` of the analysed records.
    pub(crate) window: FlowStats,
    /// Earliest `start` and latest `end` of every line in the window (records, NODATA and
    /// SKIPDATA): the analysis window when `--since`/`--until` do not set it.
    pub(crate) lines_window: FlowStats,
    /// What each flow log's lines showed, by flow log id (`""` for objects whose key names no
    /// flow log), sorted by id.
    pub(crate) flow_logs: Vec<(String, FlowLogObservation)>,
    /// The slot of `flow_logs` the source being read belongs to.
    pub(crate) current_flow_log: usize,
    /// Per ENI index: records on the ENI that could not be attributed (direction unknown,
    /// incomplete).
    pub(crate) eni_unattributed: Vec<u64>,
    pub(crate) lines: LineStats,
    pub(crate) files: u64,
    /// Objects a key filter ruled out, unread ([`crate::Analyzer::add_pruned`]).
    pub(crate) files_pruned: u64,
    pub(crate) bytes_read: u64,
    pub(crate) file_errors: Vec<(String, String)>,
    /// Logs whose format lacks fields attribution needs: (object, missing fields, records).
    pub(crate) unusable_logs: Vec<(String, Vec<FlowField>, u64)>,
    /// Addresses that took a new entry of an exact peer table since the tables were last moved
    /// out ([`Self::take_exact_peers`]).
    pub(crate) exact_peer_entries: usize,
}

impl FlowAccumulator {
    pub(crate) fn new(enis: usize) -> Self {
        FlowAccumulator {
            flows: HashMap::with_hasher(FixedState::with_seed(0xf105)),
            eni_lines: vec![EniLines::default(); enis],
            unknown_enis: HashMap::with_hasher(FixedState::with_seed(0xf105)),
            unknown_ids: Vec::new(),
            unknown_index: HashMap::with_hasher(FixedState::with_seed(0xf105)),
            unknown_flows: HashMap::with_hasher(FixedState::with_seed(0xf105)),
            unattributed: Unattributed::default(),
            evidence: [[0; 2]; Evidence::COUNT],
            window: FlowStats::default(),
            lines_window: FlowStats::default(),
            flow_logs: Vec::new(),
            current_flow_log: usize::MAX,
            eni_unattributed: vec![0; enis],
            lines: LineStats::default(),
            files: 0,
            files_pruned: 0,
            bytes_read: 0,
            file_errors: Vec::new(),
            unusable_logs: Vec::new(),
            exact_peer_entries: 0,
        }
    }

    /// Moves every exact peer table out of the table (their cells keep `None` until an
    /// address comes again), for a worker to fold them into tables shared with the others;
    /// sketches stay (their size does not grow).
    pub(crate) fn take_exact_peers(&mut self) -> Vec<(FlowKey, Box<PeerSketch>)> {
        self.exact_peer_entries = 0;
        self.flows
            .iter_mut()
            .filter(|(_, cell)| cell.peers.as_ref().is_some_and(|p| p.is_exact()))
            .filter_map(|(&key, cell)| Some((key, cell.peers.take()?)))
            .collect()
    }

    /// The index of an unknown ENI id in [`Self::unknown_ids`], interning it.
    pub(crate) fn intern_unknown_eni(&mut self, id: &str) -> u32 {
        if let Some(&index) = self.unknown_index.get(id) {
            return index;
        }
        let index = self.unknown_ids.len() as u32;
        self.unknown_ids.push(id.to_owned());
        self.unknown_index.insert(id.to_owned(), index);
        index
    }

    /// Makes `flow_log` the flow log of the lines that follow (one call per source).
    pub(crate) fn begin_flow_log(&mut self, flow_log: &str) {
        let enis = self.eni_lines.len();
        self.current_flow_log = match self
            .flow_logs
            .binary_search_by(|(id, _)| id.as_str().cmp(flow_log))
        {
            Ok(i) => i,
            Err(i) => {
                self.flow_logs
                    .insert(i, (flow_log.to_owned(), FlowLogObservation::new(enis)));
                i
            }
        };
    }

    /// The observation of the current flow log (the unnamed one when none was begun).
    #[inline(always)]
    pub(crate) fn flow_log(&mut self) -> &mut FlowLogObservation {
        if self.current_flow_log >= self.flow_logs.len() {
            self.begin_unnamed_flow_log();
        }
        &mut self.flow_logs[self.current_flow_log].1
    }

    /// [`Self::begin_flow_log`] of the unnamed flow log, out of the per-record path.
    #[cold]
    #[inline(never)]
    fn begin_unnamed_flow_log(&mut self) {
        self.begin_flow_log("");
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
            for (key, cell) in other.flows {
                match self.flows.entry(key) {
                    hashbrown::hash_map::Entry::Occupied(mut mine) => mine.get_mut().merge(cell),
                    hashbrown::hash_map::Entry::Vacant(slot) => {
                        slot.insert(cell);
                    }
                }
            }
        }
        for (mine, theirs) in self.eni_lines.iter_mut().zip(&other.eni_lines) {
            mine.merge(theirs);
        }
        let renumber: Vec<u32> = other
            .unknown_ids
            .iter()
            .map(|id| self.intern_unknown_eni(id))
            .collect();
        for (mut key, records) in other.unknown_flows {
            key.eni = renumber[key.eni as usize];
            *self.unknown_flows.entry(key).or_insert(0) += records;
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
        self.lines_window.merge(&other.lines_window);
        for (id, observation) in other.flow_logs {
            match self.flow_logs.binary_search_by(|(mine, _)| mine.cmp(&id)) {
                Ok(i) => self.flow_logs[i].1.merge(&observation),
                Err(i) => self.flow_logs.insert(i, (id, observation)),
            }
        }
        for (mine, theirs) in self
            .eni_unattributed
            .iter_mut()
            .zip(&other.eni_unattributed)
        {
            *mine += theirs;
        }
        // Samples are re-capped per reason after sorting, in the report; keep them all here.
        self.lines.merge(&other.lines, usize::MAX);
        self.files += other.files;
        self.files_pruned += other.files_pruned;
        self.bytes_read += other.bytes_read;
        self.file_errors.extend(other.file_errors);
        self.unusable_logs.extend(other.unusable_logs);
        self.exact_peer_entries += other.exact_peer_entries;
    }
}

/// Exact peer tables the workers of one pass moved out of their accumulators
/// ([`FlowAccumulator::take_exact_peers`]), merged: each tuple's addresses once, however many
/// workers saw the tuple.
#[derive(Debug, Default)]
pub(crate) struct SharedPeers {
    tables: std::sync::Mutex<HashMap<FlowKey, Box<PeerSketch>, FixedState>>,
}

impl SharedPeers {
    /// Merges a worker's tables in.
    pub(crate) fn absorb(&self, tables: Vec<(FlowKey, Box<PeerSketch>)>) {
        let mut shared = self
            .tables
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for (key, table) in tables {
            match shared.entry(key) {
                hashbrown::hash_map::Entry::Occupied(mut mine) => mine.get_mut().merge_owned(table),
                hashbrown::hash_map::Entry::Vacant(slot) => {
                    slot.insert(table);
                }
            }
        }
    }

    /// Gives the tables back to the cells they came from, in the workers' accumulators merged.
    pub(crate) fn restore_into(self, acc: &mut FlowAccumulator) {
        let tables = self
            .tables
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for (key, table) in tables {
            acc.flows.entry(key).or_default().absorb_peers(table);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(tuple: u32) -> FlowKey {
        FlowKey {
            eni: tuple % 7,
            direction: Direction::Ingress,
            action: Action::Reject,
            orientation: Orientation::Forward,
            protocol: 6,
            weak: false,
            port: 1000 + (tuple / 7) as u16,
            alt_class: 0,
            peer: 0xffff_0000_0000 | u128::from(tuple),
            remote: REMOTE_LATER,
        }
    }

    /// Every cell's stats and sealed peer sketch, sorted by key.
    fn cells(acc: &mut FlowAccumulator) -> Vec<(FlowKey, FlowStats, Option<Vec<u8>>)> {
        let mut out: Vec<_> = acc
            .flows
            .iter_mut()
            .map(|(k, cell)| {
                let peers = cell.peers.as_mut().map(|p| {
                    p.seal();
                    p.to_bytes()
                });
                (*k, cell.stats, peers)
            })
            .collect();
        out.sort_by_key(|c| c.0);
        out
    }

    /// Workers that fold their exact tables into shared ones at arbitrary moments end, merged
    /// and given the shared tables back, with the accumulator of workers that never did: the
    /// same stats and the same sketches, byte for byte (some tuples pass the exact limit).
    #[test]
    fn folding_exact_tables_out_and_back_changes_nothing() {
        let mut x: u64 = 0x5eed;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let records: Vec<(u32, u128, u32)> = (0..40_000)
            .map(|_| {
                let r = next();
                // Tuples 0 and 1 take a quarter of the records from thousands of addresses
                // (sketched), the rest a few hundred each.
                let tuple = if r % 4 == 0 { (r >> 2) % 2 } else { r % 40 } as u32;
                let spread = if tuple < 2 { 5_000 } else { 300 };
                let addr = 0xffff_0000_0000 | u128::from((r >> 8) % spread);
                (tuple, addr, (r >> 40) as u32 % 3)
            })
            .collect();
        let mut run = |fold_every: Option<u64>| {
            let shared = SharedPeers::default();
            let mut workers = [FlowAccumulator::new(7), FlowAccumulator::new(7)];
            for (i, &(tuple, addr, worker)) in records.iter().enumerate() {
                let acc = &mut workers[worker as usize % 2];
                let cell = acc.flows.entry(key(tuple)).or_default();
                cell.stats.add(1, 40, i as i64, i as i64 + 1, false);
                let new = cell.peers.get_or_insert_with(Default::default).add(addr, 1);
                acc.exact_peer_entries += usize::from(new);
                if fold_every.is_some_and(|n| next() % n == 0) {
                    shared.absorb(acc.take_exact_peers());
                    assert_eq!(acc.exact_peer_entries, 0);
                }
            }
            let [mut merged, other] = workers;
            merged.merge(other);
            shared.restore_into(&mut merged);
            cells(&mut merged)
        };
        let whole = run(None);
        assert!(
            whole
                .iter()
                .filter(|c| c.2.as_ref().unwrap()[0] != 0)
                .count()
                >= 2,
            "some tuples are sketched"
        );
        for n in [3, 50, 2_000] {
            assert!(run(Some(n)) == whole, "folding every ~{n} records");
        }
    }
}

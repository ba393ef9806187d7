//! Learning who listens where, from the archive itself, before attribution.
//!
//! Without `tcp-flags` (the default v2 format, and every window of a long connection after
//! its first), a record does not say who opened its connection. The archive does, in
//! aggregate: a server's port stays fixed while its clients' ports and addresses vary, and
//! where any flow log has `tcp-flags`, the SYN and SYN-ACK records name the server's port once
//! for every later record of that ENI and port, across flow logs and windows.
//!
//! [`ListenerLearner`] collects, per (ENI, protocol, port) of TCP and UDP records: how often the
//! port answered a SYN (server), opened one (client), and which distinct remote ports talked to
//! it (up to [`DISTINCT_REMOTE_PORTS`]). Its memory grows with distinct (ENI, port) pairs, never
//! with connections or records. Learners merge by sums and set union, so what is learned does
//! not depend on file order or threads; [`Listeners`] is the frozen result the
//! [`Orienter`](crate::orient) reads, so a record's orientation is a pure function of the
//! record and of what was learned.
//!
//! The analysis learns from a first pass over the beginning of every object
//! ([`AnalysisConfig::with_learn_lines`](crate::AnalysisConfig::with_learn_lines)); embedders
//! feed batches to [`ListenerLearner::add_batch`] themselves (or skip learning: orientation then
//! falls back to declarations and port ranges, and more verdicts are `unknown`, never wrong).

use arrow_array::cast::AsArray;
use arrow_array::types::{UInt8Type, UInt16Type};
use arrow_array::{Array, PrimitiveArray};
use foldhash::fast::FixedState;
use hashbrown::HashMap;
use serde::{Deserialize, Serialize};

use flowsieve_log::{FlowField, FlowRecordBatch};
use flowsieve_sg::{Addr, Direction, EniIdx};

use crate::network::Network;

/// Distinct remote ports remembered per (ENI, protocol, port); a port that saw this many is a
/// listener (its clients' ports vary).
pub const DISTINCT_REMOTE_PORTS: usize = 3;

const TCP: u8 = 6;
const UDP: u8 = 17;
const SYN: u8 = 0x02;
const ACK: u8 = 0x10;

/// What was seen of one (ENI, protocol, port).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PortEvidence {
    /// SYNs received on this port, or SYN-ACKs sent from it: it served a connection.
    pub(crate) served: u32,
    /// SYNs sent from this port, or SYN-ACKs received on it: it opened a connection.
    pub(crate) opened: u32,
    /// Distinct remote ports seen talking to it (0 = empty slot), at most
    /// [`DISTINCT_REMOTE_PORTS`], sorted so that merges are order-independent.
    pub(crate) remote_ports: [u16; DISTINCT_REMOTE_PORTS],
    /// Whether a remote port 0 was seen (kept apart from the empty-slot marker).
    pub(crate) remote_port_zero: bool,
}

impl PortEvidence {
    fn add_remote_port(&mut self, port: u16) {
        if port == 0 {
            self.remote_port_zero = true;
            return;
        }
        if self.remote_ports.contains(&port) {
            return;
        }
        // Keep the smallest distinct ports: a deterministic choice, whatever the order.
        let mut ports: Vec<u16> = self
            .remote_ports
            .iter()
            .copied()
            .filter(|&p| p != 0)
            .chain(std::iter::once(port))
            .collect();
        ports.sort_unstable();
        ports.truncate(DISTINCT_REMOTE_PORTS);
        self.remote_ports = [0; DISTINCT_REMOTE_PORTS];
        self.remote_ports[..ports.len()].copy_from_slice(&ports);
    }

    fn merge(&mut self, other: &PortEvidence) {
        self.served = self.served.saturating_add(other.served);
        self.opened = self.opened.saturating_add(other.opened);
        for &p in other.remote_ports.iter().filter(|&&p| p != 0) {
            self.add_remote_port(p);
        }
        self.remote_port_zero |= other.remote_port_zero;
    }

    /// What this evidence says about the port, coarsely: whether it served a SYN, opened one,
    /// and how many distinct remote ports talked to it (capped at the listener threshold).
    fn class(&self) -> PortClass {
        PortClass {
            served: self.served > 0,
            opened: self.opened > 0,
            remote_ports: self.distinct_remote_ports().min(DISTINCT_REMOTE_PORTS) as u8,
        }
    }

    fn distinct_remote_ports(&self) -> usize {
        self.remote_ports.iter().filter(|&&p| p != 0).count() + usize::from(self.remote_port_zero)
    }
}

/// The coarse state of a port's evidence within one object: what the learning pass's early
/// stop watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PortClass {
    served: bool,
    opened: bool,
    remote_ports: u8,
}

impl PortClass {
    /// Whether going from `before` to this class taught something about a listener: the port
    /// changed class and is now informative (served a SYN, or two or more remote ports). A
    /// client's fresh ephemeral port (one remote port, perhaps a SYN sent) is not progress:
    /// it appears with every new connection.
    fn progressed_from(self, before: PortClass) -> bool {
        self != before && (self.served || self.remote_ports >= 2)
    }
}

/// How much of one object the learning pass still reads: at most a line budget, and it stops
/// early once [`LEARN_PATIENCE_LINES`] lines in a row taught nothing new about a listener
/// (a server port seen answering a SYN, a port whose remote ports vary, a listener opening a
/// connection). Counted per object, so where an object stops depends only on its own lines.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LearnBudget {
    left: u64,
    quiet: u64,
    patience: u64,
}

impl LearnBudget {
    /// A budget of `lines` lines, stopping after `patience` lines without progress.
    pub(crate) fn new(lines: u64, patience: u64) -> Self {
        LearnBudget {
            left: lines,
            quiet: 0,
            patience: patience.max(1),
        }
    }

    fn spent(&self) -> bool {
        self.left == 0 || self.quiet >= self.patience
    }

    fn count(&mut self, progressed: bool) {
        self.left -= 1;
        self.quiet = if progressed { 0 } else { self.quiet + 1 };
    }

    /// Counts `rows` lines that taught nothing.
    fn pass(&mut self, rows: u64) {
        self.left = self.left.saturating_sub(rows);
        self.quiet = self.quiet.saturating_add(rows);
    }
}

/// Lines of an object in a row that teach nothing new about a listener before the learning
/// pass stops reading it (see [`crate::AnalysisConfig::with_learn_lines`]).
pub const LEARN_PATIENCE_LINES: u64 = 2048;

/// (ENI index, protocol, port).
type PortKey = (u32, u8, u16);

/// What the archive says about listeners, accumulated from batches object by object; merge
/// learners of several threads or machines, then [`finish`](Self::finish).
///
/// Batches of one object are added with [`add_batch`](Self::add_batch), and the object is
/// closed with [`end_object`](Self::end_object): what it showed of each (ENI, port) is kept
/// only when it is informative — the port took part in a SYN exchange, or two or more remote
/// ports talked to it within the object. A client's ephemeral port talks to one remote port in
/// an object and is dropped there, so memory holds server ports, not connections. The reduction
/// is a function of the object alone and the merge is a sum and a set union, so what is learned
/// is the same for any thread count and object order.
#[derive(Debug, Clone)]
pub struct ListenerLearner {
    /// The current object's observations.
    pending: HashMap<PortKey, PortEvidence, FixedState>,
    /// Informative observations of closed objects.
    ports: HashMap<PortKey, PortEvidence, FixedState>,
    records: u64,
}

impl Default for ListenerLearner {
    fn default() -> Self {
        ListenerLearner::new()
    }
}

impl ListenerLearner {
    /// An empty learner.
    pub fn new() -> Self {
        ListenerLearner {
            pending: HashMap::with_hasher(FixedState::with_seed(0x1ea7)),
            ports: HashMap::with_hasher(FixedState::with_seed(0x1ea7)),
            records: 0,
        }
    }

    /// Learns from one batch (any projection holding interface-id, the addresses, ports and
    /// protocol; tcp-flags and flow-direction are used when present).
    pub fn add_batch(&mut self, network: &Network, batch: &FlowRecordBatch) {
        self.add_rows(network, batch, batch.num_rows());
    }

    /// Learns from the first `rows` rows of a batch.
    fn add_rows(&mut self, network: &Network, batch: &FlowRecordBatch, rows: usize) {
        let Some(view) = LearnView::new(network, batch) else {
            return;
        };
        for row in 0..rows.min(batch.num_rows()) {
            self.add_row(network, &view, row);
        }
    }

    /// Learns from the rows of `batch` while `budget` lasts; returns false once it is spent
    /// (the object has taught what it will: stop reading it).
    pub(crate) fn add_rows_within(
        &mut self,
        network: &Network,
        batch: &FlowRecordBatch,
        budget: &mut LearnBudget,
    ) -> bool {
        let Some(view) = LearnView::new(network, batch) else {
            // Nothing to learn from these columns: the rows still count, so an object of an
            // unusable format is not read to its end.
            budget.pass(batch.num_rows() as u64);
            return !budget.spent();
        };
        for row in 0..batch.num_rows() {
            if budget.spent() {
                return false;
            }
            let progressed = self.add_row(network, &view, row);
            budget.count(progressed);
        }
        !budget.spent()
    }

    /// Learns from one row; returns whether it changed what the object says about a listener
    /// (see [`PortEvidence::class`]).
    fn add_row(&mut self, network: &Network, v: &LearnView<'_>, row: usize) -> bool {
        let m = network.matcher();
        let (Some(eni), Some(protocol)) = (v.eni(row), v.protocol.get(row)) else {
            return false;
        };
        if protocol != TCP && protocol != UDP {
            return false;
        }
        let (Some(src), Some(dst), Some(sport), Some(dport)) = (
            v.src.get(row),
            v.dst.get(row),
            v.sport.get(row),
            v.dport.get(row),
        ) else {
            return false;
        };
        let direction = match v.direction(row) {
            Some(d) => d,
            None if network.owns(eni, dst) => Direction::Ingress,
            None if network.owns(eni, src) => Direction::Egress,
            None => return false,
        };
        let pkt = |col: &Option<AddressValues<'_>>, fallback: u128| {
            col.as_ref().and_then(|c| c.get(row)).unwrap_or(fallback)
        };
        let (local_port, remote_port, remote_addr) = match direction {
            Direction::Ingress => (dport, sport, pkt(&v.pkt_src, src)),
            Direction::Egress => (sport, dport, pkt(&v.pkt_dst, dst)),
        };
        self.records += 1;
        let remote_eni = m.resolve_address(None, Addr(remote_addr), None).eni();
        // Which side sent a SYN (client) or a SYN-ACK (server), if the flags say.
        let sender_role =
            v.flags.as_ref().and_then(|f| f.get(row)).and_then(|flags| {
                (protocol == TCP && flags & SYN != 0).then_some(flags & ACK != 0)
            });
        let local_sent = direction == Direction::Egress;
        let local = self
            .pending
            .entry((eni.0, protocol, local_port))
            .or_default();
        let local_before = local.class();
        local.add_remote_port(remote_port);
        if let Some(sender_is_server) = sender_role {
            // The local side is the server when it sent the SYN-ACK or received the SYN.
            if sender_is_server == local_sent {
                local.served = local.served.saturating_add(1);
            } else {
                local.opened = local.opened.saturating_add(1);
            }
        }
        let mut progressed = local.class().progressed_from(local_before);
        if let Some(remote) = remote_eni {
            let entry = self
                .pending
                .entry((remote.0, protocol, remote_port))
                .or_default();
            let before = entry.class();
            entry.add_remote_port(local_port);
            if let Some(sender_is_server) = sender_role {
                if sender_is_server != local_sent {
                    entry.served = entry.served.saturating_add(1);
                } else {
                    entry.opened = entry.opened.saturating_add(1);
                }
            }
            progressed |= entry.class().progressed_from(before);
        }
        progressed
    }

    /// Closes the current object: keeps what it showed of each port when informative.
    pub fn end_object(&mut self) {
        for (key, evidence) in self.pending.drain() {
            if evidence.served + evidence.opened > 0 || evidence.distinct_remote_ports() >= 2 {
                self.ports.entry(key).or_default().merge(&evidence);
            }
        }
    }

    /// Adds another learner's observations (associative and commutative). Both learners'
    /// current objects are closed first.
    pub fn merge(&mut self, mut other: ListenerLearner) {
        self.end_object();
        other.end_object();
        self.records += other.records;
        for (key, evidence) in other.ports {
            self.ports.entry(key).or_default().merge(&evidence);
        }
    }

    /// Records learned from.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// What was learned so far as bytes (JSON; the current object closed first), to merge it
    /// in another process: a distributed run learns on each worker, merges the learners
    /// ([`Self::from_bytes`], [`Self::merge`]) and finishes once, which gives the same
    /// [`Listeners`] as one learner over every object.
    ///
    /// ```
    /// use flowsieve::ListenerLearner;
    ///
    /// let learner = ListenerLearner::new();
    /// let shipped = ListenerLearner::from_bytes(&learner.to_bytes())?;
    /// assert_eq!(shipped.finish().fingerprint(), learner.finish().fingerprint());
    /// # Ok::<(), flowsieve::Error>(())
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut closed = self.clone();
        closed.end_object();
        let mut ports: Vec<(PortKey, PortEvidence)> =
            closed.ports.iter().map(|(&k, &v)| (k, v)).collect();
        ports.sort_unstable_by_key(|&(k, _)| k);
        let wire = LearnerWire {
            records: closed.records,
            ports,
        };
        serde_json::to_vec(&wire).unwrap_or_default()
    }

    /// Reads what [`Self::to_bytes`] wrote.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidPartial`] for bytes that are not a serialised learner.
    pub fn from_bytes(bytes: &[u8]) -> crate::Result<ListenerLearner> {
        let wire: LearnerWire =
            serde_json::from_slice(bytes).map_err(|e| crate::Error::InvalidPartial {
                reason: format!("listener learner: {e}"),
            })?;
        let mut learner = ListenerLearner::new();
        learner.records = wire.records;
        learner.ports.extend(wire.ports);
        Ok(learner)
    }

    /// Freezes what was learned (closing the current object).
    pub fn finish(mut self) -> Listeners {
        self.end_object();
        let mut learned = HashMap::with_hasher(FixedState::with_seed(0x115e));
        for (key, evidence) in self.ports {
            let port = LearnedPort {
                served_syn: evidence.served > 0 && evidence.opened == 0,
                opened_syn: evidence.opened > 0,
                remote_ports: u8::try_from(evidence.distinct_remote_ports()).unwrap_or(u8::MAX),
            };
            if port.served_syn || port.opened_syn || port.remote_ports >= 2 {
                learned.insert(key, port);
            }
        }
        Listeners {
            learned,
            records: self.records,
        }
    }
}

/// What was learned of one (ENI, protocol, port).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct LearnedPort {
    /// It answered SYNs and never opened a connection: a server port, from tcp-flags.
    pub(crate) served_syn: bool,
    /// It opened a connection (sent a SYN): not a listener.
    pub(crate) opened_syn: bool,
    /// Distinct remote ports that talked to it (saturating at [`DISTINCT_REMOTE_PORTS`] + 1).
    pub(crate) remote_ports: u8,
}

impl LearnedPort {
    /// Whether the port looks like a listener from the traffic's shape: its remote ports vary
    /// and it never opened a connection.
    pub(crate) fn fixed_listener(&self) -> bool {
        !self.opened_syn && usize::from(self.remote_ports) >= DISTINCT_REMOTE_PORTS
    }
}

/// The frozen result of learning: which (ENI, protocol, port) listen.
#[derive(Debug, Clone, Default)]
pub struct Listeners {
    learned: HashMap<PortKey, LearnedPort, FixedState>,
    records: u64,
}

impl Listeners {
    /// Nothing learned: orientation uses declarations and ports only.
    pub fn none() -> Self {
        Listeners::default()
    }

    /// What was learned of `eni`'s `port` for `protocol`.
    #[inline]
    /// Listeners as given, for tests of what reads them.
    #[cfg(test)]
    pub(crate) fn from_ports(
        ports: impl IntoIterator<Item = (EniIdx, u8, u16, LearnedPort)>,
    ) -> Self {
        let mut learned = HashMap::with_hasher(FixedState::with_seed(0x115e));
        for (eni, protocol, port, learned_port) in ports {
            learned.insert((eni.0, protocol, port), learned_port);
        }
        Listeners {
            learned,
            records: 0,
        }
    }

    pub(crate) fn get(&self, eni: EniIdx, protocol: u8, port: u16) -> Option<LearnedPort> {
        if self.learned.is_empty() {
            return None;
        }
        self.learned.get(&(eni.0, protocol, port)).copied()
    }

    /// (ENI, protocol, port) triples learned as server ports.
    pub fn listener_count(&self) -> usize {
        self.learned
            .values()
            .filter(|l| l.served_syn || l.fixed_listener())
            .count()
    }

    /// Records they were learned from.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Every learned entry, sorted: the canonical form behind [`Self::to_bytes`] and
    /// [`Self::fingerprint`].
    fn sorted(&self) -> Vec<(PortKey, LearnedPort)> {
        let mut entries: Vec<(PortKey, LearnedPort)> =
            self.learned.iter().map(|(&k, &v)| (k, v)).collect();
        entries.sort_unstable_by_key(|&(k, _)| k);
        entries
    }

    /// A 64-bit digest of what was learned (FNV-1a over the sorted entries): analyzers and
    /// partial results that used different listeners cannot be merged. `0` for
    /// [`Self::none`].
    pub fn fingerprint(&self) -> u64 {
        if self.learned.is_empty() {
            return 0;
        }
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        let mut feed = |bytes: &[u8]| {
            for &b in bytes {
                hash ^= u64::from(b);
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
        };
        for ((eni, protocol, port), l) in self.sorted() {
            feed(&eni.to_le_bytes());
            feed(&[protocol]);
            feed(&port.to_le_bytes());
            feed(&[
                u8::from(l.served_syn),
                u8::from(l.opened_syn),
                l.remote_ports,
            ]);
        }
        feed(&self.records.to_le_bytes());
        hash
    }

    /// The listeners as bytes (JSON), to ship them to the processes that attribute: a
    /// distributed run learns once and gives every task the same listeners.
    ///
    /// ```
    /// let none = flowsieve::Listeners::none();
    /// let bytes = none.to_bytes();
    /// assert_eq!(flowsieve::Listeners::from_bytes(&bytes).unwrap().fingerprint(), 0);
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        let wire = ListenersWire {
            records: self.records,
            learned: self.sorted(),
        };
        serde_json::to_vec(&wire).unwrap_or_default()
    }

    /// Reads what [`Self::to_bytes`] wrote.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidPartial`] for bytes that are not serialised listeners.
    pub fn from_bytes(bytes: &[u8]) -> crate::Result<Listeners> {
        let wire: ListenersWire =
            serde_json::from_slice(bytes).map_err(|e| crate::Error::InvalidPartial {
                reason: format!("listeners: {e}"),
            })?;
        let mut learned = HashMap::with_hasher(FixedState::with_seed(0x115e));
        learned.extend(wire.learned);
        Ok(Listeners {
            learned,
            records: wire.records,
        })
    }
}

/// [`ListenerLearner`] on the wire.
#[derive(serde::Serialize, serde::Deserialize)]
struct LearnerWire {
    records: u64,
    ports: Vec<(PortKey, PortEvidence)>,
}

/// [`Listeners`] on the wire.
#[derive(serde::Serialize, serde::Deserialize)]
struct ListenersWire {
    records: u64,
    learned: Vec<(PortKey, LearnedPort)>,
}

/// The columns learning reads, with the interface-id dictionary resolved.
struct LearnView<'b> {
    eni: Vec<Option<EniIdx>>,
    eni_keys: PrimitiveArray<arrow_array::types::Int32Type>,
    direction: Option<(
        Vec<Option<Direction>>,
        PrimitiveArray<arrow_array::types::Int32Type>,
    )>,
    src: AddressValues<'b>,
    dst: AddressValues<'b>,
    pkt_src: Option<AddressValues<'b>>,
    pkt_dst: Option<AddressValues<'b>>,
    sport: Values<'b, UInt16Type>,
    dport: Values<'b, UInt16Type>,
    protocol: Values<'b, UInt8Type>,
    flags: Option<Values<'b, UInt8Type>>,
}

impl<'b> LearnView<'b> {
    fn new(network: &Network, batch: &'b FlowRecordBatch) -> Option<Self> {
        let m = network.matcher();
        let ids = batch.text(FlowField::InterfaceId)?;
        let values = ids.values().as_string_opt::<i32>()?;
        let eni = (0..values.len())
            .map(|i| m.eni_index(values.value(i)))
            .collect();
        let direction = batch.text(FlowField::FlowDirection).and_then(|d| {
            let values = d.values().as_string_opt::<i32>()?;
            let table = (0..values.len())
                .map(|i| match values.value(i) {
                    "ingress" => Some(Direction::Ingress),
                    "egress" => Some(Direction::Egress),
                    _ => None,
                })
                .collect();
            Some((table, d.keys().clone()))
        });
        Some(LearnView {
            eni,
            eni_keys: ids.keys().clone(),
            direction,
            src: AddressValues::of(batch, FlowField::SrcAddr)?,
            dst: AddressValues::of(batch, FlowField::DstAddr)?,
            pkt_src: AddressValues::of(batch, FlowField::PktSrcAddr),
            pkt_dst: AddressValues::of(batch, FlowField::PktDstAddr),
            sport: Values(batch.uint16(FlowField::SrcPort)?),
            dport: Values(batch.uint16(FlowField::DstPort)?),
            protocol: Values(batch.uint8(FlowField::Protocol)?),
            flags: batch.uint8(FlowField::TcpFlags).map(Values),
        })
    }

    fn eni(&self, row: usize) -> Option<EniIdx> {
        if self.eni_keys.is_null(row) {
            return None;
        }
        let key = usize::try_from(self.eni_keys.value(row)).ok()?;
        self.eni.get(key).copied().flatten()
    }

    fn direction(&self, row: usize) -> Option<Direction> {
        let (table, keys) = self.direction.as_ref()?;
        if keys.is_null(row) {
            return None;
        }
        let key = usize::try_from(keys.value(row)).ok()?;
        table.get(key).copied().flatten()
    }
}

struct Values<'b, T: arrow_array::ArrowPrimitiveType>(&'b PrimitiveArray<T>);

impl<T: arrow_array::ArrowPrimitiveType> Values<'_, T> {
    fn get(&self, row: usize) -> Option<T::Native> {
        (row < self.0.len() && !self.0.is_null(row)).then(|| self.0.value(row))
    }
}

struct AddressValues<'b>(&'b arrow_array::FixedSizeBinaryArray);

impl<'b> AddressValues<'b> {
    fn of(batch: &'b FlowRecordBatch, field: FlowField) -> Option<Self> {
        let array = batch.column(field)?.as_fixed_size_binary_opt()?;
        (array.value_length() == 16).then_some(AddressValues(array))
    }

    fn get(&self, row: usize) -> Option<u128> {
        if row >= self.0.len() || self.0.is_null(row) {
            return None;
        }
        let bytes: [u8; 16] = self.0.value(row).try_into().ok()?;
        Some(u128::from_be_bytes(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_ports_keep_the_smallest_distinct_whatever_the_order() {
        let mut a = PortEvidence::default();
        for p in [50000, 40000, 40000, 60000, 30000] {
            a.add_remote_port(p);
        }
        let mut b = PortEvidence::default();
        for p in [30000, 60000, 40000, 50000] {
            b.add_remote_port(p);
        }
        assert_eq!(a, b);
        assert_eq!(a.remote_ports, [30000, 40000, 50000]);
        let mut c = PortEvidence::default();
        c.add_remote_port(0);
        c.add_remote_port(443);
        assert_eq!(c.distinct_remote_ports(), 2);
        let mut merged = c;
        merged.merge(&a);
        assert_eq!(merged.distinct_remote_ports(), 4);
    }

    #[test]
    fn progress_is_new_listener_evidence_not_new_connections() {
        let mut port = PortEvidence::default();
        let fresh = port.class();
        // A client's ephemeral port: one remote port, a SYN sent. Not progress.
        port.add_remote_port(443);
        port.opened += 1;
        assert!(!port.class().progressed_from(fresh));
        // A second and a third remote port: progress; a fourth changes nothing.
        let before = port.class();
        port.add_remote_port(8443);
        assert!(port.class().progressed_from(before));
        let before = port.class();
        port.add_remote_port(9443);
        assert!(port.class().progressed_from(before));
        let before = port.class();
        port.add_remote_port(10443);
        assert!(!port.class().progressed_from(before));
        // A server port's first SYN answered: progress.
        let mut server = PortEvidence::default();
        server.add_remote_port(40000);
        let before = server.class();
        server.served += 1;
        assert!(server.class().progressed_from(before));
    }

    #[test]
    fn the_budget_ends_at_its_lines_or_after_patience_without_progress() {
        let mut budget = LearnBudget::new(10, 3);
        budget.count(false);
        budget.count(false);
        budget.count(true);
        budget.count(false);
        budget.count(false);
        assert!(!budget.spent(), "progress resets the patience");
        budget.count(false);
        assert!(budget.spent());
        let mut unusable = LearnBudget::new(10_000, 2048);
        unusable.pass(1024);
        assert!(!unusable.spent());
        unusable.pass(1024);
        assert!(
            unusable.spent(),
            "rows without the columns learning needs teach nothing"
        );
        let mut short = LearnBudget::new(2, 100);
        short.count(true);
        short.count(true);
        assert!(short.spent(), "the line budget is a hard cap");
    }
}

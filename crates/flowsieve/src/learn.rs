//! Learning who listens where, from the archive itself, before attribution.
//!
//! Without `tcp-flags` (the default v2 format, and every window of a long connection after
//! its first), a record does not say who opened its connection. The archive does, in
//! aggregate: a server's port stays fixed while its clients' ports and addresses vary, and
//! where any flow log has `tcp-flags`, the SYN and SYN-ACK records name the server's port once
//! for every later record of that ENI and port, across flow logs and windows.
//!
//! [`ListenerLearner`] collects, per (ENI, protocol, port) of TCP and UDP records: whether the
//! port answered a SYN (server), opened one (client), and which distinct remote ports talked to
//! it (up to [`DISTINCT_REMOTE_PORTS`]). Its memory grows with distinct (ENI, port) pairs, never
//! with connections or records, and a client's port costs 2 bytes (a [`PortTable`] per ENI and
//! protocol), so a busy ENI's tens of thousands of ephemeral ports take a few hundred KiB. Learners merge by sums and set union, so what is learned does
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

use flowsieve_log::{FlowField, FlowRecordBatch};
use flowsieve_sg::{Addr, Direction, EniIdx};

use crate::network::Network;
use crate::port_table::PortTable;

/// Distinct remote ports remembered per (ENI, protocol, port); a port that saw this many is a
/// listener (its clients' ports vary).
pub const DISTINCT_REMOTE_PORTS: usize = 3;

const TCP: u8 = 6;
const UDP: u8 = 17;
const SYN: u8 = 0x02;
const ACK: u8 = 0x10;

/// What was seen of one (ENI, protocol, port). Only whether a SYN was answered or sent
/// matters to what is learned, not how often, so each is a flag (8 bytes in all, not 20).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct PortEvidence {
    /// A SYN received on this port, or a SYN-ACK sent from it: it served a connection.
    pub(crate) served: bool,
    /// A SYN sent from this port, or a SYN-ACK received on it: it opened a connection.
    pub(crate) opened: bool,
    /// Whether a remote port 0 was seen (kept apart from the empty-slot marker).
    pub(crate) remote_port_zero: bool,
    /// Distinct remote ports seen talking to it: the smallest, at most
    /// [`DISTINCT_REMOTE_PORTS`], sorted, then 0s (empty slots), so that merges are
    /// order-independent.
    pub(crate) remote_ports: [u16; DISTINCT_REMOTE_PORTS],
}

impl PortEvidence {
    /// A client's port in one object: it opened a connection, towards `remote` (not 0).
    fn client(remote: u16) -> Self {
        let mut evidence = PortEvidence {
            opened: true,
            ..PortEvidence::default()
        };
        evidence.add_remote_port(remote);
        evidence
    }

    /// The remote port of evidence that [`Self::client`] gives: a port that opened a
    /// connection, served none, and talked to one remote port other than 0.
    fn as_client(&self) -> Option<u16> {
        let [remote, second, ..] = self.remote_ports;
        (self.opened && !self.served && !self.remote_port_zero && remote != 0 && second == 0)
            .then_some(remote)
    }

    fn add_remote_port(&mut self, port: u16) {
        if port == 0 {
            self.remote_port_zero = true;
            return;
        }
        // Keep the smallest distinct ports: a deterministic choice, whatever the order.
        let ports = &mut self.remote_ports;
        let held = ports.iter().take_while(|&&p| p != 0).count();
        if ports[..held].contains(&port) {
            return;
        }
        if held < DISTINCT_REMOTE_PORTS {
            ports[held] = port;
            ports[..=held].sort_unstable();
        } else if port < ports[held - 1] {
            ports[held - 1] = port;
            ports.sort_unstable();
        }
    }

    fn merge(&mut self, other: &PortEvidence) {
        self.served |= other.served;
        self.opened |= other.opened;
        for &p in other.remote_ports.iter().filter(|&&p| p != 0) {
            self.add_remote_port(p);
        }
        self.remote_port_zero |= other.remote_port_zero;
    }

    /// Whether an object's evidence of a port is kept when the object closes: the port took
    /// part in a SYN exchange, or two or more remote ports talked to it.
    fn informative(&self) -> bool {
        self.served || self.opened || self.distinct_remote_ports() >= 2
    }

    /// What this evidence says about the port, coarsely: whether it served a SYN, opened one,
    /// and how many distinct remote ports talked to it (capped at the listener threshold).
    fn class(&self) -> PortClass {
        PortClass {
            served: self.served,
            opened: self.opened,
            remote_ports: self.distinct_remote_ports().min(DISTINCT_REMOTE_PORTS) as u8,
        }
    }

    fn distinct_remote_ports(&self) -> usize {
        self.remote_ports.iter().filter(|&&p| p != 0).count() + usize::from(self.remote_port_zero)
    }

    /// What is learned of a port from this evidence (all objects merged).
    fn learned(&self) -> LearnedPort {
        LearnedPort {
            served_syn: self.served && !self.opened,
            opened_syn: self.opened,
            remote_ports: u8::try_from(self.distinct_remote_ports()).unwrap_or(u8::MAX),
        }
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

type Map<K, V> = HashMap<K, V, FixedState>;

fn map<K, V>() -> Map<K, V> {
    HashMap::with_hasher(FixedState::with_seed(0x1ea7))
}

/// What the archive says about listeners, accumulated from batches object by object; merge
/// learners of several threads or machines, then [`finish`](Self::finish).
///
/// Batches of one object are added with [`add_batch`](Self::add_batch), and the object is
/// closed with [`end_object`](Self::end_object): what it showed of each (ENI, port) is kept
/// only when it is informative — the port took part in a SYN exchange, or two or more remote
/// ports talked to it within the object. A client's ephemeral port talks to one remote port in
/// an object and is dropped there unless its SYN was seen; the ports that sent one (every
/// connection a busy ENI opened within the learned lines) are kept in 2 bytes each, per (ENI,
/// protocol), so memory is bounded by ENIs × 65,536 ports × 2 bytes and holds little more
/// than the server ports. The reduction is a function of the object alone and the merge is a
/// sum and a set union, so what is learned is the same for any thread count and object order.
#[derive(Debug, Clone)]
pub struct ListenerLearner {
    /// The current object's observations.
    pending: Map<PortKey, PortEvidence>,
    /// Informative observations of closed objects.
    closed: Closed,
    records: u64,
}

/// The merged evidence of closed objects, each port in one of two places.
#[derive(Debug, Clone)]
struct Closed {
    /// Per (ENI, protocol), the ports whose evidence is a client's ([`PortEvidence::client`]:
    /// it opened connections, served none, towards one remote port): that remote port. Most
    /// ports a busy ENI shows are these.
    clients: Map<(u32, u8), PortTable<u16>>,
    /// Every other port's evidence.
    others: Map<PortKey, PortEvidence>,
}

impl Closed {
    fn new() -> Self {
        Closed {
            clients: map(),
            others: map(),
        }
    }

    /// Ports held.
    fn len(&self) -> usize {
        self.others.len() + self.clients.values().map(PortTable::len).sum::<usize>()
    }

    /// Merges `evidence` into what is held of `key`.
    fn absorb(&mut self, key: PortKey, evidence: &PortEvidence) {
        if let Some(held) = self.others.get_mut(&key) {
            held.merge(evidence);
            return;
        }
        let (eni, protocol, port) = key;
        if let Some(table) = self.clients.get_mut(&(eni, protocol))
            && let Some(remote) = table.get(port)
        {
            let mut merged = PortEvidence::client(remote);
            merged.merge(evidence);
            if merged.as_client().is_none() {
                table.remove(port);
                self.others.insert(key, merged);
            }
            return;
        }
        match evidence.as_client() {
            Some(remote) => self
                .clients
                .entry((eni, protocol))
                .or_default()
                .insert(port, remote),
            None => {
                self.others.insert(key, *evidence);
            }
        }
    }

    /// Every port with its evidence, in no particular order.
    fn iter(&self) -> impl Iterator<Item = (PortKey, PortEvidence)> + '_ {
        let clients = self.clients.iter().flat_map(|(&(eni, protocol), table)| {
            table
                .iter()
                .map(move |(port, remote)| ((eni, protocol, port), PortEvidence::client(remote)))
        });
        self.others.iter().map(|(&k, &v)| (k, v)).chain(clients)
    }
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
            pending: map(),
            closed: Closed::new(),
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
        // The local side is the server when it sent the SYN-ACK or received the SYN.
        let local_served = sender_role.map(|sender_is_server| sender_is_server == local_sent);
        let mut progressed = self.observe((eni.0, protocol, local_port), remote_port, local_served);
        if let Some(remote) = remote_eni {
            progressed |= self.observe(
                (remote.0, protocol, remote_port),
                local_port,
                local_served.map(|served| !served),
            );
        }
        progressed
    }

    /// Notes in the current object that `remote_port` talked to `key`'s port, which served
    /// (`Some(true)`) or opened (`Some(false)`) the connection when the flags say; returns
    /// whether that taught something about a listener ([`PortClass::progressed_from`]).
    fn observe(&mut self, key: PortKey, remote_port: u16, served: Option<bool>) -> bool {
        let evidence = self.pending.entry(key).or_default();
        let before = evidence.class();
        evidence.add_remote_port(remote_port);
        match served {
            Some(true) => evidence.served = true,
            Some(false) => evidence.opened = true,
            None => {}
        }
        evidence.class().progressed_from(before)
    }

    /// Closes the current object: keeps what it showed of each port when informative.
    pub fn end_object(&mut self) {
        for (key, evidence) in self.pending.drain() {
            if evidence.informative() {
                self.closed.absorb(key, &evidence);
            }
        }
    }

    /// Adds another learner's observations (associative and commutative). Both learners'
    /// current objects are closed first.
    pub fn merge(&mut self, mut other: ListenerLearner) {
        self.end_object();
        other.end_object();
        if other.closed.len() > self.closed.len() {
            // Merge the smaller into the larger (the result is the same).
            std::mem::swap(self, &mut other);
        }
        self.records += other.records;
        for (key, evidence) in other.closed.iter() {
            self.closed.absorb(key, &evidence);
        }
    }

    /// Records learned from.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Every port with its evidence, the current object closed as [`Self::end_object`] would
    /// close it, sorted by port key.
    fn sorted(&self) -> Vec<(PortKey, PortEvidence)> {
        let mut entries: Vec<(PortKey, PortEvidence)> = self
            .closed
            .iter()
            .chain(
                self.pending
                    .iter()
                    .filter(|(_, e)| e.informative())
                    .map(|(&k, &v)| (k, v)),
            )
            .collect();
        entries.sort_unstable_by_key(|&(k, _)| k);
        // A port of the current object that closed objects showed too: one entry, merged.
        entries.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                kept.1.merge(&later.1);
            }
            same
        });
        entries
    }

    /// What was learned so far as bytes (JSON; the current object closed first), to merge it
    /// in another process: a distributed run learns on each worker, merges the learners
    /// ([`Self::from_bytes`], [`Self::merge`]) and finishes once, which gives the same
    /// [`Listeners`] as one learner over every object.
    ///
    /// The layout is the one flowsieve has always written (ports sorted by key, each with
    /// `served`, `opened`, `remote_ports`, `remote_port_zero`); `served` and `opened` are now
    /// 0 or 1 (only whether they are 0 ever mattered), so bytes of either version read in the
    /// other.
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
        let wire = LearnerWire {
            records: self.records,
            ports: self
                .sorted()
                .into_iter()
                .map(|(key, e)| (key, EvidenceWire::from(e)))
                .collect(),
        };
        serde_json::to_vec(&wire).unwrap_or_default()
    }

    /// Reads what [`Self::to_bytes`] wrote (this version or an earlier one).
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidPartial`] for bytes that are not a serialised learner, or whose
    /// ports are not in increasing order (a port listed twice).
    pub fn from_bytes(bytes: &[u8]) -> crate::Result<ListenerLearner> {
        let invalid = |reason: String| crate::Error::InvalidPartial {
            reason: format!("listener learner: {reason}"),
        };
        let wire: LearnerWire =
            serde_json::from_slice(bytes).map_err(|e| invalid(e.to_string()))?;
        let mut learner = ListenerLearner::new();
        learner.records = wire.records;
        let mut last: Option<PortKey> = None;
        for (key, e) in wire.ports {
            if last.is_some_and(|last| last >= key) {
                return Err(invalid(format!(
                    "port {key:?} out of order (ports are sorted, each listed once)"
                )));
            }
            last = Some(key);
            learner.closed.absorb(key, &PortEvidence::from(e));
        }
        Ok(learner)
    }

    /// Freezes what was learned (closing the current object).
    pub fn finish(mut self) -> Listeners {
        self.end_object();
        let mut listeners = Listeners {
            records: self.records,
            ..Listeners::default()
        };
        let Closed { clients, others } = self.closed;
        for (key, evidence) in others {
            let port = evidence.learned();
            if port.served_syn || port.opened_syn || port.remote_ports >= 2 {
                listeners.insert(key, port);
            }
        }
        let client = PortEvidence::client(1).learned();
        for ((eni, protocol), table) in clients {
            for (port, _) in table.iter() {
                listeners.insert((eni, protocol, port), client);
            }
        }
        listeners
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

    /// Whether this is a client's port only: it opened a connection and served none. Such a
    /// port is neither a server ([`Self::served_syn`]) nor a listener
    /// ([`Self::fixed_listener`]), so orientation reads it as if nothing were learned.
    fn opened_only(&self) -> bool {
        self.opened_syn && !self.served_syn
    }
}

/// The frozen result of learning: which (ENI, protocol, port) listen.
#[derive(Debug, Clone)]
pub struct Listeners {
    /// Different for every content ([`Self::id`]).
    id: u64,
    /// Every learned port but the opened-only ones.
    learned: Map<PortKey, LearnedPort>,
    /// The opened-only ports ([`LearnedPort::opened_only`]; most of those learned on a busy
    /// ENI) per (ENI, protocol): their `remote_ports` + 1.
    opened: Map<(u32, u8), PortTable<u8>>,
    records: u64,
}

impl Default for Listeners {
    fn default() -> Self {
        Listeners {
            id: next_listeners_id(),
            learned: Map::default(),
            opened: Map::default(),
            records: 0,
        }
    }
}

/// A number no other [`Listeners`] of this process had.
fn next_listeners_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl Listeners {
    /// Identifies what these listeners say, for caches of answers derived from them (the
    /// orientation's memo): a new value whenever they are made or changed; a clone keeps it.
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// Nothing learned: orientation uses declarations and ports only.
    pub fn none() -> Self {
        Listeners::default()
    }

    /// Listeners as given, for tests of what reads them.
    #[cfg(test)]
    pub(crate) fn from_ports(
        ports: impl IntoIterator<Item = (EniIdx, u8, u16, LearnedPort)>,
    ) -> Self {
        let mut listeners = Listeners::default();
        for (eni, protocol, port, learned_port) in ports {
            listeners.insert((eni.0, protocol, port), learned_port);
        }
        listeners
    }

    /// Sets what was learned of `key` (replacing what was).
    fn insert(&mut self, (eni, protocol, port): PortKey, learned: LearnedPort) {
        self.id = next_listeners_id();
        let compact = learned
            .remote_ports
            .checked_add(1)
            .filter(|_| learned.opened_only());
        match compact {
            Some(value) => {
                self.learned.remove(&(eni, protocol, port));
                self.opened
                    .entry((eni, protocol))
                    .or_default()
                    .insert(port, value);
            }
            None => {
                if let Some(table) = self.opened.get_mut(&(eni, protocol)) {
                    table.remove(port);
                }
                self.learned.insert((eni, protocol, port), learned);
            }
        }
    }

    /// What was learned of `eni`'s `port` for `protocol` that can make it a server: every
    /// learned port but the opened-only ones ([`LearnedPort::opened_only`]), which orient a
    /// record as an unlearned port does.
    #[inline]
    pub(crate) fn listening(&self, eni: EniIdx, protocol: u8, port: u16) -> Option<LearnedPort> {
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
    fn sorted(&self) -> impl Iterator<Item = (PortKey, LearnedPort)> + '_ {
        let mut learned: Vec<(PortKey, LearnedPort)> =
            self.learned.iter().map(|(&k, &v)| (k, v)).collect();
        learned.sort_unstable_by_key(|&(k, _)| k);
        let mut groups: Vec<(&(u32, u8), &PortTable<u8>)> = self.opened.iter().collect();
        groups.sort_unstable_by_key(|&(&group, _)| group);
        let opened = groups.into_iter().flat_map(|(&(eni, protocol), table)| {
            table.iter().map(move |(port, value)| {
                let learned = LearnedPort {
                    served_syn: false,
                    opened_syn: true,
                    remote_ports: value - 1,
                };
                ((eni, protocol, port), learned)
            })
        });
        MergeByKey {
            a: learned.into_iter().peekable(),
            b: opened.peekable(),
        }
    }

    /// A 64-bit digest of what was learned (FNV-1a over the sorted entries): analyzers and
    /// partial results that used different listeners cannot be merged. `0` for
    /// [`Self::none`].
    pub fn fingerprint(&self) -> u64 {
        if self.learned.is_empty() && self.opened.values().all(|t| t.len() == 0) {
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
        #[derive(serde::Serialize)]
        struct Wire<'a> {
            records: u64,
            learned: Sorted<'a>,
        }
        struct Sorted<'a>(&'a Listeners);
        impl serde::Serialize for Sorted<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(self.0.sorted())
            }
        }
        let wire = Wire {
            records: self.records,
            learned: Sorted(self),
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
        let mut listeners = Listeners {
            records: wire.records,
            ..Listeners::default()
        };
        for (key, learned) in wire.learned {
            listeners.insert(key, learned);
        }
        Ok(listeners)
    }
}

/// Two iterators sorted by distinct keys, merged in key order.
struct MergeByKey<A: Iterator, B: Iterator> {
    a: std::iter::Peekable<A>,
    b: std::iter::Peekable<B>,
}

impl<A, B> Iterator for MergeByKey<A, B>
where
    A: Iterator<Item = (PortKey, LearnedPort)>,
    B: Iterator<Item = (PortKey, LearnedPort)>,
{
    type Item = (PortKey, LearnedPort);

    fn next(&mut self) -> Option<Self::Item> {
        match (self.a.peek(), self.b.peek()) {
            (Some(a), Some(b)) if b.0 < a.0 => self.b.next(),
            (Some(_), _) => self.a.next(),
            (None, _) => self.b.next(),
        }
    }
}

/// [`ListenerLearner`] on the wire.
#[derive(serde::Serialize, serde::Deserialize)]
struct LearnerWire {
    records: u64,
    ports: Vec<(PortKey, EvidenceWire)>,
}

/// [`PortEvidence`] on the wire: the layout of the counting learner it replaced, so bytes of
/// either read in the other (a count read back is only compared with 0).
#[derive(serde::Serialize, serde::Deserialize)]
struct EvidenceWire {
    served: u32,
    opened: u32,
    remote_ports: [u16; DISTINCT_REMOTE_PORTS],
    remote_port_zero: bool,
}

impl From<PortEvidence> for EvidenceWire {
    fn from(e: PortEvidence) -> Self {
        EvidenceWire {
            served: u32::from(e.served),
            opened: u32::from(e.opened),
            remote_ports: e.remote_ports,
            remote_port_zero: e.remote_port_zero,
        }
    }
}

impl From<EvidenceWire> for PortEvidence {
    fn from(w: EvidenceWire) -> Self {
        let mut e = PortEvidence {
            served: w.served > 0,
            opened: w.opened > 0,
            remote_port_zero: w.remote_port_zero,
            remote_ports: [0; DISTINCT_REMOTE_PORTS],
        };
        for &port in w.remote_ports.iter().filter(|&&p| p != 0) {
            e.add_remote_port(port);
        }
        e
    }
}

/// [`Listeners`] on the wire (read; [`Listeners::to_bytes`] writes the same layout).
#[derive(serde::Deserialize)]
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
mod tests;

#[cfg(test)]
mod equivalence;

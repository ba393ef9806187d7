//! Attribution, the analysis hot loop: each row of a [`FlowRecordBatch`] → its ENI, its
//! direction relative to that ENI, its orientation (forward or response, [`crate::orient`]) and
//! one upsert into the [`FlowAccumulator`] table.
//!
//! BE ADVISED: shaped for speed. Dictionary columns (interface-id, action, log-status,
//! flow-direction) are resolved once per *batch* (a few hundred distinct values) into small
//! lookup tables ([`BatchColumns`]), so the per-row work is integer loads, the orientation
//! decision (a few compares unless the ports are ambiguous) and one hash-map upsert. No
//! allocation per row. Covered by `benches/aggregate.rs`.

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrowPrimitiveType, PrimitiveArray};
use arrow_buffer::NullBuffer;

use flowsieve_log::{FlowField, FlowRecordBatch};
use flowsieve_sg::{Addr, AddressOwner, CompiledMatcher, Direction, EniIdx};

use crate::accum::{
    Action, EniLines, FlowAccumulator, FlowKey, FlowStats, REMOTE_AMBIGUOUS, REMOTE_LATER,
    REMOTE_NOBODY, UnknownFlowKey,
};
use crate::learn::Listeners;
use crate::network::Network;
use crate::orient::{Evidence, Orientation, Orienter, RecordView};
use crate::peer_cache::{PeerCache, PeerFacts};

const SYN: u8 = 0x02;
const ACK: u8 = 0x10;

/// How one attributed row was classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RowClass {
    /// Direction relative to the recording ENI.
    pub direction: Direction,
    /// Initiating (forward) or response (reverse).
    pub orientation: Orientation,
    /// What decided the orientation.
    pub evidence: Evidence,
}

/// The log-status of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Ok,
    NoData,
    SkipData,
}

/// What an interface-id dictionary value resolves to.
#[derive(Debug, Clone, Copy)]
enum EniRef {
    Known(EniIdx),
    /// An ENI with several versions over time (inventory history): indices `first..first +
    /// count`, in time order; each record takes the version valid at its start.
    Versioned {
        first: u32,
        count: u32,
    },
    /// Index into the batch's list of unknown ids.
    Unknown(usize),
}

/// A primitive column as its raw values and validity: the per-row read is a slice index and
/// (only when the column has nulls) a bit test, without going through `dyn Array`.
#[derive(Clone, Copy)]
struct Column<'a, T> {
    values: &'a [T],
    nulls: Option<&'a NullBuffer>,
}

impl<'a, T: arrow_buffer::ArrowNativeType> Column<'a, T> {
    fn of<P: ArrowPrimitiveType<Native = T>>(array: Option<&'a PrimitiveArray<P>>) -> Option<Self> {
        array.map(|a| Column {
            values: a.values().as_ref(),
            nulls: present_nulls(a.nulls()),
        })
    }

    /// The column, or an absent one (no values: every read is `None`) when the batch lacks
    /// it, so a read is one bounds check whether the column is there or not.
    fn or_absent<P: ArrowPrimitiveType<Native = T>>(array: Option<&'a PrimitiveArray<P>>) -> Self {
        Self::of(array).unwrap_or(Column {
            values: &[],
            nulls: None,
        })
    }

    #[inline(always)]
    fn get(&self, row: usize) -> Option<T> {
        if self.nulls.is_some_and(|n| n.is_null(row)) {
            return None;
        }
        self.values.get(row).copied()
    }
}

/// A validity buffer only when it marks a null: a column without nulls (most columns of most
/// batches; Parquet readers keep a buffer for optional columns anyway) then costs no bit test
/// per read.
#[inline]
fn present_nulls(nulls: Option<&NullBuffer>) -> Option<&NullBuffer> {
    nulls.filter(|n| n.null_count() > 0)
}

/// An address column (16-byte big-endian values) as its raw bytes and validity. Like
/// [`Column`], and for the same reason: `flowsieve_log::AddressArray::get` was not inlined
/// across the crate boundary and took 3.5% of an analysis on its own (perf, 60M-record archive).
#[derive(Clone, Copy)]
struct AddressColumn<'a> {
    bytes: &'a [u8],
    nulls: Option<&'a NullBuffer>,
}

impl<'a> AddressColumn<'a> {
    /// The column, or an absent one (no bytes: every read is `None`) when the batch lacks it
    /// or it is not 16 bytes a value.
    fn of(batch: &'a FlowRecordBatch, field: FlowField) -> Self {
        let array = batch
            .column(field)
            .and_then(|c| c.as_fixed_size_binary_opt())
            .filter(|a| a.value_length() == 16);
        match array {
            Some(array) => AddressColumn {
                bytes: array.value_data(),
                nulls: present_nulls(array.nulls()),
            },
            None => AddressColumn {
                bytes: &[],
                nulls: None,
            },
        }
    }

    #[inline(always)]
    fn get(&self, row: usize) -> Option<u128> {
        if self.nulls.is_some_and(|n| n.is_null(row)) {
            return None;
        }
        let chunk: &[u8; 16] = self.bytes.get(row * 16..)?.first_chunk()?;
        Some(u128::from_be_bytes(*chunk))
    }
}

/// A dictionary column resolved to `T` per dictionary value.
struct Lookup<'a, T> {
    keys: Column<'a, i32>,
    table: Vec<Option<T>>,
}

impl<T: Copy> Lookup<'_, T> {
    #[inline(always)]
    fn get(&self, row: usize) -> Option<T> {
        let key = usize::try_from(self.keys.get(row)?).ok()?;
        self.table.get(key).copied().flatten()
    }
}

/// The value of an optional dictionary column at `row` (a `match`, not `Option::and_then`
/// with a closure: those calls were not inlined, four a record).
#[inline(always)]
fn lookup<T: Copy>(column: &Option<Lookup<'_, T>>, row: usize) -> Option<T> {
    match column {
        Some(lookup) => lookup.get(row),
        None => None,
    }
}

/// What one batch counts apart from the accumulator: its unknown ENIs, and the flow log's
/// record counters, added once at the end of the batch (not looked up per record).
struct BatchState {
    /// Per unknown id of the batch: its lines and stats.
    unknown: Vec<(EniLines, FlowStats)>,
    /// Per unknown id of the batch: its index in the accumulator's interned ids.
    unknown_index: Vec<u32>,
    accepts: u64,
    rejects: u64,
    with_flags: u64,
    /// The last line marked in the flow log's coverage: (ENI, start, end, idle).
    last_line: Option<(u32, i64, i64, bool)>,
    /// Whether the inventory has history ([`CompiledMatcher::has_history`]), asked once.
    history: bool,
}

fn dictionary_lookup<T: Copy>(
    batch: &FlowRecordBatch,
    field: FlowField,
    mut resolve: impl FnMut(&str) -> Option<T>,
) -> Option<Lookup<'_, T>> {
    let dictionary = batch.text(field)?;
    let values = dictionary.values().as_string_opt::<i32>()?;
    let table = (0..values.len())
        .map(|i| resolve(values.value(i)))
        .collect();
    let keys = Column::of(Some(dictionary.keys()))?;
    Some(Lookup { keys, table })
}

/// One batch's columns, with its dictionaries resolved.
struct BatchColumns<'b> {
    eni: Lookup<'b, EniRef>,
    unknown_ids: Vec<String>,
    action: Option<Lookup<'b, Action>>,
    status: Option<Lookup<'b, Status>>,
    direction: Option<Lookup<'b, Direction>>,
    src: AddressColumn<'b>,
    dst: AddressColumn<'b>,
    pkt_src: AddressColumn<'b>,
    pkt_dst: AddressColumn<'b>,
    src_port: Column<'b, u16>,
    dst_port: Column<'b, u16>,
    protocol: Column<'b, u8>,
    flags: Column<'b, u8>,
    packets: Column<'b, u64>,
    bytes: Column<'b, u64>,
    start: Column<'b, i64>,
    end: Column<'b, i64>,
}

impl<'b> BatchColumns<'b> {
    fn new(batch: &'b FlowRecordBatch, matcher: &CompiledMatcher) -> Option<Self> {
        let mut unknown_ids = Vec::new();
        let eni = dictionary_lookup(batch, FlowField::InterfaceId, |id| {
            Some(match matcher.eni_versions(id) {
                [] => {
                    unknown_ids.push(id.to_owned());
                    EniRef::Unknown(unknown_ids.len() - 1)
                }
                [only] => EniRef::Known(*only),
                [first, rest @ ..] => EniRef::Versioned {
                    first: first.0,
                    count: rest.len() as u32 + 1,
                },
            })
        })?;
        Some(BatchColumns {
            eni,
            unknown_ids,
            action: dictionary_lookup(batch, FlowField::Action, |v| match v {
                "ACCEPT" => Some(Action::Accept),
                "REJECT" => Some(Action::Reject),
                _ => None,
            }),
            status: dictionary_lookup(batch, FlowField::LogStatus, |v| match v {
                "OK" => Some(Status::Ok),
                "NODATA" => Some(Status::NoData),
                "SKIPDATA" => Some(Status::SkipData),
                _ => None,
            }),
            direction: dictionary_lookup(batch, FlowField::FlowDirection, |v| match v {
                "ingress" => Some(Direction::Ingress),
                "egress" => Some(Direction::Egress),
                _ => None,
            }),
            src: AddressColumn::of(batch, FlowField::SrcAddr),
            dst: AddressColumn::of(batch, FlowField::DstAddr),
            pkt_src: AddressColumn::of(batch, FlowField::PktSrcAddr),
            pkt_dst: AddressColumn::of(batch, FlowField::PktDstAddr),
            src_port: Column::or_absent(batch.uint16(FlowField::SrcPort)),
            dst_port: Column::or_absent(batch.uint16(FlowField::DstPort)),
            protocol: Column::or_absent(batch.uint8(FlowField::Protocol)),
            flags: Column::or_absent(batch.uint8(FlowField::TcpFlags)),
            packets: Column::or_absent(batch.uint64(FlowField::Packets)),
            bytes: Column::or_absent(batch.uint64(FlowField::Bytes)),
            start: Column::or_absent(batch.timestamps(FlowField::Start)),
            end: Column::or_absent(batch.timestamps(FlowField::End)),
        })
    }
}

/// Attributes batches into an accumulator; one per thread. It owns only caches and options; the
/// network and what was learned about listeners are passed to each call.
#[derive(Debug)]
pub(crate) struct Attributor {
    orienter: Orienter,
    since: Option<i64>,
    until: Option<i64>,
    /// Aggregate internet peers by class ([`crate::AnalysisConfig::with_exact_peers`]).
    peer_classes: bool,
    /// Remote addresses' owners and internet classes.
    peers: PeerCache,
}

/// What attribution reads: the network and the learned listeners.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Inputs<'m> {
    pub(crate) network: &'m Network,
    pub(crate) listeners: &'m Listeners,
}

impl Attributor {
    /// `addr`'s internet class when internet peers are aggregated by class (the default; see
    /// `crate::peers`), else `None`.
    #[inline]
    fn internet_class(&self, network: &Network, addr: Addr) -> Option<Addr> {
        if self.peer_classes {
            network.matcher().internet_class(addr)
        } else {
            None
        }
    }

    /// `addr`, or its internet class ([`Self::internet_class`]).
    #[inline]
    fn by_class(&self, network: &Network, addr: u128) -> u128 {
        self.internet_class(network, Addr(addr))
            .map_or(addr, |c| c.0)
    }

    pub(crate) fn new(config: &crate::AnalysisConfig) -> Self {
        let (since, until) = (config.since, config.until);
        Attributor {
            orienter: Orienter::new(config.client_ports),
            since,
            until,
            peer_classes: !config.exact_peers,
            peers: PeerCache::default(),
        }
    }

    /// Attributes every row of `batch` (which should carry the analysis projection; missing
    /// columns are treated as all-null).
    pub(crate) fn add_batch(
        &mut self,
        inputs: Inputs<'_>,
        acc: &mut FlowAccumulator,
        batch: &FlowRecordBatch,
    ) {
        self.visit_batch(inputs, acc, batch, |_, _| {});
    }

    /// [`Self::add_batch`], also telling `on_row` how each row was classified (`None` for rows
    /// that are not attributed: NODATA/SKIPDATA, unknown ENI, incomplete, outside the window).
    pub(crate) fn visit_batch(
        &mut self,
        inputs: Inputs<'_>,
        acc: &mut FlowAccumulator,
        batch: &FlowRecordBatch,
        mut on_row: impl FnMut(usize, Option<RowClass>),
    ) {
        let rows = batch.num_rows();
        let Some(columns) = BatchColumns::new(batch, inputs.network.matcher()) else {
            acc.unattributed.no_interface += rows as u64;
            (0..rows).for_each(|row| on_row(row, None));
            return;
        };
        self.peers.bind(inputs.network.matcher());
        let mut state = BatchState {
            unknown: vec![(EniLines::default(), FlowStats::default()); columns.unknown_ids.len()],
            unknown_index: columns
                .unknown_ids
                .iter()
                .map(|id| acc.intern_unknown_eni(id))
                .collect(),
            accepts: 0,
            rejects: 0,
            with_flags: 0,
            last_line: None,
            history: inputs.network.matcher().has_history(),
        };
        for row in 0..rows {
            let class = self.row(inputs, acc, &columns, &mut state, row);
            on_row(row, class);
        }
        if state.accepts + state.rejects + state.with_flags > 0 {
            let observation = acc.flow_log();
            observation.accepts += state.accepts;
            observation.rejects += state.rejects;
            observation.with_flags += state.with_flags;
        }
        for (id, (lines, stats)) in columns.unknown_ids.into_iter().zip(state.unknown) {
            if lines.any() {
                let entry = acc.unknown_enis.entry(id).or_default();
                entry.0.ok += lines.ok;
                entry.0.nodata += lines.nodata;
                entry.0.skipdata += lines.skipdata;
                entry.1.merge(&stats);
            }
        }
    }

    #[inline]
    fn row(
        &mut self,
        inputs: Inputs<'_>,
        acc: &mut FlowAccumulator,
        c: &BatchColumns<'_>,
        state: &mut BatchState,
        row: usize,
    ) -> Option<RowClass> {
        let Some(eni) = c.eni.get(row) else {
            acc.unattributed.no_interface += 1;
            return None;
        };
        let status = lookup(&c.status, row).unwrap_or(Status::Ok);
        let first = c.start.get(row);
        let last = c.end.get(row);
        // `version`: the ENI as it was at the record's time (its groups and addresses);
        // `canonical`: the ENI whatever the time (its latest version), which line counts,
        // coverage and learned listeners are kept on.
        let (eni, version) = match eni {
            EniRef::Versioned { first: v0, count } => {
                let latest = EniIdx(v0 + count - 1);
                let at = first.or(last).unwrap_or(i64::MAX);
                (
                    EniRef::Known(latest),
                    Some(version_at(inputs.network, v0, count, at)),
                )
            }
            EniRef::Known(idx) => (EniRef::Known(idx), Some(idx)),
            unknown => (unknown, None),
        };
        let outside = self.since.is_some_and(|s| last.is_some_and(|e| e < s))
            || self.until.is_some_and(|u| first.is_some_and(|b| b >= u));
        let lines = match eni {
            EniRef::Known(idx) => acc.eni_lines.get_mut(idx.0 as usize)?,
            EniRef::Unknown(i) => &mut state.unknown.get_mut(i)?.0,
            EniRef::Versioned { .. } => return None,
        };
        match status {
            Status::NoData => lines.nodata += 1,
            Status::SkipData => lines.skipdata += 1,
            Status::Ok => lines.ok += 1,
        }
        if outside {
            if status == Status::Ok {
                acc.unattributed.outside_window += 1;
            }
            return None;
        }
        if let (Some(start), Some(end)) = (first, last) {
            acc.lines_window.first = acc.lines_window.first.min(start);
            acc.lines_window.last = acc.lines_window.last.max(end);
            if let EniRef::Known(idx) = eni {
                // Marking a line is idempotent: the line before it with the same ENI, times
                // and idleness (a third of the records of an object) changes nothing.
                let line = (idx.0, start, end, status != Status::Ok);
                if state.last_line != Some(line) {
                    state.last_line = Some(line);
                    acc.flow_log().observe(line.0, line.1, line.2, line.3);
                }
                if status == Status::SkipData {
                    acc.flow_log().skip(idx.0, start, end);
                }
            }
        }
        if status != Status::Ok {
            return None;
        }
        let (first, last) = (first.unwrap_or(i64::MAX), last.unwrap_or(i64::MIN));
        let packets = c.packets.get(row).unwrap_or(0);
        let bytes = c.bytes.get(row).unwrap_or(0);
        acc.window.first = acc.window.first.min(first);
        acc.window.last = acc.window.last.max(last);
        let canonical = match eni {
            EniRef::Known(idx) => idx,
            EniRef::Versioned { .. } => return None,
            EniRef::Unknown(i) => {
                state
                    .unknown
                    .get_mut(i)?
                    .1
                    .add(packets, bytes, first, last, false);
                // Kept so the report can tell which rules this traffic could have used (the
                // ENI's groups are unknown).
                if let (Some(src), Some(dst), Some(action), Some(protocol), Some(&index)) = (
                    c.src.get(row),
                    c.dst.get(row),
                    lookup(&c.action, row),
                    c.protocol.get(row),
                    state.unknown_index.get(i),
                ) {
                    let dport = c.dst_port.get(row).unwrap_or(0);
                    let key = UnknownFlowKey {
                        eni: index,
                        direction: lookup(&c.direction, row),
                        action,
                        protocol,
                        dst_port_class: inputs.network.port_class(protocol, dport),
                        // Only class-invariant questions are asked of these (owner, peer class,
                        // rule peers), so internet addresses are kept by class, as in the main
                        // table: memory does not grow with the clients of an unknown ENI.
                        src: self.by_class(inputs.network, c.pkt_src.get(row).unwrap_or(src)),
                        dst: self.by_class(inputs.network, c.pkt_dst.get(row).unwrap_or(dst)),
                    };
                    *acc.unknown_flows.entry(key).or_insert(0) += 1;
                }
                return None;
            }
        };
        let (Some(src), Some(dst), Some(action), Some(protocol)) = (
            c.src.get(row),
            c.dst.get(row),
            lookup(&c.action, row),
            c.protocol.get(row),
        ) else {
            acc.unattributed.incomplete += 1;
            if let Some(n) = acc.eni_unattributed.get_mut(canonical.0 as usize) {
                *n += 1;
            }
            return None;
        };
        let eni = version.unwrap_or(canonical);
        match action {
            Action::Accept => state.accepts += 1,
            Action::Reject => state.rejects += 1,
        }
        let direction = match lookup(&c.direction, row) {
            Some(direction) => direction,
            None => match direction_by_address(inputs.network, eni, src, dst) {
                Some(direction) => direction,
                None => {
                    acc.unattributed.direction_unknown += 1;
                    if let Some(n) = acc.eni_unattributed.get_mut(canonical.0 as usize) {
                        *n += 1;
                    }
                    return None;
                }
            },
        };
        let sport = c.src_port.get(row).unwrap_or(0);
        let dport = c.dst_port.get(row).unwrap_or(0);
        let real_src = Addr(c.pkt_src.get(row).unwrap_or(src));
        let real_dst = Addr(c.pkt_dst.get(row).unwrap_or(dst));
        let tcp_flags = c.flags.get(row);
        state.with_flags += u64::from(tcp_flags.is_some());
        let (local_port, remote_addr, remote_port) = match direction {
            Direction::Ingress => (dport, real_src, sport),
            Direction::Egress => (sport, real_dst, dport),
        };
        // ICMP records need neither answer: orientation leaves them to the report, and their
        // peers stay exact (below).
        let icmp = protocol == 1 || protocol == 58;
        let matcher = inputs.network.matcher();
        let facts = if icmp {
            PeerFacts::default()
        } else {
            self.peers
                .facts(matcher, self.peers.scope_of(matcher, eni), remote_addr)
        };
        let view = RecordView {
            eni,
            canonical,
            direction,
            protocol,
            local_port,
            remote_eni: facts.owner,
            remote_port,
            tcp_flags,
            rejected: action == Action::Reject,
        };
        let (orientation, evidence) =
            self.orienter
                .orient(inputs.network.matcher(), inputs.listeners, &view);
        acc.count_evidence(evidence, orientation);
        let (port, other) = match orientation {
            Orientation::Forward => (dport, sport),
            Orientation::Reverse => (sport, dport),
        };
        let weak = evidence.is_weak();
        let alt_class = if weak {
            inputs.network.port_class(protocol, other)
        } else {
            0
        };
        let syn = orientation == Orientation::Forward
            && tcp_flags.is_some_and(|f| f & SYN != 0 && f & ACK == 0);
        // An internet address no ENI holds is aggregated by its class; the address itself goes
        // to the tuple's peer sketch (crate::peers), so memory does not grow with clients.
        // ICMP stays exact: its orientation is paired per peer by start times (finish::tally),
        // which a class of several hosts would blur.
        let class = if self.peer_classes { facts.class } else { None };
        let key = FlowKey {
            eni: eni.0,
            direction,
            action,
            orientation,
            weak,
            protocol,
            port,
            alt_class,
            peer: class.unwrap_or(remote_addr).0,
            remote: if state.history {
                remote_with_history(inputs.network, eni, remote_addr, Some(first))
            } else {
                REMOTE_LATER
            },
        };
        let cell = acc.flows.entry(key).or_default();
        cell.stats.add(packets, bytes, first, last, syn);
        if class.is_some() {
            let new = cell
                .peers
                .get_or_insert_with(Default::default)
                .add(remote_addr.0, 1);
            acc.exact_peer_entries += usize::from(new);
        }
        Some(RowClass {
            direction,
            orientation,
            evidence,
        })
    }
}

/// The version of an ENI with versions `first..first + count` valid at `t`: the one whose
/// validity holds `t`, else (the record says the ENI existed where the inventory has a gap) the
/// last one starting before `t`, else the first.
fn version_at(network: &Network, first: u32, count: u32, t: i64) -> EniIdx {
    let m = network.matcher();
    let versions = (first..first + count).map(EniIdx);
    versions
        .clone()
        .find(|&v| m.eni(v).valid.contains(t))
        .or_else(|| {
            versions
                .clone()
                .rev()
                .find(|&v| m.eni(v).valid.from.is_none_or(|f| f <= t))
        })
        .unwrap_or(EniIdx(first))
}

/// The remote ENI version of a record, for [`FlowKey::remote`], with inventory history
/// (without it, [`REMOTE_LATER`]): resolved now, at the record's time and in the recording
/// ENI's VPC scope, only when the address's owner changes over time; otherwise
/// [`REMOTE_LATER`], resolved once per tuple at the end.
fn remote_with_history(network: &Network, eni: EniIdx, remote: Addr, start: Option<i64>) -> u32 {
    let m = network.matcher();
    if !m.address_is_volatile(remote) {
        return REMOTE_LATER;
    }
    match m.resolve_address(m.eni_vpc(eni), remote, start) {
        AddressOwner::Eni(e) => e.0,
        AddressOwner::Ambiguous => REMOTE_AMBIGUOUS,
        AddressOwner::Nobody => REMOTE_NOBODY,
    }
}

/// Ingress when the destination is one of the ENI's addresses, egress when the source is.
fn direction_by_address(network: &Network, eni: EniIdx, src: u128, dst: u128) -> Option<Direction> {
    if network.owns(eni, dst) {
        Some(Direction::Ingress)
    } else if network.owns(eni, src) {
        Some(Direction::Egress)
    } else {
        None
    }
}

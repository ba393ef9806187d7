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
            nulls: a.nulls(),
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

#[inline(always)]
fn value<T: arrow_buffer::ArrowNativeType>(column: Option<Column<'_, T>>, row: usize) -> Option<T> {
    match column {
        Some(column) => column.get(row),
        None => None,
    }
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
    fn of(batch: &'a FlowRecordBatch, field: FlowField) -> Option<Self> {
        let array = batch.column(field)?.as_fixed_size_binary_opt()?;
        (array.value_length() == 16).then(|| AddressColumn {
            bytes: array.value_data(),
            nulls: array.nulls(),
        })
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

/// The address of an optional address column at `row`.
#[inline(always)]
fn address(column: Option<AddressColumn<'_>>, row: usize) -> Option<u128> {
    match column {
        Some(column) => column.get(row),
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
    src: Option<AddressColumn<'b>>,
    dst: Option<AddressColumn<'b>>,
    pkt_src: Option<AddressColumn<'b>>,
    pkt_dst: Option<AddressColumn<'b>>,
    src_port: Option<Column<'b, u16>>,
    dst_port: Option<Column<'b, u16>>,
    protocol: Option<Column<'b, u8>>,
    flags: Option<Column<'b, u8>>,
    packets: Option<Column<'b, u64>>,
    bytes: Option<Column<'b, u64>>,
    start: Option<Column<'b, i64>>,
    end: Option<Column<'b, i64>>,
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
            src_port: Column::of(batch.uint16(FlowField::SrcPort)),
            dst_port: Column::of(batch.uint16(FlowField::DstPort)),
            protocol: Column::of(batch.uint8(FlowField::Protocol)),
            flags: Column::of(batch.uint8(FlowField::TcpFlags)),
            packets: Column::of(batch.uint64(FlowField::Packets)),
            bytes: Column::of(batch.uint64(FlowField::Bytes)),
            start: Column::of(batch.timestamps(FlowField::Start)),
            end: Column::of(batch.timestamps(FlowField::End)),
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
        let first = value(c.start, row);
        let last = value(c.end, row);
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
                let observation = acc.flow_log();
                observation.observe(idx.0, start, end, status != Status::Ok);
                if status == Status::SkipData {
                    observation.skip(idx.0, start, end);
                }
            }
        }
        if status != Status::Ok {
            return None;
        }
        let (first, last) = (first.unwrap_or(i64::MAX), last.unwrap_or(i64::MIN));
        let packets = value(c.packets, row).unwrap_or(0);
        let bytes = value(c.bytes, row).unwrap_or(0);
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
                    address(c.src, row),
                    address(c.dst, row),
                    lookup(&c.action, row),
                    value(c.protocol, row),
                    state.unknown_index.get(i),
                ) {
                    let dport = value(c.dst_port, row).unwrap_or(0);
                    let key = UnknownFlowKey {
                        eni: index,
                        direction: lookup(&c.direction, row),
                        action,
                        protocol,
                        dst_port_class: inputs.network.port_class(protocol, dport),
                        // Only class-invariant questions are asked of these (owner, peer class,
                        // rule peers), so internet addresses are kept by class, as in the main
                        // table: memory does not grow with the clients of an unknown ENI.
                        src: self.by_class(inputs.network, address(c.pkt_src, row).unwrap_or(src)),
                        dst: self.by_class(inputs.network, address(c.pkt_dst, row).unwrap_or(dst)),
                    };
                    *acc.unknown_flows.entry(key).or_insert(0) += 1;
                }
                return None;
            }
        };
        let (Some(src), Some(dst), Some(action), Some(protocol)) = (
            address(c.src, row),
            address(c.dst, row),
            lookup(&c.action, row),
            value(c.protocol, row),
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
        let sport = value(c.src_port, row).unwrap_or(0);
        let dport = value(c.dst_port, row).unwrap_or(0);
        let real_src = Addr(address(c.pkt_src, row).unwrap_or(src));
        let real_dst = Addr(address(c.pkt_dst, row).unwrap_or(dst));
        let tcp_flags = value(c.flags, row);
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
            self.peers.facts(matcher, matcher.eni_vpc(eni), remote_addr)
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
            remote: remote_at(inputs.network, eni, remote_addr, Some(first)),
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

/// The remote ENI version of a record, for [`FlowKey::remote`]: resolved now, at the record's
/// time and in the recording ENI's VPC scope, only when the address's owner changes over time
/// (inventory history); otherwise [`REMOTE_LATER`], resolved once per tuple at the end.
#[inline(always)]
fn remote_at(network: &Network, eni: EniIdx, remote: Addr, start: Option<i64>) -> u32 {
    if !network.matcher().has_history() {
        return REMOTE_LATER;
    }
    remote_with_history(network, eni, remote, start)
}

/// [`remote_at`] with inventory history.
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

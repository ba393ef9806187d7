//! Partial results that cross processes and machines: an [`Analyzer`](crate::Analyzer)'s
//! accumulated state as bytes, and back into another analyzer of the same network.
//!
//! Layout (all integers little-endian):
//!
//! | bytes | what |
//! |---|---|
//! | 8 | magic `FSPARTL1` |
//! | 4 | length of the header |
//! | … | header: JSON ([`Header`]): format version, flowsieve version, network and listener fingerprints, the analysis window, and every small part of the state (line accounting, per-ENI and per-flow-log observations, counters) |
//! | 8 | length of the flow table |
//! | … | flow table: an Arrow IPC stream, one row per (ENI, direction, action, orientation, protocol, service port, peer) tuple ([`flow_schema`]); a tuple whose peer is an internet class carries its peer sketch (`peers`, see `crate::peers`) |
//! | 8 | length of the unknown-ENI table |
//! | … | unknown-ENI table: an Arrow IPC stream ([`unknown_schema`]) |
//!
//! The two tables are what grows with an archive; Arrow keeps them columnar and cheap to read
//! from any language. Rows are sorted by key, so the same analysis always gives the same bytes
//! (a retried distributed task ships an identical partial). Reading validates every index and
//! code against the network it is merged into: a corrupt or foreign partial is an error, never a
//! wrong report.

use std::io::Cursor;
use std::sync::Arc;

use arrow_array::builder::{
    BinaryBuilder, BooleanBuilder, FixedSizeBinaryBuilder, Int64Builder, UInt8Builder,
    UInt16Builder, UInt32Builder, UInt64Builder,
};
use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, UInt8Type, UInt16Type, UInt32Type, UInt64Type};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use flowsieve_log::{LineCounts, LineIssue, LineIssueKind, LineStats};
use flowsieve_sg::Direction;
use serde::{Deserialize, Serialize};

use crate::accum::{
    Action, EniLines, FlowAccumulator, FlowCell, FlowKey, FlowStats, REMOTE_AMBIGUOUS,
    Unattributed, UnknownFlowKey,
};
use crate::coverage::FlowLogObservation;
use crate::error::{Error, Result};
use crate::orient::{Evidence, Orientation};
use crate::peers::PeerSketch;

/// The version of the partial layout; a partial of another version is refused.
pub const PARTIAL_FORMAT_VERSION: u32 = 2;

const MAGIC: &[u8; 8] = b"FSPARTL1";

/// Longest header accepted (the small state is a few bytes per ENI and flow log).
const MAX_HEADER_BYTES: usize = 1 << 30;

/// What a partial says about itself, and the small part of the state.
#[derive(Serialize, Deserialize)]
struct Header {
    format_version: u32,
    flowsieve_version: String,
    network_fingerprint: u64,
    listeners_fingerprint: u64,
    since: Option<i64>,
    until: Option<i64>,
    client_ports: Option<(u16, u16)>,
    state: SmallState,
}

/// Everything of a [`FlowAccumulator`] but its two tables.
#[derive(Serialize, Deserialize)]
struct SmallState {
    eni_lines: Vec<EniLines>,
    unknown_ids: Vec<String>,
    unknown_enis: Vec<(String, EniLines, FlowStats)>,
    unattributed: Unattributed,
    evidence: Vec<[u64; 2]>,
    window: FlowStats,
    lines_window: FlowStats,
    flow_logs: Vec<(String, FlowLogObservation)>,
    eni_unattributed: Vec<u64>,
    lines: LinesDto,
    files: u64,
    /// Objects pruned by key (absent from partials of older flowsieves: none).
    #[serde(default)]
    files_pruned: u64,
    bytes_read: u64,
    file_errors: Vec<(String, String)>,
}

/// [`LineStats`] without its per-object probe (a diagnosis of one object, not merged).
#[derive(Serialize, Deserialize)]
struct LinesDto {
    header: u64,
    records: u64,
    nodata: u64,
    skipdata: u64,
    blank: u64,
    malformed: u64,
    malformed_by_reason: Vec<u64>,
    samples: Vec<IssueDto>,
    bytes: u64,
}

#[derive(Serialize, Deserialize)]
struct IssueDto {
    source: String,
    line: u64,
    byte_offset: u64,
    field: Option<String>,
    text: String,
    /// [`LineIssueKind::as_str`], with the numbers of the two kinds that carry some.
    kind: String,
    expected: Option<u32>,
    found: Option<u32>,
    limit: Option<u32>,
}

/// The flow table's schema (one row per accumulated tuple).
pub(crate) fn flow_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("eni", DataType::UInt32, false),
        Field::new("direction", DataType::UInt8, false),
        Field::new("action", DataType::UInt8, false),
        Field::new("orientation", DataType::UInt8, false),
        Field::new("protocol", DataType::UInt8, false),
        Field::new("weak", DataType::Boolean, false),
        Field::new("port", DataType::UInt16, false),
        Field::new("alt_class", DataType::UInt16, false),
        Field::new("peer", DataType::FixedSizeBinary(16), false),
        Field::new("remote", DataType::UInt32, false),
        Field::new("records", DataType::UInt64, false),
        Field::new("packets", DataType::UInt64, false),
        Field::new("bytes", DataType::UInt64, false),
        Field::new("first", DataType::Int64, false),
        Field::new("last", DataType::Int64, false),
        Field::new("syn", DataType::UInt64, false),
        Field::new("peers", DataType::Binary, true),
    ]))
}

/// The unknown-ENI table's schema (records of ENIs missing from the inventory).
pub(crate) fn unknown_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("eni", DataType::UInt32, false),
        Field::new("direction", DataType::UInt8, false),
        Field::new("action", DataType::UInt8, false),
        Field::new("protocol", DataType::UInt8, false),
        Field::new("dst_port_class", DataType::UInt16, false),
        Field::new("src", DataType::FixedSizeBinary(16), false),
        Field::new("dst", DataType::FixedSizeBinary(16), false),
        Field::new("records", DataType::UInt64, false),
    ]))
}

/// What a partial must agree on with the analyzer it is merged into.
pub(crate) struct Identity {
    pub(crate) network_fingerprint: u64,
    pub(crate) listeners_fingerprint: u64,
    pub(crate) since: Option<i64>,
    pub(crate) until: Option<i64>,
    pub(crate) client_ports: Option<(u16, u16)>,
}

/// Serialises `acc`.
pub(crate) fn write(acc: &FlowAccumulator, identity: &Identity) -> Result<Vec<u8>> {
    let header = Header {
        format_version: PARTIAL_FORMAT_VERSION,
        flowsieve_version: env!("CARGO_PKG_VERSION").to_owned(),
        network_fingerprint: identity.network_fingerprint,
        listeners_fingerprint: identity.listeners_fingerprint,
        since: identity.since,
        until: identity.until,
        client_ports: identity.client_ports,
        state: small_state(acc),
    };
    let header = serde_json::to_vec(&header).map_err(|e| invalid(format!("header: {e}")))?;
    let flows = ipc_bytes(&flow_batch(acc)?)?;
    let unknown = ipc_bytes(&unknown_batch(acc)?)?;
    let mut out = Vec::with_capacity(8 + 4 + header.len() + 16 + flows.len() + unknown.len());
    out.extend_from_slice(MAGIC);
    let header_len = u32::try_from(header.len()).map_err(|_| invalid("header too long"))?;
    out.extend_from_slice(&header_len.to_le_bytes());
    out.extend_from_slice(&header);
    for table in [&flows, &unknown] {
        out.extend_from_slice(&(table.len() as u64).to_le_bytes());
        out.extend_from_slice(table);
    }
    Ok(out)
}

/// Reads a partial written by [`write`], checking it against `identity` and `enis` (the
/// network's ENI count).
pub(crate) fn read(
    bytes: &[u8],
    identity: &Identity,
    matcher: &flowsieve_sg::CompiledMatcher,
) -> Result<FlowAccumulator> {
    let enis = matcher.eni_count();
    let mut cursor = Sections { bytes, at: 0 };
    if cursor.take(MAGIC.len())? != MAGIC {
        return Err(invalid("not a flowsieve partial (bad magic)"));
    }
    let header_len = u32::from_le_bytes(cursor.array()?) as usize;
    if header_len > MAX_HEADER_BYTES {
        return Err(invalid("header length out of range"));
    }
    let header: Header = serde_json::from_slice(cursor.take(header_len)?)
        .map_err(|e| invalid(format!("header: {e}")))?;
    if header.format_version != PARTIAL_FORMAT_VERSION {
        return Err(invalid(format!(
            "format version {} (this flowsieve reads {PARTIAL_FORMAT_VERSION})",
            header.format_version
        )));
    }
    check_identity(&header, identity)?;
    let mut acc = FlowAccumulator::new(enis);
    restore_small_state(&mut acc, header.state, enis)?;
    let flows_len = usize::try_from(u64::from_le_bytes(cursor.array()?))
        .map_err(|_| invalid("flow table length"))?;
    for batch in ipc_batches(cursor.take(flows_len)?, &flow_schema())? {
        read_flows(&mut acc, &batch, matcher)?;
    }
    let unknown_len = usize::try_from(u64::from_le_bytes(cursor.array()?))
        .map_err(|_| invalid("unknown-ENI table length"))?;
    for batch in ipc_batches(cursor.take(unknown_len)?, &unknown_schema())? {
        read_unknown(&mut acc, &batch)?;
    }
    if cursor.at != bytes.len() {
        return Err(invalid("trailing bytes after the last table"));
    }
    Ok(acc)
}

fn check_identity(header: &Header, ours: &Identity) -> Result<()> {
    if header.network_fingerprint != ours.network_fingerprint {
        return Err(Error::NetworkMismatch {
            ours: ours.network_fingerprint,
            theirs: header.network_fingerprint,
        });
    }
    let mismatch = |what: &'static str| Err(Error::PartialMismatch { what });
    if header.listeners_fingerprint != ours.listeners_fingerprint {
        return mismatch("set of learned listeners");
    }
    if (header.since, header.until) != (ours.since, ours.until) {
        return mismatch("analysis window");
    }
    if header.client_ports != ours.client_ports {
        return mismatch("client port range");
    }
    Ok(())
}

fn invalid(reason: impl Into<String>) -> Error {
    Error::InvalidPartial {
        reason: reason.into(),
    }
}

/// A read position over the partial's bytes.
struct Sections<'b> {
    bytes: &'b [u8],
    at: usize,
}

impl<'b> Sections<'b> {
    fn take(&mut self, n: usize) -> Result<&'b [u8]> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| invalid("truncated"))?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let slice = self.take(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(slice);
        Ok(out)
    }
}

fn small_state(acc: &FlowAccumulator) -> SmallState {
    let mut unknown_enis: Vec<(String, EniLines, FlowStats)> = acc
        .unknown_enis
        .iter()
        .map(|(id, (lines, stats))| (id.clone(), *lines, *stats))
        .collect();
    unknown_enis.sort_by(|a, b| a.0.cmp(&b.0));
    let mut file_errors = acc.file_errors.clone();
    file_errors.sort();
    SmallState {
        eni_lines: acc.eni_lines.clone(),
        unknown_ids: acc.unknown_ids.clone(),
        unknown_enis,
        unattributed: acc.unattributed,
        evidence: acc.evidence.to_vec(),
        window: acc.window,
        lines_window: acc.lines_window,
        flow_logs: acc.flow_logs.clone(),
        eni_unattributed: acc.eni_unattributed.clone(),
        lines: lines_dto(&acc.lines),
        files: acc.files,
        files_pruned: acc.files_pruned,
        bytes_read: acc.bytes_read,
        file_errors,
    }
}

fn restore_small_state(acc: &mut FlowAccumulator, s: SmallState, enis: usize) -> Result<()> {
    if s.eni_lines.len() != enis || s.eni_unattributed.len() != enis {
        return Err(invalid(
            "per-ENI state does not match the network's ENI count",
        ));
    }
    if s.evidence.len() != Evidence::COUNT {
        return Err(invalid("evidence counts"));
    }
    if s.flow_logs
        .iter()
        .any(|(_, o)| o.observed.len() != enis || o.spans.len() != enis)
        || !s.flow_logs.is_sorted_by(|a, b| a.0 < b.0)
    {
        return Err(invalid("flow-log observations"));
    }
    acc.eni_lines = s.eni_lines;
    for id in &s.unknown_ids {
        acc.intern_unknown_eni(id);
    }
    if acc.unknown_ids.len() != s.unknown_ids.len() {
        return Err(invalid("repeated unknown ENI id"));
    }
    acc.unknown_enis = s
        .unknown_enis
        .into_iter()
        .map(|(id, lines, stats)| (id, (lines, stats)))
        .collect();
    acc.unattributed = s.unattributed;
    for (mine, theirs) in acc.evidence.iter_mut().zip(s.evidence) {
        *mine = theirs;
    }
    acc.window = s.window;
    acc.lines_window = s.lines_window;
    acc.flow_logs = s.flow_logs;
    acc.eni_unattributed = s.eni_unattributed;
    acc.lines = lines_from_dto(s.lines)?;
    acc.files = s.files;
    acc.files_pruned = s.files_pruned;
    acc.bytes_read = s.bytes_read;
    acc.file_errors = s.file_errors;
    Ok(())
}

fn lines_dto(lines: &LineStats) -> LinesDto {
    LinesDto {
        header: lines.counts.header,
        records: lines.counts.records,
        nodata: lines.counts.nodata,
        skipdata: lines.counts.skipdata,
        blank: lines.counts.blank,
        malformed: lines.counts.malformed,
        malformed_by_reason: lines.malformed_by_reason.to_vec(),
        samples: lines.samples.iter().map(issue_dto).collect(),
        bytes: lines.bytes,
    }
}

fn issue_dto(issue: &LineIssue) -> IssueDto {
    let (expected, found, limit) = match issue.kind {
        LineIssueKind::FieldCount { expected, found } => (Some(expected), Some(found), None),
        LineIssueKind::LineTooLong { limit } => (None, None, Some(limit)),
        _ => (None, None, None),
    };
    IssueDto {
        source: issue.source.to_string(),
        line: issue.line,
        byte_offset: issue.byte_offset,
        field: issue.field.clone(),
        text: issue.text.clone(),
        kind: issue.kind.as_str().to_owned(),
        expected,
        found,
        limit,
    }
}

fn lines_from_dto(d: LinesDto) -> Result<LineStats> {
    let mut lines = LineStats {
        counts: LineCounts {
            header: d.header,
            records: d.records,
            nodata: d.nodata,
            skipdata: d.skipdata,
            blank: d.blank,
            malformed: d.malformed,
        },
        bytes: d.bytes,
        ..LineStats::default()
    };
    if d.malformed_by_reason.len() != lines.malformed_by_reason.len() {
        return Err(invalid("malformed-line counts"));
    }
    lines
        .malformed_by_reason
        .copy_from_slice(&d.malformed_by_reason);
    for s in d.samples {
        let kind = match (s.kind.as_str(), s.expected, s.found, s.limit) {
            ("field_count", Some(expected), Some(found), _) => {
                LineIssueKind::FieldCount { expected, found }
            }
            ("empty_field", ..) => LineIssueKind::EmptyField,
            ("invalid_number", ..) => LineIssueKind::InvalidNumber,
            ("number_out_of_range", ..) => LineIssueKind::NumberOutOfRange,
            ("invalid_address", ..) => LineIssueKind::InvalidAddress,
            ("invalid_utf8", ..) => LineIssueKind::InvalidUtf8,
            ("invalid_value", ..) => LineIssueKind::InvalidValue,
            ("line_too_long", _, _, Some(limit)) => LineIssueKind::LineTooLong { limit },
            ("truncated", ..) => LineIssueKind::Truncated,
            (other, ..) => return Err(invalid(format!("line issue kind `{other}`"))),
        };
        lines.samples.push(LineIssue {
            source: s.source.into(),
            line: s.line,
            byte_offset: s.byte_offset,
            field: s.field,
            text: s.text,
            kind,
        });
    }
    Ok(lines)
}

fn flow_batch(acc: &FlowAccumulator) -> Result<RecordBatch> {
    let mut rows: Vec<(&FlowKey, &FlowCell)> = acc.flows.iter().collect();
    rows.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let n = rows.len();
    let mut eni = UInt32Builder::with_capacity(n);
    let mut direction = UInt8Builder::with_capacity(n);
    let mut action = UInt8Builder::with_capacity(n);
    let mut orientation = UInt8Builder::with_capacity(n);
    let mut protocol = UInt8Builder::with_capacity(n);
    let mut weak = BooleanBuilder::with_capacity(n);
    let mut port = UInt16Builder::with_capacity(n);
    let mut alt_class = UInt16Builder::with_capacity(n);
    let mut peer = FixedSizeBinaryBuilder::with_capacity(n, 16);
    let mut remote = UInt32Builder::with_capacity(n);
    let mut counters: [UInt64Builder; 4] = std::array::from_fn(|_| UInt64Builder::with_capacity(n));
    let mut first = Int64Builder::with_capacity(n);
    let mut last = Int64Builder::with_capacity(n);
    let mut peers = BinaryBuilder::with_capacity(n, 0);
    for (key, cell) in rows {
        let stats = &cell.stats;
        match &cell.peers {
            Some(sketch) => peers.append_value(sketch.to_bytes()),
            None => peers.append_null(),
        }
        eni.append_value(key.eni);
        direction.append_value(direction_code(key.direction));
        action.append_value(key.action as u8);
        orientation.append_value(key.orientation as u8);
        protocol.append_value(key.protocol);
        weak.append_value(key.weak);
        port.append_value(key.port);
        alt_class.append_value(key.alt_class);
        peer.append_value(key.peer.to_be_bytes())
            .map_err(|e| invalid(e.to_string()))?;
        remote.append_value(key.remote);
        for (builder, value) in
            counters
                .iter_mut()
                .zip([stats.records, stats.packets, stats.bytes, stats.syn])
        {
            builder.append_value(value);
        }
        first.append_value(stats.first);
        last.append_value(stats.last);
    }
    let [records, packets, bytes, syn] = counters;
    let columns: Vec<ArrayRef> = vec![
        Arc::new(eni.finish()),
        Arc::new(direction.finish()),
        Arc::new(action.finish()),
        Arc::new(orientation.finish()),
        Arc::new(protocol.finish()),
        Arc::new(weak.finish()),
        Arc::new(port.finish()),
        Arc::new(alt_class.finish()),
        Arc::new(peer.finish()),
        Arc::new(remote.finish()),
        Arc::new({ records }.finish()),
        Arc::new({ packets }.finish()),
        Arc::new({ bytes }.finish()),
        Arc::new(first.finish()),
        Arc::new(last.finish()),
        Arc::new({ syn }.finish()),
        Arc::new(peers.finish()),
    ];
    RecordBatch::try_new(flow_schema(), columns).map_err(|e| invalid(e.to_string()))
}

fn unknown_batch(acc: &FlowAccumulator) -> Result<RecordBatch> {
    let mut rows: Vec<(&UnknownFlowKey, &u64)> = acc.unknown_flows.iter().collect();
    rows.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let n = rows.len();
    let mut eni = UInt32Builder::with_capacity(n);
    let mut direction = UInt8Builder::with_capacity(n);
    let mut action = UInt8Builder::with_capacity(n);
    let mut protocol = UInt8Builder::with_capacity(n);
    let mut class = UInt16Builder::with_capacity(n);
    let mut src = FixedSizeBinaryBuilder::with_capacity(n, 16);
    let mut dst = FixedSizeBinaryBuilder::with_capacity(n, 16);
    let mut records = UInt64Builder::with_capacity(n);
    for (key, &count) in rows {
        eni.append_value(key.eni);
        direction.append_value(key.direction.map_or(2, direction_code));
        action.append_value(key.action as u8);
        protocol.append_value(key.protocol);
        class.append_value(key.dst_port_class);
        src.append_value(key.src.to_be_bytes())
            .map_err(|e| invalid(e.to_string()))?;
        dst.append_value(key.dst.to_be_bytes())
            .map_err(|e| invalid(e.to_string()))?;
        records.append_value(count);
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(eni.finish()),
        Arc::new(direction.finish()),
        Arc::new(action.finish()),
        Arc::new(protocol.finish()),
        Arc::new(class.finish()),
        Arc::new(src.finish()),
        Arc::new(dst.finish()),
        Arc::new(records.finish()),
    ];
    RecordBatch::try_new(unknown_schema(), columns).map_err(|e| invalid(e.to_string()))
}

fn ipc_bytes(batch: &RecordBatch) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut writer = arrow_ipc::writer::StreamWriter::try_new(&mut out, &batch.schema())
        .map_err(|e| invalid(e.to_string()))?;
    writer.write(batch).map_err(|e| invalid(e.to_string()))?;
    writer.finish().map_err(|e| invalid(e.to_string()))?;
    drop(writer);
    Ok(out)
}

fn ipc_batches(bytes: &[u8], schema: &SchemaRef) -> Result<Vec<RecordBatch>> {
    let reader = arrow_ipc::reader::StreamReader::try_new(Cursor::new(bytes), None)
        .map_err(|e| invalid(format!("table: {e}")))?;
    if reader.schema().fields() != schema.fields() {
        return Err(invalid("table schema differs"));
    }
    reader
        .map(|b| b.map_err(|e| invalid(format!("table: {e}"))))
        .collect()
}

fn read_flows(
    acc: &mut FlowAccumulator,
    batch: &RecordBatch,
    matcher: &flowsieve_sg::CompiledMatcher,
) -> Result<()> {
    let enis = matcher.eni_count();
    let c = |i: usize| batch.column(i);
    let eni = c(0).as_primitive::<UInt32Type>();
    let direction = c(1).as_primitive::<UInt8Type>();
    let action = c(2).as_primitive::<UInt8Type>();
    let orientation = c(3).as_primitive::<UInt8Type>();
    let protocol = c(4).as_primitive::<UInt8Type>();
    let weak = c(5).as_boolean();
    let port = c(6).as_primitive::<UInt16Type>();
    let alt_class = c(7).as_primitive::<UInt16Type>();
    let peer = c(8).as_fixed_size_binary();
    let remote = c(9).as_primitive::<UInt32Type>();
    let records = c(10).as_primitive::<UInt64Type>();
    let packets = c(11).as_primitive::<UInt64Type>();
    let bytes = c(12).as_primitive::<UInt64Type>();
    let first = c(13).as_primitive::<Int64Type>();
    let last = c(14).as_primitive::<Int64Type>();
    let syn = c(15).as_primitive::<UInt64Type>();
    let peers = c(16).as_binary::<i32>();
    if batch.columns()[..16].iter().any(|a| a.null_count() > 0) {
        return Err(invalid("nulls in the flow table"));
    }
    acc.flows.reserve(batch.num_rows());
    for row in 0..batch.num_rows() {
        if eni.value(row) as usize >= enis
            || (remote.value(row) as usize >= enis && remote.value(row) < REMOTE_AMBIGUOUS)
        {
            return Err(invalid("ENI index out of range"));
        }
        let key = FlowKey {
            eni: eni.value(row),
            direction: direction_from(direction.value(row))?,
            action: action_from(action.value(row))?,
            orientation: match orientation.value(row) {
                0 => Orientation::Forward,
                1 => Orientation::Reverse,
                _ => return Err(invalid("orientation code")),
            },
            protocol: protocol.value(row),
            weak: weak.value(row),
            port: port.value(row),
            alt_class: alt_class.value(row),
            peer: address(peer.value(row))?,
            remote: remote.value(row),
        };
        let stats = FlowStats {
            records: records.value(row),
            packets: packets.value(row),
            bytes: bytes.value(row),
            first: first.value(row),
            last: last.value(row),
            syn: syn.value(row),
        };
        let peers = if peers.is_null(row) {
            None
        } else {
            // Only an internet class has a sketch (of this network: the fingerprint matched).
            if matcher.internet_class(flowsieve_sg::Addr(key.peer))
                != Some(flowsieve_sg::Addr(key.peer))
            {
                return Err(invalid(
                    "peer sketch on a tuple whose peer is not an internet class",
                ));
            }
            let class_of = |a: u128| matcher.internet_class(flowsieve_sg::Addr(a)).map(|c| c.0);
            let sketch = PeerSketch::from_bytes(peers.value(row))
                .filter(|s| s.fits(key.peer, class_of))
                .ok_or_else(|| invalid("peer sketch that does not fit its tuple"))?;
            Some(Box::new(sketch))
        };
        if acc.flows.insert(key, FlowCell { stats, peers }).is_some() {
            return Err(invalid("repeated key in the flow table"));
        }
    }
    Ok(())
}

fn read_unknown(acc: &mut FlowAccumulator, batch: &RecordBatch) -> Result<()> {
    let c = |i: usize| batch.column(i);
    let eni = c(0).as_primitive::<UInt32Type>();
    let direction = c(1).as_primitive::<UInt8Type>();
    let action = c(2).as_primitive::<UInt8Type>();
    let protocol = c(3).as_primitive::<UInt8Type>();
    let class = c(4).as_primitive::<UInt16Type>();
    let src = c(5).as_fixed_size_binary();
    let dst = c(6).as_fixed_size_binary();
    let records = c(7).as_primitive::<UInt64Type>();
    if batch.columns().iter().any(|a| a.null_count() > 0) {
        return Err(invalid("nulls in the unknown-ENI table"));
    }
    for row in 0..batch.num_rows() {
        if eni.value(row) as usize >= acc.unknown_ids.len() {
            return Err(invalid("unknown-ENI index out of range"));
        }
        let key = UnknownFlowKey {
            eni: eni.value(row),
            direction: match direction.value(row) {
                2 => None,
                code => Some(direction_from(code)?),
            },
            action: action_from(action.value(row))?,
            protocol: protocol.value(row),
            dst_port_class: class.value(row),
            src: address(src.value(row))?,
            dst: address(dst.value(row))?,
        };
        if acc.unknown_flows.insert(key, records.value(row)).is_some() {
            return Err(invalid("repeated key in the unknown-ENI table"));
        }
    }
    Ok(())
}

fn direction_code(d: Direction) -> u8 {
    match d {
        Direction::Ingress => 0,
        Direction::Egress => 1,
    }
}

fn direction_from(code: u8) -> Result<Direction> {
    match code {
        0 => Ok(Direction::Ingress),
        1 => Ok(Direction::Egress),
        _ => Err(invalid("direction code")),
    }
}

fn action_from(code: u8) -> Result<Action> {
    match code {
        0 => Ok(Action::Accept),
        1 => Ok(Action::Reject),
        _ => Err(invalid("action code")),
    }
}

fn address(bytes: &[u8]) -> Result<u128> {
    let bytes: [u8; 16] = bytes.try_into().map_err(|_| invalid("address width"))?;
    Ok(u128::from_be_bytes(bytes))
}

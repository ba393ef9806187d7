//! [`FlowDecoder`]: the push core. It takes decompressed bytes, frames lines, recognises header
//! lines, accounts for every line, and fills the column builders; [`FlowDecoder::flush`] turns
//! them into a [`FlowRecordBatch`].
//!
//! It owns line framing and positions (line number, byte offset) — the only layer that knows
//! them — and never reads input itself: [`crate::FlowLogReader`] is the pull loop on top.
//! nom only ever sees whole lines.
//!
//! What comes before a record on its line is taken off here too: a UTF-8 byte-order mark (at
//! the start of an object, or of a concatenated one), a CloudWatch export timestamp, the
//! timestamp column of a Logs Insights CSV download ([`crate::cloudwatch`]). None of them is a
//! line of its own: the accounting counts physical lines.

use std::sync::Arc;

use arrow_array::{RecordBatch, RecordBatchOptions};

use crate::batch::FlowRecordBatch;
use crate::cloudwatch::{insights_message, is_insights_header, strip_export_timestamp};
use crate::columns::Columns;
use crate::diagnose::FormatOrigin;
use crate::enums::LogStatus;
use crate::error::{Error, ErrorKind, Result};
use crate::format::LogFormat;
use crate::plan::FieldPlan;
use crate::reader::ReaderBuilder;
use crate::record::{LineFault, parse_indexed, parse_line, parse_line_indexed, parse_line_v2};
use crate::separators::{FieldEnds, MAX_FIELDS};
use crate::stats::{LineIssue, LineIssueKind, LineStats};

/// Longest text kept in a [`LineIssue`].
const ISSUE_TEXT_LIMIT: usize = 80;

/// The UTF-8 encoding of U+FEFF, which some editors and exporters write before text.
const BYTE_ORDER_MARK: &[u8] = b"\xEF\xBB\xBF";

/// Decodes flow-log text pushed to it in chunks into batches.
///
/// ```
/// use flowsieve_log::ReaderBuilder;
///
/// let mut decoder = ReaderBuilder::new().build_decoder()?;
/// let text = b"2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK\n";
/// let consumed = decoder.decode(text)?;
/// assert_eq!(consumed, text.len());
/// decoder.finish(&[], false)?;
/// let batch = decoder.flush()?.expect("one row");
/// assert_eq!(batch.num_rows(), 1);
/// assert_eq!(decoder.stats().counts.records, 1);
/// # Ok::<(), flowsieve_log::Error>(())
/// ```
#[derive(Debug)]
pub struct FlowDecoder {
    options: ReaderBuilder,
    source: Arc<str>,
    plan: FieldPlan,
    columns: Columns,
    rows: usize,
    stats: LineStats,
    /// Lines framed so far (the number of the last line).
    line: u64,
    /// Byte offset of the next line's first byte.
    offset: u64,
    /// Whether a non-blank line has been seen (the first one may be a header).
    seen_first_line: bool,
    /// A line longer than the bound, being skipped: (line number, start offset, bytes so far).
    long_line: Option<(u64, u64, u64)>,
    /// A header with a different format, applied after the current batch is flushed.
    pending_plan: Option<FieldPlan>,
    /// Where the format in force came from (for [`LineStats::diagnose`]).
    origin: FormatOrigin,
    /// The object is a Logs Insights CSV download: each line's record is its second column.
    insights_csv: bool,
    full: bool,
    /// Scratch for the separator index of the line being parsed.
    ends: FieldEnds,
    /// Tests switch the indexed framing off to compare with the general path.
    #[cfg(test)]
    general_only: bool,
}

impl FlowDecoder {
    pub(crate) fn new(options: ReaderBuilder) -> Result<FlowDecoder> {
        let origin = match options.format {
            Some(_) => FormatOrigin::Configured,
            None => FormatOrigin::Default,
        };
        let format = options.format.clone().unwrap_or_default();
        let plan = FieldPlan::new(&format, options.projection.as_deref())?;
        let columns = plan.new_columns(options.batch_size);
        let source = options
            .source_label
            .clone()
            .unwrap_or_else(|| Arc::from("<input>"));
        Ok(FlowDecoder {
            options,
            source,
            plan,
            columns,
            rows: 0,
            stats: LineStats::default(),
            line: 0,
            offset: 0,
            seen_first_line: false,
            long_line: None,
            pending_plan: None,
            origin,
            insights_csv: false,
            full: false,
            ends: FieldEnds::new(),
            #[cfg(test)]
            general_only: false,
        })
    }

    /// Decodes the complete lines at the start of `buf` and returns how many bytes it consumed.
    ///
    /// It stops early when the batch is full ([`Self::is_full`]): flush, then call again with the
    /// rest. An incomplete last line is left for the next call, unless it is already longer than
    /// the line bound, in which case it is consumed and skipped (counted as `line_too_long`).
    pub fn decode(&mut self, buf: &[u8]) -> Result<usize> {
        let limit = self.options.max_line_length;
        let mut consumed = 0;
        // Re-read after every line the general path takes: a header there may have changed
        // the plan (a stale `true` would parse a custom layout as v2).
        let mut fast = self.fast_path();
        let mut indexed = self.indexed_path();
        while !self.full && consumed < buf.len() {
            let rest = &buf[consumed..];
            // Any other layout: frame the line and find its fields' ends in one pass, and
            // parse it straight from the buffer when nothing about it needs the general path.
            if indexed
                && self.seen_first_line
                && self.long_line.is_none()
                && let Some(at) = self.indexed_record(rest, limit)
            {
                self.offset += at as u64 + 1;
                consumed += at + 1;
                continue;
            }
            // The default v2 layout: parse the record straight from the buffer and find the
            // line's end as the byte after the last field, instead of scanning for it first
            // (`memchr` per 117-byte line costs more in call and setup than in scanning).
            // Anything else about the line (a header, a null, `\r\n`, an anomaly, an overlong
            // line) takes the general path below, after the partial row is dropped.
            if fast && self.seen_first_line && self.long_line.is_none() {
                match parse_line_v2(&mut self.columns, rest) {
                    Some((status, at)) if at <= limit && rest.get(at) == Some(&b'\n') => {
                        self.line += 1;
                        self.count_row(status);
                        self.offset += at as u64 + 1;
                        consumed += at + 1;
                        continue;
                    }
                    _ => self.columns.truncate(self.rows),
                }
            }
            let newline = memchr::memchr(b'\n', rest);
            if let Some((_, _, seen)) = &mut self.long_line {
                match newline {
                    Some(at) => {
                        *seen += at as u64 + 1;
                        consumed += at + 1;
                        self.end_long_line()?;
                    }
                    None => {
                        *seen += rest.len() as u64;
                        consumed += rest.len();
                    }
                }
                continue;
            }
            match newline {
                Some(at) if at <= limit => {
                    self.line(&rest[..at])?;
                    self.offset += at as u64 + 1;
                    consumed += at + 1;
                    fast = self.fast_path();
                    indexed = self.indexed_path();
                }
                Some(at) => {
                    self.long_line = Some((self.line + 1, self.offset, at as u64 + 1));
                    consumed += at + 1;
                    self.end_long_line()?;
                }
                None if rest.len() > limit => {
                    self.long_line = Some((self.line + 1, self.offset, rest.len() as u64));
                    consumed += rest.len();
                }
                None => break,
            }
        }
        Ok(consumed)
    }

    /// Ends the input: `remainder` is the last line when the input does not end with a newline.
    /// With `truncated`, the input ended early (a cut gzip stream): the remainder is a partial
    /// line, counted as malformed (`truncated`) instead of being parsed.
    pub fn finish(&mut self, remainder: &[u8], truncated: bool) -> Result<()> {
        if self.long_line.is_some() {
            if let Some((_, _, seen)) = &mut self.long_line {
                *seen += remainder.len() as u64;
            }
            return self.end_long_line();
        }
        if remainder.is_empty() {
            return Ok(());
        }
        if truncated {
            self.line += 1;
            let issue = self.issue_at(
                self.line,
                self.offset,
                None,
                remainder,
                LineIssueKind::Truncated,
            );
            self.offset += remainder.len() as u64;
            return self.report(issue);
        }
        let limit = self.options.max_line_length;
        if remainder.len() > limit {
            self.long_line = Some((self.line + 1, self.offset, remainder.len() as u64));
            return self.end_long_line();
        }
        self.line(remainder)?;
        self.offset += remainder.len() as u64;
        Ok(())
    }

    /// Whether the batch has reached the configured row count (or a header with a new format
    /// needs the current batch flushed first).
    pub fn is_full(&self) -> bool {
        self.full
    }

    /// Rows decoded into the current batch.
    pub fn buffered_rows(&self) -> usize {
        self.rows
    }

    /// Line accounting so far.
    pub fn stats(&self) -> &LineStats {
        &self.stats
    }

    /// The format currently in force (from the header, the configured format, or v2).
    pub fn format(&self) -> &LogFormat {
        self.plan.format()
    }

    /// The schema of the batches [`Self::flush`] returns.
    pub fn schema(&self) -> arrow_schema::SchemaRef {
        self.plan.schema().clone()
    }

    /// Number of lines framed so far.
    pub fn lines(&self) -> u64 {
        self.line
    }

    /// Turns the buffered rows into a batch; `None` when there are none.
    pub fn flush(&mut self) -> Result<Option<FlowRecordBatch>> {
        self.full = false;
        let batch = if self.rows == 0 {
            None
        } else {
            let rows = self.rows;
            let mut arrays = Vec::with_capacity(self.plan.outputs().len());
            for (storage, field) in self.plan.outputs() {
                arrays.push(
                    self.columns
                        .finish_column(*storage, field.data_type(), rows)?,
                );
            }
            let options = RecordBatchOptions::new().with_row_count(Some(rows));
            let batch =
                RecordBatch::try_new_with_options(self.plan.schema().clone(), arrays, &options)?;
            self.rows = 0;
            Some(FlowRecordBatch::from_parts(batch))
        };
        if let Some(plan) = self.pending_plan.take() {
            self.columns = plan.new_columns(self.options.batch_size);
            self.plan = plan;
        }
        Ok(batch)
    }

    /// Whether the next line may take the straight-line v2 parser on the raw buffer.
    fn fast_path(&self) -> bool {
        self.plan.is_v2_full() && !self.insights_csv
    }

    /// Whether the next line may be framed and parsed on the indexed path
    /// ([`Self::indexed_record`]): a layout other than the full v2 one (which has its own),
    /// outside a Logs Insights download.
    fn indexed_path(&self) -> bool {
        self.uses_index()
            && !self.plan.is_v2_full()
            && !self.insights_csv
            && self.plan.slots().len() <= MAX_FIELDS
    }

    /// Whether lines may be indexed at all: only on the AVX2 kernel (see
    /// [`FieldEnds::is_vectorised`]); tests compare with the general path alone.
    #[inline(always)]
    fn uses_index(&self) -> bool {
        #[cfg(test)]
        if self.general_only {
            return false;
        }
        self.ends.is_vectorised()
    }

    /// The record line `buf` starts with, framed and parsed in one pass when it is a plain
    /// record: `Some(length)` with the row added and counted. `None` (and no row) for anything
    /// [`Self::line`] treats specially — a blank line, `\r\n`, a byte-order mark, what may be a
    /// header or an export timestamp — and for any fault, a partial line or an overlong one:
    /// the general path then takes the line from the start.
    #[inline]
    fn indexed_record(&mut self, buf: &[u8], limit: usize) -> Option<usize> {
        let at = self.ends.index_line(buf, self.plan.slots().len(), limit)?;
        let line = buf.get(..at)?;
        let plain = match line {
            [] | [.., b'\r'] => false,
            [first, ..] if first.is_ascii_lowercase() || *first == BYTE_ORDER_MARK[0] => false,
            _ => !(line.len() >= 21 && line[4] == b'-' && line[10] == b'T'),
        };
        if !plain {
            return None;
        }
        match parse_indexed(&self.plan, &mut self.columns, line, &self.ends) {
            Some(status) => {
                self.line += 1;
                self.count_row(status);
                Some(at)
            }
            None => {
                self.columns.truncate(self.rows);
                None
            }
        }
    }

    fn line(&mut self, raw: &[u8]) -> Result<()> {
        self.line += 1;
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        let line = line.strip_prefix(BYTE_ORDER_MARK).unwrap_or(line);
        if line.is_empty() {
            self.stats.counts.blank += 1;
            return Ok(());
        }
        let first = !self.seen_first_line;
        self.seen_first_line = true;
        if (first || self.insights_csv) && is_insights_header(line) {
            // A Logs Insights download (or one more, concatenated): its records are header-less
            // lines of the configured format, else the default.
            self.insights_csv = true;
            self.stats.counts.header += 1;
            return Ok(());
        }
        let line = if self.insights_csv {
            insights_message(line)
        } else {
            let line = strip_export_timestamp(line);
            if (first || LogFormat::may_be_header(line))
                && let Some(format) = LogFormat::from_header_line(line, &self.source)?
            {
                self.stats.counts.header += 1;
                self.origin = FormatOrigin::Header;
                self.use_format(format)?;
                return Ok(());
            }
            line
        };
        let parsed = if self.plan.is_v2_full() {
            match parse_line_v2(&mut self.columns, line) {
                Some((status, len)) if len == line.len() => Ok(status),
                _ => {
                    // A null or a fault: drop the partial row and let the generic path decide.
                    self.columns.truncate(self.rows);
                    parse_line(self.plan.slots(), &mut self.columns, line)
                }
            }
        } else if self.uses_index() {
            match parse_line_indexed(&self.plan, &mut self.columns, line, &mut self.ends) {
                Some(status) => Ok(status),
                None => {
                    // Anything unusual: the generic loop decides (see `parse_line_indexed`).
                    self.columns.truncate(self.rows);
                    parse_line(self.plan.slots(), &mut self.columns, line)
                }
            }
        } else {
            parse_line(self.plan.slots(), &mut self.columns, line)
        };
        match parsed {
            Ok(status) => {
                self.count_row(status);
                Ok(())
            }
            Err(fault) => {
                self.columns.truncate(self.rows);
                let issue = self.fault_issue(line, fault);
                let expected = self.plan.format().len();
                self.stats.probe.record(line, self.origin, expected, &issue);
                self.report(issue)
            }
        }
    }

    /// Accounts for a parsed row.
    #[inline(always)]
    fn count_row(&mut self, status: LogStatus) {
        self.rows += 1;
        match status {
            LogStatus::Ok => self.stats.counts.records += 1,
            LogStatus::NoData => self.stats.counts.nodata += 1,
            LogStatus::SkipData => self.stats.counts.skipdata += 1,
        }
        if self.rows >= self.options.batch_size {
            self.full = true;
        }
    }

    fn use_format(&mut self, format: LogFormat) -> Result<()> {
        if &format == self.plan.format() {
            return Ok(());
        }
        let plan = FieldPlan::new(&format, self.options.projection.as_deref())?;
        if self.rows > 0 && plan.outputs() != self.plan.outputs() {
            // The batch under construction is laid out for the old format: flush it first.
            self.pending_plan = Some(plan);
            self.full = true;
        } else if self.rows > 0 {
            // Same output layout (a projection whose fields both formats have): only the
            // slots change, the columns carry on.
            self.plan = plan;
        } else {
            self.columns = plan.new_columns(self.options.batch_size);
            self.plan = plan;
        }
        Ok(())
    }

    fn end_long_line(&mut self) -> Result<()> {
        let Some((line, offset, seen)) = self.long_line.take() else {
            return Ok(());
        };
        self.line = line;
        self.offset = offset + seen;
        let limit = u32::try_from(self.options.max_line_length).unwrap_or(u32::MAX);
        let text = format!("<{seen} bytes>");
        let issue = self.issue_at(
            line,
            offset,
            None,
            text.as_bytes(),
            LineIssueKind::LineTooLong { limit },
        );
        self.report(issue)
    }

    fn fault_issue(&self, line: &[u8], fault: LineFault) -> LineIssue {
        let field = fault
            .field
            .and_then(|i| self.plan.format().fields().get(i))
            .map(|f| f.aws_name());
        let text = if fault.start < fault.end {
            &line[fault.start..fault.end.min(line.len())]
        } else if matches!(fault.kind, LineIssueKind::EmptyField) {
            // Show the neighbourhood of the empty field.
            let from = fault.start.saturating_sub(20);
            &line[from..(fault.start + 20).min(line.len())]
        } else {
            line
        };
        self.issue_at(self.line, self.offset, field, text, fault.kind)
    }

    fn issue_at(
        &self,
        line: u64,
        byte_offset: u64,
        field: Option<&str>,
        text: &[u8],
        kind: LineIssueKind,
    ) -> LineIssue {
        let mut end = text.len().min(ISSUE_TEXT_LIMIT);
        while end < text.len() && end > 0 && (text[end] & 0xC0) == 0x80 {
            end -= 1;
        }
        LineIssue {
            source: self.source.clone(),
            line,
            byte_offset,
            field: field.map(str::to_owned),
            text: String::from_utf8_lossy(&text[..end]).into_owned(),
            kind,
        }
    }

    fn report(&mut self, issue: LineIssue) -> Result<()> {
        if self.options.strict {
            self.stats
                .record_issue(issue.clone(), self.options.sample_limit);
            return Err(Error::from(ErrorKind::Malformed(issue)));
        }
        self.stats.record_issue(issue, self.options.sample_limit);
        Ok(())
    }

    pub(crate) fn set_bytes(&mut self, bytes: u64) {
        self.stats.bytes = bytes;
    }

    pub(crate) fn source_label(&self) -> &Arc<str> {
        &self.source
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::FlowField;

    fn decode_all(builder: ReaderBuilder, text: &[u8]) -> (Vec<FlowRecordBatch>, LineStats) {
        decode_with(builder, text, false)
    }

    fn decode_with(
        builder: ReaderBuilder,
        text: &[u8],
        general_only: bool,
    ) -> (Vec<FlowRecordBatch>, LineStats) {
        let mut decoder = builder.build_decoder().unwrap();
        decoder.general_only = general_only;
        let mut batches = Vec::new();
        let mut at = 0;
        loop {
            at += decoder.decode(&text[at..]).unwrap();
            if decoder.is_full() {
                batches.extend(decoder.flush().unwrap());
                continue;
            }
            break;
        }
        decoder.finish(&text[at..], false).unwrap();
        batches.extend(decoder.flush().unwrap());
        (batches, decoder.stats().clone())
    }

    #[test]
    fn batches_split_at_the_configured_size() {
        let line = b"2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 ACCEPT OK\n";
        let text: Vec<u8> = line.iter().copied().cycle().take(line.len() * 5).collect();
        let (batches, stats) = decode_all(ReaderBuilder::new().with_batch_size(2), &text);
        assert_eq!(
            batches
                .iter()
                .map(FlowRecordBatch::num_rows)
                .collect::<Vec<_>>(),
            [2, 2, 1]
        );
        assert_eq!(stats.counts.records, 5);
    }

    #[test]
    fn long_lines_are_skipped_and_counted() {
        let mut text = b"2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 ACCEPT OK\n".to_vec();
        text.extend(std::iter::repeat_n(b'x', 100));
        text.push(b'\n');
        text.extend(b"2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 REJECT OK");
        let builder = ReaderBuilder::new().with_max_line_length(60);
        let (batches, stats) = decode_all(builder, &text);
        assert_eq!(batches[0].num_rows(), 2);
        assert_eq!(stats.malformed_by_reason[7], 1);
        assert_eq!(stats.samples[0].line, 2);
        assert_eq!(stats.samples[0].byte_offset, 52);
        assert_eq!(stats.lines(), 3);
    }

    /// The fast path is chosen per line, not once per `decode` call: a header read by the
    /// general path may replace the v2 plan with a layout of the same kinds in another order,
    /// whose lines the v2 parser would put in the wrong columns.
    #[test]
    fn a_header_switches_off_the_v2_path_within_one_call() {
        let text = b"version account-id interface-id srcaddr dstaddr protocol dstport srcport packets bytes start end action log-status\n\
                     2 1 eni-1 10.0.0.1 10.0.0.2 6 22 100 1 1 1 2 ACCEPT OK\n";
        let (batches, stats) = decode_all(ReaderBuilder::new(), text);
        assert_eq!((stats.counts.header, stats.counts.records), (1, 1));
        let batch = &batches[0];
        assert_eq!(batch.uint8(FlowField::Protocol).unwrap().value(0), 6);
        assert_eq!(batch.uint16(FlowField::DstPort).unwrap().value(0), 22);
        assert_eq!(batch.uint16(FlowField::SrcPort).unwrap().value(0), 100);
    }

    /// A text field of the v2 fast path ends at the line's end: two physical lines are never
    /// one record (the fuzzers found `2 123456\n…789010 eni-…` read as one line).
    #[test]
    fn the_v2_path_never_reads_across_a_newline() {
        let text = b"2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 ACCEPT OK\n\
                     5 1-1\n234 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 ACCEPT OK\n";
        let (batches, stats) = decode_all(ReaderBuilder::new(), text);
        assert_eq!(
            (stats.counts.records, stats.counts.malformed, stats.lines()),
            (1, 2, 3)
        );
        assert_eq!(batches[0].num_rows(), 1);
    }

    /// Lines framed and parsed on the indexed path are accounted for exactly as on the general
    /// path: the same rows, counts, samples (line numbers, offsets, fields) — on the layout of
    /// most objects of the benchmark archive, with every kind of line the general path treats
    /// specially mixed in and mutated.
    #[test]
    fn indexed_framing_agrees_with_the_general_path() {
        let header = b"version vpc-id subnet-id instance-id interface-id account-id type srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr protocol bytes packets start end action tcp-flags log-status region az-id sublocation-type sublocation-id pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path\n";
        let record: &[u8] = b"5 vpc-5dde917d7f1c89de1 subnet-b13f6044d746c0125 - eni-1dcf65d592c962ce8 568738793019 IPv4 10.34.65.4 10.34.19.111 8002 41693 10.34.65.4 10.34.19.111 6 12299 49 1745197338 1745197339 ACCEPT 19 OK us-east-1 use1-az1 - - - - ingress -";
        let specials: [&[u8]; 8] = [
            b"\xEF\xBB\xBF5 a b - c d IPv4 1.2.3.4 5.6.7.8 1 2 - - 6 1 1 1 2 ACCEPT 0 OK r z - - - - egress 1",
            b"2025-04-21T01:00:00.000Z 5 a b - c d IPv4 1.2.3.4 5.6.7.8 1 2 - - 6 1 1 1 2 ACCEPT 0 OK r z - - - - egress 1",
            b"",
            b"version vpc-id",
            b"x5 a b - c d IPv4 1.2.3.4 5.6.7.8 1 2 - - 6 1 1 1 2 ACCEPT 0 OK r z - - - - egress 1",
            b"5 a b - c d IPv4 1.2.3.4 5.6.7.8 1 2 - - 6 1 1 1 2 ACCEPT 0 - r z - - - - egress 1",
            b"5 a b - c d IPv4 1.2.3.4 5.6.7.8 1 2 - - 6 1 1 1 2 ACCEPT 0 OK r z - - - - egress",
            b"5 a b - c d IPv4 1.2.3.4 5.6.7.8 1 2 - - 6 1 1 1 2 ACCEPT 0 OK r z - - - - egress 1 ",
        ];
        let mut rng = crate::mutate::XorShift::new(0x2545_F491_4F6C_DD1D);
        let mut next = move || rng.next();
        let alphabet = b" -.0123456789\r\nabz";
        for round in 0..60 {
            let mut text = header.to_vec();
            for _ in 0..40 {
                let mut line = if next() % 4 == 0 {
                    specials[(next() % 8) as usize].to_vec()
                } else {
                    record.to_vec()
                };
                if next() % 3 == 0 && !line.is_empty() {
                    let at = (next() as usize) % line.len();
                    line[at] = alphabet[(next() as usize) % alphabet.len()];
                }
                if next() % 10 == 0 {
                    line.push(b'\r');
                }
                text.extend(line);
                text.push(b'\n');
            }
            if round % 2 == 1 {
                text.truncate(text.len() - 1 - (next() % 30) as usize);
            }
            for builder in [
                ReaderBuilder::new(),
                ReaderBuilder::new().with_projection([
                    FlowField::InterfaceId,
                    FlowField::SrcAddr,
                    FlowField::PktSrcAddr,
                    FlowField::LogStatus,
                    FlowField::Bytes,
                ]),
                ReaderBuilder::new()
                    .with_batch_size(7)
                    .with_max_line_length(120)
                    .with_sample_limit(usize::MAX),
            ] {
                let (fast, fast_stats) = decode_with(builder.clone(), &text, false);
                let (slow, slow_stats) = decode_with(builder, &text, true);
                assert_eq!(fast_stats, slow_stats, "{}", String::from_utf8_lossy(&text));
                assert_eq!(fast.len(), slow.len());
                for (a, b) in fast.iter().zip(&slow) {
                    assert_eq!(a.as_record_batch(), b.as_record_batch());
                }
            }
        }
    }

    #[test]
    fn a_new_header_mid_stream_starts_a_new_batch() {
        let text = b"version interface-id\n2 eni-a\nversion interface-id srcport\n3 eni-b 22\n";
        let (batches, stats) = decode_all(ReaderBuilder::new(), text);
        assert_eq!(stats.counts.header, 2);
        assert_eq!(batches.len(), 2);
        assert_eq!(batches[0].schema().fields().len(), 2);
        assert_eq!(batches[1].schema().fields().len(), 3);
        // With a projection the schema is fixed and the batch goes on.
        let builder = ReaderBuilder::new().with_projection([FlowField::InterfaceId]);
        let (batches, _) = decode_all(builder, text);
        assert_eq!(batches.len(), 1);
        assert_eq!(batches[0].num_rows(), 2);
    }
}

//! [`ReaderBuilder`] (every reading option, with its default) and [`FlowLogReader`], the pull
//! loop over any [`std::io::Read`]: one rolling buffer, one [`FlowDecoder`], batches out.
//!
//! Memory is bounded by the batch (rows × columns) plus the read buffer (1 MiB or twice the line
//! bound, whichever is larger), never by the input — or, for a gzip object inflated whole
//! ([`ReaderBuilder::with_whole_gzip`]), by its text, which the reader parses in place instead
//! of reading it (at most [`crate::WHOLE_TEXT_LIMIT`]; the buffer goes back to its thread's
//! pool when the reader is dropped).

use std::io::{self, Read};
use std::sync::Arc;

use arrow_schema::SchemaRef;

use crate::batch::FlowRecordBatch;
use crate::conform::FlowConformer;
use crate::decoder::FlowDecoder;
use crate::error::{Error, ErrorKind, Result};
use crate::field::FieldName;
use crate::format::LogFormat;
use crate::plan::FieldPlan;
use crate::stats::LineStats;

/// Default rows per batch.
pub const DEFAULT_BATCH_SIZE: usize = 32 * 1024;
/// Default bound on a line's length in bytes; longer lines are skipped as `line_too_long`.
/// The longest line AWS can write (every v2–v8 field, with long ECS ARNs) is about 2 KiB.
pub const DEFAULT_MAX_LINE_LENGTH: usize = 32 * 1024;

/// The largest line bound [`ReaderBuilder::with_max_line_length`] accepts: the reader's buffer
/// holds two lines of this length, so larger bounds would let one line allocate without limit.
pub const MAX_LINE_LENGTH_LIMIT: usize = 16 * 1024 * 1024;
/// Default number of sampled issues kept per reason.
pub const DEFAULT_SAMPLE_LIMIT: usize = 5;
const READ_BUFFER: usize = 1 << 20;

/// How to read flow logs: format, projection, batch size, strictness, bounds.
///
/// ```
/// use arrow_array::Array;
/// use flowsieve_log::{FlowField, ReaderBuilder};
///
/// let text = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n\
///             2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK\n";
/// let mut reader = ReaderBuilder::new()
///     .with_projection([FlowField::InterfaceId, FlowField::DstPort, FlowField::TcpFlags])
///     .build(text.as_bytes())?;
/// let batch = reader.next().expect("a batch")?;
/// assert_eq!(batch.uint16(FlowField::DstPort).unwrap().value(0), 22);
/// // tcp-flags is not in this format: the column is there, all null.
/// assert_eq!(batch.uint8(FlowField::TcpFlags).unwrap().null_count(), 1);
/// assert_eq!(reader.stats().counts.records, 1);
/// assert_eq!(reader.stats().counts.header, 1);
/// # Ok::<(), flowsieve_log::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ReaderBuilder {
    pub(crate) format: Option<LogFormat>,
    pub(crate) projection: Option<Vec<FieldName>>,
    pub(crate) batch_size: usize,
    pub(crate) strict: bool,
    pub(crate) max_line_length: usize,
    pub(crate) sample_limit: usize,
    pub(crate) source_label: Option<Arc<str>>,
    pub(crate) whole_gzip: bool,
}

impl Default for ReaderBuilder {
    fn default() -> Self {
        ReaderBuilder::new()
    }
}

impl ReaderBuilder {
    /// The defaults: format from the header line, else the default v2 format; every field of
    /// the format; [`DEFAULT_BATCH_SIZE`] rows; lenient; [`DEFAULT_MAX_LINE_LENGTH`];
    /// [`DEFAULT_SAMPLE_LIMIT`] samples per reason; source label `<input>`.
    pub fn new() -> Self {
        ReaderBuilder {
            format: None,
            projection: None,
            batch_size: DEFAULT_BATCH_SIZE,
            strict: false,
            max_line_length: DEFAULT_MAX_LINE_LENGTH,
            sample_limit: DEFAULT_SAMPLE_LIMIT,
            source_label: None,
            whole_gzip: true,
        }
    }

    /// The format of header-less input (CloudWatch exports, Firehose). A header line, when the
    /// input has one, takes precedence: it describes that object exactly. Default: none
    /// (the default v2 format when there is no header).
    pub fn with_format(mut self, format: LogFormat) -> Self {
        self.format = Some(format);
        self
    }

    /// The columns to produce, in this order. Fields the input's format lacks become all-null
    /// columns, so every batch has this schema whatever the format; fields not requested are
    /// skipped without being converted (and so without being validated). Default: every field
    /// of the format, in its order.
    pub fn with_projection<I, F>(mut self, fields: I) -> Self
    where
        I: IntoIterator<Item = F>,
        F: Into<FieldName>,
    {
        self.projection = Some(fields.into_iter().map(Into::into).collect());
        self
    }

    /// Rows per batch (at least 1). Default [`DEFAULT_BATCH_SIZE`].
    pub fn with_batch_size(mut self, rows: usize) -> Self {
        self.batch_size = rows.max(1);
        self
    }

    /// Fail at the first malformed line instead of counting it. Default `false`.
    pub fn with_strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Longest line accepted, in bytes (clamped to 64 B ..= [`MAX_LINE_LENGTH_LIMIT`]).
    /// Default [`DEFAULT_MAX_LINE_LENGTH`].
    pub fn with_max_line_length(mut self, bytes: usize) -> Self {
        self.max_line_length = bytes.clamp(64, MAX_LINE_LENGTH_LIMIT);
        self
    }

    /// Issues sampled per reason (at most [`crate::MAX_SAMPLE_LIMIT`] are kept, whatever is
    /// asked). Default [`DEFAULT_SAMPLE_LIMIT`].
    pub fn with_sample_limit(mut self, samples: usize) -> Self {
        self.sample_limit = samples;
        self
    }

    /// The name issues and errors use for the input (usually its path). Default `<input>`.
    pub fn with_source_label(mut self, label: impl Into<Arc<str>>) -> Self {
        self.source_label = Some(label.into());
        self
    }

    /// Whether [`crate::open`] may inflate a gzip file whole (libdeflate, about 1.3× the
    /// stream) when it is one member within [`crate::WHOLE_TEXT_LIMIT`] of text and
    /// [`crate::WHOLE_PACKED_LIMIT`] of gzip; it is streamed otherwise (and remote objects and
    /// standard input always are). Either way the lines, their accounting and the errors are the same.
    /// Turn it off for readers that stop after the first lines of an object: the stream
    /// inflates only what is read. Default `true`.
    pub fn with_whole_gzip(mut self, whole: bool) -> Self {
        self.whole_gzip = whole;
        self
    }

    /// The projection, if one was set.
    pub fn projection(&self) -> Option<&[FieldName]> {
        self.projection.as_deref()
    }

    /// The configured format, if one was set.
    pub fn format(&self) -> Option<&LogFormat> {
        self.format.as_ref()
    }

    /// Whether objects in AWS's default format (version 2: a v2 header line, or header-less
    /// input without another configured format) are parsed on the straight-line v2 path with
    /// this builder's projection — about 1.5× the generic field loop (`benches/parse.rs`).
    /// It takes every one of the 14 v2 fields being requested, in any order; other fields may
    /// be requested too. A caller whose projection is meant to be fast asserts this in a test.
    ///
    /// ```
    /// use flowsieve_log::{FlowField, ReaderBuilder};
    ///
    /// assert!(ReaderBuilder::new().takes_v2_fast_path()); // every field of the format
    /// let mut v2_reversed = FlowField::ALL[..14].to_vec();
    /// v2_reversed.reverse();
    /// v2_reversed.push(FlowField::FlowDirection);
    /// assert!(ReaderBuilder::new().with_projection(v2_reversed).takes_v2_fast_path());
    /// // Without `version`, v2 lines take the generic loop.
    /// let without_version = ReaderBuilder::new().with_projection(FlowField::ALL[1..14].to_vec());
    /// assert!(!without_version.takes_v2_fast_path());
    /// ```
    pub fn takes_v2_fast_path(&self) -> bool {
        FieldPlan::new(&LogFormat::default_v2(), self.projection()).is_ok_and(|p| p.is_v2_full())
    }

    /// The configured batch size.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// Whether strict mode is on.
    pub fn strict(&self) -> bool {
        self.strict
    }

    /// The configured sample limit.
    pub fn sample_limit(&self) -> usize {
        self.sample_limit
    }

    /// A reader of decompressed flow-log text from `input`. Fails only on an invalid projection
    /// (a field requested twice).
    pub fn build<R: Read>(self, input: R) -> Result<FlowLogReader<R>> {
        let capacity = READ_BUFFER.max(2 * self.max_line_length + 2);
        self.build_with_buffer(input, vec![0; capacity])
    }

    /// A reader of a text already in memory, `text[..len]` (a gzip object inflated whole),
    /// parsed in place; `recycle` gets the buffer back when the reader is dropped. `input` is
    /// never read.
    pub(crate) fn build_over<R: Read>(
        self,
        input: R,
        text: Vec<u8>,
        len: usize,
        recycle: fn(Vec<u8>),
    ) -> Result<FlowLogReader<R>> {
        let len = len.min(text.len());
        let mut reader = self.build_with_buffer(input, text)?;
        reader.end = len;
        reader.bytes = len as u64;
        reader.eof = true;
        reader.recycle = Some(recycle);
        Ok(reader)
    }

    fn build_with_buffer<R: Read>(self, input: R, buf: Vec<u8>) -> Result<FlowLogReader<R>> {
        Ok(FlowLogReader {
            input,
            decoder: FlowDecoder::new(self)?,
            buf,
            start: 0,
            end: 0,
            eof: false,
            done: false,
            truncated: false,
            error: None,
            bytes: 0,
            recycle: None,
        })
    }

    /// A push decoder with these options (see [`FlowDecoder`]).
    pub fn build_decoder(self) -> Result<FlowDecoder> {
        FlowDecoder::new(self)
    }

    /// A conformer of Arrow batches of schema `input` — any table whose columns carry
    /// flow-log fields — into flow batches (see [`FlowConformer`]). The projection, strictness,
    /// sample limit and source label (default `<arrow>`) apply. Fails when a column's type
    /// cannot hold its field, or the columns name a field twice or are Transit Gateway fields.
    pub fn build_conformer(self, input: SchemaRef) -> Result<FlowConformer> {
        FlowConformer::new(input, &self)
    }
}

/// Reads flow-log text from any [`Read`] as a stream of [`FlowRecordBatch`]es.
///
/// The iterator yields every batch, then, if the input failed (a truncated or corrupt gzip
/// stream, an I/O error), one `Err` naming the source — after the batches holding every complete
/// line before the failure — and then ends. [`Self::stats`] accounts for every line read.
pub struct FlowLogReader<R> {
    input: R,
    decoder: FlowDecoder,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    done: bool,
    truncated: bool,
    error: Option<Error>,
    bytes: u64,
    /// Where the buffer goes when the reader is dropped (a pooled text buffer).
    recycle: Option<fn(Vec<u8>)>,
}

impl<R> Drop for FlowLogReader<R> {
    fn drop(&mut self) {
        if let Some(recycle) = self.recycle {
            recycle(std::mem::take(&mut self.buf));
        }
    }
}

impl<R> std::fmt::Debug for FlowLogReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlowLogReader")
            .field("decoder", &self.decoder)
            .field("bytes", &self.bytes)
            .field("eof", &self.eof)
            .finish_non_exhaustive()
    }
}

impl<R: Read> FlowLogReader<R> {
    /// Line accounting so far (complete once the iterator has ended).
    pub fn stats(&self) -> &LineStats {
        self.decoder.stats()
    }

    /// Consumes the reader, returning its line accounting.
    pub fn into_stats(self) -> LineStats {
        self.decoder.stats().clone()
    }

    /// The format in force (from the header once it has been read).
    pub fn format(&self) -> &LogFormat {
        self.decoder.format()
    }

    /// The schema of the batches (may change after a header with a different format when no
    /// projection is set).
    pub fn schema(&self) -> SchemaRef {
        self.decoder.schema()
    }

    fn fill(&mut self) {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        loop {
            match self.input.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return;
                }
                Ok(n) => {
                    self.end += n;
                    self.bytes += n as u64;
                    return;
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => {
                    self.eof = true;
                    self.error = Some(self.read_error(err));
                    return;
                }
            }
        }
    }

    fn read_error(&mut self, err: io::Error) -> Error {
        let source_label = self.decoder.source_label().to_string();
        match err.kind() {
            io::ErrorKind::UnexpectedEof => {
                self.truncated = true;
                Error::from(ErrorKind::Truncated {
                    source_label,
                    bytes_read: self.bytes,
                    line: self.decoder.lines() + 1,
                })
            }
            io::ErrorKind::InvalidData | io::ErrorKind::InvalidInput => {
                self.truncated = true;
                Error::from(ErrorKind::Corrupt {
                    source_label,
                    bytes_read: self.bytes,
                    source: err,
                })
            }
            _ => {
                self.truncated = true;
                Error::io(source_label, err)
            }
        }
    }

    fn step(&mut self) -> Result<Option<FlowRecordBatch>> {
        loop {
            if self.decoder.is_full() {
                if let Some(batch) = self.decoder.flush()? {
                    return Ok(Some(batch));
                }
                continue;
            }
            if self.start < self.end {
                let consumed = match self.decoder.decode(&self.buf[self.start..self.end]) {
                    Ok(consumed) => consumed,
                    Err(err) => return self.end_with(err),
                };
                self.start += consumed;
                if consumed > 0 || self.decoder.is_full() {
                    continue;
                }
            }
            if self.eof {
                let remainder = &self.buf[self.start..self.end];
                if let Err(err) = self.decoder.finish(remainder, self.truncated) {
                    return self.end_with(err);
                }
                self.start = self.end;
                self.decoder.set_bytes(self.bytes);
                self.done = true;
                return self.decoder.flush();
            }
            self.fill();
        }
    }
}

impl<R: Read> FlowLogReader<R> {
    /// Ends the stream at an error of the text (a header refused mid-stream): the rows parsed
    /// before it, counted in the stats, are delivered first; the error comes next.
    fn end_with(&mut self, err: Error) -> Result<Option<FlowRecordBatch>> {
        self.done = true;
        self.error = Some(err);
        self.decoder.flush()
    }
}

impl<R: Read> Iterator for FlowLogReader<R> {
    type Item = Result<FlowRecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return self.error.take().map(Err);
        }
        match self.step() {
            Ok(Some(batch)) => Some(Ok(batch)),
            Ok(None) => self.error.take().map(Err),
            Err(err) => {
                self.done = true;
                self.error = None;
                Some(Err(err))
            }
        }
    }
}

/// The first batch of `text` read with the default builder (tests of other modules).
#[cfg(test)]
pub(crate) fn first_batch(text: &str) -> crate::batch::FlowRecordBatch {
    ReaderBuilder::new()
        .build(text.as_bytes())
        .expect("a reader")
        .next()
        .expect("a batch")
        .expect("a readable batch")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::FlowField;
    use arrow_array::Array;

    /// A reader that hands out one byte per call: the tiny-buffer test of csv-core.
    struct OneByte<'a>(&'a [u8]);

    impl Read for OneByte<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((&b, rest)), Some(slot)) => {
                    *slot = b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    /// Ends with an error after its bytes, like a cut gzip stream.
    struct CutShort<'a>(&'a [u8]);

    impl Read for CutShort<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "cut"));
            }
            let n = buf.len().min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    const DOCS: &str = include_str!("../../../testdata/logs/flowlogs-v2-default-docs.log");

    #[test]
    fn byte_at_a_time_equals_all_at_once() {
        let all: Vec<_> = ReaderBuilder::new()
            .build(DOCS.as_bytes())
            .unwrap()
            .collect();
        let one: Vec<_> = ReaderBuilder::new()
            .build(OneByte(DOCS.as_bytes()))
            .unwrap()
            .collect();
        assert_eq!(all.len(), 1);
        let (a, b) = (all[0].as_ref().unwrap(), one[0].as_ref().unwrap());
        assert_eq!(a.as_record_batch(), b.as_record_batch());
        assert_eq!(a.num_rows(), 7);
    }

    #[test]
    fn truncated_input_delivers_what_came_before_then_fails() {
        let cut = &DOCS.as_bytes()[..DOCS.len() - 30];
        let mut reader = ReaderBuilder::new()
            .with_source_label("cut.log.gz")
            .build(CutShort(cut))
            .unwrap();
        let batch = reader.next().unwrap().unwrap();
        assert_eq!(batch.num_rows(), 6);
        let err = reader.next().unwrap().unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::Truncated { line: 7, .. }),
            "{err}"
        );
        assert!(err.to_string().starts_with("cut.log.gz:"), "{err}");
        assert!(reader.next().is_none());
        assert_eq!(reader.stats().malformed_by_reason[8], 1);
        assert_eq!(reader.stats().lines(), 7);
    }

    #[test]
    fn strict_mode_fails_with_the_issue() {
        let text = "2 1 eni-1 10.0.0.1 10.0.0.2 1 70000 6 1 1 1 2 ACCEPT OK\n";
        let mut reader = ReaderBuilder::new()
            .with_strict(true)
            .build(text.as_bytes())
            .unwrap();
        let err = reader.next().unwrap().unwrap_err();
        assert_eq!(
            err.to_string(),
            "<input>:1: malformed line: number_out_of_range in field `dstport`: \"70000\""
        );
        let lenient: Vec<_> = ReaderBuilder::new()
            .build(text.as_bytes())
            .unwrap()
            .collect();
        assert!(lenient.is_empty());
    }

    #[test]
    fn projection_orders_and_fills_columns() {
        let mut reader = ReaderBuilder::new()
            .with_projection([
                FlowField::Action,
                FlowField::SrcAddr,
                FlowField::FlowDirection,
            ])
            .build(DOCS.as_bytes())
            .unwrap();
        let batch = reader.next().unwrap().unwrap();
        let names: Vec<_> = batch
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        assert_eq!(names, ["action", "srcaddr", "flow_direction"]);
        assert_eq!(
            batch.text(FlowField::FlowDirection).unwrap().null_count(),
            7
        );
    }
}

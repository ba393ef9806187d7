//! Shared helpers of the integration tests: the one way every test reads input (through the pull
//! reader, or through the push decoder in chunks), and a typed, schema-independent view of the
//! batches (`Value`, rows, a compact rendering) that the expectations are written against.
//!
//! Nothing here knows an expected value; the modules hold the data, these helpers only run the
//! library and turn its output into comparable values.

use std::fmt;
use std::io::{self, Read};
use std::path::PathBuf;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, TimestampSecondType, UInt8Type, UInt16Type, UInt64Type};
use arrow_array::{Array, ArrayAccessor, StringArray};
use arrow_schema::{DataType, TimeUnit};
use flowsieve_log::{
    Error, FieldName, FlowRecordBatch, LineIssue, LineStats, ReaderBuilder, address_to_ip,
};

/// One decoded cell, typed by its Arrow column type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Null,
    U8(u8),
    U16(u16),
    U64(u64),
    /// Seconds since the epoch (`Timestamp(Second, "+00:00")`).
    Ts(i64),
    /// The 128-bit address form (IPv4 as IPv4-mapped IPv6).
    Ip(u128),
    /// A dictionary-encoded string.
    Text(String),
}

impl fmt::Display for Value {
    /// The compact typed form the expectations use: `-`, `3u8`, `22u16`, `4249u64`,
    /// `@1418530010`, `172.31.16.139` / `2001:db8::1`, `"eni-1"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("-"),
            Value::U8(v) => write!(f, "{v}u8"),
            Value::U16(v) => write!(f, "{v}u16"),
            Value::U64(v) => write!(f, "{v}u64"),
            Value::Ts(v) => write!(f, "@{v}"),
            Value::Ip(v) => write!(f, "{}", address_to_ip(*v)),
            Value::Text(v) => write!(f, "{v:?}"),
        }
    }
}

/// Where a test's data files live.
pub fn testdata(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(relative)
}

/// Reads a data file.
pub fn read_testdata(relative: &str) -> Vec<u8> {
    let path = testdata(relative);
    std::fs::read(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// The values of one column, decoded by its Arrow type. Panics on a type outside the flow
/// schema: every column a reader produces must have one of these.
pub fn column_values(batch: &FlowRecordBatch, index: usize) -> Vec<Value> {
    let array = batch.as_record_batch().column(index);
    let cell = |row: usize, value: &dyn Fn(usize) -> Value| {
        if array.is_null(row) {
            Value::Null
        } else {
            value(row)
        }
    };
    let rows = 0..array.len();
    match array.data_type() {
        DataType::UInt8 => {
            let a = array.as_primitive::<UInt8Type>();
            rows.map(|r| cell(r, &|r| Value::U8(a.value(r)))).collect()
        }
        DataType::UInt16 => {
            let a = array.as_primitive::<UInt16Type>();
            rows.map(|r| cell(r, &|r| Value::U16(a.value(r)))).collect()
        }
        DataType::UInt64 => {
            let a = array.as_primitive::<UInt64Type>();
            rows.map(|r| cell(r, &|r| Value::U64(a.value(r)))).collect()
        }
        DataType::Timestamp(TimeUnit::Second, Some(tz)) if &**tz == "+00:00" => {
            let a = array.as_primitive::<TimestampSecondType>();
            rows.map(|r| cell(r, &|r| Value::Ts(a.value(r)))).collect()
        }
        DataType::FixedSizeBinary(16) => {
            let a = array.as_fixed_size_binary();
            rows.map(|r| {
                cell(r, &|r| {
                    let bytes: [u8; 16] = a.value(r).try_into().expect("16 bytes");
                    Value::Ip(u128::from_be_bytes(bytes))
                })
            })
            .collect()
        }
        DataType::Dictionary(key, value)
            if **key == DataType::Int32 && **value == DataType::Utf8 =>
        {
            let dict = array.as_dictionary::<Int32Type>();
            let strings = dict
                .downcast_dict::<StringArray>()
                .expect("utf8 dictionary");
            rows.map(|r| cell(r, &|r| Value::Text(strings.value(r).to_owned())))
                .collect()
        }
        other => panic!("column {index} has a type outside the flow schema: {other}"),
    }
}

/// The column names of a batch, in order.
pub fn column_names(batch: &FlowRecordBatch) -> Vec<String> {
    batch
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect()
}

/// Checks that every column has the type flowsieve documents for its field.
pub fn assert_flow_types(batch: &FlowRecordBatch) {
    for field in batch.schema().fields() {
        let expected = FieldName::parse(field.name()).kind().data_type();
        assert_eq!(field.data_type(), &expected, "column `{}`", field.name());
        assert!(
            field.is_nullable(),
            "column `{}` must be nullable",
            field.name()
        );
    }
}

/// The rows of a batch, each a list of `(column name, value)`.
pub fn named_rows(batch: &FlowRecordBatch) -> Vec<Vec<(String, Value)>> {
    let names = column_names(batch);
    let columns: Vec<Vec<Value>> = (0..names.len()).map(|i| column_values(batch, i)).collect();
    (0..batch.num_rows())
        .map(|row| {
            names
                .iter()
                .zip(&columns)
                .map(|(name, column)| (name.clone(), column[row].clone()))
                .collect()
        })
        .collect()
}

/// The rows of a batch, values only.
pub fn rows(batch: &FlowRecordBatch) -> Vec<Vec<Value>> {
    named_rows(batch)
        .into_iter()
        .map(|row| row.into_iter().map(|(_, v)| v).collect())
        .collect()
}

/// A row in the compact typed form, values separated by one space.
pub fn render(row: &[Value]) -> String {
    row.iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Everything a read produced.
#[derive(Debug)]
pub struct Outcome {
    pub batches: Vec<FlowRecordBatch>,
    pub stats: LineStats,
    /// The error that ended the stream, if one did.
    pub error: Option<Error>,
}

impl Outcome {
    /// Every row of every batch, with column names, in order.
    pub fn named_rows(&self) -> Vec<Vec<(String, Value)>> {
        self.batches.iter().flat_map(named_rows).collect()
    }

    /// Every row of every batch, in order, rendered.
    pub fn rendered(&self) -> Vec<String> {
        self.batches
            .iter()
            .flat_map(rows)
            .map(|row| render(&row))
            .collect()
    }

    /// Column names of the batches (all batches must agree).
    pub fn columns(&self) -> Vec<String> {
        let names: Vec<Vec<String>> = self.batches.iter().map(column_names).collect();
        for other in &names[1.min(names.len())..] {
            assert_eq!(other, &names[0], "batches of one read disagree on columns");
        }
        names.into_iter().next().unwrap_or_default()
    }

    /// Total rows delivered.
    pub fn num_rows(&self) -> u64 {
        self.batches.iter().map(|b| b.num_rows() as u64).sum()
    }

    /// The one issue sampled for `line`.
    pub fn issue_at(&self, line: u64) -> &LineIssue {
        let found: Vec<&LineIssue> = self
            .stats
            .samples
            .iter()
            .filter(|i| i.line == line)
            .collect();
        assert_eq!(
            found.len(),
            1,
            "issues at line {line}: {:?}",
            self.stats.samples
        );
        found[0]
    }

    /// Panics unless the stream ended without an error.
    pub fn ok(self) -> Outcome {
        if let Some(err) = &self.error {
            panic!("the read failed: {err}");
        }
        self
    }
}

/// Drains a pull reader (any [`Read`]) into an [`Outcome`]. Also checks what holds for every
/// read: no batch is empty, the rows delivered are the rows counted, and nothing comes after
/// an error.
pub fn read_from<R: Read>(builder: ReaderBuilder, input: R) -> Outcome {
    let mut reader = builder.build(input).expect("a valid reader configuration");
    collect(&mut reader, |r| r.stats().clone())
}

/// [`read_from`] on a byte slice.
pub fn read(builder: ReaderBuilder, input: &[u8]) -> Outcome {
    read_from(builder, input)
}

/// Drains an iterator of batch results, as every reader of the crate is.
pub fn collect<I>(reader: &mut I, stats: impl Fn(&I) -> LineStats) -> Outcome
where
    I: Iterator<Item = flowsieve_log::Result<FlowRecordBatch>>,
{
    let mut batches = Vec::new();
    let mut error = None;
    for item in reader.by_ref() {
        assert!(error.is_none(), "an item after the error");
        match item {
            Ok(batch) => {
                assert!(batch.num_rows() > 0, "an empty batch");
                batches.push(batch);
            }
            Err(err) => error = Some(err),
        }
    }
    assert!(
        reader.next().is_none(),
        "the reader restarted after its end"
    );
    let stats = stats(reader);
    let outcome = Outcome {
        batches,
        stats,
        error,
    };
    // Rows counted are rows delivered, also when a read error ended the stream (the batch
    // before it is flushed). Not after a strict-mode failure: the rows of the batch under
    // construction were counted, and the error is returned instead of them.
    let strict_failure = matches!(
        outcome.error.as_ref().map(Error::kind),
        Some(flowsieve_log::ErrorKind::Malformed(_))
    );
    if !strict_failure {
        assert_eq!(
            outcome.num_rows(),
            outcome.stats.rows(),
            "rows delivered vs counted"
        );
    }
    outcome
}

/// Pushes `chunks` through a [`flowsieve_log::FlowDecoder`] the way its documentation says a
/// caller must: keep the unconsumed tail, flush whenever the batch is full, `finish` with the
/// last partial line, flush once more. The first error ends the read.
pub fn decode_chunks<'a>(
    builder: ReaderBuilder,
    chunks: impl IntoIterator<Item = &'a [u8]>,
) -> Outcome {
    let mut decoder = builder
        .build_decoder()
        .expect("a valid decoder configuration");
    let mut batches = Vec::new();
    let mut pending: Vec<u8> = Vec::new();
    let run = || -> flowsieve_log::Result<()> {
        for chunk in chunks {
            pending.extend_from_slice(chunk);
            loop {
                let consumed = decoder.decode(&pending)?;
                assert!(consumed <= pending.len());
                pending.drain(..consumed);
                if decoder.is_full() {
                    batches.extend(decoder.flush()?);
                    continue;
                }
                assert!(
                    !pending.contains(&b'\n'),
                    "decode left a complete line without being full"
                );
                break;
            }
        }
        decoder.finish(&pending, false)?;
        batches.extend(decoder.flush()?);
        assert!(decoder.flush()?.is_none(), "a second flush found rows");
        Ok(())
    };
    let error = run().err();
    for batch in &batches {
        assert!(batch.num_rows() > 0, "an empty batch");
    }
    let outcome = Outcome {
        batches,
        stats: decoder.stats().clone(),
        error,
    };
    if outcome.error.is_none() {
        assert_eq!(
            outcome.num_rows(),
            outcome.stats.rows(),
            "rows delivered vs counted"
        );
    }
    outcome
}

/// Physical lines of a text: newline-terminated lines plus a last unterminated one.
pub fn physical_lines(text: &[u8]) -> u64 {
    let newlines = text.iter().filter(|&&b| b == b'\n').count() as u64;
    newlines + u64::from(!text.is_empty() && !text.ends_with(b"\n"))
}

/// Byte offset of the start of 1-based line `line`.
pub fn line_offset(text: &[u8], line: u64) -> u64 {
    let mut offset = 0;
    for _ in 1..line {
        let at = text[offset..]
            .iter()
            .position(|&b| b == b'\n')
            .expect("the text has that many lines");
        offset += at + 1;
    }
    offset as u64
}

/// A reader that hands out one byte per call (csv-core's tiny-buffer test).
pub struct OneByte<'a>(pub &'a [u8]);

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

/// Gzip of `text` in one member.
pub fn gzip(text: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(text).expect("write to memory");
    encoder.finish().expect("finish in memory")
}

/// The stats with `bytes` cleared: the push decoder does not count bytes read (it reads none),
/// the pull reader does.
pub fn without_bytes(stats: &LineStats) -> LineStats {
    LineStats {
        bytes: 0,
        ..stats.clone()
    }
}

//! Parquet in and out.
//!
//! * [`ParquetFlowReader`] reads AWS's Parquet flow logs (snake_case columns; INT32 ports and
//!   protocol, INT64 counters and times, strings for the rest — see FLOW-LOGS.md §9.3) and
//!   flowsieve's own output into the same flow schema as the text reader. Columns are found by
//!   name (`-` and `_` both accepted), types are converted with range checks, and a row whose
//!   value does not fit (a port over 65535, a bad address string) is dropped and accounted as a
//!   malformed "line" numbered by its 1-based row index.
//! * [`FlowParquetWriter`] writes flow batches (zstd by default), addresses as text by default
//!   so DuckDB, Polars, pyarrow and Athena see `10.0.0.1` rather than 16 bytes.

// The conversions walk a row index over several parallel arrays (values, validity, the
// row-is-good mask); an index loop says that more plainly than zipped iterators.
#![allow(clippy::needless_range_loop)]

use std::io::Write;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, UInt64Type};
use arrow_array::{
    Array, ArrayRef, BooleanArray, FixedSizeBinaryArray, PrimitiveArray, RecordBatch,
    RecordBatchOptions, StringArray, new_null_array,
};
use arrow_buffer::{Buffer, NullBuffer};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use parquet::file::reader::ChunkReader;

use crate::batch::{FlowRecordBatch, address_to_ip};
use crate::error::{Error, ErrorKind, Result};
use crate::field::{FieldKind, FieldName, FlowField};
use crate::format::LogFormat;
use crate::reader::ReaderBuilder;
use crate::record::address;
use crate::stats::{LineIssue, LineIssueKind, LineStats};

/// Reads a Parquet flow-log file into flow batches.
#[derive(Debug)]
pub struct ParquetFlowReader {
    inner: ParquetRecordBatchReader,
    file_format: LogFormat,
    /// For each output column: the index in the projected file batch, if the file has it.
    sources: Vec<Option<usize>>,
    log_status: Option<usize>,
    schema: SchemaRef,
    builder: ReaderBuilder,
    label: Arc<str>,
    stats: LineStats,
    rows_seen: u64,
    done: bool,
}

impl ParquetFlowReader {
    /// Opens a Parquet file — a [`std::fs::File`], or the bytes of a whole object (`bytes::Bytes`), or
    /// any [`ChunkReader`]. The file's columns define its format; the builder's projection (if
    /// any) the output columns.
    pub fn try_new<T: ChunkReader + 'static>(
        file: T,
        builder: ReaderBuilder,
    ) -> Result<ParquetFlowReader> {
        let label = builder
            .source_label
            .clone()
            .unwrap_or_else(|| Arc::from("<parquet>"));
        let parquet = ParquetRecordBatchReaderBuilder::try_new(file)
            .map_err(|err| Error::parquet(label.to_string(), err))?;
        let file_schema = parquet.schema().clone();
        let file_fields: Vec<FieldName> = file_schema
            .fields()
            .iter()
            .map(|f| FieldName::parse(f.name()))
            .collect();
        let file_format = LogFormat::new(file_fields.clone()).map_err(|_| {
            Error::from(ErrorKind::UnsupportedRecordType {
                source_label: label.to_string(),
                reason: "this Parquet file has no columns, or a column name twice".to_owned(),
            })
        })?;
        let outputs: Vec<FieldName> = match builder.projection() {
            Some(fields) => fields.to_vec(),
            None => file_fields.clone(),
        };
        // Read only the file columns some output (or the accounting) needs.
        let mut wanted: Vec<usize> = outputs
            .iter()
            .filter_map(|name| file_fields.iter().position(|f| f == name))
            .collect();
        let status_index = file_format.position(FlowField::LogStatus);
        wanted.extend(status_index);
        wanted.sort_unstable();
        wanted.dedup();
        let sources = outputs
            .iter()
            .map(|name| {
                let at = file_fields.iter().position(|f| f == name)?;
                wanted.iter().position(|&w| w == at)
            })
            .collect();
        let log_status = status_index.and_then(|at| wanted.iter().position(|&w| w == at));
        let mask = ProjectionMask::roots(parquet.parquet_schema(), wanted);
        let inner = parquet
            .with_projection(mask)
            .with_batch_size(builder.batch_size())
            .build()
            .map_err(|err| Error::parquet(label.to_string(), err))?;
        let schema = crate::batch::flow_schema(&outputs);
        Ok(ParquetFlowReader {
            inner,
            file_format,
            sources,
            log_status,
            schema,
            builder,
            label,
            stats: LineStats::default(),
            rows_seen: 0,
            done: false,
        })
    }

    /// The fields the file has, in its column order.
    pub fn file_format(&self) -> &LogFormat {
        &self.file_format
    }

    /// Row accounting so far (Parquet has no header or blank lines; "line" numbers of issues
    /// are 1-based row numbers).
    pub fn stats(&self) -> &LineStats {
        &self.stats
    }

    /// The output schema.
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn conform(&mut self, batch: RecordBatch) -> Result<FlowRecordBatch> {
        let rows = batch.num_rows();
        let mut good = vec![true; rows];
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(self.schema.fields().len());
        let schema = self.schema.clone();
        for (field, source) in schema.fields().iter().zip(self.sources.clone()) {
            let name = FieldName::parse(field.name());
            let column = match source {
                None => new_null_array(field.data_type(), rows),
                Some(i) => self.convert(&name, batch.column(i), &mut good)?,
            };
            columns.push(column);
        }
        let statuses = match self.log_status {
            Some(i) => {
                Some(self.convert(&FlowField::LogStatus.into(), batch.column(i), &mut good)?)
            }
            None => None,
        };
        let mask = BooleanArray::from(good.clone());
        let options = RecordBatchOptions::new().with_row_count(Some(rows));
        let full = RecordBatch::try_new_with_options(self.schema.clone(), columns, &options)?;
        let kept = if good.iter().all(|g| *g) {
            full
        } else {
            arrow_select::filter::filter_record_batch(&full, &mask)?
        };
        self.count_statuses(statuses.as_ref(), &good);
        self.rows_seen += rows as u64;
        Ok(FlowRecordBatch::from_parts(kept))
    }

    fn count_statuses(&mut self, statuses: Option<&ArrayRef>, good: &[bool]) {
        let Some(dictionary) =
            statuses.and_then(|s| s.as_dictionary_opt::<arrow_array::types::Int32Type>())
        else {
            self.stats.records += good.iter().filter(|g| **g).count() as u64;
            return;
        };
        let values = dictionary.values().as_string::<i32>();
        for (row, key) in dictionary.keys().iter().enumerate() {
            if !good[row] {
                continue;
            }
            match key.map(|k| values.value(k as usize)) {
                Some("NODATA") => self.stats.nodata += 1,
                Some("SKIPDATA") => self.stats.skipdata += 1,
                _ => self.stats.records += 1,
            }
        }
    }

    fn issue(
        &mut self,
        row: usize,
        field: &FieldName,
        text: String,
        kind: LineIssueKind,
    ) -> Result<()> {
        let issue = LineIssue {
            source: self.label.clone(),
            line: self.rows_seen + row as u64 + 1,
            byte_offset: 0,
            field: Some(field.aws_name().to_owned()),
            text,
            kind,
        };
        if self.builder.strict() {
            return Err(Error::from(ErrorKind::Malformed(issue)));
        }
        self.stats.record_issue(issue, self.builder.sample_limit());
        Ok(())
    }

    /// Converts one file column to the flow type of `name`, marking rows that do not fit.
    fn convert(
        &mut self,
        name: &FieldName,
        column: &ArrayRef,
        good: &mut [bool],
    ) -> Result<ArrayRef> {
        let target = name.kind().data_type();
        let label = self.label.clone();
        let unsupported = |what: &DataType| {
            Error::from(ErrorKind::UnsupportedRecordType {
                source_label: label.to_string(),
                reason: format!(
                    "Parquet column `{}` is {what}, which cannot hold {}",
                    name.column_name(),
                    name.aws_name()
                ),
            })
        };
        match name.kind() {
            FieldKind::UInt8 | FieldKind::UInt16 | FieldKind::UInt64 => {
                let max = match name.kind() {
                    FieldKind::UInt8 => u64::from(u8::MAX),
                    FieldKind::UInt16 => u64::from(u16::MAX),
                    _ => u64::MAX,
                };
                let values = self
                    .unsigned(name, column, max, good)
                    .ok_or_else(|| unsupported(column.data_type()))??;
                Ok(arrow_cast::cast(&values, &target)?)
            }
            FieldKind::Timestamp => match column.data_type() {
                DataType::Timestamp(..)
                | DataType::Int64
                | DataType::Int32
                | DataType::UInt32
                | DataType::UInt64 => {
                    let seconds = arrow_cast::cast(column, &DataType::Int64)?;
                    let seconds = arrow_cast::cast(
                        &seconds,
                        &DataType::Timestamp(arrow_schema::TimeUnit::Second, None),
                    )?;
                    Ok(arrow_cast::cast(&seconds, &target)?)
                }
                other => Err(unsupported(other)),
            },
            FieldKind::Address => match column.data_type() {
                DataType::FixedSizeBinary(16) => Ok(column.clone()),
                DataType::Utf8
                | DataType::LargeUtf8
                | DataType::Utf8View
                | DataType::Dictionary(..) => {
                    let text = arrow_cast::cast(column, &DataType::Utf8)?;
                    let text = text.as_string::<i32>();
                    let mut bytes = Vec::with_capacity(text.len() * 16);
                    for row in 0..text.len() {
                        let value = if text.is_null(row) || text.value(row) == "-" {
                            None
                        } else {
                            match address(text.value(row).as_bytes()) {
                                Ok(([], v)) => Some(v),
                                _ => {
                                    if good[row] {
                                        good[row] = false;
                                        self.issue(
                                            row,
                                            name,
                                            text.value(row).chars().take(80).collect(),
                                            LineIssueKind::InvalidAddress,
                                        )?;
                                    }
                                    None
                                }
                            }
                        };
                        bytes.extend_from_slice(&value.unwrap_or(0).to_be_bytes());
                    }
                    let nulls = NullBuffer::from_iter(
                        (0..text.len())
                            .map(|r| !text.is_null(r) && text.value(r) != "-" && good[r]),
                    );
                    Ok(Arc::new(FixedSizeBinaryArray::try_new(
                        16,
                        Buffer::from_vec(bytes),
                        Some(nulls),
                    )?))
                }
                other => Err(unsupported(other)),
            },
            FieldKind::Text
            | FieldKind::Action
            | FieldKind::LogStatus
            | FieldKind::FlowDirection => {
                let text = arrow_cast::cast(column, &DataType::Utf8)?;
                let allowed: Option<&[&str]> = match name.kind() {
                    FieldKind::Action => Some(&["ACCEPT", "REJECT"]),
                    FieldKind::LogStatus => Some(&["OK", "NODATA", "SKIPDATA"]),
                    FieldKind::FlowDirection => Some(&["ingress", "egress"]),
                    _ => None,
                };
                // AWS writes `-` in text; in Parquet a missing value is null. Normalise.
                let strings = text.as_string::<i32>();
                let mut cleaned = Vec::with_capacity(strings.len());
                for row in 0..strings.len() {
                    let value = (!strings.is_null(row))
                        .then(|| strings.value(row))
                        .filter(|v| *v != "-");
                    if let (Some(v), Some(allowed)) = (value, allowed)
                        && !allowed.contains(&v)
                        && good[row]
                    {
                        good[row] = false;
                        self.issue(
                            row,
                            name,
                            v.chars().take(80).collect(),
                            LineIssueKind::InvalidValue,
                        )?;
                    }
                    cleaned.push(value);
                }
                let cleaned: ArrayRef = Arc::new(StringArray::from(cleaned));
                Ok(arrow_cast::cast(&cleaned, &target)?)
            }
        }
    }

    /// Integers (any width, signed or not, or decimal text) checked against `0..=max`.
    fn unsigned(
        &mut self,
        name: &FieldName,
        column: &ArrayRef,
        max: u64,
        good: &mut [bool],
    ) -> Option<Result<ArrayRef>> {
        let as_u64: PrimitiveArray<UInt64Type> = match column.data_type() {
            DataType::UInt64 => column.as_primitive::<UInt64Type>().clone(),
            DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::Utf8
            | DataType::LargeUtf8 => {
                let signed = match arrow_cast::cast(column, &DataType::Int64) {
                    Ok(signed) => signed,
                    Err(err) => return Some(Err(err.into())),
                };
                let signed = signed.as_primitive::<Int64Type>();
                let mut out = Vec::with_capacity(signed.len());
                for row in 0..signed.len() {
                    if signed.is_null(row) {
                        // A text value that is not a number casts to null: tell it from a real null.
                        let was_text = column
                            .as_string_opt::<i32>()
                            .is_some_and(|s| !s.is_null(row) && s.value(row) != "-");
                        if was_text && good[row] {
                            good[row] = false;
                            let text: String = column
                                .as_string::<i32>()
                                .value(row)
                                .chars()
                                .take(80)
                                .collect();
                            if let Err(err) =
                                self.issue(row, name, text, LineIssueKind::InvalidNumber)
                            {
                                return Some(Err(err));
                            }
                        }
                        out.push(None);
                        continue;
                    }
                    match u64::try_from(signed.value(row)) {
                        Ok(v) => out.push(Some(v)),
                        Err(_) => {
                            if good[row] {
                                good[row] = false;
                                if let Err(err) = self.issue(
                                    row,
                                    name,
                                    signed.value(row).to_string(),
                                    LineIssueKind::NumberOutOfRange,
                                ) {
                                    return Some(Err(err));
                                }
                            }
                            out.push(None);
                        }
                    }
                }
                PrimitiveArray::<UInt64Type>::from(out)
            }
            _ => return None,
        };
        let mut out = Vec::with_capacity(as_u64.len());
        for row in 0..as_u64.len() {
            let value = (!as_u64.is_null(row)).then(|| as_u64.value(row));
            match value {
                Some(v) if v > max => {
                    if good[row] {
                        good[row] = false;
                        if let Err(err) =
                            self.issue(row, name, v.to_string(), LineIssueKind::NumberOutOfRange)
                        {
                            return Some(Err(err));
                        }
                    }
                    out.push(None);
                }
                other => out.push(other),
            }
        }
        Some(Ok(Arc::new(PrimitiveArray::<UInt64Type>::from(out))))
    }
}

impl Iterator for ParquetFlowReader {
    type Item = Result<FlowRecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.inner.next()? {
            Ok(batch) => match self.conform(batch) {
                Ok(batch) => Some(Ok(batch)),
                Err(err) => {
                    self.done = true;
                    Some(Err(err))
                }
            },
            Err(err) => {
                self.done = true;
                Some(Err(Error::from(ErrorKind::Parquet {
                    source_label: self.label.to_string(),
                    source: parquet::errors::ParquetError::ArrowError(err.to_string()),
                })))
            }
        }
    }
}

/// Parquet compression codec of [`FlowParquetWriter`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParquetCompression {
    /// zstd at the given level (1–22); the default, level 3.
    Zstd(i32),
    /// Snappy.
    Snappy,
    /// Gzip (what AWS itself writes).
    Gzip,
    /// LZ4 (raw).
    Lz4,
    /// No compression.
    Uncompressed,
}

impl Default for ParquetCompression {
    fn default() -> Self {
        ParquetCompression::Zstd(3)
    }
}

/// How [`FlowParquetWriter`] stores addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AddressEncoding {
    /// As text (`10.0.0.1`, `2001:db8::1`), as AWS's own Parquet files do. The default.
    #[default]
    Text,
    /// As flowsieve holds them: 16 big-endian bytes, IPv4 as IPv4-mapped IPv6.
    Binary,
}

/// Writes flow batches to a Parquet file.
///
/// ```
/// use flowsieve_log::{AddressEncoding, FlowParquetWriter, ParquetCompression, ReaderBuilder};
///
/// let text = "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK\n";
/// let mut reader = ReaderBuilder::new().build(text.as_bytes())?;
/// let batch = reader.next().unwrap()?;
/// let mut out = Vec::new();
/// let mut writer = FlowParquetWriter::try_new(&mut out, batch.schema(), ParquetCompression::default(), AddressEncoding::Text)?;
/// writer.write(&batch)?;
/// assert_eq!(writer.close()?, 1);
/// assert!(out.starts_with(b"PAR1"));
/// # Ok::<(), flowsieve_log::Error>(())
/// ```
pub struct FlowParquetWriter<W: Write + Send> {
    writer: ArrowWriter<W>,
    schema: SchemaRef,
    addresses: AddressEncoding,
    rows: u64,
}

impl<W: Write + Send> std::fmt::Debug for FlowParquetWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlowParquetWriter")
            .field("schema", &self.schema)
            .field("rows", &self.rows)
            .finish()
    }
}

impl<W: Write + Send> FlowParquetWriter<W> {
    /// A writer of batches in `schema` (a flow schema).
    pub fn try_new(
        out: W,
        schema: SchemaRef,
        compression: ParquetCompression,
        addresses: AddressEncoding,
    ) -> Result<Self> {
        let schema = match addresses {
            AddressEncoding::Binary => schema,
            AddressEncoding::Text => Arc::new(Schema::new(
                schema
                    .fields()
                    .iter()
                    .map(|f| match f.data_type() {
                        DataType::FixedSizeBinary(16) => Field::new(f.name(), DataType::Utf8, true),
                        _ => f.as_ref().clone(),
                    })
                    .collect::<Vec<_>>(),
            )),
        };
        let codec = match compression {
            ParquetCompression::Zstd(level) => Compression::ZSTD(
                ZstdLevel::try_new(level).map_err(|err| Error::parquet("<parquet writer>", err))?,
            ),
            ParquetCompression::Snappy => Compression::SNAPPY,
            ParquetCompression::Gzip => Compression::GZIP(Default::default()),
            ParquetCompression::Lz4 => Compression::LZ4_RAW,
            ParquetCompression::Uncompressed => Compression::UNCOMPRESSED,
        };
        let props = WriterProperties::builder().set_compression(codec).build();
        let writer = ArrowWriter::try_new(out, schema.clone(), Some(props))
            .map_err(|err| Error::parquet("<parquet writer>", err))?;
        Ok(FlowParquetWriter {
            writer,
            schema,
            addresses,
            rows: 0,
        })
    }

    /// Writes one batch (its schema must be the writer's flow schema).
    pub fn write(&mut self, batch: &FlowRecordBatch) -> Result<()> {
        let batch = batch.as_record_batch();
        let batch = match self.addresses {
            AddressEncoding::Binary => batch.clone(),
            AddressEncoding::Text => {
                let columns = batch
                    .columns()
                    .iter()
                    .map(|c| match c.data_type() {
                        DataType::FixedSizeBinary(16) => addresses_as_text(c),
                        _ => c.clone(),
                    })
                    .collect();
                RecordBatch::try_new(self.schema.clone(), columns)?
            }
        };
        self.writer
            .write(&batch)
            .map_err(|err| Error::parquet("<parquet writer>", err))?;
        self.rows += batch.num_rows() as u64;
        Ok(())
    }

    /// Finishes the file; returns the rows written.
    pub fn close(self) -> Result<u64> {
        self.writer
            .close()
            .map_err(|err| Error::parquet("<parquet writer>", err))?;
        Ok(self.rows)
    }
}

fn addresses_as_text(column: &ArrayRef) -> ArrayRef {
    let binary = column.as_fixed_size_binary();
    let text: StringArray = (0..binary.len())
        .map(|row| {
            (!binary.is_null(row)).then(|| {
                let bytes: [u8; 16] = binary.value(row).try_into().unwrap_or([0; 16]);
                address_to_ip(u128::from_be_bytes(bytes)).to_string()
            })
        })
        .collect();
    Arc::new(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOCS: &str =
        include_str!("../../../testdata/logs/flowlogs-v5-service-traffic-path-docs.log");

    fn write_parquet(
        batch: &FlowRecordBatch,
        addresses: AddressEncoding,
    ) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        let mut writer = FlowParquetWriter::try_new(
            file.reopen().unwrap(),
            batch.schema(),
            ParquetCompression::default(),
            addresses,
        )
        .unwrap();
        writer.write(batch).unwrap();
        writer.close().unwrap();
        file
    }

    #[test]
    fn round_trips_through_parquet_both_encodings() {
        let text = ReaderBuilder::new()
            .build(DOCS.as_bytes())
            .unwrap()
            .next()
            .unwrap()
            .unwrap();
        for encoding in [AddressEncoding::Text, AddressEncoding::Binary] {
            let file = write_parquet(&text, encoding);
            let mut reader =
                ParquetFlowReader::try_new(file.reopen().unwrap(), ReaderBuilder::new()).unwrap();
            let back = reader.next().unwrap().unwrap();
            assert_eq!(
                back.as_record_batch(),
                text.as_record_batch(),
                "{encoding:?}"
            );
            assert_eq!(reader.stats().records, 2);
        }
    }

    #[test]
    fn aws_types_are_converted_and_bad_rows_accounted() {
        // The shape AWS writes: INT32 ports/protocol, INT64 counters/times, strings elsewhere.
        let schema = Arc::new(Schema::new(vec![
            Field::new("interface_id", DataType::Utf8, true),
            Field::new("srcaddr", DataType::Utf8, true),
            Field::new("dstport", DataType::Int32, true),
            Field::new("packets", DataType::Int64, true),
            Field::new("start", DataType::Int64, true),
            Field::new("action", DataType::Utf8, true),
            Field::new("log_status", DataType::Utf8, true),
        ]));
        let columns: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(vec!["eni-1", "eni-1", "eni-2", "eni-3"])),
            Arc::new(StringArray::from(vec![
                Some("10.0.0.1"),
                Some("bogus"),
                None,
                Some("::1"),
            ])),
            Arc::new(arrow_array::Int32Array::from(vec![
                Some(443),
                Some(22),
                None,
                Some(70_000),
            ])),
            Arc::new(arrow_array::Int64Array::from(vec![
                Some(5),
                Some(1),
                None,
                Some(2),
            ])),
            Arc::new(arrow_array::Int64Array::from(vec![1_418_530_010; 4])),
            Arc::new(StringArray::from(vec![
                Some("ACCEPT"),
                Some("REJECT"),
                None,
                Some("ACCEPT"),
            ])),
            Arc::new(StringArray::from(vec!["OK", "OK", "NODATA", "OK"])),
        ];
        let batch = RecordBatch::try_new(schema.clone(), columns).unwrap();
        let file = tempfile::NamedTempFile::new().unwrap();
        let mut writer = ArrowWriter::try_new(file.reopen().unwrap(), schema, None).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
        let builder = ReaderBuilder::new()
            .with_projection([
                FlowField::InterfaceId,
                FlowField::SrcAddr,
                FlowField::DstPort,
                FlowField::TcpFlags,
            ])
            .with_source_label("aws.parquet");
        let mut reader = ParquetFlowReader::try_new(file.reopen().unwrap(), builder).unwrap();
        let out = reader.next().unwrap().unwrap();
        assert_eq!(out.num_rows(), 2);
        assert_eq!(out.uint16(FlowField::DstPort).unwrap().value(0), 443);
        assert_eq!(out.uint8(FlowField::TcpFlags).unwrap().null_count(), 2);
        let stats = reader.stats();
        assert_eq!((stats.records, stats.nodata, stats.malformed), (1, 1, 2));
        assert_eq!(
            stats.samples[0].to_string(),
            "aws.parquet:2: malformed line: invalid_address in field `srcaddr`: \"bogus\""
        );
        assert_eq!(stats.samples[1].line, 4);
    }
}

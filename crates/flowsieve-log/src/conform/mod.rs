//! [`FlowConformer`]: Arrow record batches of any reasonable flow-log schema — DuckDB's, Polars',
//! pyarrow's, AWS's Parquet, flowsieve's own — into [`FlowRecordBatch`]es, with every row
//! accounted for. The Parquet reader is built on it, so AWS's Parquet files and an embedder's
//! batches go through the same code.
//!
//! This module owns the mapping of input columns to flow-log fields, the output layout and the
//! row accounting; `convert.rs` owns the per-type conversions. It does no I/O.

mod convert;

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, BooleanArray, RecordBatch, RecordBatchOptions, new_null_array};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use arrow_schema::{ArrowError, Schema, SchemaRef};

use crate::batch::{FlowRecordBatch, flow_schema};
use crate::enums::{FlowEnum, LogStatus};
use crate::error::{Error, ErrorKind, Result};
use crate::field::{FieldName, FlowField};
use crate::format::LogFormat;
use crate::reader::ReaderBuilder;
use crate::stats::{LineIssue, LineStats};

use convert::{ColumnCache, Refusal, Refusals, accepts, convert, expected_types};

/// Converts Arrow record batches whose columns carry flow-log fields into [`FlowRecordBatch`]es
/// in the flow schema, refusing — and accounting for — the rows whose values do not fit.
///
/// Built once per input schema with [`ReaderBuilder::build_conformer`] (the builder's
/// projection, strictness, sample limit and source label apply; batch size does not: each input
/// batch gives one output batch).
///
/// **Columns** are found by name: AWS's (`log-status`) or the column form (`log_status`), in any
/// case (`LOG_STATUS`, `SrcAddr`). A column of a name flowsieve does not know is kept as text
/// (without a projection) or ignored (with one). Without a projection the output has a column
/// per input column, in input order; with one, exactly the projected columns, fields the input
/// lacks being all-null.
///
/// **Types** accepted, per field (any of them may also be dictionary-encoded, or Arrow's `Null`
/// type for an all-null column):
///
/// | field | accepted | refused rows |
/// |---|---|---|
/// | ports, `protocol`, `tcp-flags`, `version`, `traffic-path`, `packets`, `bytes`, … | `Int8`–`Int64`, `UInt8`–`UInt64`, floats holding whole numbers, decimal strings | negative, above the field's type (port > 65535, protocol > 255): `number_out_of_range`; a fraction, NaN, or a string that is not decimal digits: `invalid_number` |
/// | `start`, `end` | `Timestamp` of any unit and time zone (floored to the second); integers, whole floats and decimal strings as **epoch seconds** | before 1970 or after [`crate::MAX_TIMESTAMP`] (9999-12-31): `number_out_of_range` |
/// | addresses | strings (`10.0.0.1`, `2001:db8::1`, `-`), 16-byte binary (big-endian, IPv4-mapped for IPv4), 4-byte binary (IPv4) | anything else: `invalid_address` |
/// | `action`, `log-status`, `flow-direction`, `type` | strings, spelled as AWS does | another value: `invalid_value` |
/// | other text fields | strings; binary (UTF-8); integers (an integer `account-id` gets its 12 digits back, leading zeros included) | binary that is not UTF-8: `invalid_utf8` |
///
/// Epoch integers are taken as seconds because that is what AWS writes, in text and in
/// Parquet; the unit is never guessed from the magnitude. A column of milliseconds (DuckDB's
/// `epoch_ms`, a Polars datetime cast to an integer) therefore has every row past the year 9999
/// and refused as `number_out_of_range` in `start` — visible in the accounting, never a report
/// dated thousands of years ahead. Give such a column its unit as an Arrow `Timestamp` type.
///
/// A string cell goes through the same parsers as a field of a text line, so `-` is null,
/// `+5` and ` 5` are not numbers, and an address is exactly what the text reader accepts.
/// A column of another type (a list, a struct, a boolean port) is an error naming it
/// ([`ErrorKind::ColumnType`]), when the conformer is built.
///
/// **Accounting** ([`Self::stats`]): rows with `log-status` `NODATA` / `SKIPDATA` are counted
/// as such, the others as records; a refused row is a malformed "line" numbered by its 1-based
/// row index across the batches conformed, naming its first bad field (in input column order)
/// and the value. In strict mode the first refused row is the error instead.
///
/// ```
/// use std::sync::Arc;
/// use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
/// use flowsieve_log::{Action, FlowField, ReaderBuilder};
///
/// // A table as a DuckDB or Polars user holds it: strings, Int64 ports, upper-case names.
/// let batch = RecordBatch::try_from_iter([
///     ("INTERFACE_ID", Arc::new(StringArray::from(vec!["eni-1", "eni-1", "eni-2"])) as ArrayRef),
///     ("SRCADDR", Arc::new(StringArray::from(vec!["10.0.0.1", "10.0.0.9", "2001:db8::1"]))),
///     ("DSTPORT", Arc::new(Int64Array::from(vec![443, 70_000, 22]))),
///     ("ACTION", Arc::new(StringArray::from(vec!["ACCEPT", "ACCEPT", "REJECT"]))),
/// ])?;
/// let mut conformer = ReaderBuilder::new()
///     .with_source_label("duckdb")
///     .build_conformer(batch.schema())?;
/// let flows = conformer.conform(&batch)?;
/// assert_eq!(flows.num_rows(), 2); // the port 70000 row is refused
/// assert_eq!(flows.uint16(FlowField::DstPort).unwrap().value(1), 22);
/// assert_eq!(flows.actions().unwrap().get(1), Some(Action::Reject));
/// let stats = conformer.stats();
/// assert_eq!((stats.counts.records, stats.counts.malformed), (2, 1));
/// assert_eq!(
///     stats.samples[0].to_string(),
///     "duckdb:2: malformed line: number_out_of_range in field `dstport`: \"70000\""
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct FlowConformer {
    input: SchemaRef,
    input_format: LogFormat,
    /// The input columns converted, in input order: (index in the input, field).
    reads: Vec<(usize, FieldName)>,
    /// For each output column, the index in `reads` of its values (`None`: all null).
    outputs: Vec<Option<usize>>,
    /// The index in `reads` of the log-status, for the accounting.
    status: Option<usize>,
    schema: SchemaRef,
    label: Arc<str>,
    strict: bool,
    sample_limit: usize,
    stats: LineStats,
    rows_seen: u64,
    /// Per entry of `reads`: what its conversion keeps between batches.
    caches: Vec<ColumnCache>,
}

/// The input columns a conformer reads for `projection` (`None`: every column), in input
/// order: those of the output, and `log-status` for the accounting. The Parquet reader reads
/// only these from a file.
pub(crate) fn needed_columns(input: &Schema, projection: Option<&[FieldName]>) -> Vec<usize> {
    input
        .fields()
        .iter()
        .enumerate()
        .filter(|(_, column)| {
            let name = FieldName::from_column(column.name());
            projection.is_none_or(|p| p.contains(&name))
                || name == FieldName::Known(FlowField::LogStatus)
        })
        .map(|(i, _)| i)
        .collect()
}

impl FlowConformer {
    pub(crate) fn new(input: SchemaRef, options: &ReaderBuilder) -> Result<FlowConformer> {
        let label = options
            .source_label
            .clone()
            .unwrap_or_else(|| Arc::from("<arrow>"));
        let fields: Vec<FieldName> = input
            .fields()
            .iter()
            .map(|f| FieldName::from_column(f.name()))
            .collect();
        let input_format = LogFormat::new(fields.clone()).map_err(|err| {
            let reason = match err.into_kind() {
                ErrorKind::InvalidFormat { reason, .. } => reason,
                other => other.to_string(),
            };
            Error::from(ErrorKind::UnsupportedRecordType {
                source_label: label.to_string(),
                reason: format!("these columns are not a VPC flow log: {reason}"),
            })
        })?;
        let outputs_named: Vec<FieldName> = match options.projection() {
            Some(projection) => projection.to_vec(),
            None => fields.clone(),
        };
        let reads: Vec<(usize, FieldName)> = needed_columns(&input, options.projection())
            .into_iter()
            .map(|i| (i, fields[i].clone()))
            .collect();
        for (i, name) in &reads {
            let column = input.field(*i);
            if !accepts(name, column.data_type()) {
                return Err(Error::from(ErrorKind::ColumnType {
                    source_label: label.to_string(),
                    column: column.name().clone(),
                    field: name.aws_name().to_owned(),
                    data_type: column.data_type().clone(),
                    expected: expected_types(name),
                }));
            }
        }
        let outputs = outputs_named
            .iter()
            .map(|name| reads.iter().position(|(_, read)| read == name))
            .collect();
        let status = reads
            .iter()
            .position(|(_, name)| name == &FieldName::Known(FlowField::LogStatus));
        Ok(FlowConformer {
            input,
            input_format,
            outputs,
            status,
            schema: flow_schema(&outputs_named),
            label,
            strict: options.strict(),
            sample_limit: options.sample_limit(),
            stats: LineStats::default(),
            rows_seen: 0,
            caches: std::iter::repeat_with(ColumnCache::default)
                .take(reads.len())
                .collect(),
            reads,
        })
    }

    /// The same conformer numbering its rows from `first_row` + 1 (a reader of a file's later
    /// part: its rows are numbered as in the whole file).
    pub(crate) fn with_first_row(mut self, first_row: u64) -> FlowConformer {
        self.rows_seen = first_row;
        self
    }

    /// The flow-log fields the input's columns carry, in input order (unknown names as
    /// [`FieldName::Unknown`]).
    pub fn input_format(&self) -> &LogFormat {
        &self.input_format
    }

    /// The schema of the batches [`Self::conform`] returns (a flow schema).
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// Row accounting so far: records, NODATA, SKIPDATA and refused rows ("line" numbers are
    /// 1-based row numbers across the batches conformed).
    pub fn stats(&self) -> &LineStats {
        &self.stats
    }

    /// Converts one batch (of the schema the conformer was built for), dropping the rows that
    /// do not fit and accounting for every row. Errors: a batch of another schema; in strict
    /// mode, the first refused row.
    pub fn conform(&mut self, batch: &RecordBatch) -> Result<FlowRecordBatch> {
        self.check_schema(batch)?;
        let rows = batch.num_rows();
        let mut refusals = Refusals::new(rows);
        let mut converted = Vec::with_capacity(self.reads.len());
        for ((i, name), cache) in self.reads.iter().zip(&mut self.caches) {
            refusals.start_column(*i);
            converted.push(convert(name, batch.column(*i), &mut refusals, cache)?);
        }
        let columns: Vec<ArrayRef> = self
            .outputs
            .iter()
            .zip(self.schema.fields())
            .map(|(read, field)| match read {
                Some(read) => converted[*read].clone(),
                None => new_null_array(field.data_type(), rows),
            })
            .collect();
        let options = RecordBatchOptions::new().with_row_count(Some(rows));
        let full = RecordBatch::try_new_with_options(self.schema.clone(), columns, &options)?;
        let kept = if refusals.is_empty() {
            full
        } else {
            let mask = BooleanArray::from(refusals.mask().to_vec());
            arrow_select::filter::filter_record_batch(&full, &mask)?
        };
        let statuses = self.status.map(|read| converted[read].clone());
        self.count_rows(statuses.as_ref(), &refusals);
        self.record_refusals(batch, refusals)?;
        self.rows_seen += rows as u64;
        Ok(FlowRecordBatch::from_parts(kept))
    }

    /// The batch has the columns the conformer was built for (names and types).
    fn check_schema(&self, batch: &RecordBatch) -> Result<()> {
        let schema = batch.schema();
        if Arc::ptr_eq(&schema, &self.input) {
            return Ok(());
        }
        let same = schema.fields().len() == self.input.fields().len()
            && self.reads.iter().all(|(i, _)| {
                let (a, b) = (schema.field(*i), self.input.field(*i));
                a.name() == b.name() && a.data_type() == b.data_type()
            });
        if same {
            return Ok(());
        }
        Err(Error::from(ArrowError::SchemaError(format!(
            "{}: a batch of schema {schema} given to a conformer built for {}",
            self.label, self.input
        ))))
    }

    /// Counts the kept rows by log-status.
    fn count_rows(&mut self, statuses: Option<&ArrayRef>, refusals: &Refusals) {
        let Some(statuses) = statuses.and_then(|s| s.as_dictionary_opt::<Int32Type>()) else {
            self.stats.counts.records += refusals.mask().iter().filter(|g| **g).count() as u64;
            return;
        };
        for (row, key) in statuses.keys().iter().enumerate() {
            if !refusals.is_good(row) {
                continue;
            }
            match key.and_then(|k| LogStatus::ALL.get(usize::try_from(k).ok()?)) {
                Some(LogStatus::NoData) => self.stats.counts.nodata += 1,
                Some(LogStatus::SkipData) => self.stats.counts.skipdata += 1,
                _ => self.stats.counts.records += 1,
            }
        }
    }

    /// Accounts for the refused rows in row order (so the sample holds the first ones), or, in
    /// strict mode, makes the first one the error.
    fn record_refusals(&mut self, batch: &RecordBatch, refusals: Refusals) -> Result<()> {
        for refusal in refusals.into_sorted() {
            if self.strict {
                let issue = self.issue(batch, refusal);
                return Err(Error::from(ErrorKind::Malformed(issue)));
            }
            let sampled = self.stats.malformed_by_reason[refusal.kind.reason_index()]
                < self.sample_limit.min(crate::MAX_SAMPLE_LIMIT) as u64;
            if sampled {
                let issue = self.issue(batch, refusal);
                self.stats.record_issue(issue, self.sample_limit);
            } else {
                self.stats.count_issue(refusal.kind);
            }
        }
        Ok(())
    }

    fn issue(&self, batch: &RecordBatch, refusal: Refusal) -> LineIssue {
        let column = batch.column(refusal.column);
        let options = FormatOptions::default().with_null("-");
        let text = ArrayFormatter::try_new(column.as_ref(), &options)
            .map(|f| f.value(refusal.row).to_string())
            .unwrap_or_default();
        let field = self
            .reads
            .iter()
            .find(|(i, _)| *i == refusal.column)
            .map(|(_, name)| name.aws_name().to_owned());
        LineIssue {
            source: self.label.clone(),
            line: self.rows_seen + refusal.row as u64 + 1,
            byte_offset: 0,
            field,
            text: text.chars().take(80).collect(),
            kind: refusal.kind,
        }
    }
}

#[cfg(test)]
mod tests;

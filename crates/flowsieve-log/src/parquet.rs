//! Parquet in and out.
//!
//! * [`ParquetFlowReader`] reads AWS's Parquet flow logs (snake_case columns; INT32 ports and
//!   protocol, INT64 counters and times, strings for the rest — see `docs/flow-logs.md`), and
//!   flowsieve's own output, into the same flow schema as the text reader. It reads only the
//!   columns the projection needs and hands each batch to a [`FlowConformer`], the conversion
//!   every Arrow input goes through: columns found by name, types converted with range checks,
//!   a row whose value does not fit dropped and accounted as a malformed "line" numbered by its
//!   1-based row index.
//! * [`FlowParquetWriter`] writes flow batches (zstd by default), addresses as text by default
//!   so DuckDB, Polars, pyarrow and Athena see `10.0.0.1` rather than 16 bytes.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch, RecordBatchReader, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReader,
};
use parquet::arrow::arrow_writer::ArrowWriterOptions;
use parquet::arrow::parquet_to_arrow_field_levels;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use parquet::file::reader::ChunkReader;

use crate::batch::{FlowRecordBatch, address_to_ip};
use crate::conform::{FlowConformer, needed_columns};
use crate::error::{Error, ErrorKind, Result};
use crate::field::FieldName;
use crate::format::LogFormat;
use crate::pages::InflatedRowGroups;
use crate::reader::ReaderBuilder;
use crate::stats::LineStats;

/// Rows per batch of a [`ParquetFlowReader`] at most, whatever the builder's batch size: the
/// columns of a batch this size (about 0.5 MB as the flow schema holds them) are reused by the
/// allocator from one batch to the next and stay in a core's L2 cache until they are consumed.
/// With 32,768 rows the analysis of an AWS Parquet archive took 10 times the page faults and
/// 15 % more CPU time (BENCHMARKS.md, "AWS Parquet flow logs").
pub const PARQUET_BATCH_ROWS: usize = 8192;

/// Reads a Parquet flow-log file into flow batches.
///
/// Only the columns the projection needs are read, string columns as dictionaries (a value
/// such as an address is converted once per distinct value of a column chunk, not once per
/// row). Batches hold the builder's batch size of rows, or [`PARQUET_BATCH_ROWS`] when that is
/// smaller. A reader made by [`Self::from_path`] or [`Self::from_bytes`] can also be split, before
/// it is read, into one reader per row group ([`Self::into_parts`]) to read them in parallel.
#[derive(Debug)]
pub struct ParquetFlowReader {
    inner: ParquetRecordBatchReader,
    file_format: LogFormat,
    conformer: FlowConformer,
    label: Arc<str>,
    done: bool,
    /// Whether a batch was asked for.
    started: bool,
    row_groups: usize,
    /// How to open readers of the file's row groups (files and bytes; not any `ChunkReader`).
    opening: Option<Arc<Opening>>,
}

/// Where a Parquet file's bytes are, for the readers of its row groups.
#[derive(Debug, Clone)]
enum Chunks {
    /// A local file, opened again by each row group's reader (the reads of one `File` share an
    /// offset, so readers on several threads cannot share it).
    Path(PathBuf),
    /// The whole file in memory.
    Bytes(bytes::Bytes),
}

/// What every reader of one file shares: where its bytes are, its metadata (read once) and
/// the reading options.
#[derive(Debug)]
struct Opening {
    /// `None` for a reader of any `ChunkReader`, which cannot be split.
    chunks: Option<Chunks>,
    metadata: ArrowReaderMetadata,
    /// The file's columns the output needs.
    wanted: Vec<usize>,
    builder: ReaderBuilder,
    file_format: LogFormat,
}

/// One row group of a Parquet flow-log file, to be read on its own ([`ParquetFlowReader::into_parts`]).
/// `Send`, cheap to move to another thread; [`Self::open`] makes its reader there.
#[derive(Debug, Clone)]
pub struct ParquetPart {
    opening: Arc<Opening>,
    chunks: Chunks,
    row_group: usize,
    first_row: u64,
}

impl ParquetPart {
    /// The row group's index in the file.
    pub fn row_group(&self) -> usize {
        self.row_group
    }

    /// A reader of this row group alone. Its rows are numbered as in the whole file (issue
    /// "line" numbers stay those of the file); its accounting covers this row group only.
    pub fn open(&self) -> Result<ParquetFlowReader> {
        let opening = &self.opening;
        let label = opening
            .builder
            .source_label
            .clone()
            .unwrap_or_else(|| Arc::from("<parquet>"));
        let row_group = Some(self.row_group);
        let reader = match &self.chunks {
            Chunks::Path(path) => {
                let file = File::open(path).map_err(|err| Error::io(label.to_string(), err))?;
                ParquetFlowReader::build(file, opening, row_group, &label)?
            }
            Chunks::Bytes(bytes) => {
                ParquetFlowReader::build(bytes.clone(), opening, row_group, &label)?
            }
        };
        Ok(ParquetFlowReader {
            conformer: reader.conformer.with_first_row(self.first_row),
            ..reader
        })
    }
}

impl ParquetFlowReader {
    /// Opens a Parquet file — a [`std::fs::File`], or the bytes of a whole object (`bytes::Bytes`), or
    /// any [`ChunkReader`]. The file's columns define its format; the builder's projection (if
    /// any) the output columns. Column types are those [`FlowConformer`] accepts.
    pub fn try_new<T: ChunkReader + 'static>(
        file: T,
        builder: ReaderBuilder,
    ) -> Result<ParquetFlowReader> {
        let opening = Opening::new(&file, builder, None)?;
        let label = opening.label();
        Self::build(file, &opening, None, &label)
    }

    /// Opens the Parquet file `file`, found at `path`: like [`Self::try_new`], and splittable
    /// by row group ([`Self::into_parts`]; the parts open `path` again).
    pub fn from_path(file: File, path: &Path, builder: ReaderBuilder) -> Result<ParquetFlowReader> {
        let opening = Opening::new(&file, builder, Some(Chunks::Path(path.to_owned())))?;
        Self::splittable(file, opening)
    }

    /// Opens a Parquet file held whole in memory: like [`Self::try_new`], and splittable by
    /// row group ([`Self::into_parts`]; the parts share the bytes).
    pub fn from_bytes(bytes: bytes::Bytes, builder: ReaderBuilder) -> Result<ParquetFlowReader> {
        let opening = Opening::new(&bytes, builder, Some(Chunks::Bytes(bytes.clone())))?;
        Self::splittable(bytes, opening)
    }

    fn splittable<T: ChunkReader + 'static>(
        file: T,
        opening: Opening,
    ) -> Result<ParquetFlowReader> {
        let label = opening.label();
        let opening = Arc::new(opening);
        let reader = Self::build(file, &opening, None, &label)?;
        Ok(ParquetFlowReader {
            opening: Some(opening),
            ..reader
        })
    }

    /// A reader of the whole file, or of one row group.
    fn build<T: ChunkReader + 'static>(
        file: T,
        opening: &Opening,
        row_group: Option<usize>,
        label: &Arc<str>,
    ) -> Result<ParquetFlowReader> {
        let parquet_error = |err| Error::parquet(label.to_string(), err);
        let schema = opening.metadata.parquet_schema();
        let mask = ProjectionMask::roots(schema, opening.wanted.clone());
        let levels =
            parquet_to_arrow_field_levels(schema, mask, Some(opening.metadata.schema().fields()))
                .map_err(parquet_error)?;
        let metadata = opening.metadata.metadata();
        let pages = InflatedRowGroups {
            reader: Arc::new(file),
            metadata: metadata.clone(),
            row_groups: match row_group {
                Some(row_group) => vec![row_group],
                None => (0..metadata.num_row_groups()).collect(),
            },
        };
        let inner = ParquetRecordBatchReader::try_new_with_row_groups(
            &levels,
            &pages,
            opening.builder.batch_size().min(PARQUET_BATCH_ROWS),
            None,
        )
        .map_err(parquet_error)?;
        let conformer = opening
            .builder
            .clone()
            .with_source_label(label.clone())
            .build_conformer(inner.schema())?;
        Ok(ParquetFlowReader {
            inner,
            file_format: opening.file_format.clone(),
            conformer,
            label: label.clone(),
            done: false,
            started: false,
            row_groups: opening.metadata.metadata().num_row_groups(),
            opening: None,
        })
    }

    /// The fields the file has, in its column order.
    pub fn file_format(&self) -> &LogFormat {
        &self.file_format
    }

    /// Row accounting so far (Parquet has no header or blank lines; "line" numbers of issues
    /// are 1-based row numbers).
    pub fn stats(&self) -> &LineStats {
        self.conformer.stats()
    }

    /// The output schema.
    pub fn schema(&self) -> SchemaRef {
        self.conformer.schema()
    }

    /// Rows the file's row groups declare, all together (the fuzzing invariant: a file
    /// read to its end accounts for each once).
    pub(crate) fn file_rows(&self) -> u64 {
        self.opening.as_ref().map_or(0, |opening| {
            let groups = opening.metadata.metadata().row_groups().iter();
            groups
                .map(|group| u64::try_from(group.num_rows()).unwrap_or(0))
                .sum()
        })
    }

    /// The file's row groups.
    pub fn row_group_count(&self) -> usize {
        self.row_groups
    }

    /// The file's row groups as parts to read apart, in file order — when the reader was made
    /// by [`Self::from_path`] or [`Self::from_bytes`], nothing was read from it yet and the
    /// file has more than one row group; else the reader itself, unchanged.
    ///
    /// Reading every part gives the rows of the whole file and, merged
    /// ([`LineStats::merge`]), its accounting: each part numbers its rows as in the file.
    #[allow(clippy::result_large_err)]
    pub fn into_parts(self) -> std::result::Result<Vec<ParquetPart>, ParquetFlowReader> {
        let chunks = self.opening.as_ref().and_then(|o| o.chunks.clone());
        match (&self.opening, chunks) {
            (Some(opening), Some(chunks)) if !self.started && self.row_groups > 1 => {
                let mut first_row = 0u64;
                let parts = opening
                    .metadata
                    .metadata()
                    .row_groups()
                    .iter()
                    .enumerate()
                    .map(|(row_group, meta)| {
                        let part = ParquetPart {
                            opening: opening.clone(),
                            chunks: chunks.clone(),
                            row_group,
                            first_row,
                        };
                        first_row += u64::try_from(meta.num_rows()).unwrap_or(0);
                        part
                    })
                    .collect();
                Ok(parts)
            }
            _ => Err(self),
        }
    }

    fn conform(&mut self, batch: RecordBatch) -> Result<FlowRecordBatch> {
        self.conformer.conform(&batch)
    }
}

/// Refuses a file whose metadata places a column chunk before its start, past its end, or at
/// a negative size: the Parquet crate asserts these when it reads the chunk (a panic, not an
/// error; fuzzing found it, `testdata/fuzz/parquet_file-crash-f94f4557`).
fn check_chunk_ranges(
    metadata: &parquet::file::metadata::ParquetMetaData,
    file_len: u64,
) -> parquet::errors::Result<()> {
    for (g, group) in metadata.row_groups().iter().enumerate() {
        for (c, chunk) in group.columns().iter().enumerate() {
            let start = chunk
                .dictionary_page_offset()
                .unwrap_or(chunk.data_page_offset());
            let fits = u64::try_from(start)
                .ok()
                .zip(u64::try_from(chunk.compressed_size()).ok())
                .and_then(|(start, len)| start.checked_add(len))
                .is_some_and(|end| end <= file_len);
            if !fits {
                return Err(parquet::errors::ParquetError::General(format!(
                    "column chunk {c} of row group {g} lies outside the file ({} bytes at {start}; the file has {file_len})",
                    chunk.compressed_size()
                )));
            }
        }
    }
    Ok(())
}

impl Opening {
    /// Reads the file's metadata and settles what to read: the columns the projection needs,
    /// string columns as dictionaries.
    fn new<T: ChunkReader>(
        file: &T,
        builder: ReaderBuilder,
        chunks: Option<Chunks>,
    ) -> Result<Opening> {
        let label = builder
            .source_label
            .clone()
            .unwrap_or_else(|| Arc::from("<parquet>"));
        let builder = builder.with_source_label(label.clone());
        let parquet_error = |err| Error::parquet(label.to_string(), err);
        let plain =
            ArrowReaderMetadata::load(file, ArrowReaderOptions::new()).map_err(parquet_error)?;
        check_chunk_ranges(plain.metadata(), file.len()).map_err(parquet_error)?;
        let file_schema = plain.schema().clone();
        let file_fields: Vec<FieldName> = file_schema
            .fields()
            .iter()
            .map(|f| FieldName::from_column(f.name()))
            .collect();
        let file_format = LogFormat::new(file_fields).map_err(|_| {
            Error::from(ErrorKind::UnsupportedRecordType {
                source_label: label.to_string(),
                reason: "this Parquet file has no columns, or a column name twice".to_owned(),
            })
        })?;
        // Read only the file columns the output (or the accounting) needs.
        let wanted = needed_columns(&file_schema, builder.projection());
        // Strings as dictionaries: Parquet writers dictionary-encode strings, and read so the
        // conformer works once per distinct value (a column chunk that is not dictionary-encoded
        // is given a dictionary by the reader).
        let hinted: Vec<Field> = file_schema
            .fields()
            .iter()
            .enumerate()
            .map(|(i, field)| match field.data_type() {
                DataType::Utf8 if wanted.contains(&i) => field.as_ref().clone().with_data_type(
                    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
                ),
                _ => field.as_ref().clone(),
            })
            .collect();
        let hinted = Arc::new(Schema::new_with_metadata(
            hinted,
            file_schema.metadata().clone(),
        ));
        let metadata = ArrowReaderMetadata::try_new(
            plain.metadata().clone(),
            ArrowReaderOptions::new().with_schema(hinted),
        )
        .map_err(parquet_error)?;
        Ok(Opening {
            chunks,
            metadata,
            wanted,
            builder,
            file_format,
        })
    }

    fn label(&self) -> Arc<str> {
        self.builder
            .source_label
            .clone()
            .unwrap_or_else(|| Arc::from("<parquet>"))
    }
}

impl Iterator for ParquetFlowReader {
    type Item = Result<FlowRecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        self.started = true;
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
///
/// Gzip, the codec AWS writes its Parquet flow logs with, is always built. The others are
/// features of flowsieve-log, for reading and writing alike: `parquet-snappy` (on by default:
/// pyarrow, DuckDB and Spark write Snappy unless told otherwise), `parquet-zstd` and
/// `parquet-lz4` (off by default; the `flowsieve` command line turns them on for `convert`).
/// Writing with a codec this build lacks is an error naming its feature
/// ([`Self::feature`]); reading a file compressed with one fails on its first page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParquetCompression {
    /// zstd at the given level (1–22); needs the `parquet-zstd` feature.
    Zstd(i32),
    /// Snappy; needs the `parquet-snappy` feature (a default one).
    Snappy,
    /// Gzip (what AWS itself writes); always built.
    Gzip,
    /// LZ4 (raw); needs the `parquet-lz4` feature.
    Lz4,
    /// No compression.
    Uncompressed,
}

impl ParquetCompression {
    /// The flowsieve-log feature the codec needs (`None` for gzip and no compression, which
    /// every build has).
    pub fn feature(self) -> Option<&'static str> {
        match self {
            ParquetCompression::Zstd(_) => Some("parquet-zstd"),
            ParquetCompression::Snappy => Some("parquet-snappy"),
            ParquetCompression::Lz4 => Some("parquet-lz4"),
            ParquetCompression::Gzip | ParquetCompression::Uncompressed => None,
        }
    }

    /// Whether this build can write (and read) the codec.
    pub fn is_built(self) -> bool {
        match self {
            ParquetCompression::Zstd(_) => cfg!(feature = "parquet-zstd"),
            ParquetCompression::Snappy => cfg!(feature = "parquet-snappy"),
            ParquetCompression::Lz4 => cfg!(feature = "parquet-lz4"),
            ParquetCompression::Gzip | ParquetCompression::Uncompressed => true,
        }
    }

    /// The codec's name: `zstd`, `snappy`, `gzip`, `lz4`, `uncompressed`.
    pub fn name(self) -> &'static str {
        match self {
            ParquetCompression::Zstd(_) => "zstd",
            ParquetCompression::Snappy => "snappy",
            ParquetCompression::Gzip => "gzip",
            ParquetCompression::Lz4 => "lz4",
            ParquetCompression::Uncompressed => "uncompressed",
        }
    }
}

impl Default for ParquetCompression {
    /// The best codec this build has: zstd at level 3 with `parquet-zstd` (the command line's
    /// `convert`), else Snappy with `parquet-snappy`, else gzip.
    fn default() -> Self {
        if cfg!(feature = "parquet-zstd") {
            ParquetCompression::Zstd(3)
        } else if cfg!(feature = "parquet-snappy") {
            ParquetCompression::Snappy
        } else {
            ParquetCompression::Gzip
        }
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

impl AddressEncoding {
    /// A flow schema with its address columns as this encoding holds them (`Utf8` for text).
    pub fn schema(self, schema: &SchemaRef) -> SchemaRef {
        match self {
            AddressEncoding::Binary => schema.clone(),
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
        }
    }

    /// A flow batch with its addresses in this encoding, in `schema` (from [`Self::schema`] of
    /// the batch's schema).
    ///
    /// ```
    /// use flowsieve_log::{AddressEncoding, ReaderBuilder};
    ///
    /// let text = "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK\n";
    /// let batch = ReaderBuilder::new().build(text.as_bytes())?.next().unwrap()?;
    /// let schema = AddressEncoding::Text.schema(&batch.schema());
    /// let encoded = AddressEncoding::Text.encode(&batch, &schema)?;
    /// let srcaddr = encoded.column_by_name("srcaddr").unwrap();
    /// assert_eq!(srcaddr.data_type(), &arrow_schema::DataType::Utf8);
    /// # Ok::<(), flowsieve_log::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// When `schema` is not the encoded schema of the batch's.
    pub fn encode(self, batch: &FlowRecordBatch, schema: &SchemaRef) -> Result<RecordBatch> {
        let batch = batch.as_record_batch();
        Ok(match self {
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
                RecordBatch::try_new(schema.clone(), columns)?
            }
        })
    }
}

/// The column types [`FlowParquetWriter`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ParquetTypes {
    /// flowsieve's flow schema, as [`crate::FlowRecordBatch`] holds it (unsigned ports and
    /// counters, second timestamps, dictionary-encoded text), with the Arrow schema stored in the
    /// file's metadata. The default.
    #[default]
    Flowsieve,
    /// What AWS writes when a flow log is delivered as Parquet (`docs/flow-logs.md`): `INT32`
    /// for `version`, ports, `protocol`, `tcp-flags`, `traffic-path`; `INT64` for `packets`,
    /// `bytes`, and `start` / `end` as epoch seconds; strings for everything else, addresses as
    /// text whatever the [`AddressEncoding`]; no Arrow schema in the metadata. A counter beyond
    /// `i64::MAX` (no flow log holds one) is written as null.
    Aws,
}

impl ParquetTypes {
    /// The schema a flow schema is written in.
    fn schema(self, flow: &SchemaRef, addresses: AddressEncoding) -> SchemaRef {
        match self {
            ParquetTypes::Flowsieve => addresses.schema(flow),
            ParquetTypes::Aws => Arc::new(Schema::new(
                flow.fields()
                    .iter()
                    .map(|f| {
                        let data_type = match f.data_type() {
                            DataType::UInt8 | DataType::UInt16 | DataType::UInt32 => {
                                DataType::Int32
                            }
                            DataType::UInt64 | DataType::Timestamp(..) => DataType::Int64,
                            _ => DataType::Utf8,
                        };
                        Field::new(f.name(), data_type, true)
                    })
                    .collect::<Vec<_>>(),
            )),
        }
    }
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
    types: ParquetTypes,
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
    /// A writer of batches in `schema` (a flow schema), in flowsieve's column types, with the
    /// Parquet writer's row groups (at most 1,048,576 rows each).
    pub fn try_new(
        out: W,
        schema: SchemaRef,
        compression: ParquetCompression,
        addresses: AddressEncoding,
    ) -> Result<Self> {
        Self::try_new_with(
            out,
            schema,
            compression,
            addresses,
            ParquetTypes::Flowsieve,
            None,
        )
    }

    /// A writer of batches in `schema` (a flow schema) in the column `types` given, with row
    /// groups of at most `row_group_rows` rows (`None`: the Parquet writer's 1,048,576; 0 counts
    /// as 1).
    ///
    /// ```
    /// use flowsieve_log::{AddressEncoding, FlowParquetWriter, ParquetCompression, ParquetTypes, ReaderBuilder};
    ///
    /// let text = "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK\n";
    /// let batch = ReaderBuilder::new().build(text.as_bytes())?.next().unwrap()?;
    /// let mut out = Vec::new();
    /// let mut writer = FlowParquetWriter::try_new_with(&mut out, batch.schema(), ParquetCompression::Gzip,
    ///     AddressEncoding::Text, ParquetTypes::Aws, Some(100_000))?;
    /// writer.write(&batch)?;
    /// writer.close()?;
    /// // Read back: the same batch.
    /// let mut reader = flowsieve_log::ParquetFlowReader::try_new(bytes::Bytes::from(out), ReaderBuilder::new())?;
    /// assert_eq!(reader.next().unwrap()?.as_record_batch(), batch.as_record_batch());
    /// # Ok::<(), flowsieve_log::Error>(())
    /// ```
    pub fn try_new_with(
        out: W,
        schema: SchemaRef,
        compression: ParquetCompression,
        addresses: AddressEncoding,
        types: ParquetTypes,
        row_group_rows: Option<usize>,
    ) -> Result<Self> {
        let schema = types.schema(&schema, addresses);
        if let Some(feature) = compression.feature().filter(|_| !compression.is_built()) {
            return Err(Error::parquet(
                "<parquet writer>",
                parquet::errors::ParquetError::General(format!(
                    "{} compression is not built into this flowsieve-log: enable its `{feature}` \
                     feature",
                    compression.name()
                )),
            ));
        }
        let codec = match compression {
            ParquetCompression::Zstd(level) => Compression::ZSTD(
                ZstdLevel::try_new(level).map_err(|err| Error::parquet("<parquet writer>", err))?,
            ),
            ParquetCompression::Snappy => Compression::SNAPPY,
            ParquetCompression::Gzip => Compression::GZIP(Default::default()),
            ParquetCompression::Lz4 => Compression::LZ4_RAW,
            ParquetCompression::Uncompressed => Compression::UNCOMPRESSED,
        };
        let mut props = WriterProperties::builder().set_compression(codec);
        if let Some(rows) = row_group_rows {
            props = props.set_max_row_group_row_count(Some(rows.max(1)));
        }
        let options = ArrowWriterOptions::new()
            .with_properties(props.build())
            .with_skip_arrow_metadata(types == ParquetTypes::Aws);
        let writer = ArrowWriter::try_new_with_options(out, schema.clone(), options)
            .map_err(|err| Error::parquet("<parquet writer>", err))?;
        Ok(FlowParquetWriter {
            writer,
            schema,
            addresses,
            types,
            rows: 0,
        })
    }

    /// Writes one batch (its schema must be the writer's flow schema).
    pub fn write(&mut self, batch: &FlowRecordBatch) -> Result<()> {
        let batch = match self.types {
            ParquetTypes::Flowsieve => self.addresses.encode(batch, &self.schema)?,
            ParquetTypes::Aws => aws_columns(batch, &self.schema)?,
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

/// A flow batch in AWS's column types (`schema`, from [`ParquetTypes::Aws`]).
fn aws_columns(batch: &FlowRecordBatch, schema: &SchemaRef) -> Result<RecordBatch> {
    let batch = batch.as_record_batch();
    let columns = batch
        .columns()
        .iter()
        .zip(schema.fields())
        .map(|(column, field)| match column.data_type() {
            DataType::FixedSizeBinary(16) => Ok(addresses_as_text(column)),
            DataType::Timestamp(..) => arrow_cast::cast(column, &DataType::Int64),
            _ => arrow_cast::cast(column, field.data_type()),
        })
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
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
mod tests;

//! # flowsieve-log: from VPC Flow Log archives to Arrow, fast
//!
//! flowsieve-log reads AWS VPC Flow Logs — the space-separated text records of versions 2 to 8
//! in any field order, plain or gzip (multi-member), or AWS's Parquet — into Arrow
//! [`RecordBatch`](arrow_array::RecordBatch)es, streaming, with every input line accounted for.
//! It knows nothing about security groups; the `flowsieve` crate builds the analysis on top.
//!
//! ## Reading
//!
//! ```
//! use flowsieve_log::{FlowField, ReaderBuilder};
//!
//! // An S3 text object: a header line, then records (here the AWS documentation's examples).
//! let text = "\
//! version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status
//! 2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK
//! 2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK
//! 2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA
//! 2 123456789010 eni-1235b8ca123456789 10.0.0.1 10.0.0.2 1 99999 6 1 1 1 2 ACCEPT OK
//! ";
//! let mut reader = ReaderBuilder::new().with_batch_size(8192).build(text.as_bytes())?;
//! let batch = reader.next().expect("one batch")?;
//! assert_eq!(batch.num_rows(), 3); // two records and the NODATA line
//! let ports = batch.uint16(FlowField::DstPort).expect("dstport column");
//! assert_eq!(ports.value(1), 3389);
//! let src = batch.addresses(FlowField::SrcAddr).expect("srcaddr column");
//! assert_eq!(flowsieve_log::address_to_ip(src.value(0)).to_string(), "172.31.16.139");
//!
//! // Every line is accounted for; the bad one is located, and the stream went on.
//! let stats = reader.stats();
//! assert_eq!((stats.counts.header, stats.counts.records, stats.counts.nodata, stats.counts.malformed), (1, 2, 1, 1));
//! assert_eq!(
//!     stats.samples[0].to_string(),
//!     "<input>:5: malformed line: number_out_of_range in field `dstport`: \"99999\""
//! );
//! # Ok::<(), flowsieve_log::Error>(())
//! ```
//!
//! Whole archives: [`discover`] walks directories (S3 key layouts understood, see
//! [`LogObjectKey`]), [`open`] recognises gzip / Parquet / text by content, [`read_parallel`]
//! reads many files at once with rayon, and [`read_in_order`] streams their batches to one
//! consumer in file order with bounded memory. [`Converter`] writes an archive to Parquet (one
//! file, or one per input) and accounts for every line ([`ConversionSummary`], a serde
//! document).
//!
//! ## Arrow in from any schema
//!
//! A table someone else made — pyarrow, DuckDB, Polars, DataFusion, AWS's Parquet — becomes
//! flow batches through a [`FlowConformer`] ([`ReaderBuilder::build_conformer`]): columns found
//! by their flow-log names in any case and spelling, integers of any width, strings of any
//! Arrow string type or dictionary, timestamps or epoch seconds, addresses as text or bytes; the
//! rows that do not fit (a port over 65535, an unknown action) are refused and accounted for as
//! malformed lines. [`ParquetFlowReader`] is built on it. The closed columns read as typed
//! enums: [`FlowRecordBatch::actions`] ([`Action`]), [`FlowRecordBatch::log_statuses`]
//! ([`LogStatus`]), [`FlowRecordBatch::flow_directions`] ([`FlowDirection`]),
//! [`FlowRecordBatch::traffic_kinds`] ([`TrafficKind`]).
//!
//! ## The schema
//!
//! Column names are the AWS field names with `-` as `_` ([`FlowField::column_name`]), as AWS's
//! Parquet files name them. Types are chosen for analysis ([`FieldKind`]): ports `UInt16`,
//! protocol / tcp-flags `UInt8`, packets / bytes `UInt64`, start / end
//! `Timestamp(Second, "+00:00")`, addresses `FixedSizeBinary(16)` (big-endian; IPv4 as IPv4-mapped
//! IPv6, so a CIDR test is one masked `u128` compare), and every id or enumeration
//! `Dictionary(Int32, Utf8)`. `-` is null in every column. Fields the format does not have but
//! the projection asks for are all-null columns, so one projection gives one schema across
//! files of different formats.
//!
//! ## Formats
//!
//! The field order of a text object comes from its header line. For header-less input
//! (CloudWatch Logs exports, Firehose) give the format as AWS prints it in the flow log's
//! `LogFormat`: `"${version} ${interface-id} …".parse::<LogFormat>()`. With neither, the default
//! version-2 format is assumed. CloudWatch export lines (`2024-01-01T00:00:00.000Z <record>`)
//! and Logs Insights CSV downloads (`timestamp,message`) are accepted, and a UTF-8 byte-order
//! mark is skipped. Transit Gateway flow logs (version 6), JSON and binary content are refused.
//!
//! ## Bad input
//!
//! A malformed line (wrong field count, an empty field, a non-numeric number, a port over
//! 65535, a time after [`MAX_TIMESTAMP`], a bad address, invalid UTF-8, a bad
//! action/log-status/flow-direction/type, a line longer than [`DEFAULT_MAX_LINE_LENGTH`]) never stops the stream: it is counted by reason
//! ([`LineIssueKind`]) and sampled with file, line, byte offset, field and text
//! ([`LineIssue`]). [`ReaderBuilder::with_strict`] turns the first one into an error with the
//! same message. When most of an object's lines are malformed, [`LineStats::diagnose`] says
//! why ([`Diagnosis`]: another field count than the format's, with a format guessed from the
//! values; values that do not fit the format; Transit Gateway records; binary content). A
//! truncated gzip stream is an [`ErrorKind::Truncated`] naming the file, after
//! every record before the cut has been delivered and counted. No input makes the library panic
//! or allocate without bound: memory is the batch plus a buffer of at most a few MiB.

//!
//! ## Features
//!
//! Parquet's compression codecs, for reading and writing ([`ParquetCompression`]): gzip, the
//! codec AWS writes its Parquet flow logs with, is always built; `parquet-snappy` (default:
//! what pyarrow, DuckDB and Spark write unless told otherwise) adds Snappy; `parquet-zstd`
//! (zstd, a C library to build; Polars' default) and `parquet-lz4` are off by default — the
//! `flowsieve` command line turns them on, since `convert` writes them. Without a codec's
//! feature, a file compressed with it fails to read on its first page, and writing with it is
//! refused naming the feature.

mod batch;
mod cloudwatch;
mod columns;
mod conform;
mod convert;
mod decoder;
mod diagnose;
mod enums;
mod error;
mod field;
mod format;
mod gunzip;
mod key;
#[cfg(test)]
mod mutate;
mod pages;
mod parallel;
mod parquet;
mod plan;
mod reader;
mod record;
mod separators;
mod source;
mod stats;
mod stdin;
mod swar;

pub use batch::{AddressArray, FlowRecordBatch, address_to_ip, flow_schema, ip_to_address};
pub use conform::FlowConformer;
pub use convert::{
    BoxError, ConversionSummary, ConvertError, ConvertTarget, ConvertedFile, Converter,
    FileFailure, MalformedByReason, OutputKind, ParquetOutputs, PlainFiles, SampleLine,
    union_input_fields,
};
pub use decoder::FlowDecoder;
pub use diagnose::{Diagnosis, FormatOrigin, LineProbe, MALFORMED_SHARE_PERCENT, PROBE_LINES};
pub use enums::{Action, EnumArray, FlowDirection, FlowEnum, LogStatus, TrafficKind};
pub use error::{Error, ErrorChain, ErrorKind, Result};
pub use field::{FieldKind, FieldName, FlowField, MAX_TIMESTAMP};
pub use format::LogFormat;
pub use gunzip::{WHOLE_PACKED_LIMIT, WHOLE_TEXT_LIMIT};
pub use key::{FILE_WINDOW_SECONDS, KeyFilter, KeyLayout, LogObjectKey};
pub use parallel::{IN_ORDER_CHANNEL, read_in_order, read_parallel};
pub use parquet::{
    AddressEncoding, FlowParquetWriter, PARQUET_BATCH_ROWS, ParquetCompression, ParquetFlowReader,
    ParquetPart, ParquetTypes,
};
pub use reader::{
    DEFAULT_BATCH_SIZE, DEFAULT_MAX_LINE_LENGTH, DEFAULT_SAMPLE_LIMIT, FlowLogReader,
    MAX_LINE_LENGTH_LIMIT, ReaderBuilder,
};
pub use source::{
    FetchedSource, InputKind, ObjectBodies, ObjectBody, RemoteStore, Source, SourceReader,
    discover, fetch_in_order, open, open_body, peek_format, sniff,
};
pub use stats::{LineCounts, LineIssue, LineIssueKind, LineSample, LineStats, MAX_SAMPLE_LIMIT};
pub use stdin::STDIN_LABEL;

/// The fuzzing entry points: each fuzz target of `fuzz/` is one call to a function here, so
/// its findings replay as ordinary tests. Not part of the API.
#[doc(hidden)]
pub mod fuzzing;

//! `parse/…`: flowsieve-log's text → Arrow throughput, bytes and records of uncompressed text
//! per second on one core, beside arrow-csv reading the same bytes in the same run.
//!
//! Input: [`flowsieve_bench::flow_text`], 32 MiB of header-less records per format (the default
//! v2 format, and the 25-field custom format `CUSTOM25_FORMAT`), held in memory so that only
//! parsing is timed. Both readers produce batches of [`DEFAULT_BATCH_SIZE`] rows and every timed
//! loop asserts the row count.
//!
//! * `flowsieve`: `ReaderBuilder::build` over the bytes (the `Read` path users take), every
//!   field of the format into its flow-schema column.
//! * `flowsieve_projected`: the analysis projection (`flowsieve::ANALYSIS_FIELDS`, 18 fields; on
//!   v2 the four it lacks are all-null columns, and the unrequested ones are skipped without
//!   conversion).
//! * `arrow_csv`: arrow-csv as a competent user would set it up for speed: an explicit schema
//!   (no inference), `build_buffered` over the bytes (no extra copy), space delimiter, no header,
//!   `\n` terminator, null regex `^-$` (required: `-` stands for null in every column, numeric
//!   ones included), ports `UInt16`, protocol / tcp-flags / version / traffic-path `UInt8`,
//!   packets / bytes `UInt64`, start / end `Int64`, addresses and every id `Utf8` (arrow-csv
//!   cannot parse addresses). For the ids, `Utf8` ran as fast as `Utf8View` and
//!   `Dictionary(Int32, Utf8)` within the noise of this machine and executed the fewest
//!   instructions (callgrind, 2026-11-25: 196 M against 199 M and 218 M for 4 MiB of v2).

use std::hint::black_box;
use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema, SchemaRef};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use flowsieve::ANALYSIS_FIELDS;
use flowsieve_bench::{CUSTOM25_FORMAT, FlowText, FlowTextFormat, flow_text};
use flowsieve_log::{DEFAULT_BATCH_SIZE, FieldName, FlowField, LogFormat, ReaderBuilder};

const TEXT_BYTES: usize = 32 << 20;
const SEED: u64 = 20_261_125;

fn flowsieve_rows(builder: &ReaderBuilder, text: &[u8]) -> usize {
    let reader = builder.clone().build(text).expect("reader");
    let mut rows = 0;
    for batch in reader {
        rows += black_box(batch.expect("batch")).num_rows();
    }
    rows
}

/// The arrow-csv type of a flow-log field, as fast as arrow-csv can parse it.
fn csv_type(field: &FieldName) -> DataType {
    match field.known() {
        Some(FlowField::SrcPort | FlowField::DstPort) => DataType::UInt16,
        Some(
            FlowField::Version | FlowField::Protocol | FlowField::TcpFlags | FlowField::TrafficPath,
        ) => DataType::UInt8,
        Some(FlowField::Packets | FlowField::Bytes) => DataType::UInt64,
        Some(FlowField::Start | FlowField::End) => DataType::Int64,
        _ => DataType::Utf8,
    }
}

fn csv_schema(format: &LogFormat) -> SchemaRef {
    Arc::new(Schema::new(
        format
            .fields()
            .iter()
            .map(|f| Field::new(f.column_name(), csv_type(f), true))
            .collect::<Vec<_>>(),
    ))
}

fn arrow_csv_rows(schema: &SchemaRef, text: &[u8]) -> usize {
    let reader = arrow_csv::ReaderBuilder::new(schema.clone())
        .with_header(false)
        .with_delimiter(b' ')
        .with_terminator(b'\n')
        .with_null_regex(regex::Regex::new("^-$").expect("regex"))
        .with_batch_size(DEFAULT_BATCH_SIZE)
        .build_buffered(text)
        .expect("csv reader");
    let mut rows = 0;
    for batch in reader {
        rows += black_box(batch.expect("csv batch")).num_rows();
    }
    rows
}

fn describe(name: &str, input: &FlowText) {
    eprintln!(
        "parse/{name}: {} lines ({} NODATA), {} bytes, {:.1} bytes/line",
        input.lines,
        input.nodata,
        input.text.len(),
        input.mean_line_bytes()
    );
}

fn bench(c: &mut Criterion) {
    for (name, kind, format) in [
        ("v2", FlowTextFormat::V2, LogFormat::default_v2()),
        (
            "custom25",
            FlowTextFormat::Custom25,
            CUSTOM25_FORMAT.parse::<LogFormat>().expect("format"),
        ),
    ] {
        let input = flow_text(kind, TEXT_BYTES, SEED);
        describe(name, &input);
        let text = &input.text[..];
        let expected = input.lines;
        let full = ReaderBuilder::new().with_format(format.clone());
        let projected = full.clone().with_projection(ANALYSIS_FIELDS);
        let schema = csv_schema(&format);
        assert_eq!(flowsieve_rows(&full, text), expected);
        assert_eq!(arrow_csv_rows(&schema, text), expected);

        let mut group = c.benchmark_group(format!("parse/{name}"));
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.sample_size(20);
        group.bench_function("flowsieve", |b| {
            b.iter(|| assert_eq!(flowsieve_rows(&full, text), expected))
        });
        group.bench_function("flowsieve_projected", |b| {
            b.iter(|| assert_eq!(flowsieve_rows(&projected, text), expected))
        });
        group.bench_function("arrow_csv", |b| {
            b.iter(|| assert_eq!(arrow_csv_rows(&schema, text), expected))
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);

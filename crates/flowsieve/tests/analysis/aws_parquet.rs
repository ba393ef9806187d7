//! AWS's Parquet flow logs: a generated archive converted to what AWS writes when a flow log is
//! delivered as Parquet (gzip, AWS's column types, several row groups per object) gives the
//! report of its text, with one thread or three, in any file order; odd Parquet files (a column
//! of the wrong type, a missing column, nulls where a record needs a value, corrupt bytes) are
//! accounted or refused by name, never a panic.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use arrow_array::{ArrayRef, BooleanArray, Int32Array, Int64Array, RecordBatch, StringArray};
use flowsieve::log::{
    ConvertTarget, Converter, ParquetCompression, ParquetFlowReader, ParquetTypes, PlainFiles,
    ReaderBuilder, Source, SourceReader,
};
use flowsieve::{AnalysisConfig, Network, Report, analyze};
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;

use crate::common::{Archive, demo_dir, in_pool};

/// Rows per row group of the converted archive: objects of this archive hold 1,000 to 12,000
/// records, so most have several.
const ROW_GROUP_ROWS: usize = 2_000;

/// A generated archive (no malformed lines: every text line becomes a row) and the same
/// objects as AWS Parquet, `….log.parquet` at the same relative paths.
struct Converted {
    archive: Archive,
    parquet: Vec<Source>,
    _dir: tempfile::TempDir,
}

fn converted() -> &'static Converted {
    static CONVERTED: OnceLock<Converted> = OnceLock::new();
    CONVERTED.get_or_init(|| {
        let archive = Archive::generate_with(60_000, 16, |_| {});
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("logs");
        let converter = Converter {
            compression: ParquetCompression::Gzip,
            types: ParquetTypes::Aws,
            row_group_rows: Some(ROW_GROUP_ROWS),
            threads: 2,
            ..Converter::new(ReaderBuilder::new())
        };
        let summary = converter
            .convert(
                &archive.sources,
                &ConvertTarget::Directory(out.clone()),
                &PlainFiles,
                |_| {},
            )
            .unwrap();
        assert!(summary.errors.is_empty(), "{:?}", summary.errors);
        let parquet = flowsieve::log::discover(&[out]).unwrap();
        assert_eq!(parquet.len(), archive.sources.len());
        assert!(parquet.iter().all(|s| s.label().ends_with(".log.parquet")));
        Converted {
            archive,
            parquet,
            _dir: dir,
        }
    })
}

/// The report as JSON, less what legitimately differs between text and Parquet input: the
/// decompressed bytes and the header lines (Parquet has neither).
fn comparable(report: &Report) -> serde_json::Value {
    let mut json = serde_json::to_value(report).unwrap();
    json["summary"]["bytes"] = 0.into();
    json["summary"]["header"] = 0.into();
    json
}

#[test]
fn aws_parquet_gives_the_report_of_its_text_for_any_threads_and_order() {
    let converted = converted();
    let network = &converted.archive.network;
    let config = AnalysisConfig::new();
    let several = converted
        .parquet
        .iter()
        .filter(
            |source| match flowsieve::log::open(source, &ReaderBuilder::new()).unwrap() {
                SourceReader::Parquet(reader) => reader.row_group_count() > 1,
                SourceReader::Text(_) => panic!("{} read as text", source.label()),
            },
        )
        .count();
    assert!(
        several * 2 > converted.parquet.len(),
        "most objects have several row groups ({several} of {})",
        converted.parquet.len()
    );

    let text = in_pool(1, || {
        analyze(&config, network, &converted.archive.sources).unwrap()
    });
    let one = in_pool(1, || analyze(&config, network, &converted.parquet).unwrap());
    let mut reversed = converted.parquet.clone();
    reversed.reverse();
    let three = in_pool(3, || analyze(&config, network, &reversed).unwrap());
    assert_eq!(one, three, "threads and order change nothing");
    assert_eq!(comparable(&one), comparable(&text));
    assert_eq!(one.summary.bytes, 0);
    assert_eq!(one.summary.header, 0);
    assert!(text.summary.records > 50_000, "{}", text.summary.records);
    assert!(one.summary.attributed_records > 0);
}

/// Writes one Parquet file of `columns` (row groups of 2 rows), returns its path.
fn write(dir: &Path, name: &str, columns: Vec<(&str, ArrayRef)>) -> std::path::PathBuf {
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let path = dir.join(name);
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(2))
        .build();
    let mut writer = ArrowWriter::try_new(
        std::fs::File::create(&path).unwrap(),
        batch.schema(),
        Some(props),
    )
    .unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    path
}

/// The columns of `rows` AWS records (v2) of ENI `eni` with every field.
fn v2(rows: usize, eni: &str) -> Vec<(&'static str, ArrayRef)> {
    vec![
        ("version", Arc::new(Int32Array::from(vec![2; rows]))),
        (
            "account_id",
            Arc::new(StringArray::from(vec!["568738793019"; rows])),
        ),
        ("interface_id", Arc::new(StringArray::from(vec![eni; rows]))),
        (
            "srcaddr",
            Arc::new(StringArray::from(vec!["10.34.1.1"; rows])),
        ),
        (
            "dstaddr",
            Arc::new(StringArray::from(vec!["10.34.1.2"; rows])),
        ),
        ("srcport", Arc::new(Int32Array::from(vec![40_000; rows]))),
        ("dstport", Arc::new(Int32Array::from(vec![443; rows]))),
        ("protocol", Arc::new(Int32Array::from(vec![6; rows]))),
        ("packets", Arc::new(Int64Array::from(vec![3; rows]))),
        ("bytes", Arc::new(Int64Array::from(vec![180; rows]))),
        (
            "start",
            Arc::new(Int64Array::from(vec![1_745_193_600; rows])),
        ),
        ("end", Arc::new(Int64Array::from(vec![1_745_193_660; rows]))),
        ("action", Arc::new(StringArray::from(vec!["ACCEPT"; rows]))),
        ("log_status", Arc::new(StringArray::from(vec!["OK"; rows]))),
    ]
}

fn replaced(
    mut columns: Vec<(&'static str, ArrayRef)>,
    name: &str,
    column: Option<ArrayRef>,
) -> Vec<(&'static str, ArrayRef)> {
    let at = columns.iter().position(|(n, _)| *n == name).unwrap();
    match column {
        Some(column) => columns[at].1 = column,
        None => drop(columns.remove(at)),
    }
    columns
}

#[test]
fn odd_parquet_files_are_accounted_or_refused_by_name() {
    let network = Network::load(&[demo_dir().join("inventory")]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    // An ENI of the demo inventory (an unknown one is kept apart, whatever its fields).
    let eni = "eni-10c0c00bd3b49d12e";
    let good = write(dir.path(), "good.parquet", v2(5, eni));
    // A boolean port: the file is refused when opened, naming the column.
    let wrong_type = write(
        dir.path(),
        "wrong-type.parquet",
        replaced(
            v2(3, eni),
            "dstport",
            Some(Arc::new(BooleanArray::from(vec![true; 3]))),
        ),
    );
    // No `action`: read and counted, nothing attributed.
    let no_action = write(
        dir.path(),
        "no-action.parquet",
        replaced(v2(4, eni), "action", None),
    );
    // Nulls where a record needs a value: an ENI (not attributed, no interface), an address
    // (incomplete); a port beyond 65535 (a malformed row).
    let nulls = write(
        dir.path(),
        "nulls.parquet",
        replaced(
            replaced(
                replaced(
                    v2(5, eni),
                    "interface_id",
                    Some(Arc::new(StringArray::from(vec![
                        Some(eni),
                        None,
                        Some(eni),
                        Some(eni),
                        Some(eni),
                    ]))),
                ),
                "srcaddr",
                Some(Arc::new(StringArray::from(vec![
                    Some("10.34.1.1"),
                    Some("10.34.1.1"),
                    None,
                    Some("10.34.1.1"),
                    Some("10.34.1.1"),
                ]))),
            ),
            "dstport",
            Some(Arc::new(Int32Array::from(vec![443, 443, 443, 443, 70_000]))),
        ),
    );
    // The good file cut short: no footer.
    let bytes = std::fs::read(&good).unwrap();
    let truncated = dir.path().join("truncated.parquet");
    std::fs::write(&truncated, &bytes[..bytes.len() - 20]).unwrap();
    // The good file with its data scrambled past the header: its pages do not read.
    let mut scrambled = bytes.clone();
    for byte in &mut scrambled[8..bytes.len() / 2] {
        *byte = byte.wrapping_mul(31).wrapping_add(7);
    }
    let corrupt = dir.path().join("corrupt.parquet");
    std::fs::write(&corrupt, &scrambled).unwrap();

    let paths = [&good, &wrong_type, &no_action, &nulls, &truncated, &corrupt];
    let sources = flowsieve::log::discover(&paths).unwrap();
    let report = in_pool(2, || {
        analyze(&AnalysisConfig::new(), &network, &sources).unwrap()
    });
    let s = &report.summary;
    let failed: Vec<&str> = s.file_errors.iter().map(|e| e.file.as_str()).collect();
    for name in ["wrong-type.parquet", "truncated.parquet", "corrupt.parquet"] {
        assert!(
            failed.iter().any(|f| f.ends_with(name)),
            "{name} in {failed:?}"
        );
    }
    let wrong = s
        .file_errors
        .iter()
        .find(|e| e.file.ends_with("wrong-type.parquet"))
        .unwrap();
    assert!(wrong.error.contains("dstport"), "{}", wrong.error);
    assert_eq!(s.unusable_logs.len(), 1);
    assert!(s.unusable_logs[0].file.ends_with("no-action.parquet"));
    assert_eq!(s.unusable_logs[0].records, 4);
    assert_eq!(s.unattributed.unusable_format, 4);
    assert_eq!(s.unattributed.no_interface, 1);
    assert_eq!(s.unattributed.incomplete, 1);
    assert_eq!(s.malformed, 1);
    assert_eq!(s.malformed_by_reason.get("number_out_of_range"), Some(&1));
    assert_eq!(s.samples[0].line, 5);
    // Good: 5, no-action: 4, nulls: 4 of 5 (one malformed).
    assert_eq!(s.records, 13);

    // Strict: the first failure is the error.
    let strict = analyze(
        &AnalysisConfig::new().with_strict(true),
        &network,
        &flowsieve::log::discover(&[&wrong_type]).unwrap(),
    );
    assert!(strict.is_err());
    // A reader of the scrambled file fails with a typed error naming it, never a panic.
    let err = ParquetFlowReader::try_new(
        std::fs::File::open(&corrupt).unwrap(),
        ReaderBuilder::new().with_source_label("corrupt.parquet"),
    )
    .and_then(|reader| reader.collect::<Result<Vec<_>, _>>())
    .unwrap_err();
    assert!(err.to_string().contains("corrupt.parquet"), "{err}");
}

//! Arrow in from other tools: pyarrow, DuckDB and Polars each read the same flow-log text with
//! their own CSV reader, shape it as their users would (timestamps, narrower integers,
//! dictionaries, upper-case or snake_case names, string views), and write Arrow IPC files from
//! the project's Python environment (`scripts/arrow_engines.py`). The conformer must turn every
//! one of them into the batch the text reader makes of the text, and refuse the same rows for
//! the same reasons.

use std::path::Path;
use std::process::Command;

use flowsieve_log::{FieldName, FlowField, FlowRecordBatch, LineStats, ReaderBuilder};

use crate::common::{Value, named_rows, read, read_testdata};

/// The engines `scripts/arrow_engines.py` writes a file with, in its file names.
const ENGINE_NAMES: [&str; 3] = ["pyarrow", "duckdb", "polars"];

/// The v2 header, for the documentation's records that have none (the default format).
const V2_HEADER: &str = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n";

/// Records every engine reads as ordinary values but flowsieve refuses: a port, a protocol,
/// an address and an action out of their field's range.
const REFUSED: &str = "\
version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status
2 123456789010 eni-1 10.0.0.1 10.0.0.2 40000 443 6 5 900 1700000000 1700000060 ACCEPT OK
2 123456789010 eni-1 10.0.0.1 10.0.0.2 40000 99999 6 5 900 1700000000 1700000060 ACCEPT OK
2 123456789010 eni-1 10.0.0.1 10.0.0.2 40000 443 300 5 900 1700000000 1700000060 ACCEPT OK
2 123456789010 eni-1 10.0.0.256 10.0.0.2 40000 443 6 5 900 1700000000 1700000060 ACCEPT OK
2 123456789010 eni-1 10.0.0.1 10.0.0.2 40000 443 6 5 900 1700000000 1700000060 DROP OK
2 123456789010 eni-2 - - - - - - - 1700000000 1700000060 - NODATA
2 123456789010 eni-1 10.0.0.3 10.0.0.2 40001 22 6 1 60 1700000000 1700000060 REJECT OK
";

/// The inputs: (file stem, text with a header line).
fn inputs() -> Vec<(&'static str, Vec<u8>)> {
    let v2 = [
        V2_HEADER.as_bytes(),
        &read_testdata("logs/flowlogs-v2-default-docs.log"),
    ]
    .concat();
    vec![
        ("v2-docs", v2),
        (
            "v5-docs",
            read_testdata("logs/flowlogs-v5-service-traffic-path-docs.log"),
        ),
        ("v7-ecs", read_testdata("logs/flowlogs-v7-ecs-fixture.log")),
        ("refused", REFUSED.as_bytes().to_vec()),
    ]
}

/// Writes the inputs and has every engine convert them (`scripts/arrow-engines.sh`, in the
/// project's Python environment); returns the directory. Fails the test, saying why, when the
/// environment cannot be made: an interop test never passes without having run.
fn engine_files() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut paths = Vec::new();
    for (stem, text) in inputs() {
        let path = dir.path().join(format!("{stem}.log"));
        std::fs::write(&path, text).expect("write input");
        paths.push(path);
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/arrow-engines.sh");
    let out = Command::new("bash")
        .arg(script)
        .arg(dir.path())
        .args(&paths)
        .output()
        .expect("run bash");
    assert!(
        out.status.success(),
        "scripts/arrow-engines.sh failed (it needs python3 with venv, and PyPI the first time):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

/// Conforms every batch of an Arrow IPC file.
fn conform_file(path: &Path, builder: ReaderBuilder) -> (Vec<FlowRecordBatch>, LineStats) {
    let file = std::fs::File::open(path).expect("open the IPC file");
    let reader = arrow_ipc::reader::FileReader::try_new(file, None).expect("an IPC file");
    let mut conformer = builder
        .build_conformer(reader.schema())
        .unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    let batches = reader
        .map(|batch| {
            let batch = batch.expect("an IPC batch");
            conformer.conform(&batch).expect("conformed")
        })
        .collect();
    (batches, conformer.stats().clone())
}

fn all_rows(batches: &[FlowRecordBatch]) -> Vec<Vec<(String, Value)>> {
    batches.iter().flat_map(named_rows).collect()
}

/// What a refused row is, whatever its numbering (a text line counts the header, a table row
/// does not): the reason and the field.
fn refusals(stats: &LineStats) -> Vec<(String, Option<String>)> {
    stats
        .samples
        .iter()
        .map(|issue| (issue.kind.to_string(), issue.field.clone()))
        .collect()
}

#[test]
fn pyarrow_duckdb_and_polars_batches_conform_to_the_text_readers() {
    let dir = engine_files();
    let projection = [
        FlowField::InterfaceId,
        FlowField::DstPort,
        FlowField::Start,
        FlowField::Action,
        FlowField::FlowDirection,
    ];
    for builder in [
        ReaderBuilder::new(),
        ReaderBuilder::new().with_projection(projection),
    ] {
        for (stem, text) in inputs() {
            let expected = read(builder.clone(), &text).ok();
            let schema = expected.batches[0].schema();
            for engine in ENGINE_NAMES {
                let path = dir.path().join(format!("{engine}-{stem}.arrow"));
                let (batches, stats) = conform_file(&path, builder.clone());
                let what = format!("{engine}, {stem}, projection {:?}", builder.projection());
                for batch in &batches {
                    assert_eq!(batch.schema(), schema, "{what}");
                }
                assert_eq!(all_rows(&batches), expected.named_rows(), "{what}");
                let counts = |s: &LineStats| {
                    (
                        s.counts.records,
                        s.counts.nodata,
                        s.counts.skipdata,
                        s.counts.malformed,
                    )
                };
                assert_eq!(counts(&stats), counts(&expected.stats), "{what}");
                assert_eq!(refusals(&stats), refusals(&expected.stats), "{what}");
            }
        }
    }
}

/// The checks above are not vacuous: the fixtures hold what they are meant to exercise.
#[test]
fn the_fixtures_exercise_refusals_nodata_and_every_closed_column() {
    let outcomes: Vec<_> = inputs()
        .into_iter()
        .map(|(_, text)| read(ReaderBuilder::new(), &text).ok())
        .collect();
    let stats: Vec<&LineStats> = outcomes.iter().map(|o| &o.stats).collect();
    assert_eq!(stats.iter().map(|s| s.counts.malformed).sum::<u64>(), 4);
    assert!(stats.iter().map(|s| s.counts.nodata).sum::<u64>() >= 2);
    assert!(stats.iter().map(|s| s.counts.skipdata).sum::<u64>() >= 1);
    let columns: Vec<FieldName> = outcomes
        .iter()
        .flat_map(|o| o.columns())
        .map(|c| FieldName::from_column(&c))
        .collect();
    for field in [
        FlowField::Action,
        FlowField::LogStatus,
        FlowField::FlowDirection,
        FlowField::Type,
        FlowField::AccountId,
        FlowField::PktSrcAddr,
    ] {
        assert!(columns.contains(&field.into()), "{field:?}");
    }
}

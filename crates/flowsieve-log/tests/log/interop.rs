//! Arrow in from other tools: pyarrow, DuckDB and Polars each read the same flow-log text with
//! their own CSV reader, shape it as their users would (timestamps, narrower integers,
//! dictionaries, upper-case or snake_case names, string views), and write Arrow IPC files from
//! the project's Python environment (`scripts/python-env.sh`). The conformer must turn every
//! one of them into the batch the text reader makes of the text, and refuse the same rows for
//! the same reasons.

use std::path::{Path, PathBuf};
use std::process::Command;

use flowsieve_log::{FieldName, FlowField, FlowRecordBatch, LineStats, ReaderBuilder};

use crate::common::{Value, named_rows, read, read_testdata};

/// Reads every `*.log` file given after the output directory with each engine and writes
/// `<engine>-<stem>.arrow` there.
const ENGINES: &str = r#"
import pathlib, sys
import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

CLOSED = ("action", "log-status", "flow-direction", "type")
TIMES = ("start", "end")

def write(path, table):
    with pa.ipc.new_file(path, table.schema) as sink:
        sink.write_table(table)

def with_pyarrow(path):
    # The CSV reader's own inference: int64, string, `null` for an all-`-` column; times as
    # timestamp[s, UTC]; the closed columns dictionary-encoded.
    table = pacsv.read_csv(
        path,
        parse_options=pacsv.ParseOptions(delimiter=" "),
        convert_options=pacsv.ConvertOptions(null_values=["-"], strings_can_be_null=True),
    )
    columns = []
    for name, column in zip(table.column_names, table.columns):
        if name in TIMES:
            column = column.cast(pa.timestamp("s", tz="UTC"))
        elif name in CLOSED:
            column = pc.dictionary_encode(column)
        columns.append(column)
    return pa.table(columns, names=table.column_names)

def with_duckdb(path):
    # BIGINT and VARCHAR, TIMESTAMPTZ from to_timestamp, INTEGER ports and
    # protocol, upper-case names.
    con = duckdb.connect()
    rel = con.sql(f"FROM read_csv('{path}', delim=' ', header=true, nullstr='-')")
    exprs = []
    for name in rel.columns:
        value = f'"{name}"'
        if name in TIMES:
            value = f"to_timestamp({value})"
        elif name in ("srcport", "dstport", "protocol"):
            value = f"{value}::INTEGER"
        exprs.append(f'{value} AS "{name.upper()}"')
    return con.sql(f"SELECT {', '.join(exprs)} FROM rel").arrow().read_all()

def with_polars(path):
    # Int64 and String, snake_case names, Datetime from from_epoch, Categorical closed columns;
    # written by Polars' own IPC writer.
    df = pl.read_csv(path, separator=" ", null_values="-")
    df = df.with_columns(
        [pl.from_epoch(c, time_unit="s") for c in TIMES if c in df.columns]
        + [pl.col(c).cast(pl.Categorical) for c in CLOSED if c in df.columns]
    )
    return df.rename({c: c.replace("-", "_") for c in df.columns})

out = pathlib.Path(sys.argv[1])
for path in map(pathlib.Path, sys.argv[2:]):
    write(out / f"pyarrow-{path.stem}.arrow", with_pyarrow(path))
    write(out / f"duckdb-{path.stem}.arrow", with_duckdb(path))
    with_polars(path).write_ipc(out / f"polars-{path.stem}.arrow", compression="uncompressed")
"#;

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

/// The project's Python environment's interpreter; fails the test, saying why, when the
/// environment cannot be made (an interop test never passes without having run).
fn python() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new("bash")
        .arg(root.join("scripts/python-env.sh"))
        .output()
        .expect("run bash");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "scripts/python-env.sh failed (python3 with venv, and PyPI the first time, are needed):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(stdout.trim())
}

/// Writes the inputs, has every engine convert them, and returns the directory.
fn engine_files() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut paths = Vec::new();
    for (stem, text) in inputs() {
        let path = dir.path().join(format!("{stem}.log"));
        std::fs::write(&path, text).expect("write input");
        paths.push(path);
    }
    let out = Command::new(python())
        .arg("-c")
        .arg(ENGINES)
        .arg(dir.path())
        .args(&paths)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "the engines failed:\n{}",
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
                let counts = |s: &LineStats| (s.records, s.nodata, s.skipdata, s.malformed);
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
    assert_eq!(stats.iter().map(|s| s.malformed).sum::<u64>(), 4);
    assert!(stats.iter().map(|s| s.nodata).sum::<u64>() >= 2);
    assert!(stats.iter().map(|s| s.skipdata).sum::<u64>() >= 1);
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

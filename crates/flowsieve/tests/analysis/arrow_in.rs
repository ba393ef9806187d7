//! Arrow in, report out: the demo archive's objects as pyarrow, DuckDB and Polars users hold
//! them (written as Arrow IPC by `scripts/arrow-engines.sh` in the project's Python
//! environment), conformed by `FlowConformer` and fed to an `Analyzer`, give the report the
//! same analysis gives from the text.

use std::path::Path;
use std::process::Command;

use flowsieve::log::{Source, discover, open};
use flowsieve::{AnalysisConfig, Analyzer, Network};

use crate::common::demo_dir;

/// The report of `add` feeding an analyzer of the demo network (line accounting left out: a
/// text object counts its header line, a table has none).
fn report(network: &std::sync::Arc<Network>, add: impl FnOnce(&mut Analyzer)) -> String {
    let mut analyzer = Analyzer::new(&AnalysisConfig::new(), network.clone());
    add(&mut analyzer);
    analyzer.finish().to_json().expect("a report")
}

/// Every engine's files of the demo objects, in a temporary directory.
fn engine_files(sources: &[Source]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/arrow-engines.sh");
    let out = Command::new("bash")
        .arg(script)
        .arg(dir.path())
        .args(sources.iter().map(|s| s.path().expect("a local file")))
        .output()
        .expect("run bash");
    assert!(
        out.status.success(),
        "scripts/arrow-engines.sh failed (it needs python3 with venv, and PyPI the first time):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

#[test]
fn pyarrow_duckdb_and_polars_batches_give_the_texts_report() {
    let network = std::sync::Arc::new(Network::load(&[demo_dir().join("inventory")]).unwrap());
    let sources = discover(&[demo_dir().join("logs")]).unwrap();
    assert!(sources.len() > 20);
    let builder = AnalysisConfig::new().reader_builder();
    let mut rows = 0;
    let expected = report(&network, |analyzer| {
        for source in &sources {
            for batch in open(source, &builder).expect("a demo object") {
                let batch = batch.expect("a batch");
                rows += batch.num_rows();
                analyzer.add_batch(&batch);
            }
        }
    });
    assert!(
        expected.contains("\"unused\""),
        "the demo proves rules unused"
    );
    let dir = engine_files(&sources);
    for engine in ["pyarrow", "duckdb", "polars"] {
        let mut conformed = 0;
        let got = report(&network, |analyzer| {
            for source in &sources {
                let name = source
                    .path()
                    .unwrap()
                    .file_name()
                    .unwrap()
                    .to_string_lossy();
                let stem = name.trim_end_matches(".log.gz");
                let path = dir.path().join(format!("{engine}-{stem}.arrow"));
                let file = std::fs::File::open(&path).expect("an engine's file");
                let reader = arrow_ipc::reader::FileReader::try_new(file, None).unwrap();
                let mut conformer = builder.clone().build_conformer(reader.schema()).unwrap();
                for batch in reader {
                    let batch = conformer.conform(&batch.unwrap()).expect("conformed");
                    conformed += batch.num_rows();
                    analyzer.add_batch(&batch);
                }
                assert_eq!(conformer.stats().counts.malformed, 0, "{engine}: {name}");
            }
        });
        assert_eq!(conformed, rows, "{engine}");
        let first_difference = got.lines().zip(expected.lines()).position(|(a, b)| a != b);
        assert!(
            got == expected,
            "{engine}: the report differs from the text's, first at line {first_difference:?}"
        );
    }
}

use std::sync::Mutex;

use super::*;
use crate::parquet::ParquetFlowReader;
use crate::source::discover;

const V2: &str = include_str!("../../../../testdata/logs/flowlogs-v2-default-docs.log");
const TCP_FLAGS: &str = include_str!("../../../../testdata/logs/flowlogs-v3-tcp-flags-docs.log");

/// `logs/`: a v2 text file (gzip), a tcp-flags file with one malformed line, a JSON file.
fn logs(dir: &Path) -> Vec<Source> {
    let logs = dir.join("logs");
    fs::create_dir_all(logs.join("b")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(V2.as_bytes()).unwrap();
    fs::write(logs.join("a.log.gz"), gz.finish().unwrap()).unwrap();
    fs::write(logs.join("b/c.log"), TCP_FLAGS).unwrap();
    fs::write(logs.join("d.json"), "{\"messageType\": \"DATA_MESSAGE\"}").unwrap();
    discover(&[logs]).unwrap()
}

/// What `on_file` was told of each input: (label, error).
type Told = Vec<(String, Option<String>)>;

/// Runs a conversion, collecting what `on_file` was told.
fn run<O: ParquetOutputs>(
    converter: &Converter,
    inputs: &[Source],
    target: &ConvertTarget,
    outputs: &O,
) -> (Result<ConversionSummary, ConvertError>, Told) {
    let mut told = Vec::new();
    let result = converter.convert(inputs, target, outputs, |file| {
        told.push((
            file.source.label().to_string(),
            file.error.map(str::to_owned),
        ))
    });
    (result, told)
}

/// A written file's column names and rows, read back.
fn rows(path: &Path) -> (Vec<String>, usize) {
    let file = fs::File::open(path).unwrap();
    let reader = ParquetFlowReader::try_new(file, ReaderBuilder::new()).unwrap();
    let schema = reader.schema();
    let rows = reader.map(|batch| batch.unwrap().num_rows()).sum();
    (
        schema.fields().iter().map(|f| f.name().clone()).collect(),
        rows,
    )
}

#[test]
fn one_file_holds_the_union_in_input_order_whatever_the_threads() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = logs(dir.path());
    let mut written = Vec::new();
    for threads in [1, 3] {
        let out = dir.path().join(format!("all-{threads}.parquet"));
        let target = ConvertTarget::File(out.clone());
        let converter = Converter {
            threads,
            compression: ParquetCompression::Gzip,
            ..Converter::new(ReaderBuilder::new().with_batch_size(3))
        };
        let (summary, told) = run(&converter, &inputs, &target, &PlainFiles);
        let summary = summary.unwrap();
        // Told in input order; the JSON file fails and the run goes on.
        let labels: Vec<&str> = told.iter().map(|(l, _)| l.as_str()).collect();
        assert!(labels[0].ends_with("a.log.gz") && labels[2].ends_with("d.json"));
        assert!(told[2].1.as_deref().unwrap().contains("this is JSON"));
        assert_eq!(
            (summary.files, summary.files_failed, summary.output_files),
            (3, 1, 1)
        );
        assert_eq!(summary.errors[0].file, labels[2]);
        assert_eq!(summary.rows_written, 14);
        assert_eq!(summary.malformed_by_reason.get("empty_field"), Some(1));
        assert_eq!(summary.bytes_out, fs::metadata(&out).unwrap().len());
        assert_eq!(summary.output_kind, OutputKind::File);
        let (columns, rows) = self::rows(&out);
        assert_eq!(rows, 14);
        assert_eq!(columns[..2], ["version", "account_id"]);
        assert!(columns.contains(&"tcp_flags".to_owned()));
        written.push(fs::read(&out).unwrap());
    }
    assert_eq!(written[0], written[1], "the bytes do not depend on threads");
}

#[test]
fn a_directory_gets_one_file_per_input_at_its_relative_path() {
    let dir = tempfile::tempdir().unwrap();
    let mut inputs = logs(dir.path());
    let out = dir.path().join("out");
    let target = ConvertTarget::Directory(out.clone());
    // A second source that would land on the same output fails, naming the first.
    inputs.push(inputs[1].clone().with_relative_path("b/c.log.gz"));
    let converter = Converter {
        compression: ParquetCompression::Gzip,
        ..Converter::new(ReaderBuilder::new())
    };
    let (summary, _) = run(&converter, &inputs, &target, &PlainFiles);
    let summary = summary.unwrap();
    assert_eq!((summary.output_files, summary.files_failed), (2, 2));
    assert_eq!(rows(&out.join("a.parquet")).1, 7);
    let (columns, rows) = self::rows(&out.join("b/c.parquet"));
    assert_eq!((columns.len(), rows), (21, 7));
    assert!(
        summary.errors[1]
            .message
            .ends_with(&format!("is already written for {}", inputs[1].label())),
        "{:?}",
        summary.errors
    );
    assert_eq!(summary.output_kind, OutputKind::Directory);
}

/// Outputs in memory, whose commit fails for one file name.
#[derive(Default)]
struct Refusing {
    committed: Mutex<Vec<String>>,
}

struct Named(String);

impl Write for Named {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl ParquetOutputs for Refusing {
    type Output = Named;

    fn create(&self, path: &Path) -> Result<Named, BoxError> {
        Ok(Named(path.file_name().unwrap().to_string_lossy().into()))
    }

    fn commit(&self, output: Named) -> Result<(), BoxError> {
        if output.0 == "a.parquet" {
            return Err(io::Error::other(format!("cannot put {} in place", output.0)).into());
        }
        self.committed.lock().unwrap().push(output.0);
        Ok(())
    }
}

/// The inputs of [`logs`], and a directory target through [`Refusing`] outputs.
fn refusing() -> (tempfile::TempDir, Vec<Source>, Refusing, ConvertTarget) {
    let dir = tempfile::tempdir().unwrap();
    let inputs = logs(dir.path());
    let target = ConvertTarget::Directory(dir.path().join("out"));
    (dir, inputs, Refusing::default(), target)
}

#[test]
fn an_output_that_cannot_be_put_in_place_is_its_inputs_failure() {
    let (dir, inputs, outputs, target) = refusing();
    let converter = Converter::new(ReaderBuilder::new());
    let (summary, told) = run(&converter, &inputs, &target, &outputs);
    let summary = summary.unwrap();
    assert_eq!(
        told[0].1.as_deref(),
        Some(format!("{}: cannot put a.parquet in place", inputs[0].label()).as_str())
    );
    assert_eq!(*outputs.committed.lock().unwrap(), ["c.parquet"]);
    assert_eq!(summary.output_files, 1);

    // One file: the output's failure stops the conversion.
    let one = ConvertTarget::File(dir.path().join("a.parquet"));
    let (result, _) = run(&converter, &inputs, &one, &outputs);
    let err = result.unwrap_err();
    assert!(matches!(err, ConvertError::Output(_)));
    assert_eq!(err.to_string(), "cannot put a.parquet in place");
}

#[test]
fn a_strict_conversion_stops_at_the_first_problem_and_commits_nothing_after() {
    let (_dir, inputs, outputs, target) = refusing();
    let strict = Converter {
        threads: 4,
        ..Converter::new(ReaderBuilder::new().with_strict(true))
    };
    let (result, told) = run(&strict, &inputs, &target, &outputs);
    let err = result.unwrap_err();
    // a.log.gz is fine (its commit is refused, which stops a strict run too).
    assert_eq!(told.len(), 1);
    assert!(
        err.to_string().contains("cannot put a.parquet in place"),
        "{err}"
    );

    let (result, told) = run(&strict, &inputs[1..], &target, &outputs);
    let err = result.unwrap_err();
    assert_eq!(told.len(), 1);
    assert!(
        err.to_string()
            .contains(":9: malformed line: empty_field in field `pkt-srcaddr`"),
        "{err}"
    );
    assert!(outputs.committed.lock().unwrap().is_empty());
}

#[test]
fn nothing_readable_writes_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = logs(dir.path());
    let out = dir.path().join("none.parquet");
    let (summary, told) = run(
        &Converter::new(ReaderBuilder::new()),
        &inputs[2..],
        &ConvertTarget::File(out.clone()),
        &PlainFiles,
    );
    let summary = summary.unwrap();
    assert_eq!((summary.files_failed, summary.output_files), (1, 0));
    assert_eq!(told.len(), 1);
    assert!(!out.exists());
}

//! Sources: where flow-log objects come from, how their kind is recognised (by content, never by
//! name), and how many of them are read in parallel.
//!
//! * [`discover`] walks files and directories into a sorted, de-duplicated list of [`Source`]s,
//!   each with what its S3-style key says ([`LogObjectKey`]).
//! * [`open`] sniffs the first bytes: gzip (`1f 8b`, multi-member) → streaming decompression,
//!   Parquet (`PAR1`) → [`crate::ParquetFlowReader`], JSON → refused with a clear message,
//!   anything else → plain text.
//! * [`read_parallel`] maps a function over sources with rayon, one reader per source, results
//!   in source order whatever the number of threads.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use flate2::bufread::MultiGzDecoder;
use rayon::prelude::*;

use crate::batch::FlowRecordBatch;
use crate::error::{Error, ErrorKind, Result};
use crate::format::LogFormat;
use crate::key::LogObjectKey;
use crate::parquet::ParquetFlowReader;
use crate::reader::{FlowLogReader, ReaderBuilder};
use crate::stats::LineStats;

/// Buffer between the file and the gzip decoder.
const FILE_BUFFER: usize = 256 * 1024;

/// One flow-log object to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    path: PathBuf,
    label: Arc<str>,
    key: LogObjectKey,
    size: u64,
}

impl Source {
    /// A local file. The label (used in issues and errors) is the path as given.
    pub fn local(path: impl Into<PathBuf>) -> Result<Source> {
        let path = path.into();
        let size = std::fs::metadata(&path)
            .map_err(|source| {
                Error::from(ErrorKind::Path {
                    path: path.clone(),
                    source,
                })
            })?
            .len();
        let label: Arc<str> = Arc::from(path.display().to_string());
        let key = LogObjectKey::parse(&label);
        Ok(Source {
            path,
            label,
            key,
            size,
        })
    }

    /// The file path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The label used in issues and errors.
    pub fn label(&self) -> &Arc<str> {
        &self.label
    }

    /// What the path says about the object (account, region, date, window).
    pub fn key(&self) -> &LogObjectKey {
        &self.key
    }

    /// Size in bytes as stored (compressed for gzip).
    pub fn size(&self) -> u64 {
        self.size
    }
}

/// Walks files and directories (recursively, in name order, skipping hidden entries) into a
/// list of sources. A path that does not exist is an error naming it. The same file reached
/// twice is listed once.
pub fn discover<P: AsRef<Path>>(paths: &[P]) -> Result<Vec<Source>> {
    let mut sources = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for path in paths {
        let path = path.as_ref();
        let meta = std::fs::metadata(path).map_err(|source| {
            Error::from(ErrorKind::Path {
                path: path.to_owned(),
                source,
            })
        })?;
        if meta.is_file() {
            if seen.insert(canonical(path)) {
                sources.push(Source::local(path)?);
            }
            continue;
        }
        let walker = walkdir::WalkDir::new(path)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
        for entry in walker {
            let entry = entry.map_err(|err| {
                let at = err.path().unwrap_or(path).to_owned();
                let source = err.into_io_error().unwrap_or_else(|| {
                    std::io::Error::other("filesystem loop while walking the directory")
                });
                Error::from(ErrorKind::Path { path: at, source })
            })?;
            if entry.file_type().is_file() && seen.insert(canonical(entry.path())) {
                sources.push(Source::local(entry.path())?);
            }
        }
    }
    Ok(sources)
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned())
}

/// What a source's first bytes say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// gzip (`1f 8b`), possibly several members.
    Gzip,
    /// Parquet (`PAR1`).
    Parquet,
    /// Anything else: read as flow-log text.
    Text,
}

/// Recognises the kind of input from its first bytes.
pub fn sniff(first_bytes: &[u8]) -> InputKind {
    if first_bytes.starts_with(&[0x1f, 0x8b]) {
        InputKind::Gzip
    } else if first_bytes.starts_with(b"PAR1") {
        InputKind::Parquet
    } else {
        InputKind::Text
    }
}

/// A reader of one source, whatever its kind.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum SourceReader {
    /// Text, plain or gzip.
    Text(FlowLogReader<Box<dyn Read + Send>>),
    /// Parquet.
    Parquet(ParquetFlowReader),
}

impl SourceReader {
    /// Line (or, for Parquet, row) accounting so far.
    pub fn stats(&self) -> &LineStats {
        match self {
            SourceReader::Text(reader) => reader.stats(),
            SourceReader::Parquet(reader) => reader.stats(),
        }
    }
}

impl Iterator for SourceReader {
    type Item = Result<FlowRecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            SourceReader::Text(reader) => reader.next(),
            SourceReader::Parquet(reader) => reader.next(),
        }
    }
}

/// Opens a source for reading: sniffs its kind, decompresses gzip as a stream.
pub fn open(source: &Source, builder: &ReaderBuilder) -> Result<SourceReader> {
    let label = source.label().clone();
    let builder = builder.clone().with_source_label(label.clone());
    let file = File::open(source.path()).map_err(|err| Error::io(label.to_string(), err))?;
    let mut file = BufReader::with_capacity(FILE_BUFFER, file);
    let head = file
        .fill_buf()
        .map_err(|err| Error::io(label.to_string(), err))?;
    match sniff(head) {
        InputKind::Parquet => {
            let file = file.into_inner();
            Ok(SourceReader::Parquet(ParquetFlowReader::try_new(
                file, builder,
            )?))
        }
        InputKind::Gzip => {
            let mut text = BufReader::with_capacity(64 * 1024, MultiGzDecoder::new(file));
            // A gzip stream that is cut inside its header fails here already; report it as the
            // reader would.
            match text.fill_buf() {
                Ok(head) => refuse_json(head, &label)?,
                Err(err) => {
                    return Ok(SourceReader::Text(
                        builder.build(Box::new(FailingRead(Some(err))) as Box<dyn Read + Send>)?,
                    ));
                }
            }
            Ok(SourceReader::Text(
                builder.build(Box::new(text) as Box<dyn Read + Send>)?,
            ))
        }
        InputKind::Text => {
            refuse_json(head, &label)?;
            Ok(SourceReader::Text(
                builder.build(Box::new(file) as Box<dyn Read + Send>)?,
            ))
        }
    }
}

/// Hands out one stored error: lets a failure found while sniffing surface through the reader
/// like any other read error (with its line accounting).
struct FailingRead(Option<std::io::Error>);

impl Read for FailingRead {
    fn read(&mut self, _buf: &mut [u8]) -> std::io::Result<usize> {
        match self.0.take() {
            Some(err) => Err(err),
            None => Ok(0),
        }
    }
}

/// JSON (a CloudWatch Logs subscription payload, an API response) is not flow-log text.
fn refuse_json(head: &[u8], label: &str) -> Result<()> {
    let first = head.iter().find(|b| !b.is_ascii_whitespace());
    if matches!(first, Some(b'{') | Some(b'[')) {
        return Err(Error::from(ErrorKind::UnsupportedRecordType {
            source_label: label.to_owned(),
            reason: "this is JSON (a CloudWatch Logs payload or an API response), not flow-log \
                     text; export the records as text or point flowsieve at the S3 objects"
                .to_owned(),
        }));
    }
    Ok(())
}

/// The format a source declares: its header line (text) or its columns (Parquet). `None` for
/// header-less text, whose format is the configured one or the default v2.
pub fn peek_format(source: &Source) -> Result<Option<LogFormat>> {
    let reader = open(
        source,
        &ReaderBuilder::new().with_batch_size(1).with_sample_limit(0),
    )?;
    match reader {
        SourceReader::Parquet(reader) => Ok(Some(reader.file_format().clone())),
        SourceReader::Text(mut reader) => {
            // Reading the first batch of one row reads the header (if any) first.
            match reader.next() {
                Some(Err(err)) if !matches!(err.kind(), ErrorKind::Truncated { .. }) => Err(err),
                _ if reader.stats().header > 0 => Ok(Some(reader.format().clone())),
                _ => Ok(None),
            }
        }
    }
}

/// Runs `f` on every source in parallel (rayon), each with its own reader, and returns the
/// results in source order: the result does not depend on the number of threads.
///
/// ```no_run
/// use flowsieve_log::{discover, read_parallel, ReaderBuilder};
///
/// let sources = discover(&["archive/AWSLogs"])?;
/// let rows: Vec<u64> = read_parallel(&sources, &ReaderBuilder::new(), |_source, reader| {
///     reader.map(|r| r.flat_map(|b| b.ok()).map(|b| b.num_rows() as u64).sum()).unwrap_or(0)
/// });
/// println!("{} rows", rows.iter().sum::<u64>());
/// # Ok::<(), flowsieve_log::Error>(())
/// ```
pub fn read_parallel<T, F>(sources: &[Source], builder: &ReaderBuilder, f: F) -> Vec<T>
where
    T: Send,
    F: Fn(&Source, Result<SourceReader>) -> T + Sync + Send,
{
    sources
        .par_iter()
        .map(|source| f(source, open(source, builder)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(text: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(text).unwrap();
        encoder.finish().unwrap()
    }

    fn count(source: &Source) -> (u64, LineStats, Option<Error>) {
        let mut reader = open(source, &ReaderBuilder::new()).unwrap();
        let mut rows = 0;
        let mut error = None;
        for batch in reader.by_ref() {
            match batch {
                Ok(batch) => rows += batch.num_rows() as u64,
                Err(err) => error = Some(err),
            }
        }
        (rows, reader.stats().clone(), error)
    }

    const DOCS: &[u8] = include_bytes!("../../../testdata/logs/flowlogs-v2-default-docs.log");

    #[test]
    fn gzip_multi_member_and_plain_read_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("a.log");
        std::fs::write(&plain, DOCS).unwrap();
        let multi = dir.path().join("b.bin");
        let (first, second) = DOCS.split_at(300);
        let mut bytes = gzip(first);
        bytes.extend(gzip(second));
        std::fs::write(&multi, bytes).unwrap();
        let (rows_plain, stats_plain, _) = count(&Source::local(&plain).unwrap());
        let (rows_gz, stats_gz, err) = count(&Source::local(&multi).unwrap());
        assert!(err.is_none());
        assert_eq!((rows_plain, rows_gz), (7, 7));
        assert_eq!(stats_plain.records, stats_gz.records);
    }

    #[test]
    fn truncated_gzip_names_the_file_and_keeps_earlier_records() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cut.log.gz");
        let mut text = Vec::new();
        for _ in 0..2000 {
            text.extend_from_slice(DOCS);
        }
        let bytes = gzip(&text);
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        let (rows, stats, err) = count(&Source::local(&path).unwrap());
        let err = err.expect("truncation is an error");
        assert!(matches!(err.kind(), ErrorKind::Truncated { .. }), "{err}");
        assert!(err.to_string().contains("cut.log.gz"));
        assert!(rows > 1000, "{rows}");
        assert_eq!(stats.rows(), rows);
        assert_eq!(stats.malformed_by_reason[8], 1);
    }

    #[test]
    fn json_is_refused_clearly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("payload.gz");
        std::fs::write(&path, gzip(b"{\"messageType\":\"DATA_MESSAGE\"}")).unwrap();
        let err = open(&Source::local(&path).unwrap(), &ReaderBuilder::new()).unwrap_err();
        assert!(err.to_string().contains("JSON"), "{err}");
    }

    #[test]
    fn discover_walks_sorted_and_skips_hidden() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("b/c")).unwrap();
        for name in ["b/c/2.log", "b/1.log", "a.log", ".hidden.log", "b/.x/3.log"] {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, DOCS).unwrap();
        }
        let file = dir.path().join("a.log");
        let sources = discover(&[dir.path().to_path_buf(), file]).unwrap();
        let names: Vec<String> = sources
            .iter()
            .map(|s| {
                s.path()
                    .strip_prefix(dir.path())
                    .unwrap()
                    .display()
                    .to_string()
            })
            .collect();
        assert_eq!(names, ["a.log", "b/1.log", "b/c/2.log"]);
        assert!(discover(&[dir.path().join("missing")]).is_err());
    }

    #[test]
    fn parallel_results_keep_source_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut paths = Vec::new();
        for i in 0..8 {
            let path = dir.path().join(format!("{i}.log"));
            let text: Vec<u8> = DOCS
                .iter()
                .copied()
                .cycle()
                .take(DOCS.len() * (i + 1))
                .collect();
            std::fs::write(&path, text).unwrap();
            paths.push(path);
        }
        let sources = discover(&paths).unwrap();
        let rows = read_parallel(&sources, &ReaderBuilder::new(), |_, reader| {
            reader
                .unwrap()
                .map(|b| b.unwrap().num_rows())
                .sum::<usize>()
        });
        assert_eq!(rows, (1..=8).map(|i| 7 * i).collect::<Vec<_>>());
    }
}

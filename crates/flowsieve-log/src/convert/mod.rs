//! Flow-log objects to Parquet, every input line accounted for: [`Converter`], the engine of
//! `flowsieve convert`, and its accounting, [`ConversionSummary`].

mod summary;

pub use summary::{ConversionSummary, FileFailure, MalformedByReason, OutputKind, SampleLine};

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::batch::{FlowRecordBatch, flow_schema};
use crate::error::{Error, ErrorChain};
use crate::field::FieldName;
use crate::format::LogFormat;
use crate::parallel::read_in_order;
use crate::parquet::{AddressEncoding, FlowParquetWriter, ParquetCompression, ParquetTypes};
use crate::reader::{DEFAULT_SAMPLE_LIMIT, ReaderBuilder};
use crate::source::{Source, open, peek_format};
use crate::stats::LineStats;

/// An error of a [`ParquetOutputs`] implementation, with its causes.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Buffer in front of each output.
const OUTPUT_BUFFER: usize = 1 << 20;

/// Where a conversion writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConvertTarget {
    /// One Parquet file receiving every input, with the union of their fields.
    File(PathBuf),
    /// A directory receiving one Parquet file per input, at the input's
    /// [`Source::output_name`] below it, each with its own input's fields.
    Directory(PathBuf),
}

impl ConvertTarget {
    /// The file or directory.
    pub fn path(&self) -> &Path {
        match self {
            ConvertTarget::File(path) | ConvertTarget::Directory(path) => path,
        }
    }

    /// One file or a directory.
    pub fn kind(&self) -> OutputKind {
        match self {
            ConvertTarget::File(_) => OutputKind::File,
            ConvertTarget::Directory(_) => OutputKind::Directory,
        }
    }
}

/// How a conversion's output files are made and put in place.
///
/// [`Self::create`] is called for an output before anything is written to it (on a reading
/// thread in directory mode, hence `Sync`); [`Self::commit`] once it is complete, in input
/// order. An output that is dropped uncommitted — a strict conversion that stopped, a file that
/// failed before its output was complete — is abandoned: an implementation that writes beside
/// the target and renames on commit leaves nothing behind.
pub trait ParquetOutputs: Sync {
    /// An output being written.
    type Output: Write + Send;

    /// Opens the output file at `path` (the target file, or a file below the target
    /// directory). The error names the file.
    fn create(&self, path: &Path) -> Result<Self::Output, BoxError>;

    /// Puts a complete output in place. The error names the file.
    fn commit(&self, output: Self::Output) -> Result<(), BoxError>;
}

/// Outputs as plain files: created with their missing directories, written in place, flushed
/// on commit (a failed conversion may leave a partial file).
#[derive(Debug, Clone, Copy, Default)]
pub struct PlainFiles;

impl ParquetOutputs for PlainFiles {
    type Output = fs::File;

    fn create(&self, path: &Path) -> Result<fs::File, BoxError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(|err| named(parent, err))?;
        }
        fs::File::create(path).map_err(|err| named(path, err).into())
    }

    fn commit(&self, mut output: fs::File) -> Result<(), BoxError> {
        Ok(output.flush()?)
    }
}

/// An I/O error naming its path.
fn named(path: &Path, err: io::Error) -> io::Error {
    io::Error::new(err.kind(), format!("{}: {err}", path.display()))
}

/// One input done, in input order: what [`Converter::convert`] tells its caller as it goes.
#[derive(Debug, Clone, Copy)]
pub struct ConvertedFile<'a> {
    /// The input.
    pub source: &'a Source,
    /// Its line accounting (what was read before a failure, if any).
    pub stats: &'a LineStats,
    /// Why it could not be read (or written) completely, naming it. A strict conversion stops
    /// with this error right after.
    pub error: Option<&'a str>,
}

/// Why a conversion stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConvertError {
    /// A strict reader met a malformed line or a failing file (the message names it, with the
    /// line).
    #[error("{}", .0.message)]
    Stopped(FileFailure),
    /// The output file could not be created or put in place.
    #[error(transparent)]
    Output(BoxError),
    /// Writing the output file failed.
    #[error("writing {}", path.display())]
    Write {
        /// The output file.
        path: PathBuf,
        /// Why.
        #[source]
        source: BoxError,
    },
}

/// Converts flow-log objects (text, gzip, Parquet) to Parquet, with every input line accounted
/// for: the engine of `flowsieve convert`. The options are its fields; [`Self::new`] gives their
/// defaults.
///
/// Two shapes of output ([`ConvertTarget`]):
///
/// * **One file**: every input goes into it. Its schema is the union of the fields of all
///   inputs' formats (each text object's header, each Parquet file's columns, else the reader's
///   format or the default v2) in canonical order ([`LogFormat::union_fields`]). Every input is
///   read with that projection, so a field an input lacks is null in its rows. Rows are written
///   in input order, each input's batches in order ([`read_in_order`]), so the bytes written do
///   not depend on the thread count.
/// * **A directory**: one Parquet file per input at its [`Source::output_name`] below the
///   directory, each with its own input's fields.
///
/// Files are read on [`Self::threads`] scoped threads; a reader runs at most a window of files
/// ahead of the file being written, and each file's channel holds at most two batches. A file
/// that fails (cannot be opened, is JSON or a Transit Gateway log, a truncated or corrupt gzip
/// stream, a write error of its own output file) is a [`FileFailure`] naming it and the
/// conversion goes on; the records read before a gzip stream's cut are written and counted. A
/// strict reader ([`ReaderBuilder::with_strict`]) stops the conversion at the first malformed
/// line or failing file, in input order ([`ConvertError::Stopped`]), and no output of that file
/// or a later one is put in place. Where the bytes go is the caller's ([`ParquetOutputs`]):
/// plain files ([`PlainFiles`]), or `flowsieve convert`'s outputs, written beside their target
/// and renamed into place.
///
/// ```
/// use flowsieve_log::{discover, ConvertTarget, Converter, PlainFiles, ReaderBuilder};
///
/// let inputs = discover(&["../../testdata/logs/flowlogs-v2-default-docs.log",
///                         "../../testdata/logs/flowlogs-v3-tcp-flags-docs.log"])?;
/// let out = tempfile::tempdir()?;
/// let target = ConvertTarget::File(out.path().join("flows.parquet"));
/// let converter = Converter { threads: 2, ..Converter::new(ReaderBuilder::new()) };
/// let summary = converter.convert(&inputs, &target, &PlainFiles, |file| {
///     if let Some(error) = file.error {
///         eprintln!("{error}");
///     }
/// })?;
/// // Every line accounted for: 7 + 7 rows, two headers, one malformed line.
/// assert_eq!((summary.files, summary.rows_written, summary.counts.malformed), (2, 14, 1));
/// assert_eq!(summary.samples[0].sample.reason, "empty_field");
/// println!("{}", serde_json::to_string_pretty(&summary)?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Converter {
    /// How every input is read: its format for header-less text (else the default v2), its
    /// batch size, its strictness (a strict reader stops the conversion at the first problem).
    /// Its projection is the conversion's own.
    pub reader: ReaderBuilder,
    /// The Parquet codec: [`ParquetCompression::default`] unless set.
    pub compression: ParquetCompression,
    /// How addresses are stored: as text unless set.
    pub addresses: AddressEncoding,
    /// The column types written: flowsieve's unless set. With [`ParquetTypes::Aws`] a
    /// directory's files are named as AWS names its Parquet objects, `….log.parquet`.
    pub types: ParquetTypes,
    /// Rows per row group at most: the Parquet writer's 1,048,576 unless set.
    pub row_group_rows: Option<usize>,
    /// Files read at once (0 counts as 1): the CPUs unless set. The output does not depend on
    /// it.
    pub threads: usize,
}

impl Converter {
    /// A converter reading with `reader`, writing with the default codec and text addresses, on
    /// as many threads as there are CPUs.
    pub fn new(reader: ReaderBuilder) -> Converter {
        Converter {
            reader,
            compression: ParquetCompression::default(),
            addresses: AddressEncoding::Text,
            types: ParquetTypes::Flowsieve,
            row_group_rows: None,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }

    /// Converts `inputs` into `target` through `outputs`, calling `on_file` for each input
    /// once it is done, in input order. Returns the accounting; an input that failed is in its
    /// `errors` (and was passed to `on_file`), unless the reader is strict, which stops the
    /// conversion with [`ConvertError::Stopped`]. An output file that cannot be created,
    /// written or put in place stops a one-file conversion; in directory mode it is the failure
    /// of its input.
    pub fn convert<O: ParquetOutputs>(
        &self,
        inputs: &[Source],
        target: &ConvertTarget,
        outputs: &O,
        mut on_file: impl FnMut(&ConvertedFile<'_>),
    ) -> Result<ConversionSummary, ConvertError> {
        let started = Instant::now();
        let threads = self.threads.max(1);
        let job = Job {
            converter: self,
            inputs,
            outputs,
            threads,
            formats: peek_formats(inputs, &self.reader, threads),
        };
        let mut totals = Totals {
            inputs,
            strict: self.reader.strict(),
            stats: LineStats::default(),
            errors: Vec::new(),
            rows_written: 0,
            bytes_out: 0,
            outputs: 0,
            on_file: &mut on_file,
        };
        match target {
            ConvertTarget::File(path) => job.one_file(path, &mut totals)?,
            ConvertTarget::Directory(dir) => job.directory(dir, &mut totals)?,
        }
        let mut summary = ConversionSummary::from_stats(&totals.stats);
        summary.files = inputs.len() as u64;
        summary.files_listed = summary.files;
        summary.files_failed = totals.errors.len() as u64;
        summary.rows_written = totals.rows_written;
        summary.errors = totals.errors;
        summary.bytes_in = inputs.iter().map(Source::size).sum();
        summary.bytes_out = totals.bytes_out;
        summary.output = target.path().display().to_string();
        summary.output_kind = target.kind();
        summary.output_files = totals.outputs;
        summary.seconds = started.elapsed().as_secs_f64();
        Ok(summary)
    }
}

/// The union of the inputs' fields, in canonical order ([`LogFormat::union_fields`]): the
/// schema a [`Converter`] gives one file holding them all. Reads each input's header (or
/// Parquet schema) only, `threads` at a time; inputs that cannot be read add nothing.
pub fn union_input_fields(
    inputs: &[Source],
    reader: &ReaderBuilder,
    threads: usize,
) -> Vec<FieldName> {
    let formats = peek_formats(inputs, reader, threads.max(1));
    LogFormat::union_fields(formats.iter().flatten())
}

/// Each input's format: its header or Parquet columns, else the reader's format or the default
/// v2 (header-less text); a message naming the file when it cannot be read at all.
fn peek_formats(
    inputs: &[Source],
    reader: &ReaderBuilder,
    threads: usize,
) -> Vec<Result<LogFormat, String>> {
    let default = reader.format().cloned().unwrap_or_default();
    let mut formats = Vec::with_capacity(inputs.len());
    let collected = read_in_order(
        inputs.len(),
        threads,
        threads * 64,
        |i, out| {
            let source = &inputs[i];
            let format = match peek_format(source) {
                Ok(format) => Ok(format.unwrap_or_else(|| default.clone())),
                Err(err) => Err(file_error(source, &err)),
            };
            // The consumer only stops on its own error, which it has none of here.
            let _ = out.send(format);
        },
        |_, messages| {
            formats.extend(messages);
            Ok::<(), std::convert::Infallible>(())
        },
    );
    // The consumer never fails, so every format is there; a missing one would be a worker
    // panic, which `read_in_order` propagates.
    debug_assert!(collected.is_ok() && formats.len() == inputs.len());
    formats.resize_with(inputs.len(), || {
        Err("the format could not be read".to_owned())
    });
    formats
}

/// What a conversion reads from while it runs (shared by its threads).
struct Job<'a, O> {
    converter: &'a Converter,
    inputs: &'a [Source],
    outputs: &'a O,
    threads: usize,
    /// Each input's format, or why it cannot be read.
    formats: Vec<Result<LogFormat, String>>,
}

impl<O: ParquetOutputs> Job<'_, O> {
    /// Everything into one Parquet file, in input order.
    fn one_file(&self, path: &Path, totals: &mut Totals<'_>) -> Result<(), ConvertError> {
        let (inputs, formats) = (self.inputs, &self.formats);
        let fields = LogFormat::union_fields(formats.iter().flatten());
        if fields.is_empty() {
            // Nothing could be read: no schema, so no file; the errors say why.
            for (i, format) in formats.iter().enumerate() {
                let error = format.as_ref().err().cloned();
                totals.add(i, FileOutcome::<()>::failed(error))?;
            }
            return Ok(());
        }
        let builder = self.reader_of(&fields);
        let writing = |source: BoxError| ConvertError::Write {
            path: path.to_owned(),
            source,
        };
        let created = self.outputs.create(path).map_err(ConvertError::Output)?;
        let mut out = BufWriter::with_capacity(OUTPUT_BUFFER, Counted::new(created));
        let mut writer = self
            .writer(&mut out, &fields)
            .map_err(|err| writing(err.into()))?;
        self.in_order(
            2,
            |i, out| {
                let outcome = match &formats[i] {
                    Err(message) => FileOutcome::failed(Some(message.clone())),
                    Ok(_) => read_file(&inputs[i], &builder, |batch| {
                        Ok(out.send(Message::Batch(batch)).is_ok())
                    }),
                };
                let _ = out.send(Message::Done(Box::new(outcome)));
            },
            |i, messages| {
                let mut outcome = None;
                for message in messages {
                    match message {
                        Message::Batch(batch) => {
                            writer.write(&batch).map_err(|err| writing(err.into()))?
                        }
                        Message::Done(done) => outcome = Some(*done),
                    }
                }
                totals.add(i, outcome.unwrap_or_else(|| stopped(&inputs[i])))
            },
        )?;
        let rows = writer.close().map_err(|err| writing(err.into()))?;
        let counted = out
            .into_inner()
            .map_err(|err| writing(err.into_error().into()))?;
        totals.bytes_out = counted.bytes;
        self.outputs
            .commit(counted.inner)
            .map_err(ConvertError::Output)?;
        totals.rows_written = rows;
        totals.outputs = 1;
        Ok(())
    }

    /// One Parquet file per input, below `dir`.
    fn directory(&self, dir: &Path, totals: &mut Totals<'_>) -> Result<(), ConvertError> {
        let inputs = self.inputs;
        // Each input's output path; a second input that would land on the same path fails.
        let mut taken: BTreeMap<PathBuf, usize> = BTreeMap::new();
        let plans: Vec<Result<(Vec<FieldName>, PathBuf), String>> = inputs
            .iter()
            .zip(&self.formats)
            .enumerate()
            .map(|(i, (source, format))| {
                let format = format.as_ref().map_err(Clone::clone)?;
                let extension = match self.converter.types {
                    ParquetTypes::Flowsieve => "parquet",
                    ParquetTypes::Aws => "log.parquet",
                };
                let path = dir.join(source.output_name(extension));
                if let Some(&first) = taken.get(&path) {
                    return Err(format!(
                        "{}: its output {} is already written for {}",
                        source.label(),
                        path.display(),
                        inputs[first].label()
                    ));
                }
                taken.insert(path.clone(), i);
                Ok((format.fields().to_vec(), path))
            })
            .collect();

        // A strict run that stops drops the outputs of the failing file and any after it,
        // uncommitted.
        self.in_order(
            64,
            |i, out| {
                let outcome = match &plans[i] {
                    Err(message) => FileOutcome::failed(Some(message.clone())),
                    Ok((fields, path)) => self.convert_one(&inputs[i], fields, path),
                };
                let _ = out.send(outcome);
            },
            |i, mut outcomes| {
                let mut outcome = outcomes.next().unwrap_or_else(|| stopped(&inputs[i]));
                if let Some(written) = outcome.written.take() {
                    if outcome.error.is_some() && totals.strict {
                        drop(written);
                    } else if let Err(err) = self.outputs.commit(written.output) {
                        outcome.error.get_or_insert(format!(
                            "{}: {}",
                            inputs[i].label(),
                            ErrorChain(&*err)
                        ));
                    } else {
                        totals.outputs += 1;
                        totals.rows_written += outcome.rows_written;
                        totals.bytes_out += written.bytes;
                    }
                }
                totals.add(i, outcome)
            },
        )
    }

    /// Reads one input and writes it, with its own fields, to an output at `path`.
    fn convert_one(
        &self,
        source: &Source,
        fields: &[FieldName],
        path: &Path,
    ) -> FileOutcome<O::Output> {
        let label = source.label();
        let failed = |err: &(dyn std::error::Error + 'static)| {
            format!("{label}: writing {}: {}", path.display(), ErrorChain(err))
        };
        let builder = self.reader_of(fields);
        let mut outcome = FileOutcome::default();
        let written = (|| -> Result<(u64, Written<O::Output>), String> {
            let output = self
                .outputs
                .create(path)
                .map_err(|err| format!("{label}: {}", ErrorChain(&*err)))?;
            let mut out = BufWriter::with_capacity(OUTPUT_BUFFER, Counted::new(output));
            let mut writer = self.writer(&mut out, fields).map_err(|err| failed(&err))?;
            let read = read_file(source, &builder, |batch| {
                writer
                    .write(&batch)
                    .map(|()| true)
                    .map_err(|err| failed(&err))
            });
            outcome.stats = read.stats;
            outcome.error = read.error;
            let rows = writer.close().map_err(|err| failed(&err))?;
            let counted = out.into_inner().map_err(|err| failed(&err.into_error()))?;
            let output = counted.inner;
            Ok((
                rows,
                Written {
                    output,
                    bytes: counted.bytes,
                },
            ))
        })();
        match written {
            Ok((rows, written)) => {
                outcome.rows_written = rows;
                outcome.written = Some(written);
            }
            Err(message) => {
                outcome.error.get_or_insert(message);
            }
        }
        outcome
    }

    /// [`read_in_order`] over the inputs, on the job's threads, `window` files per thread
    /// ahead of the one consumed.
    fn in_order<M: Send>(
        &self,
        window: usize,
        work: impl Fn(usize, &std::sync::mpsc::SyncSender<M>) + Sync,
        consume: impl FnMut(usize, std::sync::mpsc::Iter<'_, M>) -> Result<(), ConvertError>,
    ) -> Result<(), ConvertError> {
        let (count, threads) = (self.inputs.len(), self.threads);
        read_in_order(count, threads, threads * window, work, consume)
    }

    /// The converter's reader, projecting `fields`.
    fn reader_of(&self, fields: &[FieldName]) -> ReaderBuilder {
        self.converter
            .reader
            .clone()
            .with_projection(fields.iter().cloned())
    }

    /// A Parquet writer of `fields` into `out`, with the converter's codec, addresses, column
    /// types and row groups.
    fn writer<W: Write + Send>(
        &self,
        out: W,
        fields: &[FieldName],
    ) -> crate::Result<FlowParquetWriter<W>> {
        let Converter {
            compression,
            addresses,
            types,
            row_group_rows,
            ..
        } = *self.converter;
        FlowParquetWriter::try_new_with(
            out,
            flow_schema(fields),
            compression,
            addresses,
            types,
            row_group_rows,
        )
    }
}

/// The accounting of a conversion as its inputs are done, in input order.
struct Totals<'a> {
    inputs: &'a [Source],
    strict: bool,
    stats: LineStats,
    errors: Vec<FileFailure>,
    rows_written: u64,
    bytes_out: u64,
    outputs: u64,
    on_file: &'a mut dyn FnMut(&ConvertedFile<'_>),
}

impl Totals<'_> {
    /// Adds input `i`'s outcome and tells the caller; in strict mode its error (or its first
    /// malformed line, which a strict reader already turned into its error) stops the run.
    fn add<W>(&mut self, i: usize, outcome: FileOutcome<W>) -> Result<(), ConvertError> {
        let source = &self.inputs[i];
        self.stats.merge(&outcome.stats, DEFAULT_SAMPLE_LIMIT);
        (self.on_file)(&ConvertedFile {
            source,
            stats: &outcome.stats,
            error: outcome.error.as_deref(),
        });
        if let Some(message) = outcome.error {
            let failure = FileFailure {
                file: source.label().to_string(),
                message,
            };
            if self.strict {
                return Err(ConvertError::Stopped(failure));
            }
            self.errors.push(failure);
        }
        Ok(())
    }
}

/// What reading (and, in directory mode, writing) one file gave.
struct FileOutcome<W = ()> {
    stats: LineStats,
    /// Why the file could not be read (or written) completely, naming it.
    error: Option<String>,
    /// Directory mode: the finished output, to put in place.
    written: Option<Written<W>>,
    rows_written: u64,
}

impl<W> Default for FileOutcome<W> {
    fn default() -> Self {
        FileOutcome {
            stats: LineStats::default(),
            error: None,
            written: None,
            rows_written: 0,
        }
    }
}

impl<W> FileOutcome<W> {
    /// A file that failed before any line was read (`error`, if any: why).
    fn failed(error: Option<String>) -> FileOutcome<W> {
        FileOutcome {
            error,
            ..FileOutcome::default()
        }
    }
}

/// A complete output, not yet put in place, and its size.
struct Written<W> {
    output: W,
    bytes: u64,
}

/// What a reading thread hands the writer of one file.
enum Message {
    Batch(FlowRecordBatch),
    Done(Box<FileOutcome>),
}

/// Reads one input with `builder`, handing each batch to `sink`, which returns `false` to stop
/// (the writer has gone). Returns the line accounting and the error that ended the file, if
/// any.
fn read_file(
    source: &Source,
    builder: &ReaderBuilder,
    mut sink: impl FnMut(FlowRecordBatch) -> Result<bool, String>,
) -> FileOutcome {
    let mut reader = match open(source, builder) {
        Ok(reader) => reader,
        Err(err) => return FileOutcome::failed(Some(file_error(source, &err))),
    };
    let mut error = None;
    for batch in reader.by_ref() {
        match batch {
            Ok(batch) => match sink(batch) {
                Ok(true) => {}
                Ok(false) => break,
                Err(message) => {
                    error = Some(message);
                    break;
                }
            },
            Err(err) => {
                error = Some(file_error(source, &err));
                break;
            }
        }
    }
    FileOutcome {
        stats: reader.stats().clone(),
        error,
        ..FileOutcome::default()
    }
}

/// A library error as a message that names the file (most already do).
fn file_error(source: &Source, err: &Error) -> String {
    match err.source_label() {
        Some(_) => ErrorChain(err).to_string(),
        None => format!("{}: {}", source.label(), ErrorChain(err)),
    }
}

/// The outcome of a file whose reader stopped without saying how (it cannot happen unless a
/// reading thread panicked).
fn stopped<W>(source: &Source) -> FileOutcome<W> {
    let message = format!("{}: reading stopped unexpectedly", source.label());
    FileOutcome::failed(Some(message))
}

/// A writer that counts the bytes written through it.
struct Counted<W> {
    inner: W,
    bytes: u64,
}

impl<W> Counted<W> {
    fn new(inner: W) -> Counted<W> {
        Counted { inner, bytes: 0 }
    }
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests;

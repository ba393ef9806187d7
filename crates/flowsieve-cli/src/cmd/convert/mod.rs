//! `flowsieve convert`: flow-log files (text, gzip, Parquet) to Parquet, with every input line
//! accounted for.
//!
//! Two shapes of output, chosen by `--output`:
//!
//! * **One file** (a path ending in `.parquet`, or an existing file): every input goes into it.
//!   Its schema is the union of the fields of all inputs' formats (the header of each text
//!   object, the columns of each Parquet file, `--log-format` or the default v2 format for
//!   header-less text) in flowsieve's canonical order: [`log::FlowField::ALL`] order, then unknown
//!   fields by name. Every input is read with that projection, so a field an input lacks is
//!   null in its rows. Rows are written in input order (the sorted order of [`log::discover`]), each
//!   file's batches in order, so the bytes written do not depend on `--threads`.
//! * **A directory** (an existing one, or a path without the `.parquet` suffix, created): one
//!   Parquet file per input at the input's path relative to the LOGS argument it was found
//!   under, `.log.gz`, `.log`, `.gz` or `.parquet` replaced by `.parquet`; each with its own
//!   file's fields.
//!
//! Files are read on `--threads` scoped threads (not rayon: the thread count is this command's
//! own option) by flowsieve-log's [`read_in_order`], which bounds memory: a reader may run at
//! most a window of files ahead of the file being written, and each file's channel holds at
//! most two batches.
//!
//! A file that fails (cannot be opened, is JSON or a Transit Gateway log, a truncated or corrupt
//! gzip stream, a write error of its own output file) is reported on stderr, naming it, and the
//! run goes on; the records read before a gzip stream's cut are written and counted. The exit
//! status is then 1. `--strict` stops at the first malformed line or failing file (in input
//! order) with its message, exit 1, and leaves no output for that file or any later one.
//! Outputs are checked before any input is read and written through `cmd::output` (a
//! `<path>.partial` beside each one, renamed when complete, removed on Ctrl-C; a device or FIFO
//! written in place). Inputs inside the output (the output file itself, or files under the
//! output directory) are skipped, so a re-run over the same tree does not read its own earlier
//! output.
//!
//! S3 prefixes (`s3://bucket/prefix`) are listed and their objects streamed, `--threads` at a
//! time (see `flowsieve::s3` for credentials and the endpoint); in directory mode an object's
//! output path is its key below the prefix. `--account` / `--region` skip objects by key,
//! unread; the counts of objects listed, pruned and read go to stderr when S3 or a filter is
//! used.
//!
//! The line accounting goes to stdout (the output is never stdout): files, lines by bucket,
//! malformed lines by reason with samples (`file:line: reason in field `x`: "text"`), rows
//! written, bytes in and out, time and throughput. `--summary-json FILE` writes the same as JSON
//! (see [`Summary`]); `malformed_by_reason` always lists all nine reasons, zeros included, so
//! scripts can rely on every key.

mod summary;

use std::collections::BTreeMap;
use std::fs;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context as _, bail};
use flowsieve::log;
use flowsieve::s3::{Discovery, LogLocation};
use log::{
    AddressEncoding, DEFAULT_BATCH_SIZE, FieldName, FlowParquetWriter, FlowRecordBatch, LineStats,
    LogFormat, ParquetCompression, ReaderBuilder, Source, read_in_order,
};

use super::args;
use super::output::{self, OutputFile, Pending};
use super::ui;
use summary::{Summary, Totals, print_summary};

/// Arguments of `flowsieve convert`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Flow-log files or directories (walked recursively, hidden entries skipped), or S3
    /// prefixes (s3://bucket/AWSLogs/…, listed); gzip, plain text and Parquet are recognised by
    /// content, whatever the name.
    #[arg(value_name = "LOGS", required = true, value_parser = super::logs::parse_location)]
    pub logs: Vec<LogLocation>,
    /// Where to write: a path ending in `.parquet` (or an existing file) receives every input in
    /// one file; a directory (existing, or created) one Parquet file per input, at the input's
    /// relative path.
    #[arg(long, short, value_name = "OUT.parquet|DIR")]
    pub output: PathBuf,
    /// Also write the line accounting as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    pub summary_json: Option<PathBuf>,
    /// The format of header-less text (CloudWatch exports, Firehose), as AWS prints it in the
    /// flow log's LogFormat: '${version} ${account-id} …'. Inputs with a header line follow their
    /// header. Default: the version 2 default format.
    #[arg(long, value_name = "FORMAT", value_parser = parse_log_format)]
    pub log_format: Option<LogFormat>,
    /// Stop at the first malformed line or failing file, with its message (exit 1).
    #[arg(long)]
    pub strict: bool,
    /// Parquet compression codec (zstd at level 3).
    #[arg(long, value_enum, value_name = "CODEC", default_value_t = Codec::Zstd)]
    pub compression: Codec,
    /// Store addresses as 16 bytes (big-endian, IPv4 as IPv4-mapped IPv6), as flowsieve holds
    /// them, rather than as text such as `10.0.0.1`.
    #[arg(long)]
    pub binary_addresses: bool,
    /// Rows per batch read (and per write call), 1 to 1048576.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_BATCH_SIZE,
          value_parser = args::count(args::BATCH_SIZE))]
    pub batch_size: usize,
    /// Files read at once, 1 to 1024. Default: the number of CPUs. The output does not depend
    /// on it.
    #[arg(long, value_name = "N", value_parser = args::count(args::THREADS))]
    pub threads: Option<usize>,
    #[command(flatten)]
    pub keys: super::logs::KeyArgs,
    #[command(flatten)]
    pub s3: super::logs::S3Args,
}

/// `--compression`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Codec {
    /// zstd, level 3.
    Zstd,
    /// Snappy.
    Snappy,
    /// Gzip (what AWS writes).
    Gzip,
    /// LZ4 (raw).
    Lz4,
    /// No compression.
    None,
}

impl Codec {
    fn parquet(self) -> ParquetCompression {
        match self {
            Codec::Zstd => ParquetCompression::Zstd(3),
            Codec::Snappy => ParquetCompression::Snappy,
            Codec::Gzip => ParquetCompression::Gzip,
            Codec::Lz4 => ParquetCompression::Lz4,
            Codec::None => ParquetCompression::Uncompressed,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Codec::Zstd => "zstd",
            Codec::Snappy => "snappy",
            Codec::Gzip => "gzip",
            Codec::Lz4 => "lz4",
            Codec::None => "uncompressed",
        }
    }
}

fn parse_log_format(text: &str) -> Result<LogFormat, String> {
    text.parse().map_err(|err: log::Error| err.to_string())
}

/// Runs `flowsieve convert`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let target = Target::resolve(&args.output)?;
    let summary_json = args
        .summary_json
        .as_deref()
        .map(OutputFile::validate)
        .transpose()?;
    let discovery = Discovery::new(args.s3.options()).with_filter(args.keys.filter());
    // Inputs inside the output are not read: a re-run does not read its own earlier output.
    let discovery = match &target {
        Target::File(file) => discovery.excluding_file(file.path()),
        Target::Directory(dir) => discovery.excluding_directory(dir),
    };
    let listing = discovery.list(&args.logs)?;
    let inputs: Vec<Input> = listing
        .sources
        .into_iter()
        .map(|source| Input { source })
        .collect();
    if args.logs.iter().any(LogLocation::is_s3) || args.keys.is_set() {
        super::logs::print_counts(
            listing.listed,
            listing.pruned,
            inputs.len() as u64,
            &args.keys.flags().join(", "),
        );
    }
    if inputs.is_empty() {
        bail!(
            "no flow-log files found in {}",
            super::logs::display(&args.logs)
        );
    }
    let threads = args.threads.unwrap_or_else(|| {
        let max = *args::THREADS.end() as usize;
        std::thread::available_parallelism().map_or(1, |n| n.get().min(max))
    });
    let options = Options {
        reader: {
            let mut builder = ReaderBuilder::new()
                .with_batch_size(args.batch_size)
                .with_strict(args.strict);
            if let Some(format) = &args.log_format {
                builder = builder.with_format(format.clone());
            }
            builder
        },
        strict: args.strict,
        compression: args.compression.parquet(),
        addresses: if args.binary_addresses {
            AddressEncoding::Binary
        } else {
            AddressEncoding::Text
        },
        threads,
    };
    let default_format = args
        .log_format
        .clone()
        .unwrap_or_else(LogFormat::default_v2);
    let formats = peek_formats(&inputs, &default_format, threads);

    let mut totals = Totals {
        files: inputs.len() as u64,
        files_listed: listing.listed,
        files_pruned: listing.pruned,
        bytes_in: inputs.iter().map(|i| i.source.size()).sum(),
        ..Totals::default()
    };
    {
        let progress = ui::Progress::new(
            totals.bytes_in,
            "{spinner} {bytes}/{total_bytes} {wide_bar} {msg} {eta}",
        );
        let done = |input: &Input, stats: &LineStats| {
            progress.inc(input.source.size());
            progress.message(|| format!("{} records", stats.records));
        };
        match &target {
            Target::File(file) => {
                to_one_file(file, &inputs, formats, &options, &mut totals, &done)?
            }
            Target::Directory(dir) => {
                to_directory(dir, &inputs, formats, &options, &mut totals, &done)?
            }
        }
    }
    totals.print_unlisted();
    let seconds = started.elapsed().as_secs_f64();

    let summary = Summary::new(&totals, &target, seconds);
    print_summary(
        &summary,
        &totals,
        &target,
        args.compression,
        options.addresses,
    )?;
    if let Some(output) = &summary_json {
        let json = serde_json::to_string_pretty(&summary).context("encoding the summary")?;
        output.write_all((json + "\n").as_bytes())?;
    }
    Ok(if totals.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The options every file is read and written with.
struct Options {
    reader: ReaderBuilder,
    strict: bool,
    compression: ParquetCompression,
    addresses: AddressEncoding,
    threads: usize,
}

/// Where the output goes, validated.
#[derive(Debug)]
enum Target {
    File(OutputFile),
    Directory(PathBuf),
}

impl Target {
    /// An existing directory, or a new path without the `.parquet` suffix, is a directory;
    /// anything else (a new `.parquet` path, an existing file, device or link to one) a file.
    /// Checked here, before any input is read ([`output`]).
    fn resolve(output: &Path) -> anyhow::Result<Target> {
        let directory = match fs::metadata(output) {
            Ok(meta) => meta.is_dir(),
            Err(_) => !output
                .extension()
                .is_some_and(|ext| ext.eq_ignore_ascii_case("parquet")),
        };
        if directory {
            output::validate_dir(output)?;
            Ok(Target::Directory(output.to_owned()))
        } else {
            Ok(Target::File(OutputFile::validate(output)?))
        }
    }

    fn path(&self) -> &Path {
        match self {
            Target::File(file) => file.path(),
            Target::Directory(path) => path,
        }
    }
}

/// One input file (its output path in directory mode: [`Source::output_name`]).
struct Input {
    source: Source,
}

/// Each input's format: its header or Parquet columns, else `default` (header-less text); an
/// error message naming the file when it cannot be read at all.
fn peek_formats(
    inputs: &[Input],
    default: &LogFormat,
    threads: usize,
) -> Vec<Result<LogFormat, String>> {
    let mut formats = Vec::with_capacity(inputs.len());
    let collected = read_in_order(
        inputs.len(),
        threads,
        threads * 64,
        |i, out| {
            let source = &inputs[i].source;
            let format = match log::peek_format(source) {
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

/// A library error as a message that names the file (most already do).
fn file_error(source: &Source, err: &log::Error) -> String {
    match err.source_label() {
        Some(_) => log::ErrorChain(err).to_string(),
        None => format!("{}: {}", source.label(), log::ErrorChain(err)),
    }
}

/// What reading (and, in directory mode, writing) one file gave.
#[derive(Debug, Default)]
struct FileOutcome {
    stats: LineStats,
    /// Why the file could not be read (or written) completely, naming it.
    error: Option<String>,
    /// Directory mode: the finished output, to put in place.
    written: Option<Pending>,
    rows_written: u64,
}

impl FileOutcome {
    /// A file that failed before any line was read.
    fn failed(message: String) -> FileOutcome {
        FileOutcome {
            error: Some(message),
            ..FileOutcome::default()
        }
    }
}

/// What a reader thread hands the writer.
enum Message {
    Batch(FlowRecordBatch),
    Done(Box<FileOutcome>),
}

/// Reads one input with `builder`, handing each batch to `sink`, which returns `false` to stop
/// (the writer has gone). Returns the line accounting and the error that ended the file, if any.
fn read_file(
    input: &Input,
    builder: &ReaderBuilder,
    mut sink: impl FnMut(FlowRecordBatch) -> Result<bool, String>,
) -> FileOutcome {
    let mut reader = match log::open(&input.source, builder) {
        Ok(reader) => reader,
        Err(err) => {
            return FileOutcome::failed(file_error(&input.source, &err));
        }
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
                error = Some(file_error(&input.source, &err));
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

/// Everything into one Parquet file, in input order.
fn to_one_file(
    output: &OutputFile,
    inputs: &[Input],
    formats: Vec<Result<LogFormat, String>>,
    options: &Options,
    totals: &mut Totals,
    done: &dyn Fn(&Input, &LineStats),
) -> anyhow::Result<()> {
    let fields = LogFormat::union_fields(formats.iter().flatten());
    if fields.is_empty() {
        // Nothing could be read: no schema, so no file; the errors say why.
        for (input, format) in inputs.iter().zip(&formats) {
            let outcome = FileOutcome {
                error: format.as_ref().err().cloned(),
                ..FileOutcome::default()
            };
            done(input, &outcome.stats);
            totals.add(&input.source, outcome, options.strict)?;
        }
        return Ok(());
    }
    let builder = options
        .reader
        .clone()
        .with_projection(fields.iter().cloned());
    let schema = log::flow_schema(&fields);
    let path = output.path();
    let mut out = BufWriter::with_capacity(1 << 20, output.create()?);
    let mut writer =
        FlowParquetWriter::try_new(&mut out, schema, options.compression, options.addresses)
            .with_context(|| format!("writing {}", path.display()))?;
    read_in_order(
        inputs.len(),
        options.threads,
        options.threads * 2,
        |i, out| {
            let outcome = match &formats[i] {
                Err(message) => FileOutcome::failed(message.clone()),
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
                    Message::Batch(batch) => writer
                        .write(&batch)
                        .with_context(|| format!("writing {}", path.display()))?,
                    Message::Done(done) => outcome = Some(*done),
                }
            }
            let outcome = outcome.unwrap_or_else(|| stopped(&inputs[i]));
            done(&inputs[i], &outcome.stats);
            totals.add(&inputs[i].source, outcome, options.strict)
        },
    )?;
    let rows = writer
        .close()
        .with_context(|| format!("writing {}", path.display()))?;
    let pending = out
        .into_inner()
        .map_err(|err| err.into_error())
        .with_context(|| format!("writing {}", path.display()))?;
    totals.bytes_out = pending.bytes_written();
    pending.commit()?;
    totals.rows_written = rows;
    totals.outputs = 1;
    Ok(())
}

/// One Parquet file per input, under `dir`.
fn to_directory(
    dir: &Path,
    inputs: &[Input],
    formats: Vec<Result<LogFormat, String>>,
    options: &Options,
    totals: &mut Totals,
    done: &dyn Fn(&Input, &LineStats),
) -> anyhow::Result<()> {
    // Each input's output path; a second input that would land on the same path fails.
    let mut taken: BTreeMap<PathBuf, usize> = BTreeMap::new();
    let plans: Vec<Result<(Vec<FieldName>, PathBuf), String>> = inputs
        .iter()
        .zip(formats)
        .enumerate()
        .map(|(i, (input, format))| {
            let format = format?;
            let path = dir.join(input.source.output_name("parquet"));
            if let Some(&first) = taken.get(&path) {
                return Err(format!(
                    "{}: its output {} is already written for {}",
                    input.source.label(),
                    path.display(),
                    inputs[first].source.label()
                ));
            }
            taken.insert(path.clone(), i);
            Ok((format.fields().to_vec(), path))
        })
        .collect();

    // A strict run that stops drops the outputs of the failing file and any after it, unrenamed.
    read_in_order(
        inputs.len(),
        options.threads,
        options.threads * 64,
        |i, out| {
            let outcome = match &plans[i] {
                Err(message) => FileOutcome::failed(message.clone()),
                Ok((fields, path)) => convert_one(&inputs[i], fields, path, options),
            };
            let _ = out.send(outcome);
        },
        |i, mut outcomes| {
            let mut outcome = outcomes.next().unwrap_or_else(|| stopped(&inputs[i]));
            if let Some(pending) = outcome.written.take() {
                let bytes = pending.bytes_written();
                if outcome.error.is_some() && options.strict {
                    drop(pending);
                } else if let Err(err) = pending.commit() {
                    outcome
                        .error
                        .get_or_insert(format!("{}: {err:#}", inputs[i].source.label()));
                } else {
                    totals.outputs += 1;
                    totals.rows_written += outcome.rows_written;
                    totals.bytes_out += bytes;
                }
            }
            done(&inputs[i], &outcome.stats);
            totals.add(&inputs[i].source, outcome, options.strict)
        },
    )
}

/// Reads one input and writes it, with its own fields, to a pending output at `path`.
fn convert_one(input: &Input, fields: &[FieldName], path: &Path, options: &Options) -> FileOutcome {
    let label = input.source.label();
    let failed = |doing: &str, err: &(dyn std::error::Error + 'static)| {
        format!(
            "{label}: {doing} {}: {}",
            path.display(),
            log::ErrorChain(err)
        )
    };
    let builder = options
        .reader
        .clone()
        .with_projection(fields.iter().cloned());
    let mut outcome = FileOutcome::default();
    let written = (|| -> Result<(u64, Pending), String> {
        let output = OutputFile::inspect(path)
            .and_then(|output| output.create())
            .map_err(|err| format!("{label}: {err:#}"))?;
        let mut out = BufWriter::with_capacity(1 << 20, output);
        let schema = log::flow_schema(fields);
        let mut writer =
            FlowParquetWriter::try_new(&mut out, schema, options.compression, options.addresses)
                .map_err(|err| failed("writing", &err))?;
        outcome = read_file(input, &builder, |batch| {
            writer
                .write(&batch)
                .map(|()| true)
                .map_err(|err| failed("writing", &err))
        });
        let rows = writer.close().map_err(|err| failed("writing", &err))?;
        let pending = out
            .into_inner()
            .map_err(|err| failed("writing", &err.into_error()))?;
        Ok((rows, pending))
    })();
    match written {
        Ok((rows, pending)) => {
            outcome.rows_written = rows;
            outcome.written = Some(pending);
        }
        Err(message) => {
            outcome.error.get_or_insert(message);
        }
    }
    outcome
}

/// The outcome of a file whose reader stopped without saying how (it cannot happen unless a
/// reader thread panicked).
fn stopped(input: &Input) -> FileOutcome {
    FileOutcome::failed(format!(
        "{}: reading stopped unexpectedly",
        input.source.label()
    ))
}

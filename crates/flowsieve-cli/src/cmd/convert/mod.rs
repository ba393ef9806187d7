//! `flowsieve convert`: flow-log files (text, gzip, Parquet) to Parquet, with every input line
//! accounted for.
//!
//! Two shapes of output, chosen by `--output`:
//!
//! * **One file** (a path ending in `.parquet`, or an existing file): every input goes into it.
//!   Its schema is the union of the fields of all inputs' formats (the header of each text
//!   object, the columns of each Parquet file, `--log-format` or the default v2 format for
//!   header-less text) in flowsieve's canonical order: [`FlowField::ALL`] order, then unknown
//!   fields by name. Every input is read with that projection, so a field an input lacks is
//!   null in its rows. Rows are written in input order (the sorted order of [`log::discover`]), each
//!   file's batches in order, so the bytes written do not depend on `--threads`.
//! * **A directory** (an existing one, or a path without the `.parquet` suffix, created): one
//!   Parquet file per input at the input's path relative to the LOGS argument it was found
//!   under, `.log.gz`, `.log`, `.gz` or `.parquet` replaced by `.parquet`; each with its own
//!   file's fields.
//!
//! Files are read on `--threads` scoped threads (not rayon: the thread count is this command's
//! own option, and a std pool keeps the CLI's dependencies to the flowsieve crates). An ordered
//! hand-off ([`ordered`]) bounds memory: a reader may run at most a window of files ahead of the
//! file being written, and each file's channel holds at most two batches.
//!
//! A file that fails (cannot be opened, is JSON or a Transit Gateway log, a truncated or corrupt
//! gzip stream, a write error of its own output file) is reported on stderr, naming it, and the
//! run goes on; the records read before a gzip stream's cut are written and counted. The exit
//! status is then 1. `--strict` stops at the first malformed line or failing file (in input
//! order) with its message, exit 1, and leaves no output for that file or any later one.
//! Outputs are written to `<path>.partial` and renamed when complete. Inputs inside the output
//! (the output file itself, or files under the output directory) are skipped, so a re-run over
//! the same tree does not read its own earlier output.
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

use std::collections::{BTreeMap, HashSet};
use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc::{self, SyncSender};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Instant;

use anyhow::{Context as _, bail};
use flowsieve::log;
use flowsieve::s3::LogLocation;
use log::{
    AddressEncoding, DEFAULT_BATCH_SIZE, DEFAULT_SAMPLE_LIMIT, FieldName, FlowField,
    FlowParquetWriter, FlowRecordBatch, LineIssue, LineIssueKind, LineStats, LogFormat,
    ParquetCompression, ReaderBuilder, Source,
};
use serde::Serialize;

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
    #[arg(long, value_name = "N", default_value_t = DEFAULT_BATCH_SIZE, value_parser = parse_batch_size)]
    pub batch_size: usize,
    /// Files read at once, 1 to 1024. Default: the number of CPUs. The output does not depend
    /// on it.
    #[arg(long, value_name = "N", value_parser = parse_threads)]
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
            Codec::Zstd => ParquetCompression::default(),
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

/// The largest `--batch-size`: a batch's builders are allocated up front, so the bound keeps a
/// typo from asking for terabytes (a million rows is also Parquet's default row group).
const MAX_BATCH_SIZE: usize = 1 << 20;
/// The most `--threads`: beyond the cores, threads only add memory (each holds a batch or two).
const MAX_THREADS: usize = 1024;

fn parse_batch_size(text: &str) -> Result<usize, String> {
    parse_count(text, MAX_BATCH_SIZE)
}

fn parse_threads(text: &str) -> Result<usize, String> {
    parse_count(text, MAX_THREADS)
}

fn parse_count(text: &str, max: usize) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(format!("expected a whole number from 1 to {max}")),
    }
}

/// Runs `flowsieve convert`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let target = Target::resolve(&args.output);
    let listing = inputs(&args.logs, &target, &args.keys, &args.s3)?;
    let inputs = listing.inputs;
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
        std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_THREADS))
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
    match &target {
        Target::File(path) => to_one_file(path, &inputs, formats, &options, &mut totals)?,
        Target::Directory(dir) => to_directory(dir, &inputs, formats, &options, &mut totals)?,
    }
    let seconds = started.elapsed().as_secs_f64();

    let summary = Summary::new(&totals, &target, seconds);
    print_summary(
        &summary,
        &totals,
        &target,
        args.compression,
        options.addresses,
    )?;
    if let Some(path) = &args.summary_json {
        let json = serde_json::to_string_pretty(&summary).context("encoding the summary")?;
        fs::write(path, json + "\n")
            .with_context(|| format!("writing the summary to {}", path.display()))?;
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

/// Where the output goes.
#[derive(Debug)]
enum Target {
    File(PathBuf),
    Directory(PathBuf),
}

impl Target {
    fn resolve(output: &Path) -> Target {
        match fs::metadata(output) {
            Ok(meta) if meta.is_dir() => Target::Directory(output.to_owned()),
            Ok(_) => Target::File(output.to_owned()),
            Err(_) => {
                let parquet = output
                    .extension()
                    .is_some_and(|ext| ext.eq_ignore_ascii_case("parquet"));
                if parquet {
                    Target::File(output.to_owned())
                } else {
                    Target::Directory(output.to_owned())
                }
            }
        }
    }

    fn path(&self) -> &Path {
        match self {
            Target::File(path) | Target::Directory(path) => path,
        }
    }
}

/// One input file and where it was found.
struct Input {
    source: Source,
    /// The path relative to the LOGS argument it was found under (the file name for a file
    /// argument): its output path in directory mode.
    relative: PathBuf,
}

/// The inputs of a run, and how many objects were listed and pruned by key.
struct Listing {
    inputs: Vec<Input>,
    listed: u64,
    pruned: u64,
}

/// Discovers the inputs of every LOGS argument, in argument order, each directory's files in
/// name order (an S3 prefix's objects in key order), the same file once, skipping anything
/// inside the output and objects whose key `--account` / `--region` rule out.
fn inputs(
    logs: &[LogLocation],
    target: &Target,
    keys: &super::logs::KeyArgs,
    s3: &super::logs::S3Args,
) -> anyhow::Result<Listing> {
    let output = fs::canonicalize(target.path()).ok();
    let skip = |path: &Path| -> bool {
        let Some(output) = &output else {
            return false;
        };
        let path = fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
        match target {
            Target::File(_) => path == *output || path == partial_path(output),
            Target::Directory(_) => path.starts_with(output),
        }
    };
    let filter = log::KeyFilter::new()
        .with_accounts(keys.accounts.iter().cloned())
        .with_regions(keys.regions.iter().cloned());
    let mut seen = HashSet::new();
    let mut listing = Listing {
        inputs: Vec::new(),
        listed: 0,
        pruned: 0,
    };
    for root in logs {
        let sources = super::logs::list(std::slice::from_ref(root), s3)?;
        for source in sources {
            let (identity, relative) = match (source.path(), root) {
                (Some(path), LogLocation::Local(root)) => {
                    if skip(path) {
                        continue;
                    }
                    let canonical = fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
                    let relative = match path.strip_prefix(root) {
                        Ok(rel) if !rel.as_os_str().is_empty() => rel.to_owned(),
                        _ => path
                            .file_name()
                            .map(PathBuf::from)
                            .unwrap_or_else(|| PathBuf::from("input")),
                    };
                    (canonical.into_os_string(), relative)
                }
                _ => {
                    // An S3 object: its key below the listed prefix.
                    let label = source.label().to_string();
                    let relative = match root {
                        LogLocation::S3(url) => {
                            let key = label.strip_prefix(&url.object_url("")).unwrap_or(&label);
                            let below = key
                                .strip_prefix(url.prefix().trim_end_matches('/'))
                                .unwrap_or(key)
                                .trim_start_matches('/');
                            let below = if below.is_empty() {
                                key.rsplit('/').next().unwrap_or("input")
                            } else {
                                below
                            };
                            PathBuf::from(below)
                        }
                        LogLocation::Local(_) => PathBuf::from("input"),
                    };
                    (OsString::from(label), relative)
                }
            };
            if !seen.insert(identity) {
                continue;
            }
            listing.listed += 1;
            if !filter.selects(source.key()) {
                listing.pruned += 1;
                continue;
            }
            listing.inputs.push(Input { source, relative });
        }
    }
    Ok(listing)
}

/// Each input's format: its header or Parquet columns, else `default` (header-less text); an
/// error message naming the file when it cannot be read at all.
fn peek_formats(
    inputs: &[Input],
    default: &LogFormat,
    threads: usize,
) -> Vec<Result<LogFormat, String>> {
    let mut formats = Vec::with_capacity(inputs.len());
    let collected = ordered(
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
            Ok(())
        },
    );
    // The consumer never fails, so every format is there; a missing one would be a worker
    // panic, which `ordered` propagates.
    debug_assert!(collected.is_ok() && formats.len() == inputs.len());
    formats.resize_with(inputs.len(), || {
        Err("the format could not be read".to_owned())
    });
    formats
}

/// A library error as a message that names the file (most already do).
fn file_error(source: &Source, err: &log::Error) -> String {
    match err.source_label() {
        Some(_) => err.to_string(),
        None => format!("{}: {err}", source.label()),
    }
}

/// The union of the formats' fields in canonical order: [`FlowField::ALL`] order, then unknown
/// fields by name.
fn union_fields<'a>(formats: impl IntoIterator<Item = &'a LogFormat>) -> Vec<FieldName> {
    let mut fields: Vec<FieldName> = formats
        .into_iter()
        .flat_map(|format| format.fields().iter().cloned())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    fields.sort_by(|a, b| canonical_key(a).cmp(&canonical_key(b)));
    fields
}

fn canonical_key(field: &FieldName) -> (usize, &str) {
    match field.known() {
        Some(known) => (
            FlowField::ALL
                .iter()
                .position(|f| *f == known)
                .unwrap_or(usize::MAX),
            "",
        ),
        None => (usize::MAX, field.aws_name()),
    }
}

/// What reading (and, in directory mode, writing) one file gave.
#[derive(Debug, Default)]
struct FileOutcome {
    stats: LineStats,
    /// Why the file could not be read (or written) completely, naming it.
    error: Option<String>,
    /// Directory mode: the finished `.partial` file and where it goes.
    written: Option<(PathBuf, PathBuf)>,
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
    Done(FileOutcome),
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
    path: &Path,
    inputs: &[Input],
    formats: Vec<Result<LogFormat, String>>,
    options: &Options,
    totals: &mut Totals,
) -> anyhow::Result<()> {
    let fields = union_fields(formats.iter().flatten());
    if fields.is_empty() {
        // Nothing could be read: no schema, so no file; the errors say why.
        for (input, format) in inputs.iter().zip(&formats) {
            let outcome = FileOutcome {
                error: format.as_ref().err().cloned(),
                ..FileOutcome::default()
            };
            totals.add(&input.source, outcome, options.strict)?;
        }
        return Ok(());
    }
    let builder = options
        .reader
        .clone()
        .with_projection(fields.iter().cloned());
    let schema = log::flow_schema(&fields);

    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent)
            .with_context(|| format!("creating the directory {}", parent.display()))?;
    }
    let partial = partial_path(path);
    let file = File::create(&partial)
        .with_context(|| format!("creating the output file {}", partial.display()))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let written = (|| -> anyhow::Result<u64> {
        let mut writer =
            FlowParquetWriter::try_new(&mut out, schema, options.compression, options.addresses)
                .with_context(|| format!("writing {}", path.display()))?;
        ordered(
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
                let _ = out.send(Message::Done(outcome));
            },
            |i, messages| {
                let mut done = None;
                for message in messages {
                    match message {
                        Message::Batch(batch) => writer
                            .write(&batch)
                            .with_context(|| format!("writing {}", path.display()))?,
                        Message::Done(outcome) => done = Some(outcome),
                    }
                }
                let outcome = done.unwrap_or_else(|| stopped(&inputs[i]));
                totals.add(&inputs[i].source, outcome, options.strict)
            },
        )?;
        let rows = writer
            .close()
            .with_context(|| format!("writing {}", path.display()))?;
        out.flush()
            .with_context(|| format!("writing {}", path.display()))?;
        Ok(rows)
    })();
    let finished = written.and_then(|rows| {
        drop(out);
        fs::rename(&partial, path)
            .with_context(|| format!("renaming {} to {}", partial.display(), path.display()))?;
        Ok(rows)
    });
    match finished {
        Ok(rows) => {
            totals.rows_written = rows;
            totals.bytes_out = fs::metadata(path).map(|m| m.len()).unwrap_or(0);
            totals.outputs = 1;
            Ok(())
        }
        Err(err) => {
            let _ = fs::remove_file(&partial);
            Err(err)
        }
    }
}

/// One Parquet file per input, under `dir`.
fn to_directory(
    dir: &Path,
    inputs: &[Input],
    formats: Vec<Result<LogFormat, String>>,
    options: &Options,
    totals: &mut Totals,
) -> anyhow::Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("creating the directory {}", dir.display()))?;
    // Each input's output path; a second input that would land on the same path fails.
    let mut taken: BTreeMap<PathBuf, usize> = BTreeMap::new();
    let plans: Vec<Result<(Vec<FieldName>, PathBuf), String>> = inputs
        .iter()
        .zip(formats)
        .enumerate()
        .map(|(i, (input, format))| {
            let format = format?;
            let path = dir.join(output_name(&input.relative));
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

    let result = ordered(
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
            if let Some((partial, path)) = outcome.written.take() {
                if outcome.error.is_some() && options.strict {
                    let _ = fs::remove_file(&partial);
                } else if let Err(err) = fs::rename(&partial, &path) {
                    let _ = fs::remove_file(&partial);
                    outcome.error.get_or_insert(format!(
                        "{}: renaming {} to {}: {err}",
                        inputs[i].source.label(),
                        partial.display(),
                        path.display()
                    ));
                } else {
                    totals.outputs += 1;
                    totals.rows_written += outcome.rows_written;
                    totals.bytes_out += fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
                }
            }
            totals.add(&inputs[i].source, outcome, options.strict)
        },
    );
    if result.is_err() {
        // Stopped early (strict): no output for the failing file or any after it.
        for (_, path) in plans.iter().flatten() {
            let partial = partial_path(path);
            if partial.exists() {
                let _ = fs::remove_file(partial);
            }
        }
    }
    result
}

/// Reads one input and writes it to `<path>.partial` with its own fields.
fn convert_one(input: &Input, fields: &[FieldName], path: &Path, options: &Options) -> FileOutcome {
    let partial = partial_path(path);
    let label = input.source.label();
    let failed = |doing: &str, err: &dyn std::fmt::Display| {
        format!("{label}: {doing} {}: {err}", path.display())
    };
    let builder = options
        .reader
        .clone()
        .with_projection(fields.iter().cloned());
    let mut outcome = FileOutcome::default();
    let written = (|| -> Result<u64, String> {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|err| failed("creating the directory of", &err))?;
        }
        let file = File::create(&partial).map_err(|err| failed("creating", &err))?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
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
        out.flush().map_err(|err| failed("writing", &err))?;
        Ok(rows)
    })();
    match written {
        Ok(rows) => {
            outcome.rows_written = rows;
            outcome.written = Some((partial, path.to_owned()));
        }
        Err(message) => {
            let _ = fs::remove_file(&partial);
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

/// `a/b.log.gz` → `a/b.parquet`: `.log.gz`, `.log`, `.gz` or `.parquet` replaced by `.parquet`
/// (other names get `.parquet` appended).
fn output_name(relative: &Path) -> PathBuf {
    let name = relative.file_name().unwrap_or(relative.as_os_str());
    let new_name = match name.to_str() {
        Some(text) => {
            let stem = [".log.gz", ".log", ".gz", ".parquet"]
                .iter()
                .find_map(|suffix| text.strip_suffix(suffix).filter(|s| !s.is_empty()))
                .unwrap_or(text);
            OsString::from(format!("{stem}.parquet"))
        }
        None => {
            let mut name = name.to_owned();
            name.push(".parquet");
            name
        }
    };
    relative.with_file_name(new_name)
}

/// Where an output is written until it is complete.
fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

/// Runs `work(i, sender)` for `i` in `0..count` on `threads` scoped threads and hands each
/// item's messages to `consume(i, messages)` in index order, `messages` ending when `work(i, …)`
/// returns.
///
/// Memory is bounded: an item is started only when it is fewer than `window` items ahead of the
/// one being consumed, and its channel holds at most two messages (a worker blocks on the third).
/// No deadlock: items are claimed in index order, so the item being consumed has been claimed
/// by a worker that waits on nothing but its own channel, which the consumer drains.
///
/// When `consume` fails, no further item is started, the channels are closed (a worker's `send`
/// then fails, which tells it to stop) and the error is returned once every worker has ended.
fn ordered<M: Send>(
    count: usize,
    threads: usize,
    window: usize,
    work: impl Fn(usize, &SyncSender<M>) + Sync,
    mut consume: impl FnMut(usize, mpsc::Iter<'_, M>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    struct State<M> {
        /// The next item to claim.
        next: usize,
        /// The item being consumed.
        consuming: usize,
        stopped: bool,
        /// Channels of claimed items not yet taken by the consumer.
        pending: BTreeMap<usize, mpsc::Receiver<M>>,
    }
    let state = Mutex::new(State {
        next: 0,
        consuming: 0,
        stopped: false,
        pending: BTreeMap::new(),
    });
    let changed = Condvar::new();
    let lock = || state.lock().unwrap_or_else(PoisonError::into_inner);
    let window = window.max(1);

    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, count.max(1)) {
            scope.spawn(|| {
                loop {
                    let (item, sender) = {
                        let mut state = lock();
                        loop {
                            if state.stopped || state.next >= count {
                                return;
                            }
                            if state.next < state.consuming.saturating_add(window) {
                                break;
                            }
                            state = changed.wait(state).unwrap_or_else(PoisonError::into_inner);
                        }
                        let item = state.next;
                        state.next += 1;
                        let (sender, receiver) = mpsc::sync_channel(2);
                        state.pending.insert(item, receiver);
                        changed.notify_all();
                        (item, sender)
                    };
                    work(item, &sender);
                }
            });
        }

        let mut result = Ok(());
        for item in 0..count {
            let receiver = {
                let mut state = lock();
                state.consuming = item;
                changed.notify_all();
                loop {
                    if let Some(receiver) = state.pending.remove(&item) {
                        break receiver;
                    }
                    state = changed.wait(state).unwrap_or_else(PoisonError::into_inner);
                }
            };
            result = consume(item, receiver.iter());
            if result.is_err() {
                break;
            }
        }
        let mut state = lock();
        state.stopped = true;
        // Closing the channels of items claimed but not consumed stops their workers.
        state.pending.clear();
        changed.notify_all();
        result
    })
}

/// The run's accounting, merged in input order.
#[derive(Debug, Default)]
struct Totals {
    files: u64,
    files_listed: u64,
    files_pruned: u64,
    stats: LineStats,
    errors: Vec<FileFailure>,
    rows_written: u64,
    bytes_in: u64,
    bytes_out: u64,
    outputs: u64,
}

/// A file that could not be read (or written) completely.
#[derive(Debug, Serialize)]
struct FileFailure {
    file: String,
    message: String,
}

impl Totals {
    /// Adds one file's outcome, reporting its error on stderr; in strict mode the error (or the
    /// file's first malformed line, which a strict reader already turned into its error) stops
    /// the run.
    fn add(&mut self, source: &Source, outcome: FileOutcome, strict: bool) -> anyhow::Result<()> {
        self.stats.merge(&outcome.stats, DEFAULT_SAMPLE_LIMIT);
        if let Some(message) = outcome.error {
            if strict {
                bail!("{message}");
            }
            eprintln!("flowsieve: error: {message}");
            self.errors.push(FileFailure {
                file: source.label().to_string(),
                message,
            });
        }
        Ok(())
    }
}

/// The `--summary-json` document.
///
/// `files_listed` counts the objects found under LOGS (directory walks, S3 listings),
/// `files_pruned` those `--account` / `--region` ruled out by their key, unread, and `files`
/// those read. `malformed_by_reason` lists all nine reason keys, zeros included; `samples` holds at most
/// five issues per reason, in input order; `errors` the files that failed, in input order.
/// `bytes_in` counts the input files as stored (compressed for gzip), `bytes_decompressed` the
/// text the parser saw (Parquet inputs add nothing to it), `bytes_out` the Parquet written.
#[derive(Debug, Serialize)]
struct Summary<'a> {
    files: u64,
    files_listed: u64,
    files_pruned: u64,
    files_failed: u64,
    lines: u64,
    header: u64,
    records: u64,
    nodata: u64,
    skipdata: u64,
    blank: u64,
    malformed: u64,
    malformed_by_reason: ReasonCounts,
    samples: Vec<Sample<'a>>,
    rows_written: u64,
    errors: &'a [FileFailure],
    bytes_in: u64,
    bytes_decompressed: u64,
    bytes_out: u64,
    output: String,
    output_kind: &'static str,
    output_files: u64,
    seconds: f64,
}

/// Malformed lines by reason: every reason key of [`LineIssueKind::REASONS`], in that order.
#[derive(Debug)]
struct ReasonCounts([u64; 9]);

impl Serialize for ReasonCounts {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (reason, count) in LineIssueKind::REASONS.iter().zip(self.0) {
            map.serialize_entry(reason, &count)?;
        }
        map.end()
    }
}

/// One sampled malformed line.
#[derive(Debug, Serialize)]
struct Sample<'a> {
    file: &'a str,
    line: u64,
    byte_offset: u64,
    field: Option<&'a str>,
    text: &'a str,
    reason: &'static str,
    message: String,
}

impl<'a> Summary<'a> {
    fn new(totals: &'a Totals, target: &Target, seconds: f64) -> Summary<'a> {
        let stats = &totals.stats;
        Summary {
            files: totals.files,
            files_listed: totals.files_listed,
            files_pruned: totals.files_pruned,
            files_failed: totals.errors.len() as u64,
            lines: stats.lines(),
            header: stats.header,
            records: stats.records,
            nodata: stats.nodata,
            skipdata: stats.skipdata,
            blank: stats.blank,
            malformed: stats.malformed,
            malformed_by_reason: ReasonCounts(stats.malformed_by_reason),
            samples: stats
                .samples
                .iter()
                .map(|issue| Sample {
                    file: &issue.source,
                    line: issue.line,
                    byte_offset: issue.byte_offset,
                    field: issue.field.as_deref(),
                    text: &issue.text,
                    reason: issue.kind.as_str(),
                    message: sample_line(issue),
                })
                .collect(),
            rows_written: totals.rows_written,
            errors: &totals.errors,
            bytes_in: totals.bytes_in,
            bytes_decompressed: stats.bytes,
            bytes_out: totals.bytes_out,
            output: target.path().display().to_string(),
            output_kind: match target {
                Target::File(_) => "file",
                Target::Directory(_) => "directory",
            },
            output_files: totals.outputs,
            seconds,
        }
    }
}

/// `file:line: reason in field `x`: "text"`.
fn sample_line(issue: &LineIssue) -> String {
    let mut line = format!("{}:{}: {}", issue.source, issue.line, issue.kind);
    if let Some(field) = &issue.field {
        line.push_str(&format!(" in field `{field}`"));
    }
    line.push_str(&format!(": {:?}", issue.text));
    line
}

fn print_summary(
    summary: &Summary<'_>,
    totals: &Totals,
    target: &Target,
    codec: Codec,
    addresses: AddressEncoding,
) -> anyhow::Result<()> {
    let stats = &totals.stats;
    let mut out = std::io::stdout().lock();
    let failed = match summary.files_failed {
        0 => String::new(),
        n => format!(" ({n} failed, listed on stderr)"),
    };
    writeln!(out, "files         {}{failed}", summary.files)?;
    writeln!(
        out,
        "lines         {}: header {}, records {}, NODATA {}, SKIPDATA {}, blank {}, malformed {}",
        summary.lines,
        stats.header,
        stats.records,
        stats.nodata,
        stats.skipdata,
        stats.blank,
        stats.malformed
    )?;
    if stats.malformed > 0 {
        let reasons: Vec<String> = stats
            .malformed_reasons()
            .map(|(reason, n)| format!("{reason} {n}"))
            .collect();
        writeln!(
            out,
            "malformed     {}: {}",
            stats.malformed,
            reasons.join(", ")
        )?;
        for sample in &summary.samples {
            writeln!(out, "  {}", sample.message)?;
        }
    }
    let addresses = match addresses {
        AddressEncoding::Binary => "binary",
        _ => "text",
    };
    let written = match target {
        Target::File(path) if totals.outputs == 1 => format!("to {}", path.display()),
        Target::File(path) => format!("({} not written)", path.display()),
        Target::Directory(dir) => format!("to {} files in {}", totals.outputs, dir.display()),
    };
    writeln!(
        out,
        "rows written  {} {written} ({}, {addresses} addresses)",
        totals.rows_written,
        codec.name()
    )?;
    writeln!(
        out,
        "bytes         {} in ({} decompressed), {} out",
        human_bytes(summary.bytes_in),
        human_bytes(summary.bytes_decompressed),
        human_bytes(summary.bytes_out)
    )?;
    let mb = |bytes: u64| bytes as f64 / 1e6;
    let seconds = summary.seconds.max(1e-6);
    writeln!(
        out,
        "time          {:.2} s: {:.1} MB/s in, {:.1} MB/s decompressed",
        summary.seconds,
        mb(summary.bytes_in) / seconds,
        mb(summary.bytes_decompressed) / seconds
    )?;
    out.flush()?;
    Ok(())
}

/// `812 B`, `7.0 kB`, `12.3 MB`, `4.56 GB` (decimal units, like the MB/s beside them).
fn human_bytes(bytes: u64) -> String {
    let value = bytes as f64;
    if bytes < 1000 {
        format!("{bytes} B")
    } else if value < 1e6 {
        format!("{:.1} kB", value / 1e3)
    } else if value < 1e9 {
        format!("{:.1} MB", value / 1e6)
    } else {
        format!("{:.2} GB", value / 1e9)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_names_replace_log_suffixes() {
        let cases = [
            ("a/b.log.gz", "a/b.parquet"),
            ("b.log", "b.parquet"),
            ("c.gz", "c.parquet"),
            ("d.parquet", "d.parquet"),
            ("e.txt", "e.txt.parquet"),
            (".log", ".log.parquet"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                output_name(Path::new(input)),
                Path::new(expected),
                "{input}"
            );
        }
    }

    #[test]
    fn union_is_in_canonical_order_unknown_fields_last() {
        let a: LogFormat = "${srcaddr} ${version} ${zeta-field}".parse().unwrap();
        let b: LogFormat = "${log-status} ${alpha-field} ${version}".parse().unwrap();
        let names: Vec<String> = union_fields([&a, &b])
            .iter()
            .map(|f| f.aws_name().to_owned())
            .collect();
        assert_eq!(
            names,
            [
                "version",
                "srcaddr",
                "log-status",
                "alpha-field",
                "zeta-field"
            ]
        );
    }

    #[test]
    fn ordered_hands_items_over_in_order_for_any_thread_count() {
        for threads in [1, 2, 7] {
            let mut seen = Vec::new();
            ordered(
                50,
                threads,
                3,
                |i, out| {
                    for k in 0..(i % 4) {
                        if out.send((i, k)).is_err() {
                            return;
                        }
                    }
                },
                |i, messages| {
                    seen.extend(messages.inspect(|(j, _)| assert_eq!(*j, i)));
                    Ok(())
                },
            )
            .unwrap();
            let expected: Vec<_> = (0..50)
                .flat_map(|i| (0..i % 4).map(move |k| (i, k)))
                .collect();
            assert_eq!(seen, expected, "{threads} threads");
        }
    }

    #[test]
    fn ordered_stops_when_the_consumer_fails() {
        let result = ordered(
            1000,
            2,
            4,
            |i, out| {
                for _ in 0..100 {
                    if out.send(i).is_err() {
                        return;
                    }
                }
            },
            |i, messages| {
                messages.for_each(drop);
                if i == 3 {
                    bail!("stop at 3");
                }
                Ok(())
            },
        );
        assert_eq!(result.unwrap_err().to_string(), "stop at 3");
    }
}

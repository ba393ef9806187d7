//! `flowsieve convert`: flow-log files (text, gzip, Parquet) to Parquet, with every input line
//! accounted for. The work is flowsieve-log's `Converter` (one file with the union of the
//! inputs' fields, or a directory of one file per input; files read in parallel and written in
//! input order, so the bytes do not depend on `--threads`) over the inputs flowsieve-s3's
//! `Discovery` lists (local paths, `s3://` prefixes, `-`; the output itself left out, objects
//! pruned by `--account` / `--region`).
//!
//! This module maps arguments, decides whether `--output` is one file (a path ending in
//! `.parquet`, or an existing file) or a directory (an existing one, or a path without the
//! suffix, created), checks the outputs before any input is read and has them written through
//! `cmd::output` (a `<path>.partial` beside each one, renamed when complete, removed on Ctrl-C;
//! a device or FIFO written in place), and prints: each failing file and mostly-malformed
//! object on stderr as it is done, the listing counts when S3 or a key filter is used, the line
//! accounting on stdout, and `--summary-json FILE` (the library's `ConversionSummary`,
//! docs/convert-summary.md). Exit 1 when a file could not be read completely; `--strict` stops
//! at the first malformed line or failing file (in input order) with its message, exit 1.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context as _, bail};
use flowsieve::log::{
    self, AddressEncoding, BoxError, ConversionSummary, ConvertTarget, ConvertedFile, Converter,
    DEFAULT_BATCH_SIZE, LogFormat, OutputKind, ParquetCompression, ParquetOutputs, ParquetTypes,
    ReaderBuilder,
};
use flowsieve::s3::{Discovery, LogLocation};

use super::args;
use super::output::{self, OutputFile, Pending};
use super::ui;

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
    /// Parquet compression codec. Default: zstd at level 3; gzip with --aws.
    #[arg(long, value_enum, value_name = "CODEC")]
    pub compression: Option<Codec>,
    /// Store addresses as 16 bytes (big-endian, IPv4 as IPv4-mapped IPv6), as flowsieve holds
    /// them, rather than as text such as `10.0.0.1`.
    #[arg(long, conflicts_with = "aws")]
    pub binary_addresses: bool,
    /// Write what AWS writes when a flow log is delivered as Parquet: its column types (32-bit
    /// ports and protocol, 64-bit counters and epoch-second times, strings for the rest), gzip
    /// unless --compression says otherwise, and, into a directory, one `….log.parquet` per input
    /// at its relative path (an AWSLogs/… tree stays one).
    #[arg(long)]
    pub aws: bool,
    /// Rows per Parquet row group at most, 1 to 1048576 (the default).
    #[arg(long, value_name = "N", value_parser = args::count(args::ROW_GROUP_ROWS))]
    pub row_group_rows: Option<usize>,
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
    let inputs = &listing.sources;
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
    let mut reader = ReaderBuilder::new()
        .with_batch_size(args.batch_size)
        .with_strict(args.strict);
    if let Some(format) = &args.log_format {
        reader = reader.with_format(format.clone());
    }
    let addresses = if args.binary_addresses {
        AddressEncoding::Binary
    } else {
        AddressEncoding::Text
    };
    let default_codec = if args.aws { Codec::Gzip } else { Codec::Zstd };
    let compression = args.compression.unwrap_or(default_codec).parquet();
    let types = if args.aws {
        ParquetTypes::Aws
    } else {
        ParquetTypes::Flowsieve
    };
    let converter = Converter {
        compression,
        addresses,
        types,
        row_group_rows: args.row_group_rows,
        threads,
        ..Converter::new(reader)
    };

    let mut said = Said::default();
    let converted = {
        let progress = ui::Progress::new(
            inputs.iter().map(|source| source.size()).sum(),
            "{spinner} {bytes}/{total_bytes} {wide_bar} {msg} {eta}",
        );
        converter.convert(
            inputs,
            &target.to_convert(),
            &SafeOutputs(&target),
            |file| {
                progress.inc(file.source.size());
                progress.message(|| format!("{} records", file.stats.counts.records));
                said.file(file, args.strict);
            },
        )
    };
    let mut summary = converted?;
    said.print_unlisted();
    summary.files_listed = listing.listed;
    summary.files_pruned = listing.pruned;
    summary.seconds = started.elapsed().as_secs_f64();

    print_summary(&summary, compression, addresses, types)?;
    if let Some(output) = &summary_json {
        let json = serde_json::to_string_pretty(&summary).context("encoding the summary")?;
        output.write_all((json + "\n").as_bytes())?;
    }
    Ok(if summary.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
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

    fn to_convert(&self) -> ConvertTarget {
        match self {
            Target::File(file) => ConvertTarget::File(file.path().to_owned()),
            Target::Directory(dir) => ConvertTarget::Directory(dir.clone()),
        }
    }
}

/// The conversion's outputs through `cmd::output`: written beside their target, put in place
/// on commit.
struct SafeOutputs<'a>(&'a Target);

impl ParquetOutputs for SafeOutputs<'_> {
    type Output = Pending;

    fn create(&self, path: &Path) -> Result<Pending, BoxError> {
        Ok(match self.0 {
            // The output file, validated before anything was read.
            Target::File(file) => file.create()?,
            // A file below the directory, which was validated.
            Target::Directory(_) => OutputFile::inspect(path).and_then(|output| output.create())?,
        })
    }

    fn commit(&self, output: Pending) -> Result<(), BoxError> {
        Ok(output.commit()?)
    }
}

/// What was said on stderr as files were done: mostly-malformed objects and failed files, the
/// first [`ui::LIST_LIMIT`] of each.
#[derive(Debug, Default)]
struct Said {
    diagnosed: usize,
    failed: usize,
}

impl Said {
    /// Says why a file is mostly malformed, and why it failed (unless `strict`: the run stops
    /// with that error).
    fn file(&mut self, file: &ConvertedFile<'_>, strict: bool) {
        if let Some(line) = super::logs::diagnosis(file.source.label(), file.stats) {
            if self.diagnosed < ui::LIST_LIMIT {
                ui::line(&line);
            }
            self.diagnosed += 1;
        }
        if let Some(message) = file.error.filter(|_| !strict) {
            if self.failed < ui::LIST_LIMIT {
                ui::line(&format!("flowsieve: error: {message}"));
            }
            self.failed += 1;
        }
    }

    /// Counts what [`Self::file`] did not print.
    fn print_unlisted(&self) {
        if self.diagnosed > ui::LIST_LIMIT {
            ui::line(&format!(
                "flowsieve: … and {} more objects mostly malformed",
                self.diagnosed - ui::LIST_LIMIT
            ));
        }
        if self.failed > ui::LIST_LIMIT {
            ui::line(&format!(
                "flowsieve: … and {} more objects not read completely (all of them in --summary-json)",
                self.failed - ui::LIST_LIMIT
            ));
        }
    }
}

/// Prints the accounting on stdout.
fn print_summary(
    summary: &ConversionSummary,
    compression: ParquetCompression,
    addresses: AddressEncoding,
    types: ParquetTypes,
) -> anyhow::Result<()> {
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
        summary.counts.header,
        summary.counts.records,
        summary.counts.nodata,
        summary.counts.skipdata,
        summary.counts.blank,
        summary.counts.malformed
    )?;
    if summary.counts.malformed > 0 {
        let reasons: Vec<String> = summary
            .malformed_by_reason
            .nonzero()
            .map(|(reason, n)| format!("{reason} {n}"))
            .collect();
        writeln!(
            out,
            "malformed     {}: {}",
            summary.counts.malformed,
            reasons.join(", ")
        )?;
        for sample in &summary.samples {
            writeln!(out, "  {}", sample.message)?;
        }
    }
    let layout = match (types, addresses) {
        (ParquetTypes::Aws, _) => "AWS's column types",
        (_, AddressEncoding::Binary) => "binary addresses",
        _ => "text addresses",
    };
    let written = match summary.output_kind {
        OutputKind::File if summary.output_files == 1 => format!("to {}", summary.output),
        OutputKind::File => format!("({} not written)", summary.output),
        OutputKind::Directory => format!("to {} files in {}", summary.output_files, summary.output),
    };
    writeln!(
        out,
        "rows written  {} {written} ({}, {layout})",
        summary.rows_written,
        compression.name()
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

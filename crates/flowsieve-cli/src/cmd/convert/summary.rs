//! The accounting of a `convert` run: [`Totals`] merged in input order, the `--summary-json`
//! document ([`Summary`]) and the lines printed on stdout.

use std::io::Write as _;

use anyhow::bail;
use serde::Serialize;

use flowsieve::log::{
    AddressEncoding, DEFAULT_SAMPLE_LIMIT, LineIssue, LineIssueKind, LineStats, Source,
};

use super::{Codec, FileOutcome, Target};
use crate::cmd::ui;

/// The run's accounting, merged in input order.
#[derive(Debug, Default)]
pub(super) struct Totals {
    pub(super) files: u64,
    pub(super) files_listed: u64,
    pub(super) files_pruned: u64,
    pub(super) stats: LineStats,
    pub(super) errors: Vec<FileFailure>,
    pub(super) rows_written: u64,
    pub(super) bytes_in: u64,
    pub(super) bytes_out: u64,
    pub(super) outputs: u64,
    /// Objects with a diagnosis (mostly malformed).
    pub(super) diagnosed: usize,
}

/// A file that could not be read (or written) completely.
#[derive(Debug, Serialize)]
pub(super) struct FileFailure {
    file: String,
    message: String,
}

impl Totals {
    /// Adds one file's outcome, reporting its error on stderr; in strict mode the error (or the
    /// file's first malformed line, which a strict reader already turned into its error) stops
    /// the run.
    pub(super) fn add(
        &mut self,
        source: &Source,
        outcome: FileOutcome,
        strict: bool,
    ) -> anyhow::Result<()> {
        self.stats.merge(&outcome.stats, DEFAULT_SAMPLE_LIMIT);
        if let Some(line) = crate::cmd::logs::diagnosis(source.label(), &outcome.stats) {
            if self.diagnosed < ui::LIST_LIMIT {
                ui::line(&line);
            }
            self.diagnosed += 1;
        }
        if let Some(message) = outcome.error {
            if strict {
                bail!("{message}");
            }
            if self.errors.len() < ui::LIST_LIMIT {
                ui::line(&format!("flowsieve: error: {message}"));
            }
            self.errors.push(FileFailure {
                file: source.label().to_string(),
                message,
            });
        }
        Ok(())
    }

    /// Counts the failures and diagnoses [`Self::add`] did not print.
    pub(super) fn print_unlisted(&self) {
        if self.diagnosed > ui::LIST_LIMIT {
            ui::line(&format!(
                "flowsieve: … and {} more objects mostly malformed",
                self.diagnosed - ui::LIST_LIMIT
            ));
        }
        if self.errors.len() > ui::LIST_LIMIT {
            ui::line(&format!(
                "flowsieve: … and {} more objects not read completely (all of them in --summary-json)",
                self.errors.len() - ui::LIST_LIMIT
            ));
        }
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
pub(super) struct Summary<'a> {
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
    pub(super) fn new(totals: &'a Totals, target: &Target, seconds: f64) -> Summary<'a> {
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

/// Prints the accounting on stdout.
pub(super) fn print_summary(
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
        Target::File(file) if totals.outputs == 1 => format!("to {}", file.path().display()),
        Target::File(file) => format!("({} not written)", file.path().display()),
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

//! `flowsieve analyze`: attribute flow-log traffic to the declared security group rules and
//! report used / unused rules, REJECT hotspots and reachability (table, JSON or Markdown).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::{Context, bail};
use flowsieve::log::LogFormat;
use flowsieve::s3::LogLocation;
use flowsieve::{
    AnalysisConfig, Network, Report, analyze_with_progress, render_markdown, render_table,
};

/// Output format of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Terminal tables, at most 100 columns.
    Table,
    /// The complete report as JSON (docs/report-schema.md).
    Json,
    /// Markdown, for pull requests and wikis.
    Markdown,
}

/// Findings that make the command exit with status 3 (for CI gates).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// At least one rule is unused.
    Unused,
    /// At least one REJECT hotspot exists.
    Rejects,
}

/// Arguments of `flowsieve analyze`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Inventory: AWS CLI JSON files (describe-security-groups, -security-group-rules,
    /// -network-interfaces, prefix lists, vpcs) or `terraform show -json` output; files or
    /// directories. Repeat the flag (`-i a -i b`) or separate paths with commas.
    #[arg(
        short,
        long = "inventory",
        value_name = "PATH",
        required = true,
        value_delimiter = ','
    )]
    inventory: Vec<PathBuf>,
    /// Flow-log files or directories (walked recursively), or S3 prefixes
    /// (s3://bucket/AWSLogs/…, listed); gzip, text and Parquet recognised by content; S3 key
    /// layouts, plain and Hive-style, understood.
    #[arg(value_name = "LOGS", required = true, value_parser = super::logs::parse_location)]
    logs: Vec<LogLocation>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write the report to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Rows per section of the table and Markdown reports, and top peers/ports/sources per item.
    #[arg(long, value_name = "N", default_value_t = 10)]
    top: usize,
    /// Analyse records ending at or after T (RFC 3339 `2025-04-21T00:00:00Z`, a date
    /// `2025-04-21` meaning its UTC midnight, or unix seconds). Objects outside are not read.
    #[arg(long, value_name = "T", value_parser = parse_time)]
    since: Option<i64>,
    /// Analyse records starting before T (same forms as --since).
    #[arg(long, value_name = "T", value_parser = parse_time)]
    until: Option<i64>,
    #[command(flatten)]
    keys: super::logs::KeyArgs,
    #[command(flatten)]
    s3: super::logs::S3Args,
    /// Exit with status 3 when such findings exist (repeatable or comma-separated).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "FINDING")]
    fail_on: Vec<FailOn>,
    /// Format of header-less logs (CloudWatch exports), as AWS writes it:
    /// '${version} ${account-id} …'. Objects with a header line use their header.
    #[arg(long, value_name = "FORMAT")]
    log_format: Option<String>,
    /// Stop at the first malformed line or unreadable object.
    #[arg(long)]
    strict: bool,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Rows per Arrow batch between the parser and the attribution (memory per worker grows
    /// with it).
    #[arg(long, value_name = "ROWS", default_value_t = flowsieve::log::DEFAULT_BATCH_SIZE,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    batch_size: usize,
    /// Never show the progress bar (it shows only when stderr is a terminal).
    #[arg(long)]
    no_progress: bool,
}

/// Parses `--since` / `--until`: RFC 3339, a date (UTC midnight) or unix seconds.
fn parse_time(text: &str) -> Result<i64, String> {
    if let Ok(seconds) = text.parse::<i64>() {
        return Ok(seconds);
    }
    if let Ok(timestamp) = text.parse::<jiff::Timestamp>() {
        return Ok(timestamp.as_second());
    }
    if let Ok(date) = text.parse::<jiff::civil::Date>()
        && let Ok(zoned) = date.to_zoned_datetime(jiff::tz::TimeZone::UTC)
    {
        return Ok(zoned.timestamp().as_second());
    }
    Err(format!(
        "expected RFC 3339 (2025-04-21T00:00:00Z), a date (2025-04-21) or unix seconds, got {text:?}"
    ))
}

/// Runs `flowsieve analyze`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if let (Some(since), Some(until)) = (args.since, args.until)
        && since >= until
    {
        bail!("--since must be before --until");
    }
    let mut config = AnalysisConfig::new()
        .with_window(args.since, args.until)
        .with_top(args.top)
        .with_strict(args.strict)
        .with_batch_size(args.batch_size)
        .with_accounts(args.keys.accounts.iter().cloned())
        .with_regions(args.keys.regions.iter().cloned());
    if let Some(text) = &args.log_format {
        let format: LogFormat = text.parse().context("invalid --log-format")?;
        config = config.with_log_format(format);
    }
    let network = Network::load(&args.inventory).context("cannot load the inventory")?;
    // The error names the location and why (`cannot read PATH: …`, `cannot list s3://…: …`).
    let sources = super::logs::list(&args.logs, &args.s3)?;
    if sources.is_empty() {
        bail!(
            "no flow-log files under {}",
            super::logs::display(&args.logs)
        );
    }
    let pool = {
        let mut builder = rayon::ThreadPoolBuilder::new();
        if let Some(threads) = args.threads {
            builder = builder.num_threads(threads.max(1));
        }
        builder.build().context("cannot start worker threads")?
    };

    let total: u64 = sources.iter().map(|s| s.size()).sum();
    let progress = (!args.no_progress && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {bytes}/{total_bytes} {wide_bar} {msg} {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let started = Instant::now();
    let records = AtomicU64::new(0);
    let report: Report = pool.install(|| {
        analyze_with_progress(&config, &network, &sources, &|source, stats| {
            let done = records.fetch_add(stats.records, Ordering::Relaxed) + stats.records;
            if let Some(bar) = &progress {
                bar.inc(source.size());
                let rate = done as f64 / started.elapsed().as_secs_f64().max(1e-3);
                bar.set_message(format!("{:.1} M records/s", rate / 1e6));
            }
        })
    })?;
    if let Some(bar) = &progress {
        bar.finish_and_clear();
    }
    let summary = &report.summary;
    if args.logs.iter().any(LogLocation::is_s3) || summary.files_pruned > 0 {
        let mut filters = Vec::new();
        if args.since.is_some() || args.until.is_some() {
            filters.push("--since/--until");
        }
        filters.extend(args.keys.flags());
        super::logs::print_counts(
            summary.files_listed,
            summary.files_pruned,
            summary.files,
            &filters.join(", "),
        );
    }

    let text = match args.format {
        Format::Table => render_table(&report, args.top),
        Format::Markdown => render_markdown(&report, args.top),
        Format::Json => {
            let mut json =
                serde_json::to_string_pretty(&report).context("cannot serialise the report")?;
            json.push('\n');
            json
        }
    };
    match &args.output {
        Some(path) => std::fs::write(path, &text)
            .with_context(|| format!("cannot write the report to {}", path.display()))?,
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(text.as_bytes())?;
            stdout.flush()?;
        }
    }
    for error in &report.summary.file_errors {
        eprintln!("flowsieve: warning: {}", error.error);
    }
    if !report.summary.file_errors.is_empty() {
        eprintln!(
            "flowsieve: error: {} file(s) could not be read completely; the report covers what was read",
            report.summary.file_errors.len()
        );
        return Ok(ExitCode::from(1));
    }
    let fail = args.fail_on.iter().any(|f| match f {
        FailOn::Unused => report.has_unused_rules(),
        FailOn::Rejects => report.has_rejects(),
    });
    Ok(if fail {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    })
}

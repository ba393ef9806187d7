//! `flowsieve analyze`: attribute flow-log traffic to the declared security group rules and
//! report used / unused rules, REJECT hotspots and reachability (table, JSON or Markdown).
//!
//! It refuses rather than guesses: an output path is checked before anything is read; an empty
//! inventory, no records, or a window or filters that leave nothing are errors unless
//! `--allow-empty`; logs whose format cannot support attribution are refused (or counted, when
//! other logs are usable); a run that attributed nothing says so, and `--fail-on` then exits 1.
//! What was found goes to stderr as well as into the report (`verdict.rs`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use anyhow::{Context, bail};
use flowsieve::log::LogFormat;
use flowsieve::s3::LogLocation;
use flowsieve::{AnalysisConfig, Network, Report, analyze_with_progress};

use super::args::{self, Time};
use super::output::OutputFile;
use super::verdict;
use super::{logs, ui};

/// Output format of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Terminal tables, as wide as the terminal (100 columns when not a terminal; --width).
    Table,
    /// The complete report as JSON (docs/report-schema.md).
    Json,
    /// Markdown, for pull requests and wikis.
    Markdown,
}

impl Format {
    /// The format an output file's extension names: `.json`, `.md` / `.markdown`.
    fn of_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "json" => Some(Format::Json),
            "md" | "markdown" => Some(Format::Markdown),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Markdown => "markdown",
        }
    }
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
#[command(after_help = super::EXIT_CODES)]
pub struct Args {
    /// Inventory: AWS CLI JSON files (describe-security-groups, -security-group-rules,
    /// -network-interfaces, prefix lists, vpcs, subnets, peerings, network ACLs, flow logs,
    /// elbv2 load balancers and target groups, AWS Config history) or `terraform show -json`
    /// output; files or directories. Repeat the flag (`-i a -i b`) or separate paths with
    /// commas. `TIME=PATH` (`2025-04-01=snap/`, RFC 3339, a date or unix seconds) is a
    /// snapshot captured at TIME: it holds until the next snapshot's time.
    #[arg(
        short,
        long = "inventory",
        value_name = "[TIME=]PATH",
        required = true,
        value_delimiter = ','
    )]
    inventory: Vec<flowsieve::sg::SnapshotSpec>,
    /// Private ranges of your own outside the VPCs (on-premises over VPN or Direct Connect):
    /// sources there are `on_prem`, never internet noise. Repeatable or comma-separated.
    #[arg(long, value_name = "CIDR", value_delimiter = ',')]
    internal_cidr: Vec<flowsieve::sg::Cidr>,
    /// Lines of each object read at most, first, to learn which ports listen (for logs without
    /// tcp-flags; an object is left earlier once 2048 lines in a row taught nothing new); 0
    /// turns learning off, 0 to 1000000000.
    #[arg(long, value_name = "N", default_value_t = flowsieve::DEFAULT_LEARN_LINES,
          value_parser = args::number(args::LEARN_LINES))]
    learn_lines: u64,
    /// The port range instances open connections from (weak orientation evidence), e.g.
    /// 32768-60999 for Linux only. Default 32768-65535 (Linux and Windows).
    #[arg(long, value_name = "FROM-TO", value_parser = args::parse_port_range)]
    client_ports: Option<(u16, u16)>,
    /// Keep every internet client address exactly (exact top peers and distinct counts for
    /// tuples with more than 1,024 clients) instead of aggregating them by the classes the
    /// inventory distinguishes; memory then grows with distinct clients. Verdicts, counts,
    /// hotspots and reachability are the same either way.
    #[arg(long)]
    exact_peers: bool,
    /// Flow-log files or directories (walked recursively; `*.partial` files skipped), S3
    /// prefixes (s3://bucket/AWSLogs/…, listed), or `-` for standard input; gzip, text and
    /// Parquet recognised by content; S3 key layouts, plain and Hive-style, understood.
    #[arg(value_name = "LOGS", required = true, value_parser = logs::parse_location)]
    logs: Vec<LogLocation>,
    /// Report format. Default: from the --output extension (.json, .md), else table.
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write the report to FILE instead of stdout (checked before anything is read; written
    /// beside it and renamed into place).
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Rows per section of the table and Markdown reports, and top peers/ports/sources per
    /// item; 1 to 100000.
    #[arg(long, value_name = "N", default_value_t = flowsieve::DEFAULT_TOP,
          value_parser = args::count(args::TOP))]
    top: usize,
    /// Width of the table report in columns, 60 to 1000. Default: the terminal's, 100 when
    /// stdout is not a terminal.
    #[arg(long, value_name = "N", value_parser = args::count(args::WIDTH))]
    width: Option<usize>,
    /// Analyse records ending at or after T: RFC 3339 with a zone (2025-04-21T00:00:00Z), a
    /// date (2025-04-21: its midnight UTC), a date and time without zone (taken as UTC, said
    /// on stderr), unix seconds, or unix milliseconds (13 digits). Objects outside are not
    /// read.
    #[arg(long, value_name = "T", value_parser = args::parse_time)]
    since: Option<Time>,
    /// Analyse records starting before T (same forms as --since).
    #[arg(long, value_name = "T", value_parser = args::parse_time)]
    until: Option<Time>,
    #[command(flatten)]
    keys: logs::KeyArgs,
    #[command(flatten)]
    s3: logs::S3Args,
    /// Exit with status 3 when such findings exist (repeatable or comma-separated); exit 1
    /// when no record could be attributed (nothing can be judged).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "FINDING")]
    fail_on: Vec<FailOn>,
    /// Format of header-less logs (CloudWatch exports), as AWS writes it:
    /// '${version} ${account-id} …'. Objects with a header line use their header.
    #[arg(long, value_name = "FORMAT")]
    log_format: Option<String>,
    /// Stop at the first malformed line or unreadable object.
    #[arg(long)]
    strict: bool,
    /// Worker threads, 1 to 1024 (default: all cores).
    #[arg(long, value_name = "N", value_parser = args::count(args::THREADS))]
    threads: Option<usize>,
    /// Rows per Arrow batch between the parser and the attribution, 1 to 1048576 (memory per
    /// worker grows with it).
    #[arg(long, value_name = "ROWS", default_value_t = flowsieve::log::DEFAULT_BATCH_SIZE,
          value_parser = args::count(args::BATCH_SIZE))]
    batch_size: usize,
    /// Accept an empty run (an inventory with nothing in it, no records, everything pruned or
    /// outside the window): report it and exit 0 instead of failing.
    #[arg(long)]
    allow_empty: bool,
}

/// Runs `flowsieve analyze`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let since = args.since.as_ref().map(|t| t.seconds);
    let until = args.until.as_ref().map(|t| t.seconds);
    if let (Some(since), Some(until)) = (since, until)
        && since >= until
    {
        bail!("--since must be before --until");
    }
    let format = report_format(args.format, args.output.as_deref())?;
    let output = args
        .output
        .as_deref()
        .map(OutputFile::validate)
        .transpose()?;
    for (flag, time) in [("--since", &args.since), ("--until", &args.until)] {
        if let Some(assumed) = time.as_ref().and_then(|t| t.assumed.as_deref()) {
            ui::note(&format!("{flag} {assumed}"));
        }
    }
    let mut config = AnalysisConfig::new()
        .with_window(since, until)
        .with_top(args.top)
        .with_strict(args.strict)
        .with_batch_size(args.batch_size)
        .with_accounts(args.keys.accounts.iter().cloned())
        .with_regions(args.keys.regions.iter().cloned())
        .with_learn_lines(args.learn_lines)
        .with_exact_peers(args.exact_peers);
    if let Some((from, to)) = args.client_ports {
        config = config.with_client_ports(from, to);
    }
    if let Some(text) = &args.log_format {
        let format: LogFormat = text.parse().context("invalid --log-format")?;
        config = config.with_log_format(format);
    }
    let network = load_network(&args.inventory, &args.internal_cidr)?;
    let inventory_paths: Vec<PathBuf> = args.inventory.iter().map(|s| s.path.clone()).collect();
    verdict::check_inventory(&network, &inventory_paths, args.allow_empty)?;
    // The error names the location and why (`cannot read PATH: …`, `cannot list s3://…: …`).
    let sources = logs::list(&args.logs, &args.s3)?;
    if sources.is_empty() {
        bail!("no flow-log files under {}", logs::display(&args.logs));
    }
    if logs::only_json(&sources) {
        bail!(
            "{} holds only .json files, which are not flow logs: an inventory goes with -i, \
             the flow logs as LOGS",
            logs::display(&args.logs)
        );
    }
    if !verdict::is_empty(&network) {
        // (an empty one's were printed by check_inventory)
        verdict::print_findings(&network);
    }
    let report = analyze_sources(&args, &config, &network, &sources)?;

    let summary = &report.summary;
    if args.logs.iter().any(LogLocation::is_s3) || summary.files_pruned > 0 {
        let mut filters = Vec::new();
        if since.is_some() || until.is_some() {
            filters.push("--since/--until");
        }
        filters.extend(args.keys.flags());
        logs::print_counts(
            summary.files_listed,
            summary.files_pruned,
            summary.files,
            &filters.join(", "),
        );
    }
    let judged = verdict::check_report(&report, &args.keys, args.allow_empty)?;
    if judged == verdict::Judged::Yes {
        verdict::print_notices(&report);
    }

    let text = render(&report, format, args.top, args.width)?;
    match &output {
        Some(output) => output.write_all(text.as_bytes())?,
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(text.as_bytes())?;
            stdout.flush()?;
        }
    }
    Ok(verdict::exit_code(&report, judged, &args.fail_on))
}

/// The network of `-i` (snapshots with their times) and `--internal-cidr`.
fn load_network(
    specs: &[flowsieve::sg::SnapshotSpec],
    internal: &[flowsieve::sg::Cidr],
) -> anyhow::Result<Network> {
    let mut builder = flowsieve::sg::InventoryBuilder::new();
    for spec in specs {
        builder
            .add_spec(spec)
            .context("cannot load the inventory")?;
    }
    for &cidr in internal {
        builder.add_internal_cidr(cidr);
    }
    Ok(Network::new(builder.build()))
}

/// `--format`, or the one the output's extension names; a mismatch between the two is refused.
fn report_format(format: Option<Format>, output: Option<&Path>) -> anyhow::Result<Format> {
    let named = output.and_then(Format::of_path);
    match (format, named) {
        (Some(format), Some(named)) if format != named => bail!(
            "--format {} does not match the extension of {} ({}): change one of them",
            format.name(),
            output
                .map(Path::display)
                .map(|p| p.to_string())
                .unwrap_or_default(),
            named.name()
        ),
        (Some(format), _) => Ok(format),
        (None, Some(named)) => Ok(named),
        (None, None) => Ok(Format::Table),
    }
}

/// Runs the analysis on its own pool, with the progress bar.
fn analyze_sources(
    args: &Args,
    config: &AnalysisConfig,
    network: &Network,
    sources: &[flowsieve::log::Source],
) -> anyhow::Result<Report> {
    let pool = {
        let mut builder = rayon::ThreadPoolBuilder::new();
        if let Some(threads) = args.threads {
            builder = builder.num_threads(threads);
        }
        builder.build().context("cannot start worker threads")?
    };
    let total: u64 = sources.iter().map(|s| s.size()).sum();
    let progress = ui::Progress::new(
        total,
        "{spinner} {bytes}/{total_bytes} {wide_bar} {msg} {eta}",
    );
    let started = Instant::now();
    let records = AtomicU64::new(0);
    let diagnoses = Mutex::new(Vec::new());
    let report = pool.install(|| {
        analyze_with_progress(config, network, sources, &|source, stats| {
            if let Some(line) = logs::diagnosis(source.label(), stats) {
                diagnoses
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(line);
            }
            let done =
                records.fetch_add(stats.counts.records, Ordering::Relaxed) + stats.counts.records;
            progress.inc(source.size());
            progress.message(|| {
                let rate = done as f64 / started.elapsed().as_secs_f64().max(1e-3);
                format!("{:.1} M records/s", rate / 1e6)
            });
        })
    })?;
    drop(progress);
    // In a fixed order, whatever the order the workers finished in.
    let mut diagnoses = diagnoses
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    diagnoses.sort();
    ui::list(&diagnoses, "objects mostly malformed");
    Ok(report)
}

/// The report in `format`.
fn render(
    report: &Report,
    format: Format,
    top: usize,
    width: Option<usize>,
) -> anyhow::Result<String> {
    Ok(match format {
        Format::Table => {
            flowsieve::render_table(report, top, width.unwrap_or_else(super::terminal_width))
        }
        Format::Markdown => flowsieve::render_markdown(report, top),
        Format::Json => {
            let mut json =
                serde_json::to_string_pretty(report).context("cannot serialise the report")?;
            json.push('\n');
            json
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_output_extension_picks_the_format_and_a_mismatch_is_refused() {
        let json = Some(Path::new("out/report.json"));
        assert_eq!(report_format(None, json).unwrap(), Format::Json);
        assert_eq!(
            report_format(None, Some(Path::new("r.MD"))).unwrap(),
            Format::Markdown
        );
        assert_eq!(
            report_format(None, Some(Path::new("r.txt"))).unwrap(),
            Format::Table
        );
        assert_eq!(report_format(None, None).unwrap(), Format::Table);
        assert_eq!(
            report_format(Some(Format::Json), json).unwrap(),
            Format::Json
        );
        assert_eq!(
            report_format(Some(Format::Table), json)
                .unwrap_err()
                .to_string(),
            "--format table does not match the extension of out/report.json (json): change one of them"
        );
    }
}

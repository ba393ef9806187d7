//! `flowsieve generate`: a seeded synthetic archive (inventory JSON, flow logs, ground truth), or
//! one of the small scenario accounts (`--scenario NAME`, `--list-scenarios`). All the work is
//! `flowsieve_synth::generate` / `generate_scenario`; this module parses arguments, checks
//! `--out` before generating, has the output written into a hidden `--out/.generate.partial`
//! directory (removed on failure or Ctrl-C) that is moved into `--out` once complete, shows
//! progress and prints a summary.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;
use flowsieve_synth::{FlowLogSpec, GenerateConfig, Layout};

use super::args;
use super::output::{self, TempDir};
use super::ui;

/// Arguments of `flowsieve generate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output directory (created with its parents): receives inventory/, logs/, truth.json
    /// (and labels/ with --labels; a scenario also writes labels/, and config/ or aws/ when it
    /// uses them); its logs/ and labels/ must be empty.
    #[arg(long, value_name = "DIR", required_unless_present = "list_scenarios")]
    pub out: Option<PathBuf>,
    /// About how many flow-log records to write, all flow logs together, 1 to 10^11 (also sets
    /// the simulated time span: 1000 records per second, at least an hour).
    #[arg(long, value_name = "N", value_parser = args::number(args::RECORDS),
          required_unless_present_any = ["scenario", "list_scenarios"])]
    pub records: Option<u64>,
    /// Seed of the inventory, the traffic and every name, 0 to 2^64-1; the output is a pure
    /// function of the arguments. With --scenario it moves only client ports and object names
    /// (default 1).
    #[arg(long, value_name = "S", required_unless_present_any = ["scenario", "list_scenarios"])]
    pub seed: Option<u64>,
    /// Write one small scenario account instead of the large archive: a network built like a
    /// real one where naive verdicts are wrong, with its truth (see --list-scenarios).
    #[arg(long, value_name = "NAME", conflicts_with_all = ["records", "layout", "malformed", "formats", "labels", "list_scenarios"])]
    pub scenario: Option<String>,
    /// Print the scenarios (name, story, what they test) and exit.
    #[arg(long, conflicts_with_all = ["out", "records", "seed"])]
    pub list_scenarios: bool,
    /// Object key layout.
    #[arg(long, value_name = "plain|hive", default_value = "plain", value_parser = parse_layout)]
    pub layout: Layout,
    /// Insert malformed lines of every class at known positions (listed in truth.json).
    #[arg(long)]
    pub malformed: bool,
    /// Flow logs to write: `default` (v2, 10-minute aggregation), `custom` (29 fields with
    /// tcp-flags, 1-minute aggregation).
    #[arg(long, value_name = "LIST", value_delimiter = ',', default_value = "default,custom", value_parser = parse_format)]
    pub formats: Vec<FlowLogSpec>,
    /// Also write labels/: the class of every line (header, forward, reverse, nodata, skipdata,
    /// malformed); as large as the uncompressed logs, meant for small archives.
    #[arg(long)]
    pub labels: bool,
    /// Extra distinct internet clients of the internet-facing load balancer's HTTPS traffic
    /// (addresses in 44.0.0.0/7, drawn uniformly), 0 to 33554432; that traffic then makes
    /// about 40 % of the records. With N clients and C connections of it about
    /// N·(1 − e^(−C/N)) distinct clients appear (2^25 and 300M records: more than 20M).
    #[arg(long, value_name = "N", default_value_t = 0,
          value_parser = clap::value_parser!(u64).range(0..=33_554_432))]
    pub internet_clients: u64,
}

fn parse_layout(s: &str) -> Result<Layout, String> {
    s.parse().map_err(|e: flowsieve_synth::Error| e.to_string())
}

fn parse_format(s: &str) -> Result<FlowLogSpec, String> {
    s.parse().map_err(|e: flowsieve_synth::Error| e.to_string())
}

/// Runs `flowsieve generate`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.list_scenarios {
        for s in flowsieve_synth::scenarios() {
            println!("{}\n    {}\n    tests: {}", s.name, s.story, s.tests);
        }
        return Ok(ExitCode::SUCCESS);
    }
    // clap requires --out unless --list-scenarios.
    let out = args.out.clone().unwrap_or_default();
    output::validate_dir(&out)?;
    flowsieve_synth::check_out_dir(&out)?;
    let staging = TempDir::create(out.join(".generate.partial"))?;
    if let Some(name) = &args.scenario {
        return run_scenario(name, &out, staging, args.seed.unwrap_or(1));
    }
    let cfg = GenerateConfig {
        out_dir: staging.path().to_owned(),
        // clap requires both unless --scenario or --list-scenarios.
        records: args.records.unwrap_or_default(),
        seed: args.seed.unwrap_or_default(),
        layout: args.layout,
        malformed: args.malformed,
        formats: args.formats,
        labels: args.labels,
        internet_clients: args.internet_clients,
    };
    let started = Instant::now();
    let summary = {
        let progress = ui::Progress::new(0, "{spinner} {pos}/{len} time slices {wide_bar} {eta}");
        flowsieve_synth::generate_with_progress(&cfg, &|done, total| {
            progress.set_length(total);
            progress.set(done);
        })
        .with_context(|| format!("generating the archive in {}", out.display()))?
    };
    staging.merge_into(&out)?;
    let seconds = started.elapsed().as_secs_f64();
    let mb = |b: u64| b as f64 / 1e6;
    println!(
        "wrote {} flow-log objects with {} records ({} lines) to {} in {:.1} s: {:.1} MB of text, {:.1} MB gzip ({:.0} records/s); \
         inventory in {}, ground truth in {}",
        summary.files,
        summary.records,
        summary.lines,
        out.join("logs").display(),
        seconds,
        mb(summary.bytes_uncompressed),
        mb(summary.bytes_compressed),
        summary.records as f64 / seconds.max(1e-9),
        out.join("inventory").display(),
        out.join("truth.json").display(),
    );
    Ok(ExitCode::SUCCESS)
}

/// `flowsieve generate --scenario NAME --out DIR`, written into `staging` then moved into `out`.
fn run_scenario(name: &str, out: &Path, staging: TempDir, seed: u64) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let summary = flowsieve_synth::generate_scenario(name, staging.path(), seed)
        .with_context(|| format!("generating the scenario {name} in {}", out.display()))?;
    staging.merge_into(out)?;
    println!(
        "wrote scenario {name} to {} in {:.2} s: {} flow-log objects, {} records, {} rules; ground truth in {}",
        out.display(),
        started.elapsed().as_secs_f64(),
        summary.files,
        summary.records,
        summary.rules,
        out.join("truth.json").display(),
    );
    Ok(ExitCode::SUCCESS)
}

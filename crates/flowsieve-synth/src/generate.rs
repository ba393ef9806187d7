//! [`generate`]: sizes the archive, calibrates the traffic rates, renders every unit in parallel,
//! merges the truth and writes the inventory and `truth.json`.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use crate::aws_json;
use crate::error::{Error, Result};
use crate::format::{FlowLogSpec, Texts};
use crate::inventory::{self, Inventory};
use crate::malformed;
use crate::matcher::Masks;
use crate::render::{PART_LIMIT, Plan, render_unit};
use crate::rng::{Stream, hash, purpose};
use crate::time::days_from_civil;
use crate::traffic::{self, SLICE, Schedule, Sim, Traffic, WinRecs};
use crate::truth::{self, FlowLogDoc, FlowTruth, GeneratorDoc, TruthDoc, VariantDoc, WindowDoc};
use crate::{GenerateConfig, GenerateSummary, Layout};

/// Records per simulated second the archive aims at: the window grows with `records`.
const RECORDS_PER_SECOND: u64 = 1000;
/// The shortest archive window.
const MIN_WINDOW: u64 = 3600;
/// Connections sampled per pattern to estimate its records per connection.
const PILOT: u64 = 256;

/// The archive window in seconds for a record target: a multiple of 600, at least an hour.
pub(crate) fn window_seconds(records: u64) -> u64 {
    let d = records.div_ceil(RECORDS_PER_SECOND).div_ceil(600) * 600;
    d.max(MIN_WINDOW)
}

/// The archive's first second: a Monday in March–April 2025 chosen by the seed, at midnight UTC.
pub(crate) fn start_time(seed: u64) -> u64 {
    let base = days_from_civil(2025, 3, 3);
    let days = base + (hash(&[seed, purpose::TIME]) % 8) as i64 * 7;
    u64::try_from(days).unwrap_or(0) * 86_400
}

/// The flow-log id of `spec` under `seed`.
pub(crate) fn flow_log_id(seed: u64, spec: FlowLogSpec) -> String {
    format!(
        "fl-{}",
        Stream::new(&[seed, purpose::FLOW_LOG_ID, spec.key()]).hex(17)
    )
}

/// Estimates each pattern's records per connection (summed over the flow logs), then sets the
/// Poisson rates so that the archive holds about `records` records.
fn calibrate(
    sim: &Sim<'_>,
    patterns: Vec<traffic::Pattern>,
    specs: &[FlowLogSpec],
    records: u64,
) -> Traffic {
    let d = sim.t_end - sim.t0;
    let mut t = Traffic {
        lambda: vec![0.0; patterns.len()],
        patterns,
    };
    let mut scratch = WinRecs::default();
    let mut per_conn = vec![0.0; t.patterns.len()];
    for (p, pat) in t.patterns.iter().enumerate() {
        let mut rng = Stream::new(&[sim.seed, purpose::PILOT, p as u64]);
        let mut total = 0u64;
        for _ in 0..PILOT {
            let start = sim.t0 + rng.below(d.min(MIN_WINDOW));
            let c = sim.sample_conn(pat, &mut rng, start);
            for spec in specs {
                total += sim.count_records(&c, u64::from(spec.aggregation_seconds()), &mut scratch);
            }
        }
        per_conn[p] = total as f64 / PILOT as f64;
    }
    let mut fixed = 0.0;
    let mut shares = 0u64;
    for (p, pat) in t.patterns.iter().enumerate() {
        match &pat.schedule {
            Schedule::Poisson(s) => shares += u64::from(*s),
            Schedule::Periodic(period) => {
                fixed += pat.pairs() as f64 * (d / period) as f64 * per_conn[p]
            }
            Schedule::At(list) => fixed += list.len() as f64 * per_conn[p],
        }
    }
    let dynamic = (records as f64 - fixed).max(0.0);
    for (p, pat) in t.patterns.iter().enumerate() {
        if let Schedule::Poisson(s) = pat.schedule
            && per_conn[p] > 0.0
            && shares > 0
        {
            t.lambda[p] = f64::from(s) / shares as f64 * dynamic / d as f64 / per_conn[p];
        }
    }
    t
}

/// Refuses an output directory whose `logs/` or `labels/` already holds files.
pub(crate) fn check_out_dir(out_dir: &Path) -> Result<()> {
    check_empty(&out_dir.join("logs"))?;
    check_empty(&out_dir.join("labels"))
}

/// Fails with [`Error::NotEmpty`] when `dir` exists and holds anything.
pub(crate) fn check_empty(dir: &Path) -> Result<()> {
    match fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(Error::NotEmpty {
                    path: dir.to_owned(),
                });
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(Error::ReadDir {
            path: dir.to_owned(),
            source,
        }),
    }
}

/// Writes `value` as JSON indented like the AWS CLI (4 spaces), creating the parent directory.
pub(crate) fn write_json(path: &Path, value: &impl Serialize) -> Result<()> {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(
        &mut out,
        serde_json::ser::PrettyFormatter::with_indent(b"    "),
    );
    value.serialize(&mut ser).map_err(|source| Error::Json {
        path: path.to_owned(),
        source,
    })?;
    out.push(b'\n');
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|source| Error::CreateDir {
            path: parent.to_owned(),
            source,
        })?;
    }
    let mut f = fs::File::create(path).map_err(|source| Error::Write {
        path: path.to_owned(),
        source,
    })?;
    f.write_all(&out).map_err(|source| Error::Write {
        path: path.to_owned(),
        source,
    })
}

/// The largest record target: 10^11 records (about 20 TB of text over three years of
/// simulated time) keeps the list of work units small.
pub(crate) const MAX_RECORDS: u64 = 100_000_000_000;

fn validate(cfg: &GenerateConfig) -> Result<()> {
    if cfg.records > MAX_RECORDS {
        return Err(Error::Config(format!(
            "at most {MAX_RECORDS} records (asked for {})",
            cfg.records
        )));
    }
    if cfg.internet_clients > crate::inventory::MAX_VIRTUAL_CLIENTS {
        return Err(Error::Config(format!(
            "at most {} internet clients (asked for {})",
            crate::inventory::MAX_VIRTUAL_CLIENTS,
            cfg.internet_clients
        )));
    }
    if cfg.formats.is_empty() {
        return Err(Error::Config("no flow-log format selected".into()));
    }
    for (i, f) in cfg.formats.iter().enumerate() {
        if cfg.formats[..i].contains(f) {
            return Err(Error::Config(format!("format {f} listed twice")));
        }
    }
    Ok(())
}

/// See the crate documentation.
pub(crate) fn generate(
    cfg: &GenerateConfig,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<GenerateSummary> {
    generate_with(cfg, PART_LIMIT, progress)
}

/// [`generate`] with another object size limit (tests use small ones to exercise splitting).
pub(crate) fn generate_with(
    cfg: &GenerateConfig,
    part_limit: usize,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<GenerateSummary> {
    validate(cfg)?;
    check_out_dir(&cfg.out_dir)?;
    let inv = inventory::build(cfg.seed);
    let masks = Masks::new(&inv);
    let texts = Texts::new(&inv);
    let d = window_seconds(cfg.records);
    let t0 = start_time(cfg.seed);
    let sim = Sim {
        inv: &inv,
        masks: &masks,
        seed: cfg.seed,
        t0,
        t_end: t0 + d,
    };
    let traffic = calibrate(
        &sim,
        traffic::build(&inv, d, cfg.internet_clients),
        &cfg.formats,
        cfg.records,
    );
    let n_slots = d / SLICE;
    let fl_ids: Vec<String> = cfg
        .formats
        .iter()
        .map(|&s| flow_log_id(cfg.seed, s))
        .collect();
    let defects = if cfg.malformed {
        malformed::plan(cfg.seed, &cfg.formats, n_slots)
    } else {
        Default::default()
    };
    let plan = Plan {
        sim,
        traffic: &traffic,
        texts: &texts,
        specs: &cfg.formats,
        fl_ids: &fl_ids,
        out_dir: &cfg.out_dir,
        layout: cfg.layout,
        labels: cfg.labels,
        defects: &defects,
        part_limit,
    };
    let n_fl = cfg.formats.len();
    let units: Vec<(usize, u64)> = (0..n_fl)
        .flat_map(|fl| (0..n_slots).map(move |s| (fl, s)))
        .collect();
    let empty = || (0..n_fl).map(|_| FlowTruth::new(&inv)).collect::<Vec<_>>();
    let total = units.len() as u64;
    let done = std::sync::atomic::AtomicU64::new(0);
    let merged = units
        .par_iter()
        .map(|&(fl, slot)| {
            let t = render_unit(&plan, fl, slot)?;
            progress(
                done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1,
                total,
            );
            let mut v = empty();
            v[fl] = t;
            Ok(v)
        })
        .try_reduce(empty, |mut a, b| {
            for (x, y) in a.iter_mut().zip(b) {
                x.merge(y);
            }
            Ok(a)
        })?;

    let inventory_dir = cfg.out_dir.join("inventory");
    for (name, doc) in aws_json::documents(&inv) {
        write_json(&inventory_dir.join(name), &doc)?;
    }
    let truth_path = cfg.out_dir.join("truth.json");
    let summary = summarise(&merged, truth_path.clone());
    let doc = truth_document(cfg, &inv, &fl_ids, merged, t0, d);
    write_json(&truth_path, &doc)?;
    Ok(summary)
}

fn summarise(flows: &[FlowTruth], truth_path: PathBuf) -> GenerateSummary {
    GenerateSummary {
        files: flows.iter().map(|f| f.files).sum(),
        lines: flows.iter().map(|f| f.lines.total).sum(),
        records: flows.iter().map(|f| f.lines.records).sum(),
        bytes_uncompressed: flows.iter().map(|f| f.bytes_raw).sum(),
        bytes_compressed: flows.iter().map(|f| f.bytes_gz).sum(),
        truth_path,
    }
}

fn truth_document(
    cfg: &GenerateConfig,
    inv: &Inventory,
    fl_ids: &[String],
    flows: Vec<FlowTruth>,
    t0: u64,
    d: u64,
) -> TruthDoc {
    let flow_logs = flows
        .into_iter()
        .zip(&cfg.formats)
        .zip(fl_ids)
        .map(|((mut t, &spec), id)| {
            t.malformed.sort();
            FlowLogDoc {
                id: id.clone(),
                name: spec.name(),
                format: spec.log_format(),
                aggregation_seconds: spec.aggregation_seconds(),
                has_tcp_flags: spec.has_tcp_flags(),
                files: t.files,
                lines: t.lines,
                rules: truth::rule_docs(inv, &t),
                reject_hotspots: truth::hotspot_docs(inv, &t),
                other_rejects: t.other,
                malformed: t.malformed,
            }
        })
        .collect();
    TruthDoc {
        schema_version: 1,
        generator: GeneratorDoc {
            seed: cfg.seed,
            records: cfg.records,
            layout: match cfg.layout {
                Layout::Plain => "plain",
                Layout::Hive => "hive",
            },
            malformed: cfg.malformed,
            formats: cfg.formats.iter().map(|f| f.name()).collect(),
            labels: cfg.labels,
        },
        window: WindowDoc {
            start: t0,
            end: t0 + d,
        },
        flow_logs,
        traps: truth::trap_docs(inv),
        variant: VariantDoc {
            backup_rds_rule_missing: inv.backup_rds_rule_missing,
        },
    }
}

//! What `analyze` says about its inputs and its result besides the report: inventory findings,
//! unreadable objects and unusable logs on stderr (one line each, counted when many), the
//! refusals of empty or unjudgeable runs (unless `--allow-empty`), and the exit status with the
//! `--fail-on` gate that tripped. The decisions come from the library
//! ([`flowsieve::Report::judgeable`]); this module words them.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::bail;
use flowsieve::{ATTRIBUTION_FIELDS, Judgeable, Network, NoticeCode, Report};

use super::analyze::FailOn;
use super::logs::KeyArgs;
use super::ui;

/// Prints the inventory's findings on stderr, one line each, counted when many (once the logs
/// are listed: a run that fails before reading anything says only why).
pub fn print_findings(network: &Network) {
    let lines: Vec<String> = network
        .inventory()
        .findings()
        .iter()
        .map(|f| {
            format!(
                "flowsieve: inventory {} [{}]: {}",
                f.severity.as_str(),
                f.code,
                f.message
            )
        })
        .collect();
    ui::list(&lines, "inventory findings (all of them in the report)");
}

/// Whether the inventory holds no security group, rule or network interface.
pub fn is_empty(network: &Network) -> bool {
    let inventory = network.inventory();
    inventory.security_groups().is_empty()
        && inventory.rules().is_empty()
        && inventory.network_interfaces().is_empty()
}

/// Refuses (after printing its findings) an inventory that holds nothing (no group, rule or network interface), unless
/// `allow_empty`.
pub fn check_inventory(
    network: &Network,
    paths: &[PathBuf],
    allow_empty: bool,
) -> anyhow::Result<()> {
    if !is_empty(network) {
        return Ok(());
    }
    // The run stops here (or goes on with nothing): its findings first.
    print_findings(network);
    let shown = paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let without_json: Vec<&PathBuf> = paths
        .iter()
        .filter(|p| p.is_dir() && !holds_json(p))
        .collect();
    let why = if without_json.is_empty() {
        "none of its JSON is AWS CLI or Terraform output".to_owned()
    } else {
        format!(
            "{} holds no .json file (flow logs? the inventory goes with -i, the flow logs as LOGS)",
            without_json
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    if allow_empty {
        ui::warn(&format!(
            "the inventory ({shown}) holds no security group, rule or network interface: {why}"
        ));
        return Ok(());
    }
    bail!(
        "the inventory ({shown}) holds no security group, rule or network interface: {why}; \
         --allow-empty analyses anyway"
    )
}

/// Whether a directory holds a `.json` file, at any depth (hidden entries skipped, as the
/// loader does).
fn holds_json(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().any(|entry| {
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        !hidden
            && (path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"))
                || (path.is_dir() && holds_json(&path)))
    })
}

/// What the run could judge, for the exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Judged {
    /// Records were attributed.
    Yes,
    /// Records in the window, none attributed: `--fail-on` cannot pass or fail.
    Nothing,
    /// An empty run accepted by `--allow-empty`.
    EmptyAllowed,
}

/// Prints what the run could not read or use, then refuses a run with nothing to judge
/// (unless `allow_empty`, which turns the refusal into a warning).
pub fn check_report(report: &Report, keys: &KeyArgs, allow_empty: bool) -> anyhow::Result<Judged> {
    let s = &report.summary;
    let judgeable = report.judgeable();
    let unusable: Vec<String> = s
        .unusable_logs
        .iter()
        .map(|log| {
            format!(
                "flowsieve: {}{}: its format lacks {}: {} records not attributed",
                if matches!(judgeable, Judgeable::NoUsableLogs { .. }) {
                    ""
                } else {
                    "warning: "
                },
                log.file,
                log.missing_fields.join(", "),
                log.records
            )
        })
        .collect();
    let unreadable: Vec<String> = s
        .file_errors
        .iter()
        .map(|e| format!("flowsieve: warning: {}", e.error))
        .collect();
    ui::list(&unreadable, "objects not read completely");
    let empty = match judgeable {
        Judgeable::Yes => {
            ui::list(&unusable, "logs with unusable formats");
            return Ok(Judged::Yes);
        }
        Judgeable::NoUsableLogs { .. } => {
            ui::list(&unusable, "logs with unusable formats");
            let needed: Vec<&str> = ATTRIBUTION_FIELDS.iter().map(|f| f.aws_name()).collect();
            bail!(
                "no log has the fields attribution needs ({}): nothing can be judged; give \
                 header-less logs their format with --log-format",
                needed.join(", ")
            );
        }
        Judgeable::NothingAttributed { records } => {
            ui::list(&unusable, "logs with unusable formats");
            let u = &s.unattributed;
            ui::warn(&format!(
                "none of the {records} records in the window could be attributed (ENIs not in \
                 the inventory {}, no interface-id {}, a field is '-' {}, direction unknown {}): \
                 no rule can be judged",
                s.unknown_eni_records, u.no_interface, u.incomplete, u.direction_unknown
            ));
            return Ok(Judged::Nothing);
        }
        // Nothing read because objects could not be read: said above, and exit 1 with the
        // report of what was read.
        Judgeable::NoRecords if !s.file_errors.is_empty() => return Ok(Judged::Nothing),
        Judgeable::NoObjects { listed, .. } => {
            let mut filters = Vec::new();
            if s.since.is_some() || s.until.is_some() {
                filters.push("--since/--until");
            }
            filters.extend(keys.flags());
            format!(
                "all {listed} objects were pruned by their key ({}): nothing was read",
                filters.join(", ")
            )
        }
        Judgeable::NoRecords => format!(
            "no flow-log record in the {} objects read ({} header, {} NODATA, {} SKIPDATA, {} \
             malformed, {} blank lines; {} objects not read completely)",
            s.files,
            s.header,
            s.nodata,
            s.skipdata,
            s.malformed,
            s.blank,
            s.file_errors.len()
        ),
        Judgeable::NoRecordsInWindow { records } => {
            ui::list(&unusable, "logs with unusable formats");
            format!(
                "none of the {records} records lies in the window {} – {}",
                bound(s.since),
                bound(s.until)
            )
        }
        // `Judgeable` may grow: a cause this CLI does not know yet is still a refusal.
        _ => "no record could be judged".to_owned(),
    };
    if allow_empty {
        ui::warn(&format!("{empty}; the report is empty (--allow-empty)"));
        return Ok(Judged::EmptyAllowed);
    }
    bail!("{empty}; --allow-empty accepts an empty run")
}

/// Prints the report's notices that change how to read it: what the capture was inferred to be
/// (a flow log with REJECTs and no ACCEPT is read as REJECT-only; one with no REJECT may capture
/// ACCEPTs only) as warnings, rule changes inside the window as a note. The others are said by
/// the summary line or by [`check_report`].
pub fn print_notices(report: &Report) {
    let mut warnings = Vec::new();
    for notice in &report.notices {
        match notice.code {
            NoticeCode::RejectOnlyCaptureInferred | NoticeCode::NoRejectsCaptured => {
                warnings.push(format!("flowsieve: warning: {}", notice.message));
            }
            NoticeCode::RulesChangedInWindow => ui::note(&notice.message),
            _ => {}
        }
    }
    ui::list(&warnings, "flow logs whose capture was inferred");
}

/// A window bound as UTC text, or `…` when open.
fn bound(seconds: Option<i64>) -> String {
    seconds
        .and_then(|s| jiff::Timestamp::from_second(s).ok())
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| "…".to_owned())
}

/// The exit status: 1 when an object could not be read completely or `--fail-on` has nothing
/// to judge, 3 when a `--fail-on` gate trips (each one said on stderr), else 0 (also for an
/// empty run `--allow-empty` accepted).
pub fn exit_code(report: &Report, judged: Judged, fail_on: &[FailOn]) -> ExitCode {
    let s = &report.summary;
    if !s.file_errors.is_empty() {
        ui::line(&format!(
            "flowsieve: error: {} object(s) could not be read completely; the report covers what \
             was read",
            s.file_errors.len()
        ));
        return ExitCode::from(1);
    }
    match judged {
        _ if fail_on.is_empty() => return ExitCode::SUCCESS,
        Judged::Yes => {}
        Judged::Nothing => {
            ui::line("flowsieve: error: --fail-on cannot pass or fail: no record was attributed");
            return ExitCode::from(1);
        }
        Judged::EmptyAllowed => {
            ui::note("--fail-on not evaluated: the run is empty (--allow-empty)");
            return ExitCode::SUCCESS;
        }
    }
    let mut gates = fail_on.to_vec();
    gates.sort_by_key(|g| *g as u8);
    gates.dedup();
    let mut tripped = false;
    for gate in gates {
        let (flag, count, what) = match gate {
            FailOn::Unused => ("unused", s.rule_status.unused, "unused rules"),
            FailOn::Rejects => (
                "rejects",
                report.reject_hotspots.len() as u64,
                "REJECT hotspots",
            ),
        };
        if count > 0 {
            ui::line(&format!("flowsieve: --fail-on {flag}: {count} {what}"));
            tripped = true;
        }
    }
    if tripped {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    }
}

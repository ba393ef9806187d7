//! The summary: line accounting, the analysed window, attribution and orientation counts.

use std::collections::BTreeMap;

use super::Context;
use crate::orient::Evidence;
use crate::report::{
    FileError, LineSample, OrientationCount, RuleStatusCounts, Summary, Unattributed, UnusableLog,
};

pub(crate) fn build(
    ctx: &Context<'_>,
    files_listed: u64,
    files_pruned: u64,
    rule_status: RuleStatusCounts,
    window: Option<(i64, i64)>,
    icmp_paired: [u64; 2],
) -> Summary {
    let acc = ctx.acc;
    let lines = &acc.lines;
    // ICMP records are counted as unpaired while attributing; the report paired some.
    let mut counts = acc.evidence;
    counts[Evidence::IcmpPaired.index()] = icmp_paired;
    let unpaired = &mut counts[Evidence::IcmpUnpaired.index()][0];
    *unpaired = unpaired.saturating_sub(icmp_paired[0] + icmp_paired[1]);
    let orientation: Vec<OrientationCount> = Evidence::ALL
        .iter()
        .map(|&evidence| OrientationCount {
            evidence,
            forward: counts[evidence.index()][0],
            reverse: counts[evidence.index()][1],
        })
        .collect();
    let attributed = orientation.iter().map(|o| o.forward + o.reverse).sum();
    Summary {
        files: acc.files,
        files_listed,
        files_pruned,
        bytes: acc.bytes_read,
        records: lines.counts.records,
        nodata: lines.counts.nodata,
        skipdata: lines.counts.skipdata,
        malformed: lines.counts.malformed,
        header: lines.counts.header,
        blank: lines.counts.blank,
        malformed_by_reason: lines
            .malformed_reasons()
            .map(|(r, n)| (r.to_owned(), n))
            .collect(),
        samples: samples(ctx),
        file_errors: file_errors(ctx),
        unusable_logs: unusable_logs(ctx),
        window_start: acc.window.first_seen(),
        window_end: acc.window.last_seen(),
        analysis_start: window.map(|w| w.0),
        analysis_end: window.map(|w| w.1),
        since: ctx.config.since,
        until: ctx.config.until,
        attributed_records: attributed,
        unknown_eni_records: acc.unknown_enis.values().map(|(l, _)| l.ok).sum(),
        unattributed: Unattributed {
            no_interface: acc.unattributed.no_interface,
            direction_unknown: acc.unattributed.direction_unknown,
            incomplete: acc.unattributed.incomplete,
            outside_window: acc.unattributed.outside_window,
            unusable_format: acc.unattributed.unusable_format,
        },
        orientation,
        rule_status,
        distinct_tuples: acc.flows.len() as u64,
    }
}

/// Sampled malformed lines: the first few per reason, by (file, line).
fn samples(ctx: &Context<'_>) -> Vec<LineSample> {
    let mut samples: Vec<LineSample> = ctx.acc.lines.samples.iter().map(LineSample::from).collect();
    samples.sort_by(|a, b| a.file.cmp(&b.file).then(a.line.cmp(&b.line)));
    let mut kept: BTreeMap<String, usize> = BTreeMap::new();
    samples.retain(|s| {
        let n = kept.entry(s.reason.clone()).or_insert(0);
        *n += 1;
        *n <= ctx.config.sample_limit
    });
    samples
}

fn file_errors(ctx: &Context<'_>) -> Vec<FileError> {
    let mut errors: Vec<FileError> = ctx
        .acc
        .file_errors
        .iter()
        .map(|(file, error)| FileError {
            file: file.clone(),
            error: error.clone(),
        })
        .collect();
    errors.sort_by(|a, b| a.file.cmp(&b.file));
    errors
}

/// Logs whose format lacks fields attribution needs, by object.
fn unusable_logs(ctx: &Context<'_>) -> Vec<UnusableLog> {
    let mut logs: Vec<UnusableLog> = ctx
        .acc
        .unusable_logs
        .iter()
        .map(|(file, missing, records)| UnusableLog {
            file: file.clone(),
            missing_fields: missing.iter().map(|f| f.aws_name().to_owned()).collect(),
            records: *records,
        })
        .collect();
    logs.sort_by(|a, b| a.file.cmp(&b.file));
    logs
}

//! What the logs observed: the analysis window, each flow log's capture, each ENI's observed
//! buckets, and per group whether every ENI carrying it was observed with ACCEPT traffic
//! captured for the whole window — the coverage half of the proof behind `unused`.

use std::collections::BTreeSet;

use flowsieve_sg::EniIdx;

use super::{Context, Map, map};
use crate::coverage::{BUCKET_SECONDS, BucketSet, FlowLogObservation, bucket, union_span};
use crate::report::{
    CarrierObservation, Coverage, EniObservation, FlowLogSummary, Reason, TrafficType,
};

/// Gaps listed per ENI in the report.
const MAX_GAPS: usize = 20;

/// The analysis window and what every ENI's flow logs showed in it.
pub(crate) struct Observed {
    /// `[start, end]` unix seconds, when anything defines a window.
    pub(crate) window: Option<(i64, i64)>,
    /// Per flow log slot: whether it captures ACCEPT traffic (declared or inferred).
    captures_accept: Vec<bool>,
    /// Per ENI index.
    enis: Vec<EniView>,
    /// Per group id, computed on first use.
    groups: std::cell::RefCell<Map<String, GroupCoverage>>,
}

/// One ENI across every flow log.
#[derive(Default)]
struct EniView {
    /// Buckets with a line from a flow log capturing ACCEPT traffic.
    accept: BucketSet,
    /// Buckets with any line.
    any: BucketSet,
    skipped: BucketSet,
    /// Flow log slots that observed it.
    flow_logs: Vec<usize>,
    /// Buckets of unobserved time tolerated between two lines (two aggregation intervals).
    tolerance: u32,
    /// The first and last second of an ACCEPT-capturing line, and of any line.
    accept_span: Option<(i64, i64)>,
    any_span: Option<(i64, i64)>,
    /// The longest aggregation interval of its flow logs: with every interval logged, the
    /// first line starts and the last line ends within this many seconds of the window's edges.
    edge_seconds: i64,
}

/// Which lines of an ENI a coverage question counts.
#[derive(Clone, Copy)]
enum Lines {
    /// Lines of flow logs that capture ACCEPT traffic.
    Accept,
    /// Every line.
    Any,
}

/// The coverage of one group's carriers.
#[derive(Clone)]
pub(crate) struct GroupCoverage {
    pub(crate) coverage: Coverage,
    /// Coverage reasons, in [`Reason`] order.
    pub(crate) reasons: Vec<Reason>,
    pub(crate) carriers: Vec<EniIdx>,
}

impl Observed {
    pub(crate) fn new(ctx: &Context<'_>) -> Observed {
        let acc = ctx.acc;
        let window = match (
            ctx.config.since.or(acc.lines_window.first_seen()),
            ctx.config
                .until
                .map(|u| u - 1)
                .or(acc.lines_window.last_seen()),
        ) {
            (Some(a), Some(b)) if a <= b => Some((a, b)),
            _ => None,
        };
        // What each flow log captures: as `describe-flow-logs` declares it, else inferred (a
        // flow log without ACCEPT records is taken as not capturing them).
        let captures_accept: Vec<bool> = acc
            .flow_logs
            .iter()
            .map(|(id, o)| {
                declared(ctx, id).map_or(o.accepts > 0, |c| c.traffic_type.captures_accept())
            })
            .collect();
        let mut enis: Vec<EniView> = (0..acc.eni_lines.len())
            .map(|_| EniView::default())
            .collect();
        for (slot, (id, observation)) in acc.flow_logs.iter().enumerate() {
            let aggregation = aggregation_seconds(ctx, id, observation);
            let tolerance = u32::try_from((2 * aggregation + BUCKET_SECONDS - 1) / BUCKET_SECONDS)
                .unwrap_or(u32::MAX);
            for (eni, set) in observation.observed.iter().enumerate() {
                if set.is_empty() {
                    continue;
                }
                let view = &mut enis[eni];
                view.any.union(set);
                if captures_accept[slot] {
                    view.accept.union(set);
                }
                view.flow_logs.push(slot);
                view.tolerance = view.tolerance.max(tolerance);
                view.edge_seconds = view.edge_seconds.max(aggregation);
                let span = observation.spans.get(eni).copied().flatten();
                view.any_span = union_span(view.any_span, span);
                if captures_accept[slot] {
                    view.accept_span = union_span(view.accept_span, span);
                }
            }
            for (&eni, set) in &observation.skipped {
                if let Some(view) = enis.get_mut(eni as usize) {
                    view.skipped.union(set);
                }
            }
        }
        Observed {
            window,
            captures_accept,
            enis,
            groups: std::cell::RefCell::new(map()),
        }
    }

    fn buckets(&self) -> Option<(u32, u32)> {
        self.window.map(|(a, b)| (bucket(a), bucket(b)))
    }

    /// Whether an ENI's `lines` cover `span` (`[start, end]` seconds).
    fn fully_observed_during(&self, eni: EniIdx, lines: Lines, span: (i64, i64)) -> bool {
        let Some(view) = self.enis.get(eni.0 as usize) else {
            return false;
        };
        self.gaps_during(view, lines, span).is_empty()
    }

    /// The part of the window during which a carrier version existed (`None` when it did not
    /// exist in the window at all).
    fn window_during(&self, from: Option<i64>, until: Option<i64>) -> Option<(i64, i64)> {
        let (start, end) = self.window?;
        let start = from.map_or(start, |f| start.max(f));
        let end = until.map_or(end, |u| end.min(u - 1));
        (start <= end).then_some((start, end))
    }

    /// The unobserved stretches of the window for an ENI's `lines`, as inclusive bucket
    /// ranges: gaps between lines longer than the tolerance, and at either edge more than one
    /// aggregation interval of unobserved time (judged to the second).
    fn gaps(&self, view: &EniView, lines: Lines) -> Vec<(u32, u32)> {
        match self.window {
            Some(span) => self.gaps_during(view, lines, span),
            None => Vec::new(),
        }
    }

    /// [`Self::gaps`] over `[start, end]` rather than the whole window.
    fn gaps_during(
        &self,
        view: &EniView,
        lines: Lines,
        (start, end): (i64, i64),
    ) -> Vec<(u32, u32)> {
        let (first, last) = (bucket(start), bucket(end));
        let (set, span) = match lines {
            Lines::Accept => (&view.accept, view.accept_span),
            Lines::Any => (&view.any, view.any_span),
        };
        let mut gaps = set.gaps(first, last, view.tolerance);
        let Some((seen_from, seen_until)) = span else {
            return gaps;
        };
        // `end` is the window's last second: a fully logged ENI has a line ending at or after
        // the start of the interval holding it, at most `edge_seconds` before `end + 1`.
        if seen_from - start > view.edge_seconds && gaps.first().is_none_or(|g| g.0 != first) {
            gaps.insert(0, (first, bucket(seen_from).saturating_sub(1).max(first)));
        }
        if end + 1 - seen_until > view.edge_seconds && gaps.last().is_none_or(|g| g.1 != last) {
            gaps.push(((bucket(seen_until) + 1).min(last), last));
        }
        gaps
    }

    fn skipped_in_window(&self, eni: EniIdx) -> bool {
        let (Some((first, last)), Some(view)) = (self.buckets(), self.enis.get(eni.0 as usize))
        else {
            return false;
        };
        view.skipped.count_in(first, last) > 0
    }

    /// The coverage of the ENIs carrying `group_id`.
    pub(crate) fn group(&self, ctx: &Context<'_>, group_id: &str) -> GroupCoverage {
        if let Some(found) = self.groups.borrow().get(group_id) {
            return found.clone();
        }
        let computed = self.compute_group(ctx, group_id);
        self.groups
            .borrow_mut()
            .insert(group_id.to_owned(), computed.clone());
        computed
    }

    fn compute_group(&self, ctx: &Context<'_>, group_id: &str) -> GroupCoverage {
        // Each carrier is judged over the part of the window its version carried the group
        // (inventory history); with one snapshot that is the whole window.
        let spans: Vec<(EniIdx, (i64, i64))> = super::carrier_spans(ctx.matcher, group_id)
            .into_iter()
            .filter_map(|(e, from, until)| Some((e, self.window_during(from, until)?)))
            .collect();
        let carriers: Vec<EniIdx> = {
            let mut c: Vec<EniIdx> = spans.iter().map(|&(e, _)| e).collect();
            c.dedup();
            c
        };
        // `spans` is sorted by ENI: a carrier's spans are one contiguous run (a group carried by
        // thousands of short-lived task ENIs stays linear).
        let fully = |e: EniIdx, lines: Lines| {
            let first = spans.partition_point(|&(c, _)| c < e);
            spans[first..]
                .iter()
                .take_while(|(c, _)| *c == e)
                .all(|&(_, span)| self.fully_observed_during(e, lines, span))
        };
        let in_logs = carriers.iter().filter(|&&e| self.any(e)).count() as u64;
        let accept_seen = carriers.iter().filter(|&&e| self.accept_any(e)).count() as u64;
        let full = carriers
            .iter()
            .filter(|&&e| fully(e, Lines::Accept))
            .count() as u64;
        // Observed throughout by some line, but not by an ACCEPT-capturing one throughout.
        let accept_partly = carriers
            .iter()
            .any(|&e| fully(e, Lines::Any) && !fully(e, Lines::Accept));
        let time_partly = carriers.iter().any(|&e| !fully(e, Lines::Any));
        let skipped = carriers
            .iter()
            .filter(|&&e| self.skipped_in_window(e))
            .count() as u64;
        let mut reasons = Vec::new();
        if carriers.is_empty() {
            reasons.push(Reason::NoCarrierEnis);
        } else if in_logs == 0 {
            reasons.push(Reason::NoLogsForGroup);
        } else {
            if time_partly {
                reasons.push(Reason::PartialCoverage);
            }
            if accept_seen < in_logs || accept_partly {
                reasons.push(Reason::RejectOnlyCapture);
            }
        }
        if skipped > 0 {
            reasons.push(Reason::Skipdata);
        }
        reasons.sort();
        GroupCoverage {
            coverage: Coverage {
                enis: carriers.len() as u64,
                enis_in_logs: in_logs,
                enis_with_skipdata: skipped,
                enis_fully_observed: full,
                observed_fraction: self.all_observed_fraction(&carriers),
            },
            reasons,
            carriers,
        }
    }

    fn any(&self, eni: EniIdx) -> bool {
        self.enis
            .get(eni.0 as usize)
            .is_some_and(|v| !v.any.is_empty())
    }

    fn accept_any(&self, eni: EniIdx) -> bool {
        self.enis
            .get(eni.0 as usize)
            .is_some_and(|v| !v.accept.is_empty())
    }

    /// The share of the window's buckets in which every carrier has an ACCEPT-capturing line
    /// (gaps shorter than the tolerance count as observed).
    fn all_observed_fraction(&self, carriers: &[EniIdx]) -> f64 {
        let Some((first, last)) = self.buckets() else {
            return 0.0;
        };
        if carriers.is_empty() {
            return 0.0;
        }
        let total = u64::from(last - first) + 1;
        let mut unobserved = BucketSet::default();
        for &eni in carriers {
            match self.enis.get(eni.0 as usize) {
                Some(view) => {
                    for (a, b) in self.gaps(view, Lines::Accept) {
                        unobserved.insert_range(a, b);
                    }
                }
                None => unobserved.insert_range(first, last),
            }
        }
        let observed = total - unobserved.count_in(first, last);
        (observed as f64 / total as f64 * 10_000.0).round() / 10_000.0
    }

    /// How each carrier was observed (the evidence of an `unused` verdict).
    pub(crate) fn carriers(
        &self,
        ctx: &Context<'_>,
        carriers: &[EniIdx],
    ) -> Vec<CarrierObservation> {
        let mut out: Vec<CarrierObservation> = carriers
            .iter()
            .map(|&eni| {
                let view = self.enis.get(eni.0 as usize);
                let slots = view.map(|v| v.flow_logs.as_slice()).unwrap_or_default();
                let mut types = BTreeSet::new();
                for &slot in slots {
                    types.extend(self.traffic_types(ctx, slot));
                }
                let (from, until) = view
                    .and_then(|v| self.observed_span(&v.any))
                    .map_or((None, None), |(a, b)| (Some(a), Some(b)));
                CarrierObservation {
                    eni_id: ctx.matcher.eni(eni).id.clone(),
                    observed_from: from,
                    observed_until: until,
                    flow_logs: slots
                        .iter()
                        .map(|&s| ctx.acc.flow_logs[s].0.clone())
                        .collect(),
                    traffic_types: types.into_iter().collect(),
                }
            })
            .collect();
        out.sort_by(|a, b| a.eni_id.cmp(&b.eni_id));
        out
    }

    /// The first and last observed bucket inside the window, as unix seconds.
    fn observed_span(&self, set: &BucketSet) -> Option<(i64, i64)> {
        let (first, last) = self.buckets()?;
        let mut marked = set.iter_in(first, last);
        let a = marked.next()?;
        let b = marked.last().unwrap_or(a);
        Some((
            i64::from(a) * BUCKET_SECONDS,
            (i64::from(b) + 1) * BUCKET_SECONDS - 1,
        ))
    }

    /// What a flow log captures: its `TrafficType` when `describe-flow-logs` is loaded, else
    /// inferred from its records — ACCEPT when it holds any, REJECT when it holds any REJECT or
    /// no ACCEPT (a flow log with neither is taken as capturing nothing provable).
    fn traffic_types(&self, ctx: &Context<'_>, slot: usize) -> Vec<TrafficType> {
        let (id, observation) = &ctx.acc.flow_logs[slot];
        if let Some(config) = declared(ctx, id) {
            let t = config.traffic_type;
            let mut types = Vec::new();
            if t.captures_accept() {
                types.push(TrafficType::Accept);
            }
            if t.captures_reject() {
                types.push(TrafficType::Reject);
            }
            return types;
        }
        let mut types = Vec::new();
        if self.captures_accept[slot] {
            types.push(TrafficType::Accept);
        }
        if observation.rejects > 0 || observation.accepts == 0 {
            types.push(TrafficType::Reject);
        }
        types
    }

    /// The report's flow-log section.
    pub(crate) fn flow_logs(&self, ctx: &Context<'_>) -> Vec<FlowLogSummary> {
        ctx.acc
            .flow_logs
            .iter()
            .enumerate()
            .map(|(slot, (id, o))| FlowLogSummary {
                id: id.clone(),
                traffic_types: self.traffic_types(ctx, slot),
                traffic_types_declared: declared(ctx, id).is_some(),
                accept_records: o.accepts,
                reject_records: o.rejects,
                records_with_tcp_flags: o.with_flags,
                aggregation_seconds: aggregation_seconds(ctx, id, o),
                enis_observed: o.observed.iter().filter(|s| !s.is_empty()).count() as u64,
            })
            .collect()
    }

    /// The report's per-ENI section: every ENI that carries groups or was logged.
    pub(crate) fn enis(&self, ctx: &Context<'_>) -> Vec<EniObservation> {
        let m = ctx.matcher;
        let mut out = Vec::new();
        for (i, view) in self.enis.iter().enumerate() {
            let eni = m.eni(EniIdx(i as u32));
            if eni.group_ids.is_empty() && view.any.is_empty() {
                continue;
            }
            let (observed_fraction, gaps, skipdata) = match self.buckets() {
                Some((first, last)) => {
                    let total = u64::from(last - first) + 1;
                    let gaps = self.gaps(view, Lines::Any);
                    let skips = runs(&view.skipped, first, last);
                    (
                        (view.any.count_in(first, last) as f64 / total as f64 * 10_000.0).round()
                            / 10_000.0,
                        gaps,
                        skips,
                    )
                }
                None => (0.0, Vec::new(), Vec::new()),
            };
            let span = self.observed_span(&view.any);
            out.push(EniObservation {
                eni_id: eni.id.clone(),
                group_ids: eni.group_ids.clone(),
                first_seen: span.map(|s| s.0),
                last_seen: span.map(|s| s.1),
                flow_logs: view
                    .flow_logs
                    .iter()
                    .map(|&s| ctx.acc.flow_logs[s].0.clone())
                    .collect(),
                observed_fraction,
                gap_count: gaps.len() as u64,
                gaps: gaps.iter().take(MAX_GAPS).map(|&r| seconds(r)).collect(),
                skipdata: skipdata.into_iter().map(seconds).collect(),
            });
        }
        out.sort_by(|a, b| a.eni_id.cmp(&b.eni_id));
        out
    }
}

/// The flow log `id` as `describe-flow-logs` describes it, when loaded.
fn declared<'c>(ctx: &Context<'c>, id: &str) -> Option<&'c flowsieve_sg::FlowLogConfig> {
    ctx.network
        .inventory()
        .flow_logs()
        .iter()
        .find(|c| !id.is_empty() && c.id == id)
}

/// A flow log's aggregation interval: declared, else inferred from its lines.
fn aggregation_seconds(ctx: &Context<'_>, id: &str, o: &FlowLogObservation) -> i64 {
    declared(ctx, id)
        .and_then(|c| c.max_aggregation_interval)
        .map_or_else(|| o.aggregation_seconds(), i64::from)
}

/// Bucket range → `[start, end)` seconds.
fn seconds((a, b): (u32, u32)) -> [i64; 2] {
    [
        i64::from(a) * BUCKET_SECONDS,
        (i64::from(b) + 1) * BUCKET_SECONDS,
    ]
}

/// The runs of set buckets in `first..=last`.
fn runs(set: &BucketSet, first: u32, last: u32) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = Vec::new();
    for b in set.iter_in(first, last) {
        match out.last_mut() {
            Some(run) if run.1 + 1 == b => run.1 = b,
            _ => out.push((b, b)),
        }
    }
    out
}

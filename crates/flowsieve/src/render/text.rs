//! The report as terminal tables of a given width ([`render_table`]). Ids (rules, groups, ENIs),
//! CIDRs, ports and counts are never cut; group names are shown as short unique labels, spelt
//! out once in the GROUPS legend at the end; group sets, reasons and messages are wrapped at
//! word boundaries. Closed sets use the JSON report's codes (`peer_class`, `likely_cause`,
//! `status`); reasons of unknown rules are in words.

use std::fmt::Write;

use super::labels::Labels;
use super::table::{Column, Table, fixed, number, wrap};
use super::{
    finding_text, ports, proto, reasons_text, sample_text, thousands, unusable_text, when,
    write_wrapped,
};
use crate::report::{FlowGroup, Report, RuleHits, RuleStatus};

/// The longest a group label gets (ids, 20 characters, are never abbreviated).
const LABEL_MAX: usize = 24;

/// The report as terminal tables, `width` columns wide (100 suits a file or a pipe). `limit`
/// caps the rows of the used rules, hotspots, edges and side lists. A table is wider than
/// `width` only when its ids, CIDRs and counts alone do not fit.
pub fn render_table(report: &Report, limit: usize, width: usize) -> String {
    let mut out = String::new();
    let labels = labels(report, (width / 6).clamp(12, LABEL_MAX));
    header(&mut out, report, width);
    rules(&mut out, report, &labels, limit, width);
    hotspots(&mut out, report, &labels, limit, width);
    reachability(&mut out, report, &labels, limit, width);
    let groups = |out: &mut String, title: &str, list: &[FlowGroup]| {
        let _ = writeln!(out, "\n{title} ({})", list.len());
        flow_groups(out, &labels, list, limit, width);
    };
    groups(
        &mut out,
        "INITIATING ACCEPTS NO DECLARED RULE ALLOWS",
        &report.unallowed_accepts,
    );
    groups(
        &mut out,
        "INITIATING ACCEPTS ONLY A POSSIBLE CREDIT EXPLAINS",
        &report.possibly_allowed_accepts,
    );
    groups(
        &mut out,
        "REFUSED RESPONSES (stateless NACLs, expired connection tracking)",
        &report.rejected_responses,
    );
    groups(
        &mut out,
        "EGRESS REJECTS (refused on the source ENI)",
        &report.egress_rejects,
    );
    side_lists(&mut out, report, limit, width);
    accounting(&mut out, report, width);
    legend(&mut out, &labels, width);
    wrap_titles(&out, width)
}

/// The report with its unindented lines (titles, the summary) wrapped to `width`: tables and
/// messages are laid out already.
fn wrap_titles(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        if line.starts_with(' ') || line.chars().count() <= width {
            out.push_str(line);
            out.push('\n');
        } else {
            write_wrapped(&mut out, 0, line, width);
        }
    }
    out
}

/// Labels for every group the report names with its name.
fn labels(report: &Report, max: usize) -> Labels {
    let from_rules = report
        .rules
        .iter()
        .map(|r| (r.group_id.as_str(), r.group_name.as_str()));
    let from_hotspots = report.reject_hotspots.iter().flat_map(|h| {
        h.group_ids
            .iter()
            .zip(&h.group_names)
            .map(|(id, name)| (id.as_str(), name.as_str()))
    });
    Labels::new(from_rules.chain(from_hotspots), max)
}

fn header(out: &mut String, report: &Report, width: usize) {
    let s = &report.summary;
    let _ = writeln!(
        out,
        "flowsieve: {} files, {} records ({} NODATA, {} SKIPDATA, {} malformed)",
        thousands(s.files),
        thousands(s.records),
        thousands(s.nodata),
        thousands(s.skipdata),
        thousands(s.malformed)
    );
    let _ = writeln!(
        out,
        "window: {} – {} UTC",
        when(s.analysis_start.or(s.window_start)),
        when(s.analysis_end.or(s.window_end))
    );
    let _ = writeln!(
        out,
        "rules: {} used, {} unused, {} unknown   REJECT hotspots: {}",
        s.rule_status.used,
        s.rule_status.unused,
        s.rule_status.unknown,
        report.reject_hotspots.len()
    );
    if !report.notices.is_empty() {
        let _ = writeln!(out, "\nNOTICES ({})", report.notices.len());
        for n in &report.notices {
            write_wrapped(out, 2, &format!("{}: {}", n.code, n.message), width);
        }
    }
}

/// The columns every rule table starts with.
const RULE_COLUMNS: [Column; 6] = [
    fixed("RULE"),
    fixed("GROUP"),
    fixed("DIR"),
    fixed("PROTO"),
    fixed("PORTS"),
    fixed("PEER"),
];

/// What a rule table shows after the rule: a last column, or a note under each row.
enum Tail<'a> {
    Column(Column, &'a dyn Fn(&RuleHits) -> String),
    Note(&'a dyn Fn(&RuleHits) -> String),
}

fn rule_table(out: &mut String, labels: &Labels, rules: &[&RuleHits], tail: Tail, width: usize) {
    if rules.is_empty() {
        return;
    }
    let mut columns = RULE_COLUMNS.to_vec();
    if let Tail::Column(column, _) = &tail {
        columns.push(*column);
    }
    let mut table = Table::new(2, &columns);
    for r in rules {
        let mut cells = vec![
            r.rule_id.clone(),
            labels.of(&r.group_id),
            r.direction.to_string(),
            proto(r.protocol),
            ports(r),
            r.peer.clone(),
        ];
        match &tail {
            Tail::Column(_, value) => {
                cells.push(value(r));
                table.row(cells);
            }
            Tail::Note(note) => {
                table.row(cells);
                table.note(note(r));
            }
        }
    }
    table.render(out, width);
}

fn rules(out: &mut String, report: &Report, labels: &Labels, limit: usize, width: usize) {
    let unused: Vec<&RuleHits> = report.rules_with_status(RuleStatus::Unused).collect();
    let _ = writeln!(
        out,
        "\nUNUSED RULES ({}): proven unused, every ENI of their group observed for the window",
        unused.len()
    );
    let observed = |r: &RuleHits| format!("{}/{}", r.coverage.enis_fully_observed, r.coverage.enis);
    rule_table(
        out,
        labels,
        &unused,
        Tail::Column(fixed("ENIS"), &observed),
        width,
    );

    let unknown: Vec<&RuleHits> = report.rules_with_status(RuleStatus::Unknown).collect();
    let _ = writeln!(
        out,
        "\nUNKNOWN RULES ({}): not proven either way, each with why",
        unknown.len()
    );
    let why = |r: &RuleHits| format!("why: {}", reasons_text(r));
    rule_table(out, labels, &unknown, Tail::Note(&why), width);

    let mut used: Vec<&RuleHits> = report.rules_with_status(RuleStatus::Used).collect();
    used.sort_by(|a, b| {
        a.records
            .cmp(&b.records)
            .then_with(|| a.rule_id.cmp(&b.rule_id))
    });
    let _ = writeln!(
        out,
        "\nUSED RULES ({}), least used first{}",
        used.len(),
        first(used.len(), limit)
    );
    used.truncate(limit);
    let records = |r: &RuleHits| thousands(r.records);
    rule_table(
        out,
        labels,
        &used,
        Tail::Column(number("RECORDS"), &records),
        width,
    );
}

/// ` (first N)` when a list is cut.
fn first(len: usize, limit: usize) -> String {
    if len > limit {
        format!(" (first {limit})")
    } else {
        String::new()
    }
}

fn hotspots(out: &mut String, report: &Report, labels: &Labels, limit: usize, width: usize) {
    let list = &report.reject_hotspots;
    let _ = writeln!(
        out,
        "\nREJECT HOTSPOTS ({}){}: refused connection attempts on their target",
        list.len(),
        first(list.len(), limit)
    );
    if list.is_empty() {
        return;
    }
    let mut table = Table::new(
        2,
        &[
            number("#"),
            wrap("TARGET GROUPS"),
            fixed("PORT"),
            fixed("CLASS"),
            number("RECORDS"),
            number("PACKETS"),
            number("SOURCES"),
            fixed("CAUSE"),
        ],
    );
    for h in list.iter().take(limit) {
        table.row(vec![
            h.rank.to_string(),
            labels.set(&h.group_ids),
            format!("{}/{}", proto(i16::from(h.protocol)), h.dst_port),
            h.peer_class.to_string(),
            thousands(h.records),
            thousands(h.packets),
            thousands(h.distinct_sources),
            h.likely_cause.to_string(),
        ]);
        if let Some(note) = &h.cause_note {
            table.note(note.clone());
        }
        if let Some(suggestion) = &h.suggestion {
            table.note(format!("suggested rule: {suggestion}"));
        }
    }
    table.render(out, width);
}

fn reachability(out: &mut String, report: &Report, labels: &Labels, limit: usize, width: usize) {
    let edges = &report.reachability.observed;
    let _ = writeln!(
        out,
        "\nOBSERVED REACHABILITY ({} edges){}: initiating traffic between group sets",
        edges.len(),
        first(edges.len(), limit)
    );
    if !edges.is_empty() {
        let mut table = Table::new(
            2,
            &[
                wrap("SOURCE"),
                fixed(""),
                wrap("TARGET"),
                fixed("PORT"),
                number("RECORDS"),
                number("PEERS"),
            ],
        );
        for e in edges.iter().take(limit) {
            table.row(vec![
                labels.set(&e.source),
                "->".to_owned(),
                labels.set(&e.target),
                format!("{}/{}", proto(i16::from(e.protocol)), e.port),
                thousands(e.records),
                thousands(e.distinct_peers),
            ]);
        }
        table.render(out, width);
    }
    let declared = &report.reachability.declared_unused;
    let _ = writeln!(
        out,
        "\nDECLARED BUT UNUSED GROUP EDGES ({}){}",
        declared.len(),
        first(declared.len(), limit)
    );
    if declared.is_empty() {
        return;
    }
    let mut table = Table::new(
        2,
        &[
            fixed("RULE"),
            wrap("SOURCE"),
            fixed(""),
            wrap("TARGET"),
            fixed("PROTO"),
            fixed("PORTS"),
            fixed("STATUS"),
        ],
    );
    for d in declared.iter().take(limit) {
        table.row(vec![
            d.rule_id.clone(),
            labels.of(&d.source),
            "->".to_owned(),
            labels.of(&d.target),
            proto(d.protocol),
            super::port_range(d.protocol, d.from_port, d.to_port),
            d.status.to_string(),
        ]);
    }
    table.render(out, width);
}

fn flow_groups(out: &mut String, labels: &Labels, list: &[FlowGroup], limit: usize, width: usize) {
    if list.is_empty() {
        return;
    }
    let mut table = Table::new(
        2,
        &[
            wrap("GROUPS"),
            fixed("DIR"),
            fixed("PORT"),
            fixed("CLASS"),
            number("RECORDS"),
            number("PEERS"),
        ],
    );
    for g in list.iter().take(limit) {
        table.row(vec![
            labels.set(&g.group_ids),
            g.direction.to_string(),
            format!("{}/{}", proto(i16::from(g.protocol)), g.port),
            g.peer_class.to_string(),
            thousands(g.records),
            thousands(g.distinct_peers),
        ]);
    }
    table.render(out, width);
}

/// Scans and ENIs missing from the inventory.
fn side_lists(out: &mut String, report: &Report, limit: usize, width: usize) {
    if !report.scans.is_empty() {
        let _ = writeln!(
            out,
            "\nSCANS ({}){}: sources probing many ports or targets",
            report.scans.len(),
            first(report.scans.len(), limit)
        );
        let mut table = Table::new(
            2,
            &[
                fixed("SOURCE"),
                fixed("CLASS"),
                number("PORTS"),
                number("TARGETS"),
                number("RECORDS"),
            ],
        );
        for s in report.scans.iter().take(limit) {
            table.row(vec![
                s.source.clone(),
                s.peer_class.to_string(),
                thousands(s.ports),
                thousands(s.targets),
                thousands(s.records),
            ]);
        }
        table.render(out, width);
    }
    let _ = writeln!(
        out,
        "\nENIS IN THE LOGS BUT NOT IN THE INVENTORY ({}){}",
        report.unknown_enis.len(),
        first(report.unknown_enis.len(), limit)
    );
    if report.unknown_enis.is_empty() {
        return;
    }
    let mut table = Table::new(2, &[fixed("ENI"), number("RECORDS"), fixed("LAST SEEN")]);
    for e in report.unknown_enis.iter().take(limit) {
        table.row(vec![
            e.eni_id.clone(),
            thousands(e.records),
            when(e.last_seen),
        ]);
    }
    table.render(out, width);
}

/// Orientation, what was not attributed, malformed lines, unreadable and unusable objects, and
/// the inventory's findings.
fn accounting(out: &mut String, report: &Report, width: usize) {
    let s = &report.summary;
    let _ = writeln!(
        out,
        "\nINITIATOR INFERENCE (records judged initiating / response, by evidence)"
    );
    let mut table = Table::new(
        2,
        &[fixed("EVIDENCE"), number("INITIATING"), number("RESPONSE")],
    );
    for o in s.orientation.iter().filter(|o| o.forward + o.reverse > 0) {
        table.row(vec![
            o.evidence.as_str().to_owned(),
            thousands(o.forward),
            thousands(o.reverse),
        ]);
    }
    table.render(out, width);
    let u = &s.unattributed;
    if u.no_interface + u.direction_unknown + u.incomplete + u.outside_window + u.unusable_format
        > 0
    {
        let text = format!(
            "not attributed: {} without interface-id, {} in logs of an unusable format, {} \
             direction unknown, {} incomplete, {} outside the window",
            u.no_interface, u.unusable_format, u.direction_unknown, u.incomplete, u.outside_window
        );
        write_wrapped(out, 2, &text, width);
    }
    if s.malformed > 0 {
        let _ = writeln!(out, "\nMALFORMED LINES ({})", thousands(s.malformed));
        let mut table = Table::new(2, &[fixed("REASON"), number("LINES")]);
        for (reason, n) in &s.malformed_by_reason {
            table.row(vec![reason.clone(), thousands(*n)]);
        }
        table.render(out, width);
        for sample in &s.samples {
            write_wrapped(out, 2, &sample_text(sample), width);
        }
    }
    if !s.file_errors.is_empty() {
        let _ = writeln!(out, "\nFILES NOT READ COMPLETELY ({})", s.file_errors.len());
        for e in &s.file_errors {
            write_wrapped(out, 2, &e.error, width);
        }
    }
    if !s.unusable_logs.is_empty() {
        let _ = writeln!(
            out,
            "\nLOGS NOT USABLE FOR ATTRIBUTION ({}): their format lacks fields",
            s.unusable_logs.len()
        );
        for log in &s.unusable_logs {
            write_wrapped(out, 2, &unusable_text(log), width);
        }
    }
    let _ = writeln!(
        out,
        "\nFINDINGS ({}): the inventory's validation",
        report.inventory_findings.len()
    );
    for f in &report.inventory_findings {
        write_wrapped(out, 2, &finding_text(f), width);
    }
}

/// The groups named above: label, id and full name.
fn legend(out: &mut String, labels: &Labels, width: usize) {
    let lines = labels.legend();
    if lines.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nGROUPS ({}): the labels above", lines.len());
    let mut table = Table::new(2, &[fixed("LABEL"), fixed("ID"), wrap("NAME")]);
    for [label, id, name] in lines {
        table.row(vec![label, id, name]);
    }
    table.render(out, width);
}

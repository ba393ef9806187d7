//! The report as Markdown (GitHub flavour, [`render_markdown`]), for pull requests and wikis:
//! the sections of the table report, with groups as `name (id)`, the line accounting, objects
//! not read completely, unusable logs and the inventory's findings.

use std::fmt::Write;

use super::{port_range, ports, proto, reasons_text, sample_text, unusable_text, when};
use crate::report::{FlowGroup, Report, RuleHits, RuleStatus};

/// A set of groups as `name (`id`)` joined by ` + ` (an id alone when the report has no name).
fn set_label(report: &Report, ids: &[String]) -> String {
    if ids.is_empty() {
        return "(no groups)".to_owned();
    }
    ids.iter()
        .map(|id| {
            let name = report
                .rules
                .iter()
                .find(|r| &r.group_id == id)
                .map(|r| r.group_name.as_str())
                .filter(|n| !n.is_empty());
            match name {
                Some(name) => format!("{name} (`{id}`)"),
                None => format!("`{id}`"),
            }
        })
        .collect::<Vec<_>>()
        .join(" + ")
}

/// The report as Markdown (GitHub flavour), for pull requests and wikis: one section after the
/// other, each written by its own function.
pub fn render_markdown(report: &Report, limit: usize) -> String {
    let mut out = String::new();
    markdown_head(&mut out, report);
    markdown_rules(&mut out, report, limit);
    markdown_hotspots(&mut out, report, limit);
    markdown_reachability(&mut out, report, limit);
    markdown_flow_groups(&mut out, report, limit);
    markdown_unknown_enis(&mut out, report);
    markdown_orientation(&mut out, report);
    markdown_accounting(&mut out, report);
    out
}

/// The title, the counts and the notices.
fn markdown_head(out: &mut String, report: &Report) {
    let s = &report.summary;
    let _ = writeln!(out, "# flowsieve report\n");
    let _ = writeln!(
        out,
        "{} files, {} records ({} NODATA, {} SKIPDATA, {} malformed), window {} – {} UTC.\n",
        s.files,
        s.records,
        s.nodata,
        s.skipdata,
        s.malformed,
        when(s.window_start),
        when(s.window_end)
    );
    let _ = writeln!(
        out,
        "Rules: **{} used**, **{} unused**, {} unknown. REJECT hotspots: {}.\n",
        s.rule_status.used,
        s.rule_status.unused,
        s.rule_status.unknown,
        report.reject_hotspots.len()
    );
    if !report.notices.is_empty() {
        let _ = writeln!(out, "## Notices ({})\n", report.notices.len());
        for n in &report.notices {
            let _ = writeln!(out, "- `{}`: {}", n.code, n.message.replace('\n', " "));
        }
        let _ = writeln!(out);
    }
}

/// A table of rules whose last column is `last`, valued by `value`.
fn rule_table(
    out: &mut String,
    rules: &[&RuleHits],
    last: &str,
    value: &dyn Fn(&RuleHits) -> String,
) {
    let _ = writeln!(
        out,
        "| rule | group | direction | protocol | ports | peer | {last} |\n|---|---|---|---|---|---|---|"
    );
    for r in rules {
        let _ = writeln!(
            out,
            "| `{}` | {} (`{}`) | {} | {} | {} | `{}` | {} |",
            r.rule_id,
            r.group_name,
            r.group_id,
            r.direction,
            proto(r.protocol),
            ports(r),
            r.peer,
            value(r)
        );
    }
    let _ = writeln!(out);
}

/// Unused rules (all), unknown rules (all, with reasons), used rules (the least used first).
fn markdown_rules(out: &mut String, report: &Report, limit: usize) {
    let unused: Vec<&RuleHits> = report.rules_with_status(RuleStatus::Unused).collect();
    let _ = writeln!(
        out,
        "## Unused rules ({})\n\nProven unused: no record used them or could have, and every ENI of their group was observed for the whole window.\n",
        unused.len()
    );
    rule_table(out, &unused, "ENIs observed", &|r| {
        format!("{}/{}", r.coverage.enis_fully_observed, r.coverage.enis)
    });
    let unknown: Vec<&RuleHits> = report.rules_with_status(RuleStatus::Unknown).collect();
    let _ = writeln!(out, "## Unknown rules ({})\n", unknown.len());
    rule_table(out, &unknown, "reasons", &reasons_text);
    let mut used: Vec<&RuleHits> = report.rules_with_status(RuleStatus::Used).collect();
    used.sort_by(|a, b| {
        a.records
            .cmp(&b.records)
            .then_with(|| a.rule_id.cmp(&b.rule_id))
    });
    used.truncate(limit);
    let _ = writeln!(
        out,
        "## Used rules, least used first ({} shown of {})\n",
        used.len(),
        report.summary.rule_status.used
    );
    rule_table(out, &used, "records", &|r| r.records.to_string());
}

/// The first `limit` REJECT hotspots.
fn markdown_hotspots(out: &mut String, report: &Report, limit: usize) {
    let _ = writeln!(
        out,
        "## REJECT hotspots\n\n| # | target groups | protocol/port | class | records | packets | sources | likely cause | suggested rule |\n|---|---|---|---|---|---|---|---|---|"
    );
    for h in report.reject_hotspots.iter().take(limit) {
        let _ = writeln!(
            out,
            "| {} | {} | {}/{} | {} | {} | {} | {} | {} | {} |",
            h.rank,
            set_label(report, &h.group_ids),
            proto(i16::from(h.protocol)),
            h.dst_port,
            h.peer_class,
            h.records,
            h.packets,
            h.distinct_sources,
            h.likely_cause,
            h.suggestion
                .as_ref()
                .map(|s| format!("`{s}`"))
                .unwrap_or_default()
        );
    }
}

/// Observed edges (the first `limit`) and declared group edges nothing used (all).
fn markdown_reachability(out: &mut String, report: &Report, limit: usize) {
    let _ = writeln!(
        out,
        "\n## Observed reachability\n\n| source | target | protocol/port | records | bytes | peers |\n|---|---|---|---|---|---|"
    );
    for e in report.reachability.observed.iter().take(limit) {
        let _ = writeln!(
            out,
            "| {} | {} | {}/{} | {} | {} | {} |",
            set_label(report, &e.source),
            set_label(report, &e.target),
            proto(i16::from(e.protocol)),
            e.port,
            e.records,
            e.bytes,
            e.distinct_peers
        );
    }
    let _ = writeln!(
        out,
        "\n### Declared group edges nothing used\n\n| rule | source | target | protocol | ports | status |\n|---|---|---|---|---|---|"
    );
    for d in &report.reachability.declared_unused {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} |",
            d.rule_id,
            set_label(report, std::slice::from_ref(&d.source)),
            set_label(report, std::slice::from_ref(&d.target)),
            proto(d.protocol),
            port_range(d.protocol, d.from_port, d.to_port),
            d.status
        );
    }
}

/// Unallowed initiating accepts, refused responses and egress rejects (the first `limit` of
/// each).
fn markdown_flow_groups(out: &mut String, report: &Report, limit: usize) {
    for (title, list) in [
        (
            "Initiating accepts no declared rule allows",
            &report.unallowed_accepts,
        ),
        ("Refused responses", &report.rejected_responses),
        ("Egress rejects", &report.egress_rejects),
    ] {
        flow_group_table(out, report, title, list, limit);
    }
}

fn flow_group_table(
    out: &mut String,
    report: &Report,
    title: &str,
    list: &[FlowGroup],
    limit: usize,
) {
    let _ = writeln!(out, "\n## {title} ({})\n", list.len());
    if list.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "| groups | direction | protocol/port | class | records | peers |\n|---|---|---|---|---|---|"
    );
    for g in list.iter().take(limit) {
        let _ = writeln!(
            out,
            "| {} | {} | {}/{} | {} | {} | {} |",
            set_label(report, &g.group_ids),
            g.direction,
            proto(i16::from(g.protocol)),
            g.port,
            g.peer_class,
            g.records,
            g.distinct_peers
        );
    }
}

/// ENIs the logs name that the inventory does not hold.
fn markdown_unknown_enis(out: &mut String, report: &Report) {
    let _ = writeln!(
        out,
        "\n## ENIs in the logs but not in the inventory ({})\n",
        report.unknown_enis.len()
    );
    for e in &report.unknown_enis {
        let _ = writeln!(
            out,
            "- `{}`: {} records, last seen {}",
            e.eni_id,
            e.records,
            when(e.last_seen)
        );
    }
}

/// Records per orientation evidence kind.
fn markdown_orientation(out: &mut String, report: &Report) {
    let _ = writeln!(
        out,
        "\n## Initiator inference\n\n| evidence | initiating | response |\n|---|---|---|"
    );
    for o in report
        .summary
        .orientation
        .iter()
        .filter(|o| o.forward + o.reverse > 0)
    {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            o.evidence.as_str(),
            o.forward,
            o.reverse
        );
    }
}

/// Markdown's line accounting, unreadable objects, unusable logs and inventory findings.
fn markdown_accounting(out: &mut String, report: &Report) {
    let s = &report.summary;
    let _ = writeln!(
        out,
        "\n## Line accounting\n\n| lines | header | records | NODATA | SKIPDATA | blank | malformed |\n|---|---|---|---|---|---|---|\n| {} | {} | {} | {} | {} | {} | {} |",
        s.header + s.records + s.nodata + s.skipdata + s.blank + s.malformed,
        s.header,
        s.records,
        s.nodata,
        s.skipdata,
        s.blank,
        s.malformed
    );
    if !s.malformed_by_reason.is_empty() {
        let _ = writeln!(out, "\n| malformed lines by reason | lines |\n|---|---|");
        for (reason, n) in &s.malformed_by_reason {
            let _ = writeln!(out, "| {reason} | {n} |");
        }
        let _ = writeln!(out, "\nSamples:\n");
        for sample in &s.samples {
            let _ = writeln!(out, "- {}", code(&sample_text(sample)));
        }
    }
    let _ = writeln!(
        out,
        "\n## Objects not read completely ({})\n",
        s.file_errors.len()
    );
    for e in &s.file_errors {
        let _ = writeln!(out, "- {}", code(&e.error));
    }
    if !s.unusable_logs.is_empty() {
        let _ = writeln!(
            out,
            "\n## Logs not usable for attribution ({})\n",
            s.unusable_logs.len()
        );
        for log in &s.unusable_logs {
            let _ = writeln!(out, "- {}", code(&unusable_text(log)));
        }
    }
    let _ = writeln!(out, "\n## Findings ({})\n", report.inventory_findings.len());
    for f in &report.inventory_findings {
        let _ = writeln!(
            out,
            "- **{}** `{}`: {}",
            f.severity,
            f.code,
            f.message.replace('\n', " ")
        );
    }
}

/// `text` as a Markdown code span, fenced with more backticks than it holds in a row.
fn code(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{}{pad}{fence}", text.replace('\n', " "))
}

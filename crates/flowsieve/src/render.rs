//! Human-readable renderings of a [`Report`]: terminal tables of a given width and Markdown.
//! Both show the same sections; `limit` caps the rows of the long ones (the JSON form is always
//! complete). Messages are wrapped at word boundaries, never cut.

use std::fmt::Write;

use crate::report::{
    FlowGroup, InventoryFinding, LineSample, Report, RuleHits, RuleStatus, UnusableLog,
};

/// The reasons of a rule, comma-separated (empty for used and unused rules).
fn reason_codes(rule: &RuleHits) -> String {
    rule.reasons
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn when(seconds: Option<i64>) -> String {
    seconds
        .and_then(|s| jiff::Timestamp::from_second(s).ok())
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|| "-".to_owned())
}

fn proto(protocol: i16) -> String {
    match protocol {
        -1 => "all".to_owned(),
        6 => "tcp".to_owned(),
        17 => "udp".to_owned(),
        1 => "icmp".to_owned(),
        58 => "icmpv6".to_owned(),
        other => other.to_string(),
    }
}

fn ports(rule: &RuleHits) -> String {
    match (rule.from_port, rule.to_port) {
        (-1, _) if rule.protocol == 1 || rule.protocol == 58 => "any type".to_owned(),
        (t, -1) if rule.protocol == 1 || rule.protocol == 58 => format!("type {t}"),
        (t, c) if rule.protocol == 1 || rule.protocol == 58 => format!("type {t}/{c}"),
        (-1, -1) => "all".to_owned(),
        (a, b) if a == b => a.to_string(),
        (0, 65535) => "all".to_owned(),
        (a, b) => format!("{a}-{b}"),
    }
}

fn group_label(name: &str, id: &str) -> String {
    if name.is_empty() {
        id.to_owned()
    } else {
        name.to_owned()
    }
}

fn set_label(report: &Report, ids: &[String]) -> String {
    if ids.is_empty() {
        return "(no groups)".to_owned();
    }
    ids.iter()
        .map(|id| {
            report
                .rules
                .iter()
                .find(|r| &r.group_id == id)
                .map(|r| group_label(&r.group_name, id))
                .unwrap_or_else(|| id.clone())
        })
        .collect::<Vec<_>>()
        .join("+")
}

/// `text` in lines of at most `width` characters, broken at spaces; a word longer than a line
/// (a long path) is split into line-sized pieces.
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut length = 0;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let chars: Vec<char> = word.chars().collect();
        for piece in chars.chunks(width) {
            if length > 0 && length + 1 + piece.len() > width {
                lines.push(std::mem::take(&mut line));
                length = 0;
            }
            if length > 0 {
                line.push(' ');
                length += 1;
            }
            line.extend(piece);
            length += piece.len();
        }
    }
    if length > 0 || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Writes `text` wrapped to `width`, every line indented by `indent` spaces.
fn write_wrapped(out: &mut String, indent: usize, text: &str, width: usize) {
    for line in wrap(text, width.saturating_sub(indent).max(20)) {
        let _ = writeln!(out, "{:indent$}{line}", "");
    }
}

/// Cuts `text` to `width` characters, marking the cut.
fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The report as terminal tables, `width` columns wide (100 suits a file or a pipe). `limit`
/// caps the rows of the used rules, hotspots, edges and side lists.
pub fn render_table(report: &Report, limit: usize, width: usize) -> String {
    let mut out = String::new();
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
        when(s.window_start),
        when(s.window_end)
    );
    let _ = writeln!(
        out,
        "rules: {} used, {} unused, {} unknown   REJECT hotspots: {}",
        s.rule_status.used,
        s.rule_status.unused,
        s.rule_status.unknown,
        report.reject_hotspots.len()
    );

    let rule_header = format!(
        "  {:<21} {:<16} {:<7} {:<6} {:<11} {:<20}",
        "RULE", "GROUP", "DIR", "PROTO", "PORTS", "PEER"
    );
    let rule_line = |r: &RuleHits, tail: String| {
        format!(
            "  {:<21} {:<16} {:<7} {:<6} {:<11} {:<20} {}",
            fit(&r.rule_id, 21),
            fit(&group_label(&r.group_name, &r.group_id), 16),
            r.direction,
            proto(r.protocol),
            fit(&ports(r), 11),
            fit(&r.peer, 20),
            tail
        )
    };

    let unused: Vec<&RuleHits> = report.rules_with_status(RuleStatus::Unused).collect();
    let _ = writeln!(
        out,
        "\nUNUSED RULES ({}): no initiating traffic, their ENIs are in the logs",
        unused.len()
    );
    if !unused.is_empty() {
        let _ = writeln!(out, "{rule_header} ENIS");
        for r in &unused {
            let _ = writeln!(
                out,
                "{}",
                rule_line(
                    r,
                    format!("{}/{}", r.coverage.enis_in_logs, r.coverage.enis)
                )
            );
        }
    }

    let unknown: Vec<&RuleHits> = report.rules_with_status(RuleStatus::Unknown).collect();
    let _ = writeln!(
        out,
        "\nUNKNOWN RULES ({}): cannot be judged from these logs",
        unknown.len()
    );
    if !unknown.is_empty() {
        let _ = writeln!(out, "{rule_header} REASON");
        for r in &unknown {
            let _ = writeln!(out, "{}", rule_line(r, fit(&reason_codes(r), 11)));
        }
    }

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
        if used.len() > limit {
            format!(" (first {limit})")
        } else {
            String::new()
        }
    );
    if !used.is_empty() {
        let _ = writeln!(out, "{rule_header} RECORDS");
        for r in used.iter().take(limit) {
            let _ = writeln!(out, "{}", rule_line(r, thousands(r.records)));
        }
    }

    let _ = writeln!(
        out,
        "\nREJECT HOTSPOTS ({}){}: refused connection attempts on their target",
        report.reject_hotspots.len(),
        if report.reject_hotspots.len() > limit {
            format!(", top {limit}")
        } else {
            String::new()
        }
    );
    if !report.reject_hotspots.is_empty() {
        let _ = writeln!(
            out,
            "  {:>3} {:<26} {:<9} {:<8} {:>9} {:>9} {:>7}  CAUSE",
            "#", "TARGET GROUPS", "PORT", "CLASS", "RECORDS", "PACKETS", "SOURCES"
        );
        for h in report.reject_hotspots.iter().take(limit) {
            let _ = writeln!(
                out,
                "  {:>3} {:<26} {:<9} {:<8} {:>9} {:>9} {:>7}  {}",
                h.rank,
                fit(&set_label(report, &h.group_ids), 26),
                fit(
                    &format!("{}/{}", proto(i16::from(h.protocol)), h.dst_port),
                    9
                ),
                h.peer_class,
                thousands(h.records),
                thousands(h.packets),
                thousands(h.distinct_sources),
                h.likely_cause.describe()
            );
            if let Some(suggestion) = &h.suggestion {
                write_wrapped(&mut out, 6, &format!("suggested rule: {suggestion}"), width);
            }
        }
    }

    let edges = &report.reachability.observed;
    let _ = writeln!(
        out,
        "\nOBSERVED REACHABILITY ({} edges){}: initiating traffic between group sets",
        edges.len(),
        if edges.len() > limit {
            format!(", top {limit}")
        } else {
            String::new()
        }
    );
    if !edges.is_empty() {
        let _ = writeln!(
            out,
            "  {:<30}    {:<30} {:<11} {:>9} {:>7}",
            "SOURCE", "TARGET", "PORT", "RECORDS", "PEERS"
        );
        for e in edges.iter().take(limit) {
            let _ = writeln!(
                out,
                "  {:<30} -> {:<30} {:<11} {:>9} {:>7}",
                fit(&set_label(report, &e.source), 30),
                fit(&set_label(report, &e.target), 30),
                fit(&format!("{}/{}", proto(i16::from(e.protocol)), e.port), 11),
                thousands(e.records),
                thousands(e.distinct_peers)
            );
        }
    }
    let declared = &report.reachability.declared_unused;
    let _ = writeln!(
        out,
        "\nDECLARED BUT UNUSED GROUP EDGES ({})",
        declared.len()
    );
    for d in declared.iter().take(limit) {
        let ports = if d.from_port == -1 {
            "all".to_owned()
        } else if d.from_port == d.to_port {
            d.from_port.to_string()
        } else {
            format!("{}-{}", d.from_port, d.to_port)
        };
        let _ = writeln!(
            out,
            "  {:<30} -> {:<30} {:<16} {}",
            fit(&set_label(report, std::slice::from_ref(&d.source)), 30),
            fit(&set_label(report, std::slice::from_ref(&d.target)), 30),
            fit(&format!("{} {}", proto(d.protocol), ports), 16),
            d.status
        );
    }

    let mut groups = |title: &str, list: &[FlowGroup]| {
        let _ = writeln!(out, "\n{title} ({})", list.len());
        for g in list.iter().take(limit) {
            let _ = writeln!(
                out,
                "  {:<34} {:<7} {:<11} {:<8} {:>9} records {:>6} peers",
                fit(&set_label(report, &g.group_ids), 34),
                g.direction,
                fit(&format!("{}/{}", proto(i16::from(g.protocol)), g.port), 11),
                g.peer_class,
                thousands(g.records),
                thousands(g.distinct_peers)
            );
        }
    };
    groups(
        "INITIATING ACCEPTS NO DECLARED RULE ALLOWS",
        &report.unallowed_accepts,
    );
    groups(
        "REFUSED RESPONSES (stateless NACLs, expired connection tracking)",
        &report.rejected_responses,
    );
    groups(
        "EGRESS REJECTS (refused on the source ENI)",
        &report.egress_rejects,
    );

    let _ = writeln!(
        out,
        "\nENIS IN THE LOGS BUT NOT IN THE INVENTORY ({})",
        report.unknown_enis.len()
    );
    for e in report.unknown_enis.iter().take(limit) {
        let _ = writeln!(
            out,
            "  {:<24} {:>9} records  last seen {}",
            e.eni_id,
            thousands(e.records),
            when(e.last_seen)
        );
    }

    let _ = writeln!(
        out,
        "\nINITIATOR INFERENCE (records judged initiating / response, by evidence)"
    );
    for o in s.orientation.iter().filter(|o| o.forward + o.reverse > 0) {
        let _ = writeln!(
            out,
            "  {:<18} {:>12} / {:<12}",
            o.evidence.as_str().replace('_', " "),
            thousands(o.forward),
            thousands(o.reverse)
        );
    }
    let u = &s.unattributed;
    let not_attributed = u.no_interface + u.direction_unknown + u.incomplete + u.outside_window;
    if not_attributed > 0 {
        let _ = writeln!(
            out,
            "  not attributed: {} without interface-id, {} direction unknown, {} incomplete, {} outside window",
            u.no_interface, u.direction_unknown, u.incomplete, u.outside_window
        );
    }
    if s.malformed > 0 {
        let _ = writeln!(out, "\nMALFORMED LINES ({})", thousands(s.malformed));
        for (reason, n) in &s.malformed_by_reason {
            let _ = writeln!(out, "  {reason:<20} {n:>9}");
        }
        for sample in &s.samples {
            write_wrapped(&mut out, 2, &sample_text(sample), width);
        }
    }
    if !s.file_errors.is_empty() {
        let _ = writeln!(out, "\nFILES NOT READ COMPLETELY ({})", s.file_errors.len());
        for e in &s.file_errors {
            write_wrapped(&mut out, 2, &e.error, width);
        }
    }
    if !s.unusable_logs.is_empty() {
        let _ = writeln!(
            out,
            "\nLOGS NOT USABLE FOR ATTRIBUTION ({}): their format lacks fields",
            s.unusable_logs.len()
        );
        for log in &s.unusable_logs {
            write_wrapped(&mut out, 2, &unusable_text(log), width);
        }
    }
    let _ = writeln!(
        out,
        "\nFINDINGS ({}): the inventory's validation",
        report.inventory_findings.len()
    );
    for f in &report.inventory_findings {
        write_wrapped(&mut out, 2, &finding_text(f), width);
    }
    out
}

/// `file:line: reason in `field`: "text"`.
fn sample_text(sample: &LineSample) -> String {
    let field = sample
        .field
        .as_deref()
        .map(|f| format!(" in `{f}`"))
        .unwrap_or_default();
    format!(
        "{}:{}: {}{}: {:?}",
        sample.file, sample.line, sample.reason, field, sample.text
    )
}

fn unusable_text(log: &UnusableLog) -> String {
    format!(
        "{}: lacks {} ({} records not attributed)",
        log.file,
        log.missing_fields.join(", "),
        log.records
    )
}

fn finding_text(f: &InventoryFinding) -> String {
    format!("{} [{}]: {}", f.severity, f.code, f.message)
}

/// The report as Markdown (GitHub flavour), for pull requests and wikis.
pub fn render_markdown(report: &Report, limit: usize) -> String {
    let mut out = String::new();
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
    let rule_table = |out: &mut String,
                      rules: &[&RuleHits],
                      last: &str,
                      value: &dyn Fn(&RuleHits) -> String| {
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
    };
    let unused: Vec<&RuleHits> = report.rules_with_status(RuleStatus::Unused).collect();
    let _ = writeln!(
        out,
        "## Unused rules ({})\n\nNo initiating traffic in the window, although ENIs of their group are in the logs.\n",
        unused.len()
    );
    rule_table(&mut out, &unused, "ENIs logged", &|r| {
        format!("{}/{}", r.coverage.enis_in_logs, r.coverage.enis)
    });
    let unknown: Vec<&RuleHits> = report.rules_with_status(RuleStatus::Unknown).collect();
    let _ = writeln!(out, "## Unknown rules ({})\n", unknown.len());
    rule_table(&mut out, &unknown, "reason", &|r| reason_codes(r));
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
        s.rule_status.used
    );
    rule_table(&mut out, &used, "records", &|r| r.records.to_string());

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
            h.likely_cause.describe(),
            h.suggestion
                .as_ref()
                .map(|s| format!("`{s}`"))
                .unwrap_or_default()
        );
    }
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
            "| `{}` | {} | {} | {} | {}–{} | {} |",
            d.rule_id,
            set_label(report, std::slice::from_ref(&d.source)),
            set_label(report, std::slice::from_ref(&d.target)),
            proto(d.protocol),
            d.from_port,
            d.to_port,
            d.status
        );
    }
    let groups = |out: &mut String, title: &str, list: &[FlowGroup]| {
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
    };
    groups(
        &mut out,
        "Initiating accepts no declared rule allows",
        &report.unallowed_accepts,
    );
    groups(&mut out, "Refused responses", &report.rejected_responses);
    groups(&mut out, "Egress rejects", &report.egress_rejects);
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
    let _ = writeln!(
        out,
        "\n## Initiator inference\n\n| evidence | initiating | response |\n|---|---|---|"
    );
    for o in s.orientation.iter().filter(|o| o.forward + o.reverse > 0) {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            o.evidence.as_str().replace('_', " "),
            o.forward,
            o.reverse
        );
    }
    markdown_accounting(&mut out, report);
    out
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

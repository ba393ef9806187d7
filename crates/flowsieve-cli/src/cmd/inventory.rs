//! `flowsieve inventory`: load AWS CLI JSON and `terraform show -json` output and print the
//! declared network (groups with their rules, network interfaces, prefix lists) and the
//! validation findings, so a user can check the input before an analysis.
//!
//! Exit 0 when the inventory loads, findings or not (they are warnings); 1 when it cannot (the
//! error names the file and the JSON path).

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use flowsieve::sg;

/// Arguments of `flowsieve inventory`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files or directories: JSON printed by `aws ec2 describe-security-groups`,
    /// `describe-security-group-rules`, `describe-network-interfaces`,
    /// `describe-managed-prefix-lists`, `get-managed-prefix-list-entries`, `describe-vpcs`,
    /// `describe-subnets`, and `terraform show -json` (state or plan). Directories are read
    /// recursively (`*.json`, hidden entries skipped).
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Width of the table output in columns, 60 to 1000. Default: the terminal's, 100 when
    /// stdout is not a terminal. Ids, CIDRs and ports are never cut; file names are.
    #[arg(long, value_name = "N", value_parser = super::args::count(super::args::WIDTH))]
    width: Option<usize>,
}

/// How `flowsieve inventory` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// Human-readable tables, as wide as the terminal.
    Table,
    /// One JSON document: `counts`, `groups`, `network_interfaces`, `prefix_lists`, `findings`
    /// (docs/inventory-json.md).
    Json,
}

/// Runs `flowsieve inventory`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let inventory = sg::Inventory::load(&args.paths).context("cannot load the inventory")?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    match args.format {
        Format::Json => {
            let document = sg::InventoryDocument::from(&inventory);
            serde_json::to_writer_pretty(&mut out, &document)?;
            writeln!(out)?;
        }
        Format::Table => write_table(
            &mut out,
            &inventory,
            args.width.unwrap_or_else(super::terminal_width),
        )?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn strings<T: ToString>(items: &[T]) -> Vec<String> {
    items.iter().map(ToString::to_string).collect()
}

/// Splits `text` into lines of at most `width` characters at spaces; a word longer than a line
/// (a long path) is cut into line-sized pieces so no line exceeds the width.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let words = text.split(' ').filter(|w| !w.is_empty()).flat_map(|word| {
        let chars: Vec<char> = word.chars().collect();
        chars
            .chunks(width)
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<_>>()
    });
    for word in words {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// `text` cut to `width` characters, keeping its end (ids and addresses end in what differs).
fn fit_end(text: &str, width: usize) -> String {
    let n = text.chars().count();
    if n <= width {
        return text.to_owned();
    }
    let keep: String = text.chars().skip(n + 1 - width.max(1)).collect();
    format!("…{keep}")
}

/// `text` cut to `width` characters in the middle (file names: their start and end both tell).
fn fit_middle(text: &str, width: usize) -> String {
    let n = text.chars().count();
    if n <= width || width < 5 {
        return fit_end(text, width);
    }
    let head = (width - 1) / 2;
    let tail = width - 1 - head;
    let start: String = text.chars().take(head).collect();
    let end: String = text.chars().skip(n - tail).collect();
    format!("{start}…{end}")
}

/// Writes `label` then `text` wrapped to `width`, continuation lines indented under it.
fn write_wrapped(
    out: &mut impl Write,
    width: usize,
    label: &str,
    text: &str,
) -> std::io::Result<()> {
    let indent = label.chars().count();
    if indent + text.chars().count() <= width {
        // It fits: as written (double spaces between the parts of a heading kept).
        return writeln!(out, "{label}{text}");
    }
    for (i, line) in wrap(text, width.saturating_sub(indent).max(20))
        .iter()
        .enumerate()
    {
        let head = if i == 0 {
            label.to_owned()
        } else {
            " ".repeat(indent)
        };
        writeln!(out, "{head}{line}")?;
    }
    Ok(())
}

fn write_table(out: &mut impl Write, inv: &sg::Inventory, width: usize) -> std::io::Result<()> {
    let counts = format!(
        "{} security groups, {} rules, {} network interfaces, {} prefix lists, {} VPC CIDRs, {} findings",
        inv.security_groups().len(),
        inv.rules().len(),
        inv.network_interfaces().len(),
        inv.prefix_lists().len(),
        inv.vpc_cidrs().len(),
        inv.findings().len()
    );
    write_wrapped(out, width, "", &counts)?;

    // Column widths shared by every group's rule table.
    let id_w = inv
        .rules()
        .iter()
        .map(|r| r.id.as_str().len())
        .max()
        .unwrap_or(7)
        .max(7);
    // Peers (CIDRs, group and prefix-list ids) are never cut: the column is the widest one.
    let peer_w = inv
        .rules()
        .iter()
        .map(|r| r.peer_string().chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let fixed = 2 + id_w + 1 + 7 + 1 + 6 + 1 + 5 + 1 + 5 + 1 + peer_w + 1;
    let source_w = width.saturating_sub(fixed).max(12);

    writeln!(out, "\nSECURITY GROUPS")?;
    for g in inv.security_groups() {
        let rules: Vec<&sg::Rule> = inv.rules_of_group(&g.id).collect();
        let mut head = format!(
            "{}  {}",
            g.id,
            if g.name.is_empty() {
                "(no name)"
            } else {
                &g.name
            }
        );
        if let Some(vpc) = &g.vpc_id {
            head.push_str(&format!("  {vpc}"));
        }
        if g.is_default {
            head.push_str("  default");
        }
        head.push_str(&format!(
            "  {} rule{}",
            rules.len(),
            if rules.len() == 1 { "" } else { "s" }
        ));
        writeln!(out)?;
        write_wrapped(out, width, "", &head)?;
        if rules.is_empty() {
            continue;
        }
        writeln!(
            out,
            "  {:id_w$} {:7} {:6} {:>5} {:>5} {:peer_w$} SOURCE",
            "RULE ID", "DIR", "PROTO", "FROM", "TO", "PEER"
        )?;
        for r in rules {
            // The first source's file name (its `.json` is implied), and how many more there are.
            let mut source = r
                .sources
                .first()
                .map(|s| file_name(&s.file))
                .unwrap_or_default();
            if let Some(stem) = source.strip_suffix(".json") {
                source = stem.to_owned();
            }
            if r.sources.len() > 1 {
                source = format!("{source} +{}", r.sources.len() - 1);
            }
            writeln!(
                out,
                "  {:id_w$} {:7} {:6} {:>5} {:>5} {:peer_w$} {}",
                r.id.as_str(),
                r.direction.as_str(),
                r.protocol.name(),
                r.from_port(),
                r.to_port(),
                r.peer_string(),
                fit_middle(&source, source_w)
            )?;
        }
    }

    writeln!(out, "\nNETWORK INTERFACES")?;
    for e in inv.network_interfaces() {
        let mut head = format!("{}  {}", e.id, e.kind().as_str());
        if let Some(instance) = &e.instance_id {
            head.push_str(&format!("  {instance}"));
        } else if !e.description.is_empty() {
            head.push_str(&format!("  {}", e.description));
        }
        write_wrapped(out, width, "", &head)?;
        let groups = if e.group_ids.is_empty() {
            "(none)".to_owned()
        } else {
            e.group_ids.join(" ")
        };
        write_wrapped(out, width, "    groups:    ", &groups)?;
        let mut addresses: Vec<String> = strings(&e.private_ipv4);
        addresses.extend(strings(&e.ipv4_prefixes));
        addresses.extend(strings(&e.ipv6));
        addresses.extend(strings(&e.ipv6_prefixes));
        addresses.extend(e.public_ipv4.iter().map(|a| format!("public:{a}")));
        write_wrapped(out, width, "    addresses: ", &addresses.join(" "))?;
    }

    writeln!(out, "\nPREFIX LISTS")?;
    for l in inv.prefix_lists() {
        let name = if l.name.is_empty() {
            "(no name)"
        } else {
            &l.name
        };
        let version = l
            .version
            .map(|v| format!("  version {v}"))
            .unwrap_or_default();
        write_wrapped(
            out,
            width,
            "",
            &format!("{}  {name}  {}{version}", l.id, l.address_family),
        )?;
        match &l.entries {
            Some(e) if e.is_empty() => writeln!(out, "    entries:   (empty list)")?,
            Some(e) => write_wrapped(out, width, "    entries:   ", &strings(e).join(" "))?,
            None => writeln!(
                out,
                "    entries:   not loaded (a rule using it never matches)"
            )?,
        }
    }

    writeln!(out, "\nVPC CIDRS")?;
    write_wrapped(out, width, "", &strings(inv.vpc_cidrs()).join(" "))?;

    writeln!(out, "\nFINDINGS")?;
    if inv.findings().is_empty() {
        writeln!(out, "none")?;
    }
    for f in inv.findings() {
        writeln!(out, "{}  {}", f.severity.as_str(), f.code)?;
        write_wrapped(out, width, "    ", &f.message)?;
        if let Some(source) = &f.source {
            write_wrapped(out, width, "    at ", source)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_words_and_width() {
        assert_eq!(wrap("a bb ccc dddd", 6), ["a bb", "ccc", "dddd"]);
        assert_eq!(wrap("", 10), [""]);
        assert_eq!(
            wrap("averyveryverylongword x", 5),
            ["avery", "veryv", "erylo", "ngwor", "d x"]
        );
    }

    #[test]
    fn fit_middle_keeps_both_ends() {
        assert_eq!(
            fit_middle("describe-security-group-rules +1", 20),
            "describe-…p-rules +1"
        );
        assert_eq!(
            fit_middle("describe-security-group-rules +1", 20)
                .chars()
                .count(),
            20
        );
        assert_eq!(fit_middle("short", 20), "short");
    }

    #[test]
    fn fit_end_keeps_the_end() {
        assert_eq!(fit_end("describe-security-groups.json", 12), "…groups.json");
        assert_eq!(fit_end("short", 12), "short");
        assert_eq!(
            fit_end("describe-security-groups.json", 12).chars().count(),
            12
        );
    }
}

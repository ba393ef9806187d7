//! Human-readable renderings of a [`Report`]: terminal tables of a given width
//! ([`render_table`], in `text`) and Markdown ([`render_markdown`], in `markdown`), and the
//! wording they share. Both show the same sections; `limit` caps the rows of the long ones (the
//! JSON form is always complete). Both use the JSON report's vocabulary: `all` for protocol or
//! ports `-1` (and `0-65535`), the codes of `peer_class`, `likely_cause` and `status`; the
//! reasons of unknown rules are in words ([`Reason::describe`](crate::Reason::describe)).
//! Messages are wrapped at word boundaries, never cut.

mod labels;
mod markdown;
mod table;
mod text;

use std::fmt::Write;

pub use markdown::render_markdown;
pub use text::render_table;

use crate::report::{InventoryFinding, LineSample, RuleHits, UnusableLog};

/// A time as `YYYY-MM-DD HH:MM:SS` (UTC), `-` when unknown.
fn when(seconds: Option<i64>) -> String {
    seconds
        .and_then(|s| jiff::Timestamp::from_second(s).ok())
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|| "-".to_owned())
}

/// A protocol number by name: `tcp`, `udp`, `icmp`, `icmpv6`, `all` for -1.
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

/// A rule's ports (or ICMP type and code) in words: `443`, `8000-8099`, `all`, `type 8/0`.
fn ports(rule: &RuleHits) -> String {
    port_range(rule.protocol, rule.from_port, rule.to_port)
}

/// Ports `from`–`to` of `protocol` as a rule states them (for ICMP: type and code).
fn port_range(protocol: i16, from: i32, to: i32) -> String {
    let icmp = protocol == 1 || protocol == 58;
    match (from, to) {
        (-1, _) if icmp => "any type".to_owned(),
        (t, -1) if icmp => format!("type {t}"),
        (t, c) if icmp => format!("type {t}/{c}"),
        (-1, _) | (0, 65535) => "all".to_owned(),
        (a, b) if a == b => a.to_string(),
        (a, b) => format!("{a}-{b}"),
    }
}

/// The reasons of a rule in words, `; `-separated (empty for used and unused rules).
fn reasons_text(rule: &RuleHits) -> String {
    rule.reasons
        .iter()
        .map(|r| r.describe())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Writes `text` wrapped to `width`, every line indented by `indent` spaces.
fn write_wrapped(out: &mut String, indent: usize, text: &str, width: usize) {
    for line in table::wrap_cell(text, width.saturating_sub(indent).max(20)) {
        let _ = writeln!(out, "{:indent$}{line}", "");
    }
}

/// `1234567` as `1,234,567`.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_use_one_vocabulary() {
        assert_eq!(port_range(6, 443, 443), "443");
        assert_eq!(port_range(6, 8000, 8099), "8000-8099");
        assert_eq!(port_range(6, 0, 65535), "all");
        assert_eq!(port_range(-1, -1, -1), "all");
        assert_eq!(port_range(1, 8, 0), "type 8/0");
        assert_eq!(port_range(58, -1, -1), "any type");
        assert_eq!(proto(-1), "all");
        assert_eq!(proto(47), "47");
    }
}

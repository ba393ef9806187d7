//! Notices: facts about the whole analysis that change how to read it, most serious first.

use super::Context;
use crate::report::{FlowLogSummary, Notice, NoticeCode, Summary, TrafficType};

/// Rules listed by name in a notice; more are counted.
const NAMED_RULES: usize = 5;

/// Rules created or deleted inside the window `[start, end]` (their lifetimes, from inventory
/// history, start or end in it): crediting does not follow rule lifetimes, so say so.
pub(crate) fn rules_changed(ctx: &Context<'_>, window: Option<(i64, i64)>) -> Option<Notice> {
    let (start, end) = window?;
    let inside = |t: Option<i64>| t.is_some_and(|t| t > start && t <= end);
    let mut changed: Vec<&str> = ctx
        .network
        .inventory()
        .rules()
        .iter()
        .filter(|r| {
            r.lifetimes
                .iter()
                .any(|l| inside(l.from) || inside(l.until))
        })
        .map(|r| r.id.as_str())
        .collect();
    if changed.is_empty() {
        return None;
    }
    changed.sort_unstable();
    let more = changed.len().saturating_sub(NAMED_RULES);
    let mut names = changed[..changed.len().min(NAMED_RULES)].join(", ");
    if more > 0 {
        names.push_str(&format!(" and {more} more"));
    }
    Some(Notice {
        code: NoticeCode::RulesChangedInWindow,
        message: format!(
            "{} rules were created or deleted inside the analysis window ({names}): their \
             usage counts matching records of the whole window, not only of the time they \
             existed; check them by hand",
            changed.len()
        ),
    })
}

pub(crate) fn build(summary: &Summary, flow_logs: &[FlowLogSummary]) -> Vec<Notice> {
    let mut notices = Vec::new();
    if summary.attributed_records == 0 {
        notices.push(Notice {
            code: NoticeCode::NoAttributedRecords,
            message: format!(
                "no record was attributed to an ENI of the inventory in the analysis window \
                 ({} records read, {} of ENIs missing from the inventory, {} outside the window): \
                 no rule can be judged",
                summary.records, summary.unknown_eni_records, summary.unattributed.outside_window
            ),
        });
    }
    let u = &summary.unattributed;
    let unattributable = u.no_interface + u.unusable_format + u.direction_unknown + u.incomplete;
    if unattributable > 0 {
        notices.push(Notice {
            code: NoticeCode::UnattributableRecords,
            message: format!(
                "{unattributable} records cannot be attributed (no interface-id {}, unusable \
                 format {}, direction unknown {}, incomplete {}): rules they could concern are \
                 unknown",
                u.no_interface, u.unusable_format, u.direction_unknown, u.incomplete
            ),
        });
    }
    for log in flow_logs {
        // Subject and verb agree: "flow log fl-1 holds", "the objects … hold".
        let (name, holds) = if log.id.is_empty() {
            (
                "the objects without a flow-log id in their name".to_owned(),
                "hold",
            )
        } else {
            (format!("flow log {}", log.id), "holds")
        };
        if !log.traffic_types_declared && log.accept_records == 0 && log.reject_records > 0 {
            notices.push(Notice {
                code: NoticeCode::RejectOnlyCaptureInferred,
                message: format!(
                    "{name} {holds} {} REJECT record(s) and no ACCEPT: read as a REJECT-only \
                     capture, which proves no rule unused",
                    log.reject_records
                ),
            });
        }
        if log.reject_records == 0
            && log.accept_records > 0
            && !(log.traffic_types_declared && log.traffic_types.contains(&TrafficType::Reject))
        {
            notices.push(Notice {
                code: NoticeCode::NoRejectsCaptured,
                message: format!(
                    "{name} {holds} no REJECT record: the capture may be ACCEPT-only, so no \
                     hotspot there does not mean nothing was refused"
                ),
            });
        }
        if log.records_with_tcp_flags == 0 && log.accept_records + log.reject_records > 0 {
            notices.push(Notice {
                code: NoticeCode::NoTcpFlags,
                message: format!(
                    "{name} has no tcp-flags: initiators are inferred from ports, learned \
                     listeners and declarations"
                ),
            });
        }
    }
    notices
}

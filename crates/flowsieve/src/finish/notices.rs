//! Notices: facts about the whole analysis that change how to read it, most serious first.

use crate::report::{FlowLogSummary, Notice, NoticeCode, Summary, TrafficType};

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
        let name = if log.id.is_empty() {
            "objects without a flow-log id in their name".to_owned()
        } else {
            format!("flow log {}", log.id)
        };
        if !log.traffic_types_declared && log.accept_records == 0 && log.reject_records > 0 {
            notices.push(Notice {
                code: NoticeCode::RejectOnlyCaptureInferred,
                message: format!(
                    "{name} holds {} REJECT records and no ACCEPT: taken as capturing REJECT \
                     traffic only, so it proves no rule unused",
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
                    "{name} holds no REJECT record: it may capture ACCEPT traffic only, so no \
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

//! Whole flow-log text through the reader: line framing, header detection, CloudWatch prefixes,
//! every field parser, the line bound and the accounting invariant (checked inside
//! `read_text`). The first byte picks the format given for header-less input — none (the
//! default v2), or one of AWS's documented custom formats — the rest is the text.
#![no_main]

use libfuzzer_sys::fuzz_target;

/// Formats a header-less input may be given (FLOW-LOGS.md §13), `None` first.
const FORMATS: &[Option<&str>] = &[
    None,
    Some(
        "${version} ${vpc-id} ${subnet-id} ${instance-id} ${interface-id} ${account-id} ${type} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${pkt-srcaddr} ${pkt-dstaddr} ${protocol} ${bytes} ${packets} ${start} ${end} ${action} ${tcp-flags} ${log-status}",
    ),
    Some("${instance-id} ${interface-id} ${srcaddr} ${dstaddr} ${pkt-srcaddr} ${pkt-dstaddr}"),
    Some(
        "${version} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${start} ${end} ${type} ${packets} ${bytes} ${account-id} ${vpc-id} ${subnet-id} ${instance-id} ${interface-id} ${region} ${az-id} ${sublocation-type} ${sublocation-id} ${action} ${tcp-flags} ${pkt-srcaddr} ${pkt-dstaddr} ${pkt-src-aws-service} ${pkt-dst-aws-service} ${traffic-path} ${flow-direction} ${log-status}",
    ),
    Some("${dstport} ${next-hop-vpc-id} ${log-status} ${reject-reason} ${encryption-status}"),
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, text)) = data.split_first() else {
        return;
    };
    let format = FORMATS[usize::from(selector) % FORMATS.len()];
    flowsieve_log::fuzzing::read_text(text, format);
});

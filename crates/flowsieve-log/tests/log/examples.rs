//! Every documented example record of every flow-log version, decoded to exact values.
//!
//! The data is the table `EXAMPLES`: each entry is an input (a file of `testdata/logs`, copies of
//! the AWS documentation examples, or text written here after docs/flow-logs.md), the columns and
//! rows it must decode to — every cell typed (`2u8`, `22u16`, `4249u64`, `@1418530010` for a
//! timestamp, an address as `address_to_ip` prints it, `"…"` for a dictionary string, `-` for
//! null) — the line buckets and the issues. One function, `check`, runs each entry through every
//! way the same records can arrive: as the S3 object (header line) or header-less with the
//! format given as AWS prints it, as CloudWatch Logs export lines, and as a file opened by
//! content. The refused inputs (Transit Gateway, JSON) have their own tests at the end.

use flowsieve_log::{
    ErrorKind, FlowField, LineCounts, LogFormat, ReaderBuilder, Source, address_to_ip, open,
};

use crate::common::{
    self, Outcome, assert_flow_types, line_offset, physical_lines, read, read_testdata,
};

/// Where an example's text comes from.
enum Input {
    /// A file of `testdata/`.
    File(&'static str),
    /// Text written here.
    Inline(&'static str),
}

/// One issue an example must report: line, reason key, field, offending text.
type Issue = (u64, &'static str, Option<&'static str>, &'static str);

struct Example {
    name: &'static str,
    input: Input,
    /// For header-less input: the format to give (as AWS prints it); `None` for the default
    /// version-2 format, which the reader assumes.
    format: Option<&'static str>,
    /// The column names, space-separated.
    columns: &'static str,
    /// Every row, typed (see the module comment).
    rows: &'static [&'static str],
    /// header, records, nodata, skipdata, blank, malformed.
    buckets: [u64; 6],
    issues: &'static [Issue],
}

const V2_COLUMNS: &str = "version account_id interface_id srcaddr dstaddr srcport dstport protocol packets bytes start end action log_status";

const EXAMPLES: &[Example] = &[
    Example {
        name: "v2/default-docs",
        input: Input::File("logs/flowlogs-v2-default-docs.log"),
        format: None,
        columns: V2_COLUMNS,
        rows: &[
            r#"2u8 "123456789010" "eni-1235b8ca123456789" 172.31.16.139 172.31.16.21 20641u16 22u16 6u8 20u64 4249u64 @1418530010 @1418530070 "ACCEPT" "OK""#,
            r#"2u8 "123456789010" "eni-1235b8ca123456789" 172.31.9.69 172.31.9.12 49761u16 3389u16 6u8 20u64 4249u64 @1418530010 @1418530070 "REJECT" "OK""#,
            r#"2u8 "123456789010" "eni-1235b8ca123456789" - - - - - - - @1431280876 @1431280934 - "NODATA""#,
            r#"2u8 "123456789010" "eni-11111111aaaaaaaaa" - - - - - - - @1431280876 @1431280934 - "SKIPDATA""#,
            r#"2u8 "123456789010" "eni-1235b8ca123456789" 203.0.113.12 172.31.16.139 0u16 0u16 1u8 4u64 336u64 @1432917027 @1432917142 "ACCEPT" "OK""#,
            r#"2u8 "123456789010" "eni-1235b8ca123456789" 172.31.16.139 203.0.113.12 0u16 0u16 1u8 4u64 336u64 @1432917094 @1432917142 "REJECT" "OK""#,
            r#"2u8 "123456789010" "eni-1235b8ca123456789" 2001:db8:1234:a100:8d6e:3477:df66:f105 2001:db8:1234:a102:3304:8879:34cf:4071 34892u16 22u16 6u8 54u64 8855u64 @1477913708 @1477913820 "ACCEPT" "OK""#,
        ],
        buckets: [0, 5, 1, 1, 0, 0],
        issues: &[],
    },
    Example {
        name: "v2/s3-object-header-nodata",
        input: Input::File("logs/flowlogs-v2-s3-object-header-nodata.log"),
        format: None,
        columns: V2_COLUMNS,
        rows: &[
            r#"2u8 "12345678910" "eni-0eb1e4178af74336c" - - - - - - - @1742570089 @1742570142 - "NODATA""#,
        ],
        buckets: [1, 0, 1, 0, 0, 0],
        issues: &[],
    },
    Example {
        name: "v3/tcp-flags-docs",
        input: Input::File("logs/flowlogs-v3-tcp-flags-docs.log"),
        format: None,
        columns: "version vpc_id subnet_id instance_id interface_id account_id type srcaddr dstaddr srcport dstport pkt_srcaddr pkt_dstaddr protocol bytes packets start end action tcp_flags log_status",
        rows: &[
            r#"3u8 "vpc-abcdefab012345678" "subnet-aaaaaaaa012345678" "i-01234567890123456" "eni-1235b8ca123456789" "123456789010" "IPv4" 52.213.180.42 10.0.0.62 43416u16 5001u16 52.213.180.42 10.0.0.62 6u8 568u64 8u64 @1566848875 @1566848933 "ACCEPT" 2u8 "OK""#,
            r#"3u8 "vpc-abcdefab012345678" "subnet-aaaaaaaa012345678" "i-01234567890123456" "eni-1235b8ca123456789" "123456789010" "IPv4" 10.0.0.62 52.213.180.42 5001u16 43416u16 10.0.0.62 52.213.180.42 6u8 376u64 7u64 @1566848875 @1566848933 "ACCEPT" 18u8 "OK""#,
            r#"3u8 "vpc-abcdefab012345678" "subnet-aaaaaaaa012345678" "i-01234567890123456" "eni-1235b8ca123456789" "123456789010" "IPv4" 52.213.180.42 10.0.0.62 43418u16 5001u16 52.213.180.42 10.0.0.62 6u8 100701u64 70u64 @1566848875 @1566848933 "ACCEPT" 2u8 "OK""#,
            r#"3u8 "vpc-abcdefab012345678" "subnet-aaaaaaaa012345678" "i-01234567890123456" "eni-1235b8ca123456789" "123456789010" "IPv4" 10.0.0.62 52.213.180.42 5001u16 43418u16 10.0.0.62 52.213.180.42 6u8 632u64 12u64 @1566848875 @1566848933 "ACCEPT" 18u8 "OK""#,
            r#"3u8 "vpc-abcdefab012345678" "subnet-aaaaaaaa012345678" "i-01234567890123456" "eni-1235b8ca123456789" "123456789010" "IPv4" 10.0.0.62 52.213.180.42 5001u16 43418u16 10.0.0.62 52.213.180.42 6u8 63388u64 1219u64 @1566848933 @1566849113 "ACCEPT" 1u8 "OK""#,
            r#"3u8 "vpc-abcdefab012345678" "subnet-aaaaaaaa012345678" "i-01234567890123456" "eni-1235b8ca123456789" "123456789010" "IPv4" 52.213.180.42 10.0.0.62 43418u16 5001u16 52.213.180.42 10.0.0.62 6u8 23294588u64 15774u64 @1566848933 @1566849113 "ACCEPT" 1u8 "OK""#,
            r#"3u8 "vpc-abcdefab012345678" "subnet-aaaaaaaa012345678" "i-01234567890123456" "eni-1235b8ca123456789" "123456789010" "IPv4" 52.213.180.42 10.0.0.62 43638u16 5001u16 52.213.180.42 10.0.0.62 6u8 1260u64 17u64 @1566933133 @1566933193 "ACCEPT" 3u8 "OK""#,
        ],
        buckets: [1, 7, 0, 0, 0, 1],
        // AWS's typo: two spaces after `43638` on line 9. The empty token stands where
        // `pkt-srcaddr` would be; the text is the neighbourhood of the gap.
        issues: &[(
            9,
            "empty_field",
            Some("pkt-srcaddr"),
            "3.180.42 5001 43638  10.0.0.62 52.213.18",
        )],
    },
    Example {
        name: "v3/nat-gateway-docs",
        input: Input::File("logs/flowlogs-v3-nat-gateway-docs.log"),
        format: None,
        // No `version`, no `log-status`: every line is a record.
        columns: "instance_id interface_id srcaddr dstaddr pkt_srcaddr pkt_dstaddr",
        rows: &[
            r#"- "eni-1235b8ca123456789" 10.0.1.5 10.0.0.220 10.0.1.5 203.0.113.5"#,
            r#"- "eni-1235b8ca123456789" 10.0.0.220 203.0.113.5 10.0.0.220 203.0.113.5"#,
            r#"- "eni-1235b8ca123456789" 203.0.113.5 10.0.0.220 203.0.113.5 10.0.0.220"#,
            r#"- "eni-1235b8ca123456789" 10.0.0.220 10.0.1.5 203.0.113.5 10.0.1.5"#,
            r#""i-01234567890123456" "eni-1111aaaa2222bbbb3" 10.0.1.5 203.0.113.5 10.0.1.5 203.0.113.5"#,
            r#""i-01234567890123456" "eni-1111aaaa2222bbbb3" 203.0.113.5 10.0.1.5 203.0.113.5 10.0.1.5"#,
        ],
        buckets: [1, 6, 0, 0, 0, 0],
        issues: &[],
    },
    Example {
        name: "v3/transit-gateway-path-docs",
        input: Input::File("logs/flowlogs-v3-transit-gateway-path-docs.log"),
        format: None,
        columns: "version interface_id account_id vpc_id subnet_id instance_id srcaddr dstaddr srcport dstport protocol tcp_flags type pkt_srcaddr pkt_dstaddr action log_status",
        rows: &[
            r#"3u8 "eni-33333333333333333" "123456789010" "vpc-abcdefab012345678" "subnet-22222222bbbbbbbbb" "i-01234567890123456" 10.20.33.164 10.40.2.236 39812u16 80u16 6u8 3u8 "IPv4" 10.20.33.164 10.40.2.236 "ACCEPT" "OK""#,
            r#"3u8 "eni-33333333333333333" "123456789010" "vpc-abcdefab012345678" "subnet-22222222bbbbbbbbb" "i-01234567890123456" 10.40.2.236 10.20.33.164 80u16 39812u16 6u8 19u8 "IPv4" 10.40.2.236 10.20.33.164 "ACCEPT" "OK""#,
            r#"3u8 "eni-11111111111111111" "123456789010" "vpc-abcdefab012345678" "subnet-11111111aaaaaaaaa" - 10.40.1.175 10.40.2.236 39812u16 80u16 6u8 3u8 "IPv4" 10.20.33.164 10.40.2.236 "ACCEPT" "OK""#,
            r#"3u8 "eni-22222222222222222" "123456789010" "vpc-abcdefab012345678" "subnet-22222222bbbbbbbbb" - 10.40.2.236 10.40.2.31 80u16 39812u16 6u8 19u8 "IPv4" 10.40.2.236 10.20.33.164 "ACCEPT" "OK""#,
        ],
        buckets: [1, 4, 0, 0, 0, 0],
        issues: &[],
    },
    Example {
        name: "v5/service-traffic-path-docs",
        input: Input::File("logs/flowlogs-v5-service-traffic-path-docs.log"),
        format: None,
        columns: "version srcaddr dstaddr srcport dstport protocol start end type packets bytes account_id vpc_id subnet_id instance_id interface_id region az_id sublocation_type sublocation_id action tcp_flags pkt_srcaddr pkt_dstaddr pkt_src_aws_service pkt_dst_aws_service traffic_path flow_direction log_status",
        rows: &[
            r#"5u8 52.95.128.179 10.0.0.71 80u16 34210u16 6u8 @1616729292 @1616729349 "IPv4" 14u64 15044u64 "123456789012" "vpc-abcdefab012345678" "subnet-aaaaaaaa012345678" "i-0c50d5961bcb2d47b" "eni-1235b8ca123456789" "ap-southeast-2" "apse2-az3" - - "ACCEPT" 19u8 52.95.128.179 10.0.0.71 "S3" - - "ingress" "OK""#,
            r#"5u8 10.0.0.71 52.95.128.179 34210u16 80u16 6u8 @1616729292 @1616729349 "IPv4" 7u64 471u64 "123456789012" "vpc-abcdefab012345678" "subnet-aaaaaaaa012345678" "i-0c50d5961bcb2d47b" "eni-1235b8ca123456789" "ap-southeast-2" "apse2-az3" - - "ACCEPT" 3u8 10.0.0.71 52.95.128.179 - "S3" 8u8 "egress" "OK""#,
        ],
        buckets: [1, 2, 0, 0, 0, 0],
        issues: &[],
    },
    Example {
        name: "v7/ecs-fixture",
        input: Input::File("logs/flowlogs-v7-ecs-fixture.log"),
        format: None,
        // The fixture's records say version 5 although the format has v7 fields: the value is
        // data, the header decides the columns.
        columns: "version account_id interface_id srcaddr dstaddr srcport dstport protocol packets bytes start end action log_status ecs_cluster_arn ecs_cluster_name ecs_container_instance_arn ecs_container_instance_id ecs_container_id ecs_second_container_id ecs_service_name ecs_task_definition_arn ecs_task_arn ecs_task_id",
        rows: &[
            r#"5u8 "123456789012" "eni-0abc1234def567890" 10.0.1.100 10.0.2.200 49152u16 22u16 6u8 15u64 3500u64 @1700000000 @1700000060 "ACCEPT" "OK" "arn:aws:ecs:us-east-1:123456789012:cluster/my-cluster" "my-cluster" "arn:aws:ecs:us-east-1:123456789012:container-instance/my-cluster/abcdef" "abcdef1234567890" "container-1" "container-2" "my-service" "arn:aws:ecs:us-east-1:123456789012:task-definition/my-task:1" "arn:aws:ecs:us-east-1:123456789012:task/my-cluster/abcdef" "abcdef1234567890""#,
        ],
        buckets: [1, 1, 0, 0, 0, 0],
        issues: &[],
    },
    Example {
        // AWS publishes no version-8 example record: this is the shape docs/flow-logs.md §3
        // describes, `BPA` for a Block Public Access rejection and `-` for any other.
        name: "v8/reject-reason",
        input: Input::Inline(
            "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status reject-reason\n\
             8 123456789010 eni-1235b8ca123456789 198.51.100.7 10.0.0.62 51234 443 6 3 180 1718000000 1718000060 REJECT OK BPA\n\
             8 123456789010 eni-1235b8ca123456789 203.0.113.9 10.0.0.62 40000 22 6 1 60 1718000000 1718000060 REJECT OK -\n\
             8 123456789010 eni-1235b8ca123456789 10.0.0.62 198.51.100.7 443 51234 6 5 900 1718000000 1718000060 ACCEPT OK -\n\
             8 123456789010 eni-1235b8ca123456789 - - - - - - - 1718000060 1718000120 - NODATA -\n\
             8 123456789010 eni-1235b8ca123456789 - - - - - - - 1718000060 1718000120 - SKIPDATA -\n",
        ),
        format: None,
        columns: "version account_id interface_id srcaddr dstaddr srcport dstport protocol packets bytes start end action log_status reject_reason",
        rows: &[
            r#"8u8 "123456789010" "eni-1235b8ca123456789" 198.51.100.7 10.0.0.62 51234u16 443u16 6u8 3u64 180u64 @1718000000 @1718000060 "REJECT" "OK" "BPA""#,
            r#"8u8 "123456789010" "eni-1235b8ca123456789" 203.0.113.9 10.0.0.62 40000u16 22u16 6u8 1u64 60u64 @1718000000 @1718000060 "REJECT" "OK" -"#,
            r#"8u8 "123456789010" "eni-1235b8ca123456789" 10.0.0.62 198.51.100.7 443u16 51234u16 6u8 5u64 900u64 @1718000000 @1718000060 "ACCEPT" "OK" -"#,
            r#"8u8 "123456789010" "eni-1235b8ca123456789" - - - - - - - @1718000060 @1718000120 - "NODATA" -"#,
            r#"8u8 "123456789010" "eni-1235b8ca123456789" - - - - - - - @1718000060 @1718000120 - "SKIPDATA" -"#,
        ],
        buckets: [1, 3, 1, 1, 0, 0],
        issues: &[],
    },
    Example {
        // The spec's CloudWatch Logs export shape (§10): an ISO timestamp, with or without
        // milliseconds, before each record; header-less, the default format.
        name: "cloudwatch/export-v2",
        input: Input::Inline(
            "2024-03-21T15:22:49.000Z 2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK\n\
             2024-03-21T15:22:49Z 2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK\n\
             2024-03-21T15:22:50.123Z 2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA\n",
        ),
        format: None,
        columns: V2_COLUMNS,
        rows: &[
            r#"2u8 "123456789010" "eni-1235b8ca123456789" 172.31.16.139 172.31.16.21 20641u16 22u16 6u8 20u64 4249u64 @1418530010 @1418530070 "ACCEPT" "OK""#,
            r#"2u8 "123456789010" "eni-1235b8ca123456789" 172.31.9.69 172.31.9.12 49761u16 3389u16 6u8 20u64 4249u64 @1418530010 @1418530070 "REJECT" "OK""#,
            r#"2u8 "123456789010" "eni-1235b8ca123456789" - - - - - - - @1431280876 @1431280934 - "NODATA""#,
        ],
        buckets: [0, 2, 1, 0, 0, 0],
        issues: &[],
    },
    Example {
        // The NAT-gateway records of §13 without their header: the format has no `version`
        // and must be given.
        name: "v3/nat-gateway-headerless",
        input: Input::Inline(
            "- eni-1235b8ca123456789 10.0.1.5 10.0.0.220 10.0.1.5 203.0.113.5\n\
             i-01234567890123456 eni-1111aaaa2222bbbb3 203.0.113.5 10.0.1.5 203.0.113.5 10.0.1.5\n",
        ),
        format: Some(
            "${instance-id} ${interface-id} ${srcaddr} ${dstaddr} ${pkt-srcaddr} ${pkt-dstaddr}",
        ),
        columns: "instance_id interface_id srcaddr dstaddr pkt_srcaddr pkt_dstaddr",
        rows: &[
            r#"- "eni-1235b8ca123456789" 10.0.1.5 10.0.0.220 10.0.1.5 203.0.113.5"#,
            r#""i-01234567890123456" "eni-1111aaaa2222bbbb3" 203.0.113.5 10.0.1.5 203.0.113.5 10.0.1.5"#,
        ],
        buckets: [0, 2, 0, 0, 0, 0],
        issues: &[],
    },
    Example {
        // Without the format, the same lines are read as the default format and do not fit.
        // Fields are checked left to right and the first defect is the one reported: here the
        // sixth token, read as `srcport`, before the missing fields are noticed.
        name: "v3/nat-gateway-headerless-without-format",
        input: Input::Inline("- eni-1235b8ca123456789 10.0.1.5 10.0.0.220 10.0.1.5 203.0.113.5\n"),
        format: None,
        columns: V2_COLUMNS,
        rows: &[],
        buckets: [0, 0, 0, 0, 0, 1],
        issues: &[(1, "invalid_number", Some("srcport"), "203.0.113.5")],
    },
    Example {
        // §10's Logs Insights CSV download (`timestamp,message`) is not flow-log text: its
        // first token is not a version.
        name: "cloudwatch/insights-csv-line",
        input: Input::Inline(
            "1742570569000,2 627286350134 eni-0eb1e4178af74336c - - - - - - - 1742570569 1742570622 - NODATA\n",
        ),
        format: None,
        columns: V2_COLUMNS,
        rows: &[],
        buckets: [0, 0, 0, 0, 0, 1],
        issues: &[(1, "invalid_number", Some("version"), "1742570569000,2")],
    },
];

/// The text of an example.
fn text_of(example: &Example) -> Vec<u8> {
    match example.input {
        Input::File(path) => read_testdata(path),
        Input::Inline(text) => text.as_bytes().to_vec(),
    }
}

/// The header line of an example that starts with one.
fn header_of<'a>(example: &Example, text: &'a [u8]) -> Option<&'a str> {
    if example.buckets[0] == 0 {
        return None;
    }
    let end = text.iter().position(|&b| b == b'\n')?;
    Some(std::str::from_utf8(&text[..end]).expect("a header is ASCII"))
}

/// Asserts everything an example promises about one read of `text`, a variant of it with
/// `header` header lines (issue lines move with the header).
fn assert_outcome(example: &Example, variant: &str, text: &[u8], outcome: &Outcome, header: u64) {
    let context = format!("{} ({variant})", example.name);
    if let Some(err) = &outcome.error {
        panic!("{context}: the read failed: {err}");
    }
    let [_, records, nodata, skipdata, blank, malformed] = example.buckets;
    let expected = LineCounts {
        header,
        records,
        nodata,
        skipdata,
        blank,
        malformed,
    };
    assert_eq!(outcome.stats.counts, expected, "{context}: buckets");
    assert_eq!(
        outcome.stats.lines(),
        physical_lines(text),
        "{context}: every line counted"
    );
    assert_eq!(outcome.rendered(), example.rows, "{context}: rows");
    if !example.rows.is_empty() {
        let columns: Vec<&str> = example.columns.split(' ').collect();
        assert_eq!(outcome.columns(), columns, "{context}: columns");
    }
    for batch in &outcome.batches {
        assert_flow_types(batch);
    }
    let shift = header as i64 - example.buckets[0] as i64;
    let mut by_reason = [0u64; 9];
    assert_eq!(
        outcome.stats.samples.len(),
        example.issues.len(),
        "{context}: issues"
    );
    for &(line, reason, field, issue_text) in example.issues {
        let line = (line as i64 + shift) as u64;
        let issue = outcome.issue_at(line);
        assert_eq!(issue.kind.as_str(), reason, "{context}: line {line}");
        assert_eq!(issue.field.as_deref(), field, "{context}: line {line}");
        assert_eq!(issue.text, issue_text, "{context}: line {line}");
        assert_eq!(
            issue.byte_offset,
            line_offset(text, line),
            "{context}: line {line}"
        );
        let reason_index = flowsieve_log::LineIssueKind::REASONS
            .iter()
            .position(|r| *r == reason)
            .expect("a documented reason key");
        by_reason[reason_index] += 1;
    }
    assert_eq!(
        outcome.stats.malformed_by_reason, by_reason,
        "{context}: reasons"
    );
}

/// The `${a} ${b}` form of a header line, as AWS prints a flow log's `LogFormat`.
fn aws_format(header: &str) -> String {
    header
        .split(' ')
        .map(|field| format!("${{{field}}}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Prefixes every non-empty line with a CloudWatch Logs export timestamp.
fn cloudwatch(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for line in text.split_inclusive(|&b| b == b'\n') {
        if line != b"\n" {
            out.extend_from_slice(b"2024-03-21T15:22:49.000Z ");
        }
        out.extend_from_slice(line);
    }
    out
}

/// Runs one example through every way its records can arrive.
fn check(example: &Example) {
    let text = text_of(example);
    let given: Option<LogFormat> = example
        .format
        .map(|f| f.parse().expect("the example's format parses"));
    let label = format!("examples/{}", example.name);
    let builder = || {
        let builder = ReaderBuilder::new().with_source_label(label.as_str());
        match &given {
            Some(format) => builder.with_format(format.clone()),
            None => builder,
        }
    };

    // 1. As it is: the header (if any) decides the format.
    let outcome = read(builder(), &text);
    assert_outcome(example, "as is", &text, &outcome, example.buckets[0]);
    for issue in &outcome.stats.samples {
        assert_eq!(&*issue.source, label, "{}: issue source", example.name);
    }

    // 2. The other form: header-less with the format given as AWS prints it, or with the
    //    format's header line put in front.
    let (headerless, format) = match header_of(example, &text) {
        Some(header) => {
            let at = header.len() + 1;
            let format: LogFormat = aws_format(header).parse().expect("the header's fields");
            (text[at..].to_vec(), format)
        }
        None => (text.clone(), given.clone().unwrap_or_default()),
    };
    let outcome = read(
        ReaderBuilder::new().with_format(format.clone()),
        &headerless,
    );
    assert_outcome(
        example,
        "header-less, format given",
        &headerless,
        &outcome,
        0,
    );
    let mut with_header = format.to_header_line().into_bytes();
    with_header.push(b'\n');
    with_header.extend_from_slice(&headerless);
    let outcome = read(ReaderBuilder::new(), &with_header);
    assert_outcome(example, "header line in front", &with_header, &outcome, 1);

    // 3. As CloudWatch Logs export lines: header-less, each record after a timestamp (unless
    //    the example already is an export: only one timestamp is stripped).
    if !example.name.starts_with("cloudwatch/export") {
        let exported = cloudwatch(&headerless);
        let outcome = read(ReaderBuilder::new().with_format(format), &exported);
        assert_outcome(example, "CloudWatch export", &exported, &outcome, 0);
    }

    // 4. As a file, opened by content: the label is the path.
    if let Input::File(path) = example.input {
        let source = Source::local(common::testdata(path)).expect("the file exists");
        let mut reader = open(&source, &builder()).expect("opens");
        let outcome = common::collect(&mut reader, |r| r.stats().clone());
        assert_outcome(example, "opened file", &text, &outcome, example.buckets[0]);
        for issue in &outcome.stats.samples {
            assert_eq!(&*issue.source, &**source.label());
        }
    }
}

#[test]
fn every_documented_example_decodes_exactly() {
    for example in EXAMPLES {
        check(example);
    }
}

#[test]
fn every_log_file_of_testdata_is_an_example_or_refused() {
    // A file added to testdata/logs must get expectations here.
    let mut names: Vec<String> = std::fs::read_dir(common::testdata("logs"))
        .expect("testdata/logs")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut covered: Vec<String> = EXAMPLES
        .iter()
        .filter_map(|e| match e.input {
            Input::File(path) => Some(path.trim_start_matches("logs/").to_owned()),
            Input::Inline(_) => None,
        })
        .chain(REFUSED.iter().map(|(path, _)| path.to_string()))
        .collect();
    covered.sort();
    assert_eq!(names, covered);
}

#[test]
fn addresses_are_ipv4_mapped_sixteen_bytes() {
    let text = read_testdata("logs/flowlogs-v2-default-docs.log");
    let outcome = read(ReaderBuilder::new(), &text).ok();
    let batch = &outcome.batches[0];
    let src = batch.addresses(FlowField::SrcAddr).expect("srcaddr");
    let dst = batch.addresses(FlowField::DstAddr).expect("dstaddr");
    // 172.31.16.139 is ::ffff:172.31.16.139, big-endian in the column's 16 bytes.
    assert_eq!(src.value(0), 0xffff_ac1f_108b);
    assert_eq!(
        src.as_array().value(0),
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 172, 31, 16, 139]
    );
    assert_eq!(address_to_ip(src.value(0)).to_string(), "172.31.16.139");
    // The IPv6 record (row 6) is stored as is.
    assert_eq!(
        src.get(6).map(address_to_ip).map(|ip| ip.to_string()),
        Some("2001:db8:1234:a100:8d6e:3477:df66:f105".to_owned())
    );
    assert_eq!(dst.get(6), Some(0x2001_0db8_1234_a102_3304_8879_34cf_4071));
    // NODATA rows have null addresses (and read as 0 through `value`).
    assert!(src.is_null(2) && src.get(2).is_none() && src.value(2) == 0);
}

/// Inputs that are not VPC flow-log text: file, and what the refusal must say.
const REFUSED: &[(&str, &str)] = &[
    ("transit-gateway-flowlogs-v6-fixture.log", "Transit Gateway"),
    ("cloudwatch-subscription-payload-decoded.json", "JSON"),
];

#[test]
fn transit_gateway_and_json_are_refused_as_unsupported_record_types() {
    for &(name, says) in REFUSED {
        let path = common::testdata(&format!("logs/{name}"));
        let source = Source::local(&path).expect("the file exists");
        let label = source.label().to_string();
        let err = match open(&source, &ReaderBuilder::new()) {
            Err(err) => err,
            Ok(mut reader) => {
                let outcome = common::collect(&mut reader, |r| r.stats().clone());
                assert!(outcome.batches.is_empty(), "{name}: no rows");
                outcome.error.expect("the read is refused")
            }
        };
        assert!(
            matches!(err.kind(), ErrorKind::UnsupportedRecordType { .. }),
            "{name}: {err:?}"
        );
        assert_eq!(err.source_label(), Some(label.as_str()), "{name}");
        assert!(err.to_string().starts_with(&format!("{label}: ")), "{err}");
        assert!(err.to_string().contains(says), "{err}");
    }
}

#[test]
fn transit_gateway_header_is_refused_by_the_reader_and_as_a_format() {
    let text = read_testdata("logs/transit-gateway-flowlogs-v6-fixture.log");
    let outcome = read(ReaderBuilder::new().with_source_label("tgw.log"), &text);
    assert_eq!(outcome.num_rows(), 0);
    let err = outcome.error.expect("refused");
    assert!(
        matches!(err.kind(), ErrorKind::UnsupportedRecordType { .. }),
        "{err:?}"
    );
    assert!(err.to_string().starts_with("tgw.log: "), "{err}");
    // Its fields cannot be given as a format either.
    let header = std::str::from_utf8(&text[..text.iter().position(|&b| b == b'\n').unwrap()])
        .unwrap()
        .to_owned();
    for format in [aws_format(&header), "${version} ${tgw-id}".to_owned()] {
        let err = format.parse::<LogFormat>().expect_err("a TGW format");
        assert!(
            matches!(err.kind(), ErrorKind::InvalidFormat { .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("Transit Gateway"), "{err}");
    }
}

#[test]
fn the_default_format_is_version_two_and_every_form_of_it_is_equal() {
    let default = LogFormat::default_v2();
    let aws = "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}";
    assert_eq!(default.to_aws_string(), aws);
    assert_eq!(aws.parse::<LogFormat>().unwrap(), default);
    assert_eq!(
        aws.replace('$', "$$").parse::<LogFormat>().unwrap(),
        default
    );
    assert_eq!(V2_COLUMNS.parse::<LogFormat>().unwrap(), default);
    assert_eq!(default.to_header_line().replace('-', "_"), V2_COLUMNS);
    assert_eq!(default.version(), 2);
}

//! Input that is not what it seems: text with a byte-order mark, a Logs Insights CSV download,
//! binary content, and objects whose lines are mostly malformed — each read as what it is, or
//! refused, or diagnosed ([`LineStats::diagnose`]) with the count, the format in force and a
//! guessed format.

use std::io::Write;

use flowsieve_log::{
    Diagnosis, ErrorKind, FormatOrigin, LineIssueKind, LogFormat, ReaderBuilder, Source, open,
};

use crate::common::{Outcome, Value, collect, physical_lines, read, read_testdata};

const BOM: &str = "\u{feff}";
const HEADER: &str = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status tcp-flags flow-direction";
const GOOD: &str = "5 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK 2 ingress";
/// A default-format (v2) record.
const V2: &str = "2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK";

fn gzip(text: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(text).unwrap();
    encoder.finish().unwrap()
}

/// Reads a file through `open` (sniffing, gzip), as the CLI does.
fn read_file(path: &std::path::Path, builder: &ReaderBuilder) -> flowsieve_log::Result<Outcome> {
    let mut reader = open(&Source::local(path)?, builder)?;
    Ok(collect(&mut reader, |r| r.stats().clone()))
}

#[test]
fn a_byte_order_mark_before_a_header_is_skipped() {
    let text = format!("{BOM}{HEADER}\n{GOOD}\n{GOOD}\n");
    let outcome = read(ReaderBuilder::new(), text.as_bytes()).ok();
    let stats = &outcome.stats;
    assert_eq!(
        (
            stats.counts.header,
            stats.counts.records,
            stats.counts.malformed
        ),
        (1, 2, 0)
    );
    assert_eq!(stats.lines(), 3, "the mark is not a line");
    assert_eq!(outcome.columns().len(), 16);
    // Before a header-less record too.
    let text = format!("{BOM}{V2}\n");
    let outcome = read(ReaderBuilder::new(), text.as_bytes()).ok();
    assert_eq!(
        (outcome.stats.counts.records, outcome.stats.lines()),
        (1, 1)
    );
}

#[test]
fn each_gzip_member_may_start_with_a_byte_order_mark() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("two-members.log.gz");
    let member = format!("{BOM}{HEADER}\n{GOOD}\n");
    let mut bytes = gzip(member.as_bytes());
    bytes.extend(gzip(member.as_bytes()));
    std::fs::write(&path, bytes).unwrap();
    let outcome = read_file(&path, &ReaderBuilder::new()).unwrap().ok();
    let stats = &outcome.stats;
    assert_eq!(
        (
            stats.counts.header,
            stats.counts.records,
            stats.counts.malformed
        ),
        (2, 2, 0)
    );
    assert_eq!(stats.lines(), 4);
}

/// A Logs Insights query result downloaded as CSV: `timestamp,message`, then one row per
/// record, its message plain or quoted (docs/flow-logs.md §9).
#[test]
fn a_logs_insights_csv_download_is_read_as_its_messages() {
    let text = "timestamp,message\n\
        1742570569000,2 627286350134 eni-0eb1e4178af74336c - - - - - - - 1742570569 1742570622 - NODATA\n\
        \"1742570570000\",\"2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK\"\n\
        \n\
        1742570571000,2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 70000 6 20 4249 1418530010 1418530070 ACCEPT OK\n";
    let builder = ReaderBuilder::new().with_source_label("insights.csv");
    let outcome = read(builder, text.as_bytes()).ok();
    let stats = &outcome.stats;
    assert_eq!(
        (
            stats.counts.header,
            stats.counts.nodata,
            stats.counts.records,
            stats.counts.blank,
            stats.counts.malformed
        ),
        (1, 1, 1, 1, 1)
    );
    assert_eq!(stats.lines(), physical_lines(text.as_bytes()));
    let issue = outcome.issue_at(5);
    assert_eq!(issue.kind, LineIssueKind::NumberOutOfRange);
    assert_eq!(issue.field.as_deref(), Some("dstport"));
    let field = |name: &str| -> Vec<Value> {
        outcome
            .named_rows()
            .into_iter()
            .flat_map(|row| row.into_iter().filter(|(n, _)| n == name).map(|(_, v)| v))
            .collect()
    };
    assert_eq!(
        field("interface_id"),
        [
            Value::Text("eni-0eb1e4178af74336c".into()),
            Value::Text("eni-1235b8ca123456789".into())
        ]
    );
    assert_eq!(field("dstport"), [Value::Null, Value::U16(22)]);
}

#[test]
fn a_logs_insights_csv_takes_the_configured_format() {
    let format: LogFormat = "${interface-id} ${dstport} ${action}".parse().unwrap();
    let text = "\"@timestamp\",\"@message\"\n1,eni-1 22 ACCEPT\n2,eni-2 443 REJECT\n";
    let outcome = read(ReaderBuilder::new().with_format(format), text.as_bytes()).ok();
    assert_eq!(
        (outcome.stats.counts.header, outcome.stats.counts.records),
        (1, 2)
    );
    assert_eq!(
        outcome.rendered(),
        [r#""eni-1" 22u16 "ACCEPT""#, r#""eni-2" 443u16 "REJECT""#]
    );
}

#[test]
fn binary_content_is_refused_naming_the_object() {
    let dir = tempfile::tempdir().unwrap();
    // Deterministic noise: a linear congruential generator's high bytes.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let noise: Vec<u8> = (0..4096)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            (state >> 56) as u8
        })
        .collect();
    let plain = dir.path().join("noise.bin");
    std::fs::write(&plain, &noise).unwrap();
    let zipped = dir.path().join("noise.log.gz");
    std::fs::write(&zipped, gzip(&noise)).unwrap();
    // A NUL byte in otherwise good text.
    let nul = dir.path().join("nul.log");
    std::fs::write(&nul, format!("{V2}\n{V2}\0\n")).unwrap();
    for path in [&plain, &zipped, &nul] {
        let err = read_file(path, &ReaderBuilder::new()).unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::BinaryContent { .. }),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!("{}: not a flow log (binary content)", path.display())
        );
    }
    // Text with a few bytes that are not ASCII is text.
    let latin = dir.path().join("latin.log");
    std::fs::write(&latin, format!("{V2}\n{V2} caf\u{e9}\n")).unwrap();
    let outcome = read_file(&latin, &ReaderBuilder::new()).unwrap();
    assert_eq!(
        (outcome.stats.counts.records, outcome.stats.counts.malformed),
        (1, 1)
    );
}

/// The demo's custom format with numbers in AWS's order: a guess from the values can name
/// every field.
const CUSTOM: &str = "${version} ${vpc-id} ${subnet-id} ${instance-id} ${interface-id} ${account-id} ${type} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${tcp-flags} ${log-status} ${flow-direction}";
const CUSTOM_LINES: [&str; 3] = [
    "5 vpc-0a1b2c3d subnet-9f8e7d6c i-0123abcd eni-0a1b2c3d 123456789010 IPv4 10.0.1.5 10.0.2.9 49152 443 6 12 4000 1742570569 1742570622 ACCEPT 2 OK egress",
    "5 vpc-0a1b2c3d subnet-9f8e7d6c - eni-0a1b2c3d 123456789010 IPv4 203.0.113.7 10.0.1.5 51000 22 6 3 180 1742570569 1742570622 REJECT 2 OK ingress",
    "5 vpc-0a1b2c3d subnet-9f8e7d6c i-0123abcd eni-0a1b2c3d 123456789010 IPv6 2001:db8::1 2001:db8::2 5353 53 17 1 90 1742570569 1742570622 ACCEPT 0 OK egress",
];

fn custom_text() -> String {
    CUSTOM_LINES.map(|l| format!("{l}\n")).concat()
}

#[test]
fn headerless_custom_lines_are_diagnosed_with_a_guessed_format() {
    let text = custom_text();
    let stats = read(ReaderBuilder::new(), text.as_bytes()).ok().stats;
    assert_eq!((stats.counts.records, stats.counts.malformed), (0, 3));
    let diagnosis = stats.diagnose().expect("every line is malformed");
    let guess: LogFormat = CUSTOM.parse().unwrap();
    assert_eq!(
        diagnosis,
        Diagnosis::FieldCount {
            origin: FormatOrigin::Default,
            expected: 14,
            found: 20,
            guess: Some(guess.clone()),
        }
    );
    assert_eq!(
        diagnosis.to_string(),
        format!(
            "the lines have 20 fields where the default v2 format (the object has no header \
             line) has 14; a guess from the values, to check against the flow log's \
             LogFormat: --log-format '{CUSTOM}'"
        )
    );
    // The guess reads the lines.
    let again = read(ReaderBuilder::new().with_format(guess), text.as_bytes()).ok();
    assert_eq!(
        (again.stats.counts.records, again.stats.counts.malformed),
        (3, 0)
    );
    assert_eq!(again.stats.diagnose(), None);
    // Two positions that look alike (a vpc id where the subnet was): no guess.
    let text = text.replace("subnet-9f8e7d6c", "vpc-9f8e7d6c");
    let stats = read(ReaderBuilder::new(), text.as_bytes()).ok().stats;
    assert_eq!(stats.diagnose().unwrap().suggested_format(), None);
}

#[test]
fn a_wrong_configured_format_is_diagnosed_as_such() {
    let format: LogFormat = "${version} ${interface-id} ${srcaddr}".parse().unwrap();
    let stats = read(
        ReaderBuilder::new().with_format(format),
        custom_text().as_bytes(),
    )
    .ok()
    .stats;
    let diagnosis = stats.diagnose().unwrap();
    assert_eq!(
        diagnosis,
        Diagnosis::FieldCount {
            origin: FormatOrigin::Configured,
            expected: 3,
            found: 20,
            guess: Some(CUSTOM.parse().unwrap()),
        }
    );
    // Without a guess, the advice is to give the format.
    let text = custom_text().replace(" 123456789010 ", " unknown ");
    let format: LogFormat = "${version} ${interface-id} ${srcaddr}".parse().unwrap();
    let stats = read(ReaderBuilder::new().with_format(format), text.as_bytes())
        .ok()
        .stats;
    assert_eq!(
        stats.diagnose().unwrap().to_string(),
        "the lines have 20 fields where the given --log-format has 3; pass the flow log's \
         LogFormat with --log-format"
    );
}

/// A header whose fields are in another order than the values: same count, wrong values.
#[test]
fn a_header_that_does_not_describe_its_lines() {
    let header = HEADER.replace("srcaddr dstaddr", "interface-id-x srcaddr");
    let header = header.replacen("interface-id ", "dstaddr ", 1);
    let text = format!("{header}\n{GOOD}\n{GOOD}\n");
    let stats = read(ReaderBuilder::new(), text.as_bytes()).ok().stats;
    assert_eq!((stats.counts.header, stats.counts.malformed), (1, 2));
    match stats.diagnose().unwrap() {
        Diagnosis::WrongFormat {
            origin: FormatOrigin::Header,
            issue: LineIssueKind::InvalidAddress,
            field,
            text,
            ..
        } => {
            assert_eq!(field.as_deref(), Some("dstaddr"));
            assert_eq!(text, "eni-1235b8ca123456789");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn headerless_transit_gateway_records_are_named() {
    let fixture = read_testdata("logs/transit-gateway-flowlogs-v6-fixture.log");
    let records: Vec<u8> = fixture
        .split(|&b| b == b'\n')
        .filter(|line| line.starts_with(b"6 "))
        .flat_map(|line| line.iter().copied().chain([b'\n']))
        .collect();
    let stats = read(ReaderBuilder::new(), &records).ok().stats;
    assert!(stats.counts.malformed > 0);
    assert_eq!(stats.diagnose(), Some(Diagnosis::TransitGateway));
}

#[test]
fn binary_lines_given_to_a_reader_are_diagnosed() {
    let text = b"\x00\x01\x02garbage\xff\xfe\n\x7f\x00ELF\x02\x01\n\x89PNG\r\x1a\x00\x00\n";
    let stats = read(ReaderBuilder::new(), text).ok().stats;
    assert_eq!(stats.diagnose(), Some(Diagnosis::Binary));
    assert_eq!(
        Diagnosis::Binary.to_string(),
        "not a flow log (binary content)"
    );
}

#[test]
fn healthy_or_mostly_healthy_objects_have_no_diagnosis() {
    let text = format!("{HEADER}\n{GOOD}\n{GOOD}\n{GOOD} x\n");
    let stats = read(ReaderBuilder::new(), text.as_bytes()).ok().stats;
    assert_eq!(stats.counts.malformed, 1);
    assert_eq!(stats.diagnose(), None, "one line of three");
    // Half is not more than half.
    let text = format!("{V2}\n{V2} x\n");
    let stats = read(ReaderBuilder::new(), text.as_bytes()).ok().stats;
    assert_eq!(stats.diagnose(), None);
    // Long lines are counted, not probed: the reason stands.
    let long = "9".repeat(200);
    let stats = read(
        ReaderBuilder::new().with_max_line_length(64),
        format!("{long}\n{long}\n").as_bytes(),
    )
    .ok()
    .stats;
    assert_eq!(
        stats.diagnose(),
        Some(Diagnosis::Malformed {
            reason: LineIssueKind::LineTooLong { limit: 64 }
        })
    );
}

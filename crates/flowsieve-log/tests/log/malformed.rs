//! Bad input: every malformed class of docs/semantics.md with its exact reported position
//! (source label, line, byte offset, field, text, reason key), strict mode failing with the
//! same message, cut and corrupt gzip files, the `testdata/malformed` fixture, and the
//! accounting invariant — every physical line lands in exactly one bucket — on random input.
//!
//! The single-line classes are the table `CASES`, run by one function `check_case`: the bad
//! line sits between two good ones, so the test also sees that the bad line's partial row does
//! not leak into the batch.

use std::io::Write;

use flowsieve_log::{
    ErrorKind, LineIssueKind, LineStats, MAX_SAMPLE_LIMIT, ReaderBuilder, Source, open,
};
use proptest::prelude::*;

use crate::common::{
    self, Outcome, collect, line_offset, physical_lines, read, read_testdata, render, rows,
};

const HEADER: &str = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status tcp-flags flow-direction";
const GOOD: &str = "5 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK 2 ingress";
const GOOD_ROW: &str = r#"5u8 "123456789010" "eni-1235b8ca123456789" 172.31.16.139 172.31.16.21 20641u16 22u16 6u8 20u64 4249u64 @1418530010 @1418530070 "ACCEPT" "OK" 2u8 "ingress""#;
const LABEL: &str = "cases/mixed-format.log";

/// The bad line of a case.
enum Bad {
    /// The good line with one field's token replaced.
    Field(&'static str, &'static [u8]),
    /// A line written out.
    Line(&'static [u8]),
    /// The good line with bytes before it.
    Before(&'static str),
    /// The good line with bytes after it.
    After(&'static str),
}

struct Case {
    bad: Bad,
    /// The kind as it prints (`field_count (expected 16 fields, found 15)`).
    kind: &'static str,
    field: Option<&'static str>,
    text: &'static str,
}

const fn field(
    name: &'static str,
    token: &'static [u8],
    kind: &'static str,
    text: &'static str,
) -> Case {
    Case {
        bad: Bad::Field(name, token),
        kind,
        field: Some(name),
        text,
    }
}

const CASES: &[Case] = &[
    // field_count: the text is the start of the line, at most 80 bytes.
    Case {
        bad: Bad::Line(b"5 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK 2"),
        kind: "field_count (expected 16 fields, found 15)",
        field: None,
        text: "5 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 42",
    },
    Case {
        bad: Bad::After(" extra"),
        kind: "field_count (expected 16 fields, found 17)",
        field: None,
        text: "5 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 42",
    },
    // empty_field: the text is the neighbourhood of the gap; the field is where the gap is.
    field("dstport", b"", "empty_field", " 172.31.16.21 20641  6 20 4249 141853001"),
    Case {
        bad: Bad::Before(" "),
        kind: "empty_field",
        field: Some("version"),
        text: " 5 123456789010 eni-",
    },
    Case {
        bad: Bad::After(" "),
        kind: "empty_field",
        field: None,
        text: "ACCEPT OK 2 ingress ",
    },
    // invalid_number, in a field of every numeric kind.
    field("version", b"v5", "invalid_number", "v5"),
    field("srcport", b"80a", "invalid_number", "80a"),
    field("dstport", b"-1", "invalid_number", "-1"),
    field("protocol", b"+6", "invalid_number", "+6"),
    field("packets", b"1e3", "invalid_number", "1e3"),
    field("bytes", "４".as_bytes(), "invalid_number", "４"),
    field("start", b"1418530010.5", "invalid_number", "1418530010.5"),
    field("end", b"2024-03-21T15:22:49Z", "invalid_number", "2024-03-21T15:22:49Z"),
    field("tcp-flags", b"0x12", "invalid_number", "0x12"),
    // number_out_of_range: one past each bound.
    field("version", b"256", "number_out_of_range", "256"),
    field("srcport", b"65536", "number_out_of_range", "65536"),
    field("dstport", b"99999", "number_out_of_range", "99999"),
    field("protocol", b"256", "number_out_of_range", "256"),
    field("tcp-flags", b"256", "number_out_of_range", "256"),
    field("packets", b"18446744073709551616", "number_out_of_range", "18446744073709551616"),
    field("bytes", b"100000000000000000000000", "number_out_of_range", "100000000000000000000000"),
    field("start", b"253402300800", "number_out_of_range", "253402300800"),
    field("start", b"1418530010000", "number_out_of_range", "1418530010000"), // milliseconds
    field("end", b"18446744073709551615", "number_out_of_range", "18446744073709551615"),
    // invalid_address.
    field("srcaddr", b"256.1.1.1", "invalid_address", "256.1.1.1"),
    field("srcaddr", b"10.0.0", "invalid_address", "10.0.0"),
    field("srcaddr", b"1.2.3.4.5", "invalid_address", "1.2.3.4.5"),
    field("srcaddr", b"10.0.0.1/32", "invalid_address", "10.0.0.1/32"),
    field("dstaddr", b"2001:db8::g", "invalid_address", "2001:db8::g"),
    field("dstaddr", b"fe80::1%eth0", "invalid_address", "fe80::1%eth0"),
    field("dstaddr", b"::ffff:1.2.3", "invalid_address", "::ffff:1.2.3"),
    field("dstaddr", b"localhost", "invalid_address", "localhost"),
    // invalid_utf8: the text is lossy.
    field("interface-id", b"eni-\xff\xfe", "invalid_utf8", "eni-\u{fffd}\u{fffd}"),
    field("account-id", b"12345\xc3", "invalid_utf8", "12345\u{fffd}"),
    // invalid_value: the enumerations are case-sensitive.
    field("action", b"ALLOW", "invalid_value", "ALLOW"),
    field("action", b"accept", "invalid_value", "accept"),
    field("log-status", b"FAILED", "invalid_value", "FAILED"),
    field("log-status", b"ok", "invalid_value", "ok"),
    field("flow-direction", b"inbound", "invalid_value", "inbound"),
    field("flow-direction", b"INGRESS", "invalid_value", "INGRESS"),
];

/// The bad line of a case.
fn bad_line(bad: &Bad) -> Vec<u8> {
    match bad {
        Bad::Field(name, token) => {
            let at = HEADER
                .split(' ')
                .position(|f| f == *name)
                .expect("a field of HEADER");
            let mut tokens: Vec<&[u8]> = GOOD.split(' ').map(str::as_bytes).collect();
            tokens[at] = token;
            tokens.join(&b' ')
        }
        Bad::Line(line) => line.to_vec(),
        Bad::Before(prefix) => format!("{prefix}{GOOD}").into_bytes(),
        Bad::After(suffix) => format!("{GOOD}{suffix}").into_bytes(),
    }
}

/// The header, a good line, `bad` (line 3), a good line.
fn case_input(bad: &[u8]) -> Vec<u8> {
    let mut text = format!("{HEADER}\n{GOOD}\n").into_bytes();
    text.extend_from_slice(bad);
    text.extend_from_slice(format!("\n{GOOD}\n").as_bytes());
    text
}

/// Runs one case lenient (with several batch sizes) and strict.
fn check_case(case: &Case) {
    let bad = bad_line(&case.bad);
    let text = case_input(&bad);
    let context = String::from_utf8_lossy(&bad).into_owned();
    let mut issues = Vec::new();
    for batch_size in [1, 2, 1024] {
        let builder = ReaderBuilder::new()
            .with_source_label(LABEL)
            .with_batch_size(batch_size);
        let outcome = read(builder, &text).ok();
        assert_eq!(outcome.rendered(), [GOOD_ROW, GOOD_ROW], "{context}: rows");
        let stats = &outcome.stats;
        assert_eq!(
            (
                stats.counts.header,
                stats.counts.records,
                stats.counts.malformed,
                stats.lines()
            ),
            (1, 2, 1, 4),
            "{context}: buckets"
        );
        let issue = outcome.issue_at(3).clone();
        assert_eq!(&*issue.source, LABEL, "{context}");
        assert_eq!(
            issue.byte_offset,
            (HEADER.len() + GOOD.len() + 2) as u64,
            "{context}"
        );
        assert_eq!(issue.kind.to_string(), case.kind, "{context}");
        assert_eq!(issue.field.as_deref(), case.field, "{context}");
        assert_eq!(issue.text, case.text, "{context}");
        let reason = case.kind.split(' ').next().expect("a reason key");
        assert_eq!(issue.kind.as_str(), reason, "{context}");
        let index = LineIssueKind::REASONS.iter().position(|r| *r == reason);
        let mut by_reason = [0; 9];
        by_reason[index.expect("a documented reason key")] = 1;
        assert_eq!(stats.malformed_by_reason, by_reason, "{context}");
        let in_field = case
            .field
            .map(|f| format!(" in field `{f}`"))
            .unwrap_or_default();
        assert_eq!(
            issue.to_string(),
            format!(
                "{LABEL}:3: malformed line: {}{in_field}: {:?}",
                case.kind, case.text
            ),
            "{context}"
        );
        issues.push(issue);
    }
    assert!(
        issues.windows(2).all(|w| w[0] == w[1]),
        "{context}: batch size changed the issue"
    );

    // Strict: the same issue, as the error, with the same message.
    let builder = ReaderBuilder::new()
        .with_source_label(LABEL)
        .with_strict(true);
    let outcome = read(builder, &text);
    let err = outcome.error.expect("strict mode fails");
    assert_eq!(err.to_string(), issues[0].to_string(), "{context}");
    assert_eq!(err.source_label(), Some(LABEL));
    match err.into_kind() {
        ErrorKind::Malformed(issue) => assert_eq!(issue, issues[0], "{context}"),
        other => panic!("{context}: strict mode failed with {other:?}"),
    }
}

#[test]
fn every_malformed_class_is_located_exactly() {
    for case in CASES {
        check_case(case);
    }
    // Every reason a single line can have is in the table (line_too_long and truncated need
    // their own setups, below).
    for reason in &LineIssueKind::REASONS[..7] {
        assert!(
            CASES.iter().any(|c| c.kind.starts_with(reason)),
            "no case for {reason}"
        );
    }
}

#[test]
fn boundary_values_are_accepted() {
    let tokens: &[(&str, &[u8])] = &[
        ("version", b"255"),
        ("srcport", b"65535"),
        ("dstport", b"0"),
        ("protocol", b"255"),
        ("packets", b"18446744073709551615"),
        ("bytes", b"000000000000000000000000042"),
        ("start", b"253402300799"), // 9999-12-31T23:59:59Z, flowsieve_log::MAX_TIMESTAMP
        ("end", b"0"),
        ("tcp-flags", b"255"),
        ("srcaddr", b"255.255.255.255"),
        ("dstaddr", b"::"),
    ];
    let mut line = GOOD.as_bytes().to_vec();
    for (name, token) in tokens {
        let mut tokens: Vec<Vec<u8>> = line.split(|&b| b == b' ').map(<[u8]>::to_vec).collect();
        let at = HEADER.split(' ').position(|f| f == *name).expect("a field");
        tokens[at] = token.to_vec();
        line = tokens.join(&b' ');
    }
    let text = [HEADER.as_bytes(), b"\n", &line].concat();
    let outcome = read(ReaderBuilder::new(), &text).ok();
    assert_eq!(
        outcome.rendered(),
        [
            r#"255u8 "123456789010" "eni-1235b8ca123456789" 255.255.255.255 :: 65535u16 0u16 255u8 18446744073709551615u64 42u64 @253402300799 @0 "ACCEPT" "OK" 255u8 "ingress""#
        ]
    );
}

#[test]
fn a_line_longer_than_the_bound_is_skipped_and_located() {
    // The bound is on the line without its newline: 200 bytes pass, 201 do not.
    let pad = |len: usize| {
        let line = GOOD.replacen("eni-", &format!("eni-{}", "x".repeat(len - GOOD.len())), 1);
        assert_eq!(line.len(), len);
        line
    };
    let text = format!(
        "{HEADER}\n{}\n{}\n{GOOD}\n{}",
        pad(200),
        pad(201),
        pad(5000)
    );
    for read_whole in [true, false] {
        let builder = ReaderBuilder::new()
            .with_source_label(LABEL)
            .with_max_line_length(200);
        let outcome = if read_whole {
            read(builder, text.as_bytes()).ok()
        } else {
            common::read_from(builder, common::OneByte(text.as_bytes())).ok()
        };
        let stats = &outcome.stats;
        assert_eq!(
            (
                stats.counts.header,
                stats.counts.records,
                stats.counts.malformed
            ),
            (1, 2, 2)
        );
        assert_eq!(stats.lines(), 5);
        assert_eq!(stats.malformed_by_reason[7], 2);
        let second = outcome.issue_at(3);
        assert_eq!(second.kind, LineIssueKind::LineTooLong { limit: 200 });
        assert_eq!(
            second.kind.to_string(),
            "line_too_long (longer than 200 bytes)"
        );
        assert_eq!(second.byte_offset, line_offset(text.as_bytes(), 3));
        assert_eq!(second.field, None);
        // The text counts the bytes skipped, the newline included.
        assert_eq!(second.text, "<202 bytes>");
        let last = outcome.issue_at(5);
        assert_eq!(last.byte_offset, line_offset(text.as_bytes(), 5));
        assert_eq!(last.text, "<5000 bytes>", "the last line has no newline");
        assert_eq!(
            last.to_string(),
            format!(
                "{LABEL}:5: malformed line: line_too_long (longer than 200 bytes): \"<5000 bytes>\""
            )
        );
    }
}

#[test]
fn issue_text_is_bounded_and_cut_at_a_character_boundary() {
    // An 81-byte-or-longer token: the text keeps at most 80 bytes, never half a character.
    let token = format!("x{}", "é".repeat(60));
    let line = GOOD.replace("172.31.16.139", &token);
    let text = format!("{HEADER}\n{line}\n");
    let outcome = read(ReaderBuilder::new(), text.as_bytes()).ok();
    let issue = outcome.issue_at(2);
    assert_eq!(issue.kind, LineIssueKind::InvalidAddress);
    assert_eq!(issue.text, format!("x{}", "é".repeat(39)));
    assert_eq!(issue.text.len(), 79);
}

#[test]
fn samples_are_bounded_per_reason_and_counts_are_not() {
    let mut text = format!("{HEADER}\n");
    for port in 70000..70020 {
        text.push_str(&GOOD.replace(" 22 ", &format!(" {port} ")));
        text.push('\n');
        text.push_str(&GOOD.replace("ACCEPT", "DENY"));
        text.push('\n');
    }
    let outcome = read(ReaderBuilder::new().with_sample_limit(3), text.as_bytes()).ok();
    let stats = &outcome.stats;
    assert_eq!(stats.counts.malformed, 40);
    assert_eq!(
        stats.malformed_reasons().collect::<Vec<_>>(),
        [("number_out_of_range", 20), ("invalid_value", 20)]
    );
    let sampled: Vec<(u64, &str)> = stats
        .samples
        .iter()
        .map(|i| (i.line, i.kind.as_str()))
        .collect();
    assert_eq!(
        sampled,
        [
            (2, "number_out_of_range"),
            (3, "invalid_value"),
            (4, "number_out_of_range"),
            (5, "invalid_value"),
            (6, "number_out_of_range"),
            (7, "invalid_value"),
        ]
    );
    let none = read(ReaderBuilder::new().with_sample_limit(0), text.as_bytes()).ok();
    assert!(none.stats.samples.is_empty());
    assert_eq!(none.stats.counts.malformed, 40);
}

#[test]
fn blank_lines_and_crlf_are_counted_and_offsets_include_the_cr() {
    let text = format!(
        "{HEADER}\r\n\r\n{GOOD}\r\n\n{}\r\n{GOOD}",
        GOOD.replace("ACCEPT", "?")
    );
    let outcome = read(ReaderBuilder::new(), text.as_bytes()).ok();
    let stats = &outcome.stats;
    assert_eq!(
        (
            stats.counts.header,
            stats.counts.blank,
            stats.counts.records,
            stats.counts.malformed,
            stats.lines()
        ),
        (1, 2, 2, 1, 6)
    );
    assert_eq!(outcome.rendered(), [GOOD_ROW, GOOD_ROW]);
    let issue = outcome.issue_at(5);
    assert_eq!(issue.byte_offset, line_offset(text.as_bytes(), 5));
    assert_eq!(issue.text, "?");
}

/// The fixture's expected issues, from its JSON file: (line, reason, field).
fn expected_issues(path: &str) -> Vec<(u64, String, Option<String>)> {
    let json: serde_json::Value =
        serde_json::from_slice(&read_testdata(path)).expect("the expected-issues file is JSON");
    json.as_array()
        .expect("a list of issues")
        .iter()
        .map(|issue| {
            let line = issue["line"].as_u64().expect("line");
            let reason = issue["reason"].as_str().expect("reason").to_owned();
            let field = issue["field"].as_str().map(str::to_owned);
            (line, reason, field)
        })
        .collect()
}

/// The fixture `testdata/malformed/mixed.log`: one defect per line (and a few good, blank,
/// NODATA, SKIPDATA and CRLF lines), checked against `mixed.expected.json`.
#[test]
fn the_mixed_fixture_reports_exactly_its_expected_issues() {
    let relative = "malformed/mixed.log";
    let text = read_testdata(relative);
    let expected = expected_issues("malformed/mixed.expected.json");
    let source = Source::local(common::testdata(relative)).expect("the fixture exists");
    // The fixture's long line is 600 bytes: read with a 512-byte bound.
    let builder = ReaderBuilder::new()
        .with_max_line_length(512)
        .with_sample_limit(usize::MAX);
    let mut reader = open(&source, &builder).expect("opens");
    let outcome = collect(&mut reader, |r| r.stats().clone()).ok();
    let found: Vec<(u64, String, Option<String>)> = outcome
        .stats
        .samples
        .iter()
        .map(|i| (i.line, i.kind.as_str().to_owned(), i.field.clone()))
        .collect();
    assert_eq!(found, expected);
    for issue in &outcome.stats.samples {
        assert_eq!(
            issue.byte_offset,
            line_offset(&text, issue.line),
            "line {}",
            issue.line
        );
        assert_eq!(&*issue.source, &**source.label());
    }
    let stats = &outcome.stats;
    assert_eq!(stats.counts.malformed, expected.len() as u64);
    assert_eq!(
        (
            stats.counts.header,
            stats.counts.records,
            stats.counts.nodata,
            stats.counts.skipdata,
            stats.counts.blank
        ),
        (1, 3, 1, 1, 1)
    );
    assert_eq!(stats.lines(), physical_lines(&text));
    assert_eq!(stats.bytes, text.len() as u64);
    // Every reason a text file can have appears in the fixture.
    for reason in &LineIssueKind::REASONS[..8] {
        assert!(
            expected.iter().any(|(_, r, _)| r == reason),
            "no line for {reason}"
        );
    }
    // Strict mode stops at the first one, with its message.
    let mut strict = open(&source, &builder.clone().with_strict(true)).expect("opens");
    let outcome = collect(&mut strict, |r| r.stats().clone());
    let first = expected.first().expect("issues");
    let err = outcome.error.expect("strict mode fails");
    assert!(
        err.to_string().starts_with(&format!(
            "{}:{}: malformed line: {}",
            source.label(),
            first.0,
            first.1
        )),
        "{err}"
    );
}

/// Text with 60 distinct records (so that gzip does not squeeze it to a few bytes).
fn varied_text() -> Vec<u8> {
    let mut text = format!("{HEADER}\n");
    for i in 0..60u32 {
        text.push_str(&format!(
            "5 123456789010 eni-{i:017x} 10.0.{i}.{} 172.31.{}.21 {} 443 6 {} {} 1418530010 1418530070 {} OK {} egress\n",
            i * 3 % 256,
            i * 7 % 256,
            1024 + i * 997 % 60000,
            i + 1,
            (i + 1) * 1379,
            if i % 3 == 0 { "REJECT" } else { "ACCEPT" },
            i % 32,
        ));
    }
    text.into_bytes()
}

/// Reads `bytes` as a file named `name` in `dir`.
fn read_file(
    dir: &std::path::Path,
    name: &str,
    bytes: &[u8],
    builder: &ReaderBuilder,
) -> (Outcome, String) {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write the file");
    let source = Source::local(&path).expect("the file exists");
    let mut reader = open(&source, builder).expect("opens");
    (
        collect(&mut reader, |r| r.stats().clone()),
        source.label().to_string(),
    )
}

#[test]
fn a_cut_gzip_file_delivers_every_earlier_record_then_fails_naming_the_file() {
    let text = varied_text();
    // Two members, split inside a line: the cut may fall in either.
    let split = text.len() / 2 + 7;
    let gz = [common::gzip(&text[..split]), common::gzip(&text[split..])].concat();
    let member_end = common::gzip(&text[..split]).len();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let builder = ReaderBuilder::new().with_batch_size(16);
    // Every cut from just after the gzip magic to one byte short of the end. Writing a file
    // costs more than reading it here: the cuts in the headers, around the member boundary, in
    // the trailer and every 16th are files opened by content; the others are the same gzip
    // reader over the bytes in memory, labelled like the file.
    let as_file = |cut: usize| {
        cut < 32 || cut.abs_diff(member_end) < 24 || cut + 24 > gz.len() || cut.is_multiple_of(16)
    };
    let all_rows = read(ReaderBuilder::new(), &text).ok().rendered();
    for cut in 2..gz.len() {
        let (outcome, label) = if as_file(cut) {
            read_file(dir.path(), "cut.log.gz", &gz[..cut], &builder)
        } else {
            let label = dir.path().join("cut.log.gz").display().to_string();
            let gunzip = flate2::bufread::MultiGzDecoder::new(&gz[..cut]);
            let builder = builder.clone().with_source_label(label.as_str());
            (common::read_from(builder, gunzip), label)
        };
        if cut == member_end {
            // A cut right after the first member leaves a complete gzip file.
            let outcome = outcome.ok();
            assert_eq!(outcome.stats.lines(), physical_lines(&text[..split]));
            continue;
        }
        let err = outcome
            .error
            .as_ref()
            .unwrap_or_else(|| panic!("cut at {cut}: no error"));
        let ErrorKind::Truncated {
            source_label,
            bytes_read,
            line,
        } = err.kind()
        else {
            panic!("cut at {cut}: {err:?}");
        };
        assert_eq!(source_label, &label);
        let delivered = &text[..*bytes_read as usize];
        assert_eq!(
            err.to_string(),
            format!(
                "{label}: gzip stream is truncated after {bytes_read} decompressed bytes (line {line}); the records before it were read"
            )
        );
        // Every complete line before the cut was read; the cut line is counted `truncated`.
        let complete = delivered.iter().filter(|&&b| b == b'\n').count();
        let records = complete.saturating_sub(1);
        assert_eq!(outcome.num_rows() as usize, records, "cut at {cut}");
        if let Some(batch) = outcome.batches.last() {
            // The rows are the first records in order (checked by the last one: rendering
            // every row of every cut would dominate the test's time).
            let last = rows(batch).pop().expect("a row");
            assert_eq!(render(&last), all_rows[records - 1], "cut at {cut}");
        }
        let stats = &outcome.stats;
        assert_eq!(stats.lines(), physical_lines(delivered), "cut at {cut}");
        assert_eq!(*line, complete as u64 + 1, "cut at {cut}");
        assert_eq!(stats.bytes, *bytes_read);
        let partial = &delivered[line_offset(delivered, *line) as usize..];
        if partial.is_empty() {
            assert_eq!(
                stats.counts.malformed, 0,
                "cut at {cut}: at a line boundary"
            );
        } else {
            assert_eq!(
                (stats.counts.malformed, stats.malformed_by_reason[8]),
                (1, 1),
                "cut at {cut}"
            );
            let issue = outcome.issue_at(*line);
            assert_eq!(issue.kind, LineIssueKind::Truncated);
            assert_eq!(issue.byte_offset, line_offset(delivered, *line));
            assert_eq!(issue.field, None);
            let shown = &partial[..partial.len().min(80)];
            assert_eq!(issue.text, String::from_utf8_lossy(shown));
            assert_eq!(&*issue.source, label);
        }
    }
}

#[test]
fn a_corrupt_gzip_file_delivers_what_came_before_then_fails_naming_the_file() {
    let text = varied_text();
    let mut gz = common::gzip(&text);
    // The CRC-32 of the trailer: every record decompresses, the check fails at the end.
    let crc = gz.len() - 8;
    gz[crc] ^= 0xff;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (outcome, label) = read_file(dir.path(), "bad-crc.log.gz", &gz, &ReaderBuilder::new());
    let err = outcome.error.as_ref().expect("a corrupt stream fails");
    assert!(matches!(err.kind(), ErrorKind::Corrupt { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with(&format!("{label}: corrupt gzip stream after ")),
        "{err}"
    );
    assert_eq!(err.source_label(), Some(label.as_str()));
    assert_eq!(outcome.num_rows(), 60);
    assert_eq!(outcome.stats.lines(), physical_lines(&text));
}

#[test]
fn a_multi_member_gzip_file_reads_like_the_plain_text() {
    let text = varied_text();
    let plain = read(ReaderBuilder::new(), &text).ok();
    let mut gz = Vec::new();
    for chunk in text.chunks(500) {
        gz.extend(common::gzip(chunk));
    }
    gz.extend(common::gzip(b""));
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (outcome, _) = read_file(dir.path(), "members.gz", &gz, &ReaderBuilder::new());
    let outcome = outcome.ok();
    assert_eq!(outcome.rendered(), plain.rendered());
    assert_eq!(outcome.stats, plain.stats);
}

/// Tokens random lines are made of: good and bad values of every kind, no field names (a line
/// of field names is a header, and a header line may legitimately stop the stream).
const TOKENS: &[&str] = &[
    "2",
    "5",
    "-",
    "0",
    "65535",
    "65536",
    "255",
    "256",
    "18446744073709551616",
    "1418530010",
    "123456789010",
    "eni-1",
    "eni-2",
    "10.0.0.1",
    "2001:db8::1",
    "256.0.0.1",
    "::zz",
    "ACCEPT",
    "REJECT",
    "OK",
    "NODATA",
    "SKIPDATA",
    "ingress",
    "egress",
    "x",
    "\u{e9}",
    "\u{fffd}",
    "",
    "\r",
    "2024-03-21T15:22:49.000Z",
];

fn random_line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        8 => proptest::collection::vec(proptest::sample::select(TOKENS), 0..20)
            .prop_map(|tokens| tokens.join(" ").into_bytes()),
        1 => proptest::collection::vec(any::<u8>(), 0..40),
        1 => Just(GOOD.as_bytes().to_vec()),
        1 => (0usize..16, proptest::sample::select(TOKENS)).prop_map(|(at, token)| {
            let mut tokens: Vec<&str> = GOOD.split(' ').collect();
            tokens[at] = token;
            tokens.join(" ").into_bytes()
        }),
        1 => (60usize..300).prop_map(|n| vec![b'7'; n]),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Whatever the lines, every one lands in exactly one bucket, every issue is located at
    /// the start of its line, and the rows delivered are the rows counted.
    #[test]
    fn every_line_lands_in_exactly_one_bucket(
        lines in proptest::collection::vec(random_line(), 0..30),
        header in any::<bool>(),
        newline_at_end in any::<bool>(),
        batch_size in 1usize..5,
    ) {
        let mut text = if header { format!("{HEADER}\n").into_bytes() } else { Vec::new() };
        text.extend(lines.join(&b'\n'));
        if newline_at_end && !lines.is_empty() {
            text.push(b'\n');
        }
        let builder = ReaderBuilder::new()
            .with_batch_size(batch_size)
            .with_max_line_length(128)
            .with_sample_limit(usize::MAX);
        let outcome = read(builder, &text).ok();
        prop_assert_eq!(outcome.stats.lines(), physical_lines(&text));
        prop_assert_eq!(outcome.stats.bytes, text.len() as u64);
        prop_assert_eq!(outcome.stats.samples.len() as u64, outcome.stats.counts.malformed);
        let mut previous = 0;
        for issue in &outcome.stats.samples {
            prop_assert!(issue.line > previous, "issues in line order");
            previous = issue.line;
            prop_assert_eq!(issue.byte_offset, line_offset(&text, issue.line));
            // At most 80 bytes of the line, shown as lossy UTF-8.
            prop_assert!(issue.text.chars().count() <= 80);
        }
        for batch in &outcome.batches {
            prop_assert!(batch.num_rows() <= batch_size);
            // Every row is a complete record: no partial row of a bad line survives.
            for row in rows(batch) {
                prop_assert_eq!(row.len(), batch.schema().fields().len());
                let _ = render(&row);
            }
        }
    }
}

/// Writes `text` gzip-compressed to a `Vec`, flushing after every line so a cut can fall at
/// any line: used to check that a flushed-but-unfinished stream is still `Truncated`.
#[test]
fn an_unfinished_gzip_stream_is_truncated_not_silently_short() {
    let text = varied_text();
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for line in text.split_inclusive(|&b| b == b'\n').take(10) {
        encoder.write_all(line).expect("write");
        encoder.flush().expect("flush");
    }
    // A writer that died here: the stream is sync-flushed but has no end and no trailer.
    let gz = encoder.get_ref().clone();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (outcome, _) = read_file(dir.path(), "unfinished.gz", &gz, &ReaderBuilder::new());
    let err = outcome.error.as_ref().expect("an unfinished stream fails");
    assert!(
        matches!(err.kind(), ErrorKind::Truncated { line: 11, .. }),
        "{err:?}"
    );
    assert_eq!(outcome.num_rows(), 9);
    assert_eq!(
        (outcome.stats.counts.header, outcome.stats.counts.malformed),
        (1, 0)
    );
}

/// Inputs the fuzz targets (`fuzz/`) found, run through the same entry points.
#[test]
fn fuzz_regressions() {
    // The `line` target, in its first seconds: a header naming a field twice stops the stream
    // (`InvalidFormat`), and the harness then asserted the accounting of a stream it had not
    // finished. Fixed in the harness (`fuzzing::read_text` returns on a refused stream).
    let crash = b"instance-id interface-id srcaddr dstaddr pkt-srcaddr pkt-dstae-id srcaddr dstaddr pkt-srcddr\n";
    for input in [&crash[..], b"version tgw-id\n", b"2 x\nversion version\n"] {
        flowsieve_log::fuzzing::read_text(input, None);
    }
    // What the reader does with such a line, today: a line of field names is a header, and a
    // header naming a field twice ends the stream with an error, even mid-stream (the records
    // before it are delivered).
    let text = format!("{HEADER}\n{GOOD}\nversion srcaddr version\n{GOOD}\n");
    let outcome = read(ReaderBuilder::new().with_batch_size(1), text.as_bytes());
    assert_eq!(outcome.rendered(), [GOOD_ROW]);
    let err = outcome.error.expect("the stream is refused");
    assert!(
        matches!(err.kind(), ErrorKind::InvalidFormat { .. }),
        "{err:?}"
    );
    // The same with the rows before the header still in the batch being built (the
    // `gzip_object` target, testdata/fuzz/gzip_object-crash-a8116312): they were counted but
    // never delivered; they come before the error.
    let text = format!("{HEADER}\n{GOOD}\n{GOOD}\nversion srcaddr version\n{GOOD}\n");
    let outcome = read(ReaderBuilder::new().with_batch_size(5), text.as_bytes());
    assert_eq!(outcome.rendered(), [GOOD_ROW, GOOD_ROW]);
    assert_eq!(outcome.stats.rows(), 2);
    assert!(
        matches!(
            outcome.error.expect("refused").kind(),
            ErrorKind::InvalidFormat { .. }
        ),
        "the error still ends the stream"
    );
    // The format target: a name mixing `-` and `_` printed as a different format than it was
    // read as (fixed in `FieldName::parse`).
    flowsieve_log::fuzzing::parse_format("${version} ${pkt-src_aws-service} ${ecs_task-id}");
    // The inputs of testdata/fuzz (README there says what each one broke), replayed through the
    // target they were found by.
    for name in FUZZ_FINDINGS {
        let input = read_testdata(&format!("fuzz/{name}"));
        if name.starts_with("line-") {
            flowsieve_log::fuzzing::line(&input);
        } else if name.starts_with("decoder_chunks-") {
            flowsieve_log::fuzzing::decoder_chunks(&input);
        } else if name.starts_with("parquet_file-") {
            flowsieve_log::fuzzing::parquet_file(&input);
        } else if name.starts_with("object_key-") {
            flowsieve_log::fuzzing::object_key(&input);
        } else if name.starts_with("gzip_object-") {
            flowsieve_log::fuzzing::gzip_object(&input);
        } else {
            panic!("{name}: no target of that name");
        }
    }
}

/// The `parquet_file` target's own file, undamaged with each row-group size and damaged at a
/// few places (a page's bytes, the footer), keeps its invariants: every row accounted, parts
/// read as the whole.
#[test]
fn parquet_fuzz_entry_keeps_its_invariants_on_its_own_file() {
    for group_rows in 0..4u8 {
        flowsieve_log::fuzzing::parquet_file(&[0, group_rows]);
        for at in [4u16, 100, 300, 700, 1500, 4000] {
            for value in [0u8, 0x7f, 0xff] {
                let [lo, hi] = at.to_le_bytes();
                flowsieve_log::fuzzing::parquet_file(&[0, group_rows, lo, hi, value]);
            }
        }
    }
}

/// testdata/fuzz: the fuzz targets' findings, each named after its target.
const FUZZ_FINDINGS: &[&str] = &[
    "line-crash-fa794094",
    "line-crash-8d1820cf",
    "line-crash-de137f0f",
    "decoder_chunks-crash-a7157c20",
    "gzip_object-crash-a8116312",
    "object_key-crash-37c822b5",
    "parquet_file-crash-9d80e0de",
    "parquet_file-crash-f94f4557",
    "parquet_file-crash-ae51b2ad",
];

/// The stats of 10,000 objects whose every data line is malformed, merged: the sample stays at
/// `LIMIT` per reason after every merge (memory flat, however many objects), it is the first
/// `LIMIT` by (source, line), and it does not depend on the order or grouping of the merges.
/// Each merge costs the two samples' size, not the number of merges before it (the sample was
/// once rescanned for every issue merged, and unbounded when the caller asked for every one).
#[test]
fn merged_samples_stay_bounded_and_deterministic() {
    const OBJECTS: usize = 10_000;
    const LIMIT: usize = 5;
    let bad_port = GOOD.replace(" 22 ", " 70000 ");
    let text = format!("{HEADER}\n{GOOD} x\n{bad_port}\n");
    let objects: Vec<LineStats> = (0..OBJECTS)
        .map(|i| {
            let builder = ReaderBuilder::new().with_source_label(format!("o/{i:05}.log"));
            read(builder, text.as_bytes()).ok().stats
        })
        .collect();
    let mut forward = LineStats::default();
    for stats in &objects {
        forward.merge(stats, LIMIT);
        assert!(forward.samples.len() <= 2 * LIMIT);
    }
    let mut backward = LineStats::default();
    for stats in objects.iter().rev() {
        backward.merge(stats, LIMIT);
    }
    let mut grouped = LineStats::default();
    for group in objects.chunks(97).rev() {
        let mut partial = LineStats::default();
        for stats in group {
            partial.merge(stats, LIMIT);
        }
        grouped.merge(&partial, LIMIT);
    }
    assert_eq!(
        (forward.counts.malformed, forward.counts.header),
        (2 * OBJECTS as u64, OBJECTS as u64)
    );
    let sample = |stats: &LineStats| -> Vec<String> {
        stats
            .samples
            .iter()
            .map(|s| format!("{}:{} {}", s.source, s.line, s.kind.as_str()))
            .collect()
    };
    let expected: Vec<String> = (0..LIMIT)
        .flat_map(|i| {
            [
                format!("o/{i:05}.log:2 field_count"),
                format!("o/{i:05}.log:3 number_out_of_range"),
            ]
        })
        .collect();
    assert_eq!(sample(&forward), expected);
    assert_eq!(sample(&backward), expected);
    assert_eq!(sample(&grouped), expected);
    assert_eq!(forward.samples, grouped.samples);
    // Asked for every issue, a merge still keeps at most MAX_SAMPLE_LIMIT per reason: the
    // first ones, so the first LIMIT of them are the same.
    let mut every = LineStats::default();
    for stats in &objects {
        every.merge(stats, usize::MAX);
    }
    assert_eq!(every.samples.len(), 2 * MAX_SAMPLE_LIMIT);
    assert_eq!(sample(&every)[..2 * LIMIT], expected[..]);
}

// Regressions of bugs these tests found.

/// docs/semantics.md makes a log-status other than `OK`, `NODATA` or `SKIPDATA`
/// `invalid_value`; docs/flow-logs.md §2 knows no `-` log-status either. The library once read `-`
/// there as null (the `-` shortcut ran before the slot's parser) and counted the line as a
/// record.
#[test]
fn a_null_log_status_is_invalid_value() {
    let line = GOOD.replace(" OK ", " - ");
    let text = format!("{HEADER}\n{GOOD}\n{line}\n");
    let outcome = read(
        ReaderBuilder::new().with_source_label(LABEL),
        text.as_bytes(),
    )
    .ok();
    assert_eq!(outcome.rendered(), [GOOD_ROW], "the `-` line is not a row");
    assert_eq!(
        (outcome.stats.counts.records, outcome.stats.counts.malformed),
        (1, 1)
    );
    let issue = outcome.issue_at(3);
    assert_eq!(issue.kind, LineIssueKind::InvalidValue);
    assert_eq!(issue.field.as_deref(), Some("log-status"));
    assert_eq!(issue.text, "-");
}

/// `ReaderBuilder::build` sizes its buffer as `2 * max_line_length + 2`, which once overflowed
/// for a bound near `usize::MAX`; the bound is now clamped to `MAX_LINE_LENGTH_LIMIT`.
#[test]
fn any_line_bound_is_accepted() {
    for bound in [usize::MAX, usize::MAX / 2] {
        let builder = ReaderBuilder::new().with_max_line_length(bound);
        let outcome = read(builder, format!("{HEADER}\n{GOOD}\n").as_bytes()).ok();
        assert_eq!(outcome.rendered(), [GOOD_ROW], "bound {bound}");
    }
}

//! Property tests.
//!
//! * `records_survive_any_format`: random records — every field kind, `-` nulls, IPv4 and
//!   IPv6, NODATA and SKIPDATA rows — rendered in a random valid format (a random subset and
//!   order of every field flowsieve knows, plus unknown ones), with or without a header line,
//!   sometimes as CloudWatch export lines, sometimes with CRLF, read back with a random batch
//!   size and projection: every value and every count must come back.
//! * `the_fast_path_agrees_with_a_naive_parser`: a `split(' ')` parser written here — the
//!   obviously correct reading of docs/semantics.md — against the library on random valid and
//!   broken lines: the same accept/reject decision, the same values, the same reason and field.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use flowsieve_log::{
    FieldKind, FieldName, FlowField, LogFormat, MAX_TIMESTAMP, ReaderBuilder, ip_to_address,
};
use proptest::prelude::*;
use proptest::sample::{select, subsequence};

use crate::common::{Value, physical_lines, read};

/// The fields formats are drawn from: every known one, and two AWS added without a version
/// that flowsieve keeps as text.
fn universe() -> Vec<FieldName> {
    FlowField::ALL
        .iter()
        .map(|&f| FieldName::from(f))
        .chain(["next-hop-vpc-id", "instance-tag"].map(FieldName::parse))
        .collect()
}

/// One generated field value: the text written, and the value it must decode to.
#[derive(Debug, Clone)]
struct Cell {
    text: String,
    value: Value,
}

fn cell(text: impl Into<String>, value: Value) -> Cell {
    Cell {
        text: text.into(),
        value,
    }
}

fn null() -> Cell {
    cell("-", Value::Null)
}

fn address(ip: IpAddr) -> Cell {
    cell(ip.to_string(), Value::Ip(ip_to_address(ip)))
}

/// Text that is a valid value of a text field: no space, not `-`, and not a field name (a line
/// made only of field names would be a header).
fn text_value() -> impl Strategy<Value = String> {
    "[A-Za-z0-9][A-Za-z0-9:/._=+@é日-]{0,24}".prop_filter("not a field name", |s| {
        FieldName::parse(s).known().is_none()
    })
}

/// Values of a field of `kind`, `-` among them (except for log-status, which is never null).
fn cell_of(kind: FieldKind) -> BoxedStrategy<Cell> {
    let value = match kind {
        FieldKind::UInt8 => any::<u8>()
            .prop_map(|v| cell(v.to_string(), Value::U8(v)))
            .boxed(),
        FieldKind::UInt16 => any::<u16>()
            .prop_map(|v| cell(v.to_string(), Value::U16(v)))
            .boxed(),
        FieldKind::UInt64 => any::<u64>()
            .prop_map(|v| cell(v.to_string(), Value::U64(v)))
            .boxed(),
        FieldKind::Timestamp => (0..=MAX_TIMESTAMP)
            .prop_map(|v| cell(v.to_string(), Value::Ts(v)))
            .boxed(),
        FieldKind::Address => prop_oneof![
            any::<[u8; 4]>().prop_map(|o| address(IpAddr::V4(Ipv4Addr::from(o)))),
            any::<[u8; 16]>().prop_map(|o| address(IpAddr::V6(Ipv6Addr::from(o)))),
        ]
        .boxed(),
        FieldKind::Action => select(&["ACCEPT", "REJECT"][..])
            .prop_map(|v| cell(v, Value::Text(v.to_owned())))
            .boxed(),
        FieldKind::LogStatus => {
            return select(&["OK", "OK", "NODATA", "SKIPDATA"][..])
                .prop_map(|v| cell(v, Value::Text(v.to_owned())))
                .boxed();
        }
        FieldKind::FlowDirection => select(&["ingress", "egress"][..])
            .prop_map(|v| cell(v, Value::Text(v.to_owned())))
            .boxed(),
        FieldKind::TrafficKind => select(&["IPv4", "IPv6", "EFA"][..])
            .prop_map(|v| cell(v, Value::Text(v.to_owned())))
            .boxed(),
        _ => text_value()
            .prop_map(|v| cell(v.clone(), Value::Text(v)))
            .boxed(),
    };
    prop_oneof![1 => Just(null()), 4 => value].boxed()
}

/// A record: one cell for every field of the universe.
fn record() -> impl Strategy<Value = Vec<Cell>> {
    universe()
        .iter()
        .map(|f| cell_of(f.kind()))
        .collect::<Vec<_>>()
}

/// A random valid format: a non-empty subset of the universe in random order (indices).
fn format() -> impl Strategy<Value = Vec<usize>> {
    let n = universe().len();
    subsequence((0..n).collect::<Vec<_>>(), 1..=n).prop_shuffle()
}

#[derive(Debug, Clone)]
struct Case {
    format: Vec<usize>,
    records: Vec<Vec<Cell>>,
    header: bool,
    cloudwatch: bool,
    crlf: bool,
    batch_size: usize,
    projection: Option<Vec<usize>>,
}

fn case() -> impl Strategy<Value = Case> {
    let n = universe().len();
    (
        format(),
        proptest::collection::vec(record(), 0..12),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        1usize..8,
        proptest::option::of(subsequence((0..n).collect::<Vec<_>>(), 1..=n).prop_shuffle()),
    )
        .prop_map(
            |(format, records, header, cloudwatch, crlf, batch_size, projection)| Case {
                // A header is recognised when at least half of its names are known fields: with
                // more unknown names than that, the format must be given.
                header: header && {
                    let known = format.iter().filter(|&&i| i < FlowField::ALL.len()).count();
                    known * 2 >= format.len()
                },
                format,
                records,
                cloudwatch,
                crlf,
                batch_size,
                projection,
            },
        )
}

fn render_case(case: &Case, fields: &[FieldName]) -> Vec<u8> {
    let end = if case.crlf { "\r\n" } else { "\n" };
    let mut text = String::new();
    if case.header {
        let names: Vec<&str> = case.format.iter().map(|&i| fields[i].aws_name()).collect();
        text.push_str(&names.join(" "));
        text.push_str(end);
    }
    for record in &case.records {
        if case.cloudwatch {
            text.push_str("2024-03-21T15:22:49.000Z ");
        }
        let tokens: Vec<&str> = case
            .format
            .iter()
            .map(|&i| record[i].text.as_str())
            .collect();
        text.push_str(&tokens.join(" "));
        text.push_str(end);
    }
    text.into_bytes()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn records_survive_any_format(case in case()) {
        let fields = universe();
        let text = render_case(&case, &fields);
        let format = LogFormat::new(case.format.iter().map(|&i| fields[i].clone()).collect())
            .expect("a valid format");
        let mut builder = ReaderBuilder::new().with_batch_size(case.batch_size);
        if !case.header {
            builder = builder.with_format(format.clone());
        }
        let outputs: Vec<usize> = case.projection.clone().unwrap_or_else(|| case.format.clone());
        if let Some(projection) = &case.projection {
            builder = builder.with_projection(projection.iter().map(|&i| fields[i].clone()));
        }
        let outcome = read(builder, &text).ok();

        // Every value, null or not, in the requested columns.
        let expected: Vec<Vec<(String, Value)>> = case
            .records
            .iter()
            .map(|record| {
                outputs
                    .iter()
                    .map(|&i| {
                        let value = if case.format.contains(&i) { record[i].value.clone() } else { Value::Null };
                        (fields[i].column_name(), value)
                    })
                    .collect()
            })
            .collect();
        prop_assert_eq!(outcome.named_rows(), expected);
        for batch in &outcome.batches {
            prop_assert!(batch.num_rows() <= case.batch_size);
        }

        // Every line in its bucket.
        let status = fields.iter().position(|f| f.known() == Some(FlowField::LogStatus)).expect("log-status");
        let count = |s: &str| -> u64 {
            case.records.iter().filter(|r| r[status].text == s).count() as u64
        };
        let has_status = case.format.contains(&status);
        let stats = &outcome.stats;
        let (records, nodata, skipdata) = if has_status {
            (count("OK"), count("NODATA"), count("SKIPDATA"))
        } else {
            (case.records.len() as u64, 0, 0)
        };
        prop_assert_eq!(
            (stats.counts.header, stats.counts.records, stats.counts.nodata, stats.counts.skipdata, stats.counts.blank, stats.counts.malformed),
            (u64::from(case.header), records, nodata, skipdata, 0, 0)
        );
        prop_assert_eq!(stats.lines(), physical_lines(&text));
        prop_assert_eq!(stats.bytes, text.len() as u64);
        if case.header || case.records.is_empty() {
            prop_assert_eq!(outcome.columns().len(), if case.records.is_empty() { 0 } else { outputs.len() });
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The oracle.

/// How the naive parser reads a line.
#[derive(Debug, PartialEq, Eq)]
enum Reading {
    Blank,
    /// The values in format order, and the log-status (`None` when the format has none).
    Row(Vec<Value>, Option<String>),
    /// The reason as the library prints it (`field_count (expected 3 fields, found 2)`), and
    /// the field's AWS name when the defect is in one field.
    Malformed(String, Option<String>),
}

/// docs/semantics.md, read naively: split on single spaces; the tokens must line up with the
/// format; `-` is null; each token must be what its field's kind allows. Fields are checked
/// left to right and the first defect is the one reported; a missing or extra field is
/// reported where the tokens run out (or at the end), as `empty_field` if some token is empty
/// (two spaces in a row, a leading or trailing space), else `field_count`.
///
/// Two choices of the library that a reader of the contract could make otherwise, written
/// down here: a trailing `\r` belongs to the line ending; a dotted quad may have leading zeros
/// (`010.0.0.1` is 10.0.0.1, where std's parser refuses it).
fn oracle(format: &[FieldName], line: &[u8]) -> Reading {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.is_empty() {
        return Reading::Blank;
    }
    let tokens: Vec<&[u8]> = line.split(|&b| b == b' ').collect();
    let misaligned = || {
        if let Some(at) = tokens.iter().position(|t| t.is_empty()) {
            let field = format.get(at).map(|f| f.aws_name().to_owned());
            Reading::Malformed("empty_field".to_owned(), field)
        } else {
            let reason = format!(
                "field_count (expected {} fields, found {})",
                format.len(),
                tokens.len()
            );
            Reading::Malformed(reason, None)
        }
    };
    let mut values = Vec::new();
    let mut status = None;
    for (i, field) in format.iter().enumerate() {
        let Some(&token) = tokens.get(i).filter(|t| !t.is_empty()) else {
            return misaligned();
        };
        // `-` is null, but log-status always has a value (semantics.md: `invalid_value` when
        // it is not OK, NODATA or SKIPDATA).
        let value = if token == b"-" && field.kind() != FieldKind::LogStatus {
            Ok(Value::Null)
        } else {
            naive_value(field.kind(), token)
        };
        match value {
            Ok(value) => {
                if field.kind() == FieldKind::LogStatus {
                    status = Some(String::from_utf8_lossy(token).into_owned());
                }
                values.push(value);
            }
            Err(reason) => {
                return Reading::Malformed(reason.to_owned(), Some(field.aws_name().to_owned()));
            }
        }
    }
    if tokens.len() > format.len() {
        return misaligned();
    }
    Reading::Row(values, status)
}

fn naive_value(kind: FieldKind, token: &[u8]) -> Result<Value, &'static str> {
    let number = |max: u128| -> Result<u128, &'static str> {
        if !token.iter().all(u8::is_ascii_digit) {
            return Err("invalid_number");
        }
        let mut value: u128 = 0;
        for &digit in token {
            value = value
                .saturating_mul(10)
                .saturating_add(u128::from(digit - b'0'));
        }
        if value > max {
            Err("number_out_of_range")
        } else {
            Ok(value)
        }
    };
    let text = || std::str::from_utf8(token).map_err(|_| "invalid_utf8");
    let one_of = |values: &[&str]| match std::str::from_utf8(token) {
        Ok(t) if values.contains(&t) => Ok(Value::Text(t.to_owned())),
        _ => Err("invalid_value"),
    };
    Ok(match kind {
        FieldKind::UInt8 => Value::U8(number(u128::from(u8::MAX))? as u8),
        FieldKind::UInt16 => Value::U16(number(u128::from(u16::MAX))? as u16),
        FieldKind::UInt64 => Value::U64(number(u128::from(u64::MAX))? as u64),
        FieldKind::Timestamp => Value::Ts(number(MAX_TIMESTAMP as u128)? as i64),
        FieldKind::Address => {
            let text = std::str::from_utf8(token).map_err(|_| "invalid_address")?;
            if let Some(v4) = dotted_quad(text) {
                Value::Ip(ip_to_address(IpAddr::V4(v4)))
            } else if let Ok(v6) = text.parse::<Ipv6Addr>() {
                Value::Ip(u128::from(v6))
            } else {
                return Err("invalid_address");
            }
        }
        FieldKind::Action => one_of(&["ACCEPT", "REJECT"])?,
        FieldKind::LogStatus => one_of(&["OK", "NODATA", "SKIPDATA"])?,
        FieldKind::FlowDirection => one_of(&["ingress", "egress"])?,
        FieldKind::TrafficKind => one_of(&["IPv4", "IPv6", "EFA"])?,
        _ => Value::Text(text()?.to_owned()),
    })
}

/// Four decimal octets of one to three digits, each at most 255.
fn dotted_quad(text: &str) -> Option<Ipv4Addr> {
    let octets: Vec<&str> = text.split('.').collect();
    if octets.len() != 4 {
        return None;
    }
    let mut bytes = [0u8; 4];
    for (byte, octet) in bytes.iter_mut().zip(octets) {
        if octet.is_empty() || octet.len() > 3 || !octet.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *byte = octet.parse::<u16>().ok().filter(|v| *v <= 255)? as u8;
    }
    Some(Ipv4Addr::from(bytes))
}

/// Tokens that break a field of some kind (and some that are valid in another kind).
const BAD_TOKENS: &[&[u8]] = &[
    b"",
    b"x",
    b"-1",
    b"+1",
    b"1e3",
    b"0x1F",
    b"256",
    b"65536",
    b"4294967296",
    b"18446744073709551616",
    b"9223372036854775808",
    b"99999999999999999999999999999999999999999",
    b"007",
    b"1.2.3",
    b"1.2.3.4.5",
    b"256.0.0.1",
    b"010.0.0.1",
    b"1.2.3.4/8",
    b"::g",
    b"fe80::1%eth0",
    b"::ffff:10.0.0.1",
    b"1::2::3",
    b"ACCEPT",
    b"accept",
    b"REJECT",
    b"OK",
    b"NODATA",
    b"SKIPDATA",
    b"ok",
    b"ingress",
    b"egress",
    b"IPv4",
    b"ipv6",
    b"EFA",
    b"253402300799",
    b"253402300800",
    b"IN",
    b"\xff",
    b"\xc3",
    b"\xe6\x97",
    "é".as_bytes(),
    b"--",
    b"\r",
    b"a\rb",
    b"-\r",
];

/// How a valid line is broken.
#[derive(Debug, Clone)]
enum Mutation {
    Replace(usize, Vec<u8>),
    Delete(usize),
    Insert(usize, Vec<u8>),
    Swap(usize, usize),
    Leading,
    Trailing,
    DoubleSpace(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let token = prop_oneof![
        3 => select(BAD_TOKENS).prop_map(<[u8]>::to_vec),
        1 => proptest::collection::vec(any::<u8>().prop_filter("no separator", |b| *b != b' ' && *b != b'\n'), 1..6),
    ];
    prop_oneof![
        6 => (any::<usize>(), token.clone()).prop_map(|(i, t)| Mutation::Replace(i, t)),
        1 => any::<usize>().prop_map(Mutation::Delete),
        1 => (any::<usize>(), token).prop_map(|(i, t)| Mutation::Insert(i, t)),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::Swap(a, b)),
        1 => Just(Mutation::Leading),
        1 => Just(Mutation::Trailing),
        1 => any::<usize>().prop_map(Mutation::DoubleSpace),
    ]
}

fn apply(mutation: &Mutation, tokens: &mut Vec<Vec<u8>>) {
    let n = tokens.len();
    if n == 0 {
        tokens.push(b"x".to_vec());
        return;
    }
    match mutation.clone() {
        Mutation::Replace(i, token) => tokens[i % n] = token,
        Mutation::Delete(i) => {
            tokens.remove(i % n);
        }
        Mutation::Insert(i, token) => tokens.insert(i % (n + 1), token),
        Mutation::Swap(a, b) => tokens.swap(a % n, b % n),
        Mutation::Leading => tokens.insert(0, Vec::new()),
        Mutation::Trailing => tokens.push(Vec::new()),
        Mutation::DoubleSpace(i) => tokens.insert(i % (n + 1), Vec::new()),
    }
}

/// A line: a valid record in `format`, maybe broken by mutations.
fn oracle_line(format: Vec<FieldName>) -> impl Strategy<Value = Vec<u8>> {
    let cells: Vec<BoxedStrategy<Cell>> = format.iter().map(|f| cell_of(f.kind())).collect();
    (cells, proptest::collection::vec(mutation(), 0..3)).prop_map(move |(cells, mutations)| {
        let mut tokens: Vec<Vec<u8>> = cells.into_iter().map(|c| c.text.into_bytes()).collect();
        for mutation in &mutations {
            apply(mutation, &mut tokens);
        }
        // No `-` where log-status is: the library reads it as null where the contract says
        // `invalid_value` (malformed.rs, `a_null_log_status_is_invalid_value`, shows it).
        if let Some(at) = format.iter().position(|f| f.kind() == FieldKind::LogStatus)
            && tokens.get(at).is_some_and(|t| t == b"-")
        {
            tokens[at] = b"OK".to_vec();
        }
        tokens.join(&b' ')
    })
}

fn oracle_case() -> impl Strategy<Value = (Vec<FieldName>, Vec<Vec<u8>>)> {
    format().prop_flat_map(|indices| {
        let fields = universe();
        let format: Vec<FieldName> = indices.iter().map(|&i| fields[i].clone()).collect();
        let lines = proptest::collection::vec(oracle_line(format.clone()), 1..16);
        (Just(format), lines)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_fast_path_agrees_with_a_naive_parser((format, lines) in oracle_case()) {
        let text = lines.join(&b'\n');
        let builder = ReaderBuilder::new()
            .with_format(LogFormat::new(format.clone()).expect("a valid format"))
            .with_sample_limit(usize::MAX);
        let outcome = read(builder, &text).ok();
        let mut rows = outcome.batches.iter().flat_map(crate::common::rows);
        let mut statuses = (0u64, 0u64, 0u64);
        for (i, line) in lines.iter().enumerate() {
            let number = i as u64 + 1;
            let issue = outcome.stats.samples.iter().find(|s| s.line == number);
            match oracle(&format, line) {
                Reading::Blank => prop_assert!(issue.is_none(), "line {}", number),
                Reading::Row(values, status) => {
                    prop_assert!(issue.is_none(), "line {}: the oracle accepts, the library: {:?}", number, issue);
                    prop_assert_eq!(rows.next(), Some(values), "line {}", number);
                    match status.as_deref() {
                        Some("NODATA") => statuses.1 += 1,
                        Some("SKIPDATA") => statuses.2 += 1,
                        _ => statuses.0 += 1,
                    }
                }
                Reading::Malformed(reason, field) => {
                    let issue = issue.unwrap_or_else(|| panic!("line {number}: the oracle rejects ({reason}), the library accepts: {:?}", String::from_utf8_lossy(line)));
                    prop_assert_eq!(issue.kind.to_string(), reason, "line {}", number);
                    prop_assert_eq!(&issue.field, &field, "line {}", number);
                }
            }
        }
        prop_assert_eq!(rows.next(), None);
        let stats = &outcome.stats;
        prop_assert_eq!((stats.counts.records, stats.counts.nodata, stats.counts.skipdata), statuses);
        prop_assert_eq!(stats.lines(), physical_lines(&text));
    }
}

#[test]
fn the_oracle_is_not_trivially_lenient() {
    // The naive parser itself, on the cases its comment names.
    let v2 = LogFormat::default_v2().fields().to_vec();
    let line = b"2 123456789010 eni-1 010.0.0.1 ::1 1 2 6 1 1 1 2 ACCEPT OK\r";
    let Reading::Row(values, status) = oracle(&v2, line) else {
        panic!("accepted")
    };
    assert_eq!(values[3], Value::Ip(0xffff_0a00_0001));
    assert_eq!(status.as_deref(), Some("OK"));
    let cases: &[(&[u8], &str, Option<&str>)] = &[
        (
            b"2 1 eni-1 1.2.3.4 ::1 1 2 6 1 1 1 2 ACCEPT",
            "field_count (expected 14 fields, found 13)",
            None,
        ),
        (
            b"2 1 eni-1 1.2.3.4 ::1 1 2 6 1 1 1 2 ACCEPT OK ",
            "empty_field",
            None,
        ),
        (
            b"2 1 eni-1 1.2.3.4  1 2 6 1 1 1 2 ACCEPT OK",
            "empty_field",
            Some("dstaddr"),
        ),
        (
            b"2 1 eni-1 1.2.3.4 ::1 1 x 6 1 1 1 2 ACCEPT",
            "invalid_number",
            Some("dstport"),
        ),
        (
            b"2 1 eni-1 1.2.3.4 ::1 1 2 256 1 1 1 2 ACCEPT OK",
            "number_out_of_range",
            Some("protocol"),
        ),
        (
            b"2 1 eni-1 1.2.3.4 ::1 1 2 6 1 1 1 2 DENY OK",
            "invalid_value",
            Some("action"),
        ),
    ];
    for &(line, reason, field) in cases {
        assert_eq!(
            oracle(&v2, line),
            Reading::Malformed(reason.to_owned(), field.map(str::to_owned)),
            "{}",
            String::from_utf8_lossy(line)
        );
    }
    assert_eq!(oracle(&v2, b""), Reading::Blank);
}

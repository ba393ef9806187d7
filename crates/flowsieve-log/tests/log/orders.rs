//! Field order and projection are layout, not meaning: the same records written in any field
//! order (bytes before packets, reversed, shuffled), read with or without a header, give the
//! same values; a projection (a subset, reordered, naming fields the format lacks or fields
//! flowsieve does not know) gives exactly those columns with the same values, the missing ones
//! all null. Also: every written form of a format (`${a}`, `$${a}`, `a`, `a_b`) is the same
//! format, and a bad one is refused with its position.

use flowsieve_log::{ErrorKind, FieldKind, FieldName, FlowField, LogFormat, ReaderBuilder};

use crate::common::{Value, column_values, read, read_testdata};

/// The v5 example: 29 fields, most kinds, nulls, IPv4 — the richest documented record.
const V5: &str = "logs/flowlogs-v5-service-traffic-path-docs.log";

/// Header fields and data lines (as token lists) of a file that starts with a header.
fn split_file(relative: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let text = String::from_utf8(read_testdata(relative)).expect("ASCII");
    let mut lines = text.lines();
    let header = lines.next().expect("a header");
    let fields = header.split(' ').map(str::to_owned).collect();
    let records = lines
        .filter(|l| !l.contains("  "))
        .map(|l| l.split(' ').map(str::to_owned).collect())
        .collect();
    (fields, records)
}

/// A deterministic permutation of `0..n` (xorshift; the test needs variety, not randomness).
fn permutation(n: usize, seed: u64) -> Vec<usize> {
    let mut state = seed | 1;
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        order.swap(i, (state % (i as u64 + 1)) as usize);
    }
    order
}

/// A column's name and its values.
type Column = (String, Vec<Value>);

/// Column name → values, for every column of every batch, in row order.
fn columns_by_name(text: &[u8], builder: ReaderBuilder) -> Vec<Column> {
    let outcome = read(builder, text).ok();
    let names = outcome.columns();
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let values = outcome
                .batches
                .iter()
                .flat_map(|b| column_values(b, i))
                .collect();
            (name.clone(), values)
        })
        .collect()
}

fn sorted(mut columns: Vec<Column>) -> Vec<Column> {
    columns.sort_by(|a, b| a.0.cmp(&b.0));
    columns
}

/// The records rewritten with their fields in `order`, with or without the header line.
fn reorder(fields: &[String], records: &[Vec<String>], order: &[usize], header: bool) -> Vec<u8> {
    let mut text = String::new();
    if header {
        let names: Vec<&str> = order.iter().map(|&i| fields[i].as_str()).collect();
        text.push_str(&names.join(" "));
        text.push('\n');
    }
    for record in records {
        let tokens: Vec<&str> = order.iter().map(|&i| record[i].as_str()).collect();
        text.push_str(&tokens.join(" "));
        text.push('\n');
    }
    text.into_bytes()
}

#[test]
fn the_same_records_in_any_field_order_decode_to_the_same_values() {
    for file in [
        V5,
        "logs/flowlogs-v3-tcp-flags-docs.log",
        "logs/flowlogs-v7-ecs-fixture.log",
    ] {
        let (fields, records) = split_file(file);
        let n = fields.len();
        let original = reorder(&fields, &records, &(0..n).collect::<Vec<_>>(), true);
        let expected = sorted(columns_by_name(&original, ReaderBuilder::new()));
        assert_eq!(expected.len(), n);
        // The file's own order as a projection: every other order must give these batches.
        let projection: Vec<FieldName> = fields.iter().map(|f| FieldName::parse(f)).collect();
        let projected = columns_by_name(
            &original,
            ReaderBuilder::new().with_projection(projection.clone()),
        );
        let mut orders: Vec<Vec<usize>> = vec![(0..n).rev().collect(), (1..n).chain([0]).collect()];
        // packets and bytes swapped (the v3 example already has bytes first).
        let mut swapped: Vec<usize> = (0..n).collect();
        if let (Some(p), Some(b)) = (
            fields.iter().position(|f| f == "packets"),
            fields.iter().position(|f| f == "bytes"),
        ) {
            swapped.swap(p, b);
        }
        orders.push(swapped);
        orders.extend((1..=8).map(|seed| permutation(n, seed)));
        for order in &orders {
            let context = format!("{file} in order {order:?}");
            for header in [true, false] {
                let text = reorder(&fields, &records, order, header);
                let builder = || {
                    if header {
                        ReaderBuilder::new()
                    } else {
                        let format: Vec<String> = order
                            .iter()
                            .map(|&i| format!("${{{}}}", fields[i]))
                            .collect();
                        let format: LogFormat = format.join(" ").parse().expect("a format");
                        ReaderBuilder::new().with_format(format)
                    }
                };
                let columns = columns_by_name(&text, builder());
                let names: Vec<String> =
                    order.iter().map(|&i| fields[i].replace('-', "_")).collect();
                assert_eq!(
                    columns.iter().map(|c| c.0.clone()).collect::<Vec<_>>(),
                    names,
                    "{context}"
                );
                assert_eq!(sorted(columns), expected, "{context}, header {header}");
                let again = columns_by_name(&text, builder().with_projection(projection.clone()));
                assert_eq!(again, projected, "{context}, projected, header {header}");
            }
        }
    }
}

#[test]
fn projections_select_reorder_and_fill_missing_columns() {
    let text = read_testdata(V5);
    let all = columns_by_name(&text, ReaderBuilder::new());
    // The column as the unprojected read has it, and an all-null column.
    let of = |name: &str| -> Column {
        let found = all.iter().find(|c| c.0 == name);
        found.cloned().unwrap_or_else(|| panic!("{name}"))
    };
    let null = |name: &str| -> Column { (name.to_owned(), vec![Value::Null; 2]) };
    // (projection, expected columns)
    let cases: Vec<(Vec<FieldName>, Vec<Column>)> = vec![
        // A subset in another order than the file's (bytes, then packets).
        (
            vec![FlowField::Bytes.into(), FlowField::Packets.into()],
            vec![of("bytes"), of("packets")],
        ),
        (
            vec![FlowField::FlowDirection.into()],
            vec![of("flow_direction")],
        ),
        // Fields the v5 format lacks: all-null columns of their own type.
        (
            vec![
                FlowField::EcsTaskId.into(),
                FlowField::SrcPort.into(),
                FlowField::RejectReason.into(),
                FlowField::EncryptionStatus.into(),
                FieldName::parse("next-hop-vpc-id"),
            ],
            vec![
                null("ecs_task_id"),
                of("srcport"),
                null("reject_reason"),
                null("encryption_status"),
                null("next_hop_vpc_id"),
            ],
        ),
        // Named the column way or the AWS way.
        (
            vec![
                FieldName::parse("pkt_dst_aws_service"),
                FieldName::parse("traffic-path"),
            ],
            vec![of("pkt_dst_aws_service"), of("traffic_path")],
        ),
    ];
    for (projection, expected) in cases {
        let names: Vec<String> = projection.iter().map(FieldName::column_name).collect();
        let columns = columns_by_name(
            &text,
            ReaderBuilder::new().with_projection(projection.clone()),
        );
        assert_eq!(columns, expected, "{names:?}");
        let outcome = read(
            ReaderBuilder::new().with_projection(projection.clone()),
            &text,
        )
        .ok();
        for (field, name) in outcome.batches[0].schema().fields().iter().zip(&projection) {
            assert_eq!(
                field.data_type(),
                &name.kind().data_type(),
                "{}",
                field.name()
            );
        }
    }
    // All fields of the format, reversed: the whole record, reversed.
    let reversed: Vec<FieldName> = all.iter().rev().map(|c| FieldName::parse(&c.0)).collect();
    let columns = columns_by_name(&text, ReaderBuilder::new().with_projection(reversed));
    assert_eq!(columns, all.iter().rev().cloned().collect::<Vec<_>>());
}

#[test]
fn a_projection_naming_a_field_twice_is_refused() {
    let builder = ReaderBuilder::new().with_projection([FlowField::DstPort, FlowField::DstPort]);
    let err = builder.build(&b""[..]).expect_err("a field twice");
    assert!(matches!(err.kind(), ErrorKind::Config(_)), "{err:?}");
    assert!(err.to_string().contains("`dstport` appears twice"), "{err}");
}

#[test]
fn fields_not_asked_for_are_skipped_unvalidated_but_log_status_always_counts() {
    let line = "2 123456789010 eni-1 10.0.0.1 not-an-address 99999 22 6 1 1 1418530010 1418530070 ACCEPT NODATA\n";
    let builder =
        || ReaderBuilder::new().with_projection([FlowField::InterfaceId, FlowField::DstPort]);
    let outcome = read(builder(), line.as_bytes()).ok();
    assert_eq!(outcome.rendered(), [r#""eni-1" 22u16"#]);
    assert_eq!(
        (outcome.stats.counts.nodata, outcome.stats.counts.malformed),
        (1, 0)
    );
    // log-status is read for the accounting even when not projected, so a bad one is seen.
    let bad = line.replace("NODATA", "NOTHING");
    let outcome = read(builder(), bad.as_bytes()).ok();
    assert_eq!(outcome.num_rows(), 0);
    assert_eq!(outcome.issue_at(1).field.as_deref(), Some("log-status"));
    // Without the projection, the bad fields are seen.
    let outcome = read(ReaderBuilder::new(), line.as_bytes()).ok();
    assert_eq!(outcome.issue_at(1).field.as_deref(), Some("dstaddr"));
}

#[test]
fn unknown_fields_are_kept_as_text_columns() {
    let text = "version interface-id next-hop-vpc-id instance-tag dstport log-status\n\
                8 eni-1 vpc-0abc web-server 443 OK\n\
                8 eni-2 - - 22 OK\n";
    let outcome = read(ReaderBuilder::new(), text.as_bytes()).ok();
    assert_eq!(
        outcome.columns(),
        [
            "version",
            "interface_id",
            "next_hop_vpc_id",
            "instance_tag",
            "dstport",
            "log_status"
        ]
    );
    assert_eq!(
        outcome.rendered(),
        [
            r#"8u8 "eni-1" "vpc-0abc" "web-server" 443u16 "OK""#,
            r#"8u8 "eni-2" - - 22u16 "OK""#,
        ]
    );
    let format = outcome.batches[0].schema();
    assert_eq!(format.field(2).data_type(), &FieldKind::Text.data_type());
}

#[test]
fn every_written_form_of_a_format_is_the_same_format() {
    let fields = [
        "version",
        "vpc-id",
        "pkt-src-aws-service",
        "ecs-task-id",
        "log-status",
        "next-hop-vpc-id",
    ];
    let forms = [
        fields.map(|f| format!("${{{f}}}")).join(" "),
        fields.map(|f| format!("$${{{f}}}")).join(" "),
        fields.join(" "),
        fields.map(|f| f.replace('-', "_")).join(" "),
        format!("  {}  ", fields.map(|f| format!("${{{f}}}")).join("   ")),
        // One name spelled half the AWS way, half the column way.
        "${version} ${vpc_id} ${pkt-src_aws-service} ${ecs_task-id} ${log-status} ${next_hop-vpc-id}".to_owned(),
    ];
    let expected: LogFormat = forms[0].parse().expect("the AWS form");
    assert_eq!(expected.to_aws_string(), forms[0]);
    assert_eq!(expected.to_header_line(), forms[2]);
    assert_eq!(expected.version(), 7);
    for form in &forms {
        let format: LogFormat = form.parse().unwrap_or_else(|err| panic!("{form}: {err}"));
        assert_eq!(format, expected, "{form}");
        let printed: LogFormat = format
            .to_aws_string()
            .parse()
            .expect("a printed format parses");
        assert_eq!(printed, format, "{form}");
    }
    for (name, field) in [
        ("pkt-src_aws-service", FlowField::PktSrcAwsService),
        ("ecs_task-id", FlowField::EcsTaskId),
    ] {
        assert_eq!(FieldName::parse(name).known(), Some(field), "{name}");
    }
}

#[test]
fn a_bad_format_is_refused_with_its_position() {
    let cases: &[(&str, usize, &str)] = &[
        ("", 0, "at least one field"),
        ("   ", 0, "at least one field"),
        ("${version} ${srcaddr", 11, "expected field names"),
        ("${version}${srcaddr}", 10, "expected field names"),
        ("${version} ${}", 11, "expected field names"),
        ("${version} ${src addr}", 11, "expected field names"),
        ("version, srcaddr", 7, "expected field names"),
        (
            "${version} ${dstport} ${dstport}",
            13,
            "`dstport` appears twice",
        ),
        ("${version} ${srcaddr!}", 11, "expected field names"),
        ("${version} ${tgw-id}", 13, "Transit Gateway"),
    ];
    for &(text, position, says) in cases {
        let err = text.parse::<LogFormat>().expect_err(text);
        match err.kind() {
            ErrorKind::InvalidFormat {
                text: t,
                position: p,
                reason,
            } => {
                assert_eq!(t, text);
                assert_eq!(*p, position, "{text:?}: {reason}");
                assert!(err.to_string().contains(says), "{text:?}: {err}");
                assert!(
                    err.to_string().starts_with(&format!(
                        "invalid log format at byte {position} of {text:?}: "
                    )),
                    "{err}"
                );
            }
            other => panic!("{text:?}: {other:?}"),
        }
    }
}

/// The straight-line v2 parser applies to a projection of every v2 field in any order (with
/// other fields or not), and reads what the generic loop reads.
#[test]
fn every_order_of_the_v2_fields_takes_the_fast_path_with_the_same_values() {
    let text = read_testdata("logs/flowlogs-v2-default-docs.log");
    let all = columns_by_name(&text, ReaderBuilder::new());
    let v2: Vec<FlowField> = FlowField::ALL[..14].to_vec();
    assert_eq!(
        all.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(),
        v2.iter().map(|f| f.column_name()).collect::<Vec<_>>()
    );
    for seed in 1..=8 {
        let mut projection: Vec<FlowField> =
            permutation(14, seed).into_iter().map(|i| v2[i]).collect();
        if seed % 2 == 0 {
            projection.insert(seed as usize, FlowField::TcpFlags);
        }
        let builder = ReaderBuilder::new().with_projection(projection.clone());
        assert!(builder.takes_v2_fast_path(), "{projection:?}");
        let columns = columns_by_name(&text, builder);
        let names: Vec<&str> = projection.iter().map(|f| f.column_name()).collect();
        assert_eq!(
            columns.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(),
            names
        );
        for column in &columns {
            match all.iter().find(|c| c.0 == column.0) {
                Some(expected) => assert_eq!(column, expected),
                None => assert!(column.1.iter().all(|v| *v == Value::Null)),
            }
        }
    }
    // One v2 field short: the generic loop.
    for missing in 0..14 {
        let mut projection = v2.clone();
        projection.remove(missing);
        assert!(
            !ReaderBuilder::new()
                .with_projection(projection)
                .takes_v2_fast_path()
        );
    }
}

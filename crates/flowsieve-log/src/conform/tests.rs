//! The conformer against the text reader: foreign types give the same batch as the same
//! records read as text; every refusal reason, strictness, row numbering, projections.

use std::sync::Arc;

use arrow_array::types::{Int8Type, Int32Type};
use arrow_array::{
    Array, ArrayRef, BinaryArray, BooleanArray, DictionaryArray, FixedSizeBinaryArray,
    Float64Array, Int16Array, Int32Array, Int64Array, LargeStringArray, NullArray, RecordBatch,
    StringArray, StringViewArray, TimestampMillisecondArray, UInt8Array, UInt64Array,
};
use arrow_schema::{DataType, Field, Schema};

use super::*;
use crate::enums::{Action, TrafficKind};
use crate::stats::LineIssueKind;

/// The AWS documentation's v2 records (one NODATA), read by the text reader.
const TEXT: &str = "\
2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK
2 023456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK
2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA
2 123456789010 eni-1235b8ca123456789 2001:db8:1234:a100:8d6e:3477:df66:f105 2001:db8:1234:a102:3304:8879:34cf:4071 34892 22 6 54 8855 1477913708 1477913820 ACCEPT OK
";

fn text_batch() -> FlowRecordBatch {
    crate::reader::first_batch(TEXT)
}

fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
    RecordBatch::try_from_iter(columns).unwrap()
}

fn conform(builder: ReaderBuilder, input: &RecordBatch) -> (FlowRecordBatch, LineStats) {
    let mut conformer = builder.build_conformer(input.schema()).unwrap();
    let out = conformer.conform(input).unwrap();
    (out, conformer.stats().clone())
}

/// The TEXT records as a DuckDB or Polars user might hold them: every column in another type
/// than flowsieve's, names in other cases and spellings.
fn foreign() -> RecordBatch {
    let interface: DictionaryArray<Int8Type> =
        vec!["eni-1235b8ca123456789"; 4].into_iter().collect();
    let action: DictionaryArray<Int32Type> =
        vec![Some("ACCEPT"), Some("REJECT"), None, Some("ACCEPT")]
            .into_iter()
            .collect();
    batch(vec![
        ("VERSION", Arc::new(Int64Array::from(vec![2; 4]))),
        // DuckDB reads `account-id` as BIGINT: the leading zero comes back.
        (
            "account_id",
            Arc::new(Int64Array::from(vec![
                123456789010,
                23456789010,
                123456789010,
                123456789010,
            ])),
        ),
        ("Interface-Id", Arc::new(interface)),
        (
            "srcaddr",
            Arc::new(LargeStringArray::from(vec![
                Some("172.31.16.139"),
                Some("172.31.9.69"),
                None,
                Some("2001:db8:1234:a100:8d6e:3477:df66:f105"),
            ])),
        ),
        (
            "dstaddr",
            Arc::new(StringViewArray::from(vec![
                Some("172.31.16.21"),
                Some("172.31.9.12"),
                Some("-"),
                Some("2001:db8:1234:a102:3304:8879:34cf:4071"),
            ])),
        ),
        (
            "srcport",
            Arc::new(Int32Array::from(vec![
                Some(20641),
                Some(49761),
                None,
                Some(34892),
            ])),
        ),
        (
            "DSTPORT",
            Arc::new(StringArray::from(vec!["22", "3389", "-", "22"])),
        ),
        (
            "protocol",
            Arc::new(Int16Array::from(vec![Some(6), Some(6), None, Some(6)])),
        ),
        (
            "packets",
            Arc::new(UInt64Array::from(vec![Some(20), Some(20), None, Some(54)])),
        ),
        (
            "bytes",
            Arc::new(Float64Array::from(vec![
                Some(4249.0),
                Some(4249.0),
                None,
                Some(8855.0),
            ])),
        ),
        (
            "start",
            Arc::new(
                TimestampMillisecondArray::from(vec![
                    1_418_530_010_000,
                    1_418_530_010_999,
                    1_431_280_876_000,
                    1_477_913_708_000,
                ])
                .with_timezone("UTC"),
            ),
        ),
        (
            "end",
            Arc::new(Int64Array::from(vec![
                1418530070, 1418530070, 1431280934, 1477913820,
            ])),
        ),
        ("action", Arc::new(action)),
        (
            "log_status",
            Arc::new(StringArray::from(vec!["OK", "OK", "NODATA", "OK"])),
        ),
    ])
}

#[test]
fn foreign_types_give_the_text_readers_batch() {
    let (out, stats) = conform(ReaderBuilder::new(), &foreign());
    let text = text_batch();
    assert_eq!(out.schema(), text.schema());
    assert_eq!(out.as_record_batch(), text.as_record_batch());
    assert_eq!(
        (
            stats.counts.records,
            stats.counts.nodata,
            stats.counts.malformed
        ),
        (3, 1, 0)
    );
}

#[test]
fn flowsieves_own_batches_pass_through() {
    let text = text_batch();
    let (out, stats) = conform(ReaderBuilder::new(), text.as_record_batch());
    assert_eq!(out.as_record_batch(), text.as_record_batch());
    assert_eq!(stats.rows(), 4);
}

#[test]
fn a_projection_picks_fills_and_ignores() {
    let mut columns = foreign().columns().to_vec();
    let mut fields: Vec<Field> = foreign()
        .schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    // A column flowsieve does not know, of a type that is not text: ignored under a projection.
    columns.push(Arc::new(BooleanArray::from(vec![true; 4])));
    fields.push(Field::new("is_test", DataType::Boolean, false));
    let input = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap();
    let projection = [
        FlowField::DstPort,
        FlowField::TcpFlags,
        FlowField::InterfaceId,
    ];
    let builder = ReaderBuilder::new().with_projection(projection);
    let (out, stats) = conform(builder.clone(), &input);
    let text = builder
        .build(TEXT.as_bytes())
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    assert_eq!(out.as_record_batch(), text.as_record_batch());
    assert_eq!(
        stats.counts.nodata, 1,
        "log-status is read for the accounting"
    );
    // Without a projection, the boolean column would be text: it is printable.
    let (all, _) = conform(ReaderBuilder::new(), &input);
    let flags = all.as_record_batch().column_by_name("is_test").unwrap();
    assert_eq!(
        flags.data_type(),
        &FieldName::parse("is-test").kind().data_type()
    );
}

#[test]
fn every_refusal_is_accounted_by_reason_and_row() {
    let input = batch(vec![
        (
            "dstport",
            Arc::new(Int64Array::from(vec![
                Some(22),
                Some(65_536),
                Some(-1),
                Some(443),
                None,
                Some(80),
                Some(80),
                Some(80),
                Some(80),
                Some(80),
            ])),
        ),
        (
            "protocol",
            Arc::new(Float64Array::from(vec![
                6.0, 6.0, 6.0, 256.0, 6.5, 6.0, 6.0, 6.0, 6.0, 6.0,
            ])),
        ),
        (
            "packets",
            Arc::new(StringArray::from(vec![
                "1", "1", "1", "1", "1", "+5", "1", "1", "1", "1",
            ])),
        ),
        (
            "srcaddr",
            Arc::new(StringArray::from(vec![
                "10.0.0.1",
                "10.0.0.1",
                "10.0.0.1",
                "10.0.0.1",
                "10.0.0.1",
                "10.0.0.1",
                "10.0.0.256",
                "10.0.0.1",
                "10.0.0.1",
                "10.0.0.1",
            ])),
        ),
        (
            "start",
            Arc::new(Int64Array::from(vec![
                1,
                1,
                1,
                1,
                1,
                1,
                1,
                1_700_000_000_000, // milliseconds
                1,
                1,
            ])),
        ),
        (
            "action",
            Arc::new(StringArray::from(vec![
                "ACCEPT", "ACCEPT", "ACCEPT", "ACCEPT", "ACCEPT", "ACCEPT", "ACCEPT", "ACCEPT",
                "accept", "ACCEPT",
            ])),
        ),
        (
            "log_status",
            Arc::new(StringArray::from(vec![
                "OK", "OK", "OK", "OK", "OK", "OK", "OK", "OK", "OK", "-",
            ])),
        ),
    ]);
    let builder = ReaderBuilder::new()
        .with_source_label("t")
        .with_sample_limit(9);
    let (out, stats) = conform(builder, &input);
    assert_eq!(out.num_rows(), 1);
    assert_eq!(out.uint16(FlowField::DstPort).unwrap().value(0), 22);
    assert_eq!((stats.counts.records, stats.counts.malformed), (1, 9));
    let issues: Vec<String> = stats.samples.iter().map(ToString::to_string).collect();
    assert_eq!(
        issues,
        [
            "t:2: malformed line: number_out_of_range in field `dstport`: \"65536\"",
            "t:3: malformed line: number_out_of_range in field `dstport`: \"-1\"",
            "t:4: malformed line: number_out_of_range in field `protocol`: \"256.0\"",
            "t:5: malformed line: invalid_number in field `protocol`: \"6.5\"",
            "t:6: malformed line: invalid_number in field `packets`: \"+5\"",
            "t:7: malformed line: invalid_address in field `srcaddr`: \"10.0.0.256\"",
            "t:8: malformed line: number_out_of_range in field `start`: \"1700000000000\"",
            "t:9: malformed line: invalid_value in field `action`: \"accept\"",
            "t:10: malformed line: invalid_value in field `log-status`: \"-\"",
        ]
    );
}

#[test]
fn strict_mode_fails_on_the_first_refused_row_whatever_its_column() {
    let input = batch(vec![
        ("dstport", Arc::new(Int64Array::from(vec![22, 22, 70_000]))),
        (
            "action",
            Arc::new(StringArray::from(vec!["ACCEPT", "NOPE", "ACCEPT"])),
        ),
    ]);
    let mut conformer = ReaderBuilder::new()
        .with_strict(true)
        .build_conformer(input.schema())
        .unwrap();
    let err = conformer.conform(&input).unwrap_err();
    assert_eq!(
        err.to_string(),
        "<arrow>:2: malformed line: invalid_value in field `action`: \"NOPE\""
    );
}

#[test]
fn rows_are_numbered_across_batches() {
    let input = batch(vec![(
        "srcport",
        Arc::new(Int64Array::from(vec![1, 99_999])) as ArrayRef,
    )]);
    let mut conformer = ReaderBuilder::new()
        .build_conformer(input.schema())
        .unwrap();
    conformer.conform(&input).unwrap();
    conformer.conform(&input).unwrap();
    let lines: Vec<u64> = conformer.stats().samples.iter().map(|i| i.line).collect();
    assert_eq!(lines, [2, 4]);
    assert_eq!(conformer.stats().counts.records, 2);
}

#[test]
fn timestamps_in_any_unit_floor_to_seconds_and_refuse_before_1970() {
    let input = batch(vec![(
        "start",
        Arc::new(TimestampMillisecondArray::from(vec![1_999, -1, 0])) as ArrayRef,
    )]);
    let (out, stats) = conform(ReaderBuilder::new(), &input);
    let start = out.timestamps(FlowField::Start).unwrap();
    assert_eq!(start.values().to_vec(), [1, 0]);
    assert_eq!(start.timezone(), Some("+00:00"));
    assert_eq!(
        stats.malformed_by_reason[LineIssueKind::NumberOutOfRange.reason_index()],
        1
    );
}

#[test]
fn addresses_as_binary_of_16_or_4_bytes() {
    let v6 = crate::ip_to_address("2001:db8::1".parse().unwrap()).to_be_bytes();
    let cells: Vec<Option<&[u8]>> = vec![Some(&v6), Some(&[10, 0, 0, 1]), Some(&[1, 2, 3]), None];
    let input = batch(vec![(
        "dstaddr",
        Arc::new(BinaryArray::from(cells)) as ArrayRef,
    )]);
    let (out, stats) = conform(ReaderBuilder::new(), &input);
    let addresses = out.addresses(FlowField::DstAddr).unwrap();
    let text: Vec<String> = (0..3)
        .map(|row| match addresses.get(row) {
            Some(a) => crate::address_to_ip(a).to_string(),
            None => "-".into(),
        })
        .collect();
    assert_eq!(text, ["2001:db8::1", "10.0.0.1", "-"]);
    assert_eq!(
        stats.malformed_by_reason[LineIssueKind::InvalidAddress.reason_index()],
        1
    );
    let four = FixedSizeBinaryArray::try_from_iter(vec![[192u8, 0, 2, 1]].into_iter()).unwrap();
    let input = batch(vec![("srcaddr", Arc::new(four) as ArrayRef)]);
    let (out, _) = conform(ReaderBuilder::new(), &input);
    let src = out.addresses(FlowField::SrcAddr).unwrap().value(0);
    assert_eq!(crate::address_to_ip(src).to_string(), "192.0.2.1");
}

#[test]
fn closed_columns_are_laid_out_as_the_text_reader_does() {
    let input = batch(vec![
        (
            "type",
            Arc::new(StringArray::from(vec!["EFA", "IPv6", "-"])) as ArrayRef,
        ),
        (
            "action",
            Arc::new(StringArray::from(vec!["REJECT", "REJECT", "ACCEPT"])),
        ),
    ]);
    let (out, _) = conform(ReaderBuilder::new(), &input);
    let types = out.traffic_kinds().unwrap();
    assert_eq!(
        types.iter().collect::<Vec<_>>(),
        [Some(TrafficKind::Efa), Some(TrafficKind::Ipv6), None]
    );
    let actions = out.actions().unwrap();
    assert_eq!(actions.as_array().values().len(), 2);
    assert_eq!(actions.as_array().keys().values().to_vec(), [1, 1, 0]);
    assert_eq!(actions.get(2), Some(Action::Accept));
}

#[test]
fn an_all_null_column_is_null_whatever_the_field() {
    let input = batch(vec![
        ("dstport", Arc::new(NullArray::new(2)) as ArrayRef),
        ("action", Arc::new(NullArray::new(2))),
        ("srcaddr", Arc::new(NullArray::new(2))),
    ]);
    let (out, stats) = conform(ReaderBuilder::new(), &input);
    assert_eq!(out.uint16(FlowField::DstPort).unwrap().null_count(), 2);
    assert_eq!(
        out.actions().unwrap().iter().collect::<Vec<_>>(),
        [None, None]
    );
    assert_eq!(stats.counts.records, 2);
}

#[test]
fn a_column_that_cannot_hold_its_field_is_an_error_naming_it() {
    let input = batch(vec![(
        "DstPort",
        Arc::new(BooleanArray::from(vec![true])) as ArrayRef,
    )]);
    let err = ReaderBuilder::new()
        .with_source_label("t")
        .build_conformer(input.schema())
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::ColumnType { .. }));
    assert_eq!(
        err.to_string(),
        "t: column `DstPort` is Boolean, which cannot hold `dstport` (it takes an integer, float or decimal-string column)"
    );
    let twice = batch(vec![
        ("srcport", Arc::new(UInt8Array::from(vec![1])) as ArrayRef),
        ("SRCPORT", Arc::new(UInt8Array::from(vec![1]))),
    ]);
    assert!(
        ReaderBuilder::new()
            .build_conformer(twice.schema())
            .is_err()
    );
    let tgw = batch(vec![(
        "tgw_id",
        Arc::new(StringArray::from(vec!["tgw-1"])) as ArrayRef,
    )]);
    let err = ReaderBuilder::new()
        .build_conformer(tgw.schema())
        .unwrap_err();
    assert!(err.to_string().contains("Transit Gateway"), "{err}");
}

#[test]
fn a_batch_of_another_schema_is_refused() {
    let a = batch(vec![(
        "dstport",
        Arc::new(Int64Array::from(vec![1])) as ArrayRef,
    )]);
    let b = batch(vec![(
        "dstport",
        Arc::new(Int32Array::from(vec![1])) as ArrayRef,
    )]);
    let mut conformer = ReaderBuilder::new().build_conformer(a.schema()).unwrap();
    assert!(conformer.conform(&b).is_err());
    assert!(conformer.conform(&a).is_ok());
}

#[test]
fn text_cells_that_are_not_utf8_are_refused() {
    let cells: Vec<Option<&[u8]>> = vec![Some(b"vpc-1"), Some(&[0xff, 0xfe])];
    let input = batch(vec![(
        "vpc_id",
        Arc::new(BinaryArray::from(cells)) as ArrayRef,
    )]);
    let (out, stats) = conform(ReaderBuilder::new(), &input);
    assert_eq!(out.num_rows(), 1);
    assert_eq!(
        stats.malformed_by_reason[LineIssueKind::InvalidUtf8.reason_index()],
        1
    );
}

/// The string columns of `input` dictionary-encoded (as the Parquet reader delivers them).
fn dictionary_encoded(input: &RecordBatch) -> RecordBatch {
    let dictionary = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
    let columns: Vec<(String, ArrayRef)> = input
        .schema()
        .fields()
        .iter()
        .zip(input.columns())
        .map(|(field, column)| {
            let column = match column.data_type() {
                DataType::Utf8 => arrow_cast::cast(column, &dictionary).unwrap(),
                _ => column.clone(),
            };
            (field.name().clone(), column)
        })
        .collect();
    RecordBatch::try_from_iter(columns).unwrap()
}

/// What AWS writes: `Int32` ports and protocol, `Int64` counters and times, strings, in the
/// order values appear (so `REJECT` may come before `ACCEPT` in a dictionary).
fn aws_columns(rows: &[(&str, &str, i64, i64, &str, &str)]) -> RecordBatch {
    batch(vec![
        (
            "interface_id",
            Arc::new(StringArray::from(vec!["eni-1"; rows.len()])),
        ),
        (
            "srcaddr",
            Arc::new(StringArray::from_iter(rows.iter().map(|r| Some(r.0)))),
        ),
        (
            "dstaddr",
            Arc::new(StringArray::from_iter(rows.iter().map(|r| Some(r.1)))),
        ),
        (
            "dstport",
            Arc::new(Int32Array::from_iter(rows.iter().map(|r| Some(r.2 as i32)))),
        ),
        (
            "packets",
            Arc::new(Int64Array::from_iter(rows.iter().map(|r| Some(r.3)))),
        ),
        (
            "start",
            Arc::new(Int64Array::from(vec![1_418_530_010; rows.len()])),
        ),
        (
            "action",
            Arc::new(StringArray::from_iter(rows.iter().map(|r| Some(r.4)))),
        ),
        (
            "log_status",
            Arc::new(StringArray::from_iter(rows.iter().map(|r| Some(r.5)))),
        ),
    ])
}

#[test]
fn dictionary_encoded_strings_convert_as_plain_ones() {
    let rows = [
        ("10.0.0.1", "10.0.0.2", 443, 5, "REJECT", "OK"),
        ("10.0.0.1", "2001:db8::1", 70_000, 1, "ACCEPT", "OK"),
        ("bogus", "10.0.0.2", 22, 2, "ACCEPT", "OK"),
        ("-", "-", 0, 0, "-", "NODATA"),
        ("::ffff:10.0.0.3", "10.0.0.2", 53, -1, "ACCEPT", "OK"),
        ("10.0.0.1", "10.0.0.2 ", 80, 3, "MAYBE", "OK"),
    ];
    let plain = aws_columns(&rows);
    let encoded = dictionary_encoded(&plain);
    assert!(matches!(
        encoded.column(1).data_type(),
        DataType::Dictionary(..)
    ));
    let builder = || ReaderBuilder::new().with_source_label("aws");
    let (from_plain, plain_stats) = conform(builder(), &plain);
    let (from_dictionary, dictionary_stats) = conform(builder(), &encoded);
    assert_eq!(
        from_dictionary.as_record_batch(),
        from_plain.as_record_batch()
    );
    assert_eq!(dictionary_stats, plain_stats);
    assert_eq!(from_plain.num_rows(), 2);
    let issues: Vec<String> = plain_stats.samples.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        issues,
        [
            "aws:2: malformed line: number_out_of_range in field `dstport`: \"70000\"",
            "aws:3: malformed line: invalid_address in field `srcaddr`: \"bogus\"",
            "aws:5: malformed line: number_out_of_range in field `packets`: \"-1\"",
            "aws:6: malformed line: invalid_address in field `dstaddr`: \"10.0.0.2 \"",
        ]
    );
    // The closed columns come out with the text reader's keys, whatever the input's order.
    assert_eq!(from_plain.actions().unwrap().get(0), Some(Action::Reject));
    assert_eq!(plain_stats.counts.nodata, 1);
}

#[test]
fn batches_sharing_an_address_dictionary_convert_every_row() {
    let values: ArrayRef = Arc::new(StringArray::from(vec!["10.0.0.1", "nope", "::1", "-"]));
    let keys = |keys: Vec<Option<i32>>| -> ArrayRef {
        Arc::new(DictionaryArray::new(Int32Array::from(keys), values.clone()))
    };
    let schema = Arc::new(Schema::new(vec![Field::new(
        "srcaddr",
        DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
        true,
    )]));
    let mut conformer = ReaderBuilder::new()
        .with_source_label("dict")
        .build_conformer(schema.clone())
        .unwrap();
    let first =
        RecordBatch::try_new(schema.clone(), vec![keys(vec![Some(0), None, Some(3)])]).unwrap();
    let second =
        RecordBatch::try_new(schema.clone(), vec![keys(vec![Some(2), Some(1), Some(0)])]).unwrap();
    let out: Vec<Option<u128>> = [first, second]
        .iter()
        .flat_map(|batch| {
            let out = conformer.conform(batch).unwrap();
            let column = out
                .column(FlowField::SrcAddr)
                .unwrap()
                .as_fixed_size_binary()
                .clone();
            (0..column.len())
                .map(|row| {
                    column
                        .is_valid(row)
                        .then(|| u128::from_be_bytes(column.value(row).try_into().unwrap()))
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let v4 = crate::batch::ip_to_address("10.0.0.1".parse().unwrap());
    assert_eq!(out, [Some(v4), None, None, Some(1), Some(v4)]);
    let stats = conformer.stats();
    assert_eq!(stats.counts.malformed, 1);
    assert_eq!(
        stats.samples[0].to_string(),
        "dict:5: malformed line: invalid_address in field `srcaddr`: \"nope\""
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// A column of one of the accepted types for `field`, with arbitrary (often bad) values.
    fn column(rows: usize) -> impl Strategy<Value = (String, ArrayRef)> {
        let ints = proptest::collection::vec(proptest::option::of(any::<i64>()), rows);
        let texts = proptest::collection::vec(
            proptest::option::of(prop_oneof![
                Just("-".to_owned()),
                Just("ACCEPT".to_owned()),
                Just("NODATA".to_owned()),
                Just("10.0.0.1".to_owned()),
                "[0-9a-f:.]{0,12}",
                "\\PC{0,6}",
            ]),
            rows,
        );
        let field = proptest::sample::select(FlowField::ALL.to_vec());
        (field, ints, texts, any::<bool>()).prop_map(|(field, ints, texts, as_text)| {
            let array: ArrayRef = if as_text
                || matches!(
                    field.kind(),
                    crate::FieldKind::Action
                        | crate::FieldKind::LogStatus
                        | crate::FieldKind::FlowDirection
                        | crate::FieldKind::TrafficKind
                        | crate::FieldKind::Address
                ) {
                Arc::new(StringArray::from(texts))
            } else {
                Arc::new(Int64Array::from(ints))
            };
            (field.column_name().to_owned(), array)
        })
    }

    proptest! {
        /// Whatever the values, no panic, and every row is either delivered or refused.
        #[test]
        fn every_row_is_delivered_or_refused(columns in proptest::collection::vec(column(6), 1..6)) {
            let mut seen = std::collections::HashSet::new();
            let columns: Vec<(String, ArrayRef)> =
                columns.into_iter().filter(|(name, _)| seen.insert(name.clone())).collect();
            let input = RecordBatch::try_from_iter(columns).unwrap();
            let mut conformer = ReaderBuilder::new().build_conformer(input.schema()).unwrap();
            let out = conformer.conform(&input).unwrap();
            let stats = conformer.stats();
            prop_assert_eq!(stats.rows(), out.num_rows() as u64);
            prop_assert_eq!(stats.rows() + stats.counts.malformed, 6);
            prop_assert!(FlowRecordBatch::try_new(out.into_record_batch()).is_ok());
        }
    }
}

use super::*;
use crate::field::FlowField;

const DOCS: &str =
    include_str!("../../../../testdata/logs/flowlogs-v5-service-traffic-path-docs.log");

fn write_parquet(batch: &FlowRecordBatch, addresses: AddressEncoding) -> tempfile::NamedTempFile {
    let file = tempfile::NamedTempFile::new().unwrap();
    let mut writer = FlowParquetWriter::try_new(
        file.reopen().unwrap(),
        batch.schema(),
        ParquetCompression::default(),
        addresses,
    )
    .unwrap();
    writer.write(batch).unwrap();
    writer.close().unwrap();
    file
}

#[test]
fn round_trips_through_parquet_both_encodings() {
    let text = crate::reader::first_batch(DOCS);
    for encoding in [AddressEncoding::Text, AddressEncoding::Binary] {
        let file = write_parquet(&text, encoding);
        let mut reader =
            ParquetFlowReader::try_new(file.reopen().unwrap(), ReaderBuilder::new()).unwrap();
        let back = reader.next().unwrap().unwrap();
        assert_eq!(
            back.as_record_batch(),
            text.as_record_batch(),
            "{encoding:?}"
        );
        assert_eq!(reader.stats().counts.records, 2);
    }
}

#[test]
fn every_codec_built_round_trips_and_the_others_are_refused_by_name() {
    let text = crate::reader::first_batch(DOCS);
    // Gzip is AWS's codec: every build reads and writes it.
    assert!(ParquetCompression::Gzip.is_built());
    assert!(ParquetCompression::default().is_built());
    for codec in [
        ParquetCompression::Zstd(3),
        ParquetCompression::Snappy,
        ParquetCompression::Gzip,
        ParquetCompression::Lz4,
        ParquetCompression::Uncompressed,
    ] {
        let mut out = Vec::new();
        let writer =
            FlowParquetWriter::try_new(&mut out, text.schema(), codec, AddressEncoding::Text);
        if !codec.is_built() {
            let err = writer.unwrap_err();
            let feature = codec.feature().unwrap();
            assert!(
                crate::ErrorChain(&err).to_string().contains(feature),
                "{codec:?}: {err}"
            );
            continue;
        }
        let mut writer = writer.unwrap();
        writer.write(&text).unwrap();
        writer.close().unwrap();
        let mut reader =
            ParquetFlowReader::try_new(bytes::Bytes::from(out), ReaderBuilder::new()).unwrap();
        let back = reader.next().unwrap().unwrap();
        assert_eq!(back.as_record_batch(), text.as_record_batch(), "{codec:?}");
    }
}

#[test]
fn aws_types_are_converted_and_bad_rows_accounted() {
    // The shape AWS writes: INT32 ports/protocol, INT64 counters/times, strings elsewhere.
    let schema = Arc::new(Schema::new(vec![
        Field::new("interface_id", DataType::Utf8, true),
        Field::new("srcaddr", DataType::Utf8, true),
        Field::new("dstport", DataType::Int32, true),
        Field::new("packets", DataType::Int64, true),
        Field::new("start", DataType::Int64, true),
        Field::new("action", DataType::Utf8, true),
        Field::new("log_status", DataType::Utf8, true),
    ]));
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(vec!["eni-1", "eni-1", "eni-2", "eni-3"])),
        Arc::new(StringArray::from(vec![
            Some("10.0.0.1"),
            Some("bogus"),
            None,
            Some("::1"),
        ])),
        Arc::new(arrow_array::Int32Array::from(vec![
            Some(443),
            Some(22),
            None,
            Some(70_000),
        ])),
        Arc::new(arrow_array::Int64Array::from(vec![
            Some(5),
            Some(1),
            None,
            Some(2),
        ])),
        Arc::new(arrow_array::Int64Array::from(vec![1_418_530_010; 4])),
        Arc::new(StringArray::from(vec![
            Some("ACCEPT"),
            Some("REJECT"),
            None,
            Some("ACCEPT"),
        ])),
        Arc::new(StringArray::from(vec!["OK", "OK", "NODATA", "OK"])),
    ];
    let batch = RecordBatch::try_new(schema.clone(), columns).unwrap();
    let file = tempfile::NamedTempFile::new().unwrap();
    let mut writer = ArrowWriter::try_new(file.reopen().unwrap(), schema, None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    let builder = ReaderBuilder::new()
        .with_projection([
            FlowField::InterfaceId,
            FlowField::SrcAddr,
            FlowField::DstPort,
            FlowField::TcpFlags,
        ])
        .with_source_label("aws.parquet");
    let mut reader = ParquetFlowReader::try_new(file.reopen().unwrap(), builder).unwrap();
    let out = reader.next().unwrap().unwrap();
    assert_eq!(out.num_rows(), 2);
    assert_eq!(out.uint16(FlowField::DstPort).unwrap().value(0), 443);
    assert_eq!(out.uint8(FlowField::TcpFlags).unwrap().null_count(), 2);
    let stats = reader.stats();
    assert_eq!(
        (
            stats.counts.records,
            stats.counts.nodata,
            stats.counts.malformed
        ),
        (1, 1, 2)
    );
    assert_eq!(
        stats.samples[0].to_string(),
        "aws.parquet:2: malformed line: invalid_address in field `srcaddr`: \"bogus\""
    );
    assert_eq!(stats.samples[1].line, 4);
}

/// `copies` times the AWS documentation's records, in AWS's Parquet (gzip, AWS's types),
/// with row groups of `row_group_rows`.
fn aws_file(copies: usize, row_group_rows: usize) -> (FlowRecordBatch, tempfile::NamedTempFile) {
    let text = DOCS.repeat(copies);
    let batch = ReaderBuilder::new()
        .with_batch_size(1 << 20)
        .build(text.as_bytes())
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let file = tempfile::NamedTempFile::new().unwrap();
    let mut writer = FlowParquetWriter::try_new_with(
        file.reopen().unwrap(),
        batch.schema(),
        ParquetCompression::Gzip,
        AddressEncoding::Text,
        ParquetTypes::Aws,
        Some(row_group_rows),
    )
    .unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    (batch, file)
}

#[test]
fn aws_types_are_written_as_aws_writes_them_and_read_back() {
    let (batch, file) = aws_file(3, 4);
    let metadata = ArrowReaderMetadata::load(&file.reopen().unwrap(), Default::default()).unwrap();
    let parquet = metadata.metadata();
    assert_eq!(parquet.num_row_groups(), 2);
    assert!(
        parquet
            .file_metadata()
            .key_value_metadata()
            .is_none_or(|kv| kv.iter().all(|kv| kv.key != "ARROW:schema")),
        "no Arrow schema: readers see the Parquet types"
    );
    let types: Vec<(String, DataType)> = metadata
        .schema()
        .fields()
        .iter()
        .map(|f| (f.name().clone(), f.data_type().clone()))
        .collect();
    for (name, data_type) in &types {
        let expected = match name.as_str() {
            "version" | "srcport" | "dstport" | "protocol" | "tcp_flags" | "traffic_path" => {
                DataType::Int32
            }
            "packets" | "bytes" | "start" | "end" => DataType::Int64,
            _ => DataType::Utf8,
        };
        assert_eq!(data_type, &expected, "{name}");
    }
    for row_group in parquet.row_groups() {
        for column in row_group.columns() {
            assert!(matches!(column.compression(), Compression::GZIP(_)));
        }
    }
    let mut reader =
        ParquetFlowReader::try_new(file.reopen().unwrap(), ReaderBuilder::new()).unwrap();
    let back: Vec<FlowRecordBatch> = reader.by_ref().map(Result::unwrap).collect();
    let back = arrow_select::concat::concat_batches(
        &back[0].schema(),
        back.iter().map(FlowRecordBatch::as_record_batch),
    )
    .unwrap();
    assert_eq!(&back, batch.as_record_batch());
    assert_eq!(reader.stats().counts.records, 6);
}

#[test]
fn row_groups_read_apart_give_the_file() {
    let (batch, file) = aws_file(50, 16);
    let builder = || {
        ReaderBuilder::new()
            .with_batch_size(5)
            .with_source_label("rg")
    };
    let whole =
        ParquetFlowReader::from_path(file.reopen().unwrap(), file.path(), builder()).unwrap();
    assert_eq!(whole.row_group_count(), 7);
    let parts = whole.into_parts().expect("seven row groups");
    assert_eq!(
        parts.iter().map(ParquetPart::row_group).collect::<Vec<_>>(),
        (0..7).collect::<Vec<_>>()
    );
    // Read in reverse, on other threads: the same rows and accounting as the whole file.
    let read: Vec<(Vec<RecordBatch>, LineStats)> = std::thread::scope(|scope| {
        let handles: Vec<_> = parts
            .iter()
            .rev()
            .map(|part| {
                scope.spawn(move || {
                    let mut reader = part.open().unwrap();
                    let batches = reader
                        .by_ref()
                        .map(|b| b.unwrap().into_record_batch())
                        .collect();
                    (batches, reader.stats().clone())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut stats = LineStats::default();
    let mut batches = Vec::new();
    for (part_batches, part_stats) in read.into_iter().rev() {
        batches.extend(part_batches);
        stats.merge(&part_stats, 5);
    }
    let rows = arrow_select::concat::concat_batches(&batches[0].schema(), &batches).unwrap();
    assert_eq!(&rows, batch.as_record_batch());
    let mut whole =
        ParquetFlowReader::from_path(file.reopen().unwrap(), file.path(), builder()).unwrap();
    whole.by_ref().for_each(|b| drop(b.unwrap()));
    assert_eq!(&stats, whole.stats());
    // A reader of any ChunkReader, a one-group file or a reader already read is not split.
    let (_, one) = aws_file(1, 16);
    let single =
        ParquetFlowReader::from_path(one.reopen().unwrap(), one.path(), builder()).unwrap();
    assert!(single.into_parts().is_err());
    let any = ParquetFlowReader::try_new(file.reopen().unwrap(), builder()).unwrap();
    assert!(any.into_parts().is_err());
    let mut started =
        ParquetFlowReader::from_bytes(std::fs::read(file.path()).unwrap().into(), builder())
            .unwrap();
    started.next();
    assert!(started.into_parts().is_err());
}

#[test]
fn issues_of_a_later_row_group_keep_their_row_numbers() {
    // Rows 1..=10 in two row groups of 5; rows 3 and 8 carry a port beyond 65535.
    let schema = Arc::new(Schema::new(vec![
        Field::new("interface_id", DataType::Utf8, true),
        Field::new("dstport", DataType::Int32, true),
    ]));
    let ports: Vec<i32> = (1..=10)
        .map(|i| if i % 5 == 3 { 70_000 } else { i })
        .collect();
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(StringArray::from(vec!["eni-1"; 10])),
            Arc::new(arrow_array::Int32Array::from(ports)),
        ],
    )
    .unwrap();
    let mut out = Vec::new();
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(5))
        .build();
    let mut writer = ArrowWriter::try_new(&mut out, schema, Some(props)).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    let reader = ParquetFlowReader::from_bytes(
        out.into(),
        ReaderBuilder::new().with_source_label("odd.parquet"),
    )
    .unwrap();
    let lines: Vec<u64> = reader
        .into_parts()
        .unwrap()
        .iter()
        .flat_map(|part| {
            let mut reader = part.open().unwrap();
            reader.by_ref().for_each(|b| drop(b.unwrap()));
            reader.stats().samples.clone()
        })
        .map(|issue| issue.line)
        .collect();
    assert_eq!(lines, [3, 8]);
}

//! The fuzzing entry points. Each target of `fuzz/` is one call to a function here, which runs
//! the library on arbitrary bytes and asserts an invariant: so a finding replays as an ordinary
//! test (`fuzz_regressions` in `tests/log/malformed.rs`) through exactly the code the fuzzer ran.
//! Not part of the API.

use crate::{
    Diagnosis, FlowField, FlowRecordBatch, KeyLayout, LineStats, LogFormat, LogObjectKey,
    ReaderBuilder,
};

/// Formats a header-less input may be given (AWS's documented custom formats), `None` first:
/// the `line` target's first byte picks one.
pub const FORMATS: &[Option<&str>] = &[
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

/// The `line` target: the first byte picks the format from [`FORMATS`], the rest is the text
/// given to [`read_text`].
pub fn line(data: &[u8]) {
    let Some((&selector, text)) = data.split_first() else {
        return;
    };
    read_text(text, FORMATS[usize::from(selector) % FORMATS.len()]);
}

/// Feeds arbitrary bytes through the reader as text (every code path of line framing and the
/// field parsers) and checks the accounting invariant: rows delivered equal rows counted, and
/// every physical line lands in exactly one bucket.
pub fn read_text(data: &[u8], format: Option<&str>) {
    let mut builder = ReaderBuilder::new()
        .with_batch_size(7)
        .with_max_line_length(256);
    if let Some(format) = format.and_then(|f| f.parse::<LogFormat>().ok()) {
        builder = builder.with_format(format);
    }
    let Ok(mut reader) = builder.build(data) else {
        return;
    };
    let mut rows = 0u64;
    for batch in reader.by_ref() {
        match batch {
            Ok(batch) => rows += batch.num_rows() as u64,
            Err(_) => return, // a refused header (TGW, invalid) ends the stream
        }
    }
    let stats = reader.stats();
    assert_eq!(stats.rows(), rows, "rows delivered must equal rows counted");
    assert_eq!(
        stats.lines(),
        physical_lines(data),
        "every line lands in exactly one bucket"
    );
    check_diagnosis(stats);
}

/// A diagnosis is made only of mostly malformed stats, and a guessed format has the field
/// count of the lines it was guessed from.
fn check_diagnosis(stats: &LineStats) {
    let Some(diagnosis) = stats.diagnose() else {
        return;
    };
    let data = stats.counts.data_lines();
    assert!(
        stats.counts.malformed * 2 > data,
        "{diagnosis:?} of {stats:?}"
    );
    let _ = diagnosis.to_string();
    match &diagnosis {
        Diagnosis::FieldCount {
            found,
            guess: Some(guess),
            ..
        } => assert_eq!(guess.len(), *found as usize, "{diagnosis:?}"),
        Diagnosis::WrongFormat {
            guess: Some(guess), ..
        } => assert!(
            guess.len() <= crate::diagnose::PROBE_TOKENS,
            "{diagnosis:?}"
        ),
        _ => {}
    }
}

/// Lines of `data` as the reader frames them: one per `\n`, plus an unterminated last line.
pub fn physical_lines(data: &[u8]) -> u64 {
    let newlines = memchr::memchr_iter(b'\n', data).count() as u64;
    newlines + u64::from(!data.is_empty() && !data.ends_with(b"\n"))
}

/// Parses arbitrary text as a format string: an accepted format prints as a string that parses
/// back to it.
pub fn parse_format(text: &str) {
    if let Ok(format) = text.parse::<LogFormat>() {
        let again: LogFormat = format
            .to_aws_string()
            .parse()
            .expect("a printed format parses");
        assert_eq!(again, format);
    }
}

/// The `decoder_chunks` target: the push decoder fed in chunks against the pull reader fed the
/// whole input — the same batches (batch for batch, byte for byte), the same line accounting,
/// the same error. The first three bytes choose the batch size (1 to 8), the line bound
/// (64 + byte) and, in the third, whether a projection is set (bit 0) and how many of the next
/// bytes (up to 16) are chunk sizes; the rest is the text.
pub fn decoder_chunks(data: &[u8]) {
    let [batch, bound, flags, sizes @ ..] = data else {
        return;
    };
    let chunk_count = usize::from(flags >> 1).min(sizes.len()).min(16);
    let (chunk_sizes, text) = sizes.split_at(chunk_count);
    let batch_size = usize::from(*batch % 8) + 1;
    let max_line = 64 + usize::from(*bound);
    let projected = flags & 1 == 1;
    let (pulled, pull_stats, pull_error) =
        pull(chunk_builder(batch_size, max_line, projected), text);
    let (pushed, push_stats, push_error) = push(
        chunk_builder(batch_size, max_line, projected),
        text,
        chunk_sizes,
    );
    assert_eq!(push_error, pull_error);
    if pull_error.is_none() {
        assert_eq!(push_stats, pull_stats);
        assert_eq!(pushed.len(), pulled.len());
        for (a, b) in pushed.iter().zip(&pulled) {
            assert_eq!(a.as_record_batch(), b.as_record_batch());
        }
        assert_eq!(pull_stats.lines(), physical_lines(text));
    }
}

fn chunk_builder(batch_size: usize, max_line: usize, projected: bool) -> ReaderBuilder {
    let builder = ReaderBuilder::new()
        .with_batch_size(batch_size)
        .with_max_line_length(max_line)
        .with_sample_limit(usize::MAX);
    if projected {
        builder.with_projection([
            FlowField::DstPort,
            FlowField::SrcAddr,
            FlowField::LogStatus,
            FlowField::TcpFlags,
        ])
    } else {
        builder
    }
}

type Outcome = (Vec<FlowRecordBatch>, LineStats, Option<String>);

fn pull(builder: ReaderBuilder, text: &[u8]) -> Outcome {
    let mut reader = builder.build(text).expect("a valid configuration");
    let mut batches = Vec::new();
    let mut error = None;
    for item in reader.by_ref() {
        match item {
            Ok(batch) => batches.push(batch),
            Err(err) => error = Some(err.to_string()),
        }
    }
    let stats = LineStats {
        bytes: 0,
        ..reader.stats().clone()
    };
    (batches, stats, error)
}

fn push(builder: ReaderBuilder, text: &[u8], chunk_sizes: &[u8]) -> Outcome {
    let mut decoder = builder.build_decoder().expect("a valid configuration");
    let mut batches = Vec::new();
    let mut pending = Vec::new();
    let mut rest = text;
    let mut sizes = chunk_sizes.iter().cycle();
    let mut run = || -> crate::Result<()> {
        while !rest.is_empty() {
            let size = sizes.next().map_or(rest.len(), |&s| usize::from(s).max(1));
            let (chunk, tail) = rest.split_at(size.min(rest.len()));
            rest = tail;
            pending.extend_from_slice(chunk);
            loop {
                let consumed = decoder.decode(&pending)?;
                pending.drain(..consumed);
                if decoder.is_full() {
                    batches.extend(decoder.flush()?);
                } else {
                    break;
                }
            }
        }
        decoder.finish(&pending, false)?;
        batches.extend(decoder.flush()?);
        Ok(())
    };
    let error = run().err().map(|err| err.to_string());
    (batches, decoder.stats().clone(), error)
}

/// The `gzip_object` target: a gzip object read by [`crate::open`]'s text path, inflated whole
/// (libdeflate) against streamed (flate2) — the same batches, byte for byte, the same line
/// accounting, the same error or refusal — and, both ways, every line of the text that came
/// out before an error counted once and every row delivered counted.
///
/// The first byte's bit 0 picks the object: the rest of the input as it is (the corpus holds
/// gzip objects), or a gzip member of the rest at level `first >> 4` (0–9), which bits 1–3
/// then damage with the next three bytes `a b c`: cut short, one byte flipped, junk appended,
/// split into two members, its ISIZE overwritten, or left whole.
///
/// The one difference allowed is the documented leniency of the whole path (`gunzip.rs`):
/// libdeflate takes a few invalid deflate codes zlib refuses; where the stream then stopped
/// at a corrupt member, the whole path may have read it.
pub fn gzip_object(data: &[u8]) {
    let [mode, a, b, c, rest @ ..] = data else {
        return;
    };
    let object = if mode & 1 == 0 {
        rest.to_vec()
    } else {
        damaged_member(rest, *mode, [*a, *b, *c])
    };
    let whole = read_object(&object, true);
    let stream = read_object(&object, false);
    let lenient = matches!(&stream, Ok((_, _, Some(err))) if err.contains("corrupt gzip"));
    if !lenient {
        assert_same(&whole, &stream);
    }
}

/// Asserts two reads of an object gave the same batches, accounting and error (or refusal).
fn assert_same(whole: &ObjectOutcome, stream: &ObjectOutcome) {
    match (whole, stream) {
        (Ok((wb, ws, we)), Ok((sb, ss, se))) => {
            assert_eq!(we, se);
            assert_eq!(ws, ss);
            assert_eq!(wb.len(), sb.len());
            for (w, s) in wb.iter().zip(sb) {
                assert_eq!(w.as_record_batch(), s.as_record_batch());
            }
        }
        (Err(w), Err(s)) => assert_eq!(w, s),
        _ => panic!("whole {whole:?}, streamed {stream:?}"),
    }
}

/// A gzip member of `text` at level `mode >> 4`, damaged as bits 1–3 of `mode` say.
fn damaged_member(text: &[u8], mode: u8, [a, b, c]: [u8; 3]) -> Vec<u8> {
    use std::io::Write as _;
    let gzip = |text: &[u8]| {
        let level = flate2::Compression::new(u32::from(mode >> 4).min(9));
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), level);
        encoder.write_all(text).expect("to memory");
        encoder.finish().expect("to memory")
    };
    let mut object = gzip(text);
    // A position in the object from two bytes.
    let at = |len: usize| (usize::from(a) << 8 | usize::from(b)) % len.max(1);
    match (mode >> 1) & 7 {
        1 => object.truncate(at(object.len())),
        2 => {
            let i = at(object.len());
            object[i] ^= c.max(1);
        }
        3 => object.extend(std::iter::repeat_n(c, usize::from(a % 17))),
        4 => {
            let (first, second) = text.split_at(at(text.len() + 1).min(text.len()));
            object = gzip(first);
            object.extend(gzip(second));
        }
        5 => {
            let end = object.len();
            object[end - 3..].copy_from_slice(&[a, b, c]);
        }
        _ => {}
    }
    object
}

type ObjectOutcome = std::result::Result<Outcome, String>;

/// `object` read by the text path of `open` (its size known), inflated whole or streamed; the
/// accounting invariants checked. `Err`: the object was refused when opened.
fn read_object(object: &[u8], whole: bool) -> ObjectOutcome {
    let builder = ReaderBuilder::new()
        .with_batch_size(5)
        .with_max_line_length(128)
        .with_sample_limit(usize::MAX)
        .with_source_label("object.log.gz")
        .with_whole_gzip(whole);
    let kind = crate::source::sniff(object);
    // As a file is read (`open`): through a buffer of the same size.
    let input = std::io::BufReader::with_capacity(
        crate::source::FILE_BUFFER,
        std::io::Cursor::new(object.to_vec()),
    );
    let reader =
        crate::source::open_text(kind, input, object.len() as u64, "object.log.gz", builder)
            .map_err(|err| err.to_string())?;
    let crate::SourceReader::Text(mut reader) = reader else {
        unreachable!("the text path gives a text reader");
    };
    let mut batches = Vec::new();
    let mut error = None;
    for item in reader.by_ref() {
        match item {
            Ok(batch) => batches.push(batch),
            Err(err) => error = Some(err),
        }
    }
    let stats = reader.stats().clone();
    let rows: u64 = batches.iter().map(|b| b.num_rows() as u64).sum();
    assert_eq!(stats.rows(), rows, "rows delivered must equal rows counted");
    // Without an error or cut short, the stream delivered all the text there is (an error
    // part way drops what flate2 inflated in the call that failed).
    let read_to_the_end = error
        .as_ref()
        .is_none_or(|err| matches!(err.kind(), crate::ErrorKind::Truncated { .. }));
    if read_to_the_end && kind == crate::InputKind::Gzip && !whole {
        // The text before the error, as the stream hands it over (the whole path is held to
        // the stream's outcome by the caller).
        let mut text = Vec::new();
        let _ = std::io::Read::read_to_end(
            &mut flate2::bufread::MultiGzDecoder::new(object),
            &mut text,
        );
        assert_eq!(stats.bytes, text.len() as u64);
        assert_eq!(
            stats.lines(),
            physical_lines(&text),
            "every line counted once"
        );
    }
    Ok((batches, stats, error.map(|err| err.to_string())))
}

/// The `object_key` target: arbitrary text as an S3 key or path. [`LogObjectKey::parse`] is
/// total (no panic); what it extracts is consistent (a real date, an hour below 24, a window
/// inside its date) and round-trips: a key written from the parsed parts, in the layout they
/// came from, parses back to the same parts.
pub fn object_key(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let key = LogObjectKey::parse(text);
    if let Some((y, m, d)) = key.date {
        assert!(crate::key::valid_date(y, m, d), "{key:?}");
    }
    assert!(key.hour.is_none_or(|h| h < 24), "{key:?}");
    if let Some((from, to)) = key.time_span() {
        assert!(from < to, "{key:?}");
    }
    if let Some(rebuilt) = rebuild_key(&key) {
        assert_eq!(LogObjectKey::parse(&rebuilt), key, "{rebuilt}");
    }
}

/// A key in canonical form with the parts of `key`, or `None` when a part cannot be written
/// back (a `_` in a part of the file name, which would split differently).
fn rebuild_key(key: &LogObjectKey) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    let account = key.account.as_deref();
    let region = key.region.as_deref();
    match key.layout {
        Some(KeyLayout::Plain) => {
            parts.push("AWSLogs".into());
            parts.push(account?.into());
            parts.push("vpcflowlogs".into());
            parts.push(region?.into());
            if let Some((y, m, d)) = key.date {
                parts.extend([format!("{y:04}"), format!("{m:02}"), format!("{d:02}")]);
                parts.extend(key.hour.map(|h| format!("{h:02}")));
            }
        }
        Some(KeyLayout::Hive) => {
            parts.push("AWSLogs".into());
            parts.push(format!("aws-account-id={}", account?));
            parts.push("aws-service=vpcflowlogs".into());
            parts.extend(region.map(|r| format!("aws-region={r}")));
            if let Some((y, m, d)) = key.date {
                parts.extend([
                    format!("year={y:04}"),
                    format!("month={m:02}"),
                    format!("day={d:02}"),
                ]);
            }
            parts.extend(key.hour.map(|h| format!("hour={h:02}")));
        }
        None => {}
    }
    let named_file = key.flow_log_id.is_some()
        || key.window_start.is_some()
        || (key.layout.is_none() && account.is_some());
    if named_file {
        let (account, region) = (account?, region?);
        let id = key.flow_log_id.as_deref().unwrap_or("x");
        if [account, region, id].iter().any(|p| p.contains('_')) {
            return None;
        }
        let stamp = key.window_start.map_or("x".to_owned(), window_stamp);
        parts.push(format!(
            "{account}_vpcflowlogs_{region}_{id}_{stamp}_0.log.gz"
        ));
    } else {
        parts.push("x.log".into());
    }
    Some(parts.join("/"))
}

/// `YYYYMMDDTHHmmZ` of a window start (Unix seconds).
fn window_stamp(start: i64) -> String {
    let (days, seconds) = (start.div_euclid(86_400), start.rem_euclid(86_400));
    let (y, m, d) = crate::key::civil_from_days(days);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}Z",
        seconds / 3600,
        seconds % 3600 / 60
    )
}

/// Flow-log text the `parquet_file` target writes as an AWS Parquet file before damaging it:
/// every log-status, both actions, IPv4 and IPv6, repeated addresses (so dictionaries repeat).
const PARQUET_TEXT: &str = "\
version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status tcp-flags
2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK 2
2 123456789010 eni-1235b8ca123456789 172.31.16.21 172.31.16.139 22 20641 6 20 4249 1418530010 1418530070 ACCEPT OK 18
2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK 0
2 123456789010 eni-1a2b3c4d - - - - - - - 1431280876 1431280934 - NODATA -
2 123456789010 eni-4b118871 - - - - - - - 1431280876 1431280934 - SKIPDATA -
2 123456789010 eni-1235b8ca123456789 2001:db8::1 2001:db8::2 443 51000 6 3 180 1418530010 1418530070 ACCEPT OK 19
2 123456789010 eni-1235b8ca123456789 172.31.16.139 198.51.100.7 0 0 1 1 84 1418530010 1418530070 ACCEPT OK 0
";

/// The `parquet_file` target. The first byte's bit 0 picks the input: set, the rest is a whole
/// Parquet file as it is; clear, `PARQUET_TEXT` is written as an AWS Parquet file (gzip,
/// AWS's column types, row groups of 1 to 4 rows as the second byte says) and then damaged by
/// the rest, read as (position: 2 bytes, value: 1 byte) triples.
///
/// The reader must never panic, and a file read to its end without an error accounts for every
/// row of every row group (delivered or malformed) with exactly the rows it delivered; read as
/// row-group parts, in reverse, it gives the same rows and accounting.
pub fn parquet_file(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let file = if mode & 1 == 1 {
        rest.to_vec()
    } else {
        let Some((&group_rows, edits)) = rest.split_first() else {
            return;
        };
        let mut file = aws_parquet(usize::from(group_rows % 4));
        for edit in edits.chunks_exact(3) {
            let at = usize::from(u16::from_le_bytes([edit[0], edit[1]])) % file.len();
            file[at] = edit[2];
        }
        file
    };
    let bytes = bytes::Bytes::from(file);
    let builder = || ReaderBuilder::new().with_source_label("fuzz.parquet");
    let Ok(reader) = crate::ParquetFlowReader::from_bytes(bytes.clone(), builder()) else {
        return;
    };
    let file_rows = reader.file_rows();
    let Some(whole) = read_parquet(reader) else {
        return;
    };
    assert_eq!(
        whole.stats.counts.data_lines(),
        file_rows,
        "every row of the file accounted once"
    );
    let Ok(reader) = crate::ParquetFlowReader::from_bytes(bytes, builder()) else {
        panic!("a file opened once opens again");
    };
    let Ok(parts) = reader.into_parts() else {
        return; // one row group: nothing to split
    };
    let mut read: Vec<(usize, ParquetRead)> = Vec::new();
    for part in parts.iter().rev() {
        let reader = part.open().expect("a part of a file read whole opens");
        let part_read = read_parquet(reader).expect("a part of a file read whole reads");
        read.push((part.row_group(), part_read));
    }
    read.sort_by_key(|(row_group, _)| *row_group);
    let mut stats = LineStats::default();
    let mut rows = Vec::new();
    for (_, part) in read {
        stats.merge(&part.stats, usize::MAX);
        rows.extend(part.batches);
    }
    assert_eq!(
        stats.counts, whole.stats.counts,
        "parts account as the whole"
    );
    assert_eq!(
        concat(&rows),
        concat(&whole.batches),
        "parts give the whole's rows"
    );
}

/// What reading a Parquet file to its end gave, or `None` if it ended with an error.
struct ParquetRead {
    stats: LineStats,
    batches: Vec<arrow_array::RecordBatch>,
}

fn read_parquet(mut reader: crate::ParquetFlowReader) -> Option<ParquetRead> {
    let mut batches = Vec::new();
    let mut rows = 0u64;
    for batch in reader.by_ref() {
        let batch = batch.ok()?;
        rows += batch.num_rows() as u64;
        batches.push(batch.as_record_batch().clone());
    }
    let stats = reader.stats().clone();
    assert_eq!(stats.rows(), rows, "rows delivered must equal rows counted");
    Some(ParquetRead { stats, batches })
}

fn concat(batches: &[arrow_array::RecordBatch]) -> Option<arrow_array::RecordBatch> {
    let first = batches.first()?;
    Some(arrow_select::concat::concat_batches(&first.schema(), batches).expect("one schema"))
}

/// [`PARQUET_TEXT`] as AWS writes Parquet flow logs, in row groups of 1 to 4 rows (`index` 0
/// to 3): written once per process (writing took nine tenths of an execution).
fn aws_parquet(index: usize) -> Vec<u8> {
    static FILES: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    FILES.get_or_init(|| (1..=4).map(write_aws_parquet).collect())[index].clone()
}

/// [`PARQUET_TEXT`] as AWS writes Parquet flow logs, `group_rows` rows a row group.
fn write_aws_parquet(group_rows: usize) -> Vec<u8> {
    let batch = ReaderBuilder::new()
        .build(PARQUET_TEXT.as_bytes())
        .expect("the text has a header")
        .next()
        .expect("the text has rows")
        .expect("the text parses");
    let mut out = Vec::new();
    let mut writer = crate::FlowParquetWriter::try_new_with(
        &mut out,
        batch.schema(),
        crate::ParquetCompression::Gzip,
        crate::AddressEncoding::Text,
        crate::ParquetTypes::Aws,
        Some(group_rows),
    )
    .expect("gzip is always built");
    writer.write(&batch).expect("the batch writes");
    writer.close().expect("the file closes");
    out
}

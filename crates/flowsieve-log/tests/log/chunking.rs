//! How the bytes arrive must not matter: the same input through the push decoder split at every
//! byte boundary, one byte at a time, through a 1-byte `Read`, and with batch sizes 1, 3 and
//! the default, with and without a projection, gives the same rows (batches concatenated), the
//! same batch sizes for the same batch-size setting, and the same line accounting.
//!
//! The inputs are every file of `testdata/logs` and `testdata/malformed`, plus `stress()`:
//! CRLF, blank lines, CloudWatch prefixes, a too-long line, a header changing the format
//! mid-stream and a last line without newline, in one text. The reference for each is the pull
//! reader given the whole input at once.

use flowsieve_log::{DEFAULT_BATCH_SIZE, FieldName, FlowField, ReaderBuilder};

use crate::common::{self, OneByte, Outcome, decode_chunks, read, read_from, rows, without_bytes};

/// The line bound of every read here: long enough for the longest documented line (the ECS
/// record, about 560 bytes), short enough that `stress()` has a line over it.
const MAX_LINE: usize = 1024;

/// Inputs of at most this many bytes are split at every byte boundary; longer ones at every
/// boundary in their first and last `EDGE` bytes and every `STRIDE`th in between. Projected
/// reads are split at every `STRIDE`th of those points (debug builds parse slowly, and the
/// projection changes which columns are built, not how lines are framed).
const SMALL: usize = 1024;
const EDGE: usize = 256;
const STRIDE: usize = 7;

fn stress() -> Vec<u8> {
    let docs = String::from_utf8(common::read_testdata("logs/flowlogs-v2-default-docs.log"))
        .expect("ASCII");
    let docs: Vec<&str> = docs.lines().collect();
    let mut text = String::new();
    text.push_str("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\r\n");
    for (i, line) in docs.iter().enumerate() {
        text.push_str(line);
        text.push_str(if i % 2 == 0 { "\r\n" } else { "\n" });
    }
    text.push('\n');
    text.push_str(&format!("2024-03-21T15:22:49.000Z {}\n", docs[1]));
    text.push_str("2 x\n");
    text.push_str(&format!(
        "2 123456789010 eni-{} - - - - - - - 1 2 - NODATA\n",
        "9".repeat(1500)
    ));
    text.push_str(&docs[0].replace(" 22 ", " 70000 "));
    text.push('\n');
    // A second object's header, with another format, concatenated.
    text.push_str("version interface-id srcaddr dstaddr srcport dstport protocol tcp-flags flow-direction log-status\n");
    text.push_str("5 eni-1 10.0.0.1 10.0.0.2 443 51000 6 18 egress OK\n");
    text.push_str("5 eni-1 10.0.0.2 10.0.0.1 51000 443 6 2 ingress OK\n");
    text.push_str("5 eni-2 - - - - - - - NODATA\n");
    text.push_str("5 eni-2 - - - - - - - SKIPDATA\n");
    text.push_str("5 eni-3 2001:db8::1 2001:db8::2 0 0 58 - - OK");
    text.into_bytes()
}

/// Every input: (name, bytes).
fn inputs() -> Vec<(String, Vec<u8>)> {
    let mut inputs = Vec::new();
    for dir in ["logs", "malformed"] {
        let mut names: Vec<String> = std::fs::read_dir(common::testdata(dir))
            .expect("a testdata folder")
            .map(|e| {
                e.expect("an entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .filter(|name| name.ends_with(".log"))
            .collect();
        names.sort();
        for name in names {
            let path = format!("{dir}/{name}");
            inputs.push((path.clone(), common::read_testdata(&path)));
        }
    }
    inputs.push(("stress".to_owned(), stress()));
    inputs
}

/// Fields asked for by the projected runs: some in every format, some in few, one unknown.
fn projection() -> Vec<FieldName> {
    vec![
        FlowField::DstPort.into(),
        FlowField::SrcAddr.into(),
        FlowField::TcpFlags.into(),
        FlowField::LogStatus.into(),
        FlowField::InterfaceId.into(),
        FieldName::parse("next-hop-vpc-id"),
    ]
}

/// What two reads must agree on: rows, batch sizes, accounting (bytes aside: the push decoder
/// reads none), and the error.
fn assert_same(context: &str, expected: &Outcome, actual: &Outcome, same_batches: bool) {
    assert_eq!(
        without_bytes(&actual.stats),
        without_bytes(&expected.stats),
        "{context}: stats"
    );
    assert_eq!(
        actual.error.as_ref().map(ToString::to_string),
        expected.error.as_ref().map(ToString::to_string),
        "{context}: error"
    );
    if same_batches {
        let sizes = |o: &Outcome| o.batches.iter().map(|b| b.num_rows()).collect::<Vec<_>>();
        assert_eq!(sizes(actual), sizes(expected), "{context}: batch sizes");
        let schemas = |o: &Outcome| o.batches.iter().map(|b| b.schema()).collect::<Vec<_>>();
        assert_eq!(schemas(actual), schemas(expected), "{context}: schemas");
        // Same schemas batch by batch: the values say the rest.
        let values = |o: &Outcome| o.batches.iter().flat_map(rows).collect::<Vec<_>>();
        assert_eq!(values(actual), values(expected), "{context}: rows");
    } else {
        assert_eq!(
            actual.named_rows(),
            expected.named_rows(),
            "{context}: rows"
        );
    }
}

/// The split points of an input: every boundary of a small one.
fn split_points(len: usize, projected: bool) -> Vec<usize> {
    (0..=len)
        .filter(|&k| len <= SMALL || k < EDGE || k + EDGE > len || k % STRIDE == 0)
        .enumerate()
        .filter(|(i, _)| !projected || i % STRIDE == 0)
        .map(|(_, k)| k)
        .collect()
}

fn builder(batch_size: usize, projected: bool) -> ReaderBuilder {
    let builder = ReaderBuilder::new()
        .with_batch_size(batch_size)
        .with_max_line_length(MAX_LINE)
        .with_sample_limit(usize::MAX);
    if projected {
        builder.with_projection(projection())
    } else {
        builder
    }
}

#[test]
fn every_split_and_read_size_gives_the_same_batches() {
    for (name, text) in inputs() {
        // The reference: the whole input through the pull reader, default batch size.
        let reference = read(builder(DEFAULT_BATCH_SIZE, false), &text);
        if reference.error.is_none() {
            // (The Transit Gateway file is refused at its header: there the stream stops.)
            assert_eq!(
                reference.stats.lines(),
                common::physical_lines(&text),
                "{name}"
            );
            assert_eq!(reference.stats.bytes, text.len() as u64, "{name}");
        }
        for projected in [false, true] {
            // (A projection may change the accounting of malformed lines: fields it does not
            // ask for are skipped unvalidated. So each projection has its own reference.)
            let unbatched = read(builder(DEFAULT_BATCH_SIZE, projected), &text);
            if !projected {
                assert_same(&name, &reference, &unbatched, true);
            }
            for batch_size in [1, 3, DEFAULT_BATCH_SIZE] {
                let context = format!("{name} (batch size {batch_size}, projected {projected})");
                let whole = read(builder(batch_size, projected), &text);
                assert_same(&context, &unbatched, &whole, false);
                for batch in &whole.batches {
                    assert!(batch.num_rows() <= batch_size, "{context}");
                }
                let one_byte_reads = read_from(builder(batch_size, projected), OneByte(&text));
                assert_same(
                    &format!("{context}, 1-byte reads"),
                    &whole,
                    &one_byte_reads,
                    true,
                );
                let one_chunk = decode_chunks(builder(batch_size, projected), [&text[..]]);
                assert_same(&format!("{context}, decoder"), &whole, &one_chunk, true);
                let bytes = decode_chunks(builder(batch_size, projected), text.chunks(1));
                assert_same(&format!("{context}, 1-byte chunks"), &whole, &bytes, true);
                // Every split point, at one batch size (3: batches end mid-input).
                if batch_size == 3 {
                    for k in split_points(text.len(), projected) {
                        let (a, b) = text.split_at(k);
                        let split = decode_chunks(builder(batch_size, projected), [a, b]);
                        assert_same(&format!("{context}, split at {k}"), &whole, &split, true);
                    }
                }
            }
        }
    }
}

#[test]
fn the_projected_schema_is_the_same_whatever_the_format() {
    // One projection, one schema: across the stress input's two formats, and across files.
    for (name, text) in inputs() {
        let outcome = read(builder(3, true), &text);
        for batch in &outcome.batches {
            let names = common::column_names(batch);
            assert_eq!(
                names,
                [
                    "dstport",
                    "srcaddr",
                    "tcp_flags",
                    "log_status",
                    "interface_id",
                    "next_hop_vpc_id"
                ],
                "{name}"
            );
            common::assert_flow_types(batch);
        }
    }
}

//! Gzip objects inflated whole (libdeflate) read exactly as the stream reads them: the same
//! rows, the same line accounting (every bucket, every sampled issue with its file and line),
//! the same error — for clean members and for everything the whole path hands to the stream
//! (several members, a trailer whose size lies, cuts, junk after the member, an empty object,
//! a corrupt byte, a header CRC) — and `open`'s refusals of binary and JSON content.

use std::io::Write;

use flowsieve_log::{ReaderBuilder, Source, open};

use crate::common::{self, Outcome, collect};

/// Text with varied records, a header, a malformed line, a NODATA and a SKIPDATA record, and a
/// line without its newline at the end.
fn text() -> Vec<u8> {
    let mut text = String::from(
        "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n",
    );
    for i in 0..3_000u32 {
        let line = match i % 500 {
            7 => "2 123456789010 eni-1 - - - - - - - 1418530010 1418530070 - NODATA\n".to_owned(),
            8 => "2 123456789010 eni-1 - - - - - - - 1418530010 1418530070 - SKIPDATA\n".to_owned(),
            9 => format!(
                "2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 {} 6 1 1 1 2 ACCEPT OK\n",
                70_000 + i
            ),
            _ => format!(
                "2 123456789010 eni-{:05x} 172.31.{}.{} 10.0.{}.{} {} {} 6 {} {} 1418530010 1418530070 {} OK\n",
                i % 97,
                i % 256,
                i % 199,
                i % 13,
                i % 251,
                1024 + i % 50_000,
                [22, 80, 443, 3306][i as usize % 4],
                i % 50 + 1,
                i * 37 % 100_000,
                if i % 5 == 0 { "REJECT" } else { "ACCEPT" },
            ),
        };
        text.push_str(&line);
    }
    text.push_str("2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 22 6 1 1 1 2 ACCEPT OK");
    text.into_bytes()
}

/// `bytes` written as `name` and read by `open` with the whole path allowed or not.
fn read(dir: &std::path::Path, name: &str, bytes: &[u8], whole: bool) -> Result<Outcome, String> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write the file");
    let source = Source::local(&path).expect("the file exists");
    let builder = ReaderBuilder::new()
        .with_batch_size(700)
        .with_whole_gzip(whole);
    let mut reader = open(&source, &builder).map_err(|err| err.to_string())?;
    Ok(collect(&mut reader, |r| r.stats().clone()))
}

/// Reads `bytes` both ways and asserts the same outcome; returns it.
fn same_both_ways(dir: &std::path::Path, name: &str, bytes: &[u8]) -> Result<Outcome, String> {
    let whole = read(dir, name, bytes, true);
    let stream = read(dir, name, bytes, false);
    match (&whole, &stream) {
        (Ok(whole), Ok(stream)) => {
            assert_eq!(whole.rendered(), stream.rendered(), "{name}: rows");
            assert_eq!(whole.columns(), stream.columns(), "{name}: columns");
            assert_eq!(whole.stats, stream.stats, "{name}: accounting");
            assert_eq!(
                whole.error.as_ref().map(ToString::to_string),
                stream.error.as_ref().map(ToString::to_string),
                "{name}: error"
            );
        }
        (Err(whole), Err(stream)) => assert_eq!(whole, stream, "{name}: refusal"),
        _ => panic!("{name}: whole {whole:?}, stream {stream:?}"),
    }
    whole
}

fn gzip_with(text: &[u8], level: u32) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
    encoder.write_all(text).expect("write to memory");
    encoder.finish().expect("finish in memory")
}

#[test]
fn a_clean_member_reads_as_the_stream_reads_it() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let text = text();
    for level in [0, 1, 6, 9] {
        let outcome =
            same_both_ways(dir.path(), "one.log.gz", &gzip_with(&text, level)).expect("opens");
        let outcome = outcome.ok();
        assert_eq!(outcome.stats.lines(), 3_002);
        assert_eq!(outcome.stats.bytes, text.len() as u64);
        assert_eq!(outcome.stats.counts.malformed, 6, "the out-of-range ports");
    }
}

#[test]
fn what_the_whole_path_refuses_reads_as_the_stream_reads_it() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let text = text();
    let object = common::gzip(&text);
    let (first, second) = text.split_at(text.len() / 3 + 5);
    let mut cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "members",
            [common::gzip(first), common::gzip(second)].concat(),
        ),
        ("twice", [object.clone(), object.clone()].concat()),
        (
            "empty member after",
            [object.clone(), common::gzip(b"")].concat(),
        ),
        ("empty", common::gzip(b"")),
        ("empty with junk", [common::gzip(b""), vec![0; 3]].concat()),
        ("zero junk", [object.clone(), vec![0]].concat()),
        (
            "text junk",
            [object.clone(), b"junk after the member".to_vec()].concat(),
        ),
        (
            "its trailer again",
            [object.clone(), object[object.len() - 8..].to_vec()].concat(),
        ),
    ];
    for lie in [text.len() as u32 + 1, text.len() as u32 - 1, 0, u32::MAX] {
        let mut liar = object.clone();
        let at = liar.len() - 4;
        liar[at..].copy_from_slice(&lie.to_le_bytes());
        cases.push(("size lies", liar));
    }
    let mut crc = object.clone();
    let at = crc.len() - 8;
    crc[at] ^= 1;
    cases.push(("crc", crc));
    let mut hcrc = object.clone();
    hcrc[3] |= 0x02;
    cases.push(("header crc flag", hcrc));
    for at in [object.len() / 3, object.len() / 2] {
        let mut corrupt = object.clone();
        corrupt[at] ^= 0x5a;
        cases.push(("corrupt", corrupt));
    }
    for (name, bytes) in &cases {
        let outcome = same_both_ways(dir.path(), "case.log.gz", bytes)
            .unwrap_or_else(|err| panic!("{name}: refused: {err}"));
        if ["members", "twice", "empty member after"].contains(name) {
            assert!(outcome.error.is_none(), "{name}");
        } else if !name.starts_with("empty") {
            assert!(outcome.error.is_some(), "{name}: no error");
        }
    }
    // Cut anywhere: the lines before the cut, then the same truncation error.
    for cut in (2..object.len())
        .step_by(97)
        .chain(object.len() - 9..object.len())
    {
        let outcome = same_both_ways(dir.path(), "cut.log.gz", &object[..cut]).expect("opens");
        assert!(outcome.error.is_some(), "cut at {cut}");
    }
}

#[test]
fn binary_and_json_objects_are_refused_as_the_stream_refuses_them() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let binary: Vec<u8> = (0..20_000u32).map(|i| (i * 7 % 256) as u8).collect();
    let err = same_both_ways(dir.path(), "binary.gz", &common::gzip(&binary)).unwrap_err();
    assert!(err.contains("binary"), "{err}");
    let json = b"  {\"messageType\": \"DATA_MESSAGE\", \"logEvents\": []}\n".repeat(100);
    let err = same_both_ways(dir.path(), "json.gz", &common::gzip(&json)).unwrap_err();
    assert!(err.contains("JSON"), "{err}");
}

#[test]
fn the_gzip_object_fuzz_target_holds_on_its_seeds() {
    let text = text();
    // Raw bytes: a member, a cut member, two members.
    let object = common::gzip(&text);
    for raw in [
        object.clone(),
        object[..object.len() / 2].to_vec(),
        [
            object.clone(),
            common::gzip(b"2 1 eni-1 - - - - - - - 1 2 - NODATA\n"),
        ]
        .concat(),
    ] {
        flowsieve_log::fuzzing::gzip_object(&[[0, 1, 2, 3].as_slice(), &raw].concat());
    }
    // The member the target writes, whole and damaged every way, at several positions.
    for mode in [0x61u8, 0x63, 0x65, 0x67, 0x69, 0x6b, 0x01, 0x93] {
        for (a, b, c) in [(0, 0, 0), (0x53, 0xd1, 7), (0xff, 0xff, 0xff), (1, 2, 3)] {
            flowsieve_log::fuzzing::gzip_object(&[[mode, a, b, c].as_slice(), &text].concat());
        }
    }
}

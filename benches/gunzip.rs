//! `gunzip/…` and `gzip_to_batches/…`: where the time of a gzip flow-log object goes, per core,
//! in bytes of *uncompressed* text per second.
//!
//! Input: the 32 MiB of v2 text of `benches/parse.rs` (same generator, same seed), compressed
//! as one gzip member at level 6 (zlib's default; AWS does not document its level).
//!
//! * `gunzip/zlib-rs`: flate2's `MultiGzDecoder` with the zlib-rs backend, streaming into a
//!   64 KiB buffer that is thrown away — what `flowsieve_log::open` does, minus the parsing.
//! * `gunzip/libdeflate`: libdeflate (`libdeflater`) decompressing the whole member at once into
//!   a buffer sized from the gzip trailer — its only mode: it needs the member's compressed and
//!   uncompressed bytes in memory together.
//! * `gzip_to_batches/v2/flowsieve`: `ReaderBuilder::build` over the streaming decoder, every v2
//!   column, as `flowsieve_log::open` sets it up (the same buffer sizes).
//!
//! The text → batches figure of the split is `parse/v2/flowsieve` in `benches/parse.rs`.

use std::hint::black_box;
use std::io::{BufReader, Read, Write};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use flate2::bufread::MultiGzDecoder;
use flowsieve_bench::{FlowTextFormat, flow_text};
use flowsieve_log::ReaderBuilder;

const TEXT_BYTES: usize = 32 << 20;
const SEED: u64 = 20_261_125;

fn zlib_rs(gz: &[u8]) -> usize {
    let mut decoder = MultiGzDecoder::new(gz);
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0;
    loop {
        let n = decoder.read(&mut buf).expect("gunzip");
        if n == 0 {
            return total;
        }
        black_box(&buf[..n]);
        total += n;
    }
}

fn libdeflate(decompressor: &mut libdeflater::Decompressor, gz: &[u8], out: &mut Vec<u8>) -> usize {
    // ISIZE: the uncompressed size modulo 2^32, the last four bytes of the member.
    let trailer: [u8; 4] = gz[gz.len() - 4..].try_into().expect("trailer");
    out.resize(u32::from_le_bytes(trailer) as usize, 0);
    let n = decompressor.gzip_decompress(gz, out).expect("libdeflate");
    black_box(&out[..n]);
    n
}

fn gzip_to_batches(gz: &[u8]) -> usize {
    // As `flowsieve_log::open`: a 64 KiB BufReader between the decoder and the line reader.
    let text = BufReader::with_capacity(64 * 1024, MultiGzDecoder::new(gz));
    let reader = ReaderBuilder::new().build(text).expect("reader");
    let mut rows = 0;
    for batch in reader {
        rows += black_box(batch.expect("batch")).num_rows();
    }
    rows
}

fn bench(c: &mut Criterion) {
    let input = flow_text(FlowTextFormat::V2, TEXT_BYTES, SEED);
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(&input.text).expect("gzip");
    let gz = encoder.finish().expect("gzip");
    eprintln!(
        "gunzip: {} bytes of text, {} gzip ({:.1}×)",
        input.text.len(),
        gz.len(),
        input.text.len() as f64 / gz.len() as f64
    );
    let expected_bytes = input.text.len();
    let expected_rows = input.lines;
    assert_eq!(zlib_rs(&gz), expected_bytes);
    let mut decompressor = libdeflater::Decompressor::new();
    let mut out = Vec::new();
    assert_eq!(libdeflate(&mut decompressor, &gz, &mut out), expected_bytes);
    assert_eq!(out, input.text);
    assert_eq!(gzip_to_batches(&gz), expected_rows);

    let mut group = c.benchmark_group("gunzip");
    group.throughput(Throughput::Bytes(expected_bytes as u64));
    group.sample_size(20);
    group.bench_function("zlib-rs", |b| {
        b.iter(|| assert_eq!(zlib_rs(&gz), expected_bytes))
    });
    group.bench_function("libdeflate", |b| {
        b.iter(|| assert_eq!(libdeflate(&mut decompressor, &gz, &mut out), expected_bytes))
    });
    group.finish();

    let mut group = c.benchmark_group("gzip_to_batches/v2");
    group.throughput(Throughput::Bytes(expected_bytes as u64));
    group.sample_size(20);
    group.bench_function("flowsieve", |b| {
        b.iter(|| assert_eq!(gzip_to_batches(&gz), expected_rows))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

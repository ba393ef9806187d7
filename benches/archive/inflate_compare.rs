//! Inflating real gzip flow-log objects on one thread, each way flowsieve could: MB/s of
//! decompressed text (MB = 10^6 bytes). The objects are read into memory first, so the disk is
//! not measured; each variant runs `--passes` times over all of them and the median pass is
//! printed.
//!
//! * `zlib-rs stream, dst N`: flate2's `MultiGzDecoder` on zlib-rs, a 256 KiB buffer of the
//!   compressed bytes before it and 64 KiB of text after it, read into a buffer of N bytes —
//!   `flowsieve_log::open` and the line reader (its 1 MiB buffer) are the `dst 1 MiB` row.
//! * `libdeflate whole`: libdeflate (`libdeflater`) inflating each object (one gzip member) at
//!   once into a buffer reused from object to object, sized by the trailer's ISIZE; `+ crc`
//!   adds the CRC-32 of the output that tells one member from several (`pages.rs`).
//!
//! ```text
//! archive-inflate-compare [--passes P] --files-from LIST
//! ```

use std::hint::black_box;
use std::io::{BufReader, Read};
use std::time::Instant;

use flate2::bufread::MultiGzDecoder;

fn stream(gz: &[u8], dst: &mut [u8]) -> usize {
    let mut text = BufReader::with_capacity(
        64 * 1024,
        MultiGzDecoder::new(BufReader::with_capacity(256 * 1024, gz)),
    );
    let mut total = 0;
    loop {
        let n = text.read(dst).expect("gunzip");
        if n == 0 {
            return total;
        }
        black_box(&dst[..n]);
        total += n;
    }
}

fn whole(
    inflater: &mut libdeflater::Decompressor,
    gz: &[u8],
    out: &mut Vec<u8>,
    crc: bool,
) -> usize {
    let isize: [u8; 4] = gz[gz.len() - 4..].try_into().expect("a trailer");
    let size = u32::from_le_bytes(isize) as usize;
    if out.len() < size {
        out.resize(size, 0);
    }
    let n = inflater
        .gzip_decompress(gz, &mut out[..size])
        .expect("libdeflate");
    assert_eq!(n, size);
    if crc {
        black_box(libdeflater::crc32(&out[..n]));
    }
    black_box(&out[..n]);
    n
}

fn main() {
    let mut passes = 5usize;
    let mut list = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--passes" => {
                passes = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--passes N")
            }
            "--files-from" => list = args.next(),
            other => panic!("unexpected argument {other:?}"),
        }
    }
    let list = std::fs::read_to_string(list.expect("--files-from LIST")).expect("the list");
    let objects: Vec<Vec<u8>> = list
        .lines()
        .filter(|l| !l.is_empty())
        .map(|path| std::fs::read(path).expect("an object"))
        .collect();
    let packed: usize = objects.iter().map(Vec::len).sum();
    let mut inflater = libdeflater::Decompressor::new();
    let mut out = Vec::new();
    let text: usize = objects
        .iter()
        .map(|gz| whole(&mut inflater, gz, &mut out, false))
        .sum();
    println!(
        "{} objects, {:.1} MB gzip, {:.1} MB text ({:.2}x)",
        objects.len(),
        packed as f64 / 1e6,
        text as f64 / 1e6,
        text as f64 / packed as f64
    );
    let run = |name: &str, f: &mut dyn FnMut(&[u8]) -> usize| {
        let mut secs: Vec<f64> = (0..passes)
            .map(|_| {
                let start = Instant::now();
                let n: usize = objects.iter().map(|gz| f(gz)).sum();
                assert_eq!(n, text, "{name}");
                start.elapsed().as_secs_f64()
            })
            .collect();
        secs.sort_by(f64::total_cmp);
        let median = secs[secs.len() / 2];
        println!(
            "{name:<28} {:>7.1} MB/s  (median {:.3} s, min {:.3}, max {:.3})",
            text as f64 / 1e6 / median,
            median,
            secs[0],
            secs[secs.len() - 1]
        );
    };
    for dst in [64 << 10, 128 << 10, 256 << 10, 1 << 20] {
        let mut buf = vec![0u8; dst];
        run(
            &format!("zlib-rs stream, dst {} KiB", dst >> 10),
            &mut |gz| stream(gz, &mut buf),
        );
    }
    run("libdeflate whole", &mut |gz| {
        whole(&mut inflater, gz, &mut out, false)
    });
    run("libdeflate whole + crc", &mut |gz| {
        whole(&mut inflater, gz, &mut out, true)
    });
    let texts: Vec<Vec<u8>> = objects
        .iter()
        .map(|gz| {
            let n = whole(&mut inflater, gz, &mut out, false);
            out[..n].to_vec()
        })
        .collect();
    let mut next = texts.iter().cycle();
    run("crc32 of the text alone", &mut |_| {
        let text = next.next().expect("a text");
        black_box(libdeflater::crc32(text));
        text.len()
    });
}

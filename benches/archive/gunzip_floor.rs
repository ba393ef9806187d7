//! The decompression floor of the archive benchmark (`benches/archive/run.sh`): decompresses
//! every flow-log object with the gzip backend flowsieve reads with (flate2's multi-member
//! decoder on zlib-rs, the same 256 KiB file buffer and 64 KiB text buffer as
//! `flowsieve_log::open`), on `--threads` rayon threads, and discards the text. No analysis of
//! the same objects can be faster than this on the same threads.
//!
//! ```text
//! archive-gunzip-floor [--threads T] --files-from LIST
//! ```
//!
//! Prints one JSON line: objects, compressed and decompressed bytes.

use std::fs::File;
use std::io::{BufReader, Read};

use flate2::bufread::MultiGzDecoder;
use rayon::prelude::*;

#[path = "args.rs"]
mod args;

fn main() {
    let args::Args { threads, files, .. } = args::parse("archive-gunzip-floor");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a rayon pool");
    let sizes: Vec<(u64, u64)> = pool.install(|| {
        files
            .par_iter()
            .map(|path| {
                let file = File::open(path).unwrap_or_else(|e| panic!("cannot open {path}: {e}"));
                let compressed = file.metadata().map(|m| m.len()).unwrap_or(0);
                let mut text = BufReader::with_capacity(
                    64 * 1024,
                    MultiGzDecoder::new(BufReader::with_capacity(256 * 1024, file)),
                );
                let mut buf = vec![0u8; 64 * 1024];
                let mut out = 0u64;
                loop {
                    match text.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => out += n as u64,
                        Err(e) => panic!("cannot decompress {path}: {e}"),
                    }
                }
                (compressed, out)
            })
            .collect()
    });
    let compressed: u64 = sizes.iter().map(|s| s.0).sum();
    let bytes: u64 = sizes.iter().map(|s| s.1).sum();
    println!(
        "{{\"files\": {}, \"compressed_bytes\": {compressed}, \"bytes\": {bytes}, \"threads\": {threads}}}",
        files.len()
    );
}

//! The decompression floor of the archive benchmark (`benches/archive/run.sh`): decompresses
//! every flow-log object the way flowsieve's reader does, on `--threads` rayon threads, and
//! discards the text. No analysis of the same objects can be faster than this on the same
//! threads.
//!
//! The way flowsieve reads (`flowsieve_log`'s `gunzip` module): an object of at most
//! [`WHOLE_PACKED_LIMIT`] bytes whose trailer claims at most [`WHOLE_TEXT_LIMIT`] bytes of text
//! is read whole and inflated by libdeflate in one call into a buffer kept per thread
//! (libdeflate checks the member's CRC-32 and size); anything else — and a member libdeflate
//! refuses — is streamed by flate2's multi-member decoder (zlib-rs) through the same 256 KiB
//! file buffer and 64 KiB text buffer. The floor does not repeat flowsieve's check that the
//! member is the whole object (a second CRC-32 pass and a search for the trailer): that is
//! flowsieve's cost, not the inflater's.
//!
//! ```text
//! archive-gunzip-floor [--threads T] --files-from LIST
//! ```
//!
//! Prints one JSON line: objects, compressed and decompressed bytes, and how many objects were
//! inflated whole.

use std::cell::RefCell;
use std::fs::File;
use std::io::{BufReader, Read};

use flate2::bufread::MultiGzDecoder;
use flowsieve_log::{WHOLE_PACKED_LIMIT, WHOLE_TEXT_LIMIT};
use rayon::prelude::*;

#[path = "args.rs"]
mod args;

thread_local! {
    /// This thread's libdeflate decompressor and its buffers of gzip and of text.
    static WHOLE: RefCell<(libdeflater::Decompressor, Vec<u8>, Vec<u8>)> =
        RefCell::new((libdeflater::Decompressor::new(), Vec::new(), Vec::new()));
}

/// An object's size in bytes, its text's, and whether it was inflated whole.
struct Inflated {
    compressed: u64,
    text: u64,
    whole: bool,
}

fn main() {
    let args::Args { threads, files, .. } = args::parse("archive-gunzip-floor");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a rayon pool");
    let sizes: Vec<Inflated> = pool.install(|| files.par_iter().map(|p| inflate(p)).collect());
    let compressed: u64 = sizes.iter().map(|s| s.compressed).sum();
    let bytes: u64 = sizes.iter().map(|s| s.text).sum();
    let whole = sizes.iter().filter(|s| s.whole).count();
    println!(
        "{{\"files\": {}, \"compressed_bytes\": {compressed}, \"bytes\": {bytes}, \
         \"inflated_whole\": {whole}, \"threads\": {threads}}}",
        files.len()
    );
}

/// Decompresses one object: whole with libdeflate when flowsieve would, else as a stream.
fn inflate(path: &str) -> Inflated {
    let compressed = std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("cannot open {path}: {e}"))
        .len();
    if compressed <= WHOLE_PACKED_LIMIT as u64
        && let Some(text) = inflate_whole(path)
    {
        return Inflated {
            compressed,
            text,
            whole: true,
        };
    }
    Inflated {
        compressed,
        text: inflate_stream(path),
        whole: false,
    }
}

/// The object's text size, if it is one gzip member within the limits that libdeflate takes.
fn inflate_whole(path: &str) -> Option<u64> {
    WHOLE.with(|whole| {
        let (inflater, packed, text) = &mut *whole.borrow_mut();
        packed.clear();
        File::open(path)
            .and_then(|mut f| f.read_to_end(packed))
            .unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
        let (_, isize) = packed.split_last_chunk::<4>()?;
        let len = u32::from_le_bytes(*isize) as usize;
        if len == 0 || len > WHOLE_TEXT_LIMIT {
            return None;
        }
        if text.len() < len {
            text.resize(len, 0);
        }
        let n = inflater.gzip_decompress(packed, &mut text[..len]).ok()?;
        (n == len).then_some(len as u64)
    })
}

/// The object's text size, decompressed as a stream by flate2 (zlib-rs).
fn inflate_stream(path: &str) -> u64 {
    let file = File::open(path).unwrap_or_else(|e| panic!("cannot open {path}: {e}"));
    let mut text = BufReader::with_capacity(
        64 * 1024,
        MultiGzDecoder::new(BufReader::with_capacity(256 * 1024, file)),
    );
    let mut buf = vec![0u8; 64 * 1024];
    let mut out = 0u64;
    loop {
        match text.read(&mut buf) {
            Ok(0) => return out,
            Ok(n) => out += n as u64,
            Err(e) => panic!("cannot decompress {path}: {e}"),
        }
    }
}

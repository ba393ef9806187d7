//! The push decoder fed in chunks against the pull reader fed the whole input: the same
//! batches (batch for batch, byte for byte), the same line accounting, the same error, every
//! physical line counted once. The first bytes choose the batch size, the line bound, whether a
//! projection is set, and the chunk sizes; the rest is the text
//! (`flowsieve_log::fuzzing::decoder_chunks`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| flowsieve_log::fuzzing::decoder_chunks(data));

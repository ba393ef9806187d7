//! A gzip object read by `open`'s text path inflated whole (libdeflate) against streamed
//! (flate2): the same batches, accounting and error; every line counted once. The first byte
//! picks raw bytes or a member of the rest damaged as the next three bytes say
//! (`flowsieve_log::fuzzing::gzip_object`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| flowsieve_log::fuzzing::gzip_object(data));

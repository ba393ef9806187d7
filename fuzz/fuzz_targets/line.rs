//! Whole flow-log text through the reader: line framing, header detection, CloudWatch prefixes,
//! BOMs, every field parser, the line bound and the accounting invariant (checked inside
//! `flowsieve_log::fuzzing::line`). The first byte picks the format given for header-less
//! input — none (the default v2), or one of AWS's documented custom formats — the rest is the
//! text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| flowsieve_log::fuzzing::line(data));

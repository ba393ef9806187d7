//! The inventory loaders: arbitrary bytes as one JSON file of any kind flowsieve-sg reads (AWS
//! CLI output, `terraform show -json`); no panic, deterministic loading, unique non-empty ids,
//! canonical rules, a matcher that builds (`flowsieve_sg::fuzzing::inventory`). The first byte
//! picks the file name.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| flowsieve_sg::fuzzing::inventory(data));

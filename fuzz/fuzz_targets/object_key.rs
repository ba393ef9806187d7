//! S3 keys and paths (`LogObjectKey::parse`): never panics, extracts a real date, hour and
//! window, and a key written back from the parsed parts parses to the same parts
//! (`flowsieve_log::fuzzing::object_key`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| flowsieve_log::fuzzing::object_key(data));

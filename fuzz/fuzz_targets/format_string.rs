//! The format-string parser (`${version} ${account-id} …`, `$${…}`, header form): never panics,
//! and a format it accepts prints as a string that parses back to the same format (checked
//! inside `parse_format`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        flowsieve_log::fuzzing::parse_format(text);
    }
});

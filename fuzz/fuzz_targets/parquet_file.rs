//! AWS Parquet flow logs read from arbitrary bytes, or from a valid file damaged at places the
//! input chooses: no panic; a file read to its end accounts for every row of its row groups;
//! its row groups read apart, in reverse, give the same rows and accounting
//! (`flowsieve_log::fuzzing::parquet_file`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| flowsieve_log::fuzzing::parquet_file(data));

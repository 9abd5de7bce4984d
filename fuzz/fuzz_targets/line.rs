#![no_main]
//! The line parser and the whole verifier on arbitrary bytes: never panics,
//! and chunking never changes the report.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    onus::fuzzing::line(data);
});

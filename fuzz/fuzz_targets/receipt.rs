#![no_main]
//! The receipt parser and verifier on arbitrary bytes.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    onus::fuzzing::receipt(data);
});

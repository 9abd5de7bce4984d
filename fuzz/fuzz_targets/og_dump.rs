#![no_main]
//! OpenGradient: the batch dump reader and tree checks on arbitrary bytes.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    onus::fuzzing::og_dump(data);
});

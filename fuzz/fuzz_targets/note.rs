#![no_main]
//! The signed-note / checkpoint parser on arbitrary text.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    onus::fuzzing::note(data);
});

#![no_main]
//! OpenGradient: the SSE capture reader on arbitrary bytes.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    onus::fuzzing::og_sse(data);
});

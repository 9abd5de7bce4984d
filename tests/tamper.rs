//! Property: flipping any single byte of a sealed demo trace never leaves it `verified`.

use onus::{verify_bytes, Options, Status};
use proptest::prelude::*;

fn demo(n: u64) -> Vec<u8> {
    let mut out = Vec::new();
    onus::demo::write_demo(&mut out, n, 3, 1, |_| {}).unwrap();
    assert_eq!(verify_bytes(&out, Options::default()).status, Status::Verified);
    out
}

fn flipped(trace: &[u8], at: usize, xor: u8) -> Status {
    let mut t = trace.to_vec();
    t[at] ^= xor;
    verify_bytes(&t, Options::default()).status
}

#[test]
fn every_byte_flipped_by_one_bit_fails() {
    let trace = demo(12);
    for at in 0..trace.len() {
        assert_ne!(flipped(&trace, at, 0x01), Status::Verified, "flip of byte {at} ({:?}) went unnoticed", trace[at] as char);
    }
}

#[test]
fn line_endings_turned_into_white_space_fail() {
    let trace = demo(12);
    for (at, _) in trace.iter().enumerate().filter(|(_, &b)| b == b'\n') {
        for to in [b' ', b'\t', b'\r'] {
            assert_ne!(flipped(&trace, at, b'\n' ^ to), Status::Verified, "newline {at} -> {to:?}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]
    #[test]
    fn any_byte_any_flip_fails(pos in 0usize..1_000_000, xor in 1u8..=255) {
        let trace = TRACE.with(|t| t.clone());
        let at = pos % trace.len();
        prop_assert_ne!(flipped(&trace, at, xor), Status::Verified, "byte {} xor {:#x}", at, xor);
    }
}

thread_local! {
    static TRACE: Vec<u8> = demo(30);
}

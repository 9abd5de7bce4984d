//! Entry points for the fuzz targets (fuzz/) and their regression replays
//! (tests/fuzz_regressions.rs). Each must never panic on any input.

use crate::{note, receipt, statement, verify};

/// The verifier on arbitrary bytes; streaming in two chunks gives the same report.
pub fn line(data: &[u8]) {
    let whole = verify::verify_bytes(data, verify::Options::default());
    let cut = data.first().map_or(0, |&b| b as usize % (data.len() + 1));
    let mut v = verify::Verifier::new(verify::Options::default());
    v.push(&data[..cut]);
    v.push(&data[cut..]);
    assert_eq!(v.finish(), whole, "chunking changed the report");
    let _ = statement::parse_statement(data);
}

/// The signed-note and vkey parsers on arbitrary text.
pub fn note(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = note::parse_checkpoint(text);
    let _ = note::verify_checkpoint(text, "example.org/log", &crate::types::Key([7; 32]));
    let _ = note::parse_vkey(text);
}

/// The receipt parser and verifier on arbitrary bytes.
pub fn receipt(data: &[u8]) {
    let _ = receipt::verify_receipt(data, None);
    let _ = receipt::verify_receipt(data, Some(&crate::types::Key([7; 32])));
}

/// The OpenGradient batch dump reader and checks on arbitrary bytes (as FILE, with and without a root).
#[cfg(feature = "og")]
pub fn og_dump(data: &[u8]) {
    let _ = crate::og::verify(&crate::og::Inputs { file: data, ..Default::default() });
    let _ = crate::og::verify(&crate::og::Inputs { file: data, root: Some("00".repeat(32).as_str()), ..Default::default() });
}

/// The SSE capture reader on arbitrary text, and the whole check of it.
#[cfg(feature = "og")]
pub fn og_sse(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = crate::og::sse::parse(text);
    let _ = crate::og::verify(&crate::og::Inputs { file: data, ..Default::default() });
}

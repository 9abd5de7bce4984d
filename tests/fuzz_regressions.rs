//! Replays every input under fuzz/regressions/TARGET/ (seeds and crashes found
//! by fuzzing) through the same entry points the fuzz targets use.

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions").join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        run(&std::fs::read(&path).unwrap());
        n += 1;
    }
    assert!(n > 0, "no inputs in {}", dir.display());
}

#[test]
fn line_inputs() {
    replay("line", onus::fuzzing::line);
}
#[test]
fn note_inputs() {
    replay("note", onus::fuzzing::note);
}
#[test]
fn receipt_inputs() {
    replay("receipt", onus::fuzzing::receipt);
}
#[cfg(feature = "og")]
#[test]
fn og_dump_inputs() {
    replay("og_dump", onus::fuzzing::og_dump);
}
#[cfg(feature = "og")]
#[test]
fn og_sse_inputs() {
    replay("og_sse", onus::fuzzing::og_sse);
}

//! Ids kept as keyed fingerprints (`Options::fingerprint_key`, FORMAT.md
//! section 3 "Ids in memory"): the report is the full-id report to the byte,
//! including the ids findings name for statements long gone from memory,
//! which the driver reads back from the file.

mod common;

use common::{key, Trace};
use onus::statement::Id;
use onus::verify::{FingerprintKey, Options, Verifier, RECENT_IDS};
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

const OUT_A: &str = "6666666666666666666666666666666666666666666666666666666666666666";
const OUT_B: &str = "7777777777777777777777777777777777777777777777777777777777777777";

/// Findings at the start name ids that are old by the end of the trace:
/// - statement 2, a compute that a compute answering the same request
///   contradicts {RECENT_IDS + 100} statements later (`anomaly.silent-disagreement`);
/// - statement 3, with a dangling ref (`ref.dangling`);
/// - statement 5, the first one the largest valid checkpoint leaves out
///   (`trace.unsealed`): that checkpoint (size 5) comes at the very end, so its
///   root, too, needs the trace read again.
fn old_findings() -> Trace {
    let mut t = Trace::new();
    let req = t.add(&key(1), "request", &[], r#"{"model":"m","input":"5555555555555555555555555555555555555555555555555555555555555555"}"#);
    t.add(&key(2), "compute", &[req], &format!(r#"{{"output":"{OUT_A}"}}"#));
    t.add(&key(1), "request", &[Id([0xee; 32])], r#"{"model":"m","input":"4444444444444444444444444444444444444444444444444444444444444444"}"#);
    t.seal(); // size 4
    for i in 0..RECENT_IDS + 100 {
        t.add(&key(1), "request", &[], &format!(r#"{{"model":"m","input":"{i:064x}"}}"#));
    }
    t.add(&key(5), "compute", &[req], &format!(r#"{{"output":"{OUT_B}"}}"#));
    let n = t.note(5);
    t.checkpoint_note(&n);
    t
}

fn json(r: &onus::Report) -> Value {
    serde_json::to_value(r).unwrap()
}

fn finding<'a>(r: &'a Value, code: &str) -> &'a Value {
    r["findings"].as_array().unwrap().iter().find(|f| f["code"] == code).unwrap_or_else(|| panic!("no {code} in {}", r["findings"]))
}

/// Every id and every leaf kept: nothing to read again.
fn full_report(text: &str) -> Value {
    json(&onus::verify_bytes(text.as_bytes(), Options { keep_leaves: true, ..Options::default() }))
}

const KEY: FingerprintKey = FingerprintKey([0x42; 32]);

#[test]
fn old_ids_are_read_back_and_the_report_is_the_full_id_one() {
    let text = old_findings().text();
    let full = full_report(&text);
    let id_at = |i: usize| text.lines().filter(|l| !l.starts_with("{\"checkpoint\"")).nth(i).map(|l| onus::statement::id_to_hex(&onus::statement::parse_statement(l.as_bytes()).unwrap().id)).unwrap();
    assert_eq!(finding(&full, "anomaly.silent-disagreement")["index"], 2);
    assert_eq!(finding(&full, "anomaly.silent-disagreement")["id"], id_at(2));
    assert_eq!(finding(&full, "ref.dangling")["id"], id_at(3));
    assert_eq!(finding(&full, "trace.unsealed")["index"], 5, "the size-5 checkpoint seals once its root is read back");
    assert_eq!(finding(&full, "trace.unsealed")["id"], id_at(5));

    // Fingerprints, reading the trace again as the CLI does for a file.
    let mut v = Verifier::new(Options { fingerprint_key: Some(KEY), ..Options::default() });
    v.push(text.as_bytes());
    assert_eq!(v.missing_ids(), vec![2, 5], "the old ids findings name, and only those");
    let mut replay = v.replay().expect("something to read again");
    for chunk in text.as_bytes().chunks(4096) {
        replay.push(chunk);
        if replay.done() {
            break;
        }
    }
    assert!(replay.done(), "statements 2 and 5 and the size-5 root are all near the start");
    v.supply(replay.finish());
    assert_eq!(json(&v.finish()), full);

    // Without reading again: the same checks, but the old ids are not at hand
    // and the old checkpoint cannot be checked.
    let mut v = Verifier::new(Options { fingerprint_key: Some(KEY), ..Options::default() });
    v.push(text.as_bytes());
    let r = json(&v.finish());
    assert_eq!(finding(&r, "anomaly.silent-disagreement")["id"], Value::Null);
    assert_eq!(finding(&r, "ref.dangling")["id"], id_at(3), "a ref keeps its statement's id itself");
    assert_eq!(finding(&r, "checkpoint.uncheckable")["line"], full["lines"]);
    assert_eq!(finding(&r, "trace.unsealed")["index"], 4);
    assert_eq!(finding(&r, "trace.unsealed")["id"], id_at(4), "wanted before it came, so kept");
}

#[test]
fn a_wrong_id_read_back_is_not_taken() {
    let text = old_findings().text();
    let mut v = Verifier::new(Options { fingerprint_key: Some(KEY), ..Options::default() });
    v.push(text.as_bytes());
    v.supply_id(2, Id([0xee; 32]));
    assert_eq!(v.missing_ids(), vec![2, 5]);
}

#[test]
fn the_cli_gives_the_full_id_report_from_a_file_and_from_a_stream() {
    let text = old_findings().text();
    let full = full_report(&text);
    let dir = std::env::temp_dir().join(format!("onus-fingerprints-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("old.jsonl");
    std::fs::write(&p, &text).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_onus")).args(["verify", "--json", p.to_str().unwrap()]).output().unwrap();
    assert_eq!(serde_json::from_slice::<Value>(&o.stdout).unwrap(), full, "{}", String::from_utf8_lossy(&o.stderr));

    let mut child = Command::new(env!("CARGO_BIN_EXE_onus")).args(["verify", "--json", "-"]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let piped = child.wait_with_output().unwrap();
    assert_eq!(serde_json::from_slice::<Value>(&piped.stdout).unwrap(), full);
    std::fs::remove_dir_all(&dir).unwrap();
}

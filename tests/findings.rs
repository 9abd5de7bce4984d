//! One negative test (at least) for every finding code, asserting the exact
//! code, line and statement index; plus the status rules of FORMAT.md section 7.

mod common;
use common::*;
use onus::report::{Code, Severity, Status};
use onus::types::{Hash, Id, Key, Sig};
use onus::verify::KnownCheckpoint;
use onus::Options;

fn sealed() -> Trace {
    let mut t = Trace::new();
    let req = t.add(&key(1), "request", &[], r#"{"model":"m","input":"1111111111111111111111111111111111111111111111111111111111111111"}"#);
    t.add(&key(2), "compute", &[req], r#"{"output":"2222222222222222222222222222222222222222222222222222222222222222"}"#);
    t.seal();
    t
}

#[test]
fn a_clean_sealed_trace_verifies() {
    let r = sealed().verify();
    assert_eq!(r.status, Status::Verified, "{:?}", codes(&r));
    assert!(r.findings.is_empty());
    assert_eq!((r.statements, r.checkpoints, r.lines), (3, 1, 4));
    assert_eq!(r.origin.as_deref(), Some(ORIGIN));
    assert_eq!(r.sealed.as_ref().unwrap().size, 3);
}

#[test]
fn trace_empty() {
    for text in ["", "\n\n"] {
        let r = onus::verify_bytes(text.as_bytes(), Options::default());
        assert_eq!(r.status, Status::Failed);
        has(&r, "trace.empty", 0, None);
    }
}

#[test]
fn trace_unsealed() {
    let mut t = sealed();
    t.add(&key(1), "request", &[], r#"{"model":"m","input":"3333333333333333333333333333333333333333333333333333333333333333"}"#);
    let r = t.verify();
    assert_eq!(r.status, Status::Unsealed);
    has(&r, "trace.unsealed", 5, Some(3));
    // No checkpoint at all: everything is unsealed.
    let mut u = Trace::new();
    u.add(&key(1), "request", &[], r#"{"model":"m","input":"3333333333333333333333333333333333333333333333333333333333333333"}"#);
    has(&u.verify(), "trace.unsealed", 1, Some(0));
}

#[test]
fn statement_malformed_for_every_reason() {
    let good = sealed().lines[1].clone();
    let cases: Vec<(String, &str)> = vec![
        ("not json".into(), "not a JSON value"),
        ("[1,2]".into(), "JSON object"),
        (good.replacen("{", "{\"v\":1,", 1), "duplicate member"),
        (good.replacen("{", "{\"extra\":1,", 1), "unknown member"),
        (good.replace("\"v\":1", "\"v\":2"), "integer 1"),
        (good.replace("\"v\":1", "\"v\":1.0"), "fraction"),
        (good.replace("\"model\":\"m\"", "\"model\":\"m\",\"n\":9007199254740992"), "2^53"),
        (good.replace("\"kind\":\"request\"", "\"kind\":\"Request\""), "lowercase word"),
        (good.replace("Z\",\"v\"", "+00:00\",\"v\""), "RFC 3339"),
        (good.replacen("\"actor\":\"", "\"actor\":\"x", 1), "43 base64url"),
        (good.replacen("\"sig\":\"", "\"sig\":\"x", 1), "86 base64url"),
        (good.replace("\"refs\":[]", "\"refs\":[\"abc\"]"), "64 lowercase hex"),
        (good.replace("\"refs\":[]", &format!("\"refs\":[{}]", vec![format!("\"{}\"", "a".repeat(64)); 65].join(","))), "at most 64"),
        (good.replace("\"body\":{", "\"body\":[{").replace("},\"kind\"", "}],\"kind\""), "must be an object"),
        (format!("\u{feff}{good}"), "BOM"),
        (format!(" {good}"), "white space"),
        (format!("{{\"pad\":\"{}\"}}", "x".repeat(1 << 20)), "1 MiB"),
        (good.replacen("request", "req\u{0}", 1), "control character"),
    ];
    for (line, why) in cases {
        let mut t = sealed();
        t.lines.insert(2, line.clone());
        let r = t.verify();
        assert_eq!(r.status, Status::Failed, "{why}");
        let f: Vec<_> = r.findings.iter().filter(|f| f.code == Code::StatementMalformed).collect();
        assert_eq!(f.len(), 1, "{why}: {:?}", codes(&r));
        assert_eq!((f[0].line, f[0].index), (Some(3), Some(2)), "{why}");
        assert!(f[0].message.contains(why), "{why}: {}", f[0].message);
        // The malformed line keeps its slot: the checkpoint (now covering it) cannot be checked.
        assert!(r.findings.iter().any(|f| f.code == Code::CheckpointUncheckable || f.code == Code::CheckpointRootMismatch), "{why}: {:?}", codes(&r));
    }
    // Invalid UTF-8.
    let mut text = sealed().text().into_bytes();
    text.splice(0..0, b"{\"a\":\"\xff\"}\n".iter().copied());
    let r = onus::verify_bytes(&text, Options::default());
    assert!(r.findings.iter().any(|f| f.code == Code::StatementMalformed && f.line == Some(1) && f.message.contains("UTF-8")));
}

#[test]
fn a_changed_line_ending_is_malformed() {
    let t = sealed();
    let text = t.text();
    let cr_at_end = format!("{}\r", &text[..text.len() - 1]);
    let r = onus::verify_bytes(cr_at_end.as_bytes(), Options::default());
    assert!(r.findings.iter().any(|f| f.code == Code::StatementMalformed && f.line == Some(4)), "{:?}", codes(&r));
    // \r\n endings throughout are fine.
    let crlf = text.replace('\n', "\r\n");
    assert_eq!(onus::verify_bytes(crlf.as_bytes(), Options::default()).status, Status::Verified);
}

#[test]
fn statement_signature_invalid() {
    let mut t = sealed();
    // Re-sign line 2 with a different key but keep the actor: the signature no longer verifies.
    let line = t.lines[1].clone();
    let other = statement_sig_by(&key(9), &line);
    t.lines[1] = other;
    let r = t.verify();
    assert_eq!(r.status, Status::Failed);
    has(&r, "statement.signature.invalid", 2, Some(1));
    // A small-order (weak) actor key is refused even with a "valid" signature.
    let weak = "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"; // the identity point
    let mut t2 = sealed();
    let forged = t2.lines[1].replace(&pk(&key(1)), weak);
    t2.lines[1] = forged;
    let r2 = t2.verify();
    has(&r2, "statement.signature.invalid", 2, Some(1));
    assert!(r2.findings.iter().any(|f| f.message.contains("not a valid Ed25519 key")));
}

/// The same statement with the signature of another key over its id.
fn statement_sig_by(k: &ed25519_dalek::SigningKey, line: &str) -> String {
    use ed25519_dalek::Signer;
    let st = onus::statement::parse_statement(line.as_bytes()).unwrap();
    let sig = onus::statement::sig_to_string(&Sig(k.sign(&st.id.0).to_bytes()));
    line.replace(&onus::statement::sig_to_string(&st.sig), &sig)
}

#[test]
fn statement_duplicate() {
    let mut t = sealed();
    let dup = t.lines[1].clone();
    t.push_line(dup);
    t.seal();
    let r = t.verify();
    has(&r, "statement.duplicate", 5, Some(3));
    assert_eq!(r.status, Status::Verified, "a duplicate is a warning");
}

#[test]
fn log_genesis_invalid() {
    let mut t = Trace::new();
    t.lines.clear();
    t.leaves.clear();
    t.add(&key(1), "request", &[], r#"{"model":"m","input":"1111111111111111111111111111111111111111111111111111111111111111"}"#);
    t.seal();
    let r = t.verify();
    has(&r, "log.genesis.invalid", 1, Some(0));
    has(&r, "checkpoint.uncheckable", 2, None);
    // A log statement whose body is invalid.
    let mut u = Trace { log: key(100), lines: vec![], leaves: vec![], time: T0 };
    let log = u.log.clone();
    u.add(&log, "log", &[], r#"{"origin":"has space","roster":[]}"#);
    has(&u.verify(), "log.genesis.invalid", 1, Some(0));
}

#[test]
fn log_key_mismatch() {
    let t = sealed();
    let r = t.verify_with(Options { log_key: Some(Key::of(&key(7))), ..Options::default() });
    assert_eq!(r.status, Status::Failed);
    has(&r, "log.key.mismatch", 1, Some(0));
    let ok = t.verify_with(Options { log_key: Some(Key::of(&t.log)), ..Options::default() });
    assert_eq!(ok.status, Status::Verified);
}

#[test]
fn log_repeated_and_roster_unauthorized() {
    let mut t = sealed();
    let log = t.log.clone();
    t.add(&log, "log", &[], &format!(r#"{{"origin":"{ORIGIN}","roster":[]}}"#));
    t.add(&key(1), "roster", &[], &format!(r#"{{"add":[{{"key":"{}","name":"mallory","role":"compute"}}],"remove":[]}}"#, pk(&key(8))));
    t.add(&key(8), "compute", &[], r#"{"output":"2222222222222222222222222222222222222222222222222222222222222222"}"#);
    t.seal();
    let r = t.verify();
    has(&r, "log.repeated", 5, Some(3));
    has(&r, "roster.unauthorized", 6, Some(4));
    // Mallory was not added, so her statement is unrecognized.
    has(&r, "actor.unrecognized", 7, Some(5));
    assert_eq!(r.status, Status::Verified);
}

#[test]
fn roster_changes_by_the_log_key_apply() {
    let mut t = sealed();
    let log = t.log.clone();
    t.add(&log, "roster", &[], &format!(r#"{{"add":[{{"key":"{}","name":"node-9","role":"compute"}}],"remove":["{}"]}}"#, pk(&key(8)), pk(&key(2))));
    t.add(&key(8), "compute", &[], r#"{"output":"2222222222222222222222222222222222222222222222222222222222222222"}"#);
    t.add(&key(2), "compute", &[], r#"{"output":"2222222222222222222222222222222222222222222222222222222222222222"}"#);
    t.seal();
    let r = t.verify();
    has(&r, "actor.unrecognized", 7, Some(5));
    assert_eq!(r.findings.iter().find(|f| f.code == Code::ActorUnrecognized).unwrap().severity, Severity::Info);
    assert!(r.roster.iter().any(|m| m.name == "node-9" && !m.removed));
    assert!(r.roster.iter().any(|m| m.name == "compute-1" && m.removed));
}

#[test]
fn ref_dangling_and_forward() {
    let mut t = sealed();
    let missing = Id([0xab; 32]);
    t.add(&key(2), "compute", &[missing], r#"{"output":"2222222222222222222222222222222222222222222222222222222222222222"}"#);
    // A statement that refers to one placed after it.
    let mut later = Trace::new();
    let later_id = later.add(&key(1), "request", &[], r#"{"model":"m","input":"4444444444444444444444444444444444444444444444444444444444444444"}"#);
    t.add(&key(2), "compute", &[later_id], r#"{"output":"2222222222222222222222222222222222222222222222222222222222222222"}"#);
    let l = later.lines[1].clone();
    t.push_line(l);
    t.seal();
    let r = t.verify();
    has(&r, "ref.dangling", 5, Some(3));
    has(&r, "ref.forward", 6, Some(4));
    assert_eq!(r.status, Status::Failed);
}

#[test]
fn body_invalid() {
    let mut t = sealed();
    t.add(&key(2), "compute", &[], r#"{"result":"x"}"#);
    t.add(&key(3), "attest", &[], r#"{"method":"tee","verdict":"maybe"}"#);
    t.add(&key(4), "accept", &[], r#"{"remedy":"refund","amount":12}"#);
    t.add(&key(4), "poll", &[], r#"{"question":"q","options":["only one"],"closes":"2026-12-01T00:00:00Z"}"#);
    t.add(&key(4), "mystery", &[], r#"{"anything":[1,2,3]}"#);
    t.seal();
    let r = t.verify();
    let hits: Vec<(u64, Option<u64>)> = r.findings.iter().filter(|f| f.code == Code::BodyInvalid).map(|f| (f.line.unwrap(), f.index)).collect();
    assert_eq!(hits, vec![(5, Some(3)), (6, Some(4)), (7, Some(5)), (8, Some(6))], "{:?}", codes(&r));
    assert_eq!(r.status, Status::Verified, "body.invalid is a warning; an unknown kind is fine");
}

#[test]
fn polls_count_last_votes_and_flag_late_ones() {
    let mut t = sealed();
    let closes = T0 + 1000;
    let poll = t.add(&key(4), "poll", &[], r#"{"question":"Which?","options":["a","b","c"],"closes":"2026-11-23T08:16:40Z"}"#);
    t.add(&key(1), "vote", &[poll], r#"{"choice":0}"#);
    t.add(&key(2), "vote", &[poll], r#"{"choice":1}"#);
    t.add(&key(1), "vote", &[poll], r#"{"choice":2}"#); // supersedes key 1's first vote
    t.add(&key(3), "vote", &[poll], r#"{"choice":7}"#); // out of range
    t.add(&key(5), "vote", &[], r#"{"choice":0}"#); // no poll
    t.add_at(&key(3), "vote", &[poll], r#"{"choice":1}"#, closes + 1); // late
    t.add_at(&key(5), "vote", &[poll], r#"{"choice":1}"#, closes); // exactly at closes: counts
    t.seal();
    let r = t.verify();
    let p = &r.polls[0];
    assert_eq!(p.counts, vec![0, 2, 1]);
    assert_eq!((p.voters, p.superseded, p.late), (3, 1, 1));
    assert_eq!(p.question, "Which?");
    has(&r, "vote.late", 11, Some(9));
    let invalid: Vec<u64> = r.findings.iter().filter(|f| f.code == Code::BodyInvalid).map(|f| f.line.unwrap()).collect();
    assert_eq!(invalid, vec![9, 10]);
}

#[test]
fn anomaly_silent_disagreement() {
    let mut t = sealed();
    let req = t.add(&key(1), "request", &[], r#"{"model":"m","input":"5555555555555555555555555555555555555555555555555555555555555555"}"#);
    t.add(&key(2), "compute", &[req], r#"{"output":"6666666666666666666666666666666666666666666666666666666666666666"}"#);
    t.add(&key(5), "compute", &[req], r#"{"output":"7777777777777777777777777777777777777777777777777777777777777777"}"#);
    t.seal();
    let r = t.verify();
    has(&r, "anomaly.silent-disagreement", 6, Some(4));
    assert_eq!(r.accountability.silent, 1);
}

#[test]
fn checkpoint_findings() {
    // Malformed: not a string; more members; bad note text.
    let mut t = sealed();
    t.raw(r#"{"checkpoint":5}"#);
    t.raw(r#"{"checkpoint":"x","more":1}"#);
    t.checkpoint_note("no signatures here\n");
    let r = t.verify();
    let lines: Vec<u64> = r.findings.iter().filter(|f| f.code == Code::CheckpointMalformed).map(|f| f.line.unwrap()).collect();
    assert_eq!(lines, vec![5, 6, 7]);
    assert!(r.findings.iter().all(|f| f.index.is_none() || f.code != Code::CheckpointMalformed));

    // Origin mismatch: a checkpoint of another log.
    let mut t = sealed();
    let foreign = onus::note::sign_note(&onus::note::checkpoint_text("other.example/log", 3, &Hash([0; 32])), "other.example/log", &t.log);
    t.checkpoint_note(&foreign);
    has(&t.verify(), "checkpoint.origin.mismatch", 5, None);

    // Signature missing: signed by some other key under the log's name.
    let mut t = sealed();
    let root = onus::merkle::root(&t.leaves);
    let by_other = onus::note::sign_note(&onus::note::checkpoint_text(ORIGIN, 3, &root), ORIGIN, &key(9));
    t.checkpoint_note(&by_other);
    has(&t.verify(), "checkpoint.signature.missing", 5, None);

    // Signature invalid: the log's line, but the text changed after signing.
    let mut t = sealed();
    let good = t.note(3);
    let changed = good.replacen("\n3\n", "\n2\n", 1);
    t.checkpoint_note(&changed);
    has(&t.verify(), "checkpoint.signature.invalid", 5, None);

    // Size ahead: commits to more statements than precede it.
    let mut t = sealed();
    let req = t.add(&key(1), "request", &[], r#"{"model":"m","input":"8888888888888888888888888888888888888888888888888888888888888888"}"#);
    let _ = req;
    let ahead = t.note(4);
    t.lines.insert(3, onus::note::checkpoint_line(&ahead));
    has(&t.verify(), "checkpoint.size.ahead", 4, None);

    // Root mismatch: a statement changed after sealing (and re-signed by its actor).
    let mut t = sealed();
    let resigned = {
        let mut u = Trace::new();
        let req = u.add(&key(1), "request", &[], r#"{"model":"m","input":"1111111111111111111111111111111111111111111111111111111111111111"}"#);
        u.add(&key(2), "compute", &[req], r#"{"output":"9999999999999999999999999999999999999999999999999999999999999999"}"#);
        u.lines[2].clone()
    };
    t.lines[2] = resigned;
    let r = t.verify();
    has(&r, "checkpoint.root.mismatch", 4, None);
    assert!(!r.findings.iter().any(|f| f.code == Code::StatementSignatureInvalid));

    // Uncheckable: covers a malformed statement.
    let mut t = sealed();
    t.lines[2] = "{oops".into();
    let r = t.verify();
    has(&r, "checkpoint.uncheckable", 4, None);
    has(&r, "statement.malformed", 3, Some(2));
}

#[test]
fn a_smaller_later_checkpoint_and_several_checkpoints_all_verify() {
    let mut t = sealed();
    let n2 = t.note(2);
    t.checkpoint_note(&n2);
    t.add(&key(1), "request", &[], r#"{"model":"m","input":"8888888888888888888888888888888888888888888888888888888888888888"}"#);
    t.seal();
    let r = t.verify();
    assert_eq!(r.status, Status::Verified, "{:?}", codes(&r));
    assert_eq!(r.checkpoints, 3);
    assert_eq!(r.sealed.as_ref().unwrap().size, 4);
}

#[test]
fn checkpoint_inconsistent_when_forked() {
    let t = sealed();
    let r = t.verify();
    let root = r.sealed.as_ref().unwrap().root.clone();
    let known = |root: String| Options { known: vec![KnownCheckpoint { origin: ORIGIN.into(), size: 3, root: Hash::parse(&root).unwrap() }], ..Options::default() };
    assert_eq!(t.verify_with(known(root.clone())).status, Status::Verified);
    let other = "00".repeat(32);
    let forked = t.verify_with(known(other));
    assert_eq!(forked.status, Status::Failed);
    has(&forked, "checkpoint.inconsistent", 0, Some(2));
    assert!(forked.findings[0].message.contains("forked"), "{}", forked.findings[0].message);
    // Checkpoints of other logs are ignored; one of this log among them still counts.
    let other_log = KnownCheckpoint { origin: "elsewhere.example/log".into(), size: 2, root: Hash([0; 32]) };
    let mixed = Options { known: vec![other_log.clone(), KnownCheckpoint { origin: ORIGIN.into(), size: 2, root: Hash([0x11; 32]) }], ..Options::default() };
    has(&t.verify_with(mixed), "checkpoint.inconsistent", 0, Some(1));
    assert_eq!(t.verify_with(Options { known: vec![other_log], ..Options::default() }).status, Status::Verified);
}

/// Regression (hardening issue, item 1): a copy cut back below a checkpoint the
/// reader holds, sealed again at the smaller size, passed as verified.
#[test]
fn checkpoint_inconsistent_when_rolled_back() {
    let mut long = sealed();
    long.add(&key(1), "request", &[], r#"{"model":"m","input":"4444444444444444444444444444444444444444444444444444444444444444"}"#);
    long.add(&key(1), "request", &[], r#"{"model":"m","input":"5555555555555555555555555555555555555555555555555555555555555555"}"#);
    long.seal();
    let seen = long.verify().sealed.unwrap();
    assert_eq!(seen.size, 5);
    // The rolled-back copy: the first three statements, with a valid checkpoint of its own.
    let short = sealed();
    assert_eq!(short.verify().status, Status::Verified);
    let known = Options { known: vec![KnownCheckpoint { origin: ORIGIN.into(), size: 5, root: Hash::parse(&seen.root).unwrap() }], ..Options::default() };
    let r = short.verify_with(known.clone());
    assert_eq!(r.status, Status::Failed, "{:?}", codes(&r));
    has(&r, "checkpoint.inconsistent", 0, None);
    let m = &r.findings.iter().find(|f| f.code == Code::CheckpointInconsistent).unwrap().message;
    assert!(m.contains("size 5") && m.contains("only 3 statements") && m.contains("rolled back"), "{m}");
    // The whole log still verifies against what was seen.
    assert_eq!(long.verify_with(known).status, Status::Verified);
    // An absurd size is not skipped either.
    let huge = Options { known: vec![KnownCheckpoint { origin: String::new(), size: 1 << 63, root: Hash([0xab; 32]) }], ..Options::default() };
    let r = short.verify_with(huge);
    assert_eq!(r.status, Status::Failed);
    has(&r, "checkpoint.inconsistent", 0, None);
    // Size 0 is the empty tree: any other root is inconsistent.
    let empty = |root: String| Options { known: vec![KnownCheckpoint { origin: String::new(), size: 0, root: Hash::parse(&root).unwrap() }], ..Options::default() };
    assert_eq!(short.verify_with(empty(hex::encode(onus::merkle::empty_root()))).status, Status::Verified);
    has(&short.verify_with(empty("cd".repeat(32))), "checkpoint.inconsistent", 0, None);
}

/// Regression (hardening issue, item 5): findings are listed up to a bound per
/// code and counted beyond it; echoed input is cut short.
#[test]
fn findings_are_bounded_and_counted() {
    let mut t = sealed();
    for _ in 0..2500 {
        t.raw("x");
    }
    let r = t.verify();
    assert_eq!(r.status, Status::Failed);
    let listed = r.findings.iter().filter(|f| f.code == Code::StatementMalformed).count() as u64;
    assert_eq!(listed, onus::report::MAX_FINDINGS_PER_CODE);
    assert_eq!(r.findings_omitted.len(), 1);
    assert_eq!(r.findings_omitted[0].code, Code::StatementMalformed);
    assert_eq!(r.findings_omitted[0].count, 2500 - onus::report::MAX_FINDINGS_PER_CODE);
    assert_eq!(r.counts.error, 2500);
    // The first ones are listed, in line order.
    let first = r.findings.iter().find(|f| f.code == Code::StatementMalformed).unwrap();
    assert_eq!((first.line, first.index), (Some(5), Some(3)));
    // A huge member name is not echoed in full.
    let mut u = sealed();
    let name = "n".repeat(200_000);
    u.raw(&format!("{{\"{name}\":1}}"));
    let r = u.verify();
    let m = &r.findings.iter().find(|f| f.code == Code::StatementMalformed).unwrap().message;
    assert!(m.len() < 1000, "{} bytes", m.len());
    assert!(m.contains("unknown member \"nnnn") && m.contains('…'), "{m}");
}

/// Regression (hardening issue, item 6): more distinct kinds than fit in 16 bits
/// stay valid statements.
#[test]
fn many_distinct_kinds_stay_valid() {
    let mut t = Trace::new();
    let n = 70_000;
    for i in 0..n {
        t.add(&key(1), &format!("k{i}"), &[], "{}");
    }
    t.seal();
    let r = t.verify();
    assert_eq!(r.status, Status::Verified, "{:?}", codes(&r).into_iter().take(3).collect::<Vec<_>>());
    assert_eq!(r.statements, n + 1);
    let mut v = onus::Verifier::new(Options::default());
    v.push(t.text().as_bytes());
    v.finish();
    assert_eq!(v.kind_name(n), format!("k{}", n - 1));
    assert!(v.id(n).is_some(), "the last statement keeps its id");
}

/// Regression (hardening issue, item 10): every signature line is read (a valid
/// log signature as the 17th line was "missing"); a note with too many is malformed.
#[test]
fn checkpoint_signature_lines_beyond_sixteen() {
    let t = sealed();
    let note = t.note(3);
    let (text, log_line) = note.split_once("\n\n").unwrap();
    let foreign: String = (0..16u8)
        .map(|i| {
            let other = onus::note::sign_note(&format!("{text}\n"), &format!("witness-{i}"), &key(50 + i));
            other.split_once("\n\n").unwrap().1.to_string()
        })
        .collect();
    let mut u = sealed();
    u.lines.pop();
    u.checkpoint_note(&format!("{text}\n\n{foreign}{log_line}"));
    let r = u.verify();
    assert_eq!(r.status, Status::Verified, "{:?}", codes(&r));
    let many: String = std::iter::repeat_n(foreign.lines().next().unwrap().to_string() + "\n", 101).collect();
    let mut w = sealed();
    w.lines.pop();
    w.checkpoint_note(&format!("{text}\n\n{many}{log_line}"));
    let r = w.verify();
    has(&r, "checkpoint.malformed", 4, None);
    assert!(r.findings.iter().any(|f| f.code == Code::CheckpointMalformed && f.message.contains("more than 100 signature lines")));
}

#[test]
fn receipts_verify_and_fail_with_exact_codes() {
    let t = sealed();
    let text = t.text();
    let mut v = onus::Verifier::new(Options { keep_rows: true, ..Options::default() });
    v.push(text.as_bytes());
    let report = v.finish();
    let sealed_cp = report.sealed.clone().unwrap();
    let note_text = sealed_cp.note.clone();
    let line = &t.lines[2];
    let proof = v.inclusion_proof(2, 3).unwrap();
    let receipt = onus::receipt::make_receipt(line.as_bytes(), 2, &proof, &note_text).unwrap();
    let log_key = Key::of(&t.log);
    use onus::receipt::{verify_receipt, ReceiptStatus};
    assert_eq!(verify_receipt(receipt.as_bytes(), Some(&log_key)).status, ReceiptStatus::Verified);
    let no_key = verify_receipt(receipt.as_bytes(), None);
    assert_eq!(no_key.status, ReceiptStatus::Unanchored);
    assert_eq!(no_key.findings[0].code, Code::ReceiptKeyUnknown);
    let wrong_index = receipt.replace("\"index\":2", "\"index\":1");
    assert_eq!(verify_receipt(wrong_index.as_bytes(), Some(&log_key)).findings[0].code, Code::ReceiptProofInvalid);
    assert_eq!(verify_receipt(b"{\"receipt\":2}", Some(&log_key)).findings[0].code, Code::ReceiptMalformed);
    assert_eq!(verify_receipt(b"nope", None).findings[0].code, Code::ReceiptMalformed);
    let other_key = Key::of(&key(9));
    assert_eq!(verify_receipt(receipt.as_bytes(), Some(&other_key)).findings[0].code, Code::CheckpointSignatureMissing);
}

#[test]
fn every_code_is_documented_in_docs_format_md() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/FORMAT.md")).expect("docs/FORMAT.md");
    for c in Code::ALL {
        let row = format!("| `{}` | {} | {} | {} | {} |", c.as_str(), format!("{:?}", c.severity()).to_lowercase(), c.summary(), c.advice(), c.publisher());
        assert!(doc.lines().any(|l| l == row), "docs/FORMAT.md lacks the row {row}");
    }
    // The rows of the codes table only (other tables, such as section 5's, also start with a code span).
    let table = doc.lines().skip_while(|l| !l.starts_with("| code | severity |")).take_while(|l| l.starts_with('|'));
    let rows = table.filter(|l| l.starts_with("| `") && l.contains("` | ")).count();
    assert_eq!(rows, Code::ALL.len(), "docs/FORMAT.md lists a code the core does not have");
}

#[test]
fn reader_advice_names_no_command_and_publisher_advice_is_where_commands_go() {
    // The reader's advice is shown on a web page too: what to do there, not a
    // command line (issue 10). Commands belong to the publisher's part.
    for c in Code::ALL {
        for word in ["`onus", "--key", "--"] {
            assert!(!c.advice().contains(word), "{}: the reader's advice names a command ({word}): {}", c.as_str(), c.advice());
        }
    }
    assert!(Code::TraceUnsealed.publisher().contains("onus seal"));
    assert!(!Code::TraceUnsealed.advice().contains("seal`"));
}

#[test]
fn streaming_in_any_chunk_size_gives_the_same_report() {
    let text = sealed().text();
    let whole = onus::verify_bytes(text.as_bytes(), Options::default());
    for size in [1, 2, 3, 7, 64, 1000] {
        let mut v = onus::Verifier::new(Options::default());
        for c in text.as_bytes().chunks(size) {
            v.push(c);
        }
        assert_eq!(v.finish(), whole, "chunk size {size}");
    }
}

#[test]
fn commit_candidates_include_every_committing_statement() {
    let t = sealed();
    let mut v = onus::Verifier::new(Options { keep_rows: true, ..Options::default() });
    v.push(t.text().as_bytes());
    v.finish();
    let out = Hash([0x22; 32]);
    let c = v.commit_candidates(&out);
    assert_eq!(c, vec![2], "the compute commits to 22…22");
    assert!(onus::statement::line_commits_to(t.lines[2].as_bytes(), &out));
    assert!(!onus::statement::line_commits_to(t.lines[1].as_bytes(), &out));
    assert!(v.commit_candidates(&Hash([0x33; 32])).is_empty());
}

#[test]
fn referrers_are_the_statements_whose_refs_name_a_statement() {
    // The explorer's "Referenced by": every resolved ref, read back by target.
    let mut text = Vec::new();
    onus::demo::write_demo(&mut text, 400, 3, 1, |_| {}).unwrap();
    let mut v = onus::Verifier::new(Options { keep_rows: true, ..Options::default() });
    v.push(&text);
    let report = v.finish();
    let lines: Vec<&[u8]> = text.split(|&b| b == b'\n').filter(|l| l.starts_with(b"{") && !l.starts_with(b"{\"checkpoint\"")).collect();
    assert_eq!(lines.len() as u64, report.statements);
    let mut expected: Vec<Vec<u64>> = vec![vec![]; lines.len()];
    let ids: Vec<_> = lines.iter().map(|l| onus::statement::parse_line(l).unwrap().1).collect();
    for (j, st) in ids.iter().enumerate() {
        for r in &st.refs {
            let i = ids.iter().position(|s| s.id == *r).expect("a demo ref resolves");
            if !expected[i].contains(&(j as u64)) {
                expected[i].push(j as u64);
            }
        }
    }
    assert!(expected.iter().filter(|e| !e.is_empty()).count() > 50, "the demo has refs");
    for (i, e) in expected.iter().enumerate() {
        assert_eq!(&v.referrers(i as u64), e, "statement {i}");
    }
    // Without keep_rows nothing is kept.
    let mut plain = onus::Verifier::new(Options::default());
    plain.push(&text);
    plain.finish();
    assert!((0..lines.len() as u64).all(|i| plain.referrers(i).is_empty()));
}

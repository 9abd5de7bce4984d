//! Tiled logs end to end in the core (FORMAT.md section 8): a trace is laid
//! out as bundles, tiles and a checkpoint, and verified from those files
//! (fresh and resumed) with the report of the equivalent trace file.

mod common;

use common::{Trace, ORIGIN};
use ed25519_dalek::SigningKey;
use onus::demo::{demo_key, write_demo, DEMO_ORIGIN};
use onus::publish::{may_replace, Layout, Refusal};
use onus::report::{Report, Status};
use onus::statement::Hash;
use onus::tiled::{Since, StateError, TiledError, TiledVerifier};
use onus::verify::{classify, line_content, lines, verify_bytes, FingerprintKey, LineOutcome, Options};
use onus::{merkle, note};
use std::collections::BTreeMap;

type Files = BTreeMap<String, Vec<u8>>;

/// A log's statement lines (no checkpoint lines), leaves and key.
struct Log {
    origin: &'static str,
    key: SigningKey,
    lines: Vec<Vec<u8>>,
    leaves: Vec<Hash>,
}

impl Log {
    fn demo(n: u64) -> Log {
        let mut text = Vec::new();
        write_demo(&mut text, n, 7, 2, |_| {}).expect("demo");
        Log::from_text(DEMO_ORIGIN, demo_key(7, "log", 0), &text)
    }
    fn from_trace(t: &Trace) -> Log {
        Log::from_text(ORIGIN, t.log.clone(), t.text().as_bytes())
    }
    fn from_text(origin: &'static str, key: SigningKey, text: &[u8]) -> Log {
        let mut log = Log { origin, key, lines: Vec::new(), leaves: Vec::new() };
        for line in lines(text) {
            if let LineOutcome::Statement(c) = classify(line) {
                log.lines.push(line_content(line).to_vec());
                log.leaves.push(c.leaf);
            }
        }
        log
    }
    fn note(&self, size: u64) -> String {
        let root = merkle::root(&self.leaves[..size as usize]);
        note::sign_note(&note::checkpoint_text(self.origin, size, &root), self.origin, &self.key)
    }
    /// The trace a tiled log of `size` stands for: its bundles, then one checkpoint line.
    fn equivalent(&self, size: u64) -> Vec<u8> {
        let mut t = Vec::new();
        for l in &self.lines[..size as usize] {
            t.extend_from_slice(l);
            t.push(b'\n');
        }
        t.extend_from_slice(note::checkpoint_line(&self.note(size)).as_bytes());
        t.push(b'\n');
        t
    }
    /// Publishes the first `size` statements into `files` (partials replaced).
    fn publish(&self, size: u64, files: &mut Files) {
        let mut layout = Layout::new(size);
        for (line, leaf) in self.lines.iter().zip(&self.leaves).take(size as usize) {
            if let Some((b, bytes)) = layout.push(line, *leaf) {
                files.insert(b.path(), bytes);
            }
        }
        for (t, bytes) in layout.tiles() {
            files.insert(t.path(), bytes);
        }
        files.insert("checkpoint".into(), self.note(size).into_bytes());
    }
    fn published(&self, size: u64) -> Files {
        let mut f = Files::new();
        self.publish(size, &mut f);
        f
    }
}

/// What a driver does: fetch what the core names, hand it back, in order.
/// Ids are kept as fingerprints, as the page and the CLI do: reports must
/// not change (each is compared with a full-id report of the trace).
fn verify(files: &Files, state: Option<&[u8]>) -> (Report, Option<Vec<u8>>, Since) {
    let opts = Options { fingerprint_key: Some(FingerprintKey([0x5a; 32])), ..Options::default() };
    let mut tv = match state {
        Some(s) => TiledVerifier::resume(s, opts).expect("state"),
        None => TiledVerifier::new(opts),
    };
    let wanted = tv.checkpoint(&files["checkpoint"]).expect("the same log");
    for t in wanted {
        tv.supply_tile(t, files.get(&t.path()).map(|b| b.as_slice()));
    }
    for b in tv.plan() {
        let tile0 = tv.bundle_tile(&b).and_then(|t| files.get(&t.path()));
        if !tv.push_bundle(b, files.get(&b.path()).map(|b| b.as_slice()), tile0.map(|b| b.as_slice())) {
            break;
        }
    }
    tv.finish()
}

fn json(r: &Report) -> serde_json::Value {
    serde_json::to_value(r).expect("report JSON")
}

/// (code, line, index, path) of every finding.
fn found(r: &Report) -> Vec<(String, Option<u64>, Option<u64>, Option<String>)> {
    r.findings.iter().map(|f| (f.code.as_str().to_string(), f.line, f.index, f.path.clone())).collect()
}

fn has(r: &Report, code: &str, index: u64, path: &str) {
    assert!(
        found(r).contains(&(code.to_string(), None, Some(index), Some(path.to_string()))),
        "want {code} at {path} (statement {index}), got {:?}",
        found(r)
    );
}

/// A small xorshift, so the random cut points are the same on every run.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[test]
fn a_published_log_verifies_with_the_report_of_its_trace() {
    let log = Log::demo(3000);
    for size in [1, 2, 255, 256, 257, 512, 2999, 3000] {
        let (report, state, since) = verify(&log.published(size), None);
        let from_file = verify_bytes(&log.equivalent(size), Options::default());
        assert_eq!(json(&report), json(&from_file), "size {size}");
        assert_eq!(report.status, Status::Verified, "size {size}: {:?}", found(&report));
        assert_eq!(since, Since::Fresh);
        assert!(state.is_some(), "a verified run leaves a state");
    }
}

#[test]
fn resuming_at_random_cut_points_gives_the_from_scratch_report() {
    let log = Log::demo(6000);
    let mut rng = Rng(0x9e3779b97f4a7c15);
    for round in 0..4 {
        let mut files = Files::new();
        let mut state: Option<Vec<u8>> = None;
        let mut size = 0;
        while size < 6000 {
            let held = size;
            size = (size + 1 + rng.below(if round == 0 { 300 } else { 2500 })).min(6000);
            log.publish(size, &mut files);
            let (report, next, since) = verify(&files, state.as_deref());
            let scratch = verify_bytes(&log.equivalent(size), Options::default());
            assert_eq!(json(&report), json(&scratch), "round {round}: {held} -> {size}");
            assert_eq!(since, if state.is_some() { Since::Extended { held } } else { Since::Fresh });
            state = Some(next.expect("verified"));
        }
        // Nothing new: the same report again, from the state alone.
        let (again, _, since) = verify(&files, state.as_deref());
        assert_eq!(json(&again), json(&verify_bytes(&log.equivalent(6000), Options::default())));
        assert_eq!(since, Since::Extended { held: 6000 });
    }
}

#[test]
fn a_log_with_incidents_and_failures_resumes_to_the_same_report() {
    // Findings (warnings here), incidents and tallies all carry over a resume.
    let log = Log::demo(4000);
    let (_, state, _) = verify(&log.published(1234), None);
    let (resumed, _, _) = verify(&log.published(4000), state.as_deref());
    let scratch = verify_bytes(&log.equivalent(4000), Options::default());
    assert!(!scratch.incidents.is_empty() && !scratch.polls.is_empty() && scratch.counts.warning > 0);
    assert_eq!(json(&resumed), json(&scratch));
}

#[test]
fn a_tampered_tile_is_a_tile_mismatch() {
    let log = Log::demo(1300);
    let mut files = log.published(1300);
    files.get_mut("tile/0/001").expect("full tile")[5] ^= 1;
    let (r, state, _) = verify(&files, None);
    assert_eq!(r.status, Status::Failed);
    has(&r, "tile.mismatch", 256, "tile/0/001");
    assert_eq!(r.counts.error, 1, "{:?}", found(&r));
    assert!(state.is_none(), "no state from a failed run");

    // A partial tile the root is made of.
    let mut files = log.published(1300);
    files.get_mut("tile/1/000.p/5").expect("level-1 partial")[0] ^= 1;
    let (r, _, _) = verify(&files, None);
    has(&r, "tile.mismatch", 0, "tile/1/000.p/5");
}

#[test]
fn a_bundle_with_a_statement_missing_or_moved_is_invalid() {
    let log = Log::demo(1300);
    let cut = |files: &mut Files, path: &str, f: &dyn Fn(&mut Vec<&[u8]>)| {
        let bytes = files[path].clone();
        let mut ls: Vec<&[u8]> = lines(&bytes).collect();
        f(&mut ls);
        let mut out = Vec::new();
        for l in ls {
            out.extend_from_slice(l);
            out.push(b'\n');
        }
        files.insert(path.to_string(), out);
    };

    let mut files = log.published(1300);
    cut(&mut files, "tile/entries/003", &|ls| {
        ls.remove(17);
    });
    let (r, _, _) = verify(&files, None);
    has(&r, "tile.bundle.invalid", 768, "tile/entries/003");
    assert_eq!(r.statements, 768, "statements from the bad bundle on are not read");

    let mut files = log.published(1300);
    cut(&mut files, "tile/entries/002", &|ls| ls.swap(3, 200));
    let (r, _, _) = verify(&files, None);
    has(&r, "tile.bundle.invalid", 512, "tile/entries/002");
    assert!(!found(&r).iter().any(|f| f.0 == "tile.mismatch"), "the tiles are right; the bundle is at fault: {:?}", found(&r));

    let mut files = log.published(1300);
    files.get_mut("tile/entries/001").expect("bundle").pop();
    let (r, _, _) = verify(&files, None);
    has(&r, "tile.bundle.invalid", 256, "tile/entries/001");

    let mut files = log.published(1300);
    cut(&mut files, "tile/entries/000", &|ls| ls[9] = b"{\"actor\":1}");
    let (r, _, _) = verify(&files, None);
    assert!(found(&r).iter().any(|f| f.0 == "statement.malformed" && f.1 == Some(10)), "{:?}", found(&r));
    has(&r, "tile.bundle.invalid", 0, "tile/entries/000");
}

#[test]
fn a_file_that_cannot_be_fetched_is_tile_missing() {
    let log = Log::demo(1300);
    let mut files = log.published(1300);
    files.remove("tile/entries/005.p/20");
    let (r, _, _) = verify(&files, None);
    has(&r, "tile.missing", 1280, "tile/entries/005.p/20");
    assert_eq!(r.status, Status::Failed);
    assert_eq!(r.counts.error + r.counts.warning, 2, "one error, and the demo's one warning before it: {:?}", found(&r));

    let mut files = log.published(1300);
    files.remove("tile/1/000.p/5");
    let (r, _, _) = verify(&files, None);
    has(&r, "tile.missing", 0, "tile/1/000.p/5");
}

/// Two histories of one log (same origin, same key) that agree on the first `common` statements.
fn fork(common: usize, a: usize, b: usize) -> (Log, Log) {
    let grow = |t: &mut Trace, n: usize, tag: usize| {
        let c = common::key(1);
        for i in 0..n {
            t.add(&c, "request", &[], &format!(r#"{{"model":"m","input":"{:064x}"}}"#, tag + i));
        }
    };
    let mut base = Trace::new();
    grow(&mut base, common - 1, 0);
    let (mut x, mut y) = (Trace { lines: base.lines.clone(), leaves: base.leaves.clone(), ..Trace::new() }, base);
    x.time = y.time;
    grow(&mut x, a - common, 1 << 20);
    grow(&mut y, b - common, 2 << 20);
    (Log::from_trace(&x), Log::from_trace(&y))
}

#[test]
fn a_log_that_forked_after_a_saved_state_is_inconsistent() {
    let (x, y) = fork(300, 600, 700);
    let (held, state, _) = verify(&x.published(600), None);
    assert_eq!(found(&held), vec![], "the fixture is a clean log");
    let state = state.expect("verified");

    // Grew, but from another history: the consistency proof fails.
    let (r, next, since) = verify(&y.published(700), Some(&state));
    assert_eq!(since, Since::Inconsistent { held: 600 });
    assert_eq!(r.status, Status::Failed);
    let f = r.findings.iter().find(|f| f.code.as_str() == "checkpoint.inconsistent").expect("inconsistent");
    assert!(f.message.contains("forked"), "{}", f.message);
    assert_eq!(r.sealed.as_ref().map(|c| c.size), Some(600), "the checkpoint held stands as evidence");
    assert_eq!(found(&r).len(), 1, "{:?}", found(&r));
    assert!(next.is_none(), "the saved state is kept, not replaced");
    // The report carries evidence that proves the fork: the held note, the served one, the proof from the tiles.
    let e = r.fork.as_ref().expect("fork evidence");
    let proven = onus::fork::check(e, None).expect("the evidence proves the fork");
    assert_eq!((proven.smaller.size, proven.larger.size), (600, 700));

    // The same size with another root: the two notes alone.
    let (r, _, since) = verify(&y.published(600), Some(&state));
    assert_eq!(since, Since::Inconsistent { held: 600 });
    assert!(found(&r).iter().any(|f| f.0 == "checkpoint.inconsistent"));
    let e = r.fork.as_ref().expect("fork evidence");
    assert!(e.proof.is_empty());
    assert_eq!(onus::fork::check(e, None).map(|f| f.larger.size), Ok(600));

    // A stale cache or a rollback is no fork: no evidence of one.
    let (r, _, _) = verify(&y.published(450), Some(&state));
    assert!(r.fork.is_none());

    // Shrank to a size whose root is not the held tree's: statements are missing.
    let (r, _, since) = verify(&y.published(450), Some(&state));
    assert_eq!(since, Since::Inconsistent { held: 600 });
    let f = r.findings.iter().find(|f| f.code.as_str() == "checkpoint.inconsistent").expect("inconsistent");
    assert!(f.message.contains("missing"), "{}", f.message);
}

#[test]
fn an_older_checkpoint_from_a_cache_is_only_stale() {
    let log = Log::demo(2000);
    let (held_report, state, _) = verify(&log.published(2000), None);
    // The server (a cache) still shows size 1500; its files are those of size 2000.
    let mut files = log.published(2000);
    files.insert("checkpoint".into(), log.note(1500).into_bytes());
    let (r, next, since) = verify(&files, state.as_deref());
    assert_eq!(since, Since::Stale { held: 2000, served: 1500 });
    assert_eq!(r.status, Status::Verified, "{:?}", found(&r));
    assert_eq!(r.findings.iter().filter(|f| f.code.as_str() == "checkpoint.stale").count(), 1);
    assert_eq!(r.sealed.as_ref().map(|c| c.size), Some(2000), "the report is of the checkpoint held");
    assert_eq!(r.statements, held_report.statements);
    assert!(next.is_none(), "the held state stays");
}

#[test]
fn a_state_from_another_log_or_damaged_is_refused() {
    let demo = Log::demo(600);
    let (_, state, _) = verify(&demo.published(600), None);
    let state = state.expect("verified");

    let other = Log::from_trace(&{
        let mut t = Trace::new();
        t.add(&common::key(1), "request", &[], &format!(r#"{{"model":"m","input":"{:064x}"}}"#, 1));
        t
    });
    let mut tv = TiledVerifier::resume(&state, Options::default()).expect("state");
    match tv.checkpoint(&other.published(2)["checkpoint"]) {
        Err(TiledError::OtherLog { held, served }) => assert_eq!((held.as_str(), served.as_str()), (DEMO_ORIGIN, ORIGIN)),
        other => panic!("want OtherLog, got {other:?}"),
    }

    let pinned = Options { log_key: Some(onus::statement::Key::of(&common::key(100))), ..Options::default() };
    assert!(matches!(TiledVerifier::resume(&state, pinned), Err(StateError::OtherKey)));

    let mut damaged = state.clone();
    damaged[state.len() / 2] ^= 1;
    assert!(matches!(TiledVerifier::resume(&damaged, Options::default()), Err(StateError::Damaged)));
    assert!(matches!(TiledVerifier::resume(&state[..state.len() - 1], Options::default()), Err(StateError::Damaged)));
    assert!(matches!(TiledVerifier::resume(b"{\"not\":\"a state\"}", Options::default()), Err(StateError::NotState)));
    let msg = StateError::Damaged.to_string();
    assert!(msg.contains("delete it"), "{msg}");
}

#[test]
fn republishing_refuses_rollback_fork_and_other_logs() {
    let (x, y) = fork(300, 600, 700);
    let layout = |log: &Log, size: u64| {
        let mut l = Layout::new(size);
        for (line, leaf) in log.lines.iter().zip(&log.leaves).take(size as usize) {
            l.push(line, *leaf);
        }
        l
    };
    assert_eq!(may_replace(&x.note(400), ORIGIN, &layout(&x, 600)), Ok(()));
    assert_eq!(may_replace(&x.note(600), ORIGIN, &layout(&x, 600)), Ok(()));
    assert_eq!(may_replace(&x.note(600), ORIGIN, &layout(&x, 500)), Err(Refusal::Rollback { existing: 600, new: 500 }));
    assert_eq!(may_replace(&x.note(600), ORIGIN, &layout(&y, 700)), Err(Refusal::Fork { size: 600 }));
    assert!(matches!(may_replace(&x.note(600), DEMO_ORIGIN, &layout(&x, 600)), Err(Refusal::OtherLog { .. })));
    assert!(matches!(may_replace("junk", ORIGIN, &layout(&x, 600)), Err(Refusal::Unreadable(_))));
}

#[test]
fn a_larger_log_uses_every_tile_level() {
    // 70,000: 273 full level-0 tiles and a partial of 112, level 1 one full and a
    // partial of 17, level 2 a partial of 1 (the tlog-tiles example).
    let log = Log::demo(70_000);
    let files = log.published(70_000);
    for p in ["tile/0/272", "tile/0/273.p/112", "tile/1/000", "tile/1/001.p/17", "tile/2/000.p/1", "tile/entries/273.p/112"] {
        assert!(files.contains_key(p), "{p}");
    }
    let (_, state, _) = verify(&log.published(65_000), None);
    let (r, _, since) = verify(&files, state.as_deref());
    assert_eq!(json(&r), json(&verify_bytes(&log.equivalent(70_000), Options::default())));
    assert_eq!(since, Since::Extended { held: 65_000 });

    // A cache still shows size 1,500, long after: the held tree no longer
    // has those leaves, so the tiles of the held size prove it a prefix.
    let mut cached = log.published(1500);
    log.publish(70_000, &mut cached);
    cached.insert("checkpoint".into(), log.note(1500).into_bytes());
    let (_, state70k, _) = verify(&files, None);
    let (r, _, since) = verify(&cached, state70k.as_deref());
    assert_eq!(since, Since::Stale { held: 70_000, served: 1500 }, "{:?}", found(&r));
    assert_eq!(r.status, Status::Verified);

    // A level-1 tile that lies about a full level-0 tile's hash.
    let mut bad = files.clone();
    bad.get_mut("tile/1/000").expect("full level-1")[32 * 3] ^= 1;
    let (r, _, _) = verify(&bad, None);
    has(&r, "tile.mismatch", 0, "tile/1/000");
}

#[test]
fn one_statement_is_checked_from_its_bundle_and_the_tiles_its_proof_needs() {
    use onus::receipt::{verify_receipt, ReceiptStatus};
    use onus::tiled::{one_statement_files, one_statement_receipt};
    let log = Log::demo(70_000);
    let files = log.published(70_000);
    let key = onus::statement::Key::of(&log.key);
    for index in [0u64, 255, 256, 65_535, 65_536, 69_999] {
        let (tiles, bundle) = one_statement_files(&files["checkpoint"], index).expect("files");
        // O(log n): per level at most the tile on the path and the partial at the edge.
        assert!(tiles.len() <= 2 * 3 - 1, "{index}: {tiles:?}");
        // Not its own level-0 tile: the bundle, fetched anyway, gives those hashes.
        assert!(tiles.iter().all(|t| t.level > 0 || t.index != index / 256), "{index}: {tiles:?}");
        let fetched: Vec<_> = tiles.iter().map(|t| (*t, files[&t.path()].clone())).collect();
        let receipt = one_statement_receipt(&files["checkpoint"], index, &fetched, &files[&bundle.path()]).expect("receipt");
        let r = verify_receipt(receipt.as_bytes(), Some(&key));
        assert_eq!(r.status, ReceiptStatus::Verified, "{index}: {:?}", r.findings);

        // Another statement in its place does not verify.
        let mut moved = files[&bundle.path()].clone();
        let ls: Vec<Vec<u8>> = lines(&moved).map(|l| l.to_vec()).collect();
        let at = (index % 256) as usize;
        let other = if at == 0 { 1 } else { 0 };
        moved = ls.iter().enumerate().flat_map(|(k, l)| {
            let mut v = if k == at { ls[other].clone() } else { l.clone() };
            v.push(b'\n');
            v
        }).collect();
        let receipt = one_statement_receipt(&files["checkpoint"], index, &fetched, &moved).expect("receipt");
        let r = verify_receipt(receipt.as_bytes(), Some(&key));
        assert_eq!(r.status, ReceiptStatus::Failed, "{index}");
        assert!(r.findings.iter().any(|f| f.code.as_str() == "receipt.proof.invalid"), "{:?}", r.findings);
    }
    // A bundle with a line missing is named as invalid, not read as another statement.
    let (tiles, bundle) = one_statement_files(&files["checkpoint"], 300).expect("files");
    let fetched: Vec<_> = tiles.iter().map(|t| (*t, files[&t.path()].clone())).collect();
    let full = &files[&bundle.path()];
    let short = &full[full.iter().position(|&b| b == b'\n').expect("a line") + 1..];
    let err = one_statement_receipt(&files["checkpoint"], 300, &fetched, short).unwrap_err();
    assert!(err.contains("tile/entries/001 holds 255 lines where its path names 256") && err.contains("tile.bundle.invalid"), "{err}");
    let err = one_statement_files(&files["checkpoint"], 70_000).unwrap_err();
    assert!(err.contains("no statement 70000"), "{err}");
}

//! `onus witness serve` over real HTTP (C2SP tlog-witness with BLAKE3 proofs):
//! every status of the protocol, the monitoring view, and SIGKILL in the
//! middle of a stream of checkpoints from two histories of one log (a split
//! view): whatever it answered before and after the crash, the witness never
//! cosigned checkpoints of both histories past the point where they differ.
#![cfg(feature = "serve")]

mod serve_support;

use base64::Engine;
use ed25519_dalek::SigningKey;
use onus::cosignature::{Cosignature, WitnessKey};
use onus::merkle;
use onus::note;
use onus::statement::{Hash, Key};
use onus::witness::add_checkpoint_body;
use serve_support::{tmpdir, Witness};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ONUS: &str = env!("CARGO_BIN_EXE_onus");
const ORIGIN: &str = "example.org/witnessed";

/// A witness folder: its key (made with `onus witness keygen`) and the logs it knows.
fn setup(dir: &Path, log_key: &SigningKey) -> String {
    let out = Command::new(ONUS).args(["witness", "keygen", "witness.example/w1", "--out"]).arg(dir.join("w.key")).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::write(dir.join("logs.txt"), format!("# the logs this witness cosigns\nlog {}\n", note::vkey(ORIGIN, &Key::of(log_key)))).unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn leaves(n: u64, fork_at: Option<u64>) -> Vec<Hash> {
    (0..n).map(|i| Hash(*blake3::hash(format!("leaf {i}{}", if fork_at.is_some_and(|f| i >= f) { " (fork)" } else { "" }).as_bytes()).as_bytes())).collect()
}

fn checkpoint(key: &SigningKey, origin: &str, l: &[Hash]) -> String {
    note::sign_note(&note::checkpoint_text(origin, l.len() as u64, &merkle::root(l)), origin, key)
}

/// POSTs an add-checkpoint: status, content type, body.
fn add(agent: &ureq::Agent, base: &str, body: &str) -> Result<(u16, String, String), String> {
    match agent.post(&format!("{base}/add-checkpoint")).send_string(body) {
        Ok(r) => Ok((r.status(), r.content_type().to_string(), r.into_string().unwrap())),
        Err(ureq::Error::Status(s, r)) => Ok((s, r.content_type().to_string(), r.into_string().unwrap())),
        Err(e) => Err(e.to_string()),
    }
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new().timeout(Duration::from_secs(10)).build()
}

/// The cosignature line of a 200, checked against the witness key over the checkpoint's text.
fn check_cosignature(line: &str, w: &WitnessKey, note_text: &str) -> Cosignature {
    let (name, b64) = line.trim_end().strip_prefix("\u{2014} ").unwrap().split_once(' ').unwrap();
    let c = Cosignature::from_blob(name, &base64::engine::general_purpose::STANDARD.decode(b64).unwrap()).expect("a 76-byte cosignature");
    assert!(c.is_by(w));
    c.verify(note_text, w).expect("the cosignature verifies");
    c
}

#[test]
fn every_status_of_the_protocol() {
    let dir = tmpdir("witness-http");
    let log = SigningKey::from_bytes(&[5; 32]);
    let printed = setup(&dir, &log);
    let w = Witness::start(&dir, "127.0.0.1:0", &[]);
    assert_eq!(printed, w.vkey.vkey(), "keygen prints the vkey the server uses");
    let a = agent();
    let good = leaves(20, None);
    let fork = leaves(20, Some(8));
    let cp = |l: &[Hash]| checkpoint(&log, ORIGIN, l);

    // First contact: old 0.
    let (s, _, body) = add(&a, &w.base, &add_checkpoint_body(0, &[], &cp(&good[..10]))).unwrap();
    assert_eq!(s, 200, "{body}");
    let c = check_cosignature(&body, &w.vkey, &note::checkpoint_text(ORIGIN, 10, &merkle::root(&good[..10])));
    assert!(c.time.abs_diff(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()) < 60);
    // Stale old size: 409 with the witness's size, as text/x.tlog.size.
    let (s, ct, body) = add(&a, &w.base, &add_checkpoint_body(0, &[], &cp(&good[..12]))).unwrap();
    assert_eq!((s, ct.as_str(), body.as_str()), (409, "text/x.tlog.size", "10\n"));
    // Growing with a proof: 200.
    let (s, _, body) = add(&a, &w.base, &add_checkpoint_body(10, &merkle::consistency_proof(10, &good[..15]), &cp(&good[..15]))).unwrap();
    assert_eq!(s, 200, "{body}");
    // The fork, at 15 with a proof from 10 made of its own leaves: 422.
    let (s, _, body) = add(&a, &w.base, &add_checkpoint_body(15, &merkle::consistency_proof(15, &fork[..16]), &cp(&fork[..16]))).unwrap();
    assert_eq!(s, 422, "{body}");
    assert!(body.contains("does not verify"), "{body}");
    // The fork at the witness's own size: 409 (another root).
    let (s, _, body) = add(&a, &w.base, &add_checkpoint_body(15, &[], &cp(&fork[..15]))).unwrap();
    assert_eq!((s, body.as_str()), (409, "15\n"));
    // Not signed by the log key it trusts: 403. An origin it does not know: 404.
    let other = SigningKey::from_bytes(&[6; 32]);
    let (s, _, _) = add(&a, &w.base, &add_checkpoint_body(15, &[], &checkpoint(&other, ORIGIN, &good[..15]))).unwrap();
    assert_eq!(s, 403);
    let (s, _, body) = add(&a, &w.base, &add_checkpoint_body(0, &[], &checkpoint(&log, "example.org/unknown", &good[..3]))).unwrap();
    assert_eq!(s, 404, "{body}");
    // Malformed: old above the checkpoint, a bad proof line, no blank line, an oversized body.
    for bad in [add_checkpoint_body(16, &[], &cp(&good[..15])), format!("old 15\nnot-a-hash\n\n{}", cp(&good[..16])), "old 15\n".to_string()] {
        let (s, _, body) = add(&a, &w.base, &bad).unwrap();
        assert_eq!(s, 400, "{bad:?}: {body}");
    }
    let (s, _, _) = add(&a, &w.base, &"x".repeat(70_000)).unwrap();
    assert_eq!(s, 413);
    // The monitoring view: what it cosigned last.
    let logs: serde_json::Value = serde_json::from_str(&a.get(&format!("{}/logs", w.base)).call().unwrap().into_string().unwrap()).unwrap();
    assert_eq!(logs["logs"][0]["origin"], ORIGIN);
    assert_eq!(logs["logs"][0]["size"], 15);
    let held = logs["logs"][0]["checkpoint"].as_str().unwrap();
    assert!(note::verify_checkpoint(held, ORIGIN, &Key::of(&log)).is_ok());
    let (text, cosigs) = note::cosignatures(held).unwrap();
    assert!(cosigs.iter().any(|c| c.is_by(&w.vkey) && c.verify(text, &w.vkey).is_ok()), "the held checkpoint carries the witness's cosignature");
}

#[test]
fn the_rate_limit_answers_429() {
    let dir = tmpdir("witness-rate");
    let log = SigningKey::from_bytes(&[5; 32]);
    setup(&dir, &log);
    let w = Witness::start(&dir, "127.0.0.1:0", &["--rate", "1", "--burst", "3"]);
    let a = agent();
    let codes: Vec<u16> = (0..6).map(|_| add(&a, &w.base, "old 0\n").unwrap().0).collect();
    assert_eq!(&codes[..3], &[400, 400, 400]);
    assert!(codes[3..].contains(&429), "{codes:?}");
}

/// Two histories of one log, each submitted as it grows (409s followed), with SIGKILLs in the middle.
#[test]
fn sigkill_mid_stream_never_makes_it_cosign_both_histories() {
    const N: u64 = 400;
    const FORK: u64 = 50;
    let dir = tmpdir("witness-crash");
    let log = SigningKey::from_bytes(&[5; 32]);
    setup(&dir, &log);
    let good = Arc::new(leaves(N, None));
    let fork = Arc::new(leaves(N, Some(FORK)));
    let mut w = Witness::start(&dir, "127.0.0.1:0", &["--rate", "0"]);
    let base = Arc::new(Mutex::new(w.base.clone()));
    let vkey = w.vkey.clone();
    let cosigned: Arc<Mutex<Vec<(bool, u64)>>> = Arc::default();
    let requests = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let threads: Vec<_> = [false, true]
        .into_iter()
        .map(|is_fork| {
            let (good, fork, base, cosigned, requests, stop, log, vkey) = (good.clone(), fork.clone(), base.clone(), cosigned.clone(), requests.clone(), stop.clone(), log.clone(), vkey.clone());
            std::thread::spawn(move || {
                let l = if is_fork { fork } else { good };
                let a = agent();
                let mut old = 0u64;
                let mut size = 1u64;
                while size <= N && !stop.load(Ordering::Relaxed) {
                    let proof = if old == 0 || old == size { vec![] } else { merkle::consistency_proof(old, &l[..size as usize]) };
                    let url = base.lock().unwrap().clone();
                    let Ok((s, _, body)) = add(&a, &url, &add_checkpoint_body(old, &proof, &checkpoint(&log, ORIGIN, &l[..size as usize]))) else {
                        std::thread::sleep(Duration::from_millis(20));
                        continue; // the witness is down: try again
                    };
                    requests.fetch_add(1, Ordering::Relaxed);
                    match s {
                        200 => {
                            check_cosignature(&body, &vkey, &note::checkpoint_text(ORIGIN, size, &merkle::root(&l[..size as usize])));
                            cosigned.lock().unwrap().push((is_fork, size));
                            old = size;
                            size += 1;
                        }
                        409 => {
                            let theirs: u64 = body.trim().parse().unwrap();
                            if theirs == old {
                                // The witness holds another root at this very size: refused from here on.
                                return;
                            }
                            old = theirs;
                        }
                        // Its own history no longer extends the witness's: this history is refused from here on.
                        422 => return,
                        other => panic!("unexpected {other}: {body}"),
                    }
                    if old > size {
                        // The witness is ahead (the other history took it further): catch up from there.
                        size = old;
                    }
                }
            })
        })
        .collect();
    // Three SIGKILLs at moments of the stream, each followed by a restart on the same state.
    let started = Instant::now();
    for at in [100, 250, 450] {
        while requests.load(Ordering::Relaxed) < at && started.elapsed() < Duration::from_secs(60) {
            std::thread::sleep(Duration::from_millis(1));
        }
        w.kill();
        w = Witness::start(&dir, "127.0.0.1:0", &["--rate", "0"]);
        *base.lock().unwrap() = w.base.clone();
    }
    for t in threads {
        t.join().expect("a client");
    }
    stop.store(true, Ordering::Relaxed);
    let elapsed = started.elapsed();
    let cosigned = cosigned.lock().unwrap().clone();
    let past_fork: Vec<bool> = cosigned.iter().filter(|(_, s)| *s > FORK).map(|(f, _)| *f).collect();
    assert!(!past_fork.is_empty(), "some checkpoints past the fork were cosigned");
    assert!(past_fork.iter().all(|&f| f == past_fork[0]), "the witness cosigned both histories past size {FORK}");
    // The state it restarted from is the largest it cosigned.
    let logs: serde_json::Value = serde_json::from_str(&agent().get(&format!("{}/logs", w.base)).call().unwrap().into_string().unwrap()).unwrap();
    let largest = cosigned.iter().map(|(_, s)| *s).max().unwrap();
    assert_eq!(logs["logs"][0]["size"].as_u64(), Some(largest));
    println!(
        "witness: {} requests ({} cosigned, {:.0} requests/s over {:.1} s with three SIGKILLs and restarts); every cosignature past the fork at {FORK} is of the {} history",
        requests.load(Ordering::Relaxed),
        cosigned.len(),
        requests.load(Ordering::Relaxed) as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64(),
        if past_fork[0] { "forked" } else { "original" }
    );
}

//! Trust policies over cosigned checkpoints (FORMAT.md section 9): the
//! verifier seals statements only under a checkpoint whose quorum of witness
//! cosignatures is met, names who cosigned and when, and rejects a checkpoint
//! whose cosignature by a named witness does not verify.

use ed25519_dalek::SigningKey;
use onus::cosignature::{cosign, WitnessKey};
use onus::policy::Policy;
use onus::statement::Key;
use onus::{verify_bytes, Code, Options, Report, Status};

fn trace() -> Vec<u8> {
    let mut out = Vec::new();
    onus::demo::write_demo(&mut out, 300, 11, 1, |_| {}).unwrap();
    out
}

fn witness(n: u8) -> (SigningKey, WitnessKey) {
    let sk = SigningKey::from_bytes(&[n; 32]);
    let w = WitnessKey { name: format!("witness-{n}.example"), key: Key::of(&sk) };
    (sk, w)
}

/// The trace with every checkpoint cosigned by `by` (a cosignature line appended to each note).
fn cosigned(trace: &[u8], by: &[u8], tamper: Option<u8>) -> Vec<u8> {
    let text = std::str::from_utf8(trace).unwrap();
    let mut out = String::new();
    for line in text.lines() {
        if let Some(v) = line.starts_with("{\"checkpoint\"").then(|| serde_json::from_str::<serde_json::Value>(line).unwrap()) {
            let note = v["checkpoint"].as_str().unwrap();
            let body = &note[..note.find("\n\n").unwrap() + 1];
            let mut note = note.to_string();
            for &n in by {
                let (sk, w) = witness(n);
                let mut l = cosign(body, &w.name, &sk, 1_800_000_000 + n as u64);
                if tamper == Some(n) {
                    // One bit of the signature, re-encoded.
                    use base64::Engine;
                    let (head, b64) = l.rsplit_once(' ').unwrap();
                    let mut blob = base64::engine::general_purpose::STANDARD.decode(b64).unwrap();
                    blob[40] ^= 1;
                    l = format!("{head} {}", base64::engine::general_purpose::STANDARD.encode(blob));
                }
                note.push_str(&l);
                note.push('\n');
            }
            out.push_str(&onus::note::checkpoint_line(&note));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out.into_bytes()
}

fn log_vkey(trace: &[u8]) -> String {
    verify_bytes(trace, Options::default()).vkey.unwrap()
}

fn policy(trace: &[u8], witnesses: &[u8], quorum: &str) -> Policy {
    let mut text = format!("log {}\n", log_vkey(trace));
    for &n in witnesses {
        text.push_str(&format!("witness W{n} {}\n", witness(n).1.vkey()));
    }
    text.push_str(quorum);
    text.push('\n');
    Policy::parse(&text).unwrap()
}

fn run(trace: &[u8], p: Policy) -> Report {
    verify_bytes(trace, Options { policy: Some(p), ..Options::default() })
}

fn codes(r: &Report) -> Vec<Code> {
    r.findings.iter().map(|f| f.code).collect()
}

#[test]
fn a_met_quorum_seals_and_names_who_cosigned_and_when() {
    let t = cosigned(&trace(), &[1, 2], None);
    let r = run(&t, policy(&t, &[1, 2, 3], "group two 2 W1 W2 W3\nquorum two"));
    assert_eq!(r.status, Status::Verified, "{:?}", codes(&r));
    assert_eq!(r.policy.as_ref().unwrap().quorum, "2 of (W1, W2, W3)");
    assert!(r.policy.as_ref().unwrap().requires_witnesses);
    assert_eq!(r.policy.as_ref().unwrap().witnesses[0].vkey, witness(1).1.vkey());
    let sealed = r.sealed.unwrap();
    let who: Vec<(&str, &str, u64)> = sealed.cosigners.iter().map(|c| (c.witness.as_str(), c.key_name.as_str(), c.unix_time)).collect();
    assert_eq!(who, [("W1", "witness-1.example", 1_800_000_001), ("W2", "witness-2.example", 1_800_000_002)]);
    assert_eq!(sealed.cosigners[0].time, "2027-01-15T08:00:01Z");
    // Without a policy the same trace verifies, and nothing is said about witnesses.
    let plain = verify_bytes(&t, Options::default());
    assert_eq!(plain.status, Status::Verified);
    assert!(plain.policy.is_none());
    assert!(plain.sealed.unwrap().cosigners.is_empty());
}

#[test]
fn an_unmet_quorum_seals_nothing() {
    let t = cosigned(&trace(), &[1], None);
    let r = run(&t, policy(&t, &[1, 2, 3], "group two 2 W1 W2 W3\nquorum two"));
    assert_eq!(r.status, Status::Unsealed, "{:?}", codes(&r));
    assert!(r.sealed.is_none());
    let unmet: Vec<_> = r.findings.iter().filter(|f| f.code == Code::CheckpointQuorumUnmet).collect();
    assert!(!unmet.is_empty());
    assert!(unmet[0].message.contains("quorum (2 of (W1, W2, W3)) is not met: cosigned by W1"), "{}", unmet[0].message);
    assert!(codes(&r).contains(&Code::TraceUnsealed));
    // No cosignature at all, a policy that wants one.
    let bare = trace();
    let r = run(&bare, policy(&bare, &[1], "quorum W1"));
    assert_eq!(r.status, Status::Unsealed);
    assert!(r.findings.iter().any(|f| f.code == Code::CheckpointQuorumUnmet && f.message.contains("cosigned by no witness of the policy")));
    // `quorum none`: the log's signature suffices.
    let r = run(&bare, policy(&bare, &[1], "quorum none"));
    assert_eq!(r.status, Status::Verified);
    assert!(!r.policy.unwrap().requires_witnesses);
}

#[test]
fn a_bad_cosignature_by_a_named_witness_fails_the_checkpoint_and_an_unknown_one_is_ignored() {
    let t = cosigned(&trace(), &[1, 2], Some(2));
    let r = run(&t, policy(&t, &[1, 2], "group any1 any W1 W2\nquorum any1"));
    assert_eq!(r.status, Status::Failed, "{:?}", codes(&r));
    let bad = r.findings.iter().find(|f| f.code == Code::CheckpointCosignatureInvalid).expect("cosignature.invalid");
    assert!(bad.message.contains("witness W2"), "{}", bad.message);
    // The same bad line by a witness the policy does not name is ignored.
    let r = run(&t, policy(&t, &[1], "quorum W1"));
    assert_eq!(r.status, Status::Verified, "{:?}", codes(&r));
}

#[test]
fn a_policy_for_another_log_is_a_key_mismatch() {
    let t = cosigned(&trace(), &[1], None);
    let other = onus::note::vkey("example.org/other", &Key::of(&SigningKey::from_bytes(&[77; 32])));
    let p = Policy::parse(&format!("log {other}\nwitness W1 {}\nquorum W1\n", witness(1).1.vkey())).unwrap();
    let r = run(&t, p);
    assert_eq!(r.status, Status::Failed);
    let f = r.findings.iter().find(|f| f.code == Code::LogKeyMismatch).expect("log.key.mismatch");
    assert_eq!(f.index, Some(0));
    assert!(f.message.contains("which your trust policy does not name"), "{}", f.message);
}

#[test]
fn a_pinned_policy_applies_to_its_own_log_only() {
    let t = cosigned(&trace(), &[1], None);
    let wants_w2 = policy(&t, &[2], "quorum W2");
    // Pinned for this log: applies as if given.
    let r = verify_bytes(&t, Options { pinned_policies: vec![wants_w2.clone()], ..Options::default() });
    assert_eq!(r.status, Status::Unsealed);
    assert!(codes(&r).contains(&Code::CheckpointQuorumUnmet));
    // Pinned for another log: not this one's business.
    let other = onus::note::vkey("example.org/other", &Key::of(&SigningKey::from_bytes(&[77; 32])));
    let theirs = Policy::parse(&format!("log {other}\nwitness W2 {}\nquorum W2\n", witness(2).1.vkey())).unwrap();
    let r = verify_bytes(&t, Options { pinned_policies: vec![theirs], ..Options::default() });
    assert_eq!(r.status, Status::Verified);
    // A policy given now takes the place of the pinned one.
    let r = verify_bytes(&t, Options { policy: Some(policy(&t, &[1], "quorum W1")), pinned_policies: vec![wants_w2], ..Options::default() });
    assert_eq!(r.status, Status::Verified);
    assert_eq!(r.sealed.unwrap().cosigners[0].witness, "W1");
}

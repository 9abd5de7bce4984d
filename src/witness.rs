//! A witness's decision on one `add-checkpoint` request (C2SP tlog-witness,
//! FORMAT.md section 9), without I/O: parse the request, then decide from the
//! log key the witness trusts for the origin and the latest checkpoint it
//! cosigned. The server (`onus witness serve`) persists the new state
//! atomically with the decision before it answers.

use crate::merkle;
use crate::note::{self, Checkpoint, CheckpointError};
use crate::statement::{Hash, Key};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// At most this many consistency proof lines (C2SP tlog-witness).
pub const MAX_PROOF_LINES: usize = 63;
/// A request body is at most this long: 63 proof lines and a note with its signature lines.
pub const MAX_BODY: usize = 64 * 1024;

/// A parsed `add-checkpoint` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpoint {
    pub old: u64,
    pub proof: Vec<Hash>,
    /// The checkpoint note, signatures included.
    pub note: String,
}

/// `old <size>\n`, up to 63 base64 hash lines, an empty line, the checkpoint.
pub fn parse_add_checkpoint(body: &[u8]) -> Result<AddCheckpoint, String> {
    if body.len() > MAX_BODY {
        return Err(format!("the body is {} bytes, over the {MAX_BODY} a request may have", body.len()));
    }
    let text = std::str::from_utf8(body).map_err(|_| "the body is not UTF-8 text".to_string())?;
    let (head, note) = text.split_once("\n\n").ok_or("no empty line between the old size and proof lines and the checkpoint")?;
    let mut lines = head.split('\n');
    let old_line = lines.next().unwrap_or("");
    let old_s = old_line.strip_prefix("old ").ok_or_else(|| format!("the first line is {old_line:?}, not `old <size>`"))?;
    if old_s.is_empty() || !old_s.bytes().all(|b| b.is_ascii_digit()) || (old_s.len() > 1 && old_s.starts_with('0')) {
        return Err(format!("old size {old_s:?} is not a decimal without leading zeros"));
    }
    let old: u64 = old_s.parse().map_err(|_| format!("old size {old_s} is too large"))?;
    let mut proof = Vec::new();
    for l in lines {
        if proof.len() == MAX_PROOF_LINES {
            return Err(format!("more than {MAX_PROOF_LINES} consistency proof lines"));
        }
        let raw = STANDARD.decode(l).ok().filter(|r| r.len() == 32 && STANDARD.encode(r) == l);
        proof.push(raw.and_then(|r| Hash::from_slice(&r)).ok_or_else(|| format!("proof line {l:?} is not standard base64 of 32 bytes"))?);
    }
    Ok(AddCheckpoint { old, proof, note: note.to_string() })
}

/// The body of a request, as a log sends it.
pub fn add_checkpoint_body(old: u64, proof: &[Hash], note: &str) -> String {
    let mut s = format!("old {old}\n");
    for h in proof {
        s.push_str(&STANDARD.encode(h.0));
        s.push('\n');
    }
    s.push('\n');
    s.push_str(note);
    s
}

/// What the witness answers (each is one HTTP status of the protocol).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// 200: cosign this checkpoint and record it (its note text is what is cosigned).
    Cosign { checkpoint: Checkpoint, text: String },
    /// 409: the old size is not the witness's size for the origin (routine: the
    /// client learns the size), or the same size with another root (`fork`: a
    /// split view, worth an operator's attention).
    Conflict { size: u64, fork: bool, why: String },
    /// 422: the consistency proof does not verify.
    BadProof(String),
    /// 403: no signature by the trusted log key verifies.
    BadSignature(String),
    /// 404: the witness does not know the origin.
    UnknownLog(String),
    /// 400.
    Malformed(String),
}

impl Decision {
    pub fn status(&self) -> u16 {
        match self {
            Decision::Cosign { .. } => 200,
            Decision::Conflict { .. } => 409,
            Decision::BadProof(_) => 422,
            Decision::BadSignature(_) => 403,
            Decision::UnknownLog(_) => 404,
            Decision::Malformed(_) => 400,
        }
    }
}

/// The origin a checkpoint note claims (to look up the log key and state), or why it has none.
pub fn origin_of(note: &str) -> Result<String, String> {
    note::parse_checkpoint(note).map(|c| c.origin)
}

/// Decides a request for a log whose key is `log_key` (None: unknown origin), given the
/// latest checkpoint the witness cosigned for it (`latest`: size and root).
pub fn decide(req: &AddCheckpoint, log_key: Option<&Key>, latest: Option<(u64, Hash)>) -> Decision {
    let origin = match origin_of(&req.note) {
        Ok(o) => o,
        Err(why) => return Decision::Malformed(format!("the checkpoint cannot be read: {why}")),
    };
    let Some(key) = log_key else { return Decision::UnknownLog(format!("this witness does not know the log {origin:?}")) };
    let cp = match note::verify_checkpoint(&req.note, &origin, key) {
        Ok(cp) => cp,
        Err(CheckpointError::Malformed(why)) => return Decision::Malformed(format!("the checkpoint cannot be read: {why}")),
        Err(e) => return Decision::BadSignature(format!("the checkpoint is not signed by the log key this witness trusts for {origin:?}: {}", e.explain(&origin, key))),
    };
    if req.old > cp.size {
        return Decision::Malformed(format!("old size {} is above the checkpoint's size {}", req.old, cp.size));
    }
    let (have, have_root) = latest.unwrap_or((0, merkle::empty_root()));
    if req.old != have {
        return Decision::Conflict { size: have, fork: false, why: format!("the witness's latest cosigned checkpoint of {origin:?} has size {have}, not {}", req.old) };
    }
    if req.old == cp.size {
        if !req.proof.is_empty() {
            return Decision::BadProof("the proof must be empty when the old size is the checkpoint's size".into());
        }
        if cp.root != have_root {
            return Decision::Conflict { size: have, fork: true, why: format!("the witness cosigned another root at size {have}: this checkpoint is of another history") };
        }
    } else if req.old == 0 {
        if !req.proof.is_empty() {
            return Decision::BadProof("the proof must be empty when the old size is 0".into());
        }
    } else if let Err(e) = merkle::verify_consistency(req.old, cp.size, &have_root, &cp.root, &req.proof) {
        return Decision::BadProof(format!("the consistency proof from size {} to {} does not verify ({e:?})", req.old, cp.size));
    }
    let text = note::note_text(&req.note).expect("a note that verified has a text").to_string();
    Decision::Cosign { checkpoint: cp, text }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;

    fn leaves(n: u64, fork_at: Option<u64>) -> Vec<Hash> {
        (0..n).map(|i| Hash(*blake3::hash(format!("{i}{}", if fork_at.is_some_and(|f| i >= f) { "x" } else { "" }).as_bytes()).as_bytes())).collect()
    }

    fn signed(sk: &SigningKey, l: &[Hash]) -> String {
        note::sign_note(&note::checkpoint_text("example.org/log", l.len() as u64, &merkle::root(l)), "example.org/log", sk)
    }

    #[test]
    fn every_answer_of_the_protocol() {
        let sk = SigningKey::from_bytes(&[1; 32]);
        let key = Key::of(&sk);
        let good = leaves(10, None);
        let fork = leaves(10, Some(3));
        let req = |old: u64, proof: Vec<Hash>, l: &[Hash]| parse_add_checkpoint(add_checkpoint_body(old, &proof, &signed(&sk, l)).as_bytes()).unwrap();
        // First contact: old 0, empty proof.
        assert!(matches!(decide(&req(0, vec![], &good[..5]), Some(&key), None), Decision::Cosign { .. }));
        let at5 = Some((5, merkle::root(&good[..5])));
        // Growing with a proof.
        let p = merkle::consistency_proof(5, &good);
        assert!(matches!(decide(&req(5, p.clone(), &good), Some(&key), at5), Decision::Cosign { .. }));
        // The fork's proof from 5 fails; a stale old size conflicts with the witness's size.
        assert_eq!(decide(&req(5, merkle::consistency_proof(5, &fork), &fork), Some(&key), at5).status(), 422);
        assert_eq!(decide(&req(4, vec![], &good), Some(&key), at5), Decision::Conflict { size: 5, fork: false, why: "the witness's latest cosigned checkpoint of \"example.org/log\" has size 5, not 4".into() });
        // Same size, another root: conflict.
        assert!(matches!(decide(&req(5, vec![], &fork[..5]), Some(&key), Some((5, merkle::root(&fork[..4])))), Decision::Conflict { size: 5, fork: true, .. }));
        // Same size and root: cosigned again.
        assert!(matches!(decide(&req(5, vec![], &good[..5]), Some(&key), at5), Decision::Cosign { .. }));
        // Old above the checkpoint; unknown log; another key.
        assert_eq!(decide(&req(11, vec![], &good), Some(&key), None).status(), 400);
        assert_eq!(decide(&req(0, vec![], &good), None, None).status(), 404);
        assert_eq!(decide(&req(0, vec![], &good), Some(&Key([9; 32])), None).status(), 403);
        // Malformed bodies.
        for bad in ["", "old 01\n\nx", "old 5\nnot base64\n\nx", "new 5\n\nx", "old 5\n"] {
            assert!(parse_add_checkpoint(bad.as_bytes()).is_err(), "{bad:?}");
        }
        let many = format!("old 1\n{}\n\nx", vec![STANDARD.encode([0u8; 32]); 64].join("\n"));
        assert!(parse_add_checkpoint(many.as_bytes()).unwrap_err().contains("more than 63"));
    }
}

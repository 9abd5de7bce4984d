//! Fork evidence: two checkpoints of one log, each signed by the log's key,
//! that cannot both be true, in a file anyone can check again
//! (`onus verify-fork FILE`; the layout is in docs/SERVE.md, "Fork evidence").
//!
//! - Same size, different roots: the two notes alone prove the fork.
//! - Different sizes: the larger tree's root at the smaller size and the
//!   RFC 9162 (2.1.4) consistency proof from it to the larger root. The proof
//!   binds the larger checkpoint to that root at the smaller size, so when it
//!   verifies and the root is not the smaller checkpoint's, the log signed two
//!   histories.
//!
//! Making the evidence needs the larger tree (its perfect subtrees); checking
//! it needs only the file.

use crate::merkle::{self, Subtrees};
use crate::note;
use crate::policy::{Policy, Witnessed};
use crate::statement::{Hash, Key};
use serde::{Deserialize, Serialize};

/// The value of the file's `onus_fork` member: the version of its layout.
pub const FORK_EVIDENCE_VERSION: u64 = 1;

/// The evidence file (JSON). Other members (where each checkpoint was seen,
/// when) may be present and are not part of the proof.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct ForkEvidence {
    pub onus_fork: u64,
    /// The log's vkey (C2SP `origin+keyid+base64`): whose signatures make this evidence.
    pub log: String,
    /// The two signed checkpoint notes (with any cosignatures), the smaller first.
    pub checkpoints: Vec<String>,
    /// Different sizes only: the larger tree's root at the smaller size (hex).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_at_smaller: Option<String>,
    /// Different sizes only: the consistency proof from `root_at_smaller` to the larger root (hex).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub proof: Vec<String>,
}

/// One checkpoint of a proven fork.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Side {
    pub size: u64,
    pub root: Hash,
    /// The key names of the witnesses whose cosignatures verify under the policy given.
    pub cosigners: Vec<String>,
}

/// A proven fork: the log signed both, and they cannot both be true.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fork {
    pub origin: String,
    pub smaller: Side,
    pub larger: Side,
    /// The larger checkpoint's root at the smaller size (not the smaller's root).
    pub root_at_smaller: Hash,
}

/// Why a file does not prove a fork.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotAFork {
    /// It is not fork evidence of this layout.
    Malformed(String),
    /// Checkpoint `which` (0 or 1) is not signed by the log's key.
    Unsigned { which: usize, why: String },
    /// Under the policy given, checkpoint `which` is not cosigned by its quorum.
    Unwitnessed { which: usize, why: String },
    /// The same size and root: nothing contradicts.
    Same,
    /// The larger checkpoint extends the smaller one: no fork.
    Consistent,
    /// The proof does not verify against the larger checkpoint: it shows nothing.
    BadProof(String),
}

impl NotAFork {
    /// A dotted code for the CLI's JSON and exit status.
    pub fn code(&self) -> &'static str {
        match self {
            NotAFork::Malformed(_) => "fork.malformed",
            NotAFork::Unsigned { .. } => "fork.signature.invalid",
            NotAFork::Unwitnessed { .. } => "fork.quorum.unmet",
            NotAFork::Same => "fork.same",
            NotAFork::Consistent => "fork.consistent",
            NotAFork::BadProof(_) => "fork.proof.invalid",
        }
    }
}

impl std::fmt::Display for NotAFork {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotAFork::Malformed(why) => write!(f, "this is not fork evidence: {why}"),
            NotAFork::Unsigned { which, why } => write!(f, "checkpoint {} is not signed by the log: {why}; evidence must be two checkpoints the log itself signed", which + 1),
            NotAFork::Unwitnessed { which, why } => write!(f, "checkpoint {} does not meet your policy: {why}", which + 1),
            NotAFork::Same => write!(f, "the two checkpoints are the same (one size, one root): nothing contradicts"),
            NotAFork::Consistent => write!(f, "the larger checkpoint extends the smaller one (the proof shows the same root at the smaller size): no fork"),
            NotAFork::BadProof(why) => write!(f, "the consistency proof does not verify against the larger checkpoint ({why}), so it shows nothing about the log; make the evidence again from a copy of the larger log"),
        }
    }
}

/// Evidence that `a` and `b` (signed notes of the log `log_vkey`, in any order)
/// are two histories; `larger` gives the perfect subtrees of the larger one's
/// tree. Nothing is checked here: [`check`] says whether it proves a fork.
pub fn evidence<S: Subtrees + ?Sized>(log_vkey: &str, a: &str, b: &str, larger: &mut S) -> Result<ForkEvidence, String> {
    let (ca, cb) = (note::parse_checkpoint(a)?, note::parse_checkpoint(b)?);
    let (small, large, n, m) = if ca.size <= cb.size { (a, b, ca.size, cb.size) } else { (b, a, cb.size, ca.size) };
    let (root_at_smaller, proof) = match n == m {
        true => (None, Vec::new()),
        false => {
            let fail = |_| format!("the larger log's tree is not at hand up to size {m}");
            let root = merkle::root_of(n, larger).map_err(fail)?;
            let proof = merkle::consistency_proof_of(n, m, larger).map_err(fail)?;
            (Some(root.to_string()), proof.iter().map(Hash::to_string).collect())
        }
    };
    Ok(ForkEvidence { onus_fork: FORK_EVIDENCE_VERSION, log: log_vkey.to_string(), checkpoints: vec![small.to_string(), large.to_string()], root_at_smaller, proof })
}

/// Whether `e` proves that its log signed two histories. With a policy, each
/// checkpoint must also be cosigned by the policy's quorum.
pub fn check(e: &ForkEvidence, policy: Option<&Policy>) -> Result<Fork, NotAFork> {
    let parsed = parse(e)?;
    let mut sides = Vec::with_capacity(2);
    for (which, text) in e.checkpoints.iter().enumerate() {
        let cp = note::verify_checkpoint(text, &parsed.origin, &parsed.key).map_err(|err| NotAFork::Unsigned { which, why: err.explain(&parsed.origin, &parsed.key) })?;
        let cosigners = match policy.map(|p| p.evaluate(text)) {
            None => Vec::new(),
            Some(Ok(Witnessed::Met(who))) => who.into_iter().map(|c| c.key_name).collect(),
            Some(Ok(Witnessed::Unmet(_))) => return Err(NotAFork::Unwitnessed { which, why: format!("its quorum ({}) is not met", policy.map(Policy::describe).unwrap_or_default()) }),
            Some(Ok(Witnessed::Invalid { witness, why })) => return Err(NotAFork::Unwitnessed { which, why: format!("the cosignature by {witness} does not verify ({why})") }),
            Some(Err(why)) => return Err(NotAFork::Unwitnessed { which, why }),
        };
        sides.push(Side { size: cp.size, root: cp.root, cosigners });
    }
    let larger = sides.pop().expect("two checkpoints");
    let smaller = sides.pop().expect("two checkpoints");
    if smaller.size > larger.size {
        return Err(NotAFork::Malformed("the smaller checkpoint must come first".into()));
    }
    let root_at_smaller = if smaller.size == larger.size {
        if !parsed.proof.is_empty() || parsed.root_at_smaller.is_some() {
            return Err(NotAFork::Malformed("two checkpoints of one size need no proof and no root_at_smaller".into()));
        }
        larger.root
    } else {
        let root = parsed.root_at_smaller.ok_or_else(|| NotAFork::Malformed("checkpoints of different sizes need root_at_smaller and proof".into()))?;
        merkle::verify_consistency(smaller.size, larger.size, &root, &larger.root, &parsed.proof).map_err(|e| NotAFork::BadProof(format!("{e:?}")))?;
        root
    };
    if root_at_smaller == smaller.root {
        return Err(if smaller.size == larger.size { NotAFork::Same } else { NotAFork::Consistent });
    }
    Ok(Fork { origin: parsed.origin, smaller, larger, root_at_smaller })
}

struct Parsed {
    origin: String,
    key: Key,
    root_at_smaller: Option<Hash>,
    proof: Vec<Hash>,
}

fn parse(e: &ForkEvidence) -> Result<Parsed, NotAFork> {
    let bad = |s: String| NotAFork::Malformed(s);
    if e.onus_fork != FORK_EVIDENCE_VERSION {
        return Err(bad(format!("onus_fork is {}; this verifier reads version {FORK_EVIDENCE_VERSION}", e.onus_fork)));
    }
    let (origin, key) = note::parse_vkey(&e.log).map_err(|why| bad(format!("log: {why}")))?;
    if e.checkpoints.len() != 2 {
        return Err(bad(format!("checkpoints holds {} notes; evidence is exactly two", e.checkpoints.len())));
    }
    let hash = |what: &str, s: &str| Hash::parse(s).map_err(|why| bad(format!("{what}: {why}")));
    let root_at_smaller = e.root_at_smaller.as_deref().map(|s| hash("root_at_smaller", s)).transpose()?;
    let proof = e.proof.iter().enumerate().map(|(i, s)| hash(&format!("proof[{i}]"), s)).collect::<Result<_, _>>()?;
    Ok(Parsed { origin, key, root_at_smaller, proof })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cosignature::{cosign, WitnessKey};
    use crate::merkle::Leaves;
    use ed25519_dalek::SigningKey;

    const ORIGIN: &str = "example.org/log";

    fn leaves(n: u64, fork_at: Option<u64>) -> Vec<Hash> {
        (0..n).map(|i| Hash(*blake3::hash(format!("{i}{}", if fork_at.is_some_and(|f| i >= f) { "x" } else { "" }).as_bytes()).as_bytes())).collect()
    }

    fn signed(sk: &SigningKey, l: &[Hash]) -> String {
        note::sign_note(&note::checkpoint_text(ORIGIN, l.len() as u64, &merkle::root(l)), ORIGIN, sk)
    }

    fn log() -> (SigningKey, String) {
        let sk = SigningKey::from_bytes(&[7; 32]);
        let v = note::vkey(ORIGIN, &Key::of(&sk));
        (sk, v)
    }

    #[test]
    fn same_size_two_roots_is_a_fork_and_the_same_checkpoint_is_not() {
        let (sk, v) = log();
        let (a, b) = (leaves(6, None), leaves(6, Some(2)));
        let e = evidence(&v, &signed(&sk, &a), &signed(&sk, &b), &mut Leaves(&b)).unwrap();
        assert!(e.proof.is_empty() && e.root_at_smaller.is_none());
        let fork = check(&e, None).unwrap();
        assert_eq!((fork.smaller.size, fork.larger.size), (6, 6));
        assert_ne!(fork.smaller.root, fork.larger.root);
        let same = evidence(&v, &signed(&sk, &a), &signed(&sk, &a), &mut Leaves(&a)).unwrap();
        assert_eq!(check(&same, None), Err(NotAFork::Same));
    }

    #[test]
    fn different_sizes_need_a_proof_that_verifies() {
        let (sk, v) = log();
        let honest = leaves(5, None);
        let forked = leaves(13, Some(3));
        // Given in either order, the smaller comes first.
        let e = evidence(&v, &signed(&sk, &forked), &signed(&sk, &honest), &mut Leaves(&forked)).unwrap();
        assert_eq!(note::parse_checkpoint(&e.checkpoints[0]).unwrap().size, 5);
        let fork = check(&e, None).unwrap();
        assert_eq!(fork.root_at_smaller, merkle::root(&forked[..5]));
        // The honest extension is no fork.
        let grown = leaves(13, None);
        let ok = evidence(&v, &signed(&sk, &honest), &signed(&sk, &grown), &mut Leaves(&grown)).unwrap();
        assert_eq!(check(&ok, None), Err(NotAFork::Consistent));
        // A made-up root at the smaller size does not verify against the larger checkpoint.
        let mut lie = ok.clone();
        lie.root_at_smaller = Some(Hash([9; 32]).to_string());
        assert_eq!(check(&lie, None).unwrap_err().code(), "fork.proof.invalid");
        let mut short = e.clone();
        short.proof.pop();
        assert_eq!(check(&short, None).unwrap_err().code(), "fork.proof.invalid");
        let mut bare = e.clone();
        bare.root_at_smaller = None;
        assert_eq!(check(&bare, None).unwrap_err().code(), "fork.malformed");
    }

    #[test]
    fn both_checkpoints_must_be_the_logs_own() {
        let (sk, v) = log();
        let other = SigningKey::from_bytes(&[8; 32]);
        let (a, b) = (leaves(4, None), leaves(4, Some(1)));
        let e = evidence(&v, &signed(&sk, &a), &signed(&other, &b), &mut Leaves(&b)).unwrap();
        assert_eq!(check(&e, None), Err(NotAFork::Unsigned { which: 1, why: format!("no signature line by \"{ORIGIN}\" with key id {}", hex::encode(note::key_id(ORIGIN, &Key::of(&sk)))) }));
        let mut v2 = e.clone();
        v2.onus_fork = 2;
        assert_eq!(check(&v2, None).unwrap_err().code(), "fork.malformed");
        let mut one = e.clone();
        one.checkpoints.pop();
        assert_eq!(check(&one, None).unwrap_err().code(), "fork.malformed");
    }

    #[test]
    fn under_a_policy_each_checkpoint_needs_its_quorum() {
        let (sk, v) = log();
        let wsk = SigningKey::from_bytes(&[5; 32]);
        let w = WitnessKey { name: "w.example/1".into(), key: Key::of(&wsk) };
        let policy = Policy::parse(&format!("log {v}\nwitness w1 {}\nquorum w1\n", w.vkey())).unwrap();
        let (a, b) = (leaves(4, None), leaves(4, Some(1)));
        let cosigned = |l: &[Hash]| {
            let n = signed(&sk, l);
            let text = note::note_text(&n).unwrap().to_string();
            format!("{n}{}\n", cosign(&text, &w.name, &wsk, 1_800_000_000))
        };
        let e = evidence(&v, &cosigned(&a), &cosigned(&b), &mut Leaves(&b)).unwrap();
        let fork = check(&e, Some(&policy)).unwrap();
        assert_eq!(fork.smaller.cosigners, vec!["w.example/1".to_string()]);
        let half = evidence(&v, &cosigned(&a), &signed(&sk, &b), &mut Leaves(&b)).unwrap();
        assert_eq!(check(&half, Some(&policy)).unwrap_err(), NotAFork::Unwitnessed { which: 1, why: "its quorum (w1) is not met".into() });
        assert!(check(&half, None).is_ok(), "without a policy the log's signatures suffice");
    }
}

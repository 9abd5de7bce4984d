//! The state file of a resumable verification (FORMAT.md section 8): what a
//! later run needs to verify only the new statements of a tiled log.
//!
//! Layout: `MAGIC`, a version byte, the postcard encoding of
//! [`HeldCheckpoint`] and of the verifier's state, then the BLAKE3 hash of
//! everything before it (a damaged file is refused, never half-read).

use crate::statement::{Hash, Key};
use serde::{Deserialize, Serialize};

/// The first bytes of a state file.
pub const MAGIC: &[u8; 12] = b"onus-state\n\0";
/// Bumped whenever the encoding of the verifier's state changes.
pub const VERSION: u8 = 5;
const CHECKSUM_BYTES: usize = 32;

/// The checkpoint a reader holds, and of which log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldCheckpoint {
    pub origin: String,
    pub key: Key,
    pub size: u64,
    pub root: Hash,
    /// The signed note (evidence, and the report's checkpoint on a stale server).
    pub note: String,
}

#[derive(Serialize, Deserialize)]
struct File<'a> {
    held: HeldCheckpoint,
    #[serde(borrow, with = "serde_bytes")]
    verifier: &'a [u8],
}

/// Why a state file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateError {
    NotState,
    Version(u8),
    Damaged,
    Corrupt(String),
    /// The reader pinned another log key than the state's.
    OtherKey,
}

impl std::fmt::Display for StateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StateError::NotState => write!(f, "this is not an Onus state file; give the file a previous `--state` run wrote, or a new path to start one"),
            StateError::Version(v) => write!(f, "the state file is of version {v}, this verifier reads version {VERSION}; delete it to verify from the start"),
            StateError::Damaged => write!(f, "the state file is damaged (its checksum does not match); delete it to verify from the start"),
            StateError::Corrupt(why) => write!(f, "the state file cannot be used: {why}; delete it to verify from the start"),
            StateError::OtherKey => write!(f, "the state file is of a log with another key than the one given with --key; give this log's state file, or none"),
        }
    }
}

pub fn encode(held: &HeldCheckpoint, verifier: &[u8]) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    out.push(VERSION);
    out.extend(postcard::to_allocvec(&File { held: held.clone(), verifier }).expect("a state serializes"));
    let sum = blake3::hash(&out);
    out.extend_from_slice(sum.as_bytes());
    out
}

/// The held checkpoint and the verifier's state bytes.
pub fn decode(file: &[u8]) -> Result<(HeldCheckpoint, &[u8]), StateError> {
    if file.len() < MAGIC.len() + 1 + CHECKSUM_BYTES || !file.starts_with(MAGIC) {
        return Err(StateError::NotState);
    }
    let (body, sum) = file.split_at(file.len() - CHECKSUM_BYTES);
    if blake3::hash(body).as_bytes() != sum {
        return Err(StateError::Damaged);
    }
    let version = body[MAGIC.len()];
    if version != VERSION {
        return Err(StateError::Version(version));
    }
    let f: File = postcard::from_bytes(&body[MAGIC.len() + 1..]).map_err(|e| StateError::Corrupt(e.to_string()))?;
    Ok((f.held, f.verifier))
}

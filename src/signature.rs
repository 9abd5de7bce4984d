//! Ed25519 with the strict rules of FORMAT.md section 1 (ed25519-dalek `verify_strict`).
//!
//! Many signatures are checked with `verify_batch`, which is about 3x faster per
//! signature, after the checks that the batch equation does not make and
//! `verify_strict` does: canonical `S`, canonical and not-small-order `R`,
//! canonical, not-small-order and torsion-free `A`. A batch that fails is
//! halved until the culprits are named by `verify_strict` alone.
//! The only signatures on which the two can differ have an `R` with a
//! small-order component (mixed order); no signer following RFC 8032 makes one,
//! only the key's holder can, and [`Mode::OneByOne`] removes even that gap.

use curve25519_dalek::scalar::Scalar;
use crate::types::{Id, Key, Sig};
use ed25519_dalek::{Signature, VerifyingKey};

/// How signatures are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Batches of [`BATCH`] with strict pre-checks, falling back to `verify_strict`.
    #[default]
    Batch,
    /// `verify_strict` for every signature (slower; exact even for crafted mixed-order `R`).
    OneByOne,
}

/// Signatures per batch. Natively the AVX2 Straus path is best near 128; in
/// wasm the serial field arithmetic makes Pippenger's larger batches pay
/// (measured: 128 -> 19.7k, 1024 -> 28.1k statements/s per worker).
#[cfg(not(target_arch = "wasm32"))]
pub const BATCH: usize = 128;
#[cfg(target_arch = "wasm32")]
pub const BATCH: usize = 1024;
/// Below this, a failed batch is re-checked one by one.
const BISECT_MIN: usize = 8;

/// Why a signature is invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SigError {
    /// The key is not a valid, canonical, prime-order point (weak or malformed key).
    BadKey,
    /// The signature does not verify under the strict rules.
    Invalid,
}

impl SigError {
    /// Why a signature failed, in words.
    pub fn explain(self) -> &'static str {
        match self {
            SigError::BadKey => "its actor key is not a valid Ed25519 key (malformed, non-canonical or weak)",
            SigError::Invalid => "its signature does not verify under the strict rules",
        }
    }
}

/// Checks one signature with `verify_strict`, also refusing keys that are
/// non-canonical encodings or weak (small order), as FORMAT.md section 1 says.
pub fn verify_one(key: &Key, msg: &[u8], sig: &Sig) -> Result<(), SigError> {
    let vk = strict_key(&key.0).ok_or(SigError::BadKey)?;
    vk.verify_strict(msg, &Signature::from_bytes(&sig.0)).map_err(|_| SigError::Invalid)
}

/// A key accepted by the strict rules: canonical encoding, not small order, a
/// point. Checked on the bytes first so only one decompression is paid: every
/// non-canonical encoding has y >= p or is a small-order point with x = 0.
fn strict_key(key: &[u8; 32]) -> Option<VerifyingKey> {
    if !canonical_y(key) || small_order_encodings().contains(key) {
        return None;
    }
    VerifyingKey::from_bytes(key).ok()
}

/// Also torsion-free: a mixed-order `A` would let the batch equation disagree
/// with `verify_strict`, and no honest key has one.
fn batch_safe_key(key: &[u8; 32]) -> Option<VerifyingKey> {
    strict_key(key).filter(|vk| vk.to_edwards().is_torsion_free())
}

/// Encodings of the small-order points: the eight torsion points, plus the
/// two with x = 0 spelled with the sign bit set (which decode to the same points).
fn small_order_encodings() -> &'static [[u8; 32]] {
    static ENC: std::sync::OnceLock<Vec<[u8; 32]>> = std::sync::OnceLock::new();
    ENC.get_or_init(|| {
        let mut v: Vec<[u8; 32]> = curve25519_dalek::constants::EIGHT_TORSION.iter().map(|p| p.compress().to_bytes()).collect();
        for p in curve25519_dalek::constants::EIGHT_TORSION.iter().map(|p| p.compress().to_bytes()).filter(|b| b[..31].iter().skip(1).all(|&x| x == 0) && (b[0] == 1 || b[0] == 0xec)) {
            let mut neg = p;
            neg[31] |= 0x80;
            v.push(neg);
        }
        v
    })
}

/// Is the y coordinate below p = 2^255 - 19 (a canonical encoding)?
fn canonical_y(enc: &[u8; 32]) -> bool {
    !(enc[31] & 0x7f == 0x7f && enc[1..31].iter().all(|&b| b == 0xff) && enc[0] >= 0xed)
}

/// The checks `verify_strict` makes on `R` and `S` that the batch equation
/// does not, done on the bytes: decompressing here would cost a field
/// exponentiation per signature, and the batch decompresses `R` anyway (an `R`
/// that is not a point fails the batch, and the fallback names it).
fn batch_safe_signature(sig: &[u8; 64]) -> bool {
    let r_bytes: [u8; 32] = sig[..32].try_into().expect("32 bytes");
    let s_bytes: [u8; 32] = sig[32..].try_into().expect("32 bytes");
    if Option::<Scalar>::from(Scalar::from_canonical_bytes(s_bytes)).is_none() {
        return false;
    }
    canonical_y(&r_bytes) && !small_order_encodings().contains(&r_bytes)
}

/// One signature to check: the message is always a 32-byte statement id.
#[derive(Clone, Copy)]
pub struct Item<'a> {
    pub key: &'a Key,
    /// A statement's id is what its actor signs (FORMAT.md section 2).
    pub msg: &'a Id,
    pub sig: &'a Sig,
}

/// Remembers which keys passed the (costly) batch key checks. A key met for
/// the first time is checked with `verify_strict` alone: in poll logs every
/// ballot has a fresh key, and the torsion check would cost more than the
/// batch saves for a key used once.
#[derive(Default)]
pub struct KeyCache {
    keys: hashbrown::HashMap<Key, KeyState>,
}

#[derive(Clone, Copy)]
enum KeyState {
    SeenOnce,
    Checked(Option<VerifyingKey>),
}

impl KeyCache {
    /// The key for batching, or None when this signature should be checked alone.
    fn get(&mut self, key: &Key) -> Option<VerifyingKey> {
        if self.keys.len() > 100_000 {
            self.keys.clear(); // a trace with a key per statement must not grow this without bound
        }
        match self.keys.get(key).copied() {
            None => {
                self.keys.insert(*key, KeyState::SeenOnce);
                None
            }
            Some(KeyState::SeenOnce) => {
                let vk = batch_safe_key(&key.0);
                self.keys.insert(*key, KeyState::Checked(vk));
                vk
            }
            Some(KeyState::Checked(vk)) => vk,
        }
    }
}

/// Checks every item; `out[i]` is the result for `items[i]`.
pub fn verify_all(items: &[Item], mode: Mode, cache: &mut KeyCache) -> Vec<Result<(), SigError>> {
    let mut out = vec![Err(SigError::Invalid); items.len()];
    if mode == Mode::OneByOne {
        for (o, it) in out.iter_mut().zip(items) {
            *o = verify_one(it.key, &it.msg.0, it.sig);
        }
        return out;
    }
    // Items that can go in a batch; the rest are checked alone.
    let mut batchable: Vec<usize> = Vec::with_capacity(items.len());
    let mut vks: Vec<Option<VerifyingKey>> = Vec::with_capacity(items.len());
    for (i, it) in items.iter().enumerate() {
        let vk = cache.get(it.key);
        vks.push(vk);
        if vk.is_some() && batch_safe_signature(&it.sig.0) {
            batchable.push(i);
        } else {
            out[i] = verify_one(it.key, &it.msg.0, it.sig);
        }
    }
    for group in batchable.chunks(BATCH) {
        check_group(items, &vks, group, &mut out);
    }
    out
}

/// Batch-checks `group`; when the batch fails, halves it so a few bad
/// signatures among many cost a few more batches, not a thousand single checks.
fn check_group(items: &[Item], vks: &[Option<VerifyingKey>], group: &[usize], out: &mut [Result<(), SigError>]) {
    if group.len() <= BISECT_MIN {
        for &i in group {
            out[i] = verify_one(items[i].key, &items[i].msg.0, items[i].sig);
        }
        return;
    }
    let msgs: Vec<&[u8]> = group.iter().map(|&i| &items[i].msg.0[..]).collect();
    let sigs: Vec<Signature> = group.iter().map(|&i| Signature::from_bytes(&items[i].sig.0)).collect();
    let keys: Vec<VerifyingKey> = group.iter().map(|&i| vks[i].expect("batchable keys are valid")).collect();
    if ed25519_dalek::verify_batch(&msgs, &sigs, &keys).is_ok() {
        for &i in group {
            out[i] = Ok(());
        }
    } else {
        let (a, b) = group.split_at(group.len() / 2);
        check_group(items, vks, a, out);
        check_group(items, vks, b, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    #[test]
    fn bisection_names_exactly_the_bad_signatures() {
        let keys: Vec<SigningKey> = (1..=5u8).map(|i| SigningKey::from_bytes(&[i; 32])).collect();
        let n = 2 * BATCH + 37;
        let msgs: Vec<Id> = (0..n).map(|i| Id(blake3::hash(&(i as u64).to_le_bytes()).into())).collect();
        let pks: Vec<Key> = (0..n).map(|i| Key::of(&keys[i % 5])).collect();
        let mut sigs: Vec<Sig> = (0..n).map(|i| Sig(keys[i % 5].sign(&msgs[i].0).to_bytes())).collect();
        let bad = [0, 3, BATCH / 2, BATCH / 2 + 1, BATCH + 9, n - 1];
        for &b in &bad {
            sigs[b].0[40] ^= 1;
        }
        let items: Vec<Item> = (0..n).map(|i| Item { key: &pks[i], msg: &msgs[i], sig: &sigs[i] }).collect();
        for mode in [Mode::Batch, Mode::OneByOne] {
            let r = verify_all(&items, mode, &mut KeyCache::default());
            let failed: Vec<usize> = r.iter().enumerate().filter(|(_, x)| x.is_err()).map(|(i, _)| i).collect();
            assert_eq!(failed, bad.to_vec(), "{mode:?}");
        }
    }
}

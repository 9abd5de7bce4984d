//! The log's Merkle tree: RFC 9162 section 2.1 with BLAKE3 (FORMAT.md section 3).

use crate::statement::{Hash, Id, Sig};

/// Leaf hash prefix (RFC 9162 section 2.1.1).
pub const LEAF_PREFIX: u8 = 0x00;
/// Interior node prefix (RFC 9162 section 2.1.1).
pub const NODE_PREFIX: u8 = 0x01;

/// `BLAKE3(0x00 || id || sig)`.
pub fn leaf_hash(id: &Id, sig: &Sig) -> Hash {
    let mut h = blake3::Hasher::new();
    h.update(&[LEAF_PREFIX]);
    h.update(&id.0);
    h.update(&sig.0);
    Hash(*h.finalize().as_bytes())
}

/// `BLAKE3(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut buf = [0u8; 65];
    buf[0] = NODE_PREFIX;
    buf[1..33].copy_from_slice(&left.0);
    buf[33..].copy_from_slice(&right.0);
    Hash(*blake3::hash(&buf).as_bytes())
}

pub fn empty_root() -> Hash {
    Hash(*blake3::hash(b"").as_bytes())
}

/// Largest power of two smaller than `n` (n >= 2).
fn split(n: u64) -> u64 {
    assert!(n >= 2, "split needs at least two leaves");
    1 << (63 - (n - 1).leading_zeros())
}

/// Root of the tree over `leaves` (RFC 9162 MTH).
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split(n as u64) as usize;
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// The roots of the perfect subtrees that make up a growing tree, so a root
/// can be had at any moment without keeping interior nodes.
#[derive(Debug, Clone, Default)]
pub struct Frontier {
    size: u64,
    /// `stack[i]` is the root of a perfect subtree; sizes strictly decrease.
    stack: Vec<Hash>,
}

impl Frontier {
    pub fn push(&mut self, leaf: Hash) {
        let mut h = leaf;
        let mut s = self.size;
        while s & 1 == 1 {
            let left = self.stack.pop().expect("one subtree per set bit");
            h = node_hash(&left, &h);
            s >>= 1;
        }
        self.stack.push(h);
        self.size += 1;
    }
    pub fn size(&self) -> u64 {
        self.size
    }
    pub fn root(&self) -> Hash {
        let mut it = self.stack.iter().rev();
        match it.next() {
            None => empty_root(),
            Some(last) => it.fold(*last, |acc, left| node_hash(left, &acc)),
        }
    }
}

/// Inclusion proof for leaf `index` in the tree over `leaves` (RFC 9162 PATH).
pub fn inclusion_proof(index: u64, leaves: &[Hash]) -> Vec<Hash> {
    assert!((index as usize) < leaves.len(), "index {index} outside a tree of {}", leaves.len());
    let mut proof = Vec::new();
    path(index as usize, leaves, &mut proof);
    proof
}

fn path(m: usize, leaves: &[Hash], out: &mut Vec<Hash>) {
    let n = leaves.len();
    if n <= 1 {
        return;
    }
    let k = split(n as u64) as usize;
    if m < k {
        path(m, &leaves[..k], out);
        out.push(root(&leaves[k..]));
    } else {
        path(m - k, &leaves[k..], out);
        out.push(root(&leaves[..k]));
    }
}

/// Why a proof does not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProofError {
    IndexOutOfRange,
    WrongLength,
    RootMismatch,
}

/// RFC 9162 section 2.1.3.2: checks that `leaf` is at `index` in a tree of `size` with `root`.
pub fn verify_inclusion(index: u64, size: u64, leaf: &Hash, proof: &[Hash], root: &Hash) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange);
    }
    let (mut f_n, mut s_n) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s_n == 0 {
            return Err(ProofError::WrongLength); // extra hashes
        }
        if f_n & 1 == 1 || f_n == s_n {
            r = node_hash(p, &r);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if s_n != 0 {
        return Err(ProofError::WrongLength); // missing hashes
    }
    if r == *root {
        Ok(())
    } else {
        Err(ProofError::RootMismatch)
    }
}

/// Consistency proof between the first `old` leaves and all of `leaves` (RFC 9162 PROOF).
pub fn consistency_proof(old: u64, leaves: &[Hash]) -> Vec<Hash> {
    let n = leaves.len() as u64;
    assert!(old <= n, "old size {old} is larger than the tree ({n})");
    let mut out = Vec::new();
    if old > 0 && old < n {
        subproof(old as usize, leaves, true, &mut out);
    }
    out
}

fn subproof(m: usize, leaves: &[Hash], complete: bool, out: &mut Vec<Hash>) {
    let n = leaves.len();
    if m == n {
        if !complete {
            out.push(root(leaves));
        }
        return;
    }
    let k = split(n as u64) as usize;
    if m <= k {
        subproof(m, &leaves[..k], complete, out);
        out.push(root(&leaves[k..]));
    } else {
        subproof(m - k, &leaves[k..], false, out);
        out.push(root(&leaves[..k]));
    }
}

/// RFC 9162 section 2.1.4.2: checks that a tree of `old_size`/`old_root` is a prefix
/// of the tree of `new_size`/`new_root`.
pub fn verify_consistency(old_size: u64, new_size: u64, old_root: &Hash, new_root: &Hash, proof: &[Hash]) -> Result<(), ProofError> {
    if old_size > new_size {
        return Err(ProofError::IndexOutOfRange);
    }
    if old_size == new_size {
        return if proof.is_empty() {
            if old_root == new_root { Ok(()) } else { Err(ProofError::RootMismatch) }
        } else {
            Err(ProofError::WrongLength)
        };
    }
    if old_size == 0 {
        // Every tree extends the empty tree; nothing to prove.
        return if proof.is_empty() { Ok(()) } else { Err(ProofError::WrongLength) };
    }
    if proof.is_empty() {
        return Err(ProofError::WrongLength);
    }
    let mut proof: Vec<Hash> = proof.to_vec();
    if old_size.is_power_of_two() {
        proof.insert(0, *old_root);
    }
    let Some((first, rest)) = proof.split_first() else { return Err(ProofError::WrongLength) };
    let (mut f_n, mut s_n) = (old_size - 1, new_size - 1);
    while f_n & 1 == 1 {
        f_n >>= 1;
        s_n >>= 1;
    }
    let (mut fr, mut sr) = (*first, *first);
    for c in rest {
        if s_n == 0 {
            return Err(ProofError::WrongLength);
        }
        if f_n & 1 == 1 || f_n == s_n {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if s_n != 0 {
        return Err(ProofError::WrongLength);
    }
    if fr == *old_root && sr == *new_root {
        Ok(())
    } else {
        Err(ProofError::RootMismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::statement::{Id, Sig};

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&Id([i as u8; 32]), &Sig([(i >> 8) as u8; 64]))).collect()
    }

    #[test]
    fn frontier_matches_recursive_root() {
        let l = leaves(70);
        let mut f = Frontier::default();
        assert_eq!(f.root(), empty_root());
        for (i, h) in l.iter().enumerate() {
            f.push(*h);
            assert_eq!(f.root(), root(&l[..=i]), "size {}", i + 1);
        }
    }
}

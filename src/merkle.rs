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

/// Where the hashes of perfect subtrees come from: leaves in memory, tiles,
/// or what a verifier kept. `subtree(h, k)` is the Merkle tree hash of the
/// 2^h leaves starting at `k << h` (RFC 9162 MTH of that range).
pub trait Subtrees {
    type Error;
    fn subtree(&mut self, height: u32, index: u64) -> Result<Hash, Self::Error>;
}

/// RFC 9162 MTH of the leaves `start..end` (not empty). Every range the
/// RFC's recursions visit is a perfect, aligned subtree or ends where the
/// tree ends, so a source of perfect subtrees is all it takes.
pub fn range_hash<S: Subtrees + ?Sized>(start: u64, end: u64, s: &mut S) -> Result<Hash, S::Error> {
    let n = end - start;
    assert!(n > 0, "range_hash of an empty range");
    if n.is_power_of_two() && start % n == 0 {
        return s.subtree(n.trailing_zeros(), start >> n.trailing_zeros());
    }
    let k = split(n);
    let left = range_hash(start, start + k, s)?;
    let right = range_hash(start + k, end, s)?;
    Ok(node_hash(&left, &right))
}

/// The root of the tree of the first `size` leaves.
pub fn root_of<S: Subtrees + ?Sized>(size: u64, s: &mut S) -> Result<Hash, S::Error> {
    if size == 0 {
        Ok(empty_root())
    } else {
        range_hash(0, size, s)
    }
}

/// RFC 9162 PATH: the inclusion proof of leaf `index` in the tree of `size`.
pub fn inclusion_proof_of<S: Subtrees + ?Sized>(index: u64, size: u64, s: &mut S) -> Result<Vec<Hash>, S::Error> {
    assert!(index < size, "index {index} outside a tree of {size}");
    let mut out = Vec::new();
    path_of(index, 0, size, s, &mut out)?;
    Ok(out)
}

fn path_of<S: Subtrees + ?Sized>(m: u64, start: u64, end: u64, s: &mut S, out: &mut Vec<Hash>) -> Result<(), S::Error> {
    let n = end - start;
    if n <= 1 {
        return Ok(());
    }
    let k = split(n);
    if m < k {
        path_of(m, start, start + k, s, out)?;
        out.push(range_hash(start + k, end, s)?);
    } else {
        path_of(m - k, start + k, end, s, out)?;
        out.push(range_hash(start, start + k, s)?);
    }
    Ok(())
}

/// RFC 9162 PROOF: the consistency proof from the tree of `old` leaves to the tree of `size`.
pub fn consistency_proof_of<S: Subtrees + ?Sized>(old: u64, size: u64, s: &mut S) -> Result<Vec<Hash>, S::Error> {
    assert!(old <= size, "old size {old} is larger than the tree ({size})");
    let mut out = Vec::new();
    if old > 0 && old < size {
        subproof_of(old, 0, size, true, s, &mut out)?;
    }
    Ok(out)
}

fn subproof_of<S: Subtrees + ?Sized>(m: u64, start: u64, end: u64, complete: bool, s: &mut S, out: &mut Vec<Hash>) -> Result<(), S::Error> {
    let n = end - start;
    if m == n {
        if !complete {
            out.push(range_hash(start, end, s)?);
        }
        return Ok(());
    }
    let k = split(n);
    if m <= k {
        subproof_of(m, start, start + k, complete, s, out)?;
        out.push(range_hash(start + k, end, s)?);
    } else {
        subproof_of(m - k, start + k, end, false, s, out)?;
        out.push(range_hash(start, start + k, s)?);
    }
    Ok(())
}

/// Leaves held in memory, as a source of subtrees.
pub struct Leaves<'a>(pub &'a [Hash]);

impl Subtrees for Leaves<'_> {
    type Error = std::convert::Infallible;
    fn subtree(&mut self, height: u32, index: u64) -> Result<Hash, Self::Error> {
        let w = 1usize << height;
        let start = index as usize * w;
        Ok(perfect_root(&self.0[start..start + w]))
    }
}

/// The root of a perfect subtree (a power-of-two number of hashes), by levels.
pub fn perfect_root(hashes: &[Hash]) -> Hash {
    assert!(hashes.len().is_power_of_two(), "perfect_root of {} hashes", hashes.len());
    let mut level: Vec<Hash> = hashes.to_vec();
    while level.len() > 1 {
        level = level.chunks_exact(2).map(|p| node_hash(&p[0], &p[1])).collect();
    }
    level[0]
}

fn infallible<T>(r: Result<T, std::convert::Infallible>) -> T {
    match r {
        Ok(v) => v,
        Err(never) => match never {},
    }
}

/// Root of the tree over `leaves` (RFC 9162 MTH).
pub fn root(leaves: &[Hash]) -> Hash {
    infallible(root_of(leaves.len() as u64, &mut Leaves(leaves)))
}

/// The roots of the perfect subtrees that make up a growing tree, so a root
/// can be had at any moment without keeping interior nodes.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Frontier {
    size: u64,
    /// `stack[i]` is the root of a perfect subtree; sizes strictly decrease.
    stack: Vec<Hash>,
}

impl Frontier {
    pub fn push(&mut self, leaf: Hash) {
        self.push_with(leaf, |_, _, _| {});
    }
    /// Pushes a leaf; `completed(height, index, hash)` hears of every perfect
    /// subtree of height 1 or more that this leaf completes (lowest first).
    pub fn push_with(&mut self, leaf: Hash, mut completed: impl FnMut(u32, u64, &Hash)) {
        let mut h = leaf;
        let mut s = self.size;
        let mut height = 0;
        while s & 1 == 1 {
            let left = self.stack.pop().expect("one subtree per set bit");
            h = node_hash(&left, &h);
            s >>= 1;
            height += 1;
            completed(height, self.size >> height, &h);
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
    infallible(inclusion_proof_of(index, leaves.len() as u64, &mut Leaves(leaves)))
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
    infallible(consistency_proof_of(old, leaves.len() as u64, &mut Leaves(leaves)))
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

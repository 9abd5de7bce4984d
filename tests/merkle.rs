//! Merkle proofs (RFC 9162 2.1.3.2 / 2.1.4.2 with BLAKE3) against a naive
//! recomputation, for every tree size 1..=300 and every index.

use onus::merkle::*;
use onus::statement::{Hash, Id, Sig};

fn leaves(n: usize) -> Vec<Hash> {
    (0..n).map(|i| Hash(*blake3::hash(format!("leaf {i}").as_bytes()).as_bytes())).collect()
}

/// MTH straight from RFC 9162 section 2.1.1, written independently of the crate.
fn naive_root(l: &[Hash]) -> Hash {
    match l.len() {
        0 => Hash(*blake3::hash(b"").as_bytes()),
        1 => l[0],
        n => {
            let mut k = 1;
            while k * 2 < n {
                k *= 2;
            }
            let mut buf = vec![1u8];
            buf.extend_from_slice(&naive_root(&l[..k]).0);
            buf.extend_from_slice(&naive_root(&l[k..]).0);
            Hash(*blake3::hash(&buf).as_bytes())
        }
    }
}

#[test]
fn leaf_and_node_hashes_follow_the_format() {
    let mut pre = vec![0u8];
    pre.extend_from_slice(&[1; 32]);
    pre.extend_from_slice(&[2; 64]);
    assert_eq!(leaf_hash(&Id([1; 32]), &Sig([2; 64])), Hash(*blake3::hash(&pre).as_bytes()));
    assert_eq!(empty_root(), Hash(*blake3::hash(b"").as_bytes()));
}

#[test]
fn inclusion_proofs_for_every_size_and_index() {
    let all = leaves(300);
    for n in 1..=300usize {
        let l = &all[..n];
        let root = naive_root(l);
        assert_eq!(onus::merkle::root(l), root, "root of {n}");
        for i in 0..n {
            let p = inclusion_proof(i as u64, l);
            assert_eq!(verify_inclusion(i as u64, n as u64, &l[i], &p, &root), Ok(()), "n {n} i {i}");
            // Wrong leaf, wrong index, extra hash, missing hash: all rejected.
            let other = if i + 1 < n { l[i + 1] } else { l[0] };
            if n > 1 {
                assert!(verify_inclusion(i as u64, n as u64, &other, &p, &root).is_err());
                assert!(verify_inclusion(((i + 1) % n) as u64, n as u64, &l[i], &p, &root).is_err(), "n {n} i {i}");
            }
            let mut extra = p.clone();
            extra.push(Hash([7; 32]));
            assert!(verify_inclusion(i as u64, n as u64, &l[i], &extra, &root).is_err(), "extra n {n} i {i}");
            if !p.is_empty() {
                assert!(verify_inclusion(i as u64, n as u64, &l[i], &p[..p.len() - 1], &root).is_err(), "missing n {n} i {i}");
            }
            assert_eq!(verify_inclusion(n as u64, n as u64, &l[i], &p, &root), Err(ProofError::IndexOutOfRange));
        }
    }
}

#[test]
fn consistency_proofs_for_every_pair_of_sizes() {
    let all = leaves(300);
    let roots: Vec<Hash> = (0..=300).map(|n| naive_root(&all[..n])).collect();
    for n in (1..=300usize).step_by(1) {
        // Every old size for small trees; a spread of them for large ones.
        let olds: Vec<usize> = if n <= 64 { (1..=n).collect() } else { (1..=n).filter(|m| m % 7 == 0 || *m < 10 || *m > n - 4 || m.is_power_of_two()).collect() };
        for m in olds {
            let p = consistency_proof(m as u64, &all[..n]);
            assert_eq!(verify_consistency(m as u64, n as u64, &roots[m], &roots[n], &p), Ok(()), "{m} -> {n}");
            if m < n {
                let mut extra = p.clone();
                extra.push(Hash([9; 32]));
                assert!(verify_consistency(m as u64, n as u64, &roots[m], &roots[n], &extra).is_err(), "extra {m} -> {n}");
                assert!(verify_consistency(m as u64, n as u64, &roots[m], &roots[n], &p[..p.len() - 1]).is_err(), "missing {m} -> {n}");
                // A different old root (a fork) is refused.
                assert!(verify_consistency(m as u64, n as u64, &Hash([3; 32]), &roots[n], &p).is_err(), "fork {m} -> {n}");
                assert!(verify_consistency(m as u64, n as u64, &roots[m], &Hash([3; 32]), &p).is_err());
            }
        }
    }
    assert!(verify_consistency(5, 4, &roots[5], &roots[4], &[]).is_err());
}

#[test]
fn frontier_root_matches_naive_root() {
    let all = leaves(300);
    let mut f = Frontier::default();
    for (i, l) in all.iter().enumerate() {
        f.push(*l);
        assert_eq!(f.root(), naive_root(&all[..=i]));
    }
}

//! Measures the signature paths: single verify_strict, batch, and the R torsion check.
use curve25519_dalek::edwards::CompressedEdwardsY;
use ed25519_dalek::{Signer, SigningKey};
use onus::signature::{verify_all, Item, KeyCache, Mode};
use onus::types::{Id, Key, Sig};
use std::time::Instant;

fn main() {
    let n = 4096;
    let keys: Vec<SigningKey> = (0..16u8).map(|i| SigningKey::from_bytes(&[i + 1; 32])).collect();
    let msgs: Vec<Id> = (0..n).map(|i| Id(blake3::hash(&(i as u64).to_le_bytes()).into())).collect();
    let pks: Vec<Key> = (0..n).map(|i| Key::of(&keys[i % 16])).collect();
    let sigs: Vec<Sig> = (0..n).map(|i| Sig(keys[i % 16].sign(&msgs[i].0).to_bytes())).collect();
    let items: Vec<Item> = (0..n).map(|i| Item { key: &pks[i], msg: &msgs[i], sig: &sigs[i] }).collect();
    for mode in [Mode::OneByOne, Mode::Batch] {
        let mut best = f64::MAX;
        for _ in 0..3 {
            let mut cache = KeyCache::default();
            let t = Instant::now();
            let r = verify_all(&items, mode, &mut cache);
            assert!(r.iter().all(|x| x.is_ok()));
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!("{mode:?}: {:.1} us/sig", best * 1e6 / n as f64);
    }
    // A poll log: every ballot has a fresh key.
    let fresh: Vec<SigningKey> = (0..n).map(|i| SigningKey::from_bytes(&blake3::hash(&(i as u64 + 99).to_le_bytes()).into())).collect();
    let fpks: Vec<Key> = fresh.iter().map(Key::of).collect();
    let fsigs: Vec<Sig> = (0..n).map(|i| Sig(fresh[i].sign(&msgs[i].0).to_bytes())).collect();
    let fitems: Vec<Item> = (0..n).map(|i| Item { key: &fpks[i], msg: &msgs[i], sig: &fsigs[i] }).collect();
    let t = Instant::now();
    assert!(verify_all(&fitems, Mode::Batch, &mut KeyCache::default()).iter().all(|x| x.is_ok()));
    println!("Batch, a fresh key per signature: {:.1} us/sig", t.elapsed().as_secs_f64() * 1e6 / n as f64);
    let t = Instant::now();
    let mut ok = 0;
    for s in &sigs {
        let r = CompressedEdwardsY(s.0[..32].try_into().unwrap()).decompress().unwrap();
        ok += r.is_torsion_free() as usize;
    }
    assert_eq!(ok, n);
    println!("decompress + is_torsion_free(R): {:.1} us/sig", t.elapsed().as_secs_f64() * 1e6 / n as f64);
}

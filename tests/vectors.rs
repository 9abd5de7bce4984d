//! The outside vectors in ../shared/vectors: BLAKE3, Ed25519 (Wycheproof, CCTV), RFC 8785.

use onus::json::{self, Numbers};
use onus::signature::{verify_all, verify_one, Item, KeyCache, Mode};
use onus::types::{Id, Key, Sig};
use serde_json::Value;
use std::path::PathBuf;

fn shared(rel: &str) -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for base in [here.join("../shared/vectors"), here.join("shared/vectors")] {
        if base.exists() {
            return base.join(rel);
        }
    }
    panic!("../shared/vectors not found next to the repo");
}

fn load(rel: &str) -> Value {
    serde_json::from_slice(&std::fs::read(shared(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))).unwrap()
}

#[test]
fn blake3_official_vectors() {
    let v = load("blake3/test_vectors.json");
    let context = v["context_string"].as_str().unwrap();
    let key: [u8; 32] = v["key"].as_str().unwrap().as_bytes().try_into().unwrap();
    let cases = v["cases"].as_array().unwrap();
    assert!(cases.len() > 30);
    for c in cases {
        let len = c["input_len"].as_u64().unwrap() as usize;
        let input: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        let want = |k: &str| c[k].as_str().unwrap()[..64].to_string();
        assert_eq!(hex::encode(blake3::hash(&input).as_bytes()), want("hash"), "hash len {len}");
        assert_eq!(hex::encode(blake3::keyed_hash(&key, &input).as_bytes()), want("keyed_hash"), "keyed len {len}");
        assert_eq!(hex::encode(blake3::derive_key(context, &input)), want("derive_key"), "derive_key len {len}");
        // The extended output too (leaves hash only the first 32 bytes, but the library is one).
        let mut xof = vec![0u8; c["hash"].as_str().unwrap().len() / 2];
        blake3::Hasher::new().update(&input).finalize_xof().fill(&mut xof);
        assert_eq!(hex::encode(&xof), c["hash"].as_str().unwrap());
    }
}

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

/// Runs `(key, msg, sig)` through the batch path hidden among valid signatures,
/// so a bad one must be caught by the batch equation or the pre-checks.
fn batch_result(key: &Key, msg: &Id, sig: &Sig) -> bool {
    use ed25519_dalek::{Signer, SigningKey};
    let sk = SigningKey::from_bytes(&[42; 32]);
    let pk = Key::of(&sk);
    let msgs: Vec<Id> = (0..20u8).map(|i| Id([i; 32])).collect();
    let sigs: Vec<Sig> = msgs.iter().map(|m| Sig(sk.sign(&m.0).to_bytes())).collect();
    let mut items: Vec<Item> = msgs.iter().zip(&sigs).map(|(m, s)| Item { key: &pk, msg: m, sig: s }).collect();
    items.insert(7, Item { key, msg, sig });
    // A key met once is checked alone; warm the cache so the vector goes through the batch.
    let mut cache = KeyCache::default();
    verify_all(&[Item { key, msg, sig }, Item { key: &pk, msg: &msgs[0], sig: &sigs[0] }], Mode::Batch, &mut cache);
    let r = verify_all(&items, Mode::Batch, &mut cache);
    assert!(r.iter().enumerate().all(|(i, x)| i == 7 || x.is_ok()), "a bad item must not fail its batch-mates");
    r[7].is_ok()
}

#[test]
fn wycheproof_strict_policy() {
    let v = load("ed25519/wycheproof_ed25519_test.json");
    let mut checked = 0;
    for g in v["testGroups"].as_array().unwrap() {
        let pk = h(g["publicKey"]["pk"].as_str().unwrap());
        for t in g["tests"].as_array().unwrap() {
            let msg = h(t["msg"].as_str().unwrap());
            let sig = h(t["sig"].as_str().unwrap());
            let want = t["result"].as_str().unwrap() == "valid";
            let id = t["tcId"].as_u64().unwrap();
            let (Some(pk32), Some(sig64)) = (Key::from_slice(&pk), Sig::from_slice(&sig)) else {
                // Wrong-length keys or signatures cannot even be written in a trace (parse refuses them).
                assert!(!want, "tcId {id}: a valid vector with a wrong length");
                continue;
            };
            assert_eq!(verify_one(&pk32, &msg, &sig64).is_ok(), want, "tcId {id} ({})", t["comment"]);
            if msg.len() == 32 {
                let m = Id::from_slice(&msg).unwrap();
                assert_eq!(batch_result(&pk32, &m, &sig64), want, "batch, tcId {id}");
            }
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} vectors checked");
}

/// FORMAT.md section 1: reject small-order or non-canonical A and R, and any
/// signature that fails the cofactorless equation (a low-order residue).
fn strict_accepts(flags: &[&str]) -> bool {
    !flags.iter().any(|f| matches!(*f, "low_order_A" | "low_order_R" | "non_canonical_A" | "non_canonical_R" | "low_order_residue"))
}

#[test]
fn cctv_strict_policy() {
    let v = load("ed25519/cctv_ed25519vectors.json");
    let mut accepted = 0;
    let mut batch_differs = Vec::new();
    for t in v.as_array().unwrap() {
        let n = t["number"].as_u64().unwrap();
        let key = Key::from_slice(&h(t["key"].as_str().unwrap())).unwrap();
        let sig = Sig::from_slice(&h(t["sig"].as_str().unwrap())).unwrap();
        let msg = t["msg"].as_str().unwrap().as_bytes();
        let flags: Vec<&str> = t["flags"].as_array().map(|a| a.iter().map(|f| f.as_str().unwrap()).collect()).unwrap_or_default();
        let want = strict_accepts(&flags);
        assert_eq!(verify_one(&key, msg, &sig).is_ok(), want, "vector {n} flags {flags:?}");
        accepted += want as usize;
        // Batch mode decides like verify_strict except, possibly, for a signature whose R
        // has a small-order component and fails only the cofactorless equation (docs/FORMAT.md).
        let m = Id(blake3::hash(msg).into());
        let single = verify_one(&key, &m.0, &sig).is_ok();
        if batch_result(&key, &m, &sig) != single {
            assert!(!single, "vector {n}: the batch rejected what verify_strict accepts");
            batch_differs.push((n, flags.clone()));
        }
    }
    assert!(accepted > 40, "{accepted} accepted");
    eprintln!("CCTV: {accepted} accepted by the strict rules; batch mode differs on {} (mixed-order R)", batch_differs.len());
    for (n, flags) in &batch_differs {
        assert!(flags.contains(&"low_order_component_R") && !flags.contains(&"low_order_component_A"), "vector {n}: batch differs outside the documented class: {flags:?}");
    }
}

#[test]
fn rfc8785_vectors() {
    let dir = shared("jcs/input");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let input = std::fs::read(&path).unwrap();
        let want = std::fs::read(shared(&format!("jcs/output/{name}"))).unwrap();
        let v = json::parse(&input, Numbers::AnyFloat).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(String::from_utf8(json::canonical(&v)).unwrap(), String::from_utf8(want).unwrap().trim_end(), "{name}");
        n += 1;
    }
    assert_eq!(n, 6);
}

#[test]
fn canonical_form_agrees_with_serde_jcs_on_integer_json() {
    // serde_jcs is an independent RFC 8785 implementation. It sorts member names
    // by their escaped form and by code point, not by UTF-16 units, so names with
    // control characters ("\r" vs "1") or beyond U+FFFF next to U+E000..U+FFFF are
    // left out here; the RFC's own weird.json vector decides those (see above).
    let samples = [
        r#"{"b":[1,2,{"z":null,"a":true}],"a":"\u00e9\u20ac\ud83d\ude00","":-9007199254740991}"#,
        r#"{"\u20ac":1,"a":2,"1":3,"\ud83d\ude00":4,"\u0080":5,"ö":6}"#,
        r#"[{"x":"tab\tnl\ncr\rq\"bs\\ctl\u0001\u001f del\u007f"}]"#,
    ];
    for s in samples {
        let ours = json::canonical(&json::parse(s.as_bytes(), Numbers::SafeIntegers).unwrap());
        let theirs = serde_jcs::to_vec(&serde_json::from_str::<Value>(s).unwrap()).unwrap();
        assert_eq!(String::from_utf8(ours).unwrap(), String::from_utf8(theirs).unwrap(), "{s}");
    }
}
